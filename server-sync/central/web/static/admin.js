/* The administrators' console (admin.html): the kiosks with their health, a pairing code,
 * revoking a kiosk; the accounts (create, disable, enable, reset password, change role and
 * site); the audit log with its filters; the report (GET /api/v1/report: tables of every
 * figure, charts drawn here as inline SVG, a print stylesheet, the raw data's download). Each section is a tab of its own; the Screen texts tab
 * is static/admin_texts.js (more come later: sites, drug alerts, information screens). All texts come from the catalogs;
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
 *   [data-test=report-view]: [data-test=rep-kind|rep-year|rep-quarter|rep-from|rep-to|
 *        rep-submit|rep-section|rep-print|rep-raw|rep-error]; [data-test=report] holds the
 *        report: value cells td[data-fig=FIGURE][data-cell=PATH] (PATH "" for a figure, "a|b"
 *        inside a breakdown) with data-value, the JSON value; svg[data-test=chart][data-fig];
 *        [data-test=capacity] (its [data-test=capacity-table]); [data-test=report-footnote]
 *   [data-test=dialog] with [data-test=dlg-ok] / [data-test=dlg-cancel] and its inputs
 *   [data-test=status] > [data-test=toast]
 */
"use strict";

(function () {
	const el = Ank.el, t = Ank.t;
	const $ = (id) => document.getElementById(id);
	const enc = encodeURIComponent;
	const VIEWS = ["kiosks", "accounts", "audit", "report", "sites", "texts", "content"];
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

	/* ---- the report (docs/report.md): the same JSON as `ankomst-central report`, suppressed ---- */

	const SVG_NS = "http://www.w3.org/2000/svg";
	/* The report's own metadata inside a section: shown in the heading, not as figures. */
	const SECTION_META = ["name", "time_zone", "municipality"];
	/* The charts: which breakdown, its title key, and how its categories run. */
	const CHARTS = [
		{fig: "intakes_by_week", title: "admin.report.chart.week", cats: "weeks"},
		{fig: "intakes_by_hour", title: "admin.report.chart.hour", cats: "hours"},
		{fig: "checkins_by_substance", title: "admin.report.chart.substance", cats: "keys", horizontal: true},
	];
	/* Codes of a breakdown shown by their catalog name where the catalog has one. */
	const CODE_PREFIX = {
		checkins_by_route: "route.", intakes_by_route: "route.", checkins_by_route_substance: "route.",
		wait_to_call_by_route: "route.", wait_to_call_by_route_hour: "route.",
		checkins_by_substance: "substance.", intakes_by_substance: "substance.",
		unique_users_by_gender: "console.gender.", overdoses_by_outcome: "console.outcome.",
		referrals_by_type: "console.referral.", rejections_by_reason: "console.rejection.",
	};
	/* The inner codes of the nested breakdowns. */
	const INNER_OF = {checkins_by_route_substance: "checkins_by_substance"};
	const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
	const WEEK_ORDER = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

	const R = {report: null, query: ""};

	function locale() {
		return Ank.lang === "en" ? "en-GB" : Ank.lang;
	}

	/* An SVG element (Ank.el makes HTML ones): attributes as given, "text" as textContent. */
	function svg(tag, attrs, ...kids) {
		const n = document.createElementNS(SVG_NS, tag);
		for (const [k, v] of Object.entries(attrs || {}))
			if (k === "text")
				n.textContent = v;
			else
				n.setAttribute(k, String(v));
		for (const c of kids)
			if (c)
				n.appendChild(c);
		return n;
	}

	function codeText(fig, code) {
		let key = null;
		if (/_by_weekday$/.test(fig) && WEEKDAYS.includes(code))
			key = "weekday." + WEEKDAYS.indexOf(code);
		else if (CODE_PREFIX[fig])
			key = CODE_PREFIX[fig] + code;
		const text = key ? t(key) : code;
		return text === key ? code : text;
	}

	const isWait = (v) => v !== null && typeof v === "object" && Object.prototype.hasOwnProperty.call(v, "n");
	const isLeaf = (v) => v === null || typeof v !== "object" || isWait(v);

	/* A figure's value as shown: numbers in the page's language, "<10" and "hidden" as they
	 * are (explained in the footnote), null as a dash. */
	function valueText(v) {
		if (v === null || v === undefined)
			return "—";
		if (typeof v === "number")
			return new Intl.NumberFormat(locale(), {maximumFractionDigits: 1}).format(v);
		return String(v);
	}

	function waitText(v) {
		if (!isWait(v))
			return valueText(v);
		return t("admin.report.wait_cell", {n: valueText(v.n), median: valueText(v.median_s), p90: valueText(v.p90_s)});
	}

	/* One value cell; data-fig, data-cell (the path inside the figure, "|"-joined) and
	 * data-value (the report's JSON value) let a test compare it with the CLI's report. */
	function valueCell(fig, path, v) {
		return el("td", {class: "num" + (typeof v === "string" ? " suppressed" : ""), "data-fig": fig, "data-cell": path,
		                 "data-value": JSON.stringify(v === undefined ? null : v), text: isWait(v) ? waitText(v) : valueText(v)});
	}

	/* The leaves of a breakdown in display order: [[code, …], value]. */
	function leaves(fig, obj, path = []) {
		let keys = Object.keys(obj);
		if (/_by_weekday$/.test(fig))
			keys = WEEK_ORDER.filter((d) => keys.includes(d)).concat(keys.filter((k) => !WEEK_ORDER.includes(k)));
		const out = [];
		for (const k of keys) {
			if (isLeaf(obj[k]))
				out.push([path.concat(k), obj[k]]);
			else
				out.push(...leaves(fig, obj[k], path.concat(k)));
		}
		return out;
	}

	function figTitle(fig) {
		return t("admin.report.fig." + fig);
	}

	function summaryTable(sec) {
		const body = el("tbody");
		for (const [fig, v] of Object.entries(sec))
			if (!SECTION_META.includes(fig) && isLeaf(v))
				body.append(el("tr", {}, el("th", {scope: "row", text: figTitle(fig)}), valueCell(fig, "", v)));
		return el("table", {class: "admin-table report-table", "data-test": "report-summary"},
			el("caption", {class: "visually-hidden", text: t("admin.report.summary")}),
			el("thead", {}, el("tr", {}, el("th", {scope: "col", text: t("admin.report.figure")}),
				el("th", {scope: "col", class: "num", text: t("admin.report.value")}))),
			body);
	}

	function breakdownTable(fig, obj) {
		const rows = leaves(fig, obj);
		const body = el("tbody");
		if (rows.length === 0)
			body.append(el("tr", {}, el("td", {colspan: "2", class: "muted", text: t("admin.report.none")})));
		for (const [path, v] of rows) {
			const label = path.map((code, i) => codeText(i === 0 ? fig : INNER_OF[fig] || fig, code)).join(" · ");
			body.append(el("tr", {}, el("th", {scope: "row", text: label}), valueCell(fig, path.join("|"), v)));
		}
		return el("table", {class: "admin-table report-table", "data-test": "report-breakdown", "data-fig": fig},
			el("caption", {text: figTitle(fig)}), body);
	}

	/* The ISO 8601 week ("2026-W01") of a date "YYYY-MM-DD", as the report counts it. */
	function isoWeek(date) {
		const d = new Date(date + "T00:00:00Z");
		const wd = d.getUTCDay() || 7;
		d.setUTCDate(d.getUTCDate() + 4 - wd); /* the Thursday of its week: its year is the week's */
		const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
		const week = Math.floor((d.getTime() - jan1) / 86400000 / 7) + 1;
		return d.getUTCFullYear() + "-W" + String(week).padStart(2, "0");
	}

	/* The categories of a chart: every week of the period, every hour, or the figure's keys. */
	function categories(chart, values, report) {
		if (chart.cats === "hours")
			return Array.from({length: 24}, (_, h) => String(h).padStart(2, "0"));
		if (chart.cats === "weeks" && report.from && report.to) {
			const weeks = [];
			const end = new Date(report.to + "T00:00:00Z").getTime();
			for (let ms = new Date(report.from + "T00:00:00Z").getTime(); ms <= end && weeks.length < 60; ms += 86400000) {
				const w = isoWeek(new Date(ms).toISOString().slice(0, 10));
				if (!weeks.includes(w))
					weeks.push(w);
			}
			return weeks.concat(Object.keys(values).filter((k) => !weeks.includes(k)).sort());
		}
		return Object.keys(values).sort();
	}

	/* A bar chart as inline SVG, black and grey so that it reads on paper. Suppressed cells
	 * draw no bar and say "<10" / "hidden" where the bar would be. */
	function barChart(chart, values, report) {
		const cats = categories(chart, values, report);
		const nums = cats.map((c) => (typeof values[c] === "number" ? values[c] : 0));
		const max = Math.max(1, ...nums);
		const title = t(chart.title);
		const W = 680, H = chart.horizontal ? Math.max(120, 30 + cats.length * 26) : 240;
		const g = svg("svg", {viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": title,
		                      class: "chart", "data-test": "chart", "data-fig": chart.fig});
		g.append(svg("title", {text: title}));
		const label = (c) => (chart.cats === "keys" ? codeText(chart.fig, c) : chart.cats === "weeks" ? c.replace(/^\d{4}-/, "") : c);
		if (chart.horizontal) {
			const x0 = 170, span = W - x0 - 60;
			cats.forEach((c, i) => {
				const y = 20 + i * 26, v = values[c];
				g.append(svg("text", {x: x0 - 8, y: y + 14, "text-anchor": "end", class: "chart-label", text: label(c)}));
				if (typeof v === "number")
					g.append(svg("rect", {x: x0, y: y, width: Math.max(1, (v / max) * span), height: 18, class: "chart-bar"}));
				g.append(svg("text", {x: x0 + (typeof v === "number" ? (v / max) * span : 0) + 6, y: y + 14, class: "chart-value", text: valueText(v === undefined ? 0 : v)}));
			});
			g.append(svg("line", {x1: x0, y1: 14, x2: x0, y2: H - 4, class: "chart-axis"}));
			return g;
		}
		const x0 = 40, y0 = H - 40, top = 20, step = (W - x0 - 10) / Math.max(1, cats.length);
		const every = Math.ceil(cats.length / 16);
		g.append(svg("line", {x1: x0, y1: y0, x2: W - 10, y2: y0, class: "chart-axis"}));
		g.append(svg("line", {x1: x0, y1: top, x2: x0, y2: y0, class: "chart-axis"}));
		g.append(svg("text", {x: x0 - 6, y: top + 4, "text-anchor": "end", class: "chart-label", text: valueText(max)}));
		g.append(svg("text", {x: x0 - 6, y: y0, "text-anchor": "end", class: "chart-label", text: "0"}));
		cats.forEach((c, i) => {
			const v = values[c], x = x0 + i * step;
			if (typeof v === "number" && v > 0) {
				const h = (v / max) * (y0 - top);
				g.append(svg("rect", {x: x + step * 0.15, y: y0 - h, width: step * 0.7, height: h, class: "chart-bar"}));
				g.append(svg("text", {x: x + step / 2, y: y0 - h - 4, "text-anchor": "middle", class: "chart-value", text: valueText(v)}));
			} else if (typeof v === "string") {
				g.append(svg("text", {x: x + step / 2, y: y0 - 4, "text-anchor": "middle", class: "chart-value", text: v}));
			}
			if (i % every === 0)
				g.append(svg("text", {x: x + step / 2, y: y0 + 16, "text-anchor": "middle", class: "chart-label", text: label(c)}));
		});
		return g;
	}

	/* The section the selector names: the totals, a municipality or a site. */
	function chosenSection(rep) {
		const v = $("rep-section").value || "totals";
		if (v.startsWith("m:"))
			return (rep.municipalities || {})[v.slice(2)];
		if (v.startsWith("s:"))
			return (rep.sites || {})[v.slice(2)];
		return rep.totals;
	}

	function sectionName(value, rep) {
		if (value.startsWith("m:"))
			return t("admin.report.municipality", {code: value.slice(2)});
		if (value.startsWith("s:")) {
			const s = (rep.sites || {})[value.slice(2)] || {};
			return s.name ? `${s.name} (${value.slice(2)})` : value.slice(2);
		}
		return t("admin.report.totals");
	}

	function sectionOptions(rep) {
		const sel = $("rep-section"), was = sel.value || "totals";
		Ank.clear(sel);
		const values = ["totals"].concat(Object.keys(rep.municipalities || {}).map((m) => "m:" + m),
		                                 Object.keys(rep.sites || {}).map((s) => "s:" + s));
		for (const v of values)
			sel.append(el("option", {value: v, selected: v === was, text: sectionName(v, rep)}));
		if (!values.includes(was))
			sel.value = "totals";
	}

	function part(title, test, ...kids) {
		return el("section", {class: "report-part", "data-test": test}, el("h3", {text: title}), ...kids);
	}

	/* The capacity's hours: station-hours open and occupied, and the use in per cent. */
	function capacityTable(cap) {
		const hours = (s) => valueText(Math.round(s / 360) / 10);
		const body = el("tbody");
		for (const [hh, c] of Object.entries(cap.by_hour || {}))
			body.append(el("tr", {"data-hour": hh}, el("th", {scope: "row", text: hh}),
				el("td", {class: "num", text: hours(c.open_s)}),
				el("td", {class: "num", text: hours(c.occupied_s)}),
				el("td", {class: "num", text: c.utilisation === null ? "—" : valueText(c.utilisation * 100) + " %"})));
		return el("table", {class: "admin-table report-table", "data-test": "capacity-table"},
			el("thead", {}, el("tr", {},
				el("th", {scope: "col", text: t("admin.report.capacity.hour")}),
				el("th", {scope: "col", text: t("admin.report.capacity.open_h")}),
				el("th", {scope: "col", text: t("admin.report.capacity.occupied_h")}),
				el("th", {scope: "col", text: t("admin.report.capacity.use")}))), body);
	}

	function drawReport() {
		const rep = R.report, out = Ank.clear($("rep-out"));
		if (!rep)
			return;
		const sec = chosenSection(rep);
		if (!sec)
			return;
		const period = rep.from || rep.to ? t("admin.report.span", {from: rep.from || "…", to: rep.to || "…"}) : t("admin.report.all_time");
		const below = rep.suppression ? rep.suppression.below : 0;
		out.append(el("header", {class: "report-head"},
			el("h3", {"data-test": "report-title", text: t("admin.report.heading", {section: sectionName($("rep-section").value || "totals", rep)})}),
			el("p", {text: period}),
			el("p", {class: "muted", text: t("admin.report.meta", {generated: rep.generated_at, zone: sec.time_zone || rep.time_zone})})));
		out.append(part(t("admin.report.summary"), "report-part-summary", summaryTable(sec)));
		const charts = CHARTS.map((c) => el("figure", {class: "chart-box"}, el("figcaption", {text: t(c.title)}),
			barChart(c, sec[c.fig] || {}, rep)));
		/* Capacity use by local hour; a section whose kiosks sent no station types has none
		 * (the report's `missing` says so): said, never drawn from guesses. */
		charts.push(el("figure", {class: "chart-box", "data-test": "capacity"},
			el("figcaption", {text: t("admin.report.chart.capacity")}),
			sec.capacity ? capacityTable(sec.capacity)
			             : el("p", {class: "muted", text: t("admin.report.capacity_missing")})));
		out.append(part(t("admin.report.charts"), "report-part-charts", ...charts));
		const tables = [];
		for (const [fig, v] of Object.entries(sec))
			if (!SECTION_META.includes(fig) && !isLeaf(v))
				tables.push(breakdownTable(fig, v));
		out.append(part(t("admin.report.breakdowns"), "report-part-breakdowns", ...tables));
		out.append(part(t("admin.report.notes"), "report-part-notes",
			el("p", {class: "footnote", "data-test": "report-footnote",
			         text: below > 0 ? t("admin.report.footnote", {below: below}) : t("admin.report.not_suppressed")}),
			el("ul", {class: "report-missing"}, (rep.missing || []).map((m) => el("li", {text: m})))));
	}

	function reportQuery() {
		const q = new URLSearchParams();
		const kind = $("rep-kind").value, year = $("rep-year").value.trim();
		if (kind === "quarter")
			q.set("quarter", year + "Q" + $("rep-quarter").value);
		else if (kind === "year")
			q.set("year", year);
		else
			for (const name of ["from", "to"])
				if ($("rep-" + name).value)
					q.set(name, $("rep-" + name).value);
		return q.toString();
	}

	function periodFields() {
		const kind = $("rep-kind").value;
		document.querySelectorAll(".rep-year").forEach((n) => (n.hidden = kind === "range"));
		document.querySelectorAll(".rep-quarter").forEach((n) => (n.hidden = kind !== "quarter"));
		document.querySelectorAll(".rep-range").forEach((n) => (n.hidden = kind !== "range"));
	}

	async function loadReport(ev) {
		if (ev)
			ev.preventDefault();
		const q = reportQuery();
		$("rep-error").textContent = "";
		const r = await api("GET", "/api/v1/report" + (q ? "?" + q : ""));
		if (!r)
			return;
		if (!r.ok || !r.body || !r.body.totals) {
			R.report = null;
			Ank.clear($("rep-out"));
			$("rep-tools").hidden = true;
			$("rep-error").textContent = t("console.error", {reason: Ank.errorText(r)});
			return;
		}
		R.report = r.body;
		R.query = q;
		$("rep-raw").setAttribute("href", "/api/v1/report?" + (q ? q + "&" : "") + "format=csv");
		$("rep-tools").hidden = false;
		sectionOptions(r.body);
		drawReport();
	}

	function showReport() {
		if (!$("rep-year").value) {
			const now = new Date();
			$("rep-year").value = String(now.getFullYear());
			$("rep-quarter").value = String(Math.floor(now.getMonth() / 3) + 1);
		}
		periodFields();
		if (R.report)
			drawReport();
	}

	/* ---- views ---- */

	const loaders = {kiosks: loadKiosks, accounts: loadAccounts, audit: () => loadAudit(null), report: showReport,
		/* The Sites tab is admin_sites.js's; it gets this page's API call and toasts. */
		sites: () => window.AnkSites.show({api: api, toast: toast, errorToast: errorToast, sites: () => S.sites, reloadSites: loadSites}),
		/* Screen texts: static/admin_texts.js, with this page's helpers. */
		texts: () => window.AnkTexts.show({api, toast, errorToast, ask, sites: () => S.sites}),
		content: () => window.AnkAdminContent.load()}; /* static/admin_content.js */

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
		$("report-form").addEventListener("submit", loadReport);
		$("rep-kind").addEventListener("change", periodFields);
		$("rep-section").addEventListener("change", drawReport);
		$("rep-print").addEventListener("click", () => window.print());
		window.addEventListener("hashchange", showView);
		start();
	});
})();
