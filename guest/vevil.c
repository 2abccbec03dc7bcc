/*
 * Test guest: `virtio-evil=KIND`: a hostile driver on the virtio-blk device. It sends one
 * malformed request (or ring), reports what the device did, checks that a well-formed
 * request still works or that the device asks for a reset (DEVICE_NEEDS_RESET), then
 * resets, reinitialises and checks that the device works again.
 */
#include "virtio.h"
#include "vblk.h"

enum kind { LOOP, OOB, HUGELEN, BADRING, EARLY, REUSE };
static const char *const kinds[] = { "loop", "oob", "hugelen", "badring", "early", "reuse" };

#define OUTSIDE_RAM	0x8000000000ULL	/* 512 GiB: no test VM has RAM there */
#define BAD_WAIT_US	1000000ULL
#define EARLY_WAIT_US	200000ULL
#define GOOD_WAIT_US	3000000ULL
#define DUP_WAIT_US	100000ULL

struct outcome {
	int completed;		/* the bad request came back */
	u32 len;
	u8 status;		/* its blk status byte */
	unsigned returns;	/* times its head came back (reuse) */
	int needs_reset;
};

static struct virtq *vq(void)
{
	return &vblk__device()->vq[0];
}

static int needs_reset(void)
{
	return !!(virtio__status(vblk__device()) & VIRTIO_NEEDS_RESET);
}

/* Queues a read of sector 0, then breaks it as kind says. Returns its head. */
static int bad_request(enum kind k, struct blk_req **req)
{
	struct vbuf bufs[BLK_MAX_BUFS];
	int n = vblk__build_read(bufs, 0), head;
	u16 d;

	head = n < 0 ? -1 : virtq__add(vq(), bufs, (unsigned)n);
	if (head < 0)
		return -1;
	*req = bufs[0].addr;	/* the header is the start of the request */
	d = vq()->desc[head].next;	/* the data descriptor */
	if (k == LOOP) {	/* the data descriptor links to itself */
		vq()->desc[d].flags |= VQ_DESC_F_NEXT;
		vq()->desc[d].next = d;
	} else if (k == OOB) {
		vq()->desc[d].addr = OUTSIDE_RAM;
	} else if (k == HUGELEN) {
		vq()->desc[d].len = 0xffffffff;
	}
	virtq__publish(vq(), (u16)head);
	if (k == REUSE)		/* the same head again while it is in flight */
		virtq__publish(vq(), (u16)head);
	virtq__kick(vq());
	return head;
}

/* Waits for the bad request to come back or the device to ask for a reset. */
static void observe(int head, const struct blk_req *req, u64 us, struct outcome *o)
{
	u64 start = rdtsc(), limit = tsc__cycles_from_us(us);
	unsigned bogus0 = vq()->bogus_used;
	u32 len = 0;

	*o = (struct outcome){ 0 };
	while (rdtsc() - start < limit && !o->completed && !(o->needs_reset = needs_reset()))
		o->completed = virtq__get_used(vq(), &len) == head;
	if (o->completed) {
		o->len = len;
		o->status = req->status;
		tsc__delay_us(DUP_WAIT_US);
		while (virtq__get_used(vq(), &len) >= 0)
			;
		o->returns = 1 + vq()->bogus_used - bogus0;
		o->needs_reset = needs_reset();
	}
}

static void print_outcome(const char *kind, const struct outcome *o)
{
	if (o->completed)
		printf("evil: %s: bad request: completed status %s len %u returned %u time(s)%s\n",
		       kind, vblk__status_name(o->status), o->len, o->returns,
		       o->needs_reset ? ", needs-reset" : "");
	else
		printf("evil: %s: bad request: %s\n", kind,
		       o->needs_reset ? "needs-reset" : "no response");
}

