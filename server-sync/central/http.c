/* ankomst-central's HTTP layer on libmicrohttpd: strict request framing, one route table (with
 * {param} segments) that says where each route runs, a size cap on every body, kiosk token and
 * staff session authentication with CSRF and role checks, the sync routes, /healthz and
 * /metrics. The staff handlers are in staff.c, the serving machinery in serve.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "ank_buf.h"
#include "ank_log.h"
#include "wire.h"
#include "ank_text.h"
#include "ank_time.h"
#include "ank_version.h"
#include "http.h"
#include "admin_texts.h"
#include "cstore_texts.h"
#include "admin_content.h"
#include "proto.h"
#include "report_suppress.h"
#include "serve.h"
#include "web.h"

/* A request's header section at most (names, values, their separators): a kiosk's or a
 * browser's are well under 2 KiB; libmicrohttpd's own memory limit for a connection
 * (ANK_HTTP_CONNECTION_MEMORY in central.c) sits above this, so a larger section gets this
 * 400 with a code rather than the library's own answer. */
#define MAX_HEADER_BYTES 8192
#define STR_(x)          #x
#define STR(x)           STR_(x)
/* Latency histogram buckets in seconds, Prometheus style. */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])
/* Rows of the per-route counters: every route plus "unknown". */
#define MAX_ROUTES 64
/* The session cookie's name; its attributes are in docs/api.md. */
#define SESSION_COOKIE "ank_session"

typedef enum auth_kind {
	AUTH_NONE,    /* anyone */
	AUTH_KIOSK,   /* a paired kiosk's bearer token */
	AUTH_SESSION, /* any staff or admin session */
	AUTH_SITE,    /* a session of the {site} in the path: its staff, or an admin */
	AUTH_ADMIN,   /* an admin session */
	AUTH_METRICS, /* the metrics bearer token of the config */
	AUTH_PAGE,    /* a page of the console: any session, else a redirect to the login page */
	AUTH_DISPLAY, /* a waiting-room display's bearer key: its site into ctx.site */
} auth_kind;

/* Where a route's handler runs. */
typedef enum exec_kind {
	EXEC_INLINE, /* on the event loop: cheap, never waits on a lock for long */
	EXEC_WORKER, /* on a worker thread (password hashes, writes, reports), fairly by address */
} exec_kind;

struct ank_http {
	ank_cstore *cs;
	ank_serve *serve;
	const ank_web *web;
	char metrics_token[ANK_TOKEN_HEX + 1]; /* "" when /metrics is off */
	int report_below;                      /* the report's suppression threshold */
	struct ank_texts_conf *texts;          /* the screen texts' preview (borrowed; NULL) */
	pthread_mutex_t mu;                    /* the metrics below */
	long long requests[MAX_ROUTES][6];     /* [route][status class 1xx..5xx + other] */
	/* The latency histogram per route, so that 30 s long-polls do not fill the buckets of
	 * ordinary requests. */
	long long bucket_counts[MAX_ROUTES][N_BUCKETS + 1];
	double latency_sum[MAX_ROUTES];
	long long latency_count[MAX_ROUTES];
	/* The last feed answer encoded (with server_ms 0), guarded by feed_mu: a staff command
	 * wakes every kiosk of a site with the same cursor, and they all get the same changes,
	 * so 5,000 answers cost one encoding and 5,000 copies. */
	pthread_mutex_t feed_mu;
	struct {
		char site[64];
		long long since, cursor;
		int n;
		char *text; /* malloc'd; NULL when empty */
	} feed;
};

/* One request, from its request line to its completion. It outlives suspensions: a worker,
 * the ingest writer or a long-poll's wake-up hands it back to the event loop. */
typedef struct request {
	ank_buf body;
	bool too_big;
	int64_t start_ns;
	int route;
	int status;
	bool started;  /* the headers were seen */
	bool received; /* the whole body was seen */
	bool deferred; /* suspended: the next call is its resumption */
	bool has_reply;
	ank_reply reply;    /* set by whoever the request was deferred to */
	char bad[128];      /* a framing error found in the request line; "" if none */
	const char *method; /* libmicrohttpd's, valid for the request */
	ank_http_ctx c;     /* the handler's context */
	ank_batch *batch;   /* a kiosk's decoded batch on its way to the writer */
	ank_cs_ingest_job ingest;
} request;

ank_reply ank_http_json(int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return (ank_reply){status, text, "application/json"};
}

/* Every error central answers: its wire code, its HTTP status, and the store result it
 * answers (ANK_CS_OK: none, the HTTP layer's own checks). The one place that pairs them, so a
 * code always comes with the same status; docs/api.md "Error codes" lists the same. */
static const struct answer {
	ank_errcode code;
	int status;
	ank_cs_rc rc;
} answers[] = {
        {ANK_ERR_BAD_REQUEST, 400, ANK_CS_OK},
        {ANK_ERR_INVALID_JSON, 400, ANK_CS_OK},
        {ANK_ERR_INVALID_FIELD, 400, ANK_CS_INVALID},
        {ANK_ERR_UNAUTHORIZED, 401, ANK_CS_REFUSED},
        {ANK_ERR_FORBIDDEN, 403, ANK_CS_FORBIDDEN},
        {ANK_ERR_CSRF, 403, ANK_CS_OK},
        {ANK_ERR_NOT_FOUND, 404, ANK_CS_UNKNOWN},
        {ANK_ERR_METHOD_NOT_ALLOWED, 405, ANK_CS_OK},
        {ANK_ERR_EXISTS, 409, ANK_CS_EXISTS},
        {ANK_ERR_CONFLICT, 409, ANK_CS_CONFLICT},
        {ANK_ERR_GAP, 409, ANK_CS_GAP},
        {ANK_ERR_TOO_LARGE, 413, ANK_CS_OK},
        {ANK_ERR_WAIT, 429, ANK_CS_WAIT},
        {ANK_ERR_UNAVAILABLE, 503, ANK_CS_DB},
        {ANK_ERR_UNAVAILABLE, 503, ANK_CS_BUSY},
        {ANK_ERR_STORAGE_FULL, 507, ANK_CS_FULL},
};
#define N_ANSWERS (sizeof answers / sizeof answers[0])

int ank_http_status_of(ank_errcode code)
{
	for (size_t i = 0; i < N_ANSWERS; i++)
		if (answers[i].code == code)
			return answers[i].status;
	return 500; /* ANK_ERR_UNKNOWN is never sent on purpose */
}

ank_reply ank_http_error(ank_errcode code, const char *msg)
{
	return (ank_reply){ank_http_status_of(code),
	                   ank_proto_error_encode(code, msg, ank_now_ms()), "application/json"};
}

void ank_http_echo(char out[ANK_HTTP_ECHO_MAX + 1], const char *s)
{
	size_t i = 0;
	for (; s[i] && i < ANK_HTTP_ECHO_MAX; i++) {
		char ch = s[i];
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		             (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
		out[i] = plain ? ch : '?';
	}
	out[i] = '\0';
}

ank_reply ank_http_bad_field(const char *field, const char *rule)
{
	char msg[400];
	snprintf(msg, sizeof msg, "%s: %s", field, rule);
	return ank_http_error(ANK_ERR_INVALID_FIELD, msg);
}

const char *ank_http_unknown_member(json_t *j, const char *const *known)
{
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v)
	{
		bool ok = false;
		for (int i = 0; known[i] && !ok; i++)
			ok = !strcmp(key, known[i]);
		if (!ok)
			return key;
	}
	return NULL;
}

