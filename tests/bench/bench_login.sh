#!/usr/bin/env bash
# Login flood on loopback: central (bench build) answers a staff member's real logins alone,
# then while 16 clients send logins with random names and a wrong password as fast as it
# answers: all from one address (127.0.0.2), then each from its own (127.0.0.10..25).
# Usage: tests/bench/bench_login.sh [N] [CLIENTS]   (default 50 logins, 16 clients; method:
# docs/benchmarks.md §7)
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/bench/lib.sh # stop, stop_jobs
n=${1:-50}
clients=${2:-16}
cmake --preset bench >/dev/null
cmake --build --preset bench -j2 --target ankomst-central >/dev/null
out=build/bench
# shellcheck disable=SC2046 # pkg-config prints several flags
gcc -std=c17 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -pthread -o "$out/bench_login" \
	tests/bench/bench_login.c $(pkg-config --cflags --libs libcurl)
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-login-XXXXXX")
cleanup()
{
	stop_jobs
	rm -rf "$dir"
}
trap cleanup EXIT
c=$out/ankomst-central
$c migrate --db "$dir/c.db" >/dev/null
printf 'bench-admin-password\n' | $c create-admin --db "$dir/c.db" --user bench >/dev/null 2>&1
# A fresh central for each flood, so that the second starts with no failures counted.
for from in one each; do
	rm -f "$dir/port"
	$c serve --db "$dir/c.db" --listen 127.0.0.1:0 --port-file "$dir/port" \
		2>"$dir/central-$from.log" &
	pid=$!
	for _ in $(seq 100); do [[ -s $dir/port ]] && break; sleep 0.05; done
	$out/bench_login "http://127.0.0.1:$(cat "$dir/port")" bench bench-admin-password "$n" \
		"$clients" "$from"
	stop "$pid"
done
