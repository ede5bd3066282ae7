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
# shellcheck source=scripts/two-replicas.sh
. scripts/two-replicas.sh
two_replicas_setup lag
two_replicas_start
echo "binary: $bin; replicas on 127.0.0.1:$porta and :$portb; PostgreSQL + Redis"
python3 scripts/replica_lag.py "http://127.0.0.1:$porta" "http://127.0.0.1:$portb" "$MODERATOR_PHONE" "$MODERATOR_PASSWORD" "$count"
