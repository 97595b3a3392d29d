#!/usr/bin/env bash
# A translator's round trip on a copy of i18n/ with gettext's own tools and nothing of ours:
# the English source text changes, msgmerge carries it into da.po (marked fuzzy), msgfilter
# changes the Danish text, msgattrib approves that one text; the result loads as it is (the
# real loader, tests/integration/po_review.c) and the real headless kiosk shows it.
# Usage: po_roundtrip.sh KIOSK PO_REVIEW ROOT
set -euo pipefail
kiosk=$1 review=$2 root=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL po_roundtrip: $*" >&2
	exit 1
}
for tool in msgmerge msgfilter msggrep msgattrib; do
	command -v $tool >/dev/null || fail "no $tool (Debian's gettext; scripts/install-deps)"
done

key=welcome.subtitle
old_en="Check in here before every intake" new_en="Check in here before each intake"
new_da="Tjek ind her før hvert indtag"
# The data folder the kiosk reads: the shipped assets, and a copy of the catalogs to edit.
mkdir "$work/data"
ln -s "$root/assets" "$work/data/assets"
cp -r "$root/i18n" "$work/data/i18n"
i18n=$work/data/i18n
old_da=$("$review" "$i18n" da $key | cut -f 2)
[[ -n $old_da && $old_da != "$new_da" ]] || fail "no Danish text of $key to change"

# The fuzzy texts of da.po other than $key, as gettext's tools see them.
others_fuzzy() {
	msgattrib --only-fuzzy --no-obsolete "$i18n/da.po" | grep '^msgctxt ' | grep -vx "msgctxt \"$key\"" || true
}
others_before=$(others_fuzzy)

# Approves the text of $key alone, as a reviewer does: msggrep picks the entry by its
# msgctxt, msgattrib clears its fuzzy flag and its previous msgid.
approve() {
	msggrep --msgctxt -e "^${key//./\\.}\$" "$i18n/da.po" -o "$work/approve.po"
	[[ $(grep -c '^msgctxt ' "$work/approve.po") == 1 ]] || fail "msggrep did not pick one entry"
	msgattrib --clear-fuzzy --clear-previous --only-file="$work/approve.po" "$i18n/da.po" \
		-o "$work/da.approved.po"
	mv "$work/da.approved.po" "$i18n/da.po"
}

# 0. A native speaker has approved the Danish text.
approve
state=$("$review" "$i18n" da $key) || fail "da.po after the first approval does not load"
[[ $state == "reviewed	$old_da" ]] || fail "after the first approval $key is '$state'"

# 1. A developer changes the English text (msgid and msgstr of en.po, as in an editor).
sed -i "s/^\(msgid\|msgstr\) \"$old_en\"\$/\1 \"$new_en\"/" "$i18n/en.po"
[[ $(grep -c "^msg\(id\|str\) \"$new_en\"\$" "$i18n/en.po") == 2 ]] || fail "could not edit en.po"

# 2. The translation is brought up to date with the English source; the changed text keeps
# its old Danish, marked fuzzy again, the old English kept as "previous msgid" (msgmerge
# also rewraps long strings over several lines, which the loader must take as they are).
msgmerge --quiet --update --backup=none --previous "$i18n/da.po" "$i18n/en.po"
grep -q "^#| msgid \"$old_en\"\$" "$i18n/da.po" || fail "msgmerge kept no previous msgid"
grep -q "^msgid \"$new_en\"\$" "$i18n/da.po" || fail "msgmerge did not take the new English"
state=$("$review" "$i18n" da $key) || fail "da.po after msgmerge does not load"
[[ $state == "fuzzy	$old_da" ]] || fail "after msgmerge $key is '$state', not fuzzy '$old_da'"

# 3. The translator writes the new Danish (msgfilter runs sed on each translation; only the
# one with exactly the old text changes) and it is approved.
msgfilter --keep-header -i "$i18n/da.po" -o "$work/da.filtered.po" \
	sed -e "s/^$old_da\$/$new_da/"
mv "$work/da.filtered.po" "$i18n/da.po"
approve

# The loader takes the edited files as they are: the text is the new one and reviewed.
state=$("$review" "$i18n" da $key) || fail "the edited da.po does not load"
[[ $state == "reviewed	$new_da" ]] || fail "after the approval $key is '$state'"
# Only that text was approved: every other text has its review state as shipped.
[[ $(others_fuzzy) == "$others_before" ]] || fail "the approval changed other texts' review state"
# No conversion: the kiosk's catalogs are the .po files the tools wrote, and gettext's own
# check still passes on them.
[[ -z $(find "$i18n" -name '*.json' -o -name '*.mo') ]] || fail "a converted file in $i18n"
msgfmt --check --use-fuzzy -o /dev/null "$i18n/da.po" || fail "msgfmt --check refuses the result"

# The kiosk (site language Danish) shows the new text on its welcome screen; the same script
# on the shipped catalogs fails, so it tests the edit.
cat >"$work/roundtrip.txt" <<EOF
expect-screen welcome
expect-text $new_da
expect-no-text $old_da
shot roundtrip_welcome
EOF
"$kiosk" --data "$work/data" --headless --script "$work/roundtrip.txt" --demo \
	--db "$work/edited.db" --now 2026-11-23T10:00:00Z --shots "$work/shots" \
	>/dev/null 2>"$work/kiosk.txt" || fail "the kiosk did not show '$new_da': $(cat "$work/kiosk.txt")"
[[ -s $work/shots/roundtrip_welcome.png ]] || fail "no screenshot of the welcome screen"
! grep -q 'catalogs differ' "$work/kiosk.txt" || fail "the kiosk found the catalogs differ"
if "$kiosk" --data "$root" --headless --script "$work/roundtrip.txt" --demo \
	--db "$work/shipped.db" --now 2026-11-23T10:00:00Z --shots "$work/shipped_shots" \
	>/dev/null 2>&1; then
	fail "the shipped catalogs passed a script that expects the edited text"
fi
echo "po_roundtrip: msgmerge, msgfilter and msgattrib's da.po loads; the kiosk shows '$new_da'"
