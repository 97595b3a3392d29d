/* The administrators' console (admin.html): the kiosks with their health, a pairing code,
 * revoking a kiosk; the accounts (create, disable, enable, reset password, change role and
 * site); the audit log with its filters. Each section is a tab of its own (more come later:
 * sites, screen texts, drug alerts, information screens). All texts come from the catalogs;
 * every server value is put in as text (Ank.el), never as HTML.
 *
 * Stable hooks for browser tests:
 *   [data-test=denied]                 "admins only" (a staff account)
 *   [data-test=kiosks] [data-kiosk=ID] a kiosk row; data-state="online|offline|revoked";
 *        its [data-test=revoke] button; [data-test=pair-site], [data-test=pair-submit],
 *        [data-test=pair-code] (the code in data-code)
 *   [data-test=accounts] [data-user=NAME] an account row; data-state="active|disabled";
 *        its [data-act=disable|enable|reset|role]; the form [data-test=acc-user|acc-password|
 *        acc-role|acc-site|acc-submit|acc-error]
 *   [data-test=audit] [data-audit=ID]  an audit row (data-action, data-actor);
 *        the filter [data-test=audit-actor|audit-action|audit-from|audit-to|audit-submit]
 *   [data-test=dialog] with [data-test=dlg-ok] / [data-test=dlg-cancel] and its inputs
 *   [data-test=status] > [data-test=toast]
 */
"use strict";

