# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench clean

$(VENV)/.installed-base: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(VENV)/.installed-base $@

$(VENV)/.installed-demo: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[demo]'
	touch $(VENV)/.installed-base $@

demo: $(VENV)/.installed-demo
	$(PY) -m ember.examples.digits

test: $(VENV)/.installed-test
	$(PY) -m pytest -q -n 2 -p no:cacheprovider tests

BENCHES := eager_overhead mlp_nn_linear cnn_layers cnn_adam transformer_block lstm optim_adam dataloader_workers

bench: $(VENV)/.installed-test
	for b in $(BENCHES); do \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) bench/$$b.py || exit 1; \
	done
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) bench/cnn_adam.py --threads 2

clean:
	rm -rf $(VENV) build src/*.egg-info
