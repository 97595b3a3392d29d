/* Golden cases for the kiosk's copy of the administrators' content (kiosk/store/
 * store_content.c): items central sends are read, kept with the cursor, replaced, withdrawn
 * and pruned; a bad one is refused with its field named and nothing changed; the text of a
 * language falls back to Danish; the box is from <= now < until. */
#include "testlib.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ank_time.h"
#include "ank_vocab.h"
#include "store_content.h"

/* An information screen from 10:00 to 12:00 on 2030-01-10 in Danish and Arabic. */
#define INFO                                                                                       \
	"{\"id\":5,\"kind\":\"info\",\"state\":\"published\",\"pictogram\":\"clock\","             \
	"\"qr\":\"https://example.org/a\",\"from\":\"2030-01-10T10:00:00Z\","                      \
	"\"until\":\"2030-01-10T12:00:00Z\",\"texts\":{\"da\":{\"title\":\"Kursus\","              \
	"\"body\":\"Torsdag\"},\"ar\":{\"title\":\"دورة\",\"body\":\"الخميس\"}}}"
#define ALERT                                                                                      \
	"{\"id\":6,\"kind\":\"alert\",\"state\":\"published\",\"severity\":\"danger\","            \
	"\"from\":\"2030-01-10T10:30:00Z\",\"until\":\"2030-01-10T11:00:00Z\","                    \
	"\"texts\":{\"da\":{\"text\":\"Fare\"}}}"

static int64_t at(const char *iso)
{
	int64_t ms = 0;
	assert_int_equal(ank_iso_parse(iso, &ms), 0);
	return ms;
}

static int apply(fixture *f, const char *payload, long long change, ank_err *err)
{
	json_t *j = json_loads(payload, 0, NULL);
	assert_non_null(j);
	int rc = ank_store_content_apply(ank_queue_store(f->q), j, change, err);
	json_decref(j);
	return rc;
}

static int64_t cursor(fixture *f)
{
	int64_t c = -1;
	ank_err err;
	assert_int_equal(ank_store_cursor_get(ank_queue_store(f->q), &c, &err), 0);
	return c;
}

static void test_keep_replace_withdraw(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	ank_err err;
	assert_int_equal(apply(f, INFO, 10, &err), 0);
	assert_int_equal(apply(f, ALERT, 11, &err), 0);
	assert_int_equal(cursor(f), 11);
	static ank_content_list list;
	assert_int_equal(ank_store_content_load(ank_queue_store(f->q), at("2030-01-10T09:00:00Z"),
	                                        &list, &err),
	                 0);
	assert_int_equal(list.n, 2);
	/* Soonest first. */
	assert_int_equal(list.items[0].id, 5);
	assert_int_equal(list.items[0].kind, ANK_CONTENT_INFO);
	assert_string_equal(list.items[0].pictogram, "clock");
	assert_string_equal(list.items[0].qr, "https://example.org/a");
	assert_int_equal(list.items[1].severity, ANK_SEVERITY_DANGER);
	/* The same id again replaces it. */
	char changed[sizeof ALERT + 8];
	snprintf(changed, sizeof changed, "%s", ALERT);
	memcpy(strstr(changed, "Fare"), "Farx", 4);
	assert_int_equal(apply(f, changed, 12, &err), 0);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM content"), 2);
	assert_int_equal(ank_store_content_load(ank_queue_store(f->q), at("2030-01-10T09:00:00Z"),
	                                        &list, &err),
	                 0);
	assert_string_equal(list.items[1].texts[0].text, "Farx");
	/* Withdrawn: gone. */
	assert_int_equal(
	        apply(f, "{\"id\":6,\"kind\":\"alert\",\"state\":\"withdrawn\"}", 13, &err), 0);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM content"), 1);
	assert_int_equal(cursor(f), 13);
	/* An ended item is not loaded. */
	assert_int_equal(ank_store_content_load(ank_queue_store(f->q), at("2030-01-10T12:00:00Z"),
	                                        &list, &err),
	                 0);
	assert_int_equal(list.n, 0);
	fixture_free(f);
}

