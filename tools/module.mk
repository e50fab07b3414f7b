# tools/module.mk: disk images, signing, `make run`, the inputs of the QEMU boot tests and
# the boot benchmark. See docs/images.md and docs/testing.md.
#
#   make image                      build/umbra.img (GPT + ESP) and build/umbra.vhd (fixed VHD)
#   make sign KEY=db.key CERT=db.crt  build/umbra-signed.{efi,img,vhd}; KEY_PASS for an
#                                   encrypted key
#   make run [ARGS="a b"]           boot build/umbra.img in QEMU + OVMF, serial on the
#                                   terminal (Ctrl-A x quits); with ARGS, boot build/umbra.efi
#                                   through OVMF's kernel loader with ARGS as load options
#   make run-secboot                the signed image of the current build/umbra.efi under
#                                   Secure Boot (after make sign, or with KEY= CERT=)
#   make run SIM=1 [ARGS=...]       boot build/sim/umbra.efi (simulator image) the same way
#   APP=apps/NAME selects the app for all of them (umbra.mk remembers the last one)
#   make debug [ARGS="a b"]         boot build/umbra.efi waiting for gdb, then gdb with
#                                   umbra.so at the load address (tools/debug.sh)
#
# Also included by umbra.mk for out-of-tree apps, so image/sign/run work there too.
UMBRA_TOOLS := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
IMAGE_MIB ?= 64
KEY ?=
CERT ?=
ARGS ?=
RUN_QEMU ?=

.PHONY: image sign run run-secboot
# Disk images record IMAGE_MIB in a stamp (as umbra.mk records APP): changing it rebuilds them.
UMBRA_MIB_STAMP := $(BUILD)/.image-mib-$(IMAGE_MIB)
$(BUILD)/.image-mib-%:
	@mkdir -p $(@D)
	@rm -f $(BUILD)/.image-mib-*
	@touch $@

ifeq ($(SIM),1)
# SIM images are test images: no disk image, no signature; `make run SIM=1` boots one.
image sign run-secboot:
	@echo "$@: takes the production image; SIM=1 images are test images (make run SIM=1 boots one)"; exit 2
else
image: $(BUILD)/umbra.img $(BUILD)/umbra.vhd
	@echo "image: $(BUILD)/umbra.img $(BUILD)/umbra.vhd ($(IMAGE_MIB) MiB, app $(UMBRA_APP_LABEL))"

# Signing always runs (KEY or CERT may have changed); the images follow the signed binary.
sign: export KEY_PASS := $(KEY_PASS)
sign: $(BUILD)/umbra.efi $(UMBRA_MIB_STAMP)
	@if [ -z "$(KEY)" ] || [ -z "$(CERT)" ]; then \
		echo "usage: make sign KEY=db.key CERT=db.crt [KEY_PASS=...]"; \
		echo "  OVMF's test key: make sign KEY=/usr/share/ovmf/PkKek-1-snakeoil.key \\"; \
		echo "    CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem KEY_PASS=snakeoil"; exit 2; fi
	bash $(UMBRA_TOOLS)/sign.sh "$(KEY)" "$(CERT)" $< $(BUILD)/umbra-signed.efi
	bash $(UMBRA_TOOLS)/mkimage.sh $(BUILD)/umbra-signed.efi $(BUILD)/umbra-signed.img $(IMAGE_MIB)
	bash $(UMBRA_TOOLS)/mkvhd.sh $(BUILD)/umbra-signed.img $(BUILD)/umbra-signed.vhd
	@echo "sign: $(BUILD)/umbra-signed.efi $(BUILD)/umbra-signed.img $(BUILD)/umbra-signed.vhd (app $(UMBRA_APP_LABEL))"

# run-secboot boots the signature of the current build/umbra.efi (APP): a signed binary
# older than it is re-signed when KEY and CERT are given, and refused otherwise.
$(BUILD)/umbra-signed.efi: export KEY_PASS := $(KEY_PASS)
$(BUILD)/umbra-signed.efi: $(BUILD)/umbra.efi
	@if [ -z "$(KEY)" ] || [ -z "$(CERT)" ]; then \
		echo "run-secboot: $@ is missing or older than $< (app $(UMBRA_APP_LABEL)):"; \
		echo "  make sign KEY=db.key CERT=db.crt first, or give KEY= and CERT= to run-secboot;"; \
		echo "  the Secure Boot firmware trusts OVMF's test key: KEY=/usr/share/ovmf/PkKek-1-snakeoil.key"; \
		echo "  CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem KEY_PASS=snakeoil"; exit 2; fi
	bash $(UMBRA_TOOLS)/sign.sh "$(KEY)" "$(CERT)" $< $@
run-secboot: $(BUILD)/umbra-signed.img
	@echo "run-secboot: $< (app $(UMBRA_APP_LABEL)), Secure Boot enforced"
	@bash $(UMBRA_TOOLS)/qemu.sh --secboot --disk $< \
		--vars $(BUILD)/run-vars.fd -- $(RUN_QEMU); bash $(UMBRA_TOOLS)/umbra-status.sh $$?
endif

# Any EFI binary under $(BUILD) -> GPT disk image -> fixed VHD.
$(BUILD)/%.img: $(BUILD)/%.efi $(UMBRA_TOOLS)/mkimage.sh $(UMBRA_MIB_STAMP)
	bash $(UMBRA_TOOLS)/mkimage.sh $< $@ $(IMAGE_MIB)
$(BUILD)/%.vhd: $(BUILD)/%.img $(UMBRA_TOOLS)/mkvhd.sh
	bash $(UMBRA_TOOLS)/mkvhd.sh $< $@
