-- 034-quota-class: Nova's os-quota-class-sets (and createBackup's
-- rotation, below). The rows of class 'default' override [quota] for every
-- project that has no limit of its own for that resource (the defaults new
-- projects get); other classes are kept as set, shown over the defaults,
-- and limit nothing (as in Nova).
CREATE TABLE quota_class (
	class_name VARCHAR(255) NOT NULL,
	resource VARCHAR(32) NOT NULL,
	hard_limit INTEGER NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (class_name, resource)
);

-- createBackup: a pending snapshot made by createBackup keeps its
-- rotation (NULL: createImage's); when its image is active, only the
-- `rotation` newest backups of that type of that server are kept.
ALTER TABLE server_snapshot ADD COLUMN rotation INTEGER;
