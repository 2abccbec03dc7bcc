/*
 * The daemon's REST API: every route, one table (read it to know the API). Each handler asks
 * the access-control gate (api__authorize) for its permission; GET /v1, /v1/machineTypes and
 * the public images need none.
 */
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
	{ "GET", "/v1/organizations/{}/iamPolicy", api_iam_get_org },
	{ "POST", "/v1/organizations/{}/iamPolicy/addBinding", api_iam_add_org },
	{ "POST", "/v1/organizations/{}/iamPolicy/removeBinding", api_iam_remove_org },
	{ "GET", "/v1/folders/{}/iamPolicy", api_iam_get_folder },
	{ "POST", "/v1/folders/{}/iamPolicy/addBinding", api_iam_add_folder },
	{ "POST", "/v1/folders/{}/iamPolicy/removeBinding", api_iam_remove_folder },
	{ "GET", "/v1/projects/{}/iamPolicy", api_iam_get_project },
	{ "POST", "/v1/projects/{}/iamPolicy/addBinding", api_iam_add_project },
	{ "POST", "/v1/projects/{}/iamPolicy/removeBinding", api_iam_remove_project },
	{ "GET", "/v1/images", api_image_list },
	{ "GET", "/v1/images/{}", api_image_get },
	{ "POST", "/v1/projects/{}/images", api_image_create },
	{ "GET", "/v1/projects/{}/images", api_image_list },
	{ "GET", "/v1/projects/{}/images/{}", api_image_get },
	{ "DELETE", "/v1/projects/{}/images/{}", api_image_delete },
	{ "POST", "/v1/projects/{}/instances", api_instance_create },
	{ "GET", "/v1/projects/{}/instances", api_instance_list },
	{ "GET", "/v1/projects/{}/instances/{}", api_instance_get },
	{ "PATCH", "/v1/projects/{}/instances/{}", api_instance_update },
	{ "DELETE", "/v1/projects/{}/instances/{}", api_instance_delete },
	{ "POST", "/v1/projects/{}/instances/{}/start", api_instance_start },
	{ "POST", "/v1/projects/{}/instances/{}/stop", api_instance_stop },
	{ "POST", "/v1/projects/{}/instances/{}/reset", api_instance_reset },
	{ "GET", "/v1/projects/{}/instances/{}/serialPort", api_instance_serial },
	{ "POST", "/v1/projects/{}/instances/{}/connectSerialPort", api_instance_serial_connect },
	{ "GET", "/v1/projects/{}/operations", api_op_list },
	{ "GET", "/v1/projects/{}/operations/{}", api_op_get_in_project },
	{ "GET", "/v1/operations/{}", api_op_get },
};

const size_t api_nroutes = ARRAY_SIZE(api_routes);
