#!/usr/bin/env bash
# Drug alerts and information screens from /admin's API to a real paired kiosk, with the real
# binaries over loopback: every bad draft is refused with the field named and nothing stored;
# a published alert and screen reach the kiosk's site.db ahead of their time and a headless
# kiosk on a test clock shows them inside their box only; a withdrawn one leaves the kiosk;
# an item for another site never reaches it; the display feed carries the published items;
# every action is in the audit log; a staff account may do none of it.
# Usage: content_test.sh ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR
set -euo pipefail
# shellcheck source=lib.sh
source "$4/tests/integration/lib.sh" "$@"
passes=0
ok()
{
	echo "ok   $*"
	passes=$((passes + 1))
}

"$central_bin" migrate --db "$cdb" >/dev/null
"$central_bin" add-site --db "$cdb" --site demo --name "Demo-rummet" --municipality 101 >/dev/null
"$central_bin" add-site --db "$cdb" --site nord --name "Nord" --municipality 751 >/dev/null
code=$("$central_bin" pair-kiosk --db "$cdb" --site demo)
printf 'correct horse battery\n' | "$central_bin" create-admin --db "$cdb" --user admin >/dev/null
"$central_bin" serve --db "$cdb" --listen 127.0.0.1:0 --port-file "$dir/port" \
	>>"$dir/central.log" 2>&1 &
central_pid=$!
port=$(wait_port "$dir/port")
base=http://127.0.0.1:$port

sed 's/^languages = .*/languages = da, en, ar/' "$root/assets/demo/site.ini" >"$dir/three.ini"
q config "$dir/three.ini" >/dev/null
"$kiosk_bin" --db "$sdb" --pair "$base" "$code" >/dev/null
"$kiosk_bin" --data "$root" --db "$sdb" --sync-only >>"$dir/kiosk.log" 2>&1 &
kiosk_pid=$!

csrf=$(admin_login "$base" admin "correct horse battery")
[[ -n $csrf ]] && ok "admin login" || fail "admin login"
# req METHOD PATH [JSON]: the answer's body in $dir/answer, its status printed.
req()
{
	curl_json -X "$1" -H "X-CSRF-Token: $csrf" -o "$dir/answer" -w '%{http_code}' "$base$2" \
		${3:+-d "$3"}
}
answer() { cat "$dir/answer"; }
# json_q FILE SQL: SQL over the JSON text of FILE (as j), with SQLite's JSON functions.
json_q() { sql :memory: "WITH f(j) AS (SELECT CAST(readfile('$1') AS TEXT)) ${2/FROM json_each(j/FROM f, json_each(j}"; }
field_of() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^,\"}]*\\).*/\\1/p" "$dir/answer" | head -n 1; }
rows() { sql "$cdb" "SELECT count(*) FROM content"; }

alert='{"v":1,"kind":"alert","severity":"danger","from":"2030-01-10T10:30:00Z","until":"2030-01-10T11:00:00Z","sites":["demo"],"texts":{"da":{"text":"Livsfarlig fentanyl i omløb"},"ar":{"text":"فنتانيل قاتل متداول"}}}'
info='{"v":1,"kind":"info","pictogram":"clock","qr":"https://example.org/naloxon","from":"2030-01-10T10:00:00Z","until":"2030-01-10T12:00:00Z","sites":{"municipality":"101"},"texts":{"da":{"title":"Naloxon-kursus","body":"Torsdag kl. 14"},"en":{"title":"Naloxone training","body":"Thursday 2 pm"}}}'

