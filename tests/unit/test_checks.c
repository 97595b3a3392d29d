/* The kiosk's invariant checks (kiosk/checks.c) fail when they should: hand-made layouts
 * and queue snapshots that break each invariant, and ones that keep them all. */
#include <string.h>

#include "checks.h"
#include "render_null.h"
#include "testlib.h"

static ui_widget widget(const char *id, ui_role role, int x, int y, int w, int h)
{
	ui_widget wd = {.role = role, .rect = {x, y, w, h}};
	snprintf(wd.id, sizeof wd.id, "%s", id);
	return wd;
}

/* A widget of a hand-made layout whose text fits. */
#define W(id, role, x, y, w, h)                                                                    \
	{                                                                                          \
		id, role, "", {x, y, w, h}, false, UI_FIT_OK, UI_FONT_BODY, 0                      \
	}
/* The same with text that fits as `fit` says. */
#define WF(id, role, fit, x, y, w, h)                                                              \
	{                                                                                          \
		id, role, "Methamphetamine", {x, y, w, h}, false, fit, UI_FONT_SMALL, 0            \
	}

static void test_layout_cases(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		ui_widget w[2];
		int n;
		const char *broken; /* NULL: every invariant holds */
	} cases[] = {
	        {"two buttons side by side",
	         {W("a", UI_ROLE_BUTTON, 0, 0, 100, 100), W("b", UI_ROLE_BUTTON, 120, 0, 100, 100)},
	         2,
	         NULL},
	        {"overlapping buttons",
	         {W("a", UI_ROLE_BUTTON, 0, 0, 100, 100), W("b", UI_ROLE_KEY, 99, 99, 100, 100)},
	         2,
	         "no overlapping targets"},
	        {"a label over a button",
	         {W("a", UI_ROLE_LABEL, 0, 0, 300, 300), W("b", UI_ROLE_BUTTON, 10, 10, 100, 100)},
	         2,
	         "no text over other widgets"},
	        {"a label just above a button",
	         {W("a", UI_ROLE_LABEL, 0, 0, 300, 10), W("b", UI_ROLE_BUTTON, 0, 10, 100, 100)},
	         2,
	         NULL},
	        {"keys 8 px apart",
	         {W("a", UI_ROLE_KEY, 0, 0, 100, 100), W("b", UI_ROLE_KEY, 108, 0, 100, 100)},
	         2,
	         NULL},
	        {"keys 7 px apart",
	         {W("a", UI_ROLE_KEY, 0, 0, 100, 100), W("b", UI_ROLE_KEY, 107, 0, 100, 100)},
	         2,
	         "space between targets"},
	        {"keys 7 px apart on the diagonal only",
	         {W("a", UI_ROLE_KEY, 0, 0, 100, 100), W("b", UI_ROLE_KEY, 107, 110, 100, 100)},
	         2,
	         NULL},
	        {"a word shrunk to fit its tile",
	         {WF("a", UI_ROLE_BUTTON, UI_FIT_SHRUNK, 0, 0, 300, 300)},
	         1,
	         NULL},
	        {"a nickname broken between letters",
	         {WF("a", UI_ROLE_BUTTON, UI_FIT_BROKEN, 0, 0, 300, 300)},
	         1,
	         NULL},
	        {"a word cut short",
	         {WF("a", UI_ROLE_BUTTON, UI_FIT_CUT, 0, 0, 300, 300)},
	         1,
	         "text within its box"},
	        {"a text leaving its box",
	         {WF("a", UI_ROLE_LABEL, UI_FIT_OVERFLOW, 0, 0, 300, 300)},
	         1,
	         "text within its box"},
	        {"a label off the bottom",
	         {W("a", UI_ROLE_LABEL, 0, 1900, 100, 40)},
	         1,
	         "widget within the screen"},
	        {"a button off the left",
	         {W("a", UI_ROLE_TOGGLE, -1, 0, 100, 100)},
	         1,
	         "widget within the screen"},
	        {"a target too small", {W("a", UI_ROLE_BUTTON, 0, 0, 100, 79)}, 1, "target size"},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char why[256] = "";
		const char *got =
		        check_widgets(cases[i].w, cases[i].n, 1080, 1920, why, sizeof why);
		bool same = got && cases[i].broken ? !strcmp(got, cases[i].broken)
		                                   : got == cases[i].broken;
		if (!same)
			case_fail(&failed, "case %s: got '%s' (%s), expected '%s'", cases[i].name,
			          got ? got : "(none)", why,
			          cases[i].broken ? cases[i].broken : "(none)");
	}
	assert_cases_passed(failed);
	/* And through the ui struct the screens fill. */
	static ui u;
	memset(&u, 0, sizeof u);
	u.w = 1080;
	u.h = 1920;
	u.widgets[0] = widget("x", UI_ROLE_BUTTON, 0, 0, 200, 200);
	u.widgets[1] = widget("y", UI_ROLE_BUTTON, 100, 100, 200, 200);
	u.n_widgets = 2;
	char why[256];
	assert_string_equal(check_layout(&u, why, sizeof why), "no overlapping targets");
	assert_string_equal(why, "x overlaps y");
}

