/* The helpers of the benchmark drivers and the flood test (benchlib.h): one copy for
 * bench_central, bench_report, ank_flood and flood_test. */
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
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
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

long raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die("setrlimit: %s", strerror(errno));
	}
	return rl.rlim_cur == RLIM_INFINITY ? 1L << 30 : (long)rl.rlim_cur;
}

/* ---- HTTP client ---- */

int http_open(http *h, const char *from, int port, int timeout_ms)
{
	memset(h, 0, sizeof *h);
	h->fd = -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	/* Each request leaves in one write; without this, Nagle's algorithm can hold a
	 * keep-alive request back until the previous answer's delayed ACK. */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (from) {
		struct sockaddr_in src = {.sin_family = AF_INET};
		if (inet_pton(AF_INET, from, &src.sin_addr) != 1)
			die("%s is not an IPv4 address", from);
		/* The port is then picked at connect, per destination, so thousands of
		 * connections from one source address do not run out of ports at bind. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&src, sizeof src)) {
			int e = errno;
			close(fd);
			return e;
		}
	}
	/* A blocking connect gives up after SO_SNDTIMEO (EINPROGRESS), which is then reset so
	 * that later sends block as http_send expects. */
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	if (timeout_ms > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
		int e = errno == EINPROGRESS ? ETIMEDOUT : errno;
		close(fd);
		return e;
	}
	tv = (struct timeval){0, 0};
	if (timeout_ms > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	h->fd = fd;
	/* bench_report's 8 KiB rather than bench_central's 4 KiB: http_read_some doubles a
	 * buffer with less than 4 KiB free, so 4 KiB grew on the very first read. */
	h->cap = 8192;
	h->buf = xmalloc(h->cap);
	return 0;
}

void http_connect_from(http *h, const char *from, int port)
{
	int e = http_open(h, from, port, 0);
	if (e)
		die("connect to port %d from %s: %s", port, from ? from : "loopback", strerror(e));
}

void http_connect(http *h, int port)
{
	http_connect_from(h, NULL, port);
}

/* Room for at least 4 KiB more in h's buffer, keeping one byte for the NUL. */
static void http_room(http *h)
{
	if (h->cap - h->len < 4096) {
		h->cap *= 2;
		h->buf = realloc(h->buf, h->cap);
		if (!h->buf)
			die("out of memory");
	}
}

/* Milliseconds left until deadline (monotonic ns), at least 0. */
static int ms_left(long long deadline)
{
	long long left = (deadline - now_ns()) / 1000000;
	return left < 0 ? 0 : left > 1000000 ? 1000000 : (int)left;
}

int http_try(http *h, const char *req, size_t len, int timeout_ms)
{
	long long deadline = now_ns() + (long long)timeout_ms * 1000000LL;
	struct pollfd p = {.fd = h->fd};
	while (len > 0) {
		p.events = POLLOUT;
		int r = poll(&p, 1, ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return ETIMEDOUT;
		/* MSG_NOSIGNAL: a closed connection is EPIPE here, not SIGPIPE. */
		ssize_t k = send(h->fd, req, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k < 0)
			return errno;
		req += k;
		len -= (size_t)k;
	}
	while (!http_parse(h)) {
		p.events = POLLIN;
		int r = poll(&p, 1, ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return ETIMEDOUT;
		http_room(h);
		ssize_t k = recv(h->fd, h->buf + h->len, h->cap - h->len - 1, MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k < 0)
			return errno;
		if (k == 0)
			return EPIPE;
		h->len += (size_t)k;
		h->buf[h->len] = '\0';
	}
	return 0;
}

bool http_stale(const http *h)
{
	struct pollfd p = {.fd = h->fd, .events = POLLIN};
	return h->fd < 0 || h->len > 0 || poll(&p, 1, 0) != 0;
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
	http_room(h);
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

int http_pair(http *h, const char *code, kiosk *k)
{
	char body[160];
	snprintf(body, sizeof body, "{\"v\":1,\"code\":\"%s\"}", code);
	size_t len;
	char *req = request(&len, "POST", "/api/v1/pair", "", body);
	http_send(h, req, len);
	free(req);
	http_recv(h);
	json_t *j = http_json(h);
	const char *id = NULL, *token = NULL;
	int rc = h->status;
	if (h->status == 200 && !json_unpack(j, "{s:s, s:s}", "kiosk", &id, "token", &token)) {
		snprintf(k->id, sizeof k->id, "%s", id);
		snprintf(k->token, sizeof k->token, "%s", token);
		rc = 0;
	}
	json_decref(j);
	http_consume(h);
	return rc;
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

long long ev_t_start(void)
{
	static long long start;
	if (!start)
		start = (wall_ms() / 86400000 - EV_BACK_DAYS) * 86400000 + 11LL * 3600 * 1000;
	return start;
}

/* ---- the kiosk's event stream ---- */

#define EV_SEED            0x416e6b6f6d7374ULL /* "Ankomst" */
#define EV_TICKETS_PER_DAY 400
#define EV_VISIT_LAG       3 /* tickets between one step of a visit and the next */

static const char *const ev_substances[] = {"heroin",          "cocaine",   "crack",  "amphetamine",
                                            "methamphetamine", "methadone", "opioid", "ketamine",
                                            "benzodiazepine",  "speedball"};

/* Derived from seq only, so that bench_central's baseline inserts the very text central
 * stores, and a resent event is identical. */
void ev_make(long long seq, ev_stream st, ev_row *r)
{
	static const char *const types[] = {"ticket.issued", "ticket.called", "session.started",
	                                    "session.ended"};
	static const char *const states[] = {"waiting", "called", "in_session", "done"};
	long long i = seq - 1;
	int step = st == EV_STREAM_VISIT ? (int)(i % 4) : 0;
	long long ticket = st == EV_STREAM_VISIT ? i / 4 + 1 + EV_VISIT_LAG * (3 - step) : seq;
	uint64_t a = mix(EV_SEED ^ (uint64_t)seq), b = mix(a);
	/* Everything about the ticket comes from its id, so its four events agree. */
	uint64_t c = mix(EV_SEED ^ ~(uint64_t)ticket), d = mix(c), u = mix(d);
	r->seq = seq;
	r->type = types[step];
	r->at_ms = EV_T_START + seq * 20000; /* an event every 20 s */
	snprintf(r->id, sizeof r->id, "%016llx%016llx", (unsigned long long)a,
	         (unsigned long long)b);
	/* A new service day every EV_TICKETS_PER_DAY tickets, the label counting from 1 again. */
	time_t day_s = (time_t)(EV_T_START / 1000 + (ticket - 1) / EV_TICKETS_PER_DAY * 86400);
	struct tm tm;
	char day[16];
	gmtime_r(&day_s, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	int number = (int)((ticket - 1) % EV_TICKETS_PER_DAY) + 1;
	bool inject = c % 3 != 0;
	char duration[32] = "", helper[48] = "", station[24] = "";
	if (step == 3)
		snprintf(duration, sizeof duration, "\"duration_s\":%d,", 600 + (int)(d % 1800));
	if (inject && d % 5 == 0) /* assisted injections name a helper */
		snprintf(helper, sizeof helper, "\"helper\":\"u-%016llx\",", (unsigned long long)u);
	if (step > 0)
		snprintf(station, sizeof station, "\"station\":\"%d\",", (int)(d % 4) + 1);
	snprintf(r->payload, sizeof r->payload,
	         "{\"day\":\"%s\",%s%s\"label\":\"%s-%03d\",\"route\":\"%s\",\"state\":\"%s\",%s"
	         "\"substance\":\"%s\",\"ticket\":%lld,\"user\":\"u-%016llx\"}",
	         day, duration, helper, inject ? "I" : "R", number, inject ? "inject" : "smoke",
	         states[step], station,
	         ev_substances[c % (sizeof ev_substances / sizeof ev_substances[0])], ticket,
	         (unsigned long long)mix(u));
}

char *ev_batch_body(const char *kiosk_id, const ev_row *r, int n)
{
	/* 512 a row: the envelope's fixed text, a 32-hex id and a payload of < 320 bytes. */
	size_t cap = 512 + (size_t)n * 512;
	char *body = xmalloc(cap);
	size_t len =
	        (size_t)snprintf(body, cap, "{\"v\":1,\"kiosk\":\"%s\",\"events\":[", kiosk_id);
	for (int i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(body + len, cap - len,
		                        "%s{\"seq\":%lld,\"id\":\"%s\",\"type\":\"%s\","
		                        "\"at\":%lld,\"payload\":%s}",
		                        i ? "," : "", r[i].seq, r[i].id, r[i].type, r[i].at_ms,
		                        r[i].payload);
	if (len < cap)
		len += (size_t)snprintf(body + len, cap - len, "]}");
	if (len >= cap)
		die("batch body too long");
	return body;
}
