import { promises as fsp, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import TOML from '@iarna/toml';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../checks/index.js';
import { REMEDIATIONS } from '../../remediations/index.js';
import { defaultConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import { createHost } from '../../agent/host/index.js';
import { applyPlans } from '../../agent/remediate/apply.js';
import { planRemediations } from '../../agent/remediate/plan.js';
import { FixtureTree, gitlabRunnerUnit } from '../helpers/fixture-tree.js';
import { CORPUS_DIR, fitsGoType, keyPaths, loadConfigKeys } from './config-keys.js';

// Every config.toml example of gitlab-runner's docs (test/fixtures/gitlab-docs-corpus,
// see its README), audited as the config of a registered runner host: it
// loads, no check says `error` about it, every fix keeps it loadable and
// writes only keys gitlab-runner has, with their types, and after the
// fixes are applied their checks pass.
const KEYS = loadConfigKeys();
const EXAMPLES = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.toml')).sort();
const CONFIG = '/etc/gitlab-runner/config.toml';
// The checks that read config.toml, and the fixes that edit it.
const RUNNER_CHECKS = CATALOGUE.filter((c) => c.meta.reads.some((r) => r.includes('config.toml')));
const TOML_FIXES = REMEDIATIONS.filter((r) => r.meta.touches.some((t) => t.op === 'editFile'));

/** The Go type of a key path, looking through map-typed ancestors (feature_flags.FF_X is the map's value type). */
function goType(p: string): string | undefined {
  if (KEYS.has(p)) return KEYS.get(p);
  const parts = p.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const parent = KEYS.get(parts.slice(0, i).join('.'));
    const m = parent && /^map\[string\](.+)$/.exec(parent);
    if (m) return m[1];
  }
  return undefined;
}

const trees: FixtureTree[] = [];
afterAll(async () => {
  await Promise.all(trees.map((t) => t.remove()));
});

async function hostWith(text: string): Promise<FixtureTree> {
  const t = await FixtureTree.create();
  trees.push(t);
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: CONFIG, userArg: 'gitlab-runner' }));
  await t.file(CONFIG, text, { mode: 0o600 });
  return t;
}

describe('gitlab-runner docs corpus', () => {
  it('holds the examples the README names, and CONFIG-KEYS.tsv knows the keys checks read', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(140);
    const sources = readFileSync(path.join(CORPUS_DIR, 'SOURCES.tsv'), 'utf8');
    for (const f of EXAMPLES) expect(sources, f).toContain(`${f}\t`);
    // Every `[runners.<table>] key, key` a check says it reads is a key of that table in common/config.go.
    const unknown: string[] = [];
    for (const c of CATALOGUE) {
      for (const line of c.meta.reads.map((l) => l.replace(/\([^)]*\)/g, ''))) {
        for (const m of line.matchAll(/\[(runners(?:\.[a-z_.]+)?|\[runners\])\] ([^;[]+)/g)) {
          const table = m[1] === '[runners]' ? 'runners[]' : m[1]!.replace(/^runners/, 'runners[]');
          for (const raw of m[2]!.split(/,| and /)) {
            const key = raw.trim().split(/[\s(=]/)[0]!;
            if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) continue;
            if (!goType(`${table}.${key}`) && !KEYS.has(`${table}.${key}[]`)) unknown.push(`${c.meta.id}: [${m[1]}] ${key}`);
          }
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  for (const file of EXAMPLES) {
    it(file, async () => {
      const text = readFileSync(path.join(CORPUS_DIR, file), 'utf8');
      expect(() => TOML.parse(text)).not.toThrow();
      const t = await hostWith(text);
      const config = defaultConfig();
      const report = await runAudit({ host: createHost({ root: t.root }), config, checks: RUNNER_CHECKS });
      const errors = report.findings.filter((f) => f.status === 'error').map((f) => `${f.check} ${f.subject}: ${f.message}`);
      expect(errors).toEqual([]);

      const stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-corpus-'));
      try {
        config.agent.state_dir = stateDir;
        const { planned } = await planRemediations({ host: createHost({ root: t.root }), config, checks: CATALOGUE, remediations: TOML_FIXES, stateDir });
        const plans = planned.flatMap((p) => p.plans);
        for (const step of plans.flatMap((p) => p.steps)) {
          if (step.op !== 'editFile') continue;
          const before = new Map(keyPaths(TOML.parse(step.before) as Record<string, unknown>));
          const after = keyPaths(TOML.parse(step.after) as Record<string, unknown>);
          for (const [p, v] of after) {
            if (before.has(p) && JSON.stringify(before.get(p)) === JSON.stringify(v)) continue;
            const type = goType(p);
            expect(type, `${file}: the fix writes ${p}, which common/config.go does not have`).toBeDefined();
            expect(fitsGoType(v, type!), `${file}: ${p} = ${JSON.stringify(v)} is not a ${type}`).toBe(true);
          }
        }
        if (plans.length === 0) return;
        const applied = await applyPlans(createHost({ root: t.root }), plans, stateDir);
        expect(applied.status, applied.error).toBe('applied');
        const fixed = new Set(planned.filter((p) => p.plans.length > 0).map((p) => p.remediation.meta.id));
        const subjects = new Set(plans.map((p) => `${p.remediation} ${p.subject}`));
        const again = await runAudit({ host: createHost({ root: t.root }), config, checks: CATALOGUE.filter((c) => fixed.has(c.meta.id)) });
        const still = again.findings.filter((f) => subjects.has(`${f.check} ${f.subject}`) && (f.status === 'fail' || f.status === 'warn'));
        expect(still.map((f) => `${f.check} ${f.subject}: ${f.message}`), 'every applied fix clears its finding').toEqual([]);
        expect(() => TOML.parse(readFileSync(t.p(CONFIG), 'utf8'))).not.toThrow();
      } finally {
        await fsp.rm(stateDir, { recursive: true, force: true });
      }
    });
  }
});
