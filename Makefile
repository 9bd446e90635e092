# gongfu — two commands: `make demo` and `make test`. Both create or reuse .venv with every extra, at the
# exact versions of constraints/all.txt. `make test-min` runs the tests at the lowest versions pyproject allows.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := constraints/all.txt
MIN_VENV  := .venv-min
MIN_STAMP := $(MIN_VENV)/.installed

.PHONY: demo test test-min bench lint venv lock clean

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[all,dev]"
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m gongfu.demo

test: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(PY) -m pytest

# The declared minimum versions (constraints/minimum.txt), wheels only, in a venv of their own.
$(MIN_STAMP): pyproject.toml constraints/minimum.txt
	rm -rf $(MIN_VENV)
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python -m pip install --quiet --only-binary :all: -c constraints/minimum.txt -e ".[all,dev]"
	@touch $(MIN_STAMP)

test-min: $(MIN_STAMP)
	$(MIN_VENV)/bin/python -m pip list --format=freeze | grep -iE '^(numpy|pandas|pyarrow|starlette|fastapi)=='
	$(MIN_VENV)/bin/python -m pytest -p no:cacheprovider

# Rewrite constraints/all.txt from the newest releases that fit pyproject.toml (then run `make test`).
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e ".[all,dev]"
	{ sed -n '1,/^# Regenerate/p' $(LOCK); .venv-lock/bin/python -m pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .venv-lock

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) $(MIN_VENV) build dist .pytest_cache out
