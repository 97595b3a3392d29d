/* Unit tests of the ticket QR reference: golden vector, round trips, no personal data,
 * golden bad references, and the site key kept in site.db. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ank_ticketref.h"

/* Key 00 01 .. 1f and the reference it gives; computed independently with Python's
 * hashlib.blake2b(body, digest_size=32, key=key).digest()[:12], base64url unpadded. */
static const char golden[] = "A1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsSs";

static void key_seq(unsigned char key[ANK_TICKETREF_KEY_BYTES], unsigned char first)
{
	for (int i = 0; i < ANK_TICKETREF_KEY_BYTES; i++)
		key[i] = (unsigned char)(first + i);
}

static ank_ticketref golden_ref(void)
{
	ank_ticketref t = {
	        .site = "vesterbro", .ticket = 4711, .day = "2026-11-23", .label = "I-014"};
	return t;
}

static void test_golden_vector(void **state)
{
	(void)state;
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	key_seq(key, 0);
	ank_ticketref t = golden_ref();
	char text[ANK_TICKETREF_MAX];
	ank_err err = {{0}};
	assert_int_equal(ank_ticketref_make(key, &t, text, &err), 0);
	assert_string_equal(text, golden);

	ank_ticketref back;
	if (ank_ticketref_verify(key, golden, &back, &err))
		fail_msg("golden: %s", err.msg);
	assert_string_equal(back.site, "vesterbro");
	assert_true(back.ticket == 4711);
	assert_string_equal(back.day, "2026-11-23");
	assert_string_equal(back.label, "I-014");
	/* out may be NULL when only the verdict matters. */
	assert_int_equal(ank_ticketref_verify(key, golden, NULL, &err), 0);
}

/* The longest fields give the longest text, which must still fit. */
static void test_round_trip_limits(void **state)
{
	(void)state;
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	key_seq(key, 7);
	ank_ticketref cases[] = {
	        {.site = "abcdefghijklmnopqrstuvwxyz_-0123",
	         .ticket = ANK_TICKETREF_TICKET_MAX,
	         .day = "2024-02-29",
	         .label = "ABCDEFGHIJ-1234"},
	        {.site = "a", .ticket = 1, .day = "0001-01-01", .label = "9"},
	        {.site = "H17", .ticket = 1000000, .day = "2026-12-31", .label = "S-001"},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char text[ANK_TICKETREF_MAX];
		ank_ticketref back;
		ank_err err = {{0}};
		if (ank_ticketref_make(key, &cases[i], text, &err)) {
			case_fail(&failed, "case %zu: make: %s", i, err.msg);
			continue;
		}
		if (ank_ticketref_verify(key, text, &back, &err)) {
			case_fail(&failed, "case %zu: verify %s: %s", i, text, err.msg);
			continue;
		}
		if (strcmp(back.site, cases[i].site) || back.ticket != cases[i].ticket ||
		    strcmp(back.day, cases[i].day) || strcmp(back.label, cases[i].label))
			case_fail(&failed, "case %zu: %s came back different", i, text);
	}
	assert_cases_passed(failed);

	char text[ANK_TICKETREF_MAX];
	ank_err err = {{0}};
	assert_int_equal(ank_ticketref_make(key, &cases[0], text, &err), 0);
	assert_int_equal(strlen(text), ANK_TICKETREF_MAX - 1);
}

typedef struct make_case {
	const char *name;
	ank_ticketref t;
	const char *want; /* substring of the error */
} make_case;

static const make_case bad_makes[] = {
        {"site empty", {.site = "", .ticket = 1, .day = "2026-11-23", .label = "I-1"}, "site"},
        {"site 33 chars",
         {.site = "abcdefghijklmnopqrstuvwxyz0123456",
          .ticket = 1,
          .day = "2026-11-23",
          .label = "I"},
         "site"},
        {"site with dot", {.site = "a.b", .ticket = 1, .day = "2026-11-23", .label = "I"}, "site"},
        {"ticket 0", {.site = "s", .ticket = 0, .day = "2026-11-23", .label = "I"}, "ticket"},
        {"ticket negative",
         {.site = "s", .ticket = -5, .day = "2026-11-23", .label = "I"},
         "ticket"},
        {"ticket 18 digits",
         {.site = "s", .ticket = ANK_TICKETREF_TICKET_MAX + 1, .day = "2026-11-23", .label = "I"},
         "ticket"},
        {"day not leap", {.site = "s", .ticket = 1, .day = "2026-02-29", .label = "I"}, "day"},
        {"day month 13", {.site = "s", .ticket = 1, .day = "2026-13-01", .label = "I"}, "day"},
        {"day short", {.site = "s", .ticket = 1, .day = "2026-1-01", .label = "I"}, "day"},
        {"day compact", {.site = "s", .ticket = 1, .day = "20261123", .label = "I"}, "day"},
        {"label lowercase",
         {.site = "s", .ticket = 1, .day = "2026-11-23", .label = "i-014"},
         "label"},
        {"label empty", {.site = "s", .ticket = 1, .day = "2026-11-23", .label = ""}, "label"},
        {"label dot", {.site = "s", .ticket = 1, .day = "2026-11-23", .label = "I.014"}, "label"},
};

