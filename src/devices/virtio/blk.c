/*
 * virtio-blk (virtio 1.x, 5.2) over a raw image: requests are checked and popped on the I/O
 * thread, served asynchronously by block/disk, and completed when the disk says they are done.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "block/disk.h"
#include "devices/io_thread.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/virtio.h"
#include "util/log.h"

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define BLK_PENDING 0xff /* not a status: the disk will finish it */

#define VIRTIO_BLK_WZ_F_UNMAP 1

#define BLK_SECTOR 512
#define BLK_NUM_QUEUES 1
#define BLK_QUEUE_SIZE 256
#define BLK_SEG_MAX (VIRTQ_MAX_SEGMENTS - 2) /* header and status take two */
#define BLK_MAX_RANGE_SEGS 16
#define BLK_MAX_RANGE_SECTORS (4u << 20) /* 2 GiB per segment */
#define BLK_DISCARD_ALIGN 8		 /* a 4 KiB file system block */
#define BLK_PCI_CLASS 0x010000		 /* mass storage, SCSI */

_Static_assert(BLK_NUM_QUEUES <= VIRTIO_MAX_QUEUES, "too many queues");
_Static_assert(BLK_QUEUE_SIZE <= VIRTQ_MAX_SIZE, "queue too large");

/* Device configuration layout (5.2.4), little-endian. */
struct blk_config {
	u64 capacity;
	u32 size_max;
	u32 seg_max;
	u16 cylinders;
	u8 heads;
	u8 sectors;
	u32 blk_size;
	u8 physical_block_exp;
	u8 alignment_offset;
	u16 min_io_size;
	u32 opt_io_size;
	u8 writeback;
	u8 unused0;
	u16 num_queues;
	u32 max_discard_sectors;
	u32 max_discard_seg;
	u32 discard_sector_alignment;
	u32 max_write_zeroes_sectors;
	u32 max_write_zeroes_seg;
	u8 write_zeroes_may_unmap;
	u8 unused1[3];
} __packed;
_Static_assert(sizeof(struct blk_config) == 60, "virtio_blk_config is 60 bytes");

struct blk_header {
	u32 type;
	u32 ioprio;
	u64 sector;
} __packed;
_Static_assert(sizeof(struct blk_header) == 16, "virtio_blk_outhdr is 16 bytes");

struct blk_range {
	u64 sector;
	u32 num_sectors;
	u32 flags;
} __packed;
_Static_assert(sizeof(struct blk_range) == 16, "virtio_blk_discard_write_zeroes is 16 bytes");

struct blk_req {
	struct disk_request dreq;
	struct virtio_blk *blk;
	unsigned q;
	u8 *status;		 /* the chain's last writable byte; NULL if it has none */
	u32 written;		 /* used length on success */
	unsigned nranges, range; /* DISCARD, WRITE_ZEROES: served one after the other */
	struct blk_range ranges[BLK_MAX_RANGE_SEGS];
	struct blk_req *next_free;
	struct virtq_chain chain;
};

struct virtio_blk {
	struct virtio_device vdev;
	struct disk *disk;
	struct io_thread *io;
	bool watching; /* the disk's eventfd is on io */
	u64 capacity;  /* sectors */
	char id[DISK_ID_MAX];
	char name[48];
	struct blk_config config;
	/* Serialises kicks, completions and reset (which may come from different threads). */
	pthread_mutex_t lock;
	bool dropping; /* reset: finished requests touch neither guest memory nor rings */
	unsigned inflight[BLK_NUM_QUEUES];
	bool throttled[BLK_NUM_QUEUES]; /* stopped popping at queue-size requests in flight */
	u32 notify_mask;		/* queues with used buffers not yet signalled */
	bool needs_reset;
	struct blk_req *free_reqs;
};

static struct virtio_blk *to_blk(struct virtio_device *vdev)
{
	return container_of(vdev, struct virtio_blk, vdev);
}

static struct blk_req *get_req(struct virtio_blk *blk)
{
	struct blk_req *req = blk->free_reqs;

	if (req)
		blk->free_reqs = req->next_free;
	else
		req = malloc(sizeof(*req));
	return req;
}

static void put_req(struct virtio_blk *blk, struct blk_req *req)
{
	req->next_free = blk->free_reqs;
	blk->free_reqs = req;
}

