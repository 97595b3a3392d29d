/* The site config's one parser and its checks (INI, read with inih), shared by the kiosk
 * (its file, central's site.config change) and central (the admin API refuses a bad config
 * before sending it), and the structured form the admin page edits with its INI writer. */
#include "ank_siteconf.h"

#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ank_text.h"
#include "ank_time.h"
#include "ank_zone.h"

static const char *const weekdays[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

typedef struct parse_ctx {
	ank_site_config *cfg;
	ank_station *stations;
	int n;
	FILE *fp;         /* the file being read, or NULL when reading `text` */
	const char *text; /* the rest of the text not yet read (text source only) */
	int line;         /* line number of the line inih is working on */
	int error_line;   /* first line with an error we found; 0 when none */
	char error[256];
	char error_field[ANK_SITECONF_FIELD_MAX];        /* its field (ank_siteconf_where) */
	char nearby_ids[ANK_MAX_NEARBY][ANK_ID_MAX + 1]; /* section names, to find a room again */
} parse_ctx;

/* Records the first error only, with its line and field ("SECTION.KEY", "SECTION" or ""):
 * later lines never hide the first. */
__attribute__((format(printf, 3, 4))) static void parse_fail(parse_ctx *c, const char *field,
                                                             const char *fmt, ...)
{
	if (c->error_line)
		return;
	c->error_line = c->line;
	snprintf(c->error_field, sizeof c->error_field, "%s", field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof c->error, fmt, ap);
	va_end(ap);
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* "HH:MM-HH:MM" (a close at or before the open runs past midnight), "00:00-24:00" for
 * all day, or "closed". */
int ank_siteconf_parse_hours(const char *v, ank_hours *h)
{
	if (!strcasecmp(v, "closed")) {
		h->open_min = -1;
		h->close_min = -1;
		return 0;
	}
	if (strlen(v) != 11 || v[5] != '-')
		return -1;
	char a[6], b[6];
	memcpy(a, v, 5);
	a[5] = '\0';
	memcpy(b, v + 6, 5);
	b[5] = '\0';
	int o = ank_hhmm_parse(a), c = ank_hhmm_parse(b);
	if (o < 0 || c < 0 || o >= 1440)
		return -1;
	if (c <= o)
		c += 1440; /* past midnight */
	if (c - o > 1440)
		return -1;
	h->open_min = o;
	h->close_min = c;
	return 0;
}

static int copy_text(char *dst, size_t n, const char *v)
{
	size_t len = strlen(v);
	if (len == 0 || len >= n || !ank_utf8_valid_text(v, len))
		return -1;
	memcpy(dst, v, len + 1);
	return 0;
}

static int parse_languages(const char *v, char *out, size_t n)
{
	/* Comma-separated ISO 639 codes, 2 or 3 lowercase letters each. */
	size_t len = strlen(v), o = 0, run = 0;
	if (len == 0 || len >= n)
		return -1;
	for (size_t i = 0; i <= len; i++) {
		char c = v[i];
		if (c == ' ')
			continue;
		if (c == ',' || c == '\0') {
			if (run < 2 || run > 3)
				return -1;
			run = 0;
			if (c == ',')
				out[o++] = ',';
			continue;
		}
		if (c < 'a' || c > 'z')
			return -1;
		out[o++] = c;
		run++;
	}
	out[o] = '\0';
	return 0;
}

static int minutes_value(const char *v, long max, int *out)
{
	long x;
	if (ank_parse_long(v, 1, max, &x))
		return -1;
	*out = (int)x;
	return 0;
}

static int site_key(parse_ctx *c, const char *k, const char *v)
{
	ank_site_config *cfg = c->cfg;
	if (!strcmp(k, "id")) {
		if (!ank_text_is_slug(v, ANK_ID_MAX))
			return -1;
		memcpy(cfg->site_id, v, strlen(v) + 1);
		return 0;
	}
	if (!strcmp(k, "name")) {
		return copy_text(cfg->name, sizeof cfg->name, v);
	}
	if (!strcmp(k, "timezone")) {
		/* Central counts the site's days and hours in this zone (ICU's data): a name it
		 * does not know would put them in another. */
		if (!ank_zone_known(v))
			return -1;
		return copy_text(cfg->timezone, sizeof cfg->timezone, v);
	}
	if (!strcmp(k, "women_only"))
		return parse_bool(v, &cfg->women_only);
	if (!strcmp(k, "assisted"))
		return parse_bool(v, &cfg->assisted);
	if (!strcmp(k, "auto_call"))
		return parse_bool(v, &cfg->auto_call);
	if (!strcmp(k, "clean_after_session"))
		return parse_bool(v, &cfg->clean_after_session);
	if (!strcmp(k, "staff_pin_hash")) {
		/* Only a libsodium Argon2id string is accepted: a PIN never sits in a file. */
		if (strncmp(v, "$argon2id$", 10) != 0)
			return -1;
		return copy_text(cfg->staff_pin_hash, sizeof cfg->staff_pin_hash, v);
	}
	if (!strcmp(k, "languages"))
		return parse_languages(v, cfg->languages, sizeof cfg->languages);
	if (!strcmp(k, "day_starts")) {
		int m = ank_hhmm_parse(v);
		if (m < 0 || m >= 1440)
			return -1;
		cfg->day_start_min = m;
		return 0;
	}
	if (!strcmp(k, "call_grace_min"))
		return minutes_value(v, 120, &cfg->grace_min);
	if (!strcmp(k, "warn_min"))
		return minutes_value(v, 600, &cfg->warn_min);
	if (!strcmp(k, "alarm_min"))
		return minutes_value(v, 600, &cfg->alarm_min);
	if (!strcmp(k, "outbox_retention_days"))
		return minutes_value(v, ANK_OUTBOX_RETENTION_DAYS_MAX, &cfg->outbox_retention_days);
	if (!strcmp(k, "history_retention_days")) {
		if (minutes_value(v, ANK_HISTORY_RETENTION_DAYS_MAX, &cfg->history_retention_days))
			return -1;
		return cfg->history_retention_days < ANK_HISTORY_RETENTION_DAYS_MIN ? -1 : 0;
	}
	if (!strcmp(k, "routes")) {
		cfg->routes[ANK_ROUTE_INJECT] = cfg->routes[ANK_ROUTE_SMOKE] = false;
		char word[16];
		size_t w = 0, len = strlen(v);
		for (size_t i = 0; i <= len; i++) {
			if (v[i] == ' ')
				continue;
			if (v[i] == ',' || v[i] == '\0') {
				word[w] = '\0';
				int r = ank_route_from_code(word);
				if (r < 0)
					return -1;
				cfg->routes[r] = true;
				w = 0;
				continue;
			}
			if (w + 1 >= sizeof word)
				return -1;
			word[w++] = v[i];
		}
		return 0;
	}
	return -2;
}

static int station_key(parse_ctx *c, ank_station *s, const char *k, const char *v)
{
	(void)c;
	if (!strcmp(k, "label"))
		return copy_text(s->label, sizeof s->label, v);
	if (!strcmp(k, "type")) {
		int t = ank_station_type_from_code(v);
		if (t < 0)
			return -1;
		s->type = (ank_station_type)t;
		return 0;
	}
	if (!strcmp(k, "women_only"))
		return parse_bool(v, &s->women_only);
	if (!strcmp(k, "assisted"))
		return parse_bool(v, &s->assisted);
	return -2;
}

static int nearby_key(ank_nearby *nb, const char *k, const char *v)
{
	if (!strcmp(k, "name"))
		return copy_text(nb->name, sizeof nb->name, v);
	if (!strcmp(k, "address"))
		return copy_text(nb->address, sizeof nb->address, v);
	if (!strcmp(k, "hours"))
		return copy_text(nb->hours, sizeof nb->hours, v);
	if (!strcmp(k, "women_only"))
		return parse_bool(v, &nb->women_only);
	return -2;
}

/* The nearby room of section [nearby.ID], created on first sight; NULL (err set) when
 * there are too many or the id is bad. */
static ank_nearby *nearby_for(parse_ctx *c, const char *id)
{
	ank_site_config *cfg = c->cfg;
	if (!ank_text_is_slug(id, ANK_ID_MAX)) {
		char f[ANK_SITECONF_FIELD_MAX];
		snprintf(f, sizeof f, "nearby.%s", id);
		parse_fail(c, f, "bad nearby room id '%s'", id);
		return NULL;
	}
	for (int i = 0; i < cfg->n_nearby; i++)
		if (!strcmp(c->nearby_ids[i], id))
			return &cfg->nearby[i];
	if (cfg->n_nearby >= ANK_MAX_NEARBY) {
		parse_fail(c, "nearby", "more than %d nearby rooms", ANK_MAX_NEARBY);
		return NULL;
	}
	memcpy(c->nearby_ids[cfg->n_nearby], id, strlen(id) + 1);
	ank_nearby *nb = &cfg->nearby[cfg->n_nearby++];
	memset(nb, 0, sizeof *nb);
	return nb;
}

/* [alert]: one key per language code, the alert text in that language. */
static int alert_key(ank_site_config *cfg, const char *k, const char *v)
{
	/* The time box, in UTC as ISO 8601 ("2026-12-03T17:00:00Z"); checked against each other
	 * once the file is read (config_check). */
	if (!strcmp(k, "severity")) {
		int sev = ank_severity_from_code(v);
		if (sev < 0)
			return -1;
		cfg->alert_severity = sev;
		return 0;
	}
	if (!strcmp(k, "from") || !strcmp(k, "until")) {
		int64_t ms = 0;
		if (ank_iso_parse(v, &ms) || ms <= 0)
			return -1;
		*(k[0] == 'f' ? &cfg->alert_from_ms : &cfg->alert_until_ms) = ms;
		return 0;
	}
	size_t kl = strlen(k);
	if (kl < 2 || kl > 3 || strspn(k, "abcdefghijklmnopqrstuvwxyz") != kl)
		return -2;
	if (cfg->n_alerts >= ANK_MAX_ALERT_LANGS)
		return -1;
	snprintf(cfg->alerts[cfg->n_alerts].lang, sizeof cfg->alerts[0].lang, "%s", k);
	if (copy_text(cfg->alerts[cfg->n_alerts].text, sizeof cfg->alerts[0].text, v))
		return -1;
	cfg->n_alerts++;
	return 0;
}

/* [printer]: device, confirm, qr, timeout_ms. A device is "tcp:HOST:PORT" or an absolute
 * path, printable ASCII without spaces; an empty device means no printer. */
int ank_siteconf_printer_key(ank_printer_config *pc, const char *k, const char *v)
{
	if (!strcmp(k, "device")) {
		size_t n = strlen(v);
		bool ok = n <= ANK_PRINTER_DEVICE_MAX &&
		          (n == 0 || v[0] == '/' || !strncmp(v, "tcp:", 4));
		for (size_t i = 0; ok && i < n; i++)
			ok = v[i] > ' ' && v[i] < 0x7f;
		if (!ok)
			return -1;
		memcpy(pc->device, v, n + 1);
		return 0;
	}
	if (!strcmp(k, "confirm")) {
		if (strcmp(v, "pid") && strcmp(v, "status"))
			return -1;
		pc->confirm_status = !strcmp(v, "status");
		return 0;
	}
	if (!strcmp(k, "qr")) {
		if (strcmp(v, "native") && strcmp(v, "raster"))
			return -1;
		pc->raster_qr = !strcmp(v, "raster");
		return 0;
	}
	if (!strcmp(k, "timeout_ms")) {
		long x;
		if (ank_parse_long(v, ANK_PRINTER_TIMEOUT_MIN_MS, ANK_PRINTER_TIMEOUT_MAX_MS, &x))
			return -1;
		pc->timeout_ms = (int)x;
		return 0;
	}
	return -2;
}

json_t *ank_siteconf_printer_json(const ank_printer_config *pc)
{
	return json_pack("{s:s, s:s, s:s, s:i}", "device", pc->device, "confirm",
	                 pc->confirm_status ? "status" : "pid", "qr",
	                 pc->raster_qr ? "raster" : "native", "timeout_ms", pc->timeout_ms);
}

/* The entry of a language in [speech], made on first sight; NULL when the code is not a
 * language code (-2: unknown key) or there are too many (-1). */
static ank_speech_voice *speech_voice(ank_site_config *cfg, const char *lang, int *rc)
{
	size_t n = strlen(lang);
	*rc = -2;
	if (n < 2 || n > 3 || strspn(lang, "abcdefghijklmnopqrstuvwxyz") != n)
		return NULL;
	for (int i = 0; i < cfg->n_voices; i++)
		if (!strcmp(cfg->voices[i].lang, lang))
			return &cfg->voices[i];
	*rc = -1;
	if (cfg->n_voices >= ANK_MAX_ALERT_LANGS)
		return NULL;
	ank_speech_voice *v = &cfg->voices[cfg->n_voices++];
	memset(v, 0, sizeof *v);
	snprintf(v->lang, sizeof v->lang, "%s", lang);
	v->volume = -1;
	return v;
}

/* [speech]: rate, volume, and per language voice.LANG (an espeak-ng voice name: letters,
 * digits and "-_/+") and volume.LANG. */
static int speech_key(ank_site_config *cfg, const char *k, const char *v)
{
	long x;
	if (!strcmp(k, "rate")) {
		if (ank_parse_long(v, ANK_SPEECH_RATE_MIN, ANK_SPEECH_RATE_MAX, &x))
			return -1;
		cfg->speech_rate = (int)x;
		return 0;
	}
	if (!strcmp(k, "volume")) {
		if (ank_parse_long(v, 0, ANK_SPEECH_VOL_MAX, &x))
			return -1;
		cfg->speech_volume = (int)x;
		return 0;
	}
	int rc;
	if (!strncmp(k, "voice.", 6)) {
		ank_speech_voice *sv = speech_voice(cfg, k + 6, &rc);
		if (!sv)
			return rc;
		size_t n = strlen(v);
		if (n == 0 || n > ANK_SPEECH_VOICE_MAX ||
		    strspn(v,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/+") !=
		            n)
			return -1;
		memcpy(sv->voice, v, n + 1);
		return 0;
	}
	if (!strncmp(k, "volume.", 7)) {
		ank_speech_voice *sv = speech_voice(cfg, k + 7, &rc);
		if (!sv)
			return rc;
		if (ank_parse_long(v, 0, ANK_SPEECH_VOL_MAX, &x))
			return -1;
		sv->volume = (int)x;
		return 0;
	}
	return -2;
}

/* The station of section [station.ID], created with defaults on first sight (so a
 * section with no keys is a station too); NULL (error recorded) for a bad id. */
static ank_station *station_for(parse_ctx *c, const char *id)
{
	if (!ank_text_is_slug(id, ANK_ID_MAX)) {
		char f[ANK_SITECONF_FIELD_MAX];
		snprintf(f, sizeof f, "station.%s", id);
		parse_fail(c, f, "bad station id '%s' (letters, digits, - and _)", id);
		return NULL;
	}
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->stations[i].id, id))
			return &c->stations[i];
	if (c->n >= ANK_MAX_STATIONS) {
		parse_fail(c, "station", "more than %d stations", ANK_MAX_STATIONS);
		return NULL;
	}
	ank_station *s = &c->stations[c->n];
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", id);
	snprintf(s->label, sizeof s->label, "%s", id);
	s->type = ANK_STATION_INJECT;
	s->assisted = true;
	s->sort = c->n++;
	return s;
}

/* A section header: known names only; stations and nearby rooms are created here. */
static void on_section(parse_ctx *c, const char *name)
{
	if (!strcmp(name, "site") || !strcmp(name, "hours") || !strcmp(name, "alert") ||
	    !strcmp(name, "speech") || !strcmp(name, "printer"))
		return;
	if (!strncmp(name, "station.", 8))
		station_for(c, name + 8);
	else if (!strncmp(name, "nearby.", 7))
		nearby_for(c, name + 7);
	else
		parse_fail(c, name, "unknown section [%s]", name);
}

/* Like fgets on the config's source, file or text: the next line, its '\n' kept, cut at
 * size - 1 bytes; NULL at the end. */
static char *source_gets(parse_ctx *c, char *buf, int size)
{
	if (c->fp)
		return fgets(buf, size, c->fp);
	if (!*c->text)
		return NULL;
	const char *nl = strchr(c->text, '\n');
	size_t len = nl ? (size_t)(nl - c->text) + 1 : strlen(c->text);
	if (len > (size_t)size - 1)
		len = (size_t)size - 1;
	memcpy(buf, c->text, len);
	buf[len] = '\0';
	c->text += len;
	return buf;
}

static bool source_at_end(parse_ctx *c)
{
	return c->fp ? feof(c->fp) != 0 : *c->text == '\0';
}

/* inih's line reader, wrapped to count lines, refuse over-long ones and see section
 * headers (inih itself only reports keys, so an empty section would pass unseen). Files
 * and texts (central's site.config) both come through here, so they parse the same. */
static char *read_line(char *buf, int size, void *user)
{
	parse_ctx *c = user;
	if (!source_gets(c, buf, size))
		return NULL;
	c->line++;
	size_t len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' && !source_at_end(c)) {
		parse_fail(c, "", "line longer than %d bytes", ANK_SITECONF_LINE_MAX);
		return NULL; /* stop: the rest of the line would be misread as a new line */
	}
	const char *p = buf;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '[') {
		const char *end = strchr(p, ']');
		if (end) {
			char name[ANK_ID_MAX + 16];
			snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
			on_section(c, name);
		}
	}
	return buf;
}

