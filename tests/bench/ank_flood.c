/* ank_flood: the attacker of the flood test (tests/integration/flood_test.c) and of hand
 * runs: N idle and M trickling connections (one header byte every K seconds) to a loopback
 * port, from one or many loopback source addresses, each reconnecting when cut, and a count
 * of the cuts and how long each connection had lived. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4-style SOCK_NONBLOCK flags and IP_BIND_ADDRESS_NO_PORT */
#endif
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "benchlib.h"

/* How often the slots are scanned for a trickle byte or a reconnect that is due. */
#define TICK_MS 50
/* A connection cut within this long of being established was refused by a limit (the
 * server accepted and closed it at once); a later cut is a deadline's. */
#define FAST_CUT_MS 1000
/* "ready" is printed once every slot has made its first attempt, or after this long. */
#define READY_MAX_MS 5000
/* Source addresses are 127.0.0.2 + i; the whole of 127/8 is loopback on Linux. */
#define ADDRESSES_MAX 65000

static const char usage[] =
        "usage: ank_flood --port P [--idle N] [--trickle M] [--trickle-s K] [--from A]\n"
        "                 [--addresses X] [--seconds S] [--reconnect-ms R]\n"
        "  N connections send nothing, M send one byte of an endless request head every\n"
        "  K s (default 5); they come from X source addresses (default 1) counting up from\n"
        "  A (default 127.0.0.2), spread round-robin. A cut connection is opened again R ms\n"
        "  later (default 1000). After S s (default 30) or on SIGTERM/SIGINT it prints\n"
        "  \"flood: KEY=VALUE\" lines: how many were cut, after how long.\n";

/* An endless request head: the request line, then header lines one byte at a time. */
static const char head_start[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
static const char head_line[] = "X-Ankomst-Flood: slowly\r\n";

const char bench_prog[] = "ank_flood";

typedef enum kind { KIND_IDLE, KIND_TRICKLE, KIND_COUNT } kind;
static const char *const kind_names[KIND_COUNT] = {"idle", "trickle"};

typedef enum state { ST_WAIT, ST_CONNECTING, ST_OPEN } state;

typedef struct slot {
	int fd;
	kind k;
	state st;
	uint32_t addr;    /* source address, host order */
	long long t_open; /* ns when the connection was established */
	long long next;   /* ns of the next trickle byte (open) or connect (waiting) */
	long long sent;   /* bytes of the endless head sent on this connection */
	bool answered;    /* the server wrote something on this connection */
	bool first_done;  /* the slot's first connect attempt has ended */
	bool cut_once;    /* at least one of the slot's connections was cut */
} slot;

/* Per kind: what happened to its connections. */
typedef struct tally {
	long long attempts, connect_errors, established, cut, cut_fast, answered;
	long long *cut_ms; /* lifetime of each cut connection, ms; grows */
	size_t n_cut_ms, cap_cut_ms;
	long long longest_ms; /* of all connections, cut or still open at the end */
	long long slots_cut;  /* slots with at least one connection cut */
	long long bytes;      /* trickle bytes sent */
} tally;

typedef struct flood {
	int port, epfd;
	long long trickle_ns, reconnect_ns;
	slot *slots;
	size_t n;
	tally t[KIND_COUNT];
	long long peak_open, open_now;
	int last_errno; /* of the latest connect error, for the summary */
} flood;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void tally_cut(tally *t, long long ms)
{
	if (t->n_cut_ms == t->cap_cut_ms) {
		t->cap_cut_ms = t->cap_cut_ms ? t->cap_cut_ms * 2 : 4096;
		t->cut_ms = realloc(t->cut_ms, t->cap_cut_ms * sizeof *t->cut_ms);
		if (!t->cut_ms)
			die("out of memory");
	}
	t->cut_ms[t->n_cut_ms++] = ms;
}

/* Closes the slot's socket; the slot connects again reconnect_ns later. */
static void slot_close(flood *f, slot *s, long long now)
{
	if (s->fd >= 0)
		close(s->fd); /* also leaves the epoll set */
	if (s->st == ST_OPEN)
		f->open_now--;
	s->fd = -1;
	s->st = ST_WAIT;
	s->first_done = true;
	s->next = now + f->reconnect_ns;
}

/* The server closed (or reset) an established connection: a cut. */
static void slot_cut(flood *f, slot *s, long long now)
{
	tally *t = &f->t[s->k];
	long long ms = (now - s->t_open) / 1000000;
	t->cut++;
	t->cut_fast += ms < FAST_CUT_MS;
	t->answered += s->answered;
	if (ms > t->longest_ms)
		t->longest_ms = ms;
	if (!s->cut_once)
		t->slots_cut++;
	s->cut_once = true;
	tally_cut(t, ms);
	slot_close(f, s, now);
}

static void slot_connect_failed(flood *f, slot *s, int err, long long now)
{
	f->t[s->k].connect_errors++;
	f->last_errno = err;
	slot_close(f, s, now);
}

/* Sends the next byte of the endless head; a failed send is a cut. */
static void slot_trickle(flood *f, slot *s, long long now)
{
	long long i = s->sent;
	char c = i < (long long)sizeof head_start - 1
	                 ? head_start[i]
	                 : head_line[(i - (long long)(sizeof head_start - 1)) %
	                             (long long)(sizeof head_line - 1)];
	ssize_t k = send(s->fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (k == 1) {
		s->sent++;
		f->t[s->k].bytes++;
		s->next = now + f->trickle_ns;
	} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
		slot_cut(f, s, now);
	}
}

static void slot_established(flood *f, slot *s, long long now)
{
	s->st = ST_OPEN;
	s->t_open = now;
	s->sent = 0;
	s->answered = false;
	s->first_done = true;
	f->t[s->k].established++;
	if (++f->open_now > f->peak_open)
		f->peak_open = f->open_now;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
	                         .data.u64 = (uint64_t)(s - f->slots)};
	if (epoll_ctl(f->epfd, EPOLL_CTL_MOD, s->fd, &ev))
		die("epoll_ctl: %s", strerror(errno));
	if (s->k == KIND_TRICKLE)
		slot_trickle(f, s, now);
}

