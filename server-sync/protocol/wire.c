/* The wire vocabulary's tables (wire.h): names of fields, events, changes, states, refusal
 * reasons and staff commands, each event's payload fields, and the typed reading of a
 * payload that central's ingest uses. */
#include "wire.h"

#include <stdio.h>
#include <string.h>

#include "ank_text.h"
#include "ank_vocab.h"
#include "proto.h"

const char *const ank_field_names[ANK_F_COUNT] = {
#define ANK_X_NAME(e, n) [ANK_F_##e] = n,
        ANK_FIELD_LIST(ANK_X_NAME)
#undef ANK_X_NAME
};

static const char *const event_names[ANK_EV_COUNT] = {
#define ANK_X_NAME(e, n) [ANK_EV_##e] = n,
        ANK_EVENT_LIST(ANK_X_NAME)
#undef ANK_X_NAME
};

static const char *const change_names[ANK_CHG_COUNT] = {
#define ANK_X_NAME(e, n) [ANK_CHG_##e] = n,
        ANK_CHANGE_LIST(ANK_X_NAME)
#undef ANK_X_NAME
};

static int index_of(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

const char *ank_ev_name(ank_ev t)
{
	return t >= 0 && t < ANK_EV_COUNT ? event_names[t] : "?";
}

ank_ev ank_ev_from_name(const char *name)
{
	return (ank_ev)index_of(event_names, ANK_EV_COUNT, name);
}

bool ank_ev_is_ticket(ank_ev t)
{
	return t >= ANK_EV_TICKET_ISSUED && t <= ANK_EV_SESSION_ENDED;
}

const char *ank_chg_name(ank_chg t)
{
	return t >= 0 && t < ANK_CHG_COUNT ? change_names[t] : "?";
}

ank_chg ank_chg_from_name(const char *name)
{
	return (ank_chg)index_of(change_names, ANK_CHG_COUNT, name);
}

/* ---- payload schemas ---- */

#define REQ(f, t)                                                                                  \
	{                                                                                          \
		ANK_F_##f, ANK_FT_##t, true                                                        \
	}
#define OPT(f, t)                                                                                  \
	{                                                                                          \
		ANK_F_##f, ANK_FT_##t, false                                                       \
	}
/* The whole ticket, as every ticket event carries it (docs/formats.md). */
#define TICKET_FIELDS                                                                              \
	REQ(TICKET, INT), REQ(LABEL, LABEL), REQ(DAY, DAY), REQ(ROUTE, ROUTE),                     \
	        REQ(SUBSTANCE, SUBSTANCE), REQ(USER, SLUG), REQ(STATE, TICKET_STATE),              \
	        OPT(HELPER, SLUG), OPT(STATION, SLUG)

static const struct schema {
	int n;
	ank_wire_field f[ANK_WIRE_FIELDS_MAX];
} schemas[ANK_EV_COUNT] = {
        [ANK_EV_TICKET_ISSUED] = {9, {TICKET_FIELDS}},
        [ANK_EV_TICKET_CALLED] = {9, {TICKET_FIELDS}},
        [ANK_EV_TICKET_RECALLED] = {9, {TICKET_FIELDS}},
        [ANK_EV_TICKET_NO_SHOW] = {9, {TICKET_FIELDS}},
        [ANK_EV_TICKET_REQUEUED] = {9, {TICKET_FIELDS}},
        [ANK_EV_TICKET_CANCELLED] = {9, {TICKET_FIELDS}},
        /* The ticket before the move, plus the two routes. */
        [ANK_EV_TICKET_TRANSFERRED] = {11, {TICKET_FIELDS, REQ(FROM, ROUTE), REQ(TO, ROUTE)}},
        [ANK_EV_SESSION_STARTED] = {9, {TICKET_FIELDS}},
        [ANK_EV_SESSION_ENDED] = {10, {TICKET_FIELDS, REQ(DURATION_S, INT)}},
        [ANK_EV_STATION_STATE] = {2, {REQ(STATION, SLUG), REQ(STATE, STATION_STATE)}},
        /* Substance and route are missing when the person was refused before choosing them
         * (right after the nickname: ank_queue_check_person). */
        [ANK_EV_CHECKIN_REFUSED] = {4,
                                    {REQ(REASON, REFUSAL), REQ(USER, SLUG),
                                     OPT(SUBSTANCE, SUBSTANCE), OPT(ROUTE, ROUTE)}},
        [ANK_EV_SITE_FROZEN] = {0, {{0}}},
        [ANK_EV_SITE_RESUMED] = {0, {{0}}},
        /* The config's own members are central's to check (common config rules); the read
         * model needs the station ids in their order. */
        [ANK_EV_SITE_CONFIG] = {1, {REQ(STATIONS, ARRAY)}},
        [ANK_EV_REGISTRY_IMPORTED] = {1, {REQ(USERS, INT)}},
        [ANK_EV_COMMAND_APPLIED] = {2, {REQ(COMMAND, INT), OPT(TICKET, INT)}},
        [ANK_EV_COMMAND_REFUSED] = {3, {REQ(COMMAND, INT), OPT(CODE, TEXT), REQ(REASON, TEXT)}},
        [ANK_EV_CONFIG_APPLIED] = {1, {REQ(CHANGE, INT)}},
        [ANK_EV_CONFIG_REFUSED] = {2, {REQ(CHANGE, INT), REQ(REASON, TEXT)}},
        [ANK_EV_CATALOG_APPLIED] = {3, {REQ(CHANGE, INT), REQ(LANG, ID), REQ(KEYS, INT)}},
        [ANK_EV_CATALOG_REFUSED] = {2, {REQ(CHANGE, INT), REQ(REASON, TEXT)}},
        [ANK_EV_CHANGE_SKIPPED] = {2, {REQ(CHANGE, INT), REQ(REASON, TEXT)}},
        /* The kiosk's number of the request and nothing else: no name, nothing typed. */
        [ANK_EV_HELP_REQUESTED] = {1, {REQ(ID, INT)}},
        [ANK_EV_HELP_ANSWERED] = {1, {REQ(ID, INT)}},
        /* A staff command given in the kiosk's staff mode (behind the site's PIN), in the
         * command's own transaction: central's audit log notes it as "kiosk PIN". type is
         * the command's code; ticket and station as the command named them. */
        [ANK_EV_STAFF_ACTION] = {3, {REQ(TYPE, SLUG), OPT(TICKET, INT), OPT(STATION, SLUG)}},
        /* A ticket held for the printer and cancelled: the printer did not confirm it and
         * the user did not tap "I have my number" (no ticket.issued was ever sent for it, so
         * the report's visits never count it). The ticket as cancelled, and why: the
         * printer's code (ank_print_code, "paper_end", "unconfirmed", ...). */
        [ANK_EV_TICKET_PRINT_FAILED] = {10, {TICKET_FIELDS, REQ(REASON, SLUG)}},
};
#undef REQ
#undef OPT
#undef TICKET_FIELDS

const ank_wire_field *ank_ev_fields(ank_ev t, int *n)
{
	if (t < 0 || t >= ANK_EV_COUNT) {
		*n = 0;
		return NULL;
	}
	*n = schemas[t].n;
	return schemas[t].f;
}

/* A ticket label as the kiosk makes it: a route's prefix, "-", 1 to 6 digits. */
static bool is_label(const char *s)
{
	for (int r = 0; r < ANK_ROUTE_COUNT; r++) {
		const char *p = ank_route_prefix((ank_route)r);
		size_t n = strlen(p);
		if (strncmp(s, p, n) != 0 || s[n] != '-')
			continue;
		size_t digits = strspn(s + n + 1, "0123456789");
		return digits >= 1 && digits <= 6 && s[n + 1 + digits] == '\0';
	}
	return false;
}

/* YYYY-MM-DD with a month 01-12 and a day 01-31 (the kiosk's local service day). */
static bool is_day(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || strspn(s, "0123456789") != 4 ||
	    strspn(s + 5, "0123456789") != 2 || strspn(s + 8, "0123456789") != 2)
		return false;
	int month = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
	return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* The vocabulary checks of a string value (its form already checked); NULL when it fits.
 * Kiosk strings reach staff pages and reports: markup or an unknown code is refused at the
 * door rather than escaped everywhere after. */
static const char *check_vocab(ank_ftype t, const char *v)
{
	switch (t) {
	case ANK_FT_SLUG:
		return ank_text_is_slug(v, ANK_WIRE_ID_MAX) ? NULL : "not letters, digits, - and _";
	case ANK_FT_LABEL:
		return is_label(v) ? NULL : "not a ticket label (a route's prefix, -, digits)";
	case ANK_FT_DAY:
		return is_day(v) ? NULL : "not a day (YYYY-MM-DD)";
	case ANK_FT_SUBSTANCE:
		return ank_substance_find(v) ? NULL : "not a substance";
	case ANK_FT_REFUSAL:
		return ank_refusal_from_code(v) != ANK_REFUSE_NONE ? NULL : "not a refusal reason";
	default:
		return NULL;
	}
}

/* Checks one present value against its type and keeps what the read model needs. Returns
 * NULL when it fits, else what is wrong. */
static const char *check_value(const ank_wire_field *wf, const char *val, ank_wire_event *out)
{
	switch (wf->type) {
	case ANK_FT_INT:
		return ank_proto_value_int(val, &out->num[wf->field]) ? "not an integer" : NULL;
	case ANK_FT_TEXT:
		return *val == '"' ? NULL : "not a string";
	case ANK_FT_ARRAY:
		return *val == '[' ? NULL : "not an array";
	case ANK_FT_ID:
	case ANK_FT_ROUTE:
	case ANK_FT_TICKET_STATE:
	case ANK_FT_STATION_STATE:
	case ANK_FT_SLUG:
	case ANK_FT_LABEL:
	case ANK_FT_DAY:
	case ANK_FT_SUBSTANCE:
	case ANK_FT_REFUSAL:
		break;
	}
	if (*val != '"')
		return "not a string";
	char *buf = out->id[wf->field];
	long n = ank_proto_value_str(val, buf, ANK_WIRE_ID_MAX + 1);
	if (n <= 0)
		return "empty";
	if (n > ANK_WIRE_ID_MAX)
		return "longer than 63 bytes";
	if (strlen(buf) != (size_t)n || !ank_utf8_valid_text(buf, (size_t)n))
		return "not a text";
	if (wf->type == ANK_FT_ROUTE && ank_route_from_code(buf) < 0)
		return "not a route";
	if (wf->type == ANK_FT_TICKET_STATE && ank_ticket_state_from_code(buf) < 0)
		return "not a ticket state";
	if (wf->type == ANK_FT_STATION_STATE && ank_station_state_from_code(buf) < 0)
		return "not a station state";
	return check_vocab(wf->type, buf);
}

int ank_wire_event_read(ank_ev t, const char *payload, ank_wire_event *out, ank_err *err)
{
	out->type = t;
	int n = 0;
	const ank_wire_field *fields = ank_ev_fields(t, &n);
	/* Only the fields of this type are touched: zeroing the whole struct for every event
	 * would cost more than reading it. */
	for (int i = 0; i < ANK_F_COUNT; i++)
		out->raw[i] = NULL;
	if (n == 0)
		return 0;
	/* Initialised: gcc -O3 cannot see that n <= ANK_WIRE_FIELDS_MAX entries are set. */
	const char *keys[ANK_WIRE_FIELDS_MAX] = {0};
	const char *vals[ANK_WIRE_FIELDS_MAX] = {0};
	for (int i = 0; i < n; i++)
		keys[i] = ank_field_names[fields[i].field];
	ank_proto_payload_find(payload, keys, n, vals);
	for (int i = 0; i < n; i++) {
		const ank_wire_field *wf = &fields[i];
		out->id[wf->field][0] = '\0';
		out->num[wf->field] = 0;
		if (!vals[i] || !strncmp(vals[i], "null", 4)) {
			if (wf->required)
				return ank_err_set(err, "payload.%s: missing", keys[i]);
			continue;
		}
		const char *why = check_value(wf, vals[i], out);
		if (why)
			return ank_err_set(err, "payload.%s: %s", keys[i], why);
		out->raw[wf->field] = vals[i];
	}
	return 0;
}

const char *ank_wire_text(const ank_wire_event *ev, ank_field f, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (f < 0 || f >= ANK_F_COUNT || !ev->raw[f] || cap == 0)
		return buf;
	long n = ank_proto_value_str(ev->raw[f], buf, cap);
	if (n < 0) {
		buf[0] = '\0';
		return buf;
	}
	/* Cut at a character boundary, so the text stays valid UTF-8. */
	size_t len = strlen(buf);
	while (len > 0 && !ank_utf8_valid_text(buf, len))
		buf[--len] = '\0';
	return buf;
}

/* ---- states and reasons ---- */

static const char *const ticket_states[ANK_TS_COUNT] = {[ANK_TS_WAITING] = "waiting",
                                                        [ANK_TS_CALLED] = "called",
                                                        [ANK_TS_IN_SESSION] = "in_session",
                                                        [ANK_TS_DONE] = "done",
                                                        [ANK_TS_NO_SHOW] = "no_show",
                                                        [ANK_TS_CANCELLED] = "cancelled",
                                                        [ANK_TS_PENDING_PRINT] = "pending_print"};
static const char *const station_states[ANK_SS_COUNT] = {[ANK_SS_FREE] = "free",
                                                         [ANK_SS_RESERVED] = "reserved",
                                                         [ANK_SS_OCCUPIED] = "occupied",
                                                         [ANK_SS_CLEANING] = "cleaning",
                                                         [ANK_SS_CLOSED] = "closed"};

const char *ank_ticket_state_code(ank_ticket_state s)
{
	return s >= 0 && s < ANK_TS_COUNT ? ticket_states[s] : "?";
}

int ank_ticket_state_from_code(const char *s)
{
	return index_of(ticket_states, ANK_TS_COUNT, s);
}

const char *ank_station_state_code(ank_station_state s)
{
	return s >= 0 && s < ANK_SS_COUNT ? station_states[s] : "?";
}

int ank_station_state_from_code(const char *s)
{
	return index_of(station_states, ANK_SS_COUNT, s);
}

bool ank_ticket_state_final(ank_ticket_state s)
{
	return s == ANK_TS_DONE || s == ANK_TS_CANCELLED;
}

static const char *const tcheck_codes[ANK_TCHECK_COUNT] = {
        [ANK_TCHECK_FORMAT] = "format",         [ANK_TCHECK_MAC] = "mac",
        [ANK_TCHECK_OTHER_SITE] = "other_site", [ANK_TCHECK_OTHER_DAY] = "other_day",
        [ANK_TCHECK_UNKNOWN] = "unknown",       [ANK_TCHECK_DONE] = "done",
        [ANK_TCHECK_CANCELLED] = "cancelled",   [ANK_TCHECK_NO_SHOW] = "no_show"};

const char *ank_tcheck_code(ank_tcheck c)
{
	return c > ANK_TCHECK_VALID && c < ANK_TCHECK_COUNT ? tcheck_codes[c] : NULL;
}

ank_tcheck ank_tcheck_of_state(ank_ticket_state s)
{
	switch (s) {
	case ANK_TS_DONE:
		return ANK_TCHECK_DONE;
	case ANK_TS_CANCELLED:
		return ANK_TCHECK_CANCELLED;
	case ANK_TS_NO_SHOW:
		return ANK_TCHECK_NO_SHOW;
	default:
		return ANK_TCHECK_VALID;
	}
}

static const char *const refusal_codes[ANK_REFUSE_COUNT] = {
        [ANK_REFUSE_NONE] = "none",
        [ANK_REFUSE_CLOSED] = "closed",
        [ANK_REFUSE_QUARANTINED] = "quarantined",
        [ANK_REFUSE_NO_CONSENT] = "no_consent",
        [ANK_REFUSE_UNDERAGE] = "underage",
        [ANK_REFUSE_WOMEN_ONLY] = "women_only",
        [ANK_REFUSE_ROUTE_NOT_OFFERED] = "route_not_offered",
        [ANK_REFUSE_SUBSTANCE_ROUTE] = "substance_route",
        [ANK_REFUSE_ALREADY_QUEUED] = "already_queued",
        [ANK_REFUSE_ASSISTED_NOT_OFFERED] = "assisted_not_offered",
        [ANK_REFUSE_HELPER_UNKNOWN] = "helper_unknown",
        [ANK_REFUSE_HELPER_SELF] = "helper_self",
        [ANK_REFUSE_HELPER_UNDERAGE] = "helper_underage",
        [ANK_REFUSE_HELPER_QUARANTINED] = "helper_quarantined",
};

const char *ank_refusal_code(ank_refusal r)
{
	return r >= 0 && r < ANK_REFUSE_COUNT ? refusal_codes[r] : "unknown";
}

ank_refusal ank_refusal_from_code(const char *code)
{
	for (int r = ANK_REFUSE_NONE + 1; code && r < ANK_REFUSE_COUNT; r++)
		if (refusal_codes[r] && !strcmp(refusal_codes[r], code))
			return (ank_refusal)r;
	return ANK_REFUSE_NONE;
}

/* ---- staff commands ---- */

#define NO  ANK_NEED_NO
#define OPT ANK_NEED_OPTIONAL
#define REQ ANK_NEED_REQUIRED
/* {code, ticket, station, route}: what central checks; the kiosk checks the rest (whether
 * the ticket is waiting, the station free, ...) as the owner of the queue. */
static const ank_cmd_info commands[ANK_CMD_COUNT] = {
        [ANK_CMD_CALL_NEXT] = {"call_next", NO, OPT, NO},
        [ANK_CMD_CALL_TICKET] = {"call_ticket", REQ, OPT, NO},
        [ANK_CMD_RECALL] = {"recall", REQ, NO, NO},
        [ANK_CMD_NO_SHOW] = {"no_show", REQ, NO, NO},
        [ANK_CMD_REQUEUE] = {"requeue", REQ, NO, NO},
        [ANK_CMD_START] = {"start", REQ, NO, NO},
        [ANK_CMD_END] = {"end", REQ, NO, NO},
        [ANK_CMD_CLEANING_DONE] = {"cleaning_done", NO, REQ, NO},
        [ANK_CMD_CLOSE_STATION] = {"close_station", NO, REQ, NO},
        [ANK_CMD_OPEN_STATION] = {"open_station", NO, REQ, NO},
        [ANK_CMD_CANCEL] = {"cancel", REQ, NO, NO},
        [ANK_CMD_TRANSFER] = {"transfer", REQ, NO, REQ},
        [ANK_CMD_FREEZE] = {"freeze", NO, NO, NO},
        [ANK_CMD_RESUME] = {"resume", NO, NO, NO},
};
#undef NO
#undef OPT
#undef REQ

const ank_cmd_info *ank_cmd_info_of(ank_cmd_type t)
{
	return t >= 0 && t < ANK_CMD_COUNT ? &commands[t] : NULL;
}

const char *ank_cmd_code(ank_cmd_type t)
{
	return t >= 0 && t < ANK_CMD_COUNT ? commands[t].code : "?";
}

int ank_cmd_from_code(const char *code)
{
	for (int i = 0; code && i < ANK_CMD_COUNT; i++)
		if (!strcmp(code, commands[i].code))
			return i;
	return -1;
}
