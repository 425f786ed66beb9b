#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# criu.sh - Debian's criu (3.17.1) against kdbusfs files, with the plugin
# in tools/criu: fd links that send every kdbusfs file to the plugin; a
# connection dumped with its pool mapped or not, left running and thawed;
# an unused endpoint file refused; a pool mapped through its bus
# directory, which criu hands to the plugin. End to end: a service that
# made its bus, owns a name and has messages queued is dumped, killed and
# restored with the same id, name and queue, and answers a call; a dump
# the plugin refuses (a pipe in flight) leaves it running and unfrozen.
# A tree of that service and two children it forked, with a regular
# file's fd and a sealed memfd in flight, a pending asynchronous call, a
# synchronous call blocked in SEND and messages queued both ways, is
# dumped, killed and restored: everything arrives once and intact, with
# the files' contents, position and seals and the senders' pids and uid,
# both calls complete, and the client's match rule still brings it the
# service's signals. An unprivileged container (uid 1000 outside, its own
# user, mount and pid namespaces, its own kdbusfs mount) with that tree
# in it is dumped and restored the same way, with its bus, ids and name.
# A service holding a custom endpoint and a child connected through it
# are dumped and restored: the endpoint with its mode, owner and policy,
# the child behind it with its id and its queued message; a second
# child, an activator, with its name and the message waiting at it. A
# process with two connections of one bus, both pools mapped, is dumped
# and restored with each mapping on its own connection.
# Runs in the guest as root in the initial user namespace; in a user
# namespace each test is skipped. TAP on stdout.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
k=$top/tools/kdbusfs/kdbusfs
plugin=$top/tools/criu
hold=$plugin/kdbusfs-criu-hold
svcbin=$plugin/kdbusfs-criu-svc
# shellcheck source=../../../kdbusfs/tests/tap.sh
. "$top/tools/kdbusfs/tests/tap.sh"

tests=(
	"criu check passes"
	"a plain process dumps with the plugin loaded"
	"service: owns org.example.Echo"
	"the service's fd link is kdbusfs:[BUS/bus]"
	"criu dump --leave-running of the service succeeds"
	"the plugin dumped its connection, criu took its pool's mapping"
	"the service is still running, not stopped"
	"its connection still answers a call"
	"a connection that has not mapped its pool"
	"criu dump --leave-running of it succeeds"
	"criu loaded the plugin"
	"the plugin dumped the connection into kdbusfs-ID.img"
	"the connection is still running and connected"
	"without the plugin criu refuses the file too, never reopens it"
	"criu dump of an unused endpoint file fails"
	"the plugin refused the unused endpoint file with its message"
	"the process holding it is still running"
	"a task that maps a live pool but holds no kdbusfs file"
	"criu takes its pool's mapping to the plugin, as a bus directory"
	"the task is still running"
	"service: quits when asked"
	"criu service: made its bus, owns its name, pool mapped"
	"a message with a pipe in flight: the plugin refuses the dump, naming it"
	"after the failed dump the service runs, unfrozen: a message is queued"
	"the service receives both"
	"three messages queued, criu dump kills the tree"
	"images of the bus owner and the connection written"
	"criu restore -d brings the service back"
	"the restored connection has the same id"
	"the restored connection owns the same name"
	"every queued message arrives once and intact"
	"the restored service answers a new call"
	"the restored service quits"
	"tree: service, client and syncer; files, calls, messages in flight"
	"criu dump of the tree saves the fd and the memfd in flight, kills it"
	"the synchronous caller was dumped waiting in its call"
	"images of the bus owner and the three connections written"
	"criu restore -d brings back the service and its children, same pids"
	"the restored connections have their ids again"
	"the restored service owns its name again"
	"the service receives each queued message once"
	"the fd in flight reads the file's contents from its position"
	"the memfd in flight has its contents and seals"
	"the queued messages carry their senders' pids and uid"
	"the client receives the service's queued messages once, in order"
	"the pending call completes: the client gets its reply"
	"the client's match rule came back: it gets the service's signal"
	"the restarted synchronous call gets its reply"
	"the restored client calls again and is answered"
	"the restored tree quits"
	"the restored bus has its id and id128 again"
	"container: uid 1000 outside, root inside its own user, mount and pid namespaces, with its own kdbusfs mount and the tree in it"
	"criu dump of the container, the plugin checkpointing in its namespaces"
	"criu restore of the container, --root and external mounts"
	"the restored container maps 0 to 1000 in a user namespace of its own"
	"its kdbusfs mount is back, a domain of its user namespace"
	"its bus is back with its id and id128, its connection with its id and name"
	"in the container: every queued message once, the fd and the memfd in flight intact"
	"in the container: the pending and the synchronous calls complete, the match rule holds"
	"a call from inside the restored container is answered"
	"sandbox: a custom endpoint held by the service, a child behind it with a message queued"
	"criu dump of the sandbox writes the endpoint owner's image, kills it"
	"criu restore -d brings back the custom endpoint, same mode and owner"
	"the connection behind it has its id again, through the same endpoint"
	"the message it queued arrives once"
	"behind the restored endpoint a call to the allowed name is answered"
	"the restored endpoint's policy still hides the other name"
	"the activator is back with its id, its name and the message waiting for an owner"
	"twopools: one process, two connections of one bus, both pools mapped, a message queued to each"
	"criu dump and restore of it: each mapping goes back to its own connection"
	"each connection receives its own message through its own pool"
)

