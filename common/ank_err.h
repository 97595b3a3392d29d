/* A small error-message carrier so that every failing call can say exactly what was
 * wrong (file, line, field) without allocating. */
#ifndef ANK_ERR_H
#define ANK_ERR_H

typedef struct ank_err {
	char msg[320];
} ank_err;

/* Writes the message if `err` is non-NULL; always returns -1 so callers can
 * `return ank_err_set(err, ...)`. */
int ank_err_set(ank_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
