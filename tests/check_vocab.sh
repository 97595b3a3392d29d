#!/usr/bin/env bash
# Fails when the wire vocabulary is written down outside its one home
# (server-sync/protocol/wire.h): an event or change type name as a string literal in any C
# file, a payload field name as a string literal in a file that builds or reads payloads, or
# json_extract in central's read model and report (they read typed tables, not payload text).
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"
wire=server-sync/protocol/wire.h

# The wire names of one X-macro list of wire.h, one a line.
names_of() { # names_of LIST_MACRO
	awk -v list="$1" '
		$0 ~ "^#define " list "\\(X\\)" { on = 1; next }
		on && /X\(/ { match($0, /"[^"]*"/); print substr($0, RSTART + 1, RLENGTH - 2) }
		on && !/\\$/ { on = 0 }' "$wire"
}
events=$(names_of ANK_EVENT_LIST)
changes=$(names_of ANK_CHANGE_LIST)
fields=$(names_of ANK_FIELD_LIST)
if [[ $(wc -l <<<"$events") -lt 20 || $(wc -l <<<"$fields") -lt 20 || -z "$changes" ]]; then
	echo "vocabulary check is broken: cannot read the lists of $wire" >&2
	exit 2
fi

sources=$(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null ||
	find . -name '*.[ch]' -not -path './build/*' | sed 's|^\./||')
# Tests and benchmarks spell the wire out on purpose: they check it.
sources=$(grep -v -e '^build/' -e '^tests/' -e '^server-sync/protocol/wire\.[ch]$' <<<"$sources")
# The files that build or read event and change payloads (the report reads typed tables
# and names its own figures).
payload_files=$(grep -E '^(kiosk/app\.c$|kiosk/queue/|kiosk/sync/|server-sync/central/cstore(_read)?\.c$)' <<<"$sources" || true)

literal_pattern() { # a grep -E pattern for any of the names as a whole string literal
	sed 's/[.]/\\./g; s/.*/"&"/' | paste -sd '|'
}
bad=0
report() { # report WHAT HITS
	if [[ -n "$2" ]]; then
		echo "$1:" >&2
		echo "$2" >&2
		bad=1
	fi
}
# Dotted names are nothing else anywhere; one-word change types ("command") are everyday
# words of other vocabularies too, so they are checked where payloads are made.
types=$(printf '%s\n%s\n' "$events" "$changes" | grep -F . | literal_pattern)
words=$(grep -vF . <<<"$changes" | literal_pattern)
report "event or change type names written as literals (use ank_ev_name / ank_chg_name)" \
	"$(xargs -r grep -nE "$types" <<<"$sources" || true)"
report "one-word change types written as literals where payloads are made (ank_chg_name)" \
	"$(xargs -r grep -nE "$words" <<<"$payload_files" || true)"
report "payload field names written as literals (use ANK_FN)" \
	"$(xargs -r grep -nE "$(literal_pattern <<<"$fields")" <<<"$payload_files" || true)"
report "sync route paths written as literals (use ANK_PATH_*)" \
	"$(xargs -r grep -nE '"/api/v1/(pair|sync/events|sync/changes)' <<<"$sources" || true)"
report "json_extract in central's read model or report" \
	"$(grep -n 'json_extract' server-sync/central/cstore_read.c server-sync/central/cstore_report.c || true)"

# The patterns must still catch what they are for.
[[ $(printf 'x("ticket.issued");\n' | grep -cE "$types") == 1 &&
	$(printf 'f(j, "duration_s");\n' | grep -cE "$(literal_pattern <<<"$fields")") == 1 ]] || {
	echo "vocabulary check is broken: the patterns no longer match a literal" >&2
	exit 2
}
[[ $bad == 0 ]] || exit 1
echo "vocabulary: $(wc -l <<<"$events") event types, $(wc -l <<<"$fields") fields, no literal outside $wire"
