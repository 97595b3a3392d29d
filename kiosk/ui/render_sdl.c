/* SDL2 implementation of ui_renderer: rectangles, bidi-ordered shaped text in cached
 * textures, SVG icons rendered at their drawn size, and QR modules. */
#include "render_sdl.h"

#include <SDL_image.h>
#include <SDL_ttf.h>
#include <fribidi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_lines.h"
#include "theme.h"

#define FONT_DIR "/usr/share/fonts/truetype/noto/"
/* Text textures kept, at most this many and at most ANK_SDL_TEXT_CACHE_BYTES of pixels
 * (render_sdl.h), least recently drawn out first. */
#define TEXT_CACHE 768
#define TEXT_BPP   4 /* bytes per pixel of a text texture (ARGB8888) */
#define ICON_CACHE 64
/* Longest text one call lays out; longer text is cut (catalog messages are ≤ 2 KiB). */
#define TEXT_MAX_CPS 2048
#define MAX_LINES    48
#define MAX_RUNS     64

static const int font_px[UI_FONT_COUNT] = THEME_FONT_PX;

typedef struct text_entry {
	char *text; /* owned */
	int font, bold, arabic, rtl;
	ui_color color;
	SDL_Texture *tex;
	int w, h;
	size_t bytes; /* the texture's pixels */
	unsigned long used;
} text_entry;

typedef struct icon_entry {
	char name[40];
	int w, h;
	SDL_Texture *tex;
} icon_entry;

struct ank_sdl {
	SDL_Renderer *ren;
	char icon_dir[512];
	TTF_Font *fonts[UI_FONT_COUNT][2][2]; /* [size][bold][arabic], opened on first use */
	text_entry cache[TEXT_CACHE];
	unsigned long clock;
	unsigned long frame_clock; /* s->clock when the frame being drawn began */
	size_t bytes;              /* sum of the cache's entries' bytes */
	size_t frame_bytes_max;    /* the most bytes of text one frame drew */
	long hits, misses;
	long missing;           /* characters drawn that their font has no glyph for */
	char missing_text[160]; /* the first text that had one */
	icon_entry icons[ICON_CACHE];
	int n_icons;
};

static TTF_Font *font_for(ank_sdl *s, int f, int bold, int arabic)
{
	TTF_Font **slot = &s->fonts[f][bold][arabic];
	if (!*slot) {
		static const char *const files[2][2] = {
		        {"NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf"},
		        {"NotoSans-Bold.ttf", "NotoSansArabic-Bold.ttf"}};
		char path[256];
		snprintf(path, sizeof path, FONT_DIR "%s", files[bold][arabic]);
		*slot = TTF_OpenFont(path, font_px[f]);
	}
	return *slot;
}

static void entry_free(ank_sdl *s, text_entry *e)
{
	free(e->text);
	if (e->tex)
		SDL_DestroyTexture(e->tex);
	s->bytes -= e->bytes;
	*e = (text_entry){0};
}

