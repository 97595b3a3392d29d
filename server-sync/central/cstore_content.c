/* Central's content store (cstore_content.h): drug alerts and information screens in the
 * content table (migration 19), their delivery as `content` changes to the sites they name,
 * their history in the append-only content_log, and a site's published items for the display
 * feed. The checks of an item's fields are the API's (admin_content.c); this file trusts them. */
#include "cstore_content.h"

#include <stdlib.h>
#include <string.h>

#include "ank_db.h"
#include "cstore_int.h"
#include "wire.h"

/* The site name content_site keeps for an item sent to every site (a broadcast change). */
#define ALL_SITES "*"

/* The item as kiosks and the display get it: the stored item less its target sites, with its
 * id and state. A new reference the caller decrefs, NULL when memory ran out. */
static json_t *content_wire(long long id, const char *state, json_t *item)
{
	json_t *w = json_deep_copy(item);
	if (!w)
		return NULL;
	json_object_del(w, "sites");
	json_object_set_new(w, ANK_FN(ID), json_integer(id));
	json_object_set_new(w, ANK_FN(STATE), json_string(state));
	return w;
}

static int log_add(ank_cstore *cs, long long id, int64_t now, const char *actor, const char *action,
                   const char *body, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;
	if (ank_cs_prep(cs,
	                "INSERT INTO content_log(content, at_ms, actor, action, body)"
	                " VALUES (?,?,?,?,?)",
	                &s) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_text(s, 3, actor, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, body, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_DONE)
			rc = 0;
	}
	ank_cs_end(cs, s);
	return rc ? ank_cs_fail(cs, err) : 0;
}

/* The state and stored item of id (mu held): OK with *state and *item (a new reference the
 * caller decrefs), UNKNOWN, or DB. */
static ank_cs_rc item_get_locked(ank_cstore *cs, long long id, char state[16], json_t **item,
                                 ank_err *err)
{
	sqlite3_stmt *s = NULL;
	*item = NULL;
	if (ank_cs_prep(cs, "SELECT state, body FROM content WHERE id = ?", &s) != SQLITE_OK) {
		ank_cs_fail(cs, err);
		return ANK_CS_DB;
	}
	sqlite3_bind_int64(s, 1, id);
	int step = sqlite3_step(s);
	ank_cs_rc rc = ANK_CS_OK;
	if (step == SQLITE_ROW) {
		snprintf(state, 16, "%s", ank_cs_col(s, 0));
		*item = json_loads(ank_cs_col(s, 1), 0, NULL);
		if (!*item) {
			ank_err_set(err, "stored content %lld is not JSON", id);
			rc = ANK_CS_DB;
		}
	} else if (step == SQLITE_DONE) {
		ank_err_set(err, "no content %lld", id);
		rc = ANK_CS_UNKNOWN;
	} else {
		ank_cs_fail(cs, err);
		rc = ANK_CS_DB;
	}
	ank_cs_end(cs, s);
	return rc;
}

