/* Layout helpers, the keyboard and the check-in action shared by the screens, and the
 * screen table: the ticket flow reads top to bottom in app_screens[]. */
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ank_time.h"
#include "screens.h"

const screen_def app_screens[SCREEN_COUNT] = {
        [SCREEN_WELCOME] = {"welcome", welcome_frame},
        [SCREEN_NICKNAME] = {"nickname", nickname_frame},
        [SCREEN_BIRTHYEAR] = {"birthyear", birthyear_frame},
        [SCREEN_SUBSTANCE] = {"substance", substance_frame},
        [SCREEN_ROUTE] = {"route", route_frame},
        [SCREEN_HELPER] = {"helper", nickname_frame},
        [SCREEN_TICKET] = {"ticket", ticket_frame},
        [SCREEN_REFUSED] = {"refused", refused_frame},
        [SCREEN_RULES] = {"rules", rules_frame},
        [SCREEN_IDLE] = {"idle", idle_frame},
        [SCREEN_STAFF_PIN] = {"staff_pin", staff_pin_frame},
        [SCREEN_STAFF] = {"staff", staff_frame},
        [SCREEN_DISPLAY] = {"display", display_frame},
        [SCREEN_FAULT] = {"fault", fault_frame},
        [SCREEN_LANGUAGE] = {"language", language_frame},
};

bool portrait(const app *a)
{
	return a->ui.h >= a->ui.w;
}

ui_rect content(const app *a)
{
	return (ui_rect){THEME_MARGIN, THEME_MARGIN, a->ui.w - 2 * THEME_MARGIN,
	                 a->ui.h - 2 * THEME_MARGIN};
}

ui_rect grid_cell(ui_rect r, int cols, int rows, int i, int gap)
{
	int cw = (r.w - (cols - 1) * gap) / cols, ch = (r.h - (rows - 1) * gap) / rows;
	int c = i % cols, row = i / cols;
	return (ui_rect){r.x + c * (cw + gap), r.y + row * (ch + gap), cw, ch};
}

ui_rect take_top(ui_rect *r, int h)
{
	ui_rect t = {r->x, r->y, r->w, h};
	r->y += h + THEME_GAP;
	r->h -= h + THEME_GAP;
	return t;
}

ui_rect take_bottom(ui_rect *r, int h)
{
	ui_rect b = {r->x, r->y + r->h - h, r->w, h};
	r->h -= h + THEME_GAP;
	return b;
}

int alert_band(app *a, int y)
{
	content_alert al[APP_ALERTS_SHOWN];
	int n = content_alerts(a, al, APP_ALERTS_SHOWN);
	if (n == 0)
		return 0;
	/* One band for all of them, in the colour of the gravest (the first): each alert a
	 * line of its own, its title and its text. */
	char all[APP_ALERTS_SHOWN * (ANK_CONTENT_TEXT_MAX + 160)];
	int icon = portrait(a) ? THEME_ALERT_ICON : THEME_ALERT_ICON_LAND;
	ui_rect box = {THEME_MARGIN + icon + THEME_GAP, y + THEME_ALERT_PAD,
	               a->ui.w - 2 * THEME_MARGIN - icon - THEME_GAP, 0};
	size_t used = 0;
	all[0] = '\0';
	for (int i = 0; i < n; i++) {
		bool danger = al[i].severity == ANK_SEVERITY_DANGER;
		const char *title =
		        tr(a, danger ? "welcome.alert_title_danger" : "welcome.alert_title");
		char one[ANK_CONTENT_TEXT_MAX + 160];
		/* Title and text on one line when the width allows it (landscape has width to
		 * give and no height), else the title above the text. */
		snprintf(one, sizeof one, "%s — %s", title, al[i].text);
		if (ui_fit_text(&a->ui, (ui_rect){0, 0, box.w, a->ui.h}, one, UI_FONT_BODY,
		                UI_TEXT_NOWRAP)
		                    .state != UI_FIT_OK &&
		    n == 1)
			snprintf(one, sizeof one, "%s\n%s", title, al[i].text);
		used += (size_t)snprintf(all + used, sizeof all - used, "%s%s", i ? "\n" : "", one);
		if (used >= sizeof all)
			break;
	}
	/* The band grows with the text: an alert must never be cut off. */
	int text_h = ui_text_height(&a->ui, box.w, a->ui.h / 3, all, UI_FONT_BODY, UI_TEXT_BLOCK);
	int pad = 2 * THEME_ALERT_PAD;
	int h = text_h + pad > icon + pad ? text_h + pad : icon + pad;
	box.h = h - pad;
	bool danger = al[0].severity == ANK_SEVERITY_DANGER;
	ui_fill(&a->ui, (ui_rect){0, y, a->ui.w, h},
	        danger ? THEME_ALERT_DANGER_BG : THEME_ALERT_BG);
	a->ui.r.icon(a->ui.r.ctx,
	             ui_mirror(&a->ui, (ui_rect){THEME_MARGIN, y + (h - icon) / 2, icon, icon}),
	             "alert", THEME_TEXT);
	ui_label(&a->ui, "alert", box, all, UI_FONT_BODY, THEME_TEXT,
	         UI_TEXT_MIDDLE | UI_TEXT_BLOCK);
	return h;
}

