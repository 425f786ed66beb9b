// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: connections made and closed by many threads, sends racing
 * with a receiver's close, the bus or the mount going away under traffic,
 * a full pool under load, and connection files passed between processes
 * while they are in use.
 *
 * Every test is bounded in iterations and in time (an emulated guest is
 * slow), and checks what it names: counts, errnos and payloads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

#define MS			1000000ULL

/* how long the traffic phase of one test may take, well below 10 s */
#define TRAFFIC_MS		4000

static uint64_t deadline_in(uint64_t ms)
{
	return kdbus_now_ns() + ms * MS;
}

static bool past(uint64_t deadline)
{
	return kdbus_now_ns() >= deadline;
}

static int load_int(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_int(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void add_int(int *p, int v)
{
	__atomic_add_fetch(p, v, __ATOMIC_ACQ_REL);
}

/*
 * Payloads name their sender and sequence number and carry a pattern
 * derived from both, so that a receiver can check order and integrity.
 */
struct stress_hdr {
	uint32_t sender;
	uint32_t seq;
	uint32_t len;
	uint32_t magic;
};

#define STRESS_MAGIC		0x5eed1e55
#define STRESS_MAX_PAYLOAD	2048

static uint8_t pattern_byte(uint32_t sender, uint32_t seq, size_t i)
{
	return (uint8_t)(sender * 131 + seq * 7 + i * 13);
}

static size_t stress_fill(uint8_t *buf, uint32_t sender, uint32_t seq,
			  size_t len)
{
	struct stress_hdr *h = (void *)buf;
	size_t i;

	if (len < sizeof(*h))
		len = sizeof(*h);
	h->sender = sender;
	h->seq = seq;
	h->len = len;
	h->magic = STRESS_MAGIC;
	for (i = sizeof(*h); i < len; i++)
		buf[i] = pattern_byte(sender, seq, i);
	return len;
}

static int stress_send(struct kdbus_conn *c, uint64_t dst, uint32_t sender,
		       uint32_t seq, size_t len)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	uint8_t buf[STRESS_MAX_PAYLOAD];

	a.cookie = ((uint64_t)sender << 32) | seq;
	a.data = buf;
	a.size = stress_fill(buf, sender, seq, len);
	return kdbus_send(c, dst, &a);
}

/* 0 if @m carries an intact stress payload; its header in @out */
static int stress_check(struct kdbus_conn *c, struct kdbus_msg *m,
			struct stress_hdr *out)
{
	const uint8_t *p;
	uint64_t size;
	size_t i;

	p = kdbus_msg_payload(c, m, &size);
	if (!p || size < sizeof(*out))
		return -1;
	memcpy(out, p, sizeof(*out));
	if (out->magic != STRESS_MAGIC || out->len != size)
		return -1;
	if (m->cookie != (((uint64_t)out->sender << 32) | out->seq))
		return -1;
	for (i = sizeof(*out); i < size; i++)
		if (p[i] != pattern_byte(out->sender, out->seq, i))
			return -1;
	return 0;
}

static size_t stress_len(uint32_t seq)
{
	return 16 + (seq * 397) % (STRESS_MAX_PAYLOAD - 16);
}

static const char *hang_msg = "# stress: test did not finish in time\n";

static void on_hang(int sig)
{
	if (write(2, hang_msg, strlen(hang_msg)) < 0)
		_exit(2);
	_exit(1);
}

/* a hang fails the test instead of blocking the suite */
static void watchdog(unsigned int seconds)
{
	signal(SIGALRM, on_hang);
	alarm(seconds);
}

FIXTURE(stress) {
	struct kdbus_test_bus bus;
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
}

FIXTURE_TEARDOWN(stress)
{
	kdbus_test_bus_close(&self->bus);
}

/*
 * 1. Threads make and close connections concurrently; every HELLO must
 * succeed while at most max_connections are open, and when it is over the
 * user holds no connection: max_connections HELLOs succeed again.
 */
#define CHURN_THREADS		4
#define CHURN_CYCLES		500
#define CHURN_MAX_CONN		8

struct churn {
	const char *ep;
	uint64_t deadline;
	int cycles;
	int hello_fail;
	int hello_errno;
	int send_fail;
	int byebye_bad;
	int close_fail;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	int i;

	for (i = 0; i < CHURN_CYCLES && !past(c->deadline); i++) {
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
		struct kdbus_conn ca, cb;
		int fa, fb, ret;

		fa = open(c->ep, O_RDWR | O_CLOEXEC);
		fb = open(c->ep, O_RDWR | O_CLOEXEC);
		if (fa < 0 || fb < 0) {
			c->hello_fail++;
			c->hello_errno = errno;
			goto next;
		}
		ret = kdbus_hello_raw(fa, 0, 4096, &ca, NULL);
		if (!ret)
			ret = kdbus_hello_raw(fb, 0, 4096, &cb, NULL);
		if (ret) {
			c->hello_fail++;
			c->hello_errno = -ret;
			goto next;
		}
		/* half of them die with a message queued */
		if (i % 2) {
			a.data = "churn";
			a.size = 5;
			if (kdbus_send(&ca, cb.id, &a))
				c->send_fail++;
		}
		/* some say goodbye first, refused with a queued message */
		if (i % 4 == 0 && kdbus_byebye(&cb) != 0)
			c->byebye_bad++;
		if (i % 4 == 1 && kdbus_byebye(&cb) != -EBUSY)
			c->byebye_bad++;
		c->cycles++;
next:
		if (fa >= 0 && close(fa))
			c->close_fail++;
		if (fb >= 0 && close(fb))
			c->close_fail++;
	}
	return NULL;
}

TEST(concurrent_hello_close_cycles_leave_no_connection_charged)
{
	struct kdbus_conn c[CHURN_MAX_CONN + 1];
	struct churn ch[CHURN_THREADS];
	pthread_t t[CHURN_THREADS];
	struct kdbus_test_bus bus;
	struct kdbus_msg *m;
	int i, total = 0;

	watchdog(30);
	ASSERT_EQ(0, kdbus_test_bus_make_opts(&bus, "max_connections=8"));
	for (i = 0; i < CHURN_THREADS; i++) {
		memset(&ch[i], 0, sizeof(ch[i]));
		ch[i].ep = bus.ep;
		ch[i].deadline = deadline_in(TRAFFIC_MS);
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_thread, &ch[i]));
	}
	for (i = 0; i < CHURN_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		/* at most 2 per thread, 8 in all: no HELLO may fail */
		EXPECT_EQ(0, ch[i].hello_fail)
			TH_LOG("thread %d: HELLO failed with errno %d", i,
			       ch[i].hello_errno);
		EXPECT_EQ(0, ch[i].send_fail);
		EXPECT_EQ(0, ch[i].byebye_bad);
		EXPECT_EQ(0, ch[i].close_fail);
		EXPECT_GE(ch[i].cycles, 5);
		total += ch[i].cycles;
	}
	TH_LOG("%d HELLO/close cycles of 2 connections", total);

	/* every connection was given back: the whole quota is free */
	for (i = 0; i < CHURN_MAX_CONN; i++) {
		ASSERT_EQ(0, kdbus_hello(bus.ep, 0, 4096, &c[i]))
			TH_LOG("HELLO %d of %d after the churn", i + 1,
			       CHURN_MAX_CONN);
	}
	EXPECT_EQ(-EMFILE, kdbus_hello(bus.ep, 0, 4096, &c[CHURN_MAX_CONN]));

	/* and the bus still carries messages */
	{
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

		a.cookie = 77;
		a.data = "still";
		a.size = 6;
		ASSERT_EQ(0, kdbus_send(&c[0], c[7].id, &a));
		ASSERT_EQ(0, kdbus_recv(&c[7], 0, 0, &m, NULL));
		EXPECT_EQ(77, m->cookie);
		EXPECT_EQ(c[0].id, m->src_id);
		EXPECT_EQ(0, kdbus_msg_free(&c[7], m));
	}
	for (i = 0; i < CHURN_MAX_CONN; i++)
		kdbus_conn_close(&c[i]);
	kdbus_test_bus_close(&bus);
}

