/* The administrators' part of central.db (issue 13): the kiosk list with each kiosk's health,
 * revoking a kiosk's token, managing accounts (disable, enable, role and site, password, each
 * ending the account's sessions), and the audit log, an append-only table whose rows are
 * chained by SHA-256 so that `ankomst-central audit-verify` finds a row changed or deleted. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_text.h"
#include "cstore_int.h"

/* The previous hash of the first row: 64 zeros. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static void col_copy(char *dst, size_t n, sqlite3_stmt *s, int i)
{
	snprintf(dst, n, "%s", ank_cs_col(s, i));
}
#define COL(dst, s, i) col_copy(dst, sizeof dst, s, i)

/* One row of a listing from the statement's current row into `row` (zeroed already). */
typedef void row_fill_fn(ank_cstore *cs, sqlite3_stmt *s, void *row);

/* Steps s (prepared on connection db, bound) to its end, appending each row to *out as an
 * element of `size` bytes filled by fill. 0, or -1 with err; either way *out (malloc'd) and
 * *n hold what was read, and list_done frees them on failure. */
static int list_rows(ank_cstore *cs, sqlite3 *db, sqlite3_stmt *s, size_t size, row_fill_fn *fill,
                     void **out, int *n, ank_err *err)
{
	int cap = 0, step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		char *row = ank_cs_grow(out, *n, &cap, size); /* the element at *n */
		if (!row)
			return ank_err_set(err, "out of memory");
		memset(row, 0, size);
		fill(cs, s, row);
		(*n)++;
	}
	return step == SQLITE_DONE ? 0 : ank_err_set(err, "sqlite: %s", sqlite3_errmsg(db));
}

/* A listing's end: on failure (rc) nothing is returned. */
static int list_done(int rc, void **out, int *n)
{
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- sites and kiosks ---- */

static void site_fill(ank_cstore *cs, sqlite3_stmt *s, void *row)
{
	(void)cs;
	ank_site *site = row;
	COL(site->id, s, 0);
	COL(site->name, s, 1);
	COL(site->municipality, s, 2);
}

int ank_cstore_sites_list(ank_cstore *cs, ank_site **out, int *n, ank_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	int rc = ank_cs_prep(cs, "SELECT id, name, municipality FROM site ORDER BY id", &s) ==
	                         SQLITE_OK
	                 ? list_rows(cs, cs->db, s, sizeof **out, site_fill, (void **)out, n, err)
	                 : ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return list_done(rc, (void **)out, n);
}

/* A kiosk's row; online is decided by the caller, who knows now. */
static void kiosk_fill(ank_cstore *cs, sqlite3_stmt *s, void *row)
{
	ank_kiosk_info *k = row;
	COL(k->id, s, 0);
	COL(k->site, s, 1);
	k->paired_ms = sqlite3_column_int64(s, 2);
	k->last_seen_ms = ank_cs_seen_get(cs, k->id, sqlite3_column_int64(s, 3));
	k->revoked_ms = sqlite3_column_int64(s, 4);
	k->skewed = sqlite3_column_type(s, 5) != SQLITE_NULL;
	k->clock_skew_ms = sqlite3_column_int64(s, 5);
	ank_cs_version_get(cs, k->id, k->version);
	if (!k->version[0])
		COL(k->version, s, 6);
	k->acked = sqlite3_column_int64(s, 7);
	k->last_event_ms = sqlite3_column_int64(s, 8);
	k->has_unsent = ank_cs_unsent_get(cs, k->id, &k->unsent);
}

int ank_cstore_kiosks_list(ank_cstore *cs, int64_t now, ank_kiosk_info **out, int *n, ank_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	/* The newest event by the primary key (kiosk, seq): one seek per kiosk. */
	int rc = ank_cs_prep(cs,
	                     "SELECT k.id, k.site, k.paired_ms, k.last_seen_ms, k.revoked_ms,"
	                     " k.clock_skew_ms, k.version, e.seq, e.received_ms FROM kiosk k"
	                     " LEFT JOIN event e ON e.kiosk = k.id AND e.seq ="
	                     " (SELECT max(seq) FROM event WHERE kiosk = k.id)"
	                     " ORDER BY k.site, k.id",
	                     &s) == SQLITE_OK
	                 ? list_rows(cs, cs->db, s, sizeof **out, kiosk_fill, (void **)out, n, err)
	                 : ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	for (int i = 0; !rc && i < *n; i++) {
		ank_kiosk_info *k = &(*out)[i];
		k->online =
		        !k->revoked_ms && k->last_seen_ms && now - k->last_seen_ms < ANK_ONLINE_MS;
	}
	return list_done(rc, (void **)out, n);
}

/* Marks the kiosk revoked in memory, so that a long-poll it holds is not answered with
 * changes when it is woken. */
static void seen_revoke(ank_cstore *cs, const char *kiosk)
{
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk))
			cs->seen[i].revoked = true;
	pthread_mutex_unlock(&cs->seen_mu);
}

