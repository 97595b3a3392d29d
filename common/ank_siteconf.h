/* The site config shared by kiosk and central: its limits and types, the one INI parser and
 * its checks (the kiosk's file, central's site.config change, the admin page's form), and the
 * structured JSON form with its one writer back to INI. Applying it is the kiosk's store's. */
#ifndef ANK_SITECONF_H
#define ANK_SITECONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ank_err.h"
#include "ank_vocab.h"

/* Limits, each with its reason. */
#define ANK_ID_MAX          63  /* user, station and site ids: short ASCII slugs */
#define ANK_LABEL_MAX       31  /* station labels shown in very large type */
#define ANK_TEXT_MAX        127 /* names, addresses in the config; fits an INI line */
#define ANK_MAX_STATIONS    64  /* H17 has about 24 places */
#define ANK_MAX_NEARBY      8   /* rooms listed for a referral on a refusal screen */
#define ANK_MAX_ALERT_LANGS 12  /* one drug alert text per UI language */
/* inih's Debian build reads lines of at most this many bytes (INI_MAX_LINE 200, with the
 * NUL); a longer line is refused with its own message rather than misread. */
#define ANK_SITECONF_LINE_MAX 199
/* The longest INI text the form writer makes: 64 stations and 8 rooms of 6 lines each and
 * the rest fit with room to spare. Central sends a config as one change, whose own cap
 * (ANK_PROTO_MAX_PAYLOAD) is lower and checked there. */
#define ANK_SITECONF_TEXT_MAX (48 * 1024)
/* Outbox rows central acknowledged are kept this long after the acknowledgement (the
 * site config's outbox_retention_days), then pruned: long enough to resend them to a
 * central restored from a recent backup, short enough that site.db does not grow forever. */
#define ANK_OUTBOX_RETENTION_DAYS_DEFAULT 7
#define ANK_OUTBOX_RETENTION_DAYS_MAX     365
/* The kiosk's own history (finished tickets of earlier days, refusals: user ids, substances,
 * times) is deleted after history_retention_days (site config): long enough for staff to
 * look back over a month, no longer. At least 2, so today's and yesterday's queue stay. */
#define ANK_HISTORY_RETENTION_DAYS_DEFAULT 30
#define ANK_HISTORY_RETENTION_DAYS_MIN     2
#define ANK_HISTORY_RETENTION_DAYS_MAX     365
/* Spoken prompts ([speech], docs/formats.md). Rates and volumes are espeak-ng's own scales
 * (speak_lib.h): words a minute, and an amplitude where 100 is its normal loudness. */
#define ANK_SPEECH_RATE_MIN     80
#define ANK_SPEECH_RATE_MAX     450
#define ANK_SPEECH_RATE_DEFAULT 175
#define ANK_SPEECH_VOL_MAX      200
#define ANK_SPEECH_VOL_DEFAULT  100
#define ANK_SPEECH_VOICE_MAX    63 /* an espeak-ng voice name ("da", "gmq/da", "en-gb") */

/* One language's voice: which espeak-ng voice and how loud. */
typedef struct ank_speech_voice {
	char lang[8];
	char voice[ANK_SPEECH_VOICE_MAX + 1]; /* "": espeak-ng's voice named like the language */
	int volume;                           /* -1: the site's volume */
} ank_speech_voice;

/* Per weekday opening hours in minutes after local midnight. close > open; a close
 * above 1440 runs past midnight into the next day. open < 0 means closed all day. */
typedef struct ank_hours {
	int open_min;
	int close_min;
} ank_hours;

typedef struct ank_nearby {
	char name[ANK_TEXT_MAX + 1];
	char address[ANK_TEXT_MAX + 1];
	char hours[ANK_TEXT_MAX + 1];
	bool women_only; /* for women only: never offered to a man */
} ank_nearby;

/* [printer]: device "tcp:HOST:PORT" (port 9100) or an absolute device path (/dev/usb/lp0);
 * confirm "pid" (GS ( H) or "status" (GS r 1 after the cut); qr "native" (GS ( k) or
 * "raster"; timeout_ms to confirm a ticket. docs/formats.md and docs/operations.md. */
#define ANK_PRINTER_DEVICE_MAX      200
#define ANK_PRINTER_TIMEOUT_MIN_MS  1000
#define ANK_PRINTER_TIMEOUT_MAX_MS  60000
#define ANK_PRINTER_TIMEOUT_DEFAULT 10000 /* a TM-T20 prints a ticket in about 1 s */
typedef struct ank_printer_config {
	char device[ANK_PRINTER_DEVICE_MAX + 1];
	bool confirm_status; /* false: GS ( H process ID (TM-T88V and later, TM-T20II/III) */
	bool raster_qr;      /* false: the printer draws the QR itself (GS ( k) */
	int timeout_ms;
} ank_printer_config;

