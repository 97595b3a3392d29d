/* ankomst-central: the subcommands (serve, migrate, pair-kiosk) and the HTTP service on
 * libmicrohttpd: one route table, a size cap on every body, kiosk token auth, the sync
 * routes, /healthz and /metrics. */
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "ank_buf.h"
#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"
#include "cstore.h"
#include "proto.h"

/* A long-poll waits at most this long, below common proxy timeouts (60 s). */
#define LONG_POLL_MAX_S 30
/* Connections at once: 200 kiosks long-polling plus staff browsers. */
#define MAX_CONNECTIONS 1024
/* Latency histogram buckets in seconds, Prometheus style. */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

typedef enum auth_kind { AUTH_NONE, AUTH_KIOSK } auth_kind;

typedef struct server {
	ank_cstore *cs;
	pthread_mutex_t mu;        /* the metrics below */
	long long requests[16][6]; /* [route][status class 1xx..5xx + other] */
	long long bucket_counts[N_BUCKETS + 1];
	double latency_sum;
	long long latency_count;
} server;

typedef struct request {
	ank_buf body;
	bool too_big;
	int64_t start_ns;
	int route;
	int status;
} request;

typedef struct reply {
	int status;
	char *body; /* malloc'd; freed by the response */
	const char *type;
} reply;

typedef struct ctx {
	server *srv;
	struct MHD_Connection *conn;
	request *req;
	char kiosk[64], site[64]; /* set for AUTH_KIOSK routes */
} ctx;

typedef reply (*handler_fn)(ctx *c);

static reply json_reply(int status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return (reply){status, text, "application/json"};
}

static reply error_reply(int status, const char *msg)
{
	return (reply){status, ank_proto_error_encode(msg), "application/json"};
}

/* ---- handlers ---- */

static reply h_healthz(ctx *c)
{
	(void)c;
	return (reply){200, strdup("ok\n"), "text/plain"};
}

static reply h_metrics(ctx *c)
{
	server *s = c->srv;
	ank_cstore_stats st;
	char per_kiosk[16384];
	ank_cstore_stats_get(s->cs, ank_now_ms(), &st, per_kiosk, sizeof per_kiosk);
	ank_buf b;
	ank_buf_init(&b, 1 << 20);
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
	extern const char *const route_names[];
	extern const int n_routes;
	pthread_mutex_lock(&s->mu);
	ank_buf_puts(&b, "# HELP ankomst_http_requests_total HTTP requests by route and status.\n"
	                 "# TYPE ankomst_http_requests_total counter\n");
	for (int r = 0; r < n_routes; r++)
		for (int k = 0; k < 6; k++)
			if (s->requests[r][k])
				ank_buf_printf(
				        &b,
				        "ankomst_http_requests_total{route=\"%s\",status=\"%s\"}"
				        " %lld\n",
				        route_names[r], classes[k], s->requests[r][k]);
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
	               "# TYPE ankomst_kiosk_last_seen_seconds gauge\n%s",
	               st.events, st.kiosks, st.online, per_kiosk);
	char *text = strdup(ank_buf_str(&b));
	ank_buf_free(&b);
	return (reply){200, text, "text/plain; version=0.0.4"};
}

static json_t *parse_body(ctx *c, reply *err_out)
{
	json_error_t je;
	json_t *j = json_loadb(ank_buf_str(&c->req->body), c->req->body.len, JSON_REJECT_DUPLICATES,
	                       &je);
	if (!j) {
		char msg[256];
		snprintf(msg, sizeof msg, "invalid JSON at line %d column %d: %s", je.line,
		         je.column, je.text);
		*err_out = error_reply(400, msg);
	}
	return j;
}

static reply h_pair(ctx *c)
{
	reply bad;
	json_t *j = parse_body(c, &bad);
	if (!j)
		return bad;
	const char *code = NULL;
	int v = 0;
	if (json_unpack(j, "{s:i, s:s}", "v", &v, "code", &code) || v != ANK_PROTO_VERSION) {
		json_decref(j);
		return error_reply(400, "expected {\"v\":1,\"code\":\"...\"}");
	}
	char kiosk[64], site[64], token[ANK_TOKEN_HEX + 1];
	ank_err err;
	int rc = ank_cstore_pair(c->srv->cs, code, ank_now_ms(), kiosk, site, token, &err);
	json_decref(j);
	if (rc == 1)
		return error_reply(403, "unknown, used or expired pairing code");
	if (rc < 0)
		return error_reply(500, "cannot pair now");
	ank_log(ANK_LOG_INFO, "pair", "kiosk %s paired for site %s", kiosk, site);
	return json_reply(200, json_pack("{s:i, s:s, s:s, s:s, s:I}", "v", ANK_PROTO_VERSION,
	                                 "kiosk", kiosk, "site", site, "token", token, "server_ms",
	                                 (json_int_t)ank_now_ms()));
}

