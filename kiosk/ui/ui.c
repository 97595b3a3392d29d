/* Immediate-mode widgets: each call draws, records itself for the dump, and returns
 * whether it was activated (pressed and released inside). */
#include "ui.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

void ui_init(ui *u, ui_renderer r, int w, int h)
{
	memset(u, 0, sizeof *u);
	u->r = r;
	u->w = w;
	u->h = h;
}

void ui_input_press(ui *u, int x, int y)
{
	u->press_pending = true;
	u->press_x = x;
	u->press_y = y;
}

void ui_input_release(ui *u, int x, int y)
{
	u->release_pending = true;
	u->release_x = x;
	u->release_y = y;
}

bool ui_input_pending(const ui *u)
{
	return u->press_pending || u->release_pending;
}

void ui_begin(ui *u, ui_color background)
{
	u->n_widgets = 0;
	u->clicked[0] = '\0';
	u->r.clear(u->r.ctx, background);
}

void ui_end(ui *u)
{
	if (u->press_pending)
		u->press_pending = false;
	if (u->release_pending) {
		u->release_pending = false;
		u->active[0] = '\0';
	}
}

ui_rect ui_mirror(const ui *u, ui_rect r)
{
	if (u->rtl)
		r.x = u->w - r.x - r.w;
	return r;
}

int ui_text_flags(const ui *u, int flags)
{
	return u->rtl ? flags | UI_TEXT_RTL : flags;
}

