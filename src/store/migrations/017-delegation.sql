-- 017-delegation: application credentials and trusts (OS-TRUST), the two
-- ways a user hands some of its roles on one project to something else.
-- Times are microseconds since the epoch; NULL expires_at never expires,
-- NULL remaining_uses is unlimited.
CREATE TABLE application_credential (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	user_id VARCHAR(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	project_id VARCHAR(64) NOT NULL REFERENCES project (id) ON DELETE CASCADE,
	description TEXT,
	secret_hash VARCHAR(255) NOT NULL,
	expires_at BIGINT,
	unrestricted INTEGER NOT NULL DEFAULT 0,
	revision BIGINT NOT NULL,
	UNIQUE (user_id, name)
);

CREATE TABLE application_credential_role (
	app_cred_id VARCHAR(64) NOT NULL REFERENCES application_credential (id) ON DELETE CASCADE,
	role_id VARCHAR(64) NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	PRIMARY KEY (app_cred_id, role_id)
);

CREATE TABLE trust (
	id VARCHAR(64) PRIMARY KEY,
	trustor_user_id VARCHAR(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	trustee_user_id VARCHAR(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	project_id VARCHAR(64) REFERENCES project (id) ON DELETE CASCADE,
	impersonation INTEGER NOT NULL,
	expires_at BIGINT,
	remaining_uses INTEGER,
	allow_redelegation INTEGER NOT NULL DEFAULT 0,
	revision BIGINT NOT NULL
);
CREATE INDEX trust_trustor ON trust (trustor_user_id);
CREATE INDEX trust_trustee ON trust (trustee_user_id);

CREATE TABLE trust_role (
	trust_id VARCHAR(64) NOT NULL REFERENCES trust (id) ON DELETE CASCADE,
	role_id VARCHAR(64) NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	PRIMARY KEY (trust_id, role_id)
);

-- Keystone keeps a user's attributes it does not know (tempest's
-- project_id, say) as extras: a JSON object, NULL when none.
ALTER TABLE users ADD COLUMN extra TEXT;
