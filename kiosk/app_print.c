/* The printed ticket in the kiosk: a check-in at a site with a printer holds its ticket
 * (pending_print), lays it out (kiosk/print/receipt.c) and hands it to the printer's worker;
 * each frame asks for the answer. Confirmed, the ticket goes into the queue; not, the
 * ticket screen keeps the number and asks "I have my number", and only that tap queues it;
 * a visit that ends without it cancels the ticket (ticket.print_failed). Nothing is ever
 * printed again by itself. */
#include <stdio.h>
#include <string.h>

#include "ank_log.h"
#include "ank_time.h"
#include "app.h"
#include "escpos.h"

static const ank_site_config *site(app *a)
{
	return a->q ? ank_queue_config(a->q) : NULL;
}

const char *app_print_state_code(const ank_print_state *st)
{
	if (!st->configured)
		return "none";
	if (st->last_rc != ANK_PRINT_OK)
		return ank_print_code(st->last_rc);
	if (!st->last_ms)
		return "unknown";
	return st->near_end ? "near_end" : "ready";
}

bool app_print_wanted(app *a)
{
	const ank_site_config *cfg = site(a);
	return cfg && cfg->printer.device[0];
}

/* Field by field: a struct's padding need not compare equal. */
static bool same_printer(const ank_printer_config *x, const ank_printer_config *y)
{
	return !strcmp(x->device, y->device) && x->confirm_status == y->confirm_status &&
	       x->raster_qr == y->raster_qr && x->timeout_ms == y->timeout_ms;
}

/* The worker for the site's printer, opened again when [printer] changed. */
static bool printer_ready(app *a)
{
	const ank_site_config *cfg = site(a);
	if (!cfg)
		return false;
	if (a->printer && same_printer(&a->printer_cfg, &cfg->printer))
		return true;
	ank_print_close(a->printer);
	a->printer = NULL;
	ank_print_cfg pc = {.confirm = cfg->printer.confirm_status ? ANK_PRINT_CONFIRM_STATUS
	                                                           : ANK_PRINT_CONFIRM_PID,
	                    .native_qr = !cfg->printer.raster_qr,
	                    .confirm_ms = cfg->printer.timeout_ms};
	_Static_assert(sizeof pc.device >= sizeof cfg->printer.device, "device names fit");
	snprintf(pc.device, sizeof pc.device, "%s", cfg->printer.device);
	ank_err err;
	if (ank_print_open(&pc, &a->printer, &err)) {
		ank_log(ANK_LOG_ERROR, "print", "%s", err.msg);
		return false;
	}
	a->printer_cfg = cfg->printer;
	/* Texts the printer cannot print need the renderer; without it they fail the job. */
	if (!a->receipt && ank_receipt_renderer_open(a->data_dir, &a->receipt, &err))
		ank_log(ANK_LOG_WARN, "print", "no raster text on tickets: %s", err.msg);
	return true;
}

/* The printer did not print this visit's ticket: the screen asks "I have my number". */
static void print_failed(app *a, ank_print_rc rc, const char *why)
{
	a->s.print = APP_PRINT_FAILED;
	a->s.print_rc = rc;
	a->dirty = true;
	ank_log(ANK_LOG_WARN, "print", "ticket %s not printed: %s", a->s.result.ticket.label,
	        why ? why : ank_print_strerror(rc));
}

/* Ticket t's layout in language lang, with its QR reference and the time it was issued,
 * into job (capped at ANK_ESCPOS_JOB_MAX, the caller frees it). 0 or -1 with err. */