/*
 * 2. Threads send to a receiver that is closed mid-way. Every send
 * succeeds or fails with ENXIO, ECONNRESET, EXFULL or ENOBUFS; once the
 * close returned, only ENXIO. Requests queued at the receiver each come
 * back as exactly one REPLY_DEAD, and the sender's pending-request count
 * drops back to zero.
 */
#define RACE_THREADS		4
#define RACE_SENDS		2000
#define RACE_REQUESTS		100

struct racer {
	struct kdbus_conn *conn;
	uint64_t dst;
	uint32_t idx;
	int *closed;
	uint64_t deadline;
	bool requests;
	int ok, enxio, econnreset, exfull, enobufs;
	int other, other_errno;
	int after_close, after_close_bad, after_close_errno;
	int n_req;
	bool req_ok[RACE_SENDS];
};

static void *racer_thread(void *arg)
{
	struct racer *r = arg;
	uint64_t late;
	int i, ret;

	for (i = 0; i < RACE_SENDS && !past(r->deadline); i++) {
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
		bool closed = load_int(r->closed);
		bool req = r->requests && r->n_req < RACE_REQUESTS;

		a.cookie = ((uint64_t)r->idx << 32) | i;
		a.data = &a.cookie;
		a.size = sizeof(a.cookie);
		if (req) {
			a.flags = KDBUS_MSG_EXPECT_REPLY;
			a.timeout_ns = kdbus_now_ns() + 60000 * MS;
		}
		ret = kdbus_send(r->conn, r->dst, &a);
		switch (ret) {
		case 0:
			r->ok++;
			if (req) {
				r->req_ok[i] = true;
				r->n_req++;
			}
			break;
		case -ENXIO:
			r->enxio++;
			break;
		case -ECONNRESET:
			r->econnreset++;
			break;
		case -EXFULL:
			r->exfull++;
			break;
		case -ENOBUFS:
			r->enobufs++;
			break;
		default:
			r->other++;
			r->other_errno = -ret;
			break;
		}
		if (closed) {
			/* the receiver is gone for good: its id is unknown */
			if (ret != -ENXIO) {
				r->after_close_bad++;
				r->after_close_errno = -ret;
			}
			if (++r->after_close >= 50)
				break;
		}
	}
	/* a thread that ran out of sends or time before the close sees it */
	late = r->deadline + 10000 * MS;
	while (!r->after_close && !past(late)) {
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

		if (!load_int(r->closed)) {
			usleep(1000);
			continue;
		}
		a.cookie = ~0ULL;
		a.data = &a.cookie;
		a.size = sizeof(a.cookie);
		ret = kdbus_send(r->conn, r->dst, &a);
		if (ret != -ENXIO) {
			r->after_close_bad++;
			r->after_close_errno = -ret;
		}
		r->after_close++;
	}
	return NULL;
}

