/* The administrators' content routes (docs/api.md "Alerts and information screens"): list,
 * draft, publish and withdraw drug alerts and information screens. Every field is checked
 * here, with an answer that names it; the store (cstore_content.c) trusts what it is given.
 * Each POST is written to the audit log by http.c with the item as its object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_content.h"
#include "admin_texts.h"
#include "ank_buf.h"
#include "ank_i18n.h"
#include "ank_log.h"
#include "ank_time.h"
#include "ank_vocab.h"
#include "cstore_content.h"
#include "proto.h"
#include "web.h"
#include "wire.h"

/* Room an item's change takes besides the item itself: its id and state. */
#define CONTENT_WIRE_EXTRA 64
/* The field name in an answer is cut to this many bytes. */
#define FIELD_ECHO_MAX ANK_HTTP_ECHO_MAX

/* The field cut to FIELD_ECHO_MAX bytes: names here are the API's own or a language code. */
static ank_reply bad_field(const char *field, const char *rule)
{
	char f[FIELD_ECHO_MAX + 1];
	snprintf(f, sizeof f, "%s", field);
	return ank_http_bad_field(f, rule);
}

/* True when s has no control character (a newline only where lines are allowed). */
static bool text_clean(const char *s, bool lines)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(lines && *p == '\n')) || *p == 0x7f)
			return false;
	return true;
}

/* A text member of `o`: present, a string of 1..max bytes without control characters. */
static int text_field(json_t *o, const char *key, const char *where, size_t max, bool lines,
                      ank_reply *bad)
{
	char name[96];
	snprintf(name, sizeof name, "%s.%s", where, key);
	json_t *v = json_object_get(o, key);
	if (!v) {
		*bad = bad_field(name, "missing");
		return -1;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*bad = bad_field(name, "must be a text");
		return -1;
	}
	if (json_string_length(v) > max) {
		char rule[64];
		snprintf(rule, sizeof rule, "at most %zu bytes", max);
		*bad = bad_field(name, rule);
		return -1;
	}
	if (!text_clean(json_string_value(v), lines)) {
		*bad = bad_field(name, "must not contain control characters");
		return -1;
	}
	return 0;
}

static bool lang_shipped(const ank_i18n *i18n, const char *lang)
{
	if (!i18n) /* central without its catalogs: any 2-3 letter code */
		return strlen(lang) >= 2 && strlen(lang) <= 3 &&
		       strspn(lang, "abcdefghijklmnopqrstuvwxyz") == strlen(lang);
	for (int i = 0; i < ank_i18n_count(i18n); i++)
		if (!strcmp(ank_i18n_code(i18n, i), lang))
			return true;
	return false;
}

/* texts: {lang: {text} (alert) or {title, body} (info)} in shipped languages, Danish always
 * (the kiosks' fallback for a language the item lacks). */
static int check_texts(ank_http_ctx *c, json_t *texts, ank_content_kind kind, ank_reply *bad)
{
	if (!json_is_object(texts) || json_object_size(texts) == 0) {
		*bad = bad_field("texts", "must be an object of texts by language");
		return -1;
	}
	if (json_object_size(texts) > ANK_CONTENT_LANGS_MAX) {
		*bad = bad_field("texts", "too many languages");
		return -1;
	}
	if (!json_object_get(texts, "da")) {
		*bad = bad_field("texts.da", "missing: every item has a Danish text, which a "
		                             "screen shows when the item lacks its language");
		return -1;
	}
	const ank_i18n *i18n = ank_web_i18n(ank_http_web(c->srv));
	const char *lang;
	json_t *t;
	json_object_foreach(texts, lang, t)
	{
		char where[64];
		snprintf(where, sizeof where, "texts.%.8s", lang);
		if (!lang_shipped(i18n, lang)) {
			*bad = bad_field(where, "not a language the kiosks have");
			return -1;
		}
		if (!json_is_object(t)) {
			*bad = bad_field(where, "must be an object");
			return -1;
		}
		const char *alert_keys[] = {"text", NULL}, *info_keys[] = {"title", "body", NULL};
		const char *const *keys = kind == ANK_CONTENT_ALERT ? alert_keys : info_keys;
		size_t nk = kind == ANK_CONTENT_ALERT ? 1 : 2;
		if (json_object_size(t) > nk) {
			*bad = bad_field(where,
			                 kind == ANK_CONTENT_ALERT
			                         ? "an alert has only a text"
			                         : "an information screen has a title and a body");
			return -1;
		}
		for (int k = 0; keys[k]; k++)
			if (text_field(t, keys[k], where,
			               !strcmp(keys[k], "title") ? ANK_CONTENT_TITLE_MAX
			                                         : ANK_CONTENT_TEXT_MAX,
			               strcmp(keys[k], "title") != 0, bad))
				return -1;
	}
	return 0;
}

