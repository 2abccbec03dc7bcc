/*
 * Small whole-file reads: /proc and /sys entries, pid files. One read is enough for them,
 * and a caller's fixed buffer bounds what a hostile or odd file can make us hold. And the
 * "/dev/fd/N" form that names a descriptor this process was started with.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

ssize_t read_small_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return n;
}

/* Parsed by hand, not by open(): a jail has no /dev/fd, and the fd needs no path at all. */
int path_passed_fd(const char *path)
{
	static const char prefix[] = "/dev/fd/";
	const char *digits = path + sizeof(prefix) - 1;
	char *end;
	long fd;

	if (strncmp(path, prefix, sizeof(prefix) - 1) || *digits < '0' || *digits > '9')
		return -1;
	errno = 0;
	fd = strtol(digits, &end, 10);
	return *end || errno || fd > 1 << 20 ? -1 : (int)fd;
}

int dup_passed_fd(int fd)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	return copy < 0 ? -errno : copy;
}

const char *passed_fd_strerror(int neg_errno)
{
	return neg_errno == -EBADF ? "not an open descriptor (was it passed to this process?)" :
	       strerror(-neg_errno);
}
