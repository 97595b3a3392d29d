/* Golden cases for the shared site config (common/ank_siteconf): the structured form and its
 * one INI writer round-trip through the parser unchanged, and every refusal names its field
 * (and line, for an INI), whether the config came as a file's text or as the admin form. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_siteconf.h"

/* A site with what the demo lacks: hours past midnight, a closed day, a timed alert in two
 * languages and voices. */
static const char rich_ini[] = "[site]\n"
                               "id = skyen\n"
                               "name = Skyen\n"
                               "timezone = Europe/Copenhagen\n"
                               "routes = inject, smoke\n"
                               "women_only = false\n"
                               "assisted = true\n"
                               "languages = da, en, ar\n"
                               "day_starts = 04:30\n"
                               "call_grace_min = 7\n"
                               "warn_min = 25\n"
                               "alarm_min = 40\n"
                               "auto_call = false\n"
                               "history_retention_days = 14\n"
                               "[hours]\n"
                               "mon = 20:00-02:00\n"
                               "tue = 08:30-23:30\n"
                               "sun = closed\n"
                               "sat = 00:00-24:00\n"
                               "[station.s2]\n"
                               "label = Røg 2\n"
                               "type = smoke\n"
                               "[station.s1]\n"
                               "label = Fix 1\n"
                               "type = inject\n"
                               "women_only = true\n"
                               "assisted = false\n"
                               "[nearby.h17]\n"
                               "name = H17\n"
                               "address = Halmtorvet 17\n"
                               "[alert]\n"
                               "severity = danger\n"
                               "from = 2026-12-03T17:00:00.000Z\n"
                               "until = 2026-12-04T17:00:00.000Z\n"
                               "da = Farlig heroin i omløb\n"
                               "en = Dangerous heroin about\n"
                               "[speech]\n"
                               "rate = 160\n"
                               "voice.da = gmq/da\n"
                               "volume.ar = 120\n"
                               "[printer]\n"
                               "device = tcp:192.0.2.7:9100\n"
                               "confirm = status\n"
                               "qr = raster\n"
                               "timeout_ms = 8000\n";

typedef struct parsed {
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
} parsed;

/* INI -> config -> form -> INI -> config: both configs and both forms are the same. */
static void round_trip(const char *ini)
{
	parsed *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	ank_err err;
	if (ank_config_parse_ini_text(ini, "in.ini", &a->cfg, a->st, &a->n, &err))
		fail_msg("%s", err.msg);
	json_t *form = ank_siteconf_to_form(&a->cfg, a->st, a->n);
	assert_non_null(form);
	ank_siteconf_where w;
	char *again = ank_siteconf_form_check(form, &b->cfg, b->st, &b->n, &err, &w);
	if (!again)
		fail_msg("%s (field %s)", err.msg, w.field);
	assert_int_equal(a->n, b->n);
	assert_memory_equal(&a->cfg, &b->cfg, sizeof a->cfg);
	assert_memory_equal(a->st, b->st, sizeof a->st[0] * (size_t)a->n);
	json_t *form2 = ank_siteconf_to_form(&b->cfg, b->st, b->n);
	assert_true(json_equal(form, form2));
	json_decref(form);
	json_decref(form2);
	free(again);
	free(a);
	free(b);
}

static void test_round_trip_demo(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof path, "%s/assets/demo/site.ini", test_source_dir());
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	static char text[16384];
	size_t n = fread(text, 1, sizeof text - 1, fp);
	fclose(fp);
	text[n] = '\0';
	round_trip(text);
}

static void test_round_trip_rich(void **state)
{
	(void)state;
	round_trip(rich_ini);
}

