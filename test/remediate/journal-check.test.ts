import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../checks/index.js';
import { createHost } from '../../agent/host/index.js';
import { applyPlans } from '../../agent/remediate/apply.js';
import type { JournalDoc } from '../../agent/remediate/journal.js';
import { planRemediations } from '../../agent/remediate/plan.js';
import { rollbackRun } from '../../agent/remediate/rollback.js';
import { REMEDIATIONS } from '../../remediations/index.js';
import { caseConfig } from '../helpers/remediation-cases.js';
import { FixtureTree, gitlabRunnerUnit } from '../helpers/fixture-tree.js';
import { listingExcept } from '../helpers/attack.js';

// A journal is data: even in root's own state dir, rollback acts only on
// entries the named remediation could have planned (its declared touches).

let t: FixtureTree;
let state: string;
afterEach(async () => {
  await t.remove();
  await fsp.rm(state, { recursive: true, force: true });
});

async function appliedRun(): Promise<{ journal: string; doc: JournalDoc }> {
  t = await FixtureTree.create();
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-jcheck-'));
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "a"\n  executor = "shell"\n', { mode: 0o644 });
  await t.file('/etc/sudoers.d/README', '# sudoers drop-ins\n', { mode: 0o440 });
  const host = createHost({ root: t.root });
  const config = await caseConfig(state);
  const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations: REMEDIATIONS.filter((r) => r.meta.id === 'RG-RUN-002'), stateDir: state });
  const r = await applyPlans(host, planned.flatMap((p) => p.plans), state);
  expect(r.status, r.error).toBe('applied');
  const journal = path.join(r.journalDir, 'journal.json');
  return { journal, doc: JSON.parse(await fsp.readFile(journal, 'utf8')) as JournalDoc };
}

describe('rollback refuses journal entries their remediation never plans', () => {
  it('a chmod entry rewritten to a sudoers drop-in writeFile, and one whose before-state names /etc/shadow: refused, nothing written', async () => {
    const { journal, doc } = await appliedRun();
    const blob = (doc.entries[0]!.before as { snapshots: Array<{ sha256?: string }> }).snapshots[0]!.sha256!;
    doc.entries.push(
      { ...doc.entries[0]!, seq: 10, step: { op: 'writeFile', path: '/etc/sudoers.d/runner', content: 'x', mode: 0o440, uid: 0, gid: 0 }, before: { kind: 'paths', snapshots: [{ path: '/etc/sudoers.d/runner', exists: true, kind: 'file', mode: 0o440, uid: 0, gid: 0, sha256: blob }] }, state: 'applied' },
      { ...doc.entries[0]!, seq: 11, before: { kind: 'paths', snapshots: [{ path: '/etc/shadow', exists: true, kind: 'file', mode: 0o666, uid: 998, gid: 998, sha256: blob }] }, state: 'applied' },
      { ...doc.entries[0]!, seq: 12, remediation: 'RG-NOPE-001', state: 'applied' },
    );
    await fsp.writeFile(journal, JSON.stringify(doc));
    const before = await listingExcept(t.root, ['/etc/gitlab-runner']);
    const r = await rollbackRun(createHost({ root: t.root }), state);
    expect(r.failed.map((f) => f.error)).toEqual([
      'journal entry 10 refused: RG-RUN-002 never plans this step (writeFile /etc/sudoers.d/runner)',
      'journal entry 11 refused: its before-state names /etc/shadow, which chmod does not touch',
      'journal entry 12 refused: RG-NOPE-001: no such remediation',
    ]);
    expect(await listingExcept(t.root, ['/etc/gitlab-runner'])).toEqual(before);
    // The genuine entries were undone: the config is 0644 again.
    expect((await fsp.stat(t.p('/etc/gitlab-runner/config.toml'))).mode & 0o7777).toBe(0o644);
  });
});
