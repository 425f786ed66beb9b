// SPDX-License-Identifier: GPL-2.0
/*
 * KDBUS_CMD_CONN_RESTORE (kdbusfs extension): an unused endpoint file
 * becomes the connection a dump describes, with its id, names, queued
 * messages and the slices its user held, at their offsets; bad dumps and
 * files are refused and leave the endpoint file usable.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

#define NAME_A		"org.kdbusfs.restore.A"
#define NAME_B		"org.kdbusfs.restore.B"
#define NAME_C		"org.kdbusfs.restore.C"
#define DUMP_SIZE	(64 * 1024)

/* a connection's dump and a copy of its pool's busy slices */
struct image {
	uint64_t buf[DUMP_SIZE / 8];
	uint64_t size;
	uint8_t *pool;
	uint64_t pool_size;
};

static int checkpoint(int fd)
{
	struct kdbus_cmd_checkpoint cmd = { .size = sizeof(cmd) };
	int ret;

	ret = kdbus_ioctl(fd, KDBUS_CMD_CHECKPOINT, &cmd);
	return ret ? ret : (int)cmd.fd;
}

/* the first item of @type in @img, or NULL */
static struct kdbus_item *image_item(struct image *img, uint64_t type)
{
	struct kdbus_item *item;
	uint64_t pos;

	for (pos = 0; pos < img->size; pos += KDBUS_ALIGN8(item->size)) {
		item = (void *)((uint8_t *)img->buf + pos);
		if (item->type == type)
			return item;
	}
	return NULL;
}

static struct kdbus_dump_conn *image_conn(struct image *img)
{
	struct kdbus_item *item = image_item(img, KDBUS_ITEM_DUMP_CONN);

	return item ? (void *)item->data : NULL;
}

/* dump @c (frozen) and copy its busy slices from its mapped pool */
static int image_take(int ckpt, struct kdbus_conn *c, struct image *img)
{
	struct kdbus_cmd_dump cmd = {
		.size = sizeof(cmd),
		.flags = KDBUS_DUMP_FREEZE,
		.conn_fd = c->fd,
		.buffer = (uintptr_t)img->buf,
		.buffer_size = sizeof(img->buf),
	};
	struct kdbus_dump_slice *ds;
	struct kdbus_item *item;
	uint64_t pos;
	int ret;

	ret = kdbus_ioctl(ckpt, KDBUS_CMD_CONN_DUMP, &cmd);
	if (ret)
		return ret;
	img->size = cmd.dump_size;
	img->pool_size = image_conn(img)->pool_size;
	img->pool = mmap(NULL, img->pool_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img->pool == MAP_FAILED)
		return -errno;
	for (pos = 0; pos < img->size; pos += KDBUS_ALIGN8(item->size)) {
		item = (void *)((uint8_t *)img->buf + pos);
		if (item->type != KDBUS_ITEM_DUMP_SLICE)
			continue;
		ds = (void *)item->data;
		memcpy(img->pool + ds->offset, c->pool + ds->offset, ds->size);
	}
	return 0;
}

static int restore(int ckpt, int ep_fd, struct image *img)
{
	struct kdbus_cmd_restore cmd = {
		.size = sizeof(cmd),
		.ep_fd = ep_fd,
		.dump = (uintptr_t)img->buf,
		.dump_size = img->size,
		.pool = (uintptr_t)img->pool,
		.pool_size = img->pool_size,
	};

	return kdbus_ioctl(ckpt, KDBUS_CMD_CONN_RESTORE, &cmd);
}

/* a connection of @fd, which restore made: map its pool */
static int adopt(int fd, struct image *img, struct kdbus_conn *c)
{
	c->fd = fd;
	c->id = image_conn(img)->id;
	c->pool_size = img->pool_size;
	c->pool = mmap(NULL, c->pool_size, PROT_READ, MAP_SHARED, fd, 0);
	return c->pool == MAP_FAILED ? -errno : 0;
}

static int send_text(struct kdbus_conn *from, uint64_t to, uint64_t cookie,
		     int64_t priority, const char *text)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.cookie = cookie;
	a.priority = priority;
	a.data = text;
	a.size = strlen(text) + 1;
	return kdbus_send(from, to, &a);
}

/* receive one message: its cookie, source and text must be these */
static int recv_text(struct kdbus_conn *c, uint64_t cookie, uint64_t src,
		     const char *text)
{
	struct kdbus_msg *msg;
	const char *p;
	uint64_t size;
	int ret;

	ret = kdbus_recv(c, 0, 0, &msg, NULL);
	if (ret)
		return ret;
	p = kdbus_msg_payload(c, msg, &size);
	ret = msg->cookie == cookie && msg->src_id == src && p &&
	      size == strlen(text) + 1 && !strcmp(p, text) ? 0 : -EBADMSG;
	kdbus_msg_free(c, msg);
	return ret;
}

FIXTURE(rst) {
	struct kdbus_test_bus bus;
	struct kdbus_conn svc, client, restored;
	struct image *img;
	int ckpt;
	int ep;
};

FIXTURE_SETUP(rst)
{
	self->svc.fd = -1;
	self->client.fd = -1;
	self->restored.fd = -1;
	self->ep = -1;
	self->img = calloc(1, sizeof(*self->img));
	ASSERT_NE(NULL, self->img);
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &self->svc));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &self->client));
	self->ckpt = checkpoint(self->bus.control);
	ASSERT_LE(0, self->ckpt) TH_LOG("CHECKPOINT: %s",
					kdbus_errno_name(-self->ckpt));
	self->ep = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->ep);
}

FIXTURE_TEARDOWN(rst)
{
	if (self->ep >= 0 && self->restored.fd != self->ep)
		close(self->ep);
	if (self->ckpt >= 0)
		close(self->ckpt);
	kdbus_conn_close(&self->restored);
	kdbus_conn_close(&self->client);
	kdbus_conn_close(&self->svc);
	kdbus_test_bus_close(&self->bus);
	if (self->img->pool && self->img->pool != MAP_FAILED)
		munmap(self->img->pool, self->img->pool_size);
	free(self->img);
}

TEST_F(rst, a_restored_connection_is_the_dumped_one_again)
{
	uint64_t held_off, id = self->svc.id, flags = 0;
	struct kdbus_conn fresh = { .fd = -1 };
	struct kdbus_info *list;
	struct kdbus_msg *msg;
	size_t list_size;
	uint8_t held[64];

	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_B, 0, NULL));
	/* one received and held, two queued */
	ASSERT_EQ(0, send_text(&self->client, id, 1, 0, "held"));
	ASSERT_EQ(0, send_text(&self->client, id, 2, 0, "first"));
	ASSERT_EQ(0, send_text(&self->client, id, 3, 0, "second"));
	ASSERT_EQ(0, kdbus_recv(&self->svc, 0, 0, &msg, NULL));
	ASSERT_EQ(1, msg->cookie);
	held_off = (uint8_t *)msg - self->svc.pool;
	memcpy(held, msg, sizeof(held));

	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	/* the tree is gone: its connection with it */
	kdbus_conn_close(&self->svc);

	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));

	/* the same id, with its names */
	ASSERT_EQ(0, kdbus_list(&self->client, KDBUS_LIST_UNIQUE |
				KDBUS_LIST_NAMES, &list, &list_size));
	EXPECT_TRUE(kdbus_list_has(list, list_size, id, NAME_A, &flags));
	EXPECT_TRUE(kdbus_list_has(list, list_size, id, NAME_B, NULL));
	free(list);

	/* the slice its user held, where it was, freed as before */
	EXPECT_EQ(0, memcmp(self->restored.pool + held_off, held,
			    sizeof(held)));
	EXPECT_EQ(0, kdbus_free(&self->restored, held_off));
	EXPECT_EQ(-ENXIO, kdbus_free(&self->restored, held_off));

	/* the queue, once each, in order, intact */
	EXPECT_EQ(0, recv_text(&self->restored, 2, self->client.id, "first"));
	EXPECT_EQ(0, recv_text(&self->restored, 3, self->client.id,
			       "second"));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->restored, 0, 0, &msg, NULL));

	/* it works on: by id and by name, and new ids stay above it */
	EXPECT_EQ(0, send_text(&self->client, id, 4, 0, "again"));
	EXPECT_EQ(0, recv_text(&self->restored, 4, self->client.id,
			       "again"));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &fresh));
	EXPECT_LT(id, fresh.id);
	EXPECT_LT(self->client.id, fresh.id);
	kdbus_conn_close(&fresh);
}

