/* The kiosk application: one struct passed to every screen (style guide 11) holding the
 * queue, the catalogs, the UI, the clock and the check-in in progress, plus the screen
 * table and the calls main.c and the headless runner make each frame. */
#ifndef ANK_APP_H
#define ANK_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "ank_i18n.h"
#include "ank_ticketref.h"
#include "printer.h"
#include "queue.h"
#include "receipt.h"
#include "speech.h"
#include "store_content.h"
#include "sync.h"
#include "ui.h"

typedef enum screen_id {
	SCREEN_WELCOME,
	SCREEN_NICKNAME,
	SCREEN_BIRTHYEAR,
	SCREEN_SUBSTANCE,
	SCREEN_ROUTE,
	SCREEN_HELPER,
	SCREEN_TICKET,
	SCREEN_REFUSED,
	SCREEN_RULES,
	SCREEN_IDLE,
	SCREEN_STAFF_PIN,
	SCREEN_STAFF,
	SCREEN_DISPLAY,
	SCREEN_FAULT,    /* degraded mode: "please ask the staff" while site.db takes no writes */
	SCREEN_LANGUAGE, /* the languages by their own names, from any step's language button */
	SCREEN_COUNT
} screen_id;

/* Idle: a prompt after 45 s without a touch, then back to the start 20 s later. */
#define APP_IDLE_PROMPT_MS 45000
#define APP_IDLE_RESET_MS  20000
/* The ticket screen stays this long after the last touch (time to photograph the QR or
 * write the number down), counting down on screen, then goes back to the start without
 * the idle prompt: the visit is over, nothing is lost. */
#define APP_TICKET_SHOW_MS 60000
/* "I need more time" on the prompt multiplies both for the rest of the visit. */
#define APP_IDLE_MORE_FACTOR 2
/* Staff mode: hold the top start corner this long, then the PIN. */
#define APP_STAFF_HOLD_MS  3000
#define APP_STAFF_CORNER   140
#define APP_PIN_MAX_TRIES  5
#define APP_PIN_LOCK_MS    (5 * 60000)
#define APP_PIN_MAX_DIGITS 8
/* How often the queue's timers (no-shows, auto-call) run. */
#define APP_TICK_MS 5000
/* A call stays on the display at least this long before the next one replaces it. */
#define APP_CALL_SHOW_MS 8000
#define APP_CALL_QUEUE   32
#define APP_LAST_CALLS   6
/* The display shows its texts in each of the site's languages in turn, this long each. */
#define APP_DISPLAY_LANG_MS 6000
/* Degraded mode (docs/operations.md): while the site database cannot be opened or
 * written, it is tried again this often; a write that works brings check-in back. */
#define APP_DB_RETRY_MS 5000
/* At most this many drug alerts are shown at once, dangers first. */
#define APP_ALERTS_SHOWN 2
/* The printer's status is checked this often while no ticket prints, so staff see paper
 * out or a cover left open before the next user meets it. A check prints nothing. */
#define APP_PRINT_CHECK_MS 60000
/* QR of version 1..10 at level M: at most 57 x 57 modules. */
#define APP_QR_MAX 64

typedef struct display_call {
	char label[16];
	char station[ANK_LABEL_MAX + 1];
} display_call;

/* "Call staff" on the nickname screen in this visit: not tapped, a request made, or one was
 * already open (staff are on their way either way). */
typedef enum app_help { APP_HELP_NONE, APP_HELP_CALLED, APP_HELP_ALREADY } app_help;

/* The printed ticket of this visit (kiosk/print, app_print.c). */
typedef enum app_print_phase {
	APP_PRINT_NONE,     /* no printer: the ticket was issued into the queue at once */
	APP_PRINT_RUNNING,  /* held (pending_print) while the printer works */
	APP_PRINT_PRINTED,  /* the printer confirmed it: in the queue */
	APP_PRINT_FAILED,   /* held; the screen asks "I have my number" */
	APP_PRINT_KEPT,     /* the user tapped "I have my number": in the queue */
	APP_PRINT_CANCELLED /* not kept: cancelled (ticket.print_failed) */
} app_print_phase;