static void test_make_refuses_bad_fields(void **state)
{
	(void)state;
	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	key_seq(key, 0);
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(bad_makes); i++) {
		const make_case *c = &bad_makes[i];
		char text[ANK_TICKETREF_MAX];
		memset(text, 'x', sizeof text);
		ank_err err = {{0}};
		if (ank_ticketref_make(key, &c->t, text, &err) != -1)
			case_fail(&failed, "%s: accepted as %s", c->name, text);
		else if (!strstr(err.msg, c->want) || text[0] != '\0')
			case_fail(&failed, "%s: error '%s', want '%s' and empty output", c->name,
			          err.msg, c->want);
	}
	assert_cases_passed(failed);
}

typedef enum bad_kind {
	LITERAL,   /* verify `text` with the golden key */
	OTHER_KEY, /* verify the golden reference with another site's key */
	LONG_500,  /* 500 characters */
	NULL_TEXT,
} bad_kind;

typedef struct bad_case {
	const char *name;
	bad_kind kind;
	const char *text;
	const char *want;   /* the error starts with this */
	const char *detail; /* and contains this (NULL: no check) */
} bad_case;

#define MISMATCH "MAC mismatch (forged or another site's key)"

static const bad_case bad_refs[] = {
        {"flipped MAC character", LITERAL, "A1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsSt",
         MISMATCH, NULL},
        {"first MAC character", LITERAL, "A1.vesterbro.4711.20261123.I-014.yxnTXei_9YQ_UsSs",
         MISMATCH, NULL},
        {"ticket changed, old MAC", LITERAL, "A1.vesterbro.4712.20261123.I-014.zxnTXei_9YQ_UsSs",
         MISMATCH, NULL},
        {"label changed", LITERAL, "A1.vesterbro.4711.20261123.I-015.zxnTXei_9YQ_UsSs", MISMATCH,
         NULL},
        {"day changed", LITERAL, "A1.vesterbro.4711.20261124.I-014.zxnTXei_9YQ_UsSs", MISMATCH,
         NULL},
        {"non-ASCII site", LITERAL, "A1.nørrebro.4711.20261123.I-014.zxnTXei_9YQ_UsSs",
         "bad format", "character"},
        {"site changed", LITERAL, "A1.norrebro.4711.20261123.I-014.zxnTXei_9YQ_UsSs", MISMATCH,
         NULL},
        {"another site's key", OTHER_KEY, NULL, MISMATCH, NULL},
        {"truncated in MAC", LITERAL, "A1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ", "bad format",
         "MAC"},
        {"truncated to 4 fields", LITERAL, "A1.vesterbro.4711.20261123", "bad format", "fields"},
        {"truncated to version", LITERAL, "A1", "bad format", NULL},
        {"extra field", LITERAL, "A1.vesterbro.4711.20261123.I-014.x.zxnTXei_9YQ_UsSs",
         "bad format", "fields"},
        {"trailing dot", LITERAL, "A1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsSs.",
         "bad format", "fields"},
        {"empty MAC", LITERAL, "A1.vesterbro.4711.20261123.I-014.", "bad format", "MAC"},
        {"padded MAC", LITERAL, "A1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsS=", "bad format",
         "character"},
        {"lowercase version", LITERAL, "a1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsSs",
         "unknown version", NULL},
        {"future version", LITERAL, "A2.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsSs",
         "unknown version", NULL},
        {"non-digit ticket", LITERAL, "A1.vesterbro.47a1.20261123.I-014.zxnTXei_9YQ_UsSs",
         "bad format", "ticket"},
        {"leading zero ticket", LITERAL, "A1.vesterbro.04711.20261123.I-014.zxnTXei_9YQ_UsSs",
         "bad format", "ticket"},
        {"ticket zero", LITERAL, "A1.vesterbro.0.20261123.I-014.zxnTXei_9YQ_UsSs", "bad format",
         "ticket"},
        {"ticket 18 digits", LITERAL,
         "A1.vesterbro.123456789012345678.20261123.I-014.zxnTXei_9YQ_UsSs", "bad format", "ticket"},
        {"empty ticket", LITERAL, "A1.vesterbro..20261123.I-014.zxnTXei_9YQ_UsSs", "bad format",
         "ticket"},
        {"empty site", LITERAL, "A1..4711.20261123.I-014.zxnTXei_9YQ_UsSs", "bad format", "site"},
        {"site 33 chars", LITERAL,
         "A1.abcdefghijklmnopqrstuvwxyz0123456.4711.20261123.I-014.zxnTXei_9YQ_UsSs", "bad format",
         "site"},
        {"invalid day", LITERAL, "A1.vesterbro.4711.20261340.I-014.zxnTXei_9YQ_UsSs", "bad format",
         "day"},
        {"day with dashes", LITERAL, "A1.vesterbro.4711.2026-11-23.I-014.zxnTXei_9YQ_UsSs",
         "bad format", "day"},
        {"day 29 Feb non-leap", LITERAL, "A1.vesterbro.4711.20260229.I-014.zxnTXei_9YQ_UsSs",
         "bad format", "day"},
        {"lowercase label", LITERAL, "A1.vesterbro.4711.20261123.i-014.zxnTXei_9YQ_UsSs",
         "bad format", "label"},
        {"space inside", LITERAL, "A1.vesterbro.4711.20261123.I 014.zxnTXei_9YQ_UsSs", "bad format",
         "character"},
        {"leading space", LITERAL, " A1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsSs",
         "bad format", "character"},
        {"newline at end", LITERAL, "A1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsSs\n",
         "bad format", "character"},
        {"a URL", LITERAL, "https://example.org/t?4711", "bad format", "character"},
        {"no dots", LITERAL, "A1vesterbro", "bad format", NULL},
        {"empty", LITERAL, "", "bad format", "empty"},
        {"500 characters", LONG_500, NULL, "bad format", "longer"},
        {"NULL", NULL_TEXT, NULL, "bad format", NULL},
};

