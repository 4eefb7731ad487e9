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

# t_exec_helper twice more, for execve's two other cases (t_fork):
# t_exec_pie, a static-PIE (ET_DYN without PT_INTERP) that must run, and
# exec_dynamic, a dynamically linked one (PT_INTERP) that Cohort refuses
# with ENOEXEC. Debian's musl-gcc specs cannot make a static-PIE (they
# always name the dynamic linker), so it is linked by hand, as gcc
# -static-pie would: rcrt1.o relocates the program at start.
USER_MUSL_LIB := /usr/lib/x86_64-linux-musl
USER_EXEC_VARIANTS := $(BUILD)/initrd/test/t_exec_pie \
	$(BUILD)/initrd/test/exec_dynamic

# t_basic once more with glibc (gcc -static): glibc's start-up calls more
# (set_robust_list, rseq, prlimit64, readlink /proc/self/exe, getrandom),
# which Cohort must answer properly or with the errno of a missing feature.
USER_GLIBC_BINS := $(BUILD)/initrd/test/t_glibc_basic

USER_BINS := $(patsubst esp/bin/%.c,$(BUILD)/initrd/bin/%,$(USER_ESP_SRCS)) \
	$(patsubst tests/user/%.c,$(BUILD)/initrd/test/%,$(USER_TEST_SRCS)) \
	$(USER_EXEC_VARIANTS) $(USER_GLIBC_BINS) $(USER_DATA)

$(BUILD)/initrd/bin/%: esp/bin/%.c tests/user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $< -o $@

$(BUILD)/initrd/test/%: tests/user/%.c $(USER_TEST_HDRS) tests/user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $< -o $@

$(BUILD)/user-obj/t_exec_helper.pie.o: tests/user/t_exec_helper.c \
		$(USER_TEST_HDRS) tests/user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(filter-out -static,$(USER_CFLAGS)) -fPIE -c $< -o $@

$(BUILD)/initrd/test/t_exec_pie: $(BUILD)/user-obj/t_exec_helper.pie.o
	@mkdir -p $(dir $@)
	$(LD) -static -pie --no-dynamic-linker -z text -o $@ \
		$(USER_MUSL_LIB)/rcrt1.o $(USER_MUSL_LIB)/crti.o $< \
		$(USER_MUSL_LIB)/libc.a $(shell $(CC) -print-libgcc-file-name) \
		$(USER_MUSL_LIB)/crtn.o

$(BUILD)/initrd/test/exec_dynamic: tests/user/t_exec_helper.c \
		$(USER_TEST_HDRS) tests/user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(filter-out -static,$(USER_CFLAGS)) $< -o $@

$(BUILD)/initrd/test/t_glibc_basic: tests/user/t_basic.c $(USER_TEST_HDRS) \
		tests/user/build.mk
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $< -o $@

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
