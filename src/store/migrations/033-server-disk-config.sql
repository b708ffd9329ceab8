-- 033-server-disk-config: Nova's OS-DCF:diskConfig of a server
-- (auto_disk_config: 1 AUTO, 0 MANUAL), given on create, rebuild, resize
-- and update, and the auto_disk_config property of the image it was
-- built from as it was then (NULL: none), as Nova's system metadata
-- image_auto_disk_config keeps it: a resize to AUTO checks that the image
-- did not say "disabled".
ALTER TABLE server ADD COLUMN auto_disk_config INTEGER NOT NULL DEFAULT 0;
ALTER TABLE server ADD COLUMN image_auto_disk_config VARCHAR(255);
