# nsauto: `make demo` and `make test` are all a new user needs (they run `make setup` first).
.DEFAULT_GOAL := help
.PHONY: help setup demo test all-pairs lint simulator clean

VENV := .venv
PYTEST_ARGS ?=
# Test files run on this many workers (pytest-xdist), each in a keyring of its own (scripts/keyring-python).
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

help: ## list the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / { printf "  make %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

setup: ## install what is missing: system packages, .venv, browser, ffmpeg for video
	@scripts/setup.sh

demo: setup ## full setup against the bundled simulator, secrets in the real keyring, verified
	scripts/with-keyring $(VENV)/bin/nsauto demo

test: setup ## run the test suite: TEST_WORKERS at once, each with a private throwaway keyring; PYTEST_ARGS=...
	scripts/with-keyring --isolated $(VENV)/bin/pytest -q --tx $(TEST_WORKERS)*popen//python=scripts/keyring-python --dist loadgroup $(PYTEST_ARGS)

all-pairs: setup ## the full setup on every pair of dial values (docs/real-netsuite.md; ~6 min)
	NSAUTO_DIALS=all-pairs scripts/with-keyring --isolated $(VENV)/bin/pytest -q --tx $(TEST_WORKERS)*popen//python=scripts/keyring-python --dist load tests/e2e/test_dials.py $(PYTEST_ARGS)

lint: setup ## ruff check + ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

simulator: setup ## run the NetSuite simulator on http://127.0.0.1:8231
	$(VENV)/bin/nsauto simulator --port 8231

clean: ## remove .venv and build/test leftovers (not the keyring, not the browsers)
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache test-results
