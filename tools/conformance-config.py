#!/usr/bin/python3
# tools/conformance-config.py SUITE - print a tempest.conf for the cloud of
# the OS_* variables (an admin's openrc), with what the cloud has looked up
# through its API: the catalog's services, an image, the two smallest
# flavors, the external network, the network extensions, the compute
# microversions; and every feature flag set to what the cloud serves.
# Used by tools/conformance; standard library only (a fresh Debian has it).
#
# Feature flags. A flag is off only where the cloud has no such feature at
# all: identity features are probed (the route answers 404 or 405 only when
# the cloud has no such API; any other answer, an error included, means
# the cloud claims it and tempest runs its tests); the compute features
# Basalt does not have at all are listed in COMPUTE_ABSENT (read from its
# routes and server actions) and are on for any other cloud.
import json
import os
import sys
import urllib.error
import urllib.request

SUITE = sys.argv[1] if len(sys.argv) > 1 else "all"
STATE = sys.argv[2] if len(sys.argv) > 2 else "."
env = os.environ


def req(method, url, token=None, body=None, headers=None):
    h = {"Accept": "application/json"}
    if token:
        h["X-Auth-Token"] = token
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body).encode()
    h.update(headers or {})
    r = urllib.request.Request(url, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            data = resp.read()
            return resp.status, (json.loads(data) if data else None), resp.headers
    except urllib.error.HTTPError as e:
        data = e.read()
        try:
            data = json.loads(data)
        except ValueError:
            data = None
        return e.code, data, e.headers


def die(msg):
    sys.stderr.write("conformance: %s\n" % msg)
    sys.exit(1)


auth_url = env.get("OS_AUTH_URL", "").rstrip("/")
if not auth_url:
    die("no OS_AUTH_URL (give --openrc FILE, or bring the lab up)")
if not auth_url.endswith("/v3"):
    auth_url += "/v3"
user = env.get("OS_USERNAME", "admin")
password = env.get("OS_PASSWORD", "")
project = env.get("OS_PROJECT_NAME", "admin")
user_domain = env.get("OS_USER_DOMAIN_NAME", "Default")
project_domain = env.get("OS_PROJECT_DOMAIN_NAME", "Default")
region = env.get("OS_REGION_NAME", "RegionOne")

status, body, headers = req("POST", auth_url + "/auth/tokens", body={"auth": {
    "identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": user_domain}, "password": password}}},
    "scope": {"project": {"name": project, "domain": {"name": project_domain}}}}})
if status != 201:
    die("%s: the admin's password authentication answered %d: %s" % (auth_url, status, body))
token = headers["X-Subject-Token"]
tok = body["token"]
admin_id = tok["user"]["id"]
admin_project_id = tok["project"]["id"]
admin_domain_id = tok["user"]["domain"]["id"]

# The catalog: public endpoints in our region.
endpoints = {}
for svc in tok.get("catalog", []):
    for ep in svc.get("endpoints", []):
        if ep.get("interface") == "public" and ep.get("region", region) in (region, None):
            endpoints.setdefault(svc["type"], ep["url"].rstrip("/"))


def ok(code):
    return 200 <= code < 300


def probe(path):
    """The identity API has PATH (any answer but 404/405: the cloud claims it)."""
    code, _, _ = req("GET", auth_url + path, token)
    return code not in (404, 405, 501)


def domain_id_of(name):
    code, b, _ = req("GET", auth_url + "/domains?name=" + name, token)
    if ok(code) and b.get("domains"):
        return b["domains"][0]["id"]
    return "default"


default_domain_id = domain_id_of(user_domain) if user_domain == "Default" else "default"
features = {
    "trust": probe("/OS-TRUST/trusts"),
    "application_credentials": probe("/users/%s/application_credentials" % admin_id),
    "access_rules": probe("/users/%s/access_rules" % admin_id),
    "project_tags": probe("/projects/%s/tags" % admin_project_id),
}
id_ext = []
if probe("/users/%s/credentials/OS-EC2" % admin_id):
    id_ext.append("OS-EC2")
