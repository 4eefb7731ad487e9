/* SPDX-License-Identifier: MIT */
/*
 * ACPI table parsing: bytes in, validated structs out.
 *
 * acpi_parse() starts at the RSDP, walks the XSDT (or RSDT), and decodes
 * the three tables the kernel needs to bring up CPUs, interrupts and
 * clocks: the MADT ("APIC"), the FADT ("FACP") and the HPET table. Every
 * other table is only checked (header, length, checksum) and listed, so the
 * boot log shows what the firmware offers. The DSDT (and, failing it, the
 * SSDTs) are scanned for one object, the \_S5 package power-off needs.
 *
 * What it does not do: it never touches hardware, never allocates, never
 * interprets AML (beyond the bounded \_S5 byte scan of acpi/s5.c), and never
 * trusts a byte: all physical memory is reached through the caller's
 * acpi_mem.map(), every length, count and offset is checked before use,
 * and a table that fails a check is rejected with one log line while the
 * others are still parsed. It is pure C over caller-supplied callbacks, so
 * the same code runs in the kernel, in the host unit tests
 * (tests/unit/acpi/) and under libFuzzer (tests/fuzz/).
 *
 * Spec sections (ACPI 6.5 unless noted): 5.2.5 RSDP, 5.2.6 table header,
 * 5.2.7 RSDT, 5.2.8 XSDT, 5.2.9 FADT, 5.2.12 MADT; 5.2.3.2 Generic Address
 * Structure; 7.4.2 \_Sx and 20.2 (AML grammar) for \_S5; IA-PC HPET
 * Specification 1.0a, 3.2.4 (HPET description table).
 *
 * Read next: tables.c (RSDP, root table, header checks), madt.c, fadt.c,
 * hpet.c, s5.c, summary.c; docs/acpi.md for the rules and the fallbacks.
 */
#ifndef COHORT_ACPI_H
#define COHORT_ACPI_H

#include <stdbool.h>
#include <stdint.h>

/* Physical memory access supplied by the caller: return a pointer to `len`
 * readable bytes at `phys`, or NULL if any part is outside memory. The
 * kernel implements it over its direct map; tests over a fake memory
 * image. The parser reads only inside what one call returned, and never
 * asks for len == 0. */
struct acpi_mem {
	const void *(*map)(void *ctx, uint64_t phys, uint64_t len);
	void *ctx;
};

/* One log line per call, complete message, no newline. Every line starts
 * with "acpi: " and holds only printable ASCII (bytes from the tables are
 * sanitised before they are quoted). */
typedef void (*acpi_log_fn)(void *ctx, const char *msg);

/* Entries kept; more are counted and reported. At least the kernel's CPU
 * limit (MAX_CPUS, kernel/cpumask.h; kernel/platform.c checks). */
#define ACPI_MAX_CPUS 1024
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_OVERRIDES 32
#define ACPI_MAX_NMIS 32
#define ACPI_MAX_TABLES 64

/* One table the root table (or the FADT, for the DSDT) points at. */
struct acpi_table_ref {
	char sig[5];	      /* "????" if the header was not readable */
	char oem_id[7];	      /* trailing blanks removed */
	char oem_table_id[9]; /* trailing blanks removed */
	uint8_t revision;
	uint64_t phys;
	uint32_t length;      /* the header's claim, even when rejected */
	bool valid;	      /* header, length and checksum all good */
};

/* A processor from a type 0 (local APIC) or type 9 (local x2APIC) entry.
 * Entries that are neither enabled nor online-capable are "unusable" by
 * spec (5.2.12.2) and are not kept. */
struct acpi_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool enabled;	     /* usable now */
	bool online_capable; /* not enabled, but may be hot-added (ACPI 6.3+) */
	bool from_x2apic_entry;
};

struct acpi_ioapic {
	uint32_t id;
	uint64_t phys;
	uint32_t gsi_base;
};

struct acpi_override {
	uint8_t bus, source_irq; /* bus 0 is ISA, the only one defined */
	uint32_t gsi;
	/* Decoded from MPS INTI flags; "conforming" = bus default: ISA is
	 * active-high edge. */
	bool active_low;
	bool level_triggered;
	uint16_t raw_flags;
};

struct acpi_nmi {
	uint32_t acpi_uid; /* 0xffffffff = all processors */
	uint8_t lint;	   /* 0 or 1 */
	bool active_low;
	bool level_triggered;
};

struct acpi_madt {
	bool present;
	uint64_t lapic_phys; /* after any type-5 override */
	bool pcat_compat;    /* dual 8259s present */
	struct acpi_cpu cpu[ACPI_MAX_CPUS]; /* in MADT order */
	int ncpus;
	int ncpus_dropped; /* beyond ACPI_MAX_CPUS */
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	int nioapics;
	struct acpi_override override[ACPI_MAX_OVERRIDES];
	int noverrides;
	struct acpi_nmi nmi[ACPI_MAX_NMIS];
	int nnmis;
};

struct acpi_hpet {
	bool present;
	uint64_t phys;	     /* register block, always system memory */
	uint8_t comparators; /* 1..32 */
	bool counter_64bit;
	uint16_t min_tick;   /* main counter ticks, periodic mode */
	uint8_t hpet_number;
};

/* Generic Address Structure, ACPI 6.5 5.2.3.2. */
struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1

