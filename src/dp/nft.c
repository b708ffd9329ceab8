/* nft.c - nftables tables through libnftables: a table replaced whole in
 * one transaction, deleted, listed. Runs inside the namespace because
 * libnftables opens its netlink socket where the thread is. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

/* libnftables keeps process-wide state (symbol tables, GMP setup) that its
 * contexts share without locking; one command at a time per process. */
static pthread_mutex_t nft_lock = PTHREAD_MUTEX_INITIALIZER;

static bool family_valid(const char *f)
{
	static const char *const families[] = { "ip", "ip6", "inet", "arp", "bridge", "netdev" };

	for (size_t i = 0; f && i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(f, families[i]) == 0)
			return true;
	return false;
}

/* Table names go into command text: letters, digits, '_', '-', '.' only,
 * so a name can never end one command and start another. */
static bool table_name_valid(const char *n)
{
	size_t len = n ? strlen(n) : 0;

	if (len == 0 || len > 64 || !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')))
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || *n == '_' || *n == '-' || *n == '.'))
			return false;
	return true;
}

struct nft_job {
	const char *cmd;
	char *out; /* malloc'd copy of the output (list) */
	char err[512];
};

/* nft reports failures as text; recover the errno the kernel gave. */
static int nft_errno(const char *msg)
{
	if (strstr(msg, "No such file or directory"))
		return -ENOENT;
	if (strstr(msg, "Operation not permitted"))
		return -EPERM;
	if (strstr(msg, "File exists"))
		return -EEXIST;
	if (strstr(msg, "Device or resource busy"))
		return -EBUSY;
	return -EINVAL; /* syntax or semantic error in the ruleset text */
}

static int nft_run_here(void *arg)
{
	struct nft_job *j = arg;
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *e, *o;
	int r;

	if (!ctx)
		return -ENOMEM;
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		nft_ctx_free(ctx);
		return -ENOMEM;
	}
	r = nft_run_cmd_from_buffer(ctx, j->cmd);
	e = nft_ctx_get_error_buffer(ctx);
	o = nft_ctx_get_output_buffer(ctx);
	if (r != 0) {
		snprintf(j->err, sizeof(j->err), "%s", e && *e ? e : "nft command failed");
		r = nft_errno(j->err);
	} else if (o) {
		j->out = strdup(o);
		if (!j->out)
			r = -ENOMEM;
	}
	nft_ctx_free(ctx);
	return r;
}

static int nft_run(const char *ns, struct nft_job *j)
{
	int r;

	pthread_mutex_lock(&nft_lock);
	r = dp_netns_run(ns, nft_run_here, j);
	pthread_mutex_unlock(&nft_lock);
	return r;
}

/* The first line of nft's message, for one log line. */
static const char *first_line(char *s)
{
	char *nl = strchr(s, '\n');

	if (nl)
		*nl = '\0';
	return s;
}

int dp_nft_table_replace(const char *ns, const char *family, const char *name, const char *body,
			 char *err, size_t errlen)
{
	struct nft_job j = { 0 };
	char *cmd;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!family_valid(family) || !table_name_valid(name) || !body) {
		log_error("nft table %s %s in %s: invalid family, name or body",
			  family ? family : "(null)", name ? name : "(null)", dp_ns_label(ns));
		if (err && errlen)
			snprintf(err, errlen, "invalid family, name or body");
		return -EINVAL;
	}
	/* add + delete + define in one buffer is one transaction: the kernel
	 * swaps the whole table or, on any error, keeps the old one. The add
	 * makes the delete valid when the table does not exist yet. */
	if (asprintf(&cmd, "add table %s %s\ndelete table %s %s\ntable %s %s {\n%s\n}\n", family,
		     name, family, name, family, name, body) < 0)
		return -ENOMEM;
	j.cmd = cmd;
	r = nft_run(ns, &j);
	free(j.out);
	free(cmd);
	if (r < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s", j.err);
		log_error("nft table %s %s in %s: %s", family, name, dp_ns_label(ns),
			  j.err[0] ? first_line(j.err) : strerror(-r));
	}
	return r;
}

int dp_nft_table_del(const char *ns, const char *family, const char *name)
{
	struct nft_job j = { 0 };
	char cmd[256];
	int r;

	if (!family_valid(family) || !table_name_valid(name)) {
		log_error("nft table del %s %s in %s: invalid family or name",
			  family ? family : "(null)", name ? name : "(null)", dp_ns_label(ns));
		return -EINVAL;
	}
	if (ns && !dp_netns_exists(ns))
		return 0;
	/* add first: deleting a table that is gone already succeeds. */
	snprintf(cmd, sizeof(cmd), "add table %s %s\ndelete table %s %s\n", family, name, family,
		 name);
	j.cmd = cmd;
	r = nft_run(ns, &j);
	free(j.out);
	if (r < 0)
		log_error("nft table del %s %s in %s: %s", family, name, dp_ns_label(ns),
			  j.err[0] ? first_line(j.err) : strerror(-r));
	return r;
}

int dp_nft_table_list(const char *ns, const char *family, const char *prefix, char ***names,
		      size_t *n)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	struct nft_job j = { 0 };
	char cmd[64], *save = NULL;
	int r;

	*names = NULL;
	*n = 0;
	if (!family_valid(family)) {
		log_error("nft table list in %s: invalid family %s", dp_ns_label(ns),
			  family ? family : "(null)");
		return -EINVAL;
	}
	snprintf(cmd, sizeof(cmd), "list tables %s\n", family);
	j.cmd = cmd;
	r = nft_run(ns, &j);
	/* Output lines: "table FAMILY NAME". */
	for (char *line = r < 0 || !j.out ? NULL : strtok_r(j.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char fam[16], tname[128];

		if (sscanf(line, "table %15s %127s", fam, tname) != 2 || strcmp(fam, family) != 0 ||
		    (plen && strncmp(tname, prefix, plen) != 0))
			continue;
		r = dp_names_push(names, n, tname);
		if (r < 0)
			break;
	}
	free(j.out);
	if (r < 0) {
		dp_names_free(*names, *n);
		*names = NULL;
		*n = 0;
		log_error("nft table list %s in %s: %s", family, dp_ns_label(ns),
			  j.err[0] ? first_line(j.err) : strerror(-r));
	}
	return r;
}
