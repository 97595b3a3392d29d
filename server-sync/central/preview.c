/* The preview runner (preview.h): writes the content and the walk into a work directory, runs
 * ankomst-kiosk --headless there through posix_spawn (no shell: the arguments are an array),
 * waits at most the time limit, and reads back the shots, findings and dumps. */
#include "preview.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ank_buf.h"
#include "ank_time.h"

extern char **environ;

/* How often the runner looks whether the kiosk has ended. */
#define POLL_MS 10
/* The kiosk's last words kept in an error. */
#define TAIL_BYTES 300
#define PATH_BYTES 4096

void ank_preview_kiosk_path(const char *configured, char *out, size_t n)
{
	if (configured && configured[0]) {
		snprintf(out, n, "%s", configured);
		return;
	}
	char exe[PATH_BYTES];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, n, "%s/ankomst-kiosk", exe);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, n, "ankomst-kiosk");
}

/* A whole file of at most `max` bytes as a NUL-terminated string the caller frees. */
static char *read_file(const char *path, long max, ank_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		ank_err_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc((size_t)max + 1);
	size_t got = buf ? fread(buf, 1, (size_t)max + 1, f) : 0;
	bool broken = ferror(f) != 0;
	fclose(f);
	if (!buf || broken || got > (size_t)max) {
		ank_err_set(err, "%s: %s", path,
		            !buf     ? "out of memory"
		            : broken ? "cannot read"
		                     : "too large");
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	return buf;
}

char *ank_preview_walk_load(const char *path, const char *lang, ank_err *err)
{
	char *text = read_file(path, ANK_PREVIEW_SCRIPT_MAX, err);
	if (!text)
		return NULL;
	ank_buf b;
	ank_buf_init(&b, ANK_PREVIEW_SCRIPT_MAX * 2);
	const char *p = text;
	int bad = 0;
	for (const char *hit = strstr(p, "LANG"); hit; hit = strstr(p, "LANG")) {
		bad |= ank_buf_append(&b, p, (size_t)(hit - p));
		bad |= ank_buf_puts(&b, lang);
		p = hit + 4;
	}
	bad |= ank_buf_puts(&b, p);
	free(text);
	char *out = bad ? NULL : strdup(ank_buf_str(&b));
	ank_buf_free(&b);
	if (!out)
		ank_err_set(err, "%s: the walk is too large", path);
	return out;
}

static int write_file(const char *path, const char *text, ank_err *err)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return ank_err_set(err, "%s: %s", path, strerror(errno));
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	if (fclose(f) != 0)
		ok = false;
	return ok ? 0 : ank_err_set(err, "%s: cannot write", path);
}

static int make_dir(const char *path, ank_err *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return ank_err_set(err, "%s: %s", path, strerror(errno));
	return 0;
}

/* <work>/texts/<lang>.json for each language of o->texts, in the override format. */
static int write_texts(const ank_preview_opts *o, const char *dir, ank_err *err)
{
	if (make_dir(dir, err))
		return -1;
	const char *lang;
	json_t *m;
	json_object_foreach(o->texts, lang, m)
	{
		char path[PATH_BYTES];
		snprintf(path, sizeof path, "%s/%s.json", dir, lang);
		json_t *f = json_pack("{s:s, s:O}", "language", lang, "messages", m);
		char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
		json_decref(f);
		int rc = text ? write_file(path, text, err) : ank_err_set(err, "out of memory");
		free(text);
		if (rc)
			return -1;
	}
	return 0;
}

/* Waits for pid at most timeout_ms; its exit status, or -1 after it was killed for time. */
static int wait_limited(pid_t pid, int timeout_ms)
{
	int64_t end = ank_mono_ns() / 1000000 + timeout_ms;
	for (;;) {
		int status = 0;
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (got < 0 && errno != EINTR)
			return 127;
		if (ank_mono_ns() / 1000000 >= end) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		struct timespec ts = {0, POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* The findings and dumps among the kiosk's output lines (one JSON object each; other lines
 * are not ours to read). */
static void read_output(const char *path, ank_preview_result *r)
{
	ank_err e;
	char *text = read_file(path, ANK_PREVIEW_OUTPUT_MAX, &e);
	if (!text)
		return;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		json_error_t je;
		json_t *j = line[0] == '{' ? json_loads(line, 0, &je) : NULL;
		json_t *finding = json_object_get(j, "layout");
		if (json_is_object(finding))
			json_array_append(r->findings, finding);
		else if (json_is_array(json_object_get(j, "widgets")))
			json_array_append(r->dumps, j);
		json_decref(j);
		line = nl ? nl + 1 : NULL;
	}
	free(text);
}

/* The names of the walk's shots that were written, in order. */
static void list_shots(const char *script, const char *shots_dir, json_t *out)
{
	for (const char *p = script; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 5 && len < 70 && !strncmp(p, "shot ", 5)) {
			char name[72], path[PATH_BYTES];
			snprintf(name, sizeof name, "%.*s", (int)(len - 5), p + 5);
			snprintf(path, sizeof path, "%s/%s.png", shots_dir, name);
			if (access(path, R_OK) == 0)
				json_array_append_new(out, json_string(name));
		}
		p = nl ? nl + 1 : NULL;
	}
}