static reply h_events(ctx *c)
{
	ank_batch *b = calloc(1, sizeof *b);
	if (!b)
		return error_reply(500, "out of memory");
	ank_err err;
	if (ank_proto_batch_decode(ank_buf_str(&c->req->body), c->req->body.len, b, &err)) {
		free(b);
		return error_reply(400, err.msg);
	}
	if (strcmp(b->kiosk, c->kiosk) != 0) {
		ank_proto_batch_free(b);
		free(b);
		return error_reply(403, "the batch names another kiosk than the token");
	}
	long long acked = 0;
	int rc = ank_cstore_ingest(c->srv->cs, c->kiosk, b, ank_now_ms(), &acked, &err);
	ank_proto_batch_free(b);
	free(b);
	if (rc == 1) {
		ank_log(ANK_LOG_WARN, "sync", "kiosk %s: %s", c->kiosk, err.msg);
		return error_reply(409, err.msg);
	}
	if (rc < 0)
		return error_reply(500, "cannot store events now");
	return (reply){200, ank_proto_ack_encode(acked, ank_now_ms()), "application/json"};
}

static reply h_changes(ctx *c)
{
	const char *since_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "since");
	const char *wait_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "wait");
	long since = 0, wait = 0;
	if ((since_s && ank_parse_long(since_s, 0, 0x7fffffffffffL, &since)) ||
	    (wait_s && ank_parse_long(wait_s, 0, LONG_POLL_MAX_S, &wait)))
		return error_reply(400, "since must be a cursor >= 0 and wait 0..30 seconds");
	ank_feed f;
	ank_err err;
	if (ank_cstore_changes(c->srv->cs, c->site, since, (int)wait * 1000, &f, &err))
		return error_reply(500, "cannot read changes now");
	f.server_ms = ank_now_ms();
	char *text = ank_proto_feed_encode(&f, &err);
	ank_proto_feed_free(&f);
	if (!text)
		return error_reply(500, err.msg);
	return (reply){200, text, "application/json"};
}

/* ---- the route table ---- */

typedef struct route {
	const char *method, *path;
	handler_fn fn;
	auth_kind auth;
} route;

static const route routes[] = {
        {"GET", "/healthz", h_healthz, AUTH_NONE},
        {"GET", "/metrics", h_metrics, AUTH_NONE},
        {"POST", "/api/v1/pair", h_pair, AUTH_NONE},
        {"POST", "/api/v1/sync/events", h_events, AUTH_KIOSK},
        {"GET", "/api/v1/sync/changes", h_changes, AUTH_KIOSK},
};
const int n_routes = (int)(sizeof routes / sizeof routes[0]);
const char *const route_names[] = {"healthz",     "metrics",      "pair",
                                   "sync_events", "sync_changes", "unknown"};

static reply authorise(ctx *c, auth_kind kind, bool *ok)
{
	*ok = true;
	if (kind == AUTH_NONE)
		return (reply){0};
	const char *h = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Authorization");
	ank_err err;
	int rc = 1;
	if (h && !strncmp(h, "Bearer ", 7))
		rc = ank_cstore_auth(c->srv->cs, h + 7, ank_now_ms(), c->kiosk, c->site, &err);
	if (rc == 0)
		return (reply){0};
	*ok = false;
	return rc < 0 ? error_reply(500, "cannot check the token now")
	              : error_reply(401, "missing or unknown kiosk token");
}

static reply dispatch(ctx *c, const char *method, const char *url)
{
	bool path_known = false;
	for (int i = 0; i < n_routes; i++) {
		if (strcmp(routes[i].path, url) != 0)
			continue;
		path_known = true;
		if (strcmp(routes[i].method, method) != 0)
			continue;
		c->req->route = i;
		bool ok;
		reply r = authorise(c, routes[i].auth, &ok);
		if (!ok)
			return r;
		if (c->req->too_big) {
			char msg[96];
			snprintf(msg, sizeof msg, "body larger than %d bytes", ANK_PROTO_MAX_BODY);
			return error_reply(413, msg);
		}
		return routes[i].fn(c);
	}
	c->req->route = n_routes;
	return error_reply(path_known ? 405 : 404, path_known ? "method not allowed" : "not found");
}

