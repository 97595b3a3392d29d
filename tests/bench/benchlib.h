/* The helpers bench_central.c and bench_report.c share: dying with a message, clocks, numbers,
 * a minimal HTTP/1.1 keep-alive client for central on loopback, staff login, kiosks files. */
#ifndef ANK_BENCHLIB_H
#define ANK_BENCHLIB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The program's name, the prefix of die()'s messages. Each driver defines it (for example
 * `const char bench_prog[] = "bench_central";`), so that a driver without it does not link. */
extern const char bench_prog[];

/* Prints "PROG: message" on stderr and exits with status 1: every failure of a benchmark
 * driver is fatal, a half-measured figure being worse than none. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* malloc that dies rather than return NULL (n == 0 allocates 1 byte); the caller frees. */
void *xmalloc(size_t n);

/* CLOCK_MONOTONIC in ns, for durations. */
long long now_ns(void);
/* CLOCK_REALTIME in ms since the epoch, the clock central stamps events with. */
long long wall_ms(void);

/* Parses all of s as a decimal in [min, max], dying with `what` in the message otherwise;
 * the banned atoi would accept "12abc". */
long long parse_ll(const char *s, long long min, long long max, const char *what);
/* qsort comparator for long long. */
int cmp_ll(const void *a, const void *b);
/* The p-th percentile by nearest rank of n sorted values; 0 when n is 0. */
long long pct(const long long *sorted, size_t n, double p);
/* The splitmix64 step: mix(s) is the next output of a splitmix64 stream at state s, so the
 * same seed gives the same data on every machine. */
uint64_t mix(uint64_t z);

/* ---- a minimal HTTP/1.1 client: one keep-alive connection, Content-Length answers ---- */

typedef struct http {
	int fd;
	char *buf; /* received bytes, NUL-terminated; the current answer starts at 0 */
	size_t len, cap;
	int status;
	size_t head_len, body_len; /* of the current answer, once http_parse returned 1 */
} http;

/* Connects h to 127.0.0.1:port (dies on failure); release with http_close. */
void http_connect(http *h, int port);
/* Closes the socket and frees the buffer; h may then be connected again. */
void http_close(http *h);
/* Sends all n bytes. */
void http_send(http *h, const char *data, size_t n);
/* Reads what is there (one recv); returns the bytes read, 0 at end of stream. */
size_t http_read_some(http *h);
/* The value of header name in the current answer's head, or NULL; *n its length. The value
 * points into h's buffer: valid until the next read or http_consume. */
const char *http_header(const http *h, const char *name, size_t *n);
/* 1 when buf holds a whole answer (status, head_len, body_len set), 0 when more is needed. */
int http_parse(http *h);
/* Blocks until a whole answer is in buf. */
void http_recv(http *h);
/* Drops the current answer, keeping any bytes after it (a pipelined next answer). */
void http_consume(http *h);
/* The current answer's body parsed; the caller owns the reference (json_decref). */
json_t *http_json(const http *h);

/* Formats a request into a malloc'd buffer the caller frees; *len its length. headers is
 * "" or lines each ending in CRLF; body, when not NULL, is sent as application/json. */
char *request(size_t *len, const char *method, const char *path, const char *headers,
              const char *body);

/* Logs in with login "USER:PASSWORD" on the open connection h and consumes the answer.
 * Returns the Cookie and X-CSRF-Token header lines that authorise staff calls, malloc'd: the
 * caller frees them. */
char *staff_login(http *h, const char *login);

/* ---- kiosks files: "KIOSK TOKEN" or "SITE KIOSK TOKEN" a line, as the pair commands write ---- */

typedef struct kiosk {
	char site[64], id[64], token[96]; /* site is "" in files without it */
} kiosk;

/* Reads every line of path; with with_site, lines of three fields, else of two. A bad line
 * dies; an empty file gives *n == 0, for the caller to judge. Returns a malloc'd array of *n
 * kiosks that the caller frees. */
kiosk *read_kiosks(const char *path, bool with_site, size_t *n);

#endif
