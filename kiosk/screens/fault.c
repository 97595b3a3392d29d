/* Screen "fault", degraded mode's calm stop while the site database takes no writes
 * (docs/operations.md): the staff pictogram and "please ask the staff" in every language the
 * kiosk has, since no language can be picked here, and the reason only on the staff screen. */
#include <stdio.h>
#include <string.h>

#include "screens.h"

/* Sizes on this screen, portrait / landscape where they differ. */
#define FAULT_ICON      360 /* the staff pictogram: the message without words */
#define FAULT_ICON_LAND 240
#define FAULT_TITLE_H   130 /* "please ask the staff", one language */
#define FAULT_BODY_H    80  /* the sentence below it */
#define FAULT_LANG_GAP  40  /* between two languages */

screen_id fault_frame(app *a)
{
	ui *u = &a->ui;
	ui_rect c = content(a);
	int icon = portrait(a) ? FAULT_ICON : FAULT_ICON_LAND;
	int n = ank_i18n_count(a->i18n);
	int block = FAULT_TITLE_H + FAULT_BODY_H + FAULT_LANG_GAP;
	/* Centred as a whole: the pictogram, then one block per language. */
	int h = icon + THEME_GAP + n * block - FAULT_LANG_GAP;
	int y = c.y + (c.h > h ? (c.h - h) / 2 : 0);
	u->r.icon(u->r.ctx, (ui_rect){c.x + (c.w - icon) / 2, y, icon, icon}, "staff", THEME_TEXT);
	y += icon + THEME_GAP;
	bool rtl = u->rtl;
	/* The kiosk's language first (the site's default), then the others in catalog order. */
	int first = 0;
	for (int i = 0; i < n; i++)
		if (!strcmp(ank_i18n_code(a->i18n, i), a->lang))
			first = i;
	for (int k = 0; k < n && y + block <= c.y + c.h + FAULT_LANG_GAP; k++) {
		int i = k == 0 ? first : (k <= first ? k - 1 : k);
		const char *code = ank_i18n_code(a->i18n, i);
		/* Each language in its own direction, whatever the screen's is. */
		u->rtl = ank_i18n_rtl(a->i18n, code);
		char id[UI_ID_MAX];
		snprintf(id, sizeof id, "fault.title.%s", code);
		ui_label(u, id, (ui_rect){c.x, y, c.w, FAULT_TITLE_H},
		         ank_i18n_get(a->i18n, code, "fault.title"), UI_FONT_TITLE, THEME_TEXT,
		         UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
		snprintf(id, sizeof id, "fault.body.%s", code);
		ui_label(u, id, (ui_rect){c.x, y + FAULT_TITLE_H, c.w, FAULT_BODY_H},
		         ank_i18n_get(a->i18n, code, "fault.body"), UI_FONT_BODY, THEME_MUTED,
		         UI_TEXT_CENTER | UI_TEXT_MIDDLE);
		if (k == 0) { /* read aloud in the screen's language, the first shown */
			ui_mark(u, id, UI_SPEECH_PROMPT);
			snprintf(id, sizeof id, "fault.title.%s", code);
			ui_mark(u, id, UI_SPEECH_PROMPT);
		}
		y += block;
	}
	u->rtl = rtl;
	return SCREEN_FAULT;
}
