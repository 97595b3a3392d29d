/* The administrators' screen-text routes (admin_texts.h, docs/api.md "Screen texts"): texts are
 * checked against central's catalogs with the reason for each refusal, previewed by the real
 * kiosk through the preview runner (preview.c), published as versions to a scope and rolled
 * back; every action is in the audit log (http.c notes each POST). */
#include "admin_texts.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ank_i18n.h"
#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"
#include "cstore_texts.h"
#include "preview.h"
#include "web.h"
#include "wire.h"

/* One change of drafts is a reviewable batch of texts, not a whole new catalog. */
#define DRAFT_MESSAGES_MAX 200
/* Previews kept on disk (each a walk's PNGs, a few MB); older ones are deleted. */
#define PREVIEWS_KEPT 24
/* A preview's id: random bytes as hex, so one admin cannot guess another's. */
#define PREVIEW_ID_BYTES 8
#define PREVIEW_ID_HEX   (2 * PREVIEW_ID_BYTES)
_Static_assert(PREVIEW_ID_HEX == ANK_PREVIEW_ID_LEN, "the id's length in admin_texts.h");
/* The versions a history lists. */
#define HISTORY_MAX 200
/* The PNG of one screen at 1080x1920 is well under this. */
#define SHOT_MAX_BYTES (8L * 1024 * 1024)
/* The walk through the screens (in the kiosk's data directory) and the virtual time it runs
 * at: a weekday morning within the demo site's opening hours. */
#define WALK_FILE   "assets/preview/texts_walk.txt"
#define PREVIEW_NOW "2026-11-23T10:00:00Z"

/* ---- small helpers ---- */

static const ank_i18n *i18n_of(ank_http_ctx *c)
{
	return ank_web_i18n(ank_http_web(c->srv));
}

/* The path's language, which must be one of central's catalogs. 0, or -1 with *bad. */
static int lang_check(ank_http_ctx *c, ank_reply *bad)
{
	const char *lang = c->param[0];
	size_t ln = strlen(lang);
	if (ln < 2 || ln > 3 || strspn(lang, "abcdefghijklmnopqrstuvwxyz") != ln) {
		*bad = ank_http_bad_field("lang", "must be 2-3 lowercase letters");
		return -1;
	}
	if (!i18n_of(c) || !ank_i18n_review(i18n_of(c), lang)) {
		*bad = ank_http_error(ANK_ERR_NOT_FOUND, "unknown language: no catalog for it");
		return -1;
	}
	return 0;
}

static int catalog_index(const ank_i18n *i, const char *lang)
{
	for (int k = 0; k < ank_i18n_count(i); k++)
		if (!strcmp(ank_i18n_code(i, k), lang))
			return k;
	return -1;
}

/* The shipped value of `key` in catalog `cat` (ank_i18n_catalog_json): its text, or the
 * array of its plural forms in the language's order. A new reference; NULL if none. */
static json_t *shipped_value(json_t *cat, const char *key)
{
	json_t *forms = json_object_get(json_object_get(cat, "plurals"), key);
	if (json_is_object(forms)) {
		json_t *a = json_array();
		const char *category;
		json_t *f;
		json_object_foreach(forms, category, f) json_array_append(a, f);
		return a;
	}
	json_t *t = json_object_get(json_object_get(cat, "messages"), key);
	return t ? json_incref(t) : NULL;
}

/* Checks each draft text of `m` ({key: value or null}) for `lang` against central's catalogs
 * (the kiosks' are the same release's): a key they have, the form of a catalog text, the
 * placeholders of the shipped text (which has en's, checked by ank_i18n_check) and, for a
 * plural text, every form of the language. 0, or -1 with *bad naming the key and why. */
