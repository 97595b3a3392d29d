#!/usr/bin/env bash
# Fails when central's browser files break the page contract (docs/api.md "Pages"): a file
# in server-sync/central/web/ that the manifest does not list (or the reverse), HTML put in
# from a string (innerHTML and friends, eval), an inline script, style= or on…= handler in
# a page (the CSP refuses them), or a catalog key a page asks for that en.po lacks.
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"
web=server-sync/central/web
en=i18n/en.po
fails=0
bad() {
	echo "$*" >&2
	fails=$((fails + 1))
}

# The patterns prove themselves on a probe first, so a broken regex cannot pass silently.
html_sink='\.(innerHTML|outerHTML)[[:space:]]*[+]?=|insertAdjacentHTML|document\.write|\beval[[:space:]]*\(|new[[:space:]]+Function\b|setTimeout\([[:space:]]*["'\'']'
inline='<script[^>]*>[^<[:space:]]|[[:space:]]style[[:space:]]*=|[[:space:]]on[a-z]+[[:space:]]*=[[:space:]]*["'\'']|javascript:'
key_use='(\bt|Ank\.tn?)\("[a-z][a-z0-9_]*(\.[a-z0-9_]+)+"|data-i18n="[^"]+"|:[a-z][a-z0-9_]*(\.[a-z0-9_]+)+'
[[ $(printf 'n.innerHTML = x;\n' | grep -cE "$html_sink") == 1 &&
	$(printf '<p style="x">\n' | grep -cE "$inline") == 1 &&
	$(printf 'a t("console.ack.by") b\n' | grep -oE "$key_use" | wc -l) == 1 ]] || {
	echo "web check is broken: a pattern no longer matches its probe" >&2
	exit 2
}

listed=$(grep -v -e '^#' -e '^[[:space:]]*$' "$web/manifest" | sort)
present=$(cd "$web" && find . -type f ! -name manifest | sed 's|^\./||' | sort)
while read -r f; do
	[[ -n $f ]] && bad "$web/$f: not in $web/manifest (it would never be served)"
done < <(comm -13 <(echo "$listed") <(echo "$present"))
while read -r f; do
	[[ -n $f ]] && bad "$web/manifest: lists $f, which does not exist"
done < <(comm -23 <(echo "$listed") <(echo "$present"))

for f in $(cd "$web" && find . -name '*.js' -o -name '*.html' | sed 's|^\./||' | sort); do
	if hits=$(grep -nE "$html_sink" "$web/$f"); then
		bad "$web/$f: builds HTML from a string or evaluates code (use Ank.el / textContent):"$'\n'"$hits"
	fi
	if [[ $f == *.html ]] && hits=$(grep -nE "$inline" "$web/$f"); then
		bad "$web/$f: inline script, style or handler (the CSP refuses it):"$'\n'"$hits"
	fi
	# Keys named literally (t("…"), data-i18n="…", data-i18n-attr="attr:key") must exist.
	for k in $(grep -oE "$key_use" "$web/$f" | sed -E 's/^(Ank\.)?tn?\("//; s/"$//; s/^data-i18n="//; s/^://' |
		grep -E '^(console|display|staff|station|route|substance|common)\.' | sort -u); do
		grep -qxF "msgctxt \"$k\"" "$en" || bad "$web/$f: asks for the text '$k', which $en lacks"
	done
done

if ((fails)); then
	echo "web files: $fails problems" >&2
	exit 1
fi
echo "web files: $(echo "$present" | wc -l) served files, all listed, no HTML sinks, every named key in $en"