TEST_F(stress, sends_racing_with_receiver_close_fail_only_as_documented)
{
	struct kdbus_conn a, b, c;
	static struct racer r[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	int closed = 0, i, ok, dead = 0, ret;
	uint64_t deadline;
	bool seen[RACE_SENDS] = { false };
	struct kdbus_cmd_recv rc;
	struct kdbus_msg *m;

	watchdog(30);
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &a));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &b));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c));

	for (i = 0; i < RACE_THREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].conn = &a;
		r[i].dst = b.id;
		r[i].idx = i;
		r[i].closed = &closed;
		r[i].deadline = deadline_in(TRAFFIC_MS);
		r[i].requests = i == 0;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, racer_thread, &r[i]));
	}

	/* close the receiver while the senders are in full swing */
	deadline = deadline_in(2000);
	do {
		usleep(1000);
		for (ok = 0, i = 0; i < RACE_THREADS; i++)
			ok += __atomic_load_n(&r[i].ok, __ATOMIC_RELAXED);
	} while (ok < 400 && !past(deadline));
	kdbus_conn_close(&b);
	store_int(&closed, 1);

	for (ok = 0, i = 0; i < RACE_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, r[i].other)
			TH_LOG("thread %d: unexpected errno %d", i,
			       r[i].other_errno);
		EXPECT_EQ(0, r[i].after_close_bad)
			TH_LOG("thread %d: errno %d after the close", i,
			       r[i].after_close_errno);
		EXPECT_GE(r[i].after_close, 1);
		ok += r[i].ok;
		TH_LOG("thread %d: ok %d enxio %d econnreset %d exfull %d",
		       i, r[i].ok, r[i].enxio, r[i].econnreset, r[i].exfull);
	}
	EXPECT_GE(ok, 1);

	/* one REPLY_DEAD per request that was queued, none for the others */
	while ((ret = kdbus_recv(&a, 0, 0, &m, &rc)) == 0) {
		struct kdbus_item *item;
		uint64_t cookie = m->cookie_reply;

		item = kdbus_msg_item(m, KDBUS_ITEM_REPLY_DEAD);

		EXPECT_EQ(KDBUS_SRC_ID_KERNEL, m->src_id);
		ASSERT_NE(NULL, item);
		ASSERT_LT(cookie, RACE_SENDS);
		EXPECT_TRUE(r[0].req_ok[cookie])
			TH_LOG("REPLY_DEAD for request %llu that failed",
			       (unsigned long long)cookie);
		EXPECT_FALSE(seen[cookie]);
		seen[cookie] = true;
		dead++;
		EXPECT_EQ(0, rc.dropped_msgs);
		EXPECT_EQ(0, kdbus_msg_free(&a, m));
	}
	EXPECT_EQ(-EAGAIN, ret);
	EXPECT_EQ(r[0].n_req, dead);

	/* the sender is unharmed and waits for no reply any more */
	for (i = 0; i < KDBUS_CONN_MAX_REQUESTS_PENDING; i++) {
		struct kdbus_send_args s = KDBUS_SEND_ARGS_INIT;

		s.flags = KDBUS_MSG_EXPECT_REPLY;
		s.timeout_ns = kdbus_now_ns() + 60000 * MS;
		s.cookie = 100000 + i;
		s.data = "q";
		s.size = 1;
		ASSERT_EQ(0, kdbus_send(&a, c.id, &s))
			TH_LOG("request %d of %d after the race", i + 1,
			       KDBUS_CONN_MAX_REQUESTS_PENDING);
	}
	{
		struct kdbus_send_args s = KDBUS_SEND_ARGS_INIT;

		s.flags = KDBUS_MSG_EXPECT_REPLY;
		s.timeout_ns = kdbus_now_ns() + 60000 * MS;
		s.cookie = 200000;
		s.data = "q";
		s.size = 1;
		EXPECT_EQ(-EMLINK, kdbus_send(&a, c.id, &s));
	}
	kdbus_conn_close(&a);
	kdbus_conn_close(&c);
}

/*
 * 3. The control fd is closed while threads send, receive and wait in a
 * synchronous call: every one of them ends with ECONNRESET, promptly, and
 * the bus's name is free again.
 */
