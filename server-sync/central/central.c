/* ankomst-central: the subcommands (serve, migrate, pair-kiosk, create-admin, add-site,
 * display-key, report, rebuild), the optional INI config and starting the HTTP service (http.c,
 * serve.c) on libmicrohttpd's epoll loops, with TLS when a certificate is given. */
#include <ini.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"
#include "admin_texts.h"
#include "cstore.h"
#include "http.h"
#include "preview.h"
#include "proto.h"
#include "report_make.h"
#include "report_suppress.h"
#include "serve.h"
#include "web.h"
#include "ank_version.h"

/* Where the pages and catalogs are unless the config says otherwise: the source tree (the
 * build sets it); an installed central names them in its config. */
#ifndef ANK_DATA_DIR
#define ANK_DATA_DIR "."
#endif

/* The defaults of the [central] limits (docs/operations.md "Limits"). Connections at once: a
 * region's kiosks long-polling (each holds one) plus staff browsers, far below the file
 * descriptors central asks for at start. Per address: a site has a few kiosks and desks
 * behind one address; behind a proxy everything is one address, so set 0 there and limit at
 * the proxy. */
#define DEFAULT_MAX_CONNECTIONS  8192
#define DEFAULT_PER_ADDRESS      64
#define DEFAULT_DEADLINE_S       20
#define DEFAULT_IDLE_S           60
#define DEFAULT_WORKERS          4
#define DEFAULT_POLL_THREADS     2
#define DEFAULT_MIN_FREE_MB      64
#define DEFAULT_CHECK_INTERVAL_S 3600
/* libmicrohttpd's memory per connection: the request's headers and read buffer. Above
 * http.c's header limit, so a large header section gets our 400, not the library's answer;
 * small enough that 5,000 held long-polls stay well under 150 MB. */
#define ANK_HTTP_CONNECTION_MEMORY (16 * 1024)
/* Descriptors beyond the connections: the database, its WAL, logs, the listening socket. */
#define FD_RESERVE 64
/* A PEM certificate chain or key; anything larger is not one. */
#define PEM_MAX_BYTES (1024 * 1024)
/* Paths from flags or the config file. */
#define PATH_MAX_BYTES 4096

/* Settings from the config file, overridden by flags. */
typedef struct opts {
	char db[PATH_MAX_BYTES], listen[64], tls_cert[PATH_MAX_BYTES], tls_key[PATH_MAX_BYTES];
	char log_format[8];
	char metrics_token[ANK_TOKEN_HEX + 1];
	char web_dir[PATH_MAX_BYTES], i18n_dir[PATH_MAX_BYTES]; /* the browser's files */
	/* The screen texts' preview: the kiosk program and its data (admin_texts.h). */
	char kiosk_binary[PATH_MAX_BYTES], kiosk_data[PATH_MAX_BYTES];
	ank_serve_limits lim;
	unsigned min_free_mb;    /* lim.min_free_bytes, as the config gives it */
	unsigned suppress_below; /* report: counts under it are hidden (report_suppress.h) */
	unsigned retain_registry_months, retain_incident_text_days, retain_audit_days,
	        retain_events_days; /* ank_cs_retention */
	const char *port_file, *site, *user, *name, *municipality, *from, *to, *quarter, *year,
	        *format, *suppress, *now, *kiosk;
	bool revoke; /* display-key --revoke */
	char config_error[256];
} opts;

/* ---- serve ---- */

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int parse_listen(const char *s, char host[64], unsigned *port)
{
	const char *colon = strrchr(s, ':');
	long p;
	if (!colon || colon - s >= 64 || ank_parse_long(colon + 1, 0, 65535, &p))
		return -1;
	snprintf(host, 64, "%.*s", (int)(colon - s), s);
	*port = (unsigned)p;
	return 0;
}

/* A whole small file as a NUL-terminated string the caller frees; NULL on failure. */
static char *read_small_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = malloc(PEM_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, PEM_MAX_BYTES + 1, fp) : 0;
	fclose(fp);
	if (!buf || n == 0 || n > PEM_MAX_BYTES) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* The TLS certificate and key of the options read into memory, or both NULL without TLS.
 * 0, or the exit status after saying why. The texts are malloc'd, freed by the caller
 * (MHD keeps pointers to them until the daemon stops). */
