/* The report for the ministry (docs/operations.md "Report"): counts per site and in total over
 * a span of days, read from the read model's typed tables (cstore_read.c: day aggregates,
 * the users of each day, refusals, events out of time), central's registry (linkage keys
 * for unique users) and the staff records, as one JSON document that names what the data
 * cannot give. Each table is read once for all sites; no statement touches the raw event
 * log or payload text. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ank_text.h"
#include "ank_time.h"
#include "ank_vocab.h"
#include "cstore_int.h"

/* The waits (ms from the ticket to its first call) of one cell: "" all, a route, or
 * "route|HH" (the local hour of issue). */
typedef struct wait_set {
	char key[24];
	long long *ms;
	int n, cap;
} wait_set;

/* The station types capacity is counted by (cap_type below). */
#define CAP_TYPES 3

/* One section's figures as they are summed: a site's, a municipality's, or the totals. */
typedef struct sec {
	char id[ANK_CS_ID_MAX + 1];
	json_t *name;
	/* A site's: its municipality's section (in rep.muni) and its time zone, and the span in
	 * ms that the report's local dates make there (the staff records are kept by instant). */
	int muni;
	char zone[ANK_ZONE_ID_MAX + 1];
	long long from_ms, to_ms;
	long long checkins, assisted, intakes, ended, session_s, waited, wait_ms, no_shows,
	        cancelled, refusals, rejections, overdoses, naloxone, oxygen, ambulance, referrals,
	        incidents, unique, unlinked, out_of_time;
	/* {code: n} objects, and {route: {substance: n}} */
	json_t *by_route, *by_substance, *by_route_substance, *by_weekday, *by_hour, *in_route,
	        *in_substance, *refusal_reason, *rejection_reason, *gender, *age, *municipality,
	        *outcome, *referral_type, *unknown, *in_week, *in_weekday, *in_hour;
	wait_set *waits;
	int n_waits, cap_waits;
	bool no_memory; /* a wait could not be kept: the section's wait figures are wrong */
	/* Capacity: station-ms open and occupied by station type and local hour; known when a
	 * site of the section sent station types (cap_types: this site did). */
	bool cap_known, cap_types;
	long long cap_open[CAP_TYPES][24], cap_occ[CAP_TYPES][24];
} sec;

/* One report being made. Every statement binds ?1 and ?2 the first and last local date,
 * ?3 and ?4 a span in ms (records: each site's own, bound per site), ?5 the year ages are
 * counted at. */
typedef struct rep {
	ank_cstore *cs;
	char from_date[11], to_date[11];
	long long from_ms, to_ms;
	int year;
	long long now; /* the end of an open span's capacity days */
	int n;
	sec *site; /* n sections, in id order */
	int n_muni;
	sec *muni; /* the sites' municipalities, in code order */
	sec total;
	bool failed; /* a statement failed; err holds the first message */
	ank_err *err;
} rep;

static void sec_init(sec *s, const char *id)
{
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", id);
	json_t **objs[] = {&s->by_route,
	                   &s->by_substance,
	                   &s->by_route_substance,
	                   &s->by_weekday,
	                   &s->by_hour,
	                   &s->in_route,
	                   &s->in_substance,
	                   &s->refusal_reason,
	                   &s->rejection_reason,
	                   &s->gender,
	                   &s->age,
	                   &s->municipality,
	                   &s->outcome,
	                   &s->referral_type,
	                   &s->unknown,
	                   &s->in_week,
	                   &s->in_weekday,
	                   &s->in_hour};
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
		*objs[i] = json_object();
}

/* The section of a site id (NULL: none, e.g. the totals row of a grouped query). */
static sec *sec_of(rep *r, const char *id)
{
	for (int i = 0; id && i < r->n; i++)
		if (!strcmp(r->site[i].id, id))
			return &r->site[i];
	return NULL;
}

/* o[k] += n; only counts above 0 appear, as a GROUP BY over events would give them. */
static void add(json_t *o, const char *k, long long n)
{
	if (n <= 0)
		return;
	json_t *v = json_object_get(o, k);
	json_object_set_new(o, k, json_integer((v ? json_integer_value(v) : 0) + n));
}

static void add2(json_t *o, const char *a, const char *b, long long n)
{
	if (n <= 0)
		return;
	json_t *inner = json_object_get(o, a);
	if (!inner) {
		inner = json_object();
		json_object_set_new(o, a, inner);
	}
	add(inner, b, n);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of o with its keys in byte order (nested objects too): the report reads the same
 * whatever order the rows came in. Steals o; returns a new reference. */
static json_t *sorted(json_t *o)
{
	size_t n = json_object_size(o), i = 0;
	const char **keys = malloc((n ? n : 1) * sizeof *keys);
	json_t *out = json_object();
	const char *k;
	json_t *v;
	if (keys) {
		json_object_foreach(o, k, v) keys[i++] = k;
		qsort(keys, n, sizeof *keys, key_cmp);
		for (i = 0; i < n; i++) {
			v = json_object_get(o, keys[i]);
			json_object_set_new(out, keys[i],
			                    json_is_object(v) ? sorted(json_incref(v))
			                                      : json_incref(v));
		}
	}
	free(keys);
	json_decref(o);
	return out;
}

static sqlite3_stmt *prep(rep *r, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(r->cs->db, sql, -1, &s, NULL) != SQLITE_OK) {
		if (!r->failed)
			ank_cs_fail(r->cs, r->err);
		r->failed = true;
		sqlite3_finalize(s);
		return NULL;
	}
	/* A statement that does not use a bound is fine: binding it only reports a range error. */
	sqlite3_bind_text(s, 1, r->from_date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, r->to_date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, r->from_ms);
	sqlite3_bind_int64(s, 4, r->to_ms);
	sqlite3_bind_int(s, 5, r->year);
	return s;
}

static void done(rep *r, sqlite3_stmt *s, int rc)
{
	if (rc != SQLITE_DONE && !r->failed) {
		ank_cs_fail(r->cs, r->err);
		r->failed = true;
	}
	sqlite3_finalize(s);
}

/* Column text, "unknown" for NULL (as the report has always named a missing value). */
static const char *key_col(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? "unknown" : ank_cs_col(s, i);
}

/* Runs sql and hands each row to fn. */
typedef void (*row_fn)(rep *r, sqlite3_stmt *s);
static void each_row(rep *r, const char *sql, row_fn fn)
{
	sqlite3_stmt *s = prep(r, sql);
	if (!s)
		return;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(r, s);
	done(r, s, rc);
}

/* The sections a row of `site` counts in: its site's (when listed), that site's
 * municipality's and the totals. */
#define TARGETS 3
static int targets_of(rep *r, const char *site, sec *out[TARGETS])
{
	int n = 0;
	sec *x = sec_of(r, site);
	if (x) {
		out[n++] = x;
		out[n++] = &r->muni[x->muni];
	}
	out[n++] = &r->total;
	return n;
}

/* The same for an additive row whose column 0 is the site. */
static int targets(rep *r, sqlite3_stmt *s, sec *out[TARGETS])
{
	return targets_of(r, ank_cs_col(s, 0), out);
}

/* ---- waiting times ---- */

/* The cells of a section's waits, by index so that a row finds its three without a search
 * (a month has tens of thousands of rows): 0 all, 1 + route, then route × hour of issue
 * (hour 24: not known). */
