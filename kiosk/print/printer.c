/* The printer's transport (a character device or raw TCP), the check-send-confirm run of
 * one job, and the worker thread that runs jobs off the UI loop (printer.h). */
#include "printer.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ank_buf.h"
#include "escpos.h"

static const struct {
	const char *code, *text;
} rc_names[ANK_PRINT_RC_COUNT] = {
        [ANK_PRINT_OK] = {"ok", "printed"},
        [ANK_PRINT_E_CONFIG] = {"no_printer", "no printer is configured"},
        [ANK_PRINT_E_CONNECT] = {"unreachable", "the printer cannot be reached"},
        [ANK_PRINT_E_NOT_PRINTER] = {"not_escpos",
                                     "the device does not answer as an ESC/POS printer"},
        [ANK_PRINT_E_OFFLINE] = {"offline", "the printer is offline"},
        [ANK_PRINT_E_COVER] = {"cover_open", "the printer's cover is open"},
        [ANK_PRINT_E_PAPER] = {"paper_end", "the printer has no paper"},
        [ANK_PRINT_E_ERROR] = {"printer_error", "the printer reports an error (cutter?)"},
        [ANK_PRINT_E_IO] = {"lost", "the printer went away during the ticket"},
        [ANK_PRINT_E_UNCONFIRMED] = {"unconfirmed", "the printer did not confirm the ticket"},
        [ANK_PRINT_E_BUSY] = {"busy", "a ticket is still printing"},
};

const char *ank_print_strerror(ank_print_rc rc)
{
	return rc >= 0 && rc < ANK_PRINT_RC_COUNT ? rc_names[rc].text : "unknown";
}

const char *ank_print_code(ank_print_rc rc)
{
	return rc >= 0 && rc < ANK_PRINT_RC_COUNT ? rc_names[rc].code : "unknown";
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- transport: one fd, a socket or a device ---- */

typedef struct plink {
	int fd;
	bool sock;
} plink;

/* "tcp:HOST:PORT" → a connected non-blocking socket within ANK_PRINT_CONNECT_MS. */
static ank_print_rc link_tcp(plink *l, const char *spec, ank_err *err)
{
	char host[ANK_PRINT_DEVICE_MAX + 1];
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host || !colon[1]) {
		ank_err_set(err, "printer device '%s': expected tcp:HOST:PORT", spec);
		return ANK_PRINT_E_CONFIG;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	int g = getaddrinfo(host, colon + 1, &hints, &ai);
	if (g != 0) {
		ank_err_set(err, "printer %s: %s", spec, gai_strerror(g));
		return ANK_PRINT_E_CONNECT;
	}
	ank_print_rc rc = ANK_PRINT_E_CONNECT;
	ank_err_set(err, "printer %s: no address", spec);
	for (struct addrinfo *a = ai; a && rc != ANK_PRINT_OK; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		int c = connect(fd, a->ai_addr, a->ai_addrlen);
		if (c != 0 && errno == EINPROGRESS) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			int soerr = ETIMEDOUT;
			socklen_t sl = sizeof soerr;
			if (poll(&pf, 1, ANK_PRINT_CONNECT_MS) == 1)
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			c = soerr ? -1 : 0;
			errno = soerr;
		}
		if (c == 0) {
			l->fd = fd;
			l->sock = true;
			rc = ANK_PRINT_OK;
		} else {
			ank_err_set(err, "printer %s: %s", spec, strerror(errno));
			close(fd);
		}
	}
	freeaddrinfo(ai);
	return rc;
}

static ank_print_rc link_open(plink *l, const char *device, ank_err *err)
{
	l->fd = -1;
	l->sock = false;
	if (!device[0]) {
		ank_err_set(err, "no printer is configured");
		return ANK_PRINT_E_CONFIG;
	}
	if (!strncmp(device, "tcp:", 4))
		return link_tcp(l, device + 4, err);
	if (device[0] != '/') {
		ank_err_set(err, "printer device '%s': expected tcp:HOST:PORT or a path", device);
		return ANK_PRINT_E_CONFIG;
	}
	int fd = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ank_err_set(err, "printer %s: %s", device, strerror(errno));
		return ANK_PRINT_E_CONNECT;
	}
	/* A serial line or a pty: raw bytes both ways (ESC/POS is binary). */
	struct termios t;
	if (isatty(fd) && tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	l->fd = fd;
	return ANK_PRINT_OK;
}

