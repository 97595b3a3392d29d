#!/usr/bin/env bash
# Measures ankomst-central (batch ingest, /healthz throughput, many held long-polls) against a
# baseline run in the same session: bare SQLite inserts for ingest, a minimal libmicrohttpd
# program (mhd_floor.c) for /healthz.
#
# Usage: tests/bench/bench_central.sh [DIR]   (about 80 s; method: docs/benchmarks.md §4)
# DIR is where the databases go (default: a fresh directory under build/bench); use the disk
# central will use: its fsync cost is part of the ingest figures.
# Environment: ANK_CENTRAL=PATH uses that binary instead of building the bench preset;
# ANK_CENTRAL_EVENTS (50000 per run, a multiple of 5000), ANK_CENTRAL_RUNS (3), ANK_CENTRAL_HZ_S (10),
# ANK_CENTRAL_KIOSKS (200), ANK_CENTRAL_WAIT_S (25) change the sizes.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/bench/lib.sh # stop, stop_jobs (cleanup needs it from the start)

EVENTS=${ANK_CENTRAL_EVENTS:-50000} # per run, in batches of 100
RUNS=${ANK_CENTRAL_RUNS:-3}
ISSUED_EVENTS=10000                 # one extra run of ticket.issued only
BLOCK=5000                          # events per alternating block of the ingest run
HZ_S=${ANK_CENTRAL_HZ_S:-10}        # seconds per /healthz window
HZ_THREADS=4
KIOSKS=${ANK_CENTRAL_KIOSKS:-200}
WAIT_S=${ANK_CENTRAL_WAIT_S:-25}
INGEST_TARGET=0.30 # central >= 30 % of the bare SQLite baseline
SITE=demo

out=build/bench
mkdir -p "$out"
work=$(mktemp -d "${1:-$out}/bench-central-XXXXXX")
# Ends only the programs this script started (central, the floor), then removes its files.
cleanup()
{
	stop_jobs
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf 'bench_central: %s\n' "$*" >&2; }

# ---- build ----
# bench_decode always measures this tree's decoder, whatever ANK_CENTRAL says; the driver
# bench_central (with tests/bench/benchlib.c) lands in $out.
cmake --preset bench >/dev/null
cmake --build --preset bench -j2 --target bench_decode bench_central >/dev/null
if [[ -n ${ANK_CENTRAL:-} ]]; then
	central=$ANK_CENTRAL
else
	cmake --build --preset bench -j2 --target ankomst-central >/dev/null
	central=$out/ankomst-central
fi
# shellcheck disable=SC2046 # pkg-config prints several flags
gcc -std=c17 -O2 -Wall -Wextra -o "$out/mhd_floor" tests/bench/mhd_floor.c \
	$(pkg-config --cflags --libs libmicrohttpd)
driver=$out/bench_central

# ---- helpers ----

