/* The administrators' console, the Screen texts tab (admin.html, registered by admin.js): pick
 * a language, search its keys, edit a draft, preview it (PNGs the real kiosk drew, with the
 * layout check's findings), publish it to a site, a municipality or all, the history with
 * rollback, and the version each kiosk shows (docs/api.md "Screen texts"). All texts come from
 * the catalogs; every server value is put in as text (Ank.el), never as HTML.
 *
 * Stable hooks for browser tests:
 *   [data-test=texts-lang], [data-test=texts-search]
 *   [data-test=texts] tr[data-key=KEY] a key's row (data-draft="1" when it has a draft); its
 *        [data-test=text-edit] button; the dialog's [data-test=text-input] (one per form),
 *        [data-test=text-discard]
 *   [data-test=preview-orient], [data-test=preview-submit], [data-test=preview-findings]
 *        (data-count), [data-test=preview-shots] img[data-screen=NAME] (data-finding="1")
 *   [data-test=publish-scope|publish-target|publish-submit|publish-error]
 *   [data-test=texts-history] tr[data-version=N] with [data-test=rollback]; the button
 *        [data-test=rollback-shipped]
 *   [data-test=texts-kiosks] tr[data-kiosk=ID] (data-version, "" for the shipped texts)
 */
"use strict";

