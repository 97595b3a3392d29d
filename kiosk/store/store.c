/* site.db: schema, open, transactions, outbox, cursor, stations, tickets and counters. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ank_db.h"
#include "ank_id.h"

/* Acknowledgements are remembered at this granularity (one outbox_ack row per bucket), so
 * the table stays small however often central answers. */
#define ANK_OUTBOX_ACK_BUCKET_MS (10 * 60000)

/* Append-only: a shipped migration is never edited (style guide 14). */
static const char *const migrations[] = {
        /* 1: the first schema */
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE site(id INTEGER PRIMARY KEY CHECK (id = 1), config TEXT NOT NULL,"
        " frozen INTEGER NOT NULL DEFAULT 0, frozen_ms INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE station(id TEXT PRIMARY KEY, label TEXT NOT NULL,"
        " type TEXT NOT NULL CHECK (type IN ('inject','smoke','flex')),"
        " women_only INTEGER NOT NULL, assisted INTEGER NOT NULL,"
        " state TEXT NOT NULL CHECK (state IN ('free','reserved','occupied','cleaning','closed')),"
        " ticket_id INTEGER NOT NULL DEFAULT 0, since_ms INTEGER NOT NULL,"
        " sort INTEGER NOT NULL, retired INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE registry(id TEXT PRIMARY KEY, nickname TEXT NOT NULL,"
        " name_key TEXT NOT NULL, birth_year INTEGER NOT NULL, gender TEXT NOT NULL,"
        " municipality TEXT NOT NULL, consent_version TEXT NOT NULL DEFAULT '',"
        " consent_ms INTEGER NOT NULL DEFAULT 0, language TEXT NOT NULL DEFAULT '',"
        " quarantine_until_ms INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX registry_name ON registry(name_key);"
        /* name_key in the key lets search step from one distinct name to the next with
         * an index seek, however many users share a name. */
        "CREATE TABLE registry_key(key TEXT NOT NULL, name_key TEXT NOT NULL,"
        " user_id TEXT NOT NULL REFERENCES registry(id) ON DELETE CASCADE,"
        " PRIMARY KEY (key, name_key, user_id)) WITHOUT ROWID;"
        "CREATE INDEX registry_key_user ON registry_key(user_id);"
        "CREATE TABLE ticket(id INTEGER PRIMARY KEY, day TEXT NOT NULL, number INTEGER NOT NULL,"
        " label TEXT NOT NULL, user_id TEXT NOT NULL, helper_id TEXT NOT NULL DEFAULT '',"
        " women INTEGER NOT NULL, route TEXT NOT NULL CHECK (route IN ('inject','smoke')),"
        " substance TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN"
        " ('waiting','called','in_session','done','no_show','cancelled')),"
        " station_id TEXT NOT NULL DEFAULT '', queue_key INTEGER NOT NULL,"
        " created_ms INTEGER NOT NULL, called_ms INTEGER NOT NULL DEFAULT 0,"
        " started_ms INTEGER NOT NULL DEFAULT 0, ended_ms INTEGER NOT NULL DEFAULT 0,"
        " recalled_ms INTEGER NOT NULL DEFAULT 0, UNIQUE (day, label));"
        "CREATE INDEX ticket_open ON ticket(queue_key, id)"
        " WHERE state IN ('waiting','called','in_session');"
        /* The database itself refuses a second open ticket for one user. */
        "CREATE UNIQUE INDEX ticket_one_open ON ticket(user_id)"
        " WHERE state IN ('waiting','called','in_session');"
        "CREATE INDEX ticket_done ON ticket(route, ended_ms) WHERE state = 'done';"
        "CREATE TABLE day_counter(day TEXT NOT NULL, route TEXT NOT NULL, last INTEGER NOT NULL,"
        " PRIMARY KEY (day, route)) WITHOUT ROWID;"
        "CREATE TABLE refusal(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, reason TEXT NOT NULL,"
        " user_id TEXT NOT NULL, substance TEXT NOT NULL, route TEXT NOT NULL);"
        "CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,"
        " type TEXT NOT NULL, kiosk_ms INTEGER NOT NULL, payload TEXT NOT NULL);",
        /* 2: when central acknowledged the outbox up to a seq, so that acknowledged rows can
         * be pruned after a retention margin (ank_store_outbox_prune). */
        "CREATE TABLE outbox_ack(seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);",
        /* 3: "call staff" from the nickname screen (ank_store_help_*): when it was asked and
         * when staff closed it at the kiosk (0 while open). Nothing about the person. */
        "CREATE TABLE help_request(id INTEGER PRIMARY KEY, asked_ms INTEGER NOT NULL,"
        " answered_ms INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX help_request_open ON help_request(asked_ms) WHERE answered_ms = 0;",
        /* 4: a refusal right after the nickname has no substance or route yet (issue 11):
         * NULL for them, instead of the '' that rows without one got before. */
        ("CREATE TABLE refusal_4(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
         " reason TEXT NOT NULL, user_id TEXT NOT NULL, substance TEXT, route TEXT);"
         "INSERT INTO refusal_4 SELECT id, at_ms, reason, user_id, nullif(substance, ''),"
         " nullif(route, '') FROM refusal;"
         "DROP TABLE refusal;"
         "ALTER TABLE refusal_4 RENAME TO refusal;"),
        /* 5: none (kept for issue 13's screen texts, which needed no table of their own). */
        "SELECT 1;",
        /* 6 (issue 13): the administrators' drug alerts and information screens from
         * central (store_content.c), each kept whole as central sent it, ahead of its time;
         * the screens show it by the kiosk's clock. IF NOT EXISTS: a test rewinds a new
         * file's user_version to replay older migrations over it. */
        "CREATE TABLE IF NOT EXISTS content(id INTEGER PRIMARY KEY, from_ms INTEGER NOT NULL,"
        " until_ms INTEGER NOT NULL, item TEXT NOT NULL);",
        /* 7 (issue 15): a ticket may be held for the printer ('pending_print') until the
         * printer confirms it; the table is rebuilt for the state's CHECK. The open-ticket
         * indexes stay as they were: a held ticket is not open. */
        ("CREATE TABLE ticket_7(id INTEGER PRIMARY KEY, day TEXT NOT NULL,"
         " number INTEGER NOT NULL, label TEXT NOT NULL, user_id TEXT NOT NULL,"
         " helper_id TEXT NOT NULL DEFAULT '', women INTEGER NOT NULL,"
         " route TEXT NOT NULL CHECK (route IN ('inject','smoke')),"
         " substance TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN"
         " ('waiting','called','in_session','done','no_show','cancelled','pending_print')),"
         " station_id TEXT NOT NULL DEFAULT '', queue_key INTEGER NOT NULL,"
         " created_ms INTEGER NOT NULL, called_ms INTEGER NOT NULL DEFAULT 0,"
         " started_ms INTEGER NOT NULL DEFAULT 0, ended_ms INTEGER NOT NULL DEFAULT 0,"
         " recalled_ms INTEGER NOT NULL DEFAULT 0, UNIQUE (day, label));"
         "INSERT INTO ticket_7 SELECT id, day, number, label, user_id, helper_id, women, route,"
         " substance, state, station_id, queue_key, created_ms, called_ms, started_ms,"
         " ended_ms, recalled_ms FROM ticket;"
         "DROP TABLE ticket;"
         "ALTER TABLE ticket_7 RENAME TO ticket;"
         "CREATE INDEX ticket_open ON ticket(queue_key, id)"
         " WHERE state IN ('waiting','called','in_session');"
         "CREATE UNIQUE INDEX ticket_one_open ON ticket(user_id)"
         " WHERE state IN ('waiting','called','in_session');"
         "CREATE INDEX ticket_done ON ticket(route, ended_ms) WHERE state = 'done';"
         "CREATE INDEX ticket_pending ON ticket(created_ms) WHERE state = 'pending_print';"),
};

int ank_st_prep(ank_store *s, const char *sql, sqlite3_stmt **st, ank_err *err)
{
	int rc = ank_db_stmt_get(s->db, &s->stmts, sql, st);
	if (rc != SQLITE_OK) {
		ank_st_rc(s, rc);
		ank_err_set(err, "sqlite prepare: %s", sqlite3_errmsg(s->db));
		sqlite3_finalize(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}

void ank_st_end(ank_store *s, sqlite3_stmt *st)
{
	ank_db_stmt_put(&s->stmts, st);
}

int ank_st_rc(ank_store *s, int rc)
{
	if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s->last_error = rc;
	return rc;
}

int ank_st_fail(ank_store *s, ank_err *err)
{
	int rc = sqlite3_extended_errcode(s->db);
	s->last_error = rc != SQLITE_OK ? rc : SQLITE_ERROR;
	return ank_err_set(err, "sqlite: %s", sqlite3_errmsg(s->db));
}

int ank_st_done(ank_store *s, sqlite3_stmt *st, ank_err *err)
{
	int rc = sqlite3_step(st);
	ank_st_end(s, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return ank_st_fail(s, err);
	return 0;
}

ank_store_rc ank_st_one(ank_store *s, sqlite3_stmt *st, ank_st_row_fn row, void *out, ank_err *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row(st, out);
	ank_st_end(s, st);
	if (rc == SQLITE_ROW)
		return ANK_STORE_OK;
	if (rc == SQLITE_DONE)
		return ANK_STORE_UNKNOWN;
	ank_st_fail(s, err);
	return ANK_STORE_DB;
}

void ank_st_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void ank_st_col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, n, "%s", t ? (const char *)t : "");
}

static int meta_get(ank_store *s, const char *key, char *out, size_t n, ank_err *err)
{
	sqlite3_stmt *st;
	if (ank_st_prep(s, "SELECT value FROM meta WHERE key = ?", &st, err))
		return -1;
	ank_st_text(st, 1, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ank_st_col(st, 0, out, n);
	ank_st_end(s, st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return ank_st_fail(s, err);
}

static int meta_set(ank_store *s, const char *key, const char *value, ank_err *err)
{
	sqlite3_stmt *st;
	if (ank_st_prep(s,
	                "INSERT INTO meta(key, value) VALUES (?, ?)"
	                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	                &st, err))
		return -1;
	ank_st_text(st, 1, key);
	ank_st_text(st, 2, value);
	return ank_st_done(s, st, err);
}

int ank_store_open(const char *path, ank_store **out, ank_err *err)
{
	*out = NULL;
	ank_store *s = calloc(1, sizeof *s);
	if (!s)
		return ank_err_set(err, "out of memory");
	if (ank_db_open(path, &s->db, err))
		goto fail;
	char cache[48];
	snprintf(cache, sizeof cache, "PRAGMA cache_size=-%d", ANK_STORE_CACHE_KIB);
	if (ank_db_exec(s->db, cache, err) != SQLITE_OK)
		goto fail;
	if (ank_db_migrate(s->db, ANK_STORE_APP_ID, migrations,
	                   (int)(sizeof migrations / sizeof migrations[0]), err))
		goto fail;
	int rc = meta_get(s, "kiosk_id", s->kiosk_id, sizeof s->kiosk_id, err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		char id[ANK_ID_HEX_LEN + 1];
		if (ank_id_random(id)) {
			ank_err_set(err, "no random source for the kiosk id");
			goto fail;
		}
		/* Only one process can win this insert; re-read whatever won. */
		if (ank_db_exec(s->db, "BEGIN IMMEDIATE", err) != SQLITE_OK)
			goto fail;
		rc = meta_get(s, "kiosk_id", s->kiosk_id, sizeof s->kiosk_id, err);
		if (rc == 1) {
			snprintf(s->kiosk_id, sizeof s->kiosk_id, "k-%.16s", id);
			rc = meta_set(s, "kiosk_id", s->kiosk_id, err);
		}
		if (rc < 0 || ank_db_exec(s->db, "COMMIT", err) != SQLITE_OK) {
			ank_db_exec(s->db, "ROLLBACK", NULL);
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	ank_store_close(s);
	return -1;
}

void ank_store_close(ank_store *st)
{
	if (!st)
		return;
	ank_db_stmts_free(&st->stmts);
	sqlite3_close_v2(st->db);
	free(st);
}

sqlite3 *ank_store_db(ank_store *st)
{
	return st->db;
}

/* One name per result, in enum order: the table is the only place that names them. */
static const char *const store_rc_names[] = {
        [ANK_STORE_OK] = "ok",
        [ANK_STORE_UNKNOWN] = "unknown",
        [ANK_STORE_REFUSED] = "refused",
        [ANK_STORE_DB] = "db",
};

const char *ank_store_strerror(ank_store_rc rc)
{
	if ((unsigned)rc >= sizeof store_rc_names / sizeof store_rc_names[0])
		return "invalid result";
	return store_rc_names[rc];
}

int ank_store_take_error(ank_store *st)
{
	int rc = st->last_error;
	st->last_error = 0;
	return rc;
}

const char *ank_store_error_text(int code)
{
	return sqlite3_errstr(code);
}

bool ank_store_error_is_storage(int code)
{
	switch (code & 0xff) { /* the primary code of an extended one */
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_PERM:
		return true;
	default:
		return false;
	}
}

int ank_store_probe_write(ank_store *st, int64_t now_ms, ank_err *err)
{
	if (ank_store_begin(st, err))
		return -1;
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)now_ms);
	if (meta_set(st, "write_probe", v, err)) {
		ank_store_rollback(st);
		return -1;
	}
	return ank_store_commit(st, err);
}

const char *ank_store_kiosk_id(const ank_store *st)
{
	return st->kiosk_id;
}

int ank_store_begin(ank_store *st, ank_err *err)
{
	return ank_st_rc(st, ank_db_exec(st->db, "BEGIN IMMEDIATE", err)) == SQLITE_OK ? 0 : -1;
}

int ank_store_commit(ank_store *st, ank_err *err)
{
	if (ank_st_rc(st, ank_db_exec(st->db, "COMMIT", err)) != SQLITE_OK) {
		ank_store_rollback(st);
		return -1;
	}
	return 0;
}

void ank_store_rollback(ank_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		ank_db_exec(st->db, "ROLLBACK", NULL);
}

int ank_store_outbox_append(ank_store *st, ank_ev type, int64_t now_ms, json_t *payload,
                            ank_err *err)
{
	char id[ANK_ID_HEX_LEN + 1];
	char *text = NULL;
	int rc = -1;
	sqlite3_stmt *s = NULL;
	const char *name = ank_ev_name(type);
	if (!payload || type < 0 || type >= ANK_EV_COUNT || ank_id_random(id)) {
		ank_err_set(err, "cannot build event %s", name);
		goto out;
	}
	text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text) {
		ank_err_set(err, "cannot encode event %s", name);
		goto out;
	}
	/* Held to the payload rules central checks at ingest: an event central would refuse
	 * would stop this kiosk's sync for good, so the change that makes it fails here. */
	ank_wire_event ev;
	ank_err why;
	if (ank_wire_event_read(type, text, &ev, &why)) {
		ank_err_set(err, "event %s: %s", name, why.msg);
		goto out;
	}
	if (ank_st_prep(st,
	                "INSERT INTO outbox(event_id, type, kiosk_ms, payload)"
	                " VALUES (?, ?, ?, ?)",
	                &s, err))
		goto out;
	ank_st_text(s, 1, id);
	ank_st_text(s, 2, name);
	sqlite3_bind_int64(s, 3, now_ms);
	ank_st_text(s, 4, text);
	rc = ank_st_done(st, s, err);
out:
	free(text);
	json_decref(payload);
	return rc;
}

int64_t ank_store_outbox_last_seq(ank_store *st)
{
	sqlite3_stmt *s;
	int64_t v = 0;
	/* AUTOINCREMENT keeps the highest seq ever used in sqlite_sequence: max(seq) of the
	 * table would go back to 0 once pruning emptied it. */
	if (ank_st_prep(st,
	                "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'),"
	                " 0)",
	                &s, NULL))
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	ank_st_end(st, s);
	return v;
}

int ank_store_outbox_read(ank_store *st, int64_t after_seq, int max, ank_store_outbox_fn fn,
                          void *ctx, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "SELECT seq, event_id, type, kiosk_ms, payload FROM outbox"
	                " WHERE seq > ? ORDER BY seq LIMIT ?",
	                &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int64(s, 2, max > 0 ? max : -1); /* LIMIT -1: no limit */
	int rc = sqlite3_step(s);
	int stopped = 0;
	while (rc == SQLITE_ROW && !stopped) {
		ank_outbox_row row = {
		        .seq = sqlite3_column_int64(s, 0),
		        .event_id = (const char *)sqlite3_column_text(s, 1),
		        .type = (const char *)sqlite3_column_text(s, 2),
		        .kiosk_ms = sqlite3_column_int64(s, 3),
		        .payload = (const char *)sqlite3_column_text(s, 4),
		};
		/* The columns are NOT NULL; a NULL here is SQLite out of memory. */
		if (!row.event_id || !row.type || !row.payload) {
			rc = SQLITE_NOMEM;
			break;
		}
		stopped = fn(ctx, &row, err);
		if (!stopped)
			rc = sqlite3_step(s);
	}
	if (!stopped && rc != SQLITE_DONE) {
		ank_st_rc(st, rc);
		ank_err_set(err, "reading the outbox: %s", sqlite3_errstr(rc));
	}
	ank_st_end(st, s);
	return stopped || rc != SQLITE_DONE ? -1 : 0;
}

int ank_store_outbox_acked(ank_store *st, int64_t seq, int64_t now_ms, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_store_begin(st, err))
		return -1;
	/* Rows above a lower acknowledgement are central's no longer: not acknowledged. */
	if (ank_st_prep(st, "DELETE FROM outbox_ack WHERE seq > ?", &s, err))
		goto fail;
	sqlite3_bind_int64(s, 1, seq);
	if (ank_st_done(st, s, err))
		goto fail;
	/* One row per ANK_OUTBOX_ACK_BUCKET_MS: a newer acknowledgement in the same bucket moves
	 * the newest row up to it, with the later time, so a row is never taken for older
	 * than it is. A repeat of the same seq changes nothing: its first time counts. */
	if (seq > 0) {
		if (ank_st_prep(st,
		                "UPDATE outbox_ack SET seq = ?1, at_ms = ?2"
		                " WHERE seq = (SELECT max(seq) FROM outbox_ack) AND seq < ?1"
		                " AND at_ms / ?3 = ?2 / ?3",
		                &s, err))
			goto fail;
		sqlite3_bind_int64(s, 1, seq);
		sqlite3_bind_int64(s, 2, now_ms);
		sqlite3_bind_int64(s, 3, ANK_OUTBOX_ACK_BUCKET_MS);
		if (ank_st_done(st, s, err))
			goto fail;
	}
	if (seq > 0 && sqlite3_changes(st->db) == 0) {
		if (ank_st_prep(st, "INSERT OR IGNORE INTO outbox_ack(seq, at_ms) VALUES (?, ?)",
		                &s, err))
			goto fail;
		sqlite3_bind_int64(s, 1, seq);
		sqlite3_bind_int64(s, 2, now_ms);
		if (ank_st_done(st, s, err))
			goto fail;
	}
	return ank_store_commit(st, err);
fail:
	ank_store_rollback(st);
	return -1;
}

int ank_store_history_prune(ank_store *st, int64_t now_ms, int64_t retention_ms, int max,
                            int *tickets, int *refusals, ank_err *err)
{
	/* Only finished tickets: an open one is on the queue whatever its age. */
	static const char *const sql[2] = {
	        "DELETE FROM ticket WHERE id IN (SELECT id FROM ticket WHERE created_ms < ?"
	        " AND state IN ('done', 'no_show', 'cancelled') ORDER BY id LIMIT ?)",
	        "DELETE FROM refusal WHERE id IN (SELECT id FROM refusal WHERE at_ms < ?"
	        " ORDER BY id LIMIT ?)"};
	int gone[2] = {0, 0};
	sqlite3_stmt *s;
	if (ank_store_begin(st, err))
		return -1;
	for (int i = 0; i < 2; i++) {
		if (ank_st_prep(st, sql[i], &s, err))
			goto fail;
		sqlite3_bind_int64(s, 1, now_ms - retention_ms);
		sqlite3_bind_int(s, 2, max);
		if (ank_st_done(st, s, err))
			goto fail;
		gone[i] = sqlite3_changes(st->db);
	}
	if (ank_store_commit(st, err))
		return -1;
	if (tickets)
		*tickets = gone[0];
	if (refusals)
		*refusals = gone[1];
	return 0;
fail:
	ank_store_rollback(st);
	return -1;
}

int ank_store_outbox_prune(ank_store *st, int64_t now_ms, int64_t retention_ms, int max,
                           int *deleted, ank_err *err)
{
	sqlite3_stmt *s;
	int n = 0;
	if (deleted)
		*deleted = 0;
	if (max <= 0)
		return 0;
	if (ank_store_begin(st, err))
		return -1;
	/* Up to the highest seq acknowledged long enough ago, and no more than `max` rows
	 * from the oldest one: both bounds are seeks on the primary keys. */
	if (ank_st_prep(st,
	                "DELETE FROM outbox WHERE seq <= (SELECT coalesce(max(seq), 0) FROM"
	                " outbox_ack WHERE at_ms <= ?) AND seq < (SELECT coalesce(min(seq), 0)"
	                " FROM outbox) + ?",
	                &s, err))
		goto fail;
	sqlite3_bind_int64(s, 1, now_ms - retention_ms);
	sqlite3_bind_int64(s, 2, max);
	if (ank_st_done(st, s, err))
		goto fail;
	n = sqlite3_changes(st->db);
	/* Acknowledgements below the oldest row left speak of deleted rows only. The highest
	 * acknowledgement is kept: it is what the next prune starts from. */
	if (ank_st_prep(st,
	                "DELETE FROM outbox_ack WHERE seq < coalesce((SELECT min(seq) FROM outbox),"
	                " (SELECT seq + 1 FROM sqlite_sequence WHERE name = 'outbox'), 0)"
	                " AND seq < (SELECT max(seq) FROM outbox_ack)",
	                &s, err))
		goto fail;
	if (ank_st_done(st, s, err))
		goto fail;
	if (ank_store_commit(st, err))
		return -1;
	if (deleted)
		*deleted = n;
	return 0;
fail:
	ank_store_rollback(st);
	return -1;
}

int ank_store_outbox_count(ank_store *st, int64_t *n, ank_err *err)
{
	sqlite3_stmt *s;
	*n = 0;
	if (ank_st_prep(st, "SELECT count(*) FROM outbox", &s, err))
		return -1;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	ank_st_end(st, s);
	return rc == SQLITE_ROW ? 0 : ank_st_fail(st, err);
}

int ank_store_counter_get(ank_store *st, const char *key, int64_t *value, ank_err *err)
{
	char v[32];
	int rc = meta_get(st, key, v, sizeof v, err);
	if (rc < 0)
		return -1;
	*value = rc == 1 ? 0 : strtoll(v, NULL, 10);
	return 0;
}

int ank_store_counter_set(ank_store *st, const char *key, int64_t value, ank_err *err)
{
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)value);
	return meta_set(st, key, v, err);
}

