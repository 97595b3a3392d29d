/* Golden cases for the content central sends a site: the site config as INI text (the same
 * parser as the file) and text overrides laid over the shipped catalogs, plural texts as
 * arrays of the language's forms. */
#include "testlib.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ank_i18n.h"
#include "po_text.h"
#include "store.h"

/* ---- small file helpers ---- */

static void dir_new(char dir[64])
{
	snprintf(dir, 64, "/tmp/ank-content-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void put_text(const char *dir, const char *name, const char *text)
{
	char path[200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/* Removes dir and everything below it (two levels are all these tests make). */
static void dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char path[400];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			dir_remove(path);
		else
			assert_int_equal(unlink(path), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

/* The whole file as a NUL-terminated string; caller frees. */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* ---- site config as text ---- */

typedef struct parsed {
	ank_site_config cfg;
	ank_station st[ANK_MAX_STATIONS];
	int n;
	int rc;
	ank_err err;
} parsed;

static void parse_text(parsed *p, const char *text)
{
	memset(p, 0, sizeof *p);
	p->rc = ank_config_parse_ini_text(text, "site.config", &p->cfg, p->st, &p->n, &p->err);
}

static void parse_file(parsed *p, const char *path)
{
	memset(p, 0, sizeof *p);
	p->rc = ank_config_parse_ini(path, &p->cfg, p->st, &p->n, &p->err);
}

static void test_ini_text_same_as_file(void **state)
{
	(void)state;
	const char *src = test_source_dir();
	char path[512];
	snprintf(path, sizeof path, "%s/assets/demo/site.ini", src);
	parsed *f = malloc(sizeof *f), *t = malloc(sizeof *t);
	assert_non_null(f);
	assert_non_null(t);
	parse_file(f, path);
	assert_int_equal(f->rc, 0);
	char *text = slurp(path);
	parse_text(t, text);
	assert_int_equal(t->rc, 0);
	assert_int_equal(t->n, f->n);
	assert_true(f->n > 0);
	assert_memory_equal(&t->cfg, &f->cfg, sizeof f->cfg);
	assert_memory_equal(t->st, f->st, sizeof f->st[0] * (size_t)f->n);
	assert_string_equal(t->cfg.site_id, "demo");
	/* Without the last newline, and with CRLF line ends: still the same config. */
	size_t len = strlen(text);
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	parse_text(t, text);
	assert_int_equal(t->rc, 0);
	assert_memory_equal(&t->cfg, &f->cfg, sizeof f->cfg);
	char *crlf = malloc(2 * len + 1);
	assert_non_null(crlf);
	size_t o = 0;
	for (size_t k = 0; k < len; k++) {
		if (text[k] == '\n')
			crlf[o++] = '\r';
		crlf[o++] = text[k];
	}
	crlf[o] = '\0';
	parse_text(t, crlf);
	assert_int_equal(t->rc, 0);
	assert_memory_equal(&t->cfg, &f->cfg, sizeof f->cfg);
	assert_memory_equal(t->st, f->st, sizeof f->st[0] * (size_t)f->n);
	free(crlf);
	free(text);
	free(f);
	free(t);
}

#define SITE_OK "[site]\nid = demo\nname = Demo\n[hours]\nmon = 08:00-20:00\n[station.1]\n"

static void test_ini_text_errors_name_the_line(void **state)
{
	(void)state;
	char longline[400];
	snprintf(longline, sizeof longline, "[site]\nid = demo\nname = %0250d\n[station.1]\n", 7);
	static const struct {
		const char *text, *want;
	} cases[] = {
	        {SITE_OK, NULL},
	        {"[site]\nid = demo\nname = Demo\nbogus = 1\n[station.1]\n",
	         "site.config:4: unknown key 'bogus' in [site]"},
	        {"[site]\nid demo\n", "site.config:2: syntax error"},
	        {"[site]\nid = demo\nname = Demo\n\n[kitchen]\n[station.1]\n",
	         "site.config:5: unknown section [kitchen]"},
	        {"[site]\nid = demo\nname = Demo\nwarn_min = 0\n[station.1]\n",
	         "site.config:4: bad value for 'warn_min'"},
	        {"[site]\nid = demo\n[station.1]\n", "site.config: [site] name is missing"},
	        {"[site]\nid = demo\nname = Demo\n", "site.config: no [station.ID] section"},
	        {"", "site.config: [site] id is missing"},
	};
	int failed = 0;
	for (size_t k = 0; k < COUNT_OF(cases); k++) {
		parsed p;
		parse_text(&p, cases[k].text);
		if (!cases[k].want) {
			if (p.rc != 0)
				case_fail(&failed, "case %zu: refused: %s", k, p.err.msg);
			else if (p.n != 1)
				case_fail(&failed, "case %zu: %d stations", k, p.n);
			continue;
		}
		if (p.rc == 0 || !strstr(p.err.msg, cases[k].want))
			case_fail(&failed, "case %zu: rc %d, \"%s\", wanted \"%s\"", k, p.rc,
			          p.err.msg, cases[k].want);
	}
	parsed p;
	parse_text(&p, longline);
	if (p.rc == 0 || !strstr(p.err.msg, "site.config:3: line longer than"))
		case_fail(&failed, "long line: \"%s\"", p.err.msg);
	assert_cases_passed(failed);
}

/* The text parser's message is the file parser's with the name in place of the path. */
static void test_ini_text_error_same_as_file(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	const char *bad = "[site]\nid = demo\nname = Demo\n[station.x y]\n";
	put_text(dir, "bad.ini", bad);
	char path[128];
	snprintf(path, sizeof path, "%s/bad.ini", dir);
	parsed f, t;
	parse_file(&f, path);
	memset(&t, 0, sizeof t);
	t.rc = ank_config_parse_ini_text(bad, path, &t.cfg, t.st, &t.n, &t.err);
	assert_int_equal(f.rc, -1);
	assert_int_equal(t.rc, -1);
	assert_string_equal(t.err.msg, f.err.msg);
	assert_non_null(strstr(f.err.msg, ":4: bad station id"));
	dir_remove(dir);
}

/* ---- text overrides ---- */

typedef struct texts {
	char dir[64];  /* shipped catalogs */
	char over[96]; /* overrides */
	ank_i18n *i;
} texts;

static texts *texts_new(void)
{
	texts *t = calloc(1, sizeof *t);
	assert_non_null(t);
	dir_new(t->dir);
	put_text(t->dir, "en.po", EN);
	put_text(t->dir, "da.po", DA(DA_MSGS));
	snprintf(t->over, sizeof t->over, "%s/site.db.catalogs", t->dir);
	assert_int_equal(mkdir(t->over, 0700), 0);
	ank_err err;
	assert_int_equal(ank_i18n_load(t->dir, &t->i, &err), 0);
	return t;
}

static void texts_free(texts *t)
{
	ank_i18n_free(t->i);
	dir_remove(t->dir);
	free(t);
}

static void test_overlay_good(void **state)
{
	(void)state;
	texts *t = texts_new();
	put_text(t->over, "da.json",
	         "{\"language\": \"da\", \"messages\": {\"hello\": \"Goddag {who}\","
	         " \"ticket.wait\": \"{minutes} min, {ahead} før dig\"}}");
	int applied = -1;
	ank_err err;
	assert_int_equal(ank_i18n_overlay_dir(t->i, t->over, &applied, &err), 0);
	assert_int_equal(applied, 2);
	assert_string_equal(ank_i18n_get(t->i, "da", "hello"), "Goddag {who}");
	assert_string_equal(ank_i18n_get(t->i, "da", "ticket.wait"),
	                    "{minutes} min, {ahead} før dig");
	assert_string_equal(ank_i18n_get(t->i, "en", "hello"), "Hello {who}");
	char out[64];
	const char *args[] = {"who", "Lis", NULL};
	assert_int_equal(ank_i18n_format(t->i, "da", "hello", out, sizeof out, args), 0);
	assert_string_equal(out, "Goddag Lis");
	assert_int_equal(ank_i18n_check(t->i, &err), 0);
	/* A missing override directory is simply no override. */
	char none[128];
	snprintf(none, sizeof none, "%s/none", t->dir);
	assert_int_equal(ank_i18n_overlay_dir(t->i, none, &applied, &err), 0);
	assert_int_equal(applied, 0);
	texts_free(t);
}

static void test_overlay_skips_bad_keys(void **state)
{
	(void)state;
	static const struct {
		const char *msgs, *want;
	} cases[] = {
	        {"\"nope.key\": \"Hej\"", "not in the shipped catalog"},
	        {"\"ticket.wait\": \"{ahead} foran\"", "lacks placeholder {minutes}"},
	        {"\"ticket.wait\": \"{ahead} {minutes} {who}\"", "{who} is not in the shipped"},
	        {"\"hello\": \"\"", "empty text"},
	        {"\"hello\": \"Hej {who\"", "does not start a placeholder"},
	        {"\"hello\": 5", "must be a string"},
	        {"\"lang.name\": \"Danish\"", "cannot be overridden"},
	        {"\"Bad Key\": \"x\"", "a key must be"},
	};
	int failed = 0;
	for (size_t k = 0; k < COUNT_OF(cases); k++) {
		texts *t = texts_new();
		char file[256];
		snprintf(file, sizeof file, "{\"language\": \"da\", \"messages\": {%s}}",
		         cases[k].msgs);
		put_text(t->over, "da.json", file);
		int applied = -1;
		ank_err err = {{0}};
		int rc = ank_i18n_overlay_dir(t->i, t->over, &applied, &err);
		if (rc != -1 || applied != 0 || !strstr(err.msg, cases[k].want))
			case_fail(&failed, "case %zu: rc %d, applied %d, \"%s\"", k, rc, applied,
			          err.msg);
		if (strcmp(ank_i18n_get(t->i, "da", "hello"), "Hej {who}") ||
		    strcmp(ank_i18n_get(t->i, "da", "ticket.wait"),
		           "{ahead} foran, {minutes} min") ||
		    strcmp(ank_i18n_get(t->i, "da", "lang.name"), "Dansk"))
			case_fail(&failed, "case %zu: a shipped text changed", k);
		texts_free(t);
	}
	assert_cases_passed(failed);

	/* A bad key does not stop the good ones of the same file. */
	texts *t = texts_new();
	put_text(t->over, "da.json",
	         "{\"language\": \"da\", \"messages\": {\"nope\": \"x\", \"hello\": \"Hi {who}\","
	         " \"ticket.wait\": \"{ahead}\"}}");
	int applied = -1;
	ank_err err;
	assert_int_equal(ank_i18n_overlay_dir(t->i, t->over, &applied, &err), -1);
	assert_int_equal(applied, 1);
	assert_non_null(strstr(err.msg, "2 problems in all"));
	assert_string_equal(ank_i18n_get(t->i, "da", "hello"), "Hi {who}");
	assert_string_equal(ank_i18n_get(t->i, "da", "ticket.wait"),
	                    "{ahead} foran, {minutes} min");
	texts_free(t);
}

static void test_overlay_refuses_bad_files(void **state)
{
	(void)state;
	static const char *const files[] = {
	        "{\"language\": \"da\", \"messages\": {\"hello\": \"Hej {who}\"",
	        "{\"language\": \"da\", \"messages\": {\"hello\": \"A {who}\", \"hello\": \"B\"}}",
	        "{\"language\": \"en\", \"messages\": {\"hello\": \"Hej {who}\"}}",
	        "{\"language\": \"da\", \"messages\": [\"hello\"]}",
	        "{\"language\": \"da\", \"messages\": {}, \"extra\": 1}",
	        "[]",
	        "\xff\xfe",
	};
	int failed = 0;
	for (size_t k = 0; k < COUNT_OF(files); k++) {
		texts *t = texts_new();
		put_text(t->over, "da.json", files[k]);
		int applied = -1;
		ank_err err = {{0}};
		int rc = ank_i18n_overlay_dir(t->i, t->over, &applied, &err);
		if (rc != -1 || applied != 0 || !strstr(err.msg, "da.json"))
			case_fail(&failed, "file %zu: rc %d, applied %d, \"%s\"", k, rc, applied,
			          err.msg);
		if (strcmp(ank_i18n_get(t->i, "da", "hello"), "Hej {who}"))
			case_fail(&failed, "file %zu: the catalog changed", k);
		texts_free(t);
	}
	assert_cases_passed(failed);
	/* An override of a language that is not shipped is never read. */
	texts *t = texts_new();
	put_text(t->over, "sv.json", "{\"language\": \"sv\", \"messages\": {\"hello\": \"Hej\"}}");
	int applied = -1;
	ank_err err;
	assert_int_equal(ank_i18n_overlay_dir(t->i, t->over, &applied, &err), 0);
	assert_int_equal(applied, 0);
	texts_free(t);
}

static void test_override_save(void **state)
{
	(void)state;
	texts *t = texts_new();
	char dir[128], path[200];
	snprintf(dir, sizeof dir, "%s/other.db.catalogs", t->dir);
	snprintf(path, sizeof path, "%s/da.json", dir);
	ank_err err;
	int keys = -1;
	/* Invalid: nothing written, not even the directory. */
	assert_int_equal(ank_i18n_override_save(t->i, dir, "da",
	                                        "{\"hello\": \"Hej\", \"ticket.wait\": \"x\"}",
	                                        &keys, &err),
	                 -1);
	assert_non_null(strstr(err.msg, "lacks placeholder {who}"));
	assert_int_equal(keys, 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(
	        ank_i18n_override_save(t->i, dir, "sv", "{\"hello\": \"Hej {who}\"}", &keys, &err),
	        -1);
	assert_int_equal(ank_i18n_override_save(t->i, dir, "../x", "{\"hello\": \"Hej {who}\"}",
	                                        &keys, &err),
	                 -1);
	assert_int_equal(ank_i18n_override_save(t->i, dir, "da", "{}", &keys, &err), -1);
	assert_int_equal(ank_i18n_override_save(t->i, dir, "da", "[1]", &keys, &err), -1);
	assert_int_equal(access(dir, F_OK), -1);
	/* Valid: the directory is made private, the file holds the texts. */
	assert_int_equal(ank_i18n_override_save(t->i, dir, "da", "{\"hello\": \"Goddag {who}\"}",
	                                        &keys, &err),
	                 0);
	assert_int_equal(keys, 1);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* A second change merges: new keys replace old ones, others stay. */
	assert_int_equal(ank_i18n_override_save(t->i, dir, "da",
	                                        "{\"ticket.wait\": \"{ahead}: {minutes}\"}", &keys,
	                                        &err),
	                 0);
	assert_int_equal(keys, 1);
	char *first = slurp(path);
	assert_int_equal(ank_i18n_override_save(t->i, dir, "da",
	                                        "{\"ticket.wait\": \"{ahead}: {minutes}\"}", &keys,
	                                        &err),
	                 0);
	char *again = slurp(path);
	assert_string_equal(first, again); /* applying a change twice is harmless */
	free(first);
	free(again);
	/* A refused change leaves the earlier file as it was. */
	char *before = slurp(path);
	assert_int_equal(ank_i18n_override_save(t->i, dir, "da",
	                                        "{\"hello\": \"Hej {who}\", \"nope\": \"x\"}",
	                                        &keys, &err),
	                 -1);
	char *after = slurp(path);
	assert_string_equal(before, after);
	free(before);
	free(after);
	int applied = -1;
	assert_int_equal(ank_i18n_overlay_dir(t->i, dir, &applied, &err), 0);
	assert_int_equal(applied, 2);
	assert_string_equal(ank_i18n_get(t->i, "da", "hello"), "Goddag {who}");
	assert_string_equal(ank_i18n_get(t->i, "da", "ticket.wait"), "{ahead}: {minutes}");
	/* No temporary file is left behind. */
	DIR *d = opendir(dir);
	assert_non_null(d);
	int files = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		files += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);
	texts_free(t);
}

/* The shipped catalogs accept an override of a real key, as central would send it: a plain
 * text as a string, a plural text as the array of its forms. */
static void test_override_shipped(void **state)
{
	(void)state;
	const char *src = test_source_dir();
	char dir[512];
	snprintf(dir, sizeof dir, "%s/i18n", src);
	ank_i18n *i;
	ank_err err;
	assert_int_equal(ank_i18n_load(dir, &i, &err), 0);
	assert_int_equal(ank_i18n_override_check(i, "da", "welcome.title", "Velkommen!", 10, &err),
	                 0);
	assert_int_equal(ank_i18n_override_check(i, "da", "welcome.title", "A\0B", 3, &err), -1);
	assert_int_equal(ank_i18n_override_check(i, "da", "welcome.title", "\xc3(", 2, &err), -1);
	/* ticket.wait has plural forms: its own forms pass as an array, its text alone not. */
	int k = 0;
	while (strcmp(ank_i18n_code(i, k), "da") != 0)
		k++;
	json_t *cat = ank_i18n_catalog_json(i, k);
	json_t *forms = json_object_get(json_object_get(cat, "plurals"), "ticket.wait");
	assert_int_equal(json_object_size(forms), 2);
	json_t *value =
	        json_pack("[O, O]", json_object_get(forms, "one"), json_object_get(forms, "other"));
	if (ank_i18n_override_value_check(i, "da", "ticket.wait", value, &err))
		fail_msg("%s", err.msg);
	const char *wait = ank_i18n_get(i, "da", "ticket.wait");
	assert_int_equal(ank_i18n_override_check(i, "da", "ticket.wait", wait, strlen(wait), &err),
	                 -1);
	assert_non_null(strstr(err.msg, "needs 2 forms"));
	assert_int_equal(ank_i18n_override_check(i, "da", "ticket.wait", "Vent", 4, &err), -1);
	/* Arabic has six. */
	json_t *six =
	        json_pack("[O, O, O, O, O, O]", json_array_get(value, 0), json_array_get(value, 0),
	                  json_array_get(value, 0), json_array_get(value, 0),
	                  json_array_get(value, 0), json_array_get(value, 1));
	assert_int_equal(ank_i18n_override_value_check(i, "ar", "ticket.wait", six, &err), 0);
	assert_int_equal(ank_i18n_override_value_check(i, "ar", "ticket.wait", value, &err), -1);
	assert_non_null(strstr(err.msg, "needs 6 forms (zero ... other)"));
	json_decref(six);
	json_decref(value);
	json_decref(cat);
	ank_i18n_free(i);
}

/* A plural text is overridden whole: an array of exactly the language's forms, each a valid
 * text with the shipped placeholders; a string, or too few or too many forms, is refused. */
static void test_override_plural(void **state)
{
	(void)state;
	static const struct {
		const char *key, *value, *want; /* want NULL: accepted */
	} cases[] = {
	        {"left", "[\"{n} forsøg igen\", \"{n} forsøg mere\"]", NULL},
	        {"left", "\"{n} forsøg\"", "a plural text needs 2 forms (one ... other)"},
	        {"left", "[\"{n} forsøg\"]", "needs 2 forms"},
	        {"left", "[\"{n}\", \"{n}\", \"{n}\"]", "needs 2 forms"},
	        {"left", "[]", "needs 2 forms"},
	        {"left", "{\"one\": \"{n}\", \"other\": \"{n}\"}", "needs 2 forms"},
	        {"left", "[5, \"{n} forsøg\"]", "form 0 must be a string"},
	        {"left", "[\"et forsøg\", \"{n} forsøg\"]", "lacks placeholder {n}"},
	        {"left", "[\"{n} forsøg\", \"{n} forsøg {who}\"]", "{who} is not in the shipped"},
	        {"left", "[\"{n} forsøg\", \"\"]", "empty text"},
	        {"left", "[\"{n} forsøg\", \"{n forsøg\"]", "does not start a placeholder"},
	        {"hello", "[\"Hej {who}\", \"Hej {who}\"]", "must be a string"},
	};
	int failed = 0;
	for (size_t k = 0; k < COUNT_OF(cases); k++) {
		texts *t = texts_new();
		json_error_t je;
		json_t *v = json_loads(cases[k].value, JSON_DECODE_ANY, &je);
		assert_non_null(v);
		ank_err err = {{0}};
		int rc = ank_i18n_override_value_check(t->i, "da", cases[k].key, v, &err);
		if ((rc == 0) != (cases[k].want == NULL) ||
		    (cases[k].want && !strstr(err.msg, cases[k].want)))
			case_fail(&failed, "case %zu: rc %d \"%s\"", k, rc, err.msg);
		json_decref(v);
		/* The same through an override file: applied, or skipped with nothing changed. */
		char file[256];
		snprintf(file, sizeof file, "{\"language\": \"da\", \"messages\": {\"%s\": %s}}",
		         cases[k].key, cases[k].value);
		put_text(t->over, "da.json", file);
		int applied = -1;
		rc = ank_i18n_overlay_dir(t->i, t->over, &applied, &err);
		const char *one = ank_i18n_get_n(t->i, "da", "left", 1);
		const char *two = ank_i18n_get_n(t->i, "da", "left", 2);
		if (cases[k].want &&
		    (rc != -1 || applied != 0 || strcmp(one, "{n} forsøg tilbage") != 0 ||
		     strcmp(ank_i18n_get(t->i, "da", "hello"), "Hej {who}") != 0))
			case_fail(&failed, "case %zu: overlay rc %d applied %d", k, rc, applied);
		/* The good override's forms are chosen by number like the shipped ones. */
		if (!cases[k].want &&
		    (rc != 0 || applied != 1 || strcmp(one, "{n} forsøg igen") ||
		     strcmp(two, "{n} forsøg mere") || ank_i18n_check(t->i, &err) != 0))
			case_fail(&failed, "case %zu: overlay rc %d applied %d, '%s', '%s'", k, rc,
			          applied, one, two);
		texts_free(t);
	}
	assert_cases_passed(failed);

	texts *t = texts_new();
	ank_err err;
	/* Saved as central does (POST /api/v1/catalogs/da), then laid over the catalogs. */
	char dir[128];
	snprintf(dir, sizeof dir, "%s/saved.db.catalogs", t->dir);
	int keys = -1;
	assert_int_equal(
	        ank_i18n_override_save(t->i, dir, "da", "{\"left\": \"{n} forsøg\"}", &keys, &err),
	        -1);
	assert_non_null(strstr(err.msg, "needs 2 forms"));
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(ank_i18n_override_save(t->i, dir, "da",
	                                        "{\"left\": [\"{n} chance\", \"{n} chancer\"]}",
	                                        &keys, &err),
	                 0);
	assert_int_equal(keys, 1);
	int applied = -1;
	assert_int_equal(ank_i18n_overlay_dir(t->i, dir, &applied, &err), 0);
	assert_int_equal(applied, 1);
	char out[64];
	const char *args[] = {"n", "1", NULL};
	assert_int_equal(ank_i18n_format_n(t->i, "da", "left", 1, out, sizeof out, args), 0);
	assert_string_equal(out, "1 chance");
	args[1] = "3";
	assert_int_equal(ank_i18n_format_n(t->i, "da", "left", 3, out, sizeof out, args), 0);
	assert_string_equal(out, "3 chancer");
	texts_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ini_text_same_as_file),
	        cmocka_unit_test(test_ini_text_errors_name_the_line),
	        cmocka_unit_test(test_ini_text_error_same_as_file),
	        cmocka_unit_test(test_overlay_good),
	        cmocka_unit_test(test_overlay_skips_bad_keys),
	        cmocka_unit_test(test_overlay_refuses_bad_files),
	        cmocka_unit_test(test_override_save),
	        cmocka_unit_test(test_override_shipped),
	        cmocka_unit_test(test_override_plural),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