static int check_drafts(const ank_i18n *i18n, const char *lang, json_t *m, bool allow_null,
                        ank_reply *bad)
{
	if (!json_is_object(m) || json_object_size(m) == 0 ||
	    json_object_size(m) > DRAFT_MESSAGES_MAX) {
		char rule[96];
		snprintf(rule, sizeof rule, "must be an object of 1-%d texts by key",
		         DRAFT_MESSAGES_MAX);
		*bad = ank_http_bad_field("messages", rule);
		return -1;
	}
	const char *key;
	json_t *v;
	json_object_foreach(m, key, v)
	{
		char name[ANK_HTTP_ECHO_MAX + 16], shown[ANK_HTTP_ECHO_MAX + 1];
		ank_http_echo(shown, key);
		snprintf(name, sizeof name, "messages.%s", shown);
		if (strlen(key) > ANK_I18N_MAX_KEY_BYTES || ank_i18n_get(i18n, "en", key) == key) {
			*bad = ank_http_bad_field(name, "unknown key: no screen text has it");
			return -1;
		}
		if (json_is_null(v) && allow_null)
			continue;
		ank_err err;
		if (ank_i18n_override_value_check(i18n, lang, key, v, &err)) {
			*bad = ank_http_bad_field(name, err.msg);
			return -1;
		}
	}
	return 0;
}

/* The drafts of lang as {key: value}; a new reference, or NULL with *bad. */
static json_t *draft_values(ank_http_ctx *c, const char *lang, ank_reply *bad)
{
	ank_err err;
	json_t *d = ank_cstore_texts_drafts(c->cs, lang, &err);
	if (!d) {
		ank_log(ANK_LOG_ERROR, "texts", "drafts: %s", err.msg);
		*bad = ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the drafts now");
		return NULL;
	}
	json_t *out = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(d, key, v) json_object_set(out, key, json_object_get(v, "value"));
	json_decref(d);
	return out;
}

/* ---- settings ---- */

int ank_texts_conf_init(ank_texts_conf *t, ank_err *err)
{
	pthread_mutex_init(&t->run_mu, NULL);
	if (mkdir(t->work_root, 0700) != 0 && errno != EEXIST)
		return ank_err_set(err, "%s: %s", t->work_root, strerror(errno));
	return 0;
}

void ank_texts_conf_free(ank_texts_conf *t)
{
	pthread_mutex_destroy(&t->run_mu);
}

/* ---- previews on disk ---- */

/* Removes a preview's directory: its files, and its subdirectories' (shots/, texts/) one
 * level down; links are removed, never followed. */
static void remove_tree(const char *path, int depth)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[ANK_TEXTS_PATH_MAX + 300];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			struct stat sb;
			if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode) && depth > 0)
				remove_tree(sub, depth - 1);
			else if (unlink(sub) != 0)
				ank_log(ANK_LOG_WARN, "texts", "cannot remove %s: %s", sub,
				        strerror(errno));
		}
		closedir(d);
	}
	if (rmdir(path) != 0)
		ank_log(ANK_LOG_WARN, "texts", "cannot remove %s: %s", path, strerror(errno));
}

/* Deletes the oldest previews beyond PREVIEWS_KEPT (run_mu held). */
static void prune_previews(const ank_texts_conf *t)
{
	for (;;) {
		char oldest[ANK_TEXTS_PATH_MAX] = "";
		time_t oldest_t = 0;
		int n = 0;
		DIR *d = opendir(t->work_root);
		if (!d)
			return;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strlen(e->d_name) != PREVIEW_ID_HEX)
				continue;
			char path[ANK_TEXTS_PATH_MAX + 64];
			snprintf(path, sizeof path, "%s/%s", t->work_root, e->d_name);
			struct stat sb;
			if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
				continue;
			n++;
			if (!oldest[0] || sb.st_mtime < oldest_t) {
				oldest_t = sb.st_mtime;
				snprintf(oldest, sizeof oldest, "%s", path);
			}
		}
		closedir(d);
		if (n <= PREVIEWS_KEPT || !oldest[0])
			return;
		remove_tree(oldest, 1);
	}
}

