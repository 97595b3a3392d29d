/* Screen "welcome": languages by their own names, the check-in button, current waits
 * per route, today's opening hours, the drug alert and the house rules; idle between
 * visits, the information screens instead (infoscreen.c). */
#include <stdio.h>
#include <string.h>

#include "ank_time.h"
#include "screens.h"

/* Heights on this screen, portrait / landscape where they differ. */
#define TITLE_H             130 /* the welcome, larger than other titles */
#define TITLE_H_LANDSCAPE   100
#define SUBTITLE_H          70
#define CHECKIN_H           300 /* the check-in button: the biggest target of all */
#define CHECKIN_H_LANDSCAPE 200
/* Landscape: the title and check-in on the start side, waits, hours and rules beside. */
#define START_COLUMN_PCT 55

/* Today's hours as "08:30-23:30", or the all-day / closed text. */
static const char *hours_text(app *a, char *buf, size_t n)
{
	const ank_site_config *cfg = ank_queue_config(a->q);
	struct tm tm;
	ank_local_tm(a->now, &tm);
	const ank_hours *h = &cfg->hours[tm.tm_wday];
	/* Open past midnight on yesterday's hours (Friday 10:00-02:00 at Saturday 00:30): say
	 * until when, not today's hours. */
	int64_t until = ank_queue_open_until(cfg, a->now);
	int minute = tm.tm_hour * 60 + tm.tm_min;
	if (until > 0 && (h->open_min < 0 || minute < h->open_min)) {
		struct tm u;
		ank_local_tm(until, &u);
		char t[6];
		ank_hhmm_format(u.tm_hour * 60 + u.tm_min, t);
		const char *args[] = {"time", t, NULL};
		return trf(a, "welcome.open_until", args, buf, n);
	}
	if (h->open_min < 0)
		return tr(a, "welcome.closed_today");
	if (h->open_min == 0 && h->close_min == 1440)
		return tr(a, "welcome.open_all_day");
	char o[6], c[6], both[16];
	ank_hhmm_format(h->open_min, o);
	ank_hhmm_format(h->close_min, c);
	snprintf(both, sizeof both, "%s-%s", o, c);
	const char *args[] = {"hours", both, NULL};
	return trf(a, "welcome.hours_today", args, buf, n);
}

/* The text of a route's wait: minutes only when the queue calls by itself (ank_estimate). */
static const char *waiting_key(const ank_route_status *st)
{
	switch (st->estimate) {
	case ANK_EST_FROZEN:
		return "welcome.paused";
	case ANK_EST_STAFF_CALLS:
		return "welcome.waiting_staff";
	case ANK_EST_NO_STATION:
		return "welcome.no_station";
	default:
		return st->waiting == 0 && st->wait_min <= 0 ? "welcome.no_wait"
		                                             : "welcome.waiting";
	}
}

