/* The waiting-room display's part of central.db: its keys (random, shown once, stored as
 * hashes like the kiosk tokens, revoked per site) and what a display shows: whether the site
 * is frozen, the tickets being called and the recent calls of the current service day, and
 * the languages, alert and name of its newest site config (the read model's site_info). Reads go
 * through the read connection, so a screen keeps its picture while the writer waits on a lock or a
 * full disk; nothing here reads a user, a nickname or a substance. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_time.h"
#include "ank_vocab.h"
#include "cstore_int.h"

/* The site_info fields the display takes (cstore_read.c, site_info_text). */
#define CFG_NAME      "name"
#define CFG_LANGUAGES "languages"
#define CFG_ALERT     ANK_FN(ALERT)

/* Sets err from the read connection's last error; returns -1. */
static int rfail(ank_cstore *cs, ank_err *err)
{
	return ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
}

ank_cs_rc ank_cstore_display_key_new(ank_cstore *cs, const char *site, int64_t now,
                                     char key[ANK_TOKEN_HEX + 1], ank_err *err)
{
	key[0] = '\0';
	if (ank_cs_refuse_writes(cs, err))
		return ANK_CS_DB;
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	char k[ANK_TOKEN_HEX + 1], h[65];
	sodium_bin2hex(k, sizeof k, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	ank_cs_hash_hex(k, h);
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	/* The site check and the insert in one statement: no key for a site that is not. */
	if (ank_cs_prep(cs,
	                "INSERT INTO display_key(key_hash, site, created_ms)"
	                " SELECT ?, id, ? FROM site WHERE id = ?",
	                &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_text(s, 3, site, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_DONE)
			out = sqlite3_changes(cs->db) == 1 ? ANK_CS_OK : ANK_CS_UNKNOWN;
	}
	ank_cs_end(cs, s);
	if (out == ANK_CS_DB) {
		ank_cs_fail(cs, err);
		out = ank_cs_db_rc(cs);
	} else {
		ank_cs_write_ok(cs);
	}
	pthread_mutex_unlock(&cs->mu);
	if (out == ANK_CS_UNKNOWN)
		ank_err_set(err, "unknown site %s: add it first (add-site)", site);
	if (out == ANK_CS_OK)
		memcpy(key, k, sizeof k);
	sodium_memzero(k, sizeof k);
	return out;
}

ank_cs_rc ank_cstore_display_key_revoke(ank_cstore *cs, const char *site, int *n, ank_err *err)
{
	*n = 0;
	if (ank_cs_refuse_writes(cs, err))
		return ANK_CS_DB;
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs, "SELECT 1 FROM site WHERE id = ?", &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(s);
		out = rc == SQLITE_ROW ? ANK_CS_OK : rc == SQLITE_DONE ? ANK_CS_UNKNOWN : ANK_CS_DB;
	}
	ank_cs_end(cs, s);
	s = NULL;
	if (out == ANK_CS_OK) {
		out = ANK_CS_DB;
		if (ank_cs_prep(cs, "DELETE FROM display_key WHERE site = ?", &s) == SQLITE_OK) {
			sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(s) == SQLITE_DONE) {
				*n = sqlite3_changes(cs->db);
				out = ANK_CS_OK;
			}
		}
		ank_cs_end(cs, s);
	}
	if (out == ANK_CS_DB) {
		ank_cs_fail(cs, err);
		out = ank_cs_db_rc(cs);
	} else if (out == ANK_CS_OK) {
		ank_cs_write_ok(cs);
	}
	pthread_mutex_unlock(&cs->mu);
	if (out == ANK_CS_UNKNOWN)
		ank_err_set(err, "unknown site %s", site);
	return out;
}

ank_cs_rc ank_cstore_display_auth(ank_cstore *cs, const char *key, char site[ANK_CS_ID_MAX + 1],
                                  ank_err *err)
{
	site[0] = '\0';
	if (!key || strlen(key) != ANK_TOKEN_HEX)
		return ANK_CS_UNKNOWN;
	char h[65];
	ank_cs_hash_hex(key, h);
	ank_cs_rc out = ANK_CS_DB;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->rmu);
	if (ank_cs_rprep(cs, "SELECT site FROM display_key WHERE key_hash = ?", &s) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, h, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			snprintf(site, ANK_CS_ID_MAX + 1, "%s", ank_cs_col(s, 0));
			out = ANK_CS_OK;
		} else if (rc == SQLITE_DONE) {
			out = ANK_CS_UNKNOWN;
		}
	}
	ank_cs_rend(cs, s);
	if (out == ANK_CS_DB)
		rfail(cs, err);
	pthread_mutex_unlock(&cs->rmu);
	return out;
}