static int serve_tls_load(const opts *o, char **cert, char **key)
{
	*cert = *key = NULL;
	bool tls = o->tls_cert[0] || o->tls_key[0];
	if (!tls)
		return 0;
	if (!(o->tls_cert[0] && o->tls_key[0])) {
		fprintf(stderr, "ankomst-central: TLS needs both --tls-cert and --tls-key\n");
		return 2;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fprintf(stderr, "ankomst-central: this libmicrohttpd has no TLS\n");
		return 1;
	}
	*cert = read_small_file(o->tls_cert);
	*key = read_small_file(o->tls_key);
	if (!*cert || !*key) {
		fprintf(stderr, "ankomst-central: cannot read %s\n",
		        !*cert ? o->tls_cert : o->tls_key);
		free(*cert);
		free(*key);
		*cert = *key = NULL;
		return 1;
	}
	return 0;
}

/* Starts libmicrohttpd on addr for h (TLS when cert is given), or NULL: epoll event loops
 * (no select() and its 1,024-descriptor ceiling), suspendable connections for long-polls and
 * deferred work, the connection limits, and the callbacks that start and end each request's
 * deadline (serve.c). */
static struct MHD_Daemon *serve_start(ank_http *h, ank_serve *sv, const ank_serve_limits *lim,
                                      struct sockaddr_in *addr, char *cert, char *key)
{
	struct MHD_OptionItem tls_opts[] = {
	        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
	        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
	        {MHD_OPTION_END, 0, NULL},
	};
	return MHD_start_daemon(
	        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
	                (cert ? MHD_USE_TLS : 0),
	        0, NULL, NULL, ank_http_on_request, h, MHD_OPTION_SOCK_ADDR,
	        (struct sockaddr *)addr, MHD_OPTION_THREAD_POOL_SIZE, lim->poll_threads,
	        MHD_OPTION_NOTIFY_COMPLETED, ank_http_on_completed, h, MHD_OPTION_NOTIFY_CONNECTION,
	        ank_serve_on_connection, sv, MHD_OPTION_URI_LOG_CALLBACK, ank_http_on_uri, h,
	        MHD_OPTION_CONNECTION_LIMIT, lim->max_connections,
	        MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim->per_address, MHD_OPTION_CONNECTION_TIMEOUT,
	        lim->idle_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)ANK_HTTP_CONNECTION_MEMORY,
	        MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
}

/* The retention settings of [central] and the flags, as the store's job takes them. */
static ank_cs_retention retention_of(const opts *o)
{
	return (ank_cs_retention){.registry_months = (int)o->retain_registry_months,
	                          .incident_text_days = (int)o->retain_incident_text_days,
	                          .audit_days = (int)o->retain_audit_days,
	                          .events_days = (int)o->retain_events_days};
}

/* Raises the soft descriptor limit to the hard one and lowers max_connections to what fits:
 * the connection limit, not the descriptor table, must be what refuses a flood. */
static void fit_descriptors(ank_serve_limits *lim)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)lim->max_connections + FD_RESERVE) {
		unsigned fit = rl.rlim_cur > FD_RESERVE ? (unsigned)(rl.rlim_cur - FD_RESERVE) : 16;
		ank_log(ANK_LOG_WARN, "central",
		        "max_connections %u lowered to %u: only %llu file descriptors (raise "
		        "LimitNOFILE)",
		        lim->max_connections, fit, (unsigned long long)rl.rlim_cur);
		lim->max_connections = fit;
	}
}

/* Says where it listens (and writes the port to --port-file), then waits for SIGINT or
 * SIGTERM. */
