/* Line breaking shared by both renderers: where a paragraph of code points breaks into
 * lines for a width, how a word too long for a line is broken, and where an ellipsis cuts
 * text that does not fit its box. The renderers only say how wide a run of text is. */
#ifndef ANK_TEXT_LINES_H
#define ANK_TEXT_LINES_H

#include <stdbool.h>
#include <stdint.h>

#define UI_ELLIPSIS_CP 0x2026u /* "…" */

typedef struct ui_line {
	int start, len; /* code points of the paragraph */
	bool ellipsis;  /* the line is drawn with an ellipsis after it: text was cut here */
} ui_line;

/* Width in pixels of cps[0..n) on one line, with an ellipsis after it when `ellipsis`. */
typedef int (*ui_width_fn)(void *ctx, const uint32_t *cps, int n, bool ellipsis);

/* Decodes UTF-8 into at most cap code points (invalid bytes become U+FFFD); returns the
 * count. */
int ui_utf8_decode(const char *s, uint32_t *out, int cap);

/* Breaks u[0..n) into lines (at most cap) as `flags` (UI_TEXT_* of ui.h) ask:
 * - always at '\n'; at spaces unless UI_TEXT_NOWRAP, greedily, no line wider than width;
 * - a word wider than a line gets a line of its own, or with UI_TEXT_BREAK is broken
 *   between characters (nicknames: never cut, always shown whole); with both
 *   UI_TEXT_BREAK and UI_TEXT_NOWRAP, lines are filled letter by letter, spaces kept
 *   except at a line's start;
 * - with UI_TEXT_ELLIPSIS, at most max_lines lines (max_lines > 0), none wider than width:
 *   a line that is too wide, and the last one kept when lines were dropped, end in an
 *   ellipsis.
 * Returns the number of lines. */
int ui_break_lines(const uint32_t *u, int n, int width, int max_lines, int flags,
                   ui_width_fn width_of, void *ctx, ui_line *lines, int cap);

/* The widest of lines[0..n) of u, with their ellipses: what a renderer reports as the
 * text's width. */
int ui_lines_width(const uint32_t *u, const ui_line *lines, int n, ui_width_fn width_of, void *ctx);

#endif
