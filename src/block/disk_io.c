/*
 * The life of a disk request, common to every back-end: checks, the system calls it needs
 * (short transfers resumed, write-zeroes falling back to what the file system offers), and
 * completion through the owner's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "block/disk_internal.h"
#include "util/log.h"

static bool is_write(enum disk_op op)
{
	return op == DISK_OP_WRITE || op == DISK_OP_DISCARD || op == DISK_OP_WRITE_ZEROES;
}

static int iov_total(const struct iovec *iov, unsigned cnt, u64 *total)
{
	u64 sum = 0;

	for (unsigned i = 0; i < cnt; i++) {
		if (iov[i].iov_len > UINT64_MAX - sum)
			return -EINVAL;
		sum += iov[i].iov_len;
	}
	*total = sum;
	return 0;
}

static bool iov_aligned(const struct iovec *iov, unsigned cnt)
{
	for (unsigned i = 0; i < cnt; i++) {
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) % DISK_SECTOR_SIZE)
			return false;
	}
	return true;
}

static void copy_from_iov(void *dst, const struct iovec *iov, unsigned cnt)
{
	for (unsigned i = 0; i < cnt; i++) {
		memcpy(dst, iov[i].iov_base, iov[i].iov_len);
		dst = (u8 *)dst + iov[i].iov_len;
	}
}

static void copy_to_iov(const struct iovec *iov, unsigned cnt, const void *src)
{
	for (unsigned i = 0; i < cnt; i++) {
		memcpy(iov[i].iov_base, src, iov[i].iov_len);
		src = (const u8 *)src + iov[i].iov_len;
	}
}

/* O_DIRECT wants sector-aligned buffers; a guest may hand us any, so those go through a copy. */
static int setup_bounce(struct disk *d, struct disk_request *r)
{
	if (!(d->flags & DISK_DIRECT) || iov_aligned(r->iov, r->iovcnt))
		return 0;
	if (r->len > DISK_MAX_BOUNCE)
		return -EINVAL;
	if (posix_memalign(&r->bounce, 4096, r->len))
		return -ENOMEM;
	if (r->op == DISK_OP_WRITE)
		copy_from_iov(r->bounce, r->iov, r->iovcnt);
	return 0;
}

static int first_zero_stage(struct disk *d, const struct disk_request *r)
{
	if (!__atomic_load_n(&d->no_zero_range, __ATOMIC_RELAXED))
		return ZERO_STAGE_RANGE;
	if (r->may_unmap && !__atomic_load_n(&d->no_punch, __ATOMIC_RELAXED))
		return ZERO_STAGE_PUNCH;
	return ZERO_STAGE_WRITE;
}

/* 1: nothing to do, 0: go, -errno: refuse. */
static int prepare(struct disk *d, struct disk_request *r)
{
	if (is_write(r->op) && (d->flags & DISK_RDONLY))
		return -EROFS;
	if (r->op == DISK_OP_FLUSH)
		return 0;
	if ((r->op == DISK_OP_READ || r->op == DISK_OP_WRITE) &&
	    iov_total(r->iov, r->iovcnt, &r->len))
		return -EINVAL;
	if (r->offset > d->size || r->len > d->size - r->offset)
		return -EINVAL;
	if ((d->flags & DISK_DIRECT) && (r->offset | r->len) % DISK_SECTOR_SIZE)
		return -EINVAL;
	if (!r->len)
		return 1;
	if (r->op == DISK_OP_WRITE_ZEROES)
		r->stage = first_zero_stage(d, r);
	if (r->op == DISK_OP_READ || r->op == DISK_OP_WRITE)
		return setup_bounce(d, r);
	return 0;
}

void disk__queue(struct disk *d, struct disk_request *r)
{
	int ret;

	d->inflight++;
	r->result = 0;
	r->stage = 0;
	r->retries = 0;
	r->done_bytes = 0;
	r->bounce = NULL;
	r->next = NULL;
	ret = prepare(d, r);
	if (ret) {
		disk_finish_later(d, r, ret > 0 ? 0 : ret);
		return;
	}
	if (d->backend == DISK_BACKEND_URING)
		disk_uring__queue(d, r);
	else
		disk_threads__queue(d, r);
}

