/* ankomst-central's HTTP layer on libmicrohttpd: one route table (with {param} segments), a
 * size cap on every body, kiosk token and staff session authentication with CSRF and role
 * checks, the sync routes, /healthz and /metrics. The staff handlers are in staff.c. */
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <zlib.h>

#include "ank_buf.h"
#include "ank_log.h"
#include "wire.h"
#include "ank_text.h"
#include "ank_time.h"
#include "http.h"
#include "proto.h"

/* A long-poll waits at most this long, below common proxy timeouts (60 s). */
#define LONG_POLL_MAX_S 30
/* Latency histogram buckets in seconds, Prometheus style. */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])
/* Rows of the per-route counters: every route plus "unknown". */
#define MAX_ROUTES 32
/* The session cookie's name; its attributes are in docs/api.md. */
#define SESSION_COOKIE "ank_session"

typedef enum auth_kind {
	AUTH_NONE,    /* anyone */
	AUTH_KIOSK,   /* a paired kiosk's bearer token */
	AUTH_SESSION, /* any staff or admin session */
	AUTH_SITE,    /* a session of the {site} in the path: its staff, or an admin */
	AUTH_ADMIN,   /* an admin session */
} auth_kind;

struct ank_http {
	ank_cstore *cs;
	pthread_mutex_t mu;                /* the metrics below */
	long long requests[MAX_ROUTES][6]; /* [route][status class 1xx..5xx + other] */
	long long bucket_counts[N_BUCKETS + 1];
	double latency_sum;
	long long latency_count;
};

