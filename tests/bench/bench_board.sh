#!/usr/bin/env bash
# The staff console in a real Chromium against central (bench build): a kiosk's event until
# its ticket is on the board (p50/p95, measured in the browser), the page weight of /staff,
# and its first paint beside a static page of the same size (method: docs/benchmarks.md §9).
# Usage: tests/bench/bench_board.sh [N]   (default 200 events)
set -euo pipefail
export LC_ALL=C.UTF-8
cd "$(dirname "$0")/../.."
cmake --preset bench >/dev/null
cmake --build --preset bench -j2 --target ankomst-central ankomst-kiosk ankomst-queue >/dev/null
scripts/web-deps >/dev/null
export ANK_CENTRAL=$PWD/build/bench/ankomst-central ANK_KIOSK=$PWD/build/bench/ankomst-kiosk
export ANK_QUEUE=$PWD/build/bench/ankomst-queue ANK_SOURCE_DIR=$PWD
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ANK_BENCH_SAMPLES=${1:-200}
echo "## staff console in the browser ($(nproc) cores, $(uname -m), $(chromium --version 2>/dev/null | head -1))"
node tests/bench/bench_board.mjs
