/* The site queue: who may check in, tickets and their lifecycle, station assignment,
 * wait estimates and staff commands. Pure C over kiosk/store, no UI: the kiosk, the CLI
 * and the tests all drive this one implementation. Every call takes `now` so the caller
 * owns the clock (real, or virtual in tests and headless runs). */
#ifndef ANK_QUEUE_H
#define ANK_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* Result of every queue call. ANK_Q_REFUSED is not an error: the check-in was refused
 * for a reason the user is told (see ank_refusal), and the refusal was recorded. */
typedef enum ank_q_rc {
	ANK_Q_OK = 0,
	ANK_Q_REFUSED,
	ANK_Q_E_INPUT,      /* malformed argument: unknown substance, bad text */
	ANK_Q_E_NOT_FOUND,  /* unknown user, ticket or station id */
	ANK_Q_E_STATE,      /* not allowed in the current state (e.g. start a waiting ticket) */
	ANK_Q_E_TOO_SOON,   /* recall within a minute of the last call */
	ANK_Q_E_FROZEN,     /* emergency freeze: no calls */
	ANK_Q_E_NO_STATION, /* no free station fits this ticket */
	ANK_Q_E_FULL,       /* the queue reached ANK_MAX_OPEN_TICKETS */
	ANK_Q_E_NO_CONFIG,  /* no site config applied yet */
	ANK_Q_E_DB,         /* the database failed; nothing was changed */
} ank_q_rc;

const char *ank_q_strerror(ank_q_rc rc);

/* Why a check-in was refused: ank_refusal in wire.h (the codes go on the wire). */

/* Default session length for wait estimates until real sessions have ended. */
#define ANK_DEFAULT_SESSION_MIN 20
/* How many recent sessions per route the estimate averages. */
#define ANK_ESTIMATE_SESSIONS 20
/* Time a station spends being cleaned, for the estimate only. */
#define ANK_CLEANING_ESTIMATE_MIN 2
/* A called ticket can be announced again at most this often. */
#define ANK_RECALL_INTERVAL_MS 60000
/* Youngest age allowed (BEK 972/2016 §1), counted in whole years from birth year. */
#define ANK_MIN_AGE 18

typedef struct ank_queue ank_queue;

/* Opens the site database. *out is owned by the caller; free with ank_queue_close. */
ank_q_rc ank_queue_open(const char *db_path, ank_queue **out, ank_err *err);
void ank_queue_close(ank_queue *q);
/* Borrowed; valid until ank_queue_close. */
ank_store *ank_queue_store(ank_queue *q);
/* The config in force, or NULL before one is applied. Borrowed. */
const ank_site_config *ank_queue_config(ank_queue *q);
/* Applies a config (see ank_store_config_apply) and reloads it here. ANK_Q_E_STATE when
 * refused (a station to retire is in use), ANK_Q_E_DB when the database failed. */
ank_q_rc ank_queue_apply_config(ank_queue *q, const ank_site_config *cfg,
                                const ank_station *stations, int n, int64_t now, ank_err *err);
/* The same with a hook run inside the config's transaction (ank_store_config_apply_tx). */
ank_q_rc ank_queue_apply_config_tx(ank_queue *q, const ank_site_config *cfg,
                                   const ank_station *stations, int n, int64_t now,
                                   ank_store_in_tx in_tx, void *in_tx_ctx, ank_err *err);

/* Whether the site's drug alert is shown at `now`: it has a text, and now is within its
 * [alert] from/until (either may be open). */
bool ank_queue_alert_shown(const ank_site_config *cfg, int64_t now);
/* Pure rules, exposed for tests and the UI. */
bool ank_queue_is_open(const ank_site_config *cfg, int64_t now);
/* When the site next opens: `now` when it is open, else the local start of the next opening
 * within a week (hours past midnight included), or -1 when none is (closed every day). */
int64_t ank_queue_next_open(const ank_site_config *cfg, int64_t now);
/* When the current opening ends (it may be yesterday's, running past midnight), or -1 when
 * the site is closed now. */
int64_t ank_queue_open_until(const ank_site_config *cfg, int64_t now);
/* The service day ("YYYY-MM-DD") that `now` belongs to, given the day start. */
void ank_queue_service_day(const ank_site_config *cfg, int64_t now, char out[11]);

typedef struct ank_checkin {
	const char *user_id;
	const char *substance;
	ank_route route;
	const char *helper_id; /* NULL or "" unless an assisted injection */
	/* The kiosk prints tickets: the ticket is held (pending_print: not callable, not
	 * waiting, no event) until ank_queue_print_confirm or ank_queue_print_cancel. */
	bool hold;
} ank_checkin;

/* What a wait estimate may say. Minutes only mean something when the queue calls by itself:
 * during a freeze no one is called, and with auto-call off staff call each person, so the
 * screens say that instead of "about 0 min". */
