/* The sync wire protocol of docs/api.md: strict decoders and matching encoders for the bodies
 * that travel between a kiosk and ankomst-central. */
#ifndef ANK_PROTO_H
#define ANK_PROTO_H

#include <jansson.h>
#include <stddef.h>

#include "ank_err.h"
#include "errcodes.h"

/* Every body carries "v"; a change of meaning gets a new number, never a silent extra field. */
#define ANK_PROTO_VERSION 1
/* A request body: a batch of 100 events of <= 8 KiB each fits with room. */
#define ANK_PROTO_MAX_BODY (1024 * 1024)
/* Events per batch: one SQLite transaction at central stays short. */
#define ANK_PROTO_MAX_BATCH 100
/* Bytes of one event or change payload, compact JSON: our largest (site.config) is ~2 KiB. */
#define ANK_PROTO_MAX_PAYLOAD (8 * 1024)
/* JSON nesting, counting the body itself as level 1: our deepest message has 4. */
#define ANK_PROTO_MAX_DEPTH 16
/* Changes in one feed answer: a kiosk far behind catches up in a few polls. */
#define ANK_PROTO_MAX_CHANGES 500
/* A feed answer: 500 changes of <= 8 KiB each fit with room. */
#define ANK_PROTO_MAX_FEED_BODY (8 * 1024 * 1024)

/* Event times central trusts (docs/api.md "Event times"). An event's "at" is the kiosk's
 * clock; one more than ANK_CLOCK_FUTURE_MS ahead of central's clock when it arrives, or
 * before ANK_CLOCK_EARLIEST_MS, comes from a wrong clock (a dead RTC battery, a hand-set
 * date): central stores and acknowledges it like any other, but counts it as out of time
 * instead of in the report, and shows the skew to staff. A day ahead is far beyond a
 * time-zone mistake or a drifting clock; a backlog from days offline is in the past, so
 * it is never out of time for being late. */
#define ANK_CLOCK_FUTURE_MS (24LL * 3600 * 1000)
/* 2020-01-01T00:00:00Z: before any Ankomst kiosk ran, so nothing real is older; after the
 * dates a reset clock shows (1970, 2000). History generated from 2023 on (tests/bench)
 * still counts. */
#define ANK_CLOCK_EARLIEST_MS 1577836800000LL

/* The pairing request's one field besides "v" (docs/api.md "Pairing"). */
#define ANK_PAIR_FIELD_CODE "code"

/* Field sizes: the limits of docs/api.md plus the NUL. */
#define ANK_PROTO_KIOSK_MAX 63 /* kiosk id: 1-63 of A-Z a-z 0-9 _ - */
#define ANK_PROTO_ID_LEN    32 /* event id: 128 random bits as lowercase hex */
#define ANK_PROTO_TYPE_MAX  40 /* event and change type: 1-40 of a-z . _ */

typedef struct ank_event {
	long long seq; /* the kiosk's outbox sequence, >= 1 */
	char id[ANK_PROTO_ID_LEN + 1];
	char type[ANK_PROTO_TYPE_MAX + 1];
	long long at_ms; /* the kiosk's clock when the event happened */
	char *payload;   /* compact JSON object, keys sorted; owned by the batch */
} ank_event;

typedef struct ank_batch {
	char kiosk[ANK_PROTO_KIOSK_MAX + 1];
	int n;
	ank_event ev[ANK_PROTO_MAX_BATCH];
} ank_batch;

/* Decodes and validates a POST /api/v1/sync/events body: v == 1, a kiosk id, 1..100 events
 * whose seq starts at >= 1 and goes up by exactly 1, ids of 32 lowercase hex, types of
 * 1..40 [a-z._], at >= 0, payload an object of <= ANK_PROTO_MAX_PAYLOAD bytes compact.
 * Unknown fields, duplicate keys, invalid UTF-8 and nesting deeper than ANK_PROTO_MAX_DEPTH
 * are refused. Payloads are re-encoded compact with sorted keys, so the same event always
 * gives the same text. A body whose payloads are already in that form (every kiosk's are) is
 * read in one pass without a JSON tree. Returns 0, or -1 with err naming the field; on
 * failure *out is empty (n == 0, nothing to free). On success free with
 * ank_proto_batch_free. */
