/* SDL mouse and touch events to UI presses and releases: one touch is one press, even
 * though SDL also sends a synthetic mouse event for every finger. */
#include "input.h"

static void press(app *a, bool down, int x, int y)
{
	app_touch(a, down, x, y);
	if (down)
		ui_input_press(&a->ui, x, y);
	else
		ui_input_release(&a->ui, x, y);
}

bool input_event(app *a, const SDL_Event *ev, SDL_Renderer *ren, SDL_Window *win)
{
	switch (ev->type) {
	case SDL_QUIT:
		return false;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		/* Touch screens also send mouse events for each finger: take the finger event
		 * only, so a tap is never counted twice. */
		if (ev->button.which == SDL_TOUCH_MOUSEID || ev->button.button != SDL_BUTTON_LEFT)
			break;
		press(a, ev->type == SDL_MOUSEBUTTONDOWN, ev->button.x, ev->button.y);
		break;
	case SDL_FINGERDOWN:
	case SDL_FINGERUP: {
		int x, y;
		if (ren && win) {
			int ww, wh;
			float lx, ly;
			SDL_GetWindowSize(win, &ww, &wh);
			SDL_RenderWindowToLogical(ren, (int)(ev->tfinger.x * (float)ww),
			                          (int)(ev->tfinger.y * (float)wh), &lx, &ly);
			x = (int)lx;
			y = (int)ly;
		} else {
			x = (int)(ev->tfinger.x * (float)a->ui.w);
			y = (int)(ev->tfinger.y * (float)a->ui.h);
		}
		press(a, ev->type == SDL_FINGERDOWN, x, y);
		break;
	}
	case SDL_WINDOWEVENT:
		a->dirty = true;
		break;
	default:
		break;
	}
	return true;
}
