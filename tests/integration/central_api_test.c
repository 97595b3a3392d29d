/* Drives the real ankomst-central binary over loopback HTTP (and HTTPS) with libcurl, plus its
 * subcommands and its store: one group of named cases per run, each printed as ok or FAIL,
 * exit status 1 when any case failed. Usage: central_api_test CENTRAL_BINARY GROUP, GROUP one
 * of auth sync limits tls cli report store content web tickets tickets_upgrade display
 * admin. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ank_buf.h"
#include "ank_siteconf.h"
#include "ank_ticketref.h"
#include "ank_text.h"
#include "ank_time.h"
#include "ank_version.h"
#include "cstore.h"
#include "cstore_int.h" /* the fair hashing queue, tested alone */
#include "proc.h"

/* Output of a subcommand or a body we keep: far more than any answer here. */
#define CAPTURE_MAX (16 * 1024 * 1024)

static const char *central_bin;
static char dir[64];        /* this run's temp dir */
static char db[128];        /* dir/central.db */
static char base_url[96];   /* http://127.0.0.1:PORT or https://... */
static const char *ca_file; /* CA for https, or NULL */
/* The local address requests come from ("127.0.0.2": any of 127/8 reaches a server on
 * 127.0.0.1), or NULL for the system's choice (127.0.0.1). */
static const char *source_addr;
static int passed, failed;

/* ---- reporting ---- */

/* Records one named case; detail (printf format) says what was seen when it failed. */
static bool expect(const char *name, bool ok, const char *detail, ...)
        __attribute__((format(printf, 3, 4)));
static bool expect(const char *name, bool ok, const char *detail, ...)
{
	if (ok) {
		passed++;
		printf("ok   %s\n", name);
		return true;
	}
	failed++;
	printf("FAIL %s: ", name);
	va_list ap;
	va_start(ap, detail);
	vprintf(detail, ap);
	va_end(ap);
	printf("\n");
	return false;
}

/* ---- processes ---- */

/* Runs central with the given arguments (NULL-terminated, without the binary); its output is
 * appended to out (may be NULL). */
static int central(const char *input, ank_buf *out, ...)
{
	va_list ap;
	va_start(ap, out);
	int rc = proc_run_va(central_bin, input, out, ap);
	va_end(ap);
	return rc;
}

/* CLOCK_REALTIME in ms, the clock central stamps with. */
static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static proc_central server; /* its pid and port */
/* The bearer token of /metrics in the config every serving group starts with. */
#define METRICS_TOKEN "6d657472696373206f6e6c7920666f72207468652073637261706572203a2d29"

/* Starts `central serve` on 127.0.0.1:0 with extra arguments (NULL-terminated); fills
 * base_url from the port file. Returns 0 or the start's failure (proc_central_start). */
static int server_start(const char *scheme, const char *const *extra)
{
	char port_file[160], log_file[160];
	snprintf(port_file, sizeof port_file, "%s/port", dir);
	snprintf(log_file, sizeof log_file, "%s/central.log", dir);
	int rc = proc_central_start(&server, central_bin, port_file, log_file, extra);
	if (rc == 0)
		snprintf(base_url, sizeof base_url, "%s://127.0.0.1:%d", scheme, server.port);
	return rc;
}

/* Stops central with SIGTERM; a clean exit (0) also means ASan found no leak. */
static int server_stop(void)
{
	return proc_stop(&server.pid, 0);
}

/* ---- HTTP ---- */

typedef struct resp {
	long status; /* 0 when no answer came (rc says why) */
	CURLcode rc;
	ank_buf body;
	char set_cookie[512];  /* the Set-Cookie header, if any */
	char retry_after[32];  /* the Retry-After header, if any */
	char location[128];    /* the Location header, if any */
	char etag[40];         /* the ETag header, if any */
	char csp[400];         /* the Content-Security-Policy header, if any */
	char ctype[80];        /* the Content-Type header, if any */
	char disposition[160]; /* the Content-Disposition header, if any */
	json_t *json;          /* the body parsed, or NULL */
} resp;

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
	return ank_buf_append(user, p, size * n) ? 0 : size * n;
}

/* Copies the value of header `name` (with its ": ") from a header line into dst. */
static void header_value(const char *p, size_t len, const char *name, char *dst, size_t cap)
{
	size_t k = strlen(name);
	if (len <= k || strncasecmp(p, name, k) != 0)
		return;
	size_t v = len - k;
	while (v > 0 && (p[k + v - 1] == '\r' || p[k + v - 1] == '\n'))
		v--;
	snprintf(dst, cap, "%.*s", (int)v, p + k);
}

static size_t on_header(char *p, size_t size, size_t n, void *user)
{
	resp *r = user;
	size_t len = size * n;
	header_value(p, len, "Set-Cookie: ", r->set_cookie, sizeof r->set_cookie);
	header_value(p, len, "Retry-After: ", r->retry_after, sizeof r->retry_after);
	header_value(p, len, "Location: ", r->location, sizeof r->location);
	header_value(p, len, "ETag: ", r->etag, sizeof r->etag);
	header_value(p, len, "Content-Security-Policy: ", r->csp, sizeof r->csp);
	header_value(p, len, "Content-Type: ", r->ctype, sizeof r->ctype);
	header_value(p, len, "Content-Disposition: ", r->disposition, sizeof r->disposition);
	return len;
}

static void resp_free(resp *r)
{
	ank_buf_free(&r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

/* One request. body NULL sends none; len 0 takes strlen(body). session and csrf are sent as
 * cookie and header when not NULL, bearer as Authorization. The caller frees r (resp_free). */
static void http(resp *r, const char *method, const char *path, const char *body, size_t len,
                 const char *session, const char *csrf, const char *bearer)
{
	memset(r, 0, sizeof *r);
	ank_buf_init(&r->body, CAPTURE_MAX);
	CURL *c = curl_easy_init();
	char url[512], cookie[128], h_csrf[160], h_auth[160];
	snprintf(url, sizeof url, "%s%s", base_url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	char iface[64];
	if (source_addr) {
		snprintf(iface, sizeof iface, "host!%s", source_addr);
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	}
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(len ? len : strlen(body)));
	}
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" wait on large bodies. */
	h = curl_slist_append(h, "Expect:");
	if (session) {
		snprintf(cookie, sizeof cookie, "ank_session=%s", session);
		curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
	}
	if (csrf) {
		snprintf(h_csrf, sizeof h_csrf, "X-CSRF-Token: %s", csrf);
		h = curl_slist_append(h, h_csrf);
	}
	if (bearer) {
		snprintf(h_auth, sizeof h_auth, "Authorization: Bearer %s", bearer);
		h = curl_slist_append(h, h_auth);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	r->rc = curl_easy_perform(c);
	if (r->rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	r->json = json_loadb(ank_buf_str(&r->body), r->body.len, 0, NULL);
}

/* The status of one request, the answer dropped. */
static long status_of(const char *method, const char *path, const char *body, const char *session,
                      const char *csrf, const char *bearer)
{
	resp r;
	http(&r, method, path, body, 0, session, csrf, bearer);
	long st = r.status;
	resp_free(&r);
	return st;
}

static const char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s ? s : "";
}

/* The status of one request and its error code into code ("" when the answer has none, or
 * has no human "error" message beside it: both must be there). */
static long answer_of(const char *method, const char *path, const char *body, const char *session,
                      const char *csrf, const char *bearer, char code[32])
{
	resp r;
	http(&r, method, path, body, 0, session, csrf, bearer);
	long st = r.status;
	snprintf(code, 32, "%s", jstr(r.json, "error")[0] ? jstr(r.json, "code") : "");
	resp_free(&r);
	return st;
}

/* An error answer must have the status and the stable code docs/api.md gives for it. */
static bool expect_error(const char *name, long st, const char *code, long want_st,
                         const char *want_code)
{
	return expect(name, st == want_st && !strcmp(code, want_code),
	              "status %ld code '%s', want %ld '%s'", st, code, want_st, want_code);
}

static long long jint(json_t *j, const char *key)
{
	return (long long)json_integer_value(json_object_get(j, key));
}

/* A path of object keys ("totals.checkins_by_route.inject") to an integer; -1 if absent. */
static long long jpath(json_t *j, const char *path)
{
	char key[64];
	while (j && *path) {
		size_t n = strcspn(path, ".");
		snprintf(key, sizeof key, "%.*s", (int)n, path);
		j = json_object_get(j, key);
		path += n + (path[n] == '.');
	}
	return json_is_integer(j) ? (long long)json_integer_value(j) : -1;
}

typedef struct session {
	char token[65], csrf[65];
	char role[8], site[64];
} session;

/* Logs in; returns the HTTP status and fills s on 200. */
static long login(const char *user, const char *password, session *s)
{
	memset(s, 0, sizeof *s);
	json_t *b = json_pack("{s:i, s:s, s:s}", "v", 1, "user", user, "password", password);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	resp r;
	http(&r, "POST", "/api/v1/login", text, 0, NULL, NULL, NULL);
	free(text);
	long st = r.status;
	const char *c = strstr(r.set_cookie, "ank_session=");
	if (st == 200 && c) {
		snprintf(s->token, sizeof s->token, "%.64s", c + 12);
		snprintf(s->csrf, sizeof s->csrf, "%s", jstr(r.json, "csrf"));
		snprintf(s->role, sizeof s->role, "%s", jstr(r.json, "role"));
		snprintf(s->site, sizeof s->site, "%s", jstr(r.json, "site"));
	}
	resp_free(&r);
	return st;
}

/* POSTs as a session with its CSRF token. */
static void post(resp *r, const session *s, const char *path, const char *body)
{
	http(r, "POST", path, body, 0, s->token, s->csrf, NULL);
}

/* ---- fixtures ---- */

static const char admin_pw[] = "correct horse battery staple";
static const char staff_pw[] = "a staff password";

/* Sites demo and north in municipality 101, far in 147, and admin "boss". */
static int fixture_db(void)
{
	int rc = central(NULL, NULL, "add-site", "--db", db, "--site", "demo", "--name",
	                 "Demo-rummet", "--municipality", "101", NULL);
	rc |= central(NULL, NULL, "add-site", "--db", db, "--site", "north", "--name", "Nord",
	              "--municipality", "101", NULL);
	rc |= central(NULL, NULL, "add-site", "--db", db, "--site", "far", "--name", "Fjern",
	              "--municipality", "147", NULL);
	char line[64];
	snprintf(line, sizeof line, "%s\n", admin_pw);
	rc |= central(line, NULL, "create-admin", "--db", db, "--user", "boss", NULL);
	return rc;
}

static long add_account(const session *admin, const char *user, const char *role, const char *site)
{
	json_t *b = json_pack("{s:i, s:s, s:s, s:s}", "v", 1, "user", user, "password", staff_pw,
	                      "role", role);
	if (site)
		json_object_set_new(b, "site", json_string(site));
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	resp r;
	post(&r, admin, "/api/v1/accounts", text);
	free(text);
	long st = r.status;
	resp_free(&r);
	return st;
}

/* Pairs a kiosk of `site` (code from the pair-kiosk subcommand); token and kiosk id out. */
static int pair(const char *site, char token[65], char kiosk[64])
{
	ank_buf out;
	ank_buf_init(&out, 4096);
	int rc = central(NULL, &out, "pair-kiosk", "--db", db, "--site", site, NULL);
	char code[32];
	snprintf(code, sizeof code, "%.14s", ank_buf_str(&out));
	ank_buf_free(&out);
	if (rc)
		return -1;
	char body[96];
	snprintf(body, sizeof body, "{\"v\":1,\"code\":\"%s\"}", code);
	resp r;
	http(&r, "POST", "/api/v1/pair", body, 0, NULL, NULL, NULL);
	snprintf(token, 65, "%s", jstr(r.json, "token"));
	snprintf(kiosk, 64, "%s", jstr(r.json, "kiosk"));
	long st = r.status;
	resp_free(&r);
	return st == 200 && strlen(token) == 64 ? 0 : -1;
}

/* The changes a kiosk gets from cursor 0 (no wait): a new reference to the array. */
static json_t *changes_of(const char *token)
{
	resp r;
	http(&r, "GET", "/api/v1/sync/changes?since=0&wait=0", NULL, 0, NULL, NULL, token);
	json_t *ch = json_incref(json_object_get(r.json, "changes"));
	resp_free(&r);
	return ch ? ch : json_array();
}

/* How many changes of `type` whose payload has member `key` equal to string `value` (NULL:
 * any). */
static int count_changes(json_t *changes, const char *type, const char *key, const char *value)
{
	int n = 0;
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c)
	{
		if (strcmp(jstr(c, "type"), type) != 0)
			continue;
		json_t *p = json_object_get(c, "payload");
		if (!value || !strcmp(jstr(p, key), value))
			n++;
	}
	return n;
}

/* Posts events as kiosk: `events` is a JSON array text of {type, payload}; seq continues from
 * *seq, ids are random; *r gets the answer (free with resp_free). */
static void post_events_r(const char *token, const char *kiosk, long long *seq, const char *events,
                          resp *r)
{
	json_t *in = json_loads(events, 0, NULL);
	json_t *out = json_array();
	size_t i;
	json_t *e;
	long long now = (long long)time(NULL) * 1000;
	json_array_foreach(in, i, e)
	{
		char id[33];
		for (int k = 0; k < 32; k++)
			id[k] = "0123456789abcdef"[rand() % 16];
		id[32] = '\0';
		json_t *at = json_object_get(e, "at");
		json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:I, s:O}", "seq",
		                                     (json_int_t)++ * seq, "id", id, "type",
		                                     jstr(e, "type"), "at",
		                                     at ? json_integer_value(at) : (json_int_t)now,
		                                     "payload", json_object_get(e, "payload")));
	}
	json_t *body = json_pack("{s:i, s:s, s:o}", "v", 1, "kiosk", kiosk, "events", out);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	json_decref(in);
	http(r, "POST", "/api/v1/sync/events", text, 0, NULL, NULL, token);
	free(text);
}

/* The same, returning the HTTP status; the error code goes to code. */
static long post_events_code(const char *token, const char *kiosk, long long *seq,
                             const char *events, char code[32])
{
	resp r;
	post_events_r(token, kiosk, seq, events, &r);
	long st = r.status;
	snprintf(code, 32, "%s", jstr(r.json, "error")[0] ? jstr(r.json, "code") : "");
	resp_free(&r);
	return st;
}

static long post_events(const char *token, const char *kiosk, long long *seq, const char *events)
{
	char code[32];
	return post_events_code(token, kiosk, seq, events, code);
}

/* A registration at `site` (no "site" field when NULL) of a user from `muni`. */
static char *user_body(const char *nick, int year, const char *gender, const char *muni,
                       const char *site)
{
	json_t *b = json_pack("{s:i, s:s, s:i, s:s, s:s, s:s}", "v", 1, "nickname", nick,
	                      "birth_year", year, "gender", gender, "municipality", muni,
	                      "consent_version", "2024-1");
	if (site)
		json_object_set_new(b, "site", json_string(site));
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	return text;
}

/* Registers a user as `s` at `site`; its id into id (64 bytes); returns the status. */
static long add_user(const session *s, const char *site, const char *nick, int year,
                     const char *gender, const char *muni, char *id, int *sites)
{
	char *body = user_body(nick, year, gender, muni, site);
	resp r;
	post(&r, s, "/api/v1/users", body);
	free(body);
	if (id)
		snprintf(id, 64, "%s", jstr(r.json, "id"));
	if (sites)
		*sites = (int)jint(r.json, "sites");
	long st = r.status;
	resp_free(&r);
	return st;
}

/* ---- group: auth ---- */

typedef struct route_case {
	const char *method, *path, *body;
	bool site_route; /* staff of another site get 403 */
	bool admin_only;
} route_case;

static const route_case staff_routes[] = {
        {"GET", "/api/v1/sites/demo/queue", NULL, true, false},
        {"POST", "/api/v1/sites/demo/commands", "{\"v\":1,\"type\":\"freeze\"}", true, false},
        {"GET", "/api/v1/sites/demo/commands/1", NULL, true, false},
        {"POST", "/api/v1/sites/demo/records",
         "{\"v\":1,\"kind\":\"referral\",\"type\":\"health\"}", true, false},
        {"POST", "/api/v1/users",
         "{\"v\":1,\"nickname\":\"Lis\",\"birth_year\":1980,\"gender\":\"female\","
         "\"municipality\":\"101\"}",
         false, false},
        {"POST", "/api/v1/users/u-x/quarantine", "{\"v\":1,\"until\":null}", false, false},
        {"POST", "/api/v1/accounts",
         "{\"v\":1,\"user\":\"zed\",\"password\":\"another long one\",\"role\":\"staff\","
         "\"site\":\"demo\"}",
         false, true},
        {"POST", "/api/v1/sites/demo/config", "{\"v\":1,\"ini\":\"[site]\\n\"}", false, true},
        {"POST", "/api/v1/catalogs/da", "{\"v\":1,\"messages\":{\"welcome.title\":\"Hej\"}}", false,
         true},
        {"POST", "/api/v1/sites/demo/alarms",
         "{\"v\":1,\"kiosk\":\"k-x\",\"station\":\"1\",\"ticket\":1,\"level\":\"warn\"}", true,
         false},
        {"POST", "/api/v1/sites/demo/help", "{\"v\":1,\"kiosk\":\"k-x\",\"id\":1}", true, false},
        {"GET", "/api/v1/users?nickname=Lis", NULL, false, false},
        {"GET", "/api/v1/municipalities", NULL, false, false},
        {"GET", "/api/v1/me", NULL, false, false},
        {"GET", "/api/v1/sites/demo/queue?after=1&wait=1", NULL, true, false},
        {"POST", "/api/v1/sites/demo/tickets/check", "{\"v\":1,\"ref\":\"x\"}", true, false},
        {"POST", "/api/v1/logout", "{\"v\":1}", false, false},
};

