/* Central's store for sites set up from the admin page: creating a site with its time zone,
 * and keeping the last config central accepted (the INI it sent) so that the form opens
 * from it again (migration 17; the handlers are admin_sites.c). */
#include "cstore_int.h"
#include "cstore_sites.h"

#include "ank_log.h"

#include <stdlib.h>
#include <string.h>

/* The setup row's time zone, kept or replaced (mu held, inside the caller's transaction or
 * on its own). 0, or -1 with err. */
static int setup_zone_locked(ank_cstore *cs, const char *site, const char *timezone, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs,
	                "INSERT INTO site_setup(site, timezone) VALUES (?, ?)"
	                " ON CONFLICT(site) DO UPDATE SET timezone = excluded.timezone",
	                &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, timezone, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

ank_cs_rc ank_cstore_site_create(ank_cstore *cs, const ank_site *site, const char *timezone,
                                 int64_t now, int *users_sent, ank_err *err)
{
	ank_cs_rc rc = ank_cstore_site_add(cs, site, now, users_sent, err);
	if (rc != ANK_CS_OK)
		return rc;
	/* A second step: should it fail, the site stands (it is created) and its first form
	 * takes the default zone, which the administrator sees and can change there. */
	ank_err zerr;
	pthread_mutex_lock(&cs->mu);
	int z = setup_zone_locked(cs, site->id, timezone, &zerr);
	pthread_mutex_unlock(&cs->mu);
	if (z)
		ank_log(ANK_LOG_WARN, "store", "site %s added, its time zone not kept: %s",
		        site->id, zerr.msg);
	return ANK_CS_OK;
}

ank_cs_rc ank_cstore_site_setup_get(ank_cstore *cs, const char *site, ank_site_setup *out,
                                    ank_err *err)
{
	memset(out, 0, sizeof *out);
	ank_site s;
	ank_cs_rc rc = ank_cstore_site_get(cs, site, &s, err);
	if (rc != ANK_CS_OK)
		return rc;
	sqlite3_stmt *st = NULL;
	rc = ANK_CS_DB;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs,
	                "SELECT timezone, ini, coalesce(accepted_ms, 0), coalesce(actor, '')"
	                " FROM site_setup WHERE site = ?",
	                &st) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		goto out;
	}
	sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snprintf(out->timezone, sizeof out->timezone, "%s", ank_cs_col(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			out->ini = strdup(ank_cs_col(st, 1));
			if (!out->ini) {
				ank_err_set(err, "out of memory");
				goto out;
			}
		}
		out->accepted_ms = sqlite3_column_int64(st, 2);
		snprintf(out->actor, sizeof out->actor, "%s", ank_cs_col(st, 3));
	} else if (step != SQLITE_DONE) {
		ank_cs_fail(cs, err);
		goto out;
	}
	rc = ANK_CS_OK;
out:
	ank_cs_end(cs, st);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

long long ank_cstore_site_config_send(ank_cstore *cs, const char *site, const char *payload_json,
                                      const char *ini, const char *timezone, const char *name,
                                      const char *actor, int64_t now, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	long long id = -1;
	pthread_mutex_lock(&cs->mu);
	if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) != SQLITE_OK)
		goto unlock;
	/* One transaction over check, change and setup: what the form opens again is what the
	 * kiosks were sent, and the change never names a site that is not there. */
	if (ank_cs_prep(cs, "SELECT 1 FROM site WHERE id = ?", &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	int step = sqlite3_step(s);
	ank_cs_end(cs, s);
	s = NULL;
	if (step == SQLITE_DONE) {
		id = 0;
		goto rollback;
	}
	if (step != SQLITE_ROW)
		goto fail;
	id = ank_cs_change_add_locked(cs, site, ank_chg_name(ANK_CHG_SITE_CONFIG), payload_json,
	                              now, err);
	if (id < 0)
		goto rollback;
	if (setup_zone_locked(cs, site, timezone, err))
		goto rollback_err;
	if (ank_cs_prep(cs,
	                "UPDATE site_setup SET ini = ?, accepted_ms = ?, actor = ? WHERE site = ?",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, ini, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, site, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(s);
	ank_cs_end(cs, s);
	s = NULL;
	if (step != SQLITE_DONE)
		goto fail;
	if (name && name[0]) {
		if (ank_cs_prep(cs, "UPDATE site SET name = ? WHERE id = ?", &s) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, site, -1, SQLITE_TRANSIENT);
		step = sqlite3_step(s);
		ank_cs_end(cs, s);
		s = NULL;
		if (step != SQLITE_DONE)
			goto fail;
	}
	if (ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK)
		goto rollback_err;
	ank_cs_write_ok(cs);
	ank_cs_changed_locked(cs);
	goto unlock;
fail:
	ank_cs_fail(cs, err);
rollback_err:
	id = -1;
rollback:
	sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
unlock:
	pthread_mutex_unlock(&cs->mu);
	return id;
}
