/* Making and checking the ticket QR reference (format in ank_ticketref.h) with libsodium. */
#include "ank_ticketref.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define VERSION       "A1"
#define MAC_BYTES     12 /* 96 bits: forging one ticket takes ~2^96 tries; keeps the QR small */
#define MAC_CHARS     16 /* base64url of 12 bytes, no padding */
#define B64           sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define FIELDS        6
#define TICKET_DIGITS 17 /* digits of ANK_TICKETREF_TICKET_MAX */

/* The longest possible reference must fit; the limits in the header are chosen so. */
_Static_assert(sizeof VERSION - 1 + 1 + ANK_TICKETREF_SITE_MAX + 1 + TICKET_DIGITS + 1 + 8 + 1 +
                               ANK_TICKETREF_LABEL_MAX + 1 + MAC_CHARS <
                       ANK_TICKETREF_MAX,
               "ANK_TICKETREF_MAX too small for the longest reference");
_Static_assert(sizeof(((ank_ticketref *)0)->label) > ANK_TICKETREF_LABEL_MAX, "label field");
_Static_assert(sizeof(((ank_ticketref *)0)->site) > ANK_TICKETREF_SITE_MAX, "site field");

static const char digit_chars[] = "0123456789";
static const char label_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
static const char site_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* True when s[0..n) is 1..max characters, all from `set`. */
static bool all_of(const char *s, size_t n, size_t max, const char *set)
{
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* Value of n decimal digits at s; the caller has checked they are digits. */
static long long digits_value(const char *s, size_t n)
{
	long long v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool valid_date(long long y, long long m, long long d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* The MAC of body[0..n): keyed BLAKE2b with its default 32-byte output, first 12 bytes.
 * The full-length output is truncated (not a 12-byte BLAKE2b, which libsodium does not
 * offer and which would give other bytes); verifiers in other languages must do the same. */
static int compute_mac(const unsigned char key[ANK_TICKETREF_KEY_BYTES], const char *body, size_t n,
                       unsigned char mac[MAC_BYTES])
{
	unsigned char full[crypto_generichash_BYTES];
	if (crypto_generichash(full, sizeof full, (const unsigned char *)body, n, key,
	                       ANK_TICKETREF_KEY_BYTES) != 0)
		return -1;
	memcpy(mac, full, MAC_BYTES);
	sodium_memzero(full, sizeof full);
	return 0;
}

int ank_ticketref_make(const unsigned char key[ANK_TICKETREF_KEY_BYTES], const ank_ticketref *t,
                       char out[ANK_TICKETREF_MAX], ank_err *err)
{
	out[0] = '\0';
	if (sodium_init() < 0)
		return ank_err_set(err, "libsodium cannot start");
	size_t n_site = strnlen(t->site, sizeof t->site);
	if (!all_of(t->site, n_site, ANK_TICKETREF_SITE_MAX, site_chars))
		return ank_err_set(err, "site id must be 1-%d of A-Z a-z 0-9 - _",
		                   ANK_TICKETREF_SITE_MAX);
	if (t->ticket < 1 || t->ticket > ANK_TICKETREF_TICKET_MAX)
		return ank_err_set(err, "ticket %lld out of range 1-%lld", t->ticket,
		                   ANK_TICKETREF_TICKET_MAX);
	const char *d = t->day;
	if (strnlen(d, sizeof t->day) != 10 || d[4] != '-' || d[7] != '-' ||
	    !all_of(d, 4, 4, digit_chars) || !all_of(d + 5, 2, 2, digit_chars) ||
	    !all_of(d + 8, 2, 2, digit_chars) ||
	    !valid_date(digits_value(d, 4), digits_value(d + 5, 2), digits_value(d + 8, 2)))
		return ank_err_set(err, "day must be a real date YYYY-MM-DD");
	size_t n_label = strnlen(t->label, sizeof t->label);
	if (!all_of(t->label, n_label, ANK_TICKETREF_LABEL_MAX, label_chars))
		return ank_err_set(err, "label must be 1-%d of A-Z 0-9 -", ANK_TICKETREF_LABEL_MAX);

	char text[ANK_TICKETREF_MAX];
	int len = snprintf(text, sizeof text, VERSION ".%s.%lld.%.4s%.2s%.2s.%s.", t->site,
	                   t->ticket, d, d + 5, d + 8, t->label);
	/* Cannot happen with the checks above (see the static assert); kept as a guard. */
	if (len < 0 || (size_t)len + MAC_CHARS >= sizeof text)
		return ank_err_set(err, "reference too long");
	unsigned char mac[MAC_BYTES];
	/* The MAC covers everything before the last dot, i.e. without the dot just written. */
	if (compute_mac(key, text, (size_t)len - 1, mac))
		return ank_err_set(err, "cannot compute the MAC");
	sodium_bin2base64(text + len, sizeof text - (size_t)len, mac, sizeof mac, B64);
	memcpy(out, text, sizeof text);
	return 0;
}

/* Checks the format of `text` strictly and reads its fields into *r (zeroed first), the
 * length of the text the MAC covers into *body_len and the MAC into got. 0, or -1 with err
 * ("bad format: ...", "unknown version ..."). */
static int split(const char *text, ank_ticketref *r, size_t *body_len, unsigned char got[MAC_BYTES],
                 ank_err *err)
{
	memset(r, 0, sizeof *r);
	if (!text)
		return ank_err_set(err, "bad format: no reference");
	/* strnlen: a long scan (or a missing NUL) is not read past the limit. */
	size_t n = strnlen(text, ANK_TICKETREF_MAX);
	if (n == 0)
		return ank_err_set(err, "bad format: empty");
	if (n >= ANK_TICKETREF_MAX)
		return ank_err_set(err, "bad format: longer than %d characters",
		                   ANK_TICKETREF_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if (text[i] != '.' && !strchr(site_chars, text[i]))
			return ank_err_set(
			        err, "bad format: character %zu is not one of A-Z a-z 0-9 . - _",
			        i + 1);

	/* Split at the dots into (pointer, length) pairs; the text itself is not changed. */
	const char *f[FIELDS + 1];
	size_t len[FIELDS + 1];
	int nf = 0;
	const char *start = text;
	for (const char *p = text;; p++) {
		if (*p == '.' || *p == '\0') {
			if (nf <= FIELDS) {
				f[nf] = start;
				len[nf] = (size_t)(p - start);
			}
			nf++;
			start = p + 1;
			if (*p == '\0')
				break;
		}
	}
	if (nf == 1)
		return ank_err_set(err, "bad format: not a ticket reference");
	/* The version decides the layout, so it is checked before the field count. */
	if (len[0] != sizeof VERSION - 1 || memcmp(f[0], VERSION, len[0]) != 0)
		return ank_err_set(err, "unknown version (this reader knows " VERSION ")");
	if (nf != FIELDS)
		return ank_err_set(err, "bad format: %d fields, want %d separated by '.'", nf,
		                   FIELDS);
	if (!all_of(f[1], len[1], ANK_TICKETREF_SITE_MAX, site_chars))
		return ank_err_set(err, "bad format: site must be 1-%d of A-Z a-z 0-9 - _",
		                   ANK_TICKETREF_SITE_MAX);
	if (!all_of(f[2], len[2], TICKET_DIGITS, digit_chars) || f[2][0] == '0')
		return ank_err_set(err, "bad format: ticket must be 1-17 digits, no leading zero");
	if (len[3] != 8 || !all_of(f[3], 8, 8, digit_chars))
		return ank_err_set(err, "bad format: day must be 8 digits yyyymmdd");
	long long y = digits_value(f[3], 4), m = digits_value(f[3] + 4, 2),
	          d = digits_value(f[3] + 6, 2);
	if (!valid_date(y, m, d))
		return ank_err_set(err, "bad format: day is not a calendar date");
	if (!all_of(f[4], len[4], ANK_TICKETREF_LABEL_MAX, label_chars))
		return ank_err_set(err, "bad format: label must be 1-%d of A-Z 0-9 -",
		                   ANK_TICKETREF_LABEL_MAX);
	size_t got_len = 0;
	if (len[5] != MAC_CHARS ||
	    sodium_base642bin(got, MAC_BYTES, f[5], len[5], NULL, &got_len, NULL, B64) != 0 ||
	    got_len != MAC_BYTES)
		return ank_err_set(err, "bad format: MAC must be %d base64url characters",
		                   MAC_CHARS);
	*body_len = (size_t)(f[5] - 1 - text);
	memcpy(r->site, f[1], len[1]);
	r->ticket = digits_value(f[2], len[2]);
	/* yyyymmdd -> YYYY-MM-DD; r is zeroed, so the NUL is already there. */
	memcpy(r->day, f[3], 4);
	r->day[4] = '-';
	memcpy(r->day + 5, f[3] + 4, 2);
	r->day[7] = '-';
	memcpy(r->day + 8, f[3] + 6, 2);
	memcpy(r->label, f[4], len[4]);
	return 0;
}

int ank_ticketref_parse(const char *text, ank_ticketref *out, ank_err *err)
{
	ank_ticketref r;
	unsigned char got[MAC_BYTES];
	size_t body_len;
	if (split(text, &r, &body_len, got, err)) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	*out = r;
	return 0;
}

int ank_ticketref_verify(const unsigned char key[ANK_TICKETREF_KEY_BYTES], const char *text,
                         ank_ticketref *out, ank_err *err)
{
	if (out)
		memset(out, 0, sizeof *out);
	if (sodium_init() < 0)
		return ank_err_set(err, "libsodium cannot start");
	ank_ticketref r;
	unsigned char got[MAC_BYTES], want[MAC_BYTES];
	size_t body_len;
	if (split(text, &r, &body_len, got, err))
		return -1;
	if (compute_mac(key, text, body_len, want))
		return ank_err_set(err, "cannot compute the MAC");
	if (sodium_memcmp(want, got, MAC_BYTES) != 0)
		return ank_err_set(err, "MAC mismatch (forged or another site's key)");
	if (out)
		*out = r;
	return 0;
}
