/* The report for the ministry (docs/operations.md "Report"): counts per site and in total over
 * a span of days, computed from the kiosks' events, central's registry (linkage keys for unique
 * users) and staff records, as one JSON document that names what the data cannot give. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ank_text.h"
#include "ank_time.h"
#include "cstore_int.h"

/* One query context: the bounds every statement binds as ?1 site (NULL: all sites),
 * ?2 from_ms, ?3 to_ms (exclusive), ?4 the year ages are counted at. */
typedef struct rq {
	ank_cstore *cs;
	const char *site;
	long long from_ms, to_ms;
	int year;
	bool failed; /* a statement failed; err holds the first message */
	ank_err *err;
} rq;

/* Events of one type of the span and site. Kiosk time decides the day: it is when things
 * happened at the site, even when the kiosk was offline and sent them later. */
#define EV(type)                                                                                   \
	" FROM event e JOIN kiosk k ON k.id = e.kiosk WHERE e.type = '" type "'"                   \
	" AND e.kiosk_ms >= ?2 AND e.kiosk_ms < ?3 AND (?1 IS NULL OR k.site = ?1)"
/* Staff records of one kind of the span and site. */
#define REC(kind)                                                                                  \
	" FROM record r WHERE r.kind = '" kind "' AND r.at_ms >= ?2 AND r.at_ms < ?3"              \
	" AND (?1 IS NULL OR r.site = ?1)"
/* Registry rows of the users who checked in during the span (for their linkage key). */
#define USERS_JOIN                                                                                 \
	" FROM registry g WHERE g.id IN (SELECT json_extract(e.payload, '$.user')" EV(             \
	        "ticket.issued") ")"
/* Sessions started in the span, each with the ticket.issued event of its ticket. INDEXED BY:
 * left alone the planner walks all of a kiosk's events for every session. */
#define WAITS                                                                                      \
	" FROM event e JOIN kiosk k ON k.id = e.kiosk JOIN event i INDEXED BY event_issued_ticket" \
	" ON i.type = 'ticket.issued'"                                                             \
	" AND i.kiosk = e.kiosk AND json_extract(i.payload, '$.ticket') ="                         \
	" json_extract(e.payload, '$.ticket') WHERE e.type = 'session.started'"                    \
	" AND e.kiosk_ms >= ?2 AND e.kiosk_ms < ?3 AND (?1 IS NULL OR k.site = ?1)"
/* Weekday name from kiosk time in the process's time zone. */
#define WEEKDAY                                                                                    \
	"substr('sunmontuewedthufrisat',"                                                          \
	" 1 + 3 * strftime('%w', e.kiosk_ms / 1000, 'unixepoch', 'localtime'), 3)"
#define AGE_GROUP                                                                                  \
	"CASE WHEN ?4 - g.birth_year < 18 THEN 'under_18' WHEN ?4 - g.birth_year < 25 THEN"        \
	" '18-24' WHEN ?4 - g.birth_year < 35 THEN '25-34' WHEN ?4 - g.birth_year < 45 THEN"       \
	" '35-44' WHEN ?4 - g.birth_year < 55 THEN '45-54' ELSE '55+' END"

static sqlite3_stmt *prep(rq *q, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(q->cs->db, sql, -1, &s, NULL) != SQLITE_OK) {
		if (!q->failed)
			ank_cs_fail(q->cs, q->err);
		q->failed = true;
		sqlite3_finalize(s);
		return NULL;
	}
	/* A statement that does not use a bound is fine: binding it only reports a range error. */
	ank_cs_bind_opt(s, 1, q->site);
	sqlite3_bind_int64(s, 2, q->from_ms);
	sqlite3_bind_int64(s, 3, q->to_ms);
	sqlite3_bind_int(s, 4, q->year);
	return s;
}

static void done(rq *q, sqlite3_stmt *s, int rc)
{
	if (rc != SQLITE_DONE && !q->failed) {
		ank_cs_fail(q->cs, q->err);
		q->failed = true;
	}
	sqlite3_finalize(s);
}

/* The first column of the first row as a number (0 when NULL). */
static double number(rq *q, const char *sql)
{
	sqlite3_stmt *s = prep(q, sql);
	if (!s)
		return 0;
	double v = 0;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_double(s, 0);
		rc = SQLITE_DONE;
	}
	done(q, s, rc);
	return v;
}

