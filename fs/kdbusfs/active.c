// SPDX-License-Identifier: GPL-2.0
/*
 * Active references: deactivate, drain, clean up once.
 */

#include <linux/atomic.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include "active.h"

/**
 * __kdbus_active_init() - put a counter into the NEW state
 * @active:	counter to initialize
 * @name:	lockdep class name
 * @key:	lockdep class key; use kdbus_active_init()
 */
void __kdbus_active_init(struct kdbus_active *active, const char *name,
			 struct lock_class_key *key)
{
	atomic_set(&active->count, KDBUS_ACTIVE_NEW);
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map(&active->dep_map, name, key, 0);
#endif
}

/**
 * kdbus_active_activate() - move a counter from NEW to ACTIVE
 * @active:	counter to activate
 *
 * Return: true if it was NEW, false if it had been deactivated meanwhile.
 */
bool kdbus_active_activate(struct kdbus_active *active)
{
	return atomic_cmpxchg(&active->count, KDBUS_ACTIVE_NEW, 0) ==
	       KDBUS_ACTIVE_NEW;
}

/**
 * kdbus_active_deactivate() - refuse all later active references
 * @active:	counter to deactivate
 *
 * Safe to call more than once and from any state.
 */
void kdbus_active_deactivate(struct kdbus_active *active)
{
	int v = atomic_read(&active->count);

	for (;;) {
		int n;

		if (v == KDBUS_ACTIVE_NEW)
			n = KDBUS_ACTIVE_BIAS;
		else if (v >= 0)
			n = v + KDBUS_ACTIVE_BIAS;
		else
			return;
		if (atomic_try_cmpxchg(&active->count, &v, n))
			return;
	}
}

/**
 * kdbus_active_drain() - wait until all active references are dropped
 * @active:	deactivated counter
 * @waitq:	wait queue that kdbus_active_release() wakes
 *
 * Sleeps uninterruptibly: only for counters whose references are held
 * for spans that touch no user memory and whose blocking operations are
 * woken by the deactivation that precedes the drain.
 */
void kdbus_active_drain(struct kdbus_active *active, wait_queue_head_t *waitq)
{
	WARN_ON(kdbus_active_is_active(active));
	/* waiting for the readers is taking the lock for writing */
	rwsem_acquire(&active->dep_map, 0, 0, _RET_IP_);
	rwsem_release(&active->dep_map, _RET_IP_);
	wait_event(*waitq, atomic_read(&active->count) <= KDBUS_ACTIVE_BIAS);
}

/**
 * kdbus_active_drain_killable() - wait for the active references, killably
 * @active:	deactivated counter
 * @waitq:	wait queue that kdbus_active_release() wakes
 *
 * For counters whose users may sleep on things user space controls (a page
 * fault in a FUSE mapping): the waiter can be killed, and the cleanup is
 * then left to the last user (see kdbus_active_release()).
 *
 * Return: 0 once drained, -EINTR on a fatal signal.
 */
int kdbus_active_drain_killable(struct kdbus_active *active,
				wait_queue_head_t *waitq)
{
	WARN_ON(kdbus_active_is_active(active));
	rwsem_acquire(&active->dep_map, 0, 0, _RET_IP_);
	rwsem_release(&active->dep_map, _RET_IP_);
	if (wait_event_killable(*waitq, atomic_read(&active->count) <=
				KDBUS_ACTIVE_BIAS))
		return -EINTR;
	return 0;
}

/**
 * kdbus_active_cleanup() - claim the right to release the object
 * @active:	drained counter
 *
 * Return: true for exactly one caller once the counter is drained.
 */
bool kdbus_active_cleanup(struct kdbus_active *active)
{
	return atomic_cmpxchg(&active->count, KDBUS_ACTIVE_BIAS,
			      KDBUS_ACTIVE_RELEASED) == KDBUS_ACTIVE_BIAS;
}
