/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkdbus-dbus1 - D-Bus messages over kdbusfs, as libdbus-1's
 * DBusMessage.
 *
 * The same mapping as <libkdbus-dbus.h> (GDBusMessage), so that either
 * end may use either binding: a kdbus message of payload type
 * KDB_PAYLOAD_DBUS carries one D-Bus message in the wire format, here as
 * dbus_message_marshal() makes it and dbus_message_demarshal() reads it;
 * a destination ":1.N" is connection N, another destination a well-known
 * name, a signal without one a broadcast with the bloom filter
 * kdb_dbus_bloom() computes.
 *
 * Unix fds: libdbus marshals a message's fds out of band, and its
 * dbus_message_demarshal() refuses a message that has any (it cannot be
 * given them). So sending sends the message's fds as the kdbus message's;
 * receiving a message that carries fds fails with -EPROTONOSUPPORT,
 * handing the kdbus message with its fds back to a caller that asks for
 * it (kdb_dbus_from_msg() of <libkdbus-dbus.h> reads it with them).
 */
#ifndef LIBKDBUS_DBUS1_H
#define LIBKDBUS_DBUS1_H

#include <dbus/dbus.h>
#include <libkdbus.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Send @message. One without a serial is given the next cookie as its
 * serial and the connection's unique name as its sender (it must not be
 * locked then); one with a serial is sent as it is. A method call that
 * expects a reply is sent with KDB_MSG_EXPECT_REPLY and @timeout_us (0:
 * 25 s); returns and errors answer their reply serial. -EDESTADDRREQ for
 * a method call without a destination, -EINVAL for a bad unique name,
 * dup()'s errno (-EMFILE) for an fd that cannot be duplicated, -EBADF for
 * an fd argument whose fd the message lacks, -ENOMEM.
 */
int kdb_dbus1_send(struct kdb_conn *conn, struct DBusMessage *message,
		   uint64_t timeout_us);

/*
 * Call: send method call @call and wait for its answer, at most
 * @timeout_us (0: 25 s), in the kernel. *@reply is the method return or
 * the error message; -ETIMEDOUT, -EPIPE (the peer dropped it or went
 * away), -ECANCELED (@cancel_fd became readable; -EOPNOTSUPP if the
 * kernel cannot watch it; -1 for none), -EINVAL for a call that expects
 * no reply, -EPROTONOSUPPORT for an answer that carries fds (dropped).
 */
int kdb_dbus1_call(struct kdb_conn *conn, DBusMessage *call,
		   uint64_t timeout_us, int cancel_fd, DBusMessage **reply);

/*
 * The D-Bus message @msg carries, its sender set to ":1.<src id>".
 * -EPROTOTYPE for a payload that is not D-Bus, -EBADMSG for one libdbus
 * cannot read, -EPROTONOSUPPORT for a message with fds (@msg keeps them).
 */
int kdb_dbus1_from_msg(struct kdb_msg *msg, DBusMessage **message);

/*
 * Receive the next D-Bus message: -ENOMSG for a kernel notification or a
 * non-D-Bus message, -EPROTONOSUPPORT for one that carries fds. With
 * @raw, *@raw holds the kernel's message in every case a message was
 * taken, the fds still in it; free it with kdb_msg_free().
 */
int kdb_dbus1_recv(struct kdb_conn *conn, DBusMessage **message,
		   struct kdb_msg **raw);

/* the bloom filter of @message, the words kdb_dbus_bloom() makes */
int kdb_dbus1_bloom(DBusMessage *message, uint64_t *filter, size_t size,
		    unsigned int n_hash);

/* whether @message matches @rule exactly (-EINVAL for a bad rule) */
int kdb_dbus1_match_test(const char *rule, DBusMessage *message);

#ifdef __cplusplus
}
#endif

#endif /* LIBKDBUS_DBUS1_H */
