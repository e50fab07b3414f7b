/*
 * The image's own symbol table for crash backtraces, generated after a first link
 * pass by arch/x86_64/gensyms.sh and linked into the final image (.rodata only, so
 * .text is identical in both passes; umbra.mk checks this).
 * arch_symtab_addr[i] is the offset of function i from ImageBase, ascending;
 * its name starts at arch_symtab_str + arch_symtab_name[i]. arch_symtab_so is the path
 * of the image's umbra.so as the build named it ("umbra.so" in the first pass).
 */
#ifndef UMBRA_ARCH_SYMTAB_H
#define UMBRA_ARCH_SYMTAB_H

#include <stdint.h>

extern const uint32_t arch_symtab_count;
extern const uint32_t arch_symtab_addr[];
extern const uint32_t arch_symtab_name[];
extern const char arch_symtab_str[];
extern const char arch_symtab_so[];

#endif
