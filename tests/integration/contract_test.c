/* Contract test across both programs as libraries: a scripted two-day scenario drives the
 * kiosk's real queue, its real outbox rows travel through the wire encoder and decoder into
 * central's store, and every figure of central's report is checked against counts this file
 * derives from its own scenario table; the same rows fed one by one and in random batch
 * sizes into fresh central stores must give the same report. */
#include "testlib.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ank_text.h"
#include "ank_time.h"
#include "cstore.h"
#include "report_make.h"
#include "proto.h"
#include "queue.h"

/* ---- the site, its users and its staff records ---- */

/* The site config the kiosk runs, in the INI format of docs/formats.md (as
 * tests/ui/manual.ini, but open 08:00-02:00 so that "closed" and a night past midnight
 * happen). auto_call is off so that every call is a step of the scenario below. */
static const char site_ini[] = "[site]\n"
                               "id = demo\n"
                               "name = Demo-rummet\n"
                               "timezone = Europe/Copenhagen\n"
                               "routes = inject, smoke\n"
                               "assisted = true\n"
                               "languages = da, en\n"
                               "day_starts = 05:00\n"
                               "auto_call = false\n"
                               "call_grace_min = 5\n"
                               "clean_after_session = true\n"
                               "[hours]\n"
                               "mon = 08:00-02:00\n"
                               "tue = 08:00-02:00\n"
                               "wed = 08:00-02:00\n"
                               "thu = 08:00-02:00\n"
                               "fri = 08:00-02:00\n"
                               "sat = 08:00-02:00\n"
                               "sun = 08:00-02:00\n"
                               "[station.1]\n"
                               "type = inject\n"
                               "assisted = true\n"
                               "[station.2]\n"
                               "type = inject\n"
                               "assisted = false\n"
                               "[station.3]\n"
                               "type = smoke\n"
                               "assisted = false\n"
                               "[station.4]\n"
                               "type = smoke\n"
                               "assisted = false\n"
                               "[station.5]\n"
                               "type = flex\n"
                               "assisted = false\n";

/* The config an admin sends on Tuesday: smoking stops (the smoke stations are retired), so a
 * smoker is refused with route_not_offered. */
static const char site_ini_inject_only[] = "[site]\n"
                                           "id = demo\n"
                                           "name = Demo-rummet\n"
                                           "routes = inject\n"
                                           "assisted = true\n"
                                           "auto_call = false\n"
                                           "[hours]\n"
                                           "mon = 08:00-02:00\n"
                                           "tue = 08:00-02:00\n"
                                           "wed = 08:00-02:00\n"
                                           "thu = 08:00-02:00\n"
                                           "fri = 08:00-02:00\n"
                                           "sat = 08:00-02:00\n"
                                           "sun = 08:00-02:00\n"
                                           "[station.1]\n"
                                           "type = inject\n"
                                           "assisted = true\n"
                                           "[station.2]\n"
                                           "type = inject\n"
                                           "assisted = false\n"
                                           "[station.5]\n"
                                           "type = flex\n"
                                           "assisted = false\n";

#define SITE       "demo"
#define SITE_NAME  "Demo-rummet"
#define SITE_MUNI  "101"
#define OTHER_SITE "nord" /* same municipality, no kiosk: only staff records */
#define YEAR       2026   /* the year of every report below: ages are counted in it */
/* When the reports are made: Wednesday noon (an open span's capacity ends here). */
#define REPORT_NOW local_ms(2, 12, 0)

/* A user of the scenario. Ages in 2026 sit on the report's group boundaries (18, 25, 44, 45,
 * 55) so that an off-by-one in a group shows. `person` names the human: two central entries of one
 * person (same folded nickname, birth year and gender, so the same linkage key) share it and must
 * count once. Kiosk-only users (central = false) come from the kiosk's own registry import
 * and have no linkage key. */
typedef struct tuser {
	const char *alias;
	const char *nickname;
	int birth_year;
	const char *gender;
	const char *municipality;
	const char *person;
	bool central;
	bool quarantined; /* quarantined at central before the scenario */
	char id[ANK_CS_ID_MAX + 1];
} tuser;

static tuser users[] = {
        {"soren1", "Søren", 1984, "male", "101", "A", true, false, ""},
        {"soren2", "søren", 1984, "male", "101", "A", true, false, ""}, /* registered twice */
        {"mette", "Mette", 1988, "female", "167", "B", true, false, ""},
        {"karim", "Karim", 1981, "male", "101", "C", true, false, ""},
        {"nanna", "Nanna", 1982, "female", "abroad", "D", true, false, ""},
        {"aeblet", "Æblet", 1971, "male", "unknown", "E", true, false, ""},
        {"robin", "Robin", 2001, "other", "147", "F", true, false, ""},
        {"ung", "Ungo", 2008, "male", "101", "J", true, false, ""},   /* 18 this year: let in */
        {"kid", "Kiddo", 2010, "male", "101", "G", true, false, ""},  /* only refused */
        {"tomas", "Tomas", 1982, "male", "101", "H", true, true, ""}, /* only refused */
        {"helper", "Big Søren", 1979, "male", "101", "I", true, false, ""}, /* only helps */
        {"lis", "Lis", 1970, "female", "101", NULL, false, false, "u-kiosk-lis"},
};

static tuser *user_by_alias(const char *alias)
{
	for (size_t i = 0; i < COUNT_OF(users); i++)
		if (!strcmp(users[i].alias, alias))
			return &users[i];
	fail_msg("no user '%s' in the scenario", alias);
	return NULL;
}

/* Local time in Europe/Copenhagen: `day` days after Monday 2026-11-23 (negative days are
 * earlier in the year). isdst as struct tm has it: -1 lets the C library decide, which it
 * cannot in the hour the clocks go back; 1 and 0 pick summer or standard time there. */
static int64_t local_ms_dst(int day, int hh, int mm, int ss, int isdst)
{
	struct tm tm = {.tm_year = YEAR - 1900,
	                .tm_mon = 10,
	                .tm_mday = 23 + day,
	                .tm_hour = hh,
	                .tm_min = mm,
	                .tm_sec = ss,
	                .tm_isdst = isdst};
	return (int64_t)mktime(&tm) * 1000;
}

static int64_t local_ms_s(int day, int hh, int mm, int ss)
{
	return local_ms_dst(day, hh, mm, ss, -1);
}

static int64_t local_ms(int day, int hh, int mm)
{
	return local_ms_s(day, hh, mm, 0);
}

/* A staff record at central; the report counts these as they are. */
typedef struct trecord {
	const char *site;
	int day, hh, mm;
	const char *kind;
	bool naloxone, oxygen, ambulance;
	const char *code; /* outcome, referral type or rejection reason */
	const char *station;
} trecord;

static const trecord records[] = {
        {SITE, 0, 9, 35, "overdose", true, true, true, "hospital", "2"},
        {SITE, 0, 15, 35, "overdose", false, true, false, "recovered", NULL},
        {SITE, 1, 8, 55, "overdose", true, false, false, "recovered", "1"},
        {SITE, 0, 11, 0, "referral", false, false, false, "health", NULL},
        {SITE, 1, 9, 40, "referral", false, false, false, "housing", NULL},
        {SITE, 1, 9, 45, "referral", false, false, false, "health", NULL},
        {SITE, 0, 14, 20, "incident", false, false, false, NULL, NULL},
        {SITE, 0, 10, 30, "rejection", false, false, false, "intoxicated", NULL},
        {SITE, 1, 8, 10, "rejection", false, false, false, "underage", NULL},
        {SITE, 1, 8, 15, "rejection", false, false, false, "intoxicated", NULL},
        {OTHER_SITE, 1, 12, 0, "incident", false, false, false, NULL, NULL},
        {OTHER_SITE, 0, 13, 0, "referral", false, false, false, "drug_treatment", NULL},
        {OTHER_SITE, 0, 16, 0, "overdose", false, true, false, "left", NULL},
};

/* ---- the scenario ---- */

typedef enum step_kind { S_CHECKIN, S_CMD, S_TICK, S_CONFIG } step_kind;

/* One step at the kiosk. `ticket` names a ticket of the scenario: a check-in that is
 * issued binds it, a command acts on it, a tick watches it. `after` is the state the
 * ticket must be in after the step (NULL: not checked). */
typedef struct step {
	const char *name;
	step_kind kind;
	int day, hh, mm, ss;
	const char *ticket;
	const char *after;
	/* S_CHECKIN */
	const char *user, *substance, *helper;
	ank_route route;
	ank_refusal refusal; /* ANK_REFUSE_NONE: a ticket is issued */
	const char *label;   /* the label it must get */
	/* S_CMD */
	ank_cmd_type cmd;
	const char *station;
	ank_route to; /* transfer */
	ank_q_rc rc;  /* ANK_Q_OK unless the step checks a refused command */
	/* S_TICK: the tick turns `ticket` into a no-show; false: the tick writes nothing */
	bool no_show;
	/* S_CONFIG: a whole site config, applied as the sync client applies central's */
	const char *ini;
	/* 0: the C library decides summer or standard time; 1 summer, 2 standard (the hour
	 * the clocks go back happens twice) */
	int dst;
} step;

static int64_t step_ms(const step *s)
{
	return local_ms_dst(s->day, s->hh, s->mm, s->ss, s->dst == 0 ? -1 : s->dst == 1);
}

#define ISSUE(nm, d, h, m, usr, sub, rt, tk, lbl)                                                  \
	{                                                                                          \
		.name = nm, .kind = S_CHECKIN, .day = d, .hh = h, .mm = m, .user = usr,            \
		.substance = sub, .route = ANK_ROUTE_##rt, .ticket = tk, .label = lbl,             \
		.after = "waiting"                                                                 \
	}
#define ASSISTED(nm, d, h, m, usr, sub, hlp, tk, lbl)                                              \
	{                                                                                          \
		.name = nm, .kind = S_CHECKIN, .day = d, .hh = h, .mm = m, .user = usr,            \
		.substance = sub, .route = ANK_ROUTE_INJECT, .helper = hlp, .ticket = tk,          \
		.label = lbl, .after = "waiting"                                                   \
	}
#define REFUSE(nm, d, h, m, usr, sub, rt, hlp, why)                                                \
	{                                                                                          \
		.name = nm, .kind = S_CHECKIN, .day = d, .hh = h, .mm = m, .user = usr,            \
		.substance = sub, .route = ANK_ROUTE_##rt, .helper = hlp,                          \
		.refusal = ANK_REFUSE_##why                                                        \
	}
/* Refused right after the nickname (ank_queue_check_person): no substance or route. */
#define REFUSE_EARLY(nm, d, h, m, usr, why)                                                        \
	{                                                                                          \
		.name = nm, .kind = S_CHECKIN, .day = d, .hh = h, .mm = m, .user = usr,            \
		.refusal = ANK_REFUSE_##why                                                        \
	}
#define CMD(nm, d, h, m, c, tk, st, aft)                                                           \
	{                                                                                          \
		.name = nm, .kind = S_CMD, .day = d, .hh = h, .mm = m, .cmd = ANK_CMD_##c,         \
		.ticket = tk, .station = st, .after = aft                                          \
	}
/* A command at a second within the minute, so that means get a fraction to round. */
#define CMD_S(nm, d, h, m, sec, c, tk, st, aft)                                                    \
	{                                                                                          \
		.name = nm, .kind = S_CMD, .day = d, .hh = h, .mm = m, .ss = sec,                  \
		.cmd = ANK_CMD_##c, .ticket = tk, .station = st, .after = aft                      \
	}
#define CMD_FAILS(nm, d, h, m, c, tk, st, code)                                                    \
	{                                                                                          \
		.name = nm, .kind = S_CMD, .day = d, .hh = h, .mm = m, .cmd = ANK_CMD_##c,         \
		.ticket = tk, .station = st, .rc = ANK_Q_##code                                    \
	}
#define TRANSFER(nm, d, h, m, tk, rt)                                                              \
	{                                                                                          \
		.name = nm, .kind = S_CMD, .day = d, .hh = h, .mm = m, .cmd = ANK_CMD_TRANSFER,    \
		.ticket = tk, .to = ANK_ROUTE_##rt, .after = "waiting"                             \
	}
#define CONFIG(nm, d, h, m, text)                                                                  \
	{                                                                                          \
		.name = nm, .kind = S_CONFIG, .day = d, .hh = h, .mm = m, .ini = text              \
	}
#define TICK(nm, d, h, m, tk, aft, ns)                                                             \
	{                                                                                          \
		.name = nm, .kind = S_TICK, .day = d, .hh = h, .mm = m, .ticket = tk,              \
		.after = aft, .no_show = ns                                                        \
	}

