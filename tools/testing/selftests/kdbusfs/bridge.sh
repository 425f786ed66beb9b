#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bridge - kdbusfs-bridge (tools/bridge) with real D-Bus clients: dbus-send
# and gdbus against the bus driver, a GLib service owning a name and
# callers through the bridge and natively (the kdbusfs CLI), signals with
# match rules, NameOwnerChanged, dbus-monitor and busctl monitor,
# StartServiceByName with a kdbusfs activator, python3-dbus at both ends,
# a native libkdbus service, 16 clients at once, and, run as root, a
# client of another uid whose kernel connection carries that uid. Runs in
# the guest as root (it mounts its own domain); prints TAP. Build first:
# make tools.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
k=$top/tools/kdbusfs/kdbusfs
bridge=$top/tools/bridge/kdbusfs-bridge
py=/usr/bin/python3
# shellcheck source=../../../kdbusfs/tests/tap.sh
. "$top/tools/kdbusfs/tests/tap.sh"

if [ "${1:-}" = --inner ]; then
	mnt=$2 bus=$3
	tmp=$(mktemp -d)
	chmod 0755 "$tmp"
	sock=$tmp/bus
	out=$tmp/out log=$tmp/bridge.log svc=$tmp/svc
	trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$tmp"' EXIT

	(umask 0; exec "$bridge" --bus="$mnt/$bus/bus" \
		--address="unix:path=$sock" --print-address --verbose \
		>"$out" 2>"$log") &
	bridge_pid=$!
	wait_for '^unix:path=' "$out"
	ok $? "the bridge listens and prints its address"
	addr=$(head -n1 "$out")
	# echo_ok TEXT WHAT: the service's Echo gives TEXT back, through gdbus
	echo_ok() {
		timeout 20 gdbus call --address "$addr" \
			--dest org.example.Bridge --object-path /org/example/Bridge \
			--method org.example.Bridge.Echo "$1" >"$out" 2>&1
		ok_grep "^\('$1',\)\$" "$out" "$2"
	}
	echo "# address $addr"

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId \
		>"$out" 2>&1
	ok $? "dbus-send GetId: exit 0"
	ok_grep '^   string "[0-9a-f]{32}"$' "$out" "GetId: 32 hex digits"

	timeout 20 gdbus call --address "$addr" --dest org.freedesktop.DBus \
		--object-path / --method org.freedesktop.DBus.ListNames \
		>"$out" 2>&1
	ok $? "gdbus call ListNames: exit 0"
	ok_grep "^\(\['org\.freedesktop\.DBus', ':1\.[0-9]+'" "$out" \
		"ListNames: the driver and a unique name"

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.Peer.Ping \
		>"$out" 2>&1
	ok $? "dbus-send Peer.Ping to the driver"

	timeout 20 gdbus introspect --address "$addr" \
		--dest org.freedesktop.DBus --object-path / >"$out" 2>&1
	ok_grep 'GetConnectionUnixProcessID' "$out" \
		"gdbus introspect: the driver's methods"

	timeout 20 busctl --address="$addr" get-property org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus Interfaces \
		>"$out" 2>&1
	ok_grep '^as 1 "org\.freedesktop\.DBus\.Monitoring"$' "$out" \
		"busctl get-property: the driver's Interfaces"
	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.Properties.GetAll \
		string:org.freedesktop.DBus >"$out" 2>&1
	ok_grep 'string "Features"' "$out" "Properties.GetAll: Features"
	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.Properties.Set \
		string:org.freedesktop.DBus string:Features variant:string:x \
		>"$out" 2>&1
	ok_grep 'org\.freedesktop\.DBus\.Error\.PropertyReadOnly' "$out" \
		"Properties.Set: PropertyReadOnly"

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.NoSuchThing \
		>"$out" 2>&1
	ok_grep 'org\.freedesktop\.DBus\.Error\.UnknownMethod' "$out" \
		"an unknown driver method: UnknownMethod"

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.GetNameOwner \
		string:org.example.Nobody >"$out" 2>&1
	ok_grep 'org\.freedesktop\.DBus\.Error\.NameHasNoOwner' "$out" \
		"GetNameOwner of a name nobody owns: NameHasNoOwner"

	timeout 20 gdbus call --address "$addr" --dest org.example.Nobody \
		--object-path / --method org.example.Nobody.Hi >"$out" 2>&1
	ok_grep 'org\.freedesktop\.DBus\.Error\.ServiceUnknown' "$out" \
		"a call to a name nobody owns: ServiceUnknown"

	"$py" "$top/tools/bridge/test-service.py" "$addr" >"$svc" 2>&1 &
	svc_pid=$!
	wait_for '^ready ' "$svc"
	ok_grep '^ready 1 :1\.[0-9]+$' "$svc" \
		"a GLib service: RequestName PRIMARY_OWNER"
	svc_name=$(sed -n 's/^ready 1 //p' "$svc")

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.GetNameOwner \
		string:org.example.Bridge >"$out" 2>&1
	ok_grep "^   string \"$svc_name\"\$" "$out" \
		"GetNameOwner: the service's unique name"

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
		string:org.example.Bridge >"$out" 2>&1
	ok_grep '^   boolean true$' "$out" "NameHasOwner: true"

	# the bus owner's uid too: its pid presented at HELLO, and the
	# kernel keeps the privilege its uid has (see kdbusfs-dbus.rst)
	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetConnectionUnixProcessID \
		string:org.example.Bridge >"$out" 2>&1
	ok_grep "^   uint32 $svc_pid\$" "$out" \
		"GetConnectionUnixProcessID: the service's own pid, the bus owner's too"

	echo_ok "hello, bridge" \
		"gdbus call: a bridged client calls the bridged service"

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.example.Bridge /org/example/Bridge \
		org.example.Bridge.Uid >"$out" 2>&1
	ok_grep "^   uint32 $(id -u)\$" "$out" \
		"Uid: the service asks the driver for its caller's uid"

	timeout 20 busctl --address="$addr" call org.example.Bridge \
		/org/example/Bridge org.example.Bridge Echo s busctl \
		>"$out" 2>&1
	ok_grep '^s "busctl"$' "$out" "busctl call: sd-bus through the bridge"
	timeout 20 busctl --address="$addr" list --no-pager >"$out" 2>&1
	ok_grep "^org\.example\.Bridge +$svc_pid " "$out" \
		"busctl list: the service's name and its own pid"

	# dbus-send --print-reply of the driver methods not asked above
	drv() {
		timeout 20 dbus-send --address="$addr" --print-reply \
			--dest=org.freedesktop.DBus /org/freedesktop/DBus "$@" \
			>"$out" 2>&1
	}
	drv org.freedesktop.DBus.Hello
	ok_grep '^   string ":1\.[0-9]+"$' "$out" \
		"dbus-send Hello: the client's unique name"
	drv org.freedesktop.DBus.ReleaseName string:org.example.Bridge
	ok_grep '^   uint32 3$' "$out" \
		"dbus-send ReleaseName of another's name: NOT_OWNER"
	drv org.freedesktop.DBus.ListQueuedOwners string:org.example.Bridge
	ok_grep '^      string ":1\.[0-9]+"$' "$out" \
		"dbus-send ListQueuedOwners: the service"
	drv org.freedesktop.DBus.AddMatch string:"type='signal',member='X'"
	ok_grep '^method return ' "$out" "dbus-send AddMatch: a method return"
	drv org.freedesktop.DBus.RemoveMatch string:"type='signal',member='X'"
	ok_grep 'Error org\.freedesktop\.DBus\.Error\.MatchRuleNotFound' "$out" \
		"dbus-send RemoveMatch of another connection's rule: MatchRuleNotFound"
	drv org.freedesktop.DBus.GetConnectionUnixUser string:org.example.Bridge
	ok_grep "^   uint32 $(id -u)\$" "$out" \
		"dbus-send GetConnectionUnixUser: the service's uid"
	drv org.freedesktop.DBus.GetConnectionCredentials \
		string:org.example.Bridge
	ok_grep "variant +uint32 $svc_pid\$" "$out" \
		"dbus-send GetConnectionCredentials: the service's ProcessID"
	drv org.freedesktop.DBus.Introspectable.Introspect
	ok_grep '<interface name="org\.freedesktop\.DBus">' "$out" \
		"dbus-send Introspect: the driver's interface"
	drv org.freedesktop.DBus.Peer.GetMachineId
	ok_grep '^   string "[0-9a-f]{32}"$' "$out" \
		"dbus-send Peer.GetMachineId: 32 hex digits"
	drv org.freedesktop.DBus.UpdateActivationEnvironment \
		dict:string:string:KDBUSFS_TEST,1
	ok_grep '^method return ' "$out" \
		"dbus-send UpdateActivationEnvironment: a method return"
	drv org.freedesktop.DBus.ReloadConfig
	ok_grep '^method return ' "$out" "dbus-send ReloadConfig: a method return"
	drv org.freedesktop.DBus.Properties.Get string:org.freedesktop.DBus \
		string:Interfaces
	ok_grep 'string "org\.freedesktop\.DBus\.Monitoring"' "$out" \
		"dbus-send Properties.Get: Interfaces"

	timeout 20 busctl --address="$addr" introspect org.example.Bridge \
		/org/example/Bridge --no-pager >"$out" 2>&1
	ok_grep '^\.Echo +method +s +s ' "$out" \
		"busctl introspect: the service's Echo"
	timeout 20 busctl --address="$addr" status org.example.Bridge \
		--no-pager >"$out" 2>&1
	ok_grep "^UID=$(id -u)\$" "$out" "busctl status: the service's uid"
	timeout 30 gdbus wait --address "$addr" --timeout 20 \
		org.example.Bridge >"$out" 2>&1
	ok $? "gdbus wait: for a name that is owned"
	timeout 60 gdbus wait --address "$addr" --timeout 50 \
		org.example.Later >"$tmp/wait" 2>&1 &
	wait_pid=$!
	timeout 60 gdbus monitor --address "$addr" \
		--dest org.example.Later >"$tmp/gmon" 2>&1 &
	gmon_pid=$!
	sleep 2
	"$py" "$top/tools/bridge/test-service.py" "$addr" org.example.Later \
		>"$tmp/later" 2>&1 &
	later_pid=$!
	wait "$wait_pid"
	ok $? "gdbus wait: until the name is taken"
	wait_for 'org\.example\.Later is owned by :1\.' "$tmp/gmon"
	ok_grep 'org\.example\.Later is owned by :1\.' "$tmp/gmon" \
		"gdbus monitor: sees the name get its owner"
	kill "$gmon_pid" 2>/dev/null
	wait "$gmon_pid" 2>/dev/null
	timeout 20 gdbus call --address "$addr" --dest org.example.Later \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Quit >/dev/null 2>&1
	wait "$later_pid"

	timeout 20 "$k" call "$mnt/$bus/bus" org.example.Bridge \
		/org/example/Bridge org.example.Bridge Echo s native \
		>"$out" 2>&1
	ok_grep '^s "native"$' "$out" \
		"a native libkdbus client calls the bridged service"

	timeout 20 gdbus emit --address "$addr" --object-path /poke \
		--signal org.example.Bridge.Poke "one" >"$out" 2>&1
	ok $? "gdbus emit: a broadcast signal"
	timeout 20 gdbus emit --address "$addr" --object-path /poke \
		--signal org.example.Other.Poke "other" >"$out" 2>&1
	"$k" emit "$mnt/$bus/bus" /native org.example.Bridge Poke s two \
		>"$out" 2>&1
	ok $? "kdbusfs emit: a native broadcast signal"
	wait_for '^poke .* /native two$' "$svc"
	ok_grep '^poke :1\.[0-9]+ /poke one$' "$svc" \
		"the service gets the bridged client's signal (AddMatch)"
	ok_grep '^poke :1\.[0-9]+ /native two$' "$svc" \
		"the service gets the native client's signal"
	grep -q 'other' "$svc"
	ok $((! $?)) "a signal of another interface is not delivered"

	"$py" "$top/tools/bridge/test-client.py" "$addr" >"$out" 2>&1
	ok $? "a GLib client: exit 0"
	ok_grep "^uid $(id -u)\$" "$out" "GetConnectionUnixUser of itself"
	ok_grep '^request 1$' "$out" "RequestName: PRIMARY_OWNER"
	ok_grep '^request-again 4$' "$out" "RequestName again: ALREADY_OWNER"
	ok_grep '^queued :1\.[0-9]+$' "$out" "ListQueuedOwners: the owner"
	ok_grep "^creds-uid $(id -u)\$" "$out" "GetConnectionCredentials: UnixUserID"
	ok_grep '^creds-pid [0-9]+|^creds-pid own$' "$out" \
		"GetConnectionCredentials: ProcessID"
	ok_grep '^request-taken 3$' "$out" \
		"RequestName of a taken name, DO_NOT_QUEUE: EXISTS"
	ok_grep '^release 1$' "$out" "ReleaseName: RELEASED"
	ok_grep '^release-again 2$' "$out" "ReleaseName again: NON_EXISTENT"
	cli=$(sed -n 's/^unique //p' "$out")
	wait_for "^owner-changed .* org\\.example\\.Other $cli -\$" "$svc"
	ok_grep "^owner-changed org\\.freedesktop\\.DBus org\\.example\\.Other - $cli\$" \
		"$svc" "NameOwnerChanged: the name acquired"
	ok_grep "^owner-changed org\\.freedesktop\\.DBus org\\.example\\.Other $cli -\$" \
		"$svc" "NameOwnerChanged: the name released"

	"$py" "$top/tools/bridge/test-client.py" "$addr" fd >"$out" 2>&1
	ok_grep '^fd through the bridge$' "$out" \
		"a pipe fd passed through the bridge (SCM_RIGHTS <-> FDS)"

	"$py" "$top/tools/bridge/test-client.py" "$addr" large >"$out" 2>&1
	ok_grep '^large intact 3145728$' "$out" \
		"a 3 MiB body each way through the bridge (in a sealed memfd)"

	"$py" "$top/tools/bridge/test-client.py" "$addr" match >"$out" 2>&1
	ok_grep '^add ok$' "$out" "AddMatch of a rule with arg0"
	ok_grep '^remove ok$' "$out" \
		"RemoveMatch of the same rule, keys reordered and quoted otherwise"
	ok_grep '^remove-again org\.freedesktop\.DBus\.Error\.MatchRuleNotFound$' \
		"$out" "RemoveMatch of a removed rule: MatchRuleNotFound"
	ok_grep '^remove-bad org\.freedesktop\.DBus\.Error\.MatchRuleInvalid$' \
		"$out" "RemoveMatch of a bad rule: MatchRuleInvalid"
	ok_grep '^hello-again org\.freedesktop\.DBus\.Error\.Failed$' "$out" \
		"Hello a second time: Failed, as dbus-daemon"

	"$py" "$top/tools/bridge/test-client.py" "$addr" interactive \
		>"$out" 2>&1
	ok_grep '^with 4$' "$out" \
		"ALLOW_INTERACTIVE_AUTHORIZATION reaches the service"
	ok_grep '^without 0$' "$out" "and is not invented where not asked for"

	# a subscriber that stops reading: the bridge keeps at most its
	# OUT_HIGH (8 MiB) for it, pauses it, and serves everyone else
	gdbus monitor --address "$addr" --dest org.example.Bridge \
		>"$tmp/mon" 2>&1 &
	mon=$!
	wait_for 'Monitoring signals' "$tmp/mon"
	sleep 1
	kill -STOP "$mon"
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$bridge_pid/status")
	timeout 200 gdbus call --address "$addr" --dest org.example.Bridge \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Flood 96 524288 >"$out" 2>&1
	ok $? "a service broadcasts 48 MiB to a subscriber that stopped reading"
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$bridge_pid/status")
	wait_for 'paused$' "$log"
	ok $? "the bridge pauses the client that does not read"
	[ $((rss1 - rss0)) -lt 28672 ]
	ok $? "the bridge grew by less than 28 MiB ($rss0 -> $rss1 KiB)"
	echo_ok "still served" \
		"the others are served while it is paused"
	kill -CONT "$mon"
	for i in $(seq 30); do
		grep -q 'resumed$' "$log" && break
		sleep 1
	done
	ok_grep 'resumed$' "$log" "the client reads again: the bridge resumes it"
	kill "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.ListActivatableNames >"$out" 2>&1
	ok_grep '^      string "org\.freedesktop\.DBus"$' "$out" \
		"ListActivatableNames: the driver"

	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$py" "$top/tools/bridge/test-client.py" "$addr" \
			>"$out" 2>&1
		ok_grep '^uid 65534$' "$out" \
			"uid 65534 through a root bridge: uid 65534 on the bus"
		ok_grep '^pid own$' "$out" \
			"uid 65534: its own pid on the bus, presented at HELLO"
		ok_grep '^creds-pid own$' "$out" \
			"uid 65534: GetConnectionCredentials has its own pid"
		ok_grep '^request org\.freedesktop\.DBus\.Error\.AccessDenied$' \
			"$out" "uid 65534: the kernel refuses it a name, as natively"
		sed 's/^/# /' "$out"
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			timeout 20 "$k" call "$mnt/$bus/bus" org.example.Bridge \
			/org/example/Bridge org.example.Bridge Uid \
			>"$tmp/native" 2>&1
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			timeout 20 dbus-send --address="$addr" --print-reply \
			--dest=org.example.Bridge /org/example/Bridge \
			org.example.Bridge.Uid >"$out" 2>&1
		sed 's/^/# native: /' "$tmp/native"
		sed 's/^/# bridged: /' "$out"
		if grep -q '^u 65534$' "$tmp/native"; then
			ok_grep '^   uint32 65534$' "$out" \
				"uid 65534 calls the service: it sees uid 65534"
		else
			ok_grep 'AccessDenied' "$out" \
				"uid 65534 calls the service: refused, as natively"
		fi

		setpriv --reuid=65534 --regid=65534 --clear-groups \
			timeout 20 gdbus call --address "$addr" \
			--dest org.freedesktop.DBus --object-path / \
			--method org.freedesktop.DBus.Monitoring.BecomeMonitor \
			"[]" 0 >"$out" 2>&1
		ok_grep 'org\.freedesktop\.DBus\.Error\.AccessDenied' "$out" \
			"uid 65534: BecomeMonitor refused, as a kernel monitor is"

		# an unprivileged bridge: uid 65534 serving itself
		mkdir -m 0777 "$tmp/u"
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$bridge" --bus="$mnt/$bus/bus" \
			--address="unix:path=$tmp/u/bus" --print-address \
			>"$tmp/u/addr" 2>"$tmp/u/log" &
		ubridge_pid=$!
		wait_for '^unix:path=' "$tmp/u/addr"
		ok $? "an unprivileged bridge (uid 65534) listens"
		uaddr=$(head -n1 "$tmp/u/addr")
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$py" "$top/tools/bridge/test-client.py" "$uaddr" \
			>"$out" 2>&1
		ok_grep '^uid 65534$' "$out" \
			"unprivileged bridge: its client is uid 65534 on the bus"
		sed 's/^/# /' "$out" | head -n 3
		timeout 20 dbus-send --address="$uaddr" --print-reply \
			--dest=org.freedesktop.DBus / \
			org.freedesktop.DBus.GetId >"$out" 2>&1
		ok $((! $?)) "unprivileged bridge: a root client is refused"
		grep -q 'uid 0 refused' "$tmp/u/log"
		ok $? "unprivileged bridge: says why"
		kill "$ubridge_pid"
		wait "$ubridge_pid"
	fi

	# monitors: dbus-monitor and busctl monitor say BecomeMonitor
	timeout 120 dbus-monitor --address "$addr" >"$tmp/mon" 2>&1 &
	mon_pid=$!
	timeout 120 busctl --address="$addr" monitor >"$tmp/bmon" 2>&1 &
	bmon_pid=$!
	for i in 1 2 3; do
		timeout 20 gdbus call --address "$addr" \
			--dest org.example.Bridge \
			--object-path /org/example/Bridge \
			--method org.example.Bridge.Echo "monitored" >"$out" 2>&1
		wait_for 'member=Echo' "$tmp/mon" &&
			wait_for 'Member=Echo' "$tmp/bmon" && break
	done
	wait_for '^   string "monitored"' "$tmp/mon"
	ok_grep '^method call .* destination=org\.example\.Bridge .*member=Echo$' \
		"$tmp/mon" "dbus-monitor: a call between two bridged clients"
	ok_grep '^method return .* reply_serial=' "$tmp/mon" \
		"dbus-monitor: its reply"
	ok_grep '^   string "monitored"$' "$tmp/mon" "dbus-monitor: the argument"
	ok_grep 'Member=Echo' "$tmp/bmon" "busctl monitor: the call"
	kill "$mon_pid" "$bmon_pid" 2>/dev/null
	wait "$mon_pid" "$bmon_pid" 2>/dev/null

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.StartServiceByName \
		string:org.example.Bridge uint32:0 >"$out" 2>&1
	ok_grep '^   uint32 2$' "$out" \
		"StartServiceByName of a running service: ALREADY_RUNNING"
	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.StartServiceByName \
		string:org.example.Nobody uint32:0 >"$out" 2>&1
	ok_grep 'org\.freedesktop\.DBus\.Error\.ServiceUnknown' "$out" \
		"StartServiceByName of a name nobody provides: ServiceUnknown"
	"$k" activator "$mnt/$bus/bus" org.example.Lazy -- \
		"$py" "$top/tools/bridge/test-service.py" "$addr" \
		org.example.Lazy >"$tmp/lazy" 2>&1 &
	lazy_pid=$!
	wait_for '^activator ' "$tmp/lazy"
	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.ListActivatableNames >"$out" 2>&1
	ok_grep '^      string "org\.example\.Lazy"$' "$out" \
		"ListActivatableNames: a kdbusfs activator's name"
	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.StartServiceByName \
		string:org.example.Lazy uint32:0 >"$out" 2>&1
	ok_grep '^   uint32 1$' "$out" \
		"StartServiceByName of an activatable name: SUCCESS"
	timeout 60 gdbus call --address "$addr" --dest org.example.Lazy \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Echo "lazy" >"$out" 2>&1
	ok_grep "^\('lazy',\)\$" "$out" \
		"the activated service answers the call queued for it"
	ok_grep '^ready 1 ' "$tmp/lazy" \
		"the activated service took the name from its activator"
	timeout 20 gdbus call --address "$addr" --dest org.example.Lazy \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Quit >/dev/null 2>&1
	kill "$lazy_pid" 2>/dev/null
	wait "$lazy_pid" 2>/dev/null

	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetConnectionSELinuxSecurityContext \
		string:org.example.Bridge >"$out" 2>&1
	if [ -e /sys/fs/selinux/enforce ]; then
		ok_grep '^   array of bytes' "$out" \
			"GetConnectionSELinuxSecurityContext: the label"
	else
		ok_grep 'SELinuxSecurityContextUnknown' "$out" \
			"GetConnectionSELinuxSecurityContext without SELinux: SELinuxSecurityContextUnknown"
	fi
	timeout 20 dbus-send --address="$addr" --print-reply \
		--dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetAdtAuditSessionData \
		string:org.example.Bridge >"$out" 2>&1
	ok_grep 'AdtAuditDataUnknown' "$out" \
		"GetAdtAuditSessionData: AdtAuditDataUnknown, as on Linux"

	# python3-dbus (libdbus) at both ends
	"$py" "$top/tools/bridge/test-pydbus.py" "$addr" service \
		>"$tmp/pyd" 2>&1 &
	pyd_pid=$!
	wait_for '^ready ' "$tmp/pyd"
	"$py" "$top/tools/bridge/test-pydbus.py" "$addr" client >"$out" 2>&1
	ok_grep '^echo from python3-dbus$' "$out" \
		"python3-dbus: a client calls a python3-dbus service"
	ok_grep "^owner $(sed -n 's/^ready //p' "$tmp/pyd")\$" "$out" \
		"python3-dbus: get_name_owner is the service's unique name"
	ok_grep "^uid $(id -u)\$" "$out" "python3-dbus: get_unix_user"
	wait "$pyd_pid"
	ok $? "python3-dbus: the service quits when asked"

	# a bridged client calls a native libkdbus service
	"$top/samples/service" "$mnt/$bus/bus" >"$tmp/native-svc" 2>&1 &
	nsvc_pid=$!
	wait_for '^ready' "$tmp/native-svc"
	timeout 20 gdbus call --address "$addr" --dest org.example.Echo \
		--object-path /org/example/Echo \
		--method org.example.Echo.Echo "to native" >"$out" 2>&1
	ok_grep "^\('to native',\)\$" "$out" \
		"gdbus through the bridge calls a native libkdbus service"
	kill "$nsvc_pid" 2>/dev/null
	wait "$nsvc_pid" 2>/dev/null

	# many clients at once
	pids=
	for i in $(seq 16); do
		timeout 150 gdbus call --address "$addr" --timeout 120 \
			--dest org.example.Bridge \
			--object-path /org/example/Bridge \
			--method org.example.Bridge.Echo "client $i" \
			>"$tmp/many.$i" 2>&1 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	n=$(grep -lE "^\('client [0-9]+',\)\$" "$tmp"/many.* | wc -l)
	[ "$n" -eq 16 ]
	ok $? "16 clients at once: each gets its own answer ($n of 16)"
	grep -LE "^\('client [0-9]+',\)\$" "$tmp"/many.* | xargs -r sed 's/^/# /'

	# a sandbox: --talk puts the bridge's clients on a custom endpoint
	"$py" "$top/tools/bridge/test-service.py" "$addr" org.example.Hidden \
		>"$tmp/hidden" 2>&1 &
	hidden_pid=$!
	wait_for '^ready ' "$tmp/hidden"
	(umask 0; exec "$bridge" --bus="$mnt/$bus/bus" \
		--talk=org.example.Bridge --see=org.example.Seen \
		--address="unix:path=$tmp/sandbox" --print-address --verbose \
		>"$tmp/sb-addr" 2>"$tmp/sb-log") &
	sb_pid=$!
	wait_for '^unix:' "$tmp/sb-addr"
	ok $? "--talk/--see: a sandbox bridge on a custom endpoint"
	sb=unix:path=$tmp/sandbox
	ok_grep "clients on the custom endpoint $mnt/$bus/[0-9]+-bridge-" \
		"$tmp/sb-log" "the sandbox's clients are on its custom endpoint"
	timeout 20 gdbus call --address "$sb" --dest org.example.Bridge \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Echo "sandboxed" >"$out" 2>&1
	ok_grep "^\('sandboxed',\)\$" "$out" \
		"the sandbox talks to the name it was given"
	timeout 20 dbus-send --address="$sb" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.ListNames \
		>"$out" 2>&1
	grep -q 'org\.example\.Hidden' "$out"
	ok $((! $?)) "the sandbox does not see a name it was not given"
	ok_grep '"org\.example\.Bridge"' "$out" "the sandbox sees the name it may talk to"
	timeout 20 gdbus call --address "$sb" --dest org.example.Hidden \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Echo "hidden" >"$out" 2>&1
	ok_grep 'org\.freedesktop\.DBus\.Error\.(ServiceUnknown|AccessDenied)' \
		"$out" "the sandbox cannot call a name it was not given"
	timeout 20 dbus-send --address="$sb" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.RequestName \
		string:org.example.Mine uint32:4 >"$out" 2>&1
	ok_grep 'org\.freedesktop\.DBus\.Error\.AccessDenied' "$out" \
		"the sandbox cannot own a name it was not given"
	"$py" "$top/tools/bridge/test-client.py" "$sb" callerpid >"$out" 2>&1
	ok_grep '^callerpid own$' "$out" \
		"a sandboxed client's peer sees its own pid, presented on the custom endpoint"
	kill "$sb_pid"
	wait "$sb_pid"
	ok $? "the sandbox bridge exits on SIGTERM"
	timeout 20 gdbus call --address "$addr" --dest org.example.Hidden \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Quit >/dev/null 2>&1
	wait "$hidden_pid"

	# a caller that dies mid-call: its answer has nowhere to go
	timeout -s KILL 2 gdbus call --address "$addr" --timeout 60 \
		--dest org.example.Bridge --object-path /org/example/Bridge \
		--method org.example.Bridge.Slow "orphan" >/dev/null 2>&1
	wait_for '^slow-answered orphan$' "$svc" ||
		wait_for '^slow-answered orphan$' "$svc"
	ok $? "a caller killed mid-call: the service still answers"
	echo_ok "after the orphan" \
		"after a caller died mid-call, the bridge and the service go on"

	timeout 20 gdbus call --address "$addr" --dest org.example.Bridge \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Quit >"$out" 2>&1
	wait "$svc_pid"
	ok $? "the service quits when asked"

	"$py" "$top/tools/bridge/test-service.py" "$addr" >"$svc" 2>&1 &
	svc_pid=$!
	wait_for '^ready 1 ' "$svc"
	ok $? "the service again"
	timeout 15 gdbus call --address "$addr" --dest org.example.Bridge \
		--object-path /org/example/Bridge \
		--method org.example.Bridge.Die >"$out" 2>&1
	ok_grep 'org\.freedesktop\.DBus\.Error\.NoReply' "$out" \
		"the service dies mid-call: the caller gets NoReply at once"
	wait "$svc_pid"

	kill "$bridge_pid"
	wait "$bridge_pid"
	ok $? "the bridge exits on SIGTERM"
	if [ "$tap_fail" -ne 0 ]; then
		echo "# bridge log:"
		sed 's/^/#   /' "$log" | tail -n 60
		echo "# service:"
		sed 's/^/#   /' "$svc"
	fi
	tap_done
	exit
fi

if [ ! -x "$bridge" ]; then
	ok 1 "tools/bridge/kdbusfs-bridge is built"
	tap_done
	exit 1
fi
tap_mount
bus=$(id -u)-bridge
"$k" bus-make "$mnt" "$bus" --world -- "$0" --inner "$mnt" "$bus" |
	grep -v '^made bus'
exit "${PIPESTATUS[0]}"