/* An https URL for the QR: https://HOST[/...], printable ASCII without spaces. */
static int check_qr(json_t *v, ank_reply *bad)
{
	const char *u = json_string_value(v);
	if (!u || strlen(u) != json_string_length(v)) {
		*bad = bad_field("qr", "must be an https URL");
		return -1;
	}
	if (strlen(u) > ANK_CONTENT_QR_MAX) {
		*bad = bad_field("qr", "longer than a QR on the screen can carry");
		return -1;
	}
	const char *host = strncmp(u, "https://", 8) ? NULL : u + 8;
	size_t hn = host ? strcspn(host, "/?#") : 0;
	bool ok = host && hn > 0 && strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789.-:") >= hn &&
	          host[0] != '.' && host[0] != '-';
	for (const char *p = u; ok && *p; p++)
		ok = *p > 0x20 && *p < 0x7f && *p != '"' && *p != '<' && *p != '>' && *p != '\\';
	if (!ok) {
		*bad = bad_field("qr",
		                 "must be an https URL (https://host/path, lowercase host, no "
		                 "spaces)");
		return -1;
	}
	return 0;
}

/* sites: "all", a list of known site ids, or {"municipality": CODE}. */
static int check_sites(ank_http_ctx *c, json_t *v, ank_reply *bad)
{
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "all")) {
			*bad = bad_field("sites", "must be \"all\", a list of sites or "
			                          "{\"municipality\": code}");
			return -1;
		}
		return 0;
	}
	if (json_is_object(v)) {
		const char *m = json_string_value(json_object_get(v, "municipality"));
		if (json_object_size(v) != 1 || !m || !ank_municipality_find(m)) {
			*bad = bad_field("sites.municipality", "not a municipality code");
			return -1;
		}
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > ANK_CONTENT_SITES_MAX) {
		*bad = bad_field("sites",
		                 "must be \"all\", 1 to 64 sites or {\"municipality\": code}");
		return -1;
	}
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
	{
		const char *id = json_string_value(s);
		ank_site site;
		ank_err err;
		ank_cs_rc rc = id && strlen(id) <= ANK_CS_ID_MAX
		                       ? ank_cstore_site_get(c->cs, id, &site, &err)
		                       : ANK_CS_UNKNOWN;
		if (rc == ANK_CS_UNKNOWN) {
			char rule[96];
			snprintf(rule, sizeof rule, "no site '%.40s'", id ? id : "?");
			*bad = bad_field("sites", rule);
			return -1;
		}
		if (rc != ANK_CS_OK) {
			*bad = ank_http_cs_error(rc, "cannot read the sites now");
			return -1;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(id, json_string_value(json_array_get(v, k)))) {
				*bad = bad_field("sites", "names a site twice");
				return -1;
			}
	}
	return 0;
}