#define WAIT_HOURS 25
#define WAIT_SLOTS (1 + ANK_ROUTE_COUNT + ANK_ROUTE_COUNT * WAIT_HOURS)

static void wait_add(sec *x, int slot, const char *key, long long ms)
{
	if (!x->waits) {
		x->waits = calloc(WAIT_SLOTS, sizeof *x->waits);
		if (!x->waits) {
			x->no_memory = true;
			return;
		}
		x->n_waits = x->cap_waits = WAIT_SLOTS;
	}
	wait_set *w = &x->waits[slot];
	if (w->n == 0)
		snprintf(w->key, sizeof w->key, "%s", key);
	long long *cell = ank_cs_grow((void **)&w->ms, w->n, &w->cap, sizeof *w->ms);
	if (!cell) {
		x->no_memory = true;
		return;
	}
	w->ms[w->n++] = ms;
}

static void waits_free(sec *x)
{
	for (int i = 0; i < x->n_waits; i++)
		free(x->waits[i].ms);
	free(x->waits);
	x->waits = NULL;
	x->n_waits = x->cap_waits = 0;
}

static int ll_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* The nearest-rank percentile p (0 < p <= 100) of sorted v[0..n): the smallest value with
 * at least p % of the values at or below it. */
static long long nearest_rank(const long long *v, int n, int p)
{
	int rank = (int)(((long long)p * n + 99) / 100); /* ceil(p n / 100), 1-based */
	return v[(rank < 1 ? 1 : rank) - 1];
}

/* {n, median_s, p90_s} of one cell (values sorted here). */
static json_t *wait_json(wait_set *w)
{
	qsort(w->ms, (size_t)w->n, sizeof *w->ms, ll_cmp);
	return json_pack("{s:i, s:o, s:o}", "n", w->n, "median_s",
	                 json_real((double)(nearest_rank(w->ms, w->n, 50) / 100) / 10), "p90_s",
	                 json_real((double)(nearest_rank(w->ms, w->n, 90) / 100) / 10));
}

/* visit (site, route, hour of issue, ms to the first call): tickets issued in the span
 * that were called. */
static void wait_row(rep *r, sqlite3_stmt *s);

/* ---- the tables, each read once ---- */

/* day_stat (site, route, substance, checkins, assisted, intakes, ended, session_s, waited,
 * wait_ms, no_shows, cancelled). */
static void day_row(rep *r, sqlite3_stmt *s)
{
	const char *route = key_col(s, 1), *substance = key_col(s, 2);
	long long v[9];
	for (int i = 0; i < 9; i++)
		v[i] = sqlite3_column_int64(s, 3 + i);
	sec *to[TARGETS];
	for (int t = 0, n = targets(r, s, to); t < n; t++) {
		sec *x = to[t];
		x->checkins += v[0];
		x->assisted += v[1];
		x->intakes += v[2];
		x->ended += v[3];
		x->session_s += v[4];
		x->waited += v[5];
		x->wait_ms += v[6];
		x->no_shows += v[7];
		x->cancelled += v[8];
		add(x->by_route, route, v[0]);
		add(x->by_substance, substance, v[0]);
		add2(x->by_route_substance, route, substance, v[0]);
		add(x->in_route, route, v[2]);
		add(x->in_substance, substance, v[2]);
	}
}

