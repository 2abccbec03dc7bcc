# The test guest: a freestanding x86-64 kernel, included by the top-level Makefile.
#   build/testguest     ELF64 with a PVH entry note (nestvisor, QEMU -kernel)
#   build/testguest.mb  the same code as an ELF32 with a multiboot v1 header
# Uses only GUEST_* variables so the VMM's CFLAGS/LDFLAGS stay untouched.

GUEST_CC ?= gcc
GUEST_OBJCOPY ?= objcopy
GUEST_BUILD := $(BUILD)/guest

GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes -Wvla -Wformat=2 \
	-ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fcf-protection=none -fno-common -fno-strict-aliasing --param=min-pagesize=0 -m64 -mcmodel=small \
	-mno-red-zone -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
	-Iguest -MMD -MP
GUEST_ASFLAGS := -m64 -fno-pic -Iguest -MMD -MP -D__ASSEMBLY__
ifeq ($(WERROR),1)
GUEST_CFLAGS += -Werror
endif
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,guest/guest.ld -Wl,-z,max-page-size=0x1000 \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

GUEST_C_SRCS := $(sort $(wildcard guest/*.c))
GUEST_S_SRCS := $(filter-out guest/multiboot.S,$(sort $(wildcard guest/*.S)))
GUEST_OBJS := $(GUEST_C_SRCS:guest/%.c=$(GUEST_BUILD)/%.o) $(GUEST_S_SRCS:guest/%.S=$(GUEST_BUILD)/%.o)

$(GUEST_BUILD)/%.o: guest/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GCC     $<")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_BUILD)/%.o: guest/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(GUEST_CC) $(GUEST_ASFLAGS) -c -o $@ $<

$(BUILD)/testguest: $(GUEST_OBJS) guest/guest.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS) -lgcc

# Multiboot variant: the header object goes first, then ELF64 -> ELF32 (all below 4 GiB),
# without the PVH note so that loaders which prefer PVH really take the multiboot path.
$(GUEST_BUILD)/testguest-mb.elf64: $(GUEST_BUILD)/multiboot.o $(GUEST_OBJS) guest/guest.ld
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_BUILD)/multiboot.o $(GUEST_OBJS) -lgcc

$(BUILD)/testguest.mb: $(GUEST_BUILD)/testguest-mb.elf64
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(GUEST_OBJCOPY) -O elf32-i386 --remove-section=.note.Xen $< $@

all: $(BUILD)/testguest.mb
