import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../checks/index.js';
import { SEVERITIES } from '../agent/engine/types.js';
import type { CheckCases } from './helpers/check-cases.js';

const modules = import.meta.glob<{ default: CheckCases }>('./checks/**/*.cases.ts', { eager: true });
const casesById = new Map(Object.values(modules).map((m) => [m.default.check.meta.id, m.default]));

describe('catalogue', () => {
  it('is sorted by id, with unique ids', () => {
    const ids = CATALOGUE.map((c) => c.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
  });

  for (const check of CATALOGUE) {
    const m = check.meta;
    describe(m.id, () => {
      it('has a title, severity, rationale, references and remediation text', () => {
        expect(m.id).toMatch(/^RG-[A-Z]+-\d{3}$/);
        expect(m.title.length).toBeGreaterThan(5);
        expect(SEVERITIES).toContain(m.severity);
        expect(m.rationale.length).toBeGreaterThan(40);
        expect(m.references.length).toBeGreaterThan(0);
        // Each reference is a docs URL, a seed document section (§) or a CIS id.
        for (const r of m.references) expect(r).toMatch(/^https:\/\/|§|^CIS /);
        expect(m.reads.length).toBeGreaterThan(0);
        expect(m.remediation.summary.length).toBeGreaterThan(10);
      });

      it('has passing, failing and not-applicable cases', () => {
        const cases = casesById.get(m.id);
        expect(cases, `no test/checks/**/*.cases.ts for ${m.id}`).toBeDefined();
        expect(cases!.check).toBe(check);
        expect(cases!.passing.length).toBeGreaterThan(0);
        expect(cases!.failing.length).toBeGreaterThan(0);
        expect(cases!.notApplicable.length).toBeGreaterThan(0);
        for (const c of cases!.passing) expect(c.expect.every((f) => f.status === 'pass'), c.name).toBe(true);
        for (const c of cases!.failing) expect(c.expect.some((f) => f.status === 'fail' || f.status === 'warn'), c.name).toBe(true);
        for (const c of cases!.notApplicable) expect(c.expect.every((f) => f.status === 'skip'), c.name).toBe(true);
        for (const c of cases!.errors ?? []) expect(c.expect.some((f) => f.status === 'error'), c.name).toBe(true);
      });
    });
  }

  it('has no case file for a check missing from the catalogue', () => {
    for (const id of casesById.keys()) expect(CATALOGUE.map((c) => c.meta.id)).toContain(id);
  });
});

describe('remediation catalogue', () => {
  it('every check that names an automated remediation has one registered, and every remediation fixes a check that names it', async () => {
    const { REMEDIATIONS } = await import('../remediations/index.js');
    const { CATALOGUE } = await import('../checks/index.js');
    const named = CATALOGUE.filter((c) => c.meta.remediation.automated).map((c) => c.meta.remediation.automated!).sort();
    expect(REMEDIATIONS.map((r) => r.meta.id).sort()).toEqual(named);
    for (const r of REMEDIATIONS) {
      expect(r.meta.impact.length, r.meta.id).toBeGreaterThan(20);
      expect(CATALOGUE.find((c) => c.meta.id === r.meta.id)?.meta.remediation.automated).toBe(r.meta.id);
    }
  });
});
