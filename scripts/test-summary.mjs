// Prints the closing lines CI reads, over every vitest JSON report given: each
// failed test file and test with the start of its error (so the tail of the
// log says what failed), then "tests: N passed, N failed". Exits 1 when a
// report is missing, ran nothing, or holds a failure.
import { readFileSync } from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const excerpt = (text) =>
  String(text ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 8)
    .map((l) => `    ${l.slice(0, 300)}`)
    .join('\n');
for (const file of process.argv.slice(2)) {
  let r;
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`test summary: cannot read ${file}: ${err.message}`);
    failed++;
    continue;
  }
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const suite of r.testResults ?? []) {
    const name = path.relative(process.cwd(), suite.name);
    // A file that failed with no failed test (a hook or an import threw): counted once, its tests were skipped.
    if (suite.status === 'failed' && !(suite.assertionResults ?? []).some((t) => t.status === 'failed')) {
      failed++;
      failures.push(`FAILED FILE ${name}\n${excerpt(suite.message)}`);
    }
    for (const t of suite.assertionResults ?? []) {
      if (t.status === 'failed') failures.push(`FAILED ${name} > ${t.fullName}\n${excerpt((t.failureMessages ?? []).join('\n'))}`);
    }
  }
}
if (failures.length > 0) console.log(`\n${failures.slice(0, 20).join('\n')}${failures.length > 20 ? `\n... and ${failures.length - 20} more` : ''}\n`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
