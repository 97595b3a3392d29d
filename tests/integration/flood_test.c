/* The flood test of issue 9: the real ankomst-central, configured with the serving
 * contract's limits, keeps serving a kiosk paired the real way (pushing event batches and
 * long-polling the change feed, with staff commands coming down it) and /healthz while
 * ank_flood holds 3,000 idle and 1,000 trickling connections, once from one attacker
 * address and once from many; the attackers must be cut by the limits and the deadline.
 * Usage: flood_test CENTRAL_BINARY ANK_FLOOD_BINARY. Timing is reported, not asserted
 * (docs/benchmarks.md measures it); the guards only catch what never answers. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "proc.h"

/* ---- the scenario ---- */

/* The config of the serving contract (docs/operations.md); the deadline is short so that
 * the test sees several rounds of cuts in its window. */
#define DEADLINE_S      3
#define PER_ADDRESS     64
#define MAX_CONNECTIONS 8192
#define IDLE_TIMEOUT_S  60
#define WORKERS         4
#define IDLE_CONNS      3000
#define TRICKLE_CONNS   1000
#define TRICKLE_S       5 /* one header byte every 5 s: each is cut before its second byte */
#define MANY_ADDRESSES                                                                             \
	100 /* 40 connections each: under the per-address limit, so only                           \
	     * the deadline cuts them */
#define RECONNECT_MS                                                                               \
	1000                /* a cut attacker connects again after this long; at once              \
	                     * would be a CPU flood of 2 cores, not a connection flood */
#define WINDOW_S         12 /* the kiosk's window under each flood */
#define CUT_SLACK_S      3  /* an attacker alive longer than DEADLINE_S + this was not cut */
#define HEALTHZ_EVERY_MS 100
#define HEALTHZ_GUARD_MS 2000 /* connect, request and answer of one probe */
#define PUSH_EVERY_MS    200
#define PUSH_EVENTS      10
#define PUSH_GUARD_MS    5000
#define POLL_WAIT_S      2
#define POLL_GUARD_MS    ((POLL_WAIT_S + 5) * 1000)
#define COMMAND_EVERY_MS 1000
#define COMMAND_GUARD_MS 5000
#define FLOOD_READY_MS   15000 /* ank_flood's first round of connects */
#define STOP_WAIT_MS     10000
#define SITE             "demo"
#define ADMIN_USER       "flood-admin"
#define OUT_MAX          4096 /* a subcommand's output we keep */

const char bench_prog[] = "flood_test";

static const char *central_bin, *flood_bin;
static char dir[64], db[128], conf[128], central_log[128];
static proc_central server; /* its pid and port */
static pid_t flood_pid;
static int passed, failed;

/* Records one named case; detail (printf format) says what was seen when it failed. */
static bool expect(bool ok, const char *name, const char *detail, ...)
        __attribute__((format(printf, 3, 4)));
static bool expect(bool ok, const char *name, const char *detail, ...)
{
	if (ok) {
		passed++;
		printf("ok   %s\n", name);
	} else {
		failed++;
		printf("FAIL %s: ", name);
		va_list ap;
		va_start(ap, detail);
		vprintf(detail, ap);
		va_end(ap);
		printf("\n");
	}
	fflush(stdout);
	return ok;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- processes ---- */

/* Runs central with args (NULL-terminated, without the binary), `input` on stdin, its
 * stdout and stderr into out (reset first: this run's output only, OUT_MAX of it). Returns
 * the exit status. */
static int central(const char *input, ank_buf *out, ...)
{
	ank_buf_reset(out);
	va_list ap;
	va_start(ap, out);
	int rc = proc_run_va(central_bin, input, out, ap);
	va_end(ap);
	return rc;
}

static void cleanup(void)
{
	proc_stop(&flood_pid, 2000);
	proc_stop(&server.pid, 2000);
	if (dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "flood_test: cannot remove %s\n", dir);
	}
}

/* The contract's keys, or (ANK_FLOOD_OLD_CONFIG=1, to watch a central from before issue 9
 * under the same flood) only the keys it has always taken. */