int ank_preview_make(ank_texts_conf *t, const ank_preview_ask *a, char id[ANK_PREVIEW_ID_LEN + 1],
                     ank_preview_result *r, ank_err *err)
{
	*r = (ank_preview_result){0};
	unsigned char raw[PREVIEW_ID_BYTES];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(id, PREVIEW_ID_HEX + 1, raw, sizeof raw);
	char dir[ANK_TEXTS_PATH_MAX + 32], content[ANK_TEXTS_PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s/%s", t->work_root, id);
	snprintf(content, sizeof content, "%s/content.json", dir);
	if (mkdir(dir, 0700) != 0)
		return ank_err_set(err, "%s: %s", dir, strerror(errno));
	if (a->content && json_dump_file(a->content, content, JSON_COMPACT) != 0)
		return ank_err_set(err, "%s: cannot write", content);
	ank_preview_opts o = {
	        .kiosk_bin = t->kiosk_bin,
	        .data_dir = t->kiosk_data,
	        .work_dir = dir,
	        .script = a->script,
	        .now = a->now ? a->now : PREVIEW_NOW,
	        .w = a->landscape ? ANK_PREVIEW_LANDSCAPE_W : ANK_PREVIEW_PORTRAIT_W,
	        .h = a->landscape ? ANK_PREVIEW_LANDSCAPE_H : ANK_PREVIEW_PORTRAIT_H,
	        .texts = a->texts,
	        /* The demo site: its users and stations reach every screen of a walk, and it
	         * offers every language. */
	        .extra_args = {"--demo", a->content ? "--content" : NULL,
	                       a->content ? content : NULL, NULL},
	};
	pthread_mutex_lock(&t->run_mu);
	int rc = ank_preview_run(&o, r, err);
	prune_previews(t);
	pthread_mutex_unlock(&t->run_mu);
	return rc;
}

json_t *ank_preview_answer(const char *id, const ank_preview_result *r, bool landscape)
{
	json_t *shots = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(r->shots, i, s)
	{
		char url[128];
		snprintf(url, sizeof url, "/api/v1/previews/%s/%s", id, json_string_value(s));
		json_array_append_new(shots, json_pack("{s:O, s:s}", "screen", s, "url", url));
	}
	return json_pack("{s:i, s:s, s:s, s:i, s:i, s:o, s:O}", "v", 1, "id", id, "orientation",
	                 landscape ? "landscape" : "portrait", "width",
	                 landscape ? ANK_PREVIEW_LANDSCAPE_W : ANK_PREVIEW_PORTRAIT_W, "height",
	                 landscape ? ANK_PREVIEW_LANDSCAPE_H : ANK_PREVIEW_PORTRAIT_H, "shots",
	                 shots, "findings", r->findings);
}

/* One orientation's run of the texts' walk with `drafts` ({key: value}) of lang in a new
 * preview directory; *id gets its name. 0, or -1 with err (and *r as far as the kiosk got). */
static int preview_once(ank_texts_conf *t, const char *lang, json_t *drafts, bool landscape,
                        char id[PREVIEW_ID_HEX + 1], ank_preview_result *r, ank_err *err)
{
	*r = (ank_preview_result){0};
	char walk_path[ANK_TEXTS_PATH_MAX + 64];
	snprintf(walk_path, sizeof walk_path, "%s/%s", t->kiosk_data, WALK_FILE);
	char *walk = ank_preview_walk_load(walk_path, lang, err);
	if (!walk)
		return -1;
	json_t *texts = json_pack("{s:O}", lang, drafts);
	ank_preview_ask a = {.script = walk, .texts = texts, .landscape = landscape};
	int rc = texts ? ank_preview_make(t, &a, id, r, err) : ank_err_set(err, "out of memory");
	json_decref(texts);
	free(walk);
	return rc;
}

/* ---- routes ---- */

ank_reply ank_texts_get(ank_http_ctx *c)
{
	ank_reply bad;
	if (lang_check(c, &bad))
		return bad;
	const char *lang = c->param[0];
	const ank_i18n *i18n = i18n_of(c);
	json_t *cat = ank_i18n_catalog_json(i18n, catalog_index(i18n, lang));
	json_t *en = ank_i18n_catalog_json(i18n, catalog_index(i18n, "en"));
	json_t *drafts = draft_values(c, lang, &bad);
	if (!cat || !en || !drafts) {
		json_decref(cat);
		json_decref(en);
		return drafts ? ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory") : bad;
	}
	json_t *keys = json_array();
	const char *key;
	json_t *v;
	json_t *pending = json_object_get(cat, "pending");
	json_object_foreach(json_object_get(en, "messages"), key, v)
	{
		bool fuzzy = false;
		size_t i;
		json_t *p;
		json_array_foreach(pending, i, p) fuzzy =
		        fuzzy || !strcmp(json_string_value(p), key);
		json_t *draft = json_object_get(drafts, key);
		json_array_append_new(
		        keys, json_pack("{s:s, s:o, s:o, s:O, s:b, s:b}", "key", key, "text",
		                        shipped_value(cat, key), "source", shipped_value(en, key),
		                        "draft", draft ? draft : json_null(), "plural",
		                        json_is_object(json_object_get(
		                                json_object_get(cat, "plurals"), key)),
		                        "fuzzy", fuzzy));
	}
	json_t *out = json_pack("{s:i, s:s, s:O, s:O, s:o, s:I}", "v", 1, "lang", lang, "name",
	                        json_object_get(cat, "name"), "direction",
	                        json_object_get(cat, "direction"), "keys", keys, "drafts",
	                        (json_int_t)json_object_size(drafts));
	json_decref(cat);
	json_decref(en);
	json_decref(drafts);
	return ank_http_json(200, out);
}

ank_reply ank_texts_drafts_post(ank_http_ctx *c)
{
	ank_reply bad;
	if (lang_check(c, &bad))
		return bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "messages", NULL};
	json_t *m = json_object_get(j, "messages");
	if (ank_http_only_known(j, known, &bad) ||
	    check_drafts(i18n_of(c), c->param[0], m, true, &bad))
		goto out;
	ank_err err;
	ank_cs_rc rc =
	        ank_cstore_texts_draft_set(c->cs, c->param[0], m, c->acct.name, ank_now_ms(), &err);
	if (rc != ANK_CS_OK) {
		bad = ank_http_cs_error(rc, "cannot store the drafts now");
		goto out;
	}
	snprintf(c->audit_object, sizeof c->audit_object, "%s: %zu texts", c->param[0],
	         json_object_size(m));
	ank_log(ANK_LOG_INFO, "texts", "'%s' drafted %zu %s texts", c->acct.name,
	        json_object_size(m), c->param[0]);
	bad = ank_http_json(
	        200, json_pack("{s:i, s:I}", "v", 1, "drafted", (json_int_t)json_object_size(m)));
out:
	json_decref(j);
	return bad;
}

