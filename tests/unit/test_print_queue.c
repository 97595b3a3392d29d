/* Unit tests for tickets held for the printer (ank_checkin.hold): not callable and not
 * waiting until confirmed, confirmed into the queue with the usual ticket.issued, or
 * cancelled with ticket.print_failed only; a held ticket a stopped kiosk left expires. */
#include "testlib.h"

#include <string.h>

static int setup(void **state)
{
	fixture *f = fixture_new();
	fixture_apply(f);
	fixture_user(f, "u1", "Søren", 1984, "male");
	fixture_user(f, "u2", "Mette", 1988, "female");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static ank_q_rc hold(fixture *f, const char *user, int64_t now, ank_checkin_result *res)
{
	ank_checkin in = {
	        .user_id = user, .substance = "heroin", .route = ANK_ROUTE_INJECT, .hold = true};
	ank_err err;
	return ank_queue_checkin(f->q, &in, now, res, &err);
}

static int open_count(fixture *f)
{
	int n = -1;
	ank_err err;
	assert_int_equal(ank_store_tickets_open_count(ank_queue_store(f->q), &n, &err), 0);
	return n;
}

/* Held: no event, not open, stations stay free (no auto-call), staff cannot call it. */
static void test_held_is_not_in_the_queue(void **state)
{
	fixture *f = *state;
	int events = fixture_events(f, NULL);
	ank_checkin_result res;
	assert_int_equal(hold(f, "u1", T0, &res), ANK_Q_OK);
	assert_true(res.ticket.id > 0);
	assert_true(res.ticket.label[0] != '\0');
	assert_string_equal(res.station_label, "");
	assert_int_equal(fixture_ticket(f, res.ticket.id).state, ANK_TS_PENDING_PRINT);
	assert_int_equal(fixture_events(f, NULL), events);
	assert_int_equal(open_count(f), 0);
	assert_int_equal(fixture_station(f, "i1").state, ANK_SS_FREE);
	assert_int_not_equal(fixture_cmd(f, ANK_CMD_CALL_TICKET, res.ticket.id, "i1", T0 + 1000),
	                     ANK_Q_OK);
	assert_int_not_equal(fixture_cmd(f, ANK_CMD_CALL_NEXT, 0, "i1", T0 + 1000), ANK_Q_OK);
	assert_int_not_equal(fixture_cmd(f, ANK_CMD_CANCEL, res.ticket.id, NULL, T0 + 1000),
	                     ANK_Q_OK);
	ank_err err;
	assert_int_equal(ank_queue_tick(f->q, T0 + 5000, &err), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, res.ticket.id).state, ANK_TS_PENDING_PRINT);
	assert_int_equal(fixture_events(f, NULL), events);
	/* The route's waiting count does not see it either. */
	ank_route_status rs;
	assert_int_equal(ank_queue_route_status(f->q, ANK_ROUTE_INJECT, T0, &rs, &err), ANK_Q_OK);
	assert_int_equal(rs.waiting, 0);
}

/* Confirmed: waiting (called at once here: a station is free), one ticket.issued. */
static void test_confirm(void **state)
{
	fixture *f = *state;
	ank_checkin_result res, conf;
	ank_err err;
	assert_int_equal(hold(f, "u1", T0, &res), ANK_Q_OK);
	assert_int_equal(ank_queue_print_confirm(f->q, res.ticket.id, T0 + 2000, &conf, &err),
	                 ANK_Q_OK);
	assert_string_equal(conf.ticket.label, res.ticket.label);
	assert_int_equal(conf.ticket.state, ANK_TS_CALLED);
	assert_true(conf.station_label[0] != '\0');
	assert_int_equal(fixture_events(f, "ticket.issued"), 1);
	assert_int_equal(fixture_events(f, "ticket.print_failed"), 0);
	assert_int_equal(open_count(f), 1);
	/* Once only; and it can no longer be cancelled as a print failure. */
	assert_int_equal(ank_queue_print_confirm(f->q, res.ticket.id, T0 + 3000, &conf, &err),
	                 ANK_Q_E_STATE);
	assert_int_equal(
	        ank_queue_print_cancel(f->q, res.ticket.id, "unconfirmed", T0 + 3000, &err),
	        ANK_Q_E_STATE);
	assert_int_equal(ank_queue_print_confirm(f->q, 999999, T0 + 3000, &conf, &err),
	                 ANK_Q_E_NOT_FOUND);
}

