/* Report benchmark (tests/bench/bench_report.sh): generates years of five rooms' kiosk events,
 * ingests them through central's sync API, and times the report in-process beside bare GROUP BYs
 * over the same read tables. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchlib.h"
#include "cstore.h"
/* The store's connection, for SQLite's per-statement profile of the report only. */
#include "cstore_int.h"

#define BATCH  100 /* ANK_PROTO_MAX_BATCH, as the kiosk sends */
#define SEED   0x52656f7274ULL
#define NSITE  5
#define MIN_MS 60000LL

static const char usage[] =
        "usage: bench_report COMMAND [OPTIONS]\n"
        "  pair --port P --codes FILE --out FILE\n"
        "      FILE of \"SITE CODE\" lines; pairs one kiosk each, writes \"SITE KIOSK TOKEN\"\n"
        "  run --port P --kiosks FILE --login USER:PASSWORD --db CENTRAL_DB\n"
        "      [--start YYYY-MM-DD] [--stages D1,D2,...] [--runs N] [--visits N] [--users N]\n"
        "      registers the users, then per stage ingests the days up to D (days from\n"
        "      --start) and times the one-month and one-year reports against bare GROUP BYs\n";

/* ---- small helpers (the rest are in benchlib.c) ---- */

const char bench_prog[] = "bench_report";

/* Median, min and max of n values (sorted in place). */
typedef struct spread {
	double med, min, max;
} spread;

static spread spread_of(long long *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_ll);
	double med = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
	return (spread){med, (double)v[0], (double)v[n - 1]};
}

static void report(const char *key, double v, const char *unit)
{
	printf("bench: %s=%.6g %s\n", key, v, unit);
	fflush(stdout);
}

/* splitmix64 as a stream: the same data on every machine and at every stage. */
typedef struct rng {
	uint64_t s;
} rng;

/* One step: mix adds the splitmix64 increment itself, so mix of the old state is the output
 * at the new one. */
static uint64_t next(rng *r)
{
	uint64_t s = r->s;
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix(s);
}

static double unit(rng *r)
{
	return (double)(next(r) >> 11) / 9007199254740992.0;
}

static long long between(rng *r, long long lo, long long hi)
{
	return lo + (long long)(unit(r) * (double)(hi - lo + 1));
}

/* Index drawn from cumulative weights cum[0..n-1] (cum[n-1] the total). */
static int pick(rng *r, const double *cum, int n)
{
	double x = unit(r) * cum[n - 1];
	int lo = 0, hi = n - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* POSTs body on h and returns the parsed answer; any status but `want` is a bug here. */
static json_t *post(http *h, const char *path, const char *headers, const char *body, int want)
{
	size_t len;
	char *req = request(&len, "POST", path, headers, body);
	http_send(h, req, len);
	free(req);
	http_recv(h);
	if (h->status != want)
		die("POST %s answered %d (wanted %d): %.300s\nbody: %.300s", path, h->status, want,
		    h->buf + h->head_len, body);
	json_t *j = http_json(h);
	http_consume(h);
	return j;
}

/* ---- pair ---- */

static int cmd_pair(int port, const char *codes, const char *out)
{
	FILE *in = fopen(codes, "r"), *o = fopen(out, "w");
	if (!in || !o)
		die("cannot open %s or %s", codes, out);
	http h;
	http_connect(&h, port);
	char line[160];
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		char body[160];
		snprintf(body, sizeof body, "{\"v\":1,\"code\":\"%s\"}", sp + 1);
		json_t *j = post(&h, "/api/v1/pair", "", body, 200);
		const char *k = NULL, *t = NULL;
		if (json_unpack(j, "{s:s, s:s}", "kiosk", &k, "token", &t))
			die("pairing answer without kiosk or token");
		fprintf(o, "%s %s %s\n", line, k, t);
		json_decref(j);
	}
	http_close(&h);
	fclose(in);
	if (fclose(o))
		die("cannot write %s", out);
	return 0;
}

/* ---- the rooms and their people ---- */

typedef struct site_info {
	double share;      /* of all visits */
	int inject, smoke; /* stations */
	bool cleaning;     /* clean_after_session: cleaning, then free */
} site_info;

/* Vesterbro-sized down to a small room; two clean after every session. */
static const site_info sites[NSITE] = {
        {0.32, 7, 4, true},  {0.24, 6, 3, true},  {0.18, 4, 3, false},
        {0.14, 4, 2, false}, {0.12, 3, 2, false},
};

/* common/ank_vocab.c's codes; cannabis only ever appears refused (substance_route). */
static const char *const substance_codes[] = {
        "heroin",          "cocaine",   "crack",  "amphetamine",
        "methamphetamine", "methadone", "opioid", "ketamine",
        "benzodiazepine",  "speedball", "other"};
static const double substance_inject_w[] = {34, 18, 2, 8, 4, 5, 7, 2, 3, 14, 3};
static const double substance_smoke_w[] = {22, 12, 38, 9, 7, 0.5, 3, 2, 1, 3, 2.5};
#define NSUB ((int)(sizeof substance_codes / sizeof substance_codes[0]))

/* Refused check-ins other than already_queued (which comes from the queue itself). */
static const char *const refusal_codes[] = {
        "closed",     "quarantined",       "no_consent",     "substance_route",     "underage",
        "women_only", "route_not_offered", "helper_unknown", "assisted_not_offered"};
static const double refusal_w[] = {20, 18, 12, 10, 2, 3, 6, 5, 4};
#define NREF ((int)(sizeof refusal_codes / sizeof refusal_codes[0]))

typedef struct person {
	char id[64];
	int home;
	double p_inject;
	int sub[2];     /* usual substances */
	long long busy; /* ms until which the person holds an open ticket */
	int busy_site;
} person;

