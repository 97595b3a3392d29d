#!/usr/bin/env bash
# Measures printed tickets: the time from the tap on the last choice (the route) to the
# printer's confirmation of the ticket, against the fake printer feeding paper at a TM-T20's
# line speed, and the time the printer adds to the check-in tap itself, against the same
# kiosk without a printer, in the same run (runs alternate).
#
# Usage: tests/bench/bench_print.sh   (from anywhere; about a minute; method: docs/benchmarks.md §10)
# Environment: ANK_KIOSK, ANK_FAKEPRINTER, ANK_QUEUE use those binaries instead of building the
# bench preset; ANK_PRINT_RUNS (20) check-ins of each kind; ANK_PRINT_SPEED (150 mm/s, the
# TM-T20's print speed in Epson's specification) the fake printer's line speed.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/bench/lib.sh # stop_jobs, build_sdl_probe, start, finish, pct

RUNS=${ANK_PRINT_RUNS:-20}
SPEED=${ANK_PRINT_SPEED:-150}
NOW=2026-11-23T10:00:00Z
out=build/bench
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-print-XXXXXX")
cleanup()
{
	exec 3>&- 2>/dev/null || true
	stop_jobs
	rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf 'bench_print: %s\n' "$*" >&2; }
bench() { printf 'bench: %s=%s %s\n' "$1" "$2" "$3"; }

if [[ -n ${ANK_KIOSK:-} ]]; then
	kiosk=$ANK_KIOSK fake=$ANK_FAKEPRINTER queue=$ANK_QUEUE
else
	cmake --preset bench >/dev/null
	cmake --build --preset bench -j2 --target ankomst-kiosk ankomst-kiosk-lib fakeprinter \
		ankomst-queue >/dev/null
	kiosk=$out/ankomst-kiosk fake=$out/tests/fakeprinter queue=$out/ankomst-queue
fi
# The frame probe timestamps the kiosk's `shot` markers (they are not written).
build_sdl_probe "$out"
probe=$PWD/$out/frame_probe.so

# ---- the fake printer at the line speed, and the two sites ----
mkfifo "$tmp/ctl"
"$fake" --out "$tmp" --speed "$SPEED" <"$tmp/ctl" >"$tmp/fake.out" 2>"$tmp/fake.err" &
exec 3>"$tmp/ctl"
for _ in $(seq 50); do grep -q '^ready' "$tmp/fake.out" && break; sleep 0.1; done
port=$(awk '/^port/{print $2}' "$tmp/fake.out")
[[ -n $port ]] || { say "the fake printer did not start"; exit 1; }
cp assets/demo/site.ini "$tmp/plain.ini"
{
	cat assets/demo/site.ini
	printf '\n[printer]\ndevice = tcp:127.0.0.1:%s\n' "$port"
} >"$tmp/print.ini"
for kind in plain print; do
	"$queue" --db "$tmp/$kind.db" config "$tmp/$kind.ini" >/dev/null
	"$queue" --db "$tmp/$kind.db" import assets/demo/registry.json >/dev/null
done
cat >"$tmp/visit.txt" <<'SCRIPT'
tap-id welcome.checkin
type me
tap-id nickname.match.0
tap-id substance.crack
shot t0
tap-id route.smoke
shot t1
await-print
shot t2
expect-text Gå til plads 3 nu
SCRIPT

# One check-in on a fresh copy of the site's database (every run the same first ticket).
visit() { # visit KIND RUN
	cp "$tmp/$1.db" "$tmp/run.db"
	rm -f "$tmp/run.db-wal" "$tmp/run.db-shm"
	start "$1$2" -- "$kiosk" --data "$PWD" --headless --script "$tmp/visit.txt" \
		--shots "$tmp/shots" --now "$NOW" --db "$tmp/run.db"
	finish "$last_pid"
	awk '$1 == "M" { t[$3] = $2 }
	     END { printf "%.3f %.3f\n", (t["t1"] - t["t0"]) / 1e6, (t["t2"] - t["t0"]) / 1e6 }' \
		"$tmp/$1$2.out" >>"$tmp/$1.ms"
}
say "$RUNS check-ins with the printer at $SPEED mm/s and $RUNS without, alternating"
for ((r = 0; r < RUNS; r++)); do
	visit print "$r"
	visit plain "$r"
done
pages=$(grep -c '^page ' "$tmp/fake.out" || true)
((pages == RUNS)) || { say "$pages tickets printed, not $RUNS"; exit 1; }
cut -d' ' -f1 "$tmp/print.ms" >"$tmp/tap.print"
cut -d' ' -f1 "$tmp/plain.ms" >"$tmp/tap.plain"
cut -d' ' -f2 "$tmp/print.ms" >"$tmp/done.print"
# The ticket's length on paper, from the last printed PNG (203 dpi: 8 dots a mm).
h=$(file "$(awk '/^page /{p=$3} END{print p}' "$tmp/fake.out")" | sed -n 's/.* x \([0-9]*\),.*/\1/p')
bench print.ticket_mm "$((h / 8))" "mm of paper a ticket (the fake printer's PNG is $h dots tall)"
bench print.tap_to_confirmed_ms "$(pct "$tmp/done.print" 50)" \
	"p50 (p95 $(pct "$tmp/done.print" 95)) from the tap on the route to the printer's confirmation, at $SPEED mm/s"
bench print.checkin_tap_ms "$(pct "$tmp/tap.print" 50)" \
	"p50 (p95 $(pct "$tmp/tap.print" 95)) the check-in tap with the printer (hold, layout, hand-off)"
bench plain.checkin_tap_ms "$(pct "$tmp/tap.plain" 50)" \
	"p50 (p95 $(pct "$tmp/tap.plain" 95)) the same tap without a printer"
awk -v a="$(pct "$tmp/tap.print" 50)" -v b="$(pct "$tmp/tap.plain" 50)" \
	'BEGIN { printf "bench: print.added_to_tap_ms=%.2f p50 with minus p50 without\n", a - b }'
