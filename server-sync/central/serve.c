/* Central's serving machinery beside libmicrohttpd's epoll loops: connection deadlines cut by
 * a ticker thread, the fair worker pool, long-polls as suspended connections, the group-commit
 * ingest writer, and the maintenance thread (health probe, quick_check, last-seen times). */
#include "serve.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "ank_log.h"
#include "ank_time.h"

/* Requests waiting for a worker at most; beyond, central answers 503 at once. Every address
 * has at most per_address connections and each one request at a time, so only a flood from
 * very many addresses gets here. */
#define MAX_QUEUED 4096
/* Batches one commit takes at most: enough for every kiosk of a region arriving at once,
 * few enough that the first of them is not kept waiting long. */
#define INGEST_GROUP_MAX 64
/* How often the ticker looks at deadlines when nothing wakes it. */
#define TICK_MS 100
/* The maintenance thread's rhythm: the health probe, and the last-seen times. */
#define PROBE_EVERY_MS      1000
#define SEEN_FLUSH_EVERY_MS 10000
/* Expired staff sessions are deleted this often (a session lasts 12 h). */
#define PURGE_EVERY_MS (10 * 60 * 1000)
/* The retention job: a minute after start (not in the way of kiosks reconnecting), then
 * daily. */
#define RETENTION_FIRST_MS (60 * 1000)
#define RETENTION_EVERY_MS (24 * 3600 * 1000LL)
/* A work queue's fairness key (ank_cstore_addr_key of the client's address). */
#define KEY_MAX ANK_ADDR_KEY_MAX

typedef enum conn_state {
	CONN_NEW,       /* accepted: its first request is due within the deadline */
	CONN_RECEIVING, /* a request line came: its headers and body are due */
	CONN_WORKING,   /* being answered: no deadline (long-polls end by themselves) */
	CONN_IDLE,      /* kept alive between requests */
} conn_state;

typedef struct slot {
	struct slot *prev, *next;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	conn_state state;
	int64_t deadline_ns; /* 0: none */
	bool cut;
} slot;

typedef struct job {
	struct job *next;
	struct MHD_Connection *conn;
	char key[KEY_MAX];
	void (*fn)(void *);
	void *arg;
} job;

typedef struct waiter {
	struct waiter *next;
	struct MHD_Connection *conn;
	bool timer_only; /* a held answer: resumed when its time is up, never by a change */
	bool rev;        /* a console long-poll: woken when the site's revision is not `since` */
	char site[ANK_CS_ID_MAX + 1];
	long long since;
	int64_t until_ns;
} waiter;

typedef struct ingest_item {
	struct ingest_item *next;
	struct MHD_Connection *conn;
	ank_cs_ingest_job *job;
	void (*done)(void *);
	void *arg;
} ingest_item;

struct ank_serve {
	ank_serve_limits lim;
	ank_cstore *cs;
	bool stopping;
	/* Connections: guarded by conn_mu. */
	pthread_mutex_t conn_mu;
	slot *slots;
	long long n_conns, cut_deadline;
	/* Work: guarded by work_mu. */
	pthread_mutex_t work_mu;
	pthread_cond_t work_cv;
	job *queue, *queue_tail;
	int queued;
	char (*running)[KEY_MAX]; /* the key each worker runs now; "" when idle */
	pthread_t *workers;
	unsigned n_workers;
	/* Long-polls and the ticker: guarded by wait_mu. */
	pthread_mutex_t wait_mu;
	pthread_cond_t wait_cv;
	waiter *waiters;
	long long n_waiters;
	long long notified, seen_notified; /* newest change id told by the store / handled */
	long long revs_told, revs_seen;    /* site revision changes told by the store / handled */
	pthread_t ticker;
	bool ticker_up;
	/* Ingest: guarded by ingest_mu. */
	pthread_mutex_t ingest_mu;
	pthread_cond_t ingest_cv;
	ingest_item *ingest, *ingest_tail;
	long long groups, batches;
	pthread_t writer;
	bool writer_up;
	/* Maintenance. */
	pthread_mutex_t maint_mu;
	pthread_cond_t maint_cv;
	pthread_t maint;
	bool maint_up;
	/* The checkpointer: guarded by ckpt_mu, woken when the WAL has grown. */
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	bool ckpt_due;
	pthread_t ckpt;
	bool ckpt_up;
};

