/* microversion.c - OpenStack microversion negotiation (the API-WG
 * OpenStack-API-Version header), for the services that have them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

/* Compute: the highest version whose behaviour Basalt really implements. */
const char *const compute_min_version = "2.1", *const compute_max_version = "2.61";
#define COMPUTE_MIN 1
#define COMPUTE_MAX 61

/* "2.53" -> 2, 53; returns 0 or -1. */
static int parse_version(const char *s, int *major, int *minor)
{
	char *end;
	long a, b;

	a = strtol(s, &end, 10);
	if (end == s || *end != '.')
		return -1;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (end == s || (*end && *end != ' ' && *end != ','))
		return -1;
	if (a < 0 || a > 99 || b < 0 || b > 999)
		return -1;
	*major = (int)a;
	*minor = (int)b;
	return 0;
}

/* The compute entry of "compute 2.53, placement 1.10", or NULL. */
static const char *find_service(const char *header, const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	for (const char *p = header; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == ' ') {
			const char *v = p + n + 1;
			size_t vl = strcspn(v, ",");
			if (vl >= len)
				return NULL;
			memcpy(buf, v, vl);
			buf[vl] = '\0';
			while (vl > 0 && buf[vl - 1] == ' ')
				buf[--vl] = '\0';
			return buf;
		}
		p = strchr(p, ',');
	}
	return NULL;
}

int microversion_negotiate(struct http_request *req, struct http_response *res, enum service svc)
{
	const char *want = NULL;
	char buf[32], echo[48];
	int major = 2, minor = COMPUTE_MIN;

	if (svc != SVC_COMPUTE)
		return 0;
	if (req->api_version)
		want = find_service(req->api_version, "compute", buf, sizeof(buf));
	if (!want && req->nova_version)
		want = req->nova_version;
	if (want && strcasecmp(want, "latest") == 0) {
		minor = COMPUTE_MAX;
	} else if (want) {
		if (parse_version(want, &major, &minor) < 0)
			return http_error(res, 400, "Invalid API version request: %.32s.", want);
		if (major != 2 || minor < COMPUTE_MIN || minor > COMPUTE_MAX)
			return http_error(res, 406,
					  "Version %.32s is not supported by the API. Minimum is %s "
					  "and maximum is %s.",
					  want, compute_min_version, compute_max_version);
	}
	req->api_major = major;
	req->api_minor = minor;
	snprintf(echo, sizeof(echo), "compute %d.%d", major, minor);
	http_header_add(res, "OpenStack-API-Version", echo);
	http_header_add(res, "X-OpenStack-Nova-API-Version", echo + 8);
	http_header_add(res, "Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
	return 0;
}

bool microversion_at_least(const struct http_request *req, int major, int minor)
{
	return req->api_major > major || (req->api_major == major && req->api_minor >= minor);
}
