/* Site config: the INI file format (parsed with inih), its JSON form kept in site.db,
 * and applying a new config together with its stations in one transaction. */
#include "store_int.h"

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

/* inih's Debian build reads lines of at most this many bytes (INI_MAX_LINE 200, with
 * the NUL); a longer line is refused with its own message rather than misread. */
#define INI_LINE_MAX 199

typedef struct parse_ctx {
	ank_site_config *cfg;
	ank_station *stations;
	int n;
	FILE *fp;         /* the file being read, or NULL when reading `text` */
	const char *text; /* the rest of the text not yet read (text source only) */
	int line;         /* line number of the line inih is working on */
	int error_line;   /* first line with an error we found; 0 when none */
	char error[256];
	char nearby_ids[ANK_MAX_NEARBY][ANK_ID_MAX + 1]; /* section names, to find a room again */
} parse_ctx;

/* Records the first error only, with its line: later lines never hide the first. */
__attribute__((format(printf, 2, 3))) static void parse_fail(parse_ctx *c, const char *fmt, ...)
{
	if (c->error_line)
		return;
	c->error_line = c->line;
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
static int parse_hours(const char *v, ank_hours *h)
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
		parse_fail(c, "bad nearby room id '%s'", id);
		return NULL;
	}
	for (int i = 0; i < cfg->n_nearby; i++)
		if (!strcmp(c->nearby_ids[i], id))
			return &cfg->nearby[i];
	if (cfg->n_nearby >= ANK_MAX_NEARBY) {
		parse_fail(c, "more than %d nearby rooms", ANK_MAX_NEARBY);
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
		parse_fail(c, "bad station id '%s' (letters, digits, - and _)", id);
		return NULL;
	}
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->stations[i].id, id))
			return &c->stations[i];
	if (c->n >= ANK_MAX_STATIONS) {
		parse_fail(c, "more than %d stations", ANK_MAX_STATIONS);
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

/* [printer]: device, confirm, qr, timeout_ms (store.h). A device is "tcp:HOST:PORT" or an
 * absolute path, printable ASCII without spaces. */
static int printer_key(ank_printer_config *pc, const char *k, const char *v)
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

static json_t *printer_to_json(const ank_printer_config *pc)
{
	return json_pack("{s:s, s:s, s:s, s:i}", "device", pc->device, "confirm",
	                 pc->confirm_status ? "status" : "pid", "qr",
	                 pc->raster_qr ? "raster" : "native", "timeout_ms", pc->timeout_ms);
}

/* "printer" of a stored config; absent (stored before it existed) reads as no printer. */
static void printer_from_json(json_t *o, ank_printer_config *pc)
{
	json_t *v;
	const char *k;
	json_object_foreach(o, k, v)
	{
		char num[24];
		const char *s = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			s = num;
		}
		if (s)
			printer_key(pc, k, s);
	}
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
		parse_fail(c, "unknown section [%s]", name);
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
		parse_fail(c, "line longer than %d bytes", INI_LINE_MAX);
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
				rc = parse_hours(value, &c->cfg->hours[d]);
	} else if (!strcmp(section, "alert")) {
		rc = alert_key(c->cfg, key, value);
	} else if (!strcmp(section, "speech")) {
		rc = speech_key(c->cfg, key, value);
	} else if (!strcmp(section, "printer")) {
		rc = printer_key(&c->cfg->printer, key, value);
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
		parse_fail(c, "unknown section [%s]", section);
		return 0;
	}
	if (rc == -2)
		parse_fail(c, "unknown key '%s' in [%s]", key, section);
	else if (rc == -1)
		parse_fail(c, "bad value for '%s' in [%s]: '%.60s'", key, section, value);
	return rc == 0;
}

/* Defaults for keys a config may leave out; documented in docs/formats.md. */
static void config_defaults(ank_site_config *cfg)
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

