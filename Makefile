# The course's commands. Every target bootstraps .venv from requirements.txt first.
# `make help` lists them; the two that matter on a fresh machine are `make book` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help book test check lint unit notebooks browser lab bench clean distclean venv \
	homework grade

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)
	@echo "  make grade SUBMISSIONS=DIR [TIMEOUT=60]   grade every notebook in DIR"

venv: $(STAMP) ## create .venv from requirements.txt (every target does this first)

# (Re)install when .venv is missing or older than requirements.txt / pyproject.toml.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# Notebooks are executed two at a time into the build's cache first (again when klutils changed);
# the build then finds them executed. See _ext/execute_notebooks.py.
book: $(STAMP) ## build the website into _build/html (every notebook runs; warnings fail)
	$(BIN)/python _ext/execute_notebooks.py
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The website: $(CURDIR)/_build/html/index.html"

lint: $(STAMP) ## ruff
	$(BIN)/ruff check .

# Never builds the book: the site, browser and slow tests are deselected (tests/conftest.py
# marks every test that uses the site or the grading fixtures).
unit: $(STAMP) ## unit, property and doc tests (no book, no browser, no grading; ~1 min)
	$(BIN)/python -m pytest tests klutils --doctest-modules -m "not site and not browser and not slow"

check: lint unit ## lint + unit: the quick check before a commit

notebooks: $(STAMP) ## run every chapter top to bottom (nbval)
	$(BIN)/python -m pytest --nbval-lax chapters

# The book is built first: the site tests in tests/test_site.py read _build/html. Unlike
# `make unit`, this runs every test (site, browser and slow ones too), then every notebook.
test: lint book browser ## everything: lint, the strict book build, all tests, every notebook
	$(BIN)/python -m pytest tests klutils --doctest-modules
	$(BIN)/python -m pytest --nbval-lax chapters

# What the browser tests drive: Debian's chromium and chromedriver, installed only when missing
# and only where apt-get can (as root), and axe-core from npm (the accessibility rules), into
# _build/npm. Where one is missing, the tests that need it are skipped and say why.
AXE_CORE_VERSION := 4.14.1
AXE_CORE := _build/npm/node_modules/axe-core/axe.min.js

browser: $(AXE_CORE)
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 && \
	    echo "installed chromium and chromium-driver"; } || \
	  echo "note: chromium or chromedriver is not available; the browser tests will be skipped"

$(AXE_CORE):
	@command -v npm >/dev/null 2>&1 && \
	  npm install --silent --no-save --no-audit --no-fund --prefix _build/npm \
	    axe-core@$(AXE_CORE_VERSION) >/dev/null 2>&1 && echo "installed axe-core $(AXE_CORE_VERSION)" || \
	  echo "note: npm could not install axe-core; the accessibility test will be skipped"

lab: $(STAMP) ## JupyterLab on the chapters
	$(BIN)/jupyter lab chapters $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(STAMP) ## klutils speed against scipy, printed as ratios
	$(BIN)/python -m klutils.bench

TIMEOUT ?= 60

homework: $(STAMP) ## student notebooks and autograder under _build/homework
	$(BIN)/python -m klutils.homework assign chapters --out _build/homework

grade: homework
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=DIR [TIMEOUT=60]" >&2; exit 2; }
	$(BIN)/python -m klutils.homework grade "$(SUBMISSIONS)" --timeout $(TIMEOUT) \
		--autograder _build/homework/autograder

clean: ## remove build output (keeps .venv)
	rm -rf _build .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean ## remove build output and .venv
	rm -rf $(VENV)