/* Starts a non-blocking connect from the slot's source address. */
static void slot_connect(flood *f, slot *s, long long now)
{
	f->t[s->k].attempts++;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		slot_connect_failed(f, s, errno, now);
		return;
	}
	s->fd = fd;
	s->st = ST_CONNECTING;
	int one = 1;
	/* The port is picked at connect, per destination: thousands of connections from one
	 * source address do not exhaust the ports at bind. */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(s->addr)};
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->port)};
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&src, sizeof src)) {
		slot_connect_failed(f, s, errno, now);
		return;
	}
	struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = (uint64_t)(s - f->slots)};
	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&dst, sizeof dst) == 0)
		slot_established(f, s, now);
	else if (errno != EINPROGRESS)
		slot_connect_failed(f, s, errno, now);
}

static void on_event(flood *f, slot *s, uint32_t events, long long now)
{
	if (s->st == ST_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof err;
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err)
			slot_connect_failed(f, s, err, now);
		else if (events & EPOLLOUT)
			slot_established(f, s, now);
		return;
	}
	if (s->st != ST_OPEN)
		return;
	/* Whatever the server says (a 400 or 408 before it closes) is read and dropped. */
	char buf[4096];
	for (;;) {
		ssize_t k = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (k > 0) {
			s->answered = true;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			if (events & (EPOLLHUP | EPOLLERR))
				slot_cut(f, s, now);
			return;
		}
		slot_cut(f, s, now); /* 0: closed; another error: reset */
		return;
	}
}

/* Due trickle bytes and reconnects. Returns whether every slot has made its first attempt. */
static bool on_tick(flood *f, long long now)
{
	bool all_tried = true;
	for (size_t i = 0; i < f->n; i++) {
		slot *s = &f->slots[i];
		if (s->st == ST_WAIT && now >= s->next)
			slot_connect(f, s, now);
		else if (s->st == ST_OPEN && s->k == KIND_TRICKLE && now >= s->next)
			slot_trickle(f, s, now);
		all_tried = all_tried && s->first_done;
	}
	return all_tried;
}

static void report(const char *key, long long v)
{
	printf("flood: %s=%lld\n", key, v);
}

static void report_kind(const char *k, const char *key, long long v)
{
	printf("flood: %s_%s=%lld\n", k, key, v);
}