/* Weekday of a date, 0 = Sunday (Sakamoto's method, no mktime per row). */
static int weekday_ymd(int y, int m, int d)
{
	static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
	if (m < 3)
		y -= 1;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

/* The report's weekday codes, by weekday_ymd. */
static const char *const weekday_code[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ISO 8601 weeks in year y: 53 when 1 January is a Thursday, or a Wednesday in a leap year. */
static int iso_weeks_in(int y)
{
	int jan1 = weekday_ymd(y, 1, 1);
	return jan1 == 4 || (leap_year(y) && jan1 == 3) ? 53 : 52;
}

/* The ISO 8601 week of a date, "2026-W01": weeks start on Monday, and week 1 holds the
 * year's first Thursday, so a few days of late December or early January belong to the
 * neighbouring year's week. */
static void iso_week(int y, int m, int d, char out[9])
{
	static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int yday = before[m - 1] + d + (leap_year(y) && m > 2);
	int wd = weekday_ymd(y, m, d);
	int week = (yday - (wd == 0 ? 7 : wd) + 10) / 7, wy = y;
	if (week < 1) {
		wy = y - 1;
		week = iso_weeks_in(wy);
	} else if (week > iso_weeks_in(y)) {
		wy = y + 1;
		week = 1;
	}
	snprintf(out, 9, "%04d-W%02d", wy % 10000, week);
}

/* hour_stat (site, date, hour, checkins, intakes): check-ins by weekday and hour, intakes by
 * ISO week, weekday and hour, of the local date and hour. */
static void hour_row(rep *r, sqlite3_stmt *s)
{
	int y = 0, m = 0, d = 0;
	bool dated = ank_date_parse(ank_cs_col(s, 1), &y, &m, &d) == 0;
	const char *wd = dated ? weekday_code[weekday_ymd(y, m, d)] : "unknown";
	char hour[8], week[9] = "unknown";
	snprintf(hour, sizeof hour, "%02d", sqlite3_column_int(s, 2));
	if (dated)
		iso_week(y, m, d, week);
	long long n = sqlite3_column_int64(s, 3), in = sqlite3_column_int64(s, 4);
	sec *to[TARGETS];
	for (int t = 0, k = targets(r, s, to); t < k; t++) {
		add(to[t]->by_weekday, wd, n);
		add(to[t]->by_hour, hour, n);
		add(to[t]->in_week, week, in);
		add(to[t]->in_weekday, wd, in);
		add(to[t]->in_hour, hour, in);
	}
}

/* refusal counts (site, reason, n). */
static void refusal_row(rep *r, sqlite3_stmt *s)
{
	long long n = sqlite3_column_int64(s, 2);
	sec *to[TARGETS];
	for (int t = 0, k = targets(r, s, to); t < k; t++) {
		to[t]->refusals += n;
		add(to[t]->refusal_reason, key_col(s, 1), n);
	}
}

/* record counts (site, kind, code, naloxone, oxygen, ambulance, n). */
static void record_row(rep *r, sqlite3_stmt *s)
{
	const char *kind = ank_cs_col(s, 1), *code = key_col(s, 2);
	long long n = sqlite3_column_int64(s, 6);
	sec *to[TARGETS];
	for (int t = 0, k = targets(r, s, to); t < k; t++) {
		sec *x = to[t];
		if (!strcmp(kind, "overdose")) {
			x->overdoses += n;
			x->naloxone += sqlite3_column_int(s, 3) ? n : 0;
			x->oxygen += sqlite3_column_int(s, 4) ? n : 0;
			x->ambulance += sqlite3_column_int(s, 5) ? n : 0;
			add(x->outcome, code, n);
		} else if (!strcmp(kind, "referral")) {
			x->referrals += n;
			add(x->referral_type, code, n);
		} else if (!strcmp(kind, "rejection")) {
			x->rejections += n;
			add(x->rejection_reason, code, n);
		} else if (!strcmp(kind, "incident")) {
			x->incidents += n;
		}
	}
}

static void wait_row(rep *r, sqlite3_stmt *s)
{
	const char *route = key_col(s, 1);
	int ri = ank_route_from_code(route);
	if (ri < 0)
		return; /* the read model keeps only routes it knows */
	bool known = sqlite3_column_type(s, 2) != SQLITE_NULL;
	int hour = known ? sqlite3_column_int(s, 2) : WAIT_HOURS - 1;
	if (hour < 0 || hour >= WAIT_HOURS - 1)
		hour = WAIT_HOURS - 1;
	char hour_key[24];
	if (hour == WAIT_HOURS - 1)
		snprintf(hour_key, sizeof hour_key, "%.12s|unknown", route);
	else
		snprintf(hour_key, sizeof hour_key, "%.12s|%02d", route, hour);
	long long ms = sqlite3_column_int64(s, 3);
	sec *to[TARGETS];
	for (int t = 0, k = targets(r, s, to); t < k; t++) {
		wait_add(to[t], 0, "", ms);
		wait_add(to[t], 1 + ri, route, ms);
		wait_add(to[t], 1 + ANK_ROUTE_COUNT + ri * WAIT_HOURS + hour, hour_key, ms);
	}
}

/* unknown_stat (site, type, n). */
static void unknown_row(rep *r, sqlite3_stmt *s)
{
	sec *to[TARGETS];
	for (int t = 0, k = targets(r, s, to); t < k; t++)
		add(to[t]->unknown, ank_cs_col(s, 1), sqlite3_column_int64(s, 2));
}

/* clock_stat (site, n): events out of time, by the day central received them. */
static void clock_row(rep *r, sqlite3_stmt *s)
{
	sec *to[TARGETS];
	for (int t = 0, k = targets(r, s, to); t < k; t++)
		to[t]->out_of_time += sqlite3_column_int64(s, 1);
}

#define SPAN " WHERE date >= ?1 AND date <= ?2"
/* The people who checked in during the span: who checked in where (one row per site and
 * user, not per day: a user is in day_user once per day of visits), with their registry
 * entry when they have one, ordered by person. A person is a linkage key (one person
 * registered twice has one), or a user id without an entry. */
/* A user's registry entry as the report reads it: the live one (g), or what is kept of a
 * deleted one (f: its person is the linkage key while another entry of the person lives, else
 * a random id of 32 hex digits, never a key's 64). Joined on the user column u; the columns
 * below read whichever is there. */
#define PERSON_OF(u) " LEFT JOIN registry g ON g.id = " u " LEFT JOIN forgotten f ON f.id = " u
#define P_PERSON     " coalesce(g.linkage, f.person)"
#define P_LINKED     " (g.id IS NOT NULL OR f.id IS NOT NULL)"
#define P_GENDER     " coalesce(g.gender, f.gender)"
#define P_MUNI       " coalesce(g.municipality, f.municipality)"
#define P_BIRTH      "coalesce(g.birth_year, f.birth_year)"
/* The age group of the person, counted at the year ?5 (NULL without an entry): the one home
 * of the report's age groups, for its counts and its raw data. */
#define AGE_GROUP                                                                                  \
	" CASE WHEN " P_BIRTH " IS NULL THEN NULL WHEN ?5 - " P_BIRTH " < 18 THEN 'under_18'"      \
	" WHEN ?5 - " P_BIRTH " < 25 THEN '18-24' WHEN ?5 - " P_BIRTH " < 35 THEN '25-34'"         \
	" WHEN ?5 - " P_BIRTH " < 45 THEN '35-44' WHEN ?5 - " P_BIRTH " < 55 THEN '45-54'"         \
	" ELSE '55+' END"
#define PEOPLE                                                                                     \
	"WITH u AS MATERIALIZED (SELECT DISTINCT site, user FROM day_user" SPAN ")"                \
	" SELECT coalesce('k' ||" P_PERSON ", 'u' || u.user), u.site," P_LINKED "," P_GENDER       \
	"," P_MUNI "," AGE_GROUP " FROM u" PERSON_OF("u.user") " ORDER BY 1"

/* What one person counts in: a section, a breakdown (0 the person, 1 gender, 2 age group,
 * 3 municipality, 4 a user without a registry entry) and its key. */
typedef struct person_tuple {
	sec *x;
	int dim;
	char key[ANK_CS_ID_MAX + 1];
} person_tuple;

/* A person's entries times sites, times five breakdowns and the totals: far fewer. */
#define PERSON_TUPLES 512

typedef struct person {
	char id[2 * ANK_CS_ID_MAX + 2]; /* "" before the first row */
	int n;
	person_tuple t[PERSON_TUPLES];
} person;

static void person_add(person *p, sec *x, int dim, const char *key)
{
	for (int i = 0; i < p->n; i++)
		if (p->t[i].x == x && p->t[i].dim == dim && !strcmp(p->t[i].key, key))
			return;
	if (p->n == PERSON_TUPLES)
		return;
	person_tuple *t = &p->t[p->n++];
	t->x = x;
	t->dim = dim;
	snprintf(t->key, sizeof t->key, "%s", key);
}

/* Counts the person once in everything they belong to. */
static void person_flush(person *p)
{
	for (int i = 0; i < p->n; i++) {
		sec *x = p->t[i].x;
		const char *k = p->t[i].key;
		switch (p->t[i].dim) {
		case 0:
			x->unique++;
			break;
		case 1:
			add(x->gender, k, 1);
			break;
		case 2:
			add(x->age, k, 1);
			break;
		case 3:
			add(x->municipality, k, 1);
			break;
		default:
			x->unlinked++;
		}
	}
	p->n = 0;
}

/* Unique users, exact for any span: count(DISTINCT person) per section and breakdown, done
 * in one ordered pass instead of a GROUP BY with count(DISTINCT) per figure. */
static void read_people(rep *r)
{
	sqlite3_stmt *s = prep(r, PEOPLE);
	if (!s)
		return;
	person *p = calloc(1, sizeof *p);
	if (!p) {
		sqlite3_finalize(s);
		r->failed = true;
		ank_err_set(r->err, "out of memory");
		return;
	}
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = ank_cs_col(s, 0);
		if (strcmp(id, p->id)) {
			person_flush(p);
			snprintf(p->id, sizeof p->id, "%s", id);
		}
		sec *in[TARGETS];
		int n_in = targets_of(r, ank_cs_col(s, 1), in);
		bool linked = sqlite3_column_int(s, 2);
		for (int k = 0; k < n_in; k++) {
			if (!linked) {
				person_add(p, in[k], 4, "");
				continue;
			}
			person_add(p, in[k], 0, "");
			person_add(p, in[k], 1, key_col(s, 3));
			person_add(p, in[k], 2, key_col(s, 5));
			person_add(p, in[k], 3, key_col(s, 4));
		}
	}
	person_flush(p);
	free(p);
	done(r, s, rc);
}

/* The staff records, by instant: each site's span is its own local days'. */
static void read_records(rep *r)
{
	sqlite3_stmt *s = prep(r, "SELECT site, kind, code, naloxone, oxygen, ambulance, count(*)"
	                          " FROM record WHERE site = ?6 AND at_ms >= ?3 AND at_ms < ?4"
	                          " GROUP BY 1, 2, 3, 4, 5, 6");
	for (int i = 0; s && i < r->n && !r->failed; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 3, r->site[i].from_ms);
		sqlite3_bind_int64(s, 4, r->site[i].to_ms);
		sqlite3_bind_text(s, 6, r->site[i].id, -1, SQLITE_TRANSIENT);
		int rc;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			record_row(r, s);
		if (rc != SQLITE_DONE && !r->failed) {
			ank_cs_fail(r->cs, r->err);
			r->failed = true;
		}
	}
	sqlite3_finalize(s);
}