/* Each bad item is refused (1) with its field named; nothing is kept and the cursor stays. */
static void test_refused(void **state)
{
	(void)state;
	static const struct {
		const char *name, *payload, *want;
	} cases[] = {
	        {"no id", "{\"kind\":\"alert\",\"state\":\"published\"}", "id and a state"},
	        {"unknown state", "{\"id\":1,\"kind\":\"alert\",\"state\":\"gone\"}", "state"},
	        {"unknown kind",
	         "{\"id\":1,\"kind\":\"poster\",\"state\":\"published\",\"from\":\"2030-01-10T10:"
	         "00:"
	         "00Z\",\"until\":\"2030-01-10T11:00:00Z\",\"texts\":{\"da\":{\"text\":\"x\"}}}",
	         "kind"},
	        {"until before from",
	         "{\"id\":1,\"kind\":\"alert\",\"state\":\"published\",\"from\":\"2030-01-10T11:00:"
	         "00Z\",\"until\":\"2030-01-10T10:00:00Z\",\"texts\":{\"da\":{\"text\":\"x\"}}}",
	         "until after from"},
	        {"unknown pictogram",
	         "{\"id\":1,\"kind\":\"info\",\"state\":\"published\",\"pictogram\":\"skull\","
	         "\"from\":\"2030-01-10T10:00:00Z\",\"until\":\"2030-01-10T11:00:00Z\",\"texts\":{"
	         "\"da\":{\"title\":\"x\",\"body\":\"y\"}}}",
	         "pictogram"},
	        {"no texts",
	         "{\"id\":1,\"kind\":\"alert\",\"state\":\"published\",\"from\":\"2030-01-10T10:00:"
	         "00Z\",\"until\":\"2030-01-10T11:00:00Z\"}",
	         "texts"},
	        {"info without body",
	         "{\"id\":1,\"kind\":\"info\",\"state\":\"published\",\"pictogram\":\"clock\","
	         "\"from\":\"2030-01-10T10:00:00Z\",\"until\":\"2030-01-10T11:00:00Z\",\"texts\":{"
	         "\"da\":{\"title\":\"x\"}}}",
	         "body: missing"},
	};
	fixture *f = fixture_new();
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		ank_err err = {{0}};
		int rc = apply(f, cases[i].payload, 20 + (long long)i, &err);
		if (rc != 1 || !strstr(err.msg, cases[i].want))
			case_fail(&failed, "%s: rc %d, '%s'", cases[i].name, rc, err.msg);
	}
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM content"), 0);
	assert_true(cursor(f) < 20);
	fixture_free(f);
	assert_cases_passed(failed);
}

static void test_text_and_box(void **state)
{
	(void)state;
	json_t *j = json_loads(INFO, 0, NULL);
	ank_content_item it;
	ank_err err;
	assert_int_equal(ank_content_parse(j, &it, &err), 0);
	json_decref(j);
	assert_string_equal(ank_content_text_in(&it, "ar")->title, "دورة");
	/* A language the item lacks: Danish. */
	assert_string_equal(ank_content_text_in(&it, "en")->title, "Kursus");
	assert_false(ank_content_shown(&it, at("2030-01-10T09:59:59Z")));
	assert_true(ank_content_shown(&it, at("2030-01-10T10:00:00Z")));
	assert_true(ank_content_shown(&it, at("2030-01-10T11:59:59Z")));
	assert_false(ank_content_shown(&it, at("2030-01-10T12:00:00Z")));
}

static void test_file(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	static ank_content_list list;
	ank_err err;
	const char *both = fixture_file(f, "both.json", "{\"items\":[" INFO "," ALERT "]}",
	                                strlen("{\"items\":[" INFO "," ALERT "]}"));
	assert_int_equal(ank_content_file_load(both, &list, &err), 0);
	assert_int_equal(list.n, 2);
	const char *one = fixture_file(f, "one.json", ALERT, strlen(ALERT));
	assert_int_equal(ank_content_file_load(one, &list, &err), 0);
	assert_int_equal(list.n, 1);
	const char *bad = fixture_file(f, "bad.json", "{\"items\":{}}", 12);
	assert_int_equal(ank_content_file_load(bad, &list, &err), -1);
	assert_non_null(strstr(err.msg, "items must be a list"));
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keep_replace_withdraw),
	        cmocka_unit_test(test_refused),
	        cmocka_unit_test(test_text_and_box),
	        cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
