/* Benchmark of the kiosk's latency paths: nickname search over a 50,000-user registry, the
 * person check after the nickname, and durable ticket issuance against a bare SQLite
 * insert+commit baseline. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ank_db.h"
#include "ank_text.h"
#include "ank_time.h"
#include "queue.h"
#include "store_int.h" /* ank_store_db: the benchmark inspects rows directly */

/* Registry and typing simulation. */
#define N_USERS         50000
#define N_TYPISTS       2000
#define N_WARM_TYPISTS  100 /* not recorded: a kiosk runs for hours with a warm cache */
#define MIN_TYPED       2
#define MAX_TYPED       6
#define N_TYPO_TYPISTS  1000 /* each types a name with one edit, as a whole */
#define N_PERSON_CHECKS 2000 /* random users checked after their nickname (none refused) */
/* Issuance against the baseline, interleaved in blocks so disk noise hits both. */
#define N_ISSUE     1000
#define N_BLOCKS    10
#define BLOCK       (N_ISSUE / N_BLOCKS)
#define QUEUE_DEPTH 10 /* waiting tickets kept in line while every station is busy */
#define N_STATIONS  4
#define SEED        0x416e6b6f6d7374ULL /* "Ankomst" */
/* Monday 2026-11-23 12:00 in Copenhagen; the virtual clock steps one second per call. */
#define T_START ((int64_t)1795431600000)
#define STEP_MS 1000
/* Targets, reported and not asserted. */
#define SEARCH_P99_TARGET_US 1000.0
#define RATIO_TARGET         2.0

typedef char nick_t[ANK_NICK_MAX_BYTES + 1];

static uint64_t rng_state = SEED;

/* splitmix64: small, fast and the same sequence on every machine. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng_next() % n);
}

/* Lower-case pieces; a made-up name is two or three of them. */
static const char *const syllables[] = {
        "ka",  "sø",  "ren", "mi",  "ke",   "la",  "sse", "bo",  "jør", "gen", "å",   "se",  "ni",
        "el",  "tor", "be",  "ri",  "da",   "æ",   "ble", "ste", "fan", "pe",  "ter", "hen", "rik",
        "ol",  "le",  "mor", "ten", "kni",  "ve",  "rø",  "de",  "bjø", "rn",  "ma",  "ja",  "ul",
        "ti",  "na",  "an",  "ne",  "ly",   "kke", "jan", "us",  "vå",  "ge",  "fru", "bø",  "gsø",
        "ræv", "tå",  "kæ",  "mus", "stær", "dyt", "ho",  "pi",  "lo",  "ærø", "så",  "nø",
};
/* Names many people share: they make same_name above 1 and crowd short prefixes. */
static const char *const common_names[] = {
        "søren",  "jørgen",  "bjørn",  "åse",   "mette", "kim",      "ole",   "lars",
        "jens",   "hanne",   "bent",   "per",   "tine",  "søs",      "brian", "dennis",
        "rasmus", "kenneth", "gitte",  "ærtes", "møffe", "åge",      "jønne", "bølle",
        "sørine", "ø-bo",    "henrik", "mads",  "pia",   "frederik", "kræn",  "ib",
};
/* First words of two-word names such as "Big Søren". */
static const char *const first_words[] = {
        "big", "lille", "store", "gamle", "sorte", "røde", "skøre", "tykke", "lange", "søde",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void append(char *dst, size_t n, const char *s)
{
	size_t len = strlen(dst);
	snprintf(dst + len, n - len, "%s", s);
}

/* Upper-cases the first letter of a word: ASCII, and the Latin-1 letters as UTF-8
 * (C3 A0..BE), which covers æ ø å. */
static void capitalise(char *w)
{
	unsigned char *p = (unsigned char *)w;
	if (p[0] >= 'a' && p[0] <= 'z')
		p[0] = (unsigned char)(p[0] - 'a' + 'A');
	else if (p[0] == 0xC3 && p[1] >= 0xA0 && p[1] <= 0xBE && p[1] != 0xB7)
		p[1] = (unsigned char)(p[1] - 0x20);
}

static void make_word(char *out, size_t n)
{
	out[0] = '\0';
	if (rng_below(100) < 35) {
		append(out, n, common_names[rng_below(COUNT_OF(common_names))]);
	} else {
		unsigned k = 2 + rng_below(2);
		for (unsigned i = 0; i < k; i++)
			append(out, n, syllables[rng_below(COUNT_OF(syllables))]);
	}
	capitalise(out);
}

/* A nickname: mostly one word, some "Big Søren" style, a few "Jens Ø" style. */
static void make_nick(char *out, size_t n)
{
	char word[64];
	unsigned kind = rng_below(100);
	out[0] = '\0';
	if (kind < 12) {
		snprintf(word, sizeof word, "%s", first_words[rng_below(COUNT_OF(first_words))]);
		capitalise(word);
		append(out, n, word);
		append(out, n, " ");
	}
	make_word(word, sizeof word);
	append(out, n, word);
	if (kind >= 12 && kind < 18) {
		make_word(word, sizeof word);
		append(out, n, " ");
		append(out, n, word);
	}
}

static void make_user(int i, const char *nick, ank_user *u)
{
	static const char *const municipalities[] = {"101", "101", "101", "147",
	                                             "751", "851", "461"};
	static const char *const languages[] = {"da", "da", "", "en"};
	memset(u, 0, sizeof *u);
	snprintf(u->id, sizeof u->id, "u%06d", i);
	snprintf(u->nickname, sizeof u->nickname, "%s", nick);
	u->birth_year = 1960 + (int)rng_below(2005 - 1960 + 1);
	unsigned g = rng_below(100);
	snprintf(u->gender, sizeof u->gender, "%s", g < 70 ? "male" : g < 95 ? "female" : "other");
	snprintf(u->municipality, sizeof u->municipality, "%s",
	         municipalities[rng_below(COUNT_OF(municipalities))]);
	snprintf(u->consent_version, sizeof u->consent_version, "2024-1");
	u->consent_ms = T_START - (int64_t)rng_below(1000) * 86400000;
	snprintf(u->language, sizeof u->language, "%s", languages[rng_below(COUNT_OF(languages))]);
}

/* Byte length of the first k code points of s (all of s when it is shorter). */
static size_t utf8_prefix(const char *s, int k)
{
	size_t i = 0;
	int seen = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (seen == k)
				break;
			seen++;
		}
	}
	return i;
}

