-- 028-server-diagnostics: GET /servers/{id}/diagnostics asks the server's
-- host for a reading. diag_seq grows by one per request (the host's
-- desired state carries it: the agent reads the hypervisor's figures
-- once per seq); diagnostics is the last reading the host reported
-- (JSON, docs/agent-protocol.md, with the seq it answers), NULL before
-- the first.
ALTER TABLE server ADD COLUMN diag_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE server ADD COLUMN diagnostics TEXT;