static void group_auth(void)
{
	session admin, anna, bo, s;
	expect("login-admin",
	       login("boss", admin_pw, &admin) == 200 && !strcmp(admin.role, "admin") &&
	               strlen(admin.csrf) == 64,
	       "role '%s' csrf '%s'", admin.role, admin.csrf);
	resp r;
	http(&r, "POST", "/api/v1/login",
	     "{\"v\":1,\"user\":\"boss\",\"password\":\"correct horse battery staple\"}", 0, NULL,
	     NULL, NULL);
	expect("login-cookie-attributes",
	       strstr(r.set_cookie, "; HttpOnly") && strstr(r.set_cookie, "; Secure") &&
	               strstr(r.set_cookie, "; SameSite=Strict") &&
	               strstr(r.set_cookie, "; Path=/"),
	       "Set-Cookie: %s", r.set_cookie);
	resp_free(&r);
	expect("login-wrong-password", login("boss", "correct horse battery", &s) == 401,
	       "condition did not hold");
	expect("login-unknown-user", login("nobody", admin_pw, &s) == 401,
	       "condition did not hold");
	expect("login-bad-body",
	       status_of("POST", "/api/v1/login", "{\"v\":1,\"user\":\"boss\"}", NULL, NULL,
	                 NULL) == 400,
	       "condition did not hold");

	expect("account-staff-demo", add_account(&admin, "anna", "staff", "demo") == 201,
	       "condition did not hold");
	expect("account-staff-far", add_account(&admin, "bo", "staff", "far") == 201,
	       "condition did not hold");
	expect("account-duplicate", add_account(&admin, "anna", "staff", "demo") == 409,
	       "condition did not hold");
	expect("account-unknown-site", add_account(&admin, "cy", "staff", "nowhere") == 400,
	       "condition did not hold");
	expect("account-admin-with-site", add_account(&admin, "cy", "admin", "demo") == 400,
	       "condition did not hold");
	expect("account-staff-without-site", add_account(&admin, "cy", "staff", NULL) == 400,
	       "condition did not hold");
	long st = status_of("POST", "/api/v1/accounts",
	                    "{\"v\":1,\"user\":\"cy\",\"password\":\"short\",\"role\":\"staff\","
	                    "\"site\":\"demo\"}",
	                    admin.token, admin.csrf, NULL);
	expect("account-short-password", st == 400, "status %ld", st);
	expect("login-staff",
	       login("anna", staff_pw, &anna) == 200 && !strcmp(anna.role, "staff") &&
	               !strcmp(anna.site, "demo"),
	       "role %s site %s", anna.role, anna.site);
	expect("account-for-waiting", add_account(&admin, "dora", "staff", "demo") == 201,
	       "condition did not hold");
	/* Five failures of a name in a row, then it waits, even with the right password; the
	 * answer says how long, and other names are not held up. */
	int refused = 0;
	for (int i = 0; i < 5; i++)
		refused += login("dora", "not the password at all", &s) == 401;
	char body[160];
	snprintf(body, sizeof body, "{\"v\":1,\"user\":\"dora\",\"password\":\"%s\"}", staff_pw);
	http(&r, "POST", "/api/v1/login", body, 0, NULL, NULL, NULL);
	expect("login-waits-after-5-failures",
	       refused == 5 && r.status == 429 && !strcmp(r.retry_after, "30") &&
	               strstr(ank_buf_str(&r.body), "try again in 30 s") &&
	               !strcmp(jstr(r.json, "code"), "wait"),
	       "%d refused, then status %ld, Retry-After '%s', body %s", refused, r.status,
	       r.retry_after, ank_buf_str(&r.body));
	resp_free(&r);
	expect("login-other-name-not-held", login("anna", staff_pw, &s) == 200,
	       "condition did not hold");
	expect("login-staff-far", login("bo", staff_pw, &bo) == 200, "condition did not hold");

	/* The codes of the staff API's refusals (docs/api.md "Error codes"). */
	char code[32];
	st = answer_of("POST", "/api/v1/login",
	               "{\"v\":1,\"user\":\"boss\",\"password\":\"not the password\"}", NULL, NULL,
	               NULL, code);
	expect_error("code-login-wrong-password", st, code, 401, "unauthorized");
	st = answer_of("GET", "/api/v1/sites/demo/queue", NULL, NULL, NULL, NULL, code);
	expect_error("code-no-session", st, code, 401, "unauthorized");
	st = answer_of("POST", "/api/v1/logout", NULL, anna.token, NULL, NULL, code);
	expect_error("code-no-csrf", st, code, 403, "csrf");
	st = answer_of("GET", "/api/v1/sites/demo/queue", NULL, bo.token, NULL, NULL, code);
	expect_error("code-other-site", st, code, 403, "forbidden");
	st = answer_of("POST", "/api/v1/accounts",
	               "{\"v\":1,\"user\":\"x\",\"password\":\"long enough password\","
	               "\"role\":\"admin\"}",
	               anna.token, anna.csrf, NULL, code);
	expect_error("code-staff-on-admin-route", st, code, 403, "forbidden");
	st = answer_of("GET", "/api/v1/sites/nowhere/queue", NULL, admin.token, NULL, NULL, code);
	expect_error("code-unknown-site", st, code, 404, "not_found");
	char dup[256];
	snprintf(dup, sizeof dup,
	         "{\"v\":1,\"user\":\"anna\",\"password\":\"%s\",\"role\":\"staff\","
	         "\"site\":\"demo\"}",
	         staff_pw);
	st = answer_of("POST", "/api/v1/accounts", dup, admin.token, admin.csrf, NULL, code);
	expect_error("code-account-exists", st, code, 409, "exists");
	st = answer_of("POST", "/api/v1/accounts", "{\"v\":1,\"user\":\"x\",\"colour\":1}",
	               admin.token, admin.csrf, NULL, code);
	expect_error("code-unknown-field", st, code, 400, "invalid_field");
	st = answer_of("POST", "/api/v1/login", "{\"v\":1,", NULL, NULL, NULL, code);
	expect_error("code-login-bad-json", st, code, 400, "invalid_json");

	/* Failures from one address with ever new names: after 20 that address waits, even
	 * with a right password, and is told so; another address (127.0.0.1) still logs in. */
	source_addr = "127.0.0.2";
	int guesses = 0;
	for (int i = 0; i < ANK_LOGIN_ADDR_FREE_FAILS; i++) {
		char guess[32];
		snprintf(guess, sizeof guess, "guess-%d-%d", i, rand());
		guesses += login(guess, "not the password at all", &s) == 401;
	}
	snprintf(body, sizeof body, "{\"v\":1,\"user\":\"boss\",\"password\":\"%s\"}", admin_pw);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	http(&r, "POST", "/api/v1/login", body, 0, NULL, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	source_addr = NULL;
	/* The tar pit: a refusal during a wait is answered a second late (a lower bound, which
	 * no load can break). */
	long held_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	expect("login-wait-answer-held", held_ms >= 900, "answered after %ld ms", held_ms);
	expect("login-address-waits-after-20-failures",
	       guesses == ANK_LOGIN_ADDR_FREE_FAILS && r.status == 429 &&
	               !strcmp(r.retry_after, "10") &&
	               strstr(ank_buf_str(&r.body),
	                      "too many failed logins from this address: try again in 10 s") &&
	               !strcmp(jstr(r.json, "code"), "wait"),
	       "%d refused, then status %ld, Retry-After '%s', body %s", guesses, r.status,
	       r.retry_after, ank_buf_str(&r.body));
	resp_free(&r);
	expect("login-other-address-not-held", login("boss", admin_pw, &s) == 200,
	       "condition did not hold");

	/* Every staff and admin route behind the same locks. */
	char wrong_token[65], wrong_csrf[65];
	memset(wrong_token, 'a', 64);
	wrong_token[64] = '\0';
	snprintf(wrong_csrf, sizeof wrong_csrf, "%s", anna.csrf);
	wrong_csrf[0] = wrong_csrf[0] == '0' ? '1' : '0';
	for (size_t i = 0; i < sizeof staff_routes / sizeof staff_routes[0]; i++) {
		const route_case *rc = &staff_routes[i];
		bool is_post = !strcmp(rc->method, "POST");
		char name[160];
		snprintf(name, sizeof name, "%s %s no session -> 401", rc->method, rc->path);
		st = status_of(rc->method, rc->path, rc->body, NULL, NULL, NULL);
		expect(name, st == 401, "status %ld", st);
		snprintf(name, sizeof name, "%s %s wrong session -> 401", rc->method, rc->path);
		st = status_of(rc->method, rc->path, rc->body, wrong_token, anna.csrf, NULL);
		expect(name, st == 401, "status %ld", st);
		const session *who = rc->admin_only ? &admin : &anna;
		if (is_post) {
			snprintf(name, sizeof name, "%s %s no csrf -> 403", rc->method, rc->path);
			st = status_of(rc->method, rc->path, rc->body, who->token, NULL, NULL);
			expect(name, st == 403, "status %ld", st);
			snprintf(name, sizeof name, "%s %s wrong csrf -> 403", rc->method,
			         rc->path);
			st = status_of(rc->method, rc->path, rc->body, who->token, wrong_csrf,
			               NULL);
			expect(name, st == 403, "status %ld", st);
			snprintf(name, sizeof name, "%s %s short csrf -> 403", rc->method,
			         rc->path);
			st = status_of(rc->method, rc->path, rc->body, who->token, "abc", NULL);
			expect(name, st == 403, "status %ld", st);
		}
		if (rc->site_route) {
			snprintf(name, sizeof name, "%s %s other site's staff -> 403", rc->method,
			         rc->path);
			st = status_of(rc->method, rc->path, rc->body, bo.token, bo.csrf, NULL);
			expect(name, st == 403, "status %ld", st);
		}
		if (rc->admin_only) {
			snprintf(name, sizeof name, "%s %s staff -> 403", rc->method, rc->path);
			st = status_of(rc->method, rc->path, rc->body, anna.token, anna.csrf, NULL);
			expect(name, st == 403, "status %ld", st);
		}
	}
	st = status_of("GET", "/api/v1/sites/demo/queue", NULL, anna.token, NULL, NULL);
	expect("queue-own-site-staff", st == 200, "status %ld", st);
	st = status_of("GET", "/api/v1/sites/far/queue", NULL, admin.token, NULL, NULL);
	expect("queue-any-site-admin", st == 200, "status %ld", st);
	st = status_of("GET", "/api/v1/sites/nowhere/queue", NULL, admin.token, NULL, NULL);
	expect("queue-unknown-site", st == 404, "status %ld", st);

	/* Bodies are checked field by field. */
	static const struct {
		const char *name, *path, *body;
		long want;
	} bodies[] = {
	        {"command-ok", "/api/v1/sites/demo/commands",
	         "{\"v\":1,\"type\":\"call_next\",\"station\":\"2\"}", 202},
	        {"command-unknown-type", "/api/v1/sites/demo/commands",
	         "{\"v\":1,\"type\":\"launch\"}", 400},
	        {"command-needs-ticket", "/api/v1/sites/demo/commands",
	         "{\"v\":1,\"type\":\"call_ticket\"}", 400},
	        {"command-takes-no-station", "/api/v1/sites/demo/commands",
	         "{\"v\":1,\"type\":\"freeze\",\"station\":\"1\"}", 400},
	        {"command-bad-route", "/api/v1/sites/demo/commands",
	         "{\"v\":1,\"type\":\"transfer\",\"ticket\":3,\"route\":\"snort\"}", 400},
	        {"command-bad-ticket", "/api/v1/sites/demo/commands",
	         "{\"v\":1,\"type\":\"start\",\"ticket\":0}", 400},
	        {"command-transfer-ok", "/api/v1/sites/demo/commands",
	         "{\"v\":1,\"type\":\"transfer\",\"ticket\":3,\"route\":\"smoke\"}", 202},
	        {"command-no-v", "/api/v1/sites/demo/commands", "{\"type\":\"freeze\"}", 400},
	        {"record-overdose-ok", "/api/v1/sites/demo/records",
	         "{\"v\":1,\"kind\":\"overdose\",\"station\":\"2\",\"naloxone\":true,"
	         "\"oxygen\":true,\"ambulance\":false,\"outcome\":\"recovered\"}",
	         201},
	        {"record-overdose-no-outcome", "/api/v1/sites/demo/records",
	         "{\"v\":1,\"kind\":\"overdose\",\"naloxone\":true,\"oxygen\":true,"
	         "\"ambulance\":false}",
	         400},
	        {"record-overdose-bool-as-string", "/api/v1/sites/demo/records",
	         "{\"v\":1,\"kind\":\"overdose\",\"naloxone\":\"yes\",\"oxygen\":true,"
	         "\"ambulance\":false,\"outcome\":\"recovered\"}",
	         400},
	        {"record-unknown-kind", "/api/v1/sites/demo/records",
	         "{\"v\":1,\"kind\":\"party\"}", 400},
	        {"record-unknown-field", "/api/v1/sites/demo/records",
	         "{\"v\":1,\"kind\":\"referral\",\"type\":\"health\",\"name\":\"x\"}", 400},
	        {"record-future", "/api/v1/sites/demo/records",
	         "{\"v\":1,\"kind\":\"referral\",\"type\":\"health\","
	         "\"time\":\"2999-01-01T00:00:00Z\"}",
	         400},
	        {"record-incident-ok", "/api/v1/sites/demo/records",
	         "{\"v\":1,\"kind\":\"incident\",\"text\":\"broken window\","
	         "\"time\":\"2026-01-05T10:00:00Z\"}",
	         201},
	        {"record-rejection-ok", "/api/v1/sites/demo/records",
	         "{\"v\":1,\"kind\":\"rejection\",\"reason\":\"intoxicated\"}", 201},
	        {"user-with-id", "/api/v1/users",
	         "{\"v\":1,\"id\":\"u-1\",\"nickname\":\"Lis\",\"birth_year\":1980,"
	         "\"gender\":\"female\",\"municipality\":\"101\"}",
	         400},
	        {"user-bad-gender", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"Lis\",\"birth_year\":1980,\"gender\":\"f\","
	         "\"municipality\":\"101\"}",
	         400},
	        {"user-bad-municipality", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"Lis\",\"birth_year\":1980,\"gender\":\"female\","
	         "\"municipality\":\"999\"}",
	         400},
	        {"user-one-letter", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"L\",\"birth_year\":1980,\"gender\":\"female\","
	         "\"municipality\":\"101\"}",
	         400},
	        {"user-future-year", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"Lis\",\"birth_year\":2999,\"gender\":\"female\","
	         "\"municipality\":\"101\"}",
	         400},
	        {"user-control-char", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"Li\\u0007s\",\"birth_year\":1980,\"gender\":"
	         "\"female\",\"municipality\":\"101\"}",
	         400},
	        {"user-ok", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"Lis\",\"birth_year\":1980,\"gender\":\"female\","
	         "\"municipality\":\"abroad\",\"language\":\"en\","
	         "\"consent_at\":\"2026-01-05T10:00:00Z\"}",
	         201},
	        {"user-at-own-site", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"Lis\",\"birth_year\":1980,\"gender\":\"female\","
	         "\"municipality\":\"101\",\"site\":\"demo\"}",
	         201},
	        {"user-at-other-site", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"Lis\",\"birth_year\":1980,\"gender\":\"female\","
	         "\"municipality\":\"101\",\"site\":\"far\"}",
	         403},
	        {"user-site-not-an-id", "/api/v1/users",
	         "{\"v\":1,\"nickname\":\"Lis\",\"birth_year\":1980,\"gender\":\"female\","
	         "\"municipality\":\"101\",\"site\":\"de mo\"}",
	         400},
	        {"quarantine-unknown-user", "/api/v1/users/u-nobody/quarantine",
	         "{\"v\":1,\"until\":null}", 404},
	        {"quarantine-bad-time", "/api/v1/users/u-nobody/quarantine",
	         "{\"v\":1,\"until\":\"tomorrow\"}", 400},
	        {"quarantine-missing-until", "/api/v1/users/u-nobody/quarantine", "{\"v\":1}", 400},
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		http(&r, "POST", bodies[i].path, bodies[i].body, 0, anna.token, anna.csrf, NULL);
		expect(bodies[i].name, r.status == bodies[i].want, "status %ld (want %ld): %s",
		       r.status, bodies[i].want, ank_buf_str(&r.body));
		resp_free(&r);
	}
	http(&r, "GET", "/api/v1/sites/demo/commands/1", NULL, 0, anna.token, NULL, NULL);
	expect("command-get",
	       r.status == 200 && !strcmp(jstr(r.json, "state"), "sent") &&
	               !strcmp(jstr(r.json, "type"), "call_next"),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	st = status_of("GET", "/api/v1/sites/demo/commands/999", NULL, anna.token, NULL, NULL);
	expect("command-get-unknown", st == 404, "status %ld", st);
	st = status_of("GET", "/api/v1/sites/far/commands/1", NULL, admin.token, NULL, NULL);
	expect("command-get-other-site", st == 404, "status %ld", st);

	/* Logout ends the session for good. */
	st = status_of("POST", "/api/v1/logout", "{\"v\":1}", anna.token, anna.csrf, NULL);
	expect("logout", st == 200, "status %ld", st);
	st = status_of("GET", "/api/v1/sites/demo/queue", NULL, anna.token, NULL, NULL);
	expect("after-logout-401", st == 401, "status %ld", st);
}

/* ---- group: sync ---- */

static void group_sync(void)
{
	session admin;
	login("boss", admin_pw, &admin);
	char t_demo[65], t_north[65], t_far[65], k_demo[64], k_north[64], k_far[64];
	expect("pair-three-kiosks",
	       pair("demo", t_demo, k_demo) == 0 && pair("north", t_north, k_north) == 0 &&
	               pair("far", t_far, k_far) == 0,
	       "condition did not hold");
	char bogus[65];
	memset(bogus, 'b', 64);
	bogus[64] = '\0';
	static const char batch[] = "{\"v\":1,\"kiosk\":\"k-x\",\"events\":[]}";
	char code[32];
	long st = answer_of("POST", "/api/v1/sync/events", batch, NULL, NULL, NULL, code);
	expect_error("events-no-token-401", st, code, 401, "unauthorized");
	st = status_of("POST", "/api/v1/sync/events", batch, NULL, NULL, bogus);
	expect("events-wrong-token-401", st == 401, "status %ld", st);
	st = status_of("GET", "/api/v1/sync/changes", NULL, NULL, NULL, NULL);
	expect("changes-no-token-401", st == 401, "status %ld", st);
	st = status_of("GET", "/api/v1/sync/changes", NULL, NULL, NULL, "short");
	expect("changes-wrong-token-401", st == 401, "status %ld", st);
	st = status_of("GET", "/api/v1/sync/changes", NULL, admin.token, NULL, NULL);
	expect("changes-session-is-not-a-token", st == 401, "status %ld", st);

	/* A user of 101 reaches demo and north, not far. */
	char uid[64];
	int sites = -1;
	long st_user = add_user(&admin, "demo", "Søren", 1984, "male", "101", uid, &sites);
	expect("user-register", st_user == 201 && !strncmp(uid, "u-", 2) && sites == 2,
	       "status %ld id %s sites %d", st_user, uid, sites);
	json_t *cd = changes_of(t_demo), *cn = changes_of(t_north), *cf = changes_of(t_far);
	expect("user-upsert-to-demo", count_changes(cd, "user.upsert", "id", uid) == 1,
	       "condition did not hold");
	expect("user-upsert-to-north", count_changes(cn, "user.upsert", "id", uid) == 1,
	       "condition did not hold");
	expect("user-upsert-not-to-far", count_changes(cf, "user.upsert", NULL, NULL) == 0,
	       "condition did not hold");
	/* The first change of the site is its ticket key (group tickets checks it). */
	json_t *p = json_object_get(json_array_get(cd, 1), "payload");
	char *shown = json_dumps(p, JSON_COMPACT);
	expect("user-upsert-payload",
	       !strcmp(jstr(p, "nickname"), "Søren") && jint(p, "birth_year") == 1984 &&
	               !strcmp(jstr(p, "municipality"), "101") &&
	               !strcmp(jstr(p, "consent_version"), "2024-1") &&
	               json_is_null(json_object_get(p, "quarantine_until")) &&
	               !json_object_get(p, "linkage") && json_object_size(p) == 9,
	       "%s", shown ? shown : "(none)");
	free(shown);
	json_decref(cd);
	json_decref(cn);
	json_decref(cf);

	/* Quarantine follows the same municipality. */
	char path[128], body[128];
	snprintf(path, sizeof path, "/api/v1/users/%s/quarantine", uid);
	resp r;
	post(&r, &admin, path, "{\"v\":1,\"until\":\"2027-01-01T00:00:00Z\"}");
	expect("quarantine-set", r.status == 200 && jint(r.json, "sites") == 2, "%ld %s", r.status,
	       ank_buf_str(&r.body));
	resp_free(&r);
	cd = changes_of(t_demo);
	cf = changes_of(t_far);
	expect("quarantine-to-demo", count_changes(cd, "quarantine", "user", uid) == 1,
	       "condition did not hold");
	expect("quarantine-not-to-far", count_changes(cf, "quarantine", NULL, NULL) == 0,
	       "condition did not hold");
	json_decref(cd);
	json_decref(cf);

	/* The site boundary: staff of far (municipality 147) may not change a user of demo's
	 * municipality (101), staff of north (101) may; and an end a year and more away is a
	 * typo, refused. */
	session far_staff, north_staff;
	add_account(&admin, "fia", "staff", "far");
	add_account(&admin, "nils", "staff", "north");
	login("fia", staff_pw, &far_staff);
	login("nils", staff_pw, &north_staff);
	char qcode[32];
	long qs = answer_of("POST", path, "{\"v\":1,\"until\":null}", far_staff.token,
	                    far_staff.csrf, NULL, qcode);
	expect_error("quarantine-other-municipality-403", qs, qcode, 403, "forbidden");
	cf = changes_of(t_far);
	cd = changes_of(t_demo);
	expect("quarantine-refused-changes-nothing",
	       count_changes(cd, "quarantine", "user", uid) == 1, "condition did not hold");
	json_decref(cd);
	json_decref(cf);
	qs = answer_of("POST", path, "{\"v\":1,\"until\":\"2099-01-01T00:00:00Z\"}",
	               north_staff.token, north_staff.csrf, NULL, qcode);
	expect_error("quarantine-until-max", qs, qcode, 400, "invalid_field");
	qs = answer_of("POST", path, "{\"v\":1,\"until\":null}", north_staff.token,
	               north_staff.csrf, NULL, qcode);
	expect("quarantine-same-municipality-staff", qs == 200, "status %ld %s", qs, qcode);
	cd = changes_of(t_demo);
	expect("quarantine-lifted-to-demo", count_changes(cd, "quarantine", "user", uid) == 2,
	       "condition did not hold");
	json_decref(cd);

	/* A site added later gets the registry of its municipality. */
	int rc = central(NULL, NULL, "add-site", "--db", db, "--site", "late", "--name", "Sen",
	                 "--municipality", "101", NULL);
	char t_late[65], k_late[64];
	expect("late-site-backfill",
	       rc == 0 && pair("late", t_late, k_late) == 0 &&
	               count_changes((cd = changes_of(t_late)), "user.upsert", "id", uid) == 1,
	       "rc %d", rc);
	json_decref(cd);

	/* Entries go where the user registered, whatever their home: a user from 147 who
	 * registers at demo (101) reaches 101's sites, not far (147); one from abroad who
	 * registers at far reaches far, and so does their quarantine. */
	char visitor[64], abroad[64];
	st_user = add_user(&admin, "demo", "Gæst", 1979, "female", "147", visitor, &sites);
	cd = changes_of(t_demo);
	cf = changes_of(t_far);
	expect("user-from-elsewhere-at-demo",
	       st_user == 201 && sites == 3 &&
	               count_changes(cd, "user.upsert", "id", visitor) == 1 &&
	               count_changes(cf, "user.upsert", "id", visitor) == 0,
	       "status %ld sites %d", st_user, sites);
	json_decref(cd);
	json_decref(cf);
	st_user = add_user(&admin, "far", "Tourist", 1990, "male", "abroad", abroad, &sites);
	snprintf(path, sizeof path, "/api/v1/users/%s/quarantine", abroad);
	post(&r, &admin, path, "{\"v\":1,\"until\":\"2027-01-01T00:00:00Z\"}");
	cd = changes_of(t_demo);
	cf = changes_of(t_far);
	expect("user-abroad-at-far",
	       st_user == 201 && sites == 1 &&
	               count_changes(cf, "user.upsert", "id", abroad) == 1 &&
	               count_changes(cd, "user.upsert", "id", abroad) == 0 && r.status == 200 &&
	               jint(r.json, "sites") == 1 &&
	               count_changes(cf, "quarantine", "user", abroad) == 1 &&
	               count_changes(cd, "quarantine", "user", abroad) == 0,
	       "status %ld sites %d, quarantine %ld %s", st_user, sites, r.status,
	       ank_buf_str(&r.body));
	resp_free(&r);
	json_decref(cd);
	json_decref(cf);
	st_user = add_user(&admin, NULL, "Nowhere", 1990, "male", "101", NULL, NULL);
	expect("user-admin-needs-site", st_user == 400, "status %ld", st_user);
	st_user = add_user(&admin, "nowhere", "Nowhere", 1990, "male", "101", NULL, NULL);
	expect("user-unknown-site", st_user == 404, "status %ld", st_user);

	/* A command reaches its site only, and the kiosk's answer closes it. */
	post(&r, &admin, "/api/v1/sites/demo/commands",
	     "{\"v\":1,\"type\":\"call_next\",\"station\":\"2\"}");
	long long cmd = jint(r.json, "command");
	expect("command-202", r.status == 202 && cmd > 0, "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	post(&r, &admin, "/api/v1/sites/demo/commands", "{\"v\":1,\"type\":\"freeze\"}");
	long long cmd2 = jint(r.json, "command");
	resp_free(&r);
	cd = changes_of(t_demo);
	cn = changes_of(t_north);
	bool found = false;
	size_t i;
	json_t *c;
	json_array_foreach(cd, i, c)
	{
		json_t *pl = json_object_get(c, "payload");
		if (!strcmp(jstr(c, "type"), "command") && jint(pl, "id") == cmd &&
		    !strcmp(jstr(pl, "type"), "call_next") && !strcmp(jstr(pl, "station"), "2") &&
		    !json_object_get(pl, "ticket") && json_object_size(pl) == 3)
			found = true;
	}
	expect("command-change-to-site", found, "condition did not hold");
	expect("command-change-not-to-north", count_changes(cn, "command", NULL, NULL) == 0,
	       "condition did not hold");
	json_decref(cd);
	json_decref(cn);

	long long seq_demo = 0, seq_far = 0;
	snprintf(body, sizeof body,
	         "[{\"type\":\"command.applied\",\"payload\":{\"command\":%lld,\"ticket\":5}}]",
	         cmd);
	/* Another site's kiosk cannot close demo's command. */
	st = post_events(t_far, k_far, &seq_far, body);
	snprintf(path, sizeof path, "/api/v1/sites/demo/commands/%lld", cmd);
	http(&r, "GET", path, NULL, 0, admin.token, NULL, NULL);
	expect("command-not-closed-by-other-site",
	       st == 200 && !strcmp(jstr(r.json, "state"), "sent"), "%ld %s", st,
	       ank_buf_str(&r.body));
	resp_free(&r);
	st = post_events(t_demo, k_demo, &seq_demo, body);
	http(&r, "GET", path, NULL, 0, admin.token, NULL, NULL);
	expect("command-applied",
	       st == 200 && !strcmp(jstr(r.json, "state"), "applied") &&
	               jint(r.json, "ticket") == 5,
	       "%ld %s", st, ank_buf_str(&r.body));
	resp_free(&r);
	snprintf(
	        body, sizeof body,
	        "[{\"type\":\"command.refused\",\"payload\":{\"command\":%lld,\"reason\":\"already "
	        "frozen\"}}]",
	        cmd2);
	st = post_events(t_demo, k_demo, &seq_demo, body);
	snprintf(path, sizeof path, "/api/v1/sites/demo/commands/%lld", cmd2);
	http(&r, "GET", path, NULL, 0, admin.token, NULL, NULL);
	expect("command-refused",
	       st == 200 && !strcmp(jstr(r.json, "state"), "refused") &&
	               !strcmp(jstr(r.json, "reason"), "already frozen"),
	       "%ld %s", st, ank_buf_str(&r.body));
	resp_free(&r);

	/* The queue view follows the events. */
	char events[2048];
	snprintf(events, sizeof events,
	         "[{\"type\":\"site.config\",\"payload\":{\"stations\":[\"1\",\"2\"]}},"
	         "{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":7,\"label\":\"I-007\","
	         "\"day\":\"2026-11-23\",\"route\":\"inject\",\"substance\":\"heroin\","
	         "\"user\":\"%s\",\"state\":\"waiting\"}},"
	         "{\"type\":\"ticket.called\",\"payload\":{\"ticket\":7,\"label\":\"I-007\","
	         "\"day\":\"2026-11-23\",\"route\":\"inject\",\"substance\":\"heroin\","
	         "\"user\":\"%s\",\"state\":\"called\",\"station\":\"2\"}},"
	         "{\"type\":\"station.state\",\"payload\":{\"station\":\"2\",\"state\":"
	         "\"reserved\"}},"
	         "{\"type\":\"site.frozen\",\"payload\":{}}]",
	         uid, uid);
	st = post_events(t_demo, k_demo, &seq_demo, events);
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, admin.token, NULL, NULL);
	json_t *tickets = json_object_get(r.json, "tickets");
	json_t *stations = json_object_get(r.json, "stations");
	json_t *t0 = json_array_get(tickets, 0), *s1 = json_array_get(stations, 1);
	json_t *k0 = json_array_get(json_object_get(r.json, "kiosks"), 0);
	expect("queue-projection",
	       st == 200 && json_array_size(tickets) == 1 && !strcmp(jstr(t0, "label"), "I-007") &&
	               !strcmp(jstr(t0, "state"), "called") && !strcmp(jstr(t0, "station"), "2") &&
	               json_array_size(stations) == 2 && !strcmp(jstr(s1, "station"), "2") &&
	               !strcmp(jstr(s1, "state"), "reserved") &&
	               !strcmp(jstr(json_array_get(stations, 0), "state"), "free") &&
	               json_is_true(json_object_get(r.json, "frozen")) &&
	               !strcmp(jstr(k0, "kiosk"), k_demo) && jint(k0, "last_seen_ms") > 0 &&
	               !json_object_get(t0, "user"),
	       "%ld %s", st, ank_buf_str(&r.body));
	resp_free(&r);
	snprintf(events, sizeof events,
	         "[{\"type\":\"session.ended\",\"payload\":{\"ticket\":7,\"label\":\"I-007\","
	         "\"day\":\"2026-11-23\",\"route\":\"inject\",\"substance\":\"heroin\","
	         "\"user\":\"%s\",\"state\":\"done\",\"station\":\"2\",\"duration_s\":900}},"
	         "{\"type\":\"site.resumed\",\"payload\":{}}]",
	         uid);
	st = post_events(t_demo, k_demo, &seq_demo, events);
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, admin.token, NULL, NULL);
	expect("queue-done-ticket-leaves",
	       st == 200 && json_array_size(json_object_get(r.json, "tickets")) == 0 &&
	               json_is_false(json_object_get(r.json, "frozen")),
	       "%ld %s", st, ank_buf_str(&r.body));
	resp_free(&r);
	/* The sync rules still hold: a batch that leaves a gap is refused. */
	long long ahead = seq_demo + 4;
	st = post_events_code(t_demo, k_demo, &ahead,
	                      "[{\"type\":\"site.resumed\",\"payload\":{}}]", code);
	expect_error("events-gap-409", st, code, 409, "gap");
	/* And seq 1 again with another id: other content, which a kiosk must not resend. */
	long long from_start = 0;
	st = post_events_code(t_demo, k_demo, &from_start,
	                      "[{\"type\":\"site.resumed\",\"payload\":{}}]", code);
	expect_error("events-other-content-409", st, code, 409, "conflict");
}

/* ---- group: limits ---- */

static bool healthy(void)
{
	resp r;
	http(&r, "GET", "/healthz", NULL, 0, NULL, NULL, NULL);
	bool ok = r.status == 200 && !strcmp(ank_buf_str(&r.body), "ok\n");
	resp_free(&r);
	return ok;
}

static void group_limits(void)
{
	session admin;
	login("boss", admin_pw, &admin);
	char token[65], kiosk[64];
	pair("demo", token, kiosk);
	size_t big_len = ANK_PROTO_MAX_BODY + 100;
	char *big = malloc(big_len + 1);
	memset(big, ' ', big_len);
	big[0] = '{';
	big[big_len - 1] = '}';
	big[big_len] = '\0';
	/* 1000 arrays inside each other, then closed. */
	char deep[2100];
	memset(deep, '[', 1000);
	memset(deep + 1000, ']', 1000);
	deep[2000] = '\0';
	char deep_obj[2100];
	snprintf(deep_obj, sizeof deep_obj, "{\"v\":1,\"nickname\":%s}", deep);
	static const char bad_utf8[] = "{\"v\":1,\"nickname\":\"\xff\xfe\",\"birth_year\":1980,"
	                               "\"gender\":\"male\",\"municipality\":\"101\"}";
	static const char bad_utf8_batch[] = "{\"v\":1,\"kiosk\":\"k\xc3\",\"events\":[]}";
	/* Each refusal must say why, so that a body refused for another reason does not pass. */
	static const struct {
		const char *name, *body;
		long want;
		const char *why, *code;
	} cases[] = {
	        {"invalid-json", "{\"v\":1,", 400, "JSON", "invalid_json"},
	        {"not-an-object", "[1,2]", 400, "object", "invalid_json"},
	        {"invalid-utf8", NULL, 400, "UTF-8", "invalid_json"},
	        {"deep-nesting", NULL, 400, "deep", "invalid_json"},
	        {"too-big", NULL, 413, "larger than", "too_large"},
	};
	for (int route = 0; route < 2; route++) {
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			const char *b = cases[i].body;
			size_t len = 0;
			if (!strcmp(cases[i].name, "invalid-utf8"))
				b = route ? bad_utf8 : bad_utf8_batch;
			else if (!strcmp(cases[i].name, "deep-nesting"))
				b = deep_obj;
			else if (!strcmp(cases[i].name, "too-big"))
				b = big, len = big_len;
			resp r;
			if (route)
				http(&r, "POST", "/api/v1/users", b, len, admin.token, admin.csrf,
				     NULL);
			else
				http(&r, "POST", "/api/v1/sync/events", b, len, NULL, NULL, token);
			char name[96];
			snprintf(name, sizeof name, "%s-%s", route ? "users" : "events",
			         cases[i].name);
			expect(name,
			       r.status == cases[i].want &&
			               strstr(jstr(r.json, "error"), cases[i].why) != NULL &&
			               !strcmp(jstr(r.json, "code"), cases[i].code),
			       "status %ld (want %ld, '%s', %s): %.200s", r.status, cases[i].want,
			       cases[i].why, cases[i].code, ank_buf_str(&r.body));
			resp_free(&r);
			snprintf(name, sizeof name, "%s-%s-then-healthz",
			         route ? "users" : "events", cases[i].name);
			expect(name, healthy(), "no answer");
		}
	}
	long st = status_of("POST", "/api/v1/login", deep, NULL, NULL, NULL);
	expect("login-deep-nesting", st == 400, "status %ld", st);
	char code[32];
	st = answer_of("GET", "/api/v1/nothing", NULL, NULL, NULL, NULL, code);
	expect_error("unknown-path-404", st, code, 404, "not_found");
	st = answer_of("DELETE", "/api/v1/users", NULL, admin.token, admin.csrf, NULL, code);
	expect_error("wrong-method-405", st, code, 405, "method_not_allowed");
	st = answer_of("GET", "/api/v1/sync/changes?since=x", NULL, NULL, NULL, token, code);
	expect_error("changes-bad-since-400", st, code, 400, "bad_request");
	st = answer_of("POST", "/api/v1/sync/events", "{\"v\":1,\"kiosk\":5,\"events\":[]}", NULL,
	               NULL, token, code);
	expect_error("events-bad-form-400", st, code, 400, "bad_request");
	st = status_of("GET", "/api/v1/sites/de.mo/queue", NULL, admin.token, NULL, NULL);
	expect("path-param-not-a-slug-404", st == 404, "status %ld", st);
	free(big);
	expect("healthz-at-end", healthy(), "no answer");
}

/* ---- group: tls ---- */

static int make_certs(char ca[160], char cert[160], char key[160])
{
	char cakey[160], csr[160], ext[160];
	snprintf(ca, 160, "%s/ca.pem", dir);
	snprintf(cakey, sizeof cakey, "%s/ca.key", dir);
	snprintf(cert, 160, "%s/server.pem", dir);
	snprintf(key, 160, "%s/server.key", dir);
	snprintf(csr, sizeof csr, "%s/server.csr", dir);
	snprintf(ext, sizeof ext, "%s/ext.cnf", dir);
	FILE *fp = fopen(ext, "w");
	if (!fp)
		return -1;
	fputs("subjectAltName = IP:127.0.0.1, DNS:localhost\n", fp);
	fclose(fp);
	const char *mk_ca[] = {"openssl",
	                       "req",
	                       "-x509",
	                       "-newkey",
	                       "ec",
	                       "-pkeyopt",
	                       "ec_paramgen_curve:prime256v1",
	                       "-nodes",
	                       "-keyout",
	                       cakey,
	                       "-out",
	                       ca,
	                       "-days",
	                       "2",
	                       "-subj",
	                       "/CN=Ankomst test CA",
	                       NULL};
	const char *mk_key[] = {"openssl",
	                        "req",
	                        "-newkey",
	                        "ec",
	                        "-pkeyopt",
	                        "ec_paramgen_curve:prime256v1",
	                        "-nodes",
	                        "-keyout",
	                        key,
	                        "-out",
	                        csr,
	                        "-subj",
	                        "/CN=127.0.0.1",
	                        NULL};
	const char *sign[] = {
	        "openssl",         "x509", "-req", "-in",   csr, "-CA",      ca,  "-CAkey", cakey,
	        "-CAcreateserial", "-out", cert,   "-days", "2", "-extfile", ext, NULL};
	ank_buf out;
	ank_buf_init(&out, 65536);
	int rc = proc_run(mk_ca, NULL, &out) || proc_run(mk_key, NULL, &out) ||
	         proc_run(sign, NULL, &out);
	if (rc)
		printf("openssl: %s\n", ank_buf_str(&out));
	ank_buf_free(&out);
	return rc ? -1 : 0;
}

static void group_tls(void)
{
	char ca[160], cert[160], key[160], conf[160];
	if (!expect("make-certs", make_certs(ca, cert, key) == 0, "openssl failed"))
		return;
	/* The config file gives db and TLS; flags add the rest. */
	snprintf(conf, sizeof conf, "%s/central.ini", dir);
	FILE *fp = fopen(conf, "w");
	fprintf(fp, "[central]\ndb = %s\nlisten = 127.0.0.1:9\ntls_cert = %s\ntls_key = %s\n", db,
	        cert, key);
	fclose(fp);
	if (!expect("serve-tls-from-config",
	            server_start("https", (const char *[]){"--config", conf, NULL}) == 0,
	            "did not start"))
		return;
	ca_file = ca;
	resp r;
	http(&r, "GET", "/healthz", NULL, 0, NULL, NULL, NULL);
	expect("tls-with-cacert", r.status == 200, "curl %d: %s", r.rc, curl_easy_strerror(r.rc));
	resp_free(&r);
	session admin;
	long st = login("boss", admin_pw, &admin);
	expect("tls-login", st == 200 && strlen(admin.token) == 64, "status %ld", st);
	ca_file = NULL;
	http(&r, "GET", "/healthz", NULL, 0, NULL, NULL, NULL);
	expect("tls-without-cacert-fails", r.rc != CURLE_OK && r.status == 0, "curl %d status %ld",
	       r.rc, r.status);
	resp_free(&r);
	char plain[96];
	snprintf(plain, sizeof plain, "%s", base_url);
	memmove(base_url + 4, base_url + 5, strlen(base_url + 5) + 1); /* https -> http */
	http(&r, "GET", "/healthz", NULL, 0, NULL, NULL, NULL);
	expect("plain-http-to-tls-port-fails", r.status != 200, "status %ld", r.status);
	resp_free(&r);
	snprintf(base_url, sizeof base_url, "%s", plain);
	ca_file = ca;
	expect("tls-still-healthy", healthy(), "no answer");
	int code = server_stop();
	ca_file = NULL;
	expect("tls-server-exits-cleanly", code == 0, "exit %d", code);
}

/* ---- group: cli ---- */

static void group_cli(void)
{
	ank_buf out;
	ank_buf_init(&out, 65536);
#define CLI(name, want_rc, pattern, input, ...)                                                    \
	do {                                                                                       \
		ank_buf_reset(&out);                                                               \
		int rc_ = central(input, &out, __VA_ARGS__, NULL);                                 \
		expect(name, rc_ == (want_rc) && strstr(ank_buf_str(&out), pattern) != NULL,       \
		       "exit %d (want %d), output: %s", rc_, want_rc, ank_buf_str(&out));          \
	} while (0)
	CLI("add-site", 0, "site demo added (municipality 101)", NULL, "add-site", "--db", db,
	    "--site", "demo", "--name", "Demo-rummet", "--municipality", "101");
	{
		/* central.db holds nicknames and linkage keys: 0600 even under umask 000. */
		char priv[sizeof dir + 16];
		snprintf(priv, sizeof priv, "%s/umask.db", dir);
		mode_t old = umask(0);
		CLI("migrate-umask-000", 0, "", NULL, "migrate", "--db", priv);
		umask(old);
		struct stat st;
		char wal[sizeof priv + 4];
		snprintf(wal, sizeof wal, "%s-wal", priv);
		bool ok = stat(priv, &st) == 0 && (st.st_mode & 0777) == 0600;
		struct stat sw;
		ok = ok && (stat(wal, &sw) != 0 || (sw.st_mode & 0777) == 0600);
		expect("database-created-0600", ok, "mode %03o", (unsigned)(st.st_mode & 0777));
	}
	CLI("add-site-again", 1, "exists", NULL, "add-site", "--db", db, "--site", "demo", "--name",
	    "X", "--municipality", "101");
	CLI("add-site-bad-municipality", 1, "municipality", NULL, "add-site", "--db", db, "--site",
	    "x", "--name", "X", "--municipality", "999");
	CLI("add-site-abroad", 1, "municipality", NULL, "add-site", "--db", db, "--site", "x",
	    "--name", "X", "--municipality", "abroad");
	CLI("add-site-bad-id", 1, "site id", NULL, "add-site", "--db", db, "--site", "a b",
	    "--name", "X", "--municipality", "101");
	CLI("add-site-missing-name", 2, "needs", NULL, "add-site", "--db", db, "--site", "x",
	    "--municipality", "101");
	CLI("create-admin", 0, "admin boss created", "a long enough password\n", "create-admin",
	    "--db", db, "--user", "boss");
	CLI("create-admin-again", 1, "exists", "a long enough password\n", "create-admin", "--db",
	    db, "--user", "boss");
	CLI("create-admin-short-password", 1, "12", "too short\n", "create-admin", "--db", db,
	    "--user", "boss2");
	CLI("create-admin-no-password", 1, "password", "", "create-admin", "--db", db, "--user",
	    "boss2");
	CLI("create-admin-no-user", 2, "--user", "a long enough password\n", "create-admin", "--db",
	    db);
	CLI("pair-kiosk-unknown-site", 1, "unknown site", NULL, "pair-kiosk", "--db", db, "--site",
	    "nowhere");
	CLI("pair-kiosk", 0, "-", NULL, "pair-kiosk", "--db", db, "--site", "demo");
	bool code_shape =
	        out.len == 15 && ank_buf_str(&out)[4] == '-' && ank_buf_str(&out)[9] == '-';
	expect("pair-kiosk-code-shape", code_shape, "output: %s", ank_buf_str(&out));
	CLI("flag-of-another-command", 2, "does not take --site", NULL, "report", "--db", db,
	    "--site", "demo");
	CLI("unknown-command", 2, "usage:", NULL, "launch", "--db", db);
	CLI("migrate", 0, "up to date", NULL, "migrate", "--db", db);
	char conf[160];
	snprintf(conf, sizeof conf, "%s/bad.ini", dir);
	FILE *fp = fopen(conf, "w");
	fprintf(fp, "[central]\ndb = %s\nport = 80\n", db);
	fclose(fp);
	CLI("config-unknown-key", 2, "bad.ini:3: unknown key [central] port", NULL, "migrate",
	    "--config", conf);
	snprintf(conf, sizeof conf, "%s/good.ini", dir);
	fp = fopen(conf, "w");
	fprintf(fp, "[central]\ndb = %s/other.db\n", dir);
	fclose(fp);
	CLI("config-db-flag-wins", 0, db, NULL, "migrate", "--config", conf, "--db", db);
	CLI("config-db", 0, "other.db", NULL, "migrate", "--config", conf);
	/* Logs as JSON lines, for a log shipper: the flag, and the config key. */
	CLI("log-format-json", 0,
	    "\",\"level\":\"info\",\"component\":\"admin\",\"msg\":\"site north added"
	    " (municipality 101)\"}\n",
	    NULL, "add-site", "--db", db, "--site", "north", "--name", "Nord", "--municipality",
	    "101", "--log-format", "json");
	CLI("log-format-unknown", 2, "text or json, not 'xml'", NULL, "migrate", "--db", db,
	    "--log-format", "xml");
	fp = fopen(conf, "w");
	fprintf(fp, "[central]\ndb = %s\nlog_format = json\n", db);
	fclose(fp);
	CLI("config-log-format", 0, "{\"time\":\"", NULL, "add-site", "--config", conf, "--site",
	    "south", "--name", "Syd", "--municipality", "101");
	CLI("report-bad-date", 2, "real dates", NULL, "report", "--db", db, "--from", "2026-02-30");
	CLI("report-reversed", 2, "before", NULL, "report", "--db", db, "--from", "2026-02-02",
	    "--to", "2026-02-01");
#undef CLI
	ank_buf_free(&out);
}

/* ---- group: report ---- */

/* Kiosk times that cannot be true (docs/api.md "Event times"): year 2200, 2^62 ms and 2019.
 * 2200-01-01T00:00:00Z in ms. */
#define T_2200 7258118400000LL
#define T_2019 1559347200000LL /* 2019-06-01T00:00:00Z */
#define T_HUGE (1LL << 62)

/* A kiosk of site north whose clock went wrong after three days offline: its honest
 * backlog counts, the events out of time are acknowledged (the kiosk is not stuck), move
 * the queue view on at central's time and show as skew, and the report leaves them out.
 * The report figures are checked by group_report. */
static void report_clock(const session *admin, const char *user)
{
	char token[65], kiosk[64], ev[4096];
	pair("north", token, kiosk);
	long long seq = 0;
	const char *t = "\"day\":\"2026-11-23\",\"route\":\"smoke\",\"substance\":\"cocaine\"";
	long long backlog = (long long)time(NULL) * 1000 - 3LL * 86400 * 1000;
	snprintf(ev, sizeof ev,
	         "[{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":1,\"label\":"
	         "\"R-001\",\"user\":\"%s\",\"state\":\"waiting\",%s}},"
	         "{\"type\":\"checkin.refused\",\"at\":%lld,\"payload\":{\"reason\":\"closed\","
	         "\"user\":\"%s\",\"substance\":\"heroin\",\"route\":\"inject\"}},"
	         "{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":2,\"label\":"
	         "\"R-002\",\"user\":\"u-other\",\"state\":\"waiting\",%s}},"
	         "{\"type\":\"ticket.called\",\"at\":%lld,\"payload\":{\"ticket\":1,\"label\":"
	         "\"R-001\",\"user\":\"%s\",\"state\":\"called\",\"station\":\"1\",%s}},"
	         "{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":3,\"label\":"
	         "\"R-003\",\"user\":\"u-third\",\"state\":\"waiting\",%s}}]",
	         backlog, user, t, T_2019, user, T_HUGE, t, T_2200 + 1, user, t, T_2200, t);
	/* The wall clock in ms, not time(): time() reads a coarse clock that can lag a tick
	 * behind central's, which made `after` a millisecond early across a second boundary. */
	long long before = wall_ms();
	resp r;
	post_events_r(token, kiosk, &seq, ev, &r);
	long long after = wall_ms() + 1000;
	expect("clock-out-of-time-acked", r.status == 200 && jint(r.json, "acked") == 5,
	       "%ld %.300s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/sites/north/queue", NULL, 0, admin->token, NULL, NULL);
	json_t *k0 = json_array_get(json_object_get(r.json, "kiosks"), 0);
	json_t *tickets = json_object_get(r.json, "tickets");
	json_t *t1 = json_array_get(tickets, 0), *t3 = json_array_get(tickets, 2);
	long long skew = jint(k0, "clock_skew_ms");
	expect("clock-queue-shows-skew",
	       json_is_integer(json_object_get(k0, "clock_skew_ms")) && skew >= T_2200 - after &&
	               skew <= T_2200 - before && jint(k0, "events_out_of_time") == 4,
	       "%.400s", ank_buf_str(&r.body));
	/* A call with a wrong clock still called the ticket; times are central's receipt. */
	expect("clock-queue-state-moves-on",
	       json_array_size(tickets) == 3 && !strcmp(jstr(t1, "state"), "called") &&
	               !strcmp(jstr(t1, "station"), "1") && jint(t1, "since_ms") >= before &&
	               jint(t1, "since_ms") <= after && !strcmp(jstr(t3, "label"), "R-003") &&
	               jint(t3, "since_ms") >= before && jint(t3, "since_ms") <= after,
	       "%.600s", ank_buf_str(&r.body));
	resp_free(&r);
	/* The clock is right again: no skew now, the count stays. */
	long st = post_events(token, kiosk, &seq,
	                      "[{\"type\":\"station.state\",\"payload\":{\"station\":\"1\","
	                      "\"state\":\"reserved\"}}]");
	http(&r, "GET", "/api/v1/sites/north/queue", NULL, 0, admin->token, NULL, NULL);
	k0 = json_array_get(json_object_get(r.json, "kiosks"), 0);
	expect("clock-queue-skew-cleared",
	       st == 200 && json_is_null(json_object_get(k0, "clock_skew_ms")) &&
	               jint(k0, "events_out_of_time") == 4,
	       "%ld %.400s", st, ank_buf_str(&r.body));
	resp_free(&r);
}

