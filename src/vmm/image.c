/* Whole-file reads of boot images. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/image.h"

static int read_all(int fd, u8 *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* the file shrank under us */
		done += n;
	}
	return 0;
}

static int check_file(int fd, const char *path, const char *what, u64 max_size, size_t *size,
		      char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return set_err(err, errlen, errno, "%s %s: %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return set_err(err, errlen, EINVAL, "%s %s: not a regular file", what, path);
	if (st.st_size == 0)
		return set_err(err, errlen, EINVAL, "%s %s: file is empty", what, path);
	if ((u64)st.st_size > max_size)
		return set_err(err, errlen, EFBIG,
			       "%s %s (%llu MiB) cannot fit in guest memory (%llu MiB)", what, path,
			       (unsigned long long)((u64)st.st_size / MiB),
			       (unsigned long long)(max_size / MiB));
	*size = st.st_size;
	return 0;
}

int image__read(const char *path, const char *what, u64 max_size, u8 **buf, size_t *size,
		char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	*buf = NULL;
	if (fd < 0)
		return set_err(err, errlen, errno, "%s %s: %s", what, path, strerror(errno));
	ret = check_file(fd, path, what, max_size, size, err, errlen);
	if (ret)
		goto out;
	*buf = malloc(*size);
	if (!*buf) {
		ret = set_err(err, errlen, ENOMEM, "%s %s: out of memory", what, path);
		goto out;
	}
	ret = read_all(fd, *buf, *size);
	if (ret) {
		free(*buf);
		*buf = NULL;
		ret = set_err(err, errlen, -ret, "%s %s: read failed: %s", what, path, strerror(-ret));
	}
out:
	close(fd);
	return ret;
}