int ank_sdl_create(SDL_Renderer *ren, const char *data_dir, ank_sdl **out, ank_err *err)
{
	*out = NULL;
	if (!TTF_WasInit() && TTF_Init() != 0)
		return ank_err_set(err, "SDL_ttf: %s", TTF_GetError());
	ank_sdl *s = calloc(1, sizeof *s);
	if (!s)
		return ank_err_set(err, "out of memory");
	s->ren = ren;
	snprintf(s->icon_dir, sizeof s->icon_dir, "%s/assets/icons", data_dir);
	/* Fail early and clearly when the fonts package is missing. */
	if (!font_for(s, UI_FONT_BODY, 0, 0) || !font_for(s, UI_FONT_BODY, 0, 1)) {
		ank_err_set(err, "fonts missing in " FONT_DIR " (install fonts-noto-core): %s",
		            TTF_GetError());
		ank_sdl_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void ank_sdl_free(ank_sdl *s)
{
	if (!s)
		return;
	for (int i = 0; i < TEXT_CACHE; i++)
		entry_free(s, &s->cache[i]);
	for (int i = 0; i < s->n_icons; i++)
		if (s->icons[i].tex)
			SDL_DestroyTexture(s->icons[i].tex);
	for (int f = 0; f < UI_FONT_COUNT; f++)
		for (int b = 0; b < 2; b++)
			for (int a = 0; a < 2; a++)
				if (s->fonts[f][b][a])
					TTF_CloseFont(s->fonts[f][b][a]);
	free(s);
}

void ank_sdl_cache_stats(const ank_sdl *s, long *hits, long *misses)
{
	*hits = s->hits;
	*misses = s->misses;
}

void ank_sdl_cache_bytes(const ank_sdl *s, size_t *bytes, size_t *frame_max)
{
	*bytes = s->bytes;
	*frame_max = s->frame_bytes_max;
}

/* The bytes of text the frame that just ended drew (its entries were used since it began). */
static void end_frame(ank_sdl *s)
{
	size_t sum = 0;
	for (int i = 0; i < TEXT_CACHE; i++)
		if (s->cache[i].text && s->cache[i].used > s->frame_clock)
			sum += s->cache[i].bytes;
	if (sum > s->frame_bytes_max)
		s->frame_bytes_max = sum;
	s->frame_clock = s->clock;
}

/* Evicts least recently drawn entries other than keep until the cache is within its bytes. */
static void trim(ank_sdl *s, const text_entry *keep)
{
	while (s->bytes > ANK_SDL_TEXT_CACHE_BYTES) {
		text_entry *lru = NULL;
		for (int i = 0; i < TEXT_CACHE; i++) {
			text_entry *e = &s->cache[i];
			if (e->text && e != keep && (!lru || e->used < lru->used))
				lru = e;
		}
		if (!lru)
			return;
		entry_free(s, lru);
	}
}

/* Counts the characters of text (UTF-8) that font cannot draw: they would show as empty
 * boxes. Format characters without a glyph of their own (joiners, direction marks, the
 * variation selector) are not counted. */
static void note_missing_glyphs(ank_sdl *s, TTF_Font *font, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		uint32_t cp = *p;
		int len = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
		cp &= len == 1 ? 0x7F : len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07;
		for (int i = 1; i < len && p[i]; i++)
			cp = (cp << 6) | (p[i] & 0x3F);
		for (int i = 0; i < len && *p; i++)
			p++;
		bool format = (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2066 && cp <= 0x2069) ||
		              cp == 0xFE0F || cp < 0x20;
		if (!format && !TTF_GlyphIsProvided32(font, cp)) {
			if (s->missing++ == 0)
				snprintf(s->missing_text, sizeof s->missing_text,
				         "U+%04X in \"%.100s\"", (unsigned)cp, text);
		}
	}
}

long ank_sdl_missing_glyphs(const ank_sdl *s, char *example, size_t n)
{
	if (example && n)
		snprintf(example, n, "%s", s->missing_text);
	return s->missing;
}

static SDL_Rect sdl_rect(ui_rect r)
{
	return (SDL_Rect){r.x, r.y, r.w, r.h};
}

static void r_clear(void *ctx, ui_color c)
{
	ank_sdl *s = ctx;
	end_frame(s); /* a clear begins the next frame */
	SDL_SetRenderDrawColor(s->ren, c.r, c.g, c.b, c.a);
	SDL_RenderClear(s->ren);
}

static void r_fill(void *ctx, ui_rect r, ui_color c)
{
	ank_sdl *s = ctx;
	SDL_Rect sr = sdl_rect(r);
	SDL_SetRenderDrawColor(s->ren, c.r, c.g, c.b, c.a);
	SDL_RenderFillRect(s->ren, &sr);
}

static void r_outline(void *ctx, ui_rect r, ui_color c, int t)
{
	ank_sdl *s = ctx;
	SDL_SetRenderDrawColor(s->ren, c.r, c.g, c.b, c.a);
	SDL_Rect edges[4] = {{r.x, r.y, r.w, t},
	                     {r.x, r.y + r.h - t, r.w, t},
	                     {r.x, r.y, t, r.h},
	                     {r.x + r.w - t, r.y, t, r.h}};
	SDL_RenderFillRects(s->ren, edges, 4);
}

/* ---- text ---- */

static bool is_arabic(FriBidiChar c)
{
	return (c >= 0x0600 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) ||
	       (c >= 0x08A0 && c <= 0x08FF) || (c >= 0xFB50 && c <= 0xFDFF) ||
	       (c >= 0xFE70 && c <= 0xFEFF);
}

/* A texture for one directional run, from the cache or rendered now. NULL if the font
 * cannot render it (then the run is skipped rather than crashing the kiosk). */
static text_entry *run_texture(ank_sdl *s, const char *text, int f, int bold, int arabic, int rtl,
                               ui_color c)
{
	s->clock++;
	text_entry *victim = &s->cache[0];
	for (int i = 0; i < TEXT_CACHE; i++) {
		text_entry *e = &s->cache[i];
		if (e->text && e->font == f && e->bold == bold && e->rtl == rtl &&
		    e->arabic == arabic && !memcmp(&e->color, &c, sizeof c) &&
		    !strcmp(e->text, text)) {
			e->used = s->clock;
			s->hits++;
			return e;
		}
		if (e->used < victim->used)
			victim = e;
	}
	s->misses++;
	TTF_Font *font = font_for(s, f, bold, arabic);
	if (!font)
		return NULL;
	note_missing_glyphs(s, font, text);
	TTF_SetFontDirection(font, rtl ? TTF_DIRECTION_RTL : TTF_DIRECTION_LTR);
	TTF_SetFontScriptName(font, arabic ? "Arab" : "Latn");
	SDL_Surface *surf = TTF_RenderUTF8_Blended(font, text, (SDL_Color){c.r, c.g, c.b, c.a});
	if (!surf)
		return NULL;
	SDL_Texture *tex = SDL_CreateTextureFromSurface(s->ren, surf);
	int w = surf->w, h = surf->h;
	SDL_FreeSurface(surf);
	if (!tex)
		return NULL;
	entry_free(s, victim);
	*victim = (text_entry){.text = strdup(text),
	                       .font = f,
	                       .bold = bold,
	                       .arabic = arabic,
	                       .rtl = rtl,
	                       .color = c,
	                       .tex = tex,
	                       .w = w,
	                       .h = h,
	                       .bytes = (size_t)w * (size_t)h * TEXT_BPP,
	                       .used = s->clock};
	if (!victim->text) {
		SDL_DestroyTexture(tex);
		*victim = (text_entry){0};
		return NULL;
	}
	s->bytes += victim->bytes;
	trim(s, victim);
	return victim;
}

typedef struct run {
	int start, len; /* in code points of the line */
	FriBidiLevel level;
	int arabic;
} run;

/* Splits a line (code points) into directional runs in visual order (UAX #9 rule L2),
 * also splitting where the script changes so each run has one font. */
static int line_runs(const FriBidiChar *u, int n, bool rtl, run *runs, int max)
{
	FriBidiCharType types[TEXT_MAX_CPS];
	FriBidiBracketType brackets[TEXT_MAX_CPS];
	FriBidiLevel levels[TEXT_MAX_CPS];
	FriBidiParType base = rtl ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR;
	fribidi_get_bidi_types(u, n, types);
	fribidi_get_bracket_types(u, n, types, brackets);
	if (!fribidi_get_par_embedding_levels_ex(types, brackets, n, &base, levels))
		return 0;
	int nr = 0;
	for (int i = 0; i < n && nr < max; i++) {
		int ar = is_arabic(u[i]);
		bool neutral = u[i] == ' ' || u[i] == ',' || u[i] == '.' || u[i] == ':';
		if (nr > 0) {
			run *last = &runs[nr - 1];
			/* Neutral characters stay in the current run whatever their script. */
			if (last->level == levels[i] && (neutral || last->arabic == ar)) {
				last->len++;
				continue;
			}
		}
		runs[nr++] = (run){i, 1, levels[i], ar};
	}
	int maxl = 0, minodd = 255; /* int: FriBidiLevel is a signed char */
	for (int i = 0; i < nr; i++) {
		if (runs[i].level > maxl)
			maxl = runs[i].level;
		if ((runs[i].level & 1) && runs[i].level < minodd)
			minodd = runs[i].level;
	}
	for (int lvl = maxl; lvl >= minodd && lvl > 0; lvl--) {
		for (int i = 0; i < nr;) {
			if (runs[i].level < lvl) {
				i++;
				continue;
			}
			int j = i;
			while (j < nr && runs[j].level >= lvl)
				j++;
			for (int a = i, b = j - 1; a < b; a++, b--) {
				run t = runs[a];
				runs[a] = runs[b];
				runs[b] = t;
			}
			i = j;
		}
	}
	return nr;
}

static bool has_arabic(const FriBidiChar *u, int n)
{
	for (int i = 0; i < n; i++)
		if (is_arabic(u[i]))
			return true;
	return false;
}

/* Line height for text in font f. Noto Sans Arabic's own (ascent + descent, 2.1 times its
 * size) leaves room for stacked marks that kiosk texts do not have and would make every
 * Arabic line a third taller than it looks: lines with Arabic are THEME_ARABIC_LINE_PCT of
 * the size apart, Latin ones the font's own line skip. */
static int line_skip(ank_sdl *s, int f, int bold, bool arabic)
{
	TTF_Font *latin = font_for(s, f, bold, 0);
	int k = latin ? TTF_FontLineSkip(latin) : font_px[f];
	int ar = font_px[f] * THEME_ARABIC_LINE_PCT / 100;
	return arabic && ar > k ? ar : k;
}

/* The baseline's distance from the top of a line: the Latin font's ascent, or for a line
 * with Arabic the same share of the (shorter) line skip as the Arabic font's ascent is of
 * its height, so its letters sit where they would in the font's own taller line. */
static int ascent(ank_sdl *s, int f, int bold, bool arabic)
{
	TTF_Font *latin = font_for(s, f, bold, 0), *ar = arabic ? font_for(s, f, bold, 1) : NULL;
	int a = latin ? TTF_FontAscent(latin) : 0;
	if (ar && TTF_FontHeight(ar) > 0) {
		int share = line_skip(s, f, bold, true) * TTF_FontAscent(ar) / TTF_FontHeight(ar);
		if (share > a)
			a = share;
	}
	return a;
}

/* Draws (or measures) one line of code points at x, y; returns its width. */
static int line_draw(ank_sdl *s, const FriBidiChar *u, int n, int f, int bold, bool rtl, ui_color c,
                     int x, int y, bool draw)
{
	run runs[MAX_RUNS];
	int nr = line_runs(u, n, rtl, runs, MAX_RUNS);
	int baseline = ascent(s, f, bold, has_arabic(u, n));
	int width = 0;
	for (int i = 0; i < nr; i++) {
		char utf8[TEXT_MAX_CPS * 4 + 1];
		fribidi_unicode_to_charset(FRIBIDI_CHAR_SET_UTF8, u + runs[i].start, runs[i].len,
		                           utf8);
		if (!draw) {
			/* Measuring (word wrap tries many prefixes) must not fill the cache. */
			TTF_Font *font = font_for(s, f, bold, runs[i].arabic);
			int w = 0, h = 0;
			if (font) {
				TTF_SetFontDirection(font, (runs[i].level & 1) ? TTF_DIRECTION_RTL
				                                               : TTF_DIRECTION_LTR);
				TTF_SetFontScriptName(font, runs[i].arabic ? "Arab" : "Latn");
				TTF_SizeUTF8(font, utf8, &w, &h);
			}
			width += w;
			continue;
		}
		text_entry *e = run_texture(s, utf8, f, bold, runs[i].arabic, runs[i].level & 1, c);
		if (!e)
			continue;
		/* Runs in different fonts share one baseline: the digits in an Arabic sentence
		 * must not float above it. */
		TTF_Font *font = font_for(s, f, bold, runs[i].arabic);
		int lift = font ? baseline - TTF_FontAscent(font) : 0;
		SDL_Rect dst = {x + width, y + lift, e->w, e->h};
		SDL_RenderCopy(s->ren, e->tex, NULL, &dst);
		width += e->w;
	}
	return width;
}

/* What text_lines.c measures with: one font size and weight, one direction. */
typedef struct width_ctx {
	ank_sdl *s;
	int f, bold;
	bool rtl;
} width_ctx;

/* cps[0..n) with an ellipsis after it when asked, in buf (TEXT_MAX_CPS + 1); its length. */
static int with_ellipsis(const FriBidiChar *cps, int n, bool ellipsis, FriBidiChar *buf)
{
	if (n > TEXT_MAX_CPS)
		n = TEXT_MAX_CPS;
	memcpy(buf, cps, (size_t)n * sizeof *buf);
	if (ellipsis)
		buf[n++] = UI_ELLIPSIS_CP;
	return n;
}

static int line_width(void *ctx, const uint32_t *cps, int n, bool ellipsis)
{
	width_ctx *w = ctx;
	static FriBidiChar buf[TEXT_MAX_CPS + 1];
	int len = with_ellipsis(cps, n, ellipsis, buf);
	return line_draw(w->s, buf, len, w->f, w->bold, w->rtl, (ui_color){0, 0, 0, 255}, 0, 0,
	                 false);
}

/* Decodes and breaks utf8 for box and flags; the code points stay in u (TEXT_MAX_CPS). */
static int lay_out(ank_sdl *s, ui_rect box, const char *utf8, ui_font f, int flags, FriBidiChar *u,
                   int *n, ui_line *lines, int *skip)
{
	*n = ui_utf8_decode(utf8, u, TEXT_MAX_CPS);
	width_ctx w = {s, f, (flags & UI_TEXT_BOLD) != 0, (flags & UI_TEXT_RTL) != 0};
	*skip = line_skip(s, f, w.bold, has_arabic(u, *n));
	int max_lines = *skip > 0 ? box.h / *skip : 1;
	return ui_break_lines(u, *n, box.w, max_lines > 0 ? max_lines : 1, flags, line_width, &w,
	                      lines, MAX_LINES);
}

static ui_text_size r_measure(void *ctx, ui_rect box, const char *utf8, ui_font f, int flags)
{
	ank_sdl *s = ctx;
	ui_text_size out = {0, 0, 0};
	if (!utf8 || !*utf8)
		return out;
	static FriBidiChar u[TEXT_MAX_CPS];
	ui_line lines[MAX_LINES];
	int n, skip;
	out.lines = lay_out(s, box, utf8, f, flags, u, &n, lines, &skip);
	width_ctx w = {s, f, (flags & UI_TEXT_BOLD) != 0, (flags & UI_TEXT_RTL) != 0};
	out.w = ui_lines_width(u, lines, out.lines, line_width, &w);
	out.h = out.lines * skip;
	return out;
}

static void r_text(void *ctx, ui_rect box, const char *utf8, ui_font f, ui_color c, int flags)
{
	ank_sdl *s = ctx;
	if (!utf8 || !*utf8)
		return;
	static FriBidiChar u[TEXT_MAX_CPS];
	static FriBidiChar line[TEXT_MAX_CPS + 1];
	ui_line lines[MAX_LINES];
	int n, skip;
	int nl = lay_out(s, box, utf8, f, flags, u, &n, lines, &skip);
	int bold = (flags & UI_TEXT_BOLD) != 0;
	bool rtl = (flags & UI_TEXT_RTL) != 0;
	int total = nl * skip;
	int y = box.y;
	if (flags & UI_TEXT_MIDDLE)
		y += (box.h - total) / 2;
	/* START is the paragraph's start side: right for right-to-left text. */
	int h = flags & (UI_TEXT_CENTER | UI_TEXT_END);
	if (rtl && h != UI_TEXT_CENTER)
		h = h == UI_TEXT_END ? UI_TEXT_START : UI_TEXT_END;
	for (int l = 0; l < nl; l++) {
		int len = with_ellipsis(u + lines[l].start, lines[l].len, lines[l].ellipsis, line);
		int w = line_draw(s, line, len, f, bold, rtl, c, 0, 0, false);
		int x = box.x;
		if (h == UI_TEXT_CENTER)
			x += (box.w - w) / 2;
		else if (h == UI_TEXT_END)
			x += box.w - w;
		line_draw(s, line, len, f, bold, rtl, c, x, y + l * skip, true);
	}
}

/* ---- icons and modules ---- */

/* The pictogram's pixels made white, alpha kept, so a colour modulation gives any tint (the
 * icons are drawn in one colour). The surface is converted to RGBA32 first; NULL on failure
 * (the original is freed either way). */
static SDL_Surface *whitened(SDL_Surface *in)
{
	SDL_Surface *s = SDL_ConvertSurfaceFormat(in, SDL_PIXELFORMAT_RGBA32, 0);
	SDL_FreeSurface(in);
	if (!s || SDL_LockSurface(s) != 0) {
		if (s)
			SDL_FreeSurface(s);
		return NULL;
	}
	for (int y = 0; y < s->h; y++) {
		uint8_t *row = (uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch;
		for (int x = 0; x < s->w; x++)
			row[x * 4] = row[x * 4 + 1] = row[x * 4 + 2] = 0xFF;
	}
	SDL_UnlockSurface(s);
	return s;
}

static void r_icon(void *ctx, ui_rect r, const char *name, ui_color tint)
{
	ank_sdl *s = ctx;
	int side = r.w < r.h ? r.w : r.h;
	icon_entry *e = NULL;
	for (int i = 0; i < s->n_icons && !e; i++)
		if (!strcmp(s->icons[i].name, name) && s->icons[i].w == side)
			e = &s->icons[i];
	if (!e) {
		if (s->n_icons >= ICON_CACHE)
			return;
		e = &s->icons[s->n_icons++];
		snprintf(e->name, sizeof e->name, "%s", name);
		e->w = e->h = side;
		char path[600];
		snprintf(path, sizeof path, "%s/%s.svg", s->icon_dir, name);
		SDL_RWops *rw = SDL_RWFromFile(path, "rb");
		/* Rendered at the size it is shown: SVG scaled as a bitmap would blur. */
		SDL_Surface *surf = rw ? IMG_LoadSizedSVG_RW(rw, side, side) : NULL;
		if (surf)
			surf = whitened(surf);
		if (rw)
			SDL_RWclose(rw);
		e->tex = surf ? SDL_CreateTextureFromSurface(s->ren, surf) : NULL;
		if (surf)
			SDL_FreeSurface(surf);
	}
	if (!e->tex)
		return;
	SDL_Rect dst = {r.x + (r.w - side) / 2, r.y + (r.h - side) / 2, side, side};
	SDL_SetTextureColorMod(e->tex, tint.r, tint.g, tint.b);
	SDL_RenderCopy(s->ren, e->tex, NULL, &dst);
}

static void r_modules(void *ctx, ui_rect r, const unsigned char *m, int size)
{
	ank_sdl *s = ctx;
	/* A quiet zone of 4 modules, as the QR standard asks, so scanners lock on. */
	int total = size + 8;
	int px = (r.w < r.h ? r.w : r.h) / total;
	if (px < 1)
		px = 1;
	int ox = r.x + (r.w - px * total) / 2, oy = r.y + (r.h - px * total) / 2;
	SDL_Rect bg = {ox, oy, px * total, px * total};
	SDL_SetRenderDrawColor(s->ren, 255, 255, 255, 255);
	SDL_RenderFillRect(s->ren, &bg);
	SDL_SetRenderDrawColor(s->ren, 0, 0, 0, 255);
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++)
			if (m[y * size + x]) {
				SDL_Rect d = {ox + (x + 4) * px, oy + (y + 4) * px, px, px};
				SDL_RenderFillRect(s->ren, &d);
			}
}

ui_renderer ank_sdl_renderer(ank_sdl *s)
{
	return (ui_renderer){.ctx = s,
	                     .clear = r_clear,
	                     .fill = r_fill,
	                     .outline = r_outline,
	                     .text = r_text,
	                     .measure = r_measure,
	                     .icon = r_icon,
	                     .modules = r_modules};
}
