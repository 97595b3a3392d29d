/* A growing byte buffer with a hard cap, for building text whose size is not known
 * in advance (JSON, CLI output) without risking unbounded growth. */
#ifndef ANK_BUF_H
#define ANK_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct ank_buf {
	char *data;  /* NUL-terminated when len > 0; owned, freed by ank_buf_free */
	size_t len;  /* bytes used, without the terminating NUL */
	size_t size; /* bytes allocated */
	size_t cap;  /* never grow beyond this many bytes of content */
} ank_buf;

/* Returns 0 on success, -1 when the cap would be exceeded or memory ran out; on failure
 * the buffer keeps exactly the content it had before the call. */
void ank_buf_init(ank_buf *b, size_t cap);
int ank_buf_append(ank_buf *b, const char *s, size_t n);
int ank_buf_puts(ank_buf *b, const char *s);
int ank_buf_printf(ank_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The content as a C string; "" when empty. Owned by the buffer. */
const char *ank_buf_str(const ank_buf *b);
void ank_buf_reset(ank_buf *b);
void ank_buf_free(ank_buf *b);

#endif