typedef struct ank_site_config {
	char site_id[ANK_ID_MAX + 1];
	char name[ANK_TEXT_MAX + 1];
	char timezone[64];
	bool women_only;
	bool routes[ANK_ROUTE_COUNT]; /* routes offered here */
	bool assisted;                /* assisted injection (BEK 972/2016 §6) offered */
	char languages[128];          /* comma-separated codes, first is the default */
	int day_start_min;            /* ticket numbers restart at this local time */
	bool auto_call;               /* call the next ticket when a station frees up */
	int grace_min;                /* a called ticket not started by then is a no-show */
	int warn_min;                 /* session timer turns amber for staff */
	int alarm_min;                /* session timer turns red for staff */
	bool clean_after_session;     /* a station is cleaned before its next call */
	ank_hours hours[7];           /* index 0 = Sunday, as struct tm */
	int n_nearby;
	ank_nearby nearby[ANK_MAX_NEARBY];
	/* Argon2id hash (libsodium crypto_pwhash_str) of the staff PIN of the kiosk's staff
	 * mode; empty disables staff mode on the kiosk. */
	char staff_pin_hash[128];
	int outbox_retention_days;  /* acknowledged outbox rows are deleted this long after */
	int history_retention_days; /* finished tickets and refusals are deleted this long after */
	/* A drug alert shown on every screen while set, from alert_from_ms until alert_until_ms
	 * (0: no bound; [alert] from/until): text per language. The kiosk holds it in advance,
	 * so it appears and goes on time offline too (ank_queue_alert_shown). */
	int64_t alert_from_ms, alert_until_ms;
	int alert_severity; /* ank_alert_severity ([alert] severity, default warning) */
	int n_alerts;
	struct {
		char lang[4];
		char text[ANK_TEXT_MAX + 1];
	} alerts[ANK_MAX_ALERT_LANGS];
	/* [speech]: the rate and volume of every voice, and per language its voice and volume
	 * (at most one entry per UI language). */
	int speech_rate;
	int speech_volume;
	int n_voices;
	ank_speech_voice voices[ANK_MAX_ALERT_LANGS];
	/* [printer] (kiosk/print): the receipt printer; an empty device means none. */
	ank_printer_config printer;
} ank_site_config;

typedef enum ank_station_type {
	ANK_STATION_INJECT,
	ANK_STATION_SMOKE,
	ANK_STATION_FLEX
} ank_station_type;

typedef struct ank_station {
	char id[ANK_ID_MAX + 1];
	char label[ANK_LABEL_MAX + 1];
	ank_station_type type;
	bool women_only;
	bool assisted; /* room for a helper */
	ank_station_state state;
	int64_t ticket_id; /* 0 when none */
	int64_t since_ms;  /* when the current state began */
	int sort;
} ank_station;

/* Where a config is wrong: the field as "SECTION.KEY" of the INI ("site.warn_min",
 * "hours.mon", "station.s1.type", "nearby.h17.name"; just "SECTION" for a section, "" when no
 * field can be named, a syntax error), the INI line (0 for a form, or a rule over the whole
 * file) and the reason without the name and line prefix. */
#define ANK_SITECONF_FIELD_MAX 96
typedef struct ank_siteconf_where {
	char field[ANK_SITECONF_FIELD_MAX];
	int line;
	char reason[256];
} ank_siteconf_where;

const char *ank_station_type_code(ank_station_type t);
int ank_station_type_from_code(const char *s);

/* The values of keys a config leaves out (docs/formats.md). */
void ank_siteconf_defaults(ank_site_config *cfg);
/* "HH:MM-HH:MM" (a close at or before the open runs past midnight), "00:00-24:00" for all
 * day, or "closed", into h. 0, or -1 when v is none of these. */
int ank_siteconf_parse_hours(const char *v, ank_hours *h);
/* One key of [printer] into pc: 0, -1 for a bad value, -2 for an unknown key. */
int ank_siteconf_printer_key(ank_printer_config *pc, const char *k, const char *v);
/* pc as the form and the stored config hold it: {device, confirm, qr, timeout_ms}. A new
 * reference. */
json_t *ank_siteconf_printer_json(const ank_printer_config *pc);
/* The text of h that ank_siteconf_parse_hours reads back the same. */
void ank_siteconf_format_hours(const ank_hours *h, char out[12]);

/* Parses and validates an INI file (format in docs/formats.md). Writes nothing. */
int ank_config_parse_ini(const char *path, ank_site_config *cfg, ank_station *stations,
                         int *n_stations, ank_err *err);
/* The same parser over a NUL-terminated text (central's site.config change); `name`
 * stands for the path in error messages ("NAME:LINE: ..."). Writes nothing. */
int ank_config_parse_ini_text(const char *text, const char *name, ank_site_config *cfg,
                              ank_station *stations, int *n_stations, ank_err *err);
/* ank_config_parse_ini_text that also says where the first error is (where may be NULL). */
int ank_siteconf_parse(const char *text, const char *name, ank_site_config *cfg,
                       ank_station *stations, int *n_stations, ank_err *err,
                       ank_siteconf_where *where);

/* The structured form of a config (docs/api.md "Sites"): an object of sections, "site",
 * "hours", "alert" and "speech" objects of keys, "stations" and "nearby" arrays of objects
 * with an "id", in the order the kiosk shows them. A new reference the caller decrefs;
 * NULL when out of memory. */
json_t *ank_siteconf_to_form(const ank_site_config *cfg, const ank_station *stations, int n);
/* The one writer of the INI: a form (as above; values strings, booleans, integers, arrays
 * of strings, null or "" for a key left out) as INI text, malloc'd (the caller frees it).
 * Checks only what the INI cannot carry (a line break in a text, a bad section id, a value
 * of the wrong JSON type, a line too long); the text is then parsed for the rest. NULL with
 * err and where (may be NULL) set when the form cannot be written. */
char *ank_siteconf_form_to_ini(json_t *form, ank_err *err, ank_siteconf_where *where);
/* A form checked by the parser: form_to_ini, then ank_siteconf_parse, so a form and a file
 * meet the same rules; the INI (malloc'd, the caller frees it) on success, NULL with err and
 * where (line 0: a form has none) set otherwise. cfg and stations (ANK_MAX_STATIONS) are
 * filled on success. */
char *ank_siteconf_form_check(json_t *form, ank_site_config *cfg, ank_station *stations,
                              int *n_stations, ank_err *err, ank_siteconf_where *where);

#endif