int ank_proto_batch_decode(const char *body, size_t len, ank_batch *out, ank_err *err);
/* Frees the payloads and leaves the batch empty; safe on an empty batch. */
void ank_proto_batch_free(ank_batch *b);
/* Encodes a batch for the kiosk's sync client after checking it against the same rules as
 * the decoder, so nothing is sent that central would refuse. Payload texts are parsed and
 * embedded as JSON. Returns a malloc'd string the caller frees, or NULL with err. */
char *ank_proto_batch_encode(const ank_batch *b, ank_err *err);

typedef struct ank_change {
	long long id; /* central's change id, > 0 */
	char type[ANK_PROTO_TYPE_MAX + 1];
	char *payload; /* compact JSON object, keys sorted; owned by the feed */
} ank_change;

typedef struct ank_feed {
	long long cursor;    /* where the next poll continues: >= the last change id */
	long long server_ms; /* central's clock, for the kiosk's skew report */
	int n;
	ank_change *ch; /* malloc'd array of n (NULL when n == 0), owned by the feed */
} ank_feed;

/* Decodes and validates a GET /api/v1/sync/changes answer: v == 1, cursor >= 0,
 * server_ms >= 0, 0..ANK_PROTO_MAX_CHANGES changes with ids > 0, strictly increasing and
 * <= cursor, types as for events, payload an object of <= ANK_PROTO_MAX_PAYLOAD bytes.
 * Returns 0 or -1 with err; on failure *out is empty. On success free with
 * ank_proto_feed_free. */
int ank_proto_feed_decode(const char *body, size_t len, ank_feed *out, ank_err *err);
/* Frees the changes and leaves the feed empty (n == 0, ch == NULL). Tolerates ch allocated
 * larger than n with the unused entries zeroed, as central's store builds it. */
void ank_proto_feed_free(ank_feed *f);
/* Encodes a feed (for central) after checking it like the decoder. Returns a malloc'd string
 * the caller frees, or NULL with err. */
char *ank_proto_feed_encode(const ank_feed *f, ank_err *err);

/* Central's answer to a batch, {"v":1,"acked":N,"server_ms":T}: acked >= 0, server_ms >= 0.
 * An error answer {"v":1,"error":"...","code":"..."} fails with err quoting the start of
 * central's message and *code set from "code" (ANK_ERR_UNKNOWN when missing, not a string
 * or not known here: an older or newer central is still understood). *code is
 * ANK_ERR_UNKNOWN after any other outcome. Writes *acked and *server_ms only on success. */
int ank_proto_ack_decode(const char *body, size_t len, long long *acked, long long *server_ms,
                         ank_errcode *code, ank_err *err);
/* Return a malloc'd string the caller frees, or NULL when memory ran out. A message cut inside
 * its last character loses that character; one broken elsewhere is replaced by a fixed text
 * saying so. */
char *ank_proto_ack_encode(long long acked, long long server_ms);
/* An error answer, {"v":1,"error":"...","code":"...","server_ms":T}: the human message, the
 * stable code (errcodes.h) and central's clock, which is in every answer. */
char *ank_proto_error_encode(ank_errcode code, const char *message, long long server_ms);

/* Reading one top-level member of a payload text as the decoders leave it, without parsing
 * it into a tree (central's projection reads a few fields of every event).
 * ank_proto_payload_str: the decoded string value of `key` into buf (cut to cap - 1 bytes,
 * possibly inside a character, and NUL-terminated); returns its full length in bytes, or -1
 * when the member is missing or not a string.
 * ank_proto_payload_int: the integer value of `key` into *out; 0, or -1 when the member is
 * missing or not an integer (a real such as 5.0 is not one). */
long ank_proto_payload_str(const char *payload, const char *key, char *buf, size_t cap);
int ank_proto_payload_int(const char *payload, const char *key, long long *out);
/* Several members in one walk: vals[i] points into payload at the value of keys[i] (NULL
 * when missing), to read with ank_proto_value_str / ank_proto_value_int, which behave as
 * the keyed functions above. */
void ank_proto_payload_find(const char *payload, const char *const *keys, int n, const char **vals);
long ank_proto_value_str(const char *val, char *buf, size_t cap);
int ank_proto_value_int(const char *val, long long *out);

#endif
