/* Golden cases for common/: the vocabulary tables, text folding and UTF-8 checks, the capped
 * buffer, time and number parsing, the migration runner's refusals, and the log formats. */
#include "testlib.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ank_buf.h"
#include "ank_db.h"
#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"
#include "ank_vocab.h"
#include "ank_zone.h"

/* ---- vocabulary ---- */

/* The order is part of the contract: screens list substances in this order. */
static const char *const substance_codes[] = {
        "heroin", "cocaine",  "crack",          "amphetamine", "methamphetamine", "methadone",
        "opioid", "ketamine", "benzodiazepine", "speedball",   "cannabis",        "other",
};

static void test_substances(void **state)
{
	(void)state;
	assert_int_equal(ank_substance_count(), COUNT_OF(substance_codes));
	for (size_t i = 0; i < COUNT_OF(substance_codes); i++) {
		const char *code = substance_codes[i];
		const ank_substance_info *s = ank_substance_at(i);
		if (!s || strcmp(s->code, code) != 0)
			fail_msg("substance %zu: got %s, expected %s", i, s ? s->code : "NULL",
			         code);
		if (ank_substance_find(code) != s)
			fail_msg("substance %s: find does not return the table entry", code);
		/* Cannabis is known for statistics but can never be queued; all else both. */
		bool expect = strcmp(code, "cannabis") != 0;
		for (int r = 0; r < ANK_ROUTE_COUNT; r++)
			if (ank_substance_allows(code, (ank_route)r) != expect)
				fail_msg("substance %s on route %s: allowed should be %d", code,
				         ank_route_code((ank_route)r), expect);
	}
	assert_null(ank_substance_at(COUNT_OF(substance_codes)));
	assert_null(ank_substance_find("Heroin")); /* codes are exact, not case-folded */
	assert_null(ank_substance_find(""));
	assert_null(ank_substance_find(NULL));
	assert_false(ank_substance_allows("nonsense", ANK_ROUTE_INJECT));
	assert_false(ank_substance_allows("heroin", ANK_ROUTE_COUNT));
}

static void test_routes(void **state)
{
	(void)state;
	static const struct {
		const char *code, *prefix;
		ank_route route;
	} cases[] = {{"inject", "I", ANK_ROUTE_INJECT}, {"smoke", "R", ANK_ROUTE_SMOKE}};
	assert_int_equal(ANK_ROUTE_COUNT, COUNT_OF(cases));
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		if (ank_route_from_code(cases[i].code) != (int)cases[i].route)
			fail_msg("route %s: from_code wrong", cases[i].code);
		assert_string_equal(ank_route_code(cases[i].route), cases[i].code);
		assert_string_equal(ank_route_prefix(cases[i].route), cases[i].prefix);
	}
	assert_int_equal(ank_route_from_code("Inject"), -1);
	assert_int_equal(ank_route_from_code("snort"), -1);
	assert_int_equal(ank_route_from_code(""), -1);
	assert_int_equal(ank_route_from_code(NULL), -1);
}

static void test_genders(void **state)
{
	(void)state;
	static const char *const codes[] = {"female", "male", "other", "unknown"};
	assert_int_equal(ank_gender_count(), COUNT_OF(codes));
	for (size_t i = 0; i < COUNT_OF(codes); i++) {
		const ank_gender_info *g = ank_gender_at(i);
		if (!g || strcmp(g->code, codes[i]) != 0 || ank_gender_find(codes[i]) != g)
			fail_msg("gender %zu: expected %s", i, codes[i]);
	}
	assert_null(ank_gender_at(COUNT_OF(codes)));
	assert_null(ank_gender_find("Female"));
	assert_null(ank_gender_find("f"));
	assert_null(ank_gender_find(NULL));
}

/* The 98 official kommunekoder since 2007 (Danmarks Statistik), typed in independently of
 * the table under test so a wrong or missing entry shows up. */
