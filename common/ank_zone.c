/* Time-zone arithmetic on ICU's Gregorian calendar (ucal), one calendar per ank_zone. */
#include "ank_zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

struct ank_zone {
	UCalendar *cal;
	char id[ANK_ZONE_ID_MAX + 1];
};

/* id as UTF-16 into buf (ids are ASCII); its length, or -1 when it does not fit. */
static int32_t zone_uchars(const char *id, UChar *buf, int32_t cap)
{
	size_t n = strlen(id);
	if (n == 0 || n >= (size_t)cap)
		return -1;
	u_charsToUChars(id, buf, (int32_t)n);
	return (int32_t)n;
}

bool ank_zone_known(const char *id)
{
	UChar in[ANK_ZONE_ID_MAX + 1], canon[128];
	int32_t n = id ? zone_uchars(id, in, ANK_ZONE_ID_MAX + 1) : -1;
	if (n < 0)
		return false;
	UErrorCode st = U_ZERO_ERROR;
	UBool system = 0;
	ucal_getCanonicalTimeZoneID(in, n, canon, 128, &system, &st);
	/* Custom ids such as "GMT+01:00" are canonical but not system zones: a site names a
	 * real place's zone so that its daylight-saving days are right. */
	return U_SUCCESS(st) && system;
}

ank_zone *ank_zone_open(const char *id, ank_err *err)
{
	if (!ank_zone_known(id)) {
		ank_err_set(err, "unknown time zone '%.64s'", id ? id : "");
		return NULL;
	}
	ank_zone *z = calloc(1, sizeof *z);
	if (!z) {
		ank_err_set(err, "out of memory");
		return NULL;
	}
	UChar in[ANK_ZONE_ID_MAX + 1];
	int32_t n = zone_uchars(id, in, ANK_ZONE_ID_MAX + 1);
	UErrorCode st = U_ZERO_ERROR;
	/* "en_US_POSIX" keeps the Gregorian calendar whatever the process locale. */
	z->cal = ucal_open(in, n, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st) || !z->cal) {
		ank_err_set(err, "time zone '%s': %s", id, u_errorName(st));
		free(z);
		return NULL;
	}
	snprintf(z->id, sizeof z->id, "%s", id);
	return z;
}

void ank_zone_free(ank_zone *z)
{
	if (!z)
		return;
	ucal_close(z->cal);
	free(z);
}

const char *ank_zone_id(const ank_zone *z)
{
	return z->id;
}

static long long offset_at(ank_zone *z, long long ms, UErrorCode *st)
{
	ucal_setMillis(z->cal, (UDate)ms, st);
	return (long long)ucal_get(z->cal, UCAL_ZONE_OFFSET, st) +
	       (long long)ucal_get(z->cal, UCAL_DST_OFFSET, st);
}

int ank_zone_civil(ank_zone *z, long long ms, ank_civil *out)
{
	UErrorCode st = U_ZERO_ERROR;
	ucal_setMillis(z->cal, (UDate)ms, &st);
	out->year = ucal_get(z->cal, UCAL_EXTENDED_YEAR, &st);
	out->month = ucal_get(z->cal, UCAL_MONTH, &st) + 1;
	out->day = ucal_get(z->cal, UCAL_DATE, &st);
	out->hour = ucal_get(z->cal, UCAL_HOUR_OF_DAY, &st);
	out->minute = ucal_get(z->cal, UCAL_MINUTE, &st);
	out->second = ucal_get(z->cal, UCAL_SECOND, &st);
	out->millisecond = ucal_get(z->cal, UCAL_MILLISECOND, &st);
	out->weekday = ucal_get(z->cal, UCAL_DAY_OF_WEEK, &st) - UCAL_SUNDAY;
	out->offset_ms = (long long)ucal_get(z->cal, UCAL_ZONE_OFFSET, &st) +
	                 (long long)ucal_get(z->cal, UCAL_DST_OFFSET, &st);
	if (U_FAILURE(st))
		return -1;
	snprintf(out->date, sizeof out->date, "%04d-%02d-%02d", out->year % 10000, out->month,
	         out->day);
	long long into =
	        (long long)out->minute * 60000 + (long long)out->second * 1000 + out->millisecond;
	out->hour_start_ms = ms - into;
	out->hour_end_ms = out->hour_start_ms + 3600000;
	/* Offsets change on whole local hours almost everywhere; where one changes inside this
	 * hour (a half-hour zone's change, a historical one) the span is not one local hour. */
	if (offset_at(z, out->hour_start_ms, &st) != out->offset_ms ||
	    offset_at(z, out->hour_end_ms - 1, &st) != out->offset_ms)
		out->hour_end_ms = 0;
	return U_FAILURE(st) ? -1 : 0;
}

static bool real_date(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

long long ank_zone_midnight(ank_zone *z, int y, int m, int d, int days)
{
	if (!real_date(y, m, d))
		return -1;
	UErrorCode st = U_ZERO_ERROR;
	/* The target date first, counted at noon (which every day has), then its midnight:
	 * adding days to a midnight that a change moved would keep the moved wall time. */
	ucal_clear(z->cal);
	ucal_setDateTime(z->cal, y, m - 1, d, 12, 0, 0, &st);
	ucal_add(z->cal, UCAL_DATE, days, &st);
	int ty = ucal_get(z->cal, UCAL_EXTENDED_YEAR, &st);
	int tm = ucal_get(z->cal, UCAL_MONTH, &st);
	int td = ucal_get(z->cal, UCAL_DATE, &st);
	ucal_clear(z->cal);
	/* A midnight the clocks skip is read forward (ICU's default for skipped wall time):
	 * the day's first instant. */
	ucal_setDateTime(z->cal, ty, tm, td, 0, 0, 0, &st);
	UDate ms = ucal_getMillis(z->cal, &st);
	return U_FAILURE(st) ? -1 : (long long)ms;
}

int ank_date_parse(const char *s, int *y, int *m, int *d)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	int v[3] = {0, 0, 0};
	static const int at[3] = {0, 5, 8}, len[3] = {4, 2, 2};
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < len[i]; k++) {
			char c = s[at[i] + k];
			if (c < '0' || c > '9')
				return -1;
			v[i] = v[i] * 10 + (c - '0');
		}
	if (!real_date(v[0], v[1], v[2]))
		return -1;
	*y = v[0];
	*m = v[1];
	*d = v[2];
	return 0;
}