typedef struct request {
	ank_buf body;
	bool too_big;
	int64_t start_ns;
	int route;
	int status;
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
        {ANK_ERR_FORBIDDEN, 403, ANK_CS_OK},
        {ANK_ERR_CSRF, 403, ANK_CS_OK},
        {ANK_ERR_NOT_FOUND, 404, ANK_CS_UNKNOWN},
        {ANK_ERR_METHOD_NOT_ALLOWED, 405, ANK_CS_OK},
        {ANK_ERR_EXISTS, 409, ANK_CS_EXISTS},
        {ANK_ERR_CONFLICT, 409, ANK_CS_CONFLICT},
        {ANK_ERR_GAP, 409, ANK_CS_GAP},
        {ANK_ERR_TOO_LARGE, 413, ANK_CS_OK},
        {ANK_ERR_WAIT, 429, ANK_CS_WAIT},
        {ANK_ERR_UNAVAILABLE, 500, ANK_CS_DB},
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

ank_reply ank_http_cs_error(ank_cs_rc rc, const char *msg)
{
	ank_errcode code = ANK_ERR_UNAVAILABLE;
	for (size_t i = 0; i < N_ANSWERS; i++)
		if (answers[i].rc == rc && rc != ANK_CS_OK)
			code = answers[i].code;
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

static ank_reply h_healthz(ank_http_ctx *c)
{
	(void)c;
	return (ank_reply){200, strdup("ok\n"), "text/plain"};
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

static ank_reply h_events(ank_http_ctx *c)
{
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
	long long acked = 0;
	ank_cs_rc rc = ank_cstore_ingest(c->cs, c->kiosk, b, ank_now_ms(), &acked, &err);
	/* One line per batch (types only, never payloads: no personal data in logs). */
	if (rc == ANK_CS_OK)
		ank_log(ANK_LOG_INFO, "sync",
		        "kiosk %s: events %lld..%lld received (%s%s); held up to %lld", c->kiosk,
		        b->ev[0].seq, b->ev[b->n - 1].seq, b->ev[0].type, b->n > 1 ? ", ..." : "",
		        acked);
	ank_proto_batch_free(b);
	free(b);
	if (rc == ANK_CS_DB) {
		ank_log(ANK_LOG_ERROR, "sync", "kiosk %s: %s", c->kiosk, err.msg);
		return ank_http_cs_error(rc, "cannot store events now");
	}
	if (rc != ANK_CS_OK) {
		ank_log(ANK_LOG_WARN, "sync", "kiosk %s: %s", c->kiosk, err.msg);
		return ank_http_cs_error(rc, err.msg);
	}
	return (ank_reply){200, ank_proto_ack_encode(acked, ank_now_ms()), "application/json"};
}

static ank_reply h_changes(ank_http_ctx *c)
{
	const char *since_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "since");
	const char *wait_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "wait");
	long since = 0, wait = 0;
	if ((since_s && ank_parse_long(since_s, 0, 0x7fffffffffffL, &since)) ||
	    (wait_s && ank_parse_long(wait_s, 0, LONG_POLL_MAX_S, &wait)))
		return ank_http_error(ANK_ERR_BAD_REQUEST,
		                      "since must be a cursor >= 0 and wait 0..30 seconds");
	ank_feed f;
	ank_err err;
	if (ank_cstore_changes(c->cs, c->site, since, (int)wait * 1000, &f, &err))
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read changes now");
	f.server_ms = ank_now_ms();
	char *text = ank_proto_feed_encode(&f, &err);
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
	const char *name; /* the metrics label */
} route;

static const route routes[] = {
        {"GET", "/healthz", h_healthz, AUTH_NONE, "healthz"},
        {"GET", "/metrics", h_metrics, AUTH_NONE, "metrics"},
        {"POST", ANK_PATH_PAIR, h_pair, AUTH_NONE, "pair"},
        {"POST", ANK_PATH_EVENTS, h_events, AUTH_KIOSK, "sync_events"},
        {"GET", ANK_PATH_CHANGES, h_changes, AUTH_KIOSK, "sync_changes"},
        {"POST", "/api/v1/login", ank_staff_login, AUTH_NONE, "login"},
        {"POST", "/api/v1/logout", ank_staff_logout, AUTH_SESSION, "logout"},
        {"GET", "/api/v1/sites/{site}/queue", ank_staff_queue, AUTH_SITE, "queue"},
        {"POST", "/api/v1/sites/{site}/commands", ank_staff_command_post, AUTH_SITE,
         "command_post"},
        {"GET", "/api/v1/sites/{site}/commands/{n}", ank_staff_command_get, AUTH_SITE,
         "command_get"},
        {"POST", "/api/v1/sites/{site}/records", ank_staff_record_post, AUTH_SITE, "records"},
        {"POST", "/api/v1/users", ank_staff_user_post, AUTH_SESSION, "users"},
        {"POST", "/api/v1/users/{id}/quarantine", ank_staff_quarantine, AUTH_SESSION, "quarantine"},
        {"POST", "/api/v1/accounts", ank_staff_account_post, AUTH_ADMIN, "accounts"},
        {"POST", "/api/v1/sites/{site}/config", ank_staff_site_config, AUTH_ADMIN, "site_config"},
        {"POST", "/api/v1/catalogs/{lang}", ank_staff_catalog_post, AUTH_ADMIN, "catalog"},
};
#define N_ROUTES ((int)(sizeof routes / sizeof routes[0]))
_Static_assert(sizeof routes / sizeof routes[0] < MAX_ROUTES, "raise MAX_ROUTES");

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
			if (!ank_text_is_slug(seg, 63))
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

static ank_reply dispatch(ank_http_ctx *c, request *req, const char *method, const char *url)
{
	bool path_known = false;
	for (int i = 0; i < N_ROUTES; i++) {
		memset(c->param, 0, sizeof c->param);
		if (!path_match(routes[i].path, url, c->param))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, method) != 0)
			continue;
		req->route = i;
		bool ok = true;
		ank_reply r = {0};
		if (routes[i].auth == AUTH_KIOSK)
			r = authorise_kiosk(c, &ok);
		else if (routes[i].auth != AUTH_NONE)
			r = authorise_session(c, method, routes[i].auth, &ok);
		if (!ok)
			return r;
		if (req->too_big) {
			char msg[96];
			snprintf(msg, sizeof msg, "body larger than %d bytes", ANK_PROTO_MAX_BODY);
			return ank_http_error(ANK_ERR_TOO_LARGE, msg);
		}
		return routes[i].fn(c);
	}
	req->route = N_ROUTES;
	return path_known ? ank_http_error(ANK_ERR_METHOD_NOT_ALLOWED, "method not allowed")
	                  : ank_http_error(ANK_ERR_NOT_FOUND, "not found");
}

/* ---- metrics ---- */

