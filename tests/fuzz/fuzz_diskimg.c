/* fuzz_diskimg.c - libFuzzer target: arbitrary bytes as the head of a disk
 * image into core/diskimg.c's inspection and vetting, for every declared
 * format the node boots. The parser must never read past the buffer (ASan)
 * and its answers must hang together. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/diskimg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const declared[] = { "raw", "qcow2", "iso", "vmdk" };
	char err[DISKIMG_ERR_MAX];
	struct diskimg_info info;
	/* An exact-size copy, so ASan sees any read past the end. */
	unsigned char *buf = malloc(size ? size : 1);
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	r = diskimg_inspect(buf, size, size, &info, err, sizeof(err));
	if (r < 0 && r != -EBADMSG)
		abort();
	if (r == 0) {
		if (!info.format)
			abort();
		for (size_t i = 0; i < sizeof(declared) / sizeof(declared[0]); i++) {
			int v = diskimg_vet(&info, declared[i], 1ull << 40, err, sizeof(err));
			if (v != 0 && v != -EMEDIUMTYPE && v != -EFBIG)
				abort();
			if (v < 0 && !memchr(err, '\0', sizeof(err)))
				abort();
			/* Never "ok" for what QEMU would open another file for. */
			if (v == 0 && (info.backing_file_offset || info.data_file))
				abort();
		}
	}
	free(buf);
	return 0;
}
