// SPDX-License-Identifier: MIT
/*
 * Cohort's UEFI loader: \EFI\BOOT\BOOTX64.EFI on 64-bit firmware and, from
 * the same source, \EFI\BOOT\BOOTIA32.EFI on 32-bit firmware (what differs
 * is in efi/arch.h: efi/arch_x86_64.c, efi/arch_ia32.c).
 *
 * What it guarantees to the kernel is written in kernel/boot_info.h and
 * docs/boot.md. In order:
 *   1. find the ACPI RSDP (ACPI 2.0 GUID first, then 1.0), the GOP
 *      framebuffer (the console's GOP first) and the command line
 *      (LoadOptions, else CMDLINE.TXT), warning about anything dropped;
 *      then refuse a CPU the kernel cannot run on (no long mode, or
 *      another feature it uses unconditionally: cpu_check) or a paging
 *      mode it cannot take over (5-level paging) with a message, before
 *      the kernel is read;
 *   2. read \EFI\COHORT\KERNEL.ELF and validate it completely (elf_check.c)
 *      before placing it; any problem prints one message on the console
 *      (which OVMF mirrors to serial) and returns to the firmware;
 *   3. reserve a page below 1 MiB for the AP trampoline, the boot stack,
 *      the boot_info page and the page tables (and on ia32 the switch
 *      block), all as EfiLoaderData below 4 GiB;
 *      read \EFI\COHORT\INITRD (optional) into EfiLoaderData pages too;
 *   4. ExitBootServices (handoff.c's ebs_run): the map buffer is allocated
 *      once, a stale key is retried with GetMemoryMap only, and a failure
 *      after the first attempt halts with a serial message, since the
 *      firmware may be half shut down (no console, no return);
 *   5. jump to the kernel (arch_enter_kernel: handoff_jump.S, or the
 *      mixed-mode switch of handoff_ia32.S).
 * Scratch buffers (the ELF file, the raw memory map) are EfiBootServicesData
 * so the kernel gets them back as free memory.
 *
 * Specs: UEFI 2.10 sections 7.2 (memory services), 7.4 (ExitBootServices),
 * 4.6 (configuration tables), 12.9 (GOP); Intel SDM Vol. 3A 4.5 (4-level
 * paging).
 *
 * Width rules, because this file is also built with -m32, where UINTN and
 * pointers are 32 bits (docs/ia32-uefi.md 3.2):
 *   - a physical address becomes a pointer only through phys_ptr(), and
 *     every allocation the loader touches through a pointer is below
 *     4 GiB (loader_alloc_pages); a pointer becomes an address through
 *     (uintptr_t);
 *   - sizes from the firmware that are UINT64 (FileSize) are compared as
 *     UINT64 before they are narrowed to UINTN;
 *   - every Print %ld/%lx argument is really 64-bit (a uint64_t or a ULL
 *     constant): IA-32 varargs are 4-byte slots, and gnu-efi's `l` reads
 *     8 bytes. x86-64 would hide the mistake.
 */
#include <efi.h>
#include <efilib.h>

#include "arch.h"
#include "elf_check.h"
#include "handoff.h"

#define GIB (1ULL << 30)
/* The highest address AllocateMaxAddress may return: everything the
 * loader writes through a pointer stays below 4 GiB (phys_ptr()). */
#define ALLOC_MAX_ADDRESS 0xffffffffULL

#define CMDLINE_FILE_MAX 4096
#define MAX_GOPS 8

/* COM1, written directly once boot services may be gone (8250 UART). */
#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THR_EMPTY 0x20
#define ERROR_WAIT_TENTHS 100 /* 10 s for a human to read an error */

static EFI_HANDLE image;
static int nx_supported;
static int test_ebs_fail; /* efi_test_ebs_fail: the exit call "fails" */

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void loader_cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
		  uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Bounded wait: with no UART at COM1 the status reads 0xff (ready). */
static void serial_putc(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1_LSR) & LSR_THR_EMPTY); i++)
		;
	outb(COM1, (uint8_t)c);
}

static void serial_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

