/* The watchdog test: runs a program (central or the kiosk, argv[1..]) with NOTIFY_SOCKET set
 * to a datagram socket it listens on, as systemd does, and checks what the program sends:
 * READY=1, then WATCHDOG=1 heartbeats; none while the program is stopped (SIGSTOP), so
 * systemd's WatchdogSec would restart a hung process; heartbeats again after SIGCONT. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long the program has to start and say READY=1 (the kiosk loads fonts and catalogs). */
#define READY_WITHIN_MS 20000
/* The heartbeat is sent every second (serve.c, kiosk_main.c): in this window we want two. */
#define BEATS_WINDOW_MS 3500
/* Stopped this long, a stopped program must have sent nothing. */
#define STOPPED_MS 3000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Counts datagrams containing want (a line such as "WATCHDOG=1") arriving within ms; with
 * stop_at_first, returns at the first one. */
static int count_msgs(int fd, const char *want, long long ms, int stop_at_first)
{
	long long end = now_ms() + ms;
	int n = 0;
	for (long long left; (left = end - now_ms()) > 0;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		char buf[4096];
		ssize_t got = recv(fd, buf, sizeof buf - 1, 0);
		if (got <= 0)
			continue;
		buf[got] = '\0';
		if (strstr(buf, want)) {
			n++;
			if (stop_at_first)
				return n;
		}
	}
	return n;
}

static int failures;

static void expect(const char *name, int ok, const char *detail, int v)
{
	printf("%s %s", ok ? "ok  " : "FAIL", name);
	if (!ok) {
		printf(" (%s: %d)", detail, v);
		failures++;
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: watchdog_test PROGRAM [ARG...]\n");
		return 2;
	}
	char dir[] = "/tmp/ank-notify-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/notify", dir);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
		perror("notify socket");
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		setenv("NOTIFY_SOCKET", sa.sun_path, 1);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	int ready = count_msgs(fd, "READY=1", READY_WITHIN_MS, 1);
	expect("ready", ready == 1, "READY=1 messages", ready);
	int beats = count_msgs(fd, "WATCHDOG=1", BEATS_WINDOW_MS, 0);
	expect("heartbeats", beats >= 2, "WATCHDOG=1 in 3.5 s", beats);
	kill(pid, SIGSTOP);
	/* What was sent before the stop took effect may still be queued: drain it. */
	count_msgs(fd, "WATCHDOG=1", 200, 0);
	int stopped = count_msgs(fd, "WATCHDOG=1", STOPPED_MS, 0);
	expect("stopped-sends-nothing", stopped == 0, "WATCHDOG=1 while stopped", stopped);
	kill(pid, SIGCONT);
	int again = count_msgs(fd, "WATCHDOG=1", BEATS_WINDOW_MS, 0);
	expect("heartbeats-after-cont", again >= 2, "WATCHDOG=1 in 3.5 s", again);
	kill(pid, SIGTERM);
	int st = 0;
	waitpid(pid, &st, 0);
	close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
	return failures ? 1 : 0;
}
