/* SQLite open and migration runner shared by the kiosk's site.db and central's store. */
#include "ank_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ank_log.h"

int ank_db_exec(sqlite3 *db, const char *sql, ank_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		ank_err_set(err, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else if (rc == SQLITE_OK)
		rc = SQLITE_ERROR;
	sqlite3_finalize(st);
	return rc;
}

/* Takes group and other access away from one file of the database, if it exists. */
static int owner_only(const char *path, bool created, ank_err *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == ENOENT
		               ? 0
		               : ank_err_set(err, "cannot stat %s: %s", path, strerror(errno));
	if (!(st.st_mode & 077))
		return 0;
	if (chmod(path, st.st_mode & 0700) != 0)
		return ank_err_set(err, "cannot make %s private: %s", path, strerror(errno));
	if (!created)
		ank_log(ANK_LOG_INFO, "db", "%s was readable by others (mode %03o): now %03o", path,
		        (unsigned)(st.st_mode & 0777), (unsigned)(st.st_mode & 0700));
	return 0;
}

int ank_db_private(const char *path, ank_err *err)
{
	if (!strcmp(path, ":memory:") || !strncmp(path, "file:", 5) || !path[0])
		return 0;
	/* Created here with 0600 whatever the umask, so it is never readable by others, not
	 * even for a moment; SQLite gives its -wal and -shm files the database's mode. */
	bool created = false;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		created = true;
		close(fd);
	} else if (errno != EEXIST) {
		return ank_err_set(err, "cannot create %s: %s", path, strerror(errno));
	}
	char side[4096 + 8];
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		if (snprintf(side, sizeof side, "%s%s", path, ext[i]) >= (int)sizeof side)
			return ank_err_set(err, "path too long: %.64s...", path);
		if (owner_only(side, created, err))
			return -1;
	}
	return 0;
}

int ank_db_open(const char *path, sqlite3 **out, ank_err *err)
{
	sqlite3 *db = NULL;
	*out = NULL;
	if (ank_db_private(path, err))
		return -1;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		ank_err_set(err, "cannot open %s: %s", path,
		            db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close_v2(db);
		return -1;
	}
	sqlite3_busy_timeout(db, ANK_DB_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db, 1);
	if (ank_db_exec(db,
	                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                "PRAGMA foreign_keys=ON;"
	                /* A deleted nickname is overwritten, not left in a free page. */
	                "PRAGMA secure_delete=ON;",
	                err) != SQLITE_OK) {
		sqlite3_close_v2(db);
		return -1;
	}
	*out = db;
	return 0;
}

int ank_db_migrate(sqlite3 *db, int32_t application_id, const char *const *migrations, int n,
                   ank_err *err)
{
	int app = 0, version = 0;
	if (pragma_int(db, "PRAGMA application_id", &app) != SQLITE_OK ||
	    pragma_int(db, "PRAGMA user_version", &version) != SQLITE_OK)
		return ank_err_set(err, "cannot read the database header: %s", sqlite3_errmsg(db));
	if (app != 0 && app != application_id)
		return ank_err_set(err, "not an Ankomst database of this kind (application_id %d)",
		                   app);
	if (version > n)
		return ank_err_set(err,
		                   "database schema version %d is newer than this program (%d)",
		                   version, n);
	if (version == n && app == application_id)
		return 0;
	if (ank_db_exec(db, "BEGIN IMMEDIATE", err) != SQLITE_OK)
		return -1;
	for (int i = version; i < n; i++) {
		if (ank_db_exec(db, migrations[i], err) != SQLITE_OK) {
			char detail[sizeof err->msg];
			snprintf(detail, sizeof detail, "%s", err ? err->msg : "");
			ank_err_set(err, "migration %d failed: %s", i + 1, detail);
			ank_db_exec(db, "ROLLBACK", NULL);
			return -1;
		}
	}
	char sql[96];
	snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
	         (int)application_id, n);
	if (ank_db_exec(db, sql, err) != SQLITE_OK || ank_db_exec(db, "COMMIT", err) != SQLITE_OK) {
		ank_db_exec(db, "ROLLBACK", NULL);
		return -1;
	}
	return 0;
}

int ank_db_stmt_get(sqlite3 *db, ank_db_stmts *c, const char *sql, sqlite3_stmt **out)
{
	for (int i = 0; i < c->n; i++) {
		if (!c->slot[i].in_use && !strcmp(c->slot[i].sql, sql)) {
			c->slot[i].in_use = true;
			*out = c->slot[i].stmt;
			return SQLITE_OK;
		}
	}
	bool keep = c->n < ANK_DB_STMT_CACHE;
	int rc = sqlite3_prepare_v3(db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, out, NULL);
	if (rc != SQLITE_OK || !keep)
		return rc;
	char *copy = strdup(sql);
	if (copy) /* without the copy it is simply not cached */
		c->slot[c->n++] = (ank_db_stmt_slot){.sql = copy, .stmt = *out, .in_use = true};
	return rc;
}

void ank_db_stmt_put(ank_db_stmts *c, sqlite3_stmt *s)
{
	if (!s)
		return;
	for (int i = 0; i < c->n; i++) {
		if (c->slot[i].stmt == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			c->slot[i].in_use = false;
			return;
		}
	}
	sqlite3_finalize(s);
}

void ank_db_stmts_free(ank_db_stmts *c)
{
	for (int i = 0; i < c->n; i++) {
		sqlite3_finalize(c->slot[i].stmt);
		free(c->slot[i].sql);
	}
	c->n = 0;
}
