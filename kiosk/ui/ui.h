/* The kiosk's immediate-mode UI toolkit: widgets that draw through a small renderer
 * interface and report what happened, a widget list for the headless dump and a screen
 * reader, and the input calls the SDL adapter feeds. No SDL here (style guide 9). */
#ifndef ANK_UI_H
#define ANK_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "ank_buf.h"

typedef struct ui_rect {
	int x, y, w, h;
} ui_rect;

typedef struct ui_color {
	unsigned char r, g, b, a;
} ui_color;

/* Text sizes, smallest first: text that does not fit its box steps down this list to its
 * named minimum (THEME_FONT_MIN in theme.h). Pixel sizes are THEME_FONT_PX. */
typedef enum ui_font {
	UI_FONT_SMALL,
	UI_FONT_BODY,
	UI_FONT_MEDIUM,
	UI_FONT_LARGE,
	UI_FONT_SUBTITLE,
	UI_FONT_TITLE,
	UI_FONT_BIG,
	UI_FONT_HUGE,
	UI_FONT_COUNT
} ui_font;

/* Text flags. START and END follow the paragraph direction (END is left in Arabic). */
enum {
	UI_TEXT_START = 0,
	UI_TEXT_CENTER = 1,
	UI_TEXT_END = 2,
	UI_TEXT_MIDDLE = 4, /* centre vertically in the box */
	UI_TEXT_BOLD = 8,
	UI_TEXT_RTL = 16, /* the paragraph is right-to-left */
	/* How text that does not fit is made to (issue 11). Text shrinks first, down to its
	 * font's minimum, on one line; then wraps; then, as the last resort, is cut with an
	 * ellipsis. */
	UI_TEXT_NOWRAP = 32,    /* one line (breaks only at '\n') */
	UI_TEXT_BREAK = 64,     /* a word too long for a line is broken, never cut: nicknames */
	UI_TEXT_ELLIPSIS = 128, /* cut to the box with "…" (set by the toolkit, last resort) */
	UI_TEXT_BLOCK = 256,    /* a paragraph: wraps at its own size before it shrinks */
};

/* A measured text: its widest line and its height, in pixels. */
typedef struct ui_text_size {
	int w, h, lines;
} ui_text_size;

/* How a widget's text was made to fit its box; the layout check fails on OVERFLOW. */
typedef enum ui_fit_state {
	UI_FIT_OK,       /* at its own size */
	UI_FIT_SHRUNK,   /* at a smaller size, or wrapped */
	UI_FIT_BROKEN,   /* a word broken between characters (UI_TEXT_BREAK) */
	UI_FIT_CUT,      /* cut with an ellipsis */
	UI_FIT_OVERFLOW, /* does not fit even so: the text leaves its box */
} ui_fit_state;

/* What a renderer must do; render_sdl.c implements it on SDL2 + SDL2_ttf + FriBidi,
 * render_null.c as no-ops with text measured by counting code points. */
typedef struct ui_renderer {
	void *ctx;
	void (*clear)(void *ctx, ui_color c);
	void (*fill)(void *ctx, ui_rect r, ui_color c);
	void (*outline)(void *ctx, ui_rect r, ui_color c, int thickness);
	/* Shaped, bidi-ordered text inside box, broken into lines as flags say
	 * (text_lines.h); '\n' always starts a line. */
	void (*text)(void *ctx, ui_rect box, const char *utf8, ui_font f, ui_color c, int flags);
	/* What text() would draw: the widest line and the height. Without UI_TEXT_ELLIPSIS
	 * box.h is not used. */
	ui_text_size (*measure)(void *ctx, ui_rect box, const char *utf8, ui_font f, int flags);
	/* assets/icons/NAME.svg fitted into r in colour `tint` (the pictograms are one colour:
	 * dark on light, white on the primary colour); nothing if it cannot be loaded. */
	void (*icon)(void *ctx, ui_rect r, const char *name, ui_color tint);
	/* A square of size x size modules (1 = dark) scaled to fit r, on white. */
	void (*modules)(void *ctx, ui_rect r, const unsigned char *m, int size);
} ui_renderer;

typedef enum ui_role {
	UI_ROLE_LABEL,
	UI_ROLE_BUTTON,
	UI_ROLE_KEY,
	UI_ROLE_TOGGLE,
	UI_ROLE_IMAGE,
	UI_ROLE_FIELD,
	UI_ROLE_COUNT
} ui_role;

#define UI_ID_MAX      128 /* "staff.station." + a 63-byte station id + an action */
#define UI_TEXT_MAX    512
#define UI_MAX_WIDGETS 192

/* What a screen reader (and the kiosk's spoken prompts) may do with a widget's text. */
enum {
	UI_SPEECH_PROMPT = 1,   /* part of the screen's prompt, read when the screen comes up */
	UI_SPEECH_PERSONAL = 2, /* a nickname, a birth year, typed letters: never read aloud */
};

typedef struct ui_widget {
	char id[UI_ID_MAX];
	ui_role role;
	char text[UI_TEXT_MAX];
	ui_rect rect; /* on screen, after mirroring; for a label, where its text is drawn */
	bool checked;
	ui_fit_state fit; /* how its text fits (the worst of its texts) */
	ui_font font;     /* the size its text was drawn at */
	unsigned speech;  /* UI_SPEECH_* flags; keys and fields are personal by themselves */
} ui_widget;

