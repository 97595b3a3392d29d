/* Opening an SQLite database the way every Ankomst store wants it (WAL, foreign keys,
 * busy timeout, full sync) and applying its append-only migrations. */
#ifndef ANK_DB_H
#define ANK_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "ank_err.h"

/* How long a writer waits for a lock before SQLITE_BUSY: long enough for a sync batch,
 * short enough that the kiosk UI can report and go on. */
#define ANK_DB_BUSY_TIMEOUT_MS 2000

/* Opens (creating if needed) `path` with WAL and synchronous=FULL: a ticket printed
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

#endif
