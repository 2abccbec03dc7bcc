/*
 * Shared between the disk core (disk.c) and its back-ends (disk_uring.c, disk_threads.c):
 * the disk itself and the step machine that turns a request into system calls.
 */
#ifndef NV_BLOCK_DISK_INTERNAL_H
#define NV_BLOCK_DISK_INTERNAL_H

#include <liburing.h>
#include <pthread.h>

#include "block/disk.h"

#define DISK_WORKERS 4
#define DISK_ZERO_CHUNK (1024 * 1024) /* bytes per write when zeroes are written */
#define DISK_MAX_BOUNCE (4 * 1024 * 1024)
#define DISK_MAX_RETRIES 1000 /* -EAGAIN/-EINTR in a row before giving up */
#define DISK_URING_ENTRIES 256
/*
 * An image in memory (tmpfs) serves smaller requests inline on the owner's thread: their copy
 * costs less than handing them to a worker. Larger ones (a 1 MiB copy takes ~150 us) go to the
 * workers, which run them in parallel and spread the copying over threads the scheduler
 * weighs separately (docs/benchmarks-io.md).
 */
#define DISK_INLINE_MAX (64 * 1024)

enum disk_backend {
	DISK_BACKEND_URING,
	DISK_BACKEND_THREADS,
	DISK_BACKEND_INLINE,
	DISK_BACKEND_MEMORY, /* inline below DISK_INLINE_MAX, worker threads above */
};

/* How a write-zeroes request is being served; a file system that refuses one moves on. */
enum { ZERO_STAGE_RANGE, ZERO_STAGE_PUNCH, ZERO_STAGE_WRITE };

struct disk_list {
	struct disk_request *head, *tail;
};

struct disk {
	char *path;
	int fd;
	int efd; /* completions waiting */
	u64 size;
	unsigned flags;
	enum disk_backend backend;
	unsigned inflight; /* owner's thread only */
	void *zeroes;	   /* DISK_ZERO_CHUNK zero bytes, page aligned (writable disks) */
	bool no_zero_range, no_punch; /* the file system said EOPNOTSUPP (atomic access) */

	pthread_mutex_t lock; /* done, todo, stopping */
	pthread_cond_t cond;
	struct disk_list done; /* finished, callback not yet run */
	struct disk_list todo; /* waiting for a worker thread */
	bool stopping;
	pthread_t workers[DISK_WORKERS];
	unsigned nworkers;

	struct io_uring ring;
	unsigned unsubmitted; /* SQEs prepared since the last io_uring_submit */
};

enum disk_step_kind { STEP_READV, STEP_WRITEV, STEP_FDATASYNC, STEP_FALLOCATE };

/* The next system call a request needs. */
struct disk_step {
	enum disk_step_kind kind;
	const struct iovec *iov;
	unsigned iovcnt;
	u64 offset;
	u64 len;      /* STEP_FALLOCATE */
	int mode;     /* STEP_FALLOCATE */
	int rw_flags; /* STEP_WRITEV: RWF_DSYNC */
};

void disk_step(struct disk *d, struct disk_request *r, struct disk_step *s);
/* Takes one step's result (bytes or -errno); true when the request is finished (r->result). */
bool disk_advance(struct disk *d, struct disk_request *r, int res);
/* Serves r to the end with blocking system calls; r->result holds the outcome. */
void disk_run_sync(struct disk *d, struct disk_request *r);
/* Puts r on the done list and wakes the owner; safe from any thread. */
void disk_finish_later(struct disk *d, struct disk_request *r, int result);
/* The same on the owner's thread, without the wake-up: the owner's next disk__complete sees it. */
void disk_finish_here(struct disk *d, struct disk_request *r, int result);
/* Runs r's callback (owner's thread). */
void disk_finish(struct disk *d, struct disk_request *r);

/* Back-ends. */
int disk_uring__init(struct disk *d, char *why, size_t whylen);
void disk_uring__exit(struct disk *d);
void disk_uring__queue(struct disk *d, struct disk_request *r);
void disk_uring__submit(struct disk *d);
unsigned disk_uring__reap(struct disk *d);

/* Starts the worker threads; 0 threads started means requests are served inline. */
void disk_threads__init(struct disk *d);
void disk_threads__exit(struct disk *d);
void disk_threads__queue(struct disk *d, struct disk_request *r);

#endif