static void serial_hex(uint64_t v)
{
	char b[19] = "0x";
	for (int i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	b[18] = 0;
	serial_puts(b);
}

static void *memset_(void *d, int c, UINTN n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

static void memcpy_(void *d, const void *s, UINTN n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	while (n--)
		*dp++ = *sp++;
}

/* a then b into buf[size], cut to fit, NUL-terminated; returns buf. */
static const char *str_join(char *buf, UINTN size, const char *a,
			    const char *b)
{
	UINTN n = 0;

	for (; *a && n + 1 < size; a++)
		buf[n++] = *a;
	for (; *b && n + 1 < size; b++)
		buf[n++] = *b;
	buf[n] = 0;
	return buf;
}

/*
 * Report a fatal problem and give control back to the firmware. The user
 * gets a few seconds to read it on a real screen; a key press skips the
 * wait. Nothing has been changed that the firmware cannot reclaim.
 */
static EFI_STATUS fail(EFI_STATUS st, const CHAR16 *what, const char *detail)
{
	EFI_INPUT_KEY key;

	if (detail)
		Print(L"cohort-loader: error: %s: %a\r\n", what, detail);
	else
		Print(L"cohort-loader: error: %s (%r)\r\n", what, st);
	Print(L"cohort-loader: returning to the firmware\r\n");
	for (int i = 0; i < ERROR_WAIT_TENTHS; i++) {
		if (ST->ConIn &&
		    ST->ConIn->ReadKeyStroke(ST->ConIn, &key) == EFI_SUCCESS)
			break;
		BS->Stall(100 * 1000);
	}
	return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}

/*
 * ExitBootServices failed after at least one attempt: the firmware may be
 * half shut down, so no console output, no Stall, no return to it (a
 * known hang on real boards). Say why on COM1 directly and stop.
 */
static void __attribute__((noreturn))
halt_after_exit(const struct ebs_result *r)
{
	__asm__ volatile("cli");
	serial_puts("\ncohort-loader: error: ");
	serial_puts(r->why ? r->why : "ExitBootServices failed");
	serial_puts(" (EFI status ");
	serial_hex(r->status);
	serial_puts(") after ExitBootServices was called; the firmware may be "
		    "half shut down, so the loader stops here. Power the "
		    "machine off and on.\n");
	for (;;)
		__asm__ volatile("hlt");
}

void loader_halt(const char *why)
{
	__asm__ volatile("cli");
	serial_puts("\ncohort-loader: error: ");
	serial_puts(why);
	serial_puts("; the loader stops here (boot services are gone). Power "
		    "the machine off and on.\n");
	for (;;)
		__asm__ volatile("hlt");
}

void *phys_ptr(uint64_t phys)
{
	uintptr_t p = (uintptr_t)phys;

	return (uint64_t)p == phys ? (void *)p : 0;
}

EFI_STATUS loader_alloc_pages(UINTN pages, EFI_MEMORY_TYPE type,
			      uint64_t *phys)
{
	EFI_PHYSICAL_ADDRESS a = ALLOC_MAX_ADDRESS;
	EFI_STATUS st = BS->AllocatePages(AllocateMaxAddress, type, pages, &a);
	if (EFI_ERROR(st))
		return st;
	void *p = phys_ptr(a);
	if (!p) {
		/* A firmware that ignored the limit: never write through a
		 * truncated pointer. */
		BS->FreePages(a, pages);
		return EFI_OUT_OF_RESOURCES;
	}
	memset_(p, 0, pages * PAGE_SIZE);
	*phys = a;
	return EFI_SUCCESS;
}

/* ---- Page tables ------------------------------------------------------ */

/* A page-table page for pt_map_range (efi/handoff.c, host-tested). */
static uint64_t pt_alloc(void *ctx)
{
	uint64_t p;
	(void)ctx;
	return EFI_ERROR(loader_alloc_pages(1, EfiLoaderData, &p)) ? 0 : p;
}

/* Map [virt, virt+size) to phys with `flags`; 2 MiB pages when `large`. */
static EFI_STATUS map_range(uint64_t *pml4, uint64_t virt, uint64_t phys,
			    uint64_t size, uint64_t flags, int large)
{
	return pt_map_range(pml4, virt, phys, size, flags, large, pt_alloc, 0) ?
		       EFI_OUT_OF_RESOURCES :
		       EFI_SUCCESS;
}

EFI_STATUS loader_map_range(uint64_t *pml4, uint64_t virt, uint64_t phys,
			    uint64_t size, uint64_t flags)
{
	return map_range(pml4, virt, phys, size, flags, 0);
}

EFI_STATUS loader_map_identity(uint64_t *pml4, const void *start,
			       const void *end, uint64_t flags)
{
	uint64_t lo = (uintptr_t)start & ~(PAGE_SIZE - 1);
	uint64_t hi = ((uintptr_t)end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	return map_range(pml4, lo, lo, hi - lo, flags, 0);
}

/* ---- Files ------------------------------------------------------------- */

static EFI_STATUS read_file(EFI_FILE_HANDLE root, CHAR16 *path, UINTN max,
			    void **buf, UINTN *size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st = root->Open(root, &fh, path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	EFI_FILE_INFO *info = LibFileInfo(fh);
	if (!info) {
		fh->Close(fh);
		return EFI_DEVICE_ERROR;
	}
	/* Compared as UINT64: narrowed first, a 4 GiB + 1 byte file would
	 * read as 1 byte on ia32. */
	uint64_t size64 = info->FileSize;
	FreePool(info);
	if (size64 > max) {
		fh->Close(fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	UINTN len = (UINTN)size64;
	/* +1 so text files can be NUL-terminated by the caller. */
	st = BS->AllocatePool(EfiBootServicesData, len + 1, buf);
	if (EFI_ERROR(st)) {
		fh->Close(fh);
		return st;
	}
	UINTN got = 0;
	while (got < len) {
		UINTN chunk = len - got;
		st = fh->Read(fh, &chunk, (uint8_t *)*buf + got);
		if (EFI_ERROR(st) || chunk == 0)
			break;
		got += chunk;
	}
	fh->Close(fh);
	if (got != len) {
		FreePool(*buf);
		return EFI_ERROR(st) ? st : EFI_END_OF_FILE;
	}
	((char *)*buf)[len] = 0;
	*size = len;
	return EFI_SUCCESS;
}

/*
 * The initramfs, read whole into pages the kernel keeps (EfiLoaderData is
 * BOOT_MEM_KERNEL: never handed out by the page allocator). Its contents
 * are not looked at here: the kernel validates every header. Nothing about
 * it stops the boot: a missing file is normal (no user space), and any
 * other problem is one line on screen plus a status the kernel reports.
 */
static void load_initrd(EFI_FILE_HANDLE root, struct boot_info *bi)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;
	uint64_t phys;

	st = root->Open(root, &fh, L"\\EFI\\COHORT\\INITRD",
			EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		bi->initrd_status = BOOT_INITRD_NONE;
		Print(L"cohort-loader: no \\EFI\\COHORT\\INITRD: booting "
		      L"without user space\r\n");
		return;
	}
	EFI_FILE_INFO *info = LibFileInfo(fh);
	if (!info) {
		fh->Close(fh);
		bi->initrd_status = BOOT_INITRD_READ_ERROR;
		Print(L"cohort-loader: \\EFI\\COHORT\\INITRD: cannot read its "
		      L"size; skipped\r\n");
		return;
	}
	uint64_t len = info->FileSize;
	FreePool(info);
	if (len > BOOT_INITRD_MAX) {
		fh->Close(fh);
		bi->initrd_status = BOOT_INITRD_TOO_BIG;
		Print(L"cohort-loader: \\EFI\\COHORT\\INITRD is %ld MiB, over the "
		      L"%ld MiB limit; skipped\r\n", len >> 20,
		      BOOT_INITRD_MAX >> 20);
		return;
	}
	/* At least one page, so an empty file still has an address. */
	UINTN pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
	st = loader_alloc_pages(pages ? pages : 1, EfiLoaderData, &phys);
	if (EFI_ERROR(st)) {
		fh->Close(fh);
		bi->initrd_status = BOOT_INITRD_NO_MEMORY;
		Print(L"cohort-loader: no memory for \\EFI\\COHORT\\INITRD (%ld "
		      L"KiB); skipped\r\n", len >> 10);
		return;
	}
	uint64_t got = 0;
	while (got < len) {
		UINTN chunk = len - got;
		st = fh->Read(fh, &chunk, (uint8_t *)phys_ptr(phys) + got);
		if (EFI_ERROR(st) || chunk == 0)
			break;
		got += chunk;
	}
	fh->Close(fh);
	if (got != len) {
		BS->FreePages(phys, pages ? pages : 1);
		bi->initrd_status = BOOT_INITRD_READ_ERROR;
		Print(L"cohort-loader: \\EFI\\COHORT\\INITRD: read failed after "
		      L"%ld of %ld bytes (%r); skipped\r\n", got, len, st);
		return;
	}
	bi->initrd_phys = phys;
	bi->initrd_size = len;
	bi->initrd_status = BOOT_INITRD_LOADED;
	Print(L"cohort-loader: initramfs %ld KiB at phys 0x%lx\r\n",
	      (len + 1023) >> 10, phys);
}

/* ---- What the firmware tells us --------------------------------------- */

static void find_rsdp(struct boot_info *bi)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		if (CompareGuid(&t->VendorGuid, &acpi20) == 0) {
			bi->acpi_rsdp = (uintptr_t)t->VendorTable;
			bi->acpi_rsdp_revision = 2;
			return;
		}
		if (CompareGuid(&t->VendorGuid, &acpi10) == 0 && !bi->acpi_rsdp)
			bi->acpi_rsdp = (uintptr_t)t->VendorTable;
	}
}

/* Tag protocol on handles that are part of the console output
 * (EFI_CONSOLE_OUT_DEVICE_GUID, UEFI 2.10 12.1; no interface). */
static EFI_GUID console_out_device = { 0xd3b36f2c, 0xd551, 0x11d4,
				       { 0x9a, 0x46, 0x00, 0x90, 0x27, 0x3f,
					 0xc1, 0x4d } };

/* Does this GOP's current mode give the kernel a framebuffer? */
static int gop_linear(EFI_GRAPHICS_OUTPUT_PROTOCOL *gop)
{
	if (!gop || !gop->Mode || !gop->Mode->Info ||
	    !gop->Mode->FrameBufferBase)
		return 0;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *m = gop->Mode->Info;
	switch (m->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
	case PixelBlueGreenRedReserved8BitPerColor:
		return 1;
	case PixelBitMask:
		return gop_bitmask_bpp(m->PixelInformation.RedMask,
				       m->PixelInformation.GreenMask,
				       m->PixelInformation.BlueMask,
				       m->PixelInformation.ReservedMask) != 0;
	default: /* PixelBltOnly: no linear framebuffer to hand over */
		return 0;
	}
}

/*
 * The GOP the firmware's console is drawn on, not whichever instance
 * LocateProtocol returns first (a console splitter's BltOnly GOP, or a
 * second GPU with no screen attached): gop_pick() decides.
 */
static void find_framebuffer(struct boot_info *bi)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gops[MAX_GOPS];
	struct gop_candidate cand[MAX_GOPS];
	EFI_HANDLE *handles = 0;
	UINTN nhandles = 0;
	int n = 0;

	if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &GraphicsOutputProtocol,
					     0, &nhandles, &handles)))
		nhandles = 0;
	for (UINTN i = 0; i < nhandles && n < MAX_GOPS; i++) {
		EFI_GRAPHICS_OUTPUT_PROTOCOL *g = 0;
		void *tag;
		if (EFI_ERROR(BS->HandleProtocol(handles[i],
						 &GraphicsOutputProtocol,
						 (void **)&g)) || !g)
			continue;
		gops[n] = g;
		cand[n] = (struct gop_candidate){
			.on_console = handles[i] == ST->ConsoleOutHandle,
			.console_dev = !EFI_ERROR(BS->HandleProtocol(
				handles[i], &console_out_device, &tag)),
			.linear = gop_linear(g),
		};
		n++;
	}
	if (handles)
		FreePool(handles);
	int pick = gop_pick(cand, n);
	if (pick < 0) {
		if (n)
			Print(L"cohort-loader: %d GOP instance(s), none with a "
			      L"linear framebuffer: no framebuffer for the "
			      L"kernel\r\n", n);
		return;
	}
	if (n > 1)
		Print(L"cohort-loader: GOP %d of %d chosen (%a)\r\n", pick + 1,
		      n, cand[pick].on_console ? "the console's" :
			 cand[pick].console_dev ? "a console device" :
						  "the first with a framebuffer");
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = gops[pick];
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *m = gop->Mode->Info;
	struct boot_framebuffer *fb = &bi->fb;
	switch (m->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->format = BOOT_FB_RGBX;
		fb->bits_per_pixel = 32;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->format = BOOT_FB_BGRX;
		fb->bits_per_pixel = 32;
		break;
	default: /* PixelBitMask: gop_linear() checked the masks */
		fb->format = BOOT_FB_BITMASK;
		fb->red_mask = m->PixelInformation.RedMask;
		fb->green_mask = m->PixelInformation.GreenMask;
		fb->blue_mask = m->PixelInformation.BlueMask;
		fb->reserved_mask = m->PixelInformation.ReservedMask;
		fb->bits_per_pixel = gop_bitmask_bpp(fb->red_mask,
						     fb->green_mask,
						     fb->blue_mask,
						     fb->reserved_mask);
		break;
	}
	fb->phys = gop->Mode->FrameBufferBase;
	fb->size = gop->Mode->FrameBufferSize;
	fb->width = m->HorizontalResolution;
	fb->height = m->VerticalResolution;
	fb->pitch_pixels = m->PixelsPerScanLine;
}

/* One line per thing the command-line reader dropped or changed. */
static void print_cmdline_notes(const CHAR16 *src,
				const struct cmdline_notes *n)
{
	if (n->flags & CMDLINE_NOTE_BINARY)
		Print(L"cohort-loader: %s hold binary data (a boot entry's), "
		      L"not a command line\r\n", src);
	if (n->flags & CMDLINE_NOTE_NON_ASCII)
		Print(L"cohort-loader: warning: %s: character 0x%x at "
		      L"position %d is not ASCII; all of it ignored\r\n", src,
		      n->bad_char, n->bad_pos);
	if (n->flags & CMDLINE_NOTE_UTF16)
		Print(L"cohort-loader: %s is UTF-16 text; converted to "
		      L"ASCII\r\n", src);
	else if (n->flags & CMDLINE_NOTE_BOM)
		Print(L"cohort-loader: %s starts with a byte-order mark; "
		      L"stripped\r\n", src);
	if (n->flags & CMDLINE_NOTE_TRUNCATED)
		Print(L"cohort-loader: warning: %s: longer than %d bytes; the "
		      L"last %d word(s) dropped\r\n", src, BOOT_CMDLINE_MAX - 1,
		      n->dropped);
}

static void find_cmdline(EFI_LOADED_IMAGE *li, EFI_FILE_HANDLE root,
			 struct boot_info *bi)
{
	struct cmdline_notes notes;
	void *text;
	UINTN len;
	EFI_STATUS st;