/* The findings of a run, each with the key its widget shows when the widget is named by a
 * key (the layout check names the widget: "welcome.title"). A new reference. */
ank_reply ank_texts_preview_post(ank_http_ctx *c)
{
	ank_reply bad;
	if (lang_check(c, &bad))
		return bad;
	ank_texts_conf *t = ank_http_texts(c->srv);
	if (!t)
		return ank_http_error(ANK_ERR_UNAVAILABLE,
		                      "previews are not set up on this central");
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "orientation", NULL};
	json_t *orient = json_object_get(j, "orientation");
	const char *o = orient ? json_string_value(orient) : "portrait";
	if (ank_http_only_known(j, known, &bad)) {
		json_decref(j);
		return bad;
	}
	if (!o || (strcmp(o, "portrait") != 0 && strcmp(o, "landscape") != 0)) {
		json_decref(j);
		return ank_http_bad_field("orientation", "must be portrait or landscape");
	}
	bool landscape = !strcmp(o, "landscape");
	json_decref(j);
	o = landscape ? "landscape" : "portrait"; /* j's string went with it */
	json_t *drafts = draft_values(c, c->param[0], &bad);
	if (!drafts)
		return bad;
	char id[PREVIEW_ID_HEX + 1];
	ank_preview_result r;
	ank_err err;
	int rc = preview_once(t, c->param[0], drafts, landscape, id, &r, &err);
	size_t n_drafts = json_object_size(drafts);
	json_decref(drafts);
	if (rc) {
		ank_log(ANK_LOG_ERROR, "texts", "preview: %s", err.msg);
		ank_preview_result_free(&r);
		char msg[400];
		snprintf(msg, sizeof msg, "the kiosk could not draw the preview: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, msg);
	}
	snprintf(c->audit_object, sizeof c->audit_object, "%s %s: %zu drafts, %zu findings",
	         c->param[0], o, n_drafts, json_array_size(r.findings));
	json_t *out = ank_preview_answer(id, &r, landscape);
	json_object_set_new(out, "lang", json_string(c->param[0]));
	json_object_set_new(out, "drafts", json_integer((json_int_t)n_drafts));
	ank_preview_result_free(&r);
	return ank_http_json(200, out);
}

