/* dhcp_leases.c - dnsmasq's lease file against the hosts we want: which
 * leases are stale (a deleted port's, or an address now given to another
 * MAC), the file without them, and releasing one lease from a running
 * dnsmasq the way Neutron's DHCP agent does (dhcp_release, a DHCPRELEASE
 * sent from inside the namespace as if from the client). dnsmasq keeps its
 * leases in memory and reads the file only at start: while an old lease
 * holds an address, a new MAC configured for it gets "not using
 * configured address ... because it is leased to" and no answer. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

/* One line of the lease file: "EXPIRY MAC IP HOSTNAME CLIENT-ID" (IPv4;
 * IPv6 leases follow a "duid" line and have another shape). Fills l and
 * returns true for an IPv4 lease with an Ethernet MAC. */
static bool lease_parse(const char *line, size_t len, struct dp_dhcp_lease *l)
{
	char buf[1024], *save = NULL, *f[5] = { 0 };
	struct in_addr a;
	int n = 0;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (char *t = strtok_r(buf, " \t\r", &save); t && n < 5; t = strtok_r(NULL, " \t\r", &save))
		f[n++] = t;
	if (n < 3 || strlen(f[1]) != 17 || strspn(f[1], "0123456789abcdefABCDEF:") != 17 ||
	    inet_pton(AF_INET, f[2], &a) != 1)
		return false;
	memset(l, 0, sizeof(*l));
	memcpy(l->mac, f[1], 17);
	snprintf(l->ip, sizeof(l->ip), "%s", f[2]);
	/* The client id as dnsmasq prints it (hex bytes with colons), or "*". */
	if (n >= 5 && strlen(f[4]) < sizeof(l->client_id) &&
	    strspn(f[4], "0123456789abcdefABCDEF:") == strlen(f[4]))
		snprintf(l->client_id, sizeof(l->client_id), "%s", f[4]);
	return true;
}

/* Whether some host has this very MAC and address. */
static bool lease_wanted(const struct dp_dhcp_lease *l, const struct dp_dhcp_host *hosts,
			 size_t nhosts)
{
	for (size_t i = 0; i < nhosts; i++)
		if (hosts[i].mac && hosts[i].ip && strcasecmp(hosts[i].mac, l->mac) == 0 &&
		    strcmp(hosts[i].ip, l->ip) == 0)
			return true;
	return false;
}

/* The line at *p (its length in *len, without the newline); *p moves to
 * the next one. false at the end of text. */
static bool next_line(const char **p, const char **line, size_t *len)
{
	const char *nl;

	if (!*p || !**p)
		return false;
	nl = strchr(*p, '\n');
	*line = *p;
	*len = nl ? (size_t)(nl - *p) : strlen(*p);
	*p += *len + (nl ? 1 : 0);
	return true;
}

int dp_dhcp_leases_stale(const char *text, const struct dp_dhcp_host *hosts, size_t nhosts,
			 struct dp_dhcp_lease **out, size_t *n)
{
	struct dp_dhcp_lease l, *v = NULL, *grown;
	const char *p = text, *line;
	size_t k = 0, len;

	*out = NULL;
	*n = 0;
	while (next_line(&p, &line, &len)) {
		if (!lease_parse(line, len, &l) || lease_wanted(&l, hosts, nhosts))
			continue;
		grown = realloc(v, (k + 1) * sizeof(*v));
		if (!grown) {
			free(v);
			return -ENOMEM;
		}
		v = grown;
		v[k++] = l;
	}
	*out = v;
	*n = k;
	return 0;
}

int dp_dhcp_leases_filter(const char *text, const struct dp_dhcp_host *hosts, size_t nhosts,
			  char **out)
{
	size_t cap = (text ? strlen(text) : 0) + 2, k = 0;
	char *b = malloc(cap);
	struct dp_dhcp_lease l;
	const char *p = text, *line;
	size_t len;

	if (!b)
		return -ENOMEM;
	/* Lines that are not IPv4 leases (duid, IPv6) stay as they are. */
	while (next_line(&p, &line, &len)) {
		if (len == 0 || (lease_parse(line, len, &l) && !lease_wanted(&l, hosts, nhosts)))
			continue;
		memcpy(b + k, line, len);
		k += len;
		b[k++] = '\n';
	}
	b[k] = '\0';
	*out = b;
	return 0;
}

static const char *dhcp_release_path(void)
{
	static const char *const paths[] = { "/usr/bin/dhcp_release", "/usr/sbin/dhcp_release",
					     "/bin/dhcp_release", "/sbin/dhcp_release" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

int dp_dhcp_lease_release(const char *ns, const char *dev, const struct dp_dhcp_lease *l)
{
	const char *bin = dhcp_release_path();
	char *argv[6];
	int st = 0, r;

	if (!bin)
		return -ENOENT;
	if (!dp_nsname_valid(ns) || !dp_ifname_valid(dev))
		return -EINVAL;
	argv[0] = (char *)bin;
	argv[1] = (char *)dev;
	argv[2] = (char *)l->ip;
	argv[3] = (char *)l->mac;
	argv[4] = l->client_id[0] && strcmp(l->client_id, "*") != 0 ? (char *)l->client_id : NULL;
	argv[5] = NULL;
	r = dp_ns_run(ns, argv, &st);
	if (r < 0)
		return r;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		log_warn("dhcp %s: dhcp_release %s %s %s failed (status %d)", ns, dev, l->ip, l->mac,
			 st);
		return -EIO;
	}
	return 0;
}
