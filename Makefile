# Every target creates or reuses .venv and installs the project into it first:
# on a fresh clone, `make run` and `make test` are the whole set-up.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench eval fit clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/feedsum build

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

# Performance figures (minutes, not a test): ratios to floors measured in the same run.
bench: $(STAMP)
	$(PY) bench/run.py

# Summary quality: out-of-fold on the training sets, then the dev (report) sets;
# rewrites docs/quality.md.
eval: $(STAMP)
	$(PY) bench/quality.py

# Learn NewsRank's weights from the training sets (never the dev sets);
# rewrites src/feedsum/newsrank.json.
fit: $(STAMP)
	$(PY) bench/fit.py

clean:
	rm -rf $(VENV) public .feedsum .pytest_cache .mypy_cache .ruff_cache
