#!/usr/bin/env bash
# Runs one printing UI test: the real headless kiosk on a script of this folder, at a site
# whose [printer] is the fake printer (tests/fakeprinter) on a loopback port, plus what a
# script cannot check: the printed PNG's QR (zbarimg) or its raster against a reference,
# the fake's page count (nothing printed by itself), and the outbox's events.
# Usage: print_ui.sh NAME KIOSK QUEUE FAKEPRINTER PNGDIFF SOURCE_DIR
set -euo pipefail
name=$1 kiosk=$2 queue=$3 fake=$4 pngdiff=$5 root=$6
here=$root/tests/ui
work=$(mktemp -d)
fake_pid="" kiosk_pid=""
cleanup() {
	exec 3>&- 2>/dev/null || true
	[[ -z "$kiosk_pid" ]] || kill "$kiosk_pid" 2>/dev/null || true
	[[ -z "$fake_pid" ]] || kill "$fake_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL $name: $*" >&2
	[[ -f "$work/log.txt" ]] && tail -n 20 "$work/log.txt" >&2
	exit 1
}
now=2026-11-23T10:00:00Z
shots=${ANK_UI_SHOTS:-$work/shots}
mkdir -p "$shots" "$work/paper"

# The fake printer, and a control line to it acknowledged before the next step.
mkfifo "$work/ctl"
"$fake" --out "$work/paper" <"$work/ctl" >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
exec 3>"$work/ctl"
for _ in $(seq 50); do grep -q '^ready' "$work/fake.out" && break; sleep 0.1; done
port=$(awk '/^port/{print $2}' "$work/fake.out")
[[ -n "$port" ]] || fail "the fake printer did not start"
acks=0
ctl() {
	echo "$1" >&3
	acks=$((acks + 1))
	for _ in $(seq 50); do
		[[ $(grep -c '^ok ' "$work/fake.out") -ge $acks ]] && return 0
		sleep 0.05
	done
	fail "the fake printer did not take '$1'"
}
pages() { grep -c '^page ' "$work/fake.out" || true; }
last_png() { awk '/^page /{p=$3} END{print p}' "$work/fake.out"; }
events() { "$queue" --db "$work/site.db" events; }
count() { grep -c " $1 " <<<"$(events)" || true; }

# The demo site with the fake printer; a short confirmation timeout keeps the
# no-completion case quick.
{
	cat "$root/assets/demo/site.ini"
	printf '\n[printer]\ndevice = tcp:127.0.0.1:%s\ntimeout_ms = 1500\n' "$port"
} >"$work/print.ini"
kiosk_args=(--data "$root" --headless --shots "$shots" --now "$now" --db "$work/site.db"
	--config "$work/print.ini" --registry "$root/assets/demo/registry.json")
run_script() { # run_script SCRIPT: the kiosk on it, in the foreground
	"$kiosk" "${kiosk_args[@]}" --script "$here/$1" >"$work/out.json" 2>"$work/log.txt" ||
		fail "the script failed"
}

case $name in
print_ok)
	run_script print_ok.txt
	[[ $(pages) == 1 ]] || fail "$(pages) tickets printed, not 1"
	qr=$(zbarimg -q --raw "$(last_png)" 2>/dev/null) || fail "no QR decodes from $(last_png)"
	[[ $qr == *.R-001.* ]] || fail "the printed QR says '$qr'"
	[[ $(count ticket.issued) == 1 && $(count ticket.print_failed) == 0 ]] ||
		fail "events: $(events)"
	;;
print_arabic)
	run_script print_arabic.txt
	[[ $(pages) == 1 ]] || fail "$(pages) tickets printed, not 1"
	# The raster bands alone (the fake writes them beside the ticket): the QR's MAC uses
	# this database's own key, so the whole ticket differs from run to run.
	ref=$root/tests/print/ref/kiosk_ticket_ar_raster.png
	raster=$(last_png)
	raster=${raster%.png}-raster.png
	[[ -f "$raster" ]] || fail "no raster bands in the Arabic ticket"
	if [[ ! -f "$ref" && -n "${ANK_PRINT_NEW_REFS:-}" ]]; then
		cp "$raster" "$ref"
	fi
	"$pngdiff" "$ref" "$raster" "${ANK_UI_ERR_DIR:-$work}/kiosk_ticket_ar_err.png" >/dev/null ||
		fail "the Arabic raster differs from $ref"
	zbarimg -q --raw "$(last_png)" >/dev/null 2>&1 || fail "no QR decodes from the Arabic ticket"
	;;