/* Day 0 is Monday 2026-11-23, day 1 Tuesday. The site is open 08:00-02:00, so the night
 * steps at day 1 00:30 still belong to Monday's service day (labels go on from Monday)
 * but to Tuesday in the report, which counts local days of kiosk time. */
static const step scenario[] = {
        /* Monday morning: both routes, several substances, every kind of refusal. */
        ISSUE("mon-issue-soren-heroin", 0, 9, 0, "soren1", "heroin", INJECT, "T1", "I-001"),
        ISSUE("mon-issue-mette-cocaine", 0, 9, 2, "mette", "cocaine", SMOKE, "T2", "R-001"),
        REFUSE("mon-refuse-already-queued", 0, 9, 5, "soren1", "cocaine", SMOKE, NULL,
               ALREADY_QUEUED),
        REFUSE("mon-refuse-underage", 0, 9, 6, "kid", "heroin", INJECT, NULL, UNDERAGE),
        REFUSE("mon-refuse-quarantined", 0, 9, 7, "tomas", "heroin", INJECT, NULL, QUARANTINED),
        REFUSE("mon-refuse-cannabis", 0, 9, 8, "karim", "cannabis", SMOKE, NULL, SUBSTANCE_ROUTE),
        REFUSE_EARLY("mon-refuse-early-quarantined", 0, 9, 9, "tomas", QUARANTINED),
        CMD("mon-call-T1", 0, 9, 10, CALL_TICKET, "T1", "2", "called"),
        CMD("mon-start-T1", 0, 9, 12, START, "T1", NULL, "in_session"), /* waited 12 min */
        CMD("mon-call-T2", 0, 9, 13, CALL_TICKET, "T2", "3", "called"),
        CMD("mon-start-T2", 0, 9, 14, START, "T2", NULL, "in_session"), /* waited 12 min */
        CMD("mon-end-T1", 0, 9, 30, END, "T1", NULL, "done"),           /* 18 min */
        CMD("mon-clean-2", 0, 9, 31, CLEANING_DONE, NULL, "2", NULL),
        /* An assisted intake: station 2 has no room for the helper, station 1 has. */
        ASSISTED("mon-issue-karim-assisted", 0, 9, 40, "karim", "heroin", "helper", "T3", "I-002"),
        CMD_FAILS("mon-call-T3-unassisted-station", 0, 9, 41, CALL_TICKET, "T3", "2", E_NO_STATION),
        CMD("mon-call-next-T3", 0, 9, 41, CALL_NEXT, "T3", NULL, "called"),
        CMD("mon-start-T3", 0, 9, 43, START, "T3", NULL, "in_session"), /* waited 3 min */
        /* A no-show by the grace period (5 min), then requeued at its old place. */
        ISSUE("mon-issue-nanna-crack", 0, 9, 45, "nanna", "crack", SMOKE, "T4", "R-002"),
        CMD("mon-call-T4", 0, 9, 46, CALL_TICKET, "T4", "4", "called"),
        TICK("mon-tick-within-grace", 0, 9, 50, "T4", "called", false),
        TICK("mon-tick-grace-over", 0, 9, 52, "T4", "no_show", true),
        CMD("mon-requeue-T4", 0, 9, 55, REQUEUE, "T4", NULL, "waiting"),
        CMD("mon-call-T4-again", 0, 9, 56, CALL_TICKET, "T4", "4", "called"),
        CMD("mon-start-T4", 0, 9, 58, START, "T4", NULL, "in_session"), /* 13 min after issue */
        CMD("mon-end-T2", 0, 10, 0, END, "T2", NULL, "done"),           /* 46 min */
        CMD("mon-end-T3", 0, 10, 5, END, "T3", NULL, "done"),           /* 22 min */
        CMD("mon-end-T4", 0, 10, 20, END, "T4", NULL, "done"),          /* 22 min */
        CMD("mon-clean-1", 0, 10, 21, CLEANING_DONE, NULL, "1", NULL),
        CMD("mon-clean-3", 0, 10, 21, CLEANING_DONE, NULL, "3", NULL),
        CMD("mon-clean-4", 0, 10, 21, CLEANING_DONE, NULL, "4", NULL),
        /* Afternoon: a transfer to the other route, a no-show by command, a cancel. */
        ISSUE("mon-issue-aeblet-amph", 0, 14, 0, "aeblet", "amphetamine", INJECT, "T5", "I-003"),
        ISSUE("mon-issue-robin-meth", 0, 14, 1, "robin", "methamphetamine", SMOKE, "T6", "R-003"),
        TRANSFER("mon-transfer-T5-smoke", 0, 14, 2, "T5", SMOKE),
        CMD("mon-call-T5", 0, 14, 3, CALL_TICKET, "T5", "3", "called"),
        CMD("mon-start-T5", 0, 14, 4, START, "T5", NULL, "in_session"), /* a smoke intake */
        CMD("mon-call-T6", 0, 14, 5, CALL_TICKET, "T6", "4", "called"),
        CMD("mon-no-show-T6", 0, 14, 8, NO_SHOW, "T6", NULL, "no_show"),
        ISSUE("mon-issue-lis-kiosk-only", 0, 14, 10, "lis", "heroin", INJECT, "T7", "I-004"),
        CMD("mon-cancel-T7", 0, 14, 11, CANCEL, "T7", NULL, "cancelled"),
        CMD("mon-end-T5", 0, 14, 30, END, "T5", NULL, "done"), /* 26 min */
        CMD("mon-clean-3b", 0, 14, 31, CLEANING_DONE, NULL, "3", NULL),
        /* An emergency freeze: check-in still queues, no calls, no no-shows; resume gives
         * the called ticket a fresh grace period. */
        ISSUE("mon-issue-nanna-heroin", 0, 14, 55, "nanna", "heroin", INJECT, "T8", "I-005"),
        CMD("mon-call-T8", 0, 14, 56, CALL_TICKET, "T8", "2", "called"),
        CMD("mon-freeze", 0, 15, 0, FREEZE, NULL, NULL, NULL),
        ISSUE("mon-issue-while-frozen", 0, 15, 1, "mette", "other", INJECT, "T9", "I-006"),
        CMD_FAILS("mon-call-while-frozen", 0, 15, 2, CALL_TICKET, "T9", "5", E_FROZEN),
        TICK("mon-tick-frozen", 0, 15, 10, "T8", "called", false),
        CMD("mon-resume", 0, 15, 20, RESUME, NULL, NULL, NULL),
        TICK("mon-tick-fresh-grace", 0, 15, 23, "T8", "called", false),
        CMD("mon-start-T8", 0, 15, 24, START, "T8", NULL, "in_session"), /* 29 min after issue */
        CMD("mon-call-T9", 0, 15, 25, CALL_TICKET, "T9", "5", "called"),
        TICK("mon-tick-T9-gone", 0, 15, 31, "T9", "no_show", true),
        CMD("mon-end-T8", 0, 15, 40, END, "T8", NULL, "done"), /* 16 min */
        CMD("mon-clean-2b", 0, 15, 41, CLEANING_DONE, NULL, "2", NULL),
        /* The night: Tuesday by the clock, still Monday's service day. */
        ISSUE("night-issue-soren2-ketamine", 1, 0, 30, "soren2", "ketamine", SMOKE, "T10", "R-004"),
        CMD("night-call-T10", 1, 0, 31, CALL_TICKET, "T10", "3", "called"),
        CMD("night-start-T10", 1, 0, 35, START, "T10", NULL, "in_session"), /* waited 5 min */
        CMD("night-end-T10", 1, 0, 50, END, "T10", NULL, "done"),           /* 15 min */
        CMD("night-clean-3", 1, 0, 51, CLEANING_DONE, NULL, "3", NULL),
        REFUSE("night-refuse-closed", 1, 3, 0, "karim", "heroin", INJECT, NULL, CLOSED),
        /* Tuesday: a new service day, numbers start again; yesterday's no-show stays one. */
        CMD_FAILS("tue-requeue-yesterday", 1, 8, 20, REQUEUE, "T9", NULL, E_STATE),
        ISSUE("tue-issue-mette-heroin", 1, 8, 30, "mette", "heroin", INJECT, "T11", "I-001"),
        REFUSE("tue-refuse-helper-self", 1, 8, 31, "robin", "speedball", INJECT, "robin",
               HELPER_SELF),
        CMD("tue-call-T11", 1, 8, 32, CALL_TICKET, "T11", "1", "called"),
        CMD("tue-start-T11", 1, 8, 33, START, "T11", NULL, "in_session"), /* waited 3 min */
        REFUSE("tue-refuse-in-session", 1, 8, 35, "mette", "cocaine", SMOKE, NULL, ALREADY_QUEUED),
        REFUSE_EARLY("tue-refuse-early-in-session", 1, 8, 36, "mette", ALREADY_QUEUED),
        REFUSE_EARLY("tue-refuse-early-underage", 1, 8, 37, "kid", UNDERAGE),
        ISSUE("tue-issue-soren-smoke", 1, 8, 40, "soren1", "heroin", SMOKE, "T12", "R-001"),
        CMD("tue-call-T12", 1, 8, 41, CALL_TICKET, "T12", "5", "called"),
        TRANSFER("tue-transfer-called-T12", 1, 8, 42, "T12", INJECT),
        CMD("tue-call-T12-inject", 1, 8, 43, CALL_TICKET, "T12", "2", "called"),
        CMD("tue-start-T12", 1, 8, 45, START, "T12", NULL, "in_session"), /* waited 5 min */
        ISSUE("tue-issue-lis-opioid", 1, 8, 50, "lis", "opioid", SMOKE, "T13", "R-002"),
        CMD("tue-call-T13", 1, 8, 51, CALL_TICKET, "T13", "3", "called"),
        CMD_S("tue-start-T13", 1, 8, 52, 30, START, "T13", NULL, "in_session"), /* 150 s */
        CMD("tue-end-T11", 1, 9, 0, END, "T11", NULL, "done"),                  /* 27 min */
        CMD("tue-end-T13", 1, 9, 10, END, "T13", NULL, "done"),                 /* 1050 s */
        CMD_S("tue-end-T12", 1, 9, 20, 7, END, "T12", NULL, "done"),            /* 2107 s */
        ISSUE("tue-issue-karim-benzo", 1, 9, 30, "karim", "benzodiazepine", INJECT, "T14",
              "I-002"), /* T12 keeps R-001 after its transfer */
        CMD("tue-call-T14", 1, 9, 31, CALL_TICKET, "T14", "5", "called"),
        CMD("tue-cancel-called-T14", 1, 9, 32, CANCEL, "T14", NULL, "cancelled"),
        /* Still waiting when the data is read: a check-in without an intake. */
        ISSUE("tue-issue-nanna-left-waiting", 1, 10, 0, "nanna", "other", SMOKE, "T15", "R-003"),
        ISSUE("tue-issue-ung-18", 1, 10, 5, "ung", "cocaine", INJECT, "T16", "I-003"),
        /* A new config without smoking: T15 keeps waiting (station 5 is flex). */
        CONFIG("tue-config-inject-only", 1, 11, 0, site_ini_inject_only),
        REFUSE("tue-refuse-smoke-not-offered", 1, 11, 5, "robin", "heroin", SMOKE, NULL,
               ROUTE_NOT_OFFERED),
};

/* What one run of the test plays: the two days above, or a generated year (year_make). */
typedef struct scen {
	const step *steps;
	size_t n;
	const char *ini;         /* the site config applied at setup */
	int first_day, last_day; /* the setup's day and the report's day */
	int64_t setup_ms, report_now;
} scen;

static scen S_ = {scenario, COUNT_OF(scenario), site_ini, 0, 2, 0, 0};

/* ---- what the report must say, derived from the tables above ---- */

typedef enum mkind { M_CHECKIN, M_INTAKE, M_ENDED, M_NO_SHOW, M_CANCEL, M_REFUSAL } mkind;

/* One fact the report counts, in kiosk time. */
typedef struct mfact {
	mkind kind;
	int64_t ms;
	const char *route, *substance, *user, *reason;
	bool assisted;
	int64_t value; /* M_INTAKE: wait in ms since the ticket; M_ENDED: duration in s */
} mfact;

/* What the test knows of one scenario ticket. */
typedef struct mticket {
	const char *alias;
	int64_t id; /* the kiosk's ticket id */
	ank_route route;
	const char *substance;
	int64_t issued_ms, started_ms;
	int64_t first_called_ms; /* 0 until the first successful call */
	const char *station;     /* where it was last called */
} mticket;

