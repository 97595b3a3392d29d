#!/usr/bin/env bash
# Sync end to end with the real binaries over loopback: pairing, 200 check-ins tapped
# through a headless kiosk while central is SIGKILLed and restarted twice and the kiosk
# once (central must hold every event exactly once, in sequence), a user registered at central checking in after
# one pull, and a staff "call next" from central applied at the kiosk and reported back.
# Usage: sync_test.sh ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR
set -euo pipefail
# shellcheck source=lib.sh
source "$4/tests/integration/lib.sh" "$@"

port=
start_central()
{
	local listen=127.0.0.1:${port:-0}
	rm -f "$dir/port"
	"$central_bin" serve --db "$cdb" --listen "$listen" --port-file "$dir/port" \
		>>"$dir/central.log" 2>&1 &
	central_pid=$!
	port=$(wait_port "$dir/port")
}
kill_central()
{
	kill -9 "$central_pid"
	wait "$central_pid" 2>/dev/null || true
	central_pid=
}
start_kiosk()
{
	"$kiosk_bin" --db "$sdb" --sync-only --log-format json >>"$dir/kiosk.log" 2>&1 &
	kiosk_pid=$!
}
kill_kiosk()
{
	kill -9 "$kiosk_pid"
	wait "$kiosk_pid" 2>/dev/null || true
	kiosk_pid=
}

# ---- central and a site ----
"$central_bin" migrate --db "$cdb" >/dev/null
"$central_bin" add-site --db "$cdb" --site demo --name "Demo-rummet" --municipality 101 \
	>/dev/null
"$central_bin" add-site --db "$cdb" --site other --name "Aarhus" --municipality 751 \
	>/dev/null
code=$("$central_bin" pair-kiosk --db "$cdb" --site demo)
start_central

# ---- the kiosk: site, 200 users, pairing ----
# Staff call by hand here (auto_call off), so that "call next" from central has work.
sed 's/^auto_call = true/auto_call = false/' "$root/assets/demo/site.ini" >"$dir/site.ini"
q config "$dir/site.ini" >/dev/null
{
	printf '{"version": 1, "users": [\n'
	for i in $(seq 1 200); do
		printf '{"id": "u-s%03d", "nickname": "Sync %03d", "birth_year": 1980, "gender": "male", "municipality": "101", "consent_version": "2024-1"}' "$i" "$i"
		((i < 200)) && printf ',\n'
	done
	printf ']}\n'
} >"$dir/users.json"
q import "$dir/users.json" >/dev/null

if "$kiosk_bin" --db "$sdb" --pair "http://127.0.0.1:$port" "$code" >/dev/null 2>&1 &&
	[[ $(stat -c %a "$sdb.token") == 600 ]]; then
	ok "pairing stores the token in a 0600 file"
else
	fail "pairing"
fi
if "$kiosk_bin" --db "$dir/second.db" --pair "http://127.0.0.1:$port" "$code" \
	>"$dir/out" 2>&1; then
	fail "a used pairing code was accepted again"
elif grep -q "403" "$dir/out"; then
	ok "a used pairing code is refused (403)"
else
	fail "a used pairing code: $(cat "$dir/out")"
fi
if "$kiosk_bin" --db "$dir/third.db" --pair "http://127.0.0.1:$port" "AAAA-BBBB-CCCC" \
	>/dev/null 2>&1 || [[ -e $dir/third.db.token ]]; then
	fail "an unknown pairing code was accepted"
else
	ok "an unknown pairing code is refused"
fi