static const struct {
	const char *code, *name;
} official_municipalities[] = {
        {"101", "København"},
        {"147", "Frederiksberg"},
        {"151", "Ballerup"},
        {"153", "Brøndby"},
        {"155", "Dragør"},
        {"157", "Gentofte"},
        {"159", "Gladsaxe"},
        {"161", "Glostrup"},
        {"163", "Herlev"},
        {"165", "Albertslund"},
        {"167", "Hvidovre"},
        {"169", "Høje-Taastrup"},
        {"173", "Lyngby-Taarbæk"},
        {"175", "Rødovre"},
        {"183", "Ishøj"},
        {"185", "Tårnby"},
        {"187", "Vallensbæk"},
        {"190", "Furesø"},
        {"201", "Allerød"},
        {"210", "Fredensborg"},
        {"217", "Helsingør"},
        {"219", "Hillerød"},
        {"223", "Hørsholm"},
        {"230", "Rudersdal"},
        {"240", "Egedal"},
        {"250", "Frederikssund"},
        {"253", "Greve"},
        {"259", "Køge"},
        {"260", "Halsnæs"},
        {"265", "Roskilde"},
        {"269", "Solrød"},
        {"270", "Gribskov"},
        {"306", "Odsherred"},
        {"316", "Holbæk"},
        {"320", "Faxe"},
        {"326", "Kalundborg"},
        {"329", "Ringsted"},
        {"330", "Slagelse"},
        {"336", "Stevns"},
        {"340", "Sorø"},
        {"350", "Lejre"},
        {"360", "Lolland"},
        {"370", "Næstved"},
        {"376", "Guldborgsund"},
        {"390", "Vordingborg"},
        {"400", "Bornholm"},
        {"410", "Middelfart"},
        {"420", "Assens"},
        {"430", "Faaborg-Midtfyn"},
        {"440", "Kerteminde"},
        {"450", "Nyborg"},
        {"461", "Odense"},
        {"479", "Svendborg"},
        {"480", "Nordfyns"},
        {"482", "Langeland"},
        {"492", "Ærø"},
        {"510", "Haderslev"},
        {"530", "Billund"},
        {"540", "Sønderborg"},
        {"550", "Tønder"},
        {"561", "Esbjerg"},
        {"563", "Fanø"},
        {"573", "Varde"},
        {"575", "Vejen"},
        {"580", "Aabenraa"},
        {"607", "Fredericia"},
        {"615", "Horsens"},
        {"621", "Kolding"},
        {"630", "Vejle"},
        {"657", "Herning"},
        {"661", "Holstebro"},
        {"665", "Lemvig"},
        {"671", "Struer"},
        {"706", "Syddjurs"},
        {"707", "Norddjurs"},
        {"710", "Favrskov"},
        {"727", "Odder"},
        {"730", "Randers"},
        {"740", "Silkeborg"},
        {"741", "Samsø"},
        {"746", "Skanderborg"},
        {"751", "Aarhus"},
        {"756", "Ikast-Brande"},
        {"760", "Ringkøbing-Skjern"},
        {"766", "Hedensted"},
        {"773", "Morsø"},
        {"779", "Skive"},
        {"787", "Thisted"},
        {"791", "Viborg"},
        {"810", "Brønderslev"},
        {"813", "Frederikshavn"},
        {"820", "Vesthimmerlands"},
        {"825", "Læsø"},
        {"840", "Rebild"},
        {"846", "Mariagerfjord"},
        {"849", "Jammerbugt"},
        {"851", "Aalborg"},
        {"860", "Hjørring"},
};

static bool three_digits(const char *s)
{
	return strlen(s) == 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	       s[2] >= '0' && s[2] <= '9';
}

static void test_municipalities(void **state)
{
	(void)state;
	assert_int_equal(COUNT_OF(official_municipalities), 98);
	assert_int_equal(ank_municipality_count(), 100);
	size_t numeric = 0;
	for (size_t i = 0; i < ank_municipality_count(); i++) {
		const ank_municipality_info *m = ank_municipality_at(i);
		assert_non_null(m);
		if (!ank_utf8_valid_text(m->name, strlen(m->name)) || !m->name[0])
			fail_msg("municipality %s: name is not valid text", m->code);
		if (ank_municipality_find(m->code) != m)
			fail_msg("municipality %s: find gives another entry (duplicate code?)",
			         m->code);
		if (three_digits(m->code))
			numeric++;
		else if (strcmp(m->code, "abroad") != 0 && strcmp(m->code, "unknown") != 0)
			fail_msg("municipality code '%s' is neither 3 digits nor abroad/unknown",
			         m->code);
	}
	assert_int_equal(numeric, 98);
	assert_null(ank_municipality_at(ank_municipality_count()));
	for (size_t i = 0; i < COUNT_OF(official_municipalities); i++) {
		const ank_municipality_info *m =
		        ank_municipality_find(official_municipalities[i].code);
		if (!m || strcmp(m->name, official_municipalities[i].name) != 0)
			fail_msg("municipality %s: got %s, expected %s",
			         official_municipalities[i].code, m ? m->name : "(missing)",
			         official_municipalities[i].name);
	}
	assert_string_equal(ank_municipality_find("101")->name, "København");
	assert_string_equal(ank_municipality_find("147")->name, "Frederiksberg");
	assert_non_null(ank_municipality_find("abroad"));
	assert_non_null(ank_municipality_find("unknown"));
	/* Christiansø has a code but is not a municipality. */
	assert_null(ank_municipality_find("411"));
	assert_null(ank_municipality_find("999"));
	assert_null(ank_municipality_find("0101"));
	assert_null(ank_municipality_find(""));
	assert_null(ank_municipality_find(NULL));
}

/* ---- folding ---- */

typedef struct fold_case {
	const char *name;
	const char *input;
	const char *plain;   /* expected ANK_FOLD_PLAIN key */
	const char *digraph; /* expected ANK_FOLD_DIGRAPH key */
} fold_case;

