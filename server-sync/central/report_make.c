/* The report as the CLI and the API ask for it: checks the period (quarter, year or
 * from/to) and the format, makes the JSON (then suppressed) or the raw CSV. */
#include "report_make.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ank_zone.h"
#include "report_suppress.h"

int ank_report_make(ank_cstore *cs, const ank_report_ask *a, int64_t now, ank_report_out *out,
                    ank_err *err)
{
	const char *flag = a->flag ? a->flag : "";
	*out = (ank_report_out){0};
	const char *f = a->from, *t = a->to;
	if (a->quarter || a->year) {
		if (a->from || a->to || (a->quarter && a->year)) {
			ank_err_set(err, "give one of %squarter, %syear or %sfrom/%sto", flag, flag,
			            flag, flag);
			return 1;
		}
		if (ank_report_period(a->quarter, a->year, out->from, out->to, err)) {
			/* ank_report_period names the CLI's flags; the API's names have no dashes.
			 */
			if (!strncmp(err->msg, "--", 2) && strcmp(flag, "--")) {
				char msg[sizeof err->msg];
				snprintf(msg, sizeof msg, "%s%s", flag, err->msg + 2);
				snprintf(err->msg, sizeof err->msg, "%s", msg);
			}
			return 1;
		}
		f = out->from;
		t = out->to;
	} else {
		snprintf(out->from, sizeof out->from, "%.10s", f ? f : "");
		snprintf(out->to, sizeof out->to, "%.10s", t ? t : "");
	}
	out->csv = a->format && !strcmp(a->format, "csv");
	if (a->format && !out->csv && strcmp(a->format, "json")) {
		ank_err_set(err, "%sformat is json or csv, not '%.40s'", flag, a->format);
		return 1;
	}
	int y, m, d;
	if ((f && ank_date_parse(f, &y, &m, &d)) || (t && ank_date_parse(t, &y, &m, &d))) {
		ank_err_set(err, "%sfrom and %sto must be real dates YYYY-MM-DD", flag, flag);
		return 1;
	}
	if (f && t && strcmp(t, f) < 0) {
		ank_err_set(err, "%sto is before %sfrom", flag, flag);
		return 1;
	}
	char *text = out->csv ? ank_cstore_report_csv(cs, f, t, now, err)
	                      : ank_cstore_report(cs, f, t, now, err);
	if (text && !out->csv) {
		/* What leaves central for publication has its small cells hidden. */
		json_t *j = json_loads(text, 0, NULL);
		free(text);
		text = NULL;
		if (j && ank_report_suppress(j, a->below, err) == 0)
			text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		else if (!j)
			ank_err_set(err, "the report is not JSON");
		json_decref(j);
	}
	if (!text)
		return -1;
	out->text = text;
	return 0;
}