/* ---- the view ---- */

/* Puts the row's call (label, station, at_ms) into a list of at most cap kept newest
 * first. */
static void call_add(ank_display_call *list, int *n, int cap, sqlite3_stmt *s)
{
	int64_t at = sqlite3_column_int64(s, 2);
	int i = *n;
	if (i == cap && at <= list[i - 1].at_ms)
		return;
	if (i == cap)
		i--;
	else
		(*n)++;
	while (i > 0 && list[i - 1].at_ms < at) {
		list[i] = list[i - 1];
		i--;
	}
	ank_display_call *c = &list[i];
	snprintf(c->label, sizeof c->label, "%s", ank_cs_col(s, 0));
	snprintf(c->station, sizeof c->station, "%s", ank_cs_col(s, 1));
	c->at_ms = at;
}

/* A language code as the kiosk's config allows it: 2 or 3 lowercase letters. */
static bool lang_ok(const char *p, size_t n)
{
	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 'a' || p[i] > 'z')
			return false;
	return true;
}

/* The site_info languages (an array of codes, the default first) into v->languages,
 * skipping what is not a code and repeats. */
static void languages_take(ank_display_view *v, json_t *list)
{
	size_t i;
	json_t *l;
	json_array_foreach(list, i, l)
	{
		const char *code = json_string_value(l);
		if (v->n_languages >= ANK_DISPLAY_LANGS_MAX || !code ||
		    !lang_ok(code, strlen(code)))
			continue;
		bool seen = false;
		for (int k = 0; k < v->n_languages; k++)
			seen = seen || !strcmp(v->languages[k], code);
		if (!seen)
			snprintf(v->languages[v->n_languages++], sizeof v->languages[0], "%s",
			         code);
	}
}

/* The display's fields of a site_info body (cstore_read.c keeps it from the kiosk's site
 * config, without the staff PIN's hash or the stations). Fields of the wrong type or size
 * are left out. */
static void config_take(ank_display_view *v, const char *body, int64_t now)
{
	json_t *p = json_loads(body, 0, NULL);
	if (!json_is_object(p)) {
		json_decref(p);
		return;
	}
	const char *name = json_string_value(json_object_get(p, CFG_NAME));
	if (name && name[0] && strlen(name) < sizeof v->name)
		snprintf(v->name, sizeof v->name, "%s", name);
	languages_take(v, json_object_get(p, CFG_LANGUAGES));
	const char *lang;
	json_t *text;
	/* A time-boxed alert is shown only within its box, by central's clock (the kiosk keeps
	 * to its own). */
	int64_t from = 0, until = 0;
	const char *f = json_string_value(json_object_get(p, ANK_FN(ALERT_FROM)));
	const char *u = json_string_value(json_object_get(p, ANK_FN(ALERT_UNTIL)));
	bool shown = !(f && (ank_iso_parse(f, &from) || now < from)) &&
	             !(u && (ank_iso_parse(u, &until) || now >= until));
	int sev = ank_severity_from_code(
	        json_string_value(json_object_get(p, ANK_FN(ALERT_SEVERITY))));
	snprintf(v->alert_severity, sizeof v->alert_severity, "%s",
	         ank_severity_code(sev < 0 ? ANK_SEVERITY_WARNING : (ank_alert_severity)sev));
	json_object_foreach(shown ? json_object_get(p, CFG_ALERT) : NULL, lang, text)
	{
		const char *t = json_string_value(text);
		if (v->n_alerts >= ANK_DISPLAY_LANGS_MAX || !t || !t[0] ||
		    strlen(t) > ANK_DISPLAY_ALERT_MAX || !lang_ok(lang, strlen(lang)))
			continue;
		snprintf(v->alerts[v->n_alerts].lang, sizeof v->alerts[0].lang, "%s", lang);
		snprintf(v->alerts[v->n_alerts].text, sizeof v->alerts[0].text, "%s", t);
		v->n_alerts++;
	}
	json_decref(p);
}

/* Steps a prepared statement of calls (label, station, at_ms) into a list; 0 or -1. */
static int calls_take(ank_cstore *cs, sqlite3_stmt *s, ank_display_call *list, int *n, int cap,
                      ank_err *err)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		call_add(list, n, cap, s);
	ank_cs_rend(cs, s);
	return rc == SQLITE_DONE ? 0 : rfail(cs, err);
}

