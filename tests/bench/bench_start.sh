#!/usr/bin/env bash
# Measures the kiosk's start and memory beside a bare SDL2 program (sdl_floor.c) in the same
# run (issue 11, item 9): cold start to the first frame (in a window with the software renderer,
# as the shipped unit sets it, and headless), and with a 50,000-user registry the peak RSS in a
# window and the frame time while typing nicknames on the on-screen keyboard.
#
# Usage: tests/bench/bench_start.sh   (from anywhere; about 3 minutes; method: docs/benchmarks.md
# §3 "Start and memory")
# Environment: ANK_KIOSK=PATH uses that kiosk (its libankomst-kiosk.so beside it) instead of
# building the bench preset; ANK_START_RUNS (10) cold starts per program, ANK_START_USERS
# (50000) users, ANK_START_WORDS (30) nicknames typed, ANK_START_TAP_S (0.12) between taps.
# Needs Xvfb and xdotool (scripts/install-deps).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/bench/lib.sh # stop, stop_jobs, build_sdl_probe, start, finish, pct, count

RUNS=${ANK_START_RUNS:-10}
USERS=${ANK_START_USERS:-50000}
WORDS=${ANK_START_WORDS:-30}
TAP_S=${ANK_START_TAP_S:-0.12}
SETTLE_S=1.5 # after the first frame, until the kiosk has drawn its screen
SIZE=1080x1920
out=build/bench
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-start-XXXXXX")
cleanup()
{
	stop_jobs
	rm -rf "$tmp"
}
trap cleanup EXIT

say() { printf 'bench_start: %s\n' "$*" >&2; }
bench() { printf 'bench: %s=%s %s\n' "$1" "$2" "$3"; }

for tool in Xvfb xdotool; do
	command -v "$tool" >/dev/null || {
		say "needs $tool (scripts/install-deps)"
		exit 1
	}
done

# ---- build ----
if [[ -n ${ANK_KIOSK:-} ]]; then
	kiosk=$ANK_KIOSK
else
	cmake --preset bench >/dev/null
	cmake --build --preset bench -j2 --target ankomst-kiosk >/dev/null
	kiosk=$out/ankomst-kiosk
fi
build_sdl_probe "$out"
probe=$PWD/$out/frame_probe.so
floor=$out/sdl_floor

# ---- helpers (start, finish, pct, count: lib.sh) ----


# waitfirst NAME PID: until the program's first present (at most 20 s).
waitfirst()
{
	local i
	for ((i = 0; i < 2000; i++)); do
		[[ -s $tmp/$1.first ]] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.01
	done
	say "$1: no first frame; its output:"
	cat "$tmp/$1.log" >&2
	exit 1
}

# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE, or "n/a".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'; }

# present_ms NAME K: launch to the return of the K-th SDL_RenderPresent (ms), from the probe's
# output (written at exit).
present_ms()
{
	local t0
	t0=$(<"$tmp/$1.t0")
	awk -v t0="$t0" -v k="$2" '$1 == "P" && ++n == k { printf "%.1f\n", ($2 / 1000 - t0) / 1000 }' \
		"$tmp/$1.out"
}
# first_ms NAME: launch to the first present (or the headless kiosk's first `shot`).
first_ms()
{
	local t0 t1
	t0=$(<"$tmp/$1.t0")
	t1=$(<"$tmp/$1.first")
	awk -v d=$((t1 / 1000 - t0)) 'BEGIN { printf "%.1f\n", d / 1000 }'
}
hwm_mib() { awk '$1 == "hwm_kb" { printf "%.1f\n", $2 / 1024 }' "$tmp/$1.out"; }
# draw_ms NAME: for every frame, its clear to its present (ms): drawing and showing it.
draw_ms() { awk '$1 == "C" { c = $2 } $1 == "P" && c { print ($2 - c) / 1e6; c = 0 }' "$tmp/$1.out"; }

uname_m=$(uname -srm)
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
say "$(nproc) x $cpu, $uname_m, SDL $(pkg-config --modversion sdl2), kiosk $kiosk"

Xvfb -displayfd 9 -screen 0 1280x2000x24 -nolisten tcp 9>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
for ((i = 0; i < 100; i++)); do
	[[ -s $tmp/display ]] && break
	sleep 0.05
done
[[ -s $tmp/display ]] || {
	say "Xvfb did not start"
	exit 1
}
DISPLAY=:$(<"$tmp/display")
export DISPLAY
# The shipped unit's renderer (deploy/ankomst-kiosk.service); no sound device here.
WENV=(SDL_AUDIODRIVER=dummy SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0)