ank_reply ank_texts_preview_shot(ank_http_ctx *c)
{
	ank_texts_conf *t = ank_http_texts(c->srv);
	const char *id = c->param[0], *shot = c->param[1];
	if (!t || strlen(id) != PREVIEW_ID_HEX ||
	    strspn(id, "0123456789abcdef") != PREVIEW_ID_HEX || !ank_text_is_slug(shot, 63))
		return ank_http_error(ANK_ERR_NOT_FOUND, "no such preview");
	char path[ANK_TEXTS_PATH_MAX + 160];
	snprintf(path, sizeof path, "%s/%s/shots/%s.png", t->work_root, id, shot);
	FILE *f = fopen(path, "rb");
	if (!f)
		return ank_http_error(ANK_ERR_NOT_FOUND,
		                      "no such preview (older ones are deleted)");
	char *buf = malloc(SHOT_MAX_BYTES);
	size_t n = buf ? fread(buf, 1, SHOT_MAX_BYTES, f) : 0;
	fclose(f);
	if (!buf || n == 0 || n == SHOT_MAX_BYTES) {
		free(buf);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the picture");
	}
	c->reply_len = n;
	return (ank_reply){200, buf, "image/png"};
}

/* The scope of a publish or rollback body: "scope" and, unless all, "target" (a site id or a
 * municipality code). def_scope/def_target when the body names none (-1: required). */
static int scope_of(json_t *j, int def_scope, const char *def_target, ank_texts_scope *scope,
                    char target[ANK_CS_ID_MAX + 1], ank_reply *bad)
{
	json_t *sj = json_object_get(j, "scope"), *tj = json_object_get(j, "target");
	int sc = sj ? ank_texts_scope_parse(json_string_value(sj)) : def_scope;
	if (sc < 0) {
		*bad = ank_http_bad_field("scope", "must be site, municipality or all");
		return -1;
	}
	*scope = (ank_texts_scope)sc;
	const char *tv = tj ? json_string_value(tj) : (sj ? NULL : def_target);
	if (*scope == ANK_TEXTS_ALL) {
		if (tj) {
			*bad = ank_http_bad_field("target", "scope all takes no target");
			return -1;
		}
		target[0] = '\0';
		return 0;
	}
	if (!tv || !ank_text_is_slug(tv, ANK_CS_ID_MAX)) {
		*bad = ank_http_bad_field("target", *scope == ANK_TEXTS_SITE
		                                            ? "must be a site id"
		                                            : "must be a municipality code");
		return -1;
	}
	snprintf(target, ANK_CS_ID_MAX + 1, "%s", tv);
	return 0;
}

/* What the kiosks merge: the set, and the shipped text of every key an earlier version of the
 * language for this scope held but the set does not, so the scope's texts are the set's
 * (what another scope's versions set stays). A new reference, or NULL with *bad. */
static json_t *kiosk_messages(ank_http_ctx *c, const char *lang, ank_texts_scope scope,
                              const char *target, json_t *set, ank_reply *bad)
{
	ank_err err;
	json_t *ever = ank_cstore_texts_keys_ever(c->cs, lang, scope, target, &err);
	const ank_i18n *i18n = i18n_of(c);
	json_t *cat = ank_i18n_catalog_json(i18n, catalog_index(i18n, lang));
	json_t *out = json_deep_copy(set);
	if (!ever || !cat || !out) {
		json_decref(ever);
		json_decref(cat);
		json_decref(out);
		*bad = ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the versions now");
		return NULL;
	}
	size_t i;
	json_t *k;
	json_array_foreach(ever, i, k)
	{
		const char *key = json_string_value(k);
		json_t *shipped = json_object_get(out, key) ? NULL : shipped_value(cat, key);
		if (shipped)
			json_object_set_new(out, key, shipped);
	}
	json_decref(ever);
	json_decref(cat);
	return out;
}

