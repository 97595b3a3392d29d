#!/usr/bin/env bash
# Runs one named UI test: the real kiosk binary, headless, on a script from this folder,
# plus the checks a script cannot make (QR decoding, dumps, reference screenshots).
set -euo pipefail
name=$1 kiosk=$2 queue=$3 root=$4 pngdiff=${5:-}
here=$root/tests/ui
work=$(mktemp -d)
mounted="" kiosk_pid=""
cleanup() {
	[[ -z "$kiosk_pid" ]] || kill "$kiosk_pid" 2>/dev/null || true
	[[ -z "$mounted" ]] || umount "$mounted" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
now=2026-11-23T10:00:00Z
shots=${ANK_UI_SHOTS:-$work/shots}

kiosk_run() { # kiosk_run SCRIPT [extra args...]
	local script=$1
	shift
	"$kiosk" --data "$root" --headless --script "$here/$script" --shots "$shots" --now "$now" "$@"
}

fail() {
	echo "FAIL $name: $*" >&2
	exit 1
}

# A small real disk: a tmpfs of SIZE mounted at DIR (removed at exit). Exits 77, which
# ctest counts as skipped, with the reason when this machine may not mount one.
small_disk() { # small_disk DIR SIZE
	mkdir -p "$1"
	if ! mount -t tmpfs -o "size=$2" tmpfs "$1" 2>"$work/mount.err"; then
		echo "SKIP $name: cannot mount a tmpfs here (needs root): $(cat "$work/mount.err")" >&2
		exit 77
	fi
	mounted=$1
}

fill_disk() { # fill_disk DIR: writes a filler until the disk is full
	dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null || true
	[[ $(df --output=avail "$1" | tail -n 1 | tr -d ' ') == 0 ]] || fail "$1 is not full"
}

await_file() { # await_file PATH: waits (at most 60 s, a guard against hangs) for PATH
	for _ in $(seq 600); do
		[[ -e "$1" ]] && return 0
		kill -0 "$kiosk_pid" 2>/dev/null || fail "the kiosk ended before writing $1"
		sleep 0.1
	done
	fail "no $1 after 60 s"
}

# Runs the kiosk on SCRIPT (its @NAME@ words replaced by files of $work) in the background.
kiosk_start() { # kiosk_start SCRIPT [extra args...]
	local script=$1
	shift
	sed "s|@\([A-Z]*\)@|$work/\1|g" "$here/$script" >"$work/$script"
	"$kiosk" --data "$root" --headless --script "$work/$script" --shots "$shots" --now "$now" \
		"$@" >"$work/out.json" 2>"$work/log.txt" &
	kiosk_pid=$!
}

kiosk_wait() { # the kiosk's status must be 0
	local rc=0
	wait "$kiosk_pid" || rc=$?
	kiosk_pid=""
	[[ $rc == 0 ]] || fail "kiosk exited $rc: $(cat "$work/log.txt")"
}

case $name in
full_disk_start)
	# A kiosk on a full disk starts degraded instead of exiting 1, and recovers.
	small_disk "$work/disk" 2m
	"$queue" --db "$work/disk/site.db" config "$root/assets/demo/site.ini" >/dev/null
	"$queue" --db "$work/disk/site.db" import "$root/assets/demo/registry.json" >/dev/null
	fill_disk "$work/disk"
	touch "$work/FLAG"
	kiosk_start full_disk_start.txt --db "$work/disk/site.db" --demo
	await_file "$shots/fault_ready.png"
	rm "$work/disk/fill" "$work/FLAG"
	kiosk_wait
	grep -q 'error store: site database: .*no space left in' "$work/log.txt" ||
		fail "the open failure was not logged with its reason: $(cat "$work/log.txt")"
	grep -q 'takes writes again' "$work/log.txt" || fail "no recovery logged"
	;;
degraded_dir)
	# The same without root: a database folder that appears later.
	touch "$work/FLAG"
	kiosk_start degraded_dir.txt --db "$work/later/site.db" --demo
	await_file "$shots/degraded_ready.png"
	mkdir "$work/later"
	rm "$work/FLAG"
	kiosk_wait
	;;
