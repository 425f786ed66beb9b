// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata: the sender allows, the receiver asks, the kernel translates
 * into the reader's namespaces; identity is the opener's, task facts the
 * sending task's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

#define ITEM(flag)	(_KDBUS_ITEM_ATTACH_BASE + __builtin_ctzll(flag))
#define DESCRIPTION	"meta-sender"
#define MASK_PARAM	"/sys/module/kdbusfs/parameters/attach_flags_mask"

static int hello_meta(const char *ep, int fd, uint64_t send, uint64_t recv,
		      const char *description, struct kdbus_conn *c)
{
	struct kdbus_cmd_hello *h;
	struct kdbus_cmd_buf b;

	if (fd < 0)
		fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	h = kdbus_hello_init(&b, 0, KDBUS_TEST_POOL_SIZE);
	h->attach_flags_send = send;
	h->attach_flags_recv = recv;
	if (description)
		kdbus_cmd_add_str(&b, KDBUS_ITEM_CONN_DESCRIPTION, description);
	return kdbus_hello_cmd(fd, &b, c);
}

static int update_masks(struct kdbus_conn *c, const uint64_t *send,
			const uint64_t *recv)
{
	struct kdbus_cmd_buf b;

	kdbus_cmd_init(&b, 0);
	if (send)
		kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, send,
			      sizeof(*send));
	if (recv)
		kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_RECV, recv,
			      sizeof(*recv));
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(c->fd, KDBUS_CMD_UPDATE, b.data);
}

static int send_ping(struct kdbus_conn *c, uint64_t dst)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.cookie = 1;
	a.data = "ping";
	a.size = 5;
	return kdbus_send(c, dst, &a);
}

static uint64_t msg_meta(struct kdbus_msg *m, unsigned int *count)
{
	return kdbus_meta_mask(m->items, (uint8_t *)m + m->size, count);
}

static void chomp(char *s)
{
	s[strcspn(s, "\n")] = '\0';
}

static unsigned long long read_ull(const char *path, int base)
{
	char buf[64];

	if (kdbus_read_file(path, buf, sizeof(buf)) <= 0)
		return ~0ULL;
	return strtoull(buf, NULL, base);
}

