/* Central's own data behind the staff and admin API: sites, accounts with Argon2id password
 * hashes, sessions, the user registry with its linkage keys, staff commands and records. Each
 * write that kiosks must learn of appends its changes in the same transaction. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ank_buf.h"
#include "ank_db.h"
#include "ank_id.h"
#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"
#include "ank_vocab.h"
#include "cstore_int.h"

/* Argon2id cost of a password hash. INTERACTIVE (64 MiB, about 0.1 s here) rather than
 * MODERATE (256 MiB, about 0.7 s): staff log in once per shift, but a login burst at shift
 * change times ANK_HASHING_MAX parallel checks must fit a small central box, and the tests
 * hash dozens of times under ASan. Passwords are at least 12 characters, which matters more
 * than the factor 4. The parameters are stored in each hash; a login rehashes an account whose
 * hash was made with other ones, so raising them later needs no migration. */
#define PWHASH_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PWHASH_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

/* The linkage key's secret: 32 random bytes made on first use, in meta as hex. */
#define LINKAGE_META_KEY "linkage_key"

/* "YYYY-MM-DDTHH:MM:SSZ", the registry format's time (docs/formats.md). */
static void iso_seconds(int64_t ms, char out[21])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *time_or_null(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	char t[21];
	iso_seconds(ms, t);
	return json_string(t);
}

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

/* ---- sites ---- */

ank_cs_rc ank_cstore_site_get(ank_cstore *cs, const char *id, ank_site *out, ank_err *err)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&cs->mu);
	sqlite3_stmt *s = NULL;
	ank_cs_rc rc = ANK_CS_DB;
	if (ank_cs_prep(cs, "SELECT id, name, municipality FROM site WHERE id = ?", &s) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
		int step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			snprintf(out->id, sizeof out->id, "%s", ank_cs_col(s, 0));
			snprintf(out->name, sizeof out->name, "%s", ank_cs_col(s, 1));
			snprintf(out->municipality, sizeof out->municipality, "%s",
			         ank_cs_col(s, 2));
			rc = ANK_CS_OK;
		} else if (step == SQLITE_DONE) {
			ank_err_set(err, "unknown site");
			rc = ANK_CS_UNKNOWN;
		}
	}
	if (rc == ANK_CS_DB)
		ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

long long ank_cstore_site_change_add(ank_cstore *cs, const char *site, const char *type,
                                     const char *payload_json, int64_t now, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	long long id = -1;
	pthread_mutex_lock(&cs->mu);
	/* One lock over check and append: the change never names a site that is not there. */
	int step = SQLITE_ERROR;
	if (ank_cs_prep(cs, "SELECT 1 FROM site WHERE id = ?", &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
		step = sqlite3_step(s);
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	if (step == SQLITE_ROW)
		id = ank_cs_change_add_locked(cs, site, type, payload_json, now, err);
	else if (step == SQLITE_DONE)
		id = 0;
	if (id > 0)
		ank_cs_changed_locked(cs);
	pthread_mutex_unlock(&cs->mu);
	return id;
}

/* ---- the registry: rows and change payloads ---- */

#define USER_COLS                                                                                  \
	"id, nickname, birth_year, gender, municipality, consent_version, consent_ms, language,"   \
	" quarantine_until_ms"

static void user_from_row(sqlite3_stmt *s, ank_cuser *u)
{
	memset(u, 0, sizeof *u);
	snprintf(u->id, sizeof u->id, "%s", ank_cs_col(s, 0));
	snprintf(u->nickname, sizeof u->nickname, "%s", ank_cs_col(s, 1));
	u->birth_year = sqlite3_column_int(s, 2);
	snprintf(u->gender, sizeof u->gender, "%s", ank_cs_col(s, 3));
	snprintf(u->municipality, sizeof u->municipality, "%s", ank_cs_col(s, 4));
	snprintf(u->consent_version, sizeof u->consent_version, "%s", ank_cs_col(s, 5));
	u->consent_ms = sqlite3_column_int64(s, 6);
	snprintf(u->language, sizeof u->language, "%s", ank_cs_col(s, 7));
	u->quarantine_until_ms = sqlite3_column_int64(s, 8);
}

/* The user.upsert payload: one entry of the registry import format, id included and the
 * linkage key left out (it never leaves central). malloc'd; the caller frees it. */
static char *user_payload(const ank_cuser *u)
{
	json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:o, s:o, s:o}", "id", u->id,
	                      "nickname", u->nickname, "birth_year", u->birth_year, "gender",
	                      u->gender, "municipality", u->municipality, "consent_version",
	                      text_or_null(u->consent_version), "consent_at",
	                      time_or_null(u->consent_ms), "language", text_or_null(u->language),
	                      "quarantine_until", time_or_null(u->quarantine_until_ms));
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return text;
}

/* Appends `type` with `payload` for every site of `municipality`; locked, in the caller's
 * transaction. Returns the number of sites or -1. */
static int changes_for_municipality(ank_cstore *cs, const char *municipality, const char *type,
                                    const char *payload, int64_t now, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs, "SELECT id FROM site WHERE municipality = ? ORDER BY id", &s) !=
	    SQLITE_OK)
		return ank_cs_fail(cs, err);
	sqlite3_bind_text(s, 1, municipality, -1, SQLITE_TRANSIENT);
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char site[ANK_CS_ID_MAX + 1];
		snprintf(site, sizeof site, "%s", ank_cs_col(s, 0));
		if (ank_cs_change_add_locked(cs, site, type, payload, now, err) < 0) {
			ank_cs_end(cs, s);
			return -1;
		}
		n++;
	}
	ank_cs_end(cs, s);
	return rc == SQLITE_DONE ? n : ank_cs_fail(cs, err);
}

/* Sends `type` to every site of `municipality`, then commits the caller's transaction, so
 * a registry write and what it sends down land together, and wakes the long-polls.
 * Locked. 0 with *sites set, or -1 with everything rolled back. */
static int fan_out_and_commit(ank_cstore *cs, const char *municipality, const char *type,
                              const char *payload, int64_t now, int *sites, ank_err *err)
{
	int n = changes_for_municipality(cs, municipality, type, payload, now, err);
	if (n < 0) {
		ank_cs_rollback(cs);
		return -1;
	}
	if (ank_cs_commit(cs, err))
		return -1;
	ank_cs_changed_locked(cs);
	*sites = n;
	return 0;
}

/* The municipality whose sites get a user's entry: that of the site where the user
 * registered; for entries from before sites were recorded (site NULL or ""), the user's
 * home municipality. Written into out (8 bytes); locked. OK, UNKNOWN site, or DB. */
static ank_cs_rc routing_municipality(ank_cstore *cs, const char *site, const char *home,
                                      char out[8], ank_err *err)
{
	if (!site || !site[0]) {
		snprintf(out, 8, "%s", home);
		return ANK_CS_OK;
	}
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs, "SELECT municipality FROM site WHERE id = ?", &s) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		return ANK_CS_DB;
	}
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(out, 8, "%s", ank_cs_col(s, 0));
	ank_cs_end(cs, s);
	if (rc == SQLITE_ROW)
		return ANK_CS_OK;
	if (rc == SQLITE_DONE) {
		ank_err_set(err, "unknown site '%s'", site);
		return ANK_CS_UNKNOWN;
	}
	ank_cs_fail(cs, err);
	return ANK_CS_DB;
}