/* A time of the box: "YYYY-MM-DDTHH:MM:SSZ". */
static int check_time(json_t *j, const char *key, int64_t *ms, ank_reply *bad)
{
	const char *s = json_string_value(json_object_get(j, key));
	if (!s || ank_iso_parse(s, ms)) {
		*bad = bad_field(key, "must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
		return -1;
	}
	return 0;
}

/* The body of a draft, checked whole; the item to store (a new reference) or NULL with *bad. */
static json_t *item_from_body(ank_http_ctx *c, int64_t *from, int64_t *until, ank_reply *bad)
{
	json_t *j = ank_http_body(c, bad);
	if (!j)
		return NULL;
	static const char *const known[] = {"v",    "kind",  "severity", "pictogram", "qr",
	                                    "from", "until", "sites",    "texts",     NULL};
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v)
	{
		bool ok = false;
		for (int i = 0; known[i] && !ok; i++)
			ok = !strcmp(key, known[i]);
		if (!ok) {
			*bad = bad_field(key, "unknown field");
			goto fail;
		}
	}
	int kind = ank_content_kind_from_code(json_string_value(json_object_get(j, "kind")));
	if (kind < 0) {
		*bad = bad_field("kind", "must be \"alert\" or \"info\"");
		goto fail;
	}
	if (kind == ANK_CONTENT_ALERT) {
		json_t *sev = json_object_get(j, "severity");
		if (!sev)
			json_object_set_new(j, "severity",
			                    json_string(ank_severity_code(ANK_SEVERITY_WARNING)));
		else if (ank_severity_from_code(json_string_value(sev)) < 0) {
			*bad = bad_field("severity", "must be \"warning\" or \"danger\"");
			goto fail;
		}
		if (json_object_get(j, "pictogram") || json_object_get(j, "qr")) {
			*bad = bad_field(json_object_get(j, "qr") ? "qr" : "pictogram",
			                 "only an information screen has one");
			goto fail;
		}
	} else {
		if (json_object_get(j, "severity")) {
			*bad = bad_field("severity", "only an alert has one");
			goto fail;
		}
		if (!ank_pictogram_known(json_string_value(json_object_get(j, "pictogram")))) {
			*bad = bad_field("pictogram", "not one of the vetted pictograms (GET "
			                              "/api/v1/content lists them)");
			goto fail;
		}
		json_t *qr = json_object_get(j, "qr");
		if (qr && !json_is_null(qr) && check_qr(qr, bad))
			goto fail;
		if (json_is_null(qr))
			json_object_del(j, "qr");
	}
	if (check_time(j, "from", from, bad) || check_time(j, "until", until, bad))
		goto fail;
	if (*until <= *from) {
		*bad = bad_field("until", "must be after from");
		goto fail;
	}
	if (*until <= ank_now_ms()) {
		*bad = bad_field("until", "is already past");
		goto fail;
	}
	if (!json_object_get(j, "sites")) {
		*bad = bad_field("sites", "missing");
		goto fail;
	}
	if (check_sites(c, json_object_get(j, "sites"), bad) ||
	    check_texts(c, json_object_get(j, "texts"), (ank_content_kind)kind, bad))
		goto fail;
	json_object_del(j, "v");
	/* All the languages together must fit one change (with its id and state). */
	char *text = json_dumps(j, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;
	free(text);
	if (len + CONTENT_WIRE_EXTRA > ANK_PROTO_MAX_PAYLOAD) {
		char rule[128];
		snprintf(rule, sizeof rule,
		         "%zu bytes in all languages together, more than the %d a kiosk takes at "
		         "once",
		         len, ANK_PROTO_MAX_PAYLOAD - CONTENT_WIRE_EXTRA);
		*bad = bad_field("texts", rule);
		goto fail;
	}
	return j;
fail:
	json_decref(j);
	return NULL;
}

/* The {n} of the path as an item id >= 1, or 0. */
static long long path_id(ank_http_ctx *c)
{
	const char *p = c->param[0];
	if (!p[0] || strlen(p) > 15 || strspn(p, "0123456789") != strlen(p) || p[0] == '0')
		return 0;
	long long id = strtoll(p, NULL, 10);
	snprintf(c->audit_object, sizeof c->audit_object, "content/%lld", id);
	return id;
}

static ank_reply store_error(ank_cs_rc rc, const ank_err *err)
{
	switch (rc) {
	case ANK_CS_UNKNOWN:
		return ank_http_error(ANK_ERR_NOT_FOUND, "no such item");
	case ANK_CS_FORBIDDEN:
		return ank_http_error(ANK_ERR_CONFLICT, err->msg);
	case ANK_CS_INVALID:
		return ank_http_error(ANK_ERR_INVALID_FIELD, err->msg);
	default:
		ank_log(ANK_LOG_ERROR, "admin", "content: %s", err->msg);
		return ank_http_cs_error(rc, "cannot store the item now");
	}
}

ank_reply ank_admin_content_list(ank_http_ctx *c)
{
	json_t *items = NULL;
	ank_err err;
	if (ank_cstore_content_list(c->cs, &items, &err)) {
		ank_log(ANK_LOG_ERROR, "admin", "content list: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the items now");
	}
	json_t *icons = json_array();
	for (size_t i = 0; ank_pictogram_at(i); i++)
		json_array_append_new(icons, json_string(ank_pictogram_at(i)));
	return ank_http_json(
	        200, json_pack("{s:i, s:o, s:o, s:{s:i, s:i, s:i, s:i}, s:I}", "v", 1, "items",
	                       items, "pictograms", icons, "limits", "title", ANK_CONTENT_TITLE_MAX,
	                       "text", ANK_CONTENT_TEXT_MAX, "qr", ANK_CONTENT_QR_MAX, "languages",
	                       ANK_CONTENT_LANGS_MAX, "server_ms", (json_int_t)ank_now_ms()));
}

static ank_reply save(ank_http_ctx *c, long long id)
{
	ank_reply bad;
	int64_t from = 0, until = 0;
	json_t *item = item_from_body(c, &from, &until, &bad);
	if (!item)
		return bad;
	ank_err err;
	char kind[8];
	snprintf(kind, sizeof kind, "%s", json_string_value(json_object_get(item, "kind")));
	bool is_new = id == 0;
	ank_cs_rc rc = ank_cstore_content_save(c->cs, &id, kind, item, from, until, c->acct.name,
	                                       ank_now_ms(), &err);
	json_decref(item);
	if (rc != ANK_CS_OK)
		return store_error(rc, &err);
	snprintf(c->audit_object, sizeof c->audit_object, "content/%lld", id);
	ank_log(ANK_LOG_INFO, "admin", "'%s' saved %s draft %lld", c->acct.name, kind, id);
	return ank_http_json(is_new ? 201 : 200,
	                     json_pack("{s:i, s:I, s:s}", "v", 1, ANK_FN(ID), (json_int_t)id,
	                               ANK_FN(STATE), ANK_CONTENT_DRAFT));
}

ank_reply ank_admin_content_new(ank_http_ctx *c)
{
	return save(c, 0);
}

ank_reply ank_admin_content_update(ank_http_ctx *c)
{
	long long id = path_id(c);
	if (!id)
		return ank_http_error(ANK_ERR_NOT_FOUND, "no such item");
	return save(c, id);
}

/* publish or withdraw: the body is {"v":1} only. */
static ank_reply move(ank_http_ctx *c, bool publish)
{
	long long id = path_id(c);
	if (!id)
		return ank_http_error(ANK_ERR_NOT_FOUND, "no such item");
	ank_reply bad;
	if (ank_http_bare_body(c, &bad))
		return bad;
	ank_err err;
	int changes = 0;
	int64_t now = ank_now_ms();
	ank_cs_rc rc =
	        publish ? ank_cstore_content_publish(c->cs, id, c->acct.name, now, &changes, &err)
	                : ank_cstore_content_withdraw(c->cs, id, c->acct.name, now, &changes, &err);
	if (rc != ANK_CS_OK)
		return store_error(rc, &err);
	const char *state = publish ? ANK_CONTENT_PUBLISHED : ANK_CONTENT_WITHDRAWN;
	ank_log(ANK_LOG_INFO, "admin", "'%s': content %lld %s (%d changes)", c->acct.name, id,
	        state, changes);
	return ank_http_json(200,
	                     json_pack("{s:i, s:I, s:s, s:i}", "v", 1, ANK_FN(ID), (json_int_t)id,
	                               ANK_FN(STATE), state, "changes", changes));
}

ank_reply ank_admin_content_publish(ank_http_ctx *c)
{
	return move(c, true);
}

ank_reply ank_admin_content_withdraw(ank_http_ctx *c)
{
	return move(c, false);
}

/* The walk of a content preview, made from the item (docs/api.md "Alerts and information
 * screens"): an alert on the welcome screen in each of its languages and on the nickname
 * screen; an information screen after the idle wait that starts the welcome's rotation, one
 * shot per language shown in turn. Each shot with its layout check and UI dump. Malloc'd, the
 * caller frees; NULL when out of memory. */
static char *content_walk(json_t *item)
{
	ank_buf b;
	ank_buf_init(&b, 16 * 1024);
	json_t *texts = json_object_get(item, ANK_FN(TEXTS));
	bool alert = !strcmp(json_string_value(json_object_get(item, ANK_FN(KIND))), "alert");
	const char *lang;
	json_t *v;
	int n = 0, rc = 0;
	if (alert) {
		json_object_foreach(texts, lang, v)
		{
			rc |= ank_buf_printf(
			        &b, "tap-id welcome.lang.%s\nshot alert_%s\ncheck-layout\ndump\n",
			        lang, lang);
		}
		rc |= ank_buf_puts(&b, "tap-id welcome.checkin\nshot alert_nickname\ncheck-layout\n"
		                       "dump\n");
	} else {
		/* The kiosk's idle wait, then each language's turn (wire.h). */
		rc |= ank_buf_printf(&b, "wait %d\n", ANK_INFO_IDLE_MS + 1000);
		json_object_foreach(texts, lang, v)
		{
			n++;
			rc |= ank_buf_printf(&b, "shot info_%d\ncheck-layout\ndump\nwait %d\n", n,
			                     ANK_INFO_ROTATE_MS);
		}
	}
	char *out = rc ? NULL : strdup(ank_buf_str(&b));
	ank_buf_free(&b);
	return out;
}

ank_reply ank_admin_content_preview(ank_http_ctx *c)
{
	long long id = path_id(c);
	if (!id)
		return ank_http_error(ANK_ERR_NOT_FOUND, "no such item");
	ank_texts_conf *t = ank_http_texts(c->srv);
	if (!t)
		return ank_http_error(ANK_ERR_UNAVAILABLE,
		                      "previews are not set up on this central");
	ank_reply bad;
	json_t *j = ank_http_body(c, &bad);
	if (!j)
		return bad;
	const char *key;
	json_t *v;
	bool landscape = false, ok = true;
	json_object_foreach(j, key, v)
	{
		if (!strcmp(key, "orientation") && json_is_string(v) &&
		    (!strcmp(json_string_value(v), "portrait") ||
		     !strcmp(json_string_value(v), "landscape")))
			landscape = !strcmp(json_string_value(v), "landscape");
		else if (strcmp(key, "v") != 0)
			ok = false;
	}
	json_decref(j);
	if (!ok)
		return bad_field("body",
		                 "takes {\"v\":1} and \"orientation\": portrait or landscape");
	json_t *item = NULL;
	ank_err err;
	int got = ank_cstore_content_item(c->cs, id, &item, &err);
	if (got == 1)
		return ank_http_error(ANK_ERR_NOT_FOUND, "no such item");
	if (got < 0) {
		ank_log(ANK_LOG_ERROR, "admin", "content preview: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the item now");
	}
	/* The kiosk's clock a second into the item's box, where a kiosk shows it. */
	int64_t from = 0;
	char now[32];
	ank_iso_parse(json_string_value(json_object_get(item, ANK_FN(FROM))), &from);
	ank_iso_format(from + 1000, now, sizeof now);
	char *walk = content_walk(item);
	json_t *content = json_pack("{s:[O]}", ANK_FN(ITEMS), item);
	json_decref(item);
	ank_preview_ask a = {
	        .script = walk, .content = content, .now = now, .landscape = landscape};
	char pid[ANK_PREVIEW_ID_LEN + 1];
	ank_preview_result r;
	int rc = walk && content
	                 ? ank_preview_make(t, &a, pid, &r, &err)
	                 : (r = (ank_preview_result){0}, ank_err_set(&err, "out of memory"));
	free(walk);
	json_decref(content);
	if (rc) {
		ank_log(ANK_LOG_ERROR, "admin", "content preview %lld: %s", id, err.msg);
		ank_preview_result_free(&r);
		char msg[400];
		snprintf(msg, sizeof msg, "the kiosk could not draw the preview: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, msg);
	}
	snprintf(c->audit_object, sizeof c->audit_object, "content/%lld %s: %zu findings", id,
	         landscape ? "landscape" : "portrait", json_array_size(r.findings));
	json_t *out = ank_preview_answer(pid, &r, landscape);
	json_object_set_new(out, "item", json_integer(id));
	ank_preview_result_free(&r);
	return ank_http_json(200, out);
}
