/* The queue projection at central: each kiosk's tickets and stations as its events last
 * reported them (docs/formats.md "Outbox events"), kept up to date inside the ingest
 * transaction, read back as the staff API's queue view; also the command rows that
 * command.applied and command.refused events close. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_text.h"
#include "cstore_int.h"

/* A refusal reason from a kiosk is shown to staff; longer is cut. */
#define REASON_MAX 200

/* Runs one statement with binds described by fmt, one letter each: 's' a const char * (NULL
 * or "" binds NULL), 'i' a long long. Returns 0 or -1 with err. */
static int run(ank_cstore *cs, ank_err *err, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs, sql, &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	va_list ap;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i')
			sqlite3_bind_int64(s, i + 1, va_arg(ap, long long));
		else
			ank_cs_bind_opt(s, i + 1, va_arg(ap, const char *));
	}
	va_end(ap);
	int rc = sqlite3_step(s);
	ank_cs_end(cs, s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : ank_cs_fail(cs, err);
}

/* A string value (from ank_proto_payload_find) that the projection can store, copied into
 * buf (of ANK_CS_ID_MAX + 1 bytes): NULL when absent, not a string, or not a short id-like
 * text. */
static const char *str_at(const char *val, char *buf)
{
	long n = ank_proto_value_str(val, buf, ANK_CS_ID_MAX + 1);
	return n > 0 && n <= ANK_CS_ID_MAX && strlen(buf) == (size_t)n &&
	                       ank_utf8_valid_text(buf, (size_t)n)
	               ? buf
	               : NULL;
}

/* The same for member `key` of a payload. */
static const char *str_of(const char *p, const char *key, char *buf)
{
	const char *v;
	ank_proto_payload_find(p, &key, 1, &v);
	return str_at(v, buf);
}

/* An integer member, 0 when absent or not an integer. */
static long long int_of(const char *p, const char *key)
{
	long long v = 0;
	return ank_proto_payload_int(p, key, &v) == 0 ? v : 0;
}

/* One ticket as this batch left it: a row to write, or gone. */
typedef struct proj_row {
	long long ticket;
	bool gone;
	char label[ANK_CS_ID_MAX + 1], day[ANK_CS_ID_MAX + 1], route[ANK_CS_ID_MAX + 1],
	        substance[ANK_CS_ID_MAX + 1], state[ANK_CS_ID_MAX + 1], station[ANK_CS_ID_MAX + 1];
	long long assisted, since_ms;
} proj_row;

struct ank_cs_proj {
	int n;
	/* The newest day whose old no-shows were deleted from the database in this batch; ""
	 * when none. Within a batch the database's ticket rows change only by these deletes,
	 * so one for an earlier or the same day would find nothing. */
	char cleaned_day[ANK_CS_ID_MAX + 1];
	proj_row row[ANK_PROTO_MAX_BATCH];
};

ank_cs_proj *ank_cs_proj_new(void)
{
	ank_cs_proj *p = malloc(sizeof *p);
	if (p) {
		p->n = 0;
		p->cleaned_day[0] = '\0';
	}
	return p;
}

/* The batch's row of a ticket, added when new; a batch has at most one row per event. */
static proj_row *row_of(ank_cs_proj *p, long long ticket)
{
	for (int i = 0; i < p->n; i++)
		if (p->row[i].ticket == ticket)
			return &p->row[i];
	proj_row *r = &p->row[p->n++];
	r->ticket = ticket;
	return r;
}

/* Copies a checked field (NULL for none, which stores NULL) into a row. */
static void keep(char dst[ANK_CS_ID_MAX + 1], const char *src)
{
	snprintf(dst, ANK_CS_ID_MAX + 1, "%s", src ? src : "");
}

/* A new service day: yesterday's no-shows can no longer be requeued. Applied where each row
 * now is: the batch's rows in memory, the others in the database. */
static int clean_no_shows(ank_cstore *cs, ank_cs_proj *p, const char *kiosk, const char *day,
                          ank_err *err)
{
	for (int i = 0; i < p->n; i++) {
		proj_row *r = &p->row[i];
		if (!r->gone && !strcmp(r->state, "no_show") && strcmp(r->day, day) < 0)
			r->gone = true;
	}
	if (p->cleaned_day[0] && strcmp(day, p->cleaned_day) <= 0)
		return 0;
	keep(p->cleaned_day, day);
	/* This may also delete the stored row of a ticket the batch has moved on (say, a
	 * requeued no-show): the flush writes that ticket's whole row again. */
	return run(cs, err,
	           "DELETE FROM proj_ticket WHERE kiosk = ? AND day < ? AND state = 'no_show'",
	           "ss", kiosk, day);
}

