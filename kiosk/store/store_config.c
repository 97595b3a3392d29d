/* Site config: its JSON form kept in site.db, and applying a new config together with its
 * stations in one transaction. The INI parser and its checks are common/ank_siteconf.c. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_time.h"

static const char *const weekdays[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* ---- JSON form, stored in site.config and later sent by central ---- */

static json_t *config_to_json(const ank_site_config *cfg)
{
	json_t *hours = json_object();
	for (int d = 0; d < 7; d++) {
		char both[12];
		ank_siteconf_format_hours(&cfg->hours[d], both);
		json_object_set_new(hours, weekdays[d], json_string(both));
	}
	json_t *nearby = json_array();
	for (int i = 0; i < cfg->n_nearby; i++)
		json_array_append_new(nearby,
		                      json_pack("{s:s, s:s, s:s, s:b}", "name", cfg->nearby[i].name,
		                                "address", cfg->nearby[i].address, "hours",
		                                cfg->nearby[i].hours, "women_only",
		                                cfg->nearby[i].women_only));
	json_t *alerts = json_object();
	for (int i = 0; i < cfg->n_alerts; i++)
		json_object_set_new(alerts, cfg->alerts[i].lang, json_string(cfg->alerts[i].text));
	json_t *routes = json_array();
	for (int r = 0; r < ANK_ROUTE_COUNT; r++)
		if (cfg->routes[r])
			json_array_append_new(routes, json_string(ank_route_code((ank_route)r)));
	json_t *voices = json_object();
	for (int i = 0; i < cfg->n_voices; i++)
		json_object_set_new(voices, cfg->voices[i].lang,
		                    json_pack("{s:s, s:i}", "voice", cfg->voices[i].voice, "volume",
		                              cfg->voices[i].volume));
	json_t *speech = json_pack("{s:i, s:i, s:o}", "rate", cfg->speech_rate, "volume",
	                           cfg->speech_volume, "voices", voices);
	json_t *j = json_pack(
	        "{s:i, s:s, s:s, s:s, s:b, s:o, s:b, s:s, s:i, s:b, s:i, s:i, s:i, s:b,"
	        " s:o, s:o, s:s, s:o, s:i}",
	        "version", 1, "id", cfg->site_id, "name", cfg->name, "timezone", cfg->timezone,
	        "women_only", cfg->women_only, "routes", routes, "assisted", cfg->assisted,
	        "languages", cfg->languages, "day_start_min", cfg->day_start_min, "auto_call",
	        cfg->auto_call, "call_grace_min", cfg->grace_min, "warn_min", cfg->warn_min,
	        "alarm_min", cfg->alarm_min, "clean_after_session", cfg->clean_after_session,
	        "hours", hours, "nearby", nearby, "staff_pin_hash", cfg->staff_pin_hash, "alert",
	        alerts, "outbox_retention_days", cfg->outbox_retention_days);
	json_object_set_new(j, "speech", speech);
	return j;
}

/* Copies a string member into out[n]; "" when absent or not a string. */
static void member_text(json_t *o, const char *key, char *out, size_t n)
{
	const char *v = json_string_value(json_object_get(o, key));
	snprintf(out, n, "%s", v ? v : "");
}

/* "speech" of a stored config; absent (stored before it existed) or out of range reads as
 * the defaults. */
static void speech_from_json(json_t *sp, ank_site_config *cfg)
{
	json_t *r = json_object_get(sp, "rate"), *v = json_object_get(sp, "volume");
	if (json_is_integer(r) && json_integer_value(r) >= ANK_SPEECH_RATE_MIN &&
	    json_integer_value(r) <= ANK_SPEECH_RATE_MAX)
		cfg->speech_rate = (int)json_integer_value(r);
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= ANK_SPEECH_VOL_MAX)
		cfg->speech_volume = (int)json_integer_value(v);
	const char *lang;
	json_t *o;
	json_object_foreach(json_object_get(sp, "voices"), lang, o)
	{
		if (cfg->n_voices >= ANK_MAX_ALERT_LANGS)
			break;
		ank_speech_voice *sv = &cfg->voices[cfg->n_voices++];
		snprintf(sv->lang, sizeof sv->lang, "%s", lang);
		member_text(o, "voice", sv->voice, sizeof sv->voice);
		json_t *vol = json_object_get(o, "volume");
		sv->volume = json_is_integer(vol) && json_integer_value(vol) >= 0 &&
		                             json_integer_value(vol) <= ANK_SPEECH_VOL_MAX
		                     ? (int)json_integer_value(vol)
		                     : -1;
	}
}