ank_cs_rc ank_cstore_site_add(ank_cstore *cs, const ank_site *site, int64_t now, int *users_sent,
                              ank_err *err)
{
	*users_sent = 0;
	const ank_municipality_info *m = ank_municipality_find(site->municipality);
	if (!ank_text_is_slug(site->id, ANK_CS_ID_MAX)) {
		ank_err_set(err, "site id must be 1-%d letters, digits, - or _", ANK_CS_ID_MAX);
		return ANK_CS_INVALID;
	}
	size_t nl = strlen(site->name);
	if (nl == 0 || nl > ANK_CS_SITE_NAME_MAX || !ank_utf8_valid_text(site->name, nl)) {
		ank_err_set(err, "site name must be 1-%d bytes of UTF-8 text",
		            ANK_CS_SITE_NAME_MAX);
		return ANK_CS_INVALID;
	}
	/* A room is somewhere: "abroad" and "unknown" are for users' home municipalities. */
	if (!m || !strcmp(m->code, "abroad") || !strcmp(m->code, "unknown")) {
		ank_err_set(err, "municipality '%s' is not an official three-digit code",
		            site->municipality);
		return ANK_CS_INVALID;
	}
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_begin(cs, err))
		goto unlock;
	if (ank_cs_prep(cs,
	                "INSERT INTO site(id, name, municipality, created_ms) VALUES (?,?,?,?)"
	                " ON CONFLICT(id) DO NOTHING",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, site->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, site->municipality, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	ank_cs_end(cs, s);
	s = NULL;
	if (sqlite3_changes(cs->db) == 0) {
		ank_err_set(err, "site '%s' exists", site->id);
		ank_cs_rollback(cs);
		out = ANK_CS_EXISTS;
		goto unlock;
	}
	/* Its ticket key first, so that its kiosks have it before their first ticket. */
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	int made = ank_cs_site_key_ensure_locked(cs, site->id, now, key, err);
	sodium_memzero(key, sizeof key);
	if (made < 0)
		goto fail_err;
	/* A new site gets the entries its municipality's sites have, as if each user had been
	 * registered after it (routing_municipality in SQL: inside the subquery `municipality`
	 * is the site's). */
	if (ank_cs_prep(cs,
	                "SELECT " USER_COLS " FROM registry WHERE coalesce((SELECT municipality"
	                " FROM site WHERE site.id = registry.site), municipality) = ? ORDER BY id",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site->municipality, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ank_cuser u;
		user_from_row(s, &u);
		char *p = user_payload(&u);
		long long id =
		        p ? ank_cs_change_add_locked(cs, site->id,
		                                     ank_chg_name(ANK_CHG_USER_UPSERT), p, now, err)
		          : -1;
		free(p);
		if (id < 0)
			goto fail_err;
		(*users_sent)++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	ank_cs_end(cs, s);
	s = NULL;
	if (ank_cs_commit(cs, err))
		goto unlock;
	ank_cs_changed_locked(cs);
	out = ANK_CS_OK;
	goto unlock;
fail:
	ank_cs_fail(cs, err);
fail_err:
	ank_cs_end(cs, s);
	ank_cs_rollback(cs);
unlock:
	pthread_mutex_unlock(&cs->mu);
	return out;
}

/* ---- accounts and sessions ---- */

void ank_cstore_addr_key(const char *addr, char out[ANK_ADDR_KEY_MAX])
{
	struct in_addr v4;
	struct in6_addr v6;
	char text[INET6_ADDRSTRLEN];
	out[0] = '\0';
	if (!addr)
		return;
	if (inet_pton(AF_INET, addr, &v4) == 1 && inet_ntop(AF_INET, &v4, text, sizeof text)) {
		snprintf(out, ANK_ADDR_KEY_MAX, "%s", text);
	} else if (inet_pton(AF_INET6, addr, &v6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&v6)) {
			memcpy(&v4, &v6.s6_addr[12], sizeof v4);
			inet_ntop(AF_INET, &v4, text, sizeof text);
			snprintf(out, ANK_ADDR_KEY_MAX, "%s", text);
			return;
		}
		memset(&v6.s6_addr[8], 0, 8);
		inet_ntop(AF_INET6, &v6, text, sizeof text);
		snprintf(out, ANK_ADDR_KEY_MAX, "%s/64", text);
	} else {
		snprintf(out, ANK_ADDR_KEY_MAX, "%s", addr);
	}
}

void ank_cs_hash_queue_push(ank_cs_hash_queue *q, ank_cs_hash_wait *w)
{
	w->next = NULL;
	w->granted = false;
	w->round = q->round + 1;
	for (ank_cs_hash_wait *o = q->head; o; o = o->next)
		if (!strcmp(o->key, w->key) && o->round >= w->round)
			w->round = o->round + 1;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
	q->n++;
}

ank_cs_hash_wait *ank_cs_hash_queue_pop(ank_cs_hash_queue *q)
{
	if (!q->head)
		return NULL;
	/* The first of the lowest round: strictly lower replaces, so ties keep arrival order. */
	ank_cs_hash_wait **best = &q->head, *prev = NULL, *best_prev = NULL;
	for (ank_cs_hash_wait **o = &q->head; *o; prev = *o, o = &(*o)->next)
		if ((*o)->round < (*best)->round) {
			best = o;
			best_prev = prev;
		}
	ank_cs_hash_wait *w = *best;
	*best = w->next;
	if (q->tail == w)
		q->tail = best_prev;
	w->next = NULL;
	q->n--;
	q->round = w->round;
	return w;
}

/* Lets in waiting checks while slots are free, and wakes the waiters to look. Locked. */
static void hashing_grant(ank_cstore *cs)
{
	bool any = false;
	while (cs->hashing < ANK_HASHING_MAX) {
		ank_cs_hash_wait *w = ank_cs_hash_queue_pop(&cs->hash_queue);
		if (!w)
			break;
		cs->hashing++;
		w->granted = true;
		any = true;
	}
	if (any)
		pthread_cond_broadcast(&cs->hash_free);
}

/* Takes one of ANK_HASHING_MAX password-hashing slots for a check from address key `key`,
 * waiting in the fair queue for one to free. */
static void hashing_enter(ank_cstore *cs, const char *key)
{
	ank_cs_hash_wait me;
	snprintf(me.key, sizeof me.key, "%s", key);
	pthread_mutex_lock(&cs->mu);
	ank_cs_hash_queue_push(&cs->hash_queue, &me);
	hashing_grant(cs);
	while (!me.granted)
		pthread_cond_wait(&cs->hash_free, &cs->mu);
	pthread_mutex_unlock(&cs->mu);
}

static void hashing_leave(ank_cstore *cs)
{
	pthread_mutex_lock(&cs->mu);
	cs->hashing--;
	cs->hash_checks++;
	hashing_grant(cs);
	pthread_mutex_unlock(&cs->mu);
}

static int password_check(const char *password, ank_err *err)
{
	size_t n = strlen(password);
	long chars = ank_utf8_valid_text(password, n) ? ank_utf8_count(password) : -1;
	if (n > ANK_PASSWORD_MAX_BYTES || chars < ANK_PASSWORD_MIN_CHARS)
		return ank_err_set(err, "the password must be %d to %d characters of text",
		                   ANK_PASSWORD_MIN_CHARS, ANK_PASSWORD_MAX_BYTES);
	return 0;
}

/* Hashes outside the store's mutex (a hash takes a tenth of a second), in a slot taken for
 * address key `key`. 0 or -1. */
static int password_hash(ank_cstore *cs, const char *key, const char *password,
                         char out[crypto_pwhash_STRBYTES], ank_err *err)
{
	hashing_enter(cs, key);
	int rc = crypto_pwhash_str(out, password, strlen(password), PWHASH_OPS, PWHASH_MEM);
	hashing_leave(cs);
	return rc == 0 ? 0 : ank_err_set(err, "not enough memory to hash the password");
}

_Static_assert(ANK_CS_PWHASH_MAX == crypto_pwhash_STRBYTES, "ANK_CS_PWHASH_MAX");

ank_cs_rc ank_cs_password_make(ank_cstore *cs, const char *password, char hash[ANK_CS_PWHASH_MAX],
                               ank_err *err)
{
	if (password_check(password, err))
		return ANK_CS_INVALID;
	/* An admin's act: all such hashes share the unknown address's slot queue. */
	return password_hash(cs, "", password, hash, err) ? ANK_CS_DB : ANK_CS_OK;
}

ank_cs_rc ank_cstore_account_add(ank_cstore *cs, const char *name, const char *password, bool admin,
                                 const char *site, int64_t now, ank_err *err)
{
	if (!ank_text_is_slug(name, ANK_CS_ID_MAX)) {
		ank_err_set(err, "user must be 1-%d letters, digits, - or _", ANK_CS_ID_MAX);
		return ANK_CS_INVALID;
	}
	if (password_check(password, err))
		return ANK_CS_INVALID;
	if (admin ? site && site[0] : !site || !site[0]) {
		ank_err_set(err, admin ? "an admin has no site" : "a staff account needs a site");
		return ANK_CS_INVALID;
	}
	char hash[crypto_pwhash_STRBYTES];
	/* An admin's act (or the command line's): all accounts share the unknown address. */
	if (password_hash(cs, "", password, hash, err))
		return ANK_CS_DB;
	ank_cs_rc out = ANK_CS_DB;
	bool inserted = false;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs,
	                "INSERT INTO account(name, pw_hash, role, site, created_ms)"
	                " SELECT ?1, ?2, ?3, ?4, ?5 WHERE ?4 IS NULL OR"
	                " EXISTS (SELECT 1 FROM site WHERE id = ?4)"
	                " ON CONFLICT(name) DO NOTHING",
	                &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, hash, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, admin ? "admin" : "staff", -1, SQLITE_STATIC);
		ank_cs_bind_opt(s, 4, admin ? NULL : site);
		sqlite3_bind_int64(s, 5, now);
		if (sqlite3_step(s) == SQLITE_DONE) {
			out = ANK_CS_OK;
			inserted = sqlite3_changes(cs->db) > 0;
		}
	}
	ank_cs_end(cs, s);
	if (out == ANK_CS_DB) {
		ank_cs_fail(cs, err);
	} else if (!inserted) {
		/* Nothing inserted: either the name is taken or the site is unknown. */
		out = ANK_CS_EXISTS;
		ank_err_set(err, "user '%s' exists", name);
		if (!admin && ank_cs_prep(cs, "SELECT 1 FROM site WHERE id = ?", &s) == SQLITE_OK) {
			sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(s) != SQLITE_ROW) {
				out = ANK_CS_INVALID;
				ank_err_set(err, "unknown site '%s'", site);
			}
			ank_cs_end(cs, s);
		}
	}
	pthread_mutex_unlock(&cs->mu);
	sodium_memzero(hash, sizeof hash);
	return out;
}