static void link_close(plink *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* Writes all n bytes before the deadline (mono ms); the printer's buffer may push back. */
static ank_print_rc link_write(plink *l, const unsigned char *p, size_t n, int64_t deadline,
                               ank_err *err)
{
	while (n > 0) {
		ssize_t k = l->sock ? send(l->fd, p, n, MSG_NOSIGNAL) : write(l->fd, p, n);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			ank_err_set(err, "printer write: %s", strerror(errno));
			return ANK_PRINT_E_IO;
		}
		int64_t left = deadline - mono_ms();
		struct pollfd pf = {.fd = l->fd, .events = POLLOUT};
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0) {
			ank_err_set(err, "printer write: no room in the printer's buffer in time");
			return ANK_PRINT_E_UNCONFIRMED;
		}
		if (pf.revents & (POLLERR | POLLHUP)) {
			ank_err_set(err, "printer write: the connection closed");
			return ANK_PRINT_E_IO;
		}
	}
	return ANK_PRINT_OK;
}

/* Reads one byte before the deadline: 1, 0 timeout, -1 closed or failed (err). */
static int link_byte(plink *l, unsigned char *b, int64_t deadline, ank_err *err)
{
	for (;;) {
		ssize_t k = read(l->fd, b, 1);
		if (k == 1)
			return 1;
		if (k == 0) {
			ank_err_set(err, "printer: the connection closed");
			return -1;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			ank_err_set(err, "printer read: %s", strerror(errno));
			return -1;
		}
		int64_t left = deadline - mono_ms();
		struct pollfd pf = {.fd = l->fd, .events = POLLIN};
		if (left <= 0)
			return 0;
		int r = poll(&pf, 1, (int)left);
		if (r == 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			ank_err_set(err, "printer poll: %s", strerror(errno));
			return -1;
		}
		if (r > 0 && !(pf.revents & POLLIN) && (pf.revents & (POLLERR | POLLHUP))) {
			ank_err_set(err, "printer: the connection closed");
			return -1;
		}
	}
}

/* ---- one job ---- */

/* DLE EOT 1..4 and their replies into st. */
static ank_print_rc query_status(plink *l, ank_print_state *st, ank_err *err)
{
	unsigned char r[4];
	for (int n = 1; n <= 4; n++) {
		unsigned char q[3];
		ank_escpos_status_query(n, q);
		int64_t deadline = mono_ms() + ANK_PRINT_STATUS_MS;
		ank_print_rc w = link_write(l, q, sizeof q, deadline, err);
		if (w != ANK_PRINT_OK)
			return w == ANK_PRINT_E_UNCONFIRMED ? ANK_PRINT_E_CONNECT : w;
		int got = link_byte(l, &r[n - 1], deadline, err);
		if (got < 0)
			return ANK_PRINT_E_IO;
		if (got == 0) {
			ank_err_set(err, "printer: no answer to status query %d in %d ms", n,
			            ANK_PRINT_STATUS_MS);
			return ANK_PRINT_E_NOT_PRINTER;
		}
	}
	ank_escpos_status s;
	if (ank_escpos_status_decode(r, &s)) {
		ank_err_set(err,
		            "printer: status replies %02x %02x %02x %02x lack ESC/POS's fixed bits",
		            r[0], r[1], r[2], r[3]);
		return ANK_PRINT_E_NOT_PRINTER;
	}
	st->near_end = s.near_end;
	st->paper_end = s.paper_end;
	st->cover_open = s.cover_open;
	st->online = ank_escpos_status_printable(&s);
	ank_print_rc rc = ANK_PRINT_OK;
	if (s.cover_open)
		rc = ANK_PRINT_E_COVER;
	else if (s.paper_end)
		rc = ANK_PRINT_E_PAPER;
	else if (s.cutter || s.unrecover || s.error)
		rc = ANK_PRINT_E_ERROR;
	else if (s.offline)
		rc = ANK_PRINT_E_OFFLINE;
	if (rc != ANK_PRINT_OK)
		ank_err_set(err, "%s", ank_print_strerror(rc));
	return rc;
}

ank_print_rc ank_print_status(const ank_print_cfg *cfg, ank_print_state *st, ank_err *err)
{
	plink l;
	st->configured = cfg->device[0] != '\0';
	ank_print_rc rc = link_open(&l, cfg->device, err);
	if (rc == ANK_PRINT_OK)
		rc = query_status(&l, st, err);
	if (rc == ANK_PRINT_E_CONNECT || rc == ANK_PRINT_E_IO || rc == ANK_PRINT_E_NOT_PRINTER ||
	    rc == ANK_PRINT_E_CONFIG)
		st->online = false;
	link_close(&l);
	return rc;
}