/* CapEff of this process, from /proc/self/status */
static uint64_t cap_eff(void)
{
	char buf[4096], *p;

	if (kdbus_read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
		return ~0ULL;
	p = strstr(buf, "CapEff:");
	return p ? strtoull(p + 7, NULL, 16) : ~0ULL;
}

static uint64_t item_caps_eff(struct kdbus_item *item)
{
	/* inheritable, permitted, effective, bounding; two words each */
	return item->caps.caps[4] | (uint64_t)item->caps.caps[5] << 32;
}

FIXTURE(meta) {
	struct kdbus_test_bus bus;
	struct kdbus_conn snd, rcv;
};

FIXTURE_SETUP(meta)
{
	self->snd.fd = -1;
	self->rcv.fd = -1;
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
}

FIXTURE_TEARDOWN(meta)
{
	kdbus_conn_close(&self->snd);
	kdbus_conn_close(&self->rcv);
	kdbus_test_bus_close(&self->bus);
}

static const uint64_t each_flag[] = {
	KDBUS_ATTACH_TIMESTAMP, KDBUS_ATTACH_CREDS, KDBUS_ATTACH_PIDS,
	KDBUS_ATTACH_AUXGROUPS, KDBUS_ATTACH_TID_COMM, KDBUS_ATTACH_PID_COMM,
	KDBUS_ATTACH_EXE, KDBUS_ATTACH_CMDLINE, KDBUS_ATTACH_CGROUP,
	KDBUS_ATTACH_CAPS, KDBUS_ATTACH_AUDIT, KDBUS_ATTACH_CONN_DESCRIPTION,
};

/* Check the value of the one item @flag asks for against /proc. */
static void check_item(struct __test_metadata *_metadata, uint64_t flag,
		       struct kdbus_item *item, uint64_t t0, uint64_t t1)
{
	char buf[4096], path[4096];
	gid_t groups[256];
	ssize_t n;
	int i;

	switch (flag) {
	case KDBUS_ATTACH_TIMESTAMP:
		EXPECT_GT(item->timestamp.seqnum, 0);
		EXPECT_GE(item->timestamp.monotonic_ns, t0);
		EXPECT_LE(item->timestamp.monotonic_ns, t1);
		EXPECT_GT(item->timestamp.realtime_ns, 1500000000ULL * 1000000000ULL);
		break;
	case KDBUS_ATTACH_CREDS:
		EXPECT_EQ(getuid(), item->creds.uid);
		EXPECT_EQ(geteuid(), item->creds.euid);
		EXPECT_EQ(getgid(), item->creds.gid);
		EXPECT_EQ(getegid(), item->creds.egid);
		break;
	case KDBUS_ATTACH_PIDS:
		EXPECT_EQ(getpid(), item->pids.pid);
		EXPECT_EQ(syscall(SYS_gettid), item->pids.tid);
		EXPECT_EQ(getppid(), item->pids.ppid);
		break;
	case KDBUS_ATTACH_AUXGROUPS:
		n = getgroups(256, groups);
		ASSERT_GE(n, 0);
		ASSERT_EQ(n, (item->size - KDBUS_ITEM_HEADER_SIZE) / 8);
		for (i = 0; i < n; i++)
			EXPECT_EQ(groups[i], item->data64[i]);
		break;
	case KDBUS_ATTACH_TID_COMM:
	case KDBUS_ATTACH_PID_COMM:
		ASSERT_GT(kdbus_read_file("/proc/self/comm", buf, sizeof(buf)),
			  0);
		chomp(buf);
		EXPECT_STREQ(buf, item->str);
		break;
	case KDBUS_ATTACH_EXE:
		n = readlink("/proc/self/exe", path, sizeof(path) - 1);
		ASSERT_GT(n, 0);
		path[n] = '\0';
		EXPECT_STREQ(path, item->str);
		break;
	case KDBUS_ATTACH_CMDLINE:
		n = kdbus_read_file("/proc/self/cmdline", buf, sizeof(buf));
		ASSERT_GT(n, 0);
		ASSERT_EQ(n, item->size - KDBUS_ITEM_HEADER_SIZE);
		EXPECT_EQ(0, memcmp(buf, item->str, n));
		break;
	case KDBUS_ATTACH_CGROUP:
		/* "0::/path" on the unified hierarchy */
		ASSERT_GT(kdbus_read_file("/proc/self/cgroup", buf,
					  sizeof(buf)), 0);
		chomp(buf);
		ASSERT_EQ(0, strncmp(buf, "0::", 3));
		EXPECT_STREQ(buf + 3, item->str);
		break;
	case KDBUS_ATTACH_CAPS:
		EXPECT_GE(item->caps.last_cap, 40);
		EXPECT_EQ(cap_eff(), item_caps_eff(item));
		break;
	case KDBUS_ATTACH_AUDIT:
		EXPECT_EQ((uint32_t)read_ull("/proc/self/loginuid", 10),
			  item->audit.loginuid);
		EXPECT_EQ((uint32_t)read_ull("/proc/self/sessionid", 10),
			  item->audit.sessionid);
		break;
	case KDBUS_ATTACH_CONN_DESCRIPTION:
		EXPECT_STREQ(DESCRIPTION, item->str);
		break;
	}
}

TEST_F(meta, each_attach_flag_alone_delivers_exactly_its_item)
{
	unsigned int i, count;
	const char *payload;
	struct kdbus_msg *m;
	uint64_t t0, t1;

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, _KDBUS_ATTACH_ALL, 0,
				DESCRIPTION, &self->snd));
	for (i = 0; i < ARRAY_SIZE(each_flag); i++) {
		uint64_t flag = each_flag[i];
		struct kdbus_item *item;

		ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, flag, NULL,
					&self->rcv));
		t0 = kdbus_now_ns();
		ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));
		t1 = kdbus_now_ns();
		ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
		EXPECT_EQ(flag, msg_meta(m, &count))
			TH_LOG("flag 0x%llx", (unsigned long long)flag);
		EXPECT_EQ(1, count);
		item = kdbus_msg_item(m, ITEM(flag));
		ASSERT_NE(NULL, item);
		check_item(_metadata, flag, item, t0, t1);
		/* the payload still follows the items */
		payload = kdbus_msg_payload(&self->rcv, m, &t0);
		EXPECT_STREQ("ping", payload);
		EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
		kdbus_conn_close(&self->rcv);
	}
}

TEST_F(meta, security_label_is_the_openers_when_there_is_one)
{
	struct kdbus_item *item;
	struct kdbus_msg *m;
	unsigned int count;
	char label[256];
	ssize_t n;

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, _KDBUS_ATTACH_ALL, 0, NULL,
				&self->snd));
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, KDBUS_ATTACH_SECLABEL,
				NULL, &self->rcv));
	ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_SECLABEL);
	n = kdbus_read_file("/proc/self/attr/current", label, sizeof(label));
	if (n > 0) {
		chomp(label);
		ASSERT_NE(NULL, item);
		EXPECT_STREQ(label, item->str);
		EXPECT_EQ(KDBUS_ATTACH_SECLABEL, msg_meta(m, &count));
	} else {
		/* no security module labels tasks: nothing to report */
		EXPECT_EQ(NULL, item);
		EXPECT_EQ(0, msg_meta(m, &count));
	}
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
}