TEST_F(rst, the_restored_identity_is_the_dumped_one)
{
	struct image *again = calloc(1, sizeof(*again));
	struct kdbus_item *was, *is;

	ASSERT_NE(NULL, again);
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	kdbus_conn_close(&self->svc);
	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));

	/* what the kernel now holds of it, dumped again */
	ASSERT_EQ(0, image_take(self->ckpt, &self->restored, again));
	EXPECT_EQ(image_conn(self->img)->id, image_conn(again)->id);
	EXPECT_EQ(image_conn(self->img)->pool_size,
		  image_conn(again)->pool_size);
	EXPECT_EQ(image_conn(self->img)->privileged,
		  image_conn(again)->privileged);
	was = image_item(self->img, KDBUS_ITEM_CREDS);
	is = image_item(again, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, was);
	ASSERT_NE(NULL, is);
	EXPECT_EQ(0, memcmp(&was->creds, &is->creds, sizeof(is->creds)));
	was = image_item(self->img, KDBUS_ITEM_PIDS);
	is = image_item(again, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, was);
	ASSERT_NE(NULL, is);
	EXPECT_EQ(was->pids.pid, is->pids.pid);
	EXPECT_EQ(was->pids.tid, is->pids.tid);
	munmap(again->pool, again->pool_size);
	free(again);
}

TEST_F(rst, messages_lost_before_the_dump_are_reported_after_it)
{
	struct kdbus_notify_id_change ic = { .id = KDBUS_MATCH_ID_ANY };
	struct kdbus_conn late = { .fd = -1 };
	struct kdbus_cmd_recv r;
	struct kdbus_cmd_buf b;
	struct kdbus_msg *msg;

	/* frozen by a first dump, the service loses a newcomer's ID_ADD */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_ADD, &ic, sizeof(ic));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->svc.fd, KDBUS_CMD_MATCH_ADD, b.data));
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &late));
	munmap(self->img->pool, self->img->pool_size);
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	ASSERT_EQ(1, image_conn(self->img)->lost);
	kdbus_conn_close(&self->svc);

	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));
	ASSERT_EQ(0, send_text(&self->client, image_conn(self->img)->id, 5, 0,
			       "after"));
	ASSERT_EQ(0, kdbus_recv(&self->restored, 0, 0, &msg, &r));
	EXPECT_TRUE(r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS);
	EXPECT_EQ(1, r.dropped_msgs);
	kdbus_msg_free(&self->restored, msg);
	kdbus_conn_close(&late);
}

TEST_F(rst, an_id_that_is_in_use_is_refused)
{
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	/* the dumped connection still lives */
	EXPECT_EQ(-EEXIST, restore(self->ckpt, self->ep, self->img));
	/* the file is still unused: HELLO works on it */
	EXPECT_EQ(0, kdbus_hello_fd(self->ep, 0, KDBUS_TEST_POOL_SIZE,
				    &self->restored));
	self->ep = -1;
}

TEST_F(rst, only_an_unused_endpoint_file_of_the_domain_is_restored_into)
{
	struct kdbus_test_bus other;
	int fd;

	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	kdbus_conn_close(&self->svc);
	EXPECT_EQ(-EBADFD, restore(self->ckpt, self->client.fd, self->img));
	EXPECT_EQ(-EBADFD, restore(self->ckpt, self->bus.control, self->img));
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADF, restore(self->ckpt, fd, self->img));
	close(fd);
	ASSERT_EQ(0, kdbus_test_bus_make(&other));
	fd = open(other.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EXDEV, restore(self->ckpt, fd, self->img));
	close(fd);
	kdbus_test_bus_close(&other);
	/* restore is a command of checkpoint files only */
	EXPECT_EQ(-ENOTTY, restore(self->client.fd, self->ep, self->img));
}

TEST_F(rst, malformed_dumps_are_refused_and_leave_the_file_unused)
{
	struct image *img = self->img;
	struct kdbus_dump_conn *dc;
	uint64_t size;

	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, img));
	kdbus_conn_close(&self->svc);
	size = img->size;
	dc = image_conn(img);

	/* cut inside an item, and not a multiple of 8 */
	img->size = size - 8;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	img->size = size - 4;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	img->size = 0;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	img->size = size;
	/* the pool's size must be the dumped one */
	img->pool_size += 4096;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	img->pool_size -= 4096;
	/* a pool size HELLO would refuse */
	dc->pool_size = 4095;
	img->pool_size = 4095;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	dc->pool_size = KDBUS_TEST_POOL_SIZE;
	img->pool_size = KDBUS_TEST_POOL_SIZE;
	/* flags HELLO does not know, or two roles at once */
	dc->flags |= 1ULL << 40;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	dc->flags = KDBUS_HELLO_MONITOR | KDBUS_HELLO_POLICY_HOLDER;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	dc->flags = 0;
	/* the first item must describe the connection */
	((struct kdbus_item *)img->buf)->type = KDBUS_ITEM_DUMP_SLICE;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	((struct kdbus_item *)img->buf)->type = KDBUS_ITEM_DUMP_CONN;
	/* and after all that, the file restores */
	EXPECT_EQ(0, restore(self->ckpt, self->ep, img));
	EXPECT_EQ(-EBADFD, restore(self->ckpt, self->ep, img));
	ASSERT_EQ(0, adopt(self->ep, img, &self->restored));
}

TEST_F(rst, a_pool_that_cannot_be_read_fails_and_leaks_nothing)
{
	struct image *img = self->img;
	uint8_t *pool;

	ASSERT_EQ(0, send_text(&self->client, self->svc.id, 1, 0, "queued"));
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, img));
	kdbus_conn_close(&self->svc);
	pool = img->pool;
	/* the queued message's bytes are unreadable */
	ASSERT_EQ(0, mprotect(pool, img->pool_size, PROT_NONE));
	EXPECT_EQ(-EFAULT, restore(self->ckpt, self->ep, img));
	ASSERT_EQ(0, mprotect(pool, img->pool_size, PROT_READ));
	/* the id was not taken, nor the file */
	EXPECT_EQ(0, restore(self->ckpt, self->ep, img));
	ASSERT_EQ(0, adopt(self->ep, img, &self->restored));
	EXPECT_EQ(0, recv_text(&self->restored, 1, self->client.id,
			       "queued"));
}

/* CONN_RESTORE with one DUMP_FILES item of @n fds for the message at @off */
static int restore_files(int ckpt, int ep_fd, struct image *img, uint64_t off,
			 const int *fds, unsigned int n)
{
	uint64_t buf[(sizeof(struct kdbus_cmd_restore) + 64 + 16 * 4) / 8] = {};
	struct kdbus_cmd_restore *cmd = (void *)buf;
	struct kdbus_item *item = (void *)(cmd + 1);
	struct kdbus_dump_files *df = (void *)item->data;
	unsigned int i;

	item->type = KDBUS_ITEM_DUMP_FILES;
	item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(*df) + n * sizeof(int);
	df->offset = off;
	for (i = 0; i < n; i++)
		df->fds[i] = fds[i];
	cmd->size = sizeof(*cmd) + KDBUS_ALIGN8(item->size);
	cmd->ep_fd = ep_fd;
	cmd->dump = (uintptr_t)img->buf;
	cmd->dump_size = img->size;
	cmd->pool = (uintptr_t)img->pool;
	cmd->pool_size = img->pool_size;
	return kdbus_ioctl(ckpt, KDBUS_CMD_CONN_RESTORE, cmd);
}

