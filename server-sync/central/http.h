/* Private to ankomst-central: the HTTP layer's request context and replies, shared by http.c
 * (daemon callbacks, the route table, authentication, sync routes) and staff.c (staff and
 * admin routes), and the two callbacks central.c hands to libmicrohttpd. */
#ifndef ANK_CENTRAL_HTTP_H
#define ANK_CENTRAL_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "cstore.h"

/* The Content-Security-Policy of every answer: only our own files, no inline script or style,
 * no framing (docs/api.md "Pages"). */
#define ANK_HTTP_CSP                                                                               \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"media-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; "              \
	"frame-ancestors 'none'; base-uri 'none'"

/* A long-poll (a kiosk's changes, the console's queue) waits at most this long, below common
 * proxy timeouts (60 s). */
#define ANK_HTTP_LONG_POLL_MAX_S 30

/* Path parameters a route may have ({site}, {id}, {n}). */
#define ANK_HTTP_MAX_PARAMS 2

typedef struct ank_http ank_http;

struct ank_serve;
struct ank_web;

/* The server state behind the callbacks: the store and the serving machinery (both borrowed;
 * serve NULL runs every handler on the calling thread), the metrics token ("" or NULL: no
 * /metrics), the browser's files (borrowed; NULL serves none) and the metrics. Owned by the caller;
 * free with ank_http_free after the daemon has stopped. */
ank_http *ank_http_new(ank_cstore *cs, struct ank_serve *serve, const char *metrics_token,
                       const struct ank_web *web);
/* The report's suppression threshold ([central] report_suppress_below; default
 * ANK_REPORT_SUPPRESS_BELOW), for GET /api/v1/report. Set before serving. */
void ank_http_set_report_below(ank_http *h, int below);
int ank_http_report_below(const ank_http *h);
/* The screen texts' settings (admin_texts.h; borrowed, NULL: no previews). Set before
 * serving. */
struct ank_texts_conf;
void ank_http_set_texts(ank_http *h, struct ank_texts_conf *t);
struct ank_texts_conf *ank_http_texts(const ank_http *h);
void ank_http_free(ank_http *h);
/* libmicrohttpd's access handler and completion callback; cls is the ank_http. */
enum MHD_Result ank_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls);
void ank_http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode why);
/* libmicrohttpd's MHD_OPTION_URI_LOG_CALLBACK: the request line is in. Starts the request's
 * deadline and checks its raw target; returns the request's state (con_cls). */
void *ank_http_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);

typedef struct ank_reply {
	int status;
	char *body; /* malloc'd; handed to the response, which frees it */
	const char *type;
} ank_reply;

/* What a handler knows about its request. Filled by the dispatcher before the handler runs. */
typedef struct ank_http_ctx {
	ank_http *srv;
	ank_cstore *cs;
	struct MHD_Connection *conn;
	const char *body; /* the request body, NUL-terminated; owned by the request */
	size_t body_len;
	char kiosk[64], site[64];            /* routes with a kiosk token (site: or display key) */
	ank_account acct;                    /* routes with a session */
	char token[ANK_TOKEN_HEX + 1];       /* the session cookie, for logout */
	char param[ANK_HTTP_MAX_PARAMS][64]; /* path parameters in order */
	char csrf[ANK_TOKEN_HEX + 1];        /* the session's CSRF token, for /api/v1/me */
	char set_cookie[256];                /* a Set-Cookie header to send, or "" */
	char location[128];                  /* a Location header to send (redirects), or "" */
	char disposition[160]; /* a Content-Disposition header to send (downloads), or "" */
	const char *etag;      /* an ETag header to send (static storage), or NULL */
	bool body_static; /* the reply's body is static storage (a web file): not freed or gzipped
	                   */
	char retry_after[24]; /* a Retry-After header (seconds) to send, or "" */
	size_t reply_len;     /* a binary reply's bytes (a PNG); 0: the body is a string */
	char addr[48];        /* the client's address in text; "" if unknown */
	bool resumed;         /* a held long-poll woken: answer, do not wait */
	int hold_ms;          /* a worker route's answer is held this long */
	void *req;            /* the request this belongs to (http.c's) */
	/* For the audit row (http.c, audit_note): who acted when no session says it (the name a
	 * login gave), and what the action touched when the path's parameters do not say it. */
	char audit_actor[ANK_CS_ID_MAX + 1];
	char audit_role[8]; /* a successful login's role ("admin", "staff"); "" otherwise */
	char audit_object[ANK_AUDIT_OBJECT_MAX + 1];
} ank_http_ctx;

typedef ank_reply (*ank_handler)(ank_http_ctx *c);

/* A JSON answer; takes the reference to j. */
ank_reply ank_http_json(int status, json_t *j);
/* {"v":1,"error":msg,"code":…,"server_ms":…} with the HTTP status of `code` (answers[] in
 * http.c, the one table of statuses and codes). */
ank_reply ank_http_error(ank_errcode code, const char *msg);

/* Bytes of an input name echoed back in an error message. */
#define ANK_HTTP_ECHO_MAX 40
/* Copies at most ANK_HTTP_ECHO_MAX bytes of s, anything but [A-Za-z0-9._-] as '?', so that
 * input can neither flood nor forge an answer or a log line. */
void ank_http_echo(char out[ANK_HTTP_ECHO_MAX + 1], const char *s);
/* 400 invalid_field "FIELD: RULE" (the field as given: echo input first). */
ank_reply ank_http_bad_field(const char *field, const char *rule);
/* The first member of object j that is not in `known` (NULL-terminated), or NULL. */
const char *ank_http_unknown_member(json_t *j, const char *const *known);
/* 0 when every member of j is in `known`, else -1 with *bad: 400 naming the first other one
 * (echoed) as "unknown field". */