TEST_F(meta, sender_consent_limits_what_receiver_gets)
{
	struct kdbus_msg *m;
	unsigned int count;

	/* asked for everything, allowed nothing */
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, _KDBUS_ATTACH_ANY, NULL,
				&self->snd));
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, _KDBUS_ATTACH_ANY, NULL,
				&self->rcv));
	ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	EXPECT_EQ(0, msg_meta(m, &count));
	EXPECT_EQ(0, count);
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));

	/* allowed creds and pids, asked for pids and caps: pids only */
	{
		uint64_t send = KDBUS_ATTACH_CREDS | KDBUS_ATTACH_PIDS;
		uint64_t recv = KDBUS_ATTACH_PIDS | KDBUS_ATTACH_CAPS;

		ASSERT_EQ(0, update_masks(&self->snd, &send, NULL));
		ASSERT_EQ(0, update_masks(&self->rcv, NULL, &recv));
	}
	ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	EXPECT_EQ(KDBUS_ATTACH_PIDS, msg_meta(m, &count));
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
}

TEST_F(meta, update_applies_to_later_messages_only)
{
	uint64_t none = 0, creds = KDBUS_ATTACH_CREDS;
	struct kdbus_msg *m;
	unsigned int count;

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, _KDBUS_ATTACH_ALL, 0, NULL,
				&self->snd));
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, KDBUS_ATTACH_CREDS, NULL,
				&self->rcv));
	ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));
	ASSERT_EQ(0, update_masks(&self->rcv, NULL, &none));
	ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));
	ASSERT_EQ(0, update_masks(&self->snd, &none, &creds));
	ASSERT_EQ(0, update_masks(&self->rcv, NULL, &creds));
	ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));

	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	EXPECT_EQ(KDBUS_ATTACH_CREDS, msg_meta(m, &count));
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	EXPECT_EQ(0, msg_meta(m, &count));
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	EXPECT_EQ(0, msg_meta(m, &count));
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
}

TEST_F(meta, peek_shows_the_metadata_recv_gets)
{
	struct kdbus_item *item;
	struct kdbus_msg *m;

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, _KDBUS_ATTACH_ALL, 0, NULL,
				&self->snd));
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, KDBUS_ATTACH_PIDS, NULL,
				&self->rcv));
	ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));
	ASSERT_EQ(0, kdbus_recv(&self->rcv, KDBUS_RECV_PEEK, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(getpid(), item->pids.pid);
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(getpid(), item->pids.pid);
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
}

TEST_F(meta, malformed_attach_masks_fail_as_documented)
{
	uint64_t bad = 1ULL << 40, any = _KDBUS_ATTACH_ANY;
	struct kdbus_cmd_buf b;
	struct kdbus_conn c;
	char name[64];
	int fd;

	EXPECT_EQ(-EINVAL, hello_meta(self->bus.ep, -1, bad, 0, NULL, &c));
	EXPECT_EQ(-EINVAL, hello_meta(self->bus.ep, -1, 0, bad, NULL, &c));
	/* "any" means everything the kernel knows */
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, any, any, NULL, &self->rcv));
	EXPECT_EQ(-EINVAL, update_masks(&self->rcv, &bad, NULL));
	EXPECT_EQ(-EINVAL, update_masks(&self->rcv, NULL, &bad));
	EXPECT_EQ(0, update_masks(&self->rcv, &any, &any));

	/* policy entries are for policy holders */
	{
		struct kdbus_policy_access pa = {
			.type = KDBUS_POLICY_ACCESS_WORLD,
			.access = KDBUS_POLICY_SEE,
		};

		kdbus_cmd_init(&b, 0);
		kdbus_cmd_add(&b, KDBUS_ITEM_NAME, "org.example",
			      sizeof("org.example"));
		kdbus_cmd_add(&b, KDBUS_ITEM_POLICY_ACCESS, &pa, sizeof(pa));
		kdbus_cmd_finish(&b);
		EXPECT_EQ(-EOPNOTSUPP,
			  kdbus_ioctl(self->rcv.fd, KDBUS_CMD_UPDATE, b.data));
	}

	/* a bus asking for an unknown item */
	kdbus_bus_name(name, sizeof(name), "badmask");
	kdbus_cmd_init(&b, KDBUS_MAKE_ACCESS_WORLD);
	{
		struct kdbus_bloom_parameter bloom = { .size = 64, .n_hash = 1 };

		kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom,
			      sizeof(bloom));
	}
	kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &bad, sizeof(bad));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	fd = kdbus_open_control(self->bus.dir);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_BUS_MAKE, b.data));
	close(fd);
}

