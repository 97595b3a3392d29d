/* Central's database (central.db): sites, paired kiosks and their tokens, one-time pairing
 * codes, every kiosk's events stored once by (kiosk, seq) and decoded into a typed read
 * model (the queue view, the report's tables), the change feed sent down to kiosks, staff accounts
 * and sessions, the user registry with its linkage keys, staff commands and records, the
 * report, and what it knows of its own health. Thread-safe: writes share one writer
 * connection and its lock; token checks and the feed's catch-up use a read-only second one. */
#ifndef ANK_CSTORE_H
#define ANK_CSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ank_err.h"
#include "ank_ticketref.h"
#include "ank_version.h"
#include "proto.h"
#include "wire.h"

/* "ANKC" in the database header: a central database. */
#define ANK_CSTORE_APP_ID 0x414e4b43
/* A pairing code is typed by a person at the kiosk: short, no look-alike letters. */
#define ANK_PAIR_CODE_LEN    12
#define ANK_PAIR_CODE_TTL_MS (24LL * 3600 * 1000)
#define ANK_TOKEN_HEX        64
/* Site ids, account names and user ids: ASCII slugs (ank_text_is_slug) of at most this. */
#define ANK_CS_ID_MAX 63
/* A site name is shown to staff: UTF-8 text, as in the site config. */
#define ANK_CS_SITE_NAME_MAX 127
/* Passwords: long enough to resist guessing at Argon2id speed, short enough to hash. */
#define ANK_PASSWORD_MIN_CHARS 12
#define ANK_PASSWORD_MAX_BYTES 1024
/* A staff session lasts one long shift, then the browser logs in again. */
#define ANK_SESSION_TTL_MS (12LL * 3600 * 1000)
/* Failed logins of one name that cost nothing; then the name waits 30 s before its next
 * try is checked, twice as long after each further failure, at most 15 min. Guessing a
 * 12-character password stays hopeless, and a colleague who mistypes five times waits
 * half a minute; someone hammering a staff member's name locks it for at most 15 min at a
 * time (logged, with the name). */
#define ANK_LOGIN_FREE_FAILS  5
#define ANK_LOGIN_WAIT_MS     30000LL
#define ANK_LOGIN_WAIT_MAX_MS (15LL * 60 * 1000)
/* Failed logins from one client address in a row that cost nothing; then the address waits
 * 10 s before its next try is checked, twice as long after each further failure, at most
 * 5 min, and a success from it forgets them. An address is an IPv4 address or an IPv6 /64
 * (one network holds a whole /64, so counting single IPv6 addresses would count nothing).
 * The per-name count never stops guesses at ever new names; this one does, answering them
 * without a hash. Twenty covers a room of staff behind one NAT address mistyping on a busy
 * shift; the cap is lower than a name's because one address may be a whole site's. */
#define ANK_LOGIN_ADDR_FREE_FAILS  20
#define ANK_LOGIN_ADDR_WAIT_MS     10000LL
#define ANK_LOGIN_ADDR_WAIT_MAX_MS (5LL * 60 * 1000)
/* Password checks running at once (each holds 64 MiB, see cstore_staff.c). Checks waiting
 * for one are let in by address in turn, so one address's burst cannot starve another. */
#define ANK_HASHING_MAX 4
/* A kiosk seen within this is online (metrics, queue view). */
#define ANK_ONLINE_MS 120000

typedef struct ank_cstore ank_cstore;

/* The outcome of a store call that can end in more than success or failure; err is set
 * unless OK. The HTTP layer answers each with one status and wire code (http.c, answers[]).
 * Calls that only succeed or fail keep returning 0/-1 (or an id/-1). */
typedef enum ank_cs_rc {
	ANK_CS_OK = 0,
	ANK_CS_EXISTS,    /* the id or name is taken */
	ANK_CS_UNKNOWN,   /* no such site, code, token, session, user or command */
	ANK_CS_REFUSED,   /* wrong user or password */
	ANK_CS_FORBIDDEN, /* known, but outside what the caller may change (another site's) */
	ANK_CS_INVALID,   /* input the store checks itself is wrong: err names the field */
	ANK_CS_WAIT,      /* the login name or address must wait first (*retry_ms) */
	ANK_CS_CONFLICT,  /* ingest: a seq is already held with other content */
	ANK_CS_GAP,       /* ingest: the batch starts after acked + 1 */
	ANK_CS_DB,        /* the database or memory failed: err says how; try again later */
	ANK_CS_FULL,      /* the disk is full: nothing was stored; try again when space returns */
	ANK_CS_BUSY,      /* another process holds the write lock: nothing was stored */
} ank_cs_rc;
/* A stable lowercase name of rc ("ok", "exists", ...), for logs; never NULL. */
const char *ank_cs_strerror(ank_cs_rc rc);

/* Opens (creating and migrating) central.db. With `check`, runs PRAGMA quick_check first and
 * refuses a damaged file (err says what it found; docs/operations.md has the recovery). */
int ank_cstore_open(const char *path, bool check, ank_cstore **out, ank_err *err);
void ank_cstore_close(ank_cstore *cs);

/* ---- health ---- */

