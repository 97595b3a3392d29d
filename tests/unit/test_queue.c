/* Golden cases for the queue rules: every refusal reason, ticket lifecycle, assignment,
 * no-show and requeue, freeze, transfer, day rollover, assisted routing, flex stations,
 * recall limit, timers, estimates and unknown ids. */
#include "ank_time.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

/* Monday 06:00 local: before the 08:00 opening. */
#define MONDAY_0600 (T0 - MIN(6 * 60))

static int setup(void **state)
{
	fixture *f = fixture_new();
	fixture_apply(f);
	fixture_user(f, "u1", "Søren", 1984, "male");
	fixture_user(f, "u2", "Mette", 1988, "female");
	fixture_user(f, "u3", "Karim", 1986, "male");
	fixture_user(f, "u4", "Nanna", 1993, "female");
	fixture_user(f, "u5", "Tomas", 1982, "male");
	fixture_user(f, "u6", "Jonas", 1990, "male");
	fixture_user(f, "u7", "Ida", 1995, "female");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* ---- refusals: one table, each case names its setup ---- */

typedef struct refusal_case {
	const char *name;
	void (*prepare)(fixture *f);
	const char *user, *substance, *helper;
	ank_route route;
	int64_t now;
	ank_refusal expected;
} refusal_case;

static void prep_none(fixture *f)
{
	(void)f;
}

static void prep_quarantine(fixture *f)
{
	ank_user u = fixture_get_user(f, "u1");
	u.quarantine_until_ms = T0 + MIN(60 * 24);
	fixture_put_user(f, &u);
}

static void prep_quarantine_over(fixture *f)
{
	ank_user u = fixture_get_user(f, "u1");
	u.quarantine_until_ms = T0 - 1;
	fixture_put_user(f, &u);
}

static void prep_no_consent(fixture *f)
{
	ank_user u = fixture_get_user(f, "u1");
	u.consent_version[0] = '\0';
	fixture_put_user(f, &u);
}

static void prep_minor(fixture *f)
{
	fixture_user(f, "kid", "Ung", 2009, "male");
}

static void prep_women_only(fixture *f)
{
	f->cfg.women_only = true;
	fixture_apply(f);
}

static void prep_no_smoking(fixture *f)
{
	f->cfg.routes[ANK_ROUTE_SMOKE] = false;
	fixture_apply(f);
}

static void prep_queued(fixture *f)
{
	assert_int_equal(fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL),
	                 ANK_Q_OK);
}

static void prep_queued_then_quarantine(fixture *f)
{
	prep_queued(f);
	prep_quarantine(f);
}

static void prep_no_assisted(fixture *f)
{
	f->cfg.assisted = false;
	fixture_apply(f);
}

static void prep_helper_minor(fixture *f)
{
	fixture_user(f, "kid", "Ung", 2009, "male");
}

static void prep_helper_quarantined(fixture *f)
{
	ank_user u = fixture_get_user(f, "u3");
	u.quarantine_until_ms = T0 + MIN(60);
	fixture_put_user(f, &u);
}

static const refusal_case refusal_cases[] = {
        {"closed-before-opening", prep_none, "u1", "heroin", NULL, ANK_ROUTE_INJECT, MONDAY_0600,
         ANK_REFUSE_CLOSED},
        {"closed-after-past-midnight-close", prep_none, "u1", "heroin", NULL, ANK_ROUTE_INJECT,
         T0 + MIN(14 * 60), ANK_REFUSE_CLOSED},
        {"quarantined", prep_quarantine, "u1", "heroin", NULL, ANK_ROUTE_INJECT, T0,
         ANK_REFUSE_QUARANTINED},
        {"no-consent", prep_no_consent, "u1", "heroin", NULL, ANK_ROUTE_INJECT, T0,
         ANK_REFUSE_NO_CONSENT},
        {"underage", prep_minor, "kid", "heroin", NULL, ANK_ROUTE_INJECT, T0, ANK_REFUSE_UNDERAGE},
        {"women-only-site", prep_women_only, "u1", "heroin", NULL, ANK_ROUTE_INJECT, T0,
         ANK_REFUSE_WOMEN_ONLY},
        {"route-not-offered", prep_no_smoking, "u1", "crack", NULL, ANK_ROUTE_SMOKE, T0,
         ANK_REFUSE_ROUTE_NOT_OFFERED},
        {"cannabis-never-smoked", prep_none, "u1", "cannabis", NULL, ANK_ROUTE_SMOKE, T0,
         ANK_REFUSE_SUBSTANCE_ROUTE},
        {"already-queued", prep_queued, "u1", "cocaine", NULL, ANK_ROUTE_INJECT, T0 + MIN(1),
         ANK_REFUSE_ALREADY_QUEUED},
        {"assisted-not-offered", prep_no_assisted, "u1", "heroin", "u3", ANK_ROUTE_INJECT, T0,
         ANK_REFUSE_ASSISTED_NOT_OFFERED},
        {"assisted-only-injection", prep_none, "u1", "crack", "u3", ANK_ROUTE_SMOKE, T0,
         ANK_REFUSE_ASSISTED_NOT_OFFERED},
        {"helper-unknown", prep_none, "u1", "heroin", "nobody", ANK_ROUTE_INJECT, T0,
         ANK_REFUSE_HELPER_UNKNOWN},
        {"helper-self", prep_none, "u1", "heroin", "u1", ANK_ROUTE_INJECT, T0,
         ANK_REFUSE_HELPER_SELF},
        {"helper-underage", prep_helper_minor, "u1", "heroin", "kid", ANK_ROUTE_INJECT, T0,
         ANK_REFUSE_HELPER_UNDERAGE},
        {"helper-quarantined", prep_helper_quarantined, "u1", "heroin", "u3", ANK_ROUTE_INJECT, T0,
         ANK_REFUSE_HELPER_QUARANTINED},
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof refusal_cases / sizeof refusal_cases[0]; i++) {
		const refusal_case *c = &refusal_cases[i];
		fixture *f = fixture_new();
		fixture_apply(f);
		fixture_user(f, "u1", "Søren", 1984, "male");
		fixture_user(f, "u3", "Karim", 1986, "male");
		c->prepare(f);
		int tickets_before = fixture_count(f, "SELECT count(*) FROM ticket");
		ank_checkin_result res;
		ank_q_rc rc = fixture_checkin(f, c->user, c->substance, c->route, c->helper, c->now,
		                              &res);
		if (rc != ANK_Q_REFUSED || res.refusal != c->expected)
			fail_msg("case %s: rc %s, refusal %s, expected %s", c->name,
			         ank_q_strerror(rc), ank_refusal_code(res.refusal),
			         ank_refusal_code(c->expected));
		/* Recorded locally and as an event; no ticket issued. */
		char sql[160];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM refusal WHERE reason = '%s'",
		         ank_refusal_code(c->expected));
		if (fixture_count(f, sql) != 1 || fixture_events(f, "checkin.refused") != 1 ||
		    fixture_count(f, "SELECT count(*) FROM ticket") != tickets_before)
			fail_msg("case %s: refusal not recorded exactly once", c->name);
		fixture_free(f);
	}
}

