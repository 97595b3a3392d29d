/* Small-cell suppression of the report's JSON, before it leaves central for publication. */
#ifndef ANK_REPORT_SUPPRESS_H
#define ANK_REPORT_SUPPRESS_H

#include <jansson.h>

#include "ank_err.h"

/* The default threshold: counts under 10 are hidden, as Danish statistics practice for
 * counts of people; [central] report_suppress_below or --suppress-below change it. */
#define ANK_REPORT_SUPPRESS_BELOW 10
#define ANK_REPORT_SUPPRESS_MAX   1000
/* A count hidden only so that a small one cannot be worked out from it. */
#define ANK_REPORT_HIDDEN "hidden"

/* Rewrites `report` (ank_cstore_report's JSON, parsed) in place: every count of people or
 * events from 1 to below-1 becomes the string "<below"; then, to a fixed point, wherever a
 * total and the cells that add up to it (a breakdown within a section; a figure over the
 * municipalities, over the sites, or over one municipality's sites) have exactly one hidden
 * member, the smallest other count above zero is hidden too (or the total), shown as
 * ANK_REPORT_HIDDEN; means and rates
 * made from a hidden count become null, and waiting-time cells of fewer than `below`
 * tickets lose their percentiles. Adds "suppression" {below, method}. below 0 hides
 * nothing (and says so). 0, or -1 with err (a threshold out of range, out of memory). */
int ank_report_suppress(json_t *report, int below, ank_err *err);

#endif
