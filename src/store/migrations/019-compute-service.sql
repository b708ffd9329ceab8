-- 019-compute-service: what Nova's os-services shows of a compute host.
-- service_num is the integer id os-services and os-hypervisors show below
-- microversion 2.53 (service_id, the uuid, from 2.53); forced_down is
-- os-services' forced_down (2.11): the host counts as down, and the
-- scheduler passes it over, until an admin clears it.
ALTER TABLE host ADD COLUMN service_num INTEGER NOT NULL DEFAULT 0;
ALTER TABLE host ADD COLUMN forced_down INTEGER NOT NULL DEFAULT 0;
UPDATE host SET service_num = (SELECT COUNT(*) FROM host h WHERE h.name <= host.name);