/* Checks that need the whole file: required keys, stations that fit the routes. */
static int config_check(const ank_site_config *cfg, const ank_station *st, int n, ank_err *err)
{
	if (!cfg->site_id[0])
		return ank_err_set(err, "[site] id is missing");
	if (!cfg->name[0])
		return ank_err_set(err, "[site] name is missing");
	if (!cfg->routes[ANK_ROUTE_INJECT] && !cfg->routes[ANK_ROUTE_SMOKE])
		return ank_err_set(err, "[site] routes is empty");
	if (cfg->alarm_min <= cfg->warn_min)
		return ank_err_set(err, "[site] alarm_min must be above warn_min");
	if (n == 0)
		return ank_err_set(err,
		                   "no [station.ID] section: a site needs at least one station");
	for (int i = 0; i < n; i++) {
		if (st[i].type == ANK_STATION_INJECT && !cfg->routes[ANK_ROUTE_INJECT])
			return ank_err_set(err,
			                   "station %s injects but the site offers no injection",
			                   st[i].id);
		if (st[i].type == ANK_STATION_SMOKE && !cfg->routes[ANK_ROUTE_SMOKE])
			return ank_err_set(err,
			                   "station %s is for smoking but the site offers none",
			                   st[i].id);
	}
	for (int i = 0; i < cfg->n_nearby; i++)
		if (!cfg->nearby[i].name[0] || !cfg->nearby[i].address[0])
			return ank_err_set(err, "nearby room %d needs name and address", i + 1);
	if (cfg->alert_from_ms && cfg->alert_until_ms && cfg->alert_until_ms <= cfg->alert_from_ms)
		return ank_err_set(err, "[alert] until must be after from");
	if ((cfg->alert_from_ms || cfg->alert_until_ms) && cfg->n_alerts == 0)
		return ank_err_set(err, "[alert] has from/until but no text in any language");
	return 0;
}

/* The one parser behind both entry points: c->fp or c->text is the source, `name` (a
 * path or a label) starts every message. */
static int parse_source(parse_ctx *c, const char *name, ank_site_config *cfg, ank_station *stations,
                        int *n_stations, ank_err *err)
{
	c->cfg = cfg;
	c->stations = stations;
	int rc = ini_parse_stream(read_line, c, on_key, c);
	if (rc == -2)
		return ank_err_set(err, "%s: out of memory", name);
	/* inih gives the first line it disliked; ours may come later (then the first is a
	 * syntax error inih found on its own) or be the only one (a header or long line). */
	if (rc > 0 && (c->error_line == 0 || rc < c->error_line))
		return ank_err_set(err, "%s:%d: syntax error (expected [section] or key = value)",
		                   name, rc);
	if (c->error_line)
		return ank_err_set(err, "%s:%d: %s", name, c->error_line, c->error);
	ank_err check;
	if (config_check(cfg, stations, c->n, &check))
		return ank_err_set(err, "%s: %s", name, check.msg);
	*n_stations = c->n;
	return 0;
}

int ank_config_parse_ini(const char *path, ank_site_config *cfg, ank_station *stations,
                         int *n_stations, ank_err *err)
{
	parse_ctx c = {0};
	config_defaults(cfg);
	*n_stations = 0;
	c.fp = fopen(path, "r");
	if (!c.fp)
		return ank_err_set(err, "%s: cannot open", path);
	int rc = parse_source(&c, path, cfg, stations, n_stations, err);
	fclose(c.fp);
	return rc;
}

int ank_config_parse_ini_text(const char *text, const char *name, ank_site_config *cfg,
                              ank_station *stations, int *n_stations, ank_err *err)
{
	parse_ctx c = {.text = text};
	config_defaults(cfg);
	*n_stations = 0;
	return parse_source(&c, name, cfg, stations, n_stations, err);
}

/* ---- JSON form, stored in site.config and later sent by central ---- */