static const fold_case fold_cases[] = {
        {"danish-oe", "Søren", "soren", "soeren"},
        {"inner-run-and-bang", "Big  Søren!", "big soren", "big soeren"},
        {"ae-upper", "ÆBLE", "aeble", "aeble"},
        {"aa", "Åse", "ase", "aase"},
        {"acute-precomposed", "José", "jose", "jose"},
        {"acute-combining", "Jose\xCC\x81", "jose", "jose"},
        {"sharp-s", "Straße", "strasse", "strasse"},
        {"leading-trailing-punct", "  --(Mette)!? ", "mette", "mette"},
        {"digits-kept", "Sam 10", "sam 10", "sam 10"},
        {"hyphen-splits", "Anne-Mette", "anne mette", "anne mette"},
        {"arabic-unchanged", "كريم", "كريم", "كريم"},
        {"only-punct", "!!! ...", "", ""},
        {"empty", "", "", ""},
};

static void test_fold_golden(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(fold_cases); i++) {
		const fold_case *c = &fold_cases[i];
		for (int v = ANK_FOLD_PLAIN; v <= ANK_FOLD_DIGRAPH; v++) {
			const char *want = v == ANK_FOLD_PLAIN ? c->plain : c->digraph;
			ank_buf b;
			ank_buf_init(&b, 1024);
			int rc = ank_text_fold(c->input, (ank_fold_variant)v, &b);
			if (rc != 0 || strcmp(ank_buf_str(&b), want) != 0 || b.len != strlen(want))
				case_fail(&failed, "case %s (%s): rc %d, got '%s', expected '%s'",
				          c->name, v == ANK_FOLD_PLAIN ? "plain" : "digraph", rc,
				          ank_buf_str(&b), want);
			ank_buf_free(&b);
		}
	}
	assert_cases_passed(failed);
}

/* A failed fold must not leave half a key behind: callers append to shared buffers. */
static void test_fold_failure_leaves_buffer(void **state)
{
	(void)state;
	static const struct {
		const char *name, *input;
	} bad[] = {
	        {"c3-then-paren", "\xC3\x28"},   {"valid-prefix-then-bad", "Søren\xC3\x28"},
	        {"lone-continuation", "ab\x80"}, {"overlong-slash", "\xC0\xAF"},
	        {"surrogate", "\xED\xA0\x80"},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(bad); i++) {
		ank_buf b;
		ank_buf_init(&b, 1024);
		assert_int_equal(ank_buf_puts(&b, "keep"), 0);
		if (ank_text_fold(bad[i].input, ANK_FOLD_PLAIN, &b) != -1)
			case_fail(&failed, "case %s: invalid UTF-8 was folded", bad[i].name);
		if (b.len != 4 || strcmp(ank_buf_str(&b), "keep") != 0)
			case_fail(&failed, "case %s: buffer changed to '%s'", bad[i].name,
			          ank_buf_str(&b));
		ank_buf_free(&b);
	}
	assert_cases_passed(failed);
	/* A full buffer fails the same way, keeping what was there. */
	ank_buf b;
	ank_buf_init(&b, 8);
	assert_int_equal(ank_buf_puts(&b, "keep"), 0);
	assert_int_equal(ank_text_fold("Søren Sørensen", ANK_FOLD_DIGRAPH, &b), -1);
	assert_int_equal(b.len, 4);
	assert_string_equal(ank_buf_str(&b), "keep");
	/* And a successful fold appends after existing content. */
	assert_int_equal(ank_text_fold("Åse", ANK_FOLD_DIGRAPH, &b), 0);
	assert_string_equal(ank_buf_str(&b), "keepaase");
	ank_buf_free(&b);
}

/* ---- UTF-8 ---- */

typedef struct utf8_case {
	const char *name;
	const char *text;
	size_t len;
	bool valid;
} utf8_case;

#define U8(name, lit, valid)                                                                       \
	{                                                                                          \
		name, lit, sizeof(lit) - 1, valid                                                  \
	}

static const utf8_case utf8_cases[] = {
        U8("ascii", "Mette", true),
        U8("danish", "Søren Ærø Åse", true),
        U8("arabic", "كريم", true),
        U8("four-byte-emoji", "\xF0\x9F\x98\x80", true),
        U8("empty", "", true),
        U8("c3-then-paren", "\xC3\x28", false),
        U8("truncated-two-byte", "S\xC3", false),
        U8("ff-fe", "\xff\xfe", false),
        U8("overlong-nul", "\xC0\x80", false),
        U8("surrogate", "\xED\xA0\x80", false),
        U8("above-u10ffff", "\xF4\x90\x80\x80", false),
        U8("embedded-nul", "ab\0cd", false),
        U8("tab", "a\tb", false),
        U8("newline", "a\nb", false),
        U8("escape", "a\x1b[31m", false),
        U8("del", "a\x7f", false),
        U8("c1-next-line",
           "a\xC2\x85"
           "b",
           false),
        U8("bidi-override",
           "a\xE2\x80\xAE"
           "b",
           false),
        U8("bidi-isolate",
           "a\xE2\x81\xA6"
           "b",
           false),
        U8("latin1-nbsp-is-text",
           "a\xC2\xA0"
           "b",
           true),
};

