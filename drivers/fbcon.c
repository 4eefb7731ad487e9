// SPDX-License-Identifier: MIT
/*
 * Screen console set-up and log output (see fbcon.h for the rules).
 */
#include "fbcon.h"

#include <stdatomic.h>
#include <stdint.h>

#include "../kernel/boot_info.h"
#include "../kernel/cpu.h"
#include "../kernel/lib/string.h"
#include "../kernel/log.h"
#include "../kernel/mm/ioremap.h"
#include "../kernel/mm/layout.h"
#include "../kernel/mm/pmm.h"
#include "../kernel/mm/vmm.h"
#include "../kernel/time.h"
#include "tsc.h"
#include "fbcon_core.h"

#define EARLY_MAX (16 * 1024)
/* Writes closer together than this are a burst (a boot log, a command's
 * listing): the screen then scrolls half a screen at a time, so one copy
 * of the screen serves rows/2 lines instead of one. Typing and slow
 * output still scroll a row at a time. */
#define BURST_NS (10 * 1000 * 1000)

enum { FBCON_EARLY, FBCON_ON, FBCON_OFF };

/* The screen's state. Set up by console_setup (boot CPU, alone); from
 * then on read and written only under fbcon.h's rules (log lock). */
static struct fbcon con;
static int state = FBCON_EARLY;
/* Log text from before console_setup: written under the log lock, read
 * by console_setup while nothing else runs. */
static char early[EARLY_MAX];
static size_t early_len;
/* The CPU inside fbcon_core_write, or -1. A second entry on the same CPU
 * is a fault taken while drawing, or an NMI (the panic stop) that came
 * in the middle: that text goes to serial only. Another CPU finding it
 * set draws anyway (panic mode, past the bounded wait for the log lock):
 * the drawer was stopped mid-write, or is still drawing (the panic
 * report comes before the stop); fbcon_core.h keeps that in bounds. */
static atomic_int drawing_cpu = -1;
/* console= asked for serial output too (set by console_setup). */
static int serial_wanted = 1;
/* uptime of the previous write (log lock, like con). */
static uint64_t last_write_ns;

static int my_id(void)
{
	return cpu_ready ? raw_this_cpu()->id : 0;
}

void fbcon_write(const char *s, size_t len)
{
	if (state == FBCON_EARLY) {
		size_t n = len < EARLY_MAX - early_len ? len : EARLY_MAX - early_len;
		memcpy(early + early_len, s, n);
		early_len += n;
		return;
	}
	if (state != FBCON_ON)
		return;
	int me = my_id();
	if (atomic_load(&drawing_cpu) == me)
		return;
	atomic_store(&drawing_cpu, me);
	uint64_t t = uptime_ns();
	con.jump = t - last_write_ns < BURST_NS ? con.rows / 2 : 1;
	last_write_ns = t;
	fbcon_core_write(&con, s, len);
	atomic_store(&drawing_cpu, -1);
}

int fbcon_active(void)
{
	return state == FBCON_ON;
}

#define BENCH_LINES 1000