static json_t *config_to_json(const ank_site_config *cfg)
{
	json_t *hours = json_object();
	for (int d = 0; d < 7; d++) {
		char o[6], c[6], both[12];
		if (cfg->hours[d].open_min < 0) {
			json_object_set_new(hours, weekdays[d], json_string("closed"));
			continue;
		}
		ank_hhmm_format(cfg->hours[d].open_min, o);
		if (cfg->hours[d].close_min == cfg->hours[d].open_min + 1440 &&
		    cfg->hours[d].open_min == 0)
			snprintf(c, sizeof c, "24:00");
		else
			ank_hhmm_format(cfg->hours[d].close_min, c);
		snprintf(both, sizeof both, "%s-%s", o, c);
		json_object_set_new(hours, weekdays[d], json_string(both));
	}
	json_t *nearby = json_array();
	for (int i = 0; i < cfg->n_nearby; i++)
		json_array_append_new(nearby,
		                      json_pack("{s:s, s:s, s:s, s:b}", "name", cfg->nearby[i].name,
		                                "address", cfg->nearby[i].address, "hours",
		                                cfg->nearby[i].hours, "women_only",
		                                cfg->nearby[i].women_only));
	json_t *alerts = json_object();
	for (int i = 0; i < cfg->n_alerts; i++)
		json_object_set_new(alerts, cfg->alerts[i].lang, json_string(cfg->alerts[i].text));
	json_t *routes = json_array();
	for (int r = 0; r < ANK_ROUTE_COUNT; r++)
		if (cfg->routes[r])
			json_array_append_new(routes, json_string(ank_route_code((ank_route)r)));
	json_t *voices = json_object();
	for (int i = 0; i < cfg->n_voices; i++)
		json_object_set_new(voices, cfg->voices[i].lang,
		                    json_pack("{s:s, s:i}", "voice", cfg->voices[i].voice, "volume",
		                              cfg->voices[i].volume));
	json_t *speech = json_pack("{s:i, s:i, s:o}", "rate", cfg->speech_rate, "volume",
	                           cfg->speech_volume, "voices", voices);
	json_t *j = json_pack(
	        "{s:i, s:s, s:s, s:s, s:b, s:o, s:b, s:s, s:i, s:b, s:i, s:i, s:i, s:b,"
	        " s:o, s:o, s:s, s:o, s:i}",
	        "version", 1, "id", cfg->site_id, "name", cfg->name, "timezone", cfg->timezone,
	        "women_only", cfg->women_only, "routes", routes, "assisted", cfg->assisted,
	        "languages", cfg->languages, "day_start_min", cfg->day_start_min, "auto_call",
	        cfg->auto_call, "call_grace_min", cfg->grace_min, "warn_min", cfg->warn_min,
	        "alarm_min", cfg->alarm_min, "clean_after_session", cfg->clean_after_session,
	        "hours", hours, "nearby", nearby, "staff_pin_hash", cfg->staff_pin_hash, "alert",
	        alerts, "outbox_retention_days", cfg->outbox_retention_days);
	json_object_set_new(j, "speech", speech);
	return j;
}

/* Copies a string member into out[n]; "" when absent or not a string. */
static void member_text(json_t *o, const char *key, char *out, size_t n)
{
	const char *v = json_string_value(json_object_get(o, key));
	snprintf(out, n, "%s", v ? v : "");
}

/* "speech" of a stored config; absent (stored before it existed) or out of range reads as
 * the defaults. */
static void speech_from_json(json_t *sp, ank_site_config *cfg)
{
	json_t *r = json_object_get(sp, "rate"), *v = json_object_get(sp, "volume");
	if (json_is_integer(r) && json_integer_value(r) >= ANK_SPEECH_RATE_MIN &&
	    json_integer_value(r) <= ANK_SPEECH_RATE_MAX)
		cfg->speech_rate = (int)json_integer_value(r);
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= ANK_SPEECH_VOL_MAX)
		cfg->speech_volume = (int)json_integer_value(v);
	const char *lang;
	json_t *o;
	json_object_foreach(json_object_get(sp, "voices"), lang, o)
	{
		if (cfg->n_voices >= ANK_MAX_ALERT_LANGS)
			break;
		ank_speech_voice *sv = &cfg->voices[cfg->n_voices++];
		snprintf(sv->lang, sizeof sv->lang, "%s", lang);
		member_text(o, "voice", sv->voice, sizeof sv->voice);
		json_t *vol = json_object_get(o, "volume");
		sv->volume = json_is_integer(vol) && json_integer_value(vol) >= 0 &&
		                             json_integer_value(vol) <= ANK_SPEECH_VOL_MAX
		                     ? (int)json_integer_value(vol)
		                     : -1;
	}
}

/* The keys added after version 1's first ones, read with defaults by config_from_json: the
 * history's retention and the drug alert's time box (ISO 8601 UTC, null for no bound; also
 * in the site.config event, so that central's waiting-room page keeps to it). */