int ank_http_only_known(json_t *j, const char *const *known, ank_reply *bad)
{
	const char *key = ank_http_unknown_member(j, known);
	if (!key)
		return 0;
	char name[ANK_HTTP_ECHO_MAX + 1];
	ank_http_echo(name, key);
	*bad = ank_http_bad_field(name, "unknown field");
	return -1;
}

int ank_http_bare_body(ank_http_ctx *c, ank_reply *bad)
{
	json_t *j = ank_http_body(c, bad);
	if (!j)
		return -1;
	static const char *const known[] = {"v", NULL};
	int rc = ank_http_only_known(j, known, bad);
	json_decref(j);
	return rc;
}

ank_reply ank_http_cs_error(ank_cs_rc rc, const char *msg)
{
	ank_errcode code = ANK_ERR_UNAVAILABLE;
	for (size_t i = 0; i < N_ANSWERS; i++)
		if (answers[i].rc == rc && rc != ANK_CS_OK) {
			code = answers[i].code;
			break;
		}
	return ank_http_error(code, msg);
}

/* True when the JSON text opens more than `max` arrays and objects inside each other. A scan
 * of the bytes, so that a hostile body never reaches a recursive parser or free. */
static bool nests_deeper(const char *s, size_t n, int max)
{
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = false;
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max)
				return true;
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
	}
	return false;
}

json_t *ank_http_body(ank_http_ctx *c, ank_reply *bad)
{
	if (nests_deeper(c->body, c->body_len, ANK_PROTO_MAX_DEPTH)) {
		char msg[64];
		snprintf(msg, sizeof msg, "JSON nests deeper than %d levels", ANK_PROTO_MAX_DEPTH);
		*bad = ank_http_error(ANK_ERR_INVALID_JSON, msg);
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		char msg[256];
		snprintf(msg, sizeof msg, "invalid JSON at line %d column %d: %s%s", je.line,
		         je.column,
		         json_error_code(&je) == json_error_invalid_utf8 ? "invalid UTF-8: " : "",
		         je.text);
		*bad = ank_http_error(ANK_ERR_INVALID_JSON, msg);
		return NULL;
	}
	json_t *v = json_object_get(j, "v");
	if (!json_is_object(j) || !json_is_integer(v) ||
	    json_integer_value(v) != ANK_PROTO_VERSION) {
		json_decref(j);
		*bad = ank_http_error(ANK_ERR_INVALID_JSON, "expected a JSON object with \"v\":1");
		return NULL;
	}
	return j;
}

/* ---- sync and service handlers ---- */

/* Why a body the protocol decoder refused is wrong: not JSON at all (the same checks as
 * ank_http_body), or JSON of the wrong form. Runs only on a refused body, so it may parse. */
static ank_errcode body_error_code(const ank_http_ctx *c)
{
	if (nests_deeper(c->body, c->body_len, ANK_PROTO_MAX_DEPTH))
		return ANK_ERR_INVALID_JSON;
	json_t *j = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, NULL);
	ank_errcode code = json_is_object(j) ? ANK_ERR_BAD_REQUEST : ANK_ERR_INVALID_JSON;
	json_decref(j);
	return code;
}

/* The state the maintenance thread's probe and every write leave behind: answering it costs
 * no database work, so a flood of health checks cannot slow central. */
static ank_reply h_healthz(ank_http_ctx *c)
{
	char why[256], text[300];
	if (ank_cstore_health(c->cs, why, sizeof why) == ANK_CS_HEALTH_OK)
		return (ank_reply){200, strdup("ok\n"), "text/plain"};
	snprintf(text, sizeof text, "unhealthy: %s\n", why);
	return (ank_reply){503, strdup(text), "text/plain"};
}

static ank_reply h_metrics(ank_http_ctx *c);
static ank_reply h_pair(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	const char *code = NULL;
	int v = 0;
	if (json_unpack(j, "{s:i, s:s}", "v", &v, ANK_PAIR_FIELD_CODE, &code) ||
	    v != ANK_PROTO_VERSION) {
		json_decref(j);
		return ank_http_error(ANK_ERR_INVALID_FIELD, "expected {\"v\":1,\"code\":\"...\"}");
	}
	char kiosk[64], site[64], token[ANK_TOKEN_HEX + 1];
	ank_err err;
	ank_cs_rc rc = ank_cstore_pair(c->cs, code, ank_now_ms(), kiosk, site, token, &err);
	json_decref(j);
	/* The code is a one-time credential: a wrong one is forbidden, not a missing page. */
	if (rc == ANK_CS_UNKNOWN)
		return ank_http_error(ANK_ERR_FORBIDDEN, "unknown, used or expired pairing code");
	if (rc != ANK_CS_OK)
		return ank_http_cs_error(rc, "cannot pair now");
	ank_log(ANK_LOG_INFO, "pair", "kiosk %s paired for site %s", kiosk, site);
	ank_reply r =
	        ank_http_json(200, json_pack("{s:i, s:s, s:s, s:s, s:I}", "v", ANK_PROTO_VERSION,
	                                     "kiosk", kiosk, "site", site, "token", token,
	                                     "server_ms", (json_int_t)ank_now_ms()));
	sodium_memzero(token, sizeof token);
	return r;
}

/* The answer to a batch once the writer has committed it (or failed to). */
static ank_reply events_reply(ank_http_ctx *c, const ank_batch *b, const ank_cs_ingest_job *j)
{
	/* One line per batch (types only, never payloads: no personal data in logs). */
	if (j->rc == ANK_CS_OK)
		ank_log(ANK_LOG_INFO, "sync",
		        "kiosk %s: events %lld..%lld received (%s%s); held up to %lld", c->kiosk,
		        b->ev[0].seq, b->ev[b->n - 1].seq, b->ev[0].type, b->n > 1 ? ", ..." : "",
		        j->acked);
	if (j->rc == ANK_CS_DB || j->rc == ANK_CS_FULL || j->rc == ANK_CS_BUSY) {
		ank_log(ANK_LOG_ERROR, "sync", "kiosk %s: nothing stored: %s", c->kiosk,
		        j->err.msg);
		return ank_http_cs_error(j->rc, j->rc == ANK_CS_FULL
		                                        ? "central's disk is full: nothing stored"
		                                        : "cannot store events now");
	}
	if (j->rc != ANK_CS_OK) {
		ank_log(ANK_LOG_WARN, "sync", "kiosk %s: %s", c->kiosk, j->err.msg);
		return ank_http_cs_error(j->rc, j->err.msg);
	}
	return (ank_reply){200, ank_proto_ack_encode(j->acked, ank_now_ms()), "application/json"};
}

static void events_done(void *arg)
{
	request *req = arg;
	req->reply = events_reply(&req->c, req->batch, &req->ingest);
	req->has_reply = true;
}

/* Decodes and checks the batch here, on the event loop; the writer thread commits it with
 * whatever else has arrived (group commit) and the answer waits for that commit. */
static ank_reply h_events(ank_http_ctx *c)
{
	request *req = c->req;
	ank_batch *b = calloc(1, sizeof *b);
	if (!b)
		return ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory");
	ank_err err;
	if (ank_proto_batch_decode(c->body, c->body_len, b, &err)) {
		free(b);
		return ank_http_error(body_error_code(c), err.msg);
	}
	if (strcmp(b->kiosk, c->kiosk) != 0) {
		ank_proto_batch_free(b);
		free(b);
		return ank_http_error(ANK_ERR_FORBIDDEN,
		                      "the batch names another kiosk than the token");
	}
	req->batch = b;
	req->ingest = (ank_cs_ingest_job){.kiosk = c->kiosk, .b = b};
	if (c->srv->serve &&
	    ank_serve_ingest(c->srv->serve, c->conn, &req->ingest, events_done, req) == 0)
		return (ank_reply){0}; /* answered after the commit */
	ank_cstore_ingest_many(c->cs, &req->ingest, 1, ank_now_ms());
	return events_reply(c, b, &req->ingest);
}

