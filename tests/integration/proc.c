/* The integration tests' processes (proc.h): a command run to its end with pipes for its
 * stdin and output, and central's `serve` started in the background and found by its port
 * file. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ank_text.h"

/* How often a wait looks again at the port file or the process. */
#define POLL_MS 20

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A wait status as the tests report it: the exit status, or 128 + the signal. */
static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int wait_for(pid_t pid)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status_of(st);
}

int proc_run(const char *const *argv, const char *input, ank_buf *out)
{
	int in[2], res[2];
	if (pipe(in))
		return -1;
	if (pipe(res)) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(res[0]);
		close(res[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		dup2(res[1], 2);
		close(in[0]);
		close(in[1]);
		close(res[0]);
		close(res[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	if (input && write(in[1], input, strlen(input)) < 0)
		perror("write");
	close(in[1]);
	/* Read to the end so that the child never blocks on a full pipe. */
	char chunk[4096];
	ssize_t n;
	while ((n = read(res[0], chunk, sizeof chunk)) > 0) {
		if (!out)
			continue;
		size_t room = out->cap - out->len;
		ank_buf_append(out, chunk, (size_t)n < room ? (size_t)n : room);
	}
	close(res[0]);
	return wait_for(pid);
}

int proc_run_va(const char *bin, const char *input, ank_buf *out, va_list args)
{
	const char *argv[PROC_MAX_ARGS] = {bin};
	int n = 1;
	for (const char *a = va_arg(args, const char *); a; a = va_arg(args, const char *)) {
		if (n == PROC_MAX_ARGS - 1)
			return -1;
		argv[n++] = a;
	}
	argv[n] = NULL;
	return proc_run(argv, input, out);
}

/* Whether the port file holds a whole port yet; central may be writing it still. */
static bool read_port(const char *port_file, int *port)
{
	FILE *fp = fopen(port_file, "r");
	if (!fp)
		return false;
	char line[16] = "";
	bool got = fgets(line, sizeof line, fp) != NULL;
	fclose(fp);
	line[strcspn(line, "\n")] = '\0';
	long p;
	if (!got || ank_parse_long(line, 1, 65535, &p) != 0)
		return false;
	*port = (int)p;
	return true;
}

int proc_central_start(proc_central *c, const char *bin, const char *port_file,
                       const char *log_file, const char *const *extra)
{
	const char *argv[PROC_MAX_ARGS] = {bin,           "serve",       "--listen",
	                                   "127.0.0.1:0", "--port-file", port_file};
	int n = 6;
	for (; extra && *extra; extra++) {
		if (n == PROC_MAX_ARGS - 1)
			return -1;
		argv[n++] = *extra;
	}
	argv[n] = NULL;
	c->pid = 0;
	c->port = 0;
	unlink(port_file);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	c->pid = pid;
	for (int waited = 0; waited < PROC_START_WAIT_MS; waited += POLL_MS) {
		if (read_port(port_file, &c->port))
			return 0;
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			c->pid = 0;
			return status_of(st) ? status_of(st) : -1;
		}
		sleep_ms(POLL_MS);
	}
	return -1;
}

int proc_stop(pid_t *pid, int wait_ms)
{
	if (*pid <= 0)
		return -1;
	pid_t p = *pid;
	*pid = 0;
	kill(p, SIGTERM);
	if (wait_ms <= 0)
		return wait_for(p);
	int st = 0;
	for (int waited = 0; waited < wait_ms; waited += POLL_MS) {
		if (waitpid(p, &st, WNOHANG) == p)
			return status_of(st);
		sleep_ms(POLL_MS);
	}
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	return -1;
}

void proc_end_dir(const char *dir, const char *log_file, bool keep)
{
	if (keep) {
		printf("--- %s (kept for a look)\n", log_file);
		FILE *fp = fopen(log_file, "r");
		char line[512];
		while (fp && fgets(line, sizeof line, fp))
			fputs(line, stdout);
		if (fp)
			fclose(fp);
		return;
	}
	const char *rm[] = {"rm", "-rf", dir, NULL};
	proc_run(rm, NULL, NULL);
}
