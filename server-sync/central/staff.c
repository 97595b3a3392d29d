/* The staff and admin routes of docs/api.md: strict checks of each body (unknown fields,
 * wrong types and values outside the vocabularies are refused with the field named), then
 * one call into central's store. Authentication and roles were checked by http.c. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ank_i18n.h"
#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"
#include "ank_vocab.h"
#include "http.h"
#include "web.h"
#include "wire.h"
#include "proto.h"
#include "report_make.h"
#include "serve.h"

/* Nicknames: as the kiosk's registry (docs/formats.md). */
#define NICK_MAX_CHARS 40
#define NICK_MAX_BYTES 160
/* The kiosk finds a nickname from two typed letters or digits, so it needs at least two. */
#define NICK_MIN_WORD_CHARS 2
/* An incident note is a line, not a case file: no names belong in it. */
#define INCIDENT_MAX_CHARS 200
/* A record's time may be a little ahead of central's clock (a staff PC's skew), not more. */
#define RECORD_FUTURE_MS (5LL * 60 * 1000)
/* How late a login refused during a wait is answered (the tar pit, see ank_staff_login). */
#define LOGIN_WAIT_HOLD_MS 1000
/* Screen texts sent down (docs/api.md "catalog"): keys as in the kiosk's i18n/ catalogs, and
 * limits that keep one change a reviewable batch of texts, not a whole new catalog. */
#define CATALOG_KEY_MAX      64
#define CATALOG_TEXT_MAX     1000
#define CATALOG_MESSAGES_MAX 500

/* ---- field checks ---- */

