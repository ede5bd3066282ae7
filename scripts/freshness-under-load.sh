#!/usr/bin/env bash
# Freshness under load (issue 13): two lingong replicas on a fresh PostgreSQL database + Redis, the
# demo market seeded, an open-loop mixed load (85% searches, 10% posts, 5% applications) at a fixed
# rate — by default 70% of what a short closed-loop probe measured — and, for every post made on one
# replica, the time until a search on the other finds it, with where that time goes (PostgreSQL
# horizon, follower wake-up, catch-up, visibility). Prints a Markdown table for BENCHMARKS.md.
#
#   scripts/freshness-under-load.sh                               # probe 10 s, then 70% of it for 60 s
#   scripts/freshness-under-load.sh --rate 30 --duration 20       # a fixed rate, no probe
#   scripts/freshness-under-load.sh --watch-by place              # find each post by its own point, not its word
#   scripts/freshness-under-load.sh --dump timeline.json          # every post's timeline, catch-ups, horizon
#   scripts/freshness-under-load.sh --help                        # every option (scripts/freshness_load.py)
#
# Needs a built binary (release if present, else debug), psql, curl and python3 (standard library
# only). Settings (environment): LINGONG_BENCH_BIN (the binary), LINGONG_BENCH_PG (admin URL, postgres://postgres@127.0.0.1:5432/test),
# LINGONG_BENCH_REDIS (redis://127.0.0.1:6379), LINGONG_BENCH_LOG (the replicas' log filter,
# info,lingong::search::sync=debug), LINGONG_BENCH_KEEP_LOGS=1 keeps the replicas' logs. The
# database is created for the run and dropped after it; Redis keys use a prefix of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then exec python3 scripts/freshness_load.py --help; fi
bin=${LINGONG_BENCH_BIN:-target/release/lingong}
[ -x "$bin" ] || bin=target/debug/lingong
pg_admin=${LINGONG_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
redis=${LINGONG_BENCH_REDIS:-redis://127.0.0.1:6379}
log_filter=${LINGONG_BENCH_LOG:-info,lingong::search::sync=debug}
db=lingong_fresh_$$
base=${pg_admin%/*}
prefix="fresh$$:"
psql "$pg_admin" -qc "CREATE DATABASE $db"
work=$(mktemp -d)
cleanup() {
  kill "${pa:-0}" "${pb:-0}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  if [ "${LINGONG_BENCH_KEEP_LOGS:-}" = 1 ]; then echo "replica logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
export LINGONG_DATABASE__URL="$base/$db" LINGONG_REDIS__URL="$redis" LINGONG_REDIS__KEY_PREFIX="$prefix" LINGONG_RATE_LIMIT__ENABLED=false
"$bin" migrate >/dev/null
"$bin" seed --demo >/dev/null 2>&1
"$bin" admin create-user --role moderator --phone 13900009999 --password lag-moderator --name 压测审核员 >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
porta=$(free_port); portb=$(free_port)
RUST_LOG="$log_filter" LINGONG_LOG__FORMAT=json "$bin" serve --bind "127.0.0.1:$porta" >"$work/a.log" 2>&1 & pa=$!
RUST_LOG="$log_filter" LINGONG_LOG__FORMAT=json "$bin" serve --bind "127.0.0.1:$portb" >"$work/b.log" 2>&1 & pb=$!
for p in $porta $portb; do
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$p/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$p/readyz" >/dev/null || { echo "replica on :$p did not become ready" >&2; tail -20 "$work"/*.log >&2; exit 1; }
done
echo "binary: $bin; replicas on 127.0.0.1:$porta (A) and :$portb (B); PostgreSQL + Redis; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 scripts/freshness_load.py "http://127.0.0.1:$porta" "http://127.0.0.1:$portb" \
  --moderator-phone 13900009999 --moderator-password lag-moderator \
  --pids "$pa" "$pb" --logs "$work/a.log" "$work/b.log" \
  --pg "$base/$db" --redis "$redis" --channel "${prefix}search-changes" \
  --binary "$bin" --command "scripts/freshness-under-load.sh${*:+ $*}" "$@"
