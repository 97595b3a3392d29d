/* ankomst-queue: a command-line front end over the kiosk's queue core, for operators,
 * scripts and the demo; it adds no rules of its own. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_text.h"
#include "ank_ticketref.h"
#include "ank_time.h"
#include "queue.h"
#include "ank_version.h"

static const char usage[] =
        "usage: ankomst-queue --version | --help\n"
        "       ankomst-queue --db FILE [--now YYYY-MM-DDTHH:MM:SSZ] COMMAND [ARGS]\n"
        "commands:\n"
        "  config FILE.ini                 validate and apply a site config\n"
        "  import FILE.json                import a registry file (all or nothing)\n"
        "  search TEXT                     nickname search as the kiosk does it\n"
        "  same-name USER                  everyone sharing USER's nickname, by birth year\n"
        "  checkin USER SUBSTANCE ROUTE [HELPER]   check a user in\n"
        "  cmd NAME [--ticket ID|LABEL] [--station ID] [--route ROUTE]   a staff command\n"
        "  tick                            expire no-shows, auto-call\n"
        "  status                          stations, queue and estimates\n"
        "  events [SINCE]                  the outbox after sequence SINCE\n"
        "  ticket-ref ID|LABEL             the QR reference of a ticket (to reprint it)\n"
        "  verify-ticket REF               check a ticket QR reference: this site's key,\n"
        "                                  today's service day, an open ticket\n"
        "staff commands: call_next call_ticket recall no_show requeue start end\n"
        "  cleaning_done close_station open_station cancel transfer freeze resume\n"
        "exit status: 0 ok, 1 error, 3 check-in refused, 4 ticket not valid\n";

/* Applies the site's time zone to this process: opening hours and day boundaries are
 * local times of the site. */
static void use_site_timezone(ank_queue *q)
{
	const ank_site_config *cfg = ank_queue_config(q);
	if (cfg && cfg->timezone[0]) {
		setenv("TZ", cfg->timezone, 1);
		tzset();
	}
}

static int fail(ank_q_rc rc, const ank_err *err)
{
	fprintf(stderr, "ankomst-queue: %s: %s\n", ank_q_strerror(rc), err->msg);
	return 1;
}

/* Resolves "17" or a label as staff see it ("I-003", the newest ticket of that label, in
 * any state: a no-show is requeued by its label too) to a ticket id; 0 if neither. */
static int64_t ticket_ref(ank_queue *q, const char *ref)
{
	long id;
	if (ank_parse_long(ref, 1, 0x7fffffffL, &id) == 0)
		return id;
	ank_ticket t;
	ank_err err;
	return ank_store_ticket_by_label(ank_queue_store(q), ref, &t, &err) == ANK_STORE_OK ? t.id
	                                                                                    : 0;
}

static int do_status(ank_queue *q, int64_t now)
{
	ank_err err;
	ank_station_view v[ANK_MAX_STATIONS];
	int n;
	ank_q_rc rc = ank_queue_stations(q, now, v, ANK_MAX_STATIONS, &n, &err);
	if (rc)
		return fail(rc, &err);
	bool frozen = false;
	ank_queue_frozen(q, &frozen, &err);
	const char *alerts[] = {"", " WARN", " ALARM"};
	printf("%s%s\nstations:\n", ank_queue_config(q)->name, frozen ? " [FROZEN]" : "");
	for (int i = 0; i < n; i++)
		printf("  %-6s %-6s %-9s %-6s %3lld min%s\n", v[i].station.label,
		       ank_station_type_code(v[i].station.type),
		       ank_station_state_code(v[i].station.state), v[i].ticket_label,
		       (long long)(v[i].elapsed_ms / ANK_MS_PER_MIN), alerts[v[i].alert]);
	ank_ticket *open = malloc(sizeof *open * ANK_MAX_OPEN_TICKETS);
	if (!open)
		return 1;
	ank_queue_open_tickets(q, open, ANK_MAX_OPEN_TICKETS, &n, &err);
	printf("open tickets (queue order):\n");
	for (int i = 0; i < n; i++)
		printf("  #%-4lld %-6s %-7s %-10s %-15s %s%s\n", (long long)open[i].id,
		       open[i].label, ank_route_code(open[i].route),
		       ank_ticket_state_code(open[i].state), open[i].substance,
		       open[i].station_id[0] ? "station " : "", open[i].station_id);
	free(open);
	for (int r = 0; r < ANK_ROUTE_COUNT; r++) {
		ank_route_status s;
		if (ank_queue_route_status(q, (ank_route)r, now, &s, &err) == ANK_Q_OK && s.offered)
			printf("%s: %d waiting, about %d min for a new arrival\n",
			       ank_route_code((ank_route)r), s.waiting, s.wait_min);
	}
	return 0;
}

