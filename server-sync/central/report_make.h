/* The report as a caller asks for it (the CLI's `report`, GET /api/v1/report): one home for
 * the period, format and suppression rules, so that both give the same answer. */
#ifndef ANK_REPORT_MAKE_H
#define ANK_REPORT_MAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "ank_err.h"
#include "cstore.h"

/* What was asked; NULL for what was not given. flag prefixes the names in error messages
 * ("--" for the CLI's flags, "" for the API's query parameters). */
typedef struct ank_report_ask {
	const char *from, *to, *quarter, *year, *format;
	int below; /* counts from 1 to below-1 are hidden (report_suppress.h); 0 hides none */
	const char *flag;
} ank_report_ask;

typedef struct ank_report_out {
	char *text;            /* malloc'd; the caller frees it */
	bool csv;              /* text is the raw data (confidential), else the suppressed JSON */
	char from[11], to[11]; /* the period's first and last day; "" for an open end */
} ank_report_out;

/* Returns 0 with out filled; 1 when the request is wrong (err says why: the CLI exits 2, the
 * API answers 400); -1 when the report could not be made (err; exit 1, 500). The JSON is
 * suppressed with a->below; the CSV is raw (docs/report.md). */
int ank_report_make(ank_cstore *cs, const ank_report_ask *a, int64_t now, ank_report_out *out,
                    ank_err *err);

#endif