	int got = cmdline_from_load_options(li->LoadOptions,
					    li->LoadOptionsSize, bi->cmdline,
					    sizeof(bi->cmdline), &notes);
	print_cmdline_notes(L"LoadOptions", &notes);
	bi->cmdline_notes |= notes.flags;
	if (got) {
		bi->cmdline_source = BOOT_CMDLINE_LOAD_OPTIONS;
		return;
	}
	st = read_file(root, L"\\EFI\\COHORT\\CMDLINE.TXT", CMDLINE_FILE_MAX,
		       &text, &len);
	if (st == EFI_SUCCESS) {
		if (cmdline_from_file(text, len, bi->cmdline,
				      sizeof(bi->cmdline), &notes))
			bi->cmdline_source = BOOT_CMDLINE_FILE;
		print_cmdline_notes(L"CMDLINE.TXT", &notes);
		bi->cmdline_notes |= notes.flags;
		FreePool(text);
	} else if (st == EFI_BAD_BUFFER_SIZE) {
		bi->cmdline_notes |= BOOT_CMDLINE_NOTE_FILE_TOO_BIG;
		Print(L"cohort-loader: warning: \\EFI\\COHORT\\CMDLINE.TXT is "
		      L"over %d bytes; ignored\r\n", CMDLINE_FILE_MAX);
	} else if (st != EFI_NOT_FOUND) {
		Print(L"cohort-loader: warning: cannot read "
		      L"\\EFI\\COHORT\\CMDLINE.TXT (%r); ignored\r\n", st);
	}
}