/* A string member: *out NULL when absent or null and optional. 0, or -1 with *bad. */
static int get_str(json_t *j, const char *key, bool optional, const char **out, ank_reply *bad)
{
	json_t *v = json_object_get(j, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (optional)
			return 0;
		*bad = ank_http_bad_field(key, "missing");
		return -1;
	}
	if (!json_is_string(v)) {
		*bad = ank_http_bad_field(key, "must be a string");
		return -1;
	}
	/* A string with a NUL inside would be cut by every C string function after this. */
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		*bad = ank_http_bad_field(key, "must not contain NUL");
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int get_slug(json_t *j, const char *key, bool optional, const char **out, ank_reply *bad)
{
	if (get_str(j, key, optional, out, bad))
		return -1;
	if (*out && !ank_text_is_slug(*out, ANK_CS_ID_MAX)) {
		*bad = ank_http_bad_field(key, "must be 1-63 letters, digits, - or _");
		return -1;
	}
	return 0;
}

static int get_bool(json_t *j, const char *key, bool *out, ank_reply *bad)
{
	json_t *v = json_object_get(j, key);
	if (!json_is_boolean(v)) {
		*bad = ank_http_bad_field(key, "must be true or false");
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* A string that must be one of `codes` (NULL-terminated). */
static int get_code(json_t *j, const char *key, const char *const *codes, const char **out,
                    ank_reply *bad)
{
	if (get_str(j, key, false, out, bad))
		return -1;
	for (int i = 0; codes[i]; i++)
		if (!strcmp(*out, codes[i]))
			return 0;
	char rule[160] = "must be one of:";
	for (int i = 0; codes[i]; i++) {
		size_t n = strlen(rule);
		snprintf(rule + n, sizeof rule - n, " %s", codes[i]);
	}
	*bad = ank_http_bad_field(key, rule);
	return -1;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (or with .mmm) or null when optional; *ms 0 when null. */
static int get_time(json_t *j, const char *key, bool optional, int64_t *ms, ank_reply *bad)
{
	const char *s;
	*ms = 0;
	if (get_str(j, key, optional, &s, bad))
		return -1;
	if (s && (ank_iso_parse(s, ms) || *ms <= 0)) {
		*bad = ank_http_bad_field(key, "must be YYYY-MM-DDTHH:MM:SSZ (UTC)");
		return -1;
	}
	return 0;
}

/* Text a person typed: valid UTF-8 without control characters, 1..max_chars code points and
 * at most max_bytes. */
static int check_text(const char *key, const char *s, long max_chars, size_t max_bytes,
                      ank_reply *bad)
{
	size_t n = strlen(s);
	long chars = ank_utf8_valid_text(s, n) ? ank_utf8_count(s) : -1;
	if (n == 0 || n > max_bytes || chars < 1 || chars > max_chars) {
		char rule[96];
		snprintf(rule, sizeof rule, "must be 1-%ld characters of text without controls",
		         max_chars);
		*bad = ank_http_bad_field(key, rule);
		return -1;
	}
	return 0;
}

/* The site of the path must exist (an admin may name any; staff only reach their own). */
static int site_exists(ank_http_ctx *c, ank_reply *bad)
{
	ank_site site;
	ank_err err;
	ank_cs_rc rc = ank_cstore_site_get(c->cs, c->param[0], &site, &err);
	if (rc == ANK_CS_OK)
		return 0;
	*bad = ank_http_cs_error(rc, rc == ANK_CS_UNKNOWN ? "unknown site" : "cannot read sites");
	return -1;
}

/* A site route's body: the site must exist, then the body is read as for any route. A new
 * reference, or NULL with *bad set. */
static json_t *site_body(ank_http_ctx *c, ank_reply *bad)
{
	if (site_exists(c, bad))
		return NULL;
	return ank_http_body(c, bad);
}

/* ---- login and logout ---- */

ank_reply ank_staff_login(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "user", "password", NULL};
	const char *user, *password;
	if (ank_http_only_known(j, known, &bad) || get_str(j, "user", false, &user, &bad) ||
	    get_str(j, "password", false, &password, &bad)) {
		json_decref(j);
		return bad;
	}
	ank_account acct;
	char token[ANK_TOKEN_HEX + 1], csrf[ANK_TOKEN_HEX + 1];
	ank_err err;
	int64_t retry_ms = 0;
	ank_cs_rc rc = ank_cstore_login(c->cs, c->addr, user, password, ank_now_ms(), &retry_ms,
	                                &acct, token, csrf, &err);
	char name[ANK_HTTP_ECHO_MAX + 1];
	ank_http_echo(name, user);
	json_decref(j);
	snprintf(c->audit_actor, sizeof c->audit_actor, "%s", name); /* who tried, for the audit */
	if (rc == ANK_CS_DB) {
		ank_log(ANK_LOG_ERROR, "login", "%s", err.msg);
		return ank_http_cs_error(rc, "cannot log in now");
	}
	if (rc == ANK_CS_WAIT) {
		/* The store logs when a wait starts; a line for every refusal during it would let
		 * a flood of cheap refusals flood the log. err says whether name or address. */
		long long s = (retry_ms + 999) / 1000;
		snprintf(c->retry_after, sizeof c->retry_after, "%lld", s);
		/* The tar pit: a client that keeps trying during a wait gets each refusal a
		 * second late, so a flood of cheap refusals costs central almost nothing. */
		c->hold_ms = LOGIN_WAIT_HOLD_MS;
		ank_log(ANK_LOG_DEBUG, "login", "'%s' from %s must wait %lld s: %s", name, c->addr,
		        s, err.msg);
		char msg[128];
		snprintf(msg, sizeof msg, "%s: try again in %lld s", err.msg, s);
		return ank_http_cs_error(rc, msg);
	}
	if (rc != ANK_CS_OK) {
		ank_log(ANK_LOG_WARN, "login", "refused for '%s' from %s", name, c->addr);
		return ank_http_cs_error(rc, "wrong user or password");
	}
	/* HttpOnly: page scripts cannot read it; Secure: never over plain HTTP; SameSite=Strict:
	 * no other site's page sends it. The CSRF token is the second lock. */
	snprintf(c->set_cookie, sizeof c->set_cookie,
	         "ank_session=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=%lld", token,
	         ANK_SESSION_TTL_MS / 1000);
	ank_log(ANK_LOG_INFO, "login", "%s '%s' logged in", acct.admin ? "admin" : "staff",
	        acct.name);
	snprintf(c->audit_role, sizeof c->audit_role, "%s", acct.admin ? "admin" : "staff");
	ank_reply r = ank_http_json(
	        200,
	        json_pack("{s:i, s:s, s:o, s:s}", "v", 1, "role", acct.admin ? "admin" : "staff",
	                  "site", acct.admin ? json_null() : json_string(acct.site), "csrf", csrf));
	sodium_memzero(token, sizeof token);
	sodium_memzero(csrf, sizeof csrf);
	return r;
}

/* Who the session is, and its CSRF token: a page that was reloaded gets it again from here
 * (only our own origin can read the answer). */
ank_reply ank_staff_me(ank_http_ctx *c)
{
	return ank_http_json(200,
	                     json_pack("{s:i, s:s, s:s, s:s?, s:s}", "v", 1, "user", c->acct.name,
	                               "role", c->acct.admin ? "admin" : "staff", "site",
	                               c->acct.admin ? NULL : c->acct.site, "csrf", c->csrf));
}

ank_reply ank_staff_logout(ank_http_ctx *c)
{
	ank_err err;
	if (ank_cstore_logout(c->cs, c->token, &err))
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot log out now");
	snprintf(c->set_cookie, sizeof c->set_cookie,
	         "ank_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
	ank_log(ANK_LOG_INFO, "login", "'%s' logged out", c->acct.name);
	return ank_http_json(200, json_pack("{s:i}", "v", 1));
}

/* ---- the queue and commands ---- */

/* A text member, or null when empty. */
static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

/* The ticket called to or in session at a station (label and id) and the newest
 * acknowledgement of its timer, added to the station's object o (null when none). */
static void station_ticket(json_t *o, const ank_queue_view *v, const ank_qv_station *st)
{
	const ank_qv_ticket *t = NULL;
	for (int i = 0; i < v->n_tickets && !t; i++) {
		const ank_qv_ticket *c = &v->tickets[i];
		bool here = !strcmp(c->kiosk, st->kiosk) && !strcmp(c->station, st->station);
		bool on = !strcmp(c->state, ank_ticket_state_code(ANK_TS_CALLED)) ||
		          !strcmp(c->state, ank_ticket_state_code(ANK_TS_IN_SESSION));
		if (here && on)
			t = c;
	}
	const ank_qv_ack *a = NULL;
	for (int i = 0; t && i < v->n_acks && !a; i++)
		if (!strcmp(v->acks[i].kiosk, t->kiosk) && v->acks[i].ticket == t->ticket)
			a = &v->acks[i];
	json_object_set_new(o, ANK_FN(TICKET), t ? json_integer(t->ticket) : json_null());
	json_object_set_new(o, ANK_FN(LABEL), t ? json_string(t->label) : json_null());
	json_object_set_new(o, "ack",
	                    a ? json_pack("{s:s, s:s, s:I}", "level", a->level, "by", a->by,
	                                  "at_ms", (json_int_t)a->at_ms)
	                      : json_null());
}

/* The queue view as docs/api.md shows it. Its tickets, stations and config answer carry
 * the fields of the events they come from, by the same names. Returns a new reference. */
static json_t *queue_json(const char *site, const ank_queue_view *v, int64_t now)
{
	json_t *kiosks = json_array(), *stations = json_array(), *tickets = json_array();
	for (int i = 0; i < v->n_kiosks; i++) {
		const ank_qv_kiosk *k = &v->kiosks[i];
		json_array_append_new(
		        kiosks,
		        json_pack("{s:s, s:o, s:b, s:b, s:o, s:I, s:o}", "kiosk", k->kiosk,
		                  "last_seen_ms",
		                  k->last_seen_ms ? json_integer(k->last_seen_ms) : json_null(),
		                  "online", k->online, "frozen", k->frozen, "clock_skew_ms",
		                  k->skewed ? json_integer(k->clock_skew_ms) : json_null(),
		                  "events_out_of_time", (json_int_t)k->out_of_time, "unsent",
		                  k->has_unsent ? json_integer(k->unsent) : json_null()));
		json_object_set_new(json_array_get(kiosks, json_array_size(kiosks) - 1), "printer",
		                    k->printer[0] ? json_string(k->printer) : json_null());
	}
	for (int i = 0; i < v->n_stations; i++) {
		const ank_qv_station *st = &v->stations[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "kiosk", st->kiosk, ANK_FN(STATION),
		                      st->station, ANK_FN(STATE), st->state, "since_ms",
		                      (json_int_t)st->since_ms);
		station_ticket(o, v, st);
		json_array_append_new(stations, o);
	}
	for (int i = 0; i < v->n_tickets; i++) {
		const ank_qv_ticket *t = &v->tickets[i];
		json_array_append_new(
		        tickets,
		        json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:I}", "kiosk",
		                  t->kiosk, ANK_FN(TICKET), (json_int_t)t->ticket, ANK_FN(LABEL),
		                  t->label, ANK_FN(DAY), t->day, ANK_FN(ROUTE), t->route,
		                  ANK_FN(SUBSTANCE), t->substance, ANK_FN(STATE), t->state,
		                  ANK_FN(STATION), text_or_null(t->station), "assisted",
		                  t->assisted, "since_ms", (json_int_t)t->since_ms));
	}
	json_t *config = json_null();
	if (v->config.state[0])
		config = json_pack("{s:s, s:o, s:o, s:s, s:I}", ANK_FN(STATE), v->config.state,
		                   ANK_FN(REASON), text_or_null(v->config.reason), ANK_FN(CHANGE),
		                   v->config.change ? json_integer(v->config.change) : json_null(),
		                   "kiosk", v->config.kiosk, "since_ms",
		                   (json_int_t)v->config.since_ms);
	json_t *help = json_array();
	for (int i = 0; i < v->n_help; i++)
		json_array_append_new(help, json_pack("{s:s, s:I, s:I}", "kiosk", v->help[i].kiosk,
		                                      ANK_FN(ID), (json_int_t)v->help[i].id,
		                                      "asked_ms", (json_int_t)v->help[i].asked_ms));
	json_t *info = v->site_info ? json_loads(v->site_info, 0, NULL) : NULL;
	return json_pack("{s:i, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o}", "v", 1, "site",
	                 site, "frozen", v->frozen, "config", config ? config : json_null(),
	                 "kiosks", kiosks, "stations", stations, "tickets", tickets, "help", help,
	                 "server_ms", (json_int_t)now, "rev", (json_int_t)v->rev, "site_info",
	                 info ? info : json_null());
}

ank_reply ank_staff_queue(ank_http_ctx *c)
{
	ank_reply bad;
	if (site_exists(c, &bad))
		return bad;
	/* ?after=REV&wait=S: the console's long-poll, held while the revision is still REV. */
	int held = ank_http_long_poll(c, c->param[0], &bad);
	if (held)
		return held > 0 ? (ank_reply){0} : bad;
	ank_err err;
	ank_queue_view v;
	int64_t now = ank_now_ms();
	int rc = ank_cstore_queue_view(c->cs, c->param[0], now, &v, &err);
	json_t *j = rc ? NULL : queue_json(c->param[0], &v, now);
	ank_queue_view_free(&v);
	if (!j) {
		ank_log(ANK_LOG_ERROR, "staff", "queue of %s: %s", c->param[0],
		        rc ? err.msg : "out of memory");
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the queue now");
	}
	return ank_http_json(200, j);
}

/* Whether a field is present as `n` demands; the message names the command. */
static int check_need(const char *type, const char *field, ank_need n, bool present, ank_reply *bad)
{
	if ((n == ANK_NEED_REQUIRED && !present) || (n == ANK_NEED_NO && present)) {
		char rule[96];
		snprintf(rule, sizeof rule, n == ANK_NEED_NO ? "%s takes no %s" : "%s needs a %s",
		         type, field);
		*bad = ank_http_bad_field(field, rule);
		return -1;
	}
	return 0;
}

ank_reply ank_staff_command_post(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = site_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "type", "ticket", "station", "route", NULL};
	static const char *const routes[] = {"inject", "smoke", NULL};
	const char *type, *station, *route = NULL;
	ank_command cmd = {0};
	const ank_cmd_info *ci = NULL;
	if (ank_http_only_known(j, known, &bad) || get_str(j, "type", false, &type, &bad) ||
	    get_slug(j, "station", true, &station, &bad))
		goto out;
	ci = ank_cmd_info_of((ank_cmd_type)ank_cmd_from_code(type));
	if (!ci) {
		bad = ank_http_bad_field("type", "not a staff command (docs/operations.md)");
		goto out;
	}
	json_t *tj = json_object_get(j, "ticket");
	if (tj && (!json_is_integer(tj) || json_integer_value(tj) < 1)) {
		bad = ank_http_bad_field("ticket", "must be a ticket id, an integer >= 1");
		goto out;
	}
	if (json_object_get(j, "route") && get_code(j, "route", routes, &route, &bad))
		goto out;
	if (check_need(type, "ticket", ci->ticket, tj != NULL, &bad) ||
	    check_need(type, "station", ci->station, station != NULL, &bad) ||
	    check_need(type, "route", ci->route, route != NULL, &bad))
		goto out;
	snprintf(cmd.site, sizeof cmd.site, "%s", c->param[0]);
	snprintf(cmd.type, sizeof cmd.type, "%s", type);
	cmd.ticket = tj ? (long long)json_integer_value(tj) : 0;
	snprintf(cmd.station, sizeof cmd.station, "%s", station ? station : "");
	snprintf(cmd.route, sizeof cmd.route, "%s", route ? route : "");
	json_decref(j);
	ank_err err;
	if (ank_cstore_command_add(c->cs, &cmd, c->acct.id, ank_now_ms(), &err) < 0) {
		ank_log(ANK_LOG_ERROR, "staff", "command: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot store the command now");
	}
	ank_log(ANK_LOG_INFO, "staff", "'%s' sent command %lld %s to site %s", c->acct.name, cmd.id,
	        cmd.type, cmd.site);
	return ank_http_json(202, json_pack("{s:i, s:I}", "v", 1, "command", (json_int_t)cmd.id));
out:
	json_decref(j);
	return bad;
}

ank_reply ank_staff_command_get(ank_http_ctx *c)
{
	long id;
	if (ank_parse_long(c->param[1], 1, 0x7fffffffffffL, &id))
		return ank_http_error(ANK_ERR_NOT_FOUND, "unknown command");
	ank_command cmd;
	ank_err err;
	ank_cs_rc rc = ank_cstore_command_get(c->cs, c->param[0], id, &cmd, &err);
	if (rc != ANK_CS_OK)
		return ank_http_cs_error(rc, rc == ANK_CS_UNKNOWN ? "unknown command"
		                                                  : "cannot read the command now");
	return ank_http_json(
	        200, json_pack("{s:i, s:I, s:s, s:s, s:o, s:o, s:I, s:o}", "v", 1, "command",
	                       (json_int_t)cmd.id, "type", cmd.type, "state", cmd.state, "reason",
	                       cmd.reason[0] ? json_string(cmd.reason) : json_null(), "ticket",
	                       cmd.result_ticket ? json_integer(cmd.result_ticket) : json_null(),
	                       "created_ms", (json_int_t)cmd.created_ms, "done_ms",
	                       cmd.done_ms ? json_integer(cmd.done_ms) : json_null()));
}

/* ---- records ---- */

/* Vocabularies of the records (docs/api.md): codes, stable on the wire and in reports. */
static const char *const overdose_outcomes[] = {"recovered", "hospital", "left",
                                                "died",      "unknown",  NULL};
static const char *const referral_types[] = {
        "health", "drug_treatment", "mental_health", "social", "housing", "other", NULL};
static const char *const rejection_reasons[] = {
        "underage",  "not_target_group", "intoxicated", "quarantined",
        "behaviour", "capacity",         "other",       NULL};
static const char *const record_kinds[] = {"overdose", "referral", "incident", "rejection", NULL};

/* Checks a record of `kind`, fills its typed fields into *rec (strings borrowed from j) and
 * builds its stored body (the fields without v, kind, time). Returns a new object, or NULL
 * with *bad. */
static json_t *record_body(json_t *j, const char *kind, ank_record *rec, ank_reply *bad)
{
	*rec = (ank_record){.kind = kind};
	if (!strcmp(kind, "overdose")) {
		static const char *const known[] = {"v",         "kind",     "time",
		                                    "station",   "naloxone", "oxygen",
		                                    "ambulance", "outcome",  NULL};
		const char *station, *outcome;
		bool naloxone, oxygen, ambulance;
		if (ank_http_only_known(j, known, bad) ||
		    get_slug(j, "station", true, &station, bad) ||
		    get_bool(j, "naloxone", &naloxone, bad) ||
		    get_bool(j, "oxygen", &oxygen, bad) ||
		    get_bool(j, "ambulance", &ambulance, bad) ||
		    get_code(j, "outcome", overdose_outcomes, &outcome, bad))
			return NULL;
		*rec = (ank_record){.kind = kind,
		                    .code = outcome,
		                    .naloxone = naloxone,
		                    .oxygen = oxygen,
		                    .ambulance = ambulance};
		return json_pack("{s:o, s:b, s:b, s:b, s:s}", "station",
		                 station ? json_string(station) : json_null(), "naloxone", naloxone,
		                 "oxygen", oxygen, "ambulance", ambulance, "outcome", outcome);
	}
	if (!strcmp(kind, "referral")) {
		static const char *const known[] = {"v", "kind", "time", "type", NULL};
		const char *type;
		if (ank_http_only_known(j, known, bad) ||
		    get_code(j, "type", referral_types, &type, bad))
			return NULL;
		rec->code = type;
		return json_pack("{s:s}", "type", type);
	}
	if (!strcmp(kind, "incident")) {
		static const char *const known[] = {"v", "kind", "time", "text", NULL};
		const char *text;
		if (ank_http_only_known(j, known, bad) || get_str(j, "text", false, &text, bad) ||
		    check_text("text", text, INCIDENT_MAX_CHARS, 4 * INCIDENT_MAX_CHARS, bad))
			return NULL;
		return json_pack("{s:s}", "text", text);
	}
	static const char *const known[] = {"v", "kind", "time", "reason", NULL};
	const char *reason;
	if (ank_http_only_known(j, known, bad) ||
	    get_code(j, "reason", rejection_reasons, &reason, bad))
		return NULL;
	rec->code = reason;
	return json_pack("{s:s}", "reason", reason);
}

ank_reply ank_staff_record_post(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = site_body(c, &bad);
	if (!j)
		return bad;
	const char *kind;
	int64_t at = 0, now = ank_now_ms();
	json_t *body = NULL;
	if (get_code(j, "kind", record_kinds, &kind, &bad) || get_time(j, "time", true, &at, &bad))
		goto out;
	if (at > now + RECORD_FUTURE_MS) {
		bad = ank_http_bad_field("time", "is in the future");
		goto out;
	}
	ank_record rec;
	body = record_body(j, kind, &rec, &bad);
	if (!body)
		goto out;
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	ank_err err;
	long long id = text ? ank_cstore_record_add(c->cs, c->param[0], &rec, text, at ? at : now,
	                                            c->acct.id, now, &err)
	                    : -1;
	free(text);
	if (id < 0) {
		bad = ank_http_error(ANK_ERR_UNAVAILABLE, "cannot store the record now");
		goto out;
	}
	ank_log(ANK_LOG_INFO, "staff", "'%s' recorded %s %lld at site %s", c->acct.name, kind, id,
	        c->param[0]);
	bad = ank_http_json(201, json_pack("{s:i, s:I}", "v", 1, "record", (json_int_t)id));
out:
	json_decref(body);
	json_decref(j);
	return bad;
}

/* ---- users ---- */

/* A registry entry without id, checked as the kiosk's import checks it (docs/formats.md)
 * and with a nickname the kiosk's search can find. */
static int user_from_json(json_t *j, ank_cuser *u, ank_reply *bad)
{
	static const char *const known[] = {"v",
	                                    "nickname",
	                                    "birth_year",
	                                    "gender",
	                                    "municipality",
	                                    "consent_version",
	                                    "consent_at",
	                                    "language",
	                                    "quarantine_until",
	                                    "site",
	                                    NULL};
	memset(u, 0, sizeof *u);
	if (json_object_get(j, "id")) {
		*bad = ank_http_bad_field("id", "is assigned by central; leave it out");
		return -1;
	}
	const char *nick, *gender, *muni, *consent, *lang;
	if (ank_http_only_known(j, known, bad) || get_str(j, "nickname", false, &nick, bad) ||
	    check_text("nickname", nick, NICK_MAX_CHARS, NICK_MAX_BYTES, bad))
		return -1;
	if (ank_text_word_chars(nick) < NICK_MIN_WORD_CHARS) {
		*bad = ank_http_bad_field("nickname",
		                          "needs at least 2 letters or digits to be found");
		return -1;
	}
	json_t *by = json_object_get(j, "birth_year");
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (!json_is_integer(by) || json_integer_value(by) < 1900 ||
	    json_integer_value(by) > tm.tm_year + 1900) {
		*bad = ank_http_bad_field("birth_year", "must be a year from 1900 to this year");
		return -1;
	}
	if (get_str(j, "gender", false, &gender, bad) ||
	    get_str(j, "municipality", false, &muni, bad) ||
	    get_str(j, "consent_version", true, &consent, bad) ||
	    get_str(j, "language", true, &lang, bad) ||
	    get_time(j, "consent_at", true, &u->consent_ms, bad) ||
	    get_time(j, "quarantine_until", true, &u->quarantine_until_ms, bad))
		return -1;
	if (!ank_gender_find(gender)) {
		*bad = ank_http_bad_field("gender", "must be one of: female male other unknown");
		return -1;
	}
	if (!ank_municipality_find(muni)) {
		*bad = ank_http_bad_field(
		        "municipality", "must be an official three-digit code, abroad or unknown");
		return -1;
	}
	if (consent && check_text("consent_version", consent, (long)sizeof u->consent_version - 1,
	                          sizeof u->consent_version - 1, bad))
		return -1;
	if (lang && (strlen(lang) < 2 || strlen(lang) > 3 ||
	             strspn(lang, "abcdefghijklmnopqrstuvwxyz") != strlen(lang))) {
		*bad = ank_http_bad_field("language", "must be 2-3 lowercase letters");
		return -1;
	}
	snprintf(u->nickname, sizeof u->nickname, "%s", nick);
	u->birth_year = (int)json_integer_value(by);
	snprintf(u->gender, sizeof u->gender, "%s", gender);
	snprintf(u->municipality, sizeof u->municipality, "%s", muni);
	snprintf(u->consent_version, sizeof u->consent_version, "%s", consent ? consent : "");
	snprintf(u->language, sizeof u->language, "%s", lang ? lang : "");
	return 0;
}

ank_reply ank_staff_user_post(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	ank_cuser u;
	const char *site = NULL;
	int rc = user_from_json(j, &u, &bad);
	if (rc == 0)
		rc = get_str(j, "site", true, &site, &bad);
	if (rc == 0 && site && !ank_text_is_slug(site, ANK_CS_ID_MAX)) {
		bad = ank_http_bad_field("site", "must be a site id");
		rc = -1;
	}
	/* Staff register at their own site; an admin says at which. */
	if (rc == 0 && !c->acct.admin && site && strcmp(site, c->acct.site) != 0) {
		bad = ank_http_error(ANK_ERR_FORBIDDEN, "staff register users at their own site");
		rc = -1;
	} else if (rc == 0 && c->acct.admin && !site) {
		bad = ank_http_bad_field("site", "missing: the site where the user registers");
		rc = -1;
	} else if (rc == 0) {
		snprintf(u.site, sizeof u.site, "%s", site ? site : c->acct.site);
	}
	json_decref(j);
	if (rc) {
		sodium_memzero(u.nickname, sizeof u.nickname);
		return bad;
	}
	ank_err err;
	int sites = 0;
	ank_cs_rc added = ank_cstore_user_add(c->cs, &u, c->acct.id, ank_now_ms(), &sites, &err);
	sodium_memzero(u.nickname, sizeof u.nickname);
	if (added == ANK_CS_DB) {
		ank_log(ANK_LOG_ERROR, "staff", "user: %s", err.msg);
		return ank_http_cs_error(added, "cannot store the user now");
	}
	if (added != ANK_CS_OK)
		return ank_http_cs_error(added, err.msg);
	/* Ids only in the log: never a nickname (docs/privacy.md). */
	ank_log(ANK_LOG_INFO, "staff",
	        "'%s' registered user %s at site %s (home municipality %s, %d sites)", c->acct.name,
	        u.id, u.site, u.municipality, sites);
	return ank_http_json(201, json_pack("{s:i, s:s, s:i}", "v", 1, "id", u.id, "sites", sites));
}

ank_reply ank_staff_user_delete(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	/* {"v": 1, "confirm": true}: a deletion cannot be undone, so it is asked for by name. */
	static const char *const known[] = {"v", "confirm", NULL};
	if (ank_http_only_known(j, known, &bad)) {
		json_decref(j);
		return bad;
	}
	bool confirmed = json_is_true(json_object_get(j, "confirm"));
	json_decref(j);
	if (!confirmed)
		return ank_http_bad_field("confirm",
		                          "must be true: deleting a user cannot be undone");
	ank_err err;
	int sites = 0;
	ank_cs_rc rc = ank_cstore_user_delete(c->cs, c->param[0], ank_now_ms(), &sites, &err);
	if (rc != ANK_CS_OK)
		return ank_http_cs_error(rc, rc == ANK_CS_UNKNOWN ? "unknown user"
		                                                  : "cannot delete the user now");
	ank_log(ANK_LOG_INFO, "admin", "'%s' deleted user %s everywhere (%d sites)", c->acct.name,
	        c->param[0], sites);
	return ank_http_json(200, json_pack("{s:i, s:s, s:b, s:i}", "v", 1, "user", c->param[0],
	                                    "deleted", 1, "sites", sites));
}

ank_reply ank_staff_quarantine(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "until", NULL};
	int64_t until = 0;
	if (ank_http_only_known(j, known, &bad))
		goto fail;
	if (!json_object_get(j, "until")) {
		bad = ank_http_bad_field("until", "missing (null lifts the quarantine)");
		goto fail;
	}
	if (get_time(j, "until", true, &until, &bad))
		goto fail;
	int64_t now = ank_now_ms();
	if (until > now + ANK_QUARANTINE_MAX_MS) {
		char why[96];
		snprintf(why, sizeof why, "at most %lld days from now",
		         ANK_QUARANTINE_MAX_MS / (24 * 3600 * 1000));
		bad = ank_http_bad_field("until", why);
		goto fail;
	}
	json_t *until_json = json_incref(json_object_get(j, "until"));
	json_decref(j);
	ank_err err;
	int sites = 0;
	/* Staff change only what their own site enforces; an admin any. */
	ank_cs_rc rc = ank_cstore_user_quarantine(
	        c->cs, c->param[0], c->acct.admin ? NULL : c->acct.site, until, now, &sites, &err);
	if (rc != ANK_CS_OK) {
		json_decref(until_json);
		if (rc == ANK_CS_FORBIDDEN)
			ank_log(ANK_LOG_WARN, "staff", "'%s' of site %s refused: %s", c->acct.name,
			        c->acct.site, err.msg);
		return ank_http_cs_error(rc, rc == ANK_CS_UNKNOWN ? "unknown user"
		                             : rc == ANK_CS_FORBIDDEN
		                                     ? "staff change only the quarantines of users"
		                                       " registered at their sites"
		                                     : "cannot store the quarantine now");
	}
	ank_log(ANK_LOG_INFO, "staff", "'%s' %s the quarantine of user %s (%d sites)", c->acct.name,
	        until ? "set" : "lifted", c->param[0], sites);
	return ank_http_json(200, json_pack("{s:i, s:s, s:o, s:i}", "v", 1, "user", c->param[0],
	                                    "until", until_json, "sites", sites));
fail:
	json_decref(j);
	return bad;
}

