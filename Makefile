# Parley: the two commands are `make run` and `make test`. Everything else is a step of those.

SHELL := /bin/bash
CARGO ?= cargo
DASHBOARD := web/dashboard
WIDGET := web/widget
E2E := web/e2e

.PHONY: fuzz run test web web-deps widget-deps e2e-deps rust-test rust-lint web-test e2e openapi bench clean

## Build the dashboard and a release binary, then start Parley on SQLite in ./data with a
## demo workspace and bot. The first start prints the admin login.
run: web
	$(CARGO) build --release --bin parley
	./target/release/parley serve

## Every check CI runs: module circles, formatting, lints, Rust tests (SQLite, plus PostgreSQL when
## PARLEY_TEST_DATABASE_URL is set), dashboard type check and unit tests, browser tests.
test: rust-lint rust-test web-test e2e

web-deps:
	@if [ ! -d $(DASHBOARD)/node_modules ] || [ $(DASHBOARD)/package-lock.json -nt $(DASHBOARD)/node_modules ]; then \
		cd $(DASHBOARD) && npm ci --no-audit --no-fund; fi

widget-deps:
	@if [ ! -d $(WIDGET)/node_modules ] || [ $(WIDGET)/package-lock.json -nt $(WIDGET)/node_modules ]; then \
		cd $(WIDGET) && npm ci --no-audit --no-fund; fi

e2e-deps:
	@if [ ! -d $(E2E)/node_modules ] || [ $(E2E)/package-lock.json -nt $(E2E)/node_modules ]; then \
		cd $(E2E) && npm ci --no-audit --no-fund; fi

## The dashboard's production build (types are regenerated from openapi.json first) and the
## widget's (prints widget.js's gzipped size).
web: web-deps widget-deps
	cd $(DASHBOARD) && npm run build
	cd $(WIDGET) && npm run build

rust-lint:
	python3 scripts/module_cycles.py --self-test
	python3 scripts/module_cycles.py
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

rust-test:
	$(CARGO) test --workspace --locked

web-test: web-deps widget-deps
	cd $(DASHBOARD) && npm run typecheck && npm run lint && npm test
	cd $(WIDGET) && npm run typecheck && npm test

## Browser tests: the real debug binary serving the built dashboard, in headless Chromium.
e2e: web e2e-deps
	$(CARGO) build --bin parley
	$(CARGO) build -p parley-integrations --features testing --bin vendor-contracts
	cd $(E2E) && PARLEY_BIN=$(CURDIR)/target/debug/parley npm test

## Regenerate the OpenAPI document and the dashboard's TypeScript types after API changes.
openapi: web-deps
	$(CARGO) run --quiet --bin parley -- openapi > $(DASHBOARD)/openapi.json
	cd $(DASHBOARD) && npm run gen:api
	cd $(WIDGET) && npm run gen:api

## Schema-driven requests (schemathesis) against a fresh debug server on 127.0.0.1: no
## server errors, every answer as the OpenAPI document says. FUZZ_EXAMPLES per operation.
fuzz:
	$(CARGO) build --bin parley
	scripts/fuzz.sh

## Bounded load against 127.0.0.1 only; prints requests/s and latency percentiles.
bench:
	$(CARGO) build --release --bin parley
	scripts/load.sh

clean:
	$(CARGO) clean
	rm -rf $(DASHBOARD)/dist $(DASHBOARD)/node_modules $(E2E)/node_modules
