/*
 * The io_uring back-end of a disk: one ring per disk, driven from the owner's thread only, its
 * completions announced on the disk's eventfd.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "block/disk_internal.h"
#include "util/log.h"

static const int needed_ops[] = {
    IORING_OP_READV,
    IORING_OP_WRITEV,
    IORING_OP_FSYNC,
    IORING_OP_FALLOCATE,
};

static int check_ops(struct disk *d, char *why, size_t whylen)
{
	struct io_uring_probe *probe = io_uring_get_probe_ring(&d->ring);
	int ret = 0;

	if (!probe) {
		snprintf(why, whylen, "cannot probe its operations");
		return -ENOSYS;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(needed_ops); i++) {
		if (!io_uring_opcode_supported(probe, needed_ops[i])) {
			snprintf(why, whylen, "operation %d unsupported", needed_ops[i]);
			ret = -ENOSYS;
			break;
		}
	}
	io_uring_free_probe(probe);
	return ret;
}

int disk_uring__init(struct disk *d, char *why, size_t whylen)
{
	int ret = io_uring_queue_init(DISK_URING_ENTRIES, &d->ring, 0);

	if (ret < 0) {
		snprintf(why, whylen, "io_uring_queue_init: %s", strerror(-ret));
		return ret;
	}
	ret = check_ops(d, why, whylen);
	if (!ret) {
		ret = io_uring_register_eventfd(&d->ring, d->efd);
		if (ret < 0)
			snprintf(why, whylen, "io_uring_register_eventfd: %s", strerror(-ret));
	}
	if (ret < 0)
		io_uring_queue_exit(&d->ring);
	return ret;
}

void disk_uring__exit(struct disk *d)
{
	io_uring_queue_exit(&d->ring);
}

static struct io_uring_sqe *get_sqe(struct disk *d)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ring);

	if (sqe)
		return sqe;
	/* The ring is full: hand it to the kernel, which frees every slot. */
	disk_uring__submit(d);
	return io_uring_get_sqe(&d->ring);
}

static void prep(struct io_uring_sqe *sqe, struct disk *d, const struct disk_step *s)
{
	switch (s->kind) {
	case STEP_READV:
		io_uring_prep_readv(sqe, d->fd, s->iov, s->iovcnt, s->offset);
		break;
	case STEP_WRITEV:
		io_uring_prep_writev2(sqe, d->fd, s->iov, s->iovcnt, s->offset, s->rw_flags);
		break;
	case STEP_FDATASYNC:
		io_uring_prep_fsync(sqe, d->fd, IORING_FSYNC_DATASYNC);
		break;
	case STEP_FALLOCATE:
		io_uring_prep_fallocate(sqe, d->fd, s->mode, s->offset, s->len);
		break;
	}
}

void disk_uring__queue(struct disk *d, struct disk_request *r)
{
	struct io_uring_sqe *sqe = get_sqe(d);
	struct disk_step s;

	if (!sqe) {
		pr_warn_once("disk %s: io_uring submission queue stuck; failing a request\n",
			     d->path);
		disk_finish_later(d, r, -EIO);
		return;
	}
	disk_step(d, r, &s);
	prep(sqe, d, &s);
	io_uring_sqe_set_data(sqe, r);
	d->unsubmitted++;
}

void disk_uring__submit(struct disk *d)
{
	int ret;

	if (!d->unsubmitted)
		return;
	ret = io_uring_submit(&d->ring);
	if (ret >= 0) {
		d->unsubmitted = 0;
		return;
	}
	/* The entries stay in the ring and go with the next submit. */
	if (ret != -EAGAIN && ret != -EBUSY && ret != -EINTR)
		pr_warn_once("disk %s: io_uring_submit: %s\n", d->path, strerror(-ret));
}

unsigned disk_uring__reap(struct disk *d)
{
	struct io_uring_cqe *cqe;
	unsigned n = 0;

	while (io_uring_peek_cqe(&d->ring, &cqe) == 0) {
		struct disk_request *r = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&d->ring, cqe);
		if (disk_advance(d, r, res)) {
			disk_finish(d, r);
			n++;
		} else {
			disk_uring__queue(d, r); /* the rest of a short transfer, or a fallback */
		}
	}
	return n;
}
