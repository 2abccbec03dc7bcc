/*
 * Unit tests for access control: roles and members parsed, which role grants which
 * permission, roles inherited down organization > folders > project (not sideways), the
 * built-in admins, and the denial's one line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/iam.h"
#include "tap.h"

#define DAEMON_UID 1000

static char dir[64] = "/tmp/nv-iam-XXXXXX";
static char err[512];
static struct store *st;
static struct store_org org;
static struct store_folder fa, fb, fc;
static struct store_project p1, p2;

/* o1 > fa > fb > p1, and o1 > fc > p2 (a sibling branch). */
static void setup(void)
{
	if (!mkdtemp(dir) || store__open(&st, dir, err, sizeof(err)) ||
	    store__org_insert(st, "o1", &org, err, sizeof(err)) ||
	    store__folder_insert(st, "fa", org.id, 0, &fa, err, sizeof(err)) ||
	    store__folder_insert(st, "fb", org.id, fa.id, &fb, err, sizeof(err)) ||
	    store__folder_insert(st, "fc", org.id, 0, &fc, err, sizeof(err)) ||
	    store__project_insert(st, "p1", org.id, fb.id, &p1, err, sizeof(err)) ||
	    store__project_insert(st, "p2", org.id, fc.id, &p2, err, sizeof(err))) {
		printf("# setup: %s\n", err);
		exit(1);
	}
}

static void bind(enum resource_kind kind, s64 id, u32 uid, enum iam_role role)
{
	bool added;

	if (store__iam_add(st, kind, id, uid, role, &added, err, sizeof(err)))
		printf("# bind: %s\n", err);
}

static void test_parse(void)
{
	enum iam_role r;
	u32 uid;

	CHECK_EQ(iam__parse_role("viewer", &r), 0);
	CHECK_EQ(r, IAM_VIEWER);
	CHECK_EQ(iam__parse_role("roles/admin", &r), 0);
	CHECK_EQ(r, IAM_ADMIN);
	CHECK_EQ(iam__parse_role("owner", &r), -EINVAL);
	CHECK_EQ(iam__parse_role(NULL, &r), -EINVAL);
	CHECK_STR(iam__role_name(IAM_EDITOR), "roles/editor");
	CHECK_STR(iam__role_name(IAM_NONE), "none");
	CHECK_EQ(iam__parse_member("uid:65534", &uid), 0);
	CHECK_EQ(uid, 65534);
	CHECK_EQ(iam__parse_member("uid:0", &uid), 0);
	CHECK_EQ(uid, 0);
	CHECK_EQ(iam__parse_member("uid:", &uid), -EINVAL);
	CHECK_EQ(iam__parse_member("uid:-1", &uid), -EINVAL);
	CHECK_EQ(iam__parse_member("uid:4294967295", &uid), -EINVAL);
	CHECK_EQ(iam__parse_member("uid:12x", &uid), -EINVAL);
	CHECK_EQ(iam__parse_member("user:bob", &uid), -EINVAL);
}

/* Each role holds the one below it; organizations.create belongs to no role. */
static void test_roles_grant(void)
{
	CHECK(iam__role_grants(IAM_VIEWER, "compute.instances.get"));
	CHECK(iam__role_grants(IAM_VIEWER, "compute.instances.list"));
	CHECK(iam__role_grants(IAM_VIEWER, "orgpolicy.policy.get"));
	CHECK(!iam__role_grants(IAM_VIEWER, "compute.instances.create"));
	CHECK(!iam__role_grants(IAM_VIEWER, "compute.instances.getSerialPortOutput"));
	CHECK(iam__role_grants(IAM_EDITOR, "compute.instances.create"));
	CHECK(iam__role_grants(IAM_EDITOR, "compute.instances.update"));
	CHECK(iam__role_grants(IAM_EDITOR, "compute.images.delete"));
	CHECK(iam__role_grants(IAM_EDITOR, "compute.instances.get"));
	CHECK(!iam__role_grants(IAM_EDITOR, "orgpolicy.policy.set"));
	CHECK(!iam__role_grants(IAM_EDITOR, "resourcemanager.projects.setIamPolicy"));
	CHECK(iam__role_grants(IAM_ADMIN, "orgpolicy.policy.set"));
	CHECK(iam__role_grants(IAM_ADMIN, "resourcemanager.folders.setIamPolicy"));
	CHECK(iam__role_grants(IAM_ADMIN, "compute.instances.delete"));
	CHECK(!iam__role_grants(IAM_ADMIN, "resourcemanager.organizations.create"));
	CHECK(!iam__role_grants(IAM_NONE, "compute.instances.get"));
	CHECK(!iam__role_grants(IAM_ADMIN, "compute.instances.fly"));
	CHECK_EQ(iam__min_role("compute.instances.fly"), -1);
	CHECK_EQ(iam__min_role("resourcemanager.organizations.create"), IAM_SUPERUSER_ONLY);
	CHECK(iam__superuser(0, DAEMON_UID));
	CHECK(iam__superuser(DAEMON_UID, DAEMON_UID));
	CHECK(!iam__superuser(65534, DAEMON_UID));
}

static enum iam_role role_on(enum resource_kind kind, s64 id, uid_t uid, char *src, size_t len)
{
	struct iam_effective e;

	if (iam__effective(st, uid, DAEMON_UID, kind, id, &e, err, sizeof(err)))
		printf("# effective: %s\n", err);
	if (src)
		iam__path(e.source.kind, e.source.name, src, len);
	return e.role;
}

static void test_chain(void)
{
	struct iam_chain c;

	CHECK_EQ(iam__chain(st, RES_PROJECT, p1.id, &c, err, sizeof(err)), 0);
	CHECK_EQ(c.n, 4);
	CHECK_STR(c.nodes[0].name, "p1");
	CHECK_STR(c.nodes[1].name, "fb");
	CHECK_STR(c.nodes[2].name, "fa");
	CHECK_STR(c.nodes[3].name, "o1");
	CHECK_EQ(c.nodes[3].kind, RES_ORGANIZATION);
	CHECK_EQ(iam__chain(st, RES_FOLDER, fc.id, &c, err, sizeof(err)), 0);
	CHECK_EQ(c.n, 2);
	CHECK_EQ(iam__chain(st, RES_PROJECT, 9999, &c, err, sizeof(err)), -ENOENT);
}

/* A role reaches down to everything below it, never up or sideways. */
static void test_inheritance(void)
{
	char src[96];

	bind(RES_FOLDER, fa.id, 10, IAM_ADMIN);
	CHECK_EQ(role_on(RES_PROJECT, p1.id, 10, src, sizeof(src)), IAM_ADMIN);
	CHECK_STR(src, "folders/fa");
	CHECK_EQ(role_on(RES_FOLDER, fb.id, 10, NULL, 0), IAM_ADMIN);
	CHECK_EQ(role_on(RES_PROJECT, p2.id, 10, NULL, 0), IAM_NONE);
	CHECK_EQ(role_on(RES_FOLDER, fc.id, 10, NULL, 0), IAM_NONE);
	CHECK_EQ(role_on(RES_ORGANIZATION, org.id, 10, NULL, 0), IAM_NONE);
	/* The highest role anywhere above wins, wherever it is. */
	bind(RES_ORGANIZATION, org.id, 11, IAM_VIEWER);
	bind(RES_FOLDER, fb.id, 11, IAM_EDITOR);
	bind(RES_PROJECT, p1.id, 11, IAM_VIEWER);
	CHECK_EQ(role_on(RES_PROJECT, p1.id, 11, src, sizeof(src)), IAM_EDITOR);
	CHECK_STR(src, "folders/fb");
	CHECK_EQ(role_on(RES_PROJECT, p2.id, 11, src, sizeof(src)), IAM_VIEWER);
	CHECK_STR(src, "organizations/o1");
	/* Roles belong to their uid only. */
	CHECK_EQ(role_on(RES_PROJECT, p1.id, 12, NULL, 0), IAM_NONE);
	CHECK_EQ(role_on(RES_PROJECT, p2.id, 0, NULL, 0), IAM_ADMIN);
	CHECK_EQ(role_on(RES_PROJECT, p2.id, DAEMON_UID, NULL, 0), IAM_ADMIN);
}

static int check(uid_t uid, enum resource_kind kind, s64 id, const char *perm)
{
	err[0] = '\0';
	return iam__check(st, uid, DAEMON_UID, kind, id, perm, err, sizeof(err));
}

