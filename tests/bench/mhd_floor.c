/* The floor for the central benchmark (tests/bench/bench_central.sh): the least a libmicrohttpd
 * program does to answer GET /healthz with the daemon flags and options ankomst-central uses, so
 * that the difference between the two is central's own cost. */
#include <microhttpd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

/* The same values as server-sync/central/central.c, so both daemons are configured alike. */
#define MAX_CONNECTIONS    1024
#define CONNECTION_TIMEOUT 60

static const char usage[] = "usage: mhd_floor --port-file FILE\n";
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
	if (argc != 3 || strcmp(argv[1], "--port-file") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	/* Loopback and a port the kernel picks, written to the file as central's --port-file. */
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(
	        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	        0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	        MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT, MHD_OPTION_END);
	if (!d) {
		fputs("mhd_floor: cannot listen\n", stderr);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	FILE *fp = fopen(argv[2], "w");
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
