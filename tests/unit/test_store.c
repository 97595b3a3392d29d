/* Golden cases for kiosk/store: the INI site config, the registry import, user limits, the
 * outbox sequence, the kiosk id, the sync cursor and refusing files that are not site.db. */
#include "testlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_buf.h"
#include "ank_time.h"

static int setup(void **state)
{
	*state = fixture_new();
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* The documented example files, reached from the source dir CMake passes in. */
static void demo_path(const char *file, char *out, size_t n)
{
	const char *root = getenv("ANK_SOURCE_DIR");
	assert_non_null(root);
	int len = snprintf(out, n, "%s/assets/demo/%s", root, file);
	assert_true(len > 0 && (size_t)len < n);
}

static ank_store *store_of(fixture *f)
{
	return ank_queue_store(f->q);
}

/* Nothing is written until a config is applied or a registry imported. */
static void assert_db_untouched(fixture *f, const char *name)
{
	int site = fixture_count(f, "SELECT count(*) FROM site");
	int outbox = fixture_events(f, NULL);
	int registry = fixture_count(f, "SELECT count(*) FROM registry");
	int keys = fixture_count(f, "SELECT count(*) FROM registry_key");
	if (site || outbox || registry || keys)
		fail_msg("case %s: wrote site %d, outbox %d, registry %d, keys %d", name, site,
		         outbox, registry, keys);
}

/* ---- site config ---- */

static void test_config_demo(void **state)
{
	(void)state;
	char path[512];
	demo_path("site.ini", path, sizeof path);
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n = -1;
	ank_err err = {{0}};
	if (ank_config_parse_ini(path, &cfg, st, &n, &err))
		fail_msg("demo site.ini: %s", err.msg);
	assert_string_equal(cfg.site_id, "demo");
	assert_string_equal(cfg.name, "Demo-rummet");
	assert_string_equal(cfg.timezone, "Europe/Copenhagen");
	assert_false(cfg.women_only);
	assert_true(cfg.routes[ANK_ROUTE_INJECT]);
	assert_true(cfg.routes[ANK_ROUTE_SMOKE]);
	assert_true(cfg.assisted);
	assert_string_equal(cfg.languages, "da,en,sv,kl,pl,ro,lt,ru,ar,fa");
	assert_int_equal(cfg.day_start_min, 5 * 60);
	assert_true(cfg.auto_call);
	assert_int_equal(cfg.grace_min, 5);
	assert_int_equal(cfg.warn_min, 20);
	assert_int_equal(cfg.alarm_min, 30);
	assert_true(cfg.clean_after_session);
	for (int d = 0; d < 7; d++)
		if (cfg.hours[d].open_min != 0 || cfg.hours[d].close_min != 1440)
			fail_msg("day %d: %d-%d, expected 0-1440", d, cfg.hours[d].open_min,
			         cfg.hours[d].close_min);
	static const struct {
		const char *id;
		ank_station_type type;
		bool assisted;
	} want[] = {
	        {"1", ANK_STATION_INJECT, true}, {"2", ANK_STATION_INJECT, false},
	        {"3", ANK_STATION_SMOKE, false}, {"4", ANK_STATION_SMOKE, false},
	        {"5", ANK_STATION_FLEX, false},
	};
	assert_int_equal(n, COUNT_OF(want));
	for (int i = 0; i < n; i++) {
		if (strcmp(st[i].id, want[i].id) != 0 || strcmp(st[i].label, want[i].id) != 0 ||
		    st[i].type != want[i].type || st[i].assisted != want[i].assisted ||
		    st[i].women_only || st[i].sort != i)
			fail_msg("station %d: id %s label %s type %d assisted %d sort %d", i,
			         st[i].id, st[i].label, st[i].type, st[i].assisted, st[i].sort);
	}
	assert_int_equal(cfg.n_nearby, 2);
	assert_string_equal(cfg.nearby[0].name, "H17");
	assert_string_equal(cfg.nearby[0].address, "Halmtorvet 17, 1700 København V");
	assert_string_equal(cfg.nearby[0].hours, "08:30-23:30");
	assert_string_equal(cfg.nearby[1].name, "Reden (kun for kvinder)");
}

static const char *const week[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static void assert_config_equal(const ank_site_config *a, const ank_site_config *b)
{
	assert_string_equal(a->site_id, b->site_id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->timezone, b->timezone);
	assert_int_equal(a->women_only, b->women_only);
	for (int r = 0; r < ANK_ROUTE_COUNT; r++)
		assert_int_equal(a->routes[r], b->routes[r]);
	assert_int_equal(a->assisted, b->assisted);
	assert_string_equal(a->languages, b->languages);
	assert_int_equal(a->day_start_min, b->day_start_min);
	assert_int_equal(a->auto_call, b->auto_call);
	assert_int_equal(a->grace_min, b->grace_min);
	assert_int_equal(a->warn_min, b->warn_min);
	assert_int_equal(a->alarm_min, b->alarm_min);
	assert_int_equal(a->clean_after_session, b->clean_after_session);
	for (int d = 0; d < 7; d++)
		if (a->hours[d].open_min != b->hours[d].open_min ||
		    a->hours[d].close_min != b->hours[d].close_min)
			fail_msg("hours %s: %d-%d vs %d-%d", week[d], a->hours[d].open_min,
			         a->hours[d].close_min, b->hours[d].open_min,
			         b->hours[d].close_min);
	assert_int_equal(a->n_nearby, b->n_nearby);
	for (int i = 0; i < a->n_nearby; i++) {
		assert_string_equal(a->nearby[i].name, b->nearby[i].name);
		assert_string_equal(a->nearby[i].address, b->nearby[i].address);
		assert_string_equal(a->nearby[i].hours, b->nearby[i].hours);
	}
}

/* Parses `path`, applies it and reads it back: what is stored is what was written. */
static void apply_and_reread(fixture *f, const char *path)
{
	ank_site_config cfg, back;
	ank_station st[ANK_MAX_STATIONS], got[ANK_MAX_STATIONS];
	int n, ng;
	ank_err err = {{0}};
	if (ank_config_parse_ini(path, &cfg, st, &n, &err))
		fail_msg("parse %s: %s", path, err.msg);
	assert_int_equal(ank_store_config_get(store_of(f), &back, &err), ANK_STORE_UNKNOWN);
	if (ank_store_config_apply(store_of(f), &cfg, st, n, T0, &err) != ANK_STORE_OK)
		fail_msg("apply: %s", err.msg);
	if (ank_store_config_get(store_of(f), &back, &err) != ANK_STORE_OK)
		fail_msg("re-read: %s", err.msg);
	assert_config_equal(&cfg, &back);
	assert_int_equal(ank_store_stations(store_of(f), got, ANK_MAX_STATIONS, &ng, &err), 0);
	assert_int_equal(ng, n);
	for (int i = 0; i < n; i++) {
		assert_string_equal(got[i].id, st[i].id);
		assert_string_equal(got[i].label, st[i].label);
		assert_int_equal(got[i].type, st[i].type);
		assert_int_equal(got[i].assisted, st[i].assisted);
		assert_int_equal(got[i].women_only, st[i].women_only);
		assert_int_equal(got[i].state, ANK_SS_FREE);
		assert_int_equal(got[i].since_ms, T0);
	}
	/* One event in the same transaction, naming the stations. */
	assert_int_equal(fixture_events(f, "site.config"), 1);
	assert_int_equal(fixture_events(f, NULL), 1);
}

static void test_config_apply_demo_round_trip(void **state)
{
	fixture *f = *state;
	char path[512];
	demo_path("site.ini", path, sizeof path);
	apply_and_reread(f, path);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(ank_store_db(store_of(f)),
	                                    "SELECT payload FROM outbox WHERE type = 'site.config'",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	json_error_t je;
	json_t *j = json_loads((const char *)sqlite3_column_text(s, 0), 0, &je);
	sqlite3_finalize(s);
	assert_non_null(j);
	json_t *ids = json_object_get(j, "stations");
	assert_int_equal(json_array_size(ids), 5);
	assert_string_equal(json_string_value(json_array_get(ids, 4)), "5");
	assert_string_equal(json_string_value(json_object_get(j, "id")), "demo");
	json_decref(j);
}

static const char past_midnight_ini[] = "[site]\n"
                                        "id = night-cafe\n"
                                        "name = Natcaféen på Vesterbro\n"
                                        "timezone = Europe/Copenhagen\n"
                                        "women_only = yes\n"
                                        "routes = smoke\n"
                                        "assisted = no\n"
                                        "languages = en , da\n"
                                        "day_starts = 06:30\n"
                                        "auto_call = 0\n"
                                        "call_grace_min = 120\n"
                                        "warn_min = 1\n"
                                        "alarm_min = 600\n"
                                        "clean_after_session = false\n"
                                        "[hours]\n"
                                        "mon = 08:00-20:00\n"
                                        "tue = 10:00-10:00\n"
                                        "fri = 10:00-02:00\n"
                                        "sat = 22:00-24:00\n"
                                        "sun = closed\n"
                                        "[station.r-1]\n"
                                        "label = Rygerum 1\n"
                                        "type = smoke\n"
                                        "women_only = true\n"
                                        "[station.flex_2]\n"
                                        "type = flex\n"
                                        "[nearby.reden]\n"
                                        "name = Reden\n"
                                        "address = Colbjørnsensgade 13\n";

static void test_config_past_midnight_and_defaults(void **state)
{
	fixture *f = *state;
	const char *path =
	        fixture_file(f, "night.ini", past_midnight_ini, strlen(past_midnight_ini));
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
	ank_err err = {{0}};
	if (ank_config_parse_ini(path, &cfg, st, &n, &err))
		fail_msg("parse: %s", err.msg);
	static const struct {
		const char *day;
		int open, close;
	} hours[7] = {
	        {"sun", -1, -1}, {"mon", 480, 1200}, {"tue", 600, 2040},  {"wed", -1, -1},
	        {"thu", -1, -1}, {"fri", 600, 1560}, {"sat", 1320, 1440},
	};
	for (int d = 0; d < 7; d++)
		if (cfg.hours[d].open_min != hours[d].open ||
		    cfg.hours[d].close_min != hours[d].close)
			fail_msg("case %s: %d-%d, expected %d-%d", hours[d].day,
			         cfg.hours[d].open_min, cfg.hours[d].close_min, hours[d].open,
			         hours[d].close);
	assert_true(cfg.women_only);
	assert_false(cfg.routes[ANK_ROUTE_INJECT]);
	assert_true(cfg.routes[ANK_ROUTE_SMOKE]);
	assert_false(cfg.assisted);
	assert_string_equal(cfg.languages, "en,da");
	assert_int_equal(cfg.day_start_min, 390);
	assert_false(cfg.auto_call);
	assert_int_equal(cfg.grace_min, 120);
	assert_int_equal(cfg.warn_min, 1);
	assert_int_equal(cfg.alarm_min, 600);
	assert_false(cfg.clean_after_session);
	/* Station defaults: label is the id, assisted true, women_only false. */
	assert_int_equal(n, 2);
	assert_string_equal(st[0].label, "Rygerum 1");
	assert_true(st[0].women_only);
	assert_string_equal(st[1].id, "flex_2");
	assert_string_equal(st[1].label, "flex_2");
	assert_int_equal(st[1].type, ANK_STATION_FLEX);
	assert_true(st[1].assisted);
	assert_false(st[1].women_only);
	assert_int_equal(cfg.n_nearby, 1);
	assert_string_equal(cfg.nearby[0].hours, "");
	/* Parsing wrote nothing; applying and re-reading keeps every field. */
	assert_db_untouched(f, "past-midnight");
	apply_and_reread(f, path);
}

/* A minimal valid config the bad cases below break one piece at a time. */
#define SITE_OK    "[site]\nid = t\nname = Test\n"
#define STATION_OK "[station.1]\ntype = inject\n"
#define NEARBY(id) "[nearby." id "]\nname = Room " id "\naddress = Street " id "\n"

typedef struct bad_config_case {
	const char *name;
	const char *ini;
	const char *want; /* substring of the error message */
} bad_config_case;

static const bad_config_case bad_configs[] = {
        {"unknown-section", SITE_OK STATION_OK "[bogus]\nx = 1\n", "unknown section [bogus]"},
        {"unknown-key", SITE_OK "colour = red\n" STATION_OK, "unknown key 'colour' in [site]"},
        {"unknown-key-hours", SITE_OK "[hours]\nmonday = 08:00-20:00\n" STATION_OK,
         "unknown key 'monday' in [hours]"},
        {"unknown-key-station", SITE_OK STATION_OK "colour = red\n",
         "unknown key 'colour' in [station.1]"},
        {"alert-bad-severity", SITE_OK STATION_OK "[alert]\nda = x\nseverity = grave\n",
         "bad value for 'severity' in [alert]"},
        {"alert-bad-time", SITE_OK STATION_OK "[alert]\nda = x\nfrom = 2026-12-03 18:00\n",
         "bad value for 'from' in [alert]"},
        {"alert-until-before-from",
         SITE_OK STATION_OK "[alert]\nda = x\nfrom = 2026-12-03T18:00:00Z\n"
                            "until = 2026-12-03T17:00:00Z\n",
         "until must be after from"},
        {"alert-box-without-text", SITE_OK STATION_OK "[alert]\nuntil = 2026-12-03T17:00:00Z\n",
         "no text in any language"},
        {"bad-timezone", SITE_OK "timezone = Europe/Aarhus\n" STATION_OK,
         "bad value for 'timezone'"},
        {"bad-bool", SITE_OK "women_only = maybe\n" STATION_OK, "bad value for 'women_only'"},
        {"bad-hours-25", SITE_OK "[hours]\nmon = 25:00-02:00\n" STATION_OK,
         "bad value for 'mon' in [hours]"},
        {"bad-hours-spaces", SITE_OK "[hours]\ntue = 08:00 - 20:00\n" STATION_OK,
         "bad value for 'tue'"},
        {"bad-hours-open-24", SITE_OK "[hours]\nwed = 24:00-02:00\n" STATION_OK,
         "bad value for 'wed'"},
        {"bad-station-type", SITE_OK "[station.1]\ntype = bath\n", "bad value for 'type'"},
        {"missing-site-id", "[site]\nname = Test\n" STATION_OK, "[site] id is missing"},
        {"missing-name", "[site]\nid = t\n" STATION_OK, "[site] name is missing"},
        {"empty-name", SITE_OK "name =\n" STATION_OK, "bad value for 'name'"},
        {"no-stations", SITE_OK, "no [station.ID] section"},
        {"smoke-station-inject-site",
         SITE_OK "routes = inject\n" STATION_OK "[station.3]\ntype = smoke\n",
         "station 3 is for smoking"},
        {"inject-station-smoke-site", SITE_OK "routes = smoke\n" STATION_OK, "station 1 injects"},
        {"unknown-route", SITE_OK "routes = inject, snort\n" STATION_OK, "bad value for 'routes'"},
        {"alarm-equals-warn", SITE_OK "warn_min = 30\nalarm_min = 30\n" STATION_OK,
         "alarm_min must be above warn_min"},
        {"alarm-below-warn", SITE_OK "warn_min = 40\n" STATION_OK,
         "alarm_min must be above warn_min"},
        {"warn-zero", SITE_OK "warn_min = 0\n" STATION_OK, "bad value for 'warn_min'"},
        {"grace-too-long", SITE_OK "call_grace_min = 121\n" STATION_OK,
         "bad value for 'call_grace_min'"},
        {"day-starts-24", SITE_OK "day_starts = 24:00\n" STATION_OK, "bad value for 'day_starts'"},
        {"station-id-space", SITE_OK "[station.a b]\ntype = inject\n", "bad station id 'a b'"},
        {"station-id-slash", SITE_OK "[station.a/b]\ntype = inject\n", "bad station id 'a/b'"},
        {"site-id-space", "[site]\nid = my site\nname = Test\n" STATION_OK, "bad value for 'id'"},
        {"name-not-utf8", "[site]\nid = t\nname = Caf\xe9\n" STATION_OK, "bad value for 'name'"},
        {"name-control-char", "[site]\nid = t\nname = a\tb\n" STATION_OK, "bad value for 'name'"},
        {"languages-upper", SITE_OK "languages = DA\n" STATION_OK, "bad value for 'languages'"},
        {"languages-empty-item", SITE_OK "languages = da,,en\n" STATION_OK,
         "bad value for 'languages'"},
        {"nearby-no-address", SITE_OK STATION_OK "[nearby.x]\nname = X\n",
         "nearby room 1 needs name and address"},
        {"nine-nearby",
         SITE_OK STATION_OK NEARBY("a") NEARBY("b") NEARBY("c") NEARBY("d") NEARBY("e") NEARBY("f")
                 NEARBY("g") NEARBY("h") NEARBY("i"),
         "more than 8 nearby rooms"},
        {"no-equals", SITE_OK "just some words\n" STATION_OK, "syntax error"},
        {"speech-unknown-key", SITE_OK STATION_OK "[speech]\npitch = 50\n",
         "unknown key 'pitch' in [speech]"},
        {"speech-rate-slow", SITE_OK STATION_OK "[speech]\nrate = 79\n",
         "bad value for 'rate' in [speech]"},
        {"speech-rate-fast", SITE_OK STATION_OK "[speech]\nrate = 451\n",
         "bad value for 'rate' in [speech]"},
        {"speech-volume-loud", SITE_OK STATION_OK "[speech]\nvolume = 201\n",
         "bad value for 'volume' in [speech]"},
        {"speech-voice-not-a-language", SITE_OK STATION_OK "[speech]\nvoice.DA = da\n",
         "unknown key 'voice.DA' in [speech]"},
        {"speech-voice-name-space", SITE_OK STATION_OK "[speech]\nvoice.da = my voice\n",
         "bad value for 'voice.da' in [speech]"},
        {"speech-volume-lang-word", SITE_OK STATION_OK "[speech]\nvolume.en = loud\n",
         "bad value for 'volume.en' in [speech]"},
        /* inih never calls back for a section without keys; the documented rule ("any
         * unknown section is an error") must still hold. */
        {"unknown-section-without-keys", SITE_OK STATION_OK "[bogus]\n", "unknown section [bogus]"},
};

static void test_config_bad_golden(void **state)
{
	fixture *f = *state;
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(bad_configs); i++) {
		const bad_config_case *c = &bad_configs[i];
		const char *path = fixture_file(f, "bad.ini", c->ini, strlen(c->ini));
		ank_site_config cfg;
		ank_station st[ANK_MAX_STATIONS];
		int n = -1;
		ank_err err = {{0}};
		int rc = ank_config_parse_ini(path, &cfg, st, &n, &err);
		if (rc != -1)
			case_fail(&failed, "case %s: parsed, expected an error with '%s'", c->name,
			          c->want);
		else if (!strstr(err.msg, c->want))
			case_fail(&failed, "case %s: message '%s' lacks '%s'", c->name, err.msg,
			          c->want);
		else if (n != 0)
			case_fail(&failed, "case %s: reported %d stations on failure", c->name, n);
		assert_db_untouched(f, c->name);
	}
	assert_cases_passed(failed);
}

/* When a file has several mistakes the message must describe the line it names. */
static void test_config_first_error_reported(void **state)
{
	fixture *f = *state;
	static const char ini[] = SITE_OK "colour = red\n" STATION_OK "[bogus]\nx = 1\n";
	const char *path = fixture_file(f, "two-errors.ini", ini, strlen(ini));
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
	ank_err err = {{0}};
	assert_int_equal(ank_config_parse_ini(path, &cfg, st, &n, &err), -1);
	if (!strstr(err.msg, "two-errors.ini:4: unknown key 'colour'"))
		fail_msg("message '%s' does not describe line 4 (colour)", err.msg);
}

/* Every station key has a default, so a bare [station.ID] is a station (docs/formats.md). */
static void test_config_bare_station_section(void **state)
{
	fixture *f = *state;
	static const char ini[] = SITE_OK STATION_OK "[station.2]\n";
	const char *path = fixture_file(f, "bare.ini", ini, strlen(ini));
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n = 0;
	ank_err err = {{0}};
	if (ank_config_parse_ini(path, &cfg, st, &n, &err))
		fail_msg("parse: %s", err.msg);
	if (n != 2)
		fail_msg("bare [station.2] gave %d stations, expected 2", n);
	assert_string_equal(st[1].id, "2");
	assert_string_equal(st[1].label, "2");
	assert_int_equal(st[1].type, ANK_STATION_INJECT);
	assert_true(st[1].assisted);
}

/* The documented limit (ANK_TEXT_MAX bytes) for names and addresses: a value of exactly that
 * size must parse whatever the key's length, one byte more must not. */
static void test_config_longest_values(void **state)
{
	fixture *f = *state;
	char longest[ANK_TEXT_MAX + 1];
	memset(longest, 'x', ANK_TEXT_MAX);
	longest[ANK_TEXT_MAX] = '\0';
	static const struct {
		const char *name, *fmt;
	} cases[] = {
	        {"site-name", "[site]\nid = t\nname = %s\n" STATION_OK},
	        {"nearby-name", SITE_OK STATION_OK "[nearby.a]\nname = %s\naddress = A\n"},
	        {"nearby-address", SITE_OK STATION_OK "[nearby.a]\nname = A\naddress = %s\n"},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char ini[512];
		int len = snprintf(ini, sizeof ini, cases[i].fmt, longest);
		assert_true(len > 0 && (size_t)len < sizeof ini);
		const char *path = fixture_file(f, "long.ini", ini, (size_t)len);
		ank_site_config cfg;
		ank_station st[ANK_MAX_STATIONS];
		int n;
		ank_err err = {{0}};
		if (ank_config_parse_ini(path, &cfg, st, &n, &err)) {
			case_fail(&failed, "case %s: %s", cases[i].name, err.msg);
			continue;
		}
		const char *got = i == 0   ? cfg.name
		                  : i == 1 ? cfg.nearby[0].name
		                           : cfg.nearby[0].address;
		if (strcmp(got, longest) != 0)
			case_fail(&failed, "case %s: value not kept whole", cases[i].name);
	}
	assert_cases_passed(failed);
	/* One byte more is refused. */
	char ini[512];
	int len = snprintf(ini, sizeof ini, "[site]\nid = t\nname = %sx\n" STATION_OK, longest);
	assert_true(len > 0 && (size_t)len < sizeof ini);
	const char *path = fixture_file(f, "long.ini", ini, (size_t)len);
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
	ank_err err = {{0}};
	assert_int_equal(ank_config_parse_ini(path, &cfg, st, &n, &err), -1);
	assert_non_null(strstr(err.msg, "bad value for 'name'"));
	/* A line inih would split in two is refused as such, not misread as two lines. */
	char huge[300];
	memset(huge, 'x', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	len = snprintf(ini, sizeof ini, "[site]\nid = t\nname = %s\n" STATION_OK, huge);
	assert_true(len > 0 && (size_t)len < sizeof ini);
	path = fixture_file(f, "long.ini", ini, (size_t)len);
	assert_int_equal(ank_config_parse_ini(path, &cfg, st, &n, &err), -1);
	if (!strstr(err.msg, "long.ini:3: line longer than"))
		fail_msg("over-long line: '%s'", err.msg);
	assert_db_untouched(f, "long lines");
}

static void test_config_missing_file(void **state)
{
	fixture *f = *state;
	char path[160];
	snprintf(path, sizeof path, "%s/nope.ini", f->dir);
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
	ank_err err = {{0}};
	assert_int_equal(ank_config_parse_ini(path, &cfg, st, &n, &err), -1);
	assert_non_null(strstr(err.msg, "nope.ini: cannot open"));
}

/* ---- registry import ---- */

static void test_registry_demo(void **state)
{
	fixture *f = *state;
	char path[512];
	demo_path("registry.json", path, sizeof path);
	int count = -1;
	ank_err err = {{0}};
	if (ank_store_registry_import(store_of(f), path, T0, &count, &err))
		fail_msg("demo registry: %s", err.msg);
	assert_int_equal(count, 9);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM registry"), 9);
	assert_int_equal(fixture_events(f, "registry.imported"), 1);
	assert_int_equal(fixture_events(f, NULL), 1);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox"
	                                  " WHERE payload = '{\"users\":9}'"),
	                 1);
	int64_t ms;
	ank_user u = fixture_get_user(f, "u-0001");
	assert_string_equal(u.nickname, "Søren");
	assert_int_equal(u.birth_year, 1984);
	assert_string_equal(u.gender, "male");
	assert_string_equal(u.municipality, "101");
	assert_string_equal(u.consent_version, "2024-1");
	assert_int_equal(ank_iso_parse("2024-03-01T10:00:00Z", &ms), 0);
	assert_int_equal(u.consent_ms, ms);
	assert_string_equal(u.language, "da");
	assert_int_equal(u.quarantine_until_ms, 0);
	u = fixture_get_user(f, "u-0008");
	assert_int_equal(ank_iso_parse("2099-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(u.quarantine_until_ms, ms);
	u = fixture_get_user(f, "u-0006");
	assert_string_equal(u.nickname, "Æblet");
	assert_string_equal(u.municipality, "unknown");
	assert_string_equal(u.language, "");
}

/* One valid user, for the cases that break one field at a time. */
#define USER_FIELDS(id, nick, year)                                                                \
	"\"id\": \"" id "\", \"nickname\": \"" nick "\", \"birth_year\": " year                    \
	", \"gender\": \"male\", \"municipality\": \"101\", \"consent_version\": \"2024-1\""
#define REGISTRY(users) "{\"version\": 1, \"users\": [" users "]}"
#define GOOD_USER(id)   "{" USER_FIELDS(id, "Ok", "1980") "}"

typedef struct bad_registry_case {
	const char *name;
	const char *json;
	const char *want; /* substring of the error message */
} bad_registry_case;

static const bad_registry_case bad_registries[] = {
        {"invalid-utf8-nickname", REGISTRY("{" USER_FIELDS("u1", "S\xff\xfeoren", "1980") "}"),
         "invalid UTF-8"},
        {"control-char-nickname", REGISTRY("{" USER_FIELDS("u1", "S\\u0007oren", "1980") "}"),
         "nickname"},
        {"empty-nickname", REGISTRY("{" USER_FIELDS("u1", "", "1980") "}"), "nickname"},
        {"nickname-41-chars",
         REGISTRY("{" USER_FIELDS("u1", "abcdefghijabcdefghijabcdefghijabcdefghijk", "1980") "}"),
         "nickname has 41 characters"},
        {"unknown-gender",
         REGISTRY("{\"id\": \"u1\", \"nickname\": \"A\", \"birth_year\": 1980, \"gender\": "
                  "\"alien\","
                  " \"municipality\": \"101\"}"),
         "gender 'alien'"},
        {"unknown-municipality",
         REGISTRY(
                 "{\"id\": \"u1\", \"nickname\": \"A\", \"birth_year\": 1980, \"gender\": \"male\","
                 " \"municipality\": \"999\"}"),
         "municipality '999'"},
        {"christianso-not-municipality",
         REGISTRY(
                 "{\"id\": \"u1\", \"nickname\": \"A\", \"birth_year\": 1980, \"gender\": \"male\","
                 " \"municipality\": \"411\"}"),
         "municipality '411'"},
        {"birth-year-string", REGISTRY("{" USER_FIELDS("u1", "A", "\"1984\"") "}"),
         "birth_year must be an integer"},
        {"birth-year-1850", REGISTRY("{" USER_FIELDS("u1", "A", "1850") "}"), "birth_year 1850"},
        {"birth-year-future", REGISTRY("{" USER_FIELDS("u1", "A", "3000") "}"), "birth_year 3000"},
        {"birth-year-float", REGISTRY("{" USER_FIELDS("u1", "A", "1984.0") "}"), "birth_year"},
        {"missing-id",
         REGISTRY("{\"nickname\": \"A\", \"birth_year\": 1980, \"gender\": \"male\","
                  " \"municipality\": \"101\"}"),
         "id is missing"},
        {"bad-id-space", REGISTRY("{" USER_FIELDS("a b", "A", "1980") "}"), "id must be"},
        {"gender-null",
         REGISTRY("{\"id\": \"u1\", \"nickname\": \"A\", \"birth_year\": 1980, \"gender\": null,"
                  " \"municipality\": \"101\"}"),
         "gender is missing"},
        {"language-upper", REGISTRY("{" USER_FIELDS("u1", "A", "1980") ", \"language\": \"DA\"}"),
         "language 'DA'"},
        {"duplicate-key", REGISTRY("{" USER_FIELDS("u1", "A", "1980") ", \"id\": \"u2\"}"),
         "duplicate"},
        {"top-level-array", "[" GOOD_USER("u1") "]", "expected {\"version\": 1"},
        {"version-2", "{\"version\": 2, \"users\": [" GOOD_USER("u1") "]}",
         "expected {\"version\": 1"},
        {"version-missing", "{\"users\": [" GOOD_USER("u1") "]}", "expected {\"version\": 1"},
        {"users-not-array", "{\"version\": 1, \"users\": {}}", "expected {\"version\": 1"},
        {"entry-not-object", REGISTRY("1"), "entry is not an object"},
        {"truncated", "{\"version\": 1, \"users\": [{\"id\": \"u", "premature end of input"},
        {"empty-file", "", "nothing imported"},
        {"bad-quarantine-date",
         REGISTRY("{" USER_FIELDS("u1", "A",
                                  "1980") ", \"quarantine_until\": \"2026-02-31T00:00:00Z\"}"),
         "quarantine_until must be"},
        {"bad-consent-date",
         REGISTRY("{" USER_FIELDS("u1", "A", "1980") ", \"consent_at\": \"yesterday\"}"),
         "consent_at must be"},
        /* All or nothing: the good users before and after the bad one are not imported, and
         * the message points at the bad one. */
        {"one-bad-among-good",
         REGISTRY(GOOD_USER("g1") "," GOOD_USER("g2") ",{" USER_FIELDS(
                 "g3", "A", "1850") "}," GOOD_USER("g4")),
         "users[2]: birth_year 1850"},
};

/* Imports `json` and checks it is refused with `want` in the message and nothing written;
 * counts a broken case in *failed. */
static void expect_import_refused(fixture *f, const char *name, const char *json, size_t len,
                                  const char *want, int registry_before, int outbox_before,
                                  int *failed)
{
	const char *path = fixture_file(f, "bad.json", json, len);
	int count = -1;
	ank_err err = {{0}};
	int rc = ank_store_registry_import(store_of(f), path, T0, &count, &err);
	int registry = fixture_count(f, "SELECT count(*) FROM registry");
	int outbox = fixture_events(f, NULL);
	if (rc != -1)
		case_fail(failed, "case %s: imported, expected an error with '%s'", name, want);
	else if (!strstr(err.msg, want))
		case_fail(failed, "case %s: message '%s' lacks '%s'", name, err.msg, want);
	else if (!strstr(err.msg, "bad.json"))
		case_fail(failed, "case %s: message '%s' does not name the file", name, err.msg);
	else if (count != 0)
		case_fail(failed, "case %s: count %d on failure", name, count);
	else if (registry != registry_before || outbox != outbox_before)
		case_fail(failed, "case %s: registry %d (was %d), outbox %d (was %d)", name,
		          registry, registry_before, outbox, outbox_before);
}

static void test_registry_bad_golden(void **state)
{
	fixture *f = *state;
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(bad_registries); i++) {
		const bad_registry_case *c = &bad_registries[i];
		expect_import_refused(f, c->name, c->json, strlen(c->json), c->want, 0, 0, &failed);
	}
	assert_cases_passed(failed);
	assert_db_untouched(f, "bad registries");
}

/* A nickname far beyond the limit is refused without being copied anywhere. */
static void test_registry_huge_nickname(void **state)
{
	fixture *f = *state;
	ank_buf b;
	ank_buf_init(&b, 20000);
	assert_int_equal(ank_buf_puts(&b, "{\"version\": 1, \"users\": [{\"id\": \"u1\","
	                                  " \"nickname\": \""),
	                 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(ank_buf_append(&b, "a", 1), 0);
	assert_int_equal(ank_buf_puts(&b, "\", \"birth_year\": 1980, \"gender\": \"male\","
	                                  " \"municipality\": \"101\"}]}"),
	                 0);
	int failed = 0;
	expect_import_refused(f, "10000-char-nickname", b.data, b.len, "nickname", 0, 0, &failed);
	ank_buf_free(&b);
	assert_cases_passed(failed);
	assert_db_untouched(f, "10000-char-nickname");
}

/* A failed import after a good one leaves the earlier users exactly as they were. */
static void test_registry_failure_keeps_previous(void **state)
{
	fixture *f = *state;
	char path[512];
	demo_path("registry.json", path, sizeof path);
	int count;
	ank_err err = {{0}};
	assert_int_equal(ank_store_registry_import(store_of(f), path, T0, &count, &err), 0);
	static const char json[] = REGISTRY("{" USER_FIELDS(
	        "u-0001", "Renamed", "1984") "},"
	                                     "{" USER_FIELDS("u-0100", "New", "1850") "}");
	int failed = 0;
	expect_import_refused(f, "rename-then-bad", json, strlen(json), "users[1]", 9, 1, &failed);
	assert_cases_passed(failed);
	assert_string_equal(fixture_get_user(f, "u-0001").nickname, "Søren");
}

static int search_ids(fixture *f, const char *typed, char ids[][ANK_ID_MAX + 1], int max)
{
	ank_match m[16];
	int n = 0;
	ank_err err = {{0}};
	assert_true(max <= 16);
	if (ank_store_search(store_of(f), typed, m, max, &n, NULL, &err))
		fail_msg("search %s: %s", typed, err.msg);
	for (int i = 0; i < n; i++)
		snprintf(ids[i], ANK_ID_MAX + 1, "%s", m[i].user_id);
	return n;
}

/* A second import updates known ids in place (upsert) and adds new ones. */
static void test_registry_upsert(void **state)
{
	fixture *f = *state;
	char path[512];
	demo_path("registry.json", path, sizeof path);
	int count;
	ank_err err = {{0}};
	assert_int_equal(ank_store_registry_import(store_of(f), path, T0, &count, &err), 0);
	static const char json[] = REGISTRY("{" USER_FIELDS(
	        "u-0001", "Mads", "1985") ", \"language\": \"en\","
	                                  " \"quarantine_until\": \"2030-01-01T00:00:00Z\"},"
	                                  "{" USER_FIELDS("u-0010", "Ida", "1995") "}");
	const char *p = fixture_file(f, "update.json", json, strlen(json));
	if (ank_store_registry_import(store_of(f), p, T0 + 1, &count, &err))
		fail_msg("second import: %s", err.msg);
	assert_int_equal(count, 2);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM registry"), 10);
	assert_int_equal(fixture_events(f, "registry.imported"), 2);
	ank_user u = fixture_get_user(f, "u-0001");
	assert_string_equal(u.nickname, "Mads");
	assert_int_equal(u.birth_year, 1985);
	assert_string_equal(u.language, "en");
	assert_true(u.quarantine_until_ms > 0);
	assert_string_equal(fixture_get_user(f, "u-0010").nickname, "Ida");
	/* The old name's search keys went with it; the new name is found. */
	char ids[16][ANK_ID_MAX + 1];
	int n = search_ids(f, "sør", ids, 16);
	for (int i = 0; i < n; i++)
		if (!strcmp(ids[i], "u-0001"))
			fail_msg("renamed user still found by the old name");
	assert_int_equal(n, 2); /* u-0002 Søren and u-0003 Big Søren */
	n = search_ids(f, "mad", ids, 16);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "u-0001");
}

/* ---- user limits ---- */

static ank_user base_user(const char *id)
{
	ank_user u;
	memset(&u, 0, sizeof u);
	snprintf(u.id, sizeof u.id, "%s", id);
	snprintf(u.nickname, sizeof u.nickname, "Ok");
	u.birth_year = 1980;
	snprintf(u.gender, sizeof u.gender, "female");
	snprintf(u.municipality, sizeof u.municipality, "147");
	return u;
}

static void test_user_upsert_limits(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	/* The longest nickname the struct holds (160 bytes) is still 160 characters: refused
	 * before anything is written. A 10,000-character one cannot reach this API; the
	 * import test covers it. */
	static const struct {
		const char *name;
		size_t repeat;
		const char *unit;
		const char *want;
	} bad[] = {
	        {"160-ascii", ANK_NICK_MAX_BYTES, "a", "160 characters"},
	        {"41-ascii", ANK_NICK_MAX_CHARS + 1, "a", "41 characters"},
	        {"41-danish", ANK_NICK_MAX_CHARS + 1, "ø", "41 characters"},
	};
	for (size_t i = 0; i < COUNT_OF(bad); i++) {
		ank_user u = base_user("u1");
		u.nickname[0] = '\0';
		size_t ul = strlen(bad[i].unit);
		for (size_t k = 0; k < bad[i].repeat; k++)
			memcpy(u.nickname + k * ul, bad[i].unit, ul + 1);
		ank_err err = {{0}};
		assert_int_equal(ank_store_begin(st, &err), 0);
		int rc = ank_store_user_upsert(st, &u, &err);
		ank_store_rollback(st);
		if (rc != -1 || !strstr(err.msg, bad[i].want))
			fail_msg("case %s: rc %d, message '%s', expected '%s'", bad[i].name, rc,
			         err.msg, bad[i].want);
		assert_db_untouched(f, bad[i].name);
	}
	/* 40 four-byte letters fill ANK_NICK_MAX_BYTES exactly and are allowed. */
	ank_user u = base_user("u2");
	for (int k = 0; k < ANK_NICK_MAX_CHARS; k++)
		memcpy(u.nickname + 4 * k, "\xF0\x9D\x92\x9C", 5); /* U+1D49C script capital A */
	assert_int_equal(strlen(u.nickname), ANK_NICK_MAX_BYTES);
	fixture_put_user(f, &u);
	assert_string_equal(fixture_get_user(f, "u2").nickname, u.nickname);
	/* 40 ø (two bytes each) is exactly the character limit. */
	u = base_user("u3");
	for (int k = 0; k < ANK_NICK_MAX_CHARS; k++)
		memcpy(u.nickname + 2 * k, "ø", 3);
	fixture_put_user(f, &u);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM registry"), 2);
}

/* ---- outbox, kiosk id, cursor ---- */

static void append_events(ank_store *st, int n, int first, bool commit)
{
	ank_err err = {{0}};
	assert_int_equal(ank_store_begin(st, &err), 0);
	for (int i = 0; i < n; i++) {
		json_t *p = json_pack("{s:i, s:s}", "change", first + i, "reason", "ø");
		if (ank_store_outbox_append(st, ANK_EV_CHANGE_SKIPPED, T0 + first + i, p, &err))
			fail_msg("append %d: %s", first + i, err.msg);
	}
	if (commit)
		assert_int_equal(ank_store_commit(st, &err), 0);
	else
		ank_store_rollback(st);
}

static void test_outbox_sequence(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	assert_int_equal(ank_store_outbox_last_seq(st), 0);
	append_events(st, 5, 0, true);
	/* A rolled-back transaction must not leave a hole in the sequence. */
	append_events(st, 3, 100, false);
	append_events(st, 2, 5, true);
	assert_int_equal(ank_store_outbox_last_seq(st), 7);
	assert_int_equal(fixture_events(f, NULL), 7);
	assert_int_equal(fixture_count(f, "SELECT count(DISTINCT event_id) FROM outbox"), 7);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox WHERE length(event_id) = 32"
	                                  " AND event_id NOT GLOB '*[^0-9a-f]*'"),
	                 7);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(ank_store_db(st),
	                                    "SELECT seq, type, kiosk_ms, payload FROM outbox"
	                                    " ORDER BY seq",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(s, 0), i + 1);
		assert_string_equal((const char *)sqlite3_column_text(s, 1), "change.skipped");
		assert_int_equal(sqlite3_column_int64(s, 2), T0 + i);
		const char *payload = (const char *)sqlite3_column_text(s, 3);
		json_error_t je;
		json_t *j = json_loads(payload, JSON_REJECT_DUPLICATES, &je);
		if (!j)
			fail_msg("seq %d: payload is not JSON: %s", i + 1, je.text);
		assert_int_equal(json_integer_value(json_object_get(j, "change")), i);
		json_decref(j);
		/* Compact with sorted keys, as documented for central. */
		char want[64];
		snprintf(want, sizeof want, "{\"change\":%d,\"reason\":\"ø\"}", i);
		assert_string_equal(payload, want);
	}
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

