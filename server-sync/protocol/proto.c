/* Decoding and encoding of the sync bodies of docs/api.md: strict on input, so that central
 * stores nothing it cannot explain and a kiosk applies nothing half understood. */
#include "proto.h"
#include "proto_int.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Payloads are compact with sorted keys: one event has one text, so central's idempotency
 * check (same seq, same content) compares texts and not key orders. */
#define PAYLOAD_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)
/* Bodies keep the field order of docs/api.md for people reading them with curl -v. */
#define BODY_FLAGS JSON_COMPACT
/* The level of a payload object: body, events (or changes) array, event (or change). */
#define PAYLOAD_DEPTH 4
/* Enough of an input field name to recognise it in a log, too little to flood the log. */
#define ECHO_NAME_MAX 40
/* Enough of central's error text to act on; it ends up in the kiosk's log. */
#define ECHO_ERROR_MAX 160
/* A field path such as "events[99].payload", or an unknown field below an event. */
#define WHERE_MAX 96

static const char KIOSK_CHARS[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
static const char ID_CHARS[] = "0123456789abcdef";
static const char TYPE_CHARS[] = "abcdefghijklmnopqrstuvwxyz._";

/* ---- shared checks ---- */

/* Copies a prefix of the UTF-8 text src into dst (cap bytes) without cutting a character, with
 * control bytes replaced by '?', so that echoed input can neither flood nor forge log lines. */
static void echo(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n > cap - 1) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[n] = '\0';
}

static bool chars_ok(const char *s, size_t n, size_t min, size_t max, const char *set)
{
	return n >= min && n <= max && strspn(s, set) == n;
}

static int check_kiosk(const char *s, size_t n, ank_err *err)
{
	if (!chars_ok(s, n, 1, ANK_PROTO_KIOSK_MAX, KIOSK_CHARS))
		return ank_err_set(err, "kiosk: must be 1 to %d characters of A-Z a-z 0-9 _ -",
		                   ANK_PROTO_KIOSK_MAX);
	return 0;
}

/* "events[3]" + "id" -> "events[3].id"; a top-level field is its own name. Built only when
 * an error names the field: formatting every path of every event cost a sixth of decoding. */
static const char *field(char *buf, size_t cap, const char *where, const char *name)
{
	snprintf(buf, cap, "%s%s%s", where, *where ? "." : "", name);
	return buf;
}

static int check_id(const char *s, size_t n, const char *where, ank_err *err)
{
	char f[WHERE_MAX];
	if (!chars_ok(s, n, ANK_PROTO_ID_LEN, ANK_PROTO_ID_LEN, ID_CHARS))
		return ank_err_set(err, "%s: must be %d lowercase hex digits",
		                   field(f, sizeof f, where, "id"), ANK_PROTO_ID_LEN);
	return 0;
}

static int check_type(const char *s, size_t n, const char *where, ank_err *err)
{
	char f[WHERE_MAX];
	if (!chars_ok(s, n, 1, ANK_PROTO_TYPE_MAX, TYPE_CHARS))
		return ank_err_set(err, "%s: must be 1 to %d characters of a-z . _",
		                   field(f, sizeof f, where, "type"), ANK_PROTO_TYPE_MAX);
	return 0;
}

/* True when j, standing at nesting level `depth`, holds anything deeper than
 * ANK_PROTO_MAX_DEPTH. The walk turns back one level past the limit, so its stack stays small
 * whatever the input. Appends to `path` the way to the culprit through the protocol's own
 * levels (above payloads), e.g. "events[2].payload"; leaves it unchanged when false. */
static bool too_deep(json_t *j, int depth, char *path, size_t cap)
{
	if (!json_is_object(j) && !json_is_array(j))
		return false;
	if (depth > ANK_PROTO_MAX_DEPTH)
		return true;
	size_t len = strlen(path);
	bool name = depth < PAYLOAD_DEPTH;
	if (json_is_object(j)) {
		const char *key;
		json_t *v;
		json_object_foreach(j, key, v)
		{
			if (name) {
				char k[ECHO_NAME_MAX + 1];
				echo(k, sizeof k, key);
				snprintf(path + len, cap - len, "%s%s", len ? "." : "", k);
			}
			if (too_deep(v, depth + 1, path, cap))
				return true;
			path[len] = '\0';
		}
		return false;
	}
	size_t i;
	json_t *v;
	json_array_foreach(j, i, v)
	{
		if (name)
			snprintf(path + len, cap - len, "[%zu]", i);
		if (too_deep(v, depth + 1, path, cap))
			return true;
		path[len] = '\0';
	}
	return false;
}

