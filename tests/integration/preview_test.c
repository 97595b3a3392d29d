/* The preview runner (server-sync/central/preview.c) alone, with the real kiosk binary: a walk
 * with draft texts makes PNGs of the screen size asked for whose UI dump has the draft; an
 * overlong text is a finding and the walk goes on; a step that fails, a kiosk that does not end
 * in time and a program that does not exist are errors that say so. Named cases, printed ok or
 * FAIL; exit 1 when any failed. Usage: preview_test ANKOMST_KIOSK SOURCE_DIR */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ank_err.h"
#include "preview.h"

static int failed;
static const char *kiosk, *source;

static void expect(const char *name, bool ok, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", name, ok ? "" : ": ", ok ? "" : detail);
	if (!ok)
		failed++;
}

static void remove_dir(const char *path, int depth);

/* A fresh work directory under tmp (mkdtemp); the last run's goes first. */
static void work_dir(char *out, size_t n)
{
	if (out[0])
		remove_dir(out, 1);
	snprintf(out, n, "%s/ank-preview-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(out)) {
		perror("mkdtemp");
		exit(1);
	}
}

/* The width and height of a PNG file from its IHDR chunk; 0 when it is not a PNG. */
static void png_size(const char *path, unsigned *w, unsigned *h)
{
	unsigned char b[24] = {0};
	*w = *h = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	size_t got = fread(b, 1, sizeof b, f);
	fclose(f);
	if (got != sizeof b || memcmp(b + 1, "PNG", 3) != 0 || memcmp(b + 12, "IHDR", 4) != 0)
		return;
	*w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
}

static const char *str_of(json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));
	return v ? v : "";
}

/* The text of widget `id` in the first dump of screen `screen`, or NULL. Borrowed. */
static const char *dump_text(const ank_preview_result *r, const char *screen, const char *id)
{
	size_t i, k;
	json_t *d, *wgt;
	json_array_foreach(r->dumps, i, d)
	{
		if (strcmp(str_of(d, "screen"), screen) != 0)
			continue;
		json_array_foreach(json_object_get(d, "widgets"), k, wgt)
		{
			if (!strcmp(str_of(wgt, "id"), id))
				return json_string_value(json_object_get(wgt, "text"));
		}
	}
	return NULL;
}

