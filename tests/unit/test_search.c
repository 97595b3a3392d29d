/* Golden cases for nickname search as the kiosk shows it: folding of Danish letters and
 * accents, word starts, the two-character privacy floor, same-name hints, the cap and its
 * "more" flag, first words first, and names one edit away when nothing matches. */
#include "testlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_EXPECT 6

typedef struct person {
	const char *id, *nick;
	int year;
} person;

static const person people[] = {
        {"s84", "Søren", 1984}, {"s91", "Søren", 1991},      {"big", "Big Søren", 1979},
        {"aeb", "Æblet", 1975}, {"jos", "José", 1990},       {"sri", "Sørine", 1985},
        {"met", "Mette", 1988}, {"ann", "Anne-Mette", 1992}, {"kar", "Karsten", 1970},
        {"ase", "Åse", 1972},   {"kri", "كريم", 1986},       {"tom", "Tomas", 1981},
};

static const person *person_by_id(const char *id)
{
	for (size_t i = 0; i < COUNT_OF(people); i++)
		if (!strcmp(people[i].id, id))
			return &people[i];
	return NULL;
}

static int setup(void **state)
{
	fixture *f = fixture_new();
	for (size_t i = 0; i < COUNT_OF(people); i++)
		fixture_user(f, people[i].id, people[i].nick, people[i].year, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

typedef struct search_case {
	const char *name;
	const char *typed;
	const char *expect[MAX_EXPECT]; /* user ids in any order; NULL-terminated */
} search_case;

/* Runs one case through the kiosk API. A shared name shows once, so the result is compared
 * as the set of users it reaches: each match, or for a shared name every holder listed by
 * ank_queue_same_name. A mismatch is counted in *failed. */
static void check_case(fixture *f, const search_case *c, int *failed)
{
	ank_match m[ANK_SEARCH_MAX];
	int n = -1;
	ank_err err = {{0}};
	ank_q_rc rc = ank_queue_search(f->q, c->typed, m, &n, NULL, &err);
	if (rc != ANK_Q_OK) {
		case_fail(failed, "case %s: rc %s: %s", c->name, ank_q_strerror(rc), err.msg);
		return;
	}
	char reached[32][ANK_ID_MAX + 1];
	int nr = 0;
	char got[512] = "";
	for (int i = 0; i < n; i++) {
		const person *p = person_by_id(m[i].user_id);
		if (!p || strcmp(m[i].nickname, p->nick) != 0 || m[i].birth_year != p->year) {
			case_fail(failed, "case %s: match %s has nickname '%s' year %d", c->name,
			          m[i].user_id, m[i].nickname, m[i].birth_year);
			return;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(m[k].nickname, m[i].nickname)) {
				case_fail(failed, "case %s: name '%s' shown twice", c->name,
				          m[i].nickname);
				return;
			}
		ank_match holders[ANK_SAME_NAME_MAX];
		int nh = 0;
		if (ank_queue_same_name(f->q, m[i].user_id, holders, ANK_SAME_NAME_MAX, &nh,
		                        &err) != ANK_Q_OK ||
		    nh != m[i].same_name) {
			case_fail(failed, "case %s: %s has same_name %d but %d holders", c->name,
			          m[i].user_id, m[i].same_name, nh);
			return;
		}
		for (int h = 0; h < nh && nr < 32; h++) {
			snprintf(reached[nr++], ANK_ID_MAX + 1, "%s", holders[h].user_id);
			size_t len = strlen(got);
			snprintf(got + len, sizeof got - len, "%s%s", len ? "," : "",
			         holders[h].user_id);
		}
	}
	int want = 0;
	while (want < MAX_EXPECT && c->expect[want])
		want++;
	if (nr != want) {
		case_fail(failed, "case %s ('%s'): reached %d users [%s], expected %d", c->name,
		          c->typed, nr, got, want);
		return;
	}
	for (int k = 0; k < want; k++) {
		int hits = 0;
		for (int i = 0; i < nr; i++)
			hits += !strcmp(reached[i], c->expect[k]);
		if (hits != 1) {
			case_fail(failed, "case %s ('%s'): %s reached %d times in [%s]", c->name,
			          c->typed, c->expect[k], hits, got);
			return;
		}
	}
}

static const search_case search_cases[] = {
        {"plain-o", "sor", {"s84", "s91", "big", "sri"}},
        {"upper-o-slash", "SØR", {"s84", "s91", "big", "sri"}},
        {"mixed-case", "Sør", {"s84", "s91", "big", "sri"}},
        {"digraph-oe", "soe", {"s84", "s91", "big", "sri"}},
        {"digraph-longer", "soere", {"s84", "s91", "big"}},
        {"digraph-sorine", "soeri", {"sri"}},
        {"full-name", "Søren", {"s84", "s91", "big"}},
        {"second-word-only-big", "big", {"big"}},
        {"across-words", "BIG S", {"big"}},
        {"across-words-oe", "big soe", {"big"}},
        {"ae-spelled", "ae", {"aeb"}},
        {"ae-letter-plus-one", "æb", {"aeb"}},
        {"ae-spelled-plus-one", "aeb", {"aeb"}},
        {"ae-upper", "ÆB", {"aeb"}},
        {"accent-typed-plain", "jos", {"jos"}},
        {"accent-typed", "JOSÉ", {"jos"}},
        {"accent-dropped", "jose", {"jos"}},
        {"aa-digraph", "aa", {"ase"}},
        {"aa-letter", "ås", {"ase"}},
        {"hyphen-second-word", "me", {"met", "ann"}},
        {"hyphen-typed-as-space", "anne m", {"ann"}},
        {"hyphen-typed", "anne-me", {"ann"}},
        {"arabic", "كر", {"kri"}},
        {"mid-word-not-found", "rsten", {NULL}},
        {"word-end-not-found", "ren", {NULL}},
        {"one-char", "s", {NULL}},
        {"one-char-o-slash", "ø", {NULL}},
        {"one-char-folding-to-two", "æ", {NULL}},
        {"empty", "", {NULL}},
        {"only-spaces", "  ", {NULL}},
        {"no-such-name", "zz", {NULL}},
        /* Nothing starts with the text: names one edit away (ank_store_search). */
        {"typo-missing-letter", "mete", {"met", "ann"}},
        {"typo-substituted", "tomaz", {"tom"}},
        {"typo-extra-letter", "tommas", {"tom"}},
        {"typo-swapped", "tmoas", {"tom"}},
        {"typo-first-letter", "nette", {"met", "ann"}},
        {"typo-danish-letter", "særen", {"s84", "s91", "big"}},
        {"typo-mid-word-one-off", "ars", {"ase", "kar"}},
        {"typo-arabic-missing-letter", "كرم", {"kri"}},
        {"typo-in-second-word", "big sxren", {"big"}},
        {"two-edits-not-found", "mxxe", {NULL}},
        {"two-edits-swap-and-sub", "otmaz", {NULL}},
        /* A prefix match wins: Søren is one edit from "sori" but is not offered. */
        {"prefix-before-typo", "sori", {"sri"}},
        /* Tolerance only from three letters: "xo" is one edit from "so". */
        {"typo-two-letters", "xo", {NULL}},
        {"typo-two-letters-space", "xo ", {NULL}},
};

static void test_search_golden(void **state)
{
	fixture *f = *state;
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(search_cases); i++)
		check_case(f, &search_cases[i], &failed);
	assert_cases_passed(failed);
}

/* The floor is two letters (queue.h: "none before 2 letters"): a single letter with a
 * space or punctuation must not list every name starting with it. */
static const search_case one_letter_cases[] = {
        {"letter-then-space", "s ", {NULL}},
        {"letter-then-dot", "s.", {NULL}},
        {"space-then-letter", " s", {NULL}},
        {"letter-then-bang", "b!", {NULL}},
};

static void test_search_one_letter_with_punctuation(void **state)
{
	fixture *f = *state;
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(one_letter_cases); i++)
		check_case(f, &one_letter_cases[i], &failed);
	assert_cases_passed(failed);
}