/* What central knows of its database: ok, or why it cannot serve in full. */
typedef enum ank_cs_health {
	ANK_CS_HEALTH_OK = 0,
	ANK_CS_HEALTH_NO_WRITE, /* the last write failed (a lock, an I/O error): reads go on */
	ANK_CS_HEALTH_FULL,     /* the disk is full or below the free-space floor */
	ANK_CS_HEALTH_DAMAGED,  /* quick_check or SQLite found damage: writes are refused */
} ank_cs_health;
/* The state and its reason ("" when ok) into why[n]. */
ank_cs_health ank_cstore_health(ank_cstore *cs, char *why, size_t n);
/* The background probe (central's maintenance thread, every second or so): the free space
 * of the database's file system against min_free_bytes, and one small write that must
 * commit. Sets and returns the health state; a damaged file stays damaged. */
ank_cs_health ank_cstore_probe(ank_cstore *cs, long long min_free_bytes, int64_t now);
/* PRAGMA quick_check on a connection of its own (writers go on meanwhile). 0 when the file
 * is sound; -1 with err saying what was found, and the store is marked damaged. */
int ank_cstore_quick_check(ank_cstore *cs, ank_err *err);
/* Writes the kiosks' last-seen times gathered in memory since the last flush, in one
 * transaction. 0 or -1 with err (they stay in memory for the next try). */
int ank_cstore_seen_flush(ank_cstore *cs, ank_err *err);
/* Moves WAL checkpoints off the writer: SQLite's automatic checkpoint runs inside the commit
 * that crosses 1,000 WAL pages, so one batch in three of a busy group commit waited for it.
 * After this, fn(ctx) is told (from the committing thread, lock held: only signal) when the
 * WAL has grown past ANK_CS_CHECKPOINT_PAGES, and ank_cstore_checkpoint does the work. */
#define ANK_CS_CHECKPOINT_PAGES 1000
void ank_cstore_background_checkpoints(ank_cstore *cs, void (*fn)(void *ctx), void *ctx);
/* A PASSIVE checkpoint on a connection of its own: copies what it can of the WAL into the
 * file without blocking the writer or readers. 0, or -1 with err. */
int ank_cstore_checkpoint(ank_cstore *cs, ank_err *err);
/* Tells fn(ctx, newest change id) after every committed change (from the committing thread,
 * with the store's lock held: fn must not call the store). One hook; NULL to remove. */
void ank_cstore_on_change(ank_cstore *cs, void (*fn)(void *ctx, long long max_id), void *ctx);
/* Reads in changes another process appended (the CLI's add-site, pair-kiosk), so the
 * in-memory feed holds them too, and tells the change hook. True when there were any. Cheap
 * (one indexed read); central's maintenance thread calls it every second. */
bool ank_cstore_changes_refresh(ank_cstore *cs);
/* Whether a change for `site` newer than `since` exists, from memory (cheap: long-poll
 * wake-ups ask this for every waiting kiosk). */
bool ank_cstore_changes_ready(ank_cstore *cs, const char *site, long long since);

/* ---- sites ---- */

typedef struct ank_site {
	char id[ANK_CS_ID_MAX + 1];
	char name[ANK_CS_SITE_NAME_MAX + 1];
	char municipality[8]; /* official three-digit code: where the site is */
} ank_site;

/* Adds a site after checking id, name and municipality (err says which is wrong), and sends
 * it every registry entry of its municipality (user.upsert changes; *users_sent counts them).
 * OK, EXISTS (the id), INVALID, or DB. */
ank_cs_rc ank_cstore_site_add(ank_cstore *cs, const ank_site *site, int64_t now, int *users_sent,
                              ank_err *err);
/* OK (*out filled), UNKNOWN, or DB. */
ank_cs_rc ank_cstore_site_get(ank_cstore *cs, const char *id, ank_site *out, ank_err *err);
/* Appends a change for one existing site (site.config from the admin API): checks that the
 * site exists and appends in one locked step, then wakes long-polls. type and payload follow
 * ank_cstore_change_add's rules. Returns the change id, 0 when the site is unknown, -1 on
 * error (err says why, also for a payload the feed would refuse). */
long long ank_cstore_site_change_add(ank_cstore *cs, const char *site, const char *type,
                                     const char *payload_json, int64_t now, ank_err *err);

/* A new one-time code for a kiosk of `site`, written as XXXX-XXXX-XXXX into code.
 * OK, UNKNOWN site (add-site first; err says so), or DB. */
ank_cs_rc ank_cstore_pair_code(ank_cstore *cs, const char *site, int64_t now,
                               char code[ANK_PAIR_CODE_LEN + 3], ank_err *err);
/* Redeems a code: a new kiosk id and a token (shown once; only its hash is kept).
 * OK, UNKNOWN when the code is unknown, used or expired, or DB. */
ank_cs_rc ank_cstore_pair(ank_cstore *cs, const char *code, int64_t now, char kiosk[64],
                          char site[64], char token[ANK_TOKEN_HEX + 1], ank_err *err);
/* The kiosk a bearer token belongs to: OK, UNKNOWN token (err not set), or DB. Marks the
 * kiosk seen at `now` in memory (ank_cstore_seen_flush writes it): a check only reads. */
ank_cs_rc ank_cstore_auth(ank_cstore *cs, const char *token, int64_t now, char kiosk[64],
                          char site[64], ank_err *err);

/* Stores a batch idempotently and decodes each new event into the read model: OK (stored;
 * *acked = highest seq held), CONFLICT when a seq is held with other content, GAP when the
 * batch starts after acked + 1, INVALID when an event of a known type lacks a field or has
 * one of the wrong type (err names the event and the field; nothing stored), FULL, BUSY or
 * DB (nothing stored). OK is returned only after the commit. */
ank_cs_rc ank_cstore_ingest(ank_cstore *cs, const char *kiosk, const ank_batch *b, int64_t now,
                            long long *acked, ank_err *err);
