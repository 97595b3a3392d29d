/* Shared pieces of the screens: layout regions for portrait and landscape, the
 * on-screen keyboard, and the check-in action. Screens include this, never SDL.h. */
#ifndef ANK_SCREENS_H
#define ANK_SCREENS_H

#include "app.h"
#include "theme.h"

/* Screen frames, one per file in kiosk/screens. */
screen_id welcome_frame(app *a);
screen_id nickname_frame(app *a);
screen_id birthyear_frame(app *a);
screen_id substance_frame(app *a);
screen_id route_frame(app *a);
screen_id ticket_frame(app *a);
screen_id refused_frame(app *a);
screen_id rules_frame(app *a);
screen_id idle_frame(app *a);
screen_id staff_pin_frame(app *a);
screen_id staff_frame(app *a);
screen_id display_frame(app *a);
screen_id fault_frame(app *a);
screen_id language_frame(app *a);

bool portrait(const app *a);
/* The area inside the margins. */
ui_rect content(const app *a);
/* Cell i of a cols x rows grid filling r with gap between cells. */
ui_rect grid_cell(ui_rect r, int cols, int rows, int i, int gap);
/* Splits r at y (absolute) into top and bottom parts. */
ui_rect take_top(ui_rect *r, int h);
ui_rect take_bottom(ui_rect *r, int h);

/* A line of information with its pictogram at the start (THEME_LINE_ICON), as tall as its
 * text needs (at least THEME_INFO_LINE_H), taken from the top of *area; returns its
 * height. */
int info_line(app *a, const char *id, ui_rect *area, const char *icon, const char *text, ui_font f);
/* The "read aloud" toggle (id SCREEN.speak, role toggle) in r, layout coordinates: flips
 * a->speak for the visit. In the title band of every step and in the welcome's languages. */
void speak_button(app *a, ui_rect r);
/* The screen title (part of the spoken prompt), with "read aloud" and the language button
 * on the steps of a check-in; returns the y below it. */
int screen_title(app *a, const char *id, const char *text);
/* The title, then the content area below it. */
ui_rect screen_body(app *a, const char *id, const char *title);
/* The drug alert bands of the alerts shown now (content_alerts); returns their height. */
int alert_band(app *a, int y);

/* A drug alert as the screens show it: the site config's [alert] or a composed one. */
typedef struct content_alert {
	int severity;     /* ank_alert_severity */
	const char *text; /* in the screen's language where it has one; borrowed */
} content_alert;
/* The one list of alerts shown at a->now, dangers first (infoscreen.c); returns the count. */
int content_alerts(app *a, content_alert *out, int max);
/* The information screens shown at a->now, soonest first; returns the count. */
int content_infos(const app *a, const ank_content_item **out, int max);
/* The welcome's rotation of information screens is due (idle, between visits). */
bool infoscreen_due(app *a);
/* Draws the rotation in place of the welcome; a tap ends it. */
screen_id infoscreen_frame(app *a);
/* The display's information screen at the bottom of *area, h high (0: the default for the
 * orientation); returns its height (0: none shown). */
int display_info(app *a, ui_rect *area, int h);
/* "Back" and "Start over" at the bottom of every step of a check-in (ids SCREEN.back,
 * SCREEN.start_over); true when one was tapped, with the screen to show in *next. */
bool step_nav(app *a, const char *screen, screen_id *next);
/* The same in the band `bar` (landscape screens with a column of their own for it). */
bool step_nav_in(app *a, const char *screen, ui_rect bar, screen_id *next);

/* The Danish on-screen keyboard with ids PREFIX.key.<CHAR> and PREFIX.backspace; edits
 * `text` (at most cap bytes). Returns true when the text changed. */
bool keyboard(app *a, const char *prefix, ui_rect r, char *text, size_t cap);

/* When a closed site opens again, as a sentence in the screen's language ("We open again
 * tomorrow at 10:00."); written to buf (n bytes) or a static catalog text. */
const char *opens_text(app *a, char *buf, size_t n);

/* Runs the check-in with the choices made; returns the ticket or refused screen. */
screen_id do_checkin(app *a);
/* After the user (or helper) is known: the next step. */
screen_id after_user_chosen(app *a, const ank_match *m);
/* After the substance: the route screen, the helper, or straight to the ticket. */
screen_id substance_chosen(app *a, const char *code);

#endif
