-- 025-controllers: several controllers on one database (issue 14).
--
-- lease: a background job that must run once however many controllers
-- share the store (the revocation events' pruning) is run by the one
-- controller that holds its lease: holder ("HOST:PID") until expires_at
-- (microseconds since the epoch). A controller takes a lease that is
-- free, expired or its own, in the write transaction of the job itself
-- (store/lease.c), so the lease costs no write of its own. The rows are
-- made here so that taking one is an UPDATE: two controllers racing for
-- it serialise on the row instead of on a unique violation.
CREATE TABLE lease (
	name VARCHAR(64) PRIMARY KEY,
	holder VARCHAR(255) NOT NULL,
	expires_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
INSERT INTO lease (name, holder, expires_at, revision) VALUES ('revocation-prune', '', 0, 0);

-- image.saving_host: the controller an upload goes to ([DEFAULT] host),
-- so that a controller starting after a crash marks only its own cut-off
-- uploads killed, not those another controller is receiving into the
-- shared image store. NULL: an upload from before this migration.
ALTER TABLE image ADD COLUMN saving_host VARCHAR(255);
