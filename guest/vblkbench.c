/*
 * Test guest: `blkbench=MODE,qd=N,secs=N`: 4 KiB random reads (IOPS) or 1 MiB sequential
 * reads or writes (MB/s) on virtio-blk, qd requests kept in flight, timed by the TSC.
 * Also the "MODE,key=value,..." parser the net benchmark shares.
 */
#include "virtio.h"
#include "vblk.h"

enum { RANDREAD, SEQREAD, SEQWRITE };
static const char *const blk_modes[] = { "randread", "seqread", "seqwrite" };

#define RAND_BYTES	4096
#define SEQ_BYTES	(1U << 20)
#define RAND_QD_MAX	32
#define SEQ_QD_MAX	4
#define SECS_MAX	3600
#define STALL_US	10000000ULL

static int parse_key(const char *p, size_t n, struct bench_args *a)
{
	const char *eq = p;

	while (eq < p + n && *eq != '=')
		eq++;
	if (eq == p + n)
		return -1;
	if (eq - p == 2 && !strncmp(p, "qd", 2))
		return parse_u64n(eq + 1, n - 3, &a->qd);
	if (eq - p == 4 && !strncmp(p, "secs", 4))
		return parse_u64n(eq + 1, n - 5, &a->secs);
	return -1;
}

int bench__parse(const char *spec, const char *const *modes, unsigned nmodes,
		 struct bench_args *a)
{
	const char *p = spec, *end;
	unsigned i;

	*a = (struct bench_args){ -1, 1, 5 };
	for (end = p; *end && *end != ','; end++)
		;
	for (i = 0; i < nmodes; i++)
		if (strlen(modes[i]) == (size_t)(end - p) && !strncmp(modes[i], p, end - p))
			a->mode = (int)i;
	if (a->mode < 0)
		return -1;
	while (*end) {
		p = end + 1;
		for (end = p; *end && *end != ','; end++)
			;
		if (parse_key(p, end - p, a))
			return -1;
	}
	return a->secs && a->secs <= SECS_MAX && a->qd ? 0 : -1;
}

struct run {
	struct bench_args a;
	u32 bytes;		/* per request */
	u32 type;
	u64 pos, rng;		/* next sequential sector, xorshift state */
	struct blk_req *req;	/* one per slot */
	u8 *data;		/* bytes per slot */
	u8 slot_of[VQ_MAX];	/* head -> slot */
	unsigned inflight;
	u64 ios;
};

static u64 next_sector(struct run *r)
{
	u64 per = r->bytes / BLK_SECTOR, s;

	if (r->a.mode == RANDREAD) {
		r->rng ^= r->rng << 13;
		r->rng ^= r->rng >> 7;
		r->rng ^= r->rng << 17;
		return r->rng % (vblk.capacity / per) * per;
	}
	if (r->pos + per > vblk.capacity)
		r->pos = 0;
	s = r->pos;
	r->pos += per;
	return s;
}

static int submit(struct run *r, unsigned slot)
{
	struct vbuf bufs[BLK_MAX_BUFS];
	int n, head;

	n = vblk__build(bufs, BLK_MAX_BUFS, &r->req[slot], r->type, next_sector(r),
			r->data + (u64)slot * r->bytes, r->bytes);
	head = n < 0 ? -1 : virtq__add(&vblk.dev.vq[0], bufs, (unsigned)n);
	if (head < 0)
		return printf("blkbench: cannot queue a %u-byte request\n", r->bytes), -1;
	r->slot_of[head] = (u8)slot;
	virtq__publish(&vblk.dev.vq[0], (u16)head);
	r->inflight++;
	return 0;
}

/* One completion: its status must be OK. Returns its slot, -1 if none, -2 on error. */
static int complete(struct run *r)
{
	u32 len;
	int h = virtq__get_used(&vblk.dev.vq[0], &len);
	u8 st;

	if (h < 0)
		return -1;
	r->inflight--;
	st = r->req[r->slot_of[h]].status;
	if (st != BLK_S_OK)
		return printf("blkbench: request status %s\n", vblk__status_name(st)), -2;
	return r->slot_of[h];
}

