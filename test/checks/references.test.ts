import { describe, expect, it } from 'vitest';
import { firstUrl } from '../../agent/report/locate.js';
import { CATALOGUE } from '../../checks/index.js';

const URL_RE = /https:\/\/[^\s<>"'`)\]]+/;
/** What a user without this repository's neighbours cannot open: course and seed material, sibling folders. */
const INTERNAL = /\bModule \d|\bLesson \d|\bseeds?\b|shared\/|\.\.\//i;

describe('check references', () => {
  it('every check in the catalogue cites at least one public https:// URL, and SARIF/OCSF find it', () => {
    expect(CATALOGUE.length).toBeGreaterThan(20);
    for (const c of CATALOGUE) {
      const urls = c.meta.references.filter((r) => URL_RE.test(r));
      expect(urls.length, `${c.meta.id} has no https:// reference`).toBeGreaterThanOrEqual(1);
      expect(firstUrl(c.meta.references), c.meta.id).toMatch(/^https:\/\//);
    }
  });

  it('no reference names material a reader cannot open: each carries its own URL, and none names a course module, seed or sibling path', () => {
    const bad: string[] = [];
    for (const c of CATALOGUE) {
      for (const r of c.meta.references) {
        if (!URL_RE.test(r) || INTERNAL.test(r)) bad.push(`${c.meta.id}: ${r}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('a design note without a public home is cited by title next to its public source', () => {
    const notes = CATALOGUE.flatMap((c) => c.meta.references).filter((r) => r.includes('no public copy'));
    expect(notes.length).toBeGreaterThan(0);
    for (const r of notes) expect(r).toMatch(/^[^:]+ § .+ \(no public copy\); the same advice: https:\/\/\S+$/);
  });
});