/* inih calls this for every key; returning 0 marks the line as an error. */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
	parse_ctx *c = user;
	int rc = -2;
	if (!strcmp(section, "site")) {
		rc = site_key(c, key, value);
	} else if (!strcmp(section, "hours")) {
		for (int d = 0; d < 7; d++)
			if (!strcmp(key, weekdays[d]))
				rc = ank_siteconf_parse_hours(value, &c->cfg->hours[d]);
	} else if (!strcmp(section, "alert")) {
		rc = alert_key(c->cfg, key, value);
	} else if (!strcmp(section, "speech")) {
		rc = speech_key(c->cfg, key, value);
	} else if (!strcmp(section, "printer")) {
		rc = ank_siteconf_printer_key(&c->cfg->printer, key, value);
	} else if (!strncmp(section, "station.", 8)) {
		ank_station *s = station_for(c, section + 8);
		if (!s)
			return 0;
		rc = station_key(c, s, key, value);
	} else if (!strncmp(section, "nearby.", 7)) {
		ank_nearby *nb = nearby_for(c, section + 7);
		if (!nb)
			return 0;
		rc = nearby_key(nb, key, value);
	} else {
		parse_fail(c, section, "unknown section [%s]", section);
		return 0;
	}
	char f[ANK_SITECONF_FIELD_MAX];
	snprintf(f, sizeof f, "%s.%s", section, key);
	if (rc == -2)
		parse_fail(c, f, "unknown key '%s' in [%s]", key, section);
	else if (rc == -1)
		parse_fail(c, f, "bad value for '%s' in [%s]: '%.60s'", key, section, value);
	return rc == 0;
}