full_disk_write)
	# The disk fills under a running kiosk: the failed write is logged and shown to staff.
	small_disk "$work/disk" 2m
	touch "$work/FILLED" "$work/FREED"
	kiosk_start full_disk_write.txt --db "$work/disk/site.db" --demo
	await_file "$shots/write_ready.png"
	fill_disk "$work/disk"
	rm "$work/FILLED"
	await_file "$shots/write_failed_ready.png"
	rm "$work/disk/fill" "$work/FREED"
	kiosk_wait
	grep -q 'error store: check-in: database write failed: sqlite: database or disk is full' \
		"$work/log.txt" || fail "the failed write was not logged: $(cat "$work/log.txt")"
	;;
refused_closed)
	kiosk_run refused_closed.txt --db "$work/site.db" --config "$here/closed.ini" \
		--registry "$root/assets/demo/registry.json"
	;;
refused_women)
	kiosk_run refused_women.txt --db "$work/site.db" --config "$here/women.ini" \
		--registry "$root/assets/demo/registry.json"
	;;
refused_early)
	# The refusals after the nickname and after the birth year are recorded without a
	# substance or route, in the refusal table and as checkin.refused events.
	kiosk_run refused_early.txt --db "$work/site.db" --demo \
		--registry "$here/refused_early.json" >/dev/null
	q() { sqlite3 "$work/site.db" "$1"; }
	got=$(q "SELECT group_concat(reason, ' ') FROM (SELECT reason FROM refusal
		WHERE substance IS NULL AND route IS NULL ORDER BY id)")
	[[ $got == "quarantined no_consent underage" ]] || fail "refusal rows: '$got'"
	got=$(q "SELECT count(*) FROM outbox WHERE type = 'checkin.refused'
		AND json_type(payload, '$.substance') IS NULL AND json_type(payload, '$.route') IS NULL")
	[[ $got == 3 ]] || fail "$got checkin.refused events without substance and route, not 3"
	[[ $(q "SELECT count(*) FROM ticket") == 1 ]] || fail "not exactly one ticket (the third Ulla's)"
	;;
alert)
	kiosk_run alert.txt --db "$work/site.db" --config "$here/alert.ini" \
		--registry "$root/assets/demo/registry.json"
	;;
alert_danger)
	sed 's/^\[alert\]$/[alert]\nseverity = danger/' "$here/alert.ini" >"$work/danger.ini"
	kiosk_run alert_danger.txt --db "$work/site.db" --config "$work/danger.ini" \
		--registry "$root/assets/demo/registry.json" --renderer null
	;;
alert_timed)
	# The same alert, time-boxed: from/until added to its [alert] section.
	sed 's/^\[alert\]$/[alert]\nfrom = 2026-11-23T10:30:00Z\nuntil = 2026-11-23T11:00:00Z/' \
		"$here/alert.ini" >"$work/timed.ini"
	kiosk_run alert_timed.txt --db "$work/site.db" --config "$work/timed.ini" \
		--registry "$root/assets/demo/registry.json" --renderer null
	;;
content_alert)
	# A composed alert from a --content file beside the config's own [alert].
	kiosk_run content_alert.txt --db "$work/site.db" --config "$here/alert.ini" \
		--registry "$root/assets/demo/registry.json" --renderer null \
		--content "$here/content_alert.json"
	;;
content_info)
	# Three languages, so the rotation is da, en, ar.
	sed 's/^languages = .*/languages = da, en, ar/' "$root/assets/demo/site.ini" >"$work/three.ini"
	kiosk_run content_info.txt --db "$work/site.db" --config "$work/three.ini" \
		--registry "$root/assets/demo/registry.json" --content "$here/content_info.json" \
		>"$work/dump.json"
	# The QR the information screen drew says what the item carries.
	decoded=$(zbarimg --quiet --raw "$shots/info_da.png") || fail "zbar found no QR on the information screen"
	[[ $decoded == "https://example.org/naloxon" ]] || fail "the information screen's QR says '$decoded'"
	;;
content_display)
	sed 's/^languages = .*/languages = da, en, ar/' "$root/assets/demo/site.ini" >"$work/three.ini"
	"$queue" --db "$work/site.db" config "$work/three.ini" >/dev/null
	kiosk_run content_display.txt --db "$work/site.db" --display --content "$here/content_both.json"
	;;
content_landscape)
	sed 's/^languages = .*/languages = da, en, ar/' "$here/alert.ini" >"$work/three.ini"
	now=2026-11-23T10:30:00Z kiosk_run content_landscape.txt --db "$work/site.db" \
		--config "$work/three.ini" --registry "$root/assets/demo/registry.json" --size 1920x1080 \
		--content "$here/content_both.json"
	;;
