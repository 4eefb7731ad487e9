// SPDX-License-Identifier: MIT
/*
 * `acpidump` boot option: print every ACPI table reachable from the RSDP in
 * the text format of the ACPICA `acpidump` tool, so a user with only a
 * serial cable can send us their machine's tables, and so the unit tests'
 * table images come from real firmware (tools/acpi-extract turns a serial
 * log back into binary tables; `acpixtract` from Debian's acpica-tools
 * reads it too).
 *
 * This walks the tables without trusting them: every length is checked
 * against the direct map before a byte is read. It deliberately does not
 * use acpi/'s parsers: a dump must work even when parsing would reject the
 * tables, which is exactly when it is needed.
 */
#include "acpidump.h"

#include "boot_info.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log.h"
#include "mm/layout.h"
#include "mm/vmm.h"

#define ACPI_HEADER_LEN 36
#define ACPI_MAX_TABLE_LEN (4u << 20) /* no sane table is bigger */
#define DUMP_MAX_TABLES 64
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

static const struct boot_info *bi;

static const uint8_t *map(uint64_t phys, uint64_t len)
{
	if (phys == 0 || len > bi->direct_map_size ||
	    phys > bi->direct_map_size - len)
		return 0;
	/* Not inside the framebuffer's unmapped direct-map alias. */
	if (!vmm_direct_mapped(phys, len))
		return 0;
	return phys_to_virt(phys);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* One table in acpidump layout: "SSDT @ 0xADDR", then 16 bytes per line
 * with offset, hex and ASCII, then a blank line. */
static void dump(const char *sig, uint64_t phys, const uint8_t *t, uint32_t len)
{
	char line[96];
	kprintf("acpidump: %.4s @ 0x%016lx", sig, phys);
	for (uint32_t off = 0; off < len; off += 16) {
		int n = k_snprintf(line, sizeof(line), "  %04X:", off);
		for (uint32_t i = 0; i < 16; i++)
			n += off + i < len ?
				     k_snprintf(line + n, sizeof(line) - n, " %02X",
						t[off + i]) :
				     k_snprintf(line + n, sizeof(line) - n, "   ");
		n += k_snprintf(line + n, sizeof(line) - n, "  ");
		for (uint32_t i = 0; i < 16 && off + i < len; i++) {
			uint8_t c = t[off + i];
			line[n++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		line[n] = 0;
		kprintf("acpidump: %s", line);
	}
	kprintf("acpidump:");
}

static void dump_table(uint64_t phys)
{
	const uint8_t *h = map(phys, ACPI_HEADER_LEN);
	if (!h) {
		kprintf("acpidump: table at %#lx is outside memory; skipped", phys);
		return;
	}
	uint32_t len = le32(h + 4);
	const uint8_t *t = len >= ACPI_HEADER_LEN && len <= ACPI_MAX_TABLE_LEN ?
				   map(phys, len) :
				   0;
	if (!t) {
		kprintf("acpidump: %.4s at %#lx has impossible length %u; skipped",
			(const char *)h, phys, len);
		return;
	}
	dump((const char *)h, phys, t, len);
	/* The FADT points at the DSDT and FACS, which no root table lists. */
	if (memcmp(h, "FACP", 4) == 0) {
		uint64_t dsdt = len >= 148 ? le64(t + 140) : 0;
		if (!dsdt && len >= 44)
			dsdt = le32(t + 40);
		if (dsdt)
			dump_table(dsdt);
		uint64_t facs = len >= 140 ? le64(t + 132) : 0;
		if (!facs && len >= 40)
			facs = le32(t + 36);
		const uint8_t *f = facs ? map(facs, 8) : 0;
		if (f && memcmp(f, "FACS", 4) == 0 && le32(f + 4) <= 4096 &&
		    map(facs, le32(f + 4)))
			dump("FACS", facs, map(facs, le32(f + 4)), le32(f + 4));
	}
}

void acpidump(const struct boot_info *boot)
{
	bi = boot;
	const uint8_t *rsdp = map(bi->acpi_rsdp, RSDP_V1_LEN);
	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) != 0) {
		kprintf("acpidump: no RSDP");
		return;
	}
	int v2 = rsdp[15] >= 2 && map(bi->acpi_rsdp, RSDP_V2_LEN);
	kprintf("acpidump: begin (RSDP revision %u)", rsdp[15]);
	dump("RSDP", bi->acpi_rsdp, rsdp, v2 ? RSDP_V2_LEN : RSDP_V1_LEN);
	uint64_t root = v2 ? le64(rsdp + 24) : 0;
	int entry = 8;
	if (!root) {
		root = le32(rsdp + 16);
		entry = 4;
	}
	const uint8_t *h = map(root, ACPI_HEADER_LEN);
	uint32_t len = h ? le32(h + 4) : 0;
	const uint8_t *t = len >= ACPI_HEADER_LEN && len <= ACPI_MAX_TABLE_LEN ?
				   map(root, len) :
				   0;
	if (!t) {
		kprintf("acpidump: root table at %#lx unreadable", root);
		return;
	}
	dump(entry == 8 ? "XSDT" : "RSDT", root, t, len);
	int n = (int)((len - ACPI_HEADER_LEN) / entry);
	if (n > DUMP_MAX_TABLES)
		n = DUMP_MAX_TABLES;
	for (int i = 0; i < n; i++) {
		const uint8_t *e = t + ACPI_HEADER_LEN + i * entry;
		dump_table(entry == 8 ? le64(e) : le32(e));
	}
	kprintf("acpidump: end");
}
