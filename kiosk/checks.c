/* The invariants of checks.h: pure functions over a widget list or a queue snapshot, and
 * one that takes the snapshot from the queue's public API. */
#include "checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

static bool is_target(const ui_widget *w)
{
	return w->role == UI_ROLE_BUTTON || w->role == UI_ROLE_KEY || w->role == UI_ROLE_TOGGLE;
}

static bool overlap(ui_rect a, ui_rect b)
{
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Closer than THEME_TARGET_SPACING on both axes: a finger aimed at one may land on the
 * other (overlap included). */
static bool too_close(ui_rect a, ui_rect b)
{
	int dx = a.x > b.x + b.w ? a.x - (b.x + b.w) : b.x > a.x + a.w ? b.x - (a.x + a.w) : 0;
	int dy = a.y > b.y + b.h ? a.y - (b.y + b.h) : b.y > a.y + a.h ? b.y - (a.y + a.h) : 0;
	return dx < THEME_TARGET_SPACING && dy < THEME_TARGET_SPACING;
}

static bool empty(ui_rect r)
{
	return r.w <= 0 || r.h <= 0;
}

/* The checks on one widget alone: on screen, big enough, its text inside its box. */
static const char *check_one(const ui_widget *w, int screen_w, int screen_h, bool text_fit,
                             char *why, size_t n)
{
	if (!empty(w->rect) &&
	    (w->rect.x < 0 || w->rect.y < 0 || w->rect.x + w->rect.w > screen_w ||
	     w->rect.y + w->rect.h > screen_h)) {
		snprintf(why, n, "%s at %d,%d %dx%d is outside the %dx%d screen", w->id, w->rect.x,
		         w->rect.y, w->rect.w, w->rect.h, screen_w, screen_h);
		return "widget within the screen";
	}
	if (text_fit && (w->fit == UI_FIT_OVERFLOW || w->fit == UI_FIT_CUT)) {
		snprintf(why, n, "%s: \"%.60s\" %s", w->id, w->text,
		         w->fit == UI_FIT_CUT ? "is cut short with an ellipsis"
		                              : "does not fit its box even at its smallest size");
		return "text within its box";
	}
	if (is_target(w) && (w->rect.w < THEME_TARGET_MIN || w->rect.h < THEME_TARGET_MIN)) {
		snprintf(why, n, "%s is %dx%d, under %d px", w->id, w->rect.w, w->rect.h,
		         THEME_TARGET_MIN);
		return "target size";
	}
	return NULL;
}

static const char *widgets_check(const ui_widget *ws, int n_widgets, int screen_w, int screen_h,
                                 bool text_fit, char *why, size_t n)
{
	for (int i = 0; i < n_widgets; i++) {
		const ui_widget *w = &ws[i];
		const char *broken = check_one(w, screen_w, screen_h, text_fit, why, n);
		if (broken)
			return broken;
		if (empty(w->rect))
			continue;
		for (int k = i + 1; k < n_widgets; k++) {
			const ui_widget *o = &ws[k];
			if (empty(o->rect))
				continue;
			if (is_target(w) && is_target(o) && too_close(w->rect, o->rect)) {
				bool over = overlap(w->rect, o->rect);
				if (over)
					snprintf(why, n, "%s overlaps %s", w->id, o->id);
				else
					snprintf(why, n, "%s is closer than %d px to %s", w->id,
					         THEME_TARGET_SPACING, o->id);
				return over ? "no overlapping targets" : "space between targets";
			}
			/* Text drawn over another widget hides it or is hidden (hours under a
			 * button, a title under the field). */
			if ((w->role == UI_ROLE_LABEL || o->role == UI_ROLE_LABEL) &&
			    overlap(w->rect, o->rect)) {
				snprintf(why, n, "%s overlaps %s", w->id, o->id);
				return "no text over other widgets";
			}
		}
	}
	return NULL;
}

const char *check_widgets(const ui_widget *ws, int n_widgets, int screen_w, int screen_h, char *why,
                          size_t n)
{
	return widgets_check(ws, n_widgets, screen_w, screen_h, true, why, n);
}

const char *check_layout_shape(const ui *u, char *why, size_t n)
{
	return widgets_check(u->widgets, u->n_widgets, u->w, u->h, false, why, n);
}

const char *check_corner_free(const ui *u, int corner, char *why, size_t n)
{
	ui_rect sq = {0, 0, corner, corner};
	for (int i = 0; i < u->n_widgets; i++)
		if (is_target(&u->widgets[i]) && overlap(u->widgets[i].rect, sq)) {
			snprintf(why, n, "%s reaches into the %d px staff corner", u->widgets[i].id,
			         corner);
			return "staff corner free";
		}
	return NULL;
}

const char *check_layout(const ui *u, char *why, size_t n)
{
	return check_widgets(u->widgets, u->n_widgets, u->w, u->h, why, n);
}

static const ank_ticket *find_ticket(const ank_ticket *t, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

static const ank_station *find_station(const ank_station *s, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].id, id))
			return &s[i];
	return NULL;
}

