# SPDX-License-Identifier: MIT
#
# Shared rules for the host unit-test suites (cmocka): tests/unit/Makefile,
# tests/unit/acpi/Makefile, tests/unit/sched/Makefile. A suite sets, then
# includes this file:
#   TOP      the repository root, relative to the suite's directory
#   SUITE    its name in the summary line
#   TESTS    its binaries, each with <name>-srcs: exactly the sources it
#            is built from (paths from the root), so a new dependency shows
#            up in review (coreboot style). No kernel/lib/string.c: the
#            host uses libc's string functions.
#   RUN_FROM_TOP := 1   to run the binaries from the repository root
# and defines its own `all`. Provided: bins, run (every binary, even after
# a failure, then one summary line; non-zero exit if any failed), clean,
# and KERNEL_CFLAGS for suites that also compile their code freestanding.

SHELL := /bin/bash
.DEFAULT_GOAL := all

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif

BUILD := build

CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-omit-frame-pointer -DHOST_TEST \
	-DSCHED_RACE_POINTS -I$(TOP)
LDFLAGS := -fsanitize=address,undefined
LDLIBS := -lcmocka

# ASan already stops at the first error; make UBSan fail the binary too
# instead of printing and carrying on.
RUN_ENV := UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# The kernel's own flags (the top-level Makefile says why each): no libc
# headers, no SSE, kernel code model. Only compiled, never linked.
KERNEL_CFLAGS := -std=gnu11 -ffreestanding -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -I$(TOP) \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror

BINS := $(addprefix $(BUILD)/,$(TESTS))

# Objects mirror the repository: build/obj/<path from the root>.o. Every
# object is built with the same flags, so binaries may share them.
$(BUILD)/obj/%.o: $(TOP)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

define test_binary
$(BUILD)/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$($(1)-srcs))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach t,$(TESTS),$(eval $(call test_binary,$(t))))

-include $(foreach t,$(TESTS),$(patsubst %.c,$(BUILD)/obj/%.d,$($(t)-srcs)))

ifeq ($(RUN_FROM_TOP),1)
RUN_CMD = cd $(TOP) && $(RUN_ENV) $(patsubst $(abspath $(TOP))/%,%,$(abspath $(BUILD)))/$$t
else
RUN_CMD = $(RUN_ENV) ./$(BUILD)/$$t
endif

.PHONY: all bins run clean

bins: $(BINS)

run: $(BINS)
	@failed=(); \
	for t in $(TESTS); do \
		echo "==== $(SUITE)/$$t"; \
		if ! ($(RUN_CMD)); then failed+=("$$t"); fi; \
	done; \
	if [ $${#failed[@]} -eq 0 ]; then \
		echo "$(SUITE) unit tests: all $(words $(TESTS)) binaries passed"; \
	else \
		echo "$(SUITE) unit tests: $${#failed[@]} of $(words $(TESTS)) binaries FAILED: $${failed[*]}"; \
		exit 1; \
	fi

clean:
	rm -rf $(BUILD)
