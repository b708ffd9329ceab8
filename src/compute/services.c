/* services.c - Nova's os-services: the compute hosts as nova-compute
 * services and each controller's nova-scheduler and nova-conductor
 * (controller_services.c), listed (host and binary filters) and updated
 * the way each microversion does it (below 2.53 by host and binary
 * through the enable, disable, disable-log-reason and force-down actions;
 * from 2.53 by the service's uuid). As Nova's, only a nova-compute service
 * can be updated: the others are 400. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

/* Basalt's compute hosts are Nova's nova-compute services. */
#define BINARY "nova-compute"

/* A row of host_query as os-services shows it at the request's
 * microversion: the integer id and no forced_down below 2.11, the uuid
 * from 2.53. */
static json_t *render_service(const struct http_request *req, struct store_stmt *q)
{
	const char *reason = store_text(q, 3);
	char zone[256];
	json_t *s;

	/* The host's zone (its aggregates'); the default one on a failure. */
	if (aggregate_host_zone(basalt_store(req->b), store_text(q, 0), zone) < 0)
		snprintf(zone, sizeof(zone), "%s", AZ_DEFAULT);
	s = json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "id", host_service_id(req, q),
			      "binary", BINARY, "host", store_text(q, 0), "zone", zone, "status",
			      store_bool(q, 2) ? "enabled" : "disabled", "state",
			      host_state(req->b, q), "updated_at", nova_time(store_int(q, 4)),
			      "disabled_reason", reason ? json_string(reason) : json_null());

	if (microversion_at_least(req, 2, 11))
		json_object_set_new(s, "forced_down", json_boolean(store_bool(q, 16)));
	return s;
}

/* A row of ctlsvc_query as os-services shows it: always enabled (Nova
 * updates no service but nova-compute) and never forced down. */
static json_t *render_controller_service(const struct http_request *req, struct store_stmt *q)
{
	json_t *s = json_pack(
	    "{s:o,s:s,s:s,s:s,s:s,s:s,s:o,s:n}", "id",
	    microversion_at_least(req, 2, 53) ? json_string(store_text(q, 2))
					      : json_integer(store_int(q, 3)),
	    "binary", store_text(q, 1), "host", store_text(q, 0), "zone", AZ_INTERNAL, "status",
	    "enabled", "state", host_alive(req->b, store_int(q, 4)) ? "up" : "down", "updated_at",
	    nova_time(store_int(q, 4)), "disabled_reason");

	if (microversion_at_least(req, 2, 11))
		json_object_set_new(s, "forced_down", json_false());
	return s;
}

/* Append every row of q rendered to list; 0 or -errno. */
static int append_rows(struct http_request *req, json_t *list, nova_render_fn render,
		       struct store_stmt *q)
{
	int r;

	while ((r = store_next(q)) > 0)
		json_array_append_new(list, render(req, q));
	store_done(q);
	return r;
}

/* GET /os-services[?host=H][&binary=B]: the compute services, then the
 * controllers' (by host). */
int h_service_list_nova(struct http_request *req, struct http_response *res)
{
	const char *binary = http_query(req, "binary"), *host = http_query(req, "host");
	struct store *st = basalt_store(req->b);
	_cleanup_json_ json_t *list = json_array();
	struct store_stmt *q;
	int r = 0;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	/* Nova ignores an empty filter. */
	if (host && !host[0])
		host = NULL;
	if (binary && !binary[0])
		binary = NULL;
	if (!binary || strcmp(binary, BINARY) == 0) {
		r = host_query(st, host, NULL, NULL, NULL, &q);
		if (r >= 0)
			r = append_rows(req, list, render_service, q);
	}
	if (r >= 0) {
		r = ctlsvc_query(st, host, binary, NULL, &q);
		if (r >= 0)
			r = append_rows(req, list, render_controller_service, q);
	}
	if (r < 0)
		return http_error_errno(res, r, "services");
	return http_reply(res, 200, json_pack("{s:O}", "services", list));
}

/* Nova's 400 for an update of a service that is not nova-compute. */
static int not_compute(struct http_response *res, const char *binary)
{
	return http_error(res, 400, "Updating a %s service is not supported. Only nova-compute services can be updated.",
			  binary);
}

/* 1 with the binary of the controller's service of uuid id in binary, 0 when there is none, or -errno. */
static int controller_service_binary(struct store *st, const char *id, char binary[64])
{
	struct store_stmt *q;
	int r = ctlsvc_query(st, NULL, NULL, id, &q);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(binary, 64, "%s", store_text(q, 1));
	store_done(q);
	return r;
}

/* The service_id of the compute service on host (below 2.53 a service
 * is named by host and binary): 0, or Nova's 404 in res (returns -1). */
static int service_by_host(struct http_response *res, struct store *st, const char *host,
			   const char *binary, char service_id[65])
{
	int r = host_service_of(st, host, service_id);

	if (r == -ENOENT)
		return http_error(res, 404, "Host '%s' is not mapped to any cell", host);
	if (r < 0)
		return http_error_errno(res, r, "service");
	return 0;
}