(function () {
	const el = Ank.el, t = Ank.t;
	const $ = (id) => document.getElementById(id);
	const enc = encodeURIComponent;
	/* The texts tab's state; H: the helpers admin.js hands over (api, toast, ask, sites). */
	const T = {lang: "", keys: [], started: false};
	let H = null;

	const when = (ms) => new Date(ms).toLocaleString(Ank.lang === "en" ? "en-GB" : Ank.lang);
	const shown = (v) => (Array.isArray(v) ? v.join(" | ") : v === null || v === undefined ? "" : String(v));

	async function loadLangs() {
		const r = await H.api("GET", "/api/v1/i18n");
		const langs = r && r.ok && r.body && Array.isArray(r.body.languages) ? r.body.languages : [];
		const sel = Ank.clear($("texts-lang"));
		for (const l of langs)
			sel.append(el("option", {value: l.lang, selected: l.lang === (T.lang || "da"), text: `${l.name} (${l.lang})`}));
		T.lang = sel.value;
	}

	/* ---- the keys of one language ---- */

	async function loadTexts() {
		const r = await H.api("GET", "/api/v1/texts/" + enc(T.lang));
		if (!r)
			return;
		if (!r.ok || !r.body)
			return H.errorToast(r);
		T.keys = r.body.keys || [];
		$("texts-drafts").textContent = t("admin.texts.drafts", {count: r.body.drafts || 0});
		drawTexts();
	}

	function drawTexts() {
		const q = $("texts-search").value.trim().toLowerCase();
		const body = Ank.clear($("texts-body"));
		for (const k of T.keys) {
			const hay = (k.key + " " + shown(k.text) + " " + shown(k.source) + " " + shown(k.draft)).toLowerCase();
			if (q && !hay.includes(q))
				continue;
			const hasDraft = k.draft !== null && k.draft !== undefined;
			body.append(el("tr", {"data-key": k.key, "data-draft": hasDraft ? "1" : "0"},
				el("td", {class: "mono", text: k.key}),
				el("td", {text: shown(k.text)}),
				el("td", {lang: "en", text: shown(k.source)}),
				el("td", {class: hasDraft ? "draft" : "", text: hasDraft ? shown(k.draft) : ""}),
				el("td", {class: "actions-cell"},
					el("button", {type: "button", class: "btn small", "data-test": "text-edit",
						"aria-label": t("admin.texts.edit") + " " + k.key, text: t("admin.texts.edit"),
						on: {click: () => editText(k)}}))));
		}
	}

	/* The dialog of one key's draft: a field per plural form, or one. */
	async function editText(k) {
		const now = k.draft !== null && k.draft !== undefined ? k.draft : k.text;
		const forms = Array.isArray(k.text) ? k.text.length : 1;
		const inputs = [];
		const body = [];
		for (let i = 0; i < forms; i++) {
			const id = "text-input-" + i;
			const input = el("textarea", {id: id, rows: 3, "data-test": "text-input", value: Array.isArray(now) ? now[i] || "" : now});
			inputs.push(input);
			body.push(el("label", {for: id, text: forms > 1 ? t("admin.texts.plural_form", {n: i + 1}) : t("admin.texts.draft")}), input);
		}
		body.push(el("p", {class: "muted", lang: "en", text: t("admin.texts.source") + ": " + shown(k.source)}));
		let discard = false;
		if (k.draft !== null && k.draft !== undefined)
			body.push(el("label", {class: "check"},
				el("input", {type: "checkbox", "data-test": "text-discard", on: {change: (e) => { discard = e.target.checked; }}}),
				t("admin.texts.discard")));
		if (!(await H.ask(t("admin.texts.edit_title", {key: k.key}), body, t("admin.save"))))
			return;
		const value = discard ? null : forms > 1 ? inputs.map((n) => n.value) : inputs[0].value;
		const r = await H.api("POST", "/api/v1/texts/" + enc(T.lang) + "/drafts", {v: 1, messages: {[k.key]: value}});
		if (!r)
			return;
		if (!r.ok)
			return H.errorToast(r);
		H.toast(t("admin.texts.saved"), "done");
		await loadTexts();
	}

	/* ---- preview ---- */

	async function preview(ev) {
		ev.preventDefault();
		const btn = $("preview-submit");
		btn.disabled = true;
		const findings = $("preview-findings");
		findings.textContent = t("admin.texts.previewing");
		findings.setAttribute("data-state", "running");
		const shots = Ank.clear($("preview-shots"));
		const r = await H.api("POST", "/api/v1/texts/" + enc(T.lang) + "/previews", {v: 1, orientation: $("preview-orient").value});
		btn.disabled = false;
		if (!r)
			return;
		if (!r.ok || !r.body) {
			findings.textContent = "";
			findings.setAttribute("data-state", "failed");
			return H.errorToast(r);
		}
		drawPreview(findings, shots, r.body);
	}

	/* A preview's answer (docs/api.md: shots and findings) into the findings banner and the
	 * row of pictures; the Alerts & information tab draws its previews with it too. */
	function drawPreview(findings, shots, body) {
		const f = body.findings || [];
		findings.setAttribute("data-state", "done");
		findings.setAttribute("data-count", String(f.length));
		findings.className = f.length ? "banner warn" : "banner";
		Ank.clear(findings).append(el("span", {text: f.length ? t("admin.texts.findings", {count: f.length}) : t("admin.texts.findings_none")}));
		if (f.length)
			findings.append(el("ul", {}, f.map((x) => el("li", {"data-test": "finding", "data-screen": x.screen,
				text: t("admin.texts.finding", {screen: x.screen, size: x.size, why: x.why})}))));
		const bad = new Set(f.map((x) => x.screen));
		Ank.clear(shots);
		const r = {body};
		for (const s of r.body.shots || []) {
			const img = el("img", {src: s.url, "data-screen": s.screen, "data-finding": bad.has(s.screen) ? "1" : "0",
				width: Math.round(r.body.width / 5), height: Math.round(r.body.height / 5),
				alt: t("admin.texts.shot_alt", {screen: s.screen})});
			shots.append(el("figure", {class: bad.has(s.screen) ? "shot finding" : "shot"},
				el("a", {href: s.url, target: "_blank", rel: "noopener"}, img),
				el("figcaption", {text: s.screen})));
		}
	}

	/* ---- publish, history, rollback ---- */

	function targetOptions() {
		const scope = $("publish-scope").value;
		const sel = Ank.clear($("publish-target"));
		sel.disabled = scope === "all";
		if (scope === "site")
			for (const s of H.sites())
				sel.append(el("option", {value: s.site, text: s.name ? `${s.name} (${s.site})` : s.site}));
		else if (scope === "municipality")
			for (const m of [...new Set(H.sites().map((s) => s.municipality))].sort())
				sel.append(el("option", {value: m, text: m}));
	}

	function scopeBody() {
		const scope = $("publish-scope").value;
		return scope === "all" ? {scope} : {scope, target: $("publish-target").value};
	}

	async function publish(ev) {
		ev.preventDefault();
		const err = $("publish-error");
		err.textContent = "";
		const btn = $("publish-submit");
		btn.disabled = true;
		const r = await H.api("POST", "/api/v1/texts/" + enc(T.lang) + "/publish", {v: 1, ...scopeBody()});
		btn.disabled = false;
		if (!r)
			return;
		if (!r.ok || !r.body) {
			err.textContent = t("console.error", {reason: Ank.errorText(r)});
			return;
		}
		H.toast(t("admin.texts.published", {version: r.body.version}), "done");
		await Promise.all([loadTexts(), loadHistory(), loadKiosks()]);
	}

	async function rollback(version) {
		const body = version ? {v: 1, version} : {v: 1, version: 0, ...scopeBody()};
		const title = version ? t("admin.texts.rollback_to", {version}) : t("admin.texts.rollback_shipped");
		if (!(await H.ask(title, [el("p", {text: t("admin.texts.rollback_ask")})], t("admin.texts.rollback"))))
			return;
		const r = await H.api("POST", "/api/v1/texts/" + enc(T.lang) + "/rollback", body);
		if (!r)
			return;
		if (!r.ok || !r.body)
			return H.errorToast(r);
		H.toast(t("admin.texts.rolled_back", {version: r.body.version}), "done");
		await Promise.all([loadHistory(), loadKiosks()]);
	}

	function scopeText(v) {
		return v.scope === "all" ? t("admin.texts.scope.all") : t("admin.texts.scope." + v.scope) + " " + v.target;
	}

	async function loadHistory() {
		const r = await H.api("GET", "/api/v1/texts/" + enc(T.lang) + "/history");
		if (!r)
			return;
		if (!r.ok || !r.body)
			return H.errorToast(r);
		const body = Ank.clear($("history-body"));
		const versions = r.body.versions || [];
		$("history-none").hidden = versions.length > 0;
		for (const v of versions) {
			const texts = Object.keys(v.texts || {}).map((k) => `${k}: ${shown(v.texts[k])}`).join("; ");
			const again = v.rollback_of !== null && v.rollback_of !== undefined;
			body.append(el("tr", {"data-version": v.version},
				el("td", {text: String(v.version)}),
				el("td", {text: when(v.at_ms)}),
				el("td", {text: v.author}),
				el("td", {text: scopeText(v) + (again ? " (" + t("admin.texts.rollback_of", {version: v.rollback_of}) + ")" : "")}),
				el("td", {text: texts || t("admin.texts.kiosk_none")}),
				el("td", {class: "actions-cell"},
					el("button", {type: "button", class: "btn small", "data-test": "rollback",
						"aria-label": t("admin.texts.rollback_to", {version: v.version}), text: t("admin.texts.rollback"),
						on: {click: () => rollback(v.version)}}))));
		}
	}

	async function loadKiosks() {
		const r = await H.api("GET", "/api/v1/texts/kiosks");
		if (!r || !r.ok || !r.body)
			return;
		const body = Ank.clear($("texts-kiosks-body"));
		for (const k of r.body.kiosks || [])
			body.append(el("tr", {"data-kiosk": k.kiosk, "data-version": k.texts_version === null ? "" : String(k.texts_version)},
				el("td", {text: k.site}),
				el("td", {class: "mono", text: k.kiosk}),
				el("td", {text: k.texts_version === null ? t("admin.texts.kiosk_none") : t("admin.texts.kiosk_version", {version: k.texts_version})})));
	}

	/* ---- the tab ---- */

	async function show(helpers) {
		H = helpers;
		if (!T.started) {
			T.started = true;
			$("texts-lang").addEventListener("change", () => {
				T.lang = $("texts-lang").value;
				Ank.clear($("preview-shots"));
				$("preview-findings").textContent = "";
				loadTexts();
				loadHistory();
				loadKiosks();
			});
			$("texts-search").addEventListener("input", drawTexts);
			$("preview-form").addEventListener("submit", preview);
			$("publish-form").addEventListener("submit", publish);
			$("publish-scope").addEventListener("change", targetOptions);
			$("rollback-shipped").addEventListener("click", () => rollback(0));
			await loadLangs();
		}
		targetOptions();
		await Promise.all([loadTexts(), loadHistory(), loadKiosks()]);
	}

	window.AnkTexts = {show, drawPreview};
})();
