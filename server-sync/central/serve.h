/* Private to ankomst-central: the machinery that keeps central serving under load and attack,
 * beside libmicrohttpd's event loop: every connection's deadline (a request's headers and body
 * must arrive in time, a trickling client is cut), a bounded pool of worker threads that
 * serves client addresses fairly, long-polls held as suspended connections and woken by new
 * changes, and the one writer that commits many kiosks' batches together. */
#ifndef ANK_CENTRAL_SERVE_H
#define ANK_CENTRAL_SERVE_H

#include <microhttpd.h>
#include <stdbool.h>

#include "ank_err.h"
#include "cstore.h"

/* The limits, from the [central] section of the config (docs/operations.md). */
typedef struct ank_serve_limits {
	unsigned max_connections;   /* at once, all clients */
	unsigned per_address;       /* at once from one client address; 0 = no limit */
	unsigned deadline_s;        /* a new connection's first request, and any request's headers
	                               and body, must have arrived within this */
	unsigned idle_s;            /* a kept-alive connection between requests */
	unsigned workers;           /* threads for requests that do work */
	unsigned poll_threads;      /* libmicrohttpd's event loops */
	long long min_free_bytes;   /* below this on the database's disk, /healthz says full */
	unsigned check_interval_s;  /* PRAGMA quick_check this often; 0 = only at start */
	ank_cs_retention retention; /* the daily deletion job (docs/privacy.md "Retention") */
} ank_serve_limits;

typedef struct ank_serve ank_serve;

/* Counters for /metrics. */
typedef struct ank_serve_stats {
	long long connections;    /* open now */
	long long cut_deadline;   /* connections cut because a request came too slowly */
	long long longpolls;      /* held now */
	long long queued;         /* requests waiting for a worker now */
	long long ingest_groups;  /* commits of the ingest writer */
	long long ingest_batches; /* batches those commits held */
} ank_serve_stats;

/* A new serving state for cs (borrowed), with its threads running; NULL with err. Stop it with
 * ank_serve_stop before stopping the daemon, then free it after. */
ank_serve *ank_serve_new(const ank_serve_limits *lim, ank_cstore *cs, ank_err *err);
/* Answers every held long-poll now, finishes the queued work and stops the threads; new work
 * is then done at once on the caller's thread. */
void ank_serve_stop(ank_serve *s);
void ank_serve_free(ank_serve *s);
void ank_serve_stats_get(ank_serve *s, ank_serve_stats *out);

/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback (cls is the ank_serve). */
void ank_serve_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                             enum MHD_ConnectionNotificationCode code);
/* A request's line has arrived: its headers and body are now due within the deadline. */
void ank_serve_request_started(ank_serve *s, struct MHD_Connection *conn);
/* A request has arrived whole: it is being answered, no deadline. */
void ank_serve_request_received(ank_serve *s, struct MHD_Connection *conn);
/* A request was answered: the connection may stay idle for idle_s. */
void ank_serve_request_done(ank_serve *s, struct MHD_Connection *conn);

/* Runs fn(job) on a worker thread, the connection suspended meanwhile; fn ends by calling
 * MHD_resume_connection(conn). Among waiting jobs, the one whose address `key` has the fewest
 * jobs running goes first, so one client's flood cannot starve another's request. 0, or -1
 * when stopping or the queue is full (the caller answers at once). */
int ank_serve_work(ank_serve *s, struct MHD_Connection *conn, const char *key,
                   void (*fn)(void *job), void *job);
/* Holds a long-poll: the connection is suspended until a change for `site` above `since` is
 * committed or wait_ms have passed, then resumed (its handler runs again and answers). 0 when
 * held; 1 when a change came meanwhile and -1 when stopping (both: answer at once). */
int ank_serve_wait(ank_serve *s, struct MHD_Connection *conn, const char *site, long long since,
                   int wait_ms);
/* Answers every kiosk long-poll held for `site` now (a kiosk of it was revoked: its poll is
 * answered 401 when its handler runs again, the others get their changes and poll again). */
void ank_serve_wake_site(ank_serve *s, const char *site);
/* Holds a console long-poll whose connection a worker route already suspended: it is resumed
 * when the site's revision is no longer `rev` or wait_ms have passed (the route then runs
 * again on a worker, resumed, and answers). 0 when held; 1 when the revision moved meanwhile
 * and -1 when stopping (both: answer at once). */
int ank_serve_hold_rev(ank_serve *s, struct MHD_Connection *conn, const char *site, long long rev,
                       int wait_ms);
/* Resumes a suspended connection after `ms` (at the ticker's 100 ms steps): a refusal held
 * back so that a flood gets at most one answer a second per connection (the login tar pit).
 * At once when stopping. */
void ank_serve_resume_after(ank_serve *s, struct MHD_Connection *conn, int ms);
/* Queues a kiosk's batch for the ingest writer, which commits all queued batches in one
 * transaction, then calls done(arg) for each and resumes its connection. 0, or -1 when
 * stopping (ingest at once). */
int ank_serve_ingest(ank_serve *s, struct MHD_Connection *conn, ank_cs_ingest_job *job,
                     void (*done)(void *arg), void *arg);

#endif
