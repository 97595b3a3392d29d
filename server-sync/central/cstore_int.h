/* Private to central's store (cstore*.c): the store struct and the helpers its files share.
 * Nothing outside server-sync/central/cstore*.c includes this. */
#ifndef ANK_CSTORE_INT_H
#define ANK_CSTORE_INT_H

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>

#include "ank_db.h"
#include "ank_version.h"
#include "ank_zone.h"
#include "cstore.h"
#include "wire.h"

/* Failed logins in a row of one name or from one address, kept in memory: they guard a
 * running service against guessing now, and a restart, which forgets them, is an admin's
 * act; writing each failure would make a flood of guesses a flood of disk writes. */
typedef struct ank_cs_login_fail {
	char key[ANK_CS_ID_MAX + 1]; /* the name or address key; "" when the slot is free */
	int fails;
	int pending;               /* attempts being checked now */
	int64_t last_ms, until_ms; /* the last attempt; no check before until_ms */
} ank_cs_login_fail;

/* Names and addresses whose failures are remembered at once; the stalest is forgotten
 * first. Bounded, so a flood of new names or addresses costs no memory; forgetting a
 * waiting address takes this many other addresses trying since, and who has those has
 * their free tries anyway. */
#define ANK_CS_LOGIN_TRACKED      256
#define ANK_CS_LOGIN_ADDR_TRACKED 1024

/* One password check waiting for a slot, on its thread's stack while it waits. */
typedef struct ank_cs_hash_wait {
	struct ank_cs_hash_wait *next; /* the queue, in arrival order */
	char key[ANK_ADDR_KEY_MAX];    /* the address key it came from */
	long long round;               /* its turn (ank_cs_hash_queue_push) */
	bool granted;                  /* set by the thread that takes it out and lets it in */
} ank_cs_hash_wait;

/* The checks waiting for a password-hashing slot, let out fair by address: a check gets
 * round `round + 1`, or one more than the last waiting check of its address, and the lowest
 * round goes first, the earliest of equal rounds. So the n-th waiting check of an address
 * waits for the first n of every other: an address with 16 checks waiting gets one slot in
 * turn, and a staff member's check from another address is among the next ones let in;
 * within one address, first come first served. Plain data: the store guards it with mu. */
typedef struct ank_cs_hash_queue {
	ank_cs_hash_wait *head, *tail;
	int n;
	long long round; /* the round of the check taken out last */
} ank_cs_hash_queue;
/* Queues w (w->key set by the caller, w owned by it until taken out) and gives it a round. */
void ank_cs_hash_queue_push(ank_cs_hash_queue *q, ank_cs_hash_wait *w);
/* Takes out the check to let in next; NULL when none waits. */
ank_cs_hash_wait *ank_cs_hash_queue_pop(ank_cs_hash_queue *q);

/* The newest changes, kept in memory so that a woken long-poll is answered without SQL
 * (5,000 kiosks answered within 100 ms of a staff command). Every change with an id above
 * `floor` is here; older cursors read the table. */
#define ANK_CS_RING 1024
typedef struct ank_cs_ring_entry {
	long long id;
	bool all_sites; /* site NULL in the table: every site's */
	char site[ANK_CS_ID_MAX + 1];
	char type[ANK_PROTO_TYPE_MAX + 1];
	char *payload; /* malloc'd, owned by the ring */
} ank_cs_ring_entry;

/* When each kiosk was last seen, in memory: authentication only reads the database, so a
 * full disk or another process's write lock does not stop the read-only change feed;
 * ank_cstore_seen_flush writes the dirty entries in one transaction. */
typedef struct ank_cs_seen {
	char kiosk[ANK_CS_ID_MAX + 1];
	int64_t ms;
	bool dirty;
	char site[ANK_CS_ID_MAX + 1];
	bool has_unsent; /* the kiosk said how many events it has not sent yet */
	long long unsent;
	char version[ANK_VERSION_MAX + 1];       /* the program version it last reported; "" none */
	char printer[ANK_PRINTER_STATE_MAX + 1]; /* its printer's state (cstore_printer.c); "" */
	bool revoked;            /* revoked by this process: a long-poll it holds is answered 401 */
	long long texts_version; /* the screen texts' version it last reported; 0 none */
} ank_cs_seen;