/* ---- the person check right after the nickname (issue 11, item 2) ---- */

typedef struct person_case {
	const char *name;
	void (*prepare)(fixture *f);
	const char *user;
	int64_t now;
	ank_refusal expected; /* ANK_REFUSE_NONE: allowed */
} person_case;

static const person_case person_cases[] = {
        {"closed", prep_none, "u1", MONDAY_0600, ANK_REFUSE_CLOSED},
        {"quarantined", prep_quarantine, "u1", T0, ANK_REFUSE_QUARANTINED},
        {"no-consent", prep_no_consent, "u1", T0, ANK_REFUSE_NO_CONSENT},
        {"underage", prep_minor, "kid", T0, ANK_REFUSE_UNDERAGE},
        {"women-only-site", prep_women_only, "u1", T0, ANK_REFUSE_WOMEN_ONLY},
        {"already-queued", prep_queued, "u1", T0 + MIN(1), ANK_REFUSE_ALREADY_QUEUED},
        /* Quarantine before the open ticket, in the order of the check-in's rules. */
        {"queued-and-quarantined", prep_queued_then_quarantine, "u1", T0 + MIN(1),
         ANK_REFUSE_QUARANTINED},
        {"allowed", prep_none, "u1", T0, ANK_REFUSE_NONE},
        {"allowed-quarantine-over", prep_quarantine_over, "u1", T0, ANK_REFUSE_NONE},
        {"allowed-woman-at-women-only-site", prep_women_only, "u2", T0, ANK_REFUSE_NONE},
};

/* The one checkin.refused event in the outbox, read with the decoder central's ingest uses;
 * its payload text goes to payload (cap bytes). */
static void read_refusal_event(fixture *f, ank_wire_event *ev, char *payload, size_t cap)
{
	sqlite3_stmt *s;
	assert_int_equal(
	        sqlite3_prepare_v2(ank_store_db(ank_queue_store(f->q)),
	                           "SELECT payload FROM outbox WHERE type = 'checkin.refused'", -1,
	                           &s, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	snprintf(payload, cap, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	ank_err err = {0};
	if (ank_wire_event_read(ANK_EV_CHECKIN_REFUSED, payload, ev, &err))
		fail_msg("central's decoder refuses %s: %s", payload, err.msg);
}

static void test_person_check(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(person_cases); i++) {
		const person_case *c = &person_cases[i];
		fixture *f = fixture_new();
		fixture_apply(f);
		fixture_user(f, "u1", "Søren", 1984, "male");
		fixture_user(f, "u2", "Mette", 1988, "female");
		c->prepare(f);
		int events_before = fixture_events(f, NULL);
		ank_checkin_result res;
		ank_err err = {0};
		ank_q_rc rc = ank_queue_check_person(f->q, c->user, c->now, &res, &err);
		ank_q_rc want = c->expected == ANK_REFUSE_NONE ? ANK_Q_OK : ANK_Q_REFUSED;
		if (rc != want || (rc == ANK_Q_REFUSED && res.refusal != c->expected)) {
			case_fail(&failed, "case %s: rc %s, refusal %s, expected %s", c->name,
			          ank_q_strerror(rc), ank_refusal_code(res.refusal),
			          ank_refusal_code(c->expected));
		} else if (c->expected == ANK_REFUSE_NONE) {
			/* Allowed: nothing written. */
			if (fixture_events(f, NULL) != events_before ||
			    fixture_count(f, "SELECT count(*) FROM refusal") != 0)
				case_fail(&failed, "case %s: an allowed person wrote something",
				          c->name);
		} else {
			/* Recorded once, without substance and route, in the row and the event. */
			char sql[200], payload[512];
			snprintf(sql, sizeof sql,
			         "SELECT count(*) FROM refusal WHERE reason = '%s' AND user_id = "
			         "'%s'"
			         " AND substance IS NULL AND route IS NULL",
			         ank_refusal_code(c->expected), c->user);
			ank_wire_event ev;
			if (fixture_count(f, sql) != 1 ||
			    fixture_events(f, "checkin.refused") != 1 ||
			    fixture_events(f, NULL) != events_before + 1) {
				case_fail(&failed, "case %s: refusal not recorded exactly once",
				          c->name);
			} else {
				read_refusal_event(f, &ev, payload, sizeof payload);
				if (ev.raw[ANK_F_SUBSTANCE] || ev.raw[ANK_F_ROUTE] ||
				    strcmp(ev.id[ANK_F_REASON], ank_refusal_code(c->expected)) ||
				    strcmp(ev.id[ANK_F_USER], c->user))
					case_fail(&failed, "case %s: event %s", c->name, payload);
			}
		}
		/* Already queued: the open ticket, as the check-in gives it to the screen. */
		if (c->expected == ANK_REFUSE_ALREADY_QUEUED && strcmp(res.ticket.label, "I-001"))
			case_fail(&failed, "case %s: ticket '%s', not I-001", c->name,
			          res.ticket.label);
		fixture_free(f);
	}
	assert_cases_passed(failed);
}

/* The person check writes nothing for an unknown user, and the check-in still checks the
 * same rules: the state may change between the nickname and the last tap. */
static void test_person_check_then_checkin(void **state)
{
	fixture *f = *state;
	ank_checkin_result res;
	ank_err err;
	int events_before = fixture_events(f, NULL);
	assert_int_equal(ank_queue_check_person(f->q, "nobody", T0, &res, &err), ANK_Q_E_NOT_FOUND);
	assert_int_equal(ank_queue_check_person(f->q, "", T0, &res, &err), ANK_Q_E_INPUT);
	assert_int_equal(ank_queue_check_person(f->q, "u1", T0, &res, &err), ANK_Q_OK);
	assert_int_equal(fixture_events(f, NULL), events_before);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM refusal"), 0);
	prep_quarantine(f); /* staff quarantine u1 while the substance is being chosen */
	assert_int_equal(fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &res),
	                 ANK_Q_REFUSED);
	assert_int_equal(res.refusal, ANK_REFUSE_QUARANTINED);
	/* That refusal knows the substance and route. */
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM refusal WHERE substance = 'heroin'"
	                                  " AND route = 'inject'"),
	                 1);
	char payload[512];
	ank_wire_event ev;
	read_refusal_event(f, &ev, payload, sizeof payload);
	assert_string_equal(ev.id[ANK_F_SUBSTANCE], "heroin");
	assert_string_equal(ev.id[ANK_F_ROUTE], "inject");
}

