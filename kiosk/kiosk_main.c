/* The kiosk proper, in libankomst-kiosk.so (loaded by the ankomst-kiosk launcher): the site
 * database, and either the SDL window loop (input adapter, redraw only when something
 * changed, the call chime) or the headless runner, pairing and sync-only. */
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "ank_log.h"
#include "ank_time.h"
#include "app.h"
#include "headless.h"
#include "input.h"
#include "launch.h"
#include "options.h"
#include "render_null.h"
#include "render_sdl.h"
#include "ank_version.h"

/* While idle the loop wakes this often to move the clock; nothing is drawn unless
 * something changed (measured in docs/benchmarks.md). */
#define IDLE_WAKE_MS 250
/* The watchdog heartbeat (WatchdogSec in deploy/ankomst-kiosk.service) at most this often. */
#define WATCHDOG_EVERY_MS 1000

/* SQLite calls a full disk a "disk I/O error" when it cannot even size its -shm file: add
 * what staff can act on when the database's folder has no space left. */
static void note_disk_full(const char *db, ank_err *err)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s", db);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	struct statvfs vs;
	if (statvfs(dir, &vs) == 0 && vs.f_bavail == 0) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof err->msg - len, ": no space left in %s", dir);
	}
}

/* How opening the site failed: the operator's input (exit 1), or the database (the kiosk
 * starts degraded and tries again, docs/operations.md "Degraded mode"). */
typedef enum site_rc { SITE_OK, SITE_INPUT, SITE_DB } site_rc;

/* The site's files: the --config/--demo INI and the --registry/--demo JSON (NULL: none). */
static void site_files(const options *o, char *cfg, char *reg, size_t n, const char **cfg_path,
                       const char **reg_path)
{
	snprintf(cfg, n, "%s/assets/demo/site.ini", o->data);
	snprintf(reg, n, "%s/assets/demo/registry.json", o->data);
	*cfg_path = o->config ? o->config : (o->demo ? cfg : NULL);
	*reg_path = o->registry ? o->registry : (o->demo ? reg : NULL);
}

/* Opens the site database (a temporary one for --demo without --db: made once into tmp_db,
 * reused on the next call) and applies --demo / --config / --registry. *out owned by the
 * caller. The INI is read first, so a bad one is always the operator's error. */
static site_rc open_site(const options *o, char *tmp_db, size_t n, ank_queue **out, ank_err *err)
{
	*out = NULL;
	const char *db = o->db;
	if (!db && !tmp_db[0]) {
		/* A demo without --db gets a fresh database that is removed afterwards. */
		const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
		snprintf(tmp_db, n, "%s/ankomst-demo-XXXXXX", base);
		if (!mkdtemp(tmp_db)) {
			tmp_db[0] = '\0';
			ank_err_set(err, "cannot make a temporary directory");
			return SITE_INPUT;
		}
		size_t len = strlen(tmp_db);
		snprintf(tmp_db + len, n - len, "/site.db");
	}
	if (!db)
		db = tmp_db;
	char demo_cfg[600], demo_reg[600];
	const char *cfg_path, *reg_path;
	site_files(o, demo_cfg, demo_reg, sizeof demo_cfg, &cfg_path, &reg_path);
	ank_site_config c;
	ank_station st[ANK_MAX_STATIONS];
	int ns = 0;
	if (cfg_path && ank_config_parse_ini(cfg_path, &c, st, &ns, err))
		return SITE_INPUT;
	ank_queue *q;
	if (ank_queue_open(db, &q, err) != ANK_Q_OK) {
		note_disk_full(db, err);
		return SITE_DB;
	}
	int64_t now = ank_now_ms();
	site_rc rc = SITE_DB;
	if (cfg_path) {
		ank_q_rc arc = ank_queue_apply_config(q, &c, st, ns, now, err);
		if (arc != ANK_Q_OK) {
			rc = arc == ANK_Q_E_DB ? SITE_DB : SITE_INPUT;
			goto fail;
		}
	}
	int count;
	ank_store_take_error(ank_queue_store(q)); /* a registry error of SQLite's is the db's */
	if (reg_path && ank_store_registry_import(ank_queue_store(q), reg_path, now, &count, err)) {
		rc = ank_store_take_error(ank_queue_store(q)) ? SITE_DB : SITE_INPUT;
		goto fail;
	}
	if (!ank_queue_config(q)) {
		ank_err_set(err, "%s has no site config: give --config FILE or --demo", db);
		rc = SITE_INPUT;
		goto fail;
	}
	const char *tz = ank_queue_config(q)->timezone;
	setenv("TZ", tz, 1);
	tzset();
	*out = q;
	return SITE_OK;
fail:
	ank_queue_close(q);
	if (rc == SITE_DB)
		note_disk_full(db, err);
	return rc;
}

