/* The headless runner: plays a script of user actions against the real UI on a virtual
 * clock, rendering into an off-screen surface (or not at all), and checks expectations. */
#ifndef ANK_HEADLESS_H
#define ANK_HEADLESS_H

#include <SDL.h>

#include "app.h"

/* Runs `script` (verbs in docs/operations.md); screenshots of `surface` go to shots_dir.
 * Either may be NULL (no shots; a NULL surface for the null renderer).
 * Returns 0 when every expectation held, 1 when one failed, 2 on a script error. */
int headless_run(app *a, SDL_Surface *surface, const char *script, const char *shots_dir);

#endif
