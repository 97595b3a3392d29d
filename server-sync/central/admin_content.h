/* The administrators' content routes of central's HTTP layer (admin_content.c): drug alerts
 * and information screens, listed, drafted, published and withdrawn (docs/api.md). */
#ifndef ANK_ADMIN_CONTENT_H
#define ANK_ADMIN_CONTENT_H

#include "http.h"

/* GET /api/v1/content: every item with its history, the vetted pictograms and the limits. */
ank_reply ank_admin_content_list(ank_http_ctx *c);
/* POST /api/v1/content: a new draft (201 {id}). */
ank_reply ank_admin_content_new(ank_http_ctx *c);
/* POST /api/v1/content/{n}: replaces draft n. */
ank_reply ank_admin_content_update(ank_http_ctx *c);
/* POST /api/v1/content/{n}/publish and /withdraw. */
ank_reply ank_admin_content_publish(ank_http_ctx *c);
ank_reply ank_admin_content_withdraw(ank_http_ctx *c);
/* POST /api/v1/content/{n}/preview: the real kiosk draws item n (any state) as a kiosk
 * would show it inside its box; shots and the layout check's findings (admin_texts.h). */
ank_reply ank_admin_content_preview(ank_http_ctx *c);

#endif
