/* The sync client of sync.h: pairing, the push thread (outbox → central) and the pull
 * thread (change feed → the site database), each with its own SQLite connection. */
#include "sync.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ank_buf.h"
#include "ank_i18n.h"
#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"
#include "backoff.h"
#include "proto.h"
#include "queue.h"
#include "store.h"
#include "store_content.h"
#include "ank_version.h"

/* A token file is a few hundred bytes; anything larger is not ours. */
#define TOKEN_FILE_MAX 4096
/* An answer to a push or a pairing is small. */
#define SMALL_ANSWER_MAX (64 * 1024)

typedef struct paired {
	char url[512];
	char kiosk[ANK_PROTO_KIOSK_MAX + 1];
	char site[64];
	char token[128];
	char ca[512]; /* "" = the system's CAs */
} paired;

struct ank_sync {
	char db_path[512];
	char data_dir[512]; /* holds i18n/, the shipped catalogs overrides are checked against */
	paired p;
	pthread_t push_thread, pull_thread;
	bool push_started, pull_started;
	pthread_mutex_t mu; /* everything below */
	pthread_cond_t wake;
	bool stop;
	bool nudged;
	ank_link push_link, pull_link;
	int64_t pending;
	char printer[ANK_PRINTER_STATE_MAX + 1]; /* reported with each change poll; "" none */
	char problem[160];
};

/* The meta counter of the screen texts' version this kiosk shows (central's publish). */
#define SYNC_TEXTS_VERSION "shown_texts"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

/* curl_global_init is not thread-safe; the first caller does it once for the process. */
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void ank_sync_token_path(const char *db_path, char *out, size_t n)
{
	snprintf(out, n, "%s.token", db_path);
}

void ank_sync_catalogs_dir(const char *db_path, char *out, size_t n)
{
	snprintf(out, n, "%s.catalogs", db_path);
}

/* ---- the token file ---- */

static int token_read(const char *db_path, paired *p, ank_err *err)
{
	char path[600];
	ank_sync_token_path(db_path, path, sizeof path);
	if (access(path, F_OK) != 0)
		return 1;
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return ank_err_set(err, "%s: %s", path, je.text);
	const char *url = NULL, *kiosk = NULL, *site = NULL, *token = NULL, *ca = NULL;
	json_t *ca_j = NULL;
	int v = 0, rc = 0;
	bool ok = json_unpack(j, "{s:i, s:s, s:s, s:s, s:s, s?o}", "v", &v, "url", &url,
	                      ANK_FN(KIOSK), &kiosk, "site", &site, "token", &token, "ca",
	                      &ca_j) == 0 &&
	          v == 1;
	if (ok) {
		ca = json_string_value(ca_j); /* null or absent: the system's CAs */
		ok = (!ca_j || json_is_null(ca_j) || ca) && strlen(url) < sizeof p->url &&
		     strlen(kiosk) < sizeof p->kiosk && strlen(site) < sizeof p->site &&
		     strlen(token) < sizeof p->token && (!ca || strlen(ca) < sizeof p->ca);
	}
	if (!ok)
		rc = ank_err_set(err, "%s: not a token file of this version", path);
	else
		*p = (paired){0};
	if (!rc) {
		snprintf(p->url, sizeof p->url, "%s", url);
		snprintf(p->kiosk, sizeof p->kiosk, "%s", kiosk);
		snprintf(p->site, sizeof p->site, "%s", site);
		snprintf(p->token, sizeof p->token, "%s", token);
		snprintf(p->ca, sizeof p->ca, "%s", ca ? ca : "");
	}
	json_decref(j);
	return rc;
}

/* Written to a temporary file created 0600 (never readable by others, not even for a
 * moment), synced, then renamed over the old one: a crash leaves the old or the new. */
static int token_write(const char *db_path, const paired *p, ank_err *err)
{
	char path[600], tmp[620];
	ank_sync_token_path(db_path, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s?}", "v", 1, "url", p->url,
	                      ANK_FN(KIOSK), p->kiosk, "site", p->site, "token", p->token, "ca",
	                      p->ca[0] ? p->ca : NULL);
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	if (!text)
		return ank_err_set(err, "out of memory");
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ank_err_set(err, "%s: %s", tmp, strerror(errno));
	} else {
		size_t len = strlen(text);
		if (fchmod(fd, 0600) || write(fd, text, len) != (ssize_t)len || fsync(fd))
			ank_err_set(err, "%s: %s", tmp, strerror(errno));
		else
			rc = 0;
		if (close(fd) && rc == 0)
			rc = ank_err_set(err, "%s: %s", tmp, strerror(errno));
	}
	if (rc == 0 && rename(tmp, path))
		rc = ank_err_set(err, "%s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	sodium_memzero(text, strlen(text));
	free(text);
	return rc;
}

/* ---- HTTP ---- */

typedef struct http {
	CURL *c;
	ank_sync *s; /* NULL while pairing: nothing to stop */
	ank_buf body;
} http;

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
	http *h = ctx;
	/* Past the cap, returning less than given makes curl fail the transfer. */
	return ank_buf_append(&h->body, data, size * n) ? 0 : size * n;
}

