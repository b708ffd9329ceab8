-- 004-host-usage: what each compute host has handed out, kept beside its
-- inventory in the same transaction as every claim and release, so the
-- scheduler reads one row per host instead of summing allocations.
ALTER TABLE host ADD COLUMN vcpus_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE host ADD COLUMN memory_mb_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE host ADD COLUMN disk_gb_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE host ADD COLUMN servers INTEGER NOT NULL DEFAULT 0;
UPDATE host SET
	vcpus_used = (SELECT COALESCE(SUM(vcpus), 0) FROM allocation WHERE allocation.host = host.name),
	memory_mb_used = (SELECT COALESCE(SUM(memory_mb), 0) FROM allocation WHERE allocation.host = host.name),
	disk_gb_used = (SELECT COALESCE(SUM(disk_gb), 0) FROM allocation WHERE allocation.host = host.name),
	servers = (SELECT COUNT(*) FROM allocation WHERE allocation.host = host.name);