static int dump_files(int ckpt, int conn_fd, uint64_t off, int *fds,
		      uint64_t *n)
{
	struct kdbus_cmd_dump_files cmd = {
		.size = sizeof(cmd),
		.conn_fd = conn_fd,
		.offset = off,
		.fds = (uintptr_t)fds,
		.n_fds = *n,
	};
	int ret;

	ret = kdbus_ioctl(ckpt, KDBUS_CMD_CONN_DUMP_FILES, &cmd);
	*n = cmd.n_fds;
	return ret;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

TEST_F(rst, files_in_flight_are_dumped_and_restored)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_item *item, *fi, *mi;
	int null, memfd, unsealed, got[4] = { -1, -1, -1, -1 }, pass[2];
	struct kdbus_dump_message *dm;
	struct kdbus_msg *msg;
	uint64_t n, off;
	char c;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	memfd = kdbus_memfd_make(4096, KDBUS_MEMFD_SEALS);
	ASSERT_LE(0, memfd);
	unsealed = kdbus_memfd_make(4096, 0);
	ASSERT_LE(0, unsealed);
	kdbus_conn_close(&self->svc);
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->svc));
	a.cookie = 1;
	a.fds = &null;
	a.n_fds = 1;
	a.memfd = memfd;
	a.memfd_size = 4096;
	ASSERT_EQ(0, kdbus_send(&self->client, self->svc.id, &a));
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	item = image_item(self->img, KDBUS_ITEM_DUMP_MESSAGE);
	ASSERT_NE(NULL, item);
	dm = (void *)item->data;
	off = dm->offset;
	EXPECT_EQ(1, dm->n_fds);
	EXPECT_EQ(1, dm->n_memfds);

	/* the checkpointer gets the files: FDS first, then the memfd */
	n = 1;
	EXPECT_EQ(-EMSGSIZE, dump_files(self->ckpt, self->svc.fd, off, got,
					&n));
	EXPECT_EQ(2, n);
	n = 4;
	EXPECT_EQ(-ENOENT, dump_files(self->ckpt, self->svc.fd, off + 8, got,
				      &n));
	n = 4;
	ASSERT_EQ(0, dump_files(self->ckpt, self->svc.fd, off, got, &n));
	ASSERT_EQ(2, n);
	EXPECT_TRUE(same_file(got[0], null));
	EXPECT_TRUE(same_file(got[1], memfd));
	EXPECT_EQ(FD_CLOEXEC, fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	kdbus_conn_close(&self->svc);

	/* they must come with the restore, as SEND would take them */
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, self->img));
	EXPECT_EQ(-EINVAL, restore_files(self->ckpt, self->ep, self->img, off,
					 got, 1));
	pass[0] = self->bus.control;
	pass[1] = got[1];
	EXPECT_EQ(-EOPNOTSUPP, restore_files(self->ckpt, self->ep, self->img,
					     off, pass, 2));
	pass[0] = got[0];
	pass[1] = unsealed;
	EXPECT_EQ(-ETXTBSY, restore_files(self->ckpt, self->ep, self->img,
					  off, pass, 2));
	pass[1] = null;
	EXPECT_EQ(-EMEDIUMTYPE, restore_files(self->ckpt, self->ep, self->img,
					      off, pass, 2));
	pass[1] = 999;
	EXPECT_EQ(-EBADF, restore_files(self->ckpt, self->ep, self->img, off,
					pass, 2));
	ASSERT_EQ(0, restore_files(self->ckpt, self->ep, self->img, off, got,
				   2));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));

	/* RECV hands them over as it would have */
	ASSERT_EQ(0, kdbus_recv(&self->restored, 0, 0, &msg, NULL));
	EXPECT_EQ(1, msg->cookie);
	fi = kdbus_msg_item(msg, KDBUS_ITEM_FDS);
	mi = kdbus_msg_item(msg, KDBUS_ITEM_PAYLOAD_MEMFD);
	ASSERT_NE(NULL, fi);
	ASSERT_NE(NULL, mi);
	EXPECT_TRUE(same_file(fi->fds[0], null));
	EXPECT_TRUE(same_file(mi->memfd.fd, memfd));
	EXPECT_EQ(1, pread(mi->memfd.fd, &c, 1, 0));
	EXPECT_EQ('S', c);
	close(fi->fds[0]);
	close(mi->memfd.fd);
	kdbus_msg_free(&self->restored, msg);
	close(got[0]);
	close(got[1]);
	close(null);
	close(memfd);
	close(unsealed);
}

TEST_F(rst, a_name_taken_meanwhile_fails_the_restore)
{
	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	kdbus_conn_close(&self->svc);
	ASSERT_EQ(0, kdbus_name_acquire(&self->client, NAME_A, 0, NULL));
	EXPECT_EQ(-EADDRINUSE, restore(self->ckpt, self->ep, self->img));
	/* the id is free again: with the name released, it restores */
	ASSERT_EQ(0, kdbus_name_release(&self->client, NAME_A));
	EXPECT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));
}

TEST_F(rst, a_call_between_two_restored_connections_completes)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct image *cimg = calloc(1, sizeof(*cimg));
	struct kdbus_conn client = { .fd = -1 };
	uint64_t cid = self->client.id;
	struct kdbus_msg *msg;
	int cep;

	ASSERT_NE(NULL, cimg);
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = 7;
	a.timeout_ns = kdbus_now_ns() + 60ULL * 1000 * 1000 * 1000;
	ASSERT_EQ(0, kdbus_send(&self->client, self->svc.id, &a));
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	ASSERT_EQ(0, image_take(self->ckpt, &self->client, cimg));
	ASSERT_NE(NULL, image_item(self->img, KDBUS_ITEM_DUMP_REPLY));
	ASSERT_NE(NULL, image_item(cimg, KDBUS_ITEM_DUMP_REPLY));
	kdbus_conn_close(&self->svc);
	kdbus_conn_close(&self->client);
	/* the caller heard its call die with the service */
	cep = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, cep);

	/* the service first: the caller is not back yet */
	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));
	ASSERT_EQ(0, restore(self->ckpt, cep, cimg));
	ASSERT_EQ(0, adopt(cep, cimg, &client));

	/* the call is there, and its answer is one */
	ASSERT_EQ(0, kdbus_recv(&self->restored, 0, 0, &msg, NULL));
	EXPECT_EQ(7, msg->cookie);
	EXPECT_EQ(cid, msg->src_id);
	EXPECT_TRUE(msg->flags & KDBUS_MSG_EXPECT_REPLY);
	kdbus_msg_free(&self->restored, msg);
	a = (struct kdbus_send_args)KDBUS_SEND_ARGS_INIT;
	a.cookie = 8;
	a.cookie_reply = 7;
	EXPECT_EQ(0, kdbus_send(&self->restored, cid, &a));
	/* a second answer has no request left */
	EXPECT_EQ(-EBADSLT, kdbus_send(&self->restored, cid, &a));

	/* the caller gets it, and nothing else of that call */
	do {
		ASSERT_EQ(0, kdbus_recv(&client, 0, 0, &msg, NULL));
		if (msg->src_id != KDBUS_SRC_ID_KERNEL)
			break;
		/* the notifications of the restore (ID_ADD, NAME_ADD) */
		EXPECT_NE(NULL, kdbus_msg_item(msg, KDBUS_ITEM_ID_ADD));
		kdbus_msg_free(&client, msg);
	} while (1);
	EXPECT_EQ(self->restored.id, msg->src_id);
	EXPECT_EQ(7, msg->cookie_reply);
	kdbus_msg_free(&client, msg);
	kdbus_conn_close(&client);
	munmap(cimg->pool, cimg->pool_size);
	free(cimg);
}

/* what a checkpointer that is KDBUS_TEST_UID may restore */
struct as_user {
	struct kdbus_test_bus *bus;
	struct image *img;
};

TEST_F(rst, a_call_from_outside_the_restored_tree_stays_dead)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_item *item;
	struct kdbus_msg *msg;
	uint64_t id = self->svc.id;

	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = 7;
	a.timeout_ns = kdbus_now_ns() + 60ULL * 1000 * 1000 * 1000;
	ASSERT_EQ(0, kdbus_send(&self->client, id, &a));
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	ASSERT_NE(NULL, image_item(self->img, KDBUS_ITEM_DUMP_REPLY));
	kdbus_conn_close(&self->svc);

	/* the caller, which is not dumped, hears its call die */
	ASSERT_EQ(0, kdbus_recv(&self->client, 0, 0, &msg, NULL));
	EXPECT_EQ(KDBUS_SRC_ID_KERNEL, msg->src_id);
	EXPECT_EQ(7, msg->cookie_reply);
	item = kdbus_msg_item(msg, KDBUS_ITEM_REPLY_DEAD);
	EXPECT_NE(NULL, item);
	kdbus_msg_free(&self->client, msg);

	/* the restored service has the request, but owes no answer to it */
	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));
	ASSERT_EQ(0, kdbus_recv(&self->restored, 0, 0, &msg, NULL));
	EXPECT_EQ(7, msg->cookie);
	kdbus_msg_free(&self->restored, msg);
	a = (struct kdbus_send_args)KDBUS_SEND_ARGS_INIT;
	a.cookie = 8;
	a.cookie_reply = 7;
	EXPECT_EQ(-EBADSLT, kdbus_send(&self->restored, self->client.id, &a));

	/* the caller hears of the service's return, and of no answer */
	while (kdbus_recv(&self->client, 0, 0, &msg, NULL) == 0) {
		EXPECT_EQ(KDBUS_SRC_ID_KERNEL, msg->src_id);
		EXPECT_EQ(0, msg->cookie_reply);
		kdbus_msg_free(&self->client, msg);
	}
}

TEST_F(rst, a_call_to_outside_the_restored_tree_is_answered)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_msg *msg;
	uint64_t id = self->svc.id;

	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = 9;
	a.timeout_ns = kdbus_now_ns() + 60ULL * 1000 * 1000 * 1000;
	ASSERT_EQ(0, kdbus_send(&self->svc, self->client.id, &a));
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	kdbus_conn_close(&self->svc);
	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));

	/* the callee, not dumped, was told nothing and answers */
	do {
		ASSERT_EQ(0, kdbus_recv(&self->client, 0, 0, &msg, NULL));
		if (msg->src_id != KDBUS_SRC_ID_KERNEL)
			break;
		kdbus_msg_free(&self->client, msg);
	} while (1);
	EXPECT_EQ(id, msg->src_id);
	EXPECT_EQ(9, msg->cookie);
	kdbus_msg_free(&self->client, msg);
	a = (struct kdbus_send_args)KDBUS_SEND_ARGS_INIT;
	a.cookie = 10;
	a.cookie_reply = 9;
	ASSERT_EQ(0, kdbus_send(&self->client, id, &a));
	ASSERT_EQ(0, kdbus_recv(&self->restored, 0, 0, &msg, NULL));
	EXPECT_EQ(self->client.id, msg->src_id);
	EXPECT_EQ(9, msg->cookie_reply);
	kdbus_msg_free(&self->restored, msg);
}

