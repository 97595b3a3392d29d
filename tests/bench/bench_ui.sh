#!/usr/bin/env bash
# Measures the kiosk UI (frame time per screen, idle CPU, cold start, peak RSS) and the same
# figures for a minimal SDL2 program (sdl_floor.c) in the same run, as the floor.
#
# Usage: tests/bench/bench_ui.sh   (from anywhere; about 2 minutes; method: docs/benchmarks.md §3)
# Environment: ANK_KIOSK=PATH uses that kiosk binary instead of building the bench preset;
# ANK_UI_TAPS (250), ANK_UI_RUNS (10), ANK_UI_IDLE_S (60) change the sample sizes.
# Needs Xvfb for the window figures; without it they are skipped and the headless ones run.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/bench/lib.sh # stop, stop_jobs (cleanup needs it from the start), build_sdl_probe,
# start, finish, pct, count

TAPS=${ANK_UI_TAPS:-250}    # taps on empty space per screen; each tap draws 4 frames
RUNS=${ANK_UI_RUNS:-10}     # cold starts per program, and cold screen openings
IDLE_S=${ANK_UI_IDLE_S:-60} # idle window
SETTLE_S=8                  # after start (the first queue tick redraws at 5 s), before the idle window
NOW=2026-11-23T10:00:00Z    # fixed clock for the headless runs
SIZE=1080x1920
# The idle prompt is not among them: any tap on it continues (issue 11), so it cannot take
# empty taps.
SCREENS=(welcome rules nickname substance route ticket)
OPENED=(rules welcome nickname substance route ticket) # screens reached by one tap

out=build/bench
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ui-XXXXXX")
# Ends only this script's own background jobs that still run (programs measured, Xvfb).
cleanup()
{
	stop_jobs
	rm -rf "$tmp"
}
trap cleanup EXIT

say() { printf 'bench_ui: %s\n' "$*" >&2; }
bench() { printf 'bench: %s=%s %s\n' "$1" "$2" "$3"; }

# ---- build ----
if [[ -n ${ANK_KIOSK:-} ]]; then
	kiosk=$ANK_KIOSK
else
	cmake --preset bench >/dev/null
	cmake --build --preset bench -j2 --target ankomst-kiosk >/dev/null
	kiosk=$out/ankomst-kiosk
fi
# The probe, preloaded into both programs: timestamps every SDL_RenderClear (a frame starts),
# SDL_RenderPresent and IMG_SavePNG (the kiosk's `shot NAME`, used as a marker and not
# written), and writes them with the peak RSS at exit. Neither program is changed.
build_sdl_probe "$out"
probe=$PWD/$out/frame_probe.so

# ---- helpers ----


# cold_ms NAME: launch to first frame in ms, from NAME.t0 (µs) and NAME.first (ns).
cold_ms()
{
	local t0 t1
	t0=$(<"$tmp/$1.t0")
	t1=$(<"$tmp/$1.first")
	awk -v d=$((t1 / 1000 - t0)) 'BEGIN { printf "%.1f\n", d / 1000 }'
}
hwm_mib() { awk '$1 == "hwm_kb" { printf "%.1f\n", $2 / 1024 }' "$tmp/$1.out"; }

# taps on empty space (bottom-left margin: no widget on any screen) force full redraws
taps()
{
	local i
	for ((i = 0; i < $1; i++)); do
		echo "tap 5 1900"
	done
}
# flow N: the check-in (plus rules) with N empty taps on every screen; markers
# b./e. bound a screen's steady frames, p./a. the one tap that opens a screen.
flow()
{
	steady() {
		echo "shot b.$1"
		taps "$2"
		echo "shot e.$1"
		echo "expect-screen $1"
	}
	open() { printf 'shot p.%s\ntap-id %s\nshot a.%s\nexpect-screen %s\n' "$1" "$2" "$1" "$1"; }
	echo "expect-screen welcome"
	steady welcome "$1"
	open rules welcome.rules
	steady rules "$1"
	open welcome rules.back
	open nickname welcome.checkin
	echo "type ka"
	steady nickname "$1"
	open substance nickname.match.0
	steady substance "$1"
	open route substance.cocaine
	steady route "$1"
	open ticket route.smoke
	steady ticket "$1"
}

