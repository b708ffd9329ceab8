-- 005-network: Neutron v2.0 — networks, subnets, ports and their IP
-- allocations, routers, floating IPs, security groups, network quotas.
-- Times are microseconds since the epoch, as elsewhere.

-- segment_key makes a segment unique across networks without a partial
-- index: "vxlan:VNI", "flat:PHYSNET", "vlan:PHYSNET:ID".
CREATE TABLE network (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL DEFAULT '',
	project_id VARCHAR(64) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	admin_state_up INTEGER NOT NULL DEFAULT 1,
	status VARCHAR(16) NOT NULL DEFAULT 'ACTIVE',
	shared INTEGER NOT NULL DEFAULT 0,
	external INTEGER NOT NULL DEFAULT 0,
	network_type VARCHAR(16) NOT NULL,
	physical_network VARCHAR(64),
	segmentation_id INTEGER,
	segment_key VARCHAR(128) NOT NULL UNIQUE,
	mtu INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);

-- dns_nameservers, host_routes and allocation_pools are JSON arrays as the
-- API shows them.
CREATE TABLE subnet (
	id VARCHAR(64) PRIMARY KEY,
	network_id VARCHAR(64) NOT NULL REFERENCES network (id),
	project_id VARCHAR(64) NOT NULL,
	name VARCHAR(255) NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	ip_version INTEGER NOT NULL,
	cidr VARCHAR(64) NOT NULL,
	gateway_ip VARCHAR(64),
	enable_dhcp INTEGER NOT NULL DEFAULT 1,
	dns_nameservers TEXT NOT NULL DEFAULT '[]',
	host_routes TEXT NOT NULL DEFAULT '[]',
	allocation_pools TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX subnet_network ON subnet (network_id);

-- device_owner as Neutron: compute:nova, network:dhcp,
-- network:router_interface, network:router_gateway, network:floatingip.
-- host is binding:host_id.
CREATE TABLE port (
	id VARCHAR(64) PRIMARY KEY,
	network_id VARCHAR(64) NOT NULL REFERENCES network (id),
	project_id VARCHAR(64) NOT NULL,
	name VARCHAR(255) NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	mac_address VARCHAR(32) NOT NULL,
	admin_state_up INTEGER NOT NULL DEFAULT 1,
	status VARCHAR(16) NOT NULL DEFAULT 'DOWN',
	device_owner VARCHAR(255) NOT NULL DEFAULT '',
	device_id VARCHAR(255) NOT NULL DEFAULT '',
	host VARCHAR(255) NOT NULL DEFAULT '',
	port_security_enabled INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL,
	UNIQUE (network_id, mac_address)
);
CREATE INDEX port_device ON port (device_id);
CREATE INDEX port_host ON port (host);

-- One row per address handed out: the primary key is what makes IPAM
-- unable to give one address twice, whatever races.
CREATE TABLE ip_allocation (
	subnet_id VARCHAR(64) NOT NULL REFERENCES subnet (id),
	ip_address VARCHAR(64) NOT NULL,
	network_id VARCHAR(64) NOT NULL,
	port_id VARCHAR(64) NOT NULL REFERENCES port (id) ON DELETE CASCADE,
	revision BIGINT NOT NULL,
	PRIMARY KEY (subnet_id, ip_address)
);
CREATE INDEX ip_allocation_port ON ip_allocation (port_id);
CREATE INDEX ip_allocation_network ON ip_allocation (network_id, ip_address);

CREATE TABLE security_group (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	project_id VARCHAR(64) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	stateful INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX security_group_project ON security_group (project_id);

CREATE TABLE security_group_rule (
	id VARCHAR(64) PRIMARY KEY,
	security_group_id VARCHAR(64) NOT NULL REFERENCES security_group (id) ON DELETE CASCADE,
	project_id VARCHAR(64) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	direction VARCHAR(8) NOT NULL,
	ethertype VARCHAR(8) NOT NULL,
	protocol VARCHAR(16),
	port_range_min INTEGER,
	port_range_max INTEGER,
	remote_ip_prefix VARCHAR(64),
	remote_group_id VARCHAR(64) REFERENCES security_group (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX security_group_rule_group ON security_group_rule (security_group_id);

CREATE TABLE port_security_group (
	port_id VARCHAR(64) NOT NULL REFERENCES port (id) ON DELETE CASCADE,
	security_group_id VARCHAR(64) NOT NULL REFERENCES security_group (id),
	revision BIGINT NOT NULL,
	PRIMARY KEY (port_id, security_group_id)
);
CREATE INDEX port_security_group_group ON port_security_group (security_group_id);

-- gw_port_id is the router's port on the external network
-- (device_owner network:router_gateway); host is the network node that
-- carries the router (and its floating IPs).
CREATE TABLE router (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL DEFAULT '',
	project_id VARCHAR(64) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	admin_state_up INTEGER NOT NULL DEFAULT 1,
	status VARCHAR(16) NOT NULL DEFAULT 'ACTIVE',
	gw_network_id VARCHAR(64) REFERENCES network (id),
	gw_port_id VARCHAR(64) REFERENCES port (id),
	enable_snat INTEGER NOT NULL DEFAULT 1,
	host VARCHAR(255),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);

CREATE TABLE floatingip (
	id VARCHAR(64) PRIMARY KEY,
	project_id VARCHAR(64) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	floating_network_id VARCHAR(64) NOT NULL REFERENCES network (id),
	floating_ip_address VARCHAR(64) NOT NULL,
	floating_port_id VARCHAR(64) NOT NULL REFERENCES port (id),
	port_id VARCHAR(64) REFERENCES port (id),
	fixed_ip_address VARCHAR(64),
	router_id VARCHAR(64) REFERENCES router (id),
	status VARCHAR(16) NOT NULL DEFAULT 'DOWN',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	revision BIGINT NOT NULL,
	UNIQUE (floating_network_id, floating_ip_address)
);
CREATE INDEX floatingip_port ON floatingip (port_id);

-- Per-project limits that differ from [quota] defaults.
CREATE TABLE network_quota (
	project_id VARCHAR(64) NOT NULL,
	resource VARCHAR(32) NOT NULL,
	hard_limit BIGINT NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (project_id, resource)
);
