-- 035-controller-service: the services a controller runs, as Nova's
-- os-services, os-hosts and os-availability-zone show them: each
-- controller ([DEFAULT] host) schedules and conducts, so it is Nova's
-- nova-scheduler and nova-conductor on its host, in the zone "internal".
-- A controller makes its rows at start and heartbeats them (last_seen,
-- microseconds) every [compute] heartbeat_interval; a restart re-uses
-- them. service_num is the integer id below microversion 2.53, taken
-- from the same sequence as host.service_num (never the same number as a
-- compute service's), service_id the uuid from 2.53.
CREATE TABLE controller_service (
	host VARCHAR(255) NOT NULL,
	topic VARCHAR(32) NOT NULL,
	service_id VARCHAR(64) NOT NULL UNIQUE,
	service_num INTEGER NOT NULL UNIQUE,
	last_seen BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (host, topic)
);