/* The north kiosk's figures in the store after a rebuild: as ingest left them. */
static void report_clock_rebuilt(void)
{
	ank_cstore *cs = NULL;
	ank_err err = {""};
	ank_queue_view v = {0};
	int rc = ank_cstore_open(db, false, &cs, &err);
	if (!rc)
		rc = ank_cstore_queue_view(cs, "north", (long long)time(NULL) * 1000, &v, &err);
	expect("clock-rebuild-same-queue",
	       !rc && v.n_kiosks == 1 && !v.kiosks[0].skewed && v.kiosks[0].out_of_time == 4 &&
	               v.n_tickets == 3 && !strcmp(v.tickets[0].state, "called"),
	       "rc %d %s: %d kiosks, %d tickets", rc, err.msg, v.n_kiosks, v.n_tickets);
	ank_queue_view_free(&v);
	ank_cstore_close(cs);
}

/* The integer a query gives on central.db, read behind central's back (read-only); -1 when
 * the query fails or gives no row. */
static int db_int(const char *query)
{
	sqlite3 *sdb = NULL;
	int v = -1;
	if (sqlite3_open_v2(db, &sdb, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(sdb, query, -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(sdb);
	return v;
}

/* GET /api/v1/report: admins only, the CLI's period rules and errors, the JSON as the CLI
 * prints it (suppressed by the config's threshold), the raw data as a confidential download. */
static void report_api(const session *admin)
{
	session rita;
	long st = add_account(admin, "rita", "staff", "demo");
	expect("report-api-staff-forbidden",
	       st == 201 && login("rita", staff_pw, &rita) == 200 &&
	               status_of("GET", "/api/v1/report", NULL, rita.token, NULL, NULL) == 403,
	       "account %ld", st);
	static const struct {
		const char *name, *query, *says;
	} bad[] = {
	        {"report-api-bad-quarter", "?quarter=2026Q5", "quarter wants YYYYQn"},
	        {"report-api-quarter-and-year", "?quarter=2026Q3&year=2026",
	         "give one of quarter, year or from/to"},
	        {"report-api-year-and-from", "?year=2026&from=2026-01-01",
	         "give one of quarter, year or from/to"},
	        {"report-api-bad-date", "?from=2026-02-30", "from and to must be real dates"},
	        {"report-api-to-before-from", "?from=2026-03-01&to=2026-02-01",
	         "to is before from"},
	        {"report-api-bad-format", "?format=xml", "format is json or csv, not 'xml'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[128];
		snprintf(path, sizeof path, "/api/v1/report%s", bad[i].query);
		resp r;
		http(&r, "GET", path, NULL, 0, admin->token, NULL, NULL);
		expect(bad[i].name,
		       r.status == 400 && !strcmp(jstr(r.json, "code"), "bad_request") &&
		               strstr(jstr(r.json, "error"), bad[i].says),
		       "status %ld: %.200s", r.status, ank_buf_str(&r.body));
		resp_free(&r);
	}
	/* The JSON is the CLI's for the same period, suppressed alike (default threshold). */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char path[96], year[8];
	snprintf(year, sizeof year, "%04d", tm.tm_year + 1900);
	snprintf(path, sizeof path, "/api/v1/report?year=%s", year);
	resp r;
	http(&r, "GET", path, NULL, 0, admin->token, NULL, NULL);
	ank_buf out;
	ank_buf_init(&out, CAPTURE_MAX);
	int rc = central(NULL, &out, "report", "--db", db, "--year", year, NULL);
	json_t *cli = json_loads(ank_buf_str(&out), 0, NULL);
	json_t *demo = json_object_get(json_object_get(r.json, "sites"), "demo");
	expect("report-api-json-as-cli",
	       r.status == 200 && rc == 0 && !strncmp(r.ctype, "application/json", 16) &&
	               json_equal(json_object_get(r.json, "totals"),
	                          json_object_get(cli, "totals")) &&
	               json_equal(json_object_get(r.json, "sites"),
	                          json_object_get(cli, "sites")) &&
	               !strcmp(jstr(demo, "checkins"), "<10") &&
	               jpath(r.json, "suppression.below") == 10 && !r.disposition[0],
	       "status %ld, exit %d: %.300s", r.status, rc, ank_buf_str(&r.body));
	/* The one intake's hour, weekday and week are small cells too. */
	const char *series[] = {"intakes_by_week", "intakes_by_weekday", "intakes_by_hour"};
	int small = 0, cells = 0;
	for (int i = 0; i < 3; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(demo, series[i]), k, v)
		{
			cells++;
			small += !strcmp(json_string_value(v) ? json_string_value(v) : "", "<10");
		}
	}
	expect("report-api-series-suppressed", cells == 3 && small == 3, "%d of %d cells <10",
	       small, cells);
	json_decref(cli);
	resp_free(&r);
	/* The raw data: a download whose name says it is confidential, not suppressed. */
	snprintf(path, sizeof path, "/api/v1/report?year=%s&format=csv", year);
	http(&r, "GET", path, NULL, 0, admin->token, NULL, NULL);
	char want[128];
	snprintf(want, sizeof want,
	         "attachment; filename=\"ankomst-raw-%s-01-01-%s-12-31-CONFIDENTIAL.csv\"", year,
	         year);
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--year", year, "--format", "csv", NULL);
	expect("report-api-csv",
	       r.status == 200 && !strcmp(r.ctype, "text/csv; charset=utf-8") &&
	               !strcmp(r.disposition, want) &&
	               !strncmp(ank_buf_str(&r.body), "# CONFIDENTIAL", 14) && rc == 0 &&
	               !strcmp(ank_buf_str(&r.body), ank_buf_str(&out)),
	       "status %ld, %s, %s: %.300s", r.status, r.ctype, r.disposition,
	       ank_buf_str(&r.body));
	resp_free(&r);
	ank_buf_free(&out);
	expect("report-api-needs-session",
	       status_of("GET", "/api/v1/report", NULL, NULL, NULL, NULL) == 401, "not refused");
}

static void group_report(void)
{
	session admin;
	login("boss", admin_pw, &admin);
	char a[64], b[64], c[64], token[65], kiosk[64];
	/* b is a's double (same folded name, year, gender): one person for the report. */
	add_user(&admin, "demo", "Søren", 1984, "male", "101", a, NULL);
	add_user(&admin, "far", "SØREN!", 1984, "male", "147", b, NULL);
	add_user(&admin, "demo", "Mette", 1988, "female", "101", c, NULL);
	pair("demo", token, kiosk);
	long long seq = 0;
	char ev[4096];
	const char *t = "\"day\":\"2026-11-23\",\"state\":\"waiting\"";
	long long at = (long long)time(NULL) * 1000;
	snprintf(ev, sizeof ev,
	         "[{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":1,\"label\":"
	         "\"I-001\",\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"%s\",%s}},"
	         "{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":2,\"label\":"
	         "\"R-001\",\"route\":\"smoke\",\"substance\":\"cocaine\",\"user\":\"%s\",%s}},"
	         "{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":3,\"label\":"
	         "\"I-002\",\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"%s\","
	         "\"helper\":\"%s\",%s}},"
	         "{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":4,\"label\":"
	         "\"I-003\",\"route\":\"inject\",\"substance\":\"cocaine\",\"user\":\"u-imported\","
	         "%s}},"
	         "{\"type\":\"session.started\",\"at\":%lld,\"payload\":{\"ticket\":1,\"label\":"
	         "\"I-001\",\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"%s\","
	         "\"day\":\"2026-11-23\",\"state\":\"in_session\",\"station\":\"1\"}},"
	         "{\"type\":\"checkin.refused\",\"payload\":{\"reason\":\"quarantined\",\"user\":"
	         "\"%s\",\"substance\":\"heroin\",\"route\":\"inject\"}},"
	         "{\"type\":\"checkin.refused\",\"payload\":{\"reason\":\"quarantined\",\"user\":"
	         "\"%s\",\"substance\":\"heroin\",\"route\":\"inject\"}},"
	         "{\"type\":\"checkin.refused\",\"payload\":{\"reason\":\"underage\",\"user\":"
	         "\"%s\",\"substance\":\"heroin\",\"route\":\"inject\"}},"
	         /* Refused right after the nickname: no substance or route (issue 11). */
	         "{\"type\":\"checkin.refused\",\"payload\":{\"reason\":\"no_consent\","
	         "\"user\":\"%s\"}}]",
	         at, a, t, at, b, t, at, c, a, t, at, t, at + 600000, a, b, b, c, c);
	long st = post_events(token, kiosk, &seq, ev);
	expect("report-events-stored", st == 200, "status %ld", st);
	static const char *const records[] = {
	        ("{\"v\":1,\"kind\":\"overdose\",\"naloxone\":true,\"oxygen\":false,"
	         "\"ambulance\":true,\"outcome\":\"hospital\"}"),
	        "{\"v\":1,\"kind\":\"referral\",\"type\":\"housing\"}",
	        "{\"v\":1,\"kind\":\"referral\",\"type\":\"health\"}",
	        "{\"v\":1,\"kind\":\"rejection\",\"reason\":\"intoxicated\"}",
	        "{\"v\":1,\"kind\":\"incident\",\"text\":\"a fight in the waiting room\"}",
	};
	bool stored = true;
	for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
		stored = stored && status_of("POST", "/api/v1/sites/demo/records", records[i],
		                             admin.token, admin.csrf, NULL) == 201;
	expect("report-records-stored", stored, "a record was refused");
	/* A known type with a field missing or of the wrong type is refused with the field
	 * named, and nothing of its batch is kept; an unknown type (a newer kiosk's) is kept in
	 * the log, counted in /metrics and the report, and the kiosk goes on. */
	static const struct {
		const char *name, *events, *says;
	} broken[] = {
	        {"ingest-missing-field",
	         "[{\"type\":\"station.state\",\"payload\":{\"state\":\"free\"}}]",
	         "payload.station: missing"},
	        {"ingest-mistyped-field",
	         "[{\"type\":\"session.ended\",\"payload\":{\"ticket\":1,\"label\":\"I-001\","
	         "\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"u-1\","
	         "\"day\":\"2026-11-23\",\"state\":\"done\",\"duration_s\":\"600\"}}]",
	         "payload.duration_s: not an integer"},
	        {"ingest-unknown-route",
	         "[{\"type\":\"checkin.refused\",\"payload\":{\"reason\":\"closed\",\"user\":"
	         "\"u-1\",\"substance\":\"heroin\",\"route\":\"snort\"}}]",
	         "payload.route: not a route"},
	        /* Kiosk strings reach staff pages: markup and unknown codes stop at ingest. */
	        {"ingest-label-markup",
	         "[{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":1,\"label\":"
	         "\"<script>x</script>\",\"route\":\"inject\",\"substance\":\"heroin\","
	         "\"user\":\"u-1\",\"day\":\"2026-11-23\",\"state\":\"waiting\"}}]",
	         "payload.label: not a ticket label"},
	        {"ingest-label-other-prefix",
	         "[{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":1,\"label\":\"X-001\","
	         "\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"u-1\","
	         "\"day\":\"2026-11-23\",\"state\":\"waiting\"}}]",
	         "payload.label: not a ticket label"},
	        {"ingest-unknown-substance",
	         "[{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":1,\"label\":\"I-001\","
	         "\"route\":\"inject\",\"substance\":\"glue\",\"user\":\"u-1\","
	         "\"day\":\"2026-11-23\",\"state\":\"waiting\"}}]",
	         "payload.substance: not a substance"},
	        {"ingest-bad-day",
	         "[{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":1,\"label\":\"I-001\","
	         "\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"u-1\","
	         "\"day\":\"2026-13-01\",\"state\":\"waiting\"}}]",
	         "payload.day: not a day"},
	        {"ingest-user-not-slug",
	         "[{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":1,\"label\":\"I-001\","
	         "\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"<b>u</b>\","
	         "\"day\":\"2026-11-23\",\"state\":\"waiting\"}}]",
	         "payload.user: not letters, digits"},
	        {"ingest-station-not-slug",
	         "[{\"type\":\"station.state\",\"payload\":{\"station\":\"1 <i>\","
	         "\"state\":\"free\"}}]",
	         "payload.station: not letters, digits"},
	        {"ingest-unknown-refusal",
	         "[{\"type\":\"checkin.refused\",\"payload\":{\"reason\":\"because\",\"user\":"
	         "\"u-1\",\"substance\":\"heroin\",\"route\":\"inject\"}}]",
	         "payload.reason: not a refusal reason"},
	};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		long long try_seq = seq;
		resp r;
		post_events_r(token, kiosk, &try_seq, broken[i].events, &r);
		expect(broken[i].name,
		       r.status == 400 && strstr(ank_buf_str(&r.body), broken[i].says) != NULL &&
		               !strcmp(jstr(r.json, "code"), "invalid_field"),
		       "status %ld: %.200s", r.status, ank_buf_str(&r.body));
		resp_free(&r);
	}
	st = post_events(token, kiosk, &seq,
	                 "[{\"type\":\"ticket.teleported\",\"payload\":{\"ticket\":1}}]");
	expect("ingest-unknown-type-kept", st == 200, "status %ld", st);
	resp m;
	http(&m, "GET", "/metrics", NULL, 0, NULL, NULL, METRICS_TOKEN);
	expect("metrics-count-unknown-types",
	       strstr(ank_buf_str(&m.body),
	              "ankomst_events_unknown_total{type=\"ticket.teleported\"} 1\n") != NULL,
	       "%.400s", ank_buf_str(&m.body));
	resp_free(&m);
	report_api(&admin);
	report_clock(&admin, a);
	int code = server_stop();
	expect("report-server-exits-cleanly", code == 0, "exit %d", code);
	/* The refusal without substance and route is a row of the read model with NULL for
	 * them, not a made-up value. */
	int bare = db_int("SELECT count(*) FROM refusal WHERE reason = 'no_consent'"
	                  " AND substance IS NULL AND route IS NULL");
	expect("report-refusal-without-substance-stored", bare == 1, "%d such rows", bare);

	ank_buf out;
	ank_buf_init(&out, CAPTURE_MAX);
	int rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", NULL);
	json_t *rep = json_loads(ank_buf_str(&out), 0, NULL);
	expect("report-runs", rc == 0 && rep, "exit %d: %.300s", rc, ank_buf_str(&out));
	static const struct {
		const char *path;
		long long want;
	} figures[] = {
	        {"totals.checkins", 5},
	        {"totals.checkins_by_route.inject", 3},
	        {"totals.checkins_by_route.smoke", 2},
	        {"totals.checkins_by_substance.heroin", 2},
	        {"totals.checkins_by_substance.cocaine", 3},
	        {"totals.checkins_by_route_substance.inject.cocaine", 1},
	        {"totals.checkins_assisted", 1},
	        {"totals.intakes", 1},
	        {"totals.refusals", 4},
	        {"totals.refusals_by_reason.quarantined", 2},
	        {"totals.refusals_by_reason.underage", 1},
	        {"totals.refusals_by_reason.no_consent", 1},
	        {"totals.unique_users", 2},
	        {"totals.unique_users_unlinked", 1},
	        {"totals.unique_users_by_gender.male", 1},
	        {"totals.unique_users_by_gender.female", 1},
	        {"totals.overdoses", 1},
	        {"totals.overdoses_naloxone", 1},
	        {"totals.overdoses_oxygen", 0},
	        {"totals.overdoses_ambulance", 1},
	        {"totals.overdoses_by_outcome.hospital", 1},
	        {"totals.referrals", 2},
	        {"totals.referrals_by_type.housing", 1},
	        {"totals.rejections_by_reason.intoxicated", 1},
	        {"totals.incidents", 1},
	        {"sites.demo.checkins", 4},
	        {"sites.demo.refusals", 4},
	        {"sites.demo.referrals", 2},
	        {"sites.far.checkins", 0},
	        {"sites.far.overdoses", 0},
	        /* report_clock's kiosk: its backlog counts, its four events out of time do
	         * not. */
	        {"sites.north.checkins", 1},
	        {"sites.north.refusals", 0},
	        {"sites.north.events_out_of_time", 4},
	        {"sites.demo.events_out_of_time", 0},
	        {"totals.events_out_of_time", 4},
	};
	for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
		char name[96];
		snprintf(name, sizeof name, "report %s", figures[i].path);
		long long got = jpath(rep, figures[i].path);
		expect(name, got == figures[i].want, "got %lld, want %lld", got, figures[i].want);
	}
	json_t *wait = json_object_get(json_object_get(rep, "totals"), "wait_mean_s");
	expect("report wait_mean_s",
	       json_is_number(wait) && json_number_value(wait) > 599 &&
	               json_number_value(wait) < 601,
	       "got %f", json_number_value(wait));
	expect("report lists what is missing",
	       json_array_size(json_object_get(rep, "missing")) >= 3, "condition did not hold");
	json_t *unknown = json_object_get(json_object_get(json_object_get(rep, "sites"), "demo"),
	                                  "unknown_events");
	expect("report counts unknown event types",
	       json_integer_value(json_object_get(unknown, "ticket.teleported")) == 1 &&
	               json_object_size(unknown) == 1,
	       "got %zu types", json_object_size(unknown));
	/* The read model rebuilt from the event log gives the same report. */
	ank_buf_reset(&out);
	rc = central(NULL, &out, "rebuild", "--db", db, NULL);
	expect("rebuild-runs", rc == 0 && strstr(ank_buf_str(&out), "rebuilt from 16 events"),
	       "exit %d: %.300s", rc, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", NULL);
	json_t *again = json_loads(ank_buf_str(&out), 0, NULL);
	json_object_del(rep, "generated_at");
	json_object_del(again, "generated_at");
	expect("rebuild-same-report", rc == 0 && json_equal(rep, again), "exit %d: %.300s", rc,
	       ank_buf_str(&out));
	json_decref(again);
	/* "Delete this user": a (whose double b stays), then b and c. The entries, their
	 * nicknames and their linkage keys go; the report's past counts stay. */
	static const char confirm[] = "{\"v\":1,\"confirm\":true}";
	char path[128], serve_conf[200];
	snprintf(serve_conf, sizeof serve_conf, "%s/serve.ini", dir);
	expect("delete-user-serve",
	       server_start("http", (const char *[]){"--db", db, "--config", serve_conf, NULL}) ==
	               0,
	       "central did not start");
	snprintf(path, sizeof path, "/api/v1/users/%s/delete", a);
	expect("delete-user-needs-confirm",
	       status_of("POST", path, "{\"v\":1}", admin.token, admin.csrf, NULL) == 400,
	       "not refused");
	expect("delete-user-unknown",
	       status_of("POST", "/api/v1/users/u-nobody/delete", confirm, admin.token, admin.csrf,
	                 NULL) == 404,
	       "not 404");
	long del = status_of("POST", path, confirm, admin.token, admin.csrf, NULL);
	expect("delete-user", del == 200, "status %ld", del);
	expect("delete-user-again-unknown",
	       status_of("POST", path, confirm, admin.token, admin.csrf, NULL) == 404, "not 404");
	const char *rest[] = {b, c};
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "/api/v1/users/%s/delete", rest[i]);
		del = status_of("POST", path, confirm, admin.token, admin.csrf, NULL);
		expect("delete-user-rest", del == 200, "status %ld", del);
	}
	expect("delete-user-server-stops", server_stop() == 0, "unclean exit");
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", NULL);
	again = json_loads(ank_buf_str(&out), 0, NULL);
	json_object_del(again, "generated_at");
	expect("delete-user-keeps-report", rc == 0 && json_equal(rep, again), "exit %d: %.600s", rc,
	       ank_buf_str(&out));
	json_decref(again);
	char q[256];
	snprintf(q, sizeof q, "SELECT count(*) FROM registry WHERE id IN ('%s', '%s', '%s')", a, b,
	         c);
	expect("delete-user-entries-gone", db_int(q) == 0, "still there");
	expect("delete-user-no-nickname-in-feed",
	       db_int("SELECT count(*) FROM change WHERE payload LIKE '%Søren%'"
	              " OR payload LIKE '%Mette%'") == 0 &&
	               db_int("SELECT count(*) FROM change WHERE type = 'user.delete'") >= 3,
	       "a nickname is left in the change feed");
	/* Nor in the file's bytes: secure_delete overwrote them, the WAL was emptied. */
	bool in_file = false;
	static const char *const files[] = {"", "-wal"};
	for (size_t i = 0; i < 2; i++) {
		char name[sizeof db + 8];
		snprintf(name, sizeof name, "%s%s", db, files[i]);
		FILE *fp = fopen(name, "rb");
		char chunk[65536 + 8];
		size_t n;
		while (fp && (n = fread(chunk, 1, 65536, fp)) > 0)
			for (size_t k = 0; k + 5 <= n; k++)
				in_file |= !memcmp(chunk + k, "Mette", 5);
		if (fp)
			fclose(fp);
	}
	expect("delete-user-not-in-file", !in_file, "a deleted nickname is in central.db's bytes");
	/* No linkage key is kept once the person's last entry is gone (keys are 64 digits). */
	expect("delete-user-no-linkage-kept",
	       db_int("SELECT count(*) FROM forgotten") == 3 &&
	               db_int("SELECT count(*) FROM forgotten WHERE length(person) != 32") == 0 &&
	               db_int("SELECT count(DISTINCT person) FROM forgotten") == 2,
	       "forgotten holds a key or the wrong persons");
	json_decref(rep);
	report_clock_rebuilt();
	/* The raw data: one row per intake (ticket 1's session), no nickname or user id. */
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--format", "csv", NULL);
	const char *csv = ank_buf_str(&out);
	const char *header = strstr(csv, "\nsite,date,hour,iso_week,weekday,route,substance,"
	                                 "age_group,gender,municipality,linkage_key\n");
	int rows = 0;
	for (const char *p = header ? header + 1 : ""; (p = strchr(p, '\n')) && p[1]; p++)
		rows++;
	expect("report-csv",
	       rc == 0 && !strncmp(csv, "# CONFIDENTIAL", 14) && header && rows == 1 &&
	               strstr(header, ",inject,heroin,35-44,male,101,") && !strstr(csv, "Søren") &&
	               !strstr(csv, a),
	       "exit %d, %d rows: %.600s", rc, rows, csv);
	/* What is published hides small cells by default: demo's 4 check-ins. */
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, NULL);
	json_t *pub = json_loads(ank_buf_str(&out), 0, NULL);
	json_t *pub_demo = json_object_get(json_object_get(pub, "sites"), "demo");
	expect("report-suppressed-by-default",
	       rc == 0 && !strcmp(jstr(pub_demo, "checkins"), "<10") &&
	               jpath(pub, "suppression.below") == 10 &&
	               !strstr(ank_buf_str(&out), "\"Søren"),
	       "exit %d: %.300s", rc, ank_buf_str(&out));
	json_decref(pub);
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "3", NULL);
	pub = json_loads(ank_buf_str(&out), 0, NULL);
	expect("report-suppress-threshold",
	       rc == 0 && jpath(pub, "suppression.below") == 3 &&
	               jpath(pub, "totals.checkins") == 5 &&
	               !strcmp(jstr(json_object_get(json_object_get(pub, "sites"), "north"),
	                            "checkins"),
	                       "<3") &&
	               /* 4 is not small, but totals 5 minus north's 1 would give it */
	               !strcmp(jstr(json_object_get(json_object_get(pub, "sites"), "demo"),
	                            "checkins"),
	                       "hidden"),
	       "exit %d: %.300s", rc, ank_buf_str(&out));
	json_decref(pub);
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "-1", NULL);
	expect("report-suppress-bad", rc == 2 && strstr(ank_buf_str(&out), "0..1000"),
	       "exit %d: %.200s", rc, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--format", "xml", NULL);
	expect("report-format-unknown", rc == 2 && strstr(ank_buf_str(&out), "json or csv"),
	       "exit %d: %.200s", rc, ank_buf_str(&out));
	/* A span reaching past year 2200 still leaves its events out. */
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", "--to",
	             "2300-12-31", NULL);
	rep = json_loads(ank_buf_str(&out), 0, NULL);
	expect("clock-far-span-leaves-them-out",
	       rc == 0 && jpath(rep, "totals.checkins") == 5 &&
	               jpath(rep, "totals.events_out_of_time") == 4,
	       "exit %d: checkins %lld", rc, jpath(rep, "totals.checkins"));
	json_decref(rep);
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", "--from",
	             "2000-01-01", "--to", "2000-12-31", NULL);
	rep = json_loads(ank_buf_str(&out), 0, NULL);
	expect("report-other-span-is-empty",
	       rc == 0 && jpath(rep, "totals.checkins") == 0 && jpath(rep, "totals.referrals") == 0,
	       "exit %d: %.300s", rc, ank_buf_str(&out));
	json_decref(rep);
	ank_buf_free(&out);
}

/* ---- group: report_zone (central under TZ=UTC; each site counts in its own zone) ---- */

/* A ticket.issued and its session.started at one ISO instant (kiosk time), for the batch
 * text. */
static void issued_at(char *out, size_t cap, int ticket, const char *iso, const char *user)
{
	int64_t ms = 0;
	ank_iso_parse(iso, &ms);
	snprintf(out, cap,
	         "{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":%d,\"label\":"
	         "\"I-%03d\",\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"%s\","
	         "\"day\":\"%.10s\",\"state\":\"waiting\"}},"
	         "{\"type\":\"session.started\",\"at\":%lld,\"payload\":{\"ticket\":%d,"
	         "\"label\":\"I-%03d\",\"route\":\"inject\",\"substance\":\"heroin\",\"user\":"
	         "\"%s\",\"day\":\"%.10s\",\"state\":\"in_session\",\"station\":\"1\"}}",
	         (long long)ms, ticket, ticket, user, iso, (long long)ms, ticket, ticket, user,
	         iso);
}

/* Posts site.config naming `zone`, then one ticket.issued per instant. */
static void zone_kiosk(const char *site, const char *zone, const char *const *at, int n)
{
	char token[65], kiosk[64], ev[8192], one[512];
	pair(site, token, kiosk);
	long long seq = 0;
	snprintf(ev, sizeof ev,
	         "[{\"type\":\"site.config\",\"payload\":{\"stations\":[\"1\"],\"warn_min\":20,"
	         "\"alarm_min\":30,\"timezone\":\"%s\",\"name\":\"%s\",\"languages\":\"da,en\"}}",
	         zone, site);
	for (int i = 0; i < n; i++) {
		issued_at(one, sizeof one, i + 1, at[i], "u-zone");
		size_t len = strlen(ev);
		snprintf(ev + len, sizeof ev - len, ",%s", one);
	}
	size_t len = strlen(ev);
	snprintf(ev + len, sizeof ev - len, "]");
	long st = post_events(token, kiosk, &seq, ev);
	expect("zone-events-stored", st == 200, "%s: status %ld", site, st);
}

/* The report for the CLI arguments (NULL-terminated), parsed; NULL when it failed. */
static json_t *zone_report(const char *a1, const char *v1, const char *a2, const char *v2)
{
	ank_buf out;
	ank_buf_init(&out, CAPTURE_MAX);
	int rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", a1, v1, a2, v2,
	                 NULL);
	json_error_t je;
	json_t *j = rc == 0 ? json_loads(ank_buf_str(&out), 0, &je) : NULL;
	if (!j)
		printf("# report %s %s: exit %d: %s: %.300s\n", a1 ? a1 : "", v1 ? v1 : "", rc,
		       rc == 0 ? je.text : "", ank_buf_str(&out));
	ank_buf_free(&out);
	return j;
}

/* A station.state event at an ISO instant, for the batch text. */
static void station_at(char *out, size_t cap, const char *station, const char *state,
                       const char *iso)
{
	int64_t ms = 0;
	ank_iso_parse(iso, &ms);
	snprintf(out, cap,
	         ",{\"type\":\"station.state\",\"at\":%lld,\"payload\":{\"station\":\"%s\","
	         "\"state\":\"%s\"}}",
	         (long long)ms, station, state);
}

/* Capacity at north (Copenhagen): Friday 2026-10-23 open 22:00-02:00 (past midnight) and
 * Sunday 2026-10-25, the day summer time ends, 01:00-04:00 (four real hours: 02 twice);
 * station a injects, b is for smoking. Known answers by hand in station-seconds. */
static void capacity_zone(void)
{
	char token[65], kiosk[64], ev[4096], one[256];
	pair("north", token, kiosk);
	long long seq = 0;
	int64_t cfg_ms = 0;
	ank_iso_parse("2026-10-23T12:00:00Z", &cfg_ms);
	snprintf(ev, sizeof ev,
	         "[{\"type\":\"site.config\",\"at\":%lld,\"payload\":{\"stations\":[\"a\","
	         "\"b\"],\"station_types\":{\"a\":\"inject\",\"b\":\"smoke\"},\"hours\":{"
	         "\"mon\":\"closed\",\"tue\":\"closed\",\"wed\":\"closed\",\"thu\":"
	         "\"closed\",\"fri\":\"22:00-02:00\",\"sat\":\"closed\",\"sun\":"
	         "\"01:00-04:00\"},\"warn_min\":20,\"alarm_min\":30,\"timezone\":"
	         "\"Europe/Copenhagen\",\"name\":\"north\",\"languages\":\"da\"}}",
	         (long long)cfg_ms);
	static const char *const steps[][3] = {
	        {"a", "occupied", "2026-10-23T20:30:00Z"}, /* Fri 22:30 CEST */
	        {"a", "free", "2026-10-23T22:15:00Z"},     /* Sat 00:15 CEST: 105 min */
	        {"b", "closed", "2026-10-25T00:00:00Z"},   /* Sun 02:00 CEST */
	        {"b", "free", "2026-10-25T01:00:00Z"},     /* 02:00 CET: an hour closed */
	        {"a", "occupied", "2026-10-25T01:30:00Z"}, /* 02:30 CET */
	        {"a", "free", "2026-10-25T02:30:00Z"},     /* 03:30 CET: 60 min */
	        {"a", "occupied", "2026-10-25T05:00:00Z"}, /* after closing: not counted */
	        {"a", "free", "2026-10-25T06:00:00Z"},
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		station_at(one, sizeof one, steps[i][0], steps[i][1], steps[i][2]);
		size_t len = strlen(ev);
		snprintf(ev + len, sizeof ev - len, "%s", one);
	}
	size_t len = strlen(ev);
	snprintf(ev + len, sizeof ev - len, "]");
	long st = post_events(token, kiosk, &seq, ev);
	expect("capacity-events-stored", st == 200, "status %ld", st);
	json_t *r = zone_report("--from", "2026-10-23", "--to", "2026-10-25");
	json_t *c =
	        json_object_get(json_object_get(json_object_get(r, "sites"), "north"), "capacity");
	/* Open: a 4 h + 4 h, b the same less its closed hour = 15 h; occupied 165 min. */
	expect("capacity-past-midnight-and-fall-back",
	       jpath(c, "open_s") == 54000 && jpath(c, "occupied_s") == 9900 &&
	               jpath(c, "by_route.inject.open_s") == 28800 &&
	               jpath(c, "by_route.inject.occupied_s") == 9900 &&
	               jpath(c, "by_route.smoke.open_s") == 25200 &&
	               jpath(c, "by_route.smoke.occupied_s") == 0 &&
	               json_real_value(json_object_get(
	                       json_object_get(json_object_get(c, "by_route"), "inject"),
	                       "utilisation")) == 0.344,
	       "open %lld occupied %lld inject %lld/%lld smoke %lld", jpath(c, "open_s"),
	       jpath(c, "occupied_s"), jpath(c, "by_route.inject.open_s"),
	       jpath(c, "by_route.inject.occupied_s"), jpath(c, "by_route.smoke.open_s"));
	/* By local hour: Friday's 22 and 23 and Saturday's 00 and 01 (after midnight); on Sunday
	 * 01, 02 twice (b closed for one of them) and 03. */
	expect("capacity-by-hour",
	       jpath(c, "by_hour.22.open_s") == 7200 && jpath(c, "by_hour.22.occupied_s") == 1800 &&
	               jpath(c, "by_hour.00.occupied_s") == 900 &&
	               jpath(c, "by_hour.01.open_s") == 14400 &&
	               jpath(c, "by_hour.02.open_s") == 10800 &&
	               jpath(c, "by_hour.02.occupied_s") == 1800 &&
	               jpath(c, "by_hour.03.occupied_s") == 1800 &&
	               jpath(c, "by_hour.04.open_s") == -1 &&
	               json_object_size(json_object_get(c, "by_hour")) == 6,
	       "22 %lld/%lld 01 %lld 02 %lld/%lld, %zu hours", jpath(c, "by_hour.22.open_s"),
	       jpath(c, "by_hour.22.occupied_s"), jpath(c, "by_hour.01.open_s"),
	       jpath(c, "by_hour.02.open_s"), jpath(c, "by_hour.02.occupied_s"),
	       json_object_size(json_object_get(c, "by_hour")));
	/* demo's and far's kiosks sent no types (as an older kiosk): null, named in missing, and
	 * the totals hold north's only. */
	json_t *missing = json_object_get(r, "missing");
	const char *first = json_string_value(json_array_get(missing, 0));
	expect("capacity-unknown-without-types",
	       json_is_null(json_object_get(json_object_get(json_object_get(r, "sites"), "demo"),
	                                    "capacity")) &&
	               jpath(r, "totals.capacity.open_s") == 54000 && first &&
	               strstr(first, "capacity") && strstr(first, "demo, far"),
	       "missing[0] %s", first ? first : "(none)");
	json_decref(r);
}

