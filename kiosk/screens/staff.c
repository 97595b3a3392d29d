/* Screens "staff_pin" (PIN pad with lockout) and "staff" (call next, station states,
 * emergency freeze) so a site keeps running on the kiosk alone. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ank_time.h"
#include "store.h"
#include "wire.h"
#include "screens.h"

/* Sizes on these screens. */
#define PIN_FIELD_H      120 /* the dots of the PIN typed */
#define PIN_MESSAGE_H    80  /* wrong PIN or locked; kept empty otherwise so the pad stays put */
#define PIN_KEY_H        150 /* a PIN pad key */
#define FROZEN_H         70  /* the "frozen" notice */
#define STATION_ROW_H    110 /* one station: its state and its buttons */
#define STATION_TEXT_PCT 40  /* the station text's share of the row */
#define PAGER_H          110 /* previous / page x of y / next, when the rows need pages */
#define ASK_H            260 /* the freeze question */
#define ROW_ACTS_MAX     3   /* most buttons one row shows */
#define NO_SHOW_MAX      12  /* today's no-shows listed for requeue, newest first */
#define ROW_MIN_W        900 /* a row narrower than this squeezes its buttons: one column */
#define HELP_MAX         3   /* open help requests listed, oldest first (one is the rule) */

static bool pin_ok(app *a)
{
	/* Degraded mode may have no database to read the config from: then the hash main
	 * found for it (the --config file, or the database read without writing). */
	const ank_site_config *cfg = a->q ? ank_queue_config(a->q) : NULL;
	const char *hash = cfg ? cfg->staff_pin_hash : a->pin_hash;
	if (!hash[0])
		return false; /* no PIN configured: staff mode is off */
	return crypto_pwhash_str_verify(hash, a->pin, strlen(a->pin)) == 0;
}

