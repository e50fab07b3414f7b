# umbra.mk: builds Umbra EFI images (runtime + one application). See docs/boot.md.
#
# In tree (the top Makefile includes this with UMBRA_ROOT := .):
#   make                         build/umbra.efi for APP (default apps/hello)
#   make APP=apps/NAME           same, another in-tree app
#   make build/apps/NAME/umbra.efi      any apps/* folder, several per invocation
#   make build/sim/apps/NAME/umbra.efi  same app linked with the simulator (sim/)
#   make SIM=1 [APP=apps/NAME]   build/sim/umbra.efi
# APP is remembered: without APP, the app of the last build in this BUILD folder
# ($(BUILD)/.app-NAME), else apps/hello. Every target that takes the image (all, image,
# sign, run, run-secboot) uses the same APP.
# Out of tree, an app directory's whole Makefile:
#   UMBRA_ROOT := /path/to/umbra
#   APP_SRCS := main.c
#   include $(UMBRA_ROOT)/umbra.mk
# which builds build/umbra.efi there (BUILD overrides the output folder); SIM=1 builds
# build/sim/umbra.efi. Each umbra.efi has its umbra.so (ELF with DWARF) next to it.
#
# Toolchain: CROSS=x86_64-elf- prefixes gcc/ld/objcopy/nm; CC=clang works. GNU-EFI 3.0.15
# headers from EFI_INC, crt0 and libgnuefi (the relocator only, not libefi) from EFI_LIB.
# Variables other modules extend: RT_SRCS (every image), RT_SRCS_REAL (production images
# only: the real hw_* implementation, rt/hooks_none.c), RT_SRCS_SIM (simulator images
# only: sim/, whose sim_image.c defines rt_platform_hooks instead).

UMBRA_ROOT ?= .
BUILD ?= build
.DEFAULT_GOAL := all
SIM ?=
ifeq ($(filter-out 0 1,$(SIM)),)
else
$(error umbra.mk: SIM=$(SIM): use SIM=1 for a simulator image, or leave SIM unset)
endif

ifeq ($(UMBRA_ROOT),.)
UMBRA_SRC :=
UMBRA_IN_TREE := 1
else
# Out of tree: collect the runtime's sources from its module fragments.
UMBRA_SRC := $(UMBRA_ROOT)/
UMBRA_IN_TREE := 0
RT_SRCS :=
RT_SRCS_REAL :=
RT_SRCS_SIM :=
include $(sort $(wildcard $(UMBRA_ROOT)/*/module.mk $(UMBRA_ROOT)/*/*/module.mk))
endif

# ---- toolchain -------------------------------------------------------------------
CROSS ?=
ifeq ($(origin CC),default)
CC := $(CROSS)gcc
endif
UMBRA_LD ?= $(CROSS)ld
UMBRA_OBJCOPY ?= $(CROSS)objcopy
UMBRA_NM ?= $(CROSS)nm
NASM ?= nasm
EFI_INC ?= /usr/include/efi
EFI_LIB ?= /usr/lib
UMBRA_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -qi clang && echo 1)

UMBRA_CFLAGS := -std=c11 -O2 -g -Wall -Wextra \
	-ffreestanding -fpic -fshort-wchar -fno-stack-protector -fno-strict-aliasing \
	-fno-merge-all-constants -mno-red-zone -fno-omit-frame-pointer -fvisibility=hidden \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-common -ffunction-sections -fdata-sections \
	-DGNU_EFI_USE_MS_ABI -DCONFIG_x86_64 -DUMBRA_IMAGE=1 \
	-I$(EFI_INC) -I$(EFI_INC)/x86_64 -I$(EFI_INC)/protocol \
	-I$(UMBRA_SRC)include -I$(UMBRA_ROOT) -MMD -MP
ifeq ($(UMBRA_IS_CLANG),1)
UMBRA_CFLAGS += -Wno-unused-command-line-argument
else
# gcc: MS-ABI calls need fixed outgoing-argument space (gnu-efi); never turn byte loops
# into calls to memset/memcpy (lib/string.c implements them). No padding before jump
# targets (as clang does not pad them): 3 % of .text (functions and loops stay aligned).
UMBRA_CFLAGS += -maccumulate-outgoing-args -fno-tree-loop-distribute-patterns -fno-stack-check \
	-falign-jumps=1 -falign-labels=1
