/* A ui_renderer that draws nothing: for headless runs that need the layout and the widget
 * list but no pixels (the monkey test), so the toolkit and screens run at full speed. */
#ifndef ANK_RENDER_NULL_H
#define ANK_RENDER_NULL_H

#include "ui.h"

/* The renderer; it keeps no state, so there is nothing to free. Text is measured with a
 * fixed advance per code point and the line height of the real font size, wrapped at
 * spaces like the SDL renderer, so heights and line counts stay plausible. */
ui_renderer ank_null_renderer(void);

#endif
