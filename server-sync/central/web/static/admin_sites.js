/* The Sites tab of the administrators' console (admin.html, registered by admin.js): create a
 * site (POST /api/v1/sites), open its config as a form (GET /api/v1/sites/{site}/form), edit
 * the site's fields, opening hours, stations (add, edit, close, reorder) and nearby rooms, and
 * send it (POST …/form). Central checks it with the kiosk's own parser; a refusal names its
 * field ("site.warn_min", "hours.mon", "station.r1.type"), shown beside that field. Text only
 * through textContent (Ank.el), as the CSP and tests/check_web.sh ask.
 *
 * Stable hooks for browser tests: [data-test=site-new-*] (the create form), [data-test=
 * site-choose] and [data-test=site-open], [data-field=FIELD] on every input of the form,
 * [data-error-for=FIELD] beside it, [data-test=stations] rows tr[data-station=ID] with
 * [data-test=station-up|station-down|station-close], [data-test=station-add],
 * [data-test=nearby-add], [data-test=site-save], [data-test=site-form-error]. */
(function () {
	const el = Ank.el, t = Ank.t;
	const $ = (id) => document.getElementById(id);
	const enc = encodeURIComponent;
	const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
	const TYPES = ["inject", "smoke", "flex"];
	const ROUTES = ["inject", "smoke"];

	/* What admin.js hands over (api with its 401 handling, toast, the site list) and the form
	 * being edited: the loaded form (kept for what the page does not show: alert, speech, PIN
	 * hash, retention), the stations and rooms as edited. */
	const S = {ctx: null, site: null, loaded: null, stations: [], nearby: [], errors: new Map(), n: 0};

	/* ---- field errors beside their fields ---- */

	/* Registers input as the place of `field`'s error: a paragraph after it that a refusal
	 * fills, tied to the input by aria-describedby. Returns both nodes for placing. */
	function fieldNode(input, field) {
		const id = "ferr-" + (++S.n);
		const err = el("p", {class: "form-error field-error", id: id, "data-error-for": field});
		input.setAttribute("data-field", field);
		input.setAttribute("aria-describedby", id);
		S.errors.set(field, {input: input, err: err});
		return err;
	}

	function clearErrors() {
		for (const f of S.errors.values()) {
			f.err.textContent = "";
			f.input.removeAttribute("aria-invalid");
		}
		$("site-form-error").textContent = "";
	}

	/* The refusal's field, or the nearest one the form has ("station.a.id" falls back to
	 * "station.a", then "station"); the form's own line when none matches. */
	function showError(field, text) {
		let f = field || "";
		while (f && !S.errors.has(f))
			f = f.includes(".") ? f.slice(0, f.lastIndexOf(".")) : "";
		const at = f ? S.errors.get(f) : null;
		if (!at) {
			$("site-form-error").textContent = text;
			return;
		}
		at.err.textContent = text;
		at.input.setAttribute("aria-invalid", "true");
		at.input.focus();
	}

	/* ---- small builders ---- */

	function labelled(text, input, field) {
		const id = "sf-" + (++S.n);
		input.id = id;
		return el("div", {class: "sf-field"}, el("label", {for: id, text: text}), input, fieldNode(input, field));
	}

	function textInput(value, attrs) {
		return el("input", Object.assign({type: "text", value: value == null ? "" : String(value), autocomplete: "off", spellcheck: "false"}, attrs || {}));
	}

	function check(text, on, field, attrs) {
		const box = el("input", Object.assign({type: "checkbox", checked: !!on}, attrs || {}));
		const id = "sf-" + (++S.n);
		box.id = id;
		return el("div", {class: "sf-check"}, box, el("label", {for: id, text: text}), fieldNode(box, field));
	}

	/* A number field's value for the form: a whole number, null for empty (the default), else
	 * the text itself, which central refuses naming the field. */
	function numberOf(v) {
		v = v.trim();
		return v === "" ? null : /^[0-9]+$/.test(v) ? Number(v) : v;
	}

	/* ---- the site section ---- */

	function siteFields(s) {
		const box = el("fieldset", {class: "card sf-group", "data-test": "site-fields"}, el("legend", {text: t("admin.sites.general")}));
		box.append(
			labelled(t("admin.sites.name"), textInput(s.name, {maxlength: 127, "data-key": "name"}), "site.name"),
			labelled(t("admin.sites.timezone"), textInput(s.timezone, {maxlength: 63, "data-key": "timezone"}), "site.timezone"));
		const routes = el("fieldset", {class: "sf-routes"}, el("legend", {text: t("admin.sites.routes")}));
		const routeField = el("span", {tabindex: "-1"});
		for (const r of ROUTES) {
			const id = "sf-" + (++S.n);
			routes.append(el("div", {class: "sf-check"},
				el("input", {type: "checkbox", id: id, "data-route": r, checked: (s.routes || []).includes(r)}),
				el("label", {for: id, text: t("admin.sites.route." + r)})));
		}
		routes.append(routeField, fieldNode(routeField, "site.routes"));
		box.append(routes,
			check(t("admin.sites.women_only"), s.women_only, "site.women_only", {"data-key": "women_only"}),
			check(t("admin.sites.assisted"), s.assisted, "site.assisted", {"data-key": "assisted"}),
			labelled(t("admin.sites.languages"), textInput((s.languages || []).join(", "), {maxlength: 120, "data-key": "languages"}), "site.languages"),
			labelled(t("admin.sites.day_starts"), textInput(s.day_starts, {maxlength: 5, inputmode: "numeric", "data-key": "day_starts"}), "site.day_starts"),
			check(t("admin.sites.auto_call"), s.auto_call, "site.auto_call", {"data-key": "auto_call"}),
			labelled(t("admin.sites.grace"), textInput(s.call_grace_min, {maxlength: 4, inputmode: "numeric", "data-key": "call_grace_min"}), "site.call_grace_min"),
			labelled(t("admin.sites.warn"), textInput(s.warn_min, {maxlength: 4, inputmode: "numeric", "data-key": "warn_min"}), "site.warn_min"),
			labelled(t("admin.sites.alarm"), textInput(s.alarm_min, {maxlength: 4, inputmode: "numeric", "data-key": "alarm_min"}), "site.alarm_min"),
			check(t("admin.sites.clean"), s.clean_after_session, "site.clean_after_session", {"data-key": "clean_after_session"}));
		return box;
	}

	function readSite(into) {
		const box = document.querySelector("[data-test=site-fields]");
		for (const input of box.querySelectorAll("[data-key]")) {
			const k = input.getAttribute("data-key");
			if (input.type === "checkbox")
				into[k] = input.checked;
			else if (k === "languages")
				into[k] = input.value.split(",").map((x) => x.trim()).filter((x) => x);
			else if (/_min$/.test(k))
				into[k] = numberOf(input.value);
			else
				into[k] = input.value.trim();
		}
		into.routes = ROUTES.filter((r) => box.querySelector(`[data-route=${r}]`).checked);
		into.id = S.site;
	}

	/* ---- opening hours: a close before the open runs past midnight ---- */

	function hoursFields(h) {
		const body = el("tbody");
		for (const d of DAYS) {
			const v = (h && h[d]) || "closed";
			const closed = v === "closed";
			const [open, close] = closed ? ["", ""] : v.split("-");
			const oi = textInput(open, {maxlength: 5, inputmode: "numeric", placeholder: "08:30", "aria-label": t("admin.sites.day." + d) + " " + t("admin.sites.open_at"), "data-part": "open"});
			const ci = textInput(close, {maxlength: 5, inputmode: "numeric", placeholder: "23:30", "aria-label": t("admin.sites.day." + d) + " " + t("admin.sites.close_at"), "data-part": "close"});
			const cb = el("input", {type: "checkbox", checked: closed, "data-part": "closed", "aria-label": t("admin.sites.day." + d) + " " + t("admin.sites.closed")});
			body.append(el("tr", {"data-day": d},
				el("th", {scope: "row", text: t("admin.sites.day." + d)}),
				el("td", {}, oi), el("td", {}, ci), el("td", {}, cb),
				el("td", {}, fieldNode(oi, "hours." + d))));
		}
		return el("fieldset", {class: "card sf-group", "data-test": "hours"},
			el("legend", {text: t("admin.sites.hours")}),
			el("p", {class: "hint", text: t("admin.sites.hours.hint")}),
			el("table", {class: "admin-table"},
				el("thead", {}, el("tr", {},
					el("th", {scope: "col", text: t("admin.sites.day")}),
					el("th", {scope: "col", text: t("admin.sites.open_at")}),
					el("th", {scope: "col", text: t("admin.sites.close_at")}),
					el("th", {scope: "col", text: t("admin.sites.closed")}),
					el("th", {scope: "col"}, el("span", {class: "visually-hidden", text: t("admin.sites.problem")})))),
				body));
	}

	function readHours() {
		const out = {};
		for (const row of document.querySelectorAll("[data-test=hours] tr[data-day]")) {
			const part = (p) => row.querySelector(`[data-part=${p}]`);
			out[row.getAttribute("data-day")] = part("closed").checked ? "closed" :
				part("open").value.trim() + "-" + part("close").value.trim();
		}
		return out;
	}

	/* ---- stations: add, edit, close (taken out of the config: the kiosk retires it), reorder ---- */

	function stationRow(s, i) {
		const upd = (k) => (ev) => {
			s[k] = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value;
		};
		const f = (k) => "station." + s.id + "." + k;
		const idIn = textInput(s.id, {maxlength: 63, "aria-label": t("admin.sites.station.id"), readonly: s.isNew ? null : "readonly", on: {input: upd("id")}});
		const label = textInput(s.label, {maxlength: 31, "aria-label": t("admin.sites.station.label"), on: {input: upd("label")}});
		const type = el("select", {"aria-label": t("admin.sites.station.type"), on: {change: upd("type")}},
			TYPES.map((x) => el("option", {value: x, selected: x === s.type, text: t("admin.sites.station.type." + x)})));
		const wo = el("input", {type: "checkbox", checked: !!s.women_only, "aria-label": t("admin.sites.women_only"), on: {change: upd("women_only")}});
		const as = el("input", {type: "checkbox", checked: s.assisted !== false, "aria-label": t("admin.sites.assisted"), on: {change: upd("assisted")}});
		const move = (to) => () => {
			const [x] = S.stations.splice(i, 1);
			S.stations.splice(to, 0, x);
			drawStations();
		};
		const errs = el("td", {}, fieldNode(idIn, f("id")), fieldNode(label, f("label")), fieldNode(type, f("type")),
			fieldNode(wo, f("women_only")), fieldNode(as, f("assisted")));
		return el("tr", {"data-station": s.id},
			el("td", {}, idIn), el("td", {}, label), el("td", {}, type), el("td", {}, wo), el("td", {}, as),
			el("td", {class: "actions-cell"},
				el("button", {type: "button", class: "btn small", "data-test": "station-up", disabled: i === 0, text: "↑", "aria-label": t("admin.sites.station.up") + " " + (s.label || s.id), on: {click: move(i - 1)}}),
				el("button", {type: "button", class: "btn small", "data-test": "station-down", disabled: i === S.stations.length - 1, text: "↓", "aria-label": t("admin.sites.station.down") + " " + (s.label || s.id), on: {click: move(i + 1)}}),
				el("button", {type: "button", class: "btn small danger", "data-test": "station-close", text: t("admin.sites.station.close"), "aria-label": t("admin.sites.station.close") + " " + (s.label || s.id), on: {click: () => {
					S.stations.splice(i, 1);
					drawStations();
				}}})),
			errs);
	}

	function drawStations() {
		for (const k of [...S.errors.keys()])
			if (k.startsWith("station."))
				S.errors.delete(k);
		const body = Ank.clear($("stations-body"));
		S.stations.forEach((s, i) => body.append(stationRow(s, i)));
	}

	function stationsFields() {
		const anchor = el("span", {tabindex: "-1"});
		const box = el("fieldset", {class: "card sf-group"},
			el("legend", {text: t("admin.sites.stations")}),
			el("div", {class: "table-wrap"}, el("table", {class: "admin-table", "data-test": "stations"},
				el("thead", {}, el("tr", {},
					el("th", {scope: "col", text: t("admin.sites.station.id")}),
					el("th", {scope: "col", text: t("admin.sites.station.label")}),
					el("th", {scope: "col", text: t("admin.sites.station.type")}),
					el("th", {scope: "col", text: t("admin.sites.women_only")}),
					el("th", {scope: "col", text: t("admin.sites.assisted")}),
					el("th", {scope: "col"}, el("span", {class: "visually-hidden", text: t("admin.sites.actions")})),
					el("th", {scope: "col"}, el("span", {class: "visually-hidden", text: t("admin.sites.problem")})))),
				el("tbody", {id: "stations-body"}))),
			anchor,
			el("button", {type: "button", class: "btn", "data-test": "station-add", text: t("admin.sites.station.add"), on: {click: addStation}}));
		box.append(fieldNode(anchor, "station"));
		return box;
	}

	function addStation() {
		let k = S.stations.length + 1;
		while (S.stations.some((s) => s.id === "s" + k))
			k++;
		S.stations.push({id: "s" + k, label: String(k), type: "inject", women_only: false, assisted: true, isNew: true});
		drawStations();
		const rows = document.querySelectorAll("#stations-body tr");
		rows[rows.length - 1].querySelector("input").focus();
	}

	/* ---- nearby rooms for referrals ---- */

	function roomRow(r, i) {
		const upd = (k) => (ev) => {
			r[k] = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value;
		};
		const f = (k) => "nearby." + r.id + "." + k;
		const name = textInput(r.name, {maxlength: 127, "aria-label": t("admin.sites.name"), on: {input: upd("name")}});
		const addr = textInput(r.address, {maxlength: 127, "aria-label": t("admin.sites.nearby.address"), on: {input: upd("address")}});
		const hours = textInput(r.hours, {maxlength: 127, "aria-label": t("admin.sites.nearby.hours"), on: {input: upd("hours")}});
		const wo = el("input", {type: "checkbox", checked: !!r.women_only, "aria-label": t("admin.sites.women_only"), on: {change: upd("women_only")}});
		return el("tr", {"data-room": r.id},
			el("td", {}, name), el("td", {}, addr), el("td", {}, hours), el("td", {}, wo),
			el("td", {class: "actions-cell"}, el("button", {type: "button", class: "btn small", text: t("admin.sites.nearby.remove"), "aria-label": t("admin.sites.nearby.remove") + " " + (r.name || r.id), on: {click: () => {
				S.nearby.splice(i, 1);
				drawRooms();
			}}})),
			el("td", {}, fieldNode(name, f("name")), fieldNode(addr, f("address")), fieldNode(hours, f("hours")), fieldNode(wo, "nearby." + r.id)));
	}

	function drawRooms() {
		for (const k of [...S.errors.keys()])
			if (k.startsWith("nearby."))
				S.errors.delete(k);
		const body = Ank.clear($("rooms-body"));
		S.nearby.forEach((r, i) => body.append(roomRow(r, i)));
	}

	function roomsFields() {
		const anchor = el("span", {tabindex: "-1"});
		const box = el("fieldset", {class: "card sf-group"},
			el("legend", {text: t("admin.sites.nearby")}),
			el("div", {class: "table-wrap"}, el("table", {class: "admin-table", "data-test": "nearby"},
				el("thead", {}, el("tr", {},
					el("th", {scope: "col", text: t("admin.sites.name")}),
					el("th", {scope: "col", text: t("admin.sites.nearby.address")}),
					el("th", {scope: "col", text: t("admin.sites.nearby.hours")}),
					el("th", {scope: "col", text: t("admin.sites.women_only")}),
					el("th", {scope: "col"}, el("span", {class: "visually-hidden", text: t("admin.sites.actions")})),
					el("th", {scope: "col"}, el("span", {class: "visually-hidden", text: t("admin.sites.problem")})))),
				el("tbody", {id: "rooms-body"}))),
			anchor,
			el("button", {type: "button", class: "btn", "data-test": "nearby-add", text: t("admin.sites.nearby.add"), on: {click: () => {
				let k = S.nearby.length + 1;
				while (S.nearby.some((r) => r.id === "room" + k))
					k++;
				S.nearby.push({id: "room" + k, name: "", address: "", hours: "", women_only: false});
				drawRooms();
			}}}));
		box.append(fieldNode(anchor, "nearby"));
		return box;
	}

	/* ---- open, draw, send ---- */

	function when(ms) {
		return new Date(ms).toLocaleString(Ank.lang === "en" ? "en-GB" : Ank.lang);
	}

	function drawEditor(ans) {
		S.errors = new Map();
		S.loaded = ans.form;
		S.stations = (ans.form.stations || []).map((s) => Object.assign({}, s));
		S.nearby = (ans.form.nearby || []).map((r) => Object.assign({}, r));
		const box = Ank.clear($("site-editor"));
		box.hidden = false;
		box.append(
			el("h3", {id: "site-editor-h", "data-test": "site-editor-title", text: t("admin.sites.config", {site: ans.name + " (" + ans.site + ")"})}),
			el("p", {class: "hint", "data-test": "site-accepted", text: ans.accepted ? t("admin.sites.accepted", {when: when(ans.accepted_ms), user: ans.by}) : t("admin.sites.never_sent")}),
			el("p", {id: "site-answer", class: "hint", role: "status", "data-test": "site-answer", "data-state": "none", text: t("admin.sites.answer_none")}),
			siteFields(ans.form.site || {}), hoursFields(ans.form.hours), stationsFields(), roomsFields(),
			el("p", {id: "site-form-error", class: "form-error", role: "alert", "data-test": "site-form-error"}),
			el("div", {class: "form-actions"}, el("button", {type: "submit", class: "btn primary", "data-test": "site-save", text: t("admin.sites.save")})));
		drawStations();
		drawRooms();
	}

	async function open(site) {
		const r = await S.ctx.api("GET", "/api/v1/sites/" + enc(site) + "/form");
		if (!r)
			return;
		if (!r.ok || !r.body) {
			S.ctx.errorToast(r);
			return;
		}
		S.site = site;
		drawEditor(r.body);
		await answer(site);
	}

	/* The kiosks' answer to the last config sent (the site's queue view: the newest
	 * config.applied or config.refused, with the change it answers): the kiosk checks the
	 * config again as its owner and may refuse it, e.g. for a station still in use. Until the
	 * answer to change `waitFor` has come, asked again every ANSWER_POLL_MS. */
	const ANSWER_POLL_MS = 2000, ANSWER_POLLS = 60;
	async function answer(site, waitFor = 0, polls = 0) {
		const r = await S.ctx.api("GET", "/api/v1/sites/" + enc(site) + "/queue");
		const p = $("site-answer");
		if (!r || !r.ok || !r.body || !p || S.site !== site)
			return;
		const c = r.body.config;
		const answered = c && (c.state === "applied" || c.state === "refused") && (c.change || 0) >= waitFor;
		if (answered) {
			p.setAttribute("data-state", c.state);
			p.setAttribute("data-change", String(c.change || ""));
			p.className = c.state === "refused" ? "banner warn" : "hint";
			p.textContent = c.state === "applied"
				? t("admin.sites.answer_applied", {kiosk: c.kiosk, change: c.change || "–"})
				: t("admin.sites.answer_refused", {kiosk: c.kiosk, change: c.change || "–", reason: c.reason || ""});
		}
		if (waitFor && !answered && polls < ANSWER_POLLS)
			setTimeout(() => answer(site, waitFor, polls + 1), ANSWER_POLL_MS);
	}

	async function save(ev) {
		ev.preventDefault();
		clearErrors();
		/* The loaded form keeps what this page does not edit (alert, speech, PIN, retention). */
		const form = JSON.parse(JSON.stringify(S.loaded));
		readSite(form.site = form.site || {});
		form.hours = readHours();
		form.stations = S.stations.map((s) => ({id: s.id, label: s.label, type: s.type, women_only: !!s.women_only, assisted: s.assisted !== false}));
		form.nearby = S.nearby.map((r) => ({id: r.id, name: r.name, address: r.address, hours: r.hours, women_only: !!r.women_only}));
		const r = await S.ctx.api("POST", "/api/v1/sites/" + enc(S.site) + "/form", {form: form});
		if (!r)
			return;
		if (r.status === 202 && r.body) {
			S.ctx.toast(t("admin.sites.sent", {change: r.body.change}), "ok");
			await open(S.site);
			answer(S.site, r.body.change);
			return;
		}
		const text = t("admin.sites.refused", {reason: Ank.errorText(r)});
		showError(r.body && r.body.field, text);
		S.ctx.toast(text, "refused");
	}

	/* ---- create a site ---- */

	async function create(ev) {
		ev.preventDefault();
		const fields = ["site", "name", "municipality", "timezone"];
		for (const f of fields) {
			$("site-new-" + f).removeAttribute("aria-invalid");
			$("site-new-" + f + "-error").textContent = "";
		}
		const body = {};
		for (const f of fields)
			body[f] = $("site-new-" + f).value.trim();
		const r = await S.ctx.api("POST", "/api/v1/sites", body);
		if (!r)
			return;
		if (r.status === 201) {
			S.ctx.toast(t("admin.sites.created", {site: body.site}), "ok");
			$("site-new-form").reset();
			$("site-new-timezone").value = "Europe/Copenhagen";
			await S.ctx.reloadSites();
			fillChooser(body.site);
			await open(body.site);
			return;
		}
		const f = r.body && fields.includes(r.body.field) ? r.body.field : "site";
		$("site-new-" + f + "-error").textContent = Ank.errorText(r);
		$("site-new-" + f).setAttribute("aria-invalid", "true");
		$("site-new-" + f).focus();
	}

	function fillChooser(chosen) {
		const sel = Ank.clear($("site-choose"));
		for (const s of S.ctx.sites())
			sel.append(el("option", {value: s.site, selected: s.site === chosen, text: s.name ? `${s.name} (${s.site})` : s.site}));
	}

	async function municipalities() {
		const sel = $("site-new-municipality");
		if (sel.options.length)
			return;
		const r = await S.ctx.api("GET", "/api/v1/municipalities");
		const list = r && r.ok && r.body && Array.isArray(r.body.municipalities) ? r.body.municipalities : [];
		for (const m of list)
			if (/^[0-9]{3}$/.test(m.code))
				sel.append(el("option", {value: m.code, text: `${m.name} (${m.code})`}));
	}

	/* admin.js calls this when the tab is shown: ctx {api, toast, errorToast, sites, reloadSites}. */
	async function show(ctx) {
		S.ctx = ctx;
		await municipalities();
		fillChooser(S.site || $("site-choose").value);
		if (S.site && S.loaded)
			return;
		$("site-editor").hidden = true;
	}

	document.addEventListener("DOMContentLoaded", () => {
		$("site-new-form").addEventListener("submit", create);
		$("site-open-form").addEventListener("submit", (ev) => {
			ev.preventDefault();
			if ($("site-choose").value)
				open($("site-choose").value);
		});
		$("site-editor").addEventListener("submit", save);
	});

	window.AnkSites = {show: show};
})();
