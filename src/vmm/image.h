/* Reading kernel and initrd files whole, with the checks that make bad paths one clear line. */
#ifndef NV_VMM_IMAGE_H
#define NV_VMM_IMAGE_H

#include "util/util.h"

/*
 * Reads a regular, non-empty file of at most max_size bytes into a malloc'd buffer.
 * what names the file in messages ("kernel", "initrd").
 */
int image__read(const char *path, const char *what, u64 max_size, u8 **buf, size_t *size,
		char *err, size_t errlen) __must_check;

#endif
