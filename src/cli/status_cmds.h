/* status_cmds.h - basalt status (alias doctor), in status_cmds.c. */
#ifndef BASALT_STATUS_CMDS_H
#define BASALT_STATUS_CMDS_H

#include "cli/cli.h"

/* Check the controller, compute services, network agents, DHCP, routers
 * and the overlay MTU; print one line per check and a summary (or JSON
 * with -f json). 0 when nothing failed, -EIO (nothing more to print) when
 * a check failed, -errno on other errors. */
int cmd_status(struct cli *cli, const struct cli_args *a);

#endif