/* Room for the generated year (about 2,000 visits); the world is calloc'd. */
#define MAX_FACTS   65536
#define MAX_TICKETS 16384

/* A session at a station, start to end: the station was occupied. */
typedef struct msession {
	const char *station;
	int64_t start_ms, end_ms;
} msession;

typedef struct model {
	mfact f[MAX_FACTS];
	int n;
	msession s[MAX_TICKETS];
	int ns;
	mticket t[MAX_TICKETS];
	int nt;
} model;

static mticket *model_ticket(model *m, const char *alias)
{
	/* From the newest: a step acts on a ticket of its own visit. */
	for (int i = m->nt - 1; i >= 0; i--)
		if (!strcmp(m->t[i].alias, alias))
			return &m->t[i];
	fail_msg("ticket %s is not issued in the scenario", alias);
	return NULL;
}

static void model_add(model *m, mfact f)
{
	assert_true(m->n < MAX_FACTS);
	m->f[m->n++] = f;
}

/* The fact a successful step adds. Only the step table decides: what was issued, when,
 * with which route (a transfer changes the route of later facts, not of the check-in). */
static void model_step(model *m, const step *s, int64_t now)
{
	if (s->kind == S_CHECKIN) {
		if (s->refusal != ANK_REFUSE_NONE) {
			model_add(m, (mfact){.kind = M_REFUSAL,
			                     .ms = now,
			                     .reason = ank_refusal_code(s->refusal)});
			return;
		}
		/* The ticket itself was bound by run_step. */
		mticket *t = model_ticket(m, s->ticket);
		t->route = s->route;
		t->substance = s->substance;
		t->issued_ms = now;
		model_add(m, (mfact){.kind = M_CHECKIN,
		                     .ms = now,
		                     .route = ank_route_code(s->route),
		                     .substance = s->substance,
		                     .user = s->user,
		                     .assisted = s->helper != NULL});
		return;
	}
	if (s->kind == S_CONFIG)
		return; /* only what the config refuses later counts */
	if (s->kind == S_TICK) {
		if (s->no_show)
			model_add(m, (mfact){.kind = M_NO_SHOW, .ms = now});
		return;
	}
	if (s->rc != ANK_Q_OK)
		return; /* a refused command changes nothing */
	mticket *t = s->ticket ? model_ticket(m, s->ticket) : NULL;
	switch (s->cmd) {
	case ANK_CMD_START:
		t->started_ms = now;
		model_add(m, (mfact){.kind = M_INTAKE,
		                     .ms = now,
		                     .route = ank_route_code(t->route),
		                     .substance = t->substance,
		                     .value = now - t->issued_ms});
		break;
	case ANK_CMD_END:
		model_add(
		        m,
		        (mfact){.kind = M_ENDED, .ms = now, .value = (now - t->started_ms) / 1000});
		assert_true(m->ns < MAX_TICKETS);
		m->s[m->ns++] = (msession){t->station, t->started_ms, now};
		break;
	case ANK_CMD_NO_SHOW:
		model_add(m, (mfact){.kind = M_NO_SHOW, .ms = now});
		break;
	case ANK_CMD_CANCEL:
		model_add(m, (mfact){.kind = M_CANCEL, .ms = now});
		break;
	case ANK_CMD_TRANSFER:
		t->route = s->to;
		break;
	case ANK_CMD_CALL_TICKET:
	case ANK_CMD_CALL_NEXT:
		/* The wait to the call is to the first one; a call again does not count. */
		if (t && !t->first_called_ms)
			t->first_called_ms = now;
		/* call-next picks the station: the scenario's only one is an assisted intake, and
		 * station 1 is site_ini's only assisted station. */
		if (t)
			t->station = s->station ? s->station : "1";
		break;
	default:
		break; /* requeue, cleaning, freeze: nothing the report counts */
	}
}

static void inc(json_t *o, const char *key, json_int_t by)
{
	json_t *v = json_object_get(o, key);
	json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0) + by));
}

static void inc2(json_t *o, const char *a, const char *b)
{
	json_t *inner = json_object_get(o, a);
	if (!inner) {
		inner = json_object();
		json_object_set_new(o, a, inner);
	}
	inc(inner, b, 1);
}

/* One decimal, half up, or null when there is nothing to average. */
static json_t *decimal(double v, bool defined)
{
	return defined ? json_real(floor(v * 10 + 0.5) / 10) : json_null();
}

static const char *age_group(int age)
{
	return age < 18   ? "under_18"
	       : age < 25 ? "18-24"
	       : age < 35 ? "25-34"
	       : age < 45 ? "35-44"
	       : age < 55 ? "45-54"
	                  : "55+";
}

/* Adds `s` to the list of distinct strings (a small set: at most 32). */
static bool add_distinct(const char **set, int *n, const char *s)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(set[i], s))
			return false;
	assert_true(*n < 32);
	set[(*n)++] = s;
	return true;
}

static int ms_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The scenario's waits from ticket to first call of tickets issued in [from_ms, to_ms), of
 * `route` (NULL: any) and local hour of issue `hour` (-1: any), as {n, median_s, p90_s}
 * (nearest rank, tenths of a second rounded down), or null when there are none. */
static json_t *expected_waits(const model *m, bool any, int64_t from_ms, int64_t to_ms,
                              const char *route, int hour)
{
	int64_t v[MAX_TICKETS];
	int n = 0;
	for (int i = 0; any && i < m->nt; i++) {
		const mticket *t = &m->t[i];
		struct tm tm;
		ank_local_tm(t->issued_ms, &tm);
		if (!t->first_called_ms || t->issued_ms < from_ms || t->issued_ms >= to_ms ||
		    (route && strcmp(route, ank_route_code(t->route))) ||
		    (hour >= 0 && tm.tm_hour != hour))
			continue;
		v[n++] = t->first_called_ms - t->issued_ms;
	}
	if (n == 0)
		return json_null();
	qsort(v, (size_t)n, sizeof v[0], ms_cmp);
	int r50 = (50 * n + 99) / 100, r90 = (90 * n + 99) / 100;
	return json_pack("{s:i, s:f, s:f}", "n", n, "median_s", (double)(v[r50 - 1] / 100) / 10,
	                 "p90_s", (double)(v[r90 - 1] / 100) / 10);
}

/* The section of the report for `site` (NULL: all sites) over [from_ms, to_ms), as the
 * scenario and the records say it must be. The result is owned by the caller (json_decref). */
/* The kiosk's config in force at the start of local day `day` (docs/report.md "Capacity"):
 * the newest CONFIG step before it, else the setup's (applied on the setup's day and so in
 * force on that day too); NULL before it. */
static const char *cap_ini_of(int day)
{
	const char *ini = day >= S_.first_day ? S_.ini : NULL;
	for (size_t i = 0; i < S_.n; i++)
		if (S_.steps[i].kind == S_CONFIG && step_ms(&S_.steps[i]) <= local_ms(day, 0, 0))
			ini = S_.steps[i].ini;
	return ini;
}

/* The station types of the report, in the kiosk's own order of ank_station_type. */
static const char *const cap_types[] = {"inject", "smoke", "flex"};

/* Adds the time [a, b) to cell[local hour], cut at the end of each local hour. Walked as
 * instants, so a day the clocks change has its 23 or 25 hours (the hour that happens
 * twice counts twice in its cell). */
static void add_by_hour(int64_t *cell, int64_t a, int64_t b)
{
	while (a < b) {
		struct tm lt;
		ank_local_tm(a, &lt);
		int64_t next = a - ((int64_t)lt.tm_min * 60 + lt.tm_sec) * 1000 + 3600000;
		int64_t e = next < b ? next : b;
		cell[lt.tm_hour] += e - a;
		a = e;
	}
}

/* Capacity from the site config texts and the sessions of the scenario, as station-ms by
 * type and local hour: each station of a day's config open over its hours (cut to the span
 * and to the report's now), occupied from each session's start to its end at the station it
 * was called to. No station is closed in the scenarios. */
static json_t *expected_capacity(const model *m, int64_t from_ms, int64_t to_ms)
{
	int64_t open[3][24] = {{0}}, occ[3][24] = {{0}};
	int64_t end = to_ms < S_.report_now ? to_ms : S_.report_now;
	for (int day = S_.first_day - 1; day <= S_.last_day; day++) {
		const char *ini = cap_ini_of(day);
		if (!ini)
			continue;
		ank_site_config cfg;
		ank_station st[ANK_MAX_STATIONS];
		int n = 0;
		ank_err err;
		assert_int_equal(ank_config_parse_ini_text(ini, "cap.ini", &cfg, st, &n, &err), 0);
		struct tm tm;
		ank_local_tm(local_ms(day, 12, 0), &tm);
		const ank_hours *h = &cfg.hours[tm.tm_wday];
		if (h->open_min < 0)
			continue;
		/* Opening and closing are never in an hour the clocks skip or repeat. */
		int64_t o = local_ms(day, 0, h->open_min), c = local_ms(day, 0, h->close_min);
		int64_t ps = o > from_ms ? o : from_ms, pe = c < end ? c : end;
		for (int k = 0; k < n && pe > ps; k++)
			add_by_hour(open[st[k].type], ps, pe);
		for (int i = 0; i < m->ns; i++) {
			/* The part of each session in this day's opening hours and the span, if its
			 * station has a type in this day's config. */
			int64_t a = m->s[i].start_ms, b = m->s[i].end_ms;
			a = a > o ? a : o;
			a = a > from_ms ? a : from_ms;
			b = b < c ? b : c;
			b = b < to_ms ? b : to_ms;
			if (b <= a)
				continue;
			for (int k = 0; k < n; k++)
				if (!strcmp(st[k].id, m->s[i].station))
					add_by_hour(occ[st[k].type], a, b);
		}
	}
	json_t *by_route = json_object(), *by_hour = json_object();
	int64_t all_open = 0, all_occ = 0;
	for (int t = 0; t < 3; t++) {
		int64_t o = 0, u = 0;
		for (int hh = 0; hh < 24; hh++) {
			o += open[t][hh];
			u += occ[t][hh];
		}
		all_open += o;
		all_occ += u;
		if (o > 0)
			json_object_set_new(by_route, cap_types[t],
			                    json_pack("{s:I, s:I, s:f}", "open_s",
			                              (json_int_t)(o / 1000), "occupied_s",
			                              (json_int_t)(u / 1000), "utilisation",
			                              round((double)u * 1000 / (double)o) / 1000));
	}
	for (int hh = 0; hh < 24; hh++) {
		int64_t o = open[0][hh] + open[1][hh] + open[2][hh],
		        u = occ[0][hh] + occ[1][hh] + occ[2][hh];
		char key[4];
		snprintf(key, sizeof key, "%02d", hh);
		if (o > 0)
			json_object_set_new(by_hour, key,
			                    json_pack("{s:I, s:I, s:f}", "open_s",
			                              (json_int_t)(o / 1000), "occupied_s",
			                              (json_int_t)(u / 1000), "utilisation",
			                              round((double)u * 1000 / (double)o) / 1000));
	}
	return json_pack(
	        "{s:I, s:I, s:o, s:o, s:o}", "open_s", (json_int_t)(all_open / 1000), "occupied_s",
	        (json_int_t)(all_occ / 1000), "utilisation",
	        all_open > 0 ? json_real(round((double)all_occ * 1000 / (double)all_open) / 1000)
	                     : json_null(),
	        "by_route", by_route, "by_hour", by_hour);
}

