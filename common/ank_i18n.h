/* The UI's text catalogs: one JSON file per language in i18n/, loaded strictly, looked up by
 * stable key with a fallback chain, and formatted with named placeholders. */
#ifndef ANK_I18N_H
#define ANK_I18N_H

#include <stdbool.h>
#include <stddef.h>

#include "ank_err.h"

/* The language picker must fit on one kiosk screen; Danish rooms offer a handful. */
#define ANK_I18N_MAX_LANGS 32
/* A catalog is about 4-5 KiB; a file fifty times that is a mistake, refused before parsing. */
#define ANK_I18N_MAX_FILE_BYTES (256L * 1024)
/* The longest text (the house rules) is a few hundred bytes; no screen shows more. */
#define ANK_I18N_MAX_MESSAGE_BYTES 2048
/* Keys are short dotted names such as "ticket.wait". */
#define ANK_I18N_MAX_KEY_BYTES 64
/* Placeholder names are short words such as "minutes". */
#define ANK_I18N_MAX_NAME_BYTES 32

/* A loaded set of catalogs. Not thread-safe: get/format and reload run on the UI thread. */
typedef struct ank_i18n ank_i18n;

/* Loads every *.json in `dir` (sorted by file name; names starting with '.' are skipped).
 * Each file is checked in full (format in i18n/README.md); en.json must exist, it is the
 * reference. On success *out is a new set the caller frees with ank_i18n_free. On any error
 * *out is NULL, nothing is loaded and `err` names the file and the problem. Key and
 * placeholder parity between languages is not checked here: call ank_i18n_check. */
int ank_i18n_load(const char *dir, ank_i18n **out, ank_err *err);

/* Loads `dir` into a fresh set and replaces the texts of `i` only on success; on error `i`
 * keeps its old texts and -1 is returned. After a successful reload every pointer obtained
 * from `i` before (texts, codes, names) is invalid. */
int ank_i18n_reload(ank_i18n *i, const char *dir, ank_err *err);

/* Frees the set and every string it handed out; NULL is allowed. */
void ank_i18n_free(ank_i18n *i);

/* Number of languages, and code ("da") and own name ("Dansk") of language k in file-name
 * order; NULL when k is out of range. Strings owned by the set, valid until free/reload. */
int ank_i18n_count(const ank_i18n *i);
const char *ank_i18n_code(const ank_i18n *i, int k);
const char *ank_i18n_name(const ank_i18n *i, int k);

/* True when `lang` is loaded and written right to left; false otherwise. */
bool ank_i18n_rtl(const ank_i18n *i, const char *lang);
/* Review state of `lang`: "source", "native-reviewed" or "unreviewed"; NULL when `lang` is
 * not loaded. Static storage, never freed. */
const char *ank_i18n_review(const ank_i18n *i, const char *lang);

/* The text of `key` in `lang`, falling back to "da", then "en", then the key itself, so the
 * result is never NULL (lang may be NULL or not loaded). Owned by the set, valid until
 * free/reload. */
const char *ank_i18n_get(const ank_i18n *i, const char *lang, const char *key);

/* Writes the text of `key` (as ank_i18n_get) to out[0..n) with each {name} replaced by its
 * value. `args` is NULL or a NULL-terminated list of name, value pairs:
 * {"ahead", "4", "minutes", "15", NULL}; values are inserted as they are, not scanned again.
 * A placeholder without a value stays as it is. The output is always NUL-terminated when
 * n > 0 and is cut at a UTF-8 character boundary. Returns 0, or -1 if it was truncated. */
int ank_i18n_format(const ank_i18n *i, const char *lang, const char *key, char *out, size_t n,
                    const char *const *args);

/* Parity check: every catalog has exactly the keys of en, and per key the same set of
 * placeholder names. Returns 0, or -1 with the first problem (language, key, what) in
 * `err`. The kiosk calls it at start and logs the result; the tests assert it. */
int ank_i18n_check(const ank_i18n *i, ank_err *err);

#endif
