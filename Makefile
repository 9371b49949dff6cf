# Utility collections for Odoo 19 — one entry point for the project.
#   make run    install what is missing, create the demo database, serve Odoo
#   make test   fresh test database, all module tests, tours and linters
PYTHON ?= python3
DB ?= utility_demo
TEST_DB ?= utility_test
HTTP_PORT ?= 8069
TEST_HTTP_PORT ?= 8169
MODULES = utility_billing,utility_payment_channels,utility_arrears
PGENV = $(shell bash scripts/pg.sh)

.PHONY: install db run demo test lint bench pot help

help:
	@echo "make run    - install, create the demo database '$(DB)' and serve http://localhost:$(HTTP_PORT)"
	@echo "make test   - run every test and the linters on a fresh database '$(TEST_DB)'"
	@echo "make lint   - pre-commit run --all-files"
	@echo "make bench  - benchmarks at county scale (table printed and saved in tests/bench/results.md)"

install:
	bash scripts/setup.sh

db: install
	@bash scripts/pg.sh >/dev/null

demo: db
	env $(PGENV) $(PYTHON) scripts/odoo_db.py demo --db $(DB) --modules $(MODULES)

run: demo
	@echo "Odoo: http://localhost:$(HTTP_PORT)  database: $(DB)  login: admin  password: admin"
	env $(PGENV) $(PYTHON) scripts/odoo_db.py serve --db $(DB) --http-port $(HTTP_PORT)

test: db
	env $(PGENV) $(PYTHON) scripts/run_tests.py --db $(TEST_DB) --modules $(MODULES) \
		--http-port $(TEST_HTTP_PORT)

lint:
	pre-commit run --all-files --show-diff-on-failure

bench: db
	env $(PGENV) $(PYTHON) tests/bench/run_bench.py

pot: db
	env $(PGENV) $(PYTHON) scripts/odoo_db.py pot --db $(TEST_DB) --modules $(MODULES)
