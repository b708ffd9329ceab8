-- 013-endpoint-filter: OS-EP-FILTER, as Keystone's endpoint_filter
-- catalog. An endpoint group names endpoints by filters (a JSON object of
-- service_id, region_id and interface, every one of which an endpoint must
-- equal); a project is associated with endpoint groups and with single
-- endpoints. A project with any association sees only those endpoints in
-- its tokens' catalog; one with none sees them all. Associations go with
-- their project, endpoint or group.
CREATE TABLE endpoint_group (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	description TEXT,
	filters TEXT NOT NULL,
	revision BIGINT NOT NULL
);

CREATE TABLE project_endpoint_group (
	endpoint_group_id VARCHAR(64) NOT NULL REFERENCES endpoint_group (id) ON DELETE CASCADE,
	project_id VARCHAR(64) NOT NULL REFERENCES project (id) ON DELETE CASCADE,
	revision BIGINT NOT NULL,
	PRIMARY KEY (endpoint_group_id, project_id)
);
CREATE INDEX project_endpoint_group_project ON project_endpoint_group (project_id);

CREATE TABLE project_endpoint (
	endpoint_id VARCHAR(64) NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
	project_id VARCHAR(64) NOT NULL REFERENCES project (id) ON DELETE CASCADE,
	revision BIGINT NOT NULL,
	PRIMARY KEY (endpoint_id, project_id)
);
CREATE INDEX project_endpoint_project ON project_endpoint (project_id);
