#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# criu.sh - Debian's criu (3.17.1) against kdbusfs files, with the plugin
# in tools/criu: fd links that send every kdbusfs file to the plugin, and
# a dump that the plugin refuses for a connection and for an unused
# endpoint file, which leaves the tree running with its connection
# working; pools, mapped with or without their file, which criu does not
# take for memfds. Runs in the guest as root in the initial user
# namespace; in a user namespace each test is skipped. TAP on stdout.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
k=$top/tools/kdbusfs/kdbusfs
plugin=$top/tools/criu
hold=$plugin/kdbusfs-criu-hold
# shellcheck source=../../../kdbusfs/tests/tap.sh
. "$top/tools/kdbusfs/tests/tap.sh"

tests=(
	"criu check passes"
	"a plain process dumps with the plugin loaded"
	"service: owns org.example.Echo"
	"the service's fd link is kdbusfs:[BUS/bus]"
	"criu dump of the service fails"
	"criu refused the service's pool: no memfd, a file outside its mounts"
	"the service is still running, not stopped"
	"its connection still answers a call"
	"a connection that has not mapped its pool"
	"criu dump of it fails"
	"criu loaded the plugin"
	"the plugin refused the connection with its message"
	"the connection is still running and connected"
	"without the plugin criu refuses the file too, never reopens it"
	"criu dump of an unused endpoint file fails"
	"the plugin refused the unused endpoint file with its message"
	"the process holding it is still running"
	"a task that maps a live pool but holds no kdbusfs file"
	"criu dump of it fails on the pool's mapping"
	"the task is still running"
	"service: quits when asked"
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
	ok $((! $?)) "${tests[4]}"
	log_grep "Can't lookup mount=[0-9]+ for fd=-?[0-9]+ path=/kdbus-$bus \(deleted\)" \
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
	ok $((! $?)) "${tests[9]}"
	log_grep 'kdbusfs: plugin loaded' "$work/conn.img/dump.log" "${tests[10]}"
	log_grep "kdbusfs: cannot dump $link \(file id 0x[0-9a-f]+\): connection $id on bus $bus \(connected: yes\); the kernel cannot checkpoint a connection yet" \
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
	grep -qE "/kdbus-$bus \(deleted\)\$" "/proc/$child/maps" 2>/dev/null &&
		! find "/proc/$child/fd" -lname 'kdbusfs:*' | grep -q .
	ok $? "${tests[17]}"
	dump "$child" "$work/pool.img" -L "$plugin"
	st=$?
	grep -qE "Can't lookup mount=[0-9]+ for fd=-?[0-9]+ path=/kdbus-$bus \(deleted\)" \
		"$work/pool.img/dump.log"
	ok $((st == 0 || $? != 0)) "${tests[18]}" ||
		grep -E 'Error' "$work/pool.img/dump.log" | sed 's/^/#   /'
	running "$child"
	ok $? "${tests[19]}"
	kill "$pool"

	"$k" call "$bus" org.example.Echo /org/example/Echo org.example.Echo \
		Quit >/dev/null 2>&1
	wait "$svc"
	ok $? "${tests[20]}"
	tap_done
	exit
fi

if [ "$(id -u)" != 0 ] ||
   [ "$(awk '{ print $1, $2, $3 }' /proc/self/uid_map)" != "0 0 4294967295" ]; then
	skip_all "criu needs root in the initial user namespace"
fi
command -v criu >/dev/null || skip_all "no criu installed"
if [ ! -e "$plugin/kdbusfs_plugin.so" ] || [ ! -x "$hold" ]; then
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