static json_t *expected_section(const model *m, const char *site, int64_t from_ms, int64_t to_ms)
{
	json_int_t checkins = 0, assisted = 0, intakes = 0, ended = 0, seconds = 0, no_shows = 0,
	           cancelled = 0, refusals = 0;
	int64_t wait_ms = 0;
	json_t *by_route = json_object(), *by_sub = json_object(), *by_rs = json_object(),
	       *by_wd = json_object(), *by_hour = json_object(), *in_route = json_object(),
	       *in_sub = json_object(), *ref_reason = json_object(), *in_week = json_object(),
	       *in_wd = json_object(), *in_hour = json_object();
	const char *persons[32], *unlinked[32], *pairs[32];
	char pair_keys[32][32]; /* "municipality|person", pointed to by pairs */
	int n_persons = 0, n_unlinked = 0, n_pairs = 0;
	json_t *by_gender = json_object(), *by_age = json_object(), *by_muni = json_object();
	/* Every kiosk event is of SITE: the other site has none. */
	bool kiosk_site = !site || !strcmp(site, SITE);
	/* Ages are counted in the year of the span's last day, or of the report's day when the
	 * span is open (docs/report.md "age groups"). */
	struct tm last_day;
	ank_local_tm(to_ms == INT64_MAX ? S_.report_now : to_ms - 1, &last_day);
	int age_year = last_day.tm_year + 1900;
	for (int i = 0; kiosk_site && i < m->n; i++) {
		const mfact *f = &m->f[i];
		if (f->ms < from_ms || f->ms >= to_ms)
			continue;
		struct tm tm;
		ank_local_tm(f->ms, &tm);
		static const char *const wd[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
		char hour[8];
		snprintf(hour, sizeof hour, "%02d", tm.tm_hour);
		switch (f->kind) {
		case M_CHECKIN: {
			checkins++;
			assisted += f->assisted;
			inc(by_route, f->route, 1);
			inc(by_sub, f->substance, 1);
			inc2(by_rs, f->route, f->substance);
			inc(by_wd, wd[tm.tm_wday], 1);
			inc(by_hour, hour, 1);
			const tuser *u = user_by_alias(f->user);
			if (!u->central) {
				add_distinct(unlinked, &n_unlinked, u->id);
				break;
			}
			/* By gender and age group a person counts once (the linkage key holds
			 * both); by municipality each registration that checked in counts. */
			if (add_distinct(persons, &n_persons, u->person)) {
				inc(by_gender, u->gender, 1);
				inc(by_age, age_group(age_year - u->birth_year), 1);
			}
			assert_true(n_pairs < 32);
			snprintf(pair_keys[n_pairs], sizeof pair_keys[0], "%s|%s", u->municipality,
			         u->person);
			if (add_distinct(pairs, &n_pairs, pair_keys[n_pairs]))
				inc(by_muni, u->municipality, 1);
			break;
		}
		case M_INTAKE:
			intakes++;
			wait_ms += f->value;
			inc(in_route, f->route, 1);
			inc(in_sub, f->substance, 1);
			/* The ISO 8601 week as the C library has it (%G-W%V), not the report's own
			 * arithmetic. */
			char week[16];
			strftime(week, sizeof week, "%G-W%V", &tm);
			inc(in_week, week, 1);
			inc(in_wd, wd[tm.tm_wday], 1);
			inc(in_hour, hour, 1);
			break;
		case M_ENDED:
			ended++;
			seconds += f->value;
			break;
		case M_NO_SHOW:
			no_shows++;
			break;
		case M_CANCEL:
			cancelled++;
			break;
		case M_REFUSAL:
			refusals++;
			inc(ref_reason, f->reason, 1);
			break;
		}
	}
	json_int_t rejections = 0, overdoses = 0, naloxone = 0, oxygen = 0, ambulance = 0,
	           referrals = 0, incidents = 0;
	json_t *rej_reason = json_object(), *outcome = json_object(), *ref_type = json_object();
	for (size_t i = 0; i < COUNT_OF(records); i++) {
		const trecord *r = &records[i];
		int64_t at = local_ms(r->day, r->hh, r->mm);
		if ((site && strcmp(site, r->site)) || at < from_ms || at >= to_ms)
			continue;
		if (!strcmp(r->kind, "overdose")) {
			overdoses++;
			naloxone += r->naloxone;
			oxygen += r->oxygen;
			ambulance += r->ambulance;
			inc(outcome, r->code, 1);
		} else if (!strcmp(r->kind, "referral")) {
			referrals++;
			inc(ref_type, r->code, 1);
		} else if (!strcmp(r->kind, "incident")) {
			incidents++;
		} else {
			rejections++;
			inc(rej_reason, r->code, 1);
		}
	}
	json_t *o = json_object();
	json_object_set_new(o, "checkins", json_integer(checkins));
	json_object_set_new(o, "checkins_by_route", by_route);
	json_object_set_new(o, "checkins_by_substance", by_sub);
	json_object_set_new(o, "checkins_by_route_substance", by_rs);
	json_object_set_new(o, "checkins_assisted", json_integer(assisted));
	json_object_set_new(o, "checkins_by_weekday", by_wd);
	json_object_set_new(o, "checkins_by_hour", by_hour);
	json_object_set_new(o, "intakes", json_integer(intakes));
	json_object_set_new(o, "intakes_by_route", in_route);
	json_object_set_new(o, "intakes_by_substance", in_sub);
	json_object_set_new(o, "intakes_by_week", in_week);
	json_object_set_new(o, "intakes_by_weekday", in_wd);
	json_object_set_new(o, "intakes_by_hour", in_hour);
	json_object_set_new(o, "sessions_ended", json_integer(ended));
	json_object_set_new(o, "session_seconds", json_integer(seconds));
	json_object_set_new(o, "session_mean_s",
	                    decimal(ended ? (double)seconds / (double)ended : 0, ended > 0));
	json_object_set_new(
	        o, "wait_mean_s",
	        decimal(intakes ? (double)wait_ms / (double)intakes / 1000.0 : 0, intakes > 0));
	json_object_set_new(o, "wait_to_call",
	                    expected_waits(m, kiosk_site, from_ms, to_ms, NULL, -1));
	json_t *w_route = json_object(), *w_hour = json_object();
	for (int r = 0; r < ANK_ROUTE_COUNT; r++) {
		const char *rc = ank_route_code((ank_route)r);
		json_t *all = expected_waits(m, kiosk_site, from_ms, to_ms, rc, -1);
		if (json_is_null(all)) {
			json_decref(all);
			continue;
		}
		json_object_set_new(w_route, rc, all);
		json_t *hours = json_object();
		for (int h = 0; h < 24; h++) {
			json_t *one = expected_waits(m, kiosk_site, from_ms, to_ms, rc, h);
			char hh[4];
			snprintf(hh, sizeof hh, "%02d", h);
			if (json_is_null(one))
				json_decref(one);
			else
				json_object_set_new(hours, hh, one);
		}
		json_object_set_new(w_hour, rc, hours);
	}
	json_object_set_new(o, "wait_to_call_by_route", w_route);
	json_object_set_new(o, "wait_to_call_by_route_hour", w_hour);
	json_object_set_new(o, "no_shows", json_integer(no_shows));
	json_object_set_new(o, "cancelled", json_integer(cancelled));
	json_object_set_new(o, "refusals", json_integer(refusals));
	json_object_set_new(o, "refusals_by_reason", ref_reason);
	json_object_set_new(o, "rejections", json_integer(rejections));
	json_object_set_new(o, "rejections_by_reason", rej_reason);
	json_object_set_new(o, "unique_users", json_integer(n_persons));
	json_object_set_new(o, "unique_users_unlinked", json_integer(n_unlinked));
	json_object_set_new(o, "unique_users_by_gender", by_gender);
	json_object_set_new(o, "unique_users_by_age_group", by_age);
	json_object_set_new(o, "unique_users_by_municipality", by_muni);
	json_object_set_new(o, "overdoses", json_integer(overdoses));
	json_object_set_new(o, "overdoses_naloxone", json_integer(naloxone));
	json_object_set_new(o, "overdoses_oxygen", json_integer(oxygen));
	json_object_set_new(o, "overdoses_ambulance", json_integer(ambulance));
	json_object_set_new(o, "overdoses_by_outcome", outcome);
	json_object_set_new(
	        o, "overdoses_per_1000_intakes",
	        decimal(intakes ? (double)overdoses * 1000 / (double)intakes : 0, intakes > 0));
	json_object_set_new(o, "referrals", json_integer(referrals));
	json_object_set_new(o, "referrals_by_type", ref_type);
	json_object_set_new(o, "incidents", json_integer(incidents));
	/* The kiosk writes only types central knows. */
	json_object_set_new(o, "unknown_events", json_object());
	/* The scenario's kiosk clock is right: nothing is out of time. */
	json_object_set_new(o, "events_out_of_time", json_integer(0));
	/* The other site has no kiosk, so no station types: its capacity is unknown. */
	json_object_set_new(o, "capacity",
	                    kiosk_site ? expected_capacity(m, from_ms, to_ms) : json_null());
	return o;
}

/* ---- the shared state: one kiosk run, a central template, the outbox rows ---- */

typedef struct world {
	char dir[64];
	char template_db[128]; /* central after setup, before any event: copied for each run */
	char kiosk[64];        /* the kiosk id central paired */
	char token[ANK_TOKEN_HEX + 1];
	model m;
	ank_event *rows; /* the kiosk's outbox, in seq order; payloads malloc'd */
	int n_rows;
	int64_t report_now;
} world;

static world *W;

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", W->dir, name);
}

/* The rows read so far, growing. */
typedef struct rows_out {
	ank_event *ev;
	int n, cap;
} rows_out;

static int take_row(void *ctx, const ank_outbox_row *row, ank_err *err)
{
	(void)err;
	rows_out *o = ctx;
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->ev = realloc(o->ev, sizeof *o->ev * (size_t)o->cap);
		assert_non_null(o->ev);
	}
	ank_event *e = &o->ev[o->n++];
	memset(e, 0, sizeof *e);
	e->seq = row->seq;
	snprintf(e->id, sizeof e->id, "%s", row->event_id);
	snprintf(e->type, sizeof e->type, "%s", row->type);
	e->at_ms = row->kiosk_ms;
	e->payload = strdup(row->payload);
	assert_non_null(e->payload);
	return 0;
}

/* The kiosk's whole outbox in seq order, read through the store's outbox reader as the
 * sync client reads it. The array and payloads are malloc'd; *n gets the count. */
static ank_event *outbox_rows(ank_store *st, int *n)
{
	rows_out o = {0};
	ank_err err = {{0}};
	if (ank_store_outbox_read(st, 0, 0, take_row, &o, &err))
		fail_msg("outbox: %s", err.msg);
	*n = o.n;
	return o.ev;
}

/* Central before the scenario: two sites of one municipality, a paired kiosk, the users
 * (one person twice, one quarantined) and the staff records. */
static void central_setup(ank_cstore *cs, int64_t now)
{
	ank_err err = {{0}};
	int sent;
	ank_site demo = {.id = SITE, .name = SITE_NAME, .municipality = SITE_MUNI};
	ank_site nord = {.id = OTHER_SITE, .name = "Nordrummet", .municipality = SITE_MUNI};
	assert_int_equal(ank_cstore_site_add(cs, &demo, now, &sent, &err), 0);
	assert_int_equal(ank_cstore_site_add(cs, &nord, now, &sent, &err), 0);
	char code[ANK_PAIR_CODE_LEN + 3], site[64];
	assert_int_equal(ank_cstore_pair_code(cs, SITE, now, code, &err), 0);
	assert_int_equal(ank_cstore_pair(cs, code, now, W->kiosk, site, W->token, &err), 0);
	assert_string_equal(site, SITE);
	for (size_t i = 0; i < COUNT_OF(users); i++) {
		tuser *u = &users[i];
		if (!u->central)
			continue;
		ank_cuser c = {.birth_year = u->birth_year, .consent_ms = now - 86400000};
		snprintf(c.nickname, sizeof c.nickname, "%s", u->nickname);
		snprintf(c.gender, sizeof c.gender, "%s", u->gender);
		snprintf(c.municipality, sizeof c.municipality, "%s", u->municipality);
		snprintf(c.consent_version, sizeof c.consent_version, "2024-1");
		snprintf(c.site, sizeof c.site, "%s", SITE);
		if (ank_cstore_user_add(cs, &c, 0, now, &sent, &err))
			fail_msg("user %s: %s", u->alias, err.msg);
		assert_int_equal(sent, 2); /* both sites of the municipality */
		snprintf(u->id, sizeof u->id, "%s", c.id);
		if (u->quarantined)
			assert_int_equal(ank_cstore_user_quarantine(cs, u->id, NULL,
			                                            local_ms(30, 0, 0), now, &sent,
			                                            &err),
			                 0);
	}
	for (size_t i = 0; i < COUNT_OF(records); i++) {
		const trecord *r = &records[i];
		json_t *b;
		if (!strcmp(r->kind, "overdose"))
			b = json_pack("{s:o, s:b, s:b, s:b, s:s}", "station",
			              r->station ? json_string(r->station) : json_null(),
			              "naloxone", r->naloxone, "oxygen", r->oxygen, "ambulance",
			              r->ambulance, "outcome", r->code);
		else if (!strcmp(r->kind, "referral"))
			b = json_pack("{s:s}", "type", r->code);
		else if (!strcmp(r->kind, "incident"))
			b = json_pack("{s:s}", "text", "the door of room 3 stuck");
		else
			b = json_pack("{s:s}", "reason", r->code);
		char *body = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(b);
		assert_non_null(body);
		ank_record rec = {.kind = r->kind,
		                  .code = strcmp(r->kind, "incident") ? r->code : NULL,
		                  .naloxone = r->naloxone,
		                  .oxygen = r->oxygen,
		                  .ambulance = r->ambulance};
		assert_true(ank_cstore_record_add(cs, r->site, &rec, body,
		                                  local_ms(r->day, r->hh, r->mm), 0, now,
		                                  &err) > 0);
		free(body);
	}
}