static void test_utf8_valid_text(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(utf8_cases); i++) {
		const utf8_case *c = &utf8_cases[i];
		if (ank_utf8_valid_text(c->text, c->len) != c->valid)
			case_fail(&failed, "case %s: expected %s", c->name,
			          c->valid ? "valid" : "invalid");
	}
	assert_cases_passed(failed);
	/* Only the first n bytes count: a bad byte after them is not looked at. */
	assert_true(ank_utf8_valid_text("ab\xff", 2));
}

static void test_utf8_count(void **state)
{
	(void)state;
	static const struct {
		const char *name, *text;
		long count;
	} cases[] = {
	        {"empty", "", 0},
	        {"ascii", "Mette", 5},
	        {"danish", "Søren", 5},
	        {"arabic", "كريم", 4},
	        {"emoji", "\xF0\x9F\x98\x80!", 2},
	        {"invalid", "S\xC3\x28", -1},
	        {"truncated", "S\xC3", -1},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++)
		if (ank_utf8_count(cases[i].text) != cases[i].count)
			case_fail(&failed, "case %s: got %ld, expected %ld", cases[i].name,
			          ank_utf8_count(cases[i].text), cases[i].count);
	assert_cases_passed(failed);
}

/* ---- ank_buf ---- */

static void test_buf_cap(void **state)
{
	(void)state;
	ank_buf b;
	ank_buf_init(&b, 10);
	assert_string_equal(ank_buf_str(&b), ""); /* usable before the first append */
	assert_int_equal(ank_buf_puts(&b, "abcdef"), 0);
	/* Would make 11 bytes: refused whole, not truncated. */
	assert_int_equal(ank_buf_puts(&b, "ghijk"), -1);
	assert_int_equal(b.len, 6);
	assert_string_equal(ank_buf_str(&b), "abcdef");
	assert_int_equal(ank_buf_printf(&b, "%d-%s", 12345, "x"), -1);
	assert_string_equal(ank_buf_str(&b), "abcdef");
	/* Exactly up to the cap is allowed. */
	assert_int_equal(ank_buf_append(&b, "ghij", 4), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(ank_buf_str(&b), "abcdefghij");
	assert_int_equal(ank_buf_append(&b, "k", 1), -1);
	assert_int_equal(ank_buf_append(&b, "", 0), 0);
	assert_string_equal(ank_buf_str(&b), "abcdefghij");
	ank_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(ank_buf_str(&b), "");
	assert_int_equal(ank_buf_puts(&b, "0123456789"), 0);
	ank_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 10);
}

static void test_buf_printf_and_growth(void **state)
{
	(void)state;
	ank_buf b;
	ank_buf_init(&b, 100000);
	assert_int_equal(ank_buf_printf(&b, "%s=%d;", "seq", 42), 0);
	assert_int_equal(ank_buf_printf(&b, "%05.1f|%c", 3.14159, 'z'), 0);
	assert_string_equal(ank_buf_str(&b), "seq=42;003.1|z");
	assert_int_equal(b.len, strlen("seq=42;003.1|z"));
	/* Growth past the first allocation keeps every byte. */
	ank_buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ank_buf_printf(&b, "%03d,", i), 0);
	assert_int_equal(b.len, 4000);
	assert_memory_equal(b.data, "000,001,", 8);
	assert_memory_equal(b.data + 3996, "999,", 4);
	assert_int_equal(b.data[4000], '\0');
	ank_buf_free(&b);
}

/* ---- time ---- */

static void test_hhmm_parse(void **state)
{
	(void)state;
	static const struct {
		const char *name, *text;
		int minutes;
	} cases[] = {
	        {"morning", "08:30", 510},
	        {"midnight", "00:00", 0},
	        {"last-minute", "23:59", 1439},
	        {"end-of-day", "24:00", 1440},
	        {"past-end", "24:01", -1},
	        {"one-digit-hour", "8:30", -1},
	        {"minute-60", "12:60", -1},
	        {"hour-25", "25:00", -1},
	        {"empty", "", -1},
	        {"dot", "08.30", -1},
	        {"seconds", "08:30:00", -1},
	        {"sign", "-1:30", -1},
	        {"space", " 8:30", -1},
	        {"letters", "ab:cd", -1},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++)
		if (ank_hhmm_parse(cases[i].text) != cases[i].minutes)
			case_fail(&failed, "case %s ('%s'): got %d, expected %d", cases[i].name,
			          cases[i].text, ank_hhmm_parse(cases[i].text), cases[i].minutes);
	assert_cases_passed(failed);
	assert_int_equal(ank_hhmm_parse(NULL), -1);
}

