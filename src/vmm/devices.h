/* The legacy devices every nestvisor machine has, and their place in the init order. */
#ifndef NV_VMM_DEVICES_H
#define NV_VMM_DEVICES_H

#include "util/util.h"

struct machine;

struct machine_devices {
	int placeholder;
};

int machine_devices__init(struct machine *m, char *err, size_t errlen) __must_check;
void machine_devices__exit(struct machine *m);
/* Console input for the guest; returns how many bytes the guest side took. */
size_t machine_devices__console_input(struct machine *m, const u8 *buf, size_t len);
bool machine_devices__console_can_take(struct machine *m);

#endif