typedef enum ank_estimate {
	ANK_EST_MINUTES,     /* wait_min is an estimate */
	ANK_EST_NO_STATION,  /* no open station serves the route now */
	ANK_EST_FROZEN,      /* the site is frozen: calls wait for staff to resume */
	ANK_EST_STAFF_CALLS, /* auto-call is off: staff call each person */
} ank_estimate;

typedef struct ank_checkin_result {
	ank_refusal refusal;
	ank_ticket ticket;                     /* the new ticket; for ALREADY_QUEUED the open one */
	char station_label[ANK_LABEL_MAX + 1]; /* non-empty when called at once */
	int ahead;             /* tickets before this one for a station of its kind */
	int wait_min;          /* estimated minutes until called */
	ank_estimate estimate; /* whether wait_min means anything */
} ank_checkin_result;

/* Checks eligibility and issues a ticket in one transaction with its events. Returns
 * ANK_Q_OK (ticket issued), ANK_Q_REFUSED (res->refusal says why; recorded), or an
 * error that wrote nothing. */
ank_q_rc ank_queue_checkin(ank_queue *q, const ank_checkin *in, int64_t now,
                           ank_checkin_result *res, ank_err *err);

/* A held ticket (ank_checkin.hold) goes into the queue: the printer confirmed it, or the
 * user tapped "I have my number". One transaction: the ticket waits from the time of the
 * check-in (its place is kept), ticket.issued is sent as for any ticket, and auto-call runs.
 * res as ank_queue_checkin gives it. OK, NOT_FOUND, STATE (not held), DB. */
ank_q_rc ank_queue_print_confirm(ank_queue *q, int64_t ticket_id, int64_t now,
                                 ank_checkin_result *res, ank_err *err);
/* A held ticket is cancelled: never called, never a no-show, and ticket.print_failed with
 * `reason` (the printer's code) is the only event about it. OK, NOT_FOUND, STATE, DB. */
ank_q_rc ank_queue_print_cancel(ank_queue *q, int64_t ticket_id, const char *reason, int64_t now,
                                ank_err *err);
/* A ticket held longer than this was left by a kiosk that stopped while its screen showed
 * it (the screen's own timeout is 1-2 minutes): the tick cancels it ("expired"). */
#define ANK_PRINT_HOLD_MAX_MS (10 * 60000LL)

/* The rules that depend only on the person, run as soon as the user is known (after the
 * nickname, or the birth year), before anything else is chosen: the site is open, not
 * quarantined, consent signed, 18+, women-only site, no other open ticket (res->ticket is
 * then the open one, as ank_queue_checkin gives it). ANK_Q_OK when none refuses (nothing
 * written); ANK_Q_REFUSED with res->refusal, recorded like a check-in's refusal but without
 * substance and route; ANK_Q_E_NOT_FOUND, ANK_Q_E_NO_CONFIG, ANK_Q_E_INPUT or ANK_Q_E_DB
 * with nothing written. ank_queue_checkin checks the same rules again. */
ank_q_rc ank_queue_check_person(ank_queue *q, const char *user_id, int64_t now,
                                ank_checkin_result *res, ank_err *err);

/* Staff commands: ank_cmd_type and their codes and arguments are in wire.h (central's
 * staff API sends them unchanged); queue.c has one handler per command. */

typedef struct ank_cmd {
	ank_cmd_type type;
	int64_t ticket_id;
	const char *station_id; /* NULL when not given */
	ank_route route;
	/* Optional: runs inside the command's transaction once it has succeeded, before the
	 * commit; non-zero rolls the command back. The sync client records a command from
	 * central as applied here, with its feed cursor, so that a crash can never apply it
	 * twice. `affected` is the ticket acted on (0 when none). */
	int (*in_tx)(void *ctx, ank_store *st, int64_t affected, ank_err *err);
	void *in_tx_ctx;
} ank_cmd;

/* What the command requires (from wire.h's table): bit 1 ticket, bit 2 station, bit 4 route. */
unsigned ank_cmd_needs(ank_cmd_type t);
#define ANK_NEEDS_TICKET  1u
#define ANK_NEEDS_STATION 2u
#define ANK_NEEDS_ROUTE   4u

/* Runs one staff command as one transaction with its events, followed by any
 * auto-call it makes possible. *affected (may be NULL) gets the ticket acted on. */
ank_q_rc ank_queue_command(ank_queue *q, const ank_cmd *cmd, int64_t now, int64_t *affected,
                           ank_err *err);

/* Time passing: turns called tickets past the grace period into no-shows and
 * auto-calls. Call it every few seconds; it writes nothing when nothing is due. It also
 * rereads the site config, so one applied by another connection (the sync client, the
 * CLI) takes effect here within a tick. */
ank_q_rc ank_queue_tick(ank_queue *q, int64_t now, ank_err *err);

/* ---- views for screens and staff ---- */

