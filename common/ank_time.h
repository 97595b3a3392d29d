/* Time helpers: wall clock in milliseconds, local broken-down time for opening hours,
 * "HH:MM" and ISO-8601 parsing and formatting. All logic takes `now` as an argument so
 * tests and the headless kiosk can run on a virtual clock. */
#ifndef ANK_TIME_H
#define ANK_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ANK_MS_PER_MIN ((int64_t)60000)

/* Milliseconds since the Unix epoch, from CLOCK_REALTIME. */
int64_t ank_now_ms(void);
/* Local time of `ms` in the process time zone (TZ, set from the site config). */
void ank_local_tm(int64_t ms, struct tm *out);
/* "HH:MM" -> minutes after midnight, 0..1440 ("24:00" allowed). -1 if malformed. */
int ank_hhmm_parse(const char *s);
/* Writes "HH:MM" for minutes (taken modulo one day) into out[6]. */
void ank_hhmm_format(int minutes, char out[6]);
/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) -> ms. Returns 0 on success, -1 if malformed. */
int ank_iso_parse(const char *s, int64_t *ms);
/* UTC ISO-8601 with milliseconds into out (at least 25 bytes). */
void ank_iso_format(int64_t ms, char *out, size_t n);
/* Monotonic clock in nanoseconds, for benchmarks and timeouts only. */
int64_t ank_mono_ns(void);

#endif