static void serve_until_stopped(const opts *o, struct MHD_Daemon *d, const char *host,
                                unsigned port, bool tls)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = info ? info->port : port;
	ank_log(ANK_LOG_INFO, "central", "listening on %s:%u (%s), database %s", host, bound,
	        tls ? "https" : "http", o->db);
	if (o->port_file) {
		FILE *fp = fopen(o->port_file, "w");
		if (fp) {
			fprintf(fp, "%u\n", bound);
			fclose(fp);
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* systemd's Type=notify: serving from now on. A no-op without NOTIFY_SOCKET. */
	sd_notify(0, "READY=1");
	/* sleep, not pause: a signal landing between the test and the call would leave pause
	 * waiting for another one; sleep returns within a second anyway. */
	while (!stopping)
		sleep(1);
	sd_notify(0, "STOPPING=1");
}

static int cmd_serve(opts *o)
{
	char host[64];
	unsigned port;
	if (parse_listen(o->listen, host, &port)) {
		fprintf(stderr, "ankomst-central: --listen wants ADDR:PORT\n");
		return 2;
	}
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "ankomst-central: %s is not an IPv4 address\n", host);
		return 2;
	}
	char *cert, *key;
	int rc = serve_tls_load(o, &cert, &key);
	if (rc)
		return rc;
	bool tls = cert != NULL;
	ank_cstore *cs;
	ank_err err;
	/* A damaged file is refused before anything is served or written (docs/operations.md,
	 * "A damaged database"). */
	if (ank_cstore_open(o->db, true, &cs, &err)) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		free(cert);
		free(key);
		return 1;
	}
	/* An upgraded central.db: every site gets its ticket key, and its kiosks get it with
	 * their next poll. A failure (a full disk) is not fatal: the key is made again at the
	 * next pairing or ticket check. */
	int keys_made = 0;
	if (ank_cstore_site_keys_ensure(cs, ank_now_ms(), &keys_made, &err))
		ank_log(ANK_LOG_WARN, "central", "ticket keys of older sites not made: %s",
		        err.msg);
	else if (keys_made)
		ank_log(ANK_LOG_INFO, "central", "ticket keys made for %d sites", keys_made);
	o->lim.min_free_bytes = (long long)o->min_free_mb * 1024 * 1024;
	o->lim.retention = retention_of(o);
	fit_descriptors(&o->lim);
	/* The pages are read before anything is served, so a broken install says so at once. */
	ank_web *web = NULL;
	if (ank_web_load(o->web_dir, o->i18n_dir, &web, &err)) {
		fprintf(stderr, "ankomst-central: web files: %s\n", err.msg);
		ank_cstore_close(cs);
		free(cert);
		free(key);
		return 1;
	}
	/* The information screens' pictograms for the waiting-room page: the kiosk's own icons. */
	int icons = ank_web_load_pictograms(web, o->kiosk_data, &err);
	if (icons < (int)ank_pictogram_count())
		ank_log(ANK_LOG_WARN, "central", "%d of %d pictograms for /display: %s", icons,
		        (int)ank_pictogram_count(), err.msg);
	/* The screen texts' previews: the kiosk program, and a directory beside the database. */
	ank_texts_conf *texts = calloc(1, sizeof *texts);
	if (texts) {
		ank_preview_kiosk_path(o->kiosk_binary, texts->kiosk_bin, sizeof texts->kiosk_bin);
		snprintf(texts->kiosk_data, sizeof texts->kiosk_data, "%s", o->kiosk_data);
		snprintf(texts->work_root, sizeof texts->work_root, "%.4000s.previews", o->db);
		if (ank_texts_conf_init(texts, &err)) {
			ank_log(ANK_LOG_WARN, "central", "no screen-text previews: %s", err.msg);
			free(texts);
			texts = NULL;
		}
	}
	ank_serve *sv = ank_serve_new(&o->lim, cs, &err);
	ank_http *h = sv ? ank_http_new(cs, sv, o->metrics_token, web) : NULL;
	if (h) {
		ank_http_set_report_below(h, (int)o->suppress_below);
		ank_http_set_texts(h, texts);
	}
	struct MHD_Daemon *d = h ? serve_start(h, sv, &o->lim, &addr, cert, key) : NULL;
	if (d) {
		serve_until_stopped(o, d, host, port, tls);
		/* No new connections; held long-polls answer, queued work finishes; then the
		 * daemon stops with nothing suspended. */
		MHD_quiesce_daemon(d);
		ank_serve_stop(sv);
		MHD_stop_daemon(d);
		ank_err ferr;
		if (ank_cstore_seen_flush(cs, &ferr))
			ank_log(ANK_LOG_WARN, "central", "last-seen times not written: %s",
			        ferr.msg);
		ank_log(ANK_LOG_INFO, "central", "stopped");
	} else {
		fprintf(stderr, "ankomst-central: cannot listen on %s%s\n", o->listen,
		        tls ? " (or the certificate and key do not fit)" : "");
		ank_serve_stop(sv);
		rc = 1;
	}
	ank_http_free(h);
	ank_serve_free(sv);
	if (texts) {
		ank_texts_conf_free(texts);
		free(texts);
	}
	ank_web_free(web);
	ank_cstore_close(cs);
	if (key)
		sodium_memzero(key, strlen(key));
	free(cert);
	free(key);
	return rc;
}

/* ---- the other subcommands ---- */

