/* UTF-8 validation and search-key folding on top of utf8proc. */
#include "ank_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* C0 and C1 controls, and the bidi embedding, override and isolate controls: a
 * nickname with U+202E could make another name appear on a staff screen. */
static bool is_control(utf8proc_int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

bool ank_utf8_valid_text(const char *s, size_t n)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t left = (utf8proc_ssize_t)n;
	while (left > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
		if (k <= 0 || is_control(cp))
			return false;
		p += k;
		left -= k;
	}
	return true;
}

static bool is_word_char(utf8proc_int32_t cp);

/* Code points of s for which `want` is true (all when NULL); -1 on invalid UTF-8. */
static long count_cps(const char *s, bool (*want)(utf8proc_int32_t))
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	long count = 0;
	for (;;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		if (k < 0)
			return -1;
		if (cp == 0)
			return count;
		p += k;
		if (!want || want(cp))
			count++;
	}
}

long ank_utf8_count(const char *s)
{
	return count_cps(s, NULL);
}

/* Danish letters that utf8proc does not decompose the way Danes expect. Returns the
 * replacement or NULL when the code point is not one of them. */
static const char *danish_letter(utf8proc_int32_t cp, ank_fold_variant v)
{
	switch (cp) {
	case 0x00C6: /* Æ */
	case 0x00E6: /* æ */
		return "ae";
	case 0x00D8: /* Ø */
	case 0x00F8: /* ø */
		return v == ANK_FOLD_DIGRAPH ? "oe" : "o";
	case 0x00C5: /* Å */
	case 0x00E5: /* å */
		return v == ANK_FOLD_DIGRAPH ? "aa" : "a";
	default:
		return NULL;
	}
}

static bool is_word_char(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

int ank_text_fold(const char *s, ank_fold_variant v, ank_buf *out)
{
	size_t start = out->len;
	bool pending_space = false;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	for (;;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		if (k < 0)
			goto fail;
		if (cp == 0)
			break;
		p += k;
		const char *dk = danish_letter(cp, v);
		/* 32: the longest compatibility decomposition (U+FDFA) is 18 code points. */
		utf8proc_int32_t dec[32];
		utf8proc_ssize_t nd = 0;
		if (!dk) {
			int boundclass = 0;
			nd = utf8proc_decompose_char(cp, dec, 32,
			                             UTF8PROC_CASEFOLD | UTF8PROC_COMPAT |
			                                     UTF8PROC_DECOMPOSE |
			                                     UTF8PROC_STRIPMARK,
			                             &boundclass);
			if (nd < 0 || nd > 32)
				goto fail;
		}
		if (!dk && (nd == 0 || !is_word_char(dec[0]))) {
			/* Separators and stripped marks end a word. */
			if (nd > 0 && out->len > start)
				pending_space = true;
			continue;
		}
		if (pending_space && ank_buf_append(out, " ", 1))
			goto fail;
		pending_space = false;
		if (dk) {
			if (ank_buf_puts(out, dk))
				goto fail;
			continue;
		}
		for (utf8proc_ssize_t i = 0; i < nd; i++) {
			utf8proc_uint8_t enc[4];
			utf8proc_ssize_t ne = utf8proc_encode_char(dec[i], enc);
			if (ank_buf_append(out, (const char *)enc, (size_t)ne))
				goto fail;
		}
	}
	return 0;
fail:
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return -1;
}

bool ank_text_is_slug(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

long ank_text_word_chars(const char *s)
{
	return count_cps(s, is_word_char);
}

int ank_parse_long(const char *s, long min, long max, long *out)
{
	/* strtol would skip leading white space; a value is digits and nothing else. */
	if (!s || !((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
		return -1;
	errno = 0;
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
