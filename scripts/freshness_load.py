"""Freshness under load: how long a write takes to become searchable on the other replica while two
replicas serve an open-loop mixed load, and where that time goes.

Normally run by scripts/freshness-under-load.sh, which starts the replicas; see its header. Python
standard library only.

Phases:
  1. setup: log in the demo employers and workers, post --preload shifts (claim targets);
  2. capacity probe (unless --rate): closed loop, --probe-conns connections spread over both
     replicas, the same mix, for --probe-seconds; capacity = completed requests / second;
  3. open loop: --rate requests/s (default --fraction of the probe's capacity) for --duration s,
     each request launched at its scheduled time whether or not earlier ones have finished, on
     keep-alive connection pools (a new connection opens whenever none is idle). Mix: --search
     searches, --post posts by verified employers, the rest applications by workers; replicas
     alternate. Latency is measured from the scheduled time (no coordinated omission).
  4. every post made on one replica is watched on the other: a watcher searches there for the
     post's unique title word (or, with --watch-by place, the post's own point) every
     --watch-interval-ms until it appears (these polls are extra load, reported apart from the
     offered rate). Lag = 201 received -> first search that finds it.

Where the time goes, per watched post (clamped so that the parts add up to its lag):
  held    201 -> the PostgreSQL horizon (pg_snapshot_xmin, sampled every 10 ms with psql) passes the
          post's change-log txid: the follower applies only entries below the oldest running
          transaction, so a write waits for every transaction that started before it to finish;
  wake    -> the watching replica's follower call starts (its `index caught up` debug log line: the
          line's time minus `ms`); zero when a call already under way picked the change up;
  apply   inside that call: waiting for a blocking thread and the connection, reading the log,
          loading, the engine commit (one call loops until the log has nothing new, and the log
          line is written once the call has returned to the async runtime);
  poll    call logged -> the watcher's finding search was sent (poll resolution);
  search  that search's own latency on the loaded replica.
The attribution of a post to a follower call is inferred from times (the log line names no
change ids): the first call ending after the last search that missed the post was sent and
starting before the search that found it. Whether a call was woken by Redis is inferred from an
outside subscriber's announcement timestamps (within 20 ms before the call started).
"""
import argparse
import asyncio
import bisect
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

TZ = timezone(timedelta(hours=8))
DEMO_PASSWORD = "lingong-demo"
# The demo's verified enterprises: 13800000005 (individual) waits for review, and 13800000008 is a
# household, whose shifts are shown at an approximate point (which --watch-by place cannot find).
DEMO_EMPLOYERS = ["138000000%02d" % i for i in (1, 2, 3, 4, 6, 7)]
DEMO_WORKERS = ["137000001%02d" % i for i in range(60)]
CITIES = [  # (lat, lng, address) of the demo market's districts
    (39.9219, 116.4436, "北京市朝阳区建国路88号"),
    (31.2215, 121.5440, "上海市浦东新区世纪大道100号"),
    (22.5333, 113.9305, "深圳市南山区科技园路1号"),
    (30.2592, 120.1300, "杭州市西湖区文三路90号"),
    (30.5067, 114.3431, "武汉市洪山区珞喻路1号"),
]
WORDS = ["保洁", "搬家", "仓库", "装卸", "分拣", "快递", "服务员", "帮厨", "日结", "周末", "兼职", "夜班",
         "绿化", "养老", "陪护", "餐厅", "baojie", "banjia", "bj", "家政", "组装", "礼仪", "临时", "小时工"]
SHIFT_TEMPLATES = [
    ("仓库装卸工", "warehouse", "货车装卸、理货上架，单次搬运不超过 25 公斤。"),
    ("家庭保洁员", "cleaning", "负责住户家庭日常保洁，厨房和卫生间清洁，工具由公司提供。"),
    ("快递分拣员", "parcel_sorting", "分拨中心包裹分拣、扫描、装袋，流水线作业。"),
    ("餐厅帮厨", "kitchen_helper", "协助厨师切配、备菜、洗碗，保持后厨卫生。"),
    ("绿化养护工", "gardening", "道路绿化带修剪、浇水、除草，配发工具和防护用品。"),
]


# --------------------------------------------------------------------------------------------
# A small keep-alive HTTP/1.1 client on asyncio streams.
# --------------------------------------------------------------------------------------------

