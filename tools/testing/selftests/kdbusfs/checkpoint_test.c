// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint files (kdbusfs extension): KDBUS_CMD_CHECKPOINT opens one
 * for a privileged caller, KDBUS_CMD_CONN_DUMP writes a connection's
 * state through it, optionally freezing the connection, and
 * KDBUS_CMD_CONN_THAW or the file's close ends the freeze.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

/* the service's pool: not the default, so that the dump shows it */
#define SVC_POOL_SIZE		(2 * 1024 * 1024)
#define SVC_ATTACH_SEND		(KDBUS_ATTACH_CREDS | KDBUS_ATTACH_PIDS)
#define SVC_ATTACH_RECV		(KDBUS_ATTACH_TIMESTAMP | KDBUS_ATTACH_CREDS)
/* what the client reveals */
#define CLIENT_ATTACH_SEND	SVC_ATTACH_RECV
#define SVC_DESCRIPTION		"checkpointed-service"
#define NAME_A			"org.kdbusfs.ckpt.A"
#define NAME_B			"org.kdbusfs.ckpt.B"
/* relative timeout of the calls the tests leave pending */
#define CALL_TIMEOUT_NS		(60ULL * 1000 * 1000 * 1000)

/* exit statuses of children that could not set themselves up */
#define CHILD_NO_USERNS		101

#define DUMP_BUF_SIZE		(64 * 1024)
#define DUMP_MAX		32

/* a dump, and its items sorted out by kind */
struct dump {
	uint64_t buf[DUMP_BUF_SIZE / 8];
	uint64_t size;
	char why[160];
	struct kdbus_dump_conn *conn;
	struct kdbus_creds *creds;
	struct kdbus_pids *pids;
	const char *seclabel;
	const char *description;
	unsigned int n_names, n_msgs, n_slices, n_replies, n_matches, n_policy;
	unsigned int n_maps;
	struct kdbus_dump_name *names[DUMP_MAX];
	struct kdbus_dump_message *msgs[DUMP_MAX];
	struct kdbus_dump_slice *slices[DUMP_MAX];
	struct kdbus_dump_reply *replies[DUMP_MAX];
	struct kdbus_item *matches[DUMP_MAX];
	struct kdbus_item *policy[DUMP_MAX];
	struct kdbus_dump_mapping *maps[DUMP_MAX];
};

/* KDBUS_CMD_CHECKPOINT on @fd: the new checkpoint fd, or -errno */
static int checkpoint(int fd)
{
	struct kdbus_cmd_checkpoint cmd = { .size = sizeof(cmd) };
	int ret;

	ret = kdbus_ioctl(fd, KDBUS_CMD_CHECKPOINT, &cmd);
	return ret ? ret : (int)cmd.fd;
}

/* KDBUS_CMD_CONN_DUMP: 0 or -errno; the reported size in *@dump_size */
static int dump_raw(int ckpt, uint64_t conn_fd, uint64_t flags, void *buf,
		    uint64_t size, uint64_t *dump_size)
{
	struct kdbus_cmd_dump cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.conn_fd = conn_fd,
		.buffer = (uintptr_t)buf,
		.buffer_size = size,
	};
	int ret;

	ret = kdbus_ioctl(ckpt, KDBUS_CMD_CONN_DUMP, &cmd);
	if (dump_size)
		*dump_size = cmd.dump_size;
	return ret;
}

/* KDBUS_CMD_CONN_THAW: 0 or -errno */
static int thaw(int ckpt, uint64_t conn_fd)
{
	struct kdbus_cmd_dump cmd = {
		.size = sizeof(cmd),
		.conn_fd = conn_fd,
	};

	return kdbus_ioctl(ckpt, KDBUS_CMD_CONN_THAW, &cmd);
}

/* the place of each item type in a dump: ranks never go down */
static int item_rank(uint64_t type)
{
	switch (type) {
	case KDBUS_ITEM_DUMP_CONN:
		return 0;
	case KDBUS_ITEM_CREDS:
		return 1;
	case KDBUS_ITEM_PIDS:
		return 2;
	case KDBUS_ITEM_SECLABEL:
		return 3;
	case KDBUS_ITEM_CONN_DESCRIPTION:
		return 4;
	case KDBUS_ITEM_DUMP_NAME:
		return 5;
	case KDBUS_ITEM_DUMP_MESSAGE:
		return 6;
	case KDBUS_ITEM_DUMP_SLICE:
		return 7;
	case KDBUS_ITEM_DUMP_REPLY:
		return 8;
	case KDBUS_ITEM_DUMP_MATCH:
		return 9;
	case KDBUS_ITEM_NAME:
	case KDBUS_ITEM_POLICY_ACCESS:
		return 10;
	case KDBUS_ITEM_DUMP_MAPPING:
		return 11;
	}
	return -1;
}

/* the payload size an item of a rank must have, 0 if it varies */
static size_t rank_payload(int rank)
{
	static const size_t sizes[] = {
		sizeof(struct kdbus_dump_conn), sizeof(struct kdbus_creds),
		sizeof(struct kdbus_pids), 0, 0, 0,
		sizeof(struct kdbus_dump_message),
		sizeof(struct kdbus_dump_slice),
		sizeof(struct kdbus_dump_reply), 0, 0,
		sizeof(struct kdbus_dump_mapping),
	};

	return sizes[rank];
}

static bool str_fits(const char *s, size_t len)
{
	return len > 0 && memchr(s, '\0', len) == s + len - 1;
}

/* file item @item of rank @rank in @d */
static void dump_add(struct dump *d, struct kdbus_item *item, int rank)
{
	void *p = item->data;

	switch (rank) {
	case 0:
		d->conn = p;
		break;
	case 1:
		d->creds = p;
		break;
	case 2:
		d->pids = p;
		break;
	case 3:
		d->seclabel = p;
		break;
	case 4:
		d->description = p;
		break;
	case 5:
		d->names[d->n_names++] = p;
		break;
	case 6:
		d->msgs[d->n_msgs++] = p;
		break;
	case 7:
		d->slices[d->n_slices++] = p;
		break;
	case 8:
		d->replies[d->n_replies++] = p;
		break;
	case 9:
		d->matches[d->n_matches++] = item;
		break;
	case 10:
		d->policy[d->n_policy++] = item;
		break;
	default:
		d->maps[d->n_maps++] = p;
		break;
	}
}

