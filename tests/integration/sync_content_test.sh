#!/usr/bin/env bash
# Site content from central end to end with the real binaries over loopback: a site config
# sent by an admin is applied at the kiosk (config.applied), a broken one is refused at
# central with its field named, one that would retire a busy station is refused by the
# kiosk with nothing changed (config.refused); screen
# texts sent for a language become an override next to the site database that a headless
# kiosk shows (catalog.applied), bad texts are refused with nothing written
# (catalog.refused), and deleting the override directory brings the shipped texts back.
# Usage: sync_content_test.sh ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR
set -euo pipefail
# shellcheck source=lib.sh
source "$4/tests/integration/lib.sh" "$@"

# ---- central, a site, an admin; the kiosk with the demo config, paired ----
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

q config "$root/assets/demo/site.ini" >/dev/null
q import "$root/assets/demo/registry.json" >/dev/null
"$kiosk_bin" --db "$sdb" --pair "$base" "$code" >/dev/null
"$kiosk_bin" --data "$root" --db "$sdb" --sync-only >>"$dir/kiosk.log" 2>&1 &
kiosk_pid=$!

csrf=$(admin_login "$base" admin "correct horse battery")
[[ -n $csrf ]] && ok "admin login" || fail "admin login"
# post PATH JSON: prints the change id central answers with (202 {"v":1,"change":N}).
post()
{
	curl_json -X POST -H "X-CSRF-Token: $csrf" -w '\n%{http_code}' "$base$1" -d "$2" >"$dir/answer"
	if [[ $(tail -n 1 "$dir/answer") == 202 ]]; then
		sed -n 's/.*"change":\([0-9]*\).*/\1/p' "$dir/answer" | head -n 1
	fi
}
# as_json_string FILE: the file's text as one JSON string.
as_json_string() { sql :memory: "SELECT json_quote(CAST(readfile('$1') AS TEXT))"; }
# answered TYPE CHANGE: the kiosk wrote event TYPE for change CHANGE.
answered()
{
	[[ $(sql "$sdb" "SELECT count(*) FROM outbox WHERE type = '$1'
	                  AND json_extract(payload, '\$.change') = $2") == 1 ]]
}
at_central()
{
	[[ $(sql "$cdb" "SELECT count(*) FROM event WHERE type = '$1'
	                  AND json_extract(payload, '\$.change') = $2") == 1 ]]
}
reason() { sql "$sdb" "SELECT json_extract(payload, '\$.reason') FROM outbox WHERE type = '$1'
                        AND json_extract(payload, '\$.change') = $2"; }
site_name() { sql "$sdb" "SELECT json_extract(config, '\$.name') FROM site"; }
stations() { sql "$sdb" "SELECT group_concat(id || ':' || retired || ':' || state, ' ') FROM station"; }

# ---- site.config: applied ----
sed -e 's/^name = Demo-rummet$/name = Demo-rummet Nord/' "$root/assets/demo/site.ini" >"$dir/nord.ini"
printf '\n[station.extra]\nlabel = Ekstra\ntype = flex\n' >>"$dir/nord.ini"
change=$(post /api/v1/sites/demo/config "{\"v\":1,\"ini\":$(as_json_string "$dir/nord.ini")}")
if [[ -z $change ]]; then
	fail "POST /api/v1/sites/demo/config: $(cat "$dir/answer")"
elif wait_for 30 answered config.applied "$change" && [[ $(site_name) == "Demo-rummet Nord" ]] &&
	[[ $(sql "$sdb" "SELECT count(*) FROM station WHERE id = 'extra' AND retired = 0") == 1 ]]; then
	ok "a site config from central is applied (config.applied for change $change)"
	wait_for 30 at_central config.applied "$change" &&
		ok "config.applied reaches central" || fail "config.applied never reached central"
else
	fail "site config: name '$(site_name)', stations $(stations), log: $(tail -3 "$dir/kiosk.log")"
fi

# ---- site.config: a broken one is refused at central, nothing sent ----
# Central reads it with the kiosk's own parser (common/ank_siteconf.c); the kiosk's refusal
# of a text that reaches it broken is test_site_content's.
printf '[site]\nid = demo\nname = Broken\nbogus_key = 1\n[station.1]\n' >"$dir/broken.ini"
before=$(stations)
sent=$(sql "$cdb" "SELECT count(*) FROM change WHERE type = 'site.config'")
change=$(post /api/v1/sites/demo/config "{\"v\":1,\"ini\":$(as_json_string "$dir/broken.ini")}")
if [[ -z $change && $(tail -n 1 "$dir/answer") == 400 ]] &&
	grep -q '"field":"site.bogus_key"' "$dir/answer" && grep -q '"line":4' "$dir/answer" &&
	[[ $(sql "$cdb" "SELECT count(*) FROM change WHERE type = 'site.config'") == "$sent" ]] &&
	[[ $(site_name) == "Demo-rummet Nord" && $(stations) == "$before" ]]; then
	ok "a broken config is refused at central naming its field and line: $(head -n 1 "$dir/answer")"
else
	fail "broken config: change '$change', answer '$(cat "$dir/answer")'"
fi
# A ticket called to a station (auto_call) makes that station busy; a config without it
# is refused as a whole.
q checkin u-0001 heroin inject >/dev/null
busy=$(sql "$sdb" "SELECT id FROM station WHERE state IN ('reserved', 'occupied') LIMIT 1")
printf '[site]\nid = demo\nname = Smaller\n[hours]\nmon = 00:00-24:00\n[station.only]\n' \
	>"$dir/smaller.ini"
before=$(stations)
change=$(post /api/v1/sites/demo/config "{\"v\":1,\"ini\":$(as_json_string "$dir/smaller.ini")}")
if [[ -n $busy && -n $change ]] && wait_for 30 answered config.refused "$change" &&
	[[ $(reason config.refused "$change") == *"in use"* ]] &&
	[[ $(site_name) == "Demo-rummet Nord" && $(stations) == "$before" ]]; then
	ok "a config retiring busy station $busy is refused, nothing changed"
else
	fail "busy station: busy '$busy', change '$change', reason '$(reason config.refused "${change:-0}")'"
fi

# ---- catalog: kept as an override, shown by the kiosk ----
over=$sdb.catalogs
change=$(post /api/v1/catalogs/da \
	'{"v":1,"messages":{"welcome.title":"Velkommen til Nord","ticket.wait":["ca. {minutes} minut, {ahead} før dig","ca. {minutes} min, {ahead} før dig"]}}')
applied_keys()
{
	[[ $(sql "$sdb" "SELECT json_extract(payload, '\$.keys') || json_extract(payload, '\$.lang')
	                  FROM outbox WHERE type = 'catalog.applied'
	                  AND json_extract(payload, '\$.change') = $change") == 2da ]]
}
if [[ -z $change ]]; then
	fail "POST /api/v1/catalogs/da: $(cat "$dir/answer")"
elif wait_for 30 applied_keys && [[ -f $over/da.json && $(stat -c %a "$over") == 700 ]] &&
	grep -q "Velkommen til Nord" "$over/da.json"; then
	ok "texts from central are kept in $(basename "$over")/da.json (catalog.applied, keys 2)"
else
	fail "catalog: $(ls -la "$over" 2>&1), log: $(tail -3 "$dir/kiosk.log")"
fi
# Refused by central at once (400), for a key its catalogs have: a placeholder the shipped
# text lacks, a plural text as one string or with the wrong number of forms.
for body in '{"v":1,"messages":{"ticket.wait":["{ahead} foran dig","{ahead} foran dig"]}}' \
	'{"v":1,"messages":{"ticket.wait":"ca. {minutes} min, {ahead} foran dig"}}' \
	'{"v":1,"messages":{"ticket.wait":["{minutes} {ahead}","{minutes} {ahead}","{minutes} {ahead}"]}}'; do
	change=$(post /api/v1/catalogs/da "$body")
	if [[ -z $change && $(tail -n 1 "$dir/answer") == 400 ]] &&
		grep -q '"code":"invalid_field"' "$dir/answer"; then
		ok "central refuses $(sed -n 's/.*"error":"\([^"]*\).*/\1/p' "$dir/answer" | head -c 90)"
	else
		fail "central took bad texts $body: change '$change' $(cat "$dir/answer")"
	fi
done
# Refused by the kiosk: a key central does not know (a newer kiosk might); the file stays
# as it was.
cp "$over/da.json" "$dir/da.before" 2>/dev/null || true
for body in '{"v":1,"messages":{"welcome.title":"Hej","no.such.key":"x"}}'; do
	change=$(post /api/v1/catalogs/da "$body")
	if [[ -n $change ]] && wait_for 30 answered catalog.refused "$change" &&
		cmp -s "$over/da.json" "$dir/da.before"; then
		ok "bad texts are refused, nothing written: $(reason catalog.refused "$change")"
	else
		fail "bad texts $body: change '$change' $(cat "$dir/answer")"
	fi
done
kill -TERM "$kiosk_pid"
wait "$kiosk_pid" 2>/dev/null || true
kiosk_pid=

# A headless kiosk on the paired database shows the override; without the directory, the
# shipped text.
headless()
{ # headless SCRIPT-LINES...
	printf '%s\n' "$@" >"$dir/script.txt"
	"$kiosk_bin" --data "$root" --db "$sdb" --headless --script "$dir/script.txt" \
		>>"$dir/headless.log" 2>&1
}
shipped=$(sql :memory: "SELECT json_extract(CAST(readfile('$root/i18n/da.json') AS TEXT),
                         '\$.messages.\"welcome.title\"')")
headless "expect-screen welcome" "expect-text Velkommen til Nord" &&
	ok "the kiosk shows the override" || fail "the override is not shown: $(tail -3 "$dir/headless.log")"
rm -rf "$over"
headless "expect-text $shipped" "expect-no-text Velkommen til Nord" &&
	ok "deleting $(basename "$over") brings back the shipped text ($shipped)" ||
	fail "shipped text after deleting the overrides: $(tail -3 "$dir/headless.log")"

echo "sync_content_test: $fails failure(s)"
if ((fails)); then
	echo "--- central.log"
	tail -20 "$dir/central.log"
	echo "--- kiosk.log"
	tail -20 "$dir/kiosk.log"
fi
exit $((fails > 0))
