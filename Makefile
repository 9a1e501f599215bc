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

.PHONY: demo test lint fmt bench system-deps setup native clean docs

# Debian packages: graphviz renders the flowcharts; chromium runs the HTML tests;
# gcc (and the Python headers, which a Debian python3 keeps in python3-dev)
# compiles the fast reader (make native).
HAVE_HEADERS := $(PYTHON) -c "import os, sys, sysconfig; \
	sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))"
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium fonts-dejavu-core"; \
	command -v gcc >/dev/null 2>&1 || missing="$$missing gcc libc6-dev"; \
	$(HAVE_HEADERS) || missing="$$missing python3-dev"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			$$missing >/dev/null; \
	fi

# An editable install is not byte-compiled as a wheel install is (and with
# PYTHONDONTWRITEBYTECODE set, never would be): compile it, so that every run of
# `carepath` does not compile its own modules first.
COMPILE := $(PY) -m compileall -q carepath dsl compiler render >/dev/null

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	$(COMPILE)
	touch $(STAMP)

# The fast reader, resolution and the checks compiled with mypyc (dsl/native.py); quick
# when already current.
native: system-deps $(STAMP)
	-$(PY) scripts/build_native.py

setup: system-deps $(STAMP) native

demo: setup
	@bash scripts/demo.sh "$(PY)" "$(SEED)" "$(OUT)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: setup lint
	CAREPATH_REQUIRE_NATIVE=1 $(PY) -m pytest -n 2 -q

bench: setup
	$(COMPILE)
	$(PY) bench/run_all.py

docs: $(STAMP)
	$(PY) -m carepath.docs_gen

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache build dsl/_fastparse_native* compiler/_compiled compiler/checks/_compiled
