/* Central's read model: each kiosk event decoded once, on ingest, through the wire
 * vocabulary (wire.h) into typed tables — visits with their intake sessions, station
 * states and their history, refusals, per-day aggregates, the users of each day and the
 * events out of time — that the queue view and the report read; and the rebuild of those
 * tables from the raw event log. Runs inside the ingest transaction, under the store's
 * mutex. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"
#include "ank_vocab.h"
#include "cstore_int.h"

/* A refusal reason from a kiosk is shown to staff; longer is cut. */
#define REASON_MAX 200
/* The version of the read tables' meaning: a central that finds another one in meta
 * rebuilds them from the event log when it opens the database. */
#define READ_MODEL_VERSION                                                                         \
	"6" /* 4: dates and hours in each site's own time zone; 5: intakes                         \
	     * per local hour in hour_stat; 6: cap_config and station_stat (capacity) */
/* Events replayed per transaction step by a rebuild, as a kiosk's batches are at most. */
#define REBUILD_CHUNK ANK_PROTO_MAX_BATCH

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

/* ---- local time ---- */

ank_zone *ank_cs_zone(ank_cstore *cs, const char *id)
{
	if (!id || !id[0])
		id = ANK_ZONE_DEFAULT;
	for (int i = 0; i < cs->n_zones; i++)
		if (!strcmp(ank_zone_id(cs->zones[i]), id))
			return cs->zones[i];
	ank_err why;
	ank_zone *z = ank_zone_open(id, &why);
	if (!z) {
		/* Kiosks check the zone before they apply a config; an older kiosk's may not be. */
		ank_log(ANK_LOG_WARN, "central", "%s: counting in %s", why.msg, ANK_ZONE_DEFAULT);
		return strcmp(id, ANK_ZONE_DEFAULT) ? ank_cs_zone(cs, ANK_ZONE_DEFAULT) : NULL;
	}
	if (cs->n_zones == ANK_CS_ZONES) {
		/* More zones than sites have ever used together: the oldest goes. No caller
		 * keeps a zone across a release of mu. */
		ank_zone_free(cs->zones[0]);
		memmove(cs->zones, cs->zones + 1, (ANK_CS_ZONES - 1) * sizeof cs->zones[0]);
		cs->n_zones--;
	}
	cs->zones[cs->n_zones++] = z;
	return z;
}

ank_zone *ank_cs_kiosk_zone(ank_cstore *cs, const char *kiosk)
{
	char id[ANK_ZONE_ID_MAX + 1] = "";
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(cs->db, "SELECT timezone FROM site_info WHERE kiosk = ?", -1, &s,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT)
			snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	return ank_cs_zone(cs, id);
}

/* The local calendar date and hour of an instant in the zone of the kiosk's site (the
 * report's days and hours are the site's own, whatever central's TZ). A conversion costs
 * more than the rest of an event, so the hour last asked for is kept: a batch's events fall
 * in one or two hours. */
typedef struct local_hour {
	long long start_ms, end_ms; /* end_ms == 0: nothing kept */
	char date[11];
	int hour;
} local_hour;

static const local_hour *local_of(ank_zone *z, local_hour *c, long long ms)
{
	if (c->end_ms && ms >= c->start_ms && ms < c->end_ms)
		return c;
	ank_civil cv;
	if (!z || ank_zone_civil(z, ms, &cv)) {
		c->end_ms = 0;
		snprintf(c->date, sizeof c->date, "0000-00-00");
		c->hour = 0;
		return c;
	}
	memcpy(c->date, cv.date, sizeof c->date);
	c->hour = cv.hour;
	c->start_ms = cv.hour_start_ms;
	c->end_ms = cv.hour_end_ms; /* 0 across an offset change inside the hour */
	return c;
}

/* ---- the batch's overlay ---- */

#define ID (ANK_WIRE_ID_MAX + 1)

/* One ticket as this batch left it. Times are 0 when this batch did not see them: the
 * flush keeps what the stored row has. */
typedef struct visit_row {
	long long ticket;
	bool open;
	char label[ID], day[ID], user[ID], route[ID], substance[ID], helper[ID], state[ID],
	        station[ID], date[11];
	int hour; /* the local hour of issue with date; -1 when this batch did not see it */
	long long since_ms, issued_ms, called_ms, first_called_ms, started_ms, ended_ms, duration_s;
	bool has_duration;
} visit_row;

/* What one batch adds to day_stat for one (date, route, substance). */
typedef struct stat_row {
	char date[11], route[ID], substance[ID];
	long long checkins, assisted, intakes, ended, session_s, waited, wait_ms, no_shows,
	        cancelled;
} stat_row;

typedef struct hour_row {
	char date[11];
	int hour;
	long long checkins, intakes;
} hour_row;

typedef struct user_row {
	char date[11], user[ID];
} user_row;

/* What one batch adds to clock_stat for one local date of receipt. */
typedef struct late_row {
	char date[11];
	long long n, last_seq, last_kiosk_ms;
} late_row;

struct ank_cs_proj {
	int n, nstat, nhour, nuser, nlate;
	/* The newest day whose old no-shows were closed in the database in this batch; ""
	 * when none. Within a batch the database's visit rows change only by these updates,
	 * so one for an earlier or the same day would find nothing. */
	char cleaned_day[ID];
	local_hour clock;    /* of kiosk times */
	local_hour received; /* of central's times of receipt (out-of-time events) */
	/* The zone of zone_kiosk's site (owned by the store), looked up at the first event of
	 * each kiosk; zone_kiosk "" after a config, which may name another zone. */
	char zone_kiosk[ID];
	ank_zone *zone;
	/* The batch's newest event: seen at all, out of time, its kiosk minus central time. */
	bool seen, skewed;
	long long skew_ms;
	/* Each event adds at most one row to each list, so a batch fits. */
	visit_row row[ANK_PROTO_MAX_BATCH];
	stat_row stat[ANK_PROTO_MAX_BATCH];
	hour_row hour[ANK_PROTO_MAX_BATCH];
	user_row user[ANK_PROTO_MAX_BATCH];
	late_row late[ANK_PROTO_MAX_BATCH];
};

ank_cs_proj *ank_cs_proj_new(void)
{
	ank_cs_proj *p = malloc(sizeof *p);
	if (p) {
		p->n = p->nstat = p->nhour = p->nuser = p->nlate = 0;
		p->cleaned_day[0] = '\0';
		p->clock.end_ms = p->received.end_ms = 0;
		p->zone_kiosk[0] = '\0';
		p->zone = NULL;
		p->seen = p->skewed = false;
		p->skew_ms = 0;
	}
	return p;
}

void ank_cs_proj_reset(ank_cs_proj *p)
{
	p->n = p->nstat = p->nhour = p->nuser = 0;
	p->cleaned_day[0] = '\0';
}

static void keep(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}
#define KEEP(dst, src) keep(dst, sizeof dst, src)

