/* Central's preview runner: runs the real kiosk (ankomst-kiosk --headless) as a child process,
 * with no shell and a time limit, on a walk script and content laid over its own (draft texts
 * today; drug alerts and information screens later), and collects the PNGs, the layout
 * check's findings and the UI dumps (docs/architecture.md "The preview runner"). */
#ifndef ANK_PREVIEW_H
#define ANK_PREVIEW_H

#include <jansson.h>
#include <stddef.h>

#include "ank_err.h"

/* The texts' walk takes about 1.5 s (an ASan build); a kiosk that has not ended after this
 * long is stopped (an answered request has no deadline, but an admin waits for it). */
#define ANK_PREVIEW_TIMEOUT_MS 30000
/* A walk's script and a run's output: small files; more is a mistake, not read. */
#define ANK_PREVIEW_SCRIPT_MAX (64 * 1024)
#define ANK_PREVIEW_OUTPUT_MAX (4L * 1024 * 1024)
/* Extra kiosk arguments a run may add (e.g. --config FILE for an alert). */
#define ANK_PREVIEW_MAX_ARGS 8

/* Portrait and landscape, the two sizes a kiosk screen is checked in. */
#define ANK_PREVIEW_PORTRAIT_W  1080
#define ANK_PREVIEW_PORTRAIT_H  1920
#define ANK_PREVIEW_LANDSCAPE_W 1920
#define ANK_PREVIEW_LANDSCAPE_H 1080

/* One run. Strings are borrowed for the call. */
typedef struct ank_preview_opts {
	const char *kiosk_bin; /* the ankomst-kiosk program (ank_preview_kiosk_path) */
	const char *data_dir;  /* its --data: i18n/ and assets/ */
	const char *work_dir;  /* an empty directory of the caller's: everything is written there */
	const char *script;    /* the walk (script verbs; "shot NAME" names the PNGs) */
	const char *now;       /* the virtual clock, an ISO time */
	int w, h;              /* the screen */
	/* Texts laid over the catalogs: {lang: {key: value}} written as <work>/texts/<lang>.json
	 * and passed as --texts; NULL for none. */
	json_t *texts;
	const char *extra_args[ANK_PREVIEW_MAX_ARGS + 1]; /* NULL-terminated; may be all NULL */
	int timeout_ms;                                   /* 0: ANK_PREVIEW_TIMEOUT_MS */
} ank_preview_opts;

/* What a run made; free with ank_preview_result_free. */
typedef struct ank_preview_result {
	json_t *shots;    /* ["welcome", ...]: <work>/shots/NAME.png, in the walk's order */
	json_t *findings; /* [{"screen", "lang", "size", "check", "why"}] of check-layout */
	json_t *dumps;    /* the UI dumps ({"screen", "widgets": [...]}) in order */
	int exit_status;  /* the kiosk's; -1 when stopped for the time limit */
} ank_preview_result;

/* Runs the kiosk once. 0 when it ran the whole walk (exit 0); -1 with err otherwise (cannot
 * start, timed out, or a step of the walk failed: err has the kiosk's last words); *r is
 * filled as far as it got either way and must be freed. */
int ank_preview_run(const ank_preview_opts *o, ank_preview_result *r, ank_err *err);
void ank_preview_result_free(ank_preview_result *r);

/* The kiosk program central runs: `configured` when given (the [central] kiosk_binary),
 * else ankomst-kiosk beside this program if it is there (a build tree, or the packages'
 * /usr/bin), else the bare name for the PATH; into out (n bytes). */
void ank_preview_kiosk_path(const char *configured, char *out, size_t n);

/* Reads the walk file `path` and puts `lang` for each LANG in it: a malloc'd script the
 * caller frees, or NULL with err. */
char *ank_preview_walk_load(const char *path, const char *lang, ank_err *err);

#endif
