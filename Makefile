# Two entry points for a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-fast lint worker bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The compiled catalogue is built from the .po (tracked) so that branches merge the text, never a binary.
MO := locale/zh_Hans/LC_MESSAGES/django.mo
$(MO): locale/zh_Hans/LC_MESSAGES/django.po $(STAMP)
	$(BIN)/python -c "import polib, sys; polib.pofile(sys.argv[1]).save_as_mofile(sys.argv[2])" $< $@

install: $(STAMP) $(MO)

# Links in e-mails and printed by open_link follow the address the demo serves on.
demo: export SITE_URL ?= http://$(HOST):$(PORT)
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Everything on both cores, then the real-worker tests in one process: run beside other tests under xdist,
# their in-thread workers sometimes lost tasks on the shared Redis broker.
test: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not integration"
	$(BIN)/python -m pytest -p no:xdist -m integration

lint: install
	$(BIN)/ruff check .

worker: install
	$(BIN)/celery -A materiality worker --beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
