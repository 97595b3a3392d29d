/* Load driver for the central benchmark (tests/bench/bench_central.sh): pairs kiosks, posts
 * event batches against a bare SQLite baseline and from many kiosks at once, hammers
 * /healthz, holds thousands of long-polls while reading the server's memory, and times staff
 * logins under a login flood, all over raw HTTP/1.1 keep-alive sockets on loopback. */
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "benchlib.h"
#include "cstore.h"

/* A batch as the kiosk sends it: the protocol's maximum (ANK_PROTO_MAX_BATCH). */
#define BATCH 100
/* Not recorded before the /healthz window: connections and caches settle. */
#define HEALTHZ_WARMUP_NS 500000000LL
/* Central is "holding" the long-polls once its CPU time has not moved for this many
 * samples of HOLD_SAMPLE_MS: every request has then been read and parked. */
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
        "       [--from 127.0.1.1 --addresses 100]\n"
        "       [--login USER:PASSWORD --trigger PATH --trigger-body JSON]\n"
        "      opens a long-poll per kiosk of FILE (from ADDRESSES source addresses counting\n"
        "      up from FROM), reads PID's memory while they are held, then (with --trigger)\n"
        "      adds a change through the staff API and times the answers\n"
        "  ingest-many --port P --kiosks FILE [--counts 1,10,50] [--events 100000]\n"
        "              [--rounds 2] [--skip 0] [--pace-ms MS] [--label central_many]\n"
        "      COUNT kiosks of FILE (each its own, from the SKIPth on) push EVENTS events in\n"
        "      total at the same time, in batches of 100, for each count, the order reversed\n"
        "      every round; back to back, or with --pace-ms a batch every MS each\n"
        "  login-flood --port P --login ADMIN:PASSWORD [--site demo] [--flooders 16]\n"
        "              [--from 127.0.0.2] [--logins 40] [--every-ms 100] [--seconds 10]\n"
        "      adds a staff account, times LOGINS of its logins alone, then up to LOGINS more\n"
        "      (for at most SECONDS) while FLOODERS clients from FROM try random names\n"
        "  metrics --port P [--token HEX]\n"
        "      GET /metrics with the bearer token; its status, size and time\n"
        "  codes --db DB --site SITE --count N --out FILE\n"
        "      N pairing codes for SITE, minted with this tree's store in one process\n"
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
		kiosk k;
		int st = http_pair(&h, line, &k);
		if (st)
			die("pairing with code %s answered %d", line, st);
		fprintf(o, "%s %s\n", k.id, k.token);
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

/* Source address i of a spread starting at `from` (dotted IPv4), into out. */
static void source_address(char out[16], const char *from, int i)
{
	struct in_addr a;
	if (inet_pton(AF_INET, from, &a) != 1)
		die("%s is not an IPv4 address", from);
	a.s_addr = htonl(ntohl(a.s_addr) + (uint32_t)i);
	if (!inet_ntop(AF_INET, &a, out, 16))
		die("cannot format an address");
}

/* Sends all of req without dying; false when the server had closed the connection already
 * (a central at its connection limit accepts and closes at once). */
