/* ankomst-central's browser routes: the staff and admin consoles' pages (behind a session), the
 * login and waiting-room pages, their static files and the text catalogs, all from memory (web.h).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "web.h"

/* An answer whose body stays where it is (the web set owns it). */
static ank_reply static_reply(ank_http_ctx *c, int status, const char *body, const char *type)
{
	c->body_static = true;
	return (ank_reply){status, (char *)body, type};
}

/* A file of the manifest as the answer; its bytes stay the web set's. A conditional request
 * whose ETag still matches gets 304 and no body. */
static ank_reply file_reply(ank_http_ctx *c, const char *name)
{
	const ank_web_file *f = ank_web_file_get(ank_http_web(c->srv), name);
	if (!f)
		return ank_http_error(ANK_ERR_NOT_FOUND, "not found");
	c->etag = f->etag;
	const char *inm = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "If-None-Match");
	if (inm && !strcmp(inm, f->etag))
		return static_reply(c, 304, "", f->type);
	return static_reply(c, 200, f->data, f->type);
}

ank_reply ank_page_root(ank_http_ctx *c)
{
	return ank_http_redirect(c, "/staff");
}

/* Reached only with a session (AUTH_PAGE sends the others to the login page). */
ank_reply ank_page_staff(ank_http_ctx *c)
{
	return file_reply(c, "staff.html");
}

/* Reached only with a session. A staff account gets the same page with 403: its script
 * then shows "admins only" in the chosen language, and every admin route refuses it anyway. */
ank_reply ank_page_admin(ank_http_ctx *c)
{
	ank_reply r = file_reply(c, "admin.html");
	if (!c->acct.admin && r.status == 200)
		r.status = 403;
	return r;
}

ank_reply ank_page_login(ank_http_ctx *c)
{
	return file_reply(c, "login.html");
}

/* The page is public; its data route needs the site's display key. */
ank_reply ank_page_display(ank_http_ctx *c)
{
	return file_reply(c, "display.html");
}

ank_reply ank_page_static(ank_http_ctx *c)
{
	char name[80];
	snprintf(name, sizeof name, "static/%s", c->param[0]);
	return file_reply(c, name);
}

/* The vetted pictograms only (ank_web_load_pictograms): anything else is not found. */
ank_reply ank_page_icon(ank_http_ctx *c)
{
	char name[80];
	snprintf(name, sizeof name, "icons/%s", c->param[0]);
	return file_reply(c, name);
}

ank_reply ank_page_i18n_list(ank_http_ctx *c)
{
	const char *j = ank_web_languages(ank_http_web(c->srv));
	if (!j)
		return ank_http_error(ANK_ERR_NOT_FOUND, "no catalogs");
	return static_reply(c, 200, j, "application/json");
}

ank_reply ank_page_i18n(ank_http_ctx *c)
{
	const char *j = ank_web_catalog(ank_http_web(c->srv), c->param[0]);
	if (!j)
		return ank_http_error(ANK_ERR_NOT_FOUND, "no catalog for this language");
	return static_reply(c, 200, j, "application/json");
}
