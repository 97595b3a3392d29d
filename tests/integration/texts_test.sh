#!/usr/bin/env bash
# Screen texts with versions end to end (issue 13 item 5) with the real binaries over loopback:
# each refusal at central with its reason (unknown language and key, other placeholders, the
# wrong plural forms, broken JSON, an oversized body, not an admin); the preview runner draws
# the drafts with the real kiosk (PNGs, the UI dump shows the draft; an overlong text is a
# finding and its publish is refused); a version published to one site reaches that site's
# kiosk only, which reports it; a rollback brings the shipped text back; the audit log holds
# each action. Usage: texts_test.sh ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR
set -euo pipefail
# shellcheck source=lib.sh
source "$4/tests/integration/lib.sh" "$@"

# ---- central with two sites in two municipalities, an admin and a staff account ----
"$central_bin" migrate --db "$cdb" >/dev/null
"$central_bin" add-site --db "$cdb" --site demo --name "Demo-rummet" --municipality 101 >/dev/null
"$central_bin" add-site --db "$cdb" --site nord --name "Nord" --municipality 147 >/dev/null
printf 'correct horse battery\n' | "$central_bin" create-admin --db "$cdb" --user admin >/dev/null
printf '[central]\nkiosk_binary = %s\nkiosk_data = %s\n' "$kiosk_bin" "$root" >"$dir/central.ini"
"$central_bin" serve --config "$dir/central.ini" --db "$cdb" --listen 127.0.0.1:0 \
	--port-file "$dir/port" >>"$dir/central.log" 2>&1 &
central_pid=$!
port=$(wait_port "$dir/port")
base=http://127.0.0.1:$port

# A kiosk per site, each with its own database and sync-only process.
sdb_nord=$dir/nord.db
for site in demo nord; do
	db=$sdb
	[[ $site == nord ]] && db=$sdb_nord
	"$queue_bin" --db "$db" --now 2026-11-23T11:00:00Z config "$root/assets/demo/site.ini" >/dev/null
	"$queue_bin" --db "$db" --now 2026-11-23T11:00:00Z import "$root/assets/demo/registry.json" >/dev/null
	code=$("$central_bin" pair-kiosk --db "$cdb" --site $site)
	"$kiosk_bin" --db "$db" --pair "$base" "$code" >/dev/null
	"$kiosk_bin" --data "$root" --db "$db" --sync-only >>"$dir/kiosk-$site.log" 2>&1 &
	pids+=($!)
done
token_kiosk() { sql :memory: "SELECT json_extract(CAST(readfile('$1.token') AS TEXT), '\$.kiosk')"; }
kiosk_demo=$(token_kiosk "$sdb")
kiosk_nord=$(token_kiosk "$sdb_nord")

