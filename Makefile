# The course's commands. Every target bootstraps .venv from requirements.txt first.
#   make book   build the website into _build/html (executes every notebook, warnings fail;
#               the widgets' settings are rendered then, see README "Widgets on the website")
#   make test   lint, the strict book build, unit/property/doc/site tests, every notebook (nbval)
#   make lab    JupyterLab on the chapters
#   make bench  klutils speed against scipy, printed as ratios
#   make homework  student notebooks and autograder under _build/homework (see instructors.md)
#   make grade SUBMISSIONS=DIR [TIMEOUT=60]  grade every notebook in DIR into DIR/grades.csv
#   make clean  remove build output (keeps .venv); `make distclean` removes .venv too

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test lint unit notebooks browser lab bench clean distclean venv homework grade

venv: $(STAMP)

# (Re)install when .venv is missing or older than requirements.txt / pyproject.toml.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# Notebooks are executed two at a time into the build's cache first (again when klutils changed);
# the build then finds them executed. See _ext/execute_notebooks.py.
book: $(STAMP)
	$(BIN)/python _ext/execute_notebooks.py
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The website: $(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests klutils --doctest-modules

notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax chapters

# The book is built first: the site tests in tests/test_site.py read _build/html.
test: lint book browser unit notebooks

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

lab: $(STAMP)
	$(BIN)/jupyter lab chapters $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(STAMP)
	$(BIN)/python -m klutils.bench

TIMEOUT ?= 60

homework: $(STAMP)
	$(BIN)/python -m klutils.homework assign chapters --out _build/homework

grade: homework
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=DIR [TIMEOUT=60]" >&2; exit 2; }
	$(BIN)/python -m klutils.homework grade "$(SUBMISSIONS)" --timeout $(TIMEOUT) \
		--autograder _build/homework/autograder

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