/* The same rules say yes at the edges the refusals test from the other side. */
static void test_allowed_edges(void **state)
{
	fixture *f = *state;
	/* Tuesday 01:30 is still Monday's opening (08:00-02:00). */
	assert_true(ank_queue_is_open(&f->cfg, T0 + MIN(13 * 60 + 30)));
	assert_false(ank_queue_is_open(&f->cfg, T0 + MIN(14 * 60)));
	assert_true(ank_queue_is_open(&f->cfg, T0 - MIN(4 * 60))); /* 08:00 */
	assert_false(ank_queue_is_open(&f->cfg, T0 - MIN(4 * 60) - 1));
	/* Someone turning 18 this year is let in; a finished quarantine is no bar. */
	fixture_user(f, "y18", "Atten", 2008, "male");
	assert_int_equal(fixture_checkin(f, "y18", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL),
	                 ANK_Q_OK);
	prep_quarantine_over(f);
	assert_int_equal(fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL),
	                 ANK_Q_OK);
	/* Women at a women-only site. */
	f->cfg.women_only = true;
	fixture_apply(f);
	assert_int_equal(fixture_checkin(f, "u2", "crack", ANK_ROUTE_SMOKE, NULL, T0, NULL),
	                 ANK_Q_OK);
}

/* When it opens and until when (the welcome screen and the closed refusal say them): hours
 * past midnight count on both sides of it, and a closed day is skipped. */
static void test_next_open(void **state)
{
	fixture *f = *state;
	/* Open now: next_open is now; open until 02:00 the night after (T0 + 14 h). */
	assert_true(ank_queue_next_open(&f->cfg, T0) == T0);
	assert_true(ank_queue_open_until(&f->cfg, T0) == T0 + MIN(14 * 60));
	/* Tuesday 01:30, on Monday's hours: still until 02:00. */
	assert_true(ank_queue_open_until(&f->cfg, T0 + MIN(13 * 60 + 30)) == T0 + MIN(14 * 60));
	/* Tuesday 02:00: closed, opens at 08:00. */
	assert_true(ank_queue_open_until(&f->cfg, T0 + MIN(14 * 60)) == -1);
	assert_true(ank_queue_next_open(&f->cfg, T0 + MIN(14 * 60)) == T0 + MIN(20 * 60));
	/* Tuesday closed: from Tuesday 02:00 the next opening is Wednesday 08:00. */
	struct tm tm;
	ank_local_tm(T0 + MIN(20 * 60), &tm);
	f->cfg.hours[tm.tm_wday].open_min = f->cfg.hours[tm.tm_wday].close_min = -1;
	assert_true(ank_queue_next_open(&f->cfg, T0 + MIN(14 * 60)) == T0 + MIN(44 * 60));
	/* Closed every day: none. */
	for (int d = 0; d < 7; d++)
		f->cfg.hours[d].open_min = f->cfg.hours[d].close_min = -1;
	assert_true(ank_queue_next_open(&f->cfg, T0) == -1);
}

/* ---- issuing and assignment ---- */

static void test_issue_calls_free_station_at_once(void **state)
{
	fixture *f = *state;
	ank_checkin_result r;
	assert_int_equal(fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &r),
	                 ANK_Q_OK);
	assert_string_equal(r.ticket.label, "I-001");
	assert_int_equal(r.ticket.state, ANK_TS_CALLED);
	/* i2 before i1: the assisted booth is kept for someone who needs it. */
	assert_string_equal(r.station_label, "i2");
	assert_int_equal(fixture_station(f, "i2").state, ANK_SS_RESERVED);
	assert_int_equal(fixture_events(f, "ticket.issued"), 1);
	assert_int_equal(fixture_events(f, "ticket.called"), 1);
}

static void test_flex_serves_either_route(void **state)
{
	fixture *f = *state;
	ank_checkin_result r;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &r); /* i2 */
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0, &r); /* i1 */
	fixture_checkin(f, "u3", "heroin", ANK_ROUTE_INJECT, NULL, T0, &r);
	assert_string_equal(r.station_label, "f1"); /* dedicated full: flex takes injection */
	fixture_checkin(f, "u4", "crack", ANK_ROUTE_SMOKE, NULL, T0, &r);
	assert_string_equal(r.station_label, "s1");
	fixture_checkin(f, "u5", "crack", ANK_ROUTE_SMOKE, NULL, T0, &r);
	assert_int_equal(r.ticket.state, ANK_TS_WAITING); /* flex taken, s1 taken */
	assert_int_equal(r.ahead, 0);
	/* The flex station frees up: the waiting smoker gets it. */
	int64_t flex_ticket = fixture_station(f, "f1").ticket_id;
	assert_int_equal(fixture_cmd(f, ANK_CMD_CANCEL, flex_ticket, NULL, T0 + MIN(1)), ANK_Q_OK);
	ank_ticket t = fixture_ticket(f, r.ticket.id);
	assert_int_equal(t.state, ANK_TS_CALLED);
	assert_string_equal(t.station_id, "f1");
}

static void test_fifo_and_autocall_after_cleaning(void **state)
{
	fixture *f = *state;
	f->n_stations = 1; /* only i1 */
	fixture_apply(f);
	ank_checkin_result a, b, c;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0 + 1000, &b);
	fixture_checkin(f, "u3", "heroin", ANK_ROUTE_INJECT, NULL, T0 + 2000, &c);
	assert_string_equal(a.station_label, "i1");
	assert_int_equal(b.ahead, 0);
	assert_int_equal(c.ahead, 1);
	assert_int_equal(fixture_cmd(f, ANK_CMD_START, a.ticket.id, NULL, T0 + MIN(1)), ANK_Q_OK);
	assert_int_equal(fixture_station(f, "i1").state, ANK_SS_OCCUPIED);
	assert_int_equal(fixture_cmd(f, ANK_CMD_END, a.ticket.id, NULL, T0 + MIN(21)), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, a.ticket.id).state, ANK_TS_DONE);
	assert_int_equal(fixture_station(f, "i1").state, ANK_SS_CLEANING);
	assert_int_equal(fixture_ticket(f, b.ticket.id).state, ANK_TS_WAITING);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CLEANING_DONE, 0, "i1", T0 + MIN(23)), ANK_Q_OK);
	/* Oldest first. */
	assert_int_equal(fixture_ticket(f, b.ticket.id).state, ANK_TS_CALLED);
	assert_int_equal(fixture_ticket(f, c.ticket.id).state, ANK_TS_WAITING);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox WHERE type='session.ended'"
	                                  " AND json_extract(payload,'$.duration_s') = 1200"),
	                 1);
}

