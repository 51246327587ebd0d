#!/usr/bin/env bash
# make fuzz: schema-driven requests against a fresh Parley on 127.0.0.1 (schemathesis, from
# PyPI), checking that no answer is a server error and every answer matches the OpenAPI
# document. Bounded: FUZZ_EXAMPLES requests per operation (default 25).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PARLEY_BIN:-target/debug/parley}
EXAMPLES=${FUZZ_EXAMPLES:-25}
command -v schemathesis >/dev/null || python3 -m pip install --quiet schemathesis

data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
password="fuzz-password-$RANDOM$RANDOM"
log="$data/serve.log"
PARLEY_DATA_DIR="$data" PARLEY_BIND="127.0.0.1:$port" PARLEY_ADMIN_EMAIL=fuzz@parley.local \
  PARLEY_ADMIN_PASSWORD="$password" PARLEY_WIDGET_RATE_PER_MINUTE=0 PARLEY_LOG=warn \
  "$BIN" serve >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "$base/health/live" >/dev/null && break; sleep 0.2; done

# An owner's API token for the admin API, and the demo bot's key for the widget API.
jar="$data/cookies"
login=$(curl -fs -c "$jar" -H 'content-type: application/json' \
  -d "{\"email\":\"fuzz@parley.local\",\"password\":\"$password\"}" "$base/api/v1/auth/login")
csrf=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])' <<<"$login")
token=$(curl -fs -b "$jar" -H 'content-type: application/json' -H "x-csrf-token: $csrf" \
  -d '{"name":"fuzz","role":"admin"}' "$base/api/v1/tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
bot=$(grep -o 'pk_[A-Za-z0-9]*' "$log" | head -n1)

schemathesis run "$base/api/openapi.json" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$EXAMPLES" --seed 1 \
  -H "Authorization: Bearer $token" -H "X-Parley-Bot: $bot" \
  --exclude-path-regex '/stream$' \
  --exclude-path '/api/v1/auth/logout'
