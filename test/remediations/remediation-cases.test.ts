import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../remediations/index.js';
import { runProtocol, type RemediationCases } from '../helpers/remediation-cases.js';

// Every remediation's cases (test/remediations/**/<slug>.remedy.ts), through the four-step protocol.
const modules = import.meta.glob<{ default: RemediationCases }>('./**/*.remedy.ts', { eager: true });

/** Remediations proven by a stage of their own rather than by fixture-tree cases. */
const OWN_STAGE: Record<string, string> = {
  'RG-NET-001': 'network/egress-live.test.ts', // a live kernel in network namespaces
  'RG-NET-002': 'network/egress-live.test.ts',
  'RG-BUILD-001': 'build/leftover-dirs.test.ts', // deletion: no rollback identity to assert
};

it('every remediation has fixture cases here, or a stage of its own', () => {
  const here = new Set(Object.values(modules).map((m) => m.default.remediation.meta.id));
  expect(REMEDIATIONS.map((r) => r.meta.id).filter((id) => !here.has(id)).sort()).toEqual(Object.keys(OWN_STAGE).sort());
  for (const f of new Set(Object.values(OWN_STAGE))) expect(existsSync(path.join(import.meta.dirname, f)), f).toBe(true);
});

for (const [file, mod] of Object.entries(modules)) {
  const { remediation, cases } = mod.default;
  describe(`${remediation.meta.id} (${file})`, () => {
    for (const c of cases) it(c.name, () => runProtocol(remediation, c));
  });
}
