/* The printed ticket: its layout in ESC/POS (site, the number very large, where to go or
 * "wait for your number", the time, the QR, how the call works; never the nickname). Text
 * the printer cannot print itself (escpos.h: anything but ASCII) is drawn by the kiosk's
 * own renderer (render_sdl: SDL2_ttf with HarfBuzz, FriBidi) into raster bands, so Arabic
 * and Persian come out shaped as on the screen. Runs on the UI thread (SDL_ttf is not used
 * from two threads); the bytes then go to the printer's worker. */
#ifndef ANK_RECEIPT_H
#define ANK_RECEIPT_H

#include <stdbool.h>

#include "ank_buf.h"
#include "ank_err.h"

/* The tallest text band drawn at once (a paragraph of the how-to in small type). */
#define ANK_RECEIPT_TEXT_H_MAX 1024

typedef struct ank_receipt {
	const char *site;   /* the site's name */
	const char *label;  /* the ticket number, printed at 6x (ANK_RECEIPT_NUMBER_SCALE) */
	const char *status; /* "Go to station 3" or "Wait for your number" */
	const char *time;   /* when it was issued, local "HH:MM" */
	const char *qr;     /* the ticket reference (docs/formats.md) */
	const char *how;    /* how the call works */
	bool rtl;           /* the language is right-to-left */
	bool native_qr;     /* GS ( k; false: the QR as a raster band */
} ank_receipt;

/* The ticket number's magnification (GS ! 6x6 of font A's 12x24 dots: 14 mm high). */
#define ANK_RECEIPT_NUMBER_SCALE 6

typedef struct ank_receipt_renderer ank_receipt_renderer;

/* A software renderer ANK_ESCPOS_DOTS wide for the raster bands; fonts from the system as
 * the screens' (data_dir for the icons it never draws). *out owned by the caller. */
int ank_receipt_renderer_open(const char *data_dir, ank_receipt_renderer **out, ank_err *err);
void ank_receipt_renderer_free(ank_receipt_renderer *r);

/* Appends the whole ticket (init to cut) to out. ren may be NULL when every text is plain
 * ASCII. 0, or -1 with err (a text that needs a raster without a renderer, out's cap). */
int ank_receipt_build(const ank_receipt *t, ank_receipt_renderer *ren, ank_buf *out, ank_err *err);
/* Only the raster of one text as the ticket would print it, 1 bit a dot, into *bits
 * (malloc'd, the caller frees), ANK_ESCPOS_DOTS / 8 bytes a row, *h rows (a multiple of 8);
 * for the tests' reference images. */
int ank_receipt_text_raster(ank_receipt_renderer *ren, const char *text, int font, bool rtl,
                            unsigned char **bits, int *h, ank_err *err);

#endif
