// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkdbus: D-Bus messages over kdbusfs, marshalled by libdbus-1
 * (dbus_message_marshal(), dbus_message_demarshal()).
 *
 * libdbus keeps the fds of a message out of its marshalled form and
 * gives them out only as duplicates, one per UNIX_FD argument as an
 * iterator reaches it, never with their index. A message built by
 * appending numbers its fds in the order of its arguments, but one that
 * came from a connection has the numbering its sender chose. So a
 * message with fds is sent as a copy made by appending its arguments
 * again, whose fds are numbered in argument order, the order in which
 * the iterator gives them. dbus_message_demarshal() refuses a message
 * that has fds (it has no way to be given them): receiving one fails
 * with -EPROTONOSUPPORT and leaves its fds in the kdbus message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdbus-internal.h"
#include "libkdbus-dbus1.h"

/*
 * The header fields of @m: what sending needs, or with @all those the
 * bloom words and match rules need as well. Each field but the fixed ones
 * is a search of the header (after a change of the header, a parse of it
 * all), so sending asks for few.
 */
static void hdr_of(DBusMessage *m, struct kdb_dbus_hdr *h, bool all)
{
	memset(h, 0, sizeof(*h));
	h->type = dbus_message_get_type(m);
	h->destination = dbus_message_get_destination(m);
	h->serial = dbus_message_get_serial(m);
	if (h->type == DBUS_MESSAGE_TYPE_METHOD_RETURN ||
	    h->type == DBUS_MESSAGE_TYPE_ERROR)
		h->reply_serial = dbus_message_get_reply_serial(m);
	h->no_reply = dbus_message_get_no_reply(m);
	h->no_auto_start = !dbus_message_get_auto_start(m);
	if (!all)
		return;
	h->reply_serial = dbus_message_get_reply_serial(m);
	h->sender = dbus_message_get_sender(m);
	h->path = dbus_message_get_path(m);
	h->interface = dbus_message_get_interface(m);
	h->member = dbus_message_get_member(m);
}

static bool is_string_type(int t)
{
	return t == DBUS_TYPE_STRING || t == DBUS_TYPE_OBJECT_PATH ||
	       t == DBUS_TYPE_SIGNATURE;
}

KDB_EXPORT int kdb_dbus1_bloom(DBusMessage *message, uint64_t *f,
			       size_t size, unsigned int k)
{
	DBusMessageIter it, sub;
	struct kdb_dbus_hdr h;
	const char *s;
	unsigned int i;
	int ret, t;

	if (!message || !f)
		return -EINVAL;
	hdr_of(message, &h, true);
	ret = kdb_dbus_bloom_header(f, size, k, &h);
	if (ret < 0 || !dbus_message_iter_init(message, &it))
		return ret;
	for (i = 0; i < KDB_DBUS_RULE_ARGS; i++) {
		t = dbus_message_iter_get_arg_type(&it);
		if (is_string_type(t)) {
			dbus_message_iter_get_basic(&it, &s);
			kdb_dbus_bloom_arg(f, size, k, i, s);
		} else if (t == DBUS_TYPE_ARRAY &&
			   is_string_type(dbus_message_iter_get_element_type(&it))) {
			dbus_message_iter_recurse(&it, &sub);
			while (dbus_message_iter_get_arg_type(&sub) !=
			       DBUS_TYPE_INVALID) {
				dbus_message_iter_get_basic(&sub, &s);
				kdb_dbus_bloom_has(f, size, k, i, s);
				dbus_message_iter_next(&sub);
			}
		} else {
			/* the words stop at the first other argument */
			break;
		}
		if (!dbus_message_iter_next(&it))
			break;
	}
	return 0;
}

/* ---- a copy with its fds in argument order ---------------------------- */

struct fdvec {
	int *fd;
	size_t n, alloc;
};

