/* The daemon's REST API: every route, one table (read it to know the API). */
#include "control/api.h"
#include "util/util.h"

const struct http_route api_routes[] = {
	{ "GET", "/v1", api_root },
	{ "GET", "/v1/machineTypes", api_machine_types },
	{ "POST", "/v1/organizations", api_org_create },
	{ "GET", "/v1/organizations", api_org_list },
	{ "GET", "/v1/organizations/{}", api_org_get },
	{ "DELETE", "/v1/organizations/{}", api_org_delete },
	{ "POST", "/v1/folders", api_folder_create },
	{ "GET", "/v1/folders", api_folder_list },
	{ "GET", "/v1/folders/{}", api_folder_get },
	{ "DELETE", "/v1/folders/{}", api_folder_delete },
	{ "POST", "/v1/projects", api_project_create },
	{ "GET", "/v1/projects", api_project_list },
	{ "GET", "/v1/projects/{}", api_project_get },
	{ "DELETE", "/v1/projects/{}", api_project_delete },
	{ "GET", "/v1/organizations/{}/policies/{}", api_policy_get_org },
	{ "PUT", "/v1/organizations/{}/policies/{}", api_policy_set_org },
	{ "GET", "/v1/folders/{}/policies/{}", api_policy_get_folder },
	{ "PUT", "/v1/folders/{}/policies/{}", api_policy_set_folder },
	{ "GET", "/v1/projects/{}/policies/{}", api_policy_get_project },
	{ "PUT", "/v1/projects/{}/policies/{}", api_policy_set_project },
	{ "GET", "/v1/images", api_image_list },
	{ "GET", "/v1/images/{}", api_image_get },
	{ "POST", "/v1/projects/{}/images", api_image_create },
	{ "GET", "/v1/projects/{}/images", api_image_list },
	{ "GET", "/v1/projects/{}/images/{}", api_image_get },
	{ "DELETE", "/v1/projects/{}/images/{}", api_image_delete },
	{ "POST", "/v1/projects/{}/instances", api_instance_create },
	{ "GET", "/v1/projects/{}/instances", api_instance_list },
	{ "GET", "/v1/projects/{}/instances/{}", api_instance_get },
	{ "DELETE", "/v1/projects/{}/instances/{}", api_instance_delete },
	{ "GET", "/v1/projects/{}/operations", api_op_list },
	{ "GET", "/v1/projects/{}/operations/{}", api_op_get_in_project },
	{ "GET", "/v1/operations/{}", api_op_get },
};

const size_t api_nroutes = ARRAY_SIZE(api_routes);
