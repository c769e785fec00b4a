# Two commands for a fresh machine: `make report` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS ?= seeds
OUT    ?= figures
# The CPU build of torch lies on local disk here; pip takes it from there when the folder exists.
WHEELS ?= /opt/wheels
FIND_LINKS := $(if $(wildcard $(WHEELS)),--find-links $(WHEELS))
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1

# JupyterLab refuses to run as root unless told; only then is it told.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_PORT ?= 8888
LAB_IP   ?= 127.0.0.1

.PHONY: setup report readme-figures test lab bench clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --disable-pip-version-check --require-hashes --no-deps $(FIND_LINKS) -r requirements.lock
	$(BIN)/pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	$(BIN)/python -m ipykernel install --sys-prefix --name analysis --display-name "Python (analysis)" >/dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/analysis report --corpus $(CORPUS) --out $(OUT)

# `make test` skips the tests marked slow (end-to-end runs, notebooks: minutes each); `make test SLOW=1`
# runs every test, as CI does (.ci/run).
SLOW ?=
test: $(STAMP)
	$(BIN)/python -m pytest $(if $(SLOW),,-m "not slow")

# The README's figures are tracked in docs/figures/ and change only when asked: after a report
# (and `analysis framing validate`, for framing_validation.png), `make readme-figures`.
readme-figures:
	cp $(OUT)/frame_shares_by_article.png $(OUT)/stance_by_group.png docs/figures/
	if [ -f $(OUT)/validation/framing_validation.png ]; then cp $(OUT)/validation/framing_validation.png docs/figures/; fi

# Notebooks open with the project's kernel, "Python (analysis)" (installed by setup).
lab: $(STAMP)
	@echo "JupyterLab: http://localhost:$(LAB_PORT)/lab (the full address with its token follows in the log)"
	$(BIN)/jupyter lab --notebook-dir=notebooks --no-browser --ip=$(LAB_IP) --port=$(LAB_PORT) $(ALLOW_ROOT) \
		--MappingKernelManager.default_kernel_name=analysis

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

clean:
	rm -rf $(VENV) .pytest_cache .cache build *.egg-info
	find . -name __pycache__ -prune -exec rm -rf {} +
	find $(OUT) -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
