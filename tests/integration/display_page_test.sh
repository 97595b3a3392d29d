#!/usr/bin/env bash
# The waiting-room page in a real headless Chromium against a real central: a display key,
# a kiosk's calls, then the DOM the page built (--dump-dom after some virtual time) in each
# of the site's languages, frozen, without a key and with a wrong one; no user data in it and
# no CSP refusal in the browser's log. The pages get hold=0: Chromium's virtual time stands
# still while a long-poll is held, so they ask every second (the long-poll itself is driven
# in tests/web/). Usage: display_page_test.sh ANKOMST_CENTRAL. Fails
# without Chromium (scripts/install-deps installs it): CI must really run it.
set -euo pipefail
export LC_ALL=C.UTF-8
central_bin=$1
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then
	echo "display page: no chromium: run scripts/install-deps" >&2
	exit 1
fi
dir=$(mktemp -d)
central_pid=''
cleanup()
{
	[[ -n $central_pid ]] && kill "$central_pid" 2>/dev/null && wait "$central_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fails=0 total=0
check() { # check NAME CONDITION-EXIT-STATUS DETAIL
	total=$((total + 1))
	if [[ $2 -eq 0 ]]; then
		echo "ok   $1"
	else
		echo "FAIL $1: $3"
		fails=$((fails + 1))
	fi
}
c() { "$central_bin" "$@" --db "$dir/central.db" 2>>"$dir/cli.log"; }

c add-site --site demo --name Demo-rummet --municipality 101 >/dev/null
key=$(c display-key --site demo)
metrics_token=$(printf 'm%.0s' {1..32})
printf '[central]\nmetrics_token = %s\n' "$metrics_token" >"$dir/central.ini"
"$central_bin" serve --db "$dir/central.db" --listen 127.0.0.1:0 --port-file "$dir/port" \
	--config "$dir/central.ini" >"$dir/central.log" 2>&1 &
central_pid=$!
for _ in $(seq 100); do
	[[ -s $dir/port ]] && break
	sleep 0.05
done
base=http://127.0.0.1:$(cat "$dir/port")
code=$(c pair-kiosk --site demo)
pair=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"v\":1,\"code\":\"$code\"}" \
	"$base/api/v1/pair")
token=$(sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p' <<<"$pair")
kiosk=$(sed -n 's/.*"kiosk":"\([^"]*\)".*/\1/p' <<<"$pair")
seq=0
# post EVENT-JSON...: each {"type":…,"payload":…} as the next events of the kiosk; the
# HTTP status into $st (not in a subshell: seq goes on).
post()
{
	local evs='' e now
	now=$(($(date +%s) * 1000))
	for e in "$@"; do
		seq=$((seq + 1))
		evs+="${evs:+,}{\"seq\":$seq,\"id\":\"$(printf '%032x' "$seq")\",\"at\":$((now - 1000 + seq)),${e:1}"
	done
	st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $token" -d "{\"v\":1,\"kiosk\":\"$kiosk\",\"events\":[$evs]}" \
		"$base/api/v1/sync/events")
}
user=u-0123456789abcdef
ticket() { # ticket TYPE N STATE [STATION]
	printf '{"type":"%s","payload":{"ticket":%d,"label":"I-%03d","day":"2026-12-02","route":"inject","substance":"heroin","user":"%s","state":"%s"%s}}' \
		"$1" "$2" "$2" "$user" "$3" "${4:+,\"station\":\"$4\"}"
}
config='{"type":"site.config","payload":{"stations":["1","2"],"warn_min":20,"alarm_min":30,"name":"Demo-rummet","languages":"da,en,ar","staff_pin_hash":"pin-hash-not-for-screens","alert":{"da":"Farlig batch i omløb","en":"Dangerous batch around","ar":"دفعة خطيرة متداولة"}}}'
post "$config" "$(ticket ticket.issued 6 waiting)" "$(ticket ticket.issued 7 waiting)" \
	"$(ticket ticket.called 6 called 1)" "$(ticket session.started 6 in_session 1)" \
	"$(ticket ticket.called 7 called 2)"
check events-stored "$([[ $st == 200 ]]; echo $?)" "status $st"

# dom NAME VIRTUAL-MS URL [FLAGS...]: the page's DOM after that much virtual time into
# $dir/NAME.html, the browser's log into $dir/NAME.log.
dom()
{
	local name=$1 ms=$2 url=$3
	shift 3
	timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$dir/profile-$name" --enable-logging=stderr --v=0 \
		--window-size=1920,1080 --virtual-time-budget="$ms" "$@" --dump-dom "$url" \
		>"$dir/$name.html" 2>"$dir/$name.log" || true
}
has() { grep -qF -- "$2" "$dir/$1.html"; }
# The text of the element with id $2 ("" when empty or absent).
text_of() { sed -n "s/.*id=\"$2\"[^>]*>\([^<]*\)<.*/\1/p" "$dir/$1.html" | head -1; }

# The first language's turn (da), then en after one 6 s turn, then ar after two.
dom da 2500 "$base/display#key=$key&hold=0"
check da-now-calling "$([[ $(text_of da now-label) == I-007 && $(text_of da now-station) == 'Plads 2' ]]; echo $?)" \
	"now '$(text_of da now-label)' '$(text_of da now-station)'"
check da-texts "$(has da '<html lang="da" dir="ltr"' && has da 'Nu kaldes' && has da 'Seneste kald'; echo $?)" \
	"$(head -c 600 "$dir/da.html")"
check da-last-calls "$(has da '<span class="label">I-006</span><span class="station">Plads 1</span>'; echo $?)" \
	"no I-006 in the last calls"
check da-alert "$(has da 'Farlig batch i omløb' && has da 'Advarsel'; echo $?)" "no alert"
check da-sound-button "$(has da 'id="sound" class="sound" type="button">Tryk her'; echo $?)" \
	"no sound button"
check no-user-data "$(! grep -qE "$user|heroin|inject|pin-hash|$kiosk" "$dir/da.html"; echo $?)" \
	"$(grep -oE "$user|heroin|inject|pin-hash|$kiosk" "$dir/da.html" | head -3)"
check no-csp-refusal "$(! grep -qi 'refused to\|content security policy' "$dir/da.log"; echo $?)" \
	"$(grep -i 'refused to' "$dir/da.log" | head -3)"
dom en 8500 "$base/display#key=$key&hold=0"
check en-turn "$(has en '<html lang="en" dir="ltr"' && has en 'Now calling' && has en 'Station 2' &&
	has en 'Dangerous batch around'; echo $?)" "$(head -c 600 "$dir/en.html")"
