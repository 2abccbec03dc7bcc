/* Small helpers shared by every module: fixed-width types, container_of, sizes. */
#ifndef NV_UTIL_H
#define NV_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define __must_check __attribute__((warn_unused_result))
#define __packed __attribute__((packed))
#define __unused __attribute__((unused))

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))

static inline u64 min_u64(u64 a, u64 b) { return a < b ? a : b; }
static inline u64 max_u64(u64 a, u64 b) { return a > b ? a : b; }

/* Formats an error message into a caller's buffer; returns -err (a negative errno). */
int set_err(char *err, size_t errlen, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Up to len - 1 bytes of path into buf, NUL-terminated: the count, or -errno. */
ssize_t read_small_file(const char *path, char *buf, size_t len);
/*
 * N when path is "/dev/fd/N" (a descriptor this process was started with), else -1. No
 * file system look-up: the caller duplicates N with dup_passed_fd instead of opening path.
 */
int path_passed_fd(const char *path);
/* A close-on-exec copy of fd, above 2 (F_DUPFD_CLOEXEC): the copy or -errno (-EBADF: closed). */
int dup_passed_fd(int fd);
/* What dup_passed_fd's -errno means, for an error line. */
const char *passed_fd_strerror(int neg_errno);

#endif
