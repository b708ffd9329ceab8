/* proc.c - child processes (qemu-img, QEMU) and pid files of the hv layer. */
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"

/* In the child, between fork and exec: only async-signal-safe calls. */
static _Noreturn void child_exec(char *const argv[], int out)
{
	sigset_t all;
	int null = open("/dev/null", O_RDONLY);

	/* The agent blocks SIGTERM/SIGINT for sigwait(); QEMU must not inherit that. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	/* Never leak the agent's descriptors (directory locks, sockets) into VMs. */
	syscall(SYS_close_range, 3U, ~0U, 0U);
	execvp(argv[0], argv);
	_exit(127);
}

int hv_run(char *const argv[], char *err, size_t errlen)
{
	int pfd[2], status;
	size_t used = 0;
	pid_t pid;

	if (errlen)
		err[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0)
		child_exec(argv, pfd[1]);
	close(pfd[1]);
	/* Read to EOF: a daemonizing QEMU's parent exits once the child is up,
	 * and the child points its stdio at /dev/null, which closes our pipe. */
	for (;;) {
		char tmp[1024];
		ssize_t n = read(pfd[0], tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (errlen && used + 1 < errlen) {
			size_t k = (size_t)n < errlen - 1 - used ? (size_t)n : errlen - 1 - used;
			memcpy(err + used, tmp, k);
			used += k;
			err[used] = '\0';
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	/* Trim the trailing newline for one-line messages. */
	while (used > 0 && (err[used - 1] == '\n' || err[used - 1] == '\r'))
		err[--used] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (errlen && used == 0)
		snprintf(err, errlen, "%s exited with status %d", argv[0],
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return -EIO;
}

/* In the grandchild: become p's process and exec it (async-signal-safe
 * calls only). A failure goes to the log and exits 127. */
static _Noreturn void proc_exec(const struct hv_proc *p)
{
	enum { FD_HIGH = 512 };
	static const char fail_cwd[] = "hv: chdir failed\n", fail_fd[] = "hv: fd setup failed\n",
			  fail_id[] = "hv: dropping privileges failed\n",
			  fail_exec[] = "hv: exec failed\n";
	int tmp[16], null = open("/dev/null", O_RDONLY);
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (null >= 0)
		dup2(null, 0);
	dup2(p->log_fd, 1);
	dup2(p->log_fd, 2);
	if (p->cwd && chdir(p->cwd) < 0) {
		(void)!write(2, fail_cwd, sizeof(fail_cwd) - 1);
		_exit(127);
	}
	umask(077);
	/* Lift the fds out of the way, then put them at 3, 4, ... */
	for (size_t i = 0; i < p->nfds && i < 16; i++) {
		tmp[i] = fcntl(p->fds[i], F_DUPFD, FD_HIGH + (int)i);
		if (tmp[i] < 0) {
			(void)!write(2, fail_fd, sizeof(fail_fd) - 1);
			_exit(127);
		}
	}
	for (size_t i = 0; i < p->nfds && i < 16; i++)
		if (dup2(tmp[i], 3 + (int)i) < 0) {
			(void)!write(2, fail_fd, sizeof(fail_fd) - 1);
			_exit(127);
		}
	/* Never leak the agent's descriptors (directory locks, sockets) into VMs. */
	syscall(SYS_close_range, 3U + (unsigned)p->nfds, ~0U, 0U);
	if (p->uid >= 0) {
		gid_t groups[1] = { (gid_t)p->kvm_gid };
		if (setgroups(p->kvm_gid >= 0 ? 1 : 0, groups) < 0 || setgid((gid_t)p->gid) < 0 ||
		    setuid((uid_t)p->uid) < 0 || setuid(0) == 0) {
			(void)!write(2, fail_id, sizeof(fail_id) - 1);
			_exit(127);
		}
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	execvp(p->argv[0], p->argv);
	(void)!write(2, fail_exec, sizeof(fail_exec) - 1);
	_exit(127);
}

int hv_proc_start(const struct hv_proc *p)
{
	int pfd[2], status, pid = -1;
	pid_t child;

	if (p->nfds > 16)
		return -EINVAL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		int r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (child == 0) {
		/* A session of its own, and a grandchild the agent never has to
		 * reap: it tells its pid and goes. */
		setsid();
		pid_t g = fork();
		if (g == 0) {
			close(pfd[0]);
			close(pfd[1]);
			proc_exec(p);
		}
		int v = g < 0 ? -1 : (int)g;
		(void)!write(pfd[1], &v, sizeof(v));
		_exit(g < 0 ? 1 : 0);
	}
	close(pfd[1]);
	if (read(pfd[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		pid = -1;
	close(pfd[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return pid > 0 ? pid : -ECHILD;
}

int hv_pid_alive(const char *pidfile, const char *needle)
{
	char buf[4096], path[64];
	ssize_t n;
	int fd, pid;

	fd = open(pidfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = atoi(buf);
	if (pid <= 1)
		return 0;
	/* The pid may have been recycled: it is ours only if its command line
	 * names the server. Arguments are NUL-separated: search each. */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0; /* a zombie has an empty command line */
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (strstr(p, needle))
			return pid;
	return 0;
}

static bool pid_gone(int pid)
{
	char path[64], buf[512];
	FILE *f;
	bool gone = true;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	/* A zombie (our own child not yet reaped) counts as gone. */
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f)) {
		char *p = strrchr(buf, ')');
		gone = p && p[1] == ' ' && p[2] == 'Z';
	}
	fclose(f);
	return gone;
}

bool hv_pid_wait_gone(int pid, int timeout_ms)
{
	for (int waited = 0;; waited += 20) {
		if (pid_gone(pid))
			return true;
		if (waited >= timeout_ms)
			return false;
		nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
	}
}