static int utf8_chars(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* ---- statistics ---- */

typedef struct stats {
	int n;
	double mean, p50, p90, p99, max; /* microseconds */
} stats;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted ns values, in microseconds. */
static double pct(const int64_t *sorted, int n, double p)
{
	int rank = (int)((p / 100.0) * n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)sorted[rank - 1] / 1000.0;
}

/* Sorts ns in place. */
static stats stats_of(int64_t *ns, int n)
{
	stats s = {.n = n};
	if (n == 0)
		return s;
	qsort(ns, (size_t)n, sizeof *ns, cmp_i64);
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += (double)ns[i];
	s.mean = sum / n / 1000.0;
	s.p50 = pct(ns, n, 50);
	s.p90 = pct(ns, n, 90);
	s.p99 = pct(ns, n, 99);
	s.max = (double)ns[n - 1] / 1000.0;
	return s;
}

/* ---- machine ---- */

static void cpu_model(char *out, size_t n)
{
	snprintf(out, n, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) && strncmp(line, "Hardware", 8) &&
		    strncmp(line, "cpu model", 9))
			continue;
		const char *v = strchr(line, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		snprintf(out, n, "%.*s", (int)strcspn(v, "\n"), v);
		break;
	}
	fclose(f);
}

static const char *fs_name(unsigned long type)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} known[] = {
	        {0xEF53, "ext2/3/4"},  {0x58465342, "xfs"},       {0x9123683E, "btrfs"},
	        {0x01021994, "tmpfs"}, {0x794C7630, "overlayfs"}, {0x2FC12FC1, "zfs"},
	        {0x6969, "nfs"},       {0xF2F52010, "f2fs"},      {0x01021997, "9p"},
	        {0x65735546, "fuse"},  {0x858458F6, "ramfs"},     {0x4D44, "vfat"},
	        {0x5346544E, "ntfs"},  {0xFF534D42, "cifs"},      {0x73717368, "squashfs"},
	};
	for (size_t i = 0; i < COUNT_OF(known); i++)
		if (known[i].magic == type)
			return known[i].name;
	return "unknown";
}

