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
expect cmd-unknown-label 1 "no ticket 'R-099' \(a number or a label" -- q cmd requeue --ticket R-099
expect cmd-bad-station 1 'unknown station' -- q cmd close_station --station 99
expect cmd-unknown 1 "unknown staff command" -- q cmd launch
expect status 0 'I-001 +inject +in_session' -- q status
expect events 0 'session.started' -- q events
# Ticket checks at the kiosk: the MAC with the site's key, today's service day, an open ticket.
ref1=$(q ticket-ref I-001)
expect ticket-ref 0 '^A1\.demo\.1\.20261123\.I-001\.[A-Za-z0-9_-]{16}$' -- q ticket-ref I-001
expect ticket-ref-unknown 1 "no ticket 'I-099'" -- q ticket-ref I-099
expect verify-in-session 0 '^valid: site demo ticket 1 day 2026-11-23 label I-001 state in_session$' \
	-- q verify-ticket "$ref1"
expect verify-forged-number 4 '^invalid \(mac\): MAC mismatch' -- q verify-ticket "${ref1/.1.2026/.2.2026}"
expect verify-other-site 4 '^invalid \(other_site\): a ticket of site north, this is site demo' \
	-- q verify-ticket "${ref1/A1.demo./A1.north.}"
expect verify-format 4 '^invalid \(format\): bad format' -- q verify-ticket 'not a ticket'
expect verify-yesterdays 4 '^invalid \(other_day\): a ticket of 2026-11-23, today.s service day is 2026-11-24' \
	-- "$bin" --db "$dir/site.db" --now 2026-11-24T11:00:00Z verify-ticket "$ref1"
q cmd end --ticket I-001 >/dev/null
expect verify-done 4 '^invalid \(done\): the ticket is done' -- q verify-ticket "$ref1"
# The requeued no-show was called to the station I-001 left: open, so valid.
ref2=$(q ticket-ref R-001)
expect verify-requeued-called 0 'label R-001 state called$' -- q verify-ticket "$ref2"
q cmd cancel --ticket R-001 >/dev/null
expect verify-cancelled 4 '^invalid \(cancelled\): the ticket is cancelled' -- q verify-ticket "$ref2"
expect checkin-for-no-show 0 'ticket I-002' -- q checkin u-0004 heroin inject
ref3=$(q ticket-ref I-002)
q cmd no_show --ticket I-002 >/dev/null
expect verify-no-show 4 '^invalid \(no_show\): the ticket is no_show' -- q verify-ticket "$ref3"
# Another database of the same site with the same key (as two kiosks get it from central):
# the reference is genuine there, but that queue has no such ticket.
q2() { "$bin" --db "$dir/other.db" --now 2026-11-23T11:00:00Z "$@"; }
q2 config "$root/assets/demo/site.ini" >/dev/null
q2 verify-ticket "$ref1" >/dev/null || true # makes that database's own key
expect verify-own-key-elsewhere 4 '^invalid \(mac\)' -- q2 verify-ticket "$ref1"
key=$(sqlite3 "$dir/site.db" "SELECT value FROM meta WHERE key = 'ticket_key'")
sqlite3 "$dir/other.db" "UPDATE meta SET value = '$key' WHERE key = 'ticket_key'"
expect verify-unknown-here 4 '^invalid \(unknown\): genuine, but this kiosk.s queue has no ticket 1 I-001' \
	-- q2 verify-ticket "$ref1"
printf '[site]\nid = x\nname = X\nbogus = 1\n' >"$dir/bad.ini"
expect bad-config 1 'bad.ini:4: unknown key' -- q config "$dir/bad.ini"
printf '{"version":1,"users":[{"id":"z","nickname":"\xff","birth_year":1980,"gender":"male","municipality":"101"}]}' >"$dir/bad.json"
expect bad-registry 1 'bad.json.*UTF-8' -- q import "$dir/bad.json"
expect usage 1 'usage:' -- "$bin"
echo "cli: $((total - fails)) passed, $fails failed"
[[ $fails -eq 0 ]]