/* Defaults for keys a config may leave out; documented in docs/formats.md. */
void ank_siteconf_defaults(ank_site_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->timezone, sizeof cfg->timezone, "%s", ANK_ZONE_DEFAULT);
	cfg->routes[ANK_ROUTE_INJECT] = cfg->routes[ANK_ROUTE_SMOKE] = true;
	snprintf(cfg->languages, sizeof cfg->languages, "da,en");
	cfg->day_start_min = 5 * 60;
	cfg->auto_call = true;
	cfg->grace_min = 5;
	cfg->warn_min = 20;
	cfg->alarm_min = 30;
	cfg->clean_after_session = true;
	cfg->outbox_retention_days = ANK_OUTBOX_RETENTION_DAYS_DEFAULT;
	cfg->history_retention_days = ANK_HISTORY_RETENTION_DAYS_DEFAULT;
	cfg->speech_rate = ANK_SPEECH_RATE_DEFAULT;
	cfg->speech_volume = ANK_SPEECH_VOL_DEFAULT;
	cfg->printer.timeout_ms = ANK_PRINTER_TIMEOUT_DEFAULT;
	for (int d = 0; d < 7; d++)
		cfg->hours[d].open_min = cfg->hours[d].close_min = -1;
}

/* A rule over the whole file broken: the reason, with its field, into c (line 0). */
__attribute__((format(printf, 3, 4))) static int check_fail(parse_ctx *c, const char *field,
                                                            const char *fmt, ...)
{
	snprintf(c->error_field, sizeof c->error_field, "%s", field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof c->error, fmt, ap);
	va_end(ap);
	return -1;
}

