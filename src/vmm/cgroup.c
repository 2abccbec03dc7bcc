/*
 * A jailed VMM's cgroup (docs/hardening.md): found from /proc/self/mountinfo, v2 preferred,
 * v1's cpu and memory hierarchies where the host still binds those controllers to v1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmm/cgroup.h"

#define REMOVE_WAIT_MS 5000

static bool has_word(const char *list, const char *word, char sep)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p; p = strchr(p, sep) ? strchr(p, sep) + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == sep || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* The mount points of cgroup2 and of the v1 hierarchies holding memory and cpu. */
struct mounts {
	char v2[PATH_MAX], mem[PATH_MAX], cpu[PATH_MAX];
};

static void scan_line(char *line, struct mounts *m)
{
	char *sep = strstr(line, " - "), *f[6], *type, *opts, *save = NULL;
	int i;

	if (!sep)
		return;
	*sep = '\0';
	f[0] = strtok_r(line, " ", &save);
	for (i = 1; i < 6 && f[i - 1]; i++)
		f[i] = strtok_r(NULL, " ", &save);
	if (i < 6 || !f[4])
		return;
	save = NULL;
	type = strtok_r(sep + 3, " ", &save);
	strtok_r(NULL, " ", &save);	/* the source */
	opts = strtok_r(NULL, " \n", &save);
	if (!type || !opts)
		return;
	if (!strcmp(type, "cgroup2") && !m->v2[0])
		snprintf(m->v2, sizeof(m->v2), "%s", f[4]);
	if (strcmp(type, "cgroup"))
		return;
	if (has_word(opts, "memory", ',') && !m->mem[0])
		snprintf(m->mem, sizeof(m->mem), "%s", f[4]);
	if (has_word(opts, "cpu", ',') && !m->cpu[0])
		snprintf(m->cpu, sizeof(m->cpu), "%s", f[4]);
}

static int scan_mounts(struct mounts *m)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	memset(m, 0, sizeof(*m));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		scan_line(line, m);
	fclose(f);
	return 0;
}

/* v2 if its root offers both controllers, else v1 if both hierarchies exist; 0: neither. */
static int pick_version(const struct mounts *m, char *why, size_t len)
{
	char path[PATH_MAX + 32], ctl[512] = "";

	if (m->v2[0]) {
		snprintf(path, sizeof(path), "%s/cgroup.controllers", m->v2);
		if (read_small_file(path, ctl, sizeof(ctl)) >= 0 && has_word(ctl, "cpu", ' ') &&
		    has_word(ctl, "memory", ' '))
			return 2;
	}
	if (m->mem[0] && m->cpu[0])
		return 1;
	snprintf(why, len, "%s", m->v2[0] ? "cgroup v2 lacks the cpu or memory controller" :
		 "no cgroup v2, nor v1 cpu and memory hierarchies");
	return 0;
}

int cgroup__locate(struct cgroup *cg, const char *leaf, char *err, size_t errlen)
{
	struct mounts m;
	char why[96];
	int ret = scan_mounts(&m);

	memset(cg, 0, sizeof(*cg));
	if (ret)
		return set_err(err, errlen, -ret, "no cgroup limits: /proc/self/mountinfo: %s",
			       strerror(-ret));
	cg->version = pick_version(&m, why, sizeof(why));
	if (!cg->version)
		return set_err(err, errlen, EOPNOTSUPP, "no cgroup limits: %s", why);
	snprintf(cg->mem, sizeof(cg->mem), "%.3000s/" CGROUP_PARENT "/%.80s",
		 cg->version == 2 ? m.v2 : m.mem, leaf);
	snprintf(cg->cpu, sizeof(cg->cpu), "%.3000s/" CGROUP_PARENT "/%.80s",
		 cg->version == 2 ? m.v2 : m.cpu, leaf);
	return 0;
}

static void parent_of(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s", path);
	if (strrchr(buf, '/'))
		*strrchr(buf, '/') = '\0';
}

