#!/usr/bin/env bash
# Memory of a release `parley` on 127.0.0.1: resident set (VmRSS) after a first start (the
# demo documents ingested), idle a while later, after a later start on the same data, and
# after a burst of chat and 200 open widget streams, then idle again. Prints one JSON object.
# Usage: scripts/memory.sh [idle seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE=${1:-45}
PORT=${PARLEY_BENCH_PORT:-18182}
BIN=${PARLEY_BIN:-target/release/parley}
BASE="http://127.0.0.1:$PORT"
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
DATA=$(mktemp -d)
PID=
trap 'kill $PID 2>/dev/null || true; pkill -f "127.0.0.1:$PORT" 2>/dev/null || true; rm -rf "$DATA"' EXIT

rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }
serve() {
  PARLEY_DATA_DIR="$DATA" PARLEY_BIND="127.0.0.1:$PORT" PARLEY_LOG=warn PARLEY_WIDGET_RATE_PER_MINUTE=0 \
    PARLEY_ADMIN_EMAIL=bench@example.com PARLEY_ADMIN_PASSWORD=bench-password-123 \
    "$BIN" serve >>"$DATA/server.log" 2>&1 &
  PID=$!
  until curl -fs "$BASE/health/ready" >/dev/null; do sleep 0.05; done
}
demo_key() {
  curl -fs "$BASE/" | python3 -c 'import re,sys; print(re.search(r"data-bot=\"([^\"]+)\"", sys.stdin.read()).group(1))'
}

serve
sleep 15 # the demo documents are ingested in the background
first=$(rss); sleep "$IDLE"; first_idle=$(rss)
kill "$PID"; wait "$PID" 2>/dev/null || true

serve
sleep 2; later=$(rss); sleep "$IDLE"; later_idle=$(rss)

# A burst: 8 visitors asking 25 questions each, and 200 open conversation streams.
key=$(demo_key)
for v in $(seq 8); do
  (
    read -r conv token < <(curl -fs -H "x-parley-bot: $key" -H 'content-type: application/json' -d '{}' \
      "$BASE/widget/v1/conversations" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["conversation"]["id"], d["session_token"])')
    for i in $(seq 25); do
      curl -fs -o /dev/null -H "x-parley-bot: $key" -H "x-parley-session: $token" -H 'content-type: application/json' \
        -d "{\"text\": \"How long does shipping take to Canada, question $i?\"}" "$BASE/widget/v1/conversations/$conv/messages"
    done
    for s in $(seq 25); do
      curl -fs -N -o /dev/null -m $((IDLE + 10)) -H "x-parley-bot: $key" -H "x-parley-session: $token" \
        "$BASE/widget/v1/conversations/$conv/stream" &
    done
    wait
  ) &
done
sleep 8; busy=$(rss)
pkill -f "$BASE/widget/v1/conversations/.*/stream" 2>/dev/null || true
sleep "$IDLE"; after=$(rss)
printf '{"first_start_mb": %s, "first_start_idle_mb": %s, "later_start_mb": %s, "later_start_idle_mb": %s, "burst_mb": %s, "after_burst_idle_mb": %s, "idle_s": %s}\n' \
  "$first" "$first_idle" "$later" "$later_idle" "$busy" "$after" "$IDLE"
