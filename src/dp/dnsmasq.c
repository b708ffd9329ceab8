/* dnsmasq.c - one dnsmasq per DHCP namespace, serving static leases only
 * (MAC -> IP from a hosts file, as Neutron's DHCP agent does), with its
 * state in one directory: hosts, opts, leases, pid, log. The process is a
 * daemon of its own (setsid, reparented), so it outlives the agent; the
 * pid file, checked against /proc, finds it again. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LEASE_TIME "86400s" /* Neutron's dhcp_lease_duration default */
#define MAX_ARGS   64

/* A growable argv of malloc'd strings, NULL-terminated. */
struct args {
	char *v[MAX_ARGS + 1];
	int n;
};

static int args_add(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int args_add(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (a->n >= MAX_ARGS)
		return -E2BIG;
	va_start(ap, fmt);
	r = vasprintf(&a->v[a->n], fmt, ap);
	va_end(ap);
	if (r < 0) {
		a->v[a->n] = NULL;
		return -ENOMEM;
	}
	a->n++;
	return 0;
}

static void args_free(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

static bool ip4_valid(const char *s)
{
	struct in_addr a;

	return s && inet_pton(AF_INET, s, &a) == 1;
}

/* Hostnames, MACs and domains go into dnsmasq's files and arguments: only
 * the characters they need, so no value can start another line or field. */
static bool token_valid(const char *s, const char *extra)
{
	if (!s || !*s || strlen(s) > 253)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

/* Parse "a.b.c.d/len" with len 0..32. */
static int cidr_parse(const char *cidr, struct in_addr *a, long *len)
{
	char buf[32], *slash, *end;

	if (!cidr || strlen(cidr) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, cidr);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	*len = strtol(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end || *len < 0 || *len > 32 || inet_pton(AF_INET, buf, a) != 1)
		return -EINVAL;
	return 0;
}

/* A subnet "a.b.c.d/len" (len 1..30) -> network address and dotted mask. */
static int cidr_split(const char *cidr, char net[INET_ADDRSTRLEN], char mask[INET_ADDRSTRLEN])
{
	struct in_addr a, m;
	long len;

	if (cidr_parse(cidr, &a, &len) < 0 || len < 1 || len > 30)
		return -EINVAL;
	m.s_addr = htonl(~0u << (32 - len));
	a.s_addr &= m.s_addr;
	inet_ntop(AF_INET, &a, net, INET_ADDRSTRLEN);
	inet_ntop(AF_INET, &m, mask, INET_ADDRSTRLEN);
	return 0;
}

/* dhcp-hostsfile: "MAC,IP[,HOSTNAME]" per port. malloc'd text in *out. */
static int hosts_text(const struct dp_dhcp *d, char **out)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < d->nhosts && r == 0; i++) {
		const struct dp_dhcp_host *h = &d->hosts[i];

		if (!token_valid(h->mac, ":") || strlen(h->mac) != 17 || !ip4_valid(h->ip) ||
		    (h->hostname && !token_valid(h->hostname, "-."))) {
			log_error("dhcp %s: bad host %s %s", d->dir, h->mac ? h->mac : "(null)",
				  h->ip ? h->ip : "(null)");
			r = -EINVAL;
		} else if (h->hostname)
			fprintf(f, "%s,%s,%s\n", h->mac, h->ip, h->hostname);
		else
			fprintf(f, "%s,%s\n", h->mac, h->ip);
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* A host route "DEST/LEN,NEXTHOP". */
static bool route_valid(const char *s)
{
	char buf[64], *comma;
	struct in_addr a;
	long len;

	if (!s || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (!comma)
		return false;
	*comma = '\0';
	if (cidr_parse(buf, &a, &len) < 0)
		return false;
	return ip4_valid(comma + 1);
}

/* dhcp-optsfile: the MTU (option 26, the VXLAN pitfall), and per subnet
 * (tagged by its dhcp-range) router, DNS servers and host routes. */
static int opts_text(const struct dp_dhcp *d, char **out)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	if (d->mtu > 0)
		fprintf(f, "option:mtu,%d\n", d->mtu);
	for (size_t i = 0; i < d->nsubnets && r == 0; i++) {
		const struct dp_dhcp_subnet *s = &d->subnets[i];

		if (s->gateway && !ip4_valid(s->gateway))
			r = -EINVAL;
		for (size_t k = 0; k < s->ndns; k++)
			if (!ip4_valid(s->dns[k]))
				r = -EINVAL;
		for (size_t k = 0; k < s->nroutes; k++)
			if (!route_valid(s->routes[k]))
				r = -EINVAL;
		if (r < 0) {
			log_error("dhcp %s: bad options for subnet %s", d->dir,
				  s->cidr ? s->cidr : "(null)");
			break;
		}
		/* No value: send no router at all (dnsmasq would offer itself). */
		fprintf(f, "tag:subnet%zu,option:router%s%s\n", i, s->gateway ? "," : "",
			s->gateway ? s->gateway : "");
		if (s->ndns) {
			fprintf(f, "tag:subnet%zu,option:dns-server", i);
			for (size_t k = 0; k < s->ndns; k++)
				fprintf(f, ",%s", s->dns[k]);
			fputc('\n', f);
		}
		if (s->nroutes) {
			fprintf(f, "tag:subnet%zu,option:classless-static-route", i);
			for (size_t k = 0; k < s->nroutes; k++)
				fprintf(f, ",%s", s->routes[k]);
			/* RFC 3442 clients ignore the router option when classless
			 * routes come: the default route must be among them. */
			if (s->gateway)
				fprintf(f, ",0.0.0.0/0,%s", s->gateway);
			fputc('\n', f);
		}
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

static const char *dnsmasq_path(void)
{
	static const char *const paths[] = { "/usr/sbin/dnsmasq", "/usr/bin/dnsmasq",
					     "/sbin/dnsmasq" };

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static bool reachable_by_others(const char *dir);

/* The command line; a running dnsmasq with another one is restarted. */
static int build_args(const struct dp_dhcp *d, const char *path, struct args *a)
{
	int r = args_add(a, "%s", path);

	r = r ?: args_add(a, "--conf-file=/dev/null"); /* not /etc/dnsmasq.conf */
	r = r ?: args_add(a, "--no-hosts");
	r = r ?: args_add(a, "--no-resolv");
	r = r ?: args_add(a, "--strict-order");
	r = r ?: args_add(a, "--except-interface=lo");
	r = r ?: args_add(a, "--bind-interfaces");
	r = r ?: args_add(a, "--interface=%s", d->dev);
	for (size_t i = 0; i < d->nsubnets && r == 0; i++) {
		char net[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN];

		if (cidr_split(d->subnets[i].cidr, net, mask) < 0) {
			log_error("dhcp %s: bad subnet %s", d->dir,
				  d->subnets[i].cidr ? d->subnets[i].cidr : "(null)");
			return -EINVAL;
		}
		/* static: only hosts of the hosts file get an address. */
		r = args_add(a, "--dhcp-range=set:subnet%zu,%s,static,%s,%s", i, net, mask,
			     LEASE_TIME);
	}
	r = r ?: args_add(a, "--dhcp-hostsfile=%s/hosts", d->dir);
	r = r ?: args_add(a, "--dhcp-optsfile=%s/opts", d->dir);
	r = r ?: args_add(a, "--dhcp-leasefile=%s/leases", d->dir);
	r = r ?: args_add(a, "--pid-file=%s/pid", d->dir);
	r = r ?: args_add(a, "--log-facility=%s/log", d->dir);
	r = r ?: args_add(a, "--port=0"); /* DHCP only, no DNS */
	r = r ?: args_add(a, "--dhcp-authoritative");
	/* dnsmasq drops root to nobody; when nobody cannot reach the state
	 * directory (a private state_dir), it must stay root to read it. */
	if (r == 0 && !reachable_by_others(d->dir)) {
		log_debug("dhcp %s: not searchable by others, dnsmasq keeps running as root",
			  d->dir);
		r = args_add(a, "--user=root");
	}
	if (d->domain && r == 0)
		r = args_add(a, "--domain=%s", d->domain);
	return r;
}

/* Read a whole small file, NUL-terminated (malloc'd). -ENOENT when absent. */
static int read_all(const char *path, char **buf, size_t *len)
{
	char *b = NULL, *grown;
	size_t n = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	ssize_t k;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		if (cap - n < 4096) {
			grown = realloc(b, cap + 8192);
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			b = grown;
			cap += 8192;
		}
		k = read(fd, b + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	if (r < 0) {
		free(b);
		return r;
	}
	if (!b && !(b = malloc(1)))
		return -ENOMEM;
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Whether dir and every directory above it are searchable by others:
 * dnsmasq reads the hosts and opts files (again on SIGHUP) after dropping
 * root to nobody. */
static bool reachable_by_others(const char *dir)
{
	char buf[4200];
	struct stat st;
	size_t len = strlen(dir);

	memcpy(buf, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (stat(buf, &st) == 0 && !(st.st_mode & S_IXOTH))
			return false;
		buf[i] = dir[i];
	}
	return true;
}

/* Write path when its content differs; *changed says whether it did. */
static int write_if_changed(const char *path, const char *text, bool *changed)
{
	size_t len = strlen(text), cur_len;
	char *cur;
	int r = read_all(path, &cur, &cur_len);

	if (r == 0 && cur_len == len && memcmp(cur, text, len) == 0) {
		free(cur);
		return 0;
	}
	if (r == 0)
		free(cur);
	*changed = true;
	/* 0644: dnsmasq re-reads it on SIGHUP after dropping root. */
	return file_write_atomic(path, text, len, 0644);
}

/* The pid of the live dnsmasq serving dir (0: none), and its command line
 * (malloc'd, NUL-separated, *cmd_len bytes) when cmd is non-NULL. */
static pid_t running_pid(const char *dir, char **cmd, size_t *cmd_len)
{
	char path[4200], *buf, *want;
	size_t len;
	long pid;
	bool ours = false;

	if (cmd)
		*cmd = NULL;
	snprintf(path, sizeof(path), "%s/pid", dir);
	if (read_all(path, &buf, &len) < 0)
		return 0;
	pid = strtol(buf, NULL, 10);
	free(buf);
	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (read_all(path, &buf, &len) < 0)
		return 0; /* gone */
	/* A stale pid file may name a recycled pid: it must be a dnsmasq with
	 * this very pid file. A zombie has an empty command line. */
	if (asprintf(&want, "--pid-file=%s/pid", dir) < 0) {
		free(buf);
		return 0;
	}
	for (size_t off = 0; off < len; off += strlen(buf + off) + 1)
		if (strcmp(buf + off, want) == 0)
			ours = true;
	free(want);
	if (!ours || !strstr(buf, "dnsmasq")) {
		free(buf);
		return 0;
	}
	if (cmd) {
		*cmd = buf;
		*cmd_len = len;
	} else
		free(buf);
	return (pid_t)pid;
}

static bool cmdline_equal(const struct args *a, const char *cmd, size_t len)
{
	size_t off = 0;

	for (int i = 0; i < a->n; i++) {
		size_t l = strlen(a->v[i]) + 1;

		if (off + l > len || memcmp(cmd + off, a->v[i], l) != 0)
			return false;
		off += l;
	}
	return off == len;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* SIGTERM, up to 5 s for it to go, then SIGKILL. */
static int stop_pid(const char *dir, pid_t pid)
{
	if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
		return -errno;
	for (int i = 0; i < 50; i++) {
		if (running_pid(dir, NULL, NULL) != pid)
			return 0;
		sleep_ms(100);
	}
	log_warn("dhcp %s: dnsmasq %d ignored SIGTERM, killing it", dir, (int)pid);
	if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
		return -errno;
	for (int i = 0; i < 20; i++) {
		if (running_pid(dir, NULL, NULL) != pid)
			return 0;
		sleep_ms(100);
	}
	return -ETIMEDOUT;
}

int dp_ns_run(const char *ns, char *const argv[], int *status)
{
	int nsfd, devnull, st = 0;
	sigset_t none;
	pid_t pid;

	nsfd = dp_ns_open(ns);
	if (nsfd < 0)
		return nsfd;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		close(nsfd);
		return -errno;
	}
	sigemptyset(&none);
	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		if (setns(nsfd, CLONE_NEWNET) < 0)
			_exit(126);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		setsid();
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		syscall(SYS_close_range, 3U, ~0U, 0U);
		execv(argv[0], argv);
		_exit(127);
	}
	close(nsfd);
	close(devnull);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno == EINTR)
			continue;
		st = 0; /* ECHILD: SIGCHLD ignored by the process */
		break;
	}
	*status = st;
	return 0;
}

/* dnsmasq in ns: it daemonizes (its daemon is reparented away from us, in
 * a session of its own) and exits with its startup status once the daemon
 * is ready or has failed; with SIGCHLD ignored, the pid file tells. */
static int start(const struct dp_dhcp *d, struct args *a)
{
	int st = 0, r = dp_ns_run(d->ns, a->v, &st);

	if (r < 0)
		return r;
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		log_error("dhcp %s: dnsmasq exited with %d at start (see %s/log)", d->dir,
			  WEXITSTATUS(st), d->dir);
		return -EIO;
	}
	if (WIFSIGNALED(st)) {
		log_error("dhcp %s: dnsmasq killed by signal %d at start", d->dir, WTERMSIG(st));
		return -EIO;
	}
	for (int i = 0; i < 50; i++) {
		pid_t p = running_pid(d->dir, NULL, NULL);

		if (p > 0) {
			log_info("dhcp %s: dnsmasq %d started in %s on %s", d->dir, (int)p, d->ns,
				 d->dev);
			return 0;
		}
		sleep_ms(100);
	}
	log_error("dhcp %s: dnsmasq did not write its pid file", d->dir);
	return -EIO;
}

/* Release the stale leases (dp_dhcp_leases_stale) of the dnsmasq running
 * for d, as Neutron's DHCP agent does: dhcp_release, then the lease file
 * (dnsmasq rewrites it after each change) must show them gone. 0 when no
 * stale lease is left, -EAGAIN when some stay (dhcp_release missing, its
 * packet lost), other -errno on errors. */
static int leases_release(const struct dp_dhcp *d)
{
	struct dp_dhcp_lease *stale = NULL;
	char path[4200], *text;
	size_t n = 0, len;
	int r;

	snprintf(path, sizeof(path), "%s/leases", d->dir);
	for (int attempt = 0;; attempt++) {
		r = read_all(path, &text, &len);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		r = dp_dhcp_leases_stale(text, d->hosts, d->nhosts, &stale, &n);
		free(text);
		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		/* dhcp_release sends to the server's own address: through lo. */
		if (attempt == 0 && (r = dp_link_up(d->ns, "lo", 0, NULL)) < 0)
			log_warn("dhcp %s: lo up in %s: %s", d->dir, d->ns, strerror(-r));
		/* Sent twice at most (a datagram may be lost), 2 s in all. */
		for (size_t i = 0; (attempt == 0 || attempt == 10) && i < n; i++) {
			log_info("dhcp %s: releasing the lease of %s to %s", d->dir, stale[i].ip,
				 stale[i].mac);
			r = dp_dhcp_lease_release(d->ns, d->dev, &stale[i]);
			if (r == -ENOENT) {
				log_warn("dhcp %s: dhcp_release (dnsmasq-utils) is not installed",
					 d->dir);
				attempt = 20;
				break;
			}
		}
		free(stale);
		if (attempt >= 20)
			return -EAGAIN;
		sleep_ms(100);
	}
}

/* With no dnsmasq running for d: drop the stale leases from the lease
 * file, which dnsmasq reads when it starts. */
static int leases_drop(const struct dp_dhcp *d)
{
	char path[4200], *text, *kept = NULL;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/leases", d->dir);
	r = read_all(path, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = dp_dhcp_leases_filter(text, d->hosts, d->nhosts, &kept);
	if (r == 0 && strcmp(kept, text) != 0) {
		log_info("dhcp %s: dropping stale leases from the lease file", d->dir);
		r = file_write_atomic(path, kept, strlen(kept), 0644);
	}
	free(kept);
	free(text);
	return r;
}

int dp_dhcp_ensure(const struct dp_dhcp *d)
{
	char path[4200], *hosts = NULL, *opts = NULL, *cmd = NULL;
	struct args a = { .n = 0 };
	const char *bin = dnsmasq_path();
	bool changed = false;
	size_t cmd_len = 0;
	pid_t pid;
	int r;

	if (!d || !d->dir || d->dir[0] != '/' || strlen(d->dir) > 4000 || !dp_nsname_valid(d->ns) ||
	    !dp_ifname_valid(d->dev) || d->nsubnets == 0 ||
	    (d->domain && !token_valid(d->domain, "-."))) {
		log_error("dhcp %s: invalid parameters", d && d->dir ? d->dir : "(null)");
		return -EINVAL;
	}
	if (!bin) {
		log_error("dhcp %s: dnsmasq not installed", d->dir);
		return -ENOENT;
	}
	if (!dp_netns_exists(d->ns)) {
		log_error("dhcp %s: namespace %s does not exist", d->dir, d->ns);
		return -ENOENT;
	}
	/* Validate everything before touching anything. */
	for (size_t i = 0; i < d->nsubnets; i++) {
		char net[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN];

		if (cidr_split(d->subnets[i].cidr, net, mask) < 0) {
			log_error("dhcp %s: bad subnet %s", d->dir,
				  d->subnets[i].cidr ? d->subnets[i].cidr : "(null)");
			return -EINVAL;
		}
	}
	r = hosts_text(d, &hosts);
	r = r ?: opts_text(d, &opts);
	if (r < 0)
		goto out;
	r = mkdir_p(d->dir, 0755);
	if (r == 0 && chmod(d->dir, 0755) < 0) /* whatever the umask */
		r = -errno;
	if (r == 0)
		r = build_args(d, bin, &a); /* after mkdir: it looks at the modes */
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/hosts", d->dir);
		r = write_if_changed(path, hosts, &changed);
	}
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/opts", d->dir);
		r = write_if_changed(path, opts, &changed);
	}
	if (r < 0) {
		log_error("dhcp %s: state files: %s", d->dir, strerror(-r));
		goto out;
	}
	pid = running_pid(d->dir, &cmd, &cmd_len);
	if (pid > 0 && cmdline_equal(&a, cmd, cmd_len)) {
		/* dnsmasq re-reads dhcp-hostsfile and dhcp-optsfile on SIGHUP. */
		if (changed && kill(pid, SIGHUP) < 0) {
			r = -errno;
			log_error("dhcp %s: SIGHUP dnsmasq %d: %s", d->dir, (int)pid, strerror(-r));
			goto out;
		}
		/* A lease outlives its host entry in dnsmasq's memory: a
		 * deleted port's address stays taken until it is released. */
		r = leases_release(d);
		if (r != -EAGAIN) {
			if (r < 0)
				log_error("dhcp %s: leases: %s", d->dir, strerror(-r));
			goto out;
		}
		log_warn("dhcp %s: dnsmasq %d kept stale leases: restarting it without them",
			 d->dir, (int)pid);
	} else if (pid > 0)
		log_info("dhcp %s: dnsmasq %d runs with other arguments, restarting it", d->dir,
			 (int)pid);
	if (pid > 0) {
		r = stop_pid(d->dir, pid);
		if (r < 0) {
			log_error("dhcp %s: stop dnsmasq %d: %s", d->dir, (int)pid, strerror(-r));
			goto out;
		}
	}
	r = leases_drop(d);
	if (r < 0) {
		log_error("dhcp %s: lease file: %s", d->dir, strerror(-r));
		goto out;
	}
	r = start(d, &a);
out:
	free(cmd);
	free(hosts);
	free(opts);
	args_free(&a);
	return r;
}

int dp_dhcp_stop(const char *dir)
{
	char path[4200];
	struct dirent *de;
	pid_t pid;
	DIR *dh;
	int r = 0;

	if (!dir || dir[0] != '/' || strlen(dir) > 4000) {
		log_error("dhcp stop %s: invalid directory", dir ? dir : "(null)");
		return -EINVAL;
	}
	pid = running_pid(dir, NULL, NULL);
	if (pid > 0 && (r = stop_pid(dir, pid)) < 0) {
		log_error("dhcp stop %s: dnsmasq %d: %s", dir, (int)pid, strerror(-r));
		return r;
	}
	dh = opendir(dir);
	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	/* The directory is flat: our files and file_write_atomic's leftovers. */
	while ((de = readdir(dh))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	closedir(dh);
	if (r == 0 && rmdir(dir) < 0 && errno != ENOENT)
		r = -errno;
	if (r < 0)
		log_error("dhcp stop %s: remove: %s", dir, strerror(-r));
	return r;
}