static void test_verify_bad_golden(void **state)
{
	(void)state;
	unsigned char key[ANK_TICKETREF_KEY_BYTES], other[ANK_TICKETREF_KEY_BYTES];
	key_seq(key, 0);
	key_seq(other, 1);
	char long_text[501];
	memcpy(long_text, golden, sizeof golden - 1);
	memset(long_text + sizeof golden - 1, 'A', sizeof long_text - sizeof golden);
	long_text[500] = '\0';
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(bad_refs); i++) {
		const bad_case *c = &bad_refs[i];
		const char *text = c->kind == OTHER_KEY   ? golden
		                   : c->kind == LONG_500  ? long_text
		                   : c->kind == NULL_TEXT ? NULL
		                                          : c->text;
		ank_ticketref out;
		memset(&out, 'x', sizeof out);
		ank_err err = {{0}};
		int rc = ank_ticketref_verify(c->kind == OTHER_KEY ? other : key, text, &out, &err);
		if (rc != -1) {
			case_fail(&failed, "%s: accepted", c->name);
			continue;
		}
		if (strncmp(err.msg, c->want, strlen(c->want)) != 0 ||
		    (c->detail && !strstr(err.msg, c->detail)))
			case_fail(&failed, "%s: error '%s', want '%s'%s%s", c->name, err.msg,
			          c->want, c->detail ? " with " : "", c->detail ? c->detail : "");
		/* A rejected reference leaves nothing a caller could mistake for a ticket. */
		if (out.site[0] || out.ticket || out.day[0] || out.label[0])
			case_fail(&failed, "%s: output not cleared", c->name);
		/* Errors never echo the input (safe to log and show). */
		if (text && strlen(text) > 8 && strstr(err.msg, text))
			case_fail(&failed, "%s: error repeats the input", c->name);
	}
	assert_cases_passed(failed);
}