/* The batch's row of a ticket, added (empty) when new. */
static visit_row *row_of(ank_cs_proj *p, long long ticket)
{
	for (int i = 0; i < p->n; i++)
		if (p->row[i].ticket == ticket)
			return &p->row[i];
	visit_row *r = &p->row[p->n++];
	memset(r, 0, sizeof *r);
	r->ticket = ticket;
	r->hour = -1;
	return r;
}

static stat_row *stat_of(ank_cs_proj *p, const char *date, const char *route, const char *substance)
{
	for (int i = 0; i < p->nstat; i++) {
		stat_row *r = &p->stat[i];
		if (!strcmp(r->date, date) && !strcmp(r->route, route) &&
		    !strcmp(r->substance, substance))
			return r;
	}
	stat_row *r = &p->stat[p->nstat++];
	memset(r, 0, sizeof *r);
	KEEP(r->date, date);
	KEEP(r->route, route);
	KEEP(r->substance, substance);
	return r;
}

/* Counts a check-in (intake false) or an intake (a session started) in its local hour. */
static void hour_add(ank_cs_proj *p, const local_hour *lh, bool intake)
{
	hour_row *r = NULL;
	for (int i = 0; i < p->nhour && !r; i++)
		if (p->hour[i].hour == lh->hour && !strcmp(p->hour[i].date, lh->date))
			r = &p->hour[i];
	if (!r) {
		r = &p->hour[p->nhour++];
		KEEP(r->date, lh->date);
		r->hour = lh->hour;
		r->checkins = r->intakes = 0;
	}
	if (intake)
		r->intakes++;
	else
		r->checkins++;
}

static void user_add(ank_cs_proj *p, const char *date, const char *user)
{
	for (int i = 0; i < p->nuser; i++)
		if (!strcmp(p->user[i].user, user) && !strcmp(p->user[i].date, date))
			return;
	user_row *r = &p->user[p->nuser++];
	KEEP(r->date, date);
	KEEP(r->user, user);
}

/* A new service day: yesterday's no-shows can no longer be requeued and leave the queue
 * view. Applied where each row now is: the batch's rows in memory, the others stored. */
static int close_no_shows(ank_cstore *cs, ank_cs_proj *p, const char *kiosk, const char *day,
                          ank_err *err)
{
	for (int i = 0; i < p->n; i++) {
		visit_row *r = &p->row[i];
		if (r->open && !strcmp(r->state, ank_ticket_state_code(ANK_TS_NO_SHOW)) &&
		    strcmp(r->day, day) < 0)
			r->open = false;
	}
	if (p->cleaned_day[0] && strcmp(day, p->cleaned_day) <= 0)
		return 0;
	KEEP(p->cleaned_day, day);
	/* This may also close the stored row of a ticket the batch has moved on (say, a
	 * requeued no-show): the flush writes that ticket's `open` again. */
	return run(cs, err,
	           "UPDATE visit SET open = 0 WHERE kiosk = ? AND open AND state = ? AND day < ?",
	           "sss", kiosk, ank_ticket_state_code(ANK_TS_NO_SHOW), day);
}

/* When the stored visit of a ticket was issued; 0 when unknown. */
static long long stored_issued_ms(ank_cstore *cs, const char *kiosk, long long ticket)
{
	sqlite3_stmt *s = NULL;
	long long v = 0;
	if (ank_cs_prep(cs, "SELECT issued_ms FROM visit WHERE kiosk = ? AND ticket = ?", &s) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, ticket);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
	}
	ank_cs_end(cs, s);
	return v;
}

/* Ticket events carry the whole ticket; the type says which time it adds. An event out of
 * time (`counted` false) moves the ticket's state only: no figure, and no time the report
 * or a later wait would read. */
static int project_ticket(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk,
                          const ank_wire_event *ev, long long at, bool counted, ank_err *err)
{
	const char *route = ev->id[ANK_F_ROUTE], *state = ev->id[ANK_F_STATE],
	           *station = ev->id[ANK_F_STATION];
	if (ev->type == ANK_EV_TICKET_TRANSFERRED) {
		/* The payload is the ticket before the move: it waits again on the new route. */
		route = ev->id[ANK_F_TO];
		state = ank_ticket_state_code(ANK_TS_WAITING);
		station = "";
	}
	const char *substance = ev->id[ANK_F_SUBSTANCE];
	if (ev->type == ANK_EV_TICKET_ISSUED &&
	    close_no_shows(cs, pj, kiosk, ev->id[ANK_F_DAY], err))
		return -1;
	visit_row *r = row_of(pj, ev->num[ANK_F_TICKET]);
	r->open = !ank_ticket_state_final((ank_ticket_state)ank_ticket_state_from_code(state));
	KEEP(r->label, ev->id[ANK_F_LABEL]);
	KEEP(r->day, ev->id[ANK_F_DAY]);
	KEEP(r->user, ev->id[ANK_F_USER]);
	KEEP(r->route, route);
	KEEP(r->substance, substance);
	KEEP(r->helper, ev->id[ANK_F_HELPER]);
	KEEP(r->state, state);
	KEEP(r->station, station);
	r->since_ms = at;
	if (!counted)
		return 0;
	const local_hour *lh = local_of(pj->zone, &pj->clock, at);
	switch (ev->type) {
	case ANK_EV_TICKET_ISSUED: {
		r->issued_ms = at;
		KEEP(r->date, lh->date);
		r->hour = lh->hour;
		stat_row *st = stat_of(pj, lh->date, route, substance);
		st->checkins++;
		st->assisted += ev->id[ANK_F_HELPER][0] != '\0';
		hour_add(pj, lh, false);
		user_add(pj, lh->date, ev->id[ANK_F_USER]);
		break;
	}
	case ANK_EV_TICKET_CALLED:
		r->called_ms = at;
		/* The wait a user has is to the first call; a call again (after a no-show, a
		 * transfer) does not make it longer. The stored one wins over the batch's. */
		if (!r->first_called_ms)
			r->first_called_ms = at;
		break;
	case ANK_EV_SESSION_STARTED: {
		r->started_ms = at;
		stat_row *st = stat_of(pj, lh->date, route, substance);
		st->intakes++;
		hour_add(pj, lh, true);
		/* Waiting time, a safety figure: from the ticket to the start of its session. */
		long long issued =
		        r->issued_ms ? r->issued_ms : stored_issued_ms(cs, kiosk, r->ticket);
		if (issued) {
			st->waited++;
			st->wait_ms += at - issued;
		}
		break;
	}
	case ANK_EV_SESSION_ENDED: {
		r->ended_ms = at;
		r->duration_s = ev->num[ANK_F_DURATION_S];
		r->has_duration = true;
		stat_row *st = stat_of(pj, lh->date, route, substance);
		st->ended++;
		st->session_s += ev->num[ANK_F_DURATION_S];
		break;
	}
	case ANK_EV_TICKET_NO_SHOW:
		stat_of(pj, lh->date, route, substance)->no_shows++;
		break;
	case ANK_EV_TICKET_CANCELLED:
		stat_of(pj, lh->date, route, substance)->cancelled++;
		break;
	default:
		break;
	}
	return 0;
}

