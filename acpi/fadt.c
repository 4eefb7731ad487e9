// SPDX-License-Identifier: MIT
/*
 * FADT ("FACP"), ACPI 6.5 5.2.9: where the PM timer, the PM1 control
 * blocks, the reset register, the SMI command port and the DSDT are, and
 * the fixed feature flags.
 *
 * The FADT has grown with every ACPI revision and firmware still ships old
 * layouts: QEMU's i440fx ("pc") machine publishes the 116-byte ACPI 1.0
 * FADT, q35 a 244-byte one, current PCs 276 bytes. A field is read only if
 * the table's length covers it; the revision byte is not trusted for
 * that. Where ACPI 2.0 added a 64-bit X_ field next to a 32-bit one, the
 * X_ field wins when present and non-zero: 5.2.9 has a usable non-zero
 * X_ field supersede its 32-bit twin.
 */
#include "acpi_internal.h"

/* Field offsets (5.2.9, FADT format). */
#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM1B_CNT_BLK 68
#define FADT_PM_TMR_BLK 76
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM1B_CNT_BLK 184
#define FADT_X_PM_TMR_BLK 208

#define FADT_V1_LEN 116 /* ACPI 1.0: everything up to and including Flags */
#define GAS_LEN 12

/* Fixed feature flags (the FADT Flags field, 5.2.9). */
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)

/* x86 I/O ports are 16 bits wide. */
#define IO_PORT_MAX 0xffffu

/* Does a table of length len contain the size bytes at off? */
static bool covers(uint32_t len, uint32_t off, uint32_t size)
{
	return off <= len && size <= len - off;
}

static struct acpi_gas gas_read(const uint8_t *g)
{
	return (struct acpi_gas){
		.space_id = g[0],
		.bit_width = g[1],
		.bit_offset = g[2],
		.access_size = g[3],
		.address = acpi_rd64(g + 4),
	};
}

/*
 * An I/O port block from the X_ GAS at x_off if the table has one that is
 * set, else from the legacy 32-bit field at off. An X_ block outside
 * system I/O space (or past port 0xffff) is not one we can use with
 * in/out; then the legacy field is the only hope, and we say so.
 */
static uint32_t io_block(const struct acpi_parser *p, const uint8_t *t,
			 uint32_t len, uint32_t off, uint32_t x_off,
			 const char *name)
{
	uint32_t legacy = acpi_rd32(t + off);

	if (covers(len, x_off, GAS_LEN)) {
		struct acpi_gas g = gas_read(t + x_off);
		if (g.address != 0 && g.space_id == ACPI_GAS_IO &&
		    g.address <= IO_PORT_MAX)
			return (uint32_t)g.address;
		if (g.address != 0)
			acpi_logf(p, "acpi: FACP: X_%s is at 0x%llx in address "
				  "space %u, not an I/O port; using %s 0x%x",
				  name, (unsigned long long)g.address,
				  g.space_id, name, legacy);
	}
	if (legacy > IO_PORT_MAX) {
		acpi_logf(p, "acpi: FACP: %s 0x%x is not an I/O port; ignored",
			  name, legacy);
		return 0;
	}
	return legacy;
}

/*
 * A PM1 control block (4.8.3.2.1). Unlike the PM timer it may live in
 * memory space when X_PM1x_CNT_BLK says so (the kernel can write
 * memory), so the X_ GAS is kept whole when it is I/O (port <= 0xffff)
 * or memory; any other space falls back to the legacy I/O port, with a
 * line. Address 0 means there is no such block (PM1b is optional).
 */
static struct acpi_gas pm1_block(const struct acpi_parser *p,
				 const uint8_t *t, uint32_t len, uint32_t off,
				 uint32_t x_off, const char *name)
{
	uint32_t legacy = acpi_rd32(t + off);
	struct acpi_gas io = { .space_id = ACPI_GAS_IO, .bit_width = 16 };

	if (covers(len, x_off, GAS_LEN)) {
		struct acpi_gas g = gas_read(t + x_off);
		if (g.address != 0 &&
		    ((g.space_id == ACPI_GAS_IO && g.address <= IO_PORT_MAX) ||
		     g.space_id == ACPI_GAS_MEMORY))
			return g;
		if (g.address != 0)
			acpi_logf(p, "acpi: FACP: X_%s (space %u, 0x%llx) is "
				  "neither an I/O port nor memory; using %s "
				  "0x%x", name, g.space_id,
				  (unsigned long long)g.address, name, legacy);
	}
	if (legacy > IO_PORT_MAX) {
		acpi_logf(p, "acpi: FACP: %s 0x%x is not an I/O port; ignored",
			  name, legacy);
		legacy = 0;
	}
	io.address = legacy;
	return io;
}

void acpi_fadt_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_fadt *out)
{
	struct acpi_fadt f = { 0 };

	if (len < FADT_V1_LEN) {
		acpi_logf(p, "acpi: FACP: length 0x%x is shorter than the "
			  "116-byte ACPI 1.0 FADT", len);
		return;
	}
	f.flags = acpi_rd32(t + FADT_FLAGS);
	f.iapc_boot_arch = acpi_rd16(t + FADT_IAPC_BOOT_ARCH);
	f.hw_reduced = f.flags & FADT_HW_REDUCED_ACPI;
	f.pm_timer_32bit = f.flags & FADT_TMR_VAL_EXT;

	f.dsdt_phys = acpi_rd32(t + FADT_DSDT);
	if (covers(len, FADT_X_DSDT, 8) && acpi_rd64(t + FADT_X_DSDT) != 0)
		f.dsdt_phys = acpi_rd64(t + FADT_X_DSDT);

	/* Hardware-reduced platforms have no fixed PM hardware: OSPM must
	 * ignore these blocks (5.2.9, HW_REDUCED_ACPI), whatever they say. */
	if (!f.hw_reduced) {
		f.pm_timer_port = io_block(p, t, len, FADT_PM_TMR_BLK,
					   FADT_X_PM_TMR_BLK, "PM_TMR_BLK");
		f.pm1a_cnt = pm1_block(p, t, len, FADT_PM1A_CNT_BLK,
				       FADT_X_PM1A_CNT_BLK, "PM1a_CNT_BLK");
		f.pm1b_cnt = pm1_block(p, t, len, FADT_PM1B_CNT_BLK,
				       FADT_X_PM1B_CNT_BLK, "PM1b_CNT_BLK");
		f.smi_cmd = acpi_rd32(t + FADT_SMI_CMD);
		f.acpi_enable = t[FADT_ACPI_ENABLE];
		if (f.smi_cmd > IO_PORT_MAX) {
			acpi_logf(p, "acpi: FACP: SMI_CMD 0x%x is not an I/O "
				  "port; ignored", f.smi_cmd);
			f.smi_cmd = 0;
		}
	}

	/* RESET_REG arrived in ACPI 2.0; a 1.0 table cannot support it
	 * whatever its flags say. */
	if (covers(len, FADT_RESET_VALUE, 1)) {
		f.reset_reg = gas_read(t + FADT_RESET_REG);
		f.reset_value = t[FADT_RESET_VALUE];
		f.reset_supported = (f.flags & FADT_RESET_REG_SUP) &&
				    f.reset_reg.address != 0;
	}
	f.present = true;
	*out = f;
}