# frames OUT: steady frame durations (ms) per screen into OUT.frames.SCREEN; the last frame
# of a segment ends at its e. marker. Openings: OUT.open.SCREEN gets release → new screen
# drawn (the last two frames of the tap), OUT.first.SCREEN the new screen's first frame.
frames()
{
	awk -v dir="$tmp" '
		$1 == "M" {
			split($3, m, ".")
			if (m[1] == "b") { seg = m[2]; last = 0 }
			else if (m[1] == "e") {
				if (seg != "" && last) print ($2 - last) / 1e6 >> (dir "/frames." seg)
				seg = ""
			} else if (m[1] == "p") { op = m[2]; n = 0 }
			else if (m[1] == "a" && op != "" && n >= 2) {
				print ($2 - c[n - 1]) / 1e6 >> (dir "/open." op)
				print ($2 - c[n]) / 1e6 >> (dir "/first." op)
				op = ""
			}
			next
		}
		$1 == "C" && seg != "" { if (last) print ($2 - last) / 1e6 >> (dir "/frames." seg); last = $2 }
		$1 == "C" && op != "" { c[++n] = $2 }
	' "$1"
}

uname_m=$(uname -srm)
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
say "$(nproc) x $cpu, $uname_m, SDL $(pkg-config --modversion sdl2), kiosk $kiosk"

# ---- 1. headless: frame time per screen on the software renderer at 1080x1920 ----
say "headless frames: $TAPS empty taps (4 frames each) per screen"
flow "$TAPS" >"$tmp/flow.txt"
flow 0 >"$tmp/nav.txt"
echo "shot first" >"$tmp/first.txt"
start kf -- "$kiosk" --demo --headless --size $SIZE --now $NOW --script "$tmp/flow.txt" \
	--shots "$tmp/shots"
finish "$last_pid"
frames "$tmp/kf.out"
kiosk_rss_screens=$(hwm_mib kf)
for ((r = 1; r < RUNS; r++)); do
	start "nav$r" -- "$kiosk" --demo --headless --size $SIZE --now $NOW \
		--script "$tmp/nav.txt" --shots "$tmp/shots"
	finish "$last_pid"
	frames "$tmp/nav$r.out"
done
start ff -- "$out/sdl_floor" --headless --size $SIZE --frames $((4 * TAPS))
finish "$last_pid"
awk '$1 == "C" { if (last) print ($2 - last) / 1e6; last = $2 } $1 == "P" { end = $2 }
	END { if (last) print (end - last) / 1e6 }' "$tmp/ff.out" >"$tmp/frames.floor"

# ---- 2. headless cold start and peak RSS ----
say "headless cold start: $RUNS runs each"
start db -- "$kiosk" --demo --db "$tmp/site.db" --headless --script "$tmp/first.txt" \
	--shots "$tmp/shots"
finish "$last_pid"
for ((r = 0; r < RUNS; r++)); do
	start "hd$r" -- "$kiosk" --demo --headless --script "$tmp/first.txt" --shots "$tmp/shots"
	finish "$last_pid"
	cold_ms "hd$r" >>"$tmp/cold.h_kiosk_demo"
	hwm_mib "hd$r" >>"$tmp/rss.h_kiosk_demo"
	start "hb$r" -- "$kiosk" --db "$tmp/site.db" --headless --script "$tmp/first.txt" \
		--shots "$tmp/shots"
	finish "$last_pid"
	cold_ms "hb$r" >>"$tmp/cold.h_kiosk_db"
	start "hf$r" -- "$out/sdl_floor" --headless --size $SIZE --frames 1
	finish "$last_pid"
	cold_ms "hf$r" >>"$tmp/cold.h_floor"
	hwm_mib "hf$r" >>"$tmp/rss.h_floor"
done

# ---- 3. window under Xvfb: cold start, idle CPU, peak RSS ----
# gl: SDL's default choice (here OpenGL on Mesa llvmpipe); sw: SDL's software renderer
# writing straight to the X window (no GL loaded at all).
VARIANTS=(gl sw)
declare -A VENV=([gl]="SDL_AUDIODRIVER=dummy"
	[sw]="SDL_AUDIODRIVER=dummy SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0")
