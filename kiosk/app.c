/* The kiosk application's glue: catalogs and language, the screen switch, idle and
 * staff-corner timers, queue ticks, and the display role's call queue. */
#include "app.h"

#include <dirent.h>
#include <stdlib.h>
#include <sodium.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include "ank_log.h"
#include "theme.h"

const char *tr(const app *a, const char *key)
{
	return ank_i18n_get(a->i18n, a->lang, key);
}

const char *trf(const app *a, const char *key, const char *const *args, char *buf, size_t n)
{
	ank_i18n_format(a->i18n, a->lang, key, buf, n, args);
	return buf;
}

const char *trfn(const app *a, const char *key, long count, const char *const *args, char *buf,
                 size_t n)
{
	ank_i18n_format_n(a->i18n, a->lang, key, count, buf, n, args);
	return buf;
}

/* The site's first language that has a catalog, else Danish. */
static void default_language(app *a, char out[8])
{
	snprintf(out, 8, "da");
	const ank_site_config *cfg = a->q ? ank_queue_config(a->q) : NULL;
	if (!cfg)
		return;
	char first[8] = "";
	size_t n = strcspn(cfg->languages, ",");
	if (n > 0 && n < sizeof first) {
		memcpy(first, cfg->languages, n);
		first[n] = '\0';
	}
	for (int i = 0; i < ank_i18n_count(a->i18n); i++)
		if (!strcmp(ank_i18n_code(a->i18n, i), first))
			snprintf(out, 8, "%s", first);
}

/* The k-th of the site's languages (config "da, en, ar") that has a catalog, into out;
 * false when there are fewer. */
static bool site_language(const app *a, int k, char out[8])
{
	const ank_site_config *cfg = a->q ? ank_queue_config(a->q) : NULL;
	const char *p = cfg ? cfg->languages : "";
	for (int seen = 0; *p;) {
		p += strspn(p, " ,");
		size_t n = strcspn(p, " ,");
		if (n == 0)
			break;
		char code[8] = "";
		if (n < sizeof code) {
			memcpy(code, p, n);
			code[n] = '\0';
			for (int i = 0; i < ank_i18n_count(a->i18n); i++)
				if (!strcmp(ank_i18n_code(a->i18n, i), code) && seen++ == k) {
					snprintf(out, 8, "%s", code);
					return true;
				}
		}
		p += n;
	}
	return false;
}

int app_offered_languages(const app *a, int *idx, int max)
{
	int n = 0;
	char code[8];
	for (int k = 0; n < max && site_language(a, k, code); k++)
		for (int i = 0; i < ank_i18n_count(a->i18n); i++)
			if (!strcmp(ank_i18n_code(a->i18n, i), code))
				idx[n++] = i;
	/* A site that names none of the catalogs (or no config yet) offers them all. */
	for (int i = 0; n == 0 && i < ank_i18n_count(a->i18n) && i < max; i++)
		idx[i] = i;
	return n ? n : (ank_i18n_count(a->i18n) < max ? ank_i18n_count(a->i18n) : max);
}

void app_set_language(app *a, const char *lang)
{
	for (int i = 0; i < ank_i18n_count(a->i18n); i++) {
		if (!strcmp(ank_i18n_code(a->i18n, i), lang)) {
			snprintf(a->lang, sizeof a->lang, "%s", lang);
			a->ui.rtl = ank_i18n_rtl(a->i18n, lang);
			a->dirty = true;
			return;
		}
	}
}

void app_choose_language(app *a, const char *lang)
{
	app_set_language(a, lang);
	a->lang_chosen = true;
}

int64_t app_idle_prompt_ms(const app *a)
{
	return APP_IDLE_PROMPT_MS * (a->idle_more ? APP_IDLE_MORE_FACTOR : 1);
}

int64_t app_ticket_show_ms(const app *a)
{
	return APP_TICKET_SHOW_MS * (a->idle_more ? APP_IDLE_MORE_FACTOR : 1);
}