/* One kiosk's batch in a group commit: in are kiosk and b (borrowed), out the rest. */
typedef struct ank_cs_ingest_job {
	const char *kiosk;
	const ank_batch *b;
	ank_cs_rc rc;
	long long acked;
	ank_err err;
	char site[ANK_CS_ID_MAX + 1]; /* the kiosk's, filled by the ingest */
} ank_cs_ingest_job;
/* Group commit: the n batches in one transaction, each in a savepoint of its own, so one
 * batch's refusal (CONFLICT, GAP, INVALID) leaves the others; in order, so two batches of
 * one kiosk keep their order. Every job's rc is OK only once the one COMMIT succeeded; when
 * the commit or the database fails, every job that would have been stored gets FULL, BUSY
 * or DB. */
void ank_cstore_ingest_many(ank_cstore *cs, ank_cs_ingest_job *jobs, int n, int64_t now);
/* What a rebuild replayed. */
typedef struct ank_cs_rebuild_stats {
	int kiosks;
	long long events;  /* projected */
	long long skipped; /* stored events whose payload does not fit their type */
} ank_cs_rebuild_stats;
/* Empties the read model and replays every stored event into it, kiosk by kiosk in
 * sequence order, in one transaction (`ankomst-central rebuild`; also run on open when the
 * read model's version changed). 0, or -1 with err and nothing changed. */
int ank_cstore_rebuild(ank_cstore *cs, ank_cs_rebuild_stats *st, ank_err *err);
/* Highest sequence held for a kiosk (0 when none). */
long long ank_cstore_acked(ank_cstore *cs, const char *kiosk);

/* Appends a change for one site (or every site when site is NULL); returns its id or -1.
 * The type must be 1-40 of a-z . _ and the payload a JSON object that is at most
 * ANK_PROTO_MAX_PAYLOAD bytes compact and fits the feed's nesting limit, since one change
 * the feed encoder refuses would stop a kiosk's feed for good. It is stored compact with
 * sorted keys. Wakes long-polling readers. */
long long ank_cstore_change_add(ank_cstore *cs, const char *site, const char *type,
                                const char *payload_json, int64_t now, ank_err *err);
/* Changes for `site` after `since` as this process knows them (call
 * ank_cstore_changes_refresh first for another process's; waiting is the HTTP layer's: a
 * suspended connection, woken by ank_cstore_on_change). From memory when the cursor is
 * recent, else from the read connection. The feed is owned by the caller
 * (ank_proto_feed_free). 0 or -1 with err. */
int ank_cstore_changes(ank_cstore *cs, const char *site, long long since, ank_feed *out,
                       ank_err *err);

/* ---- staff and admin accounts, sessions ---- */

typedef struct ank_account {
	long long id;
	char name[ANK_CS_ID_MAX + 1];
	bool admin;
	char site[ANK_CS_ID_MAX + 1]; /* a staff member's site; "" for an admin */
} ank_account;

/* Adds an account: name a slug, password ANK_PASSWORD_MIN_CHARS code points or more of
 * UTF-8 text, stored as an Argon2id hash; an admin has no site, a staff member an existing
 * one. OK, EXISTS (the name), INVALID (err says what, also an unknown site), or DB. */
ank_cs_rc ank_cstore_account_add(ank_cstore *cs, const char *name, const char *password, bool admin,
                                 const char *site, int64_t now, ank_err *err);
/* Checks a password and opens a session of ANK_SESSION_TTL_MS: token (for the cookie; only
 * its hash is kept) and csrf are 64 hex digits each. addr is the client's address as text
 * (ank_http_ctx.addr; NULL or "" counts as one unknown address). Unknown name and wrong
 * password take the same time and give the same answer. After ANK_LOGIN_FREE_FAILS failures
 * of one name in a row (known or not), its next attempt is not even checked before
 * ANK_LOGIN_WAIT_MS has passed, a wait that doubles with each further failure up to
 * ANK_LOGIN_WAIT_MAX_MS; the same after ANK_LOGIN_ADDR_FREE_FAILS failures from one address
 * (ANK_LOGIN_ADDR_WAIT_MS up to ANK_LOGIN_ADDR_WAIT_MAX_MS), whatever the names. A success
 * forgets the failures of its name and its address. OK, REFUSED, WAIT (*retry_ms says how
 * long, err whether the name or the address waits, e.g. "too many failed logins from this
 * address"), or DB. */
ank_cs_rc ank_cstore_login(ank_cstore *cs, const char *addr, const char *name, const char *password,
                           int64_t now, int64_t *retry_ms, ank_account *out,
                           char token[ANK_TOKEN_HEX + 1], char csrf[ANK_TOKEN_HEX + 1],
                           ank_err *err);
/* A client address's key for the per-address limits (a text of at most
 * ANK_ADDR_KEY_MAX - 1 bytes): an IPv4 address as it is, an IPv6 address as its /64
 * ("2001:db8:1:2::/64"), an IPv4-mapped IPv6 address as the IPv4 one; other text as it is
 * (cut), "" for NULL. */
#define ANK_ADDR_KEY_MAX (ANK_CS_ID_MAX + 1)
void ank_cstore_addr_key(const char *addr, char out[ANK_ADDR_KEY_MAX]);
/* The login machinery's counters, for /metrics. */
typedef struct ank_login_stats {
	int checking;      /* password checks running now (at most ANK_HASHING_MAX) */
	int queued;        /* checks waiting for a slot */
	long long checks;  /* Argon2id hashes and checks done since start */
	int addrs_waiting; /* addresses that must wait now after failures */
} ank_login_stats;
void ank_cstore_login_stats(ank_cstore *cs, int64_t now, ank_login_stats *st);
/* The account of a live session token: OK (out, csrf filled), UNKNOWN or expired (err not
 * set), or DB. */
