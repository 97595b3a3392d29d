/* The ui_renderer on SDL2: SDL2_ttf (HarfBuzz shaping) for text, FriBidi for direction,
 * SDL2_image for the SVG pictograms; textures cached so a redraw renders little. */
#ifndef ANK_RENDER_SDL_H
#define ANK_RENDER_SDL_H

#include <SDL.h>

#include "ank_err.h"
#include "ui.h"

typedef struct ank_sdl ank_sdl;

/* The text cache's bound on its textures' pixels (bytes): with the software renderer they are
 * plain memory, and typed nicknames would otherwise fill it with a new match list each letter.
 * The two largest screens' texts fit together (3.2 and 2.5 MB at 1080x1920, docs/benchmarks.md
 * §3, "Start and memory"), so going back and forth renders nothing new. */
#define ANK_SDL_TEXT_CACHE_BYTES (6UL << 20)

/* Wraps `ren` (a window's or a software surface's renderer, owned by the caller and kept
 * alive until ank_sdl_free). Icons come from DATA_DIR/assets/icons, fonts from the
 * system (fonts-noto-core). *out is owned by the caller. */
int ank_sdl_create(SDL_Renderer *ren, const char *data_dir, ank_sdl **out, ank_err *err);
void ank_sdl_free(ank_sdl *s);
ui_renderer ank_sdl_renderer(ank_sdl *s);
/* Text cache counters, for benchmarks and tests. */
void ank_sdl_cache_stats(const ank_sdl *s, long *hits, long *misses);
/* The text cache's bytes now (at most ANK_SDL_TEXT_CACHE_BYTES, and one text more if that
 * text alone is larger), and the most bytes of text one frame has drawn so far. */
void ank_sdl_cache_bytes(const ank_sdl *s, size_t *bytes, size_t *frame_max);
/* How many characters drawn so far had no glyph in their font (an empty box on screen), and
 * the first such character and text into example (n bytes, may be NULL). */
long ank_sdl_missing_glyphs(const ank_sdl *s, char *example, size_t n);

#endif