int64_t app_idle_reset_ms(const app *a)
{
	return APP_IDLE_RESET_MS * (a->idle_more ? APP_IDLE_MORE_FACTOR : 1);
}

/* The screens of a check-in that Back steps through. */
static bool step_screen(screen_id s)
{
	return s == SCREEN_NICKNAME || s == SCREEN_BIRTHYEAR || s == SCREEN_SUBSTANCE ||
	       s == SCREEN_ROUTE || s == SCREEN_HELPER;
}

/* Forgets the Back steps; sodium_memzero because they hold typed nicknames. */
static void back_clear(app *a)
{
	sodium_memzero(a->back, sizeof a->back);
	sodium_memzero(&a->back_scratch, sizeof a->back_scratch);
	a->n_back = 0;
	a->going_back = false;
}

/* The frame left step `from` for step `to`: the state before the frame is the step Back
 * returns to. A full stack (never in a real check-in) drops its oldest step. */
static void back_push(app *a)
{
	if (a->n_back == APP_BACK_MAX) {
		memmove(&a->back[0], &a->back[1], sizeof a->back[0] * (APP_BACK_MAX - 1));
		a->n_back--;
	}
	a->back[a->n_back++] = a->back_scratch;
}

screen_id app_back(app *a)
{
	if (a->n_back == 0) {
		app_reset_keep_language(a);
		return SCREEN_WELCOME;
	}
	app_step *st = &a->back[--a->n_back];
	a->s = st->s;
	/* A language the registered preference set goes with the step it came from. */
	if (!a->lang_chosen)
		app_set_language(a, st->lang);
	screen_id to = st->screen;
	sodium_memzero(st, sizeof *st);
	a->going_back = true;
	a->dirty = true;
	return to;
}

/* Adds a fingerprint of the files of `dir` (name, inode, size, modification time in ns)
 * to *sum. A sum is blind to the order readdir gives; a file replaced by rename gets a new
 * inode, so even two writes in the same second are told apart. A missing dir adds 0. */
static void dir_stamp(const char *dir, unsigned long long *sum)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char path[900];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		unsigned long long h = 1469598103934665603ULL; /* FNV-1a */
		for (const char *p = e->d_name; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		unsigned long long parts[] = {(unsigned long long)st.st_ino,
		                              (unsigned long long)st.st_size,
		                              (unsigned long long)st.st_mtim.tv_sec,
		                              (unsigned long long)st.st_mtim.tv_nsec};
		for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
			h = (h ^ parts[k]) * 1099511628211ULL;
		*sum += h;
	}
	if (d)
		closedir(d);
}

/* Fingerprint of the catalog files and the overrides, to notice edits while running. */
static long long i18n_stamp(const app *a)
{
	char dir[600];
	unsigned long long sum = 0;
	snprintf(dir, sizeof dir, "%s/i18n", a->data_dir);
	dir_stamp(dir, &sum);
	if (a->overrides_dir[0])
		dir_stamp(a->overrides_dir, &sum);
	if (a->texts_dir[0])
		dir_stamp(a->texts_dir, &sum);
	return (long long)(sum >> 1);
}

/* Lays the site's overrides over freshly loaded catalogs; a bad one is logged and left
 * out (ank_i18n_overlay_dir), the kiosk carries on with the shipped text. */
static void overlay(app *a)
{
	int applied = 0;
	ank_err err;
	if (a->overrides_dir[0]) {
		ank_i18n_overlay_dir(a->i18n, a->overrides_dir, &applied, &err);
		if (applied)
			ank_log(ANK_LOG_INFO, "i18n", "%d texts from site overrides", applied);
	}
	/* The draft texts of a preview come last: they are what is being looked at. */
	if (a->texts_dir[0]) {
		applied = 0;
		if (ank_i18n_overlay_dir(a->i18n, a->texts_dir, &applied, &err))
			ank_log(ANK_LOG_WARN, "i18n", "draft texts: %s", err.msg);
		ank_log(ANK_LOG_INFO, "i18n", "%d draft texts from %s", applied, a->texts_dir);
	}
}

