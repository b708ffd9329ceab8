-- 010-project-parent: Keystone's project hierarchy. parent_id names the
-- parent project; NULL is a top-level project, whose parent is its domain
-- (the API answers the domain id as its parent_id, as Keystone does). A
-- parent is always in the same domain; a project with children cannot be
-- deleted, so the reference never dangles.
ALTER TABLE project ADD COLUMN parent_id VARCHAR(64) REFERENCES project (id);
CREATE INDEX project_parent ON project (parent_id);
