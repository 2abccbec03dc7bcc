/* virtio-net device: placeholder until the implementation lands. */
#include <errno.h>

#include "devices/virtio/net.h"

int net_option__parse(const char *arg, struct net_option *opt, char *err, size_t errlen)
{
	(void)arg;
	(void)opt;
	return set_err(err, errlen, ENOSYS, "--net: not implemented yet");
}

int virtio_net__create(struct virtio_net **out, const struct net_option *opt,
		       const struct guest_memory *mem, struct io_thread *io,
		       char *err, size_t errlen)
{
	(void)opt;
	(void)mem;
	(void)io;
	*out = NULL;
	return set_err(err, errlen, ENOSYS, "virtio-net: not implemented yet");
}

struct virtio_device *virtio_net__device(struct virtio_net *net)
{
	(void)net;
	return NULL;
}

void virtio_net__destroy(struct virtio_net *net)
{
	(void)net;
}
