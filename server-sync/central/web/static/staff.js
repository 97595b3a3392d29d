/* The staff console (staff.html): the live board of one site by long-poll, every staff
 * command and record, alarm acknowledgement with sound and notification, registration,
 * user search and quarantine, ticket check, shortcuts. All texts come from the catalogs;
 * every server value is put in as text (Ank.el), never as HTML.
 *
 * Stable hooks for browser tests (kept stable; change the tests with them):
 *   [data-test=board|stations|tickets|kiosks]   the board and its three panels
 *   [data-station="<station id>"][data-kiosk="<kiosk id>"]   one station card; its
 *        level is also in data-level="none|warn|alarm" and its state in data-state
 *   [data-ticket="<label>"]        a ticket row (data-state, data-route too); a station
 *                                  card's ticket label carries it as well
 *   [data-cmd="<command type>"]    a command button (call_next, call_ticket, recall, start,
 *                                  end, no_show, requeue, cancel, transfer, cleaning_done,
 *                                  close_station, open_station, freeze, resume); inside a
 *                                  station card or ticket row for per-item commands
 *   [data-record="overdose|referral|incident|rejection"]   open a record dialog; in the
 *        overdose dialog [data-toggle="naloxone|oxygen|ambulance"] (aria-pressed) and
 *        the station <select id=od-station>; the outcome is a [data-choice]
 *   [data-test=ack]                acknowledge a station's warn/alarm
 *   [data-test=help] > [data-test=help-request][data-kiosk][data-help="<id>"]   an open
 *        help request from a kiosk ("call staff"); its [data-test=help-ack] is "I'm on it"
 *   [data-test=acked]              "acknowledged by X at HH:MM" on a station
 *   [data-test=status]             the status area (aria-live); each toast is a
 *                                  [data-test=toast] with data-state="sent|applied|refused|…"
 *   [data-test=conn]               connection line ("connection lost …"); data-state="ok|lost"
 *   [data-test=dialog]             the one <dialog>; [data-choice="<value>"] its big buttons,
 *                                  [data-test=dlg-ok] / [data-test=dlg-cancel]
 *   [data-test=register]           the registration form; reg-submit, reg-taken, reg-error
 *   [data-test=user-search], [data-test=users] > [data-user="<id>"] the users view;
 *        in each: [data-test=quarantine] (its text), [data-test=quarantine-date],
 *        [data-test=quarantine-set], [data-test=quarantine-lift]
 *   [data-route="inject|smoke"]    a route's ticket list on the board
 *   [data-test=ticket-check], [data-test=check-input], [data-test=check-result]
 *        (data-valid="true|false")
 *   [data-test=logout], [data-test=lang] > [data-lang=da|en], [data-test=notify],
 *   [data-test=site-form] (admins), [data-test=frozen], [data-test=me]
 */
"use strict";

