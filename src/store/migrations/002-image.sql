-- 002-image: Glance's images, their custom properties and tags.
-- Times are microseconds since the epoch; size and virtual_size are NULL
-- until data is uploaded.
CREATE TABLE image (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255),
	status VARCHAR(16) NOT NULL,
	visibility VARCHAR(16) NOT NULL,
	protected INTEGER NOT NULL DEFAULT 0,
	os_hidden INTEGER NOT NULL DEFAULT 0,
	owner VARCHAR(64) NOT NULL,
	disk_format VARCHAR(16),
	container_format VARCHAR(16),
	min_disk INTEGER NOT NULL DEFAULT 0,
	min_ram INTEGER NOT NULL DEFAULT 0,
	size BIGINT,
	virtual_size BIGINT,
	checksum VARCHAR(32),
	os_hash_algo VARCHAR(16),
	os_hash_value VARCHAR(128),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX image_owner ON image (owner);
CREATE INDEX image_status ON image (status);

CREATE TABLE image_property (
	image_id VARCHAR(64) NOT NULL REFERENCES image (id) ON DELETE CASCADE,
	name VARCHAR(255) NOT NULL,
	value TEXT NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (image_id, name)
);

CREATE TABLE image_tag (
	image_id VARCHAR(64) NOT NULL REFERENCES image (id) ON DELETE CASCADE,
	tag VARCHAR(255) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (image_id, tag)
);