screen_id welcome_frame(app *a)
{
	/* Between visits, idle: the information screens rotate in its place. */
	if (infoscreen_due(a))
		return infoscreen_frame(a);
	ui *u = &a->ui;
	ui_rect c = content(a);
	int y = alert_band(a, 0);
	c.y = y + THEME_MARGIN;
	c.h = a->ui.h - c.y - THEME_MARGIN;
	/* Languages first and always visible: someone who cannot read this language can
	 * still find their own. */
	/* As many rows as the languages need (4 a row in portrait, 5 in landscape, where the
	 * rows are lower). */
	int offered[ANK_I18N_MAX_LANGS];
	int n = app_offered_languages(a, offered, ANK_I18N_MAX_LANGS);
	int per_row = portrait(a) ? 4 : 5;
	int lang_rows = n > 0 ? (n + per_row - 1) / per_row : 1;
	int row_h = portrait(a) || lang_rows == 1 ? THEME_TARGET_MAIN : THEME_LANG_ROW_H_LAND;
	ui_rect langs = take_top(&c, lang_rows * row_h + (lang_rows - 1) * THEME_GAP);
	/* The top-left corner of the screen is the staff hold (app_touch), in either direction:
	 * the row keeps clear of it, so a hold there never picks a language. A right-to-left
	 * layout is mirrored when drawn, so there the row's logical end is the left. */
	if (langs.y < APP_STAFF_CORNER && langs.x < APP_STAFF_CORNER) {
		int skip = APP_STAFF_CORNER - langs.x;
		/* The space left is where the row's globe goes: a pictogram (not a button) that
		 * says "languages" to someone who cannot read the names. */
		int side = THEME_LINE_ICON < skip - THEME_GAP ? THEME_LINE_ICON : skip - THEME_GAP;
		a->ui.r.icon(a->ui.r.ctx,
		             (ui_rect){langs.x + (skip - THEME_GAP - side) / 2,
		                       langs.y + (row_h - side) / 2, side, side},
		             "language", THEME_TEXT);
		if (!a->ui.rtl)
			langs.x += skip;
		langs.w -= skip;
	}
	for (int i = 0; i < n; i++) {
		char id[UI_ID_MAX];
		const char *code = ank_i18n_code(a->i18n, offered[i]);
		snprintf(id, sizeof id, "welcome.lang.%s", code);
		ui_style st = strcmp(code, a->lang) ? UI_STYLE_CARD : UI_STYLE_PRIMARY;
		int cols = n < per_row ? n : per_row;
		if (ui_button(u, id, grid_cell(langs, cols, lang_rows, i, THEME_GAP),
		              ank_i18n_name(a->i18n, offered[i]), st))
			app_choose_language(a, code);
	}
	c.y += THEME_GAP;
	/* Portrait stacks everything; landscape has the height for the title and the check-in
	 * only, so the information goes into a column of its own at the end side. */
	ui_rect info = c;
	if (!portrait(a)) {
		c.w = c.w * START_COLUMN_PCT / 100;
		info.x = c.x + c.w + 2 * THEME_GAP;
		info.w -= c.w + 2 * THEME_GAP;
	}
	ui_rect title = take_top(&c, portrait(a) ? TITLE_H : TITLE_H_LANDSCAPE);
	/* "Read aloud" at the end of the title's band, as on every step; the title gives up
	 * as much at both ends so it stays centred. */
	speak_button(a, (ui_rect){title.x + title.w - THEME_LANG_BUTTON_W, title.y,
	                          THEME_LANG_BUTTON_W, title.h});
	title.x += THEME_LANG_BUTTON_W + THEME_GAP;
	title.w -= 2 * (THEME_LANG_BUTTON_W + THEME_GAP);
	ui_label(u, "welcome.title", title, tr(a, "welcome.title"), UI_FONT_TITLE, THEME_TEXT,
	         UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
	ui_label(u, "welcome.subtitle", take_top(&c, SUBTITLE_H), tr(a, "welcome.subtitle"),
	         UI_FONT_BODY, THEME_MUTED, UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	ui_mark(u, "welcome.title", UI_SPEECH_PROMPT);
	ui_mark(u, "welcome.subtitle", UI_SPEECH_PROMPT);
	c.y += THEME_GAP;
	ui_rect go = take_top(&c, portrait(a) ? CHECKIN_H : CHECKIN_H_LANDSCAPE);
	if (!portrait(a)) { /* as tall as in portrait when the column has the room */
		int room = c.y + c.h - go.y;
		go.h = room < CHECKIN_H ? (room > go.h ? room : go.h) : CHECKIN_H;
	} else {
		info = c;
	}
	screen_id next = SCREEN_WELCOME;
	const ank_site_config *cfg = ank_queue_config(a->q);
	/* Closed: say so and when it opens before anyone types a name, and offer no check-in
	 * that could only end in a refusal (nor waits for a queue no one is served from). */
	bool open = ank_queue_is_open(cfg, a->now);
	if (!open) {
		char ob[256];
		ui_rect half = go;
		half.h = go.h / 2;
		ui_label(u, "welcome.closed_now", half, tr(a, "welcome.closed_now"), UI_FONT_TITLE,
		         THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
		half.y += half.h;
		ui_label(u, "welcome.opens", half, opens_text(a, ob, sizeof ob), UI_FONT_LARGE,
		         THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BLOCK);
		ui_mark(u, "welcome.closed_now", UI_SPEECH_PROMPT);
		ui_mark(u, "welcome.opens", UI_SPEECH_PROMPT);
	} else if (ui_icon_button(u, "welcome.checkin", go, "check", tr(a, "welcome.checkin"),
	                          UI_STYLE_PRIMARY)) {
		app_reset_keep_language(a);
		next = SCREEN_NICKNAME;
	}
	ui_rect rules = take_bottom(&info, THEME_TARGET_MAIN);
	if (portrait(a))
		rules.w = rules.w / 2;
	if (ui_icon_button(u, "welcome.rules", rules, "rules", tr(a, "welcome.rules"),
	                   UI_STYLE_CARD))
		next = SCREEN_RULES;
	/* Waiting now, per route offered. */
	for (int r = 0; open && r < ANK_ROUTE_COUNT; r++) {
		ank_route_status st;
		ank_err err;
		if (!cfg->routes[r] ||
		    ank_queue_route_status(a->q, (ank_route)r, a->now, &st, &err))
			continue;
		char count[24], minutes[24], buf[256], id[UI_ID_MAX];
		snprintf(count, sizeof count, "%d", st.waiting);
		snprintf(minutes, sizeof minutes, "%d", st.wait_min < 0 ? 0 : st.wait_min);
		const char *route = tr(a, r == ANK_ROUTE_INJECT ? "route.inject" : "route.smoke");
		const char *args[] = {"route", route, "count", count, "minutes", minutes, NULL};
		snprintf(id, sizeof id, "welcome.waiting.%s", ank_route_code((ank_route)r));
		info_line(a, id, &info, ank_route_code((ank_route)r),
		          trfn(a, waiting_key(&st), st.waiting, args, buf, sizeof buf),
		          UI_FONT_LARGE);
	}
	char hb[128];
	info_line(a, "welcome.hours", &info, "clock", hours_text(a, hb, sizeof hb), UI_FONT_BODY);
	return next;
}
