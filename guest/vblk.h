/*
 * Test guest: virtio-blk state and request layout shared by the blk words (vblk.c), the
 * blk benchmark (vblkbench.c) and the hostile modes (vevil.c).
 */
#ifndef TG_VBLK_H
#define TG_VBLK_H

#include "virtio.h"

#define BLK_SECTOR	512
#define BLK_T_IN	0
#define BLK_T_OUT	1
#define BLK_T_FLUSH	4
#define BLK_S_OK	0
#define BLK_S_IOERR	1
#define BLK_S_UNSUPP	2
#define BLK_MAX_BUFS	64	/* header + data segments + status */

struct blk_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

/* What the device reads (hdr) and writes (status) for one request, in DMA memory. */
struct blk_req {
	struct blk_hdr hdr;
	u8 status;
};

struct vblk {
	struct vdev dev;
	u64 capacity;		/* 512-byte sectors */
	u32 size_max, seg_max, blk_size;
	int ro;
};

extern struct vblk vblk;
int vblk__build(struct vbuf *bufs, unsigned max, struct blk_req *r, u32 type, u64 sector,
		void *data, u32 len);
const char *vblk__status_name(u8 s);

#endif