typedef struct world {
	int nusers;
	person *u;
	double *cum_all;         /* by visit weight */
	double *cum_site[NSITE]; /* of the users registered at each site */
	int *idx_site[NSITE], nsite[NSITE];
	double cum_inj[NSUB], cum_smk[NSUB], cum_ref[NREF];
	long long visits_per_year;
	kiosk k[NSITE];
	long long seq[NSITE], ticket[NSITE];
} world;

static const char *const syllables[] = {"ka", "ri", "mo", "la", "se", "nu", "bo", "di", "ta",
                                        "ve", "jo", "an", "er", "sø", "bå", "li", "mæ", "ol",
                                        "us", "ke", "pi", "ra", "hu", "ny", "gi", "fa"};
#define NSYL ((int)(sizeof syllables / sizeof syllables[0]))

static const char *const municipalities[] = {"101", "147",    "167",    "185",
                                             "173", "abroad", "unknown"};
static const double municipality_w[] = {70, 9, 5, 4, 3, 5, 4};

static void cumulate(const double *w, int n, double *cum)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		cum[i] = (s += w[i]);
}

/* Registers the users at central (POST /api/v1/users as the admin) and keeps their ids.
 * A user's visit weight falls with rank as 1/(rank + 30): the heaviest users come several
 * times a day, most a few times a month. */
static void users_register(world *w, http *h, const char *staff)
{
	rng r = {SEED ^ 0x75736572ULL};
	double muni_cum[7], site_cum[NSITE], site_w[NSITE];
	cumulate(municipality_w, 7, muni_cum);
	for (int s = 0; s < NSITE; s++)
		site_w[s] = sites[s].share;
	cumulate(site_w, NSITE, site_cum);
	w->u = calloc((size_t)w->nusers, sizeof *w->u);
	w->cum_all = xmalloc((size_t)w->nusers * sizeof *w->cum_all);
	if (!w->u)
		die("out of memory");
	long long t0 = now_ns();
	for (int i = 0; i < w->nusers; i++) {
		person *p = &w->u[i];
		p->home = pick(&r, site_cum, NSITE);
		p->p_inject = unit(&r) < 0.62 ? 0.92 : 0.12;
		p->sub[0] = pick(&r, p->p_inject > 0.5 ? w->cum_inj : w->cum_smk, NSUB);
		p->sub[1] = unit(&r) < 0.3 ? pick(&r, w->cum_smk, NSUB) : p->sub[0];
		char nick[64] = "";
		int ns = 2 + (int)(next(&r) % 2);
		size_t off = 0;
		for (int k = 0; k < ns; k++)
			off += (size_t)snprintf(nick + off, sizeof nick - off, "%s",
			                        syllables[next(&r) % NSYL]);
		if (nick[0] >= 'a' && nick[0] <= 'z')
			nick[0] = (char)(nick[0] - 'a' + 'A');
		double g = unit(&r);
		const char *gender = g < 0.74   ? "male"
		                     : g < 0.97 ? "female"
		                     : g < 0.99 ? "other"
		                                : "unknown";
		int birth = 1958 + (int)(unit(&r) * 45);
		char consent_at[32];
		snprintf(consent_at, sizeof consent_at, "20%02d-%02d-%02dT1%d:00:00Z",
		         18 + (int)(next(&r) % 5), 1 + (int)(next(&r) % 12),
		         1 + (int)(next(&r) % 28), (int)(next(&r) % 8));
		json_t *body =
		        json_pack("{s:i, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "v", 1,
		                  "nickname", nick, "birth_year", birth, "gender", gender,
		                  "municipality", municipalities[pick(&r, muni_cum, 7)],
		                  "consent_version", "2024-1", "consent_at", consent_at, "language",
		                  unit(&r) < 0.8 ? "da" : "en", "site", w->k[p->home].site);
		char *text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		json_t *j = post(h, "/api/v1/users", staff, text, 201);
		free(text);
		const char *id = NULL;
		if (json_unpack(j, "{s:s}", "id", &id))
			die("user answer without id");
		snprintf(p->id, sizeof p->id, "%s", id);
		json_decref(j);
		w->cum_all[i] = (i ? w->cum_all[i - 1] : 0) + 1.0 / (i + 30.0);
	}
	long long t1 = now_ns();
	report("report_users", w->nusers, "users");
	report("report_users_per_s", w->nusers / ((double)(t1 - t0) / 1e9), "users/s");
	for (int s = 0; s < NSITE; s++) {
		w->idx_site[s] = xmalloc((size_t)w->nusers * sizeof(int));
		w->cum_site[s] = xmalloc((size_t)w->nusers * sizeof(double));
		w->nsite[s] = 0;
	}
	for (int i = 0; i < w->nusers; i++) {
		int s = w->u[i].home, n = w->nsite[s]++;
		w->idx_site[s][n] = i;
		w->cum_site[s][n] = (n ? w->cum_site[s][n - 1] : 0) + 1.0 / (i + 30.0);
	}
}

/* ---- one room's day: the queue simulated, its outbox events in order ---- */

typedef struct ev {
	long long at;
	int prio, order;
	const char *type;
	char payload[640]; /* a site.config with its stations, types and hours fits */
} ev;

typedef struct day_buf {
	ev *e;
	int n, cap;
} day_buf;

typedef struct ticket {
	long long id;
	char label[16], day[11];
	const char *route, *substance;
	const char *user, *helper;
} ticket;

static ev *push(day_buf *b, long long at, int prio, const char *type)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		b->e = realloc(b->e, (size_t)b->cap * sizeof *b->e);
		if (!b->e)
			die("out of memory");
	}
	ev *e = &b->e[b->n];
	e->at = at;
	e->prio = prio;
	e->order = b->n++;
	e->type = type;
	return e;
}