/* Below 2.53: PUT /os-services/{enable|disable|disable-log-reason|
 * force-down} with {"host", "binary"} (and "disabled_reason" or
 * "forced_down"); the reply echoes what changed, as Nova's does. */
static int update_by_host(struct http_request *req, struct http_response *res,
			  const char *action)
{
	static const struct jfield fields[] = {
		{ "host", J_STRING, true, 255 },
		{ "binary", J_STRING, true, 255 },
		{ "disabled_reason", J_STRING, false, 255 },
		{ "forced_down", J_BOOL, false, 0 },
	};
	_cleanup_json_ json_t *body = http_body_json(req, res);
	const char *status = NULL, *reason = NULL, *host, *binary;
	char err[256], sid[65];
	int forced = -1, r;
	struct store *st;
	json_t *out;

	if (!body)
		return -1;
	if (strcmp(action, "enable") == 0)
		status = "enabled";
	else if (strcmp(action, "disable") == 0 || strcmp(action, "disable-log-reason") == 0)
		status = "disabled";
	else if (strcmp(action, "force-down") != 0 || !microversion_at_least(req, 2, 11))
		return http_error(res, 404, "Unknown action");
	if (json_check(body, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	host = json_str(body, "host");
	binary = json_str(body, "binary");
	if (strcmp(action, "disable-log-reason") == 0) {
		reason = json_str(body, "disabled_reason");
		if (!reason)
			return http_error(res, 400, "Missing disabled reason field");
	}
	if (strcmp(action, "force-down") == 0) {
		if (!json_is_boolean(json_object_get(body, "forced_down")))
			return http_error(res, 400, "Missing forced_down field");
		forced = json_is_true(json_object_get(body, "forced_down"));
	}
	/* Nova's check before it looks for the host. */
	if (strcmp(binary, BINARY) != 0)
		return not_compute(res, binary);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = service_by_host(res, st, host, binary, sid);
	if (r >= 0)
		r = host_service_update(st, sid, status, reason, forced);
	if (api_write_end(res, st, r, "service") < 0)
		return -1;
	out = json_pack("{s:s,s:s}", "host", host, "binary", binary);
	if (status)
		json_object_set_new(out, "status", json_string(status));
	if (reason)
		json_object_set_new(out, "disabled_reason", json_string(reason));
	if (forced >= 0)
		json_object_set_new(out, "forced_down", json_boolean(forced));
	return http_reply(res, 200, json_pack("{s:o}", "service", out));
}

/* From 2.53: PUT /os-services/{service_id} with any of "status",
 * "disabled_reason" (only with status disabled) and "forced_down";
 * replies with the whole service. */
static int update_by_id(struct http_request *req, struct http_response *res, const char *id)
{
	static const struct jfield fields[] = {
		{ "status", J_STRING, false, 16 },
		{ "disabled_reason", J_STRING, false, 255 },
		{ "forced_down", J_BOOL, false, 0 },
	};
	_cleanup_json_ json_t *body = http_body_json(req, res);
	const char *status, *reason;
	const json_t *fd;
	struct store *st;
	char err[256], binary[64];
	int r;

	if (!body)
		return -1;
	if (json_check(body, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	/* Nova finds the service before it reads the body's values. */
	st = basalt_store(req->b);
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = controller_service_binary(st, id, binary);
	if (r < 0)
		return http_error_errno(res, r, "service");
	if (r > 0)
		return not_compute(res, binary);
	status = json_str(body, "status");
	reason = json_str(body, "disabled_reason");
	fd = json_object_get(body, "forced_down");
	if (status && strcmp(status, "enabled") != 0 && strcmp(status, "disabled") != 0)
		return http_error(res, 400, "Invalid input for field/attribute status. Value: %s. '%s' is not one of ['enabled', 'disabled']", status, status);
	if (reason && (!status || strcmp(status, "disabled") != 0))
		return http_error(res, 400, "Specifying 'disabled_reason' with status 'enabled' is invalid.");
	if (!status && !fd)
		return http_error(res, 400, "At least one of 'status' or 'forced_down' must be specified in the request body.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = host_service_update(st, id, status, reason, fd ? json_is_true(fd) : -1);
	if (r == -ENOENT)
		r = http_error(res, 404, "Service with ID %s could not be found.", id);
	if (api_write_end(res, st, r, "service") < 0)
		return -1;
	st = basalt_store(req->b);
	if (!st)
		return http_error_errno(res, -EIO, "store");
	struct store_stmt *q;
	r = host_query(st, NULL, id, NULL, NULL, &q);
	if (r < 0)
		return http_error_errno(res, r, "service");
	return nova_reply_first(req, res, 200, "service", render_service, "Service with ID", id, q);
}

int h_service_update_nova(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "service_id");

	if (microversion_at_least(req, 2, 53))
		return update_by_id(req, res, id);
	return update_by_host(req, res, id);
}
