# SPDX-License-Identifier: MIT
#
# The user programs (built by musl-gcc -static) staged into the initramfs:
# esp/bin/NAME.c -> build/initrd/bin/NAME, tests/user/NAME.c ->
# build/initrd/test/NAME. USER_BINS lists the staged paths; the top-level
# Makefile's build/initrd.cpio depends on them. Placeholder: helper "ut"
# fills this file in.
USER_BINS :=
