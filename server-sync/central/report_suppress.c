/* Small-cell suppression of the report (docs/report.md "Suppression"): counts under the
 * threshold become "<N", and further cells are hidden so that no suppressed count can be
 * worked out from a total minus the cells beside it, within a section or across sections. */
#include "report_suppress.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The counts of people or events that are suppressed, and the breakdowns of counts. Other
 * figures (session seconds, events out of time, unknown types) are not about people; nor is
 * `capacity`: station-seconds open and occupied and their ratio, made from no count. */
static const char *const count_keys[] = {"checkins",
                                         "checkins_assisted",
                                         "intakes",
                                         "sessions_ended",
                                         "no_shows",
                                         "cancelled",
                                         "refusals",
                                         "rejections",
                                         "unique_users",
                                         "unique_users_unlinked",
                                         "overdoses",
                                         "overdoses_naloxone",
                                         "overdoses_oxygen",
                                         "overdoses_ambulance",
                                         "referrals",
                                         "incidents",
                                         NULL};
static const char *const breakdown_keys[] = {
        "checkins_by_route",      "checkins_by_substance",     "checkins_by_route_substance",
        "checkins_by_weekday",    "checkins_by_hour",          "intakes_by_route",
        "intakes_by_substance",   "refusals_by_reason",        "rejections_by_reason",
        "unique_users_by_gender", "unique_users_by_age_group", "unique_users_by_municipality",
        "overdoses_by_outcome",   "referrals_by_type",         "intakes_by_week",
        "intakes_by_weekday",     "intakes_by_hour",           NULL};

/* A breakdown and the total its cells add up to (within one section). */
static const struct {
	const char *total, *cells;
} sums[] = {
        {"checkins", "checkins_by_route"},
        {"checkins", "checkins_by_substance"},
        {"checkins", "checkins_by_weekday"},
        {"checkins", "checkins_by_hour"},
        {"intakes", "intakes_by_route"},
        {"intakes", "intakes_by_substance"},
        {"intakes", "intakes_by_week"},
        {"intakes", "intakes_by_weekday"},
        {"intakes", "intakes_by_hour"},
        {"refusals", "refusals_by_reason"},
        {"rejections", "rejections_by_reason"},
        {"unique_users", "unique_users_by_gender"},
        {"unique_users", "unique_users_by_age_group"},
        {"unique_users", "unique_users_by_municipality"},
        {"overdoses", "overdoses_by_outcome"},
        {"referrals", "referrals_by_type"},
};

/* One count of the report: where it is, its value, whether it is hidden. */
typedef struct cell {
	json_t *obj; /* the object holding it (borrowed) */
	const char *key;
	char path[96]; /* within its section, e.g. "checkins_by_route/inject" */
	int section;
	long long v;
	bool hidden;
	bool small; /* hidden because it is under the threshold (not only to protect another) */
} cell;

typedef struct sup {
	cell *c;
	int n, cap;
	int below;
	bool failed;
	/* A group: cells that add up to the first. Built, checked and thrown away. */
	int *g;
	int gn, gcap;
	/* The cells of section i are c[first[i] .. first[i + 1]) (collected in order). */
	int *first;
} sup;

static bool in_list(const char *const *list, const char *k)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], k))
			return true;
	return false;
}

static void cell_add(sup *s, json_t *obj, const char *key, const char *path, int section)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 256;
		cell *c = realloc(s->c, (size_t)cap * sizeof *c);
		if (!c) {
			s->failed = true;
			return;
		}
		s->c = c;
		s->cap = cap;
	}
	cell *c = &s->c[s->n++];
	c->obj = obj;
	c->key = key;
	snprintf(c->path, sizeof c->path, "%s", path);
	c->section = section;
	c->v = json_integer_value(v);
	/* Primary suppression: a count of 1..below-1. A zero tells nothing of a person. */
	c->hidden = c->small = c->v > 0 && c->v < s->below;
}

/* Every count of one section, nested breakdowns (route × substance) included. */
static void collect(sup *s, json_t *sec, int section)
{
	const char *k;
	json_t *v;
	json_object_foreach(sec, k, v)
	{
		if (in_list(count_keys, k)) {
			cell_add(s, sec, k, k, section);
		} else if (in_list(breakdown_keys, k) && json_is_object(v)) {
			const char *k2;
			json_t *v2;
			json_object_foreach(v, k2, v2)
			{
				char path[96];
				snprintf(path, sizeof path, "%s/%s", k, k2);
				if (json_is_object(v2)) {
					const char *k3;
					json_t *v3;
					json_object_foreach(v2, k3, v3)
					{
						char p3[96];
						snprintf(p3, sizeof p3, "%s/%s", path, k3);
						(void)v3;
						cell_add(s, v2, k3, p3, section);
					}
				} else {
					cell_add(s, v, k2, path, section);
				}
			}
		}
	}
}

static int find(const sup *s, int section, const char *path)
{
	for (int i = s->first[section]; i < s->first[section + 1]; i++)
		if (!strcmp(s->c[i].path, path))
			return i;
	return -1;
}

