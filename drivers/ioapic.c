// SPDX-License-Identifier: MIT
#include "ioapic.h"

#include "../kernel/log.h"
#include "../kernel/mm/ioremap.h"
#include "../kernel/spinlock.h"

/* Registers up to the EOI register at 0x40 (ICH/PCH IOAPICs). */
#define IOAPIC_MMIO_SIZE 0x100
#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_REDIR 0x10 /* + 2 * pin: low dword, then high */

#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

struct ioapic {
	volatile uint32_t *regs;
	uint32_t id, gsi_base, pins;
	uint64_t phys;
};

/* Registered during boot on the BSP (read-only afterwards). */
static struct ioapic ioapics[IOAPIC_MAX];
static int nioapics;
static struct isa_override overrides[ISA_IRQS];
static bool has_override[ISA_IRQS];

/* Protects: the IOREGSEL/IOWIN pairs of every IOAPIC (a select followed by
 * a data access must not interleave with another CPU's). Leaf lock. */
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");

static uint32_t rd(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void wr(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

int ioapic_add(uint32_t id, uint64_t phys, uint32_t gsi_base)
{
	if (nioapics == IOAPIC_MAX) {
		kprintf("ioapic: more than %d IOAPICs; id %u ignored", IOAPIC_MAX,
			id);
		return -1;
	}
	struct ioapic *io = &ioapics[nioapics];
	io->regs = ioremap(phys, IOAPIC_MMIO_SIZE, IOREMAP_UC);
	if (!io->regs) {
		kprintf("ioapic: id %u at %#lx: cannot map its registers; "
			"ignored", id, phys);
		return -1;
	}
	io->phys = phys;
	io->id = id;
	io->gsi_base = gsi_base;
	uint32_t ver = rd(io, REG_VERSION);
	if (ver == 0xffffffffu) {
		kprintf("ioapic: id %u at %#lx does not answer; ignored", id, phys);
		return -1;
	}
	io->pins = ((ver >> 16) & 0xff) + 1;
	for (uint32_t p = 0; p < io->pins; p++) {
		wr(io, REG_REDIR + 2 * p, REDIR_MASKED);
		wr(io, REG_REDIR + 2 * p + 1, 0);
	}
	nioapics++;
	kprintf("ioapic: id %u at %#lx, GSI %u-%u (%u pins, version %#x)", id,
		phys, gsi_base, gsi_base + io->pins - 1, io->pins, ver & 0xff);
	return (int)io->pins;
}

int ioapic_count(void)
{
	return nioapics;
}

void ioapic_add_override(const struct isa_override *o)
{
	if (o->irq >= ISA_IRQS)
		return;
	overrides[o->irq] = *o;
	has_override[o->irq] = true;
}

static struct ioapic *owner(uint32_t gsi)
{
	for (int i = 0; i < nioapics; i++)
		if (gsi >= ioapics[i].gsi_base &&
		    gsi < ioapics[i].gsi_base + ioapics[i].pins)
			return &ioapics[i];
	return 0;
}

int ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t dest_apic_id,
		     bool active_low, bool level)
{
	struct ioapic *io = owner(gsi);
	if (!io)
		return -1;
	uint32_t pin = gsi - io->gsi_base;
	uint32_t lo = vector | (active_low ? REDIR_ACTIVE_LOW : 0) |
		      (level ? REDIR_LEVEL : 0);
	uint64_t f = spin_lock_irqsave(&ioapic_lock);
	/* Destination first, while the pin is still masked. */
	wr(io, REG_REDIR + 2 * pin, REDIR_MASKED);
	wr(io, REG_REDIR + 2 * pin + 1, dest_apic_id << 24);
	wr(io, REG_REDIR + 2 * pin, lo);
	spin_unlock_irqrestore(&ioapic_lock, f);
	return 0;
}

int ioapic_mask_gsi(uint32_t gsi, bool masked)
{
	struct ioapic *io = owner(gsi);
	if (!io)
		return -1;
	uint32_t reg = REG_REDIR + 2 * (gsi - io->gsi_base);
	uint64_t f = spin_lock_irqsave(&ioapic_lock);
	uint32_t lo = rd(io, reg);
	wr(io, reg, masked ? lo | REDIR_MASKED : lo & ~REDIR_MASKED);
	spin_unlock_irqrestore(&ioapic_lock, f);
	return 0;
}

struct isa_override isa_irq_lookup(uint8_t irq)
{
	if (irq < ISA_IRQS && has_override[irq])
		return overrides[irq];
	return (struct isa_override){ irq, irq, false, false };
}

int isa_irq_route(uint8_t irq, uint8_t vector, uint32_t dest_apic_id)
{
	struct isa_override o = isa_irq_lookup(irq);
	if (ioapic_route_gsi(o.gsi, vector, dest_apic_id, o.active_low, o.level))
		return -1;
	return (int)o.gsi;
}