/* ---- accounts ---- */

ank_reply ank_staff_account_post(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "user", "password", "role", "site", NULL};
	static const char *const roles[] = {"staff", "admin", NULL};
	const char *user, *password, *role, *site;
	if (ank_http_only_known(j, known, &bad) || get_slug(j, "user", false, &user, &bad) ||
	    get_str(j, "password", false, &password, &bad) ||
	    get_code(j, "role", roles, &role, &bad) || get_slug(j, "site", true, &site, &bad)) {
		json_decref(j);
		return bad;
	}
	bool admin = !strcmp(role, "admin");
	snprintf(c->audit_object, sizeof c->audit_object, "%s: %s%s%s", user, role,
	         site ? " of " : "", site ? site : "");
	ank_err err;
	ank_cs_rc rc =
	        ank_cstore_account_add(c->cs, user, password, admin, site, ank_now_ms(), &err);
	ank_reply r;
	if (rc == ANK_CS_OK) {
		ank_log(ANK_LOG_INFO, "admin", "'%s' added %s account '%s'", c->acct.name, role,
		        user);
		r = ank_http_json(201,
		                  json_pack("{s:i, s:s, s:s, s:o}", "v", 1, "user", user, "role",
		                            role, "site", site ? json_string(site) : json_null()));
	} else if (rc != ANK_CS_DB) {
		r = ank_http_cs_error(rc, err.msg);
	} else {
		ank_log(ANK_LOG_ERROR, "admin", "account: %s", err.msg);
		r = ank_http_cs_error(rc, "cannot store the account now");
	}
	json_decref(j);
	return r;
}

