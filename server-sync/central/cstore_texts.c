/* Central's store of screen texts (migration 18, cstore_texts.h): drafts, append-only published
 * versions and their text changes to the kiosks in scope, in one transaction per action. */
#include "cstore_texts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cstore_int.h"
#include "proto.h"

static const char *const scope_names[] = {
        [ANK_TEXTS_SITE] = "site",
        [ANK_TEXTS_MUNICIPALITY] = "municipality",
        [ANK_TEXTS_ALL] = "all",
};
#define N_SCOPES ((int)(sizeof scope_names / sizeof scope_names[0]))

const char *ank_texts_scope_name(ank_texts_scope s)
{
	return (int)s >= 0 && (int)s < N_SCOPES ? scope_names[s] : "?";
}

int ank_texts_scope_parse(const char *name)
{
	for (int i = 0; name && i < N_SCOPES; i++)
		if (!strcmp(name, scope_names[i]))
			return i;
	return -1;
}

/* The value JSON of a stored text (a string or an array of plural forms); NULL if broken. */
static json_t *value_load(const char *text)
{
	json_error_t je;
	return json_loads(text, JSON_DECODE_ANY, &je);
}

ank_cs_rc ank_cstore_texts_draft_set(ank_cstore *cs, const char *lang, json_t *messages,
                                     const char *author, int64_t now, ank_err *err)
{
	if (ank_cs_refuse_writes(cs, err))
		return ANK_CS_DB;
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) != SQLITE_OK) {
		out = ank_cs_db_rc(cs);
		goto done;
	}
	const char *key;
	json_t *v;
	json_object_foreach(messages, key, v)
	{
		char *text = json_is_null(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		const char *sql =
		        text ? "INSERT OR REPLACE INTO text_draft(lang, key, value, author,"
		               " at_ms) VALUES (?, ?, ?, ?, ?)"
		             : "DELETE FROM text_draft WHERE lang = ? AND key = ?";
		int step = SQLITE_ERROR;
		if ((text || json_is_null(v)) && ank_cs_prep(cs, sql, &s) == SQLITE_OK) {
			sqlite3_bind_text(s, 1, lang, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
			if (text) {
				sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(s, 4, author, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(s, 5, now);
			}
			step = sqlite3_step(s);
		}
		free(text);
		if (step != SQLITE_DONE)
			goto fail;
		ank_cs_end(cs, s);
		s = NULL;
	}
	if (ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK) {
		out = ank_cs_db_rc(cs);
		ank_db_exec(cs->db, "ROLLBACK", NULL);
		goto done;
	}
	ank_cs_write_ok(cs);
	out = ANK_CS_OK;
	goto done;
fail:
	ank_cs_fail(cs, err);
	out = ank_cs_db_rc(cs);
	ank_cs_end(cs, s);
	s = NULL;
	ank_db_exec(cs->db, "ROLLBACK", NULL);
done:
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return out;
}

json_t *ank_cstore_texts_drafts(ank_cstore *cs, const char *lang, ank_err *err)
{
	json_t *out = json_object();
	sqlite3_stmt *s = NULL;
	int step = SQLITE_ERROR;
	pthread_mutex_lock(&cs->mu);
	if (out && ank_cs_prep(cs,
	                       "SELECT key, value, author, at_ms FROM text_draft WHERE lang = ?"
	                       " ORDER BY key",
	                       &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, lang, -1, SQLITE_TRANSIENT);
		while ((step = sqlite3_step(s)) == SQLITE_ROW) {
			json_t *v = value_load(ank_cs_col(s, 1));
			json_t *d = json_object();
			json_object_set_new(d, "value", v ? v : json_null());
			json_object_set_new(d, "author", json_string(ank_cs_col(s, 2)));
			json_object_set_new(d, "at_ms", json_integer(sqlite3_column_int64(s, 3)));
			json_object_set_new(out, ank_cs_col(s, 0), d);
		}
	}
	if (step != SQLITE_DONE) {
		ank_cs_fail(cs, err);
		json_decref(out);
		out = NULL;
	}
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return out;
}

/* The texts of version `version` into set (mu held). 0, or -1 with err. */
static int version_texts_locked(ank_cstore *cs, long long version, json_t *set, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	int step = SQLITE_ERROR;
	if (ank_cs_prep(cs, "SELECT key, value FROM text_version_text WHERE version = ?", &s) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(s, 1, version);
		while ((step = sqlite3_step(s)) == SQLITE_ROW) {
			json_t *v = value_load(ank_cs_col(s, 1));
			if (v)
				json_object_set_new(set, ank_cs_col(s, 0), v);
		}
	}
	int rc = step == SQLITE_DONE ? 0 : ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	return rc;
}

json_t *ank_cstore_texts_scope_set(ank_cstore *cs, const char *lang, ank_texts_scope scope,
                                   const char *target, ank_err *err)
{
	json_t *set = json_object();
	sqlite3_stmt *s = NULL;
	long long version = 0;
	int step = SQLITE_ERROR;
	pthread_mutex_lock(&cs->mu);
	if (set && ank_cs_prep(cs,
	                       "SELECT max(version) FROM text_version WHERE lang = ? AND scope = ?"
	                       " AND target = ?",
	                       &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, lang, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, ank_texts_scope_name(scope), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, target ? target : "", -1, SQLITE_TRANSIENT);
		step = sqlite3_step(s);
		version = sqlite3_column_int64(s, 0);
	}
	if (step != SQLITE_ROW)
		ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	if (step != SQLITE_ROW || (version > 0 && version_texts_locked(cs, version, set, err))) {
		json_decref(set);
		set = NULL;
	}
	pthread_mutex_unlock(&cs->mu);
	return set;
}

json_t *ank_cstore_texts_keys_ever(ank_cstore *cs, const char *lang, ank_texts_scope scope,
                                   const char *target, ank_err *err)
{
	json_t *out = json_array();
	sqlite3_stmt *s = NULL;
	int step = SQLITE_ERROR;
	pthread_mutex_lock(&cs->mu);
	if (out && ank_cs_prep(cs,
	                       "SELECT DISTINCT t.key FROM text_version_text t JOIN text_version v"
	                       " ON v.version = t.version WHERE v.lang = ? AND v.scope = ?"
	                       " AND v.target = ? ORDER BY t.key",
	                       &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, lang, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, ank_texts_scope_name(scope), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, target ? target : "", -1, SQLITE_TRANSIENT);
		while ((step = sqlite3_step(s)) == SQLITE_ROW)
			json_array_append_new(out, json_string(ank_cs_col(s, 0)));
	}
	if (step != SQLITE_DONE) {
		ank_cs_fail(cs, err);
		json_decref(out);
		out = NULL;
	}
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return out;
}

/* The sites a scope reaches into *sites (a new array of ids; NULL entries never), mu held:
 * the site itself when it exists, the municipality's sites. 0, or -1 with err. */
static int scope_sites_locked(ank_cstore *cs, ank_texts_scope scope, const char *target,
                              json_t *sites, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	const char *sql = scope == ANK_TEXTS_SITE ? "SELECT id FROM site WHERE id = ?"
	                  : scope == ANK_TEXTS_MUNICIPALITY
	                          ? "SELECT id FROM site WHERE municipality = ? ORDER BY id"
	                          : "SELECT id FROM site ORDER BY id";
	int step = SQLITE_ERROR;
	if (ank_cs_prep(cs, sql, &s) == SQLITE_OK) {
		if (scope != ANK_TEXTS_ALL)
			sqlite3_bind_text(s, 1, target, -1, SQLITE_TRANSIENT);
		while ((step = sqlite3_step(s)) == SQLITE_ROW)
			json_array_append_new(sites, json_string(ank_cs_col(s, 0)));
	}
	int rc = step == SQLITE_DONE ? 0 : ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	return rc;
}

/* Runs one statement with the version's number and its row's values bound (mu held). */
static int insert_version_locked(ank_cstore *cs, const ank_texts_version *v, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	int step = SQLITE_ERROR;
	if (ank_cs_prep(cs,
	                "INSERT INTO text_version(version, lang, scope, target, author, at_ms,"
	                " rollback_of, sites) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                &s) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, v->version);
		sqlite3_bind_text(s, 2, v->lang, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, ank_texts_scope_name(v->scope), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, v->target, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 5, v->author, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 6, v->at_ms);
		sqlite3_bind_int64(s, 7, v->rollback_of);
		sqlite3_bind_int(s, 8, v->sites);
		step = sqlite3_step(s);
	}
	int rc = step == SQLITE_DONE ? 0 : ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	return rc;
}

/* The version's texts, and the drafts they came from go (unless a rollback), mu held. */
static int insert_texts_locked(ank_cstore *cs, const ank_texts_version *v, json_t *set,
                               ank_err *err)
{
	const char *key;
	json_t *val;
	json_object_foreach(set, key, val)
	{
		sqlite3_stmt *s = NULL;
		char *text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
		int step = SQLITE_ERROR;
		if (text && ank_cs_prep(cs,
		                        "INSERT INTO text_version_text(version, key, value)"
		                        " VALUES (?, ?, ?)",
		                        &s) == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, v->version);
			sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
			step = sqlite3_step(s);
		}
		free(text);
		ank_cs_end(cs, s);
		s = NULL;
		if (step != SQLITE_DONE)
			return ank_cs_fail(cs, err);
		if (v->rollback_of)
			continue;
		step = SQLITE_ERROR;
		if (ank_cs_prep(cs, "DELETE FROM text_draft WHERE lang = ? AND key = ?", &s) ==
		    SQLITE_OK) {
			sqlite3_bind_text(s, 1, v->lang, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
			step = sqlite3_step(s);
		}
		ank_cs_end(cs, s);
		if (step != SQLITE_DONE)
			return ank_cs_fail(cs, err);
	}
	return 0;
}

ank_cs_rc ank_cstore_texts_publish(ank_cstore *cs, const char *lang, ank_texts_scope scope,
                                   const char *target, json_t *set, json_t *messages,
                                   const char *author, long long rollback_of, int64_t now,
                                   ank_texts_version *out, ank_err *err)
{
	memset(out, 0, sizeof *out);
	if (ank_cs_refuse_writes(cs, err))
		return ANK_CS_DB;
	json_t *sites = json_array();
	if (!sites) {
		ank_err_set(err, "out of memory");
		return ANK_CS_DB;
	}
	ank_cs_rc rc = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	bool began = false;
	char *payload = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) != SQLITE_OK) {
		rc = ank_cs_db_rc(cs);
		goto done;
	}
	began = true;
	if (scope_sites_locked(cs, scope, target, sites, err))
		goto fail;
	if (scope != ANK_TEXTS_ALL && json_array_size(sites) == 0) {
		ank_err_set(err, scope == ANK_TEXTS_SITE ? "unknown site"
		                                         : "no site in that municipality");
		rc = ANK_CS_UNKNOWN;
		goto rollback;
	}
	if (ank_cs_prep(cs, "SELECT coalesce(max(version), 0) + 1 FROM text_version", &s) !=
	            SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		goto fail;
	out->version = sqlite3_column_int64(s, 0);
	ank_cs_end(cs, s);
	s = NULL;
	snprintf(out->lang, sizeof out->lang, "%s", lang);
	out->scope = scope;
	snprintf(out->target, sizeof out->target, "%s", scope == ANK_TEXTS_ALL ? "" : target);
	snprintf(out->author, sizeof out->author, "%s", author);
	out->at_ms = now;
	out->rollback_of = rollback_of;
	out->sites = (int)json_array_size(sites);
	json_t *p = json_pack("{s:s, s:O, s:I}", ANK_FN(LANG), lang, ANK_FN(MESSAGES), messages,
	                      ANK_FN(TEXTS_VERSION), (json_int_t)out->version);
	payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(p);
	if (!payload) {
		ank_err_set(err, "out of memory");
		goto rollback;
	}
	if (strlen(payload) > ANK_PROTO_MAX_PAYLOAD) {
		ank_err_set(err,
		            "the texts make a change of %zu bytes, more than %d: publish fewer",
		            strlen(payload), ANK_PROTO_MAX_PAYLOAD);
		rc = ANK_CS_INVALID;
		goto rollback;
	}
	if (insert_version_locked(cs, out, err) || insert_texts_locked(cs, out, set, err))
		goto fail;
	/* Scope all: one change every site's kiosks read (site NULL), as the catalog route. */
	size_t n_changes = scope == ANK_TEXTS_ALL ? 1 : json_array_size(sites);
	for (size_t i = 0; i < n_changes; i++) {
		const char *site =
		        scope == ANK_TEXTS_ALL ? NULL : json_string_value(json_array_get(sites, i));
		if (ank_cs_change_add_locked(cs, site, ank_chg_name(ANK_CHG_CATALOG), payload, now,
		                             err) < 0)
			goto fail;
	}
	if (ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK) {
		rc = ank_cs_db_rc(cs);
		goto rollback;
	}
	began = false;
	ank_cs_write_ok(cs);
	ank_cs_changed_locked(cs);
	rc = ANK_CS_OK;
	goto done;
fail:
	ank_cs_fail(cs, err);
	rc = ank_cs_db_rc(cs);
rollback:
	ank_cs_end(cs, s);
	s = NULL;
	if (began)
		ank_db_exec(cs->db, "ROLLBACK", NULL);
done:
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	free(payload);
	json_decref(sites);
	return rc;
}

#define VERSION_COLS "version, lang, scope, target, author, at_ms, rollback_of, sites"

static void version_from_row(sqlite3_stmt *s, ank_texts_version *v)
{
	memset(v, 0, sizeof *v);
	v->version = sqlite3_column_int64(s, 0);
	snprintf(v->lang, sizeof v->lang, "%s", ank_cs_col(s, 1));
	int scope = ank_texts_scope_parse(ank_cs_col(s, 2));
	v->scope = scope < 0 ? ANK_TEXTS_ALL : (ank_texts_scope)scope;
	snprintf(v->target, sizeof v->target, "%s", ank_cs_col(s, 3));
	snprintf(v->author, sizeof v->author, "%s", ank_cs_col(s, 4));
	v->at_ms = sqlite3_column_int64(s, 5);
	v->rollback_of = sqlite3_column_int64(s, 6);
	v->sites = sqlite3_column_int(s, 7);
}

int ank_cstore_texts_history(ank_cstore *cs, const char *lang, int limit, ank_texts_version **out,
                             int *n, ank_err *err)
{
	*out = NULL;
	*n = 0;
	int cap = 0;
	sqlite3_stmt *s = NULL;
	int step = SQLITE_ERROR;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs,
	                "SELECT " VERSION_COLS " FROM text_version WHERE ?1 IS NULL OR lang = ?1"
	                " ORDER BY version DESC LIMIT ?2",
	                &s) == SQLITE_OK) {
		ank_cs_bind_opt(s, 1, lang);
		sqlite3_bind_int(s, 2, limit);
		while ((step = sqlite3_step(s)) == SQLITE_ROW) {
			ank_texts_version *v = ank_cs_grow((void **)out, *n, &cap, sizeof **out);
			if (!v) {
				step = SQLITE_NOMEM;
				break;
			}
			version_from_row(s, v);
			(*n)++;
		}
	}
	int rc = 0;
	if (step != SQLITE_DONE) {
		if (step == SQLITE_NOMEM)
			ank_err_set(err, "out of memory");
		else
			ank_cs_fail(cs, err);
		free(*out);
		*out = NULL;
		*n = 0;
		rc = -1;
	}
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

ank_cs_rc ank_cstore_texts_version_get(ank_cstore *cs, long long version, ank_texts_version *v,
                                       json_t **set, ank_err *err)
{
	if (set)
		*set = NULL;
	ank_cs_rc rc = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs, "SELECT " VERSION_COLS " FROM text_version WHERE version = ?", &s) !=
	    SQLITE_OK) {
		ank_cs_fail(cs, err);
		goto done;
	}
	sqlite3_bind_int64(s, 1, version);
	int step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		ank_err_set(err, "unknown version");
		rc = ANK_CS_UNKNOWN;
		goto done;
	}
	if (step != SQLITE_ROW) {
		ank_cs_fail(cs, err);
		goto done;
	}
	version_from_row(s, v);
	ank_cs_end(cs, s);
	s = NULL;
	if (set) {
		*set = json_object();
		if (!*set || version_texts_locked(cs, version, *set, err)) {
			json_decref(*set);
			*set = NULL;
			goto done;
		}
	}
	rc = ANK_CS_OK;
done:
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

void ank_cstore_kiosk_texts(ank_cstore *cs, const char *kiosk, long long version)
{
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk))
			cs->seen[i].texts_version = version;
	pthread_mutex_unlock(&cs->seen_mu);
}

long long ank_cstore_kiosk_texts_get(ank_cstore *cs, const char *kiosk)
{
	long long v = 0;
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk))
			v = cs->seen[i].texts_version;
	pthread_mutex_unlock(&cs->seen_mu);
	return v;
}
