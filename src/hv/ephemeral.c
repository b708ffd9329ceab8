/* ephemeral.c - a flavor's ephemeral disk, as Nova's libvirt driver makes
 * it (disk.local there): a second disk of the flavor's ephemeral size,
 * formatted with Nova's default for an image without os_type (vfat,
 * labelled ephemeral0; Nova's default_ephemeral_format is unset), attached
 * after the root disk. It lives in the server's directory as disk.eph0
 * (qcow2), so it goes with the server, stays across stop, start and
 * reboot, is made anew by a rebuild (which makes the whole server anew, as
 * Nova's default rebuild without preserve_ephemeral), and is grown by a
 * resize to a larger one (made by one to a flavor that has one; a resize
 * revert puts it back as it was). A smaller one leaves it as it is: Nova's
 * libvirt driver refuses that resize on the host ("Unable to resize disk
 * down."), Basalt keeps the disk and its data. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/diskimg.h"
#include "hv/hv.h"

int hv_ephemeral_make(const struct hv_driver *d, const char *id, int gb, char *err)
{
	char disk[4096], raw[4200], tmp[4200];
	int fd, r;

	if (gb <= 0)
		return 0;
	if (hv_path(d, id, "disk.eph0", disk, sizeof(disk)) < 0)
		return -ENAMETOOLONG;
	if (access(disk, F_OK) == 0)
		return 0;
	/* Built aside (a crash leaves only these, which the next try redoes):
	 * a sparse raw file formatted in place, then a qcow2 of it. */
	snprintf(raw, sizeof(raw), "%s.raw", disk);
	snprintf(tmp, sizeof(tmp), "%s.tmp", disk);
	unlink(tmp);
	fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)gb << 30) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "ephemeral disk: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(raw);
		return r;
	}
	close(fd);
	char *mkfs[] = { "mkfs.vfat", "-n", "ephemeral0", raw, NULL };
	char *conv[] = { "qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, tmp, NULL };
	r = hv_run(mkfs, err, HV_ERR_MAX);
	if (r >= 0)
		r = hv_run(conv, err, HV_ERR_MAX);
	unlink(raw);
	if (r >= 0 && rename(tmp, disk) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "rename %.300s: %s", tmp, strerror(errno));
	}
	if (r < 0)
		unlink(tmp);
	return r;
}

int hv_ephemeral_grow(const struct hv_driver *d, const char *id, int gb, char *err)
{
	struct diskimg_info info = { 0 };
	char disk[4096], size[32];
	int r;

	if (gb <= 0)
		return 0;
	if (hv_path(d, id, "disk.eph0", disk, sizeof(disk)) < 0)
		return -ENAMETOOLONG;
	if (access(disk, F_OK) < 0)
		return hv_ephemeral_make(d, id, gb, err);
	/* Against the disk's own size: one a smaller flavor left is larger. */
	r = diskimg_vet_file(disk, "qcow2", 0, &info, err, HV_ERR_MAX);
	if (r < 0)
		return r;
	if ((uint64_t)gb << 30 <= info.virtual_size)
		return 0;
	/* The disk grows; the guest's filesystem stays as it was, as Nova's
	 * does with a vfat one (it grows only ext filesystems). */
	snprintf(size, sizeof(size), "%dG", gb);
	char *argv[] = { "qemu-img", "resize", "-q", "-f", "qcow2", disk, size, NULL };
	return hv_run(argv, err, HV_ERR_MAX);
}