ank_cs_rc ank_cstore_content_save(ank_cstore *cs, long long *id, const char *kind, json_t *item,
                                  int64_t from_ms, int64_t until_ms, const char *actor, int64_t now,
                                  ank_err *err)
{
	char *body = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS);
	if (!body) {
		ank_err_set(err, "out of memory");
		return ANK_CS_DB;
	}
	ank_cs_rc rc = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_begin(cs, err))
		goto out;
	if (*id) {
		char state[16];
		json_t *old = NULL;
		rc = item_get_locked(cs, *id, state, &old, err);
		json_decref(old);
		if (rc != ANK_CS_OK)
			goto fail;
		if (strcmp(state, ANK_CONTENT_DRAFT)) {
			ank_err_set(err, "content %lld is %s: only a draft can be changed", *id,
			            state);
			rc = ANK_CS_FORBIDDEN;
			goto fail;
		}
		rc = ANK_CS_DB;
		if (ank_cs_prep(cs,
		                "UPDATE content SET kind = ?, body = ?, from_ms = ?, until_ms = ?,"
		                " updated_ms = ? WHERE id = ?",
		                &s) != SQLITE_OK)
			goto dbfail;
		sqlite3_bind_int64(s, 6, *id);
	} else if (ank_cs_prep(cs,
	                       "INSERT INTO content(kind, body, from_ms, until_ms, updated_ms,"
	                       " state, author, created_ms) VALUES (?,?,?,?,?,'draft',?,?)",
	                       &s) != SQLITE_OK) {
		goto dbfail;
	} else {
		sqlite3_bind_text(s, 6, actor, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 7, now);
	}
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, from_ms);
	sqlite3_bind_int64(s, 4, until_ms);
	sqlite3_bind_int64(s, 5, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto dbfail;
	ank_cs_end(cs, s);
	s = NULL;
	if (!*id)
		*id = sqlite3_last_insert_rowid(cs->db);
	if (log_add(cs, *id, now, actor, "saved", body, err) || ank_cs_commit(cs, err))
		goto fail;
	ank_cs_write_ok(cs);
	rc = ANK_CS_OK;
	goto out;
dbfail:
	ank_cs_fail(cs, err);
	rc = ANK_CS_DB;
fail:
	ank_cs_end(cs, s);
	s = NULL;
	ank_cs_rollback(cs);
out:
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	free(body);
	return rc;
}

/* How many published items that have not ended by now a site shows (NULL: counted over
 * every site), not counting item `id`; -1 on error (mu held). */
static int live_count(ank_cstore *cs, long long id, const char *site, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int n = -1;
	if (ank_cs_prep(cs,
	                "SELECT count(DISTINCT c.id) FROM content c JOIN content_site t"
	                " ON t.content = c.id WHERE c.state = 'published' AND c.until_ms > ?1"
	                " AND c.id != ?2 AND (?3 IS NULL OR t.site IN (?3, '" ALL_SITES "'))",
	                &s) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, id);
		if (site)
			sqlite3_bind_text(s, 3, site, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int(s, 0);
	}
	ank_cs_end(cs, s);
	return n;
}

/* Appends the content change `payload` for the site (NULL: every site) and notes it in
 * content_site (mu held, in the caller's transaction). With note (publish), a site that
 * already shows ANK_CONTENT_MAX items (a kiosk keeps no more) refuses it: 1 with err.
 * 0, or -1 with err. */
static int send_to(ank_cstore *cs, long long id, const char *site, const char *payload, bool note,
                   int64_t now, int *changes, ank_err *err)
{
	if (note) {
		int live = live_count(cs, id, site, now);
		if (live < 0)
			return ank_cs_fail(cs, err);
		if (live >= ANK_CONTENT_MAX) {
			ank_err_set(
			        err,
			        "sites: %s already shows %d published items that have not ended (a "
			        "kiosk keeps at most %d): withdraw one first",
			        site ? site : "a site", live, ANK_CONTENT_MAX);
			return 1;
		}
	}
	if (ank_cs_change_add_locked(cs, site, ank_chg_name(ANK_CHG_CONTENT), payload, now, err) <
	    0)
		return -1;
	(*changes)++;
	if (!note)
		return 0;
	sqlite3_stmt *s = NULL;
	int rc = -1;
	if (ank_cs_prep(cs, "INSERT OR IGNORE INTO content_site(content, site) VALUES (?,?)", &s) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, site ? site : ALL_SITES, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_DONE)
			rc = 0;
	}
	ank_cs_end(cs, s);
	return rc ? ank_cs_fail(cs, err) : 0;
}

