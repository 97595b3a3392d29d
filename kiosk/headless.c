/* Script verbs for the headless kiosk: taps by position or widget id, typing through the
 * on-screen keyboard, virtual time, screenshots, expectations, the UI dump and the
 * guided monkey; one table of verbs (docs/operations.md lists them). */
#include "headless.h"

#include <SDL_image.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ank_buf.h"
#include "ank_text.h"
#include "checks.h"
#include "input.h"

/* Virtual time advances in steps this long, like a real frame loop at 10 Hz. */
#define STEP_MS 100
/* await-gone gives up after this long (real time): a guard against a test that hangs. */
#define AWAIT_MAX_MS   60000
#define AWAIT_POLL_US  50000
#define LINE_MAX_BYTES 1024
#define MAX_WORDS      8

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

/* A long press: down, time passes, up. */
static void hold(app *a, int x, int y, int64_t ms)
{
	app_touch(a, true, x, y);
	ui_input_press(&a->ui, x, y);
	frame(a);
	advance(a, ms);
	app_touch(a, false, x, y);
	ui_input_release(&a->ui, x, y);
	frame(a);
}

static void tap_widget(app *a, const ui_widget *w)
{
	tap(a, w->rect.x + w->rect.w / 2, w->rect.y + w->rect.h / 2);
}