/* A bus whose creator requires @req; returns its endpoint path in @ep. */
static int make_bus_requiring(struct kdbus_test_bus *bus, uint64_t req,
			      char *ep, size_t size)
{
	struct kdbus_bloom_parameter bloom = { .size = 64, .n_hash = 1 };
	struct kdbus_cmd_buf b;
	char name[64];
	int ret;

	kdbus_bus_name(name, sizeof(name), "required");
	kdbus_cmd_init(&b, KDBUS_MAKE_ACCESS_WORLD);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &req, sizeof(req));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	ret = kdbus_ioctl(bus->control, KDBUS_CMD_BUS_MAKE, b.data);
	snprintf(ep, size, "%s/%s/bus", bus->dir, name);
	return ret;
}

TEST_F(meta, bus_requirements_refuse_senders_that_hide)
{
	uint64_t creds = KDBUS_ATTACH_CREDS, none = 0;
	char ep[4200];
	int control;

	/* the BUS_MAKE file holds the bus: use a second control file */
	control = self->bus.control;
	self->bus.control = kdbus_open_control(self->bus.dir);
	ASSERT_GE(self->bus.control, 0);
	ASSERT_EQ(0, make_bus_requiring(&self->bus, creds, ep, sizeof(ep)));

	EXPECT_EQ(-ECONNREFUSED, hello_meta(ep, -1, 0, 0, NULL, &self->snd));
	EXPECT_EQ(-ECONNREFUSED, hello_meta(ep, -1, KDBUS_ATTACH_PIDS, 0,
					    NULL, &self->snd));
	ASSERT_EQ(0, hello_meta(ep, -1, creds, 0, NULL, &self->snd));
	EXPECT_EQ(-ECONNREFUSED, update_masks(&self->snd, &none, NULL));
	EXPECT_EQ(0, update_masks(&self->snd, &creds, NULL));
	kdbus_conn_close(&self->snd);
	close(self->bus.control);
	self->bus.control = control;
}

TEST_F(meta, module_mask_limits_everything)
{
	struct kdbus_msg *m;
	unsigned int count;
	char old[64];
	int fd;

	fd = open(MASK_PARAM, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "%s not writable here (%d)", MASK_PARAM, errno);
	ASSERT_GT(read(fd, old, sizeof(old) - 1), 0);
	ASSERT_EQ(3, pwrite(fd, "514", 3, 0));	/* CREDS | CGROUP */

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, _KDBUS_ATTACH_ALL, 0, NULL,
				&self->snd));
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, _KDBUS_ATTACH_ALL, NULL,
				&self->rcv));
	EXPECT_EQ(0, send_ping(&self->snd, self->rcv.id));
	/* the mask applies when sending: restore it before receiving */
	EXPECT_EQ(strlen(old), pwrite(fd, old, strlen(old), 0));
	close(fd);
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	EXPECT_EQ(KDBUS_ATTACH_CREDS | KDBUS_ATTACH_CGROUP, msg_meta(m, &count));
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
	EXPECT_EQ(_KDBUS_ATTACH_ALL, read_ull(MASK_PARAM, 0));
}

struct xns {
	const char *ep;
	const char *name;	/* bus name, for a chroot into the mount */
	const char *cgroup;
	int sock2;		/* to the parent, from a grandchild */
	uint64_t root_id;	/* the parent's receiver */
};

static unsigned long overflow_id(void)
{
	unsigned long long v = read_ull("/proc/sys/kernel/overflowuid", 10);

	return v == ~0ULL ? 65534 : v;
}

/*
 * As the test user, in a user namespace of its own where it reads as 5000
 * and nobody else is mapped: its own message shows 5000, root's request
 * the overflow uid; it answers root's request.
 */
