#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every kdbusfs selftest twice, inside the guest: once as root in the
# initial namespaces, once as root of a new user namespace owned by an
# unprivileged user (userns_exec), each pass with its own kdbusfs mounts.
# Prints the TAP output and, last, one line:
#   kdbusfs-suite: P passed, F failed, S skipped
# A test binary that dies or whose plan does not match its results counts
# as one more failure.

set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
all="mount_test bus_test connection_test message_test metadata_test names_test match_test endpoint_test policy_test conformance_test security_test checkpoint_test restore_test stress_test libkdbus.sh libkdbus-dbus.sh cli.sh samples.sh bridge.sh bridge-daemon.sh criu.sh"
# --list: the tests a run without KDBUSFS_TESTS runs
if [ "${1:-}" = --list ]; then
	echo "$all"
	exit 0
fi
tests=${KDBUSFS_TESTS:-$all}

pass=0 fail=0 skip=0

run_one() {
	local label=$1 bin=$2 out rc plan n_ok n_notok n_skip
	shift 2
	echo "# ===== $label: $bin"
	out=$(mktemp)
	"$@" "./$bin" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	plan=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$out" | head -n1)
	n_skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$out")
	n_ok=$(grep -cE '^ok [0-9]+ ' "$out")
	n_notok=$(grep -cE '^not ok [0-9]+ ' "$out")
	n_ok=$((n_ok - n_skip))
	pass=$((pass + n_ok))
	skip=$((skip + n_skip))
	fail=$((fail + n_notok))
	if [ -z "$plan" ] || [ $((n_ok + n_skip + n_notok)) -ne "$plan" ]; then
		echo "not ok - $label $bin: plan ${plan:-missing}, saw $((n_ok + n_skip + n_notok)) results (exit $rc)"
		fail=$((fail + 1))
	elif [ "$rc" -ne 0 ] && [ "$n_notok" -eq 0 ]; then
		echo "not ok - $label $bin: exit status $rc without a failed test"
		fail=$((fail + 1))
	fi
	grep -E '^ok [0-9]+ .*# SKIP' "$out" | sed "s/^/# skipped in $label: /"
	rm -f "$out"
}

for t in $tests; do
	run_one root "$t"
done
for t in $tests; do
	run_one userns "$t" ./userns_exec --
done

echo "kdbusfs-suite: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
