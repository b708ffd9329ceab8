-- 007-host-applied: the store revision of the last desired state an agent
-- carried out in full. A VM starts only once the DHCP server of each of its
-- networks has its address (the network host applied a revision at least
-- that of the address): Neutron's DHCP provisioning block and Nova's wait
-- for network-vif-plugged.
ALTER TABLE host ADD COLUMN applied_revision BIGINT NOT NULL DEFAULT 0;