static int cmd_migrate(opts *o, ank_cstore *cs)
{
	(void)cs;
	printf("database %s is up to date\n", o->db);
	return 0;
}

static int cmd_pair_kiosk(opts *o, ank_cstore *cs)
{
	if (!o->site || !ank_text_is_slug(o->site, ANK_CS_ID_MAX)) {
		fprintf(stderr, "ankomst-central: pair-kiosk needs --site SITE\n");
		return 2;
	}
	char code[ANK_PAIR_CODE_LEN + 3];
	ank_err err;
	if (ank_cstore_pair_code(cs, o->site, ank_now_ms(), code, &err) != ANK_CS_OK) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	printf("%s\n", code);
	return 0;
}

/* Revokes a lost or stolen kiosk from the command line, as the admin page does: its token
 * stops working at once (a running central answers its next push or poll 401). The audit log
 * says so, with the operator's login name as the actor and "cli" as the address. */
static int cmd_revoke_kiosk(opts *o, ank_cstore *cs)
{
	if (!o->kiosk || !ank_text_is_slug(o->kiosk, ANK_CS_ID_MAX)) {
		fprintf(stderr, "ankomst-central: revoke-kiosk needs --kiosk ID (ankomst-central "
		                "kiosks, or the admin page, lists them)\n");
		return 2;
	}
	char site[ANK_CS_ID_MAX + 1] = "";
	ank_err err;
	int64_t now = ank_now_ms();
	ank_cs_rc rc = ank_cstore_kiosk_revoke(cs, o->kiosk, now, site, &err);
	ank_audit_entry e = {.at_ms = now};
	const char *who = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
	snprintf(e.actor, sizeof e.actor, "%s",
	         who && ank_text_is_slug(who, 60) ? who : "operator");
	snprintf(e.addr, sizeof e.addr, "cli");
	snprintf(e.action, sizeof e.action, "kiosk_revoke");
	snprintf(e.object, sizeof e.object, "%s", o->kiosk);
	snprintf(e.result, sizeof e.result, "%s",
	         rc == ANK_CS_OK        ? "200"
	         : rc == ANK_CS_UNKNOWN ? "404"
	         : rc == ANK_CS_EXISTS  ? "409"
	                                : "500");
	ank_err aerr;
	if (rc != ANK_CS_DB && ank_cstore_audit_add(cs, &e, &aerr))
		ank_log(ANK_LOG_WARN, "admin", "revoke-kiosk not audited: %s", aerr.msg);
	if (rc == ANK_CS_UNKNOWN || rc == ANK_CS_EXISTS) {
		fprintf(stderr, "ankomst-central: kiosk %s %s\n", o->kiosk,
		        rc == ANK_CS_UNKNOWN ? "is not paired here" : "was revoked already");
		return 1;
	}
	if (rc != ANK_CS_OK) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	ank_log(ANK_LOG_INFO, "admin", "kiosk %s of site %s revoked from the command line",
	        o->kiosk, site);
	printf("kiosk %s of site %s revoked\n", o->kiosk, site);
	return 0;
}

/* Reads one line (the password) from stdin without echo when it is a terminal. Returns 0, or
 * -1 when the line is missing or longer than the buffer. */