static bool inside(ui_rect r, int x, int y)
{
	return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

static ui_widget *record(ui *u, const char *id, ui_role role, ui_rect screen, const char *text)
{
	if (u->n_widgets >= UI_MAX_WIDGETS)
		return NULL; /* more than a screen should have; drawn but not listed */
	ui_widget *w = &u->widgets[u->n_widgets++];
	snprintf(w->id, sizeof w->id, "%s", id);
	w->role = role;
	snprintf(w->text, sizeof w->text, "%s", text ? text : "");
	w->rect = screen;
	w->checked = false;
	return w;
}

/* Press/release bookkeeping for an interactive widget at screen rect pr. */
static bool interact(ui *u, const char *id, ui_rect pr)
{
	if (u->press_pending && inside(pr, u->press_x, u->press_y))
		snprintf(u->active, sizeof u->active, "%s", id);
	if (u->release_pending && !strcmp(u->active, id)) {
		if (inside(pr, u->release_x, u->release_y)) {
			snprintf(u->clicked, sizeof u->clicked, "%s", id);
			u->activations++;
			return true;
		}
	}
	return false;
}

static void style_colors(const ui *u, const char *id, ui_style s, ui_color *bg, ui_color *fg,
                         bool *border)
{
	bool pressed = !strcmp(u->active, id);
	*border = false;
	switch (s) {
	case UI_STYLE_PRIMARY:
		*bg = pressed ? THEME_PRIMARY_PRESSED : THEME_PRIMARY;
		*fg = THEME_ON_PRIMARY;
		break;
	case UI_STYLE_QUIET:
		*bg = pressed ? THEME_CARD_PRESSED : THEME_BG;
		*fg = THEME_TEXT;
		*border = true;
		break;
	default:
		*bg = pressed ? THEME_CARD_PRESSED : THEME_CARD;
		*fg = THEME_TEXT;
		*border = true;
	}
}

void ui_fill(ui *u, ui_rect r, ui_color c)
{
	u->r.fill(u->r.ctx, ui_mirror(u, r), c);
}

int ui_label(ui *u, const char *id, ui_rect r, const char *text, ui_font f, ui_color c, int flags)
{
	ui_rect pr = ui_mirror(u, r);
	int h = u->r.text(u->r.ctx, pr, text, f, c, ui_text_flags(u, flags), true);
	ui_rect used = pr;
	if (!(flags & UI_TEXT_MIDDLE) && h < used.h)
		used.h = h;
	record(u, id, UI_ROLE_LABEL, used, text);
	return h;
}

static void draw_box(ui *u, ui_rect pr, ui_color bg, bool border)
{
	u->r.fill(u->r.ctx, pr, bg);
	if (border)
		u->r.outline(u->r.ctx, pr, THEME_CARD_BORDER, 3);
}

bool ui_button(ui *u, const char *id, ui_rect r, const char *text, ui_style s)
{
	ui_rect pr = ui_mirror(u, r);
	bool hit = interact(u, id, pr);
	ui_color bg, fg;
	bool border;
	style_colors(u, id, s, &bg, &fg, &border);
	draw_box(u, pr, bg, border);
	ui_font f = s == UI_STYLE_KEY ? UI_FONT_LARGE : UI_FONT_BODY;
	ui_rect inner = {pr.x + 12, pr.y + 4, pr.w - 24, pr.h - 8};
	u->r.text(u->r.ctx, inner, text, f, fg,
	          ui_text_flags(u, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD), true);
	record(u, id, s == UI_STYLE_KEY ? UI_ROLE_KEY : UI_ROLE_BUTTON, pr, text);
	return hit;
}

/* Icon and word inside a card: stacked when the card is tall, side by side when wide. */
static void icon_and_text(ui *u, ui_rect r, const char *icon, const char *text, ui_color fg,
                          bool on_dark, ui_font font)
{
	ui_rect ir, tr;
	if (r.h * 5 >= r.w * 4) {
		int side = (r.w < r.h ? r.w : r.h) * 45 / 100;
		ir = (ui_rect){r.x + (r.w - side) / 2, r.y + r.h / 10, side, side};
		tr = (ui_rect){r.x + 8, ir.y + side + 8, r.w - 16, r.y + r.h - (ir.y + side + 8)};
	} else {
		int side = r.h * 60 / 100;
		ir = (ui_rect){r.x + THEME_GAP, r.y + (r.h - side) / 2, side, side};
		tr = (ui_rect){ir.x + side + THEME_GAP, r.y, r.w - side - 3 * THEME_GAP, r.h};
	}
	/* On the primary colour the pictogram is drawn in the words' colour (white): a white
	 * tile with a dark check looked like a ticked box. */
	u->r.icon(u->r.ctx, ui_mirror(u, ir), icon, on_dark ? fg : THEME_TEXT);
	u->r.text(u->r.ctx, ui_mirror(u, tr), text, font, fg,
	          ui_text_flags(u, (r.h * 5 >= r.w * 4 ? UI_TEXT_CENTER : UI_TEXT_START) |
	                                   UI_TEXT_MIDDLE | UI_TEXT_BOLD),
	          true);
}

bool ui_icon_button(ui *u, const char *id, ui_rect r, const char *icon, const char *text,
                    ui_style s)
{
	ui_rect pr = ui_mirror(u, r);
	bool hit = interact(u, id, pr);
	ui_color bg, fg;
	bool border;
	style_colors(u, id, s, &bg, &fg, &border);
	draw_box(u, pr, bg, border);
	icon_and_text(u, r, icon, text, fg, s == UI_STYLE_PRIMARY,
	              s == UI_STYLE_PRIMARY ? UI_FONT_TITLE : UI_FONT_BODY);
	record(u, id, UI_ROLE_BUTTON, pr, text);
	return hit;
}

bool ui_toggle(ui *u, const char *id, ui_rect r, const char *icon, const char *text, bool *value)
{
	ui_rect pr = ui_mirror(u, r);
	bool hit = interact(u, id, pr);
	if (hit)
		*value = !*value;
	bool pressed = !strcmp(u->active, id);
	draw_box(u, pr, pressed ? THEME_CARD_PRESSED : (*value ? THEME_SELECTED : THEME_CARD),
	         true);
	if (*value && !pressed)
		u->r.outline(u->r.ctx, pr, THEME_SELECTED_BORDER, THEME_SELECTED_FRAME);
	/* The check box sits at the end so the pictogram and words read first. */
	int box = r.h * 45 / 100;
	ui_rect cb = {r.x + r.w - box - THEME_GAP, r.y + (r.h - box) / 2, box, box};
	ui_rect cbp = ui_mirror(u, cb);
	u->r.fill(u->r.ctx, cbp, THEME_CARD);
	u->r.outline(u->r.ctx, cbp, THEME_TEXT, 4);
	if (*value)
		u->r.icon(u->r.ctx, cbp, "check", THEME_TEXT);
	ui_rect rest = {r.x, r.y, r.w - box - THEME_GAP, r.h};
	icon_and_text(u, rest, icon, text, THEME_TEXT, false, UI_FONT_BODY);
	ui_widget *w = record(u, id, UI_ROLE_TOGGLE, pr, text);
	if (w)
		w->checked = *value;
	return hit;
}

void ui_modules(ui *u, const char *id, ui_rect r, const unsigned char *m, int size,
                const char *text)
{
	ui_rect pr = ui_mirror(u, r);
	u->r.modules(u->r.ctx, pr, m, size);
	record(u, id, UI_ROLE_IMAGE, pr, text);
}

void ui_field(ui *u, const char *id, ui_rect r, const char *text, ui_font f)
{
	ui_rect pr = ui_mirror(u, r);
	draw_box(u, pr, THEME_CARD, true);
	ui_rect inner = {pr.x + THEME_GAP, pr.y, pr.w - 2 * THEME_GAP, pr.h};
	u->r.text(u->r.ctx, inner, text, f, THEME_TEXT, ui_text_flags(u, UI_TEXT_MIDDLE), true);
	record(u, id, UI_ROLE_FIELD, pr, text);
}

const ui_widget *ui_find(const ui *u, const char *id)
{
	for (int i = 0; i < u->n_widgets; i++)
		if (!strcmp(u->widgets[i].id, id))
			return &u->widgets[i];
	return NULL;
}

const char *ui_role_name(ui_role r)
{
	static const char *const names[UI_ROLE_COUNT] = {"label",  "button", "key",
	                                                 "toggle", "image",  "field"};
	return (r >= 0 && r < UI_ROLE_COUNT) ? names[r] : "?";
}

int ui_dump(const ui *u, const char *screen, ank_buf *out)
{
	json_t *list = json_array();
	for (int i = 0; i < u->n_widgets; i++) {
		const ui_widget *w = &u->widgets[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:[i,i,i,i]}", "id", w->id, "role",
		                      ui_role_name(w->role), "text", w->text, "rect", w->rect.x,
		                      w->rect.y, w->rect.w, w->rect.h);
		if (o && w->role == UI_ROLE_TOGGLE)
			json_object_set_new(o, "checked", json_boolean(w->checked));
		json_array_append_new(list, o);
	}
	json_t *root = json_pack("{s:s, s:s, s:o}", "screen", screen, "direction",
	                         u->rtl ? "rtl" : "ltr", "widgets", list);
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	int rc = text ? ank_buf_puts(out, text) : -1;
	free(text);
	return rc;
}