/* a signal from @c, with an empty filter for the 64-byte bloom */
static int send_signal(struct kdbus_conn *c, uint64_t cookie)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	uint64_t filter[8] = { 0 };

	a.flags = KDBUS_MSG_SIGNAL;
	a.cookie = cookie;
	a.data = "signal";
	a.size = sizeof("signal");
	a.bloom = filter;
	a.bloom_size = sizeof(filter);
	return kdbus_send(c, KDBUS_DST_ID_BROADCAST, &a);
}

/* add a rule of @cookie with one item, or none if !@type */
static int match_add(struct kdbus_conn *c, uint64_t cookie, uint64_t type,
		     const void *payload, size_t len)
{
	struct kdbus_cmd_buf b;

	kdbus_match_init(&b, 0, cookie);
	if (type)
		kdbus_cmd_add(&b, type, payload, len);
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(c->fd, KDBUS_CMD_MATCH_ADD, b.data);
}

static int match_remove(struct kdbus_conn *c, uint64_t cookie)
{
	struct kdbus_cmd_buf b;

	kdbus_match_init(&b, 0, cookie);
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(c->fd, KDBUS_CMD_MATCH_REMOVE, b.data);
}

/* append to @img a DUMP_MATCH of @cookie with one item, or none */
static void append_match(struct image *img, uint64_t cookie, uint64_t type,
			 const void *payload, size_t len)
{
	struct kdbus_item *item = (void *)((uint8_t *)img->buf + img->size);
	struct kdbus_dump_match *dm = (void *)item->data;
	size_t n = sizeof(*dm);

	memset(item, 0, KDBUS_ITEM_SIZE(n + KDBUS_ITEM_SIZE(len)));
	dm->cookie = cookie;
	if (type) {
		dm->items[0].type = type;
		dm->items[0].size = KDBUS_ITEM_HEADER_SIZE + len;
		memcpy(dm->items[0].data, payload, len);
		n += KDBUS_ITEM_SIZE(len);
	}
	item->type = KDBUS_ITEM_DUMP_MATCH;
	item->size = KDBUS_ITEM_HEADER_SIZE + n;
	img->size += KDBUS_ALIGN8(item->size);
}

/* the next message of @c is a NAME_ADD of @name: 0 or -errno */
static int recv_name_add(struct kdbus_conn *c, const char *name)
{
	struct kdbus_item *item;
	struct kdbus_msg *msg;
	int ret;

	ret = kdbus_recv(c, 0, 0, &msg, NULL);
	if (ret)
		return ret;
	item = kdbus_msg_item(msg, KDBUS_ITEM_NAME_ADD);
	ret = msg->src_id == KDBUS_SRC_ID_KERNEL && item &&
	      !strcmp(item->name_change.name, name) ? 0 : -EBADMSG;
	kdbus_msg_free(c, msg);
	return ret;
}

TEST_F(rst, match_rules_are_restored_and_select_as_before)
{
	struct {
		struct kdbus_notify_name_change nc;
		char name[sizeof(NAME_B)];
	} add = {
		.nc.old_id.id = 0,
		.nc.new_id.id = KDBUS_MATCH_ID_ANY,
		.name = NAME_B,
	};
	struct kdbus_conn other = { .fd = -1 };
	uint64_t id = self->client.id;
	struct kdbus_msg *msg;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &other));
	/* signals of the client; NAME_B's arrival */
	ASSERT_EQ(0, match_add(&self->svc, 7, KDBUS_ITEM_ID, &id,
			       sizeof(id)));
	ASSERT_EQ(0, match_add(&self->svc, 8, KDBUS_ITEM_NAME_ADD, &add,
			       sizeof(add.nc) + sizeof(NAME_B)));
	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	kdbus_conn_close(&self->svc);
	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));

	/* the client's signal is received, another sender's is not */
	ASSERT_EQ(0, send_signal(&other, 20));
	ASSERT_EQ(0, send_signal(&self->client, 21));
	ASSERT_EQ(0, kdbus_recv(&self->restored, 0, 0, &msg, NULL));
	EXPECT_EQ(21, msg->cookie);
	EXPECT_EQ(id, msg->src_id);
	kdbus_msg_free(&self->restored, msg);
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->restored, 0, 0, &msg, NULL));

	/* the notification rule is subscribed again: NAME_B, not NAME_A */
	ASSERT_EQ(0, kdbus_name_acquire(&other, NAME_A, 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&other, NAME_B, 0, NULL));
	EXPECT_EQ(0, recv_name_add(&self->restored, NAME_B));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->restored, 0, 0, &msg, NULL));

	/* their cookies are the dumped ones */
	EXPECT_EQ(0, match_remove(&self->restored, 7));
	EXPECT_EQ(-EBADSLT, match_remove(&self->restored, 7));
	ASSERT_EQ(0, send_signal(&self->client, 22));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->restored, 0, 0, &msg, NULL));
	EXPECT_EQ(0, match_remove(&self->restored, 8));
	kdbus_conn_close(&other);
}

TEST_F(rst, match_rules_are_checked_as_match_add_checks_them)
{
	uint64_t mask[8] = { 1 }, size, vec[2] = { 1, 1 }, id = 1;
	struct image *img = self->img;
	struct kdbus_msg *msg;
	unsigned int i;

	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, img));
	kdbus_conn_close(&self->svc);
	size = img->size;

	/* an item MATCH_ADD does not take */
	append_match(img, 1, KDBUS_ITEM_PAYLOAD_VEC, vec, sizeof(vec));
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	img->size = size;
	/* an item of the wrong size */
	append_match(img, 1, KDBUS_ITEM_ID, &id, 4);
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	img->size = size;
	/* a bloom mask shorter than the bus's filter */
	append_match(img, 1, KDBUS_ITEM_BLOOM_MASK, mask, 56);
	EXPECT_EQ(-EDOM, restore(self->ckpt, self->ep, img));
	img->size = size;
	/* a rule's items cut short */
	append_match(img, 1, KDBUS_ITEM_ID, &id, sizeof(id));
	((struct kdbus_item *)((uint8_t *)img->buf + size))->size -= 8;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, img));
	img->size = size;
	/* one rule more than a connection may have */
	for (i = 0; i <= 256; i++)
		append_match(img, i, 0, NULL, 0);
	EXPECT_EQ(-EMFILE, restore(self->ckpt, self->ep, img));
	img->size = size;

	/* the file is unused still; a good rule restores */
	append_match(img, 3, KDBUS_ITEM_BLOOM_MASK, mask, sizeof(mask));
	ASSERT_EQ(0, restore(self->ckpt, self->ep, img));
	ASSERT_EQ(0, adopt(self->ep, img, &self->restored));
	EXPECT_EQ(0, match_remove(&self->restored, 3));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->restored, 0, 0, &msg, NULL));
}

/* KDBUS_CMD_BUS_DUMP of the control file @control into @buf */
static int bus_dump(int ckpt, int control, uint64_t *buf, size_t room,
		    uint64_t *size)
{
	struct kdbus_cmd_dump cmd = {
		.size = sizeof(cmd),
		.conn_fd = control,
		.buffer = (uintptr_t)buf,
		.buffer_size = room,
	};
	int ret;

	memset(buf, 0, room);
	ret = kdbus_ioctl(ckpt, KDBUS_CMD_BUS_DUMP, &cmd);
	*size = cmd.dump_size;
	return ret;
}

static int bus_restore(int ckpt, int control, const uint64_t *buf,
		       uint64_t size)
{
	struct kdbus_cmd_bus_restore cmd = {
		.size = sizeof(cmd),
		.control_fd = control,
		.dump = (uintptr_t)buf,
		.dump_size = size,
	};

	return kdbus_ioctl(ckpt, KDBUS_CMD_BUS_RESTORE, &cmd);
}

/* the item of @type in a bus dump, or NULL */
static struct kdbus_item *bus_item(uint64_t *buf, uint64_t size,
				   uint64_t type)
{
	struct kdbus_item *item;
	uint64_t pos;

	for (pos = 0; pos < size; pos += KDBUS_ALIGN8(item->size)) {
		item = (void *)((uint8_t *)buf + pos);
		if (item->type == type)
			return item;
	}
	return NULL;
}

/* HELLO on @ep: the connection's id and the bus's id128, then close */
static int hello_id128(const char *ep, uint64_t *id, uint8_t *id128)
{
	struct kdbus_cmd_hello h = {
		.size = sizeof(h),
		.pool_size = KDBUS_TEST_POOL_SIZE,
	};
	int fd, ret;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = kdbus_ioctl(fd, KDBUS_CMD_HELLO, &h);
	close(fd);
	*id = h.id;
	memcpy(id128, h.id128, sizeof(h.id128));
	return ret;
}