if probe("/OS-INHERIT/domains/%s/users/%s/roles/inherited_to_projects"
         % (admin_domain_id, admin_id)):
    id_ext.append("OS-INHERIT")
if probe("/OS-OAUTH1/consumers"):
    id_ext.append("OS-OAUTH1")
if probe("/OS-EP-FILTER/endpoint_groups"):
    id_ext.append("OS-EP-FILTER")
if features["trust"]:
    id_ext.append("OS-TRUST")

svc = {
    "nova": "compute" in endpoints,
    "neutron": "network" in endpoints,
    "glance": "image" in endpoints,
    "cinder": any(t in endpoints for t in ("volumev3", "block-storage", "volume")),
    "swift": "object-store" in endpoints,
    "placement": "placement" in endpoints,
    # Horizon: tempest's dashboard scenario logs in through Horizon's Django
    # form (csrfmiddlewaretoken, a session cookie). No catalog entry says
    # a cloud has it (tempest's default is true, at http://localhost/);
    # Basalt's dashboard is its own (a static page calling the APIs with
    # the user's token, tests/browser), not Horizon.
    "horizon": False,
}

# Is the cloud Basalt? Only Basalt's API port serves its agents' API.
code, _, _ = req("GET", auth_url[:-len("/v3")] + "/agent/v1/hosts/conformance/desired")
is_basalt = code != 404

image_ref = flavor_ref = flavor_alt = public_net = public_net_name = None
# CirrOS's login; Basalt's test image (tools/mkimage) has it too
ssh_user = "cirros"
if svc["glance"]:
    code, b, _ = req("GET", endpoints["image"] + "/v2/images?status=active", token)
    if ok(code):
        imgs = b.get("images", [])
        imgs.sort(key=lambda i: (i.get("name") != "basalt-test", i.get("size") or 0))
        if imgs:
            image_ref = imgs[0]["id"]
flavors = []
if svc["nova"]:
    code, b, _ = req("GET", endpoints["compute"] + "/flavors/detail", token)
    if ok(code):
        flavors = sorted(b.get("flavors", []), key=lambda f: (f["ram"], f["vcpus"], f["id"]))
    if flavors:
        flavor_ref = flavors[0]["id"]
        flavor_alt = flavors[1]["id"] if len(flavors) > 1 else flavor_ref
net_ext = []
if svc["neutron"]:
    nurl = endpoints["network"]
    if not nurl.rstrip("/").endswith("v2.0"):
        nurl += "/v2.0"
    code, b, _ = req("GET", nurl + "/networks?router:external=True", token)
    if ok(code) and b.get("networks"):
        public_net = b["networks"][0]["id"]
        public_net_name = b["networks"][0]["name"]
    code, b, _ = req("GET", nurl + "/extensions", token)
    if ok(code):
        net_ext = sorted(e["alias"] for e in b.get("extensions", []))

min_mv = max_mv = None
if svc["nova"]:
    code, b, _ = req("GET", endpoints["compute"], token)
    v = (b or {}).get("version") if ok(code) else None
    if v:
        min_mv, max_mv = v.get("min_version") or None, v.get("version") or None

# Compute features Basalt does not have at all (src/compute: its routes and
# the server actions of server_actions.c; it has console output, config
# drive, OS-DCF:diskConfig, adminPass, the metadata service). Keep in step
# with the code: a feature that lands comes off this list.
COMPUTE_ABSENT = {
    "change_password", "shelve", "shelve_migrate", "stable_rescue",
    "vnc_console", "spice_console", "rdp_console", "live_migration", "cold_migration",
    "block_migration_for_live_migration", "volume_backed_live_migration",
    "swap_volume", "attach_encrypted_volume", "volume_multiattach", "personality",
} if is_basalt else set()


def b2s(v):
    return "true" if v else "false"


out = []


def section(name, items):
    out.append("[%s]" % name)
    for k, v in items:
        if v is None:
            continue
        if isinstance(v, bool):
            v = b2s(v)
        out.append("%s = %s" % (k, v))
    out.append("")