int ank_store_cursor_get(ank_store *st, int64_t *cursor, ank_err *err)
{
	return ank_store_counter_get(st, "cursor", cursor, err);
}

int ank_store_cursor_set(ank_store *st, int64_t cursor, ank_err *err)
{
	return ank_store_counter_set(st, "cursor", cursor, err);
}

/* Reads meta ticket_key: 0 found (key filled), 1 none yet, -1 error or a corrupt value. */
static int ticket_key_get(ank_store *st, unsigned char key[ANK_TICKETREF_KEY_BYTES], ank_err *err)
{
	char hex[2 * ANK_TICKETREF_KEY_BYTES + 2]; /* one spare: a longer value is caught */
	size_t n_bin = 0;
	int rc = meta_get(st, "ticket_key", hex, sizeof hex, err);
	if (rc == 0 && (strlen(hex) != 2 * ANK_TICKETREF_KEY_BYTES ||
	                sodium_hex2bin(key, ANK_TICKETREF_KEY_BYTES, hex, strlen(hex), NULL, &n_bin,
	                               NULL) != 0 ||
	                n_bin != ANK_TICKETREF_KEY_BYTES))
		rc = ank_err_set(err, "meta ticket_key is corrupt: want %d hex digits",
		                 2 * ANK_TICKETREF_KEY_BYTES);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

int ank_store_ticket_key(ank_store *st, unsigned char key[ANK_TICKETREF_KEY_BYTES], ank_err *err)
{
	int rc = ticket_key_get(st, key, err);
	if (rc != 1)
		return rc;
	if (sodium_init() < 0)
		return ank_err_set(err, "no random source for the ticket key");
	/* As for kiosk_id: only one process can win the insert, so re-read under the write
	 * lock. Inside a caller's transaction the lock is already ours. */
	bool own = sqlite3_get_autocommit(st->db);
	if (own && ank_store_begin(st, err))
		return -1;
	rc = ticket_key_get(st, key, err);
	if (rc == 1) {
		char hex[2 * ANK_TICKETREF_KEY_BYTES + 1];
		randombytes_buf(key, ANK_TICKETREF_KEY_BYTES);
		sodium_bin2hex(hex, sizeof hex, key, ANK_TICKETREF_KEY_BYTES);
		rc = meta_set(st, "ticket_key", hex, err);
		sodium_memzero(hex, sizeof hex);
	}
	if (own && rc >= 0 && ank_store_commit(st, err))
		rc = -1;
	if (rc < 0) {
		if (own)
			ank_store_rollback(st);
		sodium_memzero(key, ANK_TICKETREF_KEY_BYTES);
		return -1;
	}
	return 0;
}

int ank_store_ticket_key_set(ank_store *st, const unsigned char key[ANK_TICKETREF_KEY_BYTES],
                             ank_err *err)
{
	char hex[2 * ANK_TICKETREF_KEY_BYTES + 1];
	sodium_bin2hex(hex, sizeof hex, key, ANK_TICKETREF_KEY_BYTES);
	int rc = meta_set(st, "ticket_key", hex, err);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

/* ---- stations ---- */

#define STATION_COLS "id, label, type, women_only, assisted, state, ticket_id, since_ms, sort"

static void station_row(sqlite3_stmt *s, ank_station *o)
{
	memset(o, 0, sizeof *o);
	ank_st_col(s, 0, o->id, sizeof o->id);
	ank_st_col(s, 1, o->label, sizeof o->label);
	o->type = (ank_station_type)ank_station_type_from_code(
	        (const char *)sqlite3_column_text(s, 2));
	o->women_only = sqlite3_column_int(s, 3);
	o->assisted = sqlite3_column_int(s, 4);
	o->state = (ank_station_state)ank_station_state_from_code(
	        (const char *)sqlite3_column_text(s, 5));
	o->ticket_id = sqlite3_column_int64(s, 6);
	o->since_ms = sqlite3_column_int64(s, 7);
	o->sort = sqlite3_column_int(s, 8);
}

static void station_row_v(sqlite3_stmt *s, void *out)
{
	station_row(s, out);
}

int ank_store_stations(ank_store *st, ank_station *out, int max, int *n, ank_err *err)
{
	sqlite3_stmt *s;
	*n = 0;
	if (ank_st_prep(st, "SELECT " STATION_COLS " FROM station WHERE retired = 0 ORDER BY sort",
	                &s, err))
		return -1;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max)
		station_row(s, &out[(*n)++]);
	ank_st_end(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ank_st_fail(st, err);
	return 0;
}

ank_store_rc ank_store_station_get(ank_store *st, const char *id, ank_station *out, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st, "SELECT " STATION_COLS " FROM station WHERE id = ? AND retired = 0", &s,
	                err))
		return ANK_STORE_DB;
	ank_st_text(s, 1, id);
	return ank_st_one(st, s, station_row_v, out, err);
}

