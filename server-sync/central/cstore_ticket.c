/* Central's part of the ticket QR references: each site's ticket key (made here, kept in
 * site_key, sent to every kiosk of the site as a ticket.key change) and the ticket check
 * against the read model (docs/api.md "Ticket check"). The key never leaves this file except
 * in its change and to ank_ticketref: it is in no log line, error or answer. */
#include "cstore_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define KEY_HEX (2 * ANK_TICKETREF_KEY_BYTES)

/* The key of `site` (mu held): 0 found (key filled), 1 none yet, -1 error (err). */
static int key_get_locked(ank_cstore *cs, const char *site,
                          unsigned char key[ANK_TICKETREF_KEY_BYTES], ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs, "SELECT key FROM site_key WHERE site = ?", &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s), out = 1;
	if (rc == SQLITE_ROW) {
		const char *hex = ank_cs_col(s, 0);
		size_t n_bin = 0;
		out = strlen(hex) == KEY_HEX &&
		                      sodium_hex2bin(key, ANK_TICKETREF_KEY_BYTES, hex, KEY_HEX,
		                                     NULL, &n_bin, NULL) == 0 &&
		                      n_bin == ANK_TICKETREF_KEY_BYTES
		              ? 0
		              : ank_err_set(err, "the ticket key of site '%s' is corrupt", site);
	} else if (rc != SQLITE_DONE) {
		out = ank_cs_fail(cs, err);
	}
	ank_cs_end(cs, s);
	if (out)
		sodium_memzero(key, ANK_TICKETREF_KEY_BYTES);
	return out;
}

int ank_cs_site_key_ensure_locked(ank_cstore *cs, const char *site, int64_t now,
                                  unsigned char key[ANK_TICKETREF_KEY_BYTES], ank_err *err)
{
	int rc = key_get_locked(cs, site, key, err);
	if (rc != 1)
		return rc;
	char hex[KEY_HEX + 1], payload[KEY_HEX + 32];
	randombytes_buf(key, ANK_TICKETREF_KEY_BYTES);
	sodium_bin2hex(hex, sizeof hex, key, ANK_TICKETREF_KEY_BYTES);
	snprintf(payload, sizeof payload, "{\"%s\":\"%s\"}", ANK_FN(KEY), hex);
	long long change = ank_cs_change_add_locked(cs, site, ank_chg_name(ANK_CHG_TICKET_KEY),
	                                            payload, now, err);
	sqlite3_stmt *s = NULL;
	rc = -1;
	if (change > 0 &&
	    ank_cs_prep(cs, "INSERT INTO site_key(site, key, change, created_ms) VALUES (?,?,?,?)",
	                &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, change);
		sqlite3_bind_int64(s, 4, now);
		rc = sqlite3_step(s) == SQLITE_DONE ? 1 : ank_cs_fail(cs, err);
	} else if (change > 0) {
		ank_cs_fail(cs, err);
	}
	ank_cs_end(cs, s);
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(payload, sizeof payload);
	if (rc < 0)
		sodium_memzero(key, ANK_TICKETREF_KEY_BYTES);
	return rc;
}

ank_cs_rc ank_cstore_site_key(ank_cstore *cs, const char *site, int64_t now,
                              unsigned char key[ANK_TICKETREF_KEY_BYTES], ank_err *err)
{
	pthread_mutex_lock(&cs->mu);
	/* Read first: once made, a key is only read, and a read needs no write lock. */
	int rc = key_get_locked(cs, site, key, err);
	ank_cs_rc out = rc == 0 ? ANK_CS_OK : ANK_CS_DB;
	if (rc == 1) {
		sqlite3_stmt *s = NULL;
		bool known = false;
		if (ank_cs_prep(cs, "SELECT 1 FROM site WHERE id = ?", &s) == SQLITE_OK) {
			sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
			known = sqlite3_step(s) == SQLITE_ROW;
		}
		ank_cs_end(cs, s);
		if (!known) {
			ank_err_set(err, "unknown site");
			out = ANK_CS_UNKNOWN;
		} else if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) != SQLITE_OK) {
			out = ank_cs_db_rc(cs);
		} else {
			rc = ank_cs_site_key_ensure_locked(cs, site, now, key, err);
			if (rc >= 0 && ank_db_exec(cs->db, "COMMIT", err) == SQLITE_OK) {
				out = ANK_CS_OK;
				ank_cs_write_ok(cs);
				if (rc == 1)
					ank_cs_changed_locked(cs);
			} else {
				out = ank_cs_db_rc(cs);
				ank_db_exec(cs->db, "ROLLBACK", NULL);
				sodium_memzero(key, ANK_TICKETREF_KEY_BYTES);
			}
		}
	}
	pthread_mutex_unlock(&cs->mu);
	return out;
}

int ank_cstore_site_keys_ensure(ank_cstore *cs, int64_t now, int *made, ank_err *err)
{
	*made = 0;
	pthread_mutex_lock(&cs->mu);
	int out = -1;
	sqlite3_stmt *s = NULL;
	if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) != SQLITE_OK)
		goto unlock;
	if (ank_cs_prep(cs,
	                "SELECT id FROM site WHERE id NOT IN (SELECT site FROM site_key)"
	                " ORDER BY id",
	                &s) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		goto rollback;
	}
	/* Ids first, then the inserts: no write under a running SELECT of the same table. */
	char(*ids)[ANK_CS_ID_MAX + 1] = NULL;
	int n = 0, cap = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char(*id)[ANK_CS_ID_MAX + 1] = ank_cs_grow((void **)&ids, n, &cap, sizeof *ids);
		if (!id) {
			ank_err_set(err, "out of memory");
			break;
		}
		snprintf(*id, sizeof *id, "%s", ank_cs_col(s, 0));
		n++;
	}
	ank_cs_end(cs, s);
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_ROW)
			ank_cs_fail(cs, err);
		free(ids);
		goto rollback;
	}
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	int i = 0;
	for (; i < n; i++)
		if (ank_cs_site_key_ensure_locked(cs, ids[i], now, key, err) < 0)
			break;
	sodium_memzero(key, sizeof key);
	free(ids);
	if (i < n)
		goto rollback;
	if (ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK)
		goto rollback;
	*made = n;
	if (n)
		ank_cs_changed_locked(cs);
	out = 0;
	goto unlock;