struct teardown_worker {
	struct kdbus_conn *conn;
	uint64_t dst;
	uint32_t idx;
	int kind;		/* 0 sender, 1 receiver, 2 sync caller */
	int *started;
	int progress;
	int last;
	int bad, bad_errno;
	int sticky_bad;
	int hup;
};

enum { TD_SENDER, TD_RECEIVER, TD_SYNC };

static void td_bad(struct teardown_worker *w, int ret)
{
	w->bad++;
	w->bad_errno = -ret;
}

/* the connection itself was reset, not just a peer it talks to */
static bool hung_up(struct kdbus_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP);
}

static void td_send(struct teardown_worker *w)
{
	uint32_t seq;
	int ret;

	for (seq = 0; seq < 100000; seq++) {
		ret = stress_send(w->conn, w->dst, w->idx, seq, stress_len(seq));
		if (ret == 0)
			add_int(&w->progress, 1);
		else if (ret == -ECONNRESET && hung_up(w->conn))
			break;
		else if (ret == -EXFULL || ret == -ENOBUFS || ret == -ENXIO ||
			 ret == -ECONNRESET)
			usleep(100);	/* full, or the receiver goes first */
		else
			td_bad(w, ret);
	}
	w->last = ret;
	/* stays reset */
	if (stress_send(w->conn, w->dst, w->idx, seq, 16) != -ECONNRESET)
		w->sticky_bad++;
}

static void td_recv(struct teardown_worker *w)
{
	struct pollfd pfd = { .fd = w->conn->fd, .events = POLLIN };
	struct stress_hdr h;
	struct kdbus_msg *m;
	int i, ret = 0;

	for (i = 0; i < 100000; i++) {
		if (poll(&pfd, 1, 50) < 0) {
			td_bad(w, -errno);
			continue;
		}
		ret = kdbus_recv(w->conn, 0, 0, &m, NULL);
		if (ret == -EAGAIN)
			continue;
		if (ret == -ECONNRESET)
			break;
		if (ret) {
			td_bad(w, ret);
			continue;
		}
		if (stress_check(w->conn, m, &h))
			td_bad(w, -EBADMSG);
		ret = kdbus_msg_free(w->conn, m);
		if (ret == -ECONNRESET)
			break;
		if (ret)
			td_bad(w, ret);
		add_int(&w->progress, 1);
	}
	w->last = ret;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP))
		w->hup = 1;
	if (kdbus_recv(w->conn, 0, 0, NULL, NULL) != -ECONNRESET ||
	    kdbus_free(w->conn, 0) != -ECONNRESET)
		w->sticky_bad++;
}

static void td_sync(struct teardown_worker *w)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.send_flags = KDBUS_SEND_SYNC_REPLY;
	a.cookie = 1;
	a.timeout_ns = kdbus_now_ns() + 60000 * MS;
	a.data = "sync";
	a.size = 4;
	store_int(&w->progress, 1);
	/* nobody answers: only the teardown ends the wait */
	w->last = kdbus_send(w->conn, w->dst, &a);
	a.cookie = 2;
	if (kdbus_send(w->conn, w->dst, &a) != -ECONNRESET)
		w->sticky_bad++;
}

static void *teardown_thread(void *arg)
{
	struct teardown_worker *w = arg;

	add_int(w->started, 1);
	switch (w->kind) {
	case TD_SENDER:
		td_send(w);
		break;
	case TD_RECEIVER:
		td_recv(w);
		break;
	default:
		td_sync(w);
		break;
	}
	return NULL;
}

TEST_F(stress, bus_teardown_during_traffic_resets_every_connection)
{
	struct kdbus_conn r[2], s[2], sc, q, nc;
	struct teardown_worker w[5];
	pthread_t t[5];
	int started = 0, i, ctl;
	uint64_t deadline, t0;
	char path[256];

	watchdog(30);
	/* receivers first: they are disconnected before their senders */
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &r[i]));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &s[i]));
	/* the caller before its silent peer: it is woken by its own reset */
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &sc));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &q));

	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].conn = &s[i];
		w[i].dst = r[i].id;
		w[i].idx = i;
		w[i].kind = TD_SENDER;
		w[2 + i].conn = &r[i];
		w[2 + i].kind = TD_RECEIVER;
	}
	w[4].conn = &sc;
	w[4].dst = q.id;
	w[4].kind = TD_SYNC;
	for (i = 0; i < 5; i++) {
		w[i].started = &started;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, teardown_thread,
					    &w[i]));
	}

	deadline = deadline_in(3000);
	while (!past(deadline) &&
	       (load_int(&w[2].progress) < 50 ||
		load_int(&w[3].progress) < 50 ||
		!load_int(&w[4].progress)))
		usleep(1000);
	usleep(50000);
	EXPECT_GE(load_int(&w[2].progress), 1);
	EXPECT_GE(load_int(&w[3].progress), 1);

	t0 = kdbus_now_ns();
	ASSERT_EQ(0, close(self->bus.control));
	self->bus.control = -1;
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(-ECONNRESET, w[i].last) TH_LOG("worker %d", i);
		EXPECT_EQ(0, w[i].bad)
			TH_LOG("worker %d: unexpected errno %d", i,
			       w[i].bad_errno);
		EXPECT_EQ(0, w[i].sticky_bad) TH_LOG("worker %d", i);
	}
	/* nobody waited for a timeout: the teardown woke them all */
	EXPECT_LT(kdbus_now_ns() - t0, 3000 * MS);
	EXPECT_EQ(1, w[2].hup);
	EXPECT_EQ(1, w[3].hup);
	TH_LOG("received %d and %d before the teardown",
	       w[2].progress, w[3].progress);

	/* the bus and its files are gone, and its name is free again */
	snprintf(path, sizeof(path), "%s/%s", self->bus.dir, self->bus.name);
	EXPECT_EQ(-1, access(path, F_OK));
	EXPECT_EQ(ENOENT, errno);
	ctl = kdbus_open_control(self->bus.dir);
	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, kdbus_bus_make(ctl, KDBUS_MAKE_ACCESS_WORLD,
				    self->bus.name));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 4096, &nc));
	EXPECT_EQ(1, nc.id);
	kdbus_conn_close(&nc);
	close(ctl);

	for (i = 0; i < 2; i++) {
		kdbus_conn_close(&r[i]);
		kdbus_conn_close(&s[i]);
	}
	kdbus_conn_close(&sc);
	kdbus_conn_close(&q);
}