/* Appends i (a cell, or -1 for a missing total) to the group being built. */
static void group_push(sup *s, int i)
{
	if (s->gn == s->gcap) {
		int cap = s->gcap ? s->gcap * 2 : 64;
		int *g = realloc(s->g, (size_t)cap * sizeof *g);
		if (!g) {
			s->failed = true;
			return;
		}
		s->g = g;
		s->gcap = cap;
	}
	s->g[s->gn++] = i;
}

/* A new group whose total is cell `total` (-1: none, and then nothing can be derived). */
static void group_start(sup *s, int total)
{
	s->gn = 0;
	group_push(s, total);
}

/* One of the cells that add up to the total; -1 (a section without it: zero) is left out. */
static void group_add(sup *s, int i)
{
	if (i >= 0 && !s->failed)
		group_push(s, i);
}

/* Secondary suppression of the group in s->g (g[0] the total): with exactly one hidden
 * member, that one is the total minus the rest, so one more goes: the smallest shown cell
 * above zero (least information lost), or the total when no cell is left. True when it
 * hid something. */
static bool group_close(sup *s)
{
	if (s->failed || s->gn < 2 || s->g[0] < 0)
		return false;
	int hidden = 0, best = -1;
	for (int i = 0; i < s->gn; i++) {
		cell *c = &s->c[s->g[i]];
		hidden += c->hidden;
		if (i > 0 && !c->hidden && c->v > 0 && (best < 0 || c->v < s->c[best].v))
			best = s->g[i];
	}
	if (hidden != 1)
		return false;
	if (best < 0)
		best = s->g[0];
	if (s->c[best].hidden)
		return false; /* the total alone is hidden and no cell shows: nothing to derive */
	s->c[best].hidden = true;
	return true;
}

/* The groups of one section: each total with its breakdown, each route with its row of
 * route × substance and each substance with its column. */
static bool close_section(sup *s, int section)
{
	bool changed = false;
	int lo = s->first[section], hi = s->first[section + 1];
	for (size_t k = 0; k < sizeof sums / sizeof sums[0]; k++) {
		group_start(s, find(s, section, sums[k].total));
		size_t len = strlen(sums[k].cells);
		for (int i = lo; i < hi; i++)
			if (!strncmp(s->c[i].path, sums[k].cells, len) && s->c[i].path[len] == '/')
				group_add(s, i);
		changed |= group_close(s);
	}
	static const char rs[] = "checkins_by_route_substance/";
	for (int t = lo; t < hi; t++) {
		const cell *tot = &s->c[t];
		const char *route = NULL, *subst = NULL;
		if (!strncmp(tot->path, "checkins_by_route/", 18))
			route = tot->path + 18;
		else if (!strncmp(tot->path, "checkins_by_substance/", 22))
			subst = tot->path + 22;
		else
			continue;
		group_start(s, t);
		for (int i = lo; i < hi; i++) {
			const cell *c = &s->c[i];
			if (strncmp(c->path, rs, sizeof rs - 1))
				continue;
			const char *r = c->path + sizeof rs - 1, *slash = strchr(r, '/');
			if (!slash)
				continue;
			bool in = route ? (size_t)(slash - r) == strlen(route) &&
			                          !strncmp(r, route, strlen(route))
			                : !strcmp(slash + 1, subst);
			if (in)
				group_add(s, i);
		}
		changed |= group_close(s);
	}
	return changed;
}

/* The group of one path across sections: the total's cell and its parts'. */
static bool close_across(sup *s, int total, const int *parts, int n_parts, const char *path)
{
	group_start(s, find(s, total, path));
	for (int p = 0; p < n_parts; p++)
		group_add(s, find(s, parts[p], path));
	return group_close(s);
}

/* What a hidden cell shows: "<10" for a small count; "hidden" for one that is not small
 * but hidden so that a small one cannot be worked out (writing "<10" there would be false). */
static void hide(json_t *obj, const char *key, int below, bool small)
{
	char text[16];
	snprintf(text, sizeof text, "<%d", below);
	json_object_set_new(obj, key, json_string(small ? text : ANK_REPORT_HIDDEN));
}

