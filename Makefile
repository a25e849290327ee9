# 问答 (wenda) — two commands do everything on a fresh machine:
#   make ask          install what is missing, build the index on first use, answer a question (Q="…")
#   make test         install what is missing (incl. Chromium for the browser test), run the tests
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
Q ?= 全国地方公安机关共设置了多少个公安派出所？
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install ask chat serve test lint eval eval-dialogues eval-report eval-cmrc eval-cmrc-validation train-reader bench bench-quick browser-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch is installed first and pinned: that version is the CPU build; an unpinned torch pulls CUDA.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,train]'
	touch $(STAMP)

install: $(STAMP)

ask: install
	$(VENV)/bin/qa ask "$(Q)"

chat: install
	$(VENV)/bin/qa chat

serve: install
	$(VENV)/bin/qa serve

browser-deps:
	@bash scripts/ensure_chromium.sh

test: install browser-deps
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .

eval: install
	$(VENV)/bin/qa eval --gold eval/gold/seeds.jsonl

eval-dialogues: install
	$(VENV)/bin/qa eval --dialogues eval/gold/dialogues.jsonl --half report

# The seed gold set's report half (never used to fit anything; see eval/README.md).
eval-report: install
	$(VENV)/bin/qa eval --gold eval/gold/seeds.jsonl --half report --out runs/eval-seeds-report

# CMRC 2018 trial, open retrieval over its 256 paragraphs (no reader ever trained on it).
eval-cmrc: install
	$(VENV)/bin/qa eval --squad ../shared/data/cmrc2018/cmrc2018_trial.json

# CMRC 2018 train's validation articles (never trained on), each question read against its own paragraph.
eval-cmrc-validation: install
	$(VENV)/bin/qa eval --squad ../shared/data/cmrc2018/cmrc2018_train.json --split validation --given --out runs/eval-cmrc-validation

# Fine-tune the transformer reader (hours on 2 CPU cores; --resume continues); writes qa/reader/models/wenda-e5-small-qa.
train-reader: install
	$(VENV)/bin/qa train-reader

bench: install
	$(VENV)/bin/qa bench

bench-quick: install
	$(VENV)/bin/qa bench --quick

clean:
	rm -rf .wenda runs .pytest_cache
