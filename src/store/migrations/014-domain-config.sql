-- 014-domain-config: Keystone's domain-specific configuration
-- (/v3/domains/{id}/config): an option of a group (identity, ldap) for a
-- domain. value is the option's JSON value as given; a sensitive option
-- (ldap password) is stored but never shown. Goes with its domain.
CREATE TABLE domain_config (
	domain_id VARCHAR(64) NOT NULL REFERENCES domain (id) ON DELETE CASCADE,
	grp VARCHAR(255) NOT NULL,
	opt VARCHAR(255) NOT NULL,
	value TEXT NOT NULL,
	sensitive INTEGER NOT NULL DEFAULT 0,
	revision BIGINT NOT NULL,
	PRIMARY KEY (domain_id, grp, opt)
);
