// SPDX-License-Identifier: MIT
/*
 * MADT ("APIC"), ACPI 6.5 5.2.12: the processors, I/O APICs, ISA interrupt
 * overrides and NMI wiring.
 *
 * Two passes over the entries, seL4 style: madt_check() walks the entry
 * headers and refuses the whole table at the first entry that is
 * malformed (zero length, past the end, shorter than its type needs),
 * writing nothing; only then does madt_commit() decode into the caller's
 * struct, a pass that cannot fail. So a bad MADT leaves present == false
 * and no half-filled CPU list behind.
 *
 * Decoded types: 0 processor local APIC (5.2.12.2), 1 I/O APIC (5.2.12.3),
 * 2 interrupt source override (5.2.12.5), 4 local APIC NMI (5.2.12.7),
 * 5 local APIC address override (5.2.12.8), 9 processor local x2APIC
 * (5.2.12.12), 10 local x2APIC NMI (5.2.12.13). Every other type is legal
 * (GIC entries, NMI sources, future types) and skipped by its length.
 */
#include "acpi_internal.h"

/* Table layout after the common header (5.2.12). */
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS 40
#define MADT_ENTRIES 44
#define MADT_PCAT_COMPAT (1u << 0)

/* Entry types. */
#define MADT_TYPE_LOCAL_APIC 0
#define MADT_TYPE_IOAPIC 1
#define MADT_TYPE_OVERRIDE 2
#define MADT_TYPE_LOCAL_APIC_NMI 4
#define MADT_TYPE_LAPIC_ADDR 5
#define MADT_TYPE_LOCAL_X2APIC 9
#define MADT_TYPE_LOCAL_X2APIC_NMI 10

/* Every entry starts with type and length bytes. */
#define MADT_ENTRY_HEADER 2

/* Local APIC flags (5.2.12.2), shared by types 0 and 9. */
#define LAPIC_ENABLED (1u << 0)
#define LAPIC_ONLINE_CAPABLE (1u << 1)

/* A type-0 APIC id of 0xff is a placeholder for an absent CPU (skipped
 * quietly, as firmware lists dozens); a type-9 x2APIC id of 0xffffffff is
 * the x2APIC broadcast id, never a CPU (firmware uses it in disabled
 * placeholder entries, which the flags check drops first). */
#define XAPIC_ID_NONE 0xffu
#define X2APIC_ID_NONE 0xffffffffu

/* Type-4 processor uid 0xff and type-10 uid 0xffffffff mean "all". */
#define NMI_UID_ALL_XAPIC 0xffu
#define NMI_UID_ALL 0xffffffffu

/* MPS INTI flags (5.2.12.5): polarity in bits 1:0, trigger in 3:2.
 * 0 is "conforms to the bus", 2 is reserved. */
#define INTI_POLARITY(f) ((f) & 3u)
#define INTI_TRIGGER(f) (((f) >> 2) & 3u)
#define INTI_CONFORMS 0u
#define INTI_POLARITY_HIGH 1u
#define INTI_POLARITY_LOW 3u
#define INTI_TRIGGER_EDGE 1u
#define INTI_TRIGGER_LEVEL 3u
#define INTI_RESERVED 2u

/* The LAPIC has two local interrupt pins, LINT0 and LINT1. */
#define LAPIC_LINT_MAX 1

/* Smallest length each decoded type may have; newer spec revisions may
 * append fields, so longer is fine. 0 = not decoded, any length >= 2. */
static uint8_t entry_min_len(uint8_t type)
{
	switch (type) {
	case MADT_TYPE_LOCAL_APIC:
		return 8;
	case MADT_TYPE_IOAPIC:
		return 12;
	case MADT_TYPE_OVERRIDE:
		return 10;
	case MADT_TYPE_LOCAL_APIC_NMI:
		return 6;
	case MADT_TYPE_LAPIC_ADDR:
		return 12;
	case MADT_TYPE_LOCAL_X2APIC:
		return 16;
	case MADT_TYPE_LOCAL_X2APIC_NMI:
		return 12;
	default:
		return 0;
	}
}

