/* Retry delays with jitter and the link state machine of backoff.h. */
#include "backoff.h"

int64_t ank_backoff_delay(int failures, int64_t base_ms, int64_t cap_ms, uint32_t rnd)
{
	if (failures <= 0)
		return 0;
	int64_t ceiling = base_ms;
	for (int i = 1; i < failures && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	int64_t half = ceiling / 2;
	return half + (int64_t)(rnd % (uint32_t)(ceiling - half + 1));
}

void ank_link_init(ank_link *l, int64_t now)
{
	*l = (ank_link){.since_ms = now};
}

void ank_link_ok(ank_link *l, int64_t now, int64_t server_ms)
{
	if (!l->online)
		l->since_ms = now;
	l->online = true;
	l->failures = 0;
	l->retry_at = 0;
	l->last_ok_ms = now;
	if (server_ms > 0)
		l->skew_ms = server_ms - now;
}

void ank_link_fail(ank_link *l, int64_t now, uint32_t rnd)
{
	if (l->online)
		l->since_ms = now;
	l->online = false;
	if (l->failures < 1000)
		l->failures++;
	l->retry_at =
	        now + ank_backoff_delay(l->failures, ANK_BACKOFF_BASE_MS, ANK_BACKOFF_CAP_MS, rnd);
}

bool ank_link_ready(const ank_link *l, int64_t now)
{
	return now >= l->retry_at;
}

bool ank_link_skewed(const ank_link *l)
{
	return l->skew_ms > ANK_SKEW_FLAG_MS || l->skew_ms < -ANK_SKEW_FLAG_MS;
}