static void test_manual_calls_when_auto_call_off(void **state)
{
	fixture *f = *state;
	f->cfg.auto_call = false;
	fixture_apply(f);
	ank_checkin_result a, b;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0 + 1, &b);
	assert_int_equal(a.ticket.state, ANK_TS_WAITING);
	/* Call next to a named station, then a specific ticket to any free one. */
	assert_int_equal(fixture_cmd(f, ANK_CMD_CALL_NEXT, 0, "i1", T0 + MIN(1)), ANK_Q_OK);
	ank_ticket t = fixture_ticket(f, a.ticket.id);
	assert_int_equal(t.state, ANK_TS_CALLED);
	assert_string_equal(t.station_id, "i1");
	assert_int_equal(fixture_cmd(f, ANK_CMD_CALL_NEXT, 0, "i1", T0 + MIN(1)), ANK_Q_E_STATE);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CALL_NEXT, 0, "s1", T0 + MIN(1)),
	                 ANK_Q_E_NOT_FOUND); /* nobody waits for smoking */
	assert_int_equal(fixture_cmd(f, ANK_CMD_CALL_TICKET, b.ticket.id, NULL, T0 + MIN(2)),
	                 ANK_Q_OK);
	assert_string_equal(fixture_ticket(f, b.ticket.id).station_id, "i2");
	assert_int_equal(fixture_cmd(f, ANK_CMD_CALL_TICKET, b.ticket.id, NULL, T0 + MIN(2)),
	                 ANK_Q_E_STATE);
}

static void test_women_only_station(void **state)
{
	fixture *f = *state;
	f->n_stations = 1;
	f->stations[0].women_only = true;
	fixture_apply(f);
	ank_checkin_result m, w;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &m);
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0 + 1, &w);
	assert_int_equal(m.ticket.state, ANK_TS_WAITING);
	assert_string_equal(w.station_label, "i1"); /* the woman behind him is called */
}

/* ---- assisted injection ---- */

static void test_assisted_routing(void **state)
{
	fixture *f = *state;
	ank_checkin_result a, b, c;
	/* Occupy i1 (the only assisted booth) by an assisted intake. */
	assert_int_equal(fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, "u3", T0, &a),
	                 ANK_Q_OK);
	assert_string_equal(a.station_label, "i1");
	assert_string_equal(a.ticket.helper_id, "u3");
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox WHERE type='ticket.issued'"
	                                  " AND json_extract(payload,'$.helper') = 'u3'"),
	                 1);
	/* A second assisted intake waits although i2 and f1 are free: they have no room. */
	assert_int_equal(fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, "u4", T0 + 1, &b),
	                 ANK_Q_OK);
	assert_int_equal(b.ticket.state, ANK_TS_WAITING);
	/* Someone unassisted behind it goes straight to i2. */
	fixture_checkin(f, "u5", "heroin", ANK_ROUTE_INJECT, NULL, T0 + 2, &c);
	assert_string_equal(c.station_label, "i2");
	/* Staff cannot call the assisted ticket to a station without room. */
	ank_cmd cmd = {.type = ANK_CMD_CALL_TICKET, .ticket_id = b.ticket.id, .station_id = "f1"};
	ank_err err;
	assert_int_equal(ank_queue_command(f->q, &cmd, T0 + 3, NULL, &err), ANK_Q_E_NO_STATION);
	/* i1 frees: the assisted ticket is called there. */
	fixture_cmd(f, ANK_CMD_CANCEL, a.ticket.id, NULL, T0 + MIN(1));
	assert_string_equal(fixture_ticket(f, b.ticket.id).station_id, "i1");
}

/* ---- history retention ---- */

/* The tick deletes a finished ticket once history_retention_days have passed (the daily
 * job, at most hourly), never an open one, and goes on without one past it. */
static void test_tick_prunes_history(void **state)
{
	fixture *f = *state;
	f->cfg.history_retention_days = 2;
	fixture_apply(f);
	ank_checkin_result a, b;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0 + MIN(1), &b);
	assert_int_equal(fixture_cmd(f, ANK_CMD_START, a.ticket.id, NULL, T0 + MIN(2)), ANK_Q_OK);
	assert_int_equal(fixture_cmd(f, ANK_CMD_END, a.ticket.id, NULL, T0 + MIN(22)), ANK_Q_OK);
	sqlite3 *db = ank_store_db(ank_queue_store(f->q));
	/* b stays open: the queue, not the history (a wait of days is staff's to clear). */
	assert_int_equal(ank_queue_tick(f->q, T0 + MIN(60 * 24), NULL), ANK_Q_OK);
	assert_true(fixture_ticket(f, a.ticket.id).id == a.ticket.id);
	assert_int_equal(ank_queue_tick(f->q, T0 + MIN(60 * 24 * 2 + 1), NULL), ANK_Q_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(
	        sqlite3_prepare_v2(db, "SELECT count(*) FROM ticket WHERE id = ?", -1, &s, NULL),
	        SQLITE_OK);
	sqlite3_bind_int64(s, 1, a.ticket.id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, b.ticket.id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 1);
	sqlite3_finalize(s);
}

/* ---- no-show, requeue ---- */

