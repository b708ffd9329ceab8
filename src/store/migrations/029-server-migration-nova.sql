-- 029-server-migration-nova: what Nova's os-migrations shows of a resize
-- record besides what 018 keeps: its integer id (num: 1, 2, ... in the
-- order the records were made; writers are serialised, so MAX + 1 is
-- safe) and the flavor the server was resized to.
ALTER TABLE server_migration ADD COLUMN num INTEGER;
ALTER TABLE server_migration ADD COLUMN new_flavor_id VARCHAR(255);
UPDATE server_migration SET num = (SELECT COUNT(*) FROM server_migration m
	WHERE m.created_at < server_migration.created_at
	   OR (m.created_at = server_migration.created_at AND m.id <= server_migration.id));
CREATE UNIQUE INDEX server_migration_num ON server_migration (num);