/* The keys added after version 1's first ones, read with defaults by config_from_json: the
 * history's retention and the drug alert's time box (ISO 8601 UTC, null for no bound; also
 * in the site.config event, so that central's waiting-room page keeps to it). */
static void config_more_to_json(const ank_site_config *cfg, json_t *j)
{
	json_object_set_new(j, "history_retention_days", json_integer(cfg->history_retention_days));
	const int64_t at[2] = {cfg->alert_from_ms, cfg->alert_until_ms};
	const char *keys[2] = {ANK_FN(ALERT_FROM), ANK_FN(ALERT_UNTIL)};
	for (int i = 0; i < 2; i++) {
		char iso[32];
		ank_iso_format(at[i], iso, sizeof iso);
		json_object_set_new(j, keys[i], at[i] ? json_string(iso) : json_null());
	}
	json_object_set_new(
	        j, ANK_FN(ALERT_SEVERITY),
	        json_string(ank_severity_code((ank_alert_severity)cfg->alert_severity)));
	json_object_set_new(j, "printer", ank_siteconf_printer_json(&cfg->printer));
}

/* "printer" of a stored config; absent (stored before it existed) reads as no printer. */
static void printer_from_json(json_t *o, ank_printer_config *pc)
{
	json_t *v;
	const char *k;
	json_object_foreach(o, k, v)
	{
		char num[24];
		const char *s = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			s = num;
		}
		if (s)
			ank_siteconf_printer_key(pc, k, s);
	}
}

static int config_from_json(const char *text, ank_site_config *cfg, ank_err *err)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	json_t *routes = NULL, *hours = NULL, *nearby = NULL, *alerts = NULL;
	const char *pin_hash = "";
	const char *id, *name, *tz, *langs;
	int wo, as, ac, cl;
	ank_siteconf_defaults(cfg);
	if (!j || json_unpack_ex(j, &je, 0,
	                         "{s:s, s:s, s:s, s:b, s:o, s:b, s:s, s:i, s:b, s:i, s:i, s:i, s:b,"
	                         " s:o, s:o, s?s, s?o, s?i}",
	                         "id", &id, "name", &name, "timezone", &tz, "women_only", &wo,
	                         "routes", &routes, "assisted", &as, "languages", &langs,
	                         "day_start_min", &cfg->day_start_min, "auto_call", &ac,
	                         "call_grace_min", &cfg->grace_min, "warn_min", &cfg->warn_min,
	                         "alarm_min", &cfg->alarm_min, "clean_after_session", &cl, "hours",
	                         &hours, "nearby", &nearby, "staff_pin_hash", &pin_hash, "alert",
	                         &alerts, "outbox_retention_days", &cfg->outbox_retention_days)) {
		json_decref(j);
		return ank_err_set(err, "stored site config unreadable: %s", je.text);
	}
	snprintf(cfg->site_id, sizeof cfg->site_id, "%s", id);
	snprintf(cfg->name, sizeof cfg->name, "%s", name);
	snprintf(cfg->timezone, sizeof cfg->timezone, "%s", tz);
	snprintf(cfg->languages, sizeof cfg->languages, "%s", langs);
	snprintf(cfg->staff_pin_hash, sizeof cfg->staff_pin_hash, "%s", pin_hash);
	const char *alert_lang;
	json_t *alert_text;
	json_object_foreach(alerts, alert_lang, alert_text)
	{
		if (cfg->n_alerts >= ANK_MAX_ALERT_LANGS || !json_is_string(alert_text))
			break;
		snprintf(cfg->alerts[cfg->n_alerts].lang, sizeof cfg->alerts[0].lang, "%s",
		         alert_lang);
		snprintf(cfg->alerts[cfg->n_alerts].text, sizeof cfg->alerts[0].text, "%s",
		         json_string_value(alert_text));
		cfg->n_alerts++;
	}
	const char *from = json_string_value(json_object_get(j, ANK_FN(ALERT_FROM)));
	const char *until = json_string_value(json_object_get(j, ANK_FN(ALERT_UNTIL)));
	if ((from && ank_iso_parse(from, &cfg->alert_from_ms)) ||
	    (until && ank_iso_parse(until, &cfg->alert_until_ms))) {
		json_decref(j);
		return ank_err_set(err, "stored site config: bad alert time");
	}
	/* Stored before severities existed: a warning. */
	int sev = ank_severity_from_code(
	        json_string_value(json_object_get(j, ANK_FN(ALERT_SEVERITY))));
	cfg->alert_severity = sev < 0 ? ANK_SEVERITY_WARNING : sev;
	json_t *hist = json_object_get(j, "history_retention_days");
	cfg->history_retention_days = json_is_integer(hist) ? (int)json_integer_value(hist) : 0;
	if (cfg->history_retention_days < ANK_HISTORY_RETENTION_DAYS_MIN ||
	    cfg->history_retention_days > ANK_HISTORY_RETENTION_DAYS_MAX)
		cfg->history_retention_days = ANK_HISTORY_RETENTION_DAYS_DEFAULT;
	/* A config stored before the key existed reads as the default; a bad one too. */
	if (cfg->outbox_retention_days < 1 ||
	    cfg->outbox_retention_days > ANK_OUTBOX_RETENTION_DAYS_MAX)
		cfg->outbox_retention_days = ANK_OUTBOX_RETENTION_DAYS_DEFAULT;
	cfg->women_only = wo;
	cfg->assisted = as;
	cfg->auto_call = ac;
	cfg->clean_after_session = cl;
	cfg->routes[0] = cfg->routes[1] = false;
	size_t i;
	json_t *v;
	json_array_foreach(routes, i, v)
	{
		int r = ank_route_from_code(json_string_value(v));
		if (r >= 0)
			cfg->routes[r] = true;
	}
	for (int d = 0; d < 7; d++) {
		const char *h = json_string_value(json_object_get(hours, weekdays[d]));
		if (!h || ank_siteconf_parse_hours(h, &cfg->hours[d])) {
			json_decref(j);
			return ank_err_set(err, "stored site config: bad hours for %s",
			                   weekdays[d]);
		}
	}
	speech_from_json(json_object_get(j, "speech"), cfg);
	printer_from_json(json_object_get(j, "printer"), &cfg->printer);
	json_array_foreach(nearby, i, v)
	{
		if (cfg->n_nearby >= ANK_MAX_NEARBY)
			break;
		ank_nearby *nb = &cfg->nearby[cfg->n_nearby++];
		member_text(v, "name", nb->name, sizeof nb->name);
		member_text(v, "address", nb->address, sizeof nb->address);
		member_text(v, "hours", nb->hours, sizeof nb->hours);
		/* Absent in configs stored before the key existed: open to everyone. */
		nb->women_only = json_is_true(json_object_get(v, "women_only"));
	}
	json_decref(j);
	return 0;
}