static int xns_user_child(void *arg, int sock)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	uint64_t all = _KDBUS_ATTACH_ALL;
	struct xns *x = arg;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	struct kdbus_conn c;
	uint64_t request = 0;
	int i;

	if (kdbus_unshare_userns(0, 5000))
		return 10;
	if (hello_meta(x->ep, -1, all, all, NULL, &c))
		return 11;
	a.cookie = 7;
	a.data = "self";
	a.size = 5;
	if (kdbus_send(&c, c.id, &a))
		return 12;
	if (write(sock, &c.id, sizeof(c.id)) != sizeof(c.id))
		return 13;
	for (i = 0; i < 2; i++) {
		uint64_t want;
		int tries;

		for (tries = 0; kdbus_recv(&c, 0, 0, &m, NULL); tries++) {
			if (tries > 500)
				return 14;
			usleep(10000);
		}
		item = kdbus_msg_item(m, KDBUS_ITEM_CREDS);
		if (!item || !kdbus_msg_item(m, KDBUS_ITEM_AUXGROUPS))
			return 15;
		want = m->cookie == 7 ? 5000 : overflow_id();
		if (item->creds.uid != want || item->creds.euid != want ||
		    item->creds.gid != want)
			return 16 + i;
		if (m->cookie != 7)
			request = m->cookie;
		kdbus_msg_free(&c, m);
	}
	if (!request)
		return 18;
	a = (struct kdbus_send_args)KDBUS_SEND_ARGS_INIT;
	a.cookie = 8;
	a.cookie_reply = request;
	a.data = "answer";
	a.size = 7;
	return kdbus_send(&c, x->root_id, &a) ? 19 : 0;
}

TEST_F(meta, ids_are_translated_into_the_readers_user_namespace)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct xns x = { .ep = self->bus.ep };
	struct kdbus_item *item;
	uint64_t peer, all = _KDBUS_ATTACH_ALL;
	struct kdbus_msg *m;
	int sock, tries;
	pid_t pid;

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, all, all, NULL, &self->rcv));
	x.root_id = self->rcv.id;
	pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID, xns_user_child, &x,
			    &sock);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(sizeof(peer), read(sock, &peer, sizeof(peer)));

	/* a request lets the unprivileged child answer us */
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = 1;
	a.timeout_ns = kdbus_now_ns() + 10000000000ULL;
	a.data = "q";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&self->rcv, peer, &a));
	for (tries = 0; kdbus_recv(&self->rcv, 0, 0, &m, NULL); tries++) {
		ASSERT_LT(tries, 500);
		usleep(10000);
	}
	EXPECT_EQ(peer, m->src_id);
	EXPECT_EQ(1, m->cookie_reply);
	/* the child's identity, seen from here: the test user, no caps */
	item = kdbus_msg_item(m, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(KDBUS_TEST_UID, item->creds.euid);
	EXPECT_EQ(KDBUS_TEST_GID, item->creds.gid);
	item = kdbus_msg_item(m, KDBUS_ITEM_CAPS);
	ASSERT_NE(NULL, item);
	/* full capabilities in its namespace are none in ours */
	EXPECT_EQ(0, item_caps_eff(item));
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));

	EXPECT_EQ(0, kdbus_wait(pid));
	close(sock);
}

/*
 * PID 1 of a new PID namespace: the parent's pids read as 0 here; the
 * parent sees ours as its own numbers. Reports its own pid as seen by the
 * parent's namespace through the socket first (SCM credentials would do;
 * the fork() in the middle child tells it).
 */
static int xns_pid_grandchild(void *arg, int sock)
{
	struct xns *x = arg;
	struct kdbus_conn c;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	uint64_t all = _KDBUS_ATTACH_ALL;
	int tries;

	if (getpid() != 1)
		return 20;
	if (hello_meta(x->ep, -1, all, all, NULL, &c))
		return 21;
	if (send_ping(&c, x->root_id))
		return 23;
	if (write(x->sock2, &c.id, sizeof(c.id)) != sizeof(c.id))
		return 22;
	for (tries = 0; kdbus_recv(&c, 0, 0, &m, NULL); tries++) {
		if (tries > 500)
			return 24;
		usleep(10000);
	}
	item = kdbus_msg_item(m, KDBUS_ITEM_PIDS);
	if (!item)
		return 25;
	if (item->pids.pid || item->pids.tid || item->pids.ppid)
		return 26;
	return 0;
}

static int xns_pid_child(void *arg, int sock)
{
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWPID) < 0)
		return 30;
	pid = kdbus_fork(xns_pid_grandchild, arg, NULL);
	if (pid < 0)
		return 31;
	/* our parent learns the grandchild's pid in its namespace */
	if (write(sock, &pid, sizeof(pid)) != sizeof(pid))
		return 32;
	status = kdbus_wait(pid);
	return status < 0 ? 33 : status;
}