# ---- 200 check-ins on a headless kiosk through two central crashes and one kiosk crash ----
# The kiosk is the real UI, headless, paired, so it syncs while users tap through it; the
# script checks in every user that has no ticket yet (nickname by its digits, heroin,
# injection). Crashes are timed by the number of tickets issued so far.
checkin_script()
{
	local u
	for u in $(sql "$sdb" "SELECT substr(id, 4) FROM registry WHERE id LIKE 'u-s%' AND id NOT IN
	                       (SELECT user_id FROM ticket) ORDER BY id"); do
		printf 'tap-id welcome.checkin\ntype %s\nexpect-text Sync %s\ntap-id nickname.match.0\n' "$u" "$u"
		printf 'tap-id substance.heroin\ntap-id route.inject\nexpect-screen ticket\ntap-id ticket.done\n'
	done >"$dir/checkins.txt"
}
headless_pid=
start_headless()
{
	checkin_script
	"$kiosk_bin" --data "$root" --db "$sdb" --headless --script "$dir/checkins.txt" \
		--now 2026-11-23T11:00:00Z >>"$dir/headless.log" 2>&1 &
	headless_pid=$!
}
tickets() { sql "$sdb" "SELECT count(*) FROM ticket"; }
# at N: waits until N tickets exist (or the headless run ended).
at()
{
	while (($(tickets) < $1)) && kill -0 "$headless_pid" 2>/dev/null; do
		sleep 0.02
	done
}
start_headless
at 40 && kill_central   # down while 30 check-ins happen
at 70 && start_central  # same port
at 100
held_live=$(sql "$cdb" "SELECT count(*) FROM event")
kill -9 "$headless_pid" # the kiosk itself dies mid-stream, maybe mid-check-in
wait "$headless_pid" 2>/dev/null || true
start_headless          # and comes back for the users still without a ticket
at 140 && kill_central
at 160 && start_central
wait "$headless_pid" && ok "the headless kiosk checked in every user" ||
	fail "the headless check-in script failed: $(tail -3 "$dir/headless.log")"
[[ $(tickets) == 200 ]] || fail "$(tickets) tickets after the check-ins, not 200"
((held_live > 40)) && ok "the kiosk synced while users checked in ($held_live events held at 100 tickets)" ||
	fail "central held only $held_live events while the kiosk ran"
# The headless run ends when its script does; a running kiosk (here the sync-only one)
# sends what it had not sent yet.
start_kiosk
kiosk_last=$(sql "$sdb" "SELECT max(seq) FROM outbox")
central_has() { [[ $(sql "$cdb" "SELECT count(*) FROM event") == "$kiosk_last" ]]; }
if wait_for 60 central_has; then
	ok "central caught up: $kiosk_last events"
else
	fail "central holds $(sql "$cdb" "SELECT count(*) FROM event") of $kiosk_last events"
fi
issued=$(sql "$cdb" "SELECT count(*), count(DISTINCT json_extract(payload, '\$.ticket'))
                      FROM event WHERE type = 'ticket.issued'")
[[ $issued == "200|200" ]] && ok "200 issue events, each once" ||
	fail "issue events (count|distinct tickets): $issued"
# In sequence: seq 1..N with no gap, and each the very event the kiosk wrote.
gaps=$(sql "$cdb" "SELECT count(*) FROM event e WHERE seq > 1 AND NOT EXISTS
                    (SELECT 1 FROM event p WHERE p.kiosk = e.kiosk AND p.seq = e.seq - 1)")
same=$(sql "$cdb" "ATTACH '$sdb' AS k; SELECT count(*) FROM event e JOIN k.outbox o
                    ON o.seq = e.seq AND o.event_id = e.event_id AND o.payload = e.payload")
[[ $gaps == 0 && $same == "$kiosk_last" ]] && ok "no gap; every event identical to the kiosk's" ||
	fail "gaps $gaps, identical $same of $kiosk_last"
# The kiosk remembers when central acknowledged what (for the outbox retention) and prunes
# nothing central acknowledged just now: the default keeps rows 7 days after the ack.
ack_kept() { [[ $(sql "$sdb" "SELECT coalesce(max(seq), 0) FROM outbox_ack") == "$kiosk_last" ]]; }
if wait_for 10 ack_kept && [[ $(sql "$sdb" "SELECT count(*) FROM outbox") == "$kiosk_last" ]]; then
	ok "acknowledgement up to $kiosk_last recorded, no row pruned yet"
else
	fail "outbox_ack up to $(sql "$sdb" "SELECT max(seq) FROM outbox_ack"), outbox rows $(sql "$sdb" "SELECT count(*) FROM outbox") of $kiosk_last"
fi
# ---- replayed and forged batches ----
token=$(sed -n 's/.*"token": *"\([0-9a-f]*\)".*/\1/p' "$sdb.token")
kiosk=$(sed -n 's/.*"kiosk": *"\([^"]*\)".*/\1/p' "$sdb.token")
# batch SEQ KIOSK PAYLOAD-SQL: seq's outbox row as a batch body, built by SQLite's JSON.
batch()
{
	sql "$sdb" "SELECT json_object('v', 1, 'kiosk', '$2', 'events', json_array(json_object(
	  'seq', seq, 'id', event_id, 'type', type, 'at', kiosk_ms, 'payload', json($3))))
	  FROM outbox WHERE seq = $1"
}
post_batch()
{ # post_batch TOKEN BODY: prints the HTTP status
	curl -s -o "$dir/answer" -w '%{http_code}' -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$port/api/v1/sync/events"
}
held=$(sql "$cdb" "SELECT count(*) || ':' || group_concat(payload) FROM event WHERE seq = 5")
st=$(post_batch "$token" "$(batch 5 "$kiosk" payload)")
[[ $st == 200 && $(sql "$cdb" "SELECT count(*) FROM event") == "$kiosk_last" ]] &&
	ok "a replayed batch is answered 200 and stored nothing twice" || fail "replay: $st"
st=$(post_batch "$token" "$(batch 5 "$kiosk" "json_set(payload, '\$.label', 'I-999')")")
[[ $st == 409 && $(sql "$cdb" "SELECT count(*) || ':' || group_concat(payload) FROM event WHERE seq = 5") == "$held" ]] &&
	grep -q '"code":"conflict"' "$dir/answer" &&
	ok "a forged batch (held seq, other content) is refused 409 conflict, the held event unchanged" ||
	fail "forged batch: $st $(cat "$dir/answer")"
st=$(post_batch "$token" "$(batch 5 k-someone-else payload)")
[[ $st == 403 ]] && grep -q '"code":"forbidden"' "$dir/answer" &&
	ok "a batch naming another kiosk is refused 403 forbidden" || fail "other kiosk: $st $(cat "$dir/answer")"
st=$(post_batch "${token//[0-9]/f}" "$(batch 5 "$kiosk" payload)")
[[ $st == 401 ]] && grep -q '"code":"unauthorized"' "$dir/answer" &&
	ok "a batch with a wrong token is refused 401 unauthorized" || fail "wrong token: $st $(cat "$dir/answer")"

cat "$dir/headless.log" "$dir/kiosk.log" 2>/dev/null |
	grep -q "Couldn't connect\|Failure when receiving\|Connection refused" &&
	ok "the kiosk saw central go away" || fail "central's crashes were not noticed"
# The sync-only kiosk runs with --log-format json: its log lines are JSON objects, none text.
json_lines=$(grep -cE '^\{"time":"[0-9T:-]+Z","level":"(debug|info|warn|error)","component":"[a-z_]+","msg":".*"\}$' "$dir/kiosk.log" || true)
text_lines=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z (debug|info|warn|error) ' "$dir/kiosk.log" || true)
[[ $json_lines -gt 0 && $text_lines -eq 0 ]] && ok "the kiosk logs JSON lines with --log-format json" ||
	fail "kiosk log: $json_lines JSON lines, $text_lines text lines"

# ---- a user registered at central checks in after one pull ----
printf 'correct horse battery\n' | "$central_bin" create-admin --db "$cdb" --user admin >/dev/null
csrf=$(admin_login "http://127.0.0.1:$port" admin "correct horse battery")
[[ -n $csrf ]] && ok "admin login" || fail "admin login"
new=$(curl_json -X POST -H "X-CSRF-Token: $csrf" "http://127.0.0.1:$port/api/v1/users" \
	-d '{"v":1,"nickname":"Ny Bruger","birth_year":1990,"gender":"female","municipality":"101","consent_version":"2024-1","site":"demo"}' |
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
has_user() { [[ $(sql "$sdb" "SELECT count(*) FROM registry WHERE id = '$new'") == 1 ]]; }
if [[ -n $new ]] && wait_for 30 has_user; then
	if q checkin "$new" heroin inject | grep -q "ticket I-"; then
		ok "a user registered at central ($new) checks in at the kiosk"
	else
		fail "the new user cannot check in"
	fi
else
	fail "the new user did not reach the kiosk"
fi
# ... and a user registered at another municipality's site does not reach this kiosk, while
# one from abroad who registered here does.
other=$(curl_json -X POST -H "X-CSRF-Token: $csrf" "http://127.0.0.1:$port/api/v1/users" \
	-d '{"v":1,"nickname":"Anden","birth_year":1985,"gender":"male","municipality":"101","consent_version":"2024-1","site":"other"}' |
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
probe=$(curl_json -X POST -H "X-CSRF-Token: $csrf" "http://127.0.0.1:$port/api/v1/users" \
	-d '{"v":1,"nickname":"Probe","birth_year":1985,"gender":"male","municipality":"abroad","consent_version":"2024-1","site":"demo"}' |
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
has_probe() { [[ $(sql "$sdb" "SELECT count(*) FROM registry WHERE id = '$probe'") == 1 ]]; }
if [[ -n $other && -n $probe ]] && wait_for 30 has_probe &&
	[[ $(sql "$sdb" "SELECT count(*) FROM registry WHERE id = '$other'") == 0 ]]; then
	ok "users go to the sites of the municipality where they registered"
else
	fail "municipality routing (other=$other probe=$probe)"
fi

# ---- "delete this user" at central reaches the kiosk: the entry and its nickname go ----
deleted=$(curl_json -X POST -H "X-CSRF-Token: $csrf" \
	"http://127.0.0.1:$port/api/v1/users/$probe/delete" -d '{"v":1,"confirm":true}')
gone_probe() { [[ $(sql "$sdb" "SELECT count(*) FROM registry WHERE id = '$probe'") == 0 ]]; }
if [[ $deleted == *'"deleted":true'* ]] && wait_for 30 gone_probe &&
	[[ $(sql "$sdb" "SELECT count(*) FROM registry_key WHERE user_id = '$probe'") == 0 ]] &&
	[[ $(sql "$sdb" "SELECT count(*) FROM registry WHERE id = '$new'") == 1 ]]; then
	ok "a user deleted at central is deleted at the kiosk (others stay)"
else
	fail "the deletion did not reach the kiosk: $deleted"
fi
# The kiosk's file keeps no trace of the nickname (secure_delete overwrote it).
if ! grep -aq "Probe" "$sdb" "$sdb-wal" 2>/dev/null; then
	ok "the deleted nickname is not left in site.db"
else
	fail "the deleted nickname is still in site.db's bytes"
fi

# ---- a kiosk that was away catches up with one large, gzipped answer ----
kill_kiosk
for i in $(seq 1 40); do
	curl_json -X POST -H "X-CSRF-Token: $csrf" "http://127.0.0.1:$port/api/v1/users" \
		-d "{\"v\":1,\"nickname\":\"Catch Up $i\",\"birth_year\":1975,\"gender\":\"other\",\"municipality\":\"101\",\"consent_version\":\"2024-1\",\"language\":\"en\",\"site\":\"demo\"}" \
		>/dev/null
done
curl -s -D "$dir/headers" -o "$dir/feed.gz" -H 'Accept-Encoding: gzip' \
	-H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/sync/changes?since=0"
if grep -qi '^content-encoding: gzip' "$dir/headers" &&
	(($(gzip -dc <"$dir/feed.gz" | grep -o '"user.upsert"' | wc -l) >= 40)); then
	ok "a large feed answer is gzipped ($(stat -c %s "$dir/feed.gz") bytes on the wire)"
else
	fail "the large feed answer was not gzipped: $(cat "$dir/headers")"
fi
start_kiosk
caught_up() { [[ $(sql "$sdb" "SELECT count(*) FROM registry WHERE nickname LIKE 'Catch Up %'") == 40 ]]; }
wait_for 30 caught_up && ok "the kiosk took all 40 new users from it" ||
	fail "the kiosk has $(sql "$sdb" "SELECT count(*) FROM registry WHERE nickname LIKE 'Catch Up %'") of 40"

# ---- staff "call next" from central: applied at the kiosk, reported back ----
# Stations are all free and every ticket waits: one call takes one ticket off the queue.
waiting_before=$(sql "$sdb" "SELECT count(*) FROM ticket WHERE state = 'waiting'")
cmd=$(curl_json -X POST -H "X-CSRF-Token: $csrf" \
	"http://127.0.0.1:$port/api/v1/sites/demo/commands" -d '{"v":1,"type":"call_next"}' |
	sed -n 's/.*"command":\([0-9]*\).*/\1/p')
applied() {
	curl_json "http://127.0.0.1:$port/api/v1/sites/demo/commands/$cmd" | grep -q '"applied"\|"refused"'
}
if [[ -n $cmd ]] && wait_for 30 applied; then
	state=$(curl_json "http://127.0.0.1:$port/api/v1/sites/demo/commands/$cmd")
	waiting_after=$(sql "$sdb" "SELECT count(*) FROM ticket WHERE state = 'waiting'")
	back=$(sql "$cdb" "SELECT count(*) FROM event WHERE type = 'command.applied'
	                    AND json_extract(payload, '\$.command') = $cmd")
	if grep -q '"applied"' <<<"$state" && ((waiting_after == waiting_before - 1)) &&
		[[ $back == 1 ]]; then
		ok "call next from central: a ticket was called at the kiosk and reported back"
	else
		fail "call next: state $state, waiting $waiting_before -> $waiting_after, events $back"
	fi
else
	fail "call next from central never came back"
fi
# A command the kiosk cannot carry out is refused with a reason, not lost.
cmd=$(curl_json -X POST -H "X-CSRF-Token: $csrf" \
	"http://127.0.0.1:$port/api/v1/sites/demo/commands" \
	-d '{"v":1,"type":"start","ticket":999999}' | sed -n 's/.*"command":\([0-9]*\).*/\1/p')
if [[ -n $cmd ]] && wait_for 30 applied &&
	curl_json "http://127.0.0.1:$port/api/v1/sites/demo/commands/$cmd" | grep -q '"refused"'; then
	ok "an impossible command comes back refused"
else
	fail "an impossible command"
fi

# ---- the staff screen shows the link, discreetly ----
kill_kiosk
cat >"$dir/staff.txt" <<'TXT'
hold 20 20 3200
tap-id staff_pin.key.1
tap-id staff_pin.key.2
tap-id staff_pin.key.3
tap-id staff_pin.key.4
tap-id staff_pin.ok
expect-screen staff
TXT
cp "$dir/staff.txt" "$dir/staff_online.txt"
echo "expect-text Central: online" >>"$dir/staff_online.txt"
cp "$dir/staff.txt" "$dir/staff_offline.txt"
echo "expect-text Central: offline" >>"$dir/staff_offline.txt"
echo "expect-no-text Central:" >>"$dir/welcome.txt"
headless() { "$kiosk_bin" --data "$root" --db "$sdb" --headless --script "$dir/$1" >/dev/null 2>&1; }
headless staff_online.txt && ok "staff see Central: online" || fail "staff screen online"
headless welcome.txt && ok "users see nothing of the link" || fail "welcome shows the link"
kill_central
headless staff_offline.txt && ok "staff see Central: offline when it is gone" ||
	fail "staff screen offline"

echo "sync_test: $fails failure(s)"
if ((fails)); then
	echo "--- central.log"
	tail -20 "$dir/central.log"
	echo "--- kiosk.log"
	tail -20 "$dir/kiosk.log"
fi
exit $((fails > 0))