ank_cs_rc ank_cstore_session(ank_cstore *cs, const char *token, int64_t now, ank_account *out,
                             char csrf[ANK_TOKEN_HEX + 1], ank_err *err);
/* Ends a session; 0 also when it did not exist, -1 on error. */
int ank_cstore_logout(ank_cstore *cs, const char *token, ank_err *err);
/* Deletes the sessions expired at `now` (the maintenance schedule runs it): *n says how
 * many. 0, or -1 with err. */
int ank_cstore_sessions_purge(ank_cstore *cs, int64_t now, long long *n, ank_err *err);

/* ---- the user registry ---- */

/* One registry entry, the fields of docs/formats.md "Registry import". */
typedef struct ank_cuser {
	char id[ANK_CS_ID_MAX + 1]; /* "u-" + 16 random hex digits, assigned by central */
	char nickname[161];
	int birth_year;
	char gender[16];
	char municipality[8];
	char consent_version[32];    /* "" when none */
	int64_t consent_ms;          /* 0 when none */
	char language[4];            /* "" when none */
	int64_t quarantine_until_ms; /* 0 when none */
	/* Where the user registered: its municipality's sites get the entry. Not sent to
	 * kiosks. */
	char site[ANK_CS_ID_MAX + 1];
} ank_cuser;

/* Stores a new user (u->id is assigned and written back) with its linkage key, and appends
 * a user.upsert change for every site of the municipality of u->site, the site where the
 * user registered (*sites counts them), in one transaction. The caller has validated the
 * fields. OK, UNKNOWN u->site (err says so), INVALID when u->site is empty, or DB. */
ank_cs_rc ank_cstore_user_add(ank_cstore *cs, ank_cuser *u, long long account, int64_t now,
                              int *sites, ank_err *err);
/* A quarantine ends at most this long after it is set: the longest a house rule gives is
 * months, and a typo of a year (2062 for 2026) must not lock a user out for life. */
#define ANK_QUARANTINE_MAX_MS (366LL * 24 * 3600 * 1000)
/* Sets (until_ms > 0) or lifts (0) a quarantine and appends a quarantine change for every
 * site that got the user's entry (as ank_cstore_user_add routes it). staff_site is the
 * caller's site (NULL for an admin): only staff of one of those sites may change it.
 * OK, UNKNOWN user, FORBIDDEN (another municipality's user; nothing changed), or DB. */
/* What central deletes by itself (docs/privacy.md "Retention"); 0 keeps that kind forever. */
typedef struct ank_cs_retention {
	int registry_months;    /* an entry without a visit for this long, and older, is deleted
	                           everywhere like "delete this user" */
	int incident_text_days; /* an incident record's free text goes after this (the record,
	                           a count in the report, stays) */
	int audit_days;         /* audit rows older than this go; the chain keeps an anchor */
	int events_days;        /* raw events received longer ago go (each kiosk's newest
	                           stays); the read model stays, and can no longer be rebuilt */
} ank_cs_retention;
#define ANK_RETAIN_REGISTRY_MONTHS    24
#define ANK_RETAIN_INCIDENT_TEXT_DAYS 365
#define ANK_RETAIN_AUDIT_DAYS         730
/* 0: the raw event log is kept, so the read model can be rebuilt (docs/privacy.md). */
#define ANK_RETAIN_EVENTS_DAYS 0
#define ANK_RETAIN_ROUND_MAX   1000 /* entries deleted a run: short transactions */

typedef struct ank_cs_retention_stats {
	int users_deleted;
	int incident_texts;
	int audit_rows;
	long long events;
} ank_cs_retention_stats;

/* One run of the retention job at `now` (the maintenance thread runs it daily; the CLI's
 * `retention` once, with --now for a test clock). 0, or -1 with err (what was deleted before
 * the failure stays deleted). */
int ank_cstore_retention(ank_cstore *cs, const ank_cs_retention *r, int64_t now,
                         ank_cs_retention_stats *st, ank_err *err);

/* Deletes user `id` everywhere ("delete this user", an admin's): central's registry entry
 * goes, the feed's earlier changes of the user become user.delete, and a user.delete change
 * goes to every site of the entry's municipality, whose kiosks delete their copy. What the
 * report's past counts need stays in `forgotten`, without nickname or linkage key (a random
 * person id instead). *sites: how many sites get it. OK, UNKNOWN, or DB. */
ank_cs_rc ank_cstore_user_delete(ank_cstore *cs, const char *id, int64_t now, int *sites,
                                 ank_err *err);
ank_cs_rc ank_cstore_user_quarantine(ank_cstore *cs, const char *id, const char *staff_site,
                                     int64_t until_ms, int64_t now, int *sites, ank_err *err);

/* ---- staff commands and records ---- */

typedef struct ank_command {
	long long id;
	char site[ANK_CS_ID_MAX + 1];
	char type[24];                   /* a staff command code of docs/operations.md */
	long long ticket;                /* 0 when not given */
	char station[ANK_CS_ID_MAX + 1]; /* "" when not given */
	char route[8];                   /* "" when not given */
	char state[8];                   /* sent, applied, refused */
	char reason[256];                /* why the kiosk refused; "" otherwise */
	long long result_ticket;         /* the ticket an applied command acted on; 0 if none */
	int64_t created_ms, done_ms;
} ank_command;