TEST_F(meta, pids_are_translated_into_the_readers_pid_namespace)
{
	struct xns x = { .ep = self->bus.ep };
	uint64_t peer, all = _KDBUS_ATTACH_ALL;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	int sock, sv2[2];
	pid_t pid, gpid;

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, all, all, NULL, &self->rcv));
	/* the pid and the connection id come from two processes: two pipes */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv2));
	x.root_id = self->rcv.id;
	x.sock2 = sv2[1];
	pid = kdbus_fork(xns_pid_child, &x, &sock);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(sizeof(gpid), read(sock, &gpid, sizeof(gpid)));
	ASSERT_EQ(sizeof(peer), read(sv2[0], &peer, sizeof(peer)));

	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	EXPECT_EQ(peer, m->src_id);
	item = kdbus_msg_item(m, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	/* pid 1 over there, its real number here */
	EXPECT_EQ(gpid, item->pids.pid);
	EXPECT_EQ(gpid, item->pids.tid);
	EXPECT_EQ(pid, item->pids.ppid);
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));

	ASSERT_EQ(0, send_ping(&self->rcv, peer));
	EXPECT_EQ(0, kdbus_wait(pid));
	close(sock);
	close(sv2[0]);
	close(sv2[1]);
}

/*
 * Chrooted into the kdbusfs mount itself: the parent's executable is not
 * below this root and reads as "".
 */
static int chrooted_child(void *arg, int sock)
{
	uint64_t all = _KDBUS_ATTACH_ALL;
	struct xns *x = arg;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	struct kdbus_conn c;
	char ep[128];
	int tries;

	if (chroot(x->ep) || chdir("/"))
		return 10;
	snprintf(ep, sizeof(ep), "/%s/bus", x->name);
	if (hello_meta(ep, -1, all, all, NULL, &c))
		return 11;
	if (send_ping(&c, x->root_id))
		return 12;
	if (write(sock, &c.id, sizeof(c.id)) != sizeof(c.id))
		return 13;
	for (tries = 0; kdbus_recv(&c, 0, 0, &m, NULL); tries++) {
		if (tries > 500)
			return 14;
		usleep(10000);
	}
	item = kdbus_msg_item(m, KDBUS_ITEM_EXE);
	if (!item)
		return 15;
	return item->str[0] ? 16 : 0;
}

TEST_F(meta, paths_outside_the_readers_root_read_as_empty)
{
	struct xns x = { .ep = self->bus.dir, .name = self->bus.name };
	uint64_t peer, all = _KDBUS_ATTACH_ALL;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	char exe[4096];
	ssize_t n;
	pid_t pid;
	int sock;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_GT(n, 0);
	exe[n] = '\0';
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, all, all, NULL, &self->rcv));
	x.root_id = self->rcv.id;
	pid = kdbus_fork(chrooted_child, &x, &sock);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(sizeof(peer), read(sock, &peer, sizeof(peer)));

	/* the chrooted sender's executable is where we see it */
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_EXE);
	ASSERT_NE(NULL, item);
	EXPECT_STREQ(exe, item->str);
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));

	ASSERT_EQ(0, send_ping(&self->rcv, peer));
	EXPECT_EQ(0, kdbus_wait(pid));
	close(sock);
}

/*
 * In a cgroup of its own and a cgroup namespace rooted there: its own
 * cgroup reads as "/", the parent's (outside) as "".
 */
static int cgroupns_child(void *arg, int sock)
{
	uint64_t all = _KDBUS_ATTACH_ALL;
	struct xns *x = arg;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	struct kdbus_conn c;
	char procs[4200];
	int i, tries;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", x->cgroup);
	if (kdbus_write_file(procs, "0") || unshare(CLONE_NEWCGROUP))
		return 10;
	if (hello_meta(x->ep, -1, all, all, NULL, &c))
		return 11;
	if (send_ping(&c, c.id) || send_ping(&c, x->root_id))
		return 12;
	if (write(sock, &c.id, sizeof(c.id)) != sizeof(c.id))
		return 13;
	for (i = 0; i < 2; i++) {
		for (tries = 0; kdbus_recv(&c, 0, 0, &m, NULL); tries++) {
			if (tries > 500)
				return 14;
			usleep(10000);
		}
		item = kdbus_msg_item(m, KDBUS_ITEM_CGROUP);
		if (!item)
			return 15;
		if (strcmp(item->str, m->src_id == c.id ? "/" : ""))
			return 16 + i;
		kdbus_msg_free(&c, m);
	}
	return 0;
}

TEST_F(meta, cgroups_are_relative_to_the_readers_cgroup_namespace)
{
	struct xns x = { .ep = self->bus.ep };
	uint64_t peer, all = _KDBUS_ATTACH_ALL;
	struct kdbus_item *item;
	char dir[128], want[160];
	struct kdbus_msg *m;
	pid_t pid;
	int sock;

	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/kdbus-meta-%d", getpid());
	if (mkdir(dir, 0755) < 0)
		SKIP(return, "cannot make a cgroup here (%d)", errno);
	x.cgroup = dir;
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, all, all, NULL, &self->rcv));
	x.root_id = self->rcv.id;
	pid = kdbus_fork(cgroupns_child, &x, &sock);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(sizeof(peer), read(sock, &peer, sizeof(peer)));

	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_CGROUP);
	ASSERT_NE(NULL, item);
	snprintf(want, sizeof(want), "/kdbus-meta-%d", getpid());
	EXPECT_STREQ(want, item->str);
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));

	ASSERT_EQ(0, send_ping(&self->rcv, peer));
	EXPECT_EQ(0, kdbus_wait(pid));
	EXPECT_EQ(0, rmdir(dir));
	close(sock);
}