static void group_report_zone(void)
{
	/* demo (municipality 101) counts in Copenhagen, which changes to summer time on
	 * 2026-03-29 at 01:00 UTC and back on 2026-10-25 at 01:00 UTC; far (147) in
	 * Reykjavik, UTC all year. Known answers by hand from those rules. */
	static const char *const demo[] = {
	        "2026-06-30T22:30:00Z", /* 2026-07-01 00:30 CEST: the third quarter, hour 00 */
	        "2026-03-28T23:30:00Z", /* 2026-03-29 00:30 CET, hour 00 */
	        "2026-03-29T01:30:00Z", /* 2026-03-29 03:30 CEST (02:xx does not exist), hour 03 */
	        "2026-10-25T00:30:00Z", /* 2026-10-25 02:30 CEST, hour 02 */
	        "2026-10-25T01:30:00Z", /* 2026-10-25 02:30 CET, hour 02 again */
	        "2025-12-31T23:30:00Z", /* 2026-01-01 00:30 CET: this year */
	};
	static const char *const far[] = {
	        "2026-06-30T22:30:00Z", /* 2026-06-30 22:30: the second quarter, hour 22 */
	        "2025-12-31T23:30:00Z", /* 2025-12-31 23:30: last year */
	        "2021-01-01T12:00:00Z", /* a Friday of ISO week 2020-W53 */
	        "2024-12-30T12:00:00Z", /* a Monday of ISO week 2025-W01 */
	};
	zone_kiosk("demo", "Europe/Copenhagen", demo, 6);
	zone_kiosk("far", "Atlantic/Reykjavik", far, 4);
	capacity_zone();

	json_t *q3 = zone_report("--quarter", "2026Q3", NULL, NULL);
	expect("zone-quarter-3",
	       q3 && jpath(q3, "sites.demo.checkins") == 1 &&
	               jpath(q3, "sites.far.checkins") == 0 &&
	               jpath(q3, "sites.demo.checkins_by_hour.00") == 1 &&
	               !strcmp(jstr(q3, "from"), "2026-07-01") &&
	               !strcmp(jstr(q3, "to"), "2026-09-30"),
	       "demo %lld far %lld", jpath(q3, "sites.demo.checkins"),
	       jpath(q3, "sites.far.checkins"));
	json_decref(q3);
	json_t *q2 = zone_report("--quarter", "2026q2", NULL, NULL);
	expect("zone-quarter-2",
	       q2 && jpath(q2, "sites.demo.checkins") == 0 &&
	               jpath(q2, "sites.far.checkins") == 1 &&
	               jpath(q2, "sites.far.checkins_by_hour.22") == 1,
	       "demo %lld far %lld", jpath(q2, "sites.demo.checkins"),
	       jpath(q2, "sites.far.checkins"));
	json_decref(q2);
	json_t *spring = zone_report("--from", "2026-03-29", "--to", "2026-03-29");
	expect("zone-spring-forward-day",
	       spring && jpath(spring, "sites.demo.checkins") == 2 &&
	               jpath(spring, "sites.demo.checkins_by_hour.00") == 1 &&
	               jpath(spring, "sites.demo.checkins_by_hour.03") == 1 &&
	               jpath(spring, "sites.demo.checkins_by_weekday.sun") == 2,
	       "checkins %lld", jpath(spring, "sites.demo.checkins"));
	json_decref(spring);
	json_t *autumn = zone_report("--from", "2026-10-25", "--to", "2026-10-25");
	expect("zone-fall-back-day",
	       autumn && jpath(autumn, "sites.demo.checkins") == 2 &&
	               jpath(autumn, "sites.demo.checkins_by_hour.02") == 2,
	       "checkins %lld, hour 02 %lld", jpath(autumn, "sites.demo.checkins"),
	       jpath(autumn, "sites.demo.checkins_by_hour.02"));
	json_decref(autumn);
	json_t *year = zone_report("--year", "2026", NULL, NULL);
	json_t *sites = json_object_get(year, "sites");
	expect("zone-year",
	       year && jpath(year, "totals.checkins") == 7 &&
	               jpath(year, "sites.demo.checkins") == 6 &&
	               jpath(year, "sites.far.checkins") == 1 &&
	               !strcmp(jstr(year, "time_zone"), "per site") &&
	               !strcmp(jstr(json_object_get(sites, "demo"), "time_zone"),
	                       "Europe/Copenhagen") &&
	               !strcmp(jstr(json_object_get(sites, "far"), "time_zone"),
	                       "Atlantic/Reykjavik"),
	       "totals %lld, zone %s, demo %s, far %s", jpath(year, "totals.checkins"),
	       jstr(year, "time_zone"), jstr(json_object_get(sites, "demo"), "time_zone"),
	       jstr(json_object_get(sites, "far"), "time_zone"));
	/* Municipalities sum their sites: demo and north are 101, far is 147. */
	expect("zone-municipalities",
	       year && jpath(year, "municipalities.101.checkins") == 6 &&
	               jpath(year, "municipalities.147.checkins") == 1 &&
	               json_object_size(json_object_get(year, "municipalities")) == 2,
	       "101 %lld, 147 %lld", jpath(year, "municipalities.101.checkins"),
	       jpath(year, "municipalities.147.checkins"));
	json_decref(year);
	/* The raw data: local dates and hours, ISO weeks across the turn of a year. */
	ank_buf out;
	ank_buf_init(&out, CAPTURE_MAX);
	int rc = central(NULL, &out, "report", "--db", db, "--from", "2026-10-25", "--to",
	                 "2026-10-25", "--format", "csv", NULL);
	const char *two =
	        "demo,2026-10-25,02,2026-W43,sun,inject,heroin,unknown,unknown,unknown,\n";
	const char *first = strstr(ank_buf_str(&out), two);
	expect("zone-csv-fall-back", rc == 0 && first && strstr(first + 1, two), "exit %d: %.500s",
	       rc, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--from", "2020-01-01", "--to", "2026-01-01",
	             "--format", "csv", NULL);
	const char *csv = ank_buf_str(&out);
	expect("zone-csv-iso-weeks",
	       rc == 0 && strstr(csv, "\nfar,2021-01-01,12,2020-W53,fri,") &&
	               strstr(csv, "\nfar,2024-12-30,12,2025-W01,mon,") &&
	               strstr(csv, "\nfar,2025-12-31,23,2026-W01,wed,") &&
	               strstr(csv, "\ndemo,2026-01-01,00,2026-W01,thu,"),
	       "exit %d: %.800s", rc, csv);
	ank_buf_free(&out);
	/* Periods that are not one are refused with the reason, exit 2. */
	static const struct {
		const char *name, *a1, *v1, *a2, *v2, *says;
	} bad[] = {
	        {"zone-bad-quarter", "--quarter", "2026Q5", NULL, NULL, "YYYYQn"},
	        {"zone-bad-quarter-text", "--quarter", "Q3-2026", NULL, NULL, "YYYYQn"},
	        {"zone-bad-year", "--year", "26", NULL, NULL, "YYYY"},
	        {"zone-period-and-span", "--quarter", "2026Q1", "--from", "2026-01-01", "one of"},
	        {"zone-year-and-quarter", "--quarter", "2026Q1", "--year", "2026", "one of"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ank_buf out;
		ank_buf_init(&out, 4096);
		int rc = central(NULL, &out, "report", "--db", db, bad[i].a1, bad[i].v1, bad[i].a2,
		                 bad[i].v2, NULL);
		expect(bad[i].name, rc == 2 && strstr(ank_buf_str(&out), bad[i].says),
		       "exit %d: %.200s", rc, ank_buf_str(&out));
		ank_buf_free(&out);
	}
}

/* ---- group: retention (the daily deletion job, on a test clock) ---- */

/* Runs one statement on the database with write access (the test ages rows). */
static int db_write(const char *sql)
{
	sqlite3 *w = NULL;
	int rc = sqlite3_open_v2(db, &w, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(w, sql, NULL, NULL, NULL);
	sqlite3_close_v2(w);
	return rc;
}

static void group_retention(void)
{
	session admin;
	login("boss", admin_pw, &admin);
	char old[64], active[64], token[65], kiosk[64], ev[1024];
	add_user(&admin, "demo", "Gammel Gæst", 1970, "male", "101", old, NULL);
	add_user(&admin, "demo", "Aktiv", 1990, "female", "101", active, NULL);
	pair("demo", token, kiosk);
	long long seq = 0, at = wall_ms();
	for (int t = 1; t <= 2; t++) {
		snprintf(ev, sizeof ev,
		         "[{\"type\":\"ticket.issued\",\"at\":%lld,\"payload\":{\"ticket\":%d,"
		         "\"label\":\"I-00%d\",\"route\":\"inject\",\"substance\":\"heroin\","
		         "\"user\":\"%s\",\"day\":\"2026-11-23\",\"state\":\"waiting\"}}]",
		         at + t, t, t, active);
		expect("retention-visit", post_events(token, kiosk, &seq, ev) == 200, "not stored");
	}
	expect("retention-incident",
	       status_of("POST", "/api/v1/sites/demo/records",
	                 "{\"v\":1,\"kind\":\"incident\",\"text\":\"Gammel Gæst shouted\"}",
	                 admin.token, admin.csrf, NULL) == 201,
	       "not stored");
	expect("retention-server-stops", server_stop() == 0, "unclean exit");
	/* Both entries were made 26 months ago (as far as the job can tell). */
	expect("retention-age-entries",
	       db_write("UPDATE registry SET created_ms = created_ms - 26 * 30 * 86400000") ==
	               SQLITE_OK,
	       "cannot age the rows");
	ank_buf out;
	ank_buf_init(&out, CAPTURE_MAX);
	int rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", NULL);
	json_t *before = json_loads(ank_buf_str(&out), 0, NULL);
	json_object_del(before, "generated_at");
	/* Today: the entry without a visit for 24 months goes; the one who came today stays. */
	ank_buf_reset(&out);
	rc = central(NULL, &out, "retention", "--db", db, NULL);
	expect("retention-inactive-user",
	       rc == 0 && strstr(ank_buf_str(&out), "1 inactive users deleted, 0 incident") &&
	               db_int("SELECT count(*) FROM registry") == 1 &&
	               db_int("SELECT count(*) FROM forgotten") == 1 &&
	               db_int("SELECT count(*) FROM change WHERE type = 'user.delete'") >= 1 &&
	               db_int("SELECT count(*) FROM change WHERE payload LIKE '%Gammel%'") == 0,
	       "exit %d: %s", rc, ank_buf_str(&out));
	/* A year on: the incident's free text goes, the record stays; the active user, whose
	 * visit is under 24 months old, stays too. */
	char later[32];
	ank_iso_format(wall_ms() + 366LL * 86400000, later, sizeof later);
	later[19] = 'Z';
	later[20] = '\0';
	ank_buf_reset(&out);
	rc = central(NULL, &out, "retention", "--db", db, "--now", later, NULL);
	expect("retention-incident-text",
	       rc == 0 && strstr(ank_buf_str(&out), "0 inactive users deleted, 1 incident") &&
	               db_int("SELECT count(*) FROM record WHERE kind = 'incident'") == 1 &&
	               db_int("SELECT count(*) FROM record WHERE json_type(body, '$.text')"
	                      " IS NOT NULL") == 0 &&
	               db_int("SELECT count(*) FROM registry") == 1,
	       "exit %d: %s", rc, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", NULL);
	json_t *after = json_loads(ank_buf_str(&out), 0, NULL);
	json_object_del(after, "generated_at");
	expect("retention-keeps-report", before && after && json_equal(before, after),
	       "the report changed: %.400s", ank_buf_str(&out));
	json_decref(before);
	json_decref(after);
	/* Two years on: the audit rows older than retain_audit_days (730) go; the chain keeps the
	 * last deleted row's hash as its anchor, and a row of its own says so. */
	long long audit_before = db_int("SELECT count(*) FROM audit");
	char two_years[32];
	ank_iso_format(wall_ms() + 731LL * 86400000, two_years, sizeof two_years);
	two_years[19] = 'Z';
	two_years[20] = '\0';
	ank_buf_reset(&out);
	rc = central(NULL, &out, "retention", "--db", db, "--now", two_years, NULL);
	char want[64];
	snprintf(want, sizeof want, "%lld audit rows deleted", audit_before);
	expect("retention-audit",
	       rc == 0 && audit_before > 0 && strstr(ank_buf_str(&out), want) &&
	               db_int("SELECT count(*) FROM audit") == 1 &&
	               db_int("SELECT count(*) FROM audit WHERE action = 'audit_retention'") == 1,
	       "exit %d, %lld rows before: %s", rc, audit_before, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "audit-verify", "--db", db, NULL);
	expect("retention-audit-verifies", rc == 0 && strstr(ank_buf_str(&out), "intact"),
	       "exit %d: %s", rc, ank_buf_str(&out));
	/* A forged anchor (to hide deleted rows) is caught: the chain's own row disagrees. */
	expect("retention-audit-forge",
	       db_write("UPDATE meta SET value = '1 ' || substr(value, instr(value, ' ') + 1)"
	                " WHERE key = 'audit_anchor'") == SQLITE_OK,
	       "cannot edit meta");
	ank_buf_reset(&out);
	rc = central(NULL, &out, "audit-verify", "--db", db, NULL);
	expect("retention-audit-forged-anchor", rc == 1, "exit %d: %s", rc, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "retention", "--db", db, "--now", "tomorrow", NULL);
	expect("retention-bad-now", rc == 2 && strstr(ank_buf_str(&out), "--now wants"),
	       "exit %d: %s", rc, ank_buf_str(&out));
	/* The raw event log is kept by default (the read model's source)... */
	expect("retention-events-kept", db_int("SELECT count(*) FROM event") == 2, "%d events",
	       db_int("SELECT count(*) FROM event"));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", NULL);
	before = json_loads(ank_buf_str(&out), 0, NULL);
	json_object_del(before, "generated_at");
	/* ...and with retain_events_days the events received before go, the kiosk's newest
	 * staying (central acknowledges from it); the report, from the read model, stays. */
	char conf[160];
	snprintf(conf, sizeof conf, "%s/events.ini", dir);
	FILE *fp = fopen(conf, "w");
	fprintf(fp, "[central]\nretain_events_days = 400\n");
	fclose(fp);
	ank_buf_reset(&out);
	rc = central(NULL, &out, "retention", "--config", conf, "--db", db, "--now", two_years,
	             NULL);
	expect("retention-events",
	       rc == 0 && strstr(ank_buf_str(&out), "1 raw events deleted") &&
	               db_int("SELECT count(*) FROM event") == 1 &&
	               db_int("SELECT max(seq) FROM event") == 2 &&
	               db_int("SELECT count(*) FROM meta WHERE key = 'events_pruned_before'") == 1,
	       "exit %d: %s", rc, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "report", "--db", db, "--suppress-below", "0", NULL);
	after = json_loads(ank_buf_str(&out), 0, NULL);
	json_object_del(after, "generated_at");
	expect("retention-events-keep-report", before && after && json_equal(before, after),
	       "the report changed: %.400s", ank_buf_str(&out));
	json_decref(before);
	json_decref(after);
	/* A rebuild from the pruned log would lose the visit: refused, the read model kept. */
	ank_buf_reset(&out);
	rc = central(NULL, &out, "rebuild", "--db", db, NULL);
	expect("retention-events-no-rebuild",
	       rc != 0 && strstr(ank_buf_str(&out), "a rebuild from it would lose") &&
	               db_int("SELECT count(*) FROM visit") == 2,
	       "exit %d: %s", rc, ank_buf_str(&out));
	ank_buf_free(&out);
}

/* ---- group: checkpoint (the WAL is copied into the database while central runs) ---- */

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Events go in until the WAL has passed the checkpoint threshold (ANK_CS_CHECKPOINT_PAGES,
 * 1000 pages) a few times over; central's own checkpointer must then have copied it into
 * the database file. Before the checkpoint connection read the file once, its checkpoints
 * did nothing and the WAL grew without end while the database stayed as migrated. */
static void group_checkpoint(void)
{
	session admin;
	login("boss", admin_pw, &admin);
	char user[64], token[65], kiosk[64], wal[300];
	add_user(&admin, "demo", "Vægt", 1980, "male", "101", user, NULL);
	pair("demo", token, kiosk);
	snprintf(wal, sizeof wal, "%s-wal", db);
	long long db_before = file_size(db), seq = 0;
	ank_buf ev;
	ank_buf_init(&ev, 1 << 20);
	int batches = 0;
	bool ok = true;
	for (; ok && batches < 600 && file_size(wal) < 12LL << 20; batches++) {
		ank_buf_reset(&ev);
		ank_buf_puts(&ev, "[");
		for (int i = 0; i < 100; i++) {
			int t = batches * 100 + i + 1;
			ank_buf_printf(
			        &ev,
			        "%s{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":%d,"
			        "\"label\":\"I-%03d\",\"route\":\"inject\",\"substance\":"
			        "\"heroin\",\"user\":\"%s\",\"day\":\"2026-11-23\",\"state\":"
			        "\"waiting\"}}",
			        i ? "," : "", t, t % 1000, user);
		}
		ank_buf_puts(&ev, "]");
		ok = post_events(token, kiosk, &seq, ank_buf_str(&ev)) == 200;
	}
	ank_buf_free(&ev);
	expect("checkpoint-events", ok, "a batch was refused after %d", batches);
	long long db_after = file_size(db);
	for (int i = 0; i < 100 && db_after < db_before + (4LL << 20); i++) {
		usleep(100 * 1000);
		db_after = file_size(db);
	}
	expect("checkpoint-copies-wal", db_after >= db_before + (4LL << 20),
	       "after %d batches the database is %lld bytes (was %lld) beside a WAL of %lld",
	       batches, db_after, db_before, file_size(wal));
}

/* ---- group: store (ank_cstore directly) ---- */

/* One ticket event of a test batch: type, ticket, day and state; the rest is fixed. */
typedef struct tev {
	const char *type;
	int ticket;
	const char *day, *state;
} tev;

/* Ingests `n` ticket events as one batch of kiosk `kiosk` starting at *seq (advanced). */
static int ingest_tickets(ank_cstore *cs, const char *kiosk, long long *seq, const tev *ev, int n)
{
	ank_batch *b = calloc(1, sizeof *b);
	if (!b)
		return -1;
	snprintf(b->kiosk, sizeof b->kiosk, "%s", kiosk);
	for (int i = 0; i < n; i++) {
		ank_event *e = &b->ev[i];
		e->seq = (*seq)++;
		snprintf(e->id, sizeof e->id, "%032llx", e->seq);
		snprintf(e->type, sizeof e->type, "%s", ev[i].type);
		e->at_ms = 1795431600000LL + e->seq;
		char p[256];
		snprintf(p, sizeof p,
		         "{\"day\":\"%s\",%s\"label\":\"I-%03d\",\"route\":\"inject\",\"state\":\"%"
		         "s\","
		         "\"substance\":\"heroin\",\"ticket\":%d,\"user\":\"u-1\"}",
		         ev[i].day,
		         !strcmp(ev[i].type, "session.ended") ? "\"duration_s\":60," : "",
		         ev[i].ticket, ev[i].state, ev[i].ticket);
		e->payload = strdup(p);
		b->n = i + 1;
	}
	ank_err err;
	long long acked = 0;
	int rc = ank_cstore_ingest(cs, kiosk, b, 1795431600000LL, &acked, &err);
	if (rc)
		printf("  ingest: %s\n", err.msg);
	ank_proto_batch_free(b);
	free(b);
	return rc;
}

/* The open tickets of a site as "ticket:state" joined by spaces, in ticket order. */
static void open_tickets(ank_cstore *cs, const char *site, char *out, size_t cap)
{
	ank_err err;
	out[0] = '\0';
	ank_queue_view v;
	if (ank_cstore_queue_view(cs, site, 1795431600000LL, &v, &err))
		printf("  queue view: %s\n", err.msg);
	size_t n = 0;
	for (int i = 0; i < v.n_tickets && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%lld:%s", i ? " " : "",
		                      v.tickets[i].ticket, v.tickets[i].state);
	ank_queue_view_free(&v);
}

/* A kiosk paired to a new site `id`; kiosk out. */
static int store_kiosk(ank_cstore *cs, const char *id, char kiosk[64])
{
	ank_site site = {"", "Rummet", "101"};
	snprintf(site.id, sizeof site.id, "%s", id);
	int users = 0;
	ank_err err = {""};
	char code[ANK_PAIR_CODE_LEN + 3], ksite[64], token[ANK_TOKEN_HEX + 1];
	int rc = ank_cstore_site_add(cs, &site, 1, &users, &err) ||
	         ank_cstore_pair_code(cs, id, 1, code, &err) ||
	         ank_cstore_pair(cs, code, 1, kiosk, ksite, token, &err);
	if (rc)
		printf("  store kiosk: %s\n", err.msg);
	return rc;
}

/* The queue view must come out as if each event were applied on its own, although central
 * writes a batch's ticket rows once at its end: in particular a new day's ticket.issued
 * drops only the no-shows of earlier days that exist at that point of the batch. Each batch
 * goes to a kiosk of site "batched" as one batch, and event by event to a kiosk of site
 * "single"; both views must be the expected one. */
static void store_projection_batches(ank_cstore *cs)
{
	static const struct {
		const char *name;
		tev ev[6];
		int n;
		const char *expect;
	} batches[] = {
	        /* A ticket that goes all the way within one batch never shows. */
	        {"projection-one-batch",
	         {{"ticket.issued", 1, "2026-11-22", "waiting"},
	          {"ticket.called", 1, "2026-11-22", "called"},
	          {"session.started", 1, "2026-11-22", "in_session"},
	          {"session.ended", 1, "2026-11-22", "done"},
	          {"ticket.issued", 2, "2026-11-22", "waiting"},
	          {"ticket.called", 2, "2026-11-22", "called"}},
	         6,
	         "2:called"},
	        /* A no-show, then a new day's ticket: the no-show goes. */
	        {"projection-no-show-before-new-day",
	         {{"ticket.no_show", 2, "2026-11-22", "no_show"},
	          {"ticket.issued", 3, "2026-11-23", "waiting"}},
	         2,
	         "3:waiting"},
	        /* A new day's ticket, then an older no-show: it stays until the next day. */
	        {"projection-no-show-after-new-day",
	         {{"ticket.issued", 4, "2026-11-23", "waiting"},
	          {"ticket.no_show", 3, "2026-11-23", "no_show"}},
	         2,
	         "3:no_show 4:waiting"},
	        /* Stored as a no-show, requeued, then a new day: requeued in time, it stays. */
	        {"projection-requeued-survives",
	         {{"ticket.requeued", 3, "2026-11-23", "waiting"},
	          {"ticket.issued", 5, "2026-11-24", "waiting"}},
	         2,
	         "3:waiting 4:waiting 5:waiting"},
	        /* Dropped as an old no-show, then requeued later in the same batch: back; an old
	         * no-show before the last new-day ticket goes. */
	        {"projection-requeued-after-drop",
	         {{"ticket.no_show", 4, "2026-11-23", "no_show"},
	          {"ticket.issued", 6, "2026-11-24", "waiting"},
	          {"ticket.requeued", 4, "2026-11-23", "waiting"},
	          {"ticket.no_show", 3, "2026-11-23", "no_show"},
	          {"ticket.issued", 7, "2026-11-24", "waiting"}},
	         5,
	         "4:waiting 5:waiting 6:waiting 7:waiting"},
	};
	char batched[64], single[64], got[512], one[512];
	if (!expect("projection-setup",
	            !store_kiosk(cs, "batched", batched) && !store_kiosk(cs, "single", single),
	            "no kiosks"))
		return;
	long long seq_b = 1, seq_s = 1;
	int bad = 0;
	for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
		bad |= ingest_tickets(cs, batched, &seq_b, batches[i].ev, batches[i].n);
		for (int k = 0; k < batches[i].n; k++)
			bad |= ingest_tickets(cs, single, &seq_s, &batches[i].ev[k], 1);
		open_tickets(cs, "batched", got, sizeof got);
		open_tickets(cs, "single", one, sizeof one);
		expect(batches[i].name, !strcmp(got, batches[i].expect) && !strcmp(one, got),
		       "batched '%s', one by one '%s', expected '%s'", got, one, batches[i].expect);
	}
	expect("projection-all-stored", !bad && ank_cstore_acked(cs, batched) == seq_b - 1,
	       "an ingest failed");
}

/* The bounds of docs/api.md "Event times" to the millisecond: each case is one
 * checkin.refused received at a fixed central time; in time it is a refusal in the report,
 * out of time it is counted in events_out_of_time and the kiosk shows the skew. */
static void store_clock_bounds(ank_cstore *cs)
{
	const long long now = 1795431600000LL;
	static const struct {
		const char *name;
		long long at_from_now; /* kiosk time minus central's */
		bool earliest;         /* at_from_now is from ANK_CLOCK_EARLIEST_MS instead */
		bool out;
	} cases[] = {
	        {"clock-1-day-ahead-counts", ANK_CLOCK_FUTURE_MS, false, false},
	        {"clock-beyond-1-day-ahead-is-out", ANK_CLOCK_FUTURE_MS + 1, false, true},
	        {"clock-3-day-backlog-counts", -3LL * 86400 * 1000, false, false},
	        {"clock-earliest-counts", 0, true, false},
	        {"clock-before-earliest-is-out", -1, true, true},
	};
	char kiosk[64];
	if (!expect("clock-setup", !store_kiosk(cs, "bounds", kiosk), "no kiosk"))
		return;
	long long refusals = 0, out = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ank_batch *b = calloc(1, sizeof *b);
		if (!b)
			return;
		snprintf(b->kiosk, sizeof b->kiosk, "%s", kiosk);
		b->n = 1;
		b->ev[0].seq = (long long)i + 1;
		snprintf(b->ev[0].id, sizeof b->ev[0].id, "%032zx", i + 1);
		snprintf(b->ev[0].type, sizeof b->ev[0].type, "checkin.refused");
		b->ev[0].at_ms =
		        (cases[i].earliest ? ANK_CLOCK_EARLIEST_MS : now) + cases[i].at_from_now;
		b->ev[0].payload = strdup("{\"reason\":\"closed\",\"route\":\"inject\","
		                          "\"substance\":\"heroin\",\"user\":\"u-1\"}");
		long long acked = 0;
		ank_err err = {""};
		int rc = ank_cstore_ingest(cs, kiosk, b, now, &acked, &err);
		long long skew = b->ev[0].at_ms - now;
		ank_proto_batch_free(b);
		free(b);
		refusals += !cases[i].out;
		out += cases[i].out;
		ank_queue_view v = {0};
		char *text = NULL;
		json_t *rep = NULL;
		if (!rc && !ank_cstore_queue_view(cs, "bounds", now, &v, &err))
			text = ank_cstore_report(cs, NULL, NULL, now, &err);
		if (text)
			rep = json_loads(text, 0, NULL);
		expect(cases[i].name,
		       !rc && acked == (long long)i + 1 && v.n_kiosks == 1 &&
		               v.kiosks[0].skewed == cases[i].out &&
		               (!cases[i].out || v.kiosks[0].clock_skew_ms == skew) &&
		               v.kiosks[0].out_of_time == out &&
		               jpath(rep, "sites.bounds.refusals") == refusals &&
		               jpath(rep, "sites.bounds.events_out_of_time") == out,
		       "rc %d %s; skewed %d by %lld; report refusals %lld, out of time %lld", rc,
		       err.msg, v.n_kiosks ? v.kiosks[0].skewed : -1,
		       v.n_kiosks ? (long long)v.kiosks[0].clock_skew_ms : 0,
		       jpath(rep, "sites.bounds.refusals"),
		       jpath(rep, "sites.bounds.events_out_of_time"));
		json_decref(rep);
		free(text);
		ank_queue_view_free(&v);
	}
}

/* One login from `addr` at a fake time; returns ank_cstore_login's result and the wait in
 * *retry, err's message in why (may be NULL). */
static ank_cs_rc store_login_from(ank_cstore *cs, const char *addr, const char *name,
                                  const char *pw, int64_t now, int64_t *retry, char *why)
{
	ank_account a;
	char token[ANK_TOKEN_HEX + 1], csrf[ANK_TOKEN_HEX + 1];
	ank_err err = {""};
	ank_cs_rc rc = ank_cstore_login(cs, addr, name, pw, now, retry, &a, token, csrf, &err);
	if (why)
		snprintf(why, sizeof err.msg, "%s", rc == ANK_CS_OK ? "" : err.msg);
	return rc;
}

/* The per-name cases all come from one address. */
#define NAME_TESTS_ADDR "192.0.2.1"

static ank_cs_rc store_login(ank_cstore *cs, const char *name, const char *pw, int64_t now,
                             int64_t *retry)
{
	return store_login_from(cs, NAME_TESTS_ADDR, name, pw, now, retry, NULL);
}

typedef struct login_thread {
	pthread_t th;
	ank_cstore *cs;
	const char *addr, *name, *pw;
	int64_t now;
	ank_cs_rc rc;
	int done; /* the order it finished in, from 1 */
} login_thread;

/* Completion order of login_thread runs. */
static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static int done_count;

/* When set, login_run threads wait here first, so that a burst starts at once. */
static pthread_barrier_t *start_line;

static void *login_run(void *arg)
{
	login_thread *t = arg;
	int64_t retry = 0;
	if (start_line)
		pthread_barrier_wait(start_line);
	t->rc = store_login_from(t->cs, t->addr, t->name, t->pw, t->now, &retry, NULL);
	pthread_mutex_lock(&done_mu);
	t->done = ++done_count;
	pthread_mutex_unlock(&done_mu);
	return NULL;
}

/* Failed logins on a fake clock: five free, then 30 s, doubling, at most 15 min; the right
 * password clears them; parallel guesses get no more tries than sequential ones. */
static void store_login_waits(ank_cstore *cs)
{
	ank_err err;
	const char *pw = "correct horse battery staple", *bad = "wrong password here";
	if (!expect("waits-setup",
	            ank_cstore_account_add(cs, "clerk", pw, true, NULL, 1, &err) == ANK_CS_OK, "%s",
	            err.msg))
		return;
	int64_t t = 1000000, retry = 0;
	int refused = 0;
	for (int i = 0; i < ANK_LOGIN_FREE_FAILS; i++)
		refused += store_login(cs, "clerk", bad, t, &retry) == ANK_CS_REFUSED;
	ank_cs_rc rc = store_login(cs, "clerk", pw, t, &retry);
	expect("waits-after-five", refused == 5 && rc == ANK_CS_WAIT && retry == ANK_LOGIN_WAIT_MS,
	       "%d refused, then %s with %lld ms", refused, ank_cs_strerror(rc), (long long)retry);
	rc = store_login(cs, "clerk", pw, t + ANK_LOGIN_WAIT_MS - 1, &retry);
	expect("waits-until-the-end", rc == ANK_CS_WAIT && retry == 1, "%s with %lld ms",
	       ank_cs_strerror(rc), (long long)retry);
	expect("other-name-free", store_login(cs, "someone", bad, t, &retry) == ANK_CS_REFUSED,
	       "held up");
	/* After the wait one more try; failing it doubles the wait. */
	t += ANK_LOGIN_WAIT_MS;
	rc = store_login(cs, "clerk", bad, t, &retry);
	ank_cs_rc rc2 = store_login(cs, "clerk", pw, t + 2 * ANK_LOGIN_WAIT_MS - 1, &retry);
	expect("wait-doubles", rc == ANK_CS_REFUSED && rc2 == ANK_CS_WAIT && retry == 1,
	       "%s then %s with %lld ms", ank_cs_strerror(rc), ank_cs_strerror(rc2),
	       (long long)retry);
	/* Up to the cap: 30 s, 1, 2, 4, 8 min, then 15 min instead of 16. */
	t += 2 * ANK_LOGIN_WAIT_MS;
	int64_t wait = 2 * ANK_LOGIN_WAIT_MS;
	for (int i = 0; i < 4; i++) {
		wait *= 2;
		store_login(cs, "clerk", bad, t, &retry);
		t += wait;
	}
	store_login(cs, "clerk", bad, t, &retry);
	rc = store_login(cs, "clerk", pw, t, &retry);
	expect("wait-capped", rc == ANK_CS_WAIT && retry == ANK_LOGIN_WAIT_MAX_MS,
	       "%s with %lld ms", ank_cs_strerror(rc), (long long)retry);
	/* The right password after the wait logs in and forgets the failures. */
	t += ANK_LOGIN_WAIT_MAX_MS;
	rc = store_login(cs, "clerk", pw, t, &retry);
	ank_cs_rc after = store_login(cs, "clerk", bad, t, &retry);
	expect("success-forgets", rc == ANK_CS_OK && after == ANK_CS_REFUSED, "%s then %s",
	       ank_cs_strerror(rc), ank_cs_strerror(after));
	/* Eight guesses at once at a fresh name: five are checked, three must wait. */
	login_thread th[8];
	for (int i = 0; i < 8; i++) {
		th[i] = (login_thread){.cs = cs,
		                       .addr = NAME_TESTS_ADDR,
		                       .name = "burst",
		                       .pw = bad,
		                       .now = 5000000};
		pthread_create(&th[i].th, NULL, login_run, &th[i]);
	}
	int checked = 0, waited = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i].th, NULL);
		checked += th[i].rc == ANK_CS_REFUSED;
		waited += th[i].rc == ANK_CS_WAIT;
	}
	expect("parallel-guesses-capped", checked == 5 && waited == 3, "%d checked, %d waited",
	       checked, waited);
}

/* ANK_LOGIN_ADDR_FREE_FAILS failures from addr at t, each with a new random name (which the
 * per-name count never holds). Returns how many were refused after a check. */