/* note why @d is malformed: -EBADMSG */
static int bad(struct dump *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/*
 * Sort the dump's items out, checking its form: whole, 8-byte aligned
 * items, each of the size its type has, in the documented order, one
 * DUMP_CONN, CREDS and PIDS, slices in offset order. 0, or -EBADMSG with
 * the reason in d->why.
 */
static int dump_parse(struct dump *d)
{
	uint8_t *base = (uint8_t *)d->buf;
	int rank, last = -1;
	uint64_t pos = 0;
	unsigned int i;

	d->conn = NULL;
	d->creds = NULL;
	d->pids = NULL;
	d->seclabel = NULL;
	d->description = NULL;
	d->n_names = 0;
	d->n_msgs = 0;
	d->n_slices = 0;
	d->n_replies = 0;
	d->n_matches = 0;
	d->n_policy = 0;
	d->n_maps = 0;
	d->why[0] = '\0';
	if (d->size > sizeof(d->buf))
		return bad(d, "dump_size %llu beyond the buffer",
			   (unsigned long long)d->size);
	while (pos < d->size) {
		struct kdbus_item *item = (void *)(base + pos);
		size_t len;

		if (d->size - pos < KDBUS_ITEM_HEADER_SIZE ||
		    item->size < KDBUS_ITEM_HEADER_SIZE ||
		    item->size > d->size - pos)
			return bad(d, "item at %llu overruns the dump",
				   (unsigned long long)pos);
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		rank = item_rank(item->type);
		if (rank < 0)
			return bad(d, "unknown item type %#llx at %llu",
				   (unsigned long long)item->type,
				   (unsigned long long)pos);
		if (rank < last || (rank == last && rank <= 4))
			return bad(d, "item type %#llx at %llu out of order",
				   (unsigned long long)item->type,
				   (unsigned long long)pos);
		if (rank_payload(rank) && len != rank_payload(rank))
			return bad(d, "item type %#llx at %llu has %zu bytes",
				   (unsigned long long)item->type,
				   (unsigned long long)pos, len);
		if ((rank == 3 || rank == 4) && !str_fits(item->str, len))
			return bad(d, "string item at %llu not terminated",
				   (unsigned long long)pos);
		if (rank == 5 &&
		    (len <= sizeof(struct kdbus_dump_name) ||
		     !str_fits(((struct kdbus_dump_name *)item->data)->name,
			       len - sizeof(struct kdbus_dump_name))))
			return bad(d, "name item at %llu malformed",
				   (unsigned long long)pos);
		if (rank == 9 && len < sizeof(struct kdbus_dump_match))
			return bad(d, "match item at %llu malformed",
				   (unsigned long long)pos);
		/* a role's policy: a NAME first, then its rules */
		if (rank == 10 && (item->type == KDBUS_ITEM_NAME ?
				   !str_fits(item->str, len) :
				   len != sizeof(item->policy_access) ||
				   !d->n_policy))
			return bad(d, "policy item at %llu malformed",
				   (unsigned long long)pos);
		if (rank >= 5 && (rank == 5 ? d->n_names : rank == 6 ?
				  d->n_msgs : rank == 7 ? d->n_slices :
				  rank == 8 ? d->n_replies : rank == 9 ?
				  d->n_matches : rank == 10 ? d->n_policy :
				  d->n_maps) >= DUMP_MAX)
			return bad(d, "more than %d items of type %#llx",
				   DUMP_MAX, (unsigned long long)item->type);
		dump_add(d, item, rank);
		last = rank;
		pos += KDBUS_ALIGN8(item->size);
	}
	if (pos != d->size)
		return bad(d, "dump_size %llu, but the items end at %llu",
			   (unsigned long long)d->size,
			   (unsigned long long)pos);
	if (!d->conn || !d->creds || !d->pids)
		return bad(d, "DUMP_CONN, CREDS or PIDS missing");
	for (i = 1; i < d->n_slices; i++) {
		if (d->slices[i]->offset <
		    d->slices[i - 1]->offset + d->slices[i - 1]->size)
			return bad(d, "slice %u at %llu overlaps the last",
				   i, (unsigned long long)d->slices[i]->offset);
	}
	return 0;
}

/* dump the connection of @conn_fd into @d: 0, -errno, or -EBADMSG */
static int dump(int ckpt, int conn_fd, uint64_t flags, struct dump *d)
{
	int ret;

	memset(d->buf, 0, sizeof(d->buf));
	d->size = 0;
	snprintf(d->why, sizeof(d->why), "nothing written");
	ret = dump_raw(ckpt, conn_fd, flags, d->buf, sizeof(d->buf),
		       &d->size);
	if (ret) {
		snprintf(d->why, sizeof(d->why), "CONN_DUMP: %s",
			 kdbus_errno_name(-ret));
		return ret;
	}
	return dump_parse(d);
}

static struct kdbus_dump_name *dump_name(struct dump *d, const char *name)
{
	unsigned int i;

	for (i = 0; i < d->n_names; i++)
		if (!strcmp(d->names[i]->name, name))
			return d->names[i];
	return NULL;
}

static struct kdbus_dump_slice *dump_slice_at(struct dump *d,
					      uint64_t offset)
{
	unsigned int i;

	for (i = 0; i < d->n_slices; i++)
		if (d->slices[i]->offset == offset)
			return d->slices[i];
	return NULL;
}

static struct kdbus_dump_reply *dump_reply(struct dump *d, uint64_t cookie)
{
	unsigned int i;

	for (i = 0; i < d->n_replies; i++)
		if (d->replies[i]->cookie == cookie)
			return d->replies[i];
	return NULL;
}

/* HELLO of the service: passes fds, a description, its own pool size */
static int hello_service(const char *ep, struct kdbus_conn *c)
{
	struct kdbus_cmd_hello *h;
	struct kdbus_cmd_buf b;
	int fd;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	h = kdbus_hello_init(&b, KDBUS_HELLO_ACCEPT_FD, SVC_POOL_SIZE);
	h->attach_flags_send = SVC_ATTACH_SEND;
	h->attach_flags_recv = SVC_ATTACH_RECV;
	kdbus_cmd_add_str(&b, KDBUS_ITEM_CONN_DESCRIPTION, SVC_DESCRIPTION);
	return kdbus_hello_cmd(fd, &b, c);
}

/* HELLO of the client: revealing CLIENT_ATTACH_SEND */
static int hello_client(const char *ep, struct kdbus_conn *c)
{
	struct kdbus_cmd_hello *h;
	struct kdbus_cmd_buf b;
	int fd;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	h = kdbus_hello_init(&b, 0, KDBUS_TEST_POOL_SIZE);
	h->attach_flags_send = CLIENT_ATTACH_SEND;
	return kdbus_hello_cmd(fd, &b, c);
}

FIXTURE(ckpt) {
	struct kdbus_test_bus bus;
	struct kdbus_conn svc, client;
	int ckpt;
	struct dump *d;
};

FIXTURE_SETUP(ckpt)
{
	self->ckpt = -1;
	self->svc.fd = -1;
	self->client.fd = -1;
	self->d = calloc(1, sizeof(*self->d));
	ASSERT_NE(NULL, self->d);
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	ASSERT_EQ(0, hello_service(self->bus.ep, &self->svc));
	ASSERT_EQ(0, hello_client(self->bus.ep, &self->client));
	self->ckpt = checkpoint(self->bus.control);
	ASSERT_LE(0, self->ckpt) TH_LOG("CHECKPOINT: %s",
					kdbus_errno_name(-self->ckpt));
}

FIXTURE_TEARDOWN(ckpt)
{
	if (self->ckpt >= 0)
		close(self->ckpt);
	kdbus_conn_close(&self->client);
	kdbus_conn_close(&self->svc);
	kdbus_test_bus_close(&self->bus);
	free(self->d);
}

/* a plain unicast of @cookie from @from to @to: 0 or -errno */
static int send_plain(struct kdbus_conn *from, uint64_t to, uint64_t cookie)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.cookie = cookie;
	a.data = "ping";
	a.size = 4;
	return kdbus_send(from, to, &a);
}

/* a call of @cookie from @from to @to, waiting CALL_TIMEOUT_NS at most */
static int send_call(struct kdbus_conn *from, uint64_t to, uint64_t cookie)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = cookie;
	a.timeout_ns = kdbus_now_ns() + CALL_TIMEOUT_NS;
	return kdbus_send(from, to, &a);
}

TEST_F(ckpt, checkpoint_works_on_any_kdbusfs_file)
{
	int fds[3], ep, i, c;

	ep = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ep);
	fds[0] = self->bus.control;
	fds[1] = ep;
	fds[2] = self->client.fd;
	for (i = 0; i < 3; i++) {
		c = checkpoint(fds[i]);
		ASSERT_LE(0, c) TH_LOG("file %d: %s", i, kdbus_errno_name(-c));
		/* a new file, close-on-exec, that dumps the domain's peers */
		EXPECT_TRUE(fcntl(c, F_GETFD) & FD_CLOEXEC);
		EXPECT_EQ(0, dump(c, self->svc.fd, 0, self->d))
			TH_LOG("%s", self->d->why);
		EXPECT_EQ(self->svc.id, self->d->conn->id);
		close(c);
	}
	close(ep);
}

TEST_F(ckpt, checkpoint_refuses_unknown_flags_and_items)
{
	struct kdbus_cmd_checkpoint cmd = { .size = sizeof(cmd) };
	struct kdbus_cmd_buf b;
	struct kdbus_cmd_checkpoint *bc = (void *)b.data;

	cmd.flags = 1ULL << 0;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->bus.control,
				       KDBUS_CMD_CHECKPOINT, &cmd));
	cmd.flags = 1ULL << 62;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->bus.control,
				       KDBUS_CMD_CHECKPOINT, &cmd));
	/* no item is accepted */
	kdbus_cmd_init(&b, 0);
	b.size = sizeof(*bc);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, NAME_A);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->bus.control,
				       KDBUS_CMD_CHECKPOINT, bc));
	/* nor a size short of the fixed part */
	cmd.flags = 0;
	cmd.size = sizeof(cmd) - 8;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->bus.control,
				       KDBUS_CMD_CHECKPOINT, &cmd));
}