/* Stores a command (validated by the caller) in state sent and appends its command change
 * for c->site; writes the new id into c->id and returns it, or -1. */
long long ank_cstore_command_add(ank_cstore *cs, ank_command *c, long long account, int64_t now,
                                 ank_err *err);
/* Command `id` of `site`: OK, UNKNOWN (also another site's), or DB. */
ank_cs_rc ank_cstore_command_get(ank_cstore *cs, const char *site, long long id, ank_command *out,
                                 ank_err *err);
/* A staff record's typed fields, which the report counts (the body keeps all of them). */
typedef struct ank_record {
	const char *kind; /* overdose, referral, incident or rejection */
	const char *code; /* an overdose's outcome, a referral's type, a rejection's reason; NULL
	                     for an incident */
	bool naloxone, oxygen, ambulance; /* an overdose's treatment */
} ank_record;

/* Stores a staff record of `site` at at_ms: its typed fields and its body (a validated JSON
 * object of the same record). Returns its id or -1. */
long long ank_cstore_record_add(ank_cstore *cs, const char *site, const ank_record *rec,
                                const char *body_json, int64_t at_ms, long long account,
                                int64_t now, ank_err *err);

/* The site's queue as its kiosks last reported it (docs/api.md "The queue"), read from the
 * read model; the staff route renders it as JSON. */
typedef struct ank_qv_kiosk {
	char kiosk[ANK_CS_ID_MAX + 1];
	int64_t last_seen_ms; /* 0 when never seen */
	bool online, frozen;
	/* The kiosk's clock is wrong now: its newest event was out of time (proto.h "Event
	 * times"); clock_skew_ms is that event's kiosk time minus central's time of receipt
	 * (ahead > 0). */
	bool skewed;
	int64_t clock_skew_ms;
	long long out_of_time; /* its stored events that were out of time, ever */
	/* Events the kiosk had not yet sent when it last asked for changes (in memory: a
	 * restart of central forgets it until the kiosk's next poll). */
	bool has_unsent;
	long long unsent;
	/* Its receipt printer as it last said (in memory, like unsent); "" when it said none. */
	char printer[ANK_PRINTER_STATE_MAX + 1];
} ank_qv_kiosk;

typedef struct ank_qv_station {
	char kiosk[ANK_CS_ID_MAX + 1], station[ANK_CS_ID_MAX + 1], state[16];
	int64_t since_ms;
} ank_qv_station;

typedef struct ank_qv_ticket {
	char kiosk[ANK_CS_ID_MAX + 1];
	long long ticket;
	char label[ANK_CS_ID_MAX + 1], day[ANK_CS_ID_MAX + 1], route[ANK_CS_ID_MAX + 1],
	        substance[ANK_CS_ID_MAX + 1], state[ANK_CS_ID_MAX + 1];
	char station[ANK_CS_ID_MAX + 1]; /* "" when none */
	bool assisted;
	int64_t since_ms;
} ank_qv_ticket;

/* The newest acknowledgement of a ticket's session timer (warn or alarm). */
typedef struct ank_qv_ack {
	char kiosk[ANK_CS_ID_MAX + 1], station[ANK_CS_ID_MAX + 1];
	long long ticket;
	char level[8]; /* "warn", "alarm" */
	char by[ANK_CS_ID_MAX + 1];
	int64_t at_ms;
} ank_qv_ack;

/* An open help request of a kiosk ("call staff"): not closed at the kiosk, not taken in the
 * console, younger than ANK_HELP_OPEN_MS. */
typedef struct ank_qv_help {
	char kiosk[ANK_CS_ID_MAX + 1];
	long long id; /* the kiosk's id of the request */
	int64_t asked_ms;
} ank_qv_help;

typedef struct ank_queue_view {
	bool frozen; /* any kiosk of the site */
	/* The site's revision when the view was read (ank_cstore_site_rev). */
	long long rev;
	/* The newest site config's console part as compact JSON (name, timezone, warn_min,
	 * alarm_min, languages, alert), malloc'd and owned by the view; NULL before any. */
	char *site_info;
	int n_acks;
	ank_qv_ack *acks; /* of the site's open tickets, newest per ticket; owned by the view */
	int n_help;
	ank_qv_help *help; /* the open help requests, oldest first; owned by the view */
	/* The newest answer of the site's kiosks to a site config; state "" when none. */
	struct {
		char kiosk[ANK_CS_ID_MAX + 1];
		char state[16];   /* applied, refused */
		long long change; /* 0 when not given */
		char reason[256]; /* "" unless refused */
		int64_t since_ms;
	} config;
	int n_kiosks, n_stations, n_tickets;
	ank_qv_kiosk *kiosks; /* malloc'd arrays, owned by the view */
	ank_qv_station *stations;
	ank_qv_ticket *tickets; /* in kiosk and ticket order */
} ank_queue_view;

/* Fills *out (free with ank_queue_view_free, also after a failure). 0 or -1 with err. */
int ank_cstore_queue_view(ank_cstore *cs, const char *site, int64_t now, ank_queue_view *out,
                          ank_err *err);
void ank_queue_view_free(ank_queue_view *v);

/* ---- the console's live view and its records ---- */