static void write_config(void)
{
	FILE *fp = fopen(conf, "w");
	if (!fp)
		die("cannot write %s", conf);
	fprintf(fp, "[central]\ndb = %s\n", db);
	const char *old = getenv("ANK_FLOOD_OLD_CONFIG");
	if (!old || strcmp(old, "1") != 0)
		fprintf(fp,
		        "max_connections = %d\nmax_connections_per_address = %d\n"
		        "request_deadline_s = %d\nidle_timeout_s = %d\nworkers = %d\n"
		        "metrics_token = %016llx%016llx\n",
		        MAX_CONNECTIONS, PER_ADDRESS, DEADLINE_S, IDLE_TIMEOUT_S, WORKERS,
		        (unsigned long long)mix((uint64_t)now_ns()),
		        (unsigned long long)mix((uint64_t)getpid()));
	if (fclose(fp))
		die("cannot write %s", conf);
}

/* Starts `central serve --config` on 127.0.0.1:0; sets server. False when it did not start
 * (its log then says why: a central that refuses the contract's keys stops here). */
static bool central_start(void)
{
	char port_file[160];
	snprintf(port_file, sizeof port_file, "%s/port", dir);
	const char *extra[] = {"--config", conf, NULL};
	return proc_central_start(&server, central_bin, port_file, central_log, extra) == 0;
}

/* Prints the last lines of central's log, indented, for a failure's reader. */
static void show_log(void)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "tail -n 8 '%s' | sed 's/^/     central: /'", central_log);
	if (system(cmd) != 0)
		printf("     (no log)\n");
}

/* ---- the kiosk and staff, as central's legitimate clients ---- */

typedef struct kiosk_state {
	char id[64], token[96];
	long long next_seq; /* of the next event to push */
	long long cursor;   /* of the change feed */
	char *staff;        /* an admin's Cookie and X-CSRF-Token lines, malloc'd */
} kiosk_state;

static kiosk_state ks = {.next_seq = 1};

/* One client's record of a window: counts, the first failure, latencies. */
typedef struct client {
	pthread_t th;
	const char *name;
	long long ok, failures, changes;
	char first_failure[200];
	long long *lat_ns;
	size_t n, cap;
} client;

static volatile int window_over;

static void client_fail(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void client_fail(client *c, const char *fmt, ...)
{
	if (!c->failures++) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->first_failure, sizeof c->first_failure, fmt, ap);
		va_end(ap);
	}
}

static void client_ok(client *c, long long ns)
{
	c->ok++;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->lat_ns = realloc(c->lat_ns, c->cap * sizeof *c->lat_ns);
		if (!c->lat_ns)
			die("out of memory");
	}
	c->lat_ns[c->n++] = ns;
}

/* Sleeps ms unless the window ends first. */
static void pause_ms(long ms)
{
	for (long slept = 0; slept < ms && !window_over; slept += 20)
		sleep_ms(ms - slept < 20 ? ms - slept : 20);
}

/* The keep-alive connection of a client: a new one when it is closed or was cut while
 * idle (what curl does too). 0, or the errno of a failed connect. */
static int conn_ready(http *h)
{
	if (h->fd >= 0 && !http_stale(h))
		return 0;
	http_close(h);
	return http_open(h, NULL, server.port, PUSH_GUARD_MS);
}

/* One request on the client's connection; the answer is left in h on success (status
 * checked by the caller). A failed exchange closes the connection. */
static bool exchange(client *c, http *h, const char *req, size_t len, int guard_ms, long long *ns)
{
	long long t0 = now_ns();
	int e = conn_ready(h);
	if (!e)
		e = http_try(h, req, len, guard_ms);
	*ns = now_ns() - t0;
	if (e) {
		client_fail(c, "%s after %lld ms", strerror(e), *ns / 1000000);
		http_close(h);
		return false;
	}
	return true;
}

/* Pushes PUSH_EVENTS events every PUSH_EVERY_MS, checking each answer's acked; a failed
 * batch is sent again (the same events: central stores them once). */
