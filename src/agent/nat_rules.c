/* nat_rules.c - the text of a router's nftables NAT table (pure: no
 * kernel, unit tested in tests/unit/test_natrules.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/netnode.h"

static bool valid_ip(const char *s)
{
	struct in_addr a;

	return s && inet_pton(AF_INET, s, &a) == 1;
}

static bool valid_cidr(const char *s)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = s ? strchr(s, '/') : NULL;
	char *end;
	long len;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return false;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	len = strtol(slash + 1, &end, 10);
	return valid_ip(ip) && slash[1] && !*end && len >= 0 && len <= 32;
}

/* Device names go into quotes: letters, digits and '-' only. */
static bool valid_dev(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < 16 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static int check(const struct nat_router *r)
{
	if ((r->gw_dev && !valid_dev(r->gw_dev)) || (r->gw_ip && !valid_ip(r->gw_ip)))
		return -EINVAL;
	for (size_t i = 0; i < r->ncidrs; i++)
		if (!valid_cidr(r->cidrs[i]))
			return -EINVAL;
	for (size_t i = 0; i < r->nfips; i++)
		if (!valid_ip(r->fips[i].floating_ip) || !valid_ip(r->fips[i].fixed_ip))
			return -EINVAL;
	return 0;
}

static void put_set(FILE *f, const char *const *cidrs, size_t n)
{
	fputs("{ ", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", cidrs[i]);
	fputs(" }", f);
}

int nat_rules_build(const struct nat_router *r, char **out)
{
	/* Floating IPs and the gateway address need the gateway leg. */
	bool gw = r->gw_dev && r->gw_ip;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc = check(r);

	*out = NULL;
	if (rc < 0)
		return rc;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fputs("chain prerouting {\n\ttype nat hook prerouting priority dstnat; policy accept;\n", f);
	for (size_t i = 0; r->gw_dev && i < r->nfips; i++)
		fprintf(f, "\tip daddr %s dnat to %s\n", r->fips[i].floating_ip, r->fips[i].fixed_ip);
	fputs("}\n", f);
	fputs("chain postrouting {\n\ttype nat hook postrouting priority srcnat; policy accept;\n", f);
	if (r->ncidrs > 0) {
		/* A guest reaching a floating IP of its own router: without
		 * this the answer would go straight back, bypassing the NAT. */
		if (gw && r->nfips > 0) {
			fputs("\tip saddr ", f);
			put_set(f, r->cidrs, r->ncidrs);
			fprintf(f, " ct status dnat snat to %s\n", r->gw_ip);
		}
		fputs("\tip saddr ", f);
		put_set(f, r->cidrs, r->ncidrs);
		fputs(" ip daddr ", f);
		put_set(f, r->cidrs, r->ncidrs);
		fputs(" accept\n", f);
	}
	for (size_t i = 0; r->gw_dev && i < r->nfips; i++)
		fprintf(f, "\toifname \"%s\" ip saddr %s snat to %s\n", r->gw_dev,
			r->fips[i].fixed_ip, r->fips[i].floating_ip);
	if (gw && r->snat && r->ncidrs > 0) {
		fprintf(f, "\toifname \"%s\" ip saddr ", r->gw_dev);
		put_set(f, r->cidrs, r->ncidrs);
		fprintf(f, " snat to %s\n", r->gw_ip);
	}
	fputs("}\n", f);
	if (fclose(f) != 0 || !text) {
		free(text);
		return -ENOMEM;
	}
	*out = text;
	return 0;
}