static void test_no_show_after_grace_and_requeue(void **state)
{
	fixture *f = *state;
	f->n_stations = 1;
	fixture_apply(f);
	ank_checkin_result a, b, c;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0 + MIN(1), &b);
	fixture_checkin(f, "u3", "heroin", ANK_ROUTE_INJECT, NULL, T0 + MIN(2), &c);
	/* Within the grace period nothing happens, and nothing is written. */
	int events = fixture_events(f, NULL);
	assert_int_equal(ank_queue_tick(f->q, T0 + MIN(5) - 1, NULL), ANK_Q_OK);
	assert_int_equal(fixture_events(f, NULL), events);
	assert_int_equal(fixture_ticket(f, a.ticket.id).state, ANK_TS_CALLED);
	/* After it, the ticket is a no-show and the next one is called. */
	assert_int_equal(ank_queue_tick(f->q, T0 + MIN(5), NULL), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, a.ticket.id).state, ANK_TS_NO_SHOW);
	assert_int_equal(fixture_ticket(f, b.ticket.id).state, ANK_TS_CALLED);
	assert_int_equal(fixture_events(f, "ticket.no_show"), 1);
	/* The staff screen lists today's no-shows for requeue. */
	ank_ticket gone[4];
	int n_gone;
	assert_int_equal(ank_queue_no_shows(f->q, T0 + MIN(5), gone, 4, &n_gone, NULL), ANK_Q_OK);
	assert_int_equal(n_gone, 1);
	assert_int_equal(gone[0].id, a.ticket.id);
	/* The user turns up: requeue puts them back at their old place, before u3. */
	assert_int_equal(fixture_cmd(f, ANK_CMD_REQUEUE, a.ticket.id, NULL, T0 + MIN(7)), ANK_Q_OK);
	ank_ticket open[8];
	int n;
	ank_queue_open_tickets(f->q, open, 8, &n, NULL);
	assert_int_equal(n, 3);
	assert_int_equal(open[0].id, a.ticket.id);
	assert_int_equal(open[0].state, ANK_TS_WAITING);
	assert_int_equal(open[2].id, c.ticket.id);
	int ahead, wait;
	ank_queue_ticket_estimate(f->q, c.ticket.id, T0 + MIN(7), &ahead, &wait, NULL);
	assert_int_equal(ahead, 1);
	/* Staff can also mark a no-show by hand; a waiting ticket cannot be one. */
	assert_int_equal(fixture_cmd(f, ANK_CMD_NO_SHOW, c.ticket.id, NULL, T0 + MIN(8)),
	                 ANK_Q_E_STATE);
	assert_int_equal(fixture_cmd(f, ANK_CMD_NO_SHOW, b.ticket.id, NULL, T0 + MIN(8)), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, a.ticket.id).state, ANK_TS_CALLED);
	/* The requeued one left the list; the new no-show is on it, and not on the next day's. */
	ank_queue_no_shows(f->q, T0 + MIN(8), gone, 4, &n_gone, NULL);
	assert_int_equal(n_gone, 1);
	assert_int_equal(gone[0].id, b.ticket.id);
	ank_queue_no_shows(f->q, T0 + MIN(24 * 60), gone, 4, &n_gone, NULL);
	assert_int_equal(n_gone, 0);
	/* Requeue is for no-shows only, and only on the same service day. */
	assert_int_equal(fixture_cmd(f, ANK_CMD_REQUEUE, c.ticket.id, NULL, T0 + MIN(9)),
	                 ANK_Q_E_STATE);
	assert_int_equal(fixture_cmd(f, ANK_CMD_REQUEUE, b.ticket.id, NULL, T0 + MIN(24 * 60)),
	                 ANK_Q_E_STATE);
}

/* ---- recall ---- */

static void test_recall_at_most_once_a_minute(void **state)
{
	fixture *f = *state;
	ank_checkin_result a;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	assert_int_equal(fixture_cmd(f, ANK_CMD_RECALL, a.ticket.id, NULL, T0 + 30000),
	                 ANK_Q_E_TOO_SOON);
	assert_int_equal(fixture_cmd(f, ANK_CMD_RECALL, a.ticket.id, NULL, T0 + 60000), ANK_Q_OK);
	assert_int_equal(fixture_cmd(f, ANK_CMD_RECALL, a.ticket.id, NULL, T0 + 90000),
	                 ANK_Q_E_TOO_SOON);
	assert_int_equal(fixture_cmd(f, ANK_CMD_RECALL, a.ticket.id, NULL, T0 + 120000), ANK_Q_OK);
	assert_int_equal(fixture_events(f, "ticket.recalled"), 2);
}

/* ---- freeze ---- */

static void test_freeze_and_resume(void **state)
{
	fixture *f = *state;
	f->n_stations = 1;
	fixture_apply(f);
	ank_checkin_result a, b, c;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_cmd(f, ANK_CMD_START, a.ticket.id, NULL, T0 + MIN(1));
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0 + MIN(2), &b);
	assert_int_equal(fixture_cmd(f, ANK_CMD_FREEZE, 0, NULL, T0 + MIN(3)), ANK_Q_OK);
	assert_int_equal(fixture_cmd(f, ANK_CMD_FREEZE, 0, NULL, T0 + MIN(3)), ANK_Q_E_STATE);
	/* Check-in still queues people during a freeze. */
	assert_int_equal(
	        fixture_checkin(f, "u3", "heroin", ANK_ROUTE_INJECT, NULL, T0 + MIN(4), &c),
	        ANK_Q_OK);
	/* The session ends and the station is cleaned, but nobody is called. */
	fixture_cmd(f, ANK_CMD_END, a.ticket.id, NULL, T0 + MIN(5));
	assert_int_equal(fixture_cmd(f, ANK_CMD_CLEANING_DONE, 0, "i1", T0 + MIN(6)), ANK_Q_OK);
	assert_int_equal(fixture_station(f, "i1").state, ANK_SS_FREE);
	assert_int_equal(fixture_ticket(f, b.ticket.id).state, ANK_TS_WAITING);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CALL_NEXT, 0, NULL, T0 + MIN(6)), ANK_Q_E_FROZEN);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CALL_TICKET, b.ticket.id, NULL, T0 + MIN(6)),
	                 ANK_Q_E_FROZEN);
	assert_int_equal(ank_queue_tick(f->q, T0 + MIN(30), NULL), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, b.ticket.id).state, ANK_TS_WAITING);
	/* Resume: the oldest waiting ticket is called with a fresh grace period. */
	assert_int_equal(fixture_cmd(f, ANK_CMD_RESUME, 0, NULL, T0 + MIN(40)), ANK_Q_OK);
	ank_ticket t = fixture_ticket(f, b.ticket.id);
	assert_int_equal(t.state, ANK_TS_CALLED);
	assert_int_equal(t.called_ms, T0 + MIN(40));
	assert_int_equal(fixture_events(f, "site.frozen"), 1);
	assert_int_equal(fixture_events(f, "site.resumed"), 1);
}