/* Binds a time that the batch saw, or NULL so that the stored one stays. */
static void bind_time(sqlite3_stmt *s, int i, long long v, bool known)
{
	if (known)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int flush_visits(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk, const char *site,
                        ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (pj->n == 0)
		return 0;
	if (ank_cs_prep(cs,
	                "INSERT INTO visit(kiosk, ticket, site, label, day, user, route, substance,"
	                " helper, state, station, open, since_ms, date, issued_ms, called_ms,"
	                " started_ms, ended_ms, duration_s, hour, first_called_ms)"
	                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	                " ON CONFLICT(kiosk, ticket) DO UPDATE SET label = excluded.label,"
	                " day = excluded.day, user = excluded.user, route = excluded.route,"
	                " substance = excluded.substance, helper = excluded.helper,"
	                " state = excluded.state, station = excluded.station,"
	                " open = excluded.open, since_ms = excluded.since_ms,"
	                " date = coalesce(excluded.date, date),"
	                " issued_ms = coalesce(excluded.issued_ms, issued_ms),"
	                " called_ms = coalesce(excluded.called_ms, called_ms),"
	                " started_ms = coalesce(excluded.started_ms, started_ms),"
	                " ended_ms = coalesce(excluded.ended_ms, ended_ms),"
	                " duration_s = coalesce(excluded.duration_s, duration_s),"
	                " hour = coalesce(excluded.hour, hour),"
	                " first_called_ms = coalesce(first_called_ms, excluded.first_called_ms)",
	                &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	int rc = 0;
	for (int i = 0; i < pj->n && !rc; i++) {
		const visit_row *r = &pj->row[i];
		sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, r->ticket);
		sqlite3_bind_text(s, 3, site, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 4, r->label, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 5, r->day, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 6, r->user, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 7, r->route, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 8, r->substance, -1, SQLITE_TRANSIENT);
		ank_cs_bind_opt(s, 9, r->helper);
		sqlite3_bind_text(s, 10, r->state, -1, SQLITE_TRANSIENT);
		ank_cs_bind_opt(s, 11, r->station);
		sqlite3_bind_int(s, 12, r->open);
		sqlite3_bind_int64(s, 13, r->since_ms);
		ank_cs_bind_opt(s, 14, r->date);
		bind_time(s, 15, r->issued_ms, r->issued_ms != 0);
		bind_time(s, 16, r->called_ms, r->called_ms != 0);
		bind_time(s, 17, r->started_ms, r->started_ms != 0);
		bind_time(s, 18, r->ended_ms, r->ended_ms != 0);
		bind_time(s, 19, r->duration_s, r->has_duration);
		bind_time(s, 20, r->hour, r->hour >= 0);
		bind_time(s, 21, r->first_called_ms, r->first_called_ms != 0);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = ank_cs_fail(cs, err);
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	ank_cs_end(cs, s);
	return rc;
}

static int flush_stats(ank_cstore *cs, ank_cs_proj *pj, const char *site, ank_err *err)
{
	int rc = 0;
	for (int i = 0; i < pj->nstat && !rc; i++) {
		const stat_row *r = &pj->stat[i];
		sqlite3_stmt *s = NULL;
		if (ank_cs_prep(cs,
		                "INSERT INTO day_stat(date, site, route, substance, checkins,"
		                " assisted, intakes, ended, session_s, waited, wait_ms, no_shows,"
		                " cancelled) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
		                " ON CONFLICT(date, site, route, substance) DO UPDATE SET"
		                " checkins = checkins + excluded.checkins,"
		                " assisted = assisted + excluded.assisted,"
		                " intakes = intakes + excluded.intakes,"
		                " ended = ended + excluded.ended,"
		                " session_s = session_s + excluded.session_s,"
		                " waited = waited + excluded.waited,"
		                " wait_ms = wait_ms + excluded.wait_ms,"
		                " no_shows = no_shows + excluded.no_shows,"
		                " cancelled = cancelled + excluded.cancelled",
		                &s) != SQLITE_OK)
			return ank_cs_fail(cs, err);
		sqlite3_bind_text(s, 1, r->date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, site, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, r->route, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 4, r->substance, -1, SQLITE_TRANSIENT);
		const long long v[] = {r->checkins, r->assisted,  r->intakes,
		                       r->ended,    r->session_s, r->waited,
		                       r->wait_ms,  r->no_shows,  r->cancelled};
		for (int k = 0; k < 9; k++)
			sqlite3_bind_int64(s, 5 + k, v[k]);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = ank_cs_fail(cs, err);
		ank_cs_end(cs, s);
	}
	for (int i = 0; i < pj->nhour && !rc; i++)
		rc = run(cs, err,
		         "INSERT INTO hour_stat(date, site, hour, checkins, intakes)"
		         " VALUES (?,?,?,?,?) ON CONFLICT(date, site, hour) DO UPDATE SET"
		         " checkins = checkins + excluded.checkins,"
		         " intakes = intakes + excluded.intakes",
		         "ssiii", pj->hour[i].date, site, (long long)pj->hour[i].hour,
		         pj->hour[i].checkins, pj->hour[i].intakes);
	for (int i = 0; i < pj->nuser && !rc; i++)
		rc = run(cs, err, "INSERT OR IGNORE INTO day_user(date, site, user) VALUES (?,?,?)",
		         "sss", pj->user[i].date, site, pj->user[i].user);
	return rc;
}

/* The batch's out-of-time counts, and the kiosk's skew as its newest event shows it. */
static int flush_clock(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk, const char *site,
                       ank_err *err)
{
	int rc = 0;
	for (int i = 0; i < pj->nlate && !rc; i++)
		rc = run(cs, err,
		         "INSERT INTO clock_stat(kiosk, date, site, n, last_seq, last_kiosk_ms)"
		         " VALUES (?,?,?,?,?,?) ON CONFLICT(kiosk, date) DO UPDATE SET"
		         " n = n + excluded.n, last_seq = excluded.last_seq,"
		         " last_kiosk_ms = excluded.last_kiosk_ms",
		         "sssiii", kiosk, pj->late[i].date, site, pj->late[i].n,
		         pj->late[i].last_seq, pj->late[i].last_kiosk_ms);
	if (rc || !pj->seen)
		return rc;
	/* Most batches leave a NULL as it was: the row is then not written. */
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs,
	                "UPDATE kiosk SET clock_skew_ms = ?1 WHERE id = ?2"
	                " AND clock_skew_ms IS NOT ?1",
	                &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	bind_time(s, 1, pj->skew_ms, pj->skewed);
	sqlite3_bind_text(s, 2, kiosk, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = ank_cs_fail(cs, err);
	ank_cs_end(cs, s);
	return rc;
}

int ank_cs_proj_flush(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk, const char *site,
                      ank_err *err)
{
	int rc = flush_visits(cs, pj, kiosk, site, err);
	if (!rc)
		rc = flush_stats(cs, pj, site, err);
	if (!rc)
		rc = flush_clock(cs, pj, kiosk, site, err);
	pj->n = pj->nstat = pj->nhour = pj->nuser = pj->nlate = 0;
	pj->cleaned_day[0] = '\0';
	pj->seen = pj->skewed = false;
	return rc;
}

/* ---- the other event types ---- */

/* Adds the time station spent in state prev over [from, to) to station_stat, split at the
 * local hours of the kiosk's site (capacity utilisation, docs/report.md). Only occupied and
 * closed time is kept: the report needs nothing else. */
static int station_time(ank_cstore *cs, const char *kiosk, const char *site, const char *station,
                        const char *prev, long long from, long long to, ank_err *err)
{
	const char *col = !strcmp(prev, ank_station_state_code(ANK_SS_OCCUPIED)) ? "occupied_ms"
	                  : !strcmp(prev, ank_station_state_code(ANK_SS_CLOSED)) ? "closed_ms"
	                                                                         : NULL;
	if (!col || to <= from || !site)
		return 0;
	ank_zone *z = ank_cs_kiosk_zone(cs, kiosk);
	char sql[320];
	snprintf(sql, sizeof sql,
	         "INSERT INTO station_stat(date, site, hour, kiosk, station, %s)"
	         " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET %s = %s + excluded.%s",
	         col, col, col, col);
	int rc = 0;
	for (long long at = from; !rc && at < to;) {
		ank_civil cv;
		if (!z || ank_zone_civil(z, at, &cv))
			return 0; /* no zone: the site's capacity cannot be placed in hours */
		/* An hour with an offset change inside has no end from ICU: step a whole hour. */
		long long end = cv.hour_end_ms > at ? cv.hour_end_ms : at + 3600000;
		if (end > to)
			end = to;
		rc = run(cs, err, sql, "ssissi", cv.date, site, (long long)cv.hour, kiosk, station,
		         end - at);
		at = end;
	}
	return rc;
}

/* The station's state, and its history unless the event is out of time. */
static int project_station(ank_cstore *cs, const char *kiosk, const char *site, long long seq,
                           long long at, bool counted, const ank_wire_event *ev, ank_err *err)
{
	const char *station = ev->id[ANK_F_STATION], *state = ev->id[ANK_F_STATE];
	if (counted) {
		/* The state it leaves, and since when: that time goes into station_stat. */
		char prev[ID] = "";
		long long since = 0;
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(cs->db,
		                       "SELECT state, since_ms FROM proj_station"
		                       " WHERE kiosk = ? AND station = ?",
		                       -1, &q, NULL) != SQLITE_OK) {
			sqlite3_finalize(q);
			ank_cs_fail(cs, err);
			return -1;
		}
		sqlite3_bind_text(q, 1, kiosk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, station, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) == SQLITE_ROW) {
			keep(prev, sizeof prev, ank_cs_col(q, 0));
			since = sqlite3_column_int64(q, 1);
		}
		sqlite3_finalize(q);
		if (prev[0] && station_time(cs, kiosk, site, station, prev, since, at, err))
			return -1;
	}
	int rc = run(cs, err,
	             "INSERT INTO proj_station(kiosk, station, state, since_ms, sort)"
	             " VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(sort), -1) + 1 FROM"
	             " proj_station WHERE kiosk = ?5))"
	             " ON CONFLICT(kiosk, station) DO UPDATE SET state = excluded.state,"
	             " since_ms = excluded.since_ms",
	             "sssis", kiosk, station, state, at, kiosk);
	if (rc || !counted)
		return rc;
	return run(cs, err,
	           "INSERT INTO station_log(kiosk, seq, station, state, at_ms) VALUES (?,?,?,?,?)",
	           "sissi", kiosk, seq, station, state, at);
}

static int project_refusal(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk, const char *site,
                           long long seq, long long at, bool counted, const ank_wire_event *ev,
                           ank_err *err)
{
	if (!counted)
		return 0;
	const local_hour *lh = local_of(pj->zone, &pj->clock, at);
	/* A refusal right after the nickname has no substance or route: "" binds NULL. */
	return run(cs, err,
	           "INSERT INTO refusal(kiosk, seq, site, date, at_ms, reason, user, substance,"
	           " route) VALUES (?,?,?,?,?,?,?,?,?)",
	           "sississss", kiosk, seq, site, lh->date, at, ev->id[ANK_F_REASON],
	           ev->id[ANK_F_USER], ev->id[ANK_F_SUBSTANCE], ev->id[ANK_F_ROUTE]);
}

/* What the staff console and the waiting-room page need of a kiosk's site config, as
 * compact JSON (malloc'd, the caller frees; NULL when the payload has none of it): the name,
 * the time zone, the session timer's thresholds, the languages in their order and the drug
 * alert per language. Never the staff PIN's hash or anything else of the config. */
static char *site_info_text(json_t *p)
{
	json_t *warn = json_object_get(p, "warn_min"), *alarm = json_object_get(p, "alarm_min");
	if (!json_is_integer(warn) || !json_is_integer(alarm))
		return NULL;
	json_t *langs = json_array();
	const char *l = json_string_value(json_object_get(p, "languages"));
	while (l && *l) {
		size_t n = strcspn(l, ", ");
		if (n > 0 && n < 8)
			json_array_append_new(langs, json_stringn(l, n));
		l += n;
		l += strspn(l, ", ");
	}
	json_t *alert = json_object();
	const char *lang;
	json_t *text;
	json_object_foreach(json_object_get(p, ANK_FN(ALERT)), lang, text)
	{
		if (json_is_string(text) && strlen(lang) < 8)
			json_object_set(alert, lang, text);
	}
	const char *name = json_string_value(json_object_get(p, "name"));
	const char *tz = json_string_value(json_object_get(p, "timezone"));
	json_t *o = json_pack("{s:s, s:s, s:O, s:O, s:o, s:o}", "name", name ? name : "",
	                      "timezone", tz ? tz : "", "warn_min", warn, "alarm_min", alarm,
	                      "languages", langs, ANK_FN(ALERT), alert);
	/* The alert's severity, and its time box when the kiosk has one: the waiting-room page
	 * keeps to both. */
	int sev = ank_severity_from_code(
	        json_string_value(json_object_get(p, ANK_FN(ALERT_SEVERITY))));
	if (o && sev >= 0)
		json_object_set_new(o, ANK_FN(ALERT_SEVERITY),
		                    json_string(ank_severity_code((ank_alert_severity)sev)));
	const char *box[2] = {ANK_FN(ALERT_FROM), ANK_FN(ALERT_UNTIL)};
	for (int i = 0; o && i < 2; i++) {
		int64_t ms;
		const char *at = json_string_value(json_object_get(p, box[i]));
		if (at && !ank_iso_parse(at, &ms))
			json_object_set_new(o, box[i], json_string(at));
	}
	char *out = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return out;
}

/* A config names the stations in their order: new ones start free (as on the kiosk), dropped
 * ones go. Configs are rare, so this one parses its payload into a tree. */
static int project_config(ank_cstore *cs, const char *kiosk, long long at, const char *text,
                          ank_err *err)
{
	json_t *p = json_loads(text, 0, NULL);
	json_t *ids = json_object_get(p, ANK_FN(STATIONS));
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
		         " VALUES (?, ?, ?, ?, ?) ON CONFLICT(kiosk, station) DO UPDATE SET"
		         " sort = excluded.sort",
		         "sssii", kiosk, id, ank_station_state_code(ANK_SS_FREE), at, sort);
	}
	/* The opening hours and station types for capacity (NULL types: an older kiosk that
	 * sends none; its site's capacity is unknown). */
	json_t *hours = json_object_get(p, "hours"),
	       *types = json_object_get(p, ANK_FN(STATION_TYPES));
	char *hours_text =
	        json_is_object(hours) ? json_dumps(hours, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *types_text =
	        json_is_object(types) ? json_dumps(types, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!rc && hours_text)
		rc = run(
		        cs, err,
		        "INSERT INTO cap_config(kiosk, at_ms, hours, types) VALUES (?, ?, ?, ?)"
		        " ON CONFLICT DO UPDATE SET hours = excluded.hours, types = excluded.types",
		        "siss", kiosk, at, hours_text, types_text);
	free(hours_text);
	free(types_text);
	char *info = rc ? NULL : site_info_text(p);
	const char *tz = json_string_value(json_object_get(p, "timezone"));
	if (!rc && info)
		rc = run(cs, err,
		         "INSERT INTO site_info(kiosk, at_ms, body, timezone) VALUES (?, ?, ?, ?)"
		         " ON CONFLICT(kiosk) DO UPDATE SET at_ms = excluded.at_ms,"
		         " body = excluded.body, timezone = excluded.timezone"
		         " WHERE excluded.at_ms >= site_info.at_ms",
		         "siss", kiosk, at, info, tz ? tz : "");
	free(info);
	json_decref(p);
	return rc ? rc
	          : run(cs, err, "DELETE FROM proj_station WHERE kiosk = ? AND sort = -1", "s",
	                kiosk);
}

/* command.applied and command.refused close a command of the kiosk's own site that is
 * still sent. */
static int project_command(ank_cstore *cs, const char *site, long long at, const ank_wire_event *ev,
                           ank_err *err)
{
	long long id = ev->num[ANK_F_COMMAND];
	if (ev->type == ANK_EV_COMMAND_APPLIED)
		return run(cs, err,
		           "UPDATE command SET state = 'applied', result_ticket = nullif(?, 0),"
		           " done_ms = ? WHERE id = ? AND site = ? AND state = 'sent'",
		           "iiis", ev->num[ANK_F_TICKET], at, id, site);
	char reason[REASON_MAX + 1];
	if (!ank_wire_text(ev, ANK_F_REASON, reason, sizeof reason)[0])
		snprintf(reason, sizeof reason, "%s", "no reason given");
	return run(cs, err,
	           "UPDATE command SET state = 'refused', reason = ?, done_ms = ?"
	           " WHERE id = ? AND site = ? AND state = 'sent'",
	           "siis", reason, at, id, site);
}

/* A kiosk's answer to a site.config change: its last one is shown with the queue. */
static int project_config_answer(ank_cstore *cs, const char *kiosk, long long at, long long now,
                                 const ank_wire_event *ev, ank_err *err)
{
	bool refused = ev->type == ANK_EV_CONFIG_REFUSED;
	char reason[REASON_MAX + 1] = "";
	if (refused && !ank_wire_text(ev, ANK_F_REASON, reason, sizeof reason)[0])
		snprintf(reason, sizeof reason, "%s", "no reason given");
	return run(cs, err,
	           "INSERT INTO kiosk_config(kiosk, state, change, reason, at_ms, received_ms)"
	           " VALUES (?,?,?,?,?,?) ON CONFLICT(kiosk) DO UPDATE SET state = excluded.state,"
	           " change = excluded.change, reason = excluded.reason, at_ms = excluded.at_ms,"
	           " received_ms = excluded.received_ms",
	           "ssisii", kiosk, refused ? "refused" : "applied", ev->num[ANK_F_CHANGE],
	           refused ? reason : NULL, at, now);
}

/* A kiosk's help request, or staff closing it at the kiosk: the queue view shows the open
 * ones. The kiosk's id of the request and the time are all there is. */
static int project_help(ank_cstore *cs, const char *kiosk, const char *site, long long at,
                        const ank_wire_event *ev, ank_err *err)
{
	long long id = ev->num[ANK_F_ID];
	if (ev->type == ANK_EV_HELP_REQUESTED)
		return run(cs, err,
		           "INSERT INTO help_request(kiosk, id, site, asked_ms) VALUES (?,?,?,?)"
		           " ON CONFLICT(kiosk, id) DO NOTHING",
		           "sisi", kiosk, id, site, at);
	return run(cs, err,
	           "UPDATE help_request SET answered_ms = ? WHERE kiosk = ? AND id = ?"
	           " AND answered_ms IS NULL",
	           "isi", at, kiosk, id);
}

static int project_unknown(ank_cstore *cs, ank_cs_proj *pj, const char *site, const char *type,
                           long long at, bool counted, ank_err *err)
{
	if (!counted)
		return 0;
	const local_hour *lh = local_of(pj->zone, &pj->clock, at);
	return run(cs, err,
	           "INSERT INTO unknown_stat(date, site, type, n) VALUES (?,?,?,1)"
	           " ON CONFLICT(date, site, type) DO UPDATE SET n = n + 1",
	           "sss", lh->date, site, type);
}

/* ---- event times ---- */

/* Whether an event of kiosk time at_ms that central received at received_ms is in time
 * (proto.h "Event times"). Ingest and rebuild both ask this of the stored kiosk_ms and
 * received_ms, so a rebuild decides as ingest did. */
static bool in_time(long long at_ms, long long received_ms)
{
	return at_ms >= ANK_CLOCK_EARLIEST_MS && at_ms <= received_ms + ANK_CLOCK_FUTURE_MS;
}

/* Notes the batch's newest event, and counts it by local date of receipt when out of
 * time. */
static void note_time(ank_cs_proj *pj, const ank_cs_event_ctx *x, const ank_event *e, bool ok)
{
	pj->seen = true;
	pj->skewed = !ok;
	pj->skew_ms = e->at_ms - x->now;
	if (ok)
		return;
	const local_hour *lh = local_of(pj->zone, &pj->received, x->now);
	late_row *r = NULL;
	for (int i = 0; i < pj->nlate && !r; i++)
		if (!strcmp(pj->late[i].date, lh->date))
			r = &pj->late[i];
	if (!r) {
		r = &pj->late[pj->nlate++];
		KEEP(r->date, lh->date);
		r->n = 0;
	}
	r->n++;
	r->last_seq = e->seq;
	r->last_kiosk_ms = e->at_ms;
}

int ank_cs_project(ank_cstore *cs, ank_cs_proj *pj, const ank_cs_event_ctx *x, const ank_event *e,
                   ank_err *err)
{
	ank_ev type = ank_ev_from_name(e->type);
	ank_wire_event ev;
	ank_err why;
	if (ank_wire_event_read(type, e->payload, &ev, &why)) {
		ank_err_set(err, "event seq %lld (%s): %s", e->seq, e->type, why.msg);
		return 1;
	}
	/* An event out of time is stored and acknowledged like the rest, and the state it
	 * reports still holds (the kiosk owns the queue: it did call that ticket), at
	 * central's time of receipt. It adds to no figure and to no table the report reads;
	 * clock_stat counts it instead. */
	if (!pj->zone || strcmp(pj->zone_kiosk, x->kiosk)) {
		KEEP(pj->zone_kiosk, x->kiosk);
		pj->zone = ank_cs_kiosk_zone(cs, x->kiosk);
		pj->clock.end_ms = pj->received.end_ms = 0;
	}
	bool counted = in_time(e->at_ms, x->now);
	note_time(pj, x, e, counted);
	long long at = counted ? e->at_ms : x->now;
	int rc = 0;
	if (ank_ev_is_ticket(type))
		return project_ticket(cs, pj, x->kiosk, &ev, at, counted, err);
	switch (type) {
	case ANK_EV_STATION_STATE:
		rc = project_station(cs, x->kiosk, x->site, e->seq, at, counted, &ev, err);
		break;
	case ANK_EV_CHECKIN_REFUSED:
		rc = project_refusal(cs, pj, x->kiosk, x->site, e->seq, at, counted, &ev, err);
		break;
	case ANK_EV_SITE_CONFIG:
		rc = project_config(cs, x->kiosk, at, e->payload, err);
		pj->zone_kiosk[0] = '\0'; /* it may name another zone */
		break;
	case ANK_EV_SITE_FROZEN:
	case ANK_EV_SITE_RESUMED:
		rc = run(cs, err, "UPDATE kiosk SET frozen = ? WHERE id = ?", "is",
		         type == ANK_EV_SITE_FROZEN ? 1LL : 0LL, x->kiosk);
		break;
	case ANK_EV_COMMAND_APPLIED:
	case ANK_EV_COMMAND_REFUSED:
		rc = project_command(cs, x->site, at, &ev, err);
		break;
	case ANK_EV_CONFIG_APPLIED:
	case ANK_EV_CONFIG_REFUSED:
		rc = project_config_answer(cs, x->kiosk, at, x->now, &ev, err);
		break;
	case ANK_EV_HELP_REQUESTED:
	case ANK_EV_HELP_ANSWERED:
		rc = project_help(cs, x->kiosk, x->site, at, &ev, err);
		break;
	case ANK_EV_UNKNOWN:
		rc = project_unknown(cs, pj, x->site, e->type, at, counted, err);
		break;
	default: /* registry.imported, catalog answers, skipped changes: the log has them */
		break;
	}
	return rc < 0 ? -1 : 0;
}

/* ---- rebuild ---- */

/* Empties the read tables (mu held, inside a transaction). */
static int read_tables_clear(ank_cstore *cs, ank_err *err)
{
	return ank_db_exec(
	               cs->db,
	               "DELETE FROM visit; DELETE FROM proj_station; DELETE FROM station_log;"
	               " DELETE FROM refusal; DELETE FROM day_stat; DELETE FROM hour_stat; DELETE "
	               "FROM cap_config; DELETE FROM station_stat;"
	               " DELETE FROM day_user; DELETE FROM unknown_stat;"
	               " DELETE FROM kiosk_config; DELETE FROM clock_stat; DELETE FROM site_info;"
	               " DELETE FROM help_request;"
	               " UPDATE kiosk SET frozen = 0, clock_skew_ms = NULL;",
	               err) == SQLITE_OK
	               ? 0
	               : -1;
}

/* Replays one kiosk's events in sequence order, a chunk at a time as its batches came. */
static int replay_kiosk(ank_cstore *cs, ank_cs_proj *pj, const char *kiosk, const char *site,
                        ank_cs_rebuild_stats *st, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(cs->db,
	                       "SELECT seq, type, kiosk_ms, received_ms, payload FROM event"
	                       " WHERE kiosk = ? ORDER BY seq",
	                       -1, &s, NULL) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	sqlite3_bind_text(s, 1, kiosk, -1, SQLITE_TRANSIENT);
	int rc = 0, step, in_chunk = 0;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		ank_event e = {.seq = sqlite3_column_int64(s, 0),
		               .at_ms = sqlite3_column_int64(s, 2),
		               .payload = (char *)sqlite3_column_text(s, 4)};
		snprintf(e.type, sizeof e.type, "%s", (const char *)sqlite3_column_text(s, 1));
		ank_cs_event_ctx x = {
		        .kiosk = kiosk, .site = site, .now = sqlite3_column_int64(s, 3)};
		ank_err why;
		int r = ank_cs_project(cs, pj, &x, &e, &why);
		if (r > 0) {
			/* Stored before central checked payloads: it stays in the log, the
			 * read model goes on without it. */
			ank_log(ANK_LOG_WARN, "rebuild", "kiosk %s: %s", kiosk, why.msg);
			st->skipped++;
		} else if (r < 0) {
			ank_err_set(err, "%s", why.msg);
			rc = -1;
		} else {
			st->events++;
		}
		if (!rc && ++in_chunk == REBUILD_CHUNK) {
			rc = ank_cs_proj_flush(cs, pj, kiosk, site, err);
			in_chunk = 0;
		}
	}
	if (!rc && step != SQLITE_DONE)
		rc = ank_cs_fail(cs, err);
	sqlite3_finalize(s);
	if (!rc)
		rc = ank_cs_proj_flush(cs, pj, kiosk, site, err);
	return rc;
}

