/* Screens "nickname" and "helper" (the same keyboard and matches, different ids), and
 * "birthyear", which tells apart users who share a nickname. */
#include <stdio.h>
#include <string.h>

#include "ank_text.h"
#include "screens.h"

/* Sizes on these screens, portrait / landscape where they differ. */
#define FIELD_H           130 /* the typed text */
#define FIELD_H_LANDSCAPE 110
#define MATCH_H           120 /* a matching nickname, in a 2 x 3 grid of them */
#define MATCH_COLS        2
#define MATCH_ROWS        3
_Static_assert(MATCH_COLS *MATCH_ROWS == ANK_SEARCH_MAX, "a place for every match shown");
#define KEYS_W_PCT         58  /* landscape: the keyboard's share of the width */
#define YEAR_H             140 /* a birth year button, at least */
#define YEAR_H_MAX         260
#define MORE_H             60  /* "type more letters" under the matches */
#define MORE_H_LANDSCAPE   90  /* the same in the narrow column: two lines of small type */
#define NO_MATCH_ICON      120 /* the staff pictogram once staff are called */
#define NO_MATCH_ICON_LAND 90
#define NO_MATCH_TITLE_H   70 /* "no name found" under it */

static void search(app *a)
{
	ank_err err;
	a->s.n_matches = 0;
	a->s.more_matches = false;
	if (ank_queue_search(a->q, a->s.typed, a->s.matches, &a->s.n_matches, &a->s.more_matches,
	                     &err) != ANK_Q_OK) {
		a->s.n_matches = 0;
		a->s.more_matches = false;
	}
}

/* "Call staff": a help request with no name and nothing typed, for the kiosk's staff screen
 * and the console. The screen remembers the answer for this visit only. */
static void call_staff(app *a)
{
	ank_err err;
	int64_t id;
	bool already = false;
	ank_store_take_error(ank_queue_store(a->q)); /* only this request's failure counts */
	if (ank_queue_help_request(a->q, a->now, &id, &already, &err) != ANK_Q_OK) {
		app_db_failed(a, "help request", &err);
		return; /* the screen still says "please ask the staff" */
	}
	ank_sync_nudge(a->sync); /* the console hears it now, not at the next sync */
	a->s.help = already ? APP_HELP_ALREADY : APP_HELP_CALLED;
	a->dirty = true;
}

/* Nobody matches: "no name found", "please ask the staff" and the "call staff" button, so a
 * person who is not registered (or cannot spell the name) knows where to turn; once called,
 * the staff pictogram and "staff are on their way" (or "already called"). */
