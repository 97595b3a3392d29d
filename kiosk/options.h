/* The command line of ankomst-kiosk, parsed in one place for both the launcher (which opens
 * the window before anything heavy is loaded) and the kiosk library. */
#ifndef ANK_OPTIONS_H
#define ANK_OPTIONS_H

#include <stdbool.h>

typedef struct options {
	const char *db, *config, *registry, *data, *script, *shots, *now, *hash_pin;
	const char *pair_url, *pair_code, *ca, *log_format;
	const char *content;    /* alerts and information screens from this file (a preview) */
	const char *speech_wav; /* headless: each utterance as a numbered WAV file here */
	/* A directory of text override files (<lang>.json, as the site's) laid over the catalogs
	 * last: central's preview of draft texts (docs/operations.md "Screen texts"). */
	const char *texts;
	bool demo, headless, display, fullscreen, sync_only;
	bool null_renderer; /* --renderer null: layout and widgets, no pixels (headless only) */
	int w, h;
} options;

extern const char options_usage[];

/* Fills *o from argv (strings point into argv); -1 on anything the usage does not allow.
 * Also sets the log format (ank_log_set_format). */
int options_parse(int argc, char **argv, options *o);

/* Whether these options show the kiosk in a window (not headless, pairing, sync-only or
 * --hash-pin). */
bool options_window(const options *o);

#endif
