# Two commands: `make demo` and `make test`. Both create/update .venv first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.test-installed-stamp
CORES ?= 2
SNAKEMAKE := PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/snakemake

.PHONY: install demo test lint clean-demo

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	# torch first, from its pin: a newer torch would pull several GB of CUDA wheels
	$(PY) -m pip install --quiet --no-compile torch==2.13.0
	echo "torch==2.13.0" > $(VENV)/constraints.txt
	$(PY) -m pip install --quiet --no-compile -c $(VENV)/constraints.txt -e .
	# bytecode for what the workflow imports only, not pip's ~12,000 modules (~30 s less on 2 cores)
	$(PY) tools/byte_compile.py
	touch $(STAMP)

# the test extras (pytest, linters, enformer-pytorch with transformers, selenium, ...): ~30 s that `make demo` skips
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c $(VENV)/constraints.txt -e '.[test]'
	touch $(TEST_STAMP)

install: $(TEST_STAMP)

DEMO_CONFIG ?= config/config.yaml
DEMO_RUN ?= demo

# one Snakemake start for the run and its report (each start costs seconds: DAG, imports, plugins)
demo: $(STAMP)
	$(SNAKEMAKE) --cores $(CORES) --configfile $(DEMO_CONFIG) --report results/$(DEMO_RUN)/report.html --report-after-run
	@echo "demo finished: results/$(DEMO_RUN)/ (predictions/*.bw, evaluation/, interpret/, report.html)"

test: install lint
	$(PY) -m pytest

# fast checks first: Snakemake's linter, Snakefile formatting, Python lint (settings in pyproject.toml)
lint: install
	$(SNAKEMAKE) --lint --configfile config/config.yaml
	$(VENV)/bin/snakefmt --check .
	$(VENV)/bin/ruff check .

clean-demo:
	rm -rf results/demo resources/demo resources/demo-sources logs/demo benchmarks/demo
