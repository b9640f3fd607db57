# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: install install-dev libmagic catalogs chromium run test mutate stack lint format messages bench chartjs

install: libmagic $(VENV)/.installed catalogs

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install-dev: libmagic $(VENV)/.installed-dev catalogs

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# Uploaded files are told apart by their content with libmagic (python-magic loads Debian's
# library); install it when it is missing (Debian 13 names the package libmagic1t64).
libmagic:
	@{ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | grep -q 'libmagic\.so\.1 ' || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		{ DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends libmagic1 || \
		  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends libmagic1t64; }; \
	}

# The translations as the board reads them, compiled from the catalogs (which alone are kept).
catalogs: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d board/translations

# Browser tests drive Debian's Chromium; install it when it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; \
	}

# The board on the embedded default: SQLite, tasks in-process, e-mails as files, demo data.
# Links in its e-mails lead to the address it serves, unless BASE_URL names another.
RUN_ENV = env -u DATABASE_URL -u REDIS_URL -u SMTP_URL BASE_URL='$(or $(BASE_URL),http://$(HOST):$(PORT))'
run: install
	$(RUN_ENV) $(FLASK) board init
	$(RUN_ENV) $(FLASK) board seed-demo
	@echo "The board is at http://$(HOST):$(PORT)/ — demo logins are in README.md."
	trap 'kill 0' INT TERM EXIT; \
	$(RUN_ENV) $(FLASK) board sweep --every 60 & \
	$(RUN_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

# One test process per CPU, at most four (tests/conftest.py gives each its own databases).
test: install-dev chromium
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist worksteal

# Mutation testing of the rules' modules, by hand only, never in CI (tests/README.md): each
# mutant is held to the fast SQLite run of the tests that reach it. Starts afresh each time.
mutate: install-dev
	rm -rf mutants
	BOARD_TEST_DATABASES=sqlite $(BIN)/mutmut run --max-children 2
	$(BIN)/python -m tests.mutation_score

# Web, worker and beat against DATABASE_URL and REDIS_URL, as production runs them.
stack: install
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || { \
		echo "make stack needs DATABASE_URL and REDIS_URL (see README.md)" >&2; exit 1; }
	$(FLASK) board init
	@mkdir -p instance
	trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A worker worker --loglevel=INFO & \
	$(BIN)/celery -A worker beat --loglevel=INFO --schedule instance/celerybeat-schedule & \
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app & \
	wait

# Benchmarks, by hand only (see bench/README.md): the data set, then pages, search,
# statistics, fan-out.
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || { echo "bench needs wrk: apt-get install -y wrk" >&2; exit 1; }
	@test -x /usr/sbin/smtp-sink || { echo "bench needs postfix's smtp-sink: apt-get install -y --no-install-recommends postfix" >&2; exit 1; }
	$(BIN)/python -m bench.data
	$(BIN)/python -m bench.web
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.statistics
	$(BIN)/python -m bench.fanout

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r board worker config.py wsgi.py --severity-level medium

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Collect every text a person reads, bring every catalog up to date with it, and compile them.
# New texts arrive untranslated, never guessed from similar ones (no fuzzy entries):
# tests/test_catalogs.py fails until each catalog has them all.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --project "Cluster procurement board" \
		--no-location --sort-output -o board/translations/messages.pot .
	$(BIN)/pybabel -q update -i board/translations/messages.pot -d board/translations \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d board/translations

# Chart.js for the statistics page, committed under static/vendor/chartjs/ (its README says
# what it is): fetched again from the npm registry by its pinned version, and copied only if it
# is the very file written down.
CHARTJS_VERSION := 4.6.2
CHARTJS_SHA256 := 3f288f4f26882c26b58931fb586a9b4f30370b5de38d69dc005b0bd05b08e113
chartjs:
	@command -v npm >/dev/null 2>&1 || { echo "make chartjs needs npm" >&2; exit 1; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent chart.js@$(CHARTJS_VERSION) >/dev/null && \
	 tar xzf chart.js-$(CHARTJS_VERSION).tgz && \
	 echo "$(CHARTJS_SHA256)  package/dist/chart.umd.min.js" | sha256sum --check --quiet -) && \
	cp "$$tmp/package/dist/chart.umd.min.js" "$$tmp/package/LICENSE.md" static/vendor/chartjs/
