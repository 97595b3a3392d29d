/* The one wire vocabulary of kiosk and central: event types with their payload fields and
 * types, change types, staff commands, ticket and station states, refusal reasons and the
 * sync routes. Every other file names these by enum or macro, never by a string literal
 * (tests/check_vocab.sh enforces it); docs/formats.md and docs/api.md describe them. */
#ifndef ANK_WIRE_H
#define ANK_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "ank_err.h"
#include "ank_vocab.h"

/* ---- routes of the sync API (the paths both ends use) ---- */

#define ANK_PATH_PAIR    "/api/v1/pair"
#define ANK_PATH_EVENTS  "/api/v1/sync/events"
#define ANK_PATH_CHANGES "/api/v1/sync/changes"

/* ---- payload fields ---- */

/* X(enum suffix, wire name): every member name an event or change payload uses. */
#define ANK_FIELD_LIST(X)                                                                          \
	X(TICKET, "ticket")                                                                        \
	X(LABEL, "label")                                                                          \
	X(DAY, "day")                                                                              \
	X(ROUTE, "route")                                                                          \
	X(SUBSTANCE, "substance")                                                                  \
	X(USER, "user")                                                                            \
	X(STATE, "state")                                                                          \
	X(HELPER, "helper")                                                                        \
	X(STATION, "station")                                                                      \
	X(DURATION_S, "duration_s")                                                                \
	X(FROM, "from")                                                                            \
	X(TO, "to")                                                                                \
	X(REASON, "reason")                                                                        \
	X(CODE, "code")                                                                            \
	X(COMMAND, "command")                                                                      \
	X(CHANGE, "change")                                                                        \
	X(LANG, "lang")                                                                            \
	X(KEYS, "keys")                                                                            \
	X(USERS, "users")                                                                          \
	X(STATIONS, "stations")                                                                    \
	X(ID, "id")                                                                                \
	X(TYPE, "type")                                                                            \
	X(UNTIL, "until")                                                                          \
	X(INI, "ini")                                                                              \
	X(MESSAGES, "messages")                                                                    \
	X(KEY, "key")                                                                              \
	X(ALERT, "alert")                                                                          \
	X(ALERT_FROM, "alert_from")                                                                \
	X(ALERT_UNTIL, "alert_until")                                                              \
	X(ALERT_SEVERITY, "alert_severity")                                                        \
	X(KIOSK, "kiosk")                                                                          \
	X(STATION_TYPES, "station_types")                                                          \
	X(TEXTS_VERSION, "texts_version")                                                          \
	X(KIND, "kind")                                                                            \
	X(SEVERITY, "severity")                                                                    \
	X(PICTOGRAM, "pictogram")                                                                  \
	X(QR, "qr")                                                                                \
	X(TEXTS, "texts")                                                                          \
	X(TEXT, "text")                                                                            \
	X(TITLE, "title")                                                                          \
	X(BODY, "body")                                                                            \
	X(ITEMS, "items")

typedef enum ank_field {
#define ANK_X_ENUM(e, n) ANK_F_##e,
	ANK_FIELD_LIST(ANK_X_ENUM)
#undef ANK_X_ENUM
	        ANK_F_COUNT
} ank_field;

/* The wire name of a field, e.g. ANK_FN(TICKET) is "ticket". Static storage. */
extern const char *const ank_field_names[ANK_F_COUNT];
#define ANK_FN(f) (ank_field_names[ANK_F_##f])

/* How a field's value must look. */
typedef enum ank_ftype {
	ANK_FT_ID,   /* a string of 1..ANK_WIRE_ID_MAX bytes of valid UTF-8 without NUL */
	ANK_FT_TEXT, /* any string (a reason, a message) */
	ANK_FT_INT,  /* an integer */
	ANK_FT_ARRAY,
	ANK_FT_ROUTE,         /* an id that is a route code (common/ank_vocab.h) */
	ANK_FT_TICKET_STATE,  /* an id that is a ticket state code */
	ANK_FT_STATION_STATE, /* an id that is a station state code */
	ANK_FT_SLUG,          /* an id of letters, digits, - and _ (users, stations) */
	ANK_FT_LABEL,         /* a ticket label: a route's prefix, "-", 1 to 6 digits (I-014) */
	ANK_FT_DAY,           /* a service day, YYYY-MM-DD */
	ANK_FT_SUBSTANCE,     /* a substance code (common/ank_vocab.h) */
	ANK_FT_REFUSAL,       /* a refusal reason code (ank_refusal) */
} ank_ftype;

