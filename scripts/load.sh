#!/usr/bin/env bash
# Bounded load test of a release `parley` on 127.0.0.1 only: time to ready, idle memory, and
# 10-second wrk runs on /health/ready, an authenticated GET /api/v1/bots, and the widget's
# chat endpoint (the demo bot answering shop questions from its knowledge, 8 clients).
# Writes target/bench/load.json. Usage: scripts/load.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-32}
PORT=${PARLEY_BENCH_PORT:-18181}
BIN=${PARLEY_BIN:-target/release/parley}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }

DATA=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
start=$(date +%s%N)
PARLEY_DATA_DIR="$DATA" PARLEY_BIND="127.0.0.1:$PORT" PARLEY_LOG=warn PARLEY_WIDGET_RATE_PER_MINUTE=0 \
  PARLEY_ADMIN_EMAIL=bench@example.com PARLEY_ADMIN_PASSWORD=bench-password-123 \
  "$BIN" serve >"$DATA/server.log" 2>&1 &
PID=$!
until curl -fs "$BASE/health/ready" >/dev/null; do
  kill -0 "$PID" 2>/dev/null || { cat "$DATA/server.log"; exit 1; }
  sleep 0.01
done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
sleep 2
idle_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")

# An API token for the authenticated run.
csrf=$(curl -fs -c "$DATA/jar" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password-123"}' "$BASE/api/v1/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
token=$(curl -fs -b "$DATA/jar" -H 'content-type: application/json' -H "x-csrf-token: $csrf" \
  -d '{"name":"bench","role":"admin"}' "$BASE/api/v1/tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

run() { # name, wrk args...
  local name=$1; shift
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$DATA/$name.txt"
  python3 - "$DATA/$name.txt" "$name" <<'PY'
import re, sys, json
text = open(sys.argv[1]).read()
def ms(v):
    n, unit = float(re.match(r"([\d.]+)", v).group(1)), re.search(r"(us|ms|s)$", v).group(1)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
pct = {p: ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M)}
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
out = {"name": sys.argv[2], "requests_per_s": rps, "p50_ms": pct["50"], "p99_ms": pct["99"],
       "non_2xx": int(errors.group(1)) if errors else 0}
print(json.dumps(out))
PY
}
health=$(run health_ready "$BASE/health/ready")
bots=$(run bots_list -H "Authorization: Bearer $token" "$BASE/api/v1/bots")

# The chat endpoint: 8 visitors, each in their own conversation, asking the demo bot (answers
# from its knowledge without a model, so the numbers are Parley's own cost).
read -r bot_id bot_key < <(curl -fs -H "Authorization: Bearer $token" "$BASE/api/v1/bots" |
  python3 -c 'import json,sys; b=json.load(sys.stdin)["items"][0]; print(b["id"], b["public_key"])')
for _ in $(seq 300); do # the demo documents are ingested in the background at first start
  curl -fs -H "Authorization: Bearer $token" "$BASE/api/v1/bots/$bot_id/documents" |
    python3 -c 'import json,sys; p=json.load(sys.stdin)["progress"]; sys.exit(p["documents_done"] < p["documents_total"])' &&
    break
  sleep 0.1
done
: >"$DATA/visitors"
for _ in $(seq 8); do
  curl -fs -H "x-parley-bot: $bot_key" -H 'content-type: application/json' -d '{}' \
    "$BASE/widget/v1/conversations" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["conversation"]["id"], d["session_token"])' \
    >>"$DATA/visitors"
done
cat >"$DATA/chat.lua" <<LUA
local visitors, questions, n = {}, {
  "How long does shipping take?", "Can I return boots I have worn outside?",
  "Do you offer discounts for bulk orders?", "What does the warranty cover?",
  "How do I find my boot size?", "Do you ship to Canada?" }, 0
for line in io.lines("$DATA/visitors") do
  local id, token = line:match("(%S+) (%S+)")
  visitors[#visitors + 1] = { path = "/widget/v1/conversations/" .. id .. "/messages", token = token }
end
request = function()
  n = n + 1
  local v = visitors[(n % #visitors) + 1]
  local body = '{"text": "' .. questions[(n % #questions) + 1] .. '"}'
  return wrk.format("POST", v.path, { ["content-type"] = "application/json",
    ["x-parley-bot"] = "$bot_key", ["x-parley-session"] = v.token }, body)
end
LUA
CONNECTIONS_SAVED=$CONNECTIONS; CONNECTIONS=8
chat=$(run chat_messages -s "$DATA/chat.lua" "$BASE")
CONNECTIONS=$CONNECTIONS_SAVED
busy_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")

mkdir -p target/bench
python3 - "$ready_ms" "$idle_rss_kb" "$busy_rss_kb" "$health" "$bots" "$CONNECTIONS" "$DURATION" "$chat" <<'PY' | tee target/bench/load.json
import json, sys
print(json.dumps({
    "ready_ms": int(sys.argv[1]), "idle_rss_mb": round(int(sys.argv[2]) / 1024, 1),
    "rss_after_load_mb": round(int(sys.argv[3]) / 1024, 1),
    "connections": int(sys.argv[6]), "seconds": int(sys.argv[7]),
    "runs": [json.loads(sys.argv[4]), json.loads(sys.argv[5]), json.loads(sys.argv[8])],
}, indent=2))
PY
