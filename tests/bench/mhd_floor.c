/* The floor for the central benchmark (tests/bench/bench_central.sh): the least a libmicrohttpd
 * program does to answer GET /healthz with the threading model and options ankomst-central
 * uses, so that the difference between the two is central's own cost. */
#include <microhttpd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

/* The defaults of central's serving contract (issue 9: max_connections,
 * max_connections_per_address, idle_timeout_s), so both daemons are configured alike. */
#define MAX_CONNECTIONS             8192
#define MAX_CONNECTIONS_PER_ADDRESS 64
#define CONNECTION_TIMEOUT          60

static const char usage[] =
        "usage: mhd_floor --port-file FILE [--model epoll|thread] [--threads N]\n"
        "  epoll (default): libmicrohttpd's epoll internal thread, or a pool of N of them,\n"
        "  with suspend/resume allowed, as central since issue 9 serves;\n"
        "  thread: a thread per connection with a select internal thread, as before\n";
static const char ok_body[] = "ok\n";

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	(void)upload;
	/* Like central, the first call only marks the request as seen; the answer comes on the
	 * second, after any body. */
	if (!*con_cls) {
		*con_cls = conn;
		return MHD_YES;
	}
	*upload_size = 0;
	bool found = !strcmp(method, "GET") && !strcmp(url, "/healthz");
	/* The same bytes on the wire as central's answer: body and both headers. */
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	        found ? sizeof ok_body - 1 : 0, (void *)ok_body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", "text/plain");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result r = MHD_queue_response(conn, found ? 200 : 404, resp);
	MHD_destroy_response(resp);
	return r;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL;
	bool per_connection = false, bad = argc % 2 == 0;
	long threads = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--port-file")) {
			port_file = v;
		} else if (!strcmp(o, "--model") && !strcmp(v, "thread")) {
			per_connection = true;
		} else if (!strcmp(o, "--model") && !strcmp(v, "epoll")) {
			per_connection = false;
		} else if (!strcmp(o, "--threads")) {
			char *end;
			threads = strtol(v, &end, 10);
			bad = bad || *end || threads < 1 || threads > 64;
		} else {
			bad = true;
		}
	}
	if (!port_file || bad) {
		fputs(usage, stderr);
		return 2;
	}
	/* Loopback and a port the kernel picks, written to the file as central's --port-file. */
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	unsigned flags = per_connection
	                         ? MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
	                         : MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
	/* A pool of one is no pool: the option is left out then. */
	struct MHD_OptionItem pool[] = {
	        {threads > 1 && !per_connection ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
	         threads, NULL},
	        {MHD_OPTION_END, 0, NULL},
	};
	struct MHD_Daemon *d = MHD_start_daemon(
	        flags | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
	        (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
	        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS_PER_ADDRESS,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT, MHD_OPTION_ARRAY, pool,
	        MHD_OPTION_END);
	if (!d) {
		fputs("mhd_floor: cannot listen\n", stderr);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	FILE *fp = fopen(port_file, "w");
	if (!info || !fp) {
		fputs("mhd_floor: cannot write the port file\n", stderr);
		if (fp)
			fclose(fp);
		MHD_stop_daemon(d);
		return 1;
	}
	fprintf(fp, "%u\n", info->port);
	fclose(fp);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stopping)
		pause();
	MHD_stop_daemon(d);
	return 0;
}