/* ---- content sent down: a site's config and screen texts ---- */

/* The change payload p as central will store it (compact, sorted keys), refused with a 400
 * naming `field` when it is more than one change may carry. Takes the reference to p.
 * Returns a malloc'd text the caller frees, or NULL with *bad. */
static char *content_payload(json_t *p, const char *field, ank_reply *bad)
{
	char *text = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(p);
	if (!text) {
		*bad = ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory");
		return NULL;
	}
	size_t n = strlen(text);
	if (n > ANK_PROTO_MAX_PAYLOAD) {
		char rule[96];
		snprintf(rule, sizeof rule, "makes a change of %zu bytes, more than %d", n,
		         ANK_PROTO_MAX_PAYLOAD);
		free(text);
		*bad = ank_http_bad_field(field, rule);
		return NULL;
	}
	return text;
}

/* messages: 1..CATALOG_MESSAGES_MAX texts by catalog key. The kiosk checks the rest (known
 * keys, the same {placeholders}) against its shipped catalog. 0, or -1 with *bad. */
static int check_messages(json_t *m, ank_reply *bad)
{
	if (!json_is_object(m) || json_object_size(m) == 0 ||
	    json_object_size(m) > CATALOG_MESSAGES_MAX) {
		char rule[96];
		snprintf(rule, sizeof rule, "must be an object of 1-%d texts by key",
		         CATALOG_MESSAGES_MAX);
		*bad = ank_http_bad_field("messages", rule);
		return -1;
	}
	const char *key;
	json_t *v;
	json_object_foreach(m, key, v)
	{
		char name[ANK_HTTP_ECHO_MAX + 16], shown[ANK_HTTP_ECHO_MAX + 1];
		ank_http_echo(shown, key);
		snprintf(name, sizeof name, "messages.%s", shown);
		size_t kn = strlen(key);
		if (kn == 0 || kn > CATALOG_KEY_MAX ||
		    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789._") != kn) {
			char rule[64];
			snprintf(rule, sizeof rule, "key must be 1-%d of a-z 0-9 . _",
			         CATALOG_KEY_MAX);
			*bad = ank_http_bad_field(name, rule);
			return -1;
		}
		/* A text, or a plural text as its forms (strings) in CLDR order. */
		size_t forms = json_is_array(v) ? json_array_size(v) : 1;
		if ((!json_is_string(v) && !json_is_array(v)) || forms == 0 ||
		    forms > ANK_I18N_MAX_PLURALS) {
			*bad = ank_http_bad_field(
			        name, "must be a string, or an array of a plural text's forms");
			return -1;
		}
		for (size_t f = 0; f < forms; f++) {
			json_t *t = json_is_array(v) ? json_array_get(v, f) : v;
			/* The parser has checked the UTF-8; a NUL would cut the text on the kiosk.
			 */
			size_t n = json_is_string(t) ? json_string_length(t) : 0;
			if (!json_is_string(t) || strlen(json_string_value(t)) != n || n == 0 ||
			    n > CATALOG_TEXT_MAX) {
				char rule[64];
				snprintf(rule, sizeof rule,
				         "must be 1-%d bytes of text without NUL",
				         CATALOG_TEXT_MAX);
				*bad = ank_http_bad_field(name, rule);
				return -1;
			}
		}
	}
	return 0;
}

