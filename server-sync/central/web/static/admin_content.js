/* The admin console's "Alerts & information" tab (admin.html #view-content): compose a drug
 * alert or an information screen in every language, schedule it (from/until), choose its
 * sites, save it as a draft, publish it and withdraw it (GET/POST /api/v1/content, docs/api.md
 * "Alerts and information screens"). admin.js shows the tab and calls AnkAdminContent.load. */
"use strict";

(function () {
	const el = Ank.el, t = Ank.t;
	const $ = (id) => document.getElementById(id);
	/* The languages the form offers first; the others follow folded. */
	const FIRST_LANGS = ["da", "en", "ar"];

	const C = {items: [], pictograms: [], limits: {}, sites: [], langs: [], editing: 0, wired: false};

	function status(text, state) {
		const n = el("p", {class: "toast " + (state || ""), "data-test": "toast", "data-state": state || "", text: text});
		$("status").appendChild(n);
		setTimeout(() => n.remove(), 8000);
	}

	/* "2030-01-10T10:30" in the browser's zone as central's UTC time, "…:00Z". */
	function toUtc(local) {
		const d = new Date(local);
		return isNaN(d) ? "" : d.toISOString().replace(/\.\d{3}Z$/, "Z");
	}

	/* A UTC time as the value of a datetime-local field in the browser's zone. */
	function toLocal(iso) {
		const d = new Date(iso);
		if (isNaN(d))
			return "";
		const p = (n) => String(n).padStart(2, "0");
		return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
	}

	function kind() {
		return $("ct-kind").value;
	}

	/* The per-language fields: an alert's text, or a screen's title and body. */
	function drawTexts(texts) {
		const box = Ank.clear($("ct-texts"));
		const info = kind() === "info";
		for (const lang of C.langs) {
			const code = lang.lang;
			const have = (texts && texts[code]) || {};
			const fields = [];
			if (info) {
				fields.push(el("label", {for: "ct-title-" + code, text: t("admin.content.title_field")}),
					el("input", {id: "ct-title-" + code, maxlength: C.limits.title || 80, value: have.title || "", dir: "auto", "data-test": "ct-title-" + code}));
			}
			fields.push(el("label", {for: "ct-text-" + code, text: t(info ? "admin.content.body" : "admin.content.text")}),
				el("textarea", {id: "ct-text-" + code, rows: 3, maxlength: C.limits.text || 320, dir: "auto", "data-test": "ct-text-" + code, text: (info ? have.body : have.text) || ""}));
			const open = FIRST_LANGS.includes(code) || !!texts && !!texts[code];
			box.append(el("details", {class: "card lang-texts", open: open, lang: code},
				el("summary", {text: lang.name ? `${lang.name} (${code})` : code}),
				el("div", {class: "form-grid"}, fields)));
		}
	}

	function drawKind() {
		const info = kind() === "info";
		$("ct-severity-row").hidden = info;
		$("ct-info-row").hidden = !info;
		drawTexts(collectTexts());
	}

	function drawTarget() {
		$("ct-site-list").hidden = $("ct-target").value !== "list";
	}

	function targetOptions() {
		const sel = Ank.clear($("ct-target"));
		sel.append(el("option", {value: "all", text: t("admin.content.all_sites")}),
			el("option", {value: "list", text: t("admin.content.chosen_sites")}));
		const towns = [...new Set(C.sites.map((s) => s.municipality).filter(Boolean))];
		for (const m of towns)
			sel.append(el("option", {value: "m:" + m, text: t("admin.content.municipality", {code: m})}));
		const list = Ank.clear($("ct-site-list"));
		list.append(el("legend", {text: t("admin.content.chosen_sites")}));
		for (const s of C.sites)
			list.append(el("label", {class: "check"},
				el("input", {type: "checkbox", value: s.site, "data-test": "ct-site-" + s.site}),
				" " + (s.name ? `${s.name} (${s.site})` : s.site)));
	}

	function collectTexts() {
		const texts = {};
		const info = kind() === "info";
		for (const lang of C.langs) {
			const code = lang.lang;
			const text = $("ct-text-" + code) ? $("ct-text-" + code).value.trim() : "";
			const title = $("ct-title-" + code) ? $("ct-title-" + code).value.trim() : "";
			if (!text && !title)
				continue;
			texts[code] = info ? {title: title, body: text} : {text: text};
		}
		return texts;
	}

	function collect() {
		const body = {kind: kind(), from: toUtc($("ct-from").value), until: toUtc($("ct-until").value), texts: collectTexts()};
		if (body.kind === "alert")
			body.severity = $("ct-severity").value;
		else {
			body.pictogram = $("ct-pictogram").value;
			if ($("ct-qr").value.trim())
				body.qr = $("ct-qr").value.trim();
		}
		const target = $("ct-target").value;
		if (target === "all")
			body.sites = "all";
		else if (target.startsWith("m:"))
			body.sites = {municipality: target.slice(2)};
		else
			body.sites = [...$("ct-site-list").querySelectorAll("input:checked")].map((i) => i.value);
		return body;
	}

	function resetForm() {
		C.editing = 0;
		$("ct-form").reset();
		$("ct-error").textContent = "";
		$("ct-save").textContent = t("admin.content.save");
		drawKind();
		drawTarget();
	}

	async function save(ev) {
		ev.preventDefault();
		$("ct-error").textContent = "";
		const path = C.editing ? "/api/v1/content/" + C.editing : "/api/v1/content";
		let r;
		try {
			r = await Ank.api("POST", path, collect());
		} catch (e) {
			$("ct-error").textContent = t("console.conn.lost");
			return;
		}
		if (!r.ok) {
			/* The field central names, in its words: the form keeps what was typed. */
			$("ct-error").textContent = t("console.error", {reason: Ank.errorText(r)});
			return;
		}
		status(t("admin.content.saved", {id: r.body.id}), "ok");
		resetForm();
		load();
	}

	async function move(item, action) {
		const r = await Ank.api("POST", `/api/v1/content/${item.id}/${action}`, {});
		if (!r.ok) {
			status(t("console.error", {reason: Ank.errorText(r)}), "refused");
			return;
		}
		status(t(action === "publish" ? "admin.content.published" : "admin.content.withdrawn", {id: item.id}), "ok");
		load();
	}

	function edit(item) {
		const it = item.item || {};
		C.editing = item.id;
		$("ct-kind").value = it.kind || "alert";
		$("ct-severity").value = it.severity || "warning";
		$("ct-pictogram").value = it.pictogram || C.pictograms[0] || "";
		$("ct-qr").value = it.qr || "";
		$("ct-from").value = toLocal(it.from);
		$("ct-until").value = toLocal(it.until);
		const sites = it.sites;
		$("ct-target").value = sites === "all" ? "all" : sites && sites.municipality ? "m:" + sites.municipality : "list";
		$("ct-site-list").querySelectorAll("input").forEach((i) => {
			i.checked = Array.isArray(sites) && sites.includes(i.value);
		});
		drawKind();
		drawTexts(it.texts || {});
		drawTarget();
		$("ct-save").textContent = t("admin.content.save_changes", {id: item.id});
		$("ct-kind").focus();
	}

	function firstText(it) {
		const x = (it.texts || {}).da || Object.values(it.texts || {})[0] || {};
		return x.title || x.text || "";
	}

	function sitesText(s) {
		if (s === "all")
			return t("admin.content.all_sites");
		if (s && s.municipality)
			return t("admin.content.municipality", {code: s.municipality});
		return Array.isArray(s) ? s.join(", ") : "";
	}

	function drawList() {
		const body = Ank.clear($("ct-body"));
		const when = (iso) => (iso ? new Date(iso).toLocaleString(Ank.lang === "en" ? "en-GB" : Ank.lang) : "");
		for (const item of C.items) {
			const it = item.item || {};
			const actions = [];
			if (item.state === "draft") {
				actions.push(el("button", {type: "button", class: "btn small", "data-test": "ct-edit", text: t("admin.content.edit"), on: {click: () => edit(item)}}),
					el("button", {type: "button", class: "btn small primary", "data-test": "ct-publish", text: t("admin.content.publish"), on: {click: () => move(item, "publish")}}));
			} else if (item.state === "published") {
				actions.push(el("button", {type: "button", class: "btn small danger", "data-test": "ct-withdraw", text: t("admin.content.withdraw"), on: {click: () => move(item, "withdraw")}}));
			}
			actions.push(el("button", {type: "button", class: "btn small", "data-test": "ct-preview", text: t("admin.content.preview"), on: {click: () => preview(item)}}));
			body.append(el("tr", {"data-test": "ct-row", "data-id": item.id, "data-state": item.state},
				el("td", {text: t("admin.content.kind." + item.kind) + (it.severity === "danger" ? " · " + t("admin.content.severity.danger") : "")}),
				el("td", {text: firstText(it), dir: "auto"}),
				el("td", {text: `${when(it.from)} – ${when(it.until)}`}),
				el("td", {text: sitesText(it.sites)}),
				el("td", {"data-test": "ct-state", text: t("admin.content.state." + item.state)}),
				el("td", {class: "actions"}, actions)));
		}
	}

	/* The real kiosk draws the item as a kiosk would show it (POST /api/v1/content/{n}/preview,
	 * the screen texts' preview runner); the pictures and findings as the Screen texts tab
	 * draws them (AnkTexts.drawPreview). */
	async function preview(item) {
		const findings = $("ct-preview-findings"), shots = Ank.clear($("ct-preview-shots"));
		findings.textContent = t("admin.texts.previewing");
		findings.setAttribute("data-state", "running");
		let r;
		try {
			r = await Ank.api("POST", "/api/v1/content/" + item.id + "/preview", {v: 1, orientation: $("ct-preview-orient").value});
		} catch (e) {
			r = null;
		}
		if (!r || !r.ok || !r.body) {
			findings.setAttribute("data-state", "failed");
			findings.textContent = r && r.body && r.body.error ? r.body.error : t("console.conn.lost");
			return;
		}
		window.AnkTexts.drawPreview(findings, shots, r.body);
	}

	function wire() {
		if (C.wired)
			return;
		C.wired = true;
		$("ct-form").addEventListener("submit", save);
		$("ct-kind").addEventListener("change", drawKind);
		$("ct-target").addEventListener("change", drawTarget);
		$("ct-new").addEventListener("click", resetForm);
	}

	async function load() {
		wire();
		let r, s, l;
		try {
			[r, s, l] = await Promise.all([Ank.api("GET", "/api/v1/content"), Ank.api("GET", "/api/v1/sites"),
				Ank.api("GET", "/api/v1/i18n")]);
		} catch (e) {
			return;
		}
		if (!r.ok || !r.body)
			return;
		C.items = r.body.items || [];
		C.pictograms = r.body.pictograms || [];
		C.limits = r.body.limits || {};
		C.sites = s.ok && s.body ? s.body.sites || [] : [];
		const all = l.ok && l.body ? l.body.languages || [] : [];
		C.langs = [...FIRST_LANGS.map((c) => all.find((x) => x.lang === c)).filter(Boolean),
			...all.filter((x) => !FIRST_LANGS.includes(x.lang))];
		const kinds = Ank.clear($("ct-kind")), kindNow = kinds.value || "alert";
		for (const k of ["alert", "info"])
			kinds.append(el("option", {value: k, selected: k === kindNow, text: t("admin.content.kind." + k)}));
		const sev = Ank.clear($("ct-severity"));
		for (const v of ["warning", "danger"])
			sev.append(el("option", {value: v, text: t("admin.content.severity." + v)}));
		const pic = Ank.clear($("ct-pictogram"));
		for (const p of C.pictograms)
			pic.append(el("option", {value: p, text: t("admin.content.pictogram." + p)}));
		const texts = collectTexts();
		targetOptions();
		drawKind();
		drawTexts(texts);
		drawTarget();
		drawList();
	}

	window.AnkAdminContent = {load: load};
})();