TEST_F(ckpt, negotiation_opens_dumps_and_freezes_nothing)
{
	struct kdbus_cmd_checkpoint cmd = { .size = sizeof(cmd) };
	struct kdbus_cmd_dump dc = { .size = sizeof(dc) };
	int probe, next;

	/* the lowest free descriptor before */
	probe = dup(0);
	ASSERT_LE(0, probe);
	close(probe);

	cmd.flags = KDBUS_FLAG_NEGOTIATE;
	cmd.fd = 0xdeadbeef;
	ASSERT_EQ(0, kdbus_ioctl(self->bus.control, KDBUS_CMD_CHECKPOINT,
				 &cmd));
	EXPECT_EQ(0, cmd.flags);
	EXPECT_EQ(0xdeadbeef, cmd.fd);
	next = dup(0);
	EXPECT_EQ(probe, next);
	close(next);

	dc.flags = KDBUS_FLAG_NEGOTIATE | KDBUS_DUMP_FREEZE;
	dc.conn_fd = self->svc.fd;
	dc.buffer = (uintptr_t)self->d->buf;
	dc.buffer_size = sizeof(self->d->buf);
	self->d->buf[0] = 0x5a5a5a5a5a5a5a5aULL;
	ASSERT_EQ(0, kdbus_ioctl(self->ckpt, KDBUS_CMD_CONN_DUMP, &dc));
	EXPECT_EQ(KDBUS_DUMP_FREEZE, dc.flags);
	EXPECT_EQ(0, dc.dump_size);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, self->d->buf[0]);
	/* nothing was frozen */
	EXPECT_EQ(0, send_plain(&self->client, self->svc.id, 1));
	EXPECT_EQ(-ENOENT, thaw(self->ckpt, self->svc.fd));
}

TEST_F(ckpt, dump_needs_a_checkpoint_file_and_a_connection)
{
	int ep, p[2], i;
	uint64_t flags[2] = { 0, KDBUS_DUMP_FREEZE };
	uint8_t buf[64];

	ep = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));

	/* only a checkpoint file takes the commands */
	EXPECT_EQ(-ENOTTY, dump_raw(self->svc.fd, self->svc.fd, 0, buf,
				    sizeof(buf), NULL));
	EXPECT_EQ(-ENOTTY, dump_raw(self->bus.control, self->svc.fd, 0, buf,
				    sizeof(buf), NULL));
	EXPECT_EQ(-ENOTTY, thaw(self->svc.fd, self->svc.fd));
	EXPECT_EQ(-ENOTTY, thaw(self->bus.control, self->svc.fd));

	for (i = 0; i < 2; i++) {
		/* no kdbusfs file */
		EXPECT_EQ(-EBADF, dump_raw(self->ckpt, p[0], flags[i],
					   self->d->buf,
					   sizeof(self->d->buf), NULL));
		EXPECT_EQ(-EBADF, dump_raw(self->ckpt, 1000, flags[i],
					   self->d->buf,
					   sizeof(self->d->buf), NULL));
		EXPECT_EQ(-EBADF, dump_raw(self->ckpt, (uint64_t)-1, flags[i],
					   self->d->buf,
					   sizeof(self->d->buf), NULL));
		/* a kdbusfs file that is no connection */
		EXPECT_EQ(-ENOTCONN, dump_raw(self->ckpt, self->bus.control,
					      flags[i], self->d->buf,
					      sizeof(self->d->buf), NULL));
		EXPECT_EQ(-ENOTCONN, dump_raw(self->ckpt, ep, flags[i],
					      self->d->buf,
					      sizeof(self->d->buf), NULL));
	}
	EXPECT_EQ(-EBADF, thaw(self->ckpt, p[0]));
	EXPECT_EQ(-ENOTCONN, thaw(self->ckpt, ep));
	close(p[0]);
	close(p[1]);
	close(ep);
}

TEST_F(ckpt, dump_refuses_unknown_flags_and_items)
{
	struct kdbus_cmd_dump *dc;
	struct kdbus_cmd_buf b;
	uint64_t dflags[] = { 1ULL << 1, 1ULL << 31, 1ULL << 62 };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-EINVAL, dump_raw(self->ckpt, self->svc.fd,
					    dflags[i], self->d->buf,
					    sizeof(self->d->buf), NULL));
		EXPECT_EQ(-EINVAL, dump_raw(self->ckpt, self->svc.fd,
					    dflags[i] | KDBUS_DUMP_FREEZE,
					    self->d->buf,
					    sizeof(self->d->buf), NULL));
	}
	/* refused, it froze nothing */
	EXPECT_EQ(0, send_plain(&self->client, self->svc.id, 1));

	kdbus_cmd_init(&b, 0);
	dc = (void *)b.data;
	b.size = sizeof(*dc);
	dc->conn_fd = self->svc.fd;
	dc->buffer = (uintptr_t)self->d->buf;
	dc->buffer_size = sizeof(self->d->buf);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, NAME_A);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->ckpt, KDBUS_CMD_CONN_DUMP, dc));
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->ckpt, KDBUS_CMD_CONN_THAW, dc));

	kdbus_cmd_init(&b, 1ULL << 1);
	dc->conn_fd = self->svc.fd;
	b.size = sizeof(*dc);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->ckpt, KDBUS_CMD_CONN_THAW, dc));
}

TEST_F(ckpt, connections_of_another_domain_are_refused)
{
	struct kdbus_test_bus other;
	struct kdbus_conn oc;
	int oc_ckpt;

	ASSERT_EQ(0, kdbus_test_bus_make(&other));
	ASSERT_EQ(0, kdbus_hello(other.ep, 0, KDBUS_TEST_POOL_SIZE, &oc));
	EXPECT_EQ(-EXDEV, dump_raw(self->ckpt, oc.fd, 0, self->d->buf,
				   sizeof(self->d->buf), NULL));
	EXPECT_EQ(-EXDEV, dump_raw(self->ckpt, oc.fd, KDBUS_DUMP_FREEZE,
				   self->d->buf, sizeof(self->d->buf), NULL));
	/* not frozen by that attempt */
	EXPECT_EQ(0, send_plain(&self->client, self->svc.id, 1));

	/* and the other way round */
	oc_ckpt = checkpoint(other.control);
	ASSERT_LE(0, oc_ckpt);
	EXPECT_EQ(-EXDEV, dump_raw(oc_ckpt, self->svc.fd, KDBUS_DUMP_FREEZE,
				   self->d->buf, sizeof(self->d->buf), NULL));
	EXPECT_EQ(0, dump(oc_ckpt, oc.fd, 0, self->d))
		TH_LOG("%s", self->d->why);
	EXPECT_EQ(oc.id, self->d->conn->id);
	close(oc_ckpt);
	kdbus_conn_close(&oc);
	kdbus_test_bus_close(&other);
}

TEST_F(ckpt, a_short_buffer_learns_the_size_a_bad_one_faults)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t needed = 0, size = 0;
	uint8_t small[8];
	void *ro, *gone;

	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	ASSERT_EQ(0, send_plain(&self->client, self->svc.id, 1));
	ASSERT_EQ(0, send_call(&self->client, self->svc.id, 2));

	EXPECT_EQ(-EMSGSIZE, dump_raw(self->ckpt, self->svc.fd, 0, small,
				      sizeof(small), &needed));
	EXPECT_GT(needed, sizeof(small));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, self->d))
		TH_LOG("%s", self->d->why);
	EXPECT_EQ(needed, self->d->size);
	/* no buffer at all; one byte short */
	EXPECT_EQ(-EMSGSIZE, dump_raw(self->ckpt, self->svc.fd, 0, NULL, 0,
				      &size));
	EXPECT_EQ(needed, size);
	size = 0;
	EXPECT_EQ(-EMSGSIZE, dump_raw(self->ckpt, self->svc.fd, 0,
				      self->d->buf, needed - 1, &size));
	EXPECT_EQ(needed, size);
	/* exactly enough */
	size = 0;
	EXPECT_EQ(0, dump_raw(self->ckpt, self->svc.fd, 0, self->d->buf,
			      needed, &size));
	EXPECT_EQ(needed, size);

	/* room enough, but no memory there, or not writable */
	gone = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_EQ(0, munmap(gone, 16 * page));
	EXPECT_EQ(-EFAULT, dump_raw(self->ckpt, self->svc.fd, 0, gone,
				    16 * page, NULL));
	ro = mmap(NULL, 16 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, dump_raw(self->ckpt, self->svc.fd, 0, ro,
				    16 * page, NULL));
	munmap(ro, 16 * page);
}