/* For degraded mode: what opening the site again needs. */
typedef struct reopen_ctx {
	const options *o;
	char *tmp_db;
	size_t tmp_n;
} reopen_ctx;

/* app_reopen_fn: the site opened as at start. */
static ank_queue *reopen_site(void *ctx, ank_err *err)
{
	reopen_ctx *r = ctx;
	ank_queue *q = NULL;
	open_site(r->o, r->tmp_db, r->tmp_n, &q, err);
	return q;
}

/* The staff PIN hash for a kiosk whose database cannot be opened: the --config file's, or
 * the one in the database read without writing; "" (staff mode off) when neither reads. */
static void degraded_pin(const options *o, const char *db, char *out, size_t n)
{
	char demo_cfg[600], demo_reg[600];
	const char *cfg_path, *reg_path;
	site_files(o, demo_cfg, demo_reg, sizeof demo_cfg, &cfg_path, &reg_path);
	ank_site_config c;
	ank_station st[ANK_MAX_STATIONS];
	int ns;
	ank_err err;
	out[0] = '\0';
	if (cfg_path && ank_config_parse_ini(cfg_path, &c, st, &ns, &err) == 0)
		snprintf(out, n, "%s", c.staff_pin_hash);
	else if (db[0] && ank_store_config_peek(db, &c, &err) == ANK_STORE_OK)
		snprintf(out, n, "%s", c.staff_pin_hash);
	else
		ank_log(ANK_LOG_WARN, "store", "no staff PIN readable: staff mode is off");
}

/* ---- sound: the call chime and spoken prompts, one queue so nothing overlaps ---- */

typedef struct sound {
	app *a;
	SDL_AudioDeviceID dev; /* 0: no sound card (or headless) */
	int16_t chime[ANK_SPEECH_AUDIO_RATE * ANK_CHIME_MS / 1000];
	size_t n;
} sound;

/* The app's chime: behind whatever is being said, or straight to the card without speech. */
static void sound_chime(void *ctx)
{
	sound *s = ctx;
	if (s->a->speech)
		ank_speech_chime(s->a->speech, s->a->now);
	else if (s->dev)
		SDL_QueueAudio(s->dev, s->chime, (Uint32)(s->n * sizeof s->chime[0]));
}

/* ank_speech_sink, on the speech thread: SDL's queue is its own FIFO and takes the lock. */
static void sound_sink(void *ctx, const int16_t *pcm, size_t n, int rate)
{
	sound *s = ctx;
	(void)rate; /* the device was opened at espeak-ng's rate */
	if (s->dev)
		SDL_QueueAudio(s->dev, pcm, (Uint32)(n * sizeof *pcm));
}

/* The speech queue with the site's [speech] settings and a voice for every catalog;
 * wav_dir for headless runs. No speech (logged) when espeak-ng cannot start. */
static void speech_open(app *a, sound *snd, const char *wav_dir)
{
	const ank_site_config *cfg = a->q ? ank_queue_config(a->q) : NULL;
	const char *langs[ANK_I18N_MAX_LANGS];
	int n = ank_i18n_count(a->i18n);
	for (int i = 0; i < n && i < ANK_I18N_MAX_LANGS; i++)
		langs[i] = ank_i18n_code(a->i18n, i);
	ank_speech_opts so = {
	        .rate = cfg ? cfg->speech_rate : ANK_SPEECH_RATE_DEFAULT,
	        .volume = cfg ? cfg->speech_volume : ANK_SPEECH_VOL_DEFAULT,
	        .voices = cfg ? cfg->voices : NULL,
	        .n_voices = cfg ? cfg->n_voices : 0,
	        .langs = langs,
	        .n_langs = n < ANK_I18N_MAX_LANGS ? n : ANK_I18N_MAX_LANGS,
	        .wav_dir = wav_dir,
	        .sink = wav_dir ? NULL : sound_sink,
	        .sink_ctx = snd,
	};
	ank_err err;
	if (ank_speech_open(&so, &a->speech, &err))
		ank_log(ANK_LOG_WARN, "speech", "no spoken prompts: %s", err.msg);
	else if (ank_speech_rate(a->speech) != ANK_SPEECH_AUDIO_RATE)
		ank_log(ANK_LOG_WARN, "speech", "espeak-ng speaks at %d Hz, the card plays %d Hz",
		        ank_speech_rate(a->speech), ANK_SPEECH_AUDIO_RATE);
	snd->a = a;
	a->chime = sound_chime;
	a->chime_ctx = snd;
}