.PRECIOUS: $(BUILD)/%.img $(BUILD)/%.efi

# QEMU's status is (value << 1) | 1 for a value written to isa-debug-exit; umbra-status.sh
# names it (docs/testing.md) and fails unless the app exited with 0. SIM=1 boots the
# simulator image through OVMF's kernel loader (load options ARGS, e.g. umbra.sim=tdx-paravisor);
# otherwise the disk image, or with ARGS build/umbra.efi through the kernel loader.
ifeq ($(SIM),1)
run: $(BUILD)/sim/umbra.efi
	@echo "run: $< (app $(UMBRA_APP_LABEL), simulator image) load options \"$(ARGS)\""
	@bash $(UMBRA_TOOLS)/qemu.sh --kernel $< --append "$(ARGS)" --vars $(BUILD)/run-vars.fd \
		-- $(RUN_QEMU); bash $(UMBRA_TOOLS)/umbra-status.sh $$?
else ifeq ($(strip $(ARGS)),)
run: $(BUILD)/umbra.img
	@echo "run: $< (app $(UMBRA_APP_LABEL))"
	@bash $(UMBRA_TOOLS)/qemu.sh --disk $< --vars $(BUILD)/run-vars.fd -- $(RUN_QEMU); \
		bash $(UMBRA_TOOLS)/umbra-status.sh $$?
else
run: $(BUILD)/umbra.efi
	@echo "run: $< (app $(UMBRA_APP_LABEL)) load options \"$(ARGS)\""
	@bash $(UMBRA_TOOLS)/qemu.sh --kernel $< --append "$(ARGS)" --vars $(BUILD)/run-vars.fd \
		-- $(RUN_QEMU); bash $(UMBRA_TOOLS)/umbra-status.sh $$?
endif

# gdb on the image at the address OVMF loaded it to (docs/boot.md, "Debugging").
.PHONY: debug
debug: $(BUILD)/umbra.efi
	@bash $(UMBRA_TOOLS)/debug.sh --efi $< $(if $(strip $(ARGS)),--append "$(ARGS)")

ifeq ($(UMBRA_TOOLS),tools)
# ---- in tree only: what the QEMU boot tests (tests/boot/manifest) boot ------------------
# Test images are built from build/apps/hello (not build/umbra.efi, which follows APP) by
# the same rules as `make image` and `make sign` (OVMF's snakeoil key, whose certificate
# the snakeoil VARS file has enrolled in db).
BOOT_TEST_APPS := hello crash memtest timer echo
# Apps the boot tests also boot as SIM images (build/sim/apps/NAME, simulator linked in).
BOOT_TEST_SIM_APPS := echo
SNAKEOIL_KEY := /usr/share/ovmf/PkKek-1-snakeoil.key
SNAKEOIL_CERT := /usr/share/ovmf/PkKek-1-snakeoil.pem
BOOT_TEST_DEPS += $(foreach a,$(BOOT_TEST_APPS),$(BUILD)/apps/$(a)/umbra.efi) \
	$(foreach a,$(BOOT_TEST_SIM_APPS),$(BUILD)/sim/apps/$(a)/umbra.efi) \
	$(BUILD)/test/hello.img $(BUILD)/test/hello.vhd $(BUILD)/test/hello-signed.img \
	$(BUILD)/test/hello-cmdline.img \
	$(BUILD)/test/oot.efi $(BUILD)/clang/apps/hello/umbra.efi

$(BUILD)/test/hello.efi: $(BUILD)/apps/hello/umbra.efi
	@mkdir -p $(@D)
	cp $< $@
# A disk image with an options file next to the image (docs/boot.md, "Load options").
$(BUILD)/test/hello-cmdline.img: $(BUILD)/test/hello.efi tests/boot/esp/umbra.cmdline \
		tools/mkimage.sh
	bash tools/mkimage.sh $< $@ $(IMAGE_MIB) tests/boot/esp/umbra.cmdline
$(BUILD)/test/hello-signed.efi: $(BUILD)/apps/hello/umbra.efi tools/sign.sh
	@mkdir -p $(@D)
	KEY_PASS=snakeoil bash tools/sign.sh $(SNAKEOIL_KEY) $(SNAKEOIL_CERT) $< $@
# The out-of-tree example, built from a copy in a temp dir; rebuilt when the example or
# any runtime source changes (the hello image stands for the latter).
$(BUILD)/test/oot.efi: $(wildcard examples/outoftree/Makefile examples/outoftree/*.[ch]) $(BUILD)/apps/hello/umbra.efi \
		tools/oot-build.sh umbra.mk
	bash tools/oot-build.sh examples/outoftree $@

# The hello app built with CC=clang (its own build tree); the sub-make decides freshness.
$(BUILD)/clang/apps/hello/umbra.efi: FORCE
	+$(MAKE) --no-print-directory CC=clang BUILD=$(BUILD)/clang $@
.PHONY: FORCE
FORCE:

BENCH_DEPS += $(BUILD)/apps/hello/umbra.efi $(BUILD)/apps/echo/umbra.efi $(BUILD)/test/hello.img
BENCH_SCRIPTS += tools/bench-boot.sh
bench: export UMBRA_BUILD := $(BUILD)
endif

# apps/timer checks that SSE state survives an interrupt handler it installs through the
# hardware seam: a test app, the one app allowed past include/ (tools/layers.sh).
LAYER_ALLOW += apps/timer/main.c:arch/x86_64/hw.h
