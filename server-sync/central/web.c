/* The browser's files for ankomst-central: the manifest's pages and static files and the
 * i18n catalogs as JSON, loaded once at start (web.h). */
#include "web.h"

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_i18n.h"
#include "ank_vocab.h"

/* A manifest line at most this long; paths are short. */
#define LINE_MAX_BYTES 256

typedef struct catalog {
	char lang[8];
	char *json;
} catalog;

struct ank_web {
	ank_web_file files[ANK_WEB_FILES_MAX];
	int n_files;
	catalog cats[ANK_I18N_MAX_LANGS];
	int n_cats;
	char *languages;
	ank_i18n *i18n; /* owned: the catalogs themselves, for checking texts admins send */
};

/* Content types by extension; a file of any other kind is refused by the loader. */
static const struct {
	const char *ext, *type;
} types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".wav", "audio/wav"},
        {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return NULL;
}

/* A manifest path: segments of A-Z a-z 0-9 . _ -, at most two, none of them a dot segment
 * or starting with a dot (no hidden files). */
static bool path_ok(const char *p)
{
	int segs = 0;
	while (*p) {
		size_t n = strspn(
		        p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
		if (n == 0 || p[0] == '.' || ++segs > 2)
			return false;
		p += n;
		if (*p == '/')
			p++;
		else if (*p)
			return false;
	}
	return segs > 0;
}

/* The whole file as a malloc'd buffer (*len bytes, NUL added) the caller frees; NULL when it
 * cannot be read or is larger than max. */
static char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, fp) : 0;
	bool bad = ferror(fp) || n > max;
	fclose(fp);
	if (!buf || bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int load_file(ank_web *w, const char *dir, const char *name, ank_err *err)
{
	if (w->n_files >= ANK_WEB_FILES_MAX)
		return ank_err_set(err, "manifest: more than %d files", ANK_WEB_FILES_MAX);
	if (!path_ok(name))
		return ank_err_set(err, "manifest: '%.80s' is not a plain relative path", name);
	const char *type = type_of(name);
	if (!type)
		return ank_err_set(err, "manifest: '%.80s' has a file type central does not serve",
		                   name);
	char path[4096 + LINE_MAX_BYTES];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	ank_web_file *f = &w->files[w->n_files];
	char *data = slurp(path, ANK_WEB_FILE_MAX, &f->len);
	if (!data)
		return ank_err_set(err, "cannot read %.200s (or it is over %d bytes)", path,
		                   ANK_WEB_FILE_MAX);
	char *copy = strdup(name);
	if (!copy) {
		free(data);
		return ank_err_set(err, "out of memory");
	}
	unsigned char h[8];
	crypto_generichash(h, sizeof h, (const unsigned char *)data, f->len, NULL, 0);
	char hex[17];
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(f->etag, sizeof f->etag, "\"%s\"", hex);
	f->name = copy;
	f->data = data;
	f->type = type;
	w->n_files++;
	return 0;
}

static int load_manifest(ank_web *w, const char *dir, ank_err *err)
{
	char path[4096 + 16];
	snprintf(path, sizeof path, "%s/manifest", dir);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return ank_err_set(err, "cannot open %.200s", path);
	char line[LINE_MAX_BYTES];
	int rc = 0;
	while (!rc && fgets(line, sizeof line, fp)) {
		line[strcspn(line, "#\r\n")] = '\0';
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (n > 0)
			rc = load_file(w, dir, line, err);
	}
	fclose(fp);
	return rc;
}

/* Each catalog as the browser gets it (ank_i18n_catalog_json), and the list of languages. */
static int load_catalogs(ank_web *w, const char *dir, ank_err *err)
{
	ank_i18n *i18n;
	if (ank_i18n_load(dir, &i18n, err))
		return -1;
	json_t *list = json_array();
	int rc = 0;
	for (int k = 0; !rc && k < ank_i18n_count(i18n) && k < ANK_I18N_MAX_LANGS; k++) {
		const char *code = ank_i18n_code(i18n, k);
		json_t *out = ank_i18n_catalog_json(i18n, k);
		catalog *c = &w->cats[w->n_cats];
		snprintf(c->lang, sizeof c->lang, "%s", code);
		c->json = out ? json_dumps(out, JSON_COMPACT) : NULL;
		if (!c->json) {
			rc = ank_err_set(err, "out of memory");
		} else {
			w->n_cats++;
			int pending = 0, total = 0;
			ank_i18n_review_counts(i18n, code, &pending, &total);
			json_array_append_new(list, json_pack("{s:s, s:s, s:O, s:s, s:i, s:i}",
			                                      "lang", code, "name",
			                                      ank_i18n_name(i18n, k), "direction",
			                                      json_object_get(out, "direction"),
			                                      "review", ank_i18n_review(i18n, code),
			                                      "pending", pending, "total", total));
		}
		json_decref(out);
	}
	json_t *langs = json_pack("{s:i, s:o}", "v", 1, "languages", list);
	w->languages = langs ? json_dumps(langs, JSON_COMPACT) : NULL;
	json_decref(langs);
	w->i18n = i18n;
	if (!rc && !w->languages)
		rc = ank_err_set(err, "out of memory");
	return rc;
}

int ank_web_load(const char *web_dir, const char *i18n_dir, ank_web **out, ank_err *err)
{
	*out = NULL;
	ank_web *w = calloc(1, sizeof *w);
	if (!w)
		return ank_err_set(err, "out of memory");
	if (load_manifest(w, web_dir, err) || load_catalogs(w, i18n_dir, err)) {
		ank_web_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

int ank_web_load_pictograms(ank_web *w, const char *data_dir, ank_err *err)
{
	char dir[4096 + 16];
	snprintf(dir, sizeof dir, "%s/assets", data_dir);
	int n = 0;
	bool failed = false;
	for (size_t i = 0; ank_pictogram_at(i); i++) {
		char name[64];
		snprintf(name, sizeof name, "icons/%s.svg", ank_pictogram_at(i));
		ank_err one;
		if (load_file(w, dir, name, &one) == 0)
			n++;
		else if (!failed && (failed = true))
			ank_err_set(err, "%s", one.msg);
	}
	return n;
}

const ank_i18n *ank_web_i18n(const ank_web *w)
{
	return w ? w->i18n : NULL;
}

void ank_web_free(ank_web *w)
{
	if (!w)
		return;
	ank_i18n_free(w->i18n);
	for (int i = 0; i < w->n_files; i++) {
		free((char *)w->files[i].name);
		free((char *)w->files[i].data);
	}
	for (int i = 0; i < w->n_cats; i++)
		free(w->cats[i].json);
	free(w->languages);
	free(w);
}

const ank_web_file *ank_web_file_get(const ank_web *w, const char *name)
{
	for (int i = 0; w && i < w->n_files; i++)
		if (!strcmp(w->files[i].name, name))
			return &w->files[i];
	return NULL;
}

const char *ank_web_catalog(const ank_web *w, const char *lang)
{
	for (int i = 0; w && i < w->n_cats; i++)
		if (!strcmp(w->cats[i].lang, lang))
			return w->cats[i].json;
	return NULL;
}

const char *ank_web_languages(const ank_web *w)
{
	return w ? w->languages : NULL;
}
