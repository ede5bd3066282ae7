#!/usr/bin/env bash
# Checks the OpenAPI document the way an outside integrator uses it: validate it against the
# OpenAPI 3.1 schema, generate a Python client from it, and drive a real lingong with that client.
# Needs the debug binary (`cargo build` or `cargo test` first) and Python 3 with pip.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug/lingong
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 -m pip install -q --disable-pip-version-check openapi-spec-validator openapi-python-client 2>&1 | grep -v -i "warning" || true
"$bin" openapi > "$work/openapi.json"
python3 -c "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('OpenAPI document is valid')" "$work/openapi.json"
(cd "$work" && openapi-python-client generate --path openapi.json --output-path client >/dev/null)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && exec env LINGONG_RATE_LIMIT__ENABLED=false "$OLDPWD/$bin" serve --bind "127.0.0.1:$port" --database-url "sqlite://$work/smoke.db" --redis-url "" >"$work/serve.log" 2>&1) &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
PYTHONPATH="$work/client" python3 scripts/openapi_client_smoke.py "http://127.0.0.1:$port"
echo "generated client works"
