/* Central's store of administrators' content (issue 13): drug alerts and information screens,
 * drafted, published to the change feed for the chosen sites and withdrawn, with an append-only
 * history; also the published items of one site for the waiting-room display's feed. */
#ifndef ANK_CSTORE_CONTENT_H
#define ANK_CSTORE_CONTENT_H

#include <jansson.h>
#include <stdint.h>

#include "cstore.h"

/* An item's life: drafted (edited freely, seen by no kiosk), published (on its way to the
 * sites, shown there inside its box), withdrawn (gone from every screen; kept for the log). */
#define ANK_CONTENT_DRAFT     "draft"
#define ANK_CONTENT_PUBLISHED "published"
#define ANK_CONTENT_WITHDRAWN "withdrawn"

/* Saves a draft: a new one when *id is 0 (*id gets its id), else replaces draft *id. `item`
 * is the checked item (admin_content.c): kind, texts, severity or pictogram, qr, from,
 * until and sites; from_ms/until_ms its box. OK, UNKNOWN (no such item), FORBIDDEN (not a
 * draft any more), or DB. */
ank_cs_rc ank_cstore_content_save(ank_cstore *cs, long long *id, const char *kind, json_t *item,
                                  int64_t from_ms, int64_t until_ms, const char *actor, int64_t now,
                                  ank_err *err);
/* Publishes draft id: resolves its sites (every site, a list, or a municipality's sites
 * now), appends one content change per site (or one for every site) and the history row in
 * one transaction, then wakes the long-polls. *changes counts the changes. OK, UNKNOWN,
 * FORBIDDEN (not a draft), INVALID (a municipality without sites, a payload past the feed's
 * limit: err says which), or DB. */
ank_cs_rc ank_cstore_content_publish(ank_cstore *cs, long long id, const char *actor, int64_t now,
                                     int *changes, ank_err *err);
/* Withdraws published item id from the sites it went to (a content change with state
 * withdrawn for each). OK, UNKNOWN, FORBIDDEN (not published), or DB. */
ank_cs_rc ank_cstore_content_withdraw(ank_cstore *cs, long long id, const char *actor, int64_t now,
                                      int *changes, ank_err *err);
/* Every item, newest first, as the admin API lists them ({id, kind, state, author,
 * created_ms, updated_ms, item, history: [{at_ms, actor, action}]}). *out is a new array the
 * caller decrefs. 0, or -1 with err. */
int ank_cstore_content_list(ank_cstore *cs, json_t **out, ank_err *err);
/* Item id as a kiosk would get it if it were published now (ank_cs_content_wire, state
 * published): what a preview shows. *out is a new reference the caller decrefs. 0, 1 when
 * there is no such item, or -1 with err. */
int ank_cstore_content_item(ank_cstore *cs, long long id, json_t **out, ank_err *err);
/* The published items of `site` that have not ended by `now`, soonest first, each as the
 * change feed carries it (ank_cs_content_wire): the display page shows and hides them by its
 * own clock. *out is a new array the caller decrefs. 0, or -1 with err. */
int ank_cstore_content_for_site(ank_cstore *cs, const char *site, int64_t now, json_t **out,
                                ank_err *err);

#endif