endif
UMBRA_RT_CFLAGS := $(UMBRA_CFLAGS) -Werror
APP_CFLAGS ?=
UMBRA_APP_CFLAGS := $(UMBRA_CFLAGS) $(if $(filter 1,$(UMBRA_IN_TREE)),-Werror) $(APP_CFLAGS)
UMBRA_NASMFLAGS := -f elf64 -g -F dwarf -I$(UMBRA_SRC)arch/x86_64/
UMBRA_LDS := $(UMBRA_SRC)linker.ld
UMBRA_LIBGCC := $(wildcard $(shell $(CC) -print-libgcc-file-name 2>/dev/null))
UMBRA_LDFLAGS := -nostdlib -znocombreloc -T $(UMBRA_LDS) -shared -Bsymbolic --no-undefined \
	--warn-common --fatal-warnings --gc-sections
# A build-id of 20 zero bytes: the placeholder of the first pass and of the stripped link.
UMBRA_NULL_ID := 0x0000000000000000000000000000000000000000
UMBRA_LDLIBS := -L$(EFI_LIB) -lgnuefi $(UMBRA_LIBGCC)
UMBRA_CRT0 := $(EFI_LIB)/crt0-efi-x86_64.o
# Sections copied into the PE image. .rodata is separate in linker.ld (W^X); .reloc
# makes a relocatable PE; .dynamic and .rela feed gnu-efi's _relocate (gnuefi/reloc_x86_64.c
# reads DT_RELA/DT_RELASZ/DT_RELAENT only, so .dynsym stays out); .bss becomes an
# uninitialised-data section without file contents (linker.ld).
UMBRA_PE_SECTIONS := -j .text -j .sdata -j .rodata -j .data -j .dynamic \
	-j .rel -j .rela -j '.rel.*' -j '.rela.*' -j .reloc -j .bss \
	-j .note.gnu.build-id --rename-section .note.gnu.build-id=.buildid

# ---- runtime objects: $(BUILD)/rt (production) and $(BUILD)/sim/rt (SIM images) -----
UMBRA_RT_REAL_OBJS := $(patsubst %,$(BUILD)/rt/%.o,$(basename $(RT_SRCS) $(RT_SRCS_REAL)))
UMBRA_RT_SIM_OBJS := $(patsubst %,$(BUILD)/sim/rt/%.o,$(basename $(RT_SRCS) $(RT_SRCS_SIM)))

$(BUILD)/rt/%.o: $(UMBRA_SRC)%.c
	@mkdir -p $(@D)
	$(CC) $(UMBRA_RT_CFLAGS) -c $< -o $@
$(BUILD)/rt/%.o: $(UMBRA_SRC)%.asm
	@mkdir -p $(@D)
	$(NASM) $(UMBRA_NASMFLAGS) -MD $(@:.o=.d) $< -o $@
$(BUILD)/sim/rt/%.o: $(UMBRA_SRC)%.c
	@mkdir -p $(@D)
	$(CC) $(UMBRA_RT_CFLAGS) -DUMBRA_SIM=1 -c $< -o $@
$(BUILD)/sim/rt/%.o: $(UMBRA_SRC)%.asm
	@mkdir -p $(@D)
	$(NASM) $(UMBRA_NASMFLAGS) -DUMBRA_SIM=1 -MD $(@:.o=.d) $< -o $@

# ---- linking an image ------------------------------------------------------------
# $(call umbra_image,OUTDIR,APP_OBJS,RT_OBJS) -> OUTDIR/umbra.so (ELF with DWARF, for gdb
# and addr2line) and OUTDIR/umbra.efi. Two passes: the first links an empty symbol
# table, the second the table generated from the first; .text must not move (checked).
# The build-id (a note in umbra.efi) is the SHA-1 of the second pass linked with
# -s (no symbols, no DWARF) and a zero build-id: DWARF names the source paths (nasm
# records the absolute directory of each .asm file whatever path it is given), so a
# build-id over it, as ld's --build-id=sha1 computes, would make umbra.efi depend on
# where the checkout is. umbra.so keeps its paths for gdb (tools/check-build.sh checks
# that two checkouts at different paths give identical images).
define umbra_image
$(1)/umbra.pass1.so: $(UMBRA_CRT0) $(3) $(2) $(BUILD)/rt/symtab_empty.o $(UMBRA_LDS)
	$(UMBRA_LD) $(UMBRA_LDFLAGS) --build-id=$(UMBRA_NULL_ID) $(UMBRA_CRT0) $(3) $(2) \
		$(BUILD)/rt/symtab_empty.o -o $$@ $(UMBRA_LDLIBS)