dom ar 14500 "$base/display#key=$key&hold=0"
check ar-turn-rtl "$(has ar '<html lang="ar" dir="rtl"' && has ar 'النداء الآن' &&
	[[ $(text_of ar now-label) == I-007 ]]; echo $?)" "$(head -c 600 "$dir/ar.html")"
# A browser that may play sound at once needs no button.
dom autoplay 2500 "$base/display#key=$key&hold=0" --autoplay-policy=no-user-gesture-required
check sound-allowed-no-button "$(has autoplay 'id="sound" class="sound" type="button" hidden'; echo $?)" \
	"$(grep -o '<button[^>]*>' "$dir/autoplay.html")"

# A call made while the page is open: highlighted, and the chime runs without an error (sound
# allowed from the start). The page must have had its first answer before the call, so the
# call is posted once central has answered the display route.
displays() {
	curl -s -H "Authorization: Bearer $metrics_token" "$base/metrics" |
		sed -n 's/^ankomst_http_requests_total{route="display",status="2xx"} \([0-9]*\)$/\1/p'
}
before=$(displays)
dom newcall 600000 "$base/display#key=$key&hold=0" --autoplay-policy=no-user-gesture-required &
browser=$!
for _ in $(seq 200); do
	[[ $(displays) -gt ${before:-0} ]] && break
	sleep 0.05
done
post "$(ticket ticket.issued 8 waiting)" "$(ticket ticket.called 8 called 1)"
wait "$browser"
check new-call-highlighted "$([[ $(text_of newcall now-label) == I-008 ]] &&
	has newcall 'class="now-label label fresh"' && has newcall 'I-007'; echo $?)" \
	"$st $(grep -o '<p class="now-label[^<]*' "$dir/newcall.html")"
check new-call-no-script-error "$(! grep -qi 'uncaught' "$dir/newcall.log"; echo $?)" \
	"$(grep -i 'uncaught' "$dir/newcall.log" | head -3)"

post '{"type":"site.frozen","payload":{}}'
dom frozen 2500 "$base/display#key=$key&hold=0"
check frozen-pause "$(has frozen 'Indtjekningen er sat på pause' && has frozen '<main id="board" class="board" hidden' &&
	! has frozen 'I-007' && has frozen 'Farlig batch i omløb'; echo $?)" "$st $(head -c 900 "$dir/frozen.html")"
post '{"type":"site.resumed","payload":{}}'

# A danger-to-life alert: its own title and colours (the class the stylesheet colours).
post "${config/\"alert\":/\"alert_severity\":\"danger\",\"alert\":}"
dom danger 2500 "$base/display#key=$key&hold=0"
check danger-alert "$(has danger 'class="alert alert-danger"' && has danger 'Livsfare' &&
	has danger 'Farlig batch i omløb'; echo $?)" "$(grep -o '<div id="alert"[^>]*>' "$dir/danger.html")"

dom nokey 2500 "$base/display"
check no-key-message "$(has nokey '/display#key=KEY' && has nokey '<main id="board" class="board" hidden'; echo $?)" \
	"$(grep -o '<p id="message-text">[^<]*' "$dir/nokey.html")"
dom wrongkey 2500 "$base/display#key=$(printf '0%.0s' {1..64})"
check wrong-key-message "$(has wrongkey 'not valid' && ! has wrongkey 'I-007'; echo $?)" \
	"$(grep -o '<p id="message-text">[^<]*' "$dir/wrongkey.html")"

echo "display page: $((total - fails)) passed, $fails failed"
[[ $fails -eq 0 ]]