/* ---- capacity utilisation (docs/report.md "Capacity") ---- */

/* The station types, which are the capacity's routes: flex is a type of its own, so each
 * route's occupied time and open time come from the same stations. */
static const char *const cap_type[CAP_TYPES] = {"inject", "smoke", "flex"};

static int cap_type_of(const char *code)
{
	for (int t = 0; code && t < CAP_TYPES; t++)
		if (!strcmp(code, cap_type[t]))
			return t;
	return -1;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil): the index of a local
 * day without a zone conversion. */
static long long days_of(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* "HH:MM-HH:MM" into minutes after the day's midnight (a close at or before the open runs
 * past midnight, as the kiosk reads it); -1 for "closed" or anything else. */
static int cap_hours(const char *v, int *open, int *close)
{
	char a[6], b[6];
	if (!v || strlen(v) != 11 || v[5] != '-')
		return -1;
	snprintf(a, sizeof a, "%.5s", v);
	snprintf(b, sizeof b, "%.5s", v + 6);
	*open = ank_hhmm_parse(a);
	*close = ank_hhmm_parse(b);
	if (*open < 0 || *close < 0 || *open >= 1440)
		return -1;
	if (*close <= *open)
		*close += 1440;
	return 0;
}

/* One config of a kiosk: its opening hours and its stations' types. */
typedef struct cap_cfg {
	char kiosk[ANK_CS_ID_MAX + 1];
	long long at_ms;
	json_t *hours, *types; /* owned; types NULL: a kiosk that sent none */
} cap_cfg;

/* One local hour of one day of a kiosk: the open time in it and the config it came from. */
typedef struct cap_slot {
	long long open_ms;
	int cfg; /* index in the site's configs; -1 none */
} cap_slot;

/* The config of kiosk k in force at the start of the local day beginning at m0 (or, on the
 * day of the kiosk's first config, that one); -1 none. cfgs are in time order. */
static int cap_cfg_for(const cap_cfg *cfgs, int n, const char *k, long long m0, long long m1)
{
	int best = -1, first = -1;
	for (int i = 0; i < n; i++) {
		if (strcmp(cfgs[i].kiosk, k))
			continue;
		if (first < 0)
			first = i;
		if (cfgs[i].at_ms <= m0)
			best = i;
	}
	if (best < 0 && first >= 0 && cfgs[first].at_ms < m1)
		best = first;
	return best;
}

/* Adds day `day`'s opening hours under config ci to the slots of [day0, day0 + n_days) (a
 * day past midnight runs into the next day's slots), hour by local hour, so the
 * daylight-saving days have their 23 or 25 hours; none after now. -1 when ICU fails. */
static int cap_open_day(ank_zone *z, long long m0, long long now, long long day, long long day0,
                        int n_days, const cap_cfg *c, int ci, int weekday, cap_slot *slots)
{
	int open, close;
	if (cap_hours(json_string_value(json_object_get(c->hours, weekday_code[weekday])), &open,
	              &close))
		return 0;
	/* Most days have one offset from midnight to the close: the hours are then plain
	 * arithmetic, and only the daylight-saving days are walked hour by hour through ICU. */
	ank_civil a, b;
	if (ank_zone_civil(z, m0, &a) || ank_zone_civil(z, m0 + (long long)close * 60000, &b))
		return -1;
	if (a.offset_ms == b.offset_ms && a.hour == 0 && a.minute == 0) {
		for (int w = open / 60 * 60; w < close; w += 60) {
			int from = w > open ? w : open, to = w + 60 < close ? w + 60 : close;
			long long ps = m0 + (long long)from * 60000,
			          pe = m0 + (long long)to * 60000;
			long long slot = day + w / 1440 - day0;
			if (pe > now)
				pe = now; /* the hours to come are not open yet */
			if (pe > ps && slot >= 0 && slot < n_days) {
				slots[slot * 24 + (w / 60) % 24].open_ms += pe - ps;
				slots[slot * 24 + (w / 60) % 24].cfg = ci;
			}
		}
		return 0;
	}
	for (long long t = m0;;) {
		ank_civil cv;
		if (ank_zone_civil(z, t, &cv))
			return -1;
		long long he = cv.hour_end_ms > t ? cv.hour_end_ms : cv.hour_start_ms + 3600000;
		long long slot_day = days_of(cv.year, cv.month, cv.day);
		long long w = (slot_day - day) * 1440 + cv.hour * 60; /* wall minutes of day */
		if (w >= close)
			return 0;
		long long a = w > open ? w : open, b = w + 60 < close ? w + 60 : close;
		if (b > a && slot_day - day0 >= 0 && slot_day - day0 < n_days) {
			long long ps = cv.hour_start_ms + (a - w) * 60000,
			          pe = cv.hour_start_ms + (b - w) * 60000;
			if (pe > he)
				pe = he;
			if (pe > now)
				pe = now; /* the hours to come are not open yet */
			if (ps < t)
				ps = t;
			cap_slot *s = &slots[(slot_day - day0) * 24 + cv.hour];
			if (pe > ps) {
				s->open_ms += pe - ps;
				s->cfg = ci;
			}
		}
		t = he;
	}
}

static void cap_add(rep *r, sec *x, int type, int hour, long long open_ms, long long occ_ms)
{
	sec *to[TARGETS];
	for (int i = 0, n = targets_of(r, x->id, to); i < n; i++) {
		to[i]->cap_known = true;
		to[i]->cap_open[type][hour] += open_ms;
		to[i]->cap_occ[type][hour] += occ_ms;
	}
}

/* The date "YYYY-MM-DD" as a day number; -1 when it is not one. */
static long long cap_day(const char *date)
{
	int y, m, d;
	return ank_date_parse(date, &y, &m, &d) ? -1 : days_of(y, m, d);
}

/* The day number of instant ms in z; -1 when ICU fails. */
static long long cap_day_at(ank_zone *z, long long ms)
{
	ank_civil cv;
	return ank_zone_civil(z, ms, &cv) ? -1 : days_of(cv.year, cv.month, cv.day);
}

/* One kiosk's capacity over [day0, day0 + n_days): open time from its configs' hours and
 * types, less closed time, and occupied time, from station_stat. */