int app_reload_i18n(app *a)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/i18n", a->data_dir);
	ank_err err;
	int rc = 0;
	if (ank_i18n_reload(a->i18n, dir, &err)) {
		ank_log(ANK_LOG_WARN, "i18n", "reload failed, old texts kept: %s", err.msg);
		rc = -1;
	} else {
		ank_log(ANK_LOG_INFO, "i18n", "catalogs reloaded");
	}
	/* Also after a failed reload: new overrides from central still show. */
	overlay(a);
	a->ui.rtl = ank_i18n_rtl(a->i18n, a->lang);
	a->dirty = true;
	return rc;
}

/* Reads the alerts and information screens central sent again when site.db's changed
 * (a sync process writes them); a kiosk showing a --content file keeps the file's. */
static void content_reload(app *a)
{
	if (a->content_fixed || !a->q || !a->content)
		return;
	ank_store *st = ank_queue_store(a->q);
	/* Again each hour too: items that ended make room for later ones past the cap. */
	long long stamp = ank_store_content_stamp(st) * 1000003 + a->now / 3600000;
	if (stamp == a->content_stamp)
		return;
	ank_err err;
	if (ank_store_content_load(st, a->now, a->content, &err)) {
		ank_log(ANK_LOG_WARN, "store", "cannot read the alerts and screens: %s", err.msg);
		return;
	}
	a->content_stamp = stamp;
	a->dirty = true;
}

int app_content_file(app *a, const char *path, ank_err *err)
{
	if (!a->content || ank_content_file_load(path, a->content, err))
		return -1;
	a->content_fixed = true;
	a->dirty = true;
	return 0;
}

int app_init(app *a, ank_queue *q, const char *data_dir, const char *db_path, ank_err *err)
{
	a->q = q;
	snprintf(a->data_dir, sizeof a->data_dir, "%s", data_dir);
	a->overrides_dir[0] = '\0';
	if (db_path)
		ank_sync_catalogs_dir(db_path, a->overrides_dir, sizeof a->overrides_dir);
	char dir[600];
	snprintf(dir, sizeof dir, "%s/i18n", data_dir);
	if (ank_i18n_load(dir, &a->i18n, err))
		return -1;
	/* Parity is a property of the shipped files: checked before the overrides, which
	 * keep it anyway (same keys, same placeholders). */
	ank_err check;
	if (ank_i18n_check(a->i18n, &check))
		ank_log(ANK_LOG_WARN, "i18n", "catalogs differ: %s", check.msg);
	overlay(a);
	a->i18n_stamp = i18n_stamp(a);
	app_reset(a);
	a->screen = SCREEN_WELCOME;
	a->dirty = true;
	a->content = calloc(1, sizeof *a->content);
	if (!a->content)
		return ank_err_set(err, "out of memory for the content list");
	content_reload(a);
	if (!q) {
		/* The caller says why with app_degrade (main: the open's error). */
		a->degraded = true;
		a->db_retry_at = a->now + APP_DB_RETRY_MS;
		a->screen = SCREEN_FAULT;
		snprintf(a->degraded_why, sizeof a->degraded_why,
		         "the site database cannot be opened");
		return 0;
	}
	ank_err kerr;
	if (ank_store_ticket_key(ank_queue_store(q), a->ticket_key, &kerr)) {
		app_db_failed(a, "ticket key", &kerr);
		app_degrade(a, a->write_failed_why); /* no ticket can be made without it */
		return 0;
	}
	a->key_loaded = true;
	/* The first frame shows the queue as it is now: no extra redraw at the first tick. */
	a->drawn_seq = ank_store_outbox_last_seq(ank_queue_store(q));
	return 0;
}

void app_free(app *a)
{
	free(a->content);
	a->content = NULL;
	app_print_drop(a);
	app_print_close(a);
	ank_i18n_free(a->i18n);
	a->i18n = NULL;
	ank_queue_close(a->q);
	a->q = NULL;
	sodium_memzero(a->ticket_key, sizeof a->ticket_key);
}

/* ---- site database faults ---- */