content_display_land)
	sed 's/^languages = .*/languages = da, en, ar/' "$here/alert.ini" >"$work/three.ini"
	"$queue" --db "$work/site.db" config "$work/three.ini" >/dev/null
	"$queue" --db "$work/site.db" import "$root/assets/demo/registry.json" >/dev/null
	"$queue" --db "$work/site.db" --now 2026-11-23T10:30:00Z checkin u-0001 heroin inject >/dev/null
	now=2026-11-23T10:30:00Z kiosk_run content_display_land.txt --db "$work/site.db" --display \
		--size 1920x1080 --content "$here/content_both.json"
	;;
monkey_content)
	now=2026-11-23T10:30:00Z kiosk_run monkey_content.txt --demo --renderer null \
		--content "$here/content_both.json" >/dev/null 2>"$work/log.txt" ||
		fail "$(tail -20 "$work/log.txt")"
	grep -q '^monkey: .*screens reached:' "$work/log.txt" || fail "no monkey summary: $(tail -5 "$work/log.txt")"
	;;
content_bad)
	# A --content file that cannot be read stops the kiosk with the file and the field.
	printf '{"items": [{"id": 1, "kind": "info", "pictogram": "skull", "from": "2026-11-23T10:00:00Z", "until": "2026-11-23T12:00:00Z", "texts": {"da": {"title": "x", "body": "y"}}}]}' >"$work/bad.json"
	if kiosk_run idle.txt --demo --content "$work/bad.json" 2>"$work/err.txt"; then
		fail "a --content file with an unknown pictogram was taken"
	fi
	grep -q "bad.json: item 0: pictogram" "$work/err.txt" || fail "no clear error: $(cat "$work/err.txt")"
	printf '{"items": [' >"$work/broken.json"
	if kiosk_run idle.txt --demo --content "$work/broken.json" 2>"$work/err.txt"; then
		fail "a broken --content file was taken"
	fi
	grep -q "broken.json:1" "$work/err.txt" || fail "no clear error: $(cat "$work/err.txt")"
	;;
estimates)
	kiosk_run estimates.txt --db "$work/site.db" --config "$here/manual.ini" \
		--registry "$root/assets/demo/registry.json" --renderer null
	;;
staff_calls)
	kiosk_run staff_calls.txt --db "$work/site.db" --config "$here/manual.ini" \
		--registry "$root/assets/demo/registry.json"
	;;
landscape)
	kiosk_run landscape.txt --demo --size 1920x1080
	;;
search_more | search_typo | search_none)
	# Search on the nickname screen, portrait then landscape, on the demo site with eight
	# more users whose names start with "Sa".
	for size in 1080x1920 1920x1080; do
		shots=${ANK_UI_SHOTS:-$work/shots}/$size
		mkdir -p "$shots"
		kiosk_run $name.txt --db "$work/$size.db" --demo --size $size \
			--registry "$here/search_registry.json" >"$work/$size.json" ||
			fail "$size: the script failed"
	done
	if [[ $name == search_none ]]; then
		# The help text is a label of its own, not part of the hint line.
		grep -q '"id":"nickname.ask_staff"' "$work/1080x1920.json" ||
			fail "no nickname.ask_staff label in the dump"
	fi
	;;
help_request)
	# The help request in portrait and landscape; its events carry an id and nothing else.
	for size in 1080x1920 1920x1080; do
		shots=${ANK_UI_SHOTS:-$work/shots}/$size
		mkdir -p "$shots"
		kiosk_run help_request.txt --db "$work/$size.db" --demo --size $size \
			>"$work/$size.json" || fail "$size: the script failed"
		events=$("$queue" --db "$work/$size.db" events)
		asked=$(grep -c ' help\.requested ' <<<"$events" || true)
		answered=$(grep -c ' help\.answered ' <<<"$events" || true)
		[[ $asked == 2 && $answered == 1 ]] ||
			fail "$size: want 2 help.requested and 1 help.answered, got: $events"
		grep ' help\.' <<<"$events" | grep -qv '{"id":[0-9]*}$' &&
			fail "$size: a help event carries more than its id: $events"
		grep -q '"id":"staff.help.1.done"' "$work/$size.json" ||
			fail "$size: no done button for request 1 in the staff dump"
	done
	;;