static int read_password(char *buf, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fputs("password: ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	bool got = fgets(buf, (int)n, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!got)
		return -1;
	size_t len = strlen(buf);
	bool whole = len > 0 && buf[len - 1] == '\n';
	if (!whole && len == n - 1)
		return -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return 0;
}

static int cmd_create_admin(opts *o, ank_cstore *cs)
{
	if (!o->user) {
		fprintf(stderr, "ankomst-central: create-admin needs --user NAME\n");
		return 2;
	}
	char pw[ANK_PASSWORD_MAX_BYTES + 2];
	if (read_password(pw, sizeof pw)) {
		sodium_memzero(pw, sizeof pw);
		fprintf(stderr,
		        "ankomst-central: give the password as one line on stdin (at most %d "
		        "bytes)\n",
		        ANK_PASSWORD_MAX_BYTES);
		return 1;
	}
	ank_err err;
	ank_cs_rc rc = ank_cstore_account_add(cs, o->user, pw, true, NULL, ank_now_ms(), &err);
	sodium_memzero(pw, sizeof pw);
	if (rc != ANK_CS_OK) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	ank_log(ANK_LOG_INFO, "admin", "admin account '%s' created", o->user);
	printf("admin %s created\n", o->user);
	return 0;
}

static int cmd_add_site(opts *o, ank_cstore *cs)
{
	if (!o->site || !o->name || !o->municipality) {
		fprintf(stderr,
		        "ankomst-central: add-site needs --site, --name and --municipality\n");
		return 2;
	}
	ank_site s;
	memset(&s, 0, sizeof s);
	if (strlen(o->site) >= sizeof s.id || strlen(o->name) >= sizeof s.name ||
	    strlen(o->municipality) >= sizeof s.municipality) {
		fprintf(stderr, "ankomst-central: site id, name or municipality too long\n");
		return 1;
	}
	snprintf(s.id, sizeof s.id, "%s", o->site);
	snprintf(s.name, sizeof s.name, "%s", o->name);
	snprintf(s.municipality, sizeof s.municipality, "%s", o->municipality);
	ank_err err;
	int users = 0;
	if (ank_cstore_site_add(cs, &s, ank_now_ms(), &users, &err) != ANK_CS_OK) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	ank_log(ANK_LOG_INFO, "admin", "site %s added (municipality %s)", s.id, s.municipality);
	printf("site %s added (municipality %s); %d registry entries queued for it\n", s.id,
	       s.municipality, users);
	return 0;
}

/* A waiting-room screen's key: printed once, kept only as a hash; --revoke removes all of
 * the site's keys (a screen lost or replaced gets a new one after). */
static int cmd_display_key(opts *o, ank_cstore *cs)
{
	if (!o->site) {
		fprintf(stderr, "ankomst-central: display-key needs --site SITE\n");
		return 2;
	}
	ank_err err;
	if (o->revoke) {
		int n = 0;
		if (ank_cstore_display_key_revoke(cs, o->site, &n, &err) != ANK_CS_OK) {
			fprintf(stderr, "ankomst-central: %s\n", err.msg);
			return 1;
		}
		ank_log(ANK_LOG_INFO, "admin", "%d display keys of site %s revoked", n, o->site);
		printf("%d display keys of site %s revoked\n", n, o->site);
		return 0;
	}
	char key[ANK_TOKEN_HEX + 1];
	if (ank_cstore_display_key_new(cs, o->site, ank_now_ms(), key, &err) != ANK_CS_OK) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	ank_log(ANK_LOG_INFO, "admin", "display key made for site %s", o->site);
	printf("%s\n", key);
	sodium_memzero(key, sizeof key);
	return 0;
}

static int cmd_report(opts *o, ank_cstore *cs)
{
	ank_err err;
	long below = o->suppress_below;
	if (o->suppress && ank_parse_long(o->suppress, 0, ANK_REPORT_SUPPRESS_MAX, &below)) {
		fprintf(stderr, "ankomst-central: --suppress-below is 0..%d, not '%s'\n",
		        ANK_REPORT_SUPPRESS_MAX, o->suppress);
		return 2;
	}
	ank_report_ask ask = {.from = o->from,
	                      .to = o->to,
	                      .quarter = o->quarter,
	                      .year = o->year,
	                      .format = o->format,
	                      .below = (int)below,
	                      .flag = "--"};
	ank_report_out out;
	int rc = ank_report_make(cs, &ask, ank_now_ms(), &out, &err);
	if (rc) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return rc > 0 ? 2 : 1;
	}
	printf(out.csv ? "%s" : "%s\n", out.text);
	free(out.text);
	return 0;
}

/* The read model is derived from the event log: an operator rebuilds it after restoring a
 * backup of the log or to check it against the log. */
static int cmd_rebuild(opts *o, ank_cstore *cs)
{
	ank_err err;
	ank_cs_rebuild_stats st;
	if (ank_cstore_rebuild(cs, &st, &err)) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	ank_log(ANK_LOG_INFO, "admin", "read model of %s rebuilt", o->db);
	printf("read model rebuilt from %lld events of %d kiosks (%lld skipped)\n", st.events,
	       st.kiosks, st.skipped);
	return 0;
}

/* One run of the retention job that serve runs daily, at --now (a test clock) or now. */
static int cmd_retention(opts *o, ank_cstore *cs)
{
	ank_err err;
	int64_t now = ank_now_ms();
	if (o->now && ank_iso_parse(o->now, &now)) {
		fprintf(stderr, "ankomst-central: --now wants YYYY-MM-DDTHH:MM:SSZ\n");
		return 2;
	}
	ank_cs_retention r = retention_of(o);
	ank_cs_retention_stats st;
	if (ank_cstore_retention(cs, &r, now, &st, &err)) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	printf("retention: %d inactive users deleted, %d incident texts removed, %d audit rows "
	       "deleted, %lld raw events deleted\n",
	       st.users_deleted, st.incident_texts, st.audit_rows, st.events);
	return 0;
}