/* Publishes set as a new version and answers 201. */
static ank_reply publish_set(ank_http_ctx *c, const char *lang, ank_texts_scope scope,
                             const char *target, json_t *set, long long rollback_of)
{
	ank_reply bad;
	json_t *messages = kiosk_messages(c, lang, scope, target, set, &bad);
	if (!messages)
		return bad;
	if (json_object_size(messages) == 0) {
		json_decref(messages);
		return ank_http_bad_field("version",
		                          "has no texts, and no earlier version changed any");
	}
	ank_texts_version v;
	ank_err err;
	ank_cs_rc rc = ank_cstore_texts_publish(c->cs, lang, scope, target, set, messages,
	                                        c->acct.name, rollback_of, ank_now_ms(), &v, &err);
	json_decref(messages);
	if (rc == ANK_CS_UNKNOWN)
		return ank_http_error(ANK_ERR_NOT_FOUND, err.msg);
	if (rc == ANK_CS_INVALID)
		return ank_http_bad_field("messages", err.msg);
	if (rc != ANK_CS_OK) {
		ank_log(ANK_LOG_ERROR, "texts", "publish: %s", err.msg);
		return ank_http_cs_error(rc, "cannot publish now");
	}
	snprintf(c->audit_object, sizeof c->audit_object, "%s version %lld to %s%s%s%s", lang,
	         v.version, ank_texts_scope_name(scope), target[0] ? " " : "", target,
	         rollback_of ? " (rollback)" : "");
	ank_log(ANK_LOG_INFO, "texts", "'%s' published %s version %lld (%zu texts) to %s %s",
	        c->acct.name, lang, v.version, json_object_size(set), ank_texts_scope_name(scope),
	        target);
	return ank_http_json(201, json_pack("{s:i, s:I, s:s, s:s, s:s, s:i, s:I}", "v", 1,
	                                    "version", (json_int_t)v.version, "lang", lang, "scope",
	                                    ank_texts_scope_name(scope), "target", target, "sites",
	                                    v.sites, "rollback_of",
	                                    (json_int_t)(rollback_of < 0 ? 0 : rollback_of)));
}

/* The layout check of the drafts in both orientations: 0 when every screen of the walk
 * holds; -1 with *bad (the first finding, or why the kiosk could not run) otherwise. */
static int layout_gate(ank_http_ctx *c, const char *lang, json_t *drafts, ank_reply *bad)
{
	ank_texts_conf *t = ank_http_texts(c->srv);
	if (!t) {
		*bad = ank_http_error(ANK_ERR_UNAVAILABLE,
		                      "previews are not set up: the layout cannot be checked");
		return -1;
	}
	for (int landscape = 0; landscape < 2; landscape++) {
		char id[PREVIEW_ID_HEX + 1];
		ank_preview_result r;
		ank_err err;
		int rc = preview_once(t, lang, drafts, landscape, id, &r, &err);
		json_t *f = json_array_get(r.findings, 0);
		char msg[700];
		if (rc) {
			snprintf(msg, sizeof msg, "the kiosk could not check the layout: %s",
			         err.msg);
			*bad = ank_http_error(ANK_ERR_UNAVAILABLE, msg);
		} else if (f) {
			snprintf(msg, sizeof msg,
			         "layout check on screen %s (%s %s): %s: %s; shorten the text",
			         json_string_value(json_object_get(f, "screen")), lang,
			         json_string_value(json_object_get(f, "size")),
			         json_string_value(json_object_get(f, "check")),
			         json_string_value(json_object_get(f, "why")));
			*bad = ank_http_bad_field("messages", msg);
		}
		ank_preview_result_free(&r);
		if (rc || f)
			return -1;
	}
	return 0;
}

ank_reply ank_texts_publish(ank_http_ctx *c)
{
	ank_reply bad;
	if (lang_check(c, &bad))
		return bad;
	const char *lang = c->param[0];
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "scope", "target", NULL};
	ank_texts_scope scope;
	char target[ANK_CS_ID_MAX + 1];
	json_t *drafts = NULL, *set = NULL;
	if (ank_http_only_known(j, known, &bad) || scope_of(j, -1, NULL, &scope, target, &bad))
		goto out;
	drafts = draft_values(c, lang, &bad);
	if (!drafts)
		goto out;
	if (json_object_size(drafts) == 0) {
		bad = ank_http_bad_field("drafts", "there are no drafts to publish");
		goto out;
	}
	/* The catalogs may have changed since the drafts were written: checked again. */
	if (check_drafts(i18n_of(c), lang, drafts, false, &bad) ||
	    layout_gate(c, lang, drafts, &bad))
		goto out;
	ank_err err;
	set = ank_cstore_texts_scope_set(c->cs, lang, scope, target, &err);
	if (!set) {
		bad = ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the versions now");
		goto out;
	}
	json_object_update(set, drafts);
	bad = publish_set(c, lang, scope, target, set, 0);