int ank_store_station_update(ank_store *st, const ank_station *o, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "UPDATE station SET state = ?, ticket_id = ?, since_ms = ? WHERE id = ?",
	                &s, err))
		return -1;
	ank_st_text(s, 1, ank_station_state_code(o->state));
	sqlite3_bind_int64(s, 2, o->ticket_id);
	sqlite3_bind_int64(s, 3, o->since_ms);
	ank_st_text(s, 4, o->id);
	return ank_st_done(st, s, err);
}

/* ---- tickets ---- */

#define TICKET_COLS                                                                                \
	"id, day, number, label, user_id, helper_id, women, route, substance, state, station_id,"  \
	" queue_key, created_ms, called_ms, started_ms, ended_ms, recalled_ms"

static void ticket_row(sqlite3_stmt *s, ank_ticket *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(s, 0);
	ank_st_col(s, 1, t->day, sizeof t->day);
	t->number = sqlite3_column_int(s, 2);
	ank_st_col(s, 3, t->label, sizeof t->label);
	ank_st_col(s, 4, t->user_id, sizeof t->user_id);
	ank_st_col(s, 5, t->helper_id, sizeof t->helper_id);
	t->women = sqlite3_column_int(s, 6);
	t->route = (ank_route)ank_route_from_code((const char *)sqlite3_column_text(s, 7));
	ank_st_col(s, 8, t->substance, sizeof t->substance);
	t->state = (ank_ticket_state)ank_ticket_state_from_code(
	        (const char *)sqlite3_column_text(s, 9));
	ank_st_col(s, 10, t->station_id, sizeof t->station_id);
	t->queue_key = sqlite3_column_int64(s, 11);
	t->created_ms = sqlite3_column_int64(s, 12);
	t->called_ms = sqlite3_column_int64(s, 13);
	t->started_ms = sqlite3_column_int64(s, 14);
	t->ended_ms = sqlite3_column_int64(s, 15);
	t->recalled_ms = sqlite3_column_int64(s, 16);
}