/* how many of @d's mappings start at @start with @size and @offset */
static int dump_maps_at(struct dump *d, const void *start, uint64_t size,
			uint64_t offset)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < d->n_maps; i++)
		if (d->maps[i]->start == (uintptr_t)start &&
		    d->maps[i]->size == size && d->maps[i]->offset == offset)
			n++;
	return n;
}

TEST_F(ckpt, dump_lists_every_mapping_of_the_pool)
{
	const uint64_t pg = sysconf(_SC_PAGESIZE);
	struct dump *d = self->d;
	int sk[2], st;
	void *part, *moved;
	char c;
	pid_t pid;

	/* HELLO's mapping of the whole pool */
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->n_maps);
	EXPECT_EQ(1, dump_maps_at(d, self->svc.pool, self->svc.pool_size, 0));
	/* one more, of its second page */
	part = mmap(NULL, pg, PROT_READ, MAP_SHARED, self->svc.fd, pg);
	ASSERT_NE(MAP_FAILED, part);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(2, d->n_maps);
	EXPECT_EQ(1, dump_maps_at(d, part, pg, pg));

	/* a child's copies, at the same addresses, while it lives */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sk[0]);
		_exit(read(sk[1], &c, 1) == 1 ? 0 : 1);
	}
	close(sk[1]);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(4, d->n_maps);
	EXPECT_EQ(2, dump_maps_at(d, part, pg, pg));
	EXPECT_EQ(1, write(sk[0], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	close(sk[0]);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(2, d->n_maps);

	/* moved, it is listed where it went; unmapped, not at all */
	moved = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, moved);
	ASSERT_EQ(moved, mremap(part, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED,
				moved));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(2, d->n_maps);
	EXPECT_EQ(0, dump_maps_at(d, part, pg, pg));
	EXPECT_EQ(1, dump_maps_at(d, moved, pg, pg));
	/* split in two by mprotect, each half listed */
	ASSERT_EQ(0, mprotect(self->svc.pool, pg, PROT_NONE));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(3, d->n_maps);
	EXPECT_EQ(1, dump_maps_at(d, self->svc.pool, pg, 0));
	EXPECT_EQ(1, dump_maps_at(d, (uint8_t *)self->svc.pool + pg,
				  self->svc.pool_size - pg, pg));
	ASSERT_EQ(0, mprotect(self->svc.pool, pg, PROT_READ));
	ASSERT_EQ(0, munmap(moved, pg));
	/* a mapping that outlives its connection goes quietly */
	part = mmap(NULL, pg, PROT_READ, MAP_SHARED, self->client.fd, 0);
	ASSERT_NE(MAP_FAILED, part);
	kdbus_conn_close(&self->client);
	EXPECT_EQ(0, munmap(part, pg));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_LE(1, d->n_maps);
	for (st = 0; st < (int)d->n_maps; st++)
		EXPECT_TRUE(d->maps[st]->start >= (uintptr_t)self->svc.pool &&
			    d->maps[st]->start + d->maps[st]->size <=
			    (uintptr_t)self->svc.pool + self->svc.pool_size);
}

TEST_F(ckpt, dump_shows_the_connection_as_hello_made_it)
{
	struct dump *d = self->d;

	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(self->svc.id, d->conn->id);
	EXPECT_EQ(KDBUS_HELLO_ACCEPT_FD, d->conn->flags);
	EXPECT_EQ(SVC_ATTACH_SEND, d->conn->attach_flags_send);
	EXPECT_EQ(SVC_ATTACH_RECV, d->conn->attach_flags_recv);
	EXPECT_EQ(SVC_POOL_SIZE, d->conn->pool_size);
	EXPECT_EQ(0, d->conn->lost);
	EXPECT_EQ(0, d->conn->frozen);
	/* the bus is this uid's */
	EXPECT_EQ(1, d->conn->privileged);
	/* the pinned identity, as this process sees it */
	EXPECT_EQ(geteuid(), d->creds->uid);
	EXPECT_EQ(geteuid(), d->creds->euid);
	EXPECT_EQ(getegid(), d->creds->gid);
	EXPECT_EQ(getegid(), d->creds->egid);
	EXPECT_EQ(getpid(), d->pids->pid);
	EXPECT_EQ(gettid(), d->pids->tid);
	ASSERT_NE(NULL, d->description);
	EXPECT_STREQ(SVC_DESCRIPTION, d->description);
	/* nothing else yet: no name, no message, no slice, no reply */
	EXPECT_EQ(0, d->n_names);
	EXPECT_EQ(0, d->n_msgs);
	EXPECT_EQ(0, d->n_slices);
	EXPECT_EQ(0, d->n_replies);

	/* the client's, without a description */
	ASSERT_EQ(0, dump(self->ckpt, self->client.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(self->client.id, d->conn->id);
	EXPECT_EQ(0, d->conn->flags);
	EXPECT_EQ(CLIENT_ATTACH_SEND, d->conn->attach_flags_send);
	EXPECT_EQ(KDBUS_TEST_POOL_SIZE, d->conn->pool_size);
	EXPECT_EQ(NULL, d->description);
}

TEST_F(ckpt, dump_lists_owned_and_queued_names)
{
	struct kdbus_conn w1, w2, act;
	struct kdbus_dump_name *n;
	struct dump *d = self->d;
	uint64_t rflags = 0;

	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_B,
					KDBUS_NAME_ALLOW_REPLACEMENT, NULL));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &w1));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &w2));
	ASSERT_EQ(0, kdbus_name_acquire(&w1, NAME_A, KDBUS_NAME_QUEUE,
					&rflags));
	ASSERT_TRUE(rflags & KDBUS_NAME_IN_QUEUE);
	ASSERT_EQ(0, kdbus_name_acquire(&w2, NAME_A, KDBUS_NAME_QUEUE,
					&rflags));
	ASSERT_TRUE(rflags & KDBUS_NAME_IN_QUEUE);

	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(2, d->n_names);
	n = dump_name(d, NAME_A);
	ASSERT_NE(NULL, n);
	EXPECT_TRUE(n->flags & KDBUS_NAME_PRIMARY);
	EXPECT_FALSE(n->flags & (KDBUS_NAME_IN_QUEUE | KDBUS_NAME_ACTIVATOR));
	EXPECT_EQ(0, n->position);
	n = dump_name(d, NAME_B);
	ASSERT_NE(NULL, n);
	EXPECT_TRUE(n->flags & KDBUS_NAME_PRIMARY);
	EXPECT_TRUE(n->flags & KDBUS_NAME_ALLOW_REPLACEMENT);
	EXPECT_EQ(0, n->position);

	/* the waiters: next in line, and the one after */
	ASSERT_EQ(0, dump(self->ckpt, w1.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->n_names);
	n = dump_name(d, NAME_A);
	ASSERT_NE(NULL, n);
	EXPECT_TRUE(n->flags & KDBUS_NAME_IN_QUEUE);
	EXPECT_TRUE(n->flags & KDBUS_NAME_QUEUE);
	EXPECT_FALSE(n->flags & KDBUS_NAME_PRIMARY);
	EXPECT_EQ(1, n->position);
	ASSERT_EQ(0, dump(self->ckpt, w2.fd, 0, d)) TH_LOG("%s", d->why);
	n = dump_name(d, NAME_A);
	ASSERT_NE(NULL, n);
	EXPECT_TRUE(n->flags & KDBUS_NAME_IN_QUEUE);
	EXPECT_EQ(2, n->position);

	/* the owner leaves: w1 owns, w2 moves up */
	ASSERT_EQ(0, kdbus_name_release(&self->svc, NAME_A));
	ASSERT_EQ(0, dump(self->ckpt, w1.fd, 0, d)) TH_LOG("%s", d->why);
	n = dump_name(d, NAME_A);
	ASSERT_NE(NULL, n);
	EXPECT_TRUE(n->flags & KDBUS_NAME_PRIMARY);
	EXPECT_FALSE(n->flags & KDBUS_NAME_IN_QUEUE);
	EXPECT_EQ(0, n->position);
	ASSERT_EQ(0, dump(self->ckpt, w2.fd, 0, d)) TH_LOG("%s", d->why);
	n = dump_name(d, NAME_A);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(1, n->position);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->n_names);
	EXPECT_EQ(NULL, dump_name(d, NAME_A));

	/* an activator's name */
	ASSERT_EQ(0, kdbus_hello_activator(self->bus.ep, "org.kdbusfs.ckpt.C",
					   &act));
	ASSERT_EQ(0, dump(self->ckpt, act.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(KDBUS_HELLO_ACTIVATOR, d->conn->flags);
	n = dump_name(d, "org.kdbusfs.ckpt.C");
	ASSERT_NE(NULL, n);
	EXPECT_TRUE(n->flags & KDBUS_NAME_ACTIVATOR);
	/* and its share of the bus policy: its name, without rules */
	ASSERT_EQ(1, d->n_policy);
	EXPECT_EQ(KDBUS_ITEM_NAME, d->policy[0]->type);
	EXPECT_STREQ("org.kdbusfs.ckpt.C", d->policy[0]->str);
	kdbus_conn_close(&act);
	kdbus_conn_close(&w2);
	kdbus_conn_close(&w1);
}

/* the messages the client queues at the service */
enum {
	SENT_NAMED	= 1 << 0,
	SENT_FD		= 1 << 1,
	SENT_MEMFD	= 1 << 2,
	SENT_CALL	= 1 << 3,
};

static const struct sent {
	uint64_t cookie;
	int64_t priority;
	unsigned int what;
} sent[] = {
	{ 101, 3, 0 },
	{ 102, -5, SENT_NAMED },
	{ 103, 0, SENT_FD },
	{ 104, 7, SENT_MEMFD },
	{ 105, -1, SENT_CALL },
};

#define N_SENT	ARRAY_SIZE(sent)

static int send_one(struct kdbus_conn *from, uint64_t to,
		    const struct sent *s)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	int p[2] = { -1, -1 }, ret;

	a.cookie = s->cookie;
	a.priority = s->priority;
	a.data = "payload";
	a.size = 8;
	if (s->what & SENT_NAMED) {
		a.dst_name = NAME_A;
		to = KDBUS_DST_ID_NAME;
	}
	if (s->what & SENT_FD) {
		if (pipe2(p, O_CLOEXEC))
			return -errno;
		a.fds = &p[0];
		a.n_fds = 1;
	}
	if (s->what & SENT_MEMFD) {
		a.memfd = kdbus_memfd_make(4096, KDBUS_MEMFD_SEALS);
		if (a.memfd < 0)
			return a.memfd;
		a.memfd_size = 4096;
	}
	if (s->what & SENT_CALL) {
		a.flags = KDBUS_MSG_EXPECT_REPLY;
		a.timeout_ns = kdbus_now_ns() + CALL_TIMEOUT_NS;
	}
	ret = kdbus_send(from, to, &a);
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	if (a.memfd >= 0)
		close(a.memfd);
	return ret;
}