/* Checks that need the whole file: required keys, stations that fit the routes. 0, or -1
 * with the reason and field in c. */
static int config_check(parse_ctx *c)
{
	const ank_site_config *cfg = c->cfg;
	const ank_station *st = c->stations;
	char f[ANK_SITECONF_FIELD_MAX];
	if (!cfg->site_id[0])
		return check_fail(c, "site.id", "[site] id is missing");
	if (!cfg->name[0])
		return check_fail(c, "site.name", "[site] name is missing");
	if (!cfg->routes[ANK_ROUTE_INJECT] && !cfg->routes[ANK_ROUTE_SMOKE])
		return check_fail(c, "site.routes", "[site] routes is empty");
	if (cfg->alarm_min <= cfg->warn_min)
		return check_fail(c, "site.alarm_min", "[site] alarm_min must be above warn_min");
	if (c->n == 0)
		return check_fail(c, "station",
		                  "no [station.ID] section: a site needs at least one station");
	for (int i = 0; i < c->n; i++) {
		snprintf(f, sizeof f, "station.%s.type", st[i].id);
		if (st[i].type == ANK_STATION_INJECT && !cfg->routes[ANK_ROUTE_INJECT])
			return check_fail(c, f,
			                  "station %s injects but the site offers no injection",
			                  st[i].id);
		if (st[i].type == ANK_STATION_SMOKE && !cfg->routes[ANK_ROUTE_SMOKE])
			return check_fail(c, f,
			                  "station %s is for smoking but the site offers none",
			                  st[i].id);
	}
	for (int i = 0; i < cfg->n_nearby; i++)
		if (!cfg->nearby[i].name[0] || !cfg->nearby[i].address[0]) {
			snprintf(f, sizeof f, "nearby.%s.%s", c->nearby_ids[i],
			         cfg->nearby[i].name[0] ? "address" : "name");
			return check_fail(c, f, "nearby room %d needs name and address", i + 1);
		}
	if (cfg->alert_from_ms && cfg->alert_until_ms && cfg->alert_until_ms <= cfg->alert_from_ms)
		return check_fail(c, "alert.until", "[alert] until must be after from");
	if ((cfg->alert_from_ms || cfg->alert_until_ms) && cfg->n_alerts == 0)
		return check_fail(c, "alert", "[alert] has from/until but no text in any language");
	return 0;
}