TEST_F(rst, a_bus_is_made_again_with_its_ids_parameters_and_creator)
{
	uint64_t a[512], b[512], a_size, b_size, id, last;
	struct kdbus_dump_bus *db;
	struct kdbus_item *item;
	uint8_t id128[16];
	int control;

	ASSERT_EQ(0, hello_id128(self->bus.ep, &id, id128));
	ASSERT_EQ(0, bus_dump(self->ckpt, self->bus.control, a, sizeof(a),
			      &a_size));
	item = bus_item(a, a_size, KDBUS_ITEM_DUMP_BUS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ((void *)a, (void *)item);
	db = (void *)item->data;
	EXPECT_LT(0, db->id);
	EXPECT_EQ(KDBUS_MAKE_ACCESS_WORLD, db->flags);
	EXPECT_EQ(64, db->bloom.size);
	EXPECT_EQ(1, db->bloom.n_hash);
	EXPECT_EQ(0, memcmp(id128, db->id128, sizeof(id128)));
	EXPECT_EQ(id, db->last_conn_id);
	last = db->last_conn_id;
	item = bus_item(a, a_size, KDBUS_ITEM_MAKE_NAME);
	ASSERT_NE(NULL, item);
	EXPECT_STREQ(self->bus.name, item->str);
	item = bus_item(a, a_size, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(geteuid(), item->creds.euid);
	item = bus_item(a, a_size, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(getpid(), item->pids.pid);

	/* only a control file that made a bus is dumped */
	EXPECT_EQ(-EBADFD, bus_dump(self->ckpt, self->svc.fd, b, sizeof(b),
				    &b_size));
	EXPECT_EQ(-EBADF, bus_dump(self->ckpt, 0, b, sizeof(b), &b_size));
	EXPECT_EQ(-EMSGSIZE, bus_dump(self->ckpt, self->bus.control, b, 16,
				      &b_size));
	EXPECT_EQ(a_size, b_size);

	/* while the bus lives, its ids and name are taken */
	control = kdbus_open_control(self->bus.dir);
	ASSERT_LE(0, control);
	EXPECT_EQ(-EEXIST, bus_restore(self->ckpt, control, a, a_size));

	/* gone, it is made again: the same dump, later ids above */
	kdbus_conn_close(&self->svc);
	kdbus_conn_close(&self->client);
	close(self->bus.control);
	self->bus.control = control;
	ASSERT_EQ(0, bus_restore(self->ckpt, control, a, a_size));
	EXPECT_EQ(-EBADFD, bus_restore(self->ckpt, control, a, a_size));
	ASSERT_EQ(0, hello_id128(self->bus.ep, &id, id128));
	EXPECT_EQ(last + 1, id);
	EXPECT_EQ(0, memcmp(id128, db->id128, sizeof(id128)));
	ASSERT_EQ(0, bus_dump(self->ckpt, control, b, sizeof(b), &b_size));
	ASSERT_EQ(a_size, b_size);
	db->last_conn_id = id;
	EXPECT_EQ(0, memcmp(a, b, a_size));
}

TEST_F(rst, a_restored_bus_cannot_take_a_live_buses_id128)
{
	uint64_t a[512], a_size;
	struct kdbus_test_bus other;
	uint8_t id128[16];
	int ckpt2, control;
	uint64_t id;

	ASSERT_EQ(0, bus_dump(self->ckpt, self->bus.control, a, sizeof(a),
			      &a_size));
	/* another domain, empty: the bus's name and id are free there */
	ASSERT_EQ(0, kdbus_test_bus_make(&other));
	ckpt2 = checkpoint(other.control);
	ASSERT_LE(0, ckpt2);
	close(other.control);
	other.control = -1;
	control = kdbus_open_control(other.dir);
	ASSERT_LE(0, control);

	/* but the id128 is a live bus's, whatever its domain */
	EXPECT_EQ(-EEXIST, bus_restore(ckpt2, control, a, a_size));
	kdbus_conn_close(&self->svc);
	kdbus_conn_close(&self->client);
	close(self->bus.control);
	self->bus.control = -1;
	EXPECT_EQ(0, bus_restore(ckpt2, control, a, a_size));
	snprintf(other.ep, sizeof(other.ep), "%s/%s/bus", other.dir,
		 self->bus.name);
	EXPECT_EQ(0, hello_id128(other.ep, &id, id128));
	EXPECT_EQ(0, memcmp(id128,
			    ((struct kdbus_dump_bus *)
			     bus_item(a, a_size, KDBUS_ITEM_DUMP_BUS)->data)->id128,
			    sizeof(id128)));
	close(control);
	close(ckpt2);
	kdbus_test_bus_close(&other);
}

TEST_F(rst, malformed_bus_dumps_are_refused_and_leave_the_file_unused)
{
	uint64_t a[512], a_size;
	struct kdbus_dump_bus *db;
	struct kdbus_item *name;
	int control;

	ASSERT_EQ(0, bus_dump(self->ckpt, self->bus.control, a, sizeof(a),
			      &a_size));
	kdbus_conn_close(&self->svc);
	kdbus_conn_close(&self->client);
	close(self->bus.control);
	self->bus.control = -1;
	control = kdbus_open_control(self->bus.dir);
	ASSERT_LE(0, control);
	db = (void *)bus_item(a, a_size, KDBUS_ITEM_DUMP_BUS)->data;
	name = bus_item(a, a_size, KDBUS_ITEM_MAKE_NAME);

	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, 0));
	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, a_size - 4));
	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, 64 * 1024 + 8));
	/* the first item must describe the bus */
	((struct kdbus_item *)a)->type = KDBUS_ITEM_DUMP_SLICE;
	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, a_size));
	((struct kdbus_item *)a)->type = KDBUS_ITEM_DUMP_BUS;
	/* no id; bloom parameters, flags or attach flags BUS_MAKE refuses */
	db->id = 0;
	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, a_size));
	db->id = 1;
	db->bloom.size = 7;
	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, a_size));
	db->bloom.size = 64;
	db->flags |= 1ULL << 40;
	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, a_size));
	db->flags = KDBUS_MAKE_ACCESS_WORLD;
	db->attach_flags_owner = 1ULL << 62;
	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, a_size));
	db->attach_flags_owner = 0;
	/* a name without its creator's "<uid>-" prefix */
	name->str[0] = name->str[0] == '9' ? '8' : '9';
	EXPECT_EQ(-EINVAL, bus_restore(self->ckpt, control, a, a_size));
	name->str[0] = self->bus.name[0];
	/* and after all that, the file restores */
	EXPECT_EQ(0, bus_restore(self->ckpt, control, a, a_size));
	self->bus.control = control;
}

/*
 * ENDPOINT_MAKE "<uid>-sandbox" on @fd: NAME_A to talk to, NAME_B.* to see
 * and, for the test group only, to own.
 */
static int sandbox_make(int fd, char *name, size_t size)
{
	struct kdbus_cmd_buf b;

	kdbus_bus_name(name, size, "sandbox");
	kdbus_cmd_init(&b, KDBUS_MAKE_ACCESS_WORLD);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, NAME_A);
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_WORLD, KDBUS_POLICY_TALK,
			     0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, NAME_B ".*");
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_USER, KDBUS_POLICY_SEE,
			     geteuid());
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_GROUP, KDBUS_POLICY_OWN,
			     KDBUS_TEST_GID);
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(fd, KDBUS_CMD_ENDPOINT_MAKE, b.data);
}

/* KDBUS_CMD_ENDPOINT_DUMP of the endpoint file @fd into @buf */
static int ep_dump(int ckpt, int fd, uint64_t *buf, size_t room,
		   uint64_t *size)
{
	struct kdbus_cmd_dump cmd = {
		.size = sizeof(cmd),
		.conn_fd = fd,
		.buffer = (uintptr_t)buf,
		.buffer_size = room,
	};
	int ret;

	memset(buf, 0, room);
	ret = kdbus_ioctl(ckpt, KDBUS_CMD_ENDPOINT_DUMP, &cmd);
	*size = cmd.dump_size;
	return ret;
}

static int ep_restore(int ckpt, int fd, const uint64_t *buf, uint64_t size)
{
	struct kdbus_cmd_ep_restore cmd = {
		.size = sizeof(cmd),
		.ep_fd = fd,
		.dump = (uintptr_t)buf,
		.dump_size = size,
	};

	return kdbus_ioctl(ckpt, KDBUS_CMD_ENDPOINT_RESTORE, &cmd);
}

/*
 * The rules of policy name @name in an endpoint dump, as a bit per
 * (type, access): 1 << (type * 4 + access); -1 if the name is missing.
 */