# ---- 1. cold start, kiosk and floor interleaved ----
echo "shot first" >"$tmp/first.txt"
say "cold start: $RUNS runs each, window and headless, kiosk and floor interleaved"
for ((r = 0; r < RUNS; r++)); do
	start "wk$r" "${WENV[@]}" -- "$kiosk" --demo
	waitfirst "wk$r" "$last_pid"
	sleep "$SETTLE_S"
	stop "$last_pid"
	first_ms "wk$r" >>"$tmp/cold.w_kiosk"
	present_ms "wk$r" 2 >>"$tmp/cold.w_kiosk_drawn"
	hwm_mib "wk$r" >>"$tmp/rss.w_kiosk_demo"
	start "wf$r" "${WENV[@]}" -- "$floor"
	waitfirst "wf$r" "$last_pid"
	stop "$last_pid"
	first_ms "wf$r" >>"$tmp/cold.w_floor"
	hwm_mib "wf$r" >>"$tmp/rss.w_floor"
	start "hk$r" -- "$kiosk" --demo --headless --script "$tmp/first.txt" --shots "$tmp"
	finish "$last_pid"
	first_ms "hk$r" >>"$tmp/cold.h_kiosk"
	start "hf$r" -- "$floor" --headless --size $SIZE --frames 1
	finish "$last_pid"
	first_ms "hf$r" >>"$tmp/cold.h_floor"
done
renderer=$(sed -n 's/^sdl_floor: renderer //p' "$tmp/wf0.log")

# ---- 2. a site database with USERS users ----
# Nicknames of one to three syllables, some of two words, so that typed prefixes match many.
say "registry: $USERS users"
awk -v n="$USERS" 'BEGIN {
	srand(11)
	split("ka ri mo la se an to ni el jo ha li ma sa ve bo ul da fi ne ru go er pe " \
	      "mi ta ko lu in or be sy ak vi de no he is ra", syl, " ")
	ns = length(syl)
	split("female male other unknown", gen, " ")
	split("101 147", mun, " ")
	print "{\"version\": 1, \"users\": ["
	for (i = 1; i <= n; i++) {
		k = 1 + int(rand() * 3)
		nick = ""
		for (j = 0; j < k; j++)
			nick = nick syl[1 + int(rand() * ns)]
		nick = toupper(substr(nick, 1, 1)) substr(nick, 2)
		if (rand() < 0.1)
			nick = nick " " toupper(syl[1 + int(rand() * ns)])
		printf "{\"id\": \"u-%06d\", \"nickname\": \"%s\", \"birth_year\": %d, " \
		       "\"gender\": \"%s\", \"municipality\": \"%s\"}%s\n", i, nick,
		       1950 + int(rand() * 56), gen[1 + int(rand() * 4)], mun[1 + int(rand() * 2)],
		       i < n ? "," : ""
	}
	print "]}"
}' >"$tmp/registry.json"
db=$tmp/site.db
start imp -- "$kiosk" --demo --db "$db" --registry "$tmp/registry.json" --headless \
	--script "$tmp/first.txt" --shots "$tmp"
finish "$last_pid"
import_ms=$(first_ms imp)
import_rss=$(hwm_mib imp)

# The on-screen keys' centres in the window (half the logical size), from the headless `dump`.
printf 'expect-screen welcome\ndump\ntap-id welcome.checkin\nexpect-screen nickname\ndump\n' \
	>"$tmp/dump.txt"
"$kiosk" --db "$db" --headless --script "$tmp/dump.txt" >"$tmp/dump.json"
declare -A KEY
while read -r id x y w h; do
	KEY[$id]="$(((x + w / 2) / 2)) $(((y + h / 2) / 2))"
done < <(grep -o '"id":"[^"]*","role":"[a-z]*","text":"[^"]*","rect":\[[0-9,]*\]' \
	"$tmp/dump.json" | sed 's/"id":"\([^"]*\)".*"rect":\[\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\)\]/\1 \2 \3 \4 \5/')
[[ -n ${KEY[welcome.checkin]:-} && -n ${KEY[nickname.key.A]:-} ]] || {
	say "no keyboard in the kiosk's dump"
	exit 1
}

# The walk: check-in, then WORDS nicknames of the registry typed letter by letter (space for a
# space) and taken back with backspace, one tap every TAP_S seconds.
awk -v n="$USERS" -v w="$WORDS" -F'"' 'NR > 1 && (NR - 2) % int(n / w) == 0 && c++ < w { print $8 }' \
	"$tmp/registry.json" >"$tmp/words.txt"
