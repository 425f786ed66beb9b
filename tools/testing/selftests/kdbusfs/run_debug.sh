#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug pass, inside the guest running the debug kernel: the whole
# suite (both passes, run_tests.sh), then the fault-injection sweep when it
# is built, then a kmemleak scan, then unloading the module. Every kernel
# report fails the run through vm-run's console scan; this script fails on
# leaks it reads from kmemleak and on a module that will not unload.
# The last line is run_tests.sh's tally with these checks added:
#   kdbusfs-suite: P passed, F failed, S skipped

set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

out=$(mktemp)
./run_tests.sh 2>&1 | tee "$out"
tally=$(sed -nE \
	's/^kdbusfs-suite: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' \
	"$out")
read -r pass fail skip <<<"$tally"
rm -f "$out"
pass=${pass:-0} fail=${fail:-1} skip=${skip:-0}

check() {
	local name=$1
	shift
	if "$@"; then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		fail=$((fail + 1))
	fi
}

if [ -x ./fault_test ]; then
	check "fault injection sweep" ./fault_test
fi

kmemleak_clean() {
	local k=/sys/kernel/debug/kmemleak report
	[ -e "$k" ] || { echo "# no kmemleak in this kernel"; return 1; }
	# objects must be older than kmemleak's minimum age to be reported
	sleep 6
	echo scan >"$k"
	sleep 1
	echo scan >"$k"
	report=$(cat "$k")
	if [ -n "$report" ]; then
		echo "$report" | head -60
		return 1
	fi
	echo "# kmemleak: no leaks"
}
check "kmemleak finds no leak" kmemleak_clean

check "module unloads when nothing is mounted" rmmod kdbusfs

echo "kdbusfs-suite: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
