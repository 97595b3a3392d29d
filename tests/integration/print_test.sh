#!/usr/bin/env bash
# Receipt printing against the fake printer (tests/fakeprinter) on loopback TCP (a network
# printer's port 9100) and on a pty (the USB path), through ankomst-print, which runs the
# kiosk's own worker, layout, renderer and confirmation (kiosk/print). Each case is a
# must-show line of issue 15: a normal ticket whose QR decodes from the printed PNG, an
# Arabic ticket matching its reference raster, paper out / cover open / no completion
# refused or reported and nothing printed later by itself, a near-end warning, and a
# network printer that disappears mid-job.
# Usage: print_test.sh ANKOMST_PRINT FAKEPRINTER PNGDIFF SOURCE_DIR
set -u
export LC_ALL=C.UTF-8
print_bin=$1 fake_bin=$2 pngdiff=$3 root=$4
dir=$(mktemp -d)
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
cleanup()
{
	exec 3>&- 2>/dev/null
	[[ -n "${fake_pid:-}" ]] && kill "$fake_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
mkfifo "$dir/ctl"
"$fake_bin" --out "$dir" --pty <"$dir/ctl" >"$dir/out" 2>"$dir/err" &
fake_pid=$!
exec 3>"$dir/ctl"
for _ in $(seq 50); do grep -q '^ready' "$dir/out" && break; sleep 0.1; done
port=$(awk '/^port/{print $2}' "$dir/out")
pty=$(awk '/^pty/{print $2}' "$dir/out")
[[ -n "$port" && -n "$pty" ]] || { echo "FAIL fake printer did not start"; cat "$dir/err"; exit 1; }
tcp=tcp:127.0.0.1:$port

# ctl LINE: a control line to the fake printer, acknowledged before the next step.
acks=0
ctl()
{
	echo "$1" >&3
	acks=$((acks + 1))
	for _ in $(seq 50); do
		[[ $(grep -c '^ok ' "$dir/out") -ge $acks ]] && return 0
		sleep 0.05
	done
	echo "FAIL fake printer did not take '$1'"
	return 1
}
pages() { grep -c '^page ' "$dir/out"; }
# run NAME ARGS...: ankomst-print's output into $dir/NAME.txt, its exit status in $rc.
run()
{
	local name=$1
	shift
	"$print_bin" --data "$root" --time 12:00 "$@" >"$dir/$name.txt" 2>"$dir/$name.err"
	rc=$?
}
field() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$dir/$1.txt"; }
last_png() { awk '/^page /{p=$3} END{print p}' "$dir/out"; }

# 1. A normal ticket on the network printer: confirmed (GS ( H), and its QR decodes.
qr='ANK1.demo.2026-12-02.12.A-12.print-test'
run normal --device "$tcp" --lang en --label A-12 --qr "$qr" ticket
if [[ $rc -eq 0 && $(field normal result) == ok && $(pages) -eq 1 ]] &&
	[[ $(zbarimg -q --raw "$(last_png)" 2>/dev/null) == "$qr" ]]; then
	ok "normal ticket over TCP: confirmed, QR decodes from the printed PNG"
else
	fail "normal ticket: rc $rc, $(cat "$dir/normal.txt" "$dir/normal.err")"
fi

# 2. The QR as raster (a printer without GS ( k) and the end confirmed by GS r 1.
run raster --device "$tcp" --lang da --label A-13 --qr "$qr" --raster-qr --confirm status ticket
if [[ $rc -eq 0 && $(zbarimg -q --raw "$(last_png)" 2>/dev/null) == "$qr" ]]; then
	ok "raster QR, status confirmation: decodes"
else
	fail "raster QR: rc $rc, $(cat "$dir/raster.txt" "$dir/raster.err")"
fi

# 3. An Arabic ticket on the USB path (pty): shaped by the kiosk's renderer into raster
# bands, matching its reference (tests/print/ref/ticket_ar.png).
ref=$root/tests/print/ref/ticket_ar.png
run arabic --device "$pty" --lang ar --label B-7 --station 3 --qr "$qr" ticket
png=$(last_png)
if [[ $rc -ne 0 ]]; then
	fail "arabic ticket: rc $rc, $(cat "$dir/arabic.txt" "$dir/arabic.err")"
elif [[ ! -f "$ref" && -n "${ANK_PRINT_NEW_REFS:-}" ]]; then
	cp "$png" "$ref" && ok "arabic ticket: new reference written to $ref"
elif "$pngdiff" "$ref" "$png" "${ANK_UI_ERR_DIR:-$dir}/ticket_ar_err.png" >/dev/null; then
	ok "arabic ticket over the pty: matches its reference raster"
else
	fail "arabic ticket differs from $ref"
fi

# 4. Paper out before printing: refused, nothing sent; paper loaded afterwards prints
# nothing by itself.
before=$(pages)
ctl "paper end"
run paper --device "$tcp" --lang en --label A-14 ticket
if [[ $rc -eq 3 && $(field paper result) == paper_end && $(field paper paper_end) == 1 ]]; then
	ok "paper out: refused before printing (paper_end)"
else
	fail "paper out: rc $rc, $(cat "$dir/paper.txt")"
fi
ctl "paper ok"
sleep 1.5
if [[ $(pages) -eq $before ]]; then
	ok "paper loaded afterwards: nothing printed by itself"
else
	fail "paper loaded afterwards: $(($(pages) - before)) ticket(s) came out"
fi

# 5. Cover open and offline: refused.
ctl "cover open"
run cover --device "$pty" --lang en ticket
[[ $rc -eq 3 && $(field cover result) == cover_open ]] && ok "cover open: refused" ||
	fail "cover open: rc $rc, $(cat "$dir/cover.txt")"
ctl "cover shut"

# 6. No completion: the job is sent but its end never confirmed within the timeout.
ctl "complete off"
start=$(date +%s%N)
run nocomp --device "$tcp" --lang en --label A-15 --timeout 1500 ticket
took=$((($(date +%s%N) - start) / 1000000))
if [[ $rc -eq 3 && $(field nocomp result) == unconfirmed && $took -lt 5000 ]]; then
	ok "no completion: unconfirmed after the timeout (${took} ms)"
else
	fail "no completion: rc $rc in ${took} ms, $(cat "$dir/nocomp.txt")"
fi
ctl "complete on"

# 7. Paper near end: printed, and the state says so (the staff warning).
ctl "paper near"
run near --device "$tcp" --lang en ticket
if [[ $rc -eq 0 && $(field near near_end) == 1 && $(field near online) == 1 ]]; then
	ok "paper near end: printed with the near-end warning"
else
	fail "near end: rc $rc, $(cat "$dir/near.txt")"
fi
ctl "paper ok"

# 8. A network printer that disappears mid-job: lost, then unreachable, then back.
before=$(pages)
ctl "vanish 100"
run vanish --device "$tcp" --lang ar --label A-16 ticket
if [[ $rc -eq 3 && $(field vanish result) == lost && $(field vanish online) == 0 ]]; then
	ok "printer gone mid-job: reported lost, offline"
else
	fail "vanish: rc $rc, $(cat "$dir/vanish.txt")"
fi
run gone --device "$tcp" status
[[ $rc -eq 3 ]] && ok "printer gone: status says $(field gone result)" ||
	fail "gone: rc $rc, $(cat "$dir/gone.txt")"
ctl "back"
run backst --device "$tcp" status
[[ $rc -eq 0 && $(field backst result) == ok ]] && ok "printer back: status ok" ||
	fail "back: rc $rc, $(cat "$dir/backst.txt")"
[[ $(pages) -eq $before ]] && ok "after the lost job: nothing printed by itself" ||
	fail "after the lost job: $(($(pages) - before)) ticket(s) came out"

# 9. Paper runs out part way through a ticket (a printer that keeps the rest and would print
# it when paper is loaded): not confirmed, reported as paper end, the printer's buffers
# cleared; paper loaded afterwards prints nothing.
before=$(pages)
ctl "runout 100"
run runout --device "$tcp" --lang en --label A-17 --timeout 1500 ticket
if [[ $rc -eq 3 && $(field runout result) == paper_end ]]; then
	ok "paper out mid-ticket: reported paper_end"
else
	fail "runout: rc $rc, $(cat "$dir/runout.txt")"
fi
ctl "paper ok"
sleep 1
[[ $(pages) -eq $before ]] && grep -q 'buffers cleared' "$dir/err" &&
	ok "paper loaded after a ticket cut short: the rest was cleared, nothing printed" ||
	fail "after the runout: $(($(pages) - before)) ticket(s) came out"

# 10. Bad input: a device name that is neither tcp:HOST:PORT nor a path, and nothing there.
run bad --device lp0 status
[[ $rc -eq 3 && $(field bad result) == no_printer && -n $(field bad error) ]] &&
	ok "bad device name: a clear error" || fail "bad device: rc $rc, $(cat "$dir/bad.txt")"
run none --device /nonexistent/lp0 status
[[ $rc -eq 3 && $(field none result) == unreachable ]] && ok "missing device: unreachable" ||
	fail "missing device: rc $rc, $(cat "$dir/none.txt")"

# Every raster band the kiosk sent was a multiple of 8 rows high.
grep -q 'not a multiple of 8' "$dir/err" && fail "a raster band was not a multiple of 8 rows" ||
	ok "raster bands: every one a multiple of 8 rows"

if [[ $fails -gt 0 ]]; then
	echo "--- fake printer stderr"
	cat "$dir/err"
	exit 1
fi