staff_session | staff_no_show | staff_freeze)
	# The staff screen alone runs a visit; its commands reach the outbox as events.
	kiosk_run $name.txt --db "$work/site.db" --config "$here/manual.ini" \
		--registry "$root/assets/demo/registry.json" --renderer null >/dev/null
	events=$("$queue" --db "$work/site.db" events)
	want=() unwanted=()
	case $name in
	staff_session) want=(ticket.called session.started session.ended) ;;
	staff_no_show) want=(ticket.recalled ticket.no_show ticket.requeued) ;;
	staff_freeze) want=(ticket.called) unwanted=(site.frozen) ;;
	esac
	for type in "${want[@]}"; do
		grep -q " $type " <<<"$events" || fail "no $type in the outbox: $events"
	done
	for type in "${unwanted[@]}"; do
		! grep -q " $type " <<<"$events" || fail "$type in the outbox after 'no': $events"
	done
	;;
staff_pages)
	kiosk_run staff_pages.txt --db "$work/site.db" --config "$here/pages.ini" --renderer null
	;;
staff_pages_landscape)
	kiosk_run staff_pages_landscape.txt --db "$work/site.db" --config "$here/pages.ini" \
		--size 1920x1080 --renderer null
	;;
languages)
	# The welcome and a ticket in every shipped language (the README's and docs/screenshots'
	# pictures of the ten languages), each passing the layout check.
	for lang in $(cd "$root/i18n" && ls -- *.po | sed 's/\.po$//'); do
		sed "s/LANG/$lang/g" "$here/language_shots.txt" >"$work/$lang.txt"
		rm -f "$work/l.db"
		"$kiosk" --data "$root" --headless --script "$work/$lang.txt" --shots "$shots" \
			--now "$now" --db "$work/l.db" --demo >/dev/null 2>"$work/err.txt" ||
			fail "$lang: $(cat "$work/err.txt")"
	done
	;;
languages_offered)
	# The welcome offers the site's languages in the site's order, and only those.
	sed 's/^languages = .*/languages = sv, fa, da/' "$root/assets/demo/site.ini" >"$work/three.ini"
	printf 'dump\ntap-id welcome.checkin\ntap-id nickname.language\ndump\n' >"$work/offered.txt"
	out=$("$kiosk" --data "$root" --headless --script "$work/offered.txt" --now "$now" \
		--db "$work/o.db" --config "$work/three.ini" --registry "$root/assets/demo/registry.json")
	for screen in welcome language; do
		got=$(grep "\"screen\":\"$screen\"" <<<"$out" | grep -oE "\"$screen\.lang\.[a-z]+\"" |
			sed -E "s/\"$screen\.lang\.([a-z]+)\"/\1/" | tr '\n' ' ')
		[[ $got == "sv fa da " ]] || fail "$screen offers '$got', not the site's 'sv fa da '"
	done
	;;
arabic_landscape)
	out=$(kiosk_run arabic_landscape.txt --demo --size 1920x1080)
	# Right to left, the keyboard sits at the screen's right with its keys in Danish order
	# and the backspace at the row's end, which is the left: at or left of Q's column.
	x_of() { # x_of ID: the x of widget ID in the dump
		local r
		r=$(grep -o "\"id\":\"$1\"[^}]*\"rect\":\[[0-9]*" <<<"$out" | head -n 1)
		echo "${r##*[}"
	}
	bs=$(x_of nickname.backspace) q=$(x_of nickname.key.Q) m=$(x_of nickname.match.0)
	[[ -n $bs && -n $q && -n $m ]] || fail "no backspace, Q or match in the dump"
	((bs < q + 8)) || fail "the backspace (x $bs) is not at the row's right-to-left end (Q at $q)"
	((m < q)) || fail "the matches (x $m) are not at the left of the keyboard (Q at $q)"
	;;