/* A ticket event's payload, as ticket_json in kiosk/queue/queue.c builds it: compact, keys
 * sorted (day, duration_s, from, helper, label, route, state, station, substance, ticket,
 * to, user). duration < 0 and from == NULL leave those out; station "" too. */
static void ticket_ev(day_buf *b, long long at, int prio, const char *type, const ticket *t,
                      const char *state, const char *station, long long duration, const char *from,
                      const char *to)
{
	ev *e = push(b, at, prio, type);
	char dur[32] = "", fr[32] = "", help[80] = "", st[32] = "", too[32] = "";
	if (duration >= 0)
		snprintf(dur, sizeof dur, "\"duration_s\":%lld,", duration);
	if (from)
		snprintf(fr, sizeof fr, "\"from\":\"%s\",", from);
	if (t->helper)
		snprintf(help, sizeof help, "\"helper\":\"%s\",", t->helper);
	if (station[0])
		snprintf(st, sizeof st, "\"station\":\"%s\",", station);
	if (to)
		snprintf(too, sizeof too, "\"to\":\"%s\",", to);
	int n = snprintf(e->payload, sizeof e->payload,
	                 "{\"day\":\"%s\",%s%s%s\"label\":\"%s\",\"route\":\"%s\",\"state\":\"%s\","
	                 "%s\"substance\":\"%s\",\"ticket\":%lld,%s\"user\":\"%s\"}",
	                 t->day, dur, fr, help, t->label, t->route, state, st, t->substance, t->id,
	                 too, t->user);
	if (n < 0 || (size_t)n >= sizeof e->payload)
		die("payload too long");
}

static void station_ev(day_buf *b, long long at, int prio, const char *station, const char *state)
{
	ev *e = push(b, at, prio, "station.state");
	snprintf(e->payload, sizeof e->payload, "{\"state\":\"%s\",\"station\":\"%s\"}", state,
	         station);
}

static void refused_ev(day_buf *b, long long at, const char *reason, const char *route,
                       const char *substance, const char *user)
{
	ev *e = push(b, at, 2, "checkin.refused");
	snprintf(e->payload, sizeof e->payload,
	         "{\"reason\":\"%s\",\"route\":\"%s\",\"substance\":\"%s\",\"user\":\"%s\"}",
	         reason, route, substance, user);
}

static int ev_cmp(const void *a, const void *b)
{
	const ev *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->prio != y->prio)
		return x->prio - y->prio;
	return x->order - y->order;
}

/* Staff records of the day, posted after the day's events. */
typedef struct rec {
	long long at;
	char body[200];
} rec;

typedef struct rec_buf {
	rec *r;
	int n, cap;
} rec_buf;

static rec *rec_push(rec_buf *b, long long at)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->r = realloc(b->r, (size_t)b->cap * sizeof *b->r);
		if (!b->r)
			die("out of memory");
	}
	rec *r = &b->r[b->n++];
	r->at = at;
	return r;
}

static void iso(long long ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Counts for the write-up, over everything generated. */
typedef struct counts {
	long long visits, intakes, no_shows, cancels, transfers, refusals, assisted, overdoses,
	        referrals, records, events;
} counts;

/* Local time of minute `minute` after midnight of day tm0 (mktime: DST done right). */
static long long local_ms(const struct tm *day, int minute, int second)
{
	struct tm tm = *day;
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tm.tm_sec = second;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm) * 1000;
}

/* Arrivals by hour of the day (08:30-23:30): the afternoon peak 12-18. */
static const double hour_w[24] = {0,   0,   0,   0,    0,   0,   0,   0,    0.3, 0.55, 0.75, 0.95,
                                  1.3, 1.5, 1.6, 1.65, 1.6, 1.5, 1.3, 0.95, 0.8, 0.7,  0.5,  0.2};
/* Monday first; mean 1. */
static const double weekday_w[7] = {0.97, 0.97, 1.02, 1.06, 1.12, 0.98, 0.88};

static int cmp_arrival(const void *a, const void *b)
{
	return cmp_ll(a, b);
}

