-- 032-server-tag: Nova's server tags (microversion 2.26). A tag holds no
-- ',' or '/' and at most 60 characters (the API refuses others), at most
-- 50 a server; they go with their server (ON DELETE CASCADE).
CREATE TABLE server_tag (
	server_id VARCHAR(64) NOT NULL REFERENCES server (id) ON DELETE CASCADE,
	tag VARCHAR(255) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (server_id, tag)
);
CREATE INDEX server_tag_tag ON server_tag (tag);
