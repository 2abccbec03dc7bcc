/*
 * A raw disk image served asynchronously: requests go to io_uring (or, where io_uring is not
 * available, to a few worker threads) and their callbacks run when the owner reaps completions.
 */
#ifndef NV_BLOCK_DISK_H
#define NV_BLOCK_DISK_H

#include <stddef.h>
#include <sys/uio.h>

#include "util/util.h"

#define DISK_SECTOR_SIZE 512

/* disk__open flags. */
#define DISK_RDONLY (1u << 0)	  /* O_RDONLY and a shared lock; writes fail with -EROFS */
#define DISK_DIRECT (1u << 1)	  /* O_DIRECT: bypass the host page cache */
#define DISK_NO_URING (1u << 2)	  /* use the worker threads even if io_uring works (tests) */
#define DISK_NO_THREADS (1u << 3) /* no worker threads: serve requests inline (tests, checks) */

enum disk_op {
	DISK_OP_READ,
	DISK_OP_WRITE,
	DISK_OP_FLUSH,	      /* fdatasync: completed writes reach stable storage */
	DISK_OP_DISCARD,      /* punch a hole; unsupported file systems make it a no-op */
	DISK_OP_WRITE_ZEROES, /* later reads of the range return zeroes */
};

struct disk_request;

/* result: 0, or -errno. Runs on the thread that calls disk__complete or disk__drain. */
typedef void (*disk_done_fn)(struct disk_request *req, int result);

/*
 * One request, owned by the caller until its done callback runs. Embed it in a larger
 * structure and use container_of in the callback.
 */
struct disk_request {
	/* Filled in by the caller. */
	enum disk_op op;
	u64 offset;	   /* bytes from the start of the image */
	u64 len;	   /* DISCARD, WRITE_ZEROES: bytes (READ, WRITE: set from iov) */
	struct iovec *iov; /* READ, WRITE buffers; the disk may advance them in place */
	unsigned iovcnt;
	bool may_unmap; /* WRITE_ZEROES may deallocate the range */
	bool fua;	/* WRITE: stable on completion (a write-through cache) */
	disk_done_fn done;
	/* Private to the disk. */
	int result;
	int stage;
	unsigned retries;
	u64 done_bytes;
	void *bounce; /* aligned copy for O_DIRECT when the buffers are not */
	struct iovec step_iov;
	struct disk_request *next;
};

struct disk;

/*
 * Opens the raw image at path (a regular file or a block device) and takes an advisory lock
 * on it (exclusive, or shared with DISK_RDONLY). Returns 0 or -errno with one line in err.
 */
int disk__open(struct disk **out, const char *path, unsigned flags, char *err,
	       size_t errlen) __must_check;
/* Waits for in-flight requests (running their callbacks), then closes. NULL is a no-op. */
void disk__close(struct disk *d);

u64 disk__size(const struct disk *d);
bool disk__readonly(const struct disk *d);
/* Whether disk__queue may finish requests itself (inline, memory): then they are reaped at once. */
bool disk__serves_inline(const struct disk *d);
/* "io_uring", "threads", "inline" or "memory" (tmpfs: inline and threads): how requests are served. */
const char *disk__backend(const struct disk *d);
/*
 * Readable when completions are waiting: watch it and call disk__complete. Requests served
 * inline (during disk__queue or a callback) do not signal it: call disk__complete after
 * disk__submit too.
 */
int disk__event_fd(const struct disk *d);
/* Requests queued and not yet completed (callback not yet run). */
unsigned disk__inflight(const struct disk *d);

/*
 * The calls below must not run concurrently with each other for one disk (the owner
 * serialises them, e.g. under its lock or on one thread). Callbacks may queue new requests.
 *
 * disk__queue takes a request; it starts no later than the next disk__submit. A request the
 * disk refuses (out of range, write to a read-only disk) completes with an error through its
 * callback like any other: the callback never runs inside disk__queue.
 */
void disk__queue(struct disk *d, struct disk_request *req);
/* Starts everything queued since the last call (one system call for a batch). */
void disk__submit(struct disk *d);
/*
 * Runs the callbacks of finished requests, including those that finish inline while it runs;
 * returns how many finished. Never blocks.
 */
unsigned disk__complete(struct disk *d);
/*
 * The same without reading the eventfd: for the caller that just queued requests a disk
 * serves inline, which signal nothing (a system call saved per request). Whatever did signal
 * leaves the eventfd readable, and the next disk__complete sees it.
 */
unsigned disk__reap(struct disk *d);
/* Waits until no request is in flight, running callbacks as they finish. */
void disk__drain(struct disk *d);

#endif
