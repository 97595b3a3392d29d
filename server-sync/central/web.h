/* Private to ankomst-central: the browser pages, their static files and the text catalogs,
 * read once at start into memory so that a request never touches the disk and nothing outside
 * the manifest can ever be served. */
#ifndef ANK_CENTRAL_WEB_H
#define ANK_CENTRAL_WEB_H

#include <stddef.h>

#include "ank_err.h"
#include "ank_i18n.h"

/* One file a page may need is at most this large (the whole console is far below it). */
#define ANK_WEB_FILE_MAX (512 * 1024)
/* At most this many files in the manifest. */
#define ANK_WEB_FILES_MAX 64

typedef struct ank_web ank_web;

typedef struct ank_web_file {
	const char *name; /* the manifest's relative path, e.g. "static/staff.js" */
	const char *data; /* the bytes, owned by the ank_web */
	size_t len;
	const char *type; /* the Content-Type */
	char etag[24];    /* "\"" + 16 hex digits of the content's hash + "\"" */
} ank_web_file;

/* Reads every file web_dir/manifest names (one relative path a line; '#' starts a comment;
 * a path of A-Z a-z 0-9 . _ - and at most one '/', no dot segment) and every catalog of
 * i18n_dir (checked as the kiosk checks them, common/ank_i18n.h). On success *out is a new
 * set the caller frees with ank_web_free; on error -1 with err naming the file. */
int ank_web_load(const char *web_dir, const char *i18n_dir, ank_web **out, ank_err *err);
void ank_web_free(ank_web *w);

/* The file of that manifest path, or NULL. Owned by w. */
const ank_web_file *ank_web_file_get(const ank_web *w, const char *name);
/* Adds the vetted pictograms (ank_pictogram_at) from data_dir/assets/icons as files
 * "icons/NAME.svg", for the waiting-room page's information screens. Returns how many could
 * be read; one that cannot is left out (err says the first), and the page shows none. */
int ank_web_load_pictograms(ank_web *w, const char *data_dir, ank_err *err);

/* The catalog of lang as compact JSON, {"v":1,"lang","name","direction","review","messages"},
 * or NULL when there is none; and the list of languages {"v":1,"languages":[{lang,name,
 * direction}]}. Owned by w. */
const char *ank_web_catalog(const ank_web *w, const char *lang);
const char *ank_web_languages(const ank_web *w);
/* The catalogs the pages are served from (read only; owned by w): central checks the texts
 * administrators send against them before any kiosk sees them. */
const ank_i18n *ank_web_i18n(const ank_web *w);

#endif