static void *run_pusher(void *arg)
{
	client *c = arg;
	http h = {.fd = -1};
	char auth[160];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", ks.token);
	while (!window_over) {
		ev_row rows[PUSH_EVENTS];
		for (int i = 0; i < PUSH_EVENTS; i++)
			ev_make(ks.next_seq + i, EV_STREAM_VISIT, &rows[i]);
		char *body = ev_batch_body(ks.id, rows, PUSH_EVENTS);
		size_t len;
		char *req = request(&len, "POST", "/api/v1/sync/events", auth, body);
		free(body);
		long long ns;
		if (exchange(c, &h, req, len, PUSH_GUARD_MS, &ns)) {
			json_t *j = h.status == 200 ? http_json(&h) : NULL;
			json_int_t acked = -1;
			long long last = ks.next_seq + PUSH_EVENTS - 1;
			if (h.status != 200 || json_unpack(j, "{s:I}", "acked", &acked) ||
			    acked != last) {
				client_fail(c, "answer %d acked %lld (sent up to %lld): %.80s",
				            h.status, (long long)acked, last, h.buf + h.head_len);
			} else {
				client_ok(c, ns);
				ks.next_seq += PUSH_EVENTS;
			}
			json_decref(j);
			http_consume(&h);
		}
		free(req);
		pause_ms(PUSH_EVERY_MS);
	}
	http_close(&h);
	return NULL;
}

/* Long-polls the change feed from the kiosk's cursor, as the kiosk's sync client does. */
static void *run_poller(void *arg)
{
	client *c = arg;
	http h = {.fd = -1};
	char auth[160];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", ks.token);
	while (!window_over) {
		char path[96];
		snprintf(path, sizeof path, "/api/v1/sync/changes?since=%lld&wait=%d", ks.cursor,
		         POLL_WAIT_S);
		size_t len;
		char *req = request(&len, "GET", path, auth, NULL);
		long long ns;
		if (exchange(c, &h, req, len, POLL_GUARD_MS, &ns)) {
			json_t *j = h.status == 200 ? http_json(&h) : NULL;
			json_int_t cursor = -1;
			json_t *changes = NULL;
			if (h.status != 200 ||
			    json_unpack(j, "{s:I, s:o}", "cursor", &cursor, "changes", &changes) ||
			    cursor < ks.cursor) {
				client_fail(c, "answer %d cursor %lld: %.80s", h.status,
				            (long long)cursor, h.buf + h.head_len);
			} else {
				client_ok(c, ns);
				c->changes += (long long)json_array_size(changes);
				ks.cursor = cursor;
			}
			json_decref(j);
			http_consume(&h);
		} else {
			pause_ms(PUSH_EVERY_MS); /* a kiosk backs off too */
		}
		free(req);
	}
	http_close(&h);
	return NULL;
}

/* A staff command every COMMAND_EVERY_MS, so that the long-polls have something to carry. */
static void *run_commander(void *arg)
{
	client *c = arg;
	http h = {.fd = -1};
	while (!window_over) {
		size_t len;
		char *req = request(&len, "POST", "/api/v1/sites/" SITE "/commands", ks.staff,
		                    "{\"v\":1,\"type\":\"call_next\",\"station\":\"1\"}");
		long long ns;
		if (exchange(c, &h, req, len, COMMAND_GUARD_MS, &ns)) {
			if (h.status / 100 == 2)
				client_ok(c, ns);
			else
				client_fail(c, "answer %d: %.80s", h.status, h.buf + h.head_len);
			http_consume(&h);
		}
		free(req);
		pause_ms(COMMAND_EVERY_MS);
	}
	http_close(&h);
	return NULL;
}

/* GET /healthz on a new connection every HEALTHZ_EVERY_MS, as a monitor probes it. */
static void *run_healthz(void *arg)
{
	client *c = arg;
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	while (!window_over) {
		long long t0 = now_ns();
		http h;
		int e = http_open(&h, NULL, server.port, HEALTHZ_GUARD_MS);
		int left = HEALTHZ_GUARD_MS - (int)((now_ns() - t0) / 1000000);
		if (!e)
			e = left > 0 ? http_try(&h, req, sizeof req - 1, left) : ETIMEDOUT;
		long long ns = now_ns() - t0;
		if (e)
			client_fail(c, "%s after %lld ms", strerror(e), ns / 1000000);
		else if (h.status != 200)
			client_fail(c, "answer %d", h.status);
		else
			client_ok(c, ns);
		http_close(&h); /* a failed http_open left h closed already: harmless */
		pause_ms(HEALTHZ_EVERY_MS);
	}
	return NULL;
}