/* A ticket issued to a fixture user: the reference holds nothing about the person. */
static void test_no_personal_data(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	fixture_apply(f);
	fixture_user(f, "u-secret-0042", "Kasper Smaragd", 1984, NULL);
	ank_checkin_result res;
	assert_int_equal(
	        fixture_checkin(f, "u-secret-0042", "heroin", ANK_ROUTE_INJECT, NULL, T0, &res),
	        ANK_Q_OK);
	ank_ticketref t = {.ticket = res.ticket.id};
	snprintf(t.site, sizeof t.site, "%s", f->cfg.site_id);
	snprintf(t.day, sizeof t.day, "%s", res.ticket.day);
	snprintf(t.label, sizeof t.label, "%s", res.ticket.label);

	unsigned char key[ANK_TICKETREF_KEY_BYTES];
	ank_err err = {{0}};
	if (ank_store_ticket_key(ank_queue_store(f->q), key, &err))
		fail_msg("ticket key: %s", err.msg);
	char text[ANK_TICKETREF_MAX];
	if (ank_ticketref_make(key, &t, text, &err))
		fail_msg("make: %s", err.msg);
	const char *personal[] = {"u-secret-0042", "secret", "Kasper Smaragd", "Kasper",
	                          "Smaragd",       "heroin", "inject"};
	for (size_t i = 0; i < COUNT_OF(personal); i++)
		if (strstr(text, personal[i]))
			fail_msg("reference %s contains '%s'", text, personal[i]);

	ank_ticketref back;
	if (ank_ticketref_verify(key, text, &back, &err))
		fail_msg("verify %s: %s", text, err.msg);
	assert_string_equal(back.site, "test");
	assert_true(back.ticket == res.ticket.id);
	assert_string_equal(back.day, res.ticket.day);
	assert_string_equal(back.label, res.ticket.label);
	fixture_free(f);
}

static void get_key(ank_store *st, unsigned char key[ANK_TICKETREF_KEY_BYTES])
{
	ank_err err = {{0}};
	if (ank_store_ticket_key(st, key, &err))
		fail_msg("ticket key: %s", err.msg);
}

static void test_store_key_stable(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	unsigned char a[ANK_TICKETREF_KEY_BYTES], b[ANK_TICKETREF_KEY_BYTES];
	unsigned char c[ANK_TICKETREF_KEY_BYTES], zero[ANK_TICKETREF_KEY_BYTES] = {0};
	get_key(ank_queue_store(f->q), a);
	assert_memory_not_equal(a, zero, sizeof a);
	get_key(ank_queue_store(f->q), b);
	assert_memory_equal(a, b, sizeof a);
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM meta WHERE key = 'ticket_key'"
	                                  " AND length(value) = 64"),
	                 1);

	/* Another connection, then close and reopen: the same key. */
	ank_store *st;
	ank_err err = {{0}};
	assert_int_equal(ank_store_open(f->db, &st, &err), 0);
	get_key(st, c);
	ank_store_close(st);
	assert_memory_equal(a, c, sizeof a);
	assert_int_equal(ank_store_open(f->db, &st, &err), 0);
	get_key(st, c);
	ank_store_close(st);
	assert_memory_equal(a, c, sizeof a);

	/* Another database is another site key. */
	fixture *g = fixture_new();
	get_key(ank_queue_store(g->q), c);
	assert_memory_not_equal(a, c, sizeof a);
	fixture_free(g);
	fixture_free(f);
}

/* Inside one of our transactions the key is made in it; the commit keeps it. */
static void test_store_key_in_transaction(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	ank_store *st = ank_queue_store(f->q);
	ank_err err = {{0}};
	unsigned char a[ANK_TICKETREF_KEY_BYTES], b[ANK_TICKETREF_KEY_BYTES];
	assert_int_equal(ank_store_begin(st, &err), 0);
	get_key(st, a);
	assert_int_equal(ank_store_commit(st, &err), 0);
	get_key(st, b);
	assert_memory_equal(a, b, sizeof a);
	fixture_free(f);
}

/* A corrupt stored key is reported, never silently replaced (that would void every
 * ticket already printed). */