/* The kiosk gets central's users as the sync client does: the change feed through the wire
 * encoder and decoder, each user.upsert or quarantine applied with the cursor. */
static void kiosk_take_feed(ank_cstore *cs, ank_store *st)
{
	ank_err err = {{0}};
	ank_feed feed;
	assert_int_equal(ank_cstore_changes(cs, SITE, 0, &feed, &err), 0);
	char *body = ank_proto_feed_encode(&feed, &err);
	ank_proto_feed_free(&feed);
	assert_non_null(body);
	ank_feed in;
	if (ank_proto_feed_decode(body, strlen(body), &in, &err))
		fail_msg("feed decode: %s", err.msg);
	free(body);
	int upserts = 0, keys = 0;
	for (int i = 0; i < in.n; i++) {
		const ank_change *c = &in.ch[i];
		json_t *j = json_loads(c->payload, 0, NULL);
		assert_non_null(j);
		ank_user u;
		if (!strcmp(c->type, "ticket.key")) {
			/* The site's ticket key, kept as sync.c keeps it. */
			const char *hex = json_string_value(json_object_get(j, "key"));
			unsigned char key[ANK_TICKETREF_KEY_BYTES];
			size_t n_bin = 0;
			assert_non_null(hex);
			assert_int_equal(sodium_hex2bin(key, sizeof key, hex, strlen(hex), NULL,
			                                &n_bin, NULL),
			                 0);
			assert_int_equal(n_bin, sizeof key);
			assert_int_equal(ank_store_ticket_key_set(st, key, &err), 0);
			assert_int_equal(ank_store_cursor_set(st, c->id, &err), 0);
			json_decref(j);
			keys++;
			continue;
		}
		if (!strcmp(c->type, "user.upsert")) {
			if (ank_store_user_from_json(j, &u, &err))
				fail_msg("change %lld: %s", c->id, err.msg);
			upserts++;
		} else {
			assert_string_equal(c->type, "quarantine");
			int64_t until;
			assert_int_equal(ank_store_user_get(
			                         st, json_string_value(json_object_get(j, "user")),
			                         &u, &err),
			                 0);
			assert_int_equal(
			        ank_iso_parse(json_string_value(json_object_get(j, "until")),
			                      &until),
			        0);
			u.quarantine_until_ms = until;
		}
		json_decref(j);
		assert_int_equal(ank_store_begin(st, &err), 0);
		if (ank_store_user_upsert(st, &u, &err) || ank_store_cursor_set(st, c->id, &err))
			fail_msg("change %lld: %s", c->id, err.msg);
		assert_int_equal(ank_store_commit(st, &err), 0);
	}
	ank_proto_feed_free(&in);
	int central_users = 0;
	for (size_t i = 0; i < COUNT_OF(users); i++)
		central_users += users[i].central;
	assert_int_equal(upserts, central_users);
	assert_int_equal(keys, 1); /* the site's ticket key, made with the site */
}

/* The users central does not know, from a registry file as an operator imports it. */
static void kiosk_import_local(ank_store *st, int64_t now)
{
	json_t *list = json_array();
	for (size_t i = 0; i < COUNT_OF(users); i++) {
		const tuser *u = &users[i];
		if (u->central)
			continue;
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "id", u->id,
		                                "nickname", u->nickname, "birth_year",
		                                u->birth_year, "gender", u->gender, "municipality",
		                                u->municipality, "consent_version", "2024-1"));
	}
	json_t *root = json_pack("{s:i, s:o}", "version", 1, "users", list);
	char path[160];
	path_in(path, sizeof path, "local-registry.json");
	assert_int_equal(json_dump_file(root, path, 0), 0);
	json_decref(root);
	ank_err err = {{0}};
	int count;
	if (ank_store_registry_import(st, path, now, &count, &err))
		fail_msg("import: %s", err.msg);
}

static bool ticket_of(model *m, const char *alias, int64_t *id)
{
	for (int i = 0; i < m->nt; i++)
		if (!strcmp(m->t[i].alias, alias)) {
			*id = m->t[i].id;
			return true;
		}
	return false;
}

/* Runs one step on the real queue and checks what the step says; then the model learns it. */
static void run_step(ank_queue *q, model *m, const step *s)
{
	ank_store *st = ank_queue_store(q);
	int64_t now = step_ms(s);
	ank_err err = {{0}};
	int64_t tid = 0;
	if (s->ticket && s->kind != S_CHECKIN && !ticket_of(m, s->ticket, &tid))
		fail_msg("%s: ticket %s not issued yet", s->name, s->ticket);
	if (s->kind == S_CHECKIN) {
		const tuser *u = user_by_alias(s->user);
		const tuser *h = s->helper ? user_by_alias(s->helper) : NULL;
		ank_checkin in = {.user_id = u->id,
		                  .substance = s->substance,
		                  .route = s->route,
		                  .helper_id = h ? h->id : NULL};
		ank_checkin_result res;
		/* No substance: the kiosk's check right after the nickname. */
		ank_q_rc rc = s->substance ? ank_queue_checkin(q, &in, now, &res, &err)
		                           : ank_queue_check_person(q, u->id, now, &res, &err);
		ank_q_rc want = s->refusal == ANK_REFUSE_NONE ? ANK_Q_OK : ANK_Q_REFUSED;
		if (rc != want || res.refusal != s->refusal)
			fail_msg("%s: check-in gave %s (%s), refusal %s; expected %s", s->name,
			         ank_q_strerror(rc), err.msg, ank_refusal_code(res.refusal),
			         ank_refusal_code(s->refusal));
		if (rc == ANK_Q_OK) {
			if (s->label && strcmp(res.ticket.label, s->label))
				fail_msg("%s: label %s, expected %s", s->name, res.ticket.label,
				         s->label);
			assert_true(m->nt < MAX_TICKETS);
			m->t[m->nt++] = (mticket){.alias = s->ticket, .id = res.ticket.id};
			tid = res.ticket.id;
		}
	} else if (s->kind == S_CMD) {
		ank_cmd c = {
		        .type = s->cmd, .ticket_id = tid, .station_id = s->station, .route = s->to};
		ank_q_rc rc = ank_queue_command(q, &c, now, NULL, &err);
		if (rc != s->rc)
			fail_msg("%s: %s gave %s (%s), expected %s", s->name, ank_cmd_code(s->cmd),
			         ank_q_strerror(rc), err.msg, ank_q_strerror(s->rc));
	} else if (s->kind == S_CONFIG) {
		ank_site_config cfg;
		ank_station stations[ANK_MAX_STATIONS];
		int n;
		if (ank_config_parse_ini_text(s->ini, s->name, &cfg, stations, &n, &err) ||
		    ank_queue_apply_config(q, &cfg, stations, n, now, &err) != ANK_Q_OK)
			fail_msg("%s: %s", s->name, err.msg);
	} else {
		int64_t before = ank_store_outbox_last_seq(st);
		ank_q_rc rc = ank_queue_tick(q, now, &err);
		if (rc != ANK_Q_OK)
			fail_msg("%s: tick gave %s (%s)", s->name, ank_q_strerror(rc), err.msg);
		if (!s->no_show && ank_store_outbox_last_seq(st) != before)
			fail_msg("%s: a tick with nothing due wrote events", s->name);
	}
	if (s->after) {
		ank_ticket t;
		assert_int_equal(ank_store_ticket_get(st, tid, &t, &err), 0);
		if (strcmp(ank_ticket_state_code(t.state), s->after))
			fail_msg("%s: ticket %s is %s, expected %s", s->name, s->ticket,
			         ank_ticket_state_code(t.state), s->after);
	}
	model_step(m, s, now);
}

/* Copies central's template (after setup, before events) to a fresh file with SQLite's
 * backup API, so every run starts from the same registry and linkage keys. */
static void copy_db(const char *from, const char *to)
{
	sqlite3 *src = NULL, *dst = NULL;
	assert_int_equal(sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_open(to, &dst), SQLITE_OK);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	assert_non_null(b);
	assert_int_equal(sqlite3_backup_step(b, -1), SQLITE_DONE);
	assert_int_equal(sqlite3_backup_finish(b), SQLITE_OK);
	sqlite3_close(src);
	sqlite3_close(dst);
}

static int world_setup(void **state)
{
	(void)state;
	W = calloc(1, sizeof *W);
	assert_non_null(W);
	snprintf(W->dir, sizeof W->dir, "/tmp/ank-contract-XXXXXX");
	assert_non_null(mkdtemp(W->dir));
	path_in(W->template_db, sizeof W->template_db, "central-template.db");
	int64_t setup_ms = S_.setup_ms;
	W->report_now = S_.report_now;

	ank_err err = {{0}};
	ank_cstore *cs;
	assert_int_equal(ank_cstore_open(W->template_db, false, &cs, &err), 0);
	central_setup(cs, setup_ms);

	char site_db[128];
	path_in(site_db, sizeof site_db, "site.db");
	ank_queue *q;
	assert_int_equal(ank_queue_open(site_db, &q, &err), ANK_Q_OK);
	ank_site_config cfg;
	ank_station stations[ANK_MAX_STATIONS];
	int n_st;
	if (ank_config_parse_ini_text(S_.ini, "contract.ini", &cfg, stations, &n_st, &err))
		fail_msg("config: %s", err.msg);
	assert_int_equal(ank_queue_apply_config(q, &cfg, stations, n_st, setup_ms, &err), ANK_Q_OK);
	kiosk_take_feed(cs, ank_queue_store(q));
	ank_cstore_close(cs);
	kiosk_import_local(ank_queue_store(q), setup_ms);

	for (size_t i = 0; i < S_.n; i++)
		run_step(q, &W->m, &S_.steps[i]);
	W->rows = outbox_rows(ank_queue_store(q), &W->n_rows);
	ank_queue_close(q);
	/* The outbox must be 1..n: central refuses a gap. */
	for (int i = 0; i < W->n_rows; i++)
		assert_int_equal(W->rows[i].seq, i + 1);
	print_message("contract: %d outbox events from %zu steps\n", W->n_rows, S_.n);
	return 0;
}

static int world_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < W->n_rows; i++)
		free(W->rows[i].payload);
	free(W->rows);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", W->dir);
	assert_int_equal(system(cmd), 0);
	free(W);
	W = NULL;
	return 0;
}

/* ---- feeding central ---- */

/* A fixed generator, so a printed seed replays the same batch sizes on any libc. */
static uint32_t next_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

typedef enum feed_mode { FEED_FULL, FEED_ONE_BY_ONE, FEED_RANDOM } feed_mode;

/* A fresh central from the template with every outbox row ingested along the real wire
 * path (encode, decode, ingest), in batches the mode says; FEED_RANDOM also sends some
 * batches twice, as a kiosk does after a lost answer. Returns the open store (the caller
 * closes it). */
static ank_cstore *feed_central(const char *name, feed_mode mode, uint64_t seed)
{
	char db[128];
	path_in(db, sizeof db, name);
	copy_db(W->template_db, db);
	ank_err err = {{0}};
	ank_cstore *cs;
	assert_int_equal(ank_cstore_open(db, false, &cs, &err), 0);
	char kiosk[64], site[64];
	assert_int_equal(ank_cstore_auth(cs, W->token, W->report_now, kiosk, site, &err), 0);
	assert_string_equal(kiosk, W->kiosk);
	ank_batch *out = calloc(1, sizeof *out), *in = calloc(1, sizeof *in);
	assert_non_null(out);
	assert_non_null(in);
	int i = 0, batches = 0;
	while (i < W->n_rows) {
		int size = mode == FEED_FULL ? ANK_PROTO_MAX_BATCH
		           : mode == FEED_ONE_BY_ONE
		                   ? 1
		                   : 1 + (int)(next_rand(&seed) % ANK_PROTO_MAX_BATCH);
		if (size > W->n_rows - i)
			size = W->n_rows - i;
		int sends = mode == FEED_RANDOM && next_rand(&seed) % 4 == 0 ? 2 : 1;
		snprintf(out->kiosk, sizeof out->kiosk, "%s", kiosk);
		out->n = size;
		/* The rows stay owned by W: out only borrows them for the encoder. */
		memcpy(out->ev, &W->rows[i], sizeof out->ev[0] * (size_t)size);
		char *body = ank_proto_batch_encode(out, &err);
		if (!body)
			fail_msg("%s: encode of seq %d..: %s", name, i + 1, err.msg);
		for (int k = 0; k < sends; k++) {
			if (ank_proto_batch_decode(body, strlen(body), in, &err))
				fail_msg("%s: decode of seq %d..: %s", name, i + 1, err.msg);
			long long acked = 0;
			if (ank_cstore_ingest(cs, kiosk, in, W->report_now, &acked, &err))
				fail_msg("%s: ingest of seq %d..: %s", name, i + 1, err.msg);
			assert_int_equal(acked, i + size);
			ank_proto_batch_free(in);
		}
		free(body);
		i += size;
		batches++;
	}
	free(out);
	free(in);
	print_message("contract: %s: %d events in %d batches\n", name, W->n_rows, batches);
	return cs;
}

