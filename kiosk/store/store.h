/* The kiosk's site database (site.db): site config, stations, the registry replica,
 * tickets, refusals, the outbox of events for central, and the sync cursor. The queue
 * rules live in kiosk/queue; this module only reads and writes rows. */
#ifndef ANK_STORE_H
#define ANK_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ank_err.h"
#include "ank_siteconf.h"
#include "ank_ticketref.h"
#include "ank_vocab.h"
#include "wire.h"

/* "ANKS" in the database header says the file is a kiosk site database. */
#define ANK_STORE_APP_ID 0x414e4b53

/* Limits, each with its reason (the site config's own are in ank_siteconf.h). */
#define ANK_NICK_MAX_CHARS     40   /* longest nickname a person would type on a kiosk */
#define ANK_NICK_MAX_BYTES     160  /* 40 code points of up to 4 bytes */
#define ANK_MAX_OPEN_TICKETS   1000 /* far beyond a real queue; bounds memory per command */
#define ANK_REGISTRY_MAX_BYTES (64L * 1024 * 1024) /* ~250,000 users of ~250 bytes */
/* SQLite's page cache per connection of the store (KiB; SQLite's default is 2,000 KiB): the
 * kiosk's peak RSS budget is 40 MiB, and the search's pages are in the OS's file cache
 * anyway (docs/benchmarks.md §3, "Start and memory"). */
#define ANK_STORE_CACHE_KIB 512
/* Most rows one prune deletes: a kiosk catching up after a long time keeps its lock short. */
#define ANK_OUTBOX_PRUNE_MAX 500

typedef struct ank_ticket {
	int64_t id;
	char day[11];   /* service day YYYY-MM-DD */
	int number;     /* per day and route, from 1 */
	char label[16]; /* "I-014" */
	char user_id[ANK_ID_MAX + 1];
	char helper_id[ANK_ID_MAX + 1]; /* empty unless assisted */
	bool women;                     /* the user may use women-only stations */
	ank_route route;
	char substance[24];
	ank_ticket_state state;
	char station_id[ANK_ID_MAX + 1]; /* empty when none */
	int64_t queue_key;               /* FIFO order; kept on requeue and transfer */
	int64_t created_ms, called_ms, started_ms, ended_ms, recalled_ms;
} ank_ticket;

typedef struct ank_user {
	char id[ANK_ID_MAX + 1];
	char nickname[ANK_NICK_MAX_BYTES + 1];
	int birth_year;
	char gender[16];
	char municipality[16];
	char consent_version[32]; /* empty: no first-aid consent signed */
	int64_t consent_ms;
	char language[16];           /* preferred UI language, may be empty */
	int64_t quarantine_until_ms; /* 0 when not quarantined */
} ank_user;

typedef struct ank_match {
	char user_id[ANK_ID_MAX + 1];
	char nickname[ANK_NICK_MAX_BYTES + 1];
	int birth_year;
	int same_name; /* users sharing this nickname; above 1 the UI asks for birth year */
} ank_match;

typedef struct ank_store ank_store;

/* The outcome of a store call that can end in more than success or failure. Calls that
 * return int give 0 or -1 with err; these give one of these, with err set unless OK. */
typedef enum ank_store_rc {
	ANK_STORE_OK = 0,
	ANK_STORE_UNKNOWN, /* no such row (station, ticket, user), or no config applied yet */
	ANK_STORE_REFUSED, /* the change does not fit the rows as they are (a busy station) */
	ANK_STORE_DB,      /* the database or memory failed: err says how; try again later */
} ank_store_rc;
/* A stable lowercase name of rc ("ok", "unknown", ...), for logs; never NULL. */
const char *ank_store_strerror(ank_store_rc rc);

/* Opens or creates site.db and migrates it. *out is owned by the caller and freed with
 * ank_store_close. The first open gives the kiosk a random id that never changes. */
int ank_store_open(const char *path, ank_store **out, ank_err *err);
void ank_store_close(ank_store *st);
const char *ank_store_kiosk_id(const ank_store *st);

/* The SQLite result code (SQLITE_FULL, SQLITE_BUSY, ...; extended codes included) of this
 * connection's last failed call since the last take, 0 when none; taking it clears it. A
 * store call that failed for a reason of its own (a payload refused) leaves it as it was,
 * so take it before the call whose failure you want to explain. */
int ank_store_take_error(ank_store *st);
/* SQLite's words for a code ("database or disk is full"); never NULL. */
const char *ank_store_error_text(int code);
/* True when a code says the file or its disk cannot be written or read as it should (full,
 * I/O error, read-only, cannot open, corrupt, not a database): no write will work until a
 * person or free space changes that. Busy, locked and constraint codes are not. */
