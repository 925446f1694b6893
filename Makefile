# Every target creates or reuses .venv and installs the project into it first:
# on a fresh clone, `make run` and `make test` are the whole set-up.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint fuzz bench bench-scale eval fit check-browser clean

# pip shows its progress: the first install takes minutes.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	@echo "Installing feedsum and its dependencies into $(VENV) (the first time: a few minutes)"
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -e '.[dev,cluster]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/feedsum build

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/mypy

# The fuzz tests alone, with many more examples (minutes): random file trees and
# upstream bytes through real builds. FUZZ_EXAMPLES=N sets how many.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	FEEDSUM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/test_fuzz.py

# The built pages in headless Chromium (Debian's, installed when missing: CI runs
# as root): rendered DOM, links, screenshots under build/screenshots/, HTML5.
check-browser: $(STAMP)
	command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	$(PY) tools/check_browser.py

# Performance figures (minutes, not a test): ratios to floors measured in the same run.
bench: $(STAMP)
	$(PY) bench/run.py

# Scale-out figures (minutes, not a test): `archive` of 100,000 synthetic articles
# on a LocalCluster of 2 workers against --jobs 2, peak RSS at 10k and 100k.
bench-scale: $(STAMP)
	$(PY) bench/scale.py

# Summary quality: out-of-fold on the training sets, then the dev (report) sets;
# rewrites docs/quality.md.
eval: $(STAMP)
	$(PY) bench/quality.py

# Learn NewsRank's weights from the training sets (never the dev sets);
# rewrites src/feedsum/newsrank.json.
fit: $(STAMP)
	$(PY) bench/fit.py

clean:
	rm -rf $(VENV) public build .feedsum .pytest_cache .mypy_cache .ruff_cache
