-- 003-compute: flavors, keypairs, compute hosts, servers, placement
-- allocations and quotas.
CREATE TABLE flavor (
	id VARCHAR(255) PRIMARY KEY,
	name VARCHAR(255) NOT NULL UNIQUE,
	vcpus INTEGER NOT NULL,
	ram INTEGER NOT NULL,
	disk INTEGER NOT NULL,
	ephemeral INTEGER NOT NULL DEFAULT 0,
	swap INTEGER NOT NULL DEFAULT 0,
	rxtx_factor REAL NOT NULL DEFAULT 1.0,
	is_public INTEGER NOT NULL DEFAULT 1,
	description TEXT,
	revision BIGINT NOT NULL
);

CREATE TABLE flavor_extra_spec (
	flavor_id VARCHAR(255) NOT NULL REFERENCES flavor (id) ON DELETE CASCADE,
	spec_key VARCHAR(255) NOT NULL,
	spec_value VARCHAR(255) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (flavor_id, spec_key)
);

CREATE TABLE keypair (
	user_id VARCHAR(64) NOT NULL,
	name VARCHAR(255) NOT NULL,
	key_type VARCHAR(16) NOT NULL,
	public_key TEXT NOT NULL,
	fingerprint VARCHAR(64) NOT NULL,
	created_at BIGINT NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (user_id, name)
);

-- A node running agents; for compute nodes also its resource provider.
CREATE TABLE host (
	name VARCHAR(255) PRIMARY KEY,
	service_id VARCHAR(64) NOT NULL UNIQUE,
	roles VARCHAR(255) NOT NULL,
	local_ip VARCHAR(64),
	virt_type VARCHAR(16),
	hypervisor_type VARCHAR(32),
	hypervisor_version BIGINT,
	vcpus INTEGER NOT NULL DEFAULT 0,
	memory_mb INTEGER NOT NULL DEFAULT 0,
	disk_gb INTEGER NOT NULL DEFAULT 0,
	enabled INTEGER NOT NULL DEFAULT 1,
	disabled_reason TEXT,
	last_seen BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	revision BIGINT NOT NULL
);

CREATE TABLE server (
	id VARCHAR(64) PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	project_id VARCHAR(64) NOT NULL,
	user_id VARCHAR(64) NOT NULL,
	host VARCHAR(255) REFERENCES host (name),
	flavor_id VARCHAR(255) NOT NULL,
	flavor_name VARCHAR(255) NOT NULL,
	vcpus INTEGER NOT NULL,
	ram INTEGER NOT NULL,
	disk INTEGER NOT NULL,
	ephemeral INTEGER NOT NULL,
	swap INTEGER NOT NULL,
	image_id VARCHAR(64),
	key_name VARCHAR(255),
	public_key TEXT,
	user_data TEXT,
	availability_zone VARCHAR(255) NOT NULL,
	vm_state VARCHAR(16) NOT NULL,
	task_state VARCHAR(32),
	power_state INTEGER NOT NULL DEFAULT 0,
	power VARCHAR(8) NOT NULL DEFAULT 'on',
	reboot_seq INTEGER NOT NULL DEFAULT 0,
	reboot_type VARCHAR(8),
	reboot_done INTEGER NOT NULL DEFAULT 0,
	fault_code INTEGER,
	fault_message TEXT,
	fault_details TEXT,
	fault_at BIGINT,
	console TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	launched_at BIGINT,
	revision BIGINT NOT NULL
);
CREATE INDEX server_project ON server (project_id);
CREATE INDEX server_host ON server (host);

CREATE TABLE server_metadata (
	server_id VARCHAR(64) NOT NULL REFERENCES server (id) ON DELETE CASCADE,
	meta_key VARCHAR(255) NOT NULL,
	meta_value VARCHAR(255) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (server_id, meta_key)
);

-- Placement: what each server holds on its host. Claimed in the same
-- transaction that puts the server on the host.
CREATE TABLE allocation (
	server_id VARCHAR(64) PRIMARY KEY REFERENCES server (id) ON DELETE CASCADE,
	host VARCHAR(255) NOT NULL REFERENCES host (name),
	vcpus INTEGER NOT NULL,
	memory_mb INTEGER NOT NULL,
	disk_gb INTEGER NOT NULL,
	revision BIGINT NOT NULL
);
CREATE INDEX allocation_host ON allocation (host);

CREATE TABLE quota (
	project_id VARCHAR(64) NOT NULL,
	resource VARCHAR(32) NOT NULL,
	hard_limit INTEGER NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (project_id, resource)
);
