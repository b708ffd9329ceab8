-- 001-identity: the global revision and Keystone's identity model.
CREATE TABLE meta (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	revision BIGINT NOT NULL
);
INSERT INTO meta (id, revision) VALUES (1, 0);

CREATE TABLE domain (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL UNIQUE,
	description TEXT NOT NULL DEFAULT '',
	enabled INTEGER NOT NULL DEFAULT 1,
	revision BIGINT NOT NULL
);

CREATE TABLE project (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	domain_id VARCHAR(64) NOT NULL REFERENCES domain (id),
	description TEXT NOT NULL DEFAULT '',
	enabled INTEGER NOT NULL DEFAULT 1,
	revision BIGINT NOT NULL,
	UNIQUE (domain_id, name)
);

CREATE TABLE users (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	domain_id VARCHAR(64) NOT NULL REFERENCES domain (id),
	enabled INTEGER NOT NULL DEFAULT 1,
	password_hash VARCHAR(255),
	default_project_id VARCHAR(64),
	description TEXT,
	email VARCHAR(255),
	revision BIGINT NOT NULL,
	UNIQUE (domain_id, name)
);

CREATE TABLE role (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL UNIQUE,
	description TEXT,
	revision BIGINT NOT NULL
);

CREATE TABLE project_role (
	user_id VARCHAR(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	project_id VARCHAR(64) NOT NULL REFERENCES project (id) ON DELETE CASCADE,
	role_id VARCHAR(64) NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	revision BIGINT NOT NULL,
	PRIMARY KEY (user_id, project_id, role_id)
);
CREATE INDEX project_role_project ON project_role (project_id);

CREATE TABLE domain_role (
	user_id VARCHAR(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	domain_id VARCHAR(64) NOT NULL REFERENCES domain (id) ON DELETE CASCADE,
	role_id VARCHAR(64) NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	revision BIGINT NOT NULL,
	PRIMARY KEY (user_id, domain_id, role_id)
);

CREATE TABLE region (
	id VARCHAR(255) PRIMARY KEY,
	description TEXT NOT NULL DEFAULT '',
	parent_region_id VARCHAR(255) REFERENCES region (id),
	revision BIGINT NOT NULL
);

CREATE TABLE service (
	id VARCHAR(64) PRIMARY KEY,
	type VARCHAR(255) NOT NULL,
	name VARCHAR(255) NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	enabled INTEGER NOT NULL DEFAULT 1,
	revision BIGINT NOT NULL
);

CREATE TABLE endpoint (
	id VARCHAR(64) PRIMARY KEY,
	service_id VARCHAR(64) NOT NULL REFERENCES service (id) ON DELETE CASCADE,
	interface VARCHAR(8) NOT NULL,
	url TEXT NOT NULL,
	region_id VARCHAR(255) REFERENCES region (id),
	enabled INTEGER NOT NULL DEFAULT 1,
	revision BIGINT NOT NULL
);

-- Token revocation events: a token matching every non-NULL column and
-- issued before issued_before (microseconds) is refused.
CREATE TABLE revocation_event (
	id VARCHAR(64) PRIMARY KEY,
	user_id VARCHAR(64),
	project_id VARCHAR(64),
	domain_id VARCHAR(64),
	audit_id VARCHAR(64),
	issued_before BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