static int ep_dump_rules(uint64_t *buf, uint64_t size, const char *name,
			 uint64_t *ids)
{
	struct kdbus_item *item;
	bool in = false;
	uint64_t pos;
	int bits = -1;

	for (pos = 0; pos < size; pos += KDBUS_ALIGN8(item->size)) {
		item = (void *)((uint8_t *)buf + pos);
		if (item->type == KDBUS_ITEM_NAME) {
			in = !strcmp(item->str, name);
			if (in)
				bits = 0;
		} else if (in && item->type == KDBUS_ITEM_POLICY_ACCESS) {
			bits |= 1 << (item->policy_access.type * 4 +
				      item->policy_access.access);
			ids[item->policy_access.type] = item->policy_access.id;
		}
	}
	return bits;
}

static int stat_in_bus(const struct kdbus_test_bus *bus, const char *name,
		       struct stat *st)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s/%s", bus->dir, bus->name, name);
	return stat(path, st) ? -errno : 0;
}

static int open_in_bus(const struct kdbus_test_bus *bus, const char *name)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s/%s", bus->dir, bus->name, name);
	return open(path, O_RDWR | O_CLOEXEC);
}

static int send_to_name(struct kdbus_conn *c, const char *name,
			uint64_t cookie)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.cookie = cookie;
	a.dst_name = name;
	a.data = "x";
	a.size = 2;
	return kdbus_send(c, KDBUS_DST_ID_NAME, &a);
}

TEST_F(rst, a_custom_endpoint_is_made_again_with_its_mode_maker_and_policy)
{
	uint64_t a[1024], b[1024], a_size, b_size, ids[4] = {};
	struct kdbus_conn sandboxed = { .fd = -1 };
	struct kdbus_dump_endpoint *de;
	struct kdbus_item *item;
	char name[64], path[320];
	struct stat st;
	int maker;

	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->client, NAME_B ".x", 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->client, NAME_C, 0, NULL));
	maker = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, maker);
	ASSERT_EQ(0, sandbox_make(maker, name, sizeof(name)));
	ASSERT_EQ(0, ep_dump(self->ckpt, maker, a, sizeof(a), &a_size));

	/* the endpoint, its name and maker, then its policy */
	de = (void *)((struct kdbus_item *)a)->data;
	EXPECT_EQ(KDBUS_ITEM_DUMP_ENDPOINT, ((struct kdbus_item *)a)->type);
	EXPECT_EQ(KDBUS_MAKE_ACCESS_WORLD, de->flags);
	item = bus_item(a, a_size, KDBUS_ITEM_MAKE_NAME);
	ASSERT_NE(NULL, item);
	EXPECT_STREQ(name, item->str);
	item = bus_item(a, a_size, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(geteuid(), item->creds.uid);
	EXPECT_EQ(geteuid(), item->creds.fsuid);
	EXPECT_EQ(getegid(), item->creds.gid);
	EXPECT_EQ(1 << (KDBUS_POLICY_ACCESS_WORLD * 4 + KDBUS_POLICY_TALK),
		  ep_dump_rules(a, a_size, NAME_A, ids));
	EXPECT_EQ(1 << (KDBUS_POLICY_ACCESS_USER * 4 + KDBUS_POLICY_SEE) |
		  1 << (KDBUS_POLICY_ACCESS_GROUP * 4 + KDBUS_POLICY_OWN),
		  ep_dump_rules(a, a_size, NAME_B ".*", ids));
	EXPECT_EQ(geteuid(), ids[KDBUS_POLICY_ACCESS_USER]);
	EXPECT_EQ(KDBUS_TEST_GID, ids[KDBUS_POLICY_ACCESS_GROUP]);
	EXPECT_EQ(-1, ep_dump_rules(a, a_size, "org.kdbusfs.restore", ids));

	/* only a file that made an endpoint is dumped, into room enough */
	EXPECT_EQ(-EBADFD, ep_dump(self->ckpt, self->svc.fd, b, sizeof(b),
				   &b_size));
	EXPECT_EQ(-EBADFD, ep_dump(self->ckpt, self->bus.control, b, sizeof(b),
				   &b_size));
	EXPECT_EQ(-EBADF, ep_dump(self->ckpt, 0, b, sizeof(b), &b_size));
	EXPECT_EQ(-EMSGSIZE, ep_dump(self->ckpt, maker, b, 16, &b_size));
	EXPECT_EQ(a_size, b_size);

	/* while it lives, its name is taken */
	EXPECT_EQ(-EEXIST, ep_restore(self->ckpt, self->ep, a, a_size));

	/* gone, it is made again: the same mode, owner and dump */
	close(maker);
	EXPECT_EQ(-ENOENT, stat_in_bus(&self->bus, name, &st));
	ASSERT_EQ(0, ep_restore(self->ckpt, self->ep, a, a_size));
	EXPECT_EQ(-EBADFD, ep_restore(self->ckpt, self->ep, a, a_size));
	ASSERT_EQ(0, stat_in_bus(&self->bus, name, &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(geteuid(), st.st_uid);
	ASSERT_EQ(0, ep_dump(self->ckpt, self->ep, b, sizeof(b), &b_size));
	ASSERT_EQ(a_size, b_size);
	EXPECT_EQ(0, memcmp(a, b, a_size));

	/* its policy holds: NAME_A may be talked to, NAME_B.x only seen */
	snprintf(path, sizeof(path), "%s/%s/%s", self->bus.dir, self->bus.name,
		 name);
	ASSERT_EQ(0, kdbus_hello(path, 0, KDBUS_TEST_POOL_SIZE, &sandboxed));
	EXPECT_EQ(0, send_to_name(&sandboxed, NAME_A, 1));
	EXPECT_EQ(0, recv_text(&self->svc, 1, sandboxed.id, "x"));
	EXPECT_EQ(-EPERM, send_to_name(&sandboxed, NAME_B ".x", 2));
	EXPECT_EQ(-ESRCH, send_to_name(&sandboxed, NAME_C, 3));

	/* the endpoint lives as long as the restored file */
	close(self->ep);
	self->ep = -1;
	EXPECT_EQ(-ENOENT, stat_in_bus(&self->bus, name, &st));
	EXPECT_EQ(-ECONNRESET, send_to_name(&sandboxed, NAME_A, 4));
	kdbus_conn_close(&sandboxed);
	EXPECT_EQ(-1, open_in_bus(&self->bus, name));
}

static int restore_as_user(void *arg, int sock)
{
	struct as_user *u = arg;
	struct kdbus_creds *c;
	int ckpt, ep, ret;

	if (kdbus_keep_only(KDBUS_TEST_UID, CAP_CHECKPOINT_RESTORE))
		return KDBUS_CHILD_DROP_FAILED;
	ckpt = checkpoint(u->bus->control);
	ep = open(u->bus->ep, O_RDWR | O_CLOEXEC);
	if (ckpt < 0 || ep < 0)
		return 10;
	/* root's connection: not without CAP_SETUID and CAP_SETGID */
	if (restore(ckpt, ep, u->img) != -EPERM)
		return 11;
	c = &image_item(u->img, KDBUS_ITEM_CREDS)->creds;
	/* nor with one id of another */
	c->uid = KDBUS_TEST_UID;
	c->euid = KDBUS_TEST_UID;
	c->suid = KDBUS_TEST_UID;
	c->fsuid = KDBUS_TEST_UID;
	if (restore(ckpt, ep, u->img) != -EPERM)
		return 12;
	/* its own ids it may restore */
	c->gid = KDBUS_TEST_UID;
	c->egid = KDBUS_TEST_UID;
	c->sgid = KDBUS_TEST_UID;
	c->fsgid = KDBUS_TEST_UID;
	ret = restore(ckpt, ep, u->img);
	close(ckpt);
	close(ep);
	return ret ? 13 : 0;
}

TEST_F(rst, other_users_ids_need_setuid_and_setgid)
{
	struct as_user u = { &self->bus, self->img };

	ASSERT_EQ(0, image_take(self->ckpt, &self->svc, self->img));
	kdbus_conn_close(&self->svc);
	EXPECT_EQ(0, kdbus_run(restore_as_user, &u));
	/* root's checkpoint file may (the child's connection went with it) */
	EXPECT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));
}

