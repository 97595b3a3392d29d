#!/usr/bin/env bash
# Fails unless every shipped catalog (i18n/*.po) passes GNU gettext's own `msgfmt --check`
# (header, plural expression against nplurals, plural form counts, line ends), fuzzy texts
# included; and proves the check can fail on deliberately broken copies of da.po.
set -euo pipefail
root=${1:-$(dirname "$0")/..}
command -v msgfmt >/dev/null || {
	echo "FAIL check_po: no msgfmt (Debian's gettext; scripts/install-deps installs it)" >&2
	exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { # check FILE: msgfmt's verdict, its messages in $work/msgfmt.txt
	msgfmt --check --use-fuzzy -o /dev/null "$1" 2>"$work/msgfmt.txt"
}

n=0
for po in "$root"/i18n/*.po; do
	check "$po" || {
		cat "$work/msgfmt.txt" >&2
		echo "FAIL check_po: msgfmt --check refuses $po" >&2
		exit 1
	}
	n=$((n + 1))
done
((n >= 3)) || {
	echo "FAIL check_po: only $n catalogs in $root/i18n (en, da, ar at least)" >&2
	exit 1
}

# The same check on copies of da.po each broken in one way it must catch, and the message
# must name the broken file.
da=$root/i18n/da.po
broken() { # broken NAME WHAT: $work/NAME.po must fail the check with WHAT in its message
	if check "$work/$1.po"; then
		echo "FAIL check_po: msgfmt --check passed $1.po" >&2
		exit 1
	fi
	grep -q "$1.po:.*$2" "$work/msgfmt.txt" || {
		cat "$work/msgfmt.txt" >&2
		echo "FAIL check_po: the refusal of $1.po does not say '$2'" >&2
		exit 1
	}
}
# A plural text with one form fewer than nplurals (the first msgstr[1] removed).
awk '!done && /^msgstr\[1\]/ { done = 1; next } { print }' "$da" >"$work/one_form.po"
broken one_form "only one plural form"
# A plural expression that picks a form nplurals does not have.
sed 's/^"Plural-Forms: nplurals=2; plural=(n != 1);\\n"$/"Plural-Forms: nplurals=2; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);\\n"/' \
	"$da" >"$work/plural_expr.po"
grep -q 'n == 2 ? 1 : 2' "$work/plural_expr.po" || {
	echo "FAIL check_po: could not change da.po's Plural-Forms" >&2
	exit 1
}
broken plural_expr "plural expression can produce values as large as 2"
# A translation that ends a line where the English text does not.
sed '0,/^msgstr "Velkommen"$/s//msgstr "Velkommen\\n"/' "$da" >"$work/line_end.po"
broken line_end "do not both end with"
echo "check_po: $n catalogs pass msgfmt --check; 3 broken copies are refused"