static void sound_open(sound *s)
{
	/* The launcher started SDL with video only: audio starts here, after the first frame;
	 * without a sound device the kiosk goes on silent. */
	if (!SDL_WasInit(SDL_INIT_AUDIO) && SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
		ank_log(ANK_LOG_WARN, "speech", "no sound: %s", SDL_GetError());
		return;
	}
	s->n = ank_chime_make(s->chime, sizeof s->chime / sizeof s->chime[0],
	                      ANK_SPEECH_AUDIO_RATE);
	SDL_AudioSpec want = {.freq = ANK_SPEECH_AUDIO_RATE,
	                      .format = AUDIO_S16SYS,
	                      .channels = 1,
	                      .samples = 1024};
	s->dev = SDL_OpenAudioDevice(NULL, 0, &want, NULL, 0);
	if (!s->dev)
		ank_log(ANK_LOG_WARN, "speech", "no sound card: %s", SDL_GetError());
	else
		SDL_PauseAudioDevice(s->dev, 0);
}

static int run_window(app *a, const options *o, const ank_window *early, ank_err *err)
{
	/* The launcher's window, or one of our own (closed here) when it could not open it. */
	ank_window own = {0};
	const char *failed = early ? NULL : ank_window_open(o, &own);
	if (failed)
		return ank_err_set(err, "%s: %s", failed, SDL_GetError());
	ank_window w = early ? *early : own;
	SDL_Renderer *ren = w.ren;
	SDL_Window *win = w.win;
	ank_sdl *backend = NULL;
	if (ank_sdl_create(ren, o->data, &backend, err)) {
		if (!early)
			ank_window_close(&own);
		return -1;
	}
	ui_init(&a->ui, ank_sdl_renderer(backend), o->w, o->h);
	a->ui.rtl = ank_i18n_rtl(a->i18n, a->lang);
	static sound snd; /* the chime's samples: static storage, one per process */
	memset(&snd, 0, sizeof snd);
	sound_open(&snd);
	speech_open(a, &snd, NULL);
	bool running = true;
	a->dirty = true;
	/* systemd: the window is up. Heartbeats come from this loop, so a UI that hangs stops
	 * them and systemd restarts the kiosk. No-ops without NOTIFY_SOCKET. */
	sd_notify(0, "READY=1");
	int64_t next_beat = 0;
	while (running) {
		int64_t beat_now = ank_now_ms();
		if (beat_now >= next_beat) {
			sd_notify(0, "WATCHDOG=1");
			next_beat = beat_now + WATCHDOG_EVERY_MS;
		}
		SDL_Event ev;
		int got = SDL_WaitEventTimeout(&ev, a->dirty ? 1 : IDLE_WAKE_MS);
		while (got) {
			if (!input_event(a, &ev, ren, win))
				running = false;
			got = SDL_PollEvent(&ev);
		}
		app_advance(a, ank_now_ms());
		if (a->dirty || ui_input_pending(&a->ui)) {
			app_frame(a);
			SDL_RenderPresent(ren);
		}
	}
	ank_speech_close(a->speech); /* says what is queued to the card, then stops */
	a->speech = NULL;
	a->chime = NULL;
	if (snd.dev)
		SDL_CloseAudioDevice(snd.dev);
	ank_sdl_free(backend);
	if (!early)
		ank_window_close(&own);
	return 0;
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
}

/* Sync without a screen: for a back-office PC holding the site database, and for the
 * sync tests. Runs until SIGTERM or SIGINT. */
static int run_sync_only(const char *db, const char *data, ank_err *err)
{
	ank_sync *s = NULL;
	int rc = ank_sync_start(db, data, &s, err);
	if (rc == 1)
		ank_err_set(err, "%s is not paired: run --pair first", db);
	if (rc)
		return 1;
	signal(SIGTERM, on_stop_signal);
	signal(SIGINT, on_stop_signal);
	bool online = false;
	while (!stop_signal) {
		usleep(200 * 1000);
		ank_sync_status st;
		ank_sync_status_get(s, &st);
		if (st.online != online)
			ank_log(ANK_LOG_INFO, "sync", "central %s",
			        st.online ? "online" : "offline");
		online = st.online;
	}
	ank_sync_stop(s);
	return 0;
}

