/*
 * Test guest: the virtio-blk words (virtio 1.x, 5.2): capacity and features, one-sector
 * reads (CRC-32) and writes, flush, GET_ID, the read-only check. Requests are a header,
 * the data split at size_max, and a status byte, submitted and polled synchronously.
 */
#include "virtio.h"
#include "vblk.h"

#define BLK_F_SIZE_MAX		1
#define BLK_F_SEG_MAX		2
#define BLK_F_RO		5
#define BLK_F_BLK_SIZE		6
#define BLK_F_FLUSH		9
#define BLK_WANTED		(1ULL << BLK_F_SIZE_MAX | 1ULL << BLK_F_SEG_MAX | \
				 1ULL << BLK_F_RO | 1ULL << BLK_F_BLK_SIZE | 1ULL << BLK_F_FLUSH)
#define BLK_T_GET_ID		8
#define BLK_ID_BYTES		20
#define BLK_TIMEOUT_US		10000000ULL

unsigned blk_index;
struct vblk vblk = { .dev = { .name = "blk" } };
static struct blk_req *sync_req;
static u8 *sector_buf;

struct vdev *vblk__device(void)
{
	return &vblk.dev;
}

static void read_config(struct vblk *b)
{
	b->capacity = virtio__cfg64(&b->dev, 0);
	b->size_max = b->dev.features & (1ULL << BLK_F_SIZE_MAX) ? virtio__cfg32(&b->dev, 8) : 0;
	b->seg_max = b->dev.features & (1ULL << BLK_F_SEG_MAX) ? virtio__cfg32(&b->dev, 12) : 0;
	b->blk_size = b->dev.features & (1ULL << BLK_F_BLK_SIZE) ? virtio__cfg32(&b->dev, 20) : 512;
	b->ro = !!(b->dev.features & (1ULL << BLK_F_RO));
}

/* Opens the device the first time, and (re)initialises it whenever it is not live. */
int vblk__start(void)
{
	char why[160];

	if (vblk.dev.ready)
		return 0;
	if (!vblk.dev.common && virtio__open(&vblk.dev, VIRTIO_ID_BLOCK, blk_index, why,
					     sizeof(why)))
		return printf("blk: %s\n", why), -1;
	if (virtio__start(&vblk.dev, BLK_WANTED, 1, VQ_MAX))
		return -1;
	read_config(&vblk);
	if (!sync_req) {
		sync_req = dma__alloc(sizeof(*sync_req), 64);
		sector_buf = dma__alloc(BLK_SECTOR, 4096);
	}
	return 0;
}

/*
 * Header, data (split at size_max), status into bufs; returns the count, or -1 when the
 * data needs more segments than the device takes (seg_max) or than max allows.
 */
int vblk__build(struct vbuf *bufs, unsigned max, struct blk_req *r, u32 type, u64 sector,
		void *data, u32 len)
{
	u32 chunk = vblk.size_max ? vblk.size_max : len, part;
	int dev_writes = type != BLK_T_OUT;
	unsigned n = 0;
	u8 *p = data;

	r->hdr = (struct blk_hdr){ type, 0, sector };
	r->status = 0xff;
	bufs[n++] = (struct vbuf){ &r->hdr, sizeof(r->hdr), 0 };
	while (len) {
		if (n + 1 >= max || (vblk.seg_max && n > vblk.seg_max))
			return -1;
		part = len < chunk ? len : chunk;
		bufs[n++] = (struct vbuf){ p, part, dev_writes };
		p += part;
		len -= part;
	}
	bufs[n++] = (struct vbuf){ &r->status, 1, 1 };
	return (int)n;
}

const char *vblk__status_name(u8 s)
{
	static char other[8];

	switch (s) {
	case BLK_S_OK: return "OK";
	case BLK_S_IOERR: return "IOERR";
	case BLK_S_UNSUPP: return "UNSUPP";
	}
	snprintf(other, sizeof(other), "%#x", s);
	return other;
}

/* One synchronous request; the device's status byte, or -1 on a timeout or bad layout. */
static int request(u32 type, u64 sector, void *data, u32 len)
{
	struct vbuf bufs[BLK_MAX_BUFS];
	int n = vblk__build(bufs, BLK_MAX_BUFS, sync_req, type, sector, data, len);
	u32 used_len;

	if (n < 0)
		return printf("blk: %u bytes need more segments than the device takes\n", len), -1;
	if (virtq__submit_wait(&vblk.dev.vq[0], bufs, (unsigned)n, &used_len, BLK_TIMEOUT_US))
		return printf("blk: request type %u sector %llu: no completion within %llu s "
			      "(status %#x)\n", type, (unsigned long long)sector,
			      BLK_TIMEOUT_US / 1000000, virtio__status(&vblk.dev)), -1;
	return sync_req->status;
}

