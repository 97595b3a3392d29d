/* Screens "substance" (pictogram and word for each substance this site can take, and
 * the assisted-injection switch) and "route" (only when there is a choice). */
#include <stdio.h>
#include <string.h>

#include "screens.h"

/* The two route cards together: stacked in portrait, side by side in landscape. */
#define ROUTES_H           900
#define ROUTES_H_LANDSCAPE 500

/* A substance is shown when some route offered here may take it. */
static bool offered(const ank_site_config *cfg, const char *code)
{
	for (int r = 0; r < ANK_ROUTE_COUNT; r++)
		if (cfg->routes[r] && ank_substance_allows(code, (ank_route)r))
			return true;
	return false;
}

screen_id substance_frame(app *a)
{
	ui *u = &a->ui;
	const ank_site_config *cfg = ank_queue_config(a->q);
	ui_rect c = screen_body(a, "substance.title", tr(a, "substance.title"));
	take_bottom(&c, THEME_TARGET_MAIN);
	/* Assisted injection must be registered before the intake (BEK 972/2016 §6 stk 2):
	 * the switch sits above the choices so it is set first. */
	if (cfg->assisted && cfg->routes[ANK_ROUTE_INJECT])
		ui_toggle(u, "substance.assisted", take_top(&c, THEME_TARGET_MAIN), "assisted",
		          tr(a, "substance.assisted"), &a->s.assisted);
	const char *codes[16];
	int n = 0;
	for (size_t i = 0; i < ank_substance_count() && n < 16; i++) {
		const ank_substance_info *s = ank_substance_at(i);
		/* With the switch on, only what can be injected. */
		if (offered(cfg, s->code) &&
		    (!a->s.assisted || ank_substance_allows(s->code, ANK_ROUTE_INJECT)))
			codes[n++] = s->code;
	}
	/* As many columns as keep every word whole (at most 3 in portrait, 6 in landscape)
	 * and the tiles at least a main target tall. */
	int cols = portrait(a) ? 3 : 6, rows = (n + cols - 1) / cols;
	for (; cols > 2; cols--) {
		rows = (n + cols - 1) / cols;
		ui_rect cell = grid_cell(c, cols, rows, 0, THEME_GAP);
		bool whole = cell.h >= THEME_TARGET_MIN;
		for (int i = 0; i < n && whole; i++) {
			char key[UI_ID_MAX];
			snprintf(key, sizeof key, "substance.%s", codes[i]);
			whole = ui_icon_button_fit(u, cell, tr(a, key), UI_STYLE_CARD) < UI_FIT_CUT;
		}
		if (whole)
			break;
	}
	rows = (n + cols - 1) / cols;
	screen_id next = SCREEN_SUBSTANCE;
	for (int i = 0; i < n; i++) {
		char id[UI_ID_MAX], key[UI_ID_MAX];
		snprintf(id, sizeof id, "substance.%s", codes[i]);
		snprintf(key, sizeof key, "substance.%s", codes[i]);
		if (ui_icon_button(u, id, grid_cell(c, cols, rows, i, THEME_GAP), codes[i],
		                   tr(a, key), UI_STYLE_CARD))
			next = substance_chosen(a, codes[i]);
	}
	if (next == SCREEN_SUBSTANCE)
		step_nav(a, "substance", &next);
	return next;
}

screen_id route_frame(app *a)
{
	ui *u = &a->ui;
	ui_rect c = screen_body(a, "route.title", tr(a, "route.title"));
	take_bottom(&c, THEME_TARGET_MAIN);
	ui_rect area = take_top(&c, portrait(a) ? ROUTES_H : ROUTES_H_LANDSCAPE);
	screen_id next = SCREEN_ROUTE;
	for (int r = 0; r < ANK_ROUTE_COUNT; r++) {
		char id[UI_ID_MAX];
		const char *code = ank_route_code((ank_route)r);
		snprintf(id, sizeof id, "route.%s", code);
		ui_rect cell = portrait(a) ? grid_cell(area, 1, 2, r, THEME_GAP * 2)
		                           : grid_cell(area, 2, 1, r, THEME_GAP * 2);
		if (ui_icon_button(u, id, cell, code,
		                   tr(a, r == ANK_ROUTE_INJECT ? "route.inject" : "route.smoke"),
		                   UI_STYLE_CARD)) {
			a->s.route = (ank_route)r;
			next = do_checkin(a);
		}
	}
	if (next == SCREEN_ROUTE)
		step_nav(a, "route", &next);
	return next;
}