static int send_and_exit(void *arg, int sock)
{
	struct xns *x = arg;
	struct kdbus_conn c;

	if (hello_meta(x->ep, -1, _KDBUS_ATTACH_ALL, 0, NULL, &c))
		return 10;
	return send_ping(&c, x->root_id) ? 11 : 0;
}

TEST_F(meta, metadata_outlives_the_sender)
{
	struct xns x = { .ep = self->bus.ep };
	struct kdbus_item *item;
	struct kdbus_msg *m;
	char comm[64];
	pid_t pid;

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, _KDBUS_ATTACH_ALL, NULL,
				&self->rcv));
	x.root_id = self->rcv.id;
	pid = kdbus_fork(send_and_exit, &x, NULL);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(0, kdbus_wait(pid));

	/* the sender is gone and reaped; its message still tells who it was */
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(pid, item->pids.pid);
	EXPECT_EQ(getpid(), item->pids.ppid);
	item = kdbus_msg_item(m, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(geteuid(), item->creds.euid);
	item = kdbus_msg_item(m, KDBUS_ITEM_TID_COMM);
	ASSERT_NE(NULL, item);
	ASSERT_GT(kdbus_read_file("/proc/self/comm", comm, sizeof(comm)), 0);
	chomp(comm);
	EXPECT_STREQ(comm, item->str);
	ASSERT_NE(NULL, kdbus_msg_item(m, KDBUS_ITEM_EXE));
	ASSERT_NE(NULL, kdbus_msg_item(m, KDBUS_ITEM_CMDLINE));
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));
}

static int conn_info(struct kdbus_conn *c, unsigned long cmd, uint64_t id,
		     uint64_t flags, struct kdbus_info **info)
{
	struct kdbus_cmd_info ci = {
		.size = sizeof(ci),
		.id = id,
		.attach_flags = flags,
	};
	int ret = kdbus_ioctl(c->fd, cmd, &ci);

	if (!ret) {
		*info = (struct kdbus_info *)(c->pool + ci.offset);
		if (ci.info_size != (*info)->size)
			return -EPROTO;
	}
	return ret;
}