static int build_job(app *a, const ank_ticket *t, const char *lang, const char *qr, ank_buf *job,
                     ank_err *err)
{
	const ank_site_config *cfg = site(a);
	/* Where to go is not known yet (the ticket is called once it is in the queue): the
	 * paper says the route and to wait for the number; the screen says the station. */
	char status[512], hhmm[8];
	snprintf(status, sizeof status, "%s\n%s",
	         ank_i18n_get(a->i18n, lang,
	                      t->route == ANK_ROUTE_SMOKE ? "route.smoke" : "route.inject"),
	         ank_i18n_get(a->i18n, lang, "ticket.print_wait"));
	struct tm tm;
	ank_local_tm(t->created_ms, &tm);
	ank_hhmm_format(tm.tm_hour * 60 + tm.tm_min, hhmm);
	ank_receipt r = {.site = cfg->name,
	                 .label = t->label,
	                 .status = status,
	                 .time = hhmm,
	                 .qr = qr,
	                 .how = ank_i18n_get(a->i18n, lang, "ticket.how"),
	                 .rtl = ank_i18n_rtl(a->i18n, lang),
	                 .native_qr = !cfg->printer.raster_qr};
	ank_buf_init(job, ANK_ESCPOS_JOB_MAX);
	return ank_receipt_build(&r, a->receipt, job, err);
}

void app_print_start(app *a)
{
	a->s.print = APP_PRINT_RUNNING;
	a->s.print_job = a->s.result.ticket.id;
	a->s.print_rc = ANK_PRINT_OK;
	if (!printer_ready(a)) {
		print_failed(a, ANK_PRINT_E_CONFIG, NULL);
		return;
	}
	ank_buf job;
	ank_err err;
	if (build_job(a, &a->s.result.ticket, a->lang, a->s.qr_text, &job, &err))
		print_failed(a, ANK_PRINT_E_CONFIG, err.msg);
	else if (ank_print_submit(a->printer, a->s.print_job, (const unsigned char *)job.data,
	                          job.len, a->now))
		print_failed(a, ANK_PRINT_E_BUSY, NULL);
	ank_buf_free(&job);
}

/* A reprint's job id: apart from every ticket's own (which are the ticket ids). */
#define REPRINT_JOB(id) ((id) + (1LL << 40))

void app_print_reprint(app *a)
{
	if (!a->reprint_ticket || a->reprint_running || !printer_ready(a))
		return;
	ank_ticket t;
	ank_err err;
	if (ank_store_ticket_get(ank_queue_store(a->q), a->reprint_ticket, &t, &err) !=
	            ANK_STORE_OK ||
	    (t.state != ANK_TS_WAITING && t.state != ANK_TS_CALLED)) {
		a->reprint_ticket = 0; /* gone from the queue: nothing to reprint */
		a->dirty = true;
		return;
	}
	char qr[ANK_TICKETREF_MAX];
	ank_buf job;
	if (ank_queue_ticket_ref(a->q, a->ticket_key, &t, qr, &err) ||
	    build_job(a, &t, a->reprint_lang, qr, &job, &err)) {
		ank_log(ANK_LOG_WARN, "print", "ticket %s not reprinted: %s", t.label, err.msg);
		return;
	}
	if (ank_print_submit(a->printer, REPRINT_JOB(t.id), (const unsigned char *)job.data,
	                     job.len, a->now) == 0) {
		a->reprint_running = true;
		ank_log(ANK_LOG_INFO, "print", "ticket %s reprinted at staff's request", t.label);
	}
	ank_buf_free(&job);
}

/* The held ticket goes into the queue (printed, or kept by the user). */
static bool confirm(app *a)
{
	ank_checkin_result res;
	ank_err err;
	ank_store_take_error(ank_queue_store(a->q));
	ank_q_rc rc = ank_queue_print_confirm(a->q, a->s.print_job, a->now, &res, &err);
	if (rc != ANK_Q_OK) {
		if (rc == ANK_Q_E_DB)
			app_db_failed(a, "printed ticket", &err);
		else
			ank_log(ANK_LOG_WARN, "print", "ticket not put in the queue: %s", err.msg);
		return false;
	}
	a->s.result = res;
	ank_sync_nudge(a->sync);
	a->dirty = true;
	return true;
}

