/* The null renderer: every draw call is a no-op and text is measured by counting code
 * points, so a headless run exercises layout and widgets without rendering a pixel. */
#include "render_null.h"

#include <string.h>

#include "theme.h"

/* Advance of one code point in per cent of the font size: about the mean width of Noto
 * Sans letters, so wrapped text takes roughly as many lines as on screen. */
#define NULL_ADVANCE_PCT 55
/* Line height in per cent of the font size: Noto Sans' line skip (ascent + descent). */
#define NULL_LINE_PCT 136

static const int font_px[UI_FONT_COUNT] = {THEME_FONT_SMALL, THEME_FONT_BODY, THEME_FONT_LARGE,
                                           THEME_FONT_TITLE, THEME_FONT_HUGE};

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

static bool continuation(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

/* Code points in s[0..n). */
static int code_points(const char *s, size_t n)
{
	int cps = 0;
	for (size_t i = 0; i < n; i++)
		cps += !continuation(s[i]);
	return cps;
}

/* Greedy word wrap by code point count, as render_sdl.c wraps by measured width: a word
 * longer than the line still gets a line of its own. Returns the number of lines. */
static int wrapped_lines(const char *text, int per_line)
{
	int lines = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		int used = 0;
		bool any = false;
		while (*p && *p != '\n') {
			size_t word = strcspn(p, " \n");
			int w = code_points(p, word);
			if (any && used + 1 + w > per_line)
				break;
			used += (any ? 1 : 0) + w;
			any = true;
			p += word;
			while (*p == ' ')
				p++;
		}
		lines++;
		if (*p == '\n')
			p++;
	}
	return lines;
}

static int n_text(void *ctx, ui_rect box, const char *utf8, ui_font f, ui_color c, int flags,
                  bool draw)
{
	(void)ctx;
	(void)c;
	(void)flags;
	(void)draw;
	if (!utf8 || !*utf8 || f < 0 || f >= UI_FONT_COUNT)
		return 0;
	int advance = font_px[f] * NULL_ADVANCE_PCT / 100;
	int per_line = advance > 0 && box.w > advance ? box.w / advance : 1;
	return wrapped_lines(utf8, per_line) * (font_px[f] * NULL_LINE_PCT / 100);
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
	                     .icon = n_icon,
	                     .modules = n_modules};
}
