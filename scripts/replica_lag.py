"""Measures how long a write on one replica takes to become searchable on another.

Usage: replica_lag.py URL_A URL_B MODERATOR_PHONE MODERATOR_PASSWORD [COUNT]

Posts COUNT shifts through replica A (each with a unique word in its title) and, right after each
201, polls replica B's /api/v1/shifts/search for that word until it appears. Prints p50/p95/p99/max.
"""
import json
import random
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone


def call(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def main():
    a, b, mod_phone, mod_password = sys.argv[1:5]
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    rnd = random.Random(2026)
    phone = "138%08d" % rnd.randrange(10**8)
    emp = call(a, "POST", "/api/v1/auth/register", {"role": "employer", "phone": phone, "password": "lag-bench-pass", "display_name": "压测雇主"})
    token = emp["token"]
    profile = call(a, "PUT", "/api/v1/employers/me", {
        "name": "武汉压测物流有限公司", "kind": "enterprise", "credit_code": "91350100M000100Y43", "contact_name": "王",
        "contact_phone": phone, "address": "武汉市洪山区珞喻路1号", "lat": 30.5067, "lng": 114.3431}, token)
    moderator = call(a, "POST", "/api/v1/auth/login", {"phone": mod_phone, "password": mod_password})["token"]
    call(a, "POST", "/api/v1/employers/%d/verify" % profile["id"], {}, moderator)
    tz = timezone(timedelta(hours=8))
    day = (datetime.now(tz) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    lags = []
    for i in range(count):
        word = "lag%06d" % i
        body = {
            "title": "仓库装卸工 " + word, "description": "仓库装卸与理货，按小时计酬", "requirements": "身体健康",
            "category": "warehouse", "headcount": 2, "address": "武汉市洪山区珞喻路1号", "lat": 30.5067, "lng": 114.3431,
            "slots": [{"start": day.isoformat(), "end": (day + timedelta(hours=4)).isoformat()}],
            "pay": {"amount_fen": 3000, "unit": "hour"}, "settlement": "daily", "employment_type": "gig",
            "valid_through": day.isoformat(),
        }
        created = call(a, "POST", "/api/v1/shifts", body, token)
        t0 = time.perf_counter()
        while True:
            found = call(b, "GET", "/api/v1/shifts/search?q=" + word)
            if any(item["shift"]["id"] == created["id"] for item in found["items"]):
                lags.append(time.perf_counter() - t0)
                break
            if time.perf_counter() - t0 > 10:
                print("shift %d never appeared on B" % created["id"], file=sys.stderr)
                sys.exit(1)
            time.sleep(0.002)
    lags.sort()
    pick = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))] * 1000
    print("writes=%d p50=%.1fms p95=%.1fms p99=%.1fms max=%.1fms" % (len(lags), pick(0.50), pick(0.95), pick(0.99), lags[-1] * 1000))


if __name__ == "__main__":
    main()