static int store_guess_names(ank_cstore *cs, const char *addr, int64_t t)
{
	int refused = 0;
	int64_t retry;
	for (int i = 0; i < ANK_LOGIN_ADDR_FREE_FAILS; i++) {
		char name[40];
		snprintf(name, sizeof name, "guess-%d-%d", i, rand());
		refused += store_login_from(cs, addr, name, "wrong password here", t, &retry,
		                            NULL) == ANK_CS_REFUSED;
	}
	return refused;
}

/* Failures from one address, whatever the names: after ANK_LOGIN_ADDR_FREE_FAILS it waits,
 * answered without a password check; other addresses are not held; an IPv6 address counts
 * by its /64; doubling and cap; a success from the address forgets its failures. */
static void store_login_addr_waits(ank_cstore *cs)
{
	ank_err err;
	const char *pw = "a desk password here", *bad = "wrong password here";
	const char *a = "198.51.100.7";
	if (!expect("addr-setup",
	            ank_cstore_account_add(cs, "desk", pw, true, NULL, 1, &err) == ANK_CS_OK, "%s",
	            err.msg))
		return;
	int64_t t = 10000000, retry = 0;
	char why[sizeof err.msg];
	int refused = store_guess_names(cs, a, t);
	ank_login_stats before, after;
	ank_cstore_login_stats(cs, t, &before);
	ank_cs_rc rc = store_login_from(cs, a, "desk", pw, t, &retry, why);
	ank_cstore_login_stats(cs, t, &after);
	expect("addr-waits-after-20",
	       refused == ANK_LOGIN_ADDR_FREE_FAILS && rc == ANK_CS_WAIT &&
	               retry == ANK_LOGIN_ADDR_WAIT_MS && strstr(why, "from this address"),
	       "%d refused, then %s with %lld ms (%s)", refused, ank_cs_strerror(rc),
	       (long long)retry, why);
	expect("addr-wait-costs-no-check",
	       after.checks == before.checks && after.addrs_waiting >= 1,
	       "%lld checks before, %lld after; %d waiting", before.checks, after.checks,
	       after.addrs_waiting);
	rc = store_login_from(cs, "198.51.100.8", "desk", pw, t, &retry, why);
	expect("addr-other-address-logs-in", rc == ANK_CS_OK, "%s (%s)", ank_cs_strerror(rc), why);
	rc = store_login_from(cs, a, "desk", pw, t + 1, &retry, NULL);
	expect("addr-other-success-does-not-clear", rc == ANK_CS_WAIT, "%s", ank_cs_strerror(rc));
	rc = store_login_from(cs, "::ffff:198.51.100.7", "desk", pw, t + 1, &retry, NULL);
	expect("addr-mapped-ipv4-same", rc == ANK_CS_WAIT, "%s", ank_cs_strerror(rc));
	/* IPv6: one /64 is one address. */
	refused = store_guess_names(cs, "2001:db8:1:2::a", t);
	rc = store_login_from(cs, "2001:db8:1:2:ffff::b", "desk", pw, t, &retry, NULL);
	ank_cs_rc other = store_login_from(cs, "2001:db8:1:3::a", "desk", pw, t, &retry, NULL);
	expect("addr-ipv6-by-64",
	       refused == ANK_LOGIN_ADDR_FREE_FAILS && rc == ANK_CS_WAIT && other == ANK_CS_OK,
	       "%d refused; same /64 %s, other /64 %s", refused, ank_cs_strerror(rc),
	       ank_cs_strerror(other));
	/* After the wait one try; failing it doubles the wait, up to the cap: 10, 20, 40, 80,
	 * 160 s, then 300 instead of 320. */
	t += ANK_LOGIN_ADDR_WAIT_MS;
	rc = store_login_from(cs, a, "guess-late", bad, t, &retry, NULL);
	ank_cs_rc rc2 = store_login_from(cs, a, "desk", pw, t + 1, &retry, NULL);
	expect("addr-wait-doubles",
	       rc == ANK_CS_REFUSED && rc2 == ANK_CS_WAIT &&
	               retry == 2 * ANK_LOGIN_ADDR_WAIT_MS - 1,
	       "%s then %s with %lld ms", ank_cs_strerror(rc), ank_cs_strerror(rc2),
	       (long long)retry);
	int64_t wait = 2 * ANK_LOGIN_ADDR_WAIT_MS;
	for (int i = 0; i < 4; i++) {
		t += wait;
		store_login_from(cs, a, "guess-later", bad, t, &retry, NULL);
		wait *= 2;
	}
	rc = store_login_from(cs, a, "desk", pw, t, &retry, NULL);
	expect("addr-wait-capped", rc == ANK_CS_WAIT && retry == ANK_LOGIN_ADDR_WAIT_MAX_MS,
	       "%s with %lld ms", ank_cs_strerror(rc), (long long)retry);
	/* The right password after the wait logs in and forgets the address's failures. */
	t += ANK_LOGIN_ADDR_WAIT_MAX_MS;
	rc = store_login_from(cs, a, "desk", pw, t, &retry, why);
	refused = store_guess_names(cs, a, t);
	expect("addr-success-forgets", rc == ANK_CS_OK && refused == ANK_LOGIN_ADDR_FREE_FAILS,
	       "%s (%s), then %d refused", ank_cs_strerror(rc), why, refused);
}

/* The hashing queue alone: a script of pushes (a letter: a check from that address) and
 * pops ('.': the next let in, its letter recorded) and the order expected. */
static void store_hash_queue(void)
{
	static const struct {
		const char *name, *script, *expect;
	} cases[] = {
	        {"hash-queue-one-address-in-order", "AAA...", "AAA"},
	        {"hash-queue-burst-then-staff", "AAAAAAAAAAAAAAAAB.................",
	         "ABAAAAAAAAAAAAAAA"},
	        {"hash-queue-round-robin", "AAAABBC.......", "ABCABAA"},
	        /* B comes after two of A's were let in: the next A first (it came first in
	         * the same round), then B. */
	        {"hash-queue-late-arrival", "AAAA..B...", "AAABA"},
	        /* An address that had its turn queues behind those still waiting for theirs,
	         * but ahead of one that comes later in the same round. */
	        {"hash-queue-returning-address", "ABC.A...", "ABCA"},
	        {"hash-queue-returning-before-newcomer", "AB.A.C..", "ABAC"},
	        {"hash-queue-empty-pop", "..A.", "A"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ank_cs_hash_queue q = {0};
		ank_cs_hash_wait w[64];
		int nw = 0;
		char got[64] = "";
		size_t ng = 0;
		for (const char *c = cases[i].script; *c && nw < 64; c++) {
			if (*c == '.') {
				ank_cs_hash_wait *o = ank_cs_hash_queue_pop(&q);
				if (o && ng + 1 < sizeof got)
					got[ng++] = o->key[0];
				continue;
			}
			snprintf(w[nw].key, sizeof w[nw].key, "%c", *c);
			ank_cs_hash_queue_push(&q, &w[nw++]);
		}
		got[ng] = '\0';
		expect(cases[i].name,
		       !strcmp(got, cases[i].expect) && q.n == 0 && !q.head && !q.tail,
		       "let in %s, expected %s; %d left", got, cases[i].expect, q.n);
	}
}

/* How long the fairness case waits for its burst to queue up, as a guard against a hang. */
#define QUEUE_WAIT_MS 60000

/* Fair password checks: 19 guesses from address A at once (one slot each in turn), then a
 * staff login from address B, which must be let in before A's queue is drained: when B's
 * login returns, some of A's guesses are still waiting for a slot. Order, not time. */
static void store_login_fair(ank_cstore *cs)
{
	enum { BURST = ANK_LOGIN_ADDR_FREE_FAILS - 1 };
	_Static_assert(BURST < ANK_LOGIN_ADDR_FREE_FAILS, "the burst is checked, not held");
	_Static_assert(BURST > 2 * ANK_HASHING_MAX, "the burst queues");
	ank_err err;
	const char *pw = "a nurse password here";
	if (!expect("fair-setup",
	            ank_cstore_account_add(cs, "nurse", pw, true, NULL, 1, &err) == ANK_CS_OK, "%s",
	            err.msg))
		return;
	login_thread th[BURST];
	char names[BURST][40];
	done_count = 0;
	/* Started together: none is done before the last has come. */
	pthread_barrier_t line;
	pthread_barrier_init(&line, NULL, BURST);
	start_line = &line;
	for (int i = 0; i < BURST; i++) {
		snprintf(names[i], sizeof names[i], "flood-%d-%d", i, rand());
		th[i] = (login_thread){.cs = cs,
		                       .addr = "203.0.113.5",
		                       .name = names[i],
		                       .pw = "wrong password here",
		                       .now = 20000000};
		pthread_create(&th[i].th, NULL, login_run, &th[i]);
	}
	/* All of A's guesses in: ANK_HASHING_MAX being checked, the rest queued. */
	ank_login_stats st = {0};
	for (int waited = 0; waited < QUEUE_WAIT_MS; waited++) {
		ank_cstore_login_stats(cs, 20000000, &st);
		pthread_mutex_lock(&done_mu);
		int done = done_count;
		pthread_mutex_unlock(&done_mu);
		if (st.checking + st.queued + done >= BURST)
			break;
		usleep(1000);
	}
	int queued_before = st.queued;
	int64_t retry;
	ank_cs_rc rc = store_login_from(cs, "203.0.113.9", "nurse", pw, 20000000, &retry, NULL);
	ank_cstore_login_stats(cs, 20000000, &st);
	pthread_mutex_lock(&done_mu);
	int a_done = done_count;
	pthread_mutex_unlock(&done_mu);
	int refused = 0;
	for (int i = 0; i < BURST; i++) {
		pthread_join(th[i].th, NULL);
		refused += th[i].rc == ANK_CS_REFUSED;
	}
	start_line = NULL;
	pthread_barrier_destroy(&line);
	expect("fair-staff-before-burst-drained",
	       rc == ANK_CS_OK && refused == BURST && queued_before > 0 && st.queued > 0,
	       "staff %s; %d of A's guesses queued when it came, %d still queued and %d of %d "
	       "done when it returned; %d refused",
	       ank_cs_strerror(rc), queued_before, st.queued, a_done, BURST, refused);
}

/* Expired sessions are deleted, live ones kept. */
static void store_sessions_purge(ank_cstore *cs)
{
	const char *pw = "a desk password here";
	ank_account a;
	char tok1[ANK_TOKEN_HEX + 1], tok2[ANK_TOKEN_HEX + 1], csrf[ANK_TOKEN_HEX + 1];
	int64_t t = 100000000, retry;
	ank_err err = {""};
	bool ok = ank_cstore_login(cs, "192.0.2.50", "desk", pw, t, &retry, &a, tok1, csrf, &err) ==
	                  ANK_CS_OK &&
	          ank_cstore_login(cs, "192.0.2.50", "desk", pw, t + ANK_SESSION_TTL_MS / 2, &retry,
	                           &a, tok2, csrf, &err) == ANK_CS_OK;
	if (!expect("purge-setup", ok, "%s", err.msg))
		return;
	long long n = -1, again = -1;
	int rc = ank_cstore_sessions_purge(cs, t + ANK_SESSION_TTL_MS, &n, &err);
	int rc2 = ank_cstore_sessions_purge(cs, t + ANK_SESSION_TTL_MS, &again, &err);
	/* Asked at a time it was live, the first session must be gone: deleted, not expired. */
	ank_cs_rc first = ank_cstore_session(cs, tok1, t + 1, &a, csrf, &err);
	ank_cs_rc second = ank_cstore_session(cs, tok2, t + ANK_SESSION_TTL_MS, &a, csrf, &err);
	expect("sessions-purged",
	       rc == 0 && rc2 == 0 && n >= 1 && again == 0 && first == ANK_CS_UNKNOWN &&
	               second == ANK_CS_OK,
	       "purged %lld then %lld; expired one %s, live one %s", n, again,
	       ank_cs_strerror(first), ank_cs_strerror(second));
}

static void group_store(void)
{
	ank_cstore *cs;
	ank_err err;
	if (!expect("store-open", ank_cstore_open(db, false, &cs, &err) == 0, "%s", err.msg))
		return;
	long long id =
	        ank_cstore_change_add(cs, "demo", "site.config", "{\"b\":1, \"a\":[2]}", 1, &err);
	expect("change-object", id > 0, "%s", err.msg);
	char *big = malloc(ANK_PROTO_MAX_PAYLOAD + 64);
	size_t n = (size_t)snprintf(big, 16, "{\"x\":\"");
	memset(big + n, 'a', ANK_PROTO_MAX_PAYLOAD);
	snprintf(big + n + ANK_PROTO_MAX_PAYLOAD, 8, "\"}");
	expect("change-over-8KiB-refused",
	       ank_cstore_change_add(cs, "demo", "site.config", big, 1, &err) < 0, "stored");
	/* Exactly at the limit is fine: {"x":"aaa..."} of 8192 bytes. */
	n = (size_t)snprintf(big, 16, "{\"x\":\"");
	memset(big + n, 'a', ANK_PROTO_MAX_PAYLOAD - n - 2);
	snprintf(big + ANK_PROTO_MAX_PAYLOAD - 2, 8, "\"}");
	expect("change-at-8KiB-stored",
	       ank_cstore_change_add(cs, "demo", "site.config", big, 1, &err) > 0, "%s", err.msg);
	free(big);
	expect("change-array-refused",
	       ank_cstore_change_add(cs, "demo", "site.config", "[1]", 1, &err) < 0, "stored");
	expect("change-text-refused",
	       ank_cstore_change_add(cs, "demo", "site.config", "\"x\"", 1, &err) < 0, "stored");
	expect("change-invalid-json-refused",
	       ank_cstore_change_add(cs, "demo", "site.config", "{", 1, &err) < 0, "stored");
	expect("change-bad-type-refused",
	       ank_cstore_change_add(cs, "demo", "Site-Config", "{}", 1, &err) < 0, "stored");
	char deep[64];
	snprintf(deep, sizeof deep, "{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}");
	expect("change-too-deep-refused",
	       ank_cstore_change_add(cs, "demo", "site.config", deep, 1, &err) < 0, "stored");
	/* What is stored is what the feed encoder accepts: the whole feed encodes. */
	ank_feed f;
	int rc = ank_cstore_changes(cs, "demo", 0, &f, &err);
	char *text = rc == 0 ? ank_proto_feed_encode(&f, &err) : NULL;
	expect("feed-encodes", text && f.n == 2 && !strcmp(f.ch[0].payload, "{\"a\":[2],\"b\":1}"),
	       "n %d %s", f.n, err.msg);
	free(text);
	ank_proto_feed_free(&f);
	store_projection_batches(cs);
	store_clock_bounds(cs);
	store_login_waits(cs);
	store_login_addr_waits(cs);
	store_hash_queue();
	store_login_fair(cs);
	store_sessions_purge(cs);
	ank_cstore_close(cs);
}

/* ---- group: content ---- */

/* The one change of `type` with id `id` in changes, or NULL. */
static json_t *change_by_id(json_t *changes, const char *type, long long id)
{
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c)
	{
		if (!strcmp(jstr(c, "type"), type) && jint(c, "id") == id)
			return c;
	}
	return NULL;
}

/* POSTs body (len 0: strlen) as s and expects `want` with an error naming `reason`. */
static void expect_refused(const char *name, const session *s, const char *path, const char *body,
                           size_t len, long want, const char *reason)
{
	resp r;
	http(&r, "POST", path, body, len, s->token, s->csrf, NULL);
	const char *err = jstr(r.json, "error");
	expect(name, r.status == want && strstr(err, reason) != NULL,
	       "status %ld (want %ld), error '%s' (want '%s')", r.status, want, err, reason);
	resp_free(&r);
}

/* {"v":1,"messages":{...n keys "k<i>" with `bytes` bytes of 'x' each...}} as a malloc'd text. */
static char *messages_body(int n, size_t bytes)
{
	char *text = malloc(bytes + 1);
	memset(text, 'x', bytes);
	text[bytes] = '\0';
	json_t *m = json_object();
	for (int i = 0; i < n; i++) {
		char key[16];
		snprintf(key, sizeof key, "k%d", i);
		json_object_set_new(m, key, json_string(text));
	}
	free(text);
	json_t *b = json_pack("{s:i, s:o}", "v", 1, "messages", m);
	char *out = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	return out;
}

/* A good config of `site` padded with comment lines so that, as a JSON string without its
 * quotes, it is n bytes (a newline is 2: "\\n"): {"v":1,"ini":"..."} as a malloc'd text. */
static char *ini_body(const char *site, size_t n)
{
	char *ini = malloc(n + 1);
	int o = snprintf(ini, n + 1, "[site]\nid = %s\nname = N\n[station.1]\n", site);
	size_t esc = (size_t)o + 4; /* four newlines */
	while (n - esc > 190) {
		ini[o++] = ';';
		memset(ini + o, 'a', 150);
		o += 150;
		ini[o++] = '\n';
		esc += 153;
	}
	if (n > esc) {
		ini[o++] = ';';
		memset(ini + o, 'a', n - esc - 1);
		o += (int)(n - esc - 1);
	}
	ini[o] = '\0';
	json_t *b = json_pack("{s:i, s:s}", "v", 1, "ini", ini);
	char *out = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	free(ini);
	return out;
}