void app_print_poll(app *a)
{
	if (!app_print_wanted(a)) {
		/* [printer] was taken out of the site config: no printer from now on. */
		if (a->printer) {
			if (a->s.print == APP_PRINT_RUNNING)
				print_failed(a, ANK_PRINT_E_CONFIG,
				             "the printer was taken out of the config");
			app_print_close(a);
			memset(&a->printer_state, 0, sizeof a->printer_state);
			ank_sync_set_printer(a->sync, "none");
		}
		return;
	}
	if (a->s.print != APP_PRINT_RUNNING &&
	    (!a->printer_checked || a->now - a->printer_checked >= APP_PRINT_CHECK_MS))
		app_print_check(a);
	if (!a->printer)
		return;
	ank_print_state st;
	ank_print_state_get(a->printer, &st);
	const ank_print_state *was = &a->printer_state;
	if (st.configured != was->configured || st.online != was->online ||
	    st.near_end != was->near_end || st.paper_end != was->paper_end ||
	    st.cover_open != was->cover_open || st.last_rc != was->last_rc ||
	    st.last_ms != was->last_ms || strcmp(st.last_error, was->last_error) != 0) {
		if (st.last_rc != a->printer_state.last_rc ||
		    st.near_end != a->printer_state.near_end)
			ank_log(st.last_rc ? ANK_LOG_WARN : ANK_LOG_INFO, "print", "printer: %s%s",
			        st.last_rc ? st.last_error : "ready",
			        st.near_end ? " (paper near end)" : "");
		a->printer_state = st;
		ank_sync_set_printer(a->sync, app_print_state_code(&st));
		if (a->screen == SCREEN_STAFF)
			a->dirty = true;
	}
	ank_print_rc rc = ANK_PRINT_E_BUSY;
	int done = a->reprint_running
	                   ? ank_print_result(a->printer, REPRINT_JOB(a->reprint_ticket), &rc)
	                   : 0;
	if (done != 0) {
		a->reprint_running = false;
		if (done == 1 && rc == ANK_PRINT_OK)
			a->reprint_ticket = 0; /* done: the button goes */
		a->dirty = true;
	}
	if (a->s.print != APP_PRINT_RUNNING)
		return;
	int r = ank_print_result(a->printer, a->s.print_job, &rc);
	if (r == 0)
		return;
	if (r < 0)
		print_failed(a, ANK_PRINT_E_BUSY, "the printer lost the job");
	else if (rc != ANK_PRINT_OK)
		print_failed(a, rc, NULL);
	else if (confirm(a)) {
		a->s.print = APP_PRINT_PRINTED;
		ank_log(ANK_LOG_INFO, "print", "ticket %s printed and confirmed",
		        a->s.result.ticket.label);
	} else
		print_failed(a, ANK_PRINT_OK, "printed, but the queue did not take it");
}

void app_print_keep(app *a)
{
	if (a->s.print == APP_PRINT_FAILED && confirm(a)) {
		a->s.print = APP_PRINT_KEPT;
		/* Staff may print it once the printer works again (nothing prints by itself). */
		a->reprint_ticket = a->s.result.ticket.id;
		snprintf(a->reprint_label, sizeof a->reprint_label, "%s", a->s.result.ticket.label);
		snprintf(a->reprint_lang, sizeof a->reprint_lang, "%s", a->lang);
	}
}

void app_print_drop(app *a)
{
	if ((a->s.print != APP_PRINT_RUNNING && a->s.print != APP_PRINT_FAILED) || !a->q)
		return;
	const char *why = a->s.print == APP_PRINT_RUNNING ? ank_print_code(ANK_PRINT_E_UNCONFIRMED)
	                                                  : ank_print_code(a->s.print_rc);
	ank_err err;
	ank_q_rc rc = ank_queue_print_cancel(a->q, a->s.print_job, why, a->now, &err);
	if (rc == ANK_Q_OK)
		ank_log(ANK_LOG_INFO, "print", "ticket %s cancelled: not printed (%s), not kept",
		        a->s.result.ticket.label, why);
	else /* the tick cancels it later (ANK_PRINT_HOLD_MAX_MS) */
		ank_log(ANK_LOG_WARN, "print", "held ticket %s not cancelled: %s",
		        a->s.result.ticket.label, err.msg);
	a->s.print = APP_PRINT_CANCELLED;
	ank_sync_nudge(a->sync);
}

void app_print_check(app *a)
{
	a->printer_checked = a->now ? a->now : 1;
	if (printer_ready(a))
		ank_print_check(a->printer, a->now);
}

void app_print_close(app *a)
{
	ank_print_close(a->printer);
	a->printer = NULL;
	ank_receipt_renderer_free(a->receipt);
	a->receipt = NULL;
}
