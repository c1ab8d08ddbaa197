# wxnb tasks. The two quick-start commands are `make report` and `make test`; both install what
# they need into .venv first (idempotent: reinstalls only when pyproject.toml changes), and
# Debian's Chromium when it is missing (apt, as root): `make report` prints the PDF with it,
# `make test` runs the browser tests in it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ACCOUNT ?= sample
MONTH   ?= 2026-10

.PHONY: help install browser-deps report sample test test-fast test-browser bench notebooks \
	clean-outputs

help:  ## list the tasks
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -c "from wxnb.build.runner import ensure_kernelspec; ensure_kernelspec()"
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install wxnb with its dependencies

browser-deps:  ## install Debian's Chromium (PDF, browser tests) if missing (apt; needs root)
	@bash tools/install-browser.sh

report: $(STAMP) browser-deps  ## build the monthly review and its PDF (default: the bundled sample month)
	@if [ -x "$${WXNB_CHROMIUM:-/usr/bin/chromium}" ] || command -v chromium >/dev/null 2>&1; \
	then pdf=--pdf; else pdf=; echo "make report: no Chromium, so no report.pdf (make browser-deps)"; fi; \
	echo "$(BIN)/wxnb build --account $(ACCOUNT) --month $(MONTH) $$pdf"; \
	$(BIN)/wxnb build --account $(ACCOUNT) --month $(MONTH) $$pdf

sample: $(STAMP)  ## regenerate the bundled sample data
	$(BIN)/wxnb sample

test: $(STAMP) browser-deps  ## run the whole test suite (unit, notebooks, end-to-end, browser)
	$(BIN)/python -m pytest

test-browser: $(STAMP) browser-deps  ## only the browser tests (screenshots in test-artifacts/)
	$(BIN)/python -m pytest -m browser

test-fast: $(STAMP)  ## unit tests only (no kernels)
	$(BIN)/python -m pytest -m "not e2e"

bench: $(STAMP)  ## time a full build against the in-process floor
	$(BIN)/python benchmarks/bench_build.py

notebooks: $(STAMP)  ## regenerate notebooks/ from the section declarations (never an edited one)
	$(BIN)/wxnb notebooks

clean-outputs:  ## delete everything generated under outputs/
	find outputs -mindepth 1 ! -name .gitkeep -delete
