#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A GLib D-Bus service for tools/testing/selftests/kdbusfs/bridge.sh.

usage: test-service.py ADDRESS [NAME]
Owns NAME (org.example.Bridge) on the bus at ADDRESS (through kdbusfs-bridge),
serves Echo(s) -> s, Uid() -> u and Pid() -> u (the caller's uid and
pid, asked of the bus driver), ReadFd(h) -> s (what it reads from the fd passed), Slow(s) -> s
(answered after 3 s), Flags() -> u (the D-Bus header flags of the call),
Flood(u count, u size) (that many org.example.Bridge.Blob signals of
that many bytes, broadcast), Quit(), Die() (exits without answering); prints what it sees: its RequestName reply, the
org.example.Bridge.Poke signals it subscribed to, and NameOwnerChanged
for names under org.example.
"""
import os
import sys

from gi.repository import Gio, GLib

XML = """<node><interface name="org.example.Bridge">
<method name="Echo"><arg type="s" direction="in"/><arg type="s" direction="out"/></method>
<method name="Uid"><arg type="u" direction="out"/></method>
<method name="Pid"><arg type="u" direction="out"/></method>
<method name="ReadFd"><arg type="h" direction="in"/><arg type="s" direction="out"/></method>
<method name="Slow"><arg type="s" direction="in"/><arg type="s" direction="out"/></method>
<method name="Flags"><arg type="u" direction="out"/></method>
<method name="Flood"><arg type="u" direction="in"/><arg type="u" direction="in"/></method>
<method name="Quit"/>
<method name="Die"/>
</interface></node>"""

DRIVER = ("org.freedesktop.DBus", "/org/freedesktop/DBus",
          "org.freedesktop.DBus")


def out(*args):
    print(*args, flush=True)


def main():
    conn = Gio.DBusConnection.new_for_address_sync(
        sys.argv[1],
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    loop = GLib.MainLoop()

    def driver(method, args, rtype):
        return conn.call_sync(*DRIVER, method, args, GLib.VariantType(rtype),
                              Gio.DBusCallFlags.NONE, 5000, None)

    def on_call(conn, sender, path, iface, method, params, inv):
        if method == "Echo":
            inv.return_value(GLib.Variant("(s)", (params[0],)))
        elif method == "Uid":
            uid = driver("GetConnectionUnixUser",
                         GLib.Variant("(s)", (sender,)), "(u)")[0]
            inv.return_value(GLib.Variant("(u)", (uid,)))
        elif method == "Pid":
            pid = driver("GetConnectionUnixProcessID",
                         GLib.Variant("(s)", (sender,)), "(u)")[0]
            inv.return_value(GLib.Variant("(u)", (pid,)))
        elif method == "ReadFd":
            fds = inv.get_message().get_unix_fd_list()
            fd = fds.get(params[0])
            data = os.read(fd, 256).decode()
            os.close(fd)
            inv.return_value(GLib.Variant("(s)", (data,)))
        elif method == "Slow":
            def answer():
                inv.return_value(GLib.Variant("(s)", (params[0],)))
                out("slow-answered", params[0])
                return False
            GLib.timeout_add(3000, answer)
        elif method == "Flags":
            flags = int(inv.get_message().get_flags())
            inv.return_value(GLib.Variant("(u)", (flags,)))
        elif method == "Flood":
            # a string: GLib.Variant builds an "ay" byte by byte in Python
            blob = GLib.Variant("(s)", ("x" * params[1],))
            for _ in range(params[0]):
                conn.emit_signal(None, "/org/example/Bridge",
                                 "org.example.Bridge", "Blob", blob)
            conn.flush_sync(None)
            inv.return_value(None)
        elif method == "Die":
            os._exit(0)
        elif method == "Quit":
            inv.return_value(None)
            GLib.idle_add(loop.quit)

    def on_poke(conn, sender, path, iface, member, params):
        out("poke", sender, path, params[0])

    def on_owner(conn, sender, path, iface, member, params):
        name, old, new = params.unpack()
        if name.startswith("org.example."):
            out("owner-changed", sender, name, old or "-", new or "-")

    info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
    conn.register_object("/org/example/Bridge", info, on_call, None, None)
    conn.signal_subscribe(None, "org.example.Bridge", "Poke", None, None,
                          Gio.DBusSignalFlags.NONE, on_poke)
    conn.signal_subscribe("org.freedesktop.DBus", "org.freedesktop.DBus",
                          "NameOwnerChanged", "/org/freedesktop/DBus", None,
                          Gio.DBusSignalFlags.NONE, on_owner)
    name = sys.argv[2] if len(sys.argv) > 2 else "org.example.Bridge"
    ret = driver("RequestName", GLib.Variant("(su)", (name, 4)), "(u)")[0]
    out("ready", ret, conn.get_unique_name())
    loop.run()


if __name__ == "__main__":
    main()