/* Everything about the person at the screen; app_reset wipes it all. */
typedef struct checkin_state {
	char typed[ANK_NICK_MAX_BYTES + 1];
	ank_match matches[ANK_SEARCH_MAX];
	int n_matches;
	bool more_matches; /* more names matched than fit: the screen asks for more letters */
	app_help help;     /* the "call staff" button's answer */
	ank_match same[ANK_SAME_NAME_MAX];
	int n_same;
	bool picking_helper; /* the nickname/birthyear screens are choosing the helper */
	char user_id[ANK_ID_MAX + 1];
	char substance[24];
	bool assisted;
	char helper_id[ANK_ID_MAX + 1];
	ank_route route;
	ank_q_rc rc;
	ank_checkin_result result;
	char qr_text[ANK_TICKETREF_MAX];
	unsigned char qr[APP_QR_MAX * APP_QR_MAX];
	int qr_size;
	app_print_phase print;
	int64_t print_job;     /* the ticket's id is the job's id */
	ank_print_rc print_rc; /* why it failed (APP_PRINT_FAILED, _CANCELLED) */
} checkin_state;

/* Back: a step of the check-in as the user left it (screen, choices, language), so Back
 * returns to it with everything still chosen. A check-in has at most 5 steps before the
 * ticket (nickname, birth year, substance, helper, helper's birth year). */
#define APP_BACK_MAX 8
typedef struct app_step {
	screen_id screen;
	checkin_state s;
	char lang[8];
} app_step;

struct app;
/* Opens the site database again (as at start: config, registry, time zone) for a kiosk in
 * degraded mode that has none open. Returns the queue (owned by the app from then on) or
 * NULL with err. */
typedef ank_queue *(*app_reopen_fn)(void *ctx, ank_err *err);

