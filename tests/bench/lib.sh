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

# The probe runs (bench_ui.sh, bench_start.sh): they set $probe (frame_probe.so), $tmp (the run's
# folder) and say() before calling these.

# start NAME [VAR=VALUE...] -- CMD...: runs CMD in the background under the probe; the
# launch time (just before exec) goes to NAME.t0, the probe's output to NAME.out/.first.
start()
{
	local name=$1
	shift
	(
		while [[ $1 != -- ]]; do
			export "${1?}"
			shift
		done
		shift
		export LD_PRELOAD=$probe ANK_PROBE_OUT=$tmp/$name.out ANK_PROBE_FIRST=$tmp/$name.first
		printf '%s\n' "${EPOCHREALTIME/./}" >"$tmp/$name.t0"
		exec "$@"
	) >"$tmp/$name.log" 2>&1 &
	last_pid=$!
}

# finish PID: waits for a program started with `start`; fails the benchmark if it failed.
finish()
{
	if ! wait "$1"; then
		say "a measured program failed; its output:"
		cat "$tmp"/*.log >&2
		exit 1
	fi
}

# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE, or "n/a".
pct()
{
	[[ -s $1 ]] || {
		echo n/a
		return
	}
	sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 }
		END { if (!NR) { print "n/a"; exit }
		      i = NR * p / 100; if (i > int(i)) i = int(i) + 1; if (i < 1) i = 1
		      printf "%.2f\n", v[i] }'
}
count() { if [[ -f $1 ]]; then grep -c . "$1" || true; else echo 0; fi; }
