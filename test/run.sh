#!/usr/bin/env bash
# The project's test command (README). Default: type check, build, the unit
# and fixture suite. RUNNERGUARD_E2E=1 (what .ci/run sets) adds the heavier
# end-to-end stages (Debian 12 chroot, Node 18 floor, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
heavy=()
[ "${RUNNERGUARD_E2E:-0}" = "1" ] && heavy=(--heavy)
bash test/setup/apt-deps.sh "${heavy[@]}"
npx tsc --noEmit
npm run --silent build
rm -f .cache/vitest-*.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile=.cache/vitest-unit.json || status=$?
if [ "${RUNNERGUARD_E2E:-0}" = "1" ]; then
  npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile=.cache/vitest-e2e.json || status=$?
fi
node scripts/test-summary.mjs .cache/vitest-*.json || status=$?
exit $status