bool ank_store_error_is_storage(int code);
/* One small write in its own transaction (meta "write_probe" = now_ms): does the database
 * take writes again? 0, or -1 with err (and the store's last error set). */
int ank_store_probe_write(ank_store *st, int64_t now_ms, ank_err *err);
/* Opens path read-only without writing or locking anything (SQLite's immutable mode: the
 * WAL is not read, so a config applied since the last checkpoint is missed) and reads the
 * site config: for a kiosk that cannot open its database normally (full disk) and still
 * needs the staff PIN. ANK_STORE_OK, ANK_STORE_UNKNOWN (no config), ANK_STORE_DB. */
ank_store_rc ank_store_config_peek(const char *path, ank_site_config *cfg, ank_err *err);

/* Transactions: every state change of the queue is one BEGIN IMMEDIATE..COMMIT that
 * also holds its outbox events. */
int ank_store_begin(ank_store *st, ank_err *err);
int ank_store_commit(ank_store *st, ank_err *err);
void ank_store_rollback(ank_store *st);

/* Appends an event with the next per-kiosk sequence number. Takes ownership of
 * `payload` (decref'd here, also on failure). The payload must fit the type's fields
 * (ank_wire_event_read), else nothing is written and -1 returned. Must run inside a
 * transaction. */
int ank_store_outbox_append(ank_store *st, ank_ev type, int64_t now_ms, json_t *payload,
                            ank_err *err);
/* Highest sequence written so far (0 when none), also when pruning removed that row. */
int64_t ank_store_outbox_last_seq(ank_store *st);
/* One outbox row as ank_store_outbox_read hands it over. The strings are borrowed from
 * the store and valid only during the callback: copy what you keep. */
typedef struct ank_outbox_row {
	int64_t seq;
	const char *event_id; /* 32 lowercase hex */
	const char *type;     /* the wire name of an ank_ev (ank_ev_from_name) */
	int64_t kiosk_ms;     /* when the kiosk wrote it */
	const char *payload;  /* canonical JSON (compact, keys sorted) */
} ank_outbox_row;
/* Called for each row: 0 goes on; non-zero stops the read, which then fails (set err). */
typedef int (*ank_store_outbox_fn)(void *ctx, const ank_outbox_row *row, ank_err *err);
/* Hands the rows with seq above `after_seq` to fn in sequence order, at most `max` of
 * them (0 or less: all). Filtering by type is fn's business, so that a reader can move
 * its position past every row it saw. fn may call the store (other statements). 0, or
 * -1 when reading failed or fn stopped it (err set). */
int ank_store_outbox_read(ank_store *st, int64_t after_seq, int max, ank_store_outbox_fn fn,
                          void *ctx, ank_err *err);

/* Central acknowledged holding every event up to `seq` at now_ms. Remembered for pruning;
 * an acknowledgement below an earlier one (central restored from an older backup) makes
 * the rows above it unacknowledged again. Its own transaction. 0 or -1 with err. */
int ank_store_outbox_acked(ank_store *st, int64_t seq, int64_t now_ms, ank_err *err);
/* Deletes the oldest outbox rows that central acknowledged at or before now_ms -
 * retention_ms, at most `max` of them (bounded work: call it again later for more); never
 * a row central has not acknowledged. *deleted (may be NULL) gets how many went. Its own
 * transaction. 0 or -1 with err. */
/* Deletes the kiosk's history older than retention_ms before now: tickets that are finished
 * (done, no-show, cancelled) and were issued before it, and refusals; at most `max` rows of
 * each a call, so a long-offline kiosk never holds the lock long. *tickets and *refusals
 * (may be NULL) say how many went. 0 or -1 with err. */
int ank_store_history_prune(ank_store *st, int64_t now_ms, int64_t retention_ms, int max,
                            int *tickets, int *refusals, ank_err *err);
int ank_store_outbox_prune(ank_store *st, int64_t now_ms, int64_t retention_ms, int max,
                           int *deleted, ank_err *err);
/* Number of rows in the outbox (pruned ones are gone). */
int ank_store_outbox_count(ank_store *st, int64_t *n, ank_err *err);

/* The sync cursor of central's change feed. */
int ank_store_cursor_get(ank_store *st, int64_t *cursor, ank_err *err);
int ank_store_cursor_set(ank_store *st, int64_t cursor, ank_err *err);
/* A named integer in meta (0 when never set), e.g. the sync client's "sync_acked". */
int ank_store_counter_get(ank_store *st, const char *key, int64_t *value, ank_err *err);
int ank_store_counter_set(ank_store *st, const char *key, int64_t value, ank_err *err);

