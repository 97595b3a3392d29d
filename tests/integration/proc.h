/* The process plumbing the integration tests share: running a command with stdin text and
 * its output captured, starting and stopping the real `ankomst-central serve` on a loopback
 * port, and keeping or removing a run's directory. */
#ifndef ANK_TEST_PROC_H
#define ANK_TEST_PROC_H

#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ank_buf.h"

/* The most arguments a command started here takes, its name and the closing NULL included. */
#define PROC_MAX_ARGS 32
/* How long central may take to write its port file (ASan start-up on a loaded machine
 * included): a guard against a hang, not a measure. */
#define PROC_START_WAIT_MS 20000

/* A central serving on 127.0.0.1, started by proc_central_start. */
typedef struct proc_central {
	pid_t pid; /* 0 when it is not running (never started, exited, or stopped) */
	int port;  /* its loopback port once it listens */
} proc_central;

/* Runs argv (argv[0] searched on PATH, argv NULL-terminated) with `input` (NULL: none) on
 * its stdin and its stdout and stderr appended to out (NULL: dropped; what goes beyond
 * out's cap is dropped too, the caller owns and frees out); returns the exit status,
 * 128 + signal, or -1 when it could not be started. */
int proc_run(const char *const *argv, const char *input, ank_buf *out);

/* proc_run of `bin` with the NULL-terminated arguments in args (after bin, without it), for
 * a test's variadic wrapper; -1 as well when there are more than PROC_MAX_ARGS - 2. */
int proc_run_va(const char *bin, const char *input, ank_buf *out, va_list args);

/* Starts `bin serve --listen 127.0.0.1:0 --port-file PORT_FILE EXTRA...` (extra
 * NULL-terminated, or NULL) with its stdout and stderr appended to log_file, and waits up
 * to PROC_START_WAIT_MS for its port. Returns 0 when it listens (c->pid and c->port set; the
 * caller ends it with proc_stop); its exit status or 128 + signal when it stopped before
 * that (c->pid 0); -1 when it could not be started, stopped with status 0 without a port,
 * or neither listened nor stopped in time (c->pid then still set, for proc_stop). */
int proc_central_start(proc_central *c, const char *bin, const char *port_file,
                       const char *log_file, const char *const *extra);

/* Ends the process *pid with SIGTERM, waiting for it (at most wait_ms, then SIGKILL; 0: as
 * long as it takes), and sets *pid to 0; returns its exit status (0 from central also means
 * ASan found no leak), 128 + signal, or -1 when it was not running or had to be killed. */
int proc_stop(pid_t *pid, int wait_ms);

/* A test's end: with keep (a case failed), prints log_file on stdout and leaves dir for a
 * look; otherwise removes dir with all in it. */
void proc_end_dir(const char *dir, const char *log_file, bool keep);

#endif
