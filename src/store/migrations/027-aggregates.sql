-- 027-aggregates: Nova's host aggregates. An aggregate's id is Nova's
-- integer id, never reused: a deleted aggregate keeps its row (deleted_at
-- set) and loses its hosts and metadata. Its availability zone is the
-- metadata key availability_zone, as in Nova; a host's zone is the zone of
-- its aggregates (one at most), else the default zone.
CREATE TABLE aggregate (
	id BIGINT PRIMARY KEY,
	uuid VARCHAR(36) NOT NULL UNIQUE,
	name VARCHAR(255) NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT,
	deleted_at BIGINT,
	revision BIGINT NOT NULL
);

CREATE TABLE aggregate_host (
	aggregate_id BIGINT NOT NULL REFERENCES aggregate (id),
	host VARCHAR(255) NOT NULL REFERENCES host (name) ON DELETE CASCADE,
	revision BIGINT NOT NULL,
	PRIMARY KEY (aggregate_id, host)
);
CREATE INDEX aggregate_host_host ON aggregate_host (host);

CREATE TABLE aggregate_metadata (
	aggregate_id BIGINT NOT NULL REFERENCES aggregate (id),
	meta_key VARCHAR(255) NOT NULL,
	meta_value VARCHAR(255) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (aggregate_id, meta_key)
);
