#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The suite's entry to kdbusfs/tests/cli_test.sh; TAP on stdout.
exec "$(dirname "$0")/../../../../tools/kdbusfs/tests/cli_test.sh" "$@"
