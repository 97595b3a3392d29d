/* Load driver for the central benchmark (tests/bench/bench_central.sh): pairs kiosks, posts
 * event batches against a bare SQLite baseline, hammers /healthz, and holds many long-polls
 * while reading the server's memory, all over raw HTTP/1.1 keep-alive sockets on loopback. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"

/* A batch as the kiosk sends it: the protocol's maximum (ANK_PROTO_MAX_BATCH). */
#define BATCH 100
/* Not recorded before the /healthz window: connections and caches settle. */
#define HEALTHZ_WARMUP_NS 500000000LL
/* Central is "holding" the long-polls once its CPU time has not moved for this many
 * samples of HOLD_SAMPLE_MS: every connection thread then sleeps on the change signal. */
#define HOLD_QUIET_SAMPLES 3
#define HOLD_SAMPLE_MS     200
#define HOLD_SETTLE_MAX_S  30

/* The event table of server-sync/central/cstore.c, verbatim, for the baseline. */
static const char event_ddl[] =
        "CREATE TABLE IF NOT EXISTS event(kiosk TEXT NOT NULL, seq INTEGER NOT NULL,"
        " event_id TEXT NOT NULL, type TEXT NOT NULL, kiosk_ms INTEGER NOT NULL,"
        " received_ms INTEGER NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (kiosk, seq))"
        " WITHOUT ROWID;";

static const char usage[] =
        "usage: bench_central COMMAND [OPTIONS]\n"
        "  pair --port P --codes FILE --out FILE\n"
        "      pairs one kiosk per code line; writes \"KIOSK TOKEN\" lines\n"
        "  ingest --port P --kiosks FILE --db BASELINE --events N --first-seq S\n"
        "         [--block N] [--stream visit|issued] [--label NAME]\n"
        "      posts N ticket events in batches of 100 as the first kiosk of FILE,\n"
        "      interleaved in blocks with the same rows inserted straight into BASELINE\n"
        "  healthz --port P [--threads 4] [--seconds 10] [--pid PID] [--label NAME]\n"
        "      GET /healthz on keep-alive connections, one per thread; with --pid, the\n"
        "      server's CPU time per request too\n"
        "  hold --port P --pid PID --kiosks FILE [--wait 25] [--since 0]\n"
        "       [--login USER:PASSWORD --trigger PATH --trigger-body JSON]\n"
        "      opens a long-poll per kiosk of FILE, reads PID's memory while they are held,\n"
        "      then (with --trigger) adds a change through the staff API and times the answers\n"
        "  bodies --events N --out FILE [--stream visit|issued]\n"
        "      writes the batch bodies of the first N events, one a line (for bench_decode)\n";

/* ---- small helpers (the rest are in benchlib.c) ---- */

const char bench_prog[] = "bench_central";

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Reports one figure in the line format bench_central.sh collects. */
static void report(const char *label, const char *key, double v, const char *unit)
{
	printf("bench: %s%s%s=%.6g %s\n", label, *label ? "_" : "", key, v, unit);
	fflush(stdout);
}

/* The kiosks file of the pair command, "KIOSK TOKEN" per line; malloc'd, the caller frees it. */
static kiosk *kiosks_of(const char *path, size_t *n)
{
	kiosk *k = read_kiosks(path, false, n);
	if (!*n)
		die("%s: no kiosks", path);
	return k;
}

/* ---- pair ---- */

static int cmd_pair(int port, const char *codes, const char *out)
{
	FILE *in = fopen(codes, "r"), *o = fopen(out, "w");
	if (!in || !o)
		die("cannot open %s or %s", codes, out);
	http h;
	http_connect(&h, port);
	char line[128];
	int n = 0;
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		char body[160];
		snprintf(body, sizeof body, "{\"v\":1,\"code\":\"%s\"}", line);
		size_t len;
		char *req = request(&len, "POST", "/api/v1/pair", "", body);
		http_send(&h, req, len);
		free(req);
		http_recv(&h);
		json_t *j = http_json(&h);
		const char *k = NULL, *t = NULL;
		if (h.status != 200 || json_unpack(j, "{s:s, s:s}", "kiosk", &k, "token", &t))
			die("pairing with code %s answered %d", line, h.status);
		fprintf(o, "%s %s\n", k, t);
		json_decref(j);
		http_consume(&h);
		n++;
	}
	http_close(&h);
	fclose(in);
	if (fclose(o))
		die("cannot write %s", out);
	fprintf(stderr, "bench_central: kiosks paired: %d\n", n);
	return 0;
}

