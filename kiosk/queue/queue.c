/* The site queue's rules: eligibility, ticket lifecycle, station assignment, staff
 * commands and estimates. Each public call that changes anything is one store
 * transaction that also appends the outbox events describing the change. */
#include "queue.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"

struct ank_queue {
	ank_store *st;
	bool has_cfg;
	ank_site_config cfg;
	int64_t history_pruned_ms; /* when the tick last deleted old history; 0: not yet */
};

/* How often the tick looks for history past history_retention_days: the job "runs daily"
 * in effect, but a kiosk that was off at the hour still catches up within the hour. */
#define HISTORY_PRUNE_EVERY_MS (3600 * 1000LL)
#define HISTORY_PRUNE_MAX      2000 /* rows of each kind per round: a short transaction */

/* Deletes finished tickets and refusals past the site's retention, at most hourly. A failure
 * (a full disk) is logged and tried again next hour: the queue goes on. */
static void history_prune(ank_queue *q, int64_t now)
{
	if (q->history_pruned_ms && now - q->history_pruned_ms < HISTORY_PRUNE_EVERY_MS &&
	    now >= q->history_pruned_ms)
		return;
	q->history_pruned_ms = now;
	int nt = 0, nr = 0;
	ank_err err;
	int64_t keep = (int64_t)q->cfg.history_retention_days * 24 * 3600 * 1000;
	if (ank_store_history_prune(q->st, now, keep, HISTORY_PRUNE_MAX, &nt, &nr, &err))
		ank_log(ANK_LOG_WARN, "queue", "old tickets and refusals not deleted: %s", err.msg);
	else if (nt || nr)
		ank_log(ANK_LOG_INFO, "queue",
		        "history: %d tickets and %d refusals older than %d days deleted", nt, nr,
		        q->cfg.history_retention_days);
}

static const char *const rc_text[] = {
        [ANK_Q_OK] = "ok",
        [ANK_Q_REFUSED] = "check-in refused",
        [ANK_Q_E_INPUT] = "invalid input",
        [ANK_Q_E_NOT_FOUND] = "unknown id",
        [ANK_Q_E_STATE] = "not allowed in the current state",
        [ANK_Q_E_TOO_SOON] = "recalled less than a minute ago",
        [ANK_Q_E_FROZEN] = "emergency freeze: no calls",
        [ANK_Q_E_NO_STATION] = "no free station fits",
        [ANK_Q_E_FULL] = "queue full",
        [ANK_Q_E_NO_CONFIG] = "no site config applied",
        [ANK_Q_E_DB] = "database error",
};

const char *ank_q_strerror(ank_q_rc rc)
{
	return (rc >= 0 && rc <= ANK_Q_E_DB) ? rc_text[rc] : "unknown error";
}

/* ---- open, config ---- */

static ank_q_rc reload_config(ank_queue *q, ank_err *err)
{
	ank_store_rc rc = ank_store_config_get(q->st, &q->cfg, err);
	if (rc == ANK_STORE_DB)
		return ANK_Q_E_DB;
	q->has_cfg = rc == ANK_STORE_OK;
	return ANK_Q_OK;
}

ank_q_rc ank_queue_open(const char *db_path, ank_queue **out, ank_err *err)
{
	*out = NULL;
	ank_queue *q = calloc(1, sizeof *q);
	if (!q) {
		ank_err_set(err, "out of memory");
		return ANK_Q_E_DB;
	}
	if (ank_store_open(db_path, &q->st, err) || reload_config(q, err) != ANK_Q_OK) {
		ank_queue_close(q);
		return ANK_Q_E_DB;
	}
	*out = q;
	return ANK_Q_OK;
}

void ank_queue_close(ank_queue *q)
{
	if (!q)
		return;
	ank_store_close(q->st);
	free(q);
}

ank_store *ank_queue_store(ank_queue *q)
{
	return q->st;
}

const ank_site_config *ank_queue_config(ank_queue *q)
{
	return q->has_cfg ? &q->cfg : NULL;
}

ank_q_rc ank_queue_apply_config(ank_queue *q, const ank_site_config *cfg,
                                const ank_station *stations, int n, int64_t now, ank_err *err)
{
	return ank_queue_apply_config_tx(q, cfg, stations, n, now, NULL, NULL, err);
}

ank_q_rc ank_queue_apply_config_tx(ank_queue *q, const ank_site_config *cfg,
                                   const ank_station *stations, int n, int64_t now,
                                   ank_store_in_tx in_tx, void *in_tx_ctx, ank_err *err)
{
	ank_store_rc rc =
	        ank_store_config_apply_tx(q->st, cfg, stations, n, now, in_tx, in_tx_ctx, err);
	if (rc != ANK_STORE_OK)
		return rc == ANK_STORE_REFUSED ? ANK_Q_E_STATE : ANK_Q_E_DB;
	return reload_config(q, err);
}

/* ---- pure rules ---- */

bool ank_queue_alert_shown(const ank_site_config *cfg, int64_t now)
{
	return cfg->n_alerts > 0 && (!cfg->alert_from_ms || now >= cfg->alert_from_ms) &&
	       (!cfg->alert_until_ms || now < cfg->alert_until_ms);
}

bool ank_queue_is_open(const ank_site_config *cfg, int64_t now)
{
	struct tm tm;
	ank_local_tm(now, &tm);
	int minute = tm.tm_hour * 60 + tm.tm_min;
	const ank_hours *today = &cfg->hours[tm.tm_wday];
	const ank_hours *yesterday = &cfg->hours[(tm.tm_wday + 6) % 7];
	if (today->open_min >= 0 && minute >= today->open_min && minute < today->close_min)
		return true;
	/* Yesterday's hours may run past midnight into today. */
	return yesterday->open_min >= 0 && yesterday->close_min > 1440 &&
	       minute + 1440 < yesterday->close_min;
}

/* The local time `minutes` after the midnight that starts the day `days` after now's
 * (mktime normalises day overflow and finds the offset of that date, summer time included). */