TEST_F(ckpt, dump_lists_queued_messages_and_their_slices)
{
	struct kdbus_dump_message *dm;
	struct kdbus_dump_slice *ds;
	struct kdbus_cmd_recv r;
	struct dump *d = self->d;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	uint64_t first;
	unsigned int i;

	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	for (i = 0; i < N_SENT; i++)
		ASSERT_EQ(0, send_one(&self->client, self->svc.id, &sent[i]))
			TH_LOG("message %u", i);

	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	ASSERT_EQ(N_SENT, d->n_msgs);
	for (i = 0; i < N_SENT; i++) {
		dm = d->msgs[i];
		/* in queue order, which is the order of sending */
		EXPECT_EQ(sent[i].cookie, dm->cookie);
		EXPECT_EQ(sent[i].priority, dm->priority);
		EXPECT_EQ(self->client.id, dm->src_id);
		/* the name's entry if sent to a name, else none */
		EXPECT_EQ(!!(sent[i].what & SENT_NAMED), !!dm->dst_name_id);
		EXPECT_EQ(sent[i].what & SENT_FD ? 1 : 0, dm->n_fds);
		EXPECT_EQ(sent[i].what & SENT_MEMFD ? 1 : 0, dm->n_memfds);
		EXPECT_EQ(sent[i].what & SENT_CALL ? 1 : 0, dm->expects_reply);
		/* the message is where the dump says, in the pool */
		ASSERT_LE(dm->offset + sizeof(*m), SVC_POOL_SIZE);
		ASSERT_LE(dm->offset + dm->size, SVC_POOL_SIZE);
		m = (void *)(self->svc.pool + dm->offset);
		EXPECT_EQ(dm->cookie, m->cookie);
		EXPECT_EQ(self->client.id, m->src_id);
		EXPECT_EQ(sent[i].priority, m->priority);
		EXPECT_LE(m->size, dm->size);
		/* whole, with the metadata the service asked for */
		EXPECT_NE(NULL, kdbus_msg_item(m, KDBUS_ITEM_TIMESTAMP));
		item = kdbus_msg_item(m, KDBUS_ITEM_CREDS);
		EXPECT_NE(NULL, item);
		if (item)
			EXPECT_EQ(geteuid(), item->creds.euid);
		/* in a slice of its own that the kernel holds */
		ds = dump_slice_at(d, dm->offset);
		ASSERT_NE(NULL, ds) TH_LOG("no slice at %llu",
					   (unsigned long long)dm->offset);
		EXPECT_EQ(dm->size, ds->size);
		EXPECT_EQ(KDBUS_DUMP_SLICE_KERNEL, ds->flags);
	}
	/* no other slice is busy */
	EXPECT_EQ(N_SENT, d->n_slices);
	for (i = 0; i < d->n_slices; i++)
		EXPECT_LE(d->slices[i]->offset + d->slices[i]->size,
			  SVC_POOL_SIZE);

	/* the first one received and not freed yet: user space holds it */
	first = d->msgs[0]->offset;
	ASSERT_EQ(0, kdbus_recv(&self->svc, 0, 0, &m, &r));
	EXPECT_EQ(first, r.msg.offset);
	EXPECT_EQ(sent[0].cookie, m->cookie);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	ASSERT_EQ(N_SENT - 1, d->n_msgs);
	for (i = 0; i < N_SENT - 1; i++)
		EXPECT_EQ(sent[i + 1].cookie, d->msgs[i]->cookie);
	EXPECT_EQ(N_SENT, d->n_slices);
	ds = dump_slice_at(d, first);
	ASSERT_NE(NULL, ds);
	EXPECT_EQ(KDBUS_DUMP_SLICE_USER, ds->flags);

	/* freed, it is no longer busy */
	ASSERT_EQ(0, kdbus_free(&self->svc, first));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(N_SENT - 1, d->n_slices);
	EXPECT_EQ(NULL, dump_slice_at(d, first));
}