void app_db_failed(app *a, const char *what, const ank_err *err)
{
	/* SQLite's own words when the store has them: they are what staff can act on. */
	int code = a->q ? ank_store_take_error(ank_queue_store(a->q)) : 0;
	const char *why = code ? ank_store_error_text(code) : err->msg;
	ank_log(ANK_LOG_ERROR, "store", "%s: database write failed: %s", what, err->msg);
	a->write_failed_ms = a->now ? a->now : 1;
	snprintf(a->write_failed_why, sizeof a->write_failed_why, "%s", why);
	a->dirty = true;
	if (code && ank_store_error_is_storage(code))
		app_degrade(a, why);
}

/* The screens a degraded kiosk shows: the calm stop, and staff mode to see why. */
static bool degraded_screen(screen_id s)
{
	return s == SCREEN_FAULT || s == SCREEN_STAFF_PIN || s == SCREEN_STAFF || s == SCREEN_IDLE;
}

void app_degrade(app *a, const char *why)
{
	a->db_retry_at = a->now + APP_DB_RETRY_MS;
	a->dirty = true;
	/* Logged when it starts and when the reason changes, not at every retry. */
	if (!a->degraded || strcmp(a->degraded_why, why) != 0)
		ank_log(ANK_LOG_WARN, "store",
		        "check-in stopped, users are asked to see the staff: %s", why);
	if (a->degraded_why != why)
		snprintf(a->degraded_why, sizeof a->degraded_why, "%s", why);
	if (a->degraded)
		return;
	a->degraded = true;
	if (!degraded_screen(a->screen)) {
		app_reset(a); /* the person at the screen starts over when it works again */
		a->screen = SCREEN_FAULT;
	}
}

/* Degraded mode's retry: open the database if it is not, then one real write. A success
 * ends degraded mode; a failure keeps it with the newest reason. */
static void db_retry(app *a)
{
	a->db_retry_at = a->now + APP_DB_RETRY_MS;
	ank_err err = {{0}};
	if (!a->q) {
		ank_queue *q = a->reopen ? a->reopen(a->reopen_ctx, &err) : NULL;
		if (!q) {
			app_degrade(a, err.msg[0] ? err.msg : "the site database cannot be opened");
			return;
		}
		a->q = q;
		a->drawn_seq = ank_store_outbox_last_seq(ank_queue_store(q));
	}
	ank_store *st = ank_queue_store(a->q);
	ank_store_take_error(st); /* only this try's failure explains it */
	if ((!a->key_loaded && ank_store_ticket_key(st, a->ticket_key, &err)) ||
	    ank_store_probe_write(st, a->now, &err)) {
		int code = ank_store_take_error(st);
		app_degrade(a, code ? ank_store_error_text(code) : err.msg);
		return;
	}
	a->key_loaded = true;
	a->degraded = false;
	a->degraded_why[0] = '\0';
	ank_log(ANK_LOG_INFO, "store", "the site database takes writes again: check-in is back");
	if (a->screen == SCREEN_FAULT) {
		app_reset(a);
		a->screen = a->display ? SCREEN_DISPLAY : SCREEN_WELCOME;
	}
	a->dirty = true;
}

void app_reset(app *a)
{
	/* A ticket still held for the printer was not kept: cancelled, never called. */
	app_print_drop(a);
	/* sodium_memzero cannot be optimised away: the nickname really leaves memory. */
	sodium_memzero(&a->s, sizeof a->s);
	sodium_memzero(a->pin, sizeof a->pin);
	a->pin_wrong = false;
	a->staff_page = 0;
	a->staff_ask_freeze = false;
	a->staff_refused = NULL;
	a->lang_chosen = false;
	a->idle_more = false;
	a->speak = false; /* the next person starts without it */
	a->spoken_screen = SCREEN_COUNT;
	back_clear(a);
	char lang[8];
	default_language(a, lang);
	snprintf(a->lang, sizeof a->lang, "%s", lang);
	a->ui.rtl = ank_i18n_rtl(a->i18n, a->lang);
	a->display_lang = 0; /* the display's rotation starts again from that language */
	a->display_lang_since = a->now;
	a->last_touch = a->now;
	a->dirty = true;
}

