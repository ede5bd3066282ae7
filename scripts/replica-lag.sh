#!/usr/bin/env bash
# Two lingong replicas on one PostgreSQL + Redis; measures write-to-searchable lag across them.
# Usage: scripts/replica-lag.sh [COUNT]   (needs a built binary: release if present, else debug)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-200}
bin=target/release/lingong
[ -x "$bin" ] || bin=target/debug/lingong
pg_admin=${LINGONG_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
redis=${LINGONG_BENCH_REDIS:-redis://127.0.0.1:6379}
db=lingong_lag_$$
base=${pg_admin%/*}
psql "$pg_admin" -qc "CREATE DATABASE $db"
work=$(mktemp -d)
cleanup() {
  kill "${pa:-0}" "${pb:-0}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT
export LINGONG_DATABASE__URL="$base/$db" LINGONG_REDIS__URL="$redis" LINGONG_REDIS__KEY_PREFIX="lag$$:" LINGONG_RATE_LIMIT__ENABLED=false
"$bin" migrate >/dev/null
"$bin" admin create-user --role moderator --phone 13900009999 --password lag-moderator --name 压测审核员 >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
porta=$(free_port); portb=$(free_port)
"$bin" serve --bind "127.0.0.1:$porta" >"$work/a.log" 2>&1 & pa=$!
"$bin" serve --bind "127.0.0.1:$portb" >"$work/b.log" 2>&1 & pb=$!
for p in $porta $portb; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$p/readyz" >/dev/null && break; sleep 0.1; done
done
echo "binary: $bin; replicas on 127.0.0.1:$porta and :$portb; PostgreSQL + Redis"
python3 scripts/replica_lag.py "http://127.0.0.1:$porta" "http://127.0.0.1:$portb" 13900009999 lag-moderator "$count"