/* Turns a jansson parse error into our message, by kind and position only: jansson's own text
 * quotes the input near the error. */
static int parse_error(const json_error_t *je, const char *f, ank_err *err)
{
	switch (json_error_code(je)) {
	case json_error_out_of_memory:
		return ank_err_set(err, "%s: out of memory while parsing", f);
	case json_error_invalid_utf8:
		return ank_err_set(err, "%s: invalid UTF-8 at byte %d", f, je->position);
	case json_error_premature_end_of_input:
		return ank_err_set(err, "%s: truncated JSON, it ends inside a value at byte %d", f,
		                   je->position);
	case json_error_duplicate_key:
		return ank_err_set(err, "%s: duplicate key at line %d column %d", f, je->line,
		                   je->column);
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return ank_err_set(err, "%s: NUL character in a string at line %d column %d", f,
		                   je->line, je->column);
	case json_error_numeric_overflow:
		return ank_err_set(err, "%s: number out of range at line %d column %d", f, je->line,
		                   je->column);
	case json_error_stack_overflow:
		return ank_err_set(err, "%s: nested more than %d levels deep", f,
		                   ANK_PROTO_MAX_DEPTH);
	default:
		return ank_err_set(err, "%s: invalid JSON at line %d column %d", f, je->line,
		                   je->column);
	}
}

/* Parses a body of at most max bytes into a JSON object no deeper than ANK_PROTO_MAX_DEPTH.
 * Returns a new reference the caller releases, or NULL with err. */
static json_t *parse_body(const char *body, size_t len, size_t max, ank_err *err)
{
	if (!body || len == 0) {
		ank_err_set(err, "body: empty");
		return NULL;
	}
	if (len > max) {
		ank_err_set(err, "body: too large, %zu bytes where at most %zu are allowed", len,
		            max);
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		parse_error(&je, "body", err);
		return NULL;
	}
	char path[WHERE_MAX] = "";
	if (!json_is_object(root))
		ank_err_set(err, "body: must be a JSON object");
	else if (too_deep(root, 1, path, sizeof path))
		ank_err_set(err, "%s: nested more than %d levels deep", path, ANK_PROTO_MAX_DEPTH);
	else
		return root;
	json_decref(root);
	return NULL;
}

static int check_version(json_t *root, ank_err *err)
{
	json_t *v = json_object_get(root, "v");
	if (!v)
		return ank_err_set(err, "v: missing, the protocol version (%d)", ANK_PROTO_VERSION);
	if (!json_is_integer(v))
		return ank_err_set(err, "v: must be an integer, the protocol version (%d)",
		                   ANK_PROTO_VERSION);
	if (json_integer_value(v) != ANK_PROTO_VERSION)
		return ank_err_set(err, "v: version %lld is not supported, this end speaks %d",
		                   (long long)json_integer_value(v), ANK_PROTO_VERSION);
	return 0;
}

/* Refuses any member of obj not listed in `known` (NULL-terminated): a field we would ignore
 * is a field whose meaning the sender and we disagree on. */
static int only_known(json_t *obj, const char *const *known, const char *f, ank_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		const char *const *k = known;
		while (*k && strcmp(*k, key) != 0)
			k++;
		if (!*k) {
			char name[ECHO_NAME_MAX + 1];
			echo(name, sizeof name, key);
			return ank_err_set(err, "%s: unknown field \"%s\"", f, name);
		}
	}
	return 0;
}

/* Reads integer member `name` of obj, which must be >= min, into *out. */
static int get_int(json_t *obj, const char *where, const char *name, long long min, long long *out,
                   ank_err *err)
{
	json_t *v = json_object_get(obj, name);
	if (v && json_is_integer(v) && json_integer_value(v) >= min) {
		*out = json_integer_value(v);
		return 0;
	}
	char f[WHERE_MAX];
	field(f, sizeof f, where, name);
	if (!v)
		return ank_err_set(err, "%s: missing", f);
	if (!json_is_integer(v))
		return ank_err_set(err, "%s: must be an integer", f);
	return ank_err_set(err, "%s: must be %lld or more", f, min);
}

