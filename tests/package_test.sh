#!/usr/bin/env bash
# The package test: builds the .debs with CPack from an install build (a build dir of its own,
# /usr prefix, data in /usr/share/ankomst), checks them with lintian at warning level,
# installs them with dpkg -i on this machine (it must be root; Debian 12 is what they are for),
# checks the installed units with systemd-analyze verify and the central unit's exposure
# (at most 2.0 in security --offline), runs the installed ankomst-central --version and
# ankomst-kiosk --version (the launcher finding its library in /usr/lib/ankomst), checks the
# modes of /var/lib/ankomst and /etc/ankomst, then purges the packages and checks that their
# files are gone. The ankomst user stays after purge, as Debian leaves system users.
# Usage: package_test.sh SOURCE_DIR WORK_DIR. Exit 77 (skipped): not root, no dpkg, or
# ankomst packages already installed here (the test does not replace what an operator put).
set -euo pipefail
src=$1 work=$2
# The exposure of ankomst-central.service may not exceed this (issue 15).
MAX_EXPOSURE=2.0
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

[[ $(id -u) == 0 ]] || { echo "skipped: dpkg -i needs root"; exit 77; }
for tool in dpkg dpkg-deb lintian systemd-analyze cpack; do
	command -v $tool >/dev/null || { echo "skipped: no $tool (scripts/install-deps)"; exit 77; }
done
pkgs=(ankomst-central ankomst-kiosk ankomst-queue ankomst-common)
for p in "${pkgs[@]}"; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
		echo "skipped: $p is already installed on this machine"
		exit 77
	fi
done

mkdir -p "$work"
rm -f "$work"/*.deb
cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
	-DANK_INSTALL_DATA_DIR=/usr/share/ankomst -DANK_TESTS=OFF >"$work/configure.log"
cmake --build "$work" -j2 >"$work/build.log" || { tail -30 "$work/build.log"; exit 1; }
(cd "$work" && cpack -G DEB >cpack.log) || { tail -30 "$work/cpack.log"; exit 1; }
debs=()
for p in "${pkgs[@]}"; do
	f=$(ls "$work/${p}_"*.deb 2>/dev/null | head -1)
	[[ -n "$f" ]] && ok "built $(basename "$f")" || bad "no .deb for $p"
	debs+=("$f")
done
[[ $fail == 0 ]] || exit 1

# Shared libraries found by dpkg-shlibdeps, not written by hand.
dep=$(dpkg-deb -f "$work"/ankomst-central_*.deb Depends)
[[ "$dep" == *libmicrohttpd* && "$dep" == *libsqlite3* ]] && ok "central depends: $dep" ||
	bad "central's Depends lacks its libraries: $dep"
conf=$(dpkg-deb --ctrl-tarfile "$work"/ankomst-central_*.deb | tar -xO ./conffiles)
[[ "$conf" == /etc/ankomst/central.ini ]] && ok "central.ini is a conffile" ||
	bad "conffiles: $conf"

if lintian --fail-on warning "${debs[@]}" >"$work/lintian.log" 2>&1; then
	ok "lintian clean at warning level"
else
	bad "lintian:"
	grep -v 'root privileges' "$work/lintian.log"
fi

remove() { dpkg --purge "${pkgs[@]}" >"$work/purge.log" 2>&1; }
trap remove EXIT
if ! dpkg -i "${debs[@]}" >"$work/install.log" 2>&1; then
	bad "dpkg -i:"
	tail -20 "$work/install.log"
	exit 1
fi
ok "dpkg -i installed ${pkgs[*]}"

v=$(/usr/bin/ankomst-central --version)
[[ "$v" == "ankomst-central "* ]] && ok "installed: $v" || bad "ankomst-central --version: $v"
v=$(env -u ANK_KIOSK_LIB /usr/bin/ankomst-kiosk --version 2>&1)
[[ "$v" == "ankomst-kiosk "* ]] && ok "installed: $v" || bad "ankomst-kiosk --version: $v"
v=$(/usr/bin/ankomst-queue --version)
[[ "$v" == "ankomst-queue "* ]] && ok "installed: $v" || bad "ankomst-queue --version: $v"
# A man page per program, made from its --help: the NAME line and the usage are there.
for b in ankomst-central ankomst-kiosk ankomst-queue ankomst-print; do
	page=/usr/share/man/man1/$b.1.gz
	if [[ -f $page ]] && zcat "$page" | grep -q "^$b \\\\- " &&
		zcat "$page" | grep -qF -- '\-\-help'; then
		ok "man page $page"
	else
		bad "no man page for $b (help2man: scripts/install-deps)"
	fi
done
# The installed kiosk reads the installed data (demo config, catalogs, fonts): a headless run
# of the welcome screen with the real renderer and its layout check.
tmp=$(mktemp -d)
printf 'expect-screen welcome\nexpect-layout\n' >"$tmp/script"
if env -u ANK_KIOSK_LIB /usr/bin/ankomst-kiosk --demo --db "$tmp/site.db" --headless \
	--script "$tmp/script" >"$tmp/run.log" 2>&1; then
	ok "installed kiosk runs headless with /usr/share/ankomst"
else
	bad "installed kiosk headless run: $(tail -3 "$tmp/run.log")"
fi
rm -rf "$tmp"
# An install build reads /usr/share/ankomst, not the source tree it was built from.
for f in /usr/bin/ankomst-central /usr/lib/ankomst/libankomst-kiosk.so; do
	grep -q /usr/share/ankomst "$f" && ok "$f reads /usr/share/ankomst" ||
		bad "$f does not name /usr/share/ankomst"
done

getent passwd ankomst >/dev/null && ok "user ankomst made by sysusers.d" || bad "no user ankomst"
m=$(stat -c '%a %U:%G' /var/lib/ankomst)
[[ "$m" == "750 ankomst:ankomst" ]] && ok "/var/lib/ankomst $m" || bad "/var/lib/ankomst is $m"
m=$(stat -c '%a %U:%G' /etc/ankomst/central.ini)
[[ "$m" == "640 root:ankomst" ]] && ok "/etc/ankomst/central.ini $m" || bad "central.ini is $m"

for u in ankomst-central ankomst-kiosk; do
	if out=$(systemd-analyze verify "/lib/systemd/system/$u.service" 2>&1); then
		ok "systemd-analyze verify $u.service"
	else
		bad "systemd-analyze verify $u.service: $out"
	fi
done
score=$(systemd-analyze security --offline=yes /lib/systemd/system/ankomst-central.service \
	2>&1 | sed -n 's/.*Overall exposure level for ankomst-central.service: \([0-9.]*\).*/\1/p')
if [[ -n "$score" ]] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
	ok "central exposure $score (at most $MAX_EXPOSURE)"
else
	bad "central exposure '${score}' above $MAX_EXPOSURE"
fi

trap - EXIT
if remove; then ok "dpkg --purge"; else bad "dpkg --purge: $(tail -5 "$work/purge.log")"; fi
for f in /usr/bin/ankomst-central /usr/lib/ankomst /usr/share/ankomst /etc/ankomst/central.ini \
	/lib/systemd/system/ankomst-central.service; do
	[[ ! -e "$f" ]] || bad "$f left after purge"
done
[[ $fail == 0 ]] && ok "purged cleanly"
exit $fail
