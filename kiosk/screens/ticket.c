/* Screens "ticket" (the number, where to go or how long, the QR; never the nickname)
 * and "refused" (a calm reason, and what to do next). */
#include <stdio.h>
#include <string.h>

#include "ank_time.h"
#include "screens.h"

/* Sizes on these screens, portrait / landscape where they differ. */
#define QR_SIDE            480 /* big enough for a phone or the staff scanner at arm's length */
#define QR_SIDE_LANDSCAPE  420
#define NUMBER_H           370 /* the ticket number in the huge font (its line is 355 px) */
#define NUMBER_H_LANDSCAPE 370
#define STATUS_H           150 /* where to go, or how long to wait */
#define HOW_H              160 /* what to do with the ticket */
#define REASON_H           400 /* the refusal's reason, at most */
#define REFUSED_ICON       320 /* the staff pictogram above it */
#define REFUSED_ICON_LAND  140
#define COUNTDOWN_H        60 /* "back to the start in 42 s" above Done */

screen_id ticket_frame(app *a)
{
	ui *u = &a->ui;
	const ank_checkin_result *r = &a->s.result;
	ui_rect c = screen_body(a, "ticket.title", tr(a, "ticket.title"));
	ui_rect done = take_bottom(&c, THEME_FINAL_H);
	/* The countdown back to the start, just above Done (every touch restarts it). */
	char secs[16], cd[160];
	int64_t left = app_ticket_show_ms(a) - (a->now - a->last_touch);
	long seconds = (long)(((left < 0 ? 0 : left) + 999) / 1000);
	snprintf(secs, sizeof secs, "%ld", seconds);
	const char *cd_args[] = {"seconds", secs, NULL};
	ui_label(u, "ticket.countdown", take_bottom(&c, COUNTDOWN_H),
	         trfn(a, "ticket.countdown", seconds, cd_args, cd, sizeof cd), UI_FONT_SMALL,
	         THEME_MUTED, UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	/* Landscape: the QR goes to the right of the number and the words. */
	int qr_side = portrait(a) ? QR_SIDE : QR_SIDE_LANDSCAPE;
	ui_rect qr, words = c;
	if (portrait(a)) {
		qr = (ui_rect){c.x + (c.w - qr_side) / 2, 0, qr_side, qr_side};
	} else {
		words.w = c.w - qr_side - 2 * THEME_GAP;
		qr = (ui_rect){c.x + words.w + 2 * THEME_GAP, c.y, qr_side, qr_side};
	}
	/* What to do with the ticket, at the bottom of the words, as tall as it needs; the
	 * number takes what the status, the QR (portrait) and that leave, up to its size. */
	const char *how = tr(a, r->station_label[0] ? "ticket.how_now" : "ticket.how");
	int how_h = ui_text_height(u, words.w, HOW_H, how, UI_FONT_BODY, UI_TEXT_BLOCK);
	ui_rect how_r = take_bottom(&words, how_h);
	int number_max = portrait(a) ? NUMBER_H : NUMBER_H_LANDSCAPE;
	char buf[256], ahead[24], minutes[24];
	const char *status;
	if (r->station_label[0]) {
		const char *args[] = {"station", r->station_label, NULL};
		status = trf(a, "ticket.go_now", args, buf, sizeof buf);
	} else if (r->estimate == ANK_EST_FROZEN) {
		status = tr(a, "ticket.wait_paused");
	} else if (r->estimate == ANK_EST_STAFF_CALLS) {
		snprintf(ahead, sizeof ahead, "%d", r->ahead);
		const char *args[] = {"ahead", ahead, NULL};
		status = trfn(a, "ticket.wait_staff", r->ahead, args, buf, sizeof buf);
	} else if (r->estimate == ANK_EST_NO_STATION || r->wait_min < 0) {
		status = tr(a, "ticket.wait_unknown");
	} else {
		snprintf(ahead, sizeof ahead, "%d", r->ahead);
		snprintf(minutes, sizeof minutes, "%d", r->wait_min);
		const char *args[] = {"ahead", ahead, "minutes", minutes, NULL};
		status = trfn(a, "ticket.wait", r->wait_min, args, buf, sizeof buf);
	}
	/* A printed ticket: while the printer works, and when it did not work (the ticket is
	 * held until the user says they have the number: app_print.c). */
	app_print_phase ph = a->s.print;
	/* The printer's message is two sentences: one size down, so the number keeps its size
	 * in landscape too. */
	ui_font status_font = UI_FONT_TITLE;
	int status_flags = 0, status_max = 2 * STATUS_H;
	if (ph == APP_PRINT_RUNNING) {
		status = tr(a, "ticket.printing");
	} else if (ph == APP_PRINT_FAILED || ph == APP_PRINT_CANCELLED) {
		status = tr(a, "ticket.printer_failed");
		status_font = UI_FONT_LARGE;
		status_flags = UI_TEXT_BLOCK;
		status_max = 3 * STATUS_H;
	}
	int status_h = ui_text_height(u, words.w, status_max, status, status_font, status_flags);
	int number_h = words.h - status_h - THEME_GAP - (portrait(a) ? qr_side + THEME_GAP : 0);
	ui_label(u, "ticket.number",
	         take_top(&words, number_h < number_max ? number_h : number_max), r->ticket.label,
	         UI_FONT_HUGE, THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD);
	ui_label(u, "ticket.status", take_top(&words, status_h), status, status_font, THEME_TEXT,
	         UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BOLD | status_flags);
	/* Read out: the number and where to go (or how long); the QR and the how-to are not. */
	ui_mark(u, "ticket.number", UI_SPEECH_PROMPT);
	ui_mark(u, "ticket.status", UI_SPEECH_PROMPT);
	if (portrait(a))
		qr.y = take_top(&words, qr_side).y;
	if (a->s.qr_size > 0)
		ui_modules(u, "ticket.qr", qr, a->s.qr, a->s.qr_size, a->s.qr_text);
	/* Called at once, "when it is your turn" would contradict "go now" (ticket.how_now). */
	ui_label(u, "ticket.how", how_r, how, UI_FONT_BODY, THEME_TEXT,
	         UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BLOCK);
	/* Printing: no button (Done would cancel the ticket under the printer). Failed: only
	 * "I have my number" puts the ticket in the queue; the countdown cancels it. */
	if (ph == APP_PRINT_FAILED) {
		if (ui_icon_button(u, "ticket.have_number", done, "check",
		                   tr(a, "ticket.have_number"), UI_STYLE_PRIMARY))
			app_print_keep(a);
	} else if (ph != APP_PRINT_RUNNING &&
	           ui_icon_button(u, "ticket.done", done, "check", tr(a, "ticket.done"),
	                          UI_STYLE_PRIMARY)) {
		app_reset(a);
		return SCREEN_WELCOME;
	}
	return SCREEN_TICKET;
}

screen_id refused_frame(app *a)
{
	ui *u = &a->ui;
	ui_rect c = screen_body(a, "refused.title", tr(a, "refused.title"));
	ui_rect ok = take_bottom(&c, THEME_FINAL_H);
	char buf[512], extra[1024] = "";
	const char *msg = tr(a, "refused.talk_to_staff");
	/* Each reason gets the calmest true sentence; quarantine, age and consent say only
	 * "talk to the staff" so nothing private is shown at the entrance. */
	switch (a->s.rc == ANK_Q_REFUSED ? a->s.result.refusal : ANK_REFUSE_NONE) {
	case ANK_REFUSE_CLOSED: {
		/* When it opens again, not today's hours (on a closed day those said nothing). */
		char when[256];
		const char *args[] = {"when", opens_text(a, when, sizeof when), NULL};
		msg = trf(a, "refused.closed", args, buf, sizeof buf);
		break;
	}
	case ANK_REFUSE_WOMEN_ONLY: {
		msg = tr(a, "refused.women_only");
		const ank_site_config *cfg = ank_queue_config(a->q);
		size_t off = 0;
		/* Refused here because this room is for women: only rooms this person can use. */
		for (int i = 0; i < cfg->n_nearby && off < sizeof extra; i++) {
			if (cfg->nearby[i].women_only)
				continue;
			int k = snprintf(extra + off, sizeof extra - off, "%s%s, %s%s%s",
			                 off ? "\n" : "", cfg->nearby[i].name,
			                 cfg->nearby[i].address,
			                 cfg->nearby[i].hours[0] ? ", " : "", cfg->nearby[i].hours);
			if (k < 0)
				break;
			off += (size_t)k;
		}
		break;
	}
	case ANK_REFUSE_SUBSTANCE_ROUTE:
	case ANK_REFUSE_ROUTE_NOT_OFFERED:
		msg = tr(a, "refused.substance_route");
		break;
	case ANK_REFUSE_ALREADY_QUEUED: {
		const char *args[] = {"ticket", a->s.result.ticket.label, NULL};
		msg = trf(a, "refused.already_queued", args, buf, sizeof buf);
		break;
	}
	case ANK_REFUSE_ASSISTED_NOT_OFFERED:
	case ANK_REFUSE_HELPER_UNKNOWN:
	case ANK_REFUSE_HELPER_SELF:
	case ANK_REFUSE_HELPER_UNDERAGE:
	case ANK_REFUSE_HELPER_QUARANTINED:
		msg = tr(a, "refused.helper");
		break;
	default:
		break;
	}
	char id[UI_ID_MAX];
	snprintf(id, sizeof id, "refused.%s",
	         a->s.rc == ANK_Q_REFUSED ? ank_refusal_code(a->s.result.refusal) : "error");
	/* The screen's space goes to a calm pictogram (the staff, who can help) and large
	 * words, each block as tall as it needs. */
	int icon = portrait(a) ? REFUSED_ICON : REFUSED_ICON_LAND;
	u->r.icon(u->r.ctx, ui_mirror(u, (ui_rect){c.x + (c.w - icon) / 2, c.y, icon, icon}),
	          "staff", THEME_TEXT);
	take_top(&c, icon);
	int reason_h = ui_text_height(u, c.w, REASON_H, msg, UI_FONT_TITLE, UI_TEXT_BLOCK);
	ui_label(u, id, take_top(&c, reason_h), msg, UI_FONT_TITLE, THEME_TEXT,
	         UI_TEXT_CENTER | UI_TEXT_MIDDLE | UI_TEXT_BLOCK);
	ui_mark(u, id, UI_SPEECH_PROMPT);
	if (extra[0]) {
		int near_h = ui_text_height(u, c.w, c.h, extra, UI_FONT_MEDIUM, UI_TEXT_BLOCK);
		ui_label(u, "refused.nearby", take_top(&c, near_h), extra, UI_FONT_MEDIUM,
		         THEME_TEXT, UI_TEXT_CENTER | UI_TEXT_BLOCK);
	}
	if (ui_icon_button(u, "refused.ok", ok, "check", tr(a, "refused.ok"), UI_STYLE_PRIMARY)) {
		app_reset(a);
		return SCREEN_WELCOME;
	}
	return SCREEN_REFUSED;
}
