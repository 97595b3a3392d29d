/* libFuzzer target for event payloads: the input is put in a batch as the payload of one
 * event, and the fast path must agree with the tree decoder on it, the payload reader
 * with jansson on every top-level member of whatever was accepted, and the typed reader of
 * the wire vocabulary with jansson on every event type's fields. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_int.h"
#include "wire.h"

#define HEAD                                                                                       \
	"{\"v\":1,\"kiosk\":\"k-1\",\"events\":[{\"seq\":1,\"id\":"                                \
	"\"0123456789abcdef0123456789abcdef\",\"type\":\"ticket.issued\",\"at\":1,\"payload\":"
#define TAIL "}]}"

static ank_batch fast, tree;

/* True when jansson writes the name with an escape in it: a quote, a backslash or a control
 * character. The reader compares names as raw bytes, so such names are outside its
 * contract (and no payload of ours has one). */
static int escaped_name(const char *key)
{
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\')
			return 1;
	return 0;
}

/* The reader must see each member as jansson does: a string with its exact bytes (cut to the
 * buffer), an integer with its value, anything else as no string and no integer. */
static void check_reader(const char *text)
{
	json_t *p = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(p))
		abort();
	/* Every name at once through ank_proto_payload_find must find what the one-name
	 * reads below find. */
	enum { MAX_KEYS = 64 };
	const char *keys[MAX_KEYS], *vals[MAX_KEYS];
	int nk = 0;
	const char *key;
	json_t *v;
	json_object_foreach(p, key, v)
	{
		if (nk < MAX_KEYS && !escaped_name(key))
			keys[nk++] = key;
	}
	ank_proto_payload_find(text, keys, nk, vals);
	for (int i = 0; i < nk; i++) {
		json_t *m = json_object_get(p, keys[i]);
		char buf[64];
		long long x = 0, y = 0;
		if (!vals[i] || ank_proto_value_str(vals[i], buf, sizeof buf) !=
		                        (json_is_string(m) ? (long)json_string_length(m) : -1))
			abort();
		if (ank_proto_value_int(vals[i], &x) != ank_proto_payload_int(text, keys[i], &y) ||
		    x != y)
			abort();
	}
	json_object_foreach(p, key, v)
	{
		/* The reader compares names as raw bytes; canonical names with escapes in them
		 * (a quote, a backslash, a control character) are outside its contract. */
		if (escaped_name(key))
			continue;
		char buf[64];
		long n = ank_proto_payload_str(text, key, buf, sizeof buf);
		if (json_is_string(v)) {
			size_t len = json_string_length(v);
			size_t kept = len < sizeof buf ? len : sizeof buf - 1;
			if (n != (long)len || memcmp(buf, json_string_value(v), kept) != 0 ||
			    buf[kept] != '\0')
				abort();
		} else if (n != -1) {
			abort();
		}
		long long i = 0;
		int rc = ank_proto_payload_int(text, key, &i);
		if (json_is_integer(v) ? rc != 0 || i != json_integer_value(v) : rc != -1)
			abort();
	}
	json_decref(p);
}

/* Whatever ank_wire_event_read accepts as type t must have, by jansson, every required field
 * of t with the JSON type its field type demands, and the ids and integers it read must be
 * jansson's values. */
static void check_typed(const char *text)
{
	json_t *p = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	for (int t = 0; t < ANK_EV_COUNT; t++) {
		ank_wire_event ev;
		ank_err err;
		if (ank_wire_event_read((ank_ev)t, text, &ev, &err))
			continue;
		int n = 0;
		const ank_wire_field *f = ank_ev_fields((ank_ev)t, &n);
		for (int i = 0; i < n; i++) {
			json_t *v = json_object_get(p, ank_field_names[f[i].field]);
			if (!v || json_is_null(v)) {
				if (f[i].required)
					abort();
				continue;
			}
			switch (f[i].type) {
			case ANK_FT_INT:
				if (!json_is_integer(v) ||
				    json_integer_value(v) != ev.num[f[i].field])
					abort();
				break;
			case ANK_FT_ARRAY:
				if (!json_is_array(v))
					abort();
				break;
			case ANK_FT_TEXT:
				if (!json_is_string(v))
					abort();
				break;
			default:
				if (!json_is_string(v) ||
				    strcmp(json_string_value(v), ev.id[f[i].field]))
					abort();
			}
		}
	}
	json_decref(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > ANK_PROTO_MAX_PAYLOAD + 16)
		return 0;
	size_t len = sizeof HEAD - 1 + size + sizeof TAIL - 1;
	char *body = malloc(len);
	if (!body)
		return 0;
	memcpy(body, HEAD, sizeof HEAD - 1);
	memcpy(body + sizeof HEAD - 1, data, size);
	memcpy(body + sizeof HEAD - 1 + size, TAIL, sizeof TAIL - 1);
	ank_err err;
	int took = ank_proto_batch_decode_fast(body, len, &fast);
	int rc = ank_proto_batch_decode_tree(body, len, &tree, &err);
	if (took) {
		if (rc != 0 || fast.n != 1 || tree.n != 1 ||
		    strcmp(fast.ev[0].payload, tree.ev[0].payload) != 0)
			abort();
		/* The fast path keeps the payload's own bytes (without the spaces around it, which
		 * belong to the body): they must be canonical already. */
		const char *p = (const char *)data, *end = p + size;
		while (p < end && strchr(" \t\n\r", *p) && *p)
			p++;
		while (end > p && strchr(" \t\n\r", end[-1]) && end[-1])
			end--;
		if (strlen(fast.ev[0].payload) != (size_t)(end - p) ||
		    memcmp(fast.ev[0].payload, p, (size_t)(end - p)) != 0)
			abort();
	} else if (fast.n != 0) {
		abort();
	}
	if (rc == 0) {
		check_reader(tree.ev[0].payload);
		check_typed(tree.ev[0].payload);
	}
	ank_proto_batch_free(&fast);
	ank_proto_batch_free(&tree);
	free(body);
	return 0;
}
