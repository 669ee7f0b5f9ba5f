import { afterAll, describe, it } from 'vitest';
import { assertFindings, runCase, type CheckCases } from '../helpers/check-cases.js';
import type { FixtureTree } from '../helpers/fixture-tree.js';

// Every check's case tables (test/checks/**/<slug>.cases.ts), run on real fixture trees.
const modules = import.meta.glob<{ default: CheckCases }>('./**/*.cases.ts', { eager: true });
const trees: FixtureTree[] = [];
afterAll(async () => {
  await Promise.all(trees.map((t) => t.remove()));
});

for (const [file, mod] of Object.entries(modules)) {
  const cases = mod.default;
  describe(`${cases.check.meta.id} (${file})`, () => {
    const tables = { passing: cases.passing, failing: cases.failing, 'not applicable': cases.notApplicable, 'bad input': cases.errors ?? [] };
    for (const [kind, table] of Object.entries(tables)) {
      for (const c of table) {
        it(`${kind}: ${c.name}`, async () => {
          const { findings, tree } = await runCase(cases.check, c);
          trees.push(tree);
          assertFindings(findings, c.expect);
        });
      }
    }
  });
}