/* The headless run with the null renderer: no SDL at all, so no shots. */
static int run_headless_null(app *a, const options *o)
{
	ui_init(&a->ui, ank_null_renderer(), o->w, o->h);
	a->ui.rtl = ank_i18n_rtl(a->i18n, a->lang);
	return headless_run(a, NULL, o->script, o->shots);
}

static int run_headless(app *a, const options *o, ank_err *err)
{
	if (o->null_renderer)
		return run_headless_null(a, o);
	/* No video driver at all: the software renderer draws into a plain surface. */
	SDL_Surface *surf =
	        SDL_CreateRGBSurfaceWithFormat(0, o->w, o->h, 32, SDL_PIXELFORMAT_RGBA32);
	SDL_Renderer *ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
	ank_sdl *backend = NULL;
	if (!ren || ank_sdl_create(ren, o->data, &backend, err)) {
		if (!ren)
			ank_err_set(err, "software renderer: %s", SDL_GetError());
		if (ren)
			SDL_DestroyRenderer(ren);
		SDL_FreeSurface(surf);
		return 2;
	}
	ui_init(&a->ui, ank_sdl_renderer(backend), o->w, o->h);
	a->ui.rtl = ank_i18n_rtl(a->i18n, a->lang);
	int rc = headless_run(a, surf, o->script, o->shots);
	/* A character drawn as an empty box fails the run, whatever the script checked. */
	char example[200];
	long missing = ank_sdl_missing_glyphs(backend, example, sizeof example);
	if (missing > 0) {
		fprintf(stderr,
		        "headless: %ld characters without a glyph in their font, first %s\n",
		        missing, example);
		if (rc == 0)
			rc = 1;
	}
	ank_sdl_free(backend);
	SDL_DestroyRenderer(ren);
	SDL_FreeSurface(surf);
	return rc;
}

/* Headless: a paired kiosk syncs too; it gives the link up to 5 s (real time) to answer
 * first, so a script sees a settled state. Returns the script's status. */
static int run_headless_synced(app *a, const options *o, ank_err *err)
{
	ank_err serr;
	if (o->db && ank_sync_start(o->db, o->data, &a->sync, &serr) < 0)
		ank_log(ANK_LOG_WARN, "sync", "not syncing: %s", serr.msg);
	for (int i = 0; a->sync && i < 50; i++) {
		ank_sync_status st;
		ank_sync_status_get(a->sync, &st);
		if (st.online)
			break;
		usleep(100 * 1000);
	}
	static sound snd;
	memset(&snd, 0, sizeof snd);
	if (o->speech_wav) {
		mkdir(o->speech_wav, 0755); /* an existing directory is fine */
		speech_open(a, &snd, o->speech_wav);
	}
	int rc = run_headless(a, o, err);
	ank_speech_close(a->speech);
	a->speech = NULL;
	a->chime = NULL;
	ank_sync_stop(a->sync);
	a->sync = NULL;
	if (rc == 2 && err->msg[0])
		fprintf(stderr, "ankomst-kiosk: %s\n", err->msg);
	return rc;
}

/* The window: a paired kiosk syncs in the background, an unpaired one works alone. */
static int run_window_synced(app *a, const options *o, const ank_window *early, const char *db,
                             ank_err *err)
{
	ank_err serr;
	if (ank_sync_start(db, o->data, &a->sync, &serr) < 0)
		ank_log(ANK_LOG_WARN, "sync", "not syncing: %s", serr.msg);
	int rc = 0;
	if (run_window(a, o, early, err)) {
		fprintf(stderr, "ankomst-kiosk: %s\n", err->msg);
		rc = 3;
	}
	ank_sync_stop(a->sync);
	a->sync = NULL;
	return rc;
}