/* Two people called Søren: the search shows the name once with same_name 2, and the
 * birth-year step lists both, oldest first, so 1984 and 1991 tell them apart. */
static void test_same_name(void **state)
{
	fixture *f = *state;
	ank_match m[ANK_SEARCH_MAX];
	int n = 0;
	ank_err err = {{0}};
	assert_int_equal(ank_queue_search(f->q, "søren", m, &n, NULL, &err), ANK_Q_OK);
	assert_int_equal(n, 2);
	const ank_match *soren = NULL, *big = NULL;
	for (int i = 0; i < n; i++) {
		if (!strcmp(m[i].nickname, "Søren"))
			soren = &m[i];
		else if (!strcmp(m[i].nickname, "Big Søren"))
			big = &m[i];
	}
	assert_non_null(soren);
	assert_non_null(big);
	assert_int_equal(soren->same_name, 2);
	assert_int_equal(big->same_name, 1);
	assert_string_equal(big->user_id, "big");
	assert_int_equal(big->birth_year, 1979);

	ank_match h[ANK_SAME_NAME_MAX];
	int nh = 0;
	assert_int_equal(ank_queue_same_name(f->q, soren->user_id, h, ANK_SAME_NAME_MAX, &nh, &err),
	                 ANK_Q_OK);
	assert_int_equal(nh, 2);
	assert_string_equal(h[0].user_id, "s84");
	assert_int_equal(h[0].birth_year, 1984);
	assert_string_equal(h[1].user_id, "s91");
	assert_int_equal(h[1].birth_year, 1991);
	assert_int_equal(h[0].same_name, 2);
	assert_int_equal(h[1].same_name, 2);
	/* Asked through either holder, the list is the same. */
	assert_int_equal(ank_queue_same_name(f->q, "s91", h, ANK_SAME_NAME_MAX, &nh, &err),
	                 ANK_Q_OK);
	assert_int_equal(nh, 2);
	assert_string_equal(h[0].user_id, "s84");
	/* Big Søren is alone with his name. */
	assert_int_equal(ank_queue_same_name(f->q, "big", h, ANK_SAME_NAME_MAX, &nh, &err),
	                 ANK_Q_OK);
	assert_int_equal(nh, 1);
	assert_int_equal(h[0].same_name, 1);

	/* A third Søren, typed in capitals, has the same name once folded. */
	fixture_user(f, "s02", "SØREN", 2002, NULL);
	assert_int_equal(ank_queue_search(f->q, "søren", m, &n, NULL, &err), ANK_Q_OK);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++)
		if (m[i].same_name != (strcmp(m[i].user_id, "big") ? 3 : 1))
			fail_msg("%s: same_name %d", m[i].user_id, m[i].same_name);
	assert_int_equal(ank_queue_same_name(f->q, "s84", h, ANK_SAME_NAME_MAX, &nh, &err),
	                 ANK_Q_OK);
	assert_int_equal(nh, 3);
	assert_int_equal(h[2].birth_year, 2002);
	/* max is respected; the count still says how many there are. */
	assert_int_equal(ank_queue_same_name(f->q, "s84", h, 1, &nh, &err), ANK_Q_OK);
	assert_int_equal(nh, 1);
	assert_int_equal(h[0].same_name, 3);
	/* Unknown and missing ids. */
	assert_int_equal(ank_queue_same_name(f->q, "nobody", h, ANK_SAME_NAME_MAX, &nh, &err),
	                 ANK_Q_E_NOT_FOUND);
	assert_int_equal(ank_queue_same_name(f->q, NULL, h, ANK_SAME_NAME_MAX, &nh, &err),
	                 ANK_Q_E_INPUT);
}

