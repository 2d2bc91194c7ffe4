# agent-escrow: the two set-up commands for a fresh Debian machine are
#   make demo   # installs what it needs, builds, runs the M2M demo (embedded SVM)
#   make test   # installs what it needs, builds, runs every test
# Everything installed lands outside the repo (~/.cache/agent-escrow) and is
# skipped when already present.

SO := target/deploy/agent_escrow.so
CARGO ?= cargo

.PHONY: demo test setup build-sbf build bench lint clean-sbf FORCE

demo: build
	$(CARGO) run -q -p agent-escrow-cli -- demo

test: build
	$(CARGO) test --workspace --locked

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

lint: build
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all --check

clean-sbf:
	rm -rf target/sbf $(SO)