# wait_port FILE PID: prints the port a server wrote to FILE once it listens.
wait_port()
{
	local i
	for ((i = 0; i < 100; i++)); do
		if [[ -s $1 ]] && grep -q . "$1"; then
			head -n1 "$1"
			return
		fi
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	say "a server did not start; its log:"
	cat "$work"/*.log >&2
	exit 1
}

# new_central NAME: a migrated database with the site; the colleague's add-site is not
# there in every version, so a usage answer from it is fine.
new_central()
{
	local db=$work/$1.db msg
	"$central" migrate --db "$db" >/dev/null
	if ! msg=$("$central" add-site --db "$db" --site "$SITE" --name Demo \
		--municipality 101 2>&1); then
		[[ $msg == *usage* ]] || {
			say "add-site failed: $msg"
			exit 1
		}
	fi
}

# codes NAME N: N pairing codes for the site, one a line, in NAME.codes.
codes()
{
	local i
	for ((i = 0; i < $2; i++)); do
		"$central" pair-kiosk --db "$work/$1.db" --site "$SITE"
	done >"$work/$1.codes"
}

# serve NAME: starts central on NAME.db on a free loopback port; sets pid and port.
serve()
{
	"$central" serve --db "$work/$1.db" --listen 127.0.0.1:0 --port-file "$work/$1.port" \
		>"$work/$1.log" 2>&1 &
	pid=$!
	port=$(wait_port "$work/$1.port" "$pid")
}

results=$work/results
run() { "$driver" "$@" | tee -a "$results"; }
# get KEY: the value of a "bench: KEY=VALUE UNIT" line.
get() { awk -v k="$1" '{ split($2, kv, "="); if (kv[1] == k) print kv[2] }' "$results"; }

# ---- machine ----
dev=$(df --output=source "$work" | tail -n1)
blk=$(basename "$(readlink -f "$dev")")
say "$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) cores," \
	"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
say "disk: $dev ($(df --output=fstype "$work" | tail -n1), rotational" \
	"$(cat "/sys/block/$blk/queue/rotational" 2>/dev/null || echo '?')), databases in $work"
say "SQLite $(pkg-config --modversion sqlite3), libmicrohttpd $(pkg-config --modversion libmicrohttpd)"
# Other work on the machine shows in every figure here: say how busy it was.
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. ingest: central against bare SQLite, interleaved, same directory ----
say "ingest: $RUNS runs of $EVENTS events and one of $ISSUED_EVENTS ticket.issued, batches of" \
	"100, blocks of $BLOCK alternating"
new_central ingest
codes ingest 1
serve ingest
run pair --port "$port" --codes "$work/ingest.codes" --out "$work/ingest.kiosks"
for ((r = 1; r <= RUNS; r++)); do
	run ingest --port "$port" --kiosks "$work/ingest.kiosks" --db "$work/baseline.db" \
		--events "$EVENTS" --first-seq $(((r - 1) * EVENTS + 1)) --block "$BLOCK" \
		--label "central_ingest_r$r"
done
# The worst case for central's queue projection: only ticket.issued, no ticket ever ends.
run ingest --port "$port" --kiosks "$work/ingest.kiosks" --db "$work/baseline.db" \
	--events "$ISSUED_EVENTS" --first-seq $((RUNS * EVENTS + 1)) --block "$BLOCK" \
	--stream issued --label central_ingest_issued

# The decoder alone, on the bodies of the first run: its fast path against the jansson tree
# decoder it falls back to, both with the payload reads of the projection.
say "decode: fast path against the tree decoder, same bodies"
"$driver" bodies --events "$EVENTS" --out "$work/bodies.txt"
"$out/tests/bench_decode" "$work/bodies.txt" | tee -a "$results"

# ---- 2. /healthz: central against the floor, ABBA so drift falls on both ----
"$out/mhd_floor" --port-file "$work/floor.port" >"$work/floor.log" 2>&1 &
floor_pid=$!
floor_port=$(wait_port "$work/floor.port" "$floor_pid")
say "healthz: $HZ_THREADS keep-alive connections, ${HZ_S} s per window, floor/central/central/floor"
hz() { run healthz --port "$1" --pid "$2" --threads "$HZ_THREADS" --seconds "$HZ_S" --label "$3"; }
hz "$floor_port" "$floor_pid" central_healthz_floor_r1
hz "$port" "$pid" central_healthz_central_r1
hz "$port" "$pid" central_healthz_central_r2
hz "$floor_port" "$floor_pid" central_healthz_floor_r2
stop "$floor_pid" 3
stop "$pid" 3

# ---- 3. many kiosks long-polling at once, on a fresh central ----
say "hold: pairing $KIOSKS kiosks"
new_central hold
codes hold "$KIOSKS"
# The change comes through the staff API as a staff member would send it: an admin account
# (create-admin, password on stdin) posting a call_next command to the site. A central
# without create-admin gives the memory figures only.
admin_user=bench
admin_pw=bench-password-$RANDOM$RANDOM
trigger=()
if printf '%s\n' "$admin_pw" | "$central" create-admin --db "$work/hold.db" \
	--user "$admin_user" >/dev/null 2>&1; then
	trigger=(--login "$admin_user:$admin_pw" --trigger "/api/v1/sites/$SITE/commands"
		--trigger-body '{"v":1,"type":"call_next","station":"1"}')
else
	say "no create-admin: the change fan-out is not timed"
fi
serve hold
run pair --port "$port" --codes "$work/hold.codes" --out "$work/hold.kiosks"
sleep 1 # pairing's connection threads end
say "hold: $KIOSKS long-polls, wait=$WAIT_S"
run hold --port "$port" --pid "$pid" --kiosks "$work/hold.kiosks" --wait "$WAIT_S" \
	"${trigger[@]}"
[[ ${#trigger[@]} -gt 0 ]] || say "no staff API used: memory only, the fan-out time is not measured"
stop "$pid" 3

# ---- summary ----
ratios=()
echo
echo "Ingest: events/s, batches of 100 (per-batch p50 / p99 ms); payload mean" \
	"$(printf '%.0f' "$(get central_ingest_r1_payload_mean_bytes)") bytes"
printf '%-5s %22s %22s %7s  %s\n' run baseline central ratio "target >= $INGEST_TARGET"
for r in $(seq 1 "$RUNS") issued; do
	l=central_ingest_r$r
	[[ $r == issued ]] && l=central_ingest_issued
	b=$(get "${l}_baseline_eps")
	c=$(get "${l}_central_eps")
	ratio=$(awk -v b="$b" -v c="$c" 'BEGIN { printf "%.2f", c / b }')
	printf '%-5s %22s %22s %7s  %s\n' "$r" \
		"$(printf '%.0f (%.2f / %.2f)' "$b" "$(get "${l}_baseline_batch_p50_ms")" \
			"$(get "${l}_baseline_batch_p99_ms")")" \
		"$(printf '%.0f (%.2f / %.2f)' "$c" "$(get "${l}_central_batch_p50_ms")" \
			"$(get "${l}_central_batch_p99_ms")")" \
		"$ratio" "$(awk -v r="$ratio" -v t="$INGEST_TARGET" \
			'BEGIN { print (r >= t ? "met" : "missed") }')"
	ratios+=("bench: ${l}_ratio=$ratio")
done
echo
printf 'Decoding a batch (%.0f bytes) and reading its fields: fast path %.1f us, tree decoder' \
	"$(get decode_body_mean_bytes)" "$(get decode_fast_p50_us)"
printf ' %.1f us (p50); %.2f x as fast\n' "$(get decode_tree_p50_us)" "$(get decode_speedup)"
echo
echo "/healthz, $HZ_THREADS keep-alive connections, ${HZ_S} s each"
printf '%-12s %10s %9s %9s %9s %14s\n' window "req/s" "p50 us" "p99 us" "max us" \
	"server cpu us"
for w in floor_r1 central_r1 central_r2 floor_r2; do
	l=central_healthz_$w
	printf '%-12s %10.0f %9.1f %9.1f %9.0f %14.1f\n' "$w" "$(get "${l}_rps")" \
		"$(get "${l}_p50_us")" "$(get "${l}_p99_us")" "$(get "${l}_max_us")" \
		"$(get "${l}_server_cpu_us_per_req")"
done
ratio=$(awk -v a="$(get central_healthz_central_r1_rps)" -v b="$(get central_healthz_central_r2_rps)" \
	-v c="$(get central_healthz_floor_r1_rps)" -v d="$(get central_healthz_floor_r2_rps)" \
	'BEGIN { printf "%.2f", (a + b) / (c + d) }')
cpu=$(awk -v a="$(get central_healthz_central_r1_server_cpu_us_per_req)" \
	-v b="$(get central_healthz_central_r2_server_cpu_us_per_req)" \
	-v c="$(get central_healthz_floor_r1_server_cpu_us_per_req)" \
	-v d="$(get central_healthz_floor_r2_server_cpu_us_per_req)" \
	'BEGIN { printf "%.2f", (a + b) / (c + d) }')
echo "central / floor: req/s $ratio, server CPU per request $cpu (both windows each)"
ratios+=("bench: central_healthz_ratio=$ratio")
echo
echo "$KIOSKS long-polls held (MiB, threads)"
for w in before held after; do
	[[ -n $(get "central_hold_${w}_rss_mib") ]] || continue
	printf '%-7s RSS %7.1f  HWM %7.1f  threads %4s\n' "$w" "$(get "central_hold_${w}_rss_mib")" \
		"$(get "central_hold_${w}_hwm_mib")" "$(get "central_hold_${w}_threads")"
done
printf 'per connection: %.1f KiB\n' "$(get central_hold_per_connection_kib)"
if [[ -n $(get central_hold_all_answered_ms) ]]; then
	printf 'change to all answered: %.1f ms (first %.1f, median %.1f)\n' \
		"$(get central_hold_all_answered_ms)" "$(get central_hold_first_answer_ms)" \
		"$(get central_hold_median_answer_ms)"
fi
echo
printf '%s\n' "${ratios[@]}"