/* Removes a run's work directory: its files and those of its subdirectories. */
static void remove_dir(const char *path, int depth)
{
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[1024];
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		struct stat sb;
		if (depth > 0 && lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
			remove_dir(sub, depth - 1);
		else
			unlink(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* One run of `script` with welcome.title of da set to `title` (NULL: no texts). */
static int run(const char *script, const char *title, int w, int h, int timeout_ms, char *dir,
               size_t dn, ank_preview_result *r, ank_err *err, const char *bin)
{
	work_dir(dir, dn);
	json_t *texts = title ? json_pack("{s:{s:s}}", "da", "welcome.title", title) : NULL;
	ank_preview_opts o = {.kiosk_bin = bin,
	                      .data_dir = source,
	                      .work_dir = dir,
	                      .script = script,
	                      .now = "2026-11-23T10:00:00Z",
	                      .w = w,
	                      .h = h,
	                      .texts = texts,
	                      .extra_args = {"--demo", NULL},
	                      .timeout_ms = timeout_ms};
	int rc = ank_preview_run(&o, r, err);
	json_decref(texts);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: preview_test ANKOMST_KIOSK SOURCE_DIR\n");
		return 2;
	}
	kiosk = argv[1];
	source = argv[2];
	char dir[512] = "", path[700], walk_path[600], detail[600];
	ank_preview_result r;
	ank_err err = {{0}};

	/* The shipped walk, landscape, with a draft title. */
	snprintf(walk_path, sizeof walk_path, "%s/assets/preview/texts_walk.txt", source);
	char *walk = ank_preview_walk_load(walk_path, "da", &err);
	expect("the walk loads with the language put in",
	       walk && strstr(walk, "welcome.lang.da") && !strstr(walk, "LANG"), err.msg);
	if (!walk)
		return 1;
	int rc = run(walk, "Hej fra forhåndsvisningen", ANK_PREVIEW_LANDSCAPE_W,
	             ANK_PREVIEW_LANDSCAPE_H, 0, dir, sizeof dir, &r, &err, kiosk);
	expect("the walk runs to its end", rc == 0 && r.exit_status == 0, err.msg);
	snprintf(detail, sizeof detail, "%zu shots", json_array_size(r.shots));
	expect("every screen of the walk has its PNG", json_array_size(r.shots) >= 10, detail);
	snprintf(path, sizeof path, "%s/shots/welcome.png", dir);
	unsigned pw, ph;
	png_size(path, &pw, &ph);
	snprintf(detail, sizeof detail, "%ux%u", pw, ph);
	expect("the PNG has the landscape size", pw == 1920 && ph == 1080, detail);
	const char *t = dump_text(&r, "welcome", "welcome.title");
	expect("the kiosk drew the draft title (its UI dump)",
	       t && !strcmp(t, "Hej fra forhåndsvisningen"), t ? t : "no welcome.title");
	expect("a text that fits is no finding", json_array_size(r.findings) == 0, "findings");
	ank_preview_result_free(&r);

	/* An overlong title: a finding naming the widget, the walk goes on. */
	char long_title[700] = "";
	for (size_t i = 0, at = 0; i < 60; i++)
		at += (size_t)snprintf(long_title + at, sizeof long_title - at, "Velkommen ");
	rc = run(walk, long_title, ANK_PREVIEW_PORTRAIT_W, ANK_PREVIEW_PORTRAIT_H, 0, dir,
	         sizeof dir, &r, &err, kiosk);
	json_t *f = json_array_get(r.findings, 0);
	const char *why = json_string_value(json_object_get(f, "why"));
	expect("an overlong title is a finding of the layout check",
	       rc == 0 && f &&
	               !strcmp(json_string_value(json_object_get(f, "screen")), "welcome") && why &&
	               strstr(why, "welcome.title"),
	       rc ? err.msg : "no finding");
	expect("the walk went on after the finding", json_array_size(r.shots) >= 10, "shots");
	ank_preview_result_free(&r);
	free(walk);

	/* The shipped texts pass the walk in every language and both orientations: otherwise no
	 * draft of that language could ever be published. */
	static const char *const langs[] = {"da", "en", "sv", "kl", "pl",
	                                    "ro", "lt", "ru", "ar", "fa"};
	int clean = 0, runs = 0;
	detail[0] = '\0';
	for (size_t l = 0; l < sizeof langs / sizeof langs[0]; l++) {
		char *wl = ank_preview_walk_load(walk_path, langs[l], &err);
		for (int land = 0; wl && land < 2; land++) {
			runs++;
			rc = run(wl, NULL, land ? ANK_PREVIEW_LANDSCAPE_W : ANK_PREVIEW_PORTRAIT_W,
			         land ? ANK_PREVIEW_LANDSCAPE_H : ANK_PREVIEW_PORTRAIT_H, 0, dir,
			         sizeof dir, &r, &err, kiosk);
			if (rc == 0 && json_array_size(r.findings) == 0)
				clean++;
			else
				snprintf(detail, sizeof detail, "%s %s: %s", langs[l],
				         land ? "landscape" : "portrait",
				         rc ? err.msg
				            : json_string_value(json_object_get(
				                      json_array_get(r.findings, 0), "why")));
			ank_preview_result_free(&r);
		}
		free(wl);
	}
	expect("the shipped texts of every language pass the walk in both orientations",
	       runs == 20 && clean == runs, detail);

	/* A text that breaks the catalog's rules (a placeholder the shipped one lacks) is left
	 * out by the kiosk, which draws the shipped text: bad content never reaches a screen. */
	rc = run("tap-id welcome.lang.da\ndump\n", "Velkommen {nickname}", ANK_PREVIEW_PORTRAIT_W,
	         ANK_PREVIEW_PORTRAIT_H, 0, dir, sizeof dir, &r, &err, kiosk);
	t = dump_text(&r, "welcome", "welcome.title");
	expect("a draft with a foreign placeholder is left out, the shipped text drawn",
	       rc == 0 && t && !strcmp(t, "Velkommen"), t ? t : err.msg);
	ank_preview_result_free(&r);

	/* A step that fails: an error with the kiosk's words. */
	rc = run("tap-id welcome.nowhere\n", NULL, ANK_PREVIEW_PORTRAIT_W, ANK_PREVIEW_PORTRAIT_H,
	         0, dir, sizeof dir, &r, &err, kiosk);
	expect("a failing step is an error naming it", rc < 0 && strstr(err.msg, "welcome.nowhere"),
	       err.msg);
	ank_preview_result_free(&r);

	/* A kiosk that does not end in time is stopped. */
	snprintf(path, sizeof path, "await-gone %s/assets\n", source);
	rc = run(path, NULL, ANK_PREVIEW_PORTRAIT_W, ANK_PREVIEW_PORTRAIT_H, 1500, dir, sizeof dir,
	         &r, &err, kiosk);
	expect("a kiosk over the time limit is stopped",
	       rc < 0 && r.exit_status == -1 && strstr(err.msg, "did not finish"), err.msg);
	ank_preview_result_free(&r);

	/* No such program. */
	rc = run("dump\n", NULL, ANK_PREVIEW_PORTRAIT_W, ANK_PREVIEW_PORTRAIT_H, 0, dir, sizeof dir,
	         &r, &err, "/nonexistent/ankomst-kiosk");
	expect("a missing kiosk program is an error", rc < 0 && strstr(err.msg, "cannot run"),
	       err.msg);
	ank_preview_result_free(&r);

	/* The program path: a configured one wins. */
	char bin[512];
	ank_preview_kiosk_path("/opt/x/ankomst-kiosk", bin, sizeof bin);
	expect("a configured kiosk program is used", !strcmp(bin, "/opt/x/ankomst-kiosk"), bin);
	remove_dir(dir, 1);
	return failed ? 1 : 0;
}