print_paper_out)
	ctl "paper end"
	touch "$work/LOADED" "$work/REPRINT"
	sed "s|@\([A-Z]*\)@|$work/\1|g" "$here/print_paper_out.txt" >"$work/script.txt"
	"$kiosk" "${kiosk_args[@]}" --script "$work/script.txt" >"$work/out.json" \
		2>"$work/log.txt" &
	kiosk_pid=$!
	for _ in $(seq 600); do
		[[ -e "$shots/print_staff.png" ]] && break
		kill -0 "$kiosk_pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -e "$shots/print_staff.png" ]] || fail "the staff screen never came up"
	[[ $(pages) == 0 ]] || fail "a ticket came out while the paper was out"
	# Paper loaded: the kiosk goes on with its checks; nothing may come out by itself.
	ctl "paper ok"
	rm "$work/LOADED"
	for _ in $(seq 600); do
		[[ -e "$shots/print_ready.png" ]] && break
		kill -0 "$kiosk_pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -e "$shots/print_ready.png" ]] || fail "the staff screen did not show the printer ready"
	sleep 1
	[[ $(pages) == 0 ]] || fail "$(pages) ticket(s) printed by themselves after the paper was loaded"
	rm "$work/REPRINT"
	rc=0
	wait "$kiosk_pid" || rc=$?
	kiosk_pid=""
	[[ $rc == 0 ]] || fail "kiosk exited $rc"
	[[ $(pages) == 1 ]] || fail "staff's reprint printed $(pages) tickets, not 1"
	qr=$(zbarimg -q --raw "$(last_png)" 2>/dev/null) || fail "no QR decodes from the reprint"
	[[ $qr == *.R-001.* ]] || fail "the reprint's QR says '$qr'"
	[[ $(count ticket.issued) == 1 && $(count ticket.print_failed) == 0 ]] ||
		fail "kept ticket: events $(events)"
	;;
print_cancel)
	ctl "paper end"
	run_script print_cancel.txt
	[[ $(count ticket.issued) == 0 && $(count ticket.print_failed) == 1 ]] ||
		fail "events: $(events)"
	grep ' ticket\.print_failed ' <<<"$(events)" | grep -q '"reason":"paper_end"' ||
		fail "no paper_end reason: $(events)"
	for t in ticket.called ticket.no_show; do
		[[ $(count $t) == 0 ]] || fail "the cancelled ticket has $t"
	done
	;;
print_runout)
	# The roll ends part way through the ticket: the calm screen, the ticket cancelled with
	# paper_end, and paper loaded afterwards finishes nothing (the kiosk cleared the
	# printer's buffers).
	ctl "runout 400"
	run_script print_cancel.txt
	[[ $(count ticket.issued) == 0 && $(count ticket.print_failed) == 1 ]] ||
		fail "events: $(events)"
	grep ' ticket\.print_failed ' <<<"$(events)" | grep -q '"reason":"paper_end"' ||
		fail "no paper_end reason: $(grep print_failed <<<"$(events)") $(cat "$work/fake.err")"
	ctl "paper ok"
	sleep 1
	[[ $(pages) == 0 ]] || fail "$(pages) ticket(s) came out after the paper was loaded"
	grep -q 'buffers cleared' "$work/fake.err" || fail "the printer's buffers were not cleared"
	;;
print_languages)
	# The failed-print screen in every shipped language, portrait and landscape.
	ctl "paper end"
	for size in 1080x1920 1920x1080; do
		for lang in $(cd "$root/i18n" && ls -- *.po | sed 's/\.po$//'); do
			sed "s/LANG/$lang/g" "$here/print_languages.txt" >"$work/lang.txt"
			rm -f "$work/site.db" "$work/site.db-wal" "$work/site.db-shm"
			"$kiosk" "${kiosk_args[@]}" --size "$size" --script "$work/lang.txt" \
				>/dev/null 2>"$work/log.txt" || fail "$lang $size: the layout check failed"
		done
	done
	;;
print_removed)
	touch "$work/CFG"
	sed "s|@\([A-Z]*\)@|$work/\1|g" "$here/print_removed.txt" >"$work/script.txt"
	"$kiosk" "${kiosk_args[@]}" --script "$work/script.txt" >"$work/out.json" \
		2>"$work/log.txt" &
	kiosk_pid=$!
	# The kiosk has started (its config applied, the printer checked) when it takes its shot.
	for _ in $(seq 600); do
		[[ -e "$shots/removed_started.png" ]] && break
		kill -0 "$kiosk_pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -e "$shots/removed_started.png" ]] || fail "the kiosk did not start"
	"$queue" --db "$work/site.db" config "$root/assets/demo/site.ini" >/dev/null ||
		fail "the config without [printer] was not applied"
	rm "$work/CFG"
	rc=0
	wait "$kiosk_pid" || rc=$?
	kiosk_pid=""
	[[ $rc == 0 ]] || fail "kiosk exited $rc"
	[[ $(pages) == 0 ]] || fail "$(pages) ticket(s) printed without a printer in the config"
	[[ $(count ticket.issued) == 1 && $(count site.config) == 2 ]] || fail "events: $(events)"
	;;
print_no_completion)
	ctl "complete off"
	run_script print_no_completion.txt
	[[ $(count ticket.issued) == 1 && $(count ticket.print_failed) == 1 ]] ||
		fail "events: $(events)"
	grep ' ticket\.print_failed ' <<<"$(events)" | grep -q '"reason":"unconfirmed"' ||
		fail "no unconfirmed reason: $(events)"
	;;
print_near_end)
	ctl "paper near"
	run_script print_near_end.txt
	[[ $(pages) == 1 ]] || fail "$(pages) tickets printed, not 1"
	;;
print_vanish)
	ctl "vanish 100"
	run_script print_vanish.txt
	[[ $(pages) == 0 ]] || fail "a ticket came out of a printer that went away"
	[[ $(count ticket.issued) == 1 ]] || fail "events: $(events)"
	;;
*)
	fail "no such printing test"
	;;
esac
echo "ok $name"
