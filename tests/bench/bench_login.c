/* Login-flood benchmark: a staff member's real logins timed alone, then while flood clients send
 * logins with ever new random names and a wrong password as fast as central answers, from one
 * loopback address or each from its own: n logins from the flood's start, then n more.
 * Usage:
 * bench_login URL USER PASSWORD N FLOOD_CLIENTS one|each
 * (staff from 127.0.0.1; flood from 127.0.0.2, or client i from 127.0.0.(10+i)). */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Flood clients at most: each is a thread with its own keep-alive connection. */
#define FLOOD_MAX 64
/* Staff logins at most per phase. */
#define N_MAX 10000

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
	(void)data;
	(void)ctx;
	return size * n; /* answers are only counted by status */
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *base;
static atomic_bool stop;
static atomic_long flood_sent, flood_401, flood_429, flood_other;

/* A handle bound to local address `from` (libcurl's "host!" form), keep-alive. */
static CURL *handle(const char *from, char iface[64])
{
	CURL *c = curl_easy_init();
	snprintf(iface, 64, "host!%s", from);
	curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	return c;
}

/* One login POST on c; returns the status (0: no answer). */
static long login(CURL *c, const char *user, const char *password)
{
	char url[512], body[512];
	snprintf(url, sizeof url, "%s/api/v1/login", base);
	snprintf(body, sizeof body, "{\"v\":1,\"user\":\"%s\",\"password\":\"%s\"}", user,
	         password);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return status;
}

typedef struct flood_client {
	pthread_t th;
	char from[32];
	unsigned seed;
} flood_client;

static void *flood_run(void *arg)
{
	flood_client *f = arg;
	char iface[64];
	CURL *c = handle(f->from, iface);
	while (!atomic_load(&stop)) {
		char name[40];
		snprintf(name, sizeof name, "guess-%08x%08x", (unsigned)rand_r(&f->seed),
		         (unsigned)rand_r(&f->seed));
		long st = login(c, name, "not the password at all");
		atomic_fetch_add(&flood_sent, 1);
		if (st == 401)
			atomic_fetch_add(&flood_401, 1);
		else if (st == 429)
			atomic_fetch_add(&flood_429, 1);
		else
			atomic_fetch_add(&flood_other, 1);
	}
	curl_easy_cleanup(c);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* n staff logins one after another from 127.0.0.1; prints their times. 0, or -1 when one
 * did not succeed. */
static int staff_logins(const char *phase, const char *user, const char *password, int n)
{
	char iface[64];
	CURL *c = handle("127.0.0.1", iface);
	double *t = calloc((size_t)n, sizeof *t);
	int bad = 0;
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		long st = login(c, user, password);
		t[i] = now_ms() - t0;
		if (st != 200) {
			fprintf(stderr, "bench_login: %s: staff login %d answered %ld\n", phase, i,
			        st);
			bad = 1;
		}
	}
	curl_easy_cleanup(c);
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("%-12s staff logins %d: p50 %.0f ms, p95 %.0f ms, max %.0f ms\n", phase, n, t[n / 2],
	       t[(int)((n - 1) * 0.95 + 0.5)], t[n - 1]);
	free(t);
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: bench_login URL USER PASSWORD N FLOOD_CLIENTS one|each\n");
		return 2;
	}
	base = argv[1];
	int n = (int)strtol(argv[4], NULL, 10), clients = (int)strtol(argv[5], NULL, 10);
	bool each = !strcmp(argv[6], "each");
	if (n < 1 || n > N_MAX || clients < 1 || clients > FLOOD_MAX ||
	    (!each && strcmp(argv[6], "one") != 0))
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = staff_logins("alone", argv[2], argv[3], n);
	flood_client f[FLOOD_MAX];
	double t0 = now_ms();
	for (int i = 0; i < clients; i++) {
		snprintf(f[i].from, sizeof f[i].from, "127.0.0.%d", each ? 10 + i : 2);
		f[i].seed = (unsigned)(i * 2654435761u) ^ (unsigned)time(NULL);
		pthread_create(&f[i].th, NULL, flood_run, &f[i]);
	}
	/* The first n from the flood's start, while the free failures are being checked; the
	 * next n once they are spent. */
	char phase[32];
	snprintf(phase, sizeof phase, "flood(%s)", each ? "each" : "one");
	rc |= staff_logins(phase, argv[2], argv[3], n);
	double t1 = now_ms();
	snprintf(phase, sizeof phase, "then(%s)", each ? "each" : "one");
	rc |= staff_logins(phase, argv[2], argv[3], n);
	printf("%-12s the first %d took %.1f s\n", phase, n, (t1 - t0) / 1000);
	atomic_store(&stop, true);
	for (int i = 0; i < clients; i++)
		pthread_join(f[i].th, NULL);
	double s = (now_ms() - t0) / 1000;
	printf("%-12s %d clients, %.1f s: %ld attempts (%.0f/s): %ld refused after a check "
	       "(401), %ld told to wait (429), %ld other\n",
	       phase, clients, s, atomic_load(&flood_sent), (double)atomic_load(&flood_sent) / s,
	       atomic_load(&flood_401), atomic_load(&flood_429), atomic_load(&flood_other));
	curl_global_cleanup();
	return rc ? 1 : 0;
}