static int64_t deadline_after(unsigned s)
{
	return ank_mono_ns() + (int64_t)s * 1000000000LL;
}

/* ---- connections and deadlines ---- */

void ank_serve_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                             enum MHD_ConnectionNotificationCode code)
{
	ank_serve *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		slot *sl = calloc(1, sizeof *sl);
		if (!sl)
			return; /* out of memory: this connection just has no deadline */
		const union MHD_ConnectionInfo *fd =
		        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		sl->fd = fd ? fd->connect_fd : -1;
		sl->peer_len = sizeof sl->peer;
		if (sl->fd < 0 || getpeername(sl->fd, (struct sockaddr *)&sl->peer, &sl->peer_len))
			sl->peer_len = 0;
		sl->state = CONN_NEW;
		sl->deadline_ns = deadline_after(s->lim.deadline_s);
		pthread_mutex_lock(&s->conn_mu);
		sl->next = s->slots;
		if (s->slots)
			s->slots->prev = sl;
		s->slots = sl;
		s->n_conns++;
		pthread_mutex_unlock(&s->conn_mu);
		*socket_context = sl;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		slot *sl = *socket_context;
		if (!sl)
			return;
		/* Unlinked under the lock the ticker cuts with, before libmicrohttpd closes the
		 * socket, so the ticker never touches a descriptor that is another's by now. */
		pthread_mutex_lock(&s->conn_mu);
		if (sl->prev)
			sl->prev->next = sl->next;
		else
			s->slots = sl->next;
		if (sl->next)
			sl->next->prev = sl->prev;
		s->n_conns--;
		pthread_mutex_unlock(&s->conn_mu);
		free(sl);
		*socket_context = NULL;
	}
}

/* Moves a connection's slot to `state` with a deadline `after_s` from now (0: none). The
 * ticker reads the slot under conn_mu, so it is written under it too. */
static void conn_set(ank_serve *s, struct MHD_Connection *conn, conn_state state, unsigned after_s)
{
	const union MHD_ConnectionInfo *sc =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (!sc || !sc->socket_context)
		return;
	slot *sl = sc->socket_context;
	pthread_mutex_lock(&s->conn_mu);
	sl->state = state;
	sl->deadline_ns = after_s ? deadline_after(after_s) : 0;
	pthread_mutex_unlock(&s->conn_mu);
}

void ank_serve_request_started(ank_serve *s, struct MHD_Connection *conn)
{
	conn_set(s, conn, CONN_RECEIVING, s->lim.deadline_s);
}

void ank_serve_request_received(ank_serve *s, struct MHD_Connection *conn)
{
	conn_set(s, conn, CONN_WORKING, 0);
}

void ank_serve_request_done(ank_serve *s, struct MHD_Connection *conn)
{
	conn_set(s, conn, CONN_IDLE, s->lim.idle_s);
}

static bool same_peer(const slot *sl)
{
	struct sockaddr_storage now;
	socklen_t len = sizeof now;
	if (sl->peer_len == 0 || getpeername(sl->fd, (struct sockaddr *)&now, &len))
		return false;
	return len == sl->peer_len && memcmp(&now, &sl->peer, len) == 0;
}

/* Cuts every connection past its deadline: shutdown() makes libmicrohttpd's next read see
 * the end, and it closes the connection as if the client had. */
static void cut_late(ank_serve *s)
{
	int64_t now = ank_mono_ns();
	pthread_mutex_lock(&s->conn_mu);
	for (slot *sl = s->slots; sl; sl = sl->next) {
		if (sl->cut || !sl->deadline_ns || now < sl->deadline_ns)
			continue;
		/* The peer check guards against a descriptor reused since: the slot would be gone
		 * by then, but a closed socket and a new one must never be confused. */
		if (same_peer(sl))
			shutdown(sl->fd, SHUT_RDWR);
		sl->cut = true;
		s->cut_deadline++;
	}
	pthread_mutex_unlock(&s->conn_mu);
}

/* ---- long-polls ---- */

