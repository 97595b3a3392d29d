/* Random identifiers (event ids, kiosk ids) from libsodium's CSPRNG. */
#ifndef ANK_ID_H
#define ANK_ID_H

#define ANK_ID_HEX_LEN 32

/* Fills out with 32 lowercase hex characters and a NUL (128 random bits). Returns 0,
 * or -1 if libsodium could not be initialised. */
int ank_id_random(char out[ANK_ID_HEX_LEN + 1]);

#endif