/*
 * 4. A lazy unmount under traffic: the open files pin the super block,
 * messages keep flowing in order, an endpoint opened before the unmount
 * still connects, and closing everything afterwards works.
 */
struct flow {
	struct kdbus_conn *src, *dst;
	int *stop;
	uint64_t deadline;
	int sent, received;
	int sender_done;
	int send_bad, send_errno;
	int recv_bad, recv_errno;
	int corrupt, misordered;
};

static void *flow_sender(void *arg)
{
	struct flow *f = arg;
	uint32_t seq = 0;
	int ret;

	while (!load_int(f->stop) && !past(f->deadline)) {
		ret = stress_send(f->src, f->dst->id, 0, seq, stress_len(seq));
		if (ret == 0) {
			seq++;
			add_int(&f->sent, 1);
		} else if (ret == -EXFULL || ret == -ENOBUFS) {
			/* the pool, or this sender's quota at it, is full */
			usleep(200);
		} else {
			f->send_bad++;
			f->send_errno = -ret;
			usleep(1000);
		}
	}
	/* after the last count: every message counted is queued by now */
	store_int(&f->sender_done, 1);
	return NULL;
}

static void *flow_receiver(void *arg)
{
	struct flow *f = arg;
	struct pollfd pfd = { .fd = f->dst->fd, .events = POLLIN };
	struct stress_hdr h;
	struct kdbus_msg *m;
	uint32_t next = 0;
	int ret;

	for (;;) {
		/*
		 * Not f->stop: a send in flight when it is set may queue its
		 * message after an EAGAIN here and be counted after that.
		 */
		bool stop = load_int(&f->sender_done);

		ret = kdbus_recv(f->dst, 0, 0, &m, NULL);
		if (ret == -EAGAIN) {
			/* stopped and drained */
			if (stop && load_int(&f->sent) == f->received)
				break;
			if (past(f->deadline + 2000 * MS))
				break;
			poll(&pfd, 1, 20);
			continue;
		}
		if (ret) {
			f->recv_bad++;
			f->recv_errno = -ret;
			break;
		}
		if (stress_check(f->dst, m, &h) || m->src_id != f->src->id)
			f->corrupt++;
		else if (h.seq != next)
			f->misordered++;
		next = h.seq + 1;
		ret = kdbus_msg_free(f->dst, m);
		if (ret) {
			f->recv_bad++;
			f->recv_errno = -ret;
		}
		add_int(&f->received, 1);
	}
	return NULL;
}