static void ticket_row_v(sqlite3_stmt *s, void *out)
{
	ticket_row(s, out);
}

ank_store_rc ank_store_ticket_get(ank_store *st, int64_t id, ank_ticket *out, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st, "SELECT " TICKET_COLS " FROM ticket WHERE id = ?", &s, err))
		return ANK_STORE_DB;
	sqlite3_bind_int64(s, 1, id);
	return ank_st_one(st, s, ticket_row_v, out, err);
}

ank_store_rc ank_store_ticket_by_label(ank_store *st, const char *label, ank_ticket *out,
                                       ank_err *err)
{
	sqlite3_stmt *s;
	/* Labels start again every service day: the newest is the one staff mean. */
	if (ank_st_prep(st,
	                "SELECT " TICKET_COLS
	                " FROM ticket WHERE label = ? ORDER BY id DESC LIMIT 1",
	                &s, err))
		return ANK_STORE_DB;
	ank_st_text(s, 1, label);
	return ank_st_one(st, s, ticket_row_v, out, err);
}

int ank_store_ticket_insert(ank_store *st, ank_ticket *t, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "INSERT INTO ticket(day, number, label, user_id, helper_id, women,"
	                " route, substance, state, station_id, queue_key, created_ms)"
	                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	                &s, err))
		return -1;
	ank_st_text(s, 1, t->day);
	sqlite3_bind_int(s, 2, t->number);
	ank_st_text(s, 3, t->label);
	ank_st_text(s, 4, t->user_id);
	ank_st_text(s, 5, t->helper_id);
	sqlite3_bind_int(s, 6, t->women);
	ank_st_text(s, 7, ank_route_code(t->route));
	ank_st_text(s, 8, t->substance);
	ank_st_text(s, 9, ank_ticket_state_code(t->state));
	ank_st_text(s, 10, t->station_id);
	sqlite3_bind_int64(s, 11, t->queue_key);
	sqlite3_bind_int64(s, 12, t->created_ms);
	if (ank_st_done(st, s, err))
		return -1;
	t->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int ank_store_ticket_update(ank_store *st, const ank_ticket *t, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "UPDATE ticket SET route = ?, state = ?, station_id = ?, queue_key = ?,"
	                " called_ms = ?, started_ms = ?, ended_ms = ?, recalled_ms = ?"
	                " WHERE id = ?",
	                &s, err))
		return -1;
	ank_st_text(s, 1, ank_route_code(t->route));
	ank_st_text(s, 2, ank_ticket_state_code(t->state));
	ank_st_text(s, 3, t->station_id);
	sqlite3_bind_int64(s, 4, t->queue_key);
	sqlite3_bind_int64(s, 5, t->called_ms);
	sqlite3_bind_int64(s, 6, t->started_ms);
	sqlite3_bind_int64(s, 7, t->ended_ms);
	sqlite3_bind_int64(s, 8, t->recalled_ms);
	sqlite3_bind_int64(s, 9, t->id);
	return ank_st_done(st, s, err);
}

