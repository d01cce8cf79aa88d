#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, types, then pytest.
# Extra arguments go to pytest (for example: scripts/test.sh tests/unit -k vault).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv/bin"

echo "==> ruff"
"$venv/ruff" check app tests benchmarks
"$venv/ruff" format --check app tests benchmarks
echo "==> mypy --strict (app: core, services, cli, ui)"
"$venv/mypy"
echo "==> pytest"
mkdir -p test-artifacts
export QT_QPA_PLATFORM=offscreen
workers="${TESSERA_TEST_WORKERS:-auto}"
coverage=()
if [ "$#" -eq 0 ]; then
  # The whole suite: the encryption engine must stay fully covered, lines and branches.
  coverage=(--cov=app/core/crypto --cov-branch --cov-report=term:skip-covered --cov-fail-under=100)
fi
exec "$venv/pytest" -n "$workers" --durations=15 "${coverage[@]}" "$@"