rollback:
	ank_db_exec(cs->db, "ROLLBACK", NULL);
unlock:
	pthread_mutex_unlock(&cs->mu);
	return out;
}

/* ---- the ticket check ---- */

/* The ticket of ref among the site's kiosks' tickets (mu held): 0 found, 1 none, -1 error.
 * The reference names no kiosk; were two kiosks of the site to hold the same id, label
 * and day, the open one and then the newest answers. */
static int ticket_find_locked(ank_cstore *cs, const char *site, const ank_ticketref *ref,
                              ank_qv_ticket *t, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs,
	                "SELECT v.kiosk, v.ticket, v.label, v.day, v.route, v.state, v.station"
	                " FROM kiosk k JOIN visit v ON v.kiosk = k.id AND v.ticket = ?"
	                " WHERE k.site = ? AND v.label = ? AND v.day = ?"
	                " ORDER BY v.open DESC, v.issued_ms DESC LIMIT 1",
	                &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	sqlite3_bind_int64(s, 1, ref->ticket);
	sqlite3_bind_text(s, 2, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ref->label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, ref->day, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s), out = 1;
	if (rc == SQLITE_ROW) {
		memset(t, 0, sizeof *t);
		snprintf(t->kiosk, sizeof t->kiosk, "%s", ank_cs_col(s, 0));
		t->ticket = sqlite3_column_int64(s, 1);
		snprintf(t->label, sizeof t->label, "%s", ank_cs_col(s, 2));
		snprintf(t->day, sizeof t->day, "%s", ank_cs_col(s, 3));
		snprintf(t->route, sizeof t->route, "%s", ank_cs_col(s, 4));
		snprintf(t->state, sizeof t->state, "%s", ank_cs_col(s, 5));
		snprintf(t->station, sizeof t->station, "%s", ank_cs_col(s, 6));
		out = 0;
	} else if (rc != SQLITE_DONE) {
		out = ank_cs_fail(cs, err);
	}
	ank_cs_end(cs, s);
	return out;
}

/* The site's current service day as its kiosks report it (mu held): the day of the newest
 * ticket (ticket ids grow) of any of its kiosks; "" when they have issued none. */
static int current_day_locked(ank_cstore *cs, const char *site, char day[11], ank_err *err)
{
	sqlite3_stmt *s = NULL;
	day[0] = '\0';
	if (ank_cs_prep(
	            cs,
	            "SELECT max(" ANK_CS_SQL_KIOSK_DAY("k.id") ") FROM kiosk k WHERE k.site = ?",
	            &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(day, 11, "%s", ank_cs_col(s, 0));
	ank_cs_end(cs, s);
	return rc == SQLITE_ROW ? 0 : ank_cs_fail(cs, err);
}

ank_cs_rc ank_cstore_ticket_check(ank_cstore *cs, const char *site, const char *text, int64_t now,
                                  ank_cs_ticket_check *out, ank_err *err)
{
	memset(out, 0, sizeof *out);
	ank_ticketref ref;
	ank_err why;
	if (ank_ticketref_parse(text, &ref, &why)) {
		out->verdict = ANK_TCHECK_FORMAT;
		return ANK_CS_OK;
	}
	/* The reference's own site's key: a genuine ticket of another site says so. Only this
	 * site's key is made when missing; another site without one cannot have made it. */
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	bool here = !strcmp(ref.site, site);
	ank_cs_rc rc = ANK_CS_OK;
	int found = 1;
	if (here) {
		rc = ank_cstore_site_key(cs, site, now, key, err);
		found = rc == ANK_CS_OK ? 0 : 1;
	} else {
		pthread_mutex_lock(&cs->mu);
		found = key_get_locked(cs, ref.site, key, err);
		pthread_mutex_unlock(&cs->mu);
		rc = found < 0 ? ANK_CS_DB : ANK_CS_OK;
	}
	if (rc != ANK_CS_OK)
		return rc;
	bool genuine = found == 0 && ank_ticketref_verify(key, text, NULL, &why) == 0;
	sodium_memzero(key, sizeof key);
	if (!genuine || !here) {
		out->verdict = genuine ? ANK_TCHECK_OTHER_SITE : ANK_TCHECK_MAC;
		return ANK_CS_OK;
	}
	pthread_mutex_lock(&cs->mu);
	int f = current_day_locked(cs, site, out->current_day, err);
	if (f == 0)
		f = ticket_find_locked(cs, site, &ref, &out->ticket, err);
	pthread_mutex_unlock(&cs->mu);
	if (f < 0)
		return ANK_CS_DB;
	out->found = f == 0;
	if (out->current_day[0] && strcmp(ref.day, out->current_day) != 0)
		out->verdict = ANK_TCHECK_OTHER_DAY;
	else if (!out->found)
		out->verdict = ANK_TCHECK_UNKNOWN;
	else {
		int state = ank_ticket_state_from_code(out->ticket.state);
		out->verdict = state < 0 ? ANK_TCHECK_UNKNOWN
		                         : ank_tcheck_of_state((ank_ticket_state)state);
	}
	return ANK_CS_OK;
}