void app_reset_keep_language(app *a)
{
	app_print_drop(a);
	sodium_memzero(&a->s, sizeof a->s);
	a->idle_more = false;
	back_clear(a);
	a->dirty = true;
}

void app_go(app *a, screen_id next)
{
	if (next == a->screen)
		return;
	a->screen = next;
	a->dirty = true;
}

void app_say(app *a, const char *lang, const char *text)
{
	a->spoken++;
	if (!a->speech)
		return;
	if (ank_speech_say(a->speech, lang ? lang : a->lang, text, a->now) == 1 && a->chime)
		a->chime(a->chime_ctx);
}

/* After a frame with "read aloud" on: the tapped item, then the prompt of a screen (or a
 * language) not yet read, both from the frame's widget list (the dump a screen reader
 * would get); personal widgets are never read. */
static void speak_frame(app *a, screen_id drawn)
{
	if (!a->speak || drawn == SCREEN_DISPLAY) {
		a->spoken_screen = SCREEN_COUNT;
		return;
	}
	const ui_widget *w = ui_activated(&a->ui);
	if (w && !(w->speech & UI_SPEECH_PERSONAL) && w->text[0])
		app_say(a, NULL, w->text);
	if (drawn == a->spoken_screen && !strcmp(a->spoken_lang, a->lang))
		return;
	char prompt[ANK_SPEECH_TEXT_MAX];
	if (ui_spoken_prompt(&a->ui, prompt, sizeof prompt))
		app_say(a, NULL, prompt);
	a->spoken_screen = drawn;
	snprintf(a->spoken_lang, sizeof a->spoken_lang, "%s", a->lang);
}

void app_frame(app *a)
{
	ui_color bg = a->screen == SCREEN_DISPLAY ? THEME_DISPLAY_BG : THEME_BG;
	if (a->screen == SCREEN_REFUSED)
		bg = THEME_REFUSED_BG;
	/* Whatever led here, a degraded kiosk shows users only the calm stop. */
	if (a->degraded && !degraded_screen(a->screen))
		a->screen = SCREEN_FAULT;
	screen_id from = a->screen;
	if (step_screen(from)) {
		a->back_scratch.screen = from;
		a->back_scratch.s = a->s;
		snprintf(a->back_scratch.lang, sizeof a->back_scratch.lang, "%s", a->lang);
	}
	ui_begin(&a->ui, bg);
	screen_id next = app_screens[a->screen].frame(a);
	bool input = ui_input_pending(&a->ui);
	ui_end(&a->ui);
	a->dirty = input;
	speak_frame(a, from);
	/* The language button sits in the shared title (screen_title), not in a screen's
	 * own answer: its tap overrides that answer. */
	if (a->want_language) {
		a->want_language = false;
		next = SCREEN_LANGUAGE;
	}
	if (next != from && step_screen(from) && step_screen(next) && !a->going_back)
		back_push(a);
	a->going_back = false;
	if (next != a->screen)
		app_go(a, next);
}

/* One outbox row for the display: every row moves its position; calls are queued with
 * the station's label, since the screen shows labels and the event names the station. */
static int display_row(void *ctx, const ank_outbox_row *row, ank_err *err)
{
	(void)err;
	app *a = ctx;
	a->seen_seq = row->seq;
	ank_ev type = ank_ev_from_name(row->type);
	a->display_seen_new = true;
	if (type != ANK_EV_TICKET_CALLED && type != ANK_EV_TICKET_RECALLED)
		return 0;
	if (a->n_calls >= APP_CALL_QUEUE)
		return 0; /* a backlog this long means the display was off: skip */
	json_t *p = json_loads(row->payload, 0, NULL);
	const char *label = json_string_value(json_object_get(p, ANK_FN(LABEL)));
	const char *station = json_string_value(json_object_get(p, ANK_FN(STATION)));
	display_call *c = &a->calls[a->n_calls++];
	snprintf(c->label, sizeof c->label, "%s", label ? label : "");
	ank_station st;
	ank_err e;
	if (station &&
	    ank_store_station_get(ank_queue_store(a->q), station, &st, &e) == ANK_STORE_OK)
		snprintf(c->station, sizeof c->station, "%s", st.label);
	else
		c->station[0] = '\0';
	json_decref(p);
	return 0;
}