/* The end of the kiosk's stderr, for an error: the step that failed is said last. */
static void tail_of(const char *path, char *out, size_t n)
{
	ank_err e;
	out[0] = '\0';
	char *text = read_file(path, ANK_PREVIEW_OUTPUT_MAX, &e);
	if (!text)
		return;
	size_t len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	const char *start = len > TAIL_BYTES ? text + len - TAIL_BYTES : text;
	snprintf(out, n, "%s", start);
	free(text);
}

int ank_preview_run(const ank_preview_opts *o, ank_preview_result *r, ank_err *err)
{
	*r = (ank_preview_result){.shots = json_array(),
	                          .findings = json_array(),
	                          .dumps = json_array(),
	                          .exit_status = 127};
	if (!r->shots || !r->findings || !r->dumps)
		return ank_err_set(err, "out of memory");
	char script[PATH_BYTES], shots[PATH_BYTES], texts[PATH_BYTES], db[PATH_BYTES];
	char out[PATH_BYTES], errs[PATH_BYTES], size[24];
	snprintf(script, sizeof script, "%s/walk.txt", o->work_dir);
	snprintf(shots, sizeof shots, "%s/shots", o->work_dir);
	snprintf(texts, sizeof texts, "%s/texts", o->work_dir);
	snprintf(db, sizeof db, "%s/site.db", o->work_dir);
	snprintf(out, sizeof out, "%s/out.txt", o->work_dir);
	snprintf(errs, sizeof errs, "%s/err.txt", o->work_dir);
	snprintf(size, sizeof size, "%dx%d", o->w, o->h);
	if (write_file(script, o->script, err) || make_dir(shots, err) ||
	    (o->texts && write_texts(o, texts, err)))
		return -1;
	/* The kiosk's own database is a fresh file in the work directory: a preview never
	 * touches a real site's. */
	const char *argv[32];
	int n = 0;
	argv[n++] = o->kiosk_bin;
	argv[n++] = "--data";
	argv[n++] = o->data_dir;
	argv[n++] = "--headless";
	argv[n++] = "--script";
	argv[n++] = script;
	argv[n++] = "--shots";
	argv[n++] = shots;
	argv[n++] = "--now";
	argv[n++] = o->now;
	argv[n++] = "--size";
	argv[n++] = size;
	argv[n++] = "--db";
	argv[n++] = db;
	if (o->texts) {
		argv[n++] = "--texts";
		argv[n++] = texts;
	}
	for (int i = 0; i < ANK_PREVIEW_MAX_ARGS && o->extra_args[i]; i++)
		argv[n++] = o->extra_args[i];
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, errs, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	/* posix_spawnp: a bare name (no configured path, none beside central) is looked up in
	 * the PATH; a path is used as it is. */
	int rc = posix_spawnp(&pid, o->kiosk_bin, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return ank_err_set(err, "cannot run %s: %s", o->kiosk_bin, strerror(rc));
	r->exit_status =
	        wait_limited(pid, o->timeout_ms > 0 ? o->timeout_ms : ANK_PREVIEW_TIMEOUT_MS);
	read_output(out, r);
	list_shots(o->script, shots, r->shots);
	if (r->exit_status == 0)
		return 0;
	char tail[TAIL_BYTES + 1];
	tail_of(errs, tail, sizeof tail);
	if (r->exit_status < 0)
		return ank_err_set(err, "the kiosk did not finish within %d ms",
		                   o->timeout_ms > 0 ? o->timeout_ms : ANK_PREVIEW_TIMEOUT_MS);
	return ank_err_set(err, "the kiosk ended with status %d: %s", r->exit_status, tail);
}

void ank_preview_result_free(ank_preview_result *r)
{
	json_decref(r->shots);
	json_decref(r->findings);
	json_decref(r->dumps);
	*r = (ank_preview_result){0};
}
