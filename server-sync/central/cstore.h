/* Central's database (central.db): paired kiosks and their tokens, one-time pairing
 * codes, every kiosk's events stored once by (kiosk, seq), the change feed sent down to
 * kiosks, and the user registry with its linkage keys. Thread-safe: one mutex. */
#ifndef ANK_CSTORE_H
#define ANK_CSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "ank_err.h"
#include "proto.h"

/* "ANKC" in the database header: a central database. */
#define ANK_CSTORE_APP_ID 0x414e4b43
/* A pairing code is typed by a person at the kiosk: short, no look-alike letters. */
#define ANK_PAIR_CODE_LEN    12
#define ANK_PAIR_CODE_TTL_MS (24LL * 3600 * 1000)
#define ANK_TOKEN_HEX        64

typedef struct ank_cstore ank_cstore;

int ank_cstore_open(const char *path, ank_cstore **out, ank_err *err);
void ank_cstore_close(ank_cstore *cs);

/* A new one-time code for a kiosk of `site`, written as XXXX-XXXX-XXXX into code. */
int ank_cstore_pair_code(ank_cstore *cs, const char *site, int64_t now,
                         char code[ANK_PAIR_CODE_LEN + 3], ank_err *err);
/* Redeems a code: a new kiosk id and a token (shown once; only its hash is kept).
 * Returns 0, 1 when the code is unknown, used or expired, -1 on error. */
int ank_cstore_pair(ank_cstore *cs, const char *code, int64_t now, char kiosk[64], char site[64],
                    char token[ANK_TOKEN_HEX + 1], ank_err *err);
/* The kiosk a bearer token belongs to: 0 found, 1 unknown token, -1 error. Marks the
 * kiosk seen at `now`. */
int ank_cstore_auth(ank_cstore *cs, const char *token, int64_t now, char kiosk[64], char site[64],
                    ank_err *err);

/* Stores a batch idempotently. Returns 0 (stored; *acked = highest seq held), 1 when the
 * batch conflicts with what is held or leaves a gap (err says which; nothing stored),
 * -1 on error. */
int ank_cstore_ingest(ank_cstore *cs, const char *kiosk, const ank_batch *b, int64_t now,
                      long long *acked, ank_err *err);
/* Highest sequence held for a kiosk (0 when none). */
long long ank_cstore_acked(ank_cstore *cs, const char *kiosk);

/* Appends a change for one site (or every site when site is NULL); returns its id or -1.
 * Wakes long-polling readers. */
long long ank_cstore_change_add(ank_cstore *cs, const char *site, const char *type,
                                const char *payload_json, int64_t now, ank_err *err);
/* Changes for `site` after `since`, waiting up to wait_ms for one to appear. The feed is
 * owned by the caller (ank_proto_feed_free). */
int ank_cstore_changes(ank_cstore *cs, const char *site, long long since, int wait_ms,
                       ank_feed *out, ank_err *err);

/* Counters for /metrics. */
typedef struct ank_cstore_stats {
	long long events;
	int kiosks;
	int online; /* seen in the last 2 minutes */
} ank_cstore_stats;
int ank_cstore_stats_get(ank_cstore *cs, int64_t now, ank_cstore_stats *st, char *per_kiosk,
                         size_t n);

#endif