/* Ticket events carry the whole ticket; terminal states leave the open queue. */
static int project_ticket(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk, const char *type,
                          long long at, const char *p, ank_err *err)
{
	/* One walk over the payload for every field: the ticket events are most of them. */
	enum { TICKET, LABEL, DAY, ROUTE, SUBSTANCE, STATE, STATION, HELPER, TO, NKEYS };
	static const char *const keys[NKEYS] = {"ticket", "label",   "day",    "route", "substance",
	                                        "state",  "station", "helper", "to"};
	const char *v[NKEYS];
	ank_proto_payload_find(p, keys, NKEYS, v);
	char b[NKEYS][ANK_CS_ID_MAX + 1];
	long long ticket = 0;
	ank_proto_value_int(v[TICKET], &ticket);
	const char *label = str_at(v[LABEL], b[LABEL]), *day = str_at(v[DAY], b[DAY]),
	           *route = str_at(v[ROUTE], b[ROUTE]),
	           *substance = str_at(v[SUBSTANCE], b[SUBSTANCE]),
	           *state = str_at(v[STATE], b[STATE]), *station = str_at(v[STATION], b[STATION]);
	long long assisted = str_at(v[HELPER], b[HELPER]) != NULL;
	if (ticket <= 0 || !label || !day || !route || !substance || !state)
		return 1;
	if (!strcmp(type, "ticket.transferred")) {
		/* The payload is the ticket before the move: it waits again on the new route. */
		route = str_at(v[TO], b[TO]);
		state = "waiting";
		station = NULL;
		if (!route)
			return 1;
	}
	if (!strcmp(state, "done") || !strcmp(state, "cancelled")) {
		row_of(pj, ticket)->gone = true;
		return 0;
	}
	if (!strcmp(type, "ticket.issued") && clean_no_shows(cs, pj, kiosk, day, err))
		return -1;
	proj_row *r = row_of(pj, ticket);
	r->gone = false;
	keep(r->label, label);
	keep(r->day, day);
	keep(r->route, route);
	keep(r->substance, substance);
	keep(r->state, state);
	keep(r->station, station);
	r->assisted = assisted;
	r->since_ms = at;
	return 0;
}

int ank_cs_proj_flush(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk, ank_err *err)
{
	int rc = 0;
	for (int i = 0; i < pj->n && !rc; i++) {
		const proj_row *r = &pj->row[i];
		if (r->gone)
			rc = run(cs, err, "DELETE FROM proj_ticket WHERE kiosk = ? AND ticket = ?",
			         "si", kiosk, r->ticket);
		else
			rc = run(cs, err,
			         "INSERT INTO proj_ticket(kiosk, ticket, label, day, route, "
			         "substance,"
			         " state, station, assisted, since_ms) VALUES (?,?,?,?,?,?,?,?,?,?)"
			         " ON CONFLICT(kiosk, ticket) DO UPDATE SET label = excluded.label,"
			         " day = excluded.day, route = excluded.route,"
			         " substance = excluded.substance, state = excluded.state,"
			         " station = excluded.station, assisted = excluded.assisted,"
			         " since_ms = excluded.since_ms",
			         "sissssssii", kiosk, r->ticket, r->label, r->day, r->route,
			         r->substance, r->state, r->station, r->assisted, r->since_ms);
	}
	pj->n = 0;
	pj->cleaned_day[0] = '\0';
	return rc;
}

static int project_station(ank_cstore *cs, const char *kiosk, long long at, const char *p,
                           ank_err *err)
{
	char b[2][ANK_CS_ID_MAX + 1];
	const char *station = str_of(p, "station", b[0]), *state = str_of(p, "state", b[1]);
	if (!station || !state)
		return 1;
	return run(cs, err,
	           "INSERT INTO proj_station(kiosk, station, state, since_ms, sort)"
	           " VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(sort), -1) + 1 FROM"
	           " proj_station WHERE kiosk = ?5))"
	           " ON CONFLICT(kiosk, station) DO UPDATE SET state = excluded.state,"
	           " since_ms = excluded.since_ms",
	           "sssis", kiosk, station, state, at, kiosk);
}

/* A config names the stations in their order: new ones start free (as on the kiosk), dropped
 * ones go. Configs are rare, so this one parses its payload into a tree. */