(function () {
	const el = Ank.el, t = Ank.t;
	const $ = (id) => document.getElementById(id);
	const enc = encodeURIComponent;
	const VIEWS = ["kiosks", "accounts", "audit"];
	const KIOSKS_REFRESH_MS = 5000; /* the kiosk list's health is read again this often */
	const TOAST_KEEP_MS = 8000;

	const S = {me: null, sites: [], offsetMs: 0};

	function toLogin() {
		window.location.assign("/staff/login?next=admin");
	}

	/* One API call; a 401 (the session ended: logged out, disabled) goes to the login page. */
	async function api(method, path, body) {
		let r;
		try {
			r = await Ank.api(method, path, body);
		} catch (e) {
			conn(t("console.conn.lost"), "lost");
			return null;
		}
		if (r.status === 401) {
			toLogin();
			return null;
		}
		conn("", "ok");
		return r;
	}

	function conn(text, state) {
		const c = $("conn");
		c.textContent = text;
		c.className = "conn" + (state === "lost" ? " lost" : "");
		c.setAttribute("data-state", state);
	}

	function toast(text, state) {
		const n = el("p", {class: "toast " + (state || ""), "data-test": "toast", "data-state": state || "", text: text});
		$("status").appendChild(n);
		setTimeout(() => n.remove(), TOAST_KEEP_MS);
	}

	function errorToast(r) {
		toast(t("console.error", {reason: r ? Ank.errorText(r) : ""}), "refused");
	}

	const when = (ms) => (ms ? new Date(ms).toLocaleString(Ank.lang === "en" ? "en-GB" : Ank.lang) : t("admin.kiosks.never"));

	/* ---- the dialog ---- */

	/* Opens the one dialog with a title, body nodes and an OK button; resolves to true on OK. */
	function ask(title, body, okText) {
		const dlg = $("dlg");
		$("dlg-title").textContent = title;
		Ank.clear($("dlg-body")).append(...body);
		const actions = Ank.clear($("dlg-actions"));
		return new Promise((resolve) => {
			const done = (v) => {
				dlg.close();
				resolve(v);
			};
			actions.append(
				el("button", {type: "button", class: "btn", "data-test": "dlg-cancel", text: t("admin.cancel"), on: {click: () => done(false)}}),
				el("button", {type: "button", class: "btn primary", "data-test": "dlg-ok", text: okText || t("admin.save"), on: {click: () => done(true)}}));
			dlg.addEventListener("cancel", () => resolve(false), {once: true});
			dlg.showModal();
		});
	}

	/* ---- sites (for the pairing form and the account forms) ---- */

	function siteOptions(select, chosen, withNone) {
		Ank.clear(select);
		if (withNone)
			select.append(el("option", {value: "", text: "—"}));
		for (const s of S.sites)
			select.append(el("option", {value: s.site, selected: s.site === chosen, text: s.name ? `${s.name} (${s.site})` : s.site}));
	}

	function roleOptions(select, chosen) {
		Ank.clear(select);
		for (const r of ["staff", "admin"])
			select.append(el("option", {value: r, selected: r === chosen, text: t("admin.accounts.role." + r)}));
	}

	async function loadSites() {
		const r = await api("GET", "/api/v1/sites");
		S.sites = r && r.ok && r.body && Array.isArray(r.body.sites) ? r.body.sites : [];
		siteOptions($("pair-site"), $("pair-site").value);
		siteOptions($("acc-site"), $("acc-site").value, true);
	}

	/* ---- kiosks ---- */

	function kioskState(k) {
		return k.revoked_ms ? "revoked" : k.online ? "online" : "offline";
	}

	function skewText(ms) {
		if (ms === null || ms === undefined)
			return t("admin.kiosks.skew_ok");
		const s = Math.round(ms / 1000);
		return (s > 0 ? "+" : "") + s + " s";
	}

	async function loadKiosks() {
		const r = await api("GET", "/api/v1/kiosks");
		if (!r)
			return;
		if (!r.ok || !r.body || !Array.isArray(r.body.kiosks))
			return errorToast(r);
		S.offsetMs = typeof r.body.server_ms === "number" ? r.body.server_ms - Date.now() : 0;
		const body = Ank.clear($("kiosks-body"));
		if (r.body.kiosks.length === 0)
			body.append(el("tr", {}, el("td", {colspan: "8", class: "muted", text: t("admin.kiosks.none")})));
		for (const k of r.body.kiosks) {
			const state = kioskState(k);
			body.append(el("tr", {"data-kiosk": k.kiosk, "data-state": state},
				el("td", {text: k.site}),
				el("td", {class: "mono", text: k.kiosk}),
				el("td", {class: "state-" + state, text: t("admin.kiosks." + state)}),
				el("td", {text: when(k.last_event_ms || k.last_seen_ms)}),
				el("td", {text: k.unsent === null || k.unsent === undefined ? t("admin.kiosks.unknown") : String(k.unsent)}),
				el("td", {text: skewText(k.clock_skew_ms)}),
				el("td", {class: "mono", text: k.version || t("admin.kiosks.unknown")}),
				el("td", {class: "actions-cell"}, k.revoked_ms ? null :
					el("button", {type: "button", class: "btn small danger", "data-test": "revoke", text: t("admin.kiosks.revoke"),
					              "aria-label": t("admin.kiosks.revoke") + " " + k.kiosk, on: {click: () => revoke(k)}}))));
		}
	}

	async function revoke(k) {
		const ok = await ask(t("admin.kiosks.revoke"), [el("p", {text: t("admin.kiosks.revoke_confirm", {kiosk: k.kiosk})})],
		                     t("admin.kiosks.revoke"));
		if (!ok)
			return;
		const r = await api("POST", "/api/v1/kiosks/" + enc(k.kiosk) + "/revoke", {});
		if (r && r.ok)
			toast(t("admin.kiosks.revoked_done", {kiosk: k.kiosk}), "applied");
		else if (r)
			errorToast(r);
		loadKiosks();
	}

	async function pairCode(ev) {
		ev.preventDefault();
		const site = $("pair-site").value;
		if (!site)
			return;
		const r = await api("POST", "/api/v1/sites/" + enc(site) + "/pair-code", {});
		const p = $("pair-code");
		if (r && r.ok && r.body) {
			p.hidden = false;
			p.setAttribute("data-code", r.body.code);
			p.textContent = t("admin.pair.code", {site: r.body.site, code: r.body.code});
		} else if (r) {
			errorToast(r);
		}
	}

	/* ---- accounts ---- */

	async function loadAccounts() {
		const r = await api("GET", "/api/v1/accounts");
		if (!r)
			return;
		if (!r.ok || !r.body || !Array.isArray(r.body.accounts))
			return errorToast(r);
		const body = Ank.clear($("accounts-body"));
		for (const a of r.body.accounts) {
			const state = a.disabled_ms ? "disabled" : "active";
			const self = S.me && a.user === S.me.user;
			const btn = (act, text, fn, danger) => el("button", {type: "button", class: "btn small" + (danger ? " danger" : ""),
			                                                    "data-act": act, text: text, "aria-label": text + " " + a.user,
			                                                    on: {click: fn}});
			body.append(el("tr", {"data-user": a.user, "data-state": state},
				el("td", {text: a.user}),
				el("td", {text: t("admin.accounts.role." + a.role)}),
				el("td", {text: a.site || "—"}),
				el("td", {class: "state-" + state, text: t("admin.accounts." + state)}),
				el("td", {class: "actions-cell"},
					self ? null : a.disabled_ms ? btn("enable", t("admin.accounts.enable"), () => change(a.user, {disabled: false}))
					                            : btn("disable", t("admin.accounts.disable"), () => change(a.user, {disabled: true}), true),
					btn("reset", t("admin.accounts.reset"), () => resetPassword(a)),
					self ? null : btn("role", t("admin.accounts.change_role"), () => changeRole(a)))));
		}
	}

	async function change(user, body) {
		const r = await api("POST", "/api/v1/accounts/" + enc(user), body);
		if (r && r.ok)
			toast(t("admin.accounts.changed", {user: user}), "applied");
		else if (r)
			errorToast(r);
		loadAccounts();
	}

	async function resetPassword(a) {
		const input = el("input", {id: "dlg-password", type: "password", maxlength: "1024", autocomplete: "new-password", "data-test": "dlg-password"});
		const ok = await ask(t("admin.accounts.reset") + ": " + a.user,
		                     [el("label", {for: "dlg-password", text: t("admin.accounts.password")}), input]);
		if (ok)
			change(a.user, {password: input.value});
	}

	async function changeRole(a) {
		const role = el("select", {id: "dlg-role", "data-test": "dlg-role"});
		const site = el("select", {id: "dlg-site", "data-test": "dlg-site"});
		roleOptions(role, a.role);
		siteOptions(site, a.site || "", true);
		const ok = await ask(t("admin.accounts.change_role") + ": " + a.user,
		                     [el("label", {for: "dlg-role", text: t("admin.accounts.role")}), role,
		                      el("label", {for: "dlg-site", text: t("admin.site")}), site]);
		if (ok)
			change(a.user, {role: role.value, site: role.value === "admin" ? null : site.value || null});
	}

	async function createAccount(ev) {
		ev.preventDefault();
		const err = $("acc-error");
		err.textContent = "";
		const role = $("acc-role").value;
		const body = {user: $("acc-user").value.trim(), password: $("acc-password").value, role: role,
		              site: role === "admin" ? null : $("acc-site").value || null};
		const r = await api("POST", "/api/v1/accounts", body);
		if (!r)
			return;
		if (r.ok) {
			$("acc-user").value = "";
			$("acc-password").value = "";
			toast(t("admin.accounts.created", {user: body.user}), "applied");
			loadAccounts();
		} else {
			err.textContent = t("console.error", {reason: Ank.errorText(r)});
		}
	}

	/* ---- the audit log ---- */

	async function loadAudit(ev) {
		if (ev)
			ev.preventDefault();
		const q = new URLSearchParams();
		for (const [id, name] of [["audit-actor", "actor"], ["audit-action", "action"], ["audit-from", "from"], ["audit-to", "to"]]) {
			const v = $(id).value.trim();
			if (v)
				q.set(name, v);
		}
		const r = await api("GET", "/api/v1/audit" + (q.toString() ? "?" + q.toString() : ""));
		if (!r)
			return;
		if (!r.ok || !r.body || !Array.isArray(r.body.entries))
			return errorToast(r);
		const body = Ank.clear($("audit-body"));
		if (r.body.entries.length === 0)
			body.append(el("tr", {}, el("td", {colspan: "6", class: "muted", text: t("admin.audit.none")})));
		for (const e of r.body.entries)
			body.append(el("tr", {"data-audit": String(e.id), "data-action": e.action, "data-actor": e.actor},
				el("td", {text: when(e.at_ms)}),
				el("td", {text: e.actor}),
				el("td", {class: "mono", text: e.action}),
				el("td", {text: e.object}),
				el("td", {class: "mono", text: e.addr}),
				el("td", {text: e.result})));
	}

	/* ---- views ---- */

	const loaders = {kiosks: loadKiosks, accounts: loadAccounts, audit: () => loadAudit(null)};

	function currentView() {
		const v = location.hash.replace("#", "");
		return VIEWS.includes(v) ? v : VIEWS[0];
	}

	function showView() {
		if (!S.me || S.me.role !== "admin")
			return;
		const v = currentView();
		for (const name of VIEWS)
			$("view-" + name).hidden = name !== v;
		document.querySelectorAll("#tabs a").forEach((a) => {
			if (a.getAttribute("data-view") === v)
				a.setAttribute("aria-current", "page");
			else
				a.removeAttribute("aria-current");
		});
		loaders[v]();
	}

	async function setLang(lang) {
		await Ank.loadLang(lang);
		Ank.applyTexts(document);
		document.querySelectorAll("[data-lang]").forEach((b) =>
			b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === Ank.lang)));
		if (S.me)
			$("me").textContent = t("console.me", {user: S.me.user});
		roleOptions($("acc-role"), $("acc-role").value || "staff");
		showView();
	}

	async function logout() {
		try {
			await Ank.api("POST", "/api/v1/logout", {});
		} finally {
			Ank.csrf = null;
			toLogin();
		}
	}

	async function start() {
		await setLang(Ank.chosenLang());
		const me = await api("GET", "/api/v1/me");
		if (!me || !me.ok || !me.body)
			return;
		S.me = me.body;
		Ank.csrf = me.body.csrf;
		$("me").textContent = t("console.me", {user: S.me.user});
		if (S.me.role !== "admin") {
			$("denied").hidden = false;
			return;
		}
		$("tabs").hidden = false;
		await loadSites();
		showView();
		/* The kiosk list's health moves by itself: read it again while it is shown. */
		setInterval(() => {
			if (currentView() === "kiosks" && !$("dlg").open)
				loadKiosks();
		}, KIOSKS_REFRESH_MS);
	}

	document.addEventListener("DOMContentLoaded", () => {
		document.querySelectorAll("[data-lang]").forEach((b) =>
			b.addEventListener("click", () => {
				Ank.rememberLang(b.getAttribute("data-lang"));
				setLang(b.getAttribute("data-lang"));
			}));
		$("logout-btn").addEventListener("click", logout);
		$("pair-form").addEventListener("submit", pairCode);
		$("account-form").addEventListener("submit", createAccount);
		$("audit-form").addEventListener("submit", loadAudit);
		window.addEventListener("hashchange", showView);
		start();
	});
})();