/* A site's revision (ank_cstore_site_rev). */
typedef struct ank_cs_rev {
	char site[ANK_CS_ID_MAX + 1];
	long long rev;
} ank_cs_rev;

/* The audit log's guard against deletion (migration 13); the retention job lifts it for the
 * oldest rows only, inside its transaction, and puts it back. */
#define ANK_AUDIT_NO_DELETE_TRIGGER                                                                \
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"                                    \
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
/* The action of the audit row the retention job writes after it deleted the oldest rows; its
 * object is the anchor ("through N HASH"): the last deleted row's id and hash, from which
 * audit-verify then starts, covered by the chain itself. */
#define ANK_AUDIT_RETENTION_ACTION "audit_retention"

/* Time zones opened so far (sites rarely use more than one), guarded by mu. */
#define ANK_CS_ZONES 8

struct ank_cstore {
	char path[4096];
	sqlite3 *db;
	ank_db_stmts stmts; /* prepared statements, guarded by mu like the connection */
	pthread_mutex_t mu;
	ank_zone *zones[ANK_CS_ZONES];
	int n_zones;
	/* A second connection, read-only, for what must keep answering while the writer waits
	 * on a lock or the disk is full: token checks, the change feed's catch-up. */
	sqlite3 *rdb;
	ank_db_stmts rstmts; /* guarded by rmu */
	pthread_mutex_t rmu;
	bool closing; /* shutting down */
	/* The change ring, guarded by ring_mu (taken inside mu or rmu, never the other way). */
	pthread_mutex_t ring_mu;
	ank_cs_ring_entry ring[ANK_CS_RING];
	int ring_head, ring_n; /* oldest entry, entries held */
	long long ring_floor;  /* every change above this id is in the ring */
	long long ring_max;    /* the newest change id (0: none) */
	void (*on_change)(void *ctx, long long max_id); /* after a change is committed */
	void *on_change_ctx;
	/* Background checkpoints: the hook's callback, and the checkpointer's own connection
	 * (guarded by ckpt_mu). */
	void (*on_wal)(void *ctx);
	void *on_wal_ctx;
	pthread_mutex_t ckpt_mu;
	sqlite3 *ckpt_db;
	/* Kiosks' last-seen times, guarded by seen_mu. */
	pthread_mutex_t seen_mu;
	ank_cs_seen *seen;
	int n_seen, cap_seen;
	/* Sites' revisions, guarded by rev_mu (taken inside any other lock, never around one
	 * but the hook's). rev_clock is the last revision given to any site. */
	pthread_mutex_t rev_mu;
	ank_cs_rev *revs;
	int n_revs, cap_revs;
	long long rev_clock, rev_open; /* rev_open: the clock when the store opened */
	void (*on_rev)(void *ctx);
	void *on_rev_ctx;
	/* The database's state as the last write, probe or check found it, guarded by
	 * health_mu. Damage is sticky (a restart runs the check again); the rest clears when a
	 * write succeeds or the probe finds space again. */
	pthread_mutex_t health_mu;
	bool damaged, low_space;
	ank_cs_rc write_rc; /* the last write's failure; ANK_CS_OK after a success */
	char damaged_why[256], space_why[128], write_why[256];
	/* Password checks at once: each takes the Argon2id memory cost, so a burst of logins
	 * cannot exhaust the machine. The checks waiting for a slot are let in by address in
	 * turn (hash_queue). Guarded by mu; hash_free is broadcast when one is let in. */
	int hashing;
	pthread_cond_t hash_free;
	ank_cs_hash_queue hash_queue;
	long long hash_checks;                                   /* hashes and checks done */
	ank_cs_login_fail login_fails[ANK_CS_LOGIN_TRACKED];     /* by name; guarded by mu */
	ank_cs_login_fail addr_fails[ANK_CS_LOGIN_ADDR_TRACKED]; /* by address; guarded by mu */
};

/* Like ank_cs_prep and ank_cs_end, on the read connection (rmu held). */
int ank_cs_rprep(ank_cstore *cs, const char *sql, sqlite3_stmt **out);

/* A kiosk's current service day as it reports it, the one rule the ticket check and the
 * waiting-room display share: the day of its newest ticket (ticket ids grow). An SQL
 * expression over the kiosk id `kiosk` (a column or a parameter); NULL before its first
 * ticket. */
