-- 031-server-groups: Nova's server groups (os-server-groups). A group
-- belongs to the project and user that made it; its policy is one of
-- affinity, anti-affinity, soft-affinity, soft-anti-affinity, and an
-- anti-affinity group may cap its servers per host (Nova's rule
-- max_server_per_host, NULL: none given, 1 applies). A server joins at
-- most one group, when it is created with the "group" scheduler hint (in
-- the transaction that records it), and leaves when its row goes;
-- deleting a group leaves its servers where they are.
CREATE TABLE server_group (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	project_id VARCHAR(64) NOT NULL,
	user_id VARCHAR(64) NOT NULL,
	policy VARCHAR(32) NOT NULL,
	max_server_per_host INTEGER,
	created_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX server_group_project ON server_group (project_id, created_at);
CREATE TABLE server_group_member (
	server_id VARCHAR(64) PRIMARY KEY REFERENCES server (id) ON DELETE CASCADE,
	group_id VARCHAR(64) NOT NULL REFERENCES server_group (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX server_group_member_group ON server_group_member (group_id);
