#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A python3-dbus (dbus-python, on libdbus) service and client for
tools/testing/selftests/kdbusfs/bridge.sh.

usage: test-pydbus.py ADDRESS service
       test-pydbus.py ADDRESS client
The service owns org.example.PyDBus and serves org.example.PyDBus.Echo(s)
-> s and Quit(); it prints "ready UNIQUE". The client calls Echo and asks
the driver about the service; it prints what it got, a line each.
"""
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.example.PyDBus"
PATH = "/org/example/PyDBus"


class Service(dbus.service.Object):
    def __init__(self, bus, loop):
        super().__init__(bus, PATH)
        self.loop = loop

    @dbus.service.method(NAME, in_signature="s", out_signature="s")
    def Echo(self, text):
        return text

    @dbus.service.method(NAME, in_signature="", out_signature="")
    def Quit(self):
        GLib.idle_add(self.loop.quit)


def main():
    address, role = sys.argv[1], sys.argv[2]
    if role == "service":
        dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
        bus = dbus.bus.BusConnection(address)
        loop = GLib.MainLoop()
        name = dbus.service.BusName(NAME, bus, do_not_queue=True)
        svc = Service(bus, loop)
        print("ready", bus.get_unique_name(), flush=True)
        loop.run()
        del svc, name
        return
    bus = dbus.bus.BusConnection(address)
    proxy = bus.get_object(NAME, PATH)
    print("echo", proxy.Echo("from python3-dbus", dbus_interface=NAME))
    print("owner", bus.get_name_owner(NAME))
    print("has-owner", bus.name_has_owner(NAME))
    print("uid", bus.get_unix_user(NAME))
    proxy.Quit(dbus_interface=NAME)


if __name__ == "__main__":
    main()