/* Keeps qd requests in flight until the deadline; kicks once per batch of completions. */
static int loop(struct run *r, u64 *cycles)
{
	u64 t0 = rdtsc(), end = t0 + tsc__cycles_from_us(r->a.secs * 1000000), seen = t0, now;
	int slot, kick = 0;
	unsigned i;

	for (i = 0; i < r->a.qd; i++)
		if (submit(r, i))
			return -1;
	virtq__kick(&vblk.dev.vq[0]);
	while ((now = rdtsc()) < end) {
		slot = complete(r);
		if (slot == -2)
			return -1;
		if (slot >= 0) {
			r->ios++;
			seen = now;
			if (submit(r, (unsigned)slot))
				return -1;
			kick = 1;
			continue;
		}
		if (kick)
			virtq__kick(&vblk.dev.vq[0]);
		kick = 0;
		if (now - seen > tsc__cycles_from_us(STALL_US))
			return printf("blkbench: no completion for %llu s\n", STALL_US / 1000000), -1;
	}
	*cycles = now - t0;
	if (kick)
		virtq__kick(&vblk.dev.vq[0]);
	while (r->inflight && (now = rdtsc()) - seen < tsc__cycles_from_us(STALL_US))
		complete(r);
	return r->inflight ? -1 : 0;
}

static void report(const struct run *r, u64 ns)
{
	u64 bytes = r->ios * r->bytes;

	if (r->a.mode == RANDREAD)
		printf("RESULT blkbench-randread qd=%llu secs=%llu ios=%llu ns=%llu iops=%llu\n",
		       (unsigned long long)r->a.qd, (unsigned long long)r->a.secs,
		       (unsigned long long)r->ios, (unsigned long long)ns,
		       (unsigned long long)(ns ? r->ios * 1000000000ULL / ns : 0));
	else
		printf("RESULT blkbench-%s qd=%llu secs=%llu ios=%llu bytes=%llu ns=%llu mbps=%llu\n",
		       blk_modes[r->a.mode], (unsigned long long)r->a.qd,
		       (unsigned long long)r->a.secs, (unsigned long long)r->ios,
		       (unsigned long long)bytes, (unsigned long long)ns,
		       (unsigned long long)(ns ? bytes * 1000 / ns : 0));
}

int vblk__bench(const char *spec, int run)
{
	static struct blk_req *reqs;
	static u8 *data;
	struct run r;
	u64 cycles;

	if (bench__parse(spec, blk_modes, ARRAY_SIZE(blk_modes), &r.a) ||
	    r.a.qd > (r.a.mode == RANDREAD ? RAND_QD_MAX : SEQ_QD_MAX))
		return -1;
	if (!run)
		return 0;
	if (vblk__start())
		return -1;
	if (!reqs) {
		reqs = dma__alloc(sizeof(*reqs) * RAND_QD_MAX, 64);
		data = dma__alloc((u64)SEQ_BYTES * SEQ_QD_MAX, 4096);
	}
	r.bytes = r.a.mode == RANDREAD ? RAND_BYTES : SEQ_BYTES;
	r.type = r.a.mode == SEQWRITE ? BLK_T_OUT : BLK_T_IN;
	r.pos = r.ios = r.inflight = 0;
	r.rng = rdtsc() | 1;
	r.req = reqs;
	r.data = data;
	if (vblk.capacity < r.bytes / BLK_SECTOR)
		return printf("blkbench: the disk is smaller than %u bytes\n", r.bytes), -1;
	memset(data, 0x5a, (u64)r.bytes * r.a.qd);
	if (loop(&r, &cycles))
		return -1;
	report(&r, tsc__ns(cycles));
	return 0;
}
