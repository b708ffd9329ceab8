/* netnodectl.c - the network node's reconcile without a controller, for
 * tests/e2e/network_l3.sh:
 *   netnodectl CONFIG DESIRED REPORT [--once]
 * Reads the desired state (JSON, as the controller's document) from the
 * file DESIRED, reconciles it, and writes the report with "rc" (the
 * reconcile's result) to REPORT (atomically). Without --once it keeps the
 * metadata proxy serving and reconciles again whenever DESIRED changes,
 * until SIGTERM or SIGINT. */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/log.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static int round_once(struct agent *a, const char *desired_path, const char *report_path)
{
	json_error_t jerr;
	json_t *desired = json_load_file(desired_path, 0, &jerr), *report = json_object();
	char tmp[4096];
	int r;

	if (!desired || !report) {
		fprintf(stderr, "netnodectl: %s: %s\n", desired_path, jerr.text);
		json_decref(desired);
		json_decref(report);
		return -EINVAL;
	}
	r = netnode_reconcile(a, desired, report);
	json_object_set_new(report, "rc", json_integer(r));
	/* The test waits for the report of the document it wrote. */
	json_object_set(report, "etag", json_object_get(desired, "etag"));
	snprintf(tmp, sizeof(tmp), "%s.tmp", report_path);
	if (json_dump_file(report, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) < 0 ||
	    rename(tmp, report_path) < 0) {
		fprintf(stderr, "netnodectl: cannot write %s\n", report_path);
		r = r < 0 ? r : -EIO;
	}
	json_decref(desired);
	json_decref(report);
	return r;
}

int main(int argc, char **argv)
{
	struct basalt b;
	struct agent a;
	struct stat st, last = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	bool once = argc == 5 && strcmp(argv[4], "--once") == 0;
	int r;

	if (argc != 4 && !once) {
		fprintf(stderr, "usage: netnodectl CONFIG DESIRED REPORT [--once]\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	memset(&a, 0, sizeof(a));
	r = config_load(&b.cfg, argv[1]);
	if (r < 0) {
		fprintf(stderr, "netnodectl: config %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	log_set_level(LOG_INFO);
	a.b = &b;
	a.host = b.cfg.host;
	if (controllers_parse(b.cfg.agent_controller_url, &a.ctl) < 0) {
		fprintf(stderr, "netnodectl: [agent] controller_url: want http(s) URLs\n");
		config_free(&b.cfg);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = netnode_start(&a);
	if (r < 0) {
		fprintf(stderr, "netnodectl: start: %s\n", strerror(-r));
		config_free(&b.cfg);
		return 1;
	}
	if (once) {
		r = round_once(&a, argv[2], argv[3]);
	} else {
		while (!stopping) {
			/* A new file (rename) or a rewrite: reconcile again. */
			if (stat(argv[2], &st) == 0 &&
			    (st.st_ino != last.st_ino || st.st_mtim.tv_sec != last.st_mtim.tv_sec ||
			     st.st_mtim.tv_nsec != last.st_mtim.tv_nsec || st.st_size != last.st_size)) {
				last = st;
				round_once(&a, argv[2], argv[3]);
			}
			nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
		}
		r = 0;
	}
	netnode_stop(&a);
	controllers_free(&a.ctl);
	curl_global_cleanup();
	config_free(&b.cfg);
	return r < 0 ? 1 : 0;
}