static int fdvec_push(struct fdvec *v, int fd)
{
	if (v->n == v->alloc) {
		size_t alloc = v->alloc ? 2 * v->alloc : 4;
		int *p = realloc(v->fd, alloc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->fd = p;
		v->alloc = alloc;
	}
	v->fd[v->n++] = fd;
	return 0;
}

static void fdvec_free(struct fdvec *v)
{
	while (v->n)
		close(v->fd[--v->n]);
	free(v->fd);
}

/* append the arguments of @from to @to; the fds read go to @fds */
static int copy_args(DBusMessageIter *from, DBusMessageIter *to,
		     struct fdvec *fds)
{
	DBusMessageIter fsub, tsub;
	DBusBasicValue v;
	const void *p;
	char *sig, one[2] = { 0 };
	int t, e, n, ret;

	while ((t = dbus_message_iter_get_arg_type(from)) !=
	       DBUS_TYPE_INVALID) {
		e = t == DBUS_TYPE_ARRAY ?
			dbus_message_iter_get_element_type(from) : 0;
		if (dbus_type_is_basic(t)) {
			v.fd = -1;
			errno = 0;
			dbus_message_iter_get_basic(from, &v);
			if (t == DBUS_TYPE_UNIX_FD) {
				/*
				 * our duplicate is the one kdbus sends; none:
				 * dup() failed (errno), or the message lacks
				 * the fd its argument names
				 */
				if (v.fd < 0)
					return errno ? -errno : -EBADF;
				if (fdvec_push(fds, v.fd) < 0) {
					close(v.fd);
					return -ENOMEM;
				}
			}
			errno = 0;
			if (!dbus_message_iter_append_basic(to, t, &v))
				return t == DBUS_TYPE_UNIX_FD && errno ? -errno :
				       -ENOMEM;
		} else if (e && dbus_type_is_fixed(e) && e != DBUS_TYPE_UNIX_FD) {
			one[0] = (char)e;
			dbus_message_iter_recurse(from, &fsub);
			dbus_message_iter_get_fixed_array(&fsub, &p, &n);
			if (!dbus_message_iter_open_container(to, t, one, &tsub))
				return -ENOMEM;
			if (!dbus_message_iter_append_fixed_array(&tsub, e, &p,
								  n)) {
				dbus_message_iter_abandon_container(to, &tsub);
				return -ENOMEM;
			}
			if (!dbus_message_iter_close_container(to, &tsub))
				return -ENOMEM;
		} else {
			dbus_message_iter_recurse(from, &fsub);
			sig = NULL;
			if (t == DBUS_TYPE_ARRAY)
				sig = dbus_message_iter_get_signature(from);
			else if (t == DBUS_TYPE_VARIANT)
				sig = dbus_message_iter_get_signature(&fsub);
			if (!sig && (t == DBUS_TYPE_ARRAY ||
				     t == DBUS_TYPE_VARIANT))
				return -ENOMEM;
			/* an array's element type follows its 'a' */
			if (!dbus_message_iter_open_container(to, t,
							      sig && t == DBUS_TYPE_ARRAY ?
							      sig + 1 : sig,
							      &tsub)) {
				dbus_free(sig);
				return -ENOMEM;
			}
			dbus_free(sig);
			ret = copy_args(&fsub, &tsub, fds);
			if (ret < 0) {
				dbus_message_iter_abandon_container(to, &tsub);
				return ret;
			}
			if (!dbus_message_iter_close_container(to, &tsub))
				return -ENOMEM;
		}
		dbus_message_iter_next(from);
	}
	return 0;
}

/* @m with the same header, its fds numbered as its arguments have them */
static int renumbered(DBusMessage *m, DBusMessage **out, struct fdvec *fds)
{
	dbus_uint32_t h_reply = dbus_message_get_reply_serial(m);
	DBusMessageIter from, to;
	DBusMessage *c;
	bool ok;
	int ret = 0;

	c = dbus_message_new(dbus_message_get_type(m));
	if (!c)
		return -ENOMEM;
	dbus_message_set_serial(c, dbus_message_get_serial(m));
	dbus_message_set_no_reply(c, dbus_message_get_no_reply(m));
	dbus_message_set_auto_start(c, dbus_message_get_auto_start(m));
	ok = dbus_message_get_allow_interactive_authorization(m);
	dbus_message_set_allow_interactive_authorization(c, ok);
	ok = dbus_message_set_path(c, dbus_message_get_path(m)) &&
	     dbus_message_set_interface(c, dbus_message_get_interface(m)) &&
	     dbus_message_set_member(c, dbus_message_get_member(m)) &&
	     dbus_message_set_error_name(c, dbus_message_get_error_name(m)) &&
	     dbus_message_set_destination(c,
					  dbus_message_get_destination(m)) &&
	     dbus_message_set_sender(c, dbus_message_get_sender(m));
	if (ok && h_reply)
		ok = dbus_message_set_reply_serial(c, h_reply);
	if (!ok)
		ret = -ENOMEM;
	if (ret == 0 && dbus_message_iter_init(m, &from)) {
		dbus_message_iter_init_append(c, &to);
		ret = copy_args(&from, &to, fds);
	}
	if (ret < 0) {
		dbus_message_unref(c);
		return ret;
	}
	*out = c;
	return 0;
}

/* ---- sending and receiving -------------------------------------------- */

static int send1(struct kdb_conn *conn, DBusMessage *m, uint64_t timeout_us,
		 int cancel_fd, struct kdb_msg **reply)
{
	struct kdb_dbus_blob b = { 0 };
	struct fdvec fds = { 0 };
	DBusMessage *c = NULL;
	struct kdb_dbus_hdr h;
	uint64_t *bloom = NULL;
	char *blob = NULL, dest[256];
	size_t n;
	int len, ret;

	if (!conn || !m)
		return -EINVAL;
	/*
	 * Read before the sender is set, which reparses the header on the
	 * next read; and the destination copied, the header may move.
	 */
	hdr_of(m, &h, false);
	if (h.destination) {
		n = strlen(h.destination);
		if (n >= sizeof(dest))
			return -EINVAL;
		memcpy(dest, h.destination, n + 1);
		h.destination = dest;
	}
	if (!h.serial) {
		/* D-Bus serials have 32 bits, and 0 is none */
		do
			h.serial = (dbus_uint32_t)kdb_conn_next_cookie(conn);
		while (!h.serial);
		dbus_message_set_serial(m, h.serial);
		if (!dbus_message_set_sender(m, conn->unique_name))
			return -ENOMEM;
	}
	if (dbus_message_contains_unix_fds(m)) {
		ret = renumbered(m, &c, &fds);
		if (ret < 0)
			goto out;
		b.fds = fds.fd;
		b.n_fds = fds.n;
	}
	if (!dbus_message_marshal(c ? c : m, &blob, &len)) {
		ret = -ENOMEM;
		goto out;
	}
	b.data = blob;
	b.size = len;
	if (kdb_dbus_is_broadcast(&h)) {
		bloom = calloc(1, conn->bloom_size);
		if (!bloom) {
			ret = -ENOMEM;
			goto out;
		}
		ret = kdb_dbus1_bloom(m, bloom, conn->bloom_size,
				      conn->n_hash);
		if (ret < 0)
			goto out;
		b.bloom = bloom;
	}
	ret = kdb_dbus_send_blob(conn, &h, &b, timeout_us, cancel_fd, reply);
out:
	free(bloom);
	dbus_free(blob);
	if (c)
		dbus_message_unref(c);
	fdvec_free(&fds);
	return ret;
}

KDB_EXPORT int kdb_dbus1_send(struct kdb_conn *conn, DBusMessage *message,
			      uint64_t timeout_us)
{
	return send1(conn, message, timeout_us, -1, NULL);
}

KDB_EXPORT int kdb_dbus1_from_msg(struct kdb_msg *msg, DBusMessage **out)
{
	DBusMessage *m;
	DBusError err;
	const void *blob;
	const char *s;
	char sender[32];
	size_t size, n;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!msg)
		return -EINVAL;
	ret = kdb_dbus_payload(msg, &blob, &size, sender);
	if (ret < 0)
		return ret;
	kdb_msg_fds(msg, &n);
	if (n)
		return -EPROTONOSUPPORT;
	if (size > INT_MAX)
		return -EBADMSG;
	dbus_error_init(&err);
	m = dbus_message_demarshal(blob, (int)size, &err);
	if (!m) {
		/*
		 * libdbus says "no memory" for a message it found too short
		 * as well: believe it only for a complete one
		 */
		ret = dbus_error_has_name(&err, DBUS_ERROR_NO_MEMORY) &&
		      dbus_message_demarshal_bytes_needed(blob, (int)size) ==
		      (int)size ? -ENOMEM : -EBADMSG;
		dbus_error_free(&err);
		return ret;
	}
	/* the kernel's word; a change of the header is dear, so only if */
	s = dbus_message_get_sender(m);
	if ((!s || strcmp(s, sender)) && !dbus_message_set_sender(m, sender)) {
		dbus_message_unref(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

static int parse(struct kdb_msg *msg, void *message)
{
	return kdb_dbus1_from_msg(msg, message);
}

KDB_EXPORT int kdb_dbus1_recv(struct kdb_conn *conn, DBusMessage **message,
			      struct kdb_msg **raw)
{
	if (raw)
		*raw = NULL;
	if (!message)
		return -EINVAL;
	*message = NULL;
	return kdb_dbus_recv_with(conn, parse, message, raw);
}

KDB_EXPORT int kdb_dbus1_call(struct kdb_conn *conn, DBusMessage *call,
			      uint64_t timeout_us, int cancel_fd,
			      DBusMessage **reply)
{
	struct kdb_msg *r = NULL;
	int ret;

	if (!reply)
		return -EINVAL;
	*reply = NULL;
	if (!call || dbus_message_get_type(call) !=
	    DBUS_MESSAGE_TYPE_METHOD_CALL || dbus_message_get_no_reply(call))
		return -EINVAL;
	ret = send1(conn, call, timeout_us, cancel_fd, &r);
	if (ret < 0)
		return ret;
	ret = kdb_dbus1_from_msg(r, reply);
	kdb_msg_free(r);
	return ret;
}

KDB_EXPORT int kdb_dbus1_match_test(const char *rule, DBusMessage *message)
{
	const char *args[KDB_DBUS_RULE_ARGS] = { NULL };
	struct kdb_dbus_hdr h;
	DBusMessageIter it;
	unsigned int i;
	int t;

	if (!rule || !message)
		return -EINVAL;
	hdr_of(message, &h, true);
	if (dbus_message_iter_init(message, &it)) {
		for (i = 0; i < KDB_DBUS_RULE_ARGS; i++) {
			t = dbus_message_iter_get_arg_type(&it);
			/* the string lives in the message */
			if (is_string_type(t))
				dbus_message_iter_get_basic(&it, &args[i]);
			if (!dbus_message_iter_next(&it))
				break;
		}
	}
	return kdb_dbus_rule_test(rule, &h, args);
}