/* Lets ank_sync_stop end an open long-poll at once instead of after 25 s. */
static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	http *h = ctx;
	if (!h->s)
		return 0;
	pthread_mutex_lock(&h->s->mu);
	bool stop = h->s->stop;
	pthread_mutex_unlock(&h->s->mu);
	return stop;
}

static int http_init(http *h, ank_sync *s, const paired *p, size_t cap, ank_err *err)
{
	pthread_once(&curl_once, curl_init_once);
	*h = (http){.s = s};
	ank_buf_init(&h->body, cap);
	h->c = curl_easy_init();
	if (!h->c)
		return ank_err_set(err, "libcurl failed to start");
	curl_easy_setopt(h->c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
	curl_easy_setopt(h->c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h->c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h->c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(h->c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h->c, CURLOPT_ACCEPT_ENCODING, ""); /* gzip when central offers it */
	curl_easy_setopt(h->c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Certificates are always verified; a private CA is named, never switched off. */
	curl_easy_setopt(h->c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (p->ca[0])
		curl_easy_setopt(h->c, CURLOPT_CAINFO, p->ca);
	return 0;
}

static void http_free(http *h)
{
	if (h->c)
		curl_easy_cleanup(h->c);
	ank_buf_free(&h->body);
}

/* One request; body NULL makes it a GET. Returns 0 with *status (any HTTP status) and the
 * answer in h->body, or -1 with err when no answer came. */
static int http_do(http *h, const paired *p, const char *path, const char *token, const char *body,
                   long timeout_s, long *status, ank_err *err)
{
	char url[1024], auth[160];
	snprintf(url, sizeof url, "%s%s", p->url, path);
	ank_buf_reset(&h->body);
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		hdr = curl_slist_append(hdr, auth);
		sodium_memzero(auth, sizeof auth);
	}
	curl_easy_setopt(h->c, CURLOPT_URL, url);
	curl_easy_setopt(h->c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h->c, CURLOPT_TIMEOUT, timeout_s);
	if (body) {
		curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h->c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else {
		curl_easy_setopt(h->c, CURLOPT_HTTPGET, 1L);
	}
	CURLcode rc = curl_easy_perform(h->c);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK)
		return ank_err_set(err, "%s: %s", p->url, curl_easy_strerror(rc));
	curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* central's {"error": "..."} as text for logs and the staff view. */
static void answer_error(const http *h, long status, ank_err *err)
{
	json_t *j = json_loadb(ank_buf_str(&h->body), h->body.len, 0, NULL);
	const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;
	ank_err_set(err, "central answered %ld: %.120s", status, msg ? msg : "(no message)");
	json_decref(j);
}

int ank_sync_pair(const char *db_path, const char *url, const char *code, const char *ca_file,
                  ank_err *err)
{
	paired p = {0};
	size_t ulen = strlen(url);
	while (ulen > 0 && url[ulen - 1] == '/')
		ulen--; /* "https://host/" and "https://host" name the same service */
	if (ulen == 0 || ulen >= sizeof p.url || (ca_file && strlen(ca_file) >= sizeof p.ca))
		return ank_err_set(err, "central URL or CA path too long");
	snprintf(p.url, sizeof p.url, "%.*s", (int)ulen, url);
	snprintf(p.ca, sizeof p.ca, "%s", ca_file ? ca_file : "");
	json_t *req = json_pack("{s:i, s:s}", "v", ANK_PROTO_VERSION, ANK_PAIR_FIELD_CODE, code);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return ank_err_set(err, "the code is not valid text");
	http h;
	long status = 0;
	int rc = http_init(&h, NULL, &p, SMALL_ANSWER_MAX, err);
	if (!rc)
		rc = http_do(&h, &p, ANK_PATH_PAIR, NULL, body, 30, &status, err);
	free(body);
	if (!rc && status != 200) {
		answer_error(&h, status, err);
		rc = -1;
	}
	json_t *ans = rc ? NULL : json_loadb(ank_buf_str(&h.body), h.body.len, 0, NULL);
	const char *kiosk, *site, *token;
	if (!rc && (!ans ||
	            json_unpack(ans, "{s:s, s:s, s:s}", ANK_FN(KIOSK), &kiosk, "site", &site,
	                        "token", &token) ||
	            strlen(kiosk) >= sizeof p.kiosk || strlen(site) >= sizeof p.site ||
	            strlen(token) >= sizeof p.token))
		rc = ank_err_set(err, "central's pairing answer is not what docs/api.md says");
	if (!rc) {
		snprintf(p.kiosk, sizeof p.kiosk, "%s", kiosk);
		snprintf(p.site, sizeof p.site, "%s", site);
		snprintf(p.token, sizeof p.token, "%s", token);
		rc = token_write(db_path, &p, err);
	}
	json_decref(ans);
	http_free(&h);
	sodium_memzero(&p, sizeof p);
	return rc;
}

/* ---- shared state ---- */

static void set_problem(ank_sync *s, const char *what, const ank_err *err)
{
	pthread_mutex_lock(&s->mu);
	snprintf(s->problem, sizeof s->problem, "%s: %s", what, err->msg);
	pthread_mutex_unlock(&s->mu);
	ank_log(ANK_LOG_WARN, "sync", "%s: %s", what, err->msg);
}

/* Sleeps until `until` (wall ms), a nudge (when nudgeable) or stop; true when stopping. */
static bool wait_until(ank_sync *s, int64_t until, bool nudgeable)
{
	pthread_mutex_lock(&s->mu);
	while (!s->stop && !(nudgeable && s->nudged)) {
		int64_t now = ank_now_ms();
		if (now >= until)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = (int64_t)ts.tv_nsec + (until - now) * 1000000;
		ts.tv_sec += (time_t)(ns / 1000000000);
		ts.tv_nsec = (long)(ns % 1000000000);
		pthread_cond_timedwait(&s->wake, &s->mu, &ts);
	}
	if (nudgeable)
		s->nudged = false;
	bool stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static void link_ok(ank_sync *s, ank_link *l, int64_t server_ms)
{
	pthread_mutex_lock(&s->mu);
	ank_link_ok(l, ank_now_ms(), server_ms);
	pthread_mutex_unlock(&s->mu);
}

static void link_fail(ank_sync *s, ank_link *l)
{
	pthread_mutex_lock(&s->mu);
	ank_link_fail(l, ank_now_ms(), randombytes_random());
	pthread_mutex_unlock(&s->mu);
}

/* ---- push: outbox → central ---- */

/* One outbox row into the batch; the payload is copied (freed by ank_proto_batch_free). */
static int batch_add(void *ctx, const ank_outbox_row *row, ank_err *err)
{
	ank_batch *b = ctx;
	ank_event *e = &b->ev[b->n];
	e->seq = row->seq;
	snprintf(e->id, sizeof e->id, "%s", row->event_id);
	snprintf(e->type, sizeof e->type, "%s", row->type);
	e->at_ms = row->kiosk_ms;
	e->payload = strdup(row->payload);
	if (!e->payload)
		return ank_err_set(err, "out of memory");
	b->n++;
	return 0;
}

/* Up to ANK_PROTO_MAX_BATCH outbox rows after `acked` into b. */
static int outbox_read(ank_store *st, const char *kiosk, int64_t acked, ank_batch *b, ank_err *err)
{
	*b = (ank_batch){0};
	snprintf(b->kiosk, sizeof b->kiosk, "%s", kiosk);
	if (ank_store_outbox_read(st, acked, ANK_PROTO_MAX_BATCH, batch_add, b, err)) {
		ank_proto_batch_free(b);
		return -1;
	}
	return 0;
}

/* After central's acknowledgement: remember when it held what, and drop the rows it
 * acknowledged longer ago than the site's outbox_retention_days (at most
 * ANK_OUTBOX_PRUNE_MAX a round, so a kiosk catching up never holds the lock long). A failure
 * only delays pruning: the rows stay. */
static void outbox_keep(ank_sync *s, ank_store *st, int64_t acked)
{
	ank_err err;
	int64_t now = ank_now_ms();
	int days = ANK_OUTBOX_RETENTION_DAYS_DEFAULT;
	ank_site_config cfg;
	if (ank_store_config_get(st, &cfg, &err) == ANK_STORE_OK)
		days = cfg.outbox_retention_days;
	int n = 0;
	if (ank_store_outbox_acked(st, acked, now, &err) ||
	    ank_store_outbox_prune(st, now, (int64_t)days * 24 * 3600 * 1000, ANK_OUTBOX_PRUNE_MAX,
	                           &n, &err)) {
		set_problem(s, "pruning the outbox", &err);
		return;
	}
	if (n)
		ank_log(ANK_LOG_INFO, "sync",
		        "outbox: %d events central acknowledged over %d days ago deleted", n, days);
}

/* One round: send what central lacks. 0 sent or nothing to send (*sent says), -1 failed
 * (the link backs off). */
static int push_once(ank_sync *s, ank_store *st, http *h, ank_batch *b, int64_t *acked, bool *sent)
{
	ank_err err;
	*sent = false;
	if (outbox_read(st, s->p.kiosk, *acked, b, &err)) {
		set_problem(s, "outbox", &err);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	s->pending = ank_store_outbox_last_seq(st) - *acked;
	if (s->pending < 0)
		s->pending = 0;
	pthread_mutex_unlock(&s->mu);
	if (b->n == 0)
		return 0;
	char *body = ank_proto_batch_encode(b, &err);
	ank_proto_batch_free(b);
	if (!body) {
		set_problem(s, "an outbox event central would refuse", &err);
		return -1;
	}
	long status = 0;
	int rc = http_do(h, &s->p, ANK_PATH_EVENTS, s->p.token, body, 30, &status, &err);
	free(body);
	if (rc) {
		set_problem(s, "push", &err);
		return -1;
	}
	long long a, server_ms;
	ank_errcode code;
	int bad = ank_proto_ack_decode(ank_buf_str(&h->body), h->body.len, &a, &server_ms, &code,
	                               &err);
	if (status == 200) {
		if (bad) {
			set_problem(s, "push answer", &err);
			return -1;
		}
		*acked = a;
		if (ank_store_counter_set(st, "sync_acked", *acked, &err))
			set_problem(s, "saving the sync position", &err);
		outbox_keep(s, st, *acked);
		link_ok(s, &s->push_link, server_ms);
		*sent = true;
		return 0;
	}
	answer_error(h, status, &err);
	/* Decided by central's code, never by its message text. */
	if (code == ANK_ERR_GAP && *acked > 0) {
		/* Central holds less than we thought (restored from a backup): start from the
		 * beginning; what it already holds is accepted again as identical. */
		set_problem(s, "push", &err);
		*acked = 0;
		return 0;
	}
	if (code == ANK_ERR_GAP) {
		/* Sent from the oldest row kept and still a gap: central lacks events this kiosk
		 * pruned (its backup is older than the retention). Only a person can decide. */
		set_problem(s, "central lacks events this kiosk has pruned: staff must check",
		            &err);
		return -1;
	}
	/* Other content for a seq (this kiosk's database was replaced), or anything else: never
	 * resent blindly; the link backs off and the staff screen shows why. */
	set_problem(s,
	            code == ANK_ERR_CONFLICT ? "central holds other events: staff must check"
	                                     : "push",
	            &err);
	return -1;
}

static void *push_main(void *arg)
{
	ank_sync *s = arg;
	ank_store *st = NULL;
	ank_err err;
	http h = {0};
	ank_batch *b = calloc(1, sizeof *b);
	int64_t acked = 0;
	if (!b || http_init(&h, s, &s->p, SMALL_ANSWER_MAX, &err)) {
		if (!b)
			ank_err_set(&err, "out of memory");
		set_problem(s, "push cannot start", &err);
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&s->mu);
		int64_t retry_at = s->push_link.retry_at;
		pthread_mutex_unlock(&s->mu);
		if (ank_now_ms() < retry_at) {
			if (wait_until(s, retry_at, false))
				break;
			continue;
		}
		/* A database that cannot be opened now (a full disk) is tried again with the
		 * link's backoff, so the sync comes back by itself with the disk. */
		if (!st && (ank_store_open(s->db_path, &st, &err) ||
		            ank_store_counter_get(st, "sync_acked", &acked, &err))) {
			ank_store_close(st);
			st = NULL;
			set_problem(s, "opening the database", &err);
			link_fail(s, &s->push_link);
			continue;
		}
		bool sent;
		if (push_once(s, st, &h, b, &acked, &sent)) {
			link_fail(s, &s->push_link);
			continue;
		}
		/* A full batch may have more behind it: go again at once. */
		if (!sent && wait_until(s, ank_now_ms() + ANK_SYNC_IDLE_MS, true))
			break;
		pthread_mutex_lock(&s->mu);
		bool stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
	}
out:
	http_free(&h);
	free(b);
	ank_store_close(st);
	return NULL;
}

/* ---- pull: change feed → site database ---- */

typedef struct applied_ctx {
	long long command, change;
} applied_ctx;

/* Inside the command's own transaction: the result event and the cursor. */
static int command_applied(void *ctx, ank_store *st, int64_t affected, ank_err *err)
{
	applied_ctx *a = ctx;
	json_t *p = json_pack("{s:I}", ANK_FN(COMMAND), (json_int_t)a->command);
	if (p && affected)
		json_object_set_new(p, ANK_FN(TICKET), json_integer(affected));
	if (ank_store_outbox_append(st, ANK_EV_COMMAND_APPLIED, ank_now_ms(), p, err))
		return -1;
	return ank_store_cursor_set(st, a->change, err);
}

/* The kiosk's answer to a change as one event, and the cursor past the change, in one
 * transaction: why a change was not applied, or that one whose effect lies outside the
 * database (a catalog override file) was. Takes ownership of `payload`. */
static int answer_change(ank_store *st, ank_ev type, json_t *payload, long long change,
                         ank_err *err)
{
	if (ank_store_begin(st, err))
		return -1;
	if (ank_store_outbox_append(st, type, ank_now_ms(), payload, err) ||
	    ank_store_cursor_set(st, change, err)) {
		ank_store_rollback(st);
		return -1;
	}
	return ank_store_commit(st, err);
}

/* `why` may be err->msg: it is copied into the event before err is written. */
static int skipped(ank_store *st, const ank_change *c, const char *why, ank_err *err)
{
	ank_log(ANK_LOG_WARN, "sync", "change %lld (%s) skipped: %s", c->id, c->type, why);
	return answer_change(
	        st, ANK_EV_CHANGE_SKIPPED,
	        json_pack("{s:I, s:s}", ANK_FN(CHANGE), (json_int_t)c->id, ANK_FN(REASON), why),
	        c->id, err);
}

static int apply_user(ank_store *st, const ank_change *c, json_t *j, bool quarantine, ank_err *err)
{
	ank_user u;
	if (quarantine) {
		const char *id = json_string_value(json_object_get(j, ANK_FN(USER)));
		json_t *until = json_object_get(j, ANK_FN(UNTIL));
		int64_t ms = 0;
		if (!id ||
		    !(json_is_null(until) ||
		      (json_is_string(until) && !ank_iso_parse(json_string_value(until), &ms))))
			return skipped(st, c, "quarantine wants {\"user\", \"until\"}", err);
		ank_store_rc f = ank_store_user_get(st, id, &u, err);
		if (f == ANK_STORE_UNKNOWN)
			return skipped(st, c, "unknown user", err);
		if (f != ANK_STORE_OK)
			return -1;
		u.quarantine_until_ms = ms;
	} else if (ank_store_user_from_json(j, &u, err)) {
		return skipped(st, c, err->msg, err);
	}
	if (ank_store_begin(st, err))
		return -1;
	/* The entry was validated above, so a failure here is the database's: retry later. */
	if (ank_store_user_upsert(st, &u, err) || ank_store_cursor_set(st, c->id, err)) {
		ank_store_rollback(st);
		return -1;
	}
	return ank_store_commit(st, err);
}

/* user.delete: the user is gone from central; their entry (nickname) goes from here too. */
static int apply_user_delete(ank_store *st, const ank_change *c, json_t *j, ank_err *err)
{
	const char *id = json_string_value(json_object_get(j, ANK_FN(USER)));
	if (!id || !ank_text_is_slug(id, ANK_ID_MAX))
		return skipped(st, c, "user.delete wants {\"user\"}", err);
	if (ank_store_begin(st, err))
		return -1;
	if (ank_store_user_delete(st, id, err) || ank_store_cursor_set(st, c->id, err)) {
		ank_store_rollback(st);
		return -1;
	}
	if (ank_store_commit(st, err))
		return -1;
	ank_store_forget_wal(st);
	ank_log(ANK_LOG_INFO, "sync", "user %s deleted from the registry (central)", id);
	return 0;
}

static int apply_command(ank_queue *q, const ank_change *c, json_t *j, bool *acted, ank_err *err)
{
	ank_store *st = ank_queue_store(q);
	json_t *id = json_object_get(j, ANK_FN(ID)), *ticket = json_object_get(j, ANK_FN(TICKET));
	const char *type = json_string_value(json_object_get(j, ANK_FN(TYPE)));
	const char *station = json_string_value(json_object_get(j, ANK_FN(STATION)));
	const char *route = json_string_value(json_object_get(j, ANK_FN(ROUTE)));
	if (!json_is_integer(id) || json_integer_value(id) <= 0 || !type ||
	    (ticket && !json_is_integer(ticket)))
		return skipped(st, c, "command wants an id, a type and the fields it needs", err);
	ank_cmd cmd = {.type = (ank_cmd_type)ank_cmd_from_code(type),
	               .ticket_id = ticket ? json_integer_value(ticket) : 0,
	               .station_id = station,
	               .route = route ? (ank_route)ank_route_from_code(route) : ANK_ROUTE_COUNT,
	               .in_tx = command_applied};
	applied_ctx a = {.command = json_integer_value(id), .change = c->id};
	cmd.in_tx_ctx = &a;
	ank_q_rc rc = (int)cmd.type < 0 ? ANK_Q_E_INPUT
	                                : ank_queue_command(q, &cmd, ank_now_ms(), NULL, err);
	if ((int)cmd.type < 0)
		ank_err_set(err, "unknown command '%.40s'", type);
	if (rc == ANK_Q_E_DB)
		return -1;
	*acted = true;
	if (rc == ANK_Q_OK)
		return 0;
	/* The kiosk owns the queue: a command that does not fit its state is refused, with
	 * the reason going back to central as an event. */
	ank_log(ANK_LOG_INFO, "sync", "command %lld refused: %s", a.command, err->msg);
	return answer_change(st, ANK_EV_COMMAND_REFUSED,
	                     json_pack("{s:I, s:s, s:s}", ANK_FN(COMMAND), (json_int_t)a.command,
	                               ANK_FN(CODE), ank_q_strerror(rc), ANK_FN(REASON), err->msg),
	                     c->id, err);
}

/* Inside the config's own transaction: the result event and the cursor. */
static int config_applied(void *ctx, ank_store *st, ank_err *err)
{
	const long long *change = ctx;
	if (ank_store_outbox_append(st, ANK_EV_CONFIG_APPLIED, ank_now_ms(),
	                            json_pack("{s:I}", ANK_FN(CHANGE), (json_int_t)*change), err))
		return -1;
	return ank_store_cursor_set(st, *change, err);
}

/* `why` may be err->msg: it is copied into the event before err is written. */
static int refused(ank_store *st, ank_ev type, const ank_change *c, const char *why, ank_err *err)
{
	ank_log(ANK_LOG_INFO, "sync", "change %lld (%s) refused: %s", c->id, c->type, why);
	return answer_change(
	        st, type,
	        json_pack("{s:I, s:s}", ANK_FN(CHANGE), (json_int_t)c->id, ANK_FN(REASON), why),
	        c->id, err);
}

/* A whole site config in the INI format, parsed by the same code as `ankomst-queue
 * config` and applied on this thread's queue with config.applied and the cursor in the
 * config's transaction: a crash applies all of it or none. */
static int apply_site_config(ank_queue *q, const ank_change *c, json_t *j, bool *acted,
                             ank_err *err)
{
	ank_store *st = ank_queue_store(q);
	json_t *ini = json_object_get(j, ANK_FN(INI));
	if (!json_is_string(ini) || strlen(json_string_value(ini)) != json_string_length(ini))
		return skipped(st, c, "site.config wants {\"ini\": the config text}", err);
	ank_site_config cfg;
	ank_station stations[ANK_MAX_STATIONS];
	int n;
	*acted = true;
	if (ank_config_parse_ini_text(json_string_value(ini), ank_chg_name(ANK_CHG_SITE_CONFIG),
	                              &cfg, stations, &n, err))
		return refused(st, ANK_EV_CONFIG_REFUSED, c, err->msg, err);
	long long change = c->id;
	ank_q_rc rc = ank_queue_apply_config_tx(q, &cfg, stations, n, ank_now_ms(), config_applied,
	                                        &change, err);
	if (rc == ANK_Q_OK) {
		ank_log(ANK_LOG_INFO, "sync", "site config of change %lld applied: %d stations",
		        c->id, n);
		return 0;
	}
	if (rc == ANK_Q_E_STATE)
		return refused(st, ANK_EV_CONFIG_REFUSED, c, err->msg, err);
	return -1; /* the database: try again later */
}

/* New texts for one language: checked against the shipped catalog of that language and
 * kept as an override file next to the database, which the app lays over its catalogs
 * (ank_i18n_overlay_dir). The file is written before the event and the cursor: a crash in
 * between applies the change again, which merges the same texts into the same file. */
static int apply_catalog(ank_sync *s, ank_store *st, const ank_change *c, json_t *j, bool *acted,
                         ank_err *err)
{
	const char *lang = json_string_value(json_object_get(j, ANK_FN(LANG)));
	json_t *messages = json_object_get(j, ANK_FN(MESSAGES));
	if (!lang || !json_is_object(messages))
		return skipped(st, c, "catalog wants {\"lang\", \"messages\"}", err);
	*acted = true;
	char dir[600];
	snprintf(dir, sizeof dir, "%s/i18n", s->data_dir);
	ank_i18n *shipped = NULL;
	if (ank_i18n_load(dir, &shipped, err))
		return refused(st, ANK_EV_CATALOG_REFUSED, c, err->msg, err);
	char *text = json_dumps(messages, JSON_COMPACT);
	int keys = 0;
	ank_sync_catalogs_dir(s->db_path, dir, sizeof dir);
	int rc = text ? ank_i18n_override_save(shipped, dir, lang, text, &keys, err)
	              : ank_err_set(err, "out of memory");
	free(text);
	ank_i18n_free(shipped);
	if (rc)
		return refused(st, ANK_EV_CATALOG_REFUSED, c, err->msg, err);
	ank_log(ANK_LOG_INFO, "sync", "change %lld: %d texts of %s kept as override", c->id, keys,
	        lang);
	/* A published version of central's screen texts says its number, which this kiosk then
	 * reports on each poll (the version it shows); a catalog change without one keeps the
	 * number it had. Kept with the event and the cursor, in one transaction. */
	json_t *version = json_object_get(j, ANK_FN(TEXTS_VERSION));
	json_t *ev = json_pack("{s:I, s:s, s:i}", ANK_FN(CHANGE), (json_int_t)c->id, ANK_FN(LANG),
	                       lang, ANK_FN(KEYS), keys);
	if (ank_store_begin(st, err)) {
		json_decref(ev);
		return -1;
	}
	if (ank_store_outbox_append(st, ANK_EV_CATALOG_APPLIED, ank_now_ms(), ev, err) ||
	    (json_is_integer(version) && json_integer_value(version) > 0 &&
	     ank_store_counter_set(st, SYNC_TEXTS_VERSION, json_integer_value(version), err)) ||
	    ank_store_cursor_set(st, c->id, err)) {
		ank_store_rollback(st);
		return -1;
	}
	return ank_store_commit(st, err);
}

/* The site's ticket key from central: kept as this kiosk's ticket key with the cursor in one
 * transaction. No event answers it (it would have nothing to say but the key), and the key
 * is in no log line or reason: a bad payload is skipped with the rule, not the value. */
/* help.taken: a staff member took this kiosk's help request in the console; the kiosk closes
 * it too (with its help.answered event), so its staff screen stops showing it. Another
 * kiosk's, or one already closed, only moves the cursor. */
static int apply_help_taken(ank_sync *s, ank_queue *q, const ank_change *c, json_t *j, ank_err *err)
{
	ank_store *st = ank_queue_store(q);
	const char *kiosk = json_string_value(json_object_get(j, ANK_FN(KIOSK)));
	json_t *id = json_object_get(j, ANK_FN(ID));
	if (!kiosk || !json_is_integer(id) || json_integer_value(id) < 1)
		return skipped(st, c, "help.taken wants {\"kiosk\", \"id\"}", err);
	/* Central names kiosks by the id their pairing gave them (the token's). */
	if (!strcmp(kiosk, s->p.kiosk)) {
		ank_q_rc rc = ank_queue_help_answer(q, json_integer_value(id), ank_now_ms(), err);
		if (rc != ANK_Q_OK && rc != ANK_Q_E_NOT_FOUND)
			return -1;
	}
	if (ank_store_begin(st, err))
		return -1;
	if (ank_store_cursor_set(st, c->id, err)) {
		ank_store_rollback(st);
		return -1;
	}
	return ank_store_commit(st, err);
}

static int apply_ticket_key(ank_store *st, const ank_change *c, json_t *j, ank_err *err)
{
	json_t *k = json_object_get(j, ANK_FN(KEY));
	const char *hex = json_string_value(k);
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	size_t n_bin = 0;
	if (!hex || json_string_length(k) != 2 * ANK_TICKETREF_KEY_BYTES ||
	    sodium_hex2bin(key, sizeof key, hex, json_string_length(k), NULL, &n_bin, NULL) != 0 ||
	    n_bin != sizeof key) {
		sodium_memzero(key, sizeof key);
		return skipped(st, c, "ticket.key wants {\"key\": 64 hex digits}", err);
	}
	int rc = -1;
	if (ank_store_begin(st, err) == 0) {
		if (ank_store_ticket_key_set(st, key, err) || ank_store_cursor_set(st, c->id, err))
			ank_store_rollback(st);
		else
			rc = ank_store_commit(st, err);
	}
	sodium_memzero(key, sizeof key);
	if (rc == 0)
		ank_log(ANK_LOG_INFO, "sync", "change %lld: the site's ticket key is in use",
		        c->id);
	return rc;
}

/* An administrator's drug alert or information screen (store_content.c): kept or deleted
 * with the cursor; an item this kiosk cannot read is skipped with the rule it broke. */
static int apply_content(ank_store *st, const ank_change *c, json_t *j, ank_err *err)
{
	ank_err why;
	int rc = ank_store_content_apply(st, j, c->id, &why);
	if (rc > 0)
		return skipped(st, c, why.msg, err);
	if (rc < 0)
		*err = why;
	else
		ank_log(ANK_LOG_INFO, "sync", "change %lld: content %lld %s", c->id,
		        (long long)json_integer_value(json_object_get(j, ANK_FN(ID))),
		        json_string_value(json_object_get(j, ANK_FN(STATE))));
	return rc;
}

/* 0 applied or answered (skipped, refused); -1 when the database failed (err says how):
 * the change is tried again at the next poll. */
static int apply_change(ank_sync *s, ank_queue *q, const ank_change *c, bool *acted, ank_err *err)
{
	ank_store *st = ank_queue_store(q);
	json_t *j = json_loads(c->payload, JSON_REJECT_DUPLICATES, NULL);
	int rc;
	if (!json_is_object(j))
		rc = skipped(st, c, "payload is not a JSON object", err);
	else {
		switch (ank_chg_from_name(c->type)) {
		case ANK_CHG_USER_UPSERT:
			rc = apply_user(st, c, j, false, err);
			break;
		case ANK_CHG_QUARANTINE:
			rc = apply_user(st, c, j, true, err);
			break;
		case ANK_CHG_USER_DELETE:
			rc = apply_user_delete(st, c, j, err);
			break;
		case ANK_CHG_COMMAND:
			rc = apply_command(q, c, j, acted, err);
			break;
		case ANK_CHG_SITE_CONFIG:
			rc = apply_site_config(q, c, j, acted, err);
			break;
		case ANK_CHG_CATALOG:
			rc = apply_catalog(s, st, c, j, acted, err);
			break;
		case ANK_CHG_TICKET_KEY:
			rc = apply_ticket_key(st, c, j, err);
			break;
		case ANK_CHG_CONTENT:
			rc = apply_content(st, c, j, err);
			break;
		case ANK_CHG_HELP_TAKEN:
			rc = apply_help_taken(s, q, c, j, err);
			*acted = true;
			break;
		default:
			rc = skipped(st, c, "unknown change type", err);
		}
	}
	json_decref(j);
	return rc;
}

/* One long-poll and what it brought. 0 or -1 (the link backs off). */
static int pull_once(ank_sync *s, ank_queue *q, http *h, int64_t *cursor)
{
	ank_err err;
	char path[256], printer[ANK_PRINTER_STATE_MAX + 16] = "";
	/* Offline, the first poll must not wait: an answer at once is what says "online". */
	pthread_mutex_lock(&s->mu);
	int wait = s->pull_link.online ? ANK_SYNC_WAIT_S : 0;
	/* Central shows staff how much this kiosk still has to send. */
	long long unsent = (long long)s->pending;
	/* ...and its printer's state (kiosk/print), when it has one. */
	if (s->printer[0])
		snprintf(printer, sizeof printer, "&printer=%s", s->printer);
	pthread_mutex_unlock(&s->mu);
	/* ...which program it runs, the screen texts' version it shows and its printer's state
	 * (docs/api.md "Change feed": version, texts, printer). */
	int64_t texts = 0;
	ank_err terr;
	if (ank_store_counter_get(ank_queue_store(q), SYNC_TEXTS_VERSION, &texts, &terr))
		texts = 0;
	snprintf(path, sizeof path,
	         ANK_PATH_CHANGES "?since=%lld&wait=%d&unsent=%lld&version=%s&texts=%lld%s",
	         (long long)*cursor, wait, unsent, ANK_VERSION, (long long)texts, printer);
	long status = 0;
	if (http_do(h, &s->p, path, s->p.token, NULL, ANK_SYNC_WAIT_S + 15, &status, &err)) {
		set_problem(s, "pull", &err);
		return -1;
	}
	if (status != 200) {
		answer_error(h, status, &err);
		set_problem(s, "pull", &err);
		return -1;
	}
	ank_feed f;
	if (ank_proto_feed_decode(ank_buf_str(&h->body), h->body.len, &f, &err)) {
		set_problem(s, "pull answer", &err);
		return -1;
	}
	link_ok(s, &s->pull_link, f.server_ms);
	int rc = 0;
	bool acted = false;
	for (int i = 0; i < f.n && !rc; i++) {
		if (f.ch[i].id <= *cursor)
			continue;
		rc = apply_change(s, q, &f.ch[i], &acted, &err);
		if (!rc)
			*cursor = f.ch[i].id;
	}
	/* Past changes for other sites too, so they are not asked for again. */
	ank_store *st = ank_queue_store(q);
	if (!rc && f.cursor > *cursor) {
		if (ank_store_cursor_set(st, f.cursor, &err) == 0)
			*cursor = f.cursor;
	}
	if (rc)
		set_problem(s, "applying a change", &err);
	ank_proto_feed_free(&f);
	if (acted)
		ank_sync_nudge(s); /* the command's events go up at once */
	return rc;
}

static void *pull_main(void *arg)
{
	ank_sync *s = arg;
	ank_queue *q = NULL;
	ank_err err;
	http h = {0};
	int64_t cursor = 0;
	if (http_init(&h, s, &s->p, ANK_PROTO_MAX_FEED_BODY, &err)) {
		set_problem(s, "pull cannot start", &err);
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&s->mu);
		int64_t retry_at = s->pull_link.retry_at;
		bool stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		if (ank_now_ms() < retry_at) {
			if (wait_until(s, retry_at, false))
				break;
			continue;
		}
		/* As for the push: a database that cannot be opened now is tried again later. */
		if (!q && (ank_queue_open(s->db_path, &q, &err) != ANK_Q_OK ||
		           ank_store_cursor_get(ank_queue_store(q), &cursor, &err))) {
			ank_queue_close(q);
			q = NULL;
			set_problem(s, "opening the database", &err);
			link_fail(s, &s->pull_link);
			continue;
		}
		if (pull_once(s, q, &h, &cursor))
			link_fail(s, &s->pull_link);
	}
out:
	http_free(&h);
	ank_queue_close(q);
	return NULL;
}

/* ---- start, status, stop ---- */

int ank_sync_start(const char *db_path, const char *data_dir, ank_sync **out, ank_err *err)
{
	*out = NULL;
	if (sodium_init() < 0)
		return ank_err_set(err, "libsodium failed to start");
	ank_sync *s = calloc(1, sizeof *s);
	if (!s)
		return ank_err_set(err, "out of memory");
	int rc = token_read(db_path, &s->p, err);
	if (rc) {
		free(s);
		return rc;
	}
	snprintf(s->db_path, sizeof s->db_path, "%s", db_path);
	snprintf(s->data_dir, sizeof s->data_dir, "%s", data_dir);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->wake, NULL);
	int64_t now = ank_now_ms();
	ank_link_init(&s->push_link, now);
	ank_link_init(&s->pull_link, now);
	pthread_once(&curl_once, curl_init_once);
	s->push_started = pthread_create(&s->push_thread, NULL, push_main, s) == 0;
	s->pull_started = pthread_create(&s->pull_thread, NULL, pull_main, s) == 0;
	if (!s->push_started || !s->pull_started) {
		ank_sync_stop(s);
		return ank_err_set(err, "cannot start the sync threads");
	}
	ank_log(ANK_LOG_INFO, "sync", "kiosk %s of site %s syncing with %s", s->p.kiosk, s->p.site,
	        s->p.url);
	*out = s;
	return 0;
}

void ank_sync_nudge(ank_sync *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->nudged = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

void ank_sync_set_printer(ank_sync *s, const char *state)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	if (ank_text_is_slug(state, ANK_PRINTER_STATE_MAX) || !state[0])
		snprintf(s->printer, sizeof s->printer, "%s", state);
	pthread_mutex_unlock(&s->mu);
}

void ank_sync_status_get(ank_sync *s, ank_sync_status *out)
{
	*out = (ank_sync_status){0};
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	/* The pull always has a request open, so it speaks for the link; a push that has
	 * nothing to send has not been tried, only a failed one counts against. */
	out->online = s->pull_link.online && s->push_link.failures == 0;
	out->since_ms = s->push_link.since_ms > s->pull_link.since_ms ? s->push_link.since_ms
	                                                              : s->pull_link.since_ms;
	out->last_ok_ms = s->push_link.last_ok_ms > s->pull_link.last_ok_ms
	                          ? s->push_link.last_ok_ms
	                          : s->pull_link.last_ok_ms;
	out->skew_ms = s->pull_link.last_ok_ms ? s->pull_link.skew_ms : s->push_link.skew_ms;
	out->skewed = ank_link_skewed(&s->pull_link) || ank_link_skewed(&s->push_link);
	out->pending = s->pending;
	snprintf(out->site, sizeof out->site, "%s", s->p.site);
	snprintf(out->problem, sizeof out->problem, "%s", s->problem);
	pthread_mutex_unlock(&s->mu);
}

void ank_sync_stop(ank_sync *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
	if (s->push_started)
		pthread_join(s->push_thread, NULL);
	if (s->pull_started)
		pthread_join(s->pull_thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	sodium_memzero(&s->p, sizeof s->p);
	free(s);
}
