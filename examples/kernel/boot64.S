/* SPDX-License-Identifier: MIT
 * Multiboot (v1) entry of the x86-64 example kernel. The loader starts us in 32-bit protected
 * mode; this file builds page tables, enters long mode and jumps to the C++ code, which is linked
 * for the kernel code model at -2 GiB (0xffffffff80000000 + physical address).
 *
 * Memory map set up here, all with 2 MiB pages onto the first 1 GiB of physical memory:
 *   virtual 0 .. 1 GiB                          identity (the code below runs there)
 *   virtual 0xffffffff80000000 .. +1 GiB        the kernel's own mapping (-mcmodel=kernel) */

        .set MULTIBOOT_MAGIC, 0x1BADB002
        /* Bit 16: the load addresses below are given in the header. The boot image is a flat
         * binary (objcopy -O binary), since loaders accept only 32-bit ELF files. */
        .set MULTIBOOT_FLAGS, 0x00010000
        .set KERNEL_VMA, 0xFFFFFFFF80000000

        .section .multiboot, "a"
        .balign 4
multiboot_header:
        .long MULTIBOOT_MAGIC
        .long MULTIBOOT_FLAGS
        .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)
        .long multiboot_header           /* header_addr: physical */
        .long multiboot_header           /* load_addr: the image starts with this header */
        .long __load_end_phys            /* load_end_addr */
        .long __bss_end_phys             /* bss_end_addr */
        .long _start                     /* entry_addr */

        .section .boot.data, "aw"
        .balign 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
boot_gdt:
        .quad 0
        .quad 0x00AF9A000000FFFF         /* 0x08: 64-bit code, ring 0 */
        .quad 0x00CF92000000FFFF         /* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_pointer:
        .word boot_gdt_end - boot_gdt - 1
        .long boot_gdt

        .section .boot.text, "ax"
        .code32
        .globl _start
        .type _start, @function
_start:
        cli
        mov     %eax, %esi               /* the multiboot magic, for kmain */

        /* 512 entries of 2 MiB: present | writable | page size. */
        mov     $boot_pd, %edi
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $21, %eax
        or      $0x83, %eax
        mov     %eax, (%edi,%ecx,8)
        movl    $0, 4(%edi,%ecx,8)
        inc     %ecx
        cmp     $512, %ecx
        jne     1b

        mov     $boot_pd, %eax
        or      $0x3, %eax
        mov     %eax, boot_pdpt_low
        mov     %eax, boot_pdpt_high + 510 * 8   /* 0xffffffff80000000: PML4 511, PDPT 510 */
        mov     $boot_pdpt_low, %eax
        or      $0x3, %eax
        mov     %eax, boot_pml4
        mov     $boot_pdpt_high, %eax
        or      $0x3, %eax
        mov     %eax, boot_pml4 + 511 * 8

        mov     %cr4, %eax
        or      $(1 << 5), %eax          /* PAE */
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx        /* EFER */
        rdmsr
        or      $(1 << 8), %eax          /* LME */
        wrmsr
        mov     %cr0, %eax
        or      $(1 << 31), %eax         /* PG: with LME set, this activates long mode */
        mov     %eax, %cr0
        lgdt    boot_gdt_pointer
        ljmp    $0x08, $long_mode_low

        .code64
long_mode_low:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        movabs  $long_mode_high, %rax
        jmp     *%rax
        .size _start, . - _start

        .text
long_mode_high:
        /* Loaders need not zero .bss; C++ relies on zero-initialised statics. */
        mov     $__bss_start, %rdi
        mov     $__bss_end, %rcx
        sub     %rdi, %rcx
        xor     %eax, %eax
        cld
        rep stosb
        mov     $boot_stack_top, %rsp
        mov     %esi, %edi
        call    kmain
2:      cli
        hlt
        jmp     2b

        .section .bss.stack, "aw", @nobits
        .balign 16
        .skip 262144                     /* the self-test keeps its task table on the stack */
boot_stack_top:
