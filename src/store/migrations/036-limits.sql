-- 036-limits: Keystone's unified limits. A registered limit is a
-- service's default for one resource (in one region, or in none); a
-- limit overrides it for one project or one domain and names the
-- registered limit it overrides, so it has no service, region or
-- resource of its own. As in Keystone, deleting a service or a region
-- leaves the registered limits naming it (no foreign key: they are still
-- listed, updated and deleted, and limit.c checks that the service and
-- region exist only when a request names them), while a project's or
-- domain's limits go with it (Keystone deletes a project's limits with
-- the project). One registered limit per (service, region, resource), a
-- region of none included; one limit per registered limit and project or
-- domain.
CREATE TABLE registered_limit (
	id VARCHAR(64) PRIMARY KEY,
	service_id VARCHAR(64) NOT NULL,
	region_id VARCHAR(255),
	resource_name VARCHAR(255) NOT NULL,
	default_limit INTEGER NOT NULL,
	description TEXT,
	revision BIGINT NOT NULL
);
CREATE UNIQUE INDEX registered_limit_resource
	ON registered_limit (service_id, COALESCE(region_id, ''), resource_name);

CREATE TABLE project_limit (
	id VARCHAR(64) PRIMARY KEY,
	registered_limit_id VARCHAR(64) NOT NULL REFERENCES registered_limit (id),
	project_id VARCHAR(64) REFERENCES project (id) ON DELETE CASCADE,
	domain_id VARCHAR(64) REFERENCES domain (id) ON DELETE CASCADE,
	resource_limit INTEGER NOT NULL,
	description TEXT,
	revision BIGINT NOT NULL,
	CHECK ((project_id IS NULL) <> (domain_id IS NULL))
);
CREATE UNIQUE INDEX project_limit_project ON project_limit (registered_limit_id, project_id);
CREATE UNIQUE INDEX project_limit_domain ON project_limit (registered_limit_id, domain_id);
CREATE INDEX project_limit_domain_id ON project_limit (domain_id);
CREATE INDEX project_limit_project_id ON project_limit (project_id);
