#!/usr/bin/env bash
# Runs the report benchmark: a central with five paired rooms, years of their events through the sync API, report timings beside bare GROUP BYs at each size (bench_report.c).
#
# Usage: tests/bench/bench_report.sh [DIR]   (about 5 minutes; method: docs/benchmarks.md §6)
# DIR is where central.db goes (default: a fresh directory under build/bench); it takes
# ~3 GB at the last stage. Environment: ANK_REPORT_STAGES (days from the start at which to
# stop and measure; default 31,365,1095), ANK_REPORT_RUNS (7 timed runs per figure),
# ANK_REPORT_VISITS (250000 a year), ANK_REPORT_USERS (3800), ANK_REPORT_KEEP=1 keeps the
# database.
set -euo pipefail
export LC_ALL=C
# The report's days are local days: central and the benchmark use the rooms' time zone.
export TZ=Europe/Copenhagen
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/bench/lib.sh # stop, stop_jobs (cleanup needs it from the start)

STAGES=${ANK_REPORT_STAGES:-31,365,1095}
RUNS=${ANK_REPORT_RUNS:-7}
VISITS=${ANK_REPORT_VISITS:-250000}
USERS=${ANK_REPORT_USERS:-3800}
START=2023-01-01
SITES=(vesterbro noerrebro sydhavn amager valby)

out=build/bench
mkdir -p "$out"
work=$(mktemp -d "${1:-$out}/bench-report-XXXXXX")
cleanup()
{
	stop_jobs
	[[ ${ANK_REPORT_KEEP:-0} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT
say() { printf 'bench_report: %s\n' "$*" >&2; }

cmake --preset bench >/dev/null
cmake --build --preset bench -j2 --target bench_report ankomst-central >/dev/null
central=$out/ankomst-central
driver=$out/tests/bench_report

dev=$(df --output=source "$work" | tail -n1)
say "$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) cores," \
	"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
say "disk: $dev ($(df --output=fstype "$work" | tail -n1)), database in $work"
say "SQLite $(pkg-config --modversion sqlite3), TZ $TZ"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

db=$work/central.db
"$central" migrate --db "$db" >/dev/null
for s in "${SITES[@]}"; do
	"$central" add-site --db "$db" --site "$s" --name "Rum $s" --municipality 101 >/dev/null
done
admin_pw=bench-report-$RANDOM$RANDOM
printf '%s\n' "$admin_pw" | "$central" create-admin --db "$db" --user bench >/dev/null
for s in "${SITES[@]}"; do
	printf '%s %s\n' "$s" "$("$central" pair-kiosk --db "$db" --site "$s")"
done >"$work/codes"

"$central" serve --db "$db" --listen 127.0.0.1:0 --port-file "$work/port" >"$work/central.log" 2>&1 &
pid=$!
for ((i = 0; i < 100; i++)); do
	[[ -s $work/port ]] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
[[ -s $work/port ]] || {
	say "central did not start:"
	cat "$work/central.log" >&2
	exit 1
}
port=$(head -n1 "$work/port")

"$driver" pair --port "$port" --codes "$work/codes" --out "$work/kiosks"
say "users $USERS, $VISITS visits a year at ${#SITES[@]} sites from $START; stages at days $STAGES"
"$driver" run --port "$port" --kiosks "$work/kiosks" --login "bench:$admin_pw" --db "$db" \
	--start "$START" --stages "$STAGES" --runs "$RUNS" --visits "$VISITS" --users "$USERS" |
	tee "$work/results"
say "database: $(du -sh "$db" | cut -f1) (+ WAL $(du -sh "$db-wal" 2>/dev/null | cut -f1))"
stop "$pid" 3
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- summary ----
get() { awk -v k="$1" '{ split($2, kv, "="); if (kv[1] == k) print kv[2] }' "$work/results"; }
echo
echo "Ingest through POST /api/v1/sync/events, batches of 100 (events/s over batch times)"
IFS=, read -r -a st <<<"$STAGES"
for d in "${st[@]}"; do
	printf 'to day %-5s %9.0f events  %7.0f events/s  (wall %7.0f)  batch p50 %.2f ms p99 %.2f ms\n' \
		"$d" "$(get "report_d${d}_ingest_events")" "$(get "report_d${d}_ingest_eps")" \
		"$(get "report_d${d}_ingest_wall_eps")" "$(get "report_d${d}_ingest_batch_p50_ms")" \
		"$(get "report_d${d}_ingest_batch_p99_ms")"
done
echo
echo "Report in-process (ank_cstore_report), median (min-max) of $RUNS, ms; base = the two GROUP BYs"
printf '%-8s %-6s %10s %24s %22s %8s\n' "db" period events report base ratio
for d in "${st[@]}"; do
	for p in month year; do
		k=report_d${d}_${p}
		printf '%-8s %-6s %10s %24s %22s %8.1f\n' "d$d" "$p" "$(get "report_d${d}_rows_event")" \
			"$(printf '%.1f (%.1f-%.1f)' "$(get "${k}_report_med_ms")" \
				"$(get "${k}_report_min_ms")" "$(get "${k}_report_max_ms")")" \
			"$(printf '%.1f (%.1f-%.1f)' "$(get "${k}_base_med_ms")" \
				"$(get "${k}_base_min_ms")" "$(get "${k}_base_max_ms")")" \
			"$(get "${k}_ratio")"
	done
done
echo "targets: full year <= 1000 ms, one month <= 100 ms"