/* The screens a user sees after the welcome (which has its own row of languages) that
 * carry the language button; not the idle prompt, where any tap means "continue". */
static bool has_language_button(screen_id s)
{
	return s == SCREEN_NICKNAME || s == SCREEN_BIRTHYEAR || s == SCREEN_SUBSTANCE ||
	       s == SCREEN_ROUTE || s == SCREEN_HELPER || s == SCREEN_TICKET ||
	       s == SCREEN_REFUSED || s == SCREEN_RULES;
}

/* The language button at the end of the title band: always at the top right, in either
 * direction, since the top left is the staff corner (APP_STAFF_CORNER). A globe, named
 * by the current language's own name in the widget list. Narrows *title to leave it room. */
static void language_button(app *a, ui_rect *title)
{
	ui_rect b = {title->x + title->w - THEME_LANG_BUTTON_W, title->y, THEME_LANG_BUTTON_W,
	             title->h};
	title->w -= THEME_LANG_BUTTON_W + THEME_GAP;
	/* Pre-mirrored, so the toolkit's mirroring puts them back where they are meant. */
	if (a->ui.rtl) {
		b.x = a->ui.w - b.x - b.w;
		title->x = a->ui.w - title->x - title->w;
	}
	const char *name = a->lang;
	for (int i = 0; i < ank_i18n_count(a->i18n); i++)
		if (!strcmp(ank_i18n_code(a->i18n, i), a->lang))
			name = ank_i18n_name(a->i18n, i);
	char id[UI_ID_MAX];
	snprintf(id, sizeof id, "%s.language", app_screens[a->screen].id);
	/* Only the globe is drawn: a word beside it would take the width long titles need. */
	bool hit = ui_button(&a->ui, id, b, "", UI_STYLE_QUIET);
	int side = b.h * THEME_LANG_ICON_PCT / 100;
	a->ui.r.icon(a->ui.r.ctx,
	             ui_mirror(&a->ui, (ui_rect){b.x + (b.w - side) / 2, b.y + (b.h - side) / 2,
	                                         side, side}),
	             "language", THEME_TEXT);
	/* The widget list (dump, screen reader) still names the current language. */
	ui_widget *w = a->ui.n_widgets > 0 ? &a->ui.widgets[a->ui.n_widgets - 1] : NULL;
	if (w && !strcmp(w->id, id))
		snprintf(w->text, sizeof w->text, "%s", name);
	if (hit) {
		a->before_language = a->screen;
		a->want_language = true;
	}
}

