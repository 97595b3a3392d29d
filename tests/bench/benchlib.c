/* The helpers of the benchmark drivers (benchlib.h): one copy for bench_central and bench_report.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "benchlib.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- small helpers ---- */

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(bench_prog, stderr);
	fputs(": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long parse_ll(const char *s, long long min, long long max, const char *what)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("%s: expected a number in %lld..%lld, got \"%s\"", what, min, max, s);
	return v;
}

int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

long long pct(const long long *sorted, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)((double)n * p / 100.0 + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return sorted[i - 1];
}

uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- HTTP client ---- */

void http_connect(http *h, int port)
{
	memset(h, 0, sizeof *h);
	h->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (h->fd < 0)
		die("socket: %s", strerror(errno));
	/* Each request leaves in one write; without this, Nagle's algorithm can hold a
	 * keep-alive request back until the previous answer's delayed ACK. */
	int one = 1;
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(h->fd, (struct sockaddr *)&a, sizeof a))
		die("connect to port %d: %s", port, strerror(errno));
	/* bench_report's 8 KiB rather than bench_central's 4 KiB: http_read_some doubles a
	 * buffer with less than 4 KiB free, so 4 KiB grew on the very first read. */
	h->cap = 8192;
	h->buf = xmalloc(h->cap);
}

void http_close(http *h)
{
	if (h->fd >= 0)
		close(h->fd);
	free(h->buf);
	memset(h, 0, sizeof *h);
	h->fd = -1;
}

