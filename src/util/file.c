/*
 * Small whole-file reads: /proc and /sys entries, pid files. One read is enough for them,
 * and a caller's fixed buffer bounds what a hostile or odd file can make us hold.
 */
#include <errno.h>
#include <fcntl.h>
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