TEST_F(stress, lazy_unmount_during_traffic_keeps_open_files_working)
{
	struct kdbus_send_args sa = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn a, b, late;
	pthread_t ts, tr;
	struct flow f = { 0 };
	struct kdbus_cmd_recv rc;
	struct statfs sfs;
	int stop = 0, at_umount, spare;
	uint64_t deadline;

	watchdog(30);
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &a));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &b));
	spare = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(spare, 0);

	f.src = &a;
	f.dst = &b;
	f.stop = &stop;
	f.deadline = deadline_in(TRAFFIC_MS + 2000);
	ASSERT_EQ(0, pthread_create(&ts, NULL, flow_sender, &f));
	ASSERT_EQ(0, pthread_create(&tr, NULL, flow_receiver, &f));

	deadline = deadline_in(2000);
	while (load_int(&f.received) < 100 && !past(deadline))
		usleep(1000);
	ASSERT_EQ(0, umount2(self->bus.dir, MNT_DETACH));
	at_umount = load_int(&f.received);

	/* the mount is gone from the namespace */
	ASSERT_EQ(0, statfs(self->bus.dir, &sfs));
	EXPECT_NE(KDBUSFS_SUPER_MAGIC, sfs.f_type);
	EXPECT_EQ(-1, open(self->bus.ep, O_RDWR | O_CLOEXEC));

	/* while its files go on working */
	deadline = deadline_in(2500);
	while (load_int(&f.received) < at_umount + 200 && !past(deadline))
		usleep(1000);
	EXPECT_GE(load_int(&f.received), at_umount + 200)
		TH_LOG("only %d messages after the unmount",
		       load_int(&f.received) - at_umount);
	ASSERT_EQ(0, kdbus_hello_raw(spare, 0, 4096, &late, NULL));
	sa.cookie = 5;
	sa.data = "late";
	sa.size = 4;
	EXPECT_EQ(0, kdbus_send(&late, late.id, &sa));
	EXPECT_EQ(0, kdbus_recv(&late, 0, 0, NULL, &rc));
	EXPECT_GT(rc.msg.msg_size, 0);

	store_int(&stop, 1);
	ASSERT_EQ(0, pthread_join(ts, NULL));
	ASSERT_EQ(0, pthread_join(tr, NULL));
	EXPECT_EQ(0, f.send_bad) TH_LOG("send errno %d", f.send_errno);
	EXPECT_EQ(0, f.recv_bad) TH_LOG("recv errno %d", f.recv_errno);
	EXPECT_EQ(0, f.corrupt);
	EXPECT_EQ(0, f.misordered);
	EXPECT_EQ(f.sent, f.received);
	TH_LOG("%d messages, %d of them after the unmount", f.received,
	       f.received - at_umount);

	/* the last users of the detached super block let go cleanly */
	munmap(a.pool, a.pool_size);
	munmap(b.pool, b.pool_size);
	EXPECT_EQ(0, close(a.fd));
	EXPECT_EQ(0, close(b.fd));
	EXPECT_EQ(0, close(late.fd));
	EXPECT_EQ(0, close(self->bus.control));
	self->bus.control = -1;
}

/*
 * 5. Senders flood a receiver with a small pool that a thread drains with
 * RECV and FREE: the senders see EXFULL, and every message they were told
 * was sent arrives once, intact and in its sender's order.
 */
#define FLOOD_SENDERS		3
#define FLOOD_MSGS		600
#define FLOOD_POOL		(16 * 1024)

struct flooder {
	struct kdbus_conn conn;
	uint64_t dst;
	uint32_t idx;
	uint64_t deadline;
	int sent;
	int exfull;
	int bad, bad_errno;
};

static void *flooder_thread(void *arg)
{
	struct flooder *f = arg;
	uint32_t seq = 0;
	int ret;

	while (seq < FLOOD_MSGS && !past(f->deadline)) {
		ret = stress_send(&f->conn, f->dst, f->idx, seq,
				  stress_len(seq * 3 + f->idx));
		if (ret == 0) {
			seq++;
			add_int(&f->sent, 1);
		} else if (ret == -EXFULL || ret == -ENOBUFS) {
			/* the pool or the quota is full: the receiver makes room */
			f->exfull++;
			usleep(300);
		} else {
			f->bad++;
			f->bad_errno = -ret;
			break;
		}
	}
	return NULL;
}

struct drain {
	struct kdbus_conn *conn;
	struct flooder *from;
	int *done;
	uint64_t deadline;
	int received;
	uint32_t next[FLOOD_SENDERS];
	int corrupt, misordered, foreign, dropped;
	int bad, bad_errno;
};

static void *drain_thread(void *arg)
{
	struct drain *d = arg;
	struct pollfd pfd = { .fd = d->conn->fd, .events = POLLIN };
	struct kdbus_cmd_recv rc;
	struct stress_hdr h;
	struct kdbus_msg *m;
	int ret, i, sent;

	while (!past(d->deadline)) {
		ret = kdbus_recv(d->conn, 0, 0, &m, &rc);
		if (ret == -EAGAIN) {
			if (load_int(d->done)) {
				for (sent = 0, i = 0; i < FLOOD_SENDERS; i++)
					sent += load_int(&d->from[i].sent);
				if (sent == d->received)
					break;
			}
			poll(&pfd, 1, 20);
			continue;
		}
		if (ret) {
			d->bad++;
			d->bad_errno = -ret;
			break;
		}
		if (rc.dropped_msgs ||
		    (rc.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS))
			d->dropped++;
		if (stress_check(d->conn, m, &h) || h.sender >= FLOOD_SENDERS) {
			d->corrupt++;
		} else if (m->src_id != d->from[h.sender].conn.id) {
			d->foreign++;
		} else {
			if (h.seq != d->next[h.sender])
				d->misordered++;
			d->next[h.sender] = h.seq + 1;
		}
		ret = kdbus_msg_free(d->conn, m);
		if (ret) {
			d->bad++;
			d->bad_errno = -ret;
		}
		d->received++;
	}
	return NULL;
}