static bool tap_id(app *a, const char *id)
{
	const ui_widget *w = ui_find(&a->ui, id);
	if (!w)
		return false;
	tap_widget(a, w);
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

/* ---- the monkey ---- */

typedef struct monkey_opts {
	long taps;
	unsigned long seed;
	long every;                       /* check the invariants after every this many steps */
	char pin[APP_PIN_MAX_DIGITS + 1]; /* typed on the PIN screen now and then; "" never */
	bool text_fit; /* also check that texts fit: only with real text metrics (not --renderer
	                * null, whose widths are estimates); the layout matrix checks them */
} monkey_opts;

/* xorshift64: small, deterministic per seed, good enough for choosing taps. */
static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int below(uint64_t *x, int n)
{
	return n > 0 ? (int)(rnd(x) % (uint64_t)n) : 0;
}

static bool is_target(const ui_widget *w)
{
	return w->role == UI_ROLE_BUTTON || w->role == UI_ROLE_KEY || w->role == UI_ROLE_TOGGLE;
}

/* A random target of the current screen whose id contains `part` (NULL: any), or NULL. */
static const ui_widget *random_target(const app *a, uint64_t *x, const char *part)
{
	const ui_widget *pick[UI_MAX_WIDGETS];
	int n = 0;
	for (int i = 0; i < a->ui.n_widgets; i++) {
		const ui_widget *w = &a->ui.widgets[i];
		if (is_target(w) && (!part || strstr(w->id, part)))
			pick[n++] = w;
	}
	return n ? pick[below(x, n)] : NULL;
}

/* On the nickname keyboard: a key whose letter, added to what is typed, still matches a
 * registered nickname, so the walk gets past the search to the later screens. From the
 * second letter on (the search needs two); NULL when no key tried fits. */
static const ui_widget *matching_key(app *a, uint64_t *x)
{
	for (int tries = 0; tries < 12; tries++) {
		const ui_widget *k = random_target(a, x, ".key.");
		if (!k || !k->text[0])
			continue; /* the space bar has no text */
		char typed[ANK_NICK_MAX_BYTES + 1];
		snprintf(typed, sizeof typed, "%s%s", a->s.typed, k->text);
		ank_match m[ANK_SEARCH_MAX];
		int n = 0;
		ank_err err;
		if (a->s.typed[0] == '\0' ||
		    (ank_queue_search(a->q, typed, m, &n, NULL, &err) == ANK_Q_OK && n > 0))
			return k;
	}
	return NULL;
}

/* What to tap on the nickname or helper screen: a match, a key that keeps matching, or
 * backspace out of a dead end. */
static const ui_widget *nickname_target(app *a, uint64_t *x)
{
	if (a->s.n_matches > 0 && below(x, 2) == 0)
		return random_target(a, x, ".match.");
	const ui_widget *k = matching_key(a, x);
	if (!k && a->s.typed[0])
		k = random_target(a, x, ".backspace");
	return k ? k : random_target(a, x, NULL);
}

/* One step of the walk: mostly a widget of the current screen (guided on the keyboard),
 * sometimes a random pixel, a long wait (idle prompt and reset, no-shows) or the staff
 * corner and PIN; then a short pause, as between a person's taps. */
static void monkey_step(app *a, const monkey_opts *o, uint64_t *x)
{
	int roll = below(x, 100);
	bool keyboard = a->screen == SCREEN_NICKNAME || a->screen == SCREEN_HELPER;
	if (roll < 30 && a->screen == SCREEN_STAFF_PIN && o->pin[0]) {
		char id[UI_ID_MAX];
		for (const char *p = o->pin; *p; p++) {
			snprintf(id, sizeof id, "staff_pin.key.%c", *p);
			tap_id(a, id);
		}
		tap_id(a, "staff_pin.ok");
	} else if (roll < 60) {
		const ui_widget *w = keyboard ? nickname_target(a, x) : random_target(a, x, NULL);
		if (w)
			tap_widget(a, w);
	} else if (roll < 85) {
		tap(a, below(x, a->ui.w), below(x, a->ui.h));
	} else if (roll < 92) {
		/* Past the idle prompt, sometimes past the reset too. */
		advance(a, APP_IDLE_PROMPT_MS + below(x, APP_IDLE_RESET_MS + 5000));
	} else if (roll < 94) {
		/* Long enough for called tickets to become no-shows. */
		advance(a, 5 * 60000 + below(x, 5 * 60000));
	} else if (a->screen == SCREEN_WELCOME) {
		hold(a, below(x, APP_STAFF_CORNER), below(x, APP_STAFF_CORNER),
		     APP_STAFF_HOLD_MS + below(x, 500));
	}
	advance(a, below(x, 800));
}

/* Both kinds of invariant; NULL when they hold. */
static const char *monkey_check(app *a, bool text_fit, char *why, size_t n)
{
	const char *broken =
	        text_fit ? check_layout(&a->ui, why, n) : check_layout_shape(&a->ui, why, n);
	if (!broken && (a->screen == SCREEN_WELCOME || a->screen == SCREEN_FAULT))
		broken = check_corner_free(&a->ui, APP_STAFF_CORNER, why, n);
	return broken ? broken : check_queue(a->q, a->now, why, n);
}

/* Runs the walk; false (with the broken invariant, the seed and the screen's dump on
 * stderr) when an invariant broke. Prints which screens were reached. */
static bool monkey(app *a, const monkey_opts *o)
{
	uint64_t x = o->seed ? o->seed : 1;
	long visits[SCREEN_COUNT] = {0};
	screen_id last = a->screen;
	visits[last]++;
	for (long i = 1; i <= o->taps; i++) {
		monkey_step(a, o, &x);
		if (a->screen != last)
			visits[a->screen]++;
		last = a->screen;
		if (i % o->every && i != o->taps)
			continue;
		char why[512];
		const char *broken = monkey_check(a, o->text_fit, why, sizeof why);
		if (broken) {
			fprintf(stderr,
			        "monkey: invariant '%s' broken after step %ld of %ld (seed %lu) on "
			        "screen %s: %s\n",
			        broken, i, o->taps, o->seed, app_screens[a->screen].id, why);
			ank_buf out;
			ank_buf_init(&out, 1 << 20);
			ui_dump(&a->ui, app_screens[a->screen].id, a->lang, &out);
			fprintf(stderr, "monkey: the screen: %s\n", ank_buf_str(&out));
			ank_buf_free(&out);
			return false;
		}
	}
	fprintf(stderr, "monkey: %ld steps (seed %lu), invariants held; screens reached:", o->taps,
	        o->seed);
	for (int s = 0; s < SCREEN_COUNT; s++)
		if (visits[s])
			fprintf(stderr, " %s=%ld", app_screens[s].id, visits[s]);
	fprintf(stderr, "\n");
	return true;
}

/* ---- the verb table ---- */

typedef struct run {
	app *a;
	SDL_Surface *surface; /* NULL with the null renderer: no shots */
	const char *script, *shots_dir;
	int line;
	long base_taps; /* activations at the last reset-taps */
} run;

/* The arguments as the verb's shape parsed them. */
typedef struct args {
	const char *text; /* everything after the verb */
	long num[3];      /* the numbers of X Y, X Y MS, MS and N */
	int n_words;
	char *words[MAX_WORDS];
} args;

typedef enum verb_rc { VERB_OK, VERB_FAILED, VERB_ERROR } verb_rc;

typedef enum shape {
	SHAPE_NONE,   /* nothing (anything after the verb is ignored) */
	SHAPE_TEXT,   /* the rest of the line, spaces included: an id, a name or text */
	SHAPE_NUMBER, /* one number 0..max */
	SHAPE_XY,     /* a screen position */
	SHAPE_XY_MS,  /* a screen position and a duration 0..max */
	SHAPE_WORDS,  /* words the handler reads itself */
} shape;

typedef struct verb {
	const char *name;
	shape shape;
	const char *usage; /* the arguments, for the error message */
	long max;          /* upper bound of the shape's last number */
	verb_rc (*handler)(run *r, const args *v);
} verb;

static void say(const run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s:%d: ", r->script, r->line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const char *screen_name(const run *r)
{
	return app_screens[r->a->screen].id;
}

static verb_rc v_tap(run *r, const args *v)
{
	tap(r->a, (int)v->num[0], (int)v->num[1]);
	return VERB_OK;
}

static verb_rc v_hold(run *r, const args *v)
{
	hold(r->a, (int)v->num[0], (int)v->num[1], v->num[2]);
	return VERB_OK;
}

/* A finger tap the way a touch screen reports it: finger down, the synthetic mouse down,
 * finger up, synthetic mouse up, all through the input adapter. It must count as one. */
static verb_rc v_touch(run *r, const args *v)
{
	app *a = r->a;
	int x = (int)v->num[0], y = (int)v->num[1];
	SDL_Event ev[4] = {0};
	ev[0].type = SDL_FINGERDOWN;
	ev[0].tfinger.x = (float)x / (float)a->ui.w;
	ev[0].tfinger.y = (float)y / (float)a->ui.h;
	ev[1].type = SDL_MOUSEBUTTONDOWN;
	ev[1].button = (SDL_MouseButtonEvent){.type = SDL_MOUSEBUTTONDOWN,
	                                      .which = SDL_TOUCH_MOUSEID,
	                                      .button = SDL_BUTTON_LEFT,
	                                      .x = x,
	                                      .y = y};
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
	return VERB_OK;
}

/* Half a tap, to look at the pressed state in between. */
static verb_rc press_or_release(run *r, const args *v, bool down)
{
	const ui_widget *w = ui_find(&r->a->ui, v->text);
	if (!w) {
		say(r, "no widget '%s'", v->text);
		return VERB_FAILED;
	}
	int cx = w->rect.x + w->rect.w / 2, cy = w->rect.y + w->rect.h / 2;
	app_touch(r->a, down, cx, cy);
	if (down)
		ui_input_press(&r->a->ui, cx, cy);
	else
		ui_input_release(&r->a->ui, cx, cy);
	frame(r->a);
	return VERB_OK;
}

static verb_rc v_press(run *r, const args *v)
{
	return press_or_release(r, v, true);
}

static verb_rc v_release(run *r, const args *v)
{
	return press_or_release(r, v, false);
}

static verb_rc v_expect_pressed(run *r, const args *v)
{
	if (!strcmp(r->a->ui.active, v->text))
		return VERB_OK;
	say(r, "'%s' is pressed, expected '%s'", r->a->ui.active, v->text);
	return VERB_FAILED;
}

static verb_rc v_reload_i18n(run *r, const args *v)
{
	(void)v;
	return app_reload_i18n(r->a) == 0 ? VERB_OK : VERB_FAILED;
}

static verb_rc v_tap_id(run *r, const args *v)
{
	if (tap_id(r->a, v->text))
		return VERB_OK;
	say(r, "no widget '%s' on screen %s", v->text, screen_name(r));
	return VERB_FAILED;
}

static verb_rc v_type(run *r, const args *v)
{
	if (type_text(r->a, v->text))
		return VERB_OK;
	say(r, "cannot type '%s' on screen %s", v->text, screen_name(r));
	return VERB_FAILED;
}

static verb_rc v_wait(run *r, const args *v)
{
	advance(r->a, v->num[0]);
	return VERB_OK;
}

static verb_rc v_shot(run *r, const args *v)
{
	/* Without --shots, or with the null renderer (no pixels), a shot is skipped. */
	if (!r->shots_dir || !r->surface)
		return VERB_OK;
	char path[1024];
	snprintf(path, sizeof path, "%s/%s.png", r->shots_dir, v->text);
	if (IMG_SavePNG(r->surface, path) == 0)
		return VERB_OK;
	say(r, "cannot write %s: %s", path, IMG_GetError());
	return VERB_FAILED;
}

static verb_rc v_expect_screen(run *r, const args *v)
{
	if (!strcmp(screen_name(r), v->text))
		return VERB_OK;
	say(r, "screen is %s, expected %s", screen_name(r), v->text);
	return VERB_FAILED;
}

static verb_rc expect_text(run *r, const args *v, bool want)
{
	if (any_text(r->a, v->text) == want)
		return VERB_OK;
	say(r, "text '%s' %s on screen %s", v->text, want ? "not found" : "found", screen_name(r));
	return VERB_FAILED;
}

static verb_rc v_expect_text(run *r, const args *v)
{
	return expect_text(r, v, true);
}

static verb_rc v_expect_no_text(run *r, const args *v)
{
	return expect_text(r, v, false);
}

/* Taps that activated a widget since the last "reset-taps". */
static verb_rc v_expect_taps(run *r, const args *v)
{
	long taps = r->a->ui.activations - r->base_taps;
	if (taps == v->num[0])
		return VERB_OK;
	say(r, "%ld taps, expected %ld", taps, v->num[0]);
	return VERB_FAILED;
}

static verb_rc v_reset_taps(run *r, const args *v)
{
	(void)v;
	r->base_taps = r->a->ui.activations;
	return VERB_OK;
}

static verb_rc v_expect_chimes(run *r, const args *v)
{
	if (r->a->chimes == v->num[0])
		return VERB_OK;
	say(r, "%ld chimes, expected %ld", r->a->chimes, v->num[0]);
	return VERB_FAILED;
}

/* Utterances (and chimes) finished by the speech queue (--speech-wav), after it drains. */
static verb_rc v_expect_speech(run *r, const args *v)
{
	if (!r->a->speech) {
		say(r, "no speech: run with --speech-wav DIR");
		return VERB_FAILED;
	}
	ank_speech_drain(r->a->speech);
	long n = ank_speech_count(r->a->speech);
	if (n == v->num[0])
		return VERB_OK;
	say(r, "%ld utterances, expected %ld", n, v->num[0]);
	return VERB_FAILED;
}

/* Whether any utterance so far contained text (in its spoken form: "I 014"). */
static verb_rc expect_spoken(run *r, const args *v, bool want)
{
	if (!r->a->speech) {
		say(r, "no speech: run with --speech-wav DIR");
		return VERB_FAILED;
	}
	ank_speech_drain(r->a->speech);
	static ank_speech_entry e; /* large (the text): not on the stack */
	bool found = false;
	for (int i = 0; !found && ank_speech_entry_get(r->a->speech, i, &e) == 0; i++)
		found = strstr(e.text, v->text) != NULL;
	if (found == want)
		return VERB_OK;
	say(r, "'%s' %s", v->text, want ? "was not spoken" : "was spoken");
	return VERB_FAILED;
}

static verb_rc v_expect_spoken(run *r, const args *v)
{
	return expect_spoken(r, v, true);
}

static verb_rc v_expect_not_spoken(run *r, const args *v)
{
	return expect_spoken(r, v, false);
}

static verb_rc v_expect_layout(run *r, const args *v)
{
	(void)v;
	char why[512];
	const char *broken = check_layout(&r->a->ui, why, sizeof why);
	/* Where a hold opens staff mode, that corner holds no button. */
	if (!broken && (r->a->screen == SCREEN_WELCOME || r->a->screen == SCREEN_FAULT))
		broken = check_corner_free(&r->a->ui, APP_STAFF_CORNER, why, sizeof why);
	if (!broken)
		return VERB_OK;
	say(r, "layout of %s: %s: %s", screen_name(r), broken, why);
	/* The picture of what broke, beside the other shots: layout-SCREEN-LANG-WxH.png. */
	if (r->shots_dir && r->surface) {
		char path[1024];
		snprintf(path, sizeof path, "%s/layout-%s-%s-%dx%d.png", r->shots_dir,
		         screen_name(r), r->a->lang, r->a->ui.w, r->a->ui.h);
		if (IMG_SavePNG(r->surface, path) == 0)
			say(r, "the screen is in %s", path);
	}
	return VERB_FAILED;
}

/* check-layout: the layout check as a finding, not a failure (central's preview of draft
 * texts): one JSON line on stdout, {"layout": {"screen", "lang", "size", "check", "why"}},
 * when a check breaks, nothing when all hold; the run goes on either way. */
static verb_rc v_check_layout(run *r, const args *v)
{
	(void)v;
	char why[512], size[24];
	const char *broken = check_layout(&r->a->ui, why, sizeof why);
	if (!broken)
		return VERB_OK;
	snprintf(size, sizeof size, "%dx%d", r->a->ui.w, r->a->ui.h);
	/* why quotes the widget's text, cut to its buffer: a cut inside a character is no valid
	 * UTF-8 for JSON, so then the finding says so instead of being lost. */
	json_t *j = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "layout", "screen", screen_name(r),
	                      "lang", r->a->lang, "size", size, "check", broken, "why", why);
	if (!j)
		j = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "layout", "screen", screen_name(r),
		              "lang", r->a->lang, "size", size, "check", broken, "why",
		              "(the details are not valid UTF-8)");
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(j);
	return VERB_OK;
}

