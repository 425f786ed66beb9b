/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_ACTIVE_H
#define __KDBUSFS_ACTIVE_H

/**
 * DOC: Active references
 *
 * An object that user space can race against (a bus, an endpoint, a
 * connection) carries an active-reference counter besides its memory
 * reference. Every operation on the object runs inside an active reference.
 * Teardown is three steps, each done once:
 *
 *   deactivate: no new active reference can be taken from now on;
 *   drain:      wait until every active reference taken before is dropped;
 *   cleanup:    exactly one caller wins and releases the object's resources.
 *
 * States, encoded in one atomic counter:
 *
 *   NEW       never activated                     count == KDBUS_ACTIVE_NEW
 *   ACTIVE    N users                             count == N >= 0
 *   DRAINING  deactivated, N users left           count == BIAS + N, N > 0
 *   DRAINED   deactivated, no users               count == BIAS
 *   RELEASED  cleanup claimed                     count == KDBUS_ACTIVE_RELEASED
 *
 * The memory of the object is kept alive by its kref, not by this counter.
 *
 * For lockdep an active reference is a read lock (taken as a trylock, it
 * never waits) and draining is a write lock taken and dropped at once. So
 * the rule "never drain an object while holding an active reference on
 * it, or on an object whose drain waits for this one" is checked on the
 * debug kernel, as it is for upstream kdbus and bus1, not left to comments.
 * Each kind of object has a lockdep class of its own (the key given to
 * kdbus_active_init()).
 */

#include <linux/atomic.h>
#include <linux/lockdep.h>
#include <linux/types.h>
#include <linux/wait.h>

#define KDBUS_ACTIVE_BIAS	(INT_MIN / 2)
#define KDBUS_ACTIVE_NEW	(KDBUS_ACTIVE_BIAS - 1)
#define KDBUS_ACTIVE_RELEASED	(KDBUS_ACTIVE_BIAS - 2)

/**
 * struct kdbus_active - active-reference counter
 * @count:	state and number of active users, see the DOC block
 * @dep_map:	lockdep's view of it, see the DOC block
 */
struct kdbus_active {
	atomic_t count;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

void __kdbus_active_init(struct kdbus_active *active, const char *name,
			 struct lock_class_key *key);

/**
 * kdbus_active_init() - put a counter into the NEW state
 * @_active:	counter to initialize
 * @_name:	lockdep class name
 *
 * Every call site is a lockdep class of its own.
 */
#define kdbus_active_init(_active, _name)				\
	do {								\
		static struct lock_class_key __key;			\
									\
		__kdbus_active_init((_active), (_name), &__key);	\
	} while (0)

bool kdbus_active_activate(struct kdbus_active *active);
void kdbus_active_deactivate(struct kdbus_active *active);
void kdbus_active_drain(struct kdbus_active *active, wait_queue_head_t *waitq);
int kdbus_active_drain_killable(struct kdbus_active *active,
				wait_queue_head_t *waitq);
bool kdbus_active_cleanup(struct kdbus_active *active);

/**
 * kdbus_active_is_active() - tell whether new active references succeed
 * @active:	counter to test
 *
 * Return: true while the object is active; the answer can be stale at once.
 */
static inline bool kdbus_active_is_active(struct kdbus_active *active)
{
	return atomic_read(&active->count) >= 0;
}

/**
 * kdbus_active_acquire() - take an active reference
 * @active:	counter to take a reference on
 *
 * Return: true on success, false once the object was deactivated.
 */
static inline bool kdbus_active_acquire(struct kdbus_active *active)
{
	if (!atomic_inc_unless_negative(&active->count))
		return false;
	rwsem_acquire_read(&active->dep_map, 0, 1, _RET_IP_);
	return true;
}

/**
 * kdbus_active_release() - drop an active reference
 * @active:	counter the reference was taken on
 * @waitq:	wait queue a drainer may sleep on
 *
 * Return: true if it was the last reference of a deactivated counter, so
 * that a cleanup the deactivation left to the last user is due now
 * (kdbus_active_cleanup() tells who runs it).
 */
static inline bool kdbus_active_release(struct kdbus_active *active,
					wait_queue_head_t *waitq)
{
	rwsem_release(&active->dep_map, _RET_IP_);
	if (atomic_dec_return(&active->count) != KDBUS_ACTIVE_BIAS)
		return false;
	wake_up_all(waitq);
	return true;
}

#endif