TEST_F(stress, full_pool_under_load_delivers_every_message_intact_in_order)
{
	struct flooder f[FLOOD_SENDERS];
	pthread_t t[FLOOD_SENDERS], td;
	struct kdbus_conn r;
	struct drain d;
	int i, done = 0, sent = 0, exfull = 0;

	watchdog(30);
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, FLOOD_POOL, &r));
	memset(f, 0, sizeof(f));
	for (i = 0; i < FLOOD_SENDERS; i++)
		ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024,
					 &f[i].conn));

	memset(&d, 0, sizeof(d));
	d.conn = &r;
	d.from = f;
	d.done = &done;
	d.deadline = deadline_in(TRAFFIC_MS + 2000);
	ASSERT_EQ(0, pthread_create(&td, NULL, drain_thread, &d));
	for (i = 0; i < FLOOD_SENDERS; i++) {
		f[i].dst = r.id;
		f[i].idx = i;
		f[i].deadline = deadline_in(TRAFFIC_MS);
		ASSERT_EQ(0, pthread_create(&t[i], NULL, flooder_thread, &f[i]));
	}
	for (i = 0; i < FLOOD_SENDERS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, f[i].bad)
			TH_LOG("sender %d: errno %d", i, f[i].bad_errno);
		EXPECT_GE(f[i].sent, 100);
		sent += f[i].sent;
		exfull += f[i].exfull;
	}
	store_int(&done, 1);
	ASSERT_EQ(0, pthread_join(td, NULL));

	EXPECT_EQ(0, d.bad) TH_LOG("receiver: errno %d", d.bad_errno);
	EXPECT_EQ(0, d.corrupt);
	EXPECT_EQ(0, d.foreign);
	EXPECT_EQ(0, d.misordered);
	EXPECT_EQ(0, d.dropped);
	EXPECT_EQ(sent, d.received);
	for (i = 0; i < FLOOD_SENDERS; i++)
		EXPECT_EQ(f[i].sent, (int)d.next[i]) TH_LOG("sender %d", i);
	/* the pool really was the bottleneck */
	EXPECT_GT(exfull, 0);
	TH_LOG("%d messages through a %d byte pool, %d EXFULL", sent,
	       FLOOD_POOL, exfull);

	/* all slices came back: the whole pool takes one message again */
	{
		static uint8_t big[FLOOD_POOL / 2];
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
		struct kdbus_msg *m;

		a.data = big;
		a.size = sizeof(big);
		EXPECT_EQ(0, kdbus_send(&f[0].conn, r.id, &a));
		a.size = FLOOD_POOL - 512;
		a.data = malloc(a.size);
		ASSERT_NE(NULL, a.data);
		memset((void *)a.data, 0, a.size);
		/* with half the pool taken, this one cannot fit */
		EXPECT_EQ(-EXFULL, kdbus_send(&f[0].conn, r.id, &a));
		ASSERT_EQ(0, kdbus_recv(&r, 0, 0, &m, NULL));
		EXPECT_EQ(0, kdbus_msg_free(&r, m));
		EXPECT_EQ(0, kdbus_send(&f[0].conn, r.id, &a));
		free((void *)a.data);
	}
	for (i = 0; i < FLOOD_SENDERS; i++)
		kdbus_conn_close(&f[i].conn);
	kdbus_conn_close(&r);
}

/*
 * 6. A connection fd travels back and forth between two processes over
 * SCM_RIGHTS while a thread keeps sending on it and both processes send
 * on their copies. It stays one connection: everything arrives from its
 * id, in each sender's order, and once the last copy is closed the
 * connection is gone.
 */
#define PASS_ROUNDS		100
#define PASS_PER_ROUND		5

enum { ORIGIN_THREAD, ORIGIN_CHILD, ORIGIN_PARENT, ORIGIN_N };

static int send_retry(struct kdbus_conn *c, uint64_t dst, uint32_t origin,
		      uint32_t seq)
{
	int ret, i;

	/* up to 10 s: the drain runs slowly on a debug kernel under load */
	for (i = 0; i < 20000; i++) {
		ret = stress_send(c, dst, origin, seq, stress_len(seq + origin));
		/* a full pool, or the sender's quota there: the drain catches up */
		if (ret != -EXFULL && ret != -ENOBUFS)
			return ret;
		usleep(500);
	}
	return ret;
}

struct pass_child {
	struct kdbus_conn *conn;	/* the connection passed back and forth */
	uint64_t dst;
};

/* the other process: take the fd, send on it, hand it back */
static int pass_child(void *arg, int sock)
{
	struct pass_child *p = arg;
	uint64_t id = p->conn->id, dst = p->dst;
	uint32_t seq = 0;
	int round, i, fd;

	/* only the copies it is handed */
	munmap(p->conn->pool, p->conn->pool_size);
	close(p->conn->fd);
	for (round = 0; round < PASS_ROUNDS; round++) {
		struct kdbus_conn c = { .id = id };

		fd = kdbus_recv_fd(sock);
		if (fd < 0)
			return 10;
		c.fd = fd;
		for (i = 0; i < PASS_PER_ROUND; i++)
			if (send_retry(&c, dst, ORIGIN_CHILD, seq++))
				return 11;
		if (kdbus_send_fd(sock, fd))
			return 12;
		close(fd);
	}
	return 0;
}

struct pass_sender {
	struct kdbus_conn *conn;
	uint64_t dst;
	int *stop;
	int sent;
	int bad, bad_errno;
};

