#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The suite's entry to lib/kdbus/tests/lib_test; TAP on stdout.
exec "$(dirname "$0")/../../../../tools/lib/kdbus/tests/lib_test" "$@"