/* Steps s (prepared, bound) into out: at most max tickets, *n of them; ends s. 0 or -1. */
static int ticket_rows(ank_store *st, sqlite3_stmt *s, ank_ticket *out, int max, int *n,
                       ank_err *err)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max)
		ticket_row(s, &out[(*n)++]);
	ank_st_end(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ank_st_fail(st, err);
	return 0;
}

int ank_store_tickets_open(ank_store *st, ank_ticket *out, int max, int *n, ank_err *err)
{
	sqlite3_stmt *s;
	*n = 0;
	if (ank_st_prep(st,
	                "SELECT " TICKET_COLS " FROM ticket"
	                " WHERE state IN ('waiting','called','in_session') ORDER BY queue_key, id",
	                &s, err))
		return -1;
	return ticket_rows(st, s, out, max, n, err);
}

int ank_store_tickets_no_show(ank_store *st, const char *day, ank_ticket *out, int max, int *n,
                              ank_err *err)
{
	sqlite3_stmt *s;
	*n = 0;
	if (ank_st_prep(st,
	                "SELECT " TICKET_COLS " FROM ticket"
	                " WHERE state = 'no_show' AND day = ? ORDER BY id DESC",
	                &s, err))
		return -1;
	sqlite3_bind_text(s, 1, day, -1, SQLITE_TRANSIENT);
	return ticket_rows(st, s, out, max, n, err);
}