ank_store_rc ank_store_config_get(ank_store *st, ank_site_config *cfg, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st, "SELECT config FROM site WHERE id = 1", &s, err))
		return ANK_STORE_DB;
	int rc = sqlite3_step(s);
	ank_store_rc out = ANK_STORE_OK;
	if (rc == SQLITE_ROW) {
		/* Our own JSON that no longer reads is a broken database, not a missing row. */
		if (config_from_json((const char *)sqlite3_column_text(s, 0), cfg, err))
			out = ANK_STORE_DB;
	} else if (rc == SQLITE_DONE) {
		out = ANK_STORE_UNKNOWN;
	} else {
		ank_st_fail(st, err);
		out = ANK_STORE_DB;
	}
	ank_st_end(st, s);
	return out;
}

/* path as an SQLite URI ("file:" + the path with %, ? and # escaped), immutable. */
static int immutable_uri(const char *path, char *out, size_t n)
{
	size_t o = (size_t)snprintf(out, n, "file:");
	for (const char *p = path; *p; p++) {
		if (o + 4 >= n)
			return -1;
		if (*p == '%' || *p == '?' || *p == '#')
			o += (size_t)snprintf(out + o, n - o, "%%%02x", (unsigned char)*p);
		else
			out[o++] = *p;
	}
	out[o] = '\0';
	return (size_t)snprintf(out + o, n - o, "?immutable=1") < n - o ? 0 : -1;
}

