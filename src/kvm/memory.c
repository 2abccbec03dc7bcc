/* Guest RAM mapping and bounds-checked guest-physical to host translation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kvm/memory.h"

static void split_regions(struct guest_memory *mem)
{
	u64 low = min_u64(mem->size, GUEST_PCI_HOLE_START);

	mem->regions[0] = (struct guest_region){ .gpa = 0, .size = low, .host = mem->host };
	mem->nregions = 1;
	if (mem->size > low) {
		mem->regions[1] = (struct guest_region){
			.gpa = GUEST_HIGH_RAM_START,
			.size = mem->size - low,
			.host = mem->host + low,
		};
		mem->nregions = 2;
	}
}

/*
 * Maps size bytes starting on a 2 MiB boundary. Guest-physical and host-virtual addresses
 * must agree modulo 2 MiB for the host to back guest RAM with huge pages and for KVM to
 * map it with 2 MiB entries; nested, that decides whether an L2's every first touch of a
 * page is an exit to L1 (29k exits per Linux boot unaligned, about 1k aligned).
 */
static void *map_aligned(u64 size)
{
	u8 *raw, *aligned;
	u64 head;

	raw = mmap(NULL, size + GUEST_HUGE_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return MAP_FAILED;
	aligned = (u8 *)(((uintptr_t)raw + GUEST_HUGE_PAGE - 1) & ~(uintptr_t)(GUEST_HUGE_PAGE - 1));
	head = aligned - raw;
	if (head)
		munmap(raw, head);
	munmap(aligned + size, GUEST_HUGE_PAGE - head);
	return aligned;
}

int guest_memory__init(struct guest_memory *mem, u64 size, char *err, size_t errlen)
{
	void *host;

	memset(mem, 0, sizeof(*mem));
	if (size == 0)
		return set_err(err, errlen, EINVAL, "guest memory size is 0");
	/* MAP_NORESERVE: untouched guest pages cost the host nothing. */
	host = map_aligned(size);
	if (host == MAP_FAILED)
		return set_err(err, errlen, errno, "cannot map %llu MiB of guest memory: %s",
			       (unsigned long long)(size / MiB), strerror(errno));
	/* Huge pages where the host has them (as QEMU asks); KSM may merge idle ones. */
	madvise(host, size, MADV_HUGEPAGE);
	madvise(host, size, MADV_MERGEABLE);
	mem->host = host;
	mem->size = size;
	mem->mapped = true;
	split_regions(mem);
	return 0;
}

void guest_memory__init_from(struct guest_memory *mem, u8 *host, u64 size)
{
	memset(mem, 0, sizeof(*mem));
	mem->host = host;
	mem->size = size;
	split_regions(mem);
}

void guest_memory__exit(struct guest_memory *mem)
{
	if (mem->mapped)
		munmap(mem->host, mem->size);
	memset(mem, 0, sizeof(*mem));
}

void *guest_memory__ptr(const struct guest_memory *mem, u64 gpa, u64 len)
{
	for (unsigned i = 0; i < mem->nregions; i++) {
		const struct guest_region *r = &mem->regions[i];

		/* Written so that no sum can overflow: gpa and len come from the guest. */
		if (gpa >= r->gpa && gpa - r->gpa <= r->size && len <= r->size - (gpa - r->gpa))
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

u64 guest_memory__low_end(const struct guest_memory *mem)
{
	return mem->regions[0].size;
}

int guest_memory__write(const struct guest_memory *mem, u64 gpa, const void *src, u64 len)
{
	void *dst = guest_memory__ptr(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_memory__read(const struct guest_memory *mem, u64 gpa, void *dst, u64 len)
{
	const void *src = guest_memory__ptr(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

u64 guest_memory__resident_bytes(const struct guest_memory *mem)
{
	long page = sysconf(_SC_PAGESIZE);
	u64 pages, resident = 0;
	unsigned char *vec;

	if (!mem->mapped || page <= 0)
		return 0;
	pages = (mem->size + page - 1) / page;	/* after the check: sysconf may fail */
	vec = malloc(pages);
	if (!vec)
		return 0;
	if (mincore(mem->host, mem->size, vec) == 0)
		for (u64 i = 0; i < pages; i++)
			resident += vec[i] & 1;
	free(vec);
	return resident * page;
}
