#!/usr/bin/env bash
# The kiosk's sync over TLS with a private CA made here: pairing verifies central's
# certificate (refused without the CA and with another CA), and a paired kiosk's events
# reach central over https.
# Usage: sync_tls_test.sh ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR
set -euo pipefail
# shellcheck source=lib.sh
source "$4/tests/integration/lib.sh" "$@"

# A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated second CA.
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
	-subj "/CN=Ankomst test CA" 2>/dev/null
openssl req -x509 "${ec[@]}" -keyout "$dir/other.key" -out "$dir/other.pem" -days 2 \
	-subj "/CN=Some other CA" 2>/dev/null
openssl req "${ec[@]}" -keyout "$dir/server.key" -out "$dir/server.csr" \
	-subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1\n' >"$dir/ext.cnf"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
	-CAcreateserial -out "$dir/server.pem" -days 2 -extfile "$dir/ext.cnf" 2>/dev/null

"$central_bin" migrate --db "$cdb" >/dev/null
"$central_bin" add-site --db "$cdb" --site demo --name Demo --municipality 101 >/dev/null 2>&1
code=$("$central_bin" pair-kiosk --db "$cdb" --site demo)
"$central_bin" serve --db "$cdb" --listen 127.0.0.1:0 --port-file "$dir/port" \
	--tls-cert "$dir/server.pem" --tls-key "$dir/server.key" 2>"$dir/central.log" &
pids+=($!)
url=https://127.0.0.1:$(wait_port "$dir/port")
q config "$root/assets/demo/site.ini" >/dev/null
"$queue_bin" --db "$sdb" import "$root/assets/demo/registry.json" >/dev/null

# The code is spent only by a pairing that succeeds, so the failures can go first.
if "$kiosk_bin" --db "$sdb" --pair "$url" "$code" >"$dir/out" 2>&1; then
	fail "pairing trusted a certificate from an unknown CA"
elif grep -qi "certificate\|SSL" "$dir/out"; then
	ok "without the CA, pairing refuses central's certificate"
else
	fail "without the CA: $(cat "$dir/out")"
fi
if "$kiosk_bin" --db "$sdb" --pair "$url" "$code" --ca "$dir/other.pem" >"$dir/out" 2>&1; then
	fail "pairing trusted a certificate from another CA"
else
	ok "with another CA, pairing refuses central's certificate"
fi
[[ ! -e $sdb.token ]] && ok "no token file after failed pairings" || fail "a token file was left"
if "$kiosk_bin" --db "$sdb" --pair "$url" "$code" --ca "$dir/ca.pem" >"$dir/out" 2>&1; then
	ok "with the right CA, pairing over TLS works"
else
	fail "pairing with the CA: $(cat "$dir/out")"
fi

"$kiosk_bin" --db "$sdb" --sync-only 2>"$dir/kiosk.log" &
pids+=($!)
"$queue_bin" --db "$sdb" --now 2026-11-23T11:00:00Z checkin u-0001 heroin inject >/dev/null
want=$(sqlite3 "$sdb" "SELECT max(seq) FROM outbox")
have=0
for _ in $(seq 100); do
	have=$(sqlite3 "$cdb" "SELECT count(*) FROM event")
	[[ $have == "$want" ]] && break
	sleep 0.1
done
[[ $have == "$want" ]] && ok "events reach central over TLS ($have)" ||
	fail "central holds $have of $want events over TLS"

echo "sync_tls_test: $fails failure(s)"
((fails)) && tail -5 "$dir/kiosk.log" "$dir/central.log"
exit $((fails > 0))