/* ---- ingest ---- */

static void sql_ok(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		die("sqlite %s: %s", what, sqlite3_errmsg(db));
}

/* One baseline batch: what central's ingest must do at least, one transaction of 100 rows. */
static void baseline_batch(sqlite3 *db, sqlite3_stmt *put, const char *kiosk_id, const ev_row *r)
{
	sql_ok(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
	long long received = wall_ms();
	for (int i = 0; i < BATCH; i++) {
		sqlite3_bind_text(put, 1, kiosk_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(put, 2, r[i].seq);
		sqlite3_bind_text(put, 3, r[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(put, 4, r[i].type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(put, 5, r[i].at_ms);
		sqlite3_bind_int64(put, 6, received);
		sqlite3_bind_text(put, 7, r[i].payload, -1, SQLITE_STATIC);
		sql_ok(db, sqlite3_step(put), "insert");
		sqlite3_reset(put);
	}
	sql_ok(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
}

/* The HTTP request of one batch, built before the clock starts: the kiosk's encoding is
 * not central's cost. */
static char *batch_request(const kiosk *k, const ev_row *r, size_t *len)
{
	char *body = ev_batch_body(k->id, r, BATCH);
	char auth[160];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", k->token);
	char *req = request(len, "POST", "/api/v1/sync/events", auth, body);
	free(body);
	return req;
}

/* Writes the bodies of `events` events of the stream, one batch a line, for bench_decode. */
static int cmd_bodies(int events, ev_stream st, const char *out)
{
	if (events % BATCH)
		die("--events must be a multiple of %d", BATCH);
	FILE *o = fopen(out, "w");
	ev_row *r = malloc(BATCH * sizeof *r);
	if (!o || !r)
		die("cannot write %s", out);
	for (int b = 0; b < events / BATCH; b++) {
		for (int i = 0; i < BATCH; i++)
			ev_make((long long)b * BATCH + i + 1, st, &r[i]);
		char *body = ev_batch_body("k-bench", r, BATCH);
		fprintf(o, "%s\n", body);
		free(body);
	}
	free(r);
	if (fclose(o))
		die("cannot write %s", out);
	return 0;
}

static void central_batch(http *h, const char *req, size_t len, long long last_seq)
{
	http_send(h, req, len);
	http_recv(h);
	if (h->status != 200)
		die("events answered %d: %.300s", h->status, h->buf + h->head_len);
	json_t *j = http_json(h);
	json_int_t acked = -1;
	if (json_unpack(j, "{s:I}", "acked", &acked) || acked != last_seq)
		die("events acked %lld, expected %lld", (long long)acked, last_seq);
	json_decref(j);
	http_consume(h);
}

static void report_side(const char *label, const char *side, long long *ns, int n, int events)
{
	long long total = 0;
	for (int i = 0; i < n; i++)
		total += ns[i];
	qsort(ns, (size_t)n, sizeof *ns, cmp_ll);
	char key[64];
	snprintf(key, sizeof key, "%s_eps", side);
	report(label, key, events / ((double)total / 1e9), "events/s");
	snprintf(key, sizeof key, "%s_batch_p50_ms", side);
	report(label, key, (double)pct(ns, (size_t)n, 50) / 1e6, "ms");
	snprintf(key, sizeof key, "%s_batch_p99_ms", side);
	report(label, key, (double)pct(ns, (size_t)n, 99) / 1e6, "ms");
}

static int cmd_ingest(int port, const char *kiosks, const char *dbpath, int events,
                      long long first_seq, int block, ev_stream st, const char *label)
{
	if (events % BATCH || block % BATCH || events % block)
		die("--events and --block must be multiples of %d, events of block", BATCH);
	size_t nk;
	kiosk *k = kiosks_of(kiosks, &nk);
	int nb = events / BATCH;
	ev_row *rows = malloc((size_t)events * sizeof *rows);
	char **reqs = calloc((size_t)nb, sizeof *reqs);
	size_t *lens = calloc((size_t)nb, sizeof *lens);
	long long *t_base = calloc((size_t)nb, sizeof *t_base);
	long long *t_central = calloc((size_t)nb, sizeof *t_central);
	if (!rows || !reqs || !lens || !t_base || !t_central)
		die("out of memory");
	size_t payload_bytes = 0, body_bytes = 0;
	for (int i = 0; i < events; i++) {
		ev_make(first_seq + i, st, &rows[i]);
		payload_bytes += strlen(rows[i].payload);
	}
	for (int b = 0; b < nb; b++) {
		reqs[b] = batch_request(&k[0], &rows[b * BATCH], &lens[b]);
		body_bytes += lens[b];
	}

	sqlite3 *db;
	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		die("cannot open %s", dbpath);
	/* The settings of common/ank_db.c: the same durability as central. */
	sql_ok(db,
	       sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
	                    NULL),
	       "pragmas");
	sql_ok(db, sqlite3_exec(db, event_ddl, NULL, NULL, NULL), "create");
	sqlite3_stmt *put;
	sql_ok(db,
	       sqlite3_prepare_v2(db,
	                          "INSERT INTO event(kiosk, seq, event_id, type, kiosk_ms,"
	                          " received_ms, payload) VALUES (?,?,?,?,?,?,?)",
	                          -1, &put, NULL),
	       "prepare");
	http h;
	http_connect(&h, port);

	/* Alternating blocks, each side first in every other one, so that a slow spell of the
	 * shared disk falls on both. */
	int per_block = block / BATCH;
	for (int b0 = 0; b0 < nb; b0 += per_block) {
		for (int side = 0; side < 2; side++) {
			bool central = (side == 0) == ((b0 / per_block) % 2 == 1);
			for (int b = b0; b < b0 + per_block; b++) {
				long long t0 = now_ns();
				if (central)
					central_batch(&h, reqs[b], lens[b],
					              rows[b * BATCH + BATCH - 1].seq);
				else
					baseline_batch(db, put, k[0].id, &rows[b * BATCH]);
				(central ? t_central : t_base)[b] = now_ns() - t0;
			}
		}
	}
	http_close(&h);
	sqlite3_finalize(put);
	sqlite3_close(db);

	report(label, "events", events, "events");
	report(label, "payload_mean_bytes", (double)payload_bytes / events, "bytes");
	report(label, "request_mean_bytes", (double)body_bytes / nb, "bytes");
	report_side(label, "baseline", t_base, nb, events);
	report_side(label, "central", t_central, nb, events);
	for (int b = 0; b < nb; b++)
		free(reqs[b]);
	free(reqs);
	free(lens);
	free(rows);
	free(t_base);
	free(t_central);
	free(k);
	return 0;
}

/* ---- healthz ---- */

static long long cpu_ticks(long pid);

typedef struct hz_thread {
	pthread_t th;
	int port;
	pthread_barrier_t *start;
	long long warm_until, until; /* monotonic ns, set before the barrier releases */
	long long *lat;              /* ns per recorded request */
	size_t n, cap;
} hz_thread;

static void *hz_run(void *arg)
{
	hz_thread *t = arg;
	http h;
	http_connect(&h, t->port);
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	pthread_barrier_wait(t->start);
	for (;;) {
		long long t0 = now_ns();
		if (t0 >= t->until)
			break;
		http_send(&h, req, sizeof req - 1);
		http_recv(&h);
		long long t1 = now_ns();
		if (h.status != 200)
			die("/healthz answered %d", h.status);
		http_consume(&h);
		if (t0 < t->warm_until)
			continue;
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 65536;
			t->lat = realloc(t->lat, t->cap * sizeof *t->lat);
			if (!t->lat)
				die("out of memory");
		}
		t->lat[t->n++] = t1 - t0;
	}
	http_close(&h);
	return NULL;
}

static int cmd_healthz(int port, int threads, int seconds, long pid, const char *label)
{
	hz_thread *t = calloc((size_t)threads, sizeof *t);
	pthread_barrier_t start;
	if (!t || pthread_barrier_init(&start, NULL, (unsigned)threads + 1))
		die("cannot start threads");
	for (int i = 0; i < threads; i++) {
		t[i].port = port;
		t[i].start = &start;
	}
	/* The window is set once every thread is connected, then all start together. */
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i].th, NULL, hz_run, &t[i]))
			die("cannot start a thread");
	long long now = now_ns();
	for (int i = 0; i < threads; i++) {
		t[i].warm_until = now + HEALTHZ_WARMUP_NS;
		t[i].until = t[i].warm_until + (long long)seconds * 1000000000LL;
	}
	pthread_barrier_wait(&start);
	/* The server's CPU time over the recorded window: what a request costs it, whatever
	 * share of the two cores the client threads take. */
	long long ticks0 = 0;
	if (pid) {
		long long wait_ns = t[0].warm_until - now_ns();
		if (wait_ns > 0)
			sleep_ms((long)(wait_ns / 1000000));
		ticks0 = cpu_ticks(pid);
	}
	size_t total = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i].th, NULL);
		total += t[i].n;
	}
	if (pid && total)
		report(label, "server_cpu_us_per_req",
		       (double)(cpu_ticks(pid) - ticks0) * 1e6 / (double)sysconf(_SC_CLK_TCK) /
		               (double)total,
		       "us");
	long long *all = malloc((total ? total : 1) * sizeof *all);
	if (!all)
		die("out of memory");
	size_t off = 0;
	for (int i = 0; i < threads; i++) {
		memcpy(all + off, t[i].lat, t[i].n * sizeof *all);
		off += t[i].n;
		free(t[i].lat);
	}
	qsort(all, total, sizeof *all, cmp_ll);
	report(label, "requests", (double)total, "requests");
	report(label, "rps", (double)total / seconds, "req/s");
	report(label, "p50_us", (double)pct(all, total, 50) / 1e3, "us");
	report(label, "p99_us", (double)pct(all, total, 99) / 1e3, "us");
	report(label, "max_us", (double)pct(all, total, 100) / 1e3, "us");
	pthread_barrier_destroy(&start);
	free(all);
	free(t);
	return 0;
}

