/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkdbus-dbus - D-Bus messages over kdbusfs.
 *
 * A kdbus message of payload type KDB_PAYLOAD_DBUS carries one D-Bus
 * message, header and body, in the D-Bus wire format exactly as GLib's
 * GDBusMessage marshals it (g_dbus_message_to_blob()); its unix fds travel
 * as the kdbus message's fds, in order. Addressing follows the D-Bus
 * message: a destination ":1.N" is connection N, another destination is a
 * well-known name, a signal without one is a broadcast with a bloom filter
 * in sd-bus's scheme. The sender field is set to the sender's unique name
 * on sending and, on receiving, to the one the kernel vouches for.
 */
#ifndef LIBKDBUS_DBUS_H
#define LIBKDBUS_DBUS_H

#include <gio/gio.h>
#include <libkdbus.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Send @message. Its serial is set (a new cookie) if it has none; a
 * method call that expects a reply is sent with KDB_MSG_EXPECT_REPLY and
 * @timeout_us (0: 25 s); replies and errors answer their reply serial.
 * -EINVAL for a message GDBus cannot marshal or an unusable destination.
 */
int kdb_dbus_send(struct kdb_conn *conn, struct _GDBusMessage *message,
		  uint64_t timeout_us);

/*
 * Call: send method call @call and wait for its answer, at most
 * @timeout_us (0: 25 s), in the kernel. *@reply is the method return or
 * the error message; -ETIMEDOUT, -EPIPE (the peer dropped it or went
 * away), -ECANCELED (@cancel_fd became readable; -EOPNOTSUPP if the
 * kernel cannot watch it; -1 for none).
 */
int kdb_dbus_call(struct kdb_conn *conn, GDBusMessage *call,
		  uint64_t timeout_us, int cancel_fd, GDBusMessage **reply);

/*
 * The D-Bus message @msg carries, with its fds (duplicated) and its
 * sender set to ":1.<src id>". -EPROTOTYPE for a payload that is not
 * D-Bus, -EBADMSG for one GDBus cannot read.
 */
int kdb_dbus_from_msg(struct kdb_msg *msg, GDBusMessage **message);

/*
 * Receive the next D-Bus message, skipping nothing: -ENOMSG for a kernel
 * notification or a non-D-Bus message (which *@raw then holds, if not
 * NULL; otherwise it is freed). With @raw, *@raw also holds the kernel's
 * message of a D-Bus one, for its metadata; free it with kdb_msg_free().
 */
int kdb_dbus_recv(struct kdb_conn *conn, GDBusMessage **message,
		  struct kdb_msg **raw);

/*
 * Fill @filter (@size bytes, zeroed first) with the words of @message:
 * "message-type:", "interface:", "member:", "path:", "path-slash-prefix:"
 * with its prefixes, and for each leading string, object path or
 * signature argument N "argN:", "argN-dot-prefix:", "argN-slash-prefix:"
 * (with prefixes), for string arrays "argN-has:" per element.
 */
int kdb_dbus_bloom(GDBusMessage *message, uint64_t *filter, size_t size,
		   unsigned int n_hash);

/*
 * kdb_dbus_match_add() and kdb_dbus_match_equal(), D-Bus match rules, are
 * in <libkdbus.h>: they serve this binding and <libkdbus-dbus1.h> alike.
 */

/* whether @message matches @rule exactly (-EINVAL for a bad rule) */
int kdb_dbus_match_test(const char *rule, GDBusMessage *message);

#ifdef __cplusplus
}
#endif

#endif /* LIBKDBUS_DBUS_H */
