/* The receipt printer state each kiosk reports with its change poll (kiosk/print): kept in
 * memory beside its last-seen time, like its unsent count, and shown on the staff console. */
#include <stdio.h>
#include <string.h>

#include "cstore_int.h"

void ank_cstore_kiosk_printer(ank_cstore *cs, const char *kiosk, const char *state)
{
	bool changed = false;
	char site[ANK_CS_ID_MAX + 1] = "";
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk)) {
			changed = strcmp(cs->seen[i].printer, state) != 0;
			snprintf(cs->seen[i].printer, sizeof cs->seen[i].printer, "%s", state);
			snprintf(site, sizeof site, "%s", cs->seen[i].site);
		}
	pthread_mutex_unlock(&cs->seen_mu);
	/* A printer out of paper is news for the site's console at once. */
	if (changed && site[0])
		ank_cstore_site_touch(cs, site);
}

void ank_cs_printer_get(ank_cstore *cs, const char *kiosk, char out[ANK_PRINTER_STATE_MAX + 1])
{
	out[0] = '\0';
	pthread_mutex_lock(&cs->seen_mu);
	for (int i = 0; i < cs->n_seen; i++)
		if (!strcmp(cs->seen[i].kiosk, kiosk))
			snprintf(out, ANK_PRINTER_STATE_MAX + 1, "%s", cs->seen[i].printer);
	pthread_mutex_unlock(&cs->seen_mu);
}
