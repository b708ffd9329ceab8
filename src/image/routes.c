/* routes.c (image) - Glance v2's routes, version discovery and the image
 * schemas clients read to tell core attributes from custom properties. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "http/http.h"
#include "image/image.h"

#define R(rule, method, path, handler)                                                     \
	{                                                                                          \
		rule, method, path, handler, NULL                                          \
	}

static const struct route routes[] = {
	R("image:versions", "GET", "/image", h_image_versions),
	R("image:versions", "GET", "/image/versions", h_image_versions),
	R("image:get_schema", "GET", "/image/v2/schemas/image", h_image_schema),
	R("image:get_schema", "GET", "/image/v2/schemas/images", h_image_schemas),
	R("image:get_images", "GET", "/image/v2/images", h_image_list),
	R("image:add_image", "POST", "/image/v2/images", h_image_create),
	R("image:get_image", "GET", "/image/v2/images/{image_id}", h_image_get),
	R("image:modify_image", "PATCH", "/image/v2/images/{image_id}", h_image_update),
	R("image:delete_image", "DELETE", "/image/v2/images/{image_id}", h_image_delete),
	R("image:download_image", "GET", "/image/v2/images/{image_id}/file", h_image_download),
	{ "image:upload_image", "PUT", "/image/v2/images/{image_id}/file", NULL,
	  &image_upload_stream },
};

const struct route_table image_routes = { routes, ARRAY_SIZE(routes) };

/* Glance lists every v2 minor it speaks; v2.6 is the newest whose
 * features (no import, no multi-store) we do not need to offer. */
int h_image_versions(struct http_request *req, struct http_response *res)
{
	static const char *const ids[] = { "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0" };
	json_t *list = json_array();
	char url[1024];

	snprintf(url, sizeof(url), "%s/image/v2/", http_base_url(req));
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		json_array_append_new(list, json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "id", ids[i],
						      "status", i == 0 ? "CURRENT" : "SUPPORTED",
						      "links", "rel", "self", "href", url));
	/* GET /versions answers 200, the bare root 300 Multiple Choices. */
	return http_reply(res, strstr(req->path, "versions") ? 200 : 300,
			  json_pack("{s:o}", "versions", list));
}

static json_t *image_schema(void)
{
	json_t *s = json_object(), *p = json_object();

	json_object_set_new(s, "name", json_string("image"));
	json_object_set_new(s, "additionalProperties", json_pack("{s:s}", "type", "string"));
	json_object_set_new(p, "id",
			    json_pack("{s:s,s:s,s:b,s:s}", "type", "string", "description",
				      "An identifier for the image", "readOnly", 1, "pattern",
				      "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
				      "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"));
	json_object_set_new(p, "name",
			    json_pack("{s:[s,s],s:i}", "type", "null", "string", "maxLength", 255));
	json_object_set_new(p, "status",
			    json_pack("{s:s,s:b,s:[s,s,s,s,s,s,s,s]}", "type", "string", "readOnly",
				      1, "enum", "queued", "saving", "active", "killed", "deleted",
				      "uploading", "importing", "pending_delete"));
	json_object_set_new(p, "visibility",
			    json_pack("{s:s,s:[s,s,s,s]}", "type", "string", "enum", "community",
				      "public", "private", "shared"));
	json_object_set_new(p, "protected", json_pack("{s:s}", "type", "boolean"));
	json_object_set_new(p, "os_hidden", json_pack("{s:s}", "type", "boolean"));
	json_object_set_new(p, "checksum",
			    json_pack("{s:[s,s],s:b,s:i}", "type", "null", "string", "readOnly", 1,
				      "maxLength", 32));
	json_object_set_new(p, "os_hash_algo",
			    json_pack("{s:[s,s],s:b,s:i}", "type", "null", "string", "readOnly", 1,
				      "maxLength", 64));
	json_object_set_new(p, "os_hash_value",
			    json_pack("{s:[s,s],s:b,s:i}", "type", "null", "string", "readOnly", 1,
				      "maxLength", 128));
	json_object_set_new(p, "owner",
			    json_pack("{s:[s,s],s:i}", "type", "null", "string", "maxLength", 255));
	json_object_set_new(p, "size",
			    json_pack("{s:[s,s],s:b}", "type", "null", "integer", "readOnly", 1));
	json_object_set_new(p, "virtual_size",
			    json_pack("{s:[s,s],s:b}", "type", "null", "integer", "readOnly", 1));
	json_object_set_new(p, "container_format",
			    json_pack("{s:[s,s],s:[s,s,s,s,s,s,s,s,n]}", "type", "null", "string",
				      "enum", "ami", "ari", "aki", "bare", "ovf", "ova", "docker",
				      "compressed"));
	json_object_set_new(p, "disk_format",
			    json_pack("{s:[s,s],s:[s,s,s,s,s,s,s,s,s,s,s,n]}", "type", "null",
				      "string", "enum", "ami", "ari", "aki", "vhd", "vhdx", "vmdk",
				      "raw", "qcow2", "vdi", "iso", "ploop"));
	json_object_set_new(p, "created_at",
			    json_pack("{s:s,s:b}", "type", "string", "readOnly", 1));
	json_object_set_new(p, "updated_at",
			    json_pack("{s:s,s:b}", "type", "string", "readOnly", 1));
	json_object_set_new(p, "tags",
			    json_pack("{s:s,s:{s:s,s:i}}", "type", "array", "items", "type",
				      "string", "maxLength", 255));
	json_object_set_new(p, "min_ram", json_pack("{s:s}", "type", "integer"));
	json_object_set_new(p, "min_disk", json_pack("{s:s}", "type", "integer"));
	json_object_set_new(p, "self", json_pack("{s:s,s:b}", "type", "string", "readOnly", 1));
	json_object_set_new(p, "file", json_pack("{s:s,s:b}", "type", "string", "readOnly", 1));
	json_object_set_new(p, "schema", json_pack("{s:s,s:b}", "type", "string", "readOnly", 1));
	json_object_set_new(p, "direct_url",
			    json_pack("{s:s,s:b}", "type", "string", "readOnly", 1));
	json_object_set_new(p, "locations", json_pack("{s:s}", "type", "array"));
	json_object_set_new(s, "properties", p);
	json_object_set_new(s, "links",
			    json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "rel", "self", "href",
				      "{self}", "rel", "enclosure", "href", "{file}", "rel",
				      "describedby", "href", "{schema}"));
	return s;
}

int h_image_schema(struct http_request *req, struct http_response *res)
{
	return http_reply(res, 200, image_schema());
}

int h_image_schemas(struct http_request *req, struct http_response *res)
{
	return http_reply(
	    res, 200,
	    json_pack(
		"{s:s,s:{s:{s:s,s:o},s:{s:s},s:{s:s},s:{s:s}},s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}",
		"name", "images", "properties", "images", "type", "array", "items", image_schema(),
		"schema", "type", "string", "first", "type", "string", "next", "type", "string",
		"links", "rel", "first", "href", "{first}", "rel", "next", "href", "{next}", "rel",
		"describedby", "href", "{schema}"));
}