struct acpi_fadt {
	bool present;
	uint32_t pm_timer_port; /* 0: no usable PM timer */
	bool pm_timer_32bit;	/* TMR_VAL_EXT; else 24 bits */
	bool hw_reduced;	/* HW_REDUCED_ACPI: no PM timer or PM1 */
	bool reset_supported;	/* RESET_REG_SUP and the table covers it */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	/* PM1a/PM1b control blocks (4.8.3.2.1): space ACPI_GAS_IO with a
	 * port <= 0xffff, or ACPI_GAS_MEMORY; address 0 = absent. The X_
	 * GAS when set and usable, else the legacy 32-bit I/O port. */
	struct acpi_gas pm1a_cnt;
	struct acpi_gas pm1b_cnt;
	/* Legacy/ACPI mode switch (4.8.2.1): write acpi_enable to the I/O
	 * port smi_cmd to hand the fixed hardware to the OS; 0 = none. */
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint16_t iapc_boot_arch;
	uint32_t flags;
	uint64_t dsdt_phys;
};

/* The \_S5 (soft-off) package (ACPI 6.5 7.4.2), found by acpi_s5_scan(). */
struct acpi_s5 {
	bool present;
	uint8_t slp_typa; /* 0..7, for PM1a_CNT.SLP_TYP */
	uint8_t slp_typb; /* 0..7, for PM1b_CNT.SLP_TYP */
	char table[5];	  /* where it was found: "DSDT" or "SSDT" */
	uint64_t table_phys;
	uint32_t offset;  /* of its NameOp in that table */
};

struct acpi_info {
	uint64_t rsdp_phys;
	uint8_t rsdp_revision;
	bool xsdt_used; /* false: the RSDT (ACPI 1.0, or XSDT rejected) */
	struct acpi_table_ref table[ACPI_MAX_TABLES]; /* root table first */
	int ntables;
	struct acpi_madt madt;
	struct acpi_hpet hpet;
	struct acpi_fadt fadt;
	/* From the DSDT, else from the first SSDT that has one. */
	struct acpi_s5 s5;
};

/*
 * Parse everything reachable from the RSDP at rsdp_phys into *out.
 *
 * *out is zeroed first, so it is always fully defined: a table that is
 * absent or rejected leaves its struct with present == false. Never reads
 * outside what mem->map() returns; never trusts a length, count or offset.
 * A bad individual table (checksum, truncated header, length past what
 * map() allows, an MADT entry that runs past the table end, a zero-length
 * entry, ...) is rejected with ONE log line naming the table and the
 * problem, e.g.
 *   acpi: APIC: entry at offset 0x5c (type 1) runs past the end of the
 *   table (length 0x90)
 * and parsing of the other tables goes on. The MADT is all-or-nothing:
 * every entry is validated before any is committed. Survivable oddities
 * inside a good MADT (a repeated APIC id, reserved INTI flags, more CPUs
 * than ACPI_MAX_CPUS) are warnings: one line each for the first four of a
 * kind, then one line with the count of the rest.
 *
 * log may be NULL (silent). Does not sleep or allocate; uses under 2 KiB
 * of stack. Returns 0 if at least the RSDP and a root table (XSDT or RSDT)
 * were usable, -1 otherwise (with a log line).
 */
int acpi_parse(const struct acpi_mem *mem, uint64_t rsdp_phys,
	       struct acpi_info *out, acpi_log_fn log, void *log_ctx);

/*
 * Log what acpi_parse() found, compactly: one line per table, the CPU list
 * (several per line: MADT order index, APIC id, ACPI uid, flags), IOAPICs,
 * overrides, NMIs, HPET, and the FADT's PM timer, reset register and
 * HW-reduced flag. IOAPIC pin counts are not here: the parser cannot know
 * them; the kernel reads them from each IOAPIC.
 */
void acpi_log_summary(const struct acpi_info *info, acpi_log_fn log,
		      void *log_ctx);

/*
 * Look for \_S5 in one AML definition block: t is the whole table (header
 * included, already checked), len its length, table its signature for the
 * log ("DSDT", "SSDT"). A bounded byte scan, not an AML interpreter: it
 * finds Name (_S5, Package () { a, b, ... }) with integer constants a and
 * b (or one integer holding both), each 0..7. acpi/s5.c has the rules.
 *
 * Returns 1 with *out filled (table_phys left 0 for the caller), 0 if
 * the table has no \_S5 definition (no log line), -1 if it has some but
 * none decodes (at most two log lines: the first one's offset and
 * problem, then the count of the rest). *out is written only on 1. Reads
 * only t[0..len); time linear in len.
 */
int acpi_s5_scan(const uint8_t *t, uint32_t len, const char *table,
		 struct acpi_s5 *out, acpi_log_fn log, void *log_ctx);

/*
 * The highest APIC id of an enabled CPU in m (0 if none): what decides
 * whether xAPIC can address every CPU the kernel will start. Online-capable
 * slots are never started (no hot-add), so their ids do not count.
 */
uint32_t acpi_madt_max_apic_id(const struct acpi_madt *m);

/* True if the len bytes at p sum to zero modulo 256 (ACPI 6.5 5.2.6). */
bool acpi_checksum_ok(const void *p, uint32_t len);

#endif