/* A hash of a password nobody knows, so that an unknown name costs the same check as a wrong
 * password and the answer time does not tell which names exist. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
	char pw[ANK_ID_HEX_LEN + 1];
	ank_id_random(pw);
	if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), PWHASH_OPS, PWHASH_MEM) != 0)
		dummy_hash[0] = '\0';
}

static void random_hex(char out[ANK_TOKEN_HEX + 1])
{
	unsigned char raw[ANK_TOKEN_HEX / 2];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, ANK_TOKEN_HEX + 1, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
}

static void account_from_row(sqlite3_stmt *s, int first, ank_account *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, first);
	snprintf(a->name, sizeof a->name, "%s", ank_cs_col(s, first + 1));
	a->admin = !strcmp(ank_cs_col(s, first + 2), "admin");
	snprintf(a->site, sizeof a->site, "%s", ank_cs_col(s, first + 3));
}

/* How failures of one kind (a name, an address) make it wait. */
typedef struct fail_rule {
	const char *kind; /* for the log: "name", "address" */
	const char *what; /* for the answer: "for this name", "from this address" */
	int free_fails;
	int64_t wait_ms, wait_max_ms;
} fail_rule;

static const fail_rule name_rule = {"name", "for this name", ANK_LOGIN_FREE_FAILS,
                                    ANK_LOGIN_WAIT_MS, ANK_LOGIN_WAIT_MAX_MS};
static const fail_rule addr_rule = {"address", "from this address", ANK_LOGIN_ADDR_FREE_FAILS,
                                    ANK_LOGIN_ADDR_WAIT_MS, ANK_LOGIN_ADDR_WAIT_MAX_MS};

/* The login record of `key` (cut to ANK_CS_ID_MAX bytes; account names are no longer) in a
 * table of n, or NULL; with `add`, a new one in a free slot or in place of the stalest.
 * Locked. */
static ank_cs_login_fail *login_fail_of(ank_cs_login_fail *table, int n, const char *key, bool add)
{
	char k[ANK_CS_ID_MAX + 1];
	snprintf(k, sizeof k, "%s", key);
	ank_cs_login_fail *stalest = &table[0];
	for (int i = 0; i < n; i++) {
		ank_cs_login_fail *f = &table[i];
		if (f->key[0] && !strcmp(f->key, k))
			return f;
		if (!f->key[0] || (stalest->key[0] && f->last_ms < stalest->last_ms))
			stalest = f;
	}
	if (!add)
		return NULL;
	memset(stalest, 0, sizeof *stalest);
	snprintf(stalest->key, sizeof stalest->key, "%s", k);
	return stalest;
}

/* Whether f may try now. Attempts still being checked count, so that parallel requests get
 * no more tries than sequential ones: the free ones at most, then one at a time. When not,
 * *retry_ms says how long. */
static bool login_may_try(const ank_cs_login_fail *f, const fail_rule *r, int64_t now,
                          int64_t *retry_ms)
{
	bool free_try = f->fails + f->pending < r->free_fails;
	bool next_try = f->fails >= r->free_fails && f->pending == 0 && f->until_ms <= now;
	if (free_try || next_try)
		return true;
	*retry_ms = f->until_ms > now ? f->until_ms - now : 1000;
	return false;
}

/* Counts a failed login of f at now and sets its wait; the start of each wait is logged
 * once, not every attempt refused during it (a flood would be a flood of lines). Locked. */
static void login_failed(ank_cs_login_fail *f, const fail_rule *r, int64_t now)
{
	f->fails++;
	f->last_ms = now;
	if (f->fails < r->free_fails)
		return;
	int64_t wait = r->wait_ms;
	for (int i = r->free_fails; i < f->fails && wait < r->wait_max_ms; i++)
		wait *= 2;
	if (wait > r->wait_max_ms)
		wait = r->wait_max_ms;
	f->until_ms = now + wait;
	ank_log(ANK_LOG_WARN, "login", "%s '%s' failed %d logins in a row: it waits %lld s",
	        r->kind, f->key, f->fails, (long long)(wait / 1000));
}

/* Login, step 1 (mu taken here): whether the address and the name may try now, and the
 * name's account and hash. A waiting address or name is answered before any hash: guessing
 * costs the guesser the wait and central nothing. On OK the attempt is counted as pending
 * for both; *found says whether the name exists. */