typedef enum ank_alert { ANK_ALERT_NONE, ANK_ALERT_WARN, ANK_ALERT_ALARM } ank_alert;

typedef struct ank_station_view {
	ank_station station;
	char ticket_label[16]; /* empty when none */
	int64_t elapsed_ms;    /* in the current state */
	ank_alert alert;       /* session timer against warn/alarm */
} ank_station_view;

ank_q_rc ank_queue_stations(ank_queue *q, int64_t now, ank_station_view *out, int max, int *n,
                            ank_err *err);

typedef struct ank_route_status {
	bool offered;
	int waiting;  /* tickets waiting for this route */
	int wait_min; /* estimate for someone checking in now; -1 when no open station serves r */
	ank_estimate estimate; /* whether wait_min means anything */
} ank_route_status;

ank_q_rc ank_queue_route_status(ank_queue *q, ank_route r, int64_t now, ank_route_status *out,
                                ank_err *err);
/* What an estimate of wait_min minutes may say now (the site's freeze and auto-call). */
ank_estimate ank_queue_estimate_kind(ank_queue *q, int wait_min);
/* Estimate for one waiting ticket: how many are served before it and minutes. */
ank_q_rc ank_queue_ticket_estimate(ank_queue *q, int64_t ticket_id, int64_t now, int *ahead,
                                   int *wait_min, ank_err *err);
/* Open tickets in queue order; *n capped at max. */
ank_q_rc ank_queue_open_tickets(ank_queue *q, ank_ticket *out, int max, int *n, ank_err *err);
/* Today's no-shows (the service day of `now`), newest first, for staff to requeue. */
ank_q_rc ank_queue_no_shows(ank_queue *q, int64_t now, ank_ticket *out, int max, int *n,
                            ank_err *err);
ank_q_rc ank_queue_frozen(ank_queue *q, bool *frozen, ank_err *err);

/* "Call staff" (a user who finds no name): records a help request with its help.requested
 * event in one transaction. While one is open (not closed by staff, younger than
 * ANK_HELP_OPEN_MS) nothing is written and *already is set; *id gets the request's id either
 * way. OK or DB. */
ank_q_rc ank_queue_help_request(ank_queue *q, int64_t now, int64_t *id, bool *already,
                                ank_err *err);
/* The open help requests, oldest first, for the staff screen; *n capped at max. */
ank_q_rc ank_queue_help_open(ank_queue *q, int64_t now, ank_help *out, int max, int *n,
                             ank_err *err);
/* Staff closed request id at the kiosk: recorded with a help.answered event, so that the
 * console stops showing it. OK, NOT_FOUND (not open), DB. */
ank_q_rc ank_queue_help_answer(ank_queue *q, int64_t id, int64_t now, ank_err *err);

/* A staff check of a ticket QR reference on this kiosk (docs/formats.md "Ticket QR
 * reference"): the same reasons as central's ticket check (ank_tcheck). */
typedef struct ank_ticket_check {
	ank_tcheck verdict;
	char why[160];     /* the reason in words for staff; never the key */
	ank_ticketref ref; /* the reference's fields, once its format is right */
	bool found;        /* ticket is this kiosk's ticket of the reference */
	ank_ticket ticket;
} ank_ticket_check;
/* Checks format, site, the MAC with this site's key, that the day is the service day of
 * `now`, and the ticket's state in this kiosk's queue (valid only while it is open). OK with
 * *out filled (valid or not), NO_CONFIG before a site config, DB. */
ank_q_rc ank_queue_ticket_check(ank_queue *q, const char *ref, int64_t now, ank_ticket_check *out,
                                ank_err *err);
/* The QR reference of ticket t (this site, its id, day and label) made with `key`, as the
 * ticket screen shows it. 0, or -1 with err (no config yet, a field out of the rules). */
int ank_queue_ticket_ref(ank_queue *q, const unsigned char key[ANK_TICKETREF_KEY_BYTES],
                         const ank_ticket *t, char out[ANK_TICKETREF_MAX], ank_err *err);

/* Nickname search as the kiosk shows it: at most 6 names, none before 2 letters; names
 * whose first word starts with the text first; names one edit away when nothing starts
 * with it (ank_store_search has the rules). *more (may be NULL) is set when more names
 * matched than fit, so the screen can ask for more letters. A name with same_name > 1 is
 * shared: ank_queue_same_name lists its holders by birth year. */
#define ANK_SEARCH_MAX 6
ank_q_rc ank_queue_search(ank_queue *q, const char *typed, ank_match out[ANK_SEARCH_MAX], int *n,
                          bool *more, ank_err *err);
/* Most holders of one nickname the birth-year step lists. */
#define ANK_SAME_NAME_MAX 48
ank_q_rc ank_queue_same_name(ank_queue *q, const char *user_id, ank_match *out, int max, int *n,
                             ank_err *err);

#endif