/* BENCH_LINES log lines of 100 characters; returns their time in ns. */
static uint64_t bench_lines(const char *what)
{
	uint64_t t0 = now_ns();
	for (int i = 0; i < BENCH_LINES; i++)
		kprintf("fbcon-bench: %s line %4d 0123456789 abcdefghijklmnopqrstuvwxyz "
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ", what, i);
	return now_ns() - t0;
}

static unsigned long per_s(uint64_t ns)
{
	return ns ? (unsigned long)(BENCH_LINES * 1000000000ULL / ns) : 0;
}

void fbcon_bench(void)
{
	const char *what = state != FBCON_ON ? "serial only" :
			   serial_wanted	 ? "serial+screen" :
						   "screen only";
	uint64_t s0 = con.scrolls;
	uint64_t both = bench_lines(what);
	uint64_t s1 = con.scrolls;
	uint64_t screen = 0;
	if (state == FBCON_ON) {
		log_set_serial(0);
		screen = bench_lines("screen");
		log_set_serial(serial_wanted);
	}
	kprintf("bench: fbcon %d lines: %s %lu lines/s (%lu us each, %lu "
		"scrolls); screen alone %lu lines/s; %ux%u, %u x %u characters",
		BENCH_LINES, what, per_s(both), (unsigned long)(both / BENCH_LINES / 1000),
		(unsigned long)(s1 - s0), per_s(screen), con.width, con.height,
		con.cols, con.rows);
}

#define LARGE_PAGE (2ULL << 20)

/*
 * The loader's direct map covers [0, 4 GiB) write-back, so a framebuffer
 * below 4 GiB has a write-back alias there besides its write-combining
 * mapping: a mix the SDM leaves undefined (Vol. 3A 11.12.4) and which
 * only the MTRRs' UC defuses on PCs. Drop the direct map's 2 MiB pages
 * that hold any of the part of the framebuffer we map (`bytes`), the
 * partial ones at either end too (a 1920x1080 screen is 7.9 MiB: its
 * last 1.9 MiB would keep the alias), unless they hold something the
 * memory map calls RAM, ACPI or firmware memory: nothing reads devices
 * through the direct map, and no other CPU runs yet, so no TLB elsewhere
 * holds those pages. Returns the bytes unmapped.
 */
static uint64_t drop_direct_map_alias(const struct boot_info *bi,
				      uint64_t bytes)
{
	const struct boot_mmap_entry *map = phys_to_virt(bi->mmap);
	uint64_t lo = bi->fb.phys & ~(LARGE_PAGE - 1);
	uint64_t hi = (bi->fb.phys + bytes + LARGE_PAGE - 1) & ~(LARGE_PAGE - 1);
	uint64_t dropped = 0;
	if (hi > (bi->direct_map_size & ~(LARGE_PAGE - 1)))
		hi = bi->direct_map_size & ~(LARGE_PAGE - 1);
	for (uint64_t a = lo; a < hi; a += LARGE_PAGE) {
		int memory = 0;
		for (uint32_t i = 0; i < bi->mmap_count && !memory; i++)
			memory = map[i].type != BOOT_MEM_MMIO &&
				 map[i].type != BOOT_MEM_RESERVED &&
				 map[i].phys < a + LARGE_PAGE &&
				 map[i].phys + map[i].pages * PAGE_SIZE > a;
		if (!memory && vmm_unmap_large((uint64_t)phys_to_virt(a)) == 0)
			dropped += LARGE_PAGE;
	}
	return dropped;
}

/* Start drawing on bi's framebuffer; 0, or -1 with the reason logged.
 * *dropped: the bytes of direct-map alias unmapped. */
static int fbcon_start(const struct boot_info *bi, uint64_t *dropped)
{
	const struct boot_framebuffer *fb = &bi->fb;
	struct fbcon_pixfmt pf = {
		.format = fb->format,
		.red_mask = fb->red_mask,
		.green_mask = fb->green_mask,
		.blue_mask = fb->blue_mask,
		.reserved_mask = fb->reserved_mask,
		.bits_per_pixel = fb->format == BOOT_FB_BITMASK ? fb->bits_per_pixel : 0,
	};
	uint32_t fg, bg;

	if (fb->format == BOOT_FB_NONE || fb->phys == 0) {
		kprintf("console: no linear framebuffer from the loader; log on "
			"serial only");
		return -1;
	}
	if (fbcon_pixel(&pf, 0xc0, 0xc0, 0xc0, &fg) ||
	    fbcon_pixel(&pf, 0, 0, 0, &bg)) {
		kprintf("console: framebuffer pixel format %u (masks r %#x g %#x "
			"b %#x x %#x, %u bits) cannot be drawn; no screen console",
			fb->format, fb->red_mask, fb->green_mask, fb->blue_mask,
			fb->reserved_mask, fb->bits_per_pixel);
		return -1;
	}
	uint32_t bpp = fbcon_pixel_bytes(&pf);
	uint64_t bytes = (uint64_t)fb->pitch_pixels * fb->height * bpp;
	if (fb->width == 0 || fb->height == 0 || fb->pitch_pixels < fb->width ||
	    bytes > fb->size) {
		kprintf("console: framebuffer %ux%u, %u pixels per line does not "
			"fit its %lu bytes; no screen console", fb->width,
			fb->height, fb->pitch_pixels, fb->size);
		return -1;
	}
	size_t ram = fbcon_core_ram(fb->width, fb->height, &fbfont);
	uint64_t pages = (ram + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t shadow = pmm_alloc_pages(pages);
	if (!shadow) {
		kprintf("console: no %lu KiB for the screen's shadow buffer; no "
			"screen console", (unsigned long)(pages * 4));
		return -1;
	}
	void *screen = ioremap(fb->phys, bytes, IOREMAP_WC);
	if (!screen) {
		pmm_free_pages(shadow, pages);
		return -1; /* ioremap said why */
	}
	/* Before the first write through the write-combining mapping
	 * (fbcon_core_init clears the screen), so no store ever meets the
	 * write-back alias. */
	*dropped = drop_direct_map_alias(bi, bytes);
	if (fbcon_core_init(&con, screen, fb->width, fb->height,
			    fb->pitch_pixels, bpp, phys_to_virt(shadow), &fbfont,
			    fg, bg)) {
		pmm_free_pages(shadow, pages);
		kprintf("console: framebuffer %ux%u is smaller than one "
			"character; no screen console", fb->width, fb->height);
		return -1;
	}
	return 0;
}

void console_setup(const struct boot_info *bi, const char *opt)
{
	int want_serial = 1, want_fb = 1;

	if (opt && strcmp(opt, "serial") == 0)
		want_fb = 0;
	else if (opt && strcmp(opt, "fb") == 0)
		want_serial = 0;
	if (!want_fb) {
		state = FBCON_OFF;
		kprintf("console: serial only (console=serial)");
		return;
	}
	state = FBCON_OFF; /* lines logged while starting: serial only */
	uint64_t dropped = 0;
	if (fbcon_start(bi, &dropped) < 0) {
		log_set_serial(1);
		return;
	}
	state = FBCON_ON;
	/* The boot so far, from the kernel's first line. */
	fbcon_core_write(&con, early, early_len);
	kprintf("console: screen %ux%u, font Terminus Bold %ux%u%s, %u x %u "
		"characters, framebuffer %#lx mapped write-combining%s",
		bi->fb.width, bi->fb.height, fbfont.width, fbfont.height,
		con.scale == 2 ? " at scale 2" : "", con.cols, con.rows,
		bi->fb.phys, want_serial ? "" : "; serial output off (console=fb)");
	if (dropped)
		kprintf("console: %lu MiB of the direct map's write-back alias of "
			"the framebuffer unmapped", (unsigned long)(dropped >> 20));
	serial_wanted = want_serial;
	log_set_serial(want_serial);
}
