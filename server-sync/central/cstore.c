/* central.db: schema, opening (with its reader connection), pairing, token auth, idempotent
 * event ingest with group commit, and counters. Writes hold one mutex over the writer
 * connection: SQLite serialises writers anyway, and one connection keeps transactions from
 * interleaving. The change feed is in cstore_feed.c, health in cstore_health.c, accounts,
 * registry, commands and records in cstore_staff.c, the read model (and the rebuild) in
 * cstore_read.c, the report in cstore_report.c. */
#include "ank_time.h"
#include "cstore_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ank_db.h"
#include "ank_id.h"

/* Append-only: a shipped migration is never edited. */
static const char *const migrations[] = {
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE pair_code(code_hash TEXT PRIMARY KEY, site TEXT NOT NULL,"
        " expires_ms INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE kiosk(id TEXT PRIMARY KEY, site TEXT NOT NULL, token_hash TEXT NOT NULL"
        " UNIQUE, paired_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE event(kiosk TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL,"
        " type TEXT NOT NULL, kiosk_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL,"
        " payload TEXT NOT NULL, PRIMARY KEY (kiosk, seq)) WITHOUT ROWID;"
        "CREATE TABLE change(id INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT,"
        " type TEXT NOT NULL, payload TEXT NOT NULL, created_ms INTEGER NOT NULL);",
        /* 2: staff work. The projection tables (proj_*) are derived from events and can be
         * rebuilt from them; the rest is central's own data. */
        "CREATE TABLE site(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " municipality TEXT NOT NULL, created_ms INTEGER NOT NULL);"
        "CREATE INDEX site_municipality ON site(municipality);"
        "CREATE TABLE account(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
        " pw_hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),"
        " site TEXT REFERENCES site(id), created_ms INTEGER NOT NULL,"
        " CHECK ((role = 'admin') = (site IS NULL)));"
        "CREATE TABLE session(token_hash TEXT PRIMARY KEY,"
        " account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
        " csrf TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
        "CREATE TABLE registry(id TEXT PRIMARY KEY, nickname TEXT NOT NULL,"
        " birth_year INTEGER NOT NULL, gender TEXT NOT NULL, municipality TEXT NOT NULL,"
        " consent_version TEXT, consent_ms INTEGER, language TEXT,"
        " quarantine_until_ms INTEGER, linkage TEXT NOT NULL,"
        " created_by INTEGER REFERENCES account(id), created_ms INTEGER NOT NULL);"
        "CREATE INDEX registry_municipality ON registry(municipality);"
        "CREATE INDEX registry_linkage ON registry(linkage);"
        "CREATE TABLE command(id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " site TEXT NOT NULL REFERENCES site(id), type TEXT NOT NULL, ticket INTEGER,"
        " station TEXT, route TEXT, state TEXT NOT NULL DEFAULT 'sent'"
        " CHECK (state IN ('sent', 'applied', 'refused')), reason TEXT,"
        " result_ticket INTEGER, account INTEGER REFERENCES account(id),"
        " created_ms INTEGER NOT NULL, done_ms INTEGER);"
        "CREATE TABLE record(id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " site TEXT NOT NULL REFERENCES site(id), kind TEXT NOT NULL"
        " CHECK (kind IN ('overdose', 'referral', 'incident', 'rejection')),"
        " body TEXT NOT NULL, at_ms INTEGER NOT NULL, account INTEGER REFERENCES account(id),"
        " created_ms INTEGER NOT NULL);"
        "CREATE INDEX record_at ON record(at_ms);"
        "CREATE INDEX event_type_ms ON event(type, kiosk_ms);"
        "CREATE INDEX event_issued_ticket ON event(kiosk, json_extract(payload, '$.ticket'))"
        " WHERE type = 'ticket.issued';"
        "ALTER TABLE kiosk ADD COLUMN frozen INTEGER NOT NULL DEFAULT 0;"
        "CREATE TABLE proj_ticket(kiosk TEXT NOT NULL, ticket INTEGER NOT NULL,"
        " label TEXT NOT NULL, day TEXT NOT NULL, route TEXT NOT NULL,"
        " substance TEXT NOT NULL, state TEXT NOT NULL, station TEXT,"
        " assisted INTEGER NOT NULL, since_ms INTEGER NOT NULL,"
        " PRIMARY KEY (kiosk, ticket)) WITHOUT ROWID;"
        "CREATE TABLE proj_station(kiosk TEXT NOT NULL, station TEXT NOT NULL,"
        " state TEXT NOT NULL, since_ms INTEGER NOT NULL, sort INTEGER NOT NULL,"
        " PRIMARY KEY (kiosk, station)) WITHOUT ROWID;",
        /* Each ticket.issued clears the kiosk's old no-shows: a seek, not a scan of every
         * ticket the kiosk has open. */
        "CREATE INDEX proj_ticket_state ON proj_ticket(kiosk, state, day);",
        /* 4: the site where a user registered. Registry entries go to the sites of that
         * site's municipality (the one running the rooms), whatever the user's home
         * municipality: a user from elsewhere or abroad must be able to check in where they
         * registered. Existing rows take their staff author's site; rows without one keep
         * going by home municipality. */
        "ALTER TABLE registry ADD COLUMN site TEXT REFERENCES site(id);"
        "UPDATE registry SET site = (SELECT a.site FROM account a WHERE a.id ="
        " registry.created_by);",
        /* 5: the read model (cstore_read.c). Each event is decoded once, on ingest, into
         * typed tables that the queue view and the report read; the raw event table stays
         * the durable log and rebuilds them (meta read_model, `ankomst-central rebuild`).
         * The two event indexes served only the report's scans of payload text. */
        "DROP INDEX event_issued_ticket;"
        "DROP INDEX event_type_ms;"
        "DROP TABLE proj_ticket;"
        /* Every ticket ever issued, from issue to its outcome, with its intake session.
         * `open` while it is on the queue view (not done or cancelled, no no-show of an
         * earlier day); `date` is the local calendar day it was issued. */
        "CREATE TABLE visit(kiosk TEXT NOT NULL, ticket INTEGER NOT NULL, site TEXT NOT NULL,"
        " label TEXT NOT NULL, day TEXT NOT NULL, user TEXT NOT NULL, route TEXT NOT NULL,"
        " substance TEXT NOT NULL, helper TEXT, state TEXT NOT NULL, station TEXT,"
        " open INTEGER NOT NULL, since_ms INTEGER NOT NULL, date TEXT, issued_ms INTEGER,"
        " called_ms INTEGER, started_ms INTEGER, ended_ms INTEGER, duration_s INTEGER,"
        " PRIMARY KEY (kiosk, ticket)) WITHOUT ROWID;"
        "CREATE INDEX visit_open ON visit(kiosk, state, day) WHERE open;"
        /* Station states as they changed. */
        "CREATE TABLE station_log(kiosk TEXT NOT NULL, seq INTEGER NOT NULL,"
        " station TEXT NOT NULL, state TEXT NOT NULL, at_ms INTEGER NOT NULL,"
        " PRIMARY KEY (kiosk, seq)) WITHOUT ROWID;"
        "CREATE TABLE refusal(kiosk TEXT NOT NULL, seq INTEGER NOT NULL, site TEXT NOT NULL,"
        " date TEXT NOT NULL, at_ms INTEGER NOT NULL, reason TEXT NOT NULL,"
        " user TEXT NOT NULL, substance TEXT NOT NULL, route TEXT NOT NULL,"
        " PRIMARY KEY (kiosk, seq)) WITHOUT ROWID;"
        "CREATE INDEX refusal_date ON refusal(date, site);"
        /* Per local day, site, route and substance: what the report sums. */
        "CREATE TABLE day_stat(date TEXT NOT NULL, site TEXT NOT NULL, route TEXT NOT NULL,"
        " substance TEXT NOT NULL, checkins INTEGER NOT NULL, assisted INTEGER NOT NULL,"
        " intakes INTEGER NOT NULL, ended INTEGER NOT NULL, session_s INTEGER NOT NULL,"
        " waited INTEGER NOT NULL, wait_ms INTEGER NOT NULL, no_shows INTEGER NOT NULL,"
        " cancelled INTEGER NOT NULL, PRIMARY KEY (date, site, route, substance))"
        " WITHOUT ROWID;"
        "CREATE TABLE hour_stat(date TEXT NOT NULL, site TEXT NOT NULL, hour INTEGER NOT NULL,"
        " checkins INTEGER NOT NULL, PRIMARY KEY (date, site, hour)) WITHOUT ROWID;"
        /* Who checked in on a day: unique users of any span stay exact. */
        "CREATE TABLE day_user(date TEXT NOT NULL, site TEXT NOT NULL, user TEXT NOT NULL,"
        " PRIMARY KEY (date, site, user)) WITHOUT ROWID;"
        /* Events of types this central does not know (a newer kiosk's): kept in the raw
         * log, counted here for /metrics and the report. */
        "CREATE TABLE unknown_stat(date TEXT NOT NULL, site TEXT NOT NULL,"
        " type TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (date, site, type))"
        " WITHOUT ROWID;"
        /* Each kiosk's last answer to a site.config change. */
        "CREATE TABLE kiosk_config(kiosk TEXT PRIMARY KEY, state TEXT NOT NULL,"
        " change INTEGER, reason TEXT, at_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL);"
        /* Staff records with their typed fields (the body stays as sent). */
        "ALTER TABLE record ADD COLUMN code TEXT;"
        "ALTER TABLE record ADD COLUMN naloxone INTEGER;"
        "ALTER TABLE record ADD COLUMN oxygen INTEGER;"
        "ALTER TABLE record ADD COLUMN ambulance INTEGER;"
        "UPDATE record SET code = coalesce(json_extract(body, '$.outcome'),"
        " json_extract(body, '$.type'), json_extract(body, '$.reason')),"
        " naloxone = json_extract(body, '$.naloxone'), oxygen = json_extract(body, '$.oxygen'),"
        " ambulance = json_extract(body, '$.ambulance');"
        "DELETE FROM meta WHERE key = 'read_model';",
        /* 6: events out of time (kiosk time beyond ANK_CLOCK_FUTURE_MS ahead of receipt or
         * before ANK_CLOCK_EARLIEST_MS; cstore_read.c): left out of the read tables above
         * and counted here per kiosk and local date of receipt, with the newest such
         * event's seq and kiosk time. A kiosk's clock_skew_ms is its newest event's kiosk
         * time minus central's when that event was out of time, else NULL. Both are read
         * model: a rebuild makes them again from the log. */
        "CREATE TABLE clock_stat(kiosk TEXT NOT NULL, date TEXT NOT NULL, site TEXT NOT NULL,"
        " n INTEGER NOT NULL, last_seq INTEGER NOT NULL, last_kiosk_ms INTEGER NOT NULL,"
        " PRIMARY KEY (kiosk, date)) WITHOUT ROWID;"
        "ALTER TABLE kiosk ADD COLUMN clock_skew_ms INTEGER;",
        /* 7: the staff console (issue 10). site_info: each kiosk's newest site config as
         * the console needs it (name, timer thresholds, languages, drug alert; never the
         * staff PIN's hash), read model like the tables above. alarm_ack: who acknowledged
         * a station's timer warning or alarm, and when; central's own record, not read
         * model (no event makes it). */
        "CREATE TABLE site_info(kiosk TEXT PRIMARY KEY, at_ms INTEGER NOT NULL,"
        " body TEXT NOT NULL);"
        "CREATE TABLE alarm_ack(id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " site TEXT NOT NULL REFERENCES site(id), kiosk TEXT NOT NULL, station TEXT NOT NULL,"
        " ticket INTEGER NOT NULL, level TEXT NOT NULL, account TEXT NOT NULL,"
        " at_ms INTEGER NOT NULL);"
        "CREATE INDEX alarm_ack_ticket ON alarm_ack(kiosk, ticket);"
        "DELETE FROM meta WHERE key = 'read_model';",
        /* 8: each site's ticket key (docs/formats.md "Ticket QR reference"), 64 hex digits
         * made by central (cstore_ticket.c) and sent to the site's kiosks as the ticket.key
         * change `change`. Central's own data, not read model. A site without one (an older
         * central.db) gets it when `serve` starts, a kiosk pairs or a ticket is checked. */
        ("CREATE TABLE site_key(site TEXT PRIMARY KEY REFERENCES site(id), key TEXT NOT NULL,"
         " change INTEGER NOT NULL, created_ms INTEGER NOT NULL) WITHOUT ROWID;"),
        /* 9: the waiting-room display (cstore_display.c): its keys, stored as hashes like
         * the kiosk tokens, and the site's recent calls by a seek on (kiosk, called_ms)
         * instead of a walk through every visit of the kiosk. */
        ("CREATE TABLE display_key(key_hash TEXT PRIMARY KEY,"
         " site TEXT NOT NULL REFERENCES site(id), created_ms INTEGER NOT NULL);"
         "CREATE INDEX display_key_site ON display_key(site);"
         "CREATE INDEX visit_called ON visit(kiosk, called_ms) WHERE called_ms IS NOT NULL;"),
        /* 10: help requests ("call staff" on a kiosk, the help.* events). help_request is read
         * model: when it was asked and when staff closed it at the kiosk (NULL while open).
         * help_ack is central's own record, like alarm_ack: who took it in the console and
         * when. Neither holds anything about the person. */
        ("CREATE TABLE help_request(kiosk TEXT NOT NULL, id INTEGER NOT NULL,"
         " site TEXT NOT NULL, asked_ms INTEGER NOT NULL, answered_ms INTEGER,"
         " PRIMARY KEY (kiosk, id)) WITHOUT ROWID;"
         "CREATE INDEX help_request_open ON help_request(site, asked_ms)"
         " WHERE answered_ms IS NULL;"
         "CREATE TABLE help_ack(kiosk TEXT NOT NULL, id INTEGER NOT NULL,"
         " site TEXT NOT NULL REFERENCES site(id), account TEXT NOT NULL,"
         " at_ms INTEGER NOT NULL, PRIMARY KEY (kiosk, id)) WITHOUT ROWID;"
         "DELETE FROM meta WHERE key = 'read_model';"),
        /* 11: a checkin.refused without substance and route (refused right after the
         * nickname, issue 11) is a refusal row with NULL for them. Read model: the table is
         * made again and filled from the log by the rebuild this forces. */
        ("DROP TABLE refusal;"
         "CREATE TABLE refusal(kiosk TEXT NOT NULL, seq INTEGER NOT NULL, site TEXT NOT NULL,"
         " date TEXT NOT NULL, at_ms INTEGER NOT NULL, reason TEXT NOT NULL,"
         " user TEXT NOT NULL, substance TEXT, route TEXT,"
         " PRIMARY KEY (kiosk, seq)) WITHOUT ROWID;"
         "CREATE INDEX refusal_date ON refusal(date, site);"
         "DELETE FROM meta WHERE key = 'read_model';"),
        /* 12 (issue 14): the time zone of each kiosk's site config, in which the read model
         * counts that kiosk's days and hours, and each visit's local hour of issue and first
         * call (waiting times to the call, per route and hour). Read model: the rebuild
         * fills them. */
        ("ALTER TABLE site_info ADD COLUMN timezone TEXT;"
         "ALTER TABLE visit ADD COLUMN hour INTEGER;"
         "ALTER TABLE visit ADD COLUMN first_called_ms INTEGER;"
         /* A deleted user's entry, without nickname or linkage key: what the report's past
          * counts need (person: random, counts the user once as the key did). */
         "CREATE TABLE forgotten(id TEXT PRIMARY KEY, person TEXT NOT NULL,"
         " birth_year INTEGER NOT NULL, gender TEXT NOT NULL, municipality TEXT NOT NULL,"
         " forgotten_ms INTEGER NOT NULL);"
         "DELETE FROM meta WHERE key = 'read_model';"),
        /* 13: the administrators' console (issue 13). A kiosk's token stops working when
         * the kiosk is revoked (revoked_ms; the row stays for its events and the list), and
         * the program version it last reported is kept. An account can be disabled (its
         * sessions are deleted with it). audit is the append-only, hash-chained log of staff
         * and admin actions (cstore_admin.c): each row's hash is SHA-256 over its fields and
         * the previous row's hash; the triggers refuse to change or delete a row. */
        ("ALTER TABLE kiosk ADD COLUMN revoked_ms INTEGER;"
         "ALTER TABLE kiosk ADD COLUMN version TEXT;"
         "ALTER TABLE account ADD COLUMN disabled_ms INTEGER;"
         "CREATE TABLE audit(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
         " actor TEXT NOT NULL, role TEXT NOT NULL, addr TEXT NOT NULL, action TEXT NOT NULL,"
         " object TEXT NOT NULL, result TEXT NOT NULL, prev_hash TEXT NOT NULL,"
         " hash TEXT NOT NULL);"
         "CREATE INDEX audit_actor ON audit(actor, at_ms);"
         "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
         " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); "
         "END;" ANK_AUDIT_NO_DELETE_TRIGGER),
        /* 14 (issue 14): intakes per local hour beside the check-ins, for the report's
         * intakes by week, weekday and hour without a walk through every visit. Read model:
         * the rebuild fills it (READ_MODEL_VERSION 5). */
        ("ALTER TABLE hour_stat ADD COLUMN intakes INTEGER NOT NULL DEFAULT 0;"
         "DELETE FROM meta WHERE key = 'read_model';"),
        /* 15: the report's waiting times read the visits issued in its span: by date, not a
         * walk through every visit ever. */
        "CREATE INDEX visit_date ON visit(date);",
        /* 16 (issue 14): capacity utilisation. Each site.config's opening hours and station
         * types, kept by the instant it took effect (a day uses the config in force at its
         * local start: docs/report.md), and per local hour and station the time it was
         * occupied or closed, summed as station.state events arrive, so the report reads a
         * few rows per day instead of walking station_log; keyed by site and kiosk first,
         * as the report reads one kiosk's span at a time. Read model: the rebuild fills
         * both (READ_MODEL_VERSION 6). */
        ("CREATE TABLE cap_config(kiosk TEXT NOT NULL, at_ms INTEGER NOT NULL,"
         " hours TEXT NOT NULL, types TEXT, PRIMARY KEY (kiosk, at_ms)) WITHOUT ROWID;"
         "CREATE TABLE station_stat(date TEXT NOT NULL, site TEXT NOT NULL,"
         " hour INTEGER NOT NULL, kiosk TEXT NOT NULL, station TEXT NOT NULL,"
         " occupied_ms INTEGER NOT NULL DEFAULT 0, closed_ms INTEGER NOT NULL DEFAULT 0,"
         " PRIMARY KEY (site, kiosk, date, hour, station)) WITHOUT ROWID;"
         "DELETE FROM meta WHERE key = 'read_model';"),
        /* 17 (issue 13): sites set up from the admin page. Per site the time zone it was
         * created with (the first form's) and the last config central accepted and sent,
         * as the INI text the kiosk checks again, with who sent it and when: the form
         * opens from it. Central's own data, not read model (cstore_sites.c). */
        "CREATE TABLE site_setup(site TEXT PRIMARY KEY REFERENCES site(id),"
        " timezone TEXT NOT NULL, ini TEXT, accepted_ms INTEGER, actor TEXT) WITHOUT ROWID;",
        /* 18 (issue 13 item 5): screen texts with versions. A draft per (language, key), one
         * shared by the admins (the last edit wins, with its author); a published version is
         * the whole set of a language's texts that differ from the shipped catalog for one
         * scope (a site, a municipality, all), append-only: a rollback publishes an earlier
         * version's set again as a new version (cstore_texts.c). */
        ("CREATE TABLE text_draft(lang TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
         " author TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (lang, key)) WITHOUT ROWID;"
         "CREATE TABLE text_version(version INTEGER PRIMARY KEY, lang TEXT NOT NULL,"
         " scope TEXT NOT NULL CHECK (scope IN ('site','municipality','all')),"
         " target TEXT NOT NULL, author TEXT NOT NULL, at_ms INTEGER NOT NULL,"
         " rollback_of INTEGER NOT NULL DEFAULT 0, sites INTEGER NOT NULL);"
         "CREATE INDEX text_version_scope ON text_version(lang, scope, target);"
         "CREATE TABLE text_version_text(version INTEGER NOT NULL, key TEXT NOT NULL,"
         " value TEXT NOT NULL, PRIMARY KEY (version, key)) WITHOUT ROWID;"
         "CREATE TRIGGER text_version_no_update BEFORE UPDATE ON text_version"
         " BEGIN SELECT RAISE(ABORT, 'text versions are append-only'); END;"
         "CREATE TRIGGER text_version_no_delete BEFORE DELETE ON text_version"
         " BEGIN SELECT RAISE(ABORT, 'text versions are append-only'); END;"
         "CREATE TRIGGER text_version_text_no_update BEFORE UPDATE ON text_version_text"
         " BEGIN SELECT RAISE(ABORT, 'text versions are append-only'); END;"
         "CREATE TRIGGER text_version_text_no_delete BEFORE DELETE ON text_version_text"
         " BEGIN SELECT RAISE(ABORT, 'text versions are append-only'); END;"),
        /* 19 (issue 13): administrators' content, drug alerts and information screens
         * (cstore_content.c). body is the item as the API takes it (texts per language,
         * severity or pictogram, QR, target sites); from/until and state are columns for
         * the queries. content_site is where a published item went ('*': every site);
         * content_log the append-only history of each item (saved, published, withdrawn). */
        ("CREATE TABLE content(id INTEGER PRIMARY KEY, kind TEXT NOT NULL"
         " CHECK (kind IN ('alert','info')), state TEXT NOT NULL"
         " CHECK (state IN ('draft','published','withdrawn')), body TEXT NOT NULL,"
         " from_ms INTEGER NOT NULL, until_ms INTEGER NOT NULL, author TEXT NOT NULL,"
         " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
         "CREATE INDEX content_live ON content(until_ms) WHERE state = 'published';"
         "CREATE TABLE content_site(content INTEGER NOT NULL REFERENCES content(id),"
         " site TEXT NOT NULL, PRIMARY KEY (content, site)) WITHOUT ROWID;"
         "CREATE INDEX content_site_site ON content_site(site);"
         "CREATE TABLE content_log(id INTEGER PRIMARY KEY, content INTEGER NOT NULL,"
         " at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
         " body TEXT NOT NULL);"
         "CREATE TRIGGER content_log_no_update BEFORE UPDATE ON content_log"
         " BEGIN SELECT RAISE(ABORT, 'the content history is append-only'); END;"
         "CREATE TRIGGER content_log_no_delete BEFORE DELETE ON content_log"
         " BEGIN SELECT RAISE(ABORT, 'the content history is append-only'); END;"),
};

