/* Clock reading, parsing and formatting of times without sscanf. */
#include "ank_time.h"

#include <stdio.h>
#include <string.h>

int64_t ank_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ank_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ank_local_tm(int64_t ms, struct tm *out)
{
	/* Floor division so times before 1970 would still round down. */
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	localtime_r(&t, out);
}

/* Reads exactly `n` decimal digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int ank_hhmm_parse(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	int h = digits(s, 2), m = digits(s + 3, 2);
	if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

void ank_hhmm_format(int minutes, char out[6])
{
	minutes %= 1440;
	if (minutes < 0)
		minutes += 1440;
	snprintf(out, 6, "%02d:%02d", minutes / 60, minutes % 60);
}

int ank_iso_parse(const char *s, int64_t *ms)
{
	/* Accepts YYYY-MM-DDTHH:MM:SSZ and YYYY-MM-DDTHH:MM:SS.mmmZ. */
	if (!s)
		return -1;
	size_t len = strlen(s);
	if ((len != 20 && len != 24) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[len - 1] != 'Z')
		return -1;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
	int frac = 0;
	if (len == 24) {
		if (s[19] != '.')
			return -1;
		frac = digits(s + 20, 3);
	}
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 60 || frac < 0)
		return -1;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	time_t t = timegm(&tm);
	/* timegm normalises 31 February into March: refuse dates that moved. */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}

void ank_iso_format(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[24];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%03dZ", base, (int)(ms % 1000));
}