static ank_reply h_metrics(ank_http_ctx *c)
{
	ank_http *s = c->srv;
	ank_cstore_stats st;
	char per_kiosk[16384], unknown[4096];
	ank_cstore_stats_get(s->cs, ank_now_ms(), &st, per_kiosk, sizeof per_kiosk);
	ank_cstore_unknown_events(s->cs, unknown, sizeof unknown);
	ank_buf b;
	ank_buf_init(&b, 1 << 20);
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
	pthread_mutex_lock(&s->mu);
	ank_buf_puts(&b, "# HELP ankomst_http_requests_total HTTP requests by route and status.\n"
	                 "# TYPE ankomst_http_requests_total counter\n");
	for (int r = 0; r <= N_ROUTES; r++)
		for (int k = 0; k < 6; k++)
			if (s->requests[r][k])
				ank_buf_printf(
				        &b,
				        "ankomst_http_requests_total{route=\"%s\",status=\"%s\"}"
				        " %lld\n",
				        r < N_ROUTES ? routes[r].name : "unknown", classes[k],
				        s->requests[r][k]);
	ank_buf_puts(&b, "# HELP ankomst_http_request_seconds Request latency.\n"
	                 "# TYPE ankomst_http_request_seconds histogram\n");
	long long cum = 0;
	for (size_t i = 0; i < N_BUCKETS; i++) {
		cum += s->bucket_counts[i];
		ank_buf_printf(&b, "ankomst_http_request_seconds_bucket{le=\"%g\"} %lld\n",
		               buckets[i], cum);
	}
	cum += s->bucket_counts[N_BUCKETS];
	ank_buf_printf(&b,
	               "ankomst_http_request_seconds_bucket{le=\"+Inf\"} %lld\n"
	               "ankomst_http_request_seconds_sum %.6f\n"
	               "ankomst_http_request_seconds_count %lld\n",
	               cum, s->latency_sum, s->latency_count);
	pthread_mutex_unlock(&s->mu);
	ank_buf_printf(&b,
	               "# TYPE ankomst_events_ingested_total counter\n"
	               "ankomst_events_ingested_total %lld\n"
	               "# TYPE ankomst_kiosks gauge\nankomst_kiosks %d\n"
	               "# HELP ankomst_kiosks_online Kiosks seen in the last 2 minutes.\n"
	               "# TYPE ankomst_kiosks_online gauge\nankomst_kiosks_online %d\n"
	               "# TYPE ankomst_kiosk_last_seen_seconds gauge\n%s"
	               "# HELP ankomst_events_unknown_total Stored events of types this central"
	               " does not know.\n"
	               "# TYPE ankomst_events_unknown_total counter\n%s",
	               st.events, st.kiosks, st.online, per_kiosk, unknown);
	char *text = strdup(ank_buf_str(&b));
	ank_buf_free(&b);
	return (ank_reply){200, text, "text/plain; version=0.0.4"};
}

static void record(ank_http *s, request *r)
{
	double secs = (double)(ank_mono_ns() - r->start_ns) / 1e9;
	int k = r->status >= 100 && r->status < 600 ? r->status / 100 - 1 : 5;
	pthread_mutex_lock(&s->mu);
	s->requests[r->route][k]++;
	size_t b = 0;
	while (b < N_BUCKETS && secs > buckets[b])
		b++;
	s->bucket_counts[b]++;
	s->latency_sum += secs;
	s->latency_count++;
	pthread_mutex_unlock(&s->mu);
}

/* ---- the daemon's callbacks ---- */

ank_http *ank_http_new(ank_cstore *cs)
{
	ank_http *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->cs = cs;
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

void ank_http_free(ank_http *h)
{
	if (!h)
		return;
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

enum MHD_Result ank_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls)
{
	(void)version;
	ank_http *s = cls;
	request *req = *con_cls;
	if (!req) {
		req = calloc(1, sizeof *req);
		if (!req)
			return MHD_NO;
		ank_buf_init(&req->body, ANK_PROTO_MAX_BODY);
		req->start_ns = ank_mono_ns();
		*con_cls = req;
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
	ank_http_ctx c = {.srv = s,
	                  .cs = s->cs,
	                  .conn = conn,
	                  .body = ank_buf_str(&req->body),
	                  .body_len = req->body.len};
	ank_reply r = dispatch(&c, req, method, url);
	sodium_memzero(c.token, sizeof c.token);
	if (!r.body)
		r = (ank_reply){
		        500,
		        strdup("{\"v\":1,\"error\":\"out of memory\",\"code\":\"unavailable\"}"),
		        "application/json"};
	if (!r.body)
		return MHD_NO;
	req->status = r.status;
	size_t len = strlen(r.body);
	bool gzipped = false;
	const char *accept =
	        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (len >= GZIP_MIN_BYTES && accept && strstr(accept, "gzip")) {
		size_t zlen;
		char *z = gzip(r.body, len, &zlen);
		if (z) {
			free(r.body);
			r.body = z;
			len = zlen;
			gzipped = true;
		}
	}
	struct MHD_Response *resp =
	        MHD_create_response_from_buffer(len, r.body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r.body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", r.type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (gzipped)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	if (c.set_cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", c.set_cookie);
	if (c.retry_after[0])
		MHD_add_response_header(resp, "Retry-After", c.retry_after);
	enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r.status, resp);
	MHD_destroy_response(resp);
	return ok;
}

void ank_http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode why)
{
	(void)conn;
	(void)why;
	request *req = *con_cls;
	if (!req)
		return;
	if (req->status)
		record(cls, req);
	ank_buf_free(&req->body);
	free(req);
	*con_cls = NULL;
}
