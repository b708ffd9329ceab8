/* diskimg.c - disk image inspection: format magics, a bounded qcow2 header
 * parse, and the checks that decide whether an image is safe to hand to
 * QEMU as what it is declared to be (the rules of Glance's format
 * inspector and Nova's checks after OSSA-2015-014 and OSSA-2024-001). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diskimg.h"

/* qcow2 header fields (big endian), docs/interop/qcow2.txt in QEMU. */
#define QCOW2_V2_HEADER		 72
#define QCOW2_V3_HEADER		 104
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_KNOWN	 0x1full /* dirty, corrupt, data file, compression, extended L2 */
#define QCOW2_EXT_END		 0x00000000u
#define QCOW2_EXT_DATA_FILE	 0x44415441u /* "DATA": external data file name */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static bool at(const unsigned char *buf, size_t len, size_t off, const void *magic, size_t n)
{
	return len >= off + n && memcmp(buf + off, magic, n) == 0;
}

/* The format other than qcow2 whose magic buf starts with, or NULL. */
static const char *other_magic(const unsigned char *buf, size_t len)
{
	static const unsigned char vdi[4] = { 0x7f, 0x10, 0xda, 0xbe }; /* 0xbeda107f LE */

	if (at(buf, len, 0, "QED\0", 4))
		return "qed";
	if (at(buf, len, 0, "KDMV", 4) || at(buf, len, 0, "# Disk DescriptorFile", 21))
		return "vmdk";
	if (at(buf, len, 0, "conectix", 8))
		return "vhd";
	if (at(buf, len, 0, "vhdxfile", 8))
		return "vhdx";
	if (at(buf, len, 0x40, vdi, 4))
		return "vdi";
	if (at(buf, len, 0, "LUKS\xba\xbe", 6))
		return "luks";
	if (at(buf, len, 0, "Bochs Virtual HD Image", 22))
		return "bochs";
	if (at(buf, len, 0, "#!/bin/sh\n#V2.0 Format\nmodprobe cloop", 37))
		return "cloop";
	if (at(buf, len, 0, "WithoutFreeSpace", 16) || at(buf, len, 0, "WithouFreSpacExt", 16))
		return "parallels";
	return NULL;
}

static int bad(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -EBADMSG;
}

