/* ankomst-central against broken requests and broken ground: HTTP framing it must refuse,
 * kiosks that hang up before their batch is answered, the /metrics token and format (checked
 * by promtool), a damaged database refused at start, a full disk (a real tmpfs), and a write
 * lock held by another process. The real binary on a loopback port, raw HTTP/1.1 over sockets;
 * one group per run: central_faults_test CENTRAL PROMTOOL edges|metrics|damaged|full|locked. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "proc.h"

const char bench_prog[] = "central_faults_test";

/* ctest's SKIP_RETURN_CODE: the full-disk group needs to mount a tmpfs (root). */
#define SKIP 77
/* A request that takes longer than this has hung: the test fails rather than waits (a guard,
 * not a measure: a write behind the lock waits 2 s, on a loaded machine longer). */
#define ANSWER_TIMEOUT_S 30
/* The small file system of the full-disk group, and the free-space floor central gets there. */
#define TMPFS_SIZE  "6m"
#define MIN_FREE_MB 1
/* How long the locked group holds the write lock (issue 9: 30 s). */
#define LOCK_HELD_S 30
/* The request deadline of the edges group: short, so the trickling client is cut soon. */
#define EDGE_DEADLINE_S 2
/* Batches whose kiosk hangs up before the answer, in the edges group. */
#define HANGUPS       40
#define METRICS_TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *central_bin, *promtool_bin;
static char dir[64], db[128];
static int failed, passed;
static proc_central server; /* its pid and port */

static bool expect(const char *name, bool ok, const char *fmt, ...)
{
	if (ok) {
		passed++;
		return true;
	}
	failed++;
	printf("FAIL %s: ", name);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return false;
}

/* Writes the serving config: the metrics token (unless `no_token`) and extra lines. */
static void write_config(const char *path, bool no_token, const char *extra)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		die("cannot write %s", path);
	fprintf(fp, "[central]\n%s%s%s",
	        no_token ? "" : "metrics_token = ", no_token ? "" : METRICS_TOKEN "\n",
	        extra ? extra : "");
	fclose(fp);
}

/* Starts `serve` with config `conf`; its output goes to out_file. 0, or the exit status when it
 * stopped at once (-1 when it neither listened nor stopped). */
static int server_start(const char *conf, const char *out_file)
{
	char port_file[128];
	snprintf(port_file, sizeof port_file, "%s/port", dir);
	const char *extra[] = {"--db", db, "--config", conf, NULL};
	return proc_central_start(&server, central_bin, port_file, out_file, extra);
}

/* Stops central with SIGTERM: its exit status, 0 being a clean stop (under ASan: no leak). */
static int server_stop(void)
{
	return proc_stop(&server.pid, 0);
}

/* ---- raw HTTP ---- */

typedef struct answer {
	int status;
	char code[32]; /* the error answer's code, "" otherwise */
	char body[2048];
	char retry_after[16];
	long long ms; /* how long it took */
} answer;

/* Sends `raw` (a whole request, Connection: close) on a new connection and reads the answer
 * until the server closes. Returns 0, or -1 when no answer came in ANSWER_TIMEOUT_S. */