static int print_event(void *ctx, const ank_outbox_row *row, ank_err *err)
{
	(void)ctx;
	(void)err;
	char when[32];
	ank_iso_format(row->kiosk_ms, when, sizeof when);
	printf("%lld %s %s %s\n", (long long)row->seq, row->type, when, row->payload);
	return 0;
}

static int do_events(ank_queue *q, int64_t since)
{
	ank_err err;
	if (ank_store_outbox_read(ank_queue_store(q), since, 0, print_event, NULL, &err)) {
		fprintf(stderr, "ankomst-queue: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* Checks a ticket QR reference as staff at this kiosk would: with this site's key, for
 * today's service day and an open ticket. The verdict goes to stdout. */
static int do_verify_ticket(ank_queue *q, const char *ref, int64_t now)
{
	ank_ticket_check tc;
	ank_err err;
	ank_q_rc rc = ank_queue_ticket_check(q, ref, now, &tc, &err);
	if (rc)
		return fail(rc, &err);
	if (tc.verdict != ANK_TCHECK_VALID) {
		printf("invalid (%s): %s\n", ank_tcheck_code(tc.verdict), tc.why);
		return 4;
	}
	printf("valid: site %s ticket %lld day %s label %s state %s\n", tc.ref.site, tc.ref.ticket,
	       tc.ref.day, tc.ref.label, ank_ticket_state_code(tc.ticket.state));
	return 0;
}

/* Prints the QR reference of a ticket (an id or a label), as its ticket screen showed it:
 * to reprint one, and for tests. */
static int do_ticket_ref(ank_queue *q, const char *which)
{
	ank_ticket t;
	ank_err err;
	int64_t id = ticket_ref(q, which);
	ank_store_rc f =
	        id ? ank_store_ticket_get(ank_queue_store(q), id, &t, &err) : ANK_STORE_UNKNOWN;
	if (f == ANK_STORE_UNKNOWN) {
		fprintf(stderr, "ankomst-queue: no ticket '%s'\n", which);
		return 1;
	}
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	char ref[ANK_TICKETREF_MAX];
	int rc = f != ANK_STORE_OK || ank_store_ticket_key(ank_queue_store(q), key, &err) ||
	         ank_queue_ticket_ref(q, key, &t, ref, &err);
	sodium_memzero(key, sizeof key);
	if (rc) {
		fprintf(stderr, "ankomst-queue: %s\n", err.msg);
		return 1;
	}
	printf("%s\n", ref);
	return 0;
}

static int do_checkin(ank_queue *q, int argc, char **argv, int64_t now)
{
	if (argc < 3)
		return fputs(usage, stderr), 1;
	int r = ank_route_from_code(argv[2]);
	if (r < 0) {
		fprintf(stderr, "ankomst-queue: route must be inject or smoke\n");
		return 1;
	}
	ank_checkin in = {.user_id = argv[0],
	                  .substance = argv[1],
	                  .route = (ank_route)r,
	                  .helper_id = argc > 3 ? argv[3] : NULL};
	ank_checkin_result res;
	ank_err err;
	ank_q_rc rc = ank_queue_checkin(q, &in, now, &res, &err);
	if (rc == ANK_Q_REFUSED) {
		printf("refused: %s\n", ank_refusal_code(res.refusal));
		return 3;
	}
	if (rc)
		return fail(rc, &err);
	if (res.station_label[0])
		printf("ticket %s (#%lld): go to station %s now\n", res.ticket.label,
		       (long long)res.ticket.id, res.station_label);
	else
		printf("ticket %s (#%lld): %d ahead, about %d min\n", res.ticket.label,
		       (long long)res.ticket.id, res.ahead, res.wait_min);
	return 0;
}

static int do_cmd(ank_queue *q, int argc, char **argv, int64_t now)
{
	if (argc < 1)
		return fputs(usage, stderr), 1;
	int type = ank_cmd_from_code(argv[0]);
	if (type < 0) {
		fprintf(stderr, "ankomst-queue: unknown staff command '%s'\n", argv[0]);
		return 1;
	}
	ank_cmd cmd = {.type = (ank_cmd_type)type, .route = ANK_ROUTE_COUNT};
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ticket")) {
			cmd.ticket_id = ticket_ref(q, argv[i + 1]);
			if (!cmd.ticket_id) {
				fprintf(stderr,
				        "ankomst-queue: no ticket '%s' (a number or a label such "
				        "as I-014)\n",
				        argv[i + 1]);
				return 1;
			}
		} else if (!strcmp(argv[i], "--station"))
			cmd.station_id = argv[i + 1];
		else if (!strcmp(argv[i], "--route"))
			cmd.route = (ank_route)ank_route_from_code(argv[i + 1]);
		else
			return fputs(usage, stderr), 1;
	}
	if ((ank_cmd_needs(cmd.type) & ANK_NEEDS_ROUTE) && (int)cmd.route < 0)
		cmd.route = ANK_ROUTE_COUNT;
	ank_err err;
	int64_t affected;
	ank_q_rc rc = ank_queue_command(q, &cmd, now, &affected, &err);
	if (rc)
		return fail(rc, &err);
	printf("%s: ok\n", argv[0]);
	return 0;
}

int main(int argc, char **argv)
{
	if (ank_version_asked(argc, argv, "ankomst-queue") || ank_help_asked(argc, argv, usage))
		return 0;
	const char *db = NULL;
	int64_t now = ank_now_ms();
	int i = 1;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--db")) {
			db = argv[i + 1];
		} else if (!strcmp(argv[i], "--now")) {
			if (ank_iso_parse(argv[i + 1], &now)) {
				fprintf(stderr,
				        "ankomst-queue: --now wants YYYY-MM-DDTHH:MM:SSZ\n");
				return 1;
			}
		} else {
			break;
		}
	}
	if (!db || i >= argc)
		return fputs(usage, stderr), 1;
	const char *verb = argv[i++];
	int nargs = argc - i;
	char **args = argv + i;
	ank_queue *q;
	ank_err err;
	ank_q_rc rc = ank_queue_open(db, &q, &err);
	if (rc)
		return fail(rc, &err);
	use_site_timezone(q);
	int status = 0;
	if (!strcmp(verb, "config") && nargs == 1) {
		ank_site_config cfg;
		ank_station st[ANK_MAX_STATIONS];
		int n;
		if (ank_config_parse_ini(args[0], &cfg, st, &n, &err)) {
			fprintf(stderr, "ankomst-queue: %s\n", err.msg);
			status = 1;
		} else if ((rc = ank_queue_apply_config(q, &cfg, st, n, now, &err))) {
			status = fail(rc, &err);
		} else {
			printf("config applied: %s, %d stations\n", cfg.name, n);
		}
	} else if (!strcmp(verb, "import") && nargs == 1) {
		int count;
		if (ank_store_registry_import(ank_queue_store(q), args[0], now, &count, &err)) {
			fprintf(stderr, "ankomst-queue: %s\n", err.msg);
			status = 1;
		} else {
			printf("imported %d users\n", count);
		}
	} else if (!strcmp(verb, "search") && nargs == 1) {
		ank_match m[ANK_SEARCH_MAX];
		int n;
		bool more = false;
		if ((rc = ank_queue_search(q, args[0], m, &n, &more, &err)))
			status = fail(rc, &err);
		for (int k = 0; k < n && !status; k++) {
			if (m[k].same_name > 1)
				printf("%s\t%s\t(%d users: same-name %s lists them)\n",
				       m[k].user_id, m[k].nickname, m[k].same_name, m[k].user_id);
			else
				printf("%s\t%s\t%d\n", m[k].user_id, m[k].nickname,
				       m[k].birth_year);
		}
		if (more && !status) /* the kiosk asks for more letters here */
			printf("(more names match)\n");
	} else if (!strcmp(verb, "same-name") && nargs == 1) {
		ank_match m[ANK_SAME_NAME_MAX];
		int n;
		if ((rc = ank_queue_same_name(q, args[0], m, ANK_SAME_NAME_MAX, &n, &err)))
			status = fail(rc, &err);
		for (int k = 0; k < n && !status; k++)
			printf("%s\t%s\t%d\n", m[k].user_id, m[k].nickname, m[k].birth_year);
	} else if (!strcmp(verb, "checkin")) {
		status = do_checkin(q, nargs, args, now);
	} else if (!strcmp(verb, "cmd")) {
		status = do_cmd(q, nargs, args, now);
	} else if (!strcmp(verb, "tick") && nargs == 0) {
		if ((rc = ank_queue_tick(q, now, &err)))
			status = fail(rc, &err);
	} else if (!strcmp(verb, "status") && nargs == 0) {
		status = do_status(q, now);
	} else if (!strcmp(verb, "events") && nargs <= 1) {
		long since = 0;
		if (nargs == 1 && ank_parse_long(args[0], 0, 0x7fffffffL, &since))
			status = (fputs(usage, stderr), 1);
		else
			status = do_events(q, since);
	} else if (!strcmp(verb, "ticket-ref") && nargs == 1) {
		status = do_ticket_ref(q, args[0]);
	} else if (!strcmp(verb, "verify-ticket") && nargs == 1) {
		status = do_verify_ticket(q, args[0], now);
	} else {
		fputs(usage, stderr);
		status = 1;
	}
	ank_queue_close(q);
	return status;
}