void ank_cs_hash_hex(const char *secret, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* Opens the read connection beside the writer: query_only, so that nothing written by
 * mistake through it bypasses the writer's lock and checks. */
static int open_reader(ank_cstore *cs, const char *path, ank_err *err)
{
	if (ank_db_open(path, &cs->rdb, err))
		return -1;
	return ank_db_exec(cs->rdb, "PRAGMA query_only=1; PRAGMA temp_store=MEMORY", err) ==
	                       SQLITE_OK
	               ? 0
	               : -1;
}

int ank_cstore_open(const char *path, bool check, ank_cstore **out, ank_err *err)
{
	*out = NULL;
	if (sodium_init() < 0)
		return ank_err_set(err, "libsodium failed to start");
	if (strlen(path) >= sizeof((ank_cstore *)0)->path)
		return ank_err_set(err, "database path too long");
	ank_cstore *cs = calloc(1, sizeof *cs);
	if (!cs)
		return ank_err_set(err, "out of memory");
	snprintf(cs->path, sizeof cs->path, "%s", path);
	pthread_mutex_init(&cs->mu, NULL);
	pthread_mutex_init(&cs->rmu, NULL);
	pthread_mutex_init(&cs->ring_mu, NULL);
	pthread_mutex_init(&cs->seen_mu, NULL);
	pthread_mutex_init(&cs->rev_mu, NULL);
	cs->rev_clock = cs->rev_open = ank_now_ms();
	pthread_mutex_init(&cs->health_mu, NULL);
	pthread_mutex_init(&cs->ckpt_mu, NULL);
	pthread_cond_init(&cs->hash_free, NULL);
	/* The report's DISTINCTs and GROUP BYs build temporary b-trees of a few thousand rows:
	 * in memory, not in temporary files. The check comes before the migrations, which
	 * would otherwise write to a damaged file. */
	if (ank_db_open(path, &cs->db, err) || (check && ank_cstore_quick_check(cs, err)) ||
	    ank_db_migrate(cs->db, ANK_CSTORE_APP_ID, migrations,
	                   (int)(sizeof migrations / sizeof migrations[0]), err) ||
	    ank_db_exec(cs->db, "PRAGMA temp_store=MEMORY", err) != SQLITE_OK ||
	    ank_cs_read_model_check(cs, err) || open_reader(cs, path, err) ||
	    ank_cs_ring_load(cs, err)) {
		ank_cstore_close(cs);
		return -1;
	}
	*out = cs;
	return 0;
}

int ank_cs_prep(ank_cstore *cs, const char *sql, sqlite3_stmt **out)
{
	return ank_db_stmt_get(cs->db, &cs->stmts, sql, out);
}

void ank_cs_end(ank_cstore *cs, sqlite3_stmt *s)
{
	ank_db_stmt_put(&cs->stmts, s);
}

int ank_cs_rprep(ank_cstore *cs, const char *sql, sqlite3_stmt **out)
{
	return ank_db_stmt_get(cs->rdb, &cs->rstmts, sql, out);
}

void ank_cs_rend(ank_cstore *cs, sqlite3_stmt *s)
{
	ank_db_stmt_put(&cs->rstmts, s);
}

void ank_cstore_close(ank_cstore *cs)
{
	if (!cs)
		return;
	ank_db_stmts_free(&cs->stmts);
	ank_db_stmts_free(&cs->rstmts);
	sqlite3_close_v2(cs->ckpt_db);
	sqlite3_close_v2(cs->db);
	sqlite3_close_v2(cs->rdb);
	ank_cs_ring_free(cs);
	for (int i = 0; i < cs->n_zones; i++)
		ank_zone_free(cs->zones[i]);
	free(cs->seen);
	free(cs->revs);
	pthread_cond_destroy(&cs->hash_free);
	pthread_mutex_destroy(&cs->ckpt_mu);
	pthread_mutex_destroy(&cs->health_mu);
	pthread_mutex_destroy(&cs->seen_mu);
	pthread_mutex_destroy(&cs->rev_mu);
	pthread_mutex_destroy(&cs->ring_mu);
	pthread_mutex_destroy(&cs->rmu);
	pthread_mutex_destroy(&cs->mu);
	free(cs);
}

/* One name per result, in enum order: the only place that names them. */
static const char *const cs_rc_names[] = {
        [ANK_CS_OK] = "ok",
        [ANK_CS_EXISTS] = "exists",
        [ANK_CS_UNKNOWN] = "unknown",
        [ANK_CS_REFUSED] = "refused",
        [ANK_CS_FORBIDDEN] = "forbidden",
        [ANK_CS_INVALID] = "invalid",
        [ANK_CS_WAIT] = "wait",
        [ANK_CS_CONFLICT] = "conflict",
        [ANK_CS_GAP] = "gap",
        [ANK_CS_DB] = "db",
        [ANK_CS_FULL] = "full",
        [ANK_CS_BUSY] = "busy",
};

const char *ank_cs_strerror(ank_cs_rc rc)
{
	if ((unsigned)rc >= sizeof cs_rc_names / sizeof cs_rc_names[0] || !cs_rc_names[rc])
		return "invalid result";
	return cs_rc_names[rc];
}

int ank_cs_fail(ank_cstore *cs, ank_err *err)
{
	return ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->db));
}

