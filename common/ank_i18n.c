/* Strict loading of the per-language JSON catalogs, lookup with fallback, placeholder
 * formatting, the key/placeholder parity check between languages, and site overrides. */
#include "ank_i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ank_log.h"
#include "ank_text.h"

/* Longest own name of a language shown in the picker ("Bahasa Indonesia" is 16 bytes). */
#define MAX_LANG_NAME_BYTES 64
/* "xyz.json" plus NUL; file names are language codes of 2 or 3 letters. */
#define MAX_FILE_NAME 9

#define STR_(x) #x
#define STR(x)  STR_(x)

static const char *const review_states[] = {"source", "native-reviewed", "unreviewed"};
static const char *const top_fields[] = {"language", "name", "direction", "review", "messages"};

typedef struct catalog {
	char code[4];
	bool rtl;
	const char *review; /* one of review_states: static */
	json_t *root;       /* owned; holds the strings below */
	const char *name;   /* the language's own name, inside root */
	json_t *messages;   /* borrowed from root: key -> text */
} catalog;

struct ank_i18n {
	int n;
	catalog cat[ANK_I18N_MAX_LANGS]; /* in file-name order */
};

/* ---- text rules ---- */

static bool is_lang_code(const char *s, size_t n)
{
	if (n < 2 || n > 3)
		return false;
	for (size_t k = 0; k < n; k++)
		if (s[k] < 'a' || s[k] > 'z')
			return false;
	return true;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Keys: lowercase ASCII letters, digits, '_' and '.', e.g. "ticket.wait". */
static bool is_key(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ANK_I18N_MAX_KEY_BYTES)
		return false;
	for (size_t k = 0; k < n; k++)
		if (!is_name_char(s[k]) && s[k] != '.')
			return false;
	return true;
}

/* When s starts with "{name}" (name: a lowercase letter, then letters, digits or '_'),
 * returns the length of name; otherwise 0. */
static size_t placeholder_at(const char *s)
{
	if (s[0] != '{' || s[1] < 'a' || s[1] > 'z')
		return 0;
	size_t k = 1;
	while (is_name_char(s[k]))
		k++;
	if (s[k] != '}' || k - 1 > ANK_I18N_MAX_NAME_BYTES)
		return 0;
	return k - 1;
}

/* True when text contains the placeholder {name}. Braces only ever open placeholders in a
 * loaded text, so a plain scan of the '{' is exact. */
static bool has_placeholder(const char *text, const char *name, size_t len)
{
	for (const char *q = strchr(text, '{'); q; q = strchr(q + 1, '{'))
		if (placeholder_at(q) == len && !memcmp(q + 1, name, len))
			return true;
	return false;
}

/* A message: valid UTF-8 without controls except "\n" between lines, and braces used only
 * for placeholders (a translator's "{ minutes}" must not reach the screen). Writes the
 * problem to `why` and returns false. */