void speak_button(app *a, ui_rect b)
{
	char id[UI_ID_MAX];
	snprintf(id, sizeof id, "%s.speak", app_screens[a->screen].id);
	bool hit = ui_button(&a->ui, id, b, "", a->speak ? UI_STYLE_PRIMARY : UI_STYLE_QUIET);
	if (hit)
		a->speak = !a->speak;
	/* A loudspeaker, on the primary colour while on; words would take the title's room. */
	int side = b.h * THEME_LANG_ICON_PCT / 100;
	a->ui.r.icon(a->ui.r.ctx,
	             ui_mirror(&a->ui, (ui_rect){b.x + (b.w - side) / 2, b.y + (b.h - side) / 2,
	                                         side, side}),
	             "speak", a->speak ? THEME_ON_PRIMARY : THEME_TEXT);
	/* In the widget list (dump, screen reader) it is a switch with its name. */
	ui_widget *w = a->ui.n_widgets > 0 ? &a->ui.widgets[a->ui.n_widgets - 1] : NULL;
	if (w && !strcmp(w->id, id)) {
		w->role = UI_ROLE_TOGGLE;
		w->checked = a->speak;
		snprintf(w->text, sizeof w->text, "%s", tr(a, "common.speak"));
	}
}

int info_line(app *a, const char *id, ui_rect *area, const char *icon, const char *text, ui_font f)
{
	ui_rect line = {area->x + THEME_LINE_INDENT, area->y, area->w - THEME_LINE_INDENT, 0};
	int need = ui_text_height(&a->ui, line.w, area->h, text, f, UI_TEXT_BLOCK);
	line.h = need > THEME_INFO_LINE_H ? need : THEME_INFO_LINE_H;
	if (line.h > area->h)
		line.h = area->h;
	int top = (line.h - THEME_LINE_ICON) / 2;
	a->ui.r.icon(a->ui.r.ctx,
	             ui_mirror(&a->ui,
	                       (ui_rect){area->x, line.y + top, THEME_LINE_ICON, THEME_LINE_ICON}),
	             icon, THEME_TEXT);
	ui_label(&a->ui, id, line, text, f, THEME_TEXT, UI_TEXT_MIDDLE | UI_TEXT_BLOCK);
	take_top(area, line.h);
	return line.h;
}

int screen_title(app *a, const char *id, const char *text)
{
	int y = alert_band(a, 0);
	ui_rect c = content(a);
	int band = portrait(a) ? THEME_TITLE_H : THEME_TITLE_H_LAND;
	ui_rect r = {c.x, y + THEME_MARGIN, c.w, band};
	if (has_language_button(a->screen)) {
		language_button(a, &r);
		/* "Read aloud" just before the globe, as tall as the band. Worked out where they
		 * are on screen (both directions alike: the globe keeps the top right), then
		 * pre-mirrored as language_button does, for the toolkit to mirror back. */
		ui_rect sr = r;
		if (a->ui.rtl)
			sr.x = a->ui.w - r.x - r.w;
		ui_rect b = {sr.x + sr.w - THEME_LANG_BUTTON_W, sr.y, THEME_LANG_BUTTON_W, sr.h};
		sr.w -= THEME_LANG_BUTTON_W + THEME_GAP;
		r = sr;
		if (a->ui.rtl) {
			b.x = a->ui.w - b.x - b.w;
			r.x = a->ui.w - sr.x - sr.w;
		}
		speak_button(a, b);
	}
	/* A title that does not fit its band even shrunk takes a second band's height and
	 * pushes the screen down, rather than being cut. */
	ui_fit fit = ui_fit_text(&a->ui, r, text, UI_FONT_TITLE, UI_TEXT_MIDDLE | UI_TEXT_BOLD);
	if (fit.state >= UI_FIT_CUT)
		r.h = 2 * band;
	ui_label(&a->ui, id, r, text, UI_FONT_TITLE, THEME_TEXT, UI_TEXT_MIDDLE | UI_TEXT_BOLD);
	ui_mark(&a->ui, id, UI_SPEECH_PROMPT); /* every screen's prompt starts with its title */
	return r.y + r.h + THEME_GAP;
}

ui_rect screen_body(app *a, const char *id, const char *title)
{
	int y = screen_title(a, id, title);
	ui_rect c = content(a);
	c.h -= y - c.y;
	c.y = y;
	return c;
}

