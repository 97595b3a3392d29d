/* Unit tests for the ESC/POS command bytes and the real-time status decoding (escpos.c),
 * as named golden cases; the transport and worker are tested against the fake printer
 * (tests/integration/print_test.sh). */
#include "testlib.h"

#include <string.h>

#include "escpos.h"
#include "printer.h"

/* Each status reply pattern and what it must mean; bytes without the fixed bits (bit 1
 * and 4 set, 0 and 7 clear) are not status at all. */
static void test_status_decode(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		unsigned char r[4];
		int rc;
		bool offline, cover, paper_end, near_end, printable;
	} cases[] = {
	        {"ready", {0x16, 0x12, 0x12, 0x12}, 0, false, false, false, false, true},
	        {"offline", {0x1e, 0x12, 0x12, 0x12}, 0, true, false, false, false, false},
	        {"cover open", {0x1e, 0x16, 0x12, 0x12}, 0, true, true, false, false, false},
	        {"paper end (n=2)", {0x1e, 0x32, 0x12, 0x12}, 0, true, false, true, false, false},
	        {"paper end (n=4)", {0x1e, 0x12, 0x12, 0x7e}, 0, true, false, true, true, false},
	        {"near end", {0x12, 0x12, 0x12, 0x1e}, 0, false, false, false, true, true},
	        {"bit 0 set", {0x13, 0x12, 0x12, 0x12}, -1, false, false, false, false, false},
	        {"bit 7 set", {0x12, 0x92, 0x12, 0x12}, -1, false, false, false, false, false},
	        {"bit 4 clear", {0x12, 0x12, 0x02, 0x12}, -1, false, false, false, false, false},
	        {"text reply", {'O', 'K', '\r', '\n'}, -1, false, false, false, false, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ank_escpos_status st;
		int rc = ank_escpos_status_decode(cases[i].r, &st);
		if (rc != cases[i].rc)
			fail_msg("case '%s': rc %d", cases[i].name, rc);
		if (rc)
			continue;
		if (st.offline != cases[i].offline || st.cover_open != cases[i].cover ||
		    st.paper_end != cases[i].paper_end || st.near_end != cases[i].near_end ||
		    ank_escpos_status_printable(&st) != cases[i].printable)
			fail_msg("case '%s' decoded wrong", cases[i].name);
	}
}

/* What the fake printer answers decodes back to the state it was given. */
static void test_status_roundtrip(void **state)
{
	(void)state;
	for (int bits = 0; bits < 32; bits++) {
		ank_escpos_status in = {.offline = bits & 1,
		                        .cover_open = bits & 2,
		                        .paper_end = bits & 4,
		                        .near_end = bits & 8,
		                        .cutter = bits & 16};
		unsigned char r[4];
		for (int n = 1; n <= 4; n++)
			r[n - 1] = ank_escpos_status_reply(&in, n);
		ank_escpos_status out;
		assert_int_equal(ank_escpos_status_decode(r, &out), 0);
		assert_int_equal(out.cover_open, in.cover_open);
		assert_int_equal(out.paper_end, in.paper_end);
		assert_int_equal(out.near_end, in.near_end || in.paper_end);
		assert_int_equal(out.cutter, in.cutter);
		assert_int_equal(ank_escpos_status_printable(&out),
		                 !in.offline && !in.cover_open && !in.paper_end && !in.cutter);
	}
}

static void test_commands(void **state)
{
	(void)state;
	ank_buf b;
	ank_buf_init(&b, 4096);
	/* GS ( k: model 2, size 8, level M, store "AB", print. */
	assert_int_equal(ank_escpos_qr(&b, "AB", 8), 0);
	static const unsigned char qr[] = {
	        0x1d, '(', 'k',  4,   0,   49,   65,  50,  0,  0x1d, '(',  'k', 3,   0, 49,
	        67,   8,   0x1d, '(', 'k', 3,    0,   49,  69, 49,   0x1d, '(', 'k', 5, 0,
	        49,   80,  48,   'A', 'B', 0x1d, '(', 'k', 3,  0,    49,   81,  48};
	assert_int_equal(b.len, sizeof qr);
	assert_memory_equal(b.data, qr, sizeof qr);
	ank_buf_reset(&b);
	/* GS ( H fn 48 with id 0042, and its reply. */
	assert_int_equal(ank_escpos_process_id(&b, "0042"), 0);
	static const unsigned char pid[] = {0x1d, '(', 'H', 6, 0, 48, 48, '0', '0', '4', '2'};
	assert_memory_equal(b.data, pid, sizeof pid);
	unsigned char rep[ANK_ESCPOS_PID_REPLY_LEN];
	ank_escpos_process_id_reply("0042", rep);
	static const unsigned char want[] = {0x37, 0x22, '0', '0', '4', '2', 0};
	assert_memory_equal(rep, want, sizeof want);
	assert_int_equal(ank_escpos_process_id(&b, "00x2"), -1);
	ank_buf_reset(&b);
	/* GS v 0: header then the bits; a band wider than the head is refused. */
	unsigned char bits[2 * 8] = {0xff};
	assert_int_equal(ank_escpos_raster(&b, bits, 2, 8), 0);
	static const unsigned char gsv[] = {0x1d, 'v', '0', 0, 2, 0, 8, 0};
	assert_memory_equal(b.data, gsv, sizeof gsv);
	assert_int_equal(b.len, sizeof gsv + sizeof bits);
	size_t before = b.len;
	assert_int_equal(ank_escpos_raster(&b, bits, ANK_ESCPOS_DOTS / 8 + 1, 8), -1);
	assert_int_equal(b.len, before);
	/* Text: control bytes and anything outside printable ASCII are refused (raster). */
	assert_true(ank_escpos_is_plain("A-12\nGo to station 3"));
	assert_false(ank_escpos_is_plain("Gå til plads 3"));
	assert_false(ank_escpos_is_plain("\x1b@"));
	assert_int_equal(ank_escpos_text(&b, "\x1d"
	                                     "V"),
	                 -1);
	assert_int_equal(b.len, before);
	ank_buf_free(&b);
}

/* A cap that a command would pass leaves the buffer as it was (no half command). */
static void test_cap(void **state)
{
	(void)state;
	ank_buf b;
	ank_buf_init(&b, 30);
	assert_int_equal(ank_escpos_init(&b), 0);
	assert_int_equal(ank_escpos_qr(&b, "ABCDEFGHIJ", 8), -1);
	assert_int_equal(b.len, 2);
	ank_buf_free(&b);
}

/* A device name we cannot use is a clear error, and nothing is tried. */
static void test_bad_device(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "printer", "tcp:", "tcp:nohost", "lp0"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ank_print_cfg cfg = {0};
		snprintf(cfg.device, sizeof cfg.device, "%s", bad[i]);
		ank_print_state st = {0};
		ank_err err = {{0}};
		ank_print_rc rc = ank_print_status(&cfg, &st, &err);
		if (rc != ANK_PRINT_E_CONFIG)
			fail_msg("device '%s': %s", bad[i], ank_print_code(rc));
		assert_true(err.msg[0] != '\0');
		assert_false(st.online);
	}
	/* Nothing listens there: unreachable, not a crash or a hang. */
	ank_print_cfg cfg = {.device = "/nonexistent/lp0"};
	ank_print_state st = {0};
	ank_err err;
	assert_int_equal(ank_print_status(&cfg, &st, &err), ANK_PRINT_E_CONNECT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_status_decode), cmocka_unit_test(test_status_roundtrip),
	        cmocka_unit_test(test_commands),      cmocka_unit_test(test_cap),
	        cmocka_unit_test(test_bad_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