TEST_F(rst, malformed_endpoint_dumps_are_refused_and_leave_the_file_unused)
{
	uint64_t a[1024], a_size, saved[4];
	struct kdbus_item *name, *creds, *rule;
	char ep_name[64];
	int maker;

	maker = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, maker);
	ASSERT_EQ(0, sandbox_make(maker, ep_name, sizeof(ep_name)));
	ASSERT_EQ(0, ep_dump(self->ckpt, maker, a, sizeof(a), &a_size));
	close(maker);
	name = bus_item(a, a_size, KDBUS_ITEM_MAKE_NAME);
	creds = bus_item(a, a_size, KDBUS_ITEM_CREDS);
	rule = bus_item(a, a_size, KDBUS_ITEM_POLICY_ACCESS);
	ASSERT_NE(NULL, rule);

	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, 0));
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size - 4));
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a,
				      64 * 1024 + 8));
	/* a dump that ends inside an item */
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size - 8));
	/* the first item must describe the endpoint */
	((struct kdbus_item *)a)->type = KDBUS_ITEM_DUMP_BUS;
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size));
	((struct kdbus_item *)a)->type = KDBUS_ITEM_DUMP_ENDPOINT;
	/* flags ENDPOINT_MAKE refuses */
	((struct kdbus_dump_endpoint *)((struct kdbus_item *)a)->data)->flags |=
		1ULL << 40;
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size));
	((struct kdbus_dump_endpoint *)((struct kdbus_item *)a)->data)->flags =
		KDBUS_MAKE_ACCESS_WORLD;
	/* no maker, or the policy before it */
	creds->type = KDBUS_ITEM_NAME;
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size));
	creds->type = KDBUS_ITEM_CREDS;
	/* a name without the maker's "<uid>-" prefix, or not a name */
	name->str[0] = name->str[0] == '9' ? '8' : '9';
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size));
	name->str[0] = '/';
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size));
	name->str[0] = ep_name[0];
	/* a rule ENDPOINT_MAKE would refuse, or an id without a mapping */
	memcpy(saved, &rule->policy_access, sizeof(rule->policy_access));
	rule->policy_access.access = 7;
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size));
	memcpy(&rule->policy_access, saved, sizeof(rule->policy_access));
	rule->policy_access.type = KDBUS_POLICY_ACCESS_USER;
	rule->policy_access.id = (uint64_t)-1;
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size));
	memcpy(&rule->policy_access, saved, sizeof(rule->policy_access));
	/* an item that belongs to no endpoint dump */
	rule->type = KDBUS_ITEM_DUMP_SLICE;
	EXPECT_EQ(-EINVAL, ep_restore(self->ckpt, self->ep, a, a_size));
	rule->type = KDBUS_ITEM_POLICY_ACCESS;
	/* and after all that, the file restores */
	EXPECT_EQ(0, ep_restore(self->ckpt, self->ep, a, a_size));
}

TEST_F(rst, only_a_privileged_unused_default_endpoint_file_takes_an_endpoint)
{
	uint64_t a[1024], a_size;
	struct kdbus_test_bus other;
	char ep_name[64];
	int maker, custom, user_fd, ckpt2;

	maker = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, maker);
	ASSERT_EQ(0, sandbox_make(maker, ep_name, sizeof(ep_name)));
	ASSERT_EQ(0, ep_dump(self->ckpt, maker, a, sizeof(a), &a_size));
	custom = open_in_bus(&self->bus, ep_name);
	ASSERT_LE(0, custom);

	/* a custom endpoint's file; once that endpoint is gone, a dead one */
	EXPECT_EQ(-EPERM, ep_restore(self->ckpt, custom, a, a_size));
	close(maker);
	EXPECT_EQ(-ESHUTDOWN, ep_restore(self->ckpt, custom, a, a_size));
	close(custom);
	/* a control file, a connection, no kdbusfs file */
	EXPECT_EQ(-EBADFD, ep_restore(self->ckpt, self->bus.control, a,
				      a_size));
	EXPECT_EQ(-EBADFD, ep_restore(self->ckpt, self->svc.fd, a, a_size));
	EXPECT_EQ(-EBADF, ep_restore(self->ckpt, 0, a, a_size));
	/* opened by a user who may not make endpoints on this bus */
	user_fd = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, self->bus.ep);
	ASSERT_LE(0, user_fd);
	EXPECT_EQ(-EPERM, ep_restore(self->ckpt, user_fd, a, a_size));
	close(user_fd);
	/* a file of another domain */
	ASSERT_EQ(0, kdbus_test_bus_make(&other));
	ckpt2 = checkpoint(other.control);
	ASSERT_LE(0, ckpt2);
	EXPECT_EQ(-EXDEV, ep_restore(ckpt2, self->ep, a, a_size));
	close(ckpt2);
	kdbus_test_bus_close(&other);
	/* and the file the command was meant for */
	EXPECT_EQ(0, ep_restore(self->ckpt, self->ep, a, a_size));
}

/* @src with its MAKE_NAME item's name replaced by @name, into @dst */
static uint64_t dump_renamed(const uint64_t *src, uint64_t size,
			     const char *name, uint64_t *dst)
{
	const struct kdbus_item *item;
	struct kdbus_item *out;
	uint64_t pos, n = 0;
	size_t len;

	for (pos = 0; pos < size; pos += KDBUS_ALIGN8(item->size)) {
		item = (const void *)((const uint8_t *)src + pos);
		out = (void *)((uint8_t *)dst + n);
		if (item->type == KDBUS_ITEM_MAKE_NAME) {
			len = strlen(name) + 1;
			memset(out, 0, KDBUS_ITEM_SIZE(len));
			out->size = KDBUS_ITEM_HEADER_SIZE + len;
			out->type = KDBUS_ITEM_MAKE_NAME;
			memcpy(out->str, name, len);
		} else {
			memcpy(out, item, KDBUS_ALIGN8(item->size));
		}
		n += KDBUS_ALIGN8(out->size);
	}
	return n;
}

struct as_user_ep {
	struct kdbus_test_bus *bus;
	uint64_t *dump;
	uint64_t size;
	int ep;
};

static int ep_restore_as_user(void *arg, int sock)
{
	struct as_user_ep *u = arg;
	uint64_t mine[1024], size;
	struct kdbus_item *name;
	struct kdbus_creds *c;
	char ep_name[64];
	int ckpt;

	if (kdbus_keep_only(KDBUS_TEST_UID, CAP_CHECKPOINT_RESTORE))
		return KDBUS_CHILD_DROP_FAILED;
	ckpt = checkpoint(u->bus->control);
	if (ckpt < 0)
		return 10;
	/* root's endpoint: not without CAP_SETUID and CAP_SETGID */
	if (ep_restore(ckpt, u->ep, u->dump, u->size) != -EPERM)
		return 11;
	/* its own ids, but root's prefix; then its own, in root's file */
	c = &bus_item(u->dump, u->size, KDBUS_ITEM_CREDS)->creds;
	c->uid = KDBUS_TEST_UID;
	c->euid = KDBUS_TEST_UID;
	c->suid = KDBUS_TEST_UID;
	c->fsuid = KDBUS_TEST_UID;
	c->gid = KDBUS_TEST_GID;
	c->egid = KDBUS_TEST_GID;
	c->sgid = KDBUS_TEST_GID;
	c->fsgid = KDBUS_TEST_GID;
	if (ep_restore(ckpt, u->ep, u->dump, u->size) != -EINVAL)
		return 12;
	name = bus_item(u->dump, u->size, KDBUS_ITEM_MAKE_NAME);
	snprintf(ep_name, sizeof(ep_name), "%u-%s", KDBUS_TEST_UID,
		 strchr(name->str, '-') + 1);
	size = dump_renamed(u->dump, u->size, ep_name, mine);
	if (ep_restore(ckpt, u->ep, mine, size))
		return 13;
	close(ckpt);
	return 0;
}

TEST_F(rst, other_users_endpoints_need_setuid_and_setgid)
{
	uint64_t a[1024], a_size;
	struct as_user_ep u = { &self->bus, a, 0, self->ep };
	char ep_name[64];
	struct stat st;
	int maker;

	maker = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, maker);
	ASSERT_EQ(0, sandbox_make(maker, ep_name, sizeof(ep_name)));
	ASSERT_EQ(0, ep_dump(self->ckpt, maker, a, sizeof(a), &a_size));
	close(maker);
	u.size = a_size;
	EXPECT_EQ(0, kdbus_run(ep_restore_as_user, &u));
	/* made by the child in our file, which keeps it: the user's */
	snprintf(ep_name, sizeof(ep_name), "%u-%s", KDBUS_TEST_UID,
		 strchr(bus_item(a, a_size, KDBUS_ITEM_MAKE_NAME)->str, '-') + 1);
	ASSERT_EQ(0, stat_in_bus(&self->bus, ep_name, &st));
	EXPECT_EQ(KDBUS_TEST_UID, st.st_uid);
}

TEST_F(rst, a_connection_behind_a_custom_endpoint_comes_back_behind_it)
{
	uint64_t a[1024], a_size, id;
	struct kdbus_conn sandboxed = { .fd = -1 };
	char ep_name[64], path[320];
	int maker, fd;

	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->client, NAME_C, 0, NULL));
	maker = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, maker);
	ASSERT_EQ(0, sandbox_make(maker, ep_name, sizeof(ep_name)));
	snprintf(path, sizeof(path), "%s/%s/%s", self->bus.dir, self->bus.name,
		 ep_name);
	ASSERT_EQ(0, kdbus_hello(path, 0, KDBUS_TEST_POOL_SIZE, &sandboxed));
	id = sandboxed.id;
	ASSERT_EQ(0, ep_dump(self->ckpt, maker, a, sizeof(a), &a_size));
	ASSERT_EQ(0, image_take(self->ckpt, &sandboxed, self->img));
	kdbus_conn_close(&sandboxed);
	close(maker);

	/* the endpoint first, then the connection through its file */
	ASSERT_EQ(0, ep_restore(self->ckpt, self->ep, a, a_size));
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, restore(self->ckpt, fd, self->img));
	ASSERT_EQ(0, adopt(fd, self->img, &self->restored));
	EXPECT_EQ(id, self->restored.id);
	EXPECT_EQ(0, send_to_name(&self->restored, NAME_A, 1));
	EXPECT_EQ(0, recv_text(&self->svc, 1, id, "x"));
	EXPECT_EQ(-ESRCH, send_to_name(&self->restored, NAME_C, 2));
	/* and it goes with the endpoint, as it would have */
	close(self->ep);
	self->ep = -1;
	EXPECT_EQ(-ECONNRESET, send_to_name(&self->restored, NAME_A, 3));
}

