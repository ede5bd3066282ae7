#!/usr/bin/env bash
# The whole search benchmark in one run (see BENCHMARKS.md for the results and how to read them):
#   1. in-process engine at each size, and the same queries against PostgreSQL + PostGIS + pg_trgm
#      (cargo bench --bench search);
#   2. HTTP, at each of BENCH_HTTP_SIZES: a fresh SQLite database with generated shifts,
#      `lingong serve` on loopback, wrk; the server's CPU per request and the engine's share of it.
# Writes BENCHMARKS.md (only between its bench:* markers; the text around them is kept).
#
#   bash scripts/bench.sh                      # the full run: 100 000 and 1 000 000 shifts
#   BENCH_SIZES=10000 BENCH_HTTP_SIZES=10000 BENCH_WRK_SECS=5 bash scripts/bench.sh   # a quick check
#
# Settings (environment): BENCH_SIZES (100000,1000000), BENCH_QUERIES (2000), BENCH_PG_QUERIES (500),
# BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test; empty skips PostGIS), BENCH_HTTP_SIZES
# (100000,1000000), BENCH_PORT (18089), BENCH_WRK_SECS (20), BENCH_OUT (BENCHMARKS.md), BENCH_QUIET_WAIT
# (300), BENCH_PARTS (engine,http: which sections to rerun; the others keep their figures).
# Load only ever goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

SIZES="${BENCH_SIZES:-100000,1000000}"
QUERIES="${BENCH_QUERIES:-2000}"
PG_QUERIES="${BENCH_PG_QUERIES:-500}"
PG_URL="${BENCH_PG_URL-postgres://postgres@127.0.0.1:5432/test}"
HTTP_SIZES="${BENCH_HTTP_SIZES:-${BENCH_HTTP_SIZE:-100000,1000000}}"
PORT="${BENCH_PORT:-18089}"
WRK_SECS="${BENCH_WRK_SECS:-20}"
OUT="${BENCH_OUT:-BENCHMARKS.md}"
PARTS="${BENCH_PARTS:-engine,http}"
RUN="bash scripts/bench.sh"
for v in BENCH_PARTS BENCH_SIZES BENCH_QUERIES BENCH_PG_QUERIES BENCH_PG_URL BENCH_HTTP_SIZES BENCH_HTTP_SIZE BENCH_WRK_SECS; do
  if [ -n "${!v+x}" ]; then RUN="$v=${!v} $RUN"; fi
done

say() { echo "== $(date +%H:%M:%S) $*" >&2; }

# Other work on this 2-core machine skews every figure: wait (up to BENCH_QUIET_WAIT seconds,
# default 300) for the 1-minute load average to fall below 1; the report records it either way.
wait_quiet() {
  local max="${BENCH_QUIET_WAIT:-300}" waited=0
  while awk '{ exit !($1 >= 1.0) }' /proc/loadavg && [ "$waited" -lt "$max" ]; do
    sleep 10
    waited=$((waited + 10))
  done
  say "load average $(cut -d' ' -f1-3 /proc/loadavg) (waited ${waited}s for a quiet machine)"
}

# --- tools -------------------------------------------------------------------------------------
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if ! command -v wrk >/dev/null 2>&1; then say "installing wrk"; apt_install wrk; fi
if ! command -v curl >/dev/null 2>&1; then say "installing curl"; apt_install curl; fi
if [ -n "$PG_URL" ]; then
  if ! command -v psql >/dev/null 2>&1; then say "installing postgresql-client"; apt_install postgresql-client; fi
  if ! psql "$PG_URL" -tAc "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'" | grep -q 1; then
    major="$(psql "$PG_URL" -tAc "SHOW server_version_num" | cut -c1-2)"
    say "installing postgresql-$major-postgis-3"
    apt_install "postgresql-$major-postgis-3"
  fi
fi

# --- build -------------------------------------------------------------------------------------
say "building (release, and the bench)"
cargo build --release --locked
cargo bench --bench search --locked --no-run
BIN=target/release/lingong
bench() { cargo bench --bench search --locked -q -- "$@"; }

# --- 1. in-process and PostGIS -----------------------------------------------------------------
if [[ ",$PARTS," == *",engine,"* ]]; then
  wait_quiet
  say "in-process engine${PG_URL:+ and PostGIS}: sizes $SIZES"
  bench --sizes "$SIZES" --queries "$QUERIES" --pg-queries "$PG_QUERIES" ${PG_URL:+--postgis "$PG_URL"} \
    --out "$OUT" --command "$RUN"

  # --- relevance: the judged set (NDCG@10, zero-result rate); fixed fixture, no load needed ----
  say "relevance: the judged set in benches/search/relevance"
  bench --relevance benches/search/relevance --out "$OUT"
fi
if [[ ",$PARTS," != *",http,"* ]]; then
  say "done: $OUT"
  exit 0