/* ---- hold ---- */

typedef struct proc_status {
	long long rss_kb, hwm_kb, threads;
} proc_status;

static proc_status read_status(long pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		die("cannot read %s", path);
	proc_status st = {0, 0, 0};
	while (fgets(line, sizeof line, fp)) {
		long long *dst = !strncmp(line, "VmRSS:", 6)     ? &st.rss_kb
		                 : !strncmp(line, "VmHWM:", 6)   ? &st.hwm_kb
		                 : !strncmp(line, "Threads:", 8) ? &st.threads
		                                                 : NULL;
		if (!dst)
			continue;
		char *p = strchr(line, ':') + 1;
		*dst = strtoll(p, NULL, 10);
	}
	fclose(fp);
	return st;
}

/* utime + stime of the whole process in clock ticks, fields 14 and 15 of /proc/PID/stat. */
static long long cpu_ticks(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		die("cannot read %s", path);
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold spaces; the fields count from after its ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		die("cannot parse %s", path);
	p += 2; /* field 3 */
	for (int field = 3; field < 14; field++) {
		p = strchr(p, ' ');
		if (!p)
			die("cannot parse %s", path);
		p++;
	}
	char *end;
	long long ut = strtoll(p, &end, 10);
	long long stime = strtoll(end, NULL, 10);
	return ut + stime;
}