/* The encoder's text for f with central's clock now, taken from the cache when the same site,
 * cursor and changes were encoded last (only server_ms differs). The encoder writes
 * {"v":1,"cursor":N,"server_ms":0,... and that head is checked before anything is spliced;
 * anything else is encoded afresh. A malloc'd text the caller frees, or NULL with err. */
static char *feed_encode(ank_http *s, const char *site, long long since, ank_feed *f, ank_err *err)
{
	int64_t now = ank_now_ms();
	if (f->n == 0) {
		f->server_ms = now;
		return ank_proto_feed_encode(f, err);
	}
	char head[96];
	int hn = snprintf(head, sizeof head, "{\"v\":%d,\"cursor\":%lld,\"server_ms\":0,",
	                  ANK_PROTO_VERSION, f->cursor);
	pthread_mutex_lock(&s->feed_mu);
	bool hit = s->feed.text && s->feed.since == since && s->feed.cursor == f->cursor &&
	           s->feed.n == f->n && !strcmp(s->feed.site, site);
	if (!hit) {
		f->server_ms = 0;
		char *text = ank_proto_feed_encode(f, err);
		if (!text || strncmp(text, head, (size_t)hn) != 0) {
			pthread_mutex_unlock(&s->feed_mu);
			free(text);
			f->server_ms = now;
			return ank_proto_feed_encode(f, err);
		}
		free(s->feed.text);
		s->feed.text = text;
		snprintf(s->feed.site, sizeof s->feed.site, "%s", site);
		s->feed.since = since;
		s->feed.cursor = f->cursor;
		s->feed.n = f->n;
	}
	size_t rest = strlen(s->feed.text) - (size_t)hn;
	size_t cap = (size_t)hn + 24 + rest + 1;
	char *out = malloc(cap);
	if (out) {
		int k = snprintf(out, cap, "{\"v\":%d,\"cursor\":%lld,\"server_ms\":%lld,",
		                 ANK_PROTO_VERSION, f->cursor, (long long)now);
		memcpy(out + k, s->feed.text + hn, rest + 1);
	} else {
		ank_err_set(err, "out of memory");
	}
	pthread_mutex_unlock(&s->feed_mu);
	return out;
}

/* A program version as kiosks report it (ank_version.h): 1..ANK_VERSION_MAX of
 * [0-9A-Za-z.+-]. */
static bool version_ok(const char *v)
{
	size_t n = strlen(v);
	return n > 0 && n <= ANK_VERSION_MAX &&
	       strspn(v, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-") == n;
}

static ank_reply h_changes(ank_http_ctx *c)
{
	const char *since_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "since");
	const char *wait_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "wait");
	long since = 0, wait = 0;
	if ((since_s && ank_parse_long(since_s, 0, 0x7fffffffffffL, &since)) ||
	    (wait_s && ank_parse_long(wait_s, 0, ANK_HTTP_LONG_POLL_MAX_S, &wait)))
		return ank_http_error(ANK_ERR_BAD_REQUEST,
		                      "since must be a cursor >= 0 and wait 0..30 seconds");
	/* The kiosk says how many of its events are still to send: the console shows it. A
	 * value out of range is only not noted; the changes are what this route is for. */
	const char *unsent_s =
	        MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "unsent");
	long unsent;
	if (unsent_s && !c->resumed && !ank_parse_long(unsent_s, 0, 1000000000L, &unsent))
		ank_cstore_kiosk_unsent(c->cs, c->kiosk, unsent);
	/* And its program version (older kiosks send none; one of another form is not noted). */
	const char *version_s =
	        MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "version");
	if (version_s && !c->resumed && version_ok(version_s))
		ank_cstore_kiosk_version(c->cs, c->kiosk, version_s);
	/* And the screen texts' version it shows (cstore_texts.h). */
	const char *texts_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "texts");
	long texts;
	if (texts_s && !c->resumed && !ank_parse_long(texts_s, 0, 0x7fffffffL, &texts))
		ank_cstore_kiosk_texts(c->cs, c->kiosk, texts);
	/* And its printer's state (kiosks without one send none); not a code: not noted. */
	const char *printer_s =
	        MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "printer");
	if (printer_s && !c->resumed && ank_text_is_slug(printer_s, ANK_PRINTER_STATE_MAX))
		ank_cstore_kiosk_printer(c->cs, c->kiosk, printer_s);
	/* A poll held while its kiosk was revoked ends now, without the changes. */
	if (c->resumed && ank_cstore_kiosk_revoked(c->cs, c->kiosk))
		return ank_http_error(ANK_ERR_UNAUTHORIZED, "this kiosk was revoked");
	ank_feed f;
	ank_err err;
	/* A new poll looks for changes the CLI wrote from another process (one indexed read);
	 * a resumed one was woken by what the ring already holds. */
	if (!c->resumed)
		ank_cstore_changes_refresh(c->cs);
	for (;;) {
		if (ank_cstore_changes(c->cs, c->site, since, &f, &err))
			return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read changes now");
		/* Nothing yet: the connection is held (suspended, no thread) until a change for
		 * the site or the end of the wait; then this handler runs again, resumed. */
		if (f.n > 0 || wait == 0 || c->resumed || !c->srv->serve)
			break;
		ank_proto_feed_free(&f);
		int held = ank_serve_wait(c->srv->serve, c->conn, c->site, since, (int)wait * 1000);
		if (held == 0)
			return (ank_reply){0};
		wait = 0; /* a change came meanwhile, or central is stopping: answer now */
	}
	char *text = feed_encode(c->srv, c->site, since, &f, &err);
	ank_proto_feed_free(&f);
	if (!text)
		return ank_http_error(ANK_ERR_UNAVAILABLE, err.msg);
	return (ank_reply){200, text, "application/json"};
}

/* ---- the route table ---- */

typedef struct route {
	const char *method;
	const char *path; /* "{name}" matches one segment of 1-63 letters, digits, - or _ */
	ank_handler fn;
	auth_kind auth;
	exec_kind exec;
	const char *name; /* the metrics label */
} route;

/* The sync routes stay on the event loop: a token check is a hash and an indexed read, a
 * batch is decoded there and committed by the ingest writer, a long-poll is suspended. */