void disk__submit(struct disk *d)
{
	if (d->backend == DISK_BACKEND_URING)
		disk_uring__submit(d);
}

static struct disk_request *take_done(struct disk *d)
{
	struct disk_request *list;

	pthread_mutex_lock(&d->lock);
	list = d->done.head;
	d->done.head = d->done.tail = NULL;
	pthread_mutex_unlock(&d->lock);
	return list;
}

/* One pass over what finished; callbacks may queue requests that finish inline at once. */
static unsigned complete_pass(struct disk *d)
{
	struct disk_request *r, *next;
	unsigned n = 0;

	if (d->backend == DISK_BACKEND_URING)
		n += disk_uring__reap(d);
	for (r = take_done(d); r; r = next) {
		next = r->next;
		disk_finish(d, r);
		n++;
	}
	disk__submit(d);
	return n;
}

unsigned disk__complete(struct disk *d)
{
	eventfd_t v;

	/* Read first: anything finishing after this point signals again. */
	(void)eventfd_read(d->efd, &v);
	return disk__reap(d);
}

unsigned disk__reap(struct disk *d)
{
	unsigned n = 0, pass;

	do {
		pass = complete_pass(d);
		n += pass;
	} while (pass);
	return n;
}

void disk__drain(struct disk *d)
{
	struct pollfd p = {.fd = d->efd, .events = POLLIN};

	disk__submit(d);
	for (;;) {
		disk__complete(d); /* first: requests served inline signal nothing */
		if (!d->inflight)
			break;
		/* The timeout only guards against a lost wake-up; completions normally end the
		 * wait. */
		(void)poll(&p, 1, 100);
	}
}

void disk_finish_later(struct disk *d, struct disk_request *r, int result)
{
	disk_finish_here(d, r, result);
	(void)eventfd_write(d->efd, 1);
}

void disk_finish_here(struct disk *d, struct disk_request *r, int result)
{
	r->result = result;
	r->next = NULL;
	pthread_mutex_lock(&d->lock);
	if (d->done.tail)
		d->done.tail->next = r;
	else
		d->done.head = r;
	d->done.tail = r;
	pthread_mutex_unlock(&d->lock);
}

void disk_finish(struct disk *d, struct disk_request *r)
{
	d->inflight--;
	if (r->bounce) {
		if (r->op == DISK_OP_READ && r->result == 0)
			copy_to_iov(r->iov, r->iovcnt, r->bounce);
		free(r->bounce);
		r->bounce = NULL;
	}
	r->done(r, r->result);
}

static void rw_step(struct disk_request *r, struct disk_step *s)
{
	s->offset = r->offset + r->done_bytes;
	if (r->bounce) {
		r->step_iov.iov_base = (u8 *)r->bounce + r->done_bytes;
		r->step_iov.iov_len = r->len - r->done_bytes;
		s->iov = &r->step_iov;
		s->iovcnt = 1;
	} else {
		s->iov = r->iov;
		s->iovcnt = r->iovcnt;
	}
}

static void zero_step(struct disk *d, struct disk_request *r, struct disk_step *s)
{
	if (r->stage == ZERO_STAGE_WRITE) {
		s->kind = STEP_WRITEV;
		r->step_iov.iov_base = d->zeroes;
		r->step_iov.iov_len = min_u64(r->len - r->done_bytes, DISK_ZERO_CHUNK);
		s->iov = &r->step_iov;
		s->iovcnt = 1;
		s->offset = r->offset + r->done_bytes;
		return;
	}
	s->kind = STEP_FALLOCATE;
	s->offset = r->offset;
	s->len = r->len;
	if (r->stage == ZERO_STAGE_RANGE)
		s->mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	else
		s->mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
}