int vblk__info(void)
{
	if (vblk__start())
		return -1;
	printf("blk: capacity %llu sectors (%llu bytes) features %#llx ro %d blk_size %u "
	       "seg_max %u size_max %u\n", (unsigned long long)vblk.capacity,
	       (unsigned long long)vblk.capacity * BLK_SECTOR,
	       (unsigned long long)vblk.dev.features, vblk.ro, vblk.blk_size, vblk.seg_max,
	       vblk.size_max);
	return 0;
}

int vblk__read(u64 sector)
{
	char hex[33];
	int s;

	if (vblk__start())
		return -1;
	s = request(BLK_T_IN, sector, sector_buf, BLK_SECTOR);
	if (s != BLK_S_OK)
		return s >= 0 ? printf("blk: read sector %llu status %s\n",
				       (unsigned long long)sector, vblk__status_name((u8)s)), -1 : -1;
	hex_string(hex, sector_buf, 16);
	printf("blk: read sector %llu crc32 %#010x first16 %s\n", (unsigned long long)sector,
	       crc32(0, sector_buf, BLK_SECTOR), hex);
	return 0;
}

int vblk__write(u64 sector, u8 byte)
{
	int s;

	if (vblk__start())
		return -1;
	memset(sector_buf, byte, BLK_SECTOR);
	s = request(BLK_T_OUT, sector, sector_buf, BLK_SECTOR);
	if (s < 0)
		return -1;
	printf("blk: write sector %llu byte %#04x status %s\n", (unsigned long long)sector, byte,
	       vblk__status_name((u8)s));
	return s == BLK_S_OK ? 0 : -1;
}

int vblk__flush(void)
{
	int s;

	if (vblk__start())
		return -1;
	if (!(vblk.dev.features & (1ULL << BLK_F_FLUSH)))
		return printf("blk: flush not offered by the device\n"), -1;
	s = request(BLK_T_FLUSH, 0, NULL, 0);
	if (s < 0)
		return -1;
	printf("blk: flush status %s\n", vblk__status_name((u8)s));
	return s == BLK_S_OK ? 0 : -1;
}

int vblk__id(void)
{
	char id[BLK_ID_BYTES + 1];
	unsigned i;
	int s;

	if (vblk__start())
		return -1;
	memset(sector_buf, 0, BLK_ID_BYTES);
	s = request(BLK_T_GET_ID, 0, sector_buf, BLK_ID_BYTES);
	if (s != BLK_S_OK)
		return s >= 0 ? printf("blk: id status %s\n", vblk__status_name((u8)s)), -1 : -1;
	for (i = 0; i < BLK_ID_BYTES && sector_buf[i]; i++)
		id[i] = sector_buf[i] >= 0x20 && sector_buf[i] < 0x7f ? (char)sector_buf[i] : '?';
	id[i] = '\0';
	printf("blk: id \"%s\"\n", id);
	return 0;
}

/* A write to sector 0 of a read-only device must fail with IOERR and change nothing. */
int vblk__ro(void)
{
	int s;

	if (vblk__start())
		return -1;
	memset(sector_buf, 0xa5, BLK_SECTOR);
	s = request(BLK_T_OUT, 0, sector_buf, BLK_SECTOR);
	if (s < 0)
		return -1;
	printf("blk: ro feature %d write status %s (%s)\n", vblk.ro, vblk__status_name((u8)s),
	       s == BLK_S_IOERR ? "expected" : "expected IOERR");
	return s == BLK_S_IOERR ? 0 : -1;
}

/* For vevil.c: a read of sector 0 into the sync buffers; returns the buffer count. */
int vblk__build_read(struct vbuf *bufs, u64 sector)
{
	return vblk__build(bufs, BLK_MAX_BUFS, sync_req, BLK_T_IN, sector, sector_buf, BLK_SECTOR);
}

int vblk__good_read(u64 timeout_us, u8 *status)
{
	struct vbuf bufs[BLK_MAX_BUFS];
	int n = vblk__build_read(bufs, 0);
	u32 len;

	if (n < 0 || virtq__submit_wait(&vblk.dev.vq[0], bufs, (unsigned)n, &len, timeout_us))
		return -1;
	*status = sync_req->status;
	return 0;
}
