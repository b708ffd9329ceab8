-- 015-credentials: Keystone's stored credentials, its old policy API's
-- blobs and OAuth1 consumers.
--
-- credential: blob is encrypted at rest (XChaCha20-Poly1305 with the
-- credential id as associated data) under key key_id of the controller's
-- credential key repository (STATE_DIR/credential-keys, not the token
-- keys: those rotate away, a blob must stay readable). An ec2 credential's
-- id is the SHA-256 of its access key, as Keystone makes it. A user's or a
-- project's credentials go with it, as in Keystone.
CREATE TABLE credential (
	id VARCHAR(64) PRIMARY KEY,
	user_id VARCHAR(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	project_id VARCHAR(64) REFERENCES project (id) ON DELETE CASCADE,
	type VARCHAR(255) NOT NULL,
	key_id BIGINT NOT NULL,
	encrypted_blob TEXT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX credential_user ON credential (user_id);
CREATE INDEX credential_project ON credential (project_id);

-- /v3/policies: opaque blobs with a type (Keystone's policy API, which
-- enforces nothing; Basalt's own policy is src/policy/).
CREATE TABLE policy_blob (
	id VARCHAR(64) PRIMARY KEY,
	type VARCHAR(255) NOT NULL,
	blob TEXT NOT NULL,
	revision BIGINT NOT NULL
);

-- OS-OAUTH1 consumers: the secret is shown once, on create; only its
-- BLAKE2b hash is kept.
CREATE TABLE oauth1_consumer (
	id VARCHAR(64) PRIMARY KEY,
	description TEXT,
	secret_hash VARCHAR(128) NOT NULL,
	revision BIGINT NOT NULL
);