ank_store_rc ank_store_config_peek(const char *path, ank_site_config *cfg, ank_err *err)
{
	char uri[1200];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	ank_store_rc out = ANK_STORE_DB;
	if (immutable_uri(path, uri, sizeof uri)) {
		ank_err_set(err, "path too long: %s", path);
		return ANK_STORE_DB;
	}
	int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "SELECT config FROM site WHERE id = 1", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		out = config_from_json((const char *)sqlite3_column_text(s, 0), cfg, err)
		              ? ANK_STORE_DB
		              : ANK_STORE_OK;
	else if (rc == SQLITE_DONE)
		out = ANK_STORE_UNKNOWN;
	else
		ank_err_set(err, "cannot read %s: %s", path,
		            db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_finalize(s);
	sqlite3_close_v2(db);
	return out;
}

static ank_store_rc retire_missing(ank_store *st, const ank_station *stations, int n,
                                   int64_t now_ms, ank_err *err)
{
	ank_station cur[ANK_MAX_STATIONS];
	int ncur;
	if (ank_store_stations(st, cur, ANK_MAX_STATIONS, &ncur, err))
		return ANK_STORE_DB;
	for (int i = 0; i < ncur; i++) {
		bool kept = false;
		for (int k = 0; k < n && !kept; k++)
			kept = !strcmp(cur[i].id, stations[k].id);
		if (kept)
			continue;
		if (cur[i].state == ANK_SS_RESERVED || cur[i].state == ANK_SS_OCCUPIED) {
			ank_err_set(err, "station %s is in use and cannot be removed now",
			            cur[i].id);
			return ANK_STORE_REFUSED;
		}
		sqlite3_stmt *s;
		if (ank_st_prep(st,
		                "UPDATE station SET retired = 1, state = 'closed', since_ms = ?"
		                " WHERE id = ?",
		                &s, err))
			return ANK_STORE_DB;
		sqlite3_bind_int64(s, 1, now_ms);
		ank_st_text(s, 2, cur[i].id);
		if (ank_st_done(st, s, err))
			return ANK_STORE_DB;
	}
	return ANK_STORE_OK;
}

ank_store_rc ank_store_config_apply(ank_store *st, const ank_site_config *cfg,
                                    const ank_station *stations, int n, int64_t now_ms,
                                    ank_err *err)
{
	return ank_store_config_apply_tx(st, cfg, stations, n, now_ms, NULL, NULL, err);
}

ank_store_rc ank_store_config_apply_tx(ank_store *st, const ank_site_config *cfg,
                                       const ank_station *stations, int n, int64_t now_ms,
                                       ank_store_in_tx in_tx, void *in_tx_ctx, ank_err *err)
{
	json_t *j = config_to_json(cfg);
	if (j)
		config_more_to_json(cfg, j);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	sqlite3_stmt *s = NULL;
	ank_store_rc rc = ANK_STORE_DB;
	if (!text) {
		ank_err_set(err, "cannot encode the site config");
		goto out;
	}
	if (ank_store_begin(st, err))
		goto out;
	if (ank_st_prep(st,
	                "INSERT INTO site(id, config) VALUES (1, ?)"
	                " ON CONFLICT(id) DO UPDATE SET config = excluded.config",
	                &s, err))
		goto rollback;
	ank_st_text(s, 1, text);
	if (ank_st_done(st, s, err))
		goto rollback;
	ank_store_rc busy = retire_missing(st, stations, n, now_ms, err);
	if (busy != ANK_STORE_OK) {
		rc = busy; /* REFUSED: a station in use refuses the whole config */
		goto rollback;
	}
	json_t *ids = json_array(), *types = json_object();
	for (int i = 0; i < n; i++) {
		/* A new station starts free; a known one keeps its state and ticket. */
		if (ank_st_prep(st,
		                "INSERT INTO station(id, label, type, women_only, assisted,"
		                " state, since_ms, sort) VALUES (?, ?, ?, ?, ?, 'free', ?, ?)"
		                " ON CONFLICT(id) DO UPDATE SET label = excluded.label,"
		                " type = excluded.type, women_only = excluded.women_only,"
		                " assisted = excluded.assisted, sort = excluded.sort, retired = 0,"
		                " state = CASE WHEN retired = 1 THEN 'free' ELSE state END",
		                &s, err)) {
			json_decref(ids);
			json_decref(types);
			goto rollback;
		}
		ank_st_text(s, 1, stations[i].id);
		ank_st_text(s, 2, stations[i].label);
		ank_st_text(s, 3, ank_station_type_code(stations[i].type));
		sqlite3_bind_int(s, 4, stations[i].women_only);
		sqlite3_bind_int(s, 5, stations[i].assisted);
		sqlite3_bind_int64(s, 6, now_ms);
		sqlite3_bind_int(s, 7, i);
		if (ank_st_done(st, s, err)) {
			json_decref(ids);
			json_decref(types);
			goto rollback;
		}
		json_array_append_new(ids, json_string(stations[i].id));
		json_object_set_new(types, stations[i].id,
		                    json_string(ank_station_type_code(stations[i].type)));
	}
	json_object_set_new(j, ANK_FN(STATIONS), ids);
	/* Central's capacity figures need each station's type beside the opening hours. */
	json_object_set_new(j, ANK_FN(STATION_TYPES), types);
	if (ank_store_outbox_append(st, ANK_EV_SITE_CONFIG, now_ms, json_incref(j), err))
		goto rollback;
	if (in_tx && in_tx(in_tx_ctx, st, err))
		goto rollback;
	rc = ank_store_commit(st, err) ? ANK_STORE_DB : ANK_STORE_OK;
	goto out;
rollback:
	ank_store_rollback(st);
out:
	free(text);
	json_decref(j);
	return rc;
}