static void report_status(const char *when, proc_status st)
{
	char key[64];
	snprintf(key, sizeof key, "%s_rss_mib", when);
	report("central_hold", key, (double)st.rss_kb / 1024, "MiB");
	snprintf(key, sizeof key, "%s_hwm_mib", when);
	report("central_hold", key, (double)st.hwm_kb / 1024, "MiB");
	snprintf(key, sizeof key, "%s_threads", when);
	report("central_hold", key, (double)st.threads, "threads");
}

/* Logs in on a connection of its own and returns the headers (Cookie and X-CSRF-Token) that
 * authorise staff calls, malloc'd: the caller frees them. */
static char *staff_headers(int port, const char *login)
{
	http h;
	http_connect(&h, port);
	char *hdr = staff_login(&h, login);
	http_close(&h);
	return hdr;
}

static int cmd_hold(int port, long pid, const char *kiosks, int wait_s, long long since,
                    const char *login, const char *trigger, const char *trigger_body)
{
	size_t n;
	kiosk *k = kiosks_of(kiosks, &n);
	proc_status before = read_status(pid);
	report_status("before", before);

	http *c = calloc(n, sizeof *c);
	struct pollfd *pfd = calloc(n, sizeof *pfd);
	long long *answered = calloc(n, sizeof *answered);
	if (!c || !pfd || !answered)
		die("out of memory");
	char path[96];
	snprintf(path, sizeof path, "/api/v1/sync/changes?since=%lld&wait=%d", since, wait_s);
	long long t_open = now_ns();
	for (size_t i = 0; i < n; i++) {
		char auth[160];
		snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", k[i].token);
		size_t len;
		char *req = request(&len, "GET", path, auth, NULL);
		http_connect(&c[i], port);
		http_send(&c[i], req, len);
		free(req);
		pfd[i] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
	}

	/* Held: a thread per connection exists and the process has gone quiet. */
	long long deadline = now_ns() + HOLD_SETTLE_MAX_S * 1000000000LL;
	long long last = cpu_ticks(pid);
	int quiet = 0;
	while (quiet < HOLD_QUIET_SAMPLES) {
		if (now_ns() > deadline)
			die("central did not settle with %zu long-polls in %d s", n,
			    HOLD_SETTLE_MAX_S);
		sleep_ms(HOLD_SAMPLE_MS);
		long long ticks = cpu_ticks(pid);
		proc_status st = read_status(pid);
		quiet = ticks == last && st.threads >= before.threads + (long long)n ? quiet + 1
		                                                                     : 0;
		last = ticks;
	}
	report("central_hold", "settle_s", (double)(now_ns() - t_open) / 1e9, "s");
	if (poll(pfd, (nfds_t)n, 0) != 0)
		die("a long-poll was answered before any change: is there one newer than %lld?",
		    since);
	proc_status held = read_status(pid);
	report("central_hold", "connections", (double)n, "connections");
	report_status("held", held);
	report("central_hold", "per_connection_kib",
	       (double)(held.rss_kb - before.rss_kb) / (double)n, "KiB");

	/* Logged in only now, because the password hash (Argon2id) takes tens of MiB that
	 * would show in the peak; still before the timed change. */
	char *staff = login && trigger ? staff_headers(port, login) : NULL;
	if (!staff) {
		fputs("bench_central: no --login/--trigger: long-polls closed unanswered\n",
		      stderr);
	} else {
		http s;
		http_connect(&s, port);
		size_t len;
		char *req = request(&len, "POST", trigger, staff, trigger_body);
		long long t0 = now_ns();
		http_send(&s, req, len);
		free(req);
		size_t left = n;
		long long t_ack = 0;
		struct pollfd spfd = {.fd = s.fd, .events = POLLIN};
		long long end = t0 + (long long)(wait_s + 10) * 1000000000LL;
		while (left > 0 || !t_ack) {
			if (now_ns() > end)
				die("%zu long-polls unanswered %d s after the change", left,
				    wait_s + 10);
			if (!t_ack && poll(&spfd, 1, 0) > 0) {
				if (!http_read_some(&s))
					die("the staff connection closed");
				if (http_parse(&s)) {
					t_ack = now_ns();
					if (s.status / 100 != 2)
						die("%s answered %d: %.200s", trigger, s.status,
						    s.buf + s.head_len);
				}
			}
			if (poll(pfd, (nfds_t)n, 10) <= 0)
				continue;
			for (size_t i = 0; i < n; i++) {
				if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) || answered[i])
					continue;
				if (!http_read_some(&c[i]) && !http_parse(&c[i]))
					die("a long-poll connection closed unanswered");
				if (!http_parse(&c[i]))
					continue;
				answered[i] = now_ns() - t0;
				pfd[i].fd = -1; /* no longer polled */
				left--;
			}
		}
		/* Every answer must carry the change: a timeout answer would be empty. */
		for (size_t i = 0; i < n; i++) {
			json_t *j = http_json(&c[i]);
			json_t *ch = json_object_get(j, "changes");
			if (c[i].status != 200 || json_array_size(ch) < 1)
				die("long-poll %zu answered %d without the change", i, c[i].status);
			json_decref(j);
		}
		qsort(answered, n, sizeof *answered, cmp_ll);
		report("central_hold", "change_ack_ms", (double)(t_ack - t0) / 1e6, "ms");
		report("central_hold", "first_answer_ms", (double)answered[0] / 1e6, "ms");
		report("central_hold", "median_answer_ms", (double)pct(answered, n, 50) / 1e6,
		       "ms");
		report("central_hold", "all_answered_ms", (double)answered[n - 1] / 1e6, "ms");
		http_close(&s);
		report_status("after", read_status(pid));
	}
	for (size_t i = 0; i < n; i++)
		http_close(&c[i]);
	free(staff);
	free(c);
	free(pfd);
	free(answered);
	free(k);
	return 0;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	const char *codes = NULL, *out = NULL, *kiosks = NULL, *db = NULL, *label = "",
	           *login = NULL, *trigger = NULL, *trigger_body = "{}";
	ev_stream st = EV_STREAM_VISIT;
	long long port = 0, events = 20000, first_seq = 1, block = 2000, threads = 4, seconds = 10,
	          pid = 0, wait_s = 25, since = 0;
	for (int i = 2; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die("%s wants a value", o);
		if (!strcmp(o, "--port"))
			port = parse_ll(v, 1, 65535, o);
		else if (!strcmp(o, "--codes"))
			codes = v;
		else if (!strcmp(o, "--out"))
			out = v;
		else if (!strcmp(o, "--kiosks"))
			kiosks = v;
		else if (!strcmp(o, "--db"))
			db = v;
		else if (!strcmp(o, "--label"))
			label = v;
		else if (!strcmp(o, "--stream") && (!strcmp(v, "visit") || !strcmp(v, "issued")))
			st = !strcmp(v, "visit") ? EV_STREAM_VISIT : EV_STREAM_ISSUED;
		else if (!strcmp(o, "--events"))
			events = parse_ll(v, BATCH, 10000000, o);
		else if (!strcmp(o, "--first-seq"))
			first_seq = parse_ll(v, 1, 1LL << 50, o);
		else if (!strcmp(o, "--block"))
			block = parse_ll(v, BATCH, 10000000, o);
		else if (!strcmp(o, "--threads"))
			threads = parse_ll(v, 1, 256, o);
		else if (!strcmp(o, "--seconds"))
			seconds = parse_ll(v, 1, 3600, o);
		else if (!strcmp(o, "--pid"))
			pid = parse_ll(v, 1, 1 << 30, o);
		else if (!strcmp(o, "--wait"))
			wait_s = parse_ll(v, 0, 30, o);
		else if (!strcmp(o, "--since"))
			since = parse_ll(v, 0, 1LL << 50, o);
		else if (!strcmp(o, "--login"))
			login = v;
		else if (!strcmp(o, "--trigger"))
			trigger = v;
		else if (!strcmp(o, "--trigger-body"))
			trigger_body = v;
		else
			die("unknown option %s\n%s", o, usage);
	}
	if (!strcmp(cmd, "bodies") && out)
		return cmd_bodies((int)events, st, out);
	if (!port)
		die("--port is required\n%s", usage);
	if (!strcmp(cmd, "pair") && codes && out)
		return cmd_pair((int)port, codes, out);
	if (!strcmp(cmd, "ingest") && kiosks && db)
		return cmd_ingest((int)port, kiosks, db, (int)events, first_seq, (int)block, st,
		                  label);
	if (!strcmp(cmd, "healthz"))
		return cmd_healthz((int)port, (int)threads, (int)seconds, (long)pid, label);
	if (!strcmp(cmd, "hold") && kiosks && pid)
		return cmd_hold((int)port, (long)pid, kiosks, (int)wait_s, since, login, trigger,
		                trigger_body);
	fputs(usage, stderr);
	return 2;
}
