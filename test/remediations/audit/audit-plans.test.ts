import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../checks/index.js';
import { createHost } from '../../../agent/host/index.js';
import { planRemediations } from '../../../agent/remediate/plan.js';
import type { Remediation } from '../../../agent/remediate/types.js';
import { createFacts } from '../../../agent/facts/index.js';
import { defaultConfig } from '../../../agent/config/schema.js';
import { SecretRegistry } from '../../../agent/engine/redact.js';
import auditdEnabled from '../../../remediations/audit/auditd-enabled.js';
import dockerWatches, { RULES_FILE } from '../../../remediations/audit/docker-watches.js';
import { caseConfig, treeHash } from '../../helpers/remediation-cases.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';
import { debianAuditd, debianBase, dockerCeAndRunner } from '../../checks/audit/fixture.js';

let t: FixtureTree;
let state: string;
afterEach(async () => {
  await t.remove();
  await fsp.rm(state, { recursive: true, force: true });
});

async function refusalsOn(r: Remediation, build: (t: FixtureTree) => Promise<void>): Promise<string[]> {
  t = await FixtureTree.create();
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
  await build(t);
  const before = await treeHash(t.root);
  const { planned } = await planRemediations({ host: createHost({ root: t.root }), config: await caseConfig(state), checks: CATALOGUE, remediations: [r], stateDir: state });
  expect(await treeHash(t.root), 'planning changes nothing').toBe(before);
  expect(planned[0]!.findings.length).toBeGreaterThan(0);
  expect(planned[0]!.plans).toEqual([]);
  return planned[0]!.refusals.map((x) => `${x.subject}: ${x.reason}`);
}

describe('RG-AUDIT-001 refuses what enabling a unit cannot fix', () => {
  it('auditd not installed', async () => {
    expect(await refusalsOn(auditdEnabled, debianBase)).toEqual(['auditd: auditd is not installed: install the package (apt-get install auditd / dnf install audit), then run fix again']);
  });

  it('a masked unit is an admin decision', async () => {
    const r = await refusalsOn(auditdEnabled, async (t) => {
      await debianAuditd(t, { enabled: false });
      await t.symlink('/etc/systemd/system/auditd.service', '/dev/null');
    });
    expect(r).toEqual(['auditd: auditd.service is masked (/etc/systemd/system/auditd.service -> /dev/null): someone chose that; unmask it by hand (systemctl unmask auditd) if that no longer holds']);
  });

  const cmdline = existsSync('/proc/cmdline') ? readFileSync('/proc/cmdline', 'utf8') : '';
  it.skipIf(existsSync('/run/systemd/system') || /(^|\s)audit=/.test(cmdline))('on this live host without systemd running: refused (systemctl enable --now could not work)', async () => {
    state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
    t = await FixtureTree.create(); // unused; afterEach removes it
    const host = createHost();
    const config = defaultConfig();
    const secrets = new SecretRegistry();
    const ctx = { host, facts: createFacts(host, config, secrets), config, options: {}, secrets, now: new Date(), stateDir: state };
    const out = await auditdEnabled.plan(ctx, [{ check: 'RG-AUDIT-001', title: '', severity: 'medium', status: 'fail', subject: 'auditd', message: 'auditd is not running', evidence: [], references: [], remediation: { id: 'RG-AUDIT-001', automated: true, summary: '' } }]);
    const installed = existsSync('/usr/sbin/auditd') || existsSync('/sbin/auditd');
    expect(out).toEqual([
      {
        remediation: 'RG-AUDIT-001',
        subject: 'auditd',
        reason: installed ? `systemd is not running here (no /run/systemd/system): start ${existsSync('/sbin/auditd') ? '/sbin/auditd' : '/usr/sbin/auditd'} by your init system's means` : expect.stringContaining('auditd is not installed'),
      },
    ]);
  });
});

describe('RG-AUDIT-002 refuses a rules file that would not keep the watches', () => {
  it('a later rules file (zz-local.rules) deletes the runner watch', async () => {
    const r = await refusalsOn(dockerWatches, async (t) => {
      await debianAuditd(t);
      await t.file('/etc/gitlab-runner/config.toml', 'concurrent = 1\n', { mode: 0o600 });
      await t.file('/etc/audit/rules.d/zz-local.rules', '-W /etc/gitlab-runner\n', { mode: 0o640 });
    });
    expect(r).toEqual([`audit-rules: ${RULES_FILE} would not make the watches stick: no audit watch for /etc/gitlab-runner`]);
  });

  it('auditd.service loads audit.rules with auditctl -R, not augenrules: rules.d is never read', async () => {
    const r = await refusalsOn(dockerWatches, async (t) => {
      await debianAuditd(t);
      await dockerCeAndRunner(t);
      await t.unit('auditd.service', '[Service]\nType=forking\nExecStart=/sbin/auditd\nExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\n');
    });
    expect(r).toEqual([`audit-rules: ${RULES_FILE} would not make the watches stick: auditd.service does not load /etc/audit/rules.d (rules from /etc/audit/audit.rules)`]);
  });
});
