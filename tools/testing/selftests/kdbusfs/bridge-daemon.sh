#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bridge-daemon - kdbusfs-bridge as a drop-in for dbus-daemon: its command
# line and configuration file, its own domain and bus when no bus is
# given (dbus-run-session, GLib's GTestDBus, --fork with --print-address
# and --print-pid), a session bus that serves only its own uid, a system
# bus that serves every uid with their own credentials, and an
# unprivileged user's bridge in a user namespace of its own. Runs in the
# guest as root; prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
bridge=$top/tools/bridge/kdbusfs-bridge
py=/usr/bin/python3
# shellcheck source=../../../kdbusfs/tests/tap.sh
. "$top/tools/kdbusfs/tests/tap.sh"

tmp=$(mktemp -d)
chmod 0755 "$tmp"
out=$tmp/out
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$tmp"' EXIT

getid() {
	timeout 20 dbus-send --address="$1" --print-reply \
		--dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId
}

if [ ! -x "$bridge" ]; then
	ok 1 "tools/bridge/kdbusfs-bridge is built"
	tap_done
	exit 1
fi

"$bridge" >"$out" 2>&1
st=$?
ok $((st != 1)) "no configuration: exit status 1"
ok_grep 'No configuration file specified' "$out" "no configuration: says so"

"$bridge" --introspect >"$out" 2>&1
ok_grep '<method name="GetConnectionCredentials">' "$out" \
	"--introspect prints the driver's interface"

# dbus-run-session starts it as "--nofork --print-address=FD --session"
timeout 60 dbus-run-session --dbus-daemon="$bridge" -- \
	dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
	org.freedesktop.DBus.GetId >"$out" 2>&1
ok $? "dbus-run-session --dbus-daemon=kdbusfs-bridge -- dbus-send: exit 0"
ok_grep '^   string "[0-9a-f]{32}"$' "$out" \
	"dbus-run-session: GetId from the bridge's own bus"

cat >"$tmp/session-pair" <<EOF
"$py" "$top/tools/bridge/test-service.py" "\$DBUS_SESSION_BUS_ADDRESS" >"$tmp/svc" 2>&1 &
for i in \$(seq 100); do grep -q '^ready' "$tmp/svc" && break; sleep 0.1; done
gdbus call --session --dest org.example.Bridge --object-path /org/example/Bridge \
	--method org.example.Bridge.Echo "in a session"
gdbus call --session --dest org.example.Bridge --object-path /org/example/Bridge \
	--method org.example.Bridge.Quit >/dev/null
wait
EOF
timeout 90 dbus-run-session --dbus-daemon="$bridge" -- bash "$tmp/session-pair" \
	>"$out" 2>&1
ok_grep "^\('in a session',\)\$" "$out" \
	"dbus-run-session: a GLib service and gdbus talk on the bridge's bus"