/* The report as parsed JSON (owned by the caller). */
static json_t *report(ank_cstore *cs, const char *from, const char *to)
{
	ank_err err = {{0}};
	char *text = ank_cstore_report(cs, from, to, W->report_now, &err);
	if (!text)
		fail_msg("report %s..%s: %s", from ? from : "-", to ? to : "-", err.msg);
	json_error_t je;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		fail_msg("report is not JSON: %s", je.text);
	free(text);
	return j;
}

/* Same value, the same JSON type all the way down; reals within rounding noise. */
static bool same_value(json_t *a, json_t *b)
{
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_real(a))
		return fabs(json_real_value(a) - json_real_value(b)) < 1e-9;
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *v;
		json_object_foreach(a, k, v)
		{
			json_t *w = json_object_get(b, k);
			if (!w || !same_value(v, w))
				return false;
		}
		return true;
	}
	return json_equal(a, b);
}

/* Every figure of `actual` against `expected`, one case per figure; a figure the test does
 * not know is a failure too, so a new one gets an expectation here before it ships. */
static void check_section(const char *label, json_t *actual, json_t *expected, int *failed)
{
	if (!json_is_object(actual)) {
		case_fail(failed, "%s: section missing", label);
		return;
	}
	const char *k;
	json_t *v;
	json_object_foreach(expected, k, v)
	{
		json_t *a = json_object_get(actual, k);
		if (!a || !same_value(a, v)) {
			char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			char *got =
			        a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
			          : NULL;
			case_fail(failed, "%s.%s: report says %s, the scenario says %s", label, k,
			          got ? got : "(missing)", want ? want : "?");
			free(want);
			free(got);
		}
	}
	json_object_foreach(actual, k, v)
	{
		if (!json_object_get(expected, k) && strcmp(k, "name") && strcmp(k, "time_zone") &&
		    strcmp(k, "municipality"))
			case_fail(failed, "%s.%s: a figure this test does not check", label, k);
	}
}

/* Rows of the raw data (ank_cstore_report_csv) of one site. */
static long long csv_rows(const char *csv, const char *site)
{
	long long n = 0;
	size_t len = strlen(site);
	for (const char *p = csv; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, site, len) && p[len] == ',';
	return n;
}

/* One report (span from..to; NULL for no bound) checked in full: the envelope, the totals,
 * the kiosk's site and the site without a kiosk. */
static void check_report(ank_cstore *cs, const char *case_name, const char *from, const char *to,
                         int64_t from_ms, int64_t to_ms, int *failed)
{
	json_t *r = report(cs, from, to);
	ank_err err;
	char *csv = ank_cstore_report_csv(cs, from, to, W->report_now, &err);
	if (!csv)
		case_fail(failed, "%s: no raw data: %s", case_name, err.msg);
	char label[96];
	if (json_integer_value(json_object_get(r, "v")) != 1)
		case_fail(failed, "%s: v is not 1", case_name);
	json_t *jf = json_object_get(r, "from"), *jt = json_object_get(r, "to");
	if ((from ? !json_is_string(jf) || strcmp(json_string_value(jf), from)
	          : !json_is_null(jf)) ||
	    (to ? !json_is_string(jt) || strcmp(json_string_value(jt), to) : !json_is_null(jt)))
		case_fail(failed, "%s: from/to not echoed", case_name);
	const char *tz = json_string_value(json_object_get(r, "time_zone"));
	if (!tz || strcmp(tz, "Europe/Copenhagen"))
		case_fail(failed, "%s: time_zone %s", case_name, tz ? tz : "(missing)");
	if (!json_is_string(json_object_get(r, "generated_at")))
		case_fail(failed, "%s: no generated_at", case_name);
	json_t *missing = json_object_get(r, "missing");
	if (!json_is_array(missing) || json_array_size(missing) == 0)
		case_fail(failed, "%s: no missing list", case_name);
	if (json_object_size(r) != 9)
		case_fail(failed, "%s: %zu top-level keys, expected 9", case_name,
		          json_object_size(r));
	/* Both sites are in one municipality: its section is the totals. */
	json_t *munis = json_object_get(r, "municipalities");
	if (json_object_size(munis) != 1)
		case_fail(failed, "%s: %zu municipalities, expected 1", case_name,
		          json_object_size(munis));
	json_t *muni_want = expected_section(&W->m, NULL, from_ms, to_ms);
	snprintf(label, sizeof label, "%s.municipalities.%s", case_name, SITE_MUNI);
	check_section(label, json_object_get(munis, SITE_MUNI), muni_want, failed);
	json_decref(muni_want);

	json_t *want = expected_section(&W->m, NULL, from_ms, to_ms);
	snprintf(label, sizeof label, "%s.totals", case_name);
	check_section(label, json_object_get(r, "totals"), want, failed);
	json_decref(want);

	json_t *sites = json_object_get(r, "sites");
	if (json_object_size(sites) != 2)
		case_fail(failed, "%s: %zu sites, expected 2", case_name, json_object_size(sites));
	static const struct {
		const char *id, *name;
	} site_list[] = {{SITE, SITE_NAME}, {OTHER_SITE, "Nordrummet"}};
	for (size_t i = 0; i < COUNT_OF(site_list); i++) {
		json_t *sec = json_object_get(sites, site_list[i].id);
		const char *nm = json_string_value(json_object_get(sec, "name"));
		if (!nm || strcmp(nm, site_list[i].name))
			case_fail(failed, "%s.sites.%s: name %s", case_name, site_list[i].id,
			          nm ? nm : "(missing)");
		const char *zone = json_string_value(json_object_get(sec, "time_zone"));
		if (!zone || strcmp(zone, "Europe/Copenhagen"))
			case_fail(failed, "%s.sites.%s: time_zone %s", case_name, site_list[i].id,
			          zone ? zone : "(missing)");
		want = expected_section(&W->m, site_list[i].id, from_ms, to_ms);
		snprintf(label, sizeof label, "%s.sites.%s", case_name, site_list[i].id);
		check_section(label, sec, want, failed);
		/* The raw data has one row per intake the report counts. */
		long long intakes = json_integer_value(json_object_get(want, "intakes"));
		if (csv_rows(csv, site_list[i].id) != intakes)
			case_fail(failed, "%s: %lld raw rows, %lld intakes", label,
			          csv_rows(csv, site_list[i].id), intakes);
		json_decref(want);
	}
	free(csv);
	json_decref(r);
}

/* ---- the tests ---- */

/* The spans every run reports: named golden cases. */
static const struct {
	const char *name, *from, *to;
	int from_day, to_day; /* [from_day, to_day) as days after Monday; -1: no bound */
} spans[] = {
        {"everything", NULL, NULL, -1, -1},
        {"mon-tue", "2026-11-23", "2026-11-24", 0, 2},
        {"mon", "2026-11-23", "2026-11-23", 0, 1},
        {"tue", "2026-11-24", "2026-11-24", 1, 2},
        {"wed-empty", "2026-11-25", "2026-11-25", 2, 3},
};

/* Run 1: batches of 100, as the sync client sends them; every figure of every span. */
static void test_report_figures(void **state)
{
	(void)state;
	ank_cstore *cs = feed_central("central-full.db", FEED_FULL, 0);
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(spans); i++) {
		int64_t from_ms =
		        spans[i].from_day < 0 ? INT64_MIN : local_ms(spans[i].from_day, 0, 0);
		int64_t to_ms = spans[i].to_day < 0 ? INT64_MAX : local_ms(spans[i].to_day, 0, 0);
		check_report(cs, spans[i].name, spans[i].from, spans[i].to, from_ms, to_ms,
		             &failed);
	}
	ank_cstore_close(cs);
	assert_cases_passed(failed);
}

/* Every span's report of `cs` equals that of `ref` (fed in batches of 100), ignoring only
 * generated_at. */
static void compare_reports(ank_cstore *ref, ank_cstore *cs, const char *run, int *failed)
{
	for (size_t i = 0; i < COUNT_OF(spans); i++) {
		json_t *a = report(ref, spans[i].from, spans[i].to);
		json_t *b = report(cs, spans[i].from, spans[i].to);
		json_object_del(a, "generated_at");
		json_object_del(b, "generated_at");
		if (!json_equal(a, b)) {
			char *ta = json_dumps(a, JSON_INDENT(1) | JSON_SORT_KEYS);
			char *tb = json_dumps(b, JSON_INDENT(1) | JSON_SORT_KEYS);
			case_fail(failed,
			          "%s, span %s: report differs from batches of 100:\n%s\n---\n%s",
			          run, spans[i].name, ta ? ta : "?", tb ? tb : "?");
			free(ta);
			free(tb);
		}
		json_decref(a);
		json_decref(b);
	}
}

/* Run 2: every event alone. */
static void test_one_by_one(void **state)
{
	(void)state;
	ank_cstore *ref = feed_central("central-ref-one.db", FEED_FULL, 0);
	ank_cstore *cs = feed_central("central-one.db", FEED_ONE_BY_ONE, 0);
	int failed = 0;
	compare_reports(ref, cs, "batches of 1", &failed);
	ank_cstore_close(cs);
	ank_cstore_close(ref);
	assert_cases_passed(failed);
}

/* Rounds of run 3, each with the next seed: one round cuts 116 events only a few times. */
#define RANDOM_ROUNDS 8

/* Run 3: random batch sizes 1..100, still in seq order, some sent twice. The seeds are
 * printed; ANK_CONTRACT_SEED replays a run from its first seed. */
static void test_random_batches(void **state)
{
	(void)state;
	long seed = 20261123;
	const char *env = getenv("ANK_CONTRACT_SEED");
	if (env && ank_parse_long(env, 0, 2147483647L - RANDOM_ROUNDS, &seed))
		fail_msg("ANK_CONTRACT_SEED must be a number 0..%ld", 2147483647L - RANDOM_ROUNDS);
	ank_cstore *ref = feed_central("central-ref-random.db", FEED_FULL, 0);
	int failed = 0;
	for (long r = 0; r < RANDOM_ROUNDS; r++) {
		char name[64], run[64];
		snprintf(name, sizeof name, "central-random-%ld.db", seed + r);
		snprintf(run, sizeof run, "random batches, seed %ld", seed + r);
		print_message("contract: random batch sizes with seed %ld\n", seed + r);
		ank_cstore *cs = feed_central(name, FEED_RANDOM, (uint64_t)(seed + r));
		compare_reports(ref, cs, run, &failed);
		ank_cstore_close(cs);
	}
	ank_cstore_close(ref);
	assert_cases_passed(failed);
}

/* The queue view of the site as text, the kiosks' last-seen times left out (they are when
 * the test ran), for comparing two stores. Returns a new reference. */
static json_t *queue_view(ank_cstore *cs)
{
	ank_err err = {{0}};
	ank_queue_view v;
	if (ank_cstore_queue_view(cs, SITE, local_ms(3, 12, 0), &v, &err))
		fail_msg("queue view: %s", err.msg);
	json_t *q = json_pack("{s:b, s:s, s:I, s:s, s:[], s:[]}", "frozen", v.frozen, "config",
	                      v.config.state, "change", (json_int_t)v.config.change, "reason",
	                      v.config.reason, "stations", "tickets");
	for (int i = 0; i < v.n_stations; i++)
		json_array_append_new(json_object_get(q, "stations"),
		                      json_pack("[s, s, I]", v.stations[i].station,
		                                v.stations[i].state,
		                                (json_int_t)v.stations[i].since_ms));
	for (int i = 0; i < v.n_tickets; i++) {
		const ank_qv_ticket *t = &v.tickets[i];
		json_array_append_new(json_object_get(q, "tickets"),
		                      json_pack("[I, s, s, s, s, s, s, b, I]",
		                                (json_int_t)t->ticket, t->label, t->day, t->route,
		                                t->substance, t->state, t->station, t->assisted,
		                                (json_int_t)t->since_ms));
	}
	ank_queue_view_free(&v);
	return q;
}

