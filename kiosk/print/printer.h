/* The kiosk's receipt printer: one ESC/POS printer on USB (/dev/usb/lp*, or any character
 * device such as the fake printer's pty) or raw TCP (port 9100), driven from a worker thread
 * so that the UI loop never waits for it. A job is checked first (DLE EOT 1..4: offline,
 * cover open, paper end refuse it), sent, and counts as printed only when the printer
 * confirms the end of the job (GS ( H process ID, or GS r 1 after the cut) within
 * ANK_PRINT_CONFIRM_MS. Nothing is ever resent by itself: a failed job is reported, and a
 * reprint is a new job that staff ask for. */
#ifndef ANK_PRINTER_H
#define ANK_PRINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ank_err.h"

/* Connecting to a network printer: longer means the printer is not there. */
#define ANK_PRINT_CONNECT_MS 2000
/* One real-time status reply (DLE EOT n): printers answer within milliseconds. */
#define ANK_PRINT_STATUS_MS 1000
/* The job's end must be confirmed within this long after it was sent (a ticket is ~15 cm:
 * about 1 s at a TM-T20's 150 mm/s, so 10 s leaves room for a slow or cold printer and
 * is still short beside the ticket screen's minute). */
#define ANK_PRINT_CONFIRM_MS 10000
/* How the device is named in the site config: "tcp:HOST:PORT" or an absolute path. */
#define ANK_PRINT_DEVICE_MAX 200

typedef enum ank_print_rc {
	ANK_PRINT_OK = 0,
	ANK_PRINT_E_CONFIG,      /* no printer configured, or a device name we cannot use */
	ANK_PRINT_E_CONNECT,     /* cannot open the device or connect to the printer */
	ANK_PRINT_E_NOT_PRINTER, /* a status reply without ESC/POS's fixed bits */
	ANK_PRINT_E_OFFLINE,     /* the printer says it is offline */
	ANK_PRINT_E_COVER,       /* the cover is open */
	ANK_PRINT_E_PAPER,       /* paper end */
	ANK_PRINT_E_ERROR,       /* cutter or other printer error */
	ANK_PRINT_E_IO,          /* the printer went away while the ticket was sent */
	ANK_PRINT_E_UNCONFIRMED, /* sent, but the end of the job was not confirmed in time */
	ANK_PRINT_E_BUSY,        /* a job is still running */
	ANK_PRINT_RC_COUNT
} ank_print_rc;

/* The reason in words for logs and staff (English; the staff screen has catalog keys). */
const char *ank_print_strerror(ank_print_rc rc);
/* A stable code for the health report and events ("paper_end", "unconfirmed", ...). */
const char *ank_print_code(ank_print_rc rc);

/* How the end of a job is confirmed. */
typedef enum ank_print_confirm {
	ANK_PRINT_CONFIRM_PID,    /* GS ( H fn 48: the printer echoes the job's id (TM-T88V+) */
	ANK_PRINT_CONFIRM_STATUS, /* GS r 1 after the cut: answered once the cut is done */
} ank_print_confirm;

typedef struct ank_print_cfg {
	char device[ANK_PRINT_DEVICE_MAX + 1]; /* "" no printer */
	ank_print_confirm confirm;
	bool native_qr; /* GS ( k; false: the QR goes as a raster band */
	int confirm_ms; /* 0: ANK_PRINT_CONFIRM_MS */
} ank_print_cfg;

/* What the last contact with the printer showed (the health report and the staff screen). */
typedef struct ank_print_state {
	bool configured;
	bool online;   /* the last status query was answered and showed no stop */
	bool near_end; /* paper near end: staff change the roll soon */
	bool paper_end;
	bool cover_open;
	ank_print_rc last_rc; /* of the last job or check */
	char last_error[160]; /* its reason, "" after a success */
	int64_t last_ms;      /* when (the caller's clock), 0 never */
	long printed, failed; /* jobs confirmed, jobs that were not */
} ank_print_state;

/* One job run on the calling thread: status check, send, confirmation. job_id is the
 * four-digit process id (GS ( H); st gets the status seen before the job. The worker and
 * the CLI both call this. */
ank_print_rc ank_print_run(const ank_print_cfg *cfg, const unsigned char *job, size_t n,
                           const char job_id[4], ank_print_state *st, ank_err *err);
/* Only the status (DLE EOT 1..4), on the calling thread. */
ank_print_rc ank_print_status(const ank_print_cfg *cfg, ank_print_state *st, ank_err *err);

typedef struct ank_print ank_print;

/* Starts the worker; *out owned by the caller (ank_print_close). cfg->device "" is fine:
 * every job then ends in ANK_PRINT_E_CONFIG. -1 with err when no thread can start. */
int ank_print_open(const ank_print_cfg *cfg, ank_print **out, ank_err *err);
/* Waits for a job under way (at most its confirmation timeout), then stops. NULL is fine. */
void ank_print_close(ank_print *p);
/* Queues one job (the bytes are copied) with id `job`, submitted at now_ms. 0, or -1 when a
 * job is still running (ANK_PRINT_E_BUSY: one ticket at a time, the kiosk has one user). */
int ank_print_submit(ank_print *p, int64_t job, const unsigned char *bytes, size_t n,
                     int64_t now_ms);
/* The outcome of job: 1 finished (*rc set), 0 still running, -1 unknown job. */
int ank_print_result(ank_print *p, int64_t job, ank_print_rc *rc);
/* Asks the worker for a status check now (staff's "check the printer"); no print. */
void ank_print_check(ank_print *p, int64_t now_ms);
/* Whether a job or a status check is queued or under way. */
bool ank_print_busy(ank_print *p);
/* A copy of the printer's state as the worker last saw it. */
void ank_print_state_get(ank_print *p, ank_print_state *st);

#endif
