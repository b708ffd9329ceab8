-- 021-server-port-detaching: a NIC being detached from its server (Nova's
-- DELETE /servers/{id}/os-interface/{port_id}). The row and the port's
-- binding stay until the host's agent reports the guest without it; only
-- then is the port released (deleted when Nova made it, else unbound), so a
-- port never names a server that lacks it, whatever the agent survives.
ALTER TABLE server_port ADD COLUMN detaching INTEGER NOT NULL DEFAULT 0;