int ank_store_tickets_pending(ank_store *st, int64_t created_before, ank_ticket *out, int max,
                              int *n, ank_err *err)
{
	sqlite3_stmt *s;
	*n = 0;
	if (ank_st_prep(st,
	                "SELECT " TICKET_COLS " FROM ticket WHERE state = 'pending_print'"
	                " AND created_ms < ? ORDER BY created_ms, id",
	                &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, created_before);
	return ticket_rows(st, s, out, max, n, err);
}

int ank_store_tickets_open_count(ank_store *st, int *n, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "SELECT count(*) FROM ticket"
	                " WHERE state IN ('waiting','called','in_session')",
	                &s, err))
		return -1;
	int rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	ank_st_end(st, s);
	return rc == SQLITE_ROW ? 0 : ank_st_fail(st, err);
}

ank_store_rc ank_store_ticket_open_for_user(ank_store *st, const char *user_id, ank_ticket *out,
                                            ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "SELECT " TICKET_COLS " FROM ticket WHERE user_id = ?"
	                " AND state IN ('waiting','called','in_session')",
	                &s, err))
		return ANK_STORE_DB;
	ank_st_text(s, 1, user_id);
	return ank_st_one(st, s, ticket_row_v, out, err);
}

int ank_store_next_number(ank_store *st, const char *day, ank_route r, int *num, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "INSERT INTO day_counter(day, route, last) VALUES (?, ?, 1)"
	                " ON CONFLICT(day, route) DO UPDATE SET last = last + 1 RETURNING last",
	                &s, err))
		return -1;
	ank_st_text(s, 1, day);
	ank_st_text(s, 2, ank_route_code(r));
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*num = sqlite3_column_int(s, 0);
	ank_st_end(st, s);
	if (rc != SQLITE_ROW)
		return ank_st_fail(st, err);
	return 0;
}