static void cap_kiosk(rep *r, sec *x, ank_zone *z, long long until, const cap_cfg *cfgs, int n_cfg,
                      const char *kiosk, long long day0, int n_days, int y0, int mo0, int d0)
{
	cap_slot *slots = calloc((size_t)n_days * 24, sizeof *slots);
	if (!slots) {
		x->no_memory = true;
		return;
	}
	for (int i = 0; i < n_days * 24; i++)
		slots[i].cfg = -1;
	/* From the day before: its opening past midnight falls on the first day. */
	long long m1 = ank_zone_midnight(z, y0, mo0, d0, -1);
	for (int i = -1; i < n_days && !r->failed; i++) {
		long long m0 = m1;
		m1 = ank_zone_midnight(z, y0, mo0, d0, i + 1);
		int ci = cap_cfg_for(cfgs, n_cfg, kiosk, m0, m1);
		if (ci < 0 || !cfgs[ci].types)
			continue;
		/* 1970-01-01 was a Thursday; weekday_code counts from Sunday. */
		int wd = (int)(((day0 + i) % 7 + 11) % 7);
		if (m0 < 0 || m1 < 0 ||
		    cap_open_day(z, m0, until, day0 + i, day0, n_days, &cfgs[ci], ci, wd, slots)) {
			r->failed = true;
			ank_err_set(r->err, "cannot convert a time in %s", x->zone);
		}
	}
	for (int i = 0; i < n_days * 24; i++) {
		const char *st;
		json_t *v;
		if (slots[i].open_ms <= 0)
			continue;
		json_object_foreach(cfgs[slots[i].cfg].types, st, v)
		{
			int t = cap_type_of(json_string_value(v));
			if (t >= 0)
				cap_add(r, x, t, i % 24, slots[i].open_ms, 0);
		}
	}
	sqlite3_stmt *s = prep(r, "SELECT date, hour, station, occupied_ms, closed_ms FROM"
	                          " station_stat" SPAN " AND site = ?6 AND kiosk = ?7");
	if (s) {
		sqlite3_bind_text(s, 6, x->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 7, kiosk, -1, SQLITE_TRANSIENT);
		int rc;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			long long day = cap_day(ank_cs_col(s, 0)) - day0;
			int hour = sqlite3_column_int(s, 1);
			if (day < 0 || day >= n_days || hour < 0 || hour > 23)
				continue;
			cap_slot *sl = &slots[day * 24 + hour];
			if (sl->open_ms <= 0)
				continue; /* outside the opening hours: not counted */
			int t = cap_type_of(json_string_value(
			        json_object_get(cfgs[sl->cfg].types, ank_cs_col(s, 2))));
			if (t < 0)
				continue; /* a station the day's config does not name */
			long long occ = sqlite3_column_int64(s, 3),
			          closed = sqlite3_column_int64(s, 4);
			if (closed > sl->open_ms)
				closed = sl->open_ms;
			if (occ > sl->open_ms - closed)
				occ = sl->open_ms - closed;
			cap_add(r, x, t, hour, -closed, occ);
		}
		done(r, s, rc);
	}
	free(slots);
}

/* Capacity of every site: its kiosks' configs in time order, then each kiosk's days. */
static void read_capacity(rep *r)
{
	sqlite3_stmt *s = prep(r, "SELECT c.kiosk, c.at_ms, c.hours, c.types FROM cap_config c"
	                          " JOIN kiosk k ON k.id = c.kiosk WHERE k.site = ?6"
	                          " ORDER BY c.at_ms, c.kiosk");
	for (int i = 0; s && i < r->n && !r->failed; i++) {
		sec *x = &r->site[i];
		ank_zone *z = ank_cs_zone(r->cs, x->zone);
		cap_cfg *cfgs = NULL;
		int n = 0, cap = 0, rc;
		sqlite3_reset(s);
		sqlite3_bind_text(s, 6, x->id, -1, SQLITE_TRANSIENT);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (!ank_cs_grow((void **)&cfgs, n, &cap, sizeof *cfgs)) {
				x->no_memory = true;
				break;
			}
			cap_cfg *c = &cfgs[n++];
			snprintf(c->kiosk, sizeof c->kiosk, "%s", ank_cs_col(s, 0));
			c->at_ms = sqlite3_column_int64(s, 1);
			c->hours = json_loads(ank_cs_col(s, 2), 0, NULL);
			c->types = sqlite3_column_type(s, 3) == SQLITE_NULL
			                   ? NULL
			                   : json_loads(ank_cs_col(s, 3), 0, NULL);
			x->cap_types |= c->types != NULL;
		}
		if (rc != SQLITE_DONE && rc != SQLITE_ROW && !r->failed) {
			ank_cs_fail(r->cs, r->err);
			r->failed = true;
		}
		/* The days: the report's, or from the first config to today when open. */
		long long day0 = strcmp(r->from_date, "0000-01-01") ? cap_day(r->from_date)
		                 : n && z                           ? cap_day_at(z, cfgs[0].at_ms)
		                                                    : -1;
		long long day1 = strcmp(r->to_date, "9999-12-31") ? cap_day(r->to_date)
		                 : z                              ? cap_day_at(z, r->now)
		                                                  : -1;
		int y0 = 0, m0 = 0, d0 = 0;
		if (day0 >= 0 && day1 >= day0 && z && x->cap_types && !r->failed) {
			/* The first day's civil date, for ank_zone_midnight's day offsets. */
			ank_civil cv;
			long long noon =
			        ank_zone_midnight(z, 1970, 1, 1, (int)day0) + 12 * 3600000LL;
			if (ank_zone_civil(z, noon, &cv) == 0) {
				y0 = cv.year;
				m0 = cv.month;
				d0 = cv.day;
			}
			/* Open time ends where the local hour under way began: a report asked for
			 * twice within the hour says the same. */
			long long until = r->now;
			if (ank_zone_civil(z, r->now, &cv) == 0)
				until = cv.hour_start_ms;
			for (int k = 0; y0 && k < n && !r->failed; k++) {
				bool seen = false;
				for (int j = 0; j < k && !seen; j++)
					seen = !strcmp(cfgs[j].kiosk, cfgs[k].kiosk);
				if (!seen)
					cap_kiosk(r, x, z, until, cfgs, n, cfgs[k].kiosk, day0,
					          (int)(day1 - day0 + 1), y0, m0, d0);
			}
		}
		for (int k = 0; k < n; k++) {
			json_decref(cfgs[k].hours);
			json_decref(cfgs[k].types);
		}
		free(cfgs);
	}
	sqlite3_finalize(s);
}

/* {open_s, occupied_s, utilisation} of station-milliseconds (utilisation null when nothing
 * was open). */
static json_t *cap_cell(long long open_ms, long long occ_ms)
{
	return json_pack("{s:I, s:I, s:o}", "open_s", (json_int_t)(open_ms / 1000), "occupied_s",
	                 (json_int_t)(occ_ms / 1000), "utilisation",
	                 open_ms > 0 ? json_real((double)(long long)((double)occ_ms * 1000 /
	                                                                     (double)open_ms +
	                                                             0.5) /
	                                         1000)
	                             : json_null());
}

/* The section's capacity: all, by route (station type) and by local hour; null when none of
 * its sites sent station types. */
static json_t *cap_json(const sec *x)
{
	if (!x->cap_known)
		return json_null();
	long long open = 0, occ = 0;
	json_t *by_route = json_object(), *by_hour = json_object();
	for (int t = 0; t < CAP_TYPES; t++) {
		long long o = 0, u = 0;
		for (int h = 0; h < 24; h++) {
			o += x->cap_open[t][h];
			u += x->cap_occ[t][h];
		}
		if (o > 0)
			json_object_set_new(by_route, cap_type[t], cap_cell(o, u));
		open += o;
		occ += u;
	}
	for (int h = 0; h < 24; h++) {
		long long o = 0, u = 0;
		for (int t = 0; t < CAP_TYPES; t++) {
			o += x->cap_open[t][h];
			u += x->cap_occ[t][h];
		}
		char key[4];
		snprintf(key, sizeof key, "%02d", h);
		if (o > 0)
			json_object_set_new(by_hour, key, cap_cell(o, u));
	}
	json_t *all = cap_cell(open, occ);
	json_object_set_new(all, "by_route", sorted(by_route));
	json_object_set_new(all, "by_hour", by_hour);
	return all;
}