static void *pass_sender_thread(void *arg)
{
	struct pass_sender *p = arg;
	uint32_t seq = 0;
	int ret;

	while (!load_int(p->stop) && seq < 5000) {
		ret = send_retry(p->conn, p->dst, ORIGIN_THREAD, seq);
		if (ret) {
			p->bad++;
			p->bad_errno = -ret;
			break;
		}
		seq++;
		add_int(&p->sent, 1);
	}
	return NULL;
}

struct pass_drain {
	struct kdbus_conn *conn;
	uint64_t src_id;
	int *stop;
	uint64_t deadline;
	int received[ORIGIN_N];
	uint32_t next[ORIGIN_N];
	int corrupt, misordered, foreign;
	int bad, bad_errno;
};

static void *pass_drain_thread(void *arg)
{
	struct pass_drain *d = arg;
	struct pollfd pfd = { .fd = d->conn->fd, .events = POLLIN };
	struct stress_hdr h;
	struct kdbus_msg *m;
	int ret;

	while (!past(d->deadline)) {
		ret = kdbus_recv(d->conn, 0, 0, &m, NULL);
		if (ret == -EAGAIN) {
			if (load_int(d->stop))
				break;
			poll(&pfd, 1, 20);
			continue;
		}
		if (ret) {
			d->bad++;
			d->bad_errno = -ret;
			break;
		}
		if (stress_check(d->conn, m, &h) || h.sender >= ORIGIN_N) {
			d->corrupt++;
		} else if (m->src_id != d->src_id) {
			d->foreign++;
		} else {
			if (h.seq != d->next[h.sender])
				d->misordered++;
			d->next[h.sender] = h.seq + 1;
			d->received[h.sender]++;
		}
		if (kdbus_msg_free(d->conn, m))
			d->bad++;
	}
	return NULL;
}

TEST_F(stress, connection_fd_passed_between_processes_while_in_use)
{
	struct kdbus_send_args sa = KDBUS_SEND_ARGS_INIT;
	struct pass_child child;
	struct kdbus_conn c, r;
	struct pass_sender ps = { 0 };
	struct pass_drain d = { 0 };
	pthread_t tsend, tdrain;
	int sock, stop = 0, drained = 0, round, i, cur;
	uint32_t seq = 0;
	pid_t pid;

	watchdog(60);
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &c));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &r));

	/* fork before any thread exists */
	child.conn = &c;
	child.dst = r.id;
	pid = kdbus_fork(pass_child, &child, &sock);
	ASSERT_GE(pid, 0);

	d.conn = &r;
	d.src_id = c.id;
	d.stop = &drained;
	d.deadline = deadline_in(TRAFFIC_MS + 30000);
	ASSERT_EQ(0, pthread_create(&tdrain, NULL, pass_drain_thread, &d));
	ps.conn = &c;
	ps.dst = r.id;
	ps.stop = &stop;
	ASSERT_EQ(0, pthread_create(&tsend, NULL, pass_sender_thread, &ps));

	cur = c.fd;
	for (round = 0; round < PASS_ROUNDS; round++) {
		struct kdbus_conn back = { .id = c.id };

		ASSERT_EQ(0, kdbus_send_fd(sock, cur));
		if (cur != c.fd)
			close(cur);
		cur = kdbus_recv_fd(sock);
		ASSERT_GE(cur, 0) TH_LOG("round %d", round);
		back.fd = cur;
		for (i = 0; i < PASS_PER_ROUND; i++) {
			ASSERT_EQ(0, send_retry(&back, r.id, ORIGIN_PARENT,
						seq++));
		}
	}
	if (cur != c.fd)
		close(cur);
	close(sock);
	EXPECT_EQ(0, kdbus_wait(pid));

	store_int(&stop, 1);
	ASSERT_EQ(0, pthread_join(tsend, NULL));
	store_int(&drained, 1);
	ASSERT_EQ(0, pthread_join(tdrain, NULL));

	EXPECT_EQ(0, ps.bad) TH_LOG("sender thread: errno %d", ps.bad_errno);
	EXPECT_EQ(0, d.bad) TH_LOG("receiver: errno %d", d.bad_errno);
	EXPECT_EQ(0, d.corrupt);
	EXPECT_EQ(0, d.foreign);
	EXPECT_EQ(0, d.misordered);
	EXPECT_EQ(ps.sent, d.received[ORIGIN_THREAD]);
	EXPECT_EQ(PASS_ROUNDS * PASS_PER_ROUND, d.received[ORIGIN_CHILD]);
	EXPECT_EQ(PASS_ROUNDS * PASS_PER_ROUND, d.received[ORIGIN_PARENT]);
	EXPECT_GT(ps.sent, 0);
	TH_LOG("%d round trips; %d sends by the thread meanwhile",
	       PASS_ROUNDS, ps.sent);

	/* still connected while one copy is open ... */
	sa.data = "x";
	sa.size = 1;
	EXPECT_EQ(0, kdbus_send(&r, c.id, &sa));
	/* ... and gone with the last: no copy leaked on the way */
	kdbus_conn_close(&c);
	EXPECT_EQ(-ENXIO, kdbus_send(&r, c.id, &sa));
	kdbus_conn_close(&r);
}

TEST_HARNESS_MAIN
