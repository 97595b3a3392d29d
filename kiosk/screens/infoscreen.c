/* The administrators' content on the kiosk's screens: the one list of drug alerts the alert
 * band reads (the site config's [alert] and central's composed alerts), and the information
 * screens that rotate on the idle welcome (between visits only) and on the waiting-room
 * display, each in the site's languages in turn, with its pictogram and QR. */
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "screens.h"

/* Heights of an information screen's parts. */
#define INFO_ICON           160 /* the pictogram, portrait */
#define INFO_ICON_LAND      110
#define INFO_TITLE_H        120
#define INFO_QR_SIDE        300 /* a phone reads it at arm's length */
#define INFO_QR_LAND        240
#define INFO_HINT_H         80  /* "tap the screen to check in" */
#define INFO_DISPLAY_H      330 /* the card on the waiting-room display, portrait */
#define INFO_DISPLAY_H_LAND 250

int content_alerts(app *a, content_alert *out, int max)
{
	int n = 0;
	/* Dangers first: when more alerts are on than fit, the gravest stay. */
	for (int pass = 0; pass < 2; pass++) {
		int want = pass == 0 ? ANK_SEVERITY_DANGER : ANK_SEVERITY_WARNING;
		const ank_site_config *cfg = a->q ? ank_queue_config(a->q) : NULL;
		if (cfg && ank_queue_alert_shown(cfg, a->now) && cfg->alert_severity == want &&
		    n < max) {
			/* The site config's alert in the user's language, else its first. */
			const char *text = cfg->alerts[0].text;
			for (int i = 0; i < cfg->n_alerts; i++)
				if (!strcmp(cfg->alerts[i].lang, a->lang))
					text = cfg->alerts[i].text;
			out[n++] = (content_alert){want, text};
		}
		for (int i = 0; a->content && i < a->content->n && n < max; i++) {
			const ank_content_item *it = &a->content->items[i];
			if (it->kind == ANK_CONTENT_ALERT && it->severity == want &&
			    ank_content_shown(it, a->now))
				out[n++] = (content_alert){want,
				                           ank_content_text_in(it, a->lang)->text};
		}
	}
	return n;
}

int content_infos(const app *a, const ank_content_item **out, int max)
{
	int n = 0;
	for (int i = 0; a->content && i < a->content->n && n < max; i++)
		if (a->content->items[i].kind == ANK_CONTENT_INFO &&
		    ank_content_shown(&a->content->items[i], a->now))
			out[n++] = &a->content->items[i];
	return n;
}

unsigned content_signature(app *a)
{
	content_alert al[APP_ALERTS_SHOWN];
	const ank_content_item *in[ANK_CONTENT_MAX];
	int na = content_alerts(a, al, APP_ALERTS_SHOWN),
	    ni = content_infos(a, in, ANK_CONTENT_MAX);
	unsigned sig = (unsigned)na * 131u + (unsigned)ni;
	for (int i = 0; i < ni; i++)
		sig = sig * 31u + (unsigned)in[i]->id;
	for (int i = 0; i < na; i++)
		sig = sig * 33u + (unsigned)(size_t)al[i].text;
	/* The welcome's rotation comes after ANK_INFO_IDLE_MS without a touch. */
	bool idle = a->screen == SCREEN_WELCOME && a->now - a->last_touch >= ANK_INFO_IDLE_MS;
	return sig * 2u + (idle && ni > 0);
}

/* One information screen in r: pictogram, title, body and the QR, in the screen's
 * language (the caller set it). */