skip_all() {
	local t
	for t in "${tests[@]}"; do
		tap_n=$((tap_n + 1))
		echo "ok $tap_n - $t # SKIP $1"
	done
	tap_done
	exit 0
}

# dump PID DIR [CRIU ARGS...]: criu dump -t PID into DIR, leaving it running
dump() {
	local pid=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	criu dump -t "$pid" -D "$dir" -o dump.log -v4 --leave-running "$@" \
		>/dev/null 2>&1
}

# running PID: alive, neither stopped nor traced
running() {
	local st
	st=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]) .*/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != T ] && [ "$st" != t ]
}

# leader PID: wait up to 5 s for PID to lead its session (setsid ran)
leader() {
	local sid
	for _ in $(seq 50); do
		sid=$(sed -E 's/^.*\) [A-Za-z] -?[0-9]+ -?[0-9]+ (-?[0-9]+) .*/\1/' \
			"/proc/$1/stat" 2>/dev/null)
		[ "$sid" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# log_grep PATTERN FILE WHAT: like ok_grep, showing only FILE's errors
log_grep() {
	grep -qE -- "$1" "$2"
	local st=$?
	ok $st "$3"
	[ $st -eq 0 ] || grep -E 'Error|kdbusfs' "$2" | sed 's/^/#   /'
}

# says ST WHAT FILE...: ok ST WHAT, and FILEs' errors if it failed
says() {
	local st=$1 what=$2
	shift 2
	ok "$st" "$what"
	[ "$st" -eq 0 ] || grep -hE 'Error|rror|kdbusfs|^msg|^send|^call|^re' "$@" |
		sed 's/^/#   /'
}

# e2e: inside --inner: the service dumped, killed and restored
e2e() {
	local sbus name out img sid n m st pid2
	sbus=$(id -u)-criusvc
	name=org.example.Criu
	out=$work/criusvc
	img=$work/e2e.img

	setsid "$svcbin" serve "$mnt" "$sbus" "$name" </dev/null >>"$out" 2>&1 &
	sid=$!
	disown "$sid"	# criu dump kills it: no "Killed" from bash
	wait_for '^ready [0-9]+$' "$out" && leader "$sid" &&
		grep -qE " $mnt/$sbus\$" "/proc/$sid/maps"
	ok $? "${tests[21]}"
	id=$(sed -n 's/^ready //p' "$out")

	"$svcbin" send "$mnt" "$sbus" "$name" withpipe pipe \
		>"$work/send0" 2>&1
	dump "$sid" "$work/fd.img" -L "$plugin"
	st=$?
	grep -qE "kdbusfs: cannot dump kdbusfs:\[$sbus/bus\] \(file id 0x[0-9a-f]+\): the message queued at offset [0-9]+ carries a pipe or FIFO \(pipe:\[[0-9]+\]\), which the plugin cannot save" \
		"$work/fd.img/dump.log"
	says $((st == 0 || $? != 0)) "${tests[22]}" "$work/fd.img/dump.log" \
		"$work/send0"
	running "$sid" &&
		"$svcbin" send "$mnt" "$sbus" "$name" after >"$work/send1" 2>&1
	says $? "${tests[23]}" "$work/send1"
	kill -USR1 "$sid"
	wait_for '^drained$' "$out"
	grep -qx 'msg withpipe fds 1' "$out" && grep -qx 'msg after' "$out"
	says $? "${tests[24]}" "$out"

	st=0
	for m in one two three; do
		"$svcbin" send "$mnt" "$sbus" "$name" "queued-$m" \
			>>"$work/send2" 2>&1 || st=1
	done
	mkdir -p "$img"
	grep -E '^kdbus-bus-id(128)?:' "/proc/$sid/fdinfo/3" >"$work/busid"
	criu dump -t "$sid" -D "$img" -o dump.log -v4 -L "$plugin" \
		>/dev/null 2>&1 || st=1
	for _ in $(seq 50); do
		kill -0 "$sid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$sid" 2>/dev/null && [ $st -eq 0 ]
	says $? "${tests[25]}" "$work/send2" "$img/dump.log"
	n=$(find "$img" -name 'kdbusfs-*.img' | wc -l)
	[ "$n" -eq 2 ]
	says $? "${tests[26]}" "$img/dump.log"

	criu restore -D "$img" -o restore.log -v4 -L "$plugin" -d \
		>/dev/null 2>&1
	st=$?
	running "$sid"
	says $((st || $?)) "${tests[27]}" "$img/restore.log"
	grep -h '^kdbus-id:' "/proc/$sid"/fdinfo/* 2>/dev/null |
		grep -qx "kdbus-id:	$id"
	ok $? "${tests[28]}"
	grep -E '^kdbus-bus-id(128)?:' "/proc/$sid/fdinfo/3" 2>/dev/null |
		cmp -s - "$work/busid" && [ "$(wc -l <"$work/busid")" -eq 2 ]
	says $? "${tests[50]}" "$work/busid" "$img/restore.log"
	grep -h '^kdbus-names:' "/proc/$sid"/fdinfo/* 2>/dev/null |
		grep -q "$name:"
	ok $? "${tests[29]}"

	n=$(grep -c '^drained$' "$out")
	kill -USR1 "$sid"
	for _ in $(seq 50); do
		[ "$(grep -c '^drained$' "$out")" -gt "$n" ] && break
		sleep 0.1
	done
	st=0
	for m in one two three; do
		[ "$(grep -cx "msg queued-$m" "$out")" -eq 1 ] || st=1
	done
	[ "$(grep -c '^msg ' "$out")" -eq 5 ] || st=1
	says $st "${tests[30]}" "$out"

	"$svcbin" call "$mnt" "$sbus" "$name" ping >"$work/call2" 2>&1 &
	pid2=$!
	sleep 0.5
	kill -USR1 "$sid"
	wait "$pid2"
	grep -qx 'reply re:ping' "$work/call2"
	says $? "${tests[31]}" "$work/call2" "$out"

	kill "$sid"
	for _ in $(seq 50); do
		kill -0 "$sid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$sid" 2>/dev/null
	ok $? "${tests[32]}"
}

# wait_long PATTERN FILE: like wait_for, up to 30 s
wait_long() {
	for _ in $(seq 300); do
		grep -qE -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# gone PID...: wait up to 5 s for every PID to be gone
gone() {
	local p
	for _ in $(seq 50); do
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && break
		done
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# fd_id PID ID: one of PID's files is connection ID
fd_id() {
	grep -h '^kdbus-id:' "/proc/$1"/fdinfo/* 2>/dev/null |
		grep -qx "kdbus-id:	$2"
}

# e2e_tree: inside --inner: a service and two children, with files, an
# asynchronous and a synchronous call in flight, dumped, killed, restored
e2e_tree() {
	local tbus name out img root cpid cid spid xid sid n st seals uid m l1 l2
	tbus=$(id -u)-criutree
	name=org.example.Tree
	out=$work/tree
	img=$work/tree.img
	uid=$(id -u)
	printf '0123456789abcdef' >"$work/payload"

	setsid "$svcbin" tree "$mnt" "$tbus" "$name" "$work/payload" \
		</dev/null >>"$out" 2>&1 &
	root=$!
	disown "$root"
	wait_long '^ready [0-9]+$' "$out" && wait_long '^sync calling$' "$out" &&
		leader "$root"
	st=$?
	# the syncer's SEND is to block before the dump
	sleep 1
	sid=$(sed -n 's/^ready //p' "$out")
	read -r cid cpid < <(sed -n 's/^client ready //p' "$out")
	read -r xid spid < <(sed -n 's/^sync ready //p' "$out")
	seals=$(sed -n 's/^client memfd seals //p' "$out")
	[ $st -eq 0 ] && [ -n "$cpid" ] && [ -n "$spid" ] &&
		[ "$(awk '{ print $4 }' "/proc/$cpid/stat")" = "$root" ] &&
		[ "$(awk '{ print $4 }' "/proc/$spid/stat")" = "$root" ] &&
		grep -qE " $mnt/$tbus\$" "/proc/$root/maps" &&
		grep -qE " $mnt/$tbus\$" "/proc/$cpid/maps" &&
		grep -qE " $mnt/$tbus\$" "/proc/$spid/maps" &&
		fd_id "$root" "$sid" && fd_id "$cpid" "$cid" &&
		fd_id "$spid" "$xid" && ! grep -q '^sync reply' "$out"
	says $? "${tests[33]}" "$out"

	mkdir -p "$img"
	criu dump -t "$root" -D "$img" -o dump.log -v4 -L "$plugin" \
		>/dev/null 2>&1
	st=$?
	gone "$root" "$cpid" "$spid" && [ $st -eq 0 ] &&
		grep -qE "kdbusfs: saved 2 files in flight of kdbusfs:\[$tbus/bus\] \(file id 0x[0-9a-f]+\), 20 bytes of memfds" \
			"$img/dump.log"
	says $? "${tests[34]}" "$img/dump.log"
	grep -qE "kdbusfs: kdbusfs:\[$tbus/bus\] \(file id 0x[0-9a-f]+\) has replies pending: 0 owed, 1 awaited, 1 synchronous" \
		"$img/dump.log"
	says $? "${tests[35]}" "$img/dump.log"
	n=$(find "$img" -name 'kdbusfs-*.img' | wc -l)
	[ "$n" -eq 4 ]
	says $? "${tests[36]}" "$img/dump.log"

	criu restore -D "$img" -o restore.log -v4 -L "$plugin" -d \
		>/dev/null 2>&1
	st=$?
	grep -h 'kdbusfs: .* appeared after' "$img/restore.log" |
		sed 's/^/# /'
	running "$root" && running "$cpid" && running "$spid" &&
		[ "$(awk '{ print $4 }' "/proc/$cpid/stat")" = "$root" ] &&
		[ "$(awk '{ print $4 }' "/proc/$spid/stat")" = "$root" ]
	says $((st || $?)) "${tests[37]}" "$img/restore.log"
	fd_id "$root" "$sid" && fd_id "$cpid" "$cid" && fd_id "$spid" "$xid"
	ok $? "${tests[38]}"
	grep -h '^kdbus-names:' "/proc/$root"/fdinfo/* 2>/dev/null |
		grep -q "$name:"
	ok $? "${tests[39]}"

	# the service drains first: its answers to the calls are then sent
	kill -USR1 "$root"
	wait_long '^drained$' "$out"
	st=0
	for m in withfd withmemfd pending blocking; do
		[ "$(grep -c "^msg $m\\( \\|\$\\)" "$out")" -eq 1 ] || st=1
	done
	[ "$(grep -c '^msg ' "$out")" -eq 4 ] || st=1
	says $st "${tests[40]}" "$out"
	grep -qE '^msg withfd fds 1 data 456789abcdef pid ' "$out"
	says $? "${tests[41]}" "$out"
	[ -n "$seals" ] && [ $((0x$seals & 0xf)) -eq 15 ] &&
		grep -qE "^msg withmemfd memfd sealed memfd payload seals $seals pid " \
			"$out"
	says $? "${tests[42]}" "$out"
	[ "$(grep -cE "^msg .* pid $cpid uid $uid\$" "$out")" -eq 3 ] &&
		grep -qx "msg blocking pid $spid uid $uid" "$out"
	says $? "${tests[43]}" "$out"

	kill -USR1 "$cpid"
	wait_long '^client reply ' "$out" && wait_long '^client signal ' "$out"
	st=0
	for m in 1 2; do
		[ "$(grep -cx "client msg to-client-$m" "$out")" -eq 1 ] || st=1
	done
	l1=$(grep -nx 'client msg to-client-1' "$out" | cut -d: -f1)
	l2=$(grep -nx 'client msg to-client-2' "$out" | cut -d: -f1)
	[ $st -eq 0 ] && [ "$l1" -lt "$l2" ] &&
		[ "$(grep -c '^client msg ' "$out")" -eq 2 ]
	says $? "${tests[44]}" "$out"
	grep -qx 'client reply re:pending' "$out" &&
		! grep -q '^client notify' "$out"
	says $? "${tests[45]}" "$out"
	# only a match rule added before the dump brings it the broadcast
	grep -qx 'client signal hello-all' "$out"
	says $? "${tests[46]}" "$out"
	wait_long '^sync ' "$out"
	grep -qx 'sync reply re:blocking' "$out" &&
		! grep -q '^sync call error' "$out"
	says $? "${tests[47]}" "$out"

	# its synchronous call waits for the service's next drain
	for _ in $(seq 20); do
		grep -q '^client reply re:again' "$out" && break
		kill -USR1 "$root"
		sleep 0.5
	done
	grep -qx 'client reply re:again' "$out" &&
		grep -qx "msg again pid $cpid uid $uid" "$out"
	says $? "${tests[48]}" "$out"

	kill "$root" "$cpid" "$spid"
	gone "$root" "$cpid" "$spid"
	ok $? "${tests[49]}"
}

# activator_waits PID ID: PID's connection ID is the activator of
# org.example.SandboxedActivatable, with one message queued for it
activator_waits() {
	local f
	f=$(grep -lx "kdbus-id:	$2" "/proc/$1"/fdinfo/* 2>/dev/null) &&
		grep -qx 'kdbus-flags:	0x2' "$f" &&
		grep -qx 'kdbus-queued:	1' "$f" &&
		grep -qE '^kdbus-names:	org\.example\.SandboxedActivatable:0x[0-9a-f]+$' "$f"
}

# e2e_sandbox: inside --inner: a service holding a custom endpoint and a
# child connected through it, dumped, killed and restored
e2e_sandbox() {
	local sbus name out img root cpid cid apid aid sid ep st mode n
	sbus=$(id -u)-criusandbox
	name=org.example.Sandboxed
	ep=$(id -u)-sandbox
	out=$work/sandbox
	img=$work/sandbox.img

	setsid "$svcbin" sandbox "$mnt" "$sbus" "$name" </dev/null \
		>>"$out" 2>&1 &
	root=$!
	disown "$root"
	wait_long '^ready [0-9]+$' "$out" && leader "$root"
	st=$?
	sid=$(sed -n 's/^ready //p' "$out")
	read -r cid cpid < <(sed -n 's/^sandboxed ready //p' "$out")
	read -r aid apid < <(sed -n 's/^activator ready //p' "$out")
	mode=$(stat -c '%a %u' "$mnt/$sbus/$ep" 2>/dev/null)
	[ $st -eq 0 ] && [ -n "$cpid" ] && [ "$mode" = "666 $(id -u)" ] &&
		grep -qx "kdbus-custom-endpoint:	$ep" "/proc/$root"/fdinfo/* &&
		grep -qx "kdbus-endpoint:	$ep" "/proc/$cpid"/fdinfo/* &&
		fd_id "$cpid" "$cid" && activator_waits "$apid" "$aid"
	says $? "${tests[60]}" "$out"

	mkdir -p "$img"
	criu dump -t "$root" -D "$img" -o dump.log -v4 -L "$plugin" \
		>/dev/null 2>&1
	st=$?
	n=$(find "$img" -name 'kdbusfs-*.img' | wc -l)
	gone "$root" "$cpid" "$apid" && [ $st -eq 0 ] && [ "$n" -eq 5 ] &&
		grep -qE "kdbusfs: dumped kdbusfs:\[$sbus/bus\] \(file id 0x[0-9a-f]+, endpoint-owner\)" \
			"$img/dump.log"
	says $? "${tests[61]}" "$img/dump.log"

	criu restore -D "$img" -o restore.log -v4 -L "$plugin" -d \
		>/dev/null 2>&1
	st=$?
	grep -h 'kdbusfs: .* appeared after' "$img/restore.log" | sed 's/^/# /'
	running "$root" && running "$cpid" && running "$apid" &&
		[ "$(stat -c '%a %u' "$mnt/$sbus/$ep" 2>/dev/null)" = "$mode" ] &&
		grep -qx "kdbus-custom-endpoint:	$ep" "/proc/$root"/fdinfo/*
	says $((st || $?)) "${tests[62]}" "$img/restore.log"
	fd_id "$root" "$sid" && fd_id "$cpid" "$cid" &&
		grep -qx "kdbus-endpoint:	$ep" "/proc/$cpid"/fdinfo/*
	ok $? "${tests[63]}"

	kill -USR1 "$root"
	wait_long '^drained$' "$out"
	[ "$(grep -cx 'msg from-sandbox' "$out")" -eq 1 ] &&
		[ "$(grep -c '^msg ' "$out")" -eq 1 ]
	says $? "${tests[64]}" "$out"

	# the child's call waits for the service's next drain
	kill -USR1 "$cpid"
	for _ in $(seq 20); do
		grep -q '^sandboxed reply ' "$out" && break
		kill -USR1 "$root"
		sleep 0.5
	done
	grep -qx 'sandboxed reply re:sandboxed' "$out"
	says $? "${tests[65]}" "$out"
	wait_long '^sandboxed hidden ' "$out"
	grep -qx 'sandboxed hidden No such process' "$out"
	says $? "${tests[66]}" "$out"
	activator_waits "$apid" "$aid"
	says $? "${tests[67]}" "$img/restore.log"

	kill "$root" "$cpid" "$apid"
	gone "$root" "$cpid" "$apid"
}

# e2e_twopools: inside --inner: one process with two connections of one
# bus, both pools mapped; the dump's mappings say which pool is whose
e2e_twopools() {
	local sbus name out img root id1 id2 st
	sbus=$(id -u)-criupools
	name=org.example.Pools
	out=$work/twopools
	img=$work/twopools.img

	setsid "$svcbin" twopools "$mnt" "$sbus" "$name" </dev/null \
		>>"$out" 2>&1 &
	root=$!
	disown "$root"
	wait_long '^ready [0-9]+$' "$out" && leader "$root" &&
		"$svcbin" send "$mnt" "$sbus" "$name" to-one >"$work/pools1" 2>&1 &&
		"$svcbin" send "$mnt" "$sbus" "${name}Two" to-two \
			>>"$work/pools1" 2>&1 &&
		[ "$(grep -cE " $mnt/$sbus\$" "/proc/$root/maps")" -eq 2 ]
	says $? "${tests[68]}" "$out" "$work/pools1"

	mkdir -p "$img"
	criu dump -t "$root" -D "$img" -o dump.log -v4 -L "$plugin" \
		>/dev/null 2>&1 && gone "$root" &&
		criu restore -D "$img" -o restore.log -v4 -L "$plugin" -d \
			>/dev/null 2>&1 && running "$root"
	says $? "${tests[69]}" "$img/dump.log" "$img/restore.log"

	kill -USR1 "$root"
	wait_long '^drained$' "$out"
	id1=$(sed -n 's/^ready //p' "$out")
	# the first connection's message, then the second's: none swapped
	sed -n '/^conn /,$p' "$out" | grep -v '^drained$' >"$work/pools2"
	id2=$(sed -n '3s/^conn //p' "$work/pools2")
	st=1
	[ "$(sed -n 1p "$work/pools2")" = "conn $id1" ] &&
		[ "$(sed -n 2p "$work/pools2")" = "msg to-one" ] &&
		[ -n "$id2" ] && [ "$id2" != "$id1" ] &&
		[ "$(sed -n 4p "$work/pools2")" = "msg to-two" ] &&
		[ "$(wc -l <"$work/pools2")" -eq 4 ] && st=0
	says $st "${tests[70]}" "$out" "$img/restore.log"
	kill "$root"
	gone "$root"
}

# ns_pid PID: PID's number in its own (innermost) pid namespace
ns_pid() {
	awk '/^NSpid:/ { print $NF }' "/proc/$1/status" 2>/dev/null
}

# container: an unprivileged container (uid 1000 outside, its own user,
# mount and pid namespaces) on a tmpfs root with non-recursive binds of
# /usr, /etc and the checkout, its own proc, /tmp and kdbusfs mount, and
# the service in it; dumped with --enable-fs kdbusfs and external binds,
# restored with --root on a skeleton of that root (criu 3.17.1 binds
# --root without MS_REC, which a locked tree with submounts refuses).
container() {
	local d c r cimg out pid p pid2 cfd st own tout seals cns cpid m kids
	local t0=${#tests[@]}
	# the container's user reaches these: a directory it may enter
	d=$(mktemp -d /tmp/kdbus-ctr.XXXXXX)
	chmod 755 "$d"
	c=$d/root
	r=$d/skeleton
	cimg=$work/ctr.img
	out=$d/out
	t0=$((t0 - 9))
	mkdir -m 755 "$c" "$r"
	cat >"$d/ctr.sh" <<-EOF
	set -e
	mount -t tmpfs -o size=1m,mode=755 ctr-root "$c"
	mkdir -p "$c/usr" "$c/etc" "$c/proc" "$c/tmp" "$c/old"
	# its /tmp first: a checkout under /tmp (a CI clone) is bound into it
	mount -t tmpfs -o size=1m,mode=755 tmp "$c/tmp"
	mkdir -p "$c$top"
	for l in bin lib lib64 sbin; do ln -s "usr/\$l" "$c/\$l"; done
	for m in /usr /etc "$top"; do mount --bind "\$m" "$c\$m"; done
	mount -t proc proc "$c/proc"
	cd "$c"; pivot_root . old; cd /; umount -l /old; rmdir /old
	mkdir -m 777 /tmp/kd; : >/tmp/in
	printf 0123456789abcdef >/tmp/payload
	mount -t kdbusfs none /tmp/kd
	exec setsid "$svcbin" tree /tmp/kd 0-ctr org.example.Ctr \
		/tmp/payload </tmp/in >/tmp/svc.out 2>&1
	EOF
	setpriv --reuid 1000 --regid 1000 --clear-groups \
		unshare -U -r -m -p -f --propagation private \
		bash "$d/ctr.sh" </dev/null >"$out" 2>&1 &
	pid=
	for _ in $(seq 100); do
		for p in $(pgrep -f "$svcbin tree /tmp/kd"); do
			[ "$(readlink "/proc/$p/exe")" = "$svcbin" ] &&
				[ "$(ns_pid "$p")" = 1 ] && pid=$p
		done
		[ -n "$pid" ] &&
			grep -qx 'sync calling' "/proc/$pid/root/tmp/svc.out" \
				2>/dev/null && break
		sleep 0.1
	done
	# the syncer's SEND is to block before the dump
	sleep 1
	[ -n "$pid" ] && grep -Eq '^ *0 +1000 +1$' "/proc/$pid/uid_map" &&
		grep -q ' - kdbusfs ' "/proc/$pid/mountinfo" &&
		grep -qx 'ready 1' "/proc/$pid/root/tmp/svc.out"
	says $? "${tests[t0]}" "$out" "/proc/${pid:-0}/root/tmp/svc.out"
	grep -hE '^kdbus-(bus-id|bus-id128|id|names):' \
		"/proc/$pid/fdinfo/3" "/proc/$pid/fdinfo/4" >"$work/ctr.ids" \
		2>/dev/null

	mkdir -p "$cimg"
	criu dump -t "$pid" -D "$cimg" -o dump.log -v4 -L "$plugin" \
		--enable-fs kdbusfs --external 'mnt[]' >/dev/null 2>&1
	st=$?
	grep -q 'kdbusfs: KDBUS_CMD_CHECKPOINT in the namespaces of task' \
		"$cimg/dump.log"
	says $((st || $?)) "${tests[t0 + 1]}" "$cimg/dump.log"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done

	mkdir -p "$r/usr" "$r/etc" "$r/proc" "$r/tmp" "$r$top"
	for l in bin lib lib64 sbin; do ln -s "usr/$l" "$r/$l"; done
	criu restore -D "$cimg" -o restore.log -v4 -L "$plugin" -d \
		--root "$r" --external 'mnt[]' --enable-fs kdbusfs \
		--pidfile "$work/ctr.pid" >/dev/null 2>&1
	st=$?
	pid2=$(cat "$work/ctr.pid" 2>/dev/null)
	[ $st -eq 0 ] && [ -n "$pid2" ] && running "$pid2"
	says $? "${tests[t0 + 2]}" "$cimg/restore.log"
	pid2=${pid2:-0}
	# never signal pid 0, our own process group
	[ "$pid2" = 0 ] && pid2=999999999
	grep -Eq '^ *0 +1000 +1$' "/proc/$pid2/uid_map" 2>/dev/null &&
		[ "$(readlink "/proc/$pid2/ns/user")" != \
		  "$(readlink /proc/self/ns/user)" ]
	ok $? "${tests[t0 + 3]}"
	own=$(stat -c %u:%g "/proc/$pid2/root/tmp/kd" 2>/dev/null)
	grep -q ' /tmp/kd .* - kdbusfs ' "/proc/$pid2/mountinfo" 2>/dev/null &&
		[ "$own" = 1000:1000 ]
	ok $? "${tests[t0 + 4]}"
	grep -hE '^kdbus-(bus-id|bus-id128|id|names):' \
		"/proc/$pid2/fdinfo/3" "/proc/$pid2/fdinfo/4" 2>/dev/null |
		cmp -s - "$work/ctr.ids" &&
		[ "$(wc -l <"$work/ctr.ids")" -eq 6 ]
	says $? "${tests[t0 + 5]}" "$work/ctr.ids" "$cimg/restore.log"

	# the tree in the container, as e2e_tree checks it outside
	tout=/proc/$pid2/root/tmp/svc.out
	kill -USR1 "$pid2" 2>/dev/null
	wait_long '^drained$' "$tout"
	seals=$(sed -n 's/^client memfd seals //p' "$tout")
	st=0
	for m in withfd withmemfd pending blocking; do
		[ "$(grep -c "^msg $m\\( \\|\$\\)" "$tout")" -eq 1 ] || st=1
	done
	[ $st -eq 0 ] && [ "$(grep -c '^msg ' "$tout")" -eq 4 ] &&
		grep -qE '^msg withfd fds 1 data 456789abcdef ' "$tout" &&
		[ -n "$seals" ] && [ $((0x$seals & 0xf)) -eq 15 ] &&
		grep -qE "^msg withmemfd memfd sealed memfd payload seals $seals " \
			"$tout"
	says $? "${tests[t0 + 6]}" "$tout"
	cns=$(sed -n 's/^client ready [0-9]* //p' "$tout")
	cpid=
	read -ra kids <"/proc/$pid2/task/$pid2/children" 2>/dev/null
	for p in "${kids[@]}"; do
		[ "$(ns_pid "$p")" = "$cns" ] && cpid=$p
	done
	[ -n "$cpid" ] && kill -USR1 "$cpid"
	wait_long '^client signal ' "$tout" && wait_long '^sync ' "$tout"
	grep -qx 'client reply re:pending' "$tout" &&
		grep -qx 'client signal hello-all' "$tout" &&
		grep -qx 'sync reply re:blocking' "$tout"
	says $? "${tests[t0 + 7]}" "$tout"

	nsenter -t "$pid2" -U -m -p "$svcbin" call /tmp/kd 0-ctr \
		org.example.Ctr hi >"$work/ctr.call" 2>&1 &
	cfd=$!
	# the service answers at its next drain, once the call is queued
	for _ in $(seq 20); do
		sleep 0.5
		kill -0 "$cfd" 2>/dev/null || break
		kill -USR1 "$pid2" 2>/dev/null
	done
	kill "$cfd" 2>/dev/null
	wait "$cfd"
	grep -qx 'reply re:hi' "$work/ctr.call"
	says $? "${tests[t0 + 8]}" "$work/ctr.call"
	[ "$pid2" != 999999999 ] && kill -9 "$pid2" 2>/dev/null
	rm -rf "$d"
}

if [ "${1:-}" = --inner ]; then
	mnt=$2 bus=$3 work=$4 tap_n=$5 tap_fail=$6
	trap 'kill $(jobs -p) 2>/dev/null' EXIT
	ep=$mnt/$bus/bus
	link="kdbusfs:\[$bus/bus\]"

	setsid "$top/samples/service" "$bus" </dev/null >"$work/svc" 2>&1 &
	svc=$!
	wait_for '^ready org\.example\.Echo :1\.[0-9]+$' "$work/svc"
	ok $? "${tests[2]}"
	ls -l "/proc/$svc/fd" >"$work/fds" 2>&1
	ok_grep "-> $link\$" "$work/fds" "${tests[3]}"

	# criu collects mappings before files: the pool's VMA stops it first
	dump "$svc" "$work/svc.img" -L "$plugin"
	st=$?
	ok $st "${tests[4]}"
	[ $st -eq 0 ] || grep -E 'Error|kdbusfs' "$work/svc.img/dump.log" | sed 's/^/#   /'
	grep -q 'Found device file mapping, plugin is available' \
		"$work/svc.img/dump.log"
	log_grep "kdbusfs: dumped $link \(file id 0x[0-9a-f]+, connection\)" \
		"$work/svc.img/dump.log" "${tests[5]}"
	running "$svc"
	ok $? "${tests[6]}"
	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Echo s hello >"$work/call" 2>&1
	ok_grep '^s "hello"$' "$work/call" "${tests[7]}"

	"$hold" conn "$ep" </dev/null >"$work/conn" 2>&1 &
	conn=$!
	wait_for '^conn [0-9]+$' "$work/conn"
	ok $? "${tests[8]}"
	id=$(sed -n 's/^conn //p' "$work/conn")
	dump "$conn" "$work/conn.img" -L "$plugin"
	ok $? "${tests[9]}"
	log_grep 'kdbusfs: plugin loaded' "$work/conn.img/dump.log" "${tests[10]}"
	log_grep "kdbusfs: dumped $link \(file id 0x[0-9a-f]+, connection\)" \
		"$work/conn.img/dump.log" "${tests[11]}"
	running "$conn" && grep -h '^kdbus-id:' "/proc/$conn"/fdinfo/* 2>/dev/null |
		grep -qx "kdbus-id:	$id" &&
		grep -qx 'kdbus-connected:	yes' "/proc/$conn"/fdinfo/*
	ok $? "${tests[12]}"

	mkdir "$work/no-plugins"
	dump "$conn" "$work/bare.img" -L "$work/no-plugins"
	st=$?
	grep -qE "Can't dump file [0-9]+ of that type \[100[0-7]+\] \(reg $link\)" \
		"$work/bare.img/dump.log"
	ok $((st == 0 || $? != 0)) "${tests[13]}" ||
		grep -E 'Error' "$work/bare.img/dump.log" | sed 's/^/#   /'
	kill "$conn"

	# shellcheck disable=SC2016 # $1 is the inner shell's
	setsid bash -c 'exec 3<>"$1" && exec sleep 1000' - "$ep" \
		</dev/null >/dev/null 2>&1 &
	unused=$!
	for _ in $(seq 50); do
		[[ $(readlink "/proc/$unused/exe") == */sleep ]] && break
		sleep 0.1
	done
	dump "$unused" "$work/unused.img" -L "$plugin"
	ok $((! $?)) "${tests[14]}"
	log_grep "kdbusfs: cannot dump $link \(file id 0x[0-9a-f]+\): endpoint file of bus $bus not used yet" \
		"$work/unused.img/dump.log" "${tests[15]}"
	running "$unused"
	ok $? "${tests[16]}"
	kill "$unused"

	"$hold" pool "$ep" </dev/null >"$work/pool" 2>&1 &
	pool=$!
	wait_for '^child [0-9]+$' "$work/pool"
	child=$(sed -n 's/^child //p' "$work/pool")
	leader "$child"
	grep -qE " $mnt/$bus\$" "/proc/$child/maps" 2>/dev/null &&
		! find "/proc/$child/fd" -lname 'kdbusfs:*' | grep -q .
	ok $? "${tests[17]}"
	# HANDLE_DEVICE_VMA cannot tell that no connection goes with it:
	# the dump succeeds, and its restore would fail at UPDATE_VMA_MAP
	dump "$child" "$work/pool.img" -L "$plugin"
	log_grep 'Found device file mapping, plugin is available' \
		"$work/pool.img/dump.log" "${tests[18]}"
	running "$child"
	ok $? "${tests[19]}"
	kill "$pool"

	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Quit >/dev/null 2>&1
	wait "$svc"
	ok $? "${tests[20]}"

	e2e
	e2e_tree
	e2e_sandbox
	e2e_twopools
	container
	tap_done
	exit
fi

if [ "$(id -u)" != 0 ] ||
   [ "$(awk '{ print $1, $2, $3 }' /proc/self/uid_map)" != "0 0 4294967295" ]; then
	skip_all "criu needs root in the initial user namespace"
fi
command -v criu >/dev/null || skip_all "no criu installed"
if [ ! -e "$plugin/kdbusfs_plugin.so" ] || [ ! -x "$hold" ] ||
   [ ! -x "$svcbin" ]; then
	skip_all "tools/criu is not built"
fi

work=$(mktemp -d /tmp/kdbus-criu.XXXXXX)

# criu check wants netfilter and the socket diag modules, which vm-run's
# guest does not load: load them from the guest kernel's own modules
load_modules() {
	local v g d m
	v=$(uname -r)
	g=/var/cache/kdbusfs/guest-$v/lib/modules/$v
	[ -d "$g/kernel" ] || return 0
	d=$work/mods/lib/modules/$v
	mkdir -p "$d"
	ln -s "$g/kernel" "$d/kernel"
	cp "$g"/modules.builtin* "$g/modules.order" "$d/"
	depmod -b "$work/mods" "$v" || return 0
	for m in nf_tables unix_diag inet_diag tcp_diag udp_diag netlink_diag \
		 af_packet_diag tun veth; do
		modprobe -q -d "$work/mods" "$m"
	done
}
load_modules

criu check >"$work/check.log" 2>&1
ok $? "${tests[0]}"
grep -q '^Looks good' "$work/check.log" || sed 's/^/#   /' "$work/check.log"

setsid sleep 1000 </dev/null >/dev/null 2>&1 &
plain=$!
leader "$plain"
dump "$plain" "$work/plain.img" -L "$plugin"
st=$?
ok $st "${tests[1]}"
[ $st -eq 0 ] || grep -E 'Error' "$work/plain.img/dump.log" | sed 's/^/#   /'
kill "$plain"

tap_mount
trap 'umount -l "$mnt"; rmdir "$mnt"; rm -rf "$work"' EXIT
bus=$(id -u)-criu
"$k" bus-make "$mnt" "$bus" -- "$0" --inner "$mnt" "$bus" "$work" \
	"$tap_n" "$tap_fail" | grep -v '^made bus'
exit "${PIPESTATUS[0]}"
