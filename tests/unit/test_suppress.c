/* Small-cell suppression of the report (report_suppress.c) on reports made by hand, with the
 * cells that must be hidden worked out by hand from its rules. */
#include "testlib.h"

#include <jansson.h>
#include <string.h>

#include "report_suppress.h"

/* Two sites of one municipality: a has 27 check-ins (25 inject, 2 smoke), b has 3 (smoke). */
static const char report_fixture[] =
        "{\"v\":1,"
        "\"totals\":{\"checkins\":30,\"checkins_by_route\":{\"inject\":25,\"smoke\":5},"
        "\"intakes\":40,\"overdoses\":2,\"overdoses_per_1000_intakes\":50.0,"
        "\"unique_users\":12,\"unique_users_by_gender\":{\"male\":8,\"female\":4},"
        "\"events_out_of_time\":3,\"session_seconds\":7,"
        "\"wait_to_call\":{\"n\":30,\"median_s\":60.0,\"p90_s\":600.0},"
        "\"wait_to_call_by_route\":{\"smoke\":{\"n\":5,\"median_s\":30.0,\"p90_s\":90.0}}},"
        "\"municipalities\":{\"101\":{\"checkins\":30,"
        "\"checkins_by_route\":{\"inject\":25,\"smoke\":5}}},"
        "\"sites\":{"
        "\"a\":{\"municipality\":\"101\",\"checkins\":27,"
        "\"checkins_by_route\":{\"inject\":25,\"smoke\":2}},"
        "\"b\":{\"municipality\":\"101\",\"checkins\":3,\"checkins_by_route\":{\"smoke\":3}}}}";

/* The value at a '/'-separated path of keys, as text ("null", "(none)" when absent). */
static const char *cell_at(json_t *j, const char *path)
{
	char key[64];
	while (j && *path) {
		size_t n = strcspn(path, "/");
		snprintf(key, sizeof key, "%.*s", (int)n, path);
		j = json_object_get(j, key);
		path += n + (path[n] == '/');
	}
	static char buf[32];
	if (json_is_string(j))
		return json_string_value(j);
	if (json_is_integer(j)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(j));
		return buf;
	}
	return json_is_null(j) ? "null" : "(none)";
}

static void test_primary_and_secondary(void **state)
{
	(void)state;
	json_t *r = json_loads(report_fixture, 0, NULL);
	assert_non_null(r);
	ank_err err;
	assert_int_equal(ank_report_suppress(r, 10, &err), 0);
	/* Totals: smoke 5 is small; inject 25 would give it away (30 - 25): hidden. */
	assert_string_equal(cell_at(r, "totals/checkins_by_route/smoke"), "<10");
	assert_string_equal(cell_at(r, "totals/checkins_by_route/inject"), "hidden");
	assert_string_equal(cell_at(r, "totals/checkins"), "30");
	/* Both genders are small: two hidden cells protect each other; the total stays. */
	assert_string_equal(cell_at(r, "totals/unique_users_by_gender/male"), "<10");
	assert_string_equal(cell_at(r, "totals/unique_users_by_gender/female"), "<10");
	assert_string_equal(cell_at(r, "totals/unique_users"), "12");
	/* Across sites: b's 3 is small, and a's 27 = 30 - 3 would give it away. */
	assert_string_equal(cell_at(r, "sites/b/checkins"), "<10");
	assert_string_equal(cell_at(r, "sites/a/checkins"), "hidden");
	assert_string_equal(cell_at(r, "sites/a/checkins_by_route/smoke"), "<10");
	assert_string_equal(cell_at(r, "sites/a/checkins_by_route/inject"), "hidden");
	assert_string_equal(cell_at(r, "sites/b/checkins_by_route/smoke"), "<10");
	/* The municipality (a copy of the totals here) is closed the same way. */
	assert_string_equal(cell_at(r, "municipalities/101/checkins_by_route/smoke"), "<10");
	assert_string_equal(cell_at(r, "municipalities/101/checkins_by_route/inject"), "hidden");
	/* A rate from a hidden count is withdrawn; figures that are not counts of people stay. */
	assert_string_equal(cell_at(r, "totals/overdoses"), "<10");
	assert_string_equal(cell_at(r, "totals/overdoses_per_1000_intakes"), "null");
	assert_string_equal(cell_at(r, "totals/intakes"), "40");
	assert_string_equal(cell_at(r, "totals/events_out_of_time"), "3");
	assert_string_equal(cell_at(r, "totals/session_seconds"), "7");
	/* Waiting times of fewer than 10 tickets lose their percentiles. */
	assert_string_equal(cell_at(r, "totals/wait_to_call/n"), "30");
	assert_string_equal(cell_at(r, "totals/wait_to_call_by_route/smoke/n"), "<10");
	assert_string_equal(cell_at(r, "totals/wait_to_call_by_route/smoke/median_s"), "null");
	assert_string_equal(cell_at(r, "suppression/below"), "10");
	/* No count that is shown can be a small one. */
	char *text = json_dumps(r, JSON_COMPACT);
	assert_null(strstr(text, ":5,"));
	assert_null(strstr(text, ":2}"));
	free(text);
	json_decref(r);
}

static void test_threshold(void **state)
{
	(void)state;
	json_t *r = json_loads(report_fixture, 0, NULL);
	ank_err err;
	/* 0: nothing hidden, and the report says so. */
	assert_int_equal(ank_report_suppress(r, 0, &err), 0);
	assert_string_equal(cell_at(r, "sites/b/checkins"), "3");
	assert_non_null(strstr(cell_at(r, "suppression/method"), "none"));
	json_decref(r);
	/* 3: only counts of 1 and 2 are small. a's smoke 2 is; within a, its inject 25 (27 - 2)
	 * goes; across sites the smoke column 5 = 2 + 3 takes b's 3; the inject column has only
	 * a, so its total 25 would give a's away: it goes, and then the totals' smoke 5 (30 -
	 * 25 known otherwise). The municipality, a copy of the totals, the same. */
	r = json_loads(report_fixture, 0, NULL);
	assert_int_equal(ank_report_suppress(r, 3, &err), 0);
	assert_string_equal(cell_at(r, "sites/a/checkins_by_route/smoke"), "<3");
	assert_string_equal(cell_at(r, "sites/a/checkins_by_route/inject"), "hidden");
	assert_string_equal(cell_at(r, "sites/b/checkins_by_route/smoke"), "hidden");
	assert_string_equal(cell_at(r, "totals/checkins_by_route/inject"), "hidden");
	assert_string_equal(cell_at(r, "totals/checkins_by_route/smoke"), "hidden");
	assert_string_equal(cell_at(r, "municipalities/101/checkins_by_route/inject"), "hidden");
	assert_string_equal(cell_at(r, "municipalities/101/checkins_by_route/smoke"), "hidden");
	/* b's only route is its smoke, so its check-ins (3) would give that away: hidden, and
	 * then a's 27 (30 - 3) too; the totals' 30 stays, with both sites hidden. */
	assert_string_equal(cell_at(r, "sites/b/checkins"), "hidden");
	assert_string_equal(cell_at(r, "sites/a/checkins"), "hidden");
	assert_string_equal(cell_at(r, "totals/checkins"), "30");
	assert_int_equal(ank_report_suppress(r, -1, &err), -1);
	assert_non_null(strstr(err.msg, "threshold"));
	assert_int_equal(ank_report_suppress(r, 100000, &err), -1);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_primary_and_secondary),
	        cmocka_unit_test(test_threshold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