static void test_hhmm_format(void **state)
{
	(void)state;
	char out[6];
	ank_hhmm_format(510, out);
	assert_string_equal(out, "08:30");
	ank_hhmm_format(1560, out); /* 02:00 the next day */
	assert_string_equal(out, "02:00");
	ank_hhmm_format(-60, out);
	assert_string_equal(out, "23:00");
}

static void test_iso_parse(void **state)
{
	(void)state;
	static const struct {
		const char *name, *text;
		int rc;
		int64_t ms;
	} cases[] = {
	        {"epoch", "1970-01-01T00:00:00Z", 0, 0},
	        {"t0-utc", "2026-11-23T11:00:00Z", 0, T0},
	        {"with-millis", "2026-11-23T11:00:00.250Z", 0, T0 + 250},
	        {"leap-day", "2024-02-29T12:00:00Z", 0, 1709208000000},
	        {"feb-31", "2026-02-31T00:00:00Z", -1, 0},
	        {"feb-29-not-leap", "2026-02-29T00:00:00Z", -1, 0},
	        {"april-31", "2026-04-31T00:00:00Z", -1, 0},
	        {"month-13", "2026-13-01T00:00:00Z", -1, 0},
	        {"day-0", "2026-01-00T00:00:00Z", -1, 0},
	        {"hour-24", "2026-01-01T24:00:00Z", -1, 0},
	        {"minute-60", "2026-01-01T00:60:00Z", -1, 0},
	        {"no-z", "2026-01-01T00:00:00", -1, 0},
	        {"offset", "2026-01-01T00:00:00+01:00", -1, 0},
	        {"space-not-t", "2026-01-01 00:00:00Z", -1, 0},
	        {"date-only", "2026-01-01", -1, 0},
	        {"short-millis", "2026-01-01T00:00:00.5Z", -1, 0},
	        {"letters", "2026-0a-01T00:00:00Z", -1, 0},
	        {"before-1900", "1899-12-31T23:59:59Z", -1, 0},
	        {"empty", "", -1, 0},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		int64_t ms = -12345;
		int rc = ank_iso_parse(cases[i].text, &ms);
		if (rc != cases[i].rc || (rc == 0 && ms != cases[i].ms))
			case_fail(&failed, "case %s ('%s'): rc %d ms %lld, expected rc %d ms %lld",
			          cases[i].name, cases[i].text, rc, (long long)ms, cases[i].rc,
			          (long long)cases[i].ms);
	}
	assert_cases_passed(failed);
	int64_t ms;
	assert_int_equal(ank_iso_parse(NULL, &ms), -1);
}

static void test_iso_round_trip(void **state)
{
	(void)state;
	static const int64_t samples[] = {0, 1, 999, T0, T0 + 123, 1709208000000, 4102444799999};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(samples); i++) {
		char text[32];
		int64_t back = -1;
		ank_iso_format(samples[i], text, sizeof text);
		if (strlen(text) != 24 || ank_iso_parse(text, &back) != 0 || back != samples[i])
			case_fail(&failed, "round trip of %lld via '%s' gave %lld",
			          (long long)samples[i], text, (long long)back);
	}
	assert_cases_passed(failed);
	char text[32];
	ank_iso_format(T0 + 7, text, sizeof text);
	assert_string_equal(text, "2026-11-23T11:00:00.007Z");
}

/* ---- numbers ---- */

static void test_parse_long(void **state)
{
	(void)state;
	static const struct {
		const char *name, *text;
		long min, max;
		int rc;
		long value;
	} cases[] = {
	        {"plain", "42", 0, 100, 0, 42},
	        {"at-min", "1", 1, 600, 0, 1},
	        {"at-max", "600", 1, 600, 0, 600},
	        {"below-min", "0", 1, 600, -1, 0},
	        {"above-max", "601", 1, 600, -1, 0},
	        {"negative-allowed", "-5", -10, 10, 0, -5},
	        {"negative-refused", "-5", 0, 10, -1, 0},
	        {"trailing-letter", "12x", 0, 100, -1, 0},
	        {"empty", "", 0, 100, -1, 0},
	        {"leading-space", " 1", 0, 100, -1, 0},
	        {"leading-tab", "\t1", 0, 100, -1, 0},
	        {"trailing-space", "1 ", 0, 100, -1, 0},
	        {"hex", "0x10", 0, 100, -1, 0},
	        {"decimal-point", "1.0", 0, 100, -1, 0},
	        {"sign-only", "-", -10, 10, -1, 0},
	        {"overflow", "99999999999999999999999", LONG_MIN, LONG_MAX, -1, 0},
	        {"int-max", "2147483647", 0, LONG_MAX, 0, 2147483647L},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		long v = -777;
		int rc = ank_parse_long(cases[i].text, cases[i].min, cases[i].max, &v);
		if (rc != cases[i].rc || (rc == 0 && v != cases[i].value) || (rc != 0 && v != -777))
			case_fail(&failed,
			          "case %s ('%s'): rc %d value %ld, expected rc %d value %ld",
			          cases[i].name, cases[i].text, rc, v, cases[i].rc, cases[i].value);
	}
	assert_cases_passed(failed);
	long v;
	assert_int_equal(ank_parse_long(NULL, 0, 10, &v), -1);
}

