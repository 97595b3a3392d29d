/* The batch decoder's fast path and the payload reader: a batch whose payloads are already in
 * canonical form (compact, keys sorted, as every kiosk writes them) is checked and sliced in
 * one pass without building a JSON tree; anything else goes to the tree decoder in proto.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_int.h"

/* Integers the fast path reads itself: 18 digits cannot overflow a long long. Longer ones go
 * to the tree decoder, which knows the exact range. */
#define INT_DIGITS_MAX 18
/* The level of a payload object, counting the body as 1 (as proto.c counts). */
#define PAYLOAD_LEVEL 4

typedef struct cursor {
	const char *p, *end;
} cursor;

/* Whitespace is allowed between the tokens of a body, never inside a canonical payload. */
static void skip_ws(cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool take(cursor *c, char ch)
{
	skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A string of printable ASCII without escapes: every field name and every field value of a
 * body outside payloads is one. Points *s at its first byte inside the body. */
static bool plain_string(cursor *c, const char **s, size_t *n)
{
	if (!take(c, '"'))
		return false;
	const char *start = c->p;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p;
		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			return false;
		c->p++;
	}
	if (c->p == c->end)
		return false;
	*s = start;
	*n = (size_t)(c->p - start);
	c->p++;
	return true;
}

/* Digits of a canonical integer: 0, or 1-9 then at most INT_DIGITS_MAX - 1 more, not followed
 * by anything that would make it a real or a longer number. Reads the value into *v. */
static bool digits(cursor *c, long long *v)
{
	const char *start = c->p;
	long long x = 0;
	while (c->p < c->end && is_digit(*c->p) && c->p - start < INT_DIGITS_MAX) {
		x = x * 10 + (*c->p - '0');
		c->p++;
	}
	size_t n = (size_t)(c->p - start);
	if (n == 0 || (n > 1 && *start == '0'))
		return false;
	if (c->p < c->end && (is_digit(*c->p) || *c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return false;
	*v = x;
	return true;
}

static bool unsigned_int(cursor *c, long long *v)
{
	skip_ws(c);
	return digits(c, v);
}

static bool all_of(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]) || s[i] == '\0')
			return false;
	return true;
}

/* Length of the UTF-8 character at p (1 for ASCII), or 0 when it is not one jansson would
 * accept: overlong forms, surrogates and code points above U+10FFFF are refused there too. */
static size_t utf8_char(const unsigned char *p, const unsigned char *end)
{
	unsigned char b = p[0];
	if (b < 0x80)
		return 1;
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A string as jansson writes it: raw UTF-8, and only \" \\ \b \f \n \r \t as escapes. The
 * \u escapes jansson writes for other control characters are left to the tree decoder, which
 * is rare enough. Sets *plain when there was no escape at all (keys must be plain to compare
 * them as bytes). */
static bool canon_string(cursor *c, bool *plain)
{
	*plain = true;
	c->p++; /* the opening quote, checked by the caller */
	const unsigned char *p = (const unsigned char *)c->p, *end = (const unsigned char *)c->end;
	while (p < end && *p != '"') {
		if (*p == '\\') {
			if (end - p < 2 || !strchr("\"\\bfnrt", p[1]) || p[1] == '\0')
				return false;
			*plain = false;
			p += 2;
		} else if (*p < 0x20) {
			return false;
		} else {
			size_t n = utf8_char(p, end);
			if (n == 0)
				return false;
			p += n;
		}
	}
	if (p == end)
		return false;
	c->p = (const char *)p + 1;
	return true;
}

/* Key order of JSON_SORT_KEYS: byte order, a prefix first. */
static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	return r ? r : (an > bn) - (an < bn);
}

static bool canon_value(cursor *c, int level);

static bool canon_object(cursor *c, int level)
{
	c->p++;
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return true;
	}
	const char *prev = NULL;
	size_t prev_n = 0;
	for (;;) {
		if (c->p >= c->end || *c->p != '"')
			return false;
		const char *key = c->p + 1;
		bool plain;
		if (!canon_string(c, &plain) || !plain)
			return false;
		size_t key_n = (size_t)(c->p - 1 - key);
		/* Strictly ascending: sorted, and no key twice. */
		if (prev && key_cmp(prev, prev_n, key, key_n) >= 0)
			return false;
		prev = key;
		prev_n = key_n;
		if (c->p >= c->end || *c->p != ':')
			return false;
		c->p++;
		if (!canon_value(c, level + 1))
			return false;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return true;
		}
		return false;
	}
}

static bool canon_array(cursor *c, int level)
{
	c->p++;
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return true;
	}
	for (;;) {
		if (!canon_value(c, level + 1))
			return false;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return true;
		}
		return false;
	}
}

