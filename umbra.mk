# Placeholder: the EFI image build lands with issue #2 (boot/arch).
all:
	@echo "umbra.mk: EFI build not yet written"
