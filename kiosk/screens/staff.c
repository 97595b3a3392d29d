/* Screens "staff_pin" (PIN pad with lockout) and "staff" (call next, station states,
 * emergency freeze) so a site keeps running on the kiosk alone. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ank_time.h"
#include "screens.h"

/* Sizes on these screens. */
#define PIN_FIELD_H      120 /* the dots of the PIN typed */
#define PIN_MESSAGE_H    80  /* wrong PIN or locked; kept empty otherwise so the pad stays put */
#define PIN_KEY_H        150 /* a PIN pad key */
#define FROZEN_H         70  /* the "frozen" notice */
#define STATION_ROW_H    110 /* one station: its state and its buttons */
#define STATION_TEXT_PCT 45  /* the station text's share of the row */

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
	char dots[APP_PIN_MAX_DIGITS * 4 + 1] = "";
	for (size_t i = 0; i < strlen(a->pin); i++)
		memcpy(dots + i * 3, "●", 4);
	ui_field(u, "staff_pin.field", take_top(&c, PIN_FIELD_H), dots, UI_FONT_LARGE);
	char buf[128];
	bool locked = a->now < a->pin_locked_until;
	if (locked) {
		char mins[24];
		snprintf(mins, sizeof mins, "%lld",
		         (long long)((a->pin_locked_until - a->now + 59999) / 60000));
		const char *args[] = {"minutes", mins, NULL};
		ui_label(u, "staff_pin.locked", take_top(&c, PIN_MESSAGE_H),
		         trf(a, "staff.locked", args, buf, sizeof buf), UI_FONT_BODY, THEME_TEXT,
		         UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	} else if (a->pin_wrong) {
		char left[24];
		snprintf(left, sizeof left, "%d", APP_PIN_MAX_TRIES - a->pin_fails);
		const char *args[] = {"left", left, NULL};
		ui_label(u, "staff_pin.wrong", take_top(&c, PIN_MESSAGE_H),
		         trf(a, "staff.wrong_pin", args, buf, sizeof buf), UI_FONT_BODY, THEME_TEXT,
		         UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	} else {
		take_top(&c, PIN_MESSAGE_H);
	}
	ui_rect pad = take_top(&c, 4 * PIN_KEY_H + 3 * THEME_GAP);
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

static void command(app *a, ank_cmd_type type, const char *station)
{
	ank_cmd cmd = {.type = type, .station_id = station};
	ank_err err;
	ank_store_take_error(ank_queue_store(a->q)); /* only this command's failure counts */
	if (ank_queue_command(a->q, &cmd, a->now, NULL, &err) == ANK_Q_E_DB)
		app_db_failed(a, "staff command", &err);
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
	ui_rect box = ui_mirror(&a->ui, (ui_rect){c->x, c->y, c->w, 0});
	int h = a->ui.r.text(a->ui.r.ctx, box, text, UI_FONT_BODY, THEME_TEXT,
	                     ui_text_flags(&a->ui, 0), false);
	ui_label(&a->ui, "staff.db", take_top(c, h), text, UI_FONT_BODY, THEME_TEXT, 0);
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

screen_id staff_frame(app *a)
{
	ui *u = &a->ui;
	ui_rect c = screen_body(a, "staff.title", tr(a, "staff.title"));
	db_lines(a, &c);
	ui_rect exit = take_bottom(&c, THEME_TARGET_MAIN);
	exit.w /= 2;
	sync_line(a, (ui_rect){exit.x + exit.w, exit.y, exit.w, exit.h});
	if (ui_icon_button(u, "staff.exit", exit, "back", tr(a, "staff.exit"), UI_STYLE_QUIET)) {
		app_reset(a);
		return SCREEN_WELCOME;
	}
	if (!a->q)
		return SCREEN_STAFF; /* degraded with no database open: nothing to act on */
	bool frozen = false;
	ank_err err;
	ank_queue_frozen(a->q, &frozen, &err);
	ui_rect top = take_top(&c, THEME_TARGET_MAIN);
	if (ui_button(u, "staff.call_next", grid_cell(top, 2, 1, 0, THEME_GAP),
	              tr(a, "staff.call_next"), UI_STYLE_PRIMARY))
		command(a, ANK_CMD_CALL_NEXT, NULL);
	if (ui_button(u, frozen ? "staff.resume" : "staff.freeze",
	              grid_cell(top, 2, 1, 1, THEME_GAP),
	              tr(a, frozen ? "staff.resume" : "staff.freeze"), UI_STYLE_CARD))
		command(a, frozen ? ANK_CMD_RESUME : ANK_CMD_FREEZE, NULL);
	if (frozen)
		ui_label(u, "staff.frozen", take_top(&c, FROZEN_H), tr(a, "staff.frozen"),
		         UI_FONT_LARGE, THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_BOLD);
	ank_station_view v[ANK_MAX_STATIONS];
	int n = 0;
	ank_queue_stations(a->q, a->now, v, ANK_MAX_STATIONS, &n, &err);
	for (int i = 0; i < n && c.h >= STATION_ROW_H; i++) {
		ui_rect row = take_top(&c, STATION_ROW_H);
		const ank_station *s = &v[i].station;
		char id[UI_ID_MAX], text[160];
		static const char *const alerts[] = {"", " !", " !!"};
		char state_key[32];
		snprintf(state_key, sizeof state_key, "station.%s",
		         ank_station_state_code(s->state));
		/* Minutes matter for a call or a session (the timer staff watch), not for an
		 * idle station. */
		bool timed = s->state == ANK_SS_RESERVED || s->state == ANK_SS_OCCUPIED;
		long long mins = v[i].elapsed_ms > 0 ? (long long)(v[i].elapsed_ms / 60000) : 0;
		if (timed)
			snprintf(text, sizeof text, "%s  %s  %s  %lld min%s", s->label,
			         tr(a, state_key), v[i].ticket_label, mins, alerts[v[i].alert]);
		else
			snprintf(text, sizeof text, "%s  %s", s->label, tr(a, state_key));
		snprintf(id, sizeof id, "staff.station.%s", s->id);
		ui_label(u, id, (ui_rect){row.x, row.y, row.w * STATION_TEXT_PCT / 100, row.h},
		         text, UI_FONT_BODY, THEME_TEXT, UI_TEXT_MIDDLE);
		ui_rect btns = {row.x + row.w * STATION_TEXT_PCT / 100, row.y,
		                row.w * (100 - STATION_TEXT_PCT) / 100, row.h};
		struct {
			const char *suffix, *key;
			ank_cmd_type cmd;
		} acts[3] = {{"free", "staff.set_free", ANK_CMD_CLEANING_DONE},
		             {"cleaning", "staff.set_cleaning", ANK_CMD_CLOSE_STATION},
		             {"close", "staff.set_closed", ANK_CMD_CLOSE_STATION}};
		/* What each button means depends on the state: free a cleaned or closed station,
		 * close a free one. */
		acts[0].cmd =
		        s->state == ANK_SS_CLOSED ? ANK_CMD_OPEN_STATION : ANK_CMD_CLEANING_DONE;
		for (int k = 0; k < 3; k++) {
			if (k == 1)
				continue; /* cleaning is set by the session's end */
			snprintf(id, sizeof id, "staff.station.%s.%s", s->id, acts[k].suffix);
			if (ui_button(u, id, grid_cell(btns, 2, 1, k == 0 ? 0 : 1, THEME_GAP),
			              tr(a, acts[k].key), UI_STYLE_CARD))
				command(a, acts[k].cmd, s->id);
		}
	}
	return SCREEN_STAFF;
}