/* Generates one site's day `d` (tm of its local midnight) into b and records into rb. */
static void site_day(world *w, int s, int d, const struct tm *day, day_buf *b, rec_buf *rb,
                     counts *c)
{
	rng r = {SEED ^ ((uint64_t)(s + 1) << 40) ^ (uint64_t)d * 0x100000001b3ULL};
	const site_info *si = &sites[s];
	int wd = (day->tm_wday + 6) % 7;
	/* Benefits are paid around the 1st: more visits in the first days of a month. */
	static const double month_day_w[] = {1.45, 1.35, 1.25, 1.15, 1.08};
	double md = day->tm_mday <= 5 ? month_day_w[day->tm_mday - 1] : 0.957;
	double expect = (double)w->visits_per_year * si->share / 365.0 * weekday_w[wd] * md;
	int nvis = (int)(expect * (0.9 + 0.2 * unit(&r)) + unit(&r));
	int nref = (int)(nvis * 0.035 + unit(&r));
	int n = nvis + nref;
	double hour_cum[24];
	cumulate(hour_w, 24, hour_cum);
	/* arrival minute * 64 + kind (0 visit, 1 refusal), sorted by time */
	long long *arr = xmalloc((size_t)(n ? n : 1) * sizeof *arr);
	for (int i = 0; i < n; i++) {
		int h = pick(&r, hour_cum, 24);
		int m = h * 60 + (h == 8 ? 30 : 0) +
		        (int)(unit(&r) * (h == 8 || h == 23 ? 30 : 60));
		arr[i] = ((long long)m * 60 + (long long)(next(&r) % 60)) * 2 + (i >= nvis);
	}
	qsort(arr, (size_t)n, sizeof *arr, cmp_arrival);
	char date[11];
	strftime(date, sizeof date, "%Y-%m-%d", day);
	int ni = si->inject, nst = si->inject + si->smoke;
	long long free_at[32];
	for (int k = 0; k < nst; k++)
		free_at[k] = 0;
	char station_id[32][8];
	for (int k = 0; k < nst; k++)
		snprintf(station_id[k], sizeof station_id[k], "%d", k + 1);
	if (d == 0) {
		/* The room's config, as a kiosk sends it: its stations' types and its hours (the
		 * arrivals above run 08:30 to midnight), which the report's capacity reads. */
		ev *e = push(b, local_ms(day, 0, 0), 0, "site.config");
		char ids[256] = "", types[384] = "";
		for (int k = 0; k < nst; k++) {
			size_t li = strlen(ids), lt = strlen(types);
			snprintf(ids + li, sizeof ids - li, "%s\"%d\"", k ? "," : "", k + 1);
			snprintf(types + lt, sizeof types - lt, "%s\"%d\":\"%s\"", k ? "," : "",
			         k + 1, k < ni ? "inject" : "smoke");
		}
		int len = snprintf(e->payload, sizeof e->payload,
		                   "{\"hours\":{\"fri\":\"08:30-00:00\",\"mon\":\"08:30-00:00\","
		                   "\"sat\":\"08:30-00:00\",\"sun\":\"08:30-00:00\",\"thu\":"
		                   "\"08:30-00:00\",\"tue\":\"08:30-00:00\",\"wed\":"
		                   "\"08:30-00:00\"},\"station_types\":{%s},\"stations\":[%s]}",
		                   types, ids);
		if (len < 0 || (size_t)len >= sizeof e->payload)
			die("site.config payload too long");
	}
	int number[2] = {0, 0};
	for (int i = 0; i < n; i++) {
		int sec = (int)(arr[i] / 2);
		long long t = local_ms(day, sec / 60, sec % 60);
		bool refusal = arr[i] & 1;
		/* Who comes: mostly the room's own users. */
		int ui = unit(&r) < 0.85 && w->nsite[s]
		                 ? w->idx_site[s][pick(&r, w->cum_site[s], w->nsite[s])]
		                 : pick(&r, w->cum_all, w->nusers);
		person *p = &w->u[ui];
		bool inject = unit(&r) < p->p_inject;
		const char *route = inject ? "inject" : "smoke";
		int sub = unit(&r) < 0.8 ? p->sub[0] : p->sub[1];
		if (inject && !strcmp(substance_codes[sub], "crack"))
			sub = 0;
		const char *substance = substance_codes[sub];
		if (refusal) {
			const char *why = refusal_codes[pick(&r, w->cum_ref, NREF)];
			if (!strcmp(why, "closed"))
				t = local_ms(day,
				             unit(&r) < 0.5 ? 8 * 60 + (int)(next(&r) % 30)
				                            : 23 * 60 + 30 + (int)(next(&r) % 30),
				             (int)(next(&r) % 60));
			if (!strcmp(why, "substance_route")) {
				substance = "cannabis";
				route = "smoke";
			}
			refused_ev(b, t, why, route, substance, p->id);
			c->refusals++;
			continue;
		}
		if (p->busy > t && p->busy_site == s) {
			refused_ev(b, t, "already_queued", route, substance, p->id);
			c->refusals++;
			continue;
		}
		c->visits++;
		ticket tk = {.id = ++w->ticket[s],
		             .route = route,
		             .substance = substance,
		             .user = p->id};
		snprintf(tk.day, sizeof tk.day, "%s", date);
		int rt = inject ? 0 : 1;
		snprintf(tk.label, sizeof tk.label, "%s-%03d", inject ? "I" : "R", ++number[rt]);
		if (inject && unit(&r) < 0.07) {
			int hp = pick(&r, w->cum_all, w->nusers);
			if (hp != ui) {
				tk.helper = w->u[hp].id;
				c->assisted++;
			}
		}
		ticket_ev(b, t, 2, "ticket.issued", &tk, "waiting", "", -1, NULL, NULL);
		long long tq = t;
		/* A few move to the other route while waiting (staff transfer). */
		if (!tk.helper && unit(&r) < 0.006) {
			tq = t + between(&r, 1, 6) * MIN_MS;
			const char *to = inject ? "smoke" : "inject";
			if (!strcmp(substance, "crack") && !inject)
				to = NULL;
			if (to) {
				ticket_ev(b, tq, 0, "ticket.transferred", &tk, "waiting", "", -1,
				          tk.route, to);
				tk.route = to;
				inject = !inject;
				c->transfers++;
			}
		}
		int lo = inject ? 0 : ni, hi = inject ? ni : nst, st = lo;
		for (int k = lo; k < hi; k++)
			if (free_at[k] < free_at[st])
				st = k;
		long long call = free_at[st] > tq ? free_at[st] : tq;
		/* Some leave before they are called, more when the wait is long. */
		bool cancel = unit(&r) < (call - t > 45 * MIN_MS ? 0.35 : 0.02);
		long long gone = t + between(&r, 3, call - t > 45 * MIN_MS ? 45 : 20) * MIN_MS;
		if (cancel && gone < call) {
			ticket_ev(b, gone, 0, "ticket.cancelled", &tk, "cancelled", "", -1, NULL,
			          NULL);
			p->busy = gone;
			p->busy_site = s;
			c->cancels++;
			continue;
		}
		const char *sid = station_id[st];
		ticket_ev(b, call, 3, "ticket.called", &tk, "called", sid, -1, NULL, NULL);
		station_ev(b, call, 4, sid, "reserved");
		if (cancel) {
			/* Called but gone: staff cancel it, which frees the station first, so the
			 * event names no station (cmd_cancel in kiosk/queue/queue.c). */
			gone = call + between(&r, 2, 8) * MIN_MS;
			station_ev(b, gone, 0, sid, "free");
			ticket_ev(b, gone, 1, "ticket.cancelled", &tk, "cancelled", "", -1, NULL,
			          NULL);
			free_at[st] = gone;
			p->busy = gone;
			p->busy_site = s;
			c->cancels++;
			continue;
		}
		if (unit(&r) < 0.03) {
			long long ns_at = call + between(&r, 5, 10) * MIN_MS;
			ticket_ev(b, ns_at, 0, "ticket.no_show", &tk, "no_show", sid, -1, NULL,
			          NULL);
			station_ev(b, ns_at, 1, sid, "free");
			free_at[st] = ns_at;
			p->busy = ns_at;
			p->busy_site = s;
			c->no_shows++;
			continue;
		}
		long long start = call + between(&r, 40, 240) * 1000;
		ticket_ev(b, start, 5, "session.started", &tk, "in_session", sid, -1, NULL, NULL);
		station_ev(b, start, 6, sid, "occupied");
		/* 8-60 min, most around 20. */
		long long dur_s =
		        480 + (long long)(unit(&r) * unit(&r) * 3120) + (long long)(unit(&r) * 300);
		long long end = start + dur_s * 1000;
		ticket_ev(b, end, 0, "session.ended", &tk, "done", sid, dur_s, NULL, NULL);
		long long freed = end;
		if (si->cleaning) {
			station_ev(b, end, 1, sid, "cleaning");
			freed = end + between(&r, 120, 360) * 1000;
		}
		station_ev(b, freed, 1, sid, "free");
		free_at[st] = freed;
		p->busy = end;
		p->busy_site = s;
		c->intakes++;
		/* Staff records: overdoses ~0.85 per 1000 intakes, referrals, rejections. */
		if (unit(&r) < 0.00085) {
			rec *x = rec_push(rb, start + dur_s * 500);
			double o = unit(&r);
			snprintf(x->body, sizeof x->body,
			         "\"kind\":\"overdose\",\"naloxone\":%s,\"oxygen\":true,"
			         "\"ambulance\":%s,\"outcome\":\"%s\",\"station\":\"%s\"",
			         unit(&r) < 0.7 ? "true" : "false",
			         unit(&r) < 0.2 ? "true" : "false",
			         o < 0.85   ? "recovered"
			         : o < 0.97 ? "hospital"
			                    : "left",
			         sid);
			c->overdoses++;
		}
		if (unit(&r) < 1.0 / 120) {
			static const char *const types[] = {"health",        "drug_treatment",
			                                    "mental_health", "social",
			                                    "housing",       "other"};
			rec *x = rec_push(rb, end + MIN_MS);
			snprintf(x->body, sizeof x->body, "\"kind\":\"referral\",\"type\":\"%s\"",
			         types[next(&r) % 6]);
			c->referrals++;
		}
	}
	if (unit(&r) < 0.5) {
		static const char *const reasons[] = {"intoxicated", "behaviour", "capacity",
		                                      "not_target_group", "other"};
		rec *x = rec_push(rb, local_ms(day, 15 * 60, 0));
		snprintf(x->body, sizeof x->body, "\"kind\":\"rejection\",\"reason\":\"%s\"",
		         reasons[next(&r) % 5]);
	}
	free(arr);
}

