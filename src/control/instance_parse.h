/* An instance's JSON shape: parsing a creation body's parts, and rendering a stored instance. */
#ifndef NV_CONTROL_INSTANCE_PARSE_H
#define NV_CONTROL_INSTANCE_PARSE_H

#include "control/api.h"

/* disks, networkInterfaces and metadata.items into in; -EINVAL and err on a bad one. */
int instance_parse__children(json_t *body, struct store_instance *in, char *err, size_t errlen);
/* advancedMachineFeatures.enableNestedVirtualization (false when absent). */
int instance_parse__nested(json_t *body, bool *nested, char *err, size_t errlen);
json_t *instance_parse__to_json(const struct store_instance *in, const char *project);

#endif
