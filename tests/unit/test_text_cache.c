/* The SDL renderer's text cache on the real software renderer, SDL_ttf and the Noto fonts: its
 * textures' bytes stay within ANK_SDL_TEXT_CACHE_BYTES however many texts are drawn, the least
 * recently drawn go first, and a screen drawn again renders nothing new. */
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_sdl.h"
#include "testlib.h"

typedef struct cache_fx {
	SDL_Surface *surf;
	SDL_Renderer *ren;
	ank_sdl *sdl;
	ui_renderer r;
} cache_fx;

static int setup(void **state)
{
	cache_fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->surf = SDL_CreateRGBSurfaceWithFormat(0, 1080, 1920, 32, SDL_PIXELFORMAT_RGBA32);
	assert_non_null(f->surf);
	f->ren = SDL_CreateSoftwareRenderer(f->surf);
	assert_non_null(f->ren);
	const char *src = getenv("ANK_SOURCE_DIR");
	ank_err err = {{0}};
	assert_int_equal(ank_sdl_create(f->ren, src ? src : ".", &f->sdl, &err), 0);
	f->r = ank_sdl_renderer(f->sdl);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	cache_fx *f = *state;
	ank_sdl_free(f->sdl);
	SDL_DestroyRenderer(f->ren);
	SDL_FreeSurface(f->surf);
	free(f);
	return 0;
}

static const ui_color ink = {0x1A, 0x1A, 0x1A, 0xFF};

/* Text number i: a name of letters (one bidi run, so one texture) on one line in a large
 * font, about 0.5 MB of texture. */
static void draw(cache_fx *f, int i)
{
	char text[32] = "Nickname ";
	size_t n = strlen(text);
	for (int k = 0; k < 3; k++, i /= 26)
		text[n++] = (char)('a' + i % 26);
	text[n] = '\0';
	f->r.text(f->r.ctx, (ui_rect){0, 0, 1080, 200}, text, UI_FONT_BIG, ink, UI_TEXT_NOWRAP);
}

static size_t cache_bytes(cache_fx *f)
{
	size_t bytes, frame_max;
	ank_sdl_cache_bytes(f->sdl, &bytes, &frame_max);
	return bytes;
}

static long misses(cache_fx *f)
{
	long h, m;
	ank_sdl_cache_stats(f->sdl, &h, &m);
	return m;
}

/* Far more text than the bound: the cache's bytes never pass it, yet it is used up to near
 * it, not emptied. Without the bound (768 entries) 300 such texts hold ~150 MB. */
static void test_bytes_bounded(void **state)
{
	cache_fx *f = *state;
	size_t most = 0;
	for (int i = 0; i < 300; i++) {
		draw(f, i);
		size_t b = cache_bytes(f);
		assert_true(b <= ANK_SDL_TEXT_CACHE_BYTES);
		if (b > most)
			most = b;
	}
	assert_true(most > ANK_SDL_TEXT_CACHE_BYTES / 2);
}

/* Least recently drawn out first: the newest texts are still there, the oldest are not. */
static void test_lru_order(void **state)
{
	cache_fx *f = *state;
	for (int i = 0; i < 300; i++)
		draw(f, i);
	long m = misses(f);
	draw(f, 299);
	draw(f, 298);
	assert_int_equal(misses(f), m); /* hits */
	draw(f, 0);
	assert_int_equal(misses(f), m + 1); /* evicted long ago */
}

/* A frame's texts drawn again (a redraw of the same screen) are all hits, and the frame's
 * bytes are counted. */
static void test_redraw_renders_nothing(void **state)
{
	cache_fx *f = *state;
	for (int frame = 0; frame < 3; frame++) {
		f->r.clear(f->r.ctx, ink);
		for (int i = 0; i < 8; i++)
			draw(f, i);
	}
	f->r.clear(f->r.ctx, ink);
	assert_int_equal(misses(f), 8);
	size_t bytes, frame_max;
	ank_sdl_cache_bytes(f->sdl, &bytes, &frame_max);
	assert_int_equal(frame_max, bytes); /* each frame drew all eight */
	assert_true(bytes > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_bytes_bounded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lru_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_redraw_renders_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
