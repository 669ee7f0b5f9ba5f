import { describe, it } from 'vitest';
import { runProtocol, type RemediationCases } from '../helpers/remediation-cases.js';

// Every remediation's cases (test/remediations/**/<slug>.remedy.ts), through the four-step protocol.
const modules = import.meta.glob<{ default: RemediationCases }>('./**/*.remedy.ts', { eager: true });

for (const [file, mod] of Object.entries(modules)) {
  const { remediation, cases } = mod.default;
  describe(`${remediation.meta.id} (${file})`, () => {
    for (const c of cases) it(c.name, () => runProtocol(remediation, c));
  });
}
