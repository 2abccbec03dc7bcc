/*
 * Test guest: reads what the loader handed over (PVH struct hvm_start_info, or the
 * multiboot v1 info) into struct boot_info: command line, RSDP, memory map.
 */
#include "guest.h"

#define LOW_4G		(1ULL << 32)
#define CMDLINE_MAX	4096

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;	/* version 1 */
	u32 memmap_entries;
	u32 reserved;
} __packed;

struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
} __packed;

struct mb_info {
	u32 flags;
	u32 mem_lower;		/* KiB, flag bit 0 */
	u32 mem_upper;
	u32 boot_device;
	u32 cmdline;		/* flag bit 2 */
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;	/* flag bit 6 */
	u32 mmap_addr;
} __packed;

struct mb_mmap_entry {
	u32 size;		/* of the rest of the entry */
	u64 addr;
	u64 len;
	u32 type;
} __packed;

static char cmdline_buf[CMDLINE_MAX];

/* Only the identity-mapped first 4 GiB is reachable. */
static int reachable(u64 addr, u64 len)
{
	return addr && addr < LOW_4G && len <= LOW_4G - addr;
}

static const char *copy_cmdline(u64 addr)
{
	const char *src;
	size_t i;

	if (!reachable(addr, 1))
		return "";
	src = phys(addr);
	for (i = 0; i + 1 < sizeof(cmdline_buf) && reachable(addr + i, 1) && src[i]; i++)
		cmdline_buf[i] = src[i];
	cmdline_buf[i] = '\0';
	return cmdline_buf;
}

static void add_range(struct boot_info *bi, u64 addr, u64 size, u32 type)
{
	if (bi->nmem < MEMMAP_MAX && size)
		bi->mem[bi->nmem++] = (struct mem_range){ addr, size, type };
}

static int parse_pvh(u64 info, struct boot_info *bi)
{
	const struct hvm_start_info *si = phys(info);
	const struct hvm_memmap_entry *e;
	u32 i;

	bi->proto = "pvh";
	bi->cmdline = copy_cmdline(si->cmdline_paddr);
	bi->rsdp = si->rsdp_paddr;
	if (si->version < 1 || !si->memmap_entries)
		return 0;
	if (!reachable(si->memmap_paddr, (u64)si->memmap_entries * sizeof(*e)))
		return 0;
	e = phys(si->memmap_paddr);
	for (i = 0; i < si->memmap_entries; i++)
		add_range(bi, e[i].addr, e[i].size, e[i].type);
	return 0;
}

static void parse_mb_mmap(const struct mb_info *mi, struct boot_info *bi)
{
	u64 p = mi->mmap_addr, end = (u64)mi->mmap_addr + mi->mmap_length;
	const struct mb_mmap_entry *e;

	if (!reachable(p, mi->mmap_length))
		return;
	while (p + sizeof(*e) <= end) {
		e = phys(p);
		add_range(bi, e->addr, e->len, e->type);
		if (e->size < sizeof(*e) - 4)
			break;
		p += e->size + 4;
	}
}

static int parse_multiboot(u64 info, struct boot_info *bi)
{
	const struct mb_info *mi = phys(info);

	bi->proto = "multiboot";
	bi->cmdline = (mi->flags & (1 << 2)) ? copy_cmdline(mi->cmdline) : "";
	if (mi->flags & (1 << 6))
		parse_mb_mmap(mi, bi);
	if (!bi->nmem && (mi->flags & 1)) {
		add_range(bi, 0, (u64)mi->mem_lower << 10, 1);
		add_range(bi, 1ULL << 20, (u64)mi->mem_upper << 10, 1);
	}
	return 0;
}

int bootinfo__parse(u32 magic, u64 info, struct boot_info *bi)
{
	*bi = (struct boot_info){ .proto = "unknown", .info_addr = info, .cmdline = "" };
	if (!reachable(info, sizeof(struct hvm_start_info)))
		return -1;
	/* PVH leaves eax undefined (qboot happens to pass the multiboot magic): test it first */
	if (((const struct hvm_start_info *)phys(info))->magic == PVH_START_MAGIC)
		return parse_pvh(info, bi);
	if (magic == MULTIBOOT_LOADER_MAGIC)
		return parse_multiboot(info, bi);
	return -1;
}

u64 bootinfo__ram_bytes(const struct boot_info *bi)
{
	u64 sum = 0;
	unsigned i;

	for (i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == 1)
			sum += bi->mem[i].size;
	return sum;
}

int bootinfo__is_ram(const struct boot_info *bi, u64 addr, u64 len)
{
	const struct mem_range *r;
	unsigned i;

	for (i = 0; i < bi->nmem; i++) {
		r = &bi->mem[i];
		if (r->type == 1 && addr >= r->addr && len <= r->size &&
		    addr - r->addr <= r->size - len)
			return 1;
	}
	return 0;
}