const char *ank_cs_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

void ank_cs_bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v && v[0])
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* True when the site exists; locked. */
static bool site_known(ank_cstore *cs, const char *site)
{
	sqlite3_stmt *s = NULL;
	bool found = false;
	if (ank_cs_prep(cs, "SELECT 1 FROM site WHERE id = ?", &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
		found = sqlite3_step(s) == SQLITE_ROW;
	}
	ank_cs_end(cs, s);
	return found;
}

ank_cs_rc ank_cstore_pair_code(ank_cstore *cs, const char *site, int64_t now,
                               char code[ANK_PAIR_CODE_LEN + 3], ank_err *err)
{
	/* 32 letters and digits without 0/O, 1/I/L: 60 bits, typed by hand once. */
	static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
	char raw[ANK_PAIR_CODE_LEN + 1];
	for (int i = 0; i < ANK_PAIR_CODE_LEN; i++)
		raw[i] = alphabet[randombytes_uniform((uint32_t)(sizeof alphabet - 1))];
	raw[ANK_PAIR_CODE_LEN] = '\0';
	snprintf(code, ANK_PAIR_CODE_LEN + 3, "%.4s-%.4s-%.4s", raw, raw + 4, raw + 8);
	char h[65];
	ank_cs_hash_hex(raw, h);
	pthread_mutex_lock(&cs->mu);
	/* A kiosk of an unknown site would get no registry: its municipality is not known. */
	if (!site_known(cs, site)) {
		pthread_mutex_unlock(&cs->mu);
		ank_err_set(err, "unknown site '%s': add it first with add-site", site);
		return ANK_CS_UNKNOWN;
	}
	sqlite3_stmt *s = NULL;
	int rc = ank_cs_prep(
	        cs, "INSERT INTO pair_code(code_hash, site, expires_ms) VALUES (?,?,?)", &s);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, site, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, now + ANK_PAIR_CODE_TTL_MS);
		rc = sqlite3_step(s);
	}
	ank_cs_end(cs, s);
	ank_cs_rc out = ANK_CS_OK;
	if (rc != SQLITE_DONE) {
		ank_cs_fail(cs, err);
		out = ANK_CS_DB;
	}
	pthread_mutex_unlock(&cs->mu);
	return out;
}

