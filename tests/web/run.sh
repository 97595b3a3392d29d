#!/usr/bin/env bash
# Runs one browser test file (tests/web/NAME.test.mjs) with node's test runner against the
# build's binaries; fails, never skips, when node, chromium or the npm packages are missing,
# so CI really runs them. Usage: run.sh NAME ankomst-central ankomst-kiosk ankomst-queue SOURCE_DIR
set -euo pipefail
name=$1
export ANK_CENTRAL=$2 ANK_KIOSK=$3 ANK_QUEUE=$4 ANK_SOURCE_DIR=$5
web=$ANK_SOURCE_DIR/tests/web
export ANK_CHROMIUM=${ANK_CHROMIUM:-/usr/bin/chromium}
# Debian's chromium only: playwright must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
missing=()
command -v node >/dev/null || missing+=("node (scripts/install-deps installs it)")
[[ -x $ANK_CHROMIUM ]] || missing+=("$ANK_CHROMIUM (scripts/install-deps installs chromium)")
for f in playwright-core/package.json axe-core/axe.min.js; do
	[[ -f $web/node_modules/$f ]] || missing+=("tests/web/node_modules/$f (run scripts/web-deps)")
done
if ((${#missing[@]})); then
	printf 'FAIL web_%s: missing %s\n' "$name" "${missing[@]}" >&2
	exit 1
fi
# The sanitizer settings of scripts/test reach central and the kiosk through the environment;
# give them the same defaults when this runs alone.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C.UTF-8
exec node --test --test-reporter=spec "$web/$name.test.mjs"
