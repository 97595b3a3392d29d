/* Invariants of the running kiosk, as functions a test can call: the layout a person
 * needs (targets on screen, big enough, not overlapping) and the queue's consistency
 * (one open ticket per user, stations and tickets pointing at each other). The headless
 * runner's `expect-layout` and `monkey` verbs use them. */
#ifndef ANK_CHECKS_H
#define ANK_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "queue.h"
#include "ui.h"

/* Each check returns NULL when every invariant holds, else the name of the first one that
 * broke (a static string) with the details written to why (n bytes). */

/* The layout check of issue 11: every widget within the screen; every text inside its
 * box (not overflowing, not cut with an ellipsis: ui_widget.fit); every target (button,
 * key, toggle) at least THEME_TARGET_MIN on its short side; no two targets overlapping or
 * closer than THEME_TARGET_SPACING; no text (a label's drawn extent) over another widget. */
const char *check_layout(const ui *u, char *why, size_t n);
/* The same without the texts' fit: for the null renderer, whose text widths are estimates
 * (the monkey); the layout matrix checks the fit with real fonts. */
const char *check_layout_shape(const ui *u, char *why, size_t n);

/* No target within the top-left square of side `corner` (the staff corner a hold opens the
 * PIN from): a hold there must never press a button a user would press. */
const char *check_corner_free(const ui *u, int corner, char *why, size_t n);

/* The same over a widget list and a screen size, for tests that build a layout by hand. */
const char *check_widgets(const ui_widget *w, int n_widgets, int screen_w, int screen_h, char *why,
                          size_t n);

/* Over a snapshot of the open tickets (waiting, called, in session) and all stations: at
 * most one open ticket per user; a reserved or occupied station holds a ticket that is
 * called (reserved) or in session (occupied) at that station; a called or in-session
 * ticket is held by its station; any other station holds no ticket. */
const char *check_queue_state(const ank_ticket *open, int n_open, const ank_station *stations,
                              int n_stations, char *why, size_t n);

/* check_queue_state on the queue as it is now (read through ank_queue_open_tickets and
 * ank_queue_stations); "queue readable" when reading failed. */
const char *check_queue(ank_queue *q, int64_t now, char *why, size_t n);

#endif
