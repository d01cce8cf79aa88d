# Two commands for a new machine:
#   make run    set up and start Tessera
#   make test   set up and run the whole test suite (what CI runs)

.PHONY: run test setup setup-test lint bench clean translations translations-build

run: setup
	.venv/bin/tessera

test: setup-test
	scripts/test.sh

setup:
	scripts/bootstrap.sh run

setup-test:
	scripts/bootstrap.sh test

lint: setup-test
	.venv/bin/ruff check app tests benchmarks
	.venv/bin/mypy

clean:
	rm -rf .venv build dist *.egg-info test-artifacts .mypy_cache .ruff_cache

LANGS ?= de
translations: setup-test
	for lang in $(LANGS); do \
	  .venv/bin/pyside6-lupdate $$(git ls-files 'app/ui/*.py') -ts translations/tessera_$$lang.ts; \
	done

translations-build: setup
	for ts in translations/*.ts; do \
	  [ -e "$$ts" ] && .venv/bin/pyside6-lrelease "$$ts" -qm "$${ts%.ts}.qm"; \
	done; true