bool step_nav_in(app *a, const char *screen, ui_rect bar, screen_id *next)
{
	char id[UI_ID_MAX];
	int w = (bar.w - THEME_GAP) / 2;
	/* Back at the start side, its arrow pointing the way one reads back. */
	snprintf(id, sizeof id, "%s.back", screen);
	if (ui_icon_button(&a->ui, id, (ui_rect){bar.x, bar.y, w, bar.h},
	                   a->ui.rtl ? "back_rtl" : "back", tr(a, "common.back"), UI_STYLE_QUIET)) {
		*next = app_back(a);
		return true;
	}
	snprintf(id, sizeof id, "%s.start_over", screen);
	if (ui_icon_button(&a->ui, id, (ui_rect){bar.x + bar.w - w, bar.y, w, bar.h}, "start_over",
	                   tr(a, "common.start_over"), UI_STYLE_QUIET)) {
		app_reset(a);
		*next = SCREEN_WELCOME;
		return true;
	}
	return false;
}

bool step_nav(app *a, const char *screen, screen_id *next)
{
	ui_rect c = content(a);
	return step_nav_in(a, screen,
	                   (ui_rect){c.x, c.y + c.h - THEME_TARGET_MAIN, c.w, THEME_TARGET_MAIN},
	                   next);
}

/* Danish layout; digits first because some nicknames have them. "_" is the space bar. */
static const char *const key_rows[] = {
        "1 2 3 4 5 6 7 8 9 0",
        "Q W E R T Y U I O P Å",
        "A S D F G H J K L Æ Ø",
        "Z X C V B N M - _",
};
/* Keys in the widest row: every key is that wide, so the rows line up. */
#define KEYS_PER_ROW 11

/* Appends the lower-case form of a key's letter: nicknames are matched without case,
 * and a name typed in capitals looks like shouting. */
static void put_key(char *text, size_t cap, const char *key)
{
	static const struct {
		const char *upper, *lower;
	} danish[] = {{"Æ", "æ"}, {"Ø", "ø"}, {"Å", "å"}};
	const char *add = key;
	char one[2] = {0, 0};
	if (!strcmp(key, "_")) {
		add = " ";
	} else if (key[1] == '\0' && key[0] >= 'A' && key[0] <= 'Z') {
		one[0] = (char)(key[0] - 'A' + 'a');
		add = one;
	} else {
		for (size_t i = 0; i < sizeof danish / sizeof danish[0]; i++)
			if (!strcmp(key, danish[i].upper))
				add = danish[i].lower;
	}
	/* The first letter of each word is upper case, as nicknames are written. */
	size_t len = strlen(text);
	bool word_start = len == 0 || text[len - 1] == ' ';
	if (word_start && add == one)
		one[0] = key[0];
	else if (word_start && add != key && strcmp(add, " ") != 0)
		add = key;
	if (len + strlen(add) < cap)
		memcpy(text + len, add, strlen(add) + 1);
}

static void backspace(char *text)
{
	size_t len = strlen(text);
	/* Remove one whole UTF-8 character. */
	while (len > 0) {
		len--;
		if (((unsigned char)text[len] & 0xC0) != 0x80)
			break;
	}
	text[len] = '\0';
}