/* Called by the store after each committed change, with its lock held: only notes it. */
static void on_change(void *ctx, long long max_id)
{
	ank_serve *s = ctx;
	pthread_mutex_lock(&s->wait_mu);
	if (max_id > s->notified)
		s->notified = max_id;
	pthread_cond_signal(&s->wait_cv);
	pthread_mutex_unlock(&s->wait_mu);
}

/* Called by the store after a site's revision moved: only notes it. */
static void on_rev(void *ctx)
{
	ank_serve *s = ctx;
	pthread_mutex_lock(&s->wait_mu);
	s->revs_told++;
	pthread_cond_signal(&s->wait_cv);
	pthread_mutex_unlock(&s->wait_mu);
}

/* A waiter for conn on site's news above `since`, due after wait_ms (the caller links it);
 * NULL when out of memory. */
static waiter *waiter_new(struct MHD_Connection *conn, const char *site, long long since,
                          int wait_ms)
{
	waiter *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->conn = conn;
	snprintf(w->site, sizeof w->site, "%s", site);
	w->since = since;
	w->until_ns = ank_mono_ns() + (int64_t)wait_ms * 1000000LL;
	return w;
}

/* Puts w on the list the ticker looks at (wait_mu held). */
static void waiter_link(ank_serve *s, waiter *w)
{
	w->next = s->waiters;
	s->waiters = w;
	s->n_waiters++;
}

int ank_serve_hold_rev(ank_serve *s, struct MHD_Connection *conn, const char *site, long long rev,
                       int wait_ms)
{
	waiter *w = waiter_new(conn, site, rev, wait_ms);
	if (!w)
		return -1;
	w->rev = true;
	pthread_mutex_lock(&s->wait_mu);
	int rc = s->stopping ? -1 : ank_cstore_site_rev(s->cs, site) != rev ? 1 : 0;
	if (rc) {
		pthread_mutex_unlock(&s->wait_mu);
		free(w);
		return rc;
	}
	waiter_link(s, w);
	pthread_mutex_unlock(&s->wait_mu);
	return 0;
}

int ank_serve_wait(ank_serve *s, struct MHD_Connection *conn, const char *site, long long since,
                   int wait_ms)
{
	waiter *w = waiter_new(conn, site, since, wait_ms);
	if (!w)
		return -1;
	pthread_mutex_lock(&s->wait_mu);
	int rc = s->stopping ? -1 : 0;
	/* Checked and linked under one lock: a change committed after the handler read the
	 * feed is either seen here, or its notice reaches the ticker after the link. */
	if (!rc && ank_cstore_changes_ready(s->cs, site, since))
		rc = 1;
	if (rc) {
		pthread_mutex_unlock(&s->wait_mu);
		free(w);
		return rc;
	}
	MHD_suspend_connection(conn);
	waiter_link(s, w);
	pthread_mutex_unlock(&s->wait_mu);
	return 0;
}

void ank_serve_wake_site(ank_serve *s, const char *site)
{
	pthread_mutex_lock(&s->wait_mu);
	for (waiter *w = s->waiters; w; w = w->next)
		if (!w->rev && !w->timer_only && !strcmp(w->site, site))
			w->until_ns = 0; /* due now: the ticker resumes it */
	pthread_cond_signal(&s->wait_cv);
	pthread_mutex_unlock(&s->wait_mu);
}

void ank_serve_resume_after(ank_serve *s, struct MHD_Connection *conn, int ms)
{
	waiter *w = waiter_new(conn, "", 0, ms);
	pthread_mutex_lock(&s->wait_mu);
	if (!w || s->stopping) {
		pthread_mutex_unlock(&s->wait_mu);
		free(w);
		MHD_resume_connection(conn);
		return;
	}
	w->timer_only = true;
	waiter_link(s, w);
	pthread_mutex_unlock(&s->wait_mu);
}

/* Resumes the waiters whose site has news, whose time is up, or all when stopping
 * (wait_mu held). */