/* Each text of a key central's own catalogs have (the kiosks' are the same release's)
 * against them: other placeholders or the wrong number of plural forms is refused here,
 * with the reason, instead of being skipped later by every kiosk. A key central does not
 * know goes on as before: a newer kiosk may have it, and each kiosk checks every text. */
static int check_against_catalogs(const ank_i18n *i18n, const char *lang, json_t *m, ank_reply *bad)
{
	if (!i18n)
		return 0;
	const char *key;
	json_t *v;
	json_object_foreach(m, key, v)
	{
		ank_err err;
		const char *known = ank_i18n_get(i18n, lang, key);
		if (known == key || ank_i18n_review(i18n, lang) == NULL)
			continue; /* not in central's catalogs (ank_i18n_get returns the key itself)
			           */
		if (ank_i18n_override_value_check(i18n, lang, key, v, &err)) {
			char name[ANK_HTTP_ECHO_MAX + 16], shown[ANK_HTTP_ECHO_MAX + 1];
			ank_http_echo(shown, key);
			snprintf(name, sizeof name, "messages.%s", shown);
			*bad = ank_http_bad_field(name, err.msg);
			return -1;
		}
	}
	return 0;
}

ank_reply ank_staff_catalog_post(ank_http_ctx *c)
{
	const char *lang = c->param[0];
	size_t ln = strlen(lang);
	if (ln < 2 || ln > 3 || strspn(lang, "abcdefghijklmnopqrstuvwxyz") != ln)
		return ank_http_bad_field("lang", "must be 2-3 lowercase letters");
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "messages", NULL};
	char *payload = NULL;
	json_t *m = json_object_get(j, "messages");
	if (ank_http_only_known(j, known, &bad) || check_messages(m, &bad) ||
	    check_against_catalogs(ank_web_i18n(ank_http_web(c->srv)), lang, m, &bad))
		goto out;
	payload = content_payload(json_pack("{s:s, s:O}", "lang", lang, "messages", m), "messages",
	                          &bad);
	if (!payload)
		goto out;
	ank_err err;
	/* No site: one change that every site's kiosks read. */
	long long id = ank_cstore_change_add(c->cs, NULL, ank_chg_name(ANK_CHG_CATALOG), payload,
	                                     ank_now_ms(), &err);
	if (id < 0) {
		ank_log(ANK_LOG_ERROR, "admin", "catalog: %s", err.msg);
		bad = ank_http_error(ANK_ERR_UNAVAILABLE, "cannot store the texts now");
	} else {
		ank_log(ANK_LOG_INFO, "admin", "'%s' sent %zu %s texts to every site (change %lld)",
		        c->acct.name, json_object_size(m), lang, id);
		bad = ank_http_json(202, json_pack("{s:i, s:I}", "v", 1, "change", (json_int_t)id));
	}
