/*
 * The --disk images checked before any VM exists: each opens (file kind, size, permissions,
 * the image lock) exactly as the device will open it, and no image is given twice.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "block/disk.h"
#include "devices/virtio/blk.h"

/* Two --disk PATHs naming one file would take the image lock against each other. */
static int check_distinct(const struct disk_option *opts, unsigned n, char *err, size_t errlen)
{
	struct stat a, b;

	for (unsigned i = 0; i < n; i++) {
		if (stat(opts[i].path, &a) < 0)
			continue;	/* disk__open reports it */
		for (unsigned j = i + 1; j < n; j++) {
			if (stat(opts[j].path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				return set_err(err, errlen, EINVAL,
					       "--disk %s: the same image is given twice (as %s too)",
					       opts[j].path, opts[i].path);
		}
	}
	return 0;
}

int disk_options__check(const struct disk_option *opts, unsigned n, char *err, size_t errlen)
{
	int ret = check_distinct(opts, n, err, errlen);

	for (unsigned i = 0; i < n && !ret; i++) {
		unsigned flags = DISK_NO_URING | DISK_NO_THREADS;
		struct disk *d;

		flags |= (opts[i].readonly ? DISK_RDONLY : 0) | (opts[i].direct ? DISK_DIRECT : 0);
		ret = disk__open(&d, opts[i].path, flags, err, errlen);
		if (!ret)
			disk__close(d);
	}
	return ret;
}
