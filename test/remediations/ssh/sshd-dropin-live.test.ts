import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DROP_IN } from '../../../remediations/ssh/sshd-dropin.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';
import { runLiveProtocol } from '../../helpers/live-protocol.js';
import { treeHash } from '../../helpers/remediation-cases.js';
import { DEBIAN_SSHD_CONFIG } from '../../checks/ssh/fixture.js';

// The live path with the real sshd binary: in a private mount namespace a
// fixture /etc/ssh covers the host's and an empty /run hides the host's
// (no sshd.pid: nothing to reload). The host's sshd and its files are never touched.
const SSHD = '/usr/sbin/sshd';
const canRun = process.getuid?.() === 0 && existsSync(SSHD) && existsSync('/etc/ssh');
const MODULE = path.resolve('remediations/ssh/sshd-dropin.ts');

let t: FixtureTree;
let state: string;
afterEach(async () => {
  await t.remove();
  await fsp.rm(state, { recursive: true, force: true });
});

async function fixtureSsh(o: { hostKey: boolean }): Promise<void> {
  t = await FixtureTree.create();
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
  await t.dir('/etc/ssh/sshd_config.d');
  await t.file('/etc/ssh/sshd_config', `${DEBIAN_SSHD_CONFIG}PermitRootLogin yes\n`);
  if (o.hostKey) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fixture', '-f', t.p('/etc/ssh/ssh_host_ed25519_key')]);
}

const live = (o: { privsepDir: boolean }) =>
  runLiveProtocol({ module: MODULE, stateDir: state, binds: [[t.p('/etc/ssh'), '/etc/ssh']], tmpfs: ['/run'], mkdirs: o.privsepDir ? ['/run/sshd'] : [] });

describe.skipIf(!canRun)('RG-SSH-003 on a live host (real sshd, fixture /etc/ssh in a mount namespace)', () => {
  it('sshd -t accepts the drop-in: applied, sshd -T shows both off, nothing left to do, rollback restores /etc/ssh byte for byte', async () => {
    await fixtureSsh({ hostKey: true });
    const before = await treeHash(t.root);
    const r = live({ privsepDir: true });
    expect(r.before.map((f) => f.status)).toEqual(['fail']);
    expect(r.text).toContain(`    check: ${SSHD} -t -f /etc/ssh/sshd_config (sshd must accept the whole config with the drop-in); if it fails, this run is undone\n`);
    expect(r.text).toContain('PermitRootLogin no, PasswordAuthentication no (sshd is not running: it reads the drop-in when it starts)');
    expect(r.apply).toEqual({ status: 'applied', steps: [{ op: 'writeFile', state: 'applied' }, { op: 'validate', state: 'applied' }] });
    expect(r.after).toEqual([{ subject: '/etc/ssh/sshd_config', status: 'pass', message: 'no root logins, no passwords (PermitRootLogin no, PasswordAuthentication no)' }]);
    expect(r.again).toEqual([]);
    expect(r.rollback).toEqual([{ op: 'writeFile', state: 'undone' }, { op: 'validate', state: 'undone' }]);
    expect(r.final!.map((f) => f.status)).toEqual(['fail']);
    expect(existsSync(t.p(DROP_IN))).toBe(false);
    expect(await treeHash(t.root)).toBe(before);
  });

  it('sshd -t rejects the result (no host key loads): the run is undone, /etc/ssh as before', async () => {
    await fixtureSsh({ hostKey: false });
    const before = await treeHash(t.root);
    const r = live({ privsepDir: true });
    expect(r.apply!.status).toBe('failed');
    expect(r.apply!.error).toMatch(new RegExp(`^RG-SSH-003 /etc/ssh/sshd_config: ${SSHD} -t -f /etc/ssh/sshd_config: .*no hostkeys available.*; 2 step\\(s\\) of this run undone$`));
    expect(r.apply!.steps.map((s) => [s.op, s.state])).toEqual([
      ['writeFile', 'undone'],
      ['validate', 'undone'],
    ]);
    expect(await treeHash(t.root)).toBe(before);
  });

  it('no /run/sshd (sshd never started): refused, since sshd -t cannot run without it', async () => {
    await fixtureSsh({ hostKey: true });
    const r = live({ privsepDir: false });
    expect(r.plans).toEqual([]);
    expect(r.refusals.map((x) => x.reason)).toEqual(['sshd -t needs its privilege separation directory /run/sshd, made when sshd starts: without it the drop-in cannot be validated']);
  });
});
