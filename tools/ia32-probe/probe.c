// SPDX-License-Identifier: MIT
/*
 * ia32-probe: a throw-away UEFI application that checks the facts
 * docs/ia32-uefi.md builds on. Built twice: BOOTIA32.EFI (ia32 gnu-efi)
 * and BOOTX64.EFI (the same source, x86-64), both on one ESP, so a boot
 * also shows which file each firmware picks. Not part of the build:
 * tools/ia32-probe/run builds and boots it. It prints, one line each:
 * that it runs, the width of UINTN and pointers, CR0/CR4 as the firmware
 * left them (paging on or off, PAE), CPUID long mode / NX / PAE, EFER
 * when the CPU has it, the memory map's descriptor size and highest
 * address, and the ACPI 2.0 table pointer. Then it returns to the
 * firmware.
 */
#include <efi.h>
#include <efilib.h>

static void cpuid(UINT32 leaf, UINT32 *a, UINT32 *b, UINT32 *c, UINT32 *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	UINT32 a, b, c, d, max_ext, lm = 0, nx = 0, pae;
	UINTN cr0, cr4;
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;

	InitializeLib(image, systab);
	Print(L"ia32-probe: hello from %s\r\n",
	      sizeof(UINTN) == 4 ? L"BOOTIA32.EFI" : L"BOOTX64.EFI");
	Print(L"ia32-probe: sizeof(UINTN)=%d sizeof(void *)=%d "
	      L"sizeof(EFI_MEMORY_DESCRIPTOR)=%d PhysicalStart at %d\r\n",
	      (int)sizeof(UINTN), (int)sizeof(void *),
	      (int)sizeof(EFI_MEMORY_DESCRIPTOR),
	      (int)__builtin_offsetof(EFI_MEMORY_DESCRIPTOR, PhysicalStart));
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	Print(L"ia32-probe: cr0=0x%x (PG=%d) cr4=0x%x (PAE=%d)\r\n",
	      (UINT32)cr0, (UINT32)(cr0 >> 31) & 1, (UINT32)cr4,
	      (UINT32)(cr4 >> 5) & 1);
	cpuid(1, &a, &b, &c, &d);
	pae = (d >> 6) & 1;
	cpuid(0x80000000, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		lm = (d >> 29) & 1;
		nx = (d >> 20) & 1;
	}
	Print(L"ia32-probe: cpuid max_ext=0x%x long_mode=%d nx=%d pae=%d\r\n",
	      max_ext, lm, nx, pae);
	if (lm) {
		UINT32 lo, hi;
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080));
		Print(L"ia32-probe: efer=0x%x\r\n", lo);
	}
	UINTN n = 0, key, dsize = 0;
	UINT32 dver;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&n, &key, &dsize, &dver);
	UINT64 top = 0;
	for (UINTN i = 0; map && i < n; i++) {
		EFI_MEMORY_DESCRIPTOR *m =
			(void *)((UINT8 *)map + i * dsize);
		UINT64 end = m->PhysicalStart + m->NumberOfPages * 4096;
		if (end > top)
			top = end;
	}
	Print(L"ia32-probe: memory map %d descriptors, desc_size=%d, "
	      L"version=%d, highest end 0x%lx\r\n", (int)n, (int)dsize,
	      dver, top);
	for (UINTN i = 0; i < systab->NumberOfTableEntries; i++)
		if (!CompareGuid(&systab->ConfigurationTable[i].VendorGuid,
				 &acpi20))
			Print(L"ia32-probe: ACPI 2.0 RSDP at 0x%x\r\n",
			      (UINT32)(UINTN)systab->ConfigurationTable[i]
				      .VendorTable);
	Print(L"ia32-probe: done, returning to the firmware\r\n");
	return EFI_SUCCESS;
}
