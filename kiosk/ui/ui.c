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

static ui_widget *record(ui *u, const char *id, ui_role role, ui_rect screen, const char *text,
                         const ui_fit *fit)
{
	if (u->n_widgets >= UI_MAX_WIDGETS)
		return NULL; /* more than a screen should have; drawn but not listed */
	ui_widget *w = &u->widgets[u->n_widgets++];
	snprintf(w->id, sizeof w->id, "%s", id);
	w->role = role;
	snprintf(w->text, sizeof w->text, "%s", text ? text : "");
	w->rect = screen;
	w->checked = false;
	/* What is typed, and the keys that type it, are the person's: never read out. */
	w->speech = role == UI_ROLE_KEY || role == UI_ROLE_FIELD ? UI_SPEECH_PERSONAL : 0;
	w->fit = fit ? fit->state : UI_FIT_OK;
	w->font = fit ? fit->font : UI_FONT_BODY;
	return w;
}

/* ---- fitting text ---- */

static const ui_font font_min[UI_FONT_COUNT] = THEME_FONT_MIN;

/* FNV-1a over the text, then the box size, font and flags: the fit cache's key. */
static unsigned long long fit_key(ui_rect box, const char *text, ui_font f, int flags)
{
	unsigned long long h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	int more[] = {box.w, box.h, (int)f, flags};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
		h = (h ^ (unsigned)more[i]) * 1099511628211ULL;
	return h ? h : 1;
}

static bool fits(ui_text_size m, ui_rect box)
{
	return m.w <= box.w && m.h <= box.h;
}

/* The search of ui_fit_text, uncached. */
static ui_fit fit_uncached(ui *u, ui_rect box, const char *text, ui_font f, int flags)
{
	ui_font min = font_min[f];
	/* Pass 0 shrinks on one line (a title, a word on a tile); pass 1 wraps, at the
	 * largest size that fits. A block starts at pass 1: a paragraph is meant to wrap. */
	for (int pass = (flags & UI_TEXT_BLOCK) ? 1 : 0; pass < 2; pass++) {
		int fl = (pass == 0 ? flags | UI_TEXT_NOWRAP : flags) & ~UI_TEXT_BREAK;
		if (pass == 1 && (flags & UI_TEXT_NOWRAP))
			break; /* asked for one line: nothing to wrap */
		for (int g = (int)f; g >= (int)min; g--) {
			ui_text_size m = u->r.measure(u->r.ctx, box, text, (ui_font)g, fl);
			if (fits(m, box)) {
				bool own = g == (int)f && (pass == 0 || (flags & UI_TEXT_BLOCK));
				return (ui_fit){(ui_font)g, fl, m, own ? UI_FIT_OK : UI_FIT_SHRUNK};
			}
		}
	}
	/* The last resorts, at the smallest size: a nickname is broken between letters (a
	 * person must recognise all of it), anything else is cut with an ellipsis. */
	int fl = (flags & UI_TEXT_BREAK) ? flags & ~UI_TEXT_NOWRAP : flags | UI_TEXT_ELLIPSIS;
	ui_text_size m = u->r.measure(u->r.ctx, box, text, min, fl);
	if ((flags & UI_TEXT_BREAK) && !fits(m, box)) { /* words kept whole take too many lines */
		fl |= UI_TEXT_NOWRAP;
		m = u->r.measure(u->r.ctx, box, text, min, fl);
	}
	ui_fit_state st = !fits(m, box)             ? UI_FIT_OVERFLOW
	                  : (flags & UI_TEXT_BREAK) ? UI_FIT_BROKEN
	                                            : UI_FIT_CUT;
	return (ui_fit){min, fl, m, st};
}

ui_fit ui_fit_text(ui *u, ui_rect box, const char *text, ui_font f, int flags)
{
	if (!text || !*text || f < 0 || f >= UI_FONT_COUNT)
		return (ui_fit){f, flags, {0, 0, 0}, UI_FIT_OK};
	flags = ui_text_flags(u, flags);
	unsigned long long key = fit_key(box, text, f, flags);
	ui_fit_entry *e = &u->fits[key % UI_FIT_CACHE];
	if (e->key == key)
		return e->fit;
	ui_fit fit = fit_uncached(u, box, text, f, flags);
	*e = (ui_fit_entry){key, fit};
	return fit;
}

int ui_text_height(ui *u, int w, int max_h, const char *text, ui_font f, int flags)
{
	return ui_fit_text(u, (ui_rect){0, 0, w, max_h}, text, f, flags).size.h;
}