layout_matrix)
	# The layout check (issue 11) over every screen x every shipped language x portrait and
	# landscape x with and without a drug alert, the longest nicknames in the registry and
	# every substance's name; and the closed site's welcome. A failing screen is written
	# as shots/layout-SCREEN-LANG-WxH.png (ANK_UI_SHOTS keeps them).
	langs=$(cd "$root/i18n" && ls -- *.po | sed 's/\.po$//' | tr '\n' ' ')
	all=$(tr ' ' ',' <<<"${langs% }")
	failed=0
	for config in "$root/assets/demo/site.ini" "$here/alert.ini" "$here/closed.ini"; do
		# Every shipped language offered, so each has its button on the welcome screen.
		sed "/^languages = /d; s/^\[site\]\$/[site]\nlanguages = $all/" "$config" >"$work/site.ini"
		script=layout_matrix.txt
		[[ $config != */closed.ini ]] || script=layout_closed.txt
		for lang in $langs; do
			sed "s/LANG/$lang/" "$here/$script" >"$work/$lang.txt"
			for size in 1080x1920 1920x1080; do
				rm -f "$work/m.db"
				"$kiosk" --data "$root" --headless --script "$work/$lang.txt" --shots "$shots" \
					--now "$now" --size "$size" --db "$work/m.db" --config "$work/site.ini" \
					--registry "$here/layout_registry.json" >/dev/null 2>"$work/err.txt" || {
					echo "layout: $(basename "$config") $lang $size:" >&2
					grep -v "the screen is in" "$work/err.txt" | head -n 8 >&2
					failed=$((failed + 1))
				}
			done
		done
	done
	[[ $failed == 0 ]] || fail "$failed of the matrix's runs broke the layout"
	# And the check can fail: the same run with a welcome title far too long for any box
	# (a catalog of its own in a copy of the data folder) must stop on it, with its picture.
	mkdir -p "$work/data"
	ln -s "$root/assets" "$work/data/assets"
	cp -r "$root/i18n" "$work/data/i18n"
	long=$(printf 'Velkommen %.0s' $(seq 60))
	# The entry after msgctxt "welcome.title": its msgid line, then its msgstr line.
	sed -i "/^msgctxt \"welcome.title\"\$/{n;n;s/^msgstr .*/msgstr \"$long\"/}" "$work/data/i18n/da.po"
	grep -q "Velkommen Velkommen" "$work/data/i18n/da.po" || fail "could not lengthen the title"
	sed "s/LANG/da/" "$here/layout_matrix.txt" >"$work/broken.txt"
	rm -f "$work/m.db"
	if "$kiosk" --data "$work/data" --headless --script "$work/broken.txt" --shots "$work/bshots" \
		--now "$now" --db "$work/m.db" --demo >/dev/null 2>"$work/err.txt"; then
		fail "the layout check passed a title that cannot fit"
	fi
	grep -q "text within its box: welcome.title" "$work/err.txt" ||
		fail "the broken title was not named: $(head -n 3 "$work/err.txt")"
	[[ -s $work/bshots/layout-welcome-da-1080x1920.png ]] || fail "no picture of the broken screen"
	;;
visit_layout)
	# The visit's screens in both orientations, with and without a drug alert (the whole
	# matrix of screens and languages is layout_matrix).
	for script in visit_layout.txt visit_layout_ar.txt; do
		for size in 1080x1920 1920x1080; do
			kiosk_run $script --demo --size $size >/dev/null || fail "$script $size"
			rm -f "$work/alert.db"
			kiosk_run $script --db "$work/alert.db" --config "$here/alert.ini" --size $size \
				--registry "$root/assets/demo/registry.json" >/dev/null ||
				fail "$script $size with the drug alert"
		done
	done
	;;
idle)
	out=$(kiosk_run idle.txt --demo)
	# The dump after the reset: no nickname, no typed letter anywhere on screen.
	if grep -q 'Sø\|Søren\|"Sø' <<<"$out"; then
		fail "the dump after the idle reset still shows typed text: $out"
	fi
	grep -q '"screen":"welcome"' <<<"$out" || fail "no welcome dump"
	;;
arabic)
	out=$(kiosk_run arabic.txt --demo)
	first=$(head -n 1 <<<"$out")
	grep -q '"direction":"rtl"' <<<"$first" || fail "welcome is not right-to-left"
	# Mirrored: the house-rules button sits at the left in Danish, at the right in Arabic.
	x=$(grep -o '"id":"welcome.rules","role":"button","text":"[^"]*","rect":\[[0-9]*' <<<"$first" |
		grep -o '[0-9]*$')
	[[ -n "$x" && "$x" -gt 500 ]] || fail "welcome.rules is not mirrored (x=$x)"
	grep -q 'مرحب' <<<"$first" || fail "no Arabic welcome text"
	;;
