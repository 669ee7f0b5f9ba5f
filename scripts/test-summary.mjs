// Prints one closing line, "tests: N passed, N failed", over every vitest JSON
// report given: the line CI reads. Exits 1 when a report is missing or ran nothing.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
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
  failed += r.numFailedTests + (r.numFailedTestSuites ?? 0);
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