TEST_F(meta, passed_fd_keeps_its_openers_identity)
{
	struct kdbus_info *info;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	int fd, fd2;

	fd = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, self->bus.ep);
	ASSERT_GE(fd, 0);
	fd2 = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, self->bus.ep);
	ASSERT_GE(fd2, 0);

	/* we (root) say HELLO and send on the user's fds */
	ASSERT_EQ(0, hello_meta(NULL, fd, _KDBUS_ATTACH_ALL, 0, NULL,
				&self->snd));
	ASSERT_EQ(0, hello_meta(NULL, fd2, 0, _KDBUS_ATTACH_ALL, NULL,
				&self->rcv));
	ASSERT_EQ(0, send_ping(&self->snd, self->rcv.id));
	ASSERT_EQ(0, kdbus_recv(&self->rcv, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(KDBUS_TEST_UID, item->creds.uid);
	EXPECT_EQ(KDBUS_TEST_UID, item->creds.euid);
	EXPECT_EQ(KDBUS_TEST_GID, item->creds.gid);
	item = kdbus_msg_item(m, KDBUS_ITEM_CAPS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(0, item_caps_eff(item));
	/* the task that sent is us, though */
	item = kdbus_msg_item(m, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(getpid(), item->pids.pid);
	EXPECT_EQ(0, kdbus_msg_free(&self->rcv, m));

	/* CONN_INFO says the same */
	ASSERT_EQ(0, conn_info(&self->rcv, KDBUS_CMD_CONN_INFO, self->snd.id,
			       _KDBUS_ATTACH_ALL, &info));
	EXPECT_EQ(self->snd.id, info->id);
	item = kdbus_info_item(info, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(KDBUS_TEST_UID, item->creds.euid);
	EXPECT_EQ(0, kdbus_free(&self->rcv, (uint8_t *)info - self->rcv.pool));
}

TEST_F(meta, conn_info_reports_what_the_peer_allows)
{
	struct kdbus_info *info;
	struct kdbus_item *item;
	unsigned int count;
	uint64_t bad = 1ULL << 40;
	struct kdbus_cmd_info ci = { .size = sizeof(ci) };

	ASSERT_EQ(0, hello_meta(self->bus.ep, -1,
				KDBUS_ATTACH_CREDS | KDBUS_ATTACH_PIDS |
				KDBUS_ATTACH_CONN_DESCRIPTION, 0, DESCRIPTION,
				&self->snd));
	ASSERT_EQ(0, hello_meta(self->bus.ep, -1, 0, 0, NULL, &self->rcv));

	ASSERT_EQ(0, conn_info(&self->rcv, KDBUS_CMD_CONN_INFO, self->snd.id,
			       _KDBUS_ATTACH_ANY, &info));
	EXPECT_EQ(self->snd.id, info->id);
	EXPECT_EQ(KDBUS_ATTACH_CREDS | KDBUS_ATTACH_PIDS |
		  KDBUS_ATTACH_CONN_DESCRIPTION,
		  kdbus_meta_mask(info->items, (uint8_t *)info + info->size,
				  &count));
	item = kdbus_info_item(info, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	/* the task that said HELLO: this one */
	EXPECT_EQ(getpid(), item->pids.pid);
	item = kdbus_info_item(info, KDBUS_ITEM_CONN_DESCRIPTION);
	ASSERT_NE(NULL, item);
	EXPECT_STREQ(DESCRIPTION, item->str);
	EXPECT_EQ(0, kdbus_free(&self->rcv, (uint8_t *)info - self->rcv.pool));

	/* asking for less gets less */
	ASSERT_EQ(0, conn_info(&self->rcv, KDBUS_CMD_CONN_INFO, self->snd.id,
			       KDBUS_ATTACH_PIDS | KDBUS_ATTACH_CAPS, &info));
	EXPECT_EQ(KDBUS_ATTACH_PIDS,
		  kdbus_meta_mask(info->items, (uint8_t *)info + info->size,
				  &count));
	EXPECT_EQ(0, kdbus_free(&self->rcv, (uint8_t *)info - self->rcv.pool));

	EXPECT_EQ(-ENXIO, conn_info(&self->rcv, KDBUS_CMD_CONN_INFO, 9999, 0,
				    &info));
	EXPECT_EQ(-EINVAL, conn_info(&self->rcv, KDBUS_CMD_CONN_INFO, 0, 0,
				     &info));
	EXPECT_EQ(-EINVAL, conn_info(&self->rcv, KDBUS_CMD_CONN_INFO,
				     self->snd.id, bad, &info));
	ci.flags = 1;
	ci.id = self->snd.id;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->rcv.fd, KDBUS_CMD_CONN_INFO, &ci));
}

TEST_F(meta, bus_creator_info_reports_what_the_creator_allows)
{
	uint64_t req = KDBUS_ATTACH_CREDS | KDBUS_ATTACH_PID_COMM;
	struct kdbus_info *info;
	struct kdbus_item *item;
	unsigned int count;
	char ep[4200], name[64], comm[64];
	int control;

	control = self->bus.control;
	self->bus.control = kdbus_open_control(self->bus.dir);
	ASSERT_GE(self->bus.control, 0);
	ASSERT_EQ(0, make_bus_requiring(&self->bus, req, ep, sizeof(ep)));
	ASSERT_EQ(0, hello_meta(ep, -1, req, 0, NULL, &self->rcv));

	ASSERT_EQ(0, conn_info(&self->rcv, KDBUS_CMD_BUS_CREATOR_INFO, 0,
			       _KDBUS_ATTACH_ALL, &info));
	item = kdbus_info_item(info, KDBUS_ITEM_MAKE_NAME);
	ASSERT_NE(NULL, item);
	kdbus_bus_name(name, sizeof(name), "required");
	EXPECT_STREQ(name, item->str);
	EXPECT_EQ(req, kdbus_meta_mask(info->items,
				       (uint8_t *)info + info->size, &count));
	item = kdbus_info_item(info, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(geteuid(), item->creds.euid);
	item = kdbus_info_item(info, KDBUS_ITEM_PID_COMM);
	ASSERT_NE(NULL, item);
	ASSERT_GT(kdbus_read_file("/proc/self/comm", comm, sizeof(comm)), 0);
	chomp(comm);
	EXPECT_STREQ(comm, item->str);
	EXPECT_EQ(0, kdbus_free(&self->rcv, (uint8_t *)info - self->rcv.pool));
	kdbus_conn_close(&self->rcv);
	close(self->bus.control);
	self->bus.control = control;
}

TEST_HARNESS_MAIN
