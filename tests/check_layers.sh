#!/usr/bin/env bash
# Fails when a C file includes across the project's layers (docs/architecture.md): common/
# includes only common/, server-sync/ only common/ and server-sync/, and a private header
# (*_int.h) is included only from its own folder and the tests.
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build/')
# Where each project header lives, by its name (header names are unique in the project).
declare -A home
for h in $(echo "$files" | grep '\.h$'); do
	home[$(basename "$h")]=$(dirname "$h")
done
bad=0
for f in $files; do
	dir=$(dirname "$f")
	top=${f%%/*}
	while IFS= read -r inc; do
		[[ -n "$inc" && -n "${home[$inc]:-}" ]] || continue
		to=${home[$inc]}
		why=""
		case "$top" in
		common) [[ "$to" == common* ]] || why="common/ includes only common/" ;;
		server-sync) [[ "$to" == common* || "$to" == server-sync* ]] ||
			why="server-sync/ includes only common/ and server-sync/" ;;
		esac
		if [[ -z "$why" && "$inc" == *_int.h && "$to" != "$dir" && "$top" != tests ]]; then
			why="$inc is private to $to/"
		fi
		if [[ -n "$why" ]]; then
			echo "$f includes $to/$inc: $why" >&2
			bad=1
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
# The self-test below proves the include pattern still finds an include.
probe=$(printf '#include "store_int.h"\n' |
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p')
if [[ "$probe" != store_int.h ]]; then
	echo "layer check is broken: the include pattern no longer matches" >&2
	exit 2
fi
if [[ $bad != 0 ]]; then
	exit 1
fi
echo "layers: $(echo "$files" | wc -l) files include downwards only"
