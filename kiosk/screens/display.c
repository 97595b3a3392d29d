/* Screen "display": the waiting-room screen. Ticket numbers and stations only, in very
 * large type, the last calls, waiting counts and the drug alert; never a nickname. The
 * texts take the site's languages in turn (app.c); a frozen site shows a calm pause. Each call is
 * also read out after its chime (display_announce). */
#include <stdio.h>
#include <string.h>

#include "screens.h"

/* Heights on the display, read from across the waiting room. */
#define TITLE_H         110 /* "now calling" */
#define CALL_H          320 /* the called ticket number in the huge font */
#define CALL_STATION_H  130 /* and its station */
#define LAST_H          80  /* one earlier call, and their heading */
#define WAITING_H       90  /* waiting counts along the bottom */
#define INFO_COLUMN_PCT 38  /* landscape: the information screen's column */

screen_id display_frame(app *a)
{
	ui *u = &a->ui;
	int y = alert_band(a, 0) + THEME_MARGIN;
	ui_rect c = {THEME_MARGIN, y, u->w - 2 * THEME_MARGIN, u->h - y - THEME_MARGIN};
	/* Landscape has no height for an information screen under the calls: it gets a column
	 * of its own at the end side (not while frozen: then only the pause shows). */
	const ank_content_item *infos[1];
	bool side = !portrait(a) && !a->display_frozen && content_infos(a, infos, 1) > 0;
	if (side) {
		int w = c.w * INFO_COLUMN_PCT / 100;
		ui_rect col = {c.x + c.w - w, c.y, w, c.h};
		display_info(a, &col, col.h);
		c.w -= w + 2 * THEME_GAP;
	}
	if (a->display_frozen) {
		/* The emergency freeze: no ticket, no station, no count, only the calm words (and
		 * the drug alert above, which still matters). */
		ui_label(u, "display.paused", c, tr(a, "display.paused"), UI_FONT_TITLE,
		         THEME_DISPLAY_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
		return SCREEN_DISPLAY;
	}
	ui_label(u, "display.title", take_top(&c, TITLE_H), tr(a, "display.now_calling"),
	         UI_FONT_TITLE, THEME_DISPLAY_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
	if (a->current.label[0]) {
		char buf[128];
		const char *args[] = {"station", a->current.station, NULL};
		ui_label(u, "display.current", take_top(&c, CALL_H), a->current.label, UI_FONT_HUGE,
		         THEME_DISPLAY_CALL, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
		ui_label(u, "display.current_station", take_top(&c, CALL_STATION_H),
		         trf(a, "display.station", args, buf, sizeof buf), UI_FONT_TITLE,
		         THEME_DISPLAY_CALL, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
	} else {
		take_top(&c, CALL_H + CALL_STATION_H + THEME_GAP);
	}
	const ank_site_config *cfg = ank_queue_config(a->q);
	/* Portrait: one count a line, since two side by side do not fit in Arabic. */
	bool tall = portrait(a);
	ui_rect bottom = take_bottom(&c, tall ? 2 * WAITING_H + THEME_GAP : WAITING_H);
	/* An information screen above the counts, over the oldest of the last calls. */
	int info_h = side ? 0 : display_info(a, &c, 0);
	/* With an information screen up, the last calls get what room is left (none in
	 * landscape): the call itself and the counts always show. */
	bool last = info_h == 0 || c.h >= 2 * LAST_H + THEME_GAP;
	if (last)
		ui_label(u, "display.last_title", take_top(&c, LAST_H), tr(a, "display.last_calls"),
		         UI_FONT_LARGE, THEME_DISPLAY_TEXT, UI_TEXT_START | UI_TEXT_MIDDLE);
	for (int i = 0; last && i < a->n_last && (info_h == 0 || c.h >= LAST_H); i++) {
		char id[UI_ID_MAX], buf[128], line[192];
		const char *args[] = {"station", a->last[i].station, NULL};
		snprintf(line, sizeof line, "%s  —  %s", a->last[i].label,
		         trf(a, "display.station", args, buf, sizeof buf));
		snprintf(id, sizeof id, "display.last.%d", i);
		ui_label(u, id, take_top(&c, LAST_H), line, UI_FONT_LARGE, THEME_DISPLAY_TEXT,
		         UI_TEXT_START | UI_TEXT_MIDDLE);
	}
	for (int r = 0, k = 0; r < ANK_ROUTE_COUNT; r++) {
		ank_route_status st;
		ank_err err;
		if (!cfg->routes[r] ||
		    ank_queue_route_status(a->q, (ank_route)r, a->now, &st, &err))
			continue;
		char count[24], buf[160], id[UI_ID_MAX];
		snprintf(count, sizeof count, "%d", st.waiting);
		const char *args[] = {"route",
		                      tr(a, r == ANK_ROUTE_INJECT ? "route.inject" : "route.smoke"),
		                      "count", count, NULL};
		snprintf(id, sizeof id, "display.waiting.%s", ank_route_code((ank_route)r));
		ui_label(u, id, grid_cell(bottom, tall ? 1 : 2, tall ? 2 : 1, k++, THEME_GAP),
		         trfn(a, "display.waiting", st.waiting, args, buf, sizeof buf),
		         UI_FONT_LARGE, THEME_DISPLAY_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	}
	return SCREEN_DISPLAY;
}

/* After the chime, the call in each of the site's languages in turn, queued behind it
 * ("Ticket I-014, station 3"). A language espeak-ng has no voice for is left out: the
 * chime has already told the room (logged when the speech queue opened). */
void display_announce(app *a)
{
	if (!a->speech)
		return;
	int idx[ANK_I18N_MAX_LANGS];
	int n = app_offered_languages(a, idx, ANK_I18N_MAX_LANGS);
	for (int i = 0; i < n; i++) {
		const char *lang = ank_i18n_code(a->i18n, idx[i]);
		if (!ank_speech_has_voice(a->speech, lang))
			continue;
		char text[256];
		const char *args[] = {"ticket", a->current.label, "station", a->current.station,
		                      NULL};
		ank_i18n_format(a->i18n, lang, "display.announce", text, sizeof text, args);
		a->spoken++;
		ank_speech_say(a->speech, lang, text, a->now);
	}
}
