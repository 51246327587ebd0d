#!/usr/bin/env bash
# Sentiment accuracy: Parley vs plain VADER vs the `sentiment` npm package.
#
# Fetches sentiment@5.0.2 with `npm pack` into a temporary directory (the fixtures are never
# committed), runs the package's own benchmark (test/benchmark/validate.js) for its figures,
# then scores the same fixtures and our labelled support messages with Parley's scorer and
# with plain VADER (crates/parley-domain/examples/eval_sentiment.rs). Prints Markdown tables.
#
# Usage: scripts/eval-sentiment.sh [--errors dev]
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent sentiment@5.0.2 >/dev/null && tar xzf sentiment-*.tgz)
fixtures="$tmp/package/test/fixtures"

reference=""
if command -v node >/dev/null; then
    # validate.js prints "Amazon accuracy: 0.726..." etc.
    reference=$(cd "$tmp/package" && node test/benchmark/validate.js |
        awk '{name=tolower($1); printf "%s%s=%.3f", sep, name, $3; sep=","}')
fi

cargo run --release --quiet -p parley-domain --example eval_sentiment -- \
    --fixtures "$fixtures" \
    --reference "$reference" \
    --support crates/parley-domain/tests/data/support-sentiment.tsv "$@"