/* The sites of a municipality code, sent `payload` each (mu held). OK, INVALID (none), DB. */
static ank_cs_rc send_municipality(ank_cstore *cs, long long id, const char *code,
                                   const char *payload, int64_t now, int *changes, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs, "SELECT id FROM site WHERE municipality = ? ORDER BY id", &s) !=
	    SQLITE_OK) {
		ank_cs_fail(cs, err);
		return ANK_CS_DB;
	}
	sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
	/* The ids first: the inserts below reuse the writer's statements. */
	char(*ids)[ANK_CS_ID_MAX + 1] = calloc(ANK_CONTENT_SITES_MAX, sizeof *ids);
	int n = 0, step;
	while (ids && n < ANK_CONTENT_SITES_MAX && (step = sqlite3_step(s)) == SQLITE_ROW)
		snprintf(ids[n++], sizeof ids[0], "%s", ank_cs_col(s, 0));
	ank_cs_end(cs, s);
	ank_cs_rc rc = ANK_CS_OK;
	if (!ids) {
		ank_err_set(err, "out of memory");
		rc = ANK_CS_DB;
	} else if (n == 0) {
		ank_err_set(err, "sites: municipality %s has no site", code);
		rc = ANK_CS_INVALID;
	}
	for (int i = 0; rc == ANK_CS_OK && i < n; i++) {
		int sent = send_to(cs, id, ids[i], payload, true, now, changes, err);
		rc = sent > 0 ? ANK_CS_INVALID : sent < 0 ? ANK_CS_DB : ANK_CS_OK;
	}
	free(ids);
	return rc;
}

/* Sends payload to the item's target sites (mu held): "all", a list, or {"municipality"}.
 * With note, the sites are kept in content_site (publish); without, they are read from it
 * (withdraw goes where the item went). */
static ank_cs_rc send_sites(ank_cstore *cs, long long id, json_t *sites, const char *payload,
                            int64_t now, int *changes, ank_err *err)
{
	if (json_is_string(sites)) {
		int sent = send_to(cs, id, NULL, payload, true, now, changes, err);
		return sent > 0 ? ANK_CS_INVALID : sent < 0 ? ANK_CS_DB : ANK_CS_OK;
	}
	if (json_is_object(sites))
		return send_municipality(cs, id,
		                         json_string_value(json_object_get(sites, "municipality")),
		                         payload, now, changes, err);
	size_t i;
	json_t *v;
	json_array_foreach(sites, i, v)
	{
		int sent = send_to(cs, id, json_string_value(v), payload, true, now, changes, err);
		if (sent)
			return sent > 0 ? ANK_CS_INVALID : ANK_CS_DB;
	}
	return ANK_CS_OK;
}

/* Withdraw: the payload to every site in content_site of id (mu held). */
static ank_cs_rc send_back(ank_cstore *cs, long long id, const char *payload, int64_t now,
                           int *changes, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs, "SELECT site FROM content_site WHERE content = ? ORDER BY site", &s) !=
	    SQLITE_OK) {
		ank_cs_fail(cs, err);
		return ANK_CS_DB;
	}
	sqlite3_bind_int64(s, 1, id);
	char(*ids)[ANK_CS_ID_MAX + 1] = calloc(ANK_CONTENT_SITES_MAX + 1, sizeof *ids);
	int n = 0;
	while (ids && n <= ANK_CONTENT_SITES_MAX && sqlite3_step(s) == SQLITE_ROW)
		snprintf(ids[n++], sizeof ids[0], "%s", ank_cs_col(s, 0));
	ank_cs_end(cs, s);
	if (!ids) {
		ank_err_set(err, "out of memory");
		return ANK_CS_DB;
	}
	ank_cs_rc rc = ANK_CS_OK;
	for (int i = 0; rc == ANK_CS_OK && i < n; i++)
		if (send_to(cs, id, strcmp(ids[i], ALL_SITES) ? ids[i] : NULL, payload, false, now,
		            changes, err))
			rc = ANK_CS_DB;
	free(ids);
	return rc;
}