/* The kiosk never shows more than six names, however many match. */
static void test_search_cap(void **state)
{
	fixture *f = *state;
	for (int i = 1; i <= 10; i++) {
		char id[16], nick[16];
		snprintf(id, sizeof id, "sam%d", i);
		snprintf(nick, sizeof nick, "Sam %d", i);
		fixture_user(f, id, nick, 1980 + i, NULL);
	}
	ank_match m[ANK_SEARCH_MAX];
	int n = 0;
	ank_err err = {{0}};
	assert_int_equal(ANK_SEARCH_MAX, 6);
	bool more = false;
	assert_int_equal(ank_queue_search(f->q, "sa", m, &n, &more, &err), ANK_Q_OK);
	assert_int_equal(n, ANK_SEARCH_MAX);
	assert_true(more);
	for (int i = 0; i < n; i++) {
		if (strncmp(m[i].user_id, "sam", 3) != 0 || strncmp(m[i].nickname, "Sam ", 4) != 0)
			fail_msg("match %d is %s '%s'", i, m[i].user_id, m[i].nickname);
		for (int k = 0; k < i; k++)
			if (!strcmp(m[i].user_id, m[k].user_id))
				fail_msg("%s listed twice", m[i].user_id);
	}
	/* The store below the kiosk finds all ten when asked for more, each once. */
	ank_match all[32];
	assert_int_equal(ank_store_search(ank_queue_store(f->q), "sa", all, 32, &n, NULL, &err), 0);
	assert_int_equal(n, 10);
	/* "sam 1" matches Sam 1 and Sam 10 only. */
	assert_int_equal(ank_queue_search(f->q, "sam 1", m, &n, &more, &err), ANK_Q_OK);
	assert_int_equal(n, 2);
	assert_false(more);
	/* However large max is, the store stops at ANK_SEARCH_LIMIT. */
	for (int i = 11; i <= 20; i++) {
		char id[16], nick[16];
		snprintf(id, sizeof id, "sam%d", i);
		snprintf(nick, sizeof nick, "Sam %d", i);
		fixture_user(f, id, nick, 1990, NULL);
	}
	assert_int_equal(ank_store_search(ank_queue_store(f->q), "sa", all, 1000, &n, NULL, &err),
	                 0);
	assert_int_equal(n, ANK_SEARCH_LIMIT);
}