static const route routes[] = {
        {"GET", "/healthz", h_healthz, AUTH_NONE, EXEC_INLINE, "healthz"},
        {"GET", "/metrics", h_metrics, AUTH_METRICS, EXEC_WORKER, "metrics"},
        {"POST", ANK_PATH_PAIR, h_pair, AUTH_NONE, EXEC_WORKER, "pair"},
        {"POST", ANK_PATH_EVENTS, h_events, AUTH_KIOSK, EXEC_INLINE, "sync_events"},
        {"GET", ANK_PATH_CHANGES, h_changes, AUTH_KIOSK, EXEC_INLINE, "sync_changes"},
        {"POST", "/api/v1/login", ank_staff_login, AUTH_NONE, EXEC_WORKER, "login"},
        {"POST", "/api/v1/logout", ank_staff_logout, AUTH_SESSION, EXEC_WORKER, "logout"},
        {"GET", "/api/v1/sites/{site}/queue", ank_staff_queue, AUTH_SITE, EXEC_WORKER, "queue"},
        {"POST", "/api/v1/sites/{site}/commands", ank_staff_command_post, AUTH_SITE, EXEC_WORKER,
         "command_post"},
        {"GET", "/api/v1/sites/{site}/commands/{n}", ank_staff_command_get, AUTH_SITE, EXEC_WORKER,
         "command_get"},
        {"POST", "/api/v1/sites/{site}/records", ank_staff_record_post, AUTH_SITE, EXEC_WORKER,
         "records"},
        {"POST", "/api/v1/users", ank_staff_user_post, AUTH_SESSION, EXEC_WORKER, "users"},
        {"POST", "/api/v1/users/{id}/quarantine", ank_staff_quarantine, AUTH_SESSION, EXEC_WORKER,
         "quarantine"},
        {"POST", "/api/v1/users/{id}/delete", ank_staff_user_delete, AUTH_ADMIN, EXEC_WORKER,
         "user_delete"},
        {"POST", "/api/v1/accounts", ank_staff_account_post, AUTH_ADMIN, EXEC_WORKER, "accounts"},
        {"POST", "/api/v1/sites/{site}/config", ank_sites_config_post, AUTH_ADMIN, EXEC_WORKER,
         "site_config"},
        {"POST", "/api/v1/sites", ank_sites_create, AUTH_ADMIN, EXEC_WORKER, "site_create"},
        {"GET", "/api/v1/sites/{site}/form", ank_sites_form_get, AUTH_ADMIN, EXEC_WORKER,
         "site_form_get"},
        {"POST", "/api/v1/sites/{site}/form", ank_sites_form_post, AUTH_ADMIN, EXEC_WORKER,
         "site_form"},
        {"POST", "/api/v1/catalogs/{lang}", ank_staff_catalog_post, AUTH_ADMIN, EXEC_WORKER,
         "catalog"},
        {"GET", "/api/v1/display", ank_display_get, AUTH_DISPLAY, EXEC_WORKER, "display"},
        {"GET", "/api/v1/me", ank_staff_me, AUTH_SESSION, EXEC_INLINE, "me"},
        {"POST", "/api/v1/sites/{site}/alarms", ank_staff_alarm_post, AUTH_SITE, EXEC_WORKER,
         "alarms"},
        {"POST", "/api/v1/sites/{site}/help", ank_staff_help_post, AUTH_SITE, EXEC_WORKER, "help"},
        {"GET", "/api/v1/users", ank_staff_users_get, AUTH_SESSION, EXEC_WORKER, "users_get"},
        {"GET", "/api/v1/municipalities", ank_staff_municipalities, AUTH_SESSION, EXEC_INLINE,
         "municipalities"},
        {"GET", "/api/v1/i18n", ank_page_i18n_list, AUTH_NONE, EXEC_INLINE, "i18n_list"},
        {"GET", "/api/v1/i18n/{lang}", ank_page_i18n, AUTH_NONE, EXEC_INLINE, "i18n"},
        /* Pages and their files come from memory: cheap enough for the event loop. */
        {"GET", "/", ank_page_root, AUTH_NONE, EXEC_INLINE, "page_root"},
        {"GET", "/staff", ank_page_staff, AUTH_PAGE, EXEC_INLINE, "page_staff"},
        {"GET", "/staff/login", ank_page_login, AUTH_NONE, EXEC_INLINE, "page_login"},
        {"GET", "/display", ank_page_display, AUTH_NONE, EXEC_INLINE, "page_display"},
        {"GET", "/static/{file}", ank_page_static, AUTH_NONE, EXEC_INLINE, "static"},
        {"GET", "/icons/{file}", ank_page_icon, AUTH_NONE, EXEC_INLINE, "icon"},
        {"POST", "/api/v1/sites/{site}/tickets/check", ank_staff_ticket_check, AUTH_SITE,
         EXEC_WORKER, "ticket_check"},
        /* The administrators' console (staff.c; the page in pages.c). */
        {"GET", "/admin", ank_page_admin, AUTH_PAGE, EXEC_INLINE, "page_admin"},
        {"GET", "/api/v1/sites", ank_admin_sites, AUTH_ADMIN, EXEC_WORKER, "sites"},
        {"POST", "/api/v1/sites/{site}/pair-code", ank_admin_pair_code, AUTH_ADMIN, EXEC_WORKER,
         "pair_code"},
        {"GET", "/api/v1/kiosks", ank_admin_kiosks, AUTH_ADMIN, EXEC_WORKER, "kiosks"},
        {"POST", "/api/v1/kiosks/{kiosk}/revoke", ank_admin_kiosk_revoke, AUTH_ADMIN, EXEC_WORKER,
         "kiosk_revoke"},
        {"GET", "/api/v1/accounts", ank_admin_accounts, AUTH_ADMIN, EXEC_WORKER, "accounts_get"},
        {"POST", "/api/v1/accounts/{user}", ank_admin_account_change, AUTH_ADMIN, EXEC_WORKER,
         "account_change"},
        {"GET", "/api/v1/audit", ank_admin_audit, AUTH_ADMIN, EXEC_WORKER, "audit"},
        /* Screen texts (admin_texts.c); a preview runs a kiosk for seconds: a worker's. */
        {"GET", "/api/v1/texts/kiosks", ank_texts_kiosks, AUTH_ADMIN, EXEC_WORKER, "texts_kiosks"},
        {"GET", "/api/v1/texts/{lang}", ank_texts_get, AUTH_ADMIN, EXEC_WORKER, "texts"},
        {"POST", "/api/v1/texts/{lang}/drafts", ank_texts_drafts_post, AUTH_ADMIN, EXEC_WORKER,
         "texts_drafts"},
        {"POST", "/api/v1/texts/{lang}/previews", ank_texts_preview_post, AUTH_ADMIN, EXEC_WORKER,
         "texts_preview"},
        {"GET", "/api/v1/previews/{id}/{shot}", ank_texts_preview_shot, AUTH_ADMIN, EXEC_WORKER,
         "texts_preview_shot"},
        {"POST", "/api/v1/texts/{lang}/publish", ank_texts_publish, AUTH_ADMIN, EXEC_WORKER,
         "texts_publish"},
        {"POST", "/api/v1/texts/{lang}/rollback", ank_texts_rollback, AUTH_ADMIN, EXEC_WORKER,
         "texts_rollback"},
        {"GET", "/api/v1/texts/{lang}/history", ank_texts_history, AUTH_ADMIN, EXEC_WORKER,
         "texts_history"},
        /* A report reads a year's read model: a worker's, not the event loop's. */
        {"GET", "/api/v1/report", ank_admin_report, AUTH_ADMIN, EXEC_WORKER, "report"},
        /* Drug alerts and information screens (admin_content.c). */
        {"GET", "/api/v1/content", ank_admin_content_list, AUTH_ADMIN, EXEC_WORKER, "content"},
        {"POST", "/api/v1/content", ank_admin_content_new, AUTH_ADMIN, EXEC_WORKER, "content_new"},
        {"POST", "/api/v1/content/{n}", ank_admin_content_update, AUTH_ADMIN, EXEC_WORKER,
         "content_update"},
        {"POST", "/api/v1/content/{n}/publish", ank_admin_content_publish, AUTH_ADMIN, EXEC_WORKER,
         "content_publish"},
        {"POST", "/api/v1/content/{n}/preview", ank_admin_content_preview, AUTH_ADMIN, EXEC_WORKER,
         "content_preview"},
        {"POST", "/api/v1/content/{n}/withdraw", ank_admin_content_withdraw, AUTH_ADMIN,
         EXEC_WORKER, "content_withdraw"},
};
#define N_ROUTES ((int)(sizeof routes / sizeof routes[0]))
_Static_assert(sizeof routes / sizeof routes[0] < MAX_ROUTES, "raise MAX_ROUTES");

