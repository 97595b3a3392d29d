/* The ticket's ESC/POS layout and the raster bands of the texts the printer cannot print
 * itself, drawn by render_sdl into a software surface and reduced to one bit a dot. */
#include "receipt.h"

#include <SDL.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "escpos.h"
#include "render_sdl.h"
#include "ui.h"

/* Darker than this (0..255 luminance) prints as a black dot: the antialiased edges of
 * the glyphs at half grey keep strokes their width. */
#define RASTER_THRESHOLD 128
/* Side margins of raster text, dots (the printer's own margin is already outside). */
#define RASTER_MARGIN 8

struct ank_receipt_renderer {
	SDL_Surface *surf;
	SDL_Renderer *ren;
	ank_sdl *sdl;
	ui_renderer r;
};

int ank_receipt_renderer_open(const char *data_dir, ank_receipt_renderer **out, ank_err *err)
{
	ank_receipt_renderer *r = calloc(1, sizeof *r);
	if (!r)
		return ank_err_set(err, "out of memory");
	r->surf = SDL_CreateRGBSurfaceWithFormat(0, ANK_ESCPOS_DOTS, ANK_RECEIPT_TEXT_H_MAX, 32,
	                                         SDL_PIXELFORMAT_ARGB8888);
	r->ren = r->surf ? SDL_CreateSoftwareRenderer(r->surf) : NULL;
	if (!r->ren || ank_sdl_create(r->ren, data_dir, &r->sdl, err)) {
		if (!r->ren)
			ank_err_set(err, "receipt renderer: %s", SDL_GetError());
		ank_receipt_renderer_free(r);
		return -1;
	}
	r->r = ank_sdl_renderer(r->sdl);
	*out = r;
	return 0;
}

void ank_receipt_renderer_free(ank_receipt_renderer *r)
{
	if (!r)
		return;
	ank_sdl_free(r->sdl);
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	if (r->surf)
		SDL_FreeSurface(r->surf);
	free(r);
}

int ank_receipt_text_raster(ank_receipt_renderer *ren, const char *text, int font, bool rtl,
                            unsigned char **bits, int *h, ank_err *err)
{
	int flags = UI_TEXT_CENTER | UI_TEXT_BLOCK | (rtl ? UI_TEXT_RTL : 0);
	ui_rect box = {RASTER_MARGIN, 0, ANK_ESCPOS_DOTS - 2 * RASTER_MARGIN,
	               ANK_RECEIPT_TEXT_H_MAX};
	ui_text_size sz = ren->r.measure(ren->r.ctx, box, text, (ui_font)font, flags);
	int rows = (sz.h + 7) / 8 * 8;
	if (rows <= 0)
		rows = 8;
	if (rows > ANK_RECEIPT_TEXT_H_MAX)
		return ank_err_set(err, "receipt: a text is taller than %d dots",
		                   ANK_RECEIPT_TEXT_H_MAX);
	box.h = rows;
	ren->r.clear(ren->r.ctx, (ui_color){255, 255, 255, 255});
	ren->r.text(ren->r.ctx, box, text, (ui_font)font, (ui_color){0, 0, 0, 255}, flags);
	SDL_RenderFlush(ren->ren);
	int wb = ANK_ESCPOS_DOTS / 8;
	unsigned char *out = calloc((size_t)wb * (size_t)rows, 1);
	if (!out)
		return ank_err_set(err, "out of memory");
	SDL_LockSurface(ren->surf);
	for (int y = 0; y < rows; y++) {
		const Uint32 *px = (const Uint32 *)((const Uint8 *)ren->surf->pixels +
		                                    (size_t)y * (size_t)ren->surf->pitch);
		for (int x = 0; x < ANK_ESCPOS_DOTS; x++) {
			Uint8 cr, cg, cb;
			SDL_GetRGB(px[x], ren->surf->format, &cr, &cg, &cb);
			int lum = (cr * 299 + cg * 587 + cb * 114) / 1000;
			if (lum < RASTER_THRESHOLD)
				out[y * wb + x / 8] |= (unsigned char)(0x80 >> (x % 8));
		}
	}
	SDL_UnlockSurface(ren->surf);
	*bits = out;
	*h = rows;
	return 0;
}

/* Sends rows of bits in bands of at most ANK_ESCPOS_BAND_H (a multiple of 8). */
static int put_bands(ank_buf *out, const unsigned char *bits, int wb, int rows)
{
	for (int y = 0; y < rows; y += ANK_ESCPOS_BAND_H) {
		int h = rows - y < ANK_ESCPOS_BAND_H ? rows - y : ANK_ESCPOS_BAND_H;
		if (ank_escpos_raster(out, bits + (size_t)y * (size_t)wb, wb, h))
			return -1;
	}
	return 0;
}

/* Plain text in lines of at most ANK_ESCPOS_COLUMNS, broken at spaces (a word longer than
 * a line is broken where it must), each line ended with LF. */