static void group_content(void)
{
	session admin, anna;
	login("boss", admin_pw, &admin);
	add_account(&admin, "anna", "staff", "demo");
	expect("login-staff", login("anna", staff_pw, &anna) == 200, "condition did not hold");
	char t_demo[65], t_north[65], t_far[65], k_demo[64], k_north[64], k_far[64];
	expect("pair-three-kiosks",
	       pair("demo", t_demo, k_demo) == 0 && pair("north", t_north, k_north) == 0 &&
	               pair("far", t_far, k_far) == 0,
	       "condition did not hold");

	/* A whole INI text, checked, goes to its site as it is: newlines, quotes, backslashes,
	 * UTF-8, comments. */
	static const char ini[] =
	        "; from the API\n[site]\nid = demo\nname = Demo \"rummet\" \\ æøå\n"
	        "\n[station.1]\ntype = inject\n";
	json_t *b = json_pack("{s:i, s:s}", "v", 1, "ini", ini);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	resp r;
	post(&r, &admin, "/api/v1/sites/demo/config", text);
	free(text);
	long long cfg = jint(r.json, "change");
	expect("config-202",
	       r.status == 202 && cfg > 0 && jint(r.json, "v") == 1 &&
	               json_object_size(r.json) == 2,
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	json_t *cd = changes_of(t_demo), *cn = changes_of(t_north), *cf = changes_of(t_far);
	json_t *p = json_object_get(change_by_id(cd, "site.config", cfg), "payload");
	expect("config-to-site", !strcmp(jstr(p, "ini"), ini) && json_object_size(p) == 1,
	       "payload ini '%s'", jstr(p, "ini"));
	expect("config-not-to-other-sites",
	       count_changes(cn, "site.config", NULL, NULL) == 0 &&
	               count_changes(cf, "site.config", NULL, NULL) == 0,
	       "condition did not hold");
	json_decref(cd);
	json_decref(cn);
	json_decref(cf);

	/* Texts go to every site in one change. */
	static const char catalog[] =
	        "{\"v\":1,\"messages\":{\"welcome.title\":\"Velkommen \\\"ind\\\"\","
	        "\"queue.wait_1\":\"Vent {minutes} min – æøå\"}}";
	post(&r, &admin, "/api/v1/catalogs/da", catalog);
	long long cat = jint(r.json, "change");
	expect("catalog-202", r.status == 202 && cat > cfg && json_object_size(r.json) == 2,
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	json_t *sent_root = json_loads(catalog, 0, NULL);
	json_t *sent = json_object_get(sent_root, "messages");
	const char *tokens[] = {t_demo, t_north, t_far};
	for (int i = 0; i < 3; i++) {
		json_t *ch = changes_of(tokens[i]);
		json_t *pl = json_object_get(change_by_id(ch, "catalog", cat), "payload");
		char name[64];
		snprintf(name, sizeof name, "catalog-to-kiosk-%d", i + 1);
		char *shown = json_dumps(pl, JSON_COMPACT);
		expect(name,
		       !strcmp(jstr(pl, "lang"), "da") &&
		               json_equal(json_object_get(pl, "messages"), sent) &&
		               json_object_size(pl) == 2 &&
		               count_changes(ch, "catalog", NULL, NULL) == 1,
		       "%s", shown ? shown : "(none)");
		free(shown);
		json_decref(ch);
	}
	json_decref(sent_root);

	/* The locks: admins only, with a session and the CSRF header. */
	static const char cfg_path[] = "/api/v1/sites/demo/config",
	                  cat_path[] = "/api/v1/catalogs/da";
	static const char cfg_body[] = "{\"v\":1,\"ini\":\"[site]\\n\"}",
	                  cat_body[] = "{\"v\":1,\"messages\":{\"welcome.title\":\"Hej\"}}";
	long st = status_of("POST", cfg_path, cfg_body, anna.token, anna.csrf, NULL);
	expect("config-staff-403", st == 403, "status %ld", st);
	st = status_of("POST", cat_path, cat_body, anna.token, anna.csrf, NULL);
	expect("catalog-staff-403", st == 403, "status %ld", st);
	st = status_of("POST", cfg_path, cfg_body, NULL, NULL, NULL);
	expect("config-no-session-401", st == 401, "status %ld", st);
	st = status_of("POST", cat_path, cat_body, NULL, NULL, NULL);
	expect("catalog-no-session-401", st == 401, "status %ld", st);
	st = status_of("POST", cfg_path, cfg_body, admin.token, NULL, NULL);
	expect("config-no-csrf-403", st == 403, "status %ld", st);
	st = status_of("POST", cat_path, cat_body, admin.token, NULL, NULL);
	expect("catalog-no-csrf-403", st == 403, "status %ld", st);
	st = status_of("GET", cfg_path, NULL, admin.token, NULL, NULL);
	expect("config-get-405", st == 405, "status %ld", st);
	st = status_of("POST", "/api/v1/sites/nowhere/config", cfg_body, admin.token, admin.csrf,
	               NULL);
	expect("config-unknown-site-404", st == 404, "status %ld", st);

	/* Bodies: each refusal names what is wrong. */
	expect_refused("config-missing-ini", &admin, cfg_path, "{\"v\":1}", 0, 400, "ini: missing");
	expect_refused("config-ini-not-string", &admin, cfg_path, "{\"v\":1,\"ini\":{\"a\":1}}", 0,
	               400, "ini: must be a string");
	expect_refused("config-ini-empty", &admin, cfg_path, "{\"v\":1,\"ini\":\"\"}", 0, 400,
	               "ini: must not be empty");
	expect_refused("config-unknown-field", &admin, cfg_path,
	               "{\"v\":1,\"ini\":\"[site]\\n\",\"site\":\"far\"}", 0, 400,
	               "site: unknown field");
	expect_refused("config-ini-nul", &admin, cfg_path, "{\"v\":1,\"ini\":\"a\\u0000b\"}", 0,
	               400, "invalid JSON");
	expect_refused("config-invalid-utf8", &admin, cfg_path, "{\"v\":1,\"ini\":\"a\xff\"}", 0,
	               400, "invalid UTF-8");
	expect_refused("config-invalid-json", &admin, cfg_path, "{\"v\":1,\"ini\":", 0, 400,
	               "invalid JSON");
	expect_refused("config-wrong-version", &admin, cfg_path, "{\"v\":2,\"ini\":\"x\"}", 0, 400,
	               "\"v\":1");
	/* {"ini":"..."} is 10 bytes around the text: 8182 fit one change, 8183 do not. */
	text = ini_body("demo", ANK_PROTO_MAX_PAYLOAD - 9);
	expect_refused("config-oversize", &admin, cfg_path, text, 0, 400, "ini: makes a change of");
	free(text);
	text = ini_body("north", ANK_PROTO_MAX_PAYLOAD - 10);
	post(&r, &admin, "/api/v1/sites/north/config", text);
	long long big = jint(r.json, "change");
	expect("config-largest-fits", r.status == 202, "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	json_t *sent_big = json_loads(text, 0, NULL);
	free(text);
	cn = changes_of(t_north);
	p = json_object_get(change_by_id(cn, "site.config", big), "payload");
	expect("config-largest-reaches-kiosk", !strcmp(jstr(p, "ini"), jstr(sent_big, "ini")),
	       "ini of %zu bytes", strlen(jstr(p, "ini")));
	json_decref(sent_big);
	json_decref(cn);
	/* Central reads the text with the kiosk's parser first: a bad one is refused with its
	 * field and line, and nothing is sent. */
	expect_refused("config-bad-key", &admin, cfg_path,
	               "{\"v\":1,\"ini\":\"[site]\\nid = demo\\nname = D\\nbogus_key = 1\\n\"}", 0,
	               400, "ini:4: unknown key 'bogus_key' in [site]");
	resp rb;
	post(&rb, &admin, cfg_path,
	     "{\"v\":1,\"ini\":\"[site]\\nid = demo\\nname = D\\nwarn_min = x\\n\"}");
	expect("config-bad-value-field",
	       rb.status == 400 && !strcmp(jstr(rb.json, "field"), "site.warn_min") &&
	               jint(rb.json, "line") == 4 &&
	               !strcmp(jstr(rb.json, "code"), "invalid_field"),
	       "%ld %s", rb.status, ank_buf_str(&rb.body));
	resp_free(&rb);
	expect_refused("config-no-station", &admin, cfg_path,
	               "{\"v\":1,\"ini\":\"[site]\\nid = demo\\nname = D\\n\"}", 0, 400,
	               "needs at least one station");
	expect_refused("config-other-site", &admin, cfg_path,
	               "{\"v\":1,\"ini\":\"[site]\\nid = far\\nname = D\\n[station.1]\\n\"}", 0,
	               400, "site.id: must be this site's id (demo)");
	cd = changes_of(t_demo);
	expect("config-refused-not-sent", count_changes(cd, "site.config", NULL, NULL) == 1,
	       "%d site.config changes", count_changes(cd, "site.config", NULL, NULL));
	json_decref(cd);

	expect_refused("catalog-lang-upper", &admin, "/api/v1/catalogs/DA", cat_body, 0, 400,
	               "lang: ");
	expect_refused("catalog-lang-long", &admin, "/api/v1/catalogs/dansk", cat_body, 0, 400,
	               "lang: ");
	expect_refused("catalog-lang-short", &admin, "/api/v1/catalogs/d", cat_body, 0, 400,
	               "lang: ");
	expect_refused("catalog-lang-digit", &admin, "/api/v1/catalogs/d1", cat_body, 0, 400,
	               "lang: ");
	expect_refused("catalog-key-upper", &admin, cat_path,
	               "{\"v\":1,\"messages\":{\"Welcome.title\":\"Hej\"}}", 0, 400,
	               "messages.Welcome.title: key must be");
	expect_refused("catalog-key-dash", &admin, cat_path,
	               "{\"v\":1,\"messages\":{\"welcome-title\":\"Hej\"}}", 0, 400,
	               "messages.welcome-title: key must be");
	expect_refused("catalog-key-empty", &admin, cat_path,
	               "{\"v\":1,\"messages\":{\"\":\"Hej\"}}", 0, 400, "messages.: key must be");
	char long_key[128];
	snprintf(long_key, sizeof long_key, "{\"v\":1,\"messages\":{\"%065d\":\"Hej\"}}", 0);
	expect_refused("catalog-key-65", &admin, cat_path, long_key, 0, 400, "key must be 1-64");
	snprintf(long_key, sizeof long_key, "{\"v\":1,\"messages\":{\"%064d\":\"Hej\"}}", 0);
	st = status_of("POST", cat_path, long_key, admin.token, admin.csrf, NULL);
	expect("catalog-key-64-ok", st == 202, "status %ld", st);
	expect_refused("catalog-empty-messages", &admin, cat_path, "{\"v\":1,\"messages\":{}}", 0,
	               400, "messages: must be an object");
	expect_refused("catalog-messages-array", &admin, cat_path,
	               "{\"v\":1,\"messages\":[\"Hej\"]}", 0, 400, "messages: must be an object");
	expect_refused("catalog-missing-messages", &admin, cat_path, "{\"v\":1}", 0, 400,
	               "messages: must be an object");
	expect_refused("catalog-value-number", &admin, cat_path,
	               "{\"v\":1,\"messages\":{\"welcome.title\":1}}", 0, 400,
	               "messages.welcome.title: must be a string");
	expect_refused("catalog-value-null", &admin, cat_path,
	               "{\"v\":1,\"messages\":{\"welcome.title\":null}}", 0, 400,
	               "messages.welcome.title: must be a string");
	expect_refused("catalog-value-empty", &admin, cat_path,
	               "{\"v\":1,\"messages\":{\"welcome.title\":\"\"}}", 0, 400,
	               "messages.welcome.title: must be 1-1000 bytes");
	text = messages_body(1, 1001);
	expect_refused("catalog-value-1001", &admin, cat_path, text, 0, 400,
	               "must be 1-1000 bytes");
	free(text);
	text = messages_body(501, 1);
	expect_refused("catalog-501-messages", &admin, cat_path, text, 0, 400,
	               "messages: must be an object of 1-500");
	free(text);
	text = messages_body(9, 1000);
	expect_refused("catalog-oversize", &admin, cat_path, text, 0, 400,
	               "messages: makes a change of");
	free(text);
	text = messages_body(500, 1);
	st = status_of("POST", cat_path, text, admin.token, admin.csrf, NULL);
	expect("catalog-500-messages-ok", st == 202, "status %ld", st);
	free(text);
	expect_refused("catalog-unknown-field", &admin, cat_path,
	               "{\"v\":1,\"messages\":{\"a\":\"b\"},\"site\":\"demo\"}", 0, 400,
	               "site: unknown field");
	expect_refused("catalog-duplicate-key", &admin, cat_path,
	               "{\"v\":1,\"messages\":{\"a\":\"b\",\"a\":\"c\"}}", 0, 400, "invalid JSON");
	expect_refused("catalog-invalid-json", &admin, cat_path, "{\"v\":1,\"messages\":{\"a\"}}",
	               0, 400, "invalid JSON");

	/* Nothing refused was stored: demo holds its one config and the three accepted
	 * catalogs (the first, the 64-character key, the 500 messages). */
	cd = changes_of(t_demo);
	expect("refusals-store-nothing",
	       count_changes(cd, "site.config", NULL, NULL) == 1 &&
	               count_changes(cd, "catalog", NULL, NULL) == 3,
	       "site.config %d catalog %d", count_changes(cd, "site.config", NULL, NULL),
	       count_changes(cd, "catalog", NULL, NULL));
	json_decref(cd);

	/* The kiosk's answer is stored as an event and shown in the queue view. */
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, admin.token, NULL, NULL);
	expect("queue-config-null-before",
	       r.status == 200 && json_is_null(json_object_get(r.json, "config")), "%ld %s",
	       r.status, ank_buf_str(&r.body));
	resp_free(&r);
	long long seq_demo = 0, seq_far = 0;
	char events[256];
	snprintf(events, sizeof events,
	         "[{\"type\":\"config.refused\",\"payload\":{\"change\":%lld,\"reason\":"
	         "\"station 1 is "
	         "busy\"}},{\"type\":\"catalog.applied\",\"payload\":{\"change\":%lld,"
	         "\"lang\":\"da\",\"keys\":2}}]",
	         cfg, cat);
	st = post_events(t_demo, k_demo, &seq_demo, events);
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, admin.token, NULL, NULL);
	json_t *c = json_object_get(r.json, "config");
	expect("queue-config-refused",
	       st == 200 && !strcmp(jstr(c, "state"), "refused") &&
	               !strcmp(jstr(c, "reason"), "station 1 is busy") &&
	               jint(c, "change") == cfg && !strcmp(jstr(c, "kiosk"), k_demo),
	       "%ld %s", st, ank_buf_str(&r.body));
	resp_free(&r);
	snprintf(events, sizeof events,
	         "[{\"type\":\"config.applied\",\"payload\":{\"change\":%lld}}]", cfg);
	st = post_events(t_demo, k_demo, &seq_demo, events);
	long st_far = post_events(t_far, k_far, &seq_far,
	                          "[{\"type\":\"config.refused\",\"payload\":{\"change\":1,"
	                          "\"reason\":\"far away\"}}]");
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, admin.token, NULL, NULL);
	c = json_object_get(r.json, "config");
	expect("queue-config-applied",
	       st == 200 && st_far == 200 && !strcmp(jstr(c, "state"), "applied") &&
	               json_is_null(json_object_get(c, "reason")) && jint(c, "change") == cfg,
	       "%ld %s", st, ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/sites/far/queue", NULL, 0, admin.token, NULL, NULL);
	c = json_object_get(r.json, "config");
	expect("queue-config-per-site",
	       !strcmp(jstr(c, "state"), "refused") && !strcmp(jstr(c, "reason"), "far away"), "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);
}

/* ---- group: tickets ---- */

/* The ticket.key of a kiosk's feed as bytes; the number of such changes is returned. */
static int feed_key(const char *token, unsigned char key[ANK_TICKETREF_KEY_BYTES], char hex[65])
{
	json_t *ch = changes_of(token);
	int n = 0;
	size_t i;
	json_t *c;
	hex[0] = '\0';
	json_array_foreach(ch, i, c)
	{
		if (strcmp(jstr(c, "type"), "ticket.key") != 0)
			continue;
		n++;
		snprintf(hex, 65, "%s", jstr(json_object_get(c, "payload"), "key"));
	}
	json_decref(ch);
	size_t got = 0;
	if (strlen(hex) != 64 ||
	    sodium_hex2bin(key, ANK_TICKETREF_KEY_BYTES, hex, 64, NULL, &got, NULL) != 0 ||
	    got != ANK_TICKETREF_KEY_BYTES)
		return -1;
	return n;
}

/* One whole-ticket event of kiosk ticket `id` as the kiosk sends it. */
static void ticket_event(char *out, size_t cap, const char *type, long long id, const char *label,
                         const char *day, const char *state, const char *station)
{
	char st[32] = "";
	if (station)
		snprintf(st, sizeof st, ",\"station\":\"%s\"", station);
	snprintf(out, cap,
	         "{\"type\":\"%s\",\"payload\":{\"ticket\":%lld,\"label\":\"%s\",\"day\":\"%s\","
	         "\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"u-tk\",\"state\":\"%s\""
	         "%s%s}}",
	         type, id, label, day, state, st,
	         !strcmp(type, "session.ended") ? ",\"duration_s\":600" : "");
}

/* A reference made with key. */
static void make_ref(const unsigned char *key, const char *site, long long id, const char *day,
                     const char *label, char out[ANK_TICKETREF_MAX])
{
	ank_ticketref t = {.ticket = id};
	snprintf(t.site, sizeof t.site, "%s", site);
	snprintf(t.day, sizeof t.day, "%s", day);
	snprintf(t.label, sizeof t.label, "%s", label);
	ank_err err;
	if (ank_ticketref_make(key, &t, out, &err))
		snprintf(out, ANK_TICKETREF_MAX, "(make failed: %s)", err.msg);
}

/* POSTs a ticket check of ref at site as s; the answer in *r (free with resp_free). */
static void check_ticket(resp *r, const session *s, const char *site, const char *ref)
{
	char path[96], body[256];
	snprintf(path, sizeof path, "/api/v1/sites/%s/tickets/check", site);
	snprintf(body, sizeof body, "{\"v\":1,\"ref\":\"%s\"}", ref);
	post(r, s, path, body);
}

static void group_tickets(void)
{
	session admin, anna, bo;
	login("boss", admin_pw, &admin);
	add_account(&admin, "anna", "staff", "demo");
	add_account(&admin, "bo", "staff", "far");
	login("anna", staff_pw, &anna);
	login("bo", staff_pw, &bo);
	char t_demo[65], k_demo[64], t_demo2[65], k_demo2[64], t_north[65], k_north[64];
	expect("tickets-pair",
	       pair("demo", t_demo, k_demo) == 0 && pair("demo", t_demo2, k_demo2) == 0 &&
	               pair("north", t_north, k_north) == 0,
	       "condition did not hold");

	/* One key per site, made by central: both kiosks of demo get the same one, once. */
	unsigned char key[ANK_TICKETREF_KEY_BYTES], key2[ANK_TICKETREF_KEY_BYTES],
	        key_north[ANK_TICKETREF_KEY_BYTES];
	char hex[65], hex2[65], hex_north[65];
	int n1 = feed_key(t_demo, key, hex), n2 = feed_key(t_demo2, key2, hex2),
	    n3 = feed_key(t_north, key_north, hex_north);
	expect("key-once-per-kiosk-feed", n1 == 1 && n2 == 1 && n3 == 1, "%d %d %d", n1, n2, n3);
	expect("key-same-for-the-site", !strcmp(hex, hex2), "%s vs %s", hex, hex2);
	expect("key-per-site", strcmp(hex, hex_north) != 0, "demo and north share a key");

	/* Yesterday's ticket first (ids grow), then today's: the current day is the newest. */
	static const struct {
		const char *type;
		long long id;
		const char *label, *day, *state, *station;
	} evs[] = {
	        {"ticket.issued", 1, "I-001", "2026-11-22", "waiting", NULL},
	        {"ticket.issued", 2, "I-001", "2026-11-23", "waiting", NULL},
	        {"ticket.issued", 3, "I-002", "2026-11-23", "waiting", NULL},
	        {"ticket.cancelled", 3, "I-002", "2026-11-23", "cancelled", NULL},
	        {"ticket.issued", 4, "I-003", "2026-11-23", "waiting", NULL},
	        {"session.started", 4, "I-003", "2026-11-23", "in_session", "1"},
	        {"session.ended", 4, "I-003", "2026-11-23", "done", "1"},
	        {"ticket.issued", 5, "I-004", "2026-11-23", "waiting", NULL},
	        {"ticket.called", 5, "I-004", "2026-11-23", "called", "2"},
	        {"ticket.issued", 6, "I-005", "2026-11-23", "waiting", NULL},
	        {"ticket.no_show", 6, "I-005", "2026-11-23", "no_show", NULL},
	};
	char events[8192] = "[";
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
		char one[512];
		ticket_event(one, sizeof one, evs[i].type, evs[i].id, evs[i].label, evs[i].day,
		             evs[i].state, evs[i].station);
		size_t n = strlen(events);
		snprintf(events + n, sizeof events - n, "%s%s", i ? "," : "", one);
	}
	size_t n = strlen(events);
	snprintf(events + n, sizeof events - n, "]");
	long long seq = 0;
	long st = post_events(t_demo, k_demo, &seq, events);
	expect("tickets-ingested", st == 200, "status %ld", st);

	static const struct {
		const char *name;
		long long id;
		const char *site, *day, *label;
		int which_key; /* 0 demo's, 1 north's */
		bool valid;
		const char *reason; /* NULL: null */
		const char *state;  /* of the ticket answered, NULL: ticket null */
	} cases[] = {
	        {"check-valid-waiting", 2, "demo", "2026-11-23", "I-001", 0, true, NULL, "waiting"},
	        {"check-valid-called", 5, "demo", "2026-11-23", "I-004", 0, true, NULL, "called"},
	        {"check-yesterdays", 1, "demo", "2026-11-22", "I-001", 0, false, "other_day",
	         "waiting"},
	        {"check-cancelled", 3, "demo", "2026-11-23", "I-002", 0, false, "cancelled",
	         "cancelled"},
	        {"check-done", 4, "demo", "2026-11-23", "I-003", 0, false, "done", "done"},
	        {"check-no-show", 6, "demo", "2026-11-23", "I-005", 0, false, "no_show", "no_show"},
	        {"check-unknown", 99, "demo", "2026-11-23", "I-099", 0, false, "unknown", NULL},
	        {"check-label-not-the-tickets", 2, "demo", "2026-11-23", "I-002", 0, false,
	         "unknown", NULL},
	        {"check-other-sites-ticket", 1, "north", "2026-11-23", "I-001", 1, false,
	         "other_site", NULL},
	        {"check-other-site-with-our-key", 1, "north", "2026-11-23", "I-001", 0, false,
	         "mac", NULL},
	        {"check-our-site-with-another-key", 2, "demo", "2026-11-23", "I-001", 1, false,
	         "mac", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char ref[ANK_TICKETREF_MAX];
		make_ref(cases[i].which_key ? key_north : key, cases[i].site, cases[i].id,
		         cases[i].day, cases[i].label, ref);
		resp r;
		check_ticket(&r, &anna, "demo", ref);
		json_t *reason = json_object_get(r.json, "reason"),
		       *t = json_object_get(r.json, "ticket");
		bool ok = r.status == 200 && jint(r.json, "v") == 1 &&
		          json_is_boolean(json_object_get(r.json, "valid")) &&
		          json_is_true(json_object_get(r.json, "valid")) == cases[i].valid &&
		          (cases[i].reason
		                   ? !strcmp(json_string_value(reason) ? json_string_value(reason)
		                                                       : "",
		                             cases[i].reason)
		                   : json_is_null(reason)) &&
		          (cases[i].state ? !strcmp(jstr(t, "state"), cases[i].state) &&
		                                    jint(t, "ticket") == cases[i].id &&
		                                    !strcmp(jstr(t, "kiosk"), k_demo) &&
		                                    !strcmp(jstr(t, "label"), cases[i].label) &&
		                                    !strcmp(jstr(t, "day"), cases[i].day) &&
		                                    !strcmp(jstr(t, "route"), "inject")
		                          : json_is_null(t));
		expect(cases[i].name, ok, "%ld %s", r.status, ank_buf_str(&r.body));
		resp_free(&r);
	}
	/* The station of a called ticket, null for a waiting one. */
	char ref[ANK_TICKETREF_MAX];
	make_ref(key, "demo", 5, "2026-11-23", "I-004", ref);
	resp r;
	check_ticket(&r, &admin, "demo", ref);
	json_t *t = json_object_get(r.json, "ticket");
	expect("check-admin-station", r.status == 200 && !strcmp(jstr(t, "station"), "2"), "%ld %s",
	       r.status, ank_buf_str(&r.body));
	resp_free(&r);
	make_ref(key, "demo", 2, "2026-11-23", "I-001", ref);
	check_ticket(&r, &anna, "demo", ref);
	t = json_object_get(r.json, "ticket");
	expect("check-station-null", json_is_null(json_object_get(t, "station")), "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);
	/* A changed ticket number under the old MAC. */
	char forged[ANK_TICKETREF_MAX];
	snprintf(forged, sizeof forged, "A1.demo.5%s", ref + strlen("A1.demo.2"));
	check_ticket(&r, &anna, "demo", forged);
	expect("check-forged-mac",
	       r.status == 200 && json_is_false(json_object_get(r.json, "valid")) &&
	               !strcmp(jstr(r.json, "reason"), "mac") &&
	               json_is_null(json_object_get(r.json, "ticket")),
	       "%s -> %ld %s", forged, r.status, ank_buf_str(&r.body));
	resp_free(&r);
	check_ticket(&r, &anna, "demo", "A1.demo.x");
	expect("check-format", r.status == 200 && !strcmp(jstr(r.json, "reason"), "format"),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);

	/* Bodies that are not the route's form, and who may ask. */
	char code[32], long_ref[300], body[400];
	memset(long_ref, 'A', sizeof long_ref - 1);
	long_ref[sizeof long_ref - 1] = '\0';
	snprintf(body, sizeof body, "{\"v\":1,\"ref\":\"%s\"}", long_ref);
	static const char path[] = "/api/v1/sites/demo/tickets/check";
	const struct {
		const char *name, *body;
		long want;
		const char *code;
	} bad[] = {
	        {"check-bad-json", "{\"v\":1,", 400, "invalid_json"},
	        {"check-no-v", "{\"ref\":\"A1.demo.1.20261123.I-001.AAAAAAAAAAAAAAAA\"}", 400,
	         "invalid_json"},
	        {"check-missing-ref", "{\"v\":1}", 400, "invalid_field"},
	        {"check-ref-not-a-string", "{\"v\":1,\"ref\":7}", 400, "invalid_field"},
	        {"check-unknown-field", "{\"v\":1,\"ref\":\"x\",\"kiosk\":\"k\"}", 400,
	         "invalid_field"},
	        {"check-ref-too-long", body, 400, "invalid_field"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		st = answer_of("POST", path, bad[i].body, anna.token, anna.csrf, NULL, code);
		expect_error(bad[i].name, st, code, bad[i].want, bad[i].code);
	}
	size_t big_n = ANK_PROTO_MAX_BODY + 100;
	char *big = malloc(big_n + 1);
	if (big) {
		int k = snprintf(big, big_n + 1, "{\"v\":1,\"ref\":\"");
		memset(big + k, 'A', big_n - (size_t)k - 2);
		memcpy(big + big_n - 2, "\"}", 3);
		resp rb;
		http(&rb, "POST", path, big, big_n, anna.token, anna.csrf, NULL);
		expect("check-body-too-large",
		       rb.status == 413 && !strcmp(jstr(rb.json, "code"), "too_large"), "%ld %s",
		       rb.status, jstr(rb.json, "code"));
		resp_free(&rb);
		free(big);
	}
	snprintf(body, sizeof body, "{\"v\":1,\"ref\":\"%s\"}", ref);
	st = answer_of("POST", path, body, NULL, NULL, NULL, code);
	expect_error("check-logged-out", st, code, 401, "unauthorized");
	st = answer_of("POST", path, body, bo.token, bo.csrf, NULL, code);
	expect_error("check-other-site-staff", st, code, 403, "forbidden");
	st = answer_of("POST", path, body, anna.token, NULL, NULL, code);
	expect_error("check-no-csrf", st, code, 403, "csrf");
	st = answer_of("POST", "/api/v1/sites/nowhere/tickets/check", body, admin.token, admin.csrf,
	               NULL, code);
	expect_error("check-unknown-site", st, code, 404, "not_found");

	/* The key is in no answer but its change, and in no log line. */
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, anna.token, NULL, NULL);
	expect("key-not-in-queue-view", r.status == 200 && !strstr(ank_buf_str(&r.body), hex),
	       "status %ld", r.status);
	resp_free(&r);
	char log_path[160];
	snprintf(log_path, sizeof log_path, "%s/central.log", dir);
	FILE *lf = fopen(log_path, "r");
	bool in_log = false;
	char line[1024];
	while (lf && fgets(line, sizeof line, lf))
		in_log = in_log || strstr(line, hex) || strstr(line, hex_north);
	if (lf)
		fclose(lf);
	expect("key-not-in-log", lf && !in_log, "the key is in %s", log_path);
	sodium_memzero(key, sizeof key);
	sodium_memzero(key2, sizeof key2);
	sodium_memzero(key_north, sizeof key_north);
}

/* A central.db from before site keys (the rows gone): `serve`'s start gives every site one. */
static void group_tickets_upgrade(void)
{
	ank_cstore *cs = NULL;
	ank_err err = {""};
	ank_site site = {.id = "old", .name = "Old", .municipality = "101"};
	int users = 0, made = -1, again = -1;
	bool ok = ank_cstore_open(db, false, &cs, &err) == 0 &&
	          ank_cstore_site_add(cs, &site, wall_ms(), &users, &err) == ANK_CS_OK;
	ok = ok && ank_db_exec(cs->db,
	                       "DELETE FROM site_key; DELETE FROM change WHERE type = 'ticket.key'",
	                       &err) == SQLITE_OK;
	/* Opened again, as `serve` opens it: the feed in memory is read from the table. */
	if (cs)
		ank_cstore_close(cs);
	cs = NULL;
	ok = ok && ank_cstore_open(db, false, &cs, &err) == 0;
	ok = ok && ank_cstore_site_keys_ensure(cs, wall_ms(), &made, &err) == 0 &&
	     ank_cstore_site_keys_ensure(cs, wall_ms(), &again, &err) == 0;
	ank_feed f = {0};
	int keys = 0;
	if (ok && ank_cstore_changes(cs, "old", 0, &f, &err) == 0)
		for (int i = 0; i < f.n; i++)
			keys += !strcmp(f.ch[i].type, "ticket.key");
	ank_proto_feed_free(&f);
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	ok = ok && ank_cstore_site_key(cs, "old", wall_ms(), key, &err) == ANK_CS_OK;
	sodium_memzero(key, sizeof key);
	expect("upgrade-keys-made-once", ok && made == 4 && again == 0 && keys == 1,
	       "%s: made %d, again %d, %d ticket.key changes", err.msg, made, again, keys);
	expect("site-key-unknown-site",
	       cs && ank_cstore_site_key(cs, "nowhere", wall_ms(), key, &err) == ANK_CS_UNKNOWN,
	       "%s", err.msg);
	if (cs)
		ank_cstore_close(cs);
}

/* ---- group: display ---- */

/* A new display key of `site` from the display-key subcommand into key ("" when its output
 * has no line of 64 hex digits alone; the log line may come first); its exit status. */
static int display_key(const char *site, char key[65])
{
	ank_buf out;
	ank_buf_init(&out, 4096);
	int rc = central(NULL, &out, "display-key", "--db", db, "--site", site, NULL);
	key[0] = '\0';
	for (const char *line = ank_buf_str(&out); *line; line += strcspn(line, "\n") + 1) {
		size_t n = strcspn(line, "\n");
		if (n == 64 && strspn(line, "0123456789abcdef") == 64)
			snprintf(key, 65, "%.64s", line);
		if (!line[n])
			break;
	}
	ank_buf_free(&out);
	return rc;
}

/* One ticket event of the display's tests as JSON text into buf: ticket n (label I-00n) of
 * `day` in `state` at `station` ("" for none), at kiosk time at_ms, of user `uid`. */
static void display_event(char *buf, size_t cap, const char *type, int n, const char *day,
                          const char *state, const char *station, long long at_ms, const char *uid)
{
	char st[48] = "";
	if (station[0])
		snprintf(st, sizeof st, ",\"station\":\"%s\"", station);
	snprintf(buf, cap,
	         "{\"type\":\"%s\",\"at\":%lld,\"payload\":{\"ticket\":%d,\"label\":\"I-%03d\","
	         "\"day\":\"%s\",\"route\":\"inject\",\"substance\":\"heroin\",\"user\":\"%s\","
	         "\"state\":\"%s\"%s%s}}",
	         type, at_ms, n, n, day, uid, state, st,
	         !strcmp(type, "session.ended") ? ",\"duration_s\":600" : "");
}

/* The labels of a display answer's list `key`, joined by spaces ("I-003 I-002"). */
static void labels_of(json_t *j, const char *key, char *out, size_t cap)
{
	size_t i, off = 0;
	json_t *c;
	out[0] = '\0';
	json_array_foreach(json_object_get(j, key), i, c)
	{
		int k = snprintf(out + off, cap - off, "%s%s@%s", off ? " " : "", jstr(c, "label"),
		                 jstr(c, "station"));
		if (k < 0 || (size_t)k >= cap - off)
			break;
		off += (size_t)k;
	}
}

static void display_get(resp *r, const char *key)
{
	http(r, "GET", "/api/v1/display", NULL, 0, NULL, NULL, key);
}

/* A display's long-poll on a thread of its own. */
typedef struct display_poll {
	pthread_t th;
	char path[96];
	const char *key;
	resp r;
	long long ms;
} display_poll;

static void *display_poll_run(void *arg)
{
	display_poll *p = arg;
	long long t0 = wall_ms();
	http(&p->r, "GET", p->path, NULL, 0, NULL, NULL, p->key);
	p->ms = wall_ms() - t0;
	return NULL;
}

static void group_display(void)
{
	char key[65], key2[65], code[32];
	session admin;
	login("boss", admin_pw, &admin);
	expect("display-key-made", display_key("demo", key) == 0 && strlen(key) == 64, "key '%s'",
	       key);
	expect("display-key-unknown-site", display_key("nowhere", key2) == 1, "exit not 1");
	ank_buf out;
	ank_buf_init(&out, 4096);
	int rc = central(NULL, &out, "display-key", "--db", db, NULL);
	expect("display-key-needs-site", rc == 2 && strstr(ank_buf_str(&out), "--site"),
	       "exit %d %s", rc, ank_buf_str(&out));
	/* The database holds the key's hash only. */
	ank_buf_reset(&out);
	char query[160];
	snprintf(query, sizeof query, "SELECT count(*) FROM display_key WHERE key_hash = '%s'",
	         key);
	int plain = db_int(query);
	expect("display-key-stored-hashed", plain == 0, "rows with the key itself: %d", plain);

	long st = answer_of("GET", "/api/v1/display", NULL, NULL, NULL, NULL, code);
	expect_error("display-no-key-401", st, code, 401, "unauthorized");
	char wrong[65];
	snprintf(wrong, sizeof wrong, "%s", key);
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	st = answer_of("GET", "/api/v1/display", NULL, NULL, NULL, wrong, code);
	expect_error("display-wrong-key-401", st, code, 401, "unauthorized");
	char t_demo[65], k_demo[64], t_north[65], k_north[64];
	if (!expect("display-pair",
	            pair("demo", t_demo, k_demo) == 0 && pair("north", t_north, k_north) == 0,
	            "pairing failed"))
		return;
	st = answer_of("GET", "/api/v1/display", NULL, NULL, NULL, t_demo, code);
	expect_error("display-kiosk-token-401", st, code, 401, "unauthorized");
	/* A staff session is no display key either. */
	st = answer_of("GET", "/api/v1/display", NULL, admin.token, NULL, NULL, code);
	expect_error("display-session-401", st, code, 401, "unauthorized");

	resp r;
	display_get(&r, key);
	expect("display-empty",
	       r.status == 200 && jint(r.json, "v") == 1 && !strcmp(jstr(r.json, "site"), "demo") &&
	               !strcmp(jstr(r.json, "name"), "Demo-rummet") &&
	               json_is_false(json_object_get(r.json, "frozen")) &&
	               json_array_size(json_object_get(r.json, "calling")) == 0 &&
	               json_array_size(json_object_get(r.json, "recent")) == 0 &&
	               json_array_size(json_object_get(r.json, "languages")) == 0 &&
	               json_object_size(json_object_get(r.json, "alert")) == 0 &&
	               jint(r.json, "server_ms") > 0,
	       "%ld %s", r.status, ank_buf_str(&r.body));
	long long rev0 = jint(r.json, "rev");
	resp_free(&r);

	char uid[64];
	add_user(&admin, "demo", "Zebrafinch", 1980, "male", "101", uid, NULL);
	long long seq_demo = 0, seq_north = 0, now = wall_ms();
	char events[16384], ev[8][512];
	/* Yesterday's call, then today's three: only today's show. */
	display_event(ev[0], sizeof ev[0], "ticket.issued", 1, "2026-12-01", "waiting", "",
	              now - 90000, uid);
	display_event(ev[1], sizeof ev[1], "ticket.called", 1, "2026-12-01", "called", "1",
	              now - 89000, uid);
	snprintf(events, sizeof events,
	         "[{\"type\":\"site.config\",\"payload\":{\"stations\":[\"1\",\"2\",\"3\"],\"warn_"
	         "min\":20,\"alarm_min\":30,"
	         "\"name\":\"Demo room\",\"languages\":\"da, en,ar,x1,da\",\"staff_pin_hash\":"
	         "\"pinhash-secret\",\"alert\":{\"da\":\"Farlig batch\",\"en\":\"Dangerous batch\","
	         "\"EN\":\"bad lang\"}}},%s,%s]",
	         ev[0], ev[1]);
	st = post_events(t_demo, k_demo, &seq_demo, events);
	display_get(&r, key);
	char got[512];
	labels_of(r.json, "recent", got, sizeof got);
	json_t *langs = json_object_get(r.json, "languages");
	json_t *alert = json_object_get(r.json, "alert");
	expect("display-config",
	       st == 200 && r.status == 200 && !strcmp(jstr(r.json, "name"), "Demo room") &&
	               json_array_size(langs) == 3 &&
	               !strcmp(json_string_value(json_array_get(langs, 0)), "da") &&
	               !strcmp(json_string_value(json_array_get(langs, 2)), "ar") &&
	               json_object_size(alert) == 2 && !strcmp(jstr(alert, "da"), "Farlig batch") &&
	               !strcmp(jstr(alert, "en"), "Dangerous batch"),
	       "%ld %s", st, ank_buf_str(&r.body));
	expect("display-recent-newest-day", !strcmp(got, "I-001@1"), "recent '%s'", got);
	/* The site's revision moves with its kiosks' events (the long-poll waits on it). */
	expect("display-rev-moves", rev0 > 0 && jint(r.json, "rev") > rev0, "rev %lld then %lld",
	       rev0, jint(r.json, "rev"));
	resp_free(&r);
	/* A time-boxed alert shows on the page only within its box, by central's clock: one
	 * that ended a minute ago and one that starts in an hour show nothing, one around now
	 * shows. */
	static const struct {
		const char *name;
		long long from_s, until_s; /* from now; 0: no bound */
		bool shown;
	} boxes[] = {{"display-alert-ended", -3600, -60, false},
	             {"display-alert-not-yet", 3600, 7200, false},
	             {"display-alert-open-end", -60, 0, true},
	             {"display-alert-within", -3600, 3600, true}};
	for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; i++) {
		char from[32] = "", until[32] = "", box[160] = "";
		if (boxes[i].from_s) {
			ank_iso_format(now + boxes[i].from_s * 1000, from, sizeof from);
			snprintf(box + strlen(box), sizeof box - strlen(box),
			         ",\"alert_from\":\"%s\"", from);
		}
		if (boxes[i].until_s) {
			ank_iso_format(now + boxes[i].until_s * 1000, until, sizeof until);
			snprintf(box + strlen(box), sizeof box - strlen(box),
			         ",\"alert_until\":\"%s\"", until);
		}
		snprintf(events, sizeof events,
		         "[{\"type\":\"site.config\",\"payload\":{\"stations\":[\"1\",\"2\",\"3\"],"
		         "\"warn_min\":20,\"alarm_min\":30,\"name\":\"Demo room\",\"languages\":"
		         "\"da,en,ar\",\"alert\":{\"da\":\"Farlig batch\",\"en\":\"Dangerous "
		         "batch\"}%s}}]",
		         box);
		st = post_events(t_demo, k_demo, &seq_demo, events);
		display_get(&r, key);
		size_t n_alert = json_object_size(json_object_get(r.json, "alert"));
		/* Without a severity the alert is a warning. */
		if (boxes[i].shown)
			expect("display-alert-warning",
			       !strcmp(jstr(r.json, "alert_severity"), "warning"), "%.300s",
			       ank_buf_str(&r.body));
		expect(boxes[i].name,
		       st == 200 && r.status == 200 && n_alert == (boxes[i].shown ? 2 : 0),
		       "%ld, %zu alerts: %.300s", st, n_alert, ank_buf_str(&r.body));
		resp_free(&r);
	}
	/* A danger-to-life alert says so, for the page's colours and title. */
	snprintf(events, sizeof events,
	         "[{\"type\":\"site.config\",\"payload\":{\"stations\":[\"1\",\"2\",\"3\"],"
	         "\"warn_min\":20,\"alarm_min\":30,\"name\":\"Demo room\",\"languages\":"
	         "\"da,en,ar\",\"alert\":{\"da\":\"Farlig batch\",\"en\":\"Dangerous batch\"},"
	         "\"alert_severity\":\"danger\"}}]");
	st = post_events(t_demo, k_demo, &seq_demo, events);
	display_get(&r, key);
	expect("display-alert-danger",
	       st == 200 && !strcmp(jstr(r.json, "alert_severity"), "danger") &&
	               json_object_size(json_object_get(r.json, "alert")) == 2,
	       "%ld %.300s", st, ank_buf_str(&r.body));
	resp_free(&r);

	display_event(ev[0], sizeof ev[0], "ticket.issued", 2, "2026-12-02", "waiting", "",
	              now - 80000, uid);
	display_event(ev[1], sizeof ev[1], "ticket.issued", 3, "2026-12-02", "waiting", "",
	              now - 79000, uid);
	display_event(ev[2], sizeof ev[2], "ticket.issued", 4, "2026-12-02", "waiting", "",
	              now - 78000, uid);
	display_event(ev[3], sizeof ev[3], "ticket.called", 2, "2026-12-02", "called", "1",
	              now - 70000, uid);
	display_event(ev[4], sizeof ev[4], "session.started", 2, "2026-12-02", "in_session", "1",
	              now - 69000, uid);
	display_event(ev[5], sizeof ev[5], "ticket.called", 3, "2026-12-02", "called", "2",
	              now - 68000, uid);
	display_event(ev[6], sizeof ev[6], "session.ended", 2, "2026-12-02", "done", "1",
	              now - 60000, uid);
	display_event(ev[7], sizeof ev[7], "ticket.called", 4, "2026-12-02", "called", "3",
	              now - 50000, uid);
	snprintf(events, sizeof events, "[%s,%s,%s,%s,%s,%s,%s,%s]", ev[0], ev[1], ev[2], ev[3],
	         ev[4], ev[5], ev[6], ev[7]);
	st = post_events(t_demo, k_demo, &seq_demo, events);
	/* Another site's calls stay on its own screens; there, a call of 13 hours ago is too
	 * old to show even on the current day. */
	display_event(ev[0], sizeof ev[0], "ticket.issued", 9, "2026-12-02", "waiting", "",
	              now - 40000, uid);
	display_event(ev[1], sizeof ev[1], "ticket.called", 9, "2026-12-02", "called", "1",
	              now - 39000, uid);
	display_event(ev[2], sizeof ev[2], "ticket.issued", 10, "2026-12-02", "waiting", "",
	              now - 13 * 3600000LL, uid);
	display_event(ev[3], sizeof ev[3], "ticket.called", 10, "2026-12-02", "called", "2",
	              now - 13 * 3600000LL, uid);
	snprintf(events, sizeof events, "[%s,%s,%s,%s]", ev[0], ev[1], ev[2], ev[3]);
	long st_north = post_events(t_north, k_north, &seq_north, events);
	display_get(&r, key);
	char calling[512];
	labels_of(r.json, "calling", calling, sizeof calling);
	labels_of(r.json, "recent", got, sizeof got);
	json_t *c0 = json_array_get(json_object_get(r.json, "calling"), 0);
	expect("display-calling",
	       st == 200 && st_north == 200 && !strcmp(calling, "I-004@3 I-003@2"),
	       "%ld %ld calling '%s'", st, st_north, calling);
	expect("display-calling-time", jint(c0, "at_ms") == now - 50000, "%s",
	       ank_buf_str(&r.body));
	expect("display-recent-today", !strcmp(got, "I-004@3 I-003@2 I-002@1"), "recent '%s'", got);
	/* What a waiting room may see: labels and stations. Never who, nor what they take. */
	const char *body = ank_buf_str(&r.body);
	expect("display-no-user-data",
	       !strstr(body, uid) && !strstr(body, "Zebrafinch") && !strstr(body, "heroin") &&
	               !strstr(body, "inject") && !strstr(body, "pinhash") &&
	               !strstr(body, "\"user\"") && !strstr(body, "substance") &&
	               !strstr(body, "\"route\"") && !strstr(body, k_demo),
	       "%s", body);
	resp_free(&r);

	/* More calls than the list holds: the newest six. */
	char *p = events;
	p += snprintf(p, sizeof events, "[");
	for (int n = 5; n <= 8; n++) {
		display_event(ev[0], sizeof ev[0], "ticket.issued", n, "2026-12-02", "waiting", "",
		              now - 30000 + n * 100, uid);
		display_event(ev[1], sizeof ev[1], "ticket.called", n, "2026-12-02", "called", "1",
		              now - 20000 + n * 100, uid);
		p += snprintf(p, (size_t)(events + sizeof events - p), "%s%s,%s", n > 5 ? "," : "",
		              ev[0], ev[1]);
	}
	snprintf(p, (size_t)(events + sizeof events - p), "]");
	st = post_events(t_demo, k_demo, &seq_demo, events);
	display_get(&r, key);
	labels_of(r.json, "recent", got, sizeof got);
	expect("display-recent-six",
	       st == 200 && !strcmp(got, "I-008@1 I-007@1 I-006@1 I-005@1 "
	                                 "I-004@3 I-003@2"),
	       "%ld recent '%s'", st, got);
	resp_free(&r);

	/* A freeze: the screen shows the pause and no ticket at all. */
	st = post_events(t_demo, k_demo, &seq_demo, "[{\"type\":\"site.frozen\",\"payload\":{}}]");
	display_get(&r, key);
	expect("display-frozen",
	       st == 200 && r.status == 200 && json_is_true(json_object_get(r.json, "frozen")) &&
	               json_array_size(json_object_get(r.json, "calling")) == 0 &&
	               json_array_size(json_object_get(r.json, "recent")) == 0 &&
	               json_object_size(json_object_get(r.json, "alert")) == 2,
	       "%ld %s", st, ank_buf_str(&r.body));
	resp_free(&r);
	/* The page's long-poll: held while nothing changes, woken by the resume. */
	display_get(&r, key);
	long long rev = jint(r.json, "rev");
	resp_free(&r);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/display?after=%lld&wait=1", rev);
	long long t0 = wall_ms();
	st = status_of("GET", path, NULL, NULL, NULL, key);
	long long took = wall_ms() - t0;
	expect("display-poll-held", st == 200 && took >= 900, "%ld in %lld ms", st, took);
	st = answer_of("GET", "/api/v1/display?after=1&wait=99", NULL, NULL, NULL, key, code);
	expect_error("display-poll-bad-wait", st, code, 400, "bad_request");
	display_poll dp = {.key = key};
	snprintf(dp.path, sizeof dp.path, "/api/v1/display?after=%lld&wait=25", rev);
	pthread_create(&dp.th, NULL, display_poll_run, &dp);
	struct timespec pause = {0, 300 * 1000000L};
	nanosleep(&pause, NULL);
	st = post_events(t_demo, k_demo, &seq_demo, "[{\"type\":\"site.resumed\",\"payload\":{}}]");
	pthread_join(dp.th, NULL);
	expect("display-poll-woken",
	       dp.r.status == 200 && dp.ms < 10000 &&
	               json_is_false(json_object_get(dp.r.json, "frozen")),
	       "%ld after %lld ms", dp.r.status, dp.ms);
	resp_free(&dp.r);
	resp_free(&r);
	display_get(&r, key);
	expect("display-resumed",
	       st == 200 && json_is_false(json_object_get(r.json, "frozen")) &&
	               json_array_size(json_object_get(r.json, "recent")) == 6,
	       "%ld %s", st, ank_buf_str(&r.body));
	resp_free(&r);

	/* Revoking removes every key of the site, and only of that site. */
	char north_key[65];
	display_key("demo", key2);
	display_key("north", north_key);
	ank_buf_reset(&out);
	rc = central(NULL, &out, "display-key", "--db", db, "--site", "demo", "--revoke", NULL);
	expect("display-key-revoke", rc == 0 && strstr(ank_buf_str(&out), "2 display keys"),
	       "exit %d %s", rc, ank_buf_str(&out));
	st = answer_of("GET", "/api/v1/display", NULL, NULL, NULL, key, code);
	expect_error("display-revoked-401", st, code, 401, "unauthorized");
	st = answer_of("GET", "/api/v1/display", NULL, NULL, NULL, key2, code);
	expect_error("display-revoked-second-401", st, code, 401, "unauthorized");
	display_get(&r, north_key);
	labels_of(r.json, "calling", calling, sizeof calling);
	labels_of(r.json, "recent", got, sizeof got);
	expect("display-other-site-kept",
	       r.status == 200 && !strcmp(jstr(r.json, "site"), "north") &&
	               !strcmp(calling, "I-009@1"),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	expect("display-old-call-hidden", !strcmp(got, "I-009@1"), "recent '%s'", got);
	resp_free(&r);
	ank_buf_reset(&out);
	rc = central(NULL, &out, "display-key", "--db", db, "--site", "nowhere", "--revoke", NULL);
	expect("display-key-revoke-unknown-site", rc == 1 && strstr(ank_buf_str(&out), "unknown"),
	       "exit %d %s", rc, ank_buf_str(&out));
	ank_buf_free(&out);
	expect("display-key-again", display_key("demo", key) == 0, "exit not 0");
	st = status_of("GET", "/api/v1/display", NULL, NULL, NULL, key);
	expect("display-new-key-after-revoke", st == 200, "status %ld", st);
}

/* ---- main ---- */

/* ---- pages, static files, catalogs and the console's routes ---- */

static size_t on_discard(char *p, size_t size, size_t n, void *user)
{
	(void)p;
	(void)user;
	return size * n;
}

/* GET path with an If-None-Match header; the status. */
static long conditional_get(const char *path, const char *etag)
{
	CURL *c = curl_easy_init();
	char url[512], h_inm[96];
	snprintf(url, sizeof url, "%s%s", base_url, path);
	snprintf(h_inm, sizeof h_inm, "If-None-Match: %s", etag);
	struct curl_slist *h = curl_slist_append(NULL, h_inm);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_discard);
	long st = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return st;
}

static void web_pages(void)
{
	resp r;
	http(&r, "GET", "/", NULL, 0, NULL, NULL, NULL);
	expect("page-root-redirects", r.status == 303 && !strcmp(r.location, "/staff"),
	       "status %ld Location '%s'", r.status, r.location);
	resp_free(&r);
	http(&r, "GET", "/staff", NULL, 0, NULL, NULL, NULL);
	expect("page-staff-logged-out-to-login",
	       r.status == 303 && !strcmp(r.location, "/staff/login"), "status %ld Location '%s'",
	       r.status, r.location);
	resp_free(&r);
	http(&r, "GET", "/staff", NULL, 0,
	     "00000000000000000000000000000000000000000000000000000000"
	     "00000000",
	     NULL, NULL);
	expect("page-staff-unknown-session-to-login",
	       r.status == 303 && !strcmp(r.location, "/staff/login"), "status %ld", r.status);
	resp_free(&r);
	http(&r, "GET", "/staff/login", NULL, 0, NULL, NULL, NULL);
	bool strict = strstr(r.csp, "default-src 'none'") && strstr(r.csp, "script-src 'self'") &&
	              !strstr(r.csp, "unsafe") && strstr(r.csp, "frame-ancestors 'none'");
	expect("page-login-served-with-csp",
	       r.status == 200 && strict && strstr(r.ctype, "text/html") && r.etag[0] &&
	               strstr(ank_buf_str(&r.body), "<html"),
	       "status %ld CSP '%s' type '%s' etag '%s'", r.status, r.csp, r.ctype, r.etag);
	long st = conditional_get("/staff/login", r.etag);
	expect("page-etag-304", st == 304, "status %ld", st);
	st = conditional_get("/staff/login", "\"0000\"");
	expect("page-other-etag-200", st == 200, "status %ld", st);
	resp_free(&r);
	http(&r, "GET", "/api/v1/i18n", NULL, 0, NULL, NULL, NULL);
	expect("csp-on-json-too", r.status == 200 && strstr(r.csp, "default-src 'none'"),
	       "CSP '%s'", r.csp);
	resp_free(&r);
	/* Nothing outside the manifest: not the manifest itself, no traversal, no other type. */
	const char *absent[] = {"/static/manifest",    "/static/../manifest", "/static/%2e%2e/x.js",
	                        "/static/.hidden.js",  "/static/a.b.js",      "/staff.html",
	                        "/static/nothere.css", "/static/x.JS"};
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
		st = status_of("GET", absent[i], NULL, NULL, NULL, NULL);
		char name[80];
		snprintf(name, sizeof name, "static-refused %s", absent[i]);
		expect(name, st == 404 || st == 400, "status %ld", st);
	}
}

static void web_catalogs(void)
{
	resp r;
	http(&r, "GET", "/api/v1/i18n", NULL, 0, NULL, NULL, NULL);
	json_t *langs = json_object_get(r.json, "languages");
	bool da = false, en = false;
	size_t i;
	json_t *l;
	json_array_foreach(langs, i, l)
	{
		da |= !strcmp(jstr(l, "lang"), "da") && !strcmp(jstr(l, "direction"), "ltr");
		en |= !strcmp(jstr(l, "lang"), "en");
	}
	expect("i18n-list", r.status == 200 && da && en, "%s", ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/i18n/da", NULL, 0, NULL, NULL, NULL);
	json_t *m = json_object_get(r.json, "messages");
	expect("i18n-da-catalog",
	       r.status == 200 && !strcmp(jstr(r.json, "lang"), "da") &&
	               !strcmp(jstr(m, "welcome.title"), "Velkommen"),
	       "status %ld", r.status);
	resp_free(&r);
	char code[32];
	long st = answer_of("GET", "/api/v1/i18n/zz", NULL, NULL, NULL, NULL, code);
	expect_error("i18n-unknown-language", st, code, 404, "not_found");
}

static void web_me(void)
{
	session s;
	login("boss", admin_pw, &s);
	resp r;
	http(&r, "GET", "/api/v1/me", NULL, 0, s.token, NULL, NULL);
	expect("me-admin",
	       r.status == 200 && !strcmp(jstr(r.json, "user"), "boss") &&
	               !strcmp(jstr(r.json, "role"), "admin") &&
	               json_is_null(json_object_get(r.json, "site")) &&
	               !strcmp(jstr(r.json, "csrf"), s.csrf),
	       "%s", ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/staff", NULL, 0, s.token, NULL, NULL);
	expect("page-staff-with-session", r.status == 200 && strstr(r.ctype, "text/html"),
	       "status %ld", r.status);
	resp_free(&r);
	char code[32];
	long st = answer_of("GET", "/api/v1/me", NULL, NULL, NULL, NULL, code);
	expect_error("me-logged-out", st, code, 401, "unauthorized");
	post(&r, &s, "/api/v1/logout", "{\"v\":1}");
	resp_free(&r);
	st = answer_of("GET", "/api/v1/me", NULL, s.token, NULL, NULL, code);
	expect_error("me-after-logout", st, code, 401, "unauthorized");
}

/* A broken install is refused at start with the file named, before anything is served. */
static void web_bad_manifest(void)
{
	char wdir[200], path[260], conf[260];
	snprintf(wdir, sizeof wdir, "%s/badweb", dir);
	mkdir(wdir, 0700);
	snprintf(path, sizeof path, "%s/manifest", wdir);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("../central.db\n", f);
		fclose(f);
	}
	snprintf(conf, sizeof conf, "%s/badweb.ini", dir);
	f = fopen(conf, "w");
	if (f) {
		fprintf(f, "[central]\nweb_dir = %s\n", wdir);
		fclose(f);
	}
	ank_buf out;
	ank_buf_init(&out, CAPTURE_MAX);
	int rc = central(NULL, &out, "serve", "--db", db, "--config", conf, "--listen",
	                 "127.0.0.1:0", NULL);
	expect("web-bad-manifest-refused",
	       rc != 0 && strstr(ank_buf_str(&out), "not a plain relative path"), "rc %d: %s", rc,
	       ank_buf_str(&out));
	ank_buf_free(&out);
}

/* The console's live queue: its revision, the long-poll on it, the site's settings, the
 * ticket on each station, acknowledgements and the kiosk's unsent count. */
typedef struct held_poll {
	pthread_t th;
	char path[160];
	const session *s;
	resp r;
	long long ms; /* how long the answer took */
} held_poll;

static void *held_poll_run(void *arg)
{
	held_poll *h = arg;
	long long t0 = wall_ms();
	http(&h->r, "GET", h->path, NULL, 0, h->s->token, NULL, NULL);
	h->ms = wall_ms() - t0;
	return NULL;
}

static void web_console(void)
{
	session admin, wanda, wolf;
	login("boss", admin_pw, &admin);
	add_account(&admin, "wanda", "staff", "demo");
	add_account(&admin, "wolf", "staff", "far");
	login("wanda", staff_pw, &wanda);
	login("wolf", staff_pw, &wolf);
	char token[65], kiosk[64], events[3072];
	long long seq = 0;
	if (!expect("console-pair", pair("demo", token, kiosk) == 0, "no kiosk"))
		return;
	snprintf(events, sizeof events,
	         "[{\"type\":\"site.config\",\"payload\":{\"stations\":[\"1\",\"2\"],"
	         "\"name\":\"Demo-rummet\",\"timezone\":\"Europe/Copenhagen\",\"warn_min\":20,"
	         "\"alarm_min\":30,\"languages\":\"da,en\",\"alert\":{\"da\":\"Pas p\u00e5\"},"
	         "\"staff_pin_hash\":\"PIN-HASH-NEVER-SHOWN\"}},"
	         "{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":1,\"label\":\"I-001\","
	         "\"day\":\"2026-12-02\",\"route\":\"inject\",\"substance\":\"heroin\","
	         "\"user\":\"u-1\",\"state\":\"waiting\"}},"
	         "{\"type\":\"session.started\",\"payload\":{\"ticket\":1,\"label\":\"I-001\","
	         "\"day\":\"2026-12-02\",\"route\":\"inject\",\"substance\":\"heroin\","
	         "\"user\":\"u-1\",\"state\":\"in_session\",\"station\":\"1\"}},"
	         "{\"type\":\"station.state\",\"payload\":{\"station\":\"1\",\"state\":"
	         "\"occupied\"}}]");
	long st = post_events(token, kiosk, &seq, events);
	resp r;
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, wanda.token, NULL, NULL);
	json_t *info = json_object_get(r.json, "site_info");
	json_t *s1 = json_array_get(json_object_get(r.json, "stations"), 0);
	long long rev = jint(r.json, "rev");
	expect("queue-site-info",
	       st == 200 && jint(info, "warn_min") == 20 && jint(info, "alarm_min") == 30 &&
	               !strcmp(jstr(info, "name"), "Demo-rummet") &&
	               !strcmp(json_string_value(
	                               json_array_get(json_object_get(info, "languages"), 1)),
	                       "en") &&
	               !strcmp(jstr(json_object_get(info, "alert"), "da"), "Pas p\u00e5") &&
	               !strstr(ank_buf_str(&r.body), "PIN-HASH"),
	       "%ld %s", st, ank_buf_str(&r.body));
	expect("queue-station-ticket",
	       !strcmp(jstr(s1, "label"), "I-001") && jint(s1, "ticket") == 1 &&
	               !strcmp(jstr(s1, "state"), "occupied") &&
	               json_is_null(json_object_get(s1, "ack")) && rev > 0,
	       "%s", ank_buf_str(&r.body));
	resp_free(&r);

	/* Nothing new: the poll is held for its wait and answers the same revision. */
	char path[160];
	snprintf(path, sizeof path, "/api/v1/sites/demo/queue?after=%lld&wait=1", rev);
	long long t0 = wall_ms();
	http(&r, "GET", path, NULL, 0, wanda.token, NULL, NULL);
	long long took = wall_ms() - t0;
	expect("queue-poll-held-without-news",
	       r.status == 200 && jint(r.json, "rev") == rev && took >= 900,
	       "%ld rev %lld in %lld ms", r.status, jint(r.json, "rev"), took);
	resp_free(&r);
	/* Another revision than the current one: answered at once. */
	snprintf(path, sizeof path, "/api/v1/sites/demo/queue?after=%lld&wait=20", rev - 1);
	t0 = wall_ms();
	http(&r, "GET", path, NULL, 0, wanda.token, NULL, NULL);
	took = wall_ms() - t0;
	expect("queue-poll-old-rev-at-once", r.status == 200 && took < 5000, "%ld in %lld ms",
	       r.status, took);
	resp_free(&r);
	/* A kiosk's event wakes the held poll long before its wait ends. */
	held_poll h = {.s = &wanda};
	snprintf(h.path, sizeof h.path, "/api/v1/sites/demo/queue?after=%lld&wait=25", rev);
	pthread_create(&h.th, NULL, held_poll_run, &h);
	struct timespec pause = {0, 300 * 1000000L};
	nanosleep(&pause, NULL);
	snprintf(events, sizeof events,
	         "[{\"type\":\"ticket.issued\",\"payload\":{\"ticket\":2,\"label\":\"I-002\","
	         "\"day\":\"2026-12-02\",\"route\":\"inject\",\"substance\":\"cocaine\","
	         "\"user\":\"u-2\",\"state\":\"waiting\"}}]");
	post_events(token, kiosk, &seq, events);
	pthread_join(h.th, NULL);
	expect("queue-poll-woken-by-event",
	       h.r.status == 200 && jint(h.r.json, "rev") > rev && h.ms < 10000 &&
	               json_array_size(json_object_get(h.r.json, "tickets")) == 2,
	       "%ld rev %lld after %lld ms", h.r.status, jint(h.r.json, "rev"), h.ms);
	rev = jint(h.r.json, "rev");
	resp_free(&h.r);
	char code[32];
	st = answer_of("GET", "/api/v1/sites/demo/queue?after=-1&wait=1", NULL, wanda.token, NULL,
	               NULL, code);
	expect_error("queue-poll-bad-after", st, code, 400, "bad_request");
	st = answer_of("GET", "/api/v1/sites/demo/queue?after=1&wait=31", NULL, wanda.token, NULL,
	               NULL, code);
	expect_error("queue-poll-wait-too-long", st, code, 400, "bad_request");

	/* Acknowledging the alarm: stored with who, shown on the station, a new revision. */
	char ack[256];
	snprintf(ack, sizeof ack,
	         "{\"v\":1,\"kiosk\":\"%s\",\"station\":\"1\",\"ticket\":1,\"level\":\"alarm\"}",
	         kiosk);
	post(&r, &wanda, "/api/v1/sites/demo/alarms", ack);
	expect("alarm-ack",
	       r.status == 201 && jint(r.json, "ack") > 0 && !strcmp(jstr(r.json, "by"), "wanda"),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, wanda.token, NULL, NULL);
	s1 = json_array_get(json_object_get(r.json, "stations"), 0);
	json_t *a = json_object_get(s1, "ack");
	expect("alarm-ack-on-station",
	       !strcmp(jstr(a, "level"), "alarm") && !strcmp(jstr(a, "by"), "wanda") &&
	               jint(a, "at_ms") > 0 && jint(r.json, "rev") > rev,
	       "%s", ank_buf_str(&r.body));
	resp_free(&r);
	const struct {
		const char *name, *body;
		long st;
		const char *code;
	} bad_acks[] = {
	        {"alarm-ack-unknown-station",
	         "{\"v\":1,\"kiosk\":\"%s\",\"station\":\"9\",\"ticket\":1,\"level\":\"alarm\"}",
	         404, "not_found"},
	        {"alarm-ack-bad-level",
	         "{\"v\":1,\"kiosk\":\"%s\",\"station\":\"1\",\"ticket\":1,\"level\":\"loud\"}",
	         400, "invalid_field"},
	        {"alarm-ack-bad-ticket",
	         "{\"v\":1,\"kiosk\":\"%s\",\"station\":\"1\",\"ticket\":0,\"level\":\"warn\"}",
	         400, "invalid_field"},
	        {"alarm-ack-unknown-field",
	         "{\"v\":1,\"kiosk\":\"%s\",\"station\":\"1\",\"ticket\":1,\"level\":\"warn\","
	         "\"by\":\"x\"}",
	         400, "invalid_field"},
	};
	for (size_t i = 0; i < sizeof bad_acks / sizeof bad_acks[0]; i++) {
		char body[256];
		snprintf(body, sizeof body, bad_acks[i].body, kiosk);
		http(&r, "POST", "/api/v1/sites/demo/alarms", body, 0, wanda.token, wanda.csrf,
		     NULL);
		expect_error(bad_acks[i].name, r.status, jstr(r.json, "code"), bad_acks[i].st,
		             bad_acks[i].code);
		resp_free(&r);
	}
	http(&r, "POST", "/api/v1/sites/demo/alarms", ack, 0, wolf.token, wolf.csrf, NULL);
	expect_error("alarm-ack-other-site", r.status, jstr(r.json, "code"), 403, "forbidden");
	resp_free(&r);

	/* The kiosk's unsent count, from its change poll. */
	http(&r, "GET", "/api/v1/sync/changes?since=0&wait=0&unsent=5", NULL, 0, NULL, NULL, token);
	resp_free(&r);
	http(&r, "GET", "/api/v1/sync/changes?since=0&wait=0&unsent=x", NULL, 0, NULL, NULL, token);
	long bad_unsent = r.status;
	resp_free(&r);
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, wanda.token, NULL, NULL);
	json_t *k0 = json_array_get(json_object_get(r.json, "kiosks"), 0);
	expect("kiosk-unsent", jint(k0, "unsent") == 5 && bad_unsent == 200, "%ld %s", bad_unsent,
	       ank_buf_str(&r.body));
	resp_free(&r);
}

