/* image_cmds.h - basalt image list|show|create|save|delete (image_cmds.c). */
#ifndef BASALT_CLI_IMAGE_CMDS_H
#define BASALT_CLI_IMAGE_CMDS_H

struct cli;
struct cli_args;

/* image_cmds.c */
int cmd_image_list(struct cli *cli, const struct cli_args *a);
int cmd_image_show(struct cli *cli, const struct cli_args *a);
int cmd_image_create(struct cli *cli, const struct cli_args *a);
int cmd_image_save(struct cli *cli, const struct cli_args *a);
int cmd_image_delete(struct cli *cli, const struct cli_args *a);

#endif
