/* The admin routes for sites (docs/api.md "Sites"): create a site, read its config as the
 * structured form, and send a form or an INI text, each checked first by the same parser
 * and rules the kiosk uses (common/ank_siteconf), so a bad config is refused here with its
 * field named and nothing is sent. The kiosk still checks again and answers as the owner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_log.h"
#include "ank_siteconf.h"
#include "ank_text.h"
#include "ank_time.h"
#include "ank_vocab.h"
#include "ank_zone.h"
#include "cstore_sites.h"
#include "http.h"
#include "proto.h"
#include "wire.h"

/* A refusal naming its field (and the INI line, 0 when none): central's error answer with
 * "field" and "line" beside "error" and "code", so the page puts the reason beside the
 * field. */
static ank_reply field_error(ank_errcode code, const char *field, int line, const char *msg)
{
	ank_reply r = ank_http_error(code, msg);
	json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
	if (!j)
		return r;
	json_object_set_new(j, "field", json_string(field));
	if (line > 0)
		json_object_set_new(j, "line", json_integer(line));
	char *body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (body) {
		free(r.body);
		r.body = body;
	}
	return r;
}

static ank_reply bad(const char *field, const char *rule)
{
	char msg[ANK_SITECONF_FIELD_MAX + 300];
	snprintf(msg, sizeof msg, "%s: %s", field, rule);
	return field_error(ANK_ERR_INVALID_FIELD, field, 0, msg);
}

/* 0 when every member of j is one of `known` (NULL-terminated); else the refusal, with the
 * member (echoed) as its field for the page. */
static int only_known(json_t *j, const char *const *known, ank_reply *out)
{
	const char *key = ank_http_unknown_member(j, known);
	if (!key)
		return 0;
	char shown[ANK_HTTP_ECHO_MAX + 1];
	ank_http_echo(shown, key);
	*out = bad(shown, "unknown field");
	return -1;
}

/* A string member without NUL; NULL with the refusal in *out. */
static const char *text_member(json_t *j, const char *key, ank_reply *out)
{
	json_t *v = json_object_get(j, key);
	if (!v || json_is_null(v)) {
		*out = bad(key, "missing");
		return NULL;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		*out = bad(key, "must be a string");
		return NULL;
	}
	return json_string_value(v);
}

/* ---- POST /api/v1/sites ---- */

ank_reply ank_sites_create(ank_http_ctx *c)
{
	ank_reply out;
	json_t *j = ank_http_body(c, &out);
	if (!j)
		return out;
	static const char *const known[] = {"v", "site", "name", "municipality", "timezone", NULL};
	const char *id, *name, *muni, *tz;
	if (only_known(j, known, &out) || !(id = text_member(j, "site", &out)) ||
	    !(name = text_member(j, "name", &out)) ||
	    !(muni = text_member(j, "municipality", &out)) ||
	    !(tz = text_member(j, "timezone", &out)))
		goto done;
	snprintf(c->audit_object, sizeof c->audit_object, "%s", id);
	/* The site's own checks, field by field, so the page can say which is wrong; the name
	 * and id must also fit the site config, where they appear again. */
	if (!ank_text_is_slug(id, ANK_ID_MAX)) {
		char rule[80];
		snprintf(rule, sizeof rule, "must be 1-%d letters, digits, - or _", ANK_ID_MAX);
		out = bad("site", rule);
		goto done;
	}
	size_t nl = strlen(name);
	if (nl == 0 || nl > ANK_TEXT_MAX || !ank_utf8_valid_text(name, nl) || name[0] == ' ' ||
	    name[nl - 1] == ' ') {
		char rule[96];
		snprintf(rule, sizeof rule,
		         "must be 1-%d bytes of text without controls or spaces at the ends",
		         ANK_TEXT_MAX);
		out = bad("name", rule);
		goto done;
	}
	const ank_municipality_info *m = ank_municipality_find(muni);
	if (!m || !strcmp(m->code, "abroad") || !strcmp(m->code, "unknown")) {
		out = bad("municipality", "must be an official three-digit code");
		goto done;
	}
	if (strlen(tz) >= sizeof((ank_site_config *)0)->timezone || !ank_zone_known(tz)) {
		out = bad("timezone", "must be a time zone name known here (Europe/Copenhagen)");
		goto done;
	}
	ank_site s;
	memset(&s, 0, sizeof s);
	snprintf(s.id, sizeof s.id, "%s", id);
	snprintf(s.name, sizeof s.name, "%s", name);
	snprintf(s.municipality, sizeof s.municipality, "%s", muni);
	ank_err err;
	int users = 0;
	ank_cs_rc rc = ank_cstore_site_create(c->cs, &s, tz, ank_now_ms(), &users, &err);
	if (rc == ANK_CS_EXISTS) {
		out = field_error(ANK_ERR_EXISTS, "site", 0, "site: exists");
	} else if (rc == ANK_CS_INVALID) {
		out = field_error(ANK_ERR_INVALID_FIELD, "site", 0, err.msg);
	} else if (rc != ANK_CS_OK) {
		ank_log(ANK_LOG_ERROR, "admin", "site create: %s", err.msg);
		out = ank_http_cs_error(rc, "cannot add the site now");
	} else {
		ank_log(ANK_LOG_INFO, "admin", "'%s' added site %s (municipality %s, %s)",
		        c->acct.name, s.id, s.municipality, tz);
		out = ank_http_json(
		        201, json_pack("{s:i, s:s, s:i}", "v", 1, "site", s.id, "users", users));
	}
done:
	json_decref(j);
	return out;
}

