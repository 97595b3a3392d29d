#!/usr/bin/env bash
# Runs one named UI test: the real kiosk binary, headless, on a script from this folder,
# plus the checks a script cannot make (QR decoding, dumps, reference screenshots).
set -euo pipefail
name=$1 kiosk=$2 queue=$3 root=$4 pngdiff=${5:-}
here=$root/tests/ui
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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

case $name in
refused_closed)
	kiosk_run refused_closed.txt --db "$work/site.db" --config "$here/closed.ini" \
		--registry "$root/assets/demo/registry.json"
	;;
refused_women)
	kiosk_run refused_women.txt --db "$work/site.db" --config "$here/women.ini" \
		--registry "$root/assets/demo/registry.json"
	;;
alert)
	kiosk_run alert.txt --db "$work/site.db" --config "$here/alert.ini" \
		--registry "$root/assets/demo/registry.json"
	;;
staff_calls)
	kiosk_run staff_calls.txt --db "$work/site.db" --config "$here/manual.ini" \
		--registry "$root/assets/demo/registry.json"
	;;
landscape)
	kiosk_run landscape.txt --demo --size 1920x1080
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
	"$queue" --db "$work/site.db" verify-ticket "$decoded" | grep -q '^valid: site demo ticket 1 day 2026-11-23 label I-001$' ||
		fail "the MAC of '$decoded' did not verify"
	# A forged ticket number with the old MAC, and another site's key, are refused.
	forged=${decoded/.1.2026/.2.2026}
	if "$queue" --db "$work/site.db" verify-ticket "$forged" >/dev/null; then
		fail "forged reference accepted: $forged"
	fi
	if "$queue" --db "$work/other.db" verify-ticket "$decoded" >/dev/null; then
		fail "another site's key accepted the reference"
	fi
	! grep -qi 'æblet\|u-0006' <<<"$decoded" || fail "the QR carries personal data: $decoded"
	;;
display)
	"$queue" --db "$work/site.db" config "$root/assets/demo/site.ini" >/dev/null
	"$queue" --db "$work/site.db" import "$root/assets/demo/registry.json" >/dev/null
	"$queue" --db "$work/site.db" --now "$now" checkin u-0001 heroin inject >/dev/null
	"$queue" --db "$work/site.db" --now "$now" checkin u-0006 heroin inject >/dev/null
	kiosk_run display.txt --db "$work/site.db" --display
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
