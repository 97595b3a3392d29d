/* The ESC/POS command bytes and the real-time status bits of escpos.h; one home for both
 * the kiosk's printing and the fake printer that checks it. */
#include "escpos.h"

#include <string.h>

static int put(ank_buf *b, const unsigned char *p, size_t n)
{
	return ank_buf_append(b, (const char *)p, n);
}

int ank_escpos_init(ank_buf *b)
{
	const unsigned char c[] = {ANK_ESC, '@'};
	return put(b, c, sizeof c);
}

int ank_escpos_align(ank_buf *b, int centre)
{
	const unsigned char c[] = {ANK_ESC, 'a', (unsigned char)(centre ? 1 : 0)};
	return put(b, c, sizeof c);
}

int ank_escpos_size(ank_buf *b, int w, int h)
{
	w = w < 1 ? 1 : w > 8 ? 8 : w;
	h = h < 1 ? 1 : h > 8 ? 8 : h;
	const unsigned char c[] = {ANK_GS, '!', (unsigned char)(((w - 1) << 4) | (h - 1))};
	return put(b, c, sizeof c);
}

int ank_escpos_bold(ank_buf *b, bool on)
{
	const unsigned char c[] = {ANK_ESC, 'E', (unsigned char)(on ? 1 : 0)};
	return put(b, c, sizeof c);
}

bool ank_escpos_is_plain(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p != '\n' && (*p < 0x20 || *p > 0x7e))
			return false;
	return true;
}

int ank_escpos_text(ank_buf *b, const char *ascii)
{
	/* A control byte in text would be a command: refused, not sent. */
	if (!ank_escpos_is_plain(ascii))
		return -1;
	return ank_buf_append(b, ascii, strlen(ascii));
}

int ank_escpos_feed(ank_buf *b, int lines)
{
	const unsigned char c[] = {ANK_ESC, 'd', (unsigned char)(lines < 0 ? 0 : lines & 0xff)};
	return put(b, c, sizeof c);
}

/* GS ( k pL pH cn=49 fn ... : one function of the QR symbol (Epson's "2D code"). */
static int qr_fn(ank_buf *b, unsigned char fn, const unsigned char *args, size_t n)
{
	size_t len = n + 2; /* cn and fn count in pL pH */
	const unsigned char head[] = {
	        ANK_GS, '(', 'k', (unsigned char)(len & 0xff), (unsigned char)(len >> 8), 49, fn};
	size_t before = b->len;
	if (put(b, head, sizeof head) || (n && put(b, args, n))) {
		b->len = before; /* a half command would desynchronise the printer */
		if (b->data)
			b->data[before] = '\0';
		return -1;
	}
	return 0;
}

int ank_escpos_qr(ank_buf *b, const char *data, int module)
{
	size_t n = strlen(data);
	if (n == 0 || n > ANK_ESCPOS_QR_MAX)
		return -1;
	module = module < 1 ? 1 : module > 16 ? 16 : module;
	const unsigned char model[] = {50, 0};                /* fn 65: model 2 */
	const unsigned char size[] = {(unsigned char)module}; /* fn 67 */
	const unsigned char level[] = {49};                   /* fn 69: error correction M */
	unsigned char store[ANK_ESCPOS_QR_MAX + 1];
	store[0] = 48; /* fn 80: m = 48 */
	memcpy(store + 1, data, n);
	const unsigned char print[] = {48}; /* fn 81 */
	size_t before = b->len;
	if (qr_fn(b, 65, model, sizeof model) || qr_fn(b, 67, size, sizeof size) ||
	    qr_fn(b, 69, level, sizeof level) || qr_fn(b, 80, store, n + 1) ||
	    qr_fn(b, 81, print, sizeof print)) {
		b->len = before;
		if (b->data)
			b->data[before] = '\0';
		return -1;
	}
	return 0;
}