static int exchange(const char *raw, size_t n, answer *a)
{
	memset(a, 0, sizeof *a);
	long long t0 = now_ns();
	http h;
	http_connect(&h, server.port);
	struct timeval tv = {.tv_sec = ANSWER_TIMEOUT_S};
	setsockopt(h.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	http_send(&h, raw, n);
	int whole = 0;
	while (!(whole = http_parse(&h)))
		if (http_read_some(&h) == 0)
			break;
	if (whole) {
		a->status = h.status;
		snprintf(a->body, sizeof a->body, "%.*s", (int)h.body_len, h.buf + h.head_len);
		size_t rn = 0;
		const char *ra = http_header(&h, "Retry-After", &rn);
		if (ra)
			snprintf(a->retry_after, sizeof a->retry_after, "%.*s", (int)rn, ra);
		json_t *j = json_loadb(h.buf + h.head_len, h.body_len, 0, NULL);
		const char *c = json_string_value(json_object_get(j, "code"));
		snprintf(a->code, sizeof a->code, "%s", c ? c : "");
		json_decref(j);
	}
	http_close(&h);
	a->ms = (now_ns() - t0) / 1000000;
	return whole ? 0 : -1;
}

/* A request with Connection: close; headers are extra lines each ending in CRLF. A body gets
 * its Content-Length unless the headers frame it themselves. */
static int call(const char *method, const char *path, const char *headers, const char *body,
                answer *a)
{
	if (!headers)
		headers = "";
	bool framed =
	        strcasestr(headers, "content-length") || strcasestr(headers, "transfer-encoding");
	size_t cap = strlen(path) + strlen(headers) + (body ? strlen(body) : 0) + 256;
	char *req = xmalloc(cap);
	char length[64] = "";
	if (body && !framed)
		snprintf(length, sizeof length, "Content-Length: %zu\r\n", strlen(body));
	int n = snprintf(req, cap,
	                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s\r\n%s",
	                 method, path, headers, body ? "Content-Type: application/json\r\n" : "",
	                 length, body ? body : "");
	int rc = exchange(req, (size_t)n, a);
	free(req);
	return rc;
}

static bool healthy(void)
{
	answer a;
	return call("GET", "/healthz", NULL, NULL, &a) == 0 && a.status == 200;
}

/* ---- a paired kiosk ---- */

static char kiosk_id[64], kiosk_token[96];
static long long kiosk_seq;

static void fixture_site(void)
{
	const char *argv[] = {central_bin, "add-site", "--db",           db,    "--site", "demo",
	                      "--name",    "Demo",     "--municipality", "101", NULL};
	if (proc_run(argv, NULL, NULL))
		die("add-site failed");
}

/* Pairs a kiosk over HTTP with a code from pair-kiosk. */
static void pair(void)
{
	ank_buf out;
	ank_buf_init(&out, 63);
	const char *argv[] = {central_bin, "pair-kiosk", "--db", db, "--site", "demo", NULL};
	if (proc_run(argv, NULL, &out))
		die("pair-kiosk failed: %s", ank_buf_str(&out));
	char code[64];
	snprintf(code, sizeof code, "%.*s", (int)strcspn(ank_buf_str(&out), "\n"),
	         ank_buf_str(&out));
	ank_buf_free(&out);
	char body[128];
	snprintf(body, sizeof body, "{\"v\":1,\"code\":\"%s\"}", code);
	answer a;
	if (call("POST", "/api/v1/pair", NULL, body, &a) || a.status != 200)
		die("pair: %d %s", a.status, a.body);
	json_t *j = json_loads(a.body, 0, NULL);
	snprintf(kiosk_id, sizeof kiosk_id, "%s", json_string_value(json_object_get(j, "kiosk")));
	snprintf(kiosk_token, sizeof kiosk_token, "%s",
	         json_string_value(json_object_get(j, "token")));
	json_decref(j);
	kiosk_seq = 0;
}

/* A batch of n events of a type this central does not know, each with a payload of `pad`
 * bytes: stored in the log as sent, so they take room on the disk. seq from *from + 1. */
static long long batch_at; /* the kiosk time of batch()'s events; 0: now */

static char *batch(int n, int pad, long long from)
{
	json_t *ev = json_array();
	char *filler = xmalloc((size_t)pad + 1);
	memset(filler, 'x', (size_t)pad);
	filler[pad] = '\0';
	for (int i = 0; i < n; i++) {
		char id[33];
		snprintf(id, sizeof id, "%016llx%016llx",
		         (unsigned long long)from + 1 + (unsigned)i, (unsigned long long)getpid());
		json_array_append_new(ev, json_pack("{s:I, s:s, s:s, s:I, s:{s:s}}", "seq",
		                                    (json_int_t)(from + 1 + i), "id", id, "type",
		                                    "test.padding", "at",
		                                    (json_int_t)(batch_at ? batch_at : wall_ms()),
		                                    "payload", "pad", filler));
	}
	free(filler);
	json_t *b = json_pack("{s:i, s:s, s:o}", "v", 1, "kiosk", kiosk_id, "events", ev);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	return text;
}

static char *auth_header(void)
{
	static char h[160];
	snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", kiosk_token);
	return h;
}

/* Posts events kiosk_seq+1 .. kiosk_seq+n; kiosk_seq moves on only when central acked. */
static int push(int n, int pad, answer *a)
{
	char *body = batch(n, pad, kiosk_seq);
	int rc = call("POST", "/api/v1/sync/events", auth_header(), body, a);
	free(body);
	if (!rc && a->status == 200) {
		json_t *j = json_loads(a->body, 0, NULL);
		kiosk_seq = json_integer_value(json_object_get(j, "acked"));
		json_decref(j);
	}
	return rc;
}

static int poll_changes(int wait_s, answer *a)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/sync/changes?since=0&wait=%d", wait_s);
	return call("GET", path, auth_header(), NULL, a);
}

