/* Every visual constant of the kiosk in one place: sizes in pixels at 1080 px short
 * side (scaled for other sizes), spacing, font sizes and colours with their contrast. */
#ifndef ANK_THEME_H
#define ANK_THEME_H

#include "ui.h"

/* Touch target: 80 px minimum at 1080p (issue 3); main actions are taller because a
 * shaking finger misses small targets. Keyboard keys are cells of the keyboard grid. */
#define THEME_TARGET_MIN   80
#define THEME_TARGET_MAIN  140
#define THEME_LARGE_CARD_H 180 /* a card this tall shows its words large */
/* Gap between targets: a tap slightly off lands on nothing rather than the neighbour. */
#define THEME_GAP 20
/* The least space between two targets the layout check accepts (keyboard keys). */
#define THEME_TARGET_SPACING 8
#define THEME_MARGIN         48
/* Shared layout sizes of the screens; landscape has less height to give. */
#define THEME_TITLE_H         120                      /* the screen title's band, portrait */
#define THEME_TITLE_H_LAND    90                       /* the same in landscape */
#define THEME_ALERT_ICON      120                      /* the drug alert's pictogram, portrait */
#define THEME_ALERT_ICON_LAND 90                       /* the same in landscape */
#define THEME_ALERT_PAD       20                       /* above and below the alert's text */
#define THEME_FINAL_H         (THEME_TARGET_MAIN + 40) /* the button ending a visit */
#define THEME_KEY_GAP         THEME_TARGET_SPACING     /* between keyboard keys in a row */
#define THEME_KEY_ROW_GAP     10                       /* between keyboard rows */
#define THEME_SPACE_MARK      8                 /* thickness of the bar drawn on the space key */
#define THEME_LINE_ICON       70                /* a pictogram at the start of a line of text */
#define THEME_LINE_INDENT     90                /* where the text after that pictogram starts */
#define THEME_INFO_LINE_H     80                /* a line of information, at least */
#define THEME_LANG_BUTTON_W   THEME_TARGET_MAIN /* the language button (a globe) in a title band */
#define THEME_LANG_ICON_PCT   70                /* the globe's side, in % of that button's height */
#define THEME_LANG_CHOICE_H   180               /* a language on the language screen */
#define THEME_LANG_ROW_H_LAND 100 /* a row of the welcome's languages in landscape, when 2+ */

/* Font pixel sizes, in ui_font's order (smallest first). */
#define THEME_FONT_SMALL    30
#define THEME_FONT_BODY     40
#define THEME_FONT_MEDIUM   48
#define THEME_FONT_LARGE    56
#define THEME_FONT_SUBTITLE 64
#define THEME_FONT_TITLE    72
#define THEME_FONT_BIG      120
#define THEME_FONT_HUGE     260
#define THEME_FONT_PX                                                                              \
	{                                                                                          \
		THEME_FONT_SMALL, THEME_FONT_BODY, THEME_FONT_MEDIUM, THEME_FONT_LARGE,            \
		        THEME_FONT_SUBTITLE, THEME_FONT_TITLE, THEME_FONT_BIG, THEME_FONT_HUGE     \
	}
/* Lines of Arabic text are this far apart, in % of the font size (Latin: the font's own
 * line skip, 137 %); see render_sdl.c line_skip. */
#define THEME_ARABIC_LINE_PCT 165
/* The smallest size each size shrinks to before its text wraps or is cut (issue 11): about
 * two thirds of it, never under 30 px, the smallest text read at arm's length here. */
#define THEME_FONT_MIN                                                                             \
	{                                                                                          \
		UI_FONT_SMALL, UI_FONT_SMALL, UI_FONT_SMALL, UI_FONT_BODY, UI_FONT_BODY,           \
		        UI_FONT_MEDIUM, UI_FONT_TITLE, UI_FONT_BIG                                 \
	}

/* Colours. Contrast ratios (WCAG) against the colour they are drawn on. */
#define THEME_BG              ((ui_color){0xF7, 0xF5, 0xF0, 0xFF}) /* warm off-white, less glare */
#define THEME_TEXT            ((ui_color){0x1A, 0x1A, 0x1A, 0xFF}) /* on BG: 16.3:1 */
#define THEME_MUTED           ((ui_color){0x4A, 0x4A, 0x4A, 0xFF}) /* on BG: 8.4:1 */
#define THEME_PRIMARY         ((ui_color){0x0B, 0x5C, 0xAD, 0xFF}) /* white text on it: 6.7:1 */
#define THEME_PRIMARY_PRESSED ((ui_color){0x07, 0x3F, 0x78, 0xFF}) /* white on it: 10.6:1 */
#define THEME_ON_PRIMARY      ((ui_color){0xFF, 0xFF, 0xFF, 0xFF})
#define THEME_CARD            ((ui_color){0xFF, 0xFF, 0xFF, 0xFF}) /* TEXT on it: 17.4:1 */
#define THEME_CARD_PRESSED    ((ui_color){0xD6, 0xE4, 0xF2, 0xFF}) /* TEXT on it: 13.9:1 */
#define THEME_CARD_BORDER     ((ui_color){0x8A, 0x8A, 0x8A, 0xFF}) /* 3.2:1, non-text */
#define THEME_SELECTED        ((ui_color){0xD6, 0xE4, 0xF2, 0xFF}) /* TEXT on it: 13.9:1 */
/* A toggle that is on says so by its frame, not only by its pale fill (1.3:1 against a card):
 * the primary colour, thick, 6.7:1 against white (WCAG 1.4.11 wants 3:1 for states). */
#define THEME_SELECTED_BORDER ((ui_color){0x0B, 0x5C, 0xAD, 0xFF})
#define THEME_SELECTED_FRAME  8                                    /* px */
#define THEME_ALERT_BG        ((ui_color){0xFF, 0xE0, 0x8A, 0xFF}) /* TEXT on it: 14.4:1 */
/* A danger-to-life alert: a pale red, so that it differs from the warning by more than its
 * title and pictogram, with the same dark text. */
#define THEME_ALERT_DANGER_BG ((ui_color){0xFF, 0xC2, 0xC2, 0xFF})
#define THEME_REFUSED_BG      ((ui_color){0xE8, 0xEE, 0xF4, 0xFF}) /* calm blue-grey, TEXT 15:1 */
#define THEME_DISPLAY_BG      ((ui_color){0x10, 0x1E, 0x2E, 0xFF}) /* display: light text on dark */
#define THEME_DISPLAY_TEXT    ((ui_color){0xFF, 0xFF, 0xFF, 0xFF}) /* on DISPLAY_BG: 16.9:1 */
#define THEME_DISPLAY_CALL    ((ui_color){0xFF, 0xD3, 0x4D, 0xFF}) /* on DISPLAY_BG: 11.6:1 */

#endif