/* The form keeps the stations' order and says the hours as the INI did. */
static void test_form_shape(void **state)
{
	(void)state;
	parsed *p = calloc(1, sizeof *p);
	assert_non_null(p);
	ank_err err;
	assert_int_equal(ank_config_parse_ini_text(rich_ini, "x", &p->cfg, p->st, &p->n, &err), 0);
	json_t *form = ank_siteconf_to_form(&p->cfg, p->st, p->n);
	json_t *hours = json_object_get(form, "hours");
	assert_string_equal(json_string_value(json_object_get(hours, "mon")), "20:00-02:00");
	assert_string_equal(json_string_value(json_object_get(hours, "sun")), "closed");
	assert_string_equal(json_string_value(json_object_get(hours, "sat")), "00:00-24:00");
	assert_string_equal(json_string_value(json_object_get(hours, "wed")), "closed");
	json_t *st = json_object_get(form, "stations");
	assert_int_equal(json_array_size(st), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(st, 0), "id")), "s2");
	json_t *langs = json_object_get(json_object_get(form, "site"), "languages");
	assert_int_equal(json_array_size(langs), 3);
	assert_string_equal(json_string_value(json_array_get(langs, 2)), "ar");
	json_decref(form);
	free(p);
}

/* A bad INI: the field and the line. */
typedef struct ini_case {
	const char *name;
	const char *ini;
	const char *field;
	int line;
} ini_case;

#define SITE_OK "[site]\nid = x\nname = X\n"
#define ONE_ST  "[station.a]\ntype = inject\n"

static void test_ini_errors_name_the_field(void **state)
{
	(void)state;
	static const ini_case cases[] = {
	        {"bad number", SITE_OK "warn_min = many\n" ONE_ST, "site.warn_min", 4},
	        {"unknown key", SITE_OK "colour = red\n" ONE_ST, "site.colour", 4},
	        {"bad hours", SITE_OK "[hours]\nmon = 25:00-02:00\n" ONE_ST, "hours.mon", 5},
	        {"bad station type", SITE_OK "[station.a]\ntype = bath\n", "station.a.type", 5},
	        {"bad station id", SITE_OK "[station.a b]\n", "station.a b", 4},
	        {"unknown section", SITE_OK "[lobby]\n", "lobby", 4},
	        {"no station", SITE_OK, "station", 0},
	        {"alarm before warn", SITE_OK "warn_min = 30\nalarm_min = 20\n" ONE_ST,
	         "site.alarm_min", 0},
	        {"no name", "[site]\nid = x\n" ONE_ST, "site.name", 0},
	        {"room without address", SITE_OK ONE_ST "[nearby.h17]\nname = H17\n",
	         "nearby.h17.address", 0},
	        {"smoke station, no smoking",
	         SITE_OK "routes = inject\n[station.a]\ntype = smoke\n", "station.a.type", 0},
	        {"syntax", SITE_OK "just words\n" ONE_ST, "", 4},
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const ini_case *c = &cases[i];
		parsed *p = calloc(1, sizeof *p);
		ank_err err;
		ank_siteconf_where w = {0};
		int rc = ank_siteconf_parse(c->ini, "t.ini", &p->cfg, p->st, &p->n, &err, &w);
		if (rc != -1 || strcmp(w.field, c->field) || w.line != c->line || !w.reason[0])
			case_fail(&failed, "%s: rc %d field '%s' line %d (%s)", c->name, rc,
			          w.field, w.line, err.msg);
		free(p);
	}
	assert_cases_passed(failed);
}

/* A bad form: a good form with one member replaced; the field the answer must name. */
typedef struct form_case {
	const char *name;
	const char *path;  /* "site.name": section and member to set; "stations": the list */
	const char *value; /* JSON */
	const char *field;
} form_case;

static json_t *good_form(void)
{
	json_error_t je;
	json_t *f = json_loads(
	        "{\"site\": {\"id\": \"x\", \"name\": \"X\", \"routes\": [\"inject\"]},"
	        " \"hours\": {\"mon\": \"22:00-03:00\"},"
	        " \"stations\": [{\"id\": \"a\", \"label\": \"A\", \"type\": \"inject\"},"
	        " {\"id\": \"b\", \"type\": \"flex\"}]}",
	        0, &je);
	assert_non_null(f);
	return f;
}