bool keyboard(app *a, const char *prefix, ui_rect r, char *text, size_t cap)
{
	int rows = (int)(sizeof key_rows / sizeof key_rows[0]) + 1;
	int row_h = (r.h - (rows - 1) * THEME_KEY_ROW_GAP) / rows;
	bool changed = false;
	for (int row = 0; row < rows - 1; row++) {
		char keys[16][8];
		int n = 0;
		const char *p = key_rows[row];
		while (*p && n < 16) {
			size_t k = strcspn(p, " ");
			snprintf(keys[n++], sizeof keys[0], "%.*s", (int)k, p);
			p += k;
			while (*p == ' ')
				p++;
		}
		ui_rect line = {r.x, r.y + row * (row_h + THEME_KEY_ROW_GAP), r.w, row_h};
		for (int i = 0; i < n; i++) {
			/* Keys keep their Danish order left to right in every language. */
			ui_rect cell = grid_cell(line, KEYS_PER_ROW, 1, i, THEME_KEY_GAP);
			bool space = !strcmp(keys[i], "_");
			if (space) /* the space bar is three keys wide */
				cell.w = 3 * cell.w + 2 * THEME_KEY_GAP;
			/* Keys keep their Danish order in every direction; a right-to-left screen
			 * mirrors where the keyboard is, not the keys in it. Pre-mirrored inside
			 * the keyboard's area so the toolkit's mirroring of the screen restores it.
			 */
			if (a->ui.rtl)
				cell.x = 2 * r.x + r.w - cell.x - cell.w;
			char id[UI_ID_MAX];
			snprintf(id, sizeof id, "%s.key.%s", prefix, space ? "space" : keys[i]);
			if (ui_button(&a->ui, id, cell, space ? "" : keys[i], UI_STYLE_KEY)) {
				put_key(text, cap, keys[i]);
				changed = true;
			}
			if (space) /* a drawn bar: the fonts have no visible-space glyph */
				ui_fill(&a->ui,
				        (ui_rect){cell.x + cell.w / 4, cell.y + cell.h * 2 / 3,
				                  cell.w / 2, THEME_SPACE_MARK},
				        THEME_TEXT);
		}
	}
	ui_rect last = {r.x, r.y + (rows - 1) * (row_h + THEME_KEY_ROW_GAP), r.w, row_h};
	/* The backspace at the end of the last row, which is on the left in right-to-left
	 * screens, pointing that way. */
	ui_rect bs = {last.x + last.w / 2, last.y, last.w / 2, last.h};
	char id[UI_ID_MAX];
	snprintf(id, sizeof id, "%s.backspace", prefix);
	if (ui_icon_button(&a->ui, id, bs, a->ui.rtl ? "backspace_rtl" : "backspace",
	                   tr(a, "nickname.backspace"), UI_STYLE_KEY)) {
		backspace(text);
		changed = true;
	}
	return changed;
}

