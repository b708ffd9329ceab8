#!/usr/bin/env bash
# tests/conformance/network.sh - tempest's network API suite against
# tests/conformance/expected/network.txt (tests/conformance/suite.bash).
# A tests/run lab tier: it honours LAB_SHARED=1 (suite.bash), so tests/run
# runs it on the shared lab.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/conformance/suite.bash
conformance_suite network