TEST_F(ckpt, dump_lists_replies_owed_and_awaited)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_dump_reply *dr;
	struct dump *d = self->d;
	struct kdbus_msg *m;

	ASSERT_EQ(0, send_call(&self->client, self->svc.id, 77));

	/* the service owes it */
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	ASSERT_EQ(1, d->n_replies);
	dr = dump_reply(d, 77);
	ASSERT_NE(NULL, dr);
	EXPECT_EQ(KDBUS_DUMP_REPLY_OWED, dr->flags);
	EXPECT_EQ(self->client.id, dr->peer_id);
	EXPECT_GT(dr->timeout_ns, 0);
	EXPECT_LE(dr->timeout_ns, CALL_TIMEOUT_NS);
	ASSERT_EQ(1, d->n_msgs);
	EXPECT_EQ(1, d->msgs[0]->expects_reply);

	/* the client waits for it */
	ASSERT_EQ(0, dump(self->ckpt, self->client.fd, 0, d))
		TH_LOG("%s", d->why);
	ASSERT_EQ(1, d->n_replies);
	dr = dump_reply(d, 77);
	ASSERT_NE(NULL, dr);
	EXPECT_EQ(0, dr->flags);
	EXPECT_EQ(self->svc.id, dr->peer_id);
	EXPECT_GT(dr->timeout_ns, 0);
	EXPECT_LE(dr->timeout_ns, CALL_TIMEOUT_NS);

	/* answered, it is neither's any more; the answer waits at the client */
	ASSERT_EQ(0, kdbus_recv(&self->svc, 0, 0, &m, NULL));
	EXPECT_EQ(77, m->cookie);
	kdbus_msg_free(&self->svc, m);
	a.cookie = 78;
	a.cookie_reply = 77;
	ASSERT_EQ(0, kdbus_send(&self->svc, self->client.id, &a));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(0, d->n_replies);
	ASSERT_EQ(0, dump(self->ckpt, self->client.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(0, d->n_replies);
	ASSERT_EQ(1, d->n_msgs);
	EXPECT_EQ(78, d->msgs[0]->cookie);
	EXPECT_EQ(self->svc.id, d->msgs[0]->src_id);
	EXPECT_EQ(0, d->msgs[0]->expects_reply);
}

struct sync_call {
	struct kdbus_conn *from;
	uint64_t to;
	int ret;
	uint64_t reply_cookie;
};

static void *sync_call_thread(void *arg)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct sync_call *sc = arg;

	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.send_flags = KDBUS_SEND_SYNC_REPLY;
	a.cookie = 90;
	a.timeout_ns = kdbus_now_ns() + CALL_TIMEOUT_NS;
	sc->ret = kdbus_send(sc->from, sc->to, &a);
	if (sc->ret == 0) {
		struct kdbus_msg *m = (void *)(sc->from->pool +
					       a.reply.offset);

		sc->reply_cookie = m->cookie_reply;
		kdbus_free(sc->from, a.reply.offset);
	}
	return NULL;
}

TEST_F(ckpt, a_synchronous_call_is_marked_as_one)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct sync_call sc = { .from = &self->client, .to = self->svc.id };
	struct kdbus_dump_reply *dr = NULL;
	struct dump *d = self->d;
	struct kdbus_msg *m;
	pthread_t t;
	int i;

	ASSERT_EQ(0, pthread_create(&t, NULL, sync_call_thread, &sc));
	/* until the call is queued at the service */
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
			TH_LOG("%s", d->why);
		if (d->n_msgs)
			break;
		usleep(50 * 1000);
	}
	ASSERT_EQ(1, d->n_msgs);
	EXPECT_EQ(90, d->msgs[0]->cookie);
	EXPECT_EQ(1, d->msgs[0]->expects_reply);
	/* the service owes it, to a caller that waits */
	dr = dump_reply(d, 90);
	EXPECT_NE(NULL, dr);
	if (dr) {
		EXPECT_EQ(KDBUS_DUMP_REPLY_OWED | KDBUS_DUMP_REPLY_SYNC,
			  dr->flags);
		EXPECT_EQ(self->client.id, dr->peer_id);
		EXPECT_GT(dr->timeout_ns, 0);
		EXPECT_LE(dr->timeout_ns, CALL_TIMEOUT_NS);
	}
	/* the client waits for it */
	ASSERT_EQ(0, dump(self->ckpt, self->client.fd, 0, d))
		TH_LOG("%s", d->why);
	dr = dump_reply(d, 90);
	EXPECT_NE(NULL, dr);
	if (dr) {
		EXPECT_EQ(KDBUS_DUMP_REPLY_SYNC, dr->flags);
		EXPECT_EQ(self->svc.id, dr->peer_id);
		EXPECT_GT(dr->timeout_ns, 0);
		EXPECT_LE(dr->timeout_ns, CALL_TIMEOUT_NS);
	}

	ASSERT_EQ(0, kdbus_recv(&self->svc, 0, 0, &m, NULL));
	EXPECT_EQ(90, m->cookie);
	kdbus_msg_free(&self->svc, m);
	a.cookie = 91;
	a.cookie_reply = 90;
	EXPECT_EQ(0, kdbus_send(&self->svc, self->client.id, &a));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, sc.ret);
	EXPECT_EQ(90, sc.reply_cookie);
	ASSERT_EQ(0, dump(self->ckpt, self->client.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(0, d->n_replies);
}

TEST_F(ckpt, dump_lists_match_rules_oldest_first_with_their_items)
{
	struct kdbus_notify_name_change nc = { .old_id.id = 0 };
	uint64_t mask[8] = { 0x5 }, id = self->client.id;
	struct kdbus_dump_match *m;
	struct kdbus_cmd_buf b;
	struct dump *d = self->d;
	struct kdbus_item *it;

	/* a signal rule, a notification rule, an empty rule; one replaced */
	kdbus_match_init(&b, 0, 7);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID, &id, sizeof(id));
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, sizeof(mask));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->svc.fd, KDBUS_CMD_MATCH_ADD, b.data));
	kdbus_match_init(&b, 0, 8);
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME_ADD, &nc, sizeof(nc));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->svc.fd, KDBUS_CMD_MATCH_ADD, b.data));
	kdbus_match_init(&b, 0, 9);
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->svc.fd, KDBUS_CMD_MATCH_ADD, b.data));
	kdbus_match_init(&b, KDBUS_MATCH_REPLACE, 7);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID, &id, sizeof(id));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->svc.fd, KDBUS_CMD_MATCH_ADD, b.data));

	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	ASSERT_EQ(3, d->n_matches);
	m = (void *)d->matches[0]->data;
	EXPECT_EQ(8, m->cookie);
	it = m->items;
	EXPECT_EQ(KDBUS_ITEM_NAME_ADD, it->type);
	EXPECT_EQ(KDBUS_ITEM_HEADER_SIZE + sizeof(nc), it->size);
	EXPECT_EQ(sizeof(*m) + KDBUS_ALIGN8(it->size),
		  d->matches[0]->size - KDBUS_ITEM_HEADER_SIZE);
	m = (void *)d->matches[1]->data;
	EXPECT_EQ(9, m->cookie);
	EXPECT_EQ(sizeof(*m), d->matches[1]->size - KDBUS_ITEM_HEADER_SIZE);
	/* the replacement is the newest; its mask is gone with the old one */
	m = (void *)d->matches[2]->data;
	EXPECT_EQ(7, m->cookie);
	it = m->items;
	EXPECT_EQ(KDBUS_ITEM_ID, it->type);
	EXPECT_EQ(id, it->id);
	EXPECT_EQ(sizeof(*m) + KDBUS_ITEM_SIZE(sizeof(id)),
		  d->matches[2]->size - KDBUS_ITEM_HEADER_SIZE);

	/* removed, it is not dumped any more */
	kdbus_match_init(&b, 0, 8);
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->svc.fd, KDBUS_CMD_MATCH_REMOVE,
				 b.data));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	ASSERT_EQ(2, d->n_matches);
	EXPECT_EQ(9, ((struct kdbus_dump_match *)d->matches[0]->data)->cookie);
	EXPECT_EQ(7, ((struct kdbus_dump_match *)d->matches[1]->data)->cookie);
}

TEST_F(ckpt, two_dumps_of_an_unchanged_connection_are_the_same)
{
	struct dump *again;
	unsigned int i;

	again = calloc(1, sizeof(*again));
	ASSERT_NE(NULL, again);
	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_B, 0, NULL));
	/* everything but the call, whose time left changes */
	for (i = 0; i < N_SENT; i++)
		if (!(sent[i].what & SENT_CALL))
			ASSERT_EQ(0, send_one(&self->client, self->svc.id,
					      &sent[i]));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, self->d))
		TH_LOG("%s", self->d->why);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, again))
		TH_LOG("%s", again->why);
	EXPECT_EQ(self->d->size, again->size);
	EXPECT_EQ(0, memcmp(self->d->buf, again->buf, self->d->size));
	/* through another checkpoint file, and freezing: the same too */
	close(self->ckpt);
	self->ckpt = checkpoint(self->svc.fd);
	ASSERT_LE(0, self->ckpt);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, KDBUS_DUMP_FREEZE, again))
		TH_LOG("%s", again->why);
	EXPECT_EQ(1, again->conn->frozen);
	again->conn->frozen = 0;
	EXPECT_EQ(self->d->size, again->size);
	EXPECT_EQ(0, memcmp(self->d->buf, again->buf, self->d->size));
	free(again);
}

TEST_F(ckpt, a_frozen_connection_takes_no_messages_until_thawed)
{
	struct dump *d = self->d;
	struct kdbus_msg *m;

	ASSERT_EQ(0, send_plain(&self->client, self->svc.id, 1));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->conn->frozen);
	EXPECT_EQ(1, d->n_msgs);
	EXPECT_EQ(-EAGAIN, send_plain(&self->client, self->svc.id, 2));
	EXPECT_EQ(-EAGAIN, send_call(&self->client, self->svc.id, 3));
	/* freezing again through the same file changes nothing */
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->conn->frozen);
	/* a plain dump leaves it frozen */
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->conn->frozen);
	/* nothing refused was queued, and no reply is owed */
	EXPECT_EQ(1, d->n_msgs);
	EXPECT_EQ(0, d->n_replies);
	EXPECT_EQ(-EAGAIN, send_plain(&self->client, self->svc.id, 4));
	/* the client itself is not frozen */
	EXPECT_EQ(0, send_plain(&self->svc, self->client.id, 5));

	EXPECT_EQ(0, thaw(self->ckpt, self->svc.fd));
	EXPECT_EQ(0, send_plain(&self->client, self->svc.id, 6));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(0, d->conn->frozen);
	ASSERT_EQ(2, d->n_msgs);
	EXPECT_EQ(1, d->msgs[0]->cookie);
	EXPECT_EQ(6, d->msgs[1]->cookie);
	/* thawed once, there is nothing left to thaw */
	EXPECT_EQ(-ENOENT, thaw(self->ckpt, self->svc.fd));
	ASSERT_EQ(0, kdbus_recv(&self->svc, 0, 0, &m, NULL));
	EXPECT_EQ(1, m->cookie);
	kdbus_msg_free(&self->svc, m);
}

TEST_F(ckpt, thaw_of_a_connection_this_file_did_not_freeze_fails)
{
	int other;

	EXPECT_EQ(-ENOENT, thaw(self->ckpt, self->svc.fd));
	EXPECT_EQ(-ENOENT, thaw(self->ckpt, self->client.fd));
	other = checkpoint(self->bus.control);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, dump(other, self->svc.fd, KDBUS_DUMP_FREEZE, self->d))
		TH_LOG("%s", self->d->why);
	/* frozen, but not by this file */
	EXPECT_EQ(-ENOENT, thaw(self->ckpt, self->svc.fd));
	EXPECT_EQ(-EAGAIN, send_plain(&self->client, self->svc.id, 1));
	EXPECT_EQ(0, thaw(other, self->svc.fd));
	EXPECT_EQ(0, send_plain(&self->client, self->svc.id, 2));
	close(other);
}

TEST_F(ckpt, a_connection_frozen_by_another_checkpoint_file_is_busy)
{
	struct dump *d = self->d;
	int other;

	other = checkpoint(self->bus.control);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(-EBUSY, dump_raw(other, self->svc.fd, KDBUS_DUMP_FREEZE,
				   d->buf, sizeof(d->buf), NULL));
	/* it may still look */
	ASSERT_EQ(0, dump(other, self->svc.fd, 0, d)) TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->conn->frozen);
	EXPECT_EQ(self->svc.id, d->conn->id);
	/* and freeze another connection */
	ASSERT_EQ(0, dump(other, self->client.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(-EAGAIN, send_plain(&self->svc, self->client.id, 1));
	EXPECT_EQ(-EAGAIN, send_plain(&self->client, self->svc.id, 2));

	/* thawed by its freezer, the connection is free for the other */
	EXPECT_EQ(0, thaw(self->ckpt, self->svc.fd));
	ASSERT_EQ(0, dump(other, self->svc.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(-EBUSY, dump_raw(self->ckpt, self->svc.fd,
				   KDBUS_DUMP_FREEZE, d->buf, sizeof(d->buf),
				   NULL));
	close(other);
	/* its close thawed both */
	EXPECT_EQ(0, send_plain(&self->svc, self->client.id, 3));
	EXPECT_EQ(0, send_plain(&self->client, self->svc.id, 4));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
}

TEST_F(ckpt, a_freeze_ends_with_its_checkpoint_file)
{
	struct dump *d = self->d;
	int dup_fd;

	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	ASSERT_EQ(0, dump(self->ckpt, self->client.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	/* a descriptor closed while another one keeps the file ends nothing */
	dup_fd = dup(self->ckpt);
	ASSERT_LE(0, dup_fd);
	close(self->ckpt);
	EXPECT_EQ(-EAGAIN, send_plain(&self->client, self->svc.id, 1));
	/* the file's last close ends every freeze it made */
	close(dup_fd);
	EXPECT_EQ(0, send_plain(&self->client, self->svc.id, 2));
	EXPECT_EQ(0, send_plain(&self->svc, self->client.id, 3));
	self->ckpt = checkpoint(self->bus.control);
	ASSERT_LE(0, self->ckpt);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->conn->frozen);
	ASSERT_EQ(1, d->n_msgs);
	EXPECT_EQ(2, d->msgs[0]->cookie);
}

TEST_F(ckpt, notifications_for_a_frozen_connection_are_counted_as_lost)
{
	struct kdbus_notify_id_change ic = { .id = KDBUS_MATCH_ID_ANY };
	struct dump *d = self->d;
	struct kdbus_cmd_recv r;
	struct kdbus_cmd_buf b;
	struct kdbus_conn late;
	struct kdbus_msg *m;

	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_ADD, &ic, sizeof(ic));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->svc.fd, KDBUS_CMD_MATCH_ADD, b.data));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, KDBUS_DUMP_FREEZE, d))
		TH_LOG("%s", d->why);
	/* a newcomer's HELLO is not held up by it */
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &late));
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(1, d->conn->lost);
	EXPECT_EQ(0, d->n_msgs);
	EXPECT_EQ(0, thaw(self->ckpt, self->svc.fd));
	ASSERT_EQ(0, send_plain(&self->client, self->svc.id, 5));
	ASSERT_EQ(0, kdbus_recv(&self->svc, 0, 0, &m, &r));
	EXPECT_EQ(5, m->cookie);
	EXPECT_TRUE(r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS);
	EXPECT_EQ(1, r.dropped_msgs);
	kdbus_msg_free(&self->svc, m);
	ASSERT_EQ(0, dump(self->ckpt, self->svc.fd, 0, d))
		TH_LOG("%s", d->why);
	EXPECT_EQ(0, d->conn->lost);
	kdbus_conn_close(&late);
}

TEST_F(ckpt, a_disconnected_connection_cannot_be_dumped)
{
	ASSERT_EQ(0, kdbus_byebye(&self->svc));
	EXPECT_EQ(-ECONNRESET, dump_raw(self->ckpt, self->svc.fd, 0,
					self->d->buf, sizeof(self->d->buf),
					NULL));
	EXPECT_EQ(-ECONNRESET, dump_raw(self->ckpt, self->svc.fd,
					KDBUS_DUMP_FREEZE, self->d->buf,
					sizeof(self->d->buf), NULL));
	/* the attempt froze nothing that could be thawed */
	EXPECT_EQ(-ENOENT, thaw(self->ckpt, self->svc.fd));
	/* the others still can */
	EXPECT_EQ(0, dump(self->ckpt, self->client.fd, 0, self->d))
		TH_LOG("%s", self->d->why);
}

/*
 * Privilege. Each pass of run_tests.sh runs as root of the domain's user
 * namespace, the initial one or userns_exec's: what the children below
 * drop is relative to that.
 */

struct priv {
	int fd;			/* a kdbusfs file of the test's domain */
	int ckpt;		/* a checkpoint file the test opened */
	int conn;		/* a connection to dump with it */
	uint64_t id;		/* its id */
	uid_t uid;
	int cap;		/* the one capability kept, -1 for none */
};

