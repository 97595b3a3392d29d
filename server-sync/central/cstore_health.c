/* What central knows about its own database: the mapping of SQLite failures to store results
 * and a health state (a full disk, a lock held elsewhere, damage), the background probe that
 * /healthz reports, PRAGMA quick_check, and writing the kiosks' last-seen times. */
#include "cstore_int.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "ank_log.h"

/* How long the probe waits for a lock held elsewhere: it runs every second under the
 * writer's lock and must not stall ingest behind it for the 2 s a batch may wait. */
#define PROBE_BUSY_TIMEOUT_MS 100
/* Problems quick_check reports at most; the first is enough to refuse the file. */
#define QUICK_CHECK_ROWS 5

ank_cs_rc ank_cs_db_rc(ank_cstore *cs)
{
	int ext = sqlite3_extended_errcode(cs->db);
	int primary = ext & 0xff;
	ank_cs_rc rc = ANK_CS_DB;
	if (primary == SQLITE_FULL)
		rc = ANK_CS_FULL;
	else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		rc = ANK_CS_BUSY;
	pthread_mutex_lock(&cs->health_mu);
	if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
		if (!cs->damaged)
			snprintf(cs->damaged_why, sizeof cs->damaged_why, "damaged: %s",
			         sqlite3_errmsg(cs->db));
		cs->damaged = true;
	}
	cs->write_rc = rc;
	snprintf(cs->write_why, sizeof cs->write_why, "%s", sqlite3_errmsg(cs->db));
	pthread_mutex_unlock(&cs->health_mu);
	return rc;
}

void ank_cs_write_ok(ank_cstore *cs)
{
	pthread_mutex_lock(&cs->health_mu);
	cs->write_rc = ANK_CS_OK;
	cs->write_why[0] = '\0';
	pthread_mutex_unlock(&cs->health_mu);
}

bool ank_cs_refuse_writes(ank_cstore *cs, ank_err *err)
{
	pthread_mutex_lock(&cs->health_mu);
	bool damaged = cs->damaged;
	if (damaged)
		ank_err_set(err, "the database is damaged; nothing is written until it is repaired"
		                 " (docs/operations.md)");
	pthread_mutex_unlock(&cs->health_mu);
	return damaged;
}

ank_cs_health ank_cstore_health(ank_cstore *cs, char *why, size_t n)
{
	pthread_mutex_lock(&cs->health_mu);
	ank_cs_health h = ANK_CS_HEALTH_OK;
	const char *text = "";
	if (cs->damaged) {
		h = ANK_CS_HEALTH_DAMAGED;
		text = cs->damaged_why;
	} else if (cs->low_space || cs->write_rc == ANK_CS_FULL) {
		h = ANK_CS_HEALTH_FULL;
		text = cs->low_space ? cs->space_why : cs->write_why;
	} else if (cs->write_rc != ANK_CS_OK) {
		h = ANK_CS_HEALTH_NO_WRITE;
		text = cs->write_why;
	}
	if (n)
		snprintf(why, n, "%s", text);
	pthread_mutex_unlock(&cs->health_mu);
	return h;
}

/* Free bytes for an unprivileged writer on the file system holding path; -1 if unknown. */
static long long free_bytes(const char *path)
{
	char dir[sizeof((ank_cstore *)0)->path];
	snprintf(dir, sizeof dir, "%s", path);
	struct statvfs v;
	if (statvfs(dirname(dir), &v) != 0)
		return -1;
	return (long long)v.f_bavail * (long long)v.f_frsize;
}