static void test_freeze_holds_called_tickets(void **state)
{
	fixture *f = *state;
	ank_checkin_result a;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_cmd(f, ANK_CMD_FREEZE, 0, NULL, T0 + MIN(1));
	ank_queue_tick(f->q, T0 + MIN(20), NULL);
	assert_int_equal(fixture_ticket(f, a.ticket.id).state, ANK_TS_CALLED); /* not a no-show */
	fixture_cmd(f, ANK_CMD_RESUME, 0, NULL, T0 + MIN(21));
	ank_queue_tick(f->q, T0 + MIN(25) - 1, NULL);
	assert_int_equal(fixture_ticket(f, a.ticket.id).state, ANK_TS_CALLED);
	ank_queue_tick(f->q, T0 + MIN(26), NULL);
	assert_int_equal(fixture_ticket(f, a.ticket.id).state, ANK_TS_NO_SHOW);
}

/* ---- transfer, cancel, stations ---- */

static void test_transfer_keeps_label_and_place(void **state)
{
	fixture *f = *state;
	f->cfg.auto_call = false;
	fixture_apply(f);
	ank_checkin_result a, b, c;
	fixture_checkin(f, "u1", "cocaine", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_checkin(f, "u2", "cocaine", ANK_ROUTE_SMOKE, NULL, T0 + 1, &b);
	fixture_checkin(f, "u3", "cocaine", ANK_ROUTE_INJECT, NULL, T0 + 2, &c);
	ank_cmd cmd = {
	        .type = ANK_CMD_TRANSFER, .ticket_id = b.ticket.id, .route = ANK_ROUTE_INJECT};
	ank_err err;
	assert_int_equal(ank_queue_command(f->q, &cmd, T0 + MIN(1), NULL, &err), ANK_Q_OK);
	ank_ticket t = fixture_ticket(f, b.ticket.id);
	assert_int_equal(t.route, ANK_ROUTE_INJECT);
	assert_string_equal(t.label, "R-001");
	int ahead, wait;
	ank_queue_ticket_estimate(f->q, c.ticket.id, T0 + MIN(1), &ahead, &wait, NULL);
	assert_int_equal(ahead, 2); /* the transferred ticket keeps its earlier place */
	assert_int_equal(ank_queue_command(f->q, &cmd, T0 + MIN(1), NULL, &err), ANK_Q_E_STATE);
	/* A route the site does not offer for that substance is refused with a reason. */
	fixture_user(f, "u9", "Ni", 1980, "male");
	ank_checkin_result d;
	fixture_checkin(f, "u9", "crack", ANK_ROUTE_SMOKE, NULL, T0 + 3, &d);
	f->cfg.routes[ANK_ROUTE_INJECT] = false;
	f->n_stations = 4;
	fixture_apply(f);
	cmd.ticket_id = d.ticket.id;
	assert_int_equal(ank_queue_command(f->q, &cmd, T0 + MIN(2), NULL, &err), ANK_Q_E_STATE);
	assert_non_null(strstr(err.msg, "not possible"));
	assert_int_equal(fixture_events(f, "ticket.transferred"), 1);
}

static void test_cancel_and_station_states(void **state)
{
	fixture *f = *state;
	f->n_stations = 1;
	fixture_apply(f);
	ank_checkin_result a, b;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0 + 1, &b);
	/* A reserved station cannot be closed. */
	assert_int_equal(fixture_cmd(f, ANK_CMD_CLOSE_STATION, 0, "i1", T0 + 2), ANK_Q_E_STATE);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CANCEL, a.ticket.id, NULL, T0 + 3), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, a.ticket.id).state, ANK_TS_CANCELLED);
	assert_int_equal(fixture_ticket(f, b.ticket.id).state, ANK_TS_CALLED);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CANCEL, a.ticket.id, NULL, T0 + 4), ANK_Q_E_STATE);
	fixture_cmd(f, ANK_CMD_CANCEL, b.ticket.id, NULL, T0 + 5);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CLOSE_STATION, 0, "i1", T0 + 6), ANK_Q_OK);
	/* A closed station is never assigned; opening it calls the next ticket. */
	ank_checkin_result c;
	fixture_checkin(f, "u3", "heroin", ANK_ROUTE_INJECT, NULL, T0 + 7, &c);
	assert_int_equal(c.ticket.state, ANK_TS_WAITING);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CLEANING_DONE, 0, "i1", T0 + 8), ANK_Q_E_STATE);
	assert_int_equal(fixture_cmd(f, ANK_CMD_OPEN_STATION, 0, "i1", T0 + 9), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, c.ticket.id).state, ANK_TS_CALLED);
	assert_int_equal(fixture_cmd(f, ANK_CMD_OPEN_STATION, 0, "i1", T0 + 10), ANK_Q_E_STATE);
	assert_int_equal(fixture_cmd(f, ANK_CMD_START, c.ticket.id, NULL, T0 + 11), ANK_Q_OK);
	assert_int_equal(fixture_cmd(f, ANK_CMD_START, c.ticket.id, NULL, T0 + 12), ANK_Q_E_STATE);
	assert_int_equal(fixture_cmd(f, ANK_CMD_CLOSE_STATION, 0, "i1", T0 + 13), ANK_Q_E_STATE);
}

/* ---- daily numbers ---- */

static void test_day_rollover(void **state)
{
	fixture *f = *state;
	f->cfg.auto_call = false;
	fixture_apply(f);
	/* Day starts 05:00. Monday 12:00 and Tuesday 04:59 are the same service day. */
	ank_checkin_result r;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &r);
	assert_string_equal(r.ticket.label, "I-001");
	assert_string_equal(r.ticket.day, "2026-11-23");
	fixture_checkin(f, "u2", "crack", ANK_ROUTE_SMOKE, NULL, T0, &r);
	assert_string_equal(r.ticket.label, "R-001");
	/* Open 08:00-02:00: give the day boundary an open site to test numbering at 04:59. */
	for (int d = 0; d < 7; d++) {
		f->cfg.hours[d].open_min = 0;
		f->cfg.hours[d].close_min = 1440;
	}
	fixture_apply(f);
	fixture_checkin(f, "u3", "heroin", ANK_ROUTE_INJECT, NULL, T0 + MIN(16 * 60 + 59), &r);
	assert_string_equal(r.ticket.label, "I-002");
	assert_string_equal(r.ticket.day, "2026-11-23");
	fixture_checkin(f, "u4", "heroin", ANK_ROUTE_INJECT, NULL, T0 + MIN(17 * 60), &r);
	assert_string_equal(r.ticket.label, "I-001");
	assert_string_equal(r.ticket.day, "2026-11-24");
	/* History is kept: both days' tickets and counters remain. */
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM ticket"), 4);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM day_counter"), 3);
}

/* ---- timers and estimates ---- */

