/* libFuzzer target for the sync protocol decoders: any input must be refused cleanly or decoded,
 * whatever decodes must encode to a body that decodes again to the same values, and the batch
 * decoder's fast path must agree with its tree decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_int.h"

/* Each round trip must give back exactly what was encoded; a difference is a bug we want as a
 * crash, with the input saved by libFuzzer. */
static void same_batch(const ank_batch *a, const ank_batch *b)
{
	if (strcmp(a->kiosk, b->kiosk) != 0 || a->n != b->n)
		abort();
	for (int i = 0; i < a->n; i++) {
		const ank_event *x = &a->ev[i], *y = &b->ev[i];
		if (x->seq != y->seq || x->at_ms != y->at_ms || strcmp(x->id, y->id) != 0 ||
		    strcmp(x->type, y->type) != 0 || strcmp(x->payload, y->payload) != 0)
			abort();
	}
}

static void same_feed(const ank_feed *a, const ank_feed *b)
{
	if (a->cursor != b->cursor || a->server_ms != b->server_ms || a->n != b->n)
		abort();
	for (int i = 0; i < a->n; i++) {
		const ank_change *x = &a->ch[i], *y = &b->ch[i];
		if (x->id != y->id || strcmp(x->type, y->type) != 0 ||
		    strcmp(x->payload, y->payload) != 0)
			abort();
	}
}

/* Two batches of ~10 KiB each: static, as the harness runs one input at a time. */
static ank_batch batch, again;

static void fuzz_batch(const char *body, size_t len)
{
	ank_err err;
	/* What the fast path takes, the tree decoder takes with the same result. */
	if (ank_proto_batch_decode_fast(body, len, &batch)) {
		if (ank_proto_batch_decode_tree(body, len, &again, &err) != 0)
			abort();
		same_batch(&batch, &again);
		ank_proto_batch_free(&again);
		ank_proto_batch_free(&batch);
	} else if (batch.n != 0) {
		abort();
	}
	if (ank_proto_batch_decode(body, len, &batch, &err) != 0) {
		if (batch.n != 0) /* a refusal must leave nothing behind */
			abort();
		return;
	}
	char *text = ank_proto_batch_encode(&batch, &err);
	if (!text || ank_proto_batch_decode(text, strlen(text), &again, &err) != 0)
		abort();
	same_batch(&batch, &again);
	free(text);
	ank_proto_batch_free(&again);
	ank_proto_batch_free(&batch);
}

static void fuzz_feed(const char *body, size_t len)
{
	ank_feed feed, back;
	ank_err err;
	if (ank_proto_feed_decode(body, len, &feed, &err) != 0) {
		if (feed.n != 0 || feed.ch)
			abort();
		return;
	}
	char *text = ank_proto_feed_encode(&feed, &err);
	if (!text || ank_proto_feed_decode(text, strlen(text), &back, &err) != 0)
		abort();
	same_feed(&feed, &back);
	free(text);
	ank_proto_feed_free(&back);
	ank_proto_feed_free(&feed);
}

static void fuzz_ack(const char *body, size_t len)
{
	long long acked, server_ms;
	ank_err err;
	ank_errcode code, code2;
	if (ank_proto_ack_decode(body, len, &acked, &server_ms, &code, &err) != 0) {
		/* An error answer's code survives being sent again. */
		if (code == ANK_ERR_UNKNOWN)
			return;
		char *text = ank_proto_error_encode(code, "again", 1);
		long long a2, t2;
		if (!text ||
		    ank_proto_ack_decode(text, strlen(text), &a2, &t2, &code2, &err) != -1 ||
		    code2 != code)
			abort();
		free(text);
		return;
	}
	char *text = ank_proto_ack_encode(acked, server_ms);
	long long a2, t2;
	if (!text || ank_proto_ack_decode(text, strlen(text), &a2, &t2, &code2, &err) != 0 ||
	    a2 != acked || t2 != server_ms)
		abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	fuzz_batch(body, size);
	fuzz_feed(body, size);
	fuzz_ack(body, size);
	return 0;
}