out:
	free(payload);
	json_decref(j);
	return bad;
}

/* ---- the console: alarms, looking users up, municipalities ---- */

ank_reply ank_staff_alarm_post(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = site_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "kiosk", "station", "ticket", "level", NULL};
	static const char *const levels[] = {"warn", "alarm", NULL};
	const char *kiosk, *station, *level;
	json_t *t = json_object_get(j, ANK_FN(TICKET));
	if (ank_http_only_known(j, known, &bad) || get_slug(j, "kiosk", false, &kiosk, &bad) ||
	    get_slug(j, ANK_FN(STATION), false, &station, &bad) ||
	    get_code(j, "level", levels, &level, &bad))
		goto fail;
	if (!json_is_integer(t) || json_integer_value(t) < 1) {
		bad = ank_http_bad_field(ANK_FN(TICKET), "must be a ticket id >= 1");
		goto fail;
	}
	ank_err err;
	long long id;
	int64_t now = ank_now_ms();
	ank_cs_rc rc = ank_cstore_alarm_ack(c->cs, c->param[0], kiosk, station,
	                                    (long long)json_integer_value(t), level, c->acct.name,
	                                    now, &id, &err);
	if (rc != ANK_CS_OK) {
		bad = ank_http_cs_error(rc, rc == ANK_CS_UNKNOWN
		                                    ? "no such station at this site"
		                                    : "cannot store the acknowledgement");
		goto fail;
	}
	ank_log(ANK_LOG_INFO, "staff", "'%s' acknowledged the %s of station %s (%s)", c->acct.name,
	        level, station, c->param[0]);
	json_decref(j);
	return ank_http_json(201, json_pack("{s:i, s:I, s:s, s:I}", "v", 1, "ack", (json_int_t)id,
	                                    "by", c->acct.name, "at_ms", (json_int_t)now));
fail:
	json_decref(j);
	return bad;
}

/* "I'm on it": a staff member takes a kiosk's help request, which leaves the queue view. */
ank_reply ank_staff_help_post(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = site_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "kiosk", "id", NULL};
	const char *kiosk;
	json_t *idj = json_object_get(j, ANK_FN(ID));
	if (ank_http_only_known(j, known, &bad) || get_slug(j, "kiosk", false, &kiosk, &bad))
		goto fail;
	if (!json_is_integer(idj) || json_integer_value(idj) < 1) {
		bad = ank_http_bad_field(ANK_FN(ID), "must be a help request id >= 1");
		goto fail;
	}
	ank_err err;
	bool created = false;
	char by[ANK_CS_ID_MAX + 1] = "";
	int64_t at = 0, now = ank_now_ms();
	long long id = (long long)json_integer_value(idj);
	ank_cs_rc rc = ank_cstore_help_ack(c->cs, c->param[0], kiosk, id, c->acct.name, now,
	                                   &created, by, &at, &err);
	if (rc != ANK_CS_OK) {
		bad = ank_http_cs_error(rc, rc == ANK_CS_UNKNOWN
		                                    ? "no such help request at this site"
		                                    : "cannot store that you took it");
		goto fail;
	}
	if (created)
		ank_log(ANK_LOG_INFO, "staff", "'%s' took help request %lld of kiosk %s (%s)",
		        c->acct.name, id, kiosk, c->param[0]);
	json_t *out = json_pack("{s:i, s:s, s:I, s:s, s:I}", "v", 1, "kiosk", kiosk, ANK_FN(ID),
	                        (json_int_t)id, "by", by, "at_ms", (json_int_t)at);
	json_decref(j);
	return ank_http_json(created ? 201 : 200, out);
fail:
	json_decref(j);
	return bad;
}

/* A time as the API writes it, or null. */
static json_t *iso_or_null(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	char buf[32];
	ank_iso_format(ms, buf, sizeof buf);
	return json_string(buf);
}

ank_reply ank_staff_users_get(ank_http_ctx *c)
{
	const char *q = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "nickname");
	const char *exact_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "exact");
	bool exact = exact_s && !strcmp(exact_s, "1");
	ank_reply bad = {0};
	if (!q || check_text("nickname", q, NICK_MAX_CHARS, NICK_MAX_BYTES, &bad) ||
	    ank_text_word_chars(q) < NICK_MIN_WORD_CHARS) {
		free(bad.body);
		return ank_http_bad_field(
		        "nickname", "give at least 2 letters or digits, at most 40 characters");
	}
	if (exact_s && strcmp(exact_s, "1") != 0 && strcmp(exact_s, "0") != 0)
		return ank_http_bad_field("exact", "must be 0 or 1");
	ank_cuser *hits = calloc(ANK_USERS_FIND_MAX, sizeof *hits);
	if (!hits)
		return ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory");
	int n = 0;
	bool more = false;
	ank_err err;
	ank_cs_rc rc = ank_cstore_users_find(c->cs, c->acct.admin ? NULL : c->acct.site, q, exact,
	                                     hits, &n, &more, &err);
	if (rc != ANK_CS_OK) {
		free(hits);
		return ank_http_cs_error(rc, "cannot look users up now");
	}
	json_t *users = json_array();
	for (int i = 0; i < n; i++) {
		const ank_cuser *u = &hits[i];
		json_array_append_new(
		        users, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
		                         u->id, "nickname", u->nickname, "birth_year",
		                         u->birth_year ? json_integer(u->birth_year) : json_null(),
		                         "gender", text_or_null(u->gender), "municipality",
		                         text_or_null(u->municipality), "language",
		                         text_or_null(u->language), "consent_version",
		                         text_or_null(u->consent_version), "quarantine_until",
		                         iso_or_null(u->quarantine_until_ms), "site",
		                         text_or_null(u->site)));
	}
	free(hits);
	return ank_http_json(200,
	                     json_pack("{s:i, s:o, s:b}", "v", 1, "users", users, "more", more));
}

