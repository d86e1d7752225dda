# bigbrotr: `make run` starts the node on its embedded store, `make test` runs every check.
SHELL := /bin/bash
GO ?= go
BIN := bin/bigbrotr
STATICCHECK_VERSION := v0.8.2
# Packages whose goroutines we race-test: the relay and the store, the loops, the status page and the alerts.
RACE_PKGS := ./node/... ./relayserver/... ./websource/... ./archive/... ./policies/... ./discovery/... ./internal/loop/... ./monitor/... ./web/... ./alerts/... ./changes/...
PG_BIN := $(firstword $(wildcard /usr/lib/postgresql/*/bin))
# The shipped binary checks Schnorr signatures with libsecp256k1 (go-nostr's
# vendored C through cgo: 3-4x the pure-Go rate, and signature checks bound
# the synchronizer) and is still one static file: the C library and libc are
# linked in, and netgo/osusergo keep name and user lookups in Go. Where no C
# compiler can link statically it falls back to pure Go (CGO_ENABLED=0).
# `bigbrotr version` says which one a binary has.
STATIC_CC := $(shell printf 'int main(void){return 0;}' | $${CC:-gcc} -x c -static -o /dev/null - >/dev/null 2>&1 && echo yes)
ifeq ($(STATIC_CC),yes)
SIG_TAGS := -tags libsecp256k1
BUILD := CGO_ENABLED=1 $(GO) build -trimpath -tags libsecp256k1,netgo,osusergo -ldflags '-extldflags -static'
else
SIG_TAGS :=
BUILD := CGO_ENABLED=0 $(GO) build -trimpath
endif
# `make run` and `make demo` are for trying the node: they build pure Go
# (no C compile of libsecp256k1, no static link). From a cold build cache,
# with the machine loaded by others (load average ~11 on 2 cores), that
# took 3m07s against 4m41s for `make build` (CPU 124 s against 138 s: on a
# quiet 2-core machine about half the CPU time, ~1 minute). The binary
# says which signatures it checks with in `bigbrotr version`; `make build`
# and Docker keep libsecp256k1.
DEV_BUILD := CGO_ENABLED=0 $(GO) build -trimpath

.PHONY: help run demo build test lint vet fmt-check staticcheck unit race interop chaos soak bench postgres-deps ops-deps browser-deps node-deps clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## build bin/bigbrotr (static; libsecp256k1 signatures when a C compiler is present)
	$(BUILD) -o $(BIN) ./cmd/bigbrotr

run: ## run the node on the embedded store (node.toml if present); pure-Go build, quick from cold
	$(DEV_BUILD) -o $(BIN) ./cmd/bigbrotr
	@if [ -f node.toml ]; then ./$(BIN) node --config node.toml; else ./$(BIN) node; fi

demo: ## a simulated relay network and a node crawling it; prints the URL to open
	$(DEV_BUILD) -o $(BIN) ./cmd/bigbrotr
	./$(BIN) demo

test: lint postgres-deps ops-deps browser-deps node-deps unit race interop chaos ## every check: gofmt, vet, staticcheck, unit, race, interop, chaos

lint: fmt-check vet staticcheck ## gofmt, go vet, staticcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# -tags chaos: the chaos suite's files (./chaos) are checked too.
vet:
	$(GO) vet -tags chaos ./...

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -tags chaos ./...

# PostgreSQL tests start their own throwaway cluster; they need the server binaries, and the
# read-replica tests pg_basebackup (postgresql-client, which postgresql pulls in).
postgres-deps:
	@if [ -z "$(PG_BIN)" ]; then \
		echo "installing Debian's postgresql (server binaries for the throwaway test clusters)"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null; fi; \
	fi

# The PgBouncer test (archive) and the promtool rule checks (internal/opstest) need Debian's pgbouncer and prometheus.
ops-deps:
	@missing=""; \
	command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing="$$missing pgbouncer"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian's$$missing (PgBouncer test, promtool rule checks)"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi; \
	fi

# The status page test (node) drives Debian's headless Chromium.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Debian's chromium (status page browser test)"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null; fi; \
	fi

node-deps:
	@if [ -f interop/package.json ] && [ ! -d interop/node_modules ]; then \
		cd interop && npm ci --no-audit --no-fund --loglevel=error; fi

unit:
	$(GO) test -count=1 -timeout 12m ./...
	@# The packages whose results depend on the signature implementation, again as shipped.
	@if [ -n "$(SIG_TAGS)" ]; then set -x; $(GO) test -count=1 $(SIG_TAGS) -timeout 5m ./synchronizer/ ./cmd/bigbrotr/; fi

race:
	$(GO) test -count=1 -race -timeout 12m $(RACE_PKGS)

interop:
	@if [ -f interop/package.json ]; then $(MAKE) --no-print-directory build && cd interop && BIGBROTR_BIN=../$(BIN) node --test; fi

# The node as a child process against a testnet with every hostile profile
# (./chaos; its files carry the chaos build tag, so `unit` leaves them out).
chaos: ## the chaos suite: a node against every hostile relay profile (~2-3 min)
	$(GO) test -tags chaos -count=1 -v -timeout 10m -run 'TestChaos|TestSlope' ./chaos/

# Not part of `make test`: an hour. BIGBROTR_SOAK_DURATION=5m for a quick look.
soak: ## one hour of the node on a 1,000-relay testnet (10% hostile); prints the RSS and goroutine slopes
	$(GO) test -tags chaos -run '^$$' -bench Soak -benchtime 1x -timeout 0 ./chaos/

bench: ## print the benchmark figures (ingest, query, bytes per event, front door, N nodes, 10,000 relays, testnet start-up, monitor cycle, sync throughput)
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 180m ./bench/ ./bench/frontdoor/
	$(GO) test -run '^$$' -bench NNodes -benchtime 1x -timeout 60m ./bench/nnodes/
	$(GO) test -run '^$$' -bench Scale -benchtime 1x -timeout 120m ./bench/scale/
	$(GO) test -run '^$$' -bench Start1000 -benchtime 1x -timeout 10m ./testnet/
	$(GO) test -run '^$$' -bench Cycle1000 -benchtime 1x -timeout 10m ./monitor/
	$(GO) test $(SIG_TAGS) -run '^$$' -bench Sync500k -benchtime 1x -timeout 30m ./synchronizer/

clean:
	rm -rf bin
