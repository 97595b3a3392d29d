#!/usr/bin/env bash
# Drives the ankomst-queue CLI over the demo site: config, registry, check-ins, staff
# commands and bad input, asserting on its output and exit codes.
set -euo pipefail
bin=$1
root=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
q() { "$bin" --db "$dir/site.db" --now 2026-11-23T11:00:00Z "$@"; }
fails=0
total=0
expect() { # expect NAME EXPECTED_STATUS PATTERN -- command...
	local name=$1 want=$2 pattern=$3
	shift 4
	local out status=0
	total=$((total + 1))
	out=$("$@" 2>&1) || status=$?
	if [[ $status -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
		echo "FAIL $name: status $status (want $want), output:"
		echo "$out"
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
}
expect config 0 'config applied: Demo-rummet, 5 stations' -- q config "$root/assets/demo/site.ini"
expect import 0 'imported 9 users' -- q import "$root/assets/demo/registry.json"
expect search-shared-name 0 'Søren.*2 users' -- q search sør
expect same-name 0 'u-0002.Søren.1991' -- q same-name u-0001
expect search-one-letter 0 '^$' -- q search s
expect checkin-called 0 'ticket I-001 \(#1\): go to station 2 now' -- q checkin u-0001 heroin inject
expect checkin-refused 3 'refused: quarantined' -- q checkin u-0008 heroin inject
expect checkin-cannabis 3 'refused: substance_route' -- q checkin u-0009 cannabis smoke
expect checkin-unknown 1 'unknown user' -- q checkin nobody heroin inject
expect cmd-start 0 'start: ok' -- q cmd start --ticket I-001
# A ticket named as staff see it, also once it has left the queue (a no-show).
expect checkin-smoke 0 'ticket R-001' -- q checkin u-0003 cocaine smoke
expect cmd-no-show-by-label 0 'no_show: ok' -- q cmd no_show --ticket R-001
expect cmd-requeue-no-show-by-label 0 'requeue: ok' -- q cmd requeue --ticket R-001
expect cmd-bad-station 1 'unknown station' -- q cmd close_station --station 99
expect cmd-unknown 1 "unknown staff command" -- q cmd launch
expect status 0 'I-001 +inject +in_session' -- q status
expect events 0 'session.started' -- q events
printf '[site]\nid = x\nname = X\nbogus = 1\n' >"$dir/bad.ini"
expect bad-config 1 'bad.ini:4: unknown key' -- q config "$dir/bad.ini"
printf '{"version":1,"users":[{"id":"z","nickname":"\xff","birth_year":1980,"gender":"male","municipality":"101"}]}' >"$dir/bad.json"
expect bad-registry 1 'bad.json.*UTF-8' -- q import "$dir/bad.json"
expect usage 1 'usage:' -- "$bin"
echo "cli: $((total - fails)) passed, $fails failed"
[[ $fails -eq 0 ]]
