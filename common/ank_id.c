/* 128-bit random ids as hex; libsodium is initialised on first use (idempotent). */
#include "ank_id.h"

#include <sodium.h>

int ank_id_random(char out[ANK_ID_HEX_LEN + 1])
{
	unsigned char raw[ANK_ID_HEX_LEN / 2];
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, ANK_ID_HEX_LEN + 1, raw, sizeof raw);
	return 0;
}