/* What ank_store_outbox_read handed over, copied out of the callback. */
typedef struct outbox_seen {
	int n;
	int stop_at; /* stop (with an error) at this seq; 0: never */
	int64_t seq[16];
	char id[16][33];
	char payload[16][64];
	int64_t kiosk_ms[16];
} outbox_seen;

static int outbox_collect(void *ctx, const ank_outbox_row *row, ank_err *err)
{
	outbox_seen *o = ctx;
	if (o->stop_at && row->seq == o->stop_at)
		return ank_err_set(err, "stopped at %lld", (long long)row->seq);
	assert_true(o->n < 16);
	assert_string_equal(row->type, "change.skipped");
	o->seq[o->n] = row->seq;
	o->kiosk_ms[o->n] = row->kiosk_ms;
	snprintf(o->id[o->n], sizeof o->id[0], "%s", row->event_id);
	snprintf(o->payload[o->n], sizeof o->payload[0], "%s", row->payload);
	o->n++;
	return 0;
}

static void test_outbox_read(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	ank_err err = {{0}};
	append_events(st, 7, 0, true);
	/* Golden cases: {after, max} → the sequence numbers handed over. */
	static const struct {
		const char *name;
		int64_t after;
		int max;
		int first, n;
	} cases[] = {
	        {"all, no limit", 0, 0, 1, 7},   {"all, negative limit", 0, -1, 1, 7},
	        {"after 3, two", 3, 2, 4, 2},    {"limit above the rest", 5, 100, 6, 2},
	        {"after the last", 7, 10, 0, 0}, {"far after", 1000, 0, 0, 0},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		outbox_seen o = {0};
		if (ank_store_outbox_read(st, cases[c].after, cases[c].max, outbox_collect, &o,
		                          &err))
			fail_msg("%s: %s", cases[c].name, err.msg);
		if (o.n != cases[c].n)
			fail_msg("%s: %d rows, want %d", cases[c].name, o.n, cases[c].n);
		for (int i = 0; i < o.n; i++) {
			assert_int_equal(o.seq[i], cases[c].first + i);
			assert_int_equal(o.kiosk_ms[i], T0 + cases[c].first - 1 + i);
			char want[64];
			snprintf(want, sizeof want, "{\"change\":%d,\"reason\":\"ø\"}",
			         cases[c].first - 1 + i);
			assert_string_equal(o.payload[i], want);
			char sql[128];
			snprintf(sql, sizeof sql,
			         "SELECT count(*) FROM outbox WHERE seq = %lld"
			         " AND event_id = '%s'",
			         (long long)o.seq[i], o.id[i]);
			assert_int_equal(fixture_count(f, sql), 1);
		}
	}
	/* A callback that stops makes the read fail with its message; the store stays usable. */
	outbox_seen o = {.stop_at = 3};
	assert_int_equal(ank_store_outbox_read(st, 0, 0, outbox_collect, &o, &err), -1);
	assert_int_equal(o.n, 2);
	assert_string_equal(err.msg, "stopped at 3");
	o = (outbox_seen){0};
	assert_int_equal(ank_store_outbox_read(st, 0, 0, outbox_collect, &o, &err), 0);
	assert_int_equal(o.n, 7);
}

