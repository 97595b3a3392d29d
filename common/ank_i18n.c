/* Strict loading of the per-language gettext PO catalogs (parsed by GNU gettext's
 * libgettextpo, plural forms chosen by ICU's CLDR rules), lookup with fallback, placeholder
 * formatting, the key/placeholder parity check between languages, and site overrides. */
#include "ank_i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gettext-po.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unicode/uenum.h>
#include <unicode/upluralrules.h>
#include <unicode/ustring.h>
#include <unistd.h>

#include "ank_log.h"
#include "ank_lsan.h"
#include "ank_text.h"

/* Longest own name of a language shown in the picker ("Bahasa Indonesia" is 16 bytes). */
#define MAX_LANG_NAME_BYTES 64
/* "xyz.po" plus NUL; file names are language codes of 2 or 3 letters. */
#define MAX_FILE_NAME 8
#define CATALOG_EXT   ".po"

#define STR_(x) #x
#define STR(x)  STR_(x)

static const char *const review_states[] = {"source", "native-reviewed", "unreviewed"};
/* CLDR's plural categories in their canonical order: a PO file's forms msgstr[0..] follow
 * it, as far as the language has the category (Arabic all six, Danish one and other). */
static const char *const cldr_order[ANK_I18N_MAX_PLURALS] = {"zero", "one",  "two",
                                                             "few",  "many", "other"};