/* Interrupts and DEVICE_NEEDS_RESET go out after the lock: the transport may take its own. */
static void unlock_and_signal(struct virtio_blk *blk)
{
	u32 mask = blk->notify_mask;
	bool needs_reset = blk->needs_reset;

	blk->notify_mask = 0;
	blk->needs_reset = false;
	pthread_mutex_unlock(&blk->lock);
	for (unsigned q = 0; mask; q++, mask >>= 1) {
		if (mask & 1)
			virtio__notify_queue(&blk->vdev, q);
	}
	if (needs_reset)
		virtio__set_needs_reset(&blk->vdev);
}

static void complete_req(struct virtio_blk *blk, struct blk_req *req, u8 status)
{
	if (!blk->dropping) {
		if (req->status)
			*req->status = status;
		virtqueue__push(&blk->vdev.queues[req->q], req->chain.head,
				req->status ? (status == VIRTIO_BLK_S_OK ? req->written : 1) : 0);
		blk->notify_mask |= 1u << req->q;
	}
	blk->inflight[req->q]--;
	put_req(blk, req);
}

/*
 * The status byte is the chain's last writable byte, wherever the descriptors split; it is cut
 * off the writable part so that what remains is the data.
 */
static u8 *take_status(struct virtq_chain *c)
{
	while (c->nin && !c->iov[c->nout + c->nin - 1].iov_len)
		c->nin--;
	if (!c->nin)
		return NULL;
	struct iovec *last = &c->iov[c->nout + c->nin - 1];

	last->iov_len--;
	c->in_len--;
	return (u8 *)last->iov_base + last->iov_len;
}

/* Drops the header from the front of the readable part (it may span descriptors). */
static struct iovec *skip_out(struct virtq_chain *c, u64 n, unsigned *cnt)
{
	struct iovec *iov = c->iov;

	*cnt = c->nout;
	while (*cnt && n >= iov->iov_len) {
		n -= iov->iov_len;
		iov++;
		(*cnt)--;
	}
	if (*cnt && n) {
		iov->iov_base = (u8 *)iov->iov_base + n;
		iov->iov_len -= n;
	}
	return iov;
}

static bool range_ok(const struct virtio_blk *blk, u64 sector, u64 nsectors)
{
	return sector <= blk->capacity && nsectors <= blk->capacity - sector;
}

static void disk_done(struct disk_request *dreq, int result);

static u8 start_rw(struct virtio_blk *blk, struct blk_req *req, const struct blk_header *h,
		   bool write)
{
	struct virtq_chain *c = &req->chain;
	u64 len = write ? c->out_len - sizeof(*h) : c->in_len;

	if (len % BLK_SECTOR || !range_ok(blk, h->sector, len / BLK_SECTOR)) {
		pr_warn_once("%s: %s of %llu bytes at sector %llu is misaligned or past the end; "
			     "failing it\n",
			     blk->name, write ? "write" : "read", (unsigned long long)len,
			     (unsigned long long)h->sector);
		return VIRTIO_BLK_S_IOERR;
	}
	if (write && disk__readonly(blk->disk))
		return VIRTIO_BLK_S_IOERR;
	req->dreq = (struct disk_request){
	    .op = write ? DISK_OP_WRITE : DISK_OP_READ,
	    .offset = h->sector * BLK_SECTOR,
	    .fua = write && !virtio__has_feature(&blk->vdev, VIRTIO_BLK_F_FLUSH),
	    .done = disk_done,
	};
	if (write) {
		req->dreq.iov = skip_out(c, sizeof(*h), &req->dreq.iovcnt);
	} else {
		req->dreq.iov = &c->iov[c->nout];
		req->dreq.iovcnt = c->nin;
	}
	req->written = write ? 1 : len + 1;
	disk__queue(blk->disk, &req->dreq);
	return BLK_PENDING;
}

static u8 start_flush(struct virtio_blk *blk, struct blk_req *req)
{
	/* Nothing was ever written through a read-only disk: nothing to make stable. */
	if (disk__readonly(blk->disk))
		return VIRTIO_BLK_S_OK;
	req->dreq = (struct disk_request){.op = DISK_OP_FLUSH, .done = disk_done};
	req->written = 1;
	disk__queue(blk->disk, &req->dreq);
	return BLK_PENDING;
}

static u8 get_id(struct virtio_blk *blk, struct blk_req *req)
{
	size_t n = min_u64(req->chain.in_len, DISK_ID_MAX);

	req->written = virtq_chain__write(&req->chain, 0, blk->id, n) + 1;
	return VIRTIO_BLK_S_OK;
}

