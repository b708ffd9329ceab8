#!/usr/bin/env python3
"""tests/lab/ha_storm.py - a create/delete storm of servers from several
clients through the load balancer (tests/lab/ha_failover.sh, bench/ha).

  ha_storm.py URL PASSWORD NETWORK_ID OUT.json STOPFILE [CLIENTS] [MAX]

Each client logs in, then until STOPFILE exists (and at most MAX cycles)
creates two servers and deletes one of them, and its oldest when it holds
more than KEEP, so that what stays is bounded (fake guests still take the
host's vCPUs). It behaves as a client that can retry should: a request that could
not reach a controller, or got 502/503/504 from the load balancer, is
"retryable": a delete is sent again (a 404 then means done), a create is
first looked up by its unique name (it may have been made before the
controller died) and only sent again when it is not there. Any other
answer than the expected one is "fatal". OUT.json gets every request
(time, client, method, what, status or error, kind) and what each client
believes exists: {"requests": [...], "alive": {name: id}, "deleted": [...]}.
"""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

URL, PASSWORD, NET, OUT, STOP = sys.argv[1:6]
CLIENTS = int(sys.argv[6]) if len(sys.argv) > 6 else 4
MAX = int(sys.argv[7]) if len(sys.argv) > 7 else 30
KEEP = 4
RETRYABLE = (502, 503, 504)
COMPUTE = URL + "/compute/v2.1"

lock = threading.Lock()
requests = []
alive = {}
deleted = []


def call(client, method, url, body=None, token=None, what=""):
    """One HTTP request; returns (status or None, headers, body bytes, its
    record in requests, for mark)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json")
    req.add_header("OpenStack-API-Version", "compute 2.60")
    if token:
        req.add_header("X-Auth-Token", token)
    t0 = time.time()
    status, err, hdrs, out = None, None, {}, b""
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, hdrs, out = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, out = e.code, e.headers, e.read()
    except Exception as e:  # refused, reset, timeout: the transport failed
        err = type(e).__name__ + ": " + str(e)
    rec = {"t0": t0, "t1": time.time(), "client": client, "method": method,
           "what": what, "status": status, "error": err}
    with lock:
        requests.append(rec)
    return status, hdrs, out, rec


def mark(rec, kind, error=None):
    """Say what a request's answer was: ok, retryable or fatal (each
    client marks its own record: others append meanwhile)."""
    with lock:
        rec["kind"] = kind
        if error is not None:
            rec["error"] = error


def login(client):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    for _ in range(200):
        st, h, _, rec = call(client, "POST", URL + "/v3/auth/tokens", body, what="login")
        if st == 201:
            mark(rec, "ok")
            return h["X-Subject-Token"]
        if st is None or st in RETRYABLE:
            mark(rec, "retryable")
            time.sleep(0.1)
            continue
        mark(rec, "fatal")
        raise SystemExit("login: HTTP %s" % st)
    raise SystemExit("login: no controller answered")


def find(client, tok, name):
    """The id of the server named name, None when there is none, or
    "retry" when the lookup itself could not be answered."""
    # The name as a filter, unanchored: Nova matches it as a regular
    # expression anywhere in the name (Basalt: as a substring); the
    # client keeps only the exact name.
    st, _, out, rec = call(client, "GET", COMPUTE + "/servers?name=" + name,
                           token=tok, what="find " + name)
    if st == 200:
        found = [s["id"] for s in json.loads(out)["servers"] if s["name"] == name]
        if len(found) > 1:
            mark(rec, "fatal", "duplicated: %s" % found)
        else:
            mark(rec, "ok")
        return found[0] if found else None
    mark(rec, "retryable" if st is None or st in RETRYABLE else "fatal")
    return "retry"


def create(client, tok, name):
    body = {"server": {"name": name, "flavorRef": "42", "imageRef": IMAGE,
                       "networks": [{"uuid": NET}]}}
    for _ in range(100):
        st, _, out, rec = call(client, "POST", COMPUTE + "/servers", body, tok, "create " + name)
        if st == 202:
            mark(rec, "ok")
            return json.loads(out)["server"]["id"]
        if st is not None and st not in RETRYABLE:
            mark(rec, "fatal", out.decode(errors="replace")[:300])
            return None
        mark(rec, "retryable")
        # It may have been made before the controller died: look first.
        while True:
            sid = find(client, tok, name)
            if sid != "retry":
                break
            time.sleep(0.1)
        if sid:
            return sid
        time.sleep(0.1)
    return None


def delete(client, tok, name, sid):
    sent = False
    for _ in range(100):
        st, _, out, rec = call(client, "DELETE", COMPUTE + "/servers/" + sid, token=tok,
                               what="delete " + name)
        if st == 204 or (st == 404 and sent):
            mark(rec, "ok")
            return True
        if st is not None and st not in RETRYABLE:
            mark(rec, "fatal", out.decode(errors="replace")[:300])
            return False
        mark(rec, "retryable")
        sent = True
        time.sleep(0.1)
    return False


def forget(name):
    with lock:
        del alive[name]
        deleted.append(name)


def run(client):
    tok = login(client)
    mine = []  # this client's servers, oldest first
    for i in range(MAX):
        if os.path.exists(STOP):
            break
        made = []
        for k in ("a", "b"):
            name = "storm-%d-%d%s" % (client, i, k)
            sid = create(client, tok, name)
            if sid:
                with lock:
                    alive[name] = sid
                made.append((name, sid))
        mine.extend(made[:1])
        if len(made) == 2 and delete(client, tok, made[1][0], made[1][1]):
            forget(made[1][0])
        elif len(made) == 2:
            mine.append(made[1])
        # Bounded: the host has room for KEEP servers of each client (its
        # vCPUs), so the storm goes on as long as it must without filling it.
        while len(mine) > KEEP and delete(client, tok, mine[0][0], mine[0][1]):
            forget(mine.pop(0)[0])


def image_id():
    tok = login(-1)
    st, _, out, rec = call(-1, "GET", URL + "/image/v2/images?name=basalt-test", token=tok,
                           what="image")
    mark(rec, "ok" if st == 200 else "fatal")
    return json.loads(out)["images"][0]["id"]


IMAGE = image_id()
threads = [threading.Thread(target=run, args=(c,)) for c in range(CLIENTS)]
for t in threads:
    t.start()
print("storm: under way", flush=True)
for t in threads:
    t.join()
with open(OUT, "w") as f:
    json.dump({"requests": requests, "alive": alive, "deleted": deleted}, f)
