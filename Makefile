# The course's commands. Every target bootstraps .venv from requirements.txt first.
# `make help` lists them; the two that matter on a fresh machine are `make book` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help book test check lint unit notebooks browser sandbox lab bench clean distclean venv \
	homework grade

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)
	@echo "  make grade SUBMISSIONS=DIR [TIMEOUT=60] [MEMORY=2G] [CHAPTER=01_intuition] [UNSAFE=1]"
	@echo "             grade every notebook in DIR, each in a sandbox, into DIR/grades.csv and DIR/feedback/"

venv: $(STAMP) ## create .venv from requirements.txt (every target does this first)

# Every target but sandbox, homework and grade is one line of tasks.py, which runs the same steps
# without make (Windows too; standard library only): `python tasks.py --help`. tasks.py (re)installs
# .venv when it is missing or older than requirements.txt / pyproject.toml, as this rule says.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) tasks.py venv

# Notebooks are executed two at a time into the build's cache first (again when klutils changed);
# the build then finds them executed. See _ext/execute_notebooks.py.
book: ## build the website into _build/html (every notebook runs; warnings fail)
	$(PYTHON) tasks.py book

lint: ## ruff
	$(PYTHON) tasks.py lint

# Never builds the book: the site, browser and slow tests are deselected (tests/conftest.py
# marks every test that uses the site or the grading fixtures).
unit: ## unit, property and doc tests (no book, no browser, no grading; ~1 min)
	$(PYTHON) tasks.py unit

check: ## lint + unit: the quick check before a commit
	$(PYTHON) tasks.py check

notebooks: ## run every chapter top to bottom (nbval)
	$(PYTHON) tasks.py notebooks

# The book is built first (every notebook runs in it): the site tests read _build/html. Unlike
# `make unit`, this runs every test (site, browser and slow ones too), on two processes.
test: ## everything: lint, the strict book build (every notebook), all tests
	$(PYTHON) tasks.py test

# What the browser tests drive: Debian's chromium and chromedriver, installed only when missing
# and only where apt-get can (as root), and axe-core 4.14.1 from npm (the accessibility rules),
# into _build/npm. Where one is missing, the tests that need it are skipped and say why.
browser:
	$(PYTHON) tasks.py browser

lab: ## JupyterLab on the chapters
	$(PYTHON) tasks.py lab

bench: ## klutils speed against scipy, printed as ratios
	$(PYTHON) tasks.py bench

# The grading sandbox: Debian's bubblewrap, installed only when missing and only where apt-get can
# (as root); elsewhere `make grade` says so and refuses unless UNSAFE=1, and the sandbox tests are
# skipped and say why.
sandbox: ## install bubblewrap, the grading sandbox, when missing (as root, with apt-get)
	@command -v bwrap >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq bubblewrap >/dev/null 2>&1 && echo "installed bubblewrap"; } || \
	  echo "note: bubblewrap is not available (as root: apt-get install bubblewrap); make grade" \
	       "will need UNSAFE=1 and the sandbox tests will be skipped"

TIMEOUT ?= 60
MEMORY  ?= 2G

homework: $(STAMP) ## student notebooks and autograder under _build/homework
	$(BIN)/python -m klutils.homework.grader assign chapters --out _build/homework

grade: homework sandbox
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=DIR [TIMEOUT=60]" \
	  "[MEMORY=2G] [CHAPTER=01_intuition] [UNSAFE=1]" >&2; exit 2; }
	$(BIN)/python -m klutils.homework.grader grade "$(SUBMISSIONS)" --timeout $(TIMEOUT) \
		--memory $(MEMORY) $(if $(CHAPTER),--chapter "$(CHAPTER)") \
		$(if $(filter 1 yes true,$(UNSAFE)),--unsafe) --autograder _build/homework/autograder

clean: ## remove build output (keeps .venv)
	$(PYTHON) tasks.py clean

distclean: ## remove build output and .venv
	$(PYTHON) tasks.py distclean