/* Normalises a typed code: upper case, dashes and spaces dropped. */
static int code_normalise(const char *code, char out[ANK_PAIR_CODE_LEN + 1])
{
	int n = 0;
	for (const char *p = code; *p; p++) {
		char c = *p;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (n >= ANK_PAIR_CODE_LEN)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == ANK_PAIR_CODE_LEN ? 0 : -1;
}

ank_cs_rc ank_cstore_pair(ank_cstore *cs, const char *code, int64_t now, char kiosk[64],
                          char site[64], char token[ANK_TOKEN_HEX + 1], ank_err *err)
{
	char norm[ANK_PAIR_CODE_LEN + 1], h[65];
	if (code_normalise(code, norm)) {
		ank_err_set(err, "unknown, used or expired pairing code");
		return ANK_CS_UNKNOWN;
	}
	ank_cs_hash_hex(norm, h);
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(token, ANK_TOKEN_HEX + 1, raw, sizeof raw);
	char id[ANK_ID_HEX_LEN + 1], th[65];
	ank_id_random(id);
	snprintf(kiosk, 64, "k-%.16s", id);
	ank_cs_hash_hex(token, th);
	ank_cs_rc out = ANK_CS_DB;
	pthread_mutex_lock(&cs->mu);
	sqlite3_stmt *s = NULL;
	if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) != SQLITE_OK)
		goto unlock;
	/* The code is spent in the same transaction that creates the kiosk. */
	if (ank_cs_prep(cs,
	                "UPDATE pair_code SET used = 1 WHERE code_hash = ? AND used = 0"
	                " AND expires_ms > ? RETURNING site",
	                &s) != SQLITE_OK)
		goto rollback;
	sqlite3_bind_text(s, 1, h, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(site, 64, "%s", (const char *)sqlite3_column_text(s, 0));
	ank_cs_end(cs, s);
	s = NULL;
	if (rc == SQLITE_DONE) {
		ank_err_set(err, "unknown, used or expired pairing code");
		out = ANK_CS_UNKNOWN;
		goto rollback;
	}
	if (rc != SQLITE_ROW)
		goto rollback;
	if (ank_cs_prep(cs, "INSERT INTO kiosk(id, site, token_hash, paired_ms) VALUES (?,?,?,?)",
	                &s) != SQLITE_OK)
		goto rollback;
	sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, th, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto rollback;
	ank_cs_end(cs, s);
	s = NULL;
	/* A site from before site keys gets its key at its first pairing. */
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	int made = ank_cs_site_key_ensure_locked(cs, site, now, key, err);
	sodium_memzero(key, sizeof key);
	if (made < 0)
		goto rollback;
	if (ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK)
		goto rollback;
	if (made == 1)
		ank_cs_changed_locked(cs);
	out = ANK_CS_OK;
	goto unlock;
rollback:
	if (out == ANK_CS_DB)
		ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	ank_db_exec(cs->db, "ROLLBACK", NULL);
unlock:
	pthread_mutex_unlock(&cs->mu);
	if (out != ANK_CS_OK)
		sodium_memzero(token, ANK_TOKEN_HEX + 1);
	return out;
}

