/* stderr logger: one line per message with UTC time, level and component, as text or JSON. */
#include "ank_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

/* A formatted message; longer ones are cut. */
#define MSG_MAX 1024
/* A whole line: in JSON each message byte takes at most 6 ("\u001F"). */
#define LOG_LINE_MAX (6 * MSG_MAX + 256)

/* The only mutable globals in common/: set once at start-up before threads exist. */
static ank_log_level min_level = ANK_LOG_INFO;
static ank_log_format format = ANK_LOG_TEXT;

void ank_log_set_level(ank_log_level min)
{
	min_level = min;
}

void ank_log_set_format(ank_log_format f)
{
	format = f;
}

int ank_log_format_parse(const char *s, ank_log_format *out)
{
	if (s && !strcmp(s, "text"))
		*out = ANK_LOG_TEXT;
	else if (s && !strcmp(s, "json"))
		*out = ANK_LOG_JSON;
	else
		return -1;
	return 0;
}

/* snprintf at line[*n] that leaves *n inside the line however long the text. */
static void add(char *line, size_t *n, const char *fmt, const char *a, const char *b)
{
	if (*n < LOG_LINE_MAX)
		*n += (size_t)snprintf(line + *n, LOG_LINE_MAX - *n, fmt, a, b);
	if (*n >= LOG_LINE_MAX)
		*n = LOG_LINE_MAX - 1;
}

/* Appends s to line[*n] as the inside of a JSON string. */
static void put_json(char *line, size_t *n, const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	while (*p && *n + 8 < LOG_LINE_MAX) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		if (k < 0) {
			*n += (size_t)snprintf(line + *n, LOG_LINE_MAX - *n, "\\uFFFD");
			p++;
		} else if (cp == '"' || cp == '\\') {
			line[(*n)++] = '\\';
			line[(*n)++] = (char)cp;
			p++;
		} else if (cp < 0x20 || cp == 0x7f) {
			*n += (size_t)snprintf(line + *n, LOG_LINE_MAX - *n, "\\u%04X",
			                       (unsigned)cp);
			p++;
		} else {
			memcpy(line + *n, p, (size_t)k);
			*n += (size_t)k;
			p += k;
		}
	}
}

void ank_log(ank_log_level lvl, const char *component, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	if (lvl < min_level)
		return;
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char msg[MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char line[LOG_LINE_MAX];
	size_t n = 0;
	if (format == ANK_LOG_JSON) {
		add(line, &n, "{\"time\":\"%s\",\"level\":\"%s\",\"component\":\"", stamp,
		    names[lvl]);
		put_json(line, &n, component);
		add(line, &n, "%s%s", "\",\"msg\":\"", "");
		put_json(line, &n, msg);
		add(line, &n, "%s%s", "\"}\n", "");
	} else {
		for (char *c = msg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		add(line, &n, "%s %s ", stamp, names[lvl]);
		add(line, &n, "%s: %s\n", component, msg);
	}
	fwrite(line, 1, n, stderr);
}
