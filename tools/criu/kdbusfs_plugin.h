/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kdbusfs_plugin.c needs from the kernel module and from criu beyond
 * <criu/criu-plugin.h>.
 */
#ifndef KDBUSFS_PLUGIN_H
#define KDBUSFS_PLUGIN_H

/* fs/kdbusfs/super.h */
#define KDBUSFS_SUPER_MAGIC	0x44427573

/* criu's own logger (criu/log.c); criu's installed headers lack log.h */
#define KDB_LOG_ERROR		1
#define KDB_LOG_INFO		3
void print_on_level(unsigned int loglevel, const char *format, ...);

#endif /* KDBUSFS_PLUGIN_H */