static int project_config(ank_cstore *cs, const char *kiosk, long long at, const char *text,
                          ank_err *err)
{
	json_t *p = json_loads(text, 0, NULL);
	json_t *ids = json_object_get(p, "stations");
	if (!json_is_array(ids)) {
		json_decref(p);
		return 1;
	}
	int rc = run(cs, err, "UPDATE proj_station SET sort = -1 WHERE kiosk = ?", "s", kiosk);
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		const char *id = json_string_value(v);
		if (rc || !id || !ank_text_is_slug(id, ANK_CS_ID_MAX))
			continue;
		long long sort = (long long)i;
		rc = run(cs, err,
		         "INSERT INTO proj_station(kiosk, station, state, since_ms, sort)"
		         " VALUES (?, ?, 'free', ?, ?) ON CONFLICT(kiosk, station) DO UPDATE SET"
		         " sort = excluded.sort",
		         "ssii", kiosk, id, at, sort);
	}
	json_decref(p);
	return rc ? rc
	          : run(cs, err, "DELETE FROM proj_station WHERE kiosk = ? AND sort = -1", "s",
	                kiosk);
}

static int project_frozen(ank_cstore *cs, const char *kiosk, long long frozen, ank_err *err)
{
	return run(cs, err, "UPDATE kiosk SET frozen = ? WHERE id = ?", "is", frozen, kiosk);
}

/* command.applied {"command":N,"ticket":T} and command.refused {"command":N,"reason":"..."}
 * close a command of the kiosk's own site that is still sent. */
static int project_command(ank_cstore *cs, const char *site, const char *type, long long at,
                           const char *p, ank_err *err)
{
	long long id = int_of(p, "command");
	if (id <= 0)
		return 1;
	if (!strcmp(type, "command.applied")) {
		return run(cs, err,
		           "UPDATE command SET state = 'applied', result_ticket = nullif(?, 0),"
		           " done_ms = ? WHERE id = ? AND site = ? AND state = 'sent'",
		           "iiis", int_of(p, "ticket"), at, id, site);
	}
	char reason[REASON_MAX + 1];
	if (ank_proto_payload_str(p, "reason", reason, sizeof reason) <= 0)
		snprintf(reason, sizeof reason, "%s", "no reason given");
	/* Cut at a character boundary, so the row stays valid UTF-8. */
	size_t n = strlen(reason);
	while (n > 0 && !ank_utf8_valid_text(reason, n))
		reason[--n] = '\0';
	return run(cs, err,
	           "UPDATE command SET state = 'refused', reason = ?, done_ms = ?"
	           " WHERE id = ? AND site = ? AND state = 'sent'",
	           "siis", reason, at, id, site);
}

int ank_cs_project(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk, const char *site,
                   const char *type, int64_t at, const char *payload, ank_err *err)
{
	static const char *const ticket_types[] = {
	        "ticket.issued",      "ticket.called",   "ticket.recalled",
	        "ticket.no_show",     "ticket.requeued", "ticket.cancelled",
	        "ticket.transferred", "session.started", "session.ended"};
	bool is_ticket = false;
	for (size_t i = 0; i < sizeof ticket_types / sizeof ticket_types[0]; i++)
		is_ticket = is_ticket || !strcmp(type, ticket_types[i]);
	bool is_command = !strcmp(type, "command.applied") || !strcmp(type, "command.refused");
	long long ms = at;
	int rc;
	/* Fields are read from the payload text as the decoder left it: parsing each payload
	 * into a tree cost a fifth of ingest time. */
	if (is_ticket)
		rc = project_ticket(cs, pj, kiosk, type, ms, payload, err);
	else if (is_command)
		rc = project_command(cs, site, type, ms, payload, err);
	else if (!strcmp(type, "station.state"))
		rc = project_station(cs, kiosk, ms, payload, err);
	else if (!strcmp(type, "site.config"))
		rc = project_config(cs, kiosk, ms, payload, err);
	else if (!strcmp(type, "site.frozen") || !strcmp(type, "site.resumed"))
		rc = project_frozen(cs, kiosk, !strcmp(type, "site.frozen") ? 1LL : 0LL, err);
	else
		rc = 0;
	/* 1: the event does not fit the format; it is stored all the same, and the view goes on
	 * from the next one. */
	return rc < 0 ? -1 : 0;
}

/* ---- the queue view ---- */

static json_t *text_or_null(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null()
	                                                : json_string(ank_cs_col(s, i));
}

/* The queue view's "config" from the newest config.applied or config.refused event (row:
 * kiosk, type, kiosk_ms, payload). Read-only: the events are stored as they came. Returns a
 * new reference. */