ank_cs_health ank_cstore_probe(ank_cstore *cs, long long min_free_bytes, int64_t now)
{
	long long avail = free_bytes(cs->path);
	pthread_mutex_lock(&cs->health_mu);
	bool was_low = cs->low_space;
	cs->low_space = avail >= 0 && avail < min_free_bytes;
	if (cs->low_space)
		snprintf(cs->space_why, sizeof cs->space_why,
		         "disk nearly full: %lld KiB free, %lld KiB needed", avail / 1024,
		         min_free_bytes / 1024);
	pthread_mutex_unlock(&cs->health_mu);
	if (cs->low_space != was_low)
		ank_log(cs->low_space ? ANK_LOG_ERROR : ANK_LOG_INFO, "health", "%s",
		        cs->low_space ? cs->space_why : "disk space is back above the floor");
	ank_err err;
	if (!ank_cs_refuse_writes(cs, &err)) {
		pthread_mutex_lock(&cs->mu);
		sqlite3_busy_timeout(cs->db, PROBE_BUSY_TIMEOUT_MS);
		sqlite3_stmt *s = NULL;
		int rc = ank_cs_prep(cs,
		                     "INSERT OR REPLACE INTO meta(key, value) VALUES"
		                     " ('health_probe', ?)",
		                     &s);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, now);
			rc = sqlite3_step(s);
		}
		ank_cs_end(cs, s);
		sqlite3_busy_timeout(cs->db, ANK_DB_BUSY_TIMEOUT_MS);
		char before[256];
		ank_cs_health old = ank_cstore_health(cs, before, sizeof before);
		if (rc == SQLITE_DONE) {
			ank_cs_write_ok(cs);
			if (old == ANK_CS_HEALTH_NO_WRITE)
				ank_log(ANK_LOG_INFO, "health", "writes work again");
		} else {
			ank_cs_db_rc(cs);
			if (old == ANK_CS_HEALTH_OK)
				ank_log(ANK_LOG_ERROR, "health", "cannot write: %s",
				        sqlite3_errmsg(cs->db));
		}
		pthread_mutex_unlock(&cs->mu);
	}
	return ank_cstore_health(cs, NULL, 0);
}

int ank_cstore_quick_check(ank_cstore *cs, ank_err *err)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(cs->path, &db, SQLITE_OPEN_READONLY, NULL);
	char found[256] = "";
	sqlite3_stmt *s = NULL;
	char sql[48];
	snprintf(sql, sizeof sql, "PRAGMA quick_check(%d)", QUICK_CHECK_ROWS);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	int rows = 0;
	bool ok = false;
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		if (rows++ == 0) {
			ok = t && !strcmp(t, "ok");
			/* The first problem is enough to say what happened: one line, without the
			 * "*** in database main ***" heading SQLite puts before it. */
			static const char heading[] = "*** in database main ***\n";
			if (t && !strncmp(t, heading, sizeof heading - 1))
				t += sizeof heading - 1;
			snprintf(found, sizeof found, "%.*s", (int)strcspn(t ? t : "", "\n"),
			         t ? t : "");
		}
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW && !found[0])
		snprintf(found, sizeof found, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_finalize(s);
	sqlite3_close_v2(db);
	if (ok && rows == 1)
		return 0;
	pthread_mutex_lock(&cs->health_mu);
	cs->damaged = true;
	snprintf(cs->damaged_why, sizeof cs->damaged_why, "damaged: quick_check: %s", found);
	pthread_mutex_unlock(&cs->health_mu);
	/* The recovery steps come first, so that they survive any cut of the message. */
	return ank_err_set(err,
	                   "%s is damaged and will not be served: see docs/operations.md, \"A "
	                   "damaged database\" (PRAGMA quick_check: %s)",
	                   cs->path, found);
}