/* monkey N [SEED] [every K] [pin PIN] */
static verb_rc v_monkey(run *r, const args *v)
{
	monkey_opts o = {.seed = 1, .every = 10};
	long seed = 1;
	int i = 0;
	if (v->n_words < 1 || ank_parse_long(v->words[i++], 1, 1000000, &o.taps))
		return VERB_ERROR;
	if (i < v->n_words && strcmp(v->words[i], "every") && strcmp(v->words[i], "pin")) {
		if (ank_parse_long(v->words[i++], 1, 1L << 30, &seed))
			return VERB_ERROR;
	}
	o.seed = (unsigned long)seed;
	while (i + 1 < v->n_words) {
		const char *key = v->words[i], *val = v->words[i + 1];
		i += 2;
		if (!strcmp(key, "every")) {
			if (ank_parse_long(val, 1, 1000000, &o.every))
				return VERB_ERROR;
		} else if (!strcmp(key, "pin") && strlen(val) <= APP_PIN_MAX_DIGITS &&
		           strspn(val, "0123456789") == strlen(val)) {
			snprintf(o.pin, sizeof o.pin, "%s", val);
		} else {
			return VERB_ERROR;
		}
	}
	if (i != v->n_words)
		return VERB_ERROR;
	o.text_fit = r->surface != NULL;
	return monkey(r->a, &o) ? VERB_OK : VERB_FAILED;
}