/* Where fitted text lands inside the screen box pr, as the renderers place it. */
static ui_rect text_extent(const ui *u, ui_rect pr, const ui_fit *fit)
{
	int h = fit->flags & (UI_TEXT_CENTER | UI_TEXT_END);
	if (u->rtl && h != UI_TEXT_CENTER)
		h = h == UI_TEXT_END ? UI_TEXT_START : UI_TEXT_END;
	ui_rect r = {pr.x, pr.y, fit->size.w, fit->size.h};
	if (h == UI_TEXT_CENTER)
		r.x += (pr.w - r.w) / 2;
	else if (h == UI_TEXT_END)
		r.x += pr.w - r.w;
	if (fit->flags & UI_TEXT_MIDDLE)
		r.y += (pr.h - r.h) / 2;
	return r;
}

/* Fits and draws text in the layout box r; returns the fit. */
static ui_fit draw_text(ui *u, ui_rect r, const char *text, ui_font f, ui_color c, int flags)
{
	ui_fit fit = ui_fit_text(u, r, text, f, flags);
	if (text && *text)
		u->r.text(u->r.ctx, ui_mirror(u, r), text, fit.font, c, fit.flags);
	return fit;
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
	ui_fit fit = draw_text(u, r, text, f, c, flags);
	record(u, id, UI_ROLE_LABEL, text_extent(u, ui_mirror(u, r), &fit), text, &fit);
	return fit.size.h;
}

static void draw_box(ui *u, ui_rect pr, ui_color bg, bool border)
{
	u->r.fill(u->r.ctx, pr, bg);
	if (border)
		u->r.outline(u->r.ctx, pr, THEME_CARD_BORDER, 3);
}

bool ui_button(ui *u, const char *id, ui_rect r, const char *text, ui_style s)
{
	return ui_button_ex(u, id, r, text, s, 0);
}

bool ui_button_ex(ui *u, const char *id, ui_rect r, const char *text, ui_style s, int flags)
{
	ui_rect pr = ui_mirror(u, r);
	bool hit = interact(u, id, pr);
	ui_color bg, fg;
	bool border;
	style_colors(u, id, s, &bg, &fg, &border);
	draw_box(u, pr, bg, border);
	/* Keys, and cards tall enough for it (a birth year, a language), get large words. */
	ui_font f = s == UI_STYLE_KEY || r.h >= THEME_LARGE_CARD_H ? UI_FONT_LARGE : UI_FONT_BODY;
	ui_rect inner = {r.x + 12, r.y + 4, r.w - 24, r.h - 8};
	ui_fit fit = draw_text(u, inner, text, f, fg,
	                       UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD | flags);
	record(u, id, s == UI_STYLE_KEY ? UI_ROLE_KEY : UI_ROLE_BUTTON, pr, text, &fit);
	return hit;
}

/* Icon and word inside a card: stacked when the card is tall, side by side when wide. */
/* Where a card's pictogram (*ir) and words (*tr) go; the words' flags. */
static int icon_text_rects(ui_rect r, ui_rect *ir, ui_rect *tr)
{
	if (r.h * 5 >= r.w * 4) {
		int side = (r.w < r.h ? r.w : r.h) * 45 / 100;
		*ir = (ui_rect){r.x + (r.w - side) / 2, r.y + r.h / 10, side, side};
		*tr = (ui_rect){r.x + 8, ir->y + side + 8, r.w - 16,
		                r.y + r.h - (ir->y + side + 8)};
		return UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD;
	}
	int side = r.h * 60 / 100;
	*ir = (ui_rect){r.x + THEME_GAP, r.y + (r.h - side) / 2, side, side};
	*tr = (ui_rect){ir->x + side + THEME_GAP, r.y, r.w - side - 3 * THEME_GAP, r.h};
	return UI_TEXT_START | UI_TEXT_MIDDLE | UI_TEXT_BOLD;
}

static ui_font card_font(ui_style s)
{
	return s == UI_STYLE_PRIMARY ? UI_FONT_TITLE : UI_FONT_BODY;
}

ui_fit_state ui_icon_button_fit(ui *u, ui_rect r, const char *text, ui_style s)
{
	ui_rect ir, tr;
	int flags = icon_text_rects(r, &ir, &tr);
	return ui_fit_text(u, tr, text, card_font(s), flags).state;
}

static ui_fit icon_and_text(ui *u, ui_rect r, const char *icon, const char *text, ui_color fg,
                            bool on_dark, ui_font font)
{
	ui_rect ir, tr;
	int flags = icon_text_rects(r, &ir, &tr);
	/* On the primary colour the pictogram is drawn in the words' colour (white): a white
	 * tile with a dark check looked like a ticked box. */
	u->r.icon(u->r.ctx, ui_mirror(u, ir), icon, on_dark ? fg : THEME_TEXT);
	return draw_text(u, tr, text, font, fg, flags);
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
	ui_fit fit = icon_and_text(u, r, icon, text, fg, s == UI_STYLE_PRIMARY, card_font(s));
	record(u, id, UI_ROLE_BUTTON, pr, text, &fit);
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
	ui_fit fit = icon_and_text(u, rest, icon, text, THEME_TEXT, false, UI_FONT_BODY);
	ui_widget *w = record(u, id, UI_ROLE_TOGGLE, pr, text, &fit);
	if (w)
		w->checked = *value;
	return hit;
}

