-- 026-secret-keys: the token keys and the credential keys, in the
-- database so that every controller sharing it has the same ones (they
-- were files under each controller's STATE_DIR; the first start after
-- this migration imports them). Each key is sealed with the node's
-- secret key file ([database] secret_key_file), which every controller
-- has a copy of and a database dump does not contain
-- (src/identity/key_store.c says why this and not files).
--
-- kind: 'token' or 'credential'; id: the key's number (the newest
-- signs); signs_from: microseconds since the epoch from which a token key
-- may sign (a rotation stages it, so that every controller has loaded it
-- first); sealed: base64 of nonce, encrypted key and tag.
CREATE TABLE secret_key (
	kind VARCHAR(16) NOT NULL,
	id BIGINT NOT NULL,
	sealed TEXT NOT NULL,
	signs_from BIGINT NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (kind, id)
);

-- setting: facts every controller must agree on. 'metadata-secret' is a
-- keyed hash (with the node's secret key, which a dump lacks) of [metadata]
-- proxy_shared_secret: the secret itself is configuration, as in Nova and
-- Neutron, since network nodes need it and have no database; a controller
-- whose secret differs from the one another controller recorded says so
-- in its log at start (else the only sign would be every other metadata
-- request refused behind the load balancer), then records its own
-- (key_store.c). Bootstrap records the first.
CREATE TABLE setting (
	name VARCHAR(64) PRIMARY KEY,
	value TEXT NOT NULL,
	revision BIGINT NOT NULL
);