/* The instant before which the retention job deleted raw events (mu held): 0 when none were. */
static int64_t events_pruned_before(ank_cstore *cs)
{
	sqlite3_stmt *s = NULL;
	int64_t v = 0;
	if (ank_cs_prep(cs, "SELECT value FROM meta WHERE key = 'events_pruned_before'", &s) ==
	            SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	ank_cs_end(cs, s);
	return v;
}

/* Rounds of the event log's pruning: one short transaction each, so ingest waits little. */
#define PRUNE_ROUND 5000

int ank_cs_events_prune(ank_cstore *cs, int64_t before_ms, long long *deleted, ank_err *err)
{
	*deleted = 0;
	/* Each kiosk's last seq received before the cut, short of its newest (kept: it is what
	 * central acknowledges). Events come in seq order, so everything up to it goes. */
	typedef struct cut {
		char kiosk[ANK_CS_ID_MAX + 1];
		long long lo, hi;
	} cut;
	cut *cuts = NULL;
	int n = 0, cap = 0, rc = 0;
	pthread_mutex_lock(&cs->mu);
	sqlite3_stmt *s = NULL;
	if (ank_cs_prep(cs,
	                "SELECT k.id, (SELECT min(seq) FROM event WHERE kiosk = k.id),"
	                " (SELECT max(seq) FROM event WHERE kiosk = k.id AND received_ms < ?1),"
	                " (SELECT max(seq) FROM event WHERE kiosk = k.id) FROM kiosk k",
	                &s) != SQLITE_OK)
		rc = ank_cs_fail(cs, err);
	else
		sqlite3_bind_int64(s, 1, before_ms);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_type(s, 2) == SQLITE_NULL)
			continue;
		long long hi = sqlite3_column_int64(s, 2), newest = sqlite3_column_int64(s, 3);
		if (hi >= newest)
			hi = newest - 1;
		if (hi < sqlite3_column_int64(s, 1))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			cut *grown = realloc(cuts, sizeof *cuts * (size_t)cap);
			if (!grown) {
				rc = ank_err_set(err, "out of memory");
				break;
			}
			cuts = grown;
		}
		snprintf(cuts[n].kiosk, sizeof cuts[n].kiosk, "%s", ank_cs_col(s, 0));
		cuts[n].lo = sqlite3_column_int64(s, 1);
		cuts[n].hi = hi;
		n++;
	}
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	for (int i = 0; !rc && i < n; i++) {
		for (long long lo = cuts[i].lo; !rc && lo <= cuts[i].hi; lo += PRUNE_ROUND) {
			pthread_mutex_lock(&cs->mu);
			s = NULL;
			/* The cut is noted in the transaction that deletes, so no event goes
			 * without the rebuild knowing. */
			if (ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) != SQLITE_OK) {
				rc = -1;
			} else if (ank_cs_prep(
			                   cs,
			                   "DELETE FROM event WHERE kiosk = ?1 AND seq >= ?2 AND"
			                   " seq < ?3 AND seq <= ?4",
			                   &s) != SQLITE_OK) {
				rc = ank_cs_fail(cs, err);
			} else {
				sqlite3_bind_text(s, 1, cuts[i].kiosk, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(s, 2, lo);
				sqlite3_bind_int64(s, 3, lo + PRUNE_ROUND);
				sqlite3_bind_int64(s, 4, cuts[i].hi);
				if (sqlite3_step(s) != SQLITE_DONE)
					rc = ank_cs_fail(cs, err);
				else
					*deleted += sqlite3_changes(cs->db);
			}
			ank_cs_end(cs, s);
			s = NULL;
			if (!rc &&
			    (ank_cs_prep(
			             cs,
			             "INSERT INTO meta(key, value) VALUES ('events_pruned_before', "
			             "?1)"
			             " ON CONFLICT(key) DO UPDATE SET value = max(CAST(value AS "
			             "INTEGER), excluded.value)",
			             &s) != SQLITE_OK ||
			     (sqlite3_bind_int64(s, 1, before_ms), sqlite3_step(s) != SQLITE_DONE)))
				rc = ank_cs_fail(cs, err);
			ank_cs_end(cs, s);
			if (!rc && ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK)
				rc = -1;
			if (rc)
				ank_db_exec(cs->db, "ROLLBACK", NULL);
			pthread_mutex_unlock(&cs->mu);
		}
	}
	free(cuts);
	return rc;
}

