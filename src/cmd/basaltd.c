/* basaltd.c - the Basalt daemon: runs a node's roles, or one of the
 * maintenance commands (bootstrap, token-keys rotate, credential-keys
 * rotate, config-sample). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "agent/agent.h"
#include "compute/compute.h"
#include "identity/identity.h"
#include "image/image.h"
#include "store/store.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: basaltd --config FILE --role ROLE[,ROLE...]\n"
	    "       basaltd --config FILE bootstrap --admin-password PW [--admin-username NAME]\n"
	    "               [--admin-project NAME] [--region NAME] [--public-url URL]\n"
	    "       basaltd --config FILE token-keys rotate\n"
	    "       basaltd --config FILE credential-keys rotate\n"
	    "       basaltd --config FILE db export FILE   (the whole store as JSON; - stdout)\n"
	    "       basaltd --config FILE db import FILE   (into a new [database] connection)\n"
	    "       basaltd config-sample\n"
	    "       basaltd routes              (every API route: METHOD PATH ACTION)\n"
	    "roles: controller, compute, network, or any comma list of them:\n"
	    "       --role controller,network, --role controller,compute,network\n");
}

/* basaltd db export|import FILE: move a cloud between stores (SQLite to
 * PostgreSQL: export with the old [database] connection, import with the
 * new one; docs/install.md). The controllers are stopped meanwhile. */
static int cmd_db(struct basalt *b, bool export, const char *path)
{
	struct store *st = basalt_store(b);
	bool std = strcmp(path, "-") == 0;
	FILE *f;
	int r;

	if (!st)
		return -EIO;
	if (export) {
		r = store_migrate(st);
		if (r < 0)
			return r;
	}
	f = std ? (export ? stdout : stdin) : fopen(path, export ? "wx" : "r");
	if (!f) {
		log_error("db %s: %s: %s", export ? "export" : "import", path, strerror(errno));
		return -errno;
	}
	r = export ? store_export(st, f) : store_import(st, f);
	if (!std && fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r < 0)
		log_error("db %s failed: %s", export ? "export" : "import", strerror(-r));
	return r;
}

/* The roles named on the command line, comma-separated: "controller"
 * (the APIs) and the agent roles "compute" and "network" (*agent gets
 * AGENT_COMPUTE / AGENT_NETWORK). Returns 0 or -EINVAL. */
static int parse_roles(const char *list, bool *controller, unsigned *agent)
{
	char buf[128];

	*controller = false;
	*agent = 0;
	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (char *save = NULL, *r = strtok_r(buf, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		if (strcmp(r, "controller") == 0) {
			*controller = true;
		} else if (strcmp(r, "compute") == 0) {
			*agent |= AGENT_COMPUTE;
		} else if (strcmp(r, "network") == 0) {
			*agent |= AGENT_NETWORK;
		} else {
			log_error("unknown role '%s' (roles: controller, compute, network)", r);
			return -EINVAL;
		}
	}
	return *controller || *agent ? 0 : -EINVAL;
}

/* Run the node's roles in one process until SIGTERM or SIGINT: the
 * controller's API server and one agent for all of the agent roles.
 * SIGHUP reads the configuration again (basalt_reload). */
static int run_roles(struct basalt *b, bool controller, unsigned agent_roles)
{
	struct http_server *srv = NULL;
	struct agent_run *agent = NULL;
	sigset_t set;
	int sig, r = 0;

	/* Block the signals before any thread starts, then wait for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (controller) {
		r = basalt_open(b);
		/* Uploads cut off by a crash end as killed images, before
		 * anyone can see them stuck in "saving". */
		if (r >= 0)
			r = image_recover(b);
		/* Its nova-scheduler and nova-conductor rows, before it
		 * answers: it heartbeats them from the API server's watch
		 * thread. */
		if (r >= 0)
			r = ctlsvc_heartbeat(b);
		if (r >= 0)
			r = http_server_start(b, &srv);
	}
	if (r >= 0 && agent_roles)
		r = agent_start(b, agent_roles, &agent);
	while (r >= 0) {
		sigwait(&set, &sig);
		if (sig != SIGHUP) {
			log_info("signal %d: shutting down", sig);
			break;
		}
		basalt_reload(b);
	}
	agent_stop(agent);
	http_server_stop(srv);
	return r;
}

static int cmd_bootstrap(struct basalt *b, int argc, char **argv)
{
	struct bootstrap_opts o = {
		.admin_username = "admin",
		.admin_project = "admin",
		.region = b->cfg.region,
		.public_url = b->public_url,
	};
	static const struct option opts[] = {
		{ "admin-password", required_argument, NULL, 'p' },
		{ "admin-username", required_argument, NULL, 'u' },
		{ "admin-project", required_argument, NULL, 'P' },
		{ "region", required_argument, NULL, 'r' },
		{ "public-url", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.admin_password = optarg;
			break;
		case 'u':
			o.admin_username = optarg;
			break;
		case 'P':
			o.admin_project = optarg;
			break;
		case 'r':
			o.region = optarg;
			break;
		case 'U':
			o.public_url = optarg;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!o.admin_password)
		o.admin_password = getenv("BASALT_ADMIN_PASSWORD");
	if (!o.admin_password || !o.admin_password[0]) {
		log_error("bootstrap: --admin-password (or BASALT_ADMIN_PASSWORD) is required");
		return -EINVAL;
	}
	r = mkdir_p(b->cfg.state_dir, 0700);
	if (r < 0)
		return r;
	struct store *st = basalt_store(b);
	if (!st)
		return -EIO;
	r = store_migrate(st);
	if (r < 0)
		return r;
	return identity_bootstrap(b, &o);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *role = NULL;
	struct basalt b;
	int c, r;

	/* '+': stop at the first command word; it has options of its own. */
	while ((c = getopt_long(argc, argv, "+c:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && strcmp(argv[0], "config-sample") == 0) {
		config_print_sample(stdout);
		return 0;
	}
	if (argc > 0 && strcmp(argv[0], "routes") == 0) {
		http_routes_print(stdout);
		return 0;
	}
	if (basalt_init(&b, config) < 0)
		return 1;
	if (argc > 0 && strcmp(argv[0], "bootstrap") == 0) {
		r = cmd_bootstrap(&b, argc, argv);
	} else if (argc == 2 && strcmp(argv[0], "token-keys") == 0 &&
		   strcmp(argv[1], "rotate") == 0) {
		struct store *st = basalt_store(&b);
		r = st ? store_migrate(st) : -EIO;
		if (r == 0)
			r = token_keys_rotate_store(&b, b.cfg.max_active_keys);
	} else if (argc == 2 && strcmp(argv[0], "credential-keys") == 0 &&
		   strcmp(argv[1], "rotate") == 0) {
		struct store *st = basalt_store(&b);
		r = st ? store_migrate(st) : -EIO;
		if (r == 0)
			r = credential_keys_rotate(&b);
	} else if (argc == 3 && strcmp(argv[0], "db") == 0 &&
		   (strcmp(argv[1], "export") == 0 || strcmp(argv[1], "import") == 0)) {
		r = cmd_db(&b, strcmp(argv[1], "export") == 0, argv[2]);
	} else if (argc == 0 && role) {
		bool controller;
		unsigned agent_roles;
		r = parse_roles(role, &controller, &agent_roles);
		if (r == 0)
			r = run_roles(&b, controller, agent_roles);
	} else {
		usage(stderr);
		r = -EINVAL;
	}
	basalt_fini(&b);
	return r < 0 ? 1 : 0;
}
