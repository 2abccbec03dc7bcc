/* The --disk option: "PATH[,ro][,id=ID][,direct=on|off]", checked before anything is opened. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio/blk.h"

#define DISK_OPTION_KEYS "ro, id=ID or direct=on|off"

/* The id is what a Linux guest shows in /sys/block/vdX/serial: printable ASCII only. */
static int parse_id(const char *s, struct disk_option *opt, char *err, size_t errlen)
{
	size_t len = strlen(s);

	if (!len)
		return set_err(err, errlen, EINVAL, "--disk: id= needs a value");
	if (len > DISK_ID_MAX)
		return set_err(err, errlen, EINVAL, "--disk: id '%s' is longer than %d bytes", s,
			       DISK_ID_MAX);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return set_err(err, errlen, EINVAL,
				       "--disk: id may hold printable ASCII only");
	}
	memcpy(opt->id, s, len + 1);
	return 0;
}

static int parse_on_off(const char *key, const char *s, bool *out, char *err, size_t errlen)
{
	if (!strcmp(s, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "off")) {
		*out = false;
		return 0;
	}
	return set_err(err, errlen, EINVAL, "--disk: %s='%s' must be on or off", key, s);
}

struct seen {
	bool ro, id, direct;
};

static int once(bool *seen, const char *key, char *err, size_t errlen)
{
	if (*seen)
		return set_err(err, errlen, EINVAL, "--disk: %s is given twice", key);
	*seen = true;
	return 0;
}

static int parse_item(char *item, struct disk_option *opt, struct seen *seen, char *err,
		      size_t errlen)
{
	char *eq = strchr(item, '=');
	int ret;

	if (!*item)
		return set_err(err, errlen, EINVAL, "--disk: empty option between commas");
	if (!strcmp(item, "ro")) {
		opt->readonly = true;
		return once(&seen->ro, "ro", err, errlen);
	}
	if (eq) {
		*eq = 0;
		if (!strcmp(item, "id")) {
			ret = once(&seen->id, "id=", err, errlen);
			return ret ? ret : parse_id(eq + 1, opt, err, errlen);
		}
		if (!strcmp(item, "direct")) {
			ret = once(&seen->direct, "direct=", err, errlen);
			return ret ? ret
				   : parse_on_off("direct", eq + 1, &opt->direct, err, errlen);
		}
	}
	return set_err(err, errlen, EINVAL,
		       "--disk: unknown option '%s' (expected " DISK_OPTION_KEYS ")", item);
}

int disk_option__parse(const char *arg, struct disk_option *opt, char *err, size_t errlen)
{
	char buf[sizeof(opt->path) + 64], *item, *next;
	struct seen seen = {0};
	int ret;

	memset(opt, 0, sizeof(*opt));
	if (!arg || strlen(arg) >= sizeof(buf))
		return set_err(err, errlen, EINVAL, "--disk: %s",
			       arg ? "argument too long" : "missing argument");
	strcpy(buf, arg);
	next = strchr(buf, ',');
	if (next)
		*next++ = 0;
	if (!buf[0])
		return set_err(err, errlen, EINVAL,
			       "--disk: empty path (expected PATH[,ro][,id=ID][,direct=on|off])");
	if (strlen(buf) >= sizeof(opt->path))
		return set_err(err, errlen, ENAMETOOLONG, "--disk: path longer than %zu bytes",
			       sizeof(opt->path) - 1);
	strcpy(opt->path, buf);
	while ((item = next)) {
		next = strchr(item, ',');
		if (next)
			*next++ = 0;
		ret = parse_item(item, opt, &seen, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}
