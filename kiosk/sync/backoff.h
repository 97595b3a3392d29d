/* Retry timing and the online/offline state of the kiosk's link to central, as pure
 * functions of the clock and a random number, so that tests drive them with a fake clock. */
#ifndef ANK_BACKOFF_H
#define ANK_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

/* First retry after about a second; never more than a minute apart, so a kiosk is back
 * within a minute of the network, and 200 kiosks do not all retry in the same instant. */
#define ANK_BACKOFF_BASE_MS 1000
#define ANK_BACKOFF_CAP_MS  60000
/* Central's clock further than this from the kiosk's is flagged to staff. */
#define ANK_SKEW_FLAG_MS (2 * 60 * 1000)

/* Delay before retry number `failures` (1 = the first retry): the ceiling doubles from
 * base up to cap, and the delay is drawn from [ceiling/2, ceiling] with `rnd` ("equal
 * jitter": spread out, yet never a hot loop). failures <= 0 gives 0. */
int64_t ank_backoff_delay(int failures, int64_t base_ms, int64_t cap_ms, uint32_t rnd);

typedef struct ank_link {
	int failures;       /* in a row; 0 after a success */
	int64_t retry_at;   /* no request before this time */
	int64_t last_ok_ms; /* last answer from central, 0 never */
	int64_t since_ms;   /* when the current state (online/offline) began */
	bool online;        /* the last request got an answer */
	int64_t skew_ms;    /* central's clock minus ours, from the last answer */
} ank_link;

/* A fresh link: offline since now, ready to try at once. */
void ank_link_init(ank_link *l, int64_t now);
/* An answer arrived at `now` carrying central's time `server_ms` (0: none). */
void ank_link_ok(ank_link *l, int64_t now, int64_t server_ms);
/* A request failed at `now` (no answer, 5xx, timeout): the next try waits. */
void ank_link_fail(ank_link *l, int64_t now, uint32_t rnd);
/* May a request go out now? */
bool ank_link_ready(const ank_link *l, int64_t now);
/* Is the clock skew large enough to tell staff? */
bool ank_link_skewed(const ank_link *l);

#endif