class Pool:
    """Keep-alive connections to one origin; a request takes an idle one or opens a new one."""

    def __init__(self, base):
        u = urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.hosthdr = "%s:%d" % (self.host, self.port)
        self.idle = []
        self.opened = 0

    async def request(self, method, path, body=None, token=None, timeout=10.0):
        """Returns (status, body bytes); status 0 for a connection failure or timeout."""
        data = json.dumps(body).encode() if body is not None else b""
        head = "%s %s HTTP/1.1\r\nhost: %s\r\naccept: application/json\r\n" % (method, path, self.hosthdr)
        if body is not None:
            head += "content-type: application/json\r\ncontent-length: %d\r\n" % len(data)
        if token:
            head += "authorization: Bearer %s\r\n" % token
        msg = (head + "\r\n").encode() + data
        conn = self.idle.pop() if self.idle else None
        try:
            return await asyncio.wait_for(self._exchange(conn, msg), timeout)
        except asyncio.TimeoutError:
            return 0, b"timeout"
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            return 0, ("connection: %s" % type(e).__name__).encode()

    async def _exchange(self, conn, msg):
        for attempt in (0, 1):
            if conn is None:
                conn = await asyncio.open_connection(self.host, self.port)
                self.opened += 1
                attempt = 1  # a fresh connection is not retried
            reader, writer = conn
            try:
                writer.write(msg)
                await writer.drain()
                line = await reader.readline()
                if not line:
                    raise asyncio.IncompleteReadError(b"", None)
            except (OSError, asyncio.IncompleteReadError):
                writer.close()
                conn = None
                if attempt:
                    raise
                continue  # an idle connection the server closed: once more on a new one
            status = int(line.split()[1])
            length, chunked, close = None, False, False
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                k, v = k.strip().lower(), v.strip().lower()
                if k == "content-length":
                    length = int(v)
                elif k == "transfer-encoding" and "chunked" in v:
                    chunked = True
                elif k == "connection" and v == "close":
                    close = True
            if chunked:
                parts = []
                while True:
                    size = int((await reader.readline()).split(b";")[0], 16)
                    if size == 0:
                        await reader.readline()
                        break
                    parts.append(await reader.readexactly(size))
                    await reader.readline()
                payload = b"".join(parts)
            elif length is not None:
                payload = await reader.readexactly(length)
            else:
                payload = await reader.read()
                close = True
            if close:
                writer.close()
            else:
                self.idle.append(conn)
            return status, payload
        raise OSError("unreachable")

    def close(self):
        for _, w in self.idle:
            w.close()
        self.idle.clear()


def jloads(b):
    try:
        return json.loads(b or b"null")
    except ValueError:
        return None


def pick(xs, q):
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def pcts(xs, scale=1000.0):
    xs = sorted(xs)
    if not xs:
        return "n=0"
    return "n=%d p50=%.1f p90=%.1f p99=%.1f max=%.1f" % (len(xs), pick(xs, .5) * scale, pick(xs, .9) * scale, pick(xs, .99) * scale, xs[-1] * scale)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# --------------------------------------------------------------------------------------------
# Outside observers: the PostgreSQL horizon, the Redis change channel, /metrics, the logs.
# --------------------------------------------------------------------------------------------

class Horizon:
    """Samples pg_snapshot_xmin every 10 ms with `psql \\watch` (what the follower applies below)."""

    def __init__(self, url):
        self.url, self.samples, self.proc = url, [], None

    async def start(self):
        # With the horizon, the database of the oldest transaction still running (the one holding
        # it back): transaction ids are cluster-wide, so another database's transaction counts too.
        sql = ("SELECT extract(epoch from clock_timestamp()), pg_snapshot_xmin(pg_current_snapshot())::text, coalesce((SELECT"
               " datname FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY age(backend_xid) DESC LIMIT 1), '-')"
               " \\watch 0.01\n")
        self.proc = await asyncio.create_subprocess_exec("psql", "-AtqX", self.url, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                         stderr=subprocess.DEVNULL)
        self.proc.stdin.write(sql.encode())
        await self.proc.stdin.drain()
        self.task = asyncio.create_task(self._read())

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                return
            parts = line.decode().strip().split("|")
            if len(parts) == 3:
                try:
                    self.samples.append((float(parts[0]), int(parts[1]), parts[2]))
                except ValueError:
                    pass

    def passed(self, txid):
        """(last sample time with the horizon not yet past txid, first one past it, the database
        holding it back at that last sample); None if unseen."""
        lo, hi = 0, len(self.samples)
        while lo < hi:  # the horizon only grows
            mid = (lo + hi) // 2
            if self.samples[mid][1] > txid:
                hi = mid
            else:
                lo = mid + 1
        if lo >= len(self.samples):
            return None
        before = self.samples[lo - 1] if lo > 0 else (float("-inf"), 0, "-")
        return before[0], self.samples[lo][0], before[2]

    def cpu(self):
        try:
            return cpu_seconds(self.proc.pid)
        except (OSError, AttributeError):
            return 0.0

    def stop(self):
        if self.proc and self.proc.returncode is None:
            self.proc.kill()


