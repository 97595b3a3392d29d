/* Formatting for ank_err messages. */
#include "ank_err.h"

#include <stdarg.h>
#include <stdio.h>

int ank_err_set(ank_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}