static void test_session_timers(void **state)
{
	fixture *f = *state;
	ank_checkin_result a;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_cmd(f, ANK_CMD_START, a.ticket.id, NULL, T0);
	struct {
		int64_t at;
		ank_alert alert;
	} cases[] = {{MIN(19), ANK_ALERT_NONE},
	             {MIN(20), ANK_ALERT_WARN},
	             {MIN(29), ANK_ALERT_WARN},
	             {MIN(30), ANK_ALERT_ALARM}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ank_station_view v[ANK_MAX_STATIONS];
		int n;
		assert_int_equal(
		        ank_queue_stations(f->q, T0 + cases[i].at, v, ANK_MAX_STATIONS, &n, NULL),
		        ANK_Q_OK);
		for (int k = 0; k < n; k++)
			if (!strcmp(v[k].station.id, a.ticket.station_id)) {
				if (v[k].alert != cases[i].alert)
					fail_msg("timer case %zu: alert %d", i, v[k].alert);
				assert_string_equal(v[k].ticket_label, "I-001");
			}
	}
}

static void test_wait_estimate(void **state)
{
	fixture *f = *state;
	f->n_stations = 1;
	fixture_apply(f);
	ank_route_status s;
	ank_queue_route_status(f->q, ANK_ROUTE_INJECT, T0, &s, NULL);
	assert_int_equal(s.waiting, 0);
	assert_int_equal(s.wait_min, 0); /* a free station */
	ank_checkin_result a, b;
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &a);
	fixture_cmd(f, ANK_CMD_START, a.ticket.id, NULL, T0);
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0, &b);
	/* No data yet: 20 minutes per session, plus 2 minutes cleaning. */
	assert_int_equal(b.ahead, 0);
	assert_int_equal(b.wait_min, 22);
	ank_queue_route_status(f->q, ANK_ROUTE_INJECT, T0, &s, NULL);
	assert_int_equal(s.waiting, 1);
	assert_int_equal(s.wait_min, 44);
	/* Sessions of 10 minutes teach the estimate. */
	fixture_cmd(f, ANK_CMD_END, a.ticket.id, NULL, T0 + MIN(10));
	fixture_cmd(f, ANK_CMD_CLEANING_DONE, 0, "i1", T0 + MIN(10));
	fixture_cmd(f, ANK_CMD_START, b.ticket.id, NULL, T0 + MIN(10));
	ank_queue_route_status(f->q, ANK_ROUTE_INJECT, T0 + MIN(10), &s, NULL);
	assert_int_equal(s.wait_min, 12);
	/* A route nobody can serve gives no estimate. */
	ank_queue_route_status(f->q, ANK_ROUTE_SMOKE, T0, &s, NULL);
	assert_int_equal(s.wait_min, -1);
}

/* ---- unknown ids and bad input write nothing ---- */

static void test_unknown_ids_write_nothing(void **state)
{
	fixture *f = *state;
	int before = fixture_events(f, NULL);
	ank_err err;
	ank_checkin_result r;
	ank_checkin in = {.user_id = "ghost", .substance = "heroin", .route = ANK_ROUTE_INJECT};
	assert_int_equal(ank_queue_checkin(f->q, &in, T0, &r, &err), ANK_Q_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "unknown user"));
	in.user_id = "u1";
	in.substance = "glue";
	assert_int_equal(ank_queue_checkin(f->q, &in, T0, &r, &err), ANK_Q_E_INPUT);
	assert_non_null(strstr(err.msg, "unknown substance"));
	ank_cmd c = {.type = ANK_CMD_START, .ticket_id = 4242};
	assert_int_equal(ank_queue_command(f->q, &c, T0, NULL, &err), ANK_Q_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "unknown ticket"));
	c = (ank_cmd){.type = ANK_CMD_CLOSE_STATION, .station_id = "nope"};
	assert_int_equal(ank_queue_command(f->q, &c, T0, NULL, &err), ANK_Q_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "unknown station"));
	c = (ank_cmd){.type = ANK_CMD_CLOSE_STATION};
	assert_int_equal(ank_queue_command(f->q, &c, T0, NULL, &err), ANK_Q_E_INPUT);
	c = (ank_cmd){.type = ANK_CMD_COUNT};
	assert_int_equal(ank_queue_command(f->q, &c, T0, NULL, &err), ANK_Q_E_INPUT);
	assert_int_equal(fixture_events(f, NULL), before);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM ticket"), 0);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM refusal"), 0);
}

/* The sync client's hook runs inside the command's transaction: what it writes commits
 * with the command, and when it fails the command is rolled back with it. */
typedef struct hook_ctx {
	int calls;
	bool fail;
	int64_t affected;
} hook_ctx;

static int test_hook(void *ctx, ank_store *st, int64_t affected, ank_err *err)
{
	hook_ctx *h = ctx;
	h->calls++;
	h->affected = affected;
	if (h->fail)
		return ank_err_set(err, "hook failed");
	return ank_store_outbox_append(st, ANK_EV_COMMAND_APPLIED, T0,
	                               json_pack("{s:i}", "command", 7), err) ||
	       ank_store_cursor_set(st, 42, err);
}

static void test_command_hook_in_transaction(void **state)
{
	fixture *f = *state;
	ank_err err;
	hook_ctx h = {.fail = true};
	ank_cmd c = {.type = ANK_CMD_CLOSE_STATION,
	             .station_id = "i1",
	             .in_tx = test_hook,
	             .in_tx_ctx = &h};
	int before = fixture_events(f, NULL);
	assert_int_equal(ank_queue_command(f->q, &c, T0, NULL, &err), ANK_Q_E_DB);
	assert_int_equal(h.calls, 1);
	assert_int_equal(fixture_events(f, NULL), before); /* rolled back, station too */
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM station WHERE id = 'i1' AND"
	                                  " state = 'closed'"),
	                 0);
	h.fail = false;
	assert_int_equal(ank_queue_command(f->q, &c, T0, NULL, &err), ANK_Q_OK);
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.affected, 0); /* a station command acts on no ticket */
	assert_int_equal(fixture_events(f, "command.applied"), 1);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM station WHERE id = 'i1' AND"
	                                  " state = 'closed'"),
	                 1);
	int64_t cursor = 0;
	assert_int_equal(ank_store_cursor_get(ank_queue_store(f->q), &cursor, &err), 0);
	assert_int_equal(cursor, 42);
	/* A refused command never reaches the hook. */
	c = (ank_cmd){
	        .type = ANK_CMD_START, .ticket_id = 4242, .in_tx = test_hook, .in_tx_ctx = &h};
	assert_int_equal(ank_queue_command(f->q, &c, T0, NULL, &err), ANK_Q_E_NOT_FOUND);
	assert_int_equal(h.calls, 2);
}

