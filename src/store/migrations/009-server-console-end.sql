-- 009-server-console-end: where in the guest's console log the tail the
-- controller keeps (server.console, at most the last 64 KiB) ends, in
-- bytes. Agents send the console as deltas by offset (docs/agent-protocol.md,
-- "Console"): a delta that starts at console_end is appended, one already
-- taken is dropped, one past it starts the tail afresh. The desired state
-- tells a restarted agent where each console stands.
ALTER TABLE server ADD COLUMN console_end BIGINT NOT NULL DEFAULT 0;
