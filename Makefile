# nestvisor: one static binary (build/nestvisor), the test guest (build/testguest), tests.
#   make            build everything
#   make test       run the unit, kvm and simhost tiers (TIERS="unit kvm" to choose)
#   make run        the demo (boots Linux in the simulated host)
#   make bench      benchmarks against QEMU on the local /dev/kvm
# Variables: STATIC=0 for a dynamic build, WERROR=1 to fail on warnings, V=1 for verbose.

CC ?= gcc
BUILD := build
STATIC ?= 1
WERROR ?= 0

CFLAGS_BASE := -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wvla \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -D_GNU_SOURCE -Isrc -MMD -MP
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
CFLAGS += $(CFLAGS_BASE)
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
	$(Q)tests/run-tests $(TIERS)

run: deps all
	$(Q)tools/demo

bench: deps all
	$(Q)bench/run-all

deps:
	$(Q)scripts/install-deps

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $(SRCS) $(wildcard src/*/*.h src/*/*/*.h)

.PHONY: all test run bench deps clean format
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
