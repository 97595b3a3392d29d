#!/usr/bin/env bash
# Two kiosks paired to one site get the site's ticket key from central through the real sync,
# so each verifies the other's ticket references, and central's ticket check verifies them
# too; the key shows up in no log and no event. Tickets made with a kiosk's own key from
# before are refused once the site's key is in use.
# Usage: sync_ticket_key_test.sh ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR
set -euo pipefail
# shellcheck source=lib.sh
source "$4/tests/integration/lib.sh" "$@"

adb=$dir/a.db bdb=$dir/b.db
qa() { "$queue_bin" --db "$adb" --now 2026-11-23T11:00:00Z "$@"; }
qb() { "$queue_bin" --db "$bdb" --now 2026-11-23T11:00:00Z "$@"; }
meta_key() { sql "$1" "SELECT value FROM meta WHERE key = 'ticket_key'"; }

"$central_bin" add-site --db "$cdb" --site demo --name "Demo-rummet" --municipality 101 >/dev/null
printf 'correct horse battery\n' | "$central_bin" create-admin --db "$cdb" --user admin >/dev/null
"$central_bin" serve --db "$cdb" --listen 127.0.0.1:0 --port-file "$dir/port" \
	>>"$dir/central.log" 2>&1 &
pids+=($!)
url=http://127.0.0.1:$(wait_port "$dir/port")

# Both kiosks run the demo site; a has a ticket made with its own key before pairing.
for db in "$adb" "$bdb"; do
	"$queue_bin" --db "$db" config "$root/assets/demo/site.ini" >/dev/null
	"$queue_bin" --db "$db" import "$root/assets/demo/registry.json" >/dev/null
done
qa checkin u-0001 heroin inject >/dev/null
old_ref=$(qa ticket-ref I-001)
for db in "$adb" "$bdb"; do
	code=$("$central_bin" pair-kiosk --db "$cdb" --site demo)
	"$kiosk_bin" --db "$db" --pair "$url" "$code" >/dev/null
	"$kiosk_bin" --db "$db" --sync-only --log-format json >>"$dir/kiosk-$(basename "$db").log" 2>&1 &
	pids+=($!)
done

site_key=$(sql "$cdb" "SELECT key FROM site_key WHERE site = 'demo'")
[[ ${#site_key} == 64 ]] && ok "central made the site's key" || fail "no site key at central"
has_site_key() { [[ $(meta_key "$1") == "$site_key" ]]; }
if wait_for 20 has_site_key "$adb" && wait_for 20 has_site_key "$bdb"; then
	ok "both kiosks hold the site's key after a pull"
else
	fail "kiosk keys: a $(meta_key "$adb" | cut -c1-8)… b $(meta_key "$bdb" | cut -c1-8)…, site ${site_key:0:8}…"
fi

# Each kiosk's new ticket verifies at the other: genuine, though not in that queue. (A
# reference names no kiosk: a's ticket 4 and b's ticket 3 are ids the other has not used.)
qa checkin u-0003 cocaine smoke >/dev/null
qa checkin u-0002 cocaine smoke >/dev/null
qa checkin u-0007 cocaine smoke >/dev/null
qb checkin u-0004 heroin inject >/dev/null
qb checkin u-0005 cocaine smoke >/dev/null
qb checkin u-0006 heroin inject >/dev/null
ref_a=$(qa ticket-ref R-003)
ref_b=$(qb ticket-ref I-002)
out=$(qb verify-ticket "$ref_a" || true)
[[ $out == "invalid (unknown): genuine, but this kiosk's queue has no ticket 4 R-003 today" ]] &&
	ok "kiosk b verifies kiosk a's reference" || fail "b on a's ticket: $out"
out=$(qa verify-ticket "$ref_b" || true)
[[ $out == "invalid (unknown): genuine, but this kiosk's queue has no ticket 3 I-002 today" ]] &&
	ok "kiosk a verifies kiosk b's reference" || fail "a on b's ticket: $out"
out=$(qa verify-ticket "$ref_a" || true)
[[ $out =~ ^valid:\ site\ demo\ ticket\ 4\ day\ 2026-11-23\ label\ R-003\ state\ (waiting|called)$ ]] &&
	ok "kiosk a's own ticket is valid there" || fail "a on its own ticket: $out"
out=$(qa verify-ticket "$old_ref" || true)
[[ $out == "invalid (mac):"* ]] && ok "a reference made with a's key from before pairing is refused" ||
	fail "old reference: $out"

# Central checks both kiosks' references once their events are in.
csrf=$(admin_login "$url" admin "correct horse battery")
check() { # check REF: central's answer
	curl_json -X POST -H "X-CSRF-Token: $csrf" "$url/api/v1/sites/demo/tickets/check" \
		-d "{\"v\":1,\"ref\":\"$1\"}"
}
ingested() { check "$1" | grep -q '"valid":true'; }
if wait_for 20 ingested "$ref_a" && wait_for 20 ingested "$ref_b"; then
	ok "central verifies both kiosks' tickets"
else
	fail "central: $(check "$ref_a") / $(check "$ref_b")"
fi
grep -q '"reason":"mac"' <<<"$(check "$old_ref")" && ok "central refuses the pre-pairing reference" ||
	fail "central on the old reference: $(check "$old_ref")"

# The kiosk's own ticket screen draws its QR with the site's key too.
printf 'tap-id welcome.checkin\ntype ae\nexpect-text Æblet\ntap-id nickname.match.0\ntap-id substance.heroin\ntap-id route.inject\nexpect-screen ticket\ndump\n' >"$dir/qr.txt"
"$kiosk_bin" --data "$root" --db "$adb" --headless --script "$dir/qr.txt" \
	--now 2026-11-23T11:00:00Z >"$dir/dump.json" 2>>"$dir/headless.log" || true
ref_qr=$( (grep -o '"text":"A1\.demo\.[^"]*"' "$dir/dump.json" || true) | head -n 1 | cut -d'"' -f4)
out=$(qb verify-ticket "$ref_qr" || true)
[[ -n $ref_qr && $out == "invalid (unknown): genuine, but this kiosk's queue has no ticket 5 "* ]] &&
	ok "the ticket screen's QR verifies at the other kiosk" || fail "QR '$ref_qr' at b: $out"
if wait_for 20 ingested "$ref_qr"; then
	ok "central verifies the ticket screen's QR"
else
	fail "central on the QR: $(check "$ref_qr")"
fi

# The key is in no log line and no event of either kiosk, nor in central's log.
if grep -q "$site_key" "$dir"/*.log ||
	sql "$adb" "SELECT payload FROM outbox" | grep -q "$site_key" ||
	sql "$bdb" "SELECT payload FROM outbox" | grep -q "$site_key"; then
	fail "the site key is in a log or an event"
else
	ok "the site key is in no log and no event"
fi

[[ $fails -eq 0 ]] && echo "sync ticket key: all passed" || echo "sync ticket key: $fails failed"
[[ $fails -eq 0 ]]