/* Publish (to_state published, from draft) or withdraw (to withdrawn, from published). */
static ank_cs_rc move(ank_cstore *cs, long long id, const char *from_state, const char *to_state,
                      const char *action, const char *actor, int64_t now, int *changes,
                      ank_err *err)
{
	*changes = 0;
	char state[16];
	json_t *item = NULL, *wire = NULL;
	char *payload = NULL;
	ank_cs_rc rc = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_begin(cs, err))
		goto out;
	rc = item_get_locked(cs, id, state, &item, err);
	if (rc != ANK_CS_OK)
		goto fail;
	if (strcmp(state, from_state)) {
		ank_err_set(err, "content %lld is %s: only a %s item can be %s", id, state,
		            from_state, action);
		rc = ANK_CS_FORBIDDEN;
		goto fail;
	}
	rc = ANK_CS_DB;
	/* A withdrawal says only which item goes. */
	wire = !strcmp(to_state, ANK_CONTENT_PUBLISHED)
	               ? content_wire(id, to_state, item)
	               : json_pack("{s:I, s:s, s:O}", ANK_FN(ID), (json_int_t)id, ANK_FN(STATE),
	                           to_state, ANK_FN(KIND), json_object_get(item, ANK_FN(KIND)));
	payload = wire ? json_dumps(wire, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!payload) {
		ank_err_set(err, "out of memory");
		goto fail;
	}
	if (strlen(payload) > ANK_PROTO_MAX_PAYLOAD) {
		ank_err_set(err,
		            "the item is %zu bytes in all its languages, more than the %d a kiosk "
		            "takes",
		            strlen(payload), ANK_PROTO_MAX_PAYLOAD);
		rc = ANK_CS_INVALID;
		goto fail;
	}
	rc = !strcmp(to_state, ANK_CONTENT_PUBLISHED)
	             ? send_sites(cs, id, json_object_get(item, "sites"), payload, now, changes,
	                          err)
	             : send_back(cs, id, payload, now, changes, err);
	if (rc != ANK_CS_OK)
		goto fail;
	rc = ANK_CS_DB;
	if (ank_cs_prep(cs, "UPDATE content SET state = ?, updated_ms = ? WHERE id = ?", &s) !=
	    SQLITE_OK) {
		ank_cs_fail(cs, err);
		goto fail;
	}
	sqlite3_bind_text(s, 1, to_state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, id);
	int step = sqlite3_step(s);
	ank_cs_end(cs, s);
	s = NULL;
	if (step != SQLITE_DONE) {
		ank_cs_fail(cs, err);
		goto fail;
	}
	if (log_add(cs, id, now, actor, action, payload, err) || ank_cs_commit(cs, err))
		goto fail;
	ank_cs_write_ok(cs);
	ank_cs_changed_locked(cs);
	rc = ANK_CS_OK;
	goto out;
fail:
	ank_cs_rollback(cs);
out:
	pthread_mutex_unlock(&cs->mu);
	free(payload);
	json_decref(wire);
	json_decref(item);
	return rc;
}

ank_cs_rc ank_cstore_content_publish(ank_cstore *cs, long long id, const char *actor, int64_t now,
                                     int *changes, ank_err *err)
{
	return move(cs, id, ANK_CONTENT_DRAFT, ANK_CONTENT_PUBLISHED, "published", actor, now,
	            changes, err);
}

ank_cs_rc ank_cstore_content_withdraw(ank_cstore *cs, long long id, const char *actor, int64_t now,
                                      int *changes, ank_err *err)
{
	return move(cs, id, ANK_CONTENT_PUBLISHED, ANK_CONTENT_WITHDRAWN, "withdrawn", actor, now,
	            changes, err);
}

/* Appends each item's history (read connection, rmu held). */
static int history_take(ank_cstore *cs, json_t *items, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_rprep(cs,
	                 "SELECT at_ms, actor, action FROM content_log WHERE content = ?"
	                 " ORDER BY id",
	                 &s) != SQLITE_OK) {
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
		return -1;
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *h = json_array();
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, json_integer_value(json_object_get(it, ANK_FN(ID))));
		while (sqlite3_step(s) == SQLITE_ROW)
			json_array_append_new(h, json_pack("{s:I, s:s, s:s}", "at_ms",
			                                   (json_int_t)sqlite3_column_int64(s, 0),
			                                   "actor", ank_cs_col(s, 1), "action",
			                                   ank_cs_col(s, 2)));
		json_object_set_new(it, "history", h);
	}
	ank_cs_rend(cs, s);
	return 0;
}

