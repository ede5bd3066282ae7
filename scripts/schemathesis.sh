#!/usr/bin/env bash
# Property-based tests of the whole API against its own OpenAPI document, with schemathesis:
# every check, every phase (examples, coverage, fuzzing, stateful), once per role — anonymous,
# worker, employer, station staff, moderator, admin — against a debug `lingong serve` on a free
# port with a fresh SQLite database holding the demo market, rate limiting off.
# Needs the debug binary (`cargo build`) and Python 3 with pip. Fails on any failure.
# Time budget: ST_MAX_TIME seconds per role (default 90; six roles fit in about 10 minutes);
# ST_ROLES picks roles (space-separated) while iterating.
#
# A fresh Idempotency-Key per call (scripts/schemathesis_hooks.py): a real client never reuses a key
# for another body (that is 422 `idempotency_key_reused` by design); generated cases would.
# One schemathesis worker: with two, Python 3.11's `ast` module (schemathesis reads its own
# lambdas' source) races and crashes the run ("AST constructor recursion depth mismatch").
#
# Disabled checks (schemathesis.toml, each with its reason there), all `positive_data_acceptance`:
# - reports_create: a report of a target id that does not exist is 422 `not_found` on `target_id`;
#   no schema can say which ids exist.
# - desk_claim: a well-formed claim with a code never issued or expired is 422 on `code`; no schema
#   can say which codes are live.
# - auth_register: the password must not be on the common-password list; the phone must be new.
# - auth_change_password: needs the current password.
# - employers_put_me, workers_put_me: cross-field rules and checksums (credit code for enterprises,
#   身份证 check digit, lat with lng, skills that are existing categories).
# - shifts_create, shifts_check, shifts_update, desk_post_for: the listing rules (local minimum wage
#   per hour of the shift's own slots, slots in the future, settlement period, wording).
# - availability_create, availability_update, desk_availability_for: at least one window, lat with
#   lng, existing categories, windows checked against each other and the clock.
# - alerts_create: what is required depends on `source`.
# - moderation_reject, moderation_take_down, moderation_bulk: a written reason when the reason code
#   is `other` or missing.
# - stations_create: counties must be real county codes, the point inside them.
# - synonyms_create: 2–10 distinct words.
# - events_create, events_update: times in the future and in order, venue or link by kind, a real
#   county in the staff member's area. events_check_in, events_desk_check_in: the event's own
#   token, a worker that exists.
# - sharing_create_post, sharing_propose: existing categories, dates in order, a verified
#   enterprise; posts that exist, are open and match.
# - shifts_import: the CSV's documented columns (text/csv bodies have no schema).
# - shifts_export_csv (lat with lng, as search), stats_staff, stats_public: real district codes,
#   `from` before `to`.
# - engagements_apply: slot_ids must be the shift's own slots that have not ended.
# - search_shifts, search_availability: `lat` and `lng` come together and a `bbox` is ordered and
#   inside the world, cross-parameter rules OpenAPI query parameters cannot express (422 naming
#   the field). Every other check and phase runs on them.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug/lingong
work=$(mktemp -d)
server=
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

if ! python3 -c 'import schemathesis, sys; sys.exit(0 if schemathesis.__version__.startswith("4.32.") else 1)' 2>/dev/null; then
  echo "== installing schemathesis 4.32"
  # A system Python marked externally managed (PEP 668) would refuse; this is a test machine.
  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check "schemathesis==4.32.*" 2>&1 | grep -v -i "warning" || true
fi
st=(python3 -m schemathesis.cli)
command -v st >/dev/null 2>&1 && st=(st)

db="sqlite://$work/st.db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export LINGONG_RATE_LIMIT__ENABLED=false
# Fresh Idempotency-Key per call (see scripts/schemathesis_hooks.py).
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks

# Staff accounts are made by an admin on the command line (staff never self-register).
declare -A phones
n=0
for role in station_staff moderator admin; do
  n=$((n + 1))
  phones[$role]=$(printf '1360000%04d' "$n")
  "$bin" admin create-user --database-url "$db" --redis-url "" --role "$role" --phone "${phones[$role]}" --password "st-passphrase-$role" --name "测试$role" >/dev/null
done

"$bin" serve --bind "127.0.0.1:$port" --database-url "$db" --redis-url "" --demo >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/healthz" >/dev/null || { echo "server did not start"; cat "$work/serve.log"; exit 1; }

json_token() { python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'; }
declare -A tokens
for who in worker employer sign_out; do
  n=$((n + 1))
  phone=$(printf '1390000%04d' "$n")
  role=$who
  [ "$who" = sign_out ] && role=worker
  tokens[$who]=$(curl -sf -X POST "$base/api/v1/auth/register" -H 'content-type: application/json' \
    -d "{\"role\": \"$role\", \"phone\": \"$phone\", \"password\": \"st-passphrase-$who\", \"display_name\": \"测试$who\"}" | json_token)
done
for role in station_staff moderator admin; do
  tokens[$role]=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"phone\": \"${phones[$role]}\", \"password\": \"st-passphrase-$role\"}" | json_token)
done

# Signing out ends the very session a role's run uses: everything after it would be a 401 and go
# untested. So each role's run leaves the two sign-out operations out, and a last run, with a
# session of its own, tests them (every check and phase, as for the rest).
sign_out=(auth_logout auth_logout_everywhere)
# The session goes in through the document's own security scheme (`bearer`), in a configuration
# file per run: schemathesis then knows which header is the credential, and its "missing
# credential is refused" check really leaves it out (a `--header` would be sent regardless).
run_st() { # name, token ("" for none), then extra arguments for `st run`
  local name=$1 token=$2; shift 2
  local cfg="$work/schemathesis-$name.toml"
  cp schemathesis.toml "$cfg"
  if [ -n "$token" ]; then printf '\n[auth.openapi.bearer]\nbearer = "%s"\n' "$token" >>"$cfg"; fi
  echo "== schemathesis as $name"
  if ! "${st[@]}" --config-file "$cfg" run "$base/api/v1/openapi.json" --url "$base" "$@" \
    --phases examples,coverage,fuzzing,stateful \
    --max-time "${ST_MAX_TIME:-90}" --workers 1 --request-timeout 10 --no-color \
    --report junit --report-dir "$work/report-$name"; then
    failed+=("$name")
  fi
}
failed=()
skip_sign_out=()
for op in "${sign_out[@]}"; do skip_sign_out+=(--exclude-operation-id "$op"); done
for role in ${ST_ROLES:-anonymous worker employer station_staff moderator admin}; do
  run_st "$role" "${tokens[$role]:-}" "${skip_sign_out[@]}"
done
if [ -z "${ST_ROLES:-}" ]; then
  only_sign_out=()
  for op in "${sign_out[@]}"; do only_sign_out+=(--include-operation-id "$op"); done
  ST_MAX_TIME=20 run_st sign_out "${tokens[sign_out]}" "${only_sign_out[@]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis found failures as: ${failed[*]}" >&2
  exit 1
fi
echo "schemathesis: no failures"