int cmdline_has(const char *cmdline, const char *word)
{
	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		const char *w = word;
		while (*p && *p != ' ' && *w && *p == *w)
			p++, w++;
		if (!*w && (!*p || *p == ' '))
			return 1;
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

/* What CPUID says about the features the kernel needs; read once, for
 * cpu_check() and cpu_has_nx() (handoff.c decides, both loaders alike). */
static void read_cpuid_bits(struct cpuid_bits *c)
{
	uint32_t a, b, cx, d;

	*c = (struct cpuid_bits){ 0 };
	loader_cpuid(1, &a, &b, &cx, &d);
	c->l1_edx = d;
	c->l1_ecx = cx;
	loader_cpuid(0x80000000, &a, &b, &cx, &d);
	/* Raw: cpu_check treats a maximum not of the form 0x8000xxxx (a CPU
	 * without extended leaves may answer with a basic leaf's data) as
	 * no leaf 0x80000001, whatever was read here. */
	c->max_ext = a;
	if (c->max_ext >= CPUID_EXT_LEAF_1) {
		loader_cpuid(CPUID_EXT_LEAF_1, &a, &b, &cx, &d);
		c->e1_edx = d;
		c->e1_ecx = cx;
	}
}

/*
 * Refuse a CPU the kernel cannot run on. `efi_test_no_lm` clears the
 * long-mode bit, so the refusal is tested on a 64-bit CPU too, on the
 * path a CPU with extended leaves but no long mode takes (pentium3, in
 * the tests, takes the other: no leaf 0x80000001 at all).
 */
static int cpu_refused(const struct cpuid_bits *cpu, const char *cmdline,
		       const char **why)
{
	struct cpuid_bits c = *cpu;

	if (cmdline_has(cmdline, "efi_test_no_lm"))
		c.e1_edx &= ~CPUID_E1_EDX_LM;
	return cpu_check(&c, why);
}

/*
 * Below-1-MiB page for the AP trampoline. AllocateMaxAddress returns the
 * highest free page at or below the limit. Real firmware sometimes has
 * nothing free there before ExitBootServices; then the page is taken from
 * reclaimed boot-services memory afterwards (see the exit loop).
 * `efi_tramp=scan` / `efi_tramp=none` force those paths for testing.
 */
static void reserve_trampoline(struct boot_info *bi)
{
	EFI_PHYSICAL_ADDRESS a = TRAMP_LIMIT - 1;

	if (cmdline_has(bi->cmdline, "efi_tramp=scan") ||
	    cmdline_has(bi->cmdline, "efi_tramp=none"))
		return;
	if (EFI_ERROR(BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, 1,
					&a)))
		return;
	if (a < TRAMP_MIN) {
		BS->FreePages(a, 1);
		return;
	}
	bi->trampoline = a;
	bi->trampoline_source = BOOT_TRAMP_ALLOCATED;
}