/* ---- posting ---- */

typedef struct poster {
	http conn[NSITE];
	ev *pend[NSITE];
	int npend[NSITE], cap[NSITE];
	char *body;
	size_t body_cap;
	long long *batch_ns; /* this stage's batch times */
	size_t nbatch, batch_cap;
	long long events, bytes;
	rng ids;
} poster;

static void batch_post(world *w, poster *ps, int s, int n)
{
	size_t cap = 1024 + (size_t)n * 560;
	if (ps->body_cap < cap) {
		ps->body = realloc(ps->body, cap);
		ps->body_cap = cap;
		if (!ps->body)
			die("out of memory");
	}
	const kiosk *k = &w->k[s];
	size_t off =
	        (size_t)snprintf(ps->body, cap, "{\"v\":1,\"kiosk\":\"%s\",\"events\":[", k->id);
	for (int i = 0; i < n; i++) {
		const ev *e = &ps->pend[s][i];
		uint64_t a = next(&ps->ids), b = next(&ps->ids);
		off += (size_t)snprintf(ps->body + off, cap - off,
		                        "%s{\"seq\":%lld,\"id\":\"%016llx%016llx\",\"type\":\"%s\","
		                        "\"at\":%lld,\"payload\":%s}",
		                        i ? "," : "", ++w->seq[s], (unsigned long long)a,
		                        (unsigned long long)b, e->type, e->at, e->payload);
	}
	off += (size_t)snprintf(ps->body + off, cap - off, "]}");
	if (off >= cap)
		die("batch body too long");
	char auth[160];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", k->token);
	size_t len;
	char *req = request(&len, "POST", "/api/v1/sync/events", auth, ps->body);
	http *h = &ps->conn[s];
	long long t0 = now_ns();
	http_send(h, req, len);
	http_recv(h);
	long long t1 = now_ns();
	free(req);
	if (h->status != 200)
		die("events answered %d (a generator bug if 400): %.300s", h->status,
		    h->buf + h->head_len);
	json_t *j = http_json(h);
	json_int_t acked = -1;
	if (json_unpack(j, "{s:I}", "acked", &acked) || acked != w->seq[s])
		die("events acked %lld, expected %lld", (long long)acked, w->seq[s]);
	json_decref(j);
	http_consume(h);
	if (ps->nbatch == ps->batch_cap) {
		ps->batch_cap = ps->batch_cap ? ps->batch_cap * 2 : 4096;
		ps->batch_ns = realloc(ps->batch_ns, ps->batch_cap * sizeof *ps->batch_ns);
		if (!ps->batch_ns)
			die("out of memory");
	}
	ps->batch_ns[ps->nbatch++] = t1 - t0;
	ps->events += n;
	ps->bytes += (long long)len;
	memmove(ps->pend[s], ps->pend[s] + n, (size_t)(ps->npend[s] - n) * sizeof(ev));
	ps->npend[s] -= n;
}