static json_t *config_answer(sqlite3_stmt *s)
{
	json_t *p = json_loads(ank_cs_col(s, 3), 0, NULL);
	json_t *cj = json_object_get(p, "change");
	bool refused = !strcmp(ank_cs_col(s, 1), "config.refused");
	json_t *reason = json_null();
	if (refused) {
		const char *why = json_string_value(json_object_get(p, "reason"));
		char cut[REASON_MAX + 1];
		snprintf(cut, sizeof cut, "%s", why && why[0] ? why : "no reason given");
		/* Cut at a character boundary, so the answer stays valid UTF-8. */
		size_t n = strlen(cut);
		while (n > 0 && !ank_utf8_valid_text(cut, n))
			cut[--n] = '\0';
		reason = json_string(cut);
	}
	json_t *out = json_pack(
	        "{s:s, s:o, s:o, s:s, s:I}", "state", refused ? "refused" : "applied", "reason",
	        reason, "change",
	        json_is_integer(cj) ? json_integer(json_integer_value(cj)) : json_null(), "kiosk",
	        ank_cs_col(s, 0), "since_ms", (json_int_t)sqlite3_column_int64(s, 2));
	json_decref(p);
	return out ? out : json_null();
}

char *ank_cstore_queue_json(ank_cstore *cs, const char *site, int64_t now, ank_err *err)
{
	json_t *kiosks = json_array(), *stations = json_array(), *tickets = json_array();
	char *text = NULL;
	sqlite3_stmt *s = NULL;
	bool frozen = false;
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(cs, "SELECT id, last_seen_ms, frozen FROM kiosk WHERE site = ? ORDER BY id",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		long long seen = sqlite3_column_int64(s, 1);
		frozen = frozen || sqlite3_column_int(s, 2);
		json_array_append_new(
		        kiosks, json_pack("{s:s, s:o, s:b, s:b}", "kiosk", ank_cs_col(s, 0),
		                          "last_seen_ms", seen ? json_integer(seen) : json_null(),
		                          "online", seen && now - seen < ANK_ONLINE_MS, "frozen",
		                          sqlite3_column_int(s, 2)));
	}
	ank_cs_end(cs, s);
	if (ank_cs_prep(cs,
	                "SELECT p.kiosk, p.station, p.state, p.since_ms FROM proj_station p"
	                " JOIN kiosk k ON k.id = p.kiosk WHERE k.site = ?"
	                " ORDER BY p.kiosk, p.sort",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(
		        stations, json_pack("{s:s, s:s, s:s, s:I}", "kiosk", ank_cs_col(s, 0),
		                            "station", ank_cs_col(s, 1), "state", ank_cs_col(s, 2),
		                            "since_ms", (json_int_t)sqlite3_column_int64(s, 3)));
	ank_cs_end(cs, s);
	/* Ticket ids grow in issue order, which is the queue order except after a requeue. */
	if (ank_cs_prep(cs,
	                "SELECT p.kiosk, p.ticket, p.label, p.day, p.route, p.substance,"
	                " p.state, p.station, p.assisted, p.since_ms FROM proj_ticket p"
	                " JOIN kiosk k ON k.id = p.kiosk WHERE k.site = ?"
	                " ORDER BY p.kiosk, p.ticket",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(
		        tickets,
		        json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:I}", "kiosk",
		                  ank_cs_col(s, 0), "ticket",
		                  (json_int_t)sqlite3_column_int64(s, 1), "label", ank_cs_col(s, 2),
		                  "day", ank_cs_col(s, 3), "route", ank_cs_col(s, 4), "substance",
		                  ank_cs_col(s, 5), "state", ank_cs_col(s, 6), "station",
		                  text_or_null(s, 7), "assisted", sqlite3_column_int(s, 8),
		                  "since_ms", (json_int_t)sqlite3_column_int64(s, 9)));
	ank_cs_end(cs, s);
	/* The site's last answer to a site.config change from central (event_type_ms finds the
	 * few config answers among all events). */
	if (ank_cs_prep(cs,
	                "SELECT e.kiosk, e.type, e.kiosk_ms, e.payload FROM event e"
	                " JOIN kiosk k ON k.id = e.kiosk WHERE k.site = ? AND"
	                " e.type IN ('config.applied', 'config.refused')"
	                " ORDER BY e.kiosk_ms DESC, e.received_ms DESC LIMIT 1",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	json_t *config = sqlite3_step(s) == SQLITE_ROW ? config_answer(s) : json_null();
	ank_cs_end(cs, s);
	s = NULL;
	pthread_mutex_unlock(&cs->mu);
	json_t *root = json_pack("{s:i, s:s, s:b, s:o, s:o, s:o, s:o, s:I}", "v", 1, "site", site,
	                         "frozen", frozen, "config", config, "kiosks", kiosks, "stations",
	                         stations, "tickets", tickets, "server_ms", (json_int_t)now);
	text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!text)
		ank_err_set(err, "out of memory");
	return text;
fail:
	ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	json_decref(kiosks);
	json_decref(stations);
	json_decref(tickets);
	return NULL;
}