static void config_more_to_json(const ank_site_config *cfg, json_t *j)
{
	json_object_set_new(j, "history_retention_days", json_integer(cfg->history_retention_days));
	const int64_t at[2] = {cfg->alert_from_ms, cfg->alert_until_ms};
	const char *keys[2] = {ANK_FN(ALERT_FROM), ANK_FN(ALERT_UNTIL)};
	for (int i = 0; i < 2; i++) {
		char iso[32];
		ank_iso_format(at[i], iso, sizeof iso);
		json_object_set_new(j, keys[i], at[i] ? json_string(iso) : json_null());
	}
	json_object_set_new(
	        j, ANK_FN(ALERT_SEVERITY),
	        json_string(ank_severity_code((ank_alert_severity)cfg->alert_severity)));
	json_object_set_new(j, "printer", printer_to_json(&cfg->printer));
}

static int config_from_json(const char *text, ank_site_config *cfg, ank_err *err)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	json_t *routes = NULL, *hours = NULL, *nearby = NULL, *alerts = NULL;
	const char *pin_hash = "";
	const char *id, *name, *tz, *langs;
	int wo, as, ac, cl;
	config_defaults(cfg);
	if (!j || json_unpack_ex(j, &je, 0,
	                         "{s:s, s:s, s:s, s:b, s:o, s:b, s:s, s:i, s:b, s:i, s:i, s:i, s:b,"
	                         " s:o, s:o, s?s, s?o, s?i}",
	                         "id", &id, "name", &name, "timezone", &tz, "women_only", &wo,
	                         "routes", &routes, "assisted", &as, "languages", &langs,
	                         "day_start_min", &cfg->day_start_min, "auto_call", &ac,
	                         "call_grace_min", &cfg->grace_min, "warn_min", &cfg->warn_min,
	                         "alarm_min", &cfg->alarm_min, "clean_after_session", &cl, "hours",
	                         &hours, "nearby", &nearby, "staff_pin_hash", &pin_hash, "alert",
	                         &alerts, "outbox_retention_days", &cfg->outbox_retention_days)) {
		json_decref(j);
		return ank_err_set(err, "stored site config unreadable: %s", je.text);
	}
	snprintf(cfg->site_id, sizeof cfg->site_id, "%s", id);
	snprintf(cfg->name, sizeof cfg->name, "%s", name);
	snprintf(cfg->timezone, sizeof cfg->timezone, "%s", tz);
	snprintf(cfg->languages, sizeof cfg->languages, "%s", langs);
	snprintf(cfg->staff_pin_hash, sizeof cfg->staff_pin_hash, "%s", pin_hash);
	const char *alert_lang;
	json_t *alert_text;
	json_object_foreach(alerts, alert_lang, alert_text)
	{
		if (cfg->n_alerts >= ANK_MAX_ALERT_LANGS || !json_is_string(alert_text))
			break;
		snprintf(cfg->alerts[cfg->n_alerts].lang, sizeof cfg->alerts[0].lang, "%s",
		         alert_lang);
		snprintf(cfg->alerts[cfg->n_alerts].text, sizeof cfg->alerts[0].text, "%s",
		         json_string_value(alert_text));
		cfg->n_alerts++;
	}
	const char *from = json_string_value(json_object_get(j, ANK_FN(ALERT_FROM)));
	const char *until = json_string_value(json_object_get(j, ANK_FN(ALERT_UNTIL)));
	if ((from && ank_iso_parse(from, &cfg->alert_from_ms)) ||
	    (until && ank_iso_parse(until, &cfg->alert_until_ms))) {
		json_decref(j);
		return ank_err_set(err, "stored site config: bad alert time");
	}
	/* Stored before severities existed: a warning. */
	int sev = ank_severity_from_code(
	        json_string_value(json_object_get(j, ANK_FN(ALERT_SEVERITY))));
	cfg->alert_severity = sev < 0 ? ANK_SEVERITY_WARNING : sev;
	json_t *hist = json_object_get(j, "history_retention_days");
	cfg->history_retention_days = json_is_integer(hist) ? (int)json_integer_value(hist) : 0;
	if (cfg->history_retention_days < ANK_HISTORY_RETENTION_DAYS_MIN ||
	    cfg->history_retention_days > ANK_HISTORY_RETENTION_DAYS_MAX)
		cfg->history_retention_days = ANK_HISTORY_RETENTION_DAYS_DEFAULT;
	/* A config stored before the key existed reads as the default; a bad one too. */
	if (cfg->outbox_retention_days < 1 ||
	    cfg->outbox_retention_days > ANK_OUTBOX_RETENTION_DAYS_MAX)
		cfg->outbox_retention_days = ANK_OUTBOX_RETENTION_DAYS_DEFAULT;
	cfg->women_only = wo;
	cfg->assisted = as;
	cfg->auto_call = ac;
	cfg->clean_after_session = cl;
	cfg->routes[0] = cfg->routes[1] = false;
	size_t i;
	json_t *v;
	json_array_foreach(routes, i, v)
	{
		int r = ank_route_from_code(json_string_value(v));
		if (r >= 0)
			cfg->routes[r] = true;
	}
	for (int d = 0; d < 7; d++) {
		const char *h = json_string_value(json_object_get(hours, weekdays[d]));
		if (!h || parse_hours(h, &cfg->hours[d])) {
			json_decref(j);
			return ank_err_set(err, "stored site config: bad hours for %s",
			                   weekdays[d]);
		}
	}
	speech_from_json(json_object_get(j, "speech"), cfg);
	printer_from_json(json_object_get(j, "printer"), &cfg->printer);
	json_array_foreach(nearby, i, v)
	{
		if (cfg->n_nearby >= ANK_MAX_NEARBY)
			break;
		ank_nearby *nb = &cfg->nearby[cfg->n_nearby++];
		member_text(v, "name", nb->name, sizeof nb->name);
		member_text(v, "address", nb->address, sizeof nb->address);
		member_text(v, "hours", nb->hours, sizeof nb->hours);
		/* Absent in configs stored before the key existed: open to everyone. */
		nb->women_only = json_is_true(json_object_get(v, "women_only"));
	}
	json_decref(j);
	return 0;
}

