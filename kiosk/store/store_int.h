/* Private helpers shared by the store's source files: the struct and statement
 * shortcuts. Nothing outside kiosk/store includes this. */
#ifndef ANK_STORE_INT_H
#define ANK_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct ank_store {
	sqlite3 *db;
	char kiosk_id[ANK_ID_MAX + 1];
};

/* Prepares `sql`; on failure sets err and returns -1. The caller finalizes *st. */
int ank_st_prep(ank_store *s, const char *sql, sqlite3_stmt **st, ank_err *err);
/* Steps a statement that returns no row; finalizes it. 0 or -1 with err. */
int ank_st_done(ank_store *s, sqlite3_stmt *st, ank_err *err);
/* Binds text, or NULL when s is NULL. */
void ank_st_text(sqlite3_stmt *st, int i, const char *s);
/* Copies column i as text into out[n] (empty for NULL). */
void ank_st_col(sqlite3_stmt *st, int i, char *out, size_t n);

#endif