static ank_cs_rc login_admit(ank_cstore *cs, const char *akey, const char *name, int64_t now,
                             int64_t *retry_ms, ank_account *out, char hash[crypto_pwhash_STRBYTES],
                             bool *found, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	*found = false;
	pthread_mutex_lock(&cs->mu);
	ank_cs_login_fail *a = login_fail_of(cs->addr_fails, ANK_CS_LOGIN_ADDR_TRACKED, akey, true);
	ank_cs_login_fail *f = NULL;
	const fail_rule *held = NULL;
	if (!login_may_try(a, &addr_rule, now, retry_ms)) {
		held = &addr_rule;
	} else {
		f = login_fail_of(cs->login_fails, ANK_CS_LOGIN_TRACKED, name, true);
		if (!login_may_try(f, &name_rule, now, retry_ms))
			held = &name_rule;
	}
	if (held) {
		pthread_mutex_unlock(&cs->mu);
		ank_err_set(err, "too many failed logins %s", held->what);
		return ANK_CS_WAIT;
	}
	if (ank_cs_prep(cs,
	                "SELECT id, name, role, site, pw_hash FROM account WHERE name = ?"
	                " AND disabled_ms IS NULL",
	                &s) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		pthread_mutex_unlock(&cs->mu);
		return ANK_CS_DB;
	}
	a->pending++;
	f->pending++;
	a->last_ms = f->last_ms = now;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW) {
		account_from_row(s, 0, out);
		snprintf(hash, crypto_pwhash_STRBYTES, "%s", ank_cs_col(s, 4));
		*found = true;
	}
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return ANK_CS_OK;
}

/* The result of one checked attempt for record `key` of a table: pending no more; a success
 * forgets the failures, a failure counts. Looked up again, not kept from login_admit: a
 * burst of other keys may have reused the slot meanwhile. Locked. */
static void login_settle(ank_cs_login_fail *table, int n, const char *key, const fail_rule *r,
                         bool ok, int64_t now)
{
	ank_cs_login_fail *f = login_fail_of(table, n, key, !ok);
	if (!f)
		return;
	if (f->pending > 0)
		f->pending--;
	if (ok)
		memset(f, 0, sizeof *f);
	else
		login_failed(f, r, now);
}

/* Login, step 2, outside mu: the password check (an unknown name is checked against a
 * dummy hash, so both take the same time, in a slot taken for the address), then the
 * attempt's result kept for the name and the address. A success forgets the failures of
 * this address only. *rehash says whether the stored hash has an older cost. */
static bool login_check(ank_cstore *cs, const char *akey, const char *name, const char *password,
                        int64_t now, const char *hash, bool found, bool *rehash)
{
	pthread_once(&dummy_once, dummy_make);
	hashing_enter(cs, akey);
	bool ok = crypto_pwhash_str_verify(found ? hash : dummy_hash, password, strlen(password)) ==
	                  0 &&
	          found;
	*rehash = ok && crypto_pwhash_str_needs_rehash(hash, PWHASH_OPS, PWHASH_MEM) != 0;
	hashing_leave(cs);
	pthread_mutex_lock(&cs->mu);
	login_settle(cs->login_fails, ANK_CS_LOGIN_TRACKED, name, &name_rule, ok, now);
	login_settle(cs->addr_fails, ANK_CS_LOGIN_ADDR_TRACKED, akey, &addr_rule, ok, now);
	pthread_mutex_unlock(&cs->mu);
	return ok;
}

/* Login, step 3 (mu taken here): a new session for the account, with the new hash when
 * one was made. token and csrf are made here. OK or DB. */
static ank_cs_rc session_open(ank_cstore *cs, const ank_account *acct, const char *new_hash,
                              int64_t now, char token[ANK_TOKEN_HEX + 1],
                              char csrf[ANK_TOKEN_HEX + 1], ank_err *err)
{
	char th[65];
	random_hex(token);
	random_hex(csrf);
	ank_cs_hash_hex(token, th);
	ank_cs_rc rc = ANK_CS_DB;
	sqlite3_stmt *s = NULL, *d = NULL;
	pthread_mutex_lock(&cs->mu);
	if (new_hash &&
	    ank_cs_prep(cs, "UPDATE account SET pw_hash = ? WHERE id = ?", &d) == SQLITE_OK) {
		sqlite3_bind_text(d, 1, new_hash, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(d, 2, acct->id);
		sqlite3_step(d);
		ank_cs_end(cs, d);
	}
	if (ank_cs_prep(cs,
	                "INSERT INTO session(token_hash, account, csrf, created_ms, expires_ms)"
	                " VALUES (?,?,?,?,?)",
	                &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, th, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, acct->id);
		sqlite3_bind_text(s, 3, csrf, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, now);
		sqlite3_bind_int64(s, 5, now + ANK_SESSION_TTL_MS);
		if (sqlite3_step(s) == SQLITE_DONE)
			rc = ANK_CS_OK;
	}
	ank_cs_end(cs, s);
	if (rc == ANK_CS_DB)
		ank_cs_fail(cs, err);
	pthread_mutex_unlock(&cs->mu);
	if (rc == ANK_CS_DB) {
		sodium_memzero(token, ANK_TOKEN_HEX + 1);
		sodium_memzero(csrf, ANK_TOKEN_HEX + 1);
	}
	return rc;
}

ank_cs_rc ank_cstore_login(ank_cstore *cs, const char *addr, const char *name, const char *password,
                           int64_t now, int64_t *retry_ms, ank_account *out,
                           char token[ANK_TOKEN_HEX + 1], char csrf[ANK_TOKEN_HEX + 1],
                           ank_err *err)
{
	memset(out, 0, sizeof *out);
	token[0] = csrf[0] = '\0';
	*retry_ms = 0;
	if (strlen(password) > ANK_PASSWORD_MAX_BYTES)
		return ANK_CS_REFUSED;
	char akey[ANK_ADDR_KEY_MAX];
	ank_cstore_addr_key(addr, akey);
	char hash[crypto_pwhash_STRBYTES] = "";
	bool found = false, rehash = false;
	ank_cs_rc rc = login_admit(cs, akey, name, now, retry_ms, out, hash, &found, err);
	if (rc != ANK_CS_OK)
		return rc;
	if (!login_check(cs, akey, name, password, now, hash, found, &rehash)) {
		memset(out, 0, sizeof *out);
		sodium_memzero(hash, sizeof hash);
		return ANK_CS_REFUSED;
	}
	if (rehash && password_hash(cs, akey, password, hash, err) != 0)
		rehash = false;
	rc = session_open(cs, out, rehash ? hash : NULL, now, token, csrf, err);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

void ank_cstore_login_stats(ank_cstore *cs, int64_t now, ank_login_stats *st)
{
	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&cs->mu);
	st->checking = cs->hashing;
	st->queued = cs->hash_queue.n;
	st->checks = cs->hash_checks;
	for (int i = 0; i < ANK_CS_LOGIN_ADDR_TRACKED; i++)
		st->addrs_waiting += cs->addr_fails[i].key[0] && cs->addr_fails[i].until_ms > now;
	pthread_mutex_unlock(&cs->mu);
}

ank_cs_rc ank_cstore_session(ank_cstore *cs, const char *token, int64_t now, ank_account *out,
                             char csrf[ANK_TOKEN_HEX + 1], ank_err *err)
{
	memset(out, 0, sizeof *out);
	csrf[0] = '\0';
	if (!token || strlen(token) != ANK_TOKEN_HEX)
		return ANK_CS_UNKNOWN;
	char th[65];
	ank_cs_hash_hex(token, th);
	sqlite3_stmt *s = NULL;
	ank_cs_rc rc = ANK_CS_DB;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs,
	                "SELECT a.id, a.name, a.role, a.site, s.csrf FROM session s"
	                " JOIN account a ON a.id = s.account"
	                " WHERE s.token_hash = ? AND s.expires_ms > ? AND a.disabled_ms IS NULL",
	                &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, th, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, now);
		int step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			account_from_row(s, 0, out);
			snprintf(csrf, ANK_TOKEN_HEX + 1, "%s", ank_cs_col(s, 4));
			rc = ANK_CS_OK;
		} else if (step == SQLITE_DONE) {
			rc = ANK_CS_UNKNOWN;
		}
	}
	ank_cs_end(cs, s);
	if (rc == ANK_CS_DB)
		ank_cs_fail(cs, err);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