static int put_plain(ank_buf *out, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		if (n > ANK_ESCPOS_COLUMNS) {
			n = ANK_ESCPOS_COLUMNS;
			while (n > 0 && p[n] != ' ')
				n--;
			if (n == 0)
				n = ANK_ESCPOS_COLUMNS;
		}
		if (ank_buf_append(out, p, n) || ank_escpos_text(out, "\n"))
			return -1;
		p += n;
		p += strspn(p, " ");
		if (*p == '\n')
			p++;
	}
	return 0;
}

/* One text: as text when the printer can print it, else as raster bands. */
static int put_text(ank_buf *out, ank_receipt_renderer *ren, const char *text, int font, bool rtl,
                    ank_err *err)
{
	if (!text || !text[0])
		return 0;
	if (ank_escpos_is_plain(text) && !rtl)
		return put_plain(out, text) ? ank_err_set(err, "receipt: the ticket is too long")
		                            : 0;
	if (!ren)
		return ank_err_set(err, "receipt: text needs a raster and no renderer is open");
	unsigned char *bits = NULL;
	int rows = 0;
	if (ank_receipt_text_raster(ren, text, font, rtl, &bits, &rows, err))
		return -1;
	int rc = put_bands(out, bits, ANK_ESCPOS_DOTS / 8, rows);
	free(bits);
	return rc ? ank_err_set(err, "receipt: the ticket is too long") : 0;
}

/* The QR as raster (printers without GS ( k): modules of ANK_ESCPOS_QR_MODULE dots,
 * centred, with a four-module quiet zone. */
static int put_qr_raster(ank_buf *out, const char *data, ank_err *err)
{
	QRcode *qr = QRcode_encodeString(data, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return ank_err_set(err, "receipt: the QR cannot be made");
	int m = ANK_ESCPOS_QR_MODULE, side = (qr->width + 8) * m;
	while (side > ANK_ESCPOS_DOTS && m > 1)
		side = (qr->width + 8) * --m;
	int rows = (side + 7) / 8 * 8, wb = ANK_ESCPOS_DOTS / 8, x0 = (ANK_ESCPOS_DOTS - side) / 2;
	unsigned char *bits = calloc((size_t)wb * (size_t)rows, 1);
	if (!bits) {
		QRcode_free(qr);
		return ank_err_set(err, "out of memory");
	}
	for (int y = 0; y < side; y++)
		for (int x = 0; x < side; x++) {
			int my = y / m - 4, mx = x / m - 4;
			if (mx < 0 || my < 0 || mx >= qr->width || my >= qr->width)
				continue;
			if (qr->data[my * qr->width + mx] & 1)
				bits[y * wb + (x0 + x) / 8] |=
				        (unsigned char)(0x80 >> ((x0 + x) % 8));
		}
	QRcode_free(qr);
	int rc = put_bands(out, bits, wb, rows);
	free(bits);
	return rc ? ank_err_set(err, "receipt: the ticket is too long") : 0;
}

int ank_receipt_build(const ank_receipt *t, ank_receipt_renderer *ren, ank_buf *out, ank_err *err)
{
	size_t before = out->len;
	int rc = -1;
	if (ank_escpos_init(out) || ank_escpos_align(out, 1))
		goto full;
	if (put_text(out, ren, t->site, UI_FONT_MEDIUM, t->rtl, err))
		goto fail;
	if (ank_escpos_feed(out, 1))
		goto full;
	/* The number: digits and a letter, always printable by the printer itself. */
	if (ank_escpos_is_plain(t->label)) {
		if (ank_escpos_size(out, ANK_RECEIPT_NUMBER_SCALE, ANK_RECEIPT_NUMBER_SCALE) ||
		    ank_escpos_bold(out, true) || ank_escpos_text(out, t->label) ||
		    ank_escpos_text(out, "\n") || ank_escpos_size(out, 1, 1) ||
		    ank_escpos_bold(out, false))
			goto full;
	} else if (put_text(out, ren, t->label, UI_FONT_HUGE, t->rtl, err)) {
		goto fail;
	}
	if (ank_escpos_feed(out, 1) || ank_escpos_bold(out, true))
		goto full;
	if (put_text(out, ren, t->status, UI_FONT_MEDIUM, t->rtl, err))
		goto fail;
	if (ank_escpos_bold(out, false))
		goto full;
	if (put_text(out, ren, t->time, UI_FONT_SMALL, false, err))
		goto fail;
	if (ank_escpos_feed(out, 1))
		goto full;
	if (t->qr && t->qr[0]) {
		if (t->native_qr ? ank_escpos_qr(out, t->qr, ANK_ESCPOS_QR_MODULE)
		                 : put_qr_raster(out, t->qr, err))
			goto fail;
		if (ank_escpos_feed(out, 1))
			goto full;
	}
	if (put_text(out, ren, t->how, UI_FONT_SMALL, t->rtl, err))
		goto fail;
	if (ank_escpos_feed(out, 3) || ank_escpos_cut(out))
		goto full;
	return 0;
full:
	ank_err_set(err, "receipt: the ticket is longer than %zu bytes", out->cap);
fail:
	out->len = before;
	if (out->data)
		out->data[before] = '\0';
	return rc;
}
