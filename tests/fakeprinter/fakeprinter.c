/* A fake ESC/POS receipt printer for the tests: it listens on a loopback TCP port (a
 * network printer's raw port) and on a pty (the USB path), answers the real-time status
 * queries (DLE EOT 1..4) from a state that a script and stdin change, understands the
 * commands the kiosk sends (text, GS ! size, GS ( k QR, GS v 0 raster, GS V cut, GS ( H
 * process ID, GS r 1), feeds paper at a given line speed, and writes each cut ticket as a
 * PNG so the tests decode its QR and compare its raster to a reference.
 *
 * Control lines (from --script FILE, then stdin), one a line:
 *   paper ok|near|end    cover open|shut    offline on|off    cutter on|off
 *   complete on|off      (answer GS ( H / GS r 1 after printing, or never)
 *   runout N             (paper ends after N more bytes received: the rest of the job is
 *                         kept and printed when paper is loaded, unless the kiosk clears
 *                         the buffers with DLE DC4 fn 8)
 *   vanish N             (drop the connection after N more bytes of a job, then refuse
 *                         connections until "back": a network printer switched off)
 *   back                 hold on|off (a "lying" printer: keep data while stopped, print
 *                         it when the stop ends; on by default)
 *   quit
 * Prints "port N", "pty PATH", "page N PATH" and "ready" lines on stdout. */
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "escpos.h"

#define PAGE_MAX_H 8000 /* dots: a metre of paper is the longest ticket we keep */
#define LINE_DOTS  30   /* ESC 2's default line spacing (1/6 inch at 180 dpi ~ 30 dots) */
#define IN_MAX     (512 * 1024)
#define FONT_PATH  "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

typedef struct source {
	int fd;
	bool sock;
	unsigned char in[IN_MAX];
	size_t n;
	long job_bytes; /* bytes of print data taken since connect (for vanish) */
} source;

typedef struct fake {
	ank_escpos_status st;
	bool complete, hold, gone;
	long vanish_after; /* -1: never */
	long runout_after; /* -1: never */
	long cleared;      /* DLE DC4 fn 8 received */
	double speed_mm_s;
	const char *out_dir;
	/* the page being printed */
	unsigned char *page;  /* 1 byte a dot, 1 = black */
	unsigned char *bands; /* the raster bands alone, one under the other (same layout) */
	int bands_y;
	int y, align, scale_w, scale_h, bold;
	char line[1024];
	size_t line_n;
	int pages;
	char qr[ANK_ESCPOS_QR_MAX + 1];
	int qr_module;
	double busy_until; /* mono seconds when the paper stops feeding */
	TTF_Font *fonts[9];
	/* replies due when the paper has fed (GS ( H, GS r 1) */
	struct {
		unsigned char b[8];
		int n;
		double at;
		source *to;
	} due[16];
	int n_due;
	bool quit;
} fake;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool stopped(const fake *f)
{
	return f->st.paper_end || f->st.cover_open || f->st.offline;
}

/* Paper moves h dots: the print takes h / 8 mm at the line speed. */
static void feed(fake *f, int h)
{
	double t = now_s();
	if (f->busy_until < t)
		f->busy_until = t;
	f->busy_until += (double)h / ANK_ESCPOS_DOTS_MM / f->speed_mm_s;
	f->y += h;
	if (f->y > PAGE_MAX_H)
		f->y = PAGE_MAX_H;
}

static void dot(fake *f, int x, int y)
{
	if (x >= 0 && x < ANK_ESCPOS_DOTS && y >= 0 && y < PAGE_MAX_H)
		f->page[(size_t)y * ANK_ESCPOS_DOTS + (size_t)x] = 1;
}

static int x_for(const fake *f, int w)
{
	return f->align == 1 ? (ANK_ESCPOS_DOTS - w) / 2 : f->align == 2 ? ANK_ESCPOS_DOTS - w : 0;
}