/* The display role: new calls from the outbox go into a queue; each call stays up for
 * APP_CALL_SHOW_MS so announcements never cut each other off. */
static void display_poll(app *a)
{
	ank_err err;
	a->display_seen_new = false;
	if (ank_store_outbox_read(ank_queue_store(a->q), a->seen_seq, 0, display_row, a, &err))
		ank_log(ANK_LOG_WARN, "display", "%s", err.msg);
	/* Freeze and resume are outbox rows too, but the outbox may have been pruned after a
	 * sync: the flag itself is read, at start and when rows arrived. */
	if (a->display_seen_new || !a->display_polled) {
		bool frozen = a->display_frozen;
		if (ank_queue_frozen(a->q, &frozen, &err))
			ank_log(ANK_LOG_WARN, "display", "%s", err.msg);
		a->display_polled = true;
		if (frozen != a->display_frozen)
			a->dirty = true;
		a->display_frozen = frozen;
	}
	/* Frozen: calls wait in the queue, unshown and unannounced, until resume. */
	if (a->display_frozen)
		return;
	bool free_slot = !a->current.label[0] || a->now - a->current_since >= APP_CALL_SHOW_MS;
	if (a->n_calls > 0 && free_slot) {
		if (a->current.label[0]) {
			memmove(&a->last[1], &a->last[0], sizeof a->last[0] * (APP_LAST_CALLS - 1));
			a->last[0] = a->current;
			if (a->n_last < APP_LAST_CALLS)
				a->n_last++;
		}
		a->current = a->calls[0];
		memmove(&a->calls[0], &a->calls[1], sizeof a->calls[0] * (size_t)(a->n_calls - 1));
		a->n_calls--;
		a->current_since = a->now;
		a->chimes++;
		if (a->chime)
			a->chime(a->chime_ctx);
		display_announce(a);
		a->dirty = true;
	}
}

/* The display role: the next of the site's languages every APP_DISPLAY_LANG_MS, from
 * the first one; with one language nothing changes. */
static void display_rotate(app *a)
{
	if (!a->display_lang_since) {
		a->display_lang_since = a->now;
		return;
	}
	if (a->now - a->display_lang_since < APP_DISPLAY_LANG_MS)
		return;
	a->display_lang_since = a->now;
	char code[8];
	a->display_lang++;
	if (!site_language(a, a->display_lang, code)) {
		a->display_lang = 0;
		if (!site_language(a, 0, code))
			return;
	}
	app_set_language(a, code);
}

/* Administrators edit texts while the kiosk runs: pick the edits up. */
static void watch_texts(app *a)
{
	long long stamp = i18n_stamp(a);
	if (stamp != a->i18n_stamp) {
		a->i18n_stamp = stamp;
		app_reload_i18n(a);
	}
}