out:
	json_decref(set);
	json_decref(drafts);
	json_decref(j);
	return bad;
}

ank_reply ank_texts_rollback(ank_http_ctx *c)
{
	ank_reply bad;
	if (lang_check(c, &bad))
		return bad;
	const char *lang = c->param[0];
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	static const char *const known[] = {"v", "version", "scope", "target", NULL};
	json_t *vj = json_object_get(j, "version");
	json_t *set = NULL;
	ank_texts_version v = {0};
	ank_texts_scope scope;
	char target[ANK_CS_ID_MAX + 1];
	if (ank_http_only_known(j, known, &bad))
		goto out;
	if (!json_is_integer(vj) || json_integer_value(vj) < 0) {
		bad = ank_http_bad_field("version",
		                         "must be a version number (0: the shipped texts)");
		goto out;
	}
	long long want = json_integer_value(vj);
	ank_err err;
	if (want == 0) {
		/* The shipped texts: an empty set; the scope must be given. */
		set = json_object();
		if (scope_of(j, -1, NULL, &scope, target, &bad))
			goto out;
	} else {
		ank_cs_rc rc = ank_cstore_texts_version_get(c->cs, want, &v, &set, &err);
		if (rc == ANK_CS_UNKNOWN) {
			bad = ank_http_error(ANK_ERR_NOT_FOUND, "unknown version");
			goto out;
		}
		if (rc != ANK_CS_OK) {
			bad = ank_http_cs_error(rc, "cannot read the version now");
			goto out;
		}
		if (strcmp(v.lang, lang) != 0) {
			char rule[96];
			snprintf(rule, sizeof rule, "is a version of the %s texts, not %s", v.lang,
			         lang);
			bad = ank_http_bad_field("version", rule);
			goto out;
		}
		if (scope_of(j, (int)v.scope, v.target, &scope, target, &bad))
			goto out;
	}
	bad = publish_set(c, lang, scope, target, set, want ? want : -1);
out:
	json_decref(set);
	json_decref(j);
	return bad;
}

static json_t *version_json(const ank_texts_version *v)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:o, s:i}", "version",
	                 (json_int_t)v->version, "lang", v->lang, "scope",
	                 ank_texts_scope_name(v->scope), "target", v->target, "author", v->author,
	                 "at_ms", (json_int_t)v->at_ms, "rollback_of",
	                 v->rollback_of > 0   ? json_integer(v->rollback_of)
	                 : v->rollback_of < 0 ? json_integer(0)
	                                      : json_null(),
	                 "sites", v->sites);
}

ank_reply ank_texts_history(ank_http_ctx *c)
{
	ank_reply bad;
	if (lang_check(c, &bad))
		return bad;
	ank_texts_version *vs;
	int n;
	ank_err err;
	if (ank_cstore_texts_history(c->cs, c->param[0], HISTORY_MAX, &vs, &n, &err)) {
		ank_log(ANK_LOG_ERROR, "texts", "history: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the versions now");
	}
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = version_json(&vs[i]);
		json_t *set = NULL;
		if (ank_cstore_texts_version_get(c->cs, vs[i].version, &vs[i], &set, &err) ==
		    ANK_CS_OK)
			json_object_set_new(o, "texts", set);
		json_array_append_new(list, o);
	}
	free(vs);
	return ank_http_json(
	        200, json_pack("{s:i, s:s, s:o}", "v", 1, "lang", c->param[0], "versions", list));
}

ank_reply ank_texts_kiosks(ank_http_ctx *c)
{
	ank_kiosk_info *ks;
	int n;
	ank_err err;
	if (ank_cstore_kiosks_list(c->cs, ank_now_ms(), &ks, &n, &err)) {
		ank_log(ANK_LOG_ERROR, "texts", "kiosks: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the kiosks now");
	}
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		if (ks[i].revoked_ms)
			continue;
		long long tv = ank_cstore_kiosk_texts_get(c->cs, ks[i].id);
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:b, s:o}", "kiosk", ks[i].id, "site",
		                                ks[i].site, "online", ks[i].online, "texts_version",
		                                tv ? json_integer(tv) : json_null()));
	}
	free(ks);
	return ank_http_json(200, json_pack("{s:i, s:o}", "v", 1, "kiosks", list));
}