int ank_cstore_logout(ank_cstore *cs, const char *token, ank_err *err)
{
	if (!token || strlen(token) != ANK_TOKEN_HEX)
		return 0;
	char th[65];
	ank_cs_hash_hex(token, th);
	sqlite3_stmt *s = NULL;
	int rc = -1;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs, "DELETE FROM session WHERE token_hash = ?", &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, th, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_DONE)
			rc = 0;
	}
	ank_cs_end(cs, s);
	if (rc < 0)
		ank_cs_fail(cs, err);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

int ank_cstore_sessions_purge(ank_cstore *cs, int64_t now, long long *n, ank_err *err)
{
	*n = 0;
	sqlite3_stmt *s = NULL;
	int rc = -1;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs, "DELETE FROM session WHERE expires_ms <= ?", &s) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, now);
		if (sqlite3_step(s) == SQLITE_DONE) {
			*n = sqlite3_changes(cs->db);
			rc = 0;
		}
	}
	ank_cs_end(cs, s);
	if (rc < 0)
		ank_cs_fail(cs, err);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

/* ---- users ---- */

/* The linkage secret, made on first use; locked, inside the caller's transaction. */
static int linkage_secret(ank_cstore *cs, unsigned char key[crypto_generichash_KEYBYTES],
                          ank_err *err)
{
	char hex[2 * crypto_generichash_KEYBYTES + 1];
	random_hex(hex); /* used only if none is stored yet */
	_Static_assert(sizeof hex == ANK_TOKEN_HEX + 1, "the secret is 32 bytes");
	sqlite3_stmt *s = NULL;
	int rc = -1;
	if (ank_cs_prep(cs,
	                "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key)"
	                " DO UPDATE SET value = value RETURNING value",
	                &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, LINKAGE_META_KEY, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, hex, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW &&
		    sodium_hex2bin(key, crypto_generichash_KEYBYTES, ank_cs_col(s, 0),
		                   2 * crypto_generichash_KEYBYTES, NULL, NULL, NULL) == 0)
			rc = 0;
	}
	ank_cs_end(cs, s);
	sodium_memzero(hex, sizeof hex);
	return rc == 0 ? 0
	               : ank_err_set(err, "cannot read or make the linkage secret: %s",
	                             sqlite3_errmsg(cs->db));
}

/* The linkage key of docs/privacy.md: keyed BLAKE2b (32 bytes, hex) over
 * "<folded nickname>|<birth year>|<gender>"; the folded nickname holds only letters, digits
 * and single spaces, so '|' cannot be forged from it. */
static int linkage_key(ank_cstore *cs, const ank_cuser *u, char out[65], ank_err *err)
{
	unsigned char key[crypto_generichash_KEYBYTES];
	if (linkage_secret(cs, key, err))
		return -1;
	ank_buf b;
	ank_buf_init(&b, 1024);
	int rc = -1;
	if (ank_text_fold(u->nickname, ANK_FOLD_PLAIN, &b) == 0 &&
	    ank_buf_printf(&b, "|%d|%s", u->birth_year, u->gender) == 0) {
		unsigned char h[32];
		crypto_generichash(h, sizeof h, (const unsigned char *)ank_buf_str(&b), b.len, key,
		                   sizeof key);
		sodium_bin2hex(out, 65, h, sizeof h);
		rc = 0;
	} else {
		ank_err_set(err, "the nickname cannot be folded");
	}
	sodium_memzero(key, sizeof key);
	ank_buf_free(&b);
	return rc;
}

ank_cs_rc ank_cstore_user_add(ank_cstore *cs, ank_cuser *u, long long account, int64_t now,
                              int *sites, ank_err *err)
{
	*sites = 0;
	char hex[ANK_ID_HEX_LEN + 1];
	if (ank_id_random(hex)) {
		ank_err_set(err, "no random numbers");
		return ANK_CS_DB;
	}
	/* 64 random bits: unique among any number of users a country registers. */
	snprintf(u->id, sizeof u->id, "u-%.16s", hex);
	char *payload = user_payload(u);
	if (!payload) {
		ank_err_set(err, "out of memory");
		return ANK_CS_DB;
	}
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	char link[65];
	char muni[8];
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_begin(cs, err))
		goto unlock;
	/* An empty site would fall back to the home municipality: a new user always has one. */
	ank_cs_rc known = ANK_CS_INVALID;
	if (u->site[0])
		known = routing_municipality(cs, u->site, "", muni, err);
	else
		ank_err_set(err, "no site: a user registers at a site");
	if (known != ANK_CS_OK) {
		ank_cs_rollback(cs);
		out = known;
		goto unlock;
	}
	if (linkage_key(cs, u, link, err))
		goto fail_err;
	if (ank_cs_prep(cs,
	                "INSERT INTO registry(" USER_COLS ", linkage, created_by, created_ms, site)"
	                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, u->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, u->nickname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, u->birth_year);
	sqlite3_bind_text(s, 4, u->gender, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, u->municipality, -1, SQLITE_TRANSIENT);
	ank_cs_bind_opt(s, 6, u->consent_version);
	if (u->consent_ms > 0)
		sqlite3_bind_int64(s, 7, u->consent_ms);
	ank_cs_bind_opt(s, 8, u->language);
	if (u->quarantine_until_ms > 0)
		sqlite3_bind_int64(s, 9, u->quarantine_until_ms);
	sqlite3_bind_text(s, 10, link, -1, SQLITE_TRANSIENT);
	if (account > 0)
		sqlite3_bind_int64(s, 11, account);
	sqlite3_bind_int64(s, 12, now);
	sqlite3_bind_text(s, 13, u->site, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	ank_cs_end(cs, s);
	s = NULL;
	out = fan_out_and_commit(cs, muni, ank_chg_name(ANK_CHG_USER_UPSERT), payload, now, sites,
	                         err)
	              ? ANK_CS_DB
	              : ANK_CS_OK;
	goto unlock;
fail:
	ank_cs_fail(cs, err);
fail_err:
	ank_cs_end(cs, s);
	ank_cs_rollback(cs);
unlock:
	pthread_mutex_unlock(&cs->mu);
	sodium_memzero(link, sizeof link);
	free(payload);
	return out;
}

ank_cs_rc ank_cstore_user_quarantine(ank_cstore *cs, const char *id, const char *staff_site,
                                     int64_t until_ms, int64_t now, int *sites, ank_err *err)
{
	*sites = 0;
	json_t *j =
	        json_pack("{s:s, s:o}", ANK_FN(USER), id, ANK_FN(UNTIL), time_or_null(until_ms));
	char *payload = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!payload) {
		ank_err_set(err, "out of memory");
		return ANK_CS_DB;
	}
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	char home[8] = "", site[ANK_CS_ID_MAX + 1] = "", municipality[8] = "";
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_begin(cs, err))
		goto unlock;
	if (ank_cs_prep(cs,
	                "UPDATE registry SET quarantine_until_ms = ? WHERE id = ?"
	                " RETURNING municipality, site",
	                &s) != SQLITE_OK)
		goto fail;
	if (until_ms > 0)
		sqlite3_bind_int64(s, 1, until_ms);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(home, sizeof home, "%s", ank_cs_col(s, 0));
		snprintf(site, sizeof site, "%s", ank_cs_col(s, 1));
	}
	ank_cs_end(cs, s);
	s = NULL;
	if (rc != SQLITE_ROW) {
		/* A failed step is the database's, not an unknown user. */
		if (rc != SQLITE_DONE)
			goto fail;
		ank_err_set(err, "unknown user");
		ank_cs_rollback(cs);
		out = ANK_CS_UNKNOWN;
		goto unlock;
	}
	/* The same sites as the entry went to. A site is never deleted, so it is known. */
	if (routing_municipality(cs, site, home, municipality, err) != ANK_CS_OK) {
		ank_cs_rollback(cs);
		goto unlock;
	}
	/* Staff change only the quarantines their own site enforces. */
	char theirs[8] = "";
	if (staff_site && (routing_municipality(cs, staff_site, "", theirs, err) != ANK_CS_OK ||
	                   strcmp(theirs, municipality) != 0)) {
		ank_cs_rollback(cs);
		ank_err_set(err, "user %s is not registered at a site of %s's municipality", id,
		            staff_site);
		out = ANK_CS_FORBIDDEN;
		goto unlock;
	}
	out = fan_out_and_commit(cs, municipality, ank_chg_name(ANK_CHG_QUARANTINE), payload, now,
	                         sites, err)
	              ? ANK_CS_DB
	              : ANK_CS_OK;
	goto unlock;
