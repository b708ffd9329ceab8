/* clouds.c - read clouds.yaml (and secure.yaml) like openstacksdk does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli/cli.h"
#include "core/cleanup.h"

#define YAML_MAX_DEPTH 32

/* Convert node (and its children) to an owned JSON value; NULL on error. */
static json_t *node_to_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	json_t *out;

	if (!node || depth > YAML_MAX_DEPTH)
		return NULL;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return json_stringn((const char *)node->data.scalar.value,
				    node->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		if (!(out = json_array()))
			return NULL;
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++) {
			json_t *v = node_to_json(doc, yaml_document_get_node(doc, *it), depth + 1);

			if (!v || json_array_append_new(out, v) < 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	case YAML_MAPPING_NODE:
		if (!(out = json_object()))
			return NULL;
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *v;

			if (!k || k->type != YAML_SCALAR_NODE) {
				json_decref(out);
				return NULL;
			}
			v = node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1);
			if (!v ||
			    json_object_set_new(out, (const char *)k->data.scalar.value, v) < 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	default:
		return json_null();
	}
}

int yaml_file_to_json(const char *path, json_t **out, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f;
	int r = 0;

	*out = NULL;
	if (!(f = fopen(path, "r")))
		return -errno;
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "YAML error");
		r = -EINVAL;
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&doc);

		*out = root ? node_to_json(&doc, root, 0) : json_object();
		if (!*out) {
			snprintf(err, errlen, "%s: unsupported YAML structure", path);
			r = -EINVAL;
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return r;
}

/* Merge src into dst recursively (objects merge, everything else replaces). */
static int merge(json_t *dst, json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach(src, k, v)
	{
		json_t *d = json_object_get(dst, k);

		if (json_is_object(d) && json_is_object(v)) {
			if (merge(d, v) < 0)
				return -ENOMEM;
		} else if (json_object_set(dst, k, v) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}

/* The clouds.NAME object of the YAML file path, owned, or NULL. Parse
 * errors are printed and returned. */
static int cloud_from_file(const char *path, const char *name, json_t **cloud)
{
	_cleanup_json_ json_t *doc = NULL;
	char err[256] = "";
	int r;

	*cloud = NULL;
	r = yaml_file_to_json(path, &doc, err, sizeof(err));
	if (r == -EINVAL)
		fprintf(stderr, "basalt: %s\n", err);
	if (r < 0)
		return r;
	json_t *c = json_object_get(json_object_get(doc, "clouds"), name);
	if (!json_is_object(c))
		return -ENOENT;
	*cloud = json_incref(c);
	return 0;
}

int clouds_load(const char *name, json_t **cloud)
{
	const char *home = getenv("HOME");
	const char *env = getenv("OS_CLIENT_CONFIG_FILE");
	_cleanup_free_ char *user_dir = NULL;
	const char *dirs[3] = { ".", NULL, "/etc/openstack" };
	int r;

	*cloud = NULL;
	if (home && asprintf(&user_dir, "%s/.config/openstack", home) < 0)
		return -ENOMEM;
	dirs[1] = user_dir;
	if (env) {
		r = cloud_from_file(env, name, cloud);
		if (r != -ENOENT)
			return r;
	}
	for (size_t i = 0; i < 3 && !*cloud; i++) {
		_cleanup_free_ char *path = NULL;

		if (!dirs[i])
			continue;
		if (asprintf(&path, "%s/clouds.yaml", dirs[i]) < 0)
			return -ENOMEM;
		r = cloud_from_file(path, name, cloud);
		if (r == -EINVAL || r == -ENOMEM)
			return r;
	}
	if (!*cloud)
		return -ENOENT;
	/* Secrets may live apart in secure.yaml, same layout; it wins. */
	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *path = NULL;
		_cleanup_json_ json_t *secure = NULL;

		if (!dirs[i])
			continue;
		if (asprintf(&path, "%s/secure.yaml", dirs[i]) < 0)
			return -ENOMEM;
		if (cloud_from_file(path, name, &secure) == 0) {
			r = merge(*cloud, secure);
			if (r < 0) {
				json_decref(*cloud);
				*cloud = NULL;
				return r;
			}
			break;
		}
	}
	return 0;
}