#define ANK_CS_SQL_KIOSK_DAY(kiosk)                                                                \
	"(SELECT v.day FROM visit v WHERE v.kiosk = " kiosk " ORDER BY v.ticket DESC LIMIT 1)"
void ank_cs_rend(ank_cstore *cs, sqlite3_stmt *s);
/* After a transaction that appended changes committed (mu held): the ring takes them and
 * long-polls are told. */
void ank_cs_changed_locked(ank_cstore *cs);
/* The store result for the writer connection's last error: FULL for a full disk, BUSY for
 * a lock held elsewhere, DB otherwise; records FULL and damage in the health state. */
ank_cs_rc ank_cs_db_rc(ank_cstore *cs);
/* A write on the writer connection committed (mu held): clears a write failure. */
void ank_cs_write_ok(ank_cstore *cs);
/* True when writes are refused because the file is damaged; err says so. */
bool ank_cs_refuse_writes(ank_cstore *cs, ank_err *err);
/* The newest of a kiosk's stored last_seen_ms and the one noted in memory. */
int64_t ank_cs_seen_get(ank_cstore *cs, const char *kiosk, int64_t stored);
/* Room for an Argon2id hash string (libsodium's crypto_pwhash_STRBYTES). */
#define ANK_CS_PWHASH_MAX 128
/* Checks a new password (ANK_PASSWORD_MIN_CHARS and more of text) and hashes it into hash
 * (cstore_staff.c). OK, INVALID (err says why), or DB. */
ank_cs_rc ank_cs_password_make(ank_cstore *cs, const char *password, char hash[ANK_CS_PWHASH_MAX],
                               ank_err *err);
/* The version a kiosk reported to this process into out ("" when none). */
void ank_cs_version_get(ank_cstore *cs, const char *kiosk, char out[ANK_VERSION_MAX + 1]);
/* A write transaction on the writer connection (mu held): BEGIN IMMEDIATE, 0 or -1 with err;
 * COMMIT, or a rollback and -1; a rollback that cannot fail the caller. */
int ank_cs_begin(ank_cstore *cs, ank_err *err);
int ank_cs_commit(ank_cstore *cs, ank_err *err);
void ank_cs_rollback(ank_cstore *cs);
/* Appends one audit row inside the caller's transaction (mu held): its id, the previous
 * row's hash and its own are made here (cstore_admin.c). 0, or -1 with err. */
int ank_cs_audit_add_locked(ank_cstore *cs, ank_audit_entry *e, ank_err *err);
/* Deletes the audit rows older than before_ms (the oldest ones, one run from the start),
 * keeps the last deleted row's id and hash as the chain's anchor (meta audit_anchor) and
 * appends a row saying so, all in one transaction (takes mu). *deleted: how many went.
 * 0, or -1 with err. */
int ank_cs_audit_prune(ank_cstore *cs, int64_t before_ms, int64_t now, int *deleted, ank_err *err);
/* Deletes the raw events received before before_ms, each kiosk's newest kept (ingest reads
 * the acknowledged seq from the log), in short transactions; notes the cut in meta
 * (events_pruned_before), after which a rebuild is refused. 0, or -1 with err. */
int ank_cs_events_prune(ank_cstore *cs, int64_t before_ms, long long *deleted, ank_err *err);
/* The unsent count a kiosk last gave into *n; false when it gave none. */
bool ank_cs_unsent_get(ank_cstore *cs, const char *kiosk, long long *n);
/* The printer state a kiosk last gave into out; "" when it gave none (cstore_printer.c). */
void ank_cs_printer_get(ank_cstore *cs, const char *kiosk, char out[ANK_PRINTER_STATE_MAX + 1]);
/* Loads the ring from the table at open. 0 or -1 with err. */
int ank_cs_ring_load(ank_cstore *cs, ank_err *err);
/* The ring's changes of user `id` (user.upsert, quarantine) become user.delete with
 * `payload`, as the table's did (mu held, after the commit). */
void ank_cs_ring_forget(ank_cstore *cs, const char *id, const char *payload);
void ank_cs_ring_free(ank_cstore *cs);

/* sqlite3_prepare_v2 with reuse: a statement of the same SQL that is not in use comes back
 * reset; a new one is kept while there is room. Returns an SQLite result code like
 * prepare. Give every statement back with ank_cs_end (never sqlite3_finalize). */
