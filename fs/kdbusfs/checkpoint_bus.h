/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_CHECKPOINT_BUS_H
#define __KDBUSFS_CHECKPOINT_BUS_H

/**
 * DOC: Checkpoints of buses and custom endpoints
 *
 * Through a checkpoint file, KDBUS_CMD_BUS_DUMP writes what BUS_MAKE made
 * on a control file and KDBUS_CMD_BUS_RESTORE makes it again on an unused
 * one; KDBUS_CMD_ENDPOINT_DUMP and KDBUS_CMD_ENDPOINT_RESTORE do the same
 * for what ENDPOINT_MAKE made on a default endpoint file, policy included.
 * Neither object changes once made but a bus's last connection id and an
 * endpoint's policy, so no freeze is needed: a dump is true when written.
 * Every identity a restore takes goes through kdbus_restore_cred(), under
 * the rule the connections' restores follow.
 */

struct kdbus_checkpoint;

int kdbus_ckpt_bus_dump(struct kdbus_checkpoint *ckpt, void __user *argp);
int kdbus_ckpt_bus_restore(struct kdbus_checkpoint *ckpt, void __user *argp);
int kdbus_ckpt_ep_dump(struct kdbus_checkpoint *ckpt, void __user *argp);
int kdbus_ckpt_ep_restore(struct kdbus_checkpoint *ckpt, void __user *argp);

#endif