/* --hash-pin: prints the Argon2id hash for staff_pin_hash. */
static int print_pin_hash(const char *pin)
{
	char out[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(out, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return 1;
	printf("%s\n", out);
	return 0;
}

/* --pair: redeems the code at central and keeps the token beside the database. */
static int pair(const options *o)
{
	ank_err err = {{0}};
	if (ank_sync_pair(o->db, o->pair_url, o->pair_code, o->ca, &err)) {
		fprintf(stderr, "ankomst-kiosk: pairing failed: %s\n", err.msg);
		return 1;
	}
	char path[600];
	ank_sync_token_path(o->db, path, sizeof path);
	printf("paired with %s; token in %s\n", o->pair_url, path);
	return 0;
}

/* Removes the temporary demo database, its WAL files and its directory. */
static void remove_demo_db(char *tmp_db)
{
	char path[600];
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s", tmp_db, suffix[i]);
		unlink(path);
	}
	tmp_db[strlen(tmp_db) - strlen("/site.db")] = '\0';
	rmdir(tmp_db);
}

/* The kiosk proper: the app (which takes q; NULL starts degraded mode, with `why`), then
 * the headless runner or the window. */
static int run_kiosk(const options *o, const ank_window *early, ank_queue *q, const char *why,
                     int64_t start, char *tmp_db, size_t tmp_n)
{
	static app a; /* large (UI widget list): static storage, still one per process */
	memset(&a, 0, sizeof a);
	a.now = start;
	a.last_tick = start;
	a.display = o->display;
	reopen_ctx rc_ctx = {.o = o, .tmp_db = tmp_db, .tmp_n = tmp_n};
	a.reopen = reopen_site;
	a.reopen_ctx = &rc_ctx;
	const char *db = o->db ? o->db : tmp_db;
	if (!q)
		degraded_pin(o, db, a.pin_hash, sizeof a.pin_hash);
	ank_err err = {{0}};
	int rc;
	if (o->texts)
		snprintf(a.texts_dir, sizeof a.texts_dir, "%s", o->texts);
	/* A demo without --db has no overrides: its temporary database is never paired. */
	if (app_init(&a, q, o->data, o->db, &err)) {
		fprintf(stderr, "ankomst-kiosk: %s\n", err.msg);
		rc = 1;
	} else {
		if (why)
			app_degrade(&a, why);
		/* --content: the screens show the file's alerts and information screens, not
		 * site.db's (central's preview of a draft). A file that cannot be read stops. */
		if (o->content && app_content_file(&a, o->content, &err)) {
			fprintf(stderr, "ankomst-kiosk: --content: %s\n", err.msg);
			app_free(&a);
			return 2;
		}
		if (o->display && !a.degraded)
			a.screen = SCREEN_DISPLAY;
		if (o->headless)
			rc = run_headless_synced(&a, o, &err);
		else
			rc = run_window_synced(&a, o, early, db, &err);
	}
	app_free(&a); /* closes the queue, the one given or a later reopened one */
	return rc;
}

__attribute__((visibility("default"))) int ank_kiosk_main(int argc, char **argv,
                                                          const ank_window *early)
{
	if (ank_version_asked(argc, argv, "ankomst-kiosk") ||
	    ank_help_asked(argc, argv, options_usage))
		return 0;
	options o;
	if (options_parse(argc, argv, &o)) {
		fputs(options_usage, stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	if (o.hash_pin)
		return print_pin_hash(o.hash_pin);
	if (o.pair_url)
		return pair(&o);
	int64_t start = ank_now_ms();
	if (o.now && ank_iso_parse(o.now, &start)) {
		fprintf(stderr, "ankomst-kiosk: --now wants YYYY-MM-DDTHH:MM:SSZ\n");
		return 2;
	}
	ank_err err = {{0}};
	char tmp_db[512] = "";
	ank_queue *q = NULL;
	site_rc src = open_site(&o, tmp_db, sizeof tmp_db, &q, &err);
	/* The operator's mistakes stop the program; a database that fails (a full disk) does
	 * not: the kiosk starts degraded, says so to staff and tries again by itself. */
	if (src == SITE_INPUT || (src == SITE_DB && o.sync_only)) {
		fprintf(stderr, "ankomst-kiosk: %s\n", err.msg);
		if (tmp_db[0])
			remove_demo_db(tmp_db);
		return 1;
	}
	if (src == SITE_DB)
		ank_log(ANK_LOG_ERROR, "store", "site database: %s", err.msg);
	int rc;
	if (o.sync_only) {
		rc = run_sync_only(o.db, o.data, &err);
		if (rc)
			fprintf(stderr, "ankomst-kiosk: %s\n", err.msg);
		ank_queue_close(q);
	} else {
		rc = run_kiosk(&o, early, q, src == SITE_DB ? err.msg : NULL, start, tmp_db,
		               sizeof tmp_db);
	}
	if (tmp_db[0])
		remove_demo_db(tmp_db);
	return rc;
}