qr)
	kiosk_run checkin_inject.txt --db "$work/site.db" --demo >"$work/dump.json"
	decoded=$(zbarimg --quiet --raw "$shots/ticket.png") || fail "zbar found no QR in the ticket screenshot"
	grep -q "\"text\":\"$decoded\"" "$work/dump.json" || fail "decoded '$decoded' is not what the kiosk encoded"
	# Checked on the ticket's service day (the demo's virtual clock); exit 4 is "not valid".
	check() { "$queue" --db "$1" --now 2026-11-23T11:00:00Z verify-ticket "$2" || true; }
	check "$work/site.db" "$decoded" | grep -q '^valid: site demo ticket 1 day 2026-11-23 label I-001 state ' ||
		fail "the MAC of '$decoded' did not verify"
	# A forged ticket number with the old MAC, and another database's key, are refused.
	forged=${decoded/.1.2026/.2.2026}
	check "$work/site.db" "$forged" | grep -q '^invalid (mac)' || fail "forged reference accepted: $forged"
	"$queue" --db "$work/other.db" config "$root/assets/demo/site.ini" >/dev/null
	check "$work/other.db" "$decoded" | grep -q '^invalid (mac)' ||
		fail "another key accepted the reference"
	! grep -qi 'æblet\|u-0006' <<<"$decoded" || fail "the QR carries personal data: $decoded"
	;;
display)
	"$queue" --db "$work/site.db" config "$root/assets/demo/site.ini" >/dev/null
	"$queue" --db "$work/site.db" import "$root/assets/demo/registry.json" >/dev/null
	"$queue" --db "$work/site.db" --now "$now" checkin u-0001 heroin inject >/dev/null
	"$queue" --db "$work/site.db" --now "$now" checkin u-0006 heroin inject >/dev/null
	kiosk_run display.txt --db "$work/site.db" --display
	;;
speech_visit)
	# A check-in read aloud: one numbered WAV per utterance, 16-bit PCM, none silent; the
	# nickname is in none of them (speech.tsv holds what each said).
	kiosk_run speech_visit.txt --demo --speech-wav "$work/wav" >"$work/dump.json"
	n=$(find "$work/wav" -name '*.wav' | wc -l)
	[[ $n == 9 ]] || fail "$n WAV files, expected 9"
	for f in "$work"/wav/*.wav; do
		[[ $(head -c 4 "$f") == RIFF ]] || fail "$f is not a WAV file"
		(($(stat -c %s "$f") > 44 + 22050 / 10)) || fail "$f holds under 0.1 s"
	done
	! grep -q 'Æblet' "$work/wav/speech.tsv" || fail "the nickname was spoken"
	# Nor the letters typed on the keyboard: no utterance is a single character.
	! cut -f7 "$work/wav/speech.tsv" | grep -qx '.' || fail "a typed letter was spoken"
	grep -q '"id":"ticket.number","role":"label","text":"I-001".*"prompt":true' \
		"$work/dump.json" || fail "the dump does not mark the ticket number as prompt"
	grep -q '"spoken":"Dit nummer. I-001. Gå til plads 2 nu."' "$work/dump.json" ||
		fail "the dump's spoken prompt is not the ticket's number and station"
	;;
speech_fallback)
	# voice.da names no espeak-ng voice: the log says so once, Danish chimes, English speaks.
	sed 's/^\[hours\]/[speech]\nvoice.da = no-such-voice\n\n[hours]/' "$root/assets/demo/site.ini" \
		>"$work/voice.ini"
	kiosk_run speech_fallback.txt --config "$work/voice.ini" --speech-wav "$work/wav" \
		2>"$work/log.txt" || fail "kiosk exited $?: $(cat "$work/log.txt")"
	grep -q "no voice 'no-such-voice' for language da: the chime instead" "$work/log.txt" ||
		fail "no log line for the missing voice: $(cat "$work/log.txt")"
	kinds=$(cut -f2 "$work/wav/speech.tsv" | tr '\n' ' ')
	[[ $kinds == "chime chime en en " ]] || fail "chimes, then English: got $kinds"
	;;
speech_display)
	# The display's announcements with a three-language site: chime, da, en, ar for each
	# call, in that order, each starting when the one before ended.
	sed 's/^languages = .*/languages = da, en, ar/' "$root/assets/demo/site.ini" >"$work/three.ini"
	"$queue" --db "$work/site.db" config "$work/three.ini" >/dev/null
	"$queue" --db "$work/site.db" import "$root/assets/demo/registry.json" >/dev/null
	"$queue" --db "$work/site.db" --now "$now" checkin u-0001 heroin inject >/dev/null
	"$queue" --db "$work/site.db" --now "$now" checkin u-0006 heroin inject >/dev/null
	kiosk_run speech_display.txt --db "$work/site.db" --display --speech-wav "$work/wav"
	order=$(cut -f2 "$work/wav/speech.tsv" | tr '\n' ' ')
	[[ $order == "chime da en ar chime da en ar " ]] || fail "announced in order: $order"
	awk -F'\t' 'NR > 1 && $5 < end { print "line " NR " starts at " $5 " before " end; bad = 1 }
		{ end = $6 } END { exit bad }' "$work/wav/speech.tsv" || fail "announcements overlap"
	;;