/* The site's key for ticket QR references (docs/formats.md, "Ticket QR reference"):
 * 32 bytes kept as hex in meta "ticket_key": central's site key once a ticket.key change
 * brought it, before that (or never paired) random bytes made here on first use. Two processes
 * making it at once end with the same key. Outside a transaction it takes its own; inside
 * one of ours, the caller's commit keeps a new key. Copies the key into `key`. */
int ank_store_ticket_key(ank_store *st, unsigned char key[ANK_TICKETREF_KEY_BYTES], ank_err *err);
/* Replaces the ticket key with the site's key from central (the ticket.key change): from
 * then on this kiosk makes and checks references with it, like every kiosk of the site.
 * Inside the caller's transaction when there is one. 0 or -1. */
int ank_store_ticket_key_set(ank_store *st, const unsigned char key[ANK_TICKETREF_KEY_BYTES],
                             ank_err *err);

/* Site config: ANK_STORE_UNKNOWN when none has been applied yet (err not set). */
ank_store_rc ank_store_config_get(ank_store *st, ank_site_config *cfg, ank_err *err);
/* Parsing and checking a config: ank_config_parse_ini and friends (ank_siteconf.h). */
/* Replaces the config and upserts the stations in one transaction with an event.
 * Stations missing from the new list are closed and retired if idle; a busy one makes
 * the whole apply fail with nothing written: ANK_STORE_REFUSED (err says which station),
 * or ANK_STORE_DB when the database failed; nothing is written unless ANK_STORE_OK. */
ank_store_rc ank_store_config_apply(ank_store *st, const ank_site_config *cfg,
                                    const ank_station *stations, int n, int64_t now_ms,
                                    ank_err *err);
/* Runs inside a transaction of ours once its writes succeeded, before the commit; non-zero
 * rolls everything back. The sync client records a change from central as applied here,
 * with its feed cursor, so that a crash applies both or neither. */
typedef int (*ank_store_in_tx)(void *ctx, ank_store *st, ank_err *err);
/* ank_store_config_apply with an optional hook (NULL: none); a failing hook gives
 * ANK_STORE_DB. */
ank_store_rc ank_store_config_apply_tx(ank_store *st, const ank_site_config *cfg,
                                       const ank_station *stations, int n, int64_t now_ms,
                                       ank_store_in_tx in_tx, void *in_tx_ctx, ank_err *err);

/* Stations, in display order. Row getters (`_get`, `_open_for_user`) give ANK_STORE_OK
 * found, ANK_STORE_UNKNOWN not found (err not set), ANK_STORE_DB. */
int ank_store_stations(ank_store *st, ank_station *out, int max, int *n, ank_err *err);
ank_store_rc ank_store_station_get(ank_store *st, const char *id, ank_station *out, ank_err *err);
int ank_store_station_update(ank_store *st, const ank_station *s, ank_err *err);

/* Tickets. */
ank_store_rc ank_store_ticket_get(ank_store *st, int64_t id, ank_ticket *out, ank_err *err);
/* The newest ticket with this label ("I-014"; labels restart every day), in any state. */
ank_store_rc ank_store_ticket_by_label(ank_store *st, const char *label, ank_ticket *out,
                                       ank_err *err);
int ank_store_ticket_insert(ank_store *st, ank_ticket *t, ank_err *err); /* sets t->id */
int ank_store_ticket_update(ank_store *st, const ank_ticket *t, ank_err *err);
/* Waiting, called and in-session tickets in queue order (queue_key, then id). */
int ank_store_tickets_open(ank_store *st, ank_ticket *out, int max, int *n, ank_err *err);
/* Number of waiting, called and in-session tickets. */
/* The no-show tickets of service day `day`, newest first; *n capped at max. */
int ank_store_tickets_no_show(ank_store *st, const char *day, ank_ticket *out, int max, int *n,
                              ank_err *err);
int ank_store_tickets_open_count(ank_store *st, int *n, ank_err *err);
/* Tickets held for the printer (pending_print) created before created_before, oldest first;
 * *n capped at max. */
int ank_store_tickets_pending(ank_store *st, int64_t created_before, ank_ticket *out, int max,
                              int *n, ank_err *err);
ank_store_rc ank_store_ticket_open_for_user(ank_store *st, const char *user_id, ank_ticket *out,
                                            ank_err *err);