/* Waits for the confirmation the job asked for; bytes that are not it are skipped. */
static ank_print_rc await_end(plink *l, const ank_print_cfg *cfg, const char id[4],
                              ank_print_state *st, int64_t deadline, ank_err *err)
{
	unsigned char want[ANK_ESCPOS_PID_REPLY_LEN];
	ank_escpos_process_id_reply(id, want);
	size_t matched = 0;
	for (;;) {
		unsigned char b;
		int got = link_byte(l, &b, deadline, err);
		if (got < 0)
			return ANK_PRINT_E_IO;
		if (got == 0) {
			ank_err_set(err,
			            "printer: the end of the ticket was not confirmed in %d ms",
			            cfg->confirm_ms > 0 ? cfg->confirm_ms : ANK_PRINT_CONFIRM_MS);
			return ANK_PRINT_E_UNCONFIRMED;
		}
		if (cfg->confirm == ANK_PRINT_CONFIRM_STATUS) {
			if (!ank_escpos_paper_valid(b))
				continue;
			st->near_end = (b & 0x03) != 0;
			st->paper_end = (b & 0x0c) != 0;
			if (st->paper_end) {
				/* The cut came back, but the roll ran out under the ticket. */
				ank_err_set(err, "printer: paper ran out during the ticket");
				return ANK_PRINT_E_PAPER;
			}
			return ANK_PRINT_OK;
		}
		matched = b == want[matched] ? matched + 1 : (b == want[0] ? 1 : 0);
		if (matched == sizeof want)
			return ANK_PRINT_OK;
	}
}

/* A job sent but not confirmed (or cut short by paper out): the printer may hold the rest
 * of the ticket and print it when paper is loaded. Its buffers are cleared (DLE DC4 fn 8),
 * and its status says why it stopped, for staff (paper end rather than "not confirmed"). */
static ank_print_rc after_failed_job(plink *l, ank_print_rc rc, ank_print_state *st, ank_err *err)
{
	ank_buf clear;
	ank_buf_init(&clear, 32);
	ank_escpos_clear_buffers(&clear);
	ank_err werr, serr;
	link_write(l, (const unsigned char *)clear.data, clear.len, mono_ms() + ANK_PRINT_STATUS_MS,
	           &werr);
	ank_buf_free(&clear);
	ank_print_state now = *st;
	ank_print_rc why = query_status(l, &now, &serr);
	if (why == ANK_PRINT_E_PAPER || why == ANK_PRINT_E_COVER || why == ANK_PRINT_E_OFFLINE ||
	    why == ANK_PRINT_E_ERROR) {
		*st = now;
		ank_err_set(err, "%s (the ticket was stopped part way)", ank_print_strerror(why));
		return why;
	}
	return rc;
}

ank_print_rc ank_print_run(const ank_print_cfg *cfg, const unsigned char *job, size_t n,
                           const char job_id[4], ank_print_state *st, ank_err *err)
{
	plink l;
	st->configured = cfg->device[0] != '\0';
	ank_print_rc rc = link_open(&l, cfg->device, err);
	if (rc == ANK_PRINT_OK)
		rc = query_status(&l, st, err);
	if (rc != ANK_PRINT_OK) {
		if (rc != ANK_PRINT_E_PAPER && rc != ANK_PRINT_E_COVER && rc != ANK_PRINT_E_ERROR &&
		    rc != ANK_PRINT_E_OFFLINE)
			st->online = false;
		link_close(&l);
		return rc; /* nothing was sent: no ticket can come out later */
	}
	int64_t deadline =
	        mono_ms() + (cfg->confirm_ms > 0 ? cfg->confirm_ms : ANK_PRINT_CONFIRM_MS);
	ank_buf tail;
	ank_buf_init(&tail, 64);
	if (cfg->confirm == ANK_PRINT_CONFIRM_PID)
		ank_escpos_process_id(&tail, job_id);
	else
		ank_escpos_paper_query(&tail);
	rc = link_write(&l, job, n, deadline, err);
	if (rc == ANK_PRINT_OK)
		rc = link_write(&l, (const unsigned char *)tail.data, tail.len, deadline, err);
	if (rc == ANK_PRINT_OK)
		rc = await_end(&l, cfg, job_id, st, deadline, err);
	ank_buf_free(&tail);
	if (rc == ANK_PRINT_E_UNCONFIRMED || rc == ANK_PRINT_E_PAPER)
		rc = after_failed_job(&l, rc, st, err);
	if (rc == ANK_PRINT_E_IO)
		st->online = false;
	/* A printer that keeps the rest in its buffer must not print it once it is back
	 * (paper loaded, cover shut): ESC @ would not clear a buffer that is stopped, so the
	 * connection is closed; a TCP printer drops what it has not taken when the job's
	 * connection goes (TM-T20 raw port), a USB one is reset by the operator. */
	link_close(&l);
	return rc;
}