/* The kiosk's printer state it reports with its change poll (docs/api.md "Change feed":
 * printer): "none", "ready", "near_end", or why the last ticket or check failed (kiosk/print's
 * codes: "paper_end", "cover_open", "unreachable", ...); a slug of at most this many bytes. */
#define ANK_PRINTER_STATE_MAX 23

/* Ids, labels, days and codes in payloads: short, so the read model keeps them in fixed
 * buffers (user and station ids are slugs of at most 63). */
#define ANK_WIRE_ID_MAX 63

/* ---- event types ---- */

/* X(enum suffix, wire name). Append only: the names are on the wire and in central.db. */
#define ANK_EVENT_LIST(X)                                                                          \
	X(TICKET_ISSUED, "ticket.issued")                                                          \
	X(TICKET_CALLED, "ticket.called")                                                          \
	X(TICKET_RECALLED, "ticket.recalled")                                                      \
	X(TICKET_NO_SHOW, "ticket.no_show")                                                        \
	X(TICKET_REQUEUED, "ticket.requeued")                                                      \
	X(TICKET_CANCELLED, "ticket.cancelled")                                                    \
	X(TICKET_TRANSFERRED, "ticket.transferred")                                                \
	X(SESSION_STARTED, "session.started")                                                      \
	X(SESSION_ENDED, "session.ended")                                                          \
	X(STATION_STATE, "station.state")                                                          \
	X(CHECKIN_REFUSED, "checkin.refused")                                                      \
	X(SITE_FROZEN, "site.frozen")                                                              \
	X(SITE_RESUMED, "site.resumed")                                                            \
	X(SITE_CONFIG, "site.config")                                                              \
	X(REGISTRY_IMPORTED, "registry.imported")                                                  \
	X(COMMAND_APPLIED, "command.applied")                                                      \
	X(COMMAND_REFUSED, "command.refused")                                                      \
	X(CONFIG_APPLIED, "config.applied")                                                        \
	X(CONFIG_REFUSED, "config.refused")                                                        \
	X(CATALOG_APPLIED, "catalog.applied")                                                      \
	X(CATALOG_REFUSED, "catalog.refused")                                                      \
	X(CHANGE_SKIPPED, "change.skipped")                                                        \
	X(HELP_REQUESTED, "help.requested")                                                        \
	X(HELP_ANSWERED, "help.answered")                                                          \
	X(STAFF_ACTION, "staff.action")                                                            \
	X(TICKET_PRINT_FAILED, "ticket.print_failed")

/* A help request (help.requested: "call staff" on the kiosk's nickname screen) that nobody
 * closed counts as open this long: after that it was answered in person without anyone
 * tapping "done" or "I'm on it", and a new tap calls staff again. Kiosk and central both
 * go by it, so the kiosk's staff screen and the console show the same requests. */
#define ANK_HELP_OPEN_MS (30LL * 60000)

typedef enum ank_ev {
	ANK_EV_UNKNOWN = -1, /* a type this build does not know (a newer kiosk's) */
#define ANK_X_ENUM(e, n) ANK_EV_##e,
	ANK_EVENT_LIST(ANK_X_ENUM)
#undef ANK_X_ENUM
	        ANK_EV_COUNT
} ank_ev;

/* Wire name of a known type; "?" otherwise. Static storage. */
const char *ank_ev_name(ank_ev t);
/* The type of a wire name, ANK_EV_UNKNOWN when this build does not know it. */
ank_ev ank_ev_from_name(const char *name);
/* True for the events whose payload is a whole ticket (docs/formats.md). */
bool ank_ev_is_ticket(ank_ev t);

/* One field of an event's payload. */
typedef struct ank_wire_field {
	ank_field field;
	ank_ftype type;
	bool required;
} ank_wire_field;

/* Most fields one event type has. */
#define ANK_WIRE_FIELDS_MAX 12

/* The fields of an event type's payload; *n gets their number (0 for an unknown type).
 * Members not listed are allowed (a newer kiosk may add one) and left in the raw log. */
const ank_wire_field *ank_ev_fields(ank_ev t, int *n);