/* Points *s at string member `name` of obj (owned by obj) and its length in *n. jansson
 * refuses NUL inside strings, so strlen(*s) == *n. */
static int get_str(json_t *obj, const char *where, const char *name, const char **s, size_t *n,
                   ank_err *err)
{
	json_t *v = json_object_get(obj, name);
	if (json_is_string(v)) {
		*s = json_string_value(v);
		*n = json_string_length(v);
		return 0;
	}
	char f[WHERE_MAX];
	field(f, sizeof f, where, name);
	return ank_err_set(err, v ? "%s: must be a string" : "%s: missing", f);
}

/* Writes the compact, key-sorted text of payload p into buf (ANK_PROTO_MAX_PAYLOAD bytes, not
 * NUL-terminated) and returns its length; 0 with err when p is not an object, nests too deep
 * (p standing at level PAYLOAD_DEPTH) or does not fit. */
static size_t payload_dump(json_t *p, const char *where, char *buf, ank_err *err)
{
	char path[WHERE_MAX] = "", f[WHERE_MAX];
	size_t n = 0;
	if (json_is_object(p) && !too_deep(p, PAYLOAD_DEPTH, path, sizeof path)) {
		n = json_dumpb(p, buf, ANK_PROTO_MAX_PAYLOAD, PAYLOAD_FLAGS);
		if (n > 0 && n <= ANK_PROTO_MAX_PAYLOAD)
			return n;
	}
	field(f, sizeof f, where, "payload");
	if (!json_is_object(p))
		ank_err_set(err, "%s: must be a JSON object", f);
	else if (too_deep(p, PAYLOAD_DEPTH, path, sizeof path))
		ank_err_set(err, "%s: nested more than %d levels deep, counting from the body", f,
		            ANK_PROTO_MAX_DEPTH);
	else if (n == 0)
		ank_err_set(err, "%s: out of memory while encoding", f);
	else
		ank_err_set(err, "%s: %zu bytes of compact JSON, at most %d are allowed", f, n,
		            ANK_PROTO_MAX_PAYLOAD);
	return 0;
}

/* Reads member "payload" of obj and returns its compact text, malloc'd for the caller. */
static char *get_payload(json_t *obj, const char *where, ank_err *err)
{
	char f[WHERE_MAX];
	json_t *p = json_object_get(obj, "payload");
	if (!p) {
		ank_err_set(err, "%s: missing", field(f, sizeof f, where, "payload"));
		return NULL;
	}
	char buf[ANK_PROTO_MAX_PAYLOAD];
	size_t n = payload_dump(p, where, buf, err);
	if (n == 0)
		return NULL;
	char *text = malloc(n + 1);
	if (!text) {
		ank_err_set(err, "%s: out of memory", field(f, sizeof f, where, "payload"));
		return NULL;
	}
	memcpy(text, buf, n);
	text[n] = '\0';
	return text;
}

/* Parses a stored payload text back into JSON for an encoder, holding it to the decoder's
 * rules. Returns a new reference, or NULL with err. */