/* The toolkit makes text fit, as the check expects: a long word shrinks to fit its tile,
 * is cut with an ellipsis only when even its smallest size is too wide, and a typed
 * nickname is broken between letters instead. Measured by the null renderer (a code point
 * is 55 % of the font size wide), so the sizes below are exact. */
static void test_fit(void **state)
{
	(void)state;
	static ui u;
	ui_init(&u, ank_null_renderer(), 1080, 1920);
	ui_begin(&u, (ui_color){0, 0, 0, 255});
	/* "Methamphetamine": 15 code points, 330 px at 40 px, 240 px at 30 px. */
	ui_button(&u, "fits", (ui_rect){0, 0, 400, 100}, "Methamphetamine", UI_STYLE_CARD);
	ui_button(&u, "shrinks", (ui_rect){0, 200, 300, 100}, "Methamphetamine", UI_STYLE_CARD);
	ui_button(&u, "cut", (ui_rect){0, 400, 200, 100}, "Methamphetamine", UI_STYLE_CARD);
	ui_field(&u, "broken", (ui_rect){0, 600, 200, 300}, "Methamphetamine", UI_FONT_BODY);
	ui_label(&u, "wraps", (ui_rect){0, 1000, 300, 200}, "one two three four five six",
	         UI_FONT_BODY, (ui_color){0, 0, 0, 255}, UI_TEXT_BLOCK);
	ui_label(&u, "overflow", (ui_rect){0, 1300, 300, 10}, "Methamphetamine", UI_FONT_BODY,
	         (ui_color){0, 0, 0, 255}, 0);
	ui_end(&u);
	static const struct {
		const char *id;
		ui_fit_state fit;
		ui_font font;
	} want[] = {
	        {"fits", UI_FIT_OK, UI_FONT_BODY},  {"shrinks", UI_FIT_SHRUNK, UI_FONT_SMALL},
	        {"cut", UI_FIT_CUT, UI_FONT_SMALL}, {"broken", UI_FIT_BROKEN, UI_FONT_SMALL},
	        {"wraps", UI_FIT_OK, UI_FONT_BODY}, {"overflow", UI_FIT_OVERFLOW, UI_FONT_SMALL}};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(want); i++) {
		const ui_widget *w = ui_find(&u, want[i].id);
		if (!w || w->fit != want[i].fit || w->font != want[i].font)
			case_fail(&failed, "%s: fit %s at font %d, expected %s at %d", want[i].id,
			          w ? ui_fit_name(w->fit) : "(missing)", w ? (int)w->font : -1,
			          ui_fit_name(want[i].fit), (int)want[i].font);
	}
	assert_cases_passed(failed);
	/* The wrapped label is as tall as its lines (6 words, 5 a line at 22 px each: 2 lines
	 * of 54 px) and the layout check names the cut word first. */
	assert_int_equal(ui_find(&u, "wraps")->rect.h, 2 * 54);
	char why[256];
	assert_string_equal(check_layout(&u, why, sizeof why), "text within its box");
	assert_non_null(strstr(why, "cut"));
}

static ank_ticket ticket(int64_t id, const char *user, ank_ticket_state s, const char *station)
{
	ank_ticket t = {.id = id, .state = s};
	snprintf(t.user_id, sizeof t.user_id, "%s", user);
	snprintf(t.label, sizeof t.label, "I-%03lld", (long long)id);
	snprintf(t.station_id, sizeof t.station_id, "%s", station);
	return t;
}

static ank_station station(const char *id, ank_station_state s, int64_t ticket_id)
{
	ank_station st = {.state = s, .ticket_id = ticket_id};
	snprintf(st.id, sizeof st.id, "%s", id);
	return st;
}