int ank_store_session_mean(ank_store *st, ank_route r, int limit, int64_t *mean_ms, int *n,
                           ank_err *err)
{
	sqlite3_stmt *s;
	*mean_ms = 0;
	*n = 0;
	if (ank_st_prep(st,
	                "SELECT coalesce(avg(d), 0), count(*) FROM (SELECT ended_ms - started_ms"
	                " AS d FROM ticket WHERE route = ? AND state = 'done'"
	                " ORDER BY ended_ms DESC LIMIT ?)",
	                &s, err))
		return -1;
	ank_st_text(s, 1, ank_route_code(r));
	sqlite3_bind_int(s, 2, limit);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*mean_ms = (int64_t)sqlite3_column_double(s, 0);
		*n = sqlite3_column_int(s, 1);
	}
	ank_st_end(st, s);
	if (rc != SQLITE_ROW)
		return ank_st_fail(st, err);
	return 0;
}

int ank_store_frozen_get(ank_store *st, bool *frozen, ank_err *err)
{
	sqlite3_stmt *s;
	*frozen = false;
	if (ank_st_prep(st, "SELECT frozen FROM site WHERE id = 1", &s, err))
		return -1;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*frozen = sqlite3_column_int(s, 0);
	ank_st_end(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ank_st_fail(st, err);
	return 0;
}

int ank_store_frozen_set(ank_store *st, bool frozen, int64_t now_ms, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st, "UPDATE site SET frozen = ?, frozen_ms = ? WHERE id = 1", &s, err))
		return -1;
	sqlite3_bind_int(s, 1, frozen);
	sqlite3_bind_int64(s, 2, now_ms);
	return ank_st_done(st, s, err);
}