$(1)/symtab.c: $(1)/umbra.pass1.so $(UMBRA_SRC)arch/x86_64/gensyms.sh
	sh $(UMBRA_SRC)arch/x86_64/gensyms.sh $(UMBRA_NM) $$< > $$@
$(1)/symtab.o: $(1)/symtab.c
	$(CC) $(UMBRA_RT_CFLAGS) -c $$< -o $$@
$(1)/umbra.so: $(1)/umbra.pass1.so $(1)/symtab.o
	$(UMBRA_LD) $(UMBRA_LDFLAGS) -s --build-id=$(UMBRA_NULL_ID) $(UMBRA_CRT0) $(3) $(2) \
		$(1)/symtab.o -o $$@.id $(UMBRA_LDLIBS)
	$(UMBRA_LD) $(UMBRA_LDFLAGS) --build-id=0x$$$$(sha1sum < $$@.id | cut -c1-40) $(UMBRA_CRT0) \
		$(3) $(2) $(1)/symtab.o -o $$@ $(UMBRA_LDLIBS)
	@rm -f $$@.id
	@sh $(UMBRA_SRC)arch/x86_64/gensyms.sh $(UMBRA_NM) $$@ | cmp -s - $(1)/symtab.c || \
		{ echo "umbra.mk: .text moved between link passes" >&2; rm -f $$@; exit 1; }
$(1)/umbra.efi: $(1)/umbra.so $(UMBRA_SRC)arch/x86_64/pe-nxcompat.sh
	$(UMBRA_OBJCOPY) --strip-all $(UMBRA_PE_SECTIONS) --target efi-app-x86_64 \
		--subsystem=10 $$< $$@.tmp
	sh $(UMBRA_SRC)arch/x86_64/pe-nxcompat.sh $$@.tmp
	mv $$@.tmp $$@
endef

$(BUILD)/rt/symtab_empty.c: $(UMBRA_SRC)arch/x86_64/gensyms.sh
	@mkdir -p $(@D)
	sh $< - > $@
$(BUILD)/rt/symtab_empty.o: $(BUILD)/rt/symtab_empty.c
	$(CC) $(UMBRA_RT_CFLAGS) -c $< -o $@

UMBRA_DEPS := $(UMBRA_RT_REAL_OBJS:.o=.d) $(UMBRA_RT_SIM_OBJS:.o=.d)

ifeq ($(UMBRA_IN_TREE),1)
# ---- in-tree apps: every apps/NAME folder gets build/apps/NAME/umbra.efi and
# build/sim/apps/NAME/umbra.efi; its sources are apps/NAME/*.c and *.asm.
$(BUILD)/apps/%.o: apps/%.c
	@mkdir -p $(@D)
	$(CC) $(UMBRA_APP_CFLAGS) -c $< -o $@
$(BUILD)/apps/%.o: apps/%.asm
	@mkdir -p $(@D)
	$(NASM) $(UMBRA_NASMFLAGS) $< -o $@
$(BUILD)/sim/apps/%.o: apps/%.c
	@mkdir -p $(@D)
	$(CC) $(UMBRA_APP_CFLAGS) -DUMBRA_SIM=1 -c $< -o $@
$(BUILD)/sim/apps/%.o: apps/%.asm
	@mkdir -p $(@D)
	$(NASM) $(UMBRA_NASMFLAGS) -DUMBRA_SIM=1 $< -o $@