static void read_all(rep *r)
{
	each_row(r,
	         "SELECT site, route, substance, sum(checkins), sum(assisted), sum(intakes),"
	         " sum(ended), sum(session_s), sum(waited), sum(wait_ms), sum(no_shows),"
	         " sum(cancelled) FROM day_stat" SPAN " GROUP BY site, route, substance",
	         day_row);
	each_row(r, "SELECT site, date, hour, checkins, intakes FROM hour_stat" SPAN, hour_row);
	each_row(r, "SELECT site, reason, count(*) FROM refusal" SPAN " GROUP BY site, reason",
	         refusal_row);
	read_records(r);
	each_row(r, "SELECT site, type, sum(n) FROM unknown_stat" SPAN " GROUP BY site, type",
	         unknown_row);
	each_row(r, "SELECT site, sum(n) FROM clock_stat" SPAN " GROUP BY site", clock_row);
	each_row(r,
	         "SELECT site, route, hour, first_called_ms - issued_ms FROM visit" SPAN
	         " AND first_called_ms IS NOT NULL AND issued_ms IS NOT NULL"
	         " AND first_called_ms >= issued_ms",
	         wait_row);
	read_people(r);
	read_capacity(r);
}

/* A number rounded to one decimal, or null when there is nothing to average. */
static json_t *decimal(double v, bool defined)
{
	return defined ? json_real((double)(long long)(v * 10 + 0.5) / 10) : json_null();
}

static void set_int(json_t *o, const char *k, long long v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

/* The section as JSON, its figures in the report's documented order. Steals the section's
 * objects. */
static json_t *sec_json(sec *x)
{
	json_t *o = json_object();
	set_int(o, "checkins", x->checkins);
	json_object_set_new(o, "checkins_by_route", sorted(x->by_route));
	json_object_set_new(o, "checkins_by_substance", sorted(x->by_substance));
	json_object_set_new(o, "checkins_by_route_substance", sorted(x->by_route_substance));
	set_int(o, "checkins_assisted", x->assisted);
	json_object_set_new(o, "checkins_by_weekday", sorted(x->by_weekday));
	json_object_set_new(o, "checkins_by_hour", sorted(x->by_hour));
	set_int(o, "intakes", x->intakes);
	json_object_set_new(o, "intakes_by_route", sorted(x->in_route));
	json_object_set_new(o, "intakes_by_substance", sorted(x->in_substance));
	json_object_set_new(o, "intakes_by_week", sorted(x->in_week));
	json_object_set_new(o, "intakes_by_weekday", sorted(x->in_weekday));
	json_object_set_new(o, "intakes_by_hour", sorted(x->in_hour));
	set_int(o, "sessions_ended", x->ended);
	set_int(o, "session_seconds", x->session_s);
	json_object_set_new(
	        o, "session_mean_s",
	        decimal(x->ended ? (double)x->session_s / (double)x->ended : 0, x->ended > 0));
	json_object_set_new(o, "wait_mean_s",
	                    decimal(x->waited ? (double)x->wait_ms / 1000.0 / (double)x->waited : 0,
	                            x->waited > 0));
	/* Waiting to the first call: all, per route, per route and local hour of issue. */
	json_t *all = json_null(), *by_route = json_object(), *by_hour = json_object();
	for (int i = 0; i < x->n_waits; i++) {
		wait_set *w = &x->waits[i];
		if (w->n == 0)
			continue;
		const char *bar = strchr(w->key, '|');
		if (i == 0) {
			json_decref(all);
			all = wait_json(w);
		} else if (!bar) {
			json_object_set_new(by_route, w->key, wait_json(w));
		} else {
			char route[24];
			snprintf(route, sizeof route, "%.*s", (int)(bar - w->key), w->key);
			json_t *inner = json_object_get(by_hour, route);
			if (!inner) {
				inner = json_object();
				json_object_set_new(by_hour, route, inner);
			}
			json_object_set_new(inner, bar + 1, wait_json(w));
		}
	}
	json_object_set_new(o, "wait_to_call", all);
	json_object_set_new(o, "wait_to_call_by_route", sorted(by_route));
	json_object_set_new(o, "wait_to_call_by_route_hour", sorted(by_hour));
	waits_free(x);
	set_int(o, "no_shows", x->no_shows);
	set_int(o, "cancelled", x->cancelled);
	set_int(o, "refusals", x->refusals);
	json_object_set_new(o, "refusals_by_reason", sorted(x->refusal_reason));
	set_int(o, "rejections", x->rejections);
	json_object_set_new(o, "rejections_by_reason", sorted(x->rejection_reason));
	set_int(o, "unique_users", x->unique);
	set_int(o, "unique_users_unlinked", x->unlinked);
	json_object_set_new(o, "unique_users_by_gender", sorted(x->gender));
	json_object_set_new(o, "unique_users_by_age_group", sorted(x->age));
	json_object_set_new(o, "unique_users_by_municipality", sorted(x->municipality));
	set_int(o, "overdoses", x->overdoses);
	set_int(o, "overdoses_naloxone", x->naloxone);
	set_int(o, "overdoses_oxygen", x->oxygen);
	set_int(o, "overdoses_ambulance", x->ambulance);
	json_object_set_new(o, "overdoses_by_outcome", sorted(x->outcome));
	json_object_set_new(
	        o, "overdoses_per_1000_intakes",
	        decimal(x->intakes ? (double)x->overdoses * 1000 / (double)x->intakes : 0,
	                x->intakes > 0));
	set_int(o, "referrals", x->referrals);
	json_object_set_new(o, "referrals_by_type", sorted(x->referral_type));
	set_int(o, "incidents", x->incidents);
	/* Events of types this central does not know (a newer kiosk's), by type: stored, not
	 * counted above. */
	json_object_set_new(o, "unknown_events", sorted(x->unknown));
	/* Events whose kiosk time cannot be true (proto.h "Event times"), by the day central
	 * received them: stored, not counted above. */
	set_int(o, "events_out_of_time", x->out_of_time);
	json_object_set_new(o, "capacity", cap_json(x));
	return o;
}

/* The municipality section of code (added in code order when new); -1 out of memory. */
static int muni_of(rep *r, const char *code, int *cap)
{
	int i = 0;
	while (i < r->n_muni && strcmp(r->muni[i].id, code) < 0)
		i++;
	if (i < r->n_muni && !strcmp(r->muni[i].id, code))
		return i;
	if (!ank_cs_grow((void **)&r->muni, r->n_muni, cap, sizeof *r->muni))
		return -1;
	memmove(r->muni + i + 1, r->muni + i, (size_t)(r->n_muni - i) * sizeof *r->muni);
	r->n_muni++;
	sec_init(&r->muni[i], code);
	r->muni[i].name = json_null();
	/* Sites that come after it in the list move up one. */
	for (int k = 0; k < r->n; k++)
		if (r->site[k].muni >= i)
			r->site[k].muni++;
	return i;
}

/* The span of the report's local dates in zone z as instants: [from midnight, the day after
 * `to`'s midnight). An open end is the widest span. */
static int zone_span(const rep *r, ank_zone *z, long long *from_ms, long long *to_ms)
{
	int y, m, d;
	*from_ms = LLONG_MIN;
	*to_ms = LLONG_MAX;
	if (strcmp(r->from_date, "0000-01-01")) {
		if (ank_date_parse(r->from_date, &y, &m, &d) ||
		    (*from_ms = ank_zone_midnight(z, y, m, d, 0)) == -1)
			return -1;
	}
	if (strcmp(r->to_date, "9999-12-31")) {
		if (ank_date_parse(r->to_date, &y, &m, &d) ||
		    (*to_ms = ank_zone_midnight(z, y, m, d, 1)) == -1)
			return -1;
	}
	return 0;
}

/* The listed sites (and sites known only from a kiosk), each with its name, municipality
 * and the time zone its newest kiosk config names. */
static int sites_load(rep *r)
{
	sqlite3_stmt *s = prep(
	        r, "WITH s(id, name, municipality) AS (SELECT id, name, municipality FROM site"
	           " UNION SELECT site, NULL, NULL FROM kiosk WHERE site NOT IN (SELECT id FROM"
	           " site))"
	           " SELECT s.id, s.name, s.municipality, (SELECT i.timezone FROM site_info i JOIN "
	           "kiosk k ON k.id = i.kiosk"
	           " WHERE k.site = s.id ORDER BY i.at_ms DESC LIMIT 1) FROM s ORDER BY 1");
	if (!s)
		return -1;
	int rc, cap = 0, mcap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sec *x = ank_cs_grow((void **)&r->site, r->n, &cap, sizeof *x);
		int mi = x ? muni_of(r, key_col(s, 2), &mcap) : -1;
		ank_zone *z = ank_cs_zone(r->cs, ank_cs_col(s, 3));
		if (!x || mi < 0 || !z) {
			sqlite3_finalize(s);
			r->failed = true;
			return ank_err_set(r->err, "out of memory");
		}
		x = &r->site[r->n++];
		sec_init(x, ank_cs_col(s, 0));
		x->name = sqlite3_column_type(s, 1) == SQLITE_NULL ? json_null()
		                                                   : json_string(ank_cs_col(s, 1));
		x->muni = mi;
		snprintf(x->zone, sizeof x->zone, "%s", ank_zone_id(z));
		if (zone_span(r, z, &x->from_ms, &x->to_ms)) {
			sqlite3_finalize(s);
			r->failed = true;
			return ank_err_set(r->err, "no span for %s in %s", r->from_date, x->zone);
		}
	}
	done(r, s, rc);
	return r->failed ? -1 : 0;
}