/* Events central holds for the kiosk, read from the file by a connection of our own. */
static long long events_held(void)
{
	sqlite3 *h = NULL;
	long long n = -1;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(h, "SELECT count(*) FROM event", -1, &s, NULL) ==
		            SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
	return n;
}

/* Waits up to ms for /healthz to give `status`; true when it did. */
static bool await_health(int status, int ms, answer *a)
{
	for (int waited = 0; waited <= ms; waited += 200) {
		if (call("GET", "/healthz", NULL, NULL, a) == 0 && a->status == status)
			return true;
		usleep(200 * 1000);
	}
	return false;
}

/* The usual start of a group: the site, the config (with the token and `extra` lines),
 * `serve`, a paired kiosk. False (a failure counted) when central did not start. */
static bool start_paired(const char *extra)
{
	char conf[128], log[128];
	snprintf(conf, sizeof conf, "%s/serve.ini", dir);
	snprintf(log, sizeof log, "%s/central.log", dir);
	write_config(conf, false, extra);
	fixture_site();
	if (!expect("serve", server_start(conf, log) == 0, "did not start"))
		return false;
	pair();
	return true;
}

/* ---- groups ---- */

/* Each refused with 400 bad_request, and central still serving afterwards. */
static void group_edges(void)
{
	char extra[64];
	snprintf(extra, sizeof extra, "request_deadline_s = %d\n", EDGE_DEADLINE_S);
	if (!start_paired(extra))
		return;
	/* One and a half times the header limit in one header: under libmicrohttpd's own
	 * memory limit (ANK_HTTP_CONNECTION_MEMORY, 16 KiB), so it is central's check that
	 * answers. */
	char big[20000], pad[12289];
	memset(pad, 'a', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	snprintf(big, sizeof big, "X-Padding: %s\r\n", pad);
	static const char body[] = "{\"v\":1,\"code\":\"AAAA-BBBB-CCCC\"}";
	char raw[25000];
	const struct {
		const char *name, *request;
	} cases[] = {
	        {"two-content-lengths",
	         "POST /api/v1/pair HTTP/1.1\r\nHost: x\r\nContent-Length: 31\r\n"
	         "Content-Length: 31\r\n\r\n{\"v\":1,\"code\":\"AAAA-BBBB-CCCC\"}"},
	        {"conflicting-content-lengths",
	         "POST /api/v1/pair HTTP/1.1\r\nHost: x\r\nContent-Length: 31\r\n"
	         "Content-Length: 5\r\n\r\n{\"v\":1,\"code\":\"AAAA-BBBB-CCCC\"}"},
	        {"content-length-and-chunked",
	         "POST /api/v1/pair HTTP/1.1\r\nHost: x\r\nContent-Length: 31\r\n"
	         "Transfer-Encoding: chunked\r\n\r\n1f\r\n{\"v\":1,\"code\":\"AAAA-BBBB-CCCC\"}\r\n"
	         "0\r\n\r\n"},
	        {"encoded-slash", "GET /api/v1/sync%2fchanges HTTP/1.1\r\nHost: x\r\n\r\n"},
	        {"encoded-letter", "GET /heal%74hz HTTP/1.1\r\nHost: x\r\n\r\n"},
	        {"dot-dot-segment", "GET /api/v1/../healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
	        {"dot-segment", "GET /./healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
	        {"header-section-over-limit", NULL},
	};
	(void)body;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *req = cases[i].request;
		if (!req) {
			snprintf(raw, sizeof raw, "GET /healthz HTTP/1.1\r\nHost: x\r\n%s\r\n",
			         big);
			req = raw;
		}
		answer a;
		int rc = exchange(req, strlen(req), &a);
		expect(cases[i].name, rc == 0 && a.status == 400 && !strcmp(a.code, "bad_request"),
		       "rc %d status %d code '%s' body %.200s", rc, a.status, a.code, a.body);
		char name[96];
		snprintf(name, sizeof name, "%s-still-serving", cases[i].name);
		expect(name, healthy(), "no healthy answer after the refusal");
	}
	/* The same requests framed well are served: the checks refuse only what they name. */
	answer a;
	call("GET", "/healthz", "X-Small: 1\r\n", NULL, &a);
	expect("plain-request-served", a.status == 200, "status %d", a.status);
	call("GET", "/api/v1/sync/changes?since=0", auth_header(), NULL, &a);
	expect("feed-served", a.status == 200, "status %d %s", a.status, a.body);
	/* A client that sends its headers a byte a second is cut at the deadline, though each
	 * byte is well within the idle timeout. */
	http t;
	http_connect(&t, server.port);
	struct timeval tv = {.tv_sec = 1};
	setsockopt(t.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	http_send(&t, "GET /healthz HTTP/1.1\r\nX-Slow: ", 32);
	long long t0 = now_ns();
	bool cut = false;
	for (int i = 0; i < 4 * EDGE_DEADLINE_S && !cut; i++) {
		char ch = 'a';
		if (send(t.fd, &ch, 1, MSG_NOSIGNAL) != 1)
			cut = true;
		char buf[256];
		ssize_t got = recv(t.fd, buf, sizeof buf, 0);
		if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			cut = true;
	}
	long long after_ms = (now_ns() - t0) / 1000000;
	http_close(&t);
	expect("trickle-cut", cut && after_ms < 3000LL * EDGE_DEADLINE_S,
	       "cut %d after %lld ms (deadline %d s)", cut, after_ms, EDGE_DEADLINE_S);
	expect("trickle-then-serving", healthy(), "no healthy answer");
	/* A kiosk that hangs up while its batch waits for the commit (a kiosk stopped mid-push):
	 * the answer made for it is dropped with the request, not leaked (ASan's leak check at
	 * the clean stop below), and the events are held all the same. Each batch repeats the
	 * ones before it (same times, so identical replays), as a kiosk resends what it does not
	 * know central took: no gap however the batches meet the writer. */
	batch_at = wall_ms();
	for (int i = 0; i < HANGUPS; i++) {
		char *body = batch(i + 1, 10, kiosk_seq);
		size_t n;
		char *req = request(&n, "POST", "/api/v1/sync/events", auth_header(), body);
		http h;
		http_connect(&h, server.port);
		http_send(&h, req, n);
		http_close(&h);
		free(req);
		free(body);
	}
	long long want = kiosk_seq + HANGUPS;
	for (int i = 0; i < 100 && events_held() < want; i++)
		usleep(50 * 1000);
	expect("hang-ups-held", events_held() == want, "%lld events held, want %lld", events_held(),
	       want);
	kiosk_seq = want;
	batch_at = 0;
	push(1, 10, &a);
	expect("hang-ups-then-serving", a.status == 200, "status %d %s", a.status, a.body);
	expect("server-exits-cleanly", server_stop() == 0, "exit status");
}

/* /metrics: absent without a token, refused without the right one, and clean for promtool. */
static void group_metrics(void)
{
	char conf[128], log[128];
	snprintf(conf, sizeof conf, "%s/serve.ini", dir);
	snprintf(log, sizeof log, "%s/central.log", dir);
	fixture_site();
	write_config(conf, true, NULL);
	if (!expect("serve-without-token", server_start(conf, log) == 0, "did not start"))
		return;
	answer a;
	call("GET", "/metrics", NULL, NULL, &a);
	expect("no-token-no-metrics", a.status == 404 && !strcmp(a.code, "not_found"),
	       "status %d %s", a.status, a.body);
	server_stop();
	write_config(conf, false, NULL);
	if (!expect("serve-with-token", server_start(conf, log) == 0, "did not start"))
		return;
	pair();
	push(3, 10, &a);
	batch_at = 7258118400000LL; /* 2200-01-01: a kiosk clock gone wrong */
	push(1, 10, &a);
	batch_at = 0;
	call("GET", "/metrics", NULL, NULL, &a);
	expect("metrics-need-token", a.status == 401 && !strcmp(a.code, "unauthorized"),
	       "status %d %s", a.status, a.body);
	call("GET", "/metrics", "Authorization: Bearer 0123\r\n", NULL, &a);
	expect("metrics-wrong-token", a.status == 401, "status %d", a.status);
	/* The whole text, not the 2 KiB an answer keeps. */
	http h;
	http_connect(&h, server.port);
	size_t n;
	char *req =
	        request(&n, "GET", "/metrics", "Authorization: Bearer " METRICS_TOKEN "\r\n", NULL);
	http_send(&h, req, n);
	free(req);
	http_recv(&h);
	expect("metrics-with-token", h.status == 200, "status %d", h.status);
	char path[128];
	snprintf(path, sizeof path, "%s/metrics.txt", dir);
	FILE *fp = fopen(path, "w");
	if (fp) {
		fwrite(h.buf + h.head_len, 1, h.body_len, fp);
		fclose(fp);
	}
	char text[65536];
	snprintf(text, sizeof text, "%.*s", (int)h.body_len, h.buf + h.head_len);
	http_close(&h);
	expect("metrics-kiosk-last-seen",
	       strstr(text, "ankomst_kiosk_last_seen_timestamp_seconds{") != NULL, "%.300s", text);
	expect("metrics-out-of-time",
	       strstr(text, "\nankomst_events_out_of_time_total 1\n") != NULL,
	       "no count of the event from 2200");
	expect("metrics-latency-by-route",
	       strstr(text, "ankomst_http_request_seconds_bucket{route=\"sync_events\",") != NULL,
	       "no per-route histogram");
	ank_buf out;
	ank_buf_init(&out, 8191);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "%s check metrics < %s", promtool_bin, path);
	const char *argv[] = {"sh", "-c", cmd, NULL};
	int rc = proc_run(argv, NULL, &out);
	expect("promtool-check-metrics", rc == 0 && out.len == 0, "exit %d: %s", rc,
	       ank_buf_str(&out));
	ank_buf_free(&out);
	expect("server-exits-cleanly", server_stop() == 0, "exit status");
}

/* A file whose pages were overwritten is refused at start with a clear message. */
static void group_damaged(void)
{
	char conf[128], out[4096];
	snprintf(conf, sizeof conf, "%s/serve.ini", dir);
	if (!start_paired(NULL))
		return;
	answer a;
	for (int i = 0; i < 5; i++)
		push(100, 2000, &a);
	expect("stored", kiosk_seq == 500, "acked %lld", kiosk_seq);
	expect("server-exits-cleanly", server_stop() == 0, "exit status");
	/* Overwrite pages in the middle of the file (the header page stays, so SQLite opens
	 * it and only a check finds the damage). */
	int fd = open(db, O_WRONLY);
	struct stat st;
	fstat(fd, &st);
	char junk[4096];
	memset(junk, 0x5a, sizeof junk);
	for (off_t off = st.st_size / 3; off < st.st_size / 3 + 64 * 4096 && off < st.st_size;
	     off += 4096)
		if (pwrite(fd, junk, sizeof junk, off) != (ssize_t)sizeof junk)
			die("pwrite: %s", strerror(errno));
	close(fd);
	char out_file[128];
	snprintf(out_file, sizeof out_file, "%s/damaged.out", dir);
	int rc = server_start(conf, out_file);
	expect("damaged-refused", rc == 1, "serve gave %d (0 means it listened)", rc);
	if (rc == 0)
		server_stop();
	FILE *fp = fopen(out_file, "r");
	size_t n = fp ? fread(out, 1, sizeof out - 1, fp) : 0;
	out[n] = '\0';
	if (fp)
		fclose(fp);
	expect("damaged-says-why",
	       strstr(out, "damaged") && strstr(out, "quick_check") &&
	               strstr(out, "docs/operations.md"),
	       "%s", out);
}

/* A full disk: 507 storage_full, /healthz 503, nothing acknowledged that is not stored, the
 * read-only feed still answering, and everything stored once space returns. */
static void group_full(void)
{
	char mnt[96];
	snprintf(mnt, sizeof mnt, "%s/small", dir);
	mkdir(mnt, 0700);
	if (mount("ankomst-test", mnt, "tmpfs", 0, "size=" TMPFS_SIZE) != 0) {
		printf("SKIP full: cannot mount a tmpfs (%s); needs root\n", strerror(errno));
		exit(SKIP);
	}
	snprintf(db, sizeof db, "%s/central.db", mnt);
	char extra[64];
	snprintf(extra, sizeof extra, "min_free_mb = %d\n", MIN_FREE_MB);
	if (!start_paired(extra))
		goto unmount;
	answer a;
	push(50, 1000, &a);
	expect("stored-before", a.status == 200 && kiosk_seq == 50, "%d %s", a.status, a.body);
	/* Fill the file system to the last byte. */
	char filler[128];
	snprintf(filler, sizeof filler, "%s/filler", mnt);
	int fd = open(filler, O_WRONLY | O_CREAT, 0600);
	char chunk[65536];
	memset(chunk, 0, sizeof chunk);
	while (write(fd, chunk, sizeof chunk) > 0)
		;
	while (write(fd, chunk, 512) > 0)
		;
	close(fd);
	long long acked_before = kiosk_seq;
	int refused = 0, acked_while_full = 0;
	for (int i = 0; i < 20 && !refused; i++) {
		push(100, 4000, &a);
		if (a.status == 507) {
			refused++;
			expect("full-code", !strcmp(a.code, "storage_full") && a.retry_after[0],
			       "code '%s' retry-after '%s'", a.code, a.retry_after);
		} else if (a.status == 200) {
			acked_while_full++;
		} else {
			expect("full-status", false, "status %d %s", a.status, a.body);
			break;
		}
	}
	expect("full-refused", refused == 1, "no 507 in 20 batches");
	expect("full-health-503", await_health(503, 3000, &a) && strstr(a.body, "unhealthy"),
	       "healthz %d %s", a.status, a.body);
	long long held = events_held();
	expect("full-no-unstored-ack", held >= kiosk_seq, "central acked %lld but holds %lld",
	       kiosk_seq, held);
	answer f;
	poll_changes(0, &f);
	expect("full-feed-answers", f.status == 200, "status %d %s", f.status, f.body);
	/* Space comes back: central recovers by itself, and the kiosk's resend is stored. */
	unlink(filler);
	expect("recovered-health", await_health(200, 5000, &a), "healthz %d %s", a.status, a.body);
	long long want = kiosk_seq + 100;
	push(100, 4000, &a);
	expect("recovered-stored", a.status == 200 && kiosk_seq == want, "%d %s", a.status, a.body);
	expect("server-exits-cleanly", server_stop() == 0, "exit status");
	expect("nothing-lost", events_held() == kiosk_seq, "holds %lld, acked %lld", events_held(),
	       kiosk_seq);
	(void)acked_before;
	(void)acked_while_full;
unmount:
	if (server.pid > 0)
		server_stop();
	umount2(mnt, MNT_DETACH);
}

/* Another process holds the write lock for LOCK_HELD_S: the change feed and token checks keep
 * answering, writes get 503 unavailable (not an acknowledgement), /healthz says why, and
 * everything goes on once the lock is released. */
static void group_locked(void)
{
	if (!start_paired(NULL))
		return;
	answer a;
	push(10, 100, &a);
	sqlite3 *h = NULL;
	sqlite3_open(db, &h);
	char *e = NULL;
	if (!expect("lock", sqlite3_exec(h, "BEGIN EXCLUSIVE", NULL, NULL, &e) == SQLITE_OK, "%s",
	            e ? e : ""))
		goto out;
	long long until = now_ns() + (long long)LOCK_HELD_S * 1000000000LL;
	int feed_ok = 0, feed_calls = 0, refused = 0, acked = 0;
	long long worst = 0;
	bool health_said = false;
	while (now_ns() < until) {
		answer f;
		int rc = poll_changes(0, &f);
		feed_calls++;
		feed_ok += rc == 0 && f.status == 200;
		if (f.ms > worst)
			worst = f.ms;
		push(5, 100, &a);
		if (getenv("ANK_TEST_VERBOSE"))
			printf("feed %d in %lld ms, push %d in %lld ms\n", f.status, f.ms, a.status,
			       a.ms);
		refused += a.status == 503 && !strcmp(a.code, "unavailable");
		acked += a.status == 200;
		answer hz;
		if (call("GET", "/healthz", NULL, NULL, &hz) == 0 && hz.status == 503 &&
		    strstr(hz.body, "locked"))
			health_said = true;
		usleep(500 * 1000);
	}
	printf("locked: %d feed calls, slowest %lld ms; %d writes refused\n", feed_calls, worst,
	       refused);
	expect("locked-feed-answers", feed_ok == feed_calls, "%d of %d", feed_ok, feed_calls);
	expect("locked-writes-refused", refused > 0 && acked == 0, "%d refused, %d acked", refused,
	       acked);
	expect("locked-health-says", health_said, "no 503 naming the lock");
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	expect("unlocked-health", await_health(200, 5000, &a), "healthz %d %s", a.status, a.body);
	long long want = kiosk_seq + 5;
	push(5, 100, &a);
	expect("unlocked-stored", a.status == 200 && kiosk_seq == want, "%d %s", a.status, a.body);
out:
	sqlite3_close(h);
	expect("server-exits-cleanly", server_stop() == 0, "exit status");
	expect("nothing-lost", events_held() == kiosk_seq, "holds %lld, acked %lld", events_held(),
	       kiosk_seq);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} groups[] = {{"edges", group_edges},
	              {"metrics", group_metrics},
	              {"damaged", group_damaged},
	              {"full", group_full},
	              {"locked", group_locked}};
	void (*fn)(void) = NULL;
	for (size_t i = 0; argc == 4 && i < sizeof groups / sizeof groups[0]; i++)
		if (!strcmp(argv[3], groups[i].name))
			fn = groups[i].fn;
	if (!fn) {
		fprintf(stderr, "usage: central_faults_test CENTRAL PROMTOOL "
		                "edges|metrics|damaged|full|locked\n");
		return 2;
	}
	central_bin = argv[1];
	promtool_bin = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof dir, "/tmp/ank-faults-XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp: %s", strerror(errno));
	snprintf(db, sizeof db, "%s/central.db", dir);
	fn();
	if (server.pid > 0)
		server_stop();
	char log[160];
	snprintf(log, sizeof log, "%s/central.log", dir);
	proc_end_dir(dir, log, failed);
	printf("central faults %s: %d passed, %d failed\n", argv[3], passed, failed);
	return failed ? 1 : 0;
}