static void queue_events(world *w, poster *ps, int s, const day_buf *b)
{
	if (ps->npend[s] + b->n > ps->cap[s]) {
		ps->cap[s] = ps->npend[s] + b->n + 4096;
		ps->pend[s] = realloc(ps->pend[s], (size_t)ps->cap[s] * sizeof(ev));
		if (!ps->pend[s])
			die("out of memory");
	}
	memcpy(ps->pend[s] + ps->npend[s], b->e, (size_t)b->n * sizeof(ev));
	ps->npend[s] += b->n;
	while (ps->npend[s] >= BATCH)
		batch_post(w, ps, s, BATCH);
}

static void records_post(http *h, const char *staff, const world *w, int s, const rec_buf *rb)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/sites/%s/records", w->k[s].site);
	for (int i = 0; i < rb->n; i++) {
		char when[32], body[320];
		iso(rb->r[i].at, when);
		snprintf(body, sizeof body, "{\"v\":1,%s,\"time\":\"%s\"}", rb->r[i].body, when);
		json_decref(post(h, path, staff, body, 201));
	}
}

/* ---- measuring the report ---- */

static const char base_stat_sql[] = "SELECT site, route, substance, sum(checkins) FROM day_stat"
                                    " WHERE date BETWEEN ?1 AND ?2 GROUP BY 1, 2, 3";
static const char base_user_sql[] = "SELECT site, count(DISTINCT user) FROM day_user"
                                    " WHERE date BETWEEN ?1 AND ?2 GROUP BY site";

static long long run_sql(sqlite3 *db, const char *sql, const char *from, const char *to)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die("prepare: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	long long rows = 0, sum = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rows++;
		sum += sqlite3_column_int64(s, sqlite3_column_count(s) - 1);
	}
	if (rc != SQLITE_DONE)
		die("step: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return rows ? sum : 0;
}

static long long report_once(ank_cstore *cs, const char *from, const char *to, long long *checkins,
                             long long *unique)
{
	ank_err err;
	long long t0 = now_ns();
	char *text = ank_cstore_report(cs, from, to, wall_ms(), &err);
	long long t1 = now_ns();
	if (!text)
		die("report: %s", err.msg);
	if (checkins) {
		json_t *j = json_loads(text, 0, NULL);
		json_int_t c = 0, u = 0;
		if (!j ||
		    json_unpack(j, "{s:{s:I, s:I}}", "totals", "checkins", &c, "unique_users", &u))
			die("report without totals");
		*checkins = c;
		*unique = u;
		json_decref(j);
	}
	free(text);
	return t1 - t0;
}

/* SQLite's own timing of each statement the report runs, with its query plan. */
typedef struct prof {
	sqlite3 *plan_db;
	int n;
} prof;

static int on_profile(unsigned type, void *ctx, void *p, void *x)
{
	prof *pf = ctx;
	if (type != SQLITE_TRACE_PROFILE)
		return 0;
	sqlite3_stmt *s = p;
	double ms = (double)*(sqlite3_int64 *)x / 1e6;
	char *sql = sqlite3_expanded_sql(s);
	if (!sql)
		return 0;
	char head[100];
	snprintf(head, sizeof head, "%s", sql);
	for (char *c = head; *c; c++)
		if (*c == '\n')
			*c = ' ';
	printf("profile: stmt %d %.2f ms: %s%s\n", ++pf->n, ms, head,
	       strlen(sql) >= sizeof head ? "..." : "");
	size_t cap = strlen(sql) + 32;
	char *eqp = xmalloc(cap);
	snprintf(eqp, cap, "EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(pf->plan_db, eqp, -1, &q, NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW)
			printf("profile:   plan %d: %s\n", sqlite3_column_int(q, 1),
			       (const char *)sqlite3_column_text(q, 3));
		sqlite3_finalize(q);
	}
	free(eqp);
	sqlite3_free(sql);
	return 0;
}

typedef struct period {
	const char *name;
	char from[11], to[11];
} period;