/* Derived figures that would give a hidden count back. */
static void hide_derived(json_t *sec, int below)
{
	static const struct {
		const char *figure, *from, *from2;
	} derived[] = {
	        {"session_mean_s", "sessions_ended", NULL},
	        {"wait_mean_s", "intakes", NULL},
	        {"overdoses_per_1000_intakes", "overdoses", "intakes"},
	};
	for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++) {
		bool hidden = json_is_string(json_object_get(sec, derived[i].from)) ||
		              (derived[i].from2 &&
		               json_is_string(json_object_get(sec, derived[i].from2)));
		if (hidden)
			json_object_set_new(sec, derived[i].figure, json_null());
	}
	/* Waiting-time cells of fewer than `below` tickets: their n and percentiles. */
	json_t *w = json_object_get(sec, "wait_to_call");
	json_t *cells[64];
	int nc = 0;
	if (json_is_object(w))
		cells[nc++] = w;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(sec, "wait_to_call_by_route"), k, v)
	{
		if (nc < 64)
			cells[nc++] = v;
	}
	json_object_foreach(json_object_get(sec, "wait_to_call_by_route_hour"), k, v)
	{
		const char *h;
		json_t *hv;
		json_object_foreach(v, h, hv)
		{
			if (nc < 64)
				cells[nc++] = hv;
		}
	}
	for (int i = 0; i < nc; i++) {
		json_int_t n = json_integer_value(json_object_get(cells[i], "n"));
		if (json_is_integer(json_object_get(cells[i], "n")) && n > 0 && n < below) {
			hide(cells[i], "n", below, true);
			json_object_set_new(cells[i], "median_s", json_null());
			json_object_set_new(cells[i], "p90_s", json_null());
		}
	}
}

int ank_report_suppress(json_t *report, int below, ank_err *err)
{
	if (below < 0 || below > ANK_REPORT_SUPPRESS_MAX)
		return ank_err_set(err, "the suppression threshold is 0..%d",
		                   ANK_REPORT_SUPPRESS_MAX);
	char method[256];
	if (below)
		snprintf(
		        method, sizeof method,
		        "counts from 1 to %d are shown as \"<%d\"; where one hidden count could be "
		        "worked out from a total and the counts beside it, the smallest other "
		        "count "
		        "is hidden too",
		        below - 1, below);
	else
		snprintf(method, sizeof method, "none: every count as it is (not for publication)");
	json_object_set_new(report, "suppression",
	                    json_pack("{s:i, s:s}", "below", below, "method", method));
	if (below == 0)
		return 0;
	/* Sections: 0 the totals, then the municipalities, then the sites. */
	json_t *munis = json_object_get(report, "municipalities"),
	       *sites = json_object_get(report, "sites");
	size_t n_sec = 1 + json_object_size(munis) + json_object_size(sites);
	json_t **sec = calloc(n_sec, sizeof *sec);
	int *muni_of = calloc(n_sec, sizeof *muni_of);
	sup s = {.below = below};
	if (!sec || !muni_of) {
		free(sec);
		free(muni_of);
		return ank_err_set(err, "out of memory");
	}
	int n = 0, first_muni = 1;
	sec[n++] = json_object_get(report, "totals");
	const char *k;
	json_t *v;
	json_object_foreach(munis, k, v) sec[n++] = v;
	int first_site = n;
	json_object_foreach(sites, k, v)
	{
		/* Its municipality's section: the one whose code the site's is, by the report's
		 * list of which sites each municipality holds. */
		muni_of[n] = -1;
		json_t *m = json_object_get(v, "municipality");
		int i = first_muni;
		const char *mk;
		json_t *mv;
		json_object_foreach(munis, mk, mv)
		{
			if (json_is_string(m) && !strcmp(mk, json_string_value(m)))
				muni_of[n] = i;
			i++;
		}
		sec[n++] = v;
	}
	int *parts = calloc((size_t)n + 1, sizeof *parts);
	s.first = calloc((size_t)n + 1, sizeof *s.first);
	if (!parts || !s.first)
		s.failed = true;
	for (int i = 0; i < n && !s.failed; i++) {
		s.first[i] = s.n;
		collect(&s, sec[i], i);
	}
	if (!s.failed)
		s.first[n] = s.n;
	/* To a fixed point: hiding one cell can leave another group with a single hidden one. */
	for (bool changed = true; changed && !s.failed;) {
		changed = false;
		for (int i = 0; i < n; i++)
			changed |= close_section(&s, i);
		for (int c = s.first[0]; c < s.first[1] && !s.failed; c++) {
			const char *path = s.c[c].path;
			/* Totals over municipalities, totals over sites, each municipality over its
			 * sites. */
			int np = 0;
			for (int i = first_muni; i < first_site; i++)
				parts[np++] = i;
			changed |= close_across(&s, 0, parts, np, path);
			np = 0;
			for (int i = first_site; i < n; i++)
				parts[np++] = i;
			changed |= close_across(&s, 0, parts, np, path);
			for (int m = first_muni; m < first_site; m++) {
				np = 0;
				for (int i = first_site; i < n; i++)
					if (muni_of[i] == m)
						parts[np++] = i;
				changed |= close_across(&s, m, parts, np, path);
			}
		}
	}
	if (!s.failed) {
		for (int i = 0; i < s.n; i++)
			if (s.c[i].hidden)
				hide(s.c[i].obj, s.c[i].key, below, s.c[i].small);
		for (int i = 0; i < n; i++)
			hide_derived(sec[i], below);
	}
	free(parts);
	free(s.first);
	free(s.c);
	free(s.g);
	free(sec);
	free(muni_of);
	return s.failed ? ank_err_set(err, "out of memory") : 0;
}
