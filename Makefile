# Two commands for a new machine:
#   make run    set up and start Tessera
#   make test   set up and run the whole test suite (what CI runs)

.PHONY: run test setup setup-test lint bench clean

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