/* An event's payload read once into typed fields (central's ingest and rebuild). */
typedef struct ank_wire_event {
	ank_ev type;
	/* Per field: where its value starts in the payload text, NULL when absent. */
	const char *raw[ANK_F_COUNT];
	long long num[ANK_F_COUNT];                /* ANK_FT_INT fields */
	char id[ANK_F_COUNT][ANK_WIRE_ID_MAX + 1]; /* ID-like fields, "" when absent */
} ank_wire_event;

/* Reads `payload` (a compact JSON object as the protocol decoders leave it) as an event of
 * type t and checks every field of ank_ev_fields: present when required, of its type. On
 * failure err names the field ("payload.ticket: missing", "payload.route: not a route")
 * and -1 is returned. An unknown type reads as no fields and succeeds. */
int ank_wire_event_read(ank_ev t, const char *payload, ank_wire_event *out, ank_err *err);
/* The decoded text of a TEXT field into buf (cut to cap - 1 bytes at a character
 * boundary); "" when absent. Returns buf. */
const char *ank_wire_text(const ank_wire_event *ev, ank_field f, char *buf, size_t cap);

/* ---- change types (central to kiosk) ---- */

#define ANK_CHANGE_LIST(X)                                                                         \
	X(USER_UPSERT, "user.upsert")                                                              \
	X(USER_DELETE, "user.delete")                                                              \
	X(QUARANTINE, "quarantine")                                                                \
	X(COMMAND, "command")                                                                      \
	X(SITE_CONFIG, "site.config")                                                              \
	X(CATALOG, "catalog")                                                                      \
	X(TICKET_KEY, "ticket.key")                                                                \
	X(HELP_TAKEN, "help.taken")                                                                \
	X(CONTENT, "content")

typedef enum ank_chg {
	ANK_CHG_UNKNOWN = -1,
#define ANK_X_ENUM(e, n) ANK_CHG_##e,
	ANK_CHANGE_LIST(ANK_X_ENUM)
#undef ANK_X_ENUM
	        ANK_CHG_COUNT
} ank_chg;

const char *ank_chg_name(ank_chg t);

/* ---- administrators' content (change "content", the display feed, kiosk --content) ---- */

/* Limits of one drug alert or information screen, each with its reason; central refuses an
 * item past them and the kiosk keeps at most ANK_CONTENT_MAX. One published item must fit a
 * change payload (ANK_PROTO_MAX_PAYLOAD, 8 KiB) in every language at once. */
#define ANK_CONTENT_MAX 32 /* items a kiosk holds at once: weeks of alerts and offers */
/* Information screens on the kiosk: on the welcome after this long without a touch (between
 * visits only), each in every one of the site's languages in turn, this long each. Here, not
 * in the kiosk, because central's preview walks the rotation too (admin_content.c). */
#define ANK_INFO_IDLE_MS      30000
#define ANK_INFO_ROTATE_MS    8000
#define ANK_CONTENT_LANGS_MAX 10  /* the ten shipped languages */
#define ANK_CONTENT_TITLE_MAX 80  /* bytes: a title read from across the waiting room */
#define ANK_CONTENT_TEXT_MAX  320 /* bytes of an alert's text or a screen's body per language */
#define ANK_CONTENT_QR_MAX    200 /* bytes of the https URL a QR carries (version 10 at M) */
#define ANK_CONTENT_SITES_MAX 64  /* sites one item names */
#define ANK_CONTENT_ICON_MAX  31  /* a pictogram's name (ank_pictogram_at) */
ank_chg ank_chg_from_name(const char *name);

/* ---- ticket and station states ---- */

typedef enum ank_ticket_state {
	ANK_TS_WAITING,
	ANK_TS_CALLED,
	ANK_TS_IN_SESSION,
	ANK_TS_DONE,
	ANK_TS_NO_SHOW,
	ANK_TS_CANCELLED,
	/* Issued at a kiosk with a printer and held until the printer confirms the ticket (or
	 * the user taps "I have my number"): not callable, not waiting, never on the wire
	 * (kiosk/print, docs/architecture.md "Printing"). */
	ANK_TS_PENDING_PRINT,
	ANK_TS_COUNT
} ank_ticket_state;

/* ank_station_state is in ank_vocab.h (a station of the site config has one). */
/* Codes ("waiting", "in_session", "free", ...); "?" for a value out of range. */
const char *ank_ticket_state_code(ank_ticket_state s);
/* The state of a code, or -1. */
int ank_ticket_state_from_code(const char *s);
const char *ank_station_state_code(ank_station_state s);
int ank_station_state_from_code(const char *s);
/* True for done and cancelled: the ticket has left the queue for good. */
bool ank_ticket_state_final(ank_ticket_state s);