ank_cs_rc ank_cstore_kiosk_revoke(ank_cstore *cs, const char *kiosk, int64_t now,
                                  char site[ANK_CS_ID_MAX + 1], ank_err *err)
{
	site[0] = '\0';
	if (ank_cs_refuse_writes(cs, err))
		return ANK_CS_DB;
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs, "SELECT site, revoked_ms IS NOT NULL FROM kiosk WHERE id = ?", &s) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
	int step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		ank_err_set(err, "unknown kiosk");
		out = ANK_CS_UNKNOWN;
		goto done;
	}
	if (step != SQLITE_ROW)
		goto fail;
	col_copy(site, ANK_CS_ID_MAX + 1, s, 0);
	if (sqlite3_column_int(s, 1)) {
		ank_err_set(err, "kiosk %s is revoked already", kiosk);
		out = ANK_CS_EXISTS;
		goto done;
	}
	ank_cs_end(cs, s);
	s = NULL;
	if (ank_cs_prep(cs, "UPDATE kiosk SET revoked_ms = ? WHERE id = ?", &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, kiosk, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	ank_cs_write_ok(cs);
	out = ANK_CS_OK;
	goto done;
fail:
	ank_cs_fail(cs, err);
	out = ank_cs_db_rc(cs);
done:
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	if (out == ANK_CS_OK) {
		seen_revoke(cs, kiosk);
		ank_cstore_site_touch(cs, site); /* the console's kiosk list changed */
	}
	return out;
}

/* ---- accounts ---- */

static void account_fill(ank_cstore *cs, sqlite3_stmt *s, void *row)
{
	(void)cs;
	ank_account_info *a = row;
	a->a.id = sqlite3_column_int64(s, 0);
	COL(a->a.name, s, 1);
	a->a.admin = !strcmp(ank_cs_col(s, 2), "admin");
	COL(a->a.site, s, 3);
	a->created_ms = sqlite3_column_int64(s, 4);
	a->disabled_ms = sqlite3_column_int64(s, 5);
}

int ank_cstore_accounts_list(ank_cstore *cs, ank_account_info **out, int *n, ank_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	int rc =
	        ank_cs_prep(cs,
	                    "SELECT id, name, role, site, created_ms, disabled_ms FROM account"
	                    " ORDER BY name",
	                    &s) == SQLITE_OK
	                ? list_rows(cs, cs->db, s, sizeof **out, account_fill, (void **)out, n, err)
	                : ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return list_done(rc, (void **)out, n);
}

/* The id of the account `name` (mu held): > 0, 0 when unknown, -1 on error; site gets its
 * site ("" for an admin). */
static long long account_id_locked(ank_cstore *cs, const char *name, char site[ANK_CS_ID_MAX + 1])
{
	sqlite3_stmt *s = NULL;
	long long id = -1;
	site[0] = '\0';
	if (ank_cs_prep(cs, "SELECT id, site FROM account WHERE name = ?", &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
		int step = sqlite3_step(s);
		id = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : step == SQLITE_DONE ? 0 : -1;
		if (step == SQLITE_ROW)
			col_copy(site, ANK_CS_ID_MAX + 1, s, 1);
	}
	ank_cs_end(cs, s);
	return id;
}

/* After an account change: a staff member's console holds a long-poll on its site's
 * revision; moving it on makes that poll run again, find the session gone and answer 401,
 * so an open page logs out at once. */
static void sessions_ended(ank_cstore *cs, ank_cs_rc rc, const char *site)
{
	if (rc == ANK_CS_OK && site[0])
		ank_cstore_site_touch(cs, site);
}

/* Runs `sql` with ?1 = the account id, ?2 and ?3 optional texts (NULL when NULL or "") and
 * ?4 an integer, in one transaction that also deletes the account's sessions (mu held).
 * 0, or -1 with err. */
static int account_update_locked(ank_cstore *cs, const char *sql, long long id, const char *t2,
                                 const char *t3, long long i4, ank_err *err)
{
	if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) != SQLITE_OK)
		return -1;
	sqlite3_stmt *s = NULL;
	int rc = ank_cs_prep(cs, sql, &s);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		ank_cs_bind_opt(s, 2, t2);
		ank_cs_bind_opt(s, 3, t3);
		sqlite3_bind_int64(s, 4, i4);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	ank_cs_end(cs, s);
	s = NULL;
	/* Every session of the account ends with the change: the next request gets 401. */
	if (rc == SQLITE_OK) {
		rc = ank_cs_prep(cs, "DELETE FROM session WHERE account = ?", &s);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, id);
			rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		}
		ank_cs_end(cs, s);
	}
	if (rc == SQLITE_OK)
		rc = ank_db_exec(cs->db, "COMMIT", err);
	if (rc != SQLITE_OK) {
		ank_cs_fail(cs, err);
		ank_db_exec(cs->db, "ROLLBACK", NULL);
		return -1;
	}
	return 0;
}