ank_store_rc ank_store_config_get(ank_store *st, ank_site_config *cfg, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st, "SELECT config FROM site WHERE id = 1", &s, err))
		return ANK_STORE_DB;
	int rc = sqlite3_step(s);
	ank_store_rc out = ANK_STORE_OK;
	if (rc == SQLITE_ROW) {
		/* Our own JSON that no longer reads is a broken database, not a missing row. */
		if (config_from_json((const char *)sqlite3_column_text(s, 0), cfg, err))
			out = ANK_STORE_DB;
	} else if (rc == SQLITE_DONE) {
		out = ANK_STORE_UNKNOWN;
	} else {
		ank_st_fail(st, err);
		out = ANK_STORE_DB;
	}
	ank_st_end(st, s);
	return out;
}

/* path as an SQLite URI ("file:" + the path with %, ? and # escaped), immutable. */
static int immutable_uri(const char *path, char *out, size_t n)
{
	size_t o = (size_t)snprintf(out, n, "file:");
	for (const char *p = path; *p; p++) {
		if (o + 4 >= n)
			return -1;
		if (*p == '%' || *p == '?' || *p == '#')
			o += (size_t)snprintf(out + o, n - o, "%%%02x", (unsigned char)*p);
		else
			out[o++] = *p;
	}
	out[o] = '\0';
	return (size_t)snprintf(out + o, n - o, "?immutable=1") < n - o ? 0 : -1;
}