class Announcements:
    """Subscribes to the Redis change channel and timestamps every announcement."""

    def __init__(self, url, channel):
        u = urlsplit(url)
        self.host, self.port, self.password = u.hostname or "127.0.0.1", u.port or 6379, u.password
        self.channel, self.times, self.task = channel, [], None

    @staticmethod
    def _cmd(*args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        return out

    async def start(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        if self.password:
            self.writer.write(self._cmd("AUTH", self.password))
        self.writer.write(self._cmd("SUBSCRIBE", self.channel))
        await self.writer.drain()
        self.task = asyncio.create_task(self._read())

    async def _value(self):
        line = (await self.reader.readline()).rstrip(b"\r\n")
        t, rest = line[:1], line[1:]
        if t == b"*":
            return [await self._value() for _ in range(int(rest))]
        if t == b"$":
            n = int(rest)
            return None if n < 0 else (await self.reader.readexactly(n + 2))[:-2]
        if t == b"":
            raise EOFError
        return rest

    async def _read(self):
        try:
            while True:
                v = await self._value()
                if isinstance(v, list) and v and v[0] == b"message":
                    self.times.append(time.time())
        except (EOFError, OSError, asyncio.IncompleteReadError):
            pass

    def first_after(self, t):
        for x in self.times:  # few enough
            if x >= t:
                return x
        return None

    def near_before(self, t, window=0.020):
        return any(t - window <= x <= t + 0.002 for x in self.times)

    def stop(self):
        if self.task:
            self.task.cancel()
            self.writer.close()


METRIC = re.compile(r'^(\w+)\{([^}]*)\}\s+([0-9.eE+-]+|NaN|\+Inf)$')


async def scrape(pool):
    status, body = await pool.request("GET", "/metrics")
    out = {}
    if status != 200:
        return out
    for line in body.decode().splitlines():
        m = METRIC.match(line)
        if m:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2))))
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def server_side(before, after):
    """Per route: requests, and p50/p99 upper bounds from the latency histogram's delta."""
    rows = {}
    for (name, labels), v in after.items():
        if name != "lingong_http_request_duration_seconds_bucket":
            continue
        d = dict(labels)
        key = (d.get("route"), d.get("method"))
        le = float("inf") if d["le"] == "+Inf" else float(d["le"])
        rows.setdefault(key, []).append((le, v - before.get((name, labels), 0.0)))
    out = {}
    for key, buckets in rows.items():
        buckets.sort()
        total = buckets[-1][1]
        if total <= 0:
            continue
        q = lambda p: next(le for le, c in buckets if c >= p * total)
        out[key] = (int(total), q(0.5), q(0.99))
    return out


def catchups(log_path, since):
    """`index caught up` events of the follower from a JSON log: (end, ms, changes)."""
    out = []
    try:
        f = open(log_path, encoding="utf-8", errors="replace")
    except OSError:
        return out
    with f:
        for line in f:
            if "index caught up" not in line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            fields = e.get("fields", e)
            if fields.get("message") != "index caught up":
                continue
            ts = e.get("timestamp", "")
            try:
                end = datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
            if end >= since:
                out.append((end, float(fields.get("ms", 0)), int(fields.get("changes", 0))))
    out.sort()
    return out


def psql_rows(url, sql):
    r = subprocess.run(["psql", "-AtqX", url, "-c", sql], capture_output=True, text=True)
    return [line.split("|") for line in r.stdout.splitlines() if line]


# --------------------------------------------------------------------------------------------
# The load.
# --------------------------------------------------------------------------------------------