/* The account `name` checked for a change by account self_id (mu held): its id, or 0 with
 * *out and err set. */
static long long account_target_locked(ank_cstore *cs, const char *name, ank_cs_rc *out,
                                       char site[ANK_CS_ID_MAX + 1], ank_err *err)
{
	long long id = account_id_locked(cs, name, site);
	if (id < 0) {
		ank_cs_fail(cs, err);
		*out = ANK_CS_DB;
		return 0;
	}
	if (id == 0) {
		ank_err_set(err, "unknown account");
		*out = ANK_CS_UNKNOWN;
	}
	return id;
}

ank_cs_rc ank_cstore_account_disable(ank_cstore *cs, const char *name, bool disabled,
                                     long long self_id, int64_t now, ank_err *err)
{
	if (ank_cs_refuse_writes(cs, err))
		return ANK_CS_DB;
	ank_cs_rc out = ANK_CS_OK;
	pthread_mutex_lock(&cs->mu);
	char old_site[ANK_CS_ID_MAX + 1];
	long long id = account_target_locked(cs, name, &out, old_site, err);
	if (id && disabled && id == self_id) {
		/* An admin locking themself out would need the command line to undo it. */
		ank_err_set(err, "you cannot disable your own account");
		out = ANK_CS_FORBIDDEN;
	} else if (id) {
		const char *sql =
		        disabled ? "UPDATE account SET disabled_ms = coalesce(disabled_ms, ?4)"
		                   " WHERE id = ?1"
		                 : "UPDATE account SET disabled_ms = NULL WHERE id = ?1";
		if (account_update_locked(cs, sql, id, NULL, NULL, now, err))
			out = ank_cs_db_rc(cs);
		else
			ank_cs_write_ok(cs);
	}
	pthread_mutex_unlock(&cs->mu);
	sessions_ended(cs, out, old_site);
	return out;
}