/* A static file's name: a slug, one dot, an extension of lowercase letters and digits. */
static bool file_name_ok(const char *seg)
{
	const char *dot = strchr(seg, '.');
	if (!dot || dot == seg || strchr(dot + 1, '.') || !dot[1] ||
	    strspn(dot + 1, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(dot + 1))
		return false;
	char stem[64];
	snprintf(stem, sizeof stem, "%.*s", (int)(dot - seg), seg);
	return ank_text_is_slug(stem, 63);
}

/* Matches url against a route path segment by segment, copying {param} segments into
 * params in order. */
static bool path_match(const char *pattern, const char *url, char params[][64])
{
	int np = 0;
	const char *p = pattern, *u = url;
	while (*p && *u) {
		if (*p != '/' || *u != '/')
			return false;
		p++;
		u++;
		size_t pl = strcspn(p, "/"), ul = strcspn(u, "/");
		if (pl > 2 && p[0] == '{' && p[pl - 1] == '}') {
			char seg[64];
			if (ul == 0 || ul >= sizeof seg || np >= ANK_HTTP_MAX_PARAMS)
				return false;
			memcpy(seg, u, ul);
			seg[ul] = '\0';
			bool file = pl == 6 && !memcmp(p, "{file}", 6);
			if (file ? !file_name_ok(seg) : !ank_text_is_slug(seg, 63))
				return false;
			memcpy(params[np++], seg, ul + 1);
		} else if (pl != ul || memcmp(p, u, pl) != 0) {
			return false;
		}
		p += pl;
		u += ul;
	}
	return *p == '\0' && *u == '\0';
}

static ank_reply authorise_kiosk(ank_http_ctx *c, bool *ok)
{
	const char *h = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Authorization");
	ank_err err;
	ank_cs_rc rc = ANK_CS_UNKNOWN;
	if (h && !strncmp(h, "Bearer ", 7))
		rc = ank_cstore_auth(c->cs, h + 7, ank_now_ms(), c->kiosk, c->site, &err);
	*ok = rc == ANK_CS_OK;
	if (rc == ANK_CS_OK)
		return (ank_reply){0};
	/* An unknown token is a failed authentication, not a missing page. */
	return rc == ANK_CS_UNKNOWN
	               ? ank_http_error(ANK_ERR_UNAUTHORIZED, "missing or unknown kiosk token")
	               : ank_http_cs_error(rc, "cannot check the token now");
}

/* A display key names one site and nothing else: its screen reads that site's display. */
static ank_reply authorise_display(ank_http_ctx *c, bool *ok)
{
	const char *h = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Authorization");
	ank_err err;
	ank_cs_rc rc = ANK_CS_UNKNOWN;
	if (h && !strncmp(h, "Bearer ", 7))
		rc = ank_cstore_display_auth(c->cs, h + 7, c->site, &err);
	*ok = rc == ANK_CS_OK;
	if (rc == ANK_CS_OK)
		return (ank_reply){0};
	return rc == ANK_CS_UNKNOWN
	               ? ank_http_error(ANK_ERR_UNAUTHORIZED, "missing or unknown display key")
	               : ank_http_cs_error(rc, "cannot check the key now");
}

/* A session cookie, then (on POST) the CSRF header, then the role. */
static ank_reply authorise_session(ank_http_ctx *c, const char *method, auth_kind kind, bool *ok)
{
	*ok = false;
	const char *cookie = MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
	char csrf[ANK_TOKEN_HEX + 1];
	ank_err err;
	ank_cs_rc rc =
	        cookie ? ank_cstore_session(c->cs, cookie, ank_now_ms(), &c->acct, csrf, &err)
	               : ANK_CS_UNKNOWN;
	if (rc == ANK_CS_UNKNOWN)
		return ank_http_error(ANK_ERR_UNAUTHORIZED, "log in first: no valid session");
	if (rc != ANK_CS_OK)
		return ank_http_cs_error(rc, "cannot check the session now");
	snprintf(c->token, sizeof c->token, "%s", cookie);
	snprintf(c->csrf, sizeof c->csrf, "%s", csrf);
	/* Every state-changing call proves it comes from our page, not a forged form. */
	if (strcmp(method, "GET") != 0) {
		const char *h =
		        MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "X-CSRF-Token");
		bool same = h && strlen(h) == ANK_TOKEN_HEX &&
		            sodium_memcmp(h, csrf, ANK_TOKEN_HEX) == 0;
		sodium_memzero(csrf, sizeof csrf);
		if (!same)
			return ank_http_error(ANK_ERR_CSRF, "missing or wrong X-CSRF-Token");
	}
	if (kind == AUTH_ADMIN && !c->acct.admin)
		return ank_http_error(ANK_ERR_FORBIDDEN, "only an admin may do this");
	if (kind == AUTH_SITE && !c->acct.admin && strcmp(c->acct.site, c->param[0]) != 0)
		return ank_http_error(ANK_ERR_FORBIDDEN, "staff act only on their own site");
	*ok = true;
	return (ank_reply){0};
}

/* /metrics lists kiosks and sites: only for a scraper with the configured token, and not at
 * all (404, as if absent) when none is configured. */
static ank_reply authorise_metrics(ank_http_ctx *c, bool *ok)
{
	*ok = false;
	const char *want = c->srv->metrics_token;
	if (!want[0])
		return ank_http_error(ANK_ERR_NOT_FOUND, "not found");
	const char *h = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Authorization");
	size_t n = strlen(want);
	if (h && !strncmp(h, "Bearer ", 7) && strlen(h + 7) == n &&
	    sodium_memcmp(h + 7, want, n) == 0) {
		*ok = true;
		return (ank_reply){0};
	}
	return ank_http_error(ANK_ERR_UNAUTHORIZED, "metrics need the bearer token of the config");
}

/* The audit row of an action (docs/operations.md "The audit log"): every request that may
 * change something (not GET) from a session, and every login, with who, from where, the
 * route, the object (the handler's, else the path's parameters) and the HTTP status. Written
 * after the handler, in a transaction of its own: a failure to write it is logged, and the
 * action's answer stands. */
static void audit_note(ank_http_ctx *c, const route *rt, const char *method, int status)
{
	/* A login refused during a wait is not an attempt that was checked; noting each would
	 * let a flood of them flood the log. */
	if (!strcmp(method, "GET") || (!c->acct.name[0] && !c->audit_actor[0]) || status == 429)
		return;
	ank_audit_entry e = {.at_ms = ank_now_ms()};
	snprintf(e.actor, sizeof e.actor, "%s", c->acct.name[0] ? c->acct.name : c->audit_actor);
	/* A login's role is the account's once it succeeded (the session's is set then). */
	snprintf(e.role, sizeof e.role, "%s",
	         c->acct.name[0] || c->audit_role[0]
	                 ? (c->acct.name[0] ? (c->acct.admin ? "admin" : "staff") : c->audit_role)
	                 : "");
	snprintf(e.addr, sizeof e.addr, "%s", c->addr);
	snprintf(e.action, sizeof e.action, "%s", rt->name);
	if (c->audit_object[0])
		snprintf(e.object, sizeof e.object, "%s", c->audit_object);
	else
		snprintf(e.object, sizeof e.object, "%s%s%s", c->param[0],
		         c->param[1][0] ? "/" : "", c->param[1]);
	snprintf(e.result, sizeof e.result, "%d", status);
	ank_err err;
	if (ank_cstore_audit_add(c->cs, &e, &err))
		ank_log(ANK_LOG_ERROR, "audit", "%s by %s not written: %s", e.action, e.actor,
		        err.msg);
}