static void test_form_errors_name_the_field(void **state)
{
	(void)state;
	static const form_case cases[] = {
	        {"line break in a name", "site.name", "\"X\\n[station.evil]\"", "site.name"},
	        {"comment in a name", "site.name", "\"X ; Y\"", "site.name"},
	        {"space at the end", "site.name", "\"X \"", "site.name"},
	        {"object for a flag", "site.women_only", "{}", "site.women_only"},
	        {"number as text", "site.warn_min", "\"twenty\"", "site.warn_min"},
	        {"too many minutes", "site.call_grace_min", "1000", "site.call_grace_min"},
	        {"route unknown", "site.routes", "[\"snort\"]", "site.routes"},
	        {"comma in a list item", "site.languages", "[\"da,en\"]", "site.languages"},
	        {"unknown zone", "site.timezone", "\"Mars/Base\"", "site.timezone"},
	        {"hours before open", "hours.tue", "\"8-16\"", "hours.tue"},
	        {"unknown day", "hours.funday", "\"closed\"", "hours.funday"},
	        {"bad key", "site.Name", "\"X\"", "site.Name"},
	        {"unknown section", "lobby", "{}", "lobby"},
	        {"stations not a list", "stations", "{}", "station"},
	        {"station without id", "stations", "[{\"type\": \"inject\"}]", "station"},
	        {"station id twice", "stations",
	         "[{\"id\": \"a\", \"type\": \"inject\"}, {\"id\": \"a\", \"type\": \"flex\"}]",
	         "station.a.id"},
	        {"station label too long", "stations",
	         "[{\"id\": \"a\", \"label\": \"0123456789012345678901234567890123456789\"}]",
	         "station.a.label"},
	        {"no stations", "stations", "[]", "station"},
	        {"smoking station at an injection site", "stations",
	         "[{\"id\": \"a\", \"type\": \"smoke\"}]", "station.a.type"},
	        {"room without address", "nearby", "[{\"id\": \"h17\", \"name\": \"H17\"}]",
	         "nearby.h17.address"},
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const form_case *c = &cases[i];
		json_t *form = good_form();
		json_error_t je;
		json_t *v = json_loads(c->value, JSON_DECODE_ANY, &je);
		assert_non_null(v);
		const char *dot = strchr(c->path, '.');
		if (dot) {
			char sec[32];
			snprintf(sec, sizeof sec, "%.*s", (int)(dot - c->path), c->path);
			json_object_set_new(json_object_get(form, sec), dot + 1, v);
		} else {
			json_object_set_new(form, c->path, v);
		}
		parsed *p = calloc(1, sizeof *p);
		ank_err err;
		ank_siteconf_where w = {0};
		char *ini = ank_siteconf_form_check(form, &p->cfg, p->st, &p->n, &err, &w);
		if (ini || strcmp(w.field, c->field) || w.line != 0 || !w.reason[0])
			case_fail(&failed, "%s: %s field '%s' (%s)", c->name,
			          ini ? "accepted" : "refused", w.field, ini ? "" : err.msg);
		free(ini);
		free(p);
		json_decref(form);
	}
	assert_cases_passed(failed);
}

/* The good form itself passes, and its hours run past midnight. */
static void test_good_form(void **state)
{
	(void)state;
	json_t *form = good_form();
	parsed *p = calloc(1, sizeof *p);
	ank_err err;
	ank_siteconf_where w;
	char *ini = ank_siteconf_form_check(form, &p->cfg, p->st, &p->n, &err, &w);
	if (!ini)
		fail_msg("%s", err.msg);
	assert_int_equal(p->n, 2);
	assert_int_equal(p->cfg.hours[1].open_min, 22 * 60);
	assert_int_equal(p->cfg.hours[1].close_min, 27 * 60);
	assert_string_equal(p->st[1].label, "b");
	assert_int_equal(p->st[1].type, ANK_STATION_FLEX);
	free(ini);
	free(p);
	json_decref(form);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip_demo),
	        cmocka_unit_test(test_round_trip_rich),
	        cmocka_unit_test(test_form_shape),
	        cmocka_unit_test(test_ini_errors_name_the_field),
	        cmocka_unit_test(test_form_errors_name_the_field),
	        cmocka_unit_test(test_good_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