ank_cs_rc ank_cstore_account_role(ank_cstore *cs, const char *name, bool admin, const char *site,
                                  long long self_id, ank_err *err)
{
	if (admin ? site && site[0] : !site || !site[0]) {
		ank_err_set(err, admin ? "site: an admin has no site"
		                       : "site: a staff account needs a site");
		return ANK_CS_INVALID;
	}
	if (ank_cs_refuse_writes(cs, err))
		return ANK_CS_DB;
	ank_cs_rc out = ANK_CS_OK;
	pthread_mutex_lock(&cs->mu);
	char old_site[ANK_CS_ID_MAX + 1];
	long long id = account_target_locked(cs, name, &out, old_site, err);
	sqlite3_stmt *s = NULL;
	bool site_ok = admin;
	if (id && !admin && ank_cs_prep(cs, "SELECT 1 FROM site WHERE id = ?", &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
		site_ok = sqlite3_step(s) == SQLITE_ROW;
	}
	ank_cs_end(cs, s);
	if (id && !site_ok) {
		ank_err_set(err, "site: unknown site");
		out = ANK_CS_INVALID;
	} else if (id && !admin && id == self_id) {
		ank_err_set(err, "you cannot take away your own admin role");
		out = ANK_CS_FORBIDDEN;
	} else if (id) {
		if (account_update_locked(
		            cs, "UPDATE account SET role = ?3, site = ?2 WHERE id = ?1", id,
		            admin ? NULL : site, admin ? "admin" : "staff", 0, err))
			out = ank_cs_db_rc(cs);
		else
			ank_cs_write_ok(cs);
	}
	pthread_mutex_unlock(&cs->mu);
	sessions_ended(cs, out, old_site);
	return out;
}

ank_cs_rc ank_cstore_account_password(ank_cstore *cs, const char *name, const char *password,
                                      ank_err *err)
{
	char hash[ANK_CS_PWHASH_MAX];
	ank_cs_rc out = ank_cs_password_make(cs, password, hash, err);
	if (out != ANK_CS_OK)
		return out;
	if (ank_cs_refuse_writes(cs, err)) {
		sodium_memzero(hash, sizeof hash);
		return ANK_CS_DB;
	}
	pthread_mutex_lock(&cs->mu);
	char old_site[ANK_CS_ID_MAX + 1];
	long long id = account_target_locked(cs, name, &out, old_site, err);
	if (id) {
		if (account_update_locked(cs, "UPDATE account SET pw_hash = ?2 WHERE id = ?1", id,
		                          hash, NULL, 0, err))
			out = ank_cs_db_rc(cs);
		else
			ank_cs_write_ok(cs);
	}
	pthread_mutex_unlock(&cs->mu);
	sessions_ended(cs, out, old_site);
	sodium_memzero(hash, sizeof hash);
	return out;
}

/* ---- the audit log ---- */

/* One field into the hash as "LENGTH:BYTES;", so that no two rows' fields run together into
 * the same bytes. */
static void hash_field(crypto_hash_sha256_state *st, const char *v)
{
	char len[24];
	int k = snprintf(len, sizeof len, "%zu:", strlen(v));
	crypto_hash_sha256_update(st, (const unsigned char *)len, (unsigned long long)k);
	crypto_hash_sha256_update(st, (const unsigned char *)v, strlen(v));
	crypto_hash_sha256_update(st, (const unsigned char *)";", 1);
}

/* The row's hash (64 hex digits) over its fields and the previous row's hash. */
static void audit_hash(const ank_audit_entry *e, const char *prev, char out[65])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	char num[48];
	snprintf(num, sizeof num, "%lld", e->id);
	hash_field(&st, num);
	snprintf(num, sizeof num, "%lld", (long long)e->at_ms);
	hash_field(&st, num);
	hash_field(&st, e->actor);
	hash_field(&st, e->role);
	hash_field(&st, e->addr);
	hash_field(&st, e->action);
	hash_field(&st, e->object);
	hash_field(&st, e->result);
	hash_field(&st, prev);
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static int audit_anchor(sqlite3 *db, long long *id, char hash[65], ank_err *err);

int ank_cs_audit_add_locked(ank_cstore *cs, ank_audit_entry *e, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	char prev[65] = AUDIT_GENESIS;
	e->id = 1;
	int rc = ank_cs_prep(cs, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &s);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			e->id = sqlite3_column_int64(s, 0) + 1;
			col_copy(prev, sizeof prev, s, 1);
		}
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	ank_cs_end(cs, s);
	s = NULL;
	if (rc != SQLITE_OK)
		return ank_cs_fail(cs, err);
	if (e->id == 1) {
		/* Every row went to the retention job: the chain goes on from its anchor. */
		long long anchor = 0;
		if (audit_anchor(cs->db, &anchor, prev, err))
			return -1;
		if (anchor > 0)
			e->id = anchor + 1;
		else
			snprintf(prev, sizeof prev, "%s", AUDIT_GENESIS);
	}
	audit_hash(e, prev, e->hash);
	if (ank_cs_prep(cs,
	                "INSERT INTO audit(id, at_ms, actor, role, addr, action, object, result,"
	                " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
	                &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	sqlite3_bind_int64(s, 1, e->id);
	sqlite3_bind_int64(s, 2, e->at_ms);
	const char *text[] = {e->actor,  e->role,   e->addr, e->action,
	                      e->object, e->result, prev,    e->hash};
	for (int i = 0; i < 8; i++)
		sqlite3_bind_text(s, 3 + i, text[i], -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	ank_cs_end(cs, s);
	return rc == SQLITE_DONE ? 0 : ank_cs_fail(cs, err);
}

int ank_cstore_audit_add(ank_cstore *cs, ank_audit_entry *e, ank_err *err)
{
	if (ank_cs_refuse_writes(cs, err))
		return -1;
	pthread_mutex_lock(&cs->mu);
	int rc = ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) == SQLITE_OK ? 0 : -1;
	if (!rc)
		rc = ank_cs_audit_add_locked(cs, e, err);
	if (!rc && ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK)
		rc = ank_cs_fail(cs, err);
	if (rc) {
		ank_cs_db_rc(cs);
		if (!sqlite3_get_autocommit(cs->db))
			ank_db_exec(cs->db, "ROLLBACK", NULL);
	} else {
		ank_cs_write_ok(cs);
	}
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

static void audit_from_row(sqlite3_stmt *s, ank_audit_entry *e)
{
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(s, 0);
	e->at_ms = sqlite3_column_int64(s, 1);
	COL(e->actor, s, 2);
	COL(e->role, s, 3);
	COL(e->addr, s, 4);
	COL(e->action, s, 5);
	COL(e->object, s, 6);
	COL(e->result, s, 7);
	COL(e->hash, s, 9);
}

static void audit_fill(ank_cstore *cs, sqlite3_stmt *s, void *row)
{
	(void)cs;
	audit_from_row(s, row);
}

int ank_cstore_audit_list(ank_cstore *cs, const ank_audit_filter *f, ank_audit_entry **out, int *n,
                          ank_err *err)
{
	*out = NULL;
	*n = 0;
	int rc = -1;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->rmu);
	if (ank_cs_rprep(cs,
	                 "SELECT id, at_ms, actor, role, addr, action, object, result, prev_hash,"
	                 " hash FROM audit WHERE (?1 IS NULL OR actor = ?1)"
	                 " AND (?2 IS NULL OR action = ?2) AND (?3 = 0 OR at_ms >= ?3)"
	                 " AND (?4 = 0 OR at_ms < ?4) ORDER BY id DESC LIMIT ?5",
	                 &s) != SQLITE_OK) {
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
		goto out;
	}
	ank_cs_bind_opt(s, 1, f->actor);
	ank_cs_bind_opt(s, 2, f->action);
	sqlite3_bind_int64(s, 3, f->from_ms);
	sqlite3_bind_int64(s, 4, f->to_ms);
	sqlite3_bind_int(s, 5, f->limit);
	rc = list_rows(cs, cs->rdb, s, sizeof **out, audit_fill, (void **)out, n, err);
out:
	ank_cs_rend(cs, s);
	pthread_mutex_unlock(&cs->rmu);
	return list_done(rc, (void **)out, n);
}

/* The anchor the retention job left in meta ("N HASH") on connection db (its lock held):
 * *id 0 when there is none. 0, or -1 with err. */
static int audit_anchor(sqlite3 *db, long long *id, char hash[65], ank_err *err)
{
	sqlite3_stmt *s = NULL;
	*id = 0;
	hash[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'audit_anchor'", -1, &s,
	                       NULL) != SQLITE_OK)
		return ank_err_set(err, "sqlite: %s", sqlite3_errmsg(db));
	int rc = sqlite3_step(s);
	int out = rc == SQLITE_ROW || rc == SQLITE_DONE
	                  ? 0
	                  : ank_err_set(err, "sqlite: %s", sqlite3_errmsg(db));
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);
		char num[24];
		size_t k = v ? strcspn(v, " ") : 0;
		long n = 0;
		snprintf(num, sizeof num, "%.*s", (int)(k < sizeof num ? k : 0), v ? v : "");
		if (!v || v[k] != ' ' || strlen(v + k + 1) != 64 ||
		    ank_parse_long(num, 1, 0x7fffffffL, &n)) {
			out = ank_err_set(err, "meta audit_anchor is not \"N HASH\"");
		} else {
			*id = n;
			snprintf(hash, 65, "%s", v + k + 1);
		}
	}
	sqlite3_finalize(s);
	return out;
}

