/* ankomst-kiosk: a launcher linked with SDL2 alone. For a window run it opens the window and
 * presents the first frame (the screen's background) at once, then loads the kiosk from
 * libankomst-kiosk.so, whose libraries (SQLite, ICU, gettext, curl, TTF) take longer to map
 * and relocate than SDL takes to show a window (docs/benchmarks.md §3). */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ank_lsan.h"
#include "launch.h"
#include "options.h"
#include "theme.h"

/* LeakSanitizer sees only the executable's suppressions, not the kiosk library's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return ANK_LSAN_SUPPRESSIONS;
}

/* The library's path into out: $ANK_KIOSK_LIB, else beside this program if there (a build
 * tree), else the installed one in ANK_KIOSK_LIB_DIR (deploy/install.cmake) if there, else
 * the bare name for the dynamic linker's search path. */
static void library_path(char *out, size_t n)
{
	const char *env = getenv(ANK_KIOSK_LIB_ENV);
	if (env && env[0]) {
		snprintf(out, n, "%s", env);
		return;
	}
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, n, "%s/%s", exe, ANK_KIOSK_LIB);
			if (access(out, R_OK) == 0)
				return;
		}
	}
#ifdef ANK_KIOSK_LIB_DIR
	snprintf(out, n, "%s/%s", ANK_KIOSK_LIB_DIR, ANK_KIOSK_LIB);
	if (access(out, R_OK) == 0)
		return;
#endif
	snprintf(out, n, "%s", ANK_KIOSK_LIB);
}

/* Opens the kiosk's window and presents its background; false (SDL quit again) when there
 * is no display: the kiosk then tries itself and says why it cannot. */
static bool open_early(const options *o, ank_window *w)
{
	if (ank_window_open(o, w))
		return false;
	ui_color bg = o->display ? THEME_DISPLAY_BG : THEME_BG;
	SDL_SetRenderDrawColor(w->ren, bg.r, bg.g, bg.b, bg.a);
	SDL_RenderClear(w->ren);
	SDL_RenderPresent(w->ren);
	return true;
}

int main(int argc, char **argv)
{
	options o;
	ank_window early = {0};
	/* A command line the kiosk refuses shows no window: the library prints the usage. */
	bool window =
	        options_parse(argc, argv, &o) == 0 && options_window(&o) && open_early(&o, &early);
	char path[PATH_MAX + 32];
	library_path(path, sizeof path);
	int rc = 1;
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ank_kiosk_main_fn *entry = lib ? (ank_kiosk_main_fn *)dlsym(lib, ANK_KIOSK_ENTRY) : NULL;
	if (!lib)
		fprintf(stderr, "ankomst-kiosk: cannot load the kiosk: %s\n", dlerror());
	else if (!entry)
		fprintf(stderr, "ankomst-kiosk: %s has no " ANK_KIOSK_ENTRY ": %s\n", path,
		        dlerror());
	else
		rc = entry(argc, argv, window ? &early : NULL);
	/* The library stays loaded: its atexit handlers and leak reports need its code. */
	if (window)
		ank_window_close(&early);
	return rc;
}
