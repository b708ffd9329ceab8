-- 011-project-tag: Keystone's project tags. project_id names a project or
-- a domain (a domain is a project acting as a domain in Keystone's API);
-- the project or domain module deletes its tags with it. A tag holds no
-- ',' or '/' (the API refuses them), at most 255 characters, at most 80 a
-- project.
CREATE TABLE project_tag (
	project_id VARCHAR(64) NOT NULL,
	name VARCHAR(255) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (project_id, name)
);
