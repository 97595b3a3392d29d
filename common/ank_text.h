/* UTF-8 checks and the folding that makes nickname search case- and accent-insensitive,
 * with the Danish letters handled the way Danes type them. */
#ifndef ANK_TEXT_H
#define ANK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "ank_buf.h"

/* True when s[0..n) is valid UTF-8 without NUL, C0/C1 controls or bidi override and
 * isolate controls (names and config values never contain them). */
bool ank_utf8_valid_text(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string; -1 if invalid. */
long ank_utf8_count(const char *s);

/* How ø and å are spelled in the folded key. ANK_FOLD_PLAIN strips them like accents
 * (ø->o, å->a) so "sor" finds "Søren"; ANK_FOLD_DIGRAPH spells them the Danish
 * way (ø->oe, å->aa) so "soe" finds him too. æ is always "ae". */
typedef enum ank_fold_variant { ANK_FOLD_PLAIN, ANK_FOLD_DIGRAPH } ank_fold_variant;

/* Appends to `out` the search key of `s`: case folded, compatibility decomposed,
 * marks stripped, every run of non-letters/digits turned into one space, trimmed.
 * Returns 0, or -1 on invalid UTF-8 or when `out` is full (out then unchanged). */
int ank_text_fold(const char *s, ank_fold_variant v, ank_buf *out);

/* True for an id: 1 to max bytes of A-Z a-z 0-9 - _ (site, station and user ids). */
bool ank_text_is_slug(const char *s, size_t max);

/* Letters and digits in a valid UTF-8 string (spaces and punctuation not counted);
 * -1 if invalid. The search floor counts these. */
long ank_text_word_chars(const char *s);

/* Strict decimal parse of the whole string into [min, max]; no atoi. Returns 0 or -1. */
int ank_parse_long(const char *s, long min, long max, long *out);
#endif