class Load:
    def __init__(self, args):
        self.args = args
        self.urls = [args.a, args.b]
        self.pools = [Pool(u) for u in self.urls]
        self.watch_pools = [Pool(u) for u in self.urls]
        self.rnd = random.Random(args.seed)
        self.run_tag = "%04d" % random.Random().randrange(10 ** 4)
        self.serial = 0
        self.employers, self.workers = [], []  # tokens
        self.targets = []  # shift ids open to applications
        self.applied = {}  # worker index -> set of shift ids
        self.day = (datetime.now(TZ) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
        self.reset()

    def reset(self):
        self.results = {"search": [], "post": [], "claim": []}  # (latency s, status, code)
        self.late = []
        self.watched = []  # dicts
        self.watch_polls = 0
        self.watch_latency = []
        self.search_times = []  # (replica, scheduled wall time, answered wall time)
        self.watch_tasks = []

    async def call(self, i, method, path, body=None, token=None):
        status, payload = await self.pools[i].request(method, path, body, token)
        return status, jloads(payload) if status else None

    async def setup(self):
        a = 0
        st, mod = await self.call(a, "POST", "/api/v1/auth/login", {"phone": self.args.moderator_phone, "password": self.args.moderator_password})
        if st != 200:
            sys.exit("moderator login failed: %s %s" % (st, mod))

        async def login(phone):
            st, r = await self.call(a, "POST", "/api/v1/auth/login", {"phone": phone, "password": DEMO_PASSWORD})
            if st != 200:
                sys.exit("login %s failed: %s %s (was `lingong seed --demo` run?)" % (phone, st, r))
            return r["token"]

        self.employers = [await login(p) for p in DEMO_EMPLOYERS]
        self.workers = [await login(p) for p in DEMO_WORKERS[: self.args.workers]]
        self.applied = {i: set() for i in range(len(self.workers))}
        for i in range(self.args.preload):
            st, created, _ = await self.post(i % 2)
            if st != 201:
                sys.exit("preload post failed: %s %s" % (st, created))

    def spot(self, serial):
        """With --watch-by place: a point of its own for each post, on a ~500 m grid east of Wuhan."""
        return round(30.40 + (serial // 200) * 0.005, 5), round(114.20 + (serial % 200) * 0.005, 5)

    def shift_body(self, word, spot=None):
        title, category, description = self.rnd.choice(SHIFT_TEMPLATES)
        lat, lng, address = self.rnd.choice(CITIES)
        if spot:
            lat, lng, address = spot[0] + 0.02, spot[1] + 0.02, CITIES[-1][2]  # undone by the jitter below
        day = self.day + timedelta(days=self.rnd.randrange(0, 5), hours=self.rnd.choice([0, 1, 4]))
        return {
            "title": "%s %s" % (title, word), "description": description, "requirements": "身体健康",
            "category": category, "headcount": 10, "address": address,
            "lat": lat + (-0.02 if spot else self.rnd.uniform(-0.02, 0.02)), "lng": lng + (-0.02 if spot else self.rnd.uniform(-0.02, 0.02)),
            "slots": [{"start": day.isoformat(), "end": (day + timedelta(hours=4)).isoformat()}],
            "pay": {"amount_fen": self.rnd.choice([3000, 3500, 4000]), "unit": "hour"}, "settlement": "daily",
            "employment_type": "gig", "take_mode": "apply", "valid_through": day.isoformat(),
        }

    async def post(self, i):
        self.serial += 1
        word = "fl%s%06d" % (self.run_tag, self.serial)
        spot = self.spot(self.serial) if self.args.watch_by == "place" else None
        st, created = await self.call(i, "POST", "/api/v1/shifts", self.shift_body(word, spot), self.rnd.choice(self.employers))
        if st == 201 and created and created.get("status") == "published":
            self.targets.append(created["id"])
        return st, created, word

    def search_path(self):
        r = self.rnd.random()
        params = []
        if r < 0.8:
            params.append("q=" + quote(self.rnd.choice(WORDS)))
        if r > 0.3:
            lat, lng, _ = self.rnd.choice(CITIES)
            params += ["lat=%.5f" % (lat + self.rnd.uniform(-0.05, 0.05)), "lng=%.5f" % (lng + self.rnd.uniform(-0.05, 0.05))]
            if self.rnd.random() < 0.5:
                params.append("radius_km=%d" % self.rnd.choice([3, 5, 10, 20]))
        if self.rnd.random() < 0.1:
            params.append("settlement=daily")
        return "/api/v1/shifts/search?" + "&".join(params)

    def claim_target(self):
        if not self.targets:
            return None
        for _ in range(20):
            w = self.rnd.randrange(len(self.workers))
            s = self.rnd.choice(self.targets)
            if s not in self.applied[w]:
                self.applied[w].add(s)
                return w, s
        return None

    async def one(self, kind, i, scheduled, watch):
        """One request of the mix on replica i; latency from `scheduled` (perf_counter)."""
        code = ""
        if kind == "search":
            st, body = await self.call(i, "GET", self.search_path())
        elif kind == "post":
            st, body, word = await self.post(i)
            ack_wall, ack = time.time(), time.perf_counter()
            if st == 201 and watch and body and body.get("status") == "published" and self.rnd.random() < self.args.watch_fraction:
                w = {"id": body["id"], "word": word, "on": i, "sent": ack_wall - (ack - scheduled), "ack": ack_wall}
                self.watched.append(w)
                self.watch_tasks.append(asyncio.create_task(self.watch(w)))
        else:
            t = self.claim_target()
            if t is None:
                st, body = 0, {"error": {"code": "no_target"}}
            else:
                st, body = await self.call(i, "POST", "/api/v1/shifts/%d/applications" % t[1], {}, self.workers[t[0]])
        if st >= 400 and isinstance(body, dict):
            code = (body.get("error") or {}).get("code", "")
        latency = time.perf_counter() - scheduled
        self.results[kind].append((latency, st, code))
        if kind == "search" and st == 200:
            now = time.time()
            self.search_times.append((i, now - latency, now))

    async def watch(self, w):
        other = 1 - w["on"]
        pool = self.watch_pools[other]
        if self.args.watch_by == "place":
            lat, lng = self.spot(int(w["word"][-6:]))
            path = "/api/v1/shifts/search?lat=%.5f&lng=%.5f&radius_km=0.1" % (lat, lng)
        else:
            path = "/api/v1/shifts/search?q=" + w["word"]
        deadline = w["ack"] + self.args.watch_timeout
        w["prev"] = w["sent"]  # when the last search that did not find it was sent
        while time.time() < deadline:
            self.watch_polls += 1
            w["polls"] = w.get("polls", 0) + 1
            asked = time.time()
            st, payload = await pool.request("GET", path)
            now = time.time()
            self.watch_latency.append(now - asked)
            body = jloads(payload) if st == 200 else None
            if body and any(it.get("shift", {}).get("id") == w["id"] for it in body.get("items", [])):
                w["found"], w["found_asked"] = now, asked
                return
            w["prev"] = asked
            await asyncio.sleep(self.args.watch_interval_ms / 1000)
        if self.args.watch_by == "place":  # not found at its point: where can it be found?
            lat, lng = self.spot(int(w["word"][-6:]))
            for key, p, q in (("by_word", pool, "q=" + w["word"]), ("by_2km", pool, "lat=%.5f&lng=%.5f&radius_km=2" % (lat, lng)),
                              ("by_point_on_own_replica", self.watch_pools[w["on"]], "lat=%.5f&lng=%.5f&radius_km=0.1" % (lat, lng))):
                st, payload = await p.request("GET", "/api/v1/shifts/search?" + q)
                body = jloads(payload) if st == 200 else None
                hits = [it for it in (body or {}).get("items", []) if it.get("shift", {}).get("id") == w["id"]]
                w[key] = bool(hits)
                if hits and key == "by_2km":
                    w["seen_at"] = (hits[0]["shift"].get("lat"), hits[0]["shift"].get("lng"), hits[0].get("distance_km"))

    def kind(self):
        r = self.rnd.random()
        return "search" if r < self.args.search else "post" if r < self.args.search + self.args.post else "claim"

    async def probe(self, seconds, conns):
        self.reset()
        end = time.perf_counter() + seconds
        done = [0]

        async def loop(c):
            while time.perf_counter() < end:
                await self.one(self.kind(), c % 2, time.perf_counter(), False)
                done[0] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(loop(c) for c in range(conns)))
        return done[0] / (time.perf_counter() - t0)

    async def open_loop(self, rate, seconds):
        self.reset()
        n = int(rate * seconds)
        tasks = []
        t0 = time.perf_counter()
        for k in range(n):
            at = t0 + k / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.late.append(max(0.0, time.perf_counter() - at))
            tasks.append(asyncio.create_task(self.one(self.kind(), k % 2, at, True)))
        offered_end = time.perf_counter()
        await asyncio.gather(*tasks)
        completed_end = time.perf_counter()
        await asyncio.gather(*self.watch_tasks)
        return n, offered_end - t0, completed_end - t0


# --------------------------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------------------------

async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--moderator-phone", default="13900000001")
    ap.add_argument("--moderator-password", default=DEMO_PASSWORD)
    ap.add_argument("--rate", type=float, help="offered requests/s; default: --fraction of the probe's capacity")
    ap.add_argument("--fraction", type=float, default=0.7)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--probe-seconds", type=float, default=10)
    ap.add_argument("--probe-conns", type=int, default=32, help="closed-loop connections of the probe, over both replicas")
    ap.add_argument("--search", type=float, default=0.85)
    ap.add_argument("--post", type=float, default=0.10)
    ap.add_argument("--preload", type=int, default=100, help="shifts posted before the load (claim targets)")
    ap.add_argument("--workers", type=int, default=20, help="demo workers that apply (each logs in once)")
    ap.add_argument("--watch-interval-ms", type=float, default=10)
    ap.add_argument("--watch-fraction", type=float, default=1.0, help="share of posts watched on the other replica")
    ap.add_argument("--watch-timeout", type=float, default=10)
    ap.add_argument("--watch-by", choices=["word", "place"], default="word",
                    help="find a post by the unique word in its title, or by a point of its own (radius 100 m; a cheaper search)")
    ap.add_argument("--pids", type=int, nargs=2, help="the replicas' process ids (CPU seconds)")
    ap.add_argument("--logs", nargs=2, help="the replicas' JSON logs (follower timings)")
    ap.add_argument("--pg", help="the database URL (horizon sampling and change-log txids)")
    ap.add_argument("--redis", help="Redis URL (announcement timestamps)")
    ap.add_argument("--channel", help="the change channel (key prefix + search-changes)")
    ap.add_argument("--command", default="scripts/freshness-under-load.sh", help="the command, for the table")
    ap.add_argument("--binary", default="?")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--dump", help="write every watched post's timeline (JSON) and the follower's catch-ups here")
    args = ap.parse_args()

    load = Load(args)
    t = time.perf_counter()
    await load.setup()
    print("setup: %d employers, %d workers, %d shifts preloaded (%.1fs)" % (len(load.employers), len(load.workers), args.preload, time.perf_counter() - t), flush=True)

    capacity = None
    if args.rate is None:
        cpu0 = [cpu_seconds(p) for p in args.pids] if args.pids else None
        capacity = await load.probe(args.probe_seconds, args.probe_conns)
        probe_lat = sorted(x[0] for k in load.results.values() for x in k)
        cpu = [cpu_seconds(p) - c for p, c in zip(args.pids, cpu0)] if args.pids else []
        print("probe: closed loop, %d connections, %.0fs: %.1f requests/s (latency %s ms; replica CPU %s s)" % (
            args.probe_conns, args.probe_seconds, capacity, pcts(probe_lat), "+".join("%.1f" % c for c in cpu)), flush=True)
        rate = capacity * args.fraction
    else:
        rate = args.rate
    await asyncio.sleep(1)  # let the probe's writes settle

    horizon = Horizon(args.pg) if args.pg else None
    ann = Announcements(args.redis, args.channel) if args.redis and args.channel else None
    for obs in (horizon, ann):
        if obs:
            try:
                await obs.start()
            except OSError as e:
                print("observer unavailable: %s" % e, file=sys.stderr)
    await asyncio.sleep(0.3)
    before = [await scrape(p) for p in load.watch_pools]
    cpu0 = [cpu_seconds(p) for p in args.pids] if args.pids else None
    gen0, wall0 = self_cpu(), time.time()
    print("open loop: %.1f requests/s for %.0fs ..." % (rate, args.duration), flush=True)
    n, offered_s, completed_s = await load.open_loop(rate, args.duration)
    cpu = [cpu_seconds(p) - c for p, c in zip(args.pids, cpu0)] if args.pids else []
    gen_cpu = self_cpu() - gen0
    psql_cpu = horizon.cpu() if horizon else 0.0
    after = [await scrape(p) for p in load.watch_pools]
    await asyncio.sleep(0.2)
    for obs in (horizon, ann):
        if obs:
            obs.stop()
    for p in load.pools + load.watch_pools:
        p.close()

    # --- requests ---
    print()
    print("offered %d requests in %.1fs (%.1f/s); all answered after %.1fs; achieved %.1f/s; generator launch lateness %s ms" % (
        n, offered_s, n / offered_s, completed_s, n / completed_s, pcts(load.late)))
    print("watch polls (extra searches on the other replica, not in the offered rate): %d (%.1f/s)" % (load.watch_polls, load.watch_polls / completed_s))
    print("connections opened: %s" % " + ".join("%d" % (p.opened) for p in load.pools))
    errors = {}
    lat_rows = []
    for kind, rs in load.results.items():
        ok = [x[0] for x in rs if 200 <= x[1] < 300]
        lat_rows.append((kind, len(rs), pcts(ok)))
        for _, st, code in rs:
            if not 200 <= st < 300:
                errors[(kind, st, code)] = errors.get((kind, st, code), 0) + 1
        print("  %-6s n=%-6d ok latency (from schedule) %s ms" % (kind, len(rs), pcts(ok)))
    print("errors by status: " + (", ".join("%s %s%s: %d" % (k, s, " " + c if c else "", v) for (k, s, c), v in sorted(errors.items())) or "none"))
    for i, (b, a) in enumerate(zip(before, after)):
        ss = server_side(b, a)
        for (route, method), (count, p50, p99) in sorted(ss.items()):
            if route and route.startswith("/api"):
                print("  server %s %s %s: %d requests, p50 <= %gms, p99 <= %gms (histogram buckets)" % ("AB"[i], method, route, count, p50 * 1000, p99 * 1000))
    if cpu:
        print("CPU seconds over the open loop: replica A %.1f, replica B %.1f, generator %.1f, its psql horizon sampler %.1f (wall %.1fs;"
              " %.2f of a core in all)" % (cpu[0], cpu[1], gen_cpu, psql_cpu, completed_s, (sum(cpu) + gen_cpu + psql_cpu) / completed_s))

    # --- freshness ---
    watched = load.watched
    found = [w for w in watched if "found" in w]
    lags = sorted(w["found"] - w["ack"] for w in found)
    print()
    print("freshness: %d posts watched on the other replica, %d found, %d not within %.0fs" % (len(watched), len(found), len(watched) - len(found), args.watch_timeout))
    missing = [w for w in watched if "found" not in w]
    if missing and args.watch_by == "place":
        print("  of the %d not found at their own point on the other replica, found there by title word: %d, within 2 km: %d;"
              " found at their point on the replica they were posted on: %d (e.g. %s)" % (
                  len(missing), sum(1 for w in missing if w.get("by_word")), sum(1 for w in missing if w.get("by_2km")),
                  sum(1 for w in missing if w.get("by_point_on_own_replica")),
                  ", ".join("shift %d posted at %s, listed at %s" % (w["id"], load.spot(int(w["word"][-6:])), w.get("seen_at")) for w in missing[:3])))
    print("  lag 201 -> searchable on the other replica: %s ms" % pcts(lags))
    print("  lag request sent -> searchable:            %s ms" % pcts([w["found"] - w["sent"] for w in found]))

    # --- where the time goes ---
    txids = {}
    if args.pg and found:
        ids = ",".join(str(w["id"]) for w in found)
        for sid, txid in psql_rows(args.pg, "SELECT entity_id, min(txid) FROM search_changes WHERE entity = 'shift' AND entity_id IN (%s) GROUP BY entity_id" % ids):
            txids[int(sid)] = int(txid)
    logs = [catchups(p, wall0 - 1) for p in args.logs] if args.logs else [[], []]
    parts = {"held": [], "wake": [], "apply": [], "poll": [], "search": []}
    by_redis = unattributed = rode = 0
    holders = {}  # database of the oldest running transaction, for posts held > 20 ms
    for w in found:
        r = 1 - w["on"]
        s0, f = w["ack"], w["found"]
        h = s0
        if horizon and w["id"] in txids:
            hp = horizon.passed(txids[w["id"]])
            if hp is not None:
                h = max(s0, min(hp[1], f))
                if hp[1] - s0 > 0.02:
                    holders[hp[2]] = holders.get(hp[2], 0) + 1
        # The follower call that made it visible: the first one still running (or ending) after
        # the last search that missed it was sent and started before the one that found it. A
        # call loops (read, apply, commit) until the log has nothing new, so it may have started
        # before this change was committed, and its log line may follow the finding.
        cands = [c for c in logs[r] if c[0] >= w["prev"] - 0.001 and c[0] - c[1] / 1000 <= f]
        if not cands:
            unattributed += 1
            continue
        end, ms, _ = cands[0]
        wake = end - ms / 1000
        if wake < w["sent"]:
            rode += 1
        elif ann and ann.near_before(wake):
            by_redis += 1
        w.update(catch_up_wake=wake, catch_up_end=end)
        wv = min(max(wake, h), f)
        e = min(max(end, wv), f)
        parts["held"].append(h - s0)
        parts["wake"].append(wv - h)
        parts["apply"].append(e - wv)
        search = min(f - e, f - w["found_asked"])
        parts["poll"].append(f - e - search)
        parts["search"].append(search)
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump({"posts": watched, "txids": txids, "catch_ups": logs, "announcements": ann.times if ann else [],
                       "horizon": horizon.samples if horizon else []}, f)
    total = sum(sum(xs) for xs in parts.values()) or 1.0  # over the attributed posts
    print()
    print("where the time goes (per attributed post; its parts add up to its 201 -> searchable lag; shares of their total):")
    names = {"held": "held: 201 -> PostgreSQL horizon passes its txid" + ("" if horizon and txids else " (not measured)"),
             "wake": "wake: -> the other replica's follower call starts",
             "apply": "apply: inside the follower call (log `ms`)",
             "poll": "poll: call logged -> the watcher's finding search is sent",
             "search": "search: that search's own latency"}
    for k, xs in parts.items():
        print("  %-62s %s ms; %.0f%% of all lag" % (names[k], pcts(xs), 100 * sum(xs) / total))
    if found:
        print("  posts attributed to a follower call: %d of %d; of those, %d were applied by a call already under way when the"
              " post was sent, %d by a call woken within 20 ms of a Redis announcement%s, %d by another wake-up (poll, or a"
              " write on that replica)" % (len(found) - unattributed, len(found), rode, by_redis, "" if ann else " (no Redis subscriber)",
                                           len(found) - unattributed - rode - by_redis))
    for i, cs in enumerate(logs):
        if cs:
            print("  follower on %s: %d catch-ups, %s ms each, %.1f changes each on average, %.1f%% of wall time catching up" % (
                "AB"[i], len(cs), pcts([c[1] / 1000 for c in cs]), sum(c[2] for c in cs) / len(cs), 100 * sum(c[1] for c in cs) / 1000 / completed_s))
        elif args.logs:
            print("  follower on %s: no `index caught up` lines (debug level for lingong::search::sync?)" % "AB"[i])
    if load.watch_latency:
        print("  watch polls' own latency: %s ms" % pcts(load.watch_latency))
    if any(logs):
        during, outside = [], []
        ends = [[c[0] for c in cs] for cs in logs]
        for i, t0, t1 in load.search_times:
            # One follower per replica, so its calls do not overlap: only the first call ending
            # after the search was scheduled can have started before it was answered.
            k = bisect.bisect_right(ends[i], t0)
            busy = k < len(logs[i]) and logs[i][k][0] - logs[i][k][1] / 1000 < t1
            (during if busy else outside).append(t1 - t0)
        print("  mix searches overlapping a follower call on their replica: %s ms; the others: %s ms" % (pcts(during), pcts(outside)))
    if horizon:
        own = urlsplit(args.pg).path.lstrip("/")
        print("  horizon samples: %d (every ~10 ms); posts held > 20 ms past their 201: %d; the oldest running transaction just"
              " before the horizon passed was in: %s" % (len(horizon.samples), sum(holders.values()),
                                                          ", ".join("%s%s: %d" % (d, " (this run's database)" if d == own else "", n)
                                                                    for d, n in sorted(holders.items(), key=lambda x: -x[1])) or "–"))

    # --- the table ---
    print()
    print("Command: `%s`" % args.command)
    print()
    print("| binary | probe capacity (req/s) | offered (req/s) | achieved (req/s) | search p50 / p99 (ms) | post p50 / p99 (ms) | claim p50 / p99 (ms) | errors | lag p50 / p90 / p99 / max (ms) | not found | CPU s A / B / generator |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def pp(kind):
        xs = sorted(x[0] for x in load.results[kind] if 200 <= x[1] < 300)
        return "%.1f / %.1f" % (pick(xs, .5) * 1000, pick(xs, .99) * 1000) if xs else "–"

    print("| %s | %s | %.1f | %.1f | %s | %s | %s | %d | %.0f / %.0f / %.0f / %.0f | %d of %d | %s |" % (
        args.binary, "%.0f" % capacity if capacity else "– (--rate)", n / offered_s, n / completed_s, pp("search"), pp("post"), pp("claim"),
        sum(errors.values()), pick(lags, .5) * 1000, pick(lags, .9) * 1000, pick(lags, .99) * 1000, (lags[-1] if lags else float("nan")) * 1000,
        len(watched) - len(found), len(watched), " / ".join("%.1f" % c for c in cpu + [gen_cpu]) if cpu else "–"))
    if found:
        print()
        print("| lag part | p50 (ms) | p99 (ms) | share of lag |")
        print("|---|---:|---:|---:|")
        for k, xs in parts.items():
            xs = sorted(xs)
            print("| %s | %.1f | %.1f | %.0f%% |" % (names[k].split(":")[0], pick(xs, .5) * 1000, pick(xs, .99) * 1000, 100 * sum(xs) / total))


if __name__ == "__main__":
    asyncio.run(main())