static json_t *load_payload(const char *text, const char *where, ank_err *err)
{
	char f[WHERE_MAX];
	field(f, sizeof f, where, "payload");
	if (!text) {
		ank_err_set(err, "%s: missing", f);
		return NULL;
	}
	json_error_t je;
	json_t *p = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!p) {
		parse_error(&je, f, err);
		return NULL;
	}
	char buf[ANK_PROTO_MAX_PAYLOAD];
	if (payload_dump(p, where, buf, err) == 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

/* json_object_set_new that also fails on a NULL value (a failed json_integer and the like);
 * the value is released on failure either way. */
static int put(json_t *obj, const char *key, json_t *v)
{
	return v ? json_object_set_new(obj, key, v) : -1;
}

/* Dumps a body built by an encoder and releases it. Returns malloc'd text or NULL with err. */
static char *dump_body(json_t *root, size_t max, ank_err *err)
{
	char *text = root ? json_dumps(root, BODY_FLAGS) : NULL;
	json_decref(root);
	if (!text) {
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	size_t n = strlen(text);
	if (n > max) {
		free(text);
		ank_err_set(err, "body: too large, %zu bytes where at most %zu are allowed", n,
		            max);
		return NULL;
	}
	return text;
}

/* ---- events up ---- */

static const char *const BATCH_FIELDS[] = {"v", "kiosk", "events", NULL};
static const char *const EVENT_FIELDS[] = {"seq", "id", "type", "at", "payload", NULL};

/* Seq rule shared by decoder and encoder: the first >= 1 (checked by the caller), each next one
 * exactly one more. Written without prev + 1 so that it cannot overflow. */
static int check_seq_follows(long long seq, long long prev, const char *where, ank_err *err)
{
	if (seq <= prev || seq - prev != 1)
		return ank_err_set(err, "%s.seq: must follow %lld by exactly 1", where, prev);
	return 0;
}

static int event_from_json(json_t *e, const char *where, long long prev, ank_event *ev,
                           ank_err *err)
{
	const char *s = NULL;
	size_t n = 0;
	if (!json_is_object(e))
		return ank_err_set(err, "%s: must be a JSON object", where);
	if (only_known(e, EVENT_FIELDS, where, err) || get_int(e, where, "seq", 1, &ev->seq, err))
		return -1;
	if (prev > 0 && check_seq_follows(ev->seq, prev, where, err))
		return -1;
	if (get_str(e, where, "id", &s, &n, err) || check_id(s, n, where, err))
		return -1;
	memcpy(ev->id, s, n + 1);
	if (get_str(e, where, "type", &s, &n, err) || check_type(s, n, where, err))
		return -1;
	memcpy(ev->type, s, n + 1);
	if (get_int(e, where, "at", 0, &ev->at_ms, err))
		return -1;
	ev->payload = get_payload(e, where, err);
	return ev->payload ? 0 : -1;
}

static int batch_from_json(json_t *root, ank_batch *out, ank_err *err)
{
	const char *s = NULL;
	size_t n = 0;
	if (check_version(root, err) || only_known(root, BATCH_FIELDS, "body", err) ||
	    get_str(root, "", "kiosk", &s, &n, err) || check_kiosk(s, n, err))
		return -1;
	memcpy(out->kiosk, s, n + 1);
	json_t *events = json_object_get(root, "events");
	if (!events)
		return ank_err_set(err, "events: missing");
	if (!json_is_array(events))
		return ank_err_set(err, "events: must be an array");
	size_t count = json_array_size(events);
	if (count == 0 || count > ANK_PROTO_MAX_BATCH)
		return ank_err_set(err, "events: %zu events, a batch holds 1 to %d", count,
		                   ANK_PROTO_MAX_BATCH);
	for (size_t i = 0; i < count; i++) {
		char where[WHERE_MAX];
		snprintf(where, sizeof where, "events[%zu]", i);
		long long prev = i > 0 ? out->ev[i - 1].seq : 0;
		if (event_from_json(json_array_get(events, i), where, prev, &out->ev[i], err))
			return -1;
		out->n = (int)i + 1; /* the payload is ours now: batch_free releases it */
	}
	return 0;
}

int ank_proto_batch_decode(const char *body, size_t len, ank_batch *out, ank_err *err)
{
	/* The fast path took over from jansson parsing plus a sorted re-encode of each payload,
	 * which were the larger part of central's ingest time. */
	if (ank_proto_batch_decode_fast(body, len, out))
		return 0;
	return ank_proto_batch_decode_tree(body, len, out, err);
}

int ank_proto_batch_decode_tree(const char *body, size_t len, ank_batch *out, ank_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = parse_body(body, len, ANK_PROTO_MAX_BODY, err);
	if (!root)
		return -1;
	int rc = batch_from_json(root, out, err);
	json_decref(root);
	if (rc)
		ank_proto_batch_free(out);
	return rc;
}

void ank_proto_batch_free(ank_batch *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->n && i < ANK_PROTO_MAX_BATCH; i++)
		free(b->ev[i].payload);
	memset(b, 0, sizeof *b);
}

/* Builds one event's JSON after checking it like the decoder; NULL with err. */
static json_t *event_to_json(const ank_event *ev, const char *where, long long prev, ank_err *err)
{
	if (ev->seq < 1) {
		ank_err_set(err, "%s.seq: must be 1 or more", where);
		return NULL;
	}
	if (ev->at_ms < 0) {
		ank_err_set(err, "%s.at: must be 0 or more", where);
		return NULL;
	}
	if ((prev > 0 && check_seq_follows(ev->seq, prev, where, err)) ||
	    check_id(ev->id, strnlen(ev->id, sizeof ev->id), where, err) ||
	    check_type(ev->type, strnlen(ev->type, sizeof ev->type), where, err))
		return NULL;
	json_t *p = load_payload(ev->payload, where, err);
	if (!p)
		return NULL;
	json_t *e = json_object();
	if (!e || put(e, "seq", json_integer(ev->seq)) || put(e, "id", json_string(ev->id)) ||
	    put(e, "type", json_string(ev->type)) || put(e, "at", json_integer(ev->at_ms))) {
		json_decref(p);
		json_decref(e);
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	if (put(e, "payload", p)) {
		json_decref(e);
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	return e;
}

char *ank_proto_batch_encode(const ank_batch *b, ank_err *err)
{
	if (!b) {
		ank_err_set(err, "batch: missing");
		return NULL;
	}
	if (check_kiosk(b->kiosk, strnlen(b->kiosk, sizeof b->kiosk), err))
		return NULL;
	if (b->n < 1 || b->n > ANK_PROTO_MAX_BATCH) {
		ank_err_set(err, "events: %d events, a batch holds 1 to %d", b->n,
		            ANK_PROTO_MAX_BATCH);
		return NULL;
	}
	json_t *root = json_object();
	json_t *events = json_array();
	if (!root || !events || put(root, "v", json_integer(ANK_PROTO_VERSION)) ||
	    put(root, "kiosk", json_string(b->kiosk))) {
		json_decref(events);
		json_decref(root);
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	if (put(root, "events", events)) {
		json_decref(root);
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	for (int i = 0; i < b->n; i++) {
		char where[WHERE_MAX];
		snprintf(where, sizeof where, "events[%d]", i);
		json_t *e = event_to_json(&b->ev[i], where, i > 0 ? b->ev[i - 1].seq : 0, err);
		if (!e || json_array_append_new(events, e)) {
			if (e)
				ank_err_set(err, "out of memory while encoding");
			json_decref(root);
			return NULL;
		}
	}
	return dump_body(root, ANK_PROTO_MAX_BODY, err);
}

/* ---- changes down ---- */

static const char *const FEED_FIELDS[] = {"v", "cursor", "server_ms", "changes", NULL};
static const char *const CHANGE_FIELDS[] = {"id", "type", "payload", NULL};

/* Id rules shared by decoder and encoder: > 0, above the one before, not above the cursor. */
static int check_change_id(long long id, long long prev, long long cursor, const char *where,
                           ank_err *err)
{
	if (id < 1)
		return ank_err_set(err, "%s.id: must be 1 or more", where);
	if (id <= prev)
		return ank_err_set(err, "%s.id: must be above the id before, %lld", where, prev);
	if (id > cursor)
		return ank_err_set(err, "%s.id: %lld is above the cursor %lld", where, id, cursor);
	return 0;
}

static int change_from_json(json_t *c, const char *where, long long prev, long long cursor,
                            ank_change *ch, ank_err *err)
{
	const char *s = NULL;
	size_t n = 0;
	if (!json_is_object(c))
		return ank_err_set(err, "%s: must be a JSON object", where);
	if (only_known(c, CHANGE_FIELDS, where, err) || get_int(c, where, "id", 1, &ch->id, err) ||
	    check_change_id(ch->id, prev, cursor, where, err) ||
	    get_str(c, where, "type", &s, &n, err) || check_type(s, n, where, err))
		return -1;
	memcpy(ch->type, s, n + 1);
	ch->payload = get_payload(c, where, err);
	return ch->payload ? 0 : -1;
}

static int feed_from_json(json_t *root, ank_feed *out, ank_err *err)
{
	if (check_version(root, err) || only_known(root, FEED_FIELDS, "body", err) ||
	    get_int(root, "", "cursor", 0, &out->cursor, err) ||
	    get_int(root, "", "server_ms", 0, &out->server_ms, err))
		return -1;
	json_t *changes = json_object_get(root, "changes");
	if (!changes)
		return ank_err_set(err, "changes: missing");
	if (!json_is_array(changes))
		return ank_err_set(err, "changes: must be an array");
	size_t count = json_array_size(changes);
	if (count > ANK_PROTO_MAX_CHANGES)
		return ank_err_set(err, "changes: %zu changes, at most %d in one answer", count,
		                   ANK_PROTO_MAX_CHANGES);
	if (count == 0)
		return 0;
	out->ch = calloc(count, sizeof *out->ch);
	if (!out->ch)
		return ank_err_set(err, "changes: out of memory");
	for (size_t i = 0; i < count; i++) {
		char where[WHERE_MAX];
		snprintf(where, sizeof where, "changes[%zu]", i);
		long long prev = i > 0 ? out->ch[i - 1].id : 0;
		if (change_from_json(json_array_get(changes, i), where, prev, out->cursor,
		                     &out->ch[i], err))
			return -1;
		out->n = (int)i + 1; /* the payload is ours now: feed_free releases it */
	}
	return 0;
}

int ank_proto_feed_decode(const char *body, size_t len, ank_feed *out, ank_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = parse_body(body, len, ANK_PROTO_MAX_FEED_BODY, err);
	if (!root)
		return -1;
	int rc = feed_from_json(root, out, err);
	json_decref(root);
	if (rc)
		ank_proto_feed_free(out);
	return rc;
}

void ank_proto_feed_free(ank_feed *f)
{
	if (!f)
		return;
	for (int i = 0; f->ch && i < f->n; i++)
		free(f->ch[i].payload);
	free(f->ch);
	memset(f, 0, sizeof *f);
}

/* Builds one change's JSON after checking it like the decoder; NULL with err. */
static json_t *change_to_json(const ank_change *ch, const char *where, long long prev,
                              long long cursor, ank_err *err)
{
	if (check_change_id(ch->id, prev, cursor, where, err) ||
	    check_type(ch->type, strnlen(ch->type, sizeof ch->type), where, err))
		return NULL;
	json_t *p = load_payload(ch->payload, where, err);
	if (!p)
		return NULL;
	json_t *c = json_object();
	if (!c || put(c, "id", json_integer(ch->id)) || put(c, "type", json_string(ch->type))) {
		json_decref(p);
		json_decref(c);
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	if (put(c, "payload", p)) {
		json_decref(c);
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	return c;
}

char *ank_proto_feed_encode(const ank_feed *f, ank_err *err)
{
	if (!f) {
		ank_err_set(err, "feed: missing");
		return NULL;
	}
	if (f->cursor < 0) {
		ank_err_set(err, "cursor: must be 0 or more");
		return NULL;
	}
	if (f->server_ms < 0) {
		ank_err_set(err, "server_ms: must be 0 or more");
		return NULL;
	}
	if (f->n > 0 && !f->ch) {
		ank_err_set(err, "changes: missing, %d changes without an array", f->n);
		return NULL;
	}
	if (f->n < 0 || f->n > ANK_PROTO_MAX_CHANGES) {
		ank_err_set(err, "changes: %d changes, at most %d in one answer", f->n,
		            ANK_PROTO_MAX_CHANGES);
		return NULL;
	}
	json_t *root = json_object();
	json_t *changes = json_array();
	if (!root || !changes || put(root, "v", json_integer(ANK_PROTO_VERSION)) ||
	    put(root, "cursor", json_integer(f->cursor)) ||
	    put(root, "server_ms", json_integer(f->server_ms))) {
		json_decref(changes);
		json_decref(root);
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	if (put(root, "changes", changes)) {
		json_decref(root);
		ank_err_set(err, "out of memory while encoding");
		return NULL;
	}
	for (int i = 0; i < f->n; i++) {
		char where[WHERE_MAX];
		snprintf(where, sizeof where, "changes[%d]", i);
		json_t *c = change_to_json(&f->ch[i], where, i > 0 ? f->ch[i - 1].id : 0, f->cursor,
		                           err);
		if (!c || json_array_append_new(changes, c)) {
			if (c)
				ank_err_set(err, "out of memory while encoding");
			json_decref(root);
			return NULL;
		}
	}
	return dump_body(root, ANK_PROTO_MAX_FEED_BODY, err);
}

/* ---- answers ---- */

static const char *const ACK_FIELDS[] = {"v", "acked", "server_ms", NULL};

/* The wire name of every code, in enum order: the only place that spells them. */
static const char *const ERRCODE_NAMES[ANK_ERR_COUNT] = {
        [ANK_ERR_UNKNOWN] = "unknown",
        [ANK_ERR_BAD_REQUEST] = "bad_request",
        [ANK_ERR_INVALID_JSON] = "invalid_json",
        [ANK_ERR_INVALID_FIELD] = "invalid_field",
        [ANK_ERR_UNAUTHORIZED] = "unauthorized",
        [ANK_ERR_FORBIDDEN] = "forbidden",
        [ANK_ERR_CSRF] = "csrf",
        [ANK_ERR_NOT_FOUND] = "not_found",
        [ANK_ERR_METHOD_NOT_ALLOWED] = "method_not_allowed",
        [ANK_ERR_EXISTS] = "exists",
        [ANK_ERR_CONFLICT] = "conflict",
        [ANK_ERR_GAP] = "gap",
        [ANK_ERR_TOO_LARGE] = "too_large",
        [ANK_ERR_WAIT] = "wait",
        [ANK_ERR_UNAVAILABLE] = "unavailable",
        [ANK_ERR_STORAGE_FULL] = "storage_full",
};

const char *ank_errcode_name(ank_errcode code)
{
	if ((unsigned)code >= ANK_ERR_COUNT || !ERRCODE_NAMES[code])
		return ERRCODE_NAMES[ANK_ERR_UNKNOWN];
	return ERRCODE_NAMES[code];
}

ank_errcode ank_errcode_from_name(const char *name)
{
	for (int i = 1; name && i < ANK_ERR_COUNT; i++)
		if (!strcmp(name, ERRCODE_NAMES[i]))
			return (ank_errcode)i;
	return ANK_ERR_UNKNOWN;
}

int ank_proto_ack_decode(const char *body, size_t len, long long *acked, long long *server_ms,
                         ank_errcode *code, ank_err *err)
{
	*code = ANK_ERR_UNKNOWN;
	json_t *root = parse_body(body, len, ANK_PROTO_MAX_BODY, err);
	if (!root)
		return -1;
	long long a = 0, t = 0;
	int rc = -1;
	json_t *e = json_object_get(root, "error");
	if (json_is_string(e)) {
		char text[ECHO_ERROR_MAX + 1];
		echo(text, sizeof text, json_string_value(e));
		ank_err_set(err, "central refused the request: %s", text);
		/* A refusal is understood whatever else it carries; only the code is read. */
		*code = ank_errcode_from_name(json_string_value(json_object_get(root, "code")));
	} else if (e) {
		ank_err_set(err, "error: must be a string");
	} else if (!check_version(root, err) && !only_known(root, ACK_FIELDS, "body", err) &&
	           !get_int(root, "", "acked", 0, &a, err) &&
	           !get_int(root, "", "server_ms", 0, &t, err)) {
		*acked = a;
		*server_ms = t;
		rc = 0;
	}
	json_decref(root);
	return rc;
}

char *ank_proto_ack_encode(long long acked, long long server_ms)
{
	json_t *root = json_object();
	if (!root || put(root, "v", json_integer(ANK_PROTO_VERSION)) ||
	    put(root, "acked", json_integer(acked)) ||
	    put(root, "server_ms", json_integer(server_ms))) {
		json_decref(root);
		return NULL;
	}
	return dump_body(root, ANK_PROTO_MAX_BODY, NULL);
}

/* The continuation bytes a UTF-8 character can have after its lead byte. */
#define UTF8_CONT_MAX 3

char *ank_proto_error_encode(ank_errcode code, const char *message, long long server_ms)
{
	const char *m = message ? message : "unknown error";
	size_t n = strlen(m);
	json_t *s = json_stringn(m, n);
	if (!s) {
		/* Error texts are ank_err messages, which a bounded format may have cut inside a
		 * character: drop that last, incomplete character and nothing else. */
		size_t k = n;
		while (k > 0 && n - k < UTF8_CONT_MAX && ((unsigned char)m[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)m[k - 1] >= 0xc0)
			s = json_stringn(m, k - 1);
	}
	if (!s)
		s = json_string("the error message was not valid UTF-8");
	json_t *root = json_object();
	if (!root || put(root, "v", json_integer(ANK_PROTO_VERSION))) {
		json_decref(s);
		json_decref(root);
		return NULL;
	}
	if (put(root, "error", s) || put(root, "code", json_string(ank_errcode_name(code))) ||
	    put(root, "server_ms", json_integer(server_ms))) {
		json_decref(root);
		return NULL;
	}
	return dump_body(root, ANK_PROTO_MAX_BODY, NULL);
}