int ank_cs_audit_prune(ank_cstore *cs, int64_t before_ms, int64_t now, int *deleted, ank_err *err)
{
	*deleted = 0;
	sqlite3_stmt *s = NULL;
	long long last = 0;
	char hash[65] = "";
	pthread_mutex_lock(&cs->mu);
	int rc = ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) == SQLITE_OK ? 0 : -1;
	/* The oldest rows only, as one run from the start: a row kept never follows a gap. */
	if (!rc && ank_cs_prep(cs,
	                       "SELECT id, hash FROM audit WHERE id < coalesce((SELECT min(id) FROM"
	                       " audit WHERE at_ms >= ?), (SELECT max(id) + 1 FROM audit))"
	                       " ORDER BY id DESC LIMIT 1",
	                       &s) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, before_ms);
		int step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			last = sqlite3_column_int64(s, 0);
			col_copy(hash, sizeof hash, s, 1);
		} else if (step != SQLITE_DONE) {
			rc = ank_cs_fail(cs, err);
		}
	} else if (!rc) {
		rc = ank_cs_fail(cs, err);
	}
	ank_cs_end(cs, s);
	s = NULL;
	if (!rc && last > 0) {
		char sql[512], anchor[96];
		snprintf(sql, sizeof sql,
		         "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id <= %lld; %s",
		         last, ANK_AUDIT_NO_DELETE_TRIGGER);
		snprintf(anchor, sizeof anchor, "%lld %s", last, hash);
		long long before = 0;
		if (ank_cs_prep(cs, "SELECT count(*) FROM audit WHERE id <= ?", &s) == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, last);
			if (sqlite3_step(s) == SQLITE_ROW)
				before = sqlite3_column_int64(s, 0);
		}
		ank_cs_end(cs, s);
		s = NULL;
		if (ank_db_exec(cs->db, sql, err) != SQLITE_OK)
			rc = -1;
		if (!rc && ank_cs_prep(cs,
		                       "INSERT INTO meta(key, value) VALUES ('audit_anchor', ?)"
		                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		                       &s) == SQLITE_OK) {
			sqlite3_bind_text(s, 1, anchor, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(s) != SQLITE_DONE)
				rc = ank_cs_fail(cs, err);
		} else if (!rc) {
			rc = ank_cs_fail(cs, err);
		}
		ank_cs_end(cs, s);
		/* The chain itself says where it now starts: forging the anchor would need every
		 * row after this one rewritten. */
		ank_audit_entry e = {.at_ms = now};
		snprintf(e.actor, sizeof e.actor, "central");
		snprintf(e.role, sizeof e.role, "admin");
		snprintf(e.addr, sizeof e.addr, "-");
		snprintf(e.action, sizeof e.action, "%s", ANK_AUDIT_RETENTION_ACTION);
		snprintf(e.object, sizeof e.object, "through %lld %s", last, hash);
		snprintf(e.result, sizeof e.result, "deleted");
		if (!rc)
			rc = ank_cs_audit_add_locked(cs, &e, err);
		if (!rc)
			*deleted = (int)before;
	}
	if (!rc && ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK)
		rc = -1;
	if (rc && !sqlite3_get_autocommit(cs->db))
		ank_db_exec(cs->db, "ROLLBACK", NULL);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

