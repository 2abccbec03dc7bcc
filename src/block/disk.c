/*
 * Raw disk images: opening and checking the file, the advisory lock that keeps two VMMs from
 * writing one image, and the request queue shared by the io_uring and thread back-ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "block/disk_internal.h"
#include "util/log.h"

/* Refuses what cannot be an image before open(): a FIFO would block, a directory is no disk. */
static int check_path(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (!path || !*path)
		return set_err(err, errlen, EINVAL, "disk: empty path");
	if (stat(path, &st) < 0)
		return set_err(err, errlen, errno, "disk %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return set_err(err, errlen, EISDIR, "disk %s is a directory, not an image file",
			       path);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return set_err(err, errlen, EINVAL, "disk %s is not a regular file or block device",
			       path);
	return 0;
}

static int open_image(const char *path, unsigned flags, char *err, size_t errlen)
{
	int oflags = O_CLOEXEC | ((flags & DISK_RDONLY) ? O_RDONLY : O_RDWR);
	int fd;

	if (flags & DISK_DIRECT)
		oflags |= O_DIRECT;
	fd = open(path, oflags);
	if (fd >= 0)
		return fd;
	if (!(flags & DISK_RDONLY) && (errno == EACCES || errno == EPERM || errno == EROFS))
		return set_err(err, errlen, errno,
			       "disk %s is not writable (%s); add ,ro to use it read-only", path,
			       strerror(errno));
	if ((flags & DISK_DIRECT) && errno == EINVAL)
		return set_err(err, errlen, EINVAL,
			       "disk %s: its file system does not support direct=on", path);
	return set_err(err, errlen, errno, "disk %s: %s", path, strerror(errno));
}

/*
 * "/dev/fd/N": a descriptor the VMM was started with (a jailing daemon opened the image). It
 * is duplicated, never reopened: no path is looked up. Its access mode must allow what the
 * drive does; its type is checked with the size (image_size).
 */
static int dup_image(int passed, const char *path, unsigned flags, char *err, size_t errlen)
{
	int fd = dup_passed_fd(passed), fl, ret = 0;

	if (fd < 0)
		return set_err(err, errlen, -fd, "disk %s: %s", path, passed_fd_strerror(fd));
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		ret = set_err(err, errlen, errno, "disk %s: F_GETFL: %s", path, strerror(errno));
	else if ((fl & O_ACCMODE) == O_WRONLY)
		ret = set_err(err, errlen, EBADF, "disk %s: the descriptor is write-only", path);
	else if (!(flags & DISK_RDONLY) && (fl & O_ACCMODE) != O_RDWR)
		ret = set_err(err, errlen, EBADF, "disk %s: the descriptor is read-only but the "
			      "drive is writable (pass it read-write, or add ,ro)", path);
	else if ((flags & DISK_DIRECT) && !(fl & O_DIRECT) && fcntl(fd, F_SETFL, fl | O_DIRECT))
		ret = set_err(err, errlen, EINVAL,
			      "disk %s: its file system does not support direct=on", path);
	if (!ret)
		return fd;
	close(fd);
	return ret;
}

static int image_size(struct disk *d, char *err, size_t errlen)
{
	struct stat st;
	u64 size;

	if (fstat(d->fd, &st) < 0)
		return set_err(err, errlen, errno, "disk %s: %s", d->path, strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &size) < 0)
			return set_err(err, errlen, errno, "disk %s: cannot read its size: %s",
				       d->path, strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		size = st.st_size;
	} else {
		return set_err(err, errlen, EINVAL, "disk %s is not a regular file or block device",
			       d->path);
	}
	if (size == 0)
		return set_err(err, errlen, EINVAL, "disk %s is empty", d->path);
	if (size % DISK_SECTOR_SIZE)
		return set_err(err, errlen, EINVAL,
			       "disk %s: size %llu is not a multiple of %d bytes", d->path,
			       (unsigned long long)size, DISK_SECTOR_SIZE);
	d->size = size;
	return 0;
}

/* flock locks belong to the open file, so they also keep this process from opening it twice. */
static int lock_image(struct disk *d, char *err, size_t errlen)
{
	int op = ((d->flags & DISK_RDONLY) ? LOCK_SH : LOCK_EX) | LOCK_NB;

	if (flock(d->fd, op) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return set_err(err, errlen, EBUSY, "disk %s is in use by another process", d->path);
	/* Some file systems have no locks at all; running unlocked beats refusing to run. */
	pr_warn("disk %s: cannot lock it (%s); another process could write it too\n", d->path,
		strerror(errno));
	return 0;
}

/*
 * A file on tmpfs or ramfs is memory: io_uring cannot read it without blocking (as it sees
 * it) and hands every request to a kernel worker, a thread hop that costs more than the
 * copy of a small request. Small requests are served inline on the device's I/O thread (they
 * never wait on a device either), large ones by worker threads (DISK_INLINE_MAX).
 */
static bool in_memory_file(int fd)
{
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC);
}