/* Pass 1: is every entry well formed? Writes nothing. */
static int madt_check(const struct acpi_parser *p, const uint8_t *t,
		      uint32_t len)
{
	if (len < MADT_ENTRIES) {
		acpi_logf(p, "acpi: APIC: length 0x%x is shorter than the "
			  "44-byte MADT header", len);
		return -1;
	}
	for (uint32_t off = MADT_ENTRIES; off < len;) {
		uint8_t type = t[off];

		if (len - off < MADT_ENTRY_HEADER ||
		    t[off + 1] > len - off) {
			acpi_logf(p, "acpi: APIC: entry at offset 0x%x "
				  "(type %u) runs past the end of the table "
				  "(length 0x%x)", off, type, len);
			return -1;
		}
		uint8_t elen = t[off + 1];
		/* A zero length would loop forever; one byte is not even
		 * the entry header. */
		if (elen < MADT_ENTRY_HEADER) {
			acpi_logf(p, "acpi: APIC: entry at offset 0x%x "
				  "(type %u) has length %u", off, type, elen);
			return -1;
		}
		if (elen < entry_min_len(type)) {
			acpi_logf(p, "acpi: APIC: entry at offset 0x%x "
				  "(type %u) has length %u; the type needs %u",
				  off, type, elen, entry_min_len(type));
			return -1;
		}
		off += elen;
	}
	return 0;
}

/* Per-entry warnings are capped per kind: a server that lists all of its
 * 256 CPUs twice (type 0 and type 9) should cost a few lines, not 256.
 * The first MADT_WARN_MAX of each kind are logged, then one count. */
#define MADT_WARN_MAX 4

enum madt_warn {
	MADT_WARN_REPEAT,    /* APIC id seen before */
	MADT_WARN_BAD_ID,    /* usable entry with the broadcast id */
	MADT_WARN_FLAGS,     /* reserved MPS INTI polarity/trigger */
	MADT_WARN_LINT,	     /* NMI on a pin the LAPIC does not have */
	MADT_WARN_KINDS
};

static const char *const madt_warn_more[MADT_WARN_KINDS] = {
	[MADT_WARN_REPEAT] = "CPU entries repeat an APIC id; ignored",
	[MADT_WARN_BAD_ID] = "usable CPU entries have id 0xffffffff; ignored",
	[MADT_WARN_FLAGS] = "entries have reserved polarity/trigger flags",
	[MADT_WARN_LINT] = "NMI entries name a LINT pin above 1; ignored",
};

/* What the commit pass counts, for one line each at the end instead of a
 * line per entry. */
struct madt_counts {
	bool online_capable_defined; /* MADT revision 5 or later */
	int unusable;	 /* neither enabled nor online-capable */
	bool ioapic_full, override_full, nmi_full;
	int warned[MADT_WARN_KINDS];
};

/* Count a warning of this kind; true if it is still to be logged. */
static bool warn_once_more(struct madt_counts *c, enum madt_warn kind)
{
	return c->warned[kind]++ < MADT_WARN_MAX;
}

