#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug pass, inside the guest running the debug kernel: the suite
# (both passes, run_tests.sh; all but the bridge's and criu's tests), then
# the fault-injection sweep when it is built, then a kmemleak scan, then
# unloading the module. Every kernel report fails the run through vm-run's
# console scan; this script fails on leaks it reads from kmemleak and on a
# module that will not unload.
# The last line is run_tests.sh's tally with these checks added:
#   kdbusfs-suite: P passed, F failed, S skipped
# On a kernel with gcov the line before it gives the module's coverage
# (scripts/coverage):
#   coverage: fs/kdbusfs lines=N.N% functions=N.N%

set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# The bridge's tests are user space (GLib, Python, D-Bus tools) on kernel
# paths the C tests cover: under KASAN they would double the pass. criu
# needs netfilter and socket diag modules the debug kernel's minimal
# configuration does not build; the fd links it depends on are checked by
# connection_test. They run in the ordinary pass only.
if [ -z "${KDBUSFS_TESTS:-}" ]; then
	KDBUSFS_TESTS=$(./run_tests.sh --list | tr ' ' '\n' |
			grep -Ev '^(bridge|criu)' | tr '\n' ' ')
	export KDBUSFS_TESTS
fi
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

if [ -x ./fuzz ]; then
	# coverage-guided by KCOV where the module is instrumented for it
	check "structure-aware ioctl fuzzer" ./fuzz --kcov=auto \
		-n "${KDBUSFS_FUZZ_N:-20000}" \
		-t "${KDBUSFS_FUZZ_SECONDS:-90}"
fi

# trinity, as an unprivileged user, aimed at the files of a kdbusfs mount:
# its fds are those files and nothing else, its calls those that take fds.
trinity_kdbusfs() {
	local dir st work
	command -v trinity >/dev/null || { echo "# trinity is not installed"; return 1; }
	dir=$(mktemp -d /tmp/kdbus-trinity.XXXXXX)
	chmod 755 "$dir"
	mount -t kdbusfs none "$dir" || return 1
	# trinity writes its log into its working directory
	work=$(mktemp -d /tmp/trinity-work.XXXXXX)
	chown 1000:1000 "$work"
	(cd "$work" && "$here/../../../kdbusfs/kdbusfs" bus-make "$dir" 0-trinity \
		--world -- setpriv --reuid=1000 --regid=1000 --clear-groups -- \
		timeout -s INT -k 30 "${KDBUSFS_TRINITY_SECONDS:-240}" \
		trinity -q -N "${KDBUSFS_TRINITY_N:-20000}" -C 2 -V "$dir" \
		--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,testfile,memfd,drm \
		-c ioctl -c mmap -c poll -c ppoll -c read -c write \
		-c dup -c fcntl -c lseek -c munmap -c mprotect \
		>/tmp/trinity-run.log 2>&1)
	st=$?
	tail -5 /tmp/trinity-run.log
	# bounded in time: running out of it is not a failure, a report is
	if [ "$st" -eq 124 ]; then
		echo "# trinity: stopped after ${KDBUSFS_TRINITY_SECONDS:-240} s"
		st=0
	fi
	# its children outlive a stopped trinity and hold kdbusfs files
	pkill -KILL -u 1000 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		pgrep -u 1000 >/dev/null || break
		sleep 1
	done
	umount -l "$dir"
	return $st
}
check "trinity on a kdbusfs mount" trinity_kdbusfs

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

# and unloads right after the last close, its RCU callbacks run before
check "module unloads right after the last close, 20 rounds" \
	./reload_test /run/vmrun/module.ko 20

# On a kernel with gcov, the instrumented module's coverage over the whole
# pass (its counters outlive rmmod): one "coverage: ..." line, not a test.
# KDBUSFS_COVERAGE_LIST=1 lists per file what did not run.
if [ -d /sys/kernel/debug/gcov ]; then
	"$here/../../../../scripts/coverage" ${KDBUSFS_COVERAGE_LIST:+--list} ||
		echo "# coverage: scripts/coverage failed"
fi

echo "kdbusfs-suite: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