static bool valid_message(const char *s, size_t n, const char **why)
{
	if (n == 0) {
		*why = "empty text";
		return false;
	}
	if (n > ANK_I18N_MAX_MESSAGE_BYTES) {
		*why = "longer than " STR(ANK_I18N_MAX_MESSAGE_BYTES) " bytes";
		return false;
	}
	if (strlen(s) != n) {
		*why = "contains NUL";
		return false;
	}
	for (const char *line = s;;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (!ank_utf8_valid_text(line, len)) {
			*why = "a control character or bidi control (only \\n is allowed)";
			return false;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	for (const char *p = s; *p;) {
		if (*p == '}') {
			*why = "'}' without a placeholder; braces are only for {name}";
			return false;
		}
		if (*p != '{') {
			p++;
			continue;
		}
		size_t m = placeholder_at(p);
		if (!m) {
			*why = "'{' that does not start a placeholder like {minutes}";
			return false;
		}
		p += m + 2;
	}
	return true;
}

/* ---- loading ---- */

static void catalog_free(catalog *c)
{
	json_decref(c->root);
	memset(c, 0, sizeof *c);
}

/* Reads at most ANK_I18N_MAX_FILE_BYTES from a regular file into a new buffer (caller
 * frees). Reading with a cap, not trusting stat, also bounds a file that grows. */
static int read_capped(const char *path, char **data, size_t *len, ank_err *err)
{
	*data = NULL;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return ank_err_set(err, "%s: cannot open: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(fp);
		return ank_err_set(err, "%s: not a regular file", path);
	}
	char *buf = malloc(ANK_I18N_MAX_FILE_BYTES + 1);
	if (!buf) {
		fclose(fp);
		return ank_err_set(err, "%s: out of memory", path);
	}
	size_t got = fread(buf, 1, ANK_I18N_MAX_FILE_BYTES + 1, fp);
	bool bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		return ank_err_set(err, "%s: read error", path);
	}
	if (got > ANK_I18N_MAX_FILE_BYTES) {
		free(buf);
		return ank_err_set(err, "%s: more than the %ld byte limit", path,
		                   ANK_I18N_MAX_FILE_BYTES);
	}
	*data = buf;
	*len = got;
	return 0;
}

static const char *review_state(const char *s)
{
	for (size_t k = 0; k < sizeof review_states / sizeof review_states[0]; k++)
		if (!strcmp(s, review_states[k]))
			return review_states[k];
	return NULL;
}

static bool is_top_field(const char *s)
{
	for (size_t k = 0; k < sizeof top_fields / sizeof top_fields[0]; k++)
		if (!strcmp(s, top_fields[k]))
			return true;
	return false;
}

static const char *string_field(json_t *root, const char *field)
{
	return json_string_value(json_object_get(root, field));
}

/* Checks a parsed file for language `code` and fills c from it; c->root stays NULL on
 * error (the caller still owns root then). */
static int catalog_from_json(const char *path, const char *code, json_t *root, catalog *c,
                             ank_err *err)
{
	if (!json_is_object(root))
		return ank_err_set(err, "%s: expected an object {\"language\": ...}", path);
	const char *field;
	json_t *v;
	json_object_foreach(root, field, v)
	{
		if (!is_top_field(field))
			return ank_err_set(
			        err, "%s: unknown field \"%.40s\"%s", path,
			        ank_utf8_valid_text(field, strlen(field)) ? field : "?",
			        "; allowed: language, name, direction, review, messages");
	}
	const char *language = string_field(root, "language");
	if (!language || strcmp(language, code) != 0)
		return ank_err_set(err, "%s: \"language\" must be \"%s\", as the file name says",
		                   path, code);
	const char *name = string_field(root, "name");
	if (!name || !*name || strlen(name) > MAX_LANG_NAME_BYTES ||
	    !ank_utf8_valid_text(name, strlen(name)))
		return ank_err_set(err, "%s: \"name\" must be the language's own name, 1-%d bytes",
		                   path, MAX_LANG_NAME_BYTES);
	const char *direction = string_field(root, "direction");
	if (!direction || (strcmp(direction, "ltr") != 0 && strcmp(direction, "rtl") != 0))
		return ank_err_set(err, "%s: \"direction\" must be \"ltr\" or \"rtl\"", path);
	const char *review_text = string_field(root, "review");
	const char *review = review_text ? review_state(review_text) : NULL;
	if (!review)
		return ank_err_set(err,
		                   "%s: \"review\" must be \"source\", \"native-reviewed\" or "
		                   "\"unreviewed\"",
		                   path);
	bool is_en = !strcmp(code, "en");
	if (is_en != (review == review_states[0]))
		return ank_err_set(err, "%s: \"review\": %s", path,
		                   is_en ? "en is the source language, so \"source\""
		                         : "only en is \"source\"; a translation is "
		                           "\"native-reviewed\" or \"unreviewed\"");
	json_t *messages = json_object_get(root, "messages");
	if (!json_is_object(messages) || json_object_size(messages) == 0)
		return ank_err_set(err, "%s: \"messages\" must be an object of key: text", path);
	const char *key;
	json_object_foreach(messages, key, v)
	{
		if (!is_key(key))
			return ank_err_set(
			        err, "%s: key \"%.64s\": use a-z, 0-9, '_' and '.', at most %d",
			        path, ank_utf8_valid_text(key, strlen(key)) ? key : "?",
			        ANK_I18N_MAX_KEY_BYTES);
		if (!json_is_string(v))
			return ank_err_set(err, "%s: key \"%s\": the text must be a string", path,
			                   key);
		const char *why = NULL;
		if (!valid_message(json_string_value(v), json_string_length(v), &why))
			return ank_err_set(err, "%s: key \"%s\": %s", path, key, why);
	}
	const char *own = json_string_value(json_object_get(messages, "lang.name"));
	if (own && strcmp(own, name) != 0)
		return ank_err_set(err, "%s: \"name\" and message \"lang.name\" differ", path);
	memcpy(c->code, code, strlen(code) + 1);
	c->rtl = !strcmp(direction, "rtl");
	c->review = review;
	c->name = name;
	c->messages = messages;
	c->root = root;
	return 0;
}

static int catalog_load(const char *path, const char *code, catalog *c, ank_err *err)
{
	char *data;
	size_t len = 0;
	if (read_capped(path, &data, &len, err))
		return -1;
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	free(data);
	if (!root)
		return ank_err_set(
		        err, "%s:%d:%d: %s%s", path, je.line, je.column,
		        json_error_code(&je) == json_error_invalid_utf8 ? "invalid UTF-8: " : "",
		        je.text);
	if (catalog_from_json(path, code, root, c, err)) {
		json_decref(root);
		return -1;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Lists the catalog file names of dir, sorted. A *.json whose name is not a language code
 * is an error, not silently ignored: it is most likely a misnamed catalog. */
static int list_catalogs(const char *dir, char names[][MAX_FILE_NAME], int *count, ank_err *err)
{
	*count = 0;
	DIR *d = opendir(dir);
	if (!d)
		return ank_err_set(err, "%s: cannot open directory: %s", dir, strerror(errno));
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		size_t len = strlen(nm);
		if (nm[0] == '.' || len < 5 || strcmp(nm + len - 5, ".json") != 0)
			continue;
		if (!is_lang_code(nm, len - 5)) {
			ank_err_set(err,
			            "%s/%s: the file name must be a language code and .json, "
			            "e.g. da.json",
			            dir, ank_utf8_valid_text(nm, len) ? nm : "?");
			closedir(d);
			return -1;
		}
		if (n == ANK_I18N_MAX_LANGS) {
			closedir(d);
			return ank_err_set(err, "%s: more than %d catalogs", dir,
			                   ANK_I18N_MAX_LANGS);
		}
		memcpy(names[n++], nm, len + 1);
	}
	closedir(d);
	qsort(names, (size_t)n, MAX_FILE_NAME, cmp_names);
	*count = n;
	return 0;
}

static const catalog *find(const ank_i18n *i, const char *lang)
{
	if (!i || !lang)
		return NULL;
	for (int k = 0; k < i->n; k++)
		if (!strcmp(i->cat[k].code, lang))
			return &i->cat[k];
	return NULL;
}

/* Loads without the "nothing loaded" ending, which load and reload word differently. */
static int load_set(const char *dir, ank_i18n **out, ank_err *err)
{
	*out = NULL;
	char names[ANK_I18N_MAX_LANGS][MAX_FILE_NAME];
	int n;
	if (list_catalogs(dir, names, &n, err))
		return -1;
	ank_i18n *set = calloc(1, sizeof *set);
	if (!set)
		return ank_err_set(err, "%s: out of memory", dir);
	for (int k = 0; k < n; k++) {
		char path[4096];
		int w = snprintf(path, sizeof path, "%s/%s", dir, names[k]);
		char code[4] = {0};
		memcpy(code, names[k], strlen(names[k]) - 5);
		if (w < 0 || (size_t)w >= sizeof path) {
			ank_err_set(err, "%s: path too long", dir);
			goto fail;
		}
		if (catalog_load(path, code, &set->cat[set->n], err))
			goto fail;
		set->n++;
	}
	if (!find(set, "en")) {
		ank_err_set(err, "%s/en.json: missing; en is the reference catalog", dir);
		goto fail;
	}
	*out = set;
	return 0;
fail:
	ank_i18n_free(set);
	return -1;
}

int ank_i18n_load(const char *dir, ank_i18n **out, ank_err *err)
{
	ank_err e;
	if (load_set(dir, out, &e))
		return ank_err_set(err, "%s; nothing loaded", e.msg);
	return 0;
}

int ank_i18n_reload(ank_i18n *i, const char *dir, ank_err *err)
{
	ank_i18n *fresh;
	ank_err e;
	if (load_set(dir, &fresh, &e))
		return ank_err_set(err, "%s; the texts loaded before stay in use", e.msg);
	ank_i18n old = *i;
	*i = *fresh;
	*fresh = old;
	ank_i18n_free(fresh);
	return 0;
}

void ank_i18n_free(ank_i18n *i)
{
	if (!i)
		return;
	for (int k = 0; k < i->n; k++)
		catalog_free(&i->cat[k]);
	free(i);
}

/* ---- lookup ---- */

int ank_i18n_count(const ank_i18n *i)
{
	return i ? i->n : 0;
}

const char *ank_i18n_code(const ank_i18n *i, int k)
{
	return i && k >= 0 && k < i->n ? i->cat[k].code : NULL;
}

const char *ank_i18n_name(const ank_i18n *i, int k)
{
	return i && k >= 0 && k < i->n ? i->cat[k].name : NULL;
}

bool ank_i18n_rtl(const ank_i18n *i, const char *lang)
{
	const catalog *c = find(i, lang);
	return c && c->rtl;
}

const char *ank_i18n_review(const ank_i18n *i, const char *lang)
{
	const catalog *c = find(i, lang);
	return c ? c->review : NULL;
}

static const char *lookup(const ank_i18n *i, const char *lang, const char *key)
{
	const catalog *c = find(i, lang);
	return c ? json_string_value(json_object_get(c->messages, key)) : NULL;
}

const char *ank_i18n_get(const ank_i18n *i, const char *lang, const char *key)
{
	if (!key)
		return "";
	const char *s = lookup(i, lang, key);
	if (!s)
		s = lookup(i, "da", key);
	if (!s)
		s = lookup(i, "en", key);
	return s ? s : key;
}

/* ---- formatting ---- */

typedef struct writer {
	char *out;
	size_t n, len;
	bool truncated;
} writer;

/* Appends s[0..len), or as much as fits without splitting a UTF-8 character. */
static void put(writer *w, const char *s, size_t len)
{
	if (w->truncated)
		return;
	size_t room = w->n - 1 - w->len;
	if (len > room) {
		len = room;
		/* s[len] is the first byte left out; a continuation byte there means the
		 * character before it would be cut in half. */
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
		w->truncated = true;
	}
	memcpy(w->out + w->len, s, len);
	w->len += len;
}

static const char *arg_value(const char *const *args, const char *name, size_t len)
{
	if (!args)
		return NULL;
	for (size_t k = 0; args[k] && args[k + 1]; k += 2)
		if (strlen(args[k]) == len && !memcmp(args[k], name, len))
			return args[k + 1];
	return NULL;
}

int ank_i18n_format(const ank_i18n *i, const char *lang, const char *key, char *out, size_t n,
                    const char *const *args)
{
	if (!out || n == 0)
		return -1;
	writer w = {out, n, 0, false};
	const char *p = ank_i18n_get(i, lang, key);
	while (*p) {
		const char *brace = strchr(p, '{');
		if (!brace) {
			put(&w, p, strlen(p));
			break;
		}
		put(&w, p, (size_t)(brace - p));
		size_t m = placeholder_at(brace);
		const char *value = m ? arg_value(args, brace + 1, m) : NULL;
		if (value) {
			put(&w, value, strlen(value));
			p = brace + m + 2;
		} else {
			put(&w, brace, 1);
			p = brace + 1;
		}
	}
	out[w.len] = '\0';
	return w.truncated ? -1 : 0;
}

/* ---- parity ---- */

/* The first placeholder of `a` that `b` lacks: its name goes to *name and *len. */
static bool missing_placeholder(const char *a, const char *b, const char **name, size_t *len)
{
	for (const char *q = strchr(a, '{'); q; q = strchr(q + 1, '{')) {
		size_t m = placeholder_at(q);
		if (m && !has_placeholder(b, q + 1, m)) {
			*name = q + 1;
			*len = m;
			return true;
		}
	}
	return false;
}

/* Records a problem: the first one goes to err, later ones are only counted. */
static void problem(int *count, ank_err *err, const char *lang, const char *key, const char *what,
                    const char *name, size_t len)
{
	if ((*count)++ == 0)
		ank_err_set(err, "%s: key \"%s\": %s%.*s%s", lang, key, what, (int)len, name,
		            len ? "}" : "");
}

int ank_i18n_check(const ank_i18n *i, ank_err *err)
{
	const catalog *en = find(i, "en");
	if (!en)
		return ank_err_set(err, "en: not loaded; en is the reference catalog");
	int count = 0;
	for (int k = 0; k < i->n; k++) {
		const catalog *c = &i->cat[k];
		if (c == en)
			continue;
		const char *key;
		json_t *ev;
		json_object_foreach(en->messages, key, ev)
		{
			const char *et = json_string_value(ev);
			const char *ct = json_string_value(json_object_get(c->messages, key));
			const char *name;
			size_t len;
			if (!ct)
				problem(&count, err, c->code, key, "missing (en has it)", "", 0);
			else if (missing_placeholder(et, ct, &name, &len))
				problem(&count, err, c->code, key, "lacks placeholder {", name,
				        len);
			else if (missing_placeholder(ct, et, &name, &len))
				problem(&count, err, c->code, key, "has a placeholder en lacks: {",
				        name, len);
		}
		json_t *cv;
		json_object_foreach(c->messages, key, cv)
		{
			if (!json_object_get(en->messages, key))
				problem(&count, err, c->code, key,
				        "not in en (remove it or add it to en)", "", 0);
		}
	}
	if (count > 1 && err) {
		ank_err first = *err;
		ank_err_set(err, "%s; %d problems in all", first.msg, count);
	}
	return count ? -1 : 0;
}

/* ---- site overrides ---- */

int ank_i18n_override_check(const ank_i18n *i, const char *lang, const char *key, const char *text,
                            size_t len, ank_err *err)
{
	if (!lang || !is_lang_code(lang, strlen(lang)))
		return ank_err_set(err, "the language must be a code of 2-3 letters a-z");
	const catalog *c = find(i, lang);
	if (!c)
		return ank_err_set(err, "no shipped catalog for language \"%s\"", lang);
	/* Keys are printed only once known to be plain ASCII names. */
	if (!key || !is_key(key))
		return ank_err_set(err, "%s: a key must be a-z, 0-9, '_' and '.', at most %d", lang,
		                   ANK_I18N_MAX_KEY_BYTES);
	const char *shipped = json_string_value(json_object_get(c->messages, key));
	if (!shipped)
		return ank_err_set(err, "%s: key \"%s\" is not in the shipped catalog", lang, key);
	if (!strcmp(key, "lang.name"))
		return ank_err_set(err,
		                   "%s: key \"lang.name\" is the language's own name and "
		                   "cannot be overridden",
		                   lang);
	const char *why = NULL;
	if (!text || !valid_message(text, len, &why))
		return ank_err_set(err, "%s: key \"%s\": %s", lang, key, why ? why : "no text");
	const char *name;
	size_t n;
	if (missing_placeholder(shipped, text, &name, &n))
		return ank_err_set(err, "%s: key \"%s\": lacks placeholder {%.*s}", lang, key,
		                   (int)n, name);
	if (missing_placeholder(text, shipped, &name, &n))
		return ank_err_set(err,
		                   "%s: key \"%s\": placeholder {%.*s} is not in the shipped text",
		                   lang, key, (int)n, name);
	return 0;
}

/* Reads <dir>/<code>.json. 0 with *root (caller decrefs) and *messages (borrowed from
 * it), 1 when there is no such file, -1 with err when it is not an override file. */
static int override_read(const char *dir, const char *code, json_t **root, json_t **messages,
                         ank_err *err)
{
	*root = *messages = NULL;
	char path[4096];
	int w = snprintf(path, sizeof path, "%s/%s.json", dir, code);
	if (w < 0 || (size_t)w >= sizeof path)
		return ank_err_set(err, "%s: path too long", dir);
	struct stat sb;
	if (stat(path, &sb) != 0 && errno == ENOENT)
		return 1;
	char *data;
	size_t len = 0;
	if (read_capped(path, &data, &len, err))
		return -1;
	json_error_t je;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	free(data);
	if (!j)
		return ank_err_set(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	const char *language = json_string_value(json_object_get(j, "language"));
	json_t *m = json_object_get(j, "messages");
	if (!json_is_object(j) || json_object_size(j) != 2 || !language ||
	    strcmp(language, code) != 0 || !json_is_object(m)) {
		json_decref(j);
		return ank_err_set(err,
		                   "%s: expected {\"language\": \"%s\", \"messages\": {...}} "
		                   "and nothing else",
		                   path, code);
	}
	*root = j;
	*messages = m;
	return 0;
}

/* Records a problem of the overlay: logged, and the first one kept in err. */
static void overlay_problem(int *count, ank_err *err, const ank_err *e)
{
	ank_log(ANK_LOG_WARN, "i18n", "override skipped: %s", e->msg);
	if ((*count)++ == 0)
		ank_err_set(err, "%s", e->msg);
}

int ank_i18n_overlay_dir(ank_i18n *i, const char *dir, int *applied, ank_err *err)
{
	int n = 0, problems = 0;
	for (int k = 0; i && k < i->n; k++) {
		catalog *c = &i->cat[k];
		json_t *root, *msgs;
		ank_err e;
		int rc = override_read(dir, c->code, &root, &msgs, &e);
		if (rc == 1)
			continue;
		if (rc < 0) {
			overlay_problem(&problems, err, &e);
			continue;
		}
		const char *key;
		json_t *v;
		json_object_foreach(msgs, key, v)
		{
			if (!json_is_string(v))
				ank_err_set(&e, "%s: key \"%s\": the text must be a string",
				            c->code, is_key(key) ? key : "?");
			else if (!ank_i18n_override_check(i, c->code, key, json_string_value(v),
			                                  json_string_length(v), &e))
				e.msg[0] = '\0';
			if (e.msg[0]) {
				overlay_problem(&problems, err, &e);
				continue;
			}
			/* The catalog takes its own reference: the text outlives `root`. */
			json_object_set(c->messages, key, v);
			n++;
		}
		json_decref(root);
	}
	if (applied)
		*applied = n;
	if (problems > 1 && err) {
		ank_err first = *err;
		ank_err_set(err, "%s; %d problems in all", first.msg, problems);
	}
	return problems ? -1 : 0;
}

/* Writes text to <dir>/<lang>.json through a temporary file that is synced and renamed,
 * then syncs the directory so the rename itself survives a power cut. */
static int write_atomic(const char *dir, const char *lang, const char *text, ank_err *err)
{
	char path[4096], tmp[4096];
	int w1 = snprintf(path, sizeof path, "%s/%s.json", dir, lang);
	int w2 = snprintf(tmp, sizeof tmp, "%s/.%s.json.tmp", dir, lang);
	if (w1 < 0 || w2 < 0 || (size_t)w2 >= sizeof tmp || (size_t)w1 >= sizeof path)
		return ank_err_set(err, "%s: path too long", dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return ank_err_set(err, "%s: %s", tmp, strerror(errno));
	int rc = 0;
	size_t len = strlen(text), done = 0;
	while (done < len && rc == 0) {
		ssize_t got = write(fd, text + done, len - done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			rc = ank_err_set(err, "%s: %s", tmp, strerror(errno));
		else
			done += (size_t)got;
	}
	if (rc == 0 && fsync(fd))
		rc = ank_err_set(err, "%s: %s", tmp, strerror(errno));
	if (close(fd) && rc == 0)
		rc = ank_err_set(err, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path))
		rc = ank_err_set(err, "%s: %s", path, strerror(errno));
	if (rc) {
		unlink(tmp);
		return rc;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int ank_i18n_override_save(const ank_i18n *shipped, const char *dir, const char *lang,
                           const char *messages_json, int *keys, ank_err *err)
{
	*keys = 0;
	if (!lang || !is_lang_code(lang, strlen(lang)) || !find(shipped, lang))
		return ank_err_set(err, "no shipped catalog for language \"%s\"",
		                   lang && is_lang_code(lang, strlen(lang)) ? lang : "?");
	json_t *add = json_loads(messages_json, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(add) || json_object_size(add) == 0) {
		json_decref(add);
		return ank_err_set(err, "messages must be a non-empty object of key: text");
	}
	const char *key;
	json_t *v;
	json_object_foreach(add, key, v)
	{
		int bad =
		        !json_is_string(v)
		                ? ank_err_set(err, "%s: key \"%s\": the text must be a string",
		                              lang, is_key(key) ? key : "?")
		                : ank_i18n_override_check(shipped, lang, key, json_string_value(v),
		                                          json_string_length(v), err);
		if (bad) {
			json_decref(add);
			return -1;
		}
	}
	/* An earlier override of the language stays unless replaced; its keys that no longer
	 * fit the shipped catalog (a kiosk update changed it) are dropped here. */
	json_t *merged = json_object(), *old_root, *old;
	ank_err e;
	int rc = override_read(dir, lang, &old_root, &old, &e);
	if (rc < 0)
		ank_log(ANK_LOG_WARN, "i18n", "earlier override replaced: %s", e.msg);
	if (rc == 0) {
		json_object_foreach(old, key, v)
		{
			if (json_is_string(v) &&
			    !ank_i18n_override_check(shipped, lang, key, json_string_value(v),
			                             json_string_length(v), &e))
				json_object_set(merged, key, v);
		}
		json_decref(old_root);
	}
	json_object_update(merged, add);
	*keys = (int)json_object_size(add);
	json_decref(add);
	json_t *out = json_pack("{s:s, s:o}", "language", lang, "messages", merged);
	char *text = out ? json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(out);
	if (!text) {
		*keys = 0;
		return ank_err_set(err, "out of memory");
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		rc = ank_err_set(err, "%s: %s", dir, strerror(errno));
	else
		rc = write_atomic(dir, lang, text, err);
	free(text);
	if (rc)
		*keys = 0;
	return rc;
}
