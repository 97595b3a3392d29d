/* The two halves of the batch decoder, exposed to each other, to the unit tests and to the
 * fuzzer that holds the fast one to the tree one; other code calls ank_proto_batch_decode. */
#ifndef ANK_PROTO_INT_H
#define ANK_PROTO_INT_H

#include <stddef.h>

#include "proto.h"

/* Decodes a batch in one pass when it is well-formed and every payload is already canonical
 * (compact, keys sorted, no \u escapes, integers only), giving exactly what the tree decoder
 * would. Returns 1 with *out filled (free with ank_proto_batch_free), or 0 with *out empty
 * when the body needs the tree decoder: for its error message, or to canonicalise. */
int ank_proto_batch_decode_fast(const char *body, size_t len, ank_batch *out);
/* The jansson decoder behind ank_proto_batch_decode, with the same contract. */
int ank_proto_batch_decode_tree(const char *body, size_t len, ank_batch *out, ank_err *err);

#endif
