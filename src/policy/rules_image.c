/* rules_image.c - Glance's policy, one rule per action (OpenStack's
 * Zed defaults). Sorted by action: policy_selftest checks it. The target
 * of an image is its owner, shared when public or community; images.c
 * and patch.c check get/modify/publicize/communitize against it. */
#include "core/util.h"
#include "policy/policy.h"

static const struct policy_rule rules[] = {
	{ "image:add_image", P_ADMIN | P_MEMBER },
	{ "image:communitize_image", P_ADMIN | P_MEMBER },
	{ "image:delete_image", P_ADMIN | P_MEMBER },
	{ "image:download_image", P_ADMIN | P_READER | P_SHARED },
	{ "image:get_image", P_ADMIN | P_READER | P_SHARED },
	{ "image:get_images", P_ADMIN | P_READER },
	{ "image:get_schema", P_ANY },
	{ "image:modify_image", P_ADMIN | P_MEMBER },
	{ "image:publicize_image", P_ADMIN },
	/* Basalt's: giving an image to another project (Glance lets only
	 * admins change owner). */
	{ "image:set_image_owner", P_ADMIN },
	{ "image:upload_image", P_ADMIN | P_MEMBER },
	{ "image:versions", P_PUBLIC },
};

const struct policy_table image_policy = { rules, ARRAY_SIZE(rules) };
