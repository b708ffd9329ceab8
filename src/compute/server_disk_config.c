/* server_disk_config.c - Nova's OS-DCF:diskConfig of a server: AUTO or
 * MANUAL, given on create, rebuild, resize and update (server column
 * auto_disk_config), shown in the server's view.
 *
 * As in Nova: a create or rebuild that does not give it takes the image's
 * auto_disk_config property (Nova's bool_from_string: "True" is AUTO,
 * anything else MANUAL); an image whose property is "disabled" refuses
 * AUTO; a resize that does not give it sets MANUAL; an update that does
 * not give it keeps it.
 *
 * What AUTO does on a host: nothing more than MANUAL, as with Nova's
 * libvirt driver (which never reads auto_disk_config): the QEMU driver
 * always grows the server's disk to its flavor's root size, and growing
 * the root filesystem into it is the guest's own business (cloud-init's
 * growpart; the Basalt test guest's FAT root is never grown). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "compute/compute.h"
#include "compute/servers.h"
#include "core/json.h"
#include "image/image.h"

int server_disk_config_of(const json_t *o, int *out, struct nova_fault *f)
{
	const json_t *v = json_object_get(o, "OS-DCF:diskConfig");
	const char *s = json_string_value(v);

	*out = -1;
	if (!v)
		return 0;
	if (s && strcmp(s, "AUTO") == 0)
		*out = 1;
	else if (s && strcmp(s, "MANUAL") == 0)
		*out = 0;
	else
		return nova_fail(f, -EINVAL,
				 "Invalid input for field/attribute OS-DCF:diskConfig. Value: %s. "
				 "'%s' is not one of ['AUTO', 'MANUAL']",
				 s ? s : "(not a string)", s ? s : "");
	return 0;
}

/* Nova's is_auto_disk_config_disabled: the property, stripped, is
 * "disabled" in any case. */
static bool disabled(const char *prop)
{
	size_t n;

	if (!prop)
		return false;
	prop += strspn(prop, " \t\r\n\f\v");
	n = strlen(prop);
	while (n && strchr(" \t\r\n\f\v", prop[n - 1]))
		n--;
	return n == 8 && strncasecmp(prop, "disabled", 8) == 0;
}

int server_disk_config_check(const char *image_prop, const char *image_id, int asked,
			     struct nova_fault *f)
{
	if (asked == 1 && disabled(image_prop))
		return nova_fail(f, -EINVAL, "Requested image %s has automatic disk resize disabled.",
				 image_id);
	return 0;
}

const char *server_image_disk_config(const struct image *im)
{
	return json_string_value(json_object_get(im->props, "auto_disk_config"));
}

int server_disk_config_from_image(const struct image *im, int asked, struct nova_fault *f)
{
	const char *prop = server_image_disk_config(im);
	int r = server_disk_config_check(prop, im->id, asked, f);

	if (r < 0)
		return r;
	if (asked >= 0)
		return asked;
	/* strutils.bool_from_string, not strict: only its true words. */
	return prop && nova_bool(prop) == 1 ? 1 : 0;
}
