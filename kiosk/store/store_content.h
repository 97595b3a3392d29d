/* The kiosk's copy of the administrators' content (issue 13): drug alerts and information
 * screens from central's `content` changes, kept in site.db (migration 6) ahead of their
 * time, read back as a list the screens show by the kiosk's own clock; also the same items
 * from a file (--content), so central can preview them with the real renderer. */
#ifndef ANK_STORE_CONTENT_H
#define ANK_STORE_CONTENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* One language of an item: an alert's text, or a screen's title and body. */
typedef struct ank_content_text {
	char lang[8];
	char title[ANK_CONTENT_TITLE_MAX + 1]; /* "" for an alert */
	char text[ANK_CONTENT_TEXT_MAX + 1];   /* the alert's text or the screen's body */
} ank_content_text;

typedef struct ank_content_item {
	long long id;
	int kind;     /* ank_content_kind */
	int severity; /* ank_alert_severity (alerts) */
	char pictogram[ANK_CONTENT_ICON_MAX + 1];
	char qr[ANK_CONTENT_QR_MAX + 1]; /* "" none */
	int64_t from_ms, until_ms;       /* shown from <= now < until */
	int n_texts;
	ank_content_text texts[ANK_CONTENT_LANGS_MAX];
} ank_content_item;

typedef struct ank_content_list {
	int n;
	ank_content_item items[ANK_CONTENT_MAX];
} ank_content_list;

/* Reads one item as central sends it (docs/api.md "Alerts and information screens"). 0, or
 * -1 with err naming the field. */
int ank_content_parse(json_t *j, ank_content_item *out, ank_err *err);
/* True when item is shown at now. */
bool ank_content_shown(const ank_content_item *it, int64_t now);
/* The text of an item in lang, else Danish, else its first; never NULL. */
const ank_content_text *ank_content_text_in(const ank_content_item *it, const char *lang);

/* An item that ended this long ago is deleted when the next content change comes: site.db
 * does not grow with every alert ever sent, and a kiosk whose clock is behind keeps it. */
#define ANK_CONTENT_KEEP_MS (7LL * 24 * 3600 * 1000)

/* A `content` change: a published item is kept (replacing one of its id), a withdrawn one
 * deleted, in one transaction with the cursor `change`; items that ended ANK_CONTENT_KEEP_MS
 * before the wall clock go too. 0 applied, 1 refused (err says
 * why; the caller answers with change.skipped), -1 the database failed. */
int ank_store_content_apply(ank_store *st, json_t *payload, long long change, ank_err *err);
/* The kept items that have not ended at now, soonest first (at most ANK_CONTENT_MAX), into
 * *out. 0, or -1 with err. */
int ank_store_content_load(ank_store *st, int64_t now, ank_content_list *out, ank_err *err);
/* A fingerprint of the kept items (changes when one is kept or withdrawn); -1 on error. */
long long ank_store_content_stamp(ank_store *st);
/* --content FILE: the items of a JSON file, either {"items": [item, ...]} (the display
 * feed's form) or one item. 0, or -1 with err naming the file and the field. */
int ank_content_file_load(const char *path, ank_content_list *out, ank_err *err);

#endif
