/* diskimg.h - what a disk image file really is, from its first bytes: the
 * format its magic names and, for qcow2, the header fields that would make
 * QEMU open other files (a backing file, an external data file). Used at
 * upload (src/image/file.c) and again on the compute node before QEMU ever
 * sees a base image (src/hv/image_cache.c): the declared disk_format is the
 * only format QEMU is told, and these checks make sure it is the truth.
 *
 * The parser reads only the buffer it is given, never past len, and is
 * fuzzed (tests/fuzz/fuzz_diskimg.c). */
#ifndef BASALT_DISKIMG_H
#define BASALT_DISKIMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most of a file the checks read: a qcow2's header and its extensions
 * live in its first cluster, 2 MiB at most. */
#define DISKIMG_HEAD_MAX (2u << 20)
#define DISKIMG_ERR_MAX	 256

struct diskimg_info {
	/* "raw" (no image magic known), "qcow2", "qcow" (version 1), "qed",
	 * "vmdk", "vhd", "vhdx", "vdi", "luks", "bochs", "cloop", "parallels". */
	const char *format;
	uint64_t virtual_size; /* qcow2: the header's size; else the file's size
				* rounded up to 512-byte sectors, as QEMU shows it */
	/* qcow2 only */
	uint32_t version;
	uint32_t cluster_bits;
	uint64_t backing_file_offset;
	uint32_t backing_file_size;
	char backing_file[64]; /* printable prefix of the name, for messages */
	bool data_file;	       /* incompatible bit 2 or a data file name extension */
	bool encrypted;	       /* crypt_method != 0 */
	uint64_t incompatible_features;
};

/* diskimg.c */
/* Inspect the first len bytes of a file of file_size bytes (len <=
 * file_size). Returns 0 with *out filled, or -EBADMSG with a message in
 * err (errlen bytes) when the bytes carry a qcow2 magic but no header
 * QEMU would accept (truncated, unknown version, bad cluster size, an
 * extension running past the first cluster). */
int diskimg_inspect(const unsigned char *buf, size_t len, uint64_t file_size,
		    struct diskimg_info *out, char *err, size_t errlen);
/* Whether an image whose content is info may be used as declared (a
 * Glance disk_format) with a virtual size of at most max_vsize bytes (0:
 * no limit). Refused, with a message in err: a qcow2 with a backing file,
 * an external data file, encryption or unknown incompatible features;
 * content that is not what is declared (qcow2 declared, something else
 * found; raw, iso or ami declared and another format's magic found); QED
 * in any case. Returns 0, -EMEDIUMTYPE (refused) or -EFBIG (too large). */
int diskimg_vet(const struct diskimg_info *info, const char *declared, uint64_t max_vsize,
		char *err, size_t errlen);
/* Both of the above on the file at path (read at most DISKIMG_HEAD_MAX
 * bytes). Returns 0, -EMEDIUMTYPE, -EFBIG, -EBADMSG (-> -EMEDIUMTYPE: a
 * broken header is refused too) or -errno when the file cannot be read;
 * err says why in every case. info (may be NULL) is filled on success. */
int diskimg_vet_file(const char *path, const char *declared, uint64_t max_vsize,
		     struct diskimg_info *info, char *err, size_t errlen);

#endif