/* For a test that changes the world outside the kiosk (fills or frees a disk) at a known
 * point of the script: waits in real time, the virtual clock standing still, until the
 * file PATH is gone; fails after AWAIT_MAX_MS. */
static verb_rc v_await_gone(run *r, const args *v)
{
	struct stat st;
	for (long waited = 0; waited < AWAIT_MAX_MS * 1000L; waited += AWAIT_POLL_US) {
		if (stat(v->text, &st) != 0)
			return VERB_OK;
		usleep(AWAIT_POLL_US);
	}
	say(r, "%s still there after %d ms", v->text, AWAIT_MAX_MS);
	return VERB_FAILED;
}

/* await-print: waits in real time, the virtual clock standing still, until the printer's
 * worker has answered (the ticket printed or failed, a status check done); fails after
 * AWAIT_MAX_MS. Nothing to wait for without a printer. */
static verb_rc v_await_print(run *r, const args *v)
{
	(void)v;
	for (long waited = 0; waited < AWAIT_MAX_MS * 1000L; waited += AWAIT_POLL_US / 10) {
		app_advance(r->a, r->a->now);
		if (r->a->dirty)
			frame(r->a);
		if (r->a->s.print != APP_PRINT_RUNNING &&
		    (!r->a->printer || !ank_print_busy(r->a->printer))) {
			app_advance(r->a, r->a->now);
			frame(r->a);
			return VERB_OK;
		}
		usleep(AWAIT_POLL_US / 10);
	}
	say(r, "the printer did not answer in %d ms", AWAIT_MAX_MS);
	return VERB_FAILED;
}