/* The ticket state a station in state s must hold, or -1 when it must hold none. */
static int held_state(ank_station_state s)
{
	if (s == ANK_SS_RESERVED)
		return ANK_TS_CALLED;
	if (s == ANK_SS_OCCUPIED)
		return ANK_TS_IN_SESSION;
	return -1;
}

static const char *const station_agrees = "stations and tickets agree";

static const char *check_station(const ank_station *s, const ank_ticket *open, int n_open,
                                 char *why, size_t n)
{
	int want = held_state(s->state);
	if (want < 0) {
		if (s->ticket_id == 0)
			return NULL;
		snprintf(why, n, "station %s is %s but holds ticket %lld", s->id,
		         ank_station_state_code(s->state), (long long)s->ticket_id);
		return station_agrees;
	}
	const ank_ticket *t = find_ticket(open, n_open, s->ticket_id);
	if (!t) {
		snprintf(why, n, "station %s is %s with ticket %lld, which is not open", s->id,
		         ank_station_state_code(s->state), (long long)s->ticket_id);
		return station_agrees;
	}
	if ((int)t->state != want || strcmp(t->station_id, s->id) != 0) {
		snprintf(why, n, "station %s is %s with ticket %s, which is %s at station '%s'",
		         s->id, ank_station_state_code(s->state), t->label,
		         ank_ticket_state_code(t->state), t->station_id);
		return station_agrees;
	}
	return NULL;
}

const char *check_queue_state(const ank_ticket *open, int n_open, const ank_station *stations,
                              int n_stations, char *why, size_t n)
{
	for (int i = 0; i < n_open; i++) {
		const ank_ticket *t = &open[i];
		for (int k = i + 1; k < n_open; k++) {
			if (!strcmp(t->user_id, open[k].user_id)) {
				snprintf(why, n, "user %s holds open tickets %s and %s", t->user_id,
				         t->label, open[k].label);
				return "one open ticket per user";
			}
		}
		if (t->state != ANK_TS_CALLED && t->state != ANK_TS_IN_SESSION)
			continue;
		const ank_station *s = find_station(stations, n_stations, t->station_id);
		if (!s || s->ticket_id != t->id) {
			snprintf(why, n, "ticket %s is %s at station '%s', which %s", t->label,
			         ank_ticket_state_code(t->state), t->station_id,
			         s ? "holds another ticket" : "does not exist");
			return station_agrees;
		}
	}
	for (int i = 0; i < n_stations; i++) {
		const char *broken = check_station(&stations[i], open, n_open, why, n);
		if (broken)
			return broken;
	}
	return NULL;
}

const char *check_queue(ank_queue *q, int64_t now, char *why, size_t n)
{
	/* Up to ANK_MAX_OPEN_TICKETS of a few hundred bytes each: on the heap, freed here. */
	ank_ticket *open = malloc(sizeof *open * ANK_MAX_OPEN_TICKETS);
	ank_station_view views[ANK_MAX_STATIONS];
	ank_station stations[ANK_MAX_STATIONS];
	int n_open = 0, n_views = 0;
	ank_err err = {{0}};
	const char *broken = NULL;
	if (!open) {
		snprintf(why, n, "out of memory");
		return "queue readable";
	}
	if (ank_queue_open_tickets(q, open, ANK_MAX_OPEN_TICKETS, &n_open, &err) != ANK_Q_OK ||
	    ank_queue_stations(q, now, views, ANK_MAX_STATIONS, &n_views, &err) != ANK_Q_OK) {
		snprintf(why, n, "%s", err.msg);
		broken = "queue readable";
		goto out;
	}
	for (int i = 0; i < n_views; i++)
		stations[i] = views[i].station;
	broken = check_queue_state(open, n_open, stations, n_views, why, n);
out:
	free(open);
	return broken;
}
