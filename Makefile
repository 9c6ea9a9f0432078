# make demo : create .venv if missing, install, pretrain ReCon on generated data
# make test : create .venv if missing, install, run the test-suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.recon3d-installed
export HF_HUB_OFFLINE ?= 1

.PHONY: install demo test clean-demo

$(STAMP): requirements/runtime.txt requirements/tests.txt requirements/io.txt \
		setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -r requirements/runtime.txt -r requirements/tests.txt \
		-r requirements/io.txt
	$(PY) -m pip install --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP)
	$(PY) -m pytest tests

clean-demo:
	rm -rf data/demo work_dirs/demo