static void wake_waiters(ank_serve *s, bool news, bool rev_news, bool all)
{
	int64_t now = ank_mono_ns();
	waiter **pp = &s->waiters;
	while (*pp) {
		waiter *w = *pp;
		bool go = all || now >= w->until_ns ||
		          (w->rev ? rev_news && ank_cstore_site_rev(s->cs, w->site) != w->since
		                  : news && !w->timer_only &&
		                            ank_cstore_changes_ready(s->cs, w->site, w->since));
		if (!go) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		s->n_waiters--;
		MHD_resume_connection(w->conn);
		free(w);
	}
}

static void *ticker_main(void *arg)
{
	ank_serve *s = arg;
	int64_t next_cut = 0;
	pthread_mutex_lock(&s->wait_mu);
	while (!s->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (s->notified == s->seen_notified && s->revs_told == s->revs_seen)
			pthread_cond_timedwait(&s->wait_cv, &s->wait_mu, &ts);
		bool news = s->notified != s->seen_notified;
		bool rev_news = s->revs_told != s->revs_seen;
		s->seen_notified = s->notified;
		s->revs_seen = s->revs_told;
		wake_waiters(s, news, rev_news, false);
		if (ank_mono_ns() >= next_cut) {
			pthread_mutex_unlock(&s->wait_mu);
			cut_late(s);
			next_cut = ank_mono_ns() + TICK_MS * 1000000LL;
			pthread_mutex_lock(&s->wait_mu);
		}
	}
	wake_waiters(s, false, false, true);
	pthread_mutex_unlock(&s->wait_mu);
	return NULL;
}

/* ---- the worker pool ---- */

/* The waiting job whose key has the fewest jobs running, the oldest among equals; unlinked.
 * work_mu held, queue not empty. */
static job *pick(ank_serve *s)
{
	job *best = NULL, *best_prev = NULL, *prev = NULL;
	int best_running = 0;
	for (job *j = s->queue; j; prev = j, j = j->next) {
		int running = 0;
		for (unsigned w = 0; w < s->n_workers; w++)
			running += !strcmp(s->running[w], j->key);
		if (!best || running < best_running) {
			best = j;
			best_prev = prev;
			best_running = running;
			if (running == 0)
				break; /* the oldest of an idle key: nothing beats it */
		}
	}
	if (best_prev)
		best_prev->next = best->next;
	else
		s->queue = best->next;
	if (s->queue_tail == best)
		s->queue_tail = best_prev;
	s->queued--;
	return best;
}

typedef struct worker_arg {
	ank_serve *s;
	unsigned index;
} worker_arg;

static void *worker_main(void *arg)
{
	worker_arg *wa = arg;
	ank_serve *s = wa->s;
	unsigned me = wa->index;
	free(wa);
	pthread_mutex_lock(&s->work_mu);
	for (;;) {
		while (!s->queue && !s->stopping)
			pthread_cond_wait(&s->work_cv, &s->work_mu);
		if (!s->queue)
			break; /* stopping, and the queue is done */
		job *j = pick(s);
		snprintf(s->running[me], KEY_MAX, "%s", j->key);
		pthread_mutex_unlock(&s->work_mu);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&s->work_mu);
		s->running[me][0] = '\0';
	}
	pthread_mutex_unlock(&s->work_mu);
	return NULL;
}

int ank_serve_work(ank_serve *s, struct MHD_Connection *conn, const char *key,
                   void (*fn)(void *job), void *arg)
{
	job *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	j->conn = conn;
	snprintf(j->key, sizeof j->key, "%s", key);
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&s->work_mu);
	if (s->stopping || s->queued >= MAX_QUEUED) {
		pthread_mutex_unlock(&s->work_mu);
		free(j);
		return -1;
	}
	/* Suspended before any worker can see the job, so its resume always follows. */
	MHD_suspend_connection(conn);
	if (s->queue_tail)
		s->queue_tail->next = j;
	else
		s->queue = j;
	s->queue_tail = j;
	s->queued++;
	pthread_cond_signal(&s->work_cv);
	pthread_mutex_unlock(&s->work_mu);
	return 0;
}

/* ---- the ingest writer ---- */