/* ---- sending a checked config ---- */

/* Sends ini (checked: cfg is what it says) to the path's site as a site.config change and
 * keeps it as the last accepted; `field` names what the text came from for a refusal. */
static ank_reply send_config(ank_http_ctx *c, const char *ini, const ank_site_config *cfg,
                             const char *field)
{
	if (strcmp(cfg->site_id, c->param[0])) {
		char rule[ANK_ID_MAX + 40];
		snprintf(rule, sizeof rule, "must be this site's id (%s)", c->param[0]);
		return bad("site.id", rule);
	}
	json_t *p = json_pack("{s:s}", ANK_FN(INI), ini);
	char *payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(p);
	if (!payload)
		return ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory");
	size_t n = strlen(payload);
	if (n > ANK_PROTO_MAX_PAYLOAD) {
		char rule[96];
		snprintf(rule, sizeof rule, "makes a change of %zu bytes, more than %d", n,
		         ANK_PROTO_MAX_PAYLOAD);
		free(payload);
		return bad(field, rule);
	}
	ank_err err;
	long long id = ank_cstore_site_config_send(c->cs, c->param[0], payload, ini, cfg->timezone,
	                                           cfg->name, c->acct.name, ank_now_ms(), &err);
	free(payload);
	if (id == 0)
		return ank_http_error(ANK_ERR_NOT_FOUND, "unknown site");
	if (id < 0) {
		ank_log(ANK_LOG_ERROR, "admin", "site config: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot store the config now");
	}
	ank_log(ANK_LOG_INFO, "admin", "'%s' sent a site config to site %s (change %lld)",
	        c->acct.name, c->param[0], id);
	return ank_http_json(202, json_pack("{s:i, s:I}", "v", 1, "change", (json_int_t)id));
}

/* The path's site must exist; its row into *s. 0, or -1 with the refusal. */
static int path_site(ank_http_ctx *c, ank_site *s, ank_reply *out)
{
	ank_err err;
	ank_cs_rc rc = ank_cstore_site_get(c->cs, c->param[0], s, &err);
	if (rc == ANK_CS_OK)
		return 0;
	*out = ank_http_cs_error(rc, rc == ANK_CS_UNKNOWN ? "unknown site" : "cannot read sites");
	return -1;
}

/* A config's stations, on the heap: ANK_MAX_STATIONS of them are too many for a worker's
 * stack beside the config. Freed by the caller. */
typedef struct checked {
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
} checked;

/* ---- POST /api/v1/sites/{site}/config: an INI text ---- */