# ---- bad drafts: each refused with the field named, nothing stored ----
# bad NAME STATUS FIELD-WORD JSON
bad()
{
	local before status
	before=$(rows)
	status=$(req POST /api/v1/content "$4")
	if [[ $status == "$2" ]] && grep -q "$3" "$dir/answer" && [[ $(rows) == "$before" ]]; then
		ok "refused ($status): $1: $(sed -n 's/.*"error":"\([^"]*\)".*/\1/p' "$dir/answer")"
	else
		fail "$1: status $status, $(answer)"
	fi
}
sub() { sed "s|$1|$2|" <<<"$3"; }
bad "a date that is no date" 400 '"from:' "$(sub '"from":"2030-01-10T10:30:00Z"' '"from":"10 January"' "$alert")"
bad "until before from" 400 'until: must be after from' "$(sub '"until":"2030-01-10T11:00:00Z"' '"until":"2030-01-10T10:00:00Z"' "$alert")"
bad "until equal to from" 400 'until: must be after from' "$(sub '"until":"2030-01-10T11:00:00Z"' '"until":"2030-01-10T10:30:00Z"' "$alert")"
bad "a box already past" 400 'until: is already past' "$(sub '2030-01-10T11:00:00Z' '2020-01-10T11:00:00Z' "$(sub '2030-01-10T10:30:00Z' '2020-01-10T10:30:00Z' "$alert")")"
bad "an unknown site" 400 "no site 'ghost'" "$(sub '\["demo"\]' '["demo","ghost"]' "$alert")"
bad "an unknown municipality" 400 'sites.municipality' "$(sub '"101"' '"999"' "$info")"
bad "an unknown pictogram" 400 'pictogram: not one of the vetted' "$(sub '"clock"' '"skull"' "$info")"
bad "a URL that is not https" 400 'qr: must be an https URL' "$(sub 'https://example.org/naloxon' 'http://example.org/naloxon' "$info")"
bad "a URL with a space" 400 'qr: must be an https URL' "$(sub 'https://example.org/naloxon' 'https://example.org/a b' "$info")"
bad "a javascript: URL" 400 'qr: must be an https URL' "$(sub 'https://example.org/naloxon' 'javascript:alert(1)' "$info")"
bad "no Danish text" 400 'texts.da: missing' "$(sub '"da":{"text":"Livsfarlig fentanyl i omløb"},' '' "$alert")"
bad "a language the kiosks lack" 400 'texts.xx: not a language' "$(sub '"ar":' '"xx":' "$alert")"
bad "an info screen without a body" 400 'texts.en.body: missing' "$(sub ',"body":"Thursday 2 pm"' '' "$info")"
bad "an unknown severity" 400 'severity' "$(sub '"danger"' '"panic"' "$alert")"
bad "an unknown field" 400 'colour: unknown field' "$(sub '"kind"' '"colour":"red","kind"' "$alert")"
bad "broken JSON" 400 'invalid_json' '{"v":1,"kind":"alert",'
long=$(head -c 400 /dev/zero | tr '\0' 'x')
bad "a text over its limit" 400 'texts.da.text: at most 320 bytes' "$(sub 'Livsfarlig fentanyl i omløb' "$long" "$alert")"
head -c 1100000 /dev/zero | tr '\0' 'x' >"$dir/huge"
before=$(rows)
status=$(curl_json -X POST -H "X-CSRF-Token: $csrf" -o "$dir/answer" -w '%{http_code}' \
	"$base/api/v1/content" --data-binary @"$dir/huge")
[[ $status == 413 && $(rows) == "$before" ]] && ok "refused (413): a body over 1 MiB" ||
	fail "oversized body: $status $(answer)"

# ---- a staff account may not ----
req POST /api/v1/accounts '{"v":1,"user":"anna","password":"staff password 12","role":"staff","site":"demo"}' >/dev/null
cp "$dir/cookies" "$dir/admin.cookies"
rm -f "$dir/cookies"
scsrf=$(admin_login "$base" anna "staff password 12")
status=$(curl_json -X POST -H "X-CSRF-Token: $scsrf" -o "$dir/answer" -w '%{http_code}' \
	"$base/api/v1/content" -d "$alert")
status2=$(curl_json -o /dev/null -w '%{http_code}' "$base/api/v1/content")
[[ $status == 403 && $status2 == 403 && $(rows) == 0 ]] && ok "a staff account may neither list nor draft (403)" ||
	fail "staff: POST $status GET $status2 $(answer)"
cp "$dir/admin.cookies" "$dir/cookies"

# ---- draft, publish: the kiosk has them in advance ----
status=$(req POST /api/v1/content "$alert")
aid=$(field_of id)
[[ $status == 201 && -n $aid ]] && ok "alert drafted (content $aid)" || fail "alert draft: $status $(answer)"
status=$(req POST /api/v1/content "$info")
iid=$(field_of id)
[[ $status == 201 && -n $iid ]] && ok "info screen drafted (content $iid)" || fail "info draft: $status $(answer)"
other=$(sub '\["demo"\]' '["nord"]' "$alert")
req POST /api/v1/content "$other" >/dev/null
oid=$(field_of id)
# ---- preview: the real kiosk draws a draft as a kiosk would show it inside its box ----
# dump_has PREVIEW TEXT: the preview's UI dumps (central's folder) hold TEXT.
dump_has() { grep -qF -- "$2" "$cdb.previews/$1/out.txt"; }
status=$(req POST "/api/v1/content/$aid/preview" '{"v":1}')
pid=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' "$dir/answer")
shots=$(json_q "$dir/answer" "SELECT group_concat(json_extract(value, '\$.screen')) FROM json_each(j, '\$.shots')")
findings=$(json_q "$dir/answer" "SELECT count(*) FROM json_each(j, '\$.findings')")
if [[ $status == 200 && $shots == "alert_ar,alert_da,alert_nickname" && $findings == 0 ]] &&
	dump_has "$pid" "Livsfarlig fentanyl i omløb" && dump_has "$pid" "فنتانيل قاتل متداول"; then
	ok "an alert's preview: the kiosk drew it in Danish and Arabic and on the nickname screen, no layout finding"
else
	fail "alert preview: $status shots '$shots' findings '$findings' $(answer)"
fi
png=$(curl_json -o "$dir/shot.png" -w '%{http_code} %{content_type}' "$base/api/v1/previews/$pid/alert_ar")
[[ $png == "200 image/png" && $(head -c 4 "$dir/shot.png" | od -An -c | tr -d ' ') == "211PNG" ]] &&
	ok "the preview's PNG is served to the admin" || fail "preview PNG: $png"
status=$(req POST "/api/v1/content/$iid/preview" '{"v":1,"orientation":"landscape"}')
ipid=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' "$dir/answer")
shots=$(json_q "$dir/answer" "SELECT group_concat(json_extract(value, '\$.screen')) FROM json_each(j, '\$.shots')")
if [[ $status == 200 && $shots == "info_1,info_2" ]] && dump_has "$ipid" "Naloxon-kursus" &&
	dump_has "$ipid" "Naloxone training" && grep -q '"width":1920' "$dir/answer"; then
	ok "an information screen's preview: the welcome's rotation in both its languages, landscape"
else
	fail "info preview: $status shots '$shots' $(answer)"
fi
status=$(req POST "/api/v1/content/$aid/preview" '{"v":1,"orientation":"sideways"}')
[[ $status == 400 ]] && ok "a preview with a bad orientation is refused (400)" || fail "bad orientation: $status"
status=$(req POST "/api/v1/content/9999/preview" '{"v":1}')
[[ $status == 404 ]] && ok "a preview of no such item is 404" || fail "preview 9999: $status"

kept() { [[ $(sql "$sdb" "SELECT group_concat(id) FROM (SELECT id FROM content ORDER BY id)") == "$1" ]]; }
sleep 1
kept "" && ok "a draft reaches no kiosk" || fail "a draft reached the kiosk"
status=$(req POST "/api/v1/content/$aid" "$(sub 'fentanyl i omløb' 'fentanyl i omløb!' "$alert")")
[[ $status == 200 ]] && ok "a draft can be changed" || fail "draft change: $status $(answer)"
for id in $aid $iid $oid; do
	status=$(req POST "/api/v1/content/$id/publish" '{"v":1}')
	[[ $status == 200 ]] || fail "publish $id: $status $(answer)"
done
if wait_for 30 kept "$aid,$iid"; then
	ok "published items reach the kiosk's site.db ahead of their time ($aid, $iid; not $oid of nord)"
else
	fail "site.db holds '$(sql "$sdb" "SELECT group_concat(id) FROM content")', log: $(tail -3 "$dir/kiosk.log")"
fi
status=$(req POST "/api/v1/content/$aid" "$alert")
[[ $status == 409 ]] && ok "a published item cannot be changed (409)" || fail "change published: $status"
status=$(req POST "/api/v1/content/$aid/publish" '{"v":1}')
[[ $status == 409 ]] && ok "publishing twice is refused (409)" || fail "publish twice: $status"
status=$(req POST "/api/v1/content/9999/publish" '{"v":1}')
[[ $status == 404 ]] && ok "an unknown item is 404" || fail "unknown item: $status"

# ---- the headless kiosk shows them by its own clock, offline ----
kill "$kiosk_pid" && wait "$kiosk_pid" 2>/dev/null || true
kiosk_pid=''
cat >"$dir/show.txt" <<'EOF'
expect-screen welcome
expect-no-text Livsfarlig fentanyl
expect-no-text Naloxon-kursus
wait 31000
expect-text Naloxon-kursus
wait 1800000
tap 540 1500
expect-text Livsfarlig fentanyl i omløb!
tap-id welcome.checkin
expect-screen nickname
expect-text Livsfarlig fentanyl i omløb!
tap-id nickname.start_over
wait 1800000
expect-no-text Livsfarlig fentanyl
expect-no-text فنتانيل
wait 3600000
expect-no-text Naloxon-kursus
expect-no-text Naloxone training
EOF
if "$kiosk_bin" --data "$root" --db "$sdb" --headless --renderer null --script "$dir/show.txt" \
	--now 2030-01-10T09:59:30Z >"$dir/show.out" 2>&1; then
	ok "the kiosk shows the alert and the screen inside their boxes only, offline"
else
	fail "headless kiosk: $(grep -v "^ \{0,1\}[0-9a-z-]*  *[0-9]\|^---\|Suppress\|count" "$dir/show.out" | tail -8)"
fi

# ---- the display feed ----
dkey=$("$central_bin" display-key --db "$cdb" --site demo 2>/dev/null | tail -n 1 || true)
if [[ -n $dkey ]]; then
	curl -s -H "Authorization: Bearer $dkey" "$base/api/v1/display" >"$dir/display.json"
	if [[ $(json_q "$dir/display.json" "SELECT group_concat(json_extract(value, '\$.id')) FROM json_each(j, '\$.items')") == "$iid,$aid" ]] &&
		[[ $(json_q "$dir/display.json" "SELECT json_extract(value, '\$.severity') FROM json_each(j, '\$.items') WHERE json_extract(value, '\$.id') = $aid") == danger ]]; then
		ok "the display feed carries the site's published items, soonest first"
	else
		fail "display feed: $(head -c 600 "$dir/display.json")"
	fi
else
	fail "no display key: $("$central_bin" display-key --db "$cdb" --site demo 2>&1 | tail -2)"
fi

# ---- withdraw: gone from the kiosk ----
"$kiosk_bin" --data "$root" --db "$sdb" --sync-only >>"$dir/kiosk.log" 2>&1 &
kiosk_pid=$!
status=$(req POST "/api/v1/content/$aid/withdraw" '{"v":1}')
[[ $status == 200 ]] || fail "withdraw: $status $(answer)"
wait_for 30 kept "$iid" && ok "a withdrawn alert leaves the kiosk" ||
	fail "after withdraw site.db holds '$(sql "$sdb" "SELECT group_concat(id) FROM content")'"
status=$(req POST "/api/v1/content/$aid/withdraw" '{"v":1}')
[[ $status == 409 ]] && ok "withdrawing twice is refused (409)" || fail "withdraw twice: $status"

# ---- a content change the kiosk cannot read: skipped with the field, nothing kept ----
# Central checks every item, so the bad one is put into its feed behind its back, with central
# stopped (it reads its feed at start).
kill "$central_pid" && wait "$central_pid" 2>/dev/null || true
sql "$cdb" "INSERT INTO change(site, type, payload, created_ms) VALUES ('demo', 'content',
            '{\"id\":77,\"kind\":\"info\",\"state\":\"published\",\"pictogram\":\"skull\",\"from\":\"2030-01-10T10:00:00Z\",\"until\":\"2030-01-10T12:00:00Z\",\"texts\":{\"da\":{\"title\":\"x\",\"body\":\"y\"}}}', 0)"
bad_change=$(sql "$cdb" "SELECT max(id) FROM change")
"$central_bin" serve --db "$cdb" --listen "127.0.0.1:$port" >>"$dir/central.log" 2>&1 &
central_pid=$!
skipped()
{
	[[ $(sql "$sdb" "SELECT json_extract(payload, '\$.reason') FROM outbox WHERE type = 'change.skipped'
	                  AND json_extract(payload, '\$.change') = $bad_change") == pictogram* ]]
}
if wait_for 30 skipped && kept "$iid"; then
	ok "an item the kiosk cannot read is skipped naming the field, the rest kept"
else
	fail "bad change $bad_change: skipped '$(sql "$sdb" "SELECT payload FROM outbox WHERE type = 'change.skipped'")', kept '$(sql "$sdb" "SELECT group_concat(id) FROM content")'"
fi

# ---- history and audit ----
req GET /api/v1/content >/dev/null
history_of() # history_of ID: "STATE action,action,…" of item ID in the list answer
{
	json_q "$dir/answer" "SELECT json_extract(it.value, '\$.state') || ' ' ||
	        (SELECT group_concat(json_extract(h.value, '\$.action')) FROM json_each(it.value, '\$.history') h)
	        FROM json_each(j, '\$.items') it WHERE json_extract(it.value, '\$.id') = $1"
}
[[ $(history_of "$aid") == "withdrawn saved,saved,published,withdrawn" ]] &&
	ok "the item's history: saved, saved, published, withdrawn" ||
	fail "history: $(history_of "$aid")"
audit=$(sql "$cdb" "SELECT group_concat(action || ':' || object || ':' || result, ' ') FROM audit
                     WHERE action LIKE 'content%' AND object = 'content/$aid'")
[[ $audit == *"content_new:content/$aid:201"* && $audit == *"content_publish:content/$aid:200"* &&
	$audit == *"content_withdraw:content/$aid:200"* && $audit == *"content_update:content/$aid:200"* ]] &&
	ok "every action on the item is in the audit log" || fail "audit: $audit"
[[ $(sql "$cdb" "SELECT count(*) FROM audit WHERE actor = 'anna' AND action = 'content_new' AND result = '403'") == 1 ]] &&
	ok "the refused staff attempt is in the audit log too" || fail "no audit row of the staff attempt"
if sql "$cdb" "DELETE FROM content_log" 2>/dev/null; then
	fail "the content history could be deleted"
else
	ok "the content history is append-only"
fi

# ---- limits across items and languages ----
# Ten languages of quotes (each 320 bytes of text, 640 as JSON) do not fit one change.
quotes=$(printf '\\"%.0s' $(seq 320))
tq=$(printf '\\"%.0s' $(seq 80))
texts=""
for l in da en sv kl pl ro lt ru ar fa; do
	texts+="${texts:+,}\"$l\":{\"title\":\"$tq\",\"body\":\"$quotes\"}"
done
bad "ten languages that do not fit one change together" 400 'texts: .* bytes in all languages together' \
	"{\"v\":1,\"kind\":\"info\",\"pictogram\":\"clock\",\"from\":\"2030-01-10T10:00:00Z\",\"until\":\"2030-01-10T12:00:00Z\",\"sites\":\"all\",\"texts\":{$texts}}"
# A site shows at most 32 items at once (a kiosk keeps no more): the 33rd is refused.
published=0 refused=''
for _ in $(seq 40); do
	req POST /api/v1/content "$other" >/dev/null
	id=$(field_of id)
	status=$(req POST "/api/v1/content/$id/publish" '{"v":1}')
	if [[ $status == 200 ]]; then
		published=$((published + 1))
	else
		refused="$status $(answer)"
		break
	fi
done
# nord had one already (content $oid).
[[ $published == 31 && $refused == 400*"nord already shows 32"* ]] &&
	ok "a site's 33rd live item is refused: ${refused:0:120}" ||
	fail "cap: $published published, then '$refused'"

kill "$kiosk_pid" 2>/dev/null || true
echo "$passes passed, $fails failed"
((fails == 0))