/* Walks the audit log's hash chain: exit 0 when whole, 1 naming the first broken row. */
static int cmd_audit_verify(opts *o, ank_cstore *cs)
{
	(void)o;
	ank_err err;
	long long rows = 0, bad = 0;
	char why[256];
	int rc = ank_cstore_audit_verify(cs, &rows, &bad, why, sizeof why, &err);
	if (rc < 0) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 2;
	}
	if (rc > 0) {
		fprintf(stderr, "ankomst-central: audit log broken at row %lld: %s\n", bad, why);
		printf("broken at row %lld\n", bad);
		return 1;
	}
	printf("audit log intact: %lld rows\n", rows);
	return 0;
}

/* ---- arguments and config ---- */

typedef struct command {
	const char *name;
	int (*fn)(opts *o, ank_cstore *cs); /* NULL for serve, which opens the store itself */
	const char *flags;                  /* the flags it takes, space-separated */
} command;

static const command commands[] = {
        {"serve", NULL, "--config --db --listen --port-file --tls-cert --tls-key --log-format"},
        {"migrate", cmd_migrate, "--config --db --log-format"},
        {"pair-kiosk", cmd_pair_kiosk, "--config --db --site --log-format"},
        {"revoke-kiosk", cmd_revoke_kiosk, "--config --db --kiosk --log-format"},
        {"create-admin", cmd_create_admin, "--config --db --user --log-format"},
        {"add-site", cmd_add_site, "--config --db --site --name --municipality --log-format"},
        {"display-key", cmd_display_key, "--config --db --site --revoke --log-format"},
        {"report", cmd_report,
         "--config --db --from --to --quarter --year --format --suppress-below --log-format"},
        {"rebuild", cmd_rebuild, "--config --db --log-format"},
        {"retention", cmd_retention, "--config --db --now --log-format"},
        {"audit-verify", cmd_audit_verify, "--config --db --log-format"},
};

static const char usage[] =
        "usage: ankomst-central COMMAND [--config FILE] [OPTIONS]\n"
        "       ankomst-central --version                print the program's version\n"
        "       ankomst-central --help                   print this help\n"
        "  serve --db FILE --listen ADDR:PORT [--port-file FILE]\n"
        "        [--tls-cert PEM --tls-key PEM]          run the service\n"
        "  migrate --db FILE                             create or upgrade the database\n"
        "  pair-kiosk --db FILE --site SITE              print a one-time pairing code\n"
        "  revoke-kiosk --db FILE --kiosk ID             stop a lost kiosk's token at once\n"
        "  create-admin --db FILE --user NAME            add an admin; password on stdin\n"
        "  add-site --db FILE --site SITE --name NAME --municipality CODE\n"
        "  display-key --db FILE --site SITE [--revoke]  print a new waiting-room display\n"
        "                                                key (or revoke all of the site's)\n"
        "  report --db FILE [--from YYYY-MM-DD] [--to YYYY-MM-DD | --quarter 2026Q3 |\n"
        "         --year 2026] [--format json|csv] [--suppress-below N]\n"
        "                                                the report for the ministry, in\n"
        "                                                each site's own time zone, counts\n"
        "                                                under N (10) hidden (csv: raw data,\n"
        "                                                one row per intake, not hidden)\n"
        "  rebuild --db FILE                             rebuild the read tables from events\n"
        "  retention --db FILE [--now ISO]               run the daily deletion job once\n"
        "  audit-verify --db FILE                        check the audit log's hash chain\n"
        "Every command takes --log-format text|json (default text).\n"
        "The config file (INI) has [central] with listen, db, tls_cert, tls_key, log_format,\n"
        "metrics_token, web_dir, i18n_dir, kiosk_binary, kiosk_data (the screen texts' preview)\n"
        "and the limits of docs/operations.md (max_connections,\n"
        "max_connections_per_address, request_deadline_s, idle_timeout_s, workers,\n"
        "poll_threads, min_free_mb, check_interval_s), report_suppress_below (default 10),\n"
        "retain_registry_months (24), retain_incident_text_days (365),\n"
        "retain_audit_days (730) and retain_events_days (0: keep);\n"
        "flags win.\n";