/* early: the request is queued and kicked before DRIVER_OK, then kicked again after. */
static int early(struct outcome *o)
{
	char why[160];
	struct blk_req *req;
	int head;

	if (virtio__negotiate(vblk__device(), 0, why, sizeof(why)) ||
	    virtio__setup_queue(vblk__device(), 0, VQ_MAX, why, sizeof(why)) ||
	    virtio__enable_queue(vblk__device(), 0))
		return printf("evil: early: set-up failed: %s\n", why), -1;
	head = bad_request(EARLY, &req);
	tsc__delay_us(EARLY_WAIT_US);
	printf("evil: early: used before DRIVER_OK: %s\n",
	       *(volatile u16 *)&vq()->used->idx ? "yes" : "no");
	virtio__set_status(vblk__device(), virtio__status(vblk__device()) | VIRTIO_DRIVER_OK);
	virtq__kick(vq());
	observe(head, req, GOOD_WAIT_US, o);
	return 0;
}

/* badring: descriptor table misaligned, used ring outside RAM. */
static int badring(struct outcome *o)
{
	struct vdev *v = vblk__device();
	struct blk_req *req;
	char why[160];
	int head;

	if (virtio__negotiate(v, 0, why, sizeof(why)) ||
	    virtio__setup_queue(v, 0, VQ_MAX, why, sizeof(why)))
		return printf("evil: badring: set-up failed: %s\n", why), -1;
	virtio__select_queue(v, 0);
	virtio__write_common64(v, VIRTIO_COMMON_QDESC, (u64)(uintptr_t)vq()->desc + 8);
	virtio__write_common64(v, VIRTIO_COMMON_QUSED, OUTSIDE_RAM);
	printf("evil: badring: queue enable %s\n", virtio__enable_queue(v, 0) ? "refused" : "taken");
	virtio__set_status(v, virtio__status(v) | VIRTIO_DRIVER_OK);
	printf("evil: badring: status %#x after DRIVER_OK\n", virtio__status(v));
	head = bad_request(BADRING, &req);
	observe(head, req, BAD_WAIT_US, o);
	return 0;
}

static int send_bad(enum kind k, struct outcome *o)
{
	struct blk_req *req;
	int head;

	if (k == EARLY || k == BADRING) {
		virtio__reset(vblk__device());
		return k == EARLY ? early(o) : badring(o);
	}
	if (vblk__start())
		return -1;
	head = bad_request(k, &req);
	if (head < 0)
		return printf("evil: %s: cannot queue the request\n", kinds[k]), -1;
	observe(head, req, BAD_WAIT_US, o);
	return 0;
}

/* A read of sector 0 after the bad one: 1 if it worked, 0 if not (and why is printed). */
static int good_after(enum kind k, const struct outcome *o)
{
	u8 st;

	if (o->needs_reset || k == BADRING || (k == EARLY && o->completed)) {
		printf("evil: %s: good request: skipped (%s)\n", kinds[k],
		       o->needs_reset ? "needs reset" : k == EARLY ? "the request completed" :
		       "the ring is bad");
		return 1;
	}
	if (vblk__good_read(GOOD_WAIT_US, &st)) {
		printf("evil: %s: good request: timeout, status %#x\n", kinds[k],
		       virtio__status(vblk__device()));
		return needs_reset();
	}
	printf("evil: %s: good request: status %s\n", kinds[k], vblk__status_name(st));
	return st == BLK_S_OK;
}

static int after_reset(enum kind k)
{
	u8 st = 0xff;

	virtio__reset(vblk__device());
	if (vblk__start() || vblk__good_read(GOOD_WAIT_US, &st) || st != BLK_S_OK) {
		printf("evil: %s: after reset: failed (status byte %s)\n", kinds[k],
		       vblk__status_name(st));
		return 0;
	}
	printf("evil: %s: after reset: ok\n", kinds[k]);
	return 1;
}

int vevil__run(const char *kind, int run)
{
	struct outcome o;
	int k, survived;

	for (k = 0; k < (int)ARRAY_SIZE(kinds) && strcmp(kinds[k], kind); k++)
		;
	if (k == (int)ARRAY_SIZE(kinds))
		return -1;
	if (!run)
		return 0;
	if (vblk__start() || send_bad((enum kind)k, &o))
		return -1;
	print_outcome(kinds[k], &o);
	survived = good_after((enum kind)k, &o);
	if (!after_reset((enum kind)k))
		return printf("evil: %s: FAIL: the device does not work after a reset\n", kind), -1;
	if (!survived)
		return printf("evil: %s: FAIL: no working request and no DEVICE_NEEDS_RESET\n",
			      kind), -1;
	printf("evil: %s: pass\n", kind);
	return 0;
}
