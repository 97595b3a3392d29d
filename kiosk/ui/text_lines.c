/* Greedy line breaking with word breaking and ellipsis cuts, in logical order: the
 * renderers reorder each line for display (bidi) after it is broken. */
#include "text_lines.h"

#include "ui.h"

int ui_utf8_decode(const char *s, uint32_t *out, int cap)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0;
	while (*p && n < cap) {
		uint32_t c = *p;
		int more = c < 0x80             ? 0
		           : (c & 0xE0) == 0xC0 ? 1
		           : (c & 0xF0) == 0xE0 ? 2
		           : (c & 0xF8) == 0xF0 ? 3
		                                : -1;
		if (more < 0) {
			out[n++] = 0xFFFD;
			p++;
			continue;
		}
		c = more == 0 ? c : c & (0x3Fu >> more);
		int k = 1;
		for (; k <= more; k++) {
			if ((p[k] & 0xC0) != 0x80)
				break;
			c = (c << 6) | (p[k] & 0x3Fu);
		}
		if (k <= more) { /* truncated sequence */
			out[n++] = 0xFFFD;
			p += k;
			continue;
		}
		out[n++] = c;
		p += more + 1;
	}
	return n;
}

/* Where the line starting at i ends (exclusive) under greedy word wrap. */
static int line_end(const uint32_t *u, int n, int i, int width, int flags, ui_width_fn width_of,
                    void *ctx)
{
	int end = i, best = -1;
	bool forced = false; /* best is a first word wider than the line */
	if ((flags & UI_TEXT_NOWRAP) && (flags & UI_TEXT_BREAK)) {
		/* Broken anywhere, letters filling each line: a long name in a short box. */
		while (end < n && u[end] != '\n' &&
		       (end == i || width_of(ctx, u + i, end + 1 - i, false) <= width))
			end++;
		return end;
	}
	if (flags & UI_TEXT_NOWRAP) {
		while (end < n && u[end] != '\n')
			end++;
		return end;
	}
	while (end <= n) {
		if (end == n || u[end] == ' ' || u[end] == '\n') {
			int w = width_of(ctx, u + i, end - i, false);
			if (w <= width || best < 0) {
				forced = w > width;
				best = end;
			}
			if (w > width || end == n || u[end] == '\n')
				break;
		}
		end++;
	}
	if (forced && (flags & UI_TEXT_BREAK)) {
		/* The longest start of the word that fits, at least one character. */
		int k = 1;
		while (i + k < best && width_of(ctx, u + i, k + 1, false) <= width)
			k++;
		best = i + k;
	}
	return best;
}

/* Shortens line l until it and an ellipsis fit width (spaces before the ellipsis go). */
static void cut(const uint32_t *u, ui_line *l, int width, ui_width_fn width_of, void *ctx)
{
	l->ellipsis = true;
	while (l->len > 0 && width_of(ctx, u + l->start, l->len, true) > width)
		l->len--;
	while (l->len > 0 && u[l->start + l->len - 1] == ' ')
		l->len--;
}

int ui_break_lines(const uint32_t *u, int n, int width, int max_lines, int flags,
                   ui_width_fn width_of, void *ctx, ui_line *lines, int cap)
{
	int nl = 0, i = 0;
	bool dropped = false;
	int keep = (flags & UI_TEXT_ELLIPSIS) && max_lines > 0 && max_lines < cap ? max_lines : cap;
	while (i < n) {
		if (u[i] == ' ' && (!(flags & UI_TEXT_NOWRAP) || (flags & UI_TEXT_BREAK))) {
			i++;
			continue;
		}
		if (nl == keep) {
			dropped = true;
			break;
		}
		int end = line_end(u, n, i, width, flags, width_of, ctx);
		lines[nl++] = (ui_line){i, end - i, false};
		i = end;
		if (i < n && u[i] == '\n')
			i++;
	}
	if (!(flags & UI_TEXT_ELLIPSIS))
		return nl;
	for (int l = 0; l < nl; l++)
		if (width_of(ctx, u + lines[l].start, lines[l].len, false) > width ||
		    (dropped && l == nl - 1))
			cut(u, &lines[l], width, width_of, ctx);
	return nl;
}

int ui_lines_width(const uint32_t *u, const ui_line *lines, int n, ui_width_fn width_of, void *ctx)
{
	int widest = 0;
	for (int l = 0; l < n; l++) {
		int w = width_of(ctx, u + lines[l].start, lines[l].len, lines[l].ellipsis);
		if (w > widest)
			widest = w;
	}
	return widest;
}