/* Names whose first word starts with the text come first: "sø" lists Søren and Sørine
 * before Big Søren (in key order "big soren" sorts before "soren"). */
static void test_search_first_word_first(void **state)
{
	fixture *f = *state;
	ank_match m[ANK_SEARCH_MAX];
	int n = 0;
	bool more = true;
	ank_err err = {{0}};
	assert_int_equal(ank_queue_search(f->q, "sø", m, &n, &more, &err), ANK_Q_OK);
	assert_int_equal(n, 3);
	assert_false(more);
	assert_string_equal(m[0].nickname, "Søren");
	assert_string_equal(m[1].nickname, "Sørine");
	assert_string_equal(m[2].nickname, "Big Søren");
	/* The same with the digraph spelling, and among typo matches: Mette, then Anne-Mette. */
	assert_int_equal(ank_queue_search(f->q, "soe", m, &n, NULL, &err), ANK_Q_OK);
	assert_int_equal(n, 3);
	assert_string_equal(m[2].nickname, "Big Søren");
	assert_int_equal(ank_queue_search(f->q, "mete", m, &n, NULL, &err), ANK_Q_OK);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].nickname, "Mette");
	assert_string_equal(m[1].nickname, "Anne-Mette");
	/* Later words keep key order among themselves: "Zz Mette" is listed after Anne-Mette,
	 * and both after Mette. */
	fixture_user(f, "zzm", "Zz Mette", 1990, NULL);
	fixture_user(f, "mea", "Meadow Bo", 1990, NULL);
	assert_int_equal(ank_queue_search(f->q, "me", m, &n, NULL, &err), ANK_Q_OK);
	assert_int_equal(n, 4);
	assert_string_equal(m[0].nickname, "Meadow Bo");
	assert_string_equal(m[1].nickname, "Mette");
	assert_string_equal(m[2].nickname, "Anne-Mette");
	assert_string_equal(m[3].nickname, "Zz Mette");
}

/* The caller learns when more names match than the six shown, for prefix and typo
 * matches alike, and not when exactly six do. */
static void test_search_more_flag(void **state)
{
	fixture *f = *state;
	ank_match m[ANK_SEARCH_MAX];
	int n = 0;
	bool more = true;
	ank_err err = {{0}};
	for (int i = 1; i <= ANK_SEARCH_MAX; i++) {
		char id[16], nick[16];
		snprintf(id, sizeof id, "sa%d", i);
		snprintf(nick, sizeof nick, "Sabri%c", 'a' + i);
		fixture_user(f, id, nick, 1980 + i, NULL);
	}
	assert_int_equal(ank_queue_search(f->q, "sab", m, &n, &more, &err), ANK_Q_OK);
	assert_int_equal(n, ANK_SEARCH_MAX);
	assert_false(more);
	fixture_user(f, "sa7", "Sabrix", 1987, NULL);
	assert_int_equal(ank_queue_search(f->q, "sab", m, &n, &more, &err), ANK_Q_OK);
	assert_int_equal(n, ANK_SEARCH_MAX);
	assert_true(more);
	/* A typo ("sxb": nothing starts with it) reaching all seven says so too. */
	assert_int_equal(ank_queue_search(f->q, "sxbr", m, &n, &more, &err), ANK_Q_OK);
	assert_int_equal(n, ANK_SEARCH_MAX);
	assert_true(more);
	/* One name: no more. A second holder of a shown name is not "more". */
	fixture_user(f, "sa8", "Sabrix", 1990, NULL);
	assert_int_equal(ank_queue_search(f->q, "sabrix", m, &n, &more, &err), ANK_Q_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].same_name, 2);
	assert_false(more);
	/* Before two letters: nothing, and nothing more. */
	assert_int_equal(ank_queue_search(f->q, "s", m, &n, &more, &err), ANK_Q_OK);
	assert_int_equal(n, 0);
	assert_false(more);
}