/* The whole rebuild inside the caller's transaction (mu held). */
static int rebuild_locked(ank_cstore *cs, ank_cs_rebuild_stats *st, ank_err *err)
{
	memset(st, 0, sizeof *st);
	int64_t pruned = events_pruned_before(cs);
	if (pruned) {
		char at[32];
		ank_iso_format(pruned, at, sizeof at);
		return ank_err_set(
		        err,
		        "the raw event log holds no events received before %s (the "
		        "retention job, retain_events_days): a rebuild from it would lose "
		        "the report's earlier figures, so the read model is kept as it is",
		        at);
	}
	ank_cs_proj *pj = ank_cs_proj_new();
	if (!pj)
		return ank_err_set(err, "out of memory");
	int rc = read_tables_clear(cs, err);
	sqlite3_stmt *k = NULL;
	if (!rc && sqlite3_prepare_v2(cs->db, "SELECT id, site FROM kiosk ORDER BY id", -1, &k,
	                              NULL) != SQLITE_OK)
		rc = ank_cs_fail(cs, err);
	while (!rc && sqlite3_step(k) == SQLITE_ROW) {
		char kiosk[ANK_CS_ID_MAX + 1], site[ANK_CS_ID_MAX + 1];
		snprintf(kiosk, sizeof kiosk, "%s", (const char *)sqlite3_column_text(k, 0));
		snprintf(site, sizeof site, "%s", (const char *)sqlite3_column_text(k, 1));
		rc = replay_kiosk(cs, pj, kiosk, site, st, err);
		st->kiosks++;
	}
	sqlite3_finalize(k);
	if (!rc)
		rc = ank_db_exec(cs->db,
		                 "INSERT INTO meta(key, value) VALUES ('read_model', "
		                 "'" READ_MODEL_VERSION
		                 "') ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		                 err) == SQLITE_OK
		             ? 0
		             : -1;
	free(pj);
	return rc;
}

int ank_cstore_rebuild(ank_cstore *cs, ank_cs_rebuild_stats *st, ank_err *err)
{
	pthread_mutex_lock(&cs->mu);
	int rc = ank_db_exec(cs->db, "BEGIN IMMEDIATE", err) == SQLITE_OK ? 0 : -1;
	if (!rc)
		rc = rebuild_locked(cs, st, err);
	if (!rc && ank_db_exec(cs->db, "COMMIT", err) != SQLITE_OK)
		rc = -1;
	if (rc)
		ank_db_exec(cs->db, "ROLLBACK", NULL);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}

int ank_cs_read_model_check(ank_cstore *cs, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	bool current = false;
	if (sqlite3_prepare_v2(cs->db, "SELECT value FROM meta WHERE key = 'read_model'", -1, &s,
	                       NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		current = !strcmp((const char *)sqlite3_column_text(s, 0), READ_MODEL_VERSION);
	sqlite3_finalize(s);
	if (current)
		return 0;
	ank_cs_rebuild_stats st;
	if (ank_cstore_rebuild(cs, &st, err))
		return -1;
	if (st.events + st.skipped > 0)
		ank_log(ANK_LOG_INFO, "central",
		        "read model rebuilt from %lld events of %d kiosks (%lld skipped)",
		        st.events, st.kiosks, st.skipped);
	return 0;
}

/* ---- the queue view ---- */

void ank_queue_view_free(ank_queue_view *v)
{
	free(v->kiosks);
	free(v->stations);
	free(v->tickets);
	free(v->acks);
	free(v->site_info);
	free(v->help);
	memset(v, 0, sizeof *v);
}

void *ank_cs_grow(void **arr, int n, int *cap, size_t size)
{
	if (n == *cap) {
		int want = *cap ? *cap * 2 : 16;
		void *bigger = realloc(*arr, (size_t)want * size);
		if (!bigger)
			return NULL;
		*arr = bigger;
		*cap = want;
	}
	return (char *)*arr + (size_t)n * size;
}

static void col(char *dst, size_t cap, sqlite3_stmt *s, int i)
{
	snprintf(dst, cap, "%s", ank_cs_col(s, i));
}
#define COL(dst, s, i) col(dst, sizeof dst, s, i)

int ank_cstore_queue_view(ank_cstore *cs, const char *site, int64_t now, ank_queue_view *v,
                          ank_err *err)
{
	memset(v, 0, sizeof *v);
	sqlite3_stmt *s = NULL;
	int cap = 0, rc = -1;
	/* Read before the tables: a change after this read moves the revision past it, so a
	 * long-poll on this revision never misses it. A revoked kiosk is left out: it will
	 * never come back online, and a freeze it last reported must not hold the site. */
	long long rev = ank_cstore_site_rev(cs, site);
	pthread_mutex_lock(&cs->mu);
	if (ank_cs_prep(
	            cs,
	            "SELECT id, last_seen_ms, frozen, clock_skew_ms, (SELECT coalesce(sum(n), 0)"
	            " FROM clock_stat c WHERE c.kiosk = k.id) FROM kiosk k WHERE k.site = ?"
	            " AND k.revoked_ms IS NULL ORDER BY id",
	            &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		ank_qv_kiosk *k = ank_cs_grow((void **)&v->kiosks, v->n_kiosks, &cap, sizeof *k);
		if (!k)
			goto oom;
		v->n_kiosks++;
		COL(k->kiosk, s, 0);
		k->last_seen_ms = ank_cs_seen_get(cs, k->kiosk, sqlite3_column_int64(s, 1));
		k->online = k->last_seen_ms && now - k->last_seen_ms < ANK_ONLINE_MS;
		k->frozen = sqlite3_column_int(s, 2);
		k->skewed = sqlite3_column_type(s, 3) != SQLITE_NULL;
		k->clock_skew_ms = sqlite3_column_int64(s, 3);
		k->out_of_time = sqlite3_column_int64(s, 4);
		k->has_unsent = ank_cs_unsent_get(cs, k->kiosk, &k->unsent);
		ank_cs_printer_get(cs, k->kiosk, k->printer);
		v->frozen = v->frozen || k->frozen;
	}
	ank_cs_end(cs, s);
	cap = 0;
	if (ank_cs_prep(cs,
	                "SELECT p.kiosk, p.station, p.state, p.since_ms FROM proj_station p"
	                " JOIN kiosk k ON k.id = p.kiosk WHERE k.site = ?"
	                " ORDER BY p.kiosk, p.sort",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		ank_qv_station *st =
		        ank_cs_grow((void **)&v->stations, v->n_stations, &cap, sizeof *st);
		if (!st)
			goto oom;
		v->n_stations++;
		COL(st->kiosk, s, 0);
		COL(st->station, s, 1);
		COL(st->state, s, 2);
		st->since_ms = sqlite3_column_int64(s, 3);
	}
	ank_cs_end(cs, s);
	cap = 0;
	/* Ticket ids grow in issue order, which is the queue order except after a requeue. */
	if (ank_cs_prep(cs,
	                "SELECT v.kiosk, v.ticket, v.label, v.day, v.route, v.substance,"
	                " v.state, v.station, v.helper IS NOT NULL, v.since_ms FROM kiosk k"
	                " JOIN visit v INDEXED BY visit_open ON v.kiosk = k.id AND v.open"
	                " WHERE k.site = ? ORDER BY v.kiosk, v.ticket",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		ank_qv_ticket *t = ank_cs_grow((void **)&v->tickets, v->n_tickets, &cap, sizeof *t);
		if (!t)
			goto oom;
		v->n_tickets++;
		COL(t->kiosk, s, 0);
		t->ticket = sqlite3_column_int64(s, 1);
		COL(t->label, s, 2);
		COL(t->day, s, 3);
		COL(t->route, s, 4);
		COL(t->substance, s, 5);
		COL(t->state, s, 6);
		COL(t->station, s, 7);
		t->assisted = sqlite3_column_int(s, 8);
		t->since_ms = sqlite3_column_int64(s, 9);
	}
	ank_cs_end(cs, s);
	/* The site's last answer to a site.config change from central. */
	if (ank_cs_prep(cs,
	                "SELECT c.kiosk, c.state, c.change, c.reason, c.at_ms FROM kiosk_config c"
	                " JOIN kiosk k ON k.id = c.kiosk WHERE k.site = ?"
	                " ORDER BY c.at_ms DESC, c.received_ms DESC LIMIT 1",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW) {
		COL(v->config.kiosk, s, 0);
		COL(v->config.state, s, 1);
		v->config.change = sqlite3_column_int64(s, 2);
		COL(v->config.reason, s, 3);
		v->config.since_ms = sqlite3_column_int64(s, 4);
	}
	ank_cs_end(cs, s);
	/* The newest site config any kiosk of the site applied. */
	if (ank_cs_prep(cs,
	                "SELECT i.body FROM site_info i JOIN kiosk k ON k.id = i.kiosk"
	                " WHERE k.site = ? ORDER BY i.at_ms DESC LIMIT 1",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW && !(v->site_info = strdup(ank_cs_col(s, 0))))
		goto oom;
	ank_cs_end(cs, s);
	/* The newest acknowledgement of each open ticket's timer. */
	cap = 0;
	if (ank_cs_prep(cs,
	                "SELECT a.kiosk, a.station, a.ticket, a.level, a.account, max(a.at_ms)"
	                " FROM kiosk k JOIN visit v INDEXED BY visit_open ON v.kiosk = k.id"
	                " AND v.open JOIN alarm_ack a ON a.kiosk = v.kiosk AND a.ticket = v.ticket"
	                " WHERE k.site = ? GROUP BY a.kiosk, a.ticket",
	                &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		ank_qv_ack *a = ank_cs_grow((void **)&v->acks, v->n_acks, &cap, sizeof *a);
		if (!a)
			goto oom;
		v->n_acks++;
		COL(a->kiosk, s, 0);
		COL(a->station, s, 1);
		a->ticket = sqlite3_column_int64(s, 2);
		COL(a->level, s, 3);
		COL(a->by, s, 4);
		a->at_ms = sqlite3_column_int64(s, 5);
	}
	ank_cs_end(cs, s);
	/* Open help requests: neither closed at the kiosk nor taken here, and not lapsed. */
	cap = 0;
	if (ank_cs_prep(
	            cs,
	            "SELECT h.kiosk, h.id, h.asked_ms FROM help_request h"
	            " INDEXED BY help_request_open WHERE h.site = ? AND h.answered_ms IS NULL"
	            " AND h.asked_ms >= ? AND NOT EXISTS (SELECT 1 FROM help_ack a"
	            " WHERE a.kiosk = h.kiosk AND a.id = h.id) ORDER BY h.asked_ms, h.kiosk, h.id",
	            &s) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now - ANK_HELP_OPEN_MS);
	while (sqlite3_step(s) == SQLITE_ROW) {
		ank_qv_help *h = ank_cs_grow((void **)&v->help, v->n_help, &cap, sizeof *h);
		if (!h)
			goto oom;
		v->n_help++;
		COL(h->kiosk, s, 0);
		h->id = sqlite3_column_int64(s, 1);
		h->asked_ms = sqlite3_column_int64(s, 2);
	}
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	v->rev = rev;
	return 0;
oom:
	ank_err_set(err, "out of memory");
	goto out;
fail:
	ank_cs_fail(cs, err);
out:
	ank_cs_end(cs, s);
	pthread_mutex_unlock(&cs->mu);
	return rc;
}
