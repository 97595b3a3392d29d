#!/usr/bin/env bash
# The kiosk's watchdog: its window loop under Xvfb (the heartbeat comes from that loop, not
# from headless runs) driven by watchdog_test (tests/integration/watchdog_test.c).
# Usage: watchdog_kiosk_test.sh WATCHDOG_TEST ANKOMST_KIOSK
set -euo pipefail
wd=$1 kiosk=$2
command -v Xvfb >/dev/null || { echo "no Xvfb (scripts/install-deps)"; exit 77; }
tmp=$(mktemp -d)
xpid=
cleanup() { [[ -n "$xpid" ]] && kill "$xpid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
Xvfb -displayfd 9 -screen 0 1080x1920x24 -nolisten tcp 9>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
xpid=$!
for _ in $(seq 100); do [[ -s "$tmp/display" ]] && break; sleep 0.1; done
[[ -s "$tmp/display" ]] || { echo "Xvfb did not start"; cat "$tmp/xvfb.log"; exit 1; }
export DISPLAY=:$(cat "$tmp/display") SDL_VIDEODRIVER=x11 SDL_RENDER_DRIVER=software
export SDL_AUDIODRIVER=dummy
"$wd" "$kiosk" --demo --db "$tmp/site.db"
