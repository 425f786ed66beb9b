# SPDX-License-Identifier: GPL-2.0
# TAP in bash for the CLI and samples tests: ok STATUS WHAT, then done.
tap_n=0 tap_fail=0

ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_fail=$((tap_fail + 1))
	fi
}

# ok_grep PATTERN FILE WHAT: FILE has a line matching PATTERN (ERE)
ok_grep() {
	grep -qE -- "$1" "$2"
	local st=$?
	ok $st "$3"
	[ $st -eq 0 ] || sed 's/^/#   /' "$2"
}

# wait_for PATTERN FILE: up to 5 s for a line to appear
wait_for() {
	local i
	for i in $(seq 50); do
		grep -qE -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_fail" -eq 0 ]
}

# a new kdbusfs domain in a fresh directory, unmounted at exit
tap_mount() {
	mnt=$(mktemp -d /tmp/kdbus-cli.XXXXXX)
	if ! mount -t kdbusfs none "$mnt"; then
		ok 1 "mount kdbusfs"
		tap_done
		exit 1
	fi
	trap 'umount -l "$mnt"; rmdir "$mnt"' EXIT
}
