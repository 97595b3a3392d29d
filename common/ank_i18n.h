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

/* ---- site overrides: texts central sends for one site (docs/api.md, "catalog") ----
 *
 * An override directory holds at most one file per language, <dir>/<lang>.json:
 *   {"language": "da", "messages": {"welcome.title": "...", ...}}
 * Each text replaces the shipped one of that key. An override may only name a key the
 * shipped catalog of its language has (not "lang.name", which must match the picker's
 * "name"), must be a valid message (as in a catalog: UTF-8, non-empty, braces only for
 * placeholders) and must use exactly the placeholders of the shipped text. */

/* Checks one override text (len bytes) for `key` of `lang` against the texts of `i`.
 * 0, or -1 with err saying why. */
int ank_i18n_override_check(const ank_i18n *i, const char *lang, const char *key, const char *text,
                            size_t len, ank_err *err);

/* Merges the override files of `dir` over the loaded texts of `i`, for every loaded
 * language (call it right after load or reload, with the shipped texts loaded). A missing
 * dir or file is no override. A key that fails ank_i18n_override_check is skipped with a
 * warning in the log; a file that is not valid JSON of the form above is skipped whole and
 * changes nothing. *applied (may be NULL) gets the number of texts replaced. Returns 0, or
 * -1 when some file or key was skipped (err names the first); the rest is applied anyway.
 * Pointers obtained from `i` before are invalid afterwards. */
int ank_i18n_overlay_dir(ank_i18n *i, const char *dir, int *applied, ank_err *err);

/* Validates `messages_json` (a JSON object text of key: text) for `lang` against the
 * shipped texts `shipped`, every key as ank_i18n_override_check, and only then merges it
 * into <dir>/<lang>.json: keys of an earlier file are kept unless replaced, dir is created
 * mode 0700, and the file is written to a temporary file, synced and renamed, so a crash
 * leaves the old or the new file. Writing the same messages again changes nothing.
 * *keys gets the number of keys in messages_json. 0, or -1 with err and nothing written. */
int ank_i18n_override_save(const ank_i18n *shipped, const char *dir, const char *lang,
                           const char *messages_json, int *keys, ank_err *err);

#endif