static int64_t local_at(int64_t now, int days, int minutes)
{
	struct tm tm;
	ank_local_tm(now, &tm);
	tm.tm_mday += days;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

int64_t ank_queue_open_until(const ank_site_config *cfg, int64_t now)
{
	if (!ank_queue_is_open(cfg, now))
		return -1;
	struct tm tm;
	ank_local_tm(now, &tm);
	int minute = tm.tm_hour * 60 + tm.tm_min;
	const ank_hours *today = &cfg->hours[tm.tm_wday];
	const ank_hours *yesterday = &cfg->hours[(tm.tm_wday + 6) % 7];
	if (yesterday->open_min >= 0 && yesterday->close_min > 1440 &&
	    minute + 1440 < yesterday->close_min)
		return local_at(now, -1, yesterday->close_min);
	return local_at(now, 0, today->close_min);
}

int64_t ank_queue_next_open(const ank_site_config *cfg, int64_t now)
{
	if (ank_queue_is_open(cfg, now))
		return now;
	struct tm tm;
	ank_local_tm(now, &tm);
	for (int d = 0; d <= 7; d++) {
		const ank_hours *h = &cfg->hours[(tm.tm_wday + d) % 7];
		if (h->open_min < 0 || h->close_min <= h->open_min)
			continue;
		int64_t at = local_at(now, d, h->open_min);
		if (at > now)
			return at;
	}
	return -1;
}

void ank_queue_service_day(const ank_site_config *cfg, int64_t now, char out[11])
{
	struct tm tm;
	ank_local_tm(now - (int64_t)cfg->day_start_min * ANK_MS_PER_MIN, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static int year_of(int64_t now)
{
	struct tm tm;
	ank_local_tm(now, &tm);
	return tm.tm_year + 1900;
}

static bool is_quarantined(const ank_user *u, int64_t now)
{
	return u->quarantine_until_ms > now;
}

static bool is_adult(const ank_user *u, int64_t now)
{
	/* Only the birth year is known: someone turning 18 this year is let in; staff
	 * judge the target group at registration. */
	return year_of(now) - u->birth_year >= ANK_MIN_AGE;
}

static bool is_woman(const ank_user *u)
{
	return strcmp(u->gender, "female") == 0;
}

/* The first rule about the person alone (and the site being open) that they break, in the
 * order the refusal screen explains them. Checked right after the nickname
 * (ank_queue_check_person) and again at check-in, since either may change in between. */
static ank_refusal person_rules(const ank_site_config *cfg, const ank_user *u, int64_t now)
{
	if (!ank_queue_is_open(cfg, now))
		return ANK_REFUSE_CLOSED;
	if (is_quarantined(u, now))
		return ANK_REFUSE_QUARANTINED;
	if (!u->consent_version[0])
		return ANK_REFUSE_NO_CONSENT;
	if (!is_adult(u, now))
		return ANK_REFUSE_UNDERAGE;
	if (cfg->women_only && !is_woman(u))
		return ANK_REFUSE_WOMEN_ONLY;
	return ANK_REFUSE_NONE;
}

/* The first rule the check-in breaks, in the order the refusal screen explains them. */
static ank_refusal eligibility(const ank_site_config *cfg, const ank_user *u,
                               const ank_user *helper, bool helper_known, const ank_checkin *in,
                               bool has_open, int64_t now)
{
	bool assisted = in->helper_id && in->helper_id[0];
	ank_refusal person = person_rules(cfg, u, now);
	if (person != ANK_REFUSE_NONE)
		return person;
	if (!cfg->routes[in->route])
		return ANK_REFUSE_ROUTE_NOT_OFFERED;
	if (!ank_substance_allows(in->substance, in->route))
		return ANK_REFUSE_SUBSTANCE_ROUTE;
	if (has_open)
		return ANK_REFUSE_ALREADY_QUEUED;
	if (!assisted)
		return ANK_REFUSE_NONE;
	if (!cfg->assisted || in->route != ANK_ROUTE_INJECT)
		return ANK_REFUSE_ASSISTED_NOT_OFFERED;
	if (!helper_known)
		return ANK_REFUSE_HELPER_UNKNOWN;
	if (!strcmp(helper->id, u->id))
		return ANK_REFUSE_HELPER_SELF;
	if (!is_adult(helper, now))
		return ANK_REFUSE_HELPER_UNDERAGE;
	if (is_quarantined(helper, now))
		return ANK_REFUSE_HELPER_QUARANTINED;
	return ANK_REFUSE_NONE;
}

/* True when station s may serve ticket t (type, women-only, room for a helper). */
static bool station_fits(const ank_station *s, const ank_ticket *t)
{
	bool type_ok = s->type == ANK_STATION_FLEX ||
	               (s->type == ANK_STATION_INJECT && t->route == ANK_ROUTE_INJECT) ||
	               (s->type == ANK_STATION_SMOKE && t->route == ANK_ROUTE_SMOKE);
	if (!type_ok)
		return false;
	if (s->women_only && !t->women)
		return false;
	return !t->helper_id[0] || s->assisted;
}

/* Lower is better: keep flex, women-only and assisted places for those who need them. */
static int station_cost(const ank_station *s, const ank_ticket *t)
{
	int cost = 0;
	if (s->type == ANK_STATION_FLEX)
		cost += 4;
	if (s->women_only)
		cost += 2;
	if (s->assisted && !t->helper_id[0])
		cost += 1;
	return cost;
}

/* ---- events ---- */

static json_t *ticket_json(const ank_ticket *t)
{
	json_t *j =
	        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", ANK_FN(TICKET), (json_int_t)t->id,
	                  ANK_FN(LABEL), t->label, ANK_FN(DAY), t->day, ANK_FN(ROUTE),
	                  ank_route_code(t->route), ANK_FN(SUBSTANCE), t->substance, ANK_FN(USER),
	                  t->user_id, ANK_FN(STATE), ank_ticket_state_code(t->state));
	if (j && t->helper_id[0])
		json_object_set_new(j, ANK_FN(HELPER), json_string(t->helper_id));
	if (j && t->station_id[0])
		json_object_set_new(j, ANK_FN(STATION), json_string(t->station_id));
	return j;
}

static int emit_ticket(ank_queue *q, ank_ev type, const ank_ticket *t, int64_t now, ank_err *err)
{
	return ank_store_outbox_append(q->st, type, now, ticket_json(t), err);
}

static int emit_station(ank_queue *q, const ank_station *s, int64_t now, ank_err *err)
{
	return ank_store_outbox_append(q->st, ANK_EV_STATION_STATE, now,
	                               json_pack("{s:s, s:s}", ANK_FN(STATION), s->id,
	                                         ANK_FN(STATE), ank_station_state_code(s->state)),
	                               err);
}

static int set_station(ank_queue *q, ank_station *s, ank_station_state state, int64_t ticket,
                       int64_t now, ank_err *err)
{
	s->state = state;
	s->ticket_id = ticket;
	s->since_ms = now;
	if (ank_store_station_update(q->st, s, err))
		return -1;
	return emit_station(q, s, now, err);
}

/* Calls ticket t to station s: both rows and two events. */
static int call_to(ank_queue *q, ank_ticket *t, ank_station *s, int64_t now, ank_err *err)
{
	t->state = ANK_TS_CALLED;
	memcpy(t->station_id, s->id, sizeof t->station_id);
	t->called_ms = now;
	t->recalled_ms = 0;
	if (ank_store_ticket_update(q->st, t, err) ||
	    emit_ticket(q, ANK_EV_TICKET_CALLED, t, now, err))
		return -1;
	return set_station(q, s, ANK_SS_RESERVED, t->id, now, err);
}

/* Frees the station a ticket held, if any, with its event. */
static int release_station(ank_queue *q, ank_ticket *t, ank_station_state to, int64_t now,
                           ank_err *err)
{
	if (!t->station_id[0])
		return 0;
	ank_station s;
	ank_store_rc rc = ank_store_station_get(q->st, t->station_id, &s, err);
	t->station_id[0] = '\0';
	if (rc == ANK_STORE_DB)
		return -1;
	if (rc == ANK_STORE_UNKNOWN || s.ticket_id != t->id)
		return 0; /* retired or already reassigned: nothing to free */
	return set_station(q, &s, to, 0, now, err);
}

/* Scratch space for loading the whole queue; heap-allocated because 1000 tickets do not
 * belong on the stack. */
typedef struct snapshot {
	ank_station stations[ANK_MAX_STATIONS];
	int n_stations;
	ank_ticket *tickets;
	int n_tickets;
} snapshot;

static int snapshot_load(ank_queue *q, snapshot *sn, ank_err *err)
{
	sn->tickets = malloc(sizeof(ank_ticket) * ANK_MAX_OPEN_TICKETS);
	if (!sn->tickets)
		return ank_err_set(err, "out of memory");
	if (ank_store_stations(q->st, sn->stations, ANK_MAX_STATIONS, &sn->n_stations, err) ||
	    ank_store_tickets_open(q->st, sn->tickets, ANK_MAX_OPEN_TICKETS, &sn->n_tickets, err)) {
		free(sn->tickets);
		sn->tickets = NULL;
		return -1;
	}
	return 0;
}

static void snapshot_free(snapshot *sn)
{
	free(sn->tickets);
	sn->tickets = NULL;
}

/* Best free station for ticket t in the snapshot, or -1. */
static int best_free(const snapshot *sn, const ank_ticket *t)
{
	int best = -1, best_cost = 0;
	for (int i = 0; i < sn->n_stations; i++) {
		const ank_station *s = &sn->stations[i];
		if (s->state != ANK_SS_FREE || !station_fits(s, t))
			continue;
		int c = station_cost(s, t);
		if (best < 0 || c < best_cost) {
			best = i;
			best_cost = c;
		}
	}
	return best;
}

/* Auto-call: while a waiting ticket fits a free station, call the oldest such ticket.
 * Nothing while frozen or with auto_call off. Inside the caller's transaction. */
static int assign_free(ank_queue *q, int64_t now, ank_err *err)
{
	if (!q->cfg.auto_call)
		return 0;
	bool frozen;
	if (ank_store_frozen_get(q->st, &frozen, err))
		return -1;
	if (frozen)
		return 0;
	snapshot sn;
	if (snapshot_load(q, &sn, err))
		return -1;
	int rc = 0;
	for (int i = 0; i < sn.n_tickets && rc == 0; i++) {
		ank_ticket *t = &sn.tickets[i];
		if (t->state != ANK_TS_WAITING)
			continue;
		int k = best_free(&sn, t);
		if (k >= 0)
			rc = call_to(q, t, &sn.stations[k], now, err);
	}
	snapshot_free(&sn);
	return rc;
}

/* ---- estimates ---- */

static int64_t route_mean(ank_queue *q, ank_route r, ank_err *err)
{
	int64_t mean;
	int n;
	if (ank_store_session_mean(q->st, r, ANK_ESTIMATE_SESSIONS, &mean, &n, err) || n == 0)
		return ANK_DEFAULT_SESSION_MIN * ANK_MS_PER_MIN;
	return mean;
}

/* Simulates the queue in order: each waiting ticket takes the fitting station that frees
 * up first. Returns the minutes until `target` (an index into sn->tickets) is called. */
static int simulate(ank_queue *q, snapshot *sn, int target, int64_t now, ank_err *err)
{
	int64_t mean[ANK_ROUTE_COUNT] = {route_mean(q, ANK_ROUTE_INJECT, err),
	                                 route_mean(q, ANK_ROUTE_SMOKE, err)};
	int64_t clean = q->cfg.clean_after_session ? ANK_CLEANING_ESTIMATE_MIN * ANK_MS_PER_MIN : 0;
	int64_t free_at[ANK_MAX_STATIONS];
	for (int i = 0; i < sn->n_stations; i++) {
		const ank_station *s = &sn->stations[i];
		/* A station in use is expected free after a mean session of the route it serves;
		 * its exact route does not matter enough to look the ticket up. */
		int64_t m = mean[s->type == ANK_STATION_SMOKE ? ANK_ROUTE_SMOKE : ANK_ROUTE_INJECT];
		switch (s->state) {
		case ANK_SS_FREE:
			free_at[i] = now;
			break;
		case ANK_SS_RESERVED:
			free_at[i] = now + m + clean;
			break;
		case ANK_SS_OCCUPIED:
			free_at[i] = s->since_ms + m + clean;
			if (free_at[i] < now + clean)
				free_at[i] = now + clean;
			break;
		case ANK_SS_CLEANING:
			free_at[i] = s->since_ms + clean > now ? s->since_ms + clean : now;
			break;
		default:
			free_at[i] = -1; /* closed */
		}
	}
	for (int i = 0; i <= target; i++) {
		const ank_ticket *t = &sn->tickets[i];
		if (t->state != ANK_TS_WAITING)
			continue;
		int best = -1;
		for (int k = 0; k < sn->n_stations; k++) {
			if (free_at[k] < 0 || !station_fits(&sn->stations[k], t))
				continue;
			if (best < 0 || free_at[k] < free_at[best])
				best = k;
		}
		if (best < 0)
			return -1; /* no open station can ever serve it */
		if (i == target) {
			int64_t wait = free_at[best] - now;
			return wait <= 0 ? 0 : (int)((wait + ANK_MS_PER_MIN - 1) / ANK_MS_PER_MIN);
		}
		free_at[best] += mean[t->route] + clean;
	}
	return 0;
}

static int count_ahead(const snapshot *sn, int target)
{
	int ahead = 0;
	for (int i = 0; i < target; i++)
		if (sn->tickets[i].state == ANK_TS_WAITING &&
		    sn->tickets[i].route == sn->tickets[target].route)
			ahead++;
	return ahead;
}

ank_q_rc ank_queue_ticket_estimate(ank_queue *q, int64_t ticket_id, int64_t now, int *ahead,
                                   int *wait_min, ank_err *err)
{
	if (!q->has_cfg)
		return ANK_Q_E_NO_CONFIG;
	snapshot sn;
	if (snapshot_load(q, &sn, err))
		return ANK_Q_E_DB;
	ank_q_rc rc = ANK_Q_E_NOT_FOUND;
	*ahead = 0;
	*wait_min = 0;
	for (int i = 0; i < sn.n_tickets; i++) {
		if (sn.tickets[i].id != ticket_id)
			continue;
		if (sn.tickets[i].state == ANK_TS_WAITING) {
			*ahead = count_ahead(&sn, i);
			*wait_min = simulate(q, &sn, i, now, err);
		}
		rc = ANK_Q_OK;
	}
	if (rc == ANK_Q_E_NOT_FOUND)
		ank_err_set(err, "ticket %lld is not open", (long long)ticket_id);
	snapshot_free(&sn);
	return rc;
}

ank_estimate ank_queue_estimate_kind(ank_queue *q, int wait_min)
{
	bool frozen = false;
	ank_err err;
	/* A freeze read that fails says nothing of minutes either way: keep the estimate. */
	if (ank_store_frozen_get(q->st, &frozen, &err) == 0 && frozen)
		return ANK_EST_FROZEN;
	if (q->has_cfg && !q->cfg.auto_call)
		return ANK_EST_STAFF_CALLS;
	return wait_min < 0 ? ANK_EST_NO_STATION : ANK_EST_MINUTES;
}

ank_q_rc ank_queue_route_status(ank_queue *q, ank_route r, int64_t now, ank_route_status *out,
                                ank_err *err)
{
	memset(out, 0, sizeof *out);
	if (!q->has_cfg)
		return ANK_Q_E_NO_CONFIG;
	out->offered = q->cfg.routes[r];
	snapshot sn;
	if (snapshot_load(q, &sn, err))
		return ANK_Q_E_DB;
	/* A hypothetical ticket at the end of the line answers "about how long". */
	ank_q_rc rc = ANK_Q_OK;
	if (sn.n_tickets < ANK_MAX_OPEN_TICKETS) {
		ank_ticket *t = &sn.tickets[sn.n_tickets];
		memset(t, 0, sizeof *t);
		t->route = r;
		t->state = ANK_TS_WAITING;
		int target = sn.n_tickets++;
		out->waiting = count_ahead(&sn, target);
		out->wait_min = simulate(q, &sn, target, now, err);
		out->estimate = ank_queue_estimate_kind(q, out->wait_min);
	} else {
		rc = ANK_Q_E_FULL;
	}
	snapshot_free(&sn);
	return rc;
}

/* ---- check-in ---- */

/* Records a refusal (row and event) and commits the open transaction. substance and route
 * are NULL for a refusal before they were chosen: the event then has no such members. */
static ank_q_rc refuse(ank_queue *q, const char *user_id, const char *substance, const char *route,
                       ank_refusal why, int64_t now, ank_checkin_result *res, ank_err *err)
{
	const char *code = ank_refusal_code(why);
	res->refusal = why;
	/* "s*": the member is left out when its value is NULL. */
	json_t *p = json_pack("{s:s, s:s, s:s*, s:s*}", ANK_FN(REASON), code, ANK_FN(USER), user_id,
	                      ANK_FN(SUBSTANCE), substance, ANK_FN(ROUTE), route);
	if (ank_store_refusal_insert(q->st, now, code, user_id, substance, route, err) ||
	    ank_store_outbox_append(q->st, ANK_EV_CHECKIN_REFUSED, now, p, err) ||
	    ank_store_commit(q->st, err)) {
		ank_store_rollback(q->st);
		return ANK_Q_E_DB;
	}
	return ANK_Q_REFUSED;
}

/* What the screen shows of a ticket just put in the queue (res->ticket, committed): its
 * station when auto-call gave it one, else how many are ahead and the wait. The ticket is
 * issued and durable; a failed estimate only leaves them at 0. */
static void issued_result(ank_queue *q, int64_t now, ank_checkin_result *res, ank_err *err)
{
	const ank_ticket *t = &res->ticket;
	if (t->state == ANK_TS_CALLED) {
		ank_station s;
		if (ank_store_station_get(q->st, t->station_id, &s, err) == ANK_STORE_OK)
			memcpy(res->station_label, s.label, sizeof res->station_label);
	} else if (ank_queue_ticket_estimate(q, t->id, now, &res->ahead, &res->wait_min, err)) {
		res->ahead = res->wait_min = 0;
	}
	res->estimate = ank_queue_estimate_kind(q, res->wait_min);
}

ank_q_rc ank_queue_checkin(ank_queue *q, const ank_checkin *in, int64_t now,
                           ank_checkin_result *res, ank_err *err)
{
	memset(res, 0, sizeof *res);
	if (!q->has_cfg) {
		ank_err_set(err, "no site config applied");
		return ANK_Q_E_NO_CONFIG;
	}
	if (!in->user_id || !in->substance || !ank_substance_find(in->substance)) {
		ank_err_set(err, "unknown substance '%.40s'", in->substance ? in->substance : "");
		return ANK_Q_E_INPUT;
	}
	if (in->route < 0 || in->route >= ANK_ROUTE_COUNT) {
		ank_err_set(err, "unknown route");
		return ANK_Q_E_INPUT;
	}
	if (ank_store_begin(q->st, err))
		return ANK_Q_E_DB;
	ank_user u, helper;
	ank_q_rc rc = ANK_Q_E_DB;
	ank_store_rc found = ank_store_user_get(q->st, in->user_id, &u, err);
	if (found == ANK_STORE_UNKNOWN) {
		ank_err_set(err, "unknown user '%.63s'", in->user_id);
		rc = ANK_Q_E_NOT_FOUND;
	}
	if (found != ANK_STORE_OK)
		goto rollback;
	bool assisted = in->helper_id && in->helper_id[0];
	ank_store_rc helper_found = ANK_STORE_UNKNOWN;
	if (assisted) {
		helper_found = ank_store_user_get(q->st, in->helper_id, &helper, err);
		if (helper_found == ANK_STORE_DB)
			goto rollback;
	}
	ank_store_rc open = ank_store_ticket_open_for_user(q->st, u.id, &res->ticket, err);
	if (open == ANK_STORE_DB)
		goto rollback;
	ank_refusal why = eligibility(&q->cfg, &u, &helper, helper_found == ANK_STORE_OK, in,
	                              open == ANK_STORE_OK, now);
	if (why != ANK_REFUSE_NONE)
		return refuse(q, in->user_id, in->substance, ank_route_code(in->route), why, now,
		              res, err);
	/* Everything is allowed: issue the ticket, unless the queue is at its hard cap. */
	int n_open;
	if (ank_store_tickets_open_count(q->st, &n_open, err))
		goto rollback;
	if (n_open >= ANK_MAX_OPEN_TICKETS) {
		ank_err_set(err, "%d tickets are open; the queue is full", n_open);
		rc = ANK_Q_E_FULL;
		goto rollback;
	}
	ank_ticket *t = &res->ticket;
	memset(t, 0, sizeof *t);
	ank_queue_service_day(&q->cfg, now, t->day);
	if (ank_store_next_number(q->st, t->day, in->route, &t->number, err))
		goto rollback;
	snprintf(t->label, sizeof t->label, "%s-%03d", ank_route_prefix(in->route), t->number);
	memcpy(t->user_id, u.id, sizeof t->user_id);
	if (assisted)
		memcpy(t->helper_id, helper.id, sizeof t->helper_id);
	t->women = is_woman(&u);
	t->route = in->route;
	snprintf(t->substance, sizeof t->substance, "%s", in->substance);
	t->state = in->hold ? ANK_TS_PENDING_PRINT : ANK_TS_WAITING;
	t->queue_key = now;
	t->created_ms = now;
	if (ank_store_ticket_insert(q->st, t, err))
		goto rollback;
	/* Held for the printer: nothing more until it is confirmed (no event, no call). */
	if (in->hold)
		return ank_store_commit(q->st, err) ? ANK_Q_E_DB : ANK_Q_OK;
	if (emit_ticket(q, ANK_EV_TICKET_ISSUED, t, now, err) || assign_free(q, now, err))
		goto rollback;
	/* Read back: auto-call may have given it a station. */
	if (ank_store_ticket_get(q->st, t->id, t, err) != ANK_STORE_OK)
		goto rollback;
	if (ank_store_commit(q->st, err))
		return ANK_Q_E_DB;
	issued_result(q, now, res, err);
	return ANK_Q_OK;
rollback:
	ank_store_rollback(q->st);
	return rc;
}

/* The held ticket id, inside a transaction already begun: NOT_FOUND or STATE when it is
 * not held (anymore). */
static ank_q_rc held_ticket(ank_queue *q, int64_t id, ank_ticket *t, ank_err *err)
{
	ank_store_rc found = ank_store_ticket_get(q->st, id, t, err);
	if (found == ANK_STORE_DB)
		return ANK_Q_E_DB;
	if (found != ANK_STORE_OK) {
		ank_err_set(err, "no ticket %lld", (long long)id);
		return ANK_Q_E_NOT_FOUND;
	}
	if (t->state != ANK_TS_PENDING_PRINT) {
		ank_err_set(err, "ticket %s is %s, not held for the printer", t->label,
		            ank_ticket_state_code(t->state));
		return ANK_Q_E_STATE;
	}
	return ANK_Q_OK;
}

ank_q_rc ank_queue_print_confirm(ank_queue *q, int64_t ticket_id, int64_t now,
                                 ank_checkin_result *res, ank_err *err)
{
	memset(res, 0, sizeof *res);
	if (ank_store_begin(q->st, err))
		return ANK_Q_E_DB;
	ank_ticket *t = &res->ticket;
	ank_q_rc rc = held_ticket(q, ticket_id, t, err);
	if (rc != ANK_Q_OK)
		goto rollback;
	rc = ANK_Q_E_DB;
	t->state = ANK_TS_WAITING;
	if (ank_store_ticket_update(q->st, t, err) ||
	    emit_ticket(q, ANK_EV_TICKET_ISSUED, t, now, err) || assign_free(q, now, err) ||
	    ank_store_ticket_get(q->st, t->id, t, err) != ANK_STORE_OK)
		goto rollback;
	if (ank_store_commit(q->st, err))
		return ANK_Q_E_DB;
	issued_result(q, now, res, err);
	return ANK_Q_OK;
rollback:
	ank_store_rollback(q->st);
	return rc;
}

/* Cancels held ticket t (inside a transaction) with its ticket.print_failed event. */
static int print_cancel(ank_queue *q, ank_ticket *t, const char *reason, int64_t now, ank_err *err)
{
	t->state = ANK_TS_CANCELLED;
	t->ended_ms = now;
	json_t *p = ticket_json(t);
	if (p)
		json_object_set_new(p, ANK_FN(REASON), json_string(reason));
	if (ank_store_ticket_update(q->st, t, err))
		return -1;
	return ank_store_outbox_append(q->st, ANK_EV_TICKET_PRINT_FAILED, now, p, err);
}

ank_q_rc ank_queue_print_cancel(ank_queue *q, int64_t ticket_id, const char *reason, int64_t now,
                                ank_err *err)
{
	if (!reason || !ank_text_is_slug(reason, ANK_WIRE_ID_MAX)) {
		ank_err_set(err, "print failure reason must be a code");
		return ANK_Q_E_INPUT;
	}
	if (ank_store_begin(q->st, err))
		return ANK_Q_E_DB;
	ank_ticket t;
	ank_q_rc rc = held_ticket(q, ticket_id, &t, err);
	if (rc == ANK_Q_OK && print_cancel(q, &t, reason, now, err))
		rc = ANK_Q_E_DB;
	if (rc != ANK_Q_OK) {
		ank_store_rollback(q->st);
		return rc;
	}
	return ank_store_commit(q->st, err) ? ANK_Q_E_DB : ANK_Q_OK;
}

/* Held tickets a stopped kiosk left behind: cancelled ("expired"), inside the tick's
 * transaction. */
static int expire_held(ank_queue *q, int64_t now, ank_err *err)
{
	ank_ticket held[8];
	int n = 0;
	if (ank_store_tickets_pending(q->st, now - ANK_PRINT_HOLD_MAX_MS, held, 8, &n, err))
		return -1;
	for (int i = 0; i < n; i++)
		if (print_cancel(q, &held[i], "expired", now, err))
			return -1;
	return 0;
}

ank_q_rc ank_queue_check_person(ank_queue *q, const char *user_id, int64_t now,
                                ank_checkin_result *res, ank_err *err)
{
	memset(res, 0, sizeof *res);
	if (!q->has_cfg) {
		ank_err_set(err, "no site config applied");
		return ANK_Q_E_NO_CONFIG;
	}
	if (!user_id || !user_id[0]) {
		ank_err_set(err, "no user id");
		return ANK_Q_E_INPUT;
	}
	/* One transaction: the user and their open ticket are read together, and a refusal is
	 * written with its event or not at all. */
	if (ank_store_begin(q->st, err))
		return ANK_Q_E_DB;
	ank_user u;
	ank_q_rc rc = ANK_Q_E_DB;
	ank_store_rc found = ank_store_user_get(q->st, user_id, &u, err);
	if (found == ANK_STORE_UNKNOWN) {
		ank_err_set(err, "unknown user '%.63s'", user_id);
		rc = ANK_Q_E_NOT_FOUND;
	}
	if (found != ANK_STORE_OK)
		goto rollback;
	ank_store_rc open = ank_store_ticket_open_for_user(q->st, u.id, &res->ticket, err);
	if (open == ANK_STORE_DB)
		goto rollback;
	ank_refusal why = person_rules(&q->cfg, &u, now);
	if (why == ANK_REFUSE_NONE && open == ANK_STORE_OK)
		why = ANK_REFUSE_ALREADY_QUEUED;
	if (why != ANK_REFUSE_NONE)
		return refuse(q, u.id, NULL, NULL, why, now, res, err);
	rc = ANK_Q_OK; /* nothing was written: the rollback only ends the read */
rollback:
	ank_store_rollback(q->st);
	return rc;
}

/* ---- staff commands ---- */

typedef struct cmd_ctx {
	ank_queue *q;
	const ank_cmd *cmd;
	int64_t now;
	bool frozen;
	ank_ticket t;  /* loaded when the command needs a ticket */
	ank_station s; /* loaded when the command names a station */
	bool has_station;
	ank_err *err;
} cmd_ctx;

typedef ank_q_rc (*cmd_fn)(cmd_ctx *c);

static ank_q_rc db_fail(void)
{
	return ANK_Q_E_DB;
}

static ank_q_rc state_error(cmd_ctx *c, const char *what)
{
	ank_err_set(c->err, "%s: ticket %s is %s", what, c->t.label,
	            ank_ticket_state_code(c->t.state));
	return ANK_Q_E_STATE;
}

static ank_q_rc call_common(cmd_ctx *c, ank_ticket *t)
{
	if (c->frozen) {
		ank_err_set(c->err, "emergency freeze: no calls until resume");
		return ANK_Q_E_FROZEN;
	}
	snapshot sn;
	if (snapshot_load(c->q, &sn, c->err))
		return db_fail();
	int k = -1;
	if (c->has_station) {
		for (int i = 0; i < sn.n_stations; i++)
			if (!strcmp(sn.stations[i].id, c->s.id))
				k = i;
		if (k >= 0 &&
		    (sn.stations[k].state != ANK_SS_FREE || !station_fits(&sn.stations[k], t)))
			k = -1;
	} else {
		k = best_free(&sn, t);
	}
	ank_q_rc rc = ANK_Q_OK;
	if (k < 0) {
		ank_err_set(c->err, "no free station fits ticket %s", t->label);
		rc = ANK_Q_E_NO_STATION;
	} else if (call_to(c->q, t, &sn.stations[k], c->now, c->err)) {
		rc = ANK_Q_E_DB;
	}
	snapshot_free(&sn);
	return rc;
}

static ank_q_rc cmd_call_next(cmd_ctx *c)
{
	if (c->frozen) {
		ank_err_set(c->err, "emergency freeze: no calls until resume");
		return ANK_Q_E_FROZEN;
	}
	if (c->has_station && c->s.state != ANK_SS_FREE) {
		ank_err_set(c->err, "station %s is %s", c->s.id,
		            ank_station_state_code(c->s.state));
		return ANK_Q_E_STATE;
	}
	snapshot sn;
	if (snapshot_load(c->q, &sn, c->err))
		return db_fail();
	ank_q_rc rc = ANK_Q_E_NOT_FOUND;
	for (int i = 0; i < sn.n_tickets; i++) {
		ank_ticket *t = &sn.tickets[i];
		if (t->state != ANK_TS_WAITING)
			continue;
		if (c->has_station ? !station_fits(&c->s, t) : best_free(&sn, t) < 0)
			continue;
		c->t = *t;
		rc = call_common(c, &c->t);
		break;
	}
	if (rc == ANK_Q_E_NOT_FOUND)
		ank_err_set(c->err, "no waiting ticket fits a free station");
	snapshot_free(&sn);
	return rc;
}

static ank_q_rc cmd_call_ticket(cmd_ctx *c)
{
	if (c->t.state != ANK_TS_WAITING)
		return state_error(c, "call");
	return call_common(c, &c->t);
}

static ank_q_rc cmd_recall(cmd_ctx *c)
{
	if (c->t.state != ANK_TS_CALLED)
		return state_error(c, "recall");
	if (c->frozen) {
		ank_err_set(c->err, "emergency freeze: no calls until resume");
		return ANK_Q_E_FROZEN;
	}
	int64_t last = c->t.recalled_ms > c->t.called_ms ? c->t.recalled_ms : c->t.called_ms;
	if (c->now - last < ANK_RECALL_INTERVAL_MS) {
		ank_err_set(c->err, "ticket %s was announced %lld s ago; wait a minute", c->t.label,
		            (long long)((c->now - last) / 1000));
		return ANK_Q_E_TOO_SOON;
	}
	c->t.recalled_ms = c->now;
	if (ank_store_ticket_update(c->q->st, &c->t, c->err) ||
	    emit_ticket(c->q, ANK_EV_TICKET_RECALLED, &c->t, c->now, c->err))
		return db_fail();
	return ANK_Q_OK;
}

static ank_q_rc no_show(cmd_ctx *c)
{
	c->t.state = ANK_TS_NO_SHOW;
	/* The event names the station the user did not come to. */
	if (ank_store_ticket_update(c->q->st, &c->t, c->err) ||
	    emit_ticket(c->q, ANK_EV_TICKET_NO_SHOW, &c->t, c->now, c->err) ||
	    release_station(c->q, &c->t, ANK_SS_FREE, c->now, c->err) ||
	    ank_store_ticket_update(c->q->st, &c->t, c->err))
		return db_fail();
	return ANK_Q_OK;
}

static ank_q_rc cmd_no_show(cmd_ctx *c)
{
	if (c->t.state != ANK_TS_CALLED)
		return state_error(c, "no-show");
	return no_show(c);
}

static ank_q_rc cmd_requeue(cmd_ctx *c)
{
	if (c->t.state != ANK_TS_NO_SHOW)
		return state_error(c, "requeue");
	char today[11];
	ank_queue_service_day(&c->q->cfg, c->now, today);
	if (strcmp(today, c->t.day) != 0) {
		ank_err_set(c->err, "ticket %s is from %s; requeue only works the same day",
		            c->t.label, c->t.day);
		return ANK_Q_E_STATE;
	}
	ank_ticket other;
	ank_store_rc open = ank_store_ticket_open_for_user(c->q->st, c->t.user_id, &other, c->err);
	if (open == ANK_STORE_DB)
		return db_fail();
	if (open == ANK_STORE_OK) {
		ank_err_set(c->err, "the user already holds open ticket %s", other.label);
		return ANK_Q_E_STATE;
	}
	/* queue_key is unchanged: the ticket goes back to the place it had. */
	c->t.state = ANK_TS_WAITING;
	c->t.called_ms = 0;
	if (ank_store_ticket_update(c->q->st, &c->t, c->err) ||
	    emit_ticket(c->q, ANK_EV_TICKET_REQUEUED, &c->t, c->now, c->err))
		return db_fail();
	return ANK_Q_OK;
}

static ank_q_rc cmd_start(cmd_ctx *c)
{
	if (c->t.state != ANK_TS_CALLED)
		return state_error(c, "start");
	ank_station s;
	ank_store_rc rc = ank_store_station_get(c->q->st, c->t.station_id, &s, c->err);
	if (rc == ANK_STORE_DB)
		return db_fail();
	c->t.state = ANK_TS_IN_SESSION;
	c->t.started_ms = c->now;
	if (ank_store_ticket_update(c->q->st, &c->t, c->err) ||
	    emit_ticket(c->q, ANK_EV_SESSION_STARTED, &c->t, c->now, c->err))
		return db_fail();
	if (rc == ANK_STORE_OK && set_station(c->q, &s, ANK_SS_OCCUPIED, c->t.id, c->now, c->err))
		return db_fail();
	return ANK_Q_OK;
}

static ank_q_rc cmd_end(cmd_ctx *c)
{
	if (c->t.state != ANK_TS_IN_SESSION)
		return state_error(c, "end");
	c->t.state = ANK_TS_DONE;
	c->t.ended_ms = c->now;
	json_t *p = ticket_json(&c->t);
	json_object_set_new(p, ANK_FN(DURATION_S),
	                    json_integer((c->t.ended_ms - c->t.started_ms) / 1000));
	if (ank_store_ticket_update(c->q->st, &c->t, c->err) ||
	    ank_store_outbox_append(c->q->st, ANK_EV_SESSION_ENDED, c->now, p, c->err) ||
	    release_station(c->q, &c->t,
	                    c->q->cfg.clean_after_session ? ANK_SS_CLEANING : ANK_SS_FREE, c->now,
	                    c->err))
		return db_fail();
	/* The ticket keeps the station it used, for the records. */
	return ANK_Q_OK;
}

static ank_q_rc cmd_cleaning_done(cmd_ctx *c)
{
	if (c->s.state != ANK_SS_CLEANING) {
		ank_err_set(c->err, "station %s is %s, not cleaning", c->s.id,
		            ank_station_state_code(c->s.state));
		return ANK_Q_E_STATE;
	}
	return set_station(c->q, &c->s, ANK_SS_FREE, 0, c->now, c->err) ? db_fail() : ANK_Q_OK;
}

static ank_q_rc cmd_close_station(cmd_ctx *c)
{
	if (c->s.state == ANK_SS_RESERVED || c->s.state == ANK_SS_OCCUPIED) {
		ank_err_set(c->err, "station %s is %s; end or move that ticket first", c->s.id,
		            ank_station_state_code(c->s.state));
		return ANK_Q_E_STATE;
	}
	return set_station(c->q, &c->s, ANK_SS_CLOSED, 0, c->now, c->err) ? db_fail() : ANK_Q_OK;
}

static ank_q_rc cmd_open_station(cmd_ctx *c)
{
	if (c->s.state != ANK_SS_CLOSED) {
		ank_err_set(c->err, "station %s is not closed", c->s.id);
		return ANK_Q_E_STATE;
	}
	return set_station(c->q, &c->s, ANK_SS_FREE, 0, c->now, c->err) ? db_fail() : ANK_Q_OK;
}

static ank_q_rc cmd_cancel(cmd_ctx *c)
{
	if (c->t.state != ANK_TS_WAITING && c->t.state != ANK_TS_CALLED)
		return state_error(c, "cancel");
	c->t.state = ANK_TS_CANCELLED;
	if (release_station(c->q, &c->t, ANK_SS_FREE, c->now, c->err) ||
	    ank_store_ticket_update(c->q->st, &c->t, c->err) ||
	    emit_ticket(c->q, ANK_EV_TICKET_CANCELLED, &c->t, c->now, c->err))
		return db_fail();
	return ANK_Q_OK;
}

static ank_q_rc cmd_transfer(cmd_ctx *c)
{
	if (c->t.state != ANK_TS_WAITING && c->t.state != ANK_TS_CALLED)
		return state_error(c, "transfer");
	ank_route to = c->cmd->route;
	if (to == c->t.route) {
		ank_err_set(c->err, "ticket %s is already for %s", c->t.label, ank_route_code(to));
		return ANK_Q_E_STATE;
	}
	if (!c->q->cfg.routes[to] || !ank_substance_allows(c->t.substance, to)) {
		ank_err_set(c->err, "%s is not possible here for %s", ank_route_code(to),
		            c->t.substance);
		return ANK_Q_E_STATE;
	}
	if (c->t.helper_id[0] && to != ANK_ROUTE_INJECT) {
		ank_err_set(c->err, "an assisted intake can only be an injection");
		return ANK_Q_E_STATE;
	}
	json_t *p = ticket_json(&c->t);
	json_object_set_new(p, ANK_FN(FROM), json_string(ank_route_code(c->t.route)));
	json_object_set_new(p, ANK_FN(TO), json_string(ank_route_code(to)));
	/* Label and queue_key stay: the person keeps the paper ticket and the place. */
	c->t.route = to;
	c->t.state = ANK_TS_WAITING;
	c->t.called_ms = 0;
	if (release_station(c->q, &c->t, ANK_SS_FREE, c->now, c->err) ||
	    ank_store_ticket_update(c->q->st, &c->t, c->err) ||
	    ank_store_outbox_append(c->q->st, ANK_EV_TICKET_TRANSFERRED, c->now, p, c->err))
		return db_fail();
	return ANK_Q_OK;
}

static ank_q_rc cmd_freeze(cmd_ctx *c)
{
	if (c->frozen) {
		ank_err_set(c->err, "already frozen");
		return ANK_Q_E_STATE;
	}
	if (ank_store_frozen_set(c->q->st, true, c->now, c->err) ||
	    ank_store_outbox_append(c->q->st, ANK_EV_SITE_FROZEN, c->now, json_object(), c->err))
		return db_fail();
	return ANK_Q_OK;
}

static ank_q_rc cmd_resume(cmd_ctx *c)
{
	if (!c->frozen) {
		ank_err_set(c->err, "not frozen");
		return ANK_Q_E_STATE;
	}
	/* Called tickets get a fresh grace period: nobody became a no-show while the
	 * room was in an emergency. */
	snapshot sn;
	if (snapshot_load(c->q, &sn, c->err))
		return db_fail();
	int rc = 0;
	for (int i = 0; i < sn.n_tickets && rc == 0; i++)
		if (sn.tickets[i].state == ANK_TS_CALLED) {
			sn.tickets[i].called_ms = c->now;
			rc = ank_store_ticket_update(c->q->st, &sn.tickets[i], c->err);
		}
	snapshot_free(&sn);
	if (rc || ank_store_frozen_set(c->q->st, false, c->now, c->err) ||
	    ank_store_outbox_append(c->q->st, ANK_EV_SITE_RESUMED, c->now, json_object(), c->err))
		return db_fail();
	return ANK_Q_OK;
}

/* One handler per command of wire.h's table, in its order. */
static const cmd_fn handlers[ANK_CMD_COUNT] = {
        [ANK_CMD_CALL_NEXT] = cmd_call_next,
        [ANK_CMD_CALL_TICKET] = cmd_call_ticket,
        [ANK_CMD_RECALL] = cmd_recall,
        [ANK_CMD_NO_SHOW] = cmd_no_show,
        [ANK_CMD_REQUEUE] = cmd_requeue,
        [ANK_CMD_START] = cmd_start,
        [ANK_CMD_END] = cmd_end,
        [ANK_CMD_CLEANING_DONE] = cmd_cleaning_done,
        [ANK_CMD_CLOSE_STATION] = cmd_close_station,
        [ANK_CMD_OPEN_STATION] = cmd_open_station,
        [ANK_CMD_CANCEL] = cmd_cancel,
        [ANK_CMD_TRANSFER] = cmd_transfer,
        [ANK_CMD_FREEZE] = cmd_freeze,
        [ANK_CMD_RESUME] = cmd_resume,
};

unsigned ank_cmd_needs(ank_cmd_type t)
{
	const ank_cmd_info *ci = ank_cmd_info_of(t);
	if (!ci)
		return 0;
	return (ci->ticket == ANK_NEED_REQUIRED ? ANK_NEEDS_TICKET : 0u) |
	       (ci->station == ANK_NEED_REQUIRED ? ANK_NEEDS_STATION : 0u) |
	       (ci->route == ANK_NEED_REQUIRED ? ANK_NEEDS_ROUTE : 0u);
}

ank_q_rc ank_queue_command(ank_queue *q, const ank_cmd *cmd, int64_t now, int64_t *affected,
                           ank_err *err)
{
	if (affected)
		*affected = 0;
	if (!q->has_cfg) {
		ank_err_set(err, "no site config applied");
		return ANK_Q_E_NO_CONFIG;
	}
	if (cmd->type < 0 || cmd->type >= ANK_CMD_COUNT) {
		ank_err_set(err, "unknown command");
		return ANK_Q_E_INPUT;
	}
	unsigned needs = ank_cmd_needs(cmd->type);
	if ((needs & ANK_NEEDS_ROUTE) && (cmd->route < 0 || cmd->route >= ANK_ROUTE_COUNT)) {
		ank_err_set(err, "%s needs a route", ank_cmd_code(cmd->type));
		return ANK_Q_E_INPUT;
	}
	if ((needs & ANK_NEEDS_STATION) && !cmd->station_id) {
		ank_err_set(err, "%s needs a station", ank_cmd_code(cmd->type));
		return ANK_Q_E_INPUT;
	}
	cmd_ctx c = {.q = q, .cmd = cmd, .now = now, .err = err};
	if (ank_store_begin(q->st, err))
		return ANK_Q_E_DB;
	ank_q_rc rc = ANK_Q_E_DB;
	if (ank_store_frozen_get(q->st, &c.frozen, err))
		goto rollback;
	if (needs & ANK_NEEDS_TICKET) {
		ank_store_rc f = ank_store_ticket_get(q->st, cmd->ticket_id, &c.t, err);
		if (f == ANK_STORE_UNKNOWN) {
			ank_err_set(err, "unknown ticket %lld", (long long)cmd->ticket_id);
			rc = ANK_Q_E_NOT_FOUND;
		}
		if (f != ANK_STORE_OK)
			goto rollback;
	}
	if (cmd->station_id) {
		ank_store_rc f = ank_store_station_get(q->st, cmd->station_id, &c.s, err);
		if (f == ANK_STORE_UNKNOWN) {
			ank_err_set(err, "unknown station '%.63s'", cmd->station_id);
			rc = ANK_Q_E_NOT_FOUND;
		}
		if (f != ANK_STORE_OK)
			goto rollback;
		c.has_station = true;
	}
	rc = handlers[cmd->type](&c);
	if (rc != ANK_Q_OK)
		goto rollback;
	if (assign_free(q, now, err) ||
	    (cmd->in_tx && cmd->in_tx(cmd->in_tx_ctx, q->st, c.t.id, err))) {
		rc = ANK_Q_E_DB;
		goto rollback;
	}
	if (ank_store_commit(q->st, err))
		return ANK_Q_E_DB;
	if (affected)
		*affected = c.t.id;
	return ANK_Q_OK;
rollback:
	ank_store_rollback(q->st);
	return rc;
}

ank_q_rc ank_queue_tick(ank_queue *q, int64_t now, ank_err *err)
{
	if (reload_config(q, err) != ANK_Q_OK)
		return ANK_Q_E_DB;
	if (!q->has_cfg)
		return ANK_Q_OK;
	history_prune(q, now);
	if (ank_store_begin(q->st, err))
		return ANK_Q_E_DB;
	int64_t before = ank_store_outbox_last_seq(q->st);
	cmd_ctx c = {.q = q, .now = now, .err = err};
	snapshot sn = {0};
	if (ank_store_frozen_get(q->st, &c.frozen, err) || snapshot_load(q, &sn, err))
		goto fail;
	int64_t grace = (int64_t)q->cfg.grace_min * ANK_MS_PER_MIN;
	for (int i = 0; i < sn.n_tickets && !c.frozen; i++) {
		if (sn.tickets[i].state != ANK_TS_CALLED || now - sn.tickets[i].called_ms < grace)
			continue;
		c.t = sn.tickets[i];
		if (no_show(&c) != ANK_Q_OK)
			goto fail;
	}
	snapshot_free(&sn);
	if (assign_free(q, now, err) || expire_held(q, now, err))
		goto fail;
	/* Nothing due: end the transaction without a commit (and without an fsync). */
	if (ank_store_outbox_last_seq(q->st) == before) {
		ank_store_rollback(q->st);
		return ANK_Q_OK;
	}
	return ank_store_commit(q->st, err) ? ANK_Q_E_DB : ANK_Q_OK;
fail:
	snapshot_free(&sn);
	ank_store_rollback(q->st);
	return ANK_Q_E_DB;
}

/* ---- views ---- */

ank_q_rc ank_queue_stations(ank_queue *q, int64_t now, ank_station_view *out, int max, int *n,
                            ank_err *err)
{
	ank_station st[ANK_MAX_STATIONS];
	int ns;
	*n = 0;
	if (!q->has_cfg)
		return ANK_Q_E_NO_CONFIG;
	if (ank_store_stations(q->st, st, ANK_MAX_STATIONS, &ns, err))
		return ANK_Q_E_DB;
	for (int i = 0; i < ns && *n < max; i++) {
		ank_station_view *v = &out[(*n)++];
		memset(v, 0, sizeof *v);
		v->station = st[i];
		v->elapsed_ms = now - st[i].since_ms;
		ank_ticket t;
		if (st[i].ticket_id &&
		    ank_store_ticket_get(q->st, st[i].ticket_id, &t, err) == ANK_STORE_OK)
			memcpy(v->ticket_label, t.label, sizeof v->ticket_label);
		if (st[i].state == ANK_SS_OCCUPIED) {
			if (v->elapsed_ms >= (int64_t)q->cfg.alarm_min * ANK_MS_PER_MIN)
				v->alert = ANK_ALERT_ALARM;
			else if (v->elapsed_ms >= (int64_t)q->cfg.warn_min * ANK_MS_PER_MIN)
				v->alert = ANK_ALERT_WARN;
		}
	}
	return ANK_Q_OK;
}

ank_q_rc ank_queue_open_tickets(ank_queue *q, ank_ticket *out, int max, int *n, ank_err *err)
{
	return ank_store_tickets_open(q->st, out, max, n, err) ? ANK_Q_E_DB : ANK_Q_OK;
}

ank_q_rc ank_queue_no_shows(ank_queue *q, int64_t now, ank_ticket *out, int max, int *n,
                            ank_err *err)
{
	char day[11];
	ank_queue_service_day(ank_queue_config(q), now, day);
	return ank_store_tickets_no_show(q->st, day, out, max, n, err) ? ANK_Q_E_DB : ANK_Q_OK;
}

ank_q_rc ank_queue_frozen(ank_queue *q, bool *frozen, ank_err *err)
{
	return ank_store_frozen_get(q->st, frozen, err) ? ANK_Q_E_DB : ANK_Q_OK;
}

ank_q_rc ank_queue_help_request(ank_queue *q, int64_t now, int64_t *id, bool *already, ank_err *err)
{
	*id = 0;
	*already = false;
	if (ank_store_begin(q->st, err))
		return ANK_Q_E_DB;
	ank_help open;
	int n = 0;
	if (ank_store_help_open(q->st, now - ANK_HELP_OPEN_MS, &open, 1, &n, err))
		goto rollback;
	if (n > 0) { /* staff are already on their way: one call is enough */
		ank_store_rollback(q->st);
		*id = open.id;
		*already = true;
		return ANK_Q_OK;
	}
	if (ank_store_help_insert(q->st, now, id, err) ||
	    ank_store_outbox_append(q->st, ANK_EV_HELP_REQUESTED, now,
	                            json_pack("{s:I}", ANK_FN(ID), (json_int_t)*id), err) ||
	    ank_store_commit(q->st, err)) {
		*id = 0;
		goto rollback;
	}
	return ANK_Q_OK;
rollback:
	ank_store_rollback(q->st);
	return ANK_Q_E_DB;
}

ank_q_rc ank_queue_help_open(ank_queue *q, int64_t now, ank_help *out, int max, int *n,
                             ank_err *err)
{
	return ank_store_help_open(q->st, now - ANK_HELP_OPEN_MS, out, max, n, err) ? ANK_Q_E_DB
	                                                                            : ANK_Q_OK;
}

ank_q_rc ank_queue_help_answer(ank_queue *q, int64_t id, int64_t now, ank_err *err)
{
	if (ank_store_begin(q->st, err))
		return ANK_Q_E_DB;
	ank_store_rc rc = ank_store_help_answer(q->st, id, now, err);
	if (rc == ANK_STORE_OK &&
	    (ank_store_outbox_append(q->st, ANK_EV_HELP_ANSWERED, now,
	                             json_pack("{s:I}", ANK_FN(ID), (json_int_t)id), err) ||
	     ank_store_commit(q->st, err)))
		rc = ANK_STORE_DB;
	if (rc != ANK_STORE_OK) {
		ank_store_rollback(q->st);
		return rc == ANK_STORE_UNKNOWN ? ANK_Q_E_NOT_FOUND : ANK_Q_E_DB;
	}
	return ANK_Q_OK;
}

ank_q_rc ank_queue_search(ank_queue *q, const char *typed, ank_match out[ANK_SEARCH_MAX], int *n,
                          bool *more, ank_err *err)
{
	*n = 0;
	if (more)
		*more = false;
	/* Bad text is the caller's error; anything the store then fails on is the database. */
	if (!typed || strlen(typed) > ANK_NICK_MAX_BYTES ||
	    !ank_utf8_valid_text(typed, strlen(typed))) {
		ank_err_set(err, "search text is not valid UTF-8 text of at most %d bytes",
		            ANK_NICK_MAX_BYTES);
		return ANK_Q_E_INPUT;
	}
	return ank_store_search(q->st, typed, out, ANK_SEARCH_MAX, n, more, err) ? ANK_Q_E_DB
	                                                                         : ANK_Q_OK;
}

ank_q_rc ank_queue_same_name(ank_queue *q, const char *user_id, ank_match *out, int max, int *n,
                             ank_err *err)
{
	if (!user_id)
		return ANK_Q_E_INPUT;
	if (ank_store_same_name(q->st, user_id, out, max, n, err))
		return ANK_Q_E_DB;
	if (*n == 0) {
		ank_err_set(err, "unknown user '%.63s'", user_id);
		return ANK_Q_E_NOT_FOUND;
	}
	return ANK_Q_OK;
}

ank_q_rc ank_queue_ticket_check(ank_queue *q, const char *text, int64_t now, ank_ticket_check *out,
                                ank_err *err)
{
	memset(out, 0, sizeof *out);
	if (!q->has_cfg) {
		ank_err_set(err, "no site config applied yet");
		return ANK_Q_E_NO_CONFIG;
	}
	ank_err why;
	if (ank_ticketref_parse(text, &out->ref, &why)) {
		out->verdict = ANK_TCHECK_FORMAT;
		snprintf(out->why, sizeof out->why, "%s", why.msg);
		return ANK_Q_OK;
	}
	/* This kiosk holds its own site's key only: another site's reference is told apart by
	 * its site field alone. */
	if (strcmp(out->ref.site, q->cfg.site_id) != 0) {
		out->verdict = ANK_TCHECK_OTHER_SITE;
		snprintf(out->why, sizeof out->why, "a ticket of site %s, this is site %s",
		         out->ref.site, q->cfg.site_id);
		return ANK_Q_OK;
	}
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	if (ank_store_ticket_key(q->st, key, err))
		return ANK_Q_E_DB;
	int bad = ank_ticketref_verify(key, text, NULL, &why);
	sodium_memzero(key, sizeof key);
	if (bad) {
		out->verdict = ANK_TCHECK_MAC;
		snprintf(out->why, sizeof out->why, "%s", why.msg);
		return ANK_Q_OK;
	}
	char today[11];
	ank_queue_service_day(&q->cfg, now, today);
	ank_store_rc f = ank_store_ticket_get(q->st, out->ref.ticket, &out->ticket, err);
	if (f != ANK_STORE_OK && f != ANK_STORE_UNKNOWN)
		return ANK_Q_E_DB;
	/* The same id in this kiosk's database is this ticket only with its label and day: a
	 * reference made by another kiosk of the site names a ticket of that kiosk's queue. */
	out->found = f == ANK_STORE_OK && !strcmp(out->ticket.label, out->ref.label) &&
	             !strcmp(out->ticket.day, out->ref.day);
	if (strcmp(out->ref.day, today) != 0) {
		out->verdict = ANK_TCHECK_OTHER_DAY;
		snprintf(out->why, sizeof out->why, "a ticket of %s, today's service day is %s",
		         out->ref.day, today);
	} else if (!out->found) {
		out->verdict = ANK_TCHECK_UNKNOWN;
		snprintf(out->why, sizeof out->why,
		         "genuine, but this kiosk's queue has no ticket %lld %s today",
		         out->ref.ticket, out->ref.label);
	} else {
		out->verdict = ank_tcheck_of_state(out->ticket.state);
		snprintf(out->why, sizeof out->why, "the ticket is %s",
		         ank_ticket_state_code(out->ticket.state));
	}
	if (!out->found)
		memset(&out->ticket, 0, sizeof out->ticket);
	return ANK_Q_OK;
}

int ank_queue_ticket_ref(ank_queue *q, const unsigned char key[ANK_TICKETREF_KEY_BYTES],
                         const ank_ticket *t, char out[ANK_TICKETREF_MAX], ank_err *err)
{
	out[0] = '\0';
	if (!q->has_cfg)
		return ank_err_set(err, "no site config applied yet");
	ank_ticketref ref = {.ticket = t->id};
	snprintf(ref.site, sizeof ref.site, "%s", q->cfg.site_id);
	snprintf(ref.day, sizeof ref.day, "%s", t->day);
	snprintf(ref.label, sizeof ref.label, "%s", t->label);
	return ank_ticketref_make(key, &ref, out, err);
}
