/* The null renderer: every draw call is a no-op and text is measured by counting code
 * points, so a headless run exercises layout and widgets without rendering a pixel. */
#include "render_null.h"

#include <string.h>

#include "text_lines.h"

#include "theme.h"

/* Advance of one code point in per cent of the font size: about the mean width of Noto
 * Sans letters, so wrapped text takes roughly as many lines as on screen. */
#define NULL_ADVANCE_PCT 55
/* Line height in per cent of the font size: Noto Sans' line skip (ascent + descent). */
#define NULL_LINE_PCT 136

static const int font_px[UI_FONT_COUNT] = THEME_FONT_PX;

#define NULL_MAX_CPS   2048
#define NULL_MAX_LINES 64

static void n_clear(void *ctx, ui_color c)
{
	(void)ctx;
	(void)c;
}

static void n_fill(void *ctx, ui_rect r, ui_color c)
{
	(void)ctx;
	(void)r;
	(void)c;
}

static void n_outline(void *ctx, ui_rect r, ui_color c, int thickness)
{
	(void)ctx;
	(void)r;
	(void)c;
	(void)thickness;
}

/* Every code point (and the ellipsis) is NULL_ADVANCE_PCT of the font size wide. */
static int cp_width(void *ctx, const uint32_t *cps, int n, bool ellipsis)
{
	(void)cps;
	return (n + (ellipsis ? 1 : 0)) * *(const int *)ctx * NULL_ADVANCE_PCT / 100;
}

static void n_text(void *ctx, ui_rect box, const char *utf8, ui_font f, ui_color c, int flags)
{
	(void)ctx;
	(void)box;
	(void)utf8;
	(void)f;
	(void)c;
	(void)flags;
}

/* Lines broken as render_sdl.c breaks them (text_lines.c), by code point counts. */
static ui_text_size n_measure(void *ctx, ui_rect box, const char *utf8, ui_font f, int flags)
{
	(void)ctx;
	ui_text_size out = {0, 0, 0};
	if (!utf8 || !*utf8 || f < 0 || f >= UI_FONT_COUNT)
		return out;
	static uint32_t u[NULL_MAX_CPS];
	int n = ui_utf8_decode(utf8, u, NULL_MAX_CPS);
	int px = font_px[f], skip = px * NULL_LINE_PCT / 100;
	ui_line lines[NULL_MAX_LINES];
	int max_lines = skip > 0 ? box.h / skip : 0;
	out.lines = ui_break_lines(u, n, box.w, max_lines > 0 ? max_lines : 1, flags, cp_width, &px,
	                           lines, NULL_MAX_LINES);
	out.w = ui_lines_width(u, lines, out.lines, cp_width, &px);
	out.h = out.lines * skip;
	return out;
}

static void n_icon(void *ctx, ui_rect r, const char *name, ui_color tint)
{
	(void)ctx;
	(void)r;
	(void)name;
	(void)tint;
}

static void n_modules(void *ctx, ui_rect r, const unsigned char *m, int size)
{
	(void)ctx;
	(void)r;
	(void)m;
	(void)size;
}

ui_renderer ank_null_renderer(void)
{
	return (ui_renderer){.ctx = NULL,
	                     .clear = n_clear,
	                     .fill = n_fill,
	                     .outline = n_outline,
	                     .text = n_text,
	                     .measure = n_measure,
	                     .icon = n_icon,
	                     .modules = n_modules};
}
