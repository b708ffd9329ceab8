-- 018-server-resize-snapshot: what issue 12's server actions keep.
-- access_ipv4/6: Nova's accessIPv4/accessIPv6, set by the user (create,
-- update, rebuild) and only shown. reservation_id and launch_index: the
-- create a server came from ("r-" and 8 characters, shared by the servers
-- of one multiple create) and its place in it.
ALTER TABLE server ADD COLUMN access_ipv4 VARCHAR(64);
ALTER TABLE server ADD COLUMN access_ipv6 VARCHAR(64);
ALTER TABLE server ADD COLUMN reservation_id VARCHAR(16);
ALTER TABLE server ADD COLUMN launch_index INTEGER NOT NULL DEFAULT 0;

-- A resize (Nova's migration record, type 'resize'): the flavor the
-- server had, and the claim it held for it on source_host. While the
-- resize is open (status migrating, finished or reverting) that old claim
-- stays counted in the source host's usage (host.*_used) but has no
-- allocation row: the server's allocation row is the new flavor's claim.
-- Confirming subtracts the old claim; reverting drops the new one and
-- puts the old one back as the server's allocation.
CREATE TABLE server_migration (
	id VARCHAR(64) PRIMARY KEY,
	server_id VARCHAR(64) NOT NULL REFERENCES server (id) ON DELETE CASCADE,
	source_host VARCHAR(255) NOT NULL,
	dest_host VARCHAR(255) NOT NULL,
	old_flavor_id VARCHAR(255) NOT NULL,
	old_flavor_name VARCHAR(255) NOT NULL,
	old_vcpus INTEGER NOT NULL,
	old_ram INTEGER NOT NULL,
	old_disk INTEGER NOT NULL,
	old_ephemeral INTEGER NOT NULL,
	old_swap INTEGER NOT NULL,
	status VARCHAR(16) NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX server_migration_server ON server_migration (server_id);

-- A snapshot being taken (createImage): the image (queued, then saving)
-- the server's host uploads the flattened disk into. The row goes when
-- the image is active, or with the image when the snapshot fails.
CREATE TABLE server_snapshot (
	image_id VARCHAR(64) PRIMARY KEY,
	server_id VARCHAR(64) NOT NULL REFERENCES server (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX server_snapshot_server ON server_snapshot (server_id);
