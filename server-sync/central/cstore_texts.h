/* Central's store of screen texts with versions (migration 18): drafts per (language, key),
 * published versions per scope (site, municipality, all), rollback, and the version each
 * kiosk reports it shows; used by admin_texts.c (docs/api.md "Screen texts"). */
#ifndef ANK_CSTORE_TEXTS_H
#define ANK_CSTORE_TEXTS_H

#include <jansson.h>
#include <stdint.h>

#include "cstore.h"

/* Where a version goes: one site, every site of a municipality, or every site. */
typedef enum ank_texts_scope {
	ANK_TEXTS_SITE,
	ANK_TEXTS_MUNICIPALITY,
	ANK_TEXTS_ALL,
} ank_texts_scope;

/* The scope's name on the wire and in the table ("site", "municipality", "all"), and the
 * scope of a name (-1 when none). */
const char *ank_texts_scope_name(ank_texts_scope s);
int ank_texts_scope_parse(const char *name);

/* Sets the drafts of `lang` from `messages` ({key: value}; a value is the JSON a catalog
 * text takes, JSON null discards that key's draft), all in one transaction, with author and
 * time. The caller has checked every key and value. OK or DB. */
ank_cs_rc ank_cstore_texts_draft_set(ank_cstore *cs, const char *lang, json_t *messages,
                                     const char *author, int64_t now, ank_err *err);
/* The drafts of `lang`: {key: {"value", "author", "at_ms"}}. A new reference the caller
 * decrefs, or NULL with err. */
json_t *ank_cstore_texts_drafts(ank_cstore *cs, const char *lang, ank_err *err);

/* The texts of the newest version of `lang` published to exactly this scope and target
 * ({key: value}, empty when none): what a new version for that scope starts from. A new
 * reference, or NULL with err. */
json_t *ank_cstore_texts_scope_set(ank_cstore *cs, const char *lang, ank_texts_scope scope,
                                   const char *target, ank_err *err);
/* Every key any version of `lang` published to exactly this scope and target has held: a new
 * JSON array, or NULL with err. */
json_t *ank_cstore_texts_keys_ever(ank_cstore *cs, const char *lang, ank_texts_scope scope,
                                   const char *target, ank_err *err);

/* One version as the history lists it. */
typedef struct ank_texts_version {
	long long version;
	char lang[8];
	ank_texts_scope scope;
	char target[ANK_CS_ID_MAX + 1]; /* the site or municipality; "" for all */
	char author[ANK_CS_ID_MAX + 1];
	int64_t at_ms;
	long long rollback_of; /* the version whose texts this one published again; 0 none */
	int sites;             /* sites it was sent to */
} ank_texts_version;

/* Publishes `set` ({key: value}, the whole of the language's changed texts for the scope)
 * as a new version: the version and its texts, one text change per site in scope (or one
 * for every site, scope all) whose payload is {lang, messages: `messages`, texts_version},
 * and, unless rollback_of, the language's drafts of the keys in `set` go: one transaction.
 * `messages` is what the kiosks merge into their overrides (the set plus the shipped text
 * of every key an earlier version of the same scope held). *out gets the new version. OK, UNKNOWN
 * (no such site, or no site in the municipality), INVALID (payload too large; err says), or DB. */
ank_cs_rc ank_cstore_texts_publish(ank_cstore *cs, const char *lang, ank_texts_scope scope,
                                   const char *target, json_t *set, json_t *messages,
                                   const char *author, long long rollback_of, int64_t now,
                                   ank_texts_version *out, ank_err *err);
/* The versions of `lang` (every language when NULL), newest first, at most `limit`, into
 * *out (malloc'd, the caller frees) with *n of them. 0, or -1 with err. */
int ank_cstore_texts_history(ank_cstore *cs, const char *lang, int limit, ank_texts_version **out,
                             int *n, ank_err *err);
/* Version `version`: its row and (set may be NULL) its texts {key: value} as a new
 * reference. OK, UNKNOWN, or DB. */
ank_cs_rc ank_cstore_texts_version_get(ank_cstore *cs, long long version, ank_texts_version *v,
                                       json_t **set, ank_err *err);

/* Notes in memory the screen texts' version a kiosk says it shows (its change-feed poll,
 * ?texts=N); a restart forgets it until the kiosk's next poll. */
void ank_cstore_kiosk_texts(ank_cstore *cs, const char *kiosk, long long version);
/* The version a kiosk last reported (0 when none since central started). */
long long ank_cstore_kiosk_texts_get(ank_cstore *cs, const char *kiosk);

#endif
