# Thin wrappers over the project's CLIs. Every target creates .venv from requirements.txt when needed, with the
# project itself installed in editable mode (so `import workshop` works from any folder, kernels included).
# Windows without make: see README ("Windows") for the plain `python -m ...` commands.

PYTHON ?= python3
VENV := .venv
ifeq ($(OS),Windows_NT)
  BIN := $(VENV)/Scripts
else
  BIN := $(VENV)/bin
endif
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: help venv test lint demo local lab deploy destroy chat web bench translations translations-chat clean

help:
	@echo "make demo     run the whole workshop as one demo on a private local cloud"
	@echo "make test     run the test suite"
	@echo "make local    start the local cloud on 127.0.0.1:4566 (Ctrl-C stops it)"
	@echo "make lab      open JupyterLab on notebooks/"
	@echo "make deploy   deploy every step to the current target"
	@echo "make destroy  delete everything this prefix created"
	@echo "make chat NAME=Alice   join the deployed chat from the terminal"
	@echo "make web     open the chat's web page (step 07) in the default browser"
	@echo "make bench    run the benchmarks (they print figures)"
	@echo "make translations   extract, merge and compile the message catalogs (docs/translating.md)"
	@echo "make translations-chat   refresh the chat functions' catalog (lambda_functions/locale/)"

# pyproject.toml too: it says which packages and data files the editable install exposes.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet -e .
	@touch $(STAMP)

venv: $(STAMP)

# Tests mostly wait on processes and sockets: more workers than cores. `make test TEST_WORKERS=0` or `make test PYTEST_ARGS="-n 0"` runs them in this one process.
TEST_WORKERS ?= 4
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .

demo: $(STAMP)
	$(PY) -m workshop demo $(ARGS)

local: $(STAMP)
	$(PY) -m local_cloud $(ARGS)

lab: $(STAMP)
	$(PY) -m workshop lab $(ARGS)

deploy: $(STAMP)
	$(PY) -m workshop deploy $(ARGS)

destroy: $(STAMP)
	$(PY) -m workshop destroy $(ARGS)

chat: $(STAMP)
	$(PY) -m workshop chat --name "$(NAME)" $(ARGS)

web: $(STAMP)
	$(PY) -m workshop url --web --open $(ARGS)

bench: $(STAMP)
	$(PY) -m bench $(ARGS)

translations-chat: $(STAMP)
	$(PY) -m workshop.chat_catalog $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache serverless_chat_workshop.egg-info

# The workshop's messages in every language (docs/translating.md): extract the .pot from workshop/, merge it
# into each language's .po (new messages come empty, changed ones fuzzy), compile the .po files to .mo.
LOCALE := workshop/locale
PYBABEL := $(BIN)/pybabel
translations: $(STAMP)
	$(PYBABEL) extract --no-location --sort-output --add-comments=Translators: --width 120 \
		--project "serverless chat workshop" --copyright-holder "the workshop's authors" \
		-F $(LOCALE)/babel.cfg -o $(LOCALE)/workshop.pot workshop
	$(PYBABEL) update --ignore-obsolete --width 120 -i $(LOCALE)/workshop.pot -d $(LOCALE) -D workshop
	$(PYBABEL) compile --statistics -d $(LOCALE) -D workshop
