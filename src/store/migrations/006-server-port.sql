-- 006-server-port: the NICs of a server, in the order the guest sees them.
-- created_by_nova says whether deleting the server deletes the port (Nova
-- made it from a network request) or only unbinds it (the user passed it).
-- A port deleted through Neutron drops its row with it.
CREATE TABLE server_port (
	server_id VARCHAR(64) NOT NULL,
	port_id VARCHAR(64) NOT NULL REFERENCES port (id) ON DELETE CASCADE,
	created_by_nova INTEGER NOT NULL,
	ord INTEGER NOT NULL,
	tag VARCHAR(255),
	revision BIGINT NOT NULL,
	PRIMARY KEY (server_id, port_id)
);
CREATE UNIQUE INDEX server_port_port ON server_port (port_id);