ank_reply ank_staff_municipalities(ank_http_ctx *c)
{
	(void)c;
	json_t *list = json_array();
	for (size_t i = 0; i < ank_municipality_count(); i++) {
		const ank_municipality_info *m = ank_municipality_at(i);
		json_array_append_new(list,
		                      json_pack("{s:s, s:s}", "code", m->code, "name", m->name));
	}
	return ank_http_json(200, json_pack("{s:i, s:o}", "v", 1, "municipalities", list));
}

/* ---- the ticket check ---- */

/* POST /api/v1/sites/{site}/tickets/check: staff hold a ticket's QR reference against the
 * site's key and the queue as its kiosks report it. A reference that is not one is an answer
 * (valid false, reason format), not an error; only a body that is not the route's form is. */
ank_reply ank_staff_ticket_check(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = site_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "ref", NULL};
	const char *ref;
	if (ank_http_only_known(j, known, &bad) || get_str(j, "ref", false, &ref, &bad)) {
		json_decref(j);
		return bad;
	}
	if (strlen(ref) >= ANK_TICKETREF_MAX) {
		json_decref(j);
		char rule[64];
		snprintf(rule, sizeof rule, "must be at most %d characters", ANK_TICKETREF_MAX - 1);
		return ank_http_bad_field("ref", rule);
	}
	ank_cs_ticket_check tc;
	ank_err err;
	ank_cs_rc rc = ank_cstore_ticket_check(c->cs, c->param[0], ref, ank_now_ms(), &tc, &err);
	json_decref(j);
	if (rc != ANK_CS_OK) {
		ank_log(ANK_LOG_ERROR, "staff", "ticket check at %s: %s", c->param[0], err.msg);
		return ank_http_cs_error(rc, "cannot check the ticket now");
	}
	json_t *ticket = json_null();
	if (tc.found)
		ticket = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "kiosk", tc.ticket.kiosk,
		                   ANK_FN(TICKET), (json_int_t)tc.ticket.ticket, ANK_FN(LABEL),
		                   tc.ticket.label, ANK_FN(DAY), tc.ticket.day, ANK_FN(ROUTE),
		                   tc.ticket.route, ANK_FN(STATE), tc.ticket.state, ANK_FN(STATION),
		                   text_or_null(tc.ticket.station));
	const char *reason = ank_tcheck_code(tc.verdict);
	return ank_http_json(200, json_pack("{s:i, s:b, s:o, s:o}", "v", 1, "valid",
	                                    tc.verdict == ANK_TCHECK_VALID, "reason",
	                                    reason ? json_string(reason) : json_null(), "ticket",
	                                    ticket ? ticket : json_null()));
}

/* ---- the administrators' console (docs/api.md "Administration") ---- */

/* A time in ms as JSON: null for 0 (never). */
static json_t *ms_or_null(int64_t ms)
{
	return ms ? json_integer(ms) : json_null();
}

ank_reply ank_admin_sites(ank_http_ctx *c)
{
	ank_site *sites;
	int n;
	ank_err err;
	if (ank_cstore_sites_list(c->cs, &sites, &n, &err)) {
		ank_log(ANK_LOG_ERROR, "admin", "sites: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the sites now");
	}
	json_t *list = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "site", sites[i].id,
		                                      "name", sites[i].name, "municipality",
		                                      sites[i].municipality));
	free(sites);
	return ank_http_json(200, json_pack("{s:i, s:o}", "v", 1, "sites", list));
}

/* The same store call as `ankomst-central pair-kiosk`: the code is shown once, here. */
ank_reply ank_admin_pair_code(ank_http_ctx *c)
{
	ank_reply bad;
	if (site_exists(c, &bad) || ank_http_bare_body(c, &bad))
		return bad;
	char code[ANK_PAIR_CODE_LEN + 3];
	ank_err err;
	int64_t now = ank_now_ms();
	ank_cs_rc rc = ank_cstore_pair_code(c->cs, c->param[0], now, code, &err);
	if (rc != ANK_CS_OK)
		return ank_http_cs_error(rc,
		                         rc == ANK_CS_UNKNOWN ? err.msg : "cannot make a code now");
	ank_log(ANK_LOG_INFO, "admin", "'%s' made a pairing code for site %s", c->acct.name,
	        c->param[0]);
	ank_reply r = ank_http_json(201, json_pack("{s:i, s:s, s:s, s:I}", "v", 1, "site",
	                                           c->param[0], "code", code, "expires_ms",
	                                           (json_int_t)(now + ANK_PAIR_CODE_TTL_MS)));
	sodium_memzero(code, sizeof code);
	return r;
}

ank_reply ank_admin_kiosks(ank_http_ctx *c)
{
	ank_kiosk_info *ks;
	int n;
	ank_err err;
	int64_t now = ank_now_ms();
	if (ank_cstore_kiosks_list(c->cs, now, &ks, &n, &err)) {
		ank_log(ANK_LOG_ERROR, "admin", "kiosks: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the kiosks now");
	}
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		const ank_kiosk_info *k = &ks[i];
		json_t *o = json_pack(
		        "{s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:I, s:o}", "kiosk", k->id,
		        "site", k->site, "paired_ms", ms_or_null(k->paired_ms), "last_seen_ms",
		        ms_or_null(k->last_seen_ms), "last_event_ms", ms_or_null(k->last_event_ms),
		        "revoked_ms", ms_or_null(k->revoked_ms), "online", k->online, "unsent",
		        k->has_unsent ? json_integer(k->unsent) : json_null(), "clock_skew_ms",
		        k->skewed ? json_integer(k->clock_skew_ms) : json_null(), "acked",
		        (json_int_t)k->acked, "version",
		        k->version[0] ? json_string(k->version) : json_null());
		json_array_append_new(list, o);
	}
	free(ks);
	return ank_http_json(200, json_pack("{s:i, s:I, s:o}", "v", 1, "server_ms", (json_int_t)now,
	                                    "kiosks", list));
}

ank_reply ank_admin_kiosk_revoke(ank_http_ctx *c)
{
	ank_reply bad;
	if (ank_http_bare_body(c, &bad))
		return bad;
	char site[ANK_CS_ID_MAX + 1];
	ank_err err;
	ank_cs_rc rc = ank_cstore_kiosk_revoke(c->cs, c->param[0], ank_now_ms(), site, &err);
	if (rc != ANK_CS_OK) {
		if (rc == ANK_CS_DB)
			ank_log(ANK_LOG_ERROR, "admin", "revoke: %s", err.msg);
		return ank_http_cs_error(rc, rc == ANK_CS_DB ? "cannot revoke now" : err.msg);
	}
	/* A long-poll the kiosk holds now is answered 401 at once, not at the end of its wait. */
	if (ank_http_serve(c->srv))
		ank_serve_wake_site(ank_http_serve(c->srv), site);
	ank_log(ANK_LOG_INFO, "admin", "'%s' revoked kiosk %s of site %s", c->acct.name,
	        c->param[0], site);
	return ank_http_json(200, json_pack("{s:i, s:s, s:s, s:b}", "v", 1, "kiosk", c->param[0],
	                                    "site", site, "revoked", 1));
}

ank_reply ank_admin_accounts(ank_http_ctx *c)
{
	ank_account_info *as;
	int n;
	ank_err err;
	if (ank_cstore_accounts_list(c->cs, &as, &n, &err)) {
		ank_log(ANK_LOG_ERROR, "admin", "accounts: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the accounts now");
	}
	json_t *list = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(
		        list, json_pack("{s:s, s:s, s:o, s:I, s:o}", "user", as[i].a.name, "role",
		                        as[i].a.admin ? "admin" : "staff", "site",
		                        as[i].a.admin ? json_null() : json_string(as[i].a.site),
		                        "created_ms", (json_int_t)as[i].created_ms, "disabled_ms",
		                        ms_or_null(as[i].disabled_ms)));
	free(as);
	return ank_http_json(200, json_pack("{s:i, s:o}", "v", 1, "accounts", list));
}

