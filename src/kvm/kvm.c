/* /dev/kvm: open it, check the API, and read the host-wide CPUID and MSR tables. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/kvm.h"
#include "util/log.h"

/* KVM_GET_SUPPORTED_CPUID wants a buffer at least as large as its table; grow until it fits. */
static int read_supported_cpuid(struct kvm_system *kvm, char *err, size_t errlen)
{
	for (u32 nent = 64; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		if (!c)
			return set_err(err, errlen, ENOMEM, "out of memory");
		c->nent = nent;
		if (ioctl(kvm->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			kvm->supported_cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return set_err(err, errlen, errno, "KVM_GET_SUPPORTED_CPUID failed: %s",
				       strerror(errno));
	}
	return set_err(err, errlen, E2BIG, "KVM_GET_SUPPORTED_CPUID: table too large");
}

static int read_msr_list(struct kvm_system *kvm, char *err, size_t errlen)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *list;

	/* The first call fails with E2BIG and tells how many indices there are. */
	if (ioctl(kvm->fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
		return set_err(err, errlen, errno, "KVM_GET_MSR_INDEX_LIST failed: %s",
			       strerror(errno));
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	if (!list)
		return set_err(err, errlen, ENOMEM, "out of memory");
	list->nmsrs = probe.nmsrs;
	if (ioctl(kvm->fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		free(list);
		return set_err(err, errlen, errno, "KVM_GET_MSR_INDEX_LIST failed: %s",
			       strerror(errno));
	}
	kvm->msr_list = list;
	return 0;
}

static unsigned read_max_vcpus(const struct kvm_system *kvm)
{
	int max = kvm__check_extension(kvm, KVM_CAP_MAX_VCPUS);

	/* Documented fallbacks: NR_VCPUS when MAX_VCPUS is absent, 4 when both are. */
	if (max <= 0)
		max = kvm__check_extension(kvm, KVM_CAP_NR_VCPUS);
	return max > 0 ? (unsigned)max : 4;
}

/* A passed descriptor is duplicated (fcntl: on every seccomp list that may get here). */
static int dup_passed(int fd, char *err, size_t errlen)
{
	int copy = dup_passed_fd(fd);

	if (copy < 0)
		return set_err(err, errlen, -copy, "KVM descriptor %d: %s", fd,
			       passed_fd_strerror(copy));
	return copy;
}

static int open_path(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), e = errno;

	if (fd >= 0)
		return fd;
	if (e == ENOENT)
		return set_err(err, errlen, e, "%s does not exist: is the kvm module loaded "
			       "(modprobe kvm_intel or kvm_amd)?", path);
	if (e == EACCES || e == EPERM)
		return set_err(err, errlen, e, "%s: permission denied: run as root or join "
			       "the group that owns it (usually kvm)", path);
	return set_err(err, errlen, e, "cannot open %s: %s", path, strerror(e));
}

static int open_device(struct kvm_system *kvm, const char *path, char *err, size_t errlen)
{
	int passed = path_passed_fd(path);

	kvm->fd = passed >= 0 ? dup_passed(passed, err, errlen) : open_path(path, err, errlen);
	if (kvm->fd < 0)
		return kvm->fd;
	kvm->api_version = ioctl(kvm->fd, KVM_GET_API_VERSION, 0);
	if (kvm->api_version < 0)
		return set_err(err, errlen, errno, "%s is not a KVM device (KVM_GET_API_VERSION: %s)",
			       path, strerror(errno));
	if (kvm->api_version != KVM_API_VERSION)
		return set_err(err, errlen, EINVAL, "%s: KVM API version %d, expected %d", path,
			       kvm->api_version, KVM_API_VERSION);
	return 0;
}

int kvm__open(struct kvm_system *kvm, const char *path, char *err, size_t errlen)
{
	int ret;

	memset(kvm, 0, sizeof(*kvm));
	ret = open_device(kvm, path, err, errlen);
	if (ret)
		goto fail;
	kvm->vcpu_mmap_size = ioctl(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		ret = set_err(err, errlen, EINVAL, "KVM_GET_VCPU_MMAP_SIZE returned %d",
			      kvm->vcpu_mmap_size);
		goto fail;
	}
	kvm->max_vcpus = read_max_vcpus(kvm);
	ret = read_supported_cpuid(kvm, err, errlen);
	if (ret)
		goto fail;
	ret = read_msr_list(kvm, err, errlen);
	if (ret)
		goto fail;
	return 0;
fail:
	kvm__close(kvm);
	return ret;
}

void kvm__close(struct kvm_system *kvm)
{
	if (kvm->fd > 0)
		close(kvm->fd);
	free(kvm->supported_cpuid);
	free(kvm->msr_list);
	memset(kvm, 0, sizeof(*kvm));
	kvm->fd = -1;
}

int kvm__check_extension(const struct kvm_system *kvm, long cap)
{
	int ret = ioctl(kvm->fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? -errno : ret;
}

bool kvm__has_msr(const struct kvm_system *kvm, u32 index)
{
	for (u32 i = 0; kvm->msr_list && i < kvm->msr_list->nmsrs; i++)
		if (kvm->msr_list->indices[i] == index)
			return true;
	return false;
}
