#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cli_test - the kdbusfs command against a real bus, with the sample
# service to talk to: find, list, status, call, emit, monitor (text and
# --json), endpoint-make, and the errors: one line on stderr, exit 1 (2
# for usage). Runs in the guest, as root or as root of a user namespace
# (it mounts its own domain); prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
k=$top/tools/kdbusfs/kdbusfs
samples=$top/samples
# shellcheck source=tap.sh
. "$here/tap.sh"

if [ "${1:-}" = --inner ]; then
	mnt=$2 bus=$3
	out=$(mktemp) err=$(mktemp) mon=$(mktemp) js=$(mktemp) svc=$(mktemp)
	trap 'kill $(jobs -p) 2>/dev/null; rm -f "$out" "$err" "$mon" "$js" "$svc"' EXIT

	"$k" find >"$out"
	ok_grep "^$mnt	" "$out" "find: lists the mount"

	"$samples/service" "$bus" >"$svc" 2>&1 &
	svc_pid=$!
	wait_for '^ready' "$svc"
	ok $? "the sample service owns org.example.Echo"

	"$k" list "$bus" >"$out" 2>"$err"
	ok $? "list: exit 0"
	ok_grep '^NAME +ID +FLAGS +PID +UID +PROCESS +DESCRIPTION' "$out" \
		"list: the header"
	ok_grep "^org\.example\.Echo +[0-9]+ +[^ ]+ +$svc_pid +[0-9]+ +service +sample-service" \
		"$out" "list: the service's name, flags, pid, process, description"
	ok_grep '^:1\.[0-9]+ .* kdbusfs-cli$' "$out" "list: the CLI's own connection"

	"$k" status "$bus" >"$out" 2>"$err"
	ok $? "status: exit 0"
	ok_grep "^Bus=$bus\$" "$out" "status: the bus's name"
	ok_grep '^BloomSize=64$' "$out" "status: bloom size 64"
	ok_grep '^BloomHashes=8$' "$out" "status: 8 hash functions"
	ok_grep '^Creator:$' "$out" "status: the creator (what it allows to see)"
	"$k" status "$bus" org.example.Echo >"$out" 2>"$err"
	ok $? "status NAME: exit 0"
	ok_grep "^PID=$svc_pid\$" "$out" "status NAME: the owner's pid"
	ok_grep '^Comm=service$' "$out" "status NAME: the owner's process"
	ok_grep '^OwnedName=org\.example\.Echo$' "$out" "status NAME: its names"
	id=$(sed -n 's/^ID=//p' "$out")
	"$k" status "$bus" ":1.$id" >"$out" 2>"$err"
	ok_grep "^PID=$svc_pid\$" "$out" "status :1.ID: the same peer"
	"$k" status "$bus" 999999 >"$out" 2>"$err"
	ok $((! $?)) "status: an unknown id fails"
	ok_grep '^kdbusfs: status 999999: No such device or address$' "$err" \
		"status: one line with the errno's meaning"

	"$k" monitor "$bus" --count=4 >"$mon" 2>&1 &
	mon_pid=$!
	wait_for '^Monitoring' "$mon"
	ok $? "monitor: listening"

	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo s "hello world" >"$out" 2>"$err"
	ok $? "call: Echo(s)"
	ok_grep '^s "hello world"$' "$out" "call: the reply, busctl-style"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Add ii 40 2 >"$out" 2>"$err"
	ok_grep '^i 42$' "$out" "call: Add(ii)"
	wait "$mon_pid"
	ok $? "monitor: exits after --count messages"
	ok_grep '^Type=method_call  Sender=:1\.[0-9]+  Destination=org\.example\.Echo  Cookie=1$' \
		"$mon" "monitor: the call, its sender and destination"
	ok_grep '^  Path=/org/example/Echo  Interface=org\.example\.Echo  Member=Echo$' \
		"$mon" "monitor: path, interface, member"
	ok_grep '^  s "hello world"$' "$mon" "monitor: the arguments"
	ok_grep '^Type=method_return  Sender=:1\.[0-9]+  Destination=:1\.[0-9]+  Cookie=[0-9]+  ReplyCookie=1$' \
		"$mon" "monitor: the reply"

	timeout 30 "$k" monitor --json --count=3 "$bus" >"$js" 2>"$err" &
	mon_pid=$!
	wait_for '^Monitoring' "$err"
	"$k" emit "$bus" /org/example/Obj org.example.Iface Changed sas \
		thing 2 a b 2>"$err"
	ok $? "emit: a signal with a string and a string array"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo s json >/dev/null 2>&1
	wait "$mon_pid"
	python3 - "$js" >"$out" 2>&1 <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
