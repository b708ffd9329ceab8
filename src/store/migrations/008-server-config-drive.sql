-- 008-server-config-drive: whether a server has a config drive. Nova gives
-- one only when asked (config_drive in the request, or force_config_drive);
-- the others read their metadata from 169.254.169.254. Servers made before
-- this migration were all given one, so existing rows say so.
ALTER TABLE server ADD COLUMN config_drive INTEGER NOT NULL DEFAULT 1;