static void add_cpu(const struct acpi_parser *p, struct acpi_madt *m,
		    struct madt_counts *c, uint32_t off, uint8_t type,
		    uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	bool enabled = flags & LAPIC_ENABLED;
	/* Online Capable only means something when Enabled is clear
	 * (5.2.12.2); an enabled CPU is simply present. Before MADT
	 * revision 5 (ACPI 6.3) the bit is reserved and firmware may have
	 * left anything there. */
	bool online_capable = !enabled && c->online_capable_defined &&
			      (flags & LAPIC_ONLINE_CAPABLE);

	if (!enabled && !online_capable) {
		c->unusable++;
		return;
	}
	if (apic_id == X2APIC_ID_NONE) {
		if (warn_once_more(c, MADT_WARN_BAD_ID))
			acpi_logf(p,
				  "acpi: APIC: CPU entry at offset 0x%x (type "
				  "%u) is usable but has APIC id 0x%x; ignored",
				  off, type, apic_id);
		return;
	}
	/* Firmware often lists a CPU twice, as type 0 and as type 9; the
	 * first entry wins, unless it was only online-capable and this one
	 * is enabled: keeping the slot would leave a present CPU unstarted.
	 * Comparing against kept CPUs only is enough: anything past
	 * ACPI_MAX_CPUS is only counted. */
	for (int i = 0; i < m->ncpus; i++) {
		if (m->cpu[i].apic_id == apic_id && enabled &&
		    !m->cpu[i].enabled) {
			if (warn_once_more(c, MADT_WARN_REPEAT))
				acpi_logf(p, "acpi: APIC: CPU entry at offset "
					  "0x%x (type %u) enables APIC id %u, "
					  "listed before as online-capable; "
					  "the enabled entry is kept",
					  off, type, apic_id);
			m->cpu[i] = (struct acpi_cpu){
				.apic_id = apic_id,
				.acpi_uid = uid,
				.enabled = true,
				.from_x2apic_entry =
					type == MADT_TYPE_LOCAL_X2APIC,
			};
			return;
		}
		if (m->cpu[i].apic_id == apic_id) {
			if (warn_once_more(c, MADT_WARN_REPEAT))
				acpi_logf(p, "acpi: APIC: CPU entry at offset "
					  "0x%x (type %u) repeats APIC id %u; "
					  "ignored", off, type, apic_id);
			return;
		}
	}
	if (m->ncpus == ACPI_MAX_CPUS) {
		m->ncpus_dropped++;
		return;
	}
	m->cpu[m->ncpus++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.acpi_uid = uid,
		.enabled = enabled,
		.online_capable = online_capable,
		.from_x2apic_entry = type == MADT_TYPE_LOCAL_X2APIC,
	};
}

/* Polarity and trigger from MPS INTI flags. "Conforming" means the bus
 * default, and ISA (the only bus MADT overrides and LINT NMIs use) is
 * active-high, edge-triggered; reserved values get the same default.
 * Returns false if either field held the reserved value. */
static bool inti_decode(uint16_t flags, bool *active_low, bool *level)
{
	*active_low = INTI_POLARITY(flags) == INTI_POLARITY_LOW;
	*level = INTI_TRIGGER(flags) == INTI_TRIGGER_LEVEL;
	return INTI_POLARITY(flags) != INTI_RESERVED &&
	       INTI_TRIGGER(flags) != INTI_RESERVED;
}

static void add_ioapic(const struct acpi_parser *p, struct acpi_madt *m,
		       struct madt_counts *c, const uint8_t *e)
{
	if (m->nioapics == ACPI_MAX_IOAPICS) {
		if (!c->ioapic_full)
			acpi_logf(p, "acpi: APIC: more than %d I/O APICs; the "
				  "rest are ignored", ACPI_MAX_IOAPICS);
		c->ioapic_full = true;
		return;
	}
	m->ioapic[m->nioapics++] = (struct acpi_ioapic){
		.id = e[2],
		.phys = acpi_rd32(e + 4),
		.gsi_base = acpi_rd32(e + 8),
	};
}

static void add_override(const struct acpi_parser *p, struct acpi_madt *m,
			 struct madt_counts *c, uint32_t off, const uint8_t *e)
{
	struct acpi_override o = {
		.bus = e[2],
		.source_irq = e[3],
		.gsi = acpi_rd32(e + 4),
		.raw_flags = acpi_rd16(e + 8),
	};

	if (!inti_decode(o.raw_flags, &o.active_low, &o.level_triggered) &&
	    warn_once_more(c, MADT_WARN_FLAGS))
		acpi_logf(p, "acpi: APIC: override at offset 0x%x (IRQ %u) has "
			  "reserved flags 0x%x; using the ISA default for them",
			  off, o.source_irq, o.raw_flags);
	if (m->noverrides == ACPI_MAX_OVERRIDES) {
		if (!c->override_full)
			acpi_logf(p, "acpi: APIC: more than %d interrupt "
				  "overrides; the rest are ignored",
				  ACPI_MAX_OVERRIDES);
		c->override_full = true;
		return;
	}
	m->override[m->noverrides++] = o;
}