/* Row getters say "not found" apart from a failure, and every result has a name. */
static void test_store_rc(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	ank_err err = {{0}};
	ank_station s;
	ank_ticket t;
	ank_user u;
	assert_int_equal(ank_store_station_get(st, "nope", &s, &err), ANK_STORE_UNKNOWN);
	assert_int_equal(ank_store_ticket_get(st, 999, &t, &err), ANK_STORE_UNKNOWN);
	assert_int_equal(ank_store_ticket_open_for_user(st, "u-none", &t, &err), ANK_STORE_UNKNOWN);
	assert_int_equal(ank_store_user_get(st, "u-none", &u, &err), ANK_STORE_UNKNOWN);
	static const struct {
		ank_store_rc rc;
		const char *name;
	} names[] = {{ANK_STORE_OK, "ok"},
	             {ANK_STORE_UNKNOWN, "unknown"},
	             {ANK_STORE_REFUSED, "refused"},
	             {ANK_STORE_DB, "db"},
	             {(ank_store_rc)99, "invalid result"}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_string_equal(ank_store_strerror(names[i].rc), names[i].name);
}

static void test_outbox_null_payload(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	ank_err err = {{0}};
	assert_int_equal(ank_store_begin(st, &err), 0);
	assert_int_equal(ank_store_outbox_append(st, ANK_EV_CHANGE_SKIPPED, T0, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "change.skipped"));
	/* A payload that lacks a field of its type, or has one of the wrong type, is refused
	 * before it can reach central (which would refuse it and stop this kiosk's sync). */
	assert_int_equal(ank_store_outbox_append(st, ANK_EV_CHANGE_SKIPPED, T0,
	                                         json_pack("{s:s}", "reason", "x"), &err),
	                 -1);
	assert_non_null(strstr(err.msg, "payload.change: missing"));
	assert_int_equal(ank_store_outbox_append(
	                         st, ANK_EV_STATION_STATE, T0,
	                         json_pack("{s:s, s:s}", "station", "s1", "state", "asleep"), &err),
	                 -1);
	assert_non_null(strstr(err.msg, "payload.state: not a station state"));
	assert_int_equal(ank_store_outbox_append(st, ANK_EV_TICKET_ISSUED, T0,
	                                         json_pack("{s:s}", "ticket", "7"), &err),
	                 -1);
	assert_non_null(strstr(err.msg, "payload.ticket: not an integer"));
	ank_store_rollback(st);
	assert_int_equal(ank_store_outbox_last_seq(st), 0);
}

static void test_kiosk_id_stable(void **state)
{
	fixture *f = *state;
	char a[160], b[160];
	snprintf(a, sizeof a, "%s/kiosk-a.db", f->dir);
	snprintf(b, sizeof b, "%s/kiosk-b.db", f->dir);
	ank_store *st;
	ank_err err = {{0}};
	char first[ANK_ID_MAX + 1], again[ANK_ID_MAX + 1];
	assert_int_equal(ank_store_open(a, &st, &err), 0);
	snprintf(first, sizeof first, "%s", ank_store_kiosk_id(st));
	ank_store_close(st);
	assert_int_equal(strlen(first), 18); /* "k-" and 16 hex digits */
	assert_memory_equal(first, "k-", 2);
	assert_int_equal(strspn(first + 2, "0123456789abcdef"), 16);
	assert_int_equal(ank_store_open(a, &st, &err), 0);
	snprintf(again, sizeof again, "%s", ank_store_kiosk_id(st));
	ank_store_close(st);
	assert_string_equal(first, again);
	/* Another database is another kiosk. */
	assert_int_equal(ank_store_open(b, &st, &err), 0);
	assert_string_not_equal(first, ank_store_kiosk_id(st));
	ank_store_close(st);
}

static void test_cursor_round_trip(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	ank_err err = {{0}};
	int64_t c = -1;
	assert_int_equal(ank_store_cursor_get(st, &c, &err), 0);
	assert_int_equal(c, 0);
	static const int64_t values[] = {42, 9007199254740993LL, 1, 0};
	for (size_t i = 0; i < COUNT_OF(values); i++) {
		assert_int_equal(ank_store_cursor_set(st, values[i], &err), 0);
		assert_int_equal(ank_store_cursor_get(st, &c, &err), 0);
		if (c != values[i])
			fail_msg("cursor %lld read back as %lld", (long long)values[i],
			         (long long)c);
	}
	/* The cursor survives a reopen: it is what central's feed resumes from. */
	assert_int_equal(ank_store_cursor_set(st, 777, &err), 0);
	ank_queue_close(f->q);
	assert_int_equal(ank_queue_open(f->db, &f->q, &err), ANK_Q_OK);
	assert_int_equal(ank_store_cursor_get(store_of(f), &c, &err), 0);
	assert_int_equal(c, 777);
}

/* ---- files that are not a site database ---- */

static void read_file_bytes(const char *path, char *buf, size_t n)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(buf, 1, n, fp), n);
	fclose(fp);
}