static void where_set(ank_siteconf_where *where, const char *field, int line, const char *reason)
{
	if (!where)
		return;
	snprintf(where->field, sizeof where->field, "%s", field);
	where->line = line;
	snprintf(where->reason, sizeof where->reason, "%s", reason);
}

/* The one parser behind every entry point: c->fp or c->text is the source, `name` (a
 * path or a label) starts every message. */
static int parse_source(parse_ctx *c, const char *name, ank_site_config *cfg, ank_station *stations,
                        int *n_stations, ank_err *err, ank_siteconf_where *where)
{
	c->cfg = cfg;
	c->stations = stations;
	int rc = ini_parse_stream(read_line, c, on_key, c);
	if (rc == -2) {
		where_set(where, "", 0, "out of memory");
		return ank_err_set(err, "%s: out of memory", name);
	}
	/* inih gives the first line it disliked; ours may come later (then the first is a
	 * syntax error inih found on its own) or be the only one (a header or long line). */
	if (rc > 0 && (c->error_line == 0 || rc < c->error_line)) {
		where_set(where, "", rc, "syntax error (expected [section] or key = value)");
		return ank_err_set(err, "%s:%d: syntax error (expected [section] or key = value)",
		                   name, rc);
	}
	if (c->error_line) {
		where_set(where, c->error_field, c->error_line, c->error);
		return ank_err_set(err, "%s:%d: %s", name, c->error_line, c->error);
	}
	if (config_check(c)) {
		where_set(where, c->error_field, 0, c->error);
		return ank_err_set(err, "%s: %s", name, c->error);
	}
	*n_stations = c->n;
	return 0;
}