window=no
if command -v Xvfb >/dev/null; then
	Xvfb -displayfd 9 -screen 0 1280x2000x24 -nolisten tcp 9>"$tmp/display" \
		>"$tmp/xvfb.log" 2>&1 &
	for ((i = 0; i < 100; i++)); do
		[[ -s $tmp/display ]] && break
		sleep 0.05
	done
	if [[ -s $tmp/display ]]; then
		DISPLAY=:$(<"$tmp/display")
		export DISPLAY
		window=yes
	else
		say "Xvfb did not start: window figures skipped"
	fi
else
	say "no Xvfb (apt-get install xvfb): window figures skipped"
fi

# waitfirst NAME PID: until the program's first present (at most 20 s).
waitfirst()
{
	local i
	for ((i = 0; i < 400; i++)); do
		[[ -s $tmp/$1.first ]] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	say "$1: no first frame; its output:"
	cat "$tmp/$1.log" >&2
	exit 1
}
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat; }

declare -A RENDERER IDLE_FRAMES IDLE_CPU
if [[ $window == yes ]]; then
	say "window cold start: $RUNS runs each of kiosk and floor, per renderer"
	for v in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2086 # VENV holds several VAR=VALUE words
		for ((r = 0; r < RUNS; r++)); do
			start "wk$v$r" ${VENV[$v]} -- "$kiosk" --demo
			waitfirst "wk$v$r" "$last_pid"
			stop "$last_pid"
			cold_ms "wk$v$r" >>"$tmp/cold.w_kiosk_$v"
			start "wf$v$r" ${VENV[$v]} -- "$out/sdl_floor"
			waitfirst "wf$v$r" "$last_pid"
			stop "$last_pid"
			cold_ms "wf$v$r" >>"$tmp/cold.w_floor_$v"
		done
		RENDERER[$v]=$(sed -n 's/^sdl_floor: renderer //p' "$tmp/wf${v}0.log")
	done

	say "idle: all four programs side by side, ${SETTLE_S} s to settle, then ${IDLE_S} s"
	declare -A IPID
	for v in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2086
		start "ik$v" ${VENV[$v]} -- "$kiosk" --demo
		IPID[kiosk_$v]=$last_pid
		# shellcheck disable=SC2086
		start "if$v" ${VENV[$v]} -- "$out/sdl_floor"
		IPID[floor_$v]=$last_pid
	done
	sleep "$SETTLE_S"
	declare -A NS0 TK0 NS1 TK1 HWM THREADS
	for k in "${!IPID[@]}"; do
		NS0[$k]=$(cpu_ns "${IPID[$k]}")
		TK0[$k]=$(cpu_ticks "${IPID[$k]}")
	done
	ta=${EPOCHREALTIME/./}
	sleep "$IDLE_S"
	tb=${EPOCHREALTIME/./}
	for k in "${!IPID[@]}"; do
		NS1[$k]=$(cpu_ns "${IPID[$k]}")
		TK1[$k]=$(cpu_ticks "${IPID[$k]}")
		HWM[$k]=$(awk '/^VmHWM/ { printf "%.1f\n", $2 / 1024 }' /proc/"${IPID[$k]}"/status)
		THREADS[$k]=$(cat /proc/"${IPID[$k]}"/task/*/comm | sort | uniq -c |
			awk '{ printf "%s%s×%s", (NR > 1 ? " " : ""), $1, $2 }')
	done
	for k in "${!IPID[@]}"; do
		stop "${IPID[$k]}"
	done
	tck=$(getconf CLK_TCK)
fi

# ---- report ----
echo
echo "Kiosk UI, headless, software renderer, $SIZE: steady frames (ms, $((4 * TAPS)) per screen)"
printf '%-10s %7s %7s %7s %7s   %s\n' screen frames p50 p99 max "open: release→drawn p50/max, first frame p50 (ms, $RUNS cold)"
for s in "${SCREENS[@]}" floor; do
	f=$tmp/frames.$s
	o=""
	if [[ -f $tmp/open.$s ]]; then
		o=$(printf '%s / %s, %s' "$(pct "$tmp/open.$s" 50)" "$(pct "$tmp/open.$s" 100)" \
			"$(pct "$tmp/first.$s" 50)")
	fi
	printf '%-10s %7s %7s %7s %7s   %s\n' "$s" "$(count "$f")" "$(pct "$f" 50)" "$(pct "$f" 99)" \
		"$(pct "$f" 100)" "$o"
done
echo
echo "Cold start to first frame (ms, median and max of $RUNS) and peak RSS (MiB)"
printf '%-34s %8s %8s %8s\n' program median max rss
printf '%-34s %8s %8s %8s\n' "headless kiosk --demo (new db)" "$(pct "$tmp/cold.h_kiosk_demo" 50)" \
	"$(pct "$tmp/cold.h_kiosk_demo" 100)" "$(pct "$tmp/rss.h_kiosk_demo" 50)"
printf '%-34s %8s %8s %8s\n' "headless kiosk --db (existing)" "$(pct "$tmp/cold.h_kiosk_db" 50)" \
	"$(pct "$tmp/cold.h_kiosk_db" 100)" "-"
printf '%-34s %8s %8s %8s\n' "headless kiosk, all screens" "-" "-" "$kiosk_rss_screens"
printf '%-34s %8s %8s %8s\n' "headless floor" "$(pct "$tmp/cold.h_floor" 50)" \
	"$(pct "$tmp/cold.h_floor" 100)" "$(pct "$tmp/rss.h_floor" 50)"
if [[ $window == yes ]]; then
	for v in "${VARIANTS[@]}"; do
		for p in kiosk floor; do
			printf '%-34s %8s %8s %8s\n' "window $p, $v (${RENDERER[$v]})" \
				"$(pct "$tmp/cold.w_${p}_$v" 50)" "$(pct "$tmp/cold.w_${p}_$v" 100)" \
				"${HWM[${p}_$v]}"
		done
	done
	echo
	echo "Idle ${IDLE_S} s in a window (Xvfb), after ${SETTLE_S} s: CPU % of one core, frames presented"
	printf '%-18s %10s %10s %7s   %s\n' program "cpu(sched)" "cpu(ticks)" frames threads
	for v in "${VARIANTS[@]}"; do
		for p in kiosk floor; do
			k=${p}_$v
			frames_idle=$(awk -v a=$((ta * 1000)) -v b=$((tb * 1000)) \
				'$1 == "P" && $2 > a && $2 < b { n++ } END { print n + 0 }' \
				"$tmp/i${p:0:1}$v.out")
			IDLE_FRAMES[$k]=$frames_idle
			IDLE_CPU[$k]=$(awk -v d=$((NS1[$k] - NS0[$k])) -v s="$IDLE_S" \
				'BEGIN { printf "%.3f\n", d / (s * 1e9) * 100 }')
			printf '%-18s %10s %10s %7s   %s\n' "$p, $v" "${IDLE_CPU[$k]}" \
				"$(awk -v d=$((TK1[$k] - TK0[$k])) -v s="$IDLE_S" -v t="$tck" \
					'BEGIN { printf "%.3f\n", d / t / s * 100 }')" \
				"$frames_idle" "${THREADS[$k]}"
		done
	done
fi
echo
for s in "${SCREENS[@]}" floor; do
	bench "ui_frame_p50_$s" "$(pct "$tmp/frames.$s" 50)" ms
	bench "ui_frame_p99_$s" "$(pct "$tmp/frames.$s" 99)" ms
done
for s in "${OPENED[@]}"; do
	bench "ui_open_p50_$s" "$(pct "$tmp/open.$s" 50)" ms
done
bench ui_cold_headless_kiosk_demo "$(pct "$tmp/cold.h_kiosk_demo" 50)" ms
bench ui_cold_headless_kiosk_db "$(pct "$tmp/cold.h_kiosk_db" 50)" ms
bench ui_cold_headless_floor "$(pct "$tmp/cold.h_floor" 50)" ms
bench ui_rss_headless_kiosk "$kiosk_rss_screens" MiB
bench ui_rss_headless_floor "$(pct "$tmp/rss.h_floor" 50)" MiB
if [[ $window == yes ]]; then
	for v in "${VARIANTS[@]}"; do
		for p in kiosk floor; do
			bench "ui_cold_window_${p}_$v" "$(pct "$tmp/cold.w_${p}_$v" 50)" ms
			bench "ui_idle_cpu_${p}_$v" "${IDLE_CPU[${p}_$v]}" %
			bench "ui_idle_frames_${p}_$v" "${IDLE_FRAMES[${p}_$v]}" frames
			bench "ui_rss_window_${p}_$v" "${HWM[${p}_$v]}" MiB
		done
	done
fi
