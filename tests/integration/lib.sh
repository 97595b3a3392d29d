# Shared by the sync test scripts (sourced, not run, with the scripts' own arguments:
# ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR): the binaries, a temporary
# directory with the central and site database paths, a clean-up that kills what the
# test started, case reporting, polling, SQLite and HTTP helpers.
# The variables set here are used by the sourcing scripts:
# shellcheck shell=bash disable=SC2034
export LC_ALL=C.UTF-8
central_bin=$1 kiosk_bin=$2 queue_bin=$3 root=$4
dir=$(mktemp -d)
cdb=$dir/central.db sdb=$dir/site.db
# Background processes of the test: central_pid and kiosk_pid for the ones it restarts,
# pids for the rest.
central_pid='' kiosk_pid=''
pids=()
cleanup()
{
	local p
	for p in $central_pid $kiosk_pid "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
# The CLI on the site database at a fixed time the demo site is open.
q() { "$queue_bin" --db "$sdb" --now 2026-11-23T11:00:00Z "$@"; }
fails=0
fail()
{
	echo "FAIL $*"
	fails=$((fails + 1))
}
ok() { echo "ok   $*"; }
sql() { sqlite3 -batch -noheader "$@"; }
# wait_for SECONDS CMD...: polls until CMD succeeds; 1 when it never did.
wait_for()
{
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
# wait_port FILE: waits (5 s at most) for a --port-file and prints the port.
wait_port()
{
	for _ in $(seq 100); do
		[[ -s $1 ]] && break
		sleep 0.05
	done
	cat "$1"
}
# A browser-like session: cookies kept in $dir/cookies.
curl_json() { curl -s -b "$dir/cookies" -c "$dir/cookies" -H 'Content-Type: application/json' "$@"; }
# admin_login BASE_URL USER PASSWORD: logs in and prints the session's CSRF token.
admin_login()
{
	curl_json -X POST "$1/api/v1/login" -d "{\"v\":1,\"user\":\"$2\",\"password\":\"$3\"}" |
		sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p'
}
