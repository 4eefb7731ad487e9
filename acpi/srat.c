// SPDX-License-Identifier: MIT
/*
 * SRAT ("SRAT"), the System Resource Affinity Table, ACPI 6.5 5.2.16:
 * which proximity domain (NUMA node, in the kernel's words) each processor
 * and each memory range belongs to.
 *
 * Same two passes as madt.c: srat_check() walks the entry headers and
 * refuses the whole table at the first malformed entry (zero length, past
 * the end, shorter than its type needs), writing nothing; srat_commit()
 * then decodes, and cannot fail. A refused SRAT leaves present == false,
 * which the kernel reads as "one node" (docs/acpi.md).
 *
 * Decoded types: 0 processor local APIC/SAPIC affinity (5.2.16.1),
 * 1 memory affinity (5.2.16.2), 2 processor local x2APIC affinity
 * (5.2.16.3). Others (GICC, GIC ITS, generic initiator and port
 * affinity) are legal and skipped by their length. Entries whose Enabled
 * flag is clear "must be ignored by OSPM" (the spec's words): only
 * counted. A CPU listed twice keeps its first domain, with a warning.
 */
#include "acpi_internal.h"

/* Layout after the common header: 4 bytes "reserved, must be 1" (the
 * table revision of SRAT 1.0) and 8 reserved bytes. */
#define SRAT_ENTRIES 48
#define SRAT_ENTRY_HEADER 2

#define SRAT_TYPE_LAPIC 0
#define SRAT_TYPE_MEMORY 1
#define SRAT_TYPE_X2APIC 2

/* Type 0: domain bits 7:0 at 2, APIC id at 3, flags at 4, SAPIC EID at
 * 8, domain bits 31:8 at 9..11. */
#define SRAT_LAPIC_PXM_LO 2
#define SRAT_LAPIC_APIC_ID 3
#define SRAT_LAPIC_FLAGS 4
#define SRAT_LAPIC_PXM_HI 9
#define SRAT_LAPIC_LEN 16
/* Type 1: domain at 2, base at 8, length at 16, flags at 28. */
#define SRAT_MEM_PXM 2
#define SRAT_MEM_BASE 8
#define SRAT_MEM_LENGTH 16
#define SRAT_MEM_FLAGS 28
#define SRAT_MEM_LEN 40
/* Type 2: domain at 4, x2APIC id at 8, flags at 12. */
#define SRAT_X2APIC_PXM 4
#define SRAT_X2APIC_ID 8
#define SRAT_X2APIC_FLAGS 12
#define SRAT_X2APIC_LEN 24

/* Revision 1 (ACPI 2.0) had one-byte domains: type 0's bytes 9-11 and
 * the three bytes after a memory entry's domain were reserved. Only from
 * revision 2 (ACPI 3.0) are they the domain's upper bits; old firmware
 * may leave anything in them (Linux masks them too). */
#define SRAT_REV_32BIT_DOMAIN 2
#define SRAT_DOMAIN_8BIT 0xffu

#define SRAT_ENABLED (1u << 0)
#define SRAT_MEM_HOTPLUG (1u << 1)
#define SRAT_MEM_NONVOLATILE (1u << 2)

/* Repeated-CPU warnings are capped as the MADT's are. */
#define SRAT_WARN_MAX 4

static uint8_t entry_min_len(uint8_t type)
{
	switch (type) {
	case SRAT_TYPE_LAPIC:
		return SRAT_LAPIC_LEN;
	case SRAT_TYPE_MEMORY:
		return SRAT_MEM_LEN;
	case SRAT_TYPE_X2APIC:
		return SRAT_X2APIC_LEN;
	default:
		return 0;
	}
}

/* Pass 1: is every entry well formed? Writes nothing. */
static int srat_check(const struct acpi_parser *p, const uint8_t *t,
		      uint32_t len)
{
	if (len < SRAT_ENTRIES) {
		acpi_logf(p, "acpi: SRAT: length 0x%x is shorter than the "
			  "48-byte SRAT header", len);
		return -1;
	}
	for (uint32_t off = SRAT_ENTRIES; off < len;) {
		uint8_t type = t[off];

		if (len - off < SRAT_ENTRY_HEADER || t[off + 1] > len - off) {
			acpi_logf(p, "acpi: SRAT: entry at offset 0x%x (type %u) "
				  "runs past the end of the table (length 0x%x)",
				  off, type, len);
			return -1;
		}
		uint8_t elen = t[off + 1];
		/* Zero would loop forever; one is not even the header. */
		if (elen < SRAT_ENTRY_HEADER) {
			acpi_logf(p, "acpi: SRAT: entry at offset 0x%x (type %u) "
				  "has length %u", off, type, elen);
			return -1;
		}
		if (elen < entry_min_len(type)) {
			acpi_logf(p, "acpi: SRAT: entry at offset 0x%x (type %u) "
				  "has length %u; the type needs %u", off, type,
				  elen, entry_min_len(type));
			return -1;
		}
		off += elen;
	}
	return 0;
}

struct srat_counts {
	int repeats;
};