static void add_nmi(const struct acpi_parser *p, struct acpi_madt *m,
		    struct madt_counts *c, uint32_t off, uint8_t type,
		    uint32_t uid, uint16_t flags, uint8_t lint)
{
	struct acpi_nmi n = { .acpi_uid = uid, .lint = lint };

	/* The kernel programs LVT_LINTn from this; any other pin number
	 * would select a different LVT register. */
	if (lint > LAPIC_LINT_MAX) {
		if (warn_once_more(c, MADT_WARN_LINT))
			acpi_logf(p, "acpi: APIC: NMI entry at offset 0x%x "
				  "(type %u) names LINT%u; ignored",
				  off, type, lint);
		return;
	}
	if (!inti_decode(flags, &n.active_low, &n.level_triggered) &&
	    warn_once_more(c, MADT_WARN_FLAGS))
		acpi_logf(p, "acpi: APIC: NMI entry at offset 0x%x (type %u) "
			  "has reserved flags 0x%x; using active-high edge "
			  "for them", off, type, flags);
	if (m->nnmis == ACPI_MAX_NMIS) {
		if (!c->nmi_full)
			acpi_logf(p, "acpi: APIC: more than %d NMI entries; "
				  "the rest are ignored", ACPI_MAX_NMIS);
		c->nmi_full = true;
		return;
	}
	m->nmi[m->nnmis++] = n;
}

/* Pass 2: decode. madt_check() has vouched for every entry's length. */
static void madt_commit(const struct acpi_parser *p, const uint8_t *t,
			uint32_t len, struct acpi_madt *m)
{
	struct madt_counts c = {
		.online_capable_defined = t[ACPI_HDR_REVISION] >= 5,
	};

	m->lapic_phys = acpi_rd32(t + MADT_LAPIC_ADDR);
	m->pcat_compat = acpi_rd32(t + MADT_FLAGS) & MADT_PCAT_COMPAT;
	for (uint32_t off = MADT_ENTRIES; off < len; off += t[off + 1]) {
		const uint8_t *e = t + off;

		switch (e[0]) {
		case MADT_TYPE_LOCAL_APIC:
			if (e[3] != XAPIC_ID_NONE)
				add_cpu(p, m, &c, off, e[0], e[3], e[2],
					acpi_rd32(e + 4));
			break;
		case MADT_TYPE_LOCAL_X2APIC:
			add_cpu(p, m, &c, off, e[0], acpi_rd32(e + 4),
				acpi_rd32(e + 12), acpi_rd32(e + 8));
			break;
		case MADT_TYPE_IOAPIC:
			add_ioapic(p, m, &c, e);
			break;
		case MADT_TYPE_OVERRIDE:
			add_override(p, m, &c, off, e);
			break;
		case MADT_TYPE_LOCAL_APIC_NMI:
			add_nmi(p, m, &c, off, e[0],
				e[2] == NMI_UID_ALL_XAPIC ? NMI_UID_ALL : e[2],
				acpi_rd16(e + 3), e[5]);
			break;
		case MADT_TYPE_LOCAL_X2APIC_NMI:
			add_nmi(p, m, &c, off, e[0], acpi_rd32(e + 4),
				acpi_rd16(e + 2), e[8]);
			break;
		case MADT_TYPE_LAPIC_ADDR:
			/* 64-bit address that replaces the 32-bit one in
			 * the header (5.2.12.8). */
			m->lapic_phys = acpi_rd64(e + 4);
			break;
		default:
			break;
		}
	}
	for (int k = 0; k < MADT_WARN_KINDS; k++)
		if (c.warned[k] > MADT_WARN_MAX)
			acpi_logf(p, "acpi: APIC: %d more %s",
				  c.warned[k] - MADT_WARN_MAX,
				  madt_warn_more[k]);
	if (c.unusable)
		acpi_logf(p, "acpi: APIC: %d processor entries are neither "
			  "enabled nor online-capable; skipped", c.unusable);
	if (m->ncpus_dropped)
		acpi_logf(p, "acpi: APIC: %d usable CPU entries beyond the "
			  "first %d were counted but not kept",
			  m->ncpus_dropped, ACPI_MAX_CPUS);
	m->present = true;
}

void acpi_madt_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_madt *out)
{
	if (madt_check(p, t, len) < 0)
		return;
	madt_commit(p, t, len, out);
}

uint32_t acpi_madt_max_apic_id(const struct acpi_madt *m)
{
	uint32_t max = 0;

	for (int i = 0; i < m->ncpus; i++)
		if (m->cpu[i].enabled && m->cpu[i].apic_id > max)
			max = m->cpu[i].apic_id;
	return max;
}