int ank_cstore_audit_verify(ank_cstore *cs, long long *rows, long long *bad_id, char *why, size_t n,
                            ank_err *err)
{
	*rows = 0;
	*bad_id = 0;
	if (n)
		why[0] = '\0';
	sqlite3_stmt *s = NULL;
	int rc = -1;
	pthread_mutex_lock(&cs->rmu);
	if (ank_cs_rprep(cs,
	                 "SELECT id, at_ms, actor, role, addr, action, object, result, prev_hash,"
	                 " hash FROM audit ORDER BY id",
	                 &s) != SQLITE_OK) {
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
		goto out;
	}
	char prev[65] = AUDIT_GENESIS;
	long long want = 1;
	/* After the retention job deleted the oldest rows the chain starts at its anchor: the last
	 * deleted row's id and hash, written into the chain itself by the job's own row. */
	char anchor_hash[65] = "";
	long long anchor_id = 0;
	bool anchor_in_chain = false;
	if (audit_anchor(cs->rdb, &anchor_id, anchor_hash, err) < 0)
		goto out;
	if (anchor_id > 0) {
		snprintf(prev, sizeof prev, "%s", anchor_hash);
		want = anchor_id + 1;
	}
	int step = SQLITE_DONE;
	rc = 0;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		ank_audit_entry e;
		audit_from_row(s, &e);
		char stored_prev[65], h[65];
		col_copy(stored_prev, sizeof stored_prev, s, 8);
		audit_hash(&e, prev, h);
		if (e.id != want) {
			/* A gap: the row before this one was deleted (or this one's id changed). */
			snprintf(why, n, "row %lld is missing (the next row is %lld)", want, e.id);
			*bad_id = want;
			rc = 1;
		} else if (strcmp(stored_prev, prev) != 0) {
			snprintf(why, n,
			         "row %lld does not follow row %lld: a row was deleted or replaced",
			         e.id, e.id - 1);
			*bad_id = e.id;
			rc = 1;
		} else if (strcmp(h, e.hash) != 0) {
			snprintf(why, n, "row %lld was altered: its hash does not cover its fields",
			         e.id);
			*bad_id = e.id;
			rc = 1;
		} else {
			snprintf(prev, sizeof prev, "%s", e.hash);
			want++;
			(*rows)++;
			char says[ANK_AUDIT_OBJECT_MAX + 1];
			snprintf(says, sizeof says, "through %lld %s", anchor_id, anchor_hash);
			anchor_in_chain |= !strcmp(e.action, ANK_AUDIT_RETENTION_ACTION) &&
			                   !strcmp(e.object, says);
		}
	}
	if (rc == 0 && step != SQLITE_DONE) {
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
		rc = -1;
	}
	if (rc == 0 && anchor_id > 0 && !anchor_in_chain) {
		snprintf(why, n,
		         "the log starts after row %lld, but no retention row of the chain says so",
		         anchor_id);
		*bad_id = anchor_id + 1;
		rc = 1;
	}
out:
	ank_cs_rend(cs, s);
	pthread_mutex_unlock(&cs->rmu);
	return rc;
}