/* The printer's own font A (12x24 dots) drawn with a monospaced font at the scale. */
static void print_line(fake *f)
{
	int cell_h = 24 * f->scale_h;
	f->line[f->line_n] = '\0';
	if (f->line_n > 0) {
		int s = f->scale_h < 1 ? 1 : f->scale_h > 8 ? 8 : f->scale_h;
		if (!f->fonts[s])
			f->fonts[s] = TTF_OpenFont(FONT_PATH, 20 * s);
		SDL_Surface *t = f->fonts[s] ? TTF_RenderUTF8_Solid(f->fonts[s], f->line,
		                                                    (SDL_Color){0, 0, 0, 255})
		                             : NULL;
		if (t) {
			SDL_Surface *c = SDL_ConvertSurfaceFormat(t, SDL_PIXELFORMAT_ARGB8888, 0);
			if (c) {
				int x0 = x_for(f, c->w);
				for (int y = 0; y < c->h && y < cell_h; y++)
					for (int x = 0; x < c->w; x++) {
						Uint32 p = ((Uint32 *)((Uint8 *)c->pixels +
						                       y * c->pitch))[x];
						if ((p >> 24) > 128 && (p & 0xff) < 128)
							dot(f, x0 + x, f->y + y);
					}
				SDL_FreeSurface(c);
			}
			SDL_FreeSurface(t);
		}
	}
	f->line_n = 0;
	feed(f, cell_h + 6);
}