static void print_machine(const char *dir)
{
	struct utsname un;
	char cpu[256];
	cpu_model(cpu, sizeof cpu);
	if (uname(&un) == 0)
		printf("  machine     %s %s %s\n", un.sysname, un.release, un.machine);
	printf("  cpu         %s, %ld cores online\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
	struct statfs sf;
	if (statfs(dir, &sf) == 0) {
		unsigned long type = (unsigned long)sf.f_type;
		printf("  db dir      %s (%s, f_type 0x%lx)\n", dir, fs_name(type), type);
		if (type == 0x01021994 || type == 0x858458F6)
			printf("  WARNING     fsync is free on a RAM filesystem; pass a directory "
			       "on a "
			       "real disk as argv[1]\n");
	} else {
		printf("  db dir      %s (statfs: %s)\n", dir, strerror(errno));
	}
	printf("  sqlite      %s, WAL + synchronous=FULL (ank_db_open)\n", sqlite3_libversion());
#ifndef __OPTIMIZE__
	printf("  WARNING     built without optimisation; use the bench preset\n");
#endif
}

/* ---- setup ---- */

static int fail(const char *what, const char *msg)
{
	fprintf(stderr, "bench_queue: %s: %s\n", what, msg);
	return -1;
}

static void add_station(ank_station *st, int *n, const char *id, ank_station_type type,
                        bool assisted)
{
	ank_station *s = &st[*n];
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", id);
	snprintf(s->label, sizeof s->label, "%s", id);
	s->type = type;
	s->assisted = assisted;
	s->sort = (*n)++;
}

/* A site open all day every day with both routes and the four stations of the tests. */
static int apply_site(ank_queue *q)
{
	ank_site_config c;
	memset(&c, 0, sizeof c);
	snprintf(c.site_id, sizeof c.site_id, "bench");
	snprintf(c.name, sizeof c.name, "Benchrummet");
	snprintf(c.timezone, sizeof c.timezone, "Europe/Copenhagen");
	c.routes[ANK_ROUTE_INJECT] = c.routes[ANK_ROUTE_SMOKE] = true;
	c.assisted = true;
	snprintf(c.languages, sizeof c.languages, "da,en");
	c.day_start_min = 5 * 60;
	c.auto_call = true;
	c.grace_min = 5;
	c.warn_min = 20;
	c.alarm_min = 30;
	c.clean_after_session = true;
	for (int d = 0; d < 7; d++) {
		c.hours[d].open_min = 0;
		c.hours[d].close_min = 1440;
	}
	ank_station st[N_STATIONS];
	int n = 0;
	add_station(st, &n, "i1", ANK_STATION_INJECT, true);
	add_station(st, &n, "i2", ANK_STATION_INJECT, false);
	add_station(st, &n, "s1", ANK_STATION_SMOKE, false);
	add_station(st, &n, "f1", ANK_STATION_FLEX, false);
	ank_err err = {{0}};
	if (ank_queue_apply_config(q, &c, st, n, T_START - 3600000, &err) != ANK_Q_OK)
		return fail("apply config", err.msg);
	return 0;
}

static int load_registry(ank_queue *q, nick_t *nicks, double *seconds)
{
	ank_store *st = ank_queue_store(q);
	ank_err err = {{0}};
	int64_t t0 = ank_mono_ns();
	if (ank_store_begin(st, &err))
		return fail("begin", err.msg);
	for (int i = 0; i < N_USERS; i++) {
		ank_user u;
		make_nick(nicks[i], sizeof nicks[i]);
		make_user(i, nicks[i], &u);
		if (ank_store_user_upsert(st, &u, &err)) {
			ank_store_rollback(st);
			return fail(u.nickname, err.msg);
		}
	}
	if (ank_store_commit(st, &err))
		return fail("commit", err.msg);
	*seconds = (double)(ank_mono_ns() - t0) / 1e9;
	return 0;
}

/* ---- 1. nickname search ---- */

/* Typists by how many users hold their (folded) nickname: 1, 2..ANK_SEARCH_MAX, more. */
enum { HOLDERS_ONE, HOLDERS_FEW, HOLDERS_MANY, HOLDERS_N };

typedef struct search_result {
	stats s;
	int typists[HOLDERS_N];
	int listed[HOLDERS_N]; /* typists who saw their own user after the last prefix */
} search_result;

/* Users sharing the folded nickname of user `id`, as same_name counts them; -1 on error. */
static int holders(ank_queue *q, const char *id)
{
	sqlite3 *db = ank_store_db(ank_queue_store(q));
	sqlite3_stmt *s = NULL;
	int n = -1;
	if (sqlite3_prepare_v2(db,
	                       "SELECT count(*) FROM registry WHERE name_key ="
	                       " (SELECT name_key FROM registry WHERE id = ?)",
	                       -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Types the nicknames of `typists` random users letter by letter; records into ns when
 * not NULL. Returns the number of calls, or -1. */
static int type_names(ank_queue *q, const nick_t *nicks, int typists, int64_t *ns, search_result *r)
{
	int calls = 0;
	for (int t = 0; t < typists; t++) {
		int who = (int)rng_below(N_USERS);
		const char *nick = nicks[who];
		int chars = utf8_chars(nick);
		int last = chars < MAX_TYPED ? chars : MAX_TYPED;
		ank_match m[ANK_SEARCH_MAX];
		int n = 0;
		for (int k = MIN_TYPED; k <= last; k++) {
			char typed[ANK_NICK_MAX_BYTES + 1];
			size_t len = utf8_prefix(nick, k);
			memcpy(typed, nick, len);
			typed[len] = '\0';
			ank_err err = {{0}};
			int64_t t0 = ank_mono_ns();
			ank_q_rc rc = ank_queue_search(q, typed, m, &n, NULL, &err);
			int64_t dt = ank_mono_ns() - t0;
			if (rc != ANK_Q_OK)
				return fail(typed, err.msg);
			if (ns)
				ns[calls] = dt;
			calls++;
		}
		if (!r)
			continue;
		char id[16];
		snprintf(id, sizeof id, "u%06d", who);
		int h = holders(q, id);
		if (h < 1)
			return fail(id, "cannot count the users sharing the nickname");
		int cls = h == 1 ? HOLDERS_ONE : h <= ANK_SEARCH_MAX ? HOLDERS_FEW : HOLDERS_MANY;
		r->typists[cls]++;
		/* A shared name is one match standing for all its holders (then the birth
		 * year picks the user), so the typist is served when their name is listed. */
		bool listed = false;
		for (int i = 0; i < n; i++)
			listed = listed || !strcmp(m[i].nickname, nick);
		r->listed[cls] += listed;
	}
	return calls;
}

static int bench_search(ank_queue *q, const nick_t *nicks, search_result *r)
{
	memset(r, 0, sizeof *r);
	if (type_names(q, nicks, N_WARM_TYPISTS, NULL, NULL) < 0)
		return -1;
	int64_t *ns = malloc(sizeof *ns * N_TYPISTS * (MAX_TYPED - MIN_TYPED + 1));
	if (!ns)
		return fail("search", "out of memory");
	int calls = type_names(q, nicks, N_TYPISTS, ns, r);
	if (calls >= 0)
		r->s = stats_of(ns, calls);
	free(ns);
	return calls < 0 ? -1 : 0;
}

/* One random edit (substitute, delete, insert, swap) at an ASCII position of s, in place;
 * false when s has no ASCII letter to edit. */
static bool one_edit(char *s, size_t cap)
{
	size_t len = strlen(s), pos[ANK_NICK_MAX_BYTES];
	int np = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			pos[np++] = i;
	if (np == 0 || len + 2 > cap)
		return false;
	size_t p = pos[rng_below((unsigned)np)];
	char c = (char)('a' + rng_below(26));
	switch (rng_below(4)) {
	case 0: /* substitute */
		s[p] = c == s[p] ? (char)(c == 'z' ? 'a' : c + 1) : c;
		break;
	case 1: /* delete */
		memmove(s + p, s + p + 1, len - p);
		break;
	case 2: /* insert */
		memmove(s + p + 1, s + p, len - p + 1);
		s[p] = c;
		break;
	default: /* swap with the next byte when that is ASCII too, else substitute */
		if (p + 1 < len && s[p + 1] >= 'a' && s[p + 1] <= 'z' && s[p + 1] != s[p]) {
			char t = s[p];
			s[p] = s[p + 1];
			s[p + 1] = t;
		} else {
			s[p] = c == s[p] ? (char)(c == 'z' ? 'a' : c + 1) : c;
		}
	}
	return true;
}

/* Typists who make one typo in the first 3..MAX_TYPED letters of their name: one search
 * each, timed. r->listed[0] counts those whose name was among the matches. */
static int bench_typos(ank_queue *q, const nick_t *nicks, search_result *r)
{
	memset(r, 0, sizeof *r);
	int64_t *ns = malloc(sizeof *ns * N_TYPO_TYPISTS);
	if (!ns)
		return fail("typos", "out of memory");
	int calls = 0;
	for (int t = 0; t < N_TYPO_TYPISTS; t++) {
		const char *nick = nicks[rng_below(N_USERS)];
		int chars = utf8_chars(nick);
		int k = chars < MAX_TYPED ? chars : MAX_TYPED;
		if (k < 3)
			continue;
		char typed[ANK_NICK_MAX_BYTES + 4];
		size_t len = utf8_prefix(nick, k);
		memcpy(typed, nick, len);
		typed[len] = '\0';
		if (!one_edit(typed, sizeof typed) || ank_text_word_chars(typed) < 3)
			continue;
		ank_match m[ANK_SEARCH_MAX];
		int n = 0;
		ank_err err = {{0}};
		int64_t t0 = ank_mono_ns();
		ank_q_rc rc = ank_queue_search(q, typed, m, &n, NULL, &err);
		ns[calls++] = ank_mono_ns() - t0;
		if (rc != ANK_Q_OK) {
			free(ns);
			return fail(typed, err.msg);
		}
		r->typists[0]++;
		for (int i = 0; i < n; i++)
			if (!strcmp(m[i].nickname, nick)) {
				r->listed[0]++;
				break;
			}
	}
	r->s = stats_of(ns, calls);
	free(ns);
	return 0;
}

/* The check after the nickname (ank_queue_check_person) for random users, all allowed, so
 * it writes nothing: the wait between tapping the name and the substance screen. */
static int bench_person(ank_queue *q, stats *out)
{
	int64_t *ns = malloc(sizeof *ns * N_PERSON_CHECKS);
	if (!ns)
		return fail("person check", "out of memory");
	for (int i = 0; i < N_PERSON_CHECKS; i++) {
		char id[16];
		snprintf(id, sizeof id, "u%06d", (int)rng_below(N_USERS));
		ank_checkin_result res;
		ank_err err = {{0}};
		int64_t t0 = ank_mono_ns();
		ank_q_rc rc = ank_queue_check_person(q, id, T_START, &res, &err);
		ns[i] = ank_mono_ns() - t0;
		if (rc != ANK_Q_OK) {
			free(ns);
			return fail(id,
			            rc == ANK_Q_REFUSED ? ank_refusal_code(res.refusal) : err.msg);
		}
	}
	*out = stats_of(ns, N_PERSON_CHECKS);
	free(ns);
	return 0;
}

/* ---- 2. issuance against the baseline ---- */

typedef struct issue_ctx {
	ank_queue *q;
	int64_t now;
	int next_user;                 /* k-th distinct user: (k * 37) % N_USERS */
	int64_t line[QUEUE_DEPTH + 1]; /* FIFO of waiting ticket ids */
	int line_n;
	sqlite3 *base;
	sqlite3_stmt *ins;
	int64_t base_id;
} issue_ctx;

static const char *const substances[] = {"heroin", "cocaine", "crack", "amphetamine", "methadone"};

static ank_q_rc checkin(issue_ctx *c, ank_route route, ank_checkin_result *res, int64_t *ns,
                        ank_err *err)
{
	char user[16];
	snprintf(user, sizeof user, "u%06d", (c->next_user++ * 37) % N_USERS);
	ank_checkin in = {.user_id = user,
	                  .substance = substances[rng_below(COUNT_OF(substances))],
	                  .route = route};
	c->now += STEP_MS;
	int64_t t0 = ank_mono_ns();
	ank_q_rc rc = ank_queue_checkin(c->q, &in, c->now, res, err);
	if (ns)
		*ns = ank_mono_ns() - t0;
	return rc;
}

static int command(issue_ctx *c, ank_cmd_type type, int64_t ticket)
{
	ank_cmd cmd = {.type = type, .ticket_id = ticket};
	ank_err err = {{0}};
	c->now += STEP_MS;
	if (ank_queue_command(c->q, &cmd, c->now, NULL, &err) != ANK_Q_OK)
		return fail(ank_cmd_code(type), err.msg);
	return 0;
}

/* Every station busy with a session and QUEUE_DEPTH people waiting: the peak hour, when
 * each check-in issues a ticket and estimates its wait (the slowest success path). */
static int busy_room(issue_ctx *c)
{
	static const ank_route fill[N_STATIONS] = {ANK_ROUTE_INJECT, ANK_ROUTE_INJECT,
	                                           ANK_ROUTE_SMOKE, ANK_ROUTE_INJECT};
	for (int i = 0; i < N_STATIONS; i++) {
		ank_checkin_result res;
		ank_err err = {{0}};
		if (checkin(c, fill[i], &res, NULL, &err) != ANK_Q_OK)
			return fail("fill station", err.msg);
		if (res.ticket.state != ANK_TS_CALLED)
			return fail("fill station", "ticket was not called to a free station");
		if (command(c, ANK_CMD_START, res.ticket.id))
			return -1;
	}
	for (int i = 0; i < QUEUE_DEPTH; i++) {
		ank_checkin_result res;
		ank_err err = {{0}};
		if (checkin(c, (ank_route)rng_below(ANK_ROUTE_COUNT), &res, NULL, &err) != ANK_Q_OK)
			return fail("fill queue", err.msg);
		c->line[c->line_n++] = res.ticket.id;
	}
	return 0;
}

static int issue_block(issue_ctx *c, int64_t *ns, int *ahead_sum)
{
	for (int i = 0; i < BLOCK; i++) {
		ank_checkin_result res;
		ank_err err = {{0}};
		ank_q_rc rc = checkin(c, (ank_route)rng_below(ANK_ROUTE_COUNT), &res, &ns[i], &err);
		if (rc != ANK_Q_OK)
			return fail(ank_q_strerror(rc),
			            rc == ANK_Q_REFUSED ? ank_refusal_code(res.refusal) : err.msg);
		if (res.ticket.state != ANK_TS_WAITING)
			return fail("issue", "ticket did not wait although every station is busy");
		*ahead_sum += res.ahead;
		/* Untimed: the oldest waiting ticket leaves, so the line stays QUEUE_DEPTH long. */
		c->line[c->line_n++] = res.ticket.id;
		if (command(c, ANK_CMD_CANCEL, c->line[0]))
			return -1;
		memmove(c->line, c->line + 1, sizeof c->line[0] * (size_t)(--c->line_n));
	}
	return 0;
}

static int base_open(issue_ctx *c, const char *path)
{
	ank_err err = {{0}};
	if (ank_db_open(path, &c->base, &err))
		return fail(path, err.msg);
	if (ank_db_exec(c->base,
	                "CREATE TABLE ticket(id INTEGER PRIMARY KEY, day TEXT NOT NULL,"
	                " number INTEGER NOT NULL, label TEXT NOT NULL, user_id TEXT NOT NULL,"
	                " helper_id TEXT NOT NULL DEFAULT '', women INTEGER NOT NULL,"
	                " route TEXT NOT NULL, substance TEXT NOT NULL, state TEXT NOT NULL,"
	                " station_id TEXT NOT NULL DEFAULT '', queue_key INTEGER NOT NULL,"
	                " created_ms INTEGER NOT NULL)",
	                &err) != SQLITE_OK)
		return fail("baseline schema", err.msg);
	if (sqlite3_prepare_v2(c->base,
	                       "INSERT INTO ticket(day, number, label, user_id, helper_id, women,"
	                       " route, substance, state, station_id, queue_key, created_ms)"
	                       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	                       -1, &c->ins, NULL) != SQLITE_OK)
		return fail("baseline prepare", sqlite3_errmsg(c->base));
	return 0;
}

/* One ticket-shaped row per BEGIN IMMEDIATE..COMMIT: the floor any durable issue pays. */
static int base_block(issue_ctx *c, int64_t *ns)
{
	for (int i = 0; i < BLOCK; i++) {
		char label[16], user[16];
		int num = (int)++c->base_id;
		snprintf(label, sizeof label, "I-%03d", num);
		snprintf(user, sizeof user, "u%06d", num % N_USERS);
		ank_err err = {{0}};
		int64_t t0 = ank_mono_ns();
		if (ank_db_exec(c->base, "BEGIN IMMEDIATE", &err) != SQLITE_OK)
			return fail("baseline begin", err.msg);
		sqlite3_stmt *s = c->ins;
		sqlite3_bind_text(s, 1, "2026-11-23", -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, num);
		sqlite3_bind_text(s, 3, label, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 4, user, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 5, "", -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, 0);
		sqlite3_bind_text(s, 7, "inject", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 8, "heroin", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, "waiting", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 10, "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 11, T_START + num);
		sqlite3_bind_int64(s, 12, T_START + num);
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return fail("baseline insert", sqlite3_errmsg(c->base));
		if (ank_db_exec(c->base, "COMMIT", &err) != SQLITE_OK)
			return fail("baseline commit", err.msg);
		ns[i] = ank_mono_ns() - t0;
	}
	return 0;
}

typedef struct issue_result {
	stats base, issue;
	double ahead_mean;
} issue_result;

static int bench_issue(ank_queue *q, const char *base_path, issue_result *r)
{
	issue_ctx c = {.q = q, .now = T_START};
	int64_t *base_ns = malloc(sizeof(int64_t) * N_ISSUE);
	int64_t *issue_ns = malloc(sizeof(int64_t) * N_ISSUE);
	int rc = -1, ahead_sum = 0;
	if (!base_ns || !issue_ns) {
		fail("issue", "out of memory");
		goto out;
	}
	if (base_open(&c, base_path) || busy_room(&c))
		goto out;
	for (int b = 0; b < N_BLOCKS; b++) {
		/* Alternate which side goes first so neither always follows the other's fsync. */
		bool base_first = b % 2 == 0;
		if (base_first && base_block(&c, base_ns + b * BLOCK))
			goto out;
		if (issue_block(&c, issue_ns + b * BLOCK, &ahead_sum))
			goto out;
		if (!base_first && base_block(&c, base_ns + b * BLOCK))
			goto out;
	}
	r->base = stats_of(base_ns, N_ISSUE);
	r->issue = stats_of(issue_ns, N_ISSUE);
	r->ahead_mean = (double)ahead_sum / N_ISSUE;
	rc = 0;
out:
	sqlite3_finalize(c.ins);
	sqlite3_close_v2(c.base);
	free(base_ns);
	free(issue_ns);
	return rc;
}

/* ---- driver ---- */

/* dir/name into out[PATH_MAX]; -1 when it does not fit. */
static int path_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char path[PATH_MAX];
			if (path_join(path, dir, e->d_name) || unlink(path))
				fprintf(stderr, "bench_queue: cannot remove %s: %s\n", path,
				        strerror(errno));
		}
		closedir(d);
	}
	if (rmdir(dir))
		fprintf(stderr, "bench_queue: cannot remove %s: %s\n", dir, strerror(errno));
}

static void print_stats(const char *what, const stats *s)
{
	printf("  %-22s n=%-6d mean %8.1f  p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f us\n", what,
	       s->n, s->mean, s->p50, s->p90, s->p99, s->max);
}

static int run(const char *dir)
{
	char site[PATH_MAX], base[PATH_MAX];
	if (path_join(site, dir, "site.db") || path_join(base, dir, "baseline.db"))
		return fail(dir, "path too long");
	ank_queue *q = NULL;
	ank_err err = {{0}};
	nick_t *nicks = calloc(N_USERS, sizeof *nicks);
	search_result sr = {0}, tr = {0};
	stats pr = {0};
	issue_result ir = {0};
	double load_s = 0;
	int rc = -1;
	if (!nicks) {
		fail("registry", "out of memory");
		goto out;
	}
	if (ank_queue_open(site, &q, &err) != ANK_Q_OK) {
		fail(site, err.msg);
		goto out;
	}
	if (apply_site(q) || load_registry(q, nicks, &load_s) || bench_search(q, nicks, &sr) ||
	    bench_typos(q, nicks, &tr) || bench_person(q, &pr) || bench_issue(q, base, &ir))
		goto out;

	double ratio_mean = ir.issue.mean / ir.base.mean;
	double ratio_p50 = ir.issue.p50 / ir.base.p50;
	printf("\nregistry: %d users upserted in one transaction in %.2f s\n", N_USERS, load_s);
	printf("\n1. nickname search (ank_queue_search), %d typists, prefixes of %d..%d letters, "
	       "after %d warm-up typists\n",
	       N_TYPISTS, MIN_TYPED, MAX_TYPED, N_WARM_TYPISTS);
	print_stats("search", &sr.s);
	printf("  own name among the %d matches after the last prefix, by users holding the "
	       "name:\n    only them %d of %d, 2-%d holders %d of %d, more %d of %d\n",
	       ANK_SEARCH_MAX, sr.listed[HOLDERS_ONE], sr.typists[HOLDERS_ONE], ANK_SEARCH_MAX,
	       sr.listed[HOLDERS_FEW], sr.typists[HOLDERS_FEW], sr.listed[HOLDERS_MANY],
	       sr.typists[HOLDERS_MANY]);
	printf("  target p99 <= %.0f us: %s\n", SEARCH_P99_TARGET_US,
	       sr.s.p99 <= SEARCH_P99_TARGET_US ? "met" : "MISSED");
	printf("\n1b. one typo in the first 3..%d letters (one search each, %d typists)\n",
	       MAX_TYPED, tr.typists[0]);
	print_stats("typo search", &tr.s);
	printf("  own name among the matches: %d of %d; target p99 <= %.0f us: %s\n", tr.listed[0],
	       tr.typists[0], SEARCH_P99_TARGET_US,
	       tr.s.p99 <= SEARCH_P99_TARGET_US ? "met" : "MISSED");
	printf("\n1c. person check after the nickname (ank_queue_check_person), %d random users, "
	       "none refused\n",
	       N_PERSON_CHECKS);
	print_stats("person check", &pr);
	printf("\n2. durable ticket issuance, %d each, interleaved in %d alternating blocks of %d "
	       "so disk noise hits both\n",
	       N_ISSUE, N_BLOCKS, BLOCK);
	printf("  baseline: one %s row per BEGIN IMMEDIATE..COMMIT, prepared once, own file\n",
	       "13-column ticket");
	printf("  issuance: ank_queue_checkin with all %d stations in session and %d waiting "
	       "(mean ahead %.1f);\n            the cancel keeping the line steady is untimed\n",
	       N_STATIONS, QUEUE_DEPTH, ir.ahead_mean);
	print_stats("baseline insert+commit", &ir.base);
	print_stats("ank_queue_checkin", &ir.issue);
	printf("  ratio issuance/baseline: mean %.2f, p50 %.2f; target <= %.1f: %s\n", ratio_mean,
	       ratio_p50, RATIO_TARGET,
	       ratio_mean <= RATIO_TARGET && ratio_p50 <= RATIO_TARGET ? "met" : "MISSED");
	printf("\n");
	printf("bench: registry_load=%.3f s\n", load_s);
	printf("bench: search_calls=%d count\n", sr.s.n);
	printf("bench: search_p50=%.1f us\n", sr.s.p50);
	printf("bench: search_p90=%.1f us\n", sr.s.p90);
	printf("bench: search_p99=%.1f us\n", sr.s.p99);
	printf("bench: search_max=%.1f us\n", sr.s.max);
	printf("bench: typo_search_p50=%.1f us\n", tr.s.p50);
	printf("bench: typo_search_p99=%.1f us\n", tr.s.p99);
	printf("bench: typo_search_max=%.1f us\n", tr.s.max);
	printf("bench: person_check_p50=%.1f us\n", pr.p50);
	printf("bench: person_check_p99=%.1f us\n", pr.p99);
	printf("bench: baseline_mean=%.1f us\n", ir.base.mean);
	printf("bench: baseline_p50=%.1f us\n", ir.base.p50);
	printf("bench: baseline_p99=%.1f us\n", ir.base.p99);
	printf("bench: issue_mean=%.1f us\n", ir.issue.mean);
	printf("bench: issue_p50=%.1f us\n", ir.issue.p50);
	printf("bench: issue_p99=%.1f us\n", ir.issue.p99);
	printf("bench: issue_ratio_mean=%.2f x\n", ratio_mean);
	printf("bench: issue_ratio_p50=%.2f x\n", ratio_p50);
	rc = 0;
out:
	ank_queue_close(q);
	free(nicks);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "usage: %s [directory for the databases]\n", argv[0]);
		return 2;
	}
	setenv("TZ", "Europe/Copenhagen", 1);
	tzset();
	const char *parent = argc > 1 ? argv[1] : getenv("TMPDIR");
	if (!parent || !parent[0])
		parent = "/tmp";
	char dir[PATH_MAX];
	if ((size_t)snprintf(dir, sizeof dir, "%s/ank-bench-XXXXXX", parent) >= sizeof dir) {
		fprintf(stderr, "bench_queue: directory name too long\n");
		return 1;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_queue: mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("Ankomst queue benchmark\n");
	print_machine(dir);
	fflush(stdout);
	int rc = run(dir);
	remove_tree(dir);
	return rc ? 1 : 0;
}