/* ---- ticket checks ---- */

/* The verdict on a ticket QR reference (docs/api.md "Ticket check"): central's
 * tickets/check route and `ankomst-queue verify-ticket` give the same reasons. */
typedef enum ank_tcheck {
	ANK_TCHECK_VALID = 0,  /* genuine, this site, today's service day, still open */
	ANK_TCHECK_FORMAT,     /* not a reference of the known format */
	ANK_TCHECK_MAC,        /* the MAC does not verify: forged or changed */
	ANK_TCHECK_OTHER_SITE, /* a reference of another site */
	ANK_TCHECK_OTHER_DAY,  /* not of the site's current service day */
	ANK_TCHECK_UNKNOWN,    /* genuine, but no such ticket is known here */
	ANK_TCHECK_DONE,
	ANK_TCHECK_CANCELLED,
	ANK_TCHECK_NO_SHOW,
	ANK_TCHECK_COUNT
} ank_tcheck;

/* The reason code ("mac", "other_day", ...); NULL for ANK_TCHECK_VALID (no reason) and out
 * of range. Static storage. */
const char *ank_tcheck_code(ank_tcheck c);
/* The verdict a ticket in state s gets: VALID while it is open (waiting, called, in
 * session), else DONE, CANCELLED or NO_SHOW. */
ank_tcheck ank_tcheck_of_state(ank_ticket_state s);

/* ---- refusal reasons (checkin.refused) ---- */

typedef enum ank_refusal {
	ANK_REFUSE_NONE = 0,
	ANK_REFUSE_CLOSED,
	ANK_REFUSE_QUARANTINED,
	ANK_REFUSE_NO_CONSENT,
	ANK_REFUSE_UNDERAGE,
	ANK_REFUSE_WOMEN_ONLY,
	ANK_REFUSE_ROUTE_NOT_OFFERED,
	ANK_REFUSE_SUBSTANCE_ROUTE,
	ANK_REFUSE_ALREADY_QUEUED,
	ANK_REFUSE_ASSISTED_NOT_OFFERED,
	ANK_REFUSE_HELPER_UNKNOWN,
	ANK_REFUSE_HELPER_SELF,
	ANK_REFUSE_HELPER_UNDERAGE,
	ANK_REFUSE_HELPER_QUARANTINED,
	ANK_REFUSE_COUNT
} ank_refusal;

/* Stable code of a reason (events, reports, UI texts); "unknown" out of range. */
const char *ank_refusal_code(ank_refusal r);
/* The reason of a code; ANK_REFUSE_NONE for NULL or a code that is none of them. */
ank_refusal ank_refusal_from_code(const char *code);

/* ---- staff commands ---- */

/* The codes are the wire names: central's staff API and its command changes carry them. */
typedef enum ank_cmd_type {
	ANK_CMD_CALL_NEXT,     /* station optional: the next fitting ticket to it */
	ANK_CMD_CALL_TICKET,   /* ticket; station optional */
	ANK_CMD_RECALL,        /* ticket */
	ANK_CMD_NO_SHOW,       /* ticket */
	ANK_CMD_REQUEUE,       /* ticket: a no-show back in line at its old place */
	ANK_CMD_START,         /* ticket */
	ANK_CMD_END,           /* ticket */
	ANK_CMD_CLEANING_DONE, /* station */
	ANK_CMD_CLOSE_STATION, /* station */
	ANK_CMD_OPEN_STATION,  /* station */
	ANK_CMD_CANCEL,        /* ticket */
	ANK_CMD_TRANSFER,      /* ticket, route */
	ANK_CMD_FREEZE,
	ANK_CMD_RESUME,
	ANK_CMD_COUNT
} ank_cmd_type;

/* Whether a command takes an argument. */
typedef enum ank_need { ANK_NEED_NO, ANK_NEED_OPTIONAL, ANK_NEED_REQUIRED } ank_need;

typedef struct ank_cmd_info {
	const char *code;
	ank_need ticket, station, route;
} ank_cmd_info;

/* The command table entry of t, or NULL out of range. Static storage. */
const ank_cmd_info *ank_cmd_info_of(ank_cmd_type t);
/* The code of t ("call_next"), "?" out of range. */
const char *ank_cmd_code(ank_cmd_type t);
/* The command of a code, or -1. */
int ank_cmd_from_code(const char *code);

#endif