void disk_step(struct disk *d, struct disk_request *r, struct disk_step *s)
{
	memset(s, 0, sizeof(*s));
	switch (r->op) {
	case DISK_OP_READ:
		s->kind = STEP_READV;
		rw_step(r, s);
		break;
	case DISK_OP_WRITE:
		s->kind = STEP_WRITEV;
		s->rw_flags = r->fua ? RWF_DSYNC : 0;
		rw_step(r, s);
		break;
	case DISK_OP_FLUSH:
		s->kind = STEP_FDATASYNC;
		break;
	case DISK_OP_DISCARD:
		s->kind = STEP_FALLOCATE;
		s->mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		s->offset = r->offset;
		s->len = r->len;
		break;
	case DISK_OP_WRITE_ZEROES:
		zero_step(d, r, s);
		break;
	}
}

/* Drops the first n transferred bytes from the request's buffers. */
static void advance_iov(struct disk_request *r, u64 n)
{
	while (r->iovcnt && n >= r->iov->iov_len) {
		n -= r->iov->iov_len;
		r->iov++;
		r->iovcnt--;
	}
	if (r->iovcnt && n) {
		r->iov->iov_base = (u8 *)r->iov->iov_base + n;
		r->iov->iov_len -= n;
	}
}

static bool advance_transfer(struct disk_request *r, int res)
{
	if (res <= 0) {
		/* 0 bytes: the image shrank under us or the device gave up; never loop on it. */
		r->result = res < 0 ? res : -EIO;
		return true;
	}
	r->done_bytes += res;
	r->retries = 0;
	if (r->done_bytes >= r->len)
		return true;
	if (!r->bounce && r->op != DISK_OP_WRITE_ZEROES)
		advance_iov(r, res);
	return false;
}

static bool advance_zeroes(struct disk *d, struct disk_request *r, int res)
{
	if (r->stage == ZERO_STAGE_WRITE)
		return advance_transfer(r, res);
	if (res != -EOPNOTSUPP) {
		r->result = res;
		return true;
	}
	if (r->stage == ZERO_STAGE_RANGE) {
		__atomic_store_n(&d->no_zero_range, true, __ATOMIC_RELAXED);
		r->stage = (r->may_unmap && !__atomic_load_n(&d->no_punch, __ATOMIC_RELAXED))
			       ? ZERO_STAGE_PUNCH
			       : ZERO_STAGE_WRITE;
	} else {
		__atomic_store_n(&d->no_punch, true, __ATOMIC_RELAXED);
		r->stage = ZERO_STAGE_WRITE;
	}
	return false;
}

bool disk_advance(struct disk *d, struct disk_request *r, int res)
{
	if (res == -EAGAIN || res == -EINTR) {
		if (++r->retries < DISK_MAX_RETRIES)
			return false;
		res = -EIO;
	}
	switch (r->op) {
	case DISK_OP_READ:
	case DISK_OP_WRITE:
		return advance_transfer(r, res);
	case DISK_OP_WRITE_ZEROES:
		return advance_zeroes(d, r, res);
	case DISK_OP_DISCARD:
		/* Discarding is a hint: a file system without holes just keeps the data. */
		r->result = res == -EOPNOTSUPP ? 0 : res;
		return true;
	default:
		r->result = res;
		return true;
	}
}

static int run_step(struct disk *d, const struct disk_step *s)
{
	ssize_t n;

	switch (s->kind) {
	case STEP_READV:
		n = preadv(d->fd, s->iov, s->iovcnt, s->offset);
		break;
	case STEP_WRITEV:
		n = pwritev2(d->fd, s->iov, s->iovcnt, s->offset, s->rw_flags);
		break;
	case STEP_FDATASYNC:
		n = fdatasync(d->fd);
		break;
	default:
		n = fallocate(d->fd, s->mode, s->offset, s->len);
		break;
	}
	return n < 0 ? -errno : (int)n;
}

void disk_run_sync(struct disk *d, struct disk_request *r)
{
	struct disk_step s;

	do {
		disk_step(d, r, &s);
	} while (!disk_advance(d, r, run_step(d, &s)));
}
