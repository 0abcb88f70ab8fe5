# `make demo` and `make test` create the virtual environment when it is missing,
# install the package and what the tests need, then run. `make test` runs every test;
# `make test-fast` leaves out those marked slow (benchmarks, examples, the scikit-learn
# comparisons, check_estimator, Dask), for a quick check while working.
PYTHON ?= python3
VENV ?= .venv
VENV_THEANO ?= .venv-theano
PYTEST_ARGS ?=

.PHONY: demo test test-fast test-theano lint clean

demo: $(VENV)/.installed
	$(VENV)/bin/python examples/xor.py

test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS) tests benchmarks

test-fast: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -m "not slow" $(PYTEST_ARGS) tests benchmarks

test-theano: $(VENV_THEANO)/.installed
	MLP_ENGINE=theano $(VENV_THEANO)/bin/python -m pytest $(PYTEST_ARGS) tests benchmarks

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check mlp tests examples benchmarks

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-extras.txt setup.py
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt -r requirements-dev.txt -r requirements-extras.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

$(VENV_THEANO)/.installed: requirements-theano.txt requirements-dev.txt requirements-extras-theano.txt setup.py
	test -x $(VENV_THEANO)/bin/python || $(PYTHON) -m venv $(VENV_THEANO)
	$(VENV_THEANO)/bin/pip install -q -r requirements-theano.txt -r requirements-dev.txt \
		-r requirements-extras-theano.txt
	$(VENV_THEANO)/bin/pip install -q --no-deps -e .
	touch $@

clean:
	rm -rf $(VENV) $(VENV_THEANO) build *.egg-info
