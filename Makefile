# SPDX-License-Identifier: GPL-2.0
#
# kdbusfs: build the module for Debian's 6.12 kernel, build the tests and
# tools, and run everything inside a QEMU guest. Every target installs what
# it needs first (scripts/setup, idempotent).
#
#   make              build fs/kdbusfs/kdbusfs.ko (W=1, warnings are errors)
#   make run          demo: mount kdbusfs in a user namespace in the guest
#   make check        static checks + the whole suite in the guest, twice
#   make bench        kdbusfs against AF_UNIX in the guest (ratios)
#   make checkpatch   checkpatch.pl --strict over the project's C
#   make clean
#
# KDIR=/path/to/kernel/build overrides the kernel tree to build against.

SHELL := /bin/bash
SETUP := set -eo pipefail; eval "$$(scripts/setup)"
KDIR ?=
MOD := fs/kdbusfs/kdbusfs.ko
SELFTESTS := tools/testing/selftests/kdbusfs

.PHONY: all module tests tools check check-creds checkpatch run bench clean

all: module

module:
	@$(SETUP); k="$(KDIR)"; k="$${k:-$$KDIR}"; \
	log=$$(mktemp); \
	$(MAKE) -C "$$k" M="$(CURDIR)/fs/kdbusfs" W=1 KDBUSFS_WERROR=y modules 2>&1 | tee "$$log"; \
	st=$${PIPESTATUS[0]}; \
	if grep -q 'warning:' "$$log"; then echo "module: build warnings are errors" >&2; st=1; fi; \
	rm -f "$$log"; exit $$st

tests:
	@$(SETUP); $(MAKE) -C $(SELFTESTS) HARNESS_DIR="$$HARNESS_DIR"

tools:
	@$(SETUP); $(MAKE) -C tools/kdbusfs

check-creds:
	@scripts/check-creds --self-test
	@scripts/check-creds fs/kdbusfs

checkpatch:
	@$(SETUP); scripts/checkpatch "$$CHECKPATCH"

check: module tests tools check-creds checkpatch
	@scripts/check

run: module tools
	@scripts/demo

bench: module tools
	@scripts/bench $(BENCH_SECONDS)

clean:
	@$(SETUP); k="$(KDIR)"; k="$${k:-$$KDIR}"; \
	$(MAKE) -C "$$k" M="$(CURDIR)/fs/kdbusfs" clean
	@$(MAKE) -C $(SELFTESTS) clean
	@$(MAKE) -C tools/kdbusfs clean
