# The course's commands. Every target bootstraps .venv from requirements.txt first.
#   make book   build the website into _build/html (executes every notebook, warnings fail)
#   make test   lint, the strict book build, unit/property/doc/site tests, every notebook (nbval)
#   make lab    JupyterLab on the chapters
#   make bench  klutils speed against scipy, printed as ratios
#   make homework  student notebooks and autograder under _build/homework (see instructors.md)
#   make grade SUBMISSIONS=DIR [TIMEOUT=60] [MEMORY=2G] [CHAPTER=01_intuition] [UNSAFE=1]
#              grade every notebook in DIR, each in a sandbox, into DIR/grades.csv and DIR/feedback/
#   make clean  remove build output (keeps .venv); `make distclean` removes .venv too

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test lint unit notebooks browser sandbox lab bench clean distclean venv homework grade

venv: $(STAMP)

# (Re)install when .venv is missing or older than requirements.txt / pyproject.toml.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The website: $(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests klutils --doctest-modules

notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax chapters

# The book is built first: the site tests in tests/test_site.py read _build/html.
test: lint book browser sandbox unit notebooks

# Headless Chromium for the site test: Debian's package, installed only when missing and only
# where apt-get can (as root); elsewhere that one test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq chromium >/dev/null 2>&1 && echo "installed chromium"; } || \
	  echo "note: chromium is not available; the browser test will be skipped"

lab: $(STAMP)
	$(BIN)/jupyter lab chapters

bench: $(STAMP)
	$(BIN)/python -m klutils.bench

# The grading sandbox: Debian's bubblewrap, installed only when missing and only where apt-get can
# (as root); elsewhere `make grade` says so and refuses unless UNSAFE=1, and the sandbox tests are
# skipped and say why.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq bubblewrap >/dev/null 2>&1 && echo "installed bubblewrap"; } || \
	  echo "note: bubblewrap is not available (as root: apt-get install bubblewrap); make grade" \
	       "will need UNSAFE=1 and the sandbox tests will be skipped"

TIMEOUT ?= 60
MEMORY  ?= 2G

homework: $(STAMP)
	$(BIN)/python -m klutils.homework.grader assign chapters --out _build/homework

grade: homework sandbox
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=DIR [TIMEOUT=60]" \
	  "[MEMORY=2G] [CHAPTER=01_intuition] [UNSAFE=1]" >&2; exit 2; }
	$(BIN)/python -m klutils.homework.grader grade "$(SUBMISSIONS)" --timeout $(TIMEOUT) \
		--memory $(MEMORY) $(if $(CHAPTER),--chapter "$(CHAPTER)") \
		$(if $(filter 1 yes true,$(UNSAFE)),--unsafe) --autograder _build/homework/autograder

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
