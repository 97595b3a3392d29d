/* Civil time in a named IANA time zone (a site's, "Europe/Copenhagen"), through ICU's
 * calendars, so one process can count in several sites' zones at once without touching TZ. */
#ifndef ANK_ZONE_H
#define ANK_ZONE_H

#include <stdbool.h>
#include <stddef.h>

#include "ank_err.h"

/* The zone of a site whose config names none: the Danish rooms' own. */
#define ANK_ZONE_DEFAULT "Europe/Copenhagen"
#define ANK_ZONE_ID_MAX  63

typedef struct ank_zone ank_zone;

/* The civil time of one instant in a zone. */
typedef struct ank_civil {
	int year, month, day; /* month 1..12 */
	int hour, minute, second, millisecond;
	int weekday;             /* 0 = Sunday .. 6 */
	long long offset_ms;     /* local minus UTC, daylight saving included */
	char date[11];           /* "YYYY-MM-DD" */
	long long hour_start_ms; /* the instant this local hour began */
	long long hour_end_ms;   /* and ends; 0 when an offset change falls inside it */
} ank_civil;

/* True when ICU knows `id` as a time zone (canonical or an alias, e.g. "UTC"). */
bool ank_zone_known(const char *id);
/* A zone for `id`; NULL (err says why) when it is unknown. The caller frees it with
 * ank_zone_free. Not for sharing between threads (it holds one ICU calendar). */
ank_zone *ank_zone_open(const char *id, ank_err *err);
void ank_zone_free(ank_zone *z);
/* The zone's id as opened. Owned by z. */
const char *ank_zone_id(const ank_zone *z);
/* The civil time of `ms` in z. 0, or -1 when ICU fails. */
int ank_zone_civil(ank_zone *z, long long ms, ank_civil *out);
/* The instant local midnight begins on y-m-d plus `days` days (m 1..12); where a
 * daylight-saving change skips midnight, the first instant of that day. -1 when the date is
 * not a real one (2026-02-30) or ICU fails. */
long long ank_zone_midnight(ank_zone *z, int y, int m, int d, int days);
/* "YYYY-MM-DD" into y, m, d, checked as a real date; 0 or -1. */
int ank_date_parse(const char *s, int *y, int *m, int *d);

#endif