/* ---- migrations ---- */

#define TEST_APP_ID 0x54455354 /* "TEST" */

static const char *const test_migrations[] = {
        "CREATE TABLE t(x INTEGER NOT NULL);",
        /* Not idempotent on purpose: applying it twice would show as two rows. */
        "INSERT INTO t(x) VALUES (7);",
        "CREATE TABLE u(y TEXT);",
};

static int query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static sqlite3 *memory_db(void)
{
	sqlite3 *db = NULL;
	ank_err err = {{0}};
	if (ank_db_open(":memory:", &db, &err))
		fail_msg("open :memory:: %s", err.msg);
	return db;
}

static void test_migrate_applies_once(void **state)
{
	(void)state;
	sqlite3 *db = memory_db();
	ank_err err = {{0}};
	assert_int_equal(ank_db_migrate(db, TEST_APP_ID, test_migrations, 2, &err), 0);
	assert_int_equal(query_int(db, "PRAGMA application_id"), TEST_APP_ID);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 2);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	/* Second call with the same list: nothing runs again. */
	assert_int_equal(ank_db_migrate(db, TEST_APP_ID, test_migrations, 2, &err), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	/* A migration added at the end runs alone. */
	assert_int_equal(ank_db_migrate(db, TEST_APP_ID, test_migrations, 3, &err), 0);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 3);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM u"), 0);
	sqlite3_close_v2(db);
}

static void test_migrate_refuses_other_app(void **state)
{
	(void)state;
	sqlite3 *db = memory_db();
	ank_err err = {{0}};
	assert_int_equal(ank_db_exec(db, "PRAGMA application_id=1234", &err), SQLITE_OK);
	assert_int_equal(ank_db_migrate(db, TEST_APP_ID, test_migrations, 2, &err), -1);
	if (!strstr(err.msg, "application_id") || !strstr(err.msg, "1234"))
		fail_msg("unclear refusal: '%s'", err.msg);
	/* Refused before touching anything. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master"), 0);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 0);
	sqlite3_close_v2(db);
}

static void test_migrate_refuses_newer(void **state)
{
	(void)state;
	sqlite3 *db = memory_db();
	ank_err err = {{0}};
	assert_int_equal(ank_db_migrate(db, TEST_APP_ID, test_migrations, 3, &err), 0);
	/* An older program (knowing two migrations) meets a database from a newer one. */
	assert_int_equal(ank_db_migrate(db, TEST_APP_ID, test_migrations, 2, &err), -1);
	if (!strstr(err.msg, "newer"))
		fail_msg("unclear refusal: '%s'", err.msg);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 3);
	sqlite3_close_v2(db);
}

static void test_migrate_failure_rolls_back(void **state)
{
	(void)state;
	static const char *const broken[] = {
	        "CREATE TABLE t(x INTEGER);",
	        "CREATE TABLE oops(;",
	};
	sqlite3 *db = memory_db();
	ank_err err = {{0}};
	assert_int_equal(ank_db_migrate(db, TEST_APP_ID, broken, 2, &err), -1);
	if (!strstr(err.msg, "migration 2"))
		fail_msg("message does not name the migration: '%s'", err.msg);
	/* All or nothing: migration 1 is undone and the header is not stamped. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 't'"), 0);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 0);
	assert_int_equal(query_int(db, "PRAGMA application_id"), 0);
	sqlite3_close_v2(db);
}

/* Runs ank_log with stderr sent to a file and returns what it wrote (caller frees). */
static char *logged(ank_log_format f, const char *component, const char *msg)
{
	char path[] = "/tmp/ank-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	ank_log_set_format(f);
	ank_log(ANK_LOG_WARN, component, "%s", msg);
	ank_log(ANK_LOG_DEBUG, component, "dropped below the level");
	ank_log_set_format(ANK_LOG_TEXT);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	char *text = calloc(1, 16384);
	assert_non_null(text);
	assert_true(pread(fd, text, 16383, 0) >= 0);
	close(fd);
	unlink(path);
	return text;
}

static void test_log_formats(void **state)
{
	(void)state;
	ank_log_format f = ANK_LOG_TEXT;
	assert_int_equal(ank_log_format_parse("json", &f), 0);
	assert_int_equal(f, ANK_LOG_JSON);
	assert_int_equal(ank_log_format_parse("text", &f), 0);
	assert_int_equal(f, ANK_LOG_TEXT);
	assert_int_equal(ank_log_format_parse("JSON", &f), -1);
	assert_int_equal(ank_log_format_parse(NULL, &f), -1);
	/* A message with a quote, a backslash, a forged second line, Danish letters and a
	 * byte that is not UTF-8. */
	static const char msg[] = "kiosk \"k-1\" \\ 5 events\n2026-01-01T00:00:00Z error x: forged "
	                          "\xc3\xb8 \xff end";
	char *text = logged(ANK_LOG_JSON, "http", msg);
	/* One line, and it is one JSON object with the four fields. */
	assert_non_null(strchr(text, '\n'));
	assert_string_equal(strchr(text, '\n'), "\n");
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("not JSON (%s): %s", je.text, text);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
	assert_string_equal(json_string_value(json_object_get(j, "component")), "http");
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
	                    "kiosk \"k-1\" \\ 5 events\n2026-01-01T00:00:00Z error x: forged "
	                    "\xc3\xb8 \xef\xbf\xbd end");
	const char *time = json_string_value(json_object_get(j, "time"));
	assert_non_null(time);
	assert_int_equal(strlen(time), 20);
	assert_int_equal(json_object_size(j), 4);
	json_decref(j);
	free(text);
	/* Text: the newline cannot start a forged line. */
	text = logged(ANK_LOG_TEXT, "http", msg);
	assert_string_equal(strchr(text, '\n'), "\n");
	assert_non_null(strstr(text, " warn http: kiosk \"k-1\" \\ 5 events?2026-01-01"));
	free(text);
}