static void info_card(app *a, const char *id, ui_rect r, const ank_content_item *it, bool large)
{
	ui *u = &a->ui;
	const ank_content_text *t = ank_content_text_in(it, a->lang);
	char wid[UI_ID_MAX];
	int icon = large ? (portrait(a) ? INFO_ICON : INFO_ICON_LAND) : INFO_ICON_LAND;
	ui_rect c = r;
	ui_fill(u, r, THEME_CARD);
	c.x += THEME_GAP;
	c.w -= 2 * THEME_GAP;
	c.y += THEME_GAP;
	c.h -= 2 * THEME_GAP;
	ui_rect top = take_top(&c, icon);
	a->ui.r.icon(a->ui.r.ctx, ui_mirror(u, (ui_rect){top.x, top.y, icon, icon}), it->pictogram,
	             THEME_TEXT);
	top.x += icon + THEME_GAP;
	top.w -= icon + THEME_GAP;
	snprintf(wid, sizeof wid, "%s.title", id);
	ui_label(u, wid, top, t->title, large ? UI_FONT_TITLE : UI_FONT_LARGE, THEME_TEXT,
	         UI_TEXT_START | UI_TEXT_MIDDLE | UI_TEXT_BOLD | UI_TEXT_BLOCK);
	ui_mark(u, wid, UI_SPEECH_PROMPT);
	/* A small card's QR: as tall as the card, at most a third of its width. */
	int side = large ? (portrait(a) ? INFO_QR_SIDE : INFO_QR_LAND)
	                 : (c.h < c.w / 3 ? c.h : c.w / 3);
	/* Under the text on a tall card, beside it on a wide one. */
	bool below = large ? portrait(a) : c.h > c.w;
	ui_rect body = c;
	if (it->qr[0] && side > 0) {
		QRcode *qr = QRcode_encodeString(it->qr, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
		if (qr && qr->width <= APP_QR_MAX) {
			unsigned char m[APP_QR_MAX * APP_QR_MAX];
			for (int i = 0; i < qr->width * qr->width; i++)
				m[i] = qr->data[i] & 1;
			ui_rect q;
			if (below) {
				q = take_bottom(&body, side);
				q.x += (q.w - side) / 2;
			} else {
				q = (ui_rect){body.x + body.w - side, body.y, side, side};
				body.w -= side + THEME_GAP;
			}
			q.w = q.h = side;
			snprintf(wid, sizeof wid, "%s.qr", id);
			ui_modules(u, wid, q, m, qr->width, it->qr);
		}
		QRcode_free(qr);
	}
	snprintf(wid, sizeof wid, "%s.body", id);
	ui_label(u, wid, body, t->text, large ? UI_FONT_LARGE : UI_FONT_BODY, THEME_TEXT,
	         UI_TEXT_START | UI_TEXT_BLOCK);
	ui_mark(u, wid, UI_SPEECH_PROMPT);
}

/* Which of n items and which of the site's languages the rotation shows `elapsed` ms in:
 * each item in every language in turn, ANK_INFO_ROTATE_MS each. */
static int rotation(app *a, int n, int64_t elapsed, char lang[8])
{
	int langs[ANK_I18N_MAX_LANGS];
	int nl = app_offered_languages(a, langs, ANK_I18N_MAX_LANGS);
	if (nl < 1)
		nl = 1;
	long long k = elapsed / ANK_INFO_ROTATE_MS;
	int item = (int)((k / nl) % n);
	snprintf(lang, 8, "%s", ank_i18n_code(a->i18n, langs[k % nl]));
	return item;
}

bool infoscreen_due(app *a)
{
	const ank_content_item *in[1];
	if (a->display || a->screen != SCREEN_WELCOME || content_infos(a, in, 1) == 0) {
		a->info_since = 0;
		return false;
	}
	if (a->info_since)
		return true;
	if (a->now - a->last_touch < ANK_INFO_IDLE_MS)
		return false;
	a->info_since = a->now;
	return true;
}

screen_id infoscreen_frame(app *a)
{
	const ank_content_item *in[ANK_CONTENT_MAX];
	int n = content_infos(a, in, ANK_CONTENT_MAX);
	char lang[8];
	int item = rotation(a, n, a->now - a->info_since, lang);
	if (strcmp(lang, a->lang))
		app_set_language(a, lang);
	int y = alert_band(a, 0);
	ui_rect c = {THEME_MARGIN, y + THEME_MARGIN, a->ui.w - 2 * THEME_MARGIN,
	             a->ui.h - y - 2 * THEME_MARGIN};
	/* The whole screen is one target: a touch anywhere ends the rotation (app_touch) and
	 * shows the welcome in the site's language, for the next person. */
	ui_rect hint = take_bottom(&c, INFO_HINT_H);
	info_card(a, "infoscreen", c, in[item], true);
	ui_label(&a->ui, "infoscreen.hint", hint, tr(a, "welcome.info_tap"), UI_FONT_LARGE,
	         THEME_MUTED, UI_TEXT_CENTER | UI_TEXT_MIDDLE);
	return SCREEN_WELCOME;
}

int display_info(app *a, ui_rect *area, int h)
{
	const ank_content_item *in[ANK_CONTENT_MAX];
	int n = content_infos(a, in, ANK_CONTENT_MAX);
	if (n == 0)
		return 0;
	int langs[ANK_I18N_MAX_LANGS];
	int nl = app_offered_languages(a, langs, ANK_I18N_MAX_LANGS);
	/* The display's language turns by itself (APP_DISPLAY_LANG_MS): an item stays up
	 * through all of the site's languages, then the next one comes. */
	int64_t per_item = (int64_t)APP_DISPLAY_LANG_MS * (nl > 0 ? nl : 1);
	int item = (int)((a->now / per_item) % n);
	if (h <= 0)
		h = portrait(a) ? INFO_DISPLAY_H : INFO_DISPLAY_H_LAND;
	ui_rect r = take_bottom(area, h);
	info_card(a, "display.info", r, in[item], false);
	return h;
}
