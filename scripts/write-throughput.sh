#!/usr/bin/env bash
# Write throughput of the change-log protocol on PostgreSQL with 1, 2 and 4 concurrent writers:
# "before" is the old protocol (every writer that records a search change takes one cluster-wide
# advisory lock until commit, so followers see ids in commit order); "after" is the current one
# (no lock; each entry carries its transaction id and followers read below pg_snapshot_xmin).
# Each transaction does what a typical write does: update a row, append a change-log entry, commit.
#
#   bash scripts/write-throughput.sh [postgres://postgres@127.0.0.1:5432/test] [seconds per run]
#
# It works in a scratch database of its own, dropped at the end, and prints a markdown table.
set -euo pipefail
admin=${1:-postgres://postgres@127.0.0.1:5432/test}
secs=${2:-10}
db="lingong_wt_$$"
base=${admin%/*}
url="$base/$db"
work=$(mktemp -d)
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
psql "$url" -q >/dev/null <<'SQL'
CREATE TABLE items (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO items SELECT g, 0 FROM generate_series(1, 10000) g;
CREATE TABLE search_changes (
    id BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    txid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)
);
CREATE INDEX search_changes_txid ON search_changes (txid, id);
SQL

cat > "$work/before.sql" <<'SQL'
\set id random(1, 10000)
BEGIN;
SELECT pg_advisory_xact_lock(7302);
UPDATE items SET n = n + 1 WHERE id = :id;
INSERT INTO search_changes (entity, entity_id, created_at) VALUES ('shift', :id, now());
COMMIT;
SQL
cat > "$work/after.sql" <<'SQL'
\set id random(1, 10000)
BEGIN;
UPDATE items SET n = n + 1 WHERE id = :id;
INSERT INTO search_changes (entity, entity_id, created_at) VALUES ('shift', :id, now());
COMMIT;
SQL

tps() { # script clients
  pgbench -n -f "$1" -c "$2" -j "$2" -T "$secs" "$url" 2>/dev/null | awk '/^tps = / {printf "%.0f", $3}'
}

echo "| writers | before: advisory lock (tx/s) | after: no lock, xmin follower (tx/s) | after / before |"
echo "|---:|---:|---:|---:|"
for c in 1 2 4; do
  b=$(tps "$work/before.sql" "$c")
  a=$(tps "$work/after.sql" "$c")
  echo "| $c | $b | $a | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }') |"
done
echo
echo "PostgreSQL $(psql "$admin" -tAc 'SHOW server_version'), synchronous_commit=$(psql "$admin" -tAc 'SHOW synchronous_commit'), ${secs} s per run, $(nproc) cores, $(date -u +%Y-%m-%d)"