walk_taps()
{
	echo welcome.checkin
	local word i ch
	while IFS= read -r word; do
		for ((i = 0; i < ${#word}; i++)); do
			ch=${word:i:1}
			if [[ $ch == " " ]]; then echo nickname.key.space; else echo "nickname.key.${ch^^}"; fi
		done
		for ((i = 0; i < ${#word}; i++)); do
			echo nickname.backspace
		done
	done <"$tmp/words.txt"
}
walk_taps >"$tmp/taps.txt"
# walk NAME PID TITLE: taps the walk into the window named TITLE.
walk()
{
	local wid id
	wid=$(xdotool search --sync --name "^$3\$" | head -1)
	while read -r id; do
		# shellcheck disable=SC2086 # KEY holds "X Y"
		xdotool mousemove --window "$wid" ${KEY[$id]} click 1
		sleep "$TAP_S"
	done <"$tmp/taps.txt"
	sleep 0.5
}

say "typing walk: $(count "$tmp/taps.txt") taps in a window, kiosk (--db, $USERS users) then floor"
start tk "${WENV[@]}" -- "$kiosk" --db "$db"
waitfirst tk "$last_pid"
sleep "$SETTLE_S"
walk tk "$last_pid" Ankomst
stop "$last_pid"
start tf "${WENV[@]}" -- "$floor"
waitfirst tf "$last_pid"
walk tf "$last_pid" sdl_floor
stop "$last_pid"
draw_ms tk | tail -n +3 >"$tmp/frames.kiosk" # without the first two (start)
draw_ms tf | tail -n +2 >"$tmp/frames.floor"

# ---- report ----
echo
echo "Cold start (ms, median and max of $RUNS; window: SDL software renderer ($renderer) in Xvfb)"
printf '%-46s %8s %8s %8s\n' program median max "×floor"
row()
{
	printf '%-46s %8s %8s %8s\n' "$1" "$(pct "$2" 50)" "$(pct "$2" 100)" \
		"$(ratio "$(pct "$2" 50)" "$(pct "$3" 50)")"
}
row "window kiosk --demo: first frame" "$tmp/cold.w_kiosk" "$tmp/cold.w_floor"
row "window kiosk --demo: welcome screen drawn" "$tmp/cold.w_kiosk_drawn" "$tmp/cold.w_floor"
row "window floor" "$tmp/cold.w_floor" "$tmp/cold.w_floor"
row "headless kiosk --demo: first frame" "$tmp/cold.h_kiosk" "$tmp/cold.h_floor"
row "headless floor" "$tmp/cold.h_floor" "$tmp/cold.h_floor"
echo
echo "Peak RSS (VmHWM, MiB)"
printf '%-60s %8s\n' "window kiosk --demo, welcome screen (median of $RUNS)" "$(pct "$tmp/rss.w_kiosk_demo" 50)"
printf '%-60s %8s\n' "window kiosk --db, $USERS users, after the typing walk" "$(hwm_mib tk)"
printf '%-60s %8s\n' "window floor, after the same taps" "$(hwm_mib tf)"
printf '%-60s %8s\n' "headless kiosk importing the $USERS users (--registry)" "$import_rss"
echo "  (that import took $import_ms ms to the first frame)"
echo
echo "Frames while typing in the window: clear to present (ms), $(count "$tmp/frames.kiosk") kiosk frames, $(count "$tmp/frames.floor") floor frames"
printf '%-8s %7s %7s %7s %7s\n' program frames p50 p99 max
for p in kiosk floor; do
	f=$tmp/frames.$p
	printf '%-8s %7s %7s %7s %7s\n' "$p" "$(count "$f")" "$(pct "$f" 50)" "$(pct "$f" 99)" "$(pct "$f" 100)"
done
echo
bench start_window_kiosk_first "$(pct "$tmp/cold.w_kiosk" 50)" ms
bench start_window_kiosk_drawn "$(pct "$tmp/cold.w_kiosk_drawn" 50)" ms
bench start_window_floor "$(pct "$tmp/cold.w_floor" 50)" ms
bench start_window_ratio "$(ratio "$(pct "$tmp/cold.w_kiosk" 50)" "$(pct "$tmp/cold.w_floor" 50)")" x
bench start_headless_kiosk "$(pct "$tmp/cold.h_kiosk" 50)" ms
bench start_headless_floor "$(pct "$tmp/cold.h_floor" 50)" ms
bench start_rss_window_kiosk_users "$(hwm_mib tk)" MiB
bench start_rss_window_floor "$(hwm_mib tf)" MiB
bench start_typing_p99_kiosk "$(pct "$tmp/frames.kiosk" 99)" ms
bench start_typing_p99_floor "$(pct "$tmp/frames.floor" 99)" ms