int ank_report_period(const char *quarter, const char *year, char from[11], char to[11],
                      ank_err *err)
{
	long y = 0, q = 0;
	char part[5];
	if (quarter) {
		/* "2026Q3" (or "2026q3"). */
		if (strlen(quarter) != 6 || (quarter[4] != 'Q' && quarter[4] != 'q'))
			return ank_err_set(err, "--quarter wants YYYYQn, e.g. 2026Q3");
		snprintf(part, sizeof part, "%.4s", quarter);
		if (ank_parse_long(part, 1, 9999, &y) || ank_parse_long(quarter + 5, 1, 4, &q))
			return ank_err_set(err, "--quarter wants YYYYQn, e.g. 2026Q3");
		static const char *const last[] = {"03-31", "06-30", "09-30", "12-31"};
		snprintf(from, 11, "%04ld-%02ld-01", y, 3 * q - 2);
		snprintf(to, 11, "%04ld-%s", y, last[q - 1]);
		return 0;
	}
	if (!year || ank_parse_long(year, 1, 9999, &y) || strlen(year) != 4)
		return ank_err_set(err, "--year wants YYYY, e.g. 2026");
	snprintf(from, 11, "%04ld-01-01", y);
	snprintf(to, 11, "%04ld-12-31", y);
	return 0;
}

/* The sections of `list` as {id: section}, each with its name (and a site's zone and
 * municipality, whose sections are `munis`; NULL for the municipalities themselves). */
static json_t *sections_json(sec *list, int n, const sec *munis)
{
	json_t *out = json_object();
	for (int i = 0; i < n; i++) {
		json_t *o = sec_json(&list[i]);
		if (munis) {
			json_object_set_new(o, "name", list[i].name);
			json_object_set_new(o, "time_zone", json_string(list[i].zone));
			json_object_set_new(o, "municipality", json_string(munis[list[i].muni].id));
		} else {
			json_decref(list[i].name);
		}
		json_object_set_new(out, list[i].id, o);
	}
	return out;
}

/* Checks the span and sets up r for it (no sites yet). 0, or -1 with err. */
static int rep_begin(rep *r, ank_cstore *cs, const char *from, const char *to, int64_t now,
                     ank_err *err)
{
	int y, m, d;
	if ((from && ank_date_parse(from, &y, &m, &d)) || (to && ank_date_parse(to, &y, &m, &d)))
		return ank_err_set(err, "--from and --to must be real dates YYYY-MM-DD");
	if (from && to && strcmp(to, from) < 0)
		return ank_err_set(err, "--to is before --from");
	/* Ages are counted at the end of the span: the year of its last day, or of now. */
	time_t t_now = (time_t)(now / 1000);
	struct tm lt;
	gmtime_r(&t_now, &lt);
	int year = lt.tm_year + 1900;
	if (to && ank_date_parse(to, &y, &m, &d) == 0 && y < year)
		year = y;
	*r = (rep){.cs = cs, .year = year, .now = now, .err = err};
	snprintf(r->from_date, sizeof r->from_date, "%s", from ? from : "0000-01-01");
	snprintf(r->to_date, sizeof r->to_date, "%s", to ? to : "9999-12-31");
	sec_init(&r->total, "");
	return 0;
}

/* Frees a section's objects (a section whose figures went nowhere). */
static void sec_free(sec *x)
{
	json_t *objs[] = {
	        x->name,           x->by_route,         x->by_substance,  x->by_route_substance,
	        x->by_weekday,     x->by_hour,          x->in_route,      x->in_substance,
	        x->refusal_reason, x->rejection_reason, x->gender,        x->age,
	        x->municipality,   x->outcome,          x->referral_type, x->unknown,
	        x->in_week,        x->in_weekday,       x->in_hour};
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
		json_decref(objs[i]);
	waits_free(x);
}

/* Frees what rep_begin and sites_load made, figures unused. */
static void rep_free(rep *r)
{
	for (int i = 0; i < r->n; i++)
		sec_free(&r->site[i]);
	for (int i = 0; i < r->n_muni; i++)
		sec_free(&r->muni[i]);
	sec_free(&r->total);
	free(r->site);
	free(r->muni);
}

/* One CSV field (RFC 4180): codes and dates as they are; anything with a comma, quote or
 * line break quoted, quotes doubled (none of ours has one, but an older database might).
 * Returns -1 when the buffer's cap is reached: the raw data is then refused whole, never
 * cut short (a short file would pass for the period's data). */