static json_t *count(rq *q, const char *sql)
{
	return json_integer((json_int_t)number(q, sql));
}

/* {key: n} from rows (key, n); a NULL key counts as "unknown". */
static json_t *counts(rq *q, const char *sql)
{
	json_t *o = json_object();
	sqlite3_stmt *s = prep(q, sql);
	if (!s)
		return o;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k =
		        sqlite3_column_type(s, 0) == SQLITE_NULL ? "unknown" : ank_cs_col(s, 0);
		json_object_set_new(o, k, json_integer(sqlite3_column_int64(s, 1)));
	}
	done(q, s, rc);
	return o;
}

/* {a: {b: n}} from rows (a, b, n). */
static json_t *counts2(rq *q, const char *sql)
{
	json_t *o = json_object();
	sqlite3_stmt *s = prep(q, sql);
	if (!s)
		return o;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *a =
		        sqlite3_column_type(s, 0) == SQLITE_NULL ? "unknown" : ank_cs_col(s, 0);
		const char *b =
		        sqlite3_column_type(s, 1) == SQLITE_NULL ? "unknown" : ank_cs_col(s, 1);
		json_t *inner = json_object_get(o, a);
		if (!inner) {
			inner = json_object();
			json_object_set_new(o, a, inner);
		}
		json_object_set_new(inner, b, json_integer(sqlite3_column_int64(s, 2)));
	}
	done(q, s, rc);
	return o;
}

/* A number rounded to one decimal, or null when there is nothing to average. */
static json_t *decimal(double v, bool defined)
{
	return defined ? json_real((double)(long long)(v * 10 + 0.5) / 10) : json_null();
}