/* One change of an account per request: {"disabled": bool}, {"role", "site"} or
 * {"password"}. Each ends the account's sessions. */
ank_reply ank_admin_account_change(ank_http_ctx *c)
{
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "disabled", "role", "site", "password", NULL};
	static const char *const roles[] = {"staff", "admin", NULL};
	const char *user = c->param[0];
	bool has_disabled = json_object_get(j, "disabled") != NULL;
	bool has_role = json_object_get(j, "role") != NULL;
	bool has_password = json_object_get(j, "password") != NULL;
	ank_err err;
	ank_cs_rc rc = ANK_CS_OK;
	const char *what = "";
	if (ank_http_only_known(j, known, &bad))
		goto fail;
	if (has_disabled + has_role + has_password != 1) {
		bad = ank_http_bad_field(
		        "disabled", "give exactly one of disabled, role (with site), password");
		goto fail;
	}
	if (!has_role && json_object_get(j, "site")) {
		bad = ank_http_bad_field("site", "goes with role");
		goto fail;
	}
	if (has_disabled) {
		bool disabled;
		if (get_bool(j, "disabled", &disabled, &bad))
			goto fail;
		what = disabled ? "disabled" : "enabled";
		rc = ank_cstore_account_disable(c->cs, user, disabled, c->acct.id, ank_now_ms(),
		                                &err);
	} else if (has_role) {
		const char *role, *site;
		if (get_code(j, "role", roles, &role, &bad) ||
		    get_slug(j, "site", true, &site, &bad))
			goto fail;
		what = role;
		rc = ank_cstore_account_role(c->cs, user, !strcmp(role, "admin"), site, c->acct.id,
		                             &err);
	} else {
		const char *password;
		if (get_str(j, "password", false, &password, &bad))
			goto fail;
		what = "password reset";
		rc = ank_cstore_account_password(c->cs, user, password, &err);
	}
	/* what may point into j (the role): the audit object keeps a copy first. */
	snprintf(c->audit_object, sizeof c->audit_object, "%s: %s", user, what);
	json_decref(j);
	what = c->audit_object + strlen(user) + 2;
	if (rc == ANK_CS_DB) {
		ank_log(ANK_LOG_ERROR, "admin", "account %s: %s", user, err.msg);
		return ank_http_cs_error(rc, "cannot change the account now");
	}
	if (rc != ANK_CS_OK)
		return ank_http_cs_error(rc, err.msg);
	ank_log(ANK_LOG_INFO, "admin", "'%s' changed account '%s': %s", c->acct.name, user, what);
	return ank_http_json(200,
	                     json_pack("{s:i, s:s, s:s}", "v", 1, "user", user, "change", what));
fail:
	json_decref(j);
	return bad;
}

/* A query parameter that must be a slug-like filter value (an account name or a route
 * name): NULL when absent; -1 with *bad when of another form. */
static int query_filter(ank_http_ctx *c, const char *name, size_t max, const char **out,
                        ank_reply *bad)
{
	*out = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
	if (*out && !**out)
		*out = NULL;
	/* Actors are slugs, or "kiosk PIN". */
	if (*out && strcmp(*out, ANK_AUDIT_KIOSK_PIN) != 0 && !ank_text_is_slug(*out, max)) {
		*bad = ank_http_bad_field(name, "must be a name of letters, digits, - or _");
		return -1;
	}
	return 0;
}

/* A query parameter that is a day YYYY-MM-DD (UTC): its first ms into *ms (0 when absent). */
static int query_day(ank_http_ctx *c, const char *name, int64_t *ms, ank_reply *bad)
{
	const char *v = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
	*ms = 0;
	if (!v || !*v)
		return 0;
	char iso[32];
	snprintf(iso, sizeof iso, "%.10sT00:00:00Z", v);
	if (strlen(v) != 10 || ank_iso_parse(iso, ms) || *ms <= 0) {
		*bad = ank_http_bad_field(name, "must be a day YYYY-MM-DD");
		return -1;
	}
	return 0;
}

ank_reply ank_admin_audit(ank_http_ctx *c)
{
	ank_reply bad;
	ank_audit_filter f = {.limit = ANK_AUDIT_LIST_MAX};
	const char *limit_s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "limit");
	long limit = ANK_AUDIT_LIST_MAX;
	if (query_filter(c, "actor", ANK_CS_ID_MAX, &f.actor, &bad) ||
	    query_filter(c, "action", ANK_AUDIT_ACTION_MAX, &f.action, &bad) ||
	    query_day(c, "from", &f.from_ms, &bad) || query_day(c, "to", &f.to_ms, &bad))
		return bad;
	if (limit_s && ank_parse_long(limit_s, 1, ANK_AUDIT_LIST_MAX, &limit)) {
		char rule[48];
		snprintf(rule, sizeof rule, "must be 1-%d", ANK_AUDIT_LIST_MAX);
		return ank_http_bad_field("limit", rule);
	}
	f.limit = (int)limit;
	/* "to" is inclusive: the whole day. */
	if (f.to_ms)
		f.to_ms += 24LL * 3600 * 1000;
	ank_audit_entry *rows;
	int n;
	ank_err err;
	if (ank_cstore_audit_list(c->cs, &f, &rows, &n, &err)) {
		ank_log(ANK_LOG_ERROR, "admin", "audit: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the audit log now");
	}
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		const ank_audit_entry *e = &rows[i];
		json_array_append_new(
		        list,
		        json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
		                  (json_int_t)e->id, "at_ms", (json_int_t)e->at_ms, "actor",
		                  e->actor, "role", e->role, "addr", e->addr, "action", e->action,
		                  "object", e->object, "result", e->result, "hash", e->hash));
	}
	free(rows);
	return ank_http_json(200, json_pack("{s:i, s:o}", "v", 1, "entries", list));
}

/* The report over a period, as `ankomst-central report` gives it (report_make.c: the same
 * rules and errors): the JSON suppressed with the config's threshold, or with format=csv the
 * raw data (confidential, not suppressed) as a download. An empty parameter is none. */
ank_reply ank_admin_report(ank_http_ctx *c)
{
	const char *names[] = {"from", "to", "quarter", "year", "format"};
	const char *v[5];
	for (int i = 0; i < 5; i++) {
		v[i] = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, names[i]);
		if (v[i] && !*v[i])
			v[i] = NULL;
	}
	ank_report_ask ask = {.from = v[0],
	                      .to = v[1],
	                      .quarter = v[2],
	                      .year = v[3],
	                      .format = v[4],
	                      .below = ank_http_report_below(c->srv),
	                      .flag = ""};
	ank_report_out out;
	ank_err err;
	int rc = ank_report_make(c->cs, &ask, ank_now_ms(), &out, &err);
	if (rc > 0)
		return ank_http_error(ANK_ERR_BAD_REQUEST, err.msg);
	if (rc < 0) {
		ank_log(ANK_LOG_ERROR, "admin", "report: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot make the report now");
	}
	if (!out.csv)
		return (ank_reply){200, out.text, "application/json"};
	/* The file's name says what it is wherever it is saved. */
	snprintf(c->disposition, sizeof c->disposition,
	         "attachment; filename=\"ankomst-raw-%s-%s-CONFIDENTIAL.csv\"",
	         out.from[0] ? out.from : "start", out.to[0] ? out.to : "now");
	return (ank_reply){200, out.text, "text/csv; charset=utf-8"};
}