/* the first item of @type after the item at @from in @img, or NULL */
static struct kdbus_item *image_item_after(struct image *img,
					   struct kdbus_item *from,
					   uint64_t type)
{
	struct kdbus_item *item;
	uint64_t pos = (uint8_t *)from - (uint8_t *)img->buf;

	for (pos += KDBUS_ALIGN8(from->size); pos < img->size;
	     pos += KDBUS_ALIGN8(item->size)) {
		item = (void *)((uint8_t *)img->buf + pos);
		if (item->type == type)
			return item;
	}
	return NULL;
}

TEST_F(rst, an_activator_comes_back_with_its_name_policy_and_queue)
{
	struct kdbus_policy_access pa = {
		.type = KDBUS_POLICY_ACCESS_WORLD,
		.access = KDBUS_POLICY_TALK,
	};
	struct kdbus_conn act = { .fd = -1 };
	struct kdbus_item *name, *rule;
	struct kdbus_dump_name *dn;

	ASSERT_EQ(0, kdbus_hello_role(self->bus.ep, KDBUS_HELLO_ACTIVATOR,
				      NAME_A, &pa, &act));
	ASSERT_EQ(0, send_to_name(&self->client, NAME_A, 1));
	ASSERT_EQ(0, image_take(self->ckpt, &act, self->img));
	EXPECT_EQ(KDBUS_HELLO_ACTIVATOR, image_conn(self->img)->flags);
	dn = (void *)image_item(self->img, KDBUS_ITEM_DUMP_NAME)->data;
	EXPECT_STREQ(NAME_A, dn->name);
	EXPECT_TRUE(dn->flags & KDBUS_NAME_ACTIVATOR);
	name = image_item(self->img, KDBUS_ITEM_NAME);
	ASSERT_NE(NULL, name);
	EXPECT_STREQ(NAME_A, name->str);
	rule = image_item_after(self->img, name, KDBUS_ITEM_POLICY_ACCESS);
	ASSERT_NE(NULL, rule);
	EXPECT_EQ(KDBUS_POLICY_ACCESS_WORLD, rule->policy_access.type);
	EXPECT_EQ(KDBUS_POLICY_TALK, rule->policy_access.access);
	kdbus_conn_close(&act);

	/* the name is activatable again; what waited for it waits again */
	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));
	EXPECT_EQ(0, send_to_name(&self->client, NAME_A, 2));
	EXPECT_EQ(-EEXIST, kdbus_hello_activator(self->bus.ep, NAME_A, &act));
	/* an owner takes both from the activator */
	EXPECT_EQ(0, kdbus_name_acquire(&self->svc, NAME_A, 0, NULL));
	EXPECT_EQ(0, recv_text(&self->svc, 1, self->client.id, "x"));
	EXPECT_EQ(0, recv_text(&self->svc, 2, self->client.id, "x"));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->restored, 0, 0, NULL, NULL));
}

TEST_F(rst, a_policy_holder_comes_back_with_its_share_of_the_bus_policy)
{
	struct kdbus_policy_access pa = {
		.type = KDBUS_POLICY_ACCESS_USER,
		.access = KDBUS_POLICY_OWN,
		.id = KDBUS_TEST_UID,
	};
	struct kdbus_conn holder = { .fd = -1 }, other = { .fd = -1 };
	struct kdbus_item *name, *rule;

	ASSERT_EQ(0, kdbus_hello_role(self->bus.ep, KDBUS_HELLO_POLICY_HOLDER,
				      NAME_B ".*", &pa, &holder));
	ASSERT_EQ(0, image_take(self->ckpt, &holder, self->img));
	name = image_item(self->img, KDBUS_ITEM_NAME);
	ASSERT_NE(NULL, name);
	EXPECT_STREQ(NAME_B ".*", name->str);
	rule = image_item_after(self->img, name, KDBUS_ITEM_POLICY_ACCESS);
	ASSERT_NE(NULL, rule);
	EXPECT_EQ(KDBUS_POLICY_ACCESS_USER, rule->policy_access.type);
	EXPECT_EQ(KDBUS_POLICY_OWN, rule->policy_access.access);
	EXPECT_EQ(KDBUS_TEST_UID, rule->policy_access.id);
	EXPECT_EQ(NULL, image_item(self->img, KDBUS_ITEM_DUMP_NAME));
	/* while it lives, nobody else may set that name's policy */
	EXPECT_EQ(-EEXIST, kdbus_hello_role(self->bus.ep,
					    KDBUS_HELLO_POLICY_HOLDER,
					    NAME_B ".*", NULL, &other));
	kdbus_conn_close(&holder);

	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));
	EXPECT_EQ(-EEXIST, kdbus_hello_role(self->bus.ep,
					    KDBUS_HELLO_POLICY_HOLDER,
					    NAME_B ".*", NULL, &other));
	/* its policy goes with it, as a live one's */
	kdbus_conn_close(&self->restored);
	self->ep = -1;
	EXPECT_EQ(0, kdbus_hello_role(self->bus.ep, KDBUS_HELLO_POLICY_HOLDER,
				      NAME_B ".*", NULL, &other));
	kdbus_conn_close(&other);
}

TEST_F(rst, a_monitor_comes_back_unannounced_and_sees_the_traffic)
{
	struct kdbus_conn mon = { .fd = -1 };
	struct kdbus_msg *msg;

	ASSERT_EQ(0, kdbus_hello_role(self->bus.ep, KDBUS_HELLO_MONITOR, NULL,
				      NULL, &mon));
	ASSERT_EQ(0, send_text(&self->client, self->svc.id, 1, 0, "before"));
	ASSERT_EQ(0, image_take(self->ckpt, &mon, self->img));
	EXPECT_EQ(KDBUS_HELLO_MONITOR, image_conn(self->img)->flags);
	kdbus_conn_close(&mon);
	ASSERT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));

	/* its copy of what it saw, then what it sees now; no ID_ADD of it */
	EXPECT_EQ(0, recv_text(&self->restored, 1, self->client.id, "before"));
	ASSERT_EQ(0, send_text(&self->client, self->svc.id, 2, 0, "after"));
	EXPECT_EQ(0, recv_text(&self->restored, 2, self->client.id, "after"));
	EXPECT_EQ(0, recv_text(&self->svc, 1, self->client.id, "before"));
	EXPECT_EQ(0, recv_text(&self->svc, 2, self->client.id, "after"));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->svc, 0, 0, &msg, NULL));
}

TEST_F(rst, roles_are_checked_as_hello_checks_them)
{
	struct kdbus_conn act = { .fd = -1 };
	struct kdbus_dump_conn *dc;
	struct kdbus_item *name;
	int user_fd;

	ASSERT_EQ(0, kdbus_hello_activator(self->bus.ep, NAME_A, &act));
	ASSERT_EQ(0, image_take(self->ckpt, &act, self->img));
	kdbus_conn_close(&act);
	dc = image_conn(self->img);
	name = image_item(self->img, KDBUS_ITEM_NAME);
	ASSERT_NE(NULL, name);

	/* a role, for an opener who could not have asked for it */
	user_fd = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, self->bus.ep);
	ASSERT_LE(0, user_fd);
	EXPECT_EQ(-EPERM, restore(self->ckpt, user_fd, self->img));
	close(user_fd);
	/* policy without a role to hold it; a monitor with names */
	dc->flags = 0;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, self->img));
	dc->flags = KDBUS_HELLO_MONITOR;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, self->img));
	/* a policy holder with an activator's name */
	dc->flags = KDBUS_HELLO_POLICY_HOLDER;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, self->img));
	/* an activator without its policy entry */
	dc->flags = KDBUS_HELLO_ACTIVATOR;
	name->type = KDBUS_ITEM_CONN_DESCRIPTION;
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, self->img));
	name->type = KDBUS_ITEM_NAME;
	/* a name HELLO would refuse in its policy */
	name->str[0] = '.';
	EXPECT_EQ(-EINVAL, restore(self->ckpt, self->ep, self->img));
	name->str[0] = NAME_A[0];
	/* and then it restores */
	EXPECT_EQ(0, restore(self->ckpt, self->ep, self->img));
	ASSERT_EQ(0, adopt(self->ep, self->img, &self->restored));
}

TEST_HARNESS_MAIN