int ank_serve_ingest(ank_serve *s, struct MHD_Connection *conn, ank_cs_ingest_job *jb,
                     void (*done)(void *arg), void *arg)
{
	ingest_item *it = calloc(1, sizeof *it);
	if (!it)
		return -1;
	it->conn = conn;
	it->job = jb;
	it->done = done;
	it->arg = arg;
	pthread_mutex_lock(&s->ingest_mu);
	if (s->stopping) {
		pthread_mutex_unlock(&s->ingest_mu);
		free(it);
		return -1;
	}
	MHD_suspend_connection(conn);
	if (s->ingest_tail)
		s->ingest_tail->next = it;
	else
		s->ingest = it;
	s->ingest_tail = it;
	pthread_cond_signal(&s->ingest_cv);
	pthread_mutex_unlock(&s->ingest_mu);
	return 0;
}

static void *writer_main(void *arg)
{
	ank_serve *s = arg;
	ingest_item *group[INGEST_GROUP_MAX];
	ank_cs_ingest_job jobs[INGEST_GROUP_MAX];
	pthread_mutex_lock(&s->ingest_mu);
	for (;;) {
		while (!s->ingest && !s->stopping)
			pthread_cond_wait(&s->ingest_cv, &s->ingest_mu);
		if (!s->ingest)
			break;
		/* Everything queued meanwhile goes into this one commit, in arrival order. */
		int n = 0;
		while (s->ingest && n < INGEST_GROUP_MAX) {
			group[n++] = s->ingest;
			s->ingest = s->ingest->next;
		}
		if (!s->ingest)
			s->ingest_tail = NULL;
		s->groups++;
		s->batches += n;
		pthread_mutex_unlock(&s->ingest_mu);
		for (int i = 0; i < n; i++)
			jobs[i] = *group[i]->job;
		ank_cstore_ingest_many(s->cs, jobs, n, ank_now_ms());
		for (int i = 0; i < n; i++) {
			*group[i]->job = jobs[i];
			group[i]->done(group[i]->arg);
			MHD_resume_connection(group[i]->conn);
			free(group[i]);
		}
		pthread_mutex_lock(&s->ingest_mu);
	}
	pthread_mutex_unlock(&s->ingest_mu);
	return NULL;
}

/* ---- maintenance ---- */

static void *maint_main(void *arg)
{
	ank_serve *s = arg;
	int64_t next_seen = 0, next_check = 0, next_purge = 0;
	int64_t next_retention = ank_mono_ns() + RETENTION_FIRST_MS * 1000000LL;
	if (s->lim.check_interval_s)
		next_check = ank_mono_ns() + (int64_t)s->lim.check_interval_s * 1000000000LL;
	pthread_mutex_lock(&s->maint_mu);
	while (!s->stopping) {
		pthread_mutex_unlock(&s->maint_mu);
		/* The watchdog heartbeat (WatchdogSec in deploy/ankomst-central.service) comes
		 * from this loop, so a stuck maintenance thread or database gets central
		 * restarted. A no-op without NOTIFY_SOCKET. */
		sd_notify(0, "WATCHDOG=1");
		ank_cstore_probe(s->cs, s->lim.min_free_bytes, ank_now_ms());
		ank_cstore_changes_refresh(s->cs);
		int64_t now = ank_mono_ns();
		ank_err err;
		if (now >= next_seen) {
			if (ank_cstore_seen_flush(s->cs, &err))
				ank_log(ANK_LOG_WARN, "health",
				        "kiosks' last-seen times not written: %s", err.msg);
			next_seen = now + SEEN_FLUSH_EVERY_MS * 1000000LL;
		}
		if (now >= next_purge) {
			long long gone = 0;
			if (ank_cstore_sessions_purge(s->cs, ank_now_ms(), &gone, &err))
				ank_log(ANK_LOG_WARN, "health", "expired sessions not deleted: %s",
				        err.msg);
			else if (gone)
				ank_log(ANK_LOG_INFO, "staff", "%lld expired sessions deleted",
				        gone);
			next_purge = now + PURGE_EVERY_MS * 1000000LL;
		}
		if (now >= next_retention) {
			ank_cs_retention_stats rs;
			if (ank_cstore_retention(s->cs, &s->lim.retention, ank_now_ms(), &rs, &err))
				ank_log(ANK_LOG_WARN, "retention",
				        "not done, tried again tomorrow: %s", err.msg);
			else if (rs.users_deleted || rs.incident_texts || rs.audit_rows ||
			         rs.events)
				ank_log(ANK_LOG_INFO, "retention",
				        "%d inactive users deleted, %d incident texts removed, %d "
				        "audit rows deleted, %lld raw events deleted",
				        rs.users_deleted, rs.incident_texts, rs.audit_rows,
				        rs.events);
			next_retention = now + RETENTION_EVERY_MS * 1000000LL;
		}
		if (next_check && now >= next_check) {
			if (ank_cstore_quick_check(s->cs, &err))
				ank_log(ANK_LOG_ERROR, "health", "%s", err.msg);
			next_check = now + (int64_t)s->lim.check_interval_s * 1000000000LL;
		}
		pthread_mutex_lock(&s->maint_mu);
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += PROBE_EVERY_MS / 1000;
		if (!s->stopping)
			pthread_cond_timedwait(&s->maint_cv, &s->maint_mu, &ts);
	}
	pthread_mutex_unlock(&s->maint_mu);
	return NULL;
}

