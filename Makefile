# Umbra top-level Makefile.
#
#   make                  build/umbra.efi (runtime + APP, default apps/hello)
#   make APP=apps/NAME    another in-tree app (remembered: later targets use it, umbra.mk)
#   make SIM=1            build/sim/umbra.efi, the app linked with the simulator (sim/)
#   make test             host unit tests (ASan+UBSan), fuzz smoke, QEMU boot tests
#   make bench            benchmarks, machine-readable "bench ..." lines
#   make fuzz FUZZ_TIME=60  each fuzz target for FUZZ_TIME seconds
#   make image / sign / run / deps / clean
#
# Each layer folder has a module.mk that appends to these variables:
#   RT_SRCS                 runtime sources for the EFI image (.c, .asm)
#   HOST_TESTS += NAME      with HOST_TEST_SRCS_NAME: host test -> build/host/tests/NAME
#   FUZZ_TARGETS += NAME    with FUZZ_SRCS_NAME, FUZZ_CORPUS_NAME: -> build/host/fuzz/NAME
#   BENCH_PROGS += NAME     with BENCH_SRCS_NAME: -O2, no sanitizers -> build/host/bench/NAME
#   BENCH_SCRIPTS           extra commands run by `make bench` (each prints bench lines)

.DEFAULT_GOAL := all
BUILD ?= build
HOST_BUILD := $(BUILD)/host
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 5

HOST_CC ?= gcc
HOST_INC := -Iinclude -I.
HOST_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -DUMBRA_HOST=1 $(HOST_INC)
HOST_LDFLAGS := -fsanitize=address,undefined -lpthread
BENCH_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -DUMBRA_HOST=1 -D_GNU_SOURCE $(HOST_INC)
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -DUMBRA_HOST=1 $(HOST_INC)

RT_SRCS :=
LAYERS :=
LAYER_ALLOW :=
HOST_TESTS :=
FUZZ_TARGETS :=
BENCH_PROGS :=
BENCH_SCRIPTS :=

include $(sort $(wildcard */module.mk */*/module.mk))

# The EFI image build (shared with out-of-tree apps).
UMBRA_ROOT := .
include umbra.mk

# ---- host programs -------------------------------------------------------------
define host_test_rule
$(HOST_BUILD)/tests/$(1): $$(HOST_TEST_SRCS_$(1)) $$(wildcard $$(sort $$(dir $$(HOST_TEST_SRCS_$(1))))*.h) | $(HOST_BUILD)/tests
	$$(HOST_CC) $$(HOST_CFLAGS) $$(HOST_TEST_SRCS_$(1)) -o $$@ $$(HOST_LDFLAGS)
endef
define fuzz_rule
$(HOST_BUILD)/fuzz/$(1): $$(FUZZ_SRCS_$(1)) $$(wildcard $$(sort $$(dir $$(FUZZ_SRCS_$(1))))*.h) | $(HOST_BUILD)/fuzz
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(FUZZ_SRCS_$(1)) -o $$@
endef
define bench_rule
$(HOST_BUILD)/bench/$(1): $$(BENCH_SRCS_$(1)) $$(wildcard $$(sort $$(dir $$(BENCH_SRCS_$(1))))*.h) | $(HOST_BUILD)/bench
	$$(HOST_CC) $$(BENCH_CFLAGS) $$(BENCH_SRCS_$(1)) -o $$@ -lpthread
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))
$(foreach t,$(BENCH_PROGS),$(eval $(call bench_rule,$(t))))

$(HOST_BUILD)/tests $(HOST_BUILD)/fuzz $(HOST_BUILD)/bench:
	mkdir -p $@

HOST_TEST_BINS := $(addprefix $(HOST_BUILD)/tests/,$(HOST_TESTS))
FUZZ_BINS := $(addprefix $(HOST_BUILD)/fuzz/,$(FUZZ_TARGETS))
BENCH_BINS := $(addprefix $(HOST_BUILD)/bench/,$(BENCH_PROGS))

.PHONY: all test host-tests fuzz-bins fuzz bench deps clean
host-tests: $(HOST_TEST_BINS)
fuzz-bins: $(FUZZ_BINS)

# The layering each module.mk declares, as tools/layers.sh arguments ("dir:dep,dep").
empty :=
space := $(empty) $(empty)
comma := ,
LAYER_ARGS = $(foreach a,$(LAYER_ALLOW),--allow $(a)) \
	$(foreach l,$(LAYERS),$(l):$(subst $(space),$(comma),$(strip $(LAYER_DEPS_$(l)))))
.PHONY: layers
layers:
	@bash tools/layers.sh --self-test $(LAYER_ARGS)

# BOOT_TEST_DEPS is filled by the module that owns the QEMU boot tests.
test: host-tests fuzz-bins $(BOOT_TEST_DEPS)
	@FUZZ_SMOKE_TIME=$(FUZZ_SMOKE_TIME) BUILD=$(BUILD) bash tests/run \
		--layers "$(LAYER_ARGS)" --tests "$(HOST_TESTS)" --fuzz "$(FUZZ_TARGETS)"

# Every target runs (its full log in $(BUILD)/fuzz-logs/NAME.log, a crashing input in
# $(BUILD)/fuzz-artifacts/NAME/); the summary lines are printed; make fails if any target
# failed (a crash, a leak, a timeout: libFuzzer's exit status is not 0).
fuzz: fuzz-bins
	@failed=""; mkdir -p $(BUILD)/fuzz-logs; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz-corpus/$$t $(BUILD)/fuzz-artifacts/$$t; \
		echo "fuzz $$t for $(FUZZ_TIME)s"; log=$(BUILD)/fuzz-logs/$$t.log; \
		$(HOST_BUILD)/fuzz/$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz-artifacts/$$t/ $(BUILD)/fuzz-corpus/$$t \
			$$([ -d tests/fuzz/corpus/$$t ] && echo tests/fuzz/corpus/$$t) >$$log 2>&1; \
		rc=$$?; grep -E 'stat::|ERROR|SUMMARY|Test unit written' $$log; \
		if [ $$rc -ne 0 ]; then echo "fuzz $$t: FAILED (exit $$rc), log $$log"; failed="$$failed $$t"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed"; exit 1; fi; echo "fuzz: all targets passed"

bench: $(BENCH_BINS) $(BENCH_DEPS)
	@set -e; for b in $(BENCH_BINS); do $$b; done; \
	for s in $(BENCH_SCRIPTS); do $$s; done

deps:
	bash tools/setup.sh

clean:
	rm -rf $(BUILD)

# The newcomer's demo: install packages if missing, build, boot the hello app in QEMU.
.PHONY: demo
demo:
	bash tools/setup.sh --if-missing
	$(MAKE) run APP=apps/hello
