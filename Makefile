# Every target creates or reuses .venv and installs the project into it first:
# on a fresh clone, `make run` and `make test` are the whole set-up.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench eval check-browser clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/feedsum build

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/mypy

# The built pages in headless Chromium (Debian's, installed when missing: CI runs
# as root): rendered DOM, links, screenshots under build/screenshots/, HTML5.
check-browser: $(STAMP)
	command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	$(PY) tools/check_browser.py

# Performance figures (minutes, not a test): ratios to floors measured in the same run.
bench: $(STAMP)
	$(PY) bench/run.py

# Summary quality on the shared development sets; rewrites docs/quality.md.
eval: $(STAMP)
	$(PY) bench/quality.py

clean:
	rm -rf $(VENV) public build .feedsum .pytest_cache .mypy_cache .ruff_cache
