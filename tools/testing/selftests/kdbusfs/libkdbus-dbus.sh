#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The suite's entry to lib/kdbus/tests/dbus_test (the GDBus binding) and
# dbus1_test (the libdbus binding, and the two together): their TAP as
# one stream on stdout, renumbered, with one plan. A program that dies or
# whose plan does not match its results adds a failed test.
dir="$(dirname "$0")/../../../../tools/lib/kdbus/tests"
n=0
rc=0
for t in dbus_test dbus1_test; do
	echo "# ===== $t"
	out=$("$dir/$t" "$@")
	st=$?
	plan=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' <<<"$out" | head -n1)
	seen=0
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
			n=$((n + 1))
			seen=$((seen + 1))
			echo "${BASH_REMATCH[1]}ok $n${BASH_REMATCH[2]}"
		elif [[ ! $line =~ ^1\.\.[0-9]+$ ]]; then
			echo "$line"
		fi
	done <<<"$out"
	[ "$st" -eq 0 ] || rc=1
	if [ -z "$plan" ] || [ "$plan" -ne "$seen" ]; then
		n=$((n + 1))
		echo "not ok $n - $t: plan ${plan:-missing}, $seen results (exit $st)"
		rc=1
	fi
done
echo "1..$n"
exit $rc
