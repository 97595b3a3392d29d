/* Capped growing buffer: doubling growth, atomic appends (all or nothing). */
#include "ank_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ank_buf_init(ank_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->cap = cap;
}

static int reserve(ank_buf *b, size_t extra)
{
	if (extra > b->cap - b->len)
		return -1;
	size_t need = b->len + extra + 1;
	if (need <= b->size)
		return 0;
	size_t nsize = b->size ? b->size : 64;
	while (nsize < need)
		nsize *= 2;
	char *p = realloc(b->data, nsize);
	if (!p)
		return -1;
	b->data = p;
	b->size = nsize;
	return 0;
}

int ank_buf_append(ank_buf *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return -1;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int ank_buf_puts(ank_buf *b, const char *s)
{
	return ank_buf_append(b, s, strlen(s));
}

int ank_buf_printf(ank_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *ank_buf_str(const ank_buf *b)
{
	return b->data ? b->data : "";
}

void ank_buf_reset(ank_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void ank_buf_free(ank_buf *b)
{
	free(b->data);
	ank_buf_init(b, b->cap);
}
