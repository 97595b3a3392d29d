#!/usr/bin/env bash
# Measures ankomst-central against baselines run in the same session: batch ingest against
# bare SQLite inserts, ingest from 1, 10 and 50 kiosks at once against one kiosk's, /healthz
# against a minimal libmicrohttpd program (mhd_floor.c), thousands of held long-polls (memory
# and the fan-out of a staff command), and a staff login alone and under a login flood.
#
# Usage: tests/bench/bench_central.sh [DIR]   (about 4 min; method: docs/benchmarks.md §4, §7)
# DIR is where the databases go (default: a fresh directory under build/bench); use the disk
# central will use: its fsync cost is part of the ingest figures.
# Environment: ANK_CENTRAL=PATH uses that binary instead of building the bench preset;
# ANK_CENTRAL_EVENTS (50000 per run, a multiple of 5000), ANK_CENTRAL_RUNS (3), ANK_CENTRAL_HZ_S (10),
# ANK_CENTRAL_KIOSKS (5000), ANK_CENTRAL_WAIT_S (30), ANK_CENTRAL_MANY_EVENTS (100000 per run,
# a multiple of 5000), ANK_CENTRAL_LOGIN_S (30) change the sizes; ANK_FLOOR_MODEL (epoll or
# thread) and ANK_FLOOR_THREADS (2) the floor's threading model.
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
KIOSKS=${ANK_CENTRAL_KIOSKS:-5000}
WAIT_S=${ANK_CENTRAL_WAIT_S:-30}
HOLD_ADDRESSES=100 # the long-polls come from 127.0.1.1..100: 50 each at 5,000
MANY_COUNTS=1,10,50
MANY_EVENTS=${ANK_CENTRAL_MANY_EVENTS:-100000} # per run, split among its kiosks
MANY_ROUNDS=2                                  # 1 10 50, then 50 10 1
PACE_MS=200 # then 50 kiosks paced, a batch every 200 ms each: 25,000 events/s offered
LOGINS=40                                      # staff logins alone, then under the flood
LOGIN_S=${ANK_CENTRAL_LOGIN_S:-30}             # at most this long under the flood
FLOODERS=16
FLOOR_MODEL=${ANK_FLOOR_MODEL:-epoll}
FLOOR_THREADS=${ANK_FLOOR_THREADS:-2} # central's poll_threads default
INGEST_TARGET=0.30     # central >= 30 % of the bare SQLite baseline
MANY_TARGET=0.90       # 50 kiosks at once >= 90 % of one kiosk's rate
MANY_P99_TARGET=50     # ms, a batch at p99 with 50 kiosks at once
HOLD_RSS_TARGET=150    # MiB (the issue's "150 MB") with the long-polls held
FANOUT_TARGET=100      # ms from the staff command to the last long-poll's answer
LOGIN_TARGET=300       # ms, a staff login at p95 under the flood
HEALTHZ_TARGET=0.90    # central's /healthz req/s >= 90 % of the floor's
SITE=demo
# /metrics needs this token since issue 9 (the config's metrics_token); a central from before
# ignores the header.
METRICS_TOKEN=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')

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
gcc -std=c17 -O2 -Wall -Wextra -Werror -o "$out/mhd_floor" tests/bench/mhd_floor.c \
	$(pkg-config --cflags --libs libmicrohttpd)
driver=$out/bench_central

# ---- helpers ----

# try_port FILE PID: prints the port a server wrote to FILE once it listens; 1 when it
# ended first or took over 5 s.
try_port()
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
	return 1
}