/* Notes in memory that a kiosk was seen (written by ank_cstore_seen_flush). */
static void seen_note(ank_cstore *cs, const char *kiosk, const char *site, int64_t now)
{
	pthread_mutex_lock(&cs->seen_mu);
	int i = 0;
	while (i < cs->n_seen && strcmp(cs->seen[i].kiosk, kiosk) != 0)
		i++;
	if (i == cs->n_seen) {
		ank_cs_seen *slot = ank_cs_grow((void **)&cs->seen, cs->n_seen, &cs->cap_seen,
		                                sizeof *cs->seen);
		if (!slot) {
			pthread_mutex_unlock(&cs->seen_mu);
			return; /* out of memory: "last seen" is only a hint */
		}
		memset(slot, 0, sizeof *slot);
		snprintf(slot->kiosk, sizeof slot->kiosk, "%s", kiosk);
		cs->n_seen++;
	}
	cs->seen[i].ms = now;
	cs->seen[i].dirty = true;
	snprintf(cs->seen[i].site, sizeof cs->seen[i].site, "%s", site);
	pthread_mutex_unlock(&cs->seen_mu);
}

bool ank_cs_unsent_get(ank_cstore *cs, const char *kiosk, long long *n)
{
	bool has = false;
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk) && cs->seen[i].has_unsent) {
			has = true;
			*n = cs->seen[i].unsent;
		}
	pthread_mutex_unlock(&cs->seen_mu);
	return has;
}