/* A site's revision: it changes (grows) whenever the site's queue view may have changed, an
 * event of its kiosks stored, a command made, an alarm acknowledged. In memory; it starts
 * from the clock when the store opens, so a revision from before a restart never matches.
 * Thread-safe. */
long long ank_cstore_site_rev(ank_cstore *cs, const char *site);
/* Moves the site's revision on and tells the hook (below). Thread-safe, any lock held. */
void ank_cstore_site_touch(ank_cstore *cs, const char *site);
/* fn(ctx) after each revision change (long-polls of the console are woken by it); it must
 * only take note. */
void ank_cstore_on_rev(ank_cstore *cs, void (*fn)(void *ctx), void *ctx);
/* Notes the number of events a kiosk has not yet sent (from its change poll); in memory. */
void ank_cstore_kiosk_unsent(ank_cstore *cs, const char *kiosk, long long n);
/* Notes a kiosk's printer state (ANK_PRINTER_STATE_MAX, a slug; from its change poll); in
 * memory. A change moves the site's revision on (the console shows it). */
void ank_cstore_kiosk_printer(ank_cstore *cs, const char *kiosk, const char *state);

/* Acknowledges the session timer of `ticket` on `station` of kiosk (of site) at `level`
 * ("warn" or "alarm") by the account name `by`. *id gets the acknowledgement's id. OK,
 * UNKNOWN when the kiosk is not of the site or the station not the kiosk's, or DB. */
ank_cs_rc ank_cstore_alarm_ack(ank_cstore *cs, const char *site, const char *kiosk,
                               const char *station, long long ticket, const char *level,
                               const char *by, int64_t now, long long *id, ank_err *err);

/* Staff account `by` takes help request `id` of kiosk (of site) in the console at now: it
 * leaves the queue view. Taking one already taken changes nothing. OK (*by_out and *at_out,
 * may be NULL, get who took it first and when; *created whether this call did), UNKNOWN when
 * the site's kiosks reported no such request, or DB. */
ank_cs_rc ank_cstore_help_ack(ank_cstore *cs, const char *site, const char *kiosk, long long id,
                              const char *by, int64_t now, bool *created,
                              char by_out[ANK_CS_ID_MAX + 1], int64_t *at_out, ank_err *err);

/* At most this many users in one answer of ank_cstore_users_find. */
#define ANK_USERS_FIND_MAX 20
/* The users whose folded nickname starts a word with the folded `query` (or equals it when
 * exact), among those registered at a site of staff_site's municipality (all users when
 * staff_site is NULL: an admin), in nickname order: at most ANK_USERS_FIND_MAX into out,
 * *n of them, *more when there were others. OK, UNKNOWN staff_site, or DB. */
ank_cs_rc ank_cstore_users_find(ank_cstore *cs, const char *staff_site, const char *query,
                                bool exact, ank_cuser out[ANK_USERS_FIND_MAX], int *n, bool *more,
                                ank_err *err);

/* ---- ticket keys and the ticket check (cstore_ticket.c) ---- */

/* The ticket key of `site` (docs/formats.md "Ticket QR reference"), made when it has none,
 * together with the ticket.key change that gives it to every kiosk of the site. OK (key
 * filled), UNKNOWN site, or DB/FULL/BUSY. The key is secret: never log or show it. */
ank_cs_rc ank_cstore_site_key(ank_cstore *cs, const char *site, int64_t now,
                              unsigned char key[ANK_TICKETREF_KEY_BYTES], ank_err *err);
/* Gives every site without a ticket key one, with its change, in one transaction (a
 * central.db from before site keys; `serve` runs it at start). *made counts them. 0 or -1. */
int ank_cstore_site_keys_ensure(ank_cstore *cs, int64_t now, int *made, ank_err *err);

/* What the ticket check found (docs/api.md "Ticket check"). */
typedef struct ank_cs_ticket_check {
	ank_tcheck verdict;
	bool found;           /* ticket is filled: the read model holds the reference's ticket */
	ank_qv_ticket ticket; /* kiosk, ticket, label, day, route, state, station */
	/* The site's current service day: the day of its kiosks' newest ticket ("" when
	 * none), what the kiosks report; a ticket of any other day is other_day. */
	char current_day[11];
} ank_cs_ticket_check;
/* Checks a ticket reference for `site`: format, the MAC with the key of the reference's
 * site (a genuine ticket of another site is other_site), the current service day, then the
 * ticket's state in the read model. OK with *out filled, or DB/FULL/BUSY (err). */
ank_cs_rc ank_cstore_ticket_check(ank_cstore *cs, const char *site, const char *ref, int64_t now,
                                  ank_cs_ticket_check *out, ank_err *err);

/* ---- the waiting-room display (cstore_display.c) ---- */

/* Earlier calls a display shows: six fit in large type beside the current ones. */
#define ANK_DISPLAY_RECENT 6
/* A call older than this is not shown, even of the kiosk's newest service day: a screen
 * switched on in the morning shows no label of last night's. */
#define ANK_DISPLAY_RECENT_MAX_AGE_MS (12LL * 3600 * 1000)
/* Languages and alert texts taken from a site config, as the kiosk allows them
 * (ANK_MAX_ALERT_LANGS); more are left out. */
#define ANK_DISPLAY_LANGS_MAX 12
/* An alert text in bytes: the kiosk's config allows 127; a longer one is left out whole,
 * never cut in the middle of a warning. */
#define ANK_DISPLAY_ALERT_MAX 511

/* Makes a new display key for `site` into key (64 hex digits, shown once; only its hash
 * is kept). A site may have several (one per screen). OK, UNKNOWN site (err says so), or
 * DB. */