sig = [m for m in msgs if m.get('type') == 'signal']
assert sig, msgs
s = sig[0]
assert s['destination'] == '*' and s['member'] == 'Changed', s
assert s['payload'] == {'type': 'sas', 'data': ['thing', ['a', 'b']]}, s
call = [m for m in msgs if m.get('type') == 'method_call']
assert call and call[0]['payload']['data'] == ['json'], msgs
print('json ok')
PY
	ok_grep '^json ok$' "$out" "monitor --json: the signal broadcast and the call, as JSON"

	"$samples/listener" "$bus" >"$out" 2>&1 &
	lis_pid=$!
	wait_for '^listening' "$out"
	"$k" emit "$bus" /org/example/Ticker org.example.Ticker Tick us 7 seven
	"$k" emit "$bus" /org/example/Other org.example.Ticker Tick us 8 no
	"$k" emit "$bus" /org/example/Ticker org.example.Ticker Done
	wait "$lis_pid"
	ok $? "emit: the sample listener got its signals"
	ok_grep '^got Tick 7 "seven" from :1\.[0-9]+$' "$out" \
		"emit: the listener's match rule let Tick 7 through"
	ok $(grep -c 'Tick 8' "$out") "emit: and not the signal from another path"

	ep=$(id -u)-cli-sandbox
	"$k" endpoint-make "$bus" "$ep" --talk=org.example.Echo -- \
		"$k" list "$bus/$ep" >"$out" 2>"$err"
	ok $? "endpoint-make: a custom endpoint while a command runs"
	ok_grep "^made endpoint $mnt/$bus/$ep\$" "$out" "endpoint-make: its path"
	ok_grep '^org\.example\.Echo ' "$out" \
		"endpoint-make: list through it shows the name it exposes"
	ok $(grep -c '^:1\.' "$out" | grep -v '^1$' >/dev/null; echo $?) \
		"endpoint-make: and of the unique names only its own"
	"$k" endpoint-make "$bus" "$ep" --talk=org.example.Echo -- \
		"$samples/client" "$bus/$ep" >"$out" 2>&1
	ok $? "endpoint-make: the sample client works through it"
	"$k" endpoint-make "$bus" "$ep" -- "$k" call "$bus/$ep" \
		org.example.Echo /org/example/Echo org.example.Echo Echo s x \
		>/dev/null 2>"$err"
	ok $((! $?)) "endpoint-make: no --talk, the call fails"
	ok_grep '^kdbusfs: call org\.example\.Echo: No such process$' "$err" \
		"endpoint-make: the name does not exist for it"
	test ! -e "$mnt/$bus/$ep"
	ok $? "endpoint-make: the endpoint is gone with the command"

	"$k" call "$bus" org.example.Nobody /a org.example.X M >"$out" 2>"$err"
	ok $(($? != 1)) "call: a name nobody owns exits 1"
	ok_grep '^kdbusfs: call org\.example\.Nobody: No such process$' "$err" \
		"call: one line on stderr, the errno's meaning"
	ok $(($(wc -l <"$err") != 1)) "call: exactly one line"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Add s x >"$out" 2>"$err"
	ok $(($? != 1)) "call: an error reply exits 1"
	ok_grep '^kdbusfs: call failed: org\.freedesktop\.DBus\.Error\.UnknownMethod: no method Add\(s\)$' \
		"$err" "call: the D-Bus error's name and text"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo 'a{sv}' 2 one i 1 two as 2 x y >"$out" 2>"$err"
	ok_grep '^a\{sv\} 2 "one" i 1 "two" as 2 "x" "y"$' "$out" \
		"call: a dictionary of variants, there and back"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo '(ib)yqntxud' -5 true 255 65535 -32768 9 -9 7 2.5 >"$out" 2>"$err"
	ok_grep '^\(ib\)yqntxud -5 true 255 65535 -32768 9 -9 7 2\.5$' "$out" \
		"call: a struct and every number type, there and back"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo og /a/b 'a(ss)' >"$out" 2>"$err"
	ok_grep '^og "/a/b" "a\(ss\)"$' "$out" "call: an object path and a signature"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo b maybe >"$out" 2>"$err"
	ok_grep '^kdbusfs: call: arguments b: Invalid argument$' "$err" \
		"call: not a boolean"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo s >"$out" 2>"$err"
	ok_grep '^kdbusfs: call: arguments s: Invalid argument$' "$err" \
		"call: a missing argument"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo s a b >"$out" 2>"$err"
	ok_grep 'Argument list too long$' "$err" "call: an argument too many"
	"$k" call --timeout=0.2 "$bus" org.example.Echo not-a-path I M \
		>"$out" 2>"$err"
	ok_grep '^kdbusfs: call PATH INTERFACE METHOD: Invalid argument$' \
		"$err" "call: an invalid object path"
	"$k" list "0-no-such-bus" >"$out" 2>"$err"
	ok $(($? != 1)) "list: an unknown bus exits 1"
	ok_grep '^kdbusfs: bus 0-no-such-bus: No such file or directory$' \
		"$err" "list: no such bus"
	"$k" frobnicate >"$out" 2>"$err"
	ok $(($? != 2)) "an unknown command exits 2"
	ok_grep '^usage: kdbusfs find$' "$err" "an unknown command: the usage"

	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Quit >/dev/null 2>&1
	wait "$svc_pid"
	ok $? "the service quits when asked"
	tap_done
	exit
fi

tap_mount
bus=$(id -u)-cli
"$k" bus-make "$mnt" "$bus" -- "$0" --inner "$mnt" "$bus" | grep -v '^made bus'
exit "${PIPESTATUS[0]}"
