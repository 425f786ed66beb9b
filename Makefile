# SPDX-License-Identifier: GPL-2.0
#
# kdbusfs: build the module for Debian's 6.12 kernel, build the tests and
# tools, and run everything inside a QEMU guest. Every target installs what
# it needs first (scripts/setup, idempotent).
#
#   make              build everything: fs/kdbusfs/kdbusfs.ko (W=1, warnings
#                     are errors), the selftests, libkdbus, the kdbusfs
#                     command and the samples
#   make run          demo: mount kdbusfs in a user namespace in the guest
#   make check        static checks + the whole suite in the guest, twice
#   make check-debug  the suite on a KASAN/lockdep/kmemleak/UBSAN kernel,
#                     with fault injection and a leak scan
#   make bench        kdbusfs against AF_UNIX in the guest (ratios)
#   make checkpatch   checkpatch.pl --strict over the project's C
#   make check-layers no file of the module calls into a higher layer
#   make kernel-doc   scripts/kernel-doc -Wall over the module
#   make clean
#
# KDIR=/path/to/kernel/build overrides the kernel tree to build against.

SHELL := /bin/bash
SETUP := set -eo pipefail; eval "$$(scripts/setup)"
KDIR ?=
MOD := fs/kdbusfs/kdbusfs.ko
SELFTESTS := tools/testing/selftests/kdbusfs

.PHONY: all module tests tools install check-install check check-debug check-creds check-layers check-nofail checkpatch kernel-doc run bench clean

all: module tests tools

module:
	@$(SETUP); k="$(KDIR)"; k="$${k:-$$KDIR}"; \
	log=$$(mktemp); \
	$(MAKE) -C "$$k" M="$(CURDIR)/fs/kdbusfs" W=1 KDBUSFS_WERROR=y modules 2>&1 | tee "$$log"; \
	st=$${PIPESTATUS[0]}; \
	if grep -q 'warning:' "$$log"; then echo "module: build warnings are errors" >&2; st=1; fi; \
	rm -f "$$log"; exit $$st

tests:
	@$(SETUP); $(MAKE) -C $(SELFTESTS) HARNESS_DIR="$$HARNESS_DIR"

# libkdbus (and its tests), the kdbusfs command, the bridge, the criu
# plugin, the samples; a machine set up before libkdbus's packages were in
# scripts/setup gets them here
tools:
	@$(SETUP); pkg-config --exists gio-unix-2.0 libsodium dbus-1 libsystemd || \
		KDBUSFS_SETUP_FORCE=1 scripts/setup >/dev/null; \
	$(MAKE) -C tools/lib/kdbus && $(MAKE) -C tools/kdbusfs && \
	$(MAKE) -C tools/bridge && $(MAKE) -C tools/criu && \
	$(MAKE) -C samples

# The module (into /lib/modules/KVER/updates, for the kernel KDIR is),
# libkdbus, its header and pkg-config file, the command, the man pages,
# and the module's source with dkms.conf in /usr/src/kdbusfs-VERSION.
# PREFIX (/usr/local) and DESTDIR are honoured; depmod runs without DESTDIR.
PREFIX ?= /usr/local
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
install: module tools
	@$(SETUP); k="$(KDIR)"; k="$${k:-$$KDIR}"; \
	kver=$$(cat "$$k/include/config/kernel.release"); \
	install -D -m 0644 $(MOD) "$(DESTDIR)/lib/modules/$$kver/updates/kdbusfs.ko"; \
	if [ -z "$(DESTDIR)" ]; then depmod -a "$$kver"; fi; \
	src="$(DESTDIR)/usr/src/kdbusfs-$(VERSION)"; \
	install -d "$$src/fs/kdbusfs" "$$src/include/uapi/linux"; \
	install -m 0644 dkms.conf "$$src/"; \
	install -m 0644 fs/kdbusfs/Kbuild fs/kdbusfs/*.[ch] "$$src/fs/kdbusfs/"; \
	rm -f "$$src/fs/kdbusfs/kdbusfs.mod.c"; \
	install -m 0644 include/uapi/linux/kdbus.h "$$src/include/uapi/linux/"; \
	$(MAKE) -C tools/lib/kdbus install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR); \
	$(MAKE) -C tools/kdbusfs install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C tools/bridge install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C tools/criu install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# make install into a scratch DESTDIR, programs built against the installed
# library, the module built by dkms from the installed source, both run in
# the guest
check-install: module tools
	@scripts/check-install

check-creds:
	@scripts/check-creds --self-test
	@scripts/check-creds fs/kdbusfs

# calls go down the layers of the Code map; reads the built objects
check-layers: module
	@scripts/check-layers fs/kdbusfs

checkpatch:
	@$(SETUP); scripts/checkpatch "$$CHECKPATCH"

# kernel-doc of the module, every warning (-Wall) an error
kernel-doc:
	@$(SETUP); out=$$("$$KERNELDOC" -Wall -none fs/kdbusfs/*.[ch] 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	echo "kernel-doc: fs/kdbusfs clean (-Wall)"

# allocations that cannot fail are bounded by nothing but concurrency:
# the module reserves what it must not fail to allocate instead
check-nofail:
	@if grep -n '__GFP_NOFAIL' fs/kdbusfs/*.[ch]; then \
		echo "check-nofail: __GFP_NOFAIL in fs/kdbusfs"; exit 1; fi; \
	echo "check-nofail: no __GFP_NOFAIL in fs/kdbusfs"

check: module tests tools check-creds check-layers check-nofail checkpatch kernel-doc
	@scripts/check

# The debug kernel is built once and cached (scripts/build-debug-kernel);
# the module is built for it in a directory of its own, instrumented for
# gcov: the line before the tally is its coverage over the debug pass
# (scripts/coverage, Documentation/filesystems/kdbusfs-coverage.rst).
check-debug: tests tools check-creds
	@$(SETUP); eval "$$(scripts/build-debug-kernel | grep '^KDBUSFS_DEBUG_')"; \
	export KDBUSFS_DEBUG_KERNEL KDBUSFS_DEBUG_KDIR; \
	mod=$$(scripts/build-module --coverage "$$KDBUSFS_DEBUG_KDIR" \
		"$${KDBUSFS_CACHE:-/var/cache/kdbusfs}/debug-module"); \
	KDBUSFS_MODULE=$$mod scripts/check --debug

run: module tools
	@scripts/demo

bench: module tools
	@scripts/bench $(BENCH_SECONDS)
	@scripts/dbus-bench $(BENCH_SECONDS)

clean:
	@$(SETUP); k="$(KDIR)"; k="$${k:-$$KDIR}"; \
	$(MAKE) -C "$$k" M="$(CURDIR)/fs/kdbusfs" clean
	@$(MAKE) -C $(SELFTESTS) clean
	@$(MAKE) -C tools/kdbusfs clean
	@$(MAKE) -C tools/bridge clean
	@$(MAKE) -C tools/criu clean
	@$(MAKE) -C tools/lib/kdbus clean
	@$(MAKE) -C samples clean