int ank_cstore_content_list(ank_cstore *cs, json_t **out, ank_err *err)
{
	*out = json_array();
	sqlite3_stmt *s = NULL;
	int rc = -1;
	pthread_mutex_lock(&cs->rmu);
	if (ank_cs_rprep(cs,
	                 "SELECT id, kind, state, author, created_ms, updated_ms, body FROM content"
	                 " ORDER BY id DESC",
	                 &s) != SQLITE_OK) {
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
		goto out;
	}
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *item = json_loads(ank_cs_col(s, 6), 0, NULL);
		json_array_append_new(
		        *out, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:o}", ANK_FN(ID),
		                        (json_int_t)sqlite3_column_int64(s, 0), ANK_FN(KIND),
		                        ank_cs_col(s, 1), ANK_FN(STATE), ank_cs_col(s, 2), "author",
		                        ank_cs_col(s, 3), "created_ms",
		                        (json_int_t)sqlite3_column_int64(s, 4), "updated_ms",
		                        (json_int_t)sqlite3_column_int64(s, 5), "item",
		                        item ? item : json_object()));
	}
	ank_cs_rend(cs, s);
	s = NULL;
	if (step != SQLITE_DONE) {
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
		goto out;
	}
	rc = history_take(cs, *out, err);
out:
	ank_cs_rend(cs, s);
	pthread_mutex_unlock(&cs->rmu);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int ank_cstore_content_for_site(ank_cstore *cs, const char *site, int64_t now, json_t **out,
                                ank_err *err)
{
	*out = json_array();
	sqlite3_stmt *s = NULL;
	int rc = -1;
	pthread_mutex_lock(&cs->rmu);
	if (ank_cs_rprep(cs,
	                 "SELECT c.id, c.body FROM content c WHERE c.state = 'published'"
	                 " AND c.until_ms > ? AND EXISTS (SELECT 1 FROM content_site t"
	                 " WHERE t.content = c.id AND t.site IN (?, '" ALL_SITES "'))"
	                 " ORDER BY c.from_ms, c.id LIMIT ?",
	                 &s) != SQLITE_OK) {
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
		goto out;
	}
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, ANK_CONTENT_MAX);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *item = json_loads(ank_cs_col(s, 1), 0, NULL);
		json_t *w =
		        item ? content_wire(sqlite3_column_int64(s, 0), ANK_CONTENT_PUBLISHED, item)
		             : NULL;
		json_decref(item);
		if (w)
			json_array_append_new(*out, w);
	}
	if (step == SQLITE_DONE)
		rc = 0;
	else
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
out:
	ank_cs_rend(cs, s);
	pthread_mutex_unlock(&cs->rmu);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int ank_cstore_content_item(ank_cstore *cs, long long id, json_t **out, ank_err *err)
{
	*out = NULL;
	sqlite3_stmt *s = NULL;
	int rc = -1;
	pthread_mutex_lock(&cs->rmu);
	if (ank_cs_rprep(cs, "SELECT body FROM content WHERE id = ?", &s) != SQLITE_OK) {
		ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
	} else {
		sqlite3_bind_int64(s, 1, id);
		int step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			json_t *item = json_loads(ank_cs_col(s, 0), 0, NULL);
			*out = item ? content_wire(id, ANK_CONTENT_PUBLISHED, item) : NULL;
			json_decref(item);
			rc = *out ? 0 : ank_err_set(err, "item %lld cannot be read", id);
		} else if (step == SQLITE_DONE) {
			rc = 1;
		} else {
			ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
		}
	}
	ank_cs_rend(cs, s);
	pthread_mutex_unlock(&cs->rmu);
	return rc;
}