screen_id staff_pin_frame(app *a)
{
	ui *u = &a->ui;
	ui_rect c = screen_body(a, "staff_pin.title", tr(a, "staff.pin_title"));
	/* One bullet (U+2022, which Noto Sans has; U+25CF drew as an empty box) and a space per
	 * digit typed: 4 bytes each. */
	char dots[APP_PIN_MAX_DIGITS * 4 + 1] = "";
	for (size_t i = 0; i < strlen(a->pin) && i < APP_PIN_MAX_DIGITS; i++)
		memcpy(dots + i * 4, "\u2022 ", 5);
	ui_field(u, "staff_pin.field", take_top(&c, PIN_FIELD_H), dots, UI_FONT_LARGE);
	char buf[128];
	bool locked = a->now < a->pin_locked_until;
	if (locked) {
		char mins[24];
		long minutes = (long)((a->pin_locked_until - a->now + 59999) / 60000);
		snprintf(mins, sizeof mins, "%ld", minutes);
		const char *args[] = {"minutes", mins, NULL};
		ui_label(u, "staff_pin.locked", take_top(&c, PIN_MESSAGE_H),
		         trfn(a, "staff.locked", minutes, args, buf, sizeof buf), UI_FONT_BODY,
		         THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	} else if (a->pin_wrong) {
		char left[24];
		snprintf(left, sizeof left, "%d", APP_PIN_MAX_TRIES - a->pin_fails);
		const char *args[] = {"left", left, NULL};
		ui_label(u, "staff_pin.wrong", take_top(&c, PIN_MESSAGE_H),
		         trfn(a, "staff.wrong_pin", APP_PIN_MAX_TRIES - a->pin_fails, args, buf,
		              sizeof buf),
		         UI_FONT_BODY, THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	} else {
		take_top(&c, PIN_MESSAGE_H);
	}
	/* The pad's keys are PIN_KEY_H tall where there is room, shorter (never under a main
	 * target) in landscape under a drug alert. */
	int key_h = (c.h - 3 * THEME_GAP) / 4;
	if (key_h > PIN_KEY_H)
		key_h = PIN_KEY_H;
	if (key_h < THEME_TARGET_MAIN * 2 / 3)
		key_h = THEME_TARGET_MAIN * 2 / 3;
	ui_rect pad = take_top(&c, 4 * key_h + 3 * THEME_GAP);
	pad.x += pad.w / 6;
	pad.w = pad.w * 2 / 3;
	static const char *const keys[12] = {"1", "2", "3", "4",      "5", "6",
	                                     "7", "8", "9", "cancel", "0", "ok"};
	for (int i = 0; i < 12; i++) {
		char id[UI_ID_MAX];
		bool digit = keys[i][1] == '\0';
		snprintf(id, sizeof id, digit ? "staff_pin.key.%s" : "staff_pin.%s", keys[i]);
		const char *label = digit ? keys[i] : (i == 9 ? tr(a, "common.back") : "OK");
		/* The pad keeps phone order in every language. */
		ui_rect cell = grid_cell(pad, 3, 4, i, THEME_GAP);
		if (u->rtl)
			cell.x = u->w - cell.x - cell.w;
		if (!ui_button(u, id, cell, label, digit ? UI_STYLE_KEY : UI_STYLE_CARD))
			continue;
		if (i == 9) {
			sodium_memzero(a->pin, sizeof a->pin);
			app_reset(a);
			return SCREEN_WELCOME;
		}
		if (locked)
			continue;
		size_t len = strlen(a->pin);
		if (digit && len < APP_PIN_MAX_DIGITS) {
			a->pin[len] = keys[i][0];
			a->pin[len + 1] = '\0';
		} else if (!digit) {
			bool good = pin_ok(a);
			sodium_memzero(a->pin, sizeof a->pin);
			if (good) {
				a->pin_fails = 0;
				a->pin_wrong = false;
				return SCREEN_STAFF;
			}
			a->pin_wrong = true;
			if (++a->pin_fails >= APP_PIN_MAX_TRIES) {
				a->pin_locked_until = a->now + APP_PIN_LOCK_MS;
				a->pin_fails = 0;
			}
		}
	}
	return SCREEN_STAFF_PIN;
}

/* What a staff-mode command was, for its staff.action event. */
typedef struct pin_action {
	ank_cmd_type type;
	const char *station;
	int64_t ticket, now;
} pin_action;

/* Inside the command's transaction: the staff.action event that central's audit log notes
 * as a "kiosk PIN" action (the PIN is the site's, so the kiosk is all it can name). */
static int pin_action_event(void *ctx, ank_store *st, int64_t affected, ank_err *err)
{
	const pin_action *p = ctx;
	json_t *payload = json_pack("{s:s}", ANK_FN(TYPE), ank_cmd_code(p->type));
	int64_t ticket = p->ticket ? p->ticket : affected;
	if (payload && ticket)
		json_object_set_new(payload, ANK_FN(TICKET), json_integer(ticket));
	if (payload && p->station)
		json_object_set_new(payload, ANK_FN(STATION), json_string(p->station));
	return ank_store_outbox_append(st, ANK_EV_STAFF_ACTION, p->now, payload, err);
}

static void command(app *a, ank_cmd_type type, const char *station, int64_t ticket)
{
	pin_action pa = {.type = type, .station = station, .ticket = ticket, .now = a->now};
	ank_cmd cmd = {.type = type,
	               .ticket_id = ticket,
	               .station_id = station,
	               .in_tx = pin_action_event,
	               .in_tx_ctx = &pa};
	ank_err err;
	ank_store_take_error(ank_queue_store(a->q)); /* only this command's failure counts */
	ank_q_rc rc = ank_queue_command(a->q, &cmd, a->now, NULL, &err);
	if (rc == ANK_Q_E_DB)
		app_db_failed(a, "staff command", &err);
	/* A refusal is said on the screen, else a tap that did nothing looks like a fault. */
	a->staff_refused = rc == ANK_Q_OK           ? NULL
	                   : rc == ANK_Q_E_TOO_SOON ? "staff.refused_too_soon"
	                   : rc == ANK_Q_E_FROZEN   ? "staff.refused_frozen"
	                   : rc == ANK_Q_E_NO_STATION || rc == ANK_Q_E_NOT_FOUND
	                           ? "staff.refused_none"
	                           : "staff.refused";
	ank_sync_nudge(a->sync);
	a->dirty = true;
}

/* The site database's trouble, for staff only: degraded mode's reason and the last write
 * that failed, with its local time. Nothing when all is well. */
static void db_lines(app *a, ui_rect *c)
{
	char text[512] = "", part[256];
	if (a->degraded) {
		const char *args[] = {"reason", a->degraded_why, NULL};
		snprintf(text, sizeof text, "%s",
		         trf(a, "staff.db_stopped", args, part, sizeof part));
	}
	if (a->write_failed_ms) {
		struct tm tm;
		char hhmm[8];
		ank_local_tm(a->write_failed_ms, &tm);
		ank_hhmm_format(tm.tm_hour * 60 + tm.tm_min, hhmm);
		const char *args[] = {"time", hhmm, "reason", a->write_failed_why, NULL};
		snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s",
		         text[0] ? "\n" : "",
		         trf(a, "staff.db_write_failed", args, part, sizeof part));
	}
	if (!text[0])
		return;
	/* As tall as the text: a long SQLite reason wraps, and nothing may hide it. */
	int h = ui_text_height(&a->ui, c->w, c->h, text, UI_FONT_BODY, UI_TEXT_BLOCK);
	ui_label(&a->ui, "staff.db", take_top(c, h), text, UI_FONT_BODY, THEME_TEXT, UI_TEXT_BLOCK);
}

/* The printer, for staff only: its fault ("Printer: no paper") or the near-end warning, or
 * that it is ready, and a button that checks it now (a check prints nothing). Nothing at a
 * site without a printer. */
static void printer_line(app *a, ui_rect *c)
{
	if (!app_print_wanted(a))
		return;
	const ank_print_state *st = &a->printer_state;
	char key[64], text[320];
	const char *line;
	if (st->last_rc != ANK_PRINT_OK) {
		snprintf(key, sizeof key, "staff.printer.%s", ank_print_code(st->last_rc));
		const char *args[] = {"reason", tr(a, key), NULL};
		line = trf(a, "staff.printer_fault", args, text, sizeof text);
	} else if (st->near_end) {
		line = tr(a, "staff.printer_near_end");
	} else {
		line = tr(a, st->last_ms ? "staff.printer_ready" : "staff.printer_unknown");
	}
	ui_rect row = take_top(c, THEME_TARGET_MAIN);
	ui_rect check = row;
	check.w = row.w / 3;
	check.x = row.x + row.w - check.w;
	row.w -= check.w + THEME_GAP;
	ui_label(&a->ui, "staff.printer", row, line, UI_FONT_BODY, THEME_TEXT,
	         UI_TEXT_MIDDLE | UI_TEXT_BLOCK);
	if (ui_button(&a->ui, "staff.printer_check", check, tr(a, "staff.printer_check"),
	              UI_STYLE_CARD))
		app_print_check(a);
	/* The last ticket the printer did not print and its user kept: printed again only when
	 * staff ask. */
	if (a->reprint_ticket) {
		const char *args[] = {"ticket", a->reprint_label, NULL};
		char label[160];
		if (ui_button(&a->ui, "staff.printer_reprint", take_top(c, THEME_TARGET_MAIN),
		              trf(a, "staff.printer_reprint", args, label, sizeof label),
		              UI_STYLE_CARD))
			app_print_reprint(a);
	}
}

/* The link to central, for staff only and in small text: users never see an alarm about
 * the network, since the kiosk works the same without it. */
static void sync_line(app *a, ui_rect r)
{
	if (!a->sync)
		return;
	ank_sync_status st;
	ank_sync_status_get(a->sync, &st);
	char text[256], part[128], n[24];
	snprintf(text, sizeof text, "%s", tr(a, st.online ? "staff.online" : "staff.offline"));
	if (st.pending > 0) {
		snprintf(n, sizeof n, "%lld", (long long)st.pending);
		const char *args[] = {"count", n, NULL};
		snprintf(text + strlen(text), sizeof text - strlen(text), " · %s",
		         trf(a, "staff.unsent", args, part, sizeof part));
	}
	if (st.skewed) {
		long long m = (long long)((st.skew_ms < 0 ? -st.skew_ms : st.skew_ms) / 60000);
		snprintf(n, sizeof n, "%lld", m);
		const char *args[] = {"minutes", n, NULL};
		snprintf(text + strlen(text), sizeof text - strlen(text), " · %s",
		         trf(a, "staff.clock_skew", args, part, sizeof part));
	}
	ui_label(&a->ui, "staff.sync", r, text, UI_FONT_BODY, THEME_TEXT,
	         UI_TEXT_MIDDLE | UI_TEXT_CENTER);
}

/* One button of a row: its id suffix, its catalog key and the command it sends. */
typedef struct row_act {
	const char *suffix, *key;
	ank_cmd_type cmd;
} row_act;

/* The commands that fit a station's state (the queue refuses any other): a called ticket
 * starts, is called again or did not come; a session ends; a free station calls the next
 * ticket or closes; a cleaned or closed station opens again. Returns how many. */
static int station_acts(const ank_station *s, row_act out[ROW_ACTS_MAX])
{
	switch (s->state) {
	case ANK_SS_RESERVED:
		out[0] = (row_act){"start", "staff.start", ANK_CMD_START};
		out[1] = (row_act){"recall", "staff.recall", ANK_CMD_RECALL};
		out[2] = (row_act){"no_show", "staff.no_show", ANK_CMD_NO_SHOW};
		return 3;
	case ANK_SS_OCCUPIED:
		out[0] = (row_act){"end", "staff.end", ANK_CMD_END};
		return 1;
	case ANK_SS_FREE:
		out[0] = (row_act){"call", "staff.call", ANK_CMD_CALL_NEXT};
		out[1] = (row_act){"close", "staff.set_closed", ANK_CMD_CLOSE_STATION};
		return 2;
	case ANK_SS_CLEANING:
		out[0] = (row_act){"free", "staff.set_free", ANK_CMD_CLEANING_DONE};
		out[1] = (row_act){"close", "staff.set_closed", ANK_CMD_CLOSE_STATION};
		return 2;
	case ANK_SS_CLOSED:
		out[0] = (row_act){"open", "staff.open", ANK_CMD_OPEN_STATION};
		return 1;
	case ANK_SS_COUNT:
		break;
	}
	return 0;
}

/* The buttons of one row, right of its text, each in a cell of a fixed width so the
 * same command sits in the same place on every row. */
static ui_rect row_buttons(ui_rect row)
{
	return (ui_rect){row.x + row.w * STATION_TEXT_PCT / 100, row.y,
	                 row.w * (100 - STATION_TEXT_PCT) / 100, row.h};
}

static void station_row(app *a, ui_rect row, const ank_station_view *v)
{
	ui *u = &a->ui;
	const ank_station *s = &v->station;
	char id[UI_ID_MAX], text[160];
	static const char *const alerts[] = {"", " !", " !!"};
	char state_key[32];
	snprintf(state_key, sizeof state_key, "station.%s", ank_station_state_code(s->state));
	/* Minutes matter for a call or a session (the timer staff watch), not for an idle
	 * station. */
	bool timed = s->state == ANK_SS_RESERVED || s->state == ANK_SS_OCCUPIED;
	long long mins = v->elapsed_ms > 0 ? (long long)(v->elapsed_ms / 60000) : 0;
	if (timed)
		snprintf(text, sizeof text, "%s  %s  %s  %lld min%s", s->label, tr(a, state_key),
		         v->ticket_label, mins, alerts[v->alert]);
	else
		snprintf(text, sizeof text, "%s  %s", s->label, tr(a, state_key));
	snprintf(id, sizeof id, "staff.station.%s", s->id);
	ui_label(u, id, (ui_rect){row.x, row.y, row.w * STATION_TEXT_PCT / 100, row.h}, text,
	         UI_FONT_BODY, THEME_TEXT, UI_TEXT_MIDDLE);
	row_act acts[ROW_ACTS_MAX];
	int n = station_acts(s, acts);
	for (int k = 0; k < n; k++) {
		snprintf(id, sizeof id, "staff.station.%s.%s", s->id, acts[k].suffix);
		if (ui_button(u, id, grid_cell(row_buttons(row), ROW_ACTS_MAX, 1, k, THEME_GAP),
		              tr(a, acts[k].key), k == 0 ? UI_STYLE_PRIMARY : UI_STYLE_CARD))
			command(a, acts[k].cmd, s->id, s->ticket_id);
	}
}

/* A ticket that did not come today, with the button that puts it back in line at its
 * old place. */
static void no_show_row(app *a, ui_rect row, const ank_ticket *t)
{
	char id[UI_ID_MAX], text[160];
	snprintf(text, sizeof text, "%s  %s", t->label, tr(a, "staff.no_shows"));
	snprintf(id, sizeof id, "staff.no_show.%s", t->label);
	ui_label(&a->ui, id, (ui_rect){row.x, row.y, row.w * STATION_TEXT_PCT / 100, row.h}, text,
	         UI_FONT_BODY, THEME_TEXT, UI_TEXT_MIDDLE);
	snprintf(id, sizeof id, "staff.no_show.%s.requeue", t->label);
	/* Two cells wide: the label is longer than a station's commands. */
	ui_rect b = grid_cell(row_buttons(row), ROW_ACTS_MAX, 1, 0, THEME_GAP);
	b.w = b.w * 2 + THEME_GAP;
	if (ui_button(&a->ui, id, b, tr(a, "staff.requeue"), UI_STYLE_CARD))
		command(a, ANK_CMD_REQUEUE, NULL, t->id);
}

/* The open help requests ("call staff" from the nickname screen), each with when it was
 * asked and "done", which closes it here and tells central (help.answered). */
static void help_rows(app *a, ui_rect *c)
{
	ank_help open[HELP_MAX];
	int n = 0;
	ank_err err;
	if (ank_queue_help_open(a->q, a->now, open, HELP_MAX, &n, &err) != ANK_Q_OK)
		return;
	for (int i = 0; i < n; i++) {
		ui_rect row = take_top(c, STATION_ROW_H);
		struct tm tm;
		char hhmm[8], text[160], id[UI_ID_MAX];
		ank_local_tm(open[i].asked_ms, &tm);
		ank_hhmm_format(tm.tm_hour * 60 + tm.tm_min, hhmm);
		const char *args[] = {"time", hhmm, NULL};
		snprintf(id, sizeof id, "staff.help.%lld", (long long)open[i].id);
		ui_label(&a->ui, id, (ui_rect){row.x, row.y, row.w * STATION_TEXT_PCT / 100, row.h},
		         trf(a, "staff.help_row", args, text, sizeof text), UI_FONT_BODY,
		         THEME_TEXT, UI_TEXT_MIDDLE | UI_TEXT_BOLD);
		snprintf(id, sizeof id, "staff.help.%lld.done", (long long)open[i].id);
		if (!ui_button(&a->ui, id,
		               grid_cell(row_buttons(row), ROW_ACTS_MAX, 1, 0, THEME_GAP),
		               tr(a, "staff.help_done"), UI_STYLE_PRIMARY))
			continue;
		ank_store_take_error(ank_queue_store(a->q));
		if (ank_queue_help_answer(a->q, open[i].id, a->now, &err) == ANK_Q_E_DB)
			app_db_failed(a, "help answered", &err);
		ank_sync_nudge(a->sync);
		a->dirty = true;
	}
}

/* Freeze stops the queue for everyone, so the screen asks first; no changes nothing. */
static void ask_freeze(app *a, ui_rect c)
{
	ui *u = &a->ui;
	ui_label(u, "staff.freeze_ask", take_top(&c, ASK_H), tr(a, "staff.freeze_ask"),
	         UI_FONT_LARGE, THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
	ui_rect btns = take_top(&c, THEME_TARGET_MAIN);
	if (ui_button(u, "staff.freeze_yes", grid_cell(btns, 2, 1, 0, THEME_GAP),
	              tr(a, "staff.yes"), UI_STYLE_PRIMARY)) {
		a->staff_ask_freeze = false;
		command(a, ANK_CMD_FREEZE, NULL, 0);
	}
	if (ui_button(u, "staff.freeze_no", grid_cell(btns, 2, 1, 1, THEME_GAP), tr(a, "staff.no"),
	              UI_STYLE_CARD)) {
		a->staff_ask_freeze = false;
		a->staff_refused = NULL;
		a->dirty = true;
	}
}

/* Previous and next page, with "page x of y" between them. */
static void pager(app *a, ui_rect r, int pages)
{
	ui *u = &a->ui;
	char buf[64], page[12], of[12];
	snprintf(page, sizeof page, "%d", a->staff_page + 1);
	snprintf(of, sizeof of, "%d", pages);
	const char *args[] = {"page", page, "pages", of, NULL};
	ui_label(u, "staff.page", grid_cell(r, 3, 1, 1, THEME_GAP),
	         trf(a, "staff.page", args, buf, sizeof buf), UI_FONT_BODY, THEME_TEXT,
	         UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	if (a->staff_page > 0 && ui_button(u, "staff.page_prev", grid_cell(r, 3, 1, 0, THEME_GAP),
	                                   tr(a, "staff.prev"), UI_STYLE_CARD)) {
		a->staff_page--;
		a->dirty = true;
	}
	if (a->staff_page < pages - 1 &&
	    ui_button(u, "staff.page_next", grid_cell(r, 3, 1, 2, THEME_GAP), tr(a, "staff.next"),
	              UI_STYLE_CARD)) {
		a->staff_page++;
		a->dirty = true;
	}
}

screen_id staff_frame(app *a)
{
	ui *u = &a->ui;
	ui_rect c = screen_body(a, "staff.title", tr(a, "staff.title"));
	db_lines(a, &c);
	printer_line(a, &c);
	ui_rect exit = take_bottom(&c, THEME_TARGET_MAIN);
	exit.w /= 2;
	sync_line(a, (ui_rect){exit.x + exit.w, exit.y, exit.w, exit.h});
	if (ui_icon_button(u, "staff.exit", exit, "back", tr(a, "staff.exit"), UI_STYLE_QUIET)) {
		app_reset(a);
		return SCREEN_WELCOME;
	}
	if (!a->q)
		return SCREEN_STAFF; /* degraded with no database open: nothing to act on */
	if (a->staff_ask_freeze) {
		ask_freeze(a, c);
		return SCREEN_STAFF;
	}
	bool frozen = false;
	ank_err err;
	ank_queue_frozen(a->q, &frozen, &err);
	ui_rect top = take_top(&c, THEME_TARGET_MAIN);
	if (ui_button(u, "staff.call_next", grid_cell(top, 2, 1, 0, THEME_GAP),
	              tr(a, "staff.call_next"), UI_STYLE_PRIMARY))
		command(a, ANK_CMD_CALL_NEXT, NULL, 0);
	if (ui_button(u, frozen ? "staff.resume" : "staff.freeze",
	              grid_cell(top, 2, 1, 1, THEME_GAP),
	              tr(a, frozen ? "staff.resume" : "staff.freeze"), UI_STYLE_CARD)) {
		if (frozen) {
			command(a, ANK_CMD_RESUME, NULL, 0);
		} else {
			a->staff_ask_freeze = true;
			a->dirty = true;
		}
	}
	if (frozen)
		ui_label(u, "staff.frozen", take_top(&c, FROZEN_H), tr(a, "staff.frozen"),
		         UI_FONT_LARGE, THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_BOLD);
	if (a->staff_refused)
		ui_label(u, "staff.refused", take_top(&c, FROZEN_H), tr(a, a->staff_refused),
		         UI_FONT_BODY, THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	help_rows(a, &c);
	/* One list of rows, the stations and then today's no-shows, on pages when it does
	 * not fit: every station can be reached in portrait and landscape. */
	ank_station_view v[ANK_MAX_STATIONS];
	ank_ticket gone[NO_SHOW_MAX];
	int n = 0, n_gone = 0;
	ank_queue_stations(a->q, a->now, v, ANK_MAX_STATIONS, &n, &err);
	ank_queue_no_shows(a->q, a->now, gone, NO_SHOW_MAX, &n_gone, &err);
	int rows = n + n_gone;
	/* Each row takes its height and a gap (take_top); so does the pager. */
	/* A wide screen (landscape) puts rows in two columns. */
	int cols = c.w >= 2 * ROW_MIN_W + THEME_GAP ? 2 : 1;
	int per = (c.h + THEME_GAP) / (STATION_ROW_H + THEME_GAP) * cols;
	if (rows > per)
		per = (c.h - PAGER_H) / (STATION_ROW_H + THEME_GAP) * cols;
	if (per < 1)
		per = 1;
	int pages = (rows + per - 1) / per;
	if (a->staff_page >= pages)
		a->staff_page = pages > 0 ? pages - 1 : 0;
	if (pages > 1)
		pager(a, take_bottom(&c, PAGER_H), pages);
	int first = a->staff_page * per, per_col = per / cols;
	ui_rect col = c;
	for (int i = first; i < rows && i < first + per; i++) {
		int k = i - first;
		if (k % per_col == 0) /* a new column: down the left, then the right one */
			col = grid_cell(c, cols, 1, k / per_col, THEME_GAP);
		ui_rect row = take_top(&col, STATION_ROW_H);
		if (i < n)
			station_row(a, row, &v[i]);
		else
			no_show_row(a, row, &gone[i - n]);
	}
	return SCREEN_STAFF;
}
