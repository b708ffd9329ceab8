-- 016-groups-grants: Keystone's groups, the grants that are not a user's
-- direct role on a project or domain (those stay in project_role and
-- domain_role), implied roles and domain-specific roles.
CREATE TABLE identity_group (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	domain_id VARCHAR(64) NOT NULL REFERENCES domain (id) ON DELETE CASCADE,
	description TEXT NOT NULL DEFAULT '',
	extra TEXT, -- a JSON object: the body's other attributes, as Keystone keeps them
	revision BIGINT NOT NULL,
	UNIQUE (domain_id, name)
);

CREATE TABLE group_member (
	group_id VARCHAR(64) NOT NULL REFERENCES identity_group (id) ON DELETE CASCADE,
	user_id VARCHAR(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	revision BIGINT NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_member_user ON group_member (user_id);

-- One row per grant: exactly one actor (a user or a group) and exactly one
-- target (a project, a domain, or the system). inherited: the role goes to
-- the projects under the target (a domain's projects, a project's
-- subtree), not to the target itself (OS-INHERIT). Deleting the actor, the
-- target or the role deletes the grant.
CREATE TABLE role_grant (
	user_id VARCHAR(64) REFERENCES users (id) ON DELETE CASCADE,
	group_id VARCHAR(64) REFERENCES identity_group (id) ON DELETE CASCADE,
	project_id VARCHAR(64) REFERENCES project (id) ON DELETE CASCADE,
	domain_id VARCHAR(64) REFERENCES domain (id) ON DELETE CASCADE,
	system INTEGER NOT NULL DEFAULT 0,
	role_id VARCHAR(64) NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	inherited INTEGER NOT NULL DEFAULT 0,
	revision BIGINT NOT NULL,
	CHECK ((user_id IS NULL) <> (group_id IS NULL)),
	CHECK ((CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) +
	       (CASE WHEN domain_id IS NULL THEN 0 ELSE 1 END) + system = 1),
	CHECK (inherited = 0 OR system = 0)
);
CREATE UNIQUE INDEX role_grant_key ON role_grant (COALESCE(user_id, ''), COALESCE(group_id, ''),
	COALESCE(project_id, ''), COALESCE(domain_id, ''), system, role_id, inherited);
CREATE INDEX role_grant_group ON role_grant (group_id);
CREATE INDEX role_grant_user ON role_grant (user_id);

-- Implied roles: holding prior_role_id gives implied_role_id too.
CREATE TABLE implied_role (
	prior_role_id VARCHAR(64) NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	implied_role_id VARCHAR(64) NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	revision BIGINT NOT NULL,
	PRIMARY KEY (prior_role_id, implied_role_id)
);
-- Keystone's bootstrap rules for a store made before them (bootstrap
-- makes them on a fresh one).
INSERT INTO implied_role (prior_role_id, implied_role_id, revision)
	SELECT p.id, i.id, 0 FROM role p, role i
	WHERE (p.name = 'admin' AND i.name = 'member') OR (p.name = 'member' AND i.name = 'reader');

-- A domain-specific role: NULL is global. It goes with its domain.
ALTER TABLE role ADD COLUMN domain_id VARCHAR(64) REFERENCES domain (id) ON DELETE CASCADE;

-- Every grant in role_grant with each user it reaches: the user's own, and
-- a group's for each member.
CREATE VIEW grant_user AS
	SELECT user_id, project_id, domain_id, system, inherited, role_id FROM role_grant
	WHERE user_id IS NOT NULL
	UNION ALL SELECT m.user_id, g.project_id, g.domain_id, g.system, g.inherited, g.role_id
	FROM role_grant g JOIN group_member m ON m.group_id = g.group_id;

-- The projects and domains a user holds some role on (what /v3/auth/projects,
-- /v3/users/{id}/projects and /v3/auth/domains list): directly, through a
-- group, or (projects) inherited from their domain or an ancestor.
CREATE VIEW user_project_access AS
	WITH RECURSIVE sub (root, id) AS (
		SELECT parent_id, id FROM project WHERE parent_id IS NOT NULL
		UNION ALL SELECT s.root, p.id FROM project p JOIN sub s ON p.parent_id = s.id)
	SELECT user_id, project_id FROM project_role
	UNION SELECT user_id, project_id FROM grant_user
	WHERE project_id IS NOT NULL AND inherited = 0
	UNION SELECT g.user_id, p.id FROM grant_user g JOIN project p ON p.domain_id = g.domain_id
	WHERE g.inherited = 1
	UNION SELECT g.user_id, s.id FROM grant_user g JOIN sub s ON s.root = g.project_id
	WHERE g.inherited = 1;
CREATE VIEW user_domain_access AS
	SELECT user_id, domain_id FROM domain_role
	UNION SELECT user_id, domain_id FROM grant_user WHERE domain_id IS NOT NULL AND inherited = 0;
