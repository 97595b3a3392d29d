/* The input adapter: the one place SDL events become ui_input_* and app_touch calls. */
#ifndef ANK_INPUT_H
#define ANK_INPUT_H

#include <SDL.h>

#include "app.h"

/* Feeds one event. `ren` maps finger positions to the logical screen; NULL means the
 * logical screen is the whole window (headless). Returns false on SDL_QUIT. */
bool input_event(app *a, const SDL_Event *ev, SDL_Renderer *ren, SDL_Window *win);

#endif
