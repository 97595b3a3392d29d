/* Private helpers shared by the store's source files: the struct and statement
 * shortcuts. Nothing outside kiosk/store includes this, except the tests and benchmarks,
 * which check rows behind the store's back (tests/check_layers.sh enforces both). */
#ifndef ANK_STORE_INT_H
#define ANK_STORE_INT_H

#include <sqlite3.h>

#include "ank_db.h"
#include "store.h"

struct ank_store {
	sqlite3 *db;
	char kiosk_id[ANK_ID_MAX + 1];
	ank_db_stmts stmts; /* prepared statements kept for the life of the store */
	int last_error; /* SQLite's code of the last failed call, 0 none (ank_store_take_error) */
};

/* The store's connection, borrowed (do not close it): for tests' integrity checks and
 * benchmarks only. Code outside the store asks the store, which owns its database. */
sqlite3 *ank_store_db(ank_store *st);

/* Prepares `sql` (static text) or takes it from the cache; on failure sets err and
 * returns -1. Every successful prep must be paired with ank_st_end (or ank_st_done). */
int ank_st_prep(ank_store *s, const char *sql, sqlite3_stmt **st, ank_err *err);
/* Gives a statement back: reset and kept when cached, finalized otherwise. */
void ank_st_end(ank_store *s, sqlite3_stmt *st);
/* Steps a statement that returns no row, then ends it. 0 or -1 with err. */
int ank_st_done(ank_store *s, sqlite3_stmt *st, ank_err *err);
/* Copies one result row into `out`. */
typedef void (*ank_st_row_fn)(sqlite3_stmt *st, void *out);
/* Steps a statement that returns at most one row, fills `out` with `row` when there is
 * one, and ends the statement: ANK_STORE_OK, ANK_STORE_UNKNOWN (no row), ANK_STORE_DB. */
ank_store_rc ank_st_one(ank_store *s, sqlite3_stmt *st, ank_st_row_fn row, void *out, ank_err *err);
/* Records SQLite's current error code of the connection as the store's last error and
 * sets err to "sqlite: <message>". Always -1, like ank_err_set. */
int ank_st_fail(ank_store *s, ank_err *err);
/* Records `rc` (a result of ank_db_exec or sqlite3_step) as the last error when it is one;
 * returns rc. */
int ank_st_rc(ank_store *s, int rc);
/* Binds text, or NULL when s is NULL. */
void ank_st_text(sqlite3_stmt *st, int i, const char *s);
/* Copies column i as text into out[n] (empty for NULL). */
void ank_st_col(sqlite3_stmt *st, int i, char *out, size_t n);

#endif