/* ---- checkpoints ---- */

/* From the committing thread (the store's lock held): only a signal. */
static void on_wal(void *ctx)
{
	ank_serve *s = ctx;
	pthread_mutex_lock(&s->ckpt_mu);
	s->ckpt_due = true;
	pthread_cond_signal(&s->ckpt_cv);
	pthread_mutex_unlock(&s->ckpt_mu);
}

/* Copies the WAL into the database file beside the writer, so that no commit waits for it. */
static void *ckpt_main(void *arg)
{
	ank_serve *s = arg;
	pthread_mutex_lock(&s->ckpt_mu);
	while (!s->stopping) {
		if (!s->ckpt_due) {
			pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
			continue;
		}
		s->ckpt_due = false;
		pthread_mutex_unlock(&s->ckpt_mu);
		ank_err err;
		if (ank_cstore_checkpoint(s->cs, &err))
			ank_log(ANK_LOG_WARN, "health", "%s", err.msg);
		pthread_mutex_lock(&s->ckpt_mu);
	}
	pthread_mutex_unlock(&s->ckpt_mu);
	return NULL;
}

/* ---- life cycle ---- */

static void cond_init_mono(pthread_cond_t *c)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
}

ank_serve *ank_serve_new(const ank_serve_limits *lim, ank_cstore *cs, ank_err *err)
{
	ank_serve *s = calloc(1, sizeof *s);
	if (!s) {
		ank_err_set(err, "out of memory");
		return NULL;
	}
	s->lim = *lim;
	s->cs = cs;
	pthread_mutex_init(&s->conn_mu, NULL);
	pthread_mutex_init(&s->work_mu, NULL);
	pthread_cond_init(&s->work_cv, NULL);
	pthread_mutex_init(&s->wait_mu, NULL);
	cond_init_mono(&s->wait_cv);
	pthread_mutex_init(&s->ingest_mu, NULL);
	pthread_cond_init(&s->ingest_cv, NULL);
	pthread_mutex_init(&s->maint_mu, NULL);
	cond_init_mono(&s->maint_cv);
	pthread_mutex_init(&s->ckpt_mu, NULL);
	pthread_cond_init(&s->ckpt_cv, NULL);
	s->n_workers = lim->workers ? lim->workers : 1;
	s->running = calloc(s->n_workers, sizeof *s->running);
	s->workers = calloc(s->n_workers, sizeof *s->workers);
	if (!s->running || !s->workers) {
		ank_err_set(err, "out of memory");
		ank_serve_free(s);
		return NULL;
	}
	ank_cstore_on_change(cs, on_change, s);
	ank_cstore_on_rev(cs, on_rev, s);
	int rc = pthread_create(&s->ticker, NULL, ticker_main, s);
	s->ticker_up = rc == 0;
	if (!rc) {
		rc = pthread_create(&s->writer, NULL, writer_main, s);
		s->writer_up = rc == 0;
	}
	if (!rc) {
		rc = pthread_create(&s->maint, NULL, maint_main, s);
		s->maint_up = rc == 0;
	}
	if (!rc) {
		rc = pthread_create(&s->ckpt, NULL, ckpt_main, s);
		s->ckpt_up = rc == 0;
		if (!rc)
			ank_cstore_background_checkpoints(cs, on_wal, s);
	}
	unsigned started = 0;
	for (; !rc && started < s->n_workers; started++) {
		worker_arg *wa = malloc(sizeof *wa);
		if (!wa) {
			rc = ENOMEM;
			break;
		}
		*wa = (worker_arg){s, started};
		rc = pthread_create(&s->workers[started], NULL, worker_main, wa);
		if (rc)
			free(wa);
	}
	if (rc) {
		s->n_workers = started;
		ank_err_set(err, "cannot start threads: %s", strerror(rc));
		ank_serve_stop(s);
		ank_serve_free(s);
		return NULL;
	}
	return s;
}

