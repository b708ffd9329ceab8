-- 012-router-routes: a router's extra routes (Neutron's extraroute
-- extension), the JSON array [{"destination": CIDR, "nexthop": IP}] sorted
-- by destination then nexthop, as routers.c validated it. The network
-- node installs them in the router's namespace (desired state "routes").
ALTER TABLE router ADD COLUMN routes TEXT NOT NULL DEFAULT '[]';
