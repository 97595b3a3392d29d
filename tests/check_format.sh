#!/usr/bin/env bash
# Fails when a C file differs from what .clang-format makes of it; fix with scripts/format.
set -euo pipefail
clang_format=$1
cd "$2"
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build/')
# shellcheck disable=SC2086
"$clang_format" --dry-run --Werror $files
echo "format: $(echo "$files" | wc -l) files clean"