/* ---- Kernel placement --------------------------------------------------- */

static EFI_STATUS load_kernel(const void *file, UINTN size,
			      struct elf_image *img, struct boot_info *bi,
			      uint64_t *pml4)
{
	const char *why;
	uint64_t phys;
	EFI_STATUS st;

	if (elf_check(file, size, KERNEL_VIRT_BASE, 0xfffffffffffff000ULL, img,
		      &why))
		return fail(EFI_LOAD_ERROR, L"\\EFI\\COHORT\\KERNEL.ELF is not a valid kernel",
			    why);
	uint64_t span = img->virt_end - img->virt_start;
	st = loader_alloc_pages(span / PAGE_SIZE, EfiLoaderData, &phys);
	if (EFI_ERROR(st))
		return fail(st, L"no memory for the kernel image", 0);
	for (int i = 0; i < img->nsegments; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t dst = phys + (s->vaddr - img->virt_start);
		/* loader_alloc_pages zeroed the image, which covers .bss. */
		memcpy_(phys_ptr(dst + s->skip), (const uint8_t *)file + s->offset,
			s->filesz);
		uint64_t flags = PTE_P;
		if (s->flags & ELF_PF_W)
			flags |= PTE_W;
		if (!(s->flags & ELF_PF_X) && nx_supported)
			flags |= PTE_NX;
		st = map_range(pml4, s->vaddr, dst, s->memsz, flags, 0);
		if (EFI_ERROR(st))
			return fail(st, L"no memory for page tables", 0);
	}
	bi->kernel_phys = phys;
	bi->kernel_virt = img->virt_start;
	bi->kernel_size = span;
	return EFI_SUCCESS;
}

/* How much the direct map covers: RAM, not devices (dmap_size,
 * efi/handoff.c). */