static int csv_field(ank_buf *b, const char *v, bool last)
{
	int rc = 0;
	if (strpbrk(v, ",\"\r\n")) {
		rc |= ank_buf_append(b, "\"", 1);
		for (const char *p = v; *p; p++)
			rc |= ank_buf_append(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
		rc |= ank_buf_append(b, "\"", 1);
	} else {
		rc |= ank_buf_append(b, v, strlen(v));
	}
	rc |= ank_buf_append(b, last ? "\n" : ",", 1);
	return rc;
}

char *ank_cstore_report_csv(ank_cstore *cs, const char *from, const char *to, int64_t now,
                            ank_err *err)
{
	rep r;
	if (rep_begin(&r, cs, from, to, now, err))
		return NULL;
	ank_buf b;
	ank_buf_init(&b, ANK_REPORT_CSV_MAX);
	ank_buf_printf(&b,
	               "# CONFIDENTIAL: Ankomst raw data, one row per intake (docs/report.md). No "
	               "nicknames; linkage_key links one person's rows. For admins; do not publish "
	               "(cells are not suppressed).\n");
	static const char *const cols[] = {"site",    "date",         "hour",       "iso_week",
	                                   "weekday", "route",        "substance",  "age_group",
	                                   "gender",  "municipality", "linkage_key"};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		(void)csv_field(&b, cols[i], i + 1 == sizeof cols / sizeof cols[0]);
	pthread_mutex_lock(&cs->mu);
	sqlite3_stmt *s = NULL;
	if (sites_load(&r) == 0)
		s = prep(&r, "SELECT v.started_ms, v.route, v.substance," AGE_GROUP "," P_GENDER
		             "," P_MUNI ", g.linkage FROM visit v" PERSON_OF(
		                     "v.user") " WHERE v.site = ?6 AND v.started_ms >= ?3 AND "
		                               "v.started_ms < ?4"
		                               " ORDER BY v.started_ms, v.kiosk, v.ticket");
	for (int i = 0; s && i < r.n && !r.failed; i++) {
		ank_zone *z = ank_cs_zone(cs, r.site[i].zone);
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 3, r.site[i].from_ms);
		sqlite3_bind_int64(s, 4, r.site[i].to_ms);
		sqlite3_bind_text(s, 6, r.site[i].id, -1, SQLITE_TRANSIENT);
		ank_civil cv = {.hour_end_ms = 0};
		int rc;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			long long at = sqlite3_column_int64(s, 0);
			/* Rows come in time order: one conversion per local hour. */
			if (!(cv.hour_end_ms && at >= cv.hour_start_ms && at < cv.hour_end_ms) &&
			    (!z || ank_zone_civil(z, at, &cv))) {
				r.failed = true;
				ank_err_set(err, "cannot convert a time in %s", r.site[i].zone);
				break;
			}
			char hour[4], week[9];
			snprintf(hour, sizeof hour, "%02d", cv.hour);
			iso_week(cv.year, cv.month, cv.day, week);
			int full = csv_field(&b, r.site[i].id, false) |
			           csv_field(&b, cv.date, false) | csv_field(&b, hour, false) |
			           csv_field(&b, week, false) |
			           csv_field(&b, weekday_code[cv.weekday], false);
			for (int col = 1; col <= 5; col++)
				full |= csv_field(&b, key_col(s, col), false);
			/* None: a user known only from a kiosk's imported registry. */
			full |= csv_field(
			        &b,
			        sqlite3_column_type(s, 6) == SQLITE_NULL ? "" : ank_cs_col(s, 6),
			        true);
			if (full) {
				r.failed = true;
				ank_err_set(err,
				            "the raw data is over %d MiB: ask for a shorter period",
				            ANK_REPORT_CSV_MAX >> 20);
				break;
			}
		}
		if (rc != SQLITE_DONE && rc != SQLITE_ROW && !r.failed) {
			ank_cs_fail(cs, err);
			r.failed = true;
		}
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&cs->mu);
	bool failed = r.failed;
	rep_free(&r);
	if (failed) {
		ank_buf_free(&b);
		return NULL;
	}
	char *text = strdup(ank_buf_str(&b));
	ank_buf_free(&b);
	if (!text)
		ank_err_set(err, "out of memory");
	return text;
}

char *ank_cstore_report(ank_cstore *cs, const char *from, const char *to, int64_t now, ank_err *err)
{
	rep r;
	if (rep_begin(&r, cs, from, to, now, err))
		return NULL;
	/* As the raw data: the store's connection is one thread's at a time (a report now also
	 * runs on a worker of the service, beside the ingest writer). */
	pthread_mutex_lock(&cs->mu);
	if (sites_load(&r) == 0)
		read_all(&r);
	pthread_mutex_unlock(&cs->mu);
	bool no_memory = r.total.no_memory;
	for (int i = 0; i < r.n; i++)
		no_memory |= r.site[i].no_memory;
	for (int i = 0; i < r.n_muni; i++)
		no_memory |= r.muni[i].no_memory;
	if (no_memory && !r.failed) {
		r.failed = true;
		ank_err_set(err, "out of memory");
	}
	/* One zone for all sites (the usual case) is the report's; else each site says its. */
	const char *zone = r.n ? r.site[0].zone : ANK_ZONE_DEFAULT;
	for (int i = 1; i < r.n; i++)
		if (strcmp(r.site[i].zone, zone))
			zone = "per site";
	char zone_copy[ANK_ZONE_ID_MAX + 1];
	snprintf(zone_copy, sizeof zone_copy, "%s", zone);
	/* Sites whose kiosks never sent station types (older kiosks): named in `missing`. */
	char no_types[512] = "";
	size_t used = 0;
	for (int i = 0; i < r.n && used < sizeof no_types; i++)
		if (!r.site[i].cap_types)
			used += (size_t)snprintf(no_types + used, sizeof no_types - used, "%s%s",
			                         used ? ", " : "", r.site[i].id);
	json_t *sites = sections_json(r.site, r.n, r.muni);
	json_t *munis = sections_json(r.muni, r.n_muni, NULL);
	free(r.site);
	free(r.muni);
	json_t *totals = sec_json(&r.total);
	if (r.failed) {
		json_decref(sites);
		json_decref(munis);
		json_decref(totals);
		return NULL;
	}
	char generated[32];
	ank_iso_format(now, generated, sizeof generated);
	char earliest[32], clock_note[320];
	ank_iso_format(ANK_CLOCK_EARLIEST_MS, earliest, sizeof earliest);
	snprintf(clock_note, sizeof clock_note,
	         "events whose kiosk time is more than %lld h ahead of central's clock when they "
	         "arrived, or before %.10s, come from a wrong clock: they are counted in "
	         "events_out_of_time by the day central received them, not in the figures above",
	         ANK_CLOCK_FUTURE_MS / 3600000, earliest);
	json_t *missing = json_pack(
	        "[s, s, s, s]",
	        "age: only the birth year is registered; ages are the year of the last day minus "
	        "the birth year and can be one year too high",
	        "users known only from a kiosk's imported registry have no linkage key: they are "
	        "counted per user id in unique_users_unlinked and may include the same person "
	        "twice",
	        "overdoses, referrals, incidents and rejections are those staff recorded at "
	        "central "
	        "(POST /api/v1/sites/{site}/records); nothing is derived from kiosk events",
	        clock_note);
	if (no_types[0]) {
		char note[700];
		snprintf(note, sizeof note,
		         "capacity utilisation: no kiosk of %s has sent its stations' types (a "
		         "kiosk older than this central, or none paired), so there is no station "
		         "time open: capacity is null there and not in the municipality and the "
		         "totals",
		         no_types);
		json_array_insert_new(missing, 0, json_string(note));
	}
	json_t *root = json_pack("{s:i, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "v", 1, "from",
	                         from ? json_string(from) : json_null(), "to",
	                         to ? json_string(to) : json_null(), "time_zone", zone_copy,
	                         "generated_at", generated, "totals", totals, "municipalities",
	                         munis, "sites", sites, "missing", missing);
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!text)
		ank_err_set(err, "out of memory");
	return text;
}