int ank_escpos_raster(ank_buf *b, const unsigned char *bits, int width_bytes, int h)
{
	if (width_bytes <= 0 || width_bytes > ANK_ESCPOS_DOTS / 8 || h <= 0 || h > 2303)
		return -1;
	const unsigned char head[] = {ANK_GS,
	                              'v',
	                              '0',
	                              0,
	                              (unsigned char)(width_bytes & 0xff),
	                              (unsigned char)(width_bytes >> 8),
	                              (unsigned char)(h & 0xff),
	                              (unsigned char)(h >> 8)};
	size_t before = b->len;
	if (put(b, head, sizeof head) || put(b, bits, (size_t)width_bytes * (size_t)h)) {
		b->len = before;
		if (b->data)
			b->data[before] = '\0';
		return -1;
	}
	return 0;
}

int ank_escpos_cut(ank_buf *b)
{
	const unsigned char c[] = {ANK_GS, 'V', 66, 0};
	return put(b, c, sizeof c);
}

int ank_escpos_process_id(ank_buf *b, const char id[4])
{
	unsigned char c[] = {ANK_GS, '(', 'H', 6, 0, 48, 48, 0, 0, 0, 0};
	for (int i = 0; i < 4; i++) {
		if (id[i] < '0' || id[i] > '9')
			return -1;
		c[7 + i] = (unsigned char)id[i];
	}
	return put(b, c, sizeof c);
}

void ank_escpos_process_id_reply(const char id[4], unsigned char out[ANK_ESCPOS_PID_REPLY_LEN])
{
	out[0] = 0x37;
	out[1] = 0x22;
	memcpy(out + 2, id, 4);
	out[6] = 0;
}

int ank_escpos_clear_buffers(ank_buf *b)
{
	const unsigned char c[ANK_ESCPOS_CLEAR_LEN] = {ANK_DLE, 0x14, 8, 1, 3, 20, 1, 6, 2, 8};
	return put(b, c, sizeof c);
}

int ank_escpos_paper_query(ank_buf *b)
{
	const unsigned char c[] = {ANK_GS, 'r', 1};
	return put(b, c, sizeof c);
}

bool ank_escpos_paper_valid(unsigned char reply)
{
	return (reply & ANK_ESCPOS_PAPER_FIXED_MASK) == 0;
}

unsigned char ank_escpos_paper_reply(bool near_end, bool paper_end)
{
	return (unsigned char)((near_end || paper_end ? 0x03 : 0) | (paper_end ? 0x0c : 0));
}

bool ank_escpos_status_valid(unsigned char reply)
{
	return (reply & ANK_ESCPOS_FIXED_MASK) == ANK_ESCPOS_FIXED_BITS;
}

void ank_escpos_status_query(int n, unsigned char out[3])
{
	out[0] = ANK_DLE;
	out[1] = ANK_EOT;
	out[2] = (unsigned char)(n < 1 ? 1 : n > 4 ? 4 : n);
}

int ank_escpos_status_decode(const unsigned char r[4], ank_escpos_status *st)
{
	memset(st, 0, sizeof *st);
	for (int i = 0; i < 4; i++)
		if (!ank_escpos_status_valid(r[i]))
			return -1;
	st->offline = r[0] & 0x08;
	st->cover_open = r[1] & 0x04;
	st->paper_end = (r[1] & 0x20) || (r[3] & 0x60) == 0x60;
	st->error = r[1] & 0x40;
	st->cutter = r[2] & 0x08;
	st->unrecover = r[2] & 0x20;
	st->near_end = (r[3] & 0x0c) == 0x0c;
	return 0;
}

unsigned char ank_escpos_status_reply(const ank_escpos_status *st, int n)
{
	unsigned char r = ANK_ESCPOS_FIXED_BITS;
	bool stopped = st->offline || st->cover_open || st->paper_end || st->error;
	switch (n) {
	case 1:
		r |= stopped ? 0x08 : 0;
		break;
	case 2:
		r |= (st->cover_open ? 0x04 : 0) | (st->paper_end ? 0x20 : 0) |
		     (st->error || st->cutter || st->unrecover ? 0x40 : 0);
		break;
	case 3:
		r |= (st->cutter ? 0x08 : 0) | (st->unrecover ? 0x20 : 0);
		break;
	default:
		r |= (st->near_end || st->paper_end ? 0x0c : 0) | (st->paper_end ? 0x60 : 0);
		break;
	}
	return r;
}

bool ank_escpos_status_printable(const ank_escpos_status *st)
{
	return !st->offline && !st->cover_open && !st->paper_end && !st->error && !st->cutter &&
	       !st->unrecover;
}
