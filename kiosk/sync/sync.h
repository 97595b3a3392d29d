/* The kiosk's sync client: pairing with central, then two worker threads on libcurl that
 * push the outbox and long-poll the change feed, so the UI never waits on the network. */
#ifndef ANK_SYNC_H
#define ANK_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ank_err.h"

/* A long-poll asks central to hold the request this long (central allows 30 s). */
#define ANK_SYNC_WAIT_S 25
/* With nothing new, the outbox is looked at this often: another process (the CLI, the
 * waiting-room screen) may write events that no nudge announces. */
#define ANK_SYNC_IDLE_MS 1000

typedef struct ank_sync ank_sync;

typedef struct ank_sync_status {
	bool online;        /* both directions got their last answer */
	bool skewed;        /* central's clock differs from ours by over 2 minutes */
	int64_t since_ms;   /* when the current state began */
	int64_t last_ok_ms; /* last answer from central, 0 never */
	int64_t pending;    /* events written here that central does not hold yet */
	int64_t skew_ms;    /* central minus kiosk */
	char site[64];
	char problem[160]; /* the last refusal or failure, "" none */
} ank_sync_status;

/* The file next to the database that holds central's URL and the kiosk's token: a
 * database at PATH pairs to PATH.token (mode 0600). Writes into out[n]. */
void ank_sync_token_path(const char *db_path, char *out, size_t n);

/* Where the site's text overrides from central live: a database at PATH keeps them in the
 * directory PATH.catalogs, one <lang>.json each (ank_i18n_overlay_dir reads them). */
void ank_sync_catalogs_dir(const char *db_path, char *out, size_t n);

/* Redeems a pairing code at central (url like "https://central.example:8480") and stores
 * the token file. ca_file (may be NULL: the system's CAs) is the CA that signed central's
 * certificate; it is remembered for later connections. Returns 0 or -1 with err. */
int ank_sync_pair(const char *db_path, const char *url, const char *code, const char *ca_file,
                  ank_err *err);

/* Starts the worker threads for a paired database. data_dir is the kiosk's --data (it
 * holds i18n/): a catalog change from central is checked against the shipped catalogs
 * there before it is kept. Returns 0 (*out owned by the caller, end it with
 * ank_sync_stop), 1 when the database is not paired, -1 with err. */
int ank_sync_start(const char *db_path, const char *data_dir, ank_sync **out, ank_err *err);
/* An event was just written: push now rather than at the next idle check. */
void ank_sync_nudge(ank_sync *s);
void ank_sync_status_get(ank_sync *s, ank_sync_status *out);
/* The receipt printer's state for central ("ready", "paper_end", ...: a slug of at most
 * ANK_PRINTER_STATE_MAX), sent with every change poll; "" sends none. NULL s is fine. */
void ank_sync_set_printer(ank_sync *s, const char *state);
/* Stops the threads (an open long-poll is aborted at once) and frees s. NULL is fine. */
void ank_sync_stop(ank_sync *s);

#endif