/* The access-control matrix of the kvm test, in logic alone. */
static void test_check(void)
{
	bind(RES_PROJECT, p2.id, 20, IAM_VIEWER);
	bind(RES_PROJECT, p2.id, 21, IAM_EDITOR);
	CHECK_EQ(check(30, RES_PROJECT, p2.id, "compute.instances.list"), -EPERM);
	CHECK_STR(err, "Permission 'compute.instances.list' denied on projects/p2 to uid:30: it "
		  "needs roles/viewer or above, bound on projects/p2 or above it (uid:30 holds no "
		  "role there)");
	CHECK_EQ(check(20, RES_PROJECT, p2.id, "compute.instances.list"), 0);
	CHECK_EQ(check(20, RES_PROJECT, p2.id, "compute.instances.create"), -EPERM);
	CHECK(strstr(err, "it needs roles/editor or above"));
	CHECK(strstr(err, "(uid:20 holds roles/viewer, from projects/p2)"));
	CHECK_EQ(check(21, RES_PROJECT, p2.id, "compute.instances.create"), 0);
	CHECK_EQ(check(21, RES_PROJECT, p2.id, "compute.instances.delete"), 0);
	CHECK_EQ(check(21, RES_PROJECT, p2.id, "orgpolicy.policy.set"), -EPERM);
	CHECK_EQ(check(21, RES_PROJECT, p2.id, "resourcemanager.projects.setIamPolicy"), -EPERM);
	CHECK_EQ(check(10, RES_PROJECT, p1.id, "orgpolicy.policy.set"), 0);
	CHECK_EQ(check(10, RES_PROJECT, p2.id, "compute.instances.get"), -EPERM);
	CHECK_EQ(check(0, RES_PROJECT, p2.id, "resourcemanager.projects.setIamPolicy"), 0);
	CHECK_EQ(check(DAEMON_UID, RES_PROJECT, p2.id, "orgpolicy.policy.set"), 0);
	CHECK_EQ(check(0, RES_ORGANIZATION, 0, "resourcemanager.organizations.create"), 0);
	CHECK_EQ(check(10, RES_ORGANIZATION, 0, "resourcemanager.organizations.create"), -EPERM);
	CHECK(strstr(err, "only root and the daemon's own user (uid:1000) hold it"));
	CHECK_EQ(check(0, RES_PROJECT, p2.id, "compute.instances.fly"), -EPERM);
	CHECK(strstr(err, "is unknown"));
}

/* Files the daemon opens for a caller are judged by their mode bits against the caller. */
static void test_path_access(void)
{
	char mine[96], pub[96], hidden_dir[96], hidden[128];
	uid_t me = getuid(), other = me + 4242;
	gid_t g = getgid() + 4242;
	FILE *f;

	snprintf(mine, sizeof(mine), "%s/mine", dir);
	snprintf(pub, sizeof(pub), "%s/pub", dir);
	snprintf(hidden_dir, sizeof(hidden_dir), "%s/hidden", dir);
	snprintf(hidden, sizeof(hidden), "%s/file", hidden_dir);
	mkdir(hidden_dir, 0700);
	for (int i = 0; i < 3; i++) {
		f = fopen(i == 0 ? mine : i == 1 ? pub : hidden, "w");
		if (f)
			fclose(f);
	}
	chmod(dir, 0755);
	chmod(mine, 0600);
	chmod(pub, 0644);
	chmod(hidden, 0644);
	CHECK_EQ(iam__path_access(mine, me, g, R_OK | W_OK, err, sizeof(err)), 0);
	CHECK_EQ(iam__path_access(mine, other, g, R_OK, err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "may not read '"));
	CHECK_EQ(iam__path_access(pub, other, g, R_OK, err, sizeof(err)), 0);
	CHECK_EQ(iam__path_access(pub, other, g, R_OK | W_OK, err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "may not read and write"));
	/* A readable file in a directory the caller cannot search stays out of reach. */
	CHECK_EQ(iam__path_access(hidden, other, g, R_OK, err, sizeof(err)), -EPERM);
	CHECK_EQ(iam__path_access(hidden, me, g, R_OK, err, sizeof(err)), 0);
	CHECK_EQ(iam__path_access("/nonexistent/x", me, g, R_OK, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	char cmd[128];

	setup();
	RUN(test_parse);
	RUN(test_roles_grant);
	RUN(test_chain);
	RUN(test_inheritance);
	RUN(test_check);
	RUN(test_path_access);
	store__close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return tap_done();
}
