/* The UI's text catalogs: one gettext PO file per language in i18n/, loaded strictly, looked
 * up by stable key (the entry's msgctxt) with a fallback chain, plural forms chosen by the
 * language's CLDR rules, and formatted with named placeholders. */
#ifndef ANK_I18N_H
#define ANK_I18N_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

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
/* CLDR has six plural categories: zero, one, two, few, many, other. */
#define ANK_I18N_MAX_PLURALS 6

/* A loaded set of catalogs. Not thread-safe: get/format and reload run on the UI thread. */
typedef struct ank_i18n ank_i18n;

/* Loads every *.po in `dir` (sorted by file name; names starting with '.' are skipped),
 * parsed by libgettextpo. Each file is checked in full (format in i18n/README.md): the
 * header's Language, X-Ankomst-Name, X-Ankomst-Direction and a Plural-Forms whose nplurals
 * is the number of the language's CLDR plural categories (ICU); every entry's msgctxt is
 * its key; texts as the text rules say. en.po must exist, it is the reference. On success *out is a
 * new set the caller frees with ank_i18n_free. On any error *out is NULL, nothing is loaded and
 * `err` names the file and the problem. Key and placeholder parity between languages is not checked
 * here: call ank_i18n_check. */
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
/* Review state of `lang`: "source" (en), "native-reviewed" (no text marked fuzzy) or
 * "unreviewed"; NULL when `lang` is not loaded. Static storage, never freed. */
const char *ank_i18n_review(const ank_i18n *i, const char *lang);
/* True when the text of `key` in `lang` is marked for review (PO "fuzzy": no native
 * speaker approved it yet). It is shown to users all the same. */
bool ank_i18n_fuzzy(const ank_i18n *i, const char *lang, const char *key);
/* How many texts of `lang` await review, of how many. 0, or -1 when not loaded. */
int ank_i18n_review_counts(const ank_i18n *i, const char *lang, int *pending, int *total);
/* The number of plural forms of `lang` and (categories may be NULL) their CLDR category
 * names in form order ("one", "other"); 0 when not loaded. Static strings. */
int ank_i18n_plurals(const ank_i18n *i, const char *lang, const char **categories);
/* The CLDR category ICU gives the number n in `lang` ("few" for 3 in Arabic); NULL when
 * not loaded. Static storage. */
const char *ank_i18n_plural_category(const ank_i18n *i, const char *lang, long n);

/* The text of `key` in `lang`, falling back to "da", then "en", then the key itself, so the
 * result is never NULL (lang may be NULL or not loaded). Owned by the set, valid until
 * free/reload. */
const char *ank_i18n_get(const ank_i18n *i, const char *lang, const char *key);

/* The form of a plural text for the number n (by the CLDR rules of the catalog the text
 * comes from); a text without plural forms is returned as ank_i18n_get does. */
const char *ank_i18n_get_n(const ank_i18n *i, const char *lang, const char *key, long n);

/* Catalog k as the browser gets it (GET /api/v1/i18n/{lang}): {"v", "lang", "name",
 * "direction", "review", "messages": {key: text}, "plurals": {key: {category: form}},
 * "pending": [keys marked for review]}. A new reference the caller decrefs; NULL when k is
 * out of range. */
json_t *ank_i18n_catalog_json(const ank_i18n *i, int k);

/* Writes the text of `key` (as ank_i18n_get) to out[0..n) with each {name} replaced by its
 * value. `args` is NULL or a NULL-terminated list of name, value pairs:
 * {"ahead", "4", "minutes", "15", NULL}; values are inserted as they are, not scanned again.
 * A placeholder without a value stays as it is. The output is always NUL-terminated when
 * n > 0 and is cut at a UTF-8 character boundary. Returns 0, or -1 if it was truncated. */
int ank_i18n_format(const ank_i18n *i, const char *lang, const char *key, char *out, size_t n,
                    const char *const *args);
/* The same with the form of a plural text for the number `count` (ank_i18n_get_n). */
int ank_i18n_format_n(const ank_i18n *i, const char *lang, const char *key, long count, char *out,
                      size_t n, const char *const *args);

/* Parity check: every catalog has exactly the keys of en, plural forms where en has them,
 * and in every text (every form) the placeholder names of en's text. Returns 0, or -1 with the
 * first problem (language, key, what) in `err`. The kiosk calls it at start and logs the result;
 * the tests assert it. */
int ank_i18n_check(const ank_i18n *i, ank_err *err);

/* ---- site overrides: texts central sends for one site (docs/api.md, "catalog") ----
 *
 * An override directory holds at most one file per language, <dir>/<lang>.json:
 *   {"language": "da", "messages": {"welcome.title": "...", "idle.body": ["...", "..."]}}
 * Each text replaces the shipped one of that key; a plural text is an array of all the
 * language's forms. An override may only name a key the
 * shipped catalog of its language has (not "lang.name", which must match the picker's
 * "name"), must be a valid message (as in a catalog: UTF-8, non-empty, braces only for
 * placeholders) and must use exactly the placeholders of the shipped text. */

/* Checks one override text (len bytes) for `key` of `lang` against the texts of `i`.
 * 0, or -1 with err saying why. */
int ank_i18n_override_check(const ank_i18n *i, const char *lang, const char *key, const char *text,
                            size_t len, ank_err *err);
/* The same for a JSON value: a string for a plain text, an array of the language's plural
 * forms (ank_i18n_plurals, in CLDR order) for a plural text. */
int ank_i18n_override_value_check(const ank_i18n *i, const char *lang, const char *key,
                                  const json_t *value, ank_err *err);

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