static ank_reply run_route_checked(ank_http_ctx *c, request *req);

/* Authentication, the body cap, then the handler: on whichever thread the route runs; then
 * the audit row. */
static ank_reply run_route(ank_http_ctx *c, request *req)
{
	ank_reply r = run_route_checked(c, req);
	/* A held answer (status 0) is noted when it is given. */
	if (r.status)
		audit_note(c, &routes[req->route], req->method, r.status);
	return r;
}

static ank_reply run_route_checked(ank_http_ctx *c, request *req)
{
	const route *rt = &routes[req->route];
	bool ok = true;
	ank_reply r = {0};
	if (rt->auth == AUTH_KIOSK)
		r = authorise_kiosk(c, &ok);
	else if (rt->auth == AUTH_METRICS)
		r = authorise_metrics(c, &ok);
	else if (rt->auth == AUTH_DISPLAY)
		r = authorise_display(c, &ok);
	else if (rt->auth == AUTH_PAGE) {
		r = authorise_session(c, "GET", AUTH_SESSION, &ok);
		/* A browser without a session is sent to log in, not shown a JSON error. */
		if (!ok && r.status == 401) {
			free(r.body);
			return ank_http_redirect(c, rt->fn == ank_page_admin
			                                    ? "/staff/login?next=admin"
			                                    : "/staff/login");
		}
	} else if (rt->auth != AUTH_NONE)
		r = authorise_session(c, req->method, rt->auth, &ok);
	if (!ok)
		return r;
	if (req->too_big) {
		char msg[96];
		snprintf(msg, sizeof msg, "body larger than %d bytes", ANK_PROTO_MAX_BODY);
		return ank_http_error(ANK_ERR_TOO_LARGE, msg);
	}
	return rt->fn(c);
}

/* A worker's part: the route, then the answer handed back to the event loop. */
static void run_on_worker(void *arg)
{
	request *req = arg;
	req->reply = run_route(&req->c, req);
	sodium_memzero(req->c.token, sizeof req->c.token);
	sodium_memzero(req->c.csrf, sizeof req->c.csrf);
	/* A console long-poll is held: the connection stays suspended until the site's
	 * revision moves (ank_http_hold_rev), then the route runs again. */
	if (req->reply.status == 0)
		return;
	req->has_reply = true;
	if (req->c.hold_ms > 0)
		ank_serve_resume_after(req->c.srv->serve, req->c.conn, req->c.hold_ms);
	else
		MHD_resume_connection(req->c.conn);
}

/* Finds the route and runs it here or hands it on. A reply of status 0 means the request is
 * suspended and its answer comes later. */
static ank_reply dispatch(ank_http_ctx *c, request *req, const char *url)
{
	/* A resumed long-poll: route and kiosk were settled when it arrived. Not checking the
	 * token again keeps a wake-up of 5,000 kiosks from queueing 5,000 token reads behind
	 * one lock; a token revoked meanwhile gets one last answer of its site's changes. */
	if (req->route >= 0 && req->route < N_ROUTES) {
		/* A held console poll runs again on a worker, its session checked again (a
		 * logout meanwhile ends it); at once when central is stopping. */
		if (routes[req->route].exec == EXEC_WORKER) {
			char key[ANK_ADDR_KEY_MAX];
			ank_cstore_addr_key(c->addr, key);
			if (c->srv->serve &&
			    ank_serve_work(c->srv->serve, c->conn, key, run_on_worker, req) == 0)
				return (ank_reply){0};
			return run_route(c, req);
		}
		return routes[req->route].fn(c);
	}
	bool path_known = false;
	for (int i = 0; i < N_ROUTES; i++) {
		memset(c->param, 0, sizeof c->param);
		if (!path_match(routes[i].path, url, c->param))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, req->method) != 0)
			continue;
		req->route = i;
		if (routes[i].exec == EXEC_WORKER && c->srv->serve) {
			/* Fair by the same key as the login limits: an IPv6 client by its /64. */
			char key[ANK_ADDR_KEY_MAX];
			ank_cstore_addr_key(c->addr, key);
			if (ank_serve_work(c->srv->serve, c->conn, key, run_on_worker, req) == 0)
				return (ank_reply){0};
			return ank_http_error(ANK_ERR_UNAVAILABLE, "central is busy or stopping");
		}
		return run_route(c, req);
	}
	req->route = N_ROUTES;
	return path_known ? ank_http_error(ANK_ERR_METHOD_NOT_ALLOWED, "method not allowed")
	                  : ank_http_error(ANK_ERR_NOT_FOUND, "not found");
}

/* ---- metrics ---- */

