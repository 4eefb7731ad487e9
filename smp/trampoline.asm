; SPDX-License-Identifier: MIT
;
; AP start-up trampoline (Intel SDM Vol. 3A 8.4.4, 9.8.5; MP spec B.4).
;
; The BSP copies this blob to the page below 1 MiB the loader reserved
; (boot_info.trampoline = T) and sends INIT/SIPI/SIPI with vector T >> 12.
; Each AP starts here in real mode with CS = T >> 4, IP = 0, and:
;   1. loads the GDT in this page and enters 32-bit protected mode;
;   2. enables PAE, long mode (EFER.LME) and NX (if CPUID has it), loads
;      the temporary PML4 (params.cr3_low: below 4 GiB, because a 32-bit
;      `mov cr3` cannot reach higher; it maps this page 1:1 and shares the
;      kernel's upper half) and turns paging on;
;   3. in 64-bit mode finds its own slot in params.cpus by the APIC id
;      CPUID reports (logical ids are dense, APIC ids may be sparse),
;      takes that slot's stack and jumps to ap_entry(struct cpu *) in C,
;      never to return. ap_entry loads the kernel's CR3 first: this page
;      is not mapped there (the kernel's lower half is empty).
; Like xv6's entryother.S, the contract with the C side is the parameter
; block at PARAMS (smp/trampoline.h; offsets checked with STATIC_ASSERT).
; Nothing here may depend on where T is, except through CS and params.

%define PARAMS          0xe00
%define P_GDT_PTR       (PARAMS + 0x00)   ; 6 bytes: limit, base (patched)
%define P_FAR32         (PARAMS + 0x08)   ; 4-byte offset + 2-byte selector
%define P_FAR64         (PARAMS + 0x10)   ; 4-byte offset + 2-byte selector
%define P_CR3_LOW       (PARAMS + 0x18)   ; temporary PML4, < 4 GiB
%define P_CR3           (PARAMS + 0x20)   ; kernel PML4
%define P_ENTRY         (PARAMS + 0x28)   ; ap_entry
%define P_CPUS          (PARAMS + 0x30)   ; struct tramp_cpu * (kernel VA)
%define P_NCPUS         (PARAMS + 0x38)
%define P_ALIVE         (PARAMS + 0x3c)   ; incremented by each AP on arrival
%define P_PROBE         (PARAMS + 0x40)   ; nonzero: claim a free slot
%define P_CLAIMED       (PARAMS + 0x44)   ; slots claimed so far (probe)
%define P_GDT           (PARAMS + 0x60)   ; 4 descriptors

%define SEL_CODE32      0x08
%define SEL_DATA32      0x10
%define SEL_CODE64      0x18

%define CR0_PE          (1 << 0)
%define CR0_PG          (1 << 31)
%define CR4_PAE         (1 << 5)
%define CR4_MCE         (1 << 6)
%define MSR_EFER        0xc0000080
%define EFER_LME        (1 << 8)
%define EFER_NXE        (1 << 11)
%define CPUID_EXT_NX    (1 << 20)         ; leaf 0x80000001 EDX

; struct tramp_cpu { u32 apic_id; u32 state; u64 stack_top; u64 cpu; }
; `state` is the slot's hand-off word (smp/slot.h). It is decided in C, in
; ap_entry, by one compare-and-swap against the BSP's withdrawal: here an
; AP only finds (or, in probe mode, claims) a slot and takes its stack,
; which stays the AP's even if the BSP has given up on it, so a late AP
; can still reach ap_entry, lose, log one line and park.
%define TC_SIZE         24

        bits 16
        org 0
start16:
        cli
        cld
        mov ax, cs
        mov ds, ax
        movzx ebx, ax
        shl ebx, 4                    ; EBX = T, kept through 32-bit mode
        lock inc dword [P_ALIVE]      ; "the SIPI arrived": for the boot log
        o32 lgdt [P_GDT_PTR]
        mov eax, cr0
        or eax, CR0_PE
        mov cr0, eax
        jmp far dword [P_FAR32]      ; to start32 (linear), CS = code32

        bits 32
start32:
        ; No stack is used before 64-bit mode: many APs run this code at
        ; once, and each gets its own stack only after finding its slot.
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, cr4
        or eax, CR4_PAE | CR4_MCE     ; MCE: a machine check reaches #MC
        mov cr4, eax
        mov eax, [ebx + P_CR3_LOW]
        mov cr3, eax
        ; EFER.NXE only if CPUID has NX: without it NXE is a reserved bit
        ; and the wrmsr faults (#GP, a triple fault here), as on a PC
        ; whose firmware setup turned XD off. The kernel's tables then
        ; carry no NX bits (aspace_pte_nx). QEMU's TCG drops the bit
        ; silently instead, so no test sees the difference.
        mov esi, ebx                  ; CPUID overwrites EBX (= T)
        mov edi, EFER_LME
        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000001
        jb .efer
        mov eax, 0x80000001
        cpuid
        test edx, CPUID_EXT_NX
        jz .efer
        or edi, EFER_NXE
.efer:
        mov ebx, esi
        mov ecx, MSR_EFER
        rdmsr
        or eax, edi
        wrmsr
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax
        jmp far dword [ebx + P_FAR64] ; to start64, CS = code64

        bits 64
start64:
        ; Still on the temporary tables: they share the kernel's upper
        ; half, so ap_entry and the AP's stack are reachable; ap_entry
        ; switches to the kernel's own CR3 (params.cr3) as its first act.
        ; My APIC id: CPUID 0xb (x2APIC id, 32 bits) if the CPU has it,
        ; else CPUID 1 EBX[31:24].
        xor eax, eax
        cpuid
        cmp eax, 0xb
        jb .legacy_id
        mov eax, 0xb
        xor ecx, ecx
        cpuid
        test ebx, ebx                 ; leaf 0xb unimplemented: EBX = 0
        jz .legacy_id
        mov esi, edx
        jmp .find
.legacy_id:
        mov eax, 1
        cpuid
        shr ebx, 24
        mov esi, ebx
.find:
        mov rdi, [rel params + 0x30]
        mov ecx, [rel params + 0x38]
.next:
        test ecx, ecx
        jz .lost
        cmp [rdi], esi
        je .found
        add rdi, TC_SIZE
        dec ecx
        jmp .next
.found:
        mov rsp, [rdi + 8]
        mov rdi, [rdi + 16]           ; ap_entry(struct cpu *)
        xor ebp, ebp
        push 0                        ; zero return address ends backtraces
        mov rax, [rel params + 0x28]
        jmp rax
.lost:
        ; No slot for this APIC id. In probe mode (no MADT: the BSP sent a
        ; broadcast INIT/SIPI and does not know who will answer) claim the
        ; next free slot and write our APIC id into it; otherwise the BSP
        ; did not start us on purpose: stop here, touching nothing.
        ; Claiming a slot index does not admit us: the BSP may have closed
        ; the slot already (its state is WITHDRAWN), which ap_entry finds
        ; by its compare-and-swap, and then parks.
        cmp dword [rel params + 0x40], 0
        je .stop
        mov eax, 1
        lock xadd [rel params + 0x44], eax
        cmp eax, [rel params + 0x38]
        jae .stop                     ; more CPUs than slots
        imul eax, eax, TC_SIZE
        mov rdi, [rel params + 0x30]
        add rdi, rax
        mov [rdi], esi
        jmp .found
.stop:
        cli
.halt:  hlt
        jmp .halt

        times PARAMS - ($ - $$) db 0
; The parameter block. Offsets are relative to the page; smp/boot.c adds
; T to the three marked fields and fills in the rest.
params:
        dw gdt_end - gdt - 1          ; 0x00 GDT limit
        dd gdt                        ; 0x02 GDT base       (+ T)
        dw 0
        dd start32                    ; 0x08 far32 offset   (+ T)
        dw SEL_CODE32
        dw 0
        dd start64                    ; 0x10 far64 offset   (+ T)
        dw SEL_CODE64
        dw 0
        dq 0                          ; 0x18 cr3_low
        dq 0                          ; 0x20 cr3
        dq 0                          ; 0x28 entry
        dq 0                          ; 0x30 cpus
        dd 0                          ; 0x38 ncpus
        dd 0                          ; 0x3c alive
        dd 0                          ; 0x40 probe
        dd 0                          ; 0x44 claimed
        times 0x60 - ($ - params) db 0
gdt:
        dq 0                                  ; null
        dq 0x00cf9a000000ffff                 ; 0x08 code32: base 0, 4 GiB
        dq 0x00cf92000000ffff                 ; 0x10 data32
        dq 0x00209a0000000000                 ; 0x18 code64 (L=1)
gdt_end:
