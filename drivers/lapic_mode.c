// SPDX-License-Identifier: MIT
/* LAPIC mode selection (see lapic.h). Pure: host unit-tested. */
#include "lapic.h"

/* xAPIC ids are 8 bits and 0xff is the broadcast id. */
#define XAPIC_MAX_ID 254

enum lapic_mode lapic_choose_mode(const struct lapic_facts *f, const char **why)
{
	enum lapic_mode auto_mode;

	*why = 0;
	if (!f->cpu_has_apic && !f->fw_x2apic_on) {
		*why = "CPUID reports no local APIC";
		return LAPIC_MODE_NONE;
	}
	if (f->fw_x2apic_on)
		auto_mode = LAPIC_MODE_X2APIC;
	else if (f->max_apic_id > XAPIC_MAX_ID)
		auto_mode = f->cpu_has_x2apic ? LAPIC_MODE_X2APIC : LAPIC_MODE_NONE;
	else
		auto_mode = f->cpu_has_x2apic ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC;
	if (auto_mode == LAPIC_MODE_NONE) {
		*why = "APIC ids above 254 need x2APIC, which this CPU lacks";
		return LAPIC_MODE_NONE;
	}

	switch (f->force) {
	case LAPIC_FORCE_XAPIC:
		if (f->fw_x2apic_on) {
			*why = "apic=xapic refused: firmware already enabled "
			       "x2APIC and leaving it is not allowed";
			return auto_mode;
		}
		if (f->max_apic_id > XAPIC_MAX_ID) {
			*why = "apic=xapic refused: an APIC id is above 254";
			return auto_mode;
		}
		return LAPIC_MODE_XAPIC;
	case LAPIC_FORCE_X2APIC:
		if (!f->cpu_has_x2apic && !f->fw_x2apic_on) {
			*why = "apic=x2apic refused: CPUID.1:ECX[21] says this "
			       "CPU has no x2APIC";
			return auto_mode;
		}
		return LAPIC_MODE_X2APIC;
	case LAPIC_FORCE_AUTO:
		break;
	}
	return auto_mode;
}