static verb_rc v_dump(run *r, const args *v)
{
	(void)v;
	ank_buf out;
	ank_buf_init(&out, 1 << 20);
	ui_dump(&r->a->ui, screen_name(r), r->a->lang, &out);
	printf("%s\n", ank_buf_str(&out));
	ank_buf_free(&out);
	return VERB_OK;
}

/* Every verb, as docs/operations.md lists them. */
static const verb verbs[] = {
        {"tap", SHAPE_XY, "X Y", 0, v_tap},
        {"hold", SHAPE_XY_MS, "X Y MS", 600000, v_hold},
        {"touch", SHAPE_XY, "X Y", 0, v_touch},
        {"press", SHAPE_TEXT, "ID", 0, v_press},
        {"release", SHAPE_TEXT, "ID", 0, v_release},
        {"expect-pressed", SHAPE_TEXT, "ID", 0, v_expect_pressed},
        {"reload-i18n", SHAPE_NONE, "", 0, v_reload_i18n},
        {"tap-id", SHAPE_TEXT, "ID", 0, v_tap_id},
        {"type", SHAPE_TEXT, "TEXT", 0, v_type},
        {"wait", SHAPE_NUMBER, "MS", 24L * 3600 * 1000, v_wait},
        {"shot", SHAPE_TEXT, "NAME", 0, v_shot},
        {"expect-screen", SHAPE_TEXT, "ID", 0, v_expect_screen},
        {"expect-text", SHAPE_TEXT, "TEXT", 0, v_expect_text},
        {"expect-no-text", SHAPE_TEXT, "TEXT", 0, v_expect_no_text},
        {"expect-taps", SHAPE_NUMBER, "N", 100000, v_expect_taps},
        {"reset-taps", SHAPE_NONE, "", 0, v_reset_taps},
        {"expect-chimes", SHAPE_NUMBER, "N", 100000, v_expect_chimes},
        {"expect-layout", SHAPE_NONE, "", 0, v_expect_layout},
        {"check-layout", SHAPE_NONE, "", 0, v_check_layout},
        {"expect-speech", SHAPE_NUMBER, "N", 100000, v_expect_speech},
        {"expect-spoken", SHAPE_TEXT, "TEXT", 0, v_expect_spoken},
        {"expect-not-spoken", SHAPE_TEXT, "TEXT", 0, v_expect_not_spoken},
        {"monkey", SHAPE_WORDS, "N [SEED] [every K] [pin PIN]", 0, v_monkey},
        {"dump", SHAPE_NONE, "", 0, v_dump},
        {"await-gone", SHAPE_TEXT, "PATH", 0, v_await_gone},
        {"await-print", SHAPE_NONE, "", 0, v_await_print},
};