static void print_qr(fake *f)
{
	QRcode *q = QRcode_encodeString(f->qr, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return;
	int m = f->qr_module, side = q->width * m, x0 = x_for(f, side);
	for (int y = 0; y < side; y++)
		for (int x = 0; x < side; x++)
			if (q->data[(y / m) * q->width + x / m] & 1)
				dot(f, x0 + x, f->y + 4 * m + y);
	QRcode_free(q);
	feed(f, side + 8 * m);
}

/* Writes rows [0, h) of a canvas as DIR/ticket-N[suffix].png. */
static void write_png(fake *f, const unsigned char *canvas, int h, int n, const char *suffix)
{
	SDL_Surface *s =
	        SDL_CreateRGBSurfaceWithFormat(0, ANK_ESCPOS_DOTS, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < ANK_ESCPOS_DOTS; x++)
			((Uint32 *)((Uint8 *)s->pixels + y * s->pitch))[x] =
			        y < PAGE_MAX_H && canvas[(size_t)y * ANK_ESCPOS_DOTS + x]
			                ? 0xff000000u
			                : 0xffffffffu;
	char path[600];
	snprintf(path, sizeof path, "%s/ticket-%d%s.png", f->out_dir, n, suffix);
	if (IMG_SavePNG(s, path) != 0)
		fprintf(stderr, "fakeprinter: %s: %s\n", path, IMG_GetError());
	SDL_FreeSurface(s);
}

static void cut(fake *f)
{
	if (f->line_n)
		print_line(f);
	/* The raster bands alone first (what the kiosk's renderer drew: the tests compare
	 * it to a reference without the QR, whose key differs per database). */
	if (f->bands_y > 0)
		write_png(f, f->bands, f->bands_y, f->pages + 1, "-raster");
	memset(f->bands, 0, (size_t)ANK_ESCPOS_DOTS * PAGE_MAX_H);
	f->bands_y = 0;
	write_png(f, f->page, f->y + 24, ++f->pages, "");
	printf("page %d %s/ticket-%d.png\n", f->pages, f->out_dir, f->pages);
	fflush(stdout);
	memset(f->page, 0, (size_t)ANK_ESCPOS_DOTS * PAGE_MAX_H);
	f->y = 0;
}

static void reply(source *s, const unsigned char *b, int n)
{
	if (s->fd < 0)
		return;
	ssize_t k = s->sock ? send(s->fd, b, (size_t)n, MSG_NOSIGNAL) : write(s->fd, b, (size_t)n);
	(void)k;
}

static void reply_later(fake *f, source *s, const unsigned char *b, int n)
{
	if (!f->complete || f->n_due >= 16)
		return; /* "no completion": the printer never says the job ended */
	memcpy(f->due[f->n_due].b, b, (size_t)n);
	f->due[f->n_due].n = n;
	f->due[f->n_due].at = f->busy_until;
	f->due[f->n_due].to = s;
	f->n_due++;
}

/* One command at the start of s->in: bytes used, 0 when incomplete. */
static size_t command(fake *f, source *s)
{
	const unsigned char *p = s->in;
	size_t n = s->n;
	if (p[0] == ANK_DLE) {
		if (n < 3)
			return 0;
		if (p[1] == ANK_EOT) {
			unsigned char r = ank_escpos_status_reply(&f->st, p[2]);
			reply(s, &r, 1);
			return 3;
		}
		if (p[1] == 0x14 && p[2] == 8) {
			if (n < ANK_ESCPOS_CLEAR_LEN)
				return 0;
			f->cleared++;
			return ANK_ESCPOS_CLEAR_LEN;
		}
		return 2;
	}
	if (p[0] == ANK_ESC) {
		if (n < 2)
			return 0;
		switch (p[1]) {
		case '@':
			f->align = 0;
			f->scale_w = f->scale_h = 1;
			f->bold = 0;
			return 2;
		case 'a':
			if (n < 3)
				return 0;
			f->align = p[2] % 48;
			return 3;
		case 'E':
		case 't':
		case '2':
			return p[1] == '2' ? 2 : (n < 3 ? 0 : 3);
		case 'd':
			if (n < 3)
				return 0;
			if (f->line_n)
				print_line(f);
			feed(f, LINE_DOTS * p[2]);
			return 3;
		default:
			fprintf(stderr, "fakeprinter: unknown ESC %02x\n", p[1]);
			return 2;
		}
	}
	if (p[0] == ANK_GS) {
		if (n < 2)
			return 0;
		switch (p[1]) {
		case '!':
			if (n < 3)
				return 0;
			f->scale_w = (p[2] >> 4) + 1;
			f->scale_h = (p[2] & 7) + 1;
			return 3;
		case 'V':
			if (n < 3)
				return 0;
			if (p[2] == 65 || p[2] == 66) {
				if (n < 4)
					return 0;
				cut(f);
				return 4;
			}
			cut(f);
			return 3;
		case 'r':
			if (n < 3)
				return 0;
			{
				unsigned char r =
				        ank_escpos_paper_reply(f->st.near_end, f->st.paper_end);
				reply_later(f, s, &r, 1);
			}
			return 3;
		case 'v': {
			if (n < 8)
				return 0;
			int wb = p[4] | p[5] << 8, h = p[6] | p[7] << 8;
			size_t need = 8 + (size_t)wb * (size_t)h;
			if (n < need)
				return 0;
			/* What the kiosk promises (kiosk/print/escpos.h): said, for the tests to
			 * see. */
			if (h % 8)
				fprintf(stderr,
				        "fakeprinter: raster band of %d rows: not a multiple of "
				        "8\n",
				        h);
			for (int y = 0; y < h; y++)
				for (int x = 0; x < wb * 8; x++)
					if (p[8 + y * wb + x / 8] & (0x80 >> (x % 8))) {
						int px = x_for(f, wb * 8) + x;
						dot(f, px, f->y + y);
						if (f->bands_y + y < PAGE_MAX_H && px >= 0 &&
						    px < ANK_ESCPOS_DOTS)
							f->bands[(size_t)(f->bands_y + y) *
							                 ANK_ESCPOS_DOTS +
							         (size_t)px] = 1;
					}
			feed(f, h);
			f->bands_y = f->bands_y + h < PAGE_MAX_H ? f->bands_y + h : PAGE_MAX_H;
			return need;
		}
		case '(': {
			if (n < 5)
				return 0;
			size_t len = (size_t)(p[3] | p[4] << 8), need = 5 + len;
			if (n < need)
				return 0;
			if (p[2] == 'k' && len >= 2 && p[5] == 49) {
				unsigned char fn = p[6];
				if (fn == 67 && len >= 3)
					f->qr_module = p[7] ? p[7] : 3;
				else if (fn == 80 && len >= 3) {
					size_t dn = len - 3;
					if (dn > ANK_ESCPOS_QR_MAX)
						dn = ANK_ESCPOS_QR_MAX;
					memcpy(f->qr, p + 8, dn);
					f->qr[dn] = '\0';
				} else if (fn == 81) {
					if (f->line_n)
						print_line(f);
					print_qr(f);
				}
			} else if (p[2] == 'H' && len == 6 && p[5] == 48) {
				char id[4];
				memcpy(id, p + 7, 4);
				unsigned char r[ANK_ESCPOS_PID_REPLY_LEN];
				ank_escpos_process_id_reply(id, r);
				reply_later(f, s, r, ANK_ESCPOS_PID_REPLY_LEN);
			}
			return need;
		}
		default:
			fprintf(stderr, "fakeprinter: unknown GS %02x\n", p[1]);
			return 2;
		}
	}
	if (p[0] == ANK_LF) {
		print_line(f);
		return 1;
	}
	if (p[0] >= 0x20 && p[0] < 0x7f && f->line_n < sizeof f->line - 1)
		f->line[f->line_n++] = (char)p[0];
	return 1;
}

static source held; /* what came while stopped, kept past the connection's end */

static void take(fake *f, source *s)
{
	/* Stopped (paper end, cover open, offline): a real printer keeps what arrives in its
	 * buffer, answers only the real-time queries found in it, and prints the rest when
	 * the stop ends, even after the connection that sent it is gone. */
	if (stopped(f) && f->hold && s != &held) {
		for (size_t i = 0; i < s->n; i++) {
			if (s->in[i] == ANK_DLE && i + 2 < s->n && s->in[i + 1] == ANK_EOT) {
				unsigned char r = ank_escpos_status_reply(&f->st, s->in[i + 2]);
				reply(s, &r, 1);
				i += 2;
			} else if (s->in[i] == ANK_DLE && i + ANK_ESCPOS_CLEAR_LEN <= s->n &&
			           s->in[i + 1] == 0x14 && s->in[i + 2] == 8) {
				/* Clear buffers: what was kept is dropped, never printed. */
				fprintf(stderr,
				        "fakeprinter: buffers cleared (%zu bytes dropped)\n",
				        held.n);
				held.n = 0;
				f->cleared++;
				i += ANK_ESCPOS_CLEAR_LEN - 1;
			} else if (held.n < IN_MAX) {
				held.in[held.n++] = s->in[i];
			}
		}
		s->n = 0;
		return;
	}
	while (s->n > 0) {
		size_t used = command(f, s);
		if (used == 0 || used == (size_t)-1)
			break;
		memmove(s->in, s->in + used, s->n - used);
		s->n -= used;
	}
}

static void control(fake *f, char *line)
{
	char verb[32] = "", arg[32] = "";
	size_t k = strcspn(line, " \t\n");
	snprintf(verb, sizeof verb, "%.*s", (int)k, line);
	line += k;
	line += strspn(line, " \t");
	k = strcspn(line, " \t\n");
	snprintf(arg, sizeof arg, "%.*s", (int)k, line);
	bool on = !strcmp(arg, "on") || !strcmp(arg, "open");
	if (!strcmp(verb, "paper")) {
		f->st.paper_end = !strcmp(arg, "end");
		f->st.near_end = !strcmp(arg, "near");
	} else if (!strcmp(verb, "cover")) {
		f->st.cover_open = on;
	} else if (!strcmp(verb, "offline")) {
		f->st.offline = on;
	} else if (!strcmp(verb, "cutter")) {
		f->st.cutter = on;
	} else if (!strcmp(verb, "complete")) {
		f->complete = on;
	} else if (!strcmp(verb, "hold")) {
		f->hold = on;
	} else if (!strcmp(verb, "runout")) {
		f->runout_after = strtol(arg, NULL, 10);
	} else if (!strcmp(verb, "vanish")) {
		f->vanish_after = strtol(arg, NULL, 10);
	} else if (!strcmp(verb, "back")) {
		f->gone = false;
	} else if (!strcmp(verb, "quit")) {
		f->quit = true;
	} else if (verb[0] && verb[0] != '#') {
		fprintf(stderr, "fakeprinter: unknown control line '%s'\n", verb);
	}
	printf("ok %s %s\n", verb, arg);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static fake f;
	f.complete = true;
	f.hold = true;
	f.vanish_after = -1;
	f.runout_after = -1;
	f.speed_mm_s = 150;
	f.out_dir = ".";
	f.scale_w = f.scale_h = 1;
	f.qr_module = 3;
	const char *script = NULL;
	bool want_pty = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			f.out_dir = argv[++i];
		else if (!strcmp(argv[i], "--speed") && i + 1 < argc)
			f.speed_mm_s = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--script") && i + 1 < argc)
			script = argv[++i];
		else if (!strcmp(argv[i], "--pty"))
			want_pty = true;
		else {
			fprintf(stderr,
			        "usage: fakeprinter [--out DIR] [--speed MM_PER_S] [--script FILE] "
			        "[--pty]\n");
			return 2;
		}
	}
	if (f.speed_mm_s <= 0)
		f.speed_mm_s = 150;
	f.page = calloc((size_t)ANK_ESCPOS_DOTS * PAGE_MAX_H, 1);
	f.bands = calloc((size_t)ANK_ESCPOS_DOTS * PAGE_MAX_H, 1);
	if (!f.page || !f.bands || TTF_Init() != 0)
		return 1;
	if (script) {
		FILE *sf = fopen(script, "r");
		char line[256];
		if (!sf) {
			fprintf(stderr, "fakeprinter: %s: %s\n", script, strerror(errno));
			return 1;
		}
		while (fgets(line, sizeof line, sf))
			control(&f, line);
		fclose(sf);
	}
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	socklen_t sl = sizeof sa;
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 4) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl)) {
		fprintf(stderr, "fakeprinter: listen: %s\n", strerror(errno));
		return 1;
	}
	printf("port %d\n", ntohs(sa.sin_port));
	static source tcp, pty;
	tcp.fd = -1;
	tcp.sock = true;
	pty.fd = -1;
	held.fd = -1;
	if (want_pty) {
		pty.fd = posix_openpt(O_RDWR | O_NOCTTY);
		if (pty.fd < 0 || grantpt(pty.fd) || unlockpt(pty.fd)) {
			fprintf(stderr, "fakeprinter: pty: %s\n", strerror(errno));
			return 1;
		}
		/* Raw both ways on the slave's side, and the slave held open here so the
		 * master never sees a hangup between the kiosk's jobs. */
		int slave = open(ptsname(pty.fd), O_RDWR | O_NOCTTY);
		struct termios t;
		if (slave >= 0 && tcgetattr(slave, &t) == 0) {
			cfmakeraw(&t);
			tcsetattr(slave, TCSANOW, &t);
		}
		printf("pty %s\n", ptsname(pty.fd));
	}
	printf("ready\n");
	fflush(stdout);
	char ctl[512];
	size_t ctl_n = 0;
	while (!f.quit) {
		struct pollfd pf[4] = {{.fd = 0, .events = POLLIN},
		                       {.fd = lfd, .events = POLLIN},
		                       {.fd = tcp.fd, .events = POLLIN},
		                       {.fd = pty.fd, .events = POLLIN}};
		int timeout = 50;
		if (poll(pf, 4, timeout) < 0 && errno != EINTR)
			break;
		if (pf[0].revents & (POLLIN | POLLHUP)) {
			ssize_t k = read(0, ctl + ctl_n, sizeof ctl - 1 - ctl_n);
			if (k <= 0) {
				pf[0].fd = -1;
				if (k == 0)
					f.quit = true; /* stdin closed: the test is over */
			} else {
				ctl_n += (size_t)k;
				char *nl;
				ctl[ctl_n] = '\0';
				while ((nl = strchr(ctl, '\n')) != NULL) {
					*nl = '\0';
					control(&f, ctl);
					size_t rest = ctl_n - (size_t)(nl + 1 - ctl);
					memmove(ctl, nl + 1, rest);
					ctl_n = rest;
					ctl[ctl_n] = '\0';
				}
			}
		}
		if (pf[1].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && (f.gone || tcp.fd >= 0)) {
				close(c); /* switched off, or busy with another connection */
			} else if (c >= 0) {
				tcp.fd = c;
				tcp.n = 0;
				tcp.job_bytes = 0;
			}
		}
		source *srcs[2] = {&tcp, &pty};
		for (int i = 0; i < 2; i++) {
			source *s = srcs[i];
			if (s->fd < 0 || !(pf[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t k = read(s->fd, s->in + s->n, IN_MAX - s->n);
			if (k <= 0) {
				if (s->sock) {
					close(s->fd);
					s->fd = -1;
					s->n = 0;
				}
				continue;
			}
			/* vanish: the printer is switched off part way through a job. */
			if (f.vanish_after >= 0 && s->job_bytes + k > 3 * 4 &&
			    s->job_bytes + k - 12 >= f.vanish_after && s->sock) {
				fprintf(stderr, "fakeprinter: vanishing mid-job\n");
				close(s->fd);
				s->fd = -1;
				s->n = 0;
				f.vanish_after = -1;
				f.gone = true;
				for (int d = 0; d < f.n_due; d++)
					if (f.due[d].to == s)
						f.due[d].to = NULL;
				continue;
			}
			/* runout: the roll ends part way through what just came. */
			if (f.runout_after >= 0 && s->job_bytes + k >= f.runout_after) {
				static unsigned char rest[IN_MAX];
				size_t first = (size_t)(f.runout_after - s->job_bytes);
				size_t n_rest = (size_t)k - first;
				memcpy(rest, s->in + s->n + first, n_rest);
				s->n += first;
				take(&f, s);
				fprintf(stderr, "fakeprinter: paper ran out\n");
				f.st.paper_end = true;
				f.runout_after = -1;
				memcpy(s->in + s->n, rest, n_rest);
				s->n += n_rest;
				s->job_bytes += k;
				take(&f, s);
				continue;
			}
			s->job_bytes += k;
			s->n += (size_t)k;
			take(&f, s);
		}
		/* Data held while stopped prints once the stop ends (what the kiosk must never
		 * leave behind). */
		if (held.n && !stopped(&f)) {
			fprintf(stderr, "fakeprinter: printing %zu bytes kept while stopped\n",
			        held.n);
			take(&f, &held);
		}
		double t = now_s();
		for (int d = 0; d < f.n_due;) {
			if (f.due[d].at > t) {
				d++;
				continue;
			}
			if (f.due[d].to && f.due[d].to->fd >= 0)
				reply(f.due[d].to, f.due[d].b, f.due[d].n);
			memmove(&f.due[d], &f.due[d + 1],
			        sizeof f.due[0] * (size_t)(f.n_due - d - 1));
			f.n_due--;
		}
	}
	for (int s = 0; s < 9; s++)
		if (f.fonts[s])
			TTF_CloseFont(f.fonts[s]);
	TTF_Quit();
	free(f.page);
	free(f.bands);
	printf("pages %d cleared %ld\n", f.pages, f.cleared);
	return 0;
}
