/* Golden cases for the sync protocol of docs/api.md: round trips, every limit at its exact edge,
 * and one refusal per rule with the words its message must contain. */
#include "testlib.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_buf.h"
#include "proto.h"
#include "proto_int.h"

#define ID_A "9f0c1e2d3c4b5a69788796a5b4c3d2e1"
#define ID_B "0123456789abcdef0123456789abcdef"
#define EV(seq, id, type, at, payload)                                                             \
	"{\"seq\":" seq ",\"id\":\"" id "\",\"type\":\"" type "\",\"at\":" at                      \
	",\"payload\":" payload "}"
#define BATCH(kiosk, events)  "{\"v\":1,\"kiosk\":\"" kiosk "\",\"events\":[" events "]}"
#define EV1                   EV("1", ID_A, "ticket.issued", "1795431600000", "{\"ticket\":1}")
#define EV2                   EV("2", ID_B, "ticket.called", "1795431660000", "{\"ticket\":1}")
#define CH(id, type, payload) "{\"id\":" id ",\"type\":\"" type "\",\"payload\":" payload "}"
#define FEED(cursor, changes)                                                                      \
	"{\"v\":1,\"cursor\":" cursor ",\"server_ms\":1795431600000,\"changes\":[" changes "]}"

/* Generated bodies reach a few MiB at most (the feed of 501 changes). */
#define GEN_CAP (16 * 1024 * 1024)

/* ---- generators for the cases too big to type ---- */

/* A payload {"d":"xxx…"} of exactly `bytes` bytes of compact JSON (bytes >= 8). */
static void make_payload(ank_buf *p, size_t bytes)
{
	ank_buf_init(p, GEN_CAP);
	assert_int_equal(ank_buf_puts(p, "{\"d\":\""), 0);
	for (size_t i = 0; i < bytes - 8; i++)
		assert_int_equal(ank_buf_append(p, "x", 1), 0);
	assert_int_equal(ank_buf_puts(p, "\"}"), 0);
	assert_int_equal(p->len, bytes);
}

/* A payload of `levels` nested objects, the payload itself being the first: {"a":{"a":{}}}. */
static void make_nested(ank_buf *p, int levels)
{
	ank_buf_init(p, GEN_CAP);
	for (int i = 1; i < levels; i++)
		assert_int_equal(ank_buf_puts(p, "{\"a\":"), 0);
	assert_int_equal(ank_buf_puts(p, "{}"), 0);
	for (int i = 1; i < levels; i++)
		assert_int_equal(ank_buf_puts(p, "}"), 0);
}

