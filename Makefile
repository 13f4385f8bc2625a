# jpkisim — make targets. `make run` and `make test` are the README's quick start.
GO ?= go
# Debian packages the build needs (the PC/SC transport is cgo over
# libpcsclite), and those the tests need besides: TLS roots for the Go module
# proxy, git for the gofmt check, and the real PC/SC stack the suite runs
# through (pcscd with vsmartcard's vpcd driver, OpenSC, pcsc-tools, openssl),
# OpenSSH's ssh-keygen, jq and xxd for the certification checks, and iproute2 for the
# loopback of the private network namespace it runs in.
BUILD_PACKAGES := ca-certificates gcc pkg-config libpcsclite-dev
TEST_PACKAGES := $(BUILD_PACKAGES) git pcscd vsmartcard-vpcd opensc pcsc-tools openssl openssh-client jq xxd iproute2 chromium

.PHONY: run test deps check lint build bench bench-pcsc fuzz fixtures clean

## run: run the acceptance suite against the embedded virtual card
run:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)
	$(GO) run ./cmd/jpkisim run

## test: install what the tests need, static checks, the cgo-free build of the card, every
## Go test under the race detector, then the suite and OpenSC through pcscd against
## jpkisim serve, and jpkisim certify of OpenSC's and OpenSSH's tools
test: deps check lint
	$(GO) test -race -count=1 ./...
	scripts/fs-test.sh
	VCS_LDFLAGS='$(VCS_LDFLAGS)' scripts/shard-test.sh
	VCS_LDFLAGS='$(VCS_LDFLAGS)' scripts/pcsc-test.sh
	VCS_LDFLAGS='$(VCS_LDFLAGS)' scripts/certify-test.sh

## deps: install the missing Debian packages the tests need (as root, with apt-get)
deps:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)

## check: gofmt, go vet, and CGO_ENABLED=0 builds of the codec and the card
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./apdu/... ./simulator/... ./harness/... ./fixtures/... ./pki/... ./cmd/...

## lint: staticcheck, at a pinned version from the Go module proxy
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0
lint:
	$(GO) run $(STATICCHECK) ./...

## build: the jpkisim binary in bin/
# The commit for the reports, given to the linker as well: cmd/go stamps none
# in a git worktree or submodule, whose .git is a file (buildinfo.Commit).
VCS_LDFLAGS = -X github.com/jpkisim/jpkisim/buildinfo.Commit=$(shell git rev-parse HEAD 2>/dev/null) \
  -X github.com/jpkisim/jpkisim/buildinfo.CommitTime=$(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null) \
  -X github.com/jpkisim/jpkisim/buildinfo.Modified=$(shell test -z "$$(git status --porcelain 2>/dev/null)" && echo false || echo true)
build:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)
	$(GO) build -buildvcs=auto -ldflags '$(VCS_LDFLAGS)' -o bin/jpkisim ./cmd/jpkisim

## bench: the benchmarks of docs/benchmarks.md
bench:
	bench/run.sh

## bench-pcsc: SELECT round trips through pcscd for jpkisim serve, vicc and a 9000-only card
bench-pcsc:
	bench/pcsc-bench.sh

## fuzz: each fuzz target for FUZZTIME (default 30s)
fuzz:
	bench/fuzz.sh $(or $(FUZZTIME),30s)

## fixtures: re-issue the TEST-ONLY certificates from the committed keys
fixtures:
	$(GO) run ./fixtures/gen -out fixtures/pki -reissue

clean:
	rm -rf bin