/* "Call staff" from a kiosk: a synced help.requested is in the queue view at once (it wakes a
 * held long-poll) with the kiosk, its id and time only; "I'm on it" takes it off with who and
 * when, and the first taker stays; closed at the kiosk (help.answered) or lapsed, it is gone
 * too; unknown requests, other sites and bad bodies are refused. */
static void web_help(void)
{
	session wanda, wolf;
	login("wanda", staff_pw, &wanda);
	login("wolf", staff_pw, &wolf);
	char token[65], kiosk[64], events[512], body[256], code[32];
	long long seq = 0;
	if (!expect("help-pair", pair("demo", token, kiosk) == 0, "no kiosk"))
		return;
	resp r;
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, wanda.token, NULL, NULL);
	long long rev = jint(r.json, "rev");
	expect("help-none-at-first",
	       r.status == 200 && json_is_array(json_object_get(r.json, "help")) &&
	               json_array_size(json_object_get(r.json, "help")) == 0,
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	held_poll h = {.s = &wanda};
	snprintf(h.path, sizeof h.path, "/api/v1/sites/demo/queue?after=%lld&wait=25", rev);
	pthread_create(&h.th, NULL, held_poll_run, &h);
	struct timespec pause = {0, 300 * 1000000L};
	nanosleep(&pause, NULL);
	long st = post_events(token, kiosk, &seq,
	                      "[{\"type\":\"help.requested\",\"payload\":{\"id\":1}}]");
	pthread_join(h.th, NULL);
	json_t *h0 = json_array_get(json_object_get(h.r.json, "help"), 0);
	expect("help-in-queue-at-once",
	       st == 200 && h.r.status == 200 && jint(h.r.json, "rev") > rev && h.ms < 10000 &&
	               json_array_size(json_object_get(h.r.json, "help")) == 1 &&
	               !strcmp(jstr(h0, "kiosk"), kiosk) && jint(h0, "id") == 1 &&
	               jint(h0, "asked_ms") > 0 && json_object_size(h0) == 3,
	       "%ld %ld after %lld ms: %s", st, h.r.status, h.ms, ank_buf_str(&h.r.body));
	rev = jint(h.r.json, "rev");
	resp_free(&h.r);

	snprintf(body, sizeof body, "{\"v\":1,\"kiosk\":\"%s\",\"id\":1}", kiosk);
	post(&r, &wanda, "/api/v1/sites/demo/help", body);
	expect("help-ack",
	       r.status == 201 && !strcmp(jstr(r.json, "by"), "wanda") && jint(r.json, "id") == 1 &&
	               jint(r.json, "at_ms") > 0,
	       "%ld %s", r.status, ank_buf_str(&r.body));
	long long at = jint(r.json, "at_ms");
	resp_free(&r);
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, wanda.token, NULL, NULL);
	expect("help-ack-leaves-queue",
	       json_array_size(json_object_get(r.json, "help")) == 0 && jint(r.json, "rev") > rev,
	       "%s", ank_buf_str(&r.body));
	resp_free(&r);
	post(&r, &wanda, "/api/v1/sites/demo/help", body);
	expect("help-ack-again-keeps-first",
	       r.status == 200 && !strcmp(jstr(r.json, "by"), "wanda") &&
	               jint(r.json, "at_ms") == at,
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "POST", "/api/v1/sites/demo/help", body, 0, wolf.token, wolf.csrf, NULL);
	expect_error("help-ack-other-site", r.status, jstr(r.json, "code"), 403, "forbidden");
	resp_free(&r);
	const struct {
		const char *name, *body;
		long st;
		const char *code;
	} bad[] = {
	        {"help-ack-unknown-id", "{\"v\":1,\"kiosk\":\"%s\",\"id\":9}", 404, "not_found"},
	        {"help-ack-unknown-kiosk", "{\"v\":1,\"kiosk\":\"k-nobody%.0s\",\"id\":1}", 404,
	         "not_found"},
	        {"help-ack-bad-json", "{\"v\":1,\"kiosk\":\"%s\",", 400, "invalid_json"},
	        {"help-ack-bad-id", "{\"v\":1,\"kiosk\":\"%s\",\"id\":0}", 400, "invalid_field"},
	        {"help-ack-id-not-int", "{\"v\":1,\"kiosk\":\"%s\",\"id\":\"1\"}", 400,
	         "invalid_field"},
	        {"help-ack-no-kiosk", "{\"v\":1,\"id\":1%.0s}", 400, "invalid_field"},
	        {"help-ack-unknown-field", "{\"v\":1,\"kiosk\":\"%s\",\"id\":1,\"name\":\"x\"}",
	         400, "invalid_field"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body, bad[i].body, kiosk);
		st = answer_of("POST", "/api/v1/sites/demo/help", body, wanda.token, wanda.csrf,
		               NULL, code);
		expect_error(bad[i].name, st, code, bad[i].st, bad[i].code);
	}

	/* Closed at the kiosk: help.answered takes it off; one asked long ago has lapsed. */
	post_events(token, kiosk, &seq, "[{\"type\":\"help.requested\",\"payload\":{\"id\":2}}]");
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, wanda.token, NULL, NULL);
	long n_open = (long)json_array_size(json_object_get(r.json, "help"));
	resp_free(&r);
	post_events(token, kiosk, &seq, "[{\"type\":\"help.answered\",\"payload\":{\"id\":2}}]");
	snprintf(events, sizeof events,
	         "[{\"type\":\"help.requested\",\"at\":%lld,\"payload\":{\"id\":3}}]",
	         (long long)time(NULL) * 1000 - ANK_HELP_OPEN_MS - 60000);
	post_events(token, kiosk, &seq, events);
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, wanda.token, NULL, NULL);
	expect("help-answered-and-lapsed-gone",
	       n_open == 1 && json_array_size(json_object_get(r.json, "help")) == 0, "%ld then %s",
	       n_open, ank_buf_str(&r.body));
	resp_free(&r);
	/* A help event without its id is refused like any event that does not fit. */
	st = post_events_code(token, kiosk, &seq,
	                      "[{\"type\":\"help.requested\",\"payload\":{\"name\":\"Sx\"}}]",
	                      code);
	expect("help-event-without-id-refused", st == 400, "%ld %s", st, code);
}

/* Looking users up: folded, within the staff member's municipality, never a linkage key. */
static void web_users(void)
{
	session admin, wanda, wolf;
	login("boss", admin_pw, &admin);
	login("wanda", staff_pw, &wanda);
	login("wolf", staff_pw, &wolf);
	char id[64];
	long st = add_user(&wanda, NULL, "Søren Ås", 1980, "male", "101", id, NULL);
	add_user(&wanda, NULL, "Sofie", 1991, "female", "101", NULL, NULL);
	resp r;
	http(&r, "GET", "/api/v1/users?nickname=soren", NULL, 0, wanda.token, NULL, NULL);
	json_t *u0 = json_array_get(json_object_get(r.json, "users"), 0);
	expect("users-find-folded",
	       st == 201 && r.status == 200 &&
	               json_array_size(json_object_get(r.json, "users")) == 1 &&
	               !strcmp(jstr(u0, "id"), id) && jint(u0, "birth_year") == 1980 &&
	               !strcmp(jstr(u0, "site"), "demo") &&
	               json_is_null(json_object_get(u0, "quarantine_until")) &&
	               !json_object_get(u0, "linkage"),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/users?nickname=as", NULL, 0, wanda.token, NULL, NULL);
	expect("users-find-second-word", json_array_size(json_object_get(r.json, "users")) == 1,
	       "%s", ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/users?nickname=so", NULL, 0, wanda.token, NULL, NULL);
	expect("users-find-prefix-two", json_array_size(json_object_get(r.json, "users")) == 2,
	       "%s", ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/users?nickname=S%C3%98REN%20%C3%85S&exact=1", NULL, 0, wanda.token,
	     NULL, NULL);
	long n_exact = (long)json_array_size(json_object_get(r.json, "users"));
	resp_free(&r);
	http(&r, "GET", "/api/v1/users?nickname=soren&exact=1", NULL, 0, wanda.token, NULL, NULL);
	expect("users-find-exact",
	       n_exact == 1 && json_array_size(json_object_get(r.json, "users")) == 0, "%ld, %s",
	       n_exact, ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/users?nickname=soren", NULL, 0, wolf.token, NULL, NULL);
	expect("users-find-other-municipality",
	       r.status == 200 && json_array_size(json_object_get(r.json, "users")) == 0, "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/users?nickname=soren", NULL, 0, admin.token, NULL, NULL);
	expect("users-find-admin", json_array_size(json_object_get(r.json, "users")) == 1, "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);
	char code[32];
	const char *bad[] = {"/api/v1/users", "/api/v1/users?nickname=s",
	                     "/api/v1/users?nickname=%FF%FE",
	                     "/api/v1/users?nickname=so&exact=yes"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		st = answer_of("GET", bad[i], NULL, wanda.token, NULL, NULL, code);
		char name[96];
		snprintf(name, sizeof name, "users-find-refused %s", bad[i]);
		expect_error(name, st, code, 400, "invalid_field");
	}
	http(&r, "GET", "/api/v1/municipalities", NULL, 0, wanda.token, NULL, NULL);
	json_t *list = json_object_get(r.json, "municipalities");
	bool kbh = false;
	size_t i;
	json_t *m;
	json_array_foreach(list, i, m) kbh |=
	        !strcmp(jstr(m, "code"), "101") && !strcmp(jstr(m, "name"), "København");
	expect("municipalities", r.status == 200 && kbh && json_array_size(list) > 90, "%ld",
	       r.status);
	resp_free(&r);
}

/* The waiting-room page's pictograms: the vetted icons only, as SVG, public. */
static void web_icons(void)
{
	resp r;
	http(&r, "GET", "/icons/clock.svg", NULL, 0, NULL, NULL, NULL);
	expect("icon-served",
	       r.status == 200 && strstr(r.ctype, "image/svg+xml") && r.etag[0] &&
	               strstr(ank_buf_str(&r.body), "<svg"),
	       "status %ld type '%s'", r.status, r.ctype);
	resp_free(&r);
	/* heroin.svg is a kiosk icon, but not one of the information screens' vetted set. */
	static const char *const refused[] = {"/icons/heroin.svg", "/icons/..%2Fsite.ini",
	                                      "/icons/clock"};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		long st = status_of("GET", refused[i], NULL, NULL, NULL, NULL);
		expect("icon-not-vetted-refused", st == 404 || st == 400, "%s: status %ld",
		       refused[i], st);
	}
}

static void group_web(void)
{
	web_pages();
	web_icons();
	web_catalogs();
	web_me();
	web_console();
	web_help();
	web_users();
	web_bad_manifest();
}

/* ---- group: admin (issue 13: the administrators' console) ---- */

/* A kiosk's long-poll held on another thread. */
typedef struct kiosk_poll {
	pthread_t th;
	char path[160], token[65];
	resp r;
	long long ms;
} kiosk_poll;

static void *kiosk_poll_run(void *arg)
{
	kiosk_poll *k = arg;
	long long t0 = wall_ms();
	http(&k->r, "GET", k->path, NULL, 0, NULL, NULL, k->token);
	k->ms = wall_ms() - t0;
	return NULL;
}

/* The entry of `list` (an array of objects) whose `key` is `value`, borrowed; NULL if none. */
static json_t *find_by(json_t *list, const char *key, const char *value)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) if (!strcmp(jstr(o, key), value)) return o;
	return NULL;
}

/* The audit rows an admin sees for `query` ("" for all): a new reference to the array. */
static json_t *audit_of(const session *admin, const char *query)
{
	char path[256];
	snprintf(path, sizeof path, "/api/v1/audit%s", query);
	resp r;
	http(&r, "GET", path, NULL, 0, admin->token, NULL, NULL);
	json_t *e = json_incref(json_object_get(r.json, "entries"));
	resp_free(&r);
	return e ? e : json_array();
}

/* Whether an audit row has action, and object and result when not NULL. */
/* The value of the metric line that starts with `name` (e.g. "ankomst_kiosks "), -1 when
 * there is none. */
static long long metric_value(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n)) {
			long v = -1;
			char num[32];
			snprintf(num, sizeof num, "%.*s", (int)strcspn(p + n, "\n"), p + n);
			if (ank_parse_long(num, 0, 1000000000, &v))
				return -1;
			return v;
		}
	return -1;
}

static bool audit_has(json_t *rows, const char *actor, const char *action, const char *object,
                      const char *result)
{
	size_t i;
	json_t *o;
	json_array_foreach(rows, i, o)
	{
		if (!strcmp(jstr(o, "actor"), actor) && !strcmp(jstr(o, "action"), action) &&
		    (!object || !strcmp(jstr(o, "object"), object)) &&
		    (!result || !strcmp(jstr(o, "result"), result)))
			return true;
	}
	return false;
}

/* Runs the sqlite3 shell on central.db with `sql` on stdin; its exit status. */
static int sqlite_shell(const char *sql)
{
	char in[1024];
	snprintf(in, sizeof in, ".timeout 5000\n%s\n", sql);
	const char *argv[] = {"sqlite3", "-bail", db, NULL};
	return proc_run(argv, in, NULL);
}

/* `central audit-verify`: its exit status, and its output (stdout and stderr) into out. */
static int audit_verify(char *out, size_t cap)
{
	ank_buf b;
	ank_buf_init(&b, 65536);
	int rc = central(NULL, &b, "audit-verify", "--db", db, NULL);
	snprintf(out, cap, "%s", ank_buf_str(&b));
	ank_buf_free(&b);
	return rc;
}

static void admin_version(void)
{
	ank_buf out;
	ank_buf_init(&out, 4096);
	int rc = central(NULL, &out, "--version", NULL);
	expect("version-central",
	       rc == 0 && !strcmp(ank_buf_str(&out), "ankomst-central " ANK_VERSION_STRING "\n"),
	       "exit %d, '%s'", rc, ank_buf_str(&out));
	ank_buf_free(&out);
}

/* Every admin route refuses a staff session with 403 (and nothing without one but 401). */
static void admin_forbidden(const session *staff)
{
	static const struct {
		const char *method, *path, *body;
	} routes[] = {
	        {"GET", "/api/v1/kiosks", NULL},
	        {"POST", "/api/v1/kiosks/k-x/revoke", "{\"v\":1}"},
	        {"GET", "/api/v1/accounts", NULL},
	        {"POST", "/api/v1/accounts/boss", "{\"v\":1,\"disabled\":true}"},
	        {"GET", "/api/v1/audit", NULL},
	        {"GET", "/api/v1/sites", NULL},
	        {"POST", "/api/v1/sites/demo/pair-code", "{\"v\":1}"},
	        {"GET", "/admin", NULL},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		char name[128], code[32];
		long st = answer_of(routes[i].method, routes[i].path, routes[i].body, staff->token,
		                    staff->csrf, NULL, code);
		snprintf(name, sizeof name, "staff-forbidden %s %s", routes[i].method,
		         routes[i].path);
		expect(name, st == 403, "status %ld", st);
		snprintf(name, sizeof name, "anonymous %s %s", routes[i].method, routes[i].path);
		st = status_of(routes[i].method, routes[i].path, routes[i].body, NULL, NULL, NULL);
		/* The page sends a browser to log in; the routes answer 401. */
		expect(name, st == (strcmp(routes[i].path, "/admin") ? 401 : 303), "status %ld",
		       st);
	}
}

