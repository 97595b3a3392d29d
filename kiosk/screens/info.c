/* Screens "rules" (the house rules from the catalog), "idle" (are you still there?) and
 * "language" (every language by its own name, from any step's language button). */
#include <stdio.h>
#include <string.h>

#include "screens.h"

/* The idle screen: a gap below the title, the countdown, one big button and "more time". */
#define IDLE_TOP_GAP         100
#define IDLE_TOP_GAP_LAND    20
#define IDLE_BODY_H          200
#define IDLE_BODY_H_LAND     140
#define IDLE_CONTINUE_H      300
#define IDLE_CONTINUE_H_LAND 220

/* The house rules' pictograms, by the rule's place in rules.body (one rule a line, in the
 * order of the catalogs: respect, no dealing or violence, your own station, no sharing,
 * the staff in an emergency, quarantine). A rule past the list is drawn with none. */
static const char *const rule_icons[] = {"rules_respect",   "rules_forbidden", "station",
                                         "rules_forbidden", "staff",           "clock"};
#define RULES_MAX 12 /* rules shown; the catalogs have 6 */

screen_id rules_frame(app *a)
{
	ui_rect c = screen_body(a, "rules.title", tr(a, "rules.title"));
	ui_rect back = take_bottom(&c, THEME_TARGET_MAIN);
	/* Numbered items with a pictogram each instead of a wall of text: at the largest size
	 * at which all of them fit. */
	char rules[RULES_MAX][UI_TEXT_MAX];
	int n = 0;
	for (const char *p = tr(a, "rules.body"); *p && n < RULES_MAX;) {
		size_t len = strcspn(p, "\n");
		if (len > 0 && len < UI_TEXT_MAX - 8) {
			snprintf(rules[n], sizeof rules[n], "%d. %.*s", n + 1, (int)len, p);
			n++;
		}
		p += len + (p[len] == '\n');
	}
	static const ui_font sizes[] = {UI_FONT_LARGE, UI_FONT_MEDIUM, UI_FONT_BODY};
	ui_font f = UI_FONT_BODY;
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		int total = 0;
		for (int i = 0; i < n; i++) {
			int h = ui_text_height(&a->ui, c.w - THEME_LINE_INDENT, c.h, rules[i],
			                       sizes[s], UI_TEXT_BLOCK);
			total += (h > THEME_INFO_LINE_H ? h : THEME_INFO_LINE_H) + THEME_GAP;
		}
		f = sizes[s];
		if (total <= c.h)
			break;
	}
	for (int i = 0; i < n; i++) {
		char id[UI_ID_MAX];
		snprintf(id, sizeof id, "rules.item.%d", i + 1);
		info_line(a, id, &c,
		          i < (int)(sizeof rule_icons / sizeof rule_icons[0]) ? rule_icons[i] : "",
		          rules[i], f);
	}
	if (ui_icon_button(&a->ui, "rules.back", back, a->ui.rtl ? "back_rtl" : "back",
	                   tr(a, "common.back"), UI_STYLE_PRIMARY))
		return SCREEN_WELCOME;
	return SCREEN_RULES;
}

screen_id idle_frame(app *a)
{
	int y = screen_title(a, "idle.title", tr(a, "idle.title"));
	ui_rect c = content(a);
	c.h -= y - c.y;
	c.y = y + (portrait(a) ? IDLE_TOP_GAP : IDLE_TOP_GAP_LAND);
	c.h -= portrait(a) ? IDLE_TOP_GAP : IDLE_TOP_GAP_LAND;
	int64_t left = app_idle_prompt_ms(a) + app_idle_reset_ms(a) - (a->now - a->last_touch);
	char secs[24], buf[256];
	long seconds = (long)(left > 0 ? (left + 999) / 1000 : 0);
	snprintf(secs, sizeof secs, "%ld", seconds);
	const char *args[] = {"seconds", secs, NULL};
	ui_label(&a->ui, "idle.body", take_top(&c, portrait(a) ? IDLE_BODY_H : IDLE_BODY_H_LAND),
	         trfn(a, "idle.body", seconds, args, buf, sizeof buf), UI_FONT_LARGE, THEME_TEXT,
	         UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	ui_mark(&a->ui, "idle.body", UI_SPEECH_PROMPT);
	bool go_on =
	        ui_icon_button(&a->ui, "idle.continue",
	                       take_top(&c, portrait(a) ? IDLE_CONTINUE_H : IDLE_CONTINUE_H_LAND),
	                       "check", tr(a, "idle.continue"), UI_STYLE_PRIMARY);
	if (ui_icon_button(&a->ui, "idle.more_time", take_top(&c, THEME_TARGET_MAIN), "clock",
	                   tr(a, "idle.more_time"), UI_STYLE_CARD)) {
		a->idle_more = true; /* until the visit ends (app_reset) */
		return a->before_idle;
	}
	/* Someone who touches the screen anywhere is still there: a tap that ends outside the
	 * buttons continues too, instead of only restarting the countdown. */
	if (go_on || a->ui.release_pending)
		return a->before_idle;
	return SCREEN_IDLE;
}

screen_id language_frame(app *a)
{
	ui_rect c = screen_body(a, "language.title", tr(a, "language.title"));
	ui_rect back = take_bottom(&c, THEME_TARGET_MAIN);
	back.w = (back.w - THEME_GAP) / 2;
	screen_id next = SCREEN_LANGUAGE;
	/* One column of big choices while they fit; more languages share the rows (two
	 * columns in portrait, three side by side in landscape). */
	int offered[ANK_I18N_MAX_LANGS];
	int n = app_offered_languages(a, offered, ANK_I18N_MAX_LANGS);
	int cols = portrait(a) ? (n > 4 ? 2 : 1) : (n < 3 ? n : 3);
	if (cols < 1)
		cols = 1;
	int rows = (n + cols - 1) / cols;
	int cell_h = rows > 0 ? (c.h - (rows - 1) * THEME_GAP) / rows : 0;
	if (cell_h > THEME_LANG_CHOICE_H)
		cell_h = THEME_LANG_CHOICE_H;
	ui_rect grid = take_top(&c, rows * cell_h + (rows - 1) * THEME_GAP);
	for (int i = 0; i < n; i++) {
		char id[UI_ID_MAX];
		const char *code = ank_i18n_code(a->i18n, offered[i]);
		snprintf(id, sizeof id, "language.lang.%s", code);
		ui_style st = strcmp(code, a->lang) ? UI_STYLE_CARD : UI_STYLE_PRIMARY;
		if (ui_button(&a->ui, id, grid_cell(grid, cols, rows, i, THEME_GAP),
		              ank_i18n_name(a->i18n, offered[i]), st)) {
			app_choose_language(a, code);
			next = a->before_language;
		}
	}
	if (ui_icon_button(&a->ui, "language.back", back, a->ui.rtl ? "back_rtl" : "back",
	                   tr(a, "common.back"), UI_STYLE_QUIET))
		next = a->before_language;
	return next;
}
