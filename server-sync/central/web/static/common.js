/* Helpers shared by central's browser pages (staff console, login, display): JSON fetch
 * with the CSRF header, the text catalogs from /api/v1/i18n, {placeholder} formatting and
 * el(), which builds elements and only ever sets text (never HTML), as the CSP asks.
 * A classic script: it defines one global, window.Ank, so any page can use it. */
"use strict";

(function () {
	const Ank = {};
	/* The session's CSRF token: in memory only (never storage), set by the page from
	 * GET /api/v1/me or the login answer. */
	Ank.csrf = null;
	/* The loaded catalog: key -> text, and the fallbacks a missing key falls to
	 * (da, then en, then the bare key), as the kiosk does. */
	Ank.lang = null;
	Ank.direction = "ltr";
	Ank.messages = {};
	Ank.fallbacks = [];
	/* The one storage key of the browser pages: the chosen language, nothing else. */
	Ank.LANG_STORAGE_KEY = "ank.lang";
	Ank.DEFAULT_LANG = "da";

	/* fetch JSON. body (an object) is sent as JSON with "v":1 added; every POST carries
	 * the CSRF token. options: signal (an AbortSignal), headers (more request headers,
	 * e.g. the display's Authorization). Resolves to {status, ok, body, headers} (body
	 * null when not JSON); rejects only when the network fails (or the signal aborts). */
	Ank.api = async function (method, path, body, options) {
		const init = {method: method, credentials: "same-origin", cache: "no-store",
		              headers: Object.assign({}, (options && options.headers) || {})};
		if (options && options.signal)
			init.signal = options.signal;
		if (body !== undefined && body !== null) {
			init.headers["Content-Type"] = "application/json";
			init.body = JSON.stringify(Object.assign({v: 1}, body));
		}
		if (method !== "GET" && Ank.csrf)
			init.headers["X-CSRF-Token"] = Ank.csrf;
		const res = await fetch(path, init);
		let data = null;
		try {
			data = await res.json();
		} catch (e) {
			data = null;
		}
		return {status: res.status, ok: res.ok, body: data, headers: res.headers};
	};

	/* The error text of an answer for a person: the server's "error", or the status. */
	Ank.errorText = function (r) {
		if (r && r.body && typeof r.body.error === "string")
			return r.body.error;
		return r ? "HTTP " + r.status : "";
	};

	/* The language to show: the stored choice, else the default. */
	Ank.chosenLang = function () {
		try {
			const l = window.localStorage.getItem(Ank.LANG_STORAGE_KEY);
			if (l && /^[a-z]{2,3}$/.test(l))
				return l;
		} catch (e) {
			/* storage off: the default */
		}
		return Ank.DEFAULT_LANG;
	};

	Ank.rememberLang = function (lang) {
		try {
			window.localStorage.setItem(Ank.LANG_STORAGE_KEY, lang);
		} catch (e) {
			/* storage off: the choice lasts this page only */
		}
	};

	async function fetchCatalog(lang) {
		const r = await Ank.api("GET", "/api/v1/i18n/" + encodeURIComponent(lang));
		if (!r.ok || !r.body || typeof r.body.messages !== "object")
			return null;
		return r.body;
	}

	/* Loads lang's catalog (and da, en as fallbacks), sets <html lang dir>. Resolves to
	 * true when lang itself loaded. */
	Ank.loadLang = async function (lang) {
		const order = [lang].concat(["da", "en"].filter((l) => l !== lang));
		const cats = await Promise.all(order.map((l) => fetchCatalog(l).catch(() => null)));
		const main = cats[0];
		Ank.lang = main ? lang : (cats[1] ? order[1] : "en");
		Ank.messages = main ? main.messages : {};
		Ank.fallbacks = cats.slice(1).filter(Boolean).map((c) => c.messages);
		/* Plural texts by CLDR category, with the language they belong to. */
		Ank.plurals = cats.filter(Boolean).map((c) => ({lang: c.lang, forms: c.plurals || {}}));
		Ank.pending = main && Array.isArray(main.pending) ? main.pending : [];
		Ank.direction = main && main.direction === "rtl" ? "rtl" : "ltr";
		document.documentElement.lang = Ank.lang;
		document.documentElement.dir = Ank.direction;
		return Boolean(main);
	};

	/* text with {name} replaced by params.name (as text); a missing param stays visible. */
	Ank.format = function (text, params) {
		return String(text).replace(/\{([a-z][a-z0-9_]*)\}/g, (m, name) =>
			params && Object.prototype.hasOwnProperty.call(params, name) &&
			params[name] !== null && params[name] !== undefined
				? String(params[name])
				: m);
	};

	/* The text of key in the current language (then da, en, then the key itself). */
	Ank.t = function (key, params) {
		let text = Ank.messages[key];
		for (let i = 0; text === undefined && i < Ank.fallbacks.length; i++)
			text = Ank.fallbacks[i][key];
		if (text === undefined)
			text = key;
		return Ank.format(text, params);
	};

	/* The form of plural text key for the number n (CLDR's category through the browser's
	 * Intl.PluralRules, the same rules central's ICU applies), else as Ank.t. */
	Ank.tn = function (key, n, params) {
		for (const p of Ank.plurals || []) {
			const forms = p.forms[key];
			if (!forms)
				continue;
			let cat = "other";
			try {
				cat = new Intl.PluralRules(p.lang).select(Number(n));
			} catch (e) {
				/* no rules for the language: "other" */
			}
			return Ank.format(forms[cat] !== undefined ? forms[cat] : forms.other, params);
		}
		return Ank.t(key, params);
	};

	/* Builds an element. attrs: "class", "text" (textContent), "on" ({event: fn}),
	 * properties listed in PROPS (value, checked, disabled, hidden), anything else as an
	 * attribute (data-*, aria-*, type, for …). Children: nodes or strings (as text);
	 * null/false skipped; arrays flattened. Never parses HTML. */
	const PROPS = ["value", "checked", "disabled", "hidden", "selected", "required"];
	Ank.el = function (tag, attrs) {
		const node = document.createElement(tag);
		const a = attrs || {};
		for (const name of Object.keys(a)) {
			const v = a[name];
			if (v === null || v === undefined || v === false)
				continue;
			if (name === "class")
				node.className = v;
			else if (name === "text")
				node.textContent = v;
			else if (name === "on")
				for (const ev of Object.keys(v))
					node.addEventListener(ev, v[ev]);
			else if (PROPS.includes(name))
				node[name] = v;
			else
				node.setAttribute(name, v === true ? "" : String(v));
		}
		const add = (c) => {
			if (c === null || c === undefined || c === false)
				return;
			if (Array.isArray(c))
				c.forEach(add);
			else if (c instanceof Node)
				node.appendChild(c);
			else
				node.appendChild(document.createTextNode(String(c)));
		};
		for (let i = 2; i < arguments.length; i++)
			add(arguments[i]);
		return node;
	};

	Ank.clear = function (node) {
		while (node.firstChild)
			node.removeChild(node.firstChild);
		return node;
	};

	/* Fills the static texts of a page: data-i18n="key" sets the text,
	 * data-i18n-attr="placeholder:key;aria-label:key" sets attributes. */
	Ank.applyTexts = function (root) {
		const r = root || document;
		r.querySelectorAll("[data-i18n]").forEach((n) => {
			n.textContent = Ank.t(n.getAttribute("data-i18n"));
		});
		r.querySelectorAll("[data-i18n-attr]").forEach((n) => {
			for (const pair of n.getAttribute("data-i18n-attr").split(";")) {
				const i = pair.indexOf(":");
				if (i > 0)
					n.setAttribute(pair.slice(0, i).trim(), Ank.t(pair.slice(i + 1).trim()));
			}
		});
	};

	function pad2(n) {
		return (n < 10 ? "0" : "") + n;
	}

	/* A duration in ms as m:ss, or h:mm:ss from an hour on; never negative. */
	Ank.duration = function (ms) {
		const s = Math.max(0, Math.floor(ms / 1000));
		const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
		return h > 0 ? h + ":" + pad2(m) + ":" + pad2(sec) : m + ":" + pad2(sec);
	};

	/* HH:MM of a time in ms, in timeZone (an IANA name) when given and known. */
	Ank.hhmm = function (ms, timeZone) {
		const opts = {hour: "2-digit", minute: "2-digit", hour12: false};
		try {
			if (timeZone)
				opts.timeZone = timeZone;
			return new Intl.DateTimeFormat("en-GB", opts).format(new Date(ms));
		} catch (e) {
			const d = new Date(ms);
			return pad2(d.getHours()) + ":" + pad2(d.getMinutes());
		}
	};

	/* ms as the API's time text YYYY-MM-DDTHH:MM:SSZ. */
	Ank.isoTime = function (ms) {
		return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
	};

	window.Ank = Ank;
})();