/* A valid batch body of n events, seq 1..n, each carrying `payload`. */
static void make_batch(ank_buf *b, int n, const char *payload)
{
	ank_buf_init(b, GEN_CAP);
	assert_int_equal(ank_buf_puts(b, "{\"v\":1,\"kiosk\":\"k-5f3a\",\"events\":["), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(ank_buf_printf(b,
		                                "%s{\"seq\":%d,\"id\":\"%032x\",\"type\":\"ticket."
		                                "issued\",\"at\":%lld,\"payload\":%s}",
		                                i ? "," : "", i + 1, (unsigned)i, (long long)T0 + i,
		                                payload),
		                 0);
	assert_int_equal(ank_buf_puts(b, "]}"), 0);
}

/* A valid feed body of n changes with ids 1..n and the cursor at n. */
static void make_feed(ank_buf *b, int n)
{
	ank_buf_init(b, GEN_CAP);
	assert_int_equal(
	        ank_buf_printf(b, "{\"v\":1,\"cursor\":%d,\"server_ms\":1,\"changes\":[", n), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(ank_buf_printf(b,
		                                "%s{\"id\":%d,\"type\":\"quarantine\",\"payload\":{"
		                                "\"until\":1,\"user\":\"u-%04d\"}}",
		                                i ? "," : "", i + 1, i),
		                 0);
	assert_int_equal(ank_buf_puts(b, "]}"), 0);
}

/* ---- checking one case ---- */

/* Two decoded batches hold the same kiosk and events, field by field. */
static void assert_same_batch(const ank_batch *a, const ank_batch *b)
{
	assert_string_equal(a->kiosk, b->kiosk);
	assert_int_equal(a->n, b->n);
	for (int i = 0; i < a->n; i++) {
		assert_int_equal(a->ev[i].seq, b->ev[i].seq);
		assert_string_equal(a->ev[i].id, b->ev[i].id);
		assert_string_equal(a->ev[i].type, b->ev[i].type);
		assert_int_equal(a->ev[i].at_ms, b->ev[i].at_ms);
		assert_string_equal(a->ev[i].payload, b->ev[i].payload);
	}
}

typedef struct bad_case {
	const char *name;
	const char *body;
	const char *expect; /* a substring of the error message */
} bad_case;

typedef enum { DECODE_BATCH, DECODE_FEED, DECODE_ACK } decoder;

/* Runs one body through a decoder that must refuse it with `expect` in the message and leave
 * its output empty (batch and feed) or untouched (ack). */
static void expect_refused(int *failed, decoder d, const char *name, const char *body, size_t len,
                           const char *expect)
{
	static ank_batch b;
	ank_feed f;
	long long acked = -7, server_ms = -7;
	ank_err err = {""};
	int rc = -1;
	bool empty = true;
	switch (d) {
	case DECODE_BATCH:
		/* Whatever is refused must never pass the fast path either. */
		if (ank_proto_batch_decode_fast(body, len, &b) != 0) {
			case_fail(failed, "case %s: the fast path accepted it", name);
			ank_proto_batch_free(&b);
		}
		rc = ank_proto_batch_decode(body, len, &b, &err);
		empty = b.n == 0 && b.kiosk[0] == '\0';
		if (rc == 0)
			ank_proto_batch_free(&b);
		break;
	case DECODE_FEED:
		rc = ank_proto_feed_decode(body, len, &f, &err);
		empty = f.n == 0 && f.ch == NULL;
		if (rc == 0)
			ank_proto_feed_free(&f);
		break;
	case DECODE_ACK: {
		ank_errcode code;
		rc = ank_proto_ack_decode(body, len, &acked, &server_ms, &code, &err);
	}
		empty = acked == -7 && server_ms == -7;
		break;
	}
	if (rc != -1)
		case_fail(failed, "case %s: accepted, expected a refusal with '%s'", name, expect);
	else if (!strstr(err.msg, expect))
		case_fail(failed, "case %s: message '%s', expected '%s' in it", name, err.msg,
		          expect);
	else if (!empty)
		case_fail(failed, "case %s: refused but the output is not empty", name);
}

static void expect_refused_cases(int *failed, decoder d, const bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_refused(failed, d, cases[i].name, cases[i].body, strlen(cases[i].body),
		               cases[i].expect);
}

/* ---- events up ---- */

static void test_batch_round_trip(void **state)
{
	(void)state;
	/* Spaces and key order as another encoder might write them; the payload keeps its
	 * non-ASCII text as UTF-8. */
	static const char body[] =
	        "{ \"events\": [ {\"payload\": {\"ticket\": 1, \"label\": \"I-001\", \"nick\": "
	        "\"L\xc3\xb8v\"}, \"type\": \"ticket.issued\", \"at\": 1795431600000, \"id\": "
	        "\"" ID_A "\", \"seq\": 41},\n" EV(
	                "42", ID_B, "ticket.called", "0",
	                "{\"b\":[1,2.5,null,true],\"a\":{}}") "],"
	                                                      "\"kiosk\": \"k-5f3a\", \"v\": 1 }";
	static const char canonical[] =
	        "{\"v\":1,\"kiosk\":\"k-5f3a\",\"events\":["
	        "{\"seq\":41,\"id\":\"" ID_A "\",\"type\":\"ticket.issued\",\"at\":1795431600000,"
	        "\"payload\":{\"label\":\"I-001\",\"nick\":\"L\xc3\xb8v\",\"ticket\":1}},"
	        "{\"seq\":42,\"id\":\"" ID_B "\",\"type\":\"ticket.called\",\"at\":0,"
	        "\"payload\":{\"a\":{},\"b\":[1,2.5,null,true]}}]}";
	ank_batch *b = calloc(2, sizeof *b);
	assert_non_null(b);
	ank_err err = {""};
	if (ank_proto_batch_decode(body, strlen(body), &b[0], &err))
		fail_msg("decode: %s", err.msg);
	assert_string_equal(b[0].kiosk, "k-5f3a");
	assert_int_equal(b[0].n, 2);
	assert_int_equal(b[0].ev[0].seq, 41);
	assert_string_equal(b[0].ev[0].id, ID_A);
	assert_string_equal(b[0].ev[0].type, "ticket.issued");
	assert_int_equal(b[0].ev[0].at_ms, T0);
	/* Compact, keys sorted: the one text central compares a resent event against. */
	assert_string_equal(b[0].ev[0].payload,
	                    "{\"label\":\"I-001\",\"nick\":\"L\xc3\xb8v\",\"ticket\":1}");
	assert_int_equal(b[0].ev[1].at_ms, 0);

	char *text = ank_proto_batch_encode(&b[0], &err);
	if (!text)
		fail_msg("encode: %s", err.msg);
	assert_string_equal(text, canonical);
	if (ank_proto_batch_decode(text, strlen(text), &b[1], &err))
		fail_msg("decode again: %s", err.msg);
	assert_same_batch(&b[1], &b[0]);
	free(text);
	ank_proto_batch_free(&b[0]);
	ank_proto_batch_free(&b[1]);
	assert_int_equal(b[0].n, 0);
	ank_proto_batch_free(&b[0]); /* a second free of an emptied batch is harmless */
	free(b);
}

/* The limits are inclusive: 100 events of exactly 8 KiB, 16 levels, 63- and 40-character
 * names, and the body still fits in 1 MiB. */
static void test_batch_limits_pass(void **state)
{
	(void)state;
	ank_batch *b = calloc(1, sizeof *b);
	assert_non_null(b);
	ank_err err = {""};
	ank_buf p, body;
	make_payload(&p, ANK_PROTO_MAX_PAYLOAD);
	make_batch(&body, ANK_PROTO_MAX_BATCH, ank_buf_str(&p));
	assert_true(body.len <= ANK_PROTO_MAX_BODY);
	if (ank_proto_batch_decode(body.data, body.len, b, &err))
		fail_msg("100 events of 8 KiB: %s", err.msg);
	assert_int_equal(b->n, ANK_PROTO_MAX_BATCH);
	assert_int_equal(b->ev[99].seq, 100);
	assert_int_equal(strlen(b->ev[99].payload), ANK_PROTO_MAX_PAYLOAD);
	char *text = ank_proto_batch_encode(b, &err);
	if (!text)
		fail_msg("encode 100 events of 8 KiB: %s", err.msg);
	assert_true(strlen(text) <= ANK_PROTO_MAX_BODY);
	free(text);
	ank_proto_batch_free(b);
	ank_buf_free(&p);
	ank_buf_free(&body);

	/* Body, events array, event: the payload may add 13 levels to reach 16. */
	make_nested(&p, ANK_PROTO_MAX_DEPTH - 3);
	make_batch(&body, 1, ank_buf_str(&p));
	if (ank_proto_batch_decode(body.data, body.len, b, &err))
		fail_msg("16 levels: %s", err.msg);
	text = ank_proto_batch_encode(b, &err);
	if (!text)
		fail_msg("encode 16 levels: %s", err.msg);
	free(text);
	ank_proto_batch_free(b);
	ank_buf_free(&p);
	ank_buf_free(&body);

	static const char names[] = BATCH(
	        "Kk0123456789_-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW",
	        EV("9223372036854775806", ID_A, "abcdefghijklmnopqrstuvwxyz._____________", "0",
	           "{}") "," EV("9223372036854775807", ID_B, "a", "9223372036854775807", "{}"));
	if (ank_proto_batch_decode(names, strlen(names), b, &err))
		fail_msg("longest names and largest numbers: %s", err.msg);
	assert_int_equal(strlen(b->kiosk), ANK_PROTO_KIOSK_MAX);
	assert_int_equal(strlen(b->ev[0].type), ANK_PROTO_TYPE_MAX);
	text = ank_proto_batch_encode(b, &err);
	if (!text)
		fail_msg("encode longest names: %s", err.msg);
	free(text);
	ank_proto_batch_free(b);
	free(b);
}

static void test_batch_refused(void **state)
{
	(void)state;
	static const bad_case cases[] = {
	        {"invalid JSON", "{\"v\":1,\"kiosk\":k-1,\"events\":[]}", "body: invalid JSON"},
	        {"not JSON at all", "hello", "body: invalid JSON"},
	        {"text after the body", BATCH("k-1", EV1) " x", "body: invalid JSON"},
	        {"truncated", "{\"v\":1,\"kiosk\":\"k-1\",\"events\":[{\"seq\":1,\"id\":\"",
	         "body: truncated"},
	        {"empty", "", "body: empty"},
	        {"invalid UTF-8",
	         BATCH("k-1", EV("1", ID_A, "note", "0",
	                         "{\"text\":\"a\xff"
	                         "b\"}")),
	         "body: invalid UTF-8"},
	        {"overlong UTF-8", BATCH("k-1", EV("1", ID_A, "note", "0", "{\"t\":\"\xc0\xaf\"}")),
	         "body: invalid UTF-8"},
	        {"duplicate key",
	         "{\"v\":1,\"kiosk\":\"k-1\",\"kiosk\":\"k-2\",\"events\":[" EV1 "]}",
	         "body: duplicate key"},
	        {"duplicate key in payload",
	         BATCH("k-1", EV("1", ID_A, "note", "0", "{\"a\":1,\"a\":2}")), "duplicate key"},
	        {"NUL in a string",
	         BATCH("k-1", EV("1", ID_A, "note", "0", "{\"a\":\"x\\u0000\"}")), "NUL character"},
	        {"number too large",
	         BATCH("k-1", EV("1", ID_A, "note", "99999999999999999999", "{}")),
	         "number out of range"},
	        {"top-level array", "[" BATCH("k-1", EV1) "]", "body: must be a JSON object"},
	        {"v missing", "{\"kiosk\":\"k-1\",\"events\":[" EV1 "]}", "v: missing"},
	        {"v 2", "{\"v\":2,\"kiosk\":\"k-1\",\"events\":[" EV1 "]}",
	         "v: version 2 is not supported"},
	        {"v as text", "{\"v\":\"1\",\"kiosk\":\"k-1\",\"events\":[" EV1 "]}",
	         "v: must be an integer"},
	        {"v as real", "{\"v\":1.0,\"kiosk\":\"k-1\",\"events\":[" EV1 "]}",
	         "v: must be an integer"},
	        {"unknown top-level field",
	         "{\"v\":1,\"kiosk\":\"k-1\",\"site\":\"demo\",\"events\":[" EV1 "]}",
	         "body: unknown field \"site\""},
	        {"unknown field with a newline in its name",
	         "{\"v\":1,\"kiosk\":\"k-1\",\"a\\nb\":1,\"events\":[" EV1 "]}",
	         "body: unknown field \"a?b\""},
	        {"unknown event field",
	         BATCH("k-1",
	               "{\"seq\":1,\"id\":\"" ID_A "\",\"type\":\"note\",\"at\":0,\"payload\":{},"
	               "\"note\":\"x\"}"),
	         "events[0]: unknown field \"note\""},
	        {"kiosk missing", "{\"v\":1,\"events\":[" EV1 "]}", "kiosk: missing"},
	        {"kiosk with a slash", BATCH("k/1", EV1), "kiosk: must be 1 to 63 characters"},
	        {"kiosk empty", BATCH("", EV1), "kiosk: must be"},
	        {"kiosk 64 characters",
	         BATCH("k123456789012345678901234567890123456789012345678901234567890123", EV1),
	         "kiosk: must be"},
	        {"kiosk a number", "{\"v\":1,\"kiosk\":5,\"events\":[" EV1 "]}",
	         "kiosk: must be a string"},
	        {"events missing", "{\"v\":1,\"kiosk\":\"k-1\"}", "events: missing"},
	        {"events an object", "{\"v\":1,\"kiosk\":\"k-1\",\"events\":" EV1 "}",
	         "events: must be an array"},
	        {"no events", BATCH("k-1", ""), "events: 0 events, a batch holds 1 to 100"},
	        {"event not an object", BATCH("k-1", "1"), "events[0]: must be a JSON object"},
	        {"seq 0", BATCH("k-1", EV("0", ID_A, "note", "0", "{}")),
	         "events[0].seq: must be 1 or more"},
	        {"seq negative", BATCH("k-1", EV("-3", ID_A, "note", "0", "{}")),
	         "events[0].seq: must be 1 or more"},
	        {"seq missing",
	         BATCH("k-1", "{\"id\":\"" ID_A "\",\"type\":\"a\",\"at\":0,\"payload\":{}}"),
	         "events[0].seq: missing"},
	        {"seq as text", BATCH("k-1", EV("\"1\"", ID_A, "note", "0", "{}")),
	         "events[0].seq: must be an integer"},
	        {"seq gap", BATCH("k-1", EV1 "," EV("3", ID_B, "note", "0", "{}")),
	         "events[1].seq: must follow 1 by exactly 1"},
	        {"seq going down",
	         BATCH("k-1",
	               EV("5", ID_A, "note", "0", "{}") "," EV("4", ID_B, "note", "0", "{}")),
	         "events[1].seq: must follow 5 by exactly 1"},
	        {"seq repeated", BATCH("k-1", EV1 "," EV("1", ID_B, "note", "0", "{}")),
	         "events[1].seq: must follow 1"},
	        {"seq past the largest",
	         BATCH("k-1", EV("9223372036854775807", ID_A, "note", "0",
	                         "{}") "," EV("9223372036854775807", ID_B, "note", "0", "{}")),
	         "events[1].seq: must follow 9223372036854775807 by exactly 1"},
	        {"id of 31 hex",
	         BATCH("k-1", EV("1", "9f0c1e2d3c4b5a69788796a5b4c3d2e", "note", "0", "{}")),
	         "events[0].id: must be 32 lowercase hex digits"},
	        {"id of 33 hex",
	         BATCH("k-1", EV("1", "9f0c1e2d3c4b5a69788796a5b4c3d2e10", "note", "0", "{}")),
	         "events[0].id: must be 32"},
	        {"id uppercase",
	         BATCH("k-1", EV("1", "9F0C1E2D3C4B5A69788796A5B4C3D2E1", "note", "0", "{}")),
	         "events[0].id: must be 32 lowercase hex digits"},
	        {"id not hex",
	         BATCH("k-1", EV("1", "9f0c1e2d3c4b5a69788796a5b4c3d2eg", "note", "0", "{}")),
	         "events[0].id: must be 32 lowercase hex digits"},
	        {"id a number",
	         BATCH("k-1", "{\"seq\":1,\"id\":7,\"type\":\"a\",\"at\":0,\"payload\":{}}"),
	         "events[0].id: must be a string"},
	        {"type uppercase", BATCH("k-1", EV("1", ID_A, "Ticket.issued", "0", "{}")),
	         "events[0].type: must be 1 to 40 characters of a-z . _"},
	        {"type with a space", BATCH("k-1", EV("1", ID_A, "ticket issued", "0", "{}")),
	         "events[0].type: must be"},
	        {"type with a digit", BATCH("k-1", EV("1", ID_A, "ticket2", "0", "{}")),
	         "events[0].type: must be"},
	        {"type empty", BATCH("k-1", EV("1", ID_A, "", "0", "{}")),
	         "events[0].type: must be"},
	        {"type of 41",
	         BATCH("k-1",
	               EV("1", ID_A, "abcdefghijklmnopqrstuvwxyz.abcdefghijklmn", "0", "{}")),
	         "events[0].type: must be"},
	        {"at negative", BATCH("k-1", EV("1", ID_A, "note", "-1", "{}")),
	         "events[0].at: must be 0 or more"},
	        {"at as real", BATCH("k-1", EV("1", ID_A, "note", "1.5", "{}")),
	         "events[0].at: must be an integer"},
	        {"payload an array", BATCH("k-1", EV("1", ID_A, "note", "0", "[1]")),
	         "events[0].payload: must be a JSON object"},
	        {"payload a string", BATCH("k-1", EV("1", ID_A, "note", "0", "\"{}\"")),
	         "events[0].payload: must be a JSON object"},
	        {"payload null", BATCH("k-1", EV("1", ID_A, "note", "0", "null")),
	         "events[0].payload: must be a JSON object"},
	        {"payload missing",
	         BATCH("k-1", "{\"seq\":1,\"id\":\"" ID_A "\",\"type\":\"a\",\"at\":0}"),
	         "events[0].payload: missing"},
	        {"second event bad", BATCH("k-1", EV1 "," EV("2", ID_B, "note", "-5", "{}")),
	         "events[1].at: must be 0 or more"},
	};
	int failed = 0;
	expect_refused_cases(&failed, DECODE_BATCH, cases, COUNT_OF(cases));

	ank_buf p, body;
	/* One event too many. */
	make_batch(&body, ANK_PROTO_MAX_BATCH + 1, "{}");
	expect_refused(&failed, DECODE_BATCH, "101 events", body.data, body.len,
	               "events: 101 events, a batch holds 1 to 100");
	ank_buf_free(&body);
	/* One byte too many in a payload. */
	make_payload(&p, ANK_PROTO_MAX_PAYLOAD + 1);
	make_batch(&body, 1, ank_buf_str(&p));
	expect_refused(&failed, DECODE_BATCH, "payload over 8 KiB", body.data, body.len,
	               "events[0].payload: 8193 bytes of compact JSON, at most 8192");
	ank_buf_free(&p);
	ank_buf_free(&body);
	/* One level too deep, and the 17 levels inside a payload of the issue. */
	make_nested(&p, ANK_PROTO_MAX_DEPTH - 2);
	make_batch(&body, 1, ank_buf_str(&p));
	expect_refused(&failed, DECODE_BATCH, "17 levels in all", body.data, body.len,
	               "events[0].payload: nested more than 16 levels deep");
	ank_buf_free(&p);
	ank_buf_free(&body);
	make_nested(&p, 17);
	make_batch(&body, 1, ank_buf_str(&p));
	expect_refused(&failed, DECODE_BATCH, "17 levels inside a payload", body.data, body.len,
	               "events[0].payload: nested more than 16 levels deep");
	ank_buf_free(&p);
	ank_buf_free(&body);
	/* Deep nesting is refused before the unknown field it hides in, naming its path. */
	ank_buf_init(&body, GEN_CAP);
	assert_int_equal(ank_buf_puts(&body, "{\"v\":1,\"x\":"), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ank_buf_puts(&body, "["), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ank_buf_puts(&body, "]"), 0);
	assert_int_equal(ank_buf_puts(&body, "}"), 0);
	expect_refused(&failed, DECODE_BATCH, "1000 levels", body.data, body.len,
	               "x[0][0]: nested more than 16 levels deep");
	ank_buf_free(&body);
	/* One byte over the body limit, refused before parsing: valid JSON padded with spaces. */
	make_batch(&body, 1, "{}");
	while (body.len <= ANK_PROTO_MAX_BODY)
		assert_int_equal(ank_buf_append(&body, " ", 1), 0);
	expect_refused(&failed, DECODE_BATCH, "body over 1 MiB", body.data, body.len,
	               "body: too large, 1048577 bytes where at most 1048576");
	ank_buf_free(&body);
	/* A NULL body and a body with a NUL byte outside any string. */
	expect_refused(&failed, DECODE_BATCH, "NULL body", NULL, 0, "body: empty");
	static const char nul[] = "{\"v\":1}\0{}";
	expect_refused(&failed, DECODE_BATCH, "NUL byte", nul, sizeof nul - 1,
	               "body: invalid JSON");
	assert_cases_passed(failed);
}

/* A valid two-event batch for the encoder cases to break one field at a time. */
static void fill_batch(ank_batch *b, char *payloads[2])
{
	memset(b, 0, sizeof *b);
	snprintf(b->kiosk, sizeof b->kiosk, "k-1");
	b->n = 2;
	for (int i = 0; i < 2; i++) {
		b->ev[i].seq = 7 + i;
		snprintf(b->ev[i].id, sizeof b->ev[i].id, "%s", i ? ID_B : ID_A);
		snprintf(b->ev[i].type, sizeof b->ev[i].type, "note");
		b->ev[i].at_ms = T0;
		b->ev[i].payload = payloads[i];
	}
}

static void test_batch_encode_refused(void **state)
{
	(void)state;
	enum {
		N_ZERO,
		N_OVER,
		KIOSK_SLASH,
		KIOSK_UNTERMINATED,
		SEQ_ZERO,
		SEQ_GAP,
		ID_UPPER,
		ID_UNTERMINATED,
		TYPE_BAD,
		AT_NEGATIVE,
		PAYLOAD_NULL,
		PAYLOAD_ARRAY,
		PAYLOAD_TRUNCATED,
		PAYLOAD_DUPLICATE,
		PAYLOAD_UTF8,
		PAYLOAD_BIG,
		PAYLOAD_DEEP,
	};
	static const struct {
		int kind;
		const char *name, *expect;
	} cases[] = {
	        {N_ZERO, "no events", "events: 0 events"},
	        {N_OVER, "101 events", "events: 101 events"},
	        {KIOSK_SLASH, "kiosk with a slash", "kiosk: must be"},
	        {KIOSK_UNTERMINATED, "kiosk filling its array", "kiosk: must be"},
	        {SEQ_ZERO, "seq 0", "events[0].seq: must be 1 or more"},
	        {SEQ_GAP, "seq gap", "events[1].seq: must follow 7 by exactly 1"},
	        {ID_UPPER, "id uppercase", "events[1].id: must be 32 lowercase hex"},
	        {ID_UNTERMINATED, "id filling its array", "events[0].id: must be 32"},
	        {TYPE_BAD, "type with a space", "events[1].type: must be"},
	        {AT_NEGATIVE, "at negative", "events[0].at: must be 0 or more"},
	        {PAYLOAD_NULL, "payload NULL", "events[1].payload: missing"},
	        {PAYLOAD_ARRAY, "payload an array", "events[1].payload: must be a JSON object"},
	        {PAYLOAD_TRUNCATED, "payload truncated", "events[1].payload: truncated"},
	        {PAYLOAD_DUPLICATE, "payload duplicate key", "events[1].payload: duplicate key"},
	        {PAYLOAD_UTF8, "payload invalid UTF-8", "events[1].payload: invalid UTF-8"},
	        {PAYLOAD_BIG, "payload over 8 KiB", "events[1].payload: 8193 bytes"},
	        {PAYLOAD_DEEP, "payload too deep", "events[1].payload: nested more than 16"},
	};
	ank_batch *b = calloc(1, sizeof *b);
	assert_non_null(b);
	ank_buf big, deep;
	make_payload(&big, ANK_PROTO_MAX_PAYLOAD + 1);
	make_nested(&deep, ANK_PROTO_MAX_DEPTH - 2);
	int failed = 0;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		char p0[] = "{\"a\":1}", p1[] = "{\"b\":2}";
		char *payloads[2] = {p0, p1};
		fill_batch(b, payloads);
		switch (cases[i].kind) {
		case N_ZERO:
			b->n = 0;
			break;
		case N_OVER:
			b->n = ANK_PROTO_MAX_BATCH + 1;
			break;
		case KIOSK_SLASH:
			b->kiosk[1] = '/';
			break;
		case KIOSK_UNTERMINATED:
			memset(b->kiosk, 'k', sizeof b->kiosk);
			break;
		case SEQ_ZERO:
			b->ev[0].seq = 0;
			break;
		case SEQ_GAP:
			b->ev[1].seq = 9;
			break;
		case ID_UPPER:
			b->ev[1].id[0] = 'A';
			break;
		case ID_UNTERMINATED:
			memset(b->ev[0].id, 'a', sizeof b->ev[0].id);
			break;
		case TYPE_BAD:
			b->ev[1].type[2] = ' ';
			break;
		case AT_NEGATIVE:
			b->ev[0].at_ms = -1;
			break;
		case PAYLOAD_NULL:
			b->ev[1].payload = NULL;
			break;
		case PAYLOAD_ARRAY:
			b->ev[1].payload = "[1]";
			break;
		case PAYLOAD_TRUNCATED:
			b->ev[1].payload = "{\"a\":";
			break;
		case PAYLOAD_DUPLICATE:
			b->ev[1].payload = "{\"a\":1,\"a\":1}";
			break;
		case PAYLOAD_UTF8:
			b->ev[1].payload = "{\"a\":\"\xfe\"}";
			break;
		case PAYLOAD_BIG:
			b->ev[1].payload = big.data;
			break;
		case PAYLOAD_DEEP:
			b->ev[1].payload = deep.data;
			break;
		}
		ank_err err = {""};
		char *text = ank_proto_batch_encode(b, &err);
		if (text) {
			case_fail(&failed, "case %s: encoded as %.80s", cases[i].name, text);
			free(text);
		} else if (!strstr(err.msg, cases[i].expect)) {
			case_fail(&failed, "case %s: message '%s', expected '%s' in it",
			          cases[i].name, err.msg, cases[i].expect);
		}
	}
	ank_err err = {""};
	assert_null(ank_proto_batch_encode(NULL, &err));
	assert_non_null(strstr(err.msg, "batch: missing"));
	ank_buf_free(&big);
	ank_buf_free(&deep);
	free(b);
	assert_cases_passed(failed);
}

/* ---- the fast path and the payload reader ---- */

/* Both decoders on one body: the fast path must give exactly what the tree decoder gives, and
 * says whether it took the body (1) or left it to the tree (0). */
static int fast_matches_tree(const char *body, size_t len)
{
	ank_batch *b = calloc(2, sizeof *b);
	assert_non_null(b);
	ank_err err = {""};
	int fast = ank_proto_batch_decode_fast(body, len, &b[0]);
	if (ank_proto_batch_decode_tree(body, len, &b[1], &err))
		fail_msg("the tree decoder refused it: %s", err.msg);
	if (fast)
		assert_same_batch(&b[0], &b[1]);
	else
		assert_int_equal(b[0].n, 0);
	ank_proto_batch_free(&b[0]);
	ank_proto_batch_free(&b[1]);
	free(b);
	return fast;
}

/* The payload text ank_proto_batch_decode keeps for a one-event batch carrying `payload`;
 * *fast says whether the fast path took it. Returns a malloc'd copy. */
static char *decoded_payload(const char *payload, int *fast)
{
	ank_buf body;
	make_batch(&body, 1, payload);
	*fast = fast_matches_tree(body.data, body.len);
	ank_batch *b = calloc(1, sizeof *b);
	assert_non_null(b);
	ank_err err = {""};
	if (ank_proto_batch_decode(body.data, body.len, b, &err))
		fail_msg("payload %s: %s", payload, err.msg);
	char *text = strdup(b->ev[0].payload);
	assert_non_null(text);
	ank_proto_batch_free(b);
	free(b);
	ank_buf_free(&body);
	return text;
}

static void test_batch_fast_path(void **state)
{
	(void)state;
	/* What kiosks send: compact, keys sorted, escapes only where jansson writes them. */
	static const char *const canonical[] = {
	        ("{\"day\":\"2026-11-23\",\"helper\":null,\"label\":\"I-001\",\"route\":\"inject\","
	         "\"state\":\"waiting\",\"ticket\":1,\"user\":\"u-0123456789abcdef\"}"),
	        "{}",
	        "{\"a\":[],\"b\":[{},[1,-2,0,true,false,null]],\"c\":{\"d\":\"\"}}",
	        "{\"q\":\"say \\\"hi\\\" \\\\ \\b\\f\\n\\r\\t / \x7f\"}",
	        "{\"L\xc3\xb8v\":\"\xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xef\xbf\xbf\"}",
	        "{\"A\":1,\"B\":2,\"a\":3,\"ab\":4,\"b\":5,\"\xc3\xa9\":6}",
	        "{\"m\":-999999999999999999,\"n\":999999999999999999}",
	};
	for (size_t i = 0; i < sizeof canonical / sizeof canonical[0]; i++) {
		int fast = 0;
		char *text = decoded_payload(canonical[i], &fast);
		if (!fast)
			fail_msg("canonical payload %zu went to the tree decoder: %s", i,
			         canonical[i]);
		assert_string_equal(text, canonical[i]);
		free(text);
	}
	/* Accepted, but not in canonical form: the tree decoder rewrites them, and the fast path
	 * must leave them to it. */
	static const struct {
		const char *in, *out;
	} rewritten[] = {
	        {"{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}"},
	        {"{\"a\": 1}", "{\"a\":1}"},
	        {"{\"a\":[1, 2]}", "{\"a\":[1,2]}"},
	        {"{\"a\":\"\\u0041\"}", "{\"a\":\"A\"}"},
	        {"{\"a\":\"\\/\"}", "{\"a\":\"/\"}"},
	        {"{\"a\":\"\\u001f\"}", "{\"a\":\"\\u001F\"}"},
	        {"{\"a\":-0}", "{\"a\":0}"},
	        {"{\"a\":1E2}", "{\"a\":100.0}"},
	        {"{\"a\":2.5}", "{\"a\":2.5}"},
	        {"{\"a\":1234567890123456789}", "{\"a\":1234567890123456789}"},
	        {"{\"\\u0062\":1,\"a\":2}", "{\"a\":2,\"b\":1}"},
	        {"{\"\xc3\xa9\":1,\"e\":2}", "{\"e\":2,\"\xc3\xa9\":1}"},
	        {"{\"ab\":1,\"a\":2}", "{\"a\":2,\"ab\":1}"},
	};
	for (size_t i = 0; i < sizeof rewritten / sizeof rewritten[0]; i++) {
		int fast = 1;
		char *text = decoded_payload(rewritten[i].in, &fast);
		if (fast)
			fail_msg("the fast path took non-canonical payload %s", rewritten[i].in);
		assert_string_equal(text, rewritten[i].out);
		free(text);
	}
	/* Outside payloads another encoder may space and order fields: still the fast path. */
	static const char spaced[] =
	        " {\"events\" : [ {\"payload\" : {\"a\":1} , \"at\":0,\"type\":\"x\",\"id\":\"" ID_A
	        "\", \"seq\":7}\n,\r" EV("8", ID_B, "y", "1",
	                                 "{}") " ] ,\t\"kiosk\":\"k\",\"v\":1}\n";
	assert_int_equal(fast_matches_tree(spaced, strlen(spaced)), 1);
	/* Valid bodies the fast path leaves to the tree decoder: escapes and large numbers
	 * outside payloads. */
	static const char *const tree_only[] = {
	        BATCH("k\\u002d1", EV1),
	        BATCH("k-1", EV("9223372036854775807", ID_A, "a", "0", "{}")),
	        "{\"v\":1,\"kiosk\":\"k-1\",\"events\":[" EV(
	                "1", ID_A, "ticket.issued", "1795431600000",
	                "{}") "," EV("2", ID_B, "ticket\\u002ecalled", "0", "{}") "]}",
	};
	for (size_t i = 0; i < sizeof tree_only / sizeof tree_only[0]; i++)
		assert_int_equal(fast_matches_tree(tree_only[i], strlen(tree_only[i])), 0);
	/* The largest batch takes the fast path too. */
	ank_buf p, body;
	make_payload(&p, ANK_PROTO_MAX_PAYLOAD);
	make_batch(&body, ANK_PROTO_MAX_BATCH, ank_buf_str(&p));
	assert_int_equal(fast_matches_tree(body.data, body.len), 1);
	ank_buf_free(&body);
	ank_buf_free(&p);
	make_nested(&p, ANK_PROTO_MAX_DEPTH - 3);
	make_batch(&body, 1, ank_buf_str(&p));
	assert_int_equal(fast_matches_tree(body.data, body.len), 1);
	ank_buf_free(&body);
	ank_buf_free(&p);
}

static void test_payload_reader(void **state)
{
	(void)state;
	static const char p[] =
	        "{\"a\":{\"ticket\":9,\"x\":\"}\"},\"b\":[\"label\",{\"ticket\":8}],"
	        "\"label\":\"I-\\\"1\\\"\",\"n\":-5,\"nil\":null,\"r\":5.0,"
	        "\"s\":\"\\u00f8\\ud83d\\ude00 \\/\\t\",\"ticket\":12,\"x\":1e3}";
	char buf[64];
	long long v = 0;
	assert_int_equal(ank_proto_payload_str(p, "label", buf, sizeof buf), 5);
	assert_string_equal(buf, "I-\"1\"");
	assert_int_equal(ank_proto_payload_str(p, "s", buf, sizeof buf), 9);
	assert_string_equal(buf, "\xc3\xb8\xf0\x9f\x98\x80 /\t");
	/* Members of nested objects and strings that look like keys are not top-level keys. */
	assert_int_equal(ank_proto_payload_int(p, "ticket", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(ank_proto_payload_int(p, "n", &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(ank_proto_payload_str(p, "x", buf, sizeof buf), -1);
	/* Missing, or of another type: json_is_integer / json_is_string would say no. */
	assert_int_equal(ank_proto_payload_int(p, "r", &v), -1);
	assert_int_equal(ank_proto_payload_int(p, "x", &v), -1);
	assert_int_equal(ank_proto_payload_int(p, "label", &v), -1);
	assert_int_equal(ank_proto_payload_int(p, "nil", &v), -1);
	assert_int_equal(ank_proto_payload_str(p, "nil", buf, sizeof buf), -1);
	assert_int_equal(ank_proto_payload_str(p, "ticket", buf, sizeof buf), -1);
	assert_int_equal(ank_proto_payload_str(p, "missing", buf, sizeof buf), -1);
	assert_int_equal(ank_proto_payload_str(p, "tick", buf, sizeof buf), -1);
	assert_int_equal(v, -5); /* untouched by the failed reads */
	/* Several names in one walk, each read as the keyed functions read it. */
	static const char *const keys[] = {"ticket", "missing", "label", "a", "n"};
	const char *vals[5];
	ank_proto_payload_find(p, keys, 5, vals);
	assert_int_equal(ank_proto_value_int(vals[0], &v), 0);
	assert_int_equal(v, 12);
	assert_null(vals[1]);
	assert_int_equal(ank_proto_value_str(vals[1], buf, sizeof buf), -1);
	assert_int_equal(ank_proto_value_int(vals[1], &v), -1);
	assert_int_equal(ank_proto_value_str(vals[2], buf, sizeof buf), 5);
	assert_string_equal(buf, "I-\"1\"");
	assert_int_equal(vals[3][0], '{');
	assert_int_equal(ank_proto_value_int(vals[4], &v), 0);
	assert_int_equal(v, -5);
	/* A long value is cut and NUL-terminated; the full length is returned. */
	assert_int_equal(ank_proto_payload_str("{\"k\":\"abcdef\"}", "k", buf, 4), 6);
	assert_string_equal(buf, "abc");
	/* Not an object, \u0000, a lone surrogate, or a number out of range: nothing. */
	assert_int_equal(ank_proto_payload_str("[\"k\",\"v\"]", "k", buf, sizeof buf), -1);
	assert_int_equal(ank_proto_payload_str("{\"k\":\"a\\u0000\"}", "k", buf, sizeof buf), -1);
	assert_int_equal(ank_proto_payload_str("{\"k\":\"\\ud83d\"}", "k", buf, sizeof buf), -1);
	assert_int_equal(ank_proto_payload_int("{\"k\":99999999999999999999}", "k", &v), -1);
	assert_int_equal(ank_proto_payload_str(NULL, "k", buf, sizeof buf), -1);
	/* Truncated text stops at its end. */
	assert_int_equal(ank_proto_payload_str("{\"a\":\"x", "b", buf, sizeof buf), -1);
	assert_int_equal(ank_proto_payload_str("{\"a\":[{\"b\":", "b", buf, sizeof buf), -1);
}

/* ---- changes down ---- */

static void test_feed_round_trip(void **state)
{
	(void)state;
	/* The example of docs/api.md; the cursor may run ahead of the last id (other sites'
	 * changes). */
	static const char body[] =
	        "{\"v\":1,\"cursor\":45,\"server_ms\":1795431600000,\"changes\":["
	        "{\"id\":42,\"type\":\"user.upsert\",\"payload\":{\"id\":\"u-0010\",\"nickname\":"
	        "\"Lis\"}},"
	        "{\"payload\":{\"type\":\"call_next\",\"station\":\"2\",\"id\":7},\"type\":"
	        "\"command\","
	        "\"id\":43}]}";
	static const char canonical[] =
	        "{\"v\":1,\"cursor\":45,\"server_ms\":1795431600000,\"changes\":["
	        "{\"id\":42,\"type\":\"user.upsert\",\"payload\":{\"id\":\"u-0010\",\"nickname\":"
	        "\"Lis\"}},"
	        "{\"id\":43,\"type\":\"command\",\"payload\":{\"id\":7,\"station\":\"2\",\"type\":"
	        "\"call_next\"}}]}";
	ank_feed f, g;
	ank_err err = {""};
	if (ank_proto_feed_decode(body, strlen(body), &f, &err))
		fail_msg("decode: %s", err.msg);
	assert_int_equal(f.cursor, 45);
	assert_int_equal(f.server_ms, T0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.ch[0].id, 42);
	assert_string_equal(f.ch[0].type, "user.upsert");
	assert_string_equal(f.ch[1].payload, "{\"id\":7,\"station\":\"2\",\"type\":\"call_next\"}");
	char *text = ank_proto_feed_encode(&f, &err);
	if (!text)
		fail_msg("encode: %s", err.msg);
	assert_string_equal(text, canonical);
	if (ank_proto_feed_decode(text, strlen(text), &g, &err))
		fail_msg("decode again: %s", err.msg);
	assert_int_equal(g.n, f.n);
	for (int i = 0; i < f.n; i++) {
		assert_int_equal(g.ch[i].id, f.ch[i].id);
		assert_string_equal(g.ch[i].type, f.ch[i].type);
		assert_string_equal(g.ch[i].payload, f.ch[i].payload);
	}
	free(text);
	ank_proto_feed_free(&f);
	ank_proto_feed_free(&g);
	assert_null(f.ch);

	/* Nothing new: an empty list, no array allocated, and it encodes back the same. */
	static const char empty[] = "{\"v\":1,\"cursor\":0,\"server_ms\":5,\"changes\":[]}";
	if (ank_proto_feed_decode(empty, strlen(empty), &f, &err))
		fail_msg("empty: %s", err.msg);
	assert_int_equal(f.n, 0);
	assert_null(f.ch);
	text = ank_proto_feed_encode(&f, &err);
	assert_non_null(text);
	assert_string_equal(text, empty);
	free(text);
	ank_proto_feed_free(&f);

	/* The largest answer. */
	ank_buf b;
	make_feed(&b, ANK_PROTO_MAX_CHANGES);
	if (ank_proto_feed_decode(b.data, b.len, &f, &err))
		fail_msg("500 changes: %s", err.msg);
	assert_int_equal(f.n, ANK_PROTO_MAX_CHANGES);
	text = ank_proto_feed_encode(&f, &err);
	assert_non_null(text);
	assert_string_equal(text, b.data);
	free(text);
	ank_proto_feed_free(&f);
	ank_buf_free(&b);

	/* Central's store allocates the array for the most changes and fills fewer. */
	f = (ank_feed){.cursor = 3, .server_ms = 1, .n = 2};
	f.ch = calloc(ANK_PROTO_MAX_CHANGES, sizeof *f.ch);
	assert_non_null(f.ch);
	for (int i = 0; i < 2; i++) {
		f.ch[i].id = i + 1;
		snprintf(f.ch[i].type, sizeof f.ch[i].type, "site.config");
		f.ch[i].payload = strdup("{}");
	}
	text = ank_proto_feed_encode(&f, &err);
	assert_non_null(text);
	free(text);
	ank_proto_feed_free(&f);
	assert_int_equal(f.n, 0);
}

static void test_feed_refused(void **state)
{
	(void)state;
	static const bad_case cases[] = {
	        {"ids not increasing",
	         FEED("50", CH("43", "command", "{}") "," CH("42", "command", "{}")),
	         "changes[1].id: must be above the id before, 43"},
	        {"ids repeated",
	         FEED("50", CH("42", "command", "{}") "," CH("42", "command", "{}")),
	         "changes[1].id: must be above"},
	        {"id above the cursor",
	         FEED("42", CH("42", "command", "{}") "," CH("43", "command", "{}")),
	         "changes[1].id: 43 is above the cursor 42"},
	        {"id 0", FEED("42", CH("0", "command", "{}")), "changes[0].id: must be 1 or more"},
	        {"id missing", FEED("42", "{\"type\":\"command\",\"payload\":{}}"),
	         "changes[0].id: missing"},
	        {"type uppercase", FEED("42", CH("1", "Command", "{}")),
	         "changes[0].type: must be"},
	        {"payload an array", FEED("42", CH("1", "command", "[]")),
	         "changes[0].payload: must be a JSON object"},
	        {"payload missing", FEED("42", "{\"id\":1,\"type\":\"command\"}"),
	         "changes[0].payload: missing"},
	        {"unknown change field",
	         FEED("42", "{\"id\":1,\"type\":\"command\",\"payload\":{},\"site\":\"demo\"}"),
	         "changes[0]: unknown field \"site\""},
	        {"change not an object", FEED("42", "[]"), "changes[0]: must be a JSON object"},
	        {"cursor negative", FEED("-1", ""), "cursor: must be 0 or more"},
	        {"cursor missing", "{\"v\":1,\"server_ms\":1,\"changes\":[]}", "cursor: missing"},
	        {"server_ms missing", "{\"v\":1,\"cursor\":1,\"changes\":[]}",
	         "server_ms: missing"},
	        {"server_ms negative", "{\"v\":1,\"cursor\":1,\"server_ms\":-1,\"changes\":[]}",
	         "server_ms: must be 0 or more"},
	        {"changes missing", "{\"v\":1,\"cursor\":1,\"server_ms\":1}", "changes: missing"},
	        {"changes an object", "{\"v\":1,\"cursor\":1,\"server_ms\":1,\"changes\":{}}",
	         "changes: must be an array"},
	        {"v 2", "{\"v\":2,\"cursor\":1,\"server_ms\":1,\"changes\":[]}",
	         "v: version 2 is not supported"},
	        {"unknown field",
	         "{\"v\":1,\"cursor\":1,\"server_ms\":1,\"changes\":[],\"more\":true}",
	         "body: unknown field \"more\""},
	        {"truncated", "{\"v\":1,\"cursor\":1,\"server_ms\":1,\"changes\":[",
	         "body: truncated"},
	        {"top-level array", "[]", "body: must be a JSON object"},
	};
	int failed = 0;
	expect_refused_cases(&failed, DECODE_FEED, cases, COUNT_OF(cases));
	ank_buf b;
	make_feed(&b, ANK_PROTO_MAX_CHANGES + 1);
	expect_refused(&failed, DECODE_FEED, "501 changes", b.data, b.len,
	               "changes: 501 changes, at most 500");
	ank_buf_free(&b);

	/* The encoder holds central to the same rules. */
	char p[] = "{}";
	ank_change ch[2] = {{.id = 5, .type = "command", .payload = p},
	                    {.id = 6, .type = "command", .payload = p}};
	const struct {
		const char *name;
		ank_feed f;
		const char *expect;
	} enc[] = {
	        {"id above the cursor",
	         {.cursor = 5, .n = 2, .ch = ch},
	         "changes[1].id: 6 is above"},
	        {"too many changes",
	         {.cursor = 6, .n = ANK_PROTO_MAX_CHANGES + 1, .ch = ch},
	         "changes: 501 changes"},
	        {"n without an array", {.cursor = 6, .n = 1}, "changes: missing"},
	        {"cursor negative", {.cursor = -1}, "cursor: must be 0 or more"},
	};
	for (size_t i = 0; i < COUNT_OF(enc); i++) {
		ank_err err = {""};
		char *text = ank_proto_feed_encode(&enc[i].f, &err);
		if (text) {
			case_fail(&failed, "encode case %s: encoded as %.80s", enc[i].name, text);
			free(text);
		} else if (!strstr(err.msg, enc[i].expect)) {
			case_fail(&failed, "encode case %s: message '%s', expected '%s'",
			          enc[i].name, err.msg, enc[i].expect);
		}
	}
	ank_feed bad = {.cursor = 9, .n = 1, .ch = ch};
	ch[0].payload = "{\"a\":";
	ank_err err = {""};
	assert_null(ank_proto_feed_encode(&bad, &err));
	assert_non_null(strstr(err.msg, "changes[0].payload: truncated"));
	assert_cases_passed(failed);
}

/* ---- answers ---- */

static void test_answers(void **state)
{
	(void)state;
	ank_err err = {""};
	char *text = ank_proto_ack_encode(5, 1795431600000);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"acked\":5,\"server_ms\":1795431600000}");
	long long acked = -1, server_ms = -1;
	ank_errcode code = ANK_ERR_GAP;
	if (ank_proto_ack_decode(text, strlen(text), &acked, &server_ms, &code, &err))
		fail_msg("ack: %s", err.msg);
	assert_int_equal(acked, 5);
	assert_int_equal(server_ms, T0);
	assert_int_equal(code, ANK_ERR_UNKNOWN);
	free(text);

	text = ank_proto_error_encode(ANK_ERR_CONFLICT, "seq 5 is \"held\"\nreset?", 7);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"error\":\"seq 5 is \\\"held\\\"\\nreset?\","
	                          "\"code\":\"conflict\",\"server_ms\":7}");
	free(text);
	/* A message cut inside "ø" by a bounded format loses only the broken byte. */
	text = ank_proto_error_encode(ANK_ERR_INVALID_FIELD, "for L\xc3", 7);
	assert_non_null(text);
	assert_string_equal(
	        text, "{\"v\":1,\"error\":\"for L\",\"code\":\"invalid_field\",\"server_ms\":7}");
	free(text);
	/* a 4-byte character cut after 3 */
	text = ank_proto_error_encode(ANK_ERR_INVALID_FIELD, "for L\xf0\x9f\x98", 7);
	assert_non_null(text);
	assert_string_equal(
	        text, "{\"v\":1,\"error\":\"for L\",\"code\":\"invalid_field\",\"server_ms\":7}");
	free(text);
	/* Broken in the middle: not something cutting explains, so the text is not sent. */
	text = ank_proto_error_encode(ANK_ERR_BAD_REQUEST,
	                              "a\xff"
	                              "b",
	                              7);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"error\":\"the error message was not valid UTF-8\","
	                          "\"code\":\"bad_request\",\"server_ms\":7}");
	free(text);
	text = ank_proto_error_encode(ANK_ERR_UNAVAILABLE, NULL, 7);
	assert_non_null(text);
	assert_string_equal(
	        text,
	        "{\"v\":1,\"error\":\"unknown error\",\"code\":\"unavailable\",\"server_ms\":7}");
	free(text);

	/* Every code: encoded with its wire name, decoded back to itself; the names are
	 * lowercase [a-z_] and distinct, since kiosks in the field compare them. */
	for (int c = 1; c < ANK_ERR_COUNT; c++) {
		const char *name = ank_errcode_name((ank_errcode)c);
		assert_true(strlen(name) > 0 &&
		            strspn(name, "abcdefghijklmnopqrstuvwxyz_") == strlen(name));
		for (int d = 1; d < c; d++)
			assert_string_not_equal(name, ank_errcode_name((ank_errcode)d));
		text = ank_proto_error_encode((ank_errcode)c, "why", 7);
		assert_non_null(text);
		code = ANK_ERR_UNKNOWN;
		acked = server_ms = -7;
		assert_int_equal(
		        ank_proto_ack_decode(text, strlen(text), &acked, &server_ms, &code, &err),
		        -1);
		if (code != (ank_errcode)c)
			fail_msg("code %s decoded as %s", name, ank_errcode_name(code));
		assert_non_null(strstr(err.msg, "central refused the request: why"));
		assert_int_equal(acked, -7);
		free(text);
	}
	assert_string_equal(ank_errcode_name(ANK_ERR_UNKNOWN), "unknown");
	assert_string_equal(ank_errcode_name((ank_errcode)999), "unknown");
	assert_int_equal(ank_errcode_from_name(NULL), ANK_ERR_UNKNOWN);
	assert_int_equal(ank_errcode_from_name("unknown"), ANK_ERR_UNKNOWN);
	assert_int_equal(ank_errcode_from_name("GAP"), ANK_ERR_UNKNOWN);

	/* Golden cases of error answers a kiosk may meet: an older central sends no code, a
	 * newer one may send a code this build does not know; both are refusals with code
	 * unknown, never an unreadable answer. */
	static const struct {
		const char *name, *body;
		ank_errcode want;
	} answers[] = {
	        {"gap", "{\"v\":1,\"error\":\"x\",\"code\":\"gap\",\"server_ms\":1}", ANK_ERR_GAP},
	        {"conflict", "{\"v\":1,\"error\":\"x\",\"code\":\"conflict\",\"server_ms\":1}",
	         ANK_ERR_CONFLICT},
	        {"no code (older central)", "{\"v\":1,\"error\":\"x\",\"server_ms\":1}",
	         ANK_ERR_UNKNOWN},
	        {"no code, no clock", "{\"v\":1,\"error\":\"x\"}", ANK_ERR_UNKNOWN},
	        {"newer code", "{\"v\":1,\"error\":\"x\",\"code\":\"shiny_new\"}", ANK_ERR_UNKNOWN},
	        {"code not a string", "{\"v\":1,\"error\":\"x\",\"code\":409}", ANK_ERR_UNKNOWN},
	        {"code before error", "{\"code\":\"gap\",\"v\":1,\"error\":\"x\"}", ANK_ERR_GAP},
	};
	for (size_t i = 0; i < COUNT_OF(answers); i++) {
		code = ANK_ERR_BAD_REQUEST;
		int rc = ank_proto_ack_decode(answers[i].body, strlen(answers[i].body), &acked,
		                              &server_ms, &code, &err);
		if (rc != -1 || code != answers[i].want ||
		    !strstr(err.msg, "central refused the request: x"))
			fail_msg("case %s: rc %d, code %s, '%s'", answers[i].name, rc,
			         ank_errcode_name(code), err.msg);
	}
	/* A refusal that is not an error answer carries no code. */
	code = ANK_ERR_GAP;
	assert_int_equal(ank_proto_ack_decode("[1]", 3, &acked, &server_ms, &code, &err), -1);
	assert_int_equal(code, ANK_ERR_UNKNOWN);

	/* The kiosk reads an error answer as a failure quoting central, controls made harmless
	 * and the quote cut short. */
	char long_msg[1000];
	memset(long_msg, 'x', sizeof long_msg - 1);
	long_msg[sizeof long_msg - 1] = '\0';
	long_msg[0] = '\n';
	text = ank_proto_error_encode(ANK_ERR_BAD_REQUEST, long_msg, 7);
	assert_non_null(text);
	acked = server_ms = -7;
	assert_int_equal(ank_proto_ack_decode(text, strlen(text), &acked, &server_ms, &code, &err),
	                 -1);
	assert_non_null(strstr(err.msg, "central refused the request: ?xxxx"));
	assert_true(strlen(err.msg) < 40 + 160);
	assert_int_equal(acked, -7);
	free(text);

	static const bad_case cases[] = {
	        {"acked missing", "{\"v\":1,\"server_ms\":1}", "acked: missing"},
	        {"acked negative", "{\"v\":1,\"acked\":-1,\"server_ms\":1}",
	         "acked: must be 0 or more"},
	        {"acked as text", "{\"v\":1,\"acked\":\"5\",\"server_ms\":1}",
	         "acked: must be an integer"},
	        {"server_ms missing", "{\"v\":1,\"acked\":5}", "server_ms: missing"},
	        {"v 2", "{\"v\":2,\"acked\":5,\"server_ms\":1}", "v: version 2 is not supported"},
	        {"unknown field", "{\"v\":1,\"acked\":5,\"server_ms\":1,\"next\":6}",
	         "body: unknown field \"next\""},
	        {"error answer",
	         "{\"v\":1,\"error\":\"seq 5 is already held with other content: the kiosk "
	         "database "
	         "was reset\"}",
	         "central refused the request: seq 5 is already held with other content"},
	        {"error not a string", "{\"v\":1,\"error\":5}", "error: must be a string"},
	        {"not JSON", "<html>502 Bad Gateway</html>", "body: invalid JSON"},
	        {"empty", "", "body: empty"},
	};
	int failed = 0;
	expect_refused_cases(&failed, DECODE_ACK, cases, COUNT_OF(cases));
	assert_cases_passed(failed);
}

/* ---- the exact examples of docs/api.md ---- */

/* The JSON block after "<!-- example: KIND -->" in docs/api.md, into out. */
static void doc_example(const char *doc, const char *kind, char *out, size_t n)
{
	char mark[64];
	snprintf(mark, sizeof mark, "<!-- example: %s -->\n```json\n", kind);
	const char *p = strstr(doc, mark);
	if (!p)
		fail_msg("docs/api.md has no example '%s'", kind);
	p += strlen(mark);
	const char *end = strstr(p, "\n```");
	assert_non_null(end);
	assert_true((size_t)(end - p) < n);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

/* Every exact example decodes with its decoder and encodes back to the same bytes, so the
 * page cannot drift from the code. */
static void test_doc_examples(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof path, "%s/docs/api.md", test_source_dir());
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	static char doc[256 * 1024];
	size_t len = fread(doc, 1, sizeof doc - 1, fp);
	fclose(fp);
	doc[len] = '\0';
	static char text[16384];
	ank_err err;

	doc_example(doc, "batch", text, sizeof text);
	static ank_batch b;
	assert_int_equal(ank_proto_batch_decode(text, strlen(text), &b, &err), 0);
	assert_int_equal(b.n, 2);
	char *again = ank_proto_batch_encode(&b, &err);
	assert_non_null(again);
	assert_string_equal(again, text);
	free(again);
	ank_proto_batch_free(&b);

	doc_example(doc, "feed", text, sizeof text);
	ank_feed f;
	assert_int_equal(ank_proto_feed_decode(text, strlen(text), &f, &err), 0);
	assert_int_equal(f.n, 2);
	again = ank_proto_feed_encode(&f, &err);
	assert_non_null(again);
	assert_string_equal(again, text);
	free(again);
	ank_proto_feed_free(&f);

	doc_example(doc, "ack", text, sizeof text);
	long long acked = -1, server_ms = -1;
	ank_errcode code;
	assert_int_equal(ank_proto_ack_decode(text, strlen(text), &acked, &server_ms, &code, &err),
	                 0);
	again = ank_proto_ack_encode(acked, server_ms);
	assert_non_null(again);
	assert_string_equal(again, text);
	free(again);

	doc_example(doc, "error", text, sizeof text);
	assert_int_equal(ank_proto_ack_decode(text, strlen(text), &acked, &server_ms, &code, &err),
	                 -1);
	assert_non_null(strstr(err.msg, "already held with other content"));
	assert_int_equal(code, ANK_ERR_CONFLICT);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	again = ank_proto_error_encode(
	        ank_errcode_from_name(json_string_value(json_object_get(j, "code"))),
	        json_string_value(json_object_get(j, "error")),
	        json_integer_value(json_object_get(j, "server_ms")));
	assert_non_null(again);
	assert_string_equal(again, text);
	free(again);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_batch_round_trip),
	        cmocka_unit_test(test_batch_limits_pass),
	        cmocka_unit_test(test_batch_refused),
	        cmocka_unit_test(test_batch_encode_refused),
	        cmocka_unit_test(test_batch_fast_path),
	        cmocka_unit_test(test_payload_reader),
	        cmocka_unit_test(test_feed_round_trip),
	        cmocka_unit_test(test_feed_refused),
	        cmocka_unit_test(test_answers),
	        cmocka_unit_test(test_doc_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