static void record(server *s, request *r)
{
	double secs = (double)(ank_mono_ns() - r->start_ns) / 1e9;
	int k = r->status >= 100 && r->status < 600 ? r->status / 100 - 1 : 5;
	pthread_mutex_lock(&s->mu);
	s->requests[r->route < 16 ? r->route : 15][k]++;
	size_t b = 0;
	while (b < N_BUCKETS && secs > buckets[b])
		b++;
	s->bucket_counts[b]++;
	s->latency_sum += secs;
	s->latency_count++;
	pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	(void)version;
	server *s = cls;
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
	ctx c = {.srv = s, .conn = conn, .req = req};
	reply r = dispatch(&c, method, url);
	if (!r.body)
		r = (reply){500, strdup("{\"v\":1,\"error\":\"out of memory\"}"),
		            "application/json"};
	req->status = r.status;
	struct MHD_Response *resp =
	        MHD_create_response_from_buffer(strlen(r.body), r.body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", r.type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r.status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
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

/* ---- subcommands ---- */

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int parse_listen(const char *s, char host[64], unsigned *port)
{
	const char *colon = strrchr(s, ':');
	long p;
	if (!colon || colon - s >= 64 || ank_parse_long(colon + 1, 0, 65535, &p))
		return -1;
	snprintf(host, 64, "%.*s", (int)(colon - s), s);
	*port = (unsigned)p;
	return 0;
}

static int cmd_serve(const char *db, const char *listen, const char *port_file)
{
	char host[64];
	unsigned port;
	if (parse_listen(listen, host, &port)) {
		fprintf(stderr, "ankomst-central: --listen wants ADDR:PORT\n");
		return 2;
	}
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "ankomst-central: %s is not an IPv4 address\n", host);
		return 2;
	}
	static server srv;
	ank_err err;
	if (ank_cstore_open(db, &srv.cs, &err)) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	pthread_mutex_init(&srv.mu, NULL);
	/* A thread per connection: a long-poll then simply waits on a condition variable. */
	struct MHD_Daemon *d = MHD_start_daemon(
	        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	        0, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv, MHD_OPTION_CONNECTION_LIMIT,
	        (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
	        (unsigned)(LONG_POLL_MAX_S + 30), MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "ankomst-central: cannot listen on %s\n", listen);
		ank_cstore_close(srv.cs);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = info ? info->port : port;
	ank_log(ANK_LOG_INFO, "central", "listening on %s:%u, database %s", host, bound, db);
	if (port_file) {
		FILE *fp = fopen(port_file, "w");
		if (fp) {
			fprintf(fp, "%u\n", bound);
			fclose(fp);
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stopping)
		pause();
	MHD_stop_daemon(d);
	ank_cstore_close(srv.cs);
	ank_log(ANK_LOG_INFO, "central", "stopped");
	return 0;
}

static const char usage[] =
        "usage: ankomst-central COMMAND [OPTIONS]\n"
        "  serve --db FILE --listen ADDR:PORT [--port-file FILE]   run the service\n"
        "  migrate --db FILE                                        create or upgrade the "
        "database\n"
        "  pair-kiosk --db FILE --site SITE                         print a one-time pairing "
        "code\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1], *db = NULL, *listen = "127.0.0.1:8480", *site = NULL,
	           *port_file = NULL;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--db"))
			db = argv[i + 1];
		else if (!strcmp(argv[i], "--listen"))
			listen = argv[i + 1];
		else if (!strcmp(argv[i], "--site"))
			site = argv[i + 1];
		else if (!strcmp(argv[i], "--port-file"))
			port_file = argv[i + 1];
		else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!db) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(cmd, "serve"))
		return cmd_serve(db, listen, port_file);
	ank_cstore *cs;
	ank_err err;
	if (ank_cstore_open(db, &cs, &err)) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	int rc = 0;
	if (!strcmp(cmd, "migrate")) {
		printf("database %s is up to date\n", db);
	} else if (!strcmp(cmd, "pair-kiosk") && site && ank_text_is_slug(site, 63)) {
		char code[ANK_PAIR_CODE_LEN + 3];
		if (ank_cstore_pair_code(cs, site, ank_now_ms(), code, &err)) {
			fprintf(stderr, "ankomst-central: %s\n", err.msg);
			rc = 1;
		} else {
			printf("%s\n", code);
		}
	} else {
		fputs(usage, stderr);
		rc = 2;
	}
	ank_cstore_close(cs);
	return rc;
}
