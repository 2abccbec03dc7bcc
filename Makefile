# nestvisor: one static binary (build/nestvisor), the test guest (build/testguest), tests.
#   make            build everything
#   make test       run the unit, kvm and simhost tiers (TIERS="unit kvm" to choose)
#   make run        the demo (boots Linux in the simulated host)
#   make bench      benchmarks against QEMU on the local /dev/kvm
#   make fuzz       each libFuzzer target (tests/fuzz) for FUZZ_SECONDS (60); fuzz-ci: 10 s each
# Variables: STATIC=0 for a dynamic build, WERROR=1 to fail on warnings, V=1 for verbose,
# SAN=1 for ASan+UBSan (dynamic, into build-san/; `make test SAN=1` tests that build).

CC ?= gcc
BUILD := build
STATIC ?= 1
WERROR ?= 0
SAN ?= 0

# ASan does not link statically, and its objects must not mix with the normal build's.
ifeq ($(SAN),1)
BUILD := build-san
STATIC := 0
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CFLAGS_BASE := -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wvla \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -D_GNU_SOURCE -Isrc -MMD -MP
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
CFLAGS += $(CFLAGS_BASE) $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
LDLIBS += -lsqlite3 -ljansson -lhttp_parser -luring -lseccomp -lpthread -lm
ifeq ($(STATIC),1)
LDFLAGS += -static
endif

ifneq ($(V),1)
Q := @
endif

SRCS := $(sort $(wildcard src/*/*.c src/*/*/*.c))
MAIN_SRC := src/cli/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libnestvisor.a

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)

all: $(BUILD)/nestvisor $(BUILD)/testguest $(UNIT_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/nestvisor: $(BUILD)/$(MAIN_SRC:.c=.o) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# The test guest has its own freestanding rules.
-include guest/guest.mk

test: deps all
	$(Q)NV_BUILD=$(BUILD) tests/run-tests $(TIERS)

run: deps all
	$(Q)tools/demo

bench: deps all
	$(Q)bench/run-all

deps:
	$(Q)scripts/install-deps

# Fuzzing: clang + libFuzzer, the library rebuilt with sanitizers into its own directory.
FUZZ_CC ?= clang
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 10
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Isrc \
	-MMD -MP $(FUZZ_SAN)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB := $(FUZZ_BUILD)/libnestvisor.a
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)

$(FUZZ_BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@$(if $(Q),echo "  FUZZ    $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) \
		$(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: deps fuzz-build
	$(Q)tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-ci: deps fuzz-build
	$(Q)tests/fuzz/run-fuzz --ci $(FUZZ_CI_SECONDS) $(FUZZ_BINS)

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $(SRCS) $(wildcard src/*/*.h src/*/*/*.h)

.PHONY: all test run bench deps clean format fuzz fuzz-build fuzz-ci
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