/* The result of fitting a text into a box: the size and flags to draw it with. */
typedef struct ui_fit {
	ui_font font;
	int flags;
	ui_text_size size;
	ui_fit_state state;
} ui_fit;

#define UI_FIT_CACHE 256 /* fits remembered: a frame redraws the same texts in the same boxes */
typedef struct ui_fit_entry {
	unsigned long long key; /* hash of text, box size, font and flags; 0 = empty */
	ui_fit fit;
} ui_fit_entry;

typedef enum ui_style {
	UI_STYLE_PRIMARY, /* the one main action of a screen */
	UI_STYLE_CARD,    /* choices */
	UI_STYLE_KEY,     /* keyboard keys */
	UI_STYLE_QUIET,   /* secondary: back, start over */
} ui_style;

typedef struct ui {
	ui_renderer r;
	int w, h;
	bool rtl; /* mirror the layout and set paragraphs right-to-left */
	/* input, fed by ui_input_*; consumed by the next frame */
	bool press_pending, release_pending;
	int press_x, press_y, release_x, release_y;
	char active[UI_ID_MAX];  /* widget under the finger, drawn pressed */
	char clicked[UI_ID_MAX]; /* widget released on: its call returns true this frame */
	/* what this frame drew, for dump and hit tests */
	ui_widget widgets[UI_MAX_WIDGETS];
	int n_widgets;
	long activations; /* widgets activated since start: the tap counter in tests */
	ui_fit_entry fits[UI_FIT_CACHE];
} ui;

void ui_init(ui *u, ui_renderer r, int w, int h);
/* Input in screen pixels. A press and its release may come in one frame or several. */
void ui_input_press(ui *u, int x, int y);
void ui_input_release(ui *u, int x, int y);
/* True while input is waiting for a frame: the caller must draw again. */
bool ui_input_pending(const ui *u);

void ui_begin(ui *u, ui_color background);
void ui_end(ui *u);

/* Layout rectangles are given left-to-right; in RTL mode the toolkit mirrors them. */
ui_rect ui_mirror(const ui *u, ui_rect r);
int ui_text_flags(const ui *u, int flags);

void ui_fill(ui *u, ui_rect r, ui_color c);
/* How text in font f (or smaller, down to its minimum) fits box (layout coordinates):
 * shrunk on one line first (a UI_TEXT_BLOCK wraps first), then wrapped, then broken
 * (UI_TEXT_BREAK) or cut with an ellipsis. */
ui_fit ui_fit_text(ui *u, ui_rect box, const char *text, ui_font f, int flags);
/* The height text needs at width w, fitted as ui_fit_text would in a box of height
 * max_h: what a block takes before it pushes what follows down. */
int ui_text_height(ui *u, int w, int max_h, const char *text, ui_font f, int flags);
/* A text block (role label), fitted into r; returns the height it takes. */
int ui_label(ui *u, const char *id, ui_rect r, const char *text, ui_font f, ui_color c, int flags);
bool ui_button(ui *u, const char *id, ui_rect r, const char *text, ui_style s);
/* The same with more text flags: UI_TEXT_BREAK for a name, which is never cut. */
bool ui_button_ex(ui *u, const char *id, ui_rect r, const char *text, ui_style s, int flags);
/* A card with a pictogram (assets/icons/ICON.svg) above or beside its word. */
bool ui_icon_button(ui *u, const char *id, ui_rect r, const char *icon, const char *text,
                    ui_style s);
/* How an icon button's words would fit r: a screen choosing a grid tries it first. */
ui_fit_state ui_icon_button_fit(ui *u, ui_rect r, const char *text, ui_style s);
/* A switch; flips *value and returns true when tapped. */
bool ui_toggle(ui *u, const char *id, ui_rect r, const char *icon, const char *text, bool *value);
/* A QR or other module image; `text` is what it encodes (for the dump). */
void ui_modules(ui *u, const char *id, ui_rect r, const unsigned char *m, int size,
                const char *text);
/* An input field showing typed text. */
void ui_field(ui *u, const char *id, ui_rect r, const char *text, ui_font f);

/* The widget with this id drawn in the last frame, or NULL. */
const ui_widget *ui_find(const ui *u, const char *id);
/* Adds UI_SPEECH_* flags to the widget with this id drawn in this frame (the last one of
 * that id); no widget, no change. */
void ui_mark(ui *u, const char *id, unsigned flags);
/* The widget activated in the frame just drawn, or NULL. */
const ui_widget *ui_activated(const ui *u);
/* The screen's spoken prompt: the texts of its prompt widgets in drawing order, as
 * sentences; personal widgets never. Written to out (n bytes); returns its length. */
size_t ui_spoken_prompt(const ui *u, char *out, size_t n);
/* The visible UI as JSON: {"screen": ..., "widgets": [{id, role, text, rect}]}, with
 * "prompt": true / "personal": true on the widgets a screen reader reads or must not, the
 * texts' language and the spoken prompt those widgets make ("spoken"). */
int ui_dump(const ui *u, const char *screen, const char *lang, ank_buf *out);
const char *ui_role_name(ui_role r);
const char *ui_fit_name(ui_fit_state s);

#endif
