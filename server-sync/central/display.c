/* The waiting-room display's data route (docs/api.md "The display"): the site of the display
 * key (checked by http.c) as a screen shows it — frozen or not, the tickets being called and
 * the recent calls (labels and stations only), and the site's languages and drug alert. It
 * is built from the store's display view (read model, read connection) and never carries a
 * nickname, a user id, a route or a substance. */
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "ank_log.h"
#include "ank_time.h"
#include "ank_vocab.h"
#include "cstore_content.h"
#include "http.h"
#include "wire.h"

static json_t *calls_json(const ank_display_call *list, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I}", ANK_FN(LABEL), list[i].label,
		                                   ANK_FN(STATION), list[i].station, "at_ms",
		                                   (json_int_t)list[i].at_ms));
	return a;
}

static json_t *display_json(const char *site, const ank_display_view *d, int64_t now)
{
	json_t *langs = json_array(), *alert = json_object();
	for (int i = 0; i < d->n_languages; i++)
		json_array_append_new(langs, json_string(d->languages[i]));
	for (int i = 0; i < d->n_alerts; i++)
		json_object_set_new(alert, d->alerts[i].lang, json_string(d->alerts[i].text));
	/* A freeze is an emergency: the screen shows no ticket at all, whatever the page does. */
	int n_calling = d->frozen ? 0 : d->n_calling, n_recent = d->frozen ? 0 : d->n_recent;
	json_t *o = json_pack("{s:i, s:s, s:s, s:b, s:I, s:o, s:o, s:o, s:o, s:I}", "v", 1, "site",
	                      site, "name", d->name, "frozen", d->frozen, "rev", (json_int_t)d->rev,
	                      "languages", langs, "alert", alert, "calling",
	                      calls_json(d->calling, n_calling), "recent",
	                      calls_json(d->recent, n_recent), "server_ms", (json_int_t)now);
	/* How grave the alert is (its colours and title on the page); only with an alert. */
	if (o && d->n_alerts > 0)
		json_object_set_new(o, ANK_FN(ALERT_SEVERITY),
		                    json_string(d->alert_severity[0]
		                                        ? d->alert_severity
		                                        : ank_severity_code(ANK_SEVERITY_WARNING)));
	return o;
}

/* An information screen's QR for the page, which has no encoder of its own: the modules
 * of its URL (libqrencode, level M, as the kiosk draws it) as "qr_modules", one '1' or '0'
 * per module, row by row, and "qr_size" the modules per side. */
static void qr_add(json_t *item)
{
	const char *url = json_string_value(json_object_get(item, ANK_FN(QR)));
	if (!url)
		return;
	QRcode *qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return;
	size_t n = (size_t)qr->width * (size_t)qr->width;
	char *bits = malloc(n + 1);
	if (bits) {
		for (size_t i = 0; i < n; i++)
			bits[i] = (qr->data[i] & 1) ? '1' : '0';
		bits[n] = '\0';
		json_object_set_new(item, "qr_modules", json_string(bits));
		json_object_set_new(item, "qr_size", json_integer(qr->width));
		free(bits);
	}
	QRcode_free(qr);
}

ank_reply ank_display_get(ank_http_ctx *c)
{
	/* ?after=REV&wait=S: the page waits for the next call (or freeze) instead of polling. */
	ank_reply bad;
	int held = ank_http_long_poll(c, c->site, &bad);
	if (held)
		return held > 0 ? (ank_reply){0} : bad;
	ank_err err;
	ank_display_view *d = malloc(sizeof *d); /* some KiB of alert texts: not on a stack */
	int64_t now = ank_now_ms();
	int rc = -1;
	if (!d)
		ank_err_set(&err, "out of memory");
	else
		rc = ank_cstore_display_view(c->cs, c->site, now, d, &err);
	json_t *j = rc ? NULL : display_json(c->site, d, now);
	free(d);
	/* The administrators' alerts and information screens that have not ended: the page
	 * shows each inside its from/until by its own clock, so it has them in advance. */
	json_t *content = NULL;
	if (j && ank_cstore_content_for_site(c->cs, c->site, now, &content, &err) == 0) {
		size_t i;
		json_t *it;
		json_array_foreach(content, i, it)
		{
			qr_add(it);
		}
		json_object_set_new(j, ANK_FN(ITEMS), content);
	} else if (j) {
		json_decref(j);
		j = NULL;
		rc = -1;
	}
	if (!j) {
		ank_log(ANK_LOG_ERROR, "display", "display of %s: %s", c->site,
		        rc ? err.msg : "out of memory");
		return ank_http_error(ANK_ERR_UNAVAILABLE, "cannot read the display now");
	}
	return ank_http_json(200, j);
}
