#!/usr/bin/env bash
# Fails when any C source of the project calls a banned function (sprintf, strcpy,
# strtok, atoi, sscanf): each has a safer replacement named in the README.
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"
hits=$(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null ||
	find . -name '*.[ch]' -not -path './build/*')
found=$(echo "$hits" | grep -v '^build/' | xargs -r grep -nE '\b(sprintf|strcpy|strtok|atoi|sscanf)[[:space:]]*\(' || true)
# The self-test below proves the pattern still catches a call.
probe=$(printf 'int x = atoi(s);\n' | grep -cE '\b(sprintf|strcpy|strtok|atoi|sscanf)[[:space:]]*\(' || true)
if [[ "$probe" != 1 ]]; then
	echo "banned-function check is broken: the pattern no longer matches a call" >&2
	exit 2
fi
if [[ -n "$found" ]]; then
	echo "banned functions used:" >&2
	echo "$found" >&2
	exit 1
fi
echo "banned functions: none in $(echo "$hits" | grep -vc '^build/') files"