ank_cs_rc ank_cstore_display_key_new(ank_cstore *cs, const char *site, int64_t now,
                                     char key[ANK_TOKEN_HEX + 1], ank_err *err);
/* Removes every display key of `site`; *n says how many. OK, UNKNOWN site, or DB. */
ank_cs_rc ank_cstore_display_key_revoke(ank_cstore *cs, const char *site, int *n, ank_err *err);
/* The site a display key belongs to, on the read connection: OK, UNKNOWN key (err not
 * set), or DB. */
ank_cs_rc ank_cstore_display_auth(ank_cstore *cs, const char *key, char site[ANK_CS_ID_MAX + 1],
                                  ank_err *err);

/* Tickets called at once that a display lists: the kiosk's most stations
 * (ANK_MAX_STATIONS). */
#define ANK_DISPLAY_CALLING_MAX 64

/* One call as a display shows it: a ticket label and its station, nothing of the user. */
typedef struct ank_display_call {
	char label[ANK_CS_ID_MAX + 1], station[ANK_CS_ID_MAX + 1];
	int64_t at_ms; /* when it was called, kiosk time */
} ank_display_call;

/* What a waiting-room display shows of a site. A kiosk's current service day is that of its
 * newest ticket (ticket ids grow); calls of an earlier day, or older than
 * ANK_DISPLAY_RECENT_MAX_AGE_MS, are not shown, so no stale call of last night is. */
typedef struct ank_display_view {
	long long rev; /* the site's revision (ank_cstore_site_rev) when it was read */
	bool frozen;   /* any kiosk of the site (as the queue view) */
	int n_calling;
	ank_display_call calling[ANK_DISPLAY_CALLING_MAX]; /* tickets called now, newest first */
	int n_recent;
	ank_display_call recent[ANK_DISPLAY_RECENT]; /* called, in session or done; newest first */
	char name[ANK_CS_SITE_NAME_MAX + 1];         /* the config's name, else the site's own */
	int n_languages;
	char languages[ANK_DISPLAY_LANGS_MAX][4]; /* ISO 639 codes, the default first */
	char alert_severity[16];                  /* "warning" or "danger" (ank_vocab.h) */
	int n_alerts;
	struct {
		char lang[4];
		char text[ANK_DISPLAY_ALERT_MAX + 1];
	} alerts[ANK_DISPLAY_LANGS_MAX];
} ank_display_view;

/* Fills *out for `site` (nothing to free) from the read model (visits, and the site_info of
 * the newest site config of its kiosks) on the read connection: a screen keeps answering
 * while the writer waits. 0, or -1 with err. */
int ank_cstore_display_view(ank_cstore *cs, const char *site, int64_t now, ank_display_view *out,
                            ank_err *err);

/* The first and last day of a report period: quarter "2026Q3" or year "2026" (quarter
 * wins when both are given) into from and to ("YYYY-MM-DD"). 0, or -1 with err. */
int ank_report_period(const char *quarter, const char *year, char from[11], char to[11],
                      ank_err *err);
/* The report of docs/operations.md over days from..to (YYYY-MM-DD, inclusive, each site's
 * local days in the time zone its kiosks' config names; NULL for no bound), per site, per
 * municipality and in total: a malloc'd JSON text the caller frees, or NULL with err. */
char *ank_cstore_report(ank_cstore *cs, const char *from, const char *to, int64_t now,
                        ank_err *err);
/* The report's raw data over the same span as CSV (docs/report.md "Raw data"): a comment
 * line marking it confidential, a header, one row per intake (site, local date and hour,
 * ISO week, weekday, route, substance, age group, gender, home municipality, linkage key or
 * empty); never a nickname or user id. Malloc'd, the caller frees; NULL with err, also when
 * it would pass ANK_REPORT_CSV_MAX bytes (it is never cut short). */
/* About 2 million rows of ~120 bytes: years of every site's intakes, held in memory once. */
#define ANK_REPORT_CSV_MAX (256 << 20)
char *ank_cstore_report_csv(ank_cstore *cs, const char *from, const char *to, int64_t now,
                            ank_err *err);

/* ---- the administrators' console (cstore_admin.c) ---- */

/* Notes the program version a kiosk reports with its change poll (in memory; the next
 * ank_cstore_seen_flush keeps it in kiosk.version). The caller checked its form. */
void ank_cstore_kiosk_version(ank_cstore *cs, const char *kiosk, const char *version);
/* True when this process revoked the kiosk (a long-poll it still holds ends with 401). */
bool ank_cstore_kiosk_revoked(ank_cstore *cs, const char *kiosk);

/* Every site by id into *out (malloc'd, the caller frees), *n of them. 0, or -1 with err. */
int ank_cstore_sites_list(ank_cstore *cs, ank_site **out, int *n, ank_err *err);

/* One kiosk as the admin console lists it. */
typedef struct ank_kiosk_info {
	char id[ANK_CS_ID_MAX + 1], site[ANK_CS_ID_MAX + 1];
	char version[ANK_VERSION_MAX + 1]; /* the program version it last reported; "" none */
	int64_t paired_ms, last_seen_ms, revoked_ms; /* 0 when never seen / not revoked */
	int64_t last_event_ms;                       /* when central stored its newest event */
	long long acked;                             /* the highest seq central holds */
	bool online;
	bool skewed; /* its newest event was out of time: clock_skew_ms is that event's skew */
	int64_t clock_skew_ms;
	bool has_unsent; /* it said how many events it has not sent yet (unsent) */
	long long unsent;
} ank_kiosk_info;
/* Every kiosk ever paired, by site and id, into *out (malloc'd, the caller frees), *n of
 * them. 0, or -1 with err. */