/* The numeric keys of [central]: name, where it goes, its range. */
typedef struct num_key {
	const char *key;
	unsigned *dst;
	long min, max;
} num_key;

static int on_config_key(void *user, const char *section, const char *key, const char *value)
{
	opts *o = user;
	const struct {
		const char *key;
		char *dst;
		size_t n;
	} keys[] = {
	        {"db", o->db, sizeof o->db},
	        {"listen", o->listen, sizeof o->listen},
	        {"tls_cert", o->tls_cert, sizeof o->tls_cert},
	        {"tls_key", o->tls_key, sizeof o->tls_key},
	        {"log_format", o->log_format, sizeof o->log_format},
	        {"metrics_token", o->metrics_token, sizeof o->metrics_token},
	        {"web_dir", o->web_dir, sizeof o->web_dir},
	        {"i18n_dir", o->i18n_dir, sizeof o->i18n_dir},
	        {"kiosk_binary", o->kiosk_binary, sizeof o->kiosk_binary},
	        {"kiosk_data", o->kiosk_data, sizeof o->kiosk_data},
	};
	const num_key nums[] = {
	        {"max_connections", &o->lim.max_connections, 16, 1000000},
	        {"max_connections_per_address", &o->lim.per_address, 0, 1000000},
	        {"request_deadline_s", &o->lim.deadline_s, 1, 3600},
	        {"idle_timeout_s", &o->lim.idle_s, 1, 3600},
	        {"workers", &o->lim.workers, 1, 64},
	        {"poll_threads", &o->lim.poll_threads, 1, 64},
	        {"min_free_mb", &o->min_free_mb, 0, 1000000},
	        {"check_interval_s", &o->lim.check_interval_s, 0, 7 * 24 * 3600},
	        {"report_suppress_below", &o->suppress_below, 0, ANK_REPORT_SUPPRESS_MAX},
	        {"retain_registry_months", &o->retain_registry_months, 0, 1200},
	        {"retain_incident_text_days", &o->retain_incident_text_days, 0, 36500},
	        {"retain_audit_days", &o->retain_audit_days, 0, 36500},
	        {"retain_events_days", &o->retain_events_days, 0, 36500},
	};
	bool in_central = !strcmp(section, "central");
	for (size_t i = 0; in_central && i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i].key) != 0)
			continue;
		if (strlen(value) >= keys[i].n) {
			snprintf(o->config_error, sizeof o->config_error, "%.40s is too long", key);
			return 0;
		}
		snprintf(keys[i].dst, keys[i].n, "%s", value);
		return 1;
	}
	for (size_t i = 0; in_central && i < sizeof nums / sizeof nums[0]; i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		long v;
		if (ank_parse_long(value, nums[i].min, nums[i].max, &v)) {
			snprintf(o->config_error, sizeof o->config_error,
			         "%.40s must be a whole number %ld..%ld", key, nums[i].min,
			         nums[i].max);
			return 0;
		}
		*nums[i].dst = (unsigned)v;
		return 1;
	}
	snprintf(o->config_error, sizeof o->config_error, "unknown key [%.40s] %.40s", section,
	         key);
	return 0;
}

