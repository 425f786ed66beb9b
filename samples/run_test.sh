#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_test - run every sample against a real bus and check what it says:
# service and client, listener and emitter, the sandbox, the sealed
# memfd transfer. Runs in the guest, as root or as root of a user
# namespace (it mounts its own domain); prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
k=$top/tools/kdbusfs/kdbusfs
# shellcheck source=../tools/kdbusfs/tests/tap.sh
. "$top/tools/kdbusfs/tests/tap.sh"

if [ "${1:-}" = --inner ]; then
	mnt=$2 bus=$3
	out=$(mktemp) svc=$(mktemp) lis=$(mktemp)
	trap 'kill $(jobs -p) 2>/dev/null; rm -f "$out" "$svc" "$lis"' EXIT

	"$here/service" "$bus" >"$svc" 2>&1 &
	svc_pid=$!
	wait_for '^ready org\.example\.Echo :1\.[0-9]+$' "$svc"
	ok $? "service: owns org.example.Echo"

	"$here/client" "$bus" >"$out" 2>&1
	ok $? "client: every answer as expected"
	ok_grep '^Echo\("hello, kdbus"\) = "hello, kdbus"$' "$out" "client: Echo"
	ok_grep '^Add\(40, 2\) = 42$' "$out" "client: Add"
	ok_grep "^Whoami\\(\\) = connection [0-9]+, uid $(id -u) " "$out" \
		"client: Whoami, the uid the kernel vouches for"
	ok_grep '^NoSuchMethod\(\) = error org\.freedesktop\.DBus\.Error\.UnknownMethod$' \
		"$out" "client: a D-Bus error"
	ok_grep '^org\.example\.Nobody Echo\(\) = No such process$' "$out" \
		"client: a name nobody owns"

	"$here/listener" "$bus" >"$lis" 2>&1 &
	lis_pid=$!
	wait_for '^listening$' "$lis"
	"$here/emitter" "$bus" 3 >"$out" 2>&1
	ok $? "emitter: three ticks and done"
	wait "$lis_pid"
	ok $? "listener: exits after Done"
	ok_grep '^got Tick 3 "tick 3" from :1\.[0-9]+$' "$lis" "listener: the ticks"
	ok_grep '^got Done after 3 ticks$' "$lis" "listener: all three"
	ok_grep '^kernel: IdAdd' "$lis" "listener: the kernel's notifications"

	"$here/sandbox" "$bus" >"$out" 2>&1
	ok $? "sandbox: every refusal as the policy says"
	ok_grep '^child: the bus as it sees it: org\.example\.Echo \(' "$out" \
		"sandbox: the child sees only the name it may talk to"
	ok_grep '^child: call org\.example\.Echo Echo\(\) +allowed$' "$out" \
		"sandbox: the child may call it"
	ok_grep '^child: call org\.example\.Hidden Echo\(\) +refused: No such process$' \
		"$out" "sandbox: another name does not exist for the child"
	ok_grep '^child: own org\.example\.Evil +refused: Operation not permitted$' \
		"$out" "sandbox: the child may own nothing"
	ok_grep '^parent: call org\.example\.Hidden Echo\(\) +refused: No such process$' \
		"$out" "sandbox: the fd passed to its parent is refused the same"
	ok_grep '^parent: own org\.example\.Evil +refused: Operation not permitted$' \
		"$out" "sandbox: and may own nothing in the parent's hands"
	if grep -q '^child: no new user namespace' "$out"; then
		tap_skip_reason=$(sed -n 's/^child: no new user namespace (\(.*\)).*/\1/p' "$out")
		echo "ok $((tap_n + 1)) - sandbox: the child in a new user namespace # SKIP unshare: $tap_skip_reason"
		tap_n=$((tap_n + 1))
	else
		ok_grep '^child: in a new user namespace' "$out" \
			"sandbox: the child in a new user namespace"
	fi

	"$here/memfd" "$bus" 4 >"$out" 2>&1
	ok $? "memfd: a sealed 4 MiB memfd moved and checked"
	ok_grep '^receiver: org\.example\.Blob\.Take\(\) says 4194304 bytes; the memfd has 4194304, seals write grow shrink$' \
		"$out" "memfd: size and seals"
	ok_grep '^receiver: checksum matches$' "$out" "memfd: the same bytes"
	ok_grep '^receiver: mapping it writable: Operation not permitted$' \
		"$out" "memfd: the receiver cannot write it"

	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Quit >/dev/null 2>&1
	wait "$svc_pid"
	ok $? "service: quits when asked"
	tap_done
	exit
fi

tap_mount
bus=$(id -u)-samples
"$k" bus-make "$mnt" "$bus" -- "$0" --inner "$mnt" "$bus" | grep -v '^made bus'
exit "${PIPESTATUS[0]}"