/* Cancelled: never called, never a no-show; only ticket.print_failed with the reason. */
static void test_cancel(void **state)
{
	fixture *f = *state;
	ank_checkin_result res;
	ank_err err;
	assert_int_equal(hold(f, "u1", T0, &res), ANK_Q_OK);
	/* Bad input loses nothing: the ticket is still held. */
	assert_int_equal(ank_queue_print_cancel(f->q, res.ticket.id, "paper end!", T0, &err),
	                 ANK_Q_E_INPUT);
	assert_int_equal(fixture_ticket(f, res.ticket.id).state, ANK_TS_PENDING_PRINT);
	assert_int_equal(ank_queue_print_cancel(f->q, res.ticket.id, "paper_end", T0 + 60000, &err),
	                 ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, res.ticket.id).state, ANK_TS_CANCELLED);
	assert_int_equal(fixture_events(f, "ticket.print_failed"), 1);
	assert_int_equal(fixture_events(f, "ticket.issued"), 0);
	assert_int_equal(fixture_events(f, "ticket.no_show"), 0);
	assert_int_equal(fixture_events(f, "ticket.called"), 0);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox WHERE type ="
	                                  " 'ticket.print_failed' AND json_extract(payload,"
	                                  " '$.reason') = 'paper_end' AND json_extract(payload,"
	                                  " '$.state') = 'cancelled'"),
	                 1);
	/* The same person may check in again at once (the held ticket was never open). */
	ank_checkin_result again;
	assert_int_equal(hold(f, "u1", T0 + 61000, &again), ANK_Q_OK);
	assert_int_not_equal(again.ticket.id, res.ticket.id);
}

/* A kiosk that stopped while holding a ticket: the tick cancels it once it is old. */
static void test_expire(void **state)
{
	fixture *f = *state;
	ank_checkin_result res;
	ank_err err;
	assert_int_equal(hold(f, "u2", T0, &res), ANK_Q_OK);
	assert_int_equal(ank_queue_tick(f->q, T0 + ANK_PRINT_HOLD_MAX_MS - 1000, &err), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, res.ticket.id).state, ANK_TS_PENDING_PRINT);
	assert_int_equal(ank_queue_tick(f->q, T0 + ANK_PRINT_HOLD_MAX_MS + 1000, &err), ANK_Q_OK);
	assert_int_equal(fixture_ticket(f, res.ticket.id).state, ANK_TS_CANCELLED);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox WHERE type ="
	                                  " 'ticket.print_failed' AND json_extract(payload,"
	                                  " '$.reason') = 'expired'"),
	                 1);
}

/* [printer] in the site config: parsed, kept through the store, and bad values refused
 * with the line named. */
static void test_printer_config(void **state)
{
	fixture *f = *state;
	static const char base[] = "[site]\nid = p\nname = P\n[station.1]\nlabel = 1\n";
	static const struct {
		const char *name, *section;
		bool ok;
	} cases[] = {
	        {"none", "", true},
	        {"tcp", "[printer]\ndevice = tcp:10.0.0.5:9100\n", true},
	        {"usb, status, raster",
	         "[printer]\ndevice = /dev/usb/lp0\nconfirm = status\nqr = raster\n"
	         "timeout_ms = 5000\n",
	         true},
	        {"relative path", "[printer]\ndevice = lp0\n", false},
	        {"space in device", "[printer]\ndevice = /dev/usb/lp 0\n", false},
	        {"bad confirm", "[printer]\nconfirm = maybe\n", false},
	        {"bad qr", "[printer]\nqr = picture\n", false},
	        {"timeout too short", "[printer]\ntimeout_ms = 10\n", false},
	        {"unknown key", "[printer]\nspeed = 150\n", false},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char text[512];
		snprintf(text, sizeof text, "%s%s", base, cases[i].section);
		ank_site_config cfg;
		ank_station st[ANK_MAX_STATIONS];
		int n = 0;
		ank_err err = {{0}};
		int rc = ank_config_parse_ini_text(text, "test.ini", &cfg, st, &n, &err);
		if ((rc == 0) != cases[i].ok)
			case_fail(&failed, "%s: rc %d (%s)", cases[i].name, rc, err.msg);
		else if (rc && !strstr(err.msg, "printer"))
			case_fail(&failed, "%s: the error does not name [printer]: %s",
			          cases[i].name, err.msg);
	}
	assert_cases_passed(failed);
	/* Kept through the store as given. */
	ank_site_config cfg = f->cfg;
	snprintf(cfg.printer.device, sizeof cfg.printer.device, "tcp:127.0.0.1:9100");
	cfg.printer.confirm_status = true;
	cfg.printer.timeout_ms = 4000;
	ank_err err;
	assert_int_equal(ank_queue_apply_config(f->q, &cfg, f->stations, f->n_stations, T0, &err),
	                 ANK_Q_OK);
	ank_site_config back;
	assert_int_equal(ank_store_config_get(ank_queue_store(f->q), &back, &err), ANK_STORE_OK);
	assert_string_equal(back.printer.device, "tcp:127.0.0.1:9100");
	assert_true(back.printer.confirm_status);
	assert_false(back.printer.raster_qr);
	assert_int_equal(back.printer.timeout_ms, 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_held_is_not_in_the_queue, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_confirm, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_printer_config, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