static void start_range(struct virtio_blk *blk, struct blk_req *req)
{
	const struct blk_range *r = &req->ranges[req->range];
	bool discard = req->dreq.op == DISK_OP_DISCARD;

	req->dreq = (struct disk_request){
	    .op = discard ? DISK_OP_DISCARD : DISK_OP_WRITE_ZEROES,
	    .offset = r->sector * BLK_SECTOR,
	    .len = (u64)r->num_sectors * BLK_SECTOR,
	    .may_unmap = !discard && (r->flags & VIRTIO_BLK_WZ_F_UNMAP),
	    .done = disk_done,
	};
	disk__queue(blk->disk, &req->dreq);
}

/* Checks every segment before the first one starts: a bad one fails the whole request. */
static u8 check_ranges(struct virtio_blk *blk, struct blk_req *req, bool discard)
{
	u32 allowed_flags = discard ? 0 : VIRTIO_BLK_WZ_F_UNMAP;

	for (unsigned i = 0; i < req->nranges; i++) {
		struct blk_range *r = &req->ranges[i];

		r->sector = le64toh(r->sector);
		r->num_sectors = le32toh(r->num_sectors);
		r->flags = le32toh(r->flags);
		/* 5.2.6.2: unknown flags, and unmap on a discard, are unsupported. */
		if (r->flags & ~allowed_flags)
			return VIRTIO_BLK_S_UNSUPP;
		if (r->num_sectors > BLK_MAX_RANGE_SECTORS ||
		    !range_ok(blk, r->sector, r->num_sectors))
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static u8 start_ranges(struct virtio_blk *blk, struct blk_req *req, bool discard)
{
	u64 len = req->chain.out_len - sizeof(struct blk_header);
	unsigned feature = discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;
	u8 status;

	if (disk__readonly(blk->disk))
		return VIRTIO_BLK_S_IOERR;
	if (!virtio__has_feature(&blk->vdev, feature))
		return VIRTIO_BLK_S_UNSUPP;
	if (!len || len % sizeof(struct blk_range) ||
	    len / sizeof(struct blk_range) > BLK_MAX_RANGE_SEGS) {
		pr_warn_once("%s: %s with %llu bytes of segments; failing it\n", blk->name,
			     discard ? "discard" : "write-zeroes", (unsigned long long)len);
		return VIRTIO_BLK_S_IOERR;
	}
	req->nranges = len / sizeof(struct blk_range);
	virtq_chain__read(&req->chain, sizeof(struct blk_header), req->ranges, len);
	status = check_ranges(blk, req, discard);
	if (status != VIRTIO_BLK_S_OK)
		return status;
	req->range = 0;
	req->written = 1;
	req->dreq.op = discard ? DISK_OP_DISCARD : DISK_OP_WRITE_ZEROES;
	start_range(blk, req);
	return BLK_PENDING;
}

static u8 dispatch(struct virtio_blk *blk, struct blk_req *req, const struct blk_header *h)
{
	switch (h->type) {
	case VIRTIO_BLK_T_IN:
		return start_rw(blk, req, h, false);
	case VIRTIO_BLK_T_OUT:
		return start_rw(blk, req, h, true);
	case VIRTIO_BLK_T_FLUSH:
		return start_flush(blk, req);
	case VIRTIO_BLK_T_GET_ID:
		return get_id(blk, req);
	case VIRTIO_BLK_T_DISCARD:
		return start_ranges(blk, req, true);
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return start_ranges(blk, req, false);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

static void start_request(struct virtio_blk *blk, unsigned q, struct blk_req *req)
{
	struct blk_header h;
	u8 status = VIRTIO_BLK_S_IOERR;

	req->blk = blk;
	req->q = q;
	req->written = 1;
	req->status = take_status(&req->chain);
	if (!req->status) {
		pr_warn_once("%s: request without a writable status byte; returned unserved\n",
			     blk->name);
	} else if (req->chain.out_len < sizeof(h)) {
		pr_warn_once("%s: request header shorter than 16 bytes; failing it\n", blk->name);
	} else {
		virtq_chain__read(&req->chain, 0, &h, sizeof(h));
		h.type = le32toh(h.type);
		h.sector = le64toh(h.sector);
		status = dispatch(blk, req, &h);
	}
	if (status != BLK_PENDING)
		complete_req(blk, req, status);
}

static void disk_done(struct disk_request *dreq, int result)
{
	struct blk_req *req = container_of(dreq, struct blk_req, dreq);
	struct virtio_blk *blk = req->blk;
	bool ranged = dreq->op == DISK_OP_DISCARD || dreq->op == DISK_OP_WRITE_ZEROES;

	if (!result && ranged && ++req->range < req->nranges && !blk->dropping) {
		start_range(blk, req);
		return;
	}
	if (result)
		pr_warn_once("%s: I/O error: %s\n", blk->name, strerror(-result));
	complete_req(blk, req, result ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
}

/* Pops until the ring is empty; returns how many, or -EIO for a malformed ring. */
static int pop_all(struct virtio_blk *blk, unsigned q)
{
	struct virtqueue *vq = &blk->vdev.queues[q];
	struct blk_req *req;
	int n = 0, ret;

	while (blk->inflight[q] < vq->size) {
		req = get_req(blk);
		if (!req) {
			pr_warn_once("%s: out of memory; requests wait\n", blk->name);
			break;
		}
		ret = virtqueue__pop(vq, &req->chain);
		if (ret <= 0) {
			put_req(blk, req);
			blk->needs_reset |= ret < 0;
			return ret < 0 ? ret : n;
		}
		blk->inflight[q]++;
		n++;
		start_request(blk, q, req);
	}
	/* A guest cannot keep more in flight than its ring holds; completions resume us. */
	blk->throttled[q] = true;
	return n;
}

/* Batch: everything the driver made available goes to the disk in one submission. */
static void process_queue(struct virtio_blk *blk, unsigned q)
{
	struct virtqueue *vq = &blk->vdev.queues[q];

	blk->throttled[q] = false;
	if (!vq->size)
		return;
	for (;;) {
		virtqueue__set_notify(vq, false);
		if (pop_all(blk, q) < 0 || blk->throttled[q])
			break;
		virtqueue__set_notify(vq, true);
		/* A buffer made available before notifications were back on gets no kick. */
		if (pop_all(blk, q) <= 0 || blk->throttled[q])
			break;
	}
	disk__submit(blk->disk);
}

/*
 * Completes what the disk finished (requests served inline finish at once, without an eventfd
 * round trip) and resumes queues that stopped at queue-size requests in flight.
 */
static bool resume_throttled(struct virtio_blk *blk)
{
	bool any = false;

	for (unsigned q = 0; q < blk->vdev.nqueues; q++) {
		if (blk->throttled[q]) {
			process_queue(blk, q);
			any = true;
		}
	}
	return any;
}

/* after_kick: on the kick's path, where only requests served inline need reaping. */
static void complete_all(struct virtio_blk *blk, bool after_kick)
{
	while ((after_kick ? disk__reap(blk->disk) : disk__complete(blk->disk)) &&
	       resume_throttled(blk))
		;
}

static void queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_blk *blk = to_blk(vdev);

	if (q >= vdev->nqueues)
		return;
	pthread_mutex_lock(&blk->lock);
	process_queue(blk, q);
	/* io_uring and worker completions arrive through on_disk_event instead. */
	if (disk__serves_inline(blk->disk))
		complete_all(blk, true);
	unlock_and_signal(blk);
}

/* The disk's eventfd, on the I/O thread. */
static void on_disk_event(void *opaque, u32 events)
{
	struct virtio_blk *blk = opaque;

	pthread_mutex_lock(&blk->lock);
	complete_all(blk, false);
	unlock_and_signal(blk);
}

static void read_config(struct virtio_device *vdev, u32 offset, u8 *data, u32 len)
{
	memcpy(data, (const u8 *)&to_blk(vdev)->config + offset, len);
}

static void write_config(struct virtio_device *vdev, u32 offset, const u8 *data, u32 len)
{
	/* Only writeback is writable, and only with CONFIG_WCE, which is not offered. */
	pr_debug("%s: ignored config write at %u\n", vdev->name, offset);
}

static bool features_ok(struct virtio_device *vdev, u64 features)
{
	return true;
}

static int activate(struct virtio_device *vdev)
{
	return 0;
}

/* Waits out in-flight I/O (it may still write guest buffers) and forgets it. */
static void reset(struct virtio_device *vdev)
{
	struct virtio_blk *blk = to_blk(vdev);

	pthread_mutex_lock(&blk->lock);
	blk->dropping = true;
	disk__drain(blk->disk);
	blk->dropping = false;
	memset(blk->inflight, 0, sizeof(blk->inflight));
	memset(blk->throttled, 0, sizeof(blk->throttled));
	blk->notify_mask = 0;
	blk->needs_reset = false;
	pthread_mutex_unlock(&blk->lock);
}

static const struct virtio_device_ops blk_ops = {
    .read_config = read_config,
    .write_config = write_config,
    .features_ok = features_ok,
    .activate = activate,
    .reset = reset,
    .queue_notify = queue_notify,
};

static void fill_config(struct virtio_blk *blk)
{
	struct blk_config *c = &blk->config;

	c->capacity = htole64(blk->capacity);
	c->seg_max = htole32(BLK_SEG_MAX);
	c->blk_size = htole32(BLK_SECTOR);
	c->num_queues = htole16(BLK_NUM_QUEUES);
	c->max_discard_sectors = htole32(BLK_MAX_RANGE_SECTORS);
	c->max_discard_seg = htole32(BLK_MAX_RANGE_SEGS);
	c->discard_sector_alignment = htole32(BLK_DISCARD_ALIGN);
	c->max_write_zeroes_sectors = htole32(BLK_MAX_RANGE_SECTORS);
	c->max_write_zeroes_seg = htole32(BLK_MAX_RANGE_SEGS);
	c->write_zeroes_may_unmap = 1;
}

static void fill_device(struct virtio_blk *blk, const struct disk_option *opt,
			const struct guest_memory *mem)
{
	struct virtio_device *vdev = &blk->vdev;
	const char *base = strrchr(opt->path, '/');
	const char *label = opt->id[0] ? opt->id : base ? base + 1 : opt->path;

	snprintf(blk->name, sizeof(blk->name), "virtio-blk(%.35s)", label);
	memcpy(blk->id, opt->id, strnlen(opt->id, DISK_ID_MAX));
	vdev->name = blk->name;
	vdev->device_id = VIRTIO_ID_BLOCK;
	vdev->pci_class = BLK_PCI_CLASS;
	vdev->ops = &blk_ops;
	vdev->device_features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
				1ULL << VIRTIO_BLK_F_FLUSH;
	if (opt->readonly)
		vdev->device_features |= 1ULL << VIRTIO_BLK_F_RO;
	else
		vdev->device_features |=
		    1ULL << VIRTIO_BLK_F_DISCARD | 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	if (BLK_NUM_QUEUES > 1)
		vdev->device_features |= 1ULL << VIRTIO_BLK_F_MQ;
	vdev->config_size = sizeof(blk->config);
	vdev->nqueues = BLK_NUM_QUEUES;
	/* The transport initialises the queues again when it takes the device; harmless. */
	for (unsigned q = 0; q < BLK_NUM_QUEUES; q++) {
		vdev->queue_max_size[q] = BLK_QUEUE_SIZE;
		virtqueue__init(&vdev->queues[q], mem);
	}
	fill_config(blk);
}

int virtio_blk__create(struct virtio_blk **out, const struct disk_option *opt,
		       const struct guest_memory *mem, struct io_thread *io, char *err,
		       size_t errlen)
{
	unsigned flags = (opt->readonly ? DISK_RDONLY : 0) | (opt->direct ? DISK_DIRECT : 0);
	struct virtio_blk *blk;
	int ret;

	if (!io || !mem)
		return set_err(err, errlen, EINVAL, "virtio-blk: no I/O thread or guest memory");
	blk = calloc(1, sizeof(*blk));
	if (!blk)
		return set_err(err, errlen, ENOMEM, "virtio-blk: out of memory");
	pthread_mutex_init(&blk->lock, NULL);
	ret = disk__open(&blk->disk, opt->path, flags, err, errlen);
	if (ret)
		goto fail;
	blk->capacity = disk__size(blk->disk) / BLK_SECTOR;
	fill_device(blk, opt, mem);
	blk->io = io;
	ret = io_thread__add(io, disk__event_fd(blk->disk), EPOLLIN, on_disk_event, blk);
	if (ret) {
		set_err(err, errlen, ret, "%s: cannot watch its completions: %s", blk->name,
			strerror(-ret));
		goto fail;
	}
	blk->watching = true;
	pr_debug("%s: %s, %llu sectors%s, %s\n", blk->name, opt->path,
		 (unsigned long long)blk->capacity, opt->readonly ? ", read-only" : "",
		 disk__backend(blk->disk));
	*out = blk;
	return 0;
fail:
	virtio_blk__destroy(blk);
	return ret;
}

struct virtio_device *virtio_blk__device(struct virtio_blk *blk)
{
	return &blk->vdev;
}

void virtio_blk__destroy(struct virtio_blk *blk)
{
	struct blk_req *req;

	if (!blk)
		return;
	/* After this no completion handler runs or is running. */
	if (blk->watching)
		io_thread__remove(blk->io, disk__event_fd(blk->disk));
	/* The queues' virtqueue__exit belongs to the transport, which has let go by now. */
	if (blk->disk) {
		pthread_mutex_lock(&blk->lock);
		blk->dropping = true;
		disk__close(blk->disk);
		pthread_mutex_unlock(&blk->lock);
	}
	while ((req = blk->free_reqs)) {
		blk->free_reqs = req->next_free;
		free(req);
	}
	pthread_mutex_destroy(&blk->lock);
	free(blk);
}