display_freeze)
	# The display in a freeze and after resume, in portrait and landscape; the freeze and
	# resume are staff commands from another process on the same site.db, as the staff
	# kiosk's would be.
	# The demo site with three languages, so the display's turn through them (6 s each)
	# comes round to Arabic within the script.
	sed 's/^languages = .*/languages = da, en, ar/' "$root/assets/demo/site.ini" >"$work/three.ini"
	base=$shots
	for size in 1080x1920 1920x1080; do
		db=$work/$size.db shots=$base/$size
		mkdir -p "$shots"
		"$queue" --db "$db" config "$work/three.ini" >/dev/null
		"$queue" --db "$db" import "$root/assets/demo/registry.json" >/dev/null
		"$queue" --db "$db" --now "$now" checkin u-0001 heroin inject >/dev/null
		"$queue" --db "$db" --now "$now" checkin u-0006 heroin inject >/dev/null
		touch "$work/FROZEN" "$work/RESUMED"
		kiosk_start display_freeze.txt --db "$db" --display --size "$size"
		await_file "$shots/display_calling.png"
		"$queue" --db "$db" --now "$now" cmd freeze >/dev/null
		rm "$work/FROZEN"
		await_file "$shots/display_frozen_ar.png"
		"$queue" --db "$db" --now "$now" cmd resume >/dev/null
		rm "$work/RESUMED"
		kiosk_wait
	done
	;;
screens)
	# Key screens against reference PNGs, with a tolerance; NAME_err.png on mismatch.
	# A fixed ticket key makes the QR, and so the ticket screen, the same every run.
	"$queue" --db "$work/site.db" config "$root/assets/demo/site.ini" >/dev/null
	sqlite3 "$work/site.db" "INSERT INTO meta(key, value) VALUES ('ticket_key',
		'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')"
	kiosk_run all_screens.txt --db "$work/site.db" --demo
	[[ -n "$pngdiff" ]] || fail "no pngdiff tool"
	status=0
	for ref in "$here"/ref/*.png; do
		shot=$shots/$(basename "$ref")
		"$pngdiff" "$ref" "$shot" "${ANK_UI_ERR_DIR:-$root/build}/$(basename "$ref" .png)_err.png" ||
			status=1
	done
	exit $status
	;;
monkey)
	# The null renderer: the toolkit and screens run, no pixels. The walk must get past
	# the nickname search to the later screens, or it tests little.
	# Portrait with monkey.txt, then a shorter walk in landscape.
	for size in 1080x1920 1920x1080; do
		script=monkey.txt
		[[ $size == 1080x1920 ]] || script=monkey_landscape.txt
		log=$(kiosk_run $script --demo --renderer null --size $size 2>&1) || fail "$log"
		reached=$(grep '^monkey: .*screens reached:' <<<"$log") || fail "no monkey summary: $log"
		for screen in substance route ticket staff; do
			grep -q " $screen=" <<<"$reached" || fail "$size: the walk never reached $screen: $reached"
		done
		echo "$size $reached"
	done
	;;
monkey_fails)
	# The checks can fail: at 800x600 the PIN pad does not fit, and the monkey must say
	# which invariant broke, with its seed, and fail the script.
	if log=$(kiosk_run monkey_fails.txt --demo --renderer null --size 800x600 2>&1); then
		fail "the monkey passed on a screen too small for the layout: $log"
	fi
	grep -q "^monkey: invariant 'widget within the screen' broken after step [0-9]* of 50 (seed 9)" <<<"$log" ||
		fail "no clear invariant failure: $log"
	;;
monkey_soak)
	# Manual: the long walk with the real renderer (pixels, text cache, icons).
	kiosk_run monkey_soak.txt --demo
	;;
*)
	[[ -f "$here/$name.txt" ]] || fail "no such UI test"
	kiosk_run "$name.txt" --demo
	;;
esac
echo "ok $name"