static void no_match(app *a, const char *prefix, ui_rect r)
{
	ui *u = &a->ui;
	char id[UI_ID_MAX];
	ui_rect rest = r;
	if (a->s.help != APP_HELP_NONE) {
		int icon = portrait(a) ? NO_MATCH_ICON : NO_MATCH_ICON_LAND;
		u->r.icon(u->r.ctx, ui_mirror(u, take_top(&rest, icon)), "staff", THEME_TEXT);
	}
	snprintf(id, sizeof id, "%s.no_match", prefix);
	ui_label(u, id, take_top(&rest, NO_MATCH_TITLE_H), tr(a, "nickname.no_match"), UI_FONT_BODY,
	         THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
	if (a->s.help != APP_HELP_NONE) {
		snprintf(id, sizeof id, "%s.help_called", prefix);
		ui_label(u, id, rest,
		         tr(a, a->s.help == APP_HELP_ALREADY ? "nickname.help_already"
		                                             : "nickname.help_called"),
		         UI_FONT_BODY, THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_BLOCK);
		return;
	}
	/* The help text as tall as it wraps, then the button right under it; the button carries
	 * the pictogram (portrait has no room for a second one). */
	const char *ask = tr(a, "nickname.ask_staff");
	int h = ui_text_height(u, rest.w, rest.h - THEME_TARGET_MAIN - THEME_GAP, ask, UI_FONT_BODY,
	                       UI_TEXT_CENTER | UI_TEXT_BLOCK);
	snprintf(id, sizeof id, "%s.ask_staff", prefix);
	ui_label(u, id, take_top(&rest, h), ask, UI_FONT_BODY, THEME_MUTED,
	         UI_TEXT_CENTER | UI_TEXT_BLOCK);
	snprintf(id, sizeof id, "%s.call_staff", prefix);
	if (ui_icon_button(u, id, take_top(&rest, THEME_TARGET_MAIN), "call_staff",
	                   tr(a, "nickname.call_staff"), UI_STYLE_CARD))
		call_staff(a);
}

/* The user picked a match: shared names go through the birth year first. */
static screen_id picked(app *a, const ank_match *m)
{
	if (m->same_name > 1) {
		ank_err err;
		a->s.n_same = 0;
		if (ank_queue_same_name(a->q, m->user_id, a->s.same, ANK_SAME_NAME_MAX,
		                        &a->s.n_same, &err) == ANK_Q_OK &&
		    a->s.n_same > 1)
			return SCREEN_BIRTHYEAR;
	}
	return after_user_chosen(a, m);
}

screen_id nickname_frame(app *a)
{
	ui *u = &a->ui;
	bool helper = a->screen == SCREEN_HELPER;
	const char *prefix = helper ? "helper" : "nickname";
	char id[UI_ID_MAX];
	snprintf(id, sizeof id, "%s.title", prefix);
	ui_rect c = screen_body(a, id, tr(a, helper ? "helper.title" : "nickname.title"));
	/* Portrait: field, matches, keyboard and Back from top to bottom. Landscape: field
	 * and keyboard at the start side, the full height; the matches and Back in a column
	 * of their own at the end side, so the keyboard never covers a match. */
	ui_rect list, keys = c, nav;
	if (portrait(a)) {
		nav = take_bottom(&keys, THEME_TARGET_MAIN);
		snprintf(id, sizeof id, "%s.field", prefix);
		ui_field(u, id, take_top(&keys, FIELD_H), a->s.typed, UI_FONT_LARGE);
		list = take_top(&keys,
		                MATCH_ROWS * MATCH_H + (MATCH_ROWS - 1) * THEME_GAP + MORE_H);
	} else {
		keys.w = c.w * KEYS_W_PCT / 100;
		list = (ui_rect){keys.x + keys.w + 2 * THEME_GAP, c.y, c.w - keys.w - 2 * THEME_GAP,
		                 c.h};
		nav = take_bottom(&list, THEME_TARGET_MAIN);
		snprintf(id, sizeof id, "%s.field", prefix);
		ui_field(u, id, take_top(&keys, FIELD_H_LANDSCAPE), a->s.typed, UI_FONT_LARGE);
	}
	screen_id next = a->screen;
	/* The line under the matches says when more names match than are shown; it keeps its
	 * place whether shown or not, so the keys never move while typing. */
	ui_rect more = list;
	more.h = portrait(a) ? MORE_H : MORE_H_LANDSCAPE;
	more.y = list.y + list.h - more.h;
	list.h -= more.h + (portrait(a) ? 0 : THEME_GAP);
	/* Matches only from the second letter (privacy: no browsing the registry). */
	bool enough = ank_text_word_chars(a->s.typed) >= 2;
	if (a->s.n_matches == 0 && enough) {
		no_match(a, prefix, list);
	} else if (a->s.n_matches == 0) {
		snprintf(id, sizeof id, "%s.hint", prefix);
		ui_label(u, id, list, tr(a, "nickname.hint"), UI_FONT_BODY, THEME_MUTED,
		         UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BLOCK);
		ui_mark(u, id, UI_SPEECH_PROMPT);
	}
	if (a->s.more_matches) {
		snprintf(id, sizeof id, "%s.more", prefix);
		ui_label(u, id, more, tr(a, "nickname.more"), UI_FONT_BODY, THEME_MUTED,
		         UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BLOCK);
	}
	for (int i = 0; i < a->s.n_matches; i++) {
		snprintf(id, sizeof id, "%s.match.%d", prefix, i);
		/* A name is shown whole, broken over lines if it must be: a person has to
		 * recognise their own. */
		bool hit =
		        ui_button_ex(u, id, grid_cell(list, MATCH_COLS, MATCH_ROWS, i, THEME_GAP),
		                     a->s.matches[i].nickname, UI_STYLE_CARD, UI_TEXT_BREAK);
		/* Never read aloud: others stand near the kiosk (docs/privacy.md). */
		ui_mark(u, id, UI_SPEECH_PERSONAL);
		if (hit)
			next = picked(a, &a->s.matches[i]);
	}
	if (next != a->screen)
		return next;
	if (keyboard(a, prefix, keys, a->s.typed, sizeof a->s.typed))
		search(a);
	step_nav_in(a, prefix, nav, &next);
	return next;
}

screen_id birthyear_frame(app *a)
{
	ui *u = &a->ui;
	ui_rect c = screen_body(a, "birthyear.title", tr(a, "birthyear.title"));
	take_bottom(&c, THEME_TARGET_MAIN);
	int cols = portrait(a) ? 3 : 5;
	if (a->s.n_same > 0 && a->s.n_same < cols)
		cols = a->s.n_same; /* two years: two big buttons, not two small ones at the side */
	int rows = (a->s.n_same + cols - 1) / cols;
	if (rows < 2)
		rows = 2;
	/* Years as big as the screen allows (up to YEAR_H_MAX), not a strip at the top. */
	int year_h = (c.h - (rows - 1) * THEME_GAP) / rows;
	year_h = year_h > YEAR_H_MAX ? YEAR_H_MAX : year_h < YEAR_H ? YEAR_H : year_h;
	ui_rect grid = take_top(&c, rows * year_h + (rows - 1) * THEME_GAP);
	screen_id next = SCREEN_BIRTHYEAR;
	for (int i = 0; i < a->s.n_same; i++) {
		char id[UI_ID_MAX], year[24];
		snprintf(year, sizeof year, "%d", a->s.same[i].birth_year);
		/* Two holders born the same year get a suffix so ids stay unique. */
		int dup = 0;
		for (int k = 0; k < i; k++)
			dup += a->s.same[k].birth_year == a->s.same[i].birth_year;
		if (dup)
			snprintf(id, sizeof id, "birthyear.option.%s.%d", year, dup + 1);
		else
			snprintf(id, sizeof id, "birthyear.option.%s", year);
		bool hit = ui_button(u, id, grid_cell(grid, cols, rows, i, THEME_GAP), year,
		                     UI_STYLE_CARD);
		ui_mark(u, id,
		        UI_SPEECH_PERSONAL); /* a birth year is the person's, like the name */
		if (hit)
			next = after_user_chosen(a, &a->s.same[i]);
	}
	if (next == SCREEN_BIRTHYEAR)
		step_nav(a, "birthyear", &next);
	return next;
}