static const verb *verb_find(const char *name)
{
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

/* Splits text (changed in place) at spaces into at most MAX_WORDS words; -1 if more. */
static int split_words(char *text, char **words)
{
	int n = 0;
	char *p = text;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == MAX_WORDS)
			return -1;
		words[n++] = p;
		p += strcspn(p, " \t");
	}
	return n;
}

/* Parses the arguments of `vb` from text (changed in place); -1 when they do not fit. */
static int parse_args(const run *r, const verb *vb, char *text, args *v)
{
	*v = (args){.text = text};
	if (vb->shape == SHAPE_NONE || vb->shape == SHAPE_TEXT)
		return 0;
	v->n_words = split_words(text, v->words);
	if (v->n_words < 0)
		return -1;
	if (vb->shape == SHAPE_WORDS)
		return 0;
	long lo[3] = {0, 0, 0}, hi[3] = {vb->max, 0, 0};
	int want = 1;
	if (vb->shape == SHAPE_XY || vb->shape == SHAPE_XY_MS) {
		hi[0] = r->a->ui.w - 1;
		hi[1] = r->a->ui.h - 1;
		hi[2] = vb->max;
		want = vb->shape == SHAPE_XY ? 2 : 3;
	}
	if (v->n_words != want)
		return -1;
	for (int i = 0; i < want; i++)
		if (ank_parse_long(v->words[i], lo[i], hi[i], &v->num[i]))
			return -1;
	return 0;
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
	run r = {.a = a, .surface = surface, .script = script, .shots_dir = shots_dir};
	char line[LINE_MAX_BYTES];
	int failed = 0, status = 0;
	frame(a);
	while (!status && fgets(line, sizeof line, fp)) {
		r.line++;
		line[strcspn(line, "\r\n")] = '\0';
		char *name = line;
		while (*name == ' ' || *name == '\t')
			name++;
		if (!*name || *name == '#')
			continue;
		char *rest = name + strcspn(name, " ");
		if (*rest)
			*rest++ = '\0';
		const verb *vb = verb_find(name);
		args v;
		if (!vb) {
			say(&r, "unknown verb '%s'", name);
			status = 2;
		} else if (parse_args(&r, vb, rest, &v)) {
			say(&r, "usage: %s %s", vb->name, vb->usage);
			status = 2;
		} else {
			verb_rc rc = vb->handler(&r, &v);
			if (rc == VERB_ERROR) {
				say(&r, "usage: %s %s", vb->name, vb->usage);
				status = 2;
			} else if (rc == VERB_FAILED) {
				failed++;
			}
		}
	}
	fclose(fp);
	if (status)
		return status;
	return failed ? 1 : 0;
}