/* The qcow2 header of buf (which starts with the magic) into out. */
static int qcow2_parse(const unsigned char *buf, size_t len, struct diskimg_info *out, char *err,
		       size_t errlen)
{
	uint64_t cluster, limit, off, hdr_len;

	if (len < 8)
		return bad(err, errlen, "qcow2 header is truncated");
	out->version = be32(buf + 4);
	if (out->version == 1) {
		out->format = "qcow";
		return 0;
	}
	out->format = "qcow2";
	if (out->version != 2 && out->version != 3) {
		snprintf(err, errlen, "qcow2 version %u is not supported (2 or 3)", out->version);
		return -EBADMSG;
	}
	if (len < QCOW2_V2_HEADER || (out->version == 3 && len < QCOW2_V3_HEADER))
		return bad(err, errlen, "qcow2 header is truncated");
	out->backing_file_offset = be64(buf + 8);
	out->backing_file_size = be32(buf + 16);
	out->cluster_bits = be32(buf + 20);
	out->virtual_size = be64(buf + 24);
	out->encrypted = be32(buf + 32) != 0;
	if (out->cluster_bits < 9 || out->cluster_bits > 21) {
		snprintf(err, errlen, "qcow2 cluster_bits %u is out of range (9..21)",
			 out->cluster_bits);
		return -EBADMSG;
	}
	cluster = 1ull << out->cluster_bits;
	if (out->backing_file_offset) {
		/* Only for the message: a printable prefix of the name. */
		size_t k = 0;
		for (uint64_t i = 0;
		     i < out->backing_file_size && k + 1 < sizeof(out->backing_file); i++) {
			uint64_t p = out->backing_file_offset + i;
			if (p >= len || p < out->backing_file_offset)
				break;
			unsigned char c = buf[p];
			out->backing_file[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
		out->backing_file[k] = '\0';
	}
	hdr_len = QCOW2_V2_HEADER;
	if (out->version == 3) {
		out->incompatible_features = be64(buf + 72);
		hdr_len = be32(buf + 100);
		if (hdr_len < QCOW2_V3_HEADER || hdr_len % 8 != 0 || hdr_len > cluster)
			return bad(err, errlen, "qcow2 header_length is invalid");
		if (out->incompatible_features & QCOW2_INCOMPAT_DATA_FILE)
			out->data_file = true;
	}
	/* Header extensions, up to the end of the first cluster (or of the
	 * file: QEMU reads zeroes, the end marker, past it). */
	limit = cluster < len ? cluster : len;
	if (out->backing_file_offset && out->backing_file_offset < limit)
		limit = out->backing_file_offset;
	for (off = hdr_len; off + 8 <= limit;) {
		uint32_t type = be32(buf + off), elen = be32(buf + off + 4);
		if (type == QCOW2_EXT_END)
			break;
		if ((uint64_t)elen > limit - off - 8)
			return bad(err, errlen,
				   "qcow2 header extension runs past the first cluster");
		if (type == QCOW2_EXT_DATA_FILE)
			out->data_file = true;
		off += 8 + (((uint64_t)elen + 7) & ~7ull);
	}
	return 0;
}

int diskimg_inspect(const unsigned char *buf, size_t len, uint64_t file_size,
		    struct diskimg_info *out, char *err, size_t errlen)
{
	const char *other;

	memset(out, 0, sizeof(*out));
	if (len > file_size)
		len = (size_t)file_size;
	out->format = "raw";
	/* What QEMU shows the guest: whole 512-byte sectors. */
	out->virtual_size = file_size > UINT64_MAX - 511 ? file_size : (file_size + 511) & ~511ull;
	if (len >= 4 && memcmp(buf, "QFI\xfb", 4) == 0)
		return qcow2_parse(buf, len, out, err, errlen);
	other = other_magic(buf, len);
	if (other)
		out->format = other;
	return 0;
}

/* Whether declared names content QEMU reads as plain bytes. */
static bool declared_raw(const char *declared)
{
	static const char *const raw[] = { "raw", "iso", "ami", "ari", "aki" };

	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		if (strcmp(declared, raw[i]) == 0)
			return true;
	return false;
}

int diskimg_vet(const struct diskimg_info *info, const char *declared, uint64_t max_vsize,
		char *err, size_t errlen)
{
	const char *found = info->format;

	if (!declared || !declared[0]) {
		snprintf(err, errlen, "the image has no disk_format");
		return -EMEDIUMTYPE;
	}
	if (strcmp(found, "qed") == 0) {
		snprintf(err, errlen, "QED images are not supported");
		return -EMEDIUMTYPE;
	}
	if (declared_raw(declared) ? strcmp(found, "raw") != 0 : strcmp(found, declared) != 0) {
		snprintf(err, errlen, "the image data is %s, not the declared disk_format %s",
			 strcmp(found, "raw") == 0 ? "not a recognised image format" : found,
			 declared);
		return -EMEDIUMTYPE;
	}
	if (strcmp(found, "qcow2") == 0) {
		if (info->backing_file_offset) {
			snprintf(err, errlen, "qcow2 images with a backing file are refused (%s)",
				 info->backing_file[0] ? info->backing_file : "unnamed");
			return -EMEDIUMTYPE;
		}
		if (info->data_file) {
			snprintf(err, errlen,
				 "qcow2 images with an external data file are refused");
			return -EMEDIUMTYPE;
		}
		if (info->encrypted) {
			snprintf(err, errlen, "encrypted qcow2 images are not supported");
			return -EMEDIUMTYPE;
		}
		if (info->incompatible_features & ~QCOW2_INCOMPAT_KNOWN) {
			snprintf(err, errlen,
				 "qcow2 image has unknown incompatible features 0x%llx",
				 (unsigned long long)info->incompatible_features);
			return -EMEDIUMTYPE;
		}
	}
	if (max_vsize && info->virtual_size > max_vsize) {
		snprintf(err, errlen,
			 "the image's virtual size %llu bytes exceeds the limit of %llu",
			 (unsigned long long)info->virtual_size, (unsigned long long)max_vsize);
		return -EFBIG;
	}
	return 0;
}

int diskimg_vet_file(const char *path, const char *declared, uint64_t max_vsize,
		     struct diskimg_info *info, char *err, size_t errlen)
{
	struct diskimg_info local;
	unsigned char *buf = NULL;
	struct stat st;
	size_t want, got = 0;
	int fd, r;

	if (!info)
		info = &local;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	want = (uint64_t)st.st_size < DISKIMG_HEAD_MAX ? (size_t)st.st_size : DISKIMG_HEAD_MAX;
	buf = malloc(want ? want : 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	r = diskimg_inspect(buf, got, (uint64_t)st.st_size, info, err, errlen);
	free(buf);
	if (r == -EBADMSG)
		return -EMEDIUMTYPE;
	if (r < 0)
		return r;
	return diskimg_vet(info, declared, max_vsize, err, errlen);
}