int ank_config_parse_ini(const char *path, ank_site_config *cfg, ank_station *stations,
                         int *n_stations, ank_err *err)
{
	parse_ctx c = {0};
	ank_siteconf_defaults(cfg);
	*n_stations = 0;
	c.fp = fopen(path, "r");
	if (!c.fp)
		return ank_err_set(err, "%s: cannot open", path);
	int rc = parse_source(&c, path, cfg, stations, n_stations, err, NULL);
	fclose(c.fp);
	return rc;
}

int ank_siteconf_parse(const char *text, const char *name, ank_site_config *cfg,
                       ank_station *stations, int *n_stations, ank_err *err,
                       ank_siteconf_where *where)
{
	parse_ctx c = {.text = text};
	ank_siteconf_defaults(cfg);
	*n_stations = 0;
	return parse_source(&c, name, cfg, stations, n_stations, err, where);
}

int ank_config_parse_ini_text(const char *text, const char *name, ank_site_config *cfg,
                              ank_station *stations, int *n_stations, ank_err *err)
{
	return ank_siteconf_parse(text, name, cfg, stations, n_stations, err, NULL);
}

/* ---- station types and hours as text ---- */

static const char *const station_types[] = {"inject", "smoke", "flex"};

const char *ank_station_type_code(ank_station_type t)
{
	return station_types[t];
}

int ank_station_type_from_code(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(station_types[i], s))
			return i;
	return -1;
}

void ank_siteconf_format_hours(const ank_hours *h, char out[12])
{
	if (h->open_min < 0) {
		snprintf(out, 12, "closed");
		return;
	}
	char o[6], c[6];
	ank_hhmm_format(h->open_min, o);
	/* All day is the one span whose close reads as its own open: say 24:00. */
	if (h->open_min == 0 && h->close_min == 1440)
		snprintf(c, sizeof c, "24:00");
	else
		ank_hhmm_format(h->close_min, c);
	snprintf(out, 12, "%s-%s", o, c);
}

/* ---- the structured form (the admin page's) and its one INI writer ---- */

/* The weekdays in the form's order, Monday first as a Danish week is read. */
static const int form_days[7] = {1, 2, 3, 4, 5, 6, 0};

static json_t *languages_array(const char *langs)
{
	json_t *a = json_array();
	const char *p = langs;
	while (a && *p) {
		size_t n = strcspn(p, ",");
		json_array_append_new(a, json_stringn(p, n));
		p += n;
		if (*p == ',')
			p++;
	}
	return a;
}

json_t *ank_siteconf_to_form(const ank_site_config *cfg, const ank_station *stations, int n)
{
	char hhmm[6];
	ank_hhmm_format(cfg->day_start_min, hhmm);
	json_t *routes = json_array();
	for (int r = 0; r < ANK_ROUTE_COUNT; r++)
		if (cfg->routes[r])
			json_array_append_new(routes, json_string(ank_route_code((ank_route)r)));
	json_t *site = json_pack(
	        "{s:s, s:s, s:s, s:o, s:b, s:b, s:o, s:s, s:b, s:i, s:i, s:i, s:b, s:i, s:i}", "id",
	        cfg->site_id, "name", cfg->name, "timezone", cfg->timezone, "routes", routes,
	        "women_only", cfg->women_only, "assisted", cfg->assisted, "languages",
	        languages_array(cfg->languages), "day_starts", hhmm, "auto_call", cfg->auto_call,
	        "call_grace_min", cfg->grace_min, "warn_min", cfg->warn_min, "alarm_min",
	        cfg->alarm_min, "clean_after_session", cfg->clean_after_session,
	        "outbox_retention_days", cfg->outbox_retention_days, "history_retention_days",
	        cfg->history_retention_days);
	if (site && cfg->staff_pin_hash[0])
		json_object_set_new(site, "staff_pin_hash", json_string(cfg->staff_pin_hash));
	json_t *hours = json_object();
	for (int i = 0; i < 7; i++) {
		char text[12];
		ank_siteconf_format_hours(&cfg->hours[form_days[i]], text);
		json_object_set_new(hours, weekdays[form_days[i]], json_string(text));
	}
	json_t *st = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(st, json_pack("{s:s, s:s, s:s, s:b, s:b}", "id",
		                                    stations[i].id, "label", stations[i].label,
		                                    "type", ank_station_type_code(stations[i].type),
		                                    "women_only", stations[i].women_only,
		                                    "assisted", stations[i].assisted));
	/* The rooms' section ids are not kept in the config: they only tell sections apart. */
	json_t *nearby = json_array();
	for (int i = 0; i < cfg->n_nearby; i++) {
		char id[16];
		snprintf(id, sizeof id, "room%d", i + 1);
		const ank_nearby *nb = &cfg->nearby[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "id", id, "name", nb->name, "address",
		                      nb->address, "women_only", nb->women_only);
		if (o && nb->hours[0])
			json_object_set_new(o, "hours", json_string(nb->hours));
		json_array_append_new(nearby, o);
	}
	json_t *form = json_pack("{s:o, s:o, s:o, s:o}", "site", site, "hours", hours, "stations",
	                         st, "nearby", nearby);
	if (form && (cfg->n_alerts || cfg->alert_from_ms || cfg->alert_until_ms)) {
		json_t *alert =
		        json_pack("{s:s}", "severity",
		                  ank_severity_code((ank_alert_severity)cfg->alert_severity));
		const int64_t at[2] = {cfg->alert_from_ms, cfg->alert_until_ms};
		const char *keys[2] = {"from", "until"};
		for (int i = 0; alert && i < 2; i++) {
			char iso[32];
			ank_iso_format(at[i], iso, sizeof iso);
			if (at[i])
				json_object_set_new(alert, keys[i], json_string(iso));
		}
		for (int i = 0; alert && i < cfg->n_alerts; i++)
			json_object_set_new(alert, cfg->alerts[i].lang,
			                    json_string(cfg->alerts[i].text));
		json_object_set_new(form, "alert", alert);
	}
	json_t *speech = form ? json_pack("{s:i, s:i}", "rate", cfg->speech_rate, "volume",
	                                  cfg->speech_volume)
	                      : NULL;
	for (int i = 0; speech && i < cfg->n_voices; i++) {
		char key[24];
		const ank_speech_voice *v = &cfg->voices[i];
		if (v->voice[0]) {
			snprintf(key, sizeof key, "voice.%s", v->lang);
			json_object_set_new(speech, key, json_string(v->voice));
		}
		if (v->volume >= 0) {
			snprintf(key, sizeof key, "volume.%s", v->lang);
			json_object_set_new(speech, key, json_integer(v->volume));
		}
	}
	if (speech)
		json_object_set_new(form, "speech", speech);
	/* The printer as it is: the page does not show it, and keeps it. */
	if (form && cfg->printer.device[0])
		json_object_set_new(form, "printer", ank_siteconf_printer_json(&cfg->printer));
	return form;
}

