#!/usr/bin/python3
# tools/conformance-results.py < SUBUNIT - one line per test of a tempest run
# (stestr's subunit v2 stream on stdin): "STATUS ID REASON", STATUS one of
# pass, fail, skip; ID without tempest's "[id-...,smoke]" attributes (a
# class whose setUpClass failed is "CLASS.setUpClass"); REASON one line:
# the exception of a failure, the reason of a skip. Used by tools/conformance.
import re
import sys

import subunit
import testtools

results = {}


def short_id(tid):
    tid = re.sub(r"\[[^\]]*\]$", "", tid)
    m = re.match(r"^(setUpClass|tearDownClass) \((.+)\)$", tid)
    if m:
        tid = "%s.%s" % (m.group(2), m.group(1))
    return tid


def reason(test):
    d = test["details"]
    if test["status"] == "skip":
        r = d.get("reason")
        return r.as_text().strip() if r else ""
    tb = d.get("traceback")
    if not tb:
        return ""
    lines = [ln for ln in tb.as_text().splitlines() if ln.strip()]
    # the exception line: the last one that does not start with a space,
    # with tempest's "Details: ..." line after it
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].startswith(" ") and not lines[i].startswith("Details:"):
            return " ".join(s.strip() for s in lines[i:])[:300]
    return lines[-1][:300]


def on_test(test):
    st = test["status"]
    if st in ("exists", "inprogress"):
        return
    kind = {"success": "pass", "skip": "skip", "xfail": "pass"}.get(st, "fail")
    tid = short_id(test["id"])
    # a class's tearDownClass error after its tests passed is a failure too
    results[tid] = (kind, reason(test))


stream = subunit.ByteStreamToStreamResult(sys.stdin.buffer, non_subunit_name="stdout")
result = testtools.StreamToDict(on_test)
result.startTestRun()
try:
    stream.run(result)
finally:
    result.stopTestRun()
for tid in sorted(results):
    kind, why = results[tid]
    print("%s %s %s" % (kind, tid, why.replace("\n", " ")))