UMBRA_APPS := $(patsubst apps/%/,%,$(sort $(dir $(wildcard apps/*/*.c apps/*/*.asm))))
umbra_app_srcs = $(sort $(wildcard apps/$(1)/*.c apps/$(1)/*.asm))
umbra_app_objs = $(patsubst apps/%,$(2)/apps/%.o,$(basename $(call umbra_app_srcs,$(1))))
$(foreach a,$(UMBRA_APPS),$(eval $(call umbra_image,$(BUILD)/apps/$(a),$(call umbra_app_objs,$(a),$(BUILD)),$(UMBRA_RT_REAL_OBJS))))
$(foreach a,$(UMBRA_APPS),$(eval $(call umbra_image,$(BUILD)/sim/apps/$(a),$(call umbra_app_objs,$(a),$(BUILD)/sim),$(UMBRA_RT_SIM_OBJS))))
UMBRA_DEPS += $(foreach a,$(UMBRA_APPS),$(patsubst %.o,%.d,$(call umbra_app_objs,$(a),$(BUILD)) $(call umbra_app_objs,$(a),$(BUILD)/sim)))

# APP: from the command line or the environment, else the app of the last build in this
# BUILD folder (its stamp $(BUILD)/.app-NAME), else apps/hello. So `make APP=apps/echo`
# then `make image` or `make run` use echo, until another APP is given.
ifeq ($(origin APP),undefined)
UMBRA_APP_LAST := $(patsubst $(BUILD)/.app-%,%,$(firstword $(wildcard $(BUILD)/.app-*)))
APP := apps/$(or $(UMBRA_APP_LAST),hello)
endif
UMBRA_APP_NAME := $(patsubst apps/%,%,$(patsubst %/,%,$(APP)))
ifeq ($(filter $(UMBRA_APP_NAME),$(UMBRA_APPS)),)
$(error umbra.mk: APP=$(APP)$(if $(UMBRA_APP_LAST), (remembered from $(BUILD)/.app-$(UMBRA_APP_LAST))) is not an in-tree app folder apps/NAME with .c sources)
endif
UMBRA_APP_LABEL := $(APP)
# $(BUILD)/umbra.efi and $(BUILD)/sim/umbra.efi: copies of APP's image and its umbra.so,
# refreshed whenever APP changes (the stamp is recreated, so it is newer than both).
$(BUILD)/umbra.efi: $(BUILD)/apps/$(UMBRA_APP_NAME)/umbra.efi $(BUILD)/.app-$(UMBRA_APP_NAME)
	cp $< $@
	cp $(<:.efi=.so) $(@:.efi=.so)
$(BUILD)/sim/umbra.efi: $(BUILD)/sim/apps/$(UMBRA_APP_NAME)/umbra.efi $(BUILD)/.app-$(UMBRA_APP_NAME)
	cp $< $@
	cp $(<:.efi=.so) $(@:.efi=.so)
$(BUILD)/.app-%:
	@mkdir -p $(@D)
	@rm -f $(BUILD)/.app-*
	@touch $@
else
# ---- out-of-tree app: APP_SRCS (.c/.asm, relative to this directory) ------------
# $(BUILD)/app: the production image; $(BUILD)/sim/app: the same app linked with the
# simulator (SIM=1).
APP_SRCS ?= $(wildcard *.c)
UMBRA_OOT_OBJS := $(patsubst %,$(BUILD)/app/%.o,$(basename $(APP_SRCS)))
UMBRA_OOT_SIM_OBJS := $(patsubst %,$(BUILD)/sim/app/%.o,$(basename $(APP_SRCS)))
$(BUILD)/app/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(UMBRA_APP_CFLAGS) -c $< -o $@
$(BUILD)/app/%.o: %.asm
	@mkdir -p $(@D)
	$(NASM) $(UMBRA_NASMFLAGS) -MD $(@:.o=.d) $< -o $@
$(BUILD)/sim/app/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(UMBRA_APP_CFLAGS) -DUMBRA_SIM=1 -c $< -o $@
$(BUILD)/sim/app/%.o: %.asm
	@mkdir -p $(@D)
	$(NASM) $(UMBRA_NASMFLAGS) -DUMBRA_SIM=1 -MD $(@:.o=.d) $< -o $@
$(eval $(call umbra_image,$(BUILD)/app,$(UMBRA_OOT_OBJS),$(UMBRA_RT_REAL_OBJS)))
$(eval $(call umbra_image,$(BUILD)/sim/app,$(UMBRA_OOT_SIM_OBJS),$(UMBRA_RT_SIM_OBJS)))
UMBRA_DEPS += $(UMBRA_OOT_OBJS:.o=.d) $(UMBRA_OOT_SIM_OBJS:.o=.d)
UMBRA_APP_LABEL := $(CURDIR)
$(BUILD)/umbra.efi: $(BUILD)/app/umbra.efi
	cp $< $@
	cp $(<:.efi=.so) $(@:.efi=.so)
$(BUILD)/sim/umbra.efi: $(BUILD)/sim/app/umbra.efi
	cp $< $@
	cp $(<:.efi=.so) $(@:.efi=.so)
.PHONY: clean
clean:
	rm -rf $(BUILD)
endif

# `make` builds the production image, `make SIM=1` the simulator image.
ifeq ($(SIM),1)
UMBRA_IMAGE := $(BUILD)/sim/umbra.efi
else
UMBRA_IMAGE := $(BUILD)/umbra.efi
endif
.PHONY: all
all: $(UMBRA_IMAGE)
	@echo "umbra.mk: $(UMBRA_IMAGE) $$(stat -c %s $(UMBRA_IMAGE)) bytes, app $(UMBRA_APP_LABEL)$(if $(filter 1,$(SIM)), (simulator image))"

-include $(UMBRA_DEPS)