/* Every figure for one site, or for all sites when q->site is NULL. */
static json_t *section(rq *q)
{
	json_t *o = json_object();
	/* Check-ins: a ticket issued at the kiosk. */
	json_object_set_new(o, "checkins", count(q, "SELECT count(*)" EV("ticket.issued")));
	json_object_set_new(o, "checkins_by_route",
	                    counts(q, "SELECT json_extract(e.payload, '$.route'), count(*)" EV(
	                                      "ticket.issued") " GROUP BY 1"));
	json_object_set_new(o, "checkins_by_substance",
	                    counts(q, "SELECT json_extract(e.payload, '$.substance'), count(*)" EV(
	                                      "ticket.issued") " GROUP BY 1"));
	json_object_set_new(o, "checkins_by_route_substance",
	                    counts2(q, "SELECT json_extract(e.payload, '$.route'),"
	                               " json_extract(e.payload, '$.substance'), count(*)" EV(
	                                       "ticket.issued") " GROUP BY 1, 2"));
	json_object_set_new(o, "checkins_assisted",
	                    count(q, "SELECT count(*)" EV("ticket.issued") " AND json_extract("
	                                                                   "e.payload, '$.helper')"
	                                                                   " IS NOT NULL"));
	json_object_set_new(o, "checkins_by_weekday",
	                    counts(q, "SELECT " WEEKDAY ", count(*)" EV("ticket.issued") " GROUP BY"
	                                                                                 " 1"));
	json_object_set_new(
	        o, "checkins_by_hour",
	        counts(q, "SELECT strftime('%H', e.kiosk_ms / 1000, 'unixepoch', 'localtime'),"
	                  " count(*)" EV("ticket.issued") " GROUP BY 1"));
	/* Intakes: a session started at a station. */
	double intakes = number(q, "SELECT count(*)" EV("session.started"));
	json_object_set_new(o, "intakes", json_integer((json_int_t)intakes));
	json_object_set_new(o, "intakes_by_route",
	                    counts(q, "SELECT json_extract(e.payload, '$.route'), count(*)" EV(
	                                      "session.started") " GROUP BY 1"));
	json_object_set_new(o, "intakes_by_substance",
	                    counts(q, "SELECT json_extract(e.payload, '$.substance'), count(*)" EV(
	                                      "session.started") " GROUP BY 1"));
	double ended = number(q, "SELECT count(*)" EV("session.ended"));
	json_object_set_new(o, "sessions_ended", json_integer((json_int_t)ended));
	json_object_set_new(
	        o, "session_seconds",
	        json_integer((json_int_t)number(
	                q, "SELECT coalesce(sum(json_extract(e.payload, '$.duration_s')), 0)" EV(
	                           "session.ended"))));
	json_object_set_new(
	        o, "session_mean_s",
	        decimal(number(q, "SELECT avg(json_extract(e.payload, '$.duration_s'))" EV(
	                                  "session.ended")),
	                ended > 0));
	/* Waiting time, a safety figure: from the ticket to the start of its session. */
	double waited = number(q, "SELECT count(*)" WAITS);
	json_object_set_new(o, "wait_mean_s",
	                    decimal(number(q, "SELECT avg(e.kiosk_ms - i.kiosk_ms) / 1000.0" WAITS),
	                            waited > 0));
	json_object_set_new(o, "no_shows", count(q, "SELECT count(*)" EV("ticket.no_show")));
	json_object_set_new(o, "cancelled", count(q, "SELECT count(*)" EV("ticket.cancelled")));
	/* Refusals at the kiosk, and people staff turned away (records). */
	json_object_set_new(o, "refusals", count(q, "SELECT count(*)" EV("checkin.refused")));
	json_object_set_new(o, "refusals_by_reason",
	                    counts(q, "SELECT json_extract(e.payload, '$.reason'), count(*)" EV(
	                                      "checkin.refused") " GROUP BY 1"));
	json_object_set_new(o, "rejections", count(q, "SELECT count(*)" REC("rejection")));
	json_object_set_new(o, "rejections_by_reason",
	                    counts(q, "SELECT json_extract(r.body, '$.reason'), count(*)" REC(
	                                      "rejection") " GROUP BY 1"));
	/* Unique users: distinct linkage keys, so one person registered twice counts once. */
	json_object_set_new(o, "unique_users",
	                    count(q, "SELECT count(DISTINCT g.linkage)" USERS_JOIN));
	json_object_set_new(o, "unique_users_unlinked",
	                    count(q, "SELECT count(DISTINCT json_extract(e.payload, '$.user'))" EV(
	                                     "ticket.issued") " AND NOT EXISTS (SELECT 1 FROM"
	                                                      " registry g0 WHERE g0.id ="
	                                                      " json_extract(e.payload,"
	                                                      " '$.user'))"));
	json_object_set_new(
	        o, "unique_users_by_gender",
	        counts(q, "SELECT g.gender, count(DISTINCT g.linkage)" USERS_JOIN " GROUP BY 1"));
	json_object_set_new(o, "unique_users_by_age_group",
	                    counts(q, "SELECT " AGE_GROUP ", count(DISTINCT g.linkage)" USERS_JOIN
	                              " GROUP BY 1"));
	json_object_set_new(o, "unique_users_by_municipality",
	                    counts(q, "SELECT g.municipality, count(DISTINCT g.linkage)" USERS_JOIN
	                              " GROUP BY 1"));
	/* Overdoses and referrals as staff recorded them. */
	double overdoses = number(q, "SELECT count(*)" REC("overdose"));
	json_object_set_new(o, "overdoses", json_integer((json_int_t)overdoses));
	json_object_set_new(
	        o, "overdoses_naloxone",
	        count(q,
	              "SELECT count(*)" REC("overdose") " AND json_extract(r.body, '$.naloxone')"));
	json_object_set_new(o, "overdoses_oxygen",
	                    count(q, "SELECT count(*)" REC(
	                                     "overdose") " AND json_extract(r.body, '$.oxygen')"));
	json_object_set_new(
	        o, "overdoses_ambulance",
	        count(q, "SELECT count(*)" REC(
	                         "overdose") " AND json_extract(r.body, '$.ambulance')"));
	json_object_set_new(o, "overdoses_by_outcome",
	                    counts(q, "SELECT json_extract(r.body, '$.outcome'), count(*)" REC(
	                                      "overdose") " GROUP BY 1"));
	json_object_set_new(o, "overdoses_per_1000_intakes",
	                    decimal(intakes > 0 ? overdoses * 1000 / intakes : 0, intakes > 0));
	json_object_set_new(o, "referrals", count(q, "SELECT count(*)" REC("referral")));
	json_object_set_new(o, "referrals_by_type",
	                    counts(q, "SELECT json_extract(r.body, '$.type'), count(*)" REC(
	                                      "referral") " GROUP BY 1"));
	json_object_set_new(o, "incidents", count(q, "SELECT count(*)" REC("incident")));
	return o;
}

