/* The administrators' screen texts (issue 13 item 5): the routes of docs/api.md "Screen texts"
 * (drafts, previews drawn by the real kiosk, publish, history, rollback, the version each
 * kiosk shows) and the settings central.c gives them. Private to ankomst-central. */
#ifndef ANK_ADMIN_TEXTS_H
#define ANK_ADMIN_TEXTS_H

#include <pthread.h>
#include <stdbool.h>

#include "http.h"
#include "preview.h"

#define ANK_TEXTS_PATH_MAX 4096

/* The preview's settings and state; central.c fills the paths, ank_texts_conf_init the rest.
 * Lives as long as the server. */
typedef struct ank_texts_conf {
	char kiosk_bin[ANK_TEXTS_PATH_MAX];  /* the kiosk program (ank_preview_kiosk_path) */
	char kiosk_data[ANK_TEXTS_PATH_MAX]; /* its --data: i18n/ and assets/ */
	char work_root[ANK_TEXTS_PATH_MAX];  /* previews are kept here, one directory each */
	/* One preview at a time: each runs a kiosk for seconds; a second waits its turn. */
	pthread_mutex_t run_mu;
} ank_texts_conf;

/* A preview's id: 16 hex characters (random, so one admin cannot guess another's). */
#define ANK_PREVIEW_ID_LEN 16

/* One preview run: the walk (script verbs), the texts laid over the catalogs ({lang: {key:
 * value}}) or NULL, the drug alerts and information screens shown instead of the kiosk's
 * ({"items": [...]}, passed as --content) or NULL, the virtual clock (NULL: a weekday
 * morning), the orientation. Borrowed for the call. */
typedef struct ank_preview_ask {
	const char *script;
	json_t *texts, *content;
	const char *now;
	bool landscape;
} ank_preview_ask;

/* Runs the real kiosk on the demo site for a in a new preview directory under work_root (one
 * run at a time; the oldest previews beyond the kept number go); id gets the preview's name,
 * whose PNGs GET /api/v1/previews/{id}/{shot} serves. 0, or -1 with err; *r (as far as the
 * kiosk got) is the caller's to free either way. */
int ank_preview_make(ank_texts_conf *t, const ank_preview_ask *a, char id[ANK_PREVIEW_ID_LEN + 1],
                     ank_preview_result *r, ank_err *err);
/* A preview's answer: {v, id, orientation, width, height, shots: [{screen, url}], findings}.
 * A new reference. */
json_t *ank_preview_answer(const char *id, const ank_preview_result *r, bool landscape);

/* Sets up t's lock and makes work_root (mode 0700). 0, or -1 with err. */
int ank_texts_conf_init(ank_texts_conf *t, ank_err *err);
void ank_texts_conf_free(ank_texts_conf *t);

/* GET /api/v1/texts/{lang}: every key with its shipped text, en's, the draft. */
ank_reply ank_texts_get(ank_http_ctx *c);
/* POST /api/v1/texts/{lang}/drafts: sets (or, with null, discards) drafts, checked. */
ank_reply ank_texts_drafts_post(ank_http_ctx *c);
/* POST /api/v1/texts/{lang}/previews: the kiosk draws the drafts; shots and findings. */
ank_reply ank_texts_preview_post(ank_http_ctx *c);
/* GET /api/v1/previews/{id}/{shot}: one PNG of a preview. */
ank_reply ank_texts_preview_shot(ank_http_ctx *c);
/* POST /api/v1/texts/{lang}/publish: the drafts as a new version to a scope. */
ank_reply ank_texts_publish(ank_http_ctx *c);
/* POST /api/v1/texts/{lang}/rollback: an earlier version's texts as a new version. */
ank_reply ank_texts_rollback(ank_http_ctx *c);
/* GET /api/v1/texts/{lang}/history: the versions, newest first. */
ank_reply ank_texts_history(ank_http_ctx *c);
/* GET /api/v1/texts/kiosks: the version each kiosk says it shows. */
ank_reply ank_texts_kiosks(ank_http_ctx *c);

#endif
