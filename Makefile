# SPDX-License-Identifier: MIT
#
# Cohort top-level build. `make` builds the loader, the kernel and the ESP
# image; `make run` boots it in QEMU/OVMF; `make test` runs every test.
# `make help` lists the rest. Outputs go to build/ only.
#
# User CFLAGS/LDFLAGS are kept apart from the kernel's own: pass
# EXTRA_CFLAGS to add to every target build (kernel and loader).

SHELL := /bin/bash
.DEFAULT_GOAL := all

BUILD ?= build
CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
LD := ld
OBJCOPY := objcopy
NM := nm
# Debian's python3 carries python3-pytest; a pyenv/venv python on PATH may
# not. Override with PYTHON=... if you know better.
PYTHON ?= /usr/bin/python3

# QEMU run parameters (make run SMP=8 MEM=1G CMDLINE="test=boot").
SMP ?= 4
MEM ?= 512M
QEMU ?= qemu-system-x86_64
# x64: 64-bit OVMF (BOOTX64.EFI); ia32: 32-bit OVMF (BOOTIA32.EFI, mixed mode).
FIRMWARE ?= x64
# Empty: use esp/CMDLINE.TXT as it is.
CMDLINE ?=
GDB_PORT ?= 1234
# GUI=1: show QEMU's window (the screen console) as well as serial.
GUI ?=

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

# ---- Kernel ----------------------------------------------------------------
#
# -ffreestanding -nostdinc: no libc; only the compiler's own headers
#   (stdint, stddef, stdarg, stdatomic) via -isystem.
# -mcmodel=kernel: code and data live in the top 2 GiB (0xffffffff80000000).
# -mno-red-zone: interrupts push onto the current stack; a red zone below
#   rsp would be overwritten.
# -mgeneral-regs-only: no SSE/x87 in kernel code, so interrupt and context
#   switch paths never need to save FPU state.
# -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer: panic() walks rbp.
# -fno-pic -fno-stack-protector: no GOT, no TLS canary (no %fs set up).
# -fno-asynchronous-unwind-tables: no .eh_frame; nothing unwinds with it.
# -DCOHORT_DEBUG: DEBUG=1 (the default, so `make test` runs with it) turns
#   on the debug checks: this_cpu() asserts the caller cannot migrate, and
#   every lock acquisition is validated against the ranks in
#   docs/locking.md. DEBUG=0 compiles them out (both variants always build).
DEBUG ?= 1
KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-I. -DCOHORT_VERSION='"$(VERSION)"' -DCOHORT_DEBUG=$(DEBUG) $(EXTRA_CFLAGS)
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	-T kernel/kernel.ld

# Every kernel object depends on this stamp, which changes only when DEBUG
# does: switching DEBUG rebuilds the kernel, nothing else does.
$(BUILD)/debug-flag: FORCE
	@mkdir -p $(BUILD)
	@echo '$(DEBUG)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

