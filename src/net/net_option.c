/*
 * The --net option ("tap=NAME[,mac=MAC]") and the MAC a guest gets when none is given: derived
 * from the tap name, so it stays the same across runs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio/net.h"

#define MAC_TEXT_LEN 17		/* "aa:bb:cc:dd:ee:ff" */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_mac(const char *s, u8 mac[6], char *err, size_t errlen)
{
	static const u8 zero[6];

	if (strlen(s) != MAC_TEXT_LEN)
		goto bad;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			goto bad;
		mac[i] = (u8)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return set_err(err, errlen, EINVAL,
			       "--net: mac %s is a multicast address (the first byte must be even)", s);
	if (!memcmp(mac, zero, 6))
		return set_err(err, errlen, EINVAL, "--net: mac %s is not a usable address", s);
	return 0;
bad:
	return set_err(err, errlen, EINVAL,
		       "--net: mac '%s' is not six hex pairs like 02:00:00:00:00:01", s);
}

/* What Linux's dev_valid_name() accepts. */
static int parse_tap(const char *s, char *tap, char *err, size_t errlen)
{
	if (!s[0])
		return set_err(err, errlen, EINVAL, "--net: tap= needs an interface name");
	if (strlen(s) >= sizeof(((struct net_option *)0)->tap))
		return set_err(err, errlen, EINVAL,
			       "--net: tap name '%s' is longer than 15 characters", s);
	if (!strcmp(s, ".") || !strcmp(s, "..") || strpbrk(s, "/: \t\n\r\v\f"))
		return set_err(err, errlen, EINVAL,
			       "--net: '%s' is not a valid interface name (no '/', ':' or spaces)", s);
	strcpy(tap, s);
	return 0;
}

static int parse_pair(char *item, struct net_option *opt, bool *seen_tap, char *err,
		      size_t errlen)
{
	char *eq = strchr(item, '=');

	if (!eq)
		return set_err(err, errlen, EINVAL, "--net: '%s' is not key=value", item);
	*eq = 0;
	if (!strcmp(item, "tap")) {
		if (*seen_tap)
			return set_err(err, errlen, EINVAL, "--net: tap= is given twice");
		*seen_tap = true;
		return parse_tap(eq + 1, opt->tap, err, errlen);
	}
	if (!strcmp(item, "mac")) {
		if (opt->mac_set)
			return set_err(err, errlen, EINVAL, "--net: mac= is given twice");
		opt->mac_set = true;
		return parse_mac(eq + 1, opt->mac, err, errlen);
	}
	return set_err(err, errlen, EINVAL, "--net: unknown key '%s' (expected tap or mac)", item);
}

int net_option__parse(const char *arg, struct net_option *opt, char *err, size_t errlen)
{
	char buf[256], *item, *save = NULL;
	bool seen_tap = false;
	int ret;

	memset(opt, 0, sizeof(*opt));
	if (strlen(arg) >= sizeof(buf))
		return set_err(err, errlen, EINVAL, "--net: the option is too long");
	strcpy(buf, arg);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		ret = parse_pair(item, opt, &seen_tap, err, errlen);
		if (ret)
			goto fail;
	}
	if (seen_tap)
		return 0;
	ret = set_err(err, errlen, EINVAL, "--net: tap=NAME is missing (--net tap=NAME[,mac=MAC])");
fail:
	memset(opt, 0, sizeof(*opt));	/* nothing half-parsed */
	return ret;
}

/* 64-bit FNV-1a: stable, spreads short similar names (tap0, tap1) apart. */
void net_option__default_mac(const char *tap, u8 mac[6])
{
	u64 h = 0xcbf29ce484222325ULL;

	for (const char *p = tap; *p; p++) {
		h ^= (u8)*p;
		h *= 0x100000001b3ULL;
	}
	mac[0] = 0x02;		/* locally administered, unicast */
	for (int i = 1; i < 6; i++)
		mac[i] = (u8)(h >> (8 * (i - 1)));
}
