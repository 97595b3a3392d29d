/* Script verbs for the headless kiosk: taps by position or widget id, typing through the
 * on-screen keyboard, virtual time, screenshots, expectations and the UI dump. */
#include "headless.h"

#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ank_buf.h"
#include "ank_text.h"
#include "input.h"
#include "theme.h"

/* Virtual time advances in steps this long, like a real frame loop at 10 Hz. */
#define STEP_MS        100
#define LINE_MAX_BYTES 1024

static void frame(app *a)
{
	app_frame(a);
	/* A press shows feedback in the next frame; input can need one more. */
	while (a->dirty)
		app_frame(a);
}

static void tap(app *a, int x, int y)
{
	app_touch(a, true, x, y);
	ui_input_press(&a->ui, x, y);
	frame(a);
	app_touch(a, false, x, y);
	ui_input_release(&a->ui, x, y);
	frame(a);
}

static void advance(app *a, int64_t ms)
{
	for (int64_t t = 0; t < ms; t += STEP_MS) {
		app_advance(a, a->now + (ms - t < STEP_MS ? ms - t : STEP_MS));
		if (a->dirty)
			frame(a);
	}
}

static bool tap_id(app *a, const char *id)
{
	const ui_widget *w = ui_find(&a->ui, id);
	if (!w)
		return false;
	tap(a, w->rect.x + w->rect.w / 2, w->rect.y + w->rect.h / 2);
	return true;
}

/* Types each character of text on the current screen's keyboard. */
static bool type_text(app *a, const char *text)
{
	const char *prefix = app_screens[a->screen].id;
	const char *p = text;
	while (*p) {
		/* One UTF-8 character, upper-cased for the key id (keys show capitals). */
		size_t len = 1;
		while ((p[len] & 0xC0) == 0x80)
			len++;
		char ch[8], id[UI_ID_MAX];
		snprintf(ch, sizeof ch, "%.*s", (int)len, p);
		static const struct {
			const char *lower, *upper;
		} map[] = {{"æ", "Æ"}, {"ø", "Ø"}, {"å", "Å"}};
		for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
			if (!strcmp(ch, map[i].lower))
				snprintf(ch, sizeof ch, "%s", map[i].upper);
		if (len == 1 && ch[0] >= 'a' && ch[0] <= 'z')
			ch[0] = (char)(ch[0] - 'a' + 'A');
		if (!strcmp(ch, " "))
			snprintf(ch, sizeof ch, "space");
		snprintf(id, sizeof id, "%s.key.%s", prefix, ch);
		if (!tap_id(a, id))
			return false;
		p += len;
	}
	return true;
}

static bool any_text(const app *a, const char *text)
{
	for (int i = 0; i < a->ui.n_widgets; i++)
		if (strstr(a->ui.widgets[i].text, text))
			return true;
	return false;
}

/* Checks what a person needs from a layout: every widget on screen, every target at least
 * THEME_TARGET_MIN on its short side, no two targets overlapping. */
static bool layout_ok(const app *a, char *why, size_t n)
{
	const ui *u = &a->ui;
	for (int i = 0; i < u->n_widgets; i++) {
		const ui_widget *w = &u->widgets[i];
		if (w->rect.x < 0 || w->rect.y < 0 || w->rect.x + w->rect.w > u->w ||
		    w->rect.y + w->rect.h > u->h) {
			snprintf(why, n, "%s is outside the screen", w->id);
			return false;
		}
		bool target = w->role == UI_ROLE_BUTTON || w->role == UI_ROLE_KEY ||
		              w->role == UI_ROLE_TOGGLE;
		if (!target)
			continue;
		if (w->rect.w < THEME_TARGET_MIN || w->rect.h < THEME_TARGET_MIN) {
			snprintf(why, n, "%s is %dx%d, under %d px", w->id, w->rect.w, w->rect.h,
			         THEME_TARGET_MIN);
			return false;
		}
		for (int k = i + 1; k < u->n_widgets; k++) {
			const ui_widget *o = &u->widgets[k];
			bool other = o->role == UI_ROLE_BUTTON || o->role == UI_ROLE_KEY ||
			             o->role == UI_ROLE_TOGGLE;
			if (other && w->rect.x < o->rect.x + o->rect.w &&
			    o->rect.x < w->rect.x + w->rect.w &&
			    w->rect.y < o->rect.y + o->rect.h &&
			    o->rect.y < w->rect.y + w->rect.h) {
				snprintf(why, n, "%s overlaps %s", w->id, o->id);
				return false;
			}
		}
	}
	return true;
}

/* Random taps anywhere, with short random pauses and now and then a long one (so idle
 * resets happen too): what a monkey, or a shaking hand, does. Deterministic per seed. */
