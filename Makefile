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

.PHONY: demo test test-other-python lint fmt bench system-deps setup clean docs

# Debian packages: graphviz renders the flowcharts; chromium runs the HTML tests;
# Node.js runs the JavaScript evaluator and the TextMate grammar tests; a Java
# runtime runs Apache Spark (pyspark, local mode) for `audit --engine spark`.
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium fonts-dejavu-core"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
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

# npm packages the tests use (vscode-textmate and Oniguruma for the TextMate grammar,
# axe-core for the HTML pages), pinned by the lock file.
NODE_PACKAGES := tests/node/node_modules/.installed
$(NODE_PACKAGES): tests/node/package-lock.json
	npm ci --prefix tests/node --silent --no-audit --no-fund
	touch $(NODE_PACKAGES)

setup: system-deps $(STAMP)

demo: setup
	@bash scripts/demo.sh "$(PY)" "$(SEED)" "$(OUT)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/typecheck.py

test: setup $(NODE_PACKAGES) lint
	$(PY) -m pytest -n 2 -q
	@$(MAKE) --no-print-directory test-other-python

# carepath supports Python 3.11 and up: the suite runs again on one more version
# when the machine has one (pyenv's or the package manager's), in its own venv.
# (a pyenv shim of a version not selected does not run: its versions/ folder is tried too)
PYTHON_CANDIDATES := $(foreach v,3.12 3.13,$(shell command -v python$(v) 2>/dev/null) \
	$(wildcard $(HOME)/.pyenv/versions/$(v).*/bin/python$(v)))
OTHER_PYTHON := $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(shell "$(p)" -c 'print("$(p)")' 2>/dev/null)))
test-other-python: $(NODE_PACKAGES)
	@if [ -z "$(OTHER_PYTHON)" ]; then \
		echo "no second Python 3.11+ on this machine: the suite ran on $$($(PY) -V) only"; \
		exit 0; \
	fi; \
	version=$$("$(OTHER_PYTHON)" -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	if [ "$$version" = "$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')" ]; then \
		echo "the second Python is the first one's version: nothing more to run"; exit 0; \
	fi; \
	venv=.venv-$$version; \
	echo "the suite again on $$("$(OTHER_PYTHON)" -V) ($$venv)"; \
	[ -x $$venv/bin/python ] || "$(OTHER_PYTHON)" -m venv $$venv; \
	$$venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]' && \
	$$venv/bin/python -m pytest -n 2 -q -p no:cacheprovider

bench: setup
	$(COMPILE)
	$(PY) bench/run_all.py

docs: $(STAMP)
	$(PY) -m carepath.docs_gen

clean:
	rm -rf $(VENV) .venv-* $(OUT) .pytest_cache .mypy_cache .ruff_cache build
