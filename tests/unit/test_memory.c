/* Guest RAM mapping: 2 MiB alignment (huge pages, nested NPT) and bounds-checked lookups. */
#include <errno.h>
#include <stdint.h>

#include "kvm/memory.h"
#include "tap.h"

static void test_aligned_and_congruent(void)
{
	struct guest_memory mem;
	char err[128];

	/* 5 GiB reaches past the PCI hole; MAP_NORESERVE makes it cost nothing. */
	CHECK_EQ(guest_memory__init(&mem, 5ULL * GiB, err, sizeof(err)), 0);
	CHECK_EQ((uintptr_t)mem.host % GUEST_HUGE_PAGE, 0);
	CHECK_EQ(mem.nregions, 2);
	for (unsigned i = 0; i < mem.nregions; i++)
		CHECK_EQ(((uintptr_t)mem.regions[i].host - mem.regions[i].gpa) % GUEST_HUGE_PAGE, 0);
	guest_memory__exit(&mem);
}

static void test_bounds(void)
{
	struct guest_memory mem;
	char err[128];

	CHECK_EQ(guest_memory__init(&mem, 64 * MiB, err, sizeof(err)), 0);
	CHECK(guest_memory__ptr(&mem, 0, 64 * MiB) == mem.host);
	CHECK(guest_memory__ptr(&mem, 64 * MiB - 1, 1) != NULL);
	CHECK(guest_memory__ptr(&mem, 64 * MiB - 1, 2) == NULL);
	CHECK(guest_memory__ptr(&mem, ~0ULL, 2) == NULL);
	CHECK(guest_memory__write(&mem, 64 * MiB, "x", 1) == -EFAULT);
	guest_memory__exit(&mem);
	CHECK(guest_memory__init(&mem, 0, err, sizeof(err)) < 0);
}

int main(void)
{
	RUN(test_aligned_and_congruent);
	RUN(test_bounds);
	return tap_done();
}
