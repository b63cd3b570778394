# Interlingua: two commands from a clean clone on Debian 12 (as root, or with sudo):
#   make demo   — installs what is missing, builds, traces the bundled corpus, aligns, plots, reports
#   make test   — installs what is missing, runs the test suite (release mode: numeric tests are heavy)
SWIFT ?= swift
CACHE ?= $(HOME)/.cache/interlingua
export INTERLINGUA_CACHE := $(CACHE)

.PHONY: all setup models build test bench demo clean

all: build

setup:
	@bash scripts/setup.sh

models:
	@bash scripts/fetch-models.sh

build: setup
	$(SWIFT) build -c release

test: setup models
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

bench: setup models
	$(SWIFT) build -c release --product interlingua-bench
	.build/release/interlingua-bench $(BENCH_ARGS)

demo: setup models build
	@echo "make demo: the end-to-end demo arrives with the plotting issue (#7); the build and models are ready."

clean:
	rm -rf .build
