#!/usr/bin/env bash
# The printer's fault reaches the staff console: a paired headless kiosk whose printer (the
# fake printer) has no paper reports it with its change poll, and central's queue view shows
# it per kiosk; the ticket that was not printed nor kept reaches central as
# ticket.print_failed only (never ticket.issued), so the report never counts it.
# Usage: print_sync_test.sh ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR FAKEPRINTER
set -euo pipefail
fake_bin=$5
# shellcheck source=lib.sh
source "$4/tests/integration/lib.sh" "$@"

mkfifo "$dir/ctl"
"$fake_bin" --out "$dir" <"$dir/ctl" >"$dir/fake.out" 2>"$dir/fake.err" &
pids+=($!)
exec 3>"$dir/ctl"
wait_for 5 grep -q '^ready' "$dir/fake.out" || fail "the fake printer did not start"
fport=$(awk '/^port/{print $2}' "$dir/fake.out")
echo "paper end" >&3

"$central_bin" migrate --db "$cdb" >/dev/null
"$central_bin" add-site --db "$cdb" --site demo --name "Demo-rummet" --municipality 101 \
	>/dev/null
code=$("$central_bin" pair-kiosk --db "$cdb" --site demo)
printf 'correct horse battery\n' | "$central_bin" create-admin --db "$cdb" --user admin >/dev/null
"$central_bin" serve --db "$cdb" --listen 127.0.0.1:0 --port-file "$dir/port" \
	>>"$dir/central.log" 2>&1 &
central_pid=$!
port=$(wait_port "$dir/port")
base=http://127.0.0.1:$port

{
	cat "$root/assets/demo/site.ini"
	printf '\n[printer]\ndevice = tcp:127.0.0.1:%s\n' "$fport"
} >"$dir/print.ini"
q config "$dir/print.ini" >/dev/null
q import "$root/assets/demo/registry.json" >/dev/null
"$kiosk_bin" --db "$sdb" --pair "$base" "$code" >/dev/null
touch "$dir/HOLD" "$dir/HOLD2"
cat >"$dir/script.txt" <<SCRIPT
tap-id welcome.checkin
type me
tap-id nickname.match.0
tap-id substance.crack
tap-id route.smoke
await-print
expect-text Printeren virkede ikke. Husk dit nummer, eller vis denne skærm til personalet.
wait 61000
expect-screen welcome
await-gone $dir/HOLD
wait 61000
await-print
await-gone $dir/HOLD2
SCRIPT
"$kiosk_bin" --data "$root" --db "$sdb" --headless --script "$dir/script.txt" \
	--now 2026-11-23T11:00:00Z >>"$dir/kiosk.log" 2>&1 &
kiosk_pid=$!

csrf=$(admin_login "$base" admin "correct horse battery")
[[ -n $csrf ]] && ok "admin login" || fail "admin login"
printer_at_central()
{
	curl_json "$base/api/v1/sites/demo/queue" >"$dir/queue.json"
	[[ $(sql :memory: "SELECT json_extract(CAST(readfile('$dir/queue.json') AS TEXT),
	                    '\$.kiosks[0].printer')") == "$1" ]]
}
if wait_for 60 printer_at_central paper_end; then
	ok "central's queue view shows the kiosk's printer: paper_end"
else
	fail "no paper_end in the queue view: $(cat "$dir/queue.json")"
fi
central_count() { sql "$cdb" "SELECT count(*) FROM event WHERE type = '$1'"; }
has_failed() { [[ $(central_count ticket.print_failed) == 1 ]]; }
if wait_for 60 has_failed && [[ $(central_count ticket.issued) == 0 ]]; then
	ok "the ticket neither printed nor kept reaches central as ticket.print_failed only"
else
	fail "at central: $(sql "$cdb" "SELECT type FROM event" | sort | uniq -c | tr '\n' ' ')"
fi
# Paper in: the kiosk's next check (a minute later on its clock) says ready, and central
# follows.
echo "paper ok" >&3
sleep 0.5
rm -f "$dir/HOLD"
if wait_for 120 printer_at_central ready; then
	ok "paper loaded: central shows the printer ready"
else
	fail "printer not ready at central: $(cat "$dir/queue.json")"
fi
[[ $(grep -c '^page ' "$dir/fake.out" || true) == 0 ]] && ok "nothing was printed by itself" ||
	fail "a ticket came out after the paper was loaded"
rm -f "$dir/HOLD2"
wait "$kiosk_pid" || fail "the kiosk's script failed: $(grep -v '^ *[0-9]* *[0-9]* lib\|Suppressions\|count *bytes\|^---' "$dir/kiosk.log" | tail -8)"
kiosk_pid=''
exec 3>&-
((fails == 0))