/* The raw event log rebuilds the read model: the same reports and queue view after
 * `ank_cstore_rebuild`, and after a reopen that finds the read model out of date. */
static void test_rebuild(void **state)
{
	(void)state;
	ank_cstore *ref = feed_central("central-ref-rebuild.db", FEED_FULL, 0);
	ank_cstore *cs = feed_central("central-rebuild.db", FEED_FULL, 0);
	ank_err err = {{0}};
	ank_cs_rebuild_stats st;
	if (ank_cstore_rebuild(cs, &st, &err))
		fail_msg("rebuild: %s", err.msg);
	assert_int_equal(st.kiosks, 1);
	assert_int_equal(st.events, W->n_rows);
	assert_int_equal(st.skipped, 0);
	int failed = 0;
	compare_reports(ref, cs, "rebuilt", &failed);
	json_t *a = queue_view(ref), *b = queue_view(cs);
	if (!json_equal(a, b))
		case_fail(&failed, "rebuilt: the queue view differs");
	json_decref(b);
	/* A read model made by another version is rebuilt when central opens the file. */
	ank_cstore_close(cs);
	char path[512];
	path_in(path, sizeof path, "central-rebuild.db");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "UPDATE meta SET value = 'old' WHERE key = 'read_model';"
	                              " DELETE FROM day_stat; DELETE FROM visit;",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	if (ank_cstore_open(path, false, &cs, &err))
		fail_msg("reopen: %s", err.msg);
	compare_reports(ref, cs, "reopened", &failed);
	b = queue_view(cs);
	if (!json_equal(a, b))
		case_fail(&failed, "reopened: the queue view differs");
	json_decref(a);
	json_decref(b);
	ank_cstore_close(cs);
	ank_cstore_close(ref);
	assert_cases_passed(failed);
}

/* ---- a year through the same path ---- */

/* The generated year (issue 14: "report tests over a fixture year generated through the
 * real kiosk and sync path"): every day of 2026 at the same kiosk, visits one after another
 * with random users, routes, waits and outcomes from a fixed seed, the night after closing
 * time, and both daylight-saving nights; the model above works out what the report must say,
 * as for the two days. */

/* The year's site: site_ini open 08:00-04:00 every day instead of 02:00, so that the nights
 * of both clock changes (02:00-03:00 skipped on 29 March, twice on 25 October) have visits.
 * Made by year_ini() from site_ini (the same length). */
static char site_ini_year[sizeof site_ini];

static void year_ini(void)
{
	memcpy(site_ini_year, site_ini, sizeof site_ini);
	int changed = 0;
	for (char *p = site_ini_year; (p = strstr(p, "-02:00\n")) != NULL; p++, changed++)
		p[2] = '4';
	assert_int_equal(changed, 7);
}

/* Days after Monday 2026-11-23 of a local date "YYYY-MM-DD". */
static int day_of(const char *date)
{
	int64_t ms;
	char iso[32];
	snprintf(iso, sizeof iso, "%sT12:00:00Z", date);
	assert_int_equal(ank_iso_parse(iso, &ms), 0);
	int64_t base = local_ms(0, 12, 0);
	return (int)((ms - base + (ms >= base ? 43200000 : -43200000)) / 86400000);
}

/* The visits users make: who, what, how (each combination the kiosk lets in). */
static const struct {
	const char *user, *substance;
	ank_route route;
} year_intakes[] = {
        {"soren1", "heroin", ANK_ROUTE_INJECT},
        {"soren2", "ketamine", ANK_ROUTE_SMOKE},
        {"mette", "cocaine", ANK_ROUTE_SMOKE},
        {"mette", "heroin", ANK_ROUTE_INJECT},
        {"karim", "benzodiazepine", ANK_ROUTE_INJECT},
        {"nanna", "crack", ANK_ROUTE_SMOKE},
        {"aeblet", "amphetamine", ANK_ROUTE_INJECT},
        {"robin", "methamphetamine", ANK_ROUTE_SMOKE},
        {"ung", "cocaine", ANK_ROUTE_INJECT},
        {"lis", "opioid", ANK_ROUTE_SMOKE},
        {"nanna", "other", ANK_ROUTE_SMOKE},
        {"soren1", "heroin", ANK_ROUTE_SMOKE},
};

typedef struct gen {
	step *s;
	size_t n, cap;
	char *arena; /* the steps' names and ticket aliases; never moves */
	size_t used, arena_cap;
	uint64_t rnd;
	int tickets, visits;
} gen;

static uint32_t next_rand(uint64_t *s);

static const char *gen_name(gen *g, const char *what, int day, int t)
{
	char *p = g->arena + g->used;
	int n = snprintf(p, g->arena_cap - g->used, "%s-d%d-%02d%02d-v%d", what, day, t / 60 % 24,
	                 t % 60, g->visits);
	assert_true(n > 0 && (size_t)n + 1 < g->arena_cap - g->used);
	g->used += (size_t)n + 1;
	return p;
}

static const char *gen_ticket(gen *g)
{
	char *p = g->arena + g->used;
	int n = snprintf(p, g->arena_cap - g->used, "Y%d", ++g->tickets);
	assert_true(n > 0 && (size_t)n + 1 < g->arena_cap - g->used);
	g->used += (size_t)n + 1;
	return p;
}

/* Appends `v` at minute t of local day `day` (t may pass midnight), in summer or standard
 * time as dst says (step.dst). */
static void gen_add(gen *g, step v, int day, int t, int dst)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4096;
		g->s = realloc(g->s, sizeof *g->s * g->cap);
		assert_non_null(g->s);
	}
	v.day = day + t / 1440;
	v.hh = t % 1440 / 60;
	v.mm = t % 60;
	v.dst = dst;
	g->s[g->n++] = v;
}

static int gen_between(gen *g, int lo, int hi)
{
	return lo + (int)(next_rand(&g->rnd) % (uint32_t)(hi - lo + 1));
}

/* One visit from minute t of `day`, played to its end before the next begins (so no two
 * visits need a station at once); returns the minute after it. `intake`: always an
 * ordinary intake (no refusal, no-show or cancel). */
static int gen_visit(gen *g, int day, int t, int dst, bool intake)
{
	g->visits++;
	int pick = gen_between(g, 0, 99);
	if (intake)
		pick = 0;
	int i = gen_between(g, 0, (int)COUNT_OF(year_intakes) - 1);
	const char *user = year_intakes[i].user, *sub = year_intakes[i].substance;
	ank_route route = year_intakes[i].route;
	const char *tk = gen_ticket(g);
	if (pick >= 88) { /* refused: late (after the substance) or right after the nickname */
		static const char *const who[] = {"kid", "tomas", "karim", "robin"};
		int k = gen_between(g, 0, 3);
		/* Tomas's quarantine ends on day 30. */
		if (k == 1 && day >= 29)
			k = 0;
		step v = {.name = gen_name(g, "refuse", day, t), .kind = S_CHECKIN, .user = who[k]};
		if (pick >= 95) {
			bool tomas = k % 2 && day < 29;
			v.user = tomas ? "tomas" : "kid";
			v.refusal = tomas ? ANK_REFUSE_QUARANTINED : ANK_REFUSE_UNDERAGE;
		} else if (k == 2) {
			v.substance = "cannabis";
			v.route = ANK_ROUTE_SMOKE;
			v.refusal = ANK_REFUSE_SUBSTANCE_ROUTE;
		} else if (k == 3) {
			v.substance = "speedball";
			v.route = ANK_ROUTE_INJECT;
			v.helper = "robin";
			v.refusal = ANK_REFUSE_HELPER_SELF;
		} else {
			v.substance = "heroin";
			v.route = ANK_ROUTE_INJECT;
			v.refusal = k ? ANK_REFUSE_QUARANTINED : ANK_REFUSE_UNDERAGE;
		}
		gen_add(g, v, day, t, dst);
		return t + gen_between(g, 1, 10);
	}
	bool assisted = pick >= 66 && pick < 72, transfer = pick >= 84 && pick < 88;
	if (assisted) {
		user = "karim";
		sub = "heroin";
		route = ANK_ROUTE_INJECT;
	}
	if (transfer)
		route = ANK_ROUTE_INJECT;
	gen_add(g,
	        (step){.name = gen_name(g, "issue", day, t),
	               .kind = S_CHECKIN,
	               .user = user,
	               .substance = sub,
	               .route = route,
	               .helper = assisted ? "helper" : NULL,
	               .ticket = tk,
	               .after = "waiting"},
	        day, t, dst);
	if (pick >= 80 && pick < 84) { /* cancelled while waiting */
		t += gen_between(g, 1, 20);
		gen_add(g,
		        (step){.name = gen_name(g, "cancel", day, t),
		               .kind = S_CMD,
		               .cmd = ANK_CMD_CANCEL,
		               .ticket = tk,
		               .after = "cancelled"},
		        day, t, dst);
		return t + 1;
	}
	if (transfer) {
		t += 1;
		route = ANK_ROUTE_SMOKE;
		gen_add(g,
		        (step){.name = gen_name(g, "transfer", day, t),
		               .kind = S_CMD,
		               .cmd = ANK_CMD_TRANSFER,
		               .ticket = tk,
		               .to = ANK_ROUTE_SMOKE,
		               .after = "waiting"},
		        day, t, dst);
	}
	const char *station = assisted                    ? "1"
	                      : gen_between(g, 0, 7) == 0 ? "5"
	                      : route == ANK_ROUTE_INJECT ? "2"
	                                                  : "3";
	t += gen_between(g, 0, 40); /* the wait to the call */
	gen_add(g,
	        (step){.name = gen_name(g, "call", day, t),
	               .kind = S_CMD,
	               .cmd = ANK_CMD_CALL_TICKET,
	               .ticket = tk,
	               .station = station,
	               .after = "called"},
	        day, t, dst);
	if (pick >= 72 && pick < 80) { /* a no-show: by staff, or the grace period runs out */
		bool by_tick = pick >= 77;
		t += by_tick ? 6 : gen_between(g, 1, 4);
		gen_add(g,
		        by_tick ? (step){.name = gen_name(g, "tick", day, t),
		                         .kind = S_TICK,
		                         .ticket = tk,
		                         .after = "no_show",
		                         .no_show = true}
		                : (step){.name = gen_name(g, "no-show", day, t),
		                         .kind = S_CMD,
		                         .cmd = ANK_CMD_NO_SHOW,
		                         .ticket = tk,
		                         .after = "no_show"},
		        day, t, dst);
		return t + 1;
	}
	t += gen_between(g, 1, 3);
	step start = {.name = gen_name(g, "start", day, t),
	              .kind = S_CMD,
	              .cmd = ANK_CMD_START,
	              .ticket = tk,
	              .after = "in_session",
	              .ss = gen_between(g, 0, 59)};
	gen_add(g, start, day, t, dst);
	t += gen_between(g, 8, 40);
	gen_add(g,
	        (step){.name = gen_name(g, "end", day, t),
	               .kind = S_CMD,
	               .cmd = ANK_CMD_END,
	               .ticket = tk,
	               .after = "done"},
	        day, t, dst);
	t += 1;
	gen_add(g,
	        (step){.name = gen_name(g, "clean", day, t),
	               .kind = S_CMD,
	               .cmd = ANK_CMD_CLEANING_DONE,
	               .station = station},
	        day, t, dst);
	return t + 1;
}