KERNEL_C := $(wildcard kernel/*.c kernel/lib/*.c kernel/mm/*.c kernel/proc/*.c \
	kernel/syscall/*.c kernel/fs/*.c kernel/shims/*.c drivers/*.c acpi/*.c \
	smp/*.c sched/*.c)
KERNEL_S := $(wildcard kernel/*.S kernel/mm/*.S kernel/syscall/*.S smp/*.S)
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(KERNEL_C)) \
	$(patsubst %.S,$(BUILD)/%.o,$(KERNEL_S)) $(BUILD)/fbfont.o

# The screen console's font (docs/console.md): Terminus Bold 10x20, a PSF2
# file from Debian's console-setup-linux, turned into C by tools/psf2c.
FBFONT ?= /usr/share/consolefonts/Lat15-TerminusBold20x10.psf.gz
$(BUILD)/fbfont.c: $(FBFONT) tools/psf2c
	@mkdir -p $(dir $@)
	$(PYTHON) tools/psf2c $< $@
$(BUILD)/fbfont.o: $(BUILD)/fbfont.c drivers/fbfont.h $(BUILD)/debug-flag
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.o: kernel/%.c $(BUILD)/debug-flag
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/kernel/%.o: kernel/%.S $(BUILD)/debug-flag
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/drivers/%.o: drivers/%.c $(BUILD)/debug-flag
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/acpi/%.o: acpi/%.c $(BUILD)/debug-flag
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/smp/%.o: smp/%.c $(BUILD)/debug-flag
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/sched/%.o: sched/%.c $(BUILD)/debug-flag
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

# The AP trampoline is real-mode code: nasm assembles it to a flat binary
# that the kernel embeds (.incbin) and copies below 1 MiB at boot.
$(BUILD)/smp/trampoline.bin: smp/trampoline.asm
	@mkdir -p $(dir $@)
	nasm -w+error -f bin $< -o $@
$(BUILD)/smp/trampoline_blob.o: smp/trampoline_blob.S $(BUILD)/smp/trampoline.bin
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -DTRAMPOLINE_BIN='"$(BUILD)/smp/trampoline.bin"' -c $< -o $@

# Two links: the first has an empty symbol table; its `nm` output becomes
# the table of the second. .ksyms is the last segment (kernel/kernel.ld), so
# no other symbol moves; tools/check-ksyms verifies that on every build.
$(BUILD)/kernel.pass1.elf: $(KERNEL_OBJS) kernel/kernel.ld
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS)
$(BUILD)/ksyms.S: $(BUILD)/kernel.pass1.elf tools/gen-ksyms.py
	$(NM) -n -S --defined-only $< | $(PYTHON) tools/gen-ksyms.py > $@
$(BUILD)/ksyms.o: $(BUILD)/ksyms.S
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@
$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(BUILD)/ksyms.o kernel/kernel.ld tools/check-ksyms
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms.o
	tools/check-ksyms $(BUILD)/kernel.pass1.elf $@

# ---- Loader (gnu-efi) --------------------------------------------------------
#
# gnu-efi builds a position-independent ELF shared object, then objcopy
# rewrites it as a PE EFI application (subsystem 10). One loader source,
# two builds: BOOTX64.EFI for 64-bit firmware and BOOTIA32.EFI for 32-bit
# (IA-32) firmware on a 64-bit CPU (docs/ia32-uefi.md); they differ only
# in the arch file and its assembly (efi/arch.h).
# GNU_EFI_USE_MS_ABI: call firmware functions directly with the Microsoft
# ABI attribute instead of through uefi_call_wrapper() (x86-64 only; the
# IA-32 EFI ABI is plain cdecl).
# --no-undefined: a shared link would otherwise accept a missing symbol
# (say a libgcc helper such as __udivdi3 on ia32, which -nostdlib leaves
# out) and the firmware would jump through a zero.
# -z text (ia32): no relocation may land in .text, which the firmware may
# have made read-only before gnu-efi's _relocate runs (handoff_ia32.S is
# written without absolute addresses for this).
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_CFLAGS := -std=gnu11 -O2 -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables \
	-DGNU_EFI_USE_MS_ABI -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	-Wall -Wextra -Werror -Wno-unused-parameter $(EXTRA_CFLAGS)
EFI_LDFLAGS := -shared -Bsymbolic -nostdlib -znocombreloc --no-undefined \
	-T $(EFI_LIB)/elf_x86_64_efi.lds $(EFI_LIB)/crt0-efi-x86_64.o
EFI_ARCH_OBJS := arch_x86_64.o handoff_jump.o
# The ia32 gnu-efi comes with the amd64 gnu-efi package (/usr/lib32); gcc
# -m32 -ffreestanding needs no gcc-multilib, and the link no libgcc
# (docs/ia32-uefi.md 2.1).
EFI_LIB_IA32 := /usr/lib32
EFI_CFLAGS_IA32 := -std=gnu11 -O2 -m32 -ffreestanding -fpic -fshort-wchar \
	-mgeneral-regs-only -fno-stack-protector \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables \
	-I$(EFI_INC) -I$(EFI_INC)/ia32 \
	-Wall -Wextra -Werror -Wno-unused-parameter $(EXTRA_CFLAGS)
EFI_LDFLAGS_IA32 := -m elf_i386 -shared -Bsymbolic -nostdlib -znocombreloc \
	--no-undefined -z text \
	-T $(EFI_LIB_IA32)/elf_ia32_efi.lds $(EFI_LIB_IA32)/crt0-efi-ia32.o
EFI_ARCH_OBJS_IA32 := arch_ia32.o handoff_ia32.o
EFI_OBJS := loader.o elf_check.o handoff.o

define efi_app
# $(1) = output .EFI, $(2) = object dir, $(3) = extra CFLAGS,
# $(4) = variable suffix: empty (x86-64) or _IA32, $(5) = objcopy target
$(2)/%.o: efi/%.c kernel/boot_info.h efi/arch.h efi/elf_check.h efi/handoff.h \
		efi/ia32_switch.h
	@mkdir -p $(2)
	$$(CC) $$(EFI_CFLAGS$(4)) $(3) -c $$< -o $$@
$(2)/%.o: efi/%.S efi/ia32_switch.h
	@mkdir -p $(2)
	$$(CC) $$(EFI_CFLAGS$(4)) $(3) -c $$< -o $$@
$(2)/loader.so: $(addprefix $(2)/,$(EFI_OBJS) $(EFI_ARCH_OBJS$(4)))
	$$(LD) $$(EFI_LDFLAGS$(4)) $$^ -L$$(EFI_LIB$(4)) -lefi -lgnuefi -o $$@
$(1): $(2)/loader.so
	@mkdir -p $$(dir $$@)
	$$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
		-j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
		--target $(5) --subsystem=10 $$< $$@
endef

$(eval $(call efi_app,$(BUILD)/BOOTX64.EFI,$(BUILD)/efi,,,efi-app-x86_64))
$(eval $(call efi_app,$(BUILD)/BOOTIA32.EFI,$(BUILD)/efi32,,_IA32,efi-app-ia32))
# A loader that speaks a boot_info version the kernel does not: the system
# tests check that the kernel refuses it clearly.
$(eval $(call efi_app,$(BUILD)/test/BOOTX64-badversion.EFI,$(BUILD)/efi-badversion,-DBOOT_INFO_VERSION=999,,efi-app-x86_64))

# ---- Initramfs -----------------------------------------------------------------
#
# build/initrd/ is the staging directory: the user programs (USER_BINS, from
# tests/user/build.mk), everything under esp/extra/ at the same path, and
# the files test=vfs reads. tools/mkinitrd packs it into a cpio newc
# archive deterministically (sorted names, mtime 0, uid/gid 0), so no cpio
# tool's habits leak in; the ESP carries it as \EFI\COHORT\INITRD.
# The archive is rebuilt every time but replaced only when its bytes
# change, so the ESP is rebuilt only then. mkinitrd packs exactly the
# listed files (and their directories): a file removed from esp/extra/ or
# from USER_BINS may stay in build/initrd/ but leaves the archive.
include tests/user/build.mk
INITRD_DIR := $(BUILD)/initrd
EXTRA_SRC := $(shell find esp/extra \( -type f -o -type l \) 2>/dev/null | LC_ALL=C sort)
INITRD_EXTRA := $(patsubst esp/extra/%,$(INITRD_DIR)/%,$(EXTRA_SRC))
# test=vfs (kernel/fs/vfs_test.c) regenerates this content and compares.
INITRD_TEST := $(INITRD_DIR)/etc/cohort-test.txt $(INITRD_DIR)/etc/cohort-test.link \
	$(INITRD_DIR)/etc/cohort-loop
# The self-referencing link cannot be stat()ed (ELOOP), so make would
# think it missing and remake it on every run: a stamp stands for it.
INITRD_TEST_DEPS := $(filter-out %/cohort-loop,$(INITRD_TEST)) $(INITRD_DIR)/.cohort-loop.stamp

$(INITRD_DIR)/%: esp/extra/%
	@mkdir -p $(dir $@)
	@rm -f $@
	cp -P --preserve=mode $< $@
$(INITRD_DIR)/etc/cohort-test.txt:
	@mkdir -p $(dir $@)
	$(PYTHON) -c 'import sys; sys.stdout.write("".join("cohort-test line %04d\n" % i for i in range(400)))' > $@
$(INITRD_DIR)/etc/cohort-test.link:
	@mkdir -p $(dir $@)
	ln -sfn cohort-test.txt $@
$(INITRD_DIR)/.cohort-loop.stamp:
	@mkdir -p $(INITRD_DIR)/etc
	ln -sfn cohort-loop $(INITRD_DIR)/etc/cohort-loop
	@touch $@

$(BUILD)/initrd.cpio: $(USER_BINS) $(INITRD_EXTRA) $(INITRD_TEST_DEPS) tools/mkinitrd FORCE
	@mkdir -p $(INITRD_DIR)
	@$(PYTHON) tools/mkinitrd $@.new $(INITRD_DIR) \
		$(patsubst $(INITRD_DIR)/%,%,$(sort $(USER_BINS) $(INITRD_EXTRA) $(INITRD_TEST)))
	@cmp -s $@.new $@ && rm -f $@.new || { mv $@.new $@; echo "mkinitrd $@"; }

initrd: $(BUILD)/initrd.cpio

# ---- ESP and USB images -----------------------------------------------------
#
# A 64 MiB FAT32 image built with mkfs.fat + mtools: no loop mounts, no
# root. FAT32 because many PC firmwares accept nothing else on an ESP.
ESP_MIB := 64

$(BUILD)/CMDLINE.TXT: FORCE
	@mkdir -p $(BUILD)
	@if [ -n '$(CMDLINE)' ]; then printf '%s\n' '$(CMDLINE)'; \
	 else cat esp/CMDLINE.TXT; fi > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/esp.img: $(BUILD)/BOOTX64.EFI $(BUILD)/BOOTIA32.EFI $(BUILD)/kernel.elf \
		$(BUILD)/CMDLINE.TXT $(BUILD)/initrd.cpio tools/mkesp
	tools/mkesp $@ $(ESP_MIB) $(BUILD)/BOOTX64.EFI $(BUILD)/BOOTIA32.EFI \
		$(BUILD)/kernel.elf \
		$(BUILD)/CMDLINE.TXT $(BUILD)/initrd.cpio

$(BUILD)/cohort-usb.img: $(BUILD)/esp.img tools/mkusb
	tools/mkusb $< $@

# ---- Top-level targets -------------------------------------------------------

.PHONY: all kernel loader esp initrd usb run debug test test-unit test-system fuzz \
	bench-boot bench-smp bench-sched sched-cost bench-user bench-linux run-smp-process-scale \
	run-thread-scale trace profile latency-split explore soak deps clean help FORCE

all: $(BUILD)/BOOTX64.EFI $(BUILD)/BOOTIA32.EFI $(BUILD)/kernel.elf $(BUILD)/esp.img

kernel: $(BUILD)/kernel.elf
loader: $(BUILD)/BOOTX64.EFI $(BUILD)/BOOTIA32.EFI
esp: $(BUILD)/esp.img
usb: $(BUILD)/cohort-usb.img
	@echo "USB image: $(BUILD)/cohort-usb.img (see README: 'Booting a real PC')"

deps:
	@tools/install-deps

run: deps all
	@echo "make run: SMP=$(SMP) MEM=$(MEM) FIRMWARE=$(FIRMWARE); quit with Ctrl-A then X"
	$(PYTHON) tools/cohortvm.py run --esp $(BUILD)/esp.img --smp $(SMP) \
		--mem $(MEM) --qemu $(QEMU) --firmware $(FIRMWARE) $(if $(GUI),--gui)

debug: deps all
	$(PYTHON) tools/cohortvm.py debug --esp $(BUILD)/esp.img --smp $(SMP) \
		--mem $(MEM) --qemu $(QEMU) --firmware $(FIRMWARE) \
		--gdb-port $(GDB_PORT) --kernel $(BUILD)/kernel.elf

test: deps
	$(MAKE) test-unit
	$(MAKE) test-system

# Host tests: the core suite, then the loader (efi), ACPI, scheduler, mm
# and file-system suites (each has its own Makefile listing its sources,
# efi's also compiles its layout checks under -m32), then a short
# fuzzing smoke run of the ACPI parsers and the cpio reader (`make fuzz`
# runs longer).
UNIT_DIRS := tests/unit tests/unit/efi tests/unit/acpi tests/unit/sched tests/unit/mm \
	tests/unit/fs
test-unit:
	@set -e; for d in $(UNIT_DIRS); do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d PYTHON=$(PYTHON); fi; \
	done
	@if [ -f tests/fuzz/Makefile ]; then $(MAKE) -C tests/fuzz FUZZ_SECONDS=10; fi
	$(MAKE) -C tools/schedsim
	$(PYTHON) -m pytest -q tests/trace

fuzz:
	$(MAKE) -C tests/fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-60}

# Every system test by default, the user-space ones (marker `userspace`,
# tests/system/test_user.py) included; e.g. SYSTEM_TEST_SELECT='-m
# userspace' runs only those.
SYSTEM_TEST_SELECT ?=
test-system: all $(BUILD)/test/BOOTX64-badversion.EFI $(BUILD)/cohort-usb.img
	@tools/get-qemu10 $(BUILD)/qemu10 || \
		echo "test-system: no QEMU 10 (see above); the x2APIC tests will skip"
	$(PYTHON) -m pytest -v $(SYSTEM_TEST_SELECT) tests/system

# User-space micro-benchmarks (yield, fork+wait, pipe round trips), the
# same /bin/ubench binary Linux runs: BOOTS=3 per CPU model, -smp 2.
bench-user: deps all
	$(PYTHON) tools/bench/user --boots $${BOOTS:-3} --smp $${SMP_BENCH:-2}

# The parallel speed-up demos (issue 11): /bin/primes with W = 1, 2, 4
# worker processes / threads on -smp W, ROUNDS=5 interleaved; they fail
# below 1.6x at 2 CPUs, on a wrong count, on serialised threads, or if
# the user tests fail on -smp 2 (tools/bench/scale).
run-smp-process-scale: deps all
	$(PYTHON) tools/bench/scale --mode proc --rounds $${ROUNDS:-5}

run-thread-scale: deps all
	$(PYTHON) tools/bench/scale --mode thread --rounds $${ROUNDS:-5}

# Cohort and Debian's stock Linux side by side (issue 11): the same
# binaries in the same QEMU, R rounds interleaved, one table; figures only
# (tools/bench/linux; the kernel comes from tools/get-linux-kernel).
# Cohort runs its DEBUG=0 kernel there (built into $(BUILD)/release; the
# same ESP, loader and initramfs otherwise): Debian's Linux has no lock
# validation either.
bench-linux: deps all
	$(MAKE) --no-print-directory BUILD=$(BUILD)/release DEBUG=0 $(BUILD)/release/kernel.elf
	$(PYTHON) tools/bench/linux --rounds $${ROUNDS:-5} --cpu $${BENCH_CPU:-max} \
		--kernel $(BUILD)/release/kernel.elf

# A timer wake-up's latency split into stages from each kernel's own trace
# of the same /bin/latency run, Cohort (DEBUG=0) and Linux (ftrace) on -smp 2
# (tools/bench/latency-split; tables and raw logs in tools/bench/results/).
latency-split: deps all
	$(MAKE) --no-print-directory BUILD=$(BUILD)/release DEBUG=0 $(BUILD)/release/kernel.elf
	$(PYTHON) tools/bench/latency-split --kernel $(BUILD)/release/kernel.elf \
		--rounds $${ROUNDS:-1}

# Where the kernel spends its time under a user command, sampled through
# QEMU's gdbstub: build/profile/{profile.txt,stacks.folded} (tools/qemu-profile).
# PROFILE_USER="/bin/ubench 7 4000 fork-wait" SMP=2 PROFILE_ARGS="--hz 500"
profile: deps all
	$(PYTHON) tools/qemu-profile --user "$${PROFILE_USER:-/bin/ubench 5 2000}" \
		--smp $(SMP) $${PROFILE_ARGS:-}

bench-boot: deps all
	$(PYTHON) tools/bench/boot --esp $(BUILD)/esp.img --runs $${RUNS:-5} \
		--smp $(SMP) --mem $(MEM) --qemu $(QEMU) --firmware $(FIRMWARE)

# A traced scheduler scenario on -smp 4, drawn: build/trace/{trace.json,
# gantt.png,summary.txt}. SCENARIO= picks another test= scenario;
# TRACE_USER="/bin/primes -t -w 2" traces a user command instead (and
# checks primes' timed section: build/trace/gantt-timed.png).
trace: deps all
	$(PYTHON) tools/make-trace $(if $(TRACE_USER),--user "$(TRACE_USER)",--scenario $${SCENARIO:-trace-mix}) --smp $(SMP)

# Host: instructions per enqueue/pick/dequeue for each class at 1..10000
# runnable threads (valgrind --tool=callgrind).
bench-sched: deps
	tools/bench/schedcost/run

# Host: instructions per wake-up, pick and balance decision at 2..1024 CPUs
# (schedsim under callgrind; docs/benchmarks.md). CPUS=2,8 for fewer.
sched-cost: deps
	tools/bench/sched-cost $(if $(CPUS),--cpus $(CPUS))

# The interleaving explorer by hand: SEEDS seeds from FIRST (make test runs
# 2000 of them inside tests/unit/sched/explore-test).
explore: deps
	$(MAKE) -C tools/schedsim
	tools/schedsim/build/schedsim --explore $${FIRST:-1} --count $${SEEDS:-20000}

bench-smp: deps all
	$(PYTHON) tools/bench/smp --cpus $${CPUS:-2,4,8} --runs $${RUNS:-3}

# test=sched-stress for SECONDS of wall time (default 30 minutes), boots
# alternating -smp 4 and 8 (BOOT_SECONDS of stress each); prints progress,
# a table, and the "CPU-hours without a failure" figure for
# docs/benchmarks.md. Logs: $(BUILD)/soak/; summary: tools/bench/results/.
SECONDS ?= 1800
BOOT_SECONDS ?= 300
soak: deps all
	$(PYTHON) tools/soak --seconds $(SECONDS) --boot-seconds $(BOOT_SECONDS)

clean:
	rm -rf $(BUILD)
	@for d in $(UNIT_DIRS) tests/fuzz; do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d clean; fi; \
	done

help:
	@echo "make            build loader, kernel and $(BUILD)/esp.img (DEBUG=0: no this_cpu()/lock checks)"
	@echo "make run        boot in QEMU/OVMF (SMP=4 MEM=512M CMDLINE=... QEMU=...; GUI=1: QEMU window)"
	@echo "make debug      boot halted with a gdb stub and attach gdb"
	@echo "make test       unit tests + QEMU system tests"
	@echo "make fuzz       fuzz the ACPI parsers and the cpio reader (FUZZ_SECONDS=60 each)"
	@echo "make initrd     $(BUILD)/initrd.cpio from $(BUILD)/initrd/ (user programs + esp/extra/)"
	@echo "make user       build the user programs into $(BUILD)/initrd/{bin,test}"
	@echo "make test-user-host  run the user test programs under this machine's Linux"
	@echo "make trace      traced scheduler run -> build/trace/ (SCENARIO=trace-mix)"
	@echo "make profile    sampled kernel profile of a user command -> build/profile/ (PROFILE_USER=...)"
	@echo "make explore    scheduler interleaving explorer (SEEDS=20000 FIRST=1)"
	@echo "make usb        $(BUILD)/cohort-usb.img for a USB stick"
	@echo "make bench-boot boot timing benchmark (RUNS=5; FIRMWARE=x64,ia32 compares the two firmwares)"
	@echo "make bench-smp  IPI, TLB shootdown, timer, scheduler benchmarks in QEMU (CPUS=2,4,8 RUNS=3)"
	@echo "make bench-sched  scheduler class costs in instructions (callgrind)"
	@echo "make sched-cost   instructions per wake-up/pick/balance at 2..1024 CPUs (CPUS=2,8,...)"
	@echo "make bench-user user-space yield, fork+wait and pipe round trips in QEMU (BOOTS=3)"
	@echo "make bench-linux    Cohort vs Debian's Linux: same binaries, same QEMU, one table (ROUNDS=5)"
	@echo "make latency-split  a timer wake-up split into stages, Cohort vs Linux, from their traces"
	@echo "make run-smp-process-scale  primes with 1/2/4 processes on -smp 1/2/4: speed-up (ROUNDS=5)"
	@echo "make run-thread-scale       the same with threads of one process (ROUNDS=5)"
	@echo "make soak       test=sched-stress for SECONDS=1800, -smp 4 and 8 alternating; CPU-hours without a failure"

FORCE:

-include $(KERNEL_OBJS:.o=.d)