void app_advance(app *a, int64_t now)
{
	int64_t before = a->now;
	a->now = now;
	if (a->degraded && now >= a->db_retry_at)
		db_retry(a);
	/* A degraded kiosk runs no queue timers (they write): only the texts are watched. */
	if (now - a->last_tick >= APP_TICK_MS && !a->degraded) {
		ank_err err;
		ank_store_take_error(ank_queue_store(a->q));
		int64_t seq = ank_store_outbox_last_seq(ank_queue_store(a->q));
		ank_q_rc trc = ank_queue_tick(a->q, now, &err);
		if (trc == ANK_Q_E_DB)
			app_db_failed(a, "queue tick", &err);
		else if (trc != ANK_Q_OK)
			ank_log(ANK_LOG_WARN, "queue", "tick: %s", err.msg);
		/* Redraw when the queue changed (here or by another process on the same
		 * database) or a minute passed (waits and timers are shown in minutes);
		 * otherwise an idle kiosk draws nothing. */
		if (ank_store_outbox_last_seq(ank_queue_store(a->q)) != seq ||
		    seq != a->drawn_seq || now / 60000 != a->last_tick / 60000)
			a->dirty = true;
		a->drawn_seq = ank_store_outbox_last_seq(ank_queue_store(a->q));
		a->last_tick = now;
		if (a->sync && a->screen == SCREEN_STAFF) {
			ank_sync_status st;
			ank_sync_status_get(a->sync, &st);
			unsigned sig = (unsigned)st.online | (unsigned)st.skewed << 1 |
			               (unsigned)(st.pending > 0 ? st.pending : 0) << 2;
			if (sig != a->sync_drawn)
				a->dirty = true;
			a->sync_drawn = sig;
		}
		watch_texts(a);
		content_reload(a);
	} else if (now - a->last_tick >= APP_TICK_MS) {
		a->last_tick = now;
		watch_texts(a);
	}
	/* An alert or information screen starts or ends by the kiosk's clock: redraw then. */
	unsigned sig = content_signature(a);
	if (sig != a->content_drawn) {
		a->content_drawn = sig;
		a->dirty = true;
	}
	/* The welcome's rotation turns by the clock too. */
	if (a->info_since && (before - a->info_since) / ANK_INFO_ROTATE_MS !=
	                             (now - a->info_since) / ANK_INFO_ROTATE_MS)
		a->dirty = true;
	if (!a->display && !a->degraded)
		app_print_poll(a);
	if (a->display && !a->degraded) {
		display_poll(a);
		display_rotate(a);
		return;
	}
	/* Whole seconds shown on screen (idle countdown) need a redraw when they change. */
	if (before / 1000 != now / 1000 && (a->screen == SCREEN_IDLE || a->screen == SCREEN_TICKET))
		a->dirty = true;
	bool start = a->screen == SCREEN_WELCOME || a->screen == SCREEN_FAULT;
	if (a->corner_since && now - a->corner_since >= APP_STAFF_HOLD_MS && start) {
		a->corner_since = 0;
		app_go(a, SCREEN_STAFF_PIN);
	}
	int64_t quiet = now - a->last_touch;
	/* The welcome screen left in a language someone picked goes back to the site's own
	 * for the next person, without a prompt (nothing typed there is lost). */
	if (a->screen == SCREEN_WELCOME && quiet >= app_idle_prompt_ms(a) && !a->info_since) {
		char lang[8];
		default_language(a, lang);
		if (a->lang_chosen || strcmp(lang, a->lang) != 0)
			app_reset(a);
	}
	if (start)
		return;
	if (a->screen == SCREEN_TICKET) {
		if (quiet >= app_ticket_show_ms(a)) {
			app_reset(a);
			app_go(a, SCREEN_WELCOME);
		}
		return;
	}
	if (a->screen == SCREEN_IDLE && quiet >= app_idle_prompt_ms(a) + app_idle_reset_ms(a)) {
		app_reset(a);
		app_go(a, SCREEN_WELCOME);
	} else if (a->screen != SCREEN_IDLE && quiet >= app_idle_prompt_ms(a)) {
		a->before_idle = a->screen;
		app_go(a, SCREEN_IDLE);
	}
}

void app_touch(app *a, bool down, int x, int y)
{
	a->last_touch = a->now;
	a->dirty = true;
	/* A touch on the information screens ends them: the welcome, in the site's language. */
	if (a->info_since && a->screen == SCREEN_WELCOME) {
		a->info_since = 0;
		app_reset(a);
	}
	/* Staff mode: hold the top-left corner of the welcome (or the fault) screen. */
	bool start = a->screen == SCREEN_WELCOME || a->screen == SCREEN_FAULT;
	if (down && start && x < APP_STAFF_CORNER && y < APP_STAFF_CORNER)
		a->corner_since = a->now ? a->now : 1;
	else
		a->corner_since = 0;
}