typedef struct app {
	/* The site queue, owned by the app (app_free closes it); NULL in degraded mode when the
	 * database could not be opened. */
	ank_queue *q;
	ank_i18n *i18n;
	ui ui;
	char data_dir[512];
	/* Site text overrides from central (<db>.catalogs, see ank_sync_catalogs_dir); "" when
	 * the kiosk runs without a database of its own. */
	char overrides_dir[600];
	/* Draft texts laid over everything else (--texts: central's preview); "" when none. Set
	 * before app_init. */
	char texts_dir[600];
	char lang[8];
	/* The user picked a language in this visit: it wins over the registered preference
	 * until the visit ends (app_reset). */
	bool lang_chosen;
	/* "I need more time" was chosen: idle timeouts are APP_IDLE_MORE_FACTOR times longer
	 * until the visit ends. */
	bool idle_more;
	/* The "read aloud" toggle of this visit (app_reset turns it off): each screen's prompt
	 * and each tapped item are spoken. */
	bool speak;
	/* The speech queue (not owned: main opens and closes it); NULL: no speech. */
	ank_speech *speech;
	screen_id spoken_screen; /* whose prompt was read last (SCREEN_COUNT: none yet) */
	char spoken_lang[8];     /* and in which language */
	long spoken;             /* utterances asked for (also when no queue is open) */
	/* The steps Back returns to, oldest first, and the current step as it was before this
	 * frame (pushed when the frame moves on). Wiped with the visit: they hold nicknames. */
	app_step back[APP_BACK_MAX];
	int n_back;
	app_step back_scratch;
	bool going_back;    /* this frame's move is a Back: nothing is pushed */
	int64_t now;        /* the app's clock: wall time, or virtual in headless runs */
	int64_t last_touch; /* for the idle timer */
	int64_t last_tick;
	int64_t drawn_seq;    /* outbox sequence when the screen was last refreshed */
	long long i18n_stamp; /* fingerprint of the catalog and override files, to reload */
	screen_id screen;
	screen_id before_idle;
	screen_id before_language; /* where the language screen returns */
	bool want_language;        /* a screen's language button was tapped this frame */
	bool dirty;                /* something changed: draw a frame */
	bool display;              /* display role: "now calling" only */
	checkin_state s;
	/* staff mode on the kiosk */
	char pin[APP_PIN_MAX_DIGITS + 1];
	int pin_fails;
	int64_t pin_locked_until;
	bool pin_wrong;            /* the last PIN was wrong: say so */
	int staff_page;            /* the staff screen's page of stations and no-shows */
	bool staff_ask_freeze;     /* freeze was tapped: the screen asks before freezing */
	const char *staff_refused; /* catalog key of why the last command was refused, or NULL */
	int64_t corner_since;
	/* display role */
	int64_t seen_seq; /* outbox events read so far */
	display_call calls[APP_CALL_QUEUE];
	int n_calls;          /* waiting to be shown */
	display_call current; /* shown large now */
	int64_t current_since;
	display_call last[APP_LAST_CALLS]; /* shown smaller, newest first */
	int n_last;
	/* The site is frozen (staff's emergency freeze): the calm message, no calls, no chime;
	 * read from site.db at the first poll and whenever new outbox rows arrive. */
	bool display_frozen;
	bool display_polled;        /* the frozen flag has been read once */
	bool display_seen_new;      /* the last poll read outbox rows */
	int display_lang;           /* index in the site's languages of the one shown */
	int64_t display_lang_since; /* when it came up; 0 before the first frame */
	long chimes;
	void (*chime)(void *ctx); /* plays the call sound; NULL when silent (headless) */
	void *chime_ctx;
	unsigned char ticket_key[ANK_TICKETREF_KEY_BYTES];
	/* The sync client when this kiosk is paired (not owned: main starts and stops it),
	 * NULL otherwise and in headless runs. */
	ank_sync *sync;
	unsigned sync_drawn; /* the sync state the staff screen shows, to redraw on change */
	/* Site database faults: staff see them, users only ever see "please ask the staff". */
	bool degraded;           /* site.db cannot be opened or written: no check-in */
	char degraded_why[200];  /* why, in SQLite's words where it has them */
	int64_t db_retry_at;     /* when degraded mode next tries the database */
	int64_t write_failed_ms; /* the last write that failed (app clock), 0 none */
	char write_failed_why[160];
	bool key_loaded;      /* ticket_key is read (its first use writes it) */
	char pin_hash[128];   /* staff PIN hash for when no config is readable from q */
	app_reopen_fn reopen; /* NULL: degraded mode only retries writes on q */
	void *reopen_ctx;
	/* The administrators' alerts and information screens (store_content.h), owned (malloc'd
	 * by app_init, freed by app_free): read from site.db at start and when central sent new
	 * ones, or fixed from --content (app_content_file). */
	ank_content_list *content;
	bool content_fixed;
	long long content_stamp;
	unsigned content_drawn; /* content_signature when last drawn: a start or end redraws */
	int64_t info_since;     /* the welcome's information screens began (0: not shown) */
	/* The receipt printer ([printer] of the site config), opened at the first check-in
	 * with a device and again when the device changes; owned (app_free closes them). */
	ank_print *printer;
	ank_receipt_renderer *receipt;
	ank_printer_config printer_cfg; /* the config they were opened with */
	ank_print_state printer_state;  /* as last read from the worker, for the staff screen */
	int64_t printer_checked;        /* when the last status check was asked (app clock) */
	/* The last ticket kept with "I have my number" (the printer did not print it): staff
	 * may print it again from the staff screen; 0 none. Its label and the user's language
	 * only, never who it was. */
	int64_t reprint_ticket;
	char reprint_label[16];
	char reprint_lang[8];
	bool reprint_running;
} app;

typedef struct screen_def {
	const char *id; /* the name scripts, tests and the dump use */
	/* Draws the screen with ui_* calls and returns the screen to show next. */
	screen_id (*frame)(app *a);
} screen_def;

extern const screen_def app_screens[SCREEN_COUNT];

/* Opens the site's catalogs (with the overrides kept next to db_path; NULL: none) and
 * key. The app takes the queue (app_free closes it); q NULL, or a key that cannot be
 * written, starts degraded mode. -1 only when the catalogs cannot be loaded. */
int app_init(app *a, ank_queue *q, const char *data_dir, const char *db_path, ank_err *err);
void app_free(app *a);
/* A write to the site database failed (err says how): logged with SQLite's reason and
 * shown on the staff screen with the time; a storage fault (full disk, I/O error, ...)
 * starts degraded mode. `what` names the action for the log ("check-in"). */