void ank_serve_stop(ank_serve *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->wait_mu);
	pthread_mutex_lock(&s->work_mu);
	pthread_mutex_lock(&s->ingest_mu);
	pthread_mutex_lock(&s->maint_mu);
	pthread_mutex_lock(&s->ckpt_mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->ckpt_cv);
	pthread_mutex_unlock(&s->ckpt_mu);
	pthread_cond_broadcast(&s->wait_cv);
	pthread_cond_broadcast(&s->work_cv);
	pthread_cond_broadcast(&s->ingest_cv);
	pthread_cond_broadcast(&s->maint_cv);
	pthread_mutex_unlock(&s->maint_mu);
	pthread_mutex_unlock(&s->ingest_mu);
	pthread_mutex_unlock(&s->work_mu);
	pthread_mutex_unlock(&s->wait_mu);
	if (s->ticker_up)
		pthread_join(s->ticker, NULL);
	if (s->writer_up)
		pthread_join(s->writer, NULL);
	if (s->maint_up)
		pthread_join(s->maint, NULL);
	ank_cstore_background_checkpoints(s->cs, NULL, NULL);
	if (s->ckpt_up)
		pthread_join(s->ckpt, NULL);
	for (unsigned i = 0; i < s->n_workers; i++)
		pthread_join(s->workers[i], NULL);
	s->ticker_up = s->writer_up = s->maint_up = s->ckpt_up = false;
	s->n_workers = 0;
	ank_cstore_on_change(s->cs, NULL, NULL);
	ank_cstore_on_rev(s->cs, NULL, NULL);
	/* Long-polls that arrived after the ticker ended. */
	pthread_mutex_lock(&s->wait_mu);
	wake_waiters(s, false, false, true);
	pthread_mutex_unlock(&s->wait_mu);
}

void ank_serve_free(ank_serve *s)
{
	if (!s)
		return;
	free(s->running);
	free(s->workers);
	pthread_cond_destroy(&s->ckpt_cv);
	pthread_mutex_destroy(&s->ckpt_mu);
	pthread_cond_destroy(&s->maint_cv);
	pthread_mutex_destroy(&s->maint_mu);
	pthread_cond_destroy(&s->ingest_cv);
	pthread_mutex_destroy(&s->ingest_mu);
	pthread_cond_destroy(&s->wait_cv);
	pthread_mutex_destroy(&s->wait_mu);
	pthread_cond_destroy(&s->work_cv);
	pthread_mutex_destroy(&s->work_mu);
	pthread_mutex_destroy(&s->conn_mu);
	free(s);
}

void ank_serve_stats_get(ank_serve *s, ank_serve_stats *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&s->conn_mu);
	out->connections = s->n_conns;
	out->cut_deadline = s->cut_deadline;
	pthread_mutex_unlock(&s->conn_mu);
	pthread_mutex_lock(&s->wait_mu);
	out->longpolls = s->n_waiters;
	pthread_mutex_unlock(&s->wait_mu);
	pthread_mutex_lock(&s->work_mu);
	out->queued = s->queued;
	pthread_mutex_unlock(&s->work_mu);
	pthread_mutex_lock(&s->ingest_mu);
	out->ingest_groups = s->groups;
	out->ingest_batches = s->batches;
	pthread_mutex_unlock(&s->ingest_mu);
}
