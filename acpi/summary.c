// SPDX-License-Identifier: MIT
/*
 * The boot-log summary of what acpi_parse() found (see acpi.h).
 *
 * Written for someone reading a serial log from a machine they cannot
 * touch: every table with its address and OEM, then the decoded MADT,
 * HPET and FADT in the same words docs/acpi.md uses. Lists (CPUs,
 * overrides, NMIs) are packed several to a line so a 64-CPU machine still
 * fits on a screen; items are never split across lines.
 */
#include "acpi_internal.h"

#include <stdarg.h>

#include "../kernel/lib/printf.h"
#include "../kernel/lib/string.h"

#define ITEM_MAX 64
#define GAS_PCI_CONFIG 2 /* ACPI 6.5 5.2.3.2, address space ids */

/* A log line that fills up with items and goes out when the next would
 * not fit. */
struct line {
	const struct acpi_parser *p;
	const char *head;
	char buf[ACPI_LOG_LINE_MAX];
	size_t len;
	int items;
};

static void line_flush(struct line *l)
{
	if (l->items)
		acpi_logf(l->p, "%s", l->buf);
	l->items = 0;
	l->len = 0;
}

static void line_item(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line_item(struct line *l, const char *fmt, ...)
{
	char item[ITEM_MAX];
	va_list ap;

	va_start(ap, fmt);
	k_vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	size_t n = strlen(item);

	if (l->items && l->len + 2 + n >= sizeof(l->buf))
		line_flush(l);
	if (l->items == 0) {
		int h = k_snprintf(l->buf, sizeof(l->buf), "%s ", l->head);
		l->len = h > 0 ? (size_t)h : 0;
	} else {
		memcpy(l->buf + l->len, ", ", 2);
		l->len += 2;
	}
	if (l->len + n >= sizeof(l->buf))
		n = sizeof(l->buf) - 1 - l->len;
	memcpy(l->buf + l->len, item, n);
	l->len += n;
	l->buf[l->len] = 0;
	l->items++;
}

static const char *space_name(uint8_t space)
{
	switch (space) {
	case ACPI_GAS_MEMORY:
		return "memory";
	case ACPI_GAS_IO:
		return "I/O";
	case GAS_PCI_CONFIG:
		return "PCI config";
	default:
		return "unknown space";
	}
}

static const char *polarity(bool active_low)
{
	return active_low ? "low" : "high";
}

static const char *trigger(bool level)
{
	return level ? "level" : "edge";
}

static void summary_tables(const struct acpi_parser *p,
			   const struct acpi_info *info)
{
	acpi_logf(p, "acpi: RSDP at 0x%llx, revision %u; root table %s",
		  (unsigned long long)info->rsdp_phys, info->rsdp_revision,
		  info->xsdt_used ? "XSDT" : "RSDT");
	for (int i = 0; i < info->ntables && i < ACPI_MAX_TABLES; i++) {
		const struct acpi_table_ref *t = &info->table[i];
		acpi_logf(p, "acpi: %-4s at 0x%llx len 0x%x rev %u %s %s%s",
			  t->sig, (unsigned long long)t->phys, t->length,
			  t->revision, t->oem_id, t->oem_table_id,
			  t->valid ? "" : " REJECTED");
	}
}

static void summary_madt(const struct acpi_parser *p, const struct acpi_madt *m)
{
	int enabled = 0;
	struct line l = { .p = p };

	if (!m->present) {
		acpi_logf(p, "acpi: no MADT");
		return;
	}
	for (int i = 0; i < m->ncpus && i < ACPI_MAX_CPUS; i++)
		enabled += m->cpu[i].enabled;
	acpi_logf(p, "acpi: MADT: local APIC at 0x%llx, %s; %d CPUs (%d "
		  "enabled, %d online-capable, %d not kept), %d I/O APICs, %d "
		  "overrides, %d NMIs",
		  (unsigned long long)m->lapic_phys,
		  m->pcat_compat ? "8259 PICs present" : "no 8259 PICs",
		  m->ncpus, enabled, m->ncpus - enabled, m->ncpus_dropped,
		  m->nioapics, m->noverrides, m->nnmis);

	/* #n is the MADT order, not the kernel's cpu number: the BSP need
	 * not be listed first. */
	l.head = "acpi: CPUs:";
	for (int i = 0; i < m->ncpus && i < ACPI_MAX_CPUS; i++) {
		const struct acpi_cpu *c = &m->cpu[i];
		line_item(&l, "#%d apic %u uid %u%s%s", i, c->apic_id,
			  c->acpi_uid, c->from_x2apic_entry ? " x2apic" : "",
			  c->enabled ? "" : " hotplug");
	}
	line_flush(&l);

	for (int i = 0; i < m->nioapics && i < ACPI_MAX_IOAPICS; i++)
		acpi_logf(p, "acpi: I/O APIC id %u at 0x%llx, GSI base %u",
			  m->ioapic[i].id,
			  (unsigned long long)m->ioapic[i].phys,
			  m->ioapic[i].gsi_base);

	l.head = "acpi: overrides:";
	for (int i = 0; i < m->noverrides && i < ACPI_MAX_OVERRIDES; i++) {
		const struct acpi_override *o = &m->override[i];
		if (o->bus == 0)
			line_item(&l, "IRQ%u->GSI%u %s %s", o->source_irq,
				  o->gsi, polarity(o->active_low),
				  trigger(o->level_triggered));
		else
			line_item(&l, "bus %u IRQ%u->GSI%u %s %s", o->bus,
				  o->source_irq, o->gsi,
				  polarity(o->active_low),
				  trigger(o->level_triggered));
	}
	line_flush(&l);

	l.head = "acpi: NMIs:";
	for (int i = 0; i < m->nnmis && i < ACPI_MAX_NMIS; i++) {
		const struct acpi_nmi *n = &m->nmi[i];
		if (n->acpi_uid == 0xffffffffu)
			line_item(&l, "all CPUs LINT%u %s %s", n->lint,
				  polarity(n->active_low),
				  trigger(n->level_triggered));
		else
			line_item(&l, "uid %u LINT%u %s %s", n->acpi_uid,
				  n->lint, polarity(n->active_low),
				  trigger(n->level_triggered));
	}
	line_flush(&l);
}

static void summary_hpet(const struct acpi_parser *p, const struct acpi_hpet *h)
{
	if (!h->present) {
		acpi_logf(p, "acpi: no HPET");
		return;
	}
	acpi_logf(p, "acpi: HPET %u at 0x%llx: %u comparators, %s counter, "
		  "min tick %u",
		  h->hpet_number, (unsigned long long)h->phys, h->comparators,
		  h->counter_64bit ? "64-bit" : "32-bit", h->min_tick);
}

/* Only when the tables are there: a machine without NUMA tables gets no
 * extra lines (the kernel's topology line says "no SRAT"). */
static void summary_numa(const struct acpi_parser *p, const struct acpi_info *i)
{
	const struct acpi_srat *s = &i->srat;
	const struct acpi_slit *d = &i->slit;
	struct line l = { .p = p };

	if (s->present) {
		uint32_t seen[8];
		int ndom = 0;
		bool more = false;
		/* Distinct domains, counted up to 8 (the line says "8+"). */
		for (int k = 0; k < s->ncpus + s->nmem; k++) {
			uint32_t pxm = k < s->ncpus ? s->cpu[k].pxm :
						      s->mem[k - s->ncpus].pxm;
			int j = 0;
			while (j < ndom && seen[j] != pxm)
				j++;
			if (j < ndom)
				continue;
			if (ndom == 8)
				more = true;
			else
				seen[ndom++] = pxm;
		}
		acpi_logf(p, "acpi: SRAT: %d CPUs, %d memory ranges in %d%s "
			  "domains; %d disabled entries", s->ncpus, s->nmem,
			  ndom, more ? "+" : "", s->ndisabled);
		l.head = "acpi: SRAT memory:";
		for (int k = 0; k < s->nmem && k < ACPI_MAX_SRAT_MEM; k++)
			line_item(&l, "[0x%llx-0x%llx) domain %u%s%s",
				  (unsigned long long)s->mem[k].base,
				  (unsigned long long)(s->mem[k].base +
						       s->mem[k].length),
				  s->mem[k].pxm,
				  s->mem[k].hotplug ? " hotplug" : "",
				  s->mem[k].nonvolatile ? " nv" : "");
		line_flush(&l);
	}
	if (d->present) {
		l.head = "acpi: SLIT:";
		line_item(&l, "%u localities%s", d->n,
			  d->symmetric ? "" : " (not symmetric)");
		for (uint32_t r = 0; r < d->n && r < ACPI_MAX_LOCALITIES; r++) {
			char row[ITEM_MAX];
			size_t n = 0;
			/* Long rows are cut: the full matrix is in the
			 * table dump (acpidump) when it matters. */
			for (uint32_t c = 0; c < d->n && n + 5 < sizeof(row); c++)
				n += (size_t)k_snprintf(row + n, sizeof(row) - n,
						"%s%u", c ? " " : "",
						d->dist[r * d->n + c]);
			line_item(&l, "%u: %s", r, row);
		}
		line_flush(&l);
	}
}

static void summary_fadt(const struct acpi_parser *p, const struct acpi_fadt *f)
{
	char timer[48], reset[64];

	if (!f->present) {
		acpi_logf(p, "acpi: no FADT");
		return;
	}
	if (f->pm_timer_port)
		k_snprintf(timer, sizeof(timer), "PM timer at port 0x%x (%s)",
			   f->pm_timer_port,
			   f->pm_timer_32bit ? "32-bit" : "24-bit");
	else
		k_snprintf(timer, sizeof(timer), "no PM timer");
	if (f->reset_supported)
		k_snprintf(reset, sizeof(reset), "reset %s 0x%llx <- 0x%x",
			   space_name(f->reset_reg.space_id),
			   (unsigned long long)f->reset_reg.address,
			   f->reset_value);
	else
		k_snprintf(reset, sizeof(reset), "no reset register");
	acpi_logf(p, "acpi: FADT: %s; %s; %s", timer, reset,
		  f->hw_reduced ? "hardware-reduced" : "not hardware-reduced");
}

static void pm1_name(char *dst, size_t size, const char *name,
		     const struct acpi_gas *g)
{
	if (g->address)
		k_snprintf(dst, size, "%s %s 0x%llx", name,
			   space_name(g->space_id),
			   (unsigned long long)g->address);
	else
		k_snprintf(dst, size, "no %s", name);
}

/* What power-off will use: the \_S5 values and the PM1 control blocks. */
static void summary_s5(const struct acpi_parser *p, const struct acpi_info *i)
{
	char s5[72], a[40], b[40];

	if (!i->fadt.present)
		return;
	if (i->s5.present)
		k_snprintf(s5, sizeof(s5), "\\_S5 in %s at offset 0x%x: "
			   "SLP_TYPa %u, SLP_TYPb %u", i->s5.table,
			   i->s5.offset, i->s5.slp_typa, i->s5.slp_typb);
	else
		k_snprintf(s5, sizeof(s5), "no usable \\_S5 package");
	pm1_name(a, sizeof(a), "PM1a_CNT", &i->fadt.pm1a_cnt);
	pm1_name(b, sizeof(b), "PM1b_CNT", &i->fadt.pm1b_cnt);
	acpi_logf(p, "acpi: power-off: %s; %s, %s", s5, a, b);
}

void acpi_log_summary(const struct acpi_info *info, acpi_log_fn log,
		      void *log_ctx)
{
	struct acpi_parser p = { NULL, log, log_ctx, false, false };

	if (!info || !log)
		return;
	summary_tables(&p, info);
	summary_madt(&p, &info->madt);
	summary_hpet(&p, &info->hpet);
	summary_fadt(&p, &info->fadt);
	summary_s5(&p, info);
	summary_numa(&p, info);
}
