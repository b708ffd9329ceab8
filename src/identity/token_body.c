/* token_body.c - the Keystone token body ({"token": {...}}) of a decoded
 * token, written straight as JSON text: every validation answers one, and
 * building it as jansson objects and dumping them cost a third of the
 * validation's CPU. The bytes are those json_dumps(JSON_COMPACT) gave for
 * the same objects (keys in this order, strings escaped as jansson does),
 * so the answer did not change. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"

struct tbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct tbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

#define PUT(b, lit) put((b), (lit), sizeof(lit) - 1)

/* s as a JSON string, escaped as jansson escapes without
 * JSON_ENSURE_ASCII: the quote, the backslash and control characters. */
static void put_str(struct tbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run;

	if (!s)
		s = "";
	run = s;
	PUT(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = { '\\', 0 };
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		put(b, esc, n);
	}
	put(b, run, (size_t)(s - run));
	PUT(b, "\"");
}

/* "key":"value" */
static void put_kv(struct tbuf *b, const char *key, size_t keylen, const char *value)
{
	put(b, key, keylen);
	put_str(b, value);
}

#define KV(b, lit, v) put_kv((b), (lit), sizeof(lit) - 1, (v))

char *token_body_text(const struct token *t, const char *catalog, size_t catalog_len)
{
	struct tbuf b = { 0 };
	char issued[32], expires[32];
	bool first = true;

	/* Most bodies fit at once: the fixed words, ids and the catalog. */
	b.cap = 1024 + catalog_len;
	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	time_format_iso(t->issued_at, issued);
	time_format_iso(t->expires_at, expires);
	PUT(&b, "{\"token\":{\"methods\":[");
	if (t->methods & TOKEN_M_PASSWORD) {
		PUT(&b, "\"password\"");
		first = false;
	}
	if (t->methods & TOKEN_M_TOKEN) {
		if (!first)
			PUT(&b, ",");
		PUT(&b, "\"token\"");
		first = false;
	}
	if (t->methods & TOKEN_M_APP_CRED) {
		if (!first)
			PUT(&b, ",");
		PUT(&b, "\"application_credential\"");
	}
	KV(&b, "],\"user\":{\"domain\":{\"id\":", t->user_domain_id);
	KV(&b, ",\"name\":", t->user_domain_name);
	KV(&b, "},\"id\":", t->user_id);
	KV(&b, ",\"name\":", t->user_name);
	KV(&b, ",\"password_expires_at\":null},\"audit_ids\":[", t->audit_id);
	/* A delegation's chain id is Basalt's revocation handle, not an audit
	 * id Keystone would show. */
	if (t->parent_audit_id[0] && !t->app_cred_id && !t->trust_id)
		KV(&b, ",", t->parent_audit_id);
	KV(&b, "],\"expires_at\":", expires);
	KV(&b, ",\"issued_at\":", issued);
	if (t->scope == SCOPE_PROJECT) {
		KV(&b, ",\"project\":{\"domain\":{\"id\":", t->scope_domain_id);
		KV(&b, ",\"name\":", t->scope_domain_name);
		KV(&b, "},\"id\":", t->scope_id);
		KV(&b, ",\"name\":", t->scope_name);
		PUT(&b, "},\"is_domain\":false");
	} else if (t->scope == SCOPE_DOMAIN) {
		KV(&b, ",\"domain\":{\"id\":", t->scope_id);
		KV(&b, ",\"name\":", t->scope_name);
		PUT(&b, "}");
	} else if (t->scope == SCOPE_SYSTEM) {
		PUT(&b, ",\"system\":{\"all\":true}");
	}
	if (t->scope != SCOPE_NONE) {
		PUT(&b, ",\"roles\":[");
		for (int i = 0; i < t->nroles; i++) {
			if (i)
				PUT(&b, ",");
			KV(&b, "{\"id\":", t->role_id[i]);
			KV(&b, ",\"name\":", t->role_name[i]);
			PUT(&b, "}");
		}
		PUT(&b, "]");
	}
	if (t->app_cred_id) {
		KV(&b, ",\"application_credential\":{\"id\":", t->app_cred_id);
		KV(&b, ",\"name\":", t->app_cred_name);
		if (t->app_cred_unrestricted)
			PUT(&b, ",\"restricted\":false}");
		else
			PUT(&b, ",\"restricted\":true}");
	}
	if (t->trust_id) {
		KV(&b, ",\"OS-TRUST:trust\":{\"id\":", t->trust_id);
		if (t->trust_impersonation) /* PUT takes literals only */
			PUT(&b, ",\"impersonation\":true");
		else
			PUT(&b, ",\"impersonation\":false");
		KV(&b, ",\"trustee_user\":{\"id\":", t->trustee_id);
		KV(&b, "},\"trustor_user\":{\"id\":", t->trustor_id);
		PUT(&b, "}}");
	}
	if (catalog) {
		PUT(&b, ",\"catalog\":");
		put(&b, catalog, catalog_len);
	}
	PUT(&b, "}}");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