ank_store_rc ank_store_config_peek(const char *path, ank_site_config *cfg, ank_err *err)
{
	char uri[1200];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	ank_store_rc out = ANK_STORE_DB;
	if (immutable_uri(path, uri, sizeof uri)) {
		ank_err_set(err, "path too long: %s", path);
		return ANK_STORE_DB;
	}
	int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "SELECT config FROM site WHERE id = 1", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		out = config_from_json((const char *)sqlite3_column_text(s, 0), cfg, err)
		              ? ANK_STORE_DB
		              : ANK_STORE_OK;
	else if (rc == SQLITE_DONE)
		out = ANK_STORE_UNKNOWN;
	else
		ank_err_set(err, "cannot read %s: %s", path,
		            db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_finalize(s);
	sqlite3_close_v2(db);
	return out;
}

static ank_store_rc retire_missing(ank_store *st, const ank_station *stations, int n,
                                   int64_t now_ms, ank_err *err)
{
	ank_station cur[ANK_MAX_STATIONS];
	int ncur;
	if (ank_store_stations(st, cur, ANK_MAX_STATIONS, &ncur, err))
		return ANK_STORE_DB;
	for (int i = 0; i < ncur; i++) {
		bool kept = false;
		for (int k = 0; k < n && !kept; k++)
			kept = !strcmp(cur[i].id, stations[k].id);
		if (kept)
			continue;
		if (cur[i].state == ANK_SS_RESERVED || cur[i].state == ANK_SS_OCCUPIED) {
			ank_err_set(err, "station %s is in use and cannot be removed now",
			            cur[i].id);
			return ANK_STORE_REFUSED;
		}
		sqlite3_stmt *s;
		if (ank_st_prep(st,
		                "UPDATE station SET retired = 1, state = 'closed', since_ms = ?"
		                " WHERE id = ?",
		                &s, err))
			return ANK_STORE_DB;
		sqlite3_bind_int64(s, 1, now_ms);
		ank_st_text(s, 2, cur[i].id);
		if (ank_st_done(st, s, err))
			return ANK_STORE_DB;
	}
	return ANK_STORE_OK;
}

ank_store_rc ank_store_config_apply(ank_store *st, const ank_site_config *cfg,
                                    const ank_station *stations, int n, int64_t now_ms,
                                    ank_err *err)
{
	return ank_store_config_apply_tx(st, cfg, stations, n, now_ms, NULL, NULL, err);
}

ank_store_rc ank_store_config_apply_tx(ank_store *st, const ank_site_config *cfg,
                                       const ank_station *stations, int n, int64_t now_ms,
                                       ank_store_in_tx in_tx, void *in_tx_ctx, ank_err *err)
{
	json_t *j = config_to_json(cfg);
	if (j)
		config_more_to_json(cfg, j);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	sqlite3_stmt *s = NULL;
	ank_store_rc rc = ANK_STORE_DB;
	if (!text) {
		ank_err_set(err, "cannot encode the site config");
		goto out;
	}
	if (ank_store_begin(st, err))
		goto out;
	if (ank_st_prep(st,
	                "INSERT INTO site(id, config) VALUES (1, ?)"
	                " ON CONFLICT(id) DO UPDATE SET config = excluded.config",
	                &s, err))
		goto rollback;
	ank_st_text(s, 1, text);
	if (ank_st_done(st, s, err))
		goto rollback;
	ank_store_rc busy = retire_missing(st, stations, n, now_ms, err);
	if (busy != ANK_STORE_OK) {
		rc = busy; /* REFUSED: a station in use refuses the whole config */
		goto rollback;
	}
	json_t *ids = json_array(), *types = json_object();
	for (int i = 0; i < n; i++) {
		/* A new station starts free; a known one keeps its state and ticket. */
		if (ank_st_prep(st,
		                "INSERT INTO station(id, label, type, women_only, assisted,"
		                " state, since_ms, sort) VALUES (?, ?, ?, ?, ?, 'free', ?, ?)"
		                " ON CONFLICT(id) DO UPDATE SET label = excluded.label,"
		                " type = excluded.type, women_only = excluded.women_only,"
		                " assisted = excluded.assisted, sort = excluded.sort, retired = 0,"
		                " state = CASE WHEN retired = 1 THEN 'free' ELSE state END",
		                &s, err)) {
			json_decref(ids);
			json_decref(types);
			goto rollback;
		}
		ank_st_text(s, 1, stations[i].id);
		ank_st_text(s, 2, stations[i].label);
		ank_st_text(s, 3, ank_station_type_code(stations[i].type));
		sqlite3_bind_int(s, 4, stations[i].women_only);
		sqlite3_bind_int(s, 5, stations[i].assisted);
		sqlite3_bind_int64(s, 6, now_ms);
		sqlite3_bind_int(s, 7, i);
		if (ank_st_done(st, s, err)) {
			json_decref(ids);
			json_decref(types);
			goto rollback;
		}
		json_array_append_new(ids, json_string(stations[i].id));
		json_object_set_new(types, stations[i].id,
		                    json_string(ank_station_type_code(stations[i].type)));
	}
	json_object_set_new(j, ANK_FN(STATIONS), ids);
	/* Central's capacity figures need each station's type beside the opening hours. */
	json_object_set_new(j, ANK_FN(STATION_TYPES), types);
	if (ank_store_outbox_append(st, ANK_EV_SITE_CONFIG, now_ms, json_incref(j), err))
		goto rollback;
	if (in_tx && in_tx(in_tx_ctx, st, err))
		goto rollback;
	rc = ank_store_commit(st, err) ? ANK_STORE_DB : ANK_STORE_OK;
	goto out;
rollback:
	ank_store_rollback(st);
out:
	free(text);
	json_decref(j);
	return rc;
}
