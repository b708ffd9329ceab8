#!/usr/bin/env python3
"""bench/ha_load.py - the load bench/ha drives through the load balancer.

  ha_load.py creates URL TOKEN IMAGE SECONDS THREADS
      POST /compute/v2.1/servers (fake driver, flavor 42, no network) from
      THREADS clients for SECONDS; prints "N created in S s" and the
      non-202 answers. The servers are left for the caller to delete.
  ha_load.py deletes URL TOKEN THREADS
      DELETE every server named bench-* from THREADS clients; prints how
      many (the agent destroys them after).
  ha_load.py probe URL TOKEN STOPFILE OUT.json [THREADS]
      GET /v3/auth/tokens (the token validates itself) back to back from
      THREADS (2) clients until STOPFILE exists; OUT.json gets every
      request's [start, end, status] (status 0: no answer)."""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request


def call(method, url, token, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    req.add_header("X-Auth-Token", token)
    req.add_header("X-Subject-Token", token)
    req.add_header("OpenStack-API-Version", "compute 2.60")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code
    except Exception:
        return 0


def creates(url, token, image, seconds, threads):
    end = time.time() + seconds
    lock = threading.Lock()
    got = {"n": 0, "other": {}}
    body = {"server": {"name": "bench", "flavorRef": "42", "imageRef": image,
                       "networks": "none"}}

    def run(c):
        i = 0
        while time.time() < end:
            b = json.loads(json.dumps(body))
            b["server"]["name"] = "bench-%d-%d" % (c, i)
            i += 1
            st = call("POST", url + "/compute/v2.1/servers", token, b)
            with lock:
                if st == 202:
                    got["n"] += 1
                else:
                    got["other"][st] = got["other"].get(st, 0) + 1

    t0 = time.time()
    ts = [threading.Thread(target=run, args=(c,)) for c in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("%d created in %.2f s; other answers: %s" % (got["n"], time.time() - t0, got["other"]))


def deletes(url, token, threads):
    ids, marker = [], ""
    while True:  # pages of 1000 (Nova's max_limit)
        req = urllib.request.Request(url + "/compute/v2.1/servers?name=bench-&limit=1000" + marker)
        req.add_header("X-Auth-Token", token)
        with urllib.request.urlopen(req, timeout=60) as r:
            page = json.loads(r.read())["servers"]
        ids += [s["id"] for s in page if s["name"].startswith("bench-")]
        if len(page) < 1000:
            break
        marker = "&marker=" + page[-1]["id"]
    lock = threading.Lock()

    def run():
        while True:
            with lock:
                if not ids:
                    return
                sid = ids.pop()
            call("DELETE", url + "/compute/v2.1/servers/" + sid, token)

    n = len(ids)
    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("%d deleted" % n)


def probe(url, token, stop, out, threads):
    lock = threading.Lock()
    log = []

    def run():
        while not os.path.exists(stop):
            t0 = time.time()
            st = call("GET", url + "/v3/auth/tokens", token, timeout=10)
            with lock:
                log.append([t0, time.time(), st])
            if st != 200:
                time.sleep(0.01)

    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    json.dump(log, open(out, "w"))


if sys.argv[1] == "creates":
    creates(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
elif sys.argv[1] == "deletes":
    deletes(sys.argv[2], sys.argv[3], int(sys.argv[4]))
else:
    probe(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
          int(sys.argv[6]) if len(sys.argv) > 6 else 2)
