/*
 * Test guest: the MP table (Intel MultiProcessor spec 1.4), a fallback CPU count for
 * machines without an ACPI MADT.
 */
#include "guest.h"

struct mp_float {
	char sig[4];		/* "_MP_" */
	u32 config;
	u8 length;		/* in 16-byte units */
	u8 spec_rev;
	u8 checksum;
	u8 features[5];
} __packed;

struct mp_config {
	char sig[4];		/* "PCMP" */
	u16 length;
	u8 spec_rev;
	u8 checksum;
	char oem[20];
	u32 oem_table;
	u16 oem_size;
	u16 entries;
	u32 lapic;
	u16 ext_length;
	u8 ext_checksum;
	u8 reserved;
} __packed;

static u8 sum(const u8 *p, u32 len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

static const struct mp_float *scan(u64 start, u64 end)
{
	const struct mp_float *f;
	u64 p;

	for (p = start; p + sizeof(*f) <= end; p += 16) {
		f = phys(p);
		if (!memcmp(f->sig, "_MP_", 4) && f->length == 1 && !sum(phys(p), 16))
			return f;
	}
	return NULL;
}

static const struct mp_float *find_float(void)
{
	u64 ebda = (u64)*(volatile u16 *)phys(0x40e) << 4;
	const struct mp_float *f = NULL;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		f = scan(ebda, ebda + 1024);
	if (!f)
		f = scan(0x9fc00, 0xa0000);
	if (!f)
		f = scan(0xf0000, 0x100000);
	return f;
}

int mptable__count_cpus(struct cpu_count *cc)
{
	const struct mp_float *f = find_float();
	const struct mp_config *c;
	const u8 *e, *end;

	if (!f || !f->config || f->config >= 0xffff0000u)
		return -1;
	c = phys(f->config);
	if (memcmp(c->sig, "PCMP", 4) || c->length < sizeof(*c) || sum(phys(f->config), c->length))
		return -1;
	cc->ncpus = 0;
	cc->lapic_addr = c->lapic;
	e = (const u8 *)(c + 1);
	end = (const u8 *)c + c->length;
	while (e < end) {
		if (e[0] == 0) {	/* processor, 20 bytes; flags bit 0: usable */
			if (e + 20 > end)
				break;
			cc->ncpus += e[3] & 1;
			e += 20;
		} else if (e[0] <= 4) {
			e += 8;
		} else {
			break;
		}
	}
	cc->source = "mptable";
	return 0;
}