# GLib's GTestDBus: --config-file=FILE --print-address=FD
cat >"$tmp/gtest.py" <<'EOF'
import sys
from gi.repository import Gio
t = Gio.TestDBus.new(Gio.TestDBusFlags.NONE)
t.up()
c = Gio.DBusConnection.new_for_address_sync(
    t.get_bus_address(),
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
print("unique", c.get_unique_name())
c.close_sync(None)
t.down()
EOF
G_TEST_DBUS_DAEMON=$bridge timeout 60 "$py" "$tmp/gtest.py" >"$out" 2>&1
ok_grep '^unique :1\.[0-9]+$' "$out" \
	"GTestDBus with G_TEST_DBUS_DAEMON=kdbusfs-bridge: a client says Hello"

# --fork with a configuration file of our own, --print-address and --print-pid
cat >"$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$tmp/forked</listen>
  <auth>EXTERNAL</auth>
  <pidfile>$tmp/pid</pidfile>
  <include ignore_missing="yes">$tmp/missing.conf</include>
  <policy context="default"><allow own="*"/></policy>
  <limit name="max_match_rules_per_connection">50000</limit>
</busconfig>
EOF
timeout 30 "$bridge" --fork --config-file="$tmp/bus.conf" --print-address=3 \
	--print-pid=4 3>"$tmp/addr" 4>"$tmp/printed-pid" 2>"$tmp/log"
ok $? "--fork: the parent exits 0 once the bus is up"
ok_grep "^unix:path=$tmp/forked" "$tmp/addr" \
	"--print-address=3: the <listen> address of the config file"
pid=$(cat "$tmp/printed-pid" 2>/dev/null)
kill -0 "${pid:-0}" 2>/dev/null
ok $? "--print-pid=4: the pid of a running bridge"
[ "$(cat "$tmp/pid" 2>/dev/null)" = "$pid" ]
ok $? "<pidfile>: the same pid"
getid "unix:path=$tmp/forked" >"$out" 2>&1
ok_grep '^   string "[0-9a-f]{32}"$' "$out" "the forked bridge answers GetId"
kill "${pid:-0}" 2>/dev/null
for i in $(seq 50); do kill -0 "${pid:-0}" 2>/dev/null || break; sleep 0.1; done
[ ! -e "$tmp/pid" ]
ok $? "SIGTERM: the forked bridge ends and removes its pid file"

# the limits on clients that have not started, from <limit> as dbus-daemon
cat >"$tmp/limits.conf" <<EOF
<busconfig>
  <type>session</type>
  <listen>unix:path=$tmp/limits</listen>
  <limit name="auth_timeout">2000</limit>
  <limit name="max_incomplete_connections">2</limit>
</busconfig>
EOF
cat >"$tmp/idle.py" <<'EOF'
import socket, sys, time
socks = []
for i in range(3):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socks.append(s)
    time.sleep(0.2)
def closed(s, wait):
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True
print("third", "closed" if closed(socks[2], 1.5) else "open", flush=True)
print("first-early", "closed" if closed(socks[0], 0.1) else "open", flush=True)
time.sleep(2)
print("first-late", "closed" if closed(socks[0], 3) else "open", flush=True)
EOF
"$bridge" --nofork --config-file="$tmp/limits.conf" --print-address \
	>"$tmp/laddr" 2>"$tmp/llog" &
lpid=$!
wait_for '^unix:path=' "$tmp/laddr"
timeout 30 "$py" "$tmp/idle.py" "$tmp/limits" >"$out" 2>&1
ok_grep '^third closed$' "$out" \
	"max_incomplete_connections 2: a third silent client is refused"
ok_grep '^first-early open$' "$out" "the first is kept until auth_timeout"
ok_grep '^first-late closed$' "$out" \
	"auth_timeout 2000: a client silent that long is closed"
getid "unix:path=$tmp/limits" >"$out" 2>&1
ok_grep '^   string "[0-9a-f]{32}"$' "$out" \
	"a client that speaks is served afterwards"
kill "$lpid"
wait "$lpid" 2>/dev/null

sed 's|<auth>EXTERNAL</auth>|<auth>ANONYMOUS</auth>|' "$tmp/bus.conf" \
	>"$tmp/anon.conf"
timeout 10 "$bridge" --nofork --config-file="$tmp/anon.conf" >"$out" 2>&1
st=$?
ok $((st != 1)) "<auth>ANONYMOUS</auth>: refused, exit status 1"
ok_grep 'only EXTERNAL' "$out" "<auth>ANONYMOUS</auth>: says why"

if [ "$(id -u)" != 0 ] || ! setpriv --reuid=65534 true 2>/dev/null; then
	for w in "--session as root serves root only" \
		"--system serves every uid, each with its own uid" \
		"an unprivileged user's bridge in a user namespace of its own"; do
		echo "ok $((tap_n += 1)) - $w # SKIP needs root and uid 65534"
	done
	tap_done
	exit
fi

"$bridge" --session --nofork --address="unix:path=$tmp/sess" \
	--print-address >"$tmp/sess-addr" 2>"$tmp/sess-log" &
wait_for '^unix:' "$tmp/sess-addr"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	timeout 20 dbus-send --address="unix:path=$tmp/sess" --print-reply \
	--dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >"$out" 2>&1
st=$?
getid "unix:path=$tmp/sess" >>"$out" 2>&1
ok $((st == 0 || $? != 0)) "--session as root serves root only"
ok_grep 'a session bus serves its own uid only' "$tmp/sess-log" \
	"--session: says why another uid is refused"

"$bridge" --system --nofork --nopidfile --address="unix:path=$tmp/sys" \
	--print-address >"$tmp/sys-addr" 2>"$tmp/sys-log" &
wait_for '^unix:' "$tmp/sys-addr"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$py" "$top/tools/bridge/test-client.py" "unix:path=$tmp/sys" \
	>"$out" 2>&1
ok_grep '^uid 65534$' "$out" \
	"--system serves every uid, each with its own uid"
ok_grep '^pid own$' "$out" "--system: the client's own pid on the bus"

mkdir -m 0777 "$tmp/u"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$bridge" --session --nofork --address="unix:path=$tmp/u/bus" \
	--print-address >"$tmp/u/addr" 2>"$tmp/u/log" &
wait_for '^unix:' "$tmp/u/addr"
ok $? "an unprivileged user's bridge in a user namespace of its own"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$py" "$top/tools/bridge/test-client.py" "unix:path=$tmp/u/bus" \
	>"$out" 2>&1
ok_grep '^uid 65534$' "$out" \
	"the unprivileged user's bridge: its client is uid 65534 on the bus"
ok_grep '^request 1$' "$out" \
	"the unprivileged user's bridge: its client owns a name on its bus"
[ -s "$tmp/u/log" ] && sed 's/^/# log: /' "$tmp/u/log"
tap_done
