/* hvctl.c - a command line over the hv drivers, for tests:
 *   hvctl spawn ID BASE VCPUS RAM_MB DISK_GB [FORMAT] | state ID | stop ID | start ID
 *         | reboot ID [hard] | destroy ID | list | console ID
 *         | resize ID VCPUS RAM_MB DISK_GB [EPHEMERAL_GB] | resize-finish ID revert|confirm
 *         | snapshot ID PATH | nics ID | nic-attach ID TAP MAC | nic-detach ID TAP
 *         | inspect FILE FORMAT [MAX_BYTES]
 *         | pause ID | unpause ID | suspend ID | rescue ID BASE [FORMAT] | unrescue ID
 *         | qmp ID COMMAND (prints QMP's "return" as JSON)
 * inspect prints what core/diskimg.c sees in FILE and its verdict for FORMAT
 * as one JSON object (tests/image/vet.sh compares it with qemu-img info).
 * Environment: HV_INSTANCES (required), HV_VIRT_TYPE (default qemu),
 * HV_SHUTDOWN_TIMEOUT (seconds, default 10), HV_QEMU_USER (run QEMU as
 * that user, as the agent's [compute] qemu_user), HV_NICS (spawn: NICs on
 * existing taps, "TAP=MAC[,TAP=MAC...]"), HV_META (spawn: a config drive
 * with this meta_data.json), HV_USER_DATA (spawn: and this user data),
 * HV_EPHEMERAL (spawn: an ephemeral disk of this many GiB). spawn vets BASE as FORMAT
 * (default qcow2) as the agent does. Exit 0 on success. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diskimg.h"
#include "core/log.h"
#include "hv/hv.h"

int main(int argc, char **argv)
{
	struct hv_config cfg = {
		.instances_path = getenv("HV_INSTANCES"),
		.virt_type = getenv("HV_VIRT_TYPE") ? getenv("HV_VIRT_TYPE") : "qemu",
		.shutdown_timeout =
		    getenv("HV_SHUTDOWN_TIMEOUT") ? atoi(getenv("HV_SHUTDOWN_TIMEOUT")) : 10,
		.qemu_user = getenv("HV_QEMU_USER"),
	};
	struct hv_nic nics[8];
	size_t nnics = 0;
	char *spec_nics = getenv("HV_NICS") ? strdup(getenv("HV_NICS")) : NULL, *save = NULL;

	for (char *t = spec_nics ? strtok_r(spec_nics, ",", &save) : NULL; t && nnics < 8;
	     t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (!eq)
			continue;
		*eq = '\0';
		snprintf(nics[nnics].tap, sizeof(nics[nnics].tap), "%s", t);
		snprintf(nics[nnics].mac, sizeof(nics[nnics].mac), "%s", eq + 1);
		nnics++;
	}
	free(spec_nics);
	struct hv_driver *d;
	char err[HV_ERR_MAX] = "";
	const char *cmd = argc > 1 ? argv[1] : "", *id = argc > 2 ? argv[2] : "";
	int r;

	log_set_level(LOG_WARNING);
	if (!cfg.instances_path || argc < 2) {
		fprintf(stderr, "usage: HV_INSTANCES=DIR hvctl spawn|state|stop|start|reboot|"
				"destroy|list|console|nics|nic-attach|nic-detach|diagnostics ...\n");
		return 2;
	}
	if (strcmp(cmd, "inspect") == 0)
		cfg.virt_type = "fake"; /* no instances touched */
	r = hv_driver_new(&cfg, &d);
	if (r < 0) {
		fprintf(stderr, "hvctl: driver: %s\n", strerror(-r));
		return 1;
	}
	if (strcmp(cmd, "spawn") == 0 && (argc == 7 || argc == 8)) {
		struct diskimg_info info = { 0 };
		struct hv_spec s = { .id = id,
				     .base = argv[3],
				     .base_format = argc == 8 ? argv[7] : "qcow2",
				     .vcpus = atoi(argv[4]),
				     .ram_mb = atoi(argv[5]),
				     .disk_gb = atoi(argv[6]),
				     .ephemeral_gb = getenv("HV_EPHEMERAL") ? atoi(getenv("HV_EPHEMERAL")) : 0,
				     .nics = nics,
				     .nnics = nnics,
				     .meta_data = getenv("HV_META"),
				     .user_data = (const unsigned char *)getenv("HV_USER_DATA"),
				     .user_data_len = getenv("HV_USER_DATA")
							  ? strlen(getenv("HV_USER_DATA"))
							  : 0 };
		r = diskimg_vet_file(s.base, s.base_format, 0, &info, err, sizeof(err));
		s.base_size = info.virtual_size;
		if (r == 0)
			r = d->spawn(d, &s, err);
	} else if (strcmp(cmd, "inspect") == 0 && (argc == 4 || argc == 5)) {
		struct diskimg_info info = { 0 };
		r = diskimg_vet_file(argv[2], argv[3], argc == 5 ? strtoull(argv[4], NULL, 10) : 0,
				     &info, err, sizeof(err));
		printf("{\"format\": \"%s\", \"virtual_size\": %llu, \"backing\": %s, "
		       "\"data_file\": %s, \"verdict\": \"%s\"}\n",
		       info.format ? info.format : "", (unsigned long long)info.virtual_size,
		       info.backing_file_offset ? "true" : "false",
		       info.data_file ? "true" : "false", r == 0 ? "ok" : err);
		r = 0;
	} else if (strcmp(cmd, "state") == 0 && argc == 3) {
		printf("%s\n", hv_power_name(d->state(d, id)));
		r = 0;
	} else if (strcmp(cmd, "stop") == 0 && argc == 3) {
		r = d->power_off(d, id);
	} else if (strcmp(cmd, "start") == 0 && argc == 3) {
		r = d->power_on(d, id, err);
	} else if (strcmp(cmd, "reboot") == 0 && (argc == 3 || argc == 4)) {
		r = d->reboot(d, id,
			      argc == 4 && strcmp(argv[3], "hard") == 0 ? HV_REBOOT_HARD
									: HV_REBOOT_SOFT,
			      err);
	} else if (strcmp(cmd, "resize") == 0 && (argc == 6 || argc == 7)) {
		struct hv_flavor fl = { atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
					argc == 7 ? atoi(argv[6]) : 0 };
		r = d->resize(d, id, &fl, err);
	} else if (strcmp(cmd, "resize-finish") == 0 && argc == 4) {
		r = d->resize_finish(d, id, strcmp(argv[3], "revert") == 0, err);
	} else if (strcmp(cmd, "snapshot") == 0 && argc == 4) {
		r = d->snapshot(d, id, argv[3], err);
	} else if (strcmp(cmd, "nics") == 0 && argc == 3) {
		json_t *taps = NULL, *t;
		size_t i;
		r = d->nic_list(d, id, &taps);
		json_array_foreach(taps, i, t)
			printf("%s\n", json_string_value(t));
		json_decref(taps);
	} else if (strcmp(cmd, "nic-attach") == 0 && argc == 5) {
		struct hv_nic n = { 0 };
		snprintf(n.tap, sizeof(n.tap), "%s", argv[3]);
		snprintf(n.mac, sizeof(n.mac), "%s", argv[4]);
		r = d->nic_attach(d, id, &n, err);
	} else if (strcmp(cmd, "nic-detach") == 0 && argc == 4) {
		r = d->nic_detach(d, id, argv[3], err);
	} else if (strcmp(cmd, "pause") == 0 && argc == 3) {
		r = d->pause(d, id, err);
	} else if (strcmp(cmd, "unpause") == 0 && argc == 3) {
		r = d->unpause(d, id, err);
	} else if (strcmp(cmd, "suspend") == 0 && argc == 3) {
		r = d->suspend(d, id, err);
	} else if (strcmp(cmd, "rescue") == 0 && (argc == 4 || argc == 5)) {
		r = d->rescue(d, id, argv[3], argc == 5 ? argv[4] : "qcow2", err);
	} else if (strcmp(cmd, "unrescue") == 0 && argc == 3) {
		r = d->unrescue(d, id, err);
	} else if (strcmp(cmd, "qmp") == 0 && argc == 4) {
		char sock[4096];
		struct qmp *q;
		json_t *ret = NULL;
		r = hv_path(d, id, "qmp.sock", sock, sizeof(sock));
		if (r == 0)
			r = qmp_open(sock, 5000, &q);
		if (r == 0) {
			r = qmp_execute(q, argv[3], NULL, &ret, err, sizeof(err));
			qmp_close(q);
		}
		if (r == 0) {
			char *t = json_dumps(ret, JSON_COMPACT);
			printf("%s\n", t ? t : "null");
			free(t);
		}
		json_decref(ret);
	} else if (strcmp(cmd, "diagnostics") == 0 && argc == 3) {
		json_t *rd = NULL;
		r = d->diagnostics(d, id, &rd, err);
		if (r == 0) {
			char *t = json_dumps(rd, JSON_COMPACT | JSON_SORT_KEYS);
			printf("%s\n", t ? t : "null");
			free(t);
		}
		json_decref(rd);
	} else if (strcmp(cmd, "destroy") == 0 && argc == 3) {
		r = d->destroy(d, id);
	} else if (strcmp(cmd, "list") == 0 && argc == 2) {
		char **ids;
		size_t n;
		r = hv_list(d, &ids, &n);
		for (size_t i = 0; r == 0 && i < n; i++)
			printf("%s\n", ids[i]);
		if (r == 0)
			hv_ids_free(ids, n);
	} else if (strcmp(cmd, "console") == 0 && argc == 3) {
		char *t;
		r = hv_console_tail(d, id, 65536, &t);
		if (r == 0) {
			fputs(t, stdout);
			free(t);
		}
	} else {
		fprintf(stderr, "hvctl: bad command\n");
		r = -22;
	}
	if (r < 0)
		fprintf(stderr, "hvctl %s %s: %s%s%s\n", cmd, id, strerror(-r), err[0] ? ": " : "",
			err);
	hv_driver_free(d);
	return r < 0 ? 1 : 0;
}
