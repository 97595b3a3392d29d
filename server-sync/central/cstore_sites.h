/* Central's store for sites set up from the admin page (cstore_sites.c): a site created with
 * its time zone, and per site the last config central accepted and sent (migration 17). */
#ifndef ANK_CSTORE_SITES_H
#define ANK_CSTORE_SITES_H

#include <stdint.h>

#include "cstore.h"

/* What central keeps of a site's setup. */
typedef struct ank_site_setup {
	char timezone[64];             /* the zone it was created with; "" when none kept */
	char *ini;                     /* the last accepted config, malloc'd; NULL when none */
	int64_t accepted_ms;           /* when it was accepted; 0 when none */
	char actor[ANK_CS_ID_MAX + 1]; /* who sent it */
} ank_site_setup;

/* ank_cstore_site_add (same checks, same changes), then the time zone kept for the first
 * form (a failure to keep it is logged: the site stands, its form starts with the default
 * zone). The caller has checked the zone. OK, INVALID or EXISTS (err says why), or DB. */
ank_cs_rc ank_cstore_site_create(ank_cstore *cs, const ank_site *site, const char *timezone,
                                 int64_t now, int *users_sent, ank_err *err);
/* The setup of an existing site into *out (out->ini the caller frees); a site made with the
 * CLI has none: OK with everything empty. OK, UNKNOWN site, or DB. */
ank_cs_rc ank_cstore_site_setup_get(ank_cstore *cs, const char *site, ank_site_setup *out,
                                    ank_err *err);
/* Sends a checked config: appends its site.config change (payload as for
 * ank_cstore_site_change_add) and keeps `ini` as the site's last accepted config, with
 * `timezone`, `actor` and now, and the config's `name` as the site's name (what the consoles
 * and the report call it; "" leaves it), in one transaction. Returns the change id, 0 when
 * the site is unknown, -1 on error (err). */
long long ank_cstore_site_config_send(ank_cstore *cs, const char *site, const char *payload_json,
                                      const char *ini, const char *timezone, const char *name,
                                      const char *actor, int64_t now, ank_err *err);

#endif