# wait_port FILE PID: try_port, or the end of the script with the servers' logs.
wait_port()
{
	try_port "$@" && return
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

# codes NAME N: N pairing codes for the site, one a line, in NAME.codes; minted in one
# process with this tree's store, as N pair-kiosk commands take ~25 ms each. Another central
# (ANK_CENTRAL) mints its own with pair-kiosk, two at a time: this tree's store would migrate
# the database past what an older binary opens.
codes()
{
	if [[ -z ${ANK_CENTRAL:-} ]]; then
		"$driver" codes --db "$work/$1.db" --site "$SITE" --count "$2" --out "$work/$1.codes"
		return
	fi
	(($2 < 100)) || say "minting $2 pairing codes with $central pair-kiosk (slow)"
	seq "$2" | xargs -P 2 -I{} "$central" pair-kiosk --db "$work/$1.db" --site "$SITE" \
		>"$work/$1.codes"
}

# serve NAME: starts central on NAME.db on a free loopback port, with a config that holds
# the metrics token and otherwise the serving contract's defaults; sets pid and port. A central
# from before issue 9 refuses the key and is started without a config (old_central=1).
old_central=0
serve()
{
	if ((!old_central)); then
		printf '[central]\nmetrics_token = %s\n' "$METRICS_TOKEN" >"$work/$1.ini"
		"$central" serve --config "$work/$1.ini" --db "$work/$1.db" --listen 127.0.0.1:0 \
			--port-file "$work/$1.port" >"$work/$1.log" 2>&1 &
		pid=$!
		port=$(try_port "$work/$1.port" "$pid") && return
		grep -q 'unknown key' "$work/$1.log" || wait_port "$work/$1.port" "$pid"
		say "this central takes no metrics_token: a central from before issue 9"
		old_central=1
	fi
	"$central" serve --db "$work/$1.db" --listen 127.0.0.1:0 --port-file "$work/$1.port" \
		>"$work/$1.log" 2>&1 &
	pid=$!
	port=$(wait_port "$work/$1.port" "$pid")
}

# admin NAME: an admin account on NAME.db (create-admin, password on stdin); sets admin_login
# to USER:PASSWORD.
admin()
{
	local pw=bench-password-$RANDOM$RANDOM$RANDOM
	printf '%s\n' "$pw" | "$central" create-admin --db "$work/$1.db" --user bench >/dev/null ||
		return 1
	admin_login=bench:$pw
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
"$out/mhd_floor" --port-file "$work/floor.port" --model "$FLOOR_MODEL" \
	--threads "$FLOOR_THREADS" >"$work/floor.log" 2>&1 &
floor_pid=$!
floor_port=$(wait_port "$work/floor.port" "$floor_pid")
say "healthz: $HZ_THREADS keep-alive connections, ${HZ_S} s per window, floor/central/central/floor;" \
	"floor model $FLOOR_MODEL, $FLOOR_THREADS thread(s)"
hz() { run healthz --port "$1" --pid "$2" --threads "$HZ_THREADS" --seconds "$HZ_S" --label "$3"; }
hz "$floor_port" "$floor_pid" central_healthz_floor_r1
hz "$port" "$pid" central_healthz_central_r1
hz "$port" "$pid" central_healthz_central_r2
hz "$floor_port" "$floor_pid" central_healthz_floor_r2
stop "$floor_pid" 3
# /metrics behind its token (issue 9), scraped once as Prometheus would.
run metrics --port "$port" --token "$METRICS_TOKEN"
stop "$pid" 3

# ---- 3. ingest from 1, 10 and 50 kiosks at once, on a fresh central ----
many_last=${MANY_COUNTS##*,}
many_kiosks=$(awk -v c="$MANY_COUNTS" -v r="$MANY_ROUNDS" \
	'BEGIN { n = split(c, a, ","); for (i = 1; i <= n; i++) s += a[i]; print s * r }')
say "ingest from many kiosks: $MANY_COUNTS at once, $MANY_EVENTS events a run," \
	"$MANY_ROUNDS rounds (the order reversed every other), then $many_last paced;" \
	"$((many_kiosks + many_last)) kiosks paired"
new_central many
codes many $((many_kiosks + many_last))
serve many
run pair --port "$port" --codes "$work/many.codes" --out "$work/many.kiosks"
run ingest-many --port "$port" --kiosks "$work/many.kiosks" --counts "$MANY_COUNTS" \
	--events "$MANY_EVENTS" --rounds "$MANY_ROUNDS"
# Back to back, a batch's time is mostly its wait behind the others' (Little's law: about
# kiosks x 100 / events/s); paced below capacity, it is what one batch costs under that load.
run ingest-many --port "$port" --kiosks "$work/many.kiosks" --skip "$many_kiosks" \
	--counts "$many_last" --events "$MANY_EVENTS" --rounds 1 --pace-ms "$PACE_MS" \
	--label central_paced
stop "$pid" 3

# ---- 4. many kiosks long-polling at once, on a fresh central ----
say "hold: pairing $KIOSKS kiosks"
new_central hold
codes hold "$KIOSKS"
# The change comes through the staff API as a staff member would send it: an admin account
# (create-admin, password on stdin) posting a call_next command to the site. A central
# without create-admin gives the memory figures only.
trigger=()
if admin hold 2>/dev/null; then
	trigger=(--login "$admin_login" --trigger "/api/v1/sites/$SITE/commands"
		--trigger-body '{"v":1,"type":"call_next","station":"1"}')
else
	say "no create-admin: the change fan-out is not timed"
fi
serve hold
run pair --port "$port" --codes "$work/hold.codes" --out "$work/hold.kiosks"
sleep 1 # pairing's connection threads end
say "hold: $KIOSKS long-polls from $HOLD_ADDRESSES addresses (127.0.1.1...), wait=$WAIT_S"
run hold --port "$port" --pid "$pid" --kiosks "$work/hold.kiosks" --wait "$WAIT_S" \
	--from 127.0.1.1 --addresses "$HOLD_ADDRESSES" "${trigger[@]}"
[[ ${#trigger[@]} -gt 0 ]] || say "no staff API used: memory only, the fan-out time is not measured"
stop "$pid" 3

# ---- 5. a staff login alone, then under a login flood from another address ----
login_timed=0
new_central login
if admin login 2>/dev/null; then
	serve login
	say "login: $LOGINS staff logins alone, then up to $LOGINS (${LOGIN_S} s at most) while" \
		"$FLOODERS clients from 127.0.0.2 try random names"
	run login-flood --port "$port" --login "$admin_login" --site "$SITE" \
		--flooders "$FLOODERS" --from 127.0.0.2 --logins "$LOGINS" --seconds "$LOGIN_S"
	login_timed=1
	stop "$pid" 3
else
	say "no create-admin: the staff login is not timed"
fi
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

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
ratio_hz=$ratio
# verdict VALUE OP TARGET: "met" or "missed" (OP is >= or <=).
verdict()
{
	awk -v v="$1" -v op="$2" -v t="$3" \
		'BEGIN { ok = op == ">=" ? v >= t : v <= t; print (ok ? "met" : "missed") }'
}
echo
echo "/metrics with its bearer token: status $(get central_metrics_status)," \
	"$(get central_metrics_bytes) bytes in $(get central_metrics_ms) ms"
echo
echo "Ingest from kiosks pushing at once: events/s in total over the run's wall time, runs of" \
	"$MANY_EVENTS events (batch p50 / p99 ms)"
printf '%-7s' kiosks
for ((r = 1; r <= MANY_ROUNDS; r++)); do printf ' %26s' "round $r"; done
printf ' %8s\n' "ratio"
for n in ${MANY_COUNTS//,/ }; do
	printf '%-7s' "$n"
	for ((r = 1; r <= MANY_ROUNDS; r++)); do
		l=central_many_${n}_r$r
		printf ' %26s' "$(printf '%.0f (%.1f / %.1f)' "$(get "${l}_eps")" \
			"$(get "${l}_batch_p50_ms")" "$(get "${l}_batch_p99_ms")")"
	done
	printf ' %8.2f\n' "$(get "central_many_${n}_ratio")"
done
last=$many_last
ratio=$(printf '%.2f' "$(get "central_many_${last}_ratio")")
p99=$(for ((r = 1; r <= MANY_ROUNDS; r++)); do get "central_many_${last}_r${r}_batch_p99_ms"; done |
	sort -g | tail -n1)
echo "$last kiosks / 1 kiosk: $ratio (target >= $MANY_TARGET: $(verdict "$ratio" '>=' "$MANY_TARGET"));" \
	"worst batch p99 with $last: $(printf '%.1f' "$p99") ms (target <= $MANY_P99_TARGET:" \
	"$(verdict "$p99" '<=' "$MANY_P99_TARGET"))"
ratios+=("bench: central_many_ratio=$ratio")
l=central_paced_${last}_r1
printf '%s kiosks paced, a batch every %s ms each (%.0f events/s offered): %.0f events/s,' \
	"$last" "$PACE_MS" "$(awk -v k="$last" -v p="$PACE_MS" 'BEGIN { print k * 100000 / p }')" \
	"$(get "${l}_eps")"
printf ' batch p50 %.1f, p99 %.1f, max %.1f ms (target p99 <= %s: %s)\n' \
	"$(get "${l}_batch_p50_ms")" "$(get "${l}_batch_p99_ms")" "$(get "${l}_batch_max_ms")" \
	"$MANY_P99_TARGET" "$(verdict "$(get "${l}_batch_p99_ms")" '<=' "$MANY_P99_TARGET")"
echo
echo "/healthz central / floor ($FLOOR_MODEL, $FLOOR_THREADS thread(s)): $ratio_hz" \
	"(target >= $HEALTHZ_TARGET: $(verdict "$ratio_hz" '>=' "$HEALTHZ_TARGET"))"
echo
held=$(get central_hold_held)
echo "$KIOSKS long-polls opened, $held held ($(get central_hold_cut) cut by central) (MiB, threads)"
for w in before held after; do
	[[ -n $(get "central_hold_${w}_rss_mib") ]] || continue
	printf '%-7s RSS %7.1f  HWM %7.1f  threads %4s\n' "$w" "$(get "central_hold_${w}_rss_mib")" \
		"$(get "central_hold_${w}_hwm_mib")" "$(get "central_hold_${w}_threads")"
done
printf 'per connection: %.1f KiB\n' "$(get central_hold_per_connection_kib)"
rss_mb=$(awk -v m="$(get central_hold_held_rss_mib)" 'BEGIN { printf "%.1f", m * 1.048576 }')
all=$(get central_hold_all_answered_ms)
echo "RSS held: $rss_mb MB (target <= $HOLD_RSS_TARGET MB with all $KIOSKS held:" \
	"$([[ $held == "$KIOSKS" ]] && verdict "$rss_mb" '<=' "$HOLD_RSS_TARGET" || echo "missed, $held held"))"
if [[ -n $all ]]; then
	printf 'change to all %s answered: %.1f ms (first %.1f, median %.1f; its 202 after %.1f)\n' \
		"$held" "$all" "$(get central_hold_first_answer_ms)" \
		"$(get central_hold_median_answer_ms)" "$(get central_hold_change_ack_ms)"
	echo "fan-out target <= $FANOUT_TARGET ms to all $KIOSKS:" \
		"$([[ $held == "$KIOSKS" ]] && verdict "$all" '<=' "$FANOUT_TARGET" || echo "missed, $held held")"
	ratios+=("bench: central_hold_all_answered_ms=$all")
fi
if ((login_timed)); then
	echo
	echo "Staff login, a new connection each (ms): alone, and while $FLOODERS clients from" \
		"127.0.0.2 try random names"
	for w in alone flood; do
		printf '%-6s n %3s  p50 %8.1f  p95 %8.1f  max %8.1f\n' "$w" \
			"$(get "central_login_${w}_logins")" "$(get "central_login_${w}_p50_ms")" \
			"$(get "central_login_${w}_p95_ms")" "$(get "central_login_${w}_max_ms")"
	done
	printf 'the flood: %.1f tries/s; answers 401 %s, 429 %s, 5xx %s, other %s; failures %s\n' \
		"$(get central_login_flood_flood_tries_per_s)" "$(get central_login_flood_flood_401)" \
		"$(get central_login_flood_flood_429)" "$(get central_login_flood_flood_5xx)" \
		"$(get central_login_flood_flood_other)" "$(get central_login_flood_flood_errors)"
	p95=$(get central_login_flood_p95_ms)
	echo "p95 under the flood: $(printf '%.1f' "$p95") ms (target <= $LOGIN_TARGET:" \
		"$(verdict "$p95" '<=' "$LOGIN_TARGET"))"
	ratios+=("bench: central_login_flood_p95_ms=$p95")
fi
echo
printf '%s\n' "${ratios[@]}"