static void measure(const char *dbpath, const char *stage, const period *pd, int np, int runs,
                    bool profile)
{
	ank_cstore *cs;
	ank_err err;
	if (ank_cstore_open(dbpath, false, &cs, &err))
		die("open %s: %s", dbpath, err.msg);
	sqlite3 *bdb;
	if (sqlite3_open_v2(dbpath, &bdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die("open %s read-only", dbpath);
	long long *tr = xmalloc((size_t)runs * sizeof *tr),
	          *ts = xmalloc((size_t)runs * sizeof *ts),
	          *tu = xmalloc((size_t)runs * sizeof *tu),
	          *tb = xmalloc((size_t)runs * sizeof *tb);
	for (int i = 0; i < np; i++) {
		long long checkins = 0, unique = 0;
		/* Warm-up: pages into the cache, statements' first compile. */
		report_once(cs, pd[i].from, pd[i].to, &checkins, &unique);
		long long base_checkins = run_sql(bdb, base_stat_sql, pd[i].from, pd[i].to);
		run_sql(bdb, base_user_sql, pd[i].from, pd[i].to);
		if (base_checkins != checkins)
			die("report says %lld check-ins, the GROUP BY %lld", checkins,
			    base_checkins);
		for (int k = 0; k < runs; k++) {
			/* The side that goes first alternates. */
			for (int side = 0; side < 2; side++) {
				if ((side == 0) == (k % 2 == 0)) {
					tr[k] = report_once(cs, pd[i].from, pd[i].to, NULL, NULL);
				} else {
					long long t0 = now_ns();
					run_sql(bdb, base_stat_sql, pd[i].from, pd[i].to);
					long long t1 = now_ns();
					run_sql(bdb, base_user_sql, pd[i].from, pd[i].to);
					long long t2 = now_ns();
					ts[k] = t1 - t0;
					tu[k] = t2 - t1;
					tb[k] = t2 - t0;
				}
			}
		}
		spread r = spread_of(tr, runs), s = spread_of(ts, runs), u = spread_of(tu, runs),
		       b = spread_of(tb, runs);
		char key[96];
		struct {
			const char *what;
			spread v;
		} out[] = {{"report", r}, {"base_stat", s}, {"base_users", u}, {"base", b}};
		for (size_t o = 0; o < sizeof out / sizeof out[0]; o++) {
			snprintf(key, sizeof key, "report_%s_%s_%s_med_ms", stage, pd[i].name,
			         out[o].what);
			report(key, out[o].v.med / 1e6, "ms");
			snprintf(key, sizeof key, "report_%s_%s_%s_min_ms", stage, pd[i].name,
			         out[o].what);
			report(key, out[o].v.min / 1e6, "ms");
			snprintf(key, sizeof key, "report_%s_%s_%s_max_ms", stage, pd[i].name,
			         out[o].what);
			report(key, out[o].v.max / 1e6, "ms");
		}
		snprintf(key, sizeof key, "report_%s_%s_ratio", stage, pd[i].name);
		report(key, r.med / b.med, "x");
		snprintf(key, sizeof key, "report_%s_%s_checkins", stage, pd[i].name);
		report(key, (double)checkins, "checkins");
		snprintf(key, sizeof key, "report_%s_%s_unique_users", stage, pd[i].name);
		report(key, (double)unique, "users");
		if (profile) {
			prof pf = {bdb, 0};
			printf("profile: stage %s, %s %s..%s\n", stage, pd[i].name, pd[i].from,
			       pd[i].to);
			sqlite3_trace_v2(cs->db, SQLITE_TRACE_PROFILE, on_profile, &pf);
			report_once(cs, pd[i].from, pd[i].to, NULL, NULL);
			sqlite3_trace_v2(cs->db, 0, NULL, NULL);
		}
	}
	sqlite3_stmt *q;
	const char *const tables[] = {"event",   "visit",       "day_stat", "hour_stat", "day_user",
	                              "refusal", "station_log", "record",   "registry"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char sql[96], key[96];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
		if (sqlite3_prepare_v2(bdb, sql, -1, &q, NULL) != SQLITE_OK)
			die("prepare: %s", sqlite3_errmsg(bdb));
		if (sqlite3_step(q) == SQLITE_ROW) {
			snprintf(key, sizeof key, "report_%s_rows_%s", stage, tables[i]);
			report(key, (double)sqlite3_column_int64(q, 0), "rows");
		}
		sqlite3_finalize(q);
	}
	free(tr);
	free(ts);
	free(tu);
	free(tb);
	sqlite3_close(bdb);
	ank_cstore_close(cs);
}

/* ---- run ---- */

static void ingest_report(const char *stage, poster *ps, long long wall_ns, const counts *c)
{
	char key[96];
	long long total = 0;
	for (size_t i = 0; i < ps->nbatch; i++)
		total += ps->batch_ns[i];
	qsort(ps->batch_ns, ps->nbatch, sizeof *ps->batch_ns, cmp_ll);
	snprintf(key, sizeof key, "report_%s_ingest_events", stage);
	report(key, (double)ps->events, "events");
	snprintf(key, sizeof key, "report_%s_ingest_eps", stage);
	report(key, (double)ps->events / ((double)total / 1e9), "events/s");
	snprintf(key, sizeof key, "report_%s_ingest_wall_eps", stage);
	report(key, (double)ps->events / ((double)wall_ns / 1e9), "events/s");
	snprintf(key, sizeof key, "report_%s_ingest_batch_p50_ms", stage);
	report(key, (double)pct(ps->batch_ns, ps->nbatch, 50) / 1e6, "ms");
	snprintf(key, sizeof key, "report_%s_ingest_batch_p99_ms", stage);
	report(key, (double)pct(ps->batch_ns, ps->nbatch, 99) / 1e6, "ms");
	snprintf(key, sizeof key, "report_%s_ingest_body_mean_bytes", stage);
	report(key, (double)ps->bytes / (double)(ps->nbatch ? ps->nbatch : 1), "bytes");
	printf("bench: report_%s_totals visits=%lld intakes=%lld no_shows=%lld cancels=%lld"
	       " transfers=%lld refusals=%lld assisted=%lld overdoses=%lld referrals=%lld"
	       " records=%lld events=%lld\n",
	       stage, c->visits, c->intakes, c->no_shows, c->cancels, c->transfers, c->refusals,
	       c->assisted, c->overdoses, c->referrals, c->records, c->events);
	fflush(stdout);
	ps->nbatch = 0;
	ps->events = ps->bytes = 0;
}

static int cmd_run(int port, const char *kiosks, const char *login, const char *dbpath,
                   const char *start, const char *stages, int runs, long long visits, int users)
{
	world w = {.nusers = users, .visits_per_year = visits};
	size_t nk;
	kiosk *k = read_kiosks(kiosks, true, &nk);
	if (nk < NSITE)
		die("%s: need %d kiosks", kiosks, NSITE);
	memcpy(w.k, k, sizeof w.k); /* the first NSITE, one a room */
	free(k);
	cumulate(substance_inject_w, NSUB, w.cum_inj);
	cumulate(substance_smoke_w, NSUB, w.cum_smk);
	cumulate(refusal_w, NREF, w.cum_ref);
	struct tm t0 = {0};
	char part[5];
	long y, m, d;
	if (strlen(start) != 10)
		die("--start wants YYYY-MM-DD");
	snprintf(part, sizeof part, "%.4s", start);
	y = (long)parse_ll(part, 1970, 2100, "--start year");
	snprintf(part, sizeof part, "%.2s", start + 5);
	m = (long)parse_ll(part, 1, 12, "--start month");
	snprintf(part, sizeof part, "%.2s", start + 8);
	d = (long)parse_ll(part, 1, 31, "--start day");
	t0.tm_year = (int)y - 1900;
	t0.tm_mon = (int)m - 1;
	t0.tm_mday = (int)d;
	t0.tm_hour = 12;
	t0.tm_isdst = -1;

	http staff_conn;
	http_connect(&staff_conn, port);
	char *staff = staff_login(&staff_conn, login);
	users_register(&w, &staff_conn, staff);

	poster ps = {.ids = {SEED ^ 0x6964ULL}};
	for (int s = 0; s < NSITE; s++)
		http_connect(&ps.conn[s], port);
	day_buf b = {0};
	rec_buf rb = {0};
	counts c = {0};
	/* The fixed periods: the first month and the first year of the data. */
	period pd[2] = {{.name = "month"}, {.name = "year"}};
	struct tm e = t0;
	mktime(&e);
	strftime(pd[0].from, sizeof pd[0].from, "%Y-%m-%d", &e);
	strftime(pd[1].from, sizeof pd[1].from, "%Y-%m-%d", &e);
	e.tm_mon += 1;
	e.tm_mday -= 1;
	e.tm_isdst = -1;
	mktime(&e);
	strftime(pd[0].to, sizeof pd[0].to, "%Y-%m-%d", &e);
	e = t0;
	e.tm_year += 1;
	e.tm_mday -= 1;
	e.tm_isdst = -1;
	mktime(&e);
	strftime(pd[1].to, sizeof pd[1].to, "%Y-%m-%d", &e);

	int day = 0;
	const char *p = stages;
	while (*p) {
		char *end;
		long upto = strtol(p, &end, 10);
		if (end == p || upto <= day)
			die("--stages wants increasing day counts, got \"%s\"", stages);
		p = *end == ',' ? end + 1 : end;
		long long w0 = now_ns();
		long long ev0 = c.events, rec0 = c.records;
		for (; day < upto; day++) {
			struct tm dt = t0;
			dt.tm_mday += day;
			dt.tm_hour = 0;
			dt.tm_isdst = -1;
			mktime(&dt);
			dt.tm_hour = 0;
			dt.tm_min = dt.tm_sec = 0;
			for (int s = 0; s < NSITE; s++) {
				b.n = 0;
				rb.n = 0;
				site_day(&w, s, day, &dt, &b, &rb, &c);
				qsort(b.e, (size_t)b.n, sizeof *b.e, ev_cmp);
				c.events += b.n;
				queue_events(&w, &ps, s, &b);
				records_post(&staff_conn, staff, &w, s, &rb);
				c.records += rb.n;
			}
		}
		for (int s = 0; s < NSITE; s++)
			if (ps.npend[s])
				batch_post(&w, &ps, s, ps.npend[s]);
		long long wall = now_ns() - w0;
		char stage[32];
		snprintf(stage, sizeof stage, "d%d", day);
		fprintf(stderr, "bench_report: stage %s: %lld events, %lld records in %.1f s\n",
		        stage, c.events - ev0, c.records - rec0, (double)wall / 1e9);
		ingest_report(stage, &ps, wall, &c);
		measure(dbpath, stage, pd, 2, runs, true);
	}
	for (int s = 0; s < NSITE; s++) {
		http_close(&ps.conn[s]);
		free(ps.pend[s]);
	}
	http_close(&staff_conn);
	free(staff);
	free(b.e);
	free(rb.r);
	free(ps.body);
	free(ps.batch_ns);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1], *codes = NULL, *out = NULL, *kiosks = NULL, *login = NULL,
	           *db = NULL, *start = "2023-01-01", *stages = "31,365,1095";
	long long port = 0, runs = 7, visits = 250000, users = 3800;
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--port"))
			port = parse_ll(v, 1, 65535, o);
		else if (!strcmp(o, "--codes"))
			codes = v;
		else if (!strcmp(o, "--out"))
			out = v;
		else if (!strcmp(o, "--kiosks"))
			kiosks = v;
		else if (!strcmp(o, "--login"))
			login = v;
		else if (!strcmp(o, "--db"))
			db = v;
		else if (!strcmp(o, "--start"))
			start = v;
		else if (!strcmp(o, "--stages"))
			stages = v;
		else if (!strcmp(o, "--runs"))
			runs = parse_ll(v, 1, 1000, o);
		else if (!strcmp(o, "--visits"))
			visits = parse_ll(v, 1, 100000000, o);
		else if (!strcmp(o, "--users"))
			users = parse_ll(v, 10, 1000000, o);
		else
			die("unknown option %s", o);
	}
	if (!strcmp(cmd, "pair") && port && codes && out)
		return cmd_pair((int)port, codes, out);
	if (!strcmp(cmd, "run") && port && kiosks && login && db)
		return cmd_run((int)port, kiosks, login, db, start, stages, (int)runs, visits,
		               (int)users);
	fputs(usage, stderr);
	return 2;
}
