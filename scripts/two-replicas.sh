# Sourced by scripts/replica-lag.sh and scripts/freshness-under-load.sh: two `lingong serve`
# replicas sharing a fresh PostgreSQL database and Redis, with a moderator account.
#
#   two_replicas_setup TAG [--demo]   # creates the database lingong_TAG_<pid>, migrates it (and
#                                     # seeds the demo market), makes the moderator; sets db, base,
#                                     # prefix, work; an EXIT trap stops the replicas and drops it
#   two_replicas_start [VAR=VALUE …]  # starts replica A and B with that environment, waits until
#                                     # both are ready; sets porta, portb, pa, pb
#
# Needs bin, pg_admin and redis set by the caller. The moderator signs in with MODERATOR_PHONE and
# MODERATOR_PASSWORD. LINGONG_BENCH_KEEP_LOGS=1 keeps the replicas' logs ($work/a.log, b.log).
MODERATOR_PHONE=13900009999
MODERATOR_PASSWORD=lag-moderator

two_replicas_cleanup() {
  kill "${pa:-0}" "${pb:-0}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  if [ "${LINGONG_BENCH_KEEP_LOGS:-}" = 1 ]; then echo "replica logs kept in $work" >&2; else rm -rf "$work"; fi
}

two_replicas_setup() {
  db=lingong_${1}_$$
  base=${pg_admin%/*}
  prefix="${1}$$:"
  psql "$pg_admin" -qc "CREATE DATABASE $db"
  work=$(mktemp -d)
  trap two_replicas_cleanup EXIT
  export LINGONG_DATABASE__URL="$base/$db" LINGONG_REDIS__URL="$redis" LINGONG_REDIS__KEY_PREFIX="$prefix" LINGONG_RATE_LIMIT__ENABLED=false
  "$bin" migrate >/dev/null
  if [ "${2:-}" = --demo ]; then "$bin" seed --demo >/dev/null 2>&1; fi
  "$bin" admin create-user --role moderator --phone "$MODERATOR_PHONE" --password "$MODERATOR_PASSWORD" --name 压测审核员 >/dev/null
}

two_replicas_start() {
  local free_port='import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  porta=$(python3 -c "$free_port")
  portb=$(python3 -c "$free_port")
  env "$@" "$bin" serve --bind "127.0.0.1:$porta" >"$work/a.log" 2>&1 &
  pa=$!
  env "$@" "$bin" serve --bind "127.0.0.1:$portb" >"$work/b.log" 2>&1 &
  pb=$!
  local p
  for p in $porta $portb; do
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$p/readyz" >/dev/null && break; sleep 0.1; done
    curl -sf "http://127.0.0.1:$p/readyz" >/dev/null || { echo "replica on :$p did not become ready" >&2; tail -20 "$work"/*.log >&2; exit 1; }
  done
}