static void test_queue_state_cases(void **state)
{
	(void)state;
	static const char *const one = "one open ticket per user";
	static const char *const agree = "stations and tickets agree";
	struct {
		const char *name;
		ank_ticket t[3];
		int nt;
		ank_station s[2];
		int ns;
		const char *broken;
	} cases[] = {
	        {"waiting, called and in session, all consistent",
	         {ticket(1, "u1", ANK_TS_WAITING, ""), ticket(2, "u2", ANK_TS_CALLED, "s1"),
	          ticket(3, "u3", ANK_TS_IN_SESSION, "s2")},
	         3,
	         {station("s1", ANK_SS_RESERVED, 2), station("s2", ANK_SS_OCCUPIED, 3)},
	         2,
	         NULL},
	        {"two open tickets for one user",
	         {ticket(1, "u1", ANK_TS_WAITING, ""), ticket(2, "u1", ANK_TS_WAITING, "")},
	         2,
	         {station("s1", ANK_SS_FREE, 0)},
	         1,
	         one},
	        {"reserved station with a waiting ticket",
	         {ticket(1, "u1", ANK_TS_WAITING, "")},
	         1,
	         {station("s1", ANK_SS_RESERVED, 1)},
	         1,
	         agree},
	        {"occupied station with a called ticket",
	         {ticket(1, "u1", ANK_TS_CALLED, "s1")},
	         1,
	         {station("s1", ANK_SS_OCCUPIED, 1)},
	         1,
	         agree},
	        {"reserved station with a ticket that is not open",
	         {ticket(1, "u1", ANK_TS_WAITING, "")},
	         1,
	         {station("s1", ANK_SS_RESERVED, 7)},
	         1,
	         agree},
	        {"called ticket whose station holds another",
	         {ticket(1, "u1", ANK_TS_CALLED, "s1"), ticket(2, "u2", ANK_TS_CALLED, "s1")},
	         2,
	         {station("s1", ANK_SS_RESERVED, 2)},
	         1,
	         agree},
	        {"called ticket at a station that does not exist",
	         {ticket(1, "u1", ANK_TS_CALLED, "s9")},
	         1,
	         {station("s1", ANK_SS_FREE, 0)},
	         1,
	         agree},
	        {"free station still holding a ticket",
	         {ticket(1, "u1", ANK_TS_WAITING, "")},
	         1,
	         {station("s1", ANK_SS_FREE, 1)},
	         1,
	         agree},
	        {"reserved station pointing at a ticket of another station",
	         {ticket(1, "u1", ANK_TS_CALLED, "s2")},
	         1,
	         {station("s1", ANK_SS_RESERVED, 1), station("s2", ANK_SS_RESERVED, 1)},
	         2,
	         agree},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char why[256] = "";
		const char *got = check_queue_state(cases[i].t, cases[i].nt, cases[i].s,
		                                    cases[i].ns, why, sizeof why);
		bool same = got && cases[i].broken ? !strcmp(got, cases[i].broken)
		                                   : got == cases[i].broken;
		if (!same)
			case_fail(&failed, "case %s: got '%s' (%s), expected '%s'", cases[i].name,
			          got ? got : "(none)", why,
			          cases[i].broken ? cases[i].broken : "(none)");
	}
	assert_cases_passed(failed);
}

/* A real queue after check-ins and a call reads as consistent. */
static void test_queue_real(void **state)
{
	(void)state;
	fixture *f = fixture_new();
	fixture_apply(f);
	fixture_user(f, "u-1", "Anna", 1980, NULL);
	fixture_user(f, "u-2", "Bent", 1981, NULL);
	fixture_user(f, "u-3", "Carl", 1982, NULL);
	assert_int_equal(fixture_checkin(f, "u-1", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL),
	                 ANK_Q_OK);
	assert_int_equal(fixture_checkin(f, "u-2", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL),
	                 ANK_Q_OK);
	assert_int_equal(fixture_checkin(f, "u-3", "heroin", ANK_ROUTE_INJECT, NULL, T0, NULL),
	                 ANK_Q_OK);
	fixture_cmd(f, ANK_CMD_CALL_NEXT, 0, NULL, T0 + 1000);
	char why[256] = "";
	const char *got = check_queue(f->q, T0 + 2000, why, sizeof why);
	if (got)
		fail_msg("%s: %s", got, why);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_layout_cases),
	        cmocka_unit_test(test_fit),
	        cmocka_unit_test(test_queue_state_cases),
	        cmocka_unit_test(test_queue_real),
	};
	return cmocka_run_group_tests_name("checks", tests, NULL, NULL);
}
