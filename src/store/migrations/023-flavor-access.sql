-- 020-flavor-access: Nova's os-flavor-access lists, the projects that may
-- see and use a private flavor besides admins.
CREATE TABLE flavor_access (
	flavor_id VARCHAR(255) NOT NULL REFERENCES flavor (id) ON DELETE CASCADE,
	project_id VARCHAR(64) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (flavor_id, project_id)
);