int ank_cstore_kiosks_list(ank_cstore *cs, int64_t now, ank_kiosk_info **out, int *n, ank_err *err);
/* Revokes a kiosk: its token stops working at once (the next push or poll gets 401, a
 * long-poll it holds is answered 401 when the HTTP layer wakes it). *site gets its site. OK,
 * UNKNOWN kiosk, EXISTS when it was revoked already, or DB. */
ank_cs_rc ank_cstore_kiosk_revoke(ank_cstore *cs, const char *kiosk, int64_t now,
                                  char site[ANK_CS_ID_MAX + 1], ank_err *err);

/* One account as the admin console lists it. */
typedef struct ank_account_info {
	ank_account a;
	int64_t created_ms, disabled_ms; /* disabled_ms 0 when enabled */
} ank_account_info;
/* Every account by name into *out (malloc'd, the caller frees), *n of them. 0 or -1. */
int ank_cstore_accounts_list(ank_cstore *cs, ank_account_info **out, int *n, ank_err *err);
/* Disables (its sessions end in the same transaction: the next request gets 401) or enables
 * an account. An admin cannot disable themself: self_id is the caller's account id (0: the
 * command line). OK, UNKNOWN name, FORBIDDEN (self), or DB. */
ank_cs_rc ank_cstore_account_disable(ank_cstore *cs, const char *name, bool disabled,
                                     long long self_id, int64_t now, ank_err *err);
/* Changes an account's role and site (an admin has none, a staff member an existing one).
 * Its sessions end, so that no page keeps the old rights. OK, UNKNOWN name, INVALID (err
 * says what), FORBIDDEN (an admin taking their own admin role), or DB. */
ank_cs_rc ank_cstore_account_role(ank_cstore *cs, const char *name, bool admin, const char *site,
                                  long long self_id, ank_err *err);
/* Sets a new password (checked like ank_cstore_account_add's) and ends the account's
 * sessions. OK, UNKNOWN name, INVALID, or DB. */
ank_cs_rc ank_cstore_account_password(ank_cstore *cs, const char *name, const char *password,
                                      ank_err *err);

/* The audit log: every staff and admin action through central's API and every kiosk PIN
 * action, append-only and hash-chained (docs/operations.md "The audit log"). */
#define ANK_AUDIT_OBJECT_MAX 127
#define ANK_AUDIT_RESULT_MAX 31
#define ANK_AUDIT_ACTION_MAX 47
/* The most rows one listing returns. */
#define ANK_AUDIT_LIST_MAX 500
/* The actor of a kiosk staff-mode action: the PIN is the site's, not a person's. */
#define ANK_AUDIT_KIOSK_PIN "kiosk PIN"
/* The role of such a row (beside admin and staff). */
#define ANK_AUDIT_ROLE_KIOSK "kiosk"
typedef struct ank_audit_entry {
	long long id; /* assigned when stored */
	int64_t at_ms;
	char actor[ANK_CS_ID_MAX + 1]; /* an account name, ANK_AUDIT_KIOSK_PIN, or a name typed */
	char role[8];                  /* admin, staff, kiosk, or "" (not logged in) */
	char addr[48];                 /* the client's address, or the kiosk's id for a PIN */
	char action[ANK_AUDIT_ACTION_MAX + 1];
	char object[ANK_AUDIT_OBJECT_MAX + 1];
	char result[ANK_AUDIT_RESULT_MAX + 1];
	char hash[65];
} ank_audit_entry;
/* Appends e (e->id and e->hash are set). 0, or -1 with err. */
int ank_cstore_audit_add(ank_cstore *cs, ank_audit_entry *e, ank_err *err);
/* What a listing selects: NULL or "" and 0 for no bound. */
typedef struct ank_audit_filter {
	const char *actor, *action;
	int64_t from_ms, to_ms; /* at_ms in [from_ms, to_ms) */
	int limit;              /* 1..ANK_AUDIT_LIST_MAX */
} ank_audit_filter;
/* Matching rows, newest first, into *out (malloc'd, the caller frees), *n of them. 0/-1. */
int ank_cstore_audit_list(ank_cstore *cs, const ank_audit_filter *f, ank_audit_entry **out, int *n,
                          ank_err *err);
/* Walks the whole chain: 0 when every row's hash covers its fields and the previous row's
 * hash and ids run without a gap (*rows counts them); 1 when a row is broken (*bad_id is the
 * first, why[n] says what); -1 with err when it cannot be read. */
int ank_cstore_audit_verify(ank_cstore *cs, long long *rows, long long *bad_id, char *why, size_t n,
                            ank_err *err);

/* Counters for /metrics. */
typedef struct ank_cstore_stats {
	long long events;
	int kiosks;
	int online;            /* seen in the last 2 minutes */
	long long out_of_time; /* stored events left out of the read model for their time */
} ank_cstore_stats;
int ank_cstore_stats_get(ank_cstore *cs, int64_t now, ank_cstore_stats *st, char *per_kiosk,
                         size_t n);
/* Prometheus lines `ankomst_events_unknown_total{type="..."} N`, one per unknown event type
 * stored, into buf (cut at n; "" when none). Types are [a-z._] by the protocol's rule. */
void ank_cstore_unknown_events(ank_cstore *cs, char *buf, size_t n);

#endif