/* Local midnight of "YYYY-MM-DD" (plus `days`) in ms; -1 when it is not a real date. */
static long long day_start(const char *day, int days)
{
	if (!day || strlen(day) != 10 || day[4] != '-' || day[7] != '-')
		return -1;
	long y = 0, m = 0, d = 0;
	char part[5];
	snprintf(part, sizeof part, "%.4s", day);
	if (ank_parse_long(part, 1900, 9999, &y))
		return -1;
	snprintf(part, sizeof part, "%.2s", day + 5);
	if (ank_parse_long(part, 1, 12, &m))
		return -1;
	snprintf(part, sizeof part, "%.2s", day + 8);
	if (ank_parse_long(part, 1, 31, &d))
		return -1;
	struct tm tm = {
	        .tm_year = (int)y - 1900, .tm_mon = (int)m - 1, .tm_mday = (int)d, .tm_isdst = -1};
	struct tm check = tm;
	if (mktime(&check) == (time_t)-1 || check.tm_mday != (int)d || check.tm_mon != (int)m - 1)
		return -1;
	tm.tm_mday += days;
	time_t t = mktime(&tm);
	return t == (time_t)-1 ? -1 : (long long)t * 1000;
}

char *ank_cstore_report(ank_cstore *cs, const char *from, const char *to, int64_t now, ank_err *err)
{
	long long from_ms = from ? day_start(from, 0) : 0;
	long long to_ms = to ? day_start(to, 1) : (long long)now + 366LL * 86400 * 1000;
	if (from_ms < 0 || to_ms < 0) {
		ank_err_set(err, "--from and --to must be real dates YYYY-MM-DD");
		return NULL;
	}
	if (to_ms <= from_ms) {
		ank_err_set(err, "--to is before --from");
		return NULL;
	}
	/* Ages are counted at the end of the span: the year of its last day. */
	time_t last = (time_t)((to_ms - 1) / 1000);
	if (last > (time_t)(now / 1000))
		last = (time_t)(now / 1000);
	struct tm lt;
	localtime_r(&last, &lt);
	rq q = {.cs = cs,
	        .from_ms = from_ms,
	        .to_ms = to_ms,
	        .year = lt.tm_year + 1900,
	        .err = err};
	pthread_mutex_lock(&cs->mu);
	json_t *sites = json_object();
	sqlite3_stmt *s = prep(&q, "SELECT id, name FROM site UNION SELECT site, NULL FROM kiosk"
	                           " WHERE site NOT IN (SELECT id FROM site) ORDER BY 1");
	int rc = SQLITE_DONE;
	while (s && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		char id[ANK_CS_ID_MAX + 1];
		snprintf(id, sizeof id, "%s", ank_cs_col(s, 0));
		q.site = id;
		json_t *sec = section(&q);
		json_object_set_new(sec, "name", json_string(ank_cs_col(s, 1)));
		json_object_set_new(sites, id, sec);
	}
	if (s)
		done(&q, s, rc);
	q.site = NULL;
	json_t *totals = section(&q);
	pthread_mutex_unlock(&cs->mu);
	if (q.failed) {
		json_decref(sites);
		json_decref(totals);
		return NULL;
	}
	char generated[32];
	ank_iso_format(now, generated, sizeof generated);
	const char *tz = getenv("TZ");
	json_t *missing = json_pack(
	        "[s, s, s, s, s]",
	        "capacity utilisation: the events give session time (session_seconds) but not the "
	        "hours each station was open, so there is no denominator",
	        "age: only the birth year is registered; ages are the year of the last day minus "
	        "the birth year and can be one year too high",
	        "users known only from a kiosk's imported registry have no linkage key: they are "
	        "counted per user id in unique_users_unlinked and may include the same person "
	        "twice",
	        "overdoses, referrals, incidents and rejections are those staff recorded at "
	        "central "
	        "(POST /api/v1/sites/{site}/records); nothing is derived from kiosk events",
	        "small counts are not suppressed: suppress cells under 10 before publishing");
	json_t *root = json_pack("{s:i, s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "v", 1, "from",
	                         from ? json_string(from) : json_null(), "to",
	                         to ? json_string(to) : json_null(), "time_zone",
	                         tz && tz[0] ? tz : "local", "generated_at", generated, "totals",
	                         totals, "sites", sites, "missing", missing);
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!text)
		ank_err_set(err, "out of memory");
	return text;
}
