/* Cloud resource naming rules, shared by every resource the control plane stores. */
#ifndef NV_CONTROL_NAMES_H
#define NV_CONTROL_NAMES_H

#include <stddef.h>

#define NAME_MAX_CHARS 63

/*
 * 0 when name follows the rules (1-63 characters, a lowercase letter first, then lowercase
 * letters, digits and hyphens, no hyphen last); otherwise -EINVAL, and err names what
 * ("instance name") and the rule broken.
 */
int names__check(const char *what, const char *name, char *err, size_t errlen);

#endif
