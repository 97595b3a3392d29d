/* Preloaded frame probe for bench_ui.sh: timestamps SDL frames and markers and reports the peak
 * RSS, without changing the program measured. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct SDL_Renderer SDL_Renderer;
typedef struct SDL_Surface SDL_Surface;

#define MAX_EVENTS  (1 << 18)
#define MAX_MARKERS 1024

static long long ev_t[MAX_EVENTS];
static char ev_kind[MAX_EVENTS];
static int n_ev;
static char marker[MAX_MARKERS][40];
static int n_markers;
static int first_done;

/* Wall time, so that the shell's $EPOCHREALTIME (taken just before exec) compares. */
static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The first present or marker goes out at once: the shell polls for it (cold start). */
static void first_frame(long long t)
{
	const char *path = getenv("ANK_PROBE_FIRST");
	if (first_done || !path)
		return;
	first_done = 1;
	char line[32];
	int n = snprintf(line, sizeof line, "%lld\n", t);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) < 0)
			perror("frame_probe");
		close(fd);
	}
}

/* With ANK_PROBE_EACH set, every present is also appended to that file at once, for a test
 * that waits for the n-th frame while the program runs. */
static void each_present(long long t)
{
	const char *path = getenv("ANK_PROBE_EACH");
	if (!path)
		return;
	char line[32];
	int n = snprintf(line, sizeof line, "%lld\n", t);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) < 0)
			perror("frame_probe");
		close(fd);
	}
}

static void add(char kind, long long t)
{
	if (n_ev < MAX_EVENTS) {
		ev_t[n_ev] = t;
		ev_kind[n_ev++] = kind;
	}
}

int SDL_RenderClear(SDL_Renderer *r)
{
	static int (*real)(SDL_Renderer *);
	if (!real)
		real = (int (*)(SDL_Renderer *))dlsym(RTLD_NEXT, "SDL_RenderClear");
	add('C', now_ns());
	return real(r);
}

void SDL_RenderPresent(SDL_Renderer *r)
{
	static void (*real)(SDL_Renderer *);
	if (!real)
		real = (void (*)(SDL_Renderer *))dlsym(RTLD_NEXT, "SDL_RenderPresent");
	real(r);
	long long t = now_ns();
	add('P', t);
	first_frame(t);
	each_present(t);
}

int IMG_SavePNG(SDL_Surface *s, const char *file)
{
	(void)s;
	long long t = now_ns();
	first_frame(t);
	if (n_markers < MAX_MARKERS && n_ev < MAX_EVENTS) {
		const char *b = strrchr(file, '/');
		b = b ? b + 1 : file;
		size_t len = strlen(b);
		if (len > 4 && !strcmp(b + len - 4, ".png"))
			len -= 4;
		snprintf(marker[n_markers++], sizeof marker[0], "%.*s", (int)len, b);
		add('M', t);
	}
	return 0;
}

__attribute__((destructor)) static void dump(void)
{
	const char *path = getenv("ANK_PROBE_OUT");
	FILE *fp = path ? fopen(path, "w") : NULL;
	if (!fp)
		return;
	long hwm = -1;
	char line[256];
	FILE *st = fopen("/proc/self/status", "r");
	while (st && fgets(line, sizeof line, st))
		if (!strncmp(line, "VmHWM:", 6))
			hwm = strtol(line + 6, NULL, 10);
	if (st)
		fclose(st);
	fprintf(fp, "hwm_kb %ld\n", hwm);
	for (int i = 0, m = 0; i < n_ev; i++)
		if (ev_kind[i] == 'M')
			fprintf(fp, "M %lld %s\n", ev_t[i], marker[m++]);
		else
			fprintf(fp, "%c %lld\n", ev_kind[i], ev_t[i]);
	fclose(fp);
}