/* ---- the worker ---- */

struct ank_print {
	ank_print_cfg cfg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	/* the one job slot */
	unsigned char *job;
	size_t job_n;
	int64_t job_id;
	int64_t job_at;
	bool job_running;
	bool check_wanted;
	bool checking; /* a check is under way */
	int64_t check_at;
	/* the last finished job */
	int64_t done_id;
	ank_print_rc done_rc;
	ank_print_state state;
};

static void *worker(void *arg)
{
	ank_print *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && !p->job && !p->check_wanted)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop && !p->job)
			break;
		ank_print_state st = p->state;
		ank_err err = {{0}};
		ank_print_rc rc;
		if (p->job) {
			unsigned char *job = p->job;
			size_t n = p->job_n;
			int64_t id = p->job_id, at = p->job_at;
			pthread_mutex_unlock(&p->mu);
			char pid[5];
			snprintf(pid, sizeof pid, "%04lld", (long long)(id % 10000));
			rc = ank_print_run(&p->cfg, job, n, pid, &st, &err);
			free(job);
			pthread_mutex_lock(&p->mu);
			p->job = NULL;
			p->job_running = false;
			p->done_id = id;
			p->done_rc = rc;
			st.last_ms = at;
			if (rc == ANK_PRINT_OK)
				st.printed++;
			else
				st.failed++;
		} else {
			p->check_wanted = false;
			p->checking = true;
			int64_t at = p->check_at;
			pthread_mutex_unlock(&p->mu);
			rc = ank_print_status(&p->cfg, &st, &err);
			pthread_mutex_lock(&p->mu);
			p->checking = false;
			st.last_ms = at;
		}
		st.last_rc = rc;
		snprintf(st.last_error, sizeof st.last_error, "%s",
		         rc == ANK_PRINT_OK ? "" : err.msg);
		p->state = st;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int ank_print_open(const ank_print_cfg *cfg, ank_print **out, ank_err *err)
{
	ank_print *p = calloc(1, sizeof *p);
	if (!p)
		return ank_err_set(err, "out of memory");
	p->cfg = *cfg;
	p->done_id = -1;
	p->state.configured = cfg->device[0] != '\0';
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, worker, p) != 0) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		free(p);
		return ank_err_set(err, "printer: cannot start the worker thread");
	}
	*out = p;
	return 0;
}

void ank_print_close(ank_print *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	p->check_wanted = false;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	free(p->job);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

int ank_print_submit(ank_print *p, int64_t job, const unsigned char *bytes, size_t n,
                     int64_t now_ms)
{
	unsigned char *copy = malloc(n ? n : 1);
	if (!copy)
		return -1;
	memcpy(copy, bytes, n);
	pthread_mutex_lock(&p->mu);
	if (p->job || p->job_running || p->stop) {
		pthread_mutex_unlock(&p->mu);
		free(copy);
		return -1;
	}
	p->job = copy;
	p->job_n = n;
	p->job_id = job;
	p->job_at = now_ms;
	p->job_running = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int ank_print_result(ank_print *p, int64_t job, ank_print_rc *rc)
{
	int r = -1;
	pthread_mutex_lock(&p->mu);
	if (p->job_running && p->job_id == job)
		r = 0;
	else if (p->done_id == job) {
		*rc = p->done_rc;
		r = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return r;
}

void ank_print_check(ank_print *p, int64_t now_ms)
{
	pthread_mutex_lock(&p->mu);
	p->check_wanted = true;
	p->check_at = now_ms;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

bool ank_print_busy(ank_print *p)
{
	pthread_mutex_lock(&p->mu);
	bool busy = p->job_running || p->check_wanted || p->checking;
	pthread_mutex_unlock(&p->mu);
	return busy;
}

void ank_print_state_get(ank_print *p, ank_print_state *st)
{
	pthread_mutex_lock(&p->mu);
	*st = p->state;
	pthread_mutex_unlock(&p->mu);
}