fi

# --- 2. HTTP under wrk -------------------------------------------------------------------------
TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

cat >"$TMP/wrk-search.lua" <<'LUA'
-- Rotates through the URLs in $WRK_URLS, each thread from its own offset.
local urls = {}
for line in io.lines(os.getenv("WRK_URLS")) do
  if #line > 0 then urls[#urls + 1] = line end
end
local threads = 0
function setup(thread)
  thread:set("offset", threads * 997)
  threads = threads + 1
end
local i = 0
function init(args)
  i = tonumber(offset) or 0
end
function request()
  i = i % #urls + 1
  return wrk.format("GET", urls[i])
end
LUA

# CPU seconds (utime + stime) of a process so far, from /proc/PID/stat.
proc_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"
}
# A counter from the server's /metrics.
metric() {
  curl -fsS "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

# One HTTP run: SIZE generated shifts in a fresh SQLite database, the server on it, wrk against
# it; the files for the report are left in $TMP/http-SIZE.
http_run() {
  local size=$1 dir="$TMP/http-$1"
  mkdir -p "$dir"
  local db="$dir/bench.db"
  say "HTTP: $size shifts into a fresh SQLite database"
  "$BIN" migrate --database-url "sqlite://$db" >/dev/null
  bench --write-sqlite "$db" --size "$size" --write-urls "$dir/urls.txt" --queries 2000

  say "starting lingong serve on 127.0.0.1:$PORT"
  LINGONG_RATE_LIMIT__ENABLED=false LINGONG_LOG__FORMAT=text LINGONG_LOG__LEVEL=info \
    "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "sqlite://$db" --redis-url "" >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  local ready=0
  for _ in $(seq 1 1200); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.5
  done
  if [ "$ready" != 1 ]; then
    echo "the server did not become ready; its log:" >&2
    cat "$dir/server.log" >&2
    exit 1
  fi
  grep "search index built" "$dir/server.log" >&2 || true

  local first_url sample
  first_url="$(head -n1 "$dir/urls.txt")"
  sample="$(curl -fsS "http://127.0.0.1:$PORT$first_url" | head -c 200000 \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print("total=%d, items=%d" % (d["total"], len(d["items"])))' 2>/dev/null || echo "could not read")"
  say "sample query: $sample"

  wait_quiet
  local load cpu0 eng0 q0 cpu1 eng1 q1
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  cpu0="$(proc_cpu "$SERVER_PID")"; eng0="$(metric lingong_search_engine_cpu_seconds_total)"; q0="$(metric lingong_search_engine_queries_total)"
  say "wrk for ${WRK_SECS}s"
  # wrk runs as a child of a small Python wrapper that reports the child's CPU time afterwards.
  WRK_URLS="$dir/urls.txt" python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], "w"))
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % (r.ru_utime + r.ru_stime))
sys.exit(rc)' "$dir/wrk.txt" wrk -t2 -c32 -d"${WRK_SECS}s" --latency -s "$TMP/wrk-search.lua" "http://127.0.0.1:$PORT" >"$dir/wrk-cpu.txt"
  cat "$dir/wrk.txt" >&2
  cpu1="$(proc_cpu "$SERVER_PID")"; eng1="$(metric lingong_search_engine_cpu_seconds_total)"; q1="$(metric lingong_search_engine_queries_total)"
  cp "/proc/$SERVER_PID/status" "$dir/server-status.txt"

  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""

  cat >"$dir/meta.txt" <<META
run=$RUN
size=$size
data_cmd=cargo bench --bench search -- --write-sqlite \$DB --size $size --write-urls urls.txt --queries 2000
server_cmd=LINGONG_RATE_LIMIT__ENABLED=false $BIN serve --bind 127.0.0.1:$PORT --database-url sqlite://\$DB --redis-url ''
wrk_cmd=wrk -t2 -c32 -d${WRK_SECS}s --latency -s wrk-search.lua http://127.0.0.1:$PORT
urls=$(wc -l <"$dir/urls.txt")
sample=$sample
load=$load
server_cpu_secs=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.3f", b - a }')
engine_cpu_secs=$(awk -v a="$eng0" -v b="$eng1" 'BEGIN { printf "%.3f", b - a }')
engine_queries=$(awk -v a="$q0" -v b="$q1" 'BEGIN { printf "%d", b - a }')
wrk_cpu_secs=$(cat "$dir/wrk-cpu.txt")
META
  rm -f "$db" "$db-wal" "$db-shm"
}

dirs=""
IFS=',' read -r -a http_sizes <<<"$HTTP_SIZES"
for size in "${http_sizes[@]}"; do
  http_run "$size"
  dirs="${dirs:+$dirs,}$TMP/http-$size"
done
bench --http-report "$dirs" --out "$OUT"
say "done: $OUT"