section("DEFAULT", [("log_dir", STATE), ("log_file", "tempest.log"), ("use_stderr", False)])
section("oslo_concurrency", [("lock_path", STATE + "/lock")])
section("auth", [
    ("use_dynamic_credentials", True),
    # identity's tests never use the network a dynamic project gets
    ("create_isolated_networks", SUITE != "identity" and svc["neutron"]),
    ("admin_username", user), ("admin_password", password),
    ("admin_project_name", project), ("admin_domain_name", user_domain),
    ("admin_user_domain_name", user_domain), ("admin_project_domain_name", project_domain),
])
section("identity", [
    ("uri_v3", auth_url), ("auth_version", "v3"), ("region", region),
    ("v3_endpoint_type", "public"), ("admin_role", "admin"),
    ("default_domain_id", default_domain_id), ("disable_ssl_certificate_validation", True),
])
section("identity-feature-enabled", [
    ("api_v2", False), ("api_v2_admin", False), ("api_v3", True),
    ("trust", features["trust"]),
    ("application_credentials", features["application_credentials"]),
    ("access_rules", features["access_rules"]),
    ("project_tags", features["project_tags"]),
    ("api_extensions", ",".join(id_ext)),  # empty: none (unset would be "all")
    # need a keystone.conf with these set (lockout, password rules, LDAP):
    # tempest's defaults, off for Keystone's default configuration too
    ("security_compliance", False), ("domain_specific_drivers", False),
    ("immutable_user_source", False),
])
section("service_available", [(k, v) for k, v in svc.items()])
if svc["nova"]:
    section("compute", [
        ("image_ref", image_ref), ("image_ref_alt", image_ref),
        ("flavor_ref", flavor_ref), ("flavor_ref_alt", flavor_alt),
        ("region", region), ("endpoint_type", "publicURL"),
        ("min_microversion", min_mv), ("max_microversion", max_mv),
        ("fixed_network_name", None),
        ("build_timeout", 300), ("build_interval", 1),
    ])
    cfe = [(f, False) for f in sorted(COMPUTE_ABSENT)]
    if is_basalt:
        # tempest's flags that default to off for what Basalt has: cold
        # resize with confirm and revert (server_resize.c)
        cfe.append(("resize", True))
        # os-remote-consoles protocol serial (serial_console.c); Nova's
        # sanitized hostname reaches the guest (hostname_of, core/util.c)
        cfe.append(("serial_console", True))
        cfe.append(("hostname_fqdn_sanitization", True))
        # its scheduler: the zone, a live compute service, room, the
        # same_host/different_host hints and server groups' policies
        cfe.append(("scheduler_enabled_filters",
                    "AvailabilityZoneFilter,ComputeFilter,SameHostFilter,DifferentHostFilter,"
                    "ServerGroupAffinityFilter,ServerGroupAntiAffinityFilter"))
    section("compute-feature-enabled", cfe)
if svc["neutron"]:
    section("network", [
        ("public_network_id", public_net), ("floating_network_name", public_net_name),
        ("region", region), ("endpoint_type", "publicURL"),
        ("project_network_cidr", "10.100.0.0/16"), ("project_network_mask_bits", 28),
        ("project_networks_reachable", False), ("build_timeout", 120),
    ])
    section("network-feature-enabled", [
        ("api_extensions", ",".join(net_ext)),
        # Basalt's subnets are IPv4 only (an IPv6 one is refused, 400)
        ("ipv6", not is_basalt), ("ipv6_subnet_attributes", not is_basalt),
    ])
if svc["glance"]:
    section("image", [("region", region), ("endpoint_type", "publicURL")])
section("validation", [
    ("run_validation", bool(svc["nova"] and svc["neutron"] and public_net)),
    ("connect_method", "floating"), ("auth_method", "keypair"),
    ("image_ssh_user", ssh_user), ("ssh_timeout", 120), ("ping_timeout", 120),
])
section("scenario", [("img_file", None)])
sys.stdout.write("\n".join(out))