void ui_modules(ui *u, const char *id, ui_rect r, const unsigned char *m, int size,
                const char *text)
{
	ui_rect pr = ui_mirror(u, r);
	u->r.modules(u->r.ctx, pr, m, size);
	record(u, id, UI_ROLE_IMAGE, pr, text, NULL);
}

void ui_field(ui *u, const char *id, ui_rect r, const char *text, ui_font f)
{
	ui_rect pr = ui_mirror(u, r);
	draw_box(u, pr, THEME_CARD, true);
	/* What was typed is shown whole: it shrinks, then wraps, then breaks, never cut. */
	ui_rect inner = {r.x + THEME_GAP, r.y, r.w - 2 * THEME_GAP, r.h};
	ui_fit fit = draw_text(u, inner, text, f, THEME_TEXT, UI_TEXT_MIDDLE | UI_TEXT_BREAK);
	record(u, id, UI_ROLE_FIELD, pr, text, &fit);
}

const ui_widget *ui_find(const ui *u, const char *id)
{
	for (int i = 0; i < u->n_widgets; i++)
		if (!strcmp(u->widgets[i].id, id))
			return &u->widgets[i];
	return NULL;
}

void ui_mark(ui *u, const char *id, unsigned flags)
{
	for (int i = u->n_widgets - 1; i >= 0; i--)
		if (!strcmp(u->widgets[i].id, id)) {
			u->widgets[i].speech |= flags;
			return;
		}
}

const ui_widget *ui_activated(const ui *u)
{
	return u->clicked[0] ? ui_find(u, u->clicked) : NULL;
}

size_t ui_spoken_prompt(const ui *u, char *out, size_t n)
{
	size_t len = 0;
	if (n)
		out[0] = '\0';
	for (int i = 0; i < u->n_widgets; i++) {
		const ui_widget *w = &u->widgets[i];
		if (!(w->speech & UI_SPEECH_PROMPT) || (w->speech & UI_SPEECH_PERSONAL) ||
		    !w->text[0])
			continue;
		/* A line break on screen is a pause when read; each widget ends a sentence
		 * unless its text already does. */
		size_t tl = strlen(w->text);
		char last = w->text[tl - 1];
		bool ends = last == '.' || last == '!' || last == '?' || last == ':';
		int k = snprintf(out + len, n - len, "%s%s%s", len ? " " : "", w->text,
		                 ends ? "" : ".");
		if (k < 0 || (size_t)k >= n - len)
			break; /* the rest does not fit: the prompt ends at the last whole text */
		for (size_t j = len; j < len + (size_t)k; j++)
			if (out[j] == '\n')
				out[j] = ' ';
		len += (size_t)k;
	}
	if (len < n)
		out[len] = '\0';
	return len;
}

const char *ui_role_name(ui_role r)
{
	static const char *const names[UI_ROLE_COUNT] = {"label",  "button", "key",
	                                                 "toggle", "image",  "field"};
	return (r >= 0 && r < UI_ROLE_COUNT) ? names[r] : "?";
}

const char *ui_fit_name(ui_fit_state s)
{
	static const char *const names[] = {"ok", "shrunk", "broken", "cut", "overflow"};
	return (s >= 0 && s <= UI_FIT_OVERFLOW) ? names[s] : "?";
}

int ui_dump(const ui *u, const char *screen, const char *lang, ank_buf *out)
{
	json_t *list = json_array();
	for (int i = 0; i < u->n_widgets; i++) {
		const ui_widget *w = &u->widgets[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:[i,i,i,i]}", "id", w->id, "role",
		                      ui_role_name(w->role), "text", w->text, "rect", w->rect.x,
		                      w->rect.y, w->rect.w, w->rect.h);
		if (o && w->role == UI_ROLE_TOGGLE)
			json_object_set_new(o, "checked", json_boolean(w->checked));
		if (o && w->fit != UI_FIT_OK)
			json_object_set_new(o, "fit", json_string(ui_fit_name(w->fit)));
		if (o && (w->speech & UI_SPEECH_PROMPT))
			json_object_set_new(o, "prompt", json_true());
		if (o && (w->speech & UI_SPEECH_PERSONAL))
			json_object_set_new(o, "personal", json_true());
		json_array_append_new(list, o);
	}
	static char spoken[UI_TEXT_MAX * 4]; /* large: not on the stack; one dump at a time */
	ui_spoken_prompt(u, spoken, sizeof spoken);
	json_t *root =
	        json_pack("{s:s, s:s, s:s, s:s, s:o}", "screen", screen, "lang", lang, "direction",
	                  u->rtl ? "rtl" : "ltr", "spoken", spoken, "widgets", list);
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	int rc = text ? ank_buf_puts(out, text) : -1;
	free(text);
	return rc;
}
