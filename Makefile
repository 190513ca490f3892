# One command to run the app, one to run the tests; both set up what they need first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The app's debug is off unless asked for; `make run` and `make demo` are for development.
DJANGO_DEBUG ?= true

# Where `make test-services` finds PostgreSQL and Redis (CI's machine runs both locally). Its
# Redis database is flushed at the start and serves the app and the tests alike; `make test`
# keeps to another (db 14, tests/conftest.py), and neither is db 0, a developer's own.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/streamdemo
TEST_REDIS_URL ?= redis://127.0.0.1:6379/13

.PHONY: run demo test test-services lint bench bench-profile clean

# Running the app needs only its own packages; the test tools (Playwright, Hypothesis, ruff,
# pytest) would more than double the virtualenv. Each set has its own stamp, so `make run` then
# `make test` adds the test tools once, and editing a requirements file installs it again.
$(VENV)/.installed-app: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# requirements-dev.txt starts with `-r requirements.txt`; the app's stamp comes first, so a
# changed requirements.txt reinstalls both.
$(VENV)/.installed-dev: $(VENV)/.installed-app requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed-app
	DJANGO_DEBUG=$(DJANGO_DEBUG) $(PY) manage.py migrate --verbosity 0
	DJANGO_DEBUG=$(DJANGO_DEBUG) $(PY) manage.py runserver $(HOST):$(PORT)

demo: $(VENV)/.installed-app
	DJANGO_DEBUG=$(DJANGO_DEBUG) $(PY) manage.py streamdemo $(ARGS)

test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

# The suite again on PostgreSQL, with replies logged in Redis and the Redis channel layer.
test-services: $(VENV)/.installed-dev
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		STREAMDEMO_TEST_REDIS_URL=$(TEST_REDIS_URL) \
		$(PY) -m pytest --require-services -m "not browser" -p no:cacheprovider

# Not part of `make test`: about five minutes of load on 127.0.0.1, then the report in
# bench/results/report.md; see bench/README.md. ARGS go to `python -m bench.run`.
$(VENV)/.bench-installed: $(VENV)/.installed-dev bench/requirements.txt
	$(PY) -m pip install --quiet -r bench/requirements.txt
	touch $@

# `g4f api` gets a venv of its own, so the app is measured with its own packages only. It is
# measured only when named (ARGS="--systems ...,g4f-api"), and installed only then.
G4F_API_VENV ?= .venv-g4f-api
$(G4F_API_VENV)/.installed: bench/requirements-g4f-api.txt
	$(PYTHON) -m venv $(G4F_API_VENV)
	$(G4F_API_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(G4F_API_VENV)/bin/python -m pip install --quiet -r bench/requirements-g4f-api.txt
	touch $@

bench: $(VENV)/.bench-installed $(if $(findstring g4f-api,$(ARGS)),$(G4F_API_VENV)/.installed)
	$(PY) -m bench.run $(ARGS)

# Where a chunk's time goes in the app (py-spy, by component), into bench/results/profile.md;
# ARGS go to `python -m bench.profile`. `make bench ARGS=--profile` adds it to the report.
bench-profile: $(VENV)/.bench-installed
	$(PY) -m bench.profile $(ARGS)

clean:
	rm -rf $(VENV) $(G4F_API_VENV) .pytest_cache .ruff_cache
