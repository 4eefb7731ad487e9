// SPDX-License-Identifier: MIT
/* CPU identification (contract and sources in cpu_ident.h). */
#include "cpu_ident.h"

#include "lib/string.h"

#define MSR_BIOS_SIGN_ID 0x8b /* Intel name; AMD: PATCH_LEVEL */
#define VENDOR_INTEL_EBX 0x756e6547 /* "Genu" */
#define VENDOR_INTEL_EDX 0x49656e69 /* "ineI" */
#define VENDOR_INTEL_ECX 0x6c65746e /* "ntel" */
#define VENDOR_AMD_EBX 0x68747541   /* "Auth" */
#define VENDOR_AMD_EDX 0x69746e65   /* "enti" */
#define VENDOR_AMD_ECX 0x444d4163   /* "cAMD" */
#define VENDOR_HYGON_EBX 0x6f677948 /* "Hygo" */
#define VENDOR_HYGON_EDX 0x6e65476e /* "nGen" */
#define VENDOR_HYGON_ECX 0x656e6975 /* "uine" */
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define BRAND_FIRST 0x80000002u
#define BRAND_LAST 0x80000004u

void cpu_ident_family_model(uint32_t eax, uint32_t *family, uint32_t *model)
{
	uint32_t base_family = (eax >> 8) & 0xf;
	*family = base_family;
	if (base_family == 0xf)
		*family += (eax >> 20) & 0xff;
	*model = (eax >> 4) & 0xf;
	if (base_family == 6 || base_family == 0xf)
		*model |= ((eax >> 16) & 0xf) << 4;
}

static enum cpu_vendor vendor_of(const struct cpuid_regs *r0)
{
	if (r0->ebx == VENDOR_INTEL_EBX && r0->edx == VENDOR_INTEL_EDX &&
	    r0->ecx == VENDOR_INTEL_ECX)
		return CPU_VENDOR_INTEL;
	if (r0->ebx == VENDOR_AMD_EBX && r0->edx == VENDOR_AMD_EDX &&
	    r0->ecx == VENDOR_AMD_ECX)
		return CPU_VENDOR_AMD;
	/* Hygon's Dhyana is AMD's Zen under licence: the same PatchLevel
	 * MSR (Linux reads its microcode the AMD way too). */
	if (r0->ebx == VENDOR_HYGON_EBX && r0->edx == VENDOR_HYGON_EDX &&
	    r0->ecx == VENDOR_HYGON_ECX)
		return CPU_VENDOR_AMD;
	return CPU_VENDOR_OTHER;
}

void cpu_ident_probe(const struct cpu_ident_hw *hw, struct cpu_ident *id)
{
	struct cpuid_regs r0 = hw->cpuid(0, 0), r1 = hw->cpuid(1, 0);

	memset(id, 0, sizeof(*id));
	memcpy(id->vendor, &r0.ebx, 4);
	memcpy(id->vendor + 4, &r0.edx, 4);
	memcpy(id->vendor + 8, &r0.ecx, 4);
	id->vendor_id = vendor_of(&r0);
	cpu_ident_family_model(r1.eax, &id->family, &id->model);
	id->stepping = r1.eax & 0xf;
	id->hypervisor = r1.ecx & CPUID1_ECX_HYPERVISOR;
	id->tsc_deadline = r1.ecx & CPUID1_ECX_TSC_DEADLINE;

	if (id->vendor_id == CPU_VENDOR_INTEL) {
		hw->wrmsr(MSR_BIOS_SIGN_ID, 0);
		(void)hw->cpuid(1, 0);
		id->microcode = (uint32_t)(hw->rdmsr(MSR_BIOS_SIGN_ID) >> 32);
		id->microcode_known = true;
	} else if (id->vendor_id == CPU_VENDOR_AMD) {
		id->microcode = (uint32_t)hw->rdmsr(MSR_BIOS_SIGN_ID);
		id->microcode_known = true;
	}

	/* Only a 0x8000xxxx maximum names extended leaves (some CPUs return
	 * other data there; Linux checks the same). */
	uint32_t max_ext = hw->cpuid(0x80000000u, 0).eax;
	if ((max_ext & 0xffff0000u) == 0x80000000u && max_ext >= BRAND_LAST) {
		for (uint32_t l = BRAND_FIRST; l <= BRAND_LAST; l++) {
			struct cpuid_regs b = hw->cpuid(l, 0);
			char *p = id->brand + (l - BRAND_FIRST) * 16;
			memcpy(p, &b.eax, 4);
			memcpy(p + 4, &b.ebx, 4);
			memcpy(p + 8, &b.ecx, 4);
			memcpy(p + 12, &b.edx, 4);
		}
	}
}
