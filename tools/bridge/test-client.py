#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A GLib D-Bus client for tools/testing/selftests/kdbusfs/bridge.sh.

usage: test-client.py ADDRESS [fd|large|match|interactive|callerpid]
Prints its unique name, the uid the bus driver reports for it, whether
the pid it reports is its own, and the replies (or D-Bus error names) of
RequestName for org.example.Other: first try, again, for the service's
name, ListQueuedOwners, then ReleaseName twice; GetConnectionCredentials
of itself. With "fd": only passes a pipe to org.example.Bridge.ReadFd and
prints what the service read from it. With "large": only echoes a 3 MiB
string and prints whether it came back intact, and its length. With
"match": only AddMatch of a rule, RemoveMatch of the same rule written
otherwise, RemoveMatch of it again, of a bad rule, and a second Hello:
the replies or error names. With "interactive": only calls
org.example.Bridge.Flags with ALLOW_INTERACTIVE_AUTHORIZATION and
without, printing the flags the service saw. With "callerpid": only asks
org.example.Bridge.Pid, the pid the service is told for its caller, and
prints whether it is this process's.
"""
import os
import sys

from gi.repository import Gio, GLib


def main():
    conn = Gio.DBusConnection.new_for_address_sync(
        sys.argv[1],
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def driver(method, args, rtype):
        try:
            return conn.call_sync("org.freedesktop.DBus",
                                  "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus", method, args,
                                  GLib.VariantType(rtype),
                                  Gio.DBusCallFlags.NONE, 5000, None)[0]
        except GLib.Error as e:
            return Gio.DBusError.get_remote_error(e)

    if sys.argv[2:] == ["fd"]:
        r, w = os.pipe()
        os.write(w, b"through the bridge")
        os.close(w)
        fds = Gio.UnixFDList.new()
        fds.append(r)
        os.close(r)
        ret, _ = conn.call_with_unix_fd_list_sync(
            "org.example.Bridge", "/org/example/Bridge",
            "org.example.Bridge", "ReadFd", GLib.Variant("(h)", (0,)),
            GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, 5000, fds, None)
        print("fd", ret[0])
        return

    if sys.argv[2:] == ["match"]:
        def rule(method, text):
            try:
                conn.call_sync("org.freedesktop.DBus",
                               "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", method,
                               GLib.Variant("(s)", (text,)) if text else None,
                               None,
                               Gio.DBusCallFlags.NONE, 5000, None)
                return "ok"
            except GLib.Error as e:
                return Gio.DBusError.get_remote_error(e)
        print("add", rule("AddMatch", "type='signal',interface='org.example."
                          "Bridge',member='Poke',arg0='x'"))
        # the same rule: other key order, quoting and spacing
        same = "arg0=x,member=Poke, interface='org.example.Bridge',type=signal"
        print("remove", rule("RemoveMatch", same))
        print("remove-again", rule("RemoveMatch", same))
        print("remove-bad", rule("RemoveMatch", "type='nonsense'"))
        print("hello-again", rule("Hello", None))
        return

    if sys.argv[2:] == ["interactive"]:
        for name, flags in (("with", Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION),
                            ("without", Gio.DBusCallFlags.NONE)):
            ret = conn.call_sync("org.example.Bridge", "/org/example/Bridge",
                                 "org.example.Bridge", "Flags", None,
                                 GLib.VariantType("(u)"), flags, 5000, None)
            print(name, ret[0])
        return

    if sys.argv[2:] == ["callerpid"]:
        ret = conn.call_sync("org.example.Bridge", "/org/example/Bridge",
                             "org.example.Bridge", "Pid", None,
                             GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE,
                             5000, None)
        print("callerpid", "own" if ret[0] == os.getpid() else ret[0])
        return

    if sys.argv[2:] == ["large"]:
        # 3 MiB each way: more than the kernel's 2 MiB of inline vectors
        text = "".join(chr(97 + i % 26) for i in range(3 << 20))
        ret = conn.call_sync("org.example.Bridge", "/org/example/Bridge",
                             "org.example.Bridge", "Echo",
                             GLib.Variant("(s)", (text,)),
                             GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE,
                             60000, None)
        print("large", "intact" if ret[0] == text else "corrupted",
              len(ret[0]))
        return

    me = conn.get_unique_name()
    print("unique", me)
    print("uid", driver("GetConnectionUnixUser", GLib.Variant("(s)", (me,)),
                        "(u)"))
    pid = driver("GetConnectionUnixProcessID", GLib.Variant("(s)", (me,)),
                 "(u)")
    print("pid", "own" if pid == os.getpid() else pid)
    name = GLib.Variant("(su)", ("org.example.Other", 4))
    print("request", driver("RequestName", name, "(u)"))
    print("request-again", driver("RequestName", name, "(u)"))
    queued = driver("ListQueuedOwners",
                    GLib.Variant("(s)", ("org.example.Other",)), "(as)")
    print("queued", " ".join(queued) if isinstance(queued, list) else queued)
    name = GLib.Variant("(su)", ("org.example.Bridge", 4))
    print("request-taken", driver("RequestName", name, "(u)"))
    name = GLib.Variant("(s)", ("org.example.Other",))
    print("release", driver("ReleaseName", name, "(u)"))
    print("release-again", driver("ReleaseName", name, "(u)"))
    creds = driver("GetConnectionCredentials", GLib.Variant("(s)", (me,)),
                   "(a{sv})")
    print("creds-uid", creds.get("UnixUserID"))
    print("creds-pid", "own" if creds.get("ProcessID") == os.getpid()
          else creds.get("ProcessID"))
    conn.close_sync(None)


if __name__ == "__main__":
    main()
