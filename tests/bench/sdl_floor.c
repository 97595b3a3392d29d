/* The floor for the kiosk UI benchmark (tests/bench/bench_ui.sh): the least an SDL2 program
 * does to show a frame the kiosk's way (window at half the logical size, default renderer,
 * logical scaling, redraw only on window events and mouse presses and releases, as the kiosk
 * redraws on a tap, wake every 250 ms), or, with --headless, clear a software-rendered surface
 * --frames times. */
#include <SDL.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDLE_WAKE_MS 250

static const char usage[] = "usage: sdl_floor [--size WxH] [--headless [--frames N]]\n";

static void draw(SDL_Renderer *ren)
{
	SDL_SetRenderDrawColor(ren, 0xf5, 0xf1, 0xea, 0xff);
	SDL_RenderClear(ren);
	SDL_RenderPresent(ren);
}

static void say_renderer(SDL_Renderer *ren)
{
	SDL_RendererInfo info;
	if (SDL_GetRendererInfo(ren, &info) == 0)
		fprintf(stderr, "sdl_floor: renderer %s\n", info.name);
}

static int run_window(int w, int h)
{
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		fprintf(stderr, "sdl_floor: no display: %s\n", SDL_GetError());
		return 1;
	}
	SDL_Window *win =
	        SDL_CreateWindow("sdl_floor", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w / 2,
	                         h / 2, SDL_WINDOW_RESIZABLE);
	SDL_Renderer *ren = win ? SDL_CreateRenderer(win, -1, 0) : NULL;
	if (!ren) {
		fprintf(stderr, "sdl_floor: cannot open a window: %s\n", SDL_GetError());
		if (win)
			SDL_DestroyWindow(win);
		SDL_Quit();
		return 1;
	}
	say_renderer(ren);
	SDL_RenderSetLogicalSize(ren, w, h);
	bool running = true, dirty = true;
	while (running) {
		SDL_Event ev;
		int got = SDL_WaitEventTimeout(&ev, dirty ? 1 : IDLE_WAKE_MS);
		while (got) {
			if (ev.type == SDL_QUIT)
				running = false;
			else if (ev.type == SDL_WINDOWEVENT || ev.type == SDL_MOUSEBUTTONDOWN ||
			         ev.type == SDL_MOUSEBUTTONUP)
				dirty = true;
			got = SDL_PollEvent(&ev);
		}
		if (dirty) {
			draw(ren);
			dirty = false;
		}
	}
	SDL_DestroyRenderer(ren);
	SDL_DestroyWindow(win);
	SDL_Quit();
	return 0;
}

static int run_headless(int w, int h, long frames)
{
	SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGBA32);
	SDL_Renderer *ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
	if (!ren) {
		fprintf(stderr, "sdl_floor: software renderer: %s\n", SDL_GetError());
		SDL_FreeSurface(surf);
		return 1;
	}
	say_renderer(ren);
	for (long i = 0; i < frames; i++)
		draw(ren);
	SDL_DestroyRenderer(ren);
	SDL_FreeSurface(surf);
	return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	long w = 1080, h = 1920, frames = 1;
	bool headless = false;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--headless")) {
			headless = true;
		} else if (v && !strcmp(argv[i], "--frames")) {
			if (parse_long(argv[++i], 1, 1000000, &frames))
				goto bad;
		} else if (v && !strcmp(argv[i], "--size")) {
			char *x = strchr(argv[++i], 'x');
			if (!x)
				goto bad;
			*x = '\0';
			if (parse_long(argv[i], 320, 8192, &w) || parse_long(x + 1, 320, 8192, &h))
				goto bad;
		} else {
			goto bad;
		}
	}
	return headless ? run_headless((int)w, (int)h, frames) : run_window((int)w, (int)h);
bad:
	fputs(usage, stderr);
	return 2;
}
