# agent-escrow: the two set-up commands for a fresh Debian machine are
#   make demo   # installs what it needs, builds, runs the M2M demo (embedded SVM)
#   make test   # installs what it needs (incl. solana-test-validator, ~45 min
#               # once per machine), builds, runs every test
# Everything installed lands outside the repo (~/.cache/agent-escrow) and is
# skipped when already present.

SO := target/deploy/agent_escrow.so
CARGO ?= cargo

.PHONY: demo test test-embedded test-validator test-anchor idl setup build-sbf build bench bench-throughput lint clean-sbf

demo: build
	$(CARGO) run -q -p agent-escrow-cli -- demo

test: build
	$(CARGO) test --workspace --locked
	scripts/validator-tests.sh
	scripts/anchor-test.sh

# Only the LiteSVM and CLI suites (no validator needed).
test-embedded: build
	$(CARGO) test --workspace --locked

# Only the JSON-RPC suite against solana-test-validator (loopback-only namespace).
test-validator: build-sbf
	scripts/validator-tests.sh

# `anchor test --skip-build --validator legacy` (anchor-cli 1.2.2, installed
# once per machine, ~7.5 min): the TypeScript IDL client test on a validator.
test-anchor: build-sbf
	scripts/anchor-test.sh

# Regenerates the committed IDL and its TypeScript type with Anchor's own
# builder (its own target dir: the builder's RUSTFLAGS would invalidate the
# workspace build). The `developer` tests fail when the JSON is stale, and
# scripts/anchor-test.sh when the TypeScript type is.
idl: setup
	anchor=$$(scripts/install-anchor.sh) && cd programs/agent_escrow && "$$anchor" idl build \
	  -o $(CURDIR)/idl/agent_escrow.json -t $(CURDIR)/target/idl-build/agent_escrow.ts \
	  -- --locked --target-dir $(CURDIR)/target/idl-build
	cp target/idl-build/agent_escrow.ts idl/agent_escrow.ts

setup:
	scripts/setup.sh

# The program, through the project's registry-only SBF toolchain (SBPF v3).
build-sbf: setup
	scripts/build-sbf.sh

$(SO): build-sbf

build: build-sbf
	$(CARGO) build --workspace --locked --all-targets

# Compute units per instruction on the .so (the README's CU table).
bench: build
	$(CARGO) run -q -p agent-escrow-tests --bin cu-bench

# Escrows created + settled per second through the client's batch path over
# JSON-RPC against solana-test-validator (loopback-only namespace), p50/p99
# latency, exact counts, and the SOL-transfer ceiling of the same path (the
# README's throughput table). Sizes: ESCROWS=4000 POLICIES=16 TRANSFERS=4000.
bench-throughput: build-sbf
	scripts/bench-validator.sh

lint: build
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all --check

clean-sbf:
	rm -rf target/sbf $(SO)
