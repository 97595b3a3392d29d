/* Opening an SQLite database the way every Ankomst store wants it (WAL, foreign keys,
 * busy timeout, full sync) and applying its append-only migrations. */
#ifndef ANK_DB_H
#define ANK_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "ank_err.h"

/* How long a writer waits for a lock before SQLITE_BUSY: long enough for a sync batch,
 * short enough that the kiosk UI can report and go on. */
#define ANK_DB_BUSY_TIMEOUT_MS 2000

/* Makes the database at `path` private to its owner: created 0600 if missing (whatever
 * the umask), group and other access taken from it and its -wal, -shm and -journal files if
 * they have any (it holds nicknames or linkage keys: docs/privacy.md). ":memory:" and URIs
 * are left alone. 0, or -1 with err. ank_db_open calls it first. */
int ank_db_private(const char *path, ank_err *err);

/* Opens (creating if needed, 0600) `path` with WAL and synchronous=FULL: a ticket printed
 * must survive power loss. On success *out is owned by the caller (sqlite3_close_v2).
 * Returns 0, or -1 with err set; *out is NULL then. */
int ank_db_open(const char *path, sqlite3 **out, ank_err *err);

/* Applies migrations[user_version .. n) in one transaction and stamps application_id.
 * A shipped migration is never edited: add a new one at the end. Refuses a file with
 * another application_id or a user_version newer than n. Returns 0 or -1 with err. */
int ank_db_migrate(sqlite3 *db, int32_t application_id, const char *const *migrations, int n,
                   ank_err *err);

/* Runs a statement with no result rows; returns the SQLite result code. */
int ank_db_exec(sqlite3 *db, const char *sql, ank_err *err);

/* Prepared statements kept for reuse on one connection: compiling our SQL cost more CPU
 * than running it (half a kiosk check-in, 40 % of central's ingest; docs/benchmarks.md).
 * Not thread-safe: use it under whatever guards the connection. Past ANK_DB_STMT_CACHE
 * distinct statements, further ones are prepared per use. Zero-initialise before use. */
#define ANK_DB_STMT_CACHE 96

typedef struct ank_db_stmt_slot {
	char *sql; /* a copy: the text is the key, so SQL built in a buffer is safe too */
	sqlite3_stmt *stmt;
	bool in_use; /* handed out and not yet put back; a nested use gets a fresh statement */
} ank_db_stmt_slot;

typedef struct ank_db_stmts {
	ank_db_stmt_slot slot[ANK_DB_STMT_CACHE];
	int n;
} ank_db_stmts;

/* Like sqlite3_prepare_v2 (returns its result code), but a free cached statement of the
 * same SQL comes back instead, reset and unbound. Give it back with ank_db_stmt_put,
 * never sqlite3_finalize. */
int ank_db_stmt_get(sqlite3 *db, ank_db_stmts *c, const char *sql, sqlite3_stmt **out);
/* Resets a cached statement for its next use, or finalizes one that is not cached;
 * NULL is fine. */
void ank_db_stmt_put(ank_db_stmts *c, sqlite3_stmt *s);
/* Finalizes every cached statement: call before closing the connection. */
void ank_db_stmts_free(ank_db_stmts *c);

#endif