csrf=$(admin_login "$base" admin "correct horse battery")
[[ -n $csrf ]] && ok "admin login" || fail "admin login"
# call METHOD PATH [JSON]: the answer in $dir/answer, its status printed.
call()
{
	local args=(-X "$1" -H "X-CSRF-Token: $csrf" -o "$dir/answer" -w '%{http_code}' "$base$2")
	if [[ $# -ge 3 ]]; then args+=(--data-binary "$3"); fi
	curl_json "${args[@]}"
}
# refused NAME STATUS PATTERN METHOD PATH [JSON]: the call is answered STATUS with PATTERN.
refused()
{
	local name=$1 want=$2 pattern=$3
	shift 3
	local got
	got=$(call "$@")
	if [[ $got == "$want" ]] && grep -q -- "$pattern" "$dir/answer"; then
		ok "$name"
	else
		fail "$name: $got $(head -c 300 "$dir/answer")"
	fi
}

# ---- refusals, each with its reason ----
refused "unknown language" 404 "unknown language" GET /api/v1/texts/xx
refused "unknown language (drafts)" 404 "unknown language" \
	POST /api/v1/texts/zz/drafts '{"v":1,"messages":{"welcome.title":"Hi"}}'
refused "not a language" 400 "lang: must be" GET /api/v1/texts/DA1
refused "unknown key" 400 "messages.welcome.nope: unknown key" \
	POST /api/v1/texts/da/drafts '{"v":1,"messages":{"welcome.nope":"Hej"}}'
refused "placeholders differ from the source" 400 "messages.ticket.wait" \
	POST /api/v1/texts/en/drafts \
	'{"v":1,"messages":{"ticket.wait":["{ahead} before you","{count} before you"]}}'
refused "a plural text needs every form" 400 "messages.ticket.wait" \
	POST /api/v1/texts/en/drafts '{"v":1,"messages":{"ticket.wait":"{ahead} {minutes}"}}'
refused "Arabic's plural text needs its six forms" 400 "messages.ticket.wait" \
	POST /api/v1/texts/ar/drafts \
	'{"v":1,"messages":{"ticket.wait":["{ahead} {minutes}","{ahead} {minutes}"]}}'
refused "the language's own name is not a screen text to change" 400 "messages.lang.name" \
	POST /api/v1/texts/da/drafts '{"v":1,"messages":{"lang.name":"Dansk!"}}'
refused "an empty text" 400 "messages.welcome.title" \
	POST /api/v1/texts/da/drafts '{"v":1,"messages":{"welcome.title":""}}'
refused "broken JSON" 400 "invalid_json" POST /api/v1/texts/da/drafts '{"v":1,"messages":'
refused "unknown field" 400 "bogus: unknown field" \
	POST /api/v1/texts/da/drafts '{"v":1,"messages":{"welcome.title":"Hej"},"bogus":1}'
{
	printf '{"v":1,"messages":{"welcome.title":"'
	head -c 1100000 /dev/zero | tr '\0' 'a'
	printf '"}}'
} >"$dir/big.json"
refused "oversized body" 413 "too_large" POST /api/v1/texts/da/drafts "@$dir/big.json"
refused "publish with no drafts" 400 "no drafts" \
	POST /api/v1/texts/da/publish '{"v":1,"scope":"site","target":"demo"}'
refused "rollback to an unknown version" 404 "unknown version" \
	POST /api/v1/texts/da/rollback '{"v":1,"version":99,"scope":"all"}'
[[ $(sql "$cdb" "SELECT count(*) FROM text_draft") == 0 ]] &&
	ok "nothing refused was stored" || fail "a refused draft was stored"

# Not an admin: a staff account gets 403, no session 401.
call POST /api/v1/accounts '{"v":1,"user":"anna","password":"staff password 1","role":"staff","site":"demo"}' >/dev/null
cp "$dir/cookies" "$dir/cookies-admin"
rm -f "$dir/cookies"
staff_csrf=$(admin_login "$base" anna "staff password 1")
got=$(curl_json -X POST -H "X-CSRF-Token: $staff_csrf" -o "$dir/answer" -w '%{http_code}' \
	"$base/api/v1/texts/da/drafts" -d '{"v":1,"messages":{"welcome.title":"Hej"}}')
[[ $got == 403 ]] && ok "a staff account may not draft texts (403)" || fail "staff: $got"
got=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/texts/da")
[[ $got == 401 ]] && ok "no session: 401" || fail "no session: $got"
cp "$dir/cookies-admin" "$dir/cookies"

# ---- a draft, previewed by the real kiosk ----
title="Hej, velkommen ind"
got=$(call POST /api/v1/texts/da/drafts "{\"v\":1,\"messages\":{\"welcome.title\":\"$title\"}}")
[[ $got == 200 ]] && ok "a draft is stored" || fail "draft: $got $(cat "$dir/answer")"
got=$(call GET /api/v1/texts/da)
[[ $got == 200 ]] && grep -q "\"draft\":\"$title\"" "$dir/answer" &&
	ok "the texts list shows the draft" || fail "texts list: $got $(head -c 300 "$dir/answer")"
got=$(call POST /api/v1/texts/da/previews '{"v":1,"orientation":"portrait"}')
id=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' "$dir/answer")
if [[ $got == 200 && -n $id ]] && grep -q '"findings":\[\]' "$dir/answer"; then
	ok "a preview of the draft (no findings)"
else
	fail "preview: $got $(head -c 400 "$dir/answer")"
fi
curl -s -b "$dir/cookies" -o "$dir/welcome.png" -w '%{http_code} %{content_type}' \
	"$base/api/v1/previews/$id/welcome" >"$dir/png_status"
[[ $(cat "$dir/png_status") == "200 image/png" ]] && [[ $(head -c 4 "$dir/welcome.png" | tail -c 3) == PNG ]] &&
	ok "the preview's PNG of the welcome screen is served" ||
	fail "preview PNG: $(cat "$dir/png_status")"
# The kiosk drew the draft: its UI dump of the welcome screen has it as the title.
grep -q "\"id\":\"welcome.title\"[^}]*\"text\":\"$title\"" "$cdb.previews/$id/out.txt" &&
	ok "the preview drew the draft title (the kiosk's UI dump)" ||
	fail "the dump has no draft title: $(grep -o '"id":"welcome.title"[^}]*' "$cdb.previews/$id/out.txt" | head -n 1)"
rm -f "$dir/cookies-anon"
got=$(curl -s -b "$dir/cookies-anon" -o /dev/null -w '%{http_code}' "$base/api/v1/previews/$id/welcome")
[[ $got == 401 ]] && ok "preview PNGs are for admins only" || fail "anonymous PNG: $got"
refused "a preview that does not exist" 404 "no such preview" GET /api/v1/previews/0123456789abcdef/welcome

# ---- an overlong text: a finding, and its publish refused ----
long=$(printf 'Velkommen %.0s' $(seq 60))
call POST /api/v1/texts/da/drafts "{\"v\":1,\"messages\":{\"welcome.title\":\"$long\"}}" >/dev/null
got=$(call POST /api/v1/texts/da/previews '{"v":1,"orientation":"landscape"}')
[[ $got == 200 ]] && grep -q '"check":"text within its box"' "$dir/answer" &&
	grep -q 'welcome.title' "$dir/answer" &&
	ok "an overlong title is a finding of the layout check" ||
	fail "overlong preview: $got $(head -c 400 "$dir/answer")"
refused "a publish whose text does not fit is refused" 400 "layout check on screen welcome" \
	POST /api/v1/texts/da/publish '{"v":1,"scope":"site","target":"demo"}'
[[ $(sql "$cdb" "SELECT count(*) FROM text_version") == 0 ]] &&
	ok "the refused publish made no version" || fail "a version was made"

# ---- publish to one site: that kiosk only shows it, and reports the version ----
call POST /api/v1/texts/da/drafts "{\"v\":1,\"messages\":{\"welcome.title\":\"$title\"}}" >/dev/null
refused "a publish to an unknown site" 404 "unknown site" \
	POST /api/v1/texts/da/publish '{"v":1,"scope":"site","target":"nowhere"}'
refused "a scope that is not one" 400 "scope: must be" \
	POST /api/v1/texts/da/publish '{"v":1,"scope":"planet","target":"demo"}'
got=$(call POST /api/v1/texts/da/publish '{"v":1,"scope":"site","target":"demo"}')
version=$(sed -n 's/.*"version":\([0-9]*\).*/\1/p' "$dir/answer")
[[ $got == 201 && -n $version ]] && ok "published to site demo as version $version" ||
	fail "publish: $got $(cat "$dir/answer")"
override_title() { sql :memory: "SELECT json_extract(CAST(readfile('$1.catalogs/da.json') AS TEXT), '\$.messages.\"welcome.title\"')" 2>/dev/null; }
shows() { [[ $(override_title "$1") == "$2" ]]; }
wait_for 30 shows "$sdb" "$title" && ok "the demo kiosk keeps the new title" ||
	fail "demo kiosk override: '$(override_title "$sdb")'"
reports() {
	curl_json -o "$dir/kiosks" "$base/api/v1/texts/kiosks" &&
		grep -q "\"kiosk\":\"$1\"[^}]*\"texts_version\":$2" "$dir/kiosks"
}
wait_for 45 reports "$kiosk_demo" "$version" && ok "the demo kiosk reports version $version" ||
	fail "demo kiosk's version: $(cat "$dir/kiosks")"
grep -q "\"kiosk\":\"$kiosk_nord\"[^}]*\"texts_version\":null" "$dir/kiosks" &&
	ok "the nord kiosk reports no version" || fail "nord kiosk: $(cat "$dir/kiosks")"
[[ ! -e $sdb_nord.catalogs/da.json ]] && ok "the nord kiosk got nothing" ||
	fail "the nord kiosk has an override: $(override_title "$sdb_nord")"
# The kiosk of site demo shows it on its screen, drawn by its own renderer.
kill -9 "${pids[0]}" 2>/dev/null || true
printf 'expect-text %s\n' "$title" >"$dir/show.txt"
"$kiosk_bin" --data "$root" --db "$sdb" --headless --script "$dir/show.txt" --renderer null \
	>"$dir/show.out" 2>&1 && ok "the demo kiosk's welcome screen shows the new title" ||
	fail "the demo kiosk does not show it: $(tail -n 3 "$dir/show.out")"
"$kiosk_bin" --data "$root" --db "$sdb" --sync-only >>"$dir/kiosk-demo.log" 2>&1 &
pids+=($!)
[[ $(sql "$cdb" "SELECT count(*) FROM text_draft WHERE lang = 'da'") == 0 ]] &&
	ok "the published drafts are gone" || fail "drafts left after publish"

# ---- history and rollback to the shipped text ----
got=$(call GET /api/v1/texts/da/history)
[[ $got == 200 ]] && grep -q "\"version\":$version,\"lang\":\"da\",\"scope\":\"site\",\"target\":\"demo\",\"author\":\"admin\"" "$dir/answer" &&
	ok "the history lists the version with scope and author" || fail "history: $(head -c 400 "$dir/answer")"
shipped=$(sed -n '/^msgctxt "welcome.title"$/{n;n;s/^msgstr "\(.*\)"$/\1/p}' "$root/i18n/da.po")
got=$(call POST /api/v1/texts/da/rollback '{"v":1,"version":0,"scope":"site","target":"demo"}')
rb=$(sed -n 's/.*"version":\([0-9]*\).*/\1/p' "$dir/answer")
[[ $got == 201 && $rb -gt $version ]] && ok "rolled back to the shipped texts as version $rb" ||
	fail "rollback: $got $(cat "$dir/answer")"
wait_for 30 shows "$sdb" "$shipped" && ok "the demo kiosk shows the shipped title again ($shipped)" ||
	fail "after rollback: '$(override_title "$sdb")'"
wait_for 45 reports "$kiosk_demo" "$rb" && ok "the demo kiosk reports version $rb" ||
	fail "after rollback the kiosk reports: $(cat "$dir/kiosks")"
got=$(call POST /api/v1/texts/da/rollback "{\"v\":1,\"version\":$version}")
again=$(sed -n 's/.*"version":\([0-9]*\).*/\1/p' "$dir/answer")
[[ $got == 201 ]] && wait_for 30 shows "$sdb" "$title" &&
	ok "a rollback to version $version (its own scope) brings its title back as version $again" ||
	fail "rollback to $version: $got $(cat "$dir/answer")"
# A municipality: its site's kiosk (nord, municipality 147) gets it, demo's stays as it is.
call POST /api/v1/texts/da/drafts '{"v":1,"messages":{"welcome.checkin":"Tjek ind nu"}}' >/dev/null
refused "a municipality without sites" 404 "no site in that municipality" \
	POST /api/v1/texts/da/publish '{"v":1,"scope":"municipality","target":"999"}'
got=$(call POST /api/v1/texts/da/publish '{"v":1,"scope":"municipality","target":"147"}')
checkin() { sql :memory: "SELECT json_extract(CAST(readfile('$1.catalogs/da.json') AS TEXT), '\$.messages.\"welcome.checkin\"')" 2>/dev/null; }
has_checkin() { [[ $(checkin "$1") == "$2" ]]; }
if [[ $got == 201 ]] && grep -q '"sites":1' "$dir/answer" && wait_for 30 has_checkin "$sdb_nord" "Tjek ind nu"; then
	ok "published to municipality 147: the nord kiosk gets it"
else
	fail "municipality: $got $(cat "$dir/answer") nord: '$(checkin "$sdb_nord")'"
fi
[[ $(checkin "$sdb") != "Tjek ind nu" ]] && shows "$sdb" "$title" &&
	ok "the demo kiosk (another municipality) keeps its version" ||
	fail "demo kiosk after the municipality's publish: '$(checkin "$sdb")'"
# All sites: both kiosks get it.
call POST /api/v1/texts/da/drafts '{"v":1,"messages":{"welcome.subtitle":"Tjek ind her hver gang"}}' >/dev/null
refused "scope all takes no target" 400 "target: scope all takes no target" \
	POST /api/v1/texts/da/publish '{"v":1,"scope":"all","target":"demo"}'
got=$(call POST /api/v1/texts/da/publish '{"v":1,"scope":"all"}')
subtitle() { sql :memory: "SELECT json_extract(CAST(readfile('$1.catalogs/da.json') AS TEXT), '\$.messages.\"welcome.subtitle\"')" 2>/dev/null; }
has_subtitle() { [[ $(subtitle "$1") == "$2" ]]; }
[[ $got == 201 ]] && wait_for 30 has_subtitle "$sdb" "Tjek ind her hver gang" &&
	wait_for 30 has_subtitle "$sdb_nord" "Tjek ind her hver gang" &&
	ok "published to all: both kiosks get it" ||
	fail "all: $got $(cat "$dir/answer") demo '$(subtitle "$sdb")' nord '$(subtitle "$sdb_nord")'"
shows "$sdb" "$title" && has_checkin "$sdb_nord" "Tjek ind nu" &&
	ok "what the site's and the municipality's versions set stays" ||
	fail "after all: demo title '$(override_title "$sdb")', nord checkin '$(checkin "$sdb_nord")'"
refused "a version of another language" 400 "is a version of the da texts" \
	POST /api/v1/texts/en/rollback "{\"v\":1,\"version\":$version}"
[[ $(sql "$cdb" "UPDATE text_version SET author = 'x'" 2>&1) == *append-only* ]] &&
	ok "versions are append-only" || fail "a version could be changed"

# ---- old previews go: the newest 24 stay (PREVIEWS_KEPT in admin_texts.c) ----
for i in $(seq 30); do
	old=$cdb.previews/$(printf '%016x' "$i")
	mkdir -p "$old/shots"
	touch "$old/shots/welcome.png"
	touch -d '2020-01-01' "$old"
done
got=$(call POST /api/v1/texts/da/previews '{"v":1}')
newest=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' "$dir/answer")
kept=$(find "$cdb.previews" -mindepth 1 -maxdepth 1 -type d | wc -l)
# Old ones went first: some of the 30 are gone, the newest preview is there.
old_left=$(find "$cdb.previews" -mindepth 1 -maxdepth 1 -type d -name '00000000000000*' | wc -l)
[[ $got == 200 && $kept == 24 && -d $cdb.previews/$newest && $old_left -lt 30 ]] &&
	ok "previews beyond the newest 24 are deleted, the oldest first" ||
	fail "previews kept: $kept (answer $got)"

# ---- every action in the audit log ----
for action in texts_drafts texts_preview texts_publish texts_rollback; do
	n=$(sql "$cdb" "SELECT count(*) FROM audit WHERE action = '$action' AND actor = 'admin'")
	((n > 0)) && ok "audit log: $action ($n rows)" || fail "audit log has no $action"
done
[[ $(sql "$cdb" "SELECT count(*) FROM audit WHERE action = 'texts_publish' AND result = '201'
                  AND object LIKE 'da version $version to site demo%'") == 1 ]] &&
	ok "the publish's audit row names language, version and scope" ||
	fail "publish audit: $(sql "$cdb" "SELECT object, result FROM audit WHERE action = 'texts_publish'")"

kill "$central_pid" 2>/dev/null || true
wait "$central_pid" 2>/dev/null || true
central_pid=''
if ((fails)); then
	echo "central log:"
	tail -n 20 "$dir/central.log"
	exit 1
fi