static void start_backend(struct disk *d)
{
	char why[128];

	if (!(d->flags & DISK_DIRECT) && in_memory_file(d->fd)) {
		pr_debug("disk %s: in memory (tmpfs/ramfs); small requests served inline", d->path);
		if (!(d->flags & DISK_NO_THREADS))
			disk_threads__init(d);
		d->backend = DISK_BACKEND_MEMORY;
		return;
	}
	if (!(d->flags & DISK_NO_URING)) {
		if (disk_uring__init(d, why, sizeof(why)) == 0) {
			d->backend = DISK_BACKEND_URING;
			return;
		}
		pr_info("disk %s: io_uring unavailable (%s); using worker threads\n", d->path, why);
	}
	if (!(d->flags & DISK_NO_THREADS))
		disk_threads__init(d);
	d->backend = d->nworkers ? DISK_BACKEND_THREADS : DISK_BACKEND_INLINE;
	if (d->backend == DISK_BACKEND_INLINE)
		pr_info("disk %s: serving requests synchronously on the I/O thread\n", d->path);
}

static int alloc_disk(struct disk **out, const char *path, unsigned flags, char *err, size_t errlen)
{
	struct disk *d = calloc(1, sizeof(*d));

	if (!d || !(d->path = strdup(path))) {
		free(d);
		return set_err(err, errlen, ENOMEM, "disk %s: out of memory", path);
	}
	d->fd = -1;
	d->flags = flags;
	d->backend = DISK_BACKEND_INLINE; /* nothing to stop until start_backend */
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->efd < 0) {
		int ret =
		    set_err(err, errlen, errno, "disk %s: eventfd: %s", path, strerror(errno));

		disk__close(d);
		return ret;
	}
	*out = d;
	return 0;
}

/* Writes of zeroes come from one untouched anonymous mapping: it costs no memory. */
static int map_zeroes(struct disk *d, char *err, size_t errlen)
{
	if (d->flags & DISK_RDONLY)
		return 0;
	d->zeroes = mmap(NULL, DISK_ZERO_CHUNK, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (d->zeroes == MAP_FAILED) {
		d->zeroes = NULL;
		return set_err(err, errlen, errno, "disk %s: mmap: %s", d->path, strerror(errno));
	}
	return 0;
}

int disk__open(struct disk **out, const char *path, unsigned flags, char *err, size_t errlen)
{
	struct disk *d = NULL;
	int ret;

	int passed = path ? path_passed_fd(path) : -1;

	ret = passed >= 0 ? 0 : check_path(path, err, errlen);
	if (ret)
		return ret;
	ret = alloc_disk(&d, path, flags, err, errlen);
	if (ret)
		return ret;
	d->fd = passed >= 0 ? dup_image(passed, path, flags, err, errlen) :
		open_image(path, flags, err, errlen);
	if (d->fd < 0) {
		ret = d->fd;
		goto fail;
	}
	ret = image_size(d, err, errlen);
	if (!ret)
		ret = lock_image(d, err, errlen);
	if (!ret)
		ret = map_zeroes(d, err, errlen);
	if (ret)
		goto fail;
	start_backend(d);
	*out = d;
	return 0;
fail:
	disk__close(d);
	return ret;
}

void disk__close(struct disk *d)
{
	if (!d)
		return;
	if (d->efd >= 0)
		disk__drain(d);
	if (d->backend == DISK_BACKEND_URING)
		disk_uring__exit(d);
	else
		disk_threads__exit(d);
	if (d->zeroes)
		munmap(d->zeroes, DISK_ZERO_CHUNK);
	if (d->fd >= 0)
		close(d->fd);
	if (d->efd >= 0)
		close(d->efd);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	free(d);
}

u64 disk__size(const struct disk *d)
{
	return d->size;
}

bool disk__serves_inline(const struct disk *d)
{
	/* Worker threads without a single thread started serve inline too (disk_threads.c). */
	return d->backend == DISK_BACKEND_INLINE || d->backend == DISK_BACKEND_MEMORY ||
	       (d->backend == DISK_BACKEND_THREADS && !d->nworkers);
}

bool disk__readonly(const struct disk *d)
{
	return d->flags & DISK_RDONLY;
}

const char *disk__backend(const struct disk *d)
{
	static const char *const names[] = {
	    [DISK_BACKEND_URING] = "io_uring",
	    [DISK_BACKEND_THREADS] = "threads",
	    [DISK_BACKEND_INLINE] = "inline",
	    [DISK_BACKEND_MEMORY] = "memory",
	};

	return names[d->backend];
}

int disk__event_fd(const struct disk *d)
{
	return d->efd;
}

unsigned disk__inflight(const struct disk *d)
{
	return d->inflight;
}
