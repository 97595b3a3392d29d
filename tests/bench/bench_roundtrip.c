/* Round-trip benchmark: a staff command posted at central, applied by a paired kiosk and
 * reported back as an event, timed from the POST until central shows it applied.
 * Usage: bench_roundtrip URL ADMIN PASSWORD SITE STATION N */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct answer {
	char text[8192];
	size_t len;
} answer;

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
	answer *a = ctx;
	size_t k = size * n;
	if (a->len + k >= sizeof a->text)
		return 0;
	memcpy(a->text + a->len, data, k);
	a->len += k;
	a->text[a->len] = '\0';
	return k;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static CURL *c;
static char csrf_header[200];

/* One request on the shared handle (keep-alive, cookie engine on); body NULL = GET. */
static long request(const char *url, const char *body, answer *a)
{
	a->len = 0;
	a->text[0] = '\0';
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	if (csrf_header[0])
		h = curl_slist_append(h, csrf_header);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	else
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return status;
}

/* The value of "key":"..." or "key":123 in a flat JSON answer, into out. */
static int field(const char *json, const char *key, char *out, size_t n)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(json, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (*p == '"')
		p++;
	size_t k = strcspn(p, "\",}");
	if (k >= n)
		return -1;
	memcpy(out, p, k);
	out[k] = '\0';
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: bench_roundtrip URL ADMIN PASSWORD SITE STATION N\n");
		return 2;
	}
	const char *base = argv[1], *site = argv[4], *station = argv[5];
	int n = (int)strtol(argv[6], NULL, 10);
	if (n < 1 || n > 100000)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	answer a;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	char url[512], body[512], csrf[128];
	snprintf(url, sizeof url, "%s/api/v1/login", base);
	snprintf(body, sizeof body, "{\"v\":1,\"user\":\"%s\",\"password\":\"%s\"}", argv[2],
	         argv[3]);
	if (request(url, body, &a) != 200 || field(a.text, "csrf", csrf, sizeof csrf)) {
		fprintf(stderr, "bench_roundtrip: login failed: %s\n", a.text);
		return 1;
	}
	snprintf(csrf_header, sizeof csrf_header, "X-CSRF-Token: %s", csrf);
	double *t = calloc((size_t)n, sizeof *t);
	long polls = 0;
	for (int i = 0; i < n; i++) {
		/* Close and open the same station in turn: each is a real change at the kiosk. */
		snprintf(url, sizeof url, "%s/api/v1/sites/%s/commands", base, site);
		snprintf(body, sizeof body, "{\"v\":1,\"type\":\"%s\",\"station\":\"%s\"}",
		         i % 2 ? "open_station" : "close_station", station);
		double t0 = now_ms();
		char id[32];
		if (request(url, body, &a) != 202 || field(a.text, "command", id, sizeof id)) {
			fprintf(stderr, "bench_roundtrip: post failed: %s\n", a.text);
			return 1;
		}
		snprintf(url, sizeof url, "%s/api/v1/sites/%s/commands/%s", base, site, id);
		char state[32] = "";
		while (now_ms() - t0 < 30000) {
			polls++;
			if (request(url, NULL, &a) == 200 &&
			    !field(a.text, "state", state, sizeof state) &&
			    strcmp(state, "sent") != 0)
				break;
			struct timespec ms = {0, 1000000}; /* poll every millisecond */
			nanosleep(&ms, NULL);
		}
		if (strcmp(state, "applied") != 0) {
			fprintf(stderr, "bench_roundtrip: command %s ended %s: %s\n", id, state,
			        a.text);
			return 1;
		}
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += t[i];
	printf("bench: roundtrip_ms n=%d p50=%.1f p95=%.1f p99=%.1f max=%.1f mean=%.1f polls=%ld\n",
	       n, t[n / 2], t[(int)(n * 0.95)], t[(int)(n * 0.99)], t[n - 1], sum / n, polls);
	free(t);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return 0;
}