static void metric_head(ank_buf *b, const char *name, const char *type, const char *help)
{
	ank_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One metric without labels: its HELP, TYPE and value. */
static void metric_ll(ank_buf *b, const char *name, const char *type, const char *help, long long v)
{
	metric_head(b, name, type, help);
	ank_buf_printf(b, "%s %lld\n", name, v);
}

static void metrics_http(ank_http *s, ank_buf *b)
{
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
	pthread_mutex_lock(&s->mu);
	metric_head(b, "ankomst_http_requests_total", "counter",
	            "HTTP requests by route and status.");
	for (int r = 0; r <= N_ROUTES; r++)
		for (int k = 0; k < 6; k++)
			if (s->requests[r][k])
				ank_buf_printf(
				        b,
				        "ankomst_http_requests_total{route=\"%s\",status=\"%s\"}"
				        " %lld\n",
				        r < N_ROUTES ? routes[r].name : "unknown", classes[k],
				        s->requests[r][k]);
	metric_head(b, "ankomst_http_request_seconds", "histogram",
	            "Request latency by route (long-polls apart from the rest).");
	for (int r = 0; r <= N_ROUTES; r++) {
		if (!s->latency_count[r])
			continue;
		const char *name = r < N_ROUTES ? routes[r].name : "unknown";
		long long cum = 0;
		for (size_t i = 0; i < N_BUCKETS; i++) {
			cum += s->bucket_counts[r][i];
			ank_buf_printf(b,
			               "ankomst_http_request_seconds_bucket{route=\"%s\",le=\"%g\"}"
			               " %lld\n",
			               name, buckets[i], cum);
		}
		cum += s->bucket_counts[r][N_BUCKETS];
		ank_buf_printf(
		        b,
		        "ankomst_http_request_seconds_bucket{route=\"%s\",le=\"+Inf\"} %lld\n"
		        "ankomst_http_request_seconds_sum{route=\"%s\"} %.6f\n"
		        "ankomst_http_request_seconds_count{route=\"%s\"} %lld\n",
		        name, cum, name, s->latency_sum[r], name, s->latency_count[r]);
	}
	pthread_mutex_unlock(&s->mu);
}

static void metrics_serve(ank_http *s, ank_buf *b)
{
	if (!s->serve)
		return;
	ank_serve_stats st;
	ank_serve_stats_get(s->serve, &st);
	metric_ll(b, "ankomst_http_connections", "gauge", "Open HTTP connections.", st.connections);
	metric_ll(b, "ankomst_http_connections_cut_total", "counter",
	          "Connections cut because a request did not arrive within the deadline.",
	          st.cut_deadline);
	metric_ll(b, "ankomst_longpolls", "gauge",
	          "Connections held now: change-feed long-polls and refusals held back.",
	          st.longpolls);
	metric_ll(b, "ankomst_work_queued", "gauge", "Requests waiting for a worker thread.",
	          st.queued);
	metric_ll(b, "ankomst_ingest_commits_total", "counter",
	          "Commits of the ingest writer (each holds one or more batches).",
	          st.ingest_groups);
	metric_ll(b, "ankomst_ingest_batches_total", "counter", "Batches the ingest writer took.",
	          st.ingest_batches);
}

static ank_reply h_metrics(ank_http_ctx *c)
{
	ank_http *s = c->srv;
	ank_cstore_stats st;
	char per_kiosk[16384], unknown[4096];
	ank_cstore_stats_get(s->cs, ank_now_ms(), &st, per_kiosk, sizeof per_kiosk);
	ank_cstore_unknown_events(s->cs, unknown, sizeof unknown);
	ank_buf b;
	ank_buf_init(&b, 1 << 20);
	metrics_http(s, &b);
	metrics_serve(s, &b);
	/* Which build answers: the Prometheus build_info convention (a constant 1, labelled). */
	metric_head(&b, "ankomst_build_info", "gauge", "The running build of ankomst-central.");
	ank_buf_printf(&b, "ankomst_build_info{version=\"%s\"} 1\n", ANK_VERSION);
	char why[256];
	metric_ll(&b, "ankomst_health_ok", "gauge",
	          "1 when the database answers and accepts writes (as /healthz).",
	          ank_cstore_health(s->cs, why, sizeof why) == ANK_CS_HEALTH_OK);
	metric_ll(&b, "ankomst_events_ingested_total", "counter", "Events stored.", st.events);
	ank_login_stats ls;
	ank_cstore_login_stats(s->cs, ank_now_ms(), &ls);
	metric_ll(&b, "ankomst_login_checks_total", "counter",
	          "Argon2id password hashes and checks done.", ls.checks);
	metric_ll(&b, "ankomst_login_checks_queued", "gauge",
	          "Password checks waiting for one of the hashing slots.", ls.queued);
	metric_ll(&b, "ankomst_login_addresses_waiting", "gauge",
	          "Client addresses that must wait after failed logins.", ls.addrs_waiting);
	metric_ll(&b, "ankomst_events_out_of_time_total", "counter",
	          "Stored events whose kiosk time is out of bounds, left out of reports.",
	          st.out_of_time);
	metric_ll(&b, "ankomst_kiosks", "gauge", "Paired kiosks.", st.kiosks);
	metric_ll(&b, "ankomst_kiosks_online", "gauge", "Kiosks seen in the last 2 minutes.",
	          st.online);
	metric_head(&b, "ankomst_kiosk_last_seen_timestamp_seconds", "gauge",
	            "When each kiosk was last seen (Unix time).");
	ank_buf_puts(&b, per_kiosk);
	metric_head(&b, "ankomst_events_unknown_total", "counter",
	            "Stored events of types this central does not know.");
	ank_buf_puts(&b, unknown);
	char *text = strdup(ank_buf_str(&b));
	ank_buf_free(&b);
	return (ank_reply){200, text, "text/plain; version=0.0.4"};
}

static void record(ank_http *s, request *r)
{
	double secs = (double)(ank_mono_ns() - r->start_ns) / 1e9;
	int k = r->status >= 100 && r->status < 600 ? r->status / 100 - 1 : 5;
	int route = r->route >= 0 && r->route < N_ROUTES ? r->route : N_ROUTES;
	pthread_mutex_lock(&s->mu);
	s->requests[route][k]++;
	size_t b = 0;
	while (b < N_BUCKETS && secs > buckets[b])
		b++;
	s->bucket_counts[route][b]++;
	s->latency_sum[route] += secs;
	s->latency_count[route]++;
	pthread_mutex_unlock(&s->mu);
}

/* ---- the daemon's callbacks ---- */

ank_http *ank_http_new(ank_cstore *cs, ank_serve *serve, const char *metrics_token,
                       const ank_web *web)
{
	ank_http *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->cs = cs;
	h->serve = serve;
	h->web = web;
	h->report_below = ANK_REPORT_SUPPRESS_BELOW;
	snprintf(h->metrics_token, sizeof h->metrics_token, "%s",
	         metrics_token ? metrics_token : "");
	pthread_mutex_init(&h->mu, NULL);
	pthread_mutex_init(&h->feed_mu, NULL);
	return h;
}

void ank_http_set_report_below(ank_http *h, int below)
{
	h->report_below = below;
}

void ank_http_set_texts(ank_http *h, struct ank_texts_conf *t)
{
	h->texts = t;
}

struct ank_texts_conf *ank_http_texts(const ank_http *h)
{
	return h->texts;
}

int ank_http_report_below(const ank_http *h)
{
	return h->report_below;
}

const ank_web *ank_http_web(const ank_http *h)
{
	return h->web;
}

ank_serve *ank_http_serve(const ank_http *h)
{
	return h->serve;
}

int ank_http_hold_rev(ank_http_ctx *c, const char *site, long long rev, int wait_ms)
{
	if (!c->srv->serve || c->resumed || wait_ms <= 0)
		return -1;
	return ank_serve_hold_rev(c->srv->serve, c->conn, site, rev, wait_ms);
}

int ank_http_long_poll(ank_http_ctx *c, const char *site, ank_reply *bad)
{
	const char *after_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "after");
	const char *wait_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "wait");
	long after = 0, wait = 0;
	if ((after_s && ank_parse_long(after_s, 0, 0x7fffffffffffffffL, &after)) ||
	    (wait_s && ank_parse_long(wait_s, 0, ANK_HTTP_LONG_POLL_MAX_S, &wait))) {
		*bad = ank_http_error(ANK_ERR_BAD_REQUEST,
		                      "after must be a revision >= 0 and wait "
		                      "0.." STR(ANK_HTTP_LONG_POLL_MAX_S) " seconds");
		return -1;
	}
	return after_s && wait > 0 && ank_http_hold_rev(c, site, after, (int)wait * 1000) == 0;
}

ank_reply ank_http_redirect(ank_http_ctx *c, const char *to)
{
	snprintf(c->location, sizeof c->location, "%s", to);
	return (ank_reply){303, strdup("see other\n"), "text/plain; charset=utf-8"};
}

