/*
 * Guest physical memory: one anonymous mapping split around the 32-bit PCI hole.
 * Every guest-physical address coming from a guest or an image goes through
 * guest_memory__ptr(), which refuses ranges outside RAM.
 */
#ifndef NV_KVM_MEMORY_H
#define NV_KVM_MEMORY_H

#include "util/util.h"

/* RAM above this address is relocated to 4 GiB, leaving room for MMIO (IOAPIC, LAPIC, PCI). */
#define GUEST_PCI_HOLE_START (3ULL * GiB)
#define GUEST_HIGH_RAM_START (4ULL * GiB)
/* Guest RAM starts on this host-virtual boundary, so huge pages can back it. */
#define GUEST_HUGE_PAGE (2ULL * MiB)

struct guest_region {
	u64 gpa;
	u64 size;
	u8 *host;
};

struct guest_memory {
	u8 *host;		/* the whole mapping, size bytes */
	u64 size;		/* total RAM in bytes */
	bool mapped;		/* made by guest_memory__init, so ours to unmap */
	unsigned nregions;	/* 1 or 2 */
	struct guest_region regions[2];
};

/* Maps size bytes of guest RAM. Returns 0 or -errno with a message in err. */
int guest_memory__init(struct guest_memory *mem, u64 size, char *err, size_t errlen) __must_check;
/* Wraps caller-provided host memory (unit tests, fuzzers); no mapping is made. */
void guest_memory__init_from(struct guest_memory *mem, u8 *host, u64 size);
void guest_memory__exit(struct guest_memory *mem);

/* Host pointer for [gpa, gpa+len) if it lies wholly inside one RAM region, else NULL. */
void *guest_memory__ptr(const struct guest_memory *mem, u64 gpa, u64 len);
/* End of RAM below the PCI hole (exclusive). */
u64 guest_memory__low_end(const struct guest_memory *mem);
/* Bytes of guest RAM the host has backed with pages (touched by guest or VMM); 0 on error. */
u64 guest_memory__resident_bytes(const struct guest_memory *mem);
/* Copies into guest memory; -EFAULT if the range is not RAM. */
int guest_memory__write(const struct guest_memory *mem, u64 gpa, const void *src, u64 len) __must_check;
int guest_memory__read(const struct guest_memory *mem, u64 gpa, void *dst, u64 len) __must_check;

#endif