static bool word(cursor *c, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* One value in canonical form, standing at `level` (a scalar is no level, a container at a
 * level above ANK_PROTO_MAX_DEPTH is refused). Recursion is bounded by that limit. */
static bool canon_value(cursor *c, int level)
{
	if (c->p >= c->end)
		return false;
	bool plain;
	long long v;
	switch (*c->p) {
	case '{':
		return level <= ANK_PROTO_MAX_DEPTH && canon_object(c, level);
	case '[':
		return level <= ANK_PROTO_MAX_DEPTH && canon_array(c, level);
	case '"':
		return canon_string(c, &plain);
	case 't':
		return word(c, "true");
	case 'f':
		return word(c, "false");
	case 'n':
		return word(c, "null");
	case '-':
		/* jansson reads -0 as 0 and writes it so: not canonical. */
		c->p++;
		return c->p < c->end && *c->p != '0' && digits(c, &v);
	default:
		return digits(c, &v);
	}
}

static const char KIOSK_SET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

enum { F_SEQ = 1, F_ID = 2, F_TYPE = 4, F_AT = 8, F_PAYLOAD = 16, F_ALL = 31 };

/* One event object; payload text is malloc'd into ev->payload (the caller frees it). */
static bool fast_event(cursor *c, ank_event *ev)
{
	if (!take(c, '{'))
		return false;
	unsigned seen = 0;
	const char *payload = NULL;
	size_t payload_n = 0;
	do {
		const char *k, *s;
		size_t kn, n;
		unsigned bit;
		if (!plain_string(c, &k, &kn) || !take(c, ':'))
			return false;
		if (kn == 3 && !memcmp(k, "seq", 3)) {
			bit = F_SEQ;
			if (!unsigned_int(c, &ev->seq) || ev->seq < 1)
				return false;
		} else if (kn == 2 && !memcmp(k, "id", 2)) {
			bit = F_ID;
			if (!plain_string(c, &s, &n) || n != ANK_PROTO_ID_LEN ||
			    !all_of(s, n, "0123456789abcdef"))
				return false;
			memcpy(ev->id, s, n);
			ev->id[n] = '\0';
		} else if (kn == 4 && !memcmp(k, "type", 4)) {
			bit = F_TYPE;
			if (!plain_string(c, &s, &n) || n < 1 || n > ANK_PROTO_TYPE_MAX ||
			    !all_of(s, n, "abcdefghijklmnopqrstuvwxyz._"))
				return false;
			memcpy(ev->type, s, n);
			ev->type[n] = '\0';
		} else if (kn == 2 && !memcmp(k, "at", 2)) {
			bit = F_AT;
			if (!unsigned_int(c, &ev->at_ms))
				return false;
		} else if (kn == 7 && !memcmp(k, "payload", 7)) {
			bit = F_PAYLOAD;
			skip_ws(c);
			payload = c->p;
			if (c->p >= c->end || *c->p != '{' || !canon_value(c, PAYLOAD_LEVEL))
				return false;
			payload_n = (size_t)(c->p - payload);
		} else {
			return false; /* unknown: the tree decoder names it */
		}
		if (seen & bit)
			return false; /* twice: the tree decoder refuses it */
		seen |= bit;
	} while (take(c, ','));
	if (!take(c, '}') || seen != F_ALL || payload_n > ANK_PROTO_MAX_PAYLOAD)
		return false;
	ev->payload = malloc(payload_n + 1);
	if (!ev->payload)
		return false;
	memcpy(ev->payload, payload, payload_n);
	ev->payload[payload_n] = '\0';
	return true;
}

enum { B_V = 1, B_KIOSK = 2, B_EVENTS = 4, B_ALL = 7 };

static bool fast_events(cursor *c, ank_batch *out)
{
	if (!take(c, '['))
		return false;
	do {
		if (out->n == ANK_PROTO_MAX_BATCH)
			return false;
		ank_event *ev = &out->ev[out->n];
		bool ok = fast_event(c, ev);
		if (ev->payload)
			out->n++; /* ours to free from here on */
		if (!ok)
			return false;
		if (out->n > 1 && ev->seq != ev[-1].seq + 1)
			return false;
	} while (take(c, ','));
	return take(c, ']');
}

int ank_proto_batch_decode_fast(const char *body, size_t len, ank_batch *out)
{
	memset(out, 0, sizeof *out);
	if (!body || len == 0 || len > ANK_PROTO_MAX_BODY)
		return 0;
	cursor c = {body, body + len};
	unsigned seen = 0;
	bool ok = take(&c, '{');
	while (ok) {
		const char *k, *s;
		size_t kn, n;
		long long v;
		unsigned bit;
		ok = plain_string(&c, &k, &kn) && take(&c, ':');
		if (!ok)
			break;
		if (kn == 1 && k[0] == 'v') {
			bit = B_V;
			ok = unsigned_int(&c, &v) && v == ANK_PROTO_VERSION;
		} else if (kn == 5 && !memcmp(k, "kiosk", 5)) {
			bit = B_KIOSK;
			ok = plain_string(&c, &s, &n) && n >= 1 && n <= ANK_PROTO_KIOSK_MAX &&
			     all_of(s, n, KIOSK_SET);
			if (ok) {
				memcpy(out->kiosk, s, n);
				out->kiosk[n] = '\0';
			}
		} else if (kn == 6 && !memcmp(k, "events", 6)) {
			bit = B_EVENTS;
			ok = fast_events(&c, out);
		} else {
			ok = false;
		}
		ok = ok && !(seen & bit);
		seen |= ok ? bit : 0;
		if (!ok || !take(&c, ','))
			break;
	}
	ok = ok && take(&c, '}') && seen == B_ALL;
	skip_ws(&c);
	if (ok && c.p == c.end)
		return 1;
	ank_proto_batch_free(out);
	return 0;
}

/* ---- reading a payload ---- */

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* p at an opening quote: the byte after the closing one, or the terminating NUL. */
static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

/* Moves p past one JSON value of a stored payload. Payloads were checked by the decoder, so
 * this only has to be safe (it stops at the terminating NUL), not strict. */
static const char *skip_value(const char *p)
{
	p = skip_space(p);
	if (*p == '"')
		return skip_string(p);
	if (*p == '{' || *p == '[') {
		int depth = 0;
		while (*p) {
			if (*p == '"') {
				p = skip_string(p);
				continue;
			}
			if (*p == '{' || *p == '[')
				depth++;
			else if ((*p == '}' || *p == ']') && --depth == 0)
				return p + 1;
			p++;
		}
		return p;
	}
	while (*p && *p != ',' && *p != '}' && *p != ']')
		p++;
	return p;
}

/* Sets vals[i] to the first byte of the value of top-level member keys[i] of a payload
 * object, or NULL, in one walk over the members. Member names in our payloads never need
 * escapes, so a raw comparison finds them. */
void ank_proto_payload_find(const char *payload, const char *const *keys, int n, const char **vals)
{
	for (int i = 0; i < n; i++)
		vals[i] = NULL;
	if (!payload)
		return;
	const char *p = skip_space(payload);
	if (*p != '{')
		return;
	p++;
	for (;;) {
		p = skip_space(p);
		if (*p != '"')
			return;
		const char *k = p + 1;
		p = skip_string(p);
		size_t kn = (size_t)(p - k) - 1; /* without the closing quote */
		bool closed = p > k && p[-1] == '"';
		p = skip_space(p);
		if (*p != ':')
			return;
		p = skip_space(p + 1);
		for (int i = 0; closed && i < n; i++)
			if (!vals[i] && strlen(keys[i]) == kn && !memcmp(k, keys[i], kn))
				vals[i] = p;
		p = skip_space(skip_value(p));
		if (*p != ',')
			return;
		p++;
	}
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		                                 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Appends code point cp as UTF-8 at out[*n], writing only what fits below cap - 1. */
static void put_utf8(char *out, size_t cap, size_t *n, long cp)
{
	char b[4];
	size_t k;
	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	for (size_t i = 0; i < k; i++, (*n)++)
		if (*n + 1 < cap)
			out[*n] = b[i];
}

long ank_proto_value_str(const char *p, char *buf, size_t cap)
{
	if (!p || *p != '"' || cap == 0)
		return -1;
	size_t n = 0;
	for (p++; *p != '"'; p++) {
		if (!*p)
			return -1;
		if (*p != '\\') {
			if (n + 1 < cap)
				buf[n] = *p;
			n++;
			continue;
		}
		p++;
		static const char named[] = "\"\\/bfnrt", real[] = "\"\\/\b\f\n\r\t";
		const char *esc = *p ? strchr(named, *p) : NULL;
		if (esc) {
			if (n + 1 < cap)
				buf[n] = real[esc - named];
			n++;
			continue;
		}
		if (*p != 'u')
			return -1;
		long cp = hex4(p + 1);
		if (cp <= 0)
			return -1; /* also \u0000, which the decoder never lets in */
		p += 4;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			long lo = p[1] == '\\' && p[2] == 'u' ? hex4(p + 3) : -1;
			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			return -1;
		}
		put_utf8(buf, cap, &n, cp);
	}
	buf[n + 1 < cap ? n : cap - 1] = '\0';
	return (long)n;
}

int ank_proto_value_int(const char *p, long long *out)
{
	if (!p || (*p != '-' && !is_digit(*p)))
		return -1;
	const char *q = p + (*p == '-');
	while (is_digit(*q))
		q++;
	/* A real (5.0, 1e3) is not an integer, as for json_is_integer. */
	if (*q == '.' || *q == 'e' || *q == 'E')
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(p, &end, 10);
	if (errno || end != q)
		return -1;
	*out = v;
	return 0;
}

long ank_proto_payload_str(const char *payload, const char *key, char *buf, size_t cap)
{
	const char *v;
	ank_proto_payload_find(payload, &key, 1, &v);
	return ank_proto_value_str(v, buf, cap);
}

int ank_proto_payload_int(const char *payload, const char *key, long long *out)
{
	const char *v;
	ank_proto_payload_find(payload, &key, 1, &v);
	return ank_proto_value_int(v, out);
}