void ank_http_free(ank_http *h)
{
	if (!h)
		return;
	sodium_memzero(h->metrics_token, sizeof h->metrics_token);
	free(h->feed.text);
	pthread_mutex_destroy(&h->feed_mu);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

/* Answers from this size up are gzipped for clients that accept it: a kiosk catching up
 * on hundreds of registry entries; small answers are not worth the CPU. */
#define GZIP_MIN_BYTES 8192

/* gzip of in[n] as a malloc'd buffer the caller frees (*out_n bytes), or NULL when zlib
 * fails or memory runs out (the caller then sends the body as it is). */
static char *gzip(const char *in, size_t n, size_t *out_n)
{
	z_stream z = {0};
	/* 15 window bits + 16: a gzip header and trailer, which is what HTTP calls gzip. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	uLong cap = deflateBound(&z, (uLong)n);
	char *out = malloc(cap);
	if (!out) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*out_n = (size_t)z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

/* What is wrong with a request line's raw target, before libmicrohttpd decodes it: "" when
 * nothing. Our paths are plain slugs, so an encoded byte (%2f would turn into a slash after
 * routing decisions elsewhere, behind a proxy) or a dot segment is never meant. */
static const char *target_problem(const char *uri)
{
	size_t n = strcspn(uri, "?");
	if (memchr(uri, '%', n))
		return "encoded characters (%xx) are not accepted in the path";
	for (const char *p = uri; p < uri + n;) {
		size_t seg = strcspn(p, "/?");
		if (seg > n - (size_t)(p - uri))
			seg = n - (size_t)(p - uri);
		if ((seg == 1 && p[0] == '.') || (seg == 2 && p[0] == '.' && p[1] == '.'))
			return "dot segments are not accepted in the path";
		p += seg + 1;
	}
	return "";
}

void *ank_http_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	ank_http *s = cls;
	if (s->serve)
		ank_serve_request_started(s->serve, conn);
	request *req = calloc(1, sizeof *req);
	if (!req)
		return NULL;
	ank_buf_init(&req->body, ANK_PROTO_MAX_BODY);
	req->start_ns = ank_mono_ns();
	req->route = -1;
	snprintf(req->bad, sizeof req->bad, "%s", target_problem(uri ? uri : ""));
	return req;
}

typedef struct header_scan {
	size_t bytes;
	int content_length, transfer_encoding;
} header_scan;

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	(void)kind;
	header_scan *h = cls;
	h->bytes += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
		h->content_length++;
	if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		h->transfer_encoding++;
	return MHD_YES;
}

/* The framing checks that keep a proxy in front and central agreeing on where a request
 * ends (request smuggling): "" when the request may go on, else why not. */
static const char *framing_problem(struct MHD_Connection *conn, const request *req)
{
	if (req->bad[0])
		return req->bad;
	header_scan h = {0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, &h);
	if (h.bytes > MAX_HEADER_BYTES)
		return "the header section is larger than " STR(MAX_HEADER_BYTES) " bytes";
	if (h.content_length > 1)
		return "more than one Content-Length header";
	if (h.content_length && h.transfer_encoding)
		return "Content-Length together with Transfer-Encoding";
	if (h.transfer_encoding > 1)
		return "more than one Transfer-Encoding header";
	return "";
}

/* The client's address in text (IPv4 or IPv6), "" when unknown. */
static void client_addr(struct MHD_Connection *conn, char out[48])
{
	out[0] = '\0';
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          48);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		          out, 48);
}

/* Queues r on the connection (gzip when it pays, the headers of every answer). */
static enum MHD_Result send_reply(struct MHD_Connection *conn, request *req, ank_reply r)
{
	ank_http_ctx *c = &req->c;
	if (!r.body)
		r = (ank_reply){
		        503,
		        strdup("{\"v\":1,\"error\":\"out of memory\",\"code\":\"unavailable\"}"),
		        "application/json"};
	if (!r.body)
		return MHD_NO;
	req->status = r.status;
	/* Every 5xx says why in the log: the body is our own error text, never personal data. */
	if (r.status >= 500)
		ank_log(ANK_LOG_ERROR, "http", "%s %s answered %d: %.300s", req->method,
		        req->route >= 0 && req->route < N_ROUTES ? routes[req->route].name : "?",
		        r.status, r.body);
	if ((r.status == 503 || r.status == 507) && !c->retry_after[0])
		snprintf(c->retry_after, sizeof c->retry_after, "%d", r.status == 507 ? 60 : 5);
	size_t len = c->reply_len ? c->reply_len : strlen(r.body);
	bool gzipped = false;
	const char *accept =
	        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (!c->body_static && !c->reply_len && len >= GZIP_MIN_BYTES && accept &&
	    strstr(accept, "gzip")) {
		size_t zlen;
		char *z = gzip(r.body, len, &zlen);
		if (z) {
			free(r.body);
			r.body = z;
			len = zlen;
			gzipped = true;
		}
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	        len, r.body, c->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		if (!c->body_static)
			free(r.body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", r.type);
	/* A page or file is checked again each time (its ETag makes that cheap); data never
	 * stays in a cache. */
	MHD_add_response_header(resp, "Cache-Control", c->etag ? "no-cache" : "no-store");
	if (c->etag)
		MHD_add_response_header(resp, "ETag", c->etag);
	if (c->location[0])
		MHD_add_response_header(resp, "Location", c->location);
	if (c->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", c->disposition);
	/* On every answer, pages and JSON alike: nothing runs but our own files, nothing
	 * frames us, and no type is guessed (docs/api.md "Pages"). */
	MHD_add_response_header(resp, "Content-Security-Policy", ANK_HTTP_CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (gzipped)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	if (c->set_cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", c->set_cookie);
	if (c->retry_after[0])
		MHD_add_response_header(resp, "Retry-After", c->retry_after);
	enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r.status, resp);
	MHD_destroy_response(resp);
	return ok;
}

enum MHD_Result ank_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls)
{
	(void)version;
	ank_http *s = cls;
	request *req = *con_cls;
	if (!req) {
		req = ank_http_on_uri(s, "", conn);
		if (!req)
			return MHD_NO;
		*con_cls = req;
	}
	if (!req->started) {
		req->started = true;
		req->method = method;
		req->c = (ank_http_ctx){.srv = s, .cs = s->cs, .conn = conn, .req = req};
		client_addr(conn, req->c.addr);
		const char *bad = framing_problem(conn, req);
		/* Answered before any body is read; libmicrohttpd then closes the connection, so
		 * nothing of the refused request is taken for the next one. */
		if (bad[0])
			return send_reply(conn, req, ank_http_error(ANK_ERR_BAD_REQUEST, bad));
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* Past the cap, keep reading (and dropping) so the client gets a clear 413
		 * instead of a reset connection. */
		if (!req->too_big && ank_buf_append(&req->body, upload, *upload_size))
			req->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (!req->received) {
		req->received = true;
		if (s->serve)
			ank_serve_request_received(s->serve, conn);
	}
	if (req->has_reply) {
		req->has_reply = false;
		return send_reply(conn, req, req->reply);
	}
	ank_http_ctx *c = &req->c;
	c->body = ank_buf_str(&req->body);
	c->body_len = req->body.len;
	c->resumed = req->deferred;
	req->deferred = false;
	ank_reply r = dispatch(c, req, url);
	if (r.status == 0) {
		req->deferred = true; /* suspended; this callback runs again when it is resumed */
		return MHD_YES;
	}
	sodium_memzero(c->token, sizeof c->token);
	sodium_memzero(c->csrf, sizeof c->csrf);
	return send_reply(conn, req, r);
}

void ank_http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode why)
{
	(void)why;
	ank_http *s = cls;
	request *req = *con_cls;
	if (s->serve)
		ank_serve_request_done(s->serve, conn);
	if (!req)
		return;
	if (req->status)
		record(s, req);
	/* An answer made for a client that hung up before it was sent (a kiosk stopped while
	 * its batch waited for the commit): this request owns its body. */
	if (req->has_reply && !req->c.body_static)
		free(req->reply.body);
	if (req->batch) {
		ank_proto_batch_free(req->batch);
		free(req->batch);
	}
	ank_buf_free(&req->body);
	free(req);
	*con_cls = NULL;
}