void ank_cs_version_get(ank_cstore *cs, const char *kiosk, char out[ANK_VERSION_MAX + 1])
{
	out[0] = '\0';
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk))
			snprintf(out, ANK_VERSION_MAX + 1, "%s", cs->seen[i].version);
	pthread_mutex_unlock(&cs->seen_mu);
}

void ank_cstore_kiosk_version(ank_cstore *cs, const char *kiosk, const char *version)
{
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk) &&
		    strcmp(cs->seen[i].version, version) != 0) {
			snprintf(cs->seen[i].version, sizeof cs->seen[i].version, "%s", version);
			cs->seen[i].dirty = true; /* the next flush keeps it in kiosk.version */
		}
	pthread_mutex_unlock(&cs->seen_mu);
}

bool ank_cstore_kiosk_revoked(ank_cstore *cs, const char *kiosk)
{
	bool revoked = false;
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk))
			revoked = cs->seen[i].revoked;
	pthread_mutex_unlock(&cs->seen_mu);
	return revoked;
}

void ank_cstore_kiosk_unsent(ank_cstore *cs, const char *kiosk, long long n)
{
	pthread_mutex_lock(&cs->seen_mu);
	bool changed = false;
	char site[ANK_CS_ID_MAX + 1] = "";
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk)) {
			changed = !cs->seen[i].has_unsent || cs->seen[i].unsent != n;
			cs->seen[i].has_unsent = true;
			cs->seen[i].unsent = n;
			snprintf(site, sizeof site, "%s", cs->seen[i].site);
		}
	pthread_mutex_unlock(&cs->seen_mu);
	/* The console shows the count: a new one is news for the kiosk's site. */
	if (changed && site[0])
		ank_cstore_site_touch(cs, site);
}

int64_t ank_cs_seen_get(ank_cstore *cs, const char *kiosk, int64_t stored)
{
	pthread_mutex_lock(&cs->seen_mu);
	int64_t ms = stored;
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk) && cs->seen[i].ms > ms)
			ms = cs->seen[i].ms;
	pthread_mutex_unlock(&cs->seen_mu);
	return ms;
}

ank_cs_rc ank_cstore_auth(ank_cstore *cs, const char *token, int64_t now, char kiosk[64],
                          char site[64], ank_err *err)
{
	if (!token || strlen(token) != ANK_TOKEN_HEX)
		return ANK_CS_UNKNOWN;
	char th[65];
	ank_cs_hash_hex(token, th);
	/* The read connection: a check never waits behind a writer or a full disk. */
	pthread_mutex_lock(&cs->rmu);
	sqlite3_stmt *s = NULL;
	ank_cs_rc out = ANK_CS_DB;
	if (ank_cs_rprep(cs,
	                 "SELECT id, site FROM kiosk WHERE token_hash = ?"
	                 " AND revoked_ms IS NULL",
	                 &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, th, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			snprintf(kiosk, 64, "%s", ank_cs_col(s, 0));
			snprintf(site, 64, "%s", ank_cs_col(s, 1));
			out = ANK_CS_OK;
		} else if (rc == SQLITE_DONE) {
			out = ANK_CS_UNKNOWN;
		}
	}
	ank_cs_rend(cs, s);
	if (out == ANK_CS_DB)
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
	pthread_mutex_unlock(&cs->rmu);
	if (out == ANK_CS_OK)
		seen_note(cs, kiosk, site, now);
	return out;
}

static long long acked_locked(ank_cstore *cs, const char *kiosk)
{
	sqlite3_stmt *s = NULL;
	long long v = 0;
	if (ank_cs_prep(cs, "SELECT coalesce(max(seq), 0) FROM event WHERE kiosk = ?", &s) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
	}
	ank_cs_end(cs, s);
	return v;
}

long long ank_cstore_acked(ank_cstore *cs, const char *kiosk)
{
	pthread_mutex_lock(&cs->mu);
	long long v = acked_locked(cs, kiosk);
	pthread_mutex_unlock(&cs->mu);
	return v;
}

/* The site of a paired kiosk into site; locked. 0, or -1 when unknown or on error. */
static int kiosk_site_locked(ank_cstore *cs, const char *kiosk, char site[ANK_CS_ID_MAX + 1])
{
	sqlite3_stmt *s = NULL;
	int rc = -1;
	/* A revoked kiosk's batch that passed the token check just before is not stored. */
	if (ank_cs_prep(cs, "SELECT site FROM kiosk WHERE id = ? AND revoked_ms IS NULL", &s) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(site, ANK_CS_ID_MAX + 1, "%s", ank_cs_col(s, 0));
			rc = 0;
		}
	}
	ank_cs_end(cs, s);
	return rc;
}

/* Whether the event held at e's seq is e (statement `get`: event_id, type, kiosk_ms,
 * payload by kiosk and seq). */
