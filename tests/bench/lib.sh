# Shared by the benchmark scripts (sourced, not run): stopping a measured program, or all of them.
# shellcheck shell=bash

# stop PID [SECONDS]: SIGTERM (central stops its daemon on it, SDL turns it into SDL_QUIT),
# then waits; SIGKILL after SECONDS (default 5), for a program that does not end, such as
# central with long-polls still sleeping on their timeout.
stop()
{
	local i limit=$((${2:-5} * 20))
	kill -TERM "$1" 2>/dev/null || true
	for ((i = 0; i < limit; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# stop_jobs: SIGTERM to each background job of the calling script that still runs, then waits
# for them; for the scripts' EXIT traps, which so end only the programs they started.
stop_jobs()
{
	local p
	for p in $(jobs -p); do
		kill -TERM "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}

# build_sdl_probe OUT: builds OUT/sdl_floor (the bare SDL2 program, sdl_floor.c) and
# OUT/frame_probe.so (frame_probe.c, preloaded into the programs measured: timestamps every
# SDL_RenderClear, SDL_RenderPresent and IMG_SavePNG and writes them with the peak RSS at exit).
build_sdl_probe()
{
	mkdir -p "$1"
	# shellcheck disable=SC2046 # pkg-config prints several flags
	gcc -std=c17 -O2 -Wall -Wextra -o "$1/sdl_floor" tests/bench/sdl_floor.c \
		$(pkg-config --cflags --libs sdl2)
	gcc -std=gnu17 -O2 -Wall -Wextra -shared -fPIC -o "$1/frame_probe.so" \
		tests/bench/frame_probe.c -ldl
}