/* ---- the flood ---- */

/* The "flood: KEY=VALUE" lines of ank_flood's output. */
typedef struct flood_out {
	int fd;
	char buf[8192];
	size_t len;
} flood_out;

static void flood_start(flood_out *fo, int addresses)
{
	int out[2];
	if (pipe(out))
		die("pipe: %s", strerror(errno));
	char port_s[16], addr_s[16], idle_s[16], trickle_s[16], tk_s[16], rc_s[16];
	snprintf(port_s, sizeof port_s, "%d", server.port);
	snprintf(addr_s, sizeof addr_s, "%d", addresses);
	snprintf(idle_s, sizeof idle_s, "%d", IDLE_CONNS);
	snprintf(trickle_s, sizeof trickle_s, "%d", TRICKLE_CONNS);
	snprintf(tk_s, sizeof tk_s, "%d", TRICKLE_S);
	snprintf(rc_s, sizeof rc_s, "%d", RECONNECT_MS);
	flood_pid = fork();
	if (flood_pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		/* Its own --seconds is only a backstop: the test stops it with SIGTERM. */
		execl(flood_bin, flood_bin, "--port", port_s, "--idle", idle_s, "--trickle",
		      trickle_s, "--trickle-s", tk_s, "--from", "127.0.0.2", "--addresses", addr_s,
		      "--reconnect-ms", rc_s, "--seconds", "120", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	fo->fd = out[0];
	fo->len = 0;
}

/* Reads ank_flood's output until it contains `want` or the stream ends (or timeout_ms
 * passes). Returns whether `want` was seen. */
static bool flood_read_until(flood_out *fo, const char *want, int timeout_ms)
{
	long long end = now_ns() + (long long)timeout_ms * 1000000LL;
	while (!(want && strstr(fo->buf, want))) {
		int left = (int)((end - now_ns()) / 1000000);
		struct pollfd p = {.fd = fo->fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return false;
		ssize_t k = read(fo->fd, fo->buf + fo->len, sizeof fo->buf - 1 - fo->len);
		if (k <= 0)
			return false;
		fo->len += (size_t)k;
		fo->buf[fo->len] = '\0';
	}
	return true;
}

/* The value of "flood: KEY=VALUE" in the output, or -1. */
static long long flood_get(const flood_out *fo, const char *key)
{
	char pat[80];
	snprintf(pat, sizeof pat, "flood: %s=", key);
	const char *p = strstr(fo->buf, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* ---- one window under a flood ---- */

static void report_latency(const client *c)
{
	long long *v = xmalloc((c->n ? c->n : 1) * sizeof *v);
	if (c->n)
		memcpy(v, c->lat_ns, c->n * sizeof *v);
	qsort(v, c->n, sizeof *v, cmp_ll);
	printf("     %-8s %4lld ok, %lld failed; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms"
	       "%s%s\n",
	       c->name, c->ok, c->failures, (double)pct(v, c->n, 50) / 1e6,
	       (double)pct(v, c->n, 99) / 1e6, (double)pct(v, c->n, 100) / 1e6,
	       c->failures ? "; first failure: " : "", c->failures ? c->first_failure : "");
	free(v);
}

static void window(const char *label, int addresses)
{
	printf("---- %s: %d idle + %d trickling connections from %d address%s (127.0.0.2...)\n",
	       label, IDLE_CONNS, TRICKLE_CONNS, addresses, addresses == 1 ? "" : "es");
	fflush(stdout);
	flood_out fo;
	flood_start(&fo, addresses);
	bool ready = flood_read_until(&fo, "flood: ready", FLOOD_READY_MS);
	char name[96];
	snprintf(name, sizeof name, "%s: ank_flood opened its connections", label);
	if (!expect(ready, name, "no \"ready\" from ank_flood in %d ms", FLOOD_READY_MS)) {
		proc_stop(&flood_pid, 2000);
		close(fo.fd);
		return;
	}

	client cl[] = {
	        {.name = "push"}, {.name = "poll"}, {.name = "command"}, {.name = "healthz"}};
	void *(*const fn[])(void *) = {run_pusher, run_poller, run_commander, run_healthz};
	enum { N_CLIENTS = sizeof cl / sizeof cl[0] };
	window_over = 0;
	for (int i = 0; i < N_CLIENTS; i++)
		if (pthread_create(&cl[i].th, NULL, fn[i], &cl[i]))
			die("cannot start a thread");
	sleep_ms(WINDOW_S * 1000);
	window_over = 1;
	for (int i = 0; i < N_CLIENTS; i++)
		pthread_join(cl[i].th, NULL);

	/* The flood ends only now: every request above met it. */
	kill(flood_pid, SIGTERM);
	flood_read_until(&fo, NULL, 10000); /* to its end */
	proc_stop(&flood_pid, 2000);
	close(fo.fd);

	for (int i = 0; i < N_CLIENTS; i++)
		report_latency(&cl[i]);
	long long slots = flood_get(&fo, "slots"), slots_cut = flood_get(&fo, "slots_cut");
	long long longest = flood_get(&fo, "longest_open_ms");
	long long cut = flood_get(&fo, "idle_cut") + flood_get(&fo, "trickle_cut");
	long long fast = flood_get(&fo, "idle_cut_fast") + flood_get(&fo, "trickle_cut_fast");
	printf("     attacker %lld connections, %lld cut (%lld within 1 s: a limit), cut after "
	       "p50 %lld / max %lld ms (idle) and %lld / %lld ms (trickling); longest alive "
	       "%lld ms, %lld connect errors, %lld open at the end\n",
	       flood_get(&fo, "idle_established") + flood_get(&fo, "trickle_established"), cut,
	       fast, flood_get(&fo, "idle_cut_p50_ms"), flood_get(&fo, "idle_cut_max_ms"),
	       flood_get(&fo, "trickle_cut_p50_ms"), flood_get(&fo, "trickle_cut_max_ms"), longest,
	       flood_get(&fo, "idle_connect_errors") + flood_get(&fo, "trickle_connect_errors"),
	       flood_get(&fo, "open_at_end"));

	const client *push = &cl[0], *poll_c = &cl[1], *cmd = &cl[2], *hz = &cl[3];
	snprintf(name, sizeof name, "%s: every kiosk push succeeded", label);
	expect(push->failures == 0 && push->ok >= 5, name, "%lld ok, %lld failed: %s", push->ok,
	       push->failures, push->first_failure);
	snprintf(name, sizeof name, "%s: every kiosk long-poll succeeded", label);
	expect(poll_c->failures == 0 && poll_c->ok >= 2, name, "%lld ok, %lld failed: %s",
	       poll_c->ok, poll_c->failures, poll_c->first_failure);
	snprintf(name, sizeof name, "%s: staff commands reached the kiosk's long-poll", label);
	expect(cmd->failures == 0 && cmd->ok >= 2 && poll_c->changes >= 1, name,
	       "%lld commands ok, %lld failed (%s); %lld changes came down", cmd->ok, cmd->failures,
	       cmd->first_failure, poll_c->changes);
	snprintf(name, sizeof name, "%s: /healthz always answered 200 within %d ms", label,
	         HEALTHZ_GUARD_MS);
	expect(hz->failures == 0 && hz->ok >= WINDOW_S * 1000 / HEALTHZ_EVERY_MS / 4, name,
	       "%lld ok, %lld failed: %s", hz->ok, hz->failures, hz->first_failure);
	snprintf(name, sizeof name, "%s: every attacker connection was cut", label);
	expect(slots > 0 && slots_cut == slots, name, "%lld of %lld slots ever cut", slots_cut,
	       slots);
	snprintf(name, sizeof name, "%s: no attacker connection outlived the deadline", label);
	expect(longest >= 0 && longest <= (DEADLINE_S + CUT_SLACK_S) * 1000, name,
	       "one lived %lld ms (request_deadline_s = %d)", longest, DEADLINE_S);
	if (addresses == 1) {
		snprintf(name, sizeof name,
		         "%s: all beyond the per-address limit were refused at once", label);
		expect(fast >= IDLE_CONNS + TRICKLE_CONNS - PER_ADDRESS, name,
		       "%lld cut within 1 s, %d expected at least", fast,
		       IDLE_CONNS + TRICKLE_CONNS - PER_ADDRESS);
	}
	for (int i = 0; i < N_CLIENTS; i++)
		free(cl[i].lat_ns);
}

/* ---- setup ---- */

/* Pairs the kiosk the real way: a code from pair-kiosk, then POST /api/v1/pair. */
static void pair_kiosk(void)
{
	ank_buf out;
	ank_buf_init(&out, OUT_MAX);
	if (central(NULL, &out, "pair-kiosk", "--db", db, "--site", SITE, NULL))
		die("pair-kiosk failed: %s", ank_buf_str(&out));
	char code[65];
	snprintf(code, sizeof code, "%.*s", (int)strcspn(ank_buf_str(&out), "\r\n"),
	         ank_buf_str(&out));
	ank_buf_free(&out);
	http h;
	http_connect(&h, server.port);
	kiosk k;
	int st = http_pair(&h, code, &k);
	if (st)
		die("pairing answered %d", st);
	snprintf(ks.id, sizeof ks.id, "%s", k.id);
	snprintf(ks.token, sizeof ks.token, "%s", k.token);
	http_close(&h);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: flood_test CENTRAL_BINARY ANK_FLOOD_BINARY\n", stderr);
		return 2;
	}
	central_bin = argv[1];
	flood_bin = argv[2];
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	snprintf(dir, sizeof dir, "/tmp/ank-flood-XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp: %s", strerror(errno));
	atexit(cleanup);
	snprintf(db, sizeof db, "%s/central.db", dir);
	snprintf(conf, sizeof conf, "%s/central.ini", dir);
	snprintf(central_log, sizeof central_log, "%s/central.log", dir);

	ank_buf out;
	ank_buf_init(&out, OUT_MAX);
	char pw[64];
	snprintf(pw, sizeof pw, "flood-%016llx\n", (unsigned long long)mix((uint64_t)now_ns()));
	if (central(NULL, &out, "migrate", "--db", db, NULL) ||
	    central(NULL, &out, "add-site", "--db", db, "--site", SITE, "--name", "Demo",
	            "--municipality", "101", NULL) ||
	    central(pw, &out, "create-admin", "--db", db, "--user", ADMIN_USER, NULL))
		die("setting up the database failed: %s", ank_buf_str(&out));
	ank_buf_free(&out);
	write_config();
	if (!expect(central_start(), "central starts with the serving contract's config",
	            "it did not start; its log:")) {
		show_log();
		return 1;
	}
	pair_kiosk();
	char login[96];
	pw[strcspn(pw, "\n")] = '\0';
	snprintf(login, sizeof login, "%s:%s", ADMIN_USER, pw);
	http h;
	http_connect(&h, server.port);
	ks.staff = staff_login(&h, login);
	http_close(&h);

	window("one address", 1);
	window("many addresses", MANY_ADDRESSES);

	/* Central survives the floods and stops cleanly (under ASan: without a leak). */
	http_connect(&h, server.port);
	static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	int e = http_try(&h, hz, sizeof hz - 1, HEALTHZ_GUARD_MS);
	expect(!e && h.status == 200, "central answers /healthz after the floods", "%s, status %d",
	       e ? strerror(e) : "answered", h.status);
	http_close(&h);
	int st = proc_stop(&server.pid, STOP_WAIT_MS);
	if (!expect(st == 0, "central stops cleanly on SIGTERM", "exit status %d", st))
		show_log();
	free(ks.staff);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
