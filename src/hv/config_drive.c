/* config_drive.c - the OpenStack config drive: a small FAT image labelled
 * config-2 with openstack/latest/meta_data.json, network_data.json and
 * user_data, attached as
 * a read-only disk, so a guest gets its name, keys and user data without
 * any network (Nova's config drive, in vfat format). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "hv/hv.h"

/* Write data to INSTANCES/<id>/name (a staging file for mcopy). */
static int stage(const struct hv_driver *d, const char *id, const char *name, const void *data,
		 size_t len, char *path, size_t pathlen)
{
	int r = hv_path(d, id, name, path, pathlen);

	return r < 0 ? r : file_write_atomic(path, data, len, 0600);
}

int hv_config_drive_make(const struct hv_driver *d, const struct hv_spec *s, char *err)
{
	char img[4096], tmp[4096], meta[4096], net[4096], ud[4096];
	int r;

	if (!s->meta_data)
		return 0;
	if (hv_path(d, s->id, "config.img", img, sizeof(img)) < 0 ||
	    hv_path(d, s->id, "config.img.tmp", tmp, sizeof(tmp)) < 0)
		return -ENAMETOOLONG;
	if (access(img, F_OK) == 0)
		return 0;
	unlink(tmp);
	r = stage(d, s->id, "meta_data.json", s->meta_data, strlen(s->meta_data), meta,
		  sizeof(meta));
	if (r >= 0 && s->network_data)
		r = stage(d, s->id, "network_data.json", s->network_data, strlen(s->network_data),
			  net, sizeof(net));
	if (r >= 0 && s->user_data)
		r = stage(d, s->id, "user_data", s->user_data, s->user_data_len, ud, sizeof(ud));
	if (r < 0) {
		snprintf(err, HV_ERR_MAX, "config drive: %s", strerror(-r));
		return r;
	}
	/* 1 MiB holds the metadata and user data (at most 64 KiB). */
	char *mkfs[] = { "mkfs.vfat", "-n", "config-2", "-C", tmp, "1024", NULL };
	char *mmd[] = { "mmd", "-i", tmp, "::openstack", "::openstack/latest", NULL };
	char *cp_meta[] = { "mcopy", "-i", tmp, meta, "::openstack/latest/meta_data.json", NULL };
	char *cp_net[] = { "mcopy", "-i", tmp, net, "::openstack/latest/network_data.json", NULL };
	char *cp_ud[] = { "mcopy", "-i", tmp, ud, "::openstack/latest/user_data", NULL };
	r = hv_run(mkfs, err, HV_ERR_MAX);
	if (r >= 0)
		r = hv_run(mmd, err, HV_ERR_MAX);
	if (r >= 0)
		r = hv_run(cp_meta, err, HV_ERR_MAX);
	if (r >= 0 && s->network_data)
		r = hv_run(cp_net, err, HV_ERR_MAX);
	if (r >= 0 && s->user_data)
		r = hv_run(cp_ud, err, HV_ERR_MAX);
	unlink(meta);
	if (s->network_data)
		unlink(net);
	if (s->user_data)
		unlink(ud);
	if (r >= 0 && rename(tmp, img) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "config drive: rename: %s", strerror(errno));
	}
	if (r < 0)
		unlink(tmp);
	return r;
}