/* The QR of the ticket reference: personal data never goes in (see ank_ticketref.h). */
static void make_qr(app *a)
{
	ank_err err;
	a->s.qr_size = 0;
	/* The sync thread may have stored the site's key from central since the last ticket:
	 * read it again (a failed read keeps the key in memory). */
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	if (ank_store_ticket_key(ank_queue_store(a->q), key, &err) == 0)
		memcpy(a->ticket_key, key, sizeof key);
	sodium_memzero(key, sizeof key);
	if (ank_queue_ticket_ref(a->q, a->ticket_key, &a->s.result.ticket, a->s.qr_text, &err))
		return;
	QRcode *qr = QRcode_encodeString(a->s.qr_text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return;
	if (qr->width <= APP_QR_MAX) {
		for (int i = 0; i < qr->width * qr->width; i++)
			a->s.qr[i] = qr->data[i] & 1;
		a->s.qr_size = qr->width;
	}
	QRcode_free(qr);
}

/* Where a check-in step that did not succeed (a->s.rc) goes: the refused screen, which
 * explains a refusal or an error, or the fault screen when a full disk stops check-in. */
static screen_id not_checked_in(app *a, const char *what, const ank_err *err)
{
	if (a->s.rc == ANK_Q_E_DB) {
		/* Logged and shown to staff; a full disk stops check-in (the fault screen). */
		app_db_failed(a, what, err);
		if (a->degraded)
			return SCREEN_FAULT;
	}
	return SCREEN_REFUSED;
}

screen_id do_checkin(app *a)
{
	ank_checkin in = {.user_id = a->s.user_id,
	                  .substance = a->s.substance,
	                  .route = a->s.route,
	                  .helper_id = a->s.assisted ? a->s.helper_id : NULL,
	                  .hold = app_print_wanted(a)};
	ank_err err;
	ank_store_take_error(ank_queue_store(a->q)); /* only this check-in's failure counts */
	a->s.rc = ank_queue_checkin(a->q, &in, a->now, &a->s.result, &err);
	ank_sync_nudge(a->sync); /* the ticket (or refusal) goes to central now */
	if (a->s.rc == ANK_Q_OK) {
		make_qr(a);
		/* Held until the printer confirms it (app_print.c). */
		if (in.hold)
			app_print_start(a);
		return SCREEN_TICKET;
	}
	return not_checked_in(a, "check-in", &err);
}

/* Routes the site offers that the substance may take. */
static int routes_for(app *a, const char *substance, ank_route *only)
{
	const ank_site_config *cfg = ank_queue_config(a->q);
	int n = 0;
	for (int r = 0; r < ANK_ROUTE_COUNT; r++)
		if (cfg->routes[r] && ank_substance_allows(substance, (ank_route)r)) {
			*only = (ank_route)r;
			n++;
		}
	return n;
}

screen_id after_user_chosen(app *a, const ank_match *m)
{
	if (a->s.picking_helper) {
		snprintf(a->s.helper_id, sizeof a->s.helper_id, "%s", m->user_id);
		return do_checkin(a);
	}
	snprintf(a->s.user_id, sizeof a->s.user_id, "%s", m->user_id);
	/* From here on the screens speak the user's own language, if we have it, unless they
	 * chose one themselves in this visit. */
	ank_user u;
	ank_err err;
	if (!a->lang_chosen &&
	    ank_store_user_get(ank_queue_store(a->q), m->user_id, &u, &err) == ANK_STORE_OK &&
	    u.language[0])
		app_set_language(a, u.language);
	sodium_memzero(a->s.typed, sizeof a->s.typed);
	a->s.n_matches = 0;
	/* The rules about the person alone are known now: a refusal comes before anything
	 * else is chosen, not after the substance and route. ank_queue_checkin checks them
	 * again at the end, since the site may close or staff may quarantine in between. */
	ank_store_take_error(ank_queue_store(a->q));
	a->s.rc = ank_queue_check_person(a->q, a->s.user_id, a->now, &a->s.result, &err);
	if (a->s.rc == ANK_Q_REFUSED)
		ank_sync_nudge(a->sync); /* the refusal goes to central now */
	if (a->s.rc != ANK_Q_OK)
		return not_checked_in(a, "person check", &err);
	return SCREEN_SUBSTANCE;
}

screen_id substance_chosen(app *a, const char *code)
{
	snprintf(a->s.substance, sizeof a->s.substance, "%s", code);
	ank_route only = ANK_ROUTE_INJECT;
	int n = routes_for(a, code, &only);
	if (a->s.assisted) {
		a->s.route = ANK_ROUTE_INJECT;
		a->s.picking_helper = true;
		return SCREEN_HELPER;
	}
	if (n == 1) {
		a->s.route = only;
		return do_checkin(a);
	}
	return SCREEN_ROUTE;
}

const char *opens_text(app *a, char *buf, size_t n)
{
	const ank_site_config *cfg = ank_queue_config(a->q);
	int64_t at = ank_queue_next_open(cfg, a->now);
	if (at < 0)
		return tr(a, "common.opens_unknown");
	struct tm now_tm, at_tm;
	ank_local_tm(a->now, &now_tm);
	ank_local_tm(at, &at_tm);
	char time[6], weekday[16];
	ank_hhmm_format(at_tm.tm_hour * 60 + at_tm.tm_min, time);
	snprintf(weekday, sizeof weekday, "weekday.%d", at_tm.tm_wday);
	/* Days apart by the calendar, not by 24 hours: tomorrow at 10:00 is tomorrow. */
	struct tm a0 = now_tm, b0 = at_tm;
	a0.tm_hour = b0.tm_hour = 12;
	a0.tm_min = b0.tm_min = a0.tm_sec = b0.tm_sec = 0;
	a0.tm_isdst = b0.tm_isdst = -1;
	long days = (long)((mktime(&b0) - mktime(&a0) + 43200) / 86400);
	const char *args[] = {"time", time, "weekday", tr(a, weekday), NULL};
	return trf(a,
	           days == 0   ? "common.opens_today"
	           : days == 1 ? "common.opens_tomorrow"
	                       : "common.opens_on",
	           args, buf, n);
}
