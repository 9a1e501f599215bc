# carepath: two commands from a fresh Debian machine with Python 3.11+
#   make demo   set everything up and run the main job on the seed pathway
#   make test   set everything up and run the whole test suite (and the linters)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SEED   := pathways/chronic_osteoporotic_vcf.cpath
OUT    := out
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint fmt bench system-deps setup clean docs

# Debian packages: graphviz renders the flowcharts; chromium runs the HTML tests;
# Node.js runs the JavaScript evaluator and the TextMate grammar tests.
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium fonts-dejavu-core"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			$$missing >/dev/null; \
	fi

# An editable install is not byte-compiled as a wheel install is (and with
# PYTHONDONTWRITEBYTECODE set, never would be): compile it, so that every run of
# `carepath` does not compile its own modules first.
COMPILE := $(PY) -m compileall -q carepath dsl compiler render lsp >/dev/null

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	$(COMPILE)
	touch $(STAMP)

# vscode-textmate and its regex engine, pinned by the lock file, for tests/test_textmate.py.
TEXTMATE := tests/textmate/node_modules/.installed
$(TEXTMATE): tests/textmate/package-lock.json
	npm ci --prefix tests/textmate --silent --no-audit --no-fund
	touch $(TEXTMATE)

setup: system-deps $(STAMP)

demo: setup
	@bash scripts/demo.sh "$(PY)" "$(SEED)" "$(OUT)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/typecheck.py

test: setup $(TEXTMATE) lint
	$(PY) -m pytest -n 2 -q

bench: setup
	$(COMPILE)
	$(PY) bench/run_all.py

docs: $(STAMP)
	$(PY) -m carepath.docs_gen

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache build