int ank_store_refusal_insert(ank_store *st, int64_t now_ms, const char *reason, const char *user_id,
                             const char *substance, const char *route, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "INSERT INTO refusal(at_ms, reason, user_id, substance, route)"
	                " VALUES (?, ?, ?, ?, ?)",
	                &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, now_ms);
	ank_st_text(s, 2, reason);
	ank_st_text(s, 3, user_id ? user_id : "");
	/* Not chosen yet (a refusal before the substance screen): NULL, not a made-up value. */
	ank_st_text(s, 4, substance);
	ank_st_text(s, 5, route);
	return ank_st_done(st, s, err);
}

int ank_store_help_insert(ank_store *st, int64_t now_ms, int64_t *id, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st, "INSERT INTO help_request(asked_ms) VALUES (?)", &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, now_ms);
	if (ank_st_done(st, s, err))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int ank_store_help_open(ank_store *st, int64_t since_ms, ank_help *out, int max, int *n,
                        ank_err *err)
{
	sqlite3_stmt *s;
	*n = 0;
	if (ank_st_prep(st,
	                "SELECT id, asked_ms FROM help_request WHERE answered_ms = 0"
	                " AND asked_ms >= ? ORDER BY asked_ms, id",
	                &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, since_ms);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
		out[*n].id = sqlite3_column_int64(s, 0);
		out[*n].asked_ms = sqlite3_column_int64(s, 1);
		(*n)++;
	}
	ank_st_end(st, s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ank_st_fail(st, err);
}

ank_store_rc ank_store_help_answer(ank_store *st, int64_t id, int64_t now_ms, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "UPDATE help_request SET answered_ms = ? WHERE id = ? AND answered_ms = 0",
	                &s, err))
		return ANK_STORE_DB;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int64(s, 2, id);
	if (ank_st_done(st, s, err))
		return ANK_STORE_DB;
	if (sqlite3_changes(st->db) == 0) {
		ank_err_set(err, "no open help request %lld", (long long)id);
		return ANK_STORE_UNKNOWN;
	}
	return ANK_STORE_OK;
}
