# Affär — `make run` and `make test` are the whole set-up (see README.md).
# With DATABASE_URL unset, both start a private PostgreSQL cluster under .data/ and stop it afterwards.

GO ?= go
# Go 1.27.3, fetched through the module proxy (the machine's own Go has reachable stdlib vulnerabilities).
export GOTOOLCHAIN := go1.27.3
SHELL := /bin/bash
BIN := bin/affar

.PHONY: run test build generate vet check-generated vulncheck bench bench-bulk bench-export screens clean

build:
	$(GO) build -o $(BIN) ./cmd/affar

run: build
	./$(BIN) dev run

generate:
	$(GO) tool templ generate

# go vet, and the go/ast check that no production function is over 60 lines (it needs no database).
vet:
	$(GO) vet ./...
	$(GO) test -count=1 -run TestNoLongFunctions ./internal/app

# Generated templ code is committed; it must be what the pinned generator makes of the .templ files.
check-generated:
	@before=$$(find . -name '*_templ.go' -not -path './.data/*' | sort | xargs md5sum); \
	$(GO) tool templ generate >/dev/null 2>&1 || { echo "templ generate failed"; exit 1; }; \
	after=$$(find . -name '*_templ.go' -not -path './.data/*' | sort | xargs md5sum); \
	if [ "$$before" != "$$after" ]; then \
		echo "generated templ code was stale; 'go tool templ generate' has now updated it: commit these:"; \
		diff <(echo "$$before") <(echo "$$after") | grep '^>' ; exit 1; fi

# The README's "Screens" pictures: the browser test that checks both colour schemes saves them, and
# pngquant (apt-get install pngquant), when present, makes them small.
screens: build
	mkdir -p docs/screens
	REQUIRE_DB=1 REQUIRE_BROWSER=1 AFFAR_SCREENSHOTS=$(CURDIR)/docs/screens ./$(BIN) dev exec --db postgres -- \
		$(GO) test -count=1 -run 'TestBrowserScreens$$' ./internal/server/
	if command -v pngquant >/dev/null; then pngquant --force --ext .png --quality 60-90 --speed 1 docs/screens/*.png; fi

# REQUIRE_DB=1: database tests fail instead of skipping; REQUIRE_BROWSER=1: so does the browser test.
# -timeout 25m: the server package (browser tests under -race) takes 7–10 min on two cores, near go test's 10-min default.
test: build vet check-generated
	REQUIRE_DB=1 REQUIRE_BROWSER=1 ./$(BIN) dev exec --db postgres -- $(GO) test -race -count=1 -timeout 25m ./...

# govulncheck (pinned by go.mod's tool directive) against the Go vulnerability database as of a fixed day,
# built offline from the golang.org/x/vulndb module (the public endpoint is out of reach): the module's own
# cmd/indexdb turns its data/osv reports into govulncheck's v1 format, once per version, under .data/.
# Fails on a vulnerability the code reaches (symbol level); .ci/run runs it. A newer pseudo-version of
# golang.org/x/vulndb in VULNDB brings newer reports.
VULNDB ?= v0.0.0-20261105234957-e22db6528018
VULNDB_DIR := .data/vulndb/$(VULNDB)

$(VULNDB_DIR)/index/db.json:
	$(GO) mod download golang.org/x/vulndb@$(VULNDB)
	rm -rf $(VULNDB_DIR).tmp
	$(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB) -out $(VULNDB_DIR).tmp \
		-vulns "$$($(GO) env GOMODCACHE)/golang.org/x/vulndb@$(VULNDB)/data/osv"
	mv $(VULNDB_DIR).tmp $(VULNDB_DIR)

vulncheck: $(VULNDB_DIR)/index/db.json
	$(GO) version
	$(GO) tool govulncheck -db file://$(CURDIR)/$(VULNDB_DIR) ./...

# Not part of make test: seeds 1,000,000 customers into its own database (first run only) and measures the
# server over loopback. See docs/benchmarks.md.
bench: build
	$(GO) build -o bin/affar-bench ./cmd/affar-bench
	./$(BIN) dev exec --db postgres -- ./bin/affar-bench $(BENCH_FLAGS)

# make bench-bulk (not part of make test): anonymise a million seeded customers through a bulk job, and
# time one hand-written UPDATE of the same columns on a copy as the ceiling. See docs/benchmarks.md.
bench-bulk: build
	$(GO) build -o bin/affar-bench ./cmd/affar-bench
	./$(BIN) dev exec --db postgres -- ./bin/affar-bench -bulk $(BENCH_FLAGS)

# make bench-export (not part of make test): export the seeded million customers as CSV and XLSX through
# a server, each on a fresh process, with its peak RSS; one COPY of the same rows is the ceiling.
bench-export: build
	$(GO) build -o bin/affar-bench ./cmd/affar-bench
	./$(BIN) dev exec --db postgres -- ./bin/affar-bench -export $(BENCH_FLAGS)

# make bench-import (not part of make test): import a file of 100,000 customers through a real server's
# preview and job, against one INSERT of as many. See docs/benchmarks.md.
.PHONY: bench-import
bench-import: build
	$(GO) build -o bin/affar-bench ./cmd/affar-bench
	./$(BIN) dev exec --db postgres -- ./bin/affar-bench -import $(BENCH_FLAGS)

# make bench-denials (not part of make test): 200 clients of one user on a page they may not see for 60 s,
# while another user changes a customer; with the rate limit raised and with its default.
.PHONY: bench-denials
bench-denials: build
	$(GO) build -o bin/affar-bench ./cmd/affar-bench
	./$(BIN) dev exec --db postgres -- ./bin/affar-bench -denials $(BENCH_FLAGS)

# make bench-audit (not part of make test): the audit log's filters at 10,000,000 events (seeded once, a
# valid chain) read by 4 clients; /healthz as the ceiling. See docs/benchmarks.md.
.PHONY: bench-audit
bench-audit: build
	$(GO) build -o bin/affar-bench ./cmd/affar-bench
	./$(BIN) dev exec --db postgres -- ./bin/affar-bench -audit $(BENCH_FLAGS)

# make bench-durable (not part of make test): on a cluster of its own that flushes every commit
# (.data/pg-durable), the audited customer page through 1, 2 and 4 server processes against the same page
# in a build that writes no audit events (-tags benchnoaudit, bin/affar-noaudit: never serve it).
.PHONY: bench-durable
bench-durable: build
	$(GO) build -o bin/affar-bench ./cmd/affar-bench
	$(GO) build -tags benchnoaudit -o bin/affar-noaudit ./cmd/affar
	./$(BIN) dev exec --durable --db postgres -- ./bin/affar-bench -durable $(BENCH_FLAGS)

clean:
	rm -rf bin
