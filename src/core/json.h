/* json.h - strict validation of request bodies against a field table. */
#ifndef BASALT_JSON_H
#define BASALT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum jtype {
	J_STRING,      /* non-empty? see min_len */
	J_STRING_NULL, /* string or null */
	J_BOOL,
	J_OBJECT,
	J_ARRAY,
	J_ANY,
};

struct jfield {
	const char *name;
	enum jtype type;
	bool required;
	size_t max_len; /* strings: longest allowed (0: 255) */
};

/* A field named "*" lets obj have members fields does not name (Keystone's
 * additionalProperties: true); they are not checked. */
#define J_OTHERS { "*", J_ANY, false, 0 }

/* json.c */
/* Check that obj is an object whose members are all in fields (unless
 * fields has J_OTHERS), with the right types and lengths, and that every
 * required field is present.
 * On failure returns -EINVAL and writes a message naming the field. */
int json_check(const json_t *obj, const struct jfield *fields, size_t nfields, char *err,
	       size_t errlen);
/* Member name of obj as a string, or NULL when absent or not a string. */
const char *json_str(const json_t *obj, const char *name);

#endif