(function () {
	const el = Ank.el, t = Ank.t;
	const $ = (id) => document.getElementById(id);

	/* Defaults of the session timer when the site sent no site_info (minutes). */
	const DEFAULT_WARN_MIN = 20, DEFAULT_ALARM_MIN = 30;
	const LONG_POLL_WAIT_S = 25;       /* the queue long-poll's wait (contract: 0..30) */
	const PLAIN_POLL_MS = 1000;        /* polling period when the answer has no rev */
	const BACKOFF_FIRST_MS = 1000, BACKOFF_MAX_MS = 30000;
	const COMMAND_POLL_MS = 700;       /* how often a sent command's state is asked */
	const COMMAND_GIVE_UP_MS = 30000;  /* then the toast says the kiosk has not answered */
	const BEEP_EVERY_MS = 3000;        /* the alarm sound repeats this often */
	const TOAST_KEEP_MS = 12000;       /* a finished toast stays this long */
	const TOASTS_MAX = 5;
	const SCAN_GAP_MS = 50;            /* keys closer than this are a scanner typing */
	const SCAN_MIN_LEN = 8;
	const SHORTCUT_DELAY_MS = 80;      /* a shortcut waits this long to tell it from a scan */
	const LEVEL_RANK = {none: 0, warn: 1, alarm: 2};

	const S = {
		me: null,
		site: null,
		queue: null,
		offsetMs: 0,      /* central's clock minus this browser's */
		rev: null,
		pollGen: 0,
		abort: null,
		municipalities: [],
		languages: [],
		notified: new Map(), /* alarm key -> Notification */
		audio: null,
		lastBeep: 0,
		levelSig: "",
		helpSig: "",
		regConfirmTaken: null, /* the nickname the user already confirmed despite a match */
	};

	const enc = encodeURIComponent;
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
	const serverNow = () => Date.now() + S.offsetMs;
	const siteTz = () => (S.queue && S.queue.site_info && S.queue.site_info.timezone) || undefined;
	const sitePath = (rest) => "/api/v1/sites/" + enc(S.site) + rest;

	/* ---------- status toasts ---------- */

	function toast(text, state) {
		const box = $("status");
		const node = el("p", {class: "toast " + (state || "info"), "data-test": "toast",
		                      "data-state": state || "info", text: text});
		box.appendChild(node);
		while (box.children.length > TOASTS_MAX)
			box.removeChild(box.firstChild);
		if (state !== "sent")
			setTimeout(() => node.remove(), TOAST_KEEP_MS);
		return node;
	}

	function toastUpdate(node, text, state) {
		node.textContent = text;
		node.className = "toast " + state;
		node.setAttribute("data-state", state);
		setTimeout(() => node.remove(), TOAST_KEEP_MS);
	}

	/* ---------- connection line ---------- */

	function conn(text, state) {
		const c = $("conn");
		if (c.textContent === text && c.getAttribute("data-state") === state)
			return; /* unchanged: a screen reader hears it once */
		c.textContent = text;
		c.setAttribute("data-state", state);
		c.className = "conn " + state;
	}

	/* ---------- commands ---------- */

	function commandName(type) {
		return t("console.cmd." + type);
	}

	/* Sends one command; the toast follows it to applied or refused. what names it for
	 * the person (e.g. "Start I-014"). */
	async function sendCommand(body, what) {
		if (!S.site)
			return;
		let r;
		try {
			r = await Ank.api("POST", sitePath("/commands"), body);
		} catch (e) {
			toast(t("console.cmd.failed", {what: what, reason: t("console.conn.lost")}), "refused");
			return;
		}
		if (r.status === 401)
			return toLogin();
		if (!r.ok || !r.body || typeof r.body.command !== "number") {
			toast(t("console.cmd.failed", {what: what, reason: Ank.errorText(r)}), "refused");
			return;
		}
		const n = r.body.command;
		const node = toast(t("console.cmd.sent", {what: what}), "sent");
		const until = Date.now() + COMMAND_GIVE_UP_MS;
		while (Date.now() < until) {
			await sleep(COMMAND_POLL_MS);
			let g;
			try {
				g = await Ank.api("GET", sitePath("/commands/" + n));
			} catch (e) {
				continue;
			}
			if (!g.ok || !g.body)
				continue;
			if (g.body.state === "applied") {
				toastUpdate(node, t("console.cmd.applied", {what: what}), "applied");
				return;
			}
			if (g.body.state === "refused") {
				toastUpdate(node, t("console.cmd.refused",
				                    {what: what, reason: g.body.reason || "—"}), "refused");
				return;
			}
		}
		toastUpdate(node, t("console.cmd.pending", {what: what}), "pending");
	}

	function cmd(type, extra, label) {
		const body = Object.assign({type: type}, extra || {});
		const what = commandName(type) + (label ? " " + label : "");
		sendCommand(body, what);
	}

	/* ---------- the one dialog ---------- */

	/* Where the focus is, as keys that survive a rebuild of the board: the control's
	 * data-focus and the station card or ticket row around it. */
	function focusKeyOf(node) {
		if (!node || !node.getAttribute)
			return null;
		const key = node.getAttribute("data-focus");
		if (!key && !node.id)
			return null;
		const card = node.closest("[data-station],[data-ticket]");
		return {key: key, id: node.id || null, node: node,
		        card: card ? (card.getAttribute("data-kiosk") || "") + "|" +
		                     (card.getAttribute("data-station") || card.getAttribute("data-ticket")) : null};
	}

	function refocus(f) {
		if (!f)
			return;
		if (document.contains(f.node)) {
			f.node.focus();
			return;
		}
		if (!f.key) {
			const byId = f.id && document.getElementById(f.id);
			if (byId)
				byId.focus();
			return;
		}
		const scope = f.card ? [...document.querySelectorAll("[data-station],[data-ticket]")].find((n) =>
			(n.getAttribute("data-kiosk") || "") + "|" + (n.getAttribute("data-station") || n.getAttribute("data-ticket")) === f.card) : null;
		/* The same control again, else the first one of the same card (its state moved on). */
		const again = (scope || document).querySelector('[data-focus="' + CSS.escape(f.key) + '"]') ||
		              (scope && scope.querySelector("button"));
		if (again)
			again.focus();
	}

	let dlgReturn = null;

	/* Opens the dialog: title, body nodes, actions [{text, value, cls, test, onPick}].
	 * The opener gets the focus back on close. */
	function openDialog(title, bodyNodes, actions, onClose) {
		const d = $("dlg");
		if (d.open)
			d.close();
		dlgReturn = focusKeyOf(document.activeElement);
		$("dlg-title").textContent = title;
		Ank.clear($("dlg-body")).append(...bodyNodes.filter(Boolean));
		const acts = Ank.clear($("dlg-actions"));
		for (const a of actions)
			acts.appendChild(el("button", {
				type: "button", class: "btn " + (a.cls || ""), "data-test": a.test || null,
				text: a.text,
				on: {click: () => {
					if (a.onPick && a.onPick() === false)
						return;
					d.close();
				}},
			}));
		d.onclose = () => {
			if (onClose)
				onClose();
			refocus(dlgReturn);
		};
		d.showModal();
		const first = d.querySelector("[autofocus]") || $("dlg-body").querySelector("button, input, textarea, select") ||
		              acts.querySelector("button");
		if (first)
			first.focus();
	}

	const cancelAction = () => ({text: t("console.cancel"), cls: "", test: "dlg-cancel"});

	function confirmDialog(title, question, yesText, onYes) {
		openDialog(title, [el("p", {text: question})],
		           [{text: yesText, cls: "danger", test: "dlg-ok", onPick: onYes},
		            {text: t("staff.no"), test: "dlg-cancel"}]);
	}

	/* Big choice buttons inside a dialog body: picking one runs onPick(value). */
	function choiceGrid(choices, onPick) {
		return el("div", {class: "choice-grid"}, choices.map((c) => el("button", {
			type: "button", class: "btn big", "data-choice": c.value, text: c.text,
			on: {click: () => {
				onPick(c.value);
				$("dlg").close();
			}},
		})));
	}

	/* ---------- records ---------- */

	async function postRecord(body, what) {
		let r;
		try {
			r = await Ank.api("POST", sitePath("/records"), body);
		} catch (e) {
			toast(t("console.record.failed", {what: what, reason: t("console.conn.lost")}), "refused");
			return;
		}
		if (r.status === 401)
			return toLogin();
		if (r.ok)
			toast(t("console.record.saved", {what: what}), "applied");
		else
			toast(t("console.record.failed", {what: what, reason: Ank.errorText(r)}), "refused");
	}

	function toggleButton(key, test) {
		const b = el("button", {type: "button", class: "btn toggle", "aria-pressed": "false",
		                        "data-toggle": test, text: t(key)});
		b.addEventListener("click", () =>
			b.setAttribute("aria-pressed", String(b.getAttribute("aria-pressed") !== "true")));
		return b;
	}

	function stationOptions(selected) {
		const sel = el("select", {id: "od-station"},
		               el("option", {value: "", text: t("console.record.no_station")}));
		const seen = new Set();
		for (const s of (S.queue && S.queue.stations) || []) {
			if (seen.has(s.station))
				continue;
			seen.add(s.station);
			sel.appendChild(el("option", {value: s.station, selected: s.station === selected,
			                              text: t("display.station", {station: s.station})}));
		}
		return sel;
	}

	function overdoseDialog(station) {
		const what = t("console.record.overdose");
		const sel = stationOptions(station || "");
		const tog = [toggleButton("console.record.naloxone", "naloxone"),
		             toggleButton("console.record.oxygen", "oxygen"),
		             toggleButton("console.record.ambulance", "ambulance")];
		const outcomes = ["recovered", "hospital", "left", "died", "unknown"];
		openDialog(what, [
			el("div", {class: "field"}, el("label", {for: "od-station", text: t("console.record.station")}), sel),
			el("div", {class: "toggle-row", role: "group", "aria-label": t("console.record.given")}, tog),
			el("p", {class: "hint", text: t("console.record.outcome")}),
			choiceGrid(outcomes.map((o) => ({value: o, text: t("console.outcome." + o)})), (o) => {
				const pressed = (i) => tog[i].getAttribute("aria-pressed") === "true";
				const body = {kind: "overdose", naloxone: pressed(0), oxygen: pressed(1),
				              ambulance: pressed(2), outcome: o};
				if (sel.value)
					body.station = sel.value;
				postRecord(body, what);
			}),
		], [cancelAction()]);
	}

	function referralDialog() {
		const what = t("console.record.referral");
		const types = ["health", "drug_treatment", "mental_health", "social", "housing", "other"];
		openDialog(what, [choiceGrid(types.map((v) => ({value: v, text: t("console.referral." + v)})),
		                             (v) => postRecord({kind: "referral", type: v}, what))],
		           [cancelAction()]);
	}

	function rejectionDialog() {
		const what = t("console.record.rejection");
		const reasons = ["underage", "not_target_group", "intoxicated", "quarantined", "behaviour",
		                 "capacity", "other"];
		openDialog(what, [choiceGrid(reasons.map((v) => ({value: v, text: t("console.rejection." + v)})),
		                             (v) => postRecord({kind: "rejection", reason: v}, what))],
		           [cancelAction()]);
	}

	function incidentDialog() {
		const what = t("console.record.incident");
		const ta = el("textarea", {id: "inc-text", maxlength: "200", rows: "3", required: true,
		                           "aria-describedby": "inc-hint"});
		const err = el("p", {class: "form-error", role: "alert"});
		openDialog(what, [el("label", {for: "inc-text", text: t("console.record.incident_text")}), ta,
		                  el("p", {id: "inc-hint", class: "hint", text: t("console.record.no_names")}), err],
		           [{text: t("console.save"), cls: "primary", test: "dlg-ok", onPick: () => {
			           const text = ta.value.trim();
			           if (!text) {
				           err.textContent = t("console.record.text_missing");
				           return false;
			           }
			           postRecord({kind: "incident", text: text}, what);
			           return true;
		           }}, cancelAction()]);
	}

	/* ---------- alarms ---------- */

	function limits() {
		const si = S.queue && S.queue.site_info;
		const warn = si && Number.isFinite(si.warn_min) ? si.warn_min : DEFAULT_WARN_MIN;
		const alarm = si && Number.isFinite(si.alarm_min) ? si.alarm_min : DEFAULT_ALARM_MIN;
		return {warnMs: warn * 60000, alarmMs: alarm * 60000};
	}

	function skewOf(kioskId) {
		const k = ((S.queue && S.queue.kiosks) || []).find((x) => x.kiosk === kioskId);
		return k && typeof k.clock_skew_ms === "number" ? k.clock_skew_ms : 0;
	}

	/* When an occupied station's session started, in central's clock. */
	function startedAt(s) {
		return s.since_ms - skewOf(s.kiosk);
	}

	function levelOf(s) {
		if (s.state !== "occupied" || typeof s.since_ms !== "number")
			return "none";
		const el2 = serverNow() - startedAt(s), lim = limits();
		return el2 >= lim.alarmMs ? "alarm" : el2 >= lim.warnMs ? "warn" : "none";
	}

	function isAcked(s, level) {
		return Boolean(s.ack && LEVEL_RANK[s.ack.level] >= LEVEL_RANK[level]);
	}

	const alarmKey = (s, level) => s.kiosk + "/" + s.station + "/" + s.ticket + "/" + level;

	async function acknowledge(s, level) {
		let r;
		try {
			r = await Ank.api("POST", sitePath("/alarms"),
			                  {kiosk: s.kiosk, station: s.station, ticket: s.ticket, level: level});
		} catch (e) {
			toast(t("console.ack.failed", {reason: t("console.conn.lost")}), "refused");
			return;
		}
		if (r.status === 401)
			return toLogin();
		if (!r.ok) {
			toast(t("console.ack.failed", {reason: Ank.errorText(r)}), "refused");
			return;
		}
		s.ack = {level: level, by: r.body.by, at_ms: r.body.at_ms};
		toast(t("console.ack.done", {station: s.station}), "applied");
		render();
	}

	function ensureAudio() {
		if (S.audio || !(window.AudioContext || window.webkitAudioContext))
			return;
		try {
			S.audio = new (window.AudioContext || window.webkitAudioContext)();
		} catch (e) {
			S.audio = null;
		}
	}

	function beep() {
		const a = S.audio;
		if (!a)
			return;
		if (a.state === "suspended")
			a.resume().catch(() => {});
		const o = a.createOscillator(), g = a.createGain(), now = a.currentTime;
		o.type = "square";
		o.frequency.setValueAtTime(880, now);
		o.frequency.setValueAtTime(660, now + 0.18);
		g.gain.setValueAtTime(0.0001, now);
		g.gain.exponentialRampToValueAtTime(0.25, now + 0.02);
		g.gain.exponentialRampToValueAtTime(0.0001, now + 0.4);
		o.connect(g).connect(a.destination);
		o.start(now);
		o.stop(now + 0.42);
	}

	/* A desktop notification that stays until closed, or null when not allowed. */
	function notify(title, body, tag) {
		if (!("Notification" in window) || Notification.permission !== "granted")
			return null;
		try {
			const n = new Notification(title, {body: body, tag: tag, requireInteraction: true});
			n.onclick = () => window.focus();
			return n;
		} catch (e) {
			return null;
		}
	}

	/* Sound and notifications for unacknowledged alarms and open help requests; closes notifications of alarms
	 * that are acknowledged or over. */
	function alarmEffects() {
		const live = new Set();
		let sound = false;
		for (const s of (S.queue && S.queue.stations) || []) {
			const level = levelOf(s);
			if (level !== "alarm" || isAcked(s, level))
				continue;
			sound = true;
			const key = alarmKey(s, level);
			live.add(key);
			if (!S.notified.has(key))
				S.notified.set(key, notify(t("console.notify.alarm_title"),
				                           t("console.notify.alarm_body", {station: s.station, ticket: s.label || ""}),
				                           key));
		}
		/* A help request beeps like an alarm until someone is on it. */
		for (const h of openHelp()) {
			sound = true;
			const key = helpKey(h);
			live.add(key);
			if (!S.notified.has(key))
				S.notified.set(key, notify(t("console.help_request.title"),
				                           t("console.help_request.banner", {kiosk: h.kiosk, time: Ank.hhmm(h.asked_ms, siteTz())}),
				                           key));
		}
		for (const [key, n] of S.notified)
			if (!live.has(key)) {
				if (n)
					n.close();
				S.notified.delete(key);
			}
		/* A tab in the background says it too. */
		const title = (openHelp().length ? t("console.help_request.title") + " · "
		               : sound ? t("console.level.alarm") + " · " : "") + t("console.title");
		if (document.title !== title)
			document.title = title;
		if (sound && Date.now() - S.lastBeep >= BEEP_EVERY_MS) {
			S.lastBeep = Date.now();
			beep();
		}
	}

	/* ---------- help requests ---------- */

	const helpKey = (h) => "help/" + h.kiosk + "/" + h.id;
	const openHelp = () => (S.queue && S.queue.help) || [];

	/* "Help requested at kiosk X, HH:MM" (the kiosk's time, as its staff screen shows it) for
	 * each open request, with "I'm on it". Rebuilt only when the requests change, so that a
	 * screen reader hears each one once. */
	function renderHelp() {
		const sig = openHelp().map(helpKey).join(",");
		if (sig === S.helpSig)
			return;
		S.helpSig = sig;
		const box = $("help-banners");
		box.textContent = "";
		for (const h of openHelp()) {
			const text = t("console.help_request.banner", {kiosk: h.kiosk, time: Ank.hhmm(h.asked_ms, siteTz())});
			box.appendChild(el("div", {class: "banner help", "data-test": "help-request", "data-kiosk": h.kiosk,
			                           "data-help": String(h.id)},
				el("span", {class: "help-text", text: text}),
				el("button", {type: "button", class: "btn primary", "data-test": "help-ack",
				              "data-focus": helpKey(h), text: t("console.help_request.ack"),
				              on: {click: () => takeHelp(h)}})));
		}
		box.hidden = !box.children.length;
	}

	async function takeHelp(h) {
		let r;
		try {
			r = await Ank.api("POST", sitePath("/help"), {kiosk: h.kiosk, id: h.id});
		} catch (e) {
			toast(t("console.help_request.failed", {reason: t("console.conn.lost")}), "refused");
			return;
		}
		if (r.status === 401)
			return toLogin();
		if (!r.ok) {
			toast(t("console.help_request.failed", {reason: Ank.errorText(r)}), "refused");
			return;
		}
		/* Off the board now; the next queue answer no longer lists it either. */
		S.queue.help = openHelp().filter((x) => helpKey(x) !== helpKey(h));
		toast(t("console.help_request.done", {kiosk: h.kiosk}), "applied");
		render();
	}

	function notifyButton() {
		const b = $("notify-btn");
		if (!("Notification" in window)) {
			b.hidden = true;
			return;
		}
		const p = Notification.permission;
		b.textContent = t(p === "granted" ? "console.notify.on" : p === "denied" ? "console.notify.blocked"
		                                                                          : "console.notify.enable");
		b.disabled = p !== "default";
	}

	/* ---------- the board ---------- */

	const routeName = (r) => t("route." + r);
	const stateName = (s) => t("station." + s);

	function cmdButton(type, extra, label, text, cls) {
		return el("button", {
			type: "button", class: "btn " + (cls || ""), "data-cmd": type,
			"data-focus": type + ":" + JSON.stringify(extra || {}),
			text: text || commandName(type),
			on: {click: () => cmd(type, extra, label)},
		});
	}

	function freezeAsk() {
		confirmDialog(t("staff.freeze"), t("staff.freeze_ask"), t("staff.yes"),
		              () => cmd("freeze", null, null));
	}

	function boardActions() {
		const q = S.queue;
		const frozen = Boolean(q && q.frozen);
		const box = Ank.clear($("board-actions"));
		box.append(
			el("button", {type: "button", class: "btn primary big", "data-cmd": "call_next", "data-focus": "g:call_next",
			              "aria-keyshortcuts": "N", text: t("staff.call_next"), on: {click: () => cmd("call_next", null, null)}}),
			frozen ? el("button", {type: "button", class: "btn big", "data-cmd": "resume", "data-focus": "g:resume",
			                       text: t("staff.resume"), on: {click: () => cmd("resume", null, null)}})
			       : el("button", {type: "button", class: "btn danger big", "data-cmd": "freeze", "data-focus": "g:freeze",
			                       "aria-keyshortcuts": "F", text: t("staff.freeze"), on: {click: freezeAsk}}),
			el("span", {class: "spacer"}),
			el("button", {type: "button", class: "btn danger", "data-record": "overdose", "data-focus": "r:od",
			              "aria-keyshortcuts": "O", text: t("console.record.overdose"), on: {click: () => overdoseDialog("")}}),
			el("button", {type: "button", class: "btn", "data-record": "referral", "data-focus": "r:ref",
			              text: t("console.record.referral"), on: {click: referralDialog}}),
			el("button", {type: "button", class: "btn", "data-record": "incident", "data-focus": "r:inc",
			              text: t("console.record.incident"), on: {click: incidentDialog}}),
			el("button", {type: "button", class: "btn", "data-record": "rejection", "data-focus": "r:rej",
			              text: t("console.record.rejection"), on: {click: rejectionDialog}}));
		const fb = $("frozen-banner");
		fb.hidden = !frozen;
		fb.textContent = t("staff.frozen");
		const cb = $("config-banner");
		const cfg = q && q.config;
		cb.hidden = !(cfg && cfg.state === "refused");
		if (!cb.hidden)
			cb.textContent = t("console.config_refused", {reason: cfg.reason || "—"});
	}

	function stationCard(s) {
		const level = levelOf(s);
		const acked = isAcked(s, level);
		const tk = s.ticket, label = s.label || "";
		const card = el("article", {class: "station state-" + s.state + " lvl-" + level + (acked ? " acked" : ""),
		                            "data-station": s.station, "data-kiosk": s.kiosk, "data-state": s.state,
		                            "data-level": level, "aria-label": t("display.station", {station: s.station})});
		const head = el("div", {class: "station-head"},
		                el("h4", {text: t("display.station", {station: s.station})}),
		                el("span", {class: "pill state", text: stateName(s.state)}));
		card.appendChild(head);
		if (label)
			card.appendChild(el("p", {class: "station-ticket", "data-ticket": label, text: label}));
		if (s.state === "occupied" && typeof s.since_ms === "number") {
			card.appendChild(el("p", {class: "timer"},
			                      level !== "none" ? el("span", {class: "level-tag", text: t("console.level." + level)}) : null,
			                      el("span", {class: "elapsed", "data-since": String(startedAt(s)),
			                                  text: Ank.duration(serverNow() - startedAt(s))})));
		} else if (typeof s.since_ms === "number" && s.state !== "free") {
			card.appendChild(el("p", {class: "since"},
			                      el("span", {class: "elapsed", "data-since": String(s.since_ms - skewOf(s.kiosk)),
			                                  text: Ank.duration(serverNow() - (s.since_ms - skewOf(s.kiosk)))})));
		}
		if (s.ack && level !== "none")
			card.appendChild(el("p", {class: "ack", "data-test": "acked",
			                          text: t("console.ack.by", {name: s.ack.by, time: Ank.hhmm(s.ack.at_ms, siteTz())})}));
		const acts = el("div", {class: "actions"});
		const st = s.station, stName = t("display.station", {station: st});
		const tkx = {ticket: tk};
		switch (s.state) {
		case "free":
			acts.append(cmdButton("call_next", {station: st}, stName, t("staff.call"), "primary"),
			            cmdButton("close_station", {station: st}, stName, t("staff.set_closed")));
			break;
		case "reserved":
			if (tk)
				acts.append(cmdButton("start", tkx, label, t("staff.start"), "primary"),
				            cmdButton("recall", tkx, label, t("staff.recall")),
				            cmdButton("no_show", tkx, label, t("staff.no_show")));
			break;
		case "occupied":
			if (level !== "none" && !acked && tk)
				acts.appendChild(el("button", {type: "button", class: "btn ack-btn", "data-test": "ack",
				                              "data-focus": "ack:" + s.kiosk + "/" + st,
				                              text: t("console.ack.button"),
				                              on: {click: () => acknowledge(s, level)}}));
			if (tk)
				acts.appendChild(cmdButton("end", tkx, label, t("staff.end"), "primary"));
			acts.appendChild(el("button", {type: "button", class: "btn danger", "data-record": "overdose",
			                              "data-focus": "od:" + s.kiosk + "/" + st,
			                              text: t("console.record.overdose"), on: {click: () => overdoseDialog(st)}}));
			break;
		case "cleaning":
			acts.append(cmdButton("cleaning_done", {station: st}, stName, t("staff.set_free"), "primary"),
			            cmdButton("close_station", {station: st}, stName, t("staff.set_closed")));
			break;
		case "closed":
			acts.appendChild(cmdButton("open_station", {station: st}, stName, t("staff.open")));
			break;
		}
		card.appendChild(acts);
		return card;
	}

	function callTicketDialog(tk) {
		const free = ((S.queue && S.queue.stations) || []).filter((s) => s.kiosk === tk.kiosk && s.state === "free");
		const choices = [{value: "", text: t("console.any_station")}].concat(
			free.map((s) => ({value: s.station, text: t("display.station", {station: s.station})})));
		openDialog(t("console.call_ticket_title", {ticket: tk.label}), [
			choiceGrid(choices, (v) => {
				const extra = {ticket: tk.ticket};
				if (v)
					extra.station = v;
				cmd("call_ticket", extra, tk.label);
			})], [cancelAction()]);
	}

	function ticketRow(tk) {
		/* The waiting time counts until the session starts (the station shows the rest). */
		const since = typeof tk.since_ms === "number" && (tk.state === "waiting" || tk.state === "called")
			? tk.since_ms - skewOf(tk.kiosk) : null;
		const row = el("li", {class: "ticket tstate-" + tk.state, "data-ticket": tk.label, "data-state": tk.state,
		                      "data-route": tk.route});
		const info = el("div", {class: "ticket-info"},
		                el("strong", {class: "ticket-label", text: tk.label}),
		                el("span", {class: "pill", text: t("console.tstate." + tk.state)}),
		                tk.station ? el("span", {text: t("display.station", {station: tk.station})}) : null,
		                tk.substance ? el("span", {class: "muted", text: t("substance." + tk.substance)}) : null,
		                tk.assisted ? el("span", {class: "pill", text: t("console.assisted")}) : null,
		                since !== null ? el("span", {class: "wait"},
		                                    t("console.waited") + " ",
		                                    el("span", {class: "elapsed", "data-since": String(since),
		                                                text: Ank.duration(serverNow() - since)})) : null);
		const acts = el("div", {class: "actions"});
		const x = {ticket: tk.ticket};
		const other = tk.route === "inject" ? "smoke" : "inject";
		switch (tk.state) {
		case "waiting":
			acts.append(
				el("button", {type: "button", class: "btn primary", "data-cmd": "call_ticket",
				              "data-focus": "call_ticket:" + tk.kiosk + "/" + tk.ticket, text: t("staff.call"),
				              on: {click: () => callTicketDialog(tk)}}),
				cmdButton("transfer", {ticket: tk.ticket, route: other}, tk.label,
				          t("console.transfer_to", {route: routeName(other)})),
				cancelButton(tk));
			break;
		case "called":
			acts.append(cmdButton("start", x, tk.label, t("staff.start"), "primary"),
			            cmdButton("recall", x, tk.label, t("staff.recall")),
			            cmdButton("no_show", x, tk.label, t("staff.no_show")),
			            cancelButton(tk));
			break;
		case "in_session":
			acts.append(cmdButton("end", x, tk.label, t("staff.end"), "primary"));
			break;
		case "no_show":
			acts.append(cmdButton("requeue", x, tk.label, t("staff.requeue"), "primary"));
			break;
		}
		row.append(info, acts);
		return row;
	}

	function cancelButton(tk) {
		return el("button", {type: "button", class: "btn", "data-cmd": "cancel",
		                     "data-focus": "cancel:" + tk.kiosk + "/" + tk.ticket, text: t("console.cmd.cancel"),
		                     on: {click: () => confirmDialog(t("console.cmd.cancel"),
		                                                     t("console.cancel_ask", {ticket: tk.label}),
		                                                     t("console.cancel_yes"),
		                                                     () => cmd("cancel", {ticket: tk.ticket}, tk.label))}});
	}

	function renderStations() {
		const box = Ank.clear($("stations"));
		const stations = (S.queue && S.queue.stations) || [];
		if (!stations.length)
			box.appendChild(el("p", {class: "hint", text: t("console.no_stations")}));
		for (const s of stations)
			box.appendChild(stationCard(s));
	}

	function renderTickets() {
		const box = Ank.clear($("tickets"));
		const tickets = (S.queue && S.queue.tickets) || [];
		for (const route of ["inject", "smoke"]) {
			const mine = tickets.filter((x) => x.route === route);
			const open = mine.filter((x) => x.state !== "no_show");
			const noShows = mine.filter((x) => x.state === "no_show");
			const id = "route-h-" + route;
			box.appendChild(el("section", {class: "route", "aria-labelledby": id, "data-route": route},
				el("h4", {id: id, text: t("console.route_count", {route: routeName(route), count: open.length})}),
				open.length ? el("ul", {class: "ticket-list"}, open.map(ticketRow))
				            : el("p", {class: "hint", text: t("console.no_tickets")}),
				noShows.length ? el("h5", {text: t("console.no_shows")}) : null,
				noShows.length ? el("ul", {class: "ticket-list"}, noShows.map(ticketRow)) : null));
		}
	}

	// The kiosk's receipt printer as it last reported it (docs/api.md "Change feed": printer):
	// nothing without one, a warning when it cannot print or its paper is nearly used up.
	function printerPill(state) {
		if (typeof state !== "string" || state === "none")
			return null;
		const simple = {ready: "staff.printer_ready", unknown: "staff.printer_unknown",
			near_end: "staff.printer_near_end"};
		const text = simple[state] ? t(simple[state])
			: t("staff.printer_fault", {reason: t("staff.printer." + state)});
		return el("span", {class: "pill printer" + (state === "ready" || state === "unknown" ? "" : " warn"),
			"data-printer": state, text: text});
	}

	function renderKiosks() {
		const box = Ank.clear($("kiosks"));
		for (const k of (S.queue && S.queue.kiosks) || []) {
			box.appendChild(el("li", {class: "kiosk " + (k.online ? "online" : "offline"), "data-kiosk": k.kiosk},
				el("strong", {text: k.kiosk}),
				el("span", {class: "pill", text: t(k.online ? "console.kiosk.online" : "console.kiosk.offline")}),
				k.frozen ? el("span", {class: "pill", text: t("console.kiosk.frozen")}) : null,
				typeof k.last_seen_ms === "number"
					? el("span", {class: "muted", text: t("console.kiosk.last_seen", {time: Ank.hhmm(k.last_seen_ms, siteTz())})})
					: null,
				typeof k.unsent === "number" ? el("span", {text: t("staff.unsent", {count: k.unsent})}) : null,
				printerPill(k.printer),
				typeof k.clock_skew_ms === "number"
					? el("span", {class: "pill warn", text: t("staff.clock_skew", {minutes: Math.round(k.clock_skew_ms / 60000)})})
					: null));
		}
		if (!box.children.length)
			box.appendChild(el("li", {class: "hint", text: t("console.no_kiosks")}));
	}

	function levelSignature() {
		return ((S.queue && S.queue.stations) || []).map((s) => {
			const l = levelOf(s);
			return s.kiosk + "/" + s.station + ":" + l + (isAcked(s, l) ? "+" : "");
		}).join(",");
	}

	/* Rebuilds the board; the focused button keeps the focus (by its data-focus key). */
	function render() {
		const dlgOpen = $("dlg").open;
		const f = dlgOpen ? null : focusKeyOf(document.activeElement);
		boardActions();
		renderStations();
		renderTickets();
		renderKiosks();
		renderHelp();
		S.levelSig = levelSignature();
		$("site-name").textContent = S.queue && S.queue.site_info && S.queue.site_info.name
			? S.queue.site_info.name : (S.site || "");
		if (f && f.key)
			refocus(f);
		alarmEffects();
	}

	/* Every second: the timers; a level that changed rebuilds the board. */
	function tick() {
		if (!S.queue)
			return;
		if (levelSignature() !== S.levelSig) {
			render();
			return;
		}
		document.querySelectorAll("[data-since]").forEach((n) => {
			n.textContent = Ank.duration(serverNow() - Number(n.getAttribute("data-since")));
		});
		alarmEffects();
	}

	/* ---------- the long-poll ---------- */

	/* A station's ticket and label, when the answer does not name them (a central before
	 * the contract's station fields): the open ticket that names the station. */
	function fillStationTickets(q) {
		for (const s of q.stations || []) {
			if (s.ticket || (s.state !== "reserved" && s.state !== "occupied"))
				continue;
			const tk = (q.tickets || []).find((x) => x.kiosk === s.kiosk && x.station === s.station &&
			                                        (x.state === "called" || x.state === "in_session"));
			if (tk) {
				s.ticket = tk.ticket;
				s.label = tk.label;
			}
		}
	}

	function onQueue(body) {
		fillStationTickets(body);
		S.queue = body;
		if (typeof body.server_ms === "number")
			S.offsetMs = body.server_ms - Date.now();
		render();
	}

	async function pollLoop(gen) {
		let backoff = BACKOFF_FIRST_MS;
		while (gen === S.pollGen) {
			const q = typeof S.rev === "number" ? "?after=" + S.rev + "&wait=" + LONG_POLL_WAIT_S : "";
			const started = Date.now();
			let r;
			try {
				r = await Ank.api("GET", sitePath("/queue" + q), null, {signal: S.abort.signal});
			} catch (e) {
				if (gen !== S.pollGen)
					return;
				conn(t("console.conn.lost_retry", {seconds: Math.round(backoff / 1000)}), "lost");
				await sleep(backoff);
				backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
				continue;
			}
			if (gen !== S.pollGen)
				return;
			if (r.status === 401)
				return toLogin();
			if (r.status === 403 || r.status === 404) {
				conn(t("console.site.unknown", {site: S.site}), "lost");
				S.queue = null;
				render();
				return;
			}
			if (!r.ok || !r.body) {
				conn(t("console.conn.lost_retry", {seconds: Math.round(backoff / 1000)}), "lost");
				await sleep(backoff);
				backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
				continue;
			}
			backoff = BACKOFF_FIRST_MS;
			conn(t("console.conn.ok"), "ok");
			const before = S.rev;
			onQueue(r.body);
			if (typeof r.body.rev === "number") {
				S.rev = r.body.rev;
				/* A central that does not hold the answer must not make this loop spin. */
				if (S.rev === before && Date.now() - started < 200)
					await sleep(PLAIN_POLL_MS);
			} else {
				S.rev = null;
				await sleep(PLAIN_POLL_MS);
			}
		}
	}

	function startPolling() {
		S.pollGen++;
		if (S.abort)
			S.abort.abort();
		S.abort = new AbortController();
		S.rev = null;
		S.queue = null;
		render();
		if (!S.site) {
			conn(t("console.site.pick"), "lost");
			return;
		}
		conn(t("console.conn.connecting"), "ok");
		pollLoop(S.pollGen);
	}

	/* ---------- ticket check ---------- */

	async function checkTicket(ref) {
		if (!ref)
			return;
		if (!S.site) {
			showCheck(false, t("console.site.pick"), null);
			return;
		}
		let r;
		try {
			r = await Ank.api("POST", sitePath("/tickets/check"), {ref: ref});
		} catch (e) {
			showCheck(false, t("console.conn.lost"), null);
			return;
		}
		if (r.status === 401)
			return toLogin();
		if (!r.ok || !r.body) {
			showCheck(false, t("console.error", {reason: Ank.errorText(r)}), null);
			return;
		}
		const b = r.body;
		showCheck(Boolean(b.valid), b.valid ? t("console.check.valid")
		                                     : t("console.check.invalid", {reason: t("console.check.reason." + (b.reason || "format"))}),
		          b.ticket);
	}

	function showCheck(valid, text, ticket) {
		const box = Ank.clear($("check-result"));
		box.hidden = false;
		box.className = "check-result " + (valid ? "valid" : "invalid");
		box.setAttribute("data-valid", String(valid));
		box.append(el("strong", {text: text}));
		if (ticket)
			box.append(" ", el("span", {"data-ticket": ticket.label, text: t("console.check.ticket", {
				ticket: ticket.label, state: t("console.tstate." + ticket.state), route: routeName(ticket.route)})}));
		box.append(" ", el("button", {type: "button", class: "btn small", text: t("console.close"),
		                              on: {click: () => {
			                              box.hidden = true;
			                              $("check-input").focus();
		                              }}}));
		const inp = $("check-input");
		inp.value = "";
	}

	/* ---------- registration ---------- */

	const GENDERS = ["female", "male", "other", "unknown"];
	/* The user list may name genders by their short codes. */
	const GENDER_SHORT = {f: "female", m: "male", x: "other"};

	/* Builds the form's lists in the current language; what was entered stays. */
	function buildRegister() {
		const was = document.querySelector("input[name=gender]:checked");
		const checked = was ? was.value : null, langWas = $("reg-lang").value;
		const g = Ank.clear($("reg-gender"));
		for (const v of GENDERS) {
			const id = "reg-g-" + v;
			g.append(el("span", {class: "radio"},
			            el("input", {type: "radio", name: "gender", id: id, value: v, required: true,
			                         checked: v === checked}),
			            el("label", {for: id, text: t("console.gender." + v)})));
		}
		const list = Ank.clear($("reg-muni-list"));
		for (const m of S.municipalities)
			list.appendChild(el("option", {value: m.name + " (" + m.code + ")"}));
		list.appendChild(el("option", {value: t("console.register.abroad")}));
		list.appendChild(el("option", {value: t("console.register.unknown")}));
		const sel = Ank.clear($("reg-lang"));
		sel.appendChild(el("option", {value: "", text: t("console.register.language_none")}));
		for (const l of S.languages)
			sel.appendChild(el("option", {value: l.lang, text: l.name, selected: l.lang === langWas}));
		$("reg-birth").max = String(new Date().getFullYear());
		$("reg-consent-label").textContent = t("console.register.consent_confirm",
		                                       {version: t("console.consent.version")});
	}

	/* The municipality code of what was typed: "Name (101)", a name, a code, abroad/unknown. */
	function municipalityCode(text) {
		const v = text.trim();
		if (!v)
			return null;
		const fold = (s) => s.toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
		if (fold(v) === fold(t("console.register.abroad")) || v === "abroad")
			return "abroad";
		if (fold(v) === fold(t("console.register.unknown")) || v === "unknown")
			return "unknown";
		const paren = /\((\d{3})\)\s*$/.exec(v);
		const code = paren ? paren[1] : (/^\d{3}$/.test(v) ? v : null);
		if (code)
			return S.municipalities.some((m) => m.code === code) ? code : null;
		const m = S.municipalities.find((x) => fold(x.name) === fold(v));
		return m ? m.code : null;
	}

	function municipalityName(code) {
		if (!code)
			return "—";
		if (code === "abroad")
			return t("console.register.abroad");
		if (code === "unknown")
			return t("console.register.unknown");
		const m = S.municipalities.find((x) => x.code === code);
		return m ? m.name : code;
	}

	async function findUsers(nickname, exact) {
		const r = await Ank.api("GET", "/api/v1/users?nickname=" + enc(nickname) + (exact ? "&exact=1" : ""));
		if (r.status === 401)
			toLogin();
		return r;
	}

	async function submitRegister(ev) {
		ev.preventDefault();
		const err = $("reg-error"), taken = $("reg-taken");
		err.textContent = "";
		const nickname = $("reg-nickname").value.trim();
		const year = Number($("reg-birth").value);
		const g = document.querySelector("input[name=gender]:checked");
		const muni = municipalityCode($("reg-muni").value);
		const thisYear = new Date().getFullYear();
		const fail = (key, input) => {
			err.textContent = t(key);
			if (input)
				input.focus();
		};
		if ((nickname.match(/[\p{L}\p{N}]/gu) || []).length < 2)
			return fail("console.register.err_nickname", $("reg-nickname"));
		if (!Number.isInteger(year) || year < 1900 || year > thisYear)
			return fail("console.register.err_birth_year", $("reg-birth"));
		if (!g)
			return fail("console.register.err_gender", document.getElementById("reg-g-female"));
		if (!muni)
			return fail("console.register.err_municipality", $("reg-muni"));
		if (!$("reg-consent").checked)
			return fail("console.register.err_consent", $("reg-consent"));
		if (!S.site)
			return fail("console.site.pick", null);
		$("reg-submit").disabled = true;
		try {
			if (S.regConfirmTaken !== nickname) {
				const f = await findUsers(nickname, true);
				const same = f.ok && f.body && Array.isArray(f.body.users) ? f.body.users : [];
				if (same.length) {
					S.regConfirmTaken = nickname;
					taken.hidden = false;
					taken.textContent = t("console.register.taken", {
						nickname: nickname,
						years: same.map((u) => u.birth_year === null ? "—" : String(u.birth_year)).join(", ")});
					$("reg-submit").textContent = t("console.register.submit_anyway");
					taken.scrollIntoView({block: "nearest"});
					return;
				}
			}
			const body = {nickname: nickname, birth_year: year, gender: g.value, municipality: muni,
			              consent_version: t("console.consent.version"), consent_at: Ank.isoTime(Date.now()),
			              site: S.site};
			if ($("reg-lang").value)
				body.language = $("reg-lang").value;
			const r = await Ank.api("POST", "/api/v1/users", body);
			if (r.status === 401)
				return toLogin();
			if (!r.ok) {
				err.textContent = t("console.error", {reason: Ank.errorText(r)});
				return;
			}
			toast(t("console.register.done", {nickname: nickname, sites: r.body.sites}), "applied");
			resetRegister();
		} catch (e) {
			err.textContent = t("console.conn.lost");
		} finally {
			$("reg-submit").disabled = false;
		}
	}

	function resetRegister() {
		$("register-form").reset();
		S.regConfirmTaken = null;
		$("reg-taken").hidden = true;
		$("reg-submit").textContent = t("console.register.submit");
		$("reg-error").textContent = "";
		$("reg-nickname").focus();
	}

	/* ---------- users and quarantine ---------- */

	function quarantineText(u) {
		if (!u.quarantine_until || Date.parse(u.quarantine_until) <= Date.now())
			return t("console.users.no_quarantine");
		return t("console.users.quarantined", {date: new Date(Date.parse(u.quarantine_until)).toLocaleDateString(Ank.lang)});
	}

	function userItem(u) {
		const dateId = "q-" + u.id;
		const date = el("input", {type: "date", id: dateId, "data-test": "quarantine-date",
		                          min: new Date().toISOString().slice(0, 10)});
		const msg = el("p", {class: "form-error", role: "alert"});
		const active = u.quarantine_until && Date.parse(u.quarantine_until) > Date.now();
		const gender = GENDER_SHORT[u.gender] || u.gender;
		return el("li", {class: "card user", "data-user": u.id},
			el("h3", {text: u.nickname}),
			el("p", {class: "muted", text: t("console.users.line", {
				birth_year: u.birth_year === null ? "—" : u.birth_year,
				gender: gender ? t("console.gender." + gender) : "—",
				municipality: municipalityName(u.municipality)})}),
			el("p", {text: u.consent_version ? t("console.users.consent", {version: u.consent_version})
			                                 : t("console.users.no_consent")}),
			el("p", {class: active ? "pill warn" : "", "data-test": "quarantine", text: quarantineText(u)}),
			el("div", {class: "quarantine-row"},
			   el("label", {for: dateId, text: t("console.users.until")}), date,
			   el("button", {type: "button", class: "btn", "data-test": "quarantine-set", text: t("console.users.set"),
			                 on: {click: () => {
				                 if (!date.value) {
					                 msg.textContent = t("console.users.date_missing");
					                 date.focus();
					                 return;
				                 }
				                 /* Until the end of the chosen day, this browser's time zone. */
				                 const end = new Date(date.value + "T23:59:59");
				                 setQuarantine(u, Ank.isoTime(end.getTime()), msg);
			                 }}}),
			   active ? el("button", {type: "button", class: "btn", "data-test": "quarantine-lift",
			                          text: t("console.users.lift"), on: {click: () => setQuarantine(u, null, msg)}}) : null),
			msg);
	}

	async function setQuarantine(u, until, msg) {
		let r;
		try {
			r = await Ank.api("POST", "/api/v1/users/" + enc(u.id) + "/quarantine", {until: until});
		} catch (e) {
			msg.textContent = t("console.conn.lost");
			return;
		}
		if (r.status === 401)
			return toLogin();
		if (!r.ok) {
			msg.textContent = t("console.error", {reason: Ank.errorText(r)});
			return;
		}
		toast(until ? t("console.users.set_done", {nickname: u.nickname}) : t("console.users.lift_done", {nickname: u.nickname}),
		      "applied");
		u.quarantine_until = r.body.until === undefined ? until : r.body.until;
		const old = document.querySelector('[data-user="' + CSS.escape(u.id) + '"]');
		if (old)
			old.replaceWith(userItem(u));
	}

	async function searchUsers(ev) {
		ev.preventDefault();
		const q = $("users-q").value.trim(), msg = $("users-msg"), list = Ank.clear($("users-list"));
		if ((q.match(/[\p{L}\p{N}]/gu) || []).length < 2) {
			msg.textContent = t("console.users.too_short");
			return;
		}
		msg.textContent = t("console.users.searching");
		let r;
		try {
			r = await findUsers(q, false);
		} catch (e) {
			msg.textContent = t("console.conn.lost");
			return;
		}
		if (!r.ok || !r.body || !Array.isArray(r.body.users)) {
			msg.textContent = t("console.error", {reason: Ank.errorText(r)});
			return;
		}
		const users = r.body.users;
		msg.textContent = users.length ? Ank.tn(r.body.more ? "console.users.found_more" : "console.users.found",
		                                        users.length, {count: users.length})
		                                : t("console.users.none");
		users.forEach((u) => list.appendChild(userItem(u)));
	}

	/* ---------- views, language, help, shortcuts ---------- */

	const VIEWS = ["board", "register", "users"];

	function showView() {
		const name = (location.hash || "#board").slice(1);
		const view = VIEWS.includes(name) ? name : "board";
		for (const v of VIEWS)
			$("view-" + v).hidden = v !== view;
		document.querySelectorAll(".tabs a").forEach((a) => {
			if (a.getAttribute("data-view") === view)
				a.setAttribute("aria-current", "page");
			else
				a.removeAttribute("aria-current");
		});
		if (view === "register")
			$("reg-nickname").focus();
		else if (view === "users")
			$("users-q").focus();
	}

	function goView(v) {
		if (location.hash === "#" + v)
			showView();
		else
			location.hash = v;
	}

	async function setLang(lang) {
		await Ank.loadLang(lang);
		Ank.applyTexts(document);
		document.querySelectorAll("[data-lang]").forEach((b) =>
			b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === Ank.lang)));
		if (S.me)
			$("me").textContent = t("console.me", {user: S.me.user});
		reviewNote();
		notifyButton();
		buildRegister();
		if (S.regConfirmTaken)
			$("reg-submit").textContent = t("console.register.submit_anyway");
		render();
		if (!S.site)
			conn(t("console.site.pick"), "lost");
	}

	const SHORTCUTS = [
		{key: "n", text: "console.help.call_next", run: () => cmd("call_next", null, null)},
		{key: "/", text: "console.help.check", run: () => {
			$("check-input").focus();
			$("check-input").select();
		}},
		{key: "b", text: "console.help.board", run: () => goView("board")},
		{key: "r", text: "console.help.register", run: () => goView("register")},
		{key: "u", text: "console.help.users", run: () => goView("users")},
		{key: "o", text: "console.help.overdose", run: () => overdoseDialog("")},
		{key: "f", text: "console.help.freeze", run: () => (S.queue && S.queue.frozen ? null : freezeAsk())},
		{key: "?", text: "console.help.help", run: () => helpDialog()},
	];

	function helpDialog() {
		openDialog(t("console.help.title"), [
			el("dl", {class: "shortcuts"}, SHORTCUTS.map((s) => [el("dt", {}, el("kbd", {text: s.key.toUpperCase()})),
			                                                      el("dd", {text: t(s.text)})])),
			el("p", {class: "hint", text: t("console.help.tab")})],
		           [{text: t("console.close"), cls: "primary", test: "dlg-ok"}]);
	}

	/* Keys outside a field: a shortcut, unless they come as fast as a scanner types; then
	 * they are a ticket reference for the ticket check (Enter ends it). */
	const scan = {buf: "", last: 0, timer: null};

	function onKey(ev) {
		if (ev.ctrlKey || ev.metaKey || ev.altKey || $("dlg").open)
			return;
		const tag = ev.target && ev.target.tagName;
		if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (ev.target && ev.target.isContentEditable))
			return;
		const now = Date.now();
		if (ev.key === "Enter" && scan.buf.length >= SCAN_MIN_LEN && now - scan.last < 4 * SCAN_GAP_MS) {
			ev.preventDefault();
			const ref = scan.buf;
			scan.buf = "";
			$("check-input").value = ref;
			checkTicket(ref);
			return;
		}
		if (ev.key.length !== 1)
			return;
		if (now - scan.last < SCAN_GAP_MS) {
			scan.buf += ev.key;
			if (scan.timer) {
				clearTimeout(scan.timer);
				scan.timer = null;
			}
		} else {
			scan.buf = ev.key;
		}
		scan.last = now;
		const sc = SHORTCUTS.find((s) => s.key === ev.key.toLowerCase() || s.key === ev.key);
		if (!sc || scan.buf.length > 1)
			return;
		ev.preventDefault();
		scan.timer = setTimeout(() => {
			scan.timer = null;
			if (scan.buf.length === 1)
				sc.run();
		}, SHORTCUT_DELAY_MS);
	}

	function toLogin() {
		S.pollGen++;
		window.location.assign("/staff/login");
	}

	async function logout() {
		try {
			await Ank.api("POST", "/api/v1/logout", {});
		} finally {
			Ank.csrf = null;
			toLogin();
		}
	}

	/* How many of the console's texts in its language no native speaker has approved yet
	 * (PO "fuzzy"): said, never hidden. */
	function reviewNote() {
		const note = $("review-note");
		const me = Ank.pending.length;
		const l = S.languages.find((x) => x.lang === Ank.lang);
		const total = l ? l.total : 0;
		note.hidden = me === 0;
		note.textContent = me ? t("console.review.pending", {pending: me, total: total || "?"}) : "";
		note.title = S.languages.filter((x) => x.pending > 0)
			.map((x) => `${x.name}: ${x.pending}/${x.total}`).join(" · ");
	}

	async function loadLists() {
		const [m, l] = await Promise.all([
			Ank.api("GET", "/api/v1/municipalities").catch(() => null),
			Ank.api("GET", "/api/v1/i18n").catch(() => null)]);
		S.municipalities = m && m.ok && m.body && Array.isArray(m.body.municipalities) ? m.body.municipalities : [];
		S.languages = l && l.ok && l.body && Array.isArray(l.body.languages) ? l.body.languages : [];
		buildRegister();
		reviewNote();
	}

	async function start() {
		await setLang(Ank.chosenLang());
		let me;
		try {
			me = await Ank.api("GET", "/api/v1/me");
		} catch (e) {
			conn(t("console.conn.lost"), "lost");
			return;
		}
		if (me.status === 401 || !me.ok || !me.body)
			return toLogin();
		S.me = me.body;
		Ank.csrf = me.body.csrf;
		$("me").textContent = t("console.me", {user: S.me.user});
		if (S.me.role === "admin") {
			$("site-form").hidden = false;
			const fromUrl = new URLSearchParams(location.search).get("site");
			S.site = fromUrl && /^[A-Za-z0-9_-]{1,63}$/.test(fromUrl) ? fromUrl : null;
			$("site-input").value = S.site || "";
		} else {
			S.site = S.me.site;
		}
		loadLists();
		startPolling();
	}

	document.addEventListener("DOMContentLoaded", () => {
		document.querySelectorAll("[data-lang]").forEach((b) =>
			b.addEventListener("click", () => {
				Ank.rememberLang(b.getAttribute("data-lang"));
				setLang(b.getAttribute("data-lang"));
			}));
		$("logout-btn").addEventListener("click", logout);
		$("help-btn").addEventListener("click", helpDialog);
		$("notify-btn").addEventListener("click", () => {
			if ("Notification" in window && Notification.permission === "default")
				Notification.requestPermission().then(notifyButton, notifyButton);
		});
		$("check-form").addEventListener("submit", (ev) => {
			ev.preventDefault();
			checkTicket($("check-input").value.trim());
		});
		$("site-form").addEventListener("submit", (ev) => {
			ev.preventDefault();
			const v = $("site-input").value.trim();
			S.site = /^[A-Za-z0-9_-]{1,63}$/.test(v) ? v : null;
			const url = new URL(location.href);
			if (S.site)
				url.searchParams.set("site", S.site);
			else
				url.searchParams.delete("site");
			history.replaceState(null, "", url.toString());
			startPolling();
		});
		$("register-form").addEventListener("submit", submitRegister);
		$("reg-nickname").addEventListener("input", () => {
			S.regConfirmTaken = null;
			$("reg-taken").hidden = true;
			$("reg-submit").textContent = t("console.register.submit");
		});
		$("users-form").addEventListener("submit", searchUsers);
		/* Audio may only start after a user gesture: make it ready on the first one. */
		document.addEventListener("pointerdown", ensureAudio, {once: true});
		document.addEventListener("keydown", ensureAudio, {once: true});
		document.addEventListener("keydown", onKey);
		window.addEventListener("hashchange", showView);
		showView();
		setInterval(tick, 1000);
		start();
	});
})();
