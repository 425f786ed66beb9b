// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs-criu-svc: criu.sh's service and its client, on raw ioctls.
 *
 *   serve MOUNT BUS NAME: in its own session, makes bus BUS under MOUNT
 *     (holding the control file, fd 3), connects to it (fd 4, pool mapped)
 *     and owns NAME; prints "ready ID". On each SIGUSR1 it receives every
 *     queued message and prints "msg TEXT" (with " fds N" if it carried
 *     files, " data TEXT" with what a regular file passed reads from its
 *     position, " memfd TEXT seals HEX" for a memfd payload, " pid P
 *     uid U" if the sender's metadata came along), answering a call with
 *     "re:TEXT", then "drained". SIGTERM ends it.
 *   tree MOUNT BUS NAME FILE: as serve, asking for senders' PIDS and
 *     CREDS, with two children, each with a connection of its own (pool
 *     mapped). The client sends NAME "withfd" carrying FILE, opened and
 *     read 4 bytes into, "withmemfd" carrying a sealed memfd as
 *     PAYLOAD_MEMFD (printing "client memfd seals HEX"), and the call
 *     "pending", expecting a reply without waiting for it, and prints
 *     "client ready ID PID"; the service then sends it "to-client-1" and
 *     "to-client-2". The syncer prints "sync ready ID PID" and "sync
 *     calling", calls NAME "blocking" synchronously and prints "sync
 *     reply TEXT" once answered. Then the service prints "ready ID". On
 *     SIGUSR1 the client polls its connection and receives, printing
 *     "client msg TEXT" per message of the service, "client signal TEXT"
 *     per signal and "client reply TEXT" for the answer to "pending" (or
 *     "client notify dead|timeout"), until it had the answer and a signal
 *     (or 10 s more), then calls NAME "again" synchronously and prints
 *     "client reply TEXT" again. The client matches NAME's signals, and
 *     the service broadcasts "hello-all" after each drain.
 *   sandbox MOUNT BUS NAME: as serve, also owning NAME "Hidden" and
 *     holding (fd 5) the custom endpoint "<euid>-sandbox", whose policy
 *     lets its connections talk to NAME only, with a child connected
 *     through it (pool mapped) that queues "from-sandbox" to NAME and
 *     prints "sandboxed ready ID PID". On each SIGUSR1 the child calls
 *     NAME "sandboxed" synchronously, printing "sandboxed reply TEXT",
 *     then sends to NAME "Hidden", printing "sandboxed hidden ERROR".
 *     A second child is the activator of NAME "Activatable" (its pool not
 *     mapped) and prints "activator ready ID PID"; the service queues
 *     "to-activator" to that name.
 *   twopools MOUNT BUS NAME: as serve, with a second connection (fd 5,
 *     pool mapped too) owning NAME "Two"; on each SIGUSR1 it prints
 *     "conn ID" before receiving on each connection through its own pool.
 *   send MOUNT BUS NAME TEXT [FILE|pipe]: sends TEXT to NAME, with FILE's
 *     descriptor (or a pipe's read end) if given; prints "sent" or the
 *     error.
 *   call MOUNT BUS NAME TEXT: calls NAME synchronously with TEXT and
 *     prints "reply TEXT".
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <linux/kdbus.h>

#define POOL_SIZE	(1024 * 1024)
/* an absolute deadline this far ahead: a dump and restore fit in it */
#define CALL_TIMEOUT_S	600
#define PENDING_COOKIE	42
#define SYNC_COOKIE	77
#define MATCH_COOKIE	5
#define BLOOM_SIZE	64

static uint8_t *pool;
static sig_atomic_t drain;

static struct kdbus_item *next_item(struct kdbus_item *it)
{
	return (void *)((uint8_t *)it + KDBUS_ALIGN8(it->size));
}

/* HELLO through endpoint @ep of @bus, its pool mapped at @pool */
static int hello_at(const char *mount, const char *bus, const char *ep,
		    uint64_t flags, uint64_t attach_send, uint64_t attach_recv,
		    uint64_t *id)
{
	struct kdbus_cmd_hello h;
	struct kdbus_cmd_free f;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", mount, bus, ep);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.flags = flags;
	h.attach_flags_send = attach_send;
	h.attach_flags_recv = attach_recv;
	h.pool_size = POOL_SIZE;
	if (ioctl(fd, KDBUS_CMD_HELLO, &h)) {
		perror("KDBUS_CMD_HELLO");
		exit(1);
	}
	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	f.offset = h.offset;
	ioctl(fd, KDBUS_CMD_FREE, &f);
	pool = mmap(NULL, POOL_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (pool == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	*id = h.id;
	return fd;
}

static int hello(const char *mount, const char *bus, uint64_t flags,
		 uint64_t attach_send, uint64_t attach_recv, uint64_t *id)
{
	return hello_at(mount, bus, "bus", flags, attach_send, attach_recv,
			id);
}

struct msg_args {
	const char *name;	/* destination name, or NULL for dst */
	uint64_t dst;
	const char *text;
	int file;		/* passed in KDBUS_ITEM_FDS, if >= 0 */
	int memfd;		/* passed as KDBUS_ITEM_PAYLOAD_MEMFD, if >= 0 */
	uint64_t memfd_size;
	uint64_t cookie;
	uint64_t cookie_reply;
	uint64_t flags;		/* KDBUS_MSG_* */
	int sync;		/* wait for the reply */
	int signal;		/* a broadcast signal, with an empty bloom */
};

/* the text of a message's first PAYLOAD_OFF vec into @buf */
static void msg_text(struct kdbus_msg *m, char *buf, size_t size)
{
	struct kdbus_item *it;

	snprintf(buf, size, "-");
	for (it = m->items; (uint8_t *)it < (uint8_t *)m + m->size;
	     it = next_item(it))
		if (it->type == KDBUS_ITEM_PAYLOAD_OFF && it->vec.size)
			snprintf(buf, size, "%s", (char *)m + it->vec.offset);
}

static int send_msg(int fd, const struct msg_args *a, char *reply,
		    size_t reply_size)
{
	uint64_t buf[512];
	struct kdbus_msg *m = (void *)buf;
	struct kdbus_cmd_send cmd;
	struct kdbus_item *it;
	struct timespec now;

	memset(buf, 0, sizeof(buf));
	m->payload_type = KDBUS_PAYLOAD_DBUS;
	m->cookie = a->cookie ? a->cookie : 1;
	m->dst_id = a->name ? KDBUS_DST_ID_NAME : a->dst;
	m->flags = a->flags;
	if (a->signal) {
		m->dst_id = KDBUS_DST_ID_BROADCAST;
		m->flags |= KDBUS_MSG_SIGNAL;
	}
	if (a->flags & KDBUS_MSG_EXPECT_REPLY) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		m->timeout_ns = (now.tv_sec + CALL_TIMEOUT_S) * 1000000000ULL +
				now.tv_nsec;
	} else {
		m->cookie_reply = a->cookie_reply;
	}
	it = m->items;
	if (a->name) {
		it->type = KDBUS_ITEM_DST_NAME;
		it->size = KDBUS_ITEM_HEADER_SIZE + strlen(a->name) + 1;
		memcpy(it->str, a->name, strlen(a->name) + 1);
		it = next_item(it);
	}
	it->type = KDBUS_ITEM_PAYLOAD_VEC;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
	it->vec.address = (uintptr_t)a->text;
	it->vec.size = strlen(a->text) + 1;
	it = next_item(it);
	if (a->memfd >= 0) {
		it->type = KDBUS_ITEM_PAYLOAD_MEMFD;
		it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_memfd);
		it->memfd.start = 0;
		it->memfd.size = a->memfd_size;
		it->memfd.fd = a->memfd;
		it = next_item(it);
	}
	if (a->signal) {
		/* generation 0 and the bus's BLOOM_SIZE bytes, all clear */
		it->type = KDBUS_ITEM_BLOOM_FILTER;
		it->size = KDBUS_ITEM_HEADER_SIZE +
			   sizeof(struct kdbus_bloom_filter) + BLOOM_SIZE;
		it = next_item(it);
	}
	if (a->file >= 0) {
		it->type = KDBUS_ITEM_FDS;
		it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(int);
		it->fds[0] = a->file;
		it = next_item(it);
	}
	m->size = (uint8_t *)it - (uint8_t *)buf;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.msg_address = (uintptr_t)m;
	if (a->sync)
		cmd.flags = KDBUS_SEND_SYNC_REPLY;
	if (ioctl(fd, KDBUS_CMD_SEND, &cmd))
		return -errno;
	if (reply)
		msg_text((void *)(pool + cmd.reply.offset), reply, reply_size);
	return 0;
}

static void free_slice(int fd, uint64_t offset)
{
	struct kdbus_cmd_free f;

	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	f.offset = offset;
	ioctl(fd, KDBUS_CMD_FREE, &f);
}

/* " data TEXT": what the regular file @fd reads from its position */
static void print_file(int fd)
{
	char data[256];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return;
	n = read(fd, data, sizeof(data) - 1);
	data[n < 0 ? 0 : n] = '\0';
	data[strcspn(data, "\n")] = '\0';
	printf(" data %s", data);
}

static void receive_all(int fd)
{
	char text[256], data[256], re[300];
	struct msg_args a = { .file = -1, .memfd = -1 };
	struct kdbus_cmd_recv recv;
	struct kdbus_item *it;
	unsigned long long pid, uid;
	struct kdbus_msg *m;
	int i, n_fds;
	ssize_t n;

	for (;;) {
		memset(&recv, 0, sizeof(recv));
		recv.size = sizeof(recv);
		if (ioctl(fd, KDBUS_CMD_RECV, &recv)) {
			if (errno != EAGAIN)
				printf("recv error %s\n", strerror(errno));
			break;
		}
		m = (void *)(pool + recv.msg.offset);
		msg_text(m, text, sizeof(text));
		printf("msg %s", text);
		pid = ~0ULL;
		uid = ~0ULL;
		for (it = m->items; (uint8_t *)it < (uint8_t *)m + m->size;
		     it = next_item(it)) {
			if (it->type != KDBUS_ITEM_FDS)
				continue;
			n_fds = (it->size - KDBUS_ITEM_HEADER_SIZE) /
				sizeof(int);
			printf(" fds %d", n_fds);
			for (i = 0; i < n_fds; i++) {
				print_file(it->fds[i]);
				close(it->fds[i]);
			}
		}
		for (it = m->items; (uint8_t *)it < (uint8_t *)m + m->size;
		     it = next_item(it)) {
			switch (it->type) {
			case KDBUS_ITEM_PAYLOAD_MEMFD:
				n = pread(it->memfd.fd, data,
					  it->memfd.size < sizeof(data) - 1 ?
					  it->memfd.size : sizeof(data) - 1,
					  it->memfd.start);
				data[n < 0 ? 0 : n] = '\0';
				printf(" memfd %s seals %x", data,
				       fcntl(it->memfd.fd, F_GET_SEALS));
				close(it->memfd.fd);
				break;
			case KDBUS_ITEM_PIDS:
				pid = it->pids.pid;
				break;
			case KDBUS_ITEM_CREDS:
				uid = it->creds.uid;
				break;
			}
		}
		if (pid != ~0ULL)
			printf(" pid %llu", pid);
		if (uid != ~0ULL)
			printf(" uid %llu", uid);
		printf("\n");
		if (m->flags & KDBUS_MSG_EXPECT_REPLY) {
			snprintf(re, sizeof(re), "re:%s", text);
			a.dst = m->src_id;
			a.text = re;
			a.cookie_reply = m->cookie;
			n = send_msg(fd, &a, NULL, 0);
			if (n)
				printf("reply error %s\n", strerror(-n));
		}
		free_slice(fd, recv.msg.offset);
	}
	fflush(stdout);
}

static void on_usr1(int sig)
{
	drain = 1;
}

/* SIGUSR1 blocked but in sigsuspend(): none is missed */
static sigset_t unblocked;

static void block_usr1(void)
{
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	signal(SIGUSR1, on_usr1);
	sigprocmask(SIG_BLOCK, &usr1, &unblocked);
}

static void wait_usr1(void)
{
	while (!drain)
		sigsuspend(&unblocked);
	drain = 0;
}

/* a sealed memfd holding @text, as a PAYLOAD_MEMFD must be */
static int sealed_memfd(const char *text)
{
	int fd;

	fd = memfd_create("kdbus-criu-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		  F_SEAL_SEAL)) {
		perror("memfd");
		exit(1);
	}
	return fd;
}

/* a match rule for the signals of @name's owner */
static void add_match(int fd, const char *name)
{
	uint64_t buf[64];
	struct kdbus_cmd_match *cmd = (void *)buf;
	struct kdbus_item *it;

	memset(buf, 0, sizeof(buf));
	cmd->cookie = MATCH_COOKIE;
	it = cmd->items;
	it->type = KDBUS_ITEM_NAME;
	it->size = KDBUS_ITEM_HEADER_SIZE + strlen(name) + 1;
	memcpy(it->str, name, strlen(name) + 1);
	it = next_item(it);
	cmd->size = (uint8_t *)it - (uint8_t *)buf;
	if (ioctl(fd, KDBUS_CMD_MATCH_ADD, cmd)) {
		perror("KDBUS_CMD_MATCH_ADD");
		exit(1);
	}
}

/* the client of "tree": sends, calls, then receives when told */
static void run_client(const char *mount, const char *bus, const char *name,
		       const char *file, int report)
{
	static const char payload[] = "sealed memfd payload";
	struct msg_args a = { .name = name, .file = -1, .memfd = -1 };
	struct pollfd pfd;
	struct kdbus_cmd_recv recv;
	struct kdbus_item *it;
	struct kdbus_msg *m;
	char text[256], reply[256];
	uint64_t id;
	int fd, ret, n, got = 0, signals = 0;

	fd = hello(mount, bus, 0, _KDBUS_ATTACH_ALL, 0, &id);
	add_match(fd, name);
	a.file = open(file, O_RDONLY | O_CLOEXEC);
	if (a.file < 0 || read(a.file, text, 4) != 4) {
		perror(file);
		exit(1);
	}
	a.text = "withfd";
	ret = send_msg(fd, &a, NULL, 0);
	close(a.file);
	a.file = -1;
	a.memfd = sealed_memfd(payload);
	a.memfd_size = strlen(payload);
	a.text = "withmemfd";
	if (!ret)
		ret = send_msg(fd, &a, NULL, 0);
	printf("client memfd seals %x\n", fcntl(a.memfd, F_GET_SEALS));
	close(a.memfd);
	a.memfd = -1;
	a.text = "pending";
	a.cookie = PENDING_COOKIE;
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	if (!ret)
		ret = send_msg(fd, &a, NULL, 0);
	if (ret) {
		printf("client send error %s\n", strerror(-ret));
		exit(1);
	}
	printf("client ready %llu %d\n", (unsigned long long)id, getpid());
	if (write(report, &id, sizeof(id)) != sizeof(id))
		exit(1);
	close(report);

	wait_usr1();
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* the reply, and a signal unless none comes for 10 s after it */
	while (!got || !signals) {
		n = poll(&pfd, 1, got ? 10000 : -1);
		if (n == 0)
			break;
		if (n < 0)
			continue;
		for (;;) {
			memset(&recv, 0, sizeof(recv));
			recv.size = sizeof(recv);
			if (ioctl(fd, KDBUS_CMD_RECV, &recv))
				break;
			m = (void *)(pool + recv.msg.offset);
			msg_text(m, text, sizeof(text));
			if (m->src_id != KDBUS_SRC_ID_KERNEL &&
			    (m->flags & KDBUS_MSG_SIGNAL)) {
				printf("client signal %s\n", text);
				signals++;
			} else if (m->src_id != KDBUS_SRC_ID_KERNEL &&
				   m->cookie_reply == PENDING_COOKIE) {
				printf("client reply %s\n", text);
				got = 1;
			} else if (m->src_id != KDBUS_SRC_ID_KERNEL) {
				printf("client msg %s\n", text);
			}
			for (it = m->items;
			     (uint8_t *)it < (uint8_t *)m + m->size;
			     it = next_item(it)) {
				if (it->type == KDBUS_ITEM_REPLY_DEAD ||
				    it->type == KDBUS_ITEM_REPLY_TIMEOUT) {
					printf("client notify %s\n",
					       it->type == KDBUS_ITEM_REPLY_DEAD ?
					       "dead" : "timeout");
					got = 1;
					signals = 1;
				}
			}
			free_slice(fd, recv.msg.offset);
		}
	}

	a.text = "again";
	a.cookie = PENDING_COOKIE + 1;
	a.sync = 1;
	ret = send_msg(fd, &a, reply, sizeof(reply));
	if (ret)
		printf("client call error %s\n", strerror(-ret));
	else
		printf("client reply %s\n", reply);
	for (;;)
		pause();
}

/* the second client of "tree": a synchronous call, blocked until answered */
static void run_syncer(const char *mount, const char *bus, const char *name)
{
	struct msg_args a = { .name = name, .file = -1, .memfd = -1 };
	char reply[256];
	uint64_t id;
	int fd, ret;

	fd = hello(mount, bus, 0, _KDBUS_ATTACH_ALL, 0, &id);
	printf("sync ready %llu %d\n", (unsigned long long)id, getpid());
	a.text = "blocking";
	a.cookie = SYNC_COOKIE;
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.sync = 1;
	printf("sync calling\n");
	ret = send_msg(fd, &a, reply, sizeof(reply));
	if (ret)
		printf("sync call error %s\n", strerror(-ret));
	else
		printf("sync reply %s\n", reply);
	for (;;)
		pause();
}

/* the item after @it: a string item of @type */
static struct kdbus_item *put_str(struct kdbus_item *it, uint64_t type,
				  const char *str)
{
	it->type = type;
	it->size = KDBUS_ITEM_HEADER_SIZE + strlen(str) + 1;
	memcpy(it->str, str, strlen(str) + 1);
	return next_item(it);
}

/*
 * The sandboxed child: connected through the custom endpoint @ep, it
 * queues "from-sandbox" to NAME and reports to the service; on each
 * SIGUSR1 it calls NAME "sandboxed" and sends to NAME's hidden twin.
 */
static void run_sandboxed(const char *mount, const char *bus, const char *ep,
			  const char *name, const char *hidden, int report)
{
	struct msg_args a = { .file = -1, .memfd = -1, .name = name };
	char reply[256];
	uint64_t id;
	int fd, ret;

	fd = hello_at(mount, bus, ep, 0, 0, 0, &id);
	a.text = "from-sandbox";
	ret = send_msg(fd, &a, NULL, 0);
	if (ret) {
		printf("sandboxed send error %s\n", strerror(-ret));
		exit(1);
	}
	printf("sandboxed ready %llu %d\n", (unsigned long long)id,
	       (int)getpid());
	if (write(report, &id, sizeof(id)) != sizeof(id))
		exit(1);
	close(report);
	for (;;) {
		wait_usr1();
		a.name = name;
		a.text = "sandboxed";
		a.flags = KDBUS_MSG_EXPECT_REPLY;
		a.sync = 1;
		ret = send_msg(fd, &a, reply, sizeof(reply));
		if (ret)
			printf("sandboxed call error %s\n", strerror(-ret));
		else
			printf("sandboxed reply %s\n", reply);
		a.name = hidden;
		a.text = "peek";
		a.flags = 0;
		a.sync = 0;
		ret = send_msg(fd, &a, NULL, 0);
		printf("sandboxed hidden %s\n", ret ? strerror(-ret) : "sent");
	}
}

/*
 * The activator child: the activator of @name, its pool not mapped (one
 * mapped pool per bus per process is what criu's plugin can restore); it
 * only waits.
 */
static void run_activator(const char *mount, const char *bus,
			  const char *name, int report)
{
	uint64_t buf[64], id;
	struct kdbus_cmd_hello *h = (void *)buf;
	struct kdbus_item *it;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/bus", mount, bus);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memset(buf, 0, sizeof(buf));
	h->flags = KDBUS_HELLO_ACTIVATOR;
	h->pool_size = POOL_SIZE;
	it = put_str(h->items, KDBUS_ITEM_NAME, name);
	h->size = (uint8_t *)it - (uint8_t *)buf;
	if (ioctl(fd, KDBUS_CMD_HELLO, h)) {
		perror("KDBUS_CMD_HELLO");
		exit(1);
	}
	id = h->id;
	printf("activator ready %llu %d\n", (unsigned long long)id,
	       (int)getpid());
	if (write(report, &id, sizeof(id)) != sizeof(id))
		exit(1);
	close(report);
	for (;;)
		wait_usr1();
}

/*
 * sandbox: a service that also owns NAME "Hidden" and makes the custom
 * endpoint "<euid>-sandbox" (fd 5), which lets its connections talk to
 * NAME only, and a child connected through it.
 */
static int make_sandbox(int fd, const char *mount, const char *bus,
			const char *name, int ctl)
{
	char hidden[256], ep[64], path[4096];
	struct kdbus_policy_access pa = {
		.type = KDBUS_POLICY_ACCESS_WORLD,
		.access = KDBUS_POLICY_TALK,
	};
	struct msg_args a = { .file = -1, .memfd = -1 };
	uint64_t buf[128], cid;
	struct kdbus_cmd *cmd = (void *)buf;
	struct kdbus_item *it;
	int maker, p[2], ret;
	pid_t pid;

	snprintf(hidden, sizeof(hidden), "%sHidden", name);
	memset(buf, 0, sizeof(buf));
	it = put_str(cmd->items, KDBUS_ITEM_NAME, hidden);
	cmd->size = (uint8_t *)it - (uint8_t *)buf;
	if (ioctl(fd, KDBUS_CMD_NAME_ACQUIRE, cmd)) {
		perror("KDBUS_CMD_NAME_ACQUIRE");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s/bus", mount, bus);
	maker = open(path, O_RDWR | O_CLOEXEC);
	if (maker < 0) {
		perror(path);
		return 1;
	}
	snprintf(ep, sizeof(ep), "%u-sandbox", (unsigned int)geteuid());
	memset(buf, 0, sizeof(buf));
	cmd->flags = KDBUS_MAKE_ACCESS_WORLD;
	it = put_str(cmd->items, KDBUS_ITEM_MAKE_NAME, ep);
	it = put_str(it, KDBUS_ITEM_NAME, name);
	it->type = KDBUS_ITEM_POLICY_ACCESS;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(pa);
	memcpy(it->data, &pa, sizeof(pa));
	it = next_item(it);
	cmd->size = (uint8_t *)it - (uint8_t *)buf;
	if (ioctl(maker, KDBUS_CMD_ENDPOINT_MAKE, cmd)) {
		perror("KDBUS_CMD_ENDPOINT_MAKE");
		return 1;
	}
	if (pipe2(p, O_CLOEXEC)) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		munmap(pool, POOL_SIZE);
		close(ctl);
		close(fd);
		close(maker);
		close(p[0]);
		run_sandboxed(mount, bus, ep, name, hidden, p[1]);
	}
	close(p[1]);
	if (read(p[0], &cid, sizeof(cid)) != sizeof(cid)) {
		printf("no sandboxed child\n");
		return 1;
	}
	close(p[0]);

	snprintf(hidden, sizeof(hidden), "%sActivatable", name);
	if (pipe2(p, O_CLOEXEC)) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		munmap(pool, POOL_SIZE);
		close(ctl);
		close(fd);
		close(maker);
		close(p[0]);
		run_activator(mount, bus, hidden, p[1]);
	}
	close(p[1]);
	if (read(p[0], &cid, sizeof(cid)) != sizeof(cid)) {
		printf("no activator\n");
		return 1;
	}
	close(p[0]);
	/* one message waits at the activator for an owner */
	a.name = hidden;
	a.text = "to-activator";
	ret = send_msg(fd, &a, NULL, 0);
	if (ret) {
		printf("send error %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}

static int serve(const char *mount, const char *bus, const char *name,
		 const char *file)
{
	struct kdbus_bloom_parameter bp = { .size = BLOOM_SIZE, .n_hash = 8 };
	struct msg_args a = { .file = -1, .memfd = -1 };
	uint64_t buf[128];
	struct kdbus_cmd *cmd = (void *)buf;
	struct kdbus_item *it;
	char path[4096];
	uint64_t id, cid, id2 = 0;
	uint8_t *pool1 = NULL, *pool2 = NULL;
	int ctl, fd, fd2 = -1, p[2], ret;
	pid_t pid;

	if (strlen(bus) > 200 || strlen(name) > 200)
		return 2;
	setsid();
	block_usr1();
	snprintf(path, sizeof(path), "%s/control", mount);
	ctl = open(path, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		perror(path);
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	it = cmd->items;
	it->type = KDBUS_ITEM_BLOOM_PARAMETER;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(bp);
	memcpy(it->data, &bp, sizeof(bp));
	it = next_item(it);
	it->type = KDBUS_ITEM_MAKE_NAME;
	it->size = KDBUS_ITEM_HEADER_SIZE + strlen(bus) + 1;
	memcpy(it->str, bus, strlen(bus) + 1);
	it = next_item(it);
	cmd->size = (uint8_t *)it - (uint8_t *)buf;
	if (ioctl(ctl, KDBUS_CMD_BUS_MAKE, cmd)) {
		perror("KDBUS_CMD_BUS_MAKE");
		return 1;
	}

	fd = hello(mount, bus, KDBUS_HELLO_ACCEPT_FD, 0,
		   file && file[0] != '-' ?
		   KDBUS_ATTACH_PIDS | KDBUS_ATTACH_CREDS : 0, &id);
	memset(buf, 0, sizeof(buf));
	it = cmd->items;
	it->type = KDBUS_ITEM_NAME;
	it->size = KDBUS_ITEM_HEADER_SIZE + strlen(name) + 1;
	memcpy(it->str, name, strlen(name) + 1);
	it = next_item(it);
	cmd->size = (uint8_t *)it - (uint8_t *)buf;
	if (ioctl(fd, KDBUS_CMD_NAME_ACQUIRE, cmd)) {
		perror("KDBUS_CMD_NAME_ACQUIRE");
		return 1;
	}

	if (file && !strcmp(file, "-sandbox")) {
		if (make_sandbox(fd, mount, bus, name, ctl))
			return 1;
	} else if (file && !strcmp(file, "-twopools")) {
		pool1 = pool;
		fd2 = hello(mount, bus, 0, 0, 0, &id2);
		pool2 = pool;
		pool = pool1;
		snprintf(path, sizeof(path), "%sTwo", name);
		memset(buf, 0, sizeof(buf));
		it = put_str(cmd->items, KDBUS_ITEM_NAME, path);
		cmd->size = (uint8_t *)it - (uint8_t *)buf;
		if (ioctl(fd2, KDBUS_CMD_NAME_ACQUIRE, cmd)) {
			perror("KDBUS_CMD_NAME_ACQUIRE");
			return 1;
		}
	} else if (file) {
		if (pipe2(p, O_CLOEXEC)) {
			perror("pipe");
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid) {
			/* none of the service's files nor its pool */
			munmap(pool, POOL_SIZE);
			close(ctl);
			close(fd);
			close(p[0]);
			run_client(mount, bus, name, file, p[1]);
		}
		close(p[1]);
		if (read(p[0], &cid, sizeof(cid)) != sizeof(cid)) {
			printf("no client\n");
			return 1;
		}
		close(p[0]);
		a.dst = cid;
		a.text = "to-client-1";
		ret = send_msg(fd, &a, NULL, 0);
		a.text = "to-client-2";
		if (!ret)
			ret = send_msg(fd, &a, NULL, 0);
		if (ret) {
			printf("send error %s\n", strerror(-ret));
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid) {
			munmap(pool, POOL_SIZE);
			close(ctl);
			close(fd);
			run_syncer(mount, bus, name);
		}
	}
	printf("ready %llu\n", (unsigned long long)id);
	memset(&a, 0, sizeof(a));
	a.file = -1;
	a.memfd = -1;
	a.text = "hello-all";
	a.signal = 1;
	for (;;) {
		wait_usr1();
		if (fd2 >= 0)
			printf("conn %llu\n", (unsigned long long)id);
		receive_all(fd);
		if (fd2 >= 0) {
			printf("conn %llu\n", (unsigned long long)id2);
			pool = pool2;
			receive_all(fd2);
			pool = pool1;
		}
		/* the tree's client gets it if its match rule is there */
		ret = file && file[0] != '-' ? send_msg(fd, &a, NULL, 0) : 0;
		if (ret)
			printf("signal error %s\n", strerror(-ret));
		printf("drained\n");
	}
}

int main(int argc, char **argv)
{
	struct msg_args a = { .file = -1, .memfd = -1 };
	char reply[256];
	uint64_t id;
	int fd, p[2], ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3], argv[4], NULL);
	if (argc == 6 && !strcmp(argv[1], "tree"))
		return serve(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 5 && !strcmp(argv[1], "sandbox"))
		return serve(argv[2], argv[3], argv[4], "-sandbox");
	if (argc == 5 && !strcmp(argv[1], "twopools"))
		return serve(argv[2], argv[3], argv[4], "-twopools");
	if (argc >= 5 && strlen(argv[4]) > 200)
		return 2;
	if (argc >= 6) {
		a.name = argv[4];
		a.text = argv[5];
	}
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "send")) {
		fd = hello(argv[2], argv[3], 0, 0, 0, &id);
		if (argc == 7 && !strcmp(argv[6], "pipe")) {
			if (pipe2(p, O_CLOEXEC)) {
				perror("pipe");
				return 1;
			}
			a.file = p[0];
		} else if (argc == 7) {
			a.file = open(argv[6], O_RDONLY | O_CLOEXEC);
			if (a.file < 0) {
				perror(argv[6]);
				return 1;
			}
		}
		ret = send_msg(fd, &a, NULL, 0);
		if (ret)
			printf("send error %s\n", strerror(-ret));
		else
			printf("sent\n");
		return !!ret;
	}
	if (argc == 6 && !strcmp(argv[1], "call")) {
		fd = hello(argv[2], argv[3], 0, 0, 0, &id);
		a.flags = KDBUS_MSG_EXPECT_REPLY;
		a.sync = 1;
		ret = send_msg(fd, &a, reply, sizeof(reply));
		if (ret)
			printf("call error %s\n", strerror(-ret));
		else
			printf("reply %s\n", reply);
		return !!ret;
	}
	fprintf(stderr, "usage: %s serve|tree|sandbox|twopools|send|call MOUNT BUS NAME %s\n",
		argv[0], "[TEXT|FILE [FILE|pipe]]");
	return 2;
}