static uint64_t direct_map_end(void)
{
	UINTN n = 0, key, dsize = 0;
	UINT32 dver;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&n, &key, &dsize, &dver);
	uint64_t end = dmap_size(map, map ? n * dsize : 0, dsize);

	if (map)
		FreePool(map);
	return end;
}

/* ---- Exit and jump ------------------------------------------------------ */

/* ebs_run()'s view of the boot services (handoff.h): the calls, no more,
 * each status in the 64-bit encoding ebs_run compares against (an IA-32
 * EFI_INVALID_PARAMETER is 0x80000002: unwidened, a stale key would read
 * as a failure and halt). */
static uint64_t widen(EFI_STATUS st)
{
	return efi_status_widen(st, sizeof(UINTN) * 8);
}

/* A 64-bit-encoded status back to the firmware's width, for fail(). */
static EFI_STATUS narrow(uint64_t st)
{
	return (EFI_STATUS)(st & ~(1ULL << 63)) |
	       ((st >> 63) ? EFI_ERROR_MASK : 0);
}

static uint64_t ebs_get_memory_map(void *ctx, uint64_t *size, void *map,
				   uint64_t *key, uint64_t *desc_size,
				   uint32_t *desc_version)
{
	UINTN s = *size, k = *key, d = *desc_size;
	UINT32 v = *desc_version;
	(void)ctx;
	EFI_STATUS st = BS->GetMemoryMap(&s, map, &k, &d, &v);
	*size = s;
	*key = k;
	*desc_size = d;
	*desc_version = v;
	return widen(st);
}

static uint64_t ebs_allocate_pool(void *ctx, uint64_t size, void **buf)
{
	(void)ctx;
	return widen(BS->AllocatePool(EfiBootServicesData, size, buf));
}

static uint64_t ebs_free_pool(void *ctx, void *buf)
{
	(void)ctx;
	return widen(BS->FreePool(buf));
}

