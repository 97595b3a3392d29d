/* Parses ankomst-kiosk's command line; linked into both the launcher and the kiosk library, so
 * the launcher opens a window only for a command line the kiosk accepts. */
#include "options.h"

#include <stdio.h>
#include <string.h>

#include "ank_log.h"
#include "ank_text.h"

#ifndef ANK_DATA_DIR
#define ANK_DATA_DIR "."
#endif

const char options_usage[] =
        "usage: ankomst-kiosk --version | --help\n"
        "       ankomst-kiosk [--demo] [--db FILE] [--config FILE.ini] [--registry FILE.json]\n"
        "                     [--data DIR] [--size WxH] [--fullscreen] [--display]\n"
        "                     [--headless --script FILE [--shots DIR] [--now ISO-TIME]\n"
        "                      [--renderer sdl|null] [--speech-wav DIR] [--texts DIR]\n"
        "                      [--content FILE]]\n"
        "       ankomst-kiosk --hash-pin PIN     print the hash for staff_pin_hash\n"
        "       ankomst-kiosk --db FILE --pair URL CODE [--ca FILE]   pair with central\n"
        "       ankomst-kiosk --db FILE --sync-only   sync with central, no screen\n"
        "Every form takes --log-format text|json (default text).\n";

static int parse_size(const char *s, int *w, int *h)
{
	char a[8], b[8];
	size_t x = strcspn(s, "x");
	if (s[x] != 'x' || x == 0 || x >= sizeof a || strlen(s + x + 1) >= sizeof b)
		return -1;
	snprintf(a, sizeof a, "%.*s", (int)x, s);
	snprintf(b, sizeof b, "%s", s + x + 1);
	long lw, lh;
	if (ank_parse_long(a, 320, 8192, &lw) || ank_parse_long(b, 320, 8192, &lh))
		return -1;
	*w = (int)lw;
	*h = (int)lh;
	return 0;
}

int options_parse(int argc, char **argv, options *o)
{
	*o = (options){.w = 1080, .h = 1920, .data = ANK_DATA_DIR};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--demo"))
			o->demo = true;
		else if (!strcmp(a, "--headless"))
			o->headless = true;
		else if (!strcmp(a, "--display"))
			o->display = true;
		else if (!strcmp(a, "--fullscreen"))
			o->fullscreen = true;
		else if (!strcmp(a, "--sync-only"))
			o->sync_only = true;
		else if (v && i + 2 < argc && !strcmp(a, "--pair")) {
			o->pair_url = argv[++i];
			o->pair_code = argv[++i];
		} else if (v && !strcmp(a, "--ca"))
			o->ca = argv[++i];
		else if (v && !strcmp(a, "--log-format"))
			o->log_format = argv[++i];
		else if (v && !strcmp(a, "--db"))
			o->db = argv[++i];
		else if (v && !strcmp(a, "--config"))
			o->config = argv[++i];
		else if (v && !strcmp(a, "--registry"))
			o->registry = argv[++i];
		else if (v && !strcmp(a, "--data"))
			o->data = argv[++i];
		else if (v && !strcmp(a, "--script"))
			o->script = argv[++i];
		else if (v && !strcmp(a, "--shots"))
			o->shots = argv[++i];
		else if (v && !strcmp(a, "--speech-wav"))
			o->speech_wav = argv[++i];
		else if (v && !strcmp(a, "--texts"))
			o->texts = argv[++i];
		else if (v && !strcmp(a, "--now"))
			o->now = argv[++i];
		else if (v && !strcmp(a, "--content"))
			o->content = argv[++i];
		else if (v && !strcmp(a, "--hash-pin"))
			o->hash_pin = argv[++i];
		else if (v && !strcmp(a, "--renderer")) {
			const char *r = argv[++i];
			if (strcmp(r, "sdl") != 0 && strcmp(r, "null") != 0)
				return -1;
			o->null_renderer = !strcmp(r, "null");
		} else if (v && !strcmp(a, "--size")) {
			if (parse_size(argv[++i], &o->w, &o->h))
				return -1;
		} else
			return -1;
	}
	ank_log_format lf = ANK_LOG_TEXT;
	if (o->log_format && ank_log_format_parse(o->log_format, &lf))
		return -1;
	ank_log_set_format(lf);
	if (o->headless && !o->script)
		return -1;
	if (o->speech_wav && !o->headless)
		return -1; /* a window speaks through the sound card */
	if (o->null_renderer && !o->headless)
		return -1; /* a window needs pixels */
	if ((o->pair_url || o->sync_only) && !o->db)
		return -1;
	return 0;
}

bool options_window(const options *o)
{
	return !o->headless && !o->hash_pin && !o->pair_url && !o->sync_only;
}
