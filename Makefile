# The README's two commands: `make run` and `make test`. Everything else is documented there too.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo bench eval package clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python packaging/check_qt_libs.py  # the X11 libraries Qt's window needs: installed as root, else the command
	$(BIN)/python main.py app resources/samples/bmx-trees.mp4

test: $(STAMP)
	$(BIN)/ruff check .
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python main.py demo --out out

bench: $(STAMP)
	$(BIN)/python main.py bench

eval: $(STAMP)
	$(BIN)/python main.py eval

package:
	bash packaging/make_source_package.sh dist

clean:
	rm -rf out .pytest_cache
