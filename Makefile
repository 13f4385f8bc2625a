# jpkisim — make targets. `make run` and `make test` are the README's quick start.
GO ?= go
# Debian packages the tests need: TLS roots for the Go module proxy, git for
# the gofmt check over tracked files.
TEST_PACKAGES := ca-certificates git

.PHONY: run test deps check build bench fuzz fixtures clean

## run: run the acceptance suite against the embedded virtual card
run:
	$(GO) run ./cmd/jpkisim run

## test: install what the tests need, static checks, the cgo-free build of the card, and every test
test: deps check
	$(GO) test -count=1 ./...

## deps: install the missing Debian packages the tests need (as root, with apt-get)
deps:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)

## check: gofmt, go vet, and CGO_ENABLED=0 builds of the codec and the card
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./apdu/... ./simulator/... ./harness/... ./fixtures/... ./pki/...

## build: the jpkisim binary in bin/
build:
	$(GO) build -o bin/jpkisim ./cmd/jpkisim

## bench: the benchmarks of docs/benchmarks.md
bench:
	bench/run.sh

## fuzz: each fuzz target for FUZZTIME (default 30s)
fuzz:
	bench/fuzz.sh $(or $(FUZZTIME),30s)

## fixtures: re-issue the TEST-ONLY certificates from the committed keys
fixtures:
	$(GO) run ./fixtures/gen -out fixtures/pki -reissue

clean:
	rm -rf bin
