/* Checks the theme's promises: every text colour pair reaches WCAG contrast 4.5:1 and
 * touch targets are at least 80 px, computed from theme.h rather than trusted. */
#include <math.h>

#include "testlib.h"
#include "theme.h"

/* WCAG 2 relative luminance of an sRGB colour. */
static double luminance(ui_color c)
{
	double ch[3] = {c.r / 255.0, c.g / 255.0, c.b / 255.0};
	for (int i = 0; i < 3; i++)
		ch[i] = ch[i] <= 0.03928 ? ch[i] / 12.92 : pow((ch[i] + 0.055) / 1.055, 2.4);
	return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

static double contrast(ui_color a, ui_color b)
{
	double la = luminance(a), lb = luminance(b);
	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

static void test_text_contrast(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		ui_color fg, bg;
	} pairs[] = {
	        {"text on background", THEME_TEXT, THEME_BG},
	        {"muted on background", THEME_MUTED, THEME_BG},
	        {"white on primary", THEME_ON_PRIMARY, THEME_PRIMARY},
	        {"white on pressed primary", THEME_ON_PRIMARY, THEME_PRIMARY_PRESSED},
	        {"text on card", THEME_TEXT, THEME_CARD},
	        {"text on pressed card", THEME_TEXT, THEME_CARD_PRESSED},
	        {"text on selected", THEME_TEXT, THEME_SELECTED},
	        {"text on alert", THEME_TEXT, THEME_ALERT_BG},
	        {"text on danger alert", THEME_TEXT, THEME_ALERT_DANGER_BG},
	        {"text on refusal", THEME_TEXT, THEME_REFUSED_BG},
	        {"display text", THEME_DISPLAY_TEXT, THEME_DISPLAY_BG},
	        {"display call", THEME_DISPLAY_CALL, THEME_DISPLAY_BG},
	};
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(pairs); i++) {
		double c = contrast(pairs[i].fg, pairs[i].bg);
		if (c < 4.5)
			case_fail(&failed, "case %s: contrast %.2f:1 is under 4.5:1", pairs[i].name,
			          c);
	}
	/* States a person must see (WCAG 1.4.11, non-text: 3:1): a toggle that is on, against
	 * the card it sits on and the screen around it. */
	static const struct {
		const char *name;
		ui_color a, b;
	} states[] = {
	        {"toggle on frame on card", THEME_SELECTED_BORDER, THEME_CARD},
	        {"toggle on frame on background", THEME_SELECTED_BORDER, THEME_BG},
	        {"toggle on frame on its fill", THEME_SELECTED_BORDER, THEME_SELECTED},
	};
	for (size_t i = 0; i < COUNT_OF(states); i++) {
		double c = contrast(states[i].a, states[i].b);
		if (c < 3.0)
			case_fail(&failed, "case %s: contrast %.2f:1 is under 3:1", states[i].name,
			          c);
	}
	assert_cases_passed(failed);
	/* The formula itself: black on white is 21:1. */
	assert_true(fabs(contrast((ui_color){0, 0, 0, 255}, (ui_color){255, 255, 255, 255}) -
	                 21.0) < 0.01);
}

static void test_target_sizes(void **state)
{
	(void)state;
	assert_true(THEME_TARGET_MIN >= 80);
	assert_true(THEME_TARGET_MAIN >= THEME_TARGET_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_text_contrast),
	        cmocka_unit_test(test_target_sizes),
	};
	return cmocka_run_group_tests_name("theme", tests, NULL, NULL);
}
