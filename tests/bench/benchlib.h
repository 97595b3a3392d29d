/* The helpers the benchmark drivers and the flood test share: dying with a message, clocks,
 * numbers, a minimal HTTP/1.1 keep-alive client for central on loopback (from any loopback
 * source address), staff login, kiosk pairing, kiosks files and the kiosk's event stream. */
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

/* Raises RLIMIT_NOFILE's soft limit to its hard limit, for a program that holds thousands
 * of sockets; returns the soft limit now in force. */
long raise_nofile(void);

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
/* The same from source address `from` (dotted IPv4, e.g. "127.0.0.2"; NULL: the kernel's
 * choice). The whole of 127/8 is loopback on Linux, so one machine can be many clients. */
void http_connect_from(http *h, const char *from, int port);
/* http_connect_from without dying, the connect given at most timeout_ms (0: the kernel's
 * own limit): 0, or the errno of what failed (h then holds no socket and needs no
 * http_close). */
int http_open(http *h, const char *from, int port, int timeout_ms);
/* Sends a whole request and reads its whole answer within timeout_ms, without dying on a
 * closed connection or a slow server: 0 with the answer parsed in h (status, head_len,
 * body_len; http_consume it), or ETIMEDOUT, EPIPE (closed before the whole answer) or the
 * errno of a failed send or recv. A garbled answer still dies. */
int http_try(http *h, const char *req, size_t len, int timeout_ms);
/* Whether the server closed h's keep-alive connection while it sat unused (or sent what
 * nobody asked for): a client then opens a new one before its next request, as curl does. */
bool http_stale(const http *h);
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
/* Pairs a kiosk with the pairing code `code` (from `ankomst-central pair-kiosk`) on the open
 * connection h and consumes the answer. Returns 0 with k->id and k->token set (k->site as it
 * was), or the answer's status when it did not pair (200 too when it lacked either). */
int http_pair(http *h, const char *code, kiosk *k);

/* ---- the kiosk's event stream, as its outbox holds it ---- */

/* The clock of the benchmarks' events: 12:00 Copenhagen (11:00 UTC) on the day EV_BACK_DAYS
 * before the run. Central leaves events more than 24 h in its future out of the read model
 * (ANK_CLOCK_FUTURE_MS), so a fixed start date would, as the calendar moves past it, turn
 * the later events of a run (one every 20 s: 150,000 span 35 days) into that cheaper path.
 * Rounded to a day so the service days are whole. */
#define EV_BACK_DAYS 60
long long ev_t_start(void);
#define EV_T_START ev_t_start()

typedef struct ev_row {
	long long seq, at_ms;
	char id[33];
	const char *type;
	char payload[320];
} ev_row;

/* The event stream. "visit": each ticket's four events of docs/formats.md (ticket.issued,
 * ticket.called, session.started, session.ended), interleaved so that about ten tickets are
 * open at a time, as in a busy room. "issued": ticket.issued only, every ticket left open,
 * a stream no kiosk sends but a worst case for central's read model. */
typedef enum ev_stream { EV_STREAM_VISIT, EV_STREAM_ISSUED } ev_stream;

/* One event of the stream, derived from seq only (the same on every machine), its payload
 * compact with keys sorted as the kiosk's outbox holds it. */
void ev_make(long long seq, ev_stream st, ev_row *r);
/* The body of a batch of n events as kiosk_id sends it; malloc'd, the caller frees it. */
char *ev_batch_body(const char *kiosk_id, const ev_row *r, int n);

#endif
