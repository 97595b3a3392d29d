#!/usr/bin/env bash
# The ankomst-kiosk launcher: it runs the kiosk in libankomst-kiosk.so for every form of the
# command line; a missing or broken library gives a clear error and a non-zero status; and in
# a window (Xvfb) it presents the first frame before it loads the library, and none for a
# command line the kiosk refuses. The frame probe (tests/bench/frame_probe.c) sees the frames.
# Usage: launcher_test.sh KIOSK FRAME_PROBE_SO SOURCE_DIR
set -euo pipefail
kiosk=$1
probe=$2
root=$3
dir=$(mktemp -d)
xvfb=""
cleanup()
{
	if [[ -n $xvfb ]]; then
		kill "$xvfb" 2>/dev/null || true
		wait "$xvfb" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
# The probe is not built with the sanitizers; it goes before their runtime in the preload list.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0
export SDL_AUDIODRIVER=dummy SDL_RENDER_DRIVER=software
fails=0
total=0
report() { # report NAME OK OUTPUT
	total=$((total + 1))
	if [[ $2 == yes ]]; then
		echo "ok   $1"
	else
		echo "FAIL $1:"
		echo "$3"
		fails=$((fails + 1))
	fi
}
expect() { # expect NAME EXPECTED_STATUS PATTERN -- command...
	local name=$1 want=$2 pattern=$3
	shift 4
	local out status=0 ok=no
	out=$("$@" 2>&1) || status=$?
	if [[ $status -eq $want ]] && grep -qE -- "$pattern" <<<"$out"; then
		ok=yes
	fi
	report "$name" $ok "status $status (want $want), output: $out"
}
# expect_fails NAME PATTERN -- command...: any non-zero status, and the pattern.
expect_fails() {
	local name=$1 pattern=$2
	shift 3
	local out status=0 ok=no
	out=$("$@" 2>&1) || status=$?
	if [[ $status -ne 0 ]] && grep -qE -- "$pattern" <<<"$out"; then
		ok=yes
	fi
	report "$name" $ok "status $status (want non-zero), output: $out"
}

# ---- the library runs, whatever the form ----
expect hash-pin 0 '^\$argon2id\$' -- "$kiosk" --hash-pin 1234
expect usage 2 '^usage: ankomst-kiosk' -- "$kiosk" --no-such-option
echo "expect-screen welcome" >"$dir/welcome.txt"
expect headless 0 '' -- "$kiosk" --demo --headless --script "$dir/welcome.txt" --renderer null \
	--data "$root"

# ---- a missing or broken library ----
lib() { env ANK_KIOSK_LIB="$1" "${@:2}"; }
expect_fails missing-library 'ankomst-kiosk: cannot load the kiosk: .*no-such\.so' -- \
	lib "$dir/no-such.so" "$kiosk" --hash-pin 1234
echo "not a library" >"$dir/text.so"
expect_fails not-a-library 'ankomst-kiosk: cannot load the kiosk: .*text\.so' -- \
	lib "$dir/text.so" "$kiosk" --hash-pin 1234
# A real shared library that is not the kiosk: libSDL2, which the launcher has loaded anyway.
# (awk reads all of ldd's output: exiting early could fail ldd with SIGPIPE, and the pipe.)
sdl=$(ldd "$kiosk" | awk '$1 ~ /^libSDL2-2\.0\.so/ && !seen { print $3; seen = 1 }')
expect_fails no-entry "has no ank_kiosk_main" -- lib "$sdl" "$kiosk" --hash-pin 1234

# ---- in a window ----
if ! command -v Xvfb >/dev/null; then
	echo "skip window cases: no Xvfb (scripts/install-deps)"
else
	Xvfb -displayfd 9 -screen 0 1280x2000x24 -nolisten tcp 9>"$dir/display" \
		>"$dir/xvfb.log" 2>&1 &
	xvfb=$!
	for ((i = 0; i < 200; i++)); do
		[[ -s $dir/display ]] && break
		sleep 0.05
	done
	export DISPLAY=:$(<"$dir/display")
	probed() { # probed NAME command...: execs command under the probe (run it in a subshell)
		local name=$1
		shift
		exec env LD_PRELOAD="$probe" ANK_PROBE_OUT="$dir/$name.out" \
			ANK_PROBE_FIRST="$dir/$name.first" ANK_PROBE_EACH="$dir/$name.each" "$@"
	}
	presents() { grep -c '^P' "$dir/$1.out" 2>/dev/null || true; }

	# The first frame is on the screen before the library is even looked for.
	status=0
	out=$(probed early env ANK_KIOSK_LIB="$dir/no-such.so" "$kiosk" --demo 2>&1) || status=$?
	ok=no
	[[ $status -ne 0 && -s $dir/early.first && $(presents early) -eq 1 ]] && ok=yes
	report first-frame-before-library $ok "status $status, presents $(presents early): $out"

	# A command line the kiosk refuses opens no window.
	status=0
	out=$(probed refused "$kiosk" --size 10x10 2>&1) || status=$?
	ok=no
	[[ $status -eq 2 && ! -e $dir/refused.first ]] && ok=yes
	report no-window-for-bad-arguments $ok "status $status: $out"

	# The kiosk draws its screen into the launcher's window and stops cleanly on SIGTERM.
	# Leaks are not looked for here (the cases above and the UI tests do): in a window SDL's
	# X11 and D-Bus libraries leak under the asan build, main's kiosk before the launcher too.
	(ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 probed window "$kiosk" --demo --data "$root") \
		>"$dir/window.log" 2>&1 &
	pid=$!
	# Until the kiosk has drawn its screen: the second present (at most 60 s: the sanitizers
	# and a busy machine make it slow).
	for ((i = 0; i < 1200; i++)); do
		[[ -s $dir/window.each && $(grep -c . "$dir/window.each") -ge 2 ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM "$pid" 2>/dev/null || true
	status=0
	wait "$pid" || status=$?
	ok=no
	[[ $status -eq 0 && $(presents window) -ge 2 ]] && ok=yes
	report window-kiosk $ok "status $status, presents $(presents window): $(cat "$dir/window.log")"
fi

echo "$((total - fails))/$total passed"
[[ $fails -eq 0 ]]
