# SPDX-License-Identifier: MIT
#
# The user programs: esp/bin/NAME.c -> $(BUILD)/initrd/bin/NAME and
# tests/user/NAME.c -> $(BUILD)/initrd/test/NAME, static binaries built with
# Debian's musl (musl-gcc, packages musl-tools + musl-dev). $(BUILD)/initrd
# is the tree the initramfs is packed from; USER_BINS lists what is staged.
# The same binaries run under the host's Linux: `make test-user-host`
# (tools/run-user-host). See tests/user/README.md.
#
# User CFLAGS are apart from the kernel's: these are ordinary hosted,
# optimised C programs. USER_EXTRA_CFLAGS adds to them.

USER_CC ?= musl-gcc
USER_CFLAGS := -static -O2 -g -Wall -Wextra -Werror -std=gnu11 \
	-Itests/user $(USER_EXTRA_CFLAGS)

USER_ESP_SRCS := $(wildcard esp/bin/*.c)
USER_TEST_SRCS := $(wildcard tests/user/*.c)
USER_TEST_HDRS := $(wildcard tests/user/*.h)

# A file that is not an ELF program (mode 0755, no "#!"): execve of it must
# fail with ENOEXEC (t_fork).
USER_DATA := $(BUILD)/initrd/test/not-elf

USER_BINS := $(patsubst esp/bin/%.c,$(BUILD)/initrd/bin/%,$(USER_ESP_SRCS)) \
	$(patsubst tests/user/%.c,$(BUILD)/initrd/test/%,$(USER_TEST_SRCS)) \
	$(USER_DATA)

$(BUILD)/initrd/bin/%: esp/bin/%.c tests/user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $< -o $@

$(BUILD)/initrd/test/%: tests/user/%.c $(USER_TEST_HDRS) tests/user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $< -o $@

$(BUILD)/initrd/test/not-elf: tests/user/build.mk
	@mkdir -p $(dir $@)
	printf 'This is not an ELF program, and it has no #! line.\n' > $@
	chmod 0755 $@

.PHONY: user test-user-host
user: $(USER_BINS)

# Every t_* program natively on this machine, the iso_* programs checked
# for the signal they must die with, and init itself; a table, logs in
# $(BUILD)/user-host/, nonzero exit on any failure.
test-user-host:
	@tools/install-deps
	$(MAKE) user
	$(PYTHON) tools/run-user-host --build $(BUILD)