/* The year's steps, in time order (malloc'd, with their names in g->arena). */
static void year_make(gen *g)
{
	g->arena_cap = 4u << 20;
	g->arena = malloc(g->arena_cap);
	assert_non_null(g->arena);
	g->rnd = 2026;
	int first = day_of("2026-01-01"), last = day_of("2026-12-31");
	int spring = day_of("2026-03-29"), autumn = day_of("2026-10-25");
	for (int day = first; day <= last; day++) {
		/* The clock-change nights: two visits in the small hours of the Sunday, before
		 * and after the change (25 October: both in the hour 02 that happens twice). */
		if (day == spring) {
			gen_visit(g, day, 90, 0, true);  /* 01:30 standard time */
			gen_visit(g, day, 190, 0, true); /* 03:10 summer time */
		} else if (day == autumn) {
			gen_visit(g, day, 125, 1, true); /* 02:05, the first time (summer time) */
			gen_visit(g, day, 125, 2,
			          true); /* 02:05, the second time (standard time) */
		} else if (gen_between(g, 0, 4) == 0) {
			gen_visit(g, day, gen_between(g, 30, 150), 0,
			          false); /* yesterday's night */
		}
		if (gen_between(g, 0, 6) == 0) /* before opening */
			gen_add(g,
			        (step){.name = gen_name(g, "closed", day, 400),
			               .kind = S_CHECKIN,
			               .user = "mette",
			               .substance = "heroin",
			               .route = ANK_ROUTE_INJECT,
			               .refusal = ANK_REFUSE_CLOSED},
			        day, 400, 0);
		/* Quieter at weekends and in July, as rooms are. */
		struct tm tm;
		ank_local_tm(local_ms(day, 12, 0), &tm);
		int until =
		        tm.tm_wday == 0 || tm.tm_wday == 6 || tm.tm_mon == 6 ? 15 * 60 : 21 * 60;
		for (int t = 8 * 60 + gen_between(g, 0, 40); t < until;)
			t = gen_visit(g, day, t, 0, false) + gen_between(g, 0, 60);
	}
}

static gen G;

/* The spans of the year: each quarter, the year, a month, both clock-change days, a week
 * across new year. quarter/year name the span as --quarter/--year do. */
static const struct {
	const char *name, *from, *to, *quarter, *year;
} year_spans[] = {
        {"2026Q1", "2026-01-01", "2026-03-31", "2026Q1", NULL},
        {"2026Q2", "2026-04-01", "2026-06-30", "2026Q2", NULL},
        {"2026Q3", "2026-07-01", "2026-09-30", "2026Q3", NULL},
        {"2026Q4", "2026-10-01", "2026-12-31", "2026Q4", NULL},
        {"2026", "2026-01-01", "2026-12-31", NULL, "2026"},
        {"february", "2026-02-01", "2026-02-28", NULL, NULL},
        {"spring-forward", "2026-03-29", "2026-03-29", NULL, NULL},
        {"fall-back", "2026-10-25", "2026-10-25", NULL, NULL},
        {"new-year-week", "2025-12-29", "2026-01-04", NULL, NULL},
        {"everything", NULL, NULL, NULL, NULL},
};

/* The report as ank_report_make gives it (the CLI's and the API's path), parsed; below as
 * --suppress-below. */
static json_t *report_asked(ank_cstore *cs, const char *from, const char *to, const char *quarter,
                            const char *year, int below)
{
	ank_report_ask a = {.from = quarter || year ? NULL : from,
	                    .to = quarter || year ? NULL : to,
	                    .quarter = quarter,
	                    .year = year,
	                    .below = below,
	                    .flag = "--"};
	ank_report_out out = {0};
	ank_err err = {{0}};
	if (ank_report_make(cs, &a, W->report_now, &out, &err))
		fail_msg("report %s: %s", quarter ? quarter : year ? year : from, err.msg);
	json_t *j = json_loads(out.text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	free(out.text);
	return j;
}

/* Every figure of every span of the year against the model; --quarter and --year give the
 * same report as their dates. */
static void test_year_figures(void **state)
{
	(void)state;
	ank_cstore *cs = feed_central("central-year.db", FEED_FULL, 0);
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(year_spans); i++) {
		const char *from = year_spans[i].from, *to = year_spans[i].to;
		int64_t from_ms = from ? local_ms(day_of(from), 0, 0) : INT64_MIN;
		int64_t to_ms = to ? local_ms(day_of(to) + 1, 0, 0) : INT64_MAX;
		check_report(cs, year_spans[i].name, from, to, from_ms, to_ms, &failed);
		if (!year_spans[i].quarter && !year_spans[i].year)
			continue;
		json_t *a = report(cs, from, to);
		json_t *b =
		        report_asked(cs, from, to, year_spans[i].quarter, year_spans[i].year, 0);
		json_object_del(a, "generated_at");
		json_object_del(b, "generated_at");
		json_object_del(b, "suppression");
		if (!json_equal(a, b))
			case_fail(&failed, "%s: the named period's report differs from its dates",
			          year_spans[i].name);
		json_decref(a);
		json_decref(b);
	}
	/* Known without the model: the clock-change nights' two intakes each. 29 March has no
	 * hour 02 (01:30 and 03:10); on 25 October both 02:05s count as hour 02. */
	json_t *spring = report(cs, "2026-03-29", "2026-03-29"),
	       *autumn = report(cs, "2026-10-25", "2026-10-25");
	json_t *sh = json_object_get(
	        json_object_get(json_object_get(json_object_get(spring, "sites"), SITE),
	                        "intakes_by_hour"),
	        "02");
	json_t *ah = json_object_get(
	        json_object_get(json_object_get(json_object_get(autumn, "sites"), SITE),
	                        "intakes_by_hour"),
	        "02");
	if (sh)
		case_fail(&failed, "29 March has an hour 02");
	if (json_integer_value(ah) != 2)
		case_fail(&failed, "25 October's hour 02 has %lld intakes, not 2",
		          (long long)json_integer_value(ah));
	json_decref(spring);
	json_decref(autumn);
	ank_cstore_close(cs);
	assert_cases_passed(failed);
}

static bool hidden(json_t *v)
{
	return json_is_string(v) &&
	       (!strcmp(json_string_value(v), "<10") || !strcmp(json_string_value(v), "hidden"));
}

/* What the report does not suppress: time and events, not counts of people. */
static bool not_suppressed(const char *key)
{
	static const char *const keys[] = {"capacity", "session_seconds", "events_out_of_time",
	                                   "unknown_events"};
	for (size_t i = 0; i < COUNT_OF(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

/* Each count of `raw` (an unsuppressed section, or a breakdown in it) against `sup`: a
 * count from 1 to 9 is "<10", any other is itself or "hidden". Counts the "hidden" cells. */
static void check_cells(const char *label, json_t *raw, json_t *sup, int *n_hidden, int *failed)
{
	const char *k;
	json_t *v;
	json_object_foreach(raw, k, v)
	{
		if (not_suppressed(k))
			continue;
		json_t *w = json_object_get(sup, k);
		if (json_is_object(v) && json_is_object(w)) {
			char sub[160];
			snprintf(sub, sizeof sub, "%s.%s", label, k);
			check_cells(sub, v, w, n_hidden, failed);
			continue;
		}
		if (!json_is_integer(v))
			continue;
		json_int_t n = json_integer_value(v);
		if (n >= 1 && n <= 9) {
			if (!json_is_string(w) || strcmp(json_string_value(w), "<10"))
				case_fail(failed, "%s.%s: %lld is shown", label, k, (long long)n);
		} else if (json_is_string(w) && !strcmp(json_string_value(w), "hidden")) {
			(*n_hidden)++;
		} else if (!json_equal(v, w)) {
			case_fail(failed, "%s.%s: %lld became something else", label, k,
			          (long long)n);
		}
	}
}

/* A group of cells that add up (members and their total) must not have exactly one hidden:
 * it would be the total less the others. */
static void check_group(const char *label, json_t *total, json_t **members, int n, int *failed)
{
	int h = hidden(total);
	for (int i = 0; i < n; i++)
		h += hidden(members[i]);
	if (h == 1)
		case_fail(failed, "%s: one cell hidden alone", label);
}

/* The figures the report suppresses (docs/report.md "Suppression"): plain counts. */
static const char *const counted[] = {
        "checkins",  "intakes",   "no_shows",  "cancelled",         "refusals",      "rejections",
        "overdoses", "referrals", "incidents", "checkins_assisted", "sessions_ended"};

/* The small site: "nord" has only a few staff records, the year's site thousands of
 * visits; every quarter's report hides the small counts, and what is shown cannot give
 * them away (the sites of the municipality, each breakdown and its total). */
static void test_year_suppression(void **state)
{
	(void)state;
	ank_cstore *cs = feed_central("central-year-sup.db", FEED_FULL, 0);
	int failed = 0, n_hidden = 0;
	for (size_t i = 0; i < COUNT_OF(year_spans); i++) {
		if (!year_spans[i].from)
			continue;
		const char *nm = year_spans[i].name;
		json_t *raw = report_asked(cs, year_spans[i].from, year_spans[i].to, NULL, NULL, 0);
		json_t *sup =
		        report_asked(cs, year_spans[i].from, year_spans[i].to, NULL, NULL, 10);
		json_t *sup_by = json_object_get(sup, "suppression");
		if (json_integer_value(json_object_get(sup_by, "below")) != 10)
			case_fail(&failed, "%s: suppression.below is not 10", nm);
		char label[96];
		static const char *const parts[] = {"totals", "sites", "municipalities"};
		for (size_t p = 0; p < COUNT_OF(parts); p++) {
			json_t *rs = json_object_get(raw, parts[p]),
			       *ss = json_object_get(sup, parts[p]);
			if (p == 0) {
				snprintf(label, sizeof label, "%s.totals", nm);
				check_cells(label, rs, ss, &n_hidden, &failed);
				continue;
			}
			const char *id;
			json_t *sec;
			json_object_foreach(rs, id, sec)
			{
				snprintf(label, sizeof label, "%s.%s.%s", nm, parts[p], id);
				check_cells(label, sec, json_object_get(ss, id), &n_hidden,
				            &failed);
			}
		}
		/* The municipality's two sites and its total; the total over the sites. */
		json_t *sites = json_object_get(sup, "sites");
		json_t *muni = json_object_get(json_object_get(sup, "municipalities"), SITE_MUNI);
		for (size_t f = 0; f < COUNT_OF(counted); f++) {
			json_t *m[2] = {
			        json_object_get(json_object_get(sites, SITE), counted[f]),
			        json_object_get(json_object_get(sites, OTHER_SITE), counted[f])};
			snprintf(label, sizeof label, "%s: %s over the sites", nm, counted[f]);
			check_group(label, json_object_get(muni, counted[f]), m, 2, &failed);
		}
		/* Each breakdown of the big site's section with its total. */
		json_t *big = json_object_get(sites, SITE);
		static const char *const groups[][2] = {
		        {"intakes_by_hour", "intakes"},      {"intakes_by_weekday", "intakes"},
		        {"intakes_by_week", "intakes"},      {"intakes_by_route", "intakes"},
		        {"intakes_by_substance", "intakes"}, {"checkins_by_hour", "checkins"},
		        {"refusals_by_reason", "refusals"}};
		for (size_t g = 0; g < COUNT_OF(groups); g++) {
			json_t *cells = json_object_get(big, groups[g][0]), *m[64];
			int n = 0;
			const char *k;
			json_t *v;
			json_object_foreach(cells, k, v)
			{
				if (n < 64)
					m[n++] = v;
			}
			snprintf(label, sizeof label, "%s: %s", nm, groups[g][0]);
			check_group(label, json_object_get(big, groups[g][1]), m, n, &failed);
		}
		json_decref(raw);
		json_decref(sup);
	}
	/* The year's small cells (the night hours, a quiet refusal reason) must have made the
	 * secondary rule hide something, or this test proves nothing about it. */
	if (n_hidden == 0)
		case_fail(&failed, "no cell was hidden by the secondary rule");
	print_message("contract: %d cells hidden by the secondary rule\n", n_hidden);
	ank_cstore_close(cs);
	assert_cases_passed(failed);
}

int main(int argc, char **argv)
{
	/* The report and the queue both use the process's zone: the site's. */
	setenv("TZ", "Europe/Copenhagen", 1);
	tzset();
	if (argc > 1 && !strcmp(argv[1], "year")) {
		year_ini();
		year_make(&G);
		S_ = (scen){G.s,
		            G.n,
		            site_ini_year,
		            day_of("2025-12-31"),
		            day_of("2027-01-04"),
		            local_ms(day_of("2025-12-31"), 7, 0),
		            local_ms(day_of("2027-01-04"), 12, 0)};
		print_message("contract: the year has %d visits in %zu steps\n", G.visits, G.n);
		const struct CMUnitTest year[] = {
		        cmocka_unit_test(test_year_figures),
		        cmocka_unit_test(test_year_suppression),
		};
		int rc = cmocka_run_group_tests(year, world_setup, world_teardown);
		free(G.s);
		free(G.arena);
		return rc;
	}
	S_.setup_ms = local_ms(0, 7, 0);
	S_.report_now = REPORT_NOW;
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_report_figures),
	        cmocka_unit_test(test_one_by_one),
	        cmocka_unit_test(test_random_batches),
	        cmocka_unit_test(test_rebuild),
	};
	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