static void add_cpu(const struct acpi_parser *p, struct acpi_srat *s,
		    struct srat_counts *c, uint32_t off, uint8_t type,
		    uint32_t apic_id, uint32_t pxm)
{
	/* Only kept entries are compared: past ACPI_MAX_CPUS the kernel
	 * has no CPU to place anyway. */
	for (int i = 0; i < s->ncpus; i++) {
		if (s->cpu[i].apic_id != apic_id)
			continue;
		if (c->repeats++ < SRAT_WARN_MAX)
			acpi_logf(p, "acpi: SRAT: entry at offset 0x%x (type %u) "
				  "repeats APIC id %u (domain %u); the first "
				  "(domain %u) is kept", off, type, apic_id, pxm,
				  s->cpu[i].pxm);
		return;
	}
	if (s->ncpus == ACPI_MAX_CPUS) {
		s->ncpus_dropped++;
		return;
	}
	s->cpu[s->ncpus++] = (struct acpi_srat_cpu){
		.apic_id = apic_id,
		.pxm = pxm,
		.from_x2apic_entry = type == SRAT_TYPE_X2APIC,
	};
}

static void add_mem(struct acpi_srat *s, const uint8_t *e, uint32_t pxm_mask)
{
	uint32_t flags = acpi_rd32(e + SRAT_MEM_FLAGS);
	uint64_t length = acpi_rd64(e + SRAT_MEM_LENGTH);

	/* Firmware pads the table with zero-length enabled ranges (QEMU
	 * did, for the hole below 1 MiB); they describe nothing. */
	if (length == 0)
		return;
	if (s->nmem == ACPI_MAX_SRAT_MEM) {
		s->nmem_dropped++;
		return;
	}
	s->mem[s->nmem++] = (struct acpi_srat_mem){
		.base = acpi_rd64(e + SRAT_MEM_BASE),
		.length = length,
		.pxm = acpi_rd32(e + SRAT_MEM_PXM) & pxm_mask,
		.hotplug = flags & SRAT_MEM_HOTPLUG,
		.nonvolatile = flags & SRAT_MEM_NONVOLATILE,
	};
}

/* Pass 2: decode; srat_check() has vouched for every length. */
static void srat_commit(const struct acpi_parser *p, const uint8_t *t,
			uint32_t len, struct acpi_srat *s)
{
	struct srat_counts c = { 0 };
	uint32_t pxm_mask = t[ACPI_HDR_REVISION] < SRAT_REV_32BIT_DOMAIN ?
				    SRAT_DOMAIN_8BIT :
				    0xffffffffu;

	s->present = true;
	for (uint32_t off = SRAT_ENTRIES; off < len; off += t[off + 1]) {
		const uint8_t *e = t + off;

		switch (e[0]) {
		case SRAT_TYPE_LAPIC:
			if (!(acpi_rd32(e + SRAT_LAPIC_FLAGS) & SRAT_ENABLED)) {
				s->ndisabled++;
				break;
			}
			add_cpu(p, s, &c, off, e[0], e[SRAT_LAPIC_APIC_ID],
				(e[SRAT_LAPIC_PXM_LO] |
				 (uint32_t)e[SRAT_LAPIC_PXM_HI] << 8 |
				 (uint32_t)e[SRAT_LAPIC_PXM_HI + 1] << 16 |
				 (uint32_t)e[SRAT_LAPIC_PXM_HI + 2] << 24) &
					pxm_mask);
			break;
		case SRAT_TYPE_X2APIC:
			if (!(acpi_rd32(e + SRAT_X2APIC_FLAGS) & SRAT_ENABLED)) {
				s->ndisabled++;
				break;
			}
			add_cpu(p, s, &c, off, e[0], acpi_rd32(e + SRAT_X2APIC_ID),
				acpi_rd32(e + SRAT_X2APIC_PXM));
			break;
		case SRAT_TYPE_MEMORY:
			if (!(acpi_rd32(e + SRAT_MEM_FLAGS) & SRAT_ENABLED)) {
				s->ndisabled++;
				break;
			}
			add_mem(s, e, pxm_mask);
			break;
		default:
			break;
		}
	}
	if (c.repeats > SRAT_WARN_MAX)
		acpi_logf(p, "acpi: SRAT: %d more entries repeat an APIC id; "
			  "ignored", c.repeats - SRAT_WARN_MAX);
	if (s->ncpus_dropped)
		acpi_logf(p, "acpi: SRAT: %d more CPU entries than the %d kept; "
			  "those CPUs get no domain", s->ncpus_dropped,
			  ACPI_MAX_CPUS);
	if (s->nmem_dropped)
		acpi_logf(p, "acpi: SRAT: %d more memory ranges than the %d "
			  "kept; ignored", s->nmem_dropped, ACPI_MAX_SRAT_MEM);
}

void acpi_srat_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_srat *out)
{
	if (srat_check(p, t, len) < 0)
		return;
	srat_commit(p, t, len, out);
}

int64_t acpi_srat_pxm_of(const struct acpi_srat *s, uint32_t apic_id)
{
	if (!s->present)
		return -1;
	for (int i = 0; i < s->ncpus; i++)
		if (s->cpu[i].apic_id == apic_id)
			return s->cpu[i].pxm;
	return -1;
}
