#!/usr/bin/env bash
# Staff command round trip on loopback: central (bench build) and a paired kiosk running
# --sync-only; bench_roundtrip posts close/open station commands and times each until
# central shows it applied (the kiosk's command.applied event came back).
# Usage: tests/bench/bench_roundtrip.sh [N]   (default 300 commands; method: docs/benchmarks.md §5)
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
n=${1:-300}
cmake --preset bench >/dev/null
cmake --build --preset bench -j2 --target ankomst-central ankomst-kiosk ankomst-queue >/dev/null
out=build/bench
# shellcheck disable=SC2046 # pkg-config prints several flags
gcc -std=c17 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -o "$out/bench_roundtrip" \
	tests/bench/bench_roundtrip.c $(pkg-config --cflags --libs libcurl)
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-rt-XXXXXX")
pids=()
cleanup()
{
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
c=$out/ankomst-central
$c migrate --db "$dir/c.db" >/dev/null
$c add-site --db "$dir/c.db" --site demo --name Demo --municipality 101 >/dev/null 2>&1
printf 'bench-admin-password\n' | $c create-admin --db "$dir/c.db" --user bench >/dev/null 2>&1
code=$($c pair-kiosk --db "$dir/c.db" --site demo)
$c serve --db "$dir/c.db" --listen 127.0.0.1:0 --port-file "$dir/port" 2>"$dir/central.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $dir/port ]] && break; sleep 0.05; done
url=http://127.0.0.1:$(cat "$dir/port")
$out/ankomst-queue --db "$dir/site.db" config assets/demo/site.ini >/dev/null
$out/ankomst-kiosk --db "$dir/site.db" --pair "$url" "$code" >/dev/null
$out/ankomst-kiosk --db "$dir/site.db" --sync-only 2>"$dir/kiosk.log" &
pids+=($!)
sleep 1
$out/bench_roundtrip "$url" bench bench-admin-password demo 1 "$n"
