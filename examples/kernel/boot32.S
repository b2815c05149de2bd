/* SPDX-License-Identifier: MIT
 * Multiboot (v1) entry of the i386 example kernel: the loader (QEMU -kernel, GRUB) jumps to _start
 * in 32-bit protected mode, paging off, interrupts off, with the magic in %eax. */

        .set MULTIBOOT_MAGIC, 0x1BADB002
        .set MULTIBOOT_FLAGS, 0          /* ELF kernel: the loader reads the program headers */

        /* Must lie in the first 8 KiB of the file: the linker script puts it first. */
        .section .multiboot, "a"
        .balign 4
        .long MULTIBOOT_MAGIC
        .long MULTIBOOT_FLAGS
        .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

        .section .bss.stack, "aw", @nobits
        .balign 16
boot_stack_bottom:
        .skip 262144                     /* the self-test keeps its task table on the stack */
boot_stack_top:

        .text
        .globl _start
        .type _start, @function
_start:
        mov     %eax, %esi               /* the multiboot magic, kept across the bss clear */
        /* Loaders need not zero .bss; C++ relies on zero-initialised statics. */
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        cld
        rep stosb
        mov     $boot_stack_top, %esp
        push    %esi
        call    kmain
1:      cli
        hlt
        jmp     1b
        .size _start, . - _start