fail:
	ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	ank_cs_rollback(cs);
unlock:
	pthread_mutex_unlock(&cs->mu);
	free(payload);
	return out;
}

ank_cs_rc ank_cstore_user_delete(ank_cstore *cs, const char *id, int64_t now, int *sites,
                                 ank_err *err)
{
	*sites = 0;
	json_t *j = json_pack("{s:s}", ANK_FN(USER), id);
	char *payload = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!payload) {
		ank_err_set(err, "out of memory");
		return ANK_CS_DB;
	}
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	char home[8] = "", site[ANK_CS_ID_MAX + 1] = "", municipality[8] = "";
	unsigned char person[16];
	char person_hex[33];
	randombytes_buf(person, sizeof person);
	sodium_bin2hex(person_hex, sizeof person_hex, person, sizeof person);
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_begin(cs, err))
		goto unlock;
	/* What the report's past counts need, without the nickname: the demographic codes and a
	 * person id. While another entry of the same person (the same linkage key, a double
	 * registration) is live, that is the key, so the person still counts once; for the last
	 * one it is a random id, which also replaces the key in the person's earlier forgotten
	 * entries, so the key is then kept nowhere. */
	if (ank_cs_prep(cs,
	                "UPDATE forgotten SET person = ?1 WHERE person = (SELECT linkage FROM"
	                " registry WHERE id = ?2) AND NOT EXISTS (SELECT 1 FROM registry r2 WHERE"
	                " r2.linkage = forgotten.person AND r2.id != ?2)",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, person_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	ank_cs_end(cs, s);
	s = NULL;
	if (ank_cs_prep(cs,
	                "INSERT INTO forgotten(id, person, birth_year, gender, municipality,"
	                " forgotten_ms) SELECT id, CASE WHEN EXISTS (SELECT 1 FROM registry r2"
	                " WHERE r2.linkage = registry.linkage AND r2.id != registry.id) THEN"
	                " linkage ELSE ?1 END, birth_year, gender, municipality, ?2"
	                " FROM registry WHERE id = ?3 RETURNING (SELECT municipality FROM registry"
	                " WHERE id = ?3), (SELECT site FROM registry WHERE id = ?3)",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, person_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(home, sizeof home, "%s", ank_cs_col(s, 0));
		snprintf(site, sizeof site, "%s", ank_cs_col(s, 1));
		rc = sqlite3_step(s);
	}
	ank_cs_end(cs, s);
	s = NULL;
	if (!home[0]) {
		if (rc != SQLITE_DONE)
			goto fail;
		ank_err_set(err, "unknown user");
		ank_cs_rollback(cs);
		out = ANK_CS_UNKNOWN;
		goto unlock;
	}
	if (routing_municipality(cs, site, home, municipality, err) != ANK_CS_OK) {
		ank_cs_rollback(cs);
		goto unlock;
	}
	/* The feed's earlier changes of the user (their entry with the nickname, their
	 * quarantines) become deletions too: a kiosk still behind them never receives the
	 * name, and central keeps it nowhere. */
	if (ank_cs_prep(cs,
	                "UPDATE change SET type = ?1, payload = ?2 WHERE (type = ?3 AND"
	                " json_extract(payload, ?6) = ?5) OR (type = ?4 AND"
	                " json_extract(payload, ?7) = ?5)",
	                &s) != SQLITE_OK)
		goto fail;
	char id_path[32], user_path[32];
	snprintf(id_path, sizeof id_path, "$.%s", ANK_FN(ID));
	snprintf(user_path, sizeof user_path, "$.%s", ANK_FN(USER));
	sqlite3_bind_text(s, 6, id_path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 7, user_path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 1, ank_chg_name(ANK_CHG_USER_DELETE), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, payload, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ank_chg_name(ANK_CHG_USER_UPSERT), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, ank_chg_name(ANK_CHG_QUARANTINE), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	ank_cs_end(cs, s);
	s = NULL;
	if (ank_cs_prep(cs, "DELETE FROM registry WHERE id = ?", &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	ank_cs_end(cs, s);
	s = NULL;
	out = fan_out_and_commit(cs, municipality, ank_chg_name(ANK_CHG_USER_DELETE), payload, now,
	                         sites, err)
	              ? ANK_CS_DB
	              : ANK_CS_OK;
	if (out == ANK_CS_OK) {
		ank_cs_ring_forget(cs, id, payload);
		/* The WAL's older frames still hold the entry as it was: a truncating checkpoint
		 * empties it (best effort: a reader in the way leaves it to the next checkpoint,
		 * which overwrites them in time). */
		int ck = sqlite3_wal_checkpoint_v2(cs->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
		                                   NULL);
		if (ck != SQLITE_OK)
			ank_log(ANK_LOG_WARN, "central",
			        "the WAL was not emptied after deleting %s: %s", id,
			        sqlite3_errstr(ck));
	}
	goto unlock;
fail:
	ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	ank_cs_rollback(cs);
unlock:
	pthread_mutex_unlock(&cs->mu);
	free(payload);
	return out;
}

int ank_cstore_retention(ank_cstore *cs, const ank_cs_retention *r, int64_t now,
                         ank_cs_retention_stats *st, ank_err *err)
{
	memset(st, 0, sizeof *st);
	if (r->registry_months > 0) {
		/* The users to go, read first (the deletions take the lock one by one). A visit is
		 * a day with a check-in (day_user, by local date: a day's slack is harmless). */
		int64_t cutoff = now - (int64_t)r->registry_months * 30 * 24 * 3600 * 1000LL;
		char cutoff_date[32];
		ank_iso_format(cutoff, cutoff_date, sizeof cutoff_date);
		cutoff_date[10] = '\0';
		char(*ids)[ANK_CS_ID_MAX + 1] = calloc(ANK_RETAIN_ROUND_MAX, sizeof *ids);
		if (!ids)
			return ank_err_set(err, "out of memory");
		int n = 0;
		sqlite3_stmt *s = NULL;
		pthread_mutex_lock(&cs->mu);
		int rc = ank_cs_prep(cs,
		                     "SELECT id FROM registry WHERE created_ms < ? AND id NOT IN"
		                     " (SELECT DISTINCT user FROM day_user WHERE date >= ?)"
		                     " ORDER BY created_ms LIMIT ?",
		                     &s);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, cutoff);
			sqlite3_bind_text(s, 2, cutoff_date, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(s, 3, ANK_RETAIN_ROUND_MAX);
			while ((rc = sqlite3_step(s)) == SQLITE_ROW)
				snprintf(ids[n++], sizeof ids[0], "%s", ank_cs_col(s, 0));
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
		if (rc != SQLITE_OK)
			ank_cs_fail(cs, err);
		ank_cs_end(cs, s);
		pthread_mutex_unlock(&cs->mu);
		for (int i = 0; rc == SQLITE_OK && i < n; i++) {
			int sites = 0;
			ank_cs_rc d = ank_cstore_user_delete(cs, ids[i], now, &sites, err);
			if (d == ANK_CS_OK)
				st->users_deleted++;
			else if (d != ANK_CS_UNKNOWN) /* deleted meanwhile: nothing to do */
				rc = SQLITE_ERROR;
		}
		free(ids);
		if (rc != SQLITE_OK)
			return -1;
	}
	if (r->incident_text_days > 0) {
		int64_t cutoff = now - (int64_t)r->incident_text_days * 24 * 3600 * 1000LL;
		sqlite3_stmt *s = NULL;
		pthread_mutex_lock(&cs->mu);
		int rc = ank_cs_prep(cs,
		                     "UPDATE record SET body = json_remove(body, '$.text')"
		                     " WHERE kind = 'incident' AND at_ms < ?"
		                     " AND json_type(body, '$.text') IS NOT NULL",
		                     &s);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, cutoff);
			rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			st->incident_texts = sqlite3_changes(cs->db);
		}
		if (rc != SQLITE_OK)
			ank_cs_fail(cs, err);
		ank_cs_end(cs, s);
		pthread_mutex_unlock(&cs->mu);
		if (rc != SQLITE_OK)
			return -1;
	}
	if (r->audit_days > 0 &&
	    ank_cs_audit_prune(cs, now - (int64_t)r->audit_days * 24 * 3600 * 1000LL, now,
	                       &st->audit_rows, err))
		return -1;
	if (r->events_days > 0 &&
	    ank_cs_events_prune(cs, now - (int64_t)r->events_days * 24 * 3600 * 1000LL, &st->events,
	                        err))
		return -1;
	return 0;
}

/* ---- commands and records ---- */

long long ank_cstore_command_add(ank_cstore *cs, ank_command *c, long long account, int64_t now,
                                 ank_err *err)
{
	long long id = -1;
	sqlite3_stmt *s = NULL;
	char *payload = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_begin(cs, err))
		goto unlock;
	if (ank_cs_prep(cs,
	                "INSERT INTO command(site, type, ticket, station, route, account,"
	                " created_ms) VALUES (?,?,?,?,?,?,?) RETURNING id",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, c->site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, c->type, -1, SQLITE_TRANSIENT);
	if (c->ticket > 0)
		sqlite3_bind_int64(s, 3, c->ticket);
	ank_cs_bind_opt(s, 4, c->station);
	ank_cs_bind_opt(s, 5, c->route);
	if (account > 0)
		sqlite3_bind_int64(s, 6, account);
	sqlite3_bind_int64(s, 7, now);
	if (sqlite3_step(s) != SQLITE_ROW)
		goto fail;
	c->id = sqlite3_column_int64(s, 0);
	ank_cs_end(cs, s);
	s = NULL;
	/* Only the fields the command was given: the kiosk checks what each command needs. */
	json_t *j = json_pack("{s:I, s:s}", ANK_FN(ID), (json_int_t)c->id, ANK_FN(TYPE), c->type);
	if (j && c->ticket > 0)
		json_object_set_new(j, ANK_FN(TICKET), json_integer(c->ticket));
	if (j && c->station[0])
		json_object_set_new(j, ANK_FN(STATION), json_string(c->station));
	if (j && c->route[0])
		json_object_set_new(j, ANK_FN(ROUTE), json_string(c->route));
	payload = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!payload) {
		ank_err_set(err, "out of memory");
		goto fail_err;
	}
	if (ank_cs_change_add_locked(cs, c->site, ank_chg_name(ANK_CHG_COMMAND), payload, now,
	                             err) < 0)
		goto fail_err;
	if (ank_cs_commit(cs, err))
		goto unlock;
	ank_cs_changed_locked(cs);
	ank_cstore_site_touch(cs, c->site);
	snprintf(c->state, sizeof c->state, "sent");
	c->created_ms = now;
	id = c->id;
	goto unlock;
fail:
	ank_cs_fail(cs, err);
fail_err:
	ank_cs_end(cs, s);
	ank_cs_rollback(cs);
unlock:
	pthread_mutex_unlock(&cs->mu);
	free(payload);
	return id;
}

ank_cs_rc ank_cstore_command_get(ank_cstore *cs, const char *site, long long id, ank_command *out,
                                 ank_err *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = NULL;
	ank_cs_rc rc = ANK_CS_DB;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs,
	                "SELECT id, site, type, coalesce(ticket, 0), station, route, state,"
	                " reason, coalesce(result_ticket, 0), created_ms,"
	                " coalesce(done_ms, 0) FROM command WHERE id = ? AND site = ?",
	                &s) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, site, -1, SQLITE_TRANSIENT);
		int step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			out->id = sqlite3_column_int64(s, 0);
			snprintf(out->site, sizeof out->site, "%s", ank_cs_col(s, 1));
			snprintf(out->type, sizeof out->type, "%s", ank_cs_col(s, 2));
			out->ticket = sqlite3_column_int64(s, 3);
			snprintf(out->station, sizeof out->station, "%s", ank_cs_col(s, 4));
			snprintf(out->route, sizeof out->route, "%s", ank_cs_col(s, 5));
			snprintf(out->state, sizeof out->state, "%s", ank_cs_col(s, 6));
			snprintf(out->reason, sizeof out->reason, "%s", ank_cs_col(s, 7));
			out->result_ticket = sqlite3_column_int64(s, 8);
			out->created_ms = sqlite3_column_int64(s, 9);
			out->done_ms = sqlite3_column_int64(s, 10);
			rc = ANK_CS_OK;
		} else if (step == SQLITE_DONE) {
			ank_err_set(err, "unknown command");
			rc = ANK_CS_UNKNOWN;
		}
	}
	ank_cs_end(cs, s);
	if (rc == ANK_CS_DB)
		ank_cs_fail(cs, err);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

long long ank_cstore_record_add(ank_cstore *cs, const char *site, const ank_record *rec,
                                const char *body_json, int64_t at_ms, long long account,
                                int64_t now, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	long long id = -1;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs,
	                "INSERT INTO record(site, kind, body, at_ms, account, created_ms, code,"
	                " naloxone, oxygen, ambulance) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
	                &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, rec->kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, body_json, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, at_ms);
		if (account > 0)
			sqlite3_bind_int64(s, 5, account);
		sqlite3_bind_int64(s, 6, now);
		ank_cs_bind_opt(s, 7, rec->code);
		sqlite3_bind_int(s, 8, rec->naloxone);
		sqlite3_bind_int(s, 9, rec->oxygen);
		sqlite3_bind_int(s, 10, rec->ambulance);
		if (sqlite3_step(s) == SQLITE_ROW)
			id = sqlite3_column_int64(s, 0);
	}
	ank_cs_end(cs, s);
	if (id < 0)
		ank_cs_fail(cs, err);
	pthread_mutex_unlock(&cs->mu);
	return id;
}

/* ---- the console: looking users up, acknowledging alarms ---- */

/* True when the folded `key` equals the folded query (exact) or one of its words starts with
 * it. */
static bool nickname_matches(const char *key, const char *q, bool exact)
{
	size_t n = strlen(q);
	if (exact)
		return !strcmp(key, q);
	for (const char *w = key; *w;) {
		if (!strncmp(w, q, n))
			return true;
		const char *sp = strchr(w, ' ');
		if (!sp)
			break;
		w = sp + 1;
	}
	return false;
}

ank_cs_rc ank_cstore_users_find(ank_cstore *cs, const char *staff_site, const char *query,
                                bool exact, ank_cuser out[ANK_USERS_FIND_MAX], int *n, bool *more,
                                ank_err *err)
{
	*n = 0;
	*more = false;
	ank_buf q, key;
	ank_buf_init(&q, 1024);
	ank_buf_init(&key, 1024);
	if (ank_text_fold(query, ANK_FOLD_PLAIN, &q)) {
		ank_buf_free(&q);
		ank_buf_free(&key);
		ank_err_set(err, "nickname is not valid UTF-8 or too long");
		return ANK_CS_INVALID;
	}
	ank_cs_rc out_rc = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	char municipality[8] = "";
	pthread_mutex_lock(&cs->mu);
	if (staff_site) {
		out_rc = routing_municipality(cs, staff_site, "", municipality, err);
		if (out_rc != ANK_CS_OK)
			goto unlock;
		out_rc = ANK_CS_DB;
	}
	/* The same scope as a quarantine change: the municipality whose sites got the entry
	 * (its site's, else its home municipality for entries from before sites were kept). A
	 * scan, folded in C: staff look users up a few times an hour, never on the kiosk's path. */
	if (ank_cs_prep(cs,
	                "SELECT r.id, r.nickname, r.birth_year, r.gender, r.municipality,"
	                " r.consent_version, r.consent_ms, r.language, r.quarantine_until_ms,"
	                " r.site FROM registry r LEFT JOIN site s ON s.id = r.site"
	                " WHERE ?1 IS NULL OR coalesce(s.municipality, r.municipality) = ?1"
	                " ORDER BY r.nickname, r.id",
	                &s) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		goto unlock;
	}
	if (staff_site)
		sqlite3_bind_text(s, 1, municipality, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		key.len = 0;
		if (ank_text_fold(ank_cs_col(s, 1), ANK_FOLD_PLAIN, &key) ||
		    !nickname_matches(ank_buf_str(&key), ank_buf_str(&q), exact))
			continue;
		if (*n == ANK_USERS_FIND_MAX) {
			*more = true;
			break;
		}
		user_from_row(s, &out[*n]);
		snprintf(out[*n].site, sizeof out[*n].site, "%s", ank_cs_col(s, 9));
		(*n)++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ank_cs_fail(cs, err);
	else
		out_rc = ANK_CS_OK;
unlock:
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	ank_buf_free(&q);
	ank_buf_free(&key);
	return out_rc;
}

ank_cs_rc ank_cstore_alarm_ack(ank_cstore *cs, const char *site, const char *kiosk,
                               const char *station, long long ticket, const char *level,
                               const char *by, int64_t now, long long *id, ank_err *err)
{
	*id = 0;
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	/* Only a station the site's kiosk reported: a typo is refused, not stored. */
	if (ank_cs_prep(cs,
	                "INSERT INTO alarm_ack(site, kiosk, station, ticket, level, account, at_ms)"
	                " SELECT k.site, p.kiosk, p.station, ?4, ?5, ?6, ?7 FROM proj_station p"
	                " JOIN kiosk k ON k.id = p.kiosk WHERE k.site = ?1 AND p.kiosk = ?2"
	                " AND p.station = ?3 RETURNING id",
	                &s) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		goto unlock;
	}
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, kiosk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, station, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, ticket);
	sqlite3_bind_text(s, 5, level, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, now);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		out = ANK_CS_OK;
	} else if (rc == SQLITE_DONE) {
		ank_err_set(err, "no station %s at kiosk %s of site %s", station, kiosk, site);
		out = ANK_CS_UNKNOWN;
	} else {
		ank_cs_fail(cs, err);
	}
unlock:
	ank_cs_end(cs, s);
	if (out == ANK_CS_OK)
		ank_cs_write_ok(cs);
	pthread_mutex_unlock(&cs->mu);
	if (out == ANK_CS_OK)
		ank_cstore_site_touch(cs, site);
	return out;
}

ank_cs_rc ank_cstore_help_ack(ank_cstore *cs, const char *site, const char *kiosk, long long id,
                              const char *by, int64_t now, bool *created,
                              char by_out[ANK_CS_ID_MAX + 1], int64_t *at_out, ank_err *err)
{
	*created = false;
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	/* Only a request the site's kiosk reported; the first to take it keeps it. */
	if (ank_cs_prep(cs,
	                "INSERT INTO help_ack(kiosk, id, site, account, at_ms)"
	                " SELECT h.kiosk, h.id, h.site, ?4, ?5 FROM help_request h"
	                " WHERE h.site = ?1 AND h.kiosk = ?2 AND h.id = ?3"
	                " ON CONFLICT(kiosk, id) DO NOTHING",
	                &s) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		goto unlock;
	}
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, kiosk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, id);
	sqlite3_bind_text(s, 4, by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, now);
	if (sqlite3_step(s) != SQLITE_DONE) {
		ank_cs_fail(cs, err);
		goto unlock;
	}
	*created = sqlite3_changes(cs->db) > 0;
	ank_cs_end(cs, s);
	s = NULL;
	if (ank_cs_prep(
	            cs,
	            "SELECT account, at_ms FROM help_ack WHERE kiosk = ? AND id = ? AND site = ?",
	            &s) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		goto unlock;
	}
	sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_text(s, 3, site, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (by_out)
			snprintf(by_out, ANK_CS_ID_MAX + 1, "%s", ank_cs_col(s, 0));
		if (at_out)
			*at_out = sqlite3_column_int64(s, 1);
		out = ANK_CS_OK;
	} else if (rc == SQLITE_DONE) {
		ank_err_set(err, "no help request %lld of kiosk %s at site %s", id, kiosk, site);
		out = ANK_CS_UNKNOWN;
	} else {
		ank_cs_fail(cs, err);
	}
unlock:
	ank_cs_end(cs, s);
	if (*created)
		ank_cs_write_ok(cs);
	pthread_mutex_unlock(&cs->mu);
	if (*created) {
		ank_cstore_site_touch(cs, site);
		/* The kiosk closes it too, so its staff screen does not send a second person. A
		 * failure to queue the change is logged: the console has the answer already. */
		json_t *j =
		        json_pack("{s:s, s:I}", ANK_FN(KIOSK), kiosk, ANK_FN(ID), (json_int_t)id);
		char *payload = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(j);
		ank_err why;
		if (!payload || ank_cstore_change_add(cs, site, ank_chg_name(ANK_CHG_HELP_TAKEN),
		                                      payload, now, &why) < 0)
			ank_log(ANK_LOG_WARN, "staff",
			        "help request %lld of kiosk %s: not sent down: %s", id, kiosk,
			        payload ? why.msg : "out of memory");
		free(payload);
	}
	return out;
}