/* Next daily number for (day, route), counting from 1; history stays in the table. */
int ank_store_next_number(ank_store *st, const char *day, ank_route r, int *num, ank_err *err);
/* Mean length of the last `limit` finished sessions on route r; *n = how many. */
int ank_store_session_mean(ank_store *st, ank_route r, int limit, int64_t *mean_ms, int *n,
                           ank_err *err);

/* Emergency freeze flag. */
int ank_store_frozen_get(ank_store *st, bool *frozen, ank_err *err);
int ank_store_frozen_set(ank_store *st, bool frozen, int64_t now_ms, ank_err *err);

/* Check-in refusals, kept locally for the staff view (reported via the outbox too).
 * substance and route are NULL for a refusal before they were chosen (stored as NULL). */
int ank_store_refusal_insert(ank_store *st, int64_t now_ms, const char *reason, const char *user_id,
                             const char *substance, const char *route, ank_err *err);

/* Help requests: a user who finds no name taps "call staff" on the nickname screen. A row
 * holds only when it was asked and when staff closed it; no name, nothing typed. */
typedef struct ank_help {
	int64_t id; /* per kiosk, from 1; the `id` of the help.* events */
	int64_t asked_ms;
} ank_help;
/* A new open request asked at now_ms; *id gets its id. Inside the caller's transaction. */
int ank_store_help_insert(ank_store *st, int64_t now_ms, int64_t *id, ank_err *err);
/* The open requests asked at or after since_ms, oldest first; *n capped at max. */
int ank_store_help_open(ank_store *st, int64_t since_ms, ank_help *out, int max, int *n,
                        ank_err *err);
/* Closes open request id at now_ms: OK, UNKNOWN (no such open request), DB. Inside the
 * caller's transaction. */
ank_store_rc ank_store_help_answer(ank_store *st, int64_t id, int64_t now_ms, ank_err *err);

/* Registry replica. */
ank_store_rc ank_store_user_get(ank_store *st, const char *id, ank_user *out, ank_err *err);
/* Validates every field (limits above, vocabulary codes, UTF-8). Inside a transaction. */
int ank_store_user_upsert(ank_store *st, const ank_user *u, ank_err *err);
/* Removes user `id` from the registry replica (central's "delete this user"), with its
 * search keys; SQLite's secure_delete overwrites the freed pages. The user's tickets keep
 * their random id only. A user not there is no error. 0 or -1 with err. */
int ank_store_user_delete(ank_store *st, const char *id, ank_err *err);
/* After a deletion is committed: empties the WAL, whose older frames still hold what was
 * deleted (a truncating checkpoint). Logs when a reader prevents it. */
void ank_store_forget_wal(ank_store *st);
/* One registry entry (docs/formats.md, "Registry import") into *u, validated like an
 * import; 0 or -1 with err naming the field. Also used for central's user.upsert. */
int ank_store_user_from_json(json_t *o, ank_user *u, ank_err *err);
/* Loads a registry JSON file (docs/formats.md) all or nothing, in one transaction. */
int ank_store_registry_import(ank_store *st, const char *path, int64_t now_ms, int *count,
                              ank_err *err);
/* Most matches one search can return, whatever `max` asks for. */
#define ANK_SEARCH_LIMIT 16
/* Typed letters from which a search with no prefix match offers names one edit away. */
#define ANK_SEARCH_NEAR_FROM 3
/* Most distinct one-edit key prefixes one search follows. */
#define ANK_SEARCH_NEAR_MAX 64

/* Case- and accent-insensitive prefix search on word starts. Fewer than two typed
 * characters give no match (privacy: no browsing the registry). One match per distinct
 * (folded) nickname, at most `max`: first the names whose first word starts with the
 * text, then those where only a later word does, each in key order. When nothing matches
 * by prefix and at least ANK_SEARCH_NEAR_FROM letters were typed, the names with a word
 * start within one edit (insert, delete, substitute, swap of neighbours) of the text, in
 * the same order. *more (may be NULL) is set when more names matched than were returned.
 * A match whose same_name is above 1 stands for all users of that name: list them with
 * ank_store_same_name. */
int ank_store_search(ank_store *st, const char *typed, ank_match *out, int max, int *n, bool *more,
                     ank_err *err);
/* Every user whose folded nickname equals that of `user_id`, by birth year then id;
 * for the "which birth year is yours" step. At most `max`. */
int ank_store_same_name(ank_store *st, const char *user_id, ank_match *out, int max, int *n,
                        ank_err *err);

#endif