typedef struct catalog {
	char code[4];
	bool rtl;
	const char *review;  /* one of review_states: static */
	char *name;          /* owned: the language's own name */
	json_t *messages;    /* owned: key -> text, or key -> [form, ...] for a plural text */
	json_t *fuzzy;       /* owned: key -> true for each text marked for review */
	UPluralRules *rules; /* owned: the language's CLDR plural rules */
	int nplurals;
	const char *categories[ANK_I18N_MAX_PLURALS]; /* static: form k's category */
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
	json_decref(c->messages);
	json_decref(c->fuzzy);
	free(c->name);
	if (c->rules)
		uplrules_close(c->rules);
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

/* The CLDR plural rules of `code` from ICU, and their categories in canonical order. */
static int plural_rules(const char *path, const char *code, catalog *c, ank_err *err)
{
	UErrorCode st = U_ZERO_ERROR;
	c->rules = uplrules_open(code, &st);
	if (U_FAILURE(st) || !c->rules)
		return ank_err_set(err, "%s: no plural rules for \"%s\" (ICU: %s)", path, code,
		                   u_errorName(st));
	UEnumeration *kw = uplrules_getKeywords(c->rules, &st);
	bool has[ANK_I18N_MAX_PLURALS] = {false};
	const char *k;
	int32_t len;
	while (U_SUCCESS(st) && kw && (k = uenum_next(kw, &len, &st)) != NULL)
		for (int j = 0; j < ANK_I18N_MAX_PLURALS; j++)
			if (!strcmp(k, cldr_order[j]))
				has[j] = true;
	if (kw)
		uenum_close(kw);
	if (U_FAILURE(st))
		return ank_err_set(err, "%s: plural categories of \"%s\": %s", path, code,
		                   u_errorName(st));
	c->nplurals = 0;
	for (int j = 0; j < ANK_I18N_MAX_PLURALS; j++)
		if (has[j])
			c->categories[c->nplurals++] = cldr_order[j];
	return 0;
}

/* Errors of libgettextpo's parser. A fatal one must not return to it (gettext-po.h): it
 * jumps back to catalog_load, which gives up on the file. Loading happens on one thread at
 * a time per thread, hence thread-local. */
static _Thread_local struct {
	jmp_buf back;
	char msg[300];
	bool failed;
} po_err;

static void po_xerror(int severity, po_message_t message, const char *filename, size_t lineno,
                      size_t column, int multiline, const char *text)
{
	(void)message;
	(void)column;
	(void)multiline;
	if (severity == PO_SEVERITY_WARNING)
		return;
	if (!po_err.failed) {
		snprintf(po_err.msg, sizeof po_err.msg, "%s:%zu: %s", filename ? filename : "?",
		         lineno, text ? text : "syntax error");
		po_err.failed = true;
	}
	if (severity == PO_SEVERITY_FATAL_ERROR)
		longjmp(po_err.back, 1);
}

static void po_xerror2(int severity, po_message_t m1, const char *f1, size_t l1, size_t c1, int ml1,
                       const char *t1, po_message_t m2, const char *f2, size_t l2, size_t c2,
                       int ml2, const char *t2)
{
	(void)m2;
	(void)f2;
	(void)l2;
	(void)c2;
	(void)ml2;
	(void)t2;
	po_xerror(severity, m1, f1, l1, c1, ml1, t1);
}

static const struct po_xerror_handler po_handler = {po_xerror, po_xerror2};

/* A header field as a new string (caller frees), or NULL. */
static char *header_field(const char *header, const char *field)
{
	return header ? po_header_field(header, field) : NULL;
}

/* Checks the header (the entry with an empty msgid) and fills name, direction and the
 * plural rules of c. */
static int catalog_header(const char *path, const char *code, const char *header, catalog *c,
                          ank_err *err)
{
	if (!header)
		return ank_err_set(err, "%s: no header entry (msgid \"\")", path);
	char *lang = header_field(header, "Language");
	char *name = header_field(header, "X-Ankomst-Name");
	char *dir = header_field(header, "X-Ankomst-Direction");
	char *forms = header_field(header, "Plural-Forms");
	int rc = 0;
	const char *np = forms ? strstr(forms, "nplurals=") : NULL;
	long n = 0;
	char digits[4] = {0};
	if (np) {
		np += strlen("nplurals=");
		size_t d = strspn(np, "0123456789");
		if (d > 0 && d < sizeof digits)
			memcpy(digits, np, d);
	}
	if (!lang || strcmp(lang, code) != 0)
		rc = ank_err_set(err,
		                 "%s: header \"Language: %s\" is needed, as the file name says",
		                 path, code);
	else if (!name || !*name || strlen(name) > MAX_LANG_NAME_BYTES ||
	         !ank_utf8_valid_text(name, strlen(name)))
		rc = ank_err_set(err,
		                 "%s: header \"X-Ankomst-Name\" must be the language's own name, "
		                 "1-%d bytes",
		                 path, MAX_LANG_NAME_BYTES);
	else if (!dir || (strcmp(dir, "ltr") != 0 && strcmp(dir, "rtl") != 0))
		rc = ank_err_set(err, "%s: header \"X-Ankomst-Direction\" must be ltr or rtl",
		                 path);
	else if (plural_rules(path, code, c, err))
		rc = -1;
	else if (!digits[0] || ank_parse_long(digits, 1, ANK_I18N_MAX_PLURALS, &n) ||
	         n != c->nplurals)
		rc = ank_err_set(err,
		                 "%s: header \"Plural-Forms\" must say nplurals=%d: CLDR gives "
		                 "\"%s\" %d plural categories",
		                 path, c->nplurals, code, c->nplurals);
	if (!rc) {
		c->rtl = !strcmp(dir, "rtl");
		c->name = name;
		name = NULL;
	}
	free(lang);
	free(name);
	free(dir);
	free(forms);
	return rc;
}

/* One entry of the file into c->messages: its key is msgctxt, its text msgstr (or the
 * forms msgstr[0..nplurals-1]). */
static int catalog_entry(const char *path, po_message_t m, catalog *c, ank_err *err)
{
	const char *key = po_message_msgctxt(m);
	if (!key || !is_key(key)) {
		/* The entry is named by its msgid: at most 40 bytes of it, never cut inside a
		 * character (nor read past its end), and "?" unless it is printable text. */
		const char *id = po_message_msgid(m);
		size_t n = strnlen(id, 41);
		if (n > 40) {
			n = 40;
			while (n > 0 && ((unsigned char)id[n] & 0xC0) == 0x80)
				n--;
		}
		bool shown = ank_utf8_valid_text(id, n);
		return ank_err_set(err,
		                   "%s: entry \"%.*s\": msgctxt must be its key (a-z, 0-9, '_', "
		                   "'.', at most %d)",
		                   path, shown ? (int)n : 1, shown ? id : "?",
		                   ANK_I18N_MAX_KEY_BYTES);
	}
	if (json_object_get(c->messages, key))
		return ank_err_set(err, "%s: key \"%s\" twice", path, key);
	const char *why = NULL;
	json_t *value;
	if (po_message_msgid_plural(m)) {
		value = json_array();
		for (int k = 0; k < c->nplurals && !why; k++) {
			const char *form = po_message_msgstr_plural(m, k);
			if (!form)
				why = "fewer plural forms than the header's nplurals";
			else if (valid_message(form, strlen(form), &why))
				json_array_append_new(value, json_string(form));
		}
		if (!why && po_message_msgstr_plural(m, c->nplurals))
			why = "more plural forms than the header's nplurals";
	} else {
		const char *text = po_message_msgstr(m);
		value = valid_message(text, strlen(text), &why) ? json_string(text) : NULL;
	}
	if (why) {
		json_decref(value);
		return ank_err_set(err, "%s: key \"%s\": %s", path, key, why);
	}
	json_object_set_new(c->messages, key, value);
	if (po_message_is_fuzzy(m))
		json_object_set_new(c->fuzzy, key, json_true());
	return 0;
}

static int catalog_read(const char *path, const char *code, po_file_t f, catalog *c, ank_err *err)
{
	c->messages = json_object();
	c->fuzzy = json_object();
	/* libgettextpo returns a copy of the header (declared const, allocated all the same):
	 * ours to free. */
	char *header = (char *)po_file_domain_header(f, NULL);
	int bad = catalog_header(path, code, header, c, err);
	free(header);
	if (bad)
		return -1;
	po_message_iterator_t it = po_message_iterator(f, NULL);
	po_message_t m;
	int rc = 0;
	while (!rc && (m = po_next_message(it)) != NULL) {
		if (po_message_is_obsolete(m) || (!*po_message_msgid(m) && !po_message_msgctxt(m)))
			continue; /* an old entry kept by msgmerge (#~), or the header */
		rc = catalog_entry(path, m, c, err);
	}
	po_message_iterator_free(it);
	if (rc)
		return -1;
	if (json_object_size(c->messages) == 0)
		return ank_err_set(err, "%s: no texts", path);
	const char *own = json_string_value(json_object_get(c->messages, "lang.name"));
	if (own && strcmp(own, c->name) != 0)
		return ank_err_set(
		        err, "%s: header \"X-Ankomst-Name\" and text \"lang.name\" differ", path);
	bool is_en = !strcmp(code, "en");
	if (is_en && json_object_size(c->fuzzy) > 0)
		return ank_err_set(err, "%s: en is the source language: no text is fuzzy", path);
	c->review = is_en                             ? review_states[0]
	            : json_object_size(c->fuzzy) == 0 ? review_states[1]
	                                              : review_states[2];
	memcpy(c->code, code, strlen(code) + 1);
	return 0;
}

/* Frees a file read by po_file_read. The po_file_free of libgettextpo 0.21 (Debian 12) frees
 * every string of a message but its msgctxt, our key: clearing each first
 * (po_message_set_msgctxt frees the old one) keeps every load and reload from leaking the
 * keys, and is harmless where po_file_free frees them itself. */
static void po_file_release(po_file_t f)
{
	const char *const *domains = po_file_domains(f);
	for (size_t d = 0; domains && domains[d]; d++) {
		po_message_iterator_t it = po_message_iterator(f, domains[d]);
		po_message_t m;
		while ((m = po_next_message(it)) != NULL)
			po_message_set_msgctxt(m, NULL);
		po_message_iterator_free(it);
	}
	po_file_free(f);
}

/* Read by LeakSanitizer (the asan build of scripts/test), unused elsewhere: libgettextpo's
 * leaks that no caller can free (ank_lsan.h). The ones a caller can free are freed here
 * (po_file_release, the header's copy), and test_i18n's test_reload_keeps_no_memory measures
 * that a load leaks no more than the file names. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return ANK_LSAN_SUPPRESSIONS;
}

static int catalog_load(const char *path, const char *code, catalog *c, ank_err *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return ank_err_set(err, "%s: not a regular file", path);
	if (sb.st_size > ANK_I18N_MAX_FILE_BYTES)
		return ank_err_set(err, "%s: more than the %ld byte limit", path,
		                   ANK_I18N_MAX_FILE_BYTES);
	po_err.failed = false;
	po_file_t f = NULL;
	if (setjmp(po_err.back) == 0)
		f = po_file_read(path, &po_handler);
	if (!f || po_err.failed) {
		if (f)
			po_file_release(f);
		return ank_err_set(err, "%s", po_err.failed ? po_err.msg : "cannot read the file");
	}
	int rc = catalog_read(path, code, f, c, err);
	po_file_release(f);
	if (rc)
		catalog_free(c);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Lists the catalog file names of dir, sorted. A *.po whose name is not a language code
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
		size_t ext = strlen(CATALOG_EXT);
		if (nm[0] == '.' || len <= ext || strcmp(nm + len - ext, CATALOG_EXT) != 0)
			continue;
		if (!is_lang_code(nm, len - ext)) {
			ank_err_set(err,
			            "%s/%s: the file name must be a language code and .po, "
			            "e.g. da.po",
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
		memcpy(code, names[k], strlen(names[k]) - strlen(CATALOG_EXT));
		if (w < 0 || (size_t)w >= sizeof path) {
			ank_err_set(err, "%s: path too long", dir);
			goto fail;
		}
		if (catalog_load(path, code, &set->cat[set->n], err))
			goto fail;
		set->n++;
	}
	if (!find(set, "en")) {
		ank_err_set(err, "%s/en.po: missing; en is the reference catalog", dir);
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

/* The value of key (a text, or an array of plural forms) in lang, else in da, else in en;
 * *from gets the catalog it came from (whose plural rules pick the form). */
static const json_t *lookup(const ank_i18n *i, const char *lang, const char *key,
                            const catalog **from)
{
	const char *chain[] = {lang, "da", "en"};
	for (size_t k = 0; k < sizeof chain / sizeof chain[0]; k++) {
		const catalog *c = find(i, chain[k]);
		const json_t *v = c ? json_object_get(c->messages, key) : NULL;
		if (v) {
			*from = c;
			return v;
		}
	}
	return NULL;
}

/* A text value's text: a plural text without a number is its last form ("other"). */
static const char *value_text(const json_t *v)
{
	if (json_is_array(v))
		v = json_array_get(v, json_array_size(v) - 1);
	return json_string_value(v);
}

const char *ank_i18n_get(const ank_i18n *i, const char *lang, const char *key)
{
	if (!key)
		return "";
	const catalog *c;
	const char *s = value_text(lookup(i, lang, key, &c));
	return s ? s : key;
}

/* The form of c for the number n, by its CLDR rules; the last when ICU fails. */
static int form_index(const catalog *c, long n)
{
	UChar buf[16];
	char kw[16];
	UErrorCode st = U_ZERO_ERROR;
	int32_t len = uplrules_select(c->rules, (double)n, buf,
	                              (int32_t)(sizeof buf / sizeof buf[0]), &st);
	if (U_FAILURE(st) || len <= 0 || len >= (int32_t)sizeof kw)
		return c->nplurals - 1;
	u_austrncpy(kw, buf, (int32_t)sizeof kw - 1);
	kw[len] = '\0';
	for (int k = 0; k < c->nplurals; k++)
		if (!strcmp(c->categories[k], kw))
			return k;
	return c->nplurals - 1;
}

const char *ank_i18n_plural_category(const ank_i18n *i, const char *lang, long n)
{
	const catalog *c = find(i, lang);
	return c ? c->categories[form_index(c, n)] : NULL;
}

const char *ank_i18n_get_n(const ank_i18n *i, const char *lang, const char *key, long n)
{
	if (!key)
		return "";
	const catalog *c;
	const json_t *v = lookup(i, lang, key, &c);
	if (json_is_array(v))
		v = json_array_get(v, (size_t)form_index(c, n));
	const char *s = json_string_value(v);
	return s ? s : key;
}

int ank_i18n_plurals(const ank_i18n *i, const char *lang, const char **categories)
{
	const catalog *c = find(i, lang);
	if (!c)
		return 0;
	for (int k = 0; categories && k < c->nplurals; k++)
		categories[k] = c->categories[k];
	return c->nplurals;
}

bool ank_i18n_fuzzy(const ank_i18n *i, const char *lang, const char *key)
{
	const catalog *c = find(i, lang);
	return c && key && json_object_get(c->fuzzy, key) != NULL;
}

int ank_i18n_review_counts(const ank_i18n *i, const char *lang, int *pending, int *total)
{
	const catalog *c = find(i, lang);
	if (!c)
		return -1;
	*pending = (int)json_object_size(c->fuzzy);
	*total = (int)json_object_size(c->messages);
	return 0;
}

json_t *ank_i18n_catalog_json(const ank_i18n *i, int k)
{
	if (!i || k < 0 || k >= i->n)
		return NULL;
	const catalog *c = &i->cat[k];
	json_t *texts = json_object(), *plurals = json_object(), *pending = json_array();
	const char *key;
	json_t *v;
	json_object_foreach(c->messages, key, v)
	{
		json_object_set_new(texts, key, json_string(value_text(v)));
		if (json_is_array(v)) {
			json_t *forms = json_object();
			for (int f = 0; f < c->nplurals; f++)
				json_object_set(forms, c->categories[f],
				                json_array_get(v, (size_t)f));
			json_object_set_new(plurals, key, forms);
		}
	}
	json_object_foreach(c->fuzzy, key, v) json_array_append_new(pending, json_string(key));
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "v", 1, "lang", c->code,
	                 "name", c->name, "direction", c->rtl ? "rtl" : "ltr", "review", c->review,
	                 "messages", texts, "plurals", plurals, "pending", pending);
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

/* Fills the placeholders of template p into out[0..n). */
static int format_text(const char *p, char *out, size_t n, const char *const *args)
{
	if (!out || n == 0)
		return -1;
	writer w = {out, n, 0, false};
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

int ank_i18n_format(const ank_i18n *i, const char *lang, const char *key, char *out, size_t n,
                    const char *const *args)
{
	return format_text(ank_i18n_get(i, lang, key), out, n, args);
}

int ank_i18n_format_n(const ank_i18n *i, const char *lang, const char *key, long count, char *out,
                      size_t n, const char *const *args)
{
	return format_text(ank_i18n_get_n(i, lang, key, count), out, n, args);
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
			const json_t *cv = json_object_get(c->messages, key);
			if (!cv) {
				problem(&count, err, c->code, key, "missing (en has it)", "", 0);
				continue;
			}
			if (json_is_array(ev) != json_is_array(cv)) {
				problem(&count, err, c->code, key,
				        json_is_array(ev) ? "needs plural forms (en has them)"
				                          : "has plural forms (en has none)",
				        "", 0);
				continue;
			}
			/* Every form has exactly the placeholders of en's text. */
			const char *et = value_text(ev), *name;
			size_t len;
			for (size_t f = 0; f < (json_is_array(cv) ? json_array_size(cv) : 1); f++) {
				const char *ct = json_is_array(cv)
				                         ? json_string_value(json_array_get(cv, f))
				                         : json_string_value(cv);
				if (missing_placeholder(et, ct, &name, &len)) {
					problem(&count, err, c->code, key, "lacks placeholder {",
					        name, len);
					break;
				}
				if (missing_placeholder(ct, et, &name, &len)) {
					problem(&count, err, c->code, key,
					        "has a placeholder en lacks: {", name, len);
					break;
				}
			}
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

/* One text of an override against the shipped text `shipped` of key. */
static int override_text(const char *lang, const char *key, const char *shipped, const char *text,
                         size_t len, ank_err *err)
{
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

/* The shipped value of an override's key, after the checks every override passes. */
static const json_t *override_target(const ank_i18n *i, const char *lang, const char *key,
                                     const catalog **cat, ank_err *err)
{
	if (!lang || !is_lang_code(lang, strlen(lang))) {
		ank_err_set(err, "the language must be a code of 2-3 letters a-z");
		return NULL;
	}
	const catalog *c = find(i, lang);
	if (!c) {
		ank_err_set(err, "no shipped catalog for language \"%s\"", lang);
		return NULL;
	}
	/* Keys are printed only once known to be plain ASCII names. */
	if (!key || !is_key(key)) {
		ank_err_set(err, "%s: a key must be a-z, 0-9, '_' and '.', at most %d", lang,
		            ANK_I18N_MAX_KEY_BYTES);
		return NULL;
	}
	const json_t *shipped = json_object_get(c->messages, key);
	if (!shipped) {
		ank_err_set(err, "%s: key \"%s\" is not in the shipped catalog", lang, key);
		return NULL;
	}
	if (!strcmp(key, "lang.name")) {
		ank_err_set(err,
		            "%s: key \"lang.name\" is the language's own name and cannot be "
		            "overridden",
		            lang);
		return NULL;
	}
	*cat = c;
	return shipped;
}

int ank_i18n_override_value_check(const ank_i18n *i, const char *lang, const char *key,
                                  const json_t *value, ank_err *err)
{
	const catalog *c;
	const json_t *shipped = override_target(i, lang, key, &c, err);
	if (!shipped)
		return -1;
	const char *ref = value_text(shipped);
	if (!json_is_array(shipped)) {
		if (!json_is_string(value))
			return ank_err_set(err, "%s: key \"%s\": the text must be a string", lang,
			                   key);
		return override_text(lang, key, ref, json_string_value(value),
		                     json_string_length(value), err);
	}
	/* A plural text is replaced whole: every form the language has, in CLDR order. */
	if (!json_is_array(value) || json_array_size(value) != (size_t)c->nplurals)
		return ank_err_set(err, "%s: key \"%s\": a plural text needs %d forms (%s%s%s)",
		                   lang, key, c->nplurals, c->categories[0],
		                   c->nplurals > 1 ? " ... " : "", c->categories[c->nplurals - 1]);
	for (size_t f = 0; f < json_array_size(value); f++) {
		const json_t *form = json_array_get(value, f);
		if (!json_is_string(form))
			return ank_err_set(err, "%s: key \"%s\": form %zu must be a string", lang,
			                   key, f);
		if (override_text(lang, key, ref, json_string_value(form), json_string_length(form),
		                  err))
			return -1;
	}
	return 0;
}

int ank_i18n_override_check(const ank_i18n *i, const char *lang, const char *key, const char *text,
                            size_t len, ank_err *err)
{
	json_t *v = text ? json_stringn_nocheck(text, len) : json_null();
	int rc = ank_i18n_override_value_check(i, lang, key, v, err);
	json_decref(v);
	return rc;
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
			if (!ank_i18n_override_value_check(i, c->code, key, v, &e))
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
		if (ank_i18n_override_value_check(shipped, lang, key, v, err)) {
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
			if (!ank_i18n_override_value_check(shipped, lang, key, v, &e))
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
