/* Unit tests for the sync client's retry timing and link state, driven by a fake clock and
 * chosen random numbers. */
#include "testlib.h"

#include "backoff.h"

/* The ceiling doubles per failure from the base, and the delay stays in [ceiling/2,
 * ceiling] whatever the random number. */
static void test_delay_doubles_within_bounds(void **state)
{
	(void)state;
	static const struct {
		int failures;
		int64_t lo, hi;
	} cases[] = {
	        {1, 500, 1000},    {2, 1000, 2000},   {3, 2000, 4000},   {4, 4000, 8000},
	        {6, 16000, 32000}, {7, 30000, 60000}, {8, 30000, 60000}, {1000, 30000, 60000},
	};
	static const uint32_t rnds[] = {0, 1, 499, 500, 12345, 0x7fffffffu, 0xffffffffu};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t seen_lo = INT64_MAX, seen_hi = 0;
		for (size_t r = 0; r < sizeof rnds / sizeof rnds[0]; r++) {
			int64_t d = ank_backoff_delay(cases[i].failures, ANK_BACKOFF_BASE_MS,
			                              ANK_BACKOFF_CAP_MS, rnds[r]);
			assert_true(d >= cases[i].lo);
			assert_true(d <= cases[i].hi);
			seen_lo = d < seen_lo ? d : seen_lo;
			seen_hi = d > seen_hi ? d : seen_hi;
		}
		/* The jitter really spreads: not every random number gives the same delay. */
		assert_true(seen_hi > seen_lo);
		/* rnd 0 gives exactly the lower bound. */
		assert_int_equal(ank_backoff_delay(cases[i].failures, ANK_BACKOFF_BASE_MS,
		                                   ANK_BACKOFF_CAP_MS, 0),
		                 cases[i].lo);
	}
	assert_int_equal(ank_backoff_delay(0, 1000, 60000, 77), 0);
	assert_int_equal(ank_backoff_delay(-3, 1000, 60000, 77), 0);
}

/* 200 kiosks losing central at the same instant do not all come back in the same
 * second: their first retries spread over the whole window. */
static void test_jitter_spreads_kiosks(void **state)
{
	(void)state;
	int per_bucket[10] = {0};
	uint32_t x = 2463534242u; /* xorshift: a fixed sequence of "random" numbers */
	for (int k = 0; k < 200; k++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		int64_t d = ank_backoff_delay(5, ANK_BACKOFF_BASE_MS, ANK_BACKOFF_CAP_MS, x);
		per_bucket[(d - 8000) * 10 / 8001]++;
	}
	for (int b = 0; b < 10; b++)
		assert_true(per_bucket[b] < 50); /* no tenth of the window holds a quarter */
}

/* A fake clock walks the link through an outage and back. */
static void test_link_outage_and_return(void **state)
{
	(void)state;
	ank_link l;
	int64_t now = T0;
	ank_link_init(&l, now);
	assert_false(l.online);
	assert_true(ank_link_ready(&l, now));

	ank_link_ok(&l, now, now + 1500);
	assert_true(l.online);
	assert_int_equal(l.since_ms, now);
	assert_int_equal(l.skew_ms, 1500);
	assert_false(ank_link_skewed(&l));

	/* Central goes away: each failure waits longer, up to the cap. */
	now += 10000;
	int64_t went = now, ceiling = ANK_BACKOFF_BASE_MS;
	for (int i = 1; i <= 12; i++) {
		ank_link_fail(&l, now, 0xffffffffu);
		assert_false(l.online);
		assert_int_equal(l.failures, i);
		assert_int_equal(l.since_ms, went); /* offline since the first failure */
		int64_t wait = l.retry_at - now;
		assert_true(wait >= ceiling / 2);
		assert_true(wait <= ceiling);
		assert_false(ank_link_ready(&l, now + wait - 1));
		assert_true(ank_link_ready(&l, now + wait));
		now += wait;
		ceiling = ceiling * 2 > ANK_BACKOFF_CAP_MS ? ANK_BACKOFF_CAP_MS : ceiling * 2;
	}
	assert_int_equal(ceiling, ANK_BACKOFF_CAP_MS);

	/* Back: online at once, failures forgotten, no waiting. */
	ank_link_ok(&l, now, 0);
	assert_true(l.online);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.since_ms, now);
	assert_true(ank_link_ready(&l, now));
	assert_int_equal(l.skew_ms, 1500); /* an answer without a clock keeps the last skew */
	ank_link_fail(&l, now + 1, 0);
	assert_int_equal(l.retry_at - (now + 1), ANK_BACKOFF_BASE_MS / 2);
}

static void test_skew_flag(void **state)
{
	(void)state;
	static const struct {
		int64_t skew;
		bool flagged;
	} cases[] = {
	        {0, false},       {119999, false}, {120000, false}, {120001, true},
	        {-120000, false}, {-120001, true}, {3600000, true},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ank_link l;
		ank_link_init(&l, T0);
		ank_link_ok(&l, T0, T0 + cases[i].skew);
		assert_int_equal(ank_link_skewed(&l), cases[i].flagged);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_delay_doubles_within_bounds),
	        cmocka_unit_test(test_jitter_spreads_kiosks),
	        cmocka_unit_test(test_link_outage_and_return),
	        cmocka_unit_test(test_skew_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