static uint64_t ebs_exit(void *ctx, uint64_t key)
{
	(void)ctx;
	/* The firmware is left running: only the halt path is exercised. */
	if (test_ebs_fail)
		return widen(EFI_DEVICE_ERROR);
	return widen(BS->ExitBootServices(image, key));
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *systab)
{
	uint64_t tsc_entry = rdtsc();
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;
	struct elf_image img;
	uint64_t bi_phys, stack, pml4_phys;
	struct cpuid_bits cpu;

	InitializeLib(image_handle, systab);
	image = image_handle;
	Print(L"cohort-loader: started (boot_info v%d, %d-bit firmware)\r\n",
	      BOOT_INFO_VERSION, arch_firmware_bits());

	read_cpuid_bits(&cpu);
	nx_supported = cpu_has_nx(&cpu);

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return fail(st, L"no loaded-image protocol", 0);
	EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return fail(EFI_NOT_FOUND, L"cannot open the boot volume", 0);

	/* boot_info and the reduced memory map share one allocation. */
	UINTN bi_pages = (sizeof(struct boot_info) +
			  BOOT_MMAP_MAX * sizeof(struct boot_mmap_entry) +
			  PAGE_SIZE - 1) / PAGE_SIZE;
	st = loader_alloc_pages(bi_pages, EfiLoaderData, &bi_phys);
	if (EFI_ERROR(st))
		return fail(st, L"no memory for boot_info", 0);
	struct boot_info *bi = phys_ptr(bi_phys);
	struct boot_mmap_entry *mmap = (void *)(bi + 1);
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->tsc_loader_entry = tsc_entry;
	bi->efi_system_table = (uintptr_t)systab;
	bi->firmware_bits = arch_firmware_bits();

	find_rsdp(bi);
	find_framebuffer(bi);
	find_cmdline(li, root, bi);

	/* Before the kernel is read or anything allocated for it: a CPU or
	 * paging mode the kernel cannot run on would otherwise triple-fault
	 * at the jump, with no message. */
	const char *why;
	if (cpu_refused(&cpu, bi->cmdline, &why)) {
		/* cpu_check()'s sentence (up to 511 bytes, every bit named)
		 * and the suffix, never cut. */
		static char line[576];
		return fail(EFI_UNSUPPORTED, L"this CPU cannot run Cohort",
			    str_join(line, sizeof(line), why,
				     "; Cohort has only a 64-bit kernel"));
	}
	if (arch_check(bi->cmdline, &why))
		return fail(EFI_UNSUPPORTED, L"unsupported paging mode", why);

	void *kfile;
	UINTN ksize;
	st = read_file(root, L"\\EFI\\COHORT\\KERNEL.ELF", 256 << 20, &kfile,
		       &ksize);
	if (EFI_ERROR(st))
		return fail(st, L"cannot read \\EFI\\COHORT\\KERNEL.ELF", 0);

	st = loader_alloc_pages(1, EfiLoaderData, &pml4_phys);
	if (EFI_ERROR(st))
		return fail(st, L"no memory for page tables", 0);
	uint64_t *pml4 = phys_ptr(pml4_phys);
	st = load_kernel(kfile, ksize, &img, bi, pml4);
	if (EFI_ERROR(st))
		return st;
	BS->FreePool(kfile);

	st = loader_alloc_pages(BOOT_STACK_SIZE / PAGE_SIZE, EfiLoaderData,
				&stack);
	if (EFI_ERROR(st))
		return fail(st, L"no memory for the boot stack", 0);
	bi->boot_stack = stack;

	bi->direct_map_size = direct_map_end();
	st = map_range(pml4, DIRECT_MAP_BASE, 0, bi->direct_map_size,
		       PTE_P | PTE_W | (nx_supported ? PTE_NX : 0), 1);
	if (EFI_ERROR(st))
		return fail(st, L"no memory for the direct map", 0);
	st = arch_map_jump(pml4);
	if (EFI_ERROR(st))
		return fail(st, L"cannot prepare the jump to the kernel", 0);
	bi->pml4 = pml4_phys;

	reserve_trampoline(bi);
	load_initrd(root, bi);

	Print(L"cohort-loader: kernel %ld KiB at phys 0x%lx, entry 0x%lx\r\n",
	      bi->kernel_size / 1024, bi->kernel_phys, img.entry);
	Print(L"cohort-loader: ACPI RSDP 0x%lx (rev %d), framebuffer %dx%d, "
	      L"direct map %ld GiB\r\n",
	      bi->acpi_rsdp, bi->acpi_rsdp_revision, bi->fb.width,
	      bi->fb.height, bi->direct_map_size / GIB);
	Print(L"cohort-loader: cmdline (%a): \"%a\"\r\n",
	      bi->cmdline_source == BOOT_CMDLINE_LOAD_OPTIONS ? "LoadOptions" :
	      bi->cmdline_source == BOOT_CMDLINE_FILE	      ? "CMDLINE.TXT" :
								"none",
	      bi->cmdline);
	Print(L"cohort-loader: exiting boot services\r\n");

	const struct ebs_ops ops = { 0, ebs_get_memory_map, ebs_allocate_pool,
				     ebs_free_pool, ebs_exit };
	struct ebs_result er;
	test_ebs_fail = cmdline_has(bi->cmdline, "efi_test_ebs_fail");
	switch (ebs_run(&ops, cmdline_has(bi->cmdline, "efi_stale_key"), &er)) {
	case EBS_FAILED_BEFORE:
		return fail(narrow(er.status), L"cannot get the memory map",
			    er.why);
	case EBS_FAILED_AFTER:
		halt_after_exit(&er);
	case EBS_OK:
		break;
	}
	bi->exit_boot_attempts = er.attempts;

	/* Boot services are gone: no Print, no allocation from here on. */
	int n = mmap_reduce(er.map, er.map_size, er.desc_size, mmap,
			    BOOT_MMAP_MAX);
	if (n < 0)
		n = 0; /* the kernel reports an empty map and stops */
	bi->mmap = (uintptr_t)mmap;
	bi->mmap_count = (uint32_t)n;
	if (bi->trampoline_source == BOOT_TRAMP_NONE &&
	    !cmdline_has(bi->cmdline, "efi_tramp=none")) {
		bi->trampoline = tramp_pick(mmap, n);
		if (bi->trampoline)
			bi->trampoline_source = BOOT_TRAMP_BOOT_SERVICES;
	}

	bi->tsc_handoff = rdtsc();
	arch_enter_kernel(pml4_phys, nx_supported,
			  DIRECT_MAP_BASE + stack + BOOT_STACK_SIZE, img.entry,
			  DIRECT_MAP_BASE + bi_phys);
}
