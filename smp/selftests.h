/* SPDX-License-Identifier: MIT */
/* SMP self-tests, registered in kernel/selftest.c (0 = pass). */
#ifndef COHORT_SMP_SELFTESTS_H
#define COHORT_SMP_SELFTESTS_H

int selftest_timer(void);
int selftest_ipi(void);
int selftest_callfunc(void);
int selftest_tlb(void);
int selftest_tlb_online(void);
int selftest_lockstress(void);
int selftest_panic_ap(void);
int selftest_irq_exit_migrate(void);
int selftest_spin_owner(void);
int selftest_lockdep_order(void);
int selftest_lockdep_irq(void);
int selftest_lockdep_irq_on(void);

#endif
