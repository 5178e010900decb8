#!/usr/bin/env bash
# The run steps of github-actions.yml, as a script: what CI would do, checked on this
# machine against any fleet. Usage (from the folder holding the config and migrations/):
#   DBFLEET=dbfleet examples/ci/run-workflow-locally.sh config.yaml user_service product_service ...
# The matrix jobs run one after another here; in CI they run at once.
set -euo pipefail
dbfleet=${DBFLEET:-dbfleet}
config=$1
shift
"$dbfleet" validate --config="$config"
for service in "$@"; do
  echo "== job $service"
  DBFLEET_ACTOR="github-actions/local" "$dbfleet" up -d shared_service --config="$config"
  DBFLEET_ACTOR="github-actions/local" "$dbfleet" up -d "$service" --config="$config"
  DBFLEET_ACTOR="github-actions/local" "$dbfleet" up -d "$service" --directory=cross_service --config="$config"
  "$dbfleet" status -d "$service" --check --config="$config"
done
