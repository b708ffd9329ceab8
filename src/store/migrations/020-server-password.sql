-- 020-server-password: the password a guest posts to the metadata service
-- (POST /openstack/VERSION/password, as cloud-init and CirrOS do: usually
-- encrypted by the guest with the server's public key, so opaque here),
-- shown by GET /servers/{id}/os-server-password and cleared by its DELETE.
-- '' when none was posted; Nova keeps it in the instance's system metadata.
ALTER TABLE server ADD COLUMN password TEXT NOT NULL DEFAULT '';
