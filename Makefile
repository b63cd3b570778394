# Interlingua: two commands from a clean clone on Debian 12 (as root, or with sudo):
#   make demo   — installs what is missing, builds, traces the bundled corpus, aligns, plots, reports
#   make test   — installs what is missing, runs the test suite (release mode: numeric tests are heavy)
SWIFT ?= swift
CACHE ?= $(HOME)/.cache/interlingua
export INTERLINGUA_CACHE := $(CACHE)

.PHONY: all setup models build test bench demo figures fuzz clean

all: build

setup:
	@bash scripts/setup.sh

models:
	@bash scripts/fetch-models.sh

build: setup
	$(SWIFT) build -c release

# Tests run one at a time (--no-parallel): OpenBLAS's thread count is one setting per process, on some kernels
# (Haswell/Zen) its products' bits depend on it, and many tests compare bits; a test that changes it (a trace's
# lanes, --threads) would change them for a test running beside it. One at a time is also how the CLI runs.
test: setup models
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build --no-parallel
	bash scripts/render-check.sh

bench: setup models
	$(SWIFT) build -c release --product interlingua-bench
	.build/release/interlingua-bench $(BENCH_ARGS)

# Coverage-guided fuzzing of every parser under AddressSanitizer (not part of `make test`): each target in
# Fuzz/ runs FUZZ_SECONDS (default 60) in .build-fuzz; non-zero exit on any crash, leak, timeout or OOM.
fuzz: setup
	bash scripts/fuzz.sh

# scripts/demo.sh installs what is missing itself (setup, models, release build), then traces, aligns, plots, reports.
demo:
	@bash scripts/demo.sh

# The demo, writing its figures over the committed figures/ (on purpose: they change in the last digits per CPU).
figures:
	@DEMO_FIGURES=committed bash scripts/demo.sh

clean:
	rm -rf .build .build-fuzz