int ank_http_only_known(json_t *j, const char *const *known, ank_reply *bad);
/* Reads a body that must be {"v":1} and nothing more (an action named by its path: revoke,
 * publish, a pairing code). 0, or -1 with *bad: the body's usual refusals, or an unknown
 * field. */
int ank_http_bare_body(ank_http_ctx *c, ank_reply *bad);
/* The error answer for a store result other than ANK_CS_OK: its code and status from the
 * same table. */
ank_reply ank_http_cs_error(ank_cs_rc rc, const char *msg);
/* The HTTP status central sends with `code`. */
int ank_http_status_of(ank_errcode code);
/* The body as a JSON object with "v":1, refusing nesting deeper than ANK_PROTO_MAX_DEPTH
 * before parsing, invalid JSON or UTF-8 and duplicate keys. Returns a new reference the caller
 * decrefs, or NULL with *bad set to a 400 invalid_json answer. */
json_t *ank_http_body(ank_http_ctx *c, ank_reply *bad);

/* The browser's files of the server (NULL when none). */
const struct ank_web *ank_http_web(const ank_http *h);
/* Holds a worker route's request (a console long-poll) until the site's revision is no longer
 * `rev` or wait_ms passed; the handler then returns (ank_reply){0} and runs again, resumed.
 * 0 when held; otherwise (1 the revision moved, -1 no waiting here: not serving, already
 * resumed, no wait) the handler answers at once. */
int ank_http_hold_rev(ank_http_ctx *c, const char *site, long long rev, int wait_ms);
/* The console's and the TV page's long-poll, `?after=REV&wait=S` (S 0..ANK_HTTP_LONG_POLL_MAX_S):
 * 1 when the request is now held because the site's revision is still REV (the handler
 * returns (ank_reply){0} and runs again later, resumed); 0 to answer now; -1 with *bad set
 * (400) when the query is not of that form. */
int ank_http_long_poll(ank_http_ctx *c, const char *site, ank_reply *bad);
/* A 303 redirect to `to` (a path of ours). */
ank_reply ank_http_redirect(ank_http_ctx *c, const char *to);

/* Pages, static files and catalogs (pages.c). */
ank_reply ank_page_root(ank_http_ctx *c);
ank_reply ank_page_staff(ank_http_ctx *c);
ank_reply ank_page_login(ank_http_ctx *c);
ank_reply ank_page_display(ank_http_ctx *c);
ank_reply ank_page_static(ank_http_ctx *c);
/* GET /icons/{file}: a vetted pictogram (SVG) for the waiting-room page. */
ank_reply ank_page_icon(ank_http_ctx *c);
ank_reply ank_page_i18n_list(ank_http_ctx *c);
ank_reply ank_page_i18n(ank_http_ctx *c);

/* Sites set up from the admin page (admin_sites.c). */
ank_reply ank_sites_create(ank_http_ctx *c);
ank_reply ank_sites_config_post(ank_http_ctx *c);
ank_reply ank_sites_form_get(ank_http_ctx *c);
ank_reply ank_sites_form_post(ank_http_ctx *c);

/* Staff and admin handlers (staff.c). */
ank_reply ank_staff_me(ank_http_ctx *c);
ank_reply ank_staff_alarm_post(ank_http_ctx *c);
ank_reply ank_staff_help_post(ank_http_ctx *c);
ank_reply ank_staff_users_get(ank_http_ctx *c);
ank_reply ank_staff_municipalities(ank_http_ctx *c);
ank_reply ank_staff_login(ank_http_ctx *c);
ank_reply ank_staff_logout(ank_http_ctx *c);
ank_reply ank_staff_queue(ank_http_ctx *c);
ank_reply ank_staff_command_post(ank_http_ctx *c);
ank_reply ank_staff_command_get(ank_http_ctx *c);
ank_reply ank_staff_record_post(ank_http_ctx *c);
ank_reply ank_staff_user_post(ank_http_ctx *c);
ank_reply ank_staff_quarantine(ank_http_ctx *c);
/* POST /api/v1/users/{id}/delete (admins): the user's registry entry goes everywhere. */
ank_reply ank_staff_user_delete(ank_http_ctx *c);
ank_reply ank_staff_account_post(ank_http_ctx *c);
ank_reply ank_staff_catalog_post(ank_http_ctx *c);
ank_reply ank_staff_ticket_check(ank_http_ctx *c);
/* The administrators' console (staff.c; the page in pages.c). */
ank_reply ank_page_admin(ank_http_ctx *c);
ank_reply ank_admin_sites(ank_http_ctx *c);
ank_reply ank_admin_pair_code(ank_http_ctx *c);
ank_reply ank_admin_kiosks(ank_http_ctx *c);
ank_reply ank_admin_kiosk_revoke(ank_http_ctx *c);
ank_reply ank_admin_accounts(ank_http_ctx *c);
ank_reply ank_admin_account_change(ank_http_ctx *c);
ank_reply ank_admin_audit(ank_http_ctx *c);
/* GET /api/v1/report (admins): the report, suppressed, or its raw data as CSV. */
ank_reply ank_admin_report(ank_http_ctx *c);
/* The serving machinery of the server (NULL when handlers run on the calling thread). */
struct ank_serve *ank_http_serve(const ank_http *h);
/* The waiting-room display's data (display.c); c->site is the display key's. */
ank_reply ank_display_get(ank_http_ctx *c);

#endif