static bool takes(const command *c, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = strstr(c->flags, flag); p; p = strstr(p + 1, flag))
		if ((p == c->flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* Copies a flag's value into a fixed buffer; -1 when it does not fit. */
static int set_path(char *dst, size_t n, const char *v)
{
	if (strlen(v) >= n)
		return -1;
	snprintf(dst, n, "%s", v);
	return 0;
}

/* Stores one flag's value (--config was read before); -1 when the value is too long. */
static int apply_flag(opts *o, const char *f, const char *v)
{
	if (!strcmp(f, "--db"))
		return set_path(o->db, sizeof o->db, v);
	if (!strcmp(f, "--listen"))
		return set_path(o->listen, sizeof o->listen, v);
	if (!strcmp(f, "--tls-cert"))
		return set_path(o->tls_cert, sizeof o->tls_cert, v);
	if (!strcmp(f, "--tls-key"))
		return set_path(o->tls_key, sizeof o->tls_key, v);
	if (!strcmp(f, "--log-format"))
		return set_path(o->log_format, sizeof o->log_format, v);
	const struct {
		const char *flag;
		const char **dst;
	} plain[] = {
	        {"--port-file", &o->port_file},
	        {"--site", &o->site},
	        {"--user", &o->user},
	        {"--name", &o->name},
	        {"--municipality", &o->municipality},
	        {"--from", &o->from},
	        {"--to", &o->to},
	        {"--quarter", &o->quarter},
	        {"--year", &o->year},
	        {"--format", &o->format},
	        {"--suppress-below", &o->suppress},
	        {"--now", &o->now},
	        {"--kiosk", &o->kiosk},
	};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (!strcmp(f, plain[i].flag))
			*plain[i].dst = v;
	return 0;
}

/* Takes the flags without a value (--revoke) out of argv, for the commands that take them,
 * so that the rest come in pairs. Returns the new argc. */
static int take_switches(const command *cmd, opts *o, int argc, char **argv)
{
	int n = 2;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--revoke") && takes(cmd, "--revoke"))
			o->revoke = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

int main(int argc, char **argv)
{
	if (ank_version_asked(argc, argv, "ankomst-central") || ank_help_asked(argc, argv, usage))
		return 0;
	const command *cmd = NULL;
	for (size_t i = 0; argc >= 2 && i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	static opts o;
	if (cmd)
		argc = take_switches(cmd, &o, argc, argv);
	if (!cmd || argc % 2 != 0) {
		fputs(usage, stderr);
		return 2;
	}
	snprintf(o.listen, sizeof o.listen, "127.0.0.1:8480");
	o.lim = (ank_serve_limits){
	        .max_connections = DEFAULT_MAX_CONNECTIONS,
	        .per_address = DEFAULT_PER_ADDRESS,
	        .deadline_s = DEFAULT_DEADLINE_S,
	        .idle_s = DEFAULT_IDLE_S,
	        .workers = DEFAULT_WORKERS,
	        .poll_threads = DEFAULT_POLL_THREADS,
	        .check_interval_s = DEFAULT_CHECK_INTERVAL_S,
	};
	o.min_free_mb = DEFAULT_MIN_FREE_MB;
	o.suppress_below = ANK_REPORT_SUPPRESS_BELOW;
	o.retain_registry_months = ANK_RETAIN_REGISTRY_MONTHS;
	o.retain_incident_text_days = ANK_RETAIN_INCIDENT_TEXT_DAYS;
	o.retain_audit_days = ANK_RETAIN_AUDIT_DAYS;
	o.retain_events_days = ANK_RETAIN_EVENTS_DAYS;
	snprintf(o.web_dir, sizeof o.web_dir, "%s", ANK_DATA_DIR "/server-sync/central/web");
	snprintf(o.i18n_dir, sizeof o.i18n_dir, "%s", ANK_DATA_DIR "/i18n");
	snprintf(o.kiosk_data, sizeof o.kiosk_data, "%s", ANK_DATA_DIR);
	/* The config file first, so that flags given with it override it. */
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--config") != 0)
			continue;
		int line = ini_parse(argv[i + 1], on_config_key, &o);
		if (line != 0) {
			fprintf(stderr, "ankomst-central: %s%s%d: %s\n", argv[i + 1],
			        line < 0 ? "" : ":", line < 0 ? 0 : line,
			        line < 0 ? "cannot read" : o.config_error);
			return 2;
		}
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!takes(cmd, argv[i]) || apply_flag(&o, argv[i], argv[i + 1])) {
			fprintf(stderr,
			        "ankomst-central: %s does not take %s (or its value is too "
			        "long)\n",
			        cmd->name, argv[i]);
			fputs(usage, stderr);
			return 2;
		}
	}
	ank_log_format lf = ANK_LOG_TEXT;
	if (o.log_format[0] && ank_log_format_parse(o.log_format, &lf)) {
		fprintf(stderr, "ankomst-central: the log format is text or json, not '%s'\n",
		        o.log_format);
		return 2;
	}
	ank_log_set_format(lf);
	if (!o.db[0]) {
		fprintf(stderr, "ankomst-central: no database: give --db or db in the config\n");
		return 2;
	}
	if (!cmd->fn)
		return cmd_serve(&o);
	ank_cstore *cs;
	ank_err err;
	if (ank_cstore_open(o.db, false, &cs, &err)) {
		fprintf(stderr, "ankomst-central: %s\n", err.msg);
		return 1;
	}
	int rc = cmd->fn(&o, cs);
	ank_cstore_close(cs);
	return rc;
}
