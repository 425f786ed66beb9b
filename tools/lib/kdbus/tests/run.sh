#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the libkdbus tests (inside the guest, as root or in a user
# namespace: each mounts its own kdbusfs domain), TAP on stdout.
# usage: scripts/vm-run -- tools/lib/kdbus/tests/run.sh [TEST...]
set -u
cd "$(dirname "$0")"
rc=0
for b in ${@:-lib_test dbus_test dbus1_test}; do
	echo "# ===== $b"
	"./$b" || rc=1
done
exit $rc
