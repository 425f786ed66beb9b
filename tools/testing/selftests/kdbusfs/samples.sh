#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The suite's entry to run_test.sh; TAP on stdout.
exec "$(dirname "$0")/../../../../samples/run_test.sh" "$@"
