/* ankomst-print: the operator's and the tests' printer tool. `status` asks the site's
 * printer for its real-time status; `ticket` prints a sample ticket in a language from the
 * shipped catalogs through the same worker, layout and confirmation the kiosk uses, and
 * says whether the printer confirmed it (docs/operations.md, "Receipt printer"). */
#include <SDL.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ank_buf.h"
#include "ank_i18n.h"
#include "ank_version.h"
#include "escpos.h"
#include "printer.h"
#include "receipt.h"

static const char usage_text[] =
        "usage: ankomst-print --device DEV [--confirm pid|status] [--raster-qr]\n"
        "                     [--timeout MS] [--data DIR] [--lang LANG] [--label L]\n"
        "                     [--station S] [--site NAME] [--qr TEXT] [--time HH:MM]\n"
        "                     status|ticket\n"
        "       ankomst-print --version | --help\n"
        "  DEV is tcp:HOST:PORT (a network printer, port 9100) or a device path\n"
        "  (/dev/usb/lp0). Exit status 0 printed (or ready), 3 the printer refused or\n"
        "  did not confirm, 2 bad arguments.\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void show_state(const ank_print_state *st, ank_print_rc rc)
{
	printf("result %s\nonline %d\nnear_end %d\npaper_end %d\ncover_open %d\n",
	       ank_print_code(rc), st->online, st->near_end, st->paper_end, st->cover_open);
	if (rc != ANK_PRINT_OK)
		printf("error %s\n", st->last_error[0] ? st->last_error : ank_print_strerror(rc));
}

int main(int argc, char **argv)
{
	if (ank_version_asked(argc, argv, "ankomst-print") ||
	    ank_help_asked(argc, argv, usage_text))
		return 0;
	ank_print_cfg cfg = {.confirm = ANK_PRINT_CONFIRM_PID, .native_qr = true};
	const char *data = ANK_DATA_DIR, *lang = "en", *label = "A-12", *station = "",
	           *site = "Ankomst", *qr = "ANK1.demo.2026-12-02.12.A-12.test", *when = NULL,
	           *cmd = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--raster-qr")) {
			cfg.native_qr = false;
			continue;
		}
		if (a[0] != '-') {
			cmd = a;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--device"))
			snprintf(cfg.device, sizeof cfg.device, "%s", v);
		else if (!strcmp(a, "--confirm") && (!strcmp(v, "pid") || !strcmp(v, "status")))
			cfg.confirm = !strcmp(v, "pid") ? ANK_PRINT_CONFIRM_PID
			                                : ANK_PRINT_CONFIRM_STATUS;
		else if (!strcmp(a, "--timeout"))
			cfg.confirm_ms = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--data"))
			data = v;
		else if (!strcmp(a, "--lang"))
			lang = v;
		else if (!strcmp(a, "--label"))
			label = v;
		else if (!strcmp(a, "--station"))
			station = v;
		else if (!strcmp(a, "--site"))
			site = v;
		else if (!strcmp(a, "--qr"))
			qr = v;
		else if (!strcmp(a, "--time"))
			when = v;
		else
			return usage();
	}
	if (!cmd || !cfg.device[0] || (strcmp(cmd, "status") && strcmp(cmd, "ticket")))
		return usage();
	ank_err err = {{0}};
	ank_print_state st = {0};
	if (!strcmp(cmd, "status")) {
		ank_print_rc rc = ank_print_status(&cfg, &st, &err);
		snprintf(st.last_error, sizeof st.last_error, "%s", rc ? err.msg : "");
		show_state(&st, rc);
		return rc == ANK_PRINT_OK ? 0 : 3;
	}
	/* The ticket's texts from the shipped catalogs, as the kiosk takes them. */
	char dir[600], status[512], hhmm[8];
	snprintf(dir, sizeof dir, "%s/i18n", data);
	ank_i18n *i18n = NULL;
	if (ank_i18n_load(dir, &i18n, &err)) {
		fprintf(stderr, "ankomst-print: %s\n", err.msg);
		return 2;
	}
	if (station[0]) {
		const char *args[] = {"station", station, NULL};
		ank_i18n_format(i18n, lang, "ticket.go_now", status, sizeof status, args);
	} else {
		snprintf(status, sizeof status, "%s",
		         ank_i18n_get(i18n, lang, "ticket.wait_unknown"));
	}
	if (!when) {
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
		when = hhmm;
	}
	ank_receipt r = {
	        .site = site,
	        .label = label,
	        .status = status,
	        .time = when,
	        .qr = qr,
	        .how = ank_i18n_get(i18n, lang, station[0] ? "ticket.how_now" : "ticket.how"),
	        .rtl = ank_i18n_rtl(i18n, lang),
	        .native_qr = cfg.native_qr};
	ank_receipt_renderer *ren = NULL;
	ank_buf job;
	ank_buf_init(&job, ANK_ESCPOS_JOB_MAX);
	int rc_exit = 2;
	ank_print *p = NULL;
	if (ank_receipt_renderer_open(data, &ren, &err) || ank_receipt_build(&r, ren, &job, &err) ||
	    ank_print_open(&cfg, &p, &err)) {
		fprintf(stderr, "ankomst-print: %s\n", err.msg);
		goto out;
	}
	int64_t t0 = mono_ms();
	if (ank_print_submit(p, 1, (const unsigned char *)job.data, job.len, t0)) {
		fprintf(stderr, "ankomst-print: the printer is busy\n");
		goto out;
	}
	/* As the kiosk's loop does: ask each frame, never wait on the worker. */
	ank_print_rc rc;
	while (ank_print_result(p, 1, &rc) == 0)
		usleep(2000);
	int64_t took = mono_ms() - t0;
	ank_print_state_get(p, &st);
	show_state(&st, rc);
	printf("bytes %zu\nms %lld\n", job.len, (long long)took);
	rc_exit = rc == ANK_PRINT_OK ? 0 : 3;
out:
	ank_print_close(p);
	ank_buf_free(&job);
	ank_receipt_renderer_free(ren);
	ank_i18n_free(i18n);
	TTF_Quit();
	SDL_Quit();
	return rc_exit;
}