static void monkey(app *a, long taps, unsigned long seed)
{
	unsigned long x = seed ? seed : 1;
	for (long i = 0; i < taps; i++) {
		/* xorshift: small, deterministic, good enough for positions */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int px = (int)(x % (unsigned long)a->ui.w);
		int py = (int)((x >> 20) % (unsigned long)a->ui.h);
		tap(a, px, py);
		if ((x >> 40) % 50 == 0)
			advance(a, (int64_t)((x >> 8) % 70000));
		else
			advance(a, (int64_t)((x >> 8) % 800));
	}
}

static int number(const char *s, long min, long max, long *out)
{
	return ank_parse_long(s, min, max, out);
}

int headless_run(app *a, SDL_Surface *surface, const char *script, const char *shots_dir)
{
	FILE *fp = fopen(script, "r");
	if (!fp) {
		fprintf(stderr, "headless: cannot open script %s\n", script);
		return 2;
	}
	if (shots_dir)
		mkdir(shots_dir, 0755); /* an existing directory is fine */
	char line[LINE_MAX_BYTES];
	int lineno = 0, failed = 0, status = 0;
	long base_taps = 0;
	frame(a);
	while (fgets(line, sizeof line, fp)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *verb = line;
		while (*verb == ' ' || *verb == '\t')
			verb++;
		if (!*verb || *verb == '#')
			continue;
		char *arg = verb + strcspn(verb, " ");
		if (*arg)
			*arg++ = '\0';
		char *arg2 = arg + strcspn(arg, " ");
		char *rest = arg; /* the whole argument text, for verbs taking free text */
		long x = 0, y = 0, ms = 0;
		bool ok = true;
		if (!strcmp(verb, "tap") || !strcmp(verb, "hold")) {
			char *arg3 = NULL;
			if (*arg2)
				*arg2++ = '\0';
			if (!strcmp(verb, "hold")) {
				arg3 = arg2 + strcspn(arg2, " ");
				if (*arg3)
					*arg3++ = '\0';
			}
			if (number(arg, 0, a->ui.w - 1, &x) || number(arg2, 0, a->ui.h - 1, &y) ||
			    (arg3 && number(arg3, 0, 600000, &ms))) {
				fprintf(stderr, "%s:%d: %s X Y%s\n", script, lineno, verb,
				        arg3 ? " MS" : "");
				status = 2;
				break;
			}
			if (arg3) {
				/* A long press: down, time passes, up. */
				app_touch(a, true, (int)x, (int)y);
				ui_input_press(&a->ui, (int)x, (int)y);
				frame(a);
				advance(a, ms);
				app_touch(a, false, (int)x, (int)y);
				ui_input_release(&a->ui, (int)x, (int)y);
				frame(a);
			} else {
				tap(a, (int)x, (int)y);
			}
		} else if (!strcmp(verb, "touch")) {
			/* A finger tap the way a touch screen reports it: finger down, the
			 * synthetic mouse down, finger up, synthetic mouse up, all through the
			 * input adapter. It must count as one tap. */
			if (*arg2)
				*arg2++ = '\0';
			if (number(arg, 0, a->ui.w - 1, &x) || number(arg2, 0, a->ui.h - 1, &y)) {
				fprintf(stderr, "%s:%d: touch X Y\n", script, lineno);
				status = 2;
				break;
			}
			SDL_Event ev[4] = {0};
			ev[0].type = SDL_FINGERDOWN;
			ev[0].tfinger.x = (float)x / (float)a->ui.w;
			ev[0].tfinger.y = (float)y / (float)a->ui.h;
			ev[1].type = SDL_MOUSEBUTTONDOWN;
			ev[1].button = (SDL_MouseButtonEvent){.type = SDL_MOUSEBUTTONDOWN,
			                                      .which = SDL_TOUCH_MOUSEID,
			                                      .button = SDL_BUTTON_LEFT,
			                                      .x = (int)x,
			                                      .y = (int)y};
			ev[2] = ev[0];
			ev[2].type = SDL_FINGERUP;
			ev[3] = ev[1];
			ev[3].type = ev[3].button.type = SDL_MOUSEBUTTONUP;
			for (int k = 0; k < 4; k++) {
				input_event(a, &ev[k], NULL, NULL);
				if (k == 1)
					frame(a);
			}
			frame(a);
		} else if (!strcmp(verb, "press") || !strcmp(verb, "release")) {
			/* Half a tap, to look at the pressed state in between. */
			const ui_widget *w = ui_find(&a->ui, arg);
			ok = w != NULL;
			if (w) {
				bool down = !strcmp(verb, "press");
				int cx = w->rect.x + w->rect.w / 2, cy = w->rect.y + w->rect.h / 2;
				app_touch(a, down, cx, cy);
				if (down)
					ui_input_press(&a->ui, cx, cy);
				else
					ui_input_release(&a->ui, cx, cy);
				frame(a);
			} else {
				fprintf(stderr, "%s:%d: no widget '%s'\n", script, lineno, arg);
			}
		} else if (!strcmp(verb, "expect-pressed")) {
			ok = !strcmp(a->ui.active, arg);
			if (!ok)
				fprintf(stderr, "%s:%d: '%s' is pressed, expected '%s'\n", script,
				        lineno, a->ui.active, arg);
		} else if (!strcmp(verb, "reload-i18n")) {
			ok = app_reload_i18n(a) == 0;
		} else if (!strcmp(verb, "tap-id")) {
			ok = tap_id(a, arg);
			if (!ok)
				fprintf(stderr, "%s:%d: no widget '%s' on screen %s\n", script,
				        lineno, arg, app_screens[a->screen].id);
		} else if (!strcmp(verb, "type")) {
			ok = type_text(a, rest);
			if (!ok)
				fprintf(stderr, "%s:%d: cannot type '%s' on screen %s\n", script,
				        lineno, rest, app_screens[a->screen].id);
		} else if (!strcmp(verb, "wait")) {
			if (number(arg, 0, 24L * 3600 * 1000, &ms)) {
				fprintf(stderr, "%s:%d: wait MS\n", script, lineno);
				status = 2;
				break;
			}
			advance(a, ms);
		} else if (!strcmp(verb, "shot")) {
			if (shots_dir) {
				char path[1024];
				snprintf(path, sizeof path, "%s/%s.png", shots_dir, arg);
				if (IMG_SavePNG(surface, path) != 0) {
					fprintf(stderr, "%s:%d: cannot write %s: %s\n", script,
					        lineno, path, IMG_GetError());
					ok = false;
				}
			}
		} else if (!strcmp(verb, "expect-screen")) {
			ok = !strcmp(app_screens[a->screen].id, arg);
			if (!ok)
				fprintf(stderr, "%s:%d: screen is %s, expected %s\n", script,
				        lineno, app_screens[a->screen].id, arg);
		} else if (!strcmp(verb, "expect-text") || !strcmp(verb, "expect-no-text")) {
			bool want = !strcmp(verb, "expect-text");
			ok = any_text(a, rest) == want;
			if (!ok)
				fprintf(stderr, "%s:%d: text '%s' %s on screen %s\n", script,
				        lineno, rest, want ? "not found" : "found",
				        app_screens[a->screen].id);
		} else if (!strcmp(verb, "expect-taps")) {
			/* Taps that activated a widget since the last "reset-taps". */
			ok = !number(arg, 0, 100000, &x) && a->ui.activations - base_taps == x;
			if (!ok)
				fprintf(stderr, "%s:%d: %ld taps, expected %s\n", script, lineno,
				        a->ui.activations - base_taps, arg);
		} else if (!strcmp(verb, "reset-taps")) {
			base_taps = a->ui.activations;
		} else if (!strcmp(verb, "expect-chimes")) {
			ok = !number(arg, 0, 100000, &x) && a->chimes == x;
			if (!ok)
				fprintf(stderr, "%s:%d: %ld chimes, expected %s\n", script, lineno,
				        a->chimes, arg);
		} else if (!strcmp(verb, "expect-layout")) {
			char why[256];
			ok = layout_ok(a, why, sizeof why);
			if (!ok)
				fprintf(stderr, "%s:%d: layout of %s: %s\n", script, lineno,
				        app_screens[a->screen].id, why);
		} else if (!strcmp(verb, "monkey")) {
			long seed = 1;
			if (*arg2)
				*arg2++ = '\0';
			if (number(arg, 1, 1000000, &x) ||
			    (*arg2 && number(arg2, 1, 1L << 30, &seed))) {
				fprintf(stderr, "%s:%d: monkey TAPS [SEED]\n", script, lineno);
				status = 2;
				break;
			}
			monkey(a, x, (unsigned long)seed);
		} else if (!strcmp(verb, "dump")) {
			ank_buf out;
			ank_buf_init(&out, 1 << 20);
			ui_dump(&a->ui, app_screens[a->screen].id, &out);
			printf("%s\n", ank_buf_str(&out));
			ank_buf_free(&out);
		} else {
			fprintf(stderr, "%s:%d: unknown verb '%s'\n", script, lineno, verb);
			status = 2;
			break;
		}
		if (!ok)
			failed++;
	}
	fclose(fp);
	if (status)
		return status;
	return failed ? 1 : 0;
}
