/* json.c - strict validation of request bodies against a field table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"

static const char *type_name(enum jtype t)
{
	switch (t) {
	case J_STRING:
		return "'string'";
	case J_STRING_NULL:
		return "'string', 'null'";
	case J_BOOL:
		return "'boolean'";
	case J_OBJECT:
		return "'object'";
	case J_ARRAY:
		return "'array'";
	default:
		return "'any'";
	}
}

static bool type_ok(const json_t *v, enum jtype t)
{
	switch (t) {
	case J_STRING:
		return json_is_string(v);
	case J_STRING_NULL:
		return json_is_string(v) || json_is_null(v);
	case J_BOOL:
		return json_is_boolean(v);
	case J_OBJECT:
		return json_is_object(v);
	case J_ARRAY:
		return json_is_array(v);
	default:
		return true;
	}
}

int json_check(const json_t *obj, const struct jfield *fields, size_t nfields, char *err,
	       size_t errlen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		snprintf(err, errlen, "Invalid input: the request body must be an object.");
		return -EINVAL;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		const struct jfield *f = NULL;
		for (size_t i = 0; i < nfields; i++)
			if (strcmp(fields[i].name, key) == 0)
				f = &fields[i];
		for (size_t i = 0; !f && i < nfields; i++)
			if (strcmp(fields[i].name, "*") == 0)
				f = &fields[i];
		if (f && strcmp(f->name, "*") == 0)
			continue;
		if (!f) {
			snprintf(err, errlen,
				 "Invalid input for field '%.64s': Additional properties are not "
				 "allowed ('%.64s' was unexpected).",
				 key, key);
			return -EINVAL;
		}
		if (!type_ok(v, f->type)) {
			snprintf(err, errlen, "Invalid input for field '%s': is not of type %s.",
				 f->name, type_name(f->type));
			return -EINVAL;
		}
		if (json_is_string(v)) {
			size_t max = f->max_len ? f->max_len : 255;
			size_t len = json_string_length(v);
			if (len > max) {
				snprintf(err, errlen,
					 "Invalid input for field '%s': is too long (at most %zu "
					 "characters).",
					 f->name, max);
				return -EINVAL;
			}
			if (memchr(json_string_value(v), '\0', len)) {
				snprintf(err, errlen,
					 "Invalid input for field '%s': contains a NUL character.",
					 f->name);
				return -EINVAL;
			}
		}
	}
	for (size_t i = 0; i < nfields; i++) {
		if (fields[i].required && !json_object_get(obj, fields[i].name)) {
			snprintf(err, errlen,
				 "Invalid input for field '%s': '%s' is a required property.",
				 fields[i].name, fields[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

const char *json_str(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}
