/*
 * The public image catalogue a fresh daemon offers: images built in the tree (the test guest,
 * the Debian L1 image with KVM) are registered when their files exist.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control/daemon.h"
#include "control/store.h"
#include "util/log.h"

struct entry {
	const char *name, *family, *kernel, *initrd, *description;
	int kvm_modules;
};

static const struct entry entries[] = {
	{ "testguest", "testguest", "testguest", NULL,
	  "nestvisor's test guest (no KVM inside)", 0 },
	{ "debian-12-nested", "debian-12", "images/l1/vmlinuz", "images/l1/initrd.img",
	  "Debian 12 L1 with kvm_intel, kvm_amd and nestvisor", 1 },
};

static void add(struct store *st, const char *dir, const struct entry *e)
{
	struct store_image img = { .kvm_modules = e->kvm_modules };
	char err[256];

	snprintf(img.kernel, sizeof(img.kernel), "%s/%s", dir, e->kernel);
	if (e->initrd)
		snprintf(img.initrd, sizeof(img.initrd), "%s/%s", dir, e->initrd);
	if (access(img.kernel, R_OK) || (e->initrd && access(img.initrd, R_OK)))
		return;
	if (!store__image_get(st, 0, e->name, &img, NULL, 0))
		return;
	snprintf(img.name, sizeof(img.name), "%s", e->name);
	snprintf(img.family, sizeof(img.family), "%s", e->family);
	snprintf(img.description, sizeof(img.description), "%s", e->description);
	if (store__image_insert(st, &img, err, sizeof(err)))
		pr_warn("catalogue: %s", err);
	else
		pr_info("catalogue: public image %s (%s)", img.name, img.kernel);
}

int daemon_catalog__fill(struct store *st, const char *dir)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (!dir) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return -errno;
		exe[n] = '\0';
		dir = dirname(exe);
	}
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		add(st, dir, &entries[i]);
	return 0;
}