/* One kiosk's calls into v (rmu held). 0 or -1. */
static int kiosk_take(ank_cstore *cs, const char *kiosk, int64_t now, ank_display_view *v,
                      ank_err *err)
{
	sqlite3_stmt *s = NULL;
	char day[ANK_CS_ID_MAX + 1] = "";
	int64_t oldest = now - ANK_DISPLAY_RECENT_MAX_AGE_MS;
	/* Its current service day (NULL, read as "", before its first ticket). */
	if (ank_cs_rprep(cs, "SELECT " ANK_CS_SQL_KIOSK_DAY("?"), &s) != SQLITE_OK)
		return rfail(cs, err);
	sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(day, sizeof day, "%s", ank_cs_col(s, 0));
	ank_cs_rend(cs, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rfail(cs, err);
	s = NULL;
	if (day[0]) {
		/* Being called: a seek in the open tickets by state and day. */
		if (ank_cs_rprep(cs,
		                 "SELECT label, station, since_ms FROM visit INDEXED BY visit_open"
		                 " WHERE kiosk = ? AND open AND state = ? AND day = ?"
		                 " AND station IS NOT NULL AND since_ms >= ?",
		                 &s) != SQLITE_OK)
			return rfail(cs, err);
		sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, ank_ticket_state_code(ANK_TS_CALLED), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, day, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, oldest);
		if (calls_take(cs, s, v->calling, &v->n_calling, ANK_DISPLAY_CALLING_MAX, err))
			return -1;
		/* Recent calls: visit_called walks them back from the newest, a day's at most. */
		if (ank_cs_rprep(
		            cs,
		            "SELECT label, station, called_ms FROM visit INDEXED BY visit_called"
		            " WHERE kiosk = ? AND called_ms IS NOT NULL AND called_ms >= ?"
		            " AND day = ? AND station IS NOT NULL AND state IN (?, ?, ?)"
		            " ORDER BY called_ms DESC LIMIT ?",
		            &s) != SQLITE_OK)
			return rfail(cs, err);
		sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, oldest);
		sqlite3_bind_text(s, 3, day, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 4, ank_ticket_state_code(ANK_TS_CALLED), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, ank_ticket_state_code(ANK_TS_IN_SESSION), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(s, 6, ank_ticket_state_code(ANK_TS_DONE), -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 7, ANK_DISPLAY_RECENT);
		if (calls_take(cs, s, v->recent, &v->n_recent, ANK_DISPLAY_RECENT, err))
			return -1;
	}
	return 0;
}

int ank_cstore_display_view(ank_cstore *cs, const char *site, int64_t now, ank_display_view *v,
                            ank_err *err)
{
	memset(v, 0, sizeof *v);
	/* The revision before the reads: a change during them moves it on, so a long-poll on
	 * this one is answered again rather than missing the change. */
	v->rev = ank_cstore_site_rev(cs, site);
	int rc = -1;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&cs->rmu);
	if (ank_cs_rprep(cs, "SELECT name FROM site WHERE id = ?", &s) != SQLITE_OK) {
		rfail(cs, err);
		goto out;
	}
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(v->name, sizeof v->name, "%s", ank_cs_col(s, 0));
	ank_cs_rend(cs, s);
	s = NULL;
	if (ank_cs_rprep(cs,
	                 "SELECT id, frozen FROM kiosk WHERE site = ? AND revoked_ms IS NULL ORDER "
	                 "BY id",
	                 &s) != SQLITE_OK) {
		rfail(cs, err);
		goto out;
	}
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		char kiosk[ANK_CS_ID_MAX + 1];
		snprintf(kiosk, sizeof kiosk, "%s", ank_cs_col(s, 0));
		v->frozen = v->frozen || sqlite3_column_int(s, 1);
		if (kiosk_take(cs, kiosk, now, v, err))
			goto out;
	}
	if (step != SQLITE_DONE) {
		rfail(cs, err);
		goto out;
	}
	ank_cs_rend(cs, s);
	/* The newest site config any kiosk of the site applied, as the read model keeps it. */
	if (ank_cs_rprep(cs,
	                 "SELECT i.body FROM site_info i JOIN kiosk k ON k.id = i.kiosk"
	                 " WHERE k.site = ? ORDER BY i.at_ms DESC LIMIT 1",
	                 &s) != SQLITE_OK) {
		s = NULL;
		rfail(cs, err);
		goto out;
	}
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		config_take(v, ank_cs_col(s, 0), now);
	else if (step != SQLITE_DONE) {
		rfail(cs, err);
		goto out;
	}
	rc = 0;
out:
	ank_cs_rend(cs, s);
	pthread_mutex_unlock(&cs->rmu);
	return rc;
}