/* Databases hold nicknames and linkage keys: created 0600 even under umask 000, with their
 * -wal and -shm; an existing file readable by others is made private on open. */
static unsigned mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 0777);
}

static void test_db_private(void **state)
{
	(void)state;
	char dir[] = "/tmp/ank-dbmode-XXXXXX", path[64], side[80];
	assert_non_null(mkdtemp(dir));
	mode_t old = umask(0);
	snprintf(path, sizeof path, "%s/new.db", dir);
	sqlite3 *db = NULL;
	ank_err err;
	assert_int_equal(ank_db_open(path, &db, &err), 0);
	assert_int_equal(ank_db_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", &err),
	                 SQLITE_OK);
	assert_int_equal(mode_of(path), 0600);
	snprintf(side, sizeof side, "%s-wal", path);
	assert_int_equal(mode_of(side), 0600);
	snprintf(side, sizeof side, "%s-shm", path);
	assert_int_equal(mode_of(side), 0600);
	sqlite3_close_v2(db);

	/* An older install's file, world-readable, with a readable -wal beside it. */
	snprintf(path, sizeof path, "%s/old.db", dir);
	int fd = open(path, O_CREAT | O_WRONLY, 0666);
	assert_true(fd >= 0);
	close(fd);
	snprintf(side, sizeof side, "%s-wal", path);
	fd = open(side, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mode_of(path), 0666);
	assert_int_equal(ank_db_open(path, &db, &err), 0);
	assert_int_equal(mode_of(path), 0600);
	sqlite3_close_v2(db);
	umask(old);
	/* A directory that is not there is an error that names the file. */
	assert_int_equal(ank_db_open("/nonexistent-dir/x.db", &db, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/x.db"));
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ICU's zones: names known and not, civil times across both daylight-saving changes, and
 * local midnights of the short and the long day. Answers by hand from the EU rule (clocks
 * change at 01:00 UTC on the last Sundays of March and October). */
static int64_t iso(const char *s)
{
	int64_t ms = 0;
	assert_int_equal(ank_iso_parse(s, &ms), 0);
	return ms;
}

static void test_zones(void **state)
{
	(void)state;
	assert_true(ank_zone_known("Europe/Copenhagen"));
	assert_true(ank_zone_known("America/Nuuk"));
	assert_true(ank_zone_known("UTC"));
	assert_false(ank_zone_known("Europe/Aarhus"));
	assert_false(ank_zone_known("GMT+01:00")); /* a custom offset has no DST rules */
	assert_false(ank_zone_known(""));
	assert_false(ank_zone_known(NULL));
	ank_err err;
	assert_null(ank_zone_open("Mars/Olympus", &err));
	assert_non_null(strstr(err.msg, "unknown time zone"));

	ank_zone *z = ank_zone_open("Europe/Copenhagen", &err);
	assert_non_null(z);
	assert_string_equal(ank_zone_id(z), "Europe/Copenhagen");
	static const struct {
		const char *at, *date;
		int hour, weekday;
		long long offset_h;
	} cases[] = {
	        {"2026-01-15T12:00:00Z", "2026-01-15", 13, 4, 1},
	        {"2026-06-30T22:30:00Z", "2026-07-01", 0, 3, 2}, /* after midnight in summer */
	        {"2026-03-29T00:59:59Z", "2026-03-29", 1, 0, 1}, /* the last second of CET */
	        {"2026-03-29T01:00:00Z", "2026-03-29", 3, 0, 2}, /* 02:00 CET is 03:00 CEST */
	        {"2026-10-25T00:30:00Z", "2026-10-25", 2, 0, 2}, /* 02:30 CEST */
	        {"2026-10-25T01:30:00Z", "2026-10-25", 2, 0, 1}, /* 02:30 again, CET */
	        {"2026-12-31T23:30:00Z", "2027-01-01", 0, 5, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ank_civil c;
		assert_int_equal(ank_zone_civil(z, iso(cases[i].at), &c), 0);
		assert_string_equal(c.date, cases[i].date);
		assert_int_equal(c.hour, cases[i].hour);
		assert_int_equal(c.weekday, cases[i].weekday);
		assert_int_equal(c.offset_ms, cases[i].offset_h * 3600000);
		/* The hour's span holds the instant and is one real hour. */
		assert_true(c.hour_start_ms <= iso(cases[i].at));
		assert_int_equal(c.hour_end_ms - c.hour_start_ms, 3600000);
	}
	/* Midnights: the spring day has 23 hours, the autumn day 25, others 24. */
	long long m29 = ank_zone_midnight(z, 2026, 3, 29, 0),
	          m30 = ank_zone_midnight(z, 2026, 3, 29, 1);
	assert_int_equal(m29, iso("2026-03-28T23:00:00Z"));
	assert_int_equal(m30 - m29, 23LL * 3600000);
	long long o25 = ank_zone_midnight(z, 2026, 10, 25, 0),
	          o26 = ank_zone_midnight(z, 2026, 10, 26, 0);
	assert_int_equal(o25, iso("2026-10-24T22:00:00Z"));
	assert_int_equal(o26 - o25, 25LL * 3600000);
	/* Days added cross a month and a year. */
	assert_int_equal(ank_zone_midnight(z, 2026, 12, 31, 1), iso("2026-12-31T23:00:00Z"));
	assert_int_equal(ank_zone_midnight(z, 2026, 2, 28, 1), iso("2026-02-28T23:00:00Z"));
	assert_int_equal(ank_zone_midnight(z, 2026, 2, 30, 0), -1);
	assert_int_equal(ank_zone_midnight(z, 2026, 13, 1, 0), -1);
	ank_zone_free(z);

	/* A zone whose midnight the clocks skip: Santiago de Chile moved to summer time at
	 * 24:00 on 2026-09-05 (ICU's rules), so 2026-09-06 begins at 01:00 local. */
	ank_zone *cl = ank_zone_open("America/Santiago", &err);
	assert_non_null(cl);
	long long s6 = ank_zone_midnight(cl, 2026, 9, 6, 0);
	ank_civil c;
	assert_int_equal(ank_zone_civil(cl, s6, &c), 0);
	assert_string_equal(c.date, "2026-09-06");
	assert_true(c.hour <= 1);
	assert_int_equal(ank_zone_civil(cl, s6 - 1, &c), 0);
	assert_string_equal(c.date, "2026-09-05");
	ank_zone_free(cl);

	int y, m, d;
	assert_int_equal(ank_date_parse("2024-02-29", &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 20240229);
	assert_int_equal(ank_date_parse("2026-02-29", &y, &m, &d), -1);
	assert_int_equal(ank_date_parse("2026-04-31", &y, &m, &d), -1);
	assert_int_equal(ank_date_parse("2026-4-30", &y, &m, &d), -1);
	assert_int_equal(ank_date_parse("2026-04-3x", &y, &m, &d), -1);
	assert_int_equal(ank_date_parse("0000-01-01", &y, &m, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_zones),
	        cmocka_unit_test(test_db_private),
	        cmocka_unit_test(test_substances),
	        cmocka_unit_test(test_routes),
	        cmocka_unit_test(test_genders),
	        cmocka_unit_test(test_municipalities),
	        cmocka_unit_test(test_fold_golden),
	        cmocka_unit_test(test_fold_failure_leaves_buffer),
	        cmocka_unit_test(test_utf8_valid_text),
	        cmocka_unit_test(test_utf8_count),
	        cmocka_unit_test(test_buf_cap),
	        cmocka_unit_test(test_buf_printf_and_growth),
	        cmocka_unit_test(test_hhmm_parse),
	        cmocka_unit_test(test_hhmm_format),
	        cmocka_unit_test(test_iso_parse),
	        cmocka_unit_test(test_iso_round_trip),
	        cmocka_unit_test(test_parse_long),
	        cmocka_unit_test(test_migrate_applies_once),
	        cmocka_unit_test(test_migrate_refuses_other_app),
	        cmocka_unit_test(test_migrate_refuses_newer),
	        cmocka_unit_test(test_migrate_failure_rolls_back),
	        cmocka_unit_test(test_log_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
