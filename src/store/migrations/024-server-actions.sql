-- 024-server-actions: what the server actions record. A server's desired
-- power may now also be 'pause' (QEMU's vCPUs stopped, memory kept) or
-- 'suspend' (its state saved to disk, no process); rescue_image_id names
-- the image a rescued server boots from (its own disk attached second),
-- NULL when not rescued; rebuild_seq grows by one per rebuild (the agent
-- recreates the disk from image_id when the seq it carried out is lower).
-- locked_by is Nova's 'owner' or 'admin' (NULL: not locked).
ALTER TABLE server ADD COLUMN locked_by VARCHAR(8);
ALTER TABLE server ADD COLUMN locked_reason TEXT;
ALTER TABLE server ADD COLUMN rescue_image_id VARCHAR(64);
ALTER TABLE server ADD COLUMN rebuild_seq INTEGER NOT NULL DEFAULT 0;

-- os-instance-actions: one row per action a user asked for (kept after
-- the server goes, as Nova's 2.21 shows them), and the events the compute
-- host carried out for it: finish_time and result stay NULL until the
-- host reports the action done.
CREATE TABLE instance_action (
	id VARCHAR(64) PRIMARY KEY,
	server_id VARCHAR(64) NOT NULL,
	project_id VARCHAR(64) NOT NULL,
	user_id VARCHAR(64) NOT NULL,
	action VARCHAR(32) NOT NULL,
	request_id VARCHAR(64) NOT NULL,
	message TEXT,
	start_time BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX instance_action_server ON instance_action (server_id, start_time);

CREATE TABLE instance_action_event (
	action_id VARCHAR(64) NOT NULL REFERENCES instance_action (id) ON DELETE CASCADE,
	server_id VARCHAR(64) NOT NULL,
	event VARCHAR(64) NOT NULL,
	host VARCHAR(255),
	start_time BIGINT NOT NULL,
	finish_time BIGINT,
	result VARCHAR(16),
	traceback TEXT,
	revision BIGINT NOT NULL,
	PRIMARY KEY (action_id, event)
);
CREATE INDEX instance_action_event_open ON instance_action_event (server_id, finish_time);