/* CHECKPOINT on p->fd as p->uid keeping p->cap: 0, or the errno */
static int checkpoint_with_cap(void *arg, int sock)
{
	const struct priv *p = arg;
	int c;

	if (kdbus_keep_only(p->uid, p->cap))
		return KDBUS_CHILD_DROP_FAILED;
	c = checkpoint(p->fd);
	if (c < 0)
		return -c;
	close(c);
	return 0;
}

static int checkpoint_as(int fd, uid_t uid, int cap)
{
	struct priv p = { .fd = fd, .uid = uid, .cap = cap };

	return kdbus_run(checkpoint_with_cap, &p);
}

TEST_F(ckpt, checkpoint_needs_privilege_over_the_domain)
{
	int fd = self->bus.control;

	EXPECT_EQ(EPERM, checkpoint_as(fd, 65534, -1));
	EXPECT_EQ(EPERM, checkpoint_as(self->client.fd, 65534, -1));
	EXPECT_EQ(EPERM, checkpoint_as(fd, KDBUS_TEST_UID, -1));
	/* neither the other capabilities kdbus knows */
	EXPECT_EQ(EPERM, checkpoint_as(fd, KDBUS_TEST_UID, CAP_IPC_OWNER));
	EXPECT_EQ(EPERM, checkpoint_as(fd, KDBUS_TEST_UID, CAP_SYS_PTRACE));
	/* either of these two suffices */
	EXPECT_EQ(0, checkpoint_as(fd, KDBUS_TEST_UID,
				   CAP_CHECKPOINT_RESTORE));
	EXPECT_EQ(0, checkpoint_as(fd, KDBUS_TEST_UID, CAP_SYS_ADMIN));
	/* root keeping neither has no privilege either */
	EXPECT_EQ(EPERM, checkpoint_as(fd, 0, CAP_SETUID));
}

/* root of a new user namespace below the domain's: CHECKPOINT's errno */
static int checkpoint_from_nested_userns(void *arg, int sock)
{
	const struct priv *p = arg;
	int c;

	if (kdbus_unshare_userns(0, 0))
		return CHILD_NO_USERNS;
	c = checkpoint(p->fd);
	if (c < 0)
		return -c;
	close(c);
	return 0;
}

TEST_F(ckpt, a_nested_user_namespace_has_no_privilege_over_the_domain)
{
	struct priv p = { .fd = self->bus.control };
	int ret;

	ret = kdbus_run(checkpoint_from_nested_userns, &p);
	if (ret == CHILD_NO_USERNS)
		SKIP(return, "cannot make a user namespace here");
	EXPECT_EQ(EPERM, ret);
	p.fd = self->svc.fd;
	EXPECT_EQ(EPERM, kdbus_run(checkpoint_from_nested_userns, &p));
}

/*
 * As the test user: a user namespace and mount of its own, where it
 * checkpoints and dumps its own connection; the test's domain stays out
 * of its reach. 0, or where it failed.
 */
static int checkpoint_own_domain(void *arg, int sock)
{
	const struct priv *p = arg;
	struct kdbus_test_bus bus;
	struct kdbus_conn c;
	struct dump *d;
	int ckpt, ret;

	if (kdbus_unshare_userns_as_root())
		return CHILD_NO_USERNS;
	d = calloc(1, sizeof(*d));
	if (!d || kdbus_test_bus_make(&bus))
		return 11;
	if (kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 12;
	ckpt = checkpoint(bus.control);
	if (ckpt < 0)
		return 13;
	ret = dump(ckpt, c.fd, KDBUS_DUMP_FREEZE, d);
	if (ret)
		return 14;
	/* its own ids, as it sees them */
	if (d->conn->id != c.id || !d->conn->frozen || d->creds->uid != 0 ||
	    d->creds->gid != 0 || d->pids->pid != getpid())
		return 15;
	if (thaw(ckpt, c.fd))
		return 16;
	/* the outer domain is not its own */
	if (checkpoint(p->fd) != -EPERM)
		return 17;
	/* the outer connection is another domain's */
	if (dump_raw(ckpt, p->conn, 0, d->buf, sizeof(d->buf), NULL) !=
	    -EXDEV)
		return 18;
	close(ckpt);
	kdbus_conn_close(&c);
	kdbus_test_bus_close(&bus);
	free(d);
	return 0;
}

TEST_F(ckpt, an_unprivileged_user_checkpoints_its_own_domain)
{
	struct priv p = { .fd = self->bus.control, .conn = self->svc.fd };
	int ret;

	ret = kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
			   checkpoint_own_domain, &p);
	if (ret == CHILD_NO_USERNS)
		SKIP(return, "cannot make a user namespace here");
	EXPECT_EQ(0, ret);
}

/* as 65534: dump with a checkpoint file root opened; 0 or where it failed */
static int dump_with_roots_checkpoint(void *arg, int sock)
{
	const struct priv *p = arg;
	struct dump *d;

	d = calloc(1, sizeof(*d));
	if (!d)
		return 11;
	if (checkpoint(p->fd) != -EPERM)
		return 12;
	if (dump(p->ckpt, p->conn, KDBUS_DUMP_FREEZE, d))
		return 13;
	if (d->conn->id != p->id || !d->conn->frozen)
		return 14;
	if (thaw(p->ckpt, p->conn))
		return 15;
	free(d);
	return 0;
}

TEST_F(ckpt, a_checkpoint_file_keeps_its_openers_privilege)
{
	struct priv p = {
		.fd = self->bus.control, .ckpt = self->ckpt,
		.conn = self->svc.fd, .id = self->svc.id,
	};

	EXPECT_EQ(0, kdbus_run_as(65534, 65534, dump_with_roots_checkpoint,
				  &p));
}

/*
 * As the test user, in a user namespace of its own if @arg says so:
 * HELLO on the test's bus and hand the connection over
 */
static int hello_and_pass(void *arg, int sock)
{
	const bool *nested = arg;
	struct kdbus_conn c;
	char ep[256];
	ssize_t n;

	n = read(sock, ep, sizeof(ep) - 1);
	if (n <= 0)
		return 11;
	ep[n] = '\0';
	if (*nested && kdbus_unshare_userns(0, 0))
		return CHILD_NO_USERNS;
	if (kdbus_hello(ep, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 12;
	if (kdbus_send_fd(sock, c.fd))
		return 13;
	/* alive until the dump is done: its pid stays its own */
	return read(sock, ep, 1) == 1 ? 0 : 14;
}

TEST_F(ckpt, ids_in_a_dump_are_those_the_opener_sees)
{
	bool nested[2] = { false, true };
	int i, sock, fd, status;
	pid_t pid;

	for (i = 0; i < 2; i++) {
		pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				    hello_and_pass, &nested[i], &sock);
		ASSERT_LE(0, pid);
		ASSERT_EQ(strlen(self->bus.ep),
			  write(sock, self->bus.ep, strlen(self->bus.ep)));
		fd = kdbus_recv_fd(sock);
		if (fd < 0) {
			close(sock);
			status = kdbus_wait(pid);
			if (status == CHILD_NO_USERNS)
				SKIP(return, "no user namespace here");
			ASSERT_LE(0, fd) TH_LOG("child exited %d", status);
		}
		EXPECT_EQ(0, dump(self->ckpt, fd, 0, self->d))
			TH_LOG("%s", self->d->why);
		EXPECT_EQ(1, write(sock, "x", 1));
		close(sock);
		EXPECT_EQ(0, kdbus_wait(pid));
		if (!self->d->conn) {
			close(fd);
			continue;
		}
		/* whatever its namespace called it, here it is the test user */
		EXPECT_EQ(KDBUS_TEST_UID, self->d->creds->uid);
		EXPECT_EQ(KDBUS_TEST_UID, self->d->creds->euid);
		EXPECT_EQ(KDBUS_TEST_GID, self->d->creds->gid);
		EXPECT_EQ(pid, self->d->pids->pid);
		/* on root's bus */
		EXPECT_EQ(0, self->d->conn->privileged);
		close(fd);
	}
}

TEST_HARNESS_MAIN
