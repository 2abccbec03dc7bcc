/* Cloud resource naming rules: the one check every create call makes first. */
#include <errno.h>
#include <string.h>

#include "control/names.h"
#include "util/util.h"

static bool lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

int names__check(const char *what, const char *name, char *err, size_t errlen)
{
	size_t len = name ? strnlen(name, NAME_MAX_CHARS + 1) : 0;

	if (!len)
		return set_err(err, errlen, EINVAL, "%s is empty", what);
	if (len > NAME_MAX_CHARS)
		return set_err(err, errlen, EINVAL, "%s '%.20s...' is longer than %d characters",
			       what, name, NAME_MAX_CHARS);
	if (!lower(name[0]))
		return set_err(err, errlen, EINVAL, "%s '%s' must start with a lowercase letter",
			       what, name);
	for (size_t i = 1; i < len; i++) {
		char c = name[i];

		if (lower(c) || digit(c) || c == '-')
			continue;
		return set_err(err, errlen, EINVAL, "%s '%s' may contain only lowercase letters, "
			       "digits and hyphens (found '%c' at position %zu)", what, name,
			       (c >= 0x20 && c < 0x7f) ? c : '?', i + 1);
	}
	if (name[len - 1] == '-')
		return set_err(err, errlen, EINVAL, "%s '%s' must not end with a hyphen", what, name);
	return 0;
}
