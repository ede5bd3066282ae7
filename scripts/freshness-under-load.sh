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
# shellcheck source=scripts/two-replicas.sh
. scripts/two-replicas.sh
two_replicas_setup fresh --demo
two_replicas_start RUST_LOG="$log_filter" LINGONG_LOG__FORMAT=json
echo "binary: $bin; replicas on 127.0.0.1:$porta (A) and :$portb (B); PostgreSQL + Redis; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 scripts/freshness_load.py "http://127.0.0.1:$porta" "http://127.0.0.1:$portb" \
  --moderator-phone "$MODERATOR_PHONE" --moderator-password "$MODERATOR_PASSWORD" \
  --pids "$pa" "$pb" --logs "$work/a.log" "$work/b.log" \
  --pg "$base/$db" --redis "$redis" --channel "${prefix}search-changes" \
  --binary "$bin" --command "scripts/freshness-under-load.sh${*:+ $*}" "$@"
