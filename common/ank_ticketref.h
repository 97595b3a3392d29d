/* The reference printed as the ticket's QR code: site, ticket, day and label under a
 * per-site MAC, so staff can check a ticket offline and no personal data is printed. */
#ifndef ANK_TICKETREF_H
#define ANK_TICKETREF_H

#include "ank_err.h"

/* Text format (also in docs/formats.md, "Ticket QR reference"):
 *
 *   A1.<site>.<ticket>.<yyyymmdd>.<label>.<mac>
 *
 *   A1        version; a reader refuses any other
 *   site      site id, 1..32 of A-Z a-z 0-9 - _
 *   ticket    ticket id, decimal, 1..ANK_TICKETREF_TICKET_MAX, no leading zero
 *   yyyymmdd  service day, a real calendar date
 *   label     ticket label, 1..15 of A-Z 0-9 -
 *   mac       base64url without padding (16 characters) of the first 12 bytes of
 *             keyed BLAKE2b with a 32-byte output (crypto_generichash, default length),
 *             keyed with the site key, over the exact text before the last dot
 *
 * Example (key bytes 00 01 .. 1f): A1.vesterbro.4711.20261123.I-014.zxnTXei_9YQ_UsSs
 *
 * Nothing in it identifies a person: no nickname, user id or substance. */

#define ANK_TICKETREF_KEY_BYTES 32
#define ANK_TICKETREF_MAX       96 /* longest reference text incl. NUL; fits a small QR */
#define ANK_TICKETREF_SITE_MAX  32 /* shorter than ANK_ID_MAX so the QR stays small */
#define ANK_TICKETREF_LABEL_MAX 15
/* 17 digits: with the longest site and label the text is then exactly 95 characters. */
#define ANK_TICKETREF_TICKET_MAX 99999999999999999LL

typedef struct ank_ticketref {
	char site[64];
	long long ticket;
	char day[11]; /* YYYY-MM-DD */
	char label[16];
} ank_ticketref;

/* Writes the reference of `t` into out. Refuses (-1, err set, out empty) a field outside
 * the rules above. Returns 0. */
int ank_ticketref_make(const unsigned char key[ANK_TICKETREF_KEY_BYTES], const ank_ticketref *t,
                       char out[ANK_TICKETREF_MAX], ank_err *err);

/* Parses `text` strictly and checks its MAC with `key` in constant time. Returns 0 and
 * fills *out (may be NULL), or -1 with err saying what is wrong ("bad format: ...",
 * "unknown version ...", "MAC mismatch ..."); *out is then zeroed. The message never
 * repeats the input, so it is safe to log or show. */
int ank_ticketref_verify(const unsigned char key[ANK_TICKETREF_KEY_BYTES], const char *text,
                         ank_ticketref *out, ank_err *err);

/* Checks only the format of `text` (no key, no MAC) and reads its fields into *out: to
 * learn which site's key a reference needs before checking it with
 * ank_ticketref_verify. 0, or -1 with err as verify's format errors (*out zeroed). */
int ank_ticketref_parse(const char *text, ank_ticketref *out, ank_err *err);

#endif