static void test_open_garbage_file(void **state)
{
	fixture *f = *state;
	static char garbage[8192];
	for (size_t i = 0; i < sizeof garbage; i++)
		garbage[i] = (char)(i * 131 + 7);
	char path[160];
	snprintf(path, sizeof path, "%s", fixture_file(f, "garbage.db", garbage, sizeof garbage));
	ank_store *st = (ank_store *)1;
	ank_err err = {{0}};
	assert_int_equal(ank_store_open(path, &st, &err), -1);
	assert_null(st);
	if (!strstr(err.msg, "not a database"))
		fail_msg("unclear message: '%s'", err.msg);
	/* The file is left exactly as it was, for whoever has to look at it. */
	static char after[sizeof garbage];
	read_file_bytes(path, after, sizeof after);
	assert_memory_equal(garbage, after, sizeof garbage);
	/* Through the queue API too. */
	ank_queue *q = NULL;
	assert_int_not_equal(ank_queue_open(path, &q, &err), ANK_Q_OK);
	assert_null(q);
}

static void test_open_other_sqlite_db(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *name, *sql, *want;
	} cases[] = {
	        {"other-application", "PRAGMA application_id = 7; CREATE TABLE x(y);",
	         "application_id"},
	        {"newer-schema", "PRAGMA application_id = 1095650131; PRAGMA user_version = 99;",
	         "newer"},
	};
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char path[160];
		snprintf(path, sizeof path, "%s/%s.db", f->dir, cases[i].name);
		sqlite3 *db;
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, cases[i].sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		ank_store *st = NULL;
		ank_err err = {{0}};
		if (ank_store_open(path, &st, &err) != -1 || st)
			fail_msg("case %s: opened", cases[i].name);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("case %s: message '%s' lacks '%s'", cases[i].name, err.msg,
			         cases[i].want);
	}
	assert_int_equal(ANK_STORE_APP_ID, 1095650131);
}