/* The form's writer: the text so far and the first error. */
typedef struct ini_writer {
	ank_buf out;
	ank_err *err;
	ank_siteconf_where *where;
	bool failed;
} ini_writer;

__attribute__((format(printf, 3, 4))) static int write_fail(ini_writer *w, const char *field,
                                                            const char *fmt, ...)
{
	if (w->failed)
		return -1;
	w->failed = true;
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	where_set(w->where, field, 0, reason);
	ank_err_set(w->err, "%s: %s", field, reason);
	return -1;
}

/* A text the INI carries unchanged: one line of valid text, no space at either end (inih
 * strips it) and no " ;" (inih would take the rest for a comment). */
static bool ini_safe(const char *s, size_t n)
{
	if (n == 0 || !ank_utf8_valid_text(s, n) || strlen(s) != n)
		return false;
	if (s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] == ';' && s[i - 1] == ' ')
			return false;
	return true;
}

/* A key of a section: lowercase letters, digits, '.', '_' ("voice.da"). */
static bool key_ok(const char *k)
{
	size_t n = strlen(k);
	return n > 0 && n < 48 && strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789._") == n;
}

/* One "key = value" line; a null or empty value writes nothing (the key's default). */
static int write_key(ini_writer *w, const char *section, const char *key, json_t *v)
{
	char field[ANK_SITECONF_FIELD_MAX];
	snprintf(field, sizeof field, "%s.%s", section, key);
	if (!key_ok(key))
		return write_fail(w, field, "unknown key");
	char text[ANK_SITECONF_LINE_MAX + 1];
	if (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return 0;
	if (json_is_string(v)) {
		if (!ini_safe(json_string_value(v), json_string_length(v)))
			return write_fail(w, field,
			                  "must be one line of text without controls, spaces at the"
			                  " ends or \" ;\"");
		snprintf(text, sizeof text, "%s", json_string_value(v));
		if (json_string_length(v) >= sizeof text)
			return write_fail(w, field, "longer than %d bytes", ANK_SITECONF_LINE_MAX);
	} else if (json_is_boolean(v)) {
		snprintf(text, sizeof text, "%s", json_is_true(v) ? "true" : "false");
	} else if (json_is_integer(v)) {
		snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		size_t i, o = 0;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			const char *s = json_string_value(e);
			size_t n = s ? json_string_length(e) : 0;
			if (!s || !ini_safe(s, n) || strchr(s, ','))
				return write_fail(w, field, "item %zu must be a text without ','",
				                  i + 1);
			if (o + n + 2 > sizeof text)
				return write_fail(w, field, "longer than %d bytes",
				                  ANK_SITECONF_LINE_MAX);
			if (o)
				text[o++] = ',';
			memcpy(text + o, s, n);
			o += n;
			text[o] = '\0';
		}
	} else {
		return write_fail(w, field,
		                  "must be a text, true or false, a whole number or a list");
	}
	if (strlen(key) + 3 + strlen(text) > ANK_SITECONF_LINE_MAX)
		return write_fail(w, field, "makes a line longer than %d bytes",
		                  ANK_SITECONF_LINE_MAX);
	if (ank_buf_printf(&w->out, "%s = %s\n", key, text))
		return write_fail(w, field, "the config is longer than %d bytes",
		                  ANK_SITECONF_TEXT_MAX);
	return 0;
}