/* One open ticket per user holds in the database itself, not only in the rules: a
 * second open row for the same user cannot be written even by code that skips them. */
static void test_one_open_ticket_is_a_database_guarantee(void **state)
{
	fixture *f = *state;
	ank_checkin_result r;
	assert_int_equal(fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, &r),
	                 ANK_Q_OK);
	assert_int_equal(r.ticket.state, ANK_TS_CALLED);
	ank_store *st = ank_queue_store(f->q);
	ank_ticket t = r.ticket;
	snprintf(t.label, sizeof t.label, "I-999");
	t.state = ANK_TS_WAITING;
	ank_err err;
	assert_int_equal(ank_store_begin(st, &err), 0);
	assert_int_equal(ank_store_ticket_insert(st, &t, &err), -1);
	assert_non_null(strstr(err.msg, "UNIQUE"));
	ank_store_rollback(st);
	/* A finished ticket does not count. */
	fixture_cmd(f, ANK_CMD_CANCEL, r.ticket.id, NULL, T0 + 1);
	assert_int_equal(ank_store_begin(st, &err), 0);
	assert_int_equal(ank_store_ticket_insert(st, &t, &err), 0);
	ank_store_rollback(st);
}

static void test_full_queue_refuses_new_tickets(void **state)
{
	fixture *f = *state;
	/* Fill the queue to its cap directly; the cap bounds memory per command. */
	char sql[512];
	snprintf(sql, sizeof sql,
	         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
	         " INSERT INTO ticket(day, number, label, user_id, women, route, substance, state,"
	         " queue_key, created_ms) SELECT '2026-11-23', i, 'X-' || i, 'filler' || i, 0,"
	         " 'inject', 'heroin', 'waiting', i, 0 FROM n",
	         ANK_MAX_OPEN_TICKETS);
	assert_int_equal(sqlite3_exec(ank_store_db(ank_queue_store(f->q)), sql, NULL, NULL, NULL),
	                 SQLITE_OK);
	int before = fixture_events(f, NULL);
	assert_int_equal(fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL),
	                 ANK_Q_E_FULL);
	assert_int_equal(fixture_events(f, NULL), before);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM ticket"), ANK_MAX_OPEN_TICKETS);
}

static void test_outbox_sequence_and_command_codes(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < ANK_CMD_COUNT; i++)
		assert_int_equal(ank_cmd_from_code(ank_cmd_code((ank_cmd_type)i)), i);
	assert_int_equal(ank_cmd_from_code("launch"), -1);
	fixture_checkin(f, "u1", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL);
	fixture_checkin(f, "u2", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL);
	int n = fixture_events(f, NULL);
	assert_true(n > 4);
	assert_int_equal(fixture_count(f, "SELECT max(seq) FROM outbox"), n);
	assert_int_equal(fixture_count(f, "SELECT count(DISTINCT event_id) FROM outbox"), n);
}

/* "Call staff": one request while one is open, each with its event and only an id; a closed
 * or lapsed one lets the next tap call again; closing an unknown one writes nothing. */
static void test_help_requests(void **state)
{
	fixture *f = *state;
	int64_t id = 0, again = 0;
	bool already = true;
	ank_help open[4];
	int n = -1;
	assert_int_equal(ank_queue_help_request(f->q, T0, &id, &already, NULL), ANK_Q_OK);
	assert_true(id > 0);
	assert_false(already);
	assert_int_equal(ank_queue_help_request(f->q, T0 + MIN(5), &again, &already, NULL),
	                 ANK_Q_OK);
	assert_true(already);
	assert_int_equal(again, id);
	assert_int_equal(fixture_events(f, "help.requested"), 1);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox WHERE type ="
	                                  " 'help.requested' AND payload = '{\"id\":1}'"),
	                 1);
	assert_int_equal(ank_queue_help_open(f->q, T0 + MIN(5), open, 4, &n, NULL), ANK_Q_OK);
	assert_int_equal(n, 1);
	assert_int_equal(open[0].asked_ms, T0);
	/* Staff close it at the kiosk: the next tap calls again. */
	assert_int_equal(ank_queue_help_answer(f->q, id, T0 + MIN(6), NULL), ANK_Q_OK);
	assert_int_equal(ank_queue_help_answer(f->q, id, T0 + MIN(6), NULL), ANK_Q_E_NOT_FOUND);
	assert_int_equal(ank_queue_help_answer(f->q, 99, T0 + MIN(6), NULL), ANK_Q_E_NOT_FOUND);
	assert_int_equal(fixture_events(f, "help.answered"), 1);
	assert_int_equal(ank_queue_help_open(f->q, T0 + MIN(6), open, 4, &n, NULL), ANK_Q_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ank_queue_help_request(f->q, T0 + MIN(7), &id, &already, NULL), ANK_Q_OK);
	assert_false(already);
	/* Not closed, but older than ANK_HELP_OPEN_MS: lapsed, and a tap calls again. */
	int64_t late = T0 + MIN(7) + ANK_HELP_OPEN_MS;
	assert_int_equal(ank_queue_help_open(f->q, late - 1, open, 4, &n, NULL), ANK_Q_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ank_queue_help_open(f->q, late + 1, open, 4, &n, NULL), ANK_Q_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ank_queue_help_request(f->q, late + 1, &again, &already, NULL), ANK_Q_OK);
	assert_false(already);
	assert_int_equal(again, id + 1);
	assert_int_equal(fixture_events(f, "help.requested"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_person_check),
	        cmocka_unit_test_setup_teardown(test_person_check_then_checkin, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_next_open, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_allowed_edges, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_issue_calls_free_station_at_once, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_flex_serves_either_route, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fifo_and_autocall_after_cleaning, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_manual_calls_when_auto_call_off, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_women_only_station, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_assisted_routing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tick_prunes_history, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_no_show_after_grace_and_requeue, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_recall_at_most_once_a_minute, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_freeze_and_resume, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_freeze_holds_called_tickets, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_transfer_keeps_label_and_place, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_and_station_states, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_day_rollover, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_session_timers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_wait_estimate, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_command_hook_in_transaction, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unknown_ids_write_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_one_open_ticket_is_a_database_guarantee, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_full_queue_refuses_new_tickets, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_outbox_sequence_and_command_codes, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_help_requests, setup, teardown),
	};
	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