/* A site.db of schema version 3 (its refusal table as shipped then, with a row of each
 * kind) opened by this build: migration 4 keeps every row, '' becoming NULL, and a refusal
 * without substance and route can be written after it. */
static void test_refusal_migration(void **state)
{
	fixture *f = *state;
	char path[160];
	snprintf(path, sizeof path, "%s/version3.db", f->dir);
	ank_store *st = NULL;
	ank_err err = {{0}};
	assert_int_equal(ank_store_open(path, &st, &err), 0);
	ank_store_close(st);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(
	                db,
	                "DROP TABLE refusal;"
	                "CREATE TABLE refusal(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
	                " reason TEXT NOT NULL, user_id TEXT NOT NULL, substance TEXT NOT NULL,"
	                " route TEXT NOT NULL);"
	                "INSERT INTO refusal VALUES (1, 10, 'quarantined', 'u1', 'heroin',"
	                " 'inject'), (2, 20, 'closed', 'u2', '', '');"
	                "PRAGMA user_version = 3;",
	                NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(ank_store_open(path, &st, &err), 0);
	assert_int_equal(ank_store_refusal_insert(st, 30, "underage", "u3", NULL, NULL, &err), 0);
	sqlite3_stmt *q;
	assert_int_equal(
	        sqlite3_prepare_v2(ank_store_db(st),
	                           "SELECT group_concat(id || ':' || reason || ':' ||"
	                           " coalesce(substance, '-') || ':' || coalesce(route, '-'),"
	                           " ' ') FROM (SELECT * FROM refusal ORDER BY id)",
	                           -1, &q, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0),
	                    "1:quarantined:heroin:inject 2:closed:-:- 3:underage:-:-");
	sqlite3_finalize(q);
	ank_store_close(st);
}

/* ---- outbox pruning ---- */

#define DAY_MS ((int64_t)24 * 3600 * 1000)

/* Seqs left in the outbox, as "first..last n", for messages. */
static void outbox_span(fixture *f, char *out, size_t n)
{
	snprintf(out, n, "%d..%d (%d rows)",
	         fixture_count(f, "SELECT coalesce(min(seq), 0) FROM outbox"),
	         fixture_count(f, "SELECT coalesce(max(seq), 0) FROM outbox"),
	         fixture_count(f, "SELECT count(*) FROM outbox"));
}

/* Golden cases on one real site.db: rows central acknowledged go only once the retention
 * after the acknowledgement has passed, the oldest first and at most `max` a call; a row
 * central has not acknowledged never goes, however old. */
static void test_outbox_prune(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	ank_err err = {{0}};
	const int64_t keep = 7 * DAY_MS;
	append_events(st, 30, 0, true); /* seq 1..30 */
	static const struct {
		const char *name;
		int64_t acked; /* acknowledge up to this seq first (0: no ack in this step) */
		int64_t ack_at, now;
		int max;
		int deleted, first_left; /* rows deleted, oldest seq left (0: none left) */
	} steps[] = {
	        {"nothing acknowledged: nothing goes", 0, 0, T0 + 400 * DAY_MS, 100, 0, 1},
	        {"acknowledged up to 10 just now: kept", 10, T0, T0 + DAY_MS, 100, 0, 1},
	        {"one ms before the retention ends: kept", 0, 0, T0 + keep - 1, 100, 0, 1},
	        {"retention over: 1..10 may go, at most 4", 0, 0, T0 + keep, 4, 4, 5},
	        {"the next call takes the rest up to 10", 0, 0, T0 + keep, 100, 6, 11},
	        {"acknowledged up to 25 a day later", 25, T0 + DAY_MS, T0 + keep + 1, 100, 0, 11},
	        {"its retention over too", 0, 0, T0 + DAY_MS + keep, 100, 15, 26},
	        {"26..30 never acknowledged: kept for ever", 0, 0, T0 + 900 * DAY_MS, 100, 0, 26},
	        {"max 0 does nothing", 30, T0 + 2 * DAY_MS, T0 + 999 * DAY_MS, 0, 0, 26},
	        {"acknowledged up to 30: all go", 0, 0, T0 + 2 * DAY_MS + keep, 100, 5, 0},
	};
	for (size_t i = 0; i < COUNT_OF(steps); i++) {
		if (steps[i].acked &&
		    ank_store_outbox_acked(st, steps[i].acked, steps[i].ack_at, &err))
			fail_msg("%s: ack: %s", steps[i].name, err.msg);
		int deleted = -1;
		if (ank_store_outbox_prune(st, steps[i].now, keep, steps[i].max, &deleted, &err))
			fail_msg("%s: prune: %s", steps[i].name, err.msg);
		char span[64];
		outbox_span(f, span, sizeof span);
		int first = fixture_count(f, "SELECT coalesce(min(seq), 0) FROM outbox");
		if (deleted != steps[i].deleted || first != steps[i].first_left)
			fail_msg("%s: deleted %d (want %d), left %s (want from %d)", steps[i].name,
			         deleted, steps[i].deleted, span, steps[i].first_left);
	}
	/* An empty outbox still knows its last seq, and the next event follows it. */
	assert_int_equal(ank_store_outbox_last_seq(st), 30);
	append_events(st, 1, 30, true);
	assert_int_equal(fixture_count(f, "SELECT min(seq) FROM outbox"), 31);
	assert_int_equal(ank_store_outbox_last_seq(st), 31);
	int64_t n = -1;
	assert_int_equal(ank_store_outbox_count(st, &n, &err), 0);
	assert_int_equal(n, 1);
	/* The acknowledgements table keeps only what the next prune needs. */
	if (fixture_count(f, "SELECT count(*) FROM outbox_ack") > 1)
		fail_msg("%d acknowledgement rows left",
		         fixture_count(f, "SELECT count(*) FROM outbox_ack"));
}

/* Central restored from an older backup acknowledges less than before: the rows above its
 * new acknowledgement are unacknowledged again and survive any prune. Acknowledgements in
 * one bucket share a row with the later time; a repeat keeps the first time. */
static void test_outbox_ack_lowered(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	ank_err err = {{0}};
	const int64_t keep = 7 * DAY_MS;
	append_events(st, 20, 0, true);
	assert_int_equal(ank_store_outbox_acked(st, 5, T0, &err), 0);
	assert_int_equal(ank_store_outbox_acked(st, 5, T0 + 60000, &err), 0);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox_ack"), 1);
	assert_true(fixture_count(f, "SELECT at_ms = 1795431600000 FROM outbox_ack"));
	assert_int_equal(ank_store_outbox_acked(st, 20, T0 + 120000, &err), 0);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox_ack"), 1);
	assert_int_equal(fixture_count(f, "SELECT seq FROM outbox_ack"), 20);
	/* Central holds only up to 12 now. */
	assert_int_equal(ank_store_outbox_acked(st, 12, T0 + DAY_MS, &err), 0);
	int deleted = -1;
	assert_int_equal(ank_store_outbox_prune(st, T0 + 100 * DAY_MS, keep, 100, &deleted, &err),
	                 0);
	assert_int_equal(deleted, 12);
	assert_int_equal(fixture_count(f, "SELECT min(seq) FROM outbox"), 13);
	/* Nothing is acknowledged at all (central forgot everything): nothing more goes. */
	assert_int_equal(ank_store_outbox_acked(st, 0, T0 + 101 * DAY_MS, &err), 0);
	assert_int_equal(ank_store_outbox_prune(st, T0 + 999 * DAY_MS, keep, 100, &deleted, &err),
	                 0);
	assert_int_equal(deleted, 0);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM outbox"), 8);
}

/* outbox_retention_days: default 7, 1..365, kept through the stored JSON. */
static void test_config_retention(void **state)
{
	fixture *f = *state;
	ank_err err = {{0}};
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
	static const struct {
		const char *value;
		int want; /* 0: refused */
	} cases[] = {{NULL, 7}, {"1", 1},   {"30", 30}, {"365", 365},
	             {"0", 0},  {"366", 0}, {"-1", 0},  {"7d", 0}};
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char ini[256];
		snprintf(ini, sizeof ini, "[site]\nid = r\nname = R\n%s%s%s[station.a]\n",
		         cases[i].value ? "outbox_retention_days = " : "",
		         cases[i].value ? cases[i].value : "", cases[i].value ? "\n" : "");
		const char *path = fixture_file(f, "retention.ini", ini, strlen(ini));
		int rc = ank_config_parse_ini(path, &cfg, st, &n, &err);
		if (cases[i].want == 0 && rc == 0)
			fail_msg("'%s' accepted", cases[i].value);
		if (cases[i].want && (rc || cfg.outbox_retention_days != cases[i].want))
			fail_msg("'%s': rc %d, %d days: %s",
			         cases[i].value ? cases[i].value : "(none)", rc,
			         cfg.outbox_retention_days, err.msg);
	}
	f->cfg.outbox_retention_days = 30;
	fixture_apply(f);
	ank_site_config back;
	assert_int_equal(ank_store_config_get(store_of(f), &back, &err), ANK_STORE_OK);
	assert_int_equal(back.outbox_retention_days, 30);
	/* A config stored before the key existed reads as the default. */
	assert_int_equal(sqlite3_exec(ank_store_db(store_of(f)),
	                              "UPDATE site SET config = json_remove(config,"
	                              " '$.outbox_retention_days')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(ank_store_config_get(store_of(f), &back, &err), ANK_STORE_OK);
	assert_int_equal(back.outbox_retention_days, ANK_OUTBOX_RETENTION_DAYS_DEFAULT);
}

/* The kiosk's history: finished tickets and refusals older than the retention go, open
 * tickets of any age and newer rows stay; history_retention_days is 2..365, default 30. */
static void test_history_prune(void **state)
{
	fixture *f = *state;
	ank_err err = {{0}};
	sqlite3 *db = ank_store_db(store_of(f));
	const long long day = 24 * 3600 * 1000LL, now = 1790000000000LL;
	char sql[1024];
	snprintf(sql, sizeof sql,
	         "INSERT INTO ticket(id, day, number, label, user_id, women, route, substance,"
	         " state, queue_key, created_ms) VALUES"
	         " (101, '2026-01-01', 1, 'I-001', 'u-a', 0, 'inject', 'heroin', 'done', 1, %lld),"
	         " (102, '2026-01-01', 2, 'I-002', 'u-b', 0, 'inject', 'heroin', 'no_show', 1, "
	         "%lld),"
	         " (103, '2026-01-01', 3, 'I-003', 'u-c', 0, 'inject', 'heroin', 'waiting', 1, "
	         "%lld),"
	         " (104, '2026-01-02', 1, 'I-001', 'u-d', 0, 'inject', 'heroin', 'done', 1, %lld);"
	         "INSERT INTO refusal(at_ms, reason, user_id) VALUES (%lld, 'quarantined', 'u-e'),"
	         " (%lld, 'quarantined', 'u-f');",
	         now - 40 * day, now - 31 * day, now - 40 * day, now - 29 * day, now - 31 * day,
	         now - 1 * day);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	int nt = -1, nr = -1;
	assert_int_equal(ank_store_history_prune(store_of(f), now, 30 * day, 100, &nt, &nr, &err),
	                 0);
	assert_int_equal(nt, 2);
	assert_int_equal(nr, 1);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM ticket WHERE id IN (101, 102)"), 0);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM ticket WHERE id IN (103, 104)"), 2);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM refusal WHERE user_id = 'u-f'"), 1);
	/* Again: nothing more to do. */
	assert_int_equal(ank_store_history_prune(store_of(f), now, 30 * day, 100, &nt, &nr, &err),
	                 0);
	assert_int_equal(nt + nr, 0);

	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
	static const struct {
		const char *value;
		int want; /* 0: refused */
	} cases[] = {{NULL, 30}, {"2", 2}, {"365", 365}, {"1", 0}, {"366", 0}, {"x", 0}};
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char ini[256];
		snprintf(ini, sizeof ini, "[site]\nid = r\nname = R\n%s%s%s[station.a]\n",
		         cases[i].value ? "history_retention_days = " : "",
		         cases[i].value ? cases[i].value : "", cases[i].value ? "\n" : "");
		const char *path = fixture_file(f, "history.ini", ini, strlen(ini));
		int rc = ank_config_parse_ini(path, &cfg, st, &n, &err);
		if (cases[i].want == 0 && rc == 0)
			fail_msg("'%s' accepted", cases[i].value);
		if (cases[i].want && (rc || cfg.history_retention_days != cases[i].want))
			fail_msg("'%s': rc %d, %d days: %s",
			         cases[i].value ? cases[i].value : "(none)", rc,
			         cfg.history_retention_days, err.msg);
	}
	/* Kept through the stored JSON, and a config stored before the key reads as 30. */
	f->cfg.history_retention_days = 90;
	fixture_apply(f);
	ank_site_config back;
	assert_int_equal(ank_store_config_get(store_of(f), &back, &err), ANK_STORE_OK);
	assert_int_equal(back.history_retention_days, 90);
	assert_int_equal(sqlite3_exec(db,
	                              "UPDATE site SET config = json_remove(config,"
	                              " '$.history_retention_days')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(ank_store_config_get(store_of(f), &back, &err), ANK_STORE_OK);
	assert_int_equal(back.history_retention_days, ANK_HISTORY_RETENTION_DAYS_DEFAULT);
}

/* [speech]: rate, volume and a voice and volume per language are read, stored in site.db and
 * read back; a config without the section (or stored before it existed) has espeak-ng's
 * normal rate and volume and no voice of its own. */
static void test_config_speech(void **state)
{
	fixture *f = *state;
	ank_err err = {{0}};
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
	const char *ini = "[site]\nid = s\nname = S\n[station.a]\n[speech]\nrate = 150\n"
	                  "volume = 80\nvoice.da = gmq/da\nvolume.da = 120\nvolume.en = 60\n";
	const char *path = fixture_file(f, "speech.ini", ini, strlen(ini));
	assert_int_equal(ank_config_parse_ini(path, &cfg, st, &n, &err), 0);
	assert_int_equal(cfg.speech_rate, 150);
	assert_int_equal(cfg.speech_volume, 80);
	assert_int_equal(cfg.n_voices, 2);
	assert_string_equal(cfg.voices[0].lang, "da");
	assert_string_equal(cfg.voices[0].voice, "gmq/da");
	assert_int_equal(cfg.voices[0].volume, 120);
	assert_string_equal(cfg.voices[1].lang, "en");
	assert_string_equal(cfg.voices[1].voice, "");
	assert_int_equal(cfg.voices[1].volume, 60);
	f->cfg.speech_rate = cfg.speech_rate;
	f->cfg.speech_volume = cfg.speech_volume;
	f->cfg.n_voices = cfg.n_voices;
	memcpy(f->cfg.voices, cfg.voices, sizeof cfg.voices);
	fixture_apply(f);
	ank_site_config back;
	assert_int_equal(ank_store_config_get(store_of(f), &back, &err), ANK_STORE_OK);
	assert_int_equal(back.speech_rate, 150);
	assert_int_equal(back.speech_volume, 80);
	assert_int_equal(back.n_voices, 2);
	assert_string_equal(back.voices[0].voice, "gmq/da");
	assert_int_equal(back.voices[0].volume, 120);
	assert_int_equal(back.voices[1].volume, 60);
	assert_int_equal(sqlite3_exec(ank_store_db(store_of(f)),
	                              "UPDATE site SET config = json_remove(config, '$.speech')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(ank_store_config_get(store_of(f), &back, &err), ANK_STORE_OK);
	assert_int_equal(back.speech_rate, ANK_SPEECH_RATE_DEFAULT);
	assert_int_equal(back.speech_volume, ANK_SPEECH_VOL_DEFAULT);
	assert_int_equal(back.n_voices, 0);
	ini = "[site]\nid = s\nname = S\n[station.a]\n";
	path = fixture_file(f, "speech.ini", ini, strlen(ini));
	assert_int_equal(ank_config_parse_ini(path, &cfg, st, &n, &err), 0);
	assert_int_equal(cfg.speech_rate, ANK_SPEECH_RATE_DEFAULT);
	assert_int_equal(cfg.n_voices, 0);
}

/* ---- write failures ---- */

/* A database that cannot grow (max_page_count: SQLite's own "database or disk is full")
 * fails the write with a code the kiosk can tell apart from a busy lock; the probe fails
 * while it is full and works once it is not. */
static void test_write_failure_code(void **state)
{
	fixture *f = *state;
	ank_store *st = store_of(f);
	ank_err err = {{0}};
	sqlite3 *db = ank_store_db(st);
	assert_int_equal(ank_store_take_error(st), 0);
	assert_int_equal(ank_store_probe_write(st, T0, &err), 0);
	int pages = fixture_count(f, "PRAGMA page_count");
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", pages);
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ps, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(ps), SQLITE_ROW);
	sqlite3_finalize(ps);
	static char big[3000];
	memset(big, 'x', sizeof big - 1);
	int failed = 0, code = 0;
	for (int i = 0; i < 200 && !failed; i++) {
		failed = ank_store_begin(st, &err) ||
		         ank_store_outbox_append(
		                 st, ANK_EV_CHANGE_SKIPPED, T0,
		                 json_pack("{s:i, s:s}", "change", i, "reason", big), &err) ||
		         ank_store_commit(st, &err);
		ank_store_rollback(st);
	}
	assert_true(failed);
	code = ank_store_take_error(st);
	if ((code & 0xff) != SQLITE_FULL)
		fail_msg("code %d (%s), message '%s'", code, ank_store_error_text(code), err.msg);
	assert_true(ank_store_error_is_storage(code));
	assert_string_equal(ank_store_error_text(code), "database or disk is full");
	assert_non_null(strstr(err.msg, "database or disk is full"));
	/* Taken: cleared. */
	assert_int_equal(ank_store_take_error(st), 0);
	/* Busy and constraint failures are not storage faults. */
	assert_false(ank_store_error_is_storage(SQLITE_BUSY));
	assert_false(ank_store_error_is_storage(SQLITE_CONSTRAINT_UNIQUE));
	assert_true(ank_store_error_is_storage(SQLITE_IOERR_WRITE));
	/* Room again: the probe writes. */
	assert_int_equal(sqlite3_exec(db, "PRAGMA max_page_count = 1000000", NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(ank_store_probe_write(st, T0 + 1, &err), 0);
}

/* The staff PIN of a database that cannot be opened for writing still reads. */
static void test_config_peek(void **state)
{
	fixture *f = *state;
	ank_err err = {{0}};
	ank_site_config cfg;
	snprintf(f->cfg.staff_pin_hash, sizeof f->cfg.staff_pin_hash, "$argon2id$peek");
	fixture_apply(f);
	/* Checkpointed, as at a clean stop: peek reads the main file only. */
	assert_int_equal(sqlite3_exec(ank_store_db(store_of(f)), "PRAGMA wal_checkpoint(TRUNCATE)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(ank_store_config_peek(f->db, &cfg, &err), ANK_STORE_OK);
	assert_string_equal(cfg.staff_pin_hash, "$argon2id$peek");
	char path[160];
	snprintf(path, sizeof path, "%s/empty.db", f->dir);
	ank_store *st;
	assert_int_equal(ank_store_open(path, &st, &err), 0);
	ank_store_close(st);
	assert_int_equal(ank_store_config_peek(path, &cfg, &err), ANK_STORE_UNKNOWN);
	snprintf(path, sizeof path, "%s/no such dir/x?y#z.db", f->dir);
	assert_int_equal(ank_store_config_peek(path, &cfg, &err), ANK_STORE_DB);
	assert_non_null(strstr(err.msg, "cannot read"));
}

/* The store's connection keeps SQLite's page cache to ANK_STORE_CACHE_KIB (the kiosk's RSS
 * budget), not SQLite's default 2,000 KiB. */
static void test_page_cache_bounded(void **state)
{
	fixture *f = *state;
	assert_int_equal(fixture_count(f, "PRAGMA cache_size"), -ANK_STORE_CACHE_KIB);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_config_demo),
	        T(test_page_cache_bounded),
	        T(test_config_apply_demo_round_trip),
	        T(test_config_past_midnight_and_defaults),
	        T(test_config_bad_golden),
	        T(test_config_first_error_reported),
	        T(test_config_bare_station_section),
	        T(test_config_longest_values),
	        T(test_config_missing_file),
	        T(test_registry_demo),
	        T(test_registry_bad_golden),
	        T(test_registry_huge_nickname),
	        T(test_registry_failure_keeps_previous),
	        T(test_registry_upsert),
	        T(test_user_upsert_limits),
	        T(test_outbox_sequence),
	        T(test_outbox_read),
	        T(test_store_rc),
	        T(test_outbox_null_payload),
	        T(test_kiosk_id_stable),
	        T(test_cursor_round_trip),
	        T(test_open_garbage_file),
	        T(test_open_other_sqlite_db),
	        T(test_refusal_migration),
	        T(test_outbox_prune),
	        T(test_outbox_ack_lowered),
	        T(test_config_retention),
	        T(test_history_prune),

	        T(test_config_speech),
	        T(test_write_failure_code),
	        T(test_config_peek),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