/* [name] and its keys from an object; `skip` (or NULL) is a member that is not a key. */
static int write_section(ini_writer *w, const char *name, json_t *o, const char *skip)
{
	if (!json_is_object(o))
		return write_fail(w, name, "must be an object of keys");
	if (ank_buf_printf(&w->out, "\n[%s]\n", name))
		return write_fail(w, name, "the config is longer than %d bytes",
		                  ANK_SITECONF_TEXT_MAX);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		if (skip && !strcmp(key, skip))
			continue;
		if (write_key(w, name, key, v))
			return -1;
	}
	return 0;
}

/* "stations" or "nearby": objects with an id each, as [PREFIX.ID] sections in order. */
static int write_list(ini_writer *w, const char *prefix, json_t *a, int max)
{
	if (!json_is_array(a) || (int)json_array_size(a) > max)
		return write_fail(w, prefix, "must be a list of at most %d objects with an id",
		                  max);
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!json_is_object(o) || !id || !ank_text_is_slug(id, ANK_ID_MAX))
			return write_fail(w, prefix,
			                  "entry %zu needs an id of 1-%d letters, digits, - and _",
			                  i + 1, ANK_ID_MAX);
		char name[ANK_ID_MAX + 16];
		snprintf(name, sizeof name, "%s.%s", prefix, id);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(id, json_string_value(
			                        json_object_get(json_array_get(a, k), "id")))) {
				char f[ANK_SITECONF_FIELD_MAX];
				snprintf(f, sizeof f, "%s.id", name);
				return write_fail(w, f, "id %s is used twice", id);
			}
		if (write_section(w, name, o, "id"))
			return -1;
	}
	return 0;
}

char *ank_siteconf_form_to_ini(json_t *form, ank_err *err, ank_siteconf_where *where)
{
	ini_writer w = {.err = err, .where = where};
	ank_buf_init(&w.out, ANK_SITECONF_TEXT_MAX);
	if (!json_is_object(form)) {
		write_fail(&w, "", "the form must be an object of sections");
		goto fail;
	}
	static const char *const known[] = {"site",  "hours",  "stations", "nearby",
	                                    "alert", "speech", "printer"};
	const char *key;
	json_t *v;
	json_object_foreach(form, key, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof known / sizeof known[0] && !ok; i++)
			ok = !strcmp(key, known[i]);
		if (!ok) {
			write_fail(&w, key, "unknown section");
			goto fail;
		}
	}
	ank_buf_puts(&w.out, "; written by ankomst-central from the admin page's form\n");
	/* [site] first, then the rest in the order docs/formats.md describes them. */
	static const char *const objects[] = {"site", "hours"};
	for (int i = 0; i < 2; i++)
		if (json_object_get(form, objects[i]) &&
		    write_section(&w, objects[i], json_object_get(form, objects[i]), NULL))
			goto fail;
	if (json_object_get(form, "stations") &&
	    write_list(&w, "station", json_object_get(form, "stations"), ANK_MAX_STATIONS))
		goto fail;
	if (json_object_get(form, "nearby") &&
	    write_list(&w, "nearby", json_object_get(form, "nearby"), ANK_MAX_NEARBY))
		goto fail;
	static const char *const last[] = {"alert", "speech", "printer"};
	for (int i = 0; i < 3; i++)
		if (json_object_get(form, last[i]) &&
		    write_section(&w, last[i], json_object_get(form, last[i]), NULL))
			goto fail;
	/* Ownership of the text passes to the caller. */
	char *text = w.out.data ? w.out.data : strdup("");
	if (!text)
		ank_err_set(err, "out of memory");
	return text;
fail:
	ank_buf_free(&w.out);
	return NULL;
}

char *ank_siteconf_form_check(json_t *form, ank_site_config *cfg, ank_station *stations,
                              int *n_stations, ank_err *err, ank_siteconf_where *where)
{
	char *ini = ank_siteconf_form_to_ini(form, err, where);
	if (!ini)
		return NULL;
	ank_err perr;
	ank_siteconf_where pw;
	if (ank_siteconf_parse(ini, "form", cfg, stations, n_stations, &perr, &pw)) {
		/* The lines are the writer's, not the person's: the field says where. */
		pw.line = 0;
		if (where)
			*where = pw;
		if (pw.field[0])
			ank_err_set(err, "%s: %s", pw.field, pw.reason);
		else
			ank_err_set(err, "%s", pw.reason);
		free(ini);
		return NULL;
	}
	return ini;
}
