# Two commands do all set-up: `make demo` and `make test`. Both create/reuse .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint format clean-reports strip

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lab]"
	$(BIN)/socialcrm setup
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## run the example playbook end-to-end on the shipped sample
	$(BIN)/socialcrm run playbooks/example.yaml

test: $(STAMP)  ## run the whole test suite: unit, doctests, notebooks (nbval-lax), end-to-end
	$(BIN)/python -m pytest tests socialcrm_utils --doctest-modules
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks/

LINTED := socialcrm_utils tests benchmarks setup.py

lint: $(STAMP)  ## ruff: lint rules and the formatter check, zero findings (pyproject [tool.ruff])
	$(BIN)/python -m ruff check $(LINTED)
	$(BIN)/python -m ruff format --check $(LINTED)

format: $(STAMP)  ## apply ruff's formatter and the fixable lint rules
	$(BIN)/python -m ruff format $(LINTED)
	$(BIN)/python -m ruff check --fix $(LINTED)

strip:  ## strip notebook outputs before committing
	$(BIN)/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb

clean-reports:
	rm -rf reports/
