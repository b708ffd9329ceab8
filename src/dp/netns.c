/* netns.c - named network namespaces made the way iproute2 makes them (a
 * bind mount of the namespace on /run/netns/NAME), and entering them on
 * the calling thread only. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define NETNS_RUN_DIR "/run/netns"
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

bool dp_nsname_valid(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) < 200;
}

const char *dp_ns_label(const char *ns)
{
	return ns ? ns : "(host)";
}

static void ns_path(const char *name, char out[256])
{
	snprintf(out, 256, NETNS_RUN_DIR "/%s", name);
}

int dp_ns_open(const char *ns)
{
	char path[256];
	int fd;

	if (!ns)
		/* The thread group leader's namespace: the one the process runs in,
		 * whatever namespace this thread happens to be in. */
		fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	else {
		if (!dp_nsname_valid(ns))
			return -EINVAL;
		ns_path(ns, path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

bool dp_netns_exists(const char *name)
{
	char path[256];
	struct statfs st;

	if (!dp_nsname_valid(name))
		return false;
	ns_path(name, path);
	/* A file left by a crash between create and mount is not a namespace. */
	return statfs(path, &st) == 0 && st.f_type == NSFS_MAGIC;
}

/* /run/netns must be a shared mount point so that namespaces mounted under
 * it later propagate to every mount namespace (what `ip netns add` does). */
static int run_dir_prepare(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* Not a mount point yet: bind it on itself, then make it shared. */
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

struct ns_create {
	const char *path;
	int r;
};

/* Runs on its own thread: unshare moves only this thread into the new
 * namespace, which then lives on through the bind mount. */
static void *ns_create_thread(void *arg)
{
	struct ns_create *c = arg;

	if (unshare(CLONE_NEWNET) < 0) {
		c->r = -errno;
		return NULL;
	}
	if (mount("/proc/thread-self/ns/net", c->path, "none", MS_BIND, NULL) < 0)
		c->r = -errno;
	else
		c->r = 0;
	return NULL;
}

int dp_netns_add(const char *name)
{
	char path[256];
	struct ns_create c = { .path = path, .r = -EIO };
	pthread_t t;
	int fd, r;

	if (!dp_nsname_valid(name)) {
		log_error("netns add %s: invalid name", name ? name : "(null)");
		return -EINVAL;
	}
	if (dp_netns_exists(name))
		return 0;
	r = run_dir_prepare();
	if (r < 0) {
		log_error("netns add %s: prepare " NETNS_RUN_DIR ": %s", name, strerror(-r));
		return r;
	}
	ns_path(name, path);
	/* The mount point; it may remain from an interrupted add, which this
	 * call completes. */
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		log_error("netns add %s: create %s: %s", name, path, strerror(-r));
		return r;
	}
	close(fd);
	r = pthread_create(&t, NULL, ns_create_thread, &c);
	if (r != 0) {
		unlink(path);
		log_error("netns add %s: thread: %s", name, strerror(r));
		return -r;
	}
	pthread_join(t, NULL);
	if (c.r < 0) {
		unlink(path);
		log_error("netns add %s: %s", name, strerror(-c.r));
		return c.r;
	}
	return 0;
}

int dp_netns_del(const char *name)
{
	char path[256];
	int r;

	if (!dp_nsname_valid(name)) {
		log_error("netns del %s: invalid name", name ? name : "(null)");
		return -EINVAL;
	}
	ns_path(name, path);
	/* Lazy: processes still inside keep the namespace alive, as with ip. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
		r = -errno;
		log_error("netns del %s: umount: %s", name, strerror(-r));
		return r;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		r = -errno;
		log_error("netns del %s: unlink: %s", name, strerror(-r));
		return r;
	}
	return 0;
}

int dp_names_push(char ***names, size_t *n, const char *name)
{
	char **grown = realloc(*names, (*n + 1) * sizeof(**names));
	char *copy;

	if (!grown)
		return -ENOMEM;
	*names = grown;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	grown[(*n)++] = copy;
	return 0;
}

void dp_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int dp_netns_list(const char *prefix, char ***names, size_t *n)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	*names = NULL;
	*n = 0;
	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (plen && strncmp(de->d_name, prefix, plen) != 0))
			continue;
		if (!dp_netns_exists(de->d_name))
			continue;
		r = dp_names_push(names, n, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		dp_names_free(*names, *n);
		*names = NULL;
		*n = 0;
		log_error("netns list %s: %s", prefix ? prefix : "", strerror(-r));
	}
	return r;
}

int dp_netns_enter(const char *ns, int *saved)
{
	int old, fd, r;

	old = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (old < 0) {
		r = -errno;
		log_error("netns enter %s: open own namespace: %s", dp_ns_label(ns), strerror(-r));
		return r;
	}
	fd = dp_ns_open(ns);
	if (fd < 0) {
		close(old);
		log_error("netns enter %s: %s", dp_ns_label(ns), strerror(-fd));
		return fd;
	}
	r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	if (r < 0) {
		close(old);
		log_error("netns enter %s: setns: %s", dp_ns_label(ns), strerror(-r));
		return r;
	}
	*saved = old;
	return 0;
}

int dp_netns_leave(int saved)
{
	int r = setns(saved, CLONE_NEWNET) < 0 ? -errno : 0;

	if (r < 0)
		/* The thread is stranded in a foreign namespace; callers must not
		 * go on as if nothing happened. */
		log_error("netns leave: setns back: %s", strerror(-r));
	close(saved);
	return r;
}

int dp_netns_run(const char *ns, int (*fn)(void *arg), void *arg)
{
	int saved, r, l;

	r = dp_netns_enter(ns, &saved);
	if (r < 0)
		return r;
	r = fn(arg);
	l = dp_netns_leave(saved);
	return l < 0 ? l : r;
}