int ank_cs_prep(ank_cstore *cs, const char *sql, sqlite3_stmt **out);
/* Resets a cached statement for its next use, or finalizes one that is not cached; NULL
 * is fine. */
void ank_cs_end(ank_cstore *cs, sqlite3_stmt *s);

/* Sets err from the connection's last SQLite error; returns -1. */
int ank_cs_fail(ank_cstore *cs, ank_err *err);
/* Unkeyed BLAKE2b of a secret as 64 hex digits: tokens and codes are stored this way, so a
 * copy of central.db does not let anyone act as a kiosk or a staff member. */
void ank_cs_hash_hex(const char *secret, char out[65]);
/* Appends a change inside the caller's transaction (mu held). Checks type and payload like
 * ank_cstore_change_add; the caller broadcasts `changed` after COMMIT. Returns the id or -1. */
long long ank_cs_change_add_locked(ank_cstore *cs, const char *site, const char *type,
                                   const char *payload_json, int64_t now, ank_err *err);
/* Inside the caller's transaction (mu held): the ticket key of `site`, made with its
 * ticket.key change when it has none. 0 it was there, 1 made (the caller calls
 * ank_cs_changed_locked after COMMIT), -1 error (err); key filled unless -1. */
int ank_cs_site_key_ensure_locked(ank_cstore *cs, const char *site, int64_t now,
                                  unsigned char key[ANK_TICKETREF_KEY_BYTES], ank_err *err);
/* Room for row n (the next) of a malloc'd array of `size`-byte rows with *cap of room,
 * doubling it when full; NULL when memory ran out (the array is unchanged). The caller
 * owns *arr and frees it. */
void *ank_cs_grow(void **arr, int n, int *cap, size_t size);
/* Column text or "" (never NULL), for copying into fixed buffers. */
const char *ank_cs_col(sqlite3_stmt *s, int i);
/* Binds text, or NULL when s is NULL or empty. */
void ank_cs_bind_opt(sqlite3_stmt *s, int i, const char *v);
/* The read model's rows one batch has touched so far (visits, day aggregates, users of the
 * day), kept in memory and written once at the end of the batch: a ticket is issued,
 * called, started and ended within minutes, so most rows would be written several times.
 * Opaque; one per ingest, under mu. */
typedef struct ank_cs_proj ank_cs_proj;
/* A new, empty overlay, or NULL when memory ran out. Free with free(). */
ank_cs_proj *ank_cs_proj_new(void);
/* The zone named `id` (a site config's timezone), opened once per store (mu held); an
 * unknown or empty id gives ANK_ZONE_DEFAULT's, with a warning. Owned by cs; NULL only when
 * ICU cannot open even the default. */
ank_zone *ank_cs_zone(ank_cstore *cs, const char *id);
/* The zone kiosk's newest site config names (site_info), or the default (mu held). */
ank_zone *ank_cs_kiosk_zone(ank_cstore *cs, const char *kiosk);
/* Empties p without writing anything (a refused batch's rows go with it). */
void ank_cs_proj_reset(ank_cs_proj *p);
/* Where an event comes from. */
typedef struct ank_cs_event_ctx {
	const char *kiosk, *site;
	long long now; /* when central received it */
} ank_cs_event_ctx;
/* Decodes one newly stored event through the wire vocabulary and updates the read model
 * (cstore_read.c) inside the ingest transaction; visit and aggregate rows go to `p` until
 * ank_cs_proj_flush. Returns 0; 1 when the payload does not fit its type's fields (err
 * names the field: the batch is refused); -1 on a database error. An unknown type is
 * counted, not refused. An event out of time (proto.h "Event times", judged from e->at_ms
 * and x->now) moves the state it reports at x->now and is counted in clock_stat instead
 * of the report's tables. */
int ank_cs_project(ank_cstore *cs, ank_cs_proj *p, const ank_cs_event_ctx *x, const ank_event *e,
                   ank_err *err);
/* Writes the batch's rows of `kiosk` (of `site`) and empties p. 0 or -1 with err. */
int ank_cs_proj_flush(ank_cstore *cs, ank_cs_proj *p, const char *kiosk, const char *site,
                      ank_err *err);
/* On open (mu not needed yet): rebuilds the read model when meta says it was made by
 * another version of it, or never. 0 or -1 with err. */
int ank_cs_read_model_check(ank_cstore *cs, ank_err *err);

#endif
