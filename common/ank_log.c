/* stderr logger: one line per message with UTC time, level and component. */
#include "ank_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/* The only mutable global in common/: set once at start-up before threads exist. */
static ank_log_level min_level = ANK_LOG_INFO;

void ank_log_set_level(ank_log_level min)
{
	min_level = min;
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
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s %s: %s\n", stamp, names[lvl], component, msg);
}