ank_reply ank_sites_config_post(ank_http_ctx *c)
{
	ank_reply out;
	ank_site site;
	if (path_site(c, &site, &out))
		return out;
	json_t *j = ank_http_body(c, &out);
	if (!j)
		return out;
	static const char *const known[] = {"v", "ini", NULL};
	const char *ini;
	checked *k = NULL;
	if (only_known(j, known, &out) || !(ini = text_member(j, "ini", &out)))
		goto done;
	if (!ini[0]) {
		out = bad("ini", "must not be empty");
		goto done;
	}
	k = calloc(1, sizeof *k);
	if (!k) {
		out = ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory");
		goto done;
	}
	ank_err err;
	ank_siteconf_where w;
	/* The same parser as the kiosk's: "ini:LINE: reason", with the field beside it. */
	if (ank_siteconf_parse(ini, "ini", &k->cfg, k->st, &k->n, &err, &w)) {
		out = field_error(ANK_ERR_INVALID_FIELD, w.field, w.line, err.msg);
		goto done;
	}
	out = send_config(c, ini, &k->cfg, "ini");
done:
	free(k);
	json_decref(j);
	return out;
}

/* ---- the form: GET and POST /api/v1/sites/{site}/form ---- */

ank_reply ank_sites_form_get(ank_http_ctx *c)
{
	ank_reply out;
	ank_site site;
	if (path_site(c, &site, &out))
		return out;
	ank_site_setup su;
	ank_err err;
	if (ank_cstore_site_setup_get(c->cs, c->param[0], &su, &err) != ANK_CS_OK) {
		ank_log(ANK_LOG_ERROR, "admin", "site form: %s", err.msg);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the site now");
	}
	checked *k = calloc(1, sizeof *k);
	if (!k) {
		free(su.ini);
		return ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory");
	}
	bool from_ini =
	        su.ini && !ank_siteconf_parse(su.ini, "stored", &k->cfg, k->st, &k->n, &err, NULL);
	if (su.ini && !from_ini)
		/* Accepted once, refused by this build's rules: the form starts afresh. */
		ank_log(ANK_LOG_WARN, "admin", "site %s: stored config no longer reads: %s",
		        c->param[0], err.msg);
	if (!from_ini) {
		/* A first form: the site's id, name and zone, the defaults, no stations yet. */
		ank_siteconf_defaults(&k->cfg);
		k->n = 0;
		snprintf(k->cfg.site_id, sizeof k->cfg.site_id, "%s", site.id);
		snprintf(k->cfg.name, sizeof k->cfg.name, "%s", site.name);
		if (su.timezone[0])
			snprintf(k->cfg.timezone, sizeof k->cfg.timezone, "%s", su.timezone);
	}
	json_t *form = ank_siteconf_to_form(&k->cfg, k->st, k->n);
	free(k);
	json_t *ans = json_pack("{s:i, s:s, s:s, s:s, s:o, s:b}", "v", 1, "site", site.id, "name",
	                        site.name, "municipality", site.municipality, "form", form,
	                        "accepted", from_ini);
	if (ans && from_ini) {
		json_object_set_new(ans, "accepted_ms", json_integer(su.accepted_ms));
		json_object_set_new(ans, "by", json_string(su.actor));
		json_object_set_new(ans, "ini", json_string(su.ini));
	}
	free(su.ini);
	return ans ? ank_http_json(200, ans) : ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory");
}

ank_reply ank_sites_form_post(ank_http_ctx *c)
{
	ank_reply out;
	ank_site site;
	if (path_site(c, &site, &out))
		return out;
	json_t *j = ank_http_body(c, &out);
	if (!j)
		return out;
	static const char *const known[] = {"v", "form", NULL};
	checked *k = NULL;
	char *ini = NULL;
	if (only_known(j, known, &out))
		goto done;
	json_t *form = json_object_get(j, "form");
	if (!json_is_object(form)) {
		out = bad("form", "must be an object of sections");
		goto done;
	}
	k = calloc(1, sizeof *k);
	if (!k) {
		out = ank_http_error(ANK_ERR_UNAVAILABLE, "out of memory");
		goto done;
	}
	ank_err err;
	ank_siteconf_where w;
	ini = ank_siteconf_form_check(form, &k->cfg, k->st, &k->n, &err, &w);
	if (!ini) {
		out = field_error(ANK_ERR_INVALID_FIELD, w.field, 0, err.msg);
		goto done;
	}
	out = send_config(c, ini, &k->cfg, "form");
done:
	free(ini);
	free(k);
	json_decref(j);
	return out;
}