/* Many holders of one name take one line, so other names still fit in the six. */
static void test_search_shared_name_takes_one_line(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < 10; i++) {
		char id[16];
		snprintf(id, sizeof id, "more%d", i);
		fixture_user(f, id, "Søren", 1960 + i, NULL);
	}
	ank_match m[ANK_SEARCH_MAX];
	int n = 0;
	ank_err err = {{0}};
	assert_int_equal(ank_queue_search(f->q, "sø", m, &n, NULL, &err), ANK_Q_OK);
	assert_int_equal(n, 3); /* Søren, Big Søren, Sørine */
	int shared = 0;
	for (int i = 0; i < n; i++)
		if (!strcmp(m[i].nickname, "Søren")) {
			shared++;
			assert_int_equal(m[i].same_name, 12);
		}
	assert_int_equal(shared, 1);
}

/* Bad search text is an input error, never a crash or a partial result. */
static void test_search_bad_input(void **state)
{
	fixture *f = *state;
	char too_long[ANK_NICK_MAX_BYTES + 2];
	memset(too_long, 'a', ANK_NICK_MAX_BYTES + 1);
	too_long[ANK_NICK_MAX_BYTES + 1] = '\0';
	char longest[ANK_NICK_MAX_BYTES + 1];
	for (int i = 0; i < ANK_NICK_MAX_BYTES; i += 2)
		memcpy(longest + i, "ø", 2);
	longest[ANK_NICK_MAX_BYTES] = '\0';
	static const struct {
		const char *name;
		const char *typed;
		bool ok;
	} cases[] = {
	        {"invalid-utf8", "s\xC3\x28", false},  {"lone-ff", "so\xff", false},
	        {"truncated-o-slash", "s\xC3", false}, {"control-char", "s\x1bor", false},
	        {"newline", "sor\n", false},           {"longest-allowed", NULL, true},
	        {"one-byte-too-long", NULL, false},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		const char *typed = cases[i].typed;
		if (!typed)
			typed = cases[i].ok ? longest : too_long;
		ank_match m[ANK_SEARCH_MAX];
		int n = -1;
		ank_err err = {{0}};
		ank_q_rc rc = ank_queue_search(f->q, typed, m, &n, NULL, &err);
		if ((rc == ANK_Q_OK) != cases[i].ok)
			case_fail(&failed, "case %s: rc %s, expected %s", cases[i].name,
			          ank_q_strerror(rc), cases[i].ok ? "ok" : "an error");
		else if (!cases[i].ok && (rc != ANK_Q_E_INPUT || !err.msg[0]))
			case_fail(&failed, "case %s: rc %s message '%s', expected input error",
			          cases[i].name, ank_q_strerror(rc), err.msg);
		else if (n != 0)
			case_fail(&failed, "case %s: %d matches", cases[i].name, n);
	}
	assert_cases_passed(failed);
	ank_match m[ANK_SEARCH_MAX];
	int n;
	ank_err err = {{0}};
	assert_int_equal(ank_queue_search(f->q, NULL, m, &n, NULL, &err), ANK_Q_E_INPUT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_search_golden),
	        T(test_search_one_letter_with_punctuation),
	        T(test_same_name),
	        T(test_search_cap),
	        T(test_search_first_word_first),
	        T(test_search_more_flag),
	        T(test_search_shared_name_takes_one_line),
	        T(test_search_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