/* A pairing code from the page's route, a kiosk that reports its version, the list. */
static void admin_kiosks(const session *admin, char token[65], char kiosk[64])
{
	resp r;
	post(&r, admin, "/api/v1/sites/demo/pair-code", "{\"v\":1}");
	char body[96];
	snprintf(body, sizeof body, "{\"v\":1,\"code\":\"%s\"}", jstr(r.json, "code"));
	expect("pair-code", r.status == 201 && strlen(jstr(r.json, "code")) == 14, "%ld %s",
	       r.status, ank_buf_str(&r.body));
	resp_free(&r);
	char code[32];
	long st = answer_of("POST", "/api/v1/sites/nowhere/pair-code", "{\"v\":1}", admin->token,
	                    admin->csrf, NULL, code);
	expect_error("pair-code-unknown-site", st, code, 404, "not_found");
	http(&r, "POST", "/api/v1/pair", body, 0, NULL, NULL, NULL);
	snprintf(token, 65, "%s", jstr(r.json, "token"));
	snprintf(kiosk, 64, "%s", jstr(r.json, "kiosk"));
	expect("pair-code-redeemed", r.status == 200 && strlen(token) == 64, "%ld", r.status);
	resp_free(&r);
	/* A kiosk of this version reports it with its poll; an old one sends none. */
	st = status_of("GET", "/api/v1/sync/changes?since=0&wait=0&unsent=4&version=9.8.7-test",
	               NULL, NULL, NULL, token);
	expect("poll-with-version", st == 200, "%ld", st);
	st = status_of("GET", "/api/v1/sync/changes?since=0&wait=0", NULL, NULL, NULL, token);
	expect("poll-without-version", st == 200, "%ld", st);
	http(&r, "GET", "/api/v1/kiosks", NULL, 0, admin->token, NULL, NULL);
	json_t *k = find_by(json_object_get(r.json, "kiosks"), "kiosk", kiosk);
	expect("kiosk-listed",
	       k && !strcmp(jstr(k, "site"), "demo") &&
	               json_is_true(json_object_get(k, "online")) &&
	               !strcmp(jstr(k, "version"), "9.8.7-test") && jint(k, "unsent") == 4 &&
	               json_is_null(json_object_get(k, "revoked_ms")) &&
	               json_is_null(json_object_get(k, "clock_skew_ms")),
	       "%s", ank_buf_str(&r.body));
	resp_free(&r);
	/* A version of another form is not noted. */
	status_of("GET", "/api/v1/sync/changes?since=0&wait=0&version=%3Cb%3E", NULL, NULL, NULL,
	          token);
	http(&r, "GET", "/api/v1/kiosks", NULL, 0, admin->token, NULL, NULL);
	k = find_by(json_object_get(r.json, "kiosks"), "kiosk", kiosk);
	expect("kiosk-version-kept", k && !strcmp(jstr(k, "version"), "9.8.7-test"), "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);
}

/* Revoking a kiosk: the poll it holds ends with 401 at once, then push and poll get 401. */
static void admin_revoke(const session *admin, const char *token, const char *kiosk)
{
	resp r;
	http(&r, "GET", "/api/v1/sync/changes?since=0&wait=0", NULL, 0, NULL, NULL, token);
	long long cursor = jint(r.json, "cursor");
	resp_free(&r);
	kiosk_poll kp = {0};
	snprintf(kp.path, sizeof kp.path, "/api/v1/sync/changes?since=%lld&wait=25", cursor);
	snprintf(kp.token, sizeof kp.token, "%s", token);
	pthread_create(&kp.th, NULL, kiosk_poll_run, &kp);
	usleep(500 * 1000); /* the poll is held by now */
	resp m;
	http(&m, "GET", "/metrics", NULL, 0, NULL, NULL, METRICS_TOKEN);
	long long paired_before = metric_value(ank_buf_str(&m.body), "ankomst_kiosks ");
	/* The build that answers, as --version prints it (common/ank_version.h). */
	expect("metrics-build-info",
	       metric_value(ank_buf_str(&m.body),
	                    "ankomst_build_info{version=\"" ANK_VERSION "\"} ") == 1,
	       "no ankomst_build_info 1 for version %s", ANK_VERSION);
	resp_free(&m);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/kiosks/%s/revoke", kiosk);
	post(&r, admin, path, "{\"v\":1}");
	expect("revoke", r.status == 200 && json_is_true(json_object_get(r.json, "revoked")),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	pthread_join(kp.th, NULL);
	expect("revoke-ends-held-poll", kp.r.status == 401 && kp.ms < 5000,
	       "status %ld after %lld ms", kp.r.status, kp.ms);
	resp_free(&kp.r);
	long long seq = 0;
	char code[32];
	long st = post_events_code(token, kiosk, &seq,
	                           "[{\"type\":\"site.frozen\",\"payload\":{}}]", code);
	expect_error("revoked-push-401", st, code, 401, "unauthorized");
	st = status_of("GET", "/api/v1/sync/changes?since=0&wait=0", NULL, NULL, NULL, token);
	expect("revoked-poll-401", st == 401, "%ld", st);
	/* A revoked kiosk is not counted as paired. */
	http(&m, "GET", "/metrics", NULL, 0, NULL, NULL, METRICS_TOKEN);
	long long paired_after = metric_value(ank_buf_str(&m.body), "ankomst_kiosks ");
	resp_free(&m);
	expect("revoked-not-counted", paired_before >= 1 && paired_after == paired_before - 1,
	       "%lld then %lld", paired_before, paired_after);
	st = answer_of("POST", path, "{\"v\":1}", admin->token, admin->csrf, NULL, code);
	expect_error("revoke-again", st, code, 409, "exists");
	st = answer_of("POST", "/api/v1/kiosks/k-nobody/revoke", "{\"v\":1}", admin->token,
	               admin->csrf, NULL, code);
	expect_error("revoke-unknown-kiosk", st, code, 404, "not_found");
	st = answer_of("POST", path, "{\"v\":1", admin->token, admin->csrf, NULL, code);
	expect_error("revoke-broken-json", st, code, 400, "invalid_json");
	st = answer_of("POST", path, "{\"v\":1,\"why\":\"lost\"}", admin->token, admin->csrf, NULL,
	               code);
	expect_error("revoke-unknown-field", st, code, 400, "invalid_field");
	st = answer_of("POST", path, "{\"v\":1}", admin->token, NULL, NULL, code);
	expect_error("revoke-without-csrf", st, code, 403, "csrf");
	http(&r, "GET", "/api/v1/kiosks", NULL, 0, admin->token, NULL, NULL);
	json_t *k = find_by(json_object_get(r.json, "kiosks"), "kiosk", kiosk);
	expect("kiosk-listed-revoked",
	       k && jint(k, "revoked_ms") > 0 && json_is_false(json_object_get(k, "online")), "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);
	/* The staff console's queue leaves it out: it never comes back, and a freeze it last
	 * reported must not hold the site. */
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, admin->token, NULL, NULL);
	expect("revoked-not-in-queue",
	       r.status == 200 && !find_by(json_object_get(r.json, "kiosks"), "kiosk", kiosk), "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);
}

/* The operator's revoke from the command line, against the running central: the kiosk's next
 * push is 401, and the audit log has it with "cli" as the address. */
static void admin_revoke_cli(void)
{
	char token[65], kiosk[64];
	pair("demo", token, kiosk);
	long long seq = 0;
	char code[32];
	long st = status_of("GET", "/api/v1/sync/changes?since=0&wait=0", NULL, NULL, NULL, token);
	expect("cli-revoke-before", st == 200, "poll before: %ld", st);
	ank_buf out;
	ank_buf_init(&out, CAPTURE_MAX);
	int rc = central(NULL, &out, "revoke-kiosk", "--db", db, "--kiosk", kiosk, NULL);
	expect("cli-revoke", rc == 0 && strstr(ank_buf_str(&out), "revoked"), "exit %d: %s", rc,
	       ank_buf_str(&out));
	st = post_events_code(token, kiosk, &seq, "[{\"type\":\"site.frozen\",\"payload\":{}}]",
	                      code);
	expect_error("cli-revoked-push-401", st, code, 401, "unauthorized");
	ank_buf_reset(&out);
	rc = central(NULL, &out, "revoke-kiosk", "--db", db, "--kiosk", kiosk, NULL);
	expect("cli-revoke-again", rc == 1 && strstr(ank_buf_str(&out), "revoked already"),
	       "exit %d: %s", rc, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "revoke-kiosk", "--db", db, "--kiosk", "k-nobody", NULL);
	expect("cli-revoke-unknown", rc == 1 && strstr(ank_buf_str(&out), "not paired"),
	       "exit %d: %s", rc, ank_buf_str(&out));
	ank_buf_reset(&out);
	rc = central(NULL, &out, "revoke-kiosk", "--db", db, NULL);
	expect("cli-revoke-needs-kiosk", rc == 2 && strstr(ank_buf_str(&out), "--kiosk"),
	       "exit %d: %s", rc, ank_buf_str(&out));
	ank_buf_free(&out);
	char q[256];
	snprintf(q, sizeof q,
	         "SELECT count(*) FROM audit WHERE action = 'kiosk_revoke' AND object = '%s'"
	         " AND addr = 'cli' AND result = '200'",
	         kiosk);
	expect("cli-revoke-audited", db_int(q) == 1, "%d rows", db_int(q));
}

/* Disabling ends an account's sessions at once, its console's held poll too. */
static void admin_accounts(const session *admin)
{
	session dora, dora2;
	expect("account-create", add_account(admin, "dora", "staff", "demo") == 201, "not 201");
	expect("account-login", login("dora", staff_pw, &dora) == 200, "not 200");
	held_poll hp = {.s = &dora};
	resp r;
	http(&r, "GET", "/api/v1/sites/demo/queue", NULL, 0, dora.token, NULL, NULL);
	snprintf(hp.path, sizeof hp.path, "/api/v1/sites/demo/queue?after=%lld&wait=25",
	         jint(r.json, "rev"));
	resp_free(&r);
	pthread_create(&hp.th, NULL, held_poll_run, &hp);
	usleep(500 * 1000);
	post(&r, admin, "/api/v1/accounts/dora", "{\"v\":1,\"disabled\":true}");
	expect("account-disable", r.status == 200, "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	pthread_join(hp.th, NULL);
	expect("disabled-ends-held-poll", hp.r.status == 401 && hp.ms < 5000,
	       "status %ld after %lld ms", hp.r.status, hp.ms);
	resp_free(&hp.r);
	long st = status_of("GET", "/api/v1/me", NULL, dora.token, NULL, NULL);
	expect("disabled-session-401", st == 401, "%ld", st);
	expect("disabled-login-401", login("dora", staff_pw, &dora2) == 401, "not 401");
	http(&r, "GET", "/api/v1/accounts", NULL, 0, admin->token, NULL, NULL);
	json_t *a = find_by(json_object_get(r.json, "accounts"), "user", "dora");
	expect("account-listed-disabled", a && jint(a, "disabled_ms") > 0, "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);
	post(&r, admin, "/api/v1/accounts/dora", "{\"v\":1,\"disabled\":false}");
	resp_free(&r);
	expect("enabled-login", login("dora", staff_pw, &dora) == 200, "not 200");
	/* A new password ends the old session; the new one works. */
	post(&r, admin, "/api/v1/accounts/dora", "{\"v\":1,\"password\":\"a brand new password\"}");
	expect("account-password", r.status == 200, "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	st = status_of("GET", "/api/v1/me", NULL, dora.token, NULL, NULL);
	expect("password-reset-ends-session", st == 401, "%ld", st);
	expect("password-reset-login", login("dora", "a brand new password", &dora) == 200,
	       "not 200");
	post(&r, admin, "/api/v1/accounts/dora", "{\"v\":1,\"role\":\"staff\",\"site\":\"north\"}");
	expect("account-role-site", r.status == 200, "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	expect("role-change-login",
	       login("dora", "a brand new password", &dora) == 200 && !strcmp(dora.site, "north"),
	       "site '%s'", dora.site);
	char code[32];
	st = answer_of("POST", "/api/v1/accounts/boss", "{\"v\":1,\"disabled\":true}", admin->token,
	               admin->csrf, NULL, code);
	expect_error("account-disable-self", st, code, 403, "forbidden");
	st = answer_of("POST", "/api/v1/accounts/nobody", "{\"v\":1,\"disabled\":true}",
	               admin->token, admin->csrf, NULL, code);
	expect_error("account-unknown", st, code, 404, "not_found");
	st = answer_of("POST", "/api/v1/accounts/dora",
	               "{\"v\":1,\"disabled\":true,\"password\":\"x\"}", admin->token, admin->csrf,
	               NULL, code);
	expect_error("account-two-changes", st, code, 400, "invalid_field");
	st = answer_of("POST", "/api/v1/accounts/dora", "{\"v\":1,\"password\":\"short\"}",
	               admin->token, admin->csrf, NULL, code);
	expect_error("account-short-password", st, code, 400, "invalid_field");
	st = answer_of("POST", "/api/v1/accounts/dora",
	               "{\"v\":1,\"role\":\"staff\",\"site\":\"nowhere\"}", admin->token,
	               admin->csrf, NULL, code);
	expect_error("account-unknown-site", st, code, 400, "invalid_field");
	st = answer_of("POST", "/api/v1/accounts/dora", "[1,2", admin->token, admin->csrf, NULL,
	               code);
	expect_error("account-broken-json", st, code, 400, "invalid_json");
}

/* The audit rows of what the cases above did, a kiosk PIN action, the filters. */
static void admin_audit(const session *admin, const char *revoked)
{
	/* A staff-mode command on a kiosk arrives as an event and is noted as "kiosk PIN". */
	char token[65], kiosk[64];
	long long seq = 0;
	pair("demo", token, kiosk);
	long st = post_events(token, kiosk, &seq,
	                      "[{\"type\":\"staff.action\",\"payload\":{\"type\":\"no_show\","
	                      "\"ticket\":7,\"station\":\"i1\"}}]");
	expect("pin-event-stored", st == 200, "%ld", st);
	/* Closing a help request at the kiosk is done in staff mode too. */
	st = post_events(token, kiosk, &seq,
	                 "[{\"type\":\"help.requested\",\"payload\":{\"id\":3}},"
	                 "{\"type\":\"help.answered\",\"payload\":{\"id\":3}}]");
	expect("pin-help-stored", st == 200, "%ld", st);
	json_t *rows = audit_of(admin, "");
	char object[96];
	snprintf(object, sizeof object, "%s", revoked);
	expect("audit-revoke", audit_has(rows, "boss", "kiosk_revoke", object, "200"), "missing");
	expect("audit-revoke-refused", audit_has(rows, "boss", "kiosk_revoke", object, "409"),
	       "missing");
	expect("audit-disable", audit_has(rows, "boss", "account_change", "dora: disabled", "200"),
	       "missing");
	expect("audit-create", audit_has(rows, "boss", "accounts", NULL, "201"), "missing");
	expect("audit-login", audit_has(rows, "dora", "login", NULL, "200"), "missing");
	bool login_role = false;
	{
		size_t k;
		json_t *o;
		json_array_foreach(rows, k, o) login_role |=
		        !strcmp(jstr(o, "actor"), "dora") && !strcmp(jstr(o, "action"), "login") &&
		        !strcmp(jstr(o, "result"), "200") && !strcmp(jstr(o, "role"), "staff");
	}
	expect("audit-login-role", login_role, "a successful login's row has no role");
	expect("audit-login-refused", audit_has(rows, "dora", "login", NULL, "401"), "missing");
	expect("audit-staff-forbidden", audit_has(rows, "anna", "kiosk_revoke", NULL, "403"),
	       "missing");
	snprintf(object, sizeof object, "demo ticket 7 station i1");
	expect("audit-kiosk-pin",
	       audit_has(rows, ANK_AUDIT_KIOSK_PIN, "kiosk_no_show", object, "applied"), "missing");
	expect("audit-kiosk-pin-help",
	       audit_has(rows, ANK_AUDIT_KIOSK_PIN, "kiosk_help_answered", "demo help 3",
	                 "applied"),
	       "missing");
	json_t *first = json_array_get(rows, json_array_size(rows) - 1);
	expect("audit-fields",
	       first && !strcmp(jstr(first, "addr"), "127.0.0.1") && jint(first, "id") == 1 &&
	               strlen(jstr(first, "hash")) == 64,
	       "oldest row: %s", first ? jstr(first, "action") : "none");
	json_decref(rows);
	rows = audit_of(admin, "?action=login");
	size_t i;
	json_t *o;
	bool only = json_array_size(rows) > 0;
	json_array_foreach(rows, i, o) only = only && !strcmp(jstr(o, "action"), "login");
	expect("audit-filter-action", only, "%zu rows", json_array_size(rows));
	json_decref(rows);
	rows = audit_of(admin, "?actor=dora&action=login");
	only = json_array_size(rows) > 0;
	json_array_foreach(rows, i, o) only = only && !strcmp(jstr(o, "actor"), "dora");
	expect("audit-filter-actor", only, "%zu rows", json_array_size(rows));
	json_decref(rows);
	rows = audit_of(admin, "?actor=kiosk%20PIN");
	expect("audit-filter-kiosk-pin", json_array_size(rows) == 2, "%zu rows",
	       json_array_size(rows));
	json_decref(rows);
	rows = audit_of(admin, "?to=2020-01-01");
	expect("audit-filter-date", json_array_size(rows) == 0, "%zu rows", json_array_size(rows));
	json_decref(rows);
	char code[32];
	st = answer_of("GET", "/api/v1/audit?from=yesterday", NULL, admin->token, NULL, NULL, code);
	expect_error("audit-bad-date", st, code, 400, "invalid_field");
	st = answer_of("GET", "/api/v1/audit?actor=%3Cscript%3E", NULL, admin->token, NULL, NULL,
	               code);
	expect_error("audit-bad-actor", st, code, 400, "invalid_field");
}

/* audit-verify on the live file: whole; a row altered with the sqlite3 shell (past the
 * append-only trigger) is named; put back, whole again; a row deleted is named. */
static void admin_audit_verify(void)
{
	char out[1024];
	int rc = audit_verify(out, sizeof out);
	expect("audit-verify-intact", rc == 0 && strstr(out, "audit log intact"), "exit %d: %s", rc,
	       out);
	rc = sqlite_shell("UPDATE audit SET actor = 'eve' WHERE id = 2;");
	expect("audit-trigger-refuses-update", rc != 0, "exit %d", rc);
	rc = sqlite_shell("DELETE FROM audit WHERE id = 2;");
	expect("audit-trigger-refuses-delete", rc != 0, "exit %d", rc);
	rc = sqlite_shell("CREATE TABLE keep AS SELECT actor FROM audit WHERE id = 2;"
	                  "DROP TRIGGER audit_no_update;"
	                  "UPDATE audit SET actor = 'eve' WHERE id = 2;");
	rc |= audit_verify(out, sizeof out) != 1;
	expect("audit-verify-altered", rc == 0 && strstr(out, "row 2 was altered"), "%s", out);
	sqlite_shell("UPDATE audit SET actor = (SELECT actor FROM keep) WHERE id = 2;");
	rc = audit_verify(out, sizeof out);
	expect("audit-verify-restored", rc == 0, "exit %d: %s", rc, out);
	sqlite_shell("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 3;");
	rc = audit_verify(out, sizeof out);
	expect("audit-verify-deleted", rc == 1 && strstr(out, "row 3 is missing"), "exit %d: %s",
	       rc, out);
}

static void group_admin(void)
{
	session admin, anna;
	admin_version();
	login("boss", admin_pw, &admin);
	add_account(&admin, "anna", "staff", "demo");
	login("anna", staff_pw, &anna);
	admin_forbidden(&anna);
	char token[65], kiosk[64];
	admin_kiosks(&admin, token, kiosk);
	admin_revoke(&admin, token, kiosk);
	/* anna's 403 on revoke is noted too. */
	char path[128];
	snprintf(path, sizeof path, "/api/v1/kiosks/%s/revoke", kiosk);
	status_of("POST", path, "{\"v\":1}", anna.token, anna.csrf, NULL);
	admin_accounts(&admin);
	admin_audit(&admin, kiosk);
	admin_revoke_cli();
	admin_audit_verify();
}

/* ---- group: sites (issue 13 item 2: create a site and send its config as a form) ---- */

/* POST /api/v1/sites/{site}/form with `form` (JSON text); the answer in r. */
static void form_post(resp *r, const session *s, const char *site, const char *form)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/sites/%s/form", site);
	size_t n = strlen(form) + 32;
	char *body = malloc(n);
	snprintf(body, n, "{\"v\":1,\"form\":%s}", form);
	post(r, s, path, body);
	free(body);
}

/* The good form of site "nord": two stations, Monday past midnight, Sunday closed. */
#define NORD_SITE                                                                                  \
	"\"site\":{\"id\":\"nord\",\"name\":\"Nord\",\"timezone\":\"Europe/Copenhagen\","          \
	"\"routes\":[\"inject\",\"smoke\"],\"languages\":[\"da\",\"en\"],\"warn_min\":15,"         \
	"\"alarm_min\":25}"
#define NORD_HOURS "\"hours\":{\"mon\":\"20:00-02:30\",\"tue\":\"08:00-22:00\",\"sun\":\"closed\"}"
#define NORD_STATIONS                                                                              \
	"\"stations\":[{\"id\":\"r1\",\"label\":\"Røg 1\",\"type\":\"smoke\"},"                   \
	"{\"id\":\"f1\",\"label\":\"Fix 1\",\"type\":\"inject\",\"women_only\":true}]"

/* One bad form: which field the refusal must name. */
typedef struct form_refusal {
	const char *name, *form, *field;
} form_refusal;

static void group_sites(void)
{
	session admin, anna;
	login("boss", admin_pw, &admin);
	add_account(&admin, "anna", "staff", "demo");
	login("anna", staff_pw, &anna);
	resp r;

	/* Creating a site: each field checked and named. */
	static const char good[] = "{\"v\":1,\"site\":\"nord\",\"name\":\"Nord\","
	                           "\"municipality\":\"101\",\"timezone\":\"Europe/Copenhagen\"}";
	long st = status_of("POST", "/api/v1/sites", good, anna.token, anna.csrf, NULL);
	expect("site-create-staff-403", st == 403, "status %ld", st);
	static const struct {
		const char *name, *body, *field;
	} bad_sites[] = {
	        {"site-create-no-zone",
	         "{\"v\":1,\"site\":\"x\",\"name\":\"X\",\"municipality\":\"101\"}", "timezone"},
	        {"site-create-bad-zone",
	         "{\"v\":1,\"site\":\"x\",\"name\":\"X\",\"municipality\":\"101\",\"timezone\":"
	         "\"Mars/"
	         "Base\"}",
	         "timezone"},
	        {"site-create-bad-municipality",
	         "{\"v\":1,\"site\":\"x\",\"name\":\"X\",\"municipality\":\"abroad\",\"timezone\":"
	         "\"UTC\"}",
	         "municipality"},
	        {"site-create-bad-id",
	         "{\"v\":1,\"site\":\"a b\",\"name\":\"X\",\"municipality\":\"101\",\"timezone\":"
	         "\"UTC\"}",
	         "site"},
	        {"site-create-empty-name",
	         "{\"v\":1,\"site\":\"x\",\"name\":\"\",\"municipality\":\"101\",\"timezone\":"
	         "\"UTC\"}",
	         "name"},
	        {"site-create-unknown-field",
	         "{\"v\":1,\"site\":\"x\",\"name\":\"X\",\"municipality\":\"101\",\"timezone\":"
	         "\"UTC\",\"colour\":\"red\"}",
	         "colour"},
	};
	for (size_t i = 0; i < sizeof bad_sites / sizeof bad_sites[0]; i++) {
		post(&r, &admin, "/api/v1/sites", bad_sites[i].body);
		expect(bad_sites[i].name,
		       r.status == 400 && !strcmp(jstr(r.json, "field"), bad_sites[i].field),
		       "%ld %s", r.status, ank_buf_str(&r.body));
		resp_free(&r);
	}
	post(&r, &admin, "/api/v1/sites", good);
	expect("site-create-201", r.status == 201 && !strcmp(jstr(r.json, "site"), "nord"),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	post(&r, &admin, "/api/v1/sites", good);
	expect("site-create-exists-409", r.status == 409 && !strcmp(jstr(r.json, "field"), "site"),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/sites", NULL, 0, admin.token, NULL, NULL);
	expect("site-created-listed", strstr(ank_buf_str(&r.body), "\"site\":\"nord\"") != NULL,
	       "%s", ank_buf_str(&r.body));
	resp_free(&r);

	/* The first form: the site's id, name and zone, defaults, no stations. */
	http(&r, "GET", "/api/v1/sites/nord/form", NULL, 0, admin.token, NULL, NULL);
	json_t *f = json_object_get(r.json, "form"), *fs = json_object_get(f, "site");
	expect("form-first",
	       r.status == 200 && !strcmp(jstr(fs, "id"), "nord") &&
	               !strcmp(jstr(fs, "name"), "Nord") &&
	               !strcmp(jstr(fs, "timezone"), "Europe/Copenhagen") &&
	               json_array_size(json_object_get(f, "stations")) == 0 &&
	               json_is_false(json_object_get(r.json, "accepted")),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	st = status_of("GET", "/api/v1/sites/nord/form", NULL, anna.token, NULL, NULL);
	expect("form-staff-403", st == 403, "status %ld", st);
	st = status_of("GET", "/api/v1/sites/nowhere/form", NULL, admin.token, NULL, NULL);
	expect("form-unknown-site-404", st == 404, "status %ld", st);

	char token[65], kiosk[64];
	pair("nord", token, kiosk);

	/* Bad forms: the field named, nothing sent. */
	static const form_refusal bad_forms[] = {
	        {"form-bad-number",
	         "{" NORD_HOURS "," NORD_STATIONS ",\"site\":{\"id\":\"nord\","
	         "\"name\":\"Nord\",\"warn_min\":\"soon\"}}",
	         "site.warn_min"},
	        {"form-alarm-before-warn",
	         "{" NORD_HOURS "," NORD_STATIONS ",\"site\":{\"id\":\"nord\",\"name\":\"Nord\","
	         "\"warn_min\":30,\"alarm_min\":20}}",
	         "site.alarm_min"},
	        {"form-bad-hours",
	         "{" NORD_SITE "," NORD_STATIONS ",\"hours\":{\"mon\":\"20:00-26:00\"}}",
	         "hours.mon"},
	        {"form-bad-station-type",
	         "{" NORD_SITE "," NORD_HOURS ",\"stations\":[{\"id\":\"a\",\"type\":\"bath\"}]}",
	         "station.a.type"},
	        {"form-station-twice",
	         "{" NORD_SITE "," NORD_HOURS ",\"stations\":[{\"id\":\"a\"},{\"id\":\"a\"}]}",
	         "station.a.id"},
	        {"form-no-station", "{" NORD_SITE "," NORD_HOURS ",\"stations\":[]}", "station"},
	        {"form-line-break",
	         "{" NORD_HOURS "," NORD_STATIONS ",\"site\":{\"id\":\"nord\","
	         "\"name\":\"Nord\\n[station.x]\"}}",
	         "site.name"},
	        {"form-unknown-key",
	         "{" NORD_HOURS "," NORD_STATIONS ",\"site\":{\"id\":\"nord\",\"name\":\"N\","
	         "\"colour\":\"red\"}}",
	         "site.colour"},
	        {"form-unknown-section", "{" NORD_SITE "," NORD_STATIONS ",\"lobby\":{}}", "lobby"},
	        {"form-other-site",
	         "{" NORD_HOURS "," NORD_STATIONS ",\"site\":{\"id\":\"demo\",\"name\":\"N\"}}",
	         "site.id"},
	        {"form-room-without-address",
	         "{" NORD_SITE "," NORD_STATIONS ",\"nearby\":[{\"id\":\"h17\",\"name\":\"H17\"}]}",
	         "nearby.h17.address"},
	        {"form-not-object", "[1]", "form"},
	};
	for (size_t i = 0; i < sizeof bad_forms / sizeof bad_forms[0]; i++) {
		form_post(&r, &admin, "nord", bad_forms[i].form);
		expect(bad_forms[i].name,
		       r.status == 400 && !strcmp(jstr(r.json, "field"), bad_forms[i].field) &&
		               !strcmp(jstr(r.json, "code"), "invalid_field") &&
		               strstr(jstr(r.json, "error"), bad_forms[i].field) != NULL,
		       "%ld %s", r.status, ank_buf_str(&r.body));
		resp_free(&r);
	}
	expect_refused("form-broken-json", &admin, "/api/v1/sites/nord/form", "{\"v\":1,\"form\":{",
	               0, 400, "invalid JSON");
	expect_refused("form-unknown-member", &admin, "/api/v1/sites/nord/form",
	               "{\"v\":1,\"form\":{},\"ini\":\"x\"}", 0, 400, "ini: unknown field");
	/* A body over the cap is refused whole before it is read. */
	size_t big = ANK_PROTO_MAX_BODY + 10;
	char *huge = malloc(big + 1);
	memset(huge, ' ', big);
	memcpy(huge, "{\"v\":1,\"form\":{}", 16);
	huge[big - 1] = '}';
	huge[big] = '\0';
	http(&r, "POST", "/api/v1/sites/nord/form", huge, big, admin.token, admin.csrf, NULL);
	expect("form-oversized-413", r.status == 413, "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	free(huge);
	form_post(&r, &admin, "nowhere", "{" NORD_SITE "}");
	expect("form-post-unknown-site-404", r.status == 404, "%ld", r.status);
	resp_free(&r);
	json_t *ch = changes_of(token);
	expect("form-refused-nothing-sent", count_changes(ch, "site.config", NULL, NULL) == 0, "%d",
	       count_changes(ch, "site.config", NULL, NULL));
	json_decref(ch);

	/* The good form: sent as INI the kiosk parses to the same config, kept, opened again. */
	form_post(&r, &admin, "nord", "{" NORD_SITE "," NORD_HOURS "," NORD_STATIONS "}");
	long long id = jint(r.json, "change");
	expect("form-202", r.status == 202 && id > 0, "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	ch = changes_of(token);
	const char *ini =
	        jstr(json_object_get(change_by_id(ch, "site.config", id), "payload"), "ini");
	ank_site_config *cfg = calloc(1, sizeof *cfg);
	ank_station *sts = calloc(ANK_MAX_STATIONS, sizeof *sts);
	int n = 0;
	ank_err err;
	int prc = ank_config_parse_ini_text(ini, "sent", cfg, sts, &n, &err);
	expect("form-sent-as-ini",
	       prc == 0 && n == 2 && !strcmp(sts[0].id, "r1") && !strcmp(sts[1].label, "Fix 1") &&
	               sts[1].women_only && cfg->hours[1].open_min == 20 * 60 &&
	               cfg->hours[1].close_min == 26 * 60 + 30 && cfg->hours[0].open_min < 0 &&
	               cfg->warn_min == 15,
	       "rc %d n %d: %s | %s", prc, n, prc ? err.msg : "", ini);
	free(cfg);
	free(sts);
	json_decref(ch);
	http(&r, "GET", "/api/v1/sites/nord/form", NULL, 0, admin.token, NULL, NULL);
	f = json_object_get(r.json, "form");
	json_t *stl = json_object_get(f, "stations");
	expect("form-kept",
	       r.status == 200 && json_is_true(json_object_get(r.json, "accepted")) &&
	               !strcmp(jstr(r.json, "by"), "boss") && json_array_size(stl) == 2 &&
	               !strcmp(jstr(json_array_get(stl, 0), "id"), "r1") &&
	               !strcmp(jstr(json_object_get(f, "hours"), "mon"), "20:00-02:30"),
	       "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	/* A new name in the form is the site's name at central too (consoles, report). */
	form_post(&r, &admin, "nord",
	          "{\"site\":{\"id\":\"nord\",\"name\":\"Nordrummet\"}," NORD_HOURS
	          "," NORD_STATIONS "}");
	expect("form-rename-202", r.status == 202, "%ld %s", r.status, ank_buf_str(&r.body));
	resp_free(&r);
	http(&r, "GET", "/api/v1/sites", NULL, 0, admin.token, NULL, NULL);
	expect("form-rename-listed",
	       strstr(ank_buf_str(&r.body), "\"name\":\"Nordrummet\"") != NULL, "%s",
	       ank_buf_str(&r.body));
	resp_free(&r);

	/* Every action is in the audit log under its own name. */
	json_t *rows = audit_of(&admin, "");
	expect("audit-site-create", audit_has(rows, "boss", "site_create", "nord", "201"),
	       "missing");
	expect("audit-site-create-refused", audit_has(rows, "boss", "site_create", "nord", "409"),
	       "missing");
	expect("audit-site-form", audit_has(rows, "boss", "site_form", "nord", "202"), "missing");
	expect("audit-site-form-refused", audit_has(rows, "boss", "site_form", "nord", "400"),
	       "missing");
	expect("audit-site-create-staff", audit_has(rows, "anna", "site_create", NULL, "403"),
	       "missing");
	json_decref(rows);
}

static const struct group {
	const char *name;
	void (*fn)(void);
	bool server;  /* runs against `serve` */
	bool fixture; /* sites and admin made first */
} groups[] = {
        {"auth", group_auth, true, true},
        {"sync", group_sync, true, true},
        {"limits", group_limits, true, true},
        {"tls", group_tls, false, true},
        {"cli", group_cli, false, false},
        {"report", group_report, true, true},
        {"report_zone", group_report_zone, true, true},
        {"retention", group_retention, true, true},
        {"checkpoint", group_checkpoint, true, true},
        {"store", group_store, false, false},
        {"content", group_content, true, true},
        {"tickets", group_tickets, true, true},
        {"tickets_upgrade", group_tickets_upgrade, false, true},
        {"web", group_web, true, true},
        {"display", group_display, true, true},
        {"admin", group_admin, true, true},
        {"sites", group_sites, true, true},
};

int main(int argc, char **argv)
{
	const struct group *g = NULL;
	for (size_t i = 0; argc == 3 && i < sizeof groups / sizeof groups[0]; i++)
		if (!strcmp(argv[2], groups[i].name))
			g = &groups[i];
	if (!g) {
		fprintf(stderr,
		        "usage: central_api_test CENTRAL_BINARY "
		        "auth|sync|limits|tls|cli|report|report_zone|retention|checkpoint|store|"
		        "content|tickets|tickets_upgrade|web|display|admin|sites\n");
		return 2;
	}
	central_bin = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	/* Day boundaries of the report are local: pin the zone as the kiosk tests do. The
	 * zone group runs central under UTC, as a server often is, to show that the report
	 * counts in each site's own zone, not the process's. */
	setenv("TZ", strcmp(g->name, "report_zone") ? "Europe/Copenhagen" : "UTC", 1);
	snprintf(dir, sizeof dir, "/tmp/ank-central-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(db, sizeof db, "%s/central.db", dir);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (g->fixture)
		expect("fixture", fixture_db() == 0, "add-site or create-admin failed");
	char conf[200];
	snprintf(conf, sizeof conf, "%s/serve.ini", dir);
	FILE *cf = fopen(conf, "w");
	if (cf) {
		fprintf(cf, "[central]\nmetrics_token = %s\n", METRICS_TOKEN);
		fclose(cf);
	}
	if (g->server &&
	    !expect("serve",
	            server_start("http", (const char *[]){"--db", db, "--config", conf, NULL}) == 0,
	            "did not start"))
		goto out;
	g->fn();
	if (server.pid > 0) {
		expect("healthz-before-stop", healthy(), "no answer");
		int code = server_stop();
		expect("server-exits-cleanly", code == 0, "exit %d", code);
	}
out:
	curl_global_cleanup();
	char log[160];
	snprintf(log, sizeof log, "%s/central.log", dir);
	proc_end_dir(dir, log, failed);
	printf("central %s: %d passed, %d failed\n", g->name, passed, failed);
	return failed ? 1 : 0;
}
