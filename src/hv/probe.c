/* probe.c - virt_type auto: use KVM only where a guest really boots on it.
 *
 * /dev/kvm can exist and open while guests hang on it (nested setups
 * without the features SeaBIOS needs). The probe boots a 512-byte boot
 * sector that prints a marker on the serial port, on the same machine type
 * and virtio disk as real servers, under KVM, and wants the marker within
 * PROBE_MS (a working KVM takes well under a second; TCG ~0.1 s). The
 * answer is cached in INSTANCES/.virt_type: delete that file to probe again. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "hv/hv.h"

#define PROBE_MS     2000
#define PROBE_MARKER "basalt-kvm-probe-ok"

/* xor ax,ax; mov ds,ax; cld; mov dx,0x3f8; mov si,msg; 1: lodsb; test al,al;
 * jz 2f; out dx,al; jmp 1b; 2: cli; hlt; jmp 2b; msg: */
static const unsigned char boot_code[] = { 0x31, 0xC0, 0x8E, 0xD8, 0xFC, 0xBA, 0xF8, 0x03,
					   0xBE, 0x17, 0x7C, 0xAC, 0x84, 0xC0, 0x74, 0x03,
					   0xEE, 0xEB, 0xF8, 0xFA, 0xF4, 0xEB, 0xFD };

static int write_boot_image(const char *path)
{
	static unsigned char img[1 << 20]; /* SeaBIOS skips a one-sector disk */
	int r;

	memset(img, 0, sizeof(img));
	memcpy(img, boot_code, sizeof(boot_code));
	memcpy(img + sizeof(boot_code), PROBE_MARKER "\n", sizeof(PROBE_MARKER) + 1);
	img[510] = 0x55;
	img[511] = 0xAA;
	r = file_write_atomic(path, img, sizeof(img), 0600);
	return r;
}

static bool file_has(const char *path, const char *needle)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static bool kvm_boots(const char *instances)
{
	char img[4096], out[4096], drive[4200], serial[4200];
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	bool ok = false;
	pid_t pid;

	if (fd < 0)
		return false;
	close(fd);
	snprintf(img, sizeof(img), "%s/.probe.img", instances);
	snprintf(out, sizeof(out), "%s/.probe.out", instances);
	if (write_boot_image(img) < 0)
		return false;
	unlink(out);
	snprintf(drive, sizeof(drive), "file=%s,format=raw,if=virtio,readonly=on", img);
	snprintf(serial, sizeof(serial), "file:%s", out);
	char *argv[] = { "qemu-system-x86_64",
			 "-nodefaults",
			 "-no-user-config",
			 "-display",
			 "none",
			 "-machine",
			 "q35",
			 "-accel",
			 "kvm",
			 "-m",
			 "16",
			 "-drive",
			 drive,
			 "-serial",
			 serial,
			 "-nic",
			 "none",
			 NULL };
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int waited = 0; waited < PROBE_MS; waited += 50) {
		if (file_has(out, PROBE_MARKER)) {
			ok = true;
			break;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = 0;
			break;
		}
		nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	unlink(img);
	unlink(out);
	return ok;
}

const char *hv_probe_accel(const char *instances)
{
	char cache[4096], buf[16] = "";
	const char *accel;
	int fd;

	snprintf(cache, sizeof(cache), "%s/.virt_type", instances);
	fd = open(cache, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0 && strncmp(buf, "kvm", 3) == 0)
			return "kvm";
		if (n > 0 && strncmp(buf, "tcg", 3) == 0)
			return "tcg";
	}
	accel = kvm_boots(instances) ? "kvm" : "tcg";
	log_info("virt_type auto: %s (KVM probe guest %s)", accel,
		 strcmp(accel, "kvm") == 0 ? "booted" : "did not boot in time");
	if (file_write_atomic(cache, accel, strlen(accel), 0644) < 0)
		log_warn("cannot cache the virt_type probe in %s", cache);
	return accel;
}
