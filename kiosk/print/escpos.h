/* ESC/POS for Epson TM-T20/T88-class receipt printers: the byte sequences the kiosk sends
 * (text, QR, raster bands, cut, process-ID response) and the decoding of the real-time
 * status replies (DLE EOT 1..4). Pure: no I/O, no SDL, so the unit tests and the fake
 * printer (tests/fakeprinter) share one home for the command bytes. */
#ifndef ANK_ESCPOS_H
#define ANK_ESCPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ank_buf.h"

/* An 80 mm roll at 203 dpi: 576 printable dots a line (TM-T20, TM-T88 in 80 mm mode). */
#define ANK_ESCPOS_DOTS    576
#define ANK_ESCPOS_DOTS_MM 8 /* 203 dpi is 8 dots a millimetre */
/* Font A (12 x 24 dots) characters on a 576-dot line. */
#define ANK_ESCPOS_COLUMNS 48
/* Raster bands are sent this many dots high at most, and always a multiple of 8 (the
 * printers' buffer unit; GS v 0 accepts any height, but a multiple of 8 keeps the head's
 * timing steady). */
#define ANK_ESCPOS_BAND_H 64
/* A ticket's commands may not grow past this (a full raster ticket is ~60 kB). */
#define ANK_ESCPOS_JOB_MAX (256u * 1024u)
/* GS ( k model 2 QR: module size in dots (1..16); 8 dots = 1 mm, easy for a phone. */
#define ANK_ESCPOS_QR_MODULE 8
/* Longest QR data we store (GS ( k fn 80): our ticket references are under 100 bytes. */
#define ANK_ESCPOS_QR_MAX 512

/* The command bytes (Epson's ESC/POS reference names). */
#define ANK_ESC 0x1b
#define ANK_GS  0x1d
#define ANK_DLE 0x10
#define ANK_EOT 0x04
#define ANK_LF  0x0a

/* Appends to b (capped: a failed append leaves b as it was and returns -1). */
int ank_escpos_init(ank_buf *b);                    /* ESC @ */
int ank_escpos_align(ank_buf *b, int centre);       /* ESC a n: 0 left, 1 centre */
int ank_escpos_size(ank_buf *b, int w, int h);      /* GS ! n, w and h 1..8 */
int ank_escpos_bold(ank_buf *b, bool on);           /* ESC E n */
int ank_escpos_text(ank_buf *b, const char *ascii); /* printable ASCII and '\n' only */
int ank_escpos_feed(ank_buf *b, int lines);         /* ESC d n */
/* GS ( k: model 2, module size, error correction M, store data, print it. */
int ank_escpos_qr(ank_buf *b, const char *data, int module);
/* GS v 0: a band of width_bytes * 8 by h dots, 1 bit a dot, MSB left, 1 = black. */
int ank_escpos_raster(ank_buf *b, const unsigned char *bits, int width_bytes, int h);
/* GS V 66 0: feed to the cutter and cut (partial). */
int ank_escpos_cut(ank_buf *b);
/* GS ( H fn 48: ask for a process-ID response "37 22 d1..d4 00" once everything before it
 * is printed; id is four ASCII digits '0'..'9'. */
int ank_escpos_process_id(ank_buf *b, const char id[4]);
/* The reply to ank_escpos_process_id: the 7 bytes the printer sends. */
#define ANK_ESCPOS_PID_REPLY_LEN 7
void ank_escpos_process_id_reply(const char id[4], unsigned char out[ANK_ESCPOS_PID_REPLY_LEN]);
/* GS r 1: the paper sensor status, answered in order (after everything before it is
 * printed), so after the cut it confirms the cut is done. One byte: bits 0-1 near end,
 * 2-3 paper end, 4 and 7 fixed 0. */
int ank_escpos_paper_query(ank_buf *b);
#define ANK_ESCPOS_PAPER_FIXED_MASK 0x90
bool ank_escpos_paper_valid(unsigned char reply);
unsigned char ank_escpos_paper_reply(bool near_end, bool paper_end);
/* DLE DC4 fn 8 (real-time "clear buffers": TM-T88V and later, TM-T20II and later): the
 * printer drops what it received and has not printed, so a ticket stopped by paper out is
 * not finished when paper is loaded. Older models ignore it. */
int ank_escpos_clear_buffers(ank_buf *b);
#define ANK_ESCPOS_CLEAR_LEN 10
/* Whether s is text the printer prints itself: printable ASCII (and '\n'). Anything else
 * (Danish letters, Arabic, Persian, Cyrillic) goes as raster: we do not transcode into the
 * printer's code pages, and no code page shapes Arabic. */
bool ank_escpos_is_plain(const char *s);

/* Real-time status: DLE EOT n (n 1..4). Every reply has bits 1 and 4 set and 0 and 7
 * clear ("fixed" in Epson's tables); a byte that does not match is not a status reply. */
#define ANK_ESCPOS_FIXED_MASK 0x93
#define ANK_ESCPOS_FIXED_BITS 0x12
bool ank_escpos_status_valid(unsigned char reply);

typedef struct ank_escpos_status {
	bool offline;    /* n=1 bit 3 */
	bool cover_open; /* n=2 bit 2 */
	bool paper_end;  /* n=2 bit 5 (printing stopped) or n=4 bits 5-6 */
	bool error;      /* n=2 bit 6: an error occurred (n=3 says which) */
	bool cutter;     /* n=3 bit 3: autocutter error */
	bool unrecover;  /* n=3 bit 5: unrecoverable error */
	bool near_end;   /* n=4 bits 2-3: the roll is nearly used up */
} ank_escpos_status;

/* The query for n (1..4) into out[3]. */
void ank_escpos_status_query(int n, unsigned char out[3]);
/* Decodes the four replies (r[0] for n=1 ... r[3] for n=4) into *st. -1 when a reply does
 * not have the fixed bits (the caller reports "not an ESC/POS printer"). */
int ank_escpos_status_decode(const unsigned char r[4], ank_escpos_status *st);
/* The reply a printer in state st gives to query n (the fake printer, the tests). */
unsigned char ank_escpos_status_reply(const ank_escpos_status *st, int n);
/* Whether a ticket may be printed in state st: online, cover shut, paper, no error. */
bool ank_escpos_status_printable(const ank_escpos_status *st);

#endif
