/* Opens and closes the kiosk's window: one home for its title, size and flags, used by the
 * launcher (the first frame) and by the kiosk when the launcher could not open it. */
#include "launch.h"

const char *ank_window_open(const options *o, ank_window *w)
{
	*w = (ank_window){0};
	if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
		return "no display";
	Uint32 flags = SDL_WINDOW_RESIZABLE | (o->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
	w->win =
	        SDL_CreateWindow(o->display ? "Ankomst display" : "Ankomst", SDL_WINDOWPOS_CENTERED,
	                         SDL_WINDOWPOS_CENTERED, o->w / 2, o->h / 2, flags);
	w->ren = w->win ? SDL_CreateRenderer(w->win, -1, 0) : NULL;
	if (!w->ren) {
		if (w->win)
			SDL_DestroyWindow(w->win);
		SDL_Quit();
		*w = (ank_window){0};
		return "cannot open a window";
	}
	/* Layout is for the logical size; SDL scales it to whatever the screen is. */
	SDL_RenderSetLogicalSize(w->ren, o->w, o->h);
	return NULL;
}

void ank_window_close(ank_window *w)
{
	if (w->ren)
		SDL_DestroyRenderer(w->ren);
	if (w->win)
		SDL_DestroyWindow(w->win);
	*w = (ank_window){0};
	SDL_Quit();
}