static bool same_as_held(sqlite3_stmt *get, const char *kiosk, const ank_event *e)
{
	sqlite3_bind_text(get, 1, kiosk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(get, 2, e->seq);
	bool same = sqlite3_step(get) == SQLITE_ROW &&
	            !strcmp((const char *)sqlite3_column_text(get, 0), e->id) &&
	            !strcmp((const char *)sqlite3_column_text(get, 1), e->type) &&
	            sqlite3_column_int64(get, 2) == e->at_ms &&
	            !strcmp((const char *)sqlite3_column_text(get, 3), e->payload);
	sqlite3_reset(get);
	return same;
}

/* Appends e to the raw log (statement `put`). 0, or -1 (the connection has the error). */
static int event_put(sqlite3_stmt *put, const char *kiosk, const ank_event *e, int64_t now)
{
	sqlite3_bind_text(put, 1, kiosk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(put, 2, e->seq);
	sqlite3_bind_text(put, 3, e->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(put, 4, e->type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(put, 5, e->at_ms);
	sqlite3_bind_int64(put, 6, now);
	sqlite3_bind_text(put, 7, e->payload, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(put) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(put);
	return rc;
}

/* The audit row of a kiosk staff-mode action, stored with its event: a staff.action (a
 * command) or a help.answered (staff closed a help request, which only staff mode does),
 * both checked by the projection already. At the kiosk's time, by "kiosk PIN", with the
 * kiosk's id where a browser's address would be (mu held). 0 (also for any other event), or
 * -1 with err. */
static int audit_pin_locked(ank_cstore *cs, const char *kiosk, const char *site, const ank_event *e,
                            ank_err *err)
{
	bool help = !strcmp(e->type, ank_ev_name(ANK_EV_HELP_ANSWERED));
	if (!help && strcmp(e->type, ank_ev_name(ANK_EV_STAFF_ACTION)) != 0)
		return 0;
	json_t *p = json_loads(e->payload, 0, NULL);
	json_t *ticket = json_object_get(p, ANK_FN(TICKET));
	const char *station = json_string_value(json_object_get(p, ANK_FN(STATION)));
	ank_audit_entry a = {.at_ms = e->at_ms};
	snprintf(a.actor, sizeof a.actor, "%s", ANK_AUDIT_KIOSK_PIN);
	snprintf(a.role, sizeof a.role, "%s", ANK_AUDIT_ROLE_KIOSK);
	snprintf(a.addr, sizeof a.addr, "%s", kiosk);
	snprintf(a.action, sizeof a.action, "kiosk_%s",
	         help ? e->type : json_string_value(json_object_get(p, ANK_FN(TYPE))));
	/* An action is a slug, as the audit view's filter takes it: help.answered as
	 * kiosk_help_answered. */
	for (char *c = a.action; *c; c++)
		if (*c == '.')
			*c = '_';
	int k = snprintf(a.object, sizeof a.object, "%s", site);
	if (help && k > 0 && (size_t)k < sizeof a.object)
		k += snprintf(a.object + k, sizeof a.object - (size_t)k, " help %lld",
		              (long long)json_integer_value(json_object_get(p, ANK_FN(ID))));
	if (json_is_integer(ticket) && k > 0 && (size_t)k < sizeof a.object)
		k += snprintf(a.object + k, sizeof a.object - (size_t)k, " ticket %lld",
		              (long long)json_integer_value(ticket));
	if (station && k > 0 && (size_t)k < sizeof a.object)
		snprintf(a.object + k, sizeof a.object - (size_t)k, " station %s", station);
	snprintf(a.result, sizeof a.result, "applied");
	json_decref(p);
	return ank_cs_audit_add_locked(cs, &a, err);
}

/* One kiosk's batch inside the group's open transaction (mu held), in a savepoint of its
 * own: a refusal (CONFLICT, GAP, INVALID) undoes only this batch and returns 0 with j->rc
 * set; OK means stored so far, not yet committed. -1 when the database failed: the whole
 * transaction is then to be rolled back (SQLite may already have done so). */
static int ingest_one_locked(ank_cstore *cs, ank_cs_proj *proj, ank_cs_ingest_job *j, int64_t now)
{
	const ank_batch *b = j->b;
	ank_err *err = &j->err;
	sqlite3_stmt *get = NULL, *put = NULL;
	if (ank_db_exec(cs->db, "SAVEPOINT batch", err) != SQLITE_OK)
		return -1;
	j->rc = ANK_CS_DB;
	char site[ANK_CS_ID_MAX + 1] = "";
	if (kiosk_site_locked(cs, j->kiosk, site) != 0) {
		ank_err_set(err, "kiosk %s is not paired", j->kiosk);
		j->rc = ANK_CS_UNKNOWN;
		goto refuse;
	}
	snprintf(j->site, sizeof j->site, "%s", site);
	long long held = acked_locked(cs, j->kiosk);
	if (b->n > 0 && b->ev[0].seq > held + 1) {
		ank_err_set(err,
		            "events start at seq %lld but central holds up to %lld: send from %lld",
		            b->ev[0].seq, held, held + 1);
		j->rc = ANK_CS_GAP;
		goto refuse;
	}
	if (ank_cs_prep(cs,
	                "SELECT event_id, type, kiosk_ms, payload FROM event"
	                " WHERE kiosk = ? AND seq = ?",
	                &get) != SQLITE_OK ||
	    ank_cs_prep(cs,
	                "INSERT INTO event(kiosk, seq, event_id, type, kiosk_ms, received_ms,"
	                " payload) VALUES (?,?,?,?,?,?,?)",
	                &put) != SQLITE_OK)
		goto fail;
	ank_cs_event_ctx x = {.kiosk = j->kiosk, .site = site, .now = now};
	for (int i = 0; i < b->n; i++) {
		const ank_event *e = &b->ev[i];
		if (e->seq <= held) {
			/* A resend after a lost answer: fine if it is the same event. */
			if (!same_as_held(get, j->kiosk, e)) {
				ank_err_set(err,
				            "seq %lld is already held with other content: the kiosk"
				            " database was reset",
				            e->seq);
				j->rc = ANK_CS_CONFLICT;
				goto refuse;
			}
			continue;
		}
		if (event_put(put, j->kiosk, e, now))
			goto fail;
		/* Only a newly stored event moves the read model, so a resend never counts
		 * twice. */
		int pr = ank_cs_project(cs, proj, &x, e, err);
		if (pr > 0) {
			j->rc = ANK_CS_INVALID;
			goto refuse;
		}
		if (pr < 0 || audit_pin_locked(cs, j->kiosk, site, e, err))
			goto fail_err;
	}
	ank_cs_end(cs, get);
	ank_cs_end(cs, put);
	get = put = NULL;
	if (ank_cs_proj_flush(cs, proj, j->kiosk, site, err))
		goto fail_err;
	j->acked = acked_locked(cs, j->kiosk);
	if (ank_db_exec(cs->db, "RELEASE batch", err) != SQLITE_OK)
		goto fail;
	j->rc = ANK_CS_OK;
	return 0;
refuse:
	ank_cs_end(cs, get);
	ank_cs_end(cs, put);
	/* The overlay may hold this batch's rows: they go with it. */
	ank_cs_proj_reset(proj);
	if (ank_db_exec(cs->db, "ROLLBACK TO batch", NULL) != SQLITE_OK ||
	    ank_db_exec(cs->db, "RELEASE batch", NULL) != SQLITE_OK)
		return -1;
	return 0;
fail:
	ank_cs_fail(cs, err);
fail_err:
	ank_cs_end(cs, get);
	ank_cs_end(cs, put);
	return -1;
}

/* Every job of the group that would have been stored fails with the database's reason. */
static void group_fail(ank_cs_ingest_job *jobs, int n, ank_cs_rc rc, const char *why)
{
	for (int i = 0; i < n; i++) {
		if (jobs[i].rc != ANK_CS_OK && jobs[i].rc != ANK_CS_DB)
			continue; /* refused on its own: nothing of it was to be stored anyway */
		jobs[i].rc = rc;
		jobs[i].acked = 0;
		ank_err_set(&jobs[i].err, "%s", why);
	}
}

void ank_cstore_ingest_many(ank_cstore *cs, ank_cs_ingest_job *jobs, int n, int64_t now)
{
	for (int i = 0; i < n; i++) {
		jobs[i].rc = ANK_CS_DB;
		jobs[i].acked = 0;
		jobs[i].err.msg[0] = '\0';
	}
	ank_err err;
	if (ank_cs_refuse_writes(cs, &err)) {
		group_fail(jobs, n, ANK_CS_DB, err.msg);
		return;
	}
	ank_cs_proj *proj = ank_cs_proj_new();
	if (!proj) {
		group_fail(jobs, n, ANK_CS_DB, "out of memory");
		return;
	}
	pthread_mutex_lock(&cs->mu);
	ank_cs_rc failed = ANK_CS_OK;
	char why[sizeof err.msg];
	if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", &err) != SQLITE_OK) {
		failed = ank_cs_db_rc(cs);
		snprintf(why, sizeof why, "%s", err.msg);
	}
	for (int i = 0; !failed && i < n; i++) {
		if (ingest_one_locked(cs, proj, &jobs[i], now)) {
			failed = ank_cs_db_rc(cs);
			snprintf(why, sizeof why, "%s", jobs[i].err.msg);
		}
	}
	if (!failed && ank_db_exec(cs->db, "COMMIT", &err) != SQLITE_OK) {
		failed = ank_cs_db_rc(cs);
		snprintf(why, sizeof why, "%s", err.msg);
	}
	if (failed) {
		/* Nothing of the group is acknowledged: the kiosks send it again. */
		if (!sqlite3_get_autocommit(cs->db))
			ank_db_exec(cs->db, "ROLLBACK", NULL);
		group_fail(jobs, n, failed, why);
	} else {
		ank_cs_write_ok(cs);
	}
	pthread_mutex_unlock(&cs->mu);
	free(proj);
	/* The console's long-polls learn of what was stored. */
	for (int i = 0; !failed && i < n; i++)
		if (jobs[i].rc == ANK_CS_OK && jobs[i].site[0])
			ank_cstore_site_touch(cs, jobs[i].site);
}

ank_cs_rc ank_cstore_ingest(ank_cstore *cs, const char *kiosk, const ank_batch *b, int64_t now,
                            long long *acked, ank_err *err)
{
	ank_cs_ingest_job j = {.kiosk = kiosk, .b = b};
	ank_cstore_ingest_many(cs, &j, 1, now);
	*acked = j.acked;
	if (j.rc != ANK_CS_OK)
		*err = j.err;
	return j.rc;
}

int ank_cstore_stats_get(ank_cstore *cs, int64_t now, ank_cstore_stats *st, char *per_kiosk,
                         size_t n)
{
	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&cs->mu);
	sqlite3_stmt *s = NULL;
	/* A kiosk's sequence numbers run 1..n without a gap, so n per kiosk counts its events
	 * with one seek each instead of a walk over the whole log. */
	if (ank_cs_prep(cs,
	                "SELECT coalesce(sum((SELECT max(seq) FROM event WHERE kiosk = k.id)), 0)"
	                " FROM kiosk k",
	                &s) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		st->events = sqlite3_column_int64(s, 0);
	ank_cs_end(cs, s);
	if (ank_cs_prep(cs, "SELECT coalesce(sum(n), 0) FROM clock_stat", &s) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		st->out_of_time = sqlite3_column_int64(s, 0);
	ank_cs_end(cs, s);
	size_t off = 0;
	if (per_kiosk && n)
		per_kiosk[0] = '\0';
	/* A revoked kiosk is no longer paired: it is not counted, and its token is dead. */
	if (ank_cs_prep(cs,
	                "SELECT id, site, last_seen_ms FROM kiosk WHERE revoked_ms IS NULL"
	                " ORDER BY id",
	                &s) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW) {
			long long seen =
			        ank_cs_seen_get(cs, ank_cs_col(s, 0), sqlite3_column_int64(s, 2));
			st->kiosks++;
			if (seen && now - seen < ANK_ONLINE_MS)
				st->online++;
			if (per_kiosk && off < n) {
				int k = snprintf(per_kiosk + off, n - off,
				                 "ankomst_kiosk_last_seen_timestamp_seconds{kiosk="
				                 "\"%s\",site=\"%s\"}"
				                 " %.3f\n",
				                 sqlite3_column_text(s, 0),
				                 sqlite3_column_text(s, 1), (double)seen / 1000.0);
				if (k > 0)
					off += (size_t)k;
			}
		}
	}
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return 0;
}

void ank_cstore_unknown_events(ank_cstore *cs, char *buf, size_t n)
{
	size_t off = 0;
	if (n)
		buf[0] = '\0';
	pthread_mutex_lock(&cs->mu);
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs, "SELECT type, sum(n) FROM unknown_stat GROUP BY type ORDER BY type",
	                &s) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW && off < n) {
			int k = snprintf(buf + off, n - off,
			                 "ankomst_events_unknown_total{type=\"%s\"} %lld\n",
			                 sqlite3_column_text(s, 0),
			                 (long long)sqlite3_column_int64(s, 1));
			if (k < 0 || (size_t)k >= n - off) {
				buf[off] = '\0'; /* whole lines only */
				break;
			}
			off += (size_t)k;
		}
	}
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
}

int ank_cs_begin(ank_cstore *cs, ank_err *err)
{
	return ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) == SQLITE_OK ? 0 : -1;
}

int ank_cs_commit(ank_cstore *cs, ank_err *err)
{
	if (ank_db_exec(cs->db, "COMMIT", err) == SQLITE_OK)
		return 0;
	sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

void ank_cs_rollback(ank_cstore *cs)
{
	sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
}