static void summary(flood *f, long long now, long long started)
{
	for (size_t i = 0; i < f->n; i++) {
		slot *s = &f->slots[i];
		long long ms = s->st == ST_OPEN ? (now - s->t_open) / 1000000 : 0;
		if (ms > f->t[s->k].longest_ms)
			f->t[s->k].longest_ms = ms;
	}
	report("seconds_run", (now - started) / 1000000000LL);
	report("peak_open", f->peak_open);
	report("open_at_end", f->open_now);
	long long longest = 0, slots_cut = 0, slots = 0;
	for (int k = 0; k < KIND_COUNT; k++) {
		tally *t = &f->t[k];
		const char *n = kind_names[k];
		long long count = 0;
		for (size_t i = 0; i < f->n; i++)
			count += f->slots[i].k == (kind)k;
		if (t->n_cut_ms)
			qsort(t->cut_ms, t->n_cut_ms, sizeof *t->cut_ms, cmp_ll);
		report_kind(n, "slots", count);
		report_kind(n, "attempts", t->attempts);
		report_kind(n, "connect_errors", t->connect_errors);
		report_kind(n, "established", t->established);
		report_kind(n, "cut", t->cut);
		report_kind(n, "cut_fast", t->cut_fast);
		report_kind(n, "answered", t->answered);
		report_kind(n, "slots_cut", t->slots_cut);
		report_kind(n, "cut_min_ms", pct(t->cut_ms, t->n_cut_ms, 0));
		report_kind(n, "cut_p50_ms", pct(t->cut_ms, t->n_cut_ms, 50));
		report_kind(n, "cut_p90_ms", pct(t->cut_ms, t->n_cut_ms, 90));
		report_kind(n, "cut_max_ms", pct(t->cut_ms, t->n_cut_ms, 100));
		report_kind(n, "longest_open_ms", t->longest_ms);
		if (k == KIND_TRICKLE)
			report_kind(n, "bytes", t->bytes);
		longest = t->longest_ms > longest ? t->longest_ms : longest;
		slots_cut += t->slots_cut;
		slots += count;
	}
	report("slots", slots);
	report("slots_cut", slots_cut);
	report("longest_open_ms", longest);
	if (f->last_errno)
		printf("flood: last_connect_error=%s\n", strerror(f->last_errno));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long long port = 0, idle = 0, trickle = 0, trickle_s = 5, addresses = 1, seconds = 30,
	          reconnect_ms = 1000;
	const char *from = "127.0.0.2";
	for (int i = 1; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die("%s wants a value\n%s", o, usage);
		if (!strcmp(o, "--port"))
			port = parse_ll(v, 1, 65535, o);
		else if (!strcmp(o, "--idle"))
			idle = parse_ll(v, 0, 1000000, o);
		else if (!strcmp(o, "--trickle"))
			trickle = parse_ll(v, 0, 1000000, o);
		else if (!strcmp(o, "--trickle-s"))
			trickle_s = parse_ll(v, 1, 3600, o);
		else if (!strcmp(o, "--from"))
			from = v;
		else if (!strcmp(o, "--addresses"))
			addresses = parse_ll(v, 1, ADDRESSES_MAX, o);
		else if (!strcmp(o, "--seconds"))
			seconds = parse_ll(v, 1, 86400, o);
		else if (!strcmp(o, "--reconnect-ms"))
			reconnect_ms = parse_ll(v, 0, 3600000, o);
		else
			die("unknown option %s\n%s", o, usage);
	}
	if (!port)
		die("--port is required\n%s", usage);
	struct in_addr first;
	if (inet_pton(AF_INET, from, &first) != 1 || (ntohl(first.s_addr) >> 24) != 127)
		die("--from wants a loopback address (127.x.y.z), not %s", from);
	long limit = raise_nofile();
	/* Each connection is one descriptor here; leave a few for stdio and epoll. */
	if (idle + trickle > limit - 16)
		die("%lld connections but RLIMIT_NOFILE is %ld", idle + trickle, limit);

	flood f = {.port = (int)port,
	           .trickle_ns = trickle_s * 1000000000LL,
	           .reconnect_ns = reconnect_ms * 1000000LL};
	f.n = (size_t)(idle + trickle);
	f.slots = calloc(f.n ? f.n : 1, sizeof *f.slots);
	f.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!f.slots || f.epfd < 0)
		die("cannot start: %s", strerror(errno));
	long long started = now_ns();
	for (size_t i = 0; i < f.n; i++) {
		/* Trickling slots interleaved with idle ones, so every address gets both. */
		slot *s = &f.slots[i];
		s->fd = -1;
		s->st = ST_WAIT;
		size_t m = (size_t)trickle;
		s->k = (i + 1) * m / f.n > i * m / f.n ? KIND_TRICKLE : KIND_IDLE;
		s->addr = ntohl(first.s_addr) + (uint32_t)(i % (size_t)addresses);
		s->next = started;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("flood: port=%lld idle=%lld trickle=%lld trickle_s=%lld addresses=%lld from=%s "
	       "reconnect_ms=%lld nofile=%ld\n",
	       port, idle, trickle, trickle_s, addresses, from, reconnect_ms, limit);
	fflush(stdout);

	struct epoll_event evs[1024];
	long long end = started + seconds * 1000000000LL, next_tick = started;
	bool ready = false;
	while (!stopping) {
		long long now = now_ns();
		if (now >= end)
			break;
		if (now >= next_tick) {
			bool all_tried = on_tick(&f, now);
			next_tick = now + TICK_MS * 1000000LL;
			if (!ready && (all_tried || now - started > READY_MAX_MS * 1000000LL)) {
				ready = true;
				printf("flood: ready after_ms=%lld open=%lld\n",
				       (now - started) / 1000000, f.open_now);
				fflush(stdout);
			}
		}
		int wait_ms = (int)((next_tick - now) / 1000000) + 1;
		int n = epoll_wait(f.epfd, evs, (int)(sizeof evs / sizeof evs[0]), wait_ms);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		now = now_ns();
		for (int i = 0; i < n; i++)
			on_event(&f, &f.slots[evs[i].data.u64], evs[i].events, now);
	}
	summary(&f, now_ns(), started);
	for (size_t i = 0; i < f.n; i++)
		if (f.slots[i].fd >= 0)
			close(f.slots[i].fd);
	for (int k = 0; k < KIND_COUNT; k++)
		free(f.t[k].cut_ms);
	free(f.slots);
	close(f.epfd);
	return 0;
}
