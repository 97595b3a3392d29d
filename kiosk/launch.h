/* The seam between the ankomst-kiosk launcher (launcher.c, linked with SDL2 only) and the
 * kiosk itself in libankomst-kiosk.so (kiosk_main.c, with SQLite, ICU, gettext, curl, TTF):
 * the launcher shows the first frame before the heavy libraries are loaded. */
#ifndef ANK_LAUNCH_H
#define ANK_LAUNCH_H

#include <SDL.h>

#include "options.h"

/* The library's file name: beside the launcher, or in the dynamic linker's search path. */
#define ANK_KIOSK_LIB "libankomst-kiosk.so"
/* An environment variable naming the library file instead (tests, a second build). */
#define ANK_KIOSK_LIB_ENV "ANK_KIOSK_LIB"
#define ANK_KIOSK_ENTRY   "ank_kiosk_main"

/* The kiosk's window and its renderer. */
typedef struct ank_window {
	SDL_Window *win;
	SDL_Renderer *ren;
} ank_window;

/* Initialises SDL's video and opens the window for o (title, half the logical size, logical
 * size set); NULL, or what failed ("no display", "cannot open a window"; SDL_GetError() says
 * why) with SDL quit again. */
const char *ank_window_open(const options *o, ank_window *w);
/* Destroys what ank_window_open made and quits SDL. */
void ank_window_close(ank_window *w);

/* The kiosk's main: argc/argv as given to the program; early is the window the launcher
 * opened and presented a first frame in (the launcher keeps owning it and closes it after
 * the return), or NULL (not a window run, or the launcher could not open one: the kiosk
 * then tries itself and reports why it cannot). Returns the process's exit status. */
typedef int ank_kiosk_main_fn(int argc, char **argv, const ank_window *early);
ank_kiosk_main_fn ank_kiosk_main;

#endif
