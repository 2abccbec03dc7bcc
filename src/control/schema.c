/*
 * The store's schema as ordered migrations. Never edit a released migration: append a new
 * one. store.c applies those not yet applied, in order, in one transaction at open.
 */
#include "control/store_internal.h"

static const char *const migrations[] = {
	/* 1: the resource hierarchy, policies, images, instances, operations */
	"CREATE TABLE organizations ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created INTEGER NOT NULL);"
	"CREATE TABLE folders ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	"  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,"
	"  parent_id INTEGER REFERENCES folders(id) ON DELETE RESTRICT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE projects ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	"  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,"
	"  folder_id INTEGER REFERENCES folders(id) ON DELETE RESTRICT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE policies ("
	"  id INTEGER PRIMARY KEY, constraint_name TEXT NOT NULL,"
	"  org_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE,"
	"  folder_id INTEGER REFERENCES folders(id) ON DELETE CASCADE,"
	"  project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,"
	"  enforced INTEGER NOT NULL CHECK (enforced IN (0, 1)),"
	"  updated INTEGER NOT NULL,"
	"  CHECK ((org_id IS NOT NULL) + (folder_id IS NOT NULL) + (project_id IS NOT NULL) = 1));"
	"CREATE UNIQUE INDEX policies_org ON policies(constraint_name, org_id)"
	"  WHERE org_id IS NOT NULL;"
	"CREATE UNIQUE INDEX policies_folder ON policies(constraint_name, folder_id)"
	"  WHERE folder_id IS NOT NULL;"
	"CREATE UNIQUE INDEX policies_project ON policies(constraint_name, project_id)"
	"  WHERE project_id IS NOT NULL;"
	"CREATE TABLE images ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER REFERENCES projects(id) ON DELETE RESTRICT,"
	"  name TEXT NOT NULL, family TEXT NOT NULL DEFAULT '',"
	"  description TEXT NOT NULL DEFAULT '', kernel TEXT NOT NULL,"
	"  initrd TEXT NOT NULL DEFAULT '', disk TEXT NOT NULL DEFAULT '',"
	"  kvm_modules INTEGER NOT NULL DEFAULT -1 CHECK (kvm_modules IN (-1, 0, 1)),"
	"  created INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX images_name ON images(ifnull(project_id, 0), name);"
	"CREATE TABLE instances ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,"
	"  name TEXT NOT NULL, machine_type TEXT NOT NULL,"
	"  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE RESTRICT,"
	"  image TEXT NOT NULL,"
	"  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),"
	"  status_message TEXT NOT NULL DEFAULT '',"
	"  nested INTEGER NOT NULL DEFAULT 0 CHECK (nested IN (0, 1)),"
	"  min_cpu_platform TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL, last_start INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (project_id, name));"
	"CREATE TABLE instance_disks ("
	"  instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL, source TEXT NOT NULL,"
	"  boot INTEGER NOT NULL, read_only INTEGER NOT NULL,"
	"  PRIMARY KEY (instance_id, idx));"
	"CREATE TABLE instance_nics ("
	"  instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL, name TEXT NOT NULL, host_dev TEXT NOT NULL,"
	"  mac TEXT NOT NULL, PRIMARY KEY (instance_id, idx));"
	"CREATE TABLE instance_metadata ("
	"  instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (instance_id, idx), UNIQUE (instance_id, key));"
	"CREATE TABLE operations ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	"  project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL, target_kind TEXT NOT NULL, target TEXT NOT NULL,"
	"  target_id INTEGER NOT NULL DEFAULT 0,"
	"  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 2),"
	"  progress INTEGER NOT NULL DEFAULT 0, error_code INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '', warning TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL, started INTEGER NOT NULL DEFAULT 0,"
	"  ended INTEGER NOT NULL DEFAULT 0);",

	/* 2: the supervisor and the operation runner look rows up by state */
	"CREATE INDEX instances_status ON instances(status);"
	"CREATE INDEX operations_unfinished ON operations(status) WHERE status != 2;"
	"CREATE INDEX operations_target ON operations(target_kind, target_id);",

	/*
	 * 3: access control: a member (a uid) holds a role (1 viewer, 2 editor, 3 admin) on
	 * exactly one organization, folder or project; bindings go with their resource.
	 */
	"CREATE TABLE iam_bindings ("
	"  id INTEGER PRIMARY KEY,"
	"  org_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE,"
	"  folder_id INTEGER REFERENCES folders(id) ON DELETE CASCADE,"
	"  project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,"
	"  member_uid INTEGER NOT NULL CHECK (member_uid BETWEEN 0 AND 4294967294),"
	"  role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),"
	"  created INTEGER NOT NULL,"
	"  CHECK ((org_id IS NOT NULL) + (folder_id IS NOT NULL) + (project_id IS NOT NULL) = 1));"
	"CREATE UNIQUE INDEX iam_org ON iam_bindings(org_id, member_uid, role)"
	"  WHERE org_id IS NOT NULL;"
	"CREATE UNIQUE INDEX iam_folder ON iam_bindings(folder_id, member_uid, role)"
	"  WHERE folder_id IS NOT NULL;"
	"CREATE UNIQUE INDEX iam_project ON iam_bindings(project_id, member_uid, role)"
	"  WHERE project_id IS NOT NULL;",
};

int schema__count(void)
{
	return (int)ARRAY_SIZE(migrations);
}

const char *schema__migration(int i)
{
	return i >= 0 && i < schema__count() ? migrations[i] : NULL;
}