void app_db_failed(app *a, const char *what, const ank_err *err);
/* Degraded mode: users see "please ask the staff", staff the reason; the database is
 * tried again every APP_DB_RETRY_MS until a write works. */
void app_degrade(app *a, const char *why);
/* Forget the person: every typed letter, choice and ticket; language back to default. */
void app_reset(app *a);
void app_go(app *a, screen_id next);
/* A new check-in in the language the user just picked. */
void app_reset_keep_language(app *a);
/* Switches the UI language (and direction) if a catalog for `lang` is loaded. */
/* The catalogs (indices for ank_i18n_code/name) of the languages the site offers, in the
 * site config's order ("da, en, sv, ..."); every catalog when it names none. Returns the
 * count (at most max). */
int app_offered_languages(const app *a, int *idx, int max);
void app_set_language(app *a, const char *lang);
/* The user chose `lang` themselves: kept for the whole visit. */
void app_choose_language(app *a, const char *lang);
/* Back from the current step: the step before it with its choices, or the welcome screen
 * (language kept) from the first step. Returns the screen to show. */
screen_id app_back(app *a);
/* Idle timeouts for this visit: the prompt after this long without a touch, and the reset
 * this long after the prompt (both longer after "I need more time"). */
int64_t app_idle_prompt_ms(const app *a);
int64_t app_idle_reset_ms(const app *a);
/* How long the ticket screen stays after the last touch (longer after "more time"). */
int64_t app_ticket_show_ms(const app *a);
/* One frame: draws the current screen and follows its answer. */
void app_frame(app *a);
/* Time passes: idle timers, queue ticks, the display's call queue. */
void app_advance(app *a, int64_t now);
/* A touch started or ended somewhere on the screen (idle timer, staff corner). */
void app_touch(app *a, bool down, int x, int y);

/* --content FILE: the screens show the items of the file (docs/operations.md "Previews")
 * instead of site.db's. 0, or -1 with err. */
int app_content_file(app *a, const char *path, ank_err *err);
/* ---- the printed ticket (app_print.c) ---- */
/* The printer's state as the kiosk reports it to central (sync's change poll): "none",
 * "unknown" (not checked yet), "ready", "near_end", or the failure's code (ank_print_code). */
const char *app_print_state_code(const ank_print_state *st);
/* Whether tickets are printed here (the site config names a printer device). */
bool app_print_wanted(app *a);
/* The ticket just issued held (a->s.result): its layout goes to the printer's worker. */
void app_print_start(app *a);
/* Each frame: the worker's answer for this visit's ticket; the printer's state for staff. */
void app_print_poll(app *a);
/* "I have my number": the held ticket goes into the queue. */
void app_print_keep(app *a);
/* The visit ends with its ticket still held: cancelled, with the printer's reason. */
void app_print_drop(app *a);
/* Staff asked to print the last kept ticket again (a->reprint_ticket), if it is still in
 * the queue: a new job through the same worker; the staff screen shows the outcome. */
void app_print_reprint(app *a);
/* Staff asked for a status check of the printer (nothing is printed). */
void app_print_check(app *a);
void app_print_close(app *a);

/* Loads the catalogs again (after an edit) and lays the overrides over them; on error the
 * old texts stay (the overrides are still laid over them). 0 or -1. */
int app_reload_i18n(app *a);

/* Speaks text in lang (the screen's language when NULL) if a speech queue is open; a
 * language without a voice gets the chime instead. */
void app_say(app *a, const char *lang, const char *text);

/* The display role: the call now up (a->current) read in each of the site's languages,
 * queued after its chime (screens/display.c). */
void display_announce(app *a);
/* A fingerprint of the alerts and information screens shown at a->now (screens/infoscreen.c):
 * when it changes, an item started or ended and the screen is drawn again. */
unsigned content_signature(app *a);

/* Helpers for screens. */
const char *tr(const app *a, const char *key);
/* tr with {name} placeholders: args is NULL-terminated name, value pairs. */
const char *trf(const app *a, const char *key, const char *const *args, char *buf, size_t n);
/* The same for a plural text: the form the screen's language takes for the number count. */
const char *trfn(const app *a, const char *key, long count, const char *const *args, char *buf,
                 size_t n);

#endif
