#!/usr/bin/env bash
# tests/conformance/scenario.sh - two of tempest's scenarios against
# tests/conformance/expected/scenario.txt (tests/conformance/suite.bash):
# test_server_basic_ops (a server with a key, a security group and a
# floating IP: ssh into the test guest, curl the metadata service, POST its
# password, read the config drive) and test_network_basic_ops (network,
# router, floating IP; ssh, ping out and between guests, the floating IP
# moved and disassociated). Each boots real guests (QEMU, TCG), so CI runs
# only these two; the whole scenario suite is tools/conformance scenario.
# A tests/run lab tier: it honours LAB_SHARED=1 (suite.bash), so tests/run
# runs it on the shared lab.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/conformance/suite.bash
conformance_suite scenario 'TestServerBasicOps\.test_server_basic_ops|TestNetworkBasicOps\.test_network_basic_ops\b'