static bool try_send(int fd, const char *req, size_t len)
{
	while (len > 0) {
		ssize_t k = send(fd, req, len, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		req += k;
		len -= (size_t)k;
	}
	return true;
}

static int cmd_hold(int port, long pid, const char *kiosks, int wait_s, long long since,
                    const char *login, const char *trigger, const char *trigger_body,
                    const char *from, int addresses)
{
	size_t n;
	kiosk *k = kiosks_of(kiosks, &n);
	long nofile = raise_nofile();
	if ((long)n + 64 > nofile)
		die("%zu long-polls but RLIMIT_NOFILE is %ld", n, nofile);
	/* The staff session and the connection of the timed change come first: a central at
	 * its connection limit would refuse them once the long-polls are open. The login's
	 * Argon2id hash (64 MiB) so shows in every HWM below, not in the RSS. */
	char *staff = login && trigger ? staff_headers(port, login) : NULL;
	http s = {.fd = -1};
	if (staff)
		http_connect(&s, port);
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
	size_t cut = 0;
	for (size_t i = 0; i < n; i++) {
		char auth[160], src[16];
		snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", k[i].token);
		size_t len;
		char *req = request(&len, "GET", path, auth, NULL);
		/* Spread over source addresses, as kiosks of many sites come from many: a
		 * per-address connection limit is not what is measured here. */
		source_address(src, from, (int)(i % (size_t)addresses));
		http_connect_from(&c[i], src, port);
		pfd[i] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
		if (!try_send(c[i].fd, req, len)) {
			pfd[i].fd = -1;
			cut++;
		}
		free(req);
	}

	/* Held once the process has gone quiet: every request read and parked (a thread per
	 * connection, or a suspended connection). */
	long long deadline = now_ns() + HOLD_SETTLE_MAX_S * 1000000000LL;
	long long last = cpu_ticks(pid);
	int quiet = 0;
	while (quiet < HOLD_QUIET_SAMPLES) {
		if (now_ns() > deadline)
			die("central did not settle with %zu long-polls in %d s", n,
			    HOLD_SETTLE_MAX_S);
		sleep_ms(HOLD_SAMPLE_MS);
		long long ticks = cpu_ticks(pid);
		quiet = ticks == last ? quiet + 1 : 0;
		last = ticks;
	}
	report("central_hold", "settle_s", (double)(now_ns() - t_open) / 1e9, "s");
	/* A connection with something to read now was closed by central (its connection limit):
	 * not held. An answer would mean a change newer than `since`. */
	if (poll(pfd, (nfds_t)n, 0) < 0)
		die("poll: %s", strerror(errno));
	for (size_t i = 0; i < n; i++) {
		if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		char b;
		ssize_t got = recv(c[i].fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
		if (got > 0)
			die("a long-poll was answered before any change: is there one newer than "
			    "%lld?",
			    since);
		pfd[i].fd = -1;
		cut++;
	}
	size_t held_n = n - cut;
	proc_status held = read_status(pid);
	report("central_hold", "connections", (double)n, "connections");
	report("central_hold", "held", (double)held_n, "connections");
	report("central_hold", "cut", (double)cut, "connections");
	report_status("held", held);
	if (held_n)
		report("central_hold", "per_connection_kib",
		       (double)(held.rss_kb - before.rss_kb) / (double)held_n, "KiB");

	if (!staff || !held_n) {
		fputs("bench_central: no --login/--trigger or nothing held: long-polls closed "
		      "unanswered\n",
		      stderr);
	} else {
		size_t len;
		char *req = request(&len, "POST", trigger, staff, trigger_body);
		long long t0 = now_ns();
		http_send(&s, req, len);
		free(req);
		size_t left = held_n, got = 0;
		long long t_ack = 0;
		long long end = t0 + (long long)(wait_s + 10) * 1000000000LL;
		/* epoll, not poll over 5,000 descriptors per wake-up: the driver shares the two
		 * cores with central and must not be what the fan-out waits for. */
		int ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0)
			die("epoll_create1: %s", strerror(errno));
		for (size_t i = 0; i <= n; i++) {
			int fd = i == n ? s.fd : pfd[i].fd; /* n: the staff connection */
			struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
			if (fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
				die("epoll_ctl: %s", strerror(errno));
		}
		struct epoll_event evs[256];
		while (left > 0 || !t_ack) {
			if (now_ns() > end)
				die("%zu long-polls unanswered %d s after the change", left,
				    wait_s + 10);
			int ready = epoll_wait(ep, evs, (int)(sizeof evs / sizeof evs[0]), 10);
			if (ready < 0 && errno != EINTR)
				die("epoll_wait: %s", strerror(errno));
			for (int e = 0; e < ready; e++) {
				size_t i = (size_t)evs[e].data.u64;
				http *h = i == n ? &s : &c[i];
				if (!http_read_some(h) && !http_parse(h))
					die("%s connection closed unanswered",
					    i == n ? "the staff" : "a long-poll");
				if (!http_parse(h))
					continue;
				epoll_ctl(ep, EPOLL_CTL_DEL, h->fd, NULL);
				if (i == n) {
					t_ack = now_ns();
					if (s.status / 100 != 2)
						die("%s answered %d: %.200s", trigger, s.status,
						    s.buf + s.head_len);
					continue;
				}
				answered[got++] = now_ns() - t0;
				left--;
			}
		}
		close(ep);
		/* Every answer must carry the change: a timeout answer would be empty. */
		for (size_t i = 0; i < n; i++) {
			if (!c[i].head_len)
				continue; /* cut before the change */
			json_t *j = http_json(&c[i]);
			json_t *ch = json_object_get(j, "changes");
			if (c[i].status != 200 || json_array_size(ch) < 1)
				die("long-poll %zu answered %d without the change", i, c[i].status);
			json_decref(j);
		}
		qsort(answered, got, sizeof *answered, cmp_ll);
		report("central_hold", "change_ack_ms", (double)(t_ack - t0) / 1e6, "ms");
		report("central_hold", "first_answer_ms", (double)answered[0] / 1e6, "ms");
		report("central_hold", "median_answer_ms", (double)pct(answered, got, 50) / 1e6,
		       "ms");
		report("central_hold", "all_answered_ms", (double)answered[got - 1] / 1e6, "ms");
		report_status("after", read_status(pid));
	}
	if (staff)
		http_close(&s);
	for (size_t i = 0; i < n; i++)
		http_close(&c[i]);
	free(staff);
	free(c);
	free(pfd);
	free(answered);
	free(k);
	return 0;
}

/* ---- ingest from many kiosks at once ---- */

/* One kiosk of a run: its requests built before the clock, its batch times. */
typedef struct pusher {
	pthread_t th;
	int port;
	pthread_barrier_t *start;
	int nb;
	char **reqs;
	size_t *lens;
	long long *last_seq, *lat;
	long long pace_ns, offset_ns; /* paced: batch b leaves at start + offset + b * pace */
	long long t_start, t_end;
} pusher;

static void *push_run(void *arg)
{
	pusher *p = arg;
	http h;
	http_connect(&h, p->port);
	pthread_barrier_wait(p->start);
	for (int b = 0; b < p->nb; b++) {
		long long due = p->t_start + p->offset_ns + b * p->pace_ns;
		if (p->pace_ns && due > now_ns()) /* late: at once, as a kiosk with a backlog */
			sleep_ms((long)((due - now_ns()) / 1000000));
		long long t0 = now_ns();
		central_batch(&h, p->reqs[b], p->lens[b], p->last_seq[b]);
		p->lat[b] = now_ns() - t0;
	}
	p->t_end = now_ns();
	http_close(&h);
	return NULL;
}

/* `count` kiosks of k (each from seq 1) push events / count events each at the same time,
 * back to back or (pace_ms) a batch every pace_ms each, spread evenly; reports the total rate
 * (all events over the wall time from the common start to the last answer) and the batch
 * times. */
static double many_run(int port, const kiosk *k, int count, int events, int pace_ms,
                       const char *label)
{
	int per = events / count, nb = per / BATCH;
	pusher *p = calloc((size_t)count, sizeof *p);
	ev_row *rows = xmalloc((size_t)BATCH * sizeof *rows);
	pthread_barrier_t start;
	if (!p || pthread_barrier_init(&start, NULL, (unsigned)count + 1))
		die("cannot start threads");
	for (int i = 0; i < count; i++) {
		p[i] = (pusher){.port = port,
		                .start = &start,
		                .nb = nb,
		                .pace_ns = pace_ms * 1000000LL,
		                .offset_ns = pace_ms * 1000000LL * i / count};
		p[i].reqs = calloc((size_t)nb, sizeof *p[i].reqs);
		p[i].lens = calloc((size_t)nb, sizeof *p[i].lens);
		p[i].last_seq = calloc((size_t)nb, sizeof *p[i].last_seq);
		p[i].lat = calloc((size_t)nb, sizeof *p[i].lat);
		if (!p[i].reqs || !p[i].lens || !p[i].last_seq || !p[i].lat)
			die("out of memory");
		for (int b = 0; b < nb; b++) {
			for (int e = 0; e < BATCH; e++) {
				long long seq = (long long)b * BATCH + e + 1;
				ev_make(seq, EV_STREAM_VISIT, &rows[e]);
				/* Event ids are 128 random bits at a kiosk: no two kiosks share
				 * one. */
				uint64_t salt = mix((uint64_t)(i + 1) << 32 ^ (uint64_t)seq);
				snprintf(rows[e].id, sizeof rows[e].id, "%016llx%016llx",
				         (unsigned long long)salt, (unsigned long long)mix(salt));
			}
			p[i].reqs[b] = batch_request(&k[i], rows, &p[i].lens[b]);
			p[i].last_seq[b] = (long long)(b + 1) * BATCH;
		}
	}
	/* The schedule starts a little after the threads are released. */
	long long t_sched = now_ns() + 100000000LL;
	for (int i = 0; i < count; i++) {
		p[i].t_start = t_sched;
		if (pthread_create(&p[i].th, NULL, push_run, &p[i]))
			die("cannot start a thread");
	}
	pthread_barrier_wait(&start);
	long long t0 = pace_ms ? t_sched : now_ns(), t_end = t0;
	size_t total = (size_t)count * (size_t)nb, off = 0;
	long long *lat = xmalloc(total * sizeof *lat);
	for (int i = 0; i < count; i++) {
		pthread_join(p[i].th, NULL);
		t_end = p[i].t_end > t_end ? p[i].t_end : t_end;
		memcpy(lat + off, p[i].lat, (size_t)nb * sizeof *lat);
		off += (size_t)nb;
		for (int b = 0; b < nb; b++)
			free(p[i].reqs[b]);
		free(p[i].reqs);
		free(p[i].lens);
		free(p[i].last_seq);
		free(p[i].lat);
	}
	qsort(lat, total, sizeof *lat, cmp_ll);
	double eps = (double)count * per / ((double)(t_end - t0) / 1e9);
	report(label, "eps", eps, "events/s");
	report(label, "batch_p50_ms", (double)pct(lat, total, 50) / 1e6, "ms");
	report(label, "batch_p99_ms", (double)pct(lat, total, 99) / 1e6, "ms");
	report(label, "batch_max_ms", (double)pct(lat, total, 100) / 1e6, "ms");
	pthread_barrier_destroy(&start);
	free(lat);
	free(rows);
	free(p);
	return eps;
}

/* Runs of 1, 10, 50 (`counts`) kiosks pushing `events` events in total, in ABBA order over
 * `rounds` rounds (1 10 50 50 10 1 ...), each run with kiosks of its own (from the file's
 * `skip`th on); then each count's mean rate and its ratio to the first count's. Labels start
 * with `prefix`. */
static int cmd_ingest_many(int port, const char *kiosks, size_t skip, const char *counts,
                           int events, int rounds, int pace_ms, const char *prefix)
{
	int c[8], nc = 0;
	char buf[64];
	snprintf(buf, sizeof buf, "%s", counts);
	for (char *p = buf, *end; *p && nc < 8; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		char save = *end;
		*end = '\0';
		c[nc++] = (int)parse_ll(p, 1, 1000, "--counts");
		*end = save;
	}
	size_t nk, used = skip;
	kiosk *k = kiosks_of(kiosks, &nk);
	double sum[8] = {0};
	for (int r = 0; r < rounds; r++) {
		for (int j = 0; j < nc; j++) {
			int count = c[r % 2 ? nc - 1 - j : j];
			if (events % (count * BATCH))
				die("--events %d is not a multiple of %d kiosks x %d", events,
				    count, BATCH);
			if (used + (size_t)count > nk)
				die("%s has %zu kiosks, the runs need more", kiosks, nk);
			char label[96];
			snprintf(label, sizeof label, "%s_%d_r%d", prefix, count, r + 1);
			sum[r % 2 ? nc - 1 - j : j] +=
			        many_run(port, &k[used], count, events, pace_ms, label);
			used += (size_t)count;
		}
	}
	for (int j = 0; j < nc; j++) {
		char label[96];
		snprintf(label, sizeof label, "%s_%d", prefix, c[j]);
		report(label, "mean_eps", sum[j] / rounds, "events/s");
		report(label, "ratio", sum[j] / sum[0], "of the first count");
	}
	free(k);
	return 0;
}

/* ---- a staff login under a login flood ---- */

typedef struct flooder {
	pthread_t th;
	int port;
	const char *from;
	uint64_t seed;
	long long tries, status[6]; /* 2xx 4xx-401 401 429 5xx other */
	long long errors;
} flooder;

static volatile int flood_over;

/* Tries logins with random names and passwords from `from` until flood_over, each on a
 * keep-alive connection (a new one after a failure). */
static void *flood_run(void *arg)
{
	flooder *f = arg;
	http h = {.fd = -1};
	while (!flood_over) {
		if (h.fd < 0 || http_stale(&h)) {
			http_close(&h);
			if (http_open(&h, f->from, f->port, 5000)) {
				f->errors++;
				sleep_ms(100);
				continue;
			}
		}
		uint64_t a = mix(f->seed++), b = mix(a);
		char body[160];
		snprintf(body, sizeof body,
		         "{\"v\":1,\"user\":\"guess-%016llx\",\"password\":\"%016llx%016llx\"}",
		         (unsigned long long)a, (unsigned long long)b, (unsigned long long)mix(b));
		size_t len;
		char *req = request(&len, "POST", "/api/v1/login", "", body);
		int e = http_try(&h, req, len, 30000);
		free(req);
		f->tries++;
		if (e) {
			f->errors++;
			http_close(&h);
			continue;
		}
		int st = h.status;
		f->status[st / 100 == 2   ? 0
		          : st == 401     ? 2
		          : st == 429     ? 3
		          : st / 100 == 5 ? 4
		          : st / 100 == 4 ? 1
		                          : 5]++;
		http_consume(&h);
	}
	http_close(&h);
	return NULL;
}

/* Up to `n` staff logins, each on a new connection (a browser's), one every `every_ms`,
 * stopping early once `seconds` have passed (0: never); their times in ns into t (sorted).
 * Returns how many there were. */
static int staff_logins(int port, const char *login, int n, int every_ms, int seconds, long long *t)
{
	long long end = now_ns() + (long long)seconds * 1000000000LL;
	int i = 0;
	while (i < n && (!seconds || now_ns() < end)) {
		http h;
		long long t0 = now_ns();
		http_connect(&h, port);
		char *hdr = staff_login(&h, login);
		t[i++] = now_ns() - t0;
		free(hdr);
		http_close(&h);
		sleep_ms(every_ms);
	}
	qsort(t, (size_t)i, sizeof *t, cmp_ll);
	return i;
}

static void report_logins(const char *label, const long long *t, int n)
{
	report(label, "logins", n, "logins");
	report(label, "p50_ms", (double)pct(t, (size_t)n, 50) / 1e6, "ms");
	report(label, "p95_ms", (double)pct(t, (size_t)n, 95) / 1e6, "ms");
	report(label, "max_ms", (double)pct(t, (size_t)n, 100) / 1e6, "ms");
}

/* As the admin `admin` (USER:PASSWORD), adds a staff account of `site`; then times `n`
 * logins of it alone, and up to `n` more (for at most `seconds`) while `flooders` clients
 * from `from` try random names. */
static int cmd_login_flood(int port, const char *admin, const char *site, int flooders,
                           const char *from, int n, int every_ms, int seconds)
{
	char *hdr = staff_headers(port, admin);
	char pw[40], body[256], login[128];
	snprintf(pw, sizeof pw, "%016llx%016llx", (unsigned long long)mix((uint64_t)now_ns()),
	         (unsigned long long)mix((uint64_t)getpid()));
	snprintf(body, sizeof body,
	         "{\"v\":1,\"user\":\"bench-staff\",\"password\":\"%s\",\"role\":\"staff\","
	         "\"site\":\"%s\"}",
	         pw, site);
	http h;
	http_connect(&h, port);
	size_t len;
	char *req = request(&len, "POST", "/api/v1/accounts", hdr, body);
	http_send(&h, req, len);
	free(req);
	http_recv(&h);
	if (h.status != 201)
		die("adding the staff account answered %d: %.200s", h.status, h.buf + h.head_len);
	http_close(&h);
	free(hdr);
	snprintf(login, sizeof login, "bench-staff:%s", pw);

	long long *t = xmalloc((size_t)n * sizeof *t);
	int got = staff_logins(port, login, n, every_ms, 0, t);
	report_logins("central_login_alone", t, got);

	flooder *f = calloc((size_t)flooders, sizeof *f);
	if (!f)
		die("out of memory");
	flood_over = 0;
	long long t_flood = now_ns();
	for (int i = 0; i < flooders; i++) {
		f[i] = (flooder){
		        .port = port, .from = from, .seed = mix((uint64_t)i + 1) ^ now_ns()};
		if (pthread_create(&f[i].th, NULL, flood_run, &f[i]))
			die("cannot start a thread");
	}
	sleep_ms(1000); /* the flood under way */
	got = staff_logins(port, login, n, every_ms, seconds, t);
	double secs = (double)(now_ns() - t_flood) / 1e9;
	flood_over = 1;
	long long tries = 0, st[6] = {0}, errors = 0;
	for (int i = 0; i < flooders; i++) {
		pthread_join(f[i].th, NULL);
		tries += f[i].tries;
		errors += f[i].errors;
		for (int j = 0; j < 6; j++)
			st[j] += f[i].status[j];
	}
	report_logins("central_login_flood", t, got);
	report("central_login_flood", "flooders", flooders, "clients");
	report("central_login_flood", "flood_tries_per_s", (double)tries / secs, "logins/s");
	report("central_login_flood", "flood_401", (double)st[2], "answers");
	report("central_login_flood", "flood_429", (double)st[3], "answers");
	report("central_login_flood", "flood_5xx", (double)st[4], "answers");
	report("central_login_flood", "flood_other", (double)(st[0] + st[1] + st[5]), "answers");
	report("central_login_flood", "flood_errors", (double)errors, "failures");
	free(f);
	free(t);
	return 0;
}

/* ---- /metrics with its token ---- */

/* GET /metrics with `Authorization: Bearer TOKEN` (a central before issue 9 ignores the
 * header); reports its status, size and time. */
static int cmd_metrics(int port, const char *token)
{
	char auth[200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %.128s\r\n", token ? token : "");
	http h;
	http_connect(&h, port);
	size_t len;
	char *req = request(&len, "GET", "/metrics", token ? auth : "", NULL);
	long long t0 = now_ns();
	http_send(&h, req, len);
	http_recv(&h);
	report("central_metrics", "ms", (double)(now_ns() - t0) / 1e6, "ms");
	report("central_metrics", "status", h.status, "status");
	report("central_metrics", "bytes", (double)h.body_len, "bytes");
	free(req);
	http_close(&h);
	return 0;
}

/* ---- pairing codes, many at once ---- */

/* Mints `count` pairing codes for `site` into `out`, one a line, with this tree's store in
 * one process: pair-kiosk starts a process and opens the database once per code, which
 * made 5,000 codes take minutes. */
static int cmd_codes(const char *dbpath, const char *site, int count, const char *out)
{
	ank_cstore *cs;
	ank_err err;
	if (ank_cstore_open(dbpath, false, &cs, &err))
		die("%s: %s", dbpath, err.msg);
	FILE *o = fopen(out, "w");
	if (!o)
		die("cannot write %s", out);
	for (int i = 0; i < count; i++) {
		char code[ANK_PAIR_CODE_LEN + 3];
		if (ank_cstore_pair_code(cs, site, wall_ms(), code, &err) != ANK_CS_OK)
			die("pairing code: %s", err.msg);
		fprintf(o, "%s\n", code);
	}
	if (fclose(o))
		die("cannot write %s", out);
	ank_cstore_close(cs);
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
	           *login = NULL, *trigger = NULL, *trigger_body = "{}", *from = NULL,
	           *counts = "1,10,50", *site = "demo", *token = NULL;
	ev_stream st = EV_STREAM_VISIT;
	long long port = 0, events = 20000, first_seq = 1, block = 2000, threads = 4, seconds = 10,
	          pid = 0, wait_s = 25, since = 0, addresses = 100, rounds = 2, flooders = 16,
	          logins = 40, every_ms = 100, count = 0, skip = 0, pace_ms = 0;
	bool events_given = false;
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
		else if (!strcmp(o, "--events")) {
			events = parse_ll(v, BATCH, 10000000, o);
			events_given = true;
		} else if (!strcmp(o, "--from"))
			from = v;
		else if (!strcmp(o, "--addresses"))
			addresses = parse_ll(v, 1, 65000, o);
		else if (!strcmp(o, "--counts"))
			counts = v;
		else if (!strcmp(o, "--rounds"))
			rounds = parse_ll(v, 1, 100, o);
		else if (!strcmp(o, "--site"))
			site = v;
		else if (!strcmp(o, "--flooders"))
			flooders = parse_ll(v, 1, 1000, o);
		else if (!strcmp(o, "--logins"))
			logins = parse_ll(v, 1, 100000, o);
		else if (!strcmp(o, "--every-ms"))
			every_ms = parse_ll(v, 0, 60000, o);
		else if (!strcmp(o, "--token"))
			token = v;
		else if (!strcmp(o, "--count"))
			count = parse_ll(v, 1, 1000000, o);
		else if (!strcmp(o, "--skip"))
			skip = parse_ll(v, 0, 1000000, o);
		else if (!strcmp(o, "--pace-ms"))
			pace_ms = parse_ll(v, 1, 60000, o);
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
	if (!strcmp(cmd, "codes") && db && out && count)
		return cmd_codes(db, site, (int)count, out);
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
		                trigger_body, from ? from : "127.0.1.1", (int)addresses);
	if (!strcmp(cmd, "ingest-many") && kiosks)
		return cmd_ingest_many((int)port, kiosks, (size_t)skip, counts,
		                       events_given ? (int)events : 100000, (int)rounds,
		                       (int)pace_ms, *label ? label : "central_many");
	if (!strcmp(cmd, "login-flood") && login)
		return cmd_login_flood((int)port, login, site, (int)flooders,
		                       from ? from : "127.0.0.2", (int)logins, (int)every_ms,
		                       (int)seconds);
	if (!strcmp(cmd, "metrics"))
		return cmd_metrics((int)port, token);
	fputs(usage, stderr);
	return 2;
}