void http_send(http *h, const char *data, size_t n)
{
	while (n > 0) {
		/* MSG_NOSIGNAL: a server that went away is a message from die, not SIGPIPE. */
		ssize_t k = send(h->fd, data, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die("send: %s", strerror(errno));
		data += k;
		n -= (size_t)k;
	}
}

size_t http_read_some(http *h)
{
	if (h->cap - h->len < 4096) {
		h->cap *= 2;
		h->buf = realloc(h->buf, h->cap);
		if (!h->buf)
			die("out of memory");
	}
	ssize_t k;
	do
		k = recv(h->fd, h->buf + h->len, h->cap - h->len - 1, 0);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		die("recv: %s", strerror(errno));
	h->len += (size_t)k;
	h->buf[h->len] = '\0'; /* the room of the -1 above: die messages print the buffer */
	return (size_t)k;
}

const char *http_header(const http *h, const char *name, size_t *n)
{
	size_t nl = strlen(name);
	const char *p = h->buf, *end = h->buf + h->head_len;
	while (p < end) {
		const char *eol = p;
		while (eol + 1 < end && !(eol[0] == '\r' && eol[1] == '\n'))
			eol++;
		if ((size_t)(eol - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
			const char *v = p + nl + 1;
			while (v < eol && *v == ' ')
				v++;
			*n = (size_t)(eol - v);
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

int http_parse(http *h)
{
	const char *p = h->buf;
	size_t head = 0;
	for (size_t i = 0; i + 3 < h->len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
			head = i + 4;
			break;
		}
	if (!head)
		return 0;
	if (h->len < 12 || strncmp(p, "HTTP/1.", 7) != 0)
		die("not an HTTP answer: %.40s", p);
	h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	h->head_len = head;
	size_t n;
	if (http_header(h, "Transfer-Encoding", &n))
		die("chunked answers are not expected from this server");
	const char *cl = http_header(h, "Content-Length", &n);
	char num[24];
	if (!cl || n == 0 || n >= sizeof num)
		die("an answer without Content-Length");
	memcpy(num, cl, n);
	num[n] = '\0';
	h->body_len = (size_t)parse_ll(num, 0, 1LL << 40, "Content-Length");
	return h->len >= h->head_len + h->body_len;
}

void http_recv(http *h)
{
	while (!http_parse(h))
		if (!http_read_some(h))
			die("the server closed the connection");
}

void http_consume(http *h)
{
	size_t used = h->head_len + h->body_len;
	memmove(h->buf, h->buf + used, h->len - used);
	h->len -= used;
	h->head_len = h->body_len = 0;
	h->status = 0;
}

json_t *http_json(const http *h)
{
	json_error_t je;
	json_t *j = json_loadb(h->buf + h->head_len, h->body_len, 0, &je);
	if (!j)
		die("answer %d is not JSON: %.200s", h->status, h->buf + h->head_len);
	return j;
}

char *request(size_t *len, const char *method, const char *path, const char *headers,
              const char *body)
{
	size_t blen = body ? strlen(body) : 0;
	/* 160: the fixed text (request line's spaces, Host, Content-Type, Content-Length). */
	size_t cap = strlen(method) + strlen(path) + strlen(headers) + blen + 160;
	char *r = xmalloc(cap);
	int n = snprintf(r, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s", method, path, headers);
	if (body)
		n += snprintf(r + n, cap - (size_t)n,
		              "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		              blen, body);
	else
		n += snprintf(r + n, cap - (size_t)n, "\r\n");
	if (n < 0 || (size_t)n >= cap)
		die("request too long");
	*len = (size_t)n;
	return r;
}

char *staff_login(http *h, const char *login)
{
	const char *colon = strchr(login, ':');
	if (!colon)
		die("--login wants USER:PASSWORD");
	json_t *body = json_pack("{s:i, s:s%, s:s}", "v", 1, "user", login, (size_t)(colon - login),
	                         "password", colon + 1);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	size_t len;
	char *req = request(&len, "POST", "/api/v1/login", "", text);
	free(text);
	http_send(h, req, len);
	free(req);
	http_recv(h);
	if (h->status != 200)
		die("login answered %d: %.200s", h->status, h->buf + h->head_len);
	size_t cn;
	const char *cookie = http_header(h, "Set-Cookie", &cn);
	json_t *j = http_json(h);
	const char *csrf = NULL;
	if (!cookie || json_unpack(j, "{s:s}", "csrf", &csrf))
		die("login gave no session cookie or csrf");
	/* Only the cookie's name=value: its attributes are not sent back. */
	size_t keep = strcspn(cookie, ";\r");
	if (keep > cn)
		keep = cn;
	size_t cap = keep + strlen(csrf) + 64;
	char *hdr = xmalloc(cap);
	snprintf(hdr, cap, "Cookie: %.*s\r\nX-CSRF-Token: %s\r\n", (int)keep, cookie, csrf);
	json_decref(j);
	http_consume(h);
	return hdr;
}

/* ---- kiosks files ---- */

/* The two copies differed: bench_central's wanted every line to end in '\n' and took a CR
 * into the token; bench_report's stripped "\r\n" (a last line without one is fine) but split
 * a line longer than the buffer into two. This one strips, as bench_report's, and dies on an
 * overlong line. */
kiosk *read_kiosks(const char *path, bool with_site, size_t *n)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		die("cannot read %s", path);
	size_t cap = 16;
	kiosk *k = xmalloc(cap * sizeof *k);
	char line[256];
	*n = 0;
	while (fgets(line, sizeof line, fp)) {
		/* A line that fills the buffer is longer than any good one (fields 64, 64, 96). */
		size_t ll = strlen(line);
		if (ll == sizeof line - 1 && line[ll - 1] != '\n')
			die("%s: line too long \"%.40s...\"", path, line);
		line[strcspn(line, "\r\n")] = '\0';
		/* site (when present), then id, split at single spaces; the token is the rest. */
		char *site_end = with_site ? strchr(line, ' ') : NULL;
		char *id = with_site ? (site_end ? site_end + 1 : NULL) : line;
		char *id_end = id ? strchr(id, ' ') : NULL;
		if ((with_site && (!site_end || site_end - line >= 64)) || !id_end ||
		    id_end - id >= 64 || strlen(id_end + 1) >= 96)
			die("%s: bad line \"%s\"", path, line);
		if (*n == cap) {
			k = realloc(k, (cap *= 2) * sizeof *k);
			if (!k)
				die("out of memory");
		}
		kiosk *e = &k[*n];
		snprintf(e->site, sizeof e->site, "%.*s", with_site ? (int)(site_end - line) : 0,
		         line);
		snprintf(e->id, sizeof e->id, "%.*s", (int)(id_end - id), id);
		snprintf(e->token, sizeof e->token, "%s", id_end + 1);
		(*n)++;
	}
	fclose(fp);
	return k;
}