int ank_cstore_seen_flush(ank_cstore *cs, ank_err *err)
{
	pthread_mutex_lock(&cs->seen_mu);
	int n = 0;
	for (int i = 0; i < cs->n_seen; i++)
		n += cs->seen[i].dirty;
	/* Entries are only ever appended, so an index stays the kiosk's. */
	ank_cs_seen *copy = n ? malloc((size_t)n * sizeof *copy) : NULL;
	int *at = n ? malloc((size_t)n * sizeof *at) : NULL;
	int k = 0;
	for (int i = 0; copy && at && i < cs->n_seen; i++)
		if (cs->seen[i].dirty) {
			at[k] = i;
			copy[k++] = cs->seen[i];
		}
	pthread_mutex_unlock(&cs->seen_mu);
	if (n == 0)
		return 0;
	if (!copy || !at) {
		free(copy);
		free(at);
		return ank_err_set(err, "out of memory");
	}
	if (ank_cs_refuse_writes(cs, err)) {
		free(copy);
		free(at);
		return -1;
	}
	pthread_mutex_lock(&cs->mu);
	/* Best effort, like the probe: behind a lock held elsewhere it gives up soon rather than
	 * keep ingest waiting on the writer's lock; the times stay in memory for the next try. */
	sqlite3_busy_timeout(cs->db, PROBE_BUSY_TIMEOUT_MS);
	int rc = ank_db_exec(cs->db, "BEGIN IMMEDIATE", err);
	sqlite3_busy_timeout(cs->db, ANK_DB_BUSY_TIMEOUT_MS);
	for (int i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_stmt *s = NULL;
		rc = ank_cs_prep(cs,
		                 "UPDATE kiosk SET last_seen_ms = max(last_seen_ms, ?1),"
		                 " version = coalesce(?3, version) WHERE id = ?2",
		                 &s);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, copy[i].ms);
			sqlite3_bind_text(s, 2, copy[i].kiosk, -1, SQLITE_TRANSIENT);
			ank_cs_bind_opt(s, 3, copy[i].version);
			rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		}
		ank_cs_end(cs, s);
	}
	if (rc == SQLITE_OK)
		rc = ank_db_exec(cs->db, "COMMIT", err);
	if (rc != SQLITE_OK) {
		ank_cs_fail(cs, err);
		ank_cs_db_rc(cs);
		ank_db_exec(cs->db, "ROLLBACK", NULL);
	} else {
		ank_cs_write_ok(cs);
	}
	pthread_mutex_unlock(&cs->mu);
	if (rc == SQLITE_OK) {
		/* Clean only what was written: a kiosk seen again meanwhile stays dirty. */
		pthread_mutex_lock(&cs->seen_mu);
		for (int i = 0; i < n; i++)
			if (cs->seen[at[i]].ms == copy[i].ms)
				cs->seen[at[i]].dirty = false;
		pthread_mutex_unlock(&cs->seen_mu);
	}
	free(copy);
	free(at);
	return rc == SQLITE_OK ? 0 : -1;
}

/* sqlite3_wal_hook on the writer connection, after each commit (mu held). */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	ank_cstore *cs = arg;
	if (pages >= ANK_CS_CHECKPOINT_PAGES && cs->on_wal)
		cs->on_wal(cs->on_wal_ctx);
	return SQLITE_OK;
}

void ank_cstore_background_checkpoints(ank_cstore *cs, void (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&cs->mu);
	cs->on_wal = fn;
	cs->on_wal_ctx = ctx;
	/* The hook replaces SQLite's automatic checkpoint (which is a WAL hook itself); without
	 * a callback, the default comes back. */
	if (fn)
		sqlite3_wal_hook(cs->db, on_wal_commit, cs);
	else
		sqlite3_wal_autocheckpoint(cs->db, ANK_CS_CHECKPOINT_PAGES);
	pthread_mutex_unlock(&cs->mu);
}

int ank_cstore_checkpoint(ank_cstore *cs, ank_err *err)
{
	pthread_mutex_lock(&cs->ckpt_mu);
	int rc = SQLITE_OK;
	if (!cs->ckpt_db) {
		rc = sqlite3_open_v2(cs->path, &cs->ckpt_db, SQLITE_OPEN_READWRITE, NULL);
		if (rc == SQLITE_OK)
			sqlite3_busy_timeout(cs->ckpt_db, PROBE_BUSY_TIMEOUT_MS);
		/* A connection learns that the file is in WAL mode only when it first reads it;
		 * until then a checkpoint on it is a no-op that returns OK, and the WAL grew
		 * without end while central ran (issue 14's year benchmark: a 3.2 GB WAL beside a
		 * 240 KB database). One read opens the WAL. */
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(cs->ckpt_db, "SELECT count(*) FROM sqlite_schema", NULL,
			                  NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_wal_checkpoint_v2(cs->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
		                               NULL);
	int out = 0;
	/* BUSY: another checkpoint runs (the CLI's); the next one catches up. */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		out = ank_err_set(err, "checkpoint: %s",
		                  cs->ckpt_db ? sqlite3_errmsg(cs->ckpt_db) : sqlite3_errstr(rc));
	pthread_mutex_unlock(&cs->ckpt_mu);
	return out;
}
