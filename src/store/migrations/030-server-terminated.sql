-- 030-server-terminated: what Nova's os-simple-tenant-usage needs of a
-- server after it is deleted (Nova keeps the instance row, with its
-- terminated_at and flavor). A server that ran (launched_at set) leaves
-- one row here when its own row goes (server_row_delete), in the same
-- transaction: its name, project, flavor (name, vcpus, ram, root + the
-- ephemeral disk) and when it ran. Never-launched servers leave none:
-- they are in no usage window.
CREATE TABLE server_terminated (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	project_id VARCHAR(64) NOT NULL,
	user_id VARCHAR(64) NOT NULL,
	flavor_name VARCHAR(255) NOT NULL,
	vcpus INTEGER NOT NULL,
	ram INTEGER NOT NULL,
	disk INTEGER NOT NULL,
	ephemeral INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	launched_at BIGINT NOT NULL,
	terminated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX server_terminated_project ON server_terminated (project_id, terminated_at);