static void test_store_key_corrupt(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	ank_store *st = ank_queue_store(f->q);
	const char *bad[] = {"abc", "zz", "",
	                     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0"};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(bad); i++) {
		char sql[200];
		snprintf(sql, sizeof sql,
		         "INSERT OR REPLACE INTO meta(key, value) VALUES ('ticket_key', '%s')",
		         bad[i]);
		assert_int_equal(sqlite3_exec(ank_store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
		unsigned char key[ANK_TICKETREF_KEY_BYTES];
		ank_err err = {{0}};
		if (ank_store_ticket_key(st, key, &err) != -1 || !strstr(err.msg, "corrupt"))
			case_fail(&failed, "value '%s': not reported as corrupt (%s)", bad[i],
			          err.msg);
	}
	assert_cases_passed(failed);
	fixture_free(f);
}

/* Several processes asking a fresh database for its key at once all get the same one. */
static void test_store_key_race(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	enum { N = 6 };
	int fds[N][2], go[2];
	pid_t pids[N];
	/* Every child opens its connection, then blocks on `go` until the parent closes it,
	 * so all of them look for the key at the same moment. */
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(pipe(fds[i]), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			/* Child: its own connection; reports the key as hex, exits. */
			ank_store *st;
			ank_err err = {{0}};
			unsigned char key[ANK_TICKETREF_KEY_BYTES];
			char hex[2 * ANK_TICKETREF_KEY_BYTES + 1] = "";
			close(go[1]);
			int opened = ank_store_open(f->db, &st, &err);
			char c;
			while (read(go[0], &c, 1) > 0)
				;
			if (opened == 0 && ank_store_ticket_key(st, key, &err) == 0)
				for (int k = 0; k < ANK_TICKETREF_KEY_BYTES; k++)
					snprintf(hex + 2 * k, 3, "%02x", key[k]);
			ssize_t w = write(fds[i][1], hex, sizeof hex);
			_exit(w == (ssize_t)sizeof hex && hex[0] ? 0 : 1);
		}
		close(fds[i][1]);
	}
	close(go[0]);
	usleep(200 * 1000); /* let every child reach the barrier */
	close(go[1]);
	char first[2 * ANK_TICKETREF_KEY_BYTES + 1] = "";
	for (int i = 0; i < N; i++) {
		char hex[2 * ANK_TICKETREF_KEY_BYTES + 1] = "";
		ssize_t r = read(fds[i][0], hex, sizeof hex);
		close(fds[i][0]);
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_int_equal(r, (ssize_t)sizeof hex);
		if (i == 0)
			memcpy(first, hex, sizeof hex);
		else
			assert_string_equal(first, hex);
	}
	assert_int_equal(fixture_count(f, "SELECT count(*) FROM meta WHERE key = 'ticket_key'"), 1);
	fixture_free(f);
}

/* parse reads the fields without a key, so a forged reference parses too; its format
 * errors are verify's. */
static void test_parse_without_key(void **state)
{
	(void)state;
	ank_ticketref back;
	ank_err err = {{0}};
	if (ank_ticketref_parse(golden, &back, &err))
		fail_msg("parse golden: %s", err.msg);
	assert_string_equal(back.site, "vesterbro");
	assert_true(back.ticket == 4711);
	assert_string_equal(back.day, "2026-11-23");
	assert_string_equal(back.label, "I-014");
	char forged[ANK_TICKETREF_MAX];
	snprintf(forged, sizeof forged, "%s", golden);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(ank_ticketref_parse(forged, &back, &err), 0);
	const char *bad[] = {"", "A1.vesterbro.4711", "A2.vesterbro.4711.20261123.I-014.x",
	                     "A1.vesterbro.4711.20261131.I-014.zxnTXei_9YQ_UsSs", NULL};
	for (int i = 0; bad[i]; i++) {
		memset(&back, 0x55, sizeof back);
		if (ank_ticketref_parse(bad[i], &back, &err) == 0)
			fail_msg("parsed '%s'", bad[i]);
		assert_string_equal(back.site, "");
		if (!strstr(err.msg, "bad format") && !strstr(err.msg, "unknown version"))
			fail_msg("'%s': %s", bad[i], err.msg);
	}
}

/* The site's key from central replaces the kiosk's own, for good. */
static void test_store_key_set(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	unsigned char own[ANK_TICKETREF_KEY_BYTES], site[ANK_TICKETREF_KEY_BYTES],
	        now[ANK_TICKETREF_KEY_BYTES];
	get_key(ank_queue_store(f->q), own);
	key_seq(site, 3);
	ank_err err = {{0}};
	assert_int_equal(ank_store_ticket_key_set(ank_queue_store(f->q), site, &err), 0);
	get_key(ank_queue_store(f->q), now);
	assert_memory_equal(now, site, sizeof now);
	assert_memory_not_equal(now, own, sizeof now);
	ank_store *st;
	assert_int_equal(ank_store_open(f->db, &st, &err), 0);
	get_key(st, now);
	ank_store_close(st);
	assert_memory_equal(now, site, sizeof now);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_golden_vector),
	        cmocka_unit_test(test_round_trip_limits),
	        cmocka_unit_test(test_make_refuses_bad_fields),
	        cmocka_unit_test(test_verify_bad_golden),
	        cmocka_unit_test(test_no_personal_data),
	        cmocka_unit_test(test_store_key_stable),
	        cmocka_unit_test(test_store_key_in_transaction),
	        cmocka_unit_test(test_store_key_corrupt),
	        cmocka_unit_test(test_store_key_race),
	        cmocka_unit_test(test_parse_without_key),
	        cmocka_unit_test(test_store_key_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