/* ROOT/nestvisor and the leaf; on v2 each level hands cpu and memory down to the next. */
static int make_dirs(const char *leaf_path, int version)
{
	char parent[PATH_MAX], root[PATH_MAX];

	parent_of(leaf_path, parent, sizeof(parent));
	parent_of(parent, root, sizeof(root));
	int ret = version == 2 ? write_text(root, "cgroup.subtree_control", "+cpu +memory") : 0;

	if (ret)
		return ret;
	if (mkdir(parent, 0755) && errno != EEXIST)
		return -errno;
	ret = version == 2 ? write_text(parent, "cgroup.subtree_control", "+cpu +memory") : 0;
	if (ret)
		return ret;
	if (mkdir(leaf_path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int cgroup__create(struct cgroup *cg, const char *leaf, char *err, size_t errlen)
{
	int ret = cgroup__locate(cg, leaf, err, errlen);

	if (ret)
		return ret;
	ret = make_dirs(cg->mem, cg->version);
	if (!ret && cg->version == 1)
		ret = make_dirs(cg->cpu, 1);
	if (ret) {
		set_err(err, errlen, -ret, "no cgroup limits: cannot create %s (cgroup v%d): %s",
			cg->version == 1 && access(cg->mem, F_OK) == 0 ? cg->cpu : cg->mem,
			cg->version, strerror(-ret));
		cgroup__remove(cg);
		return ret;
	}
	return 0;
}

int cgroup__find(struct cgroup *cg, const char *leaf, char *err, size_t errlen)
{
	int ret = cgroup__locate(cg, leaf, err, errlen);

	if (ret)
		return ret;
	if (access(cg->mem, F_OK) || access(cg->cpu, F_OK)) {
		ret = errno;
		cg->version = 0;
		return set_err(err, errlen, ret, "no cgroup %s: %s", cg->mem, strerror(ret));
	}
	return 0;
}

int cgroup__join(const struct cgroup *cg, char *err, size_t errlen)
{
	/* "0" is the writer itself, whatever PID namespace it is in. */
	int ret = write_text(cg->mem, "cgroup.procs", "0");

	if (!ret && cg->version == 1)
		ret = write_text(cg->cpu, "cgroup.procs", "0");
	if (ret)
		return set_err(err, errlen, -ret, "cannot join cgroup %s: %s", cg->mem,
			       strerror(-ret));
	return 0;
}

int cgroup__set_limits(const struct cgroup *cg, u32 cpu_pct, u64 memory_mib, char *err,
		       size_t errlen)
{
	unsigned long long quota = (unsigned long long)cpu_pct * CGROUP_CPU_PERIOD_US / 100;
	char text[64];
	int ret = 0;

	if (memory_mib) {
		snprintf(text, sizeof(text), "%llu", (unsigned long long)(memory_mib * MiB));
		ret = write_text(cg->mem, cg->version == 2 ? "memory.max" : "memory.limit_in_bytes",
				 text);
	}
	if (!ret && cpu_pct && cg->version == 2) {
		snprintf(text, sizeof(text), "%llu %d", quota, CGROUP_CPU_PERIOD_US);
		ret = write_text(cg->cpu, "cpu.max", text);
	} else if (!ret && cpu_pct) {
		snprintf(text, sizeof(text), "%d", CGROUP_CPU_PERIOD_US);
		ret = write_text(cg->cpu, "cpu.cfs_period_us", text);
		snprintf(text, sizeof(text), "%llu", quota);
		if (!ret)
			ret = write_text(cg->cpu, "cpu.cfs_quota_us", text);
	}
	if (ret)
		return set_err(err, errlen, -ret, "cgroup limits (cpu %u%%, memory %llu MiB) on %s: %s",
			       cpu_pct, (unsigned long long)memory_mib, cg->mem, strerror(-ret));
	return 0;
}

static void remove_dir(const char *path)
{
	struct timespec tick = { 0, 20 * 1000000 };

	/* KVM's worker threads leave the cgroup a moment after the VMM is reaped. */
	for (int waited = 0; rmdir(path) && errno == EBUSY && waited < REMOVE_WAIT_MS;
	     waited += 20)
		nanosleep(&tick, NULL);
}

void cgroup__remove(struct cgroup *cg)
{
	if (!cg->version)
		return;
	remove_dir(cg->mem);
	if (cg->version == 1)
		remove_dir(cg->cpu);
	cg->version = 0;
}

void cgroup__leaf(const char *name, int pid, char *buf, size_t len)
{
	char clean[48];
	size_t i;

	for (i = 0; name && name[i] && i < sizeof(clean) - 1; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

		clean[i] = ok ? c : '_';
	}
	clean[i] = '\0';
	if (!i || clean[0] == '.')
		snprintf(clean, sizeof(clean), "vmm");
	snprintf(buf, len, "%s-%d", clean, pid);
}

/* Whole-string decimal in [1, max]. */
static int parse_num(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!n || n > 12)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (!v || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_pair(const char *p, size_t n, struct cgroup_limits *out)
{
	unsigned long long v;

	if (n > 4 && !strncmp(p, "cpu=", 4) && !parse_num(p + 4, n - 4, CGROUP_MAX_CPU_PCT, &v)) {
		out->cpu_pct = (u32)v;
		return 0;
	}
	if (n > 7 && !strncmp(p, "memory=", 7) &&
	    !parse_num(p + 7, n - 7, CGROUP_MAX_MEMORY_MIB, &v)) {
		out->memory_mib = v;
		return 0;
	}
	return -EINVAL;
}

int cgroup__parse_limits(const char *arg, struct cgroup_limits *out, char *err, size_t errlen)
{
	struct cgroup_limits l = { 0 };
	const char *p = arg;

	if (!strcmp(arg, "off")) {
		*out = (struct cgroup_limits){ .off = true };
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, ",");

		if (parse_pair(p, n, &l))
			return set_err(err, errlen, EINVAL, "--limits: '%s' is not off or "
				       "cpu=PCT,memory=MiB (PCT 1-%d, MiB 1-%d)", arg,
				       CGROUP_MAX_CPU_PCT, CGROUP_MAX_MEMORY_MIB);
		p += n + (p[n] == ',');
	}
	if (!l.cpu_pct && !l.memory_mib)
		return set_err(err, errlen, EINVAL, "--limits: '%s' sets nothing", arg);
	*out = l;
	return 0;
}
