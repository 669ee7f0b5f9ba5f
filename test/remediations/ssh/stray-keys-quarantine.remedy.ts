import { promises as fsp } from 'node:fs';
import { expect } from 'vitest';
import { strayKeys } from '../../../remediations/ssh/quarantine-keys.js';
import { renderPlans } from '../../../agent/remediate/render.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { baseDirs, gitlabHost, key, RUNNER_HOME } from '../../checks/ssh/fixture.js';
import { expectQuarantined } from './quarantined.js';

const RUNNER = { uid: 998, gid: 998 };
const ALICE = { uid: 1001, gid: 1001 };
const BUILDS = `${RUNNER_HOME}/builds`;

/** A runner host with what the check does not flag: public keys, known_hosts, alice's own 0600 key, root's key. */
async function host(t: FixtureTree): Promise<void> {
  await baseDirs(t);
  await gitlabHost(t);
  await t.useradd('alice', { uid: 1001 });
  await t.file(`${RUNNER_HOME}/.ssh/known_hosts`, 'gitlab.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n', { mode: 0o644, ...RUNNER });
  await t.file(`${RUNNER_HOME}/.ssh/id_ed25519.pub`, key('ed25519-pub'), { mode: 0o644, ...RUNNER });
  await t.file('/home/alice/.ssh/id_ed25519', key('ed25519'), { mode: 0o600, ...ALICE });
  await t.file('/root/.ssh/id_rsa', key('rsa-pem'), { mode: 0o600 });
}

const step = (path: string, reason: string) => ({ remediation: 'RG-SSH-001', subject: path, summary: 'move the key to the quarantine', steps: [{ op: 'quarantine', path, reason }] });

export default defineRemediationCases({
  remediation: strayKeys,
  cases: [
    {
      name: 'the runner user\'s own key, a key in a checkout and one in /tmp move; public keys and other users\' 0600 keys stay',
      build: async (t) => {
        await host(t);
        await t.file(`${RUNNER_HOME}/.ssh/id_rsa`, key('rsa-pem'), { mode: 0o600, ...RUNNER });
        await t.file(`${BUILDS}/acme/app/deploy/key.pem`, key('rsa-pkcs8'), { mode: 0o640, ...RUNNER });
        await t.file('/tmp/deploy.pem', key('openssl-ed25519'), { mode: 0o644, ...ALICE });
      },
      plan: async (p, h) => {
        expect(p.refusals).toEqual([]);
        expect(p.plans).toEqual([
          step(`${RUNNER_HOME}/.ssh/id_rsa`, 'PEM RSA private key (rsa, unencrypted) in the home of runner user gitlab-runner'),
          step(`${BUILDS}/acme/app/deploy/key.pem`, 'PKCS#8 private key (rsa, unencrypted) in the builds dir of runner:shell-1'),
          step('/tmp/deploy.pem', 'PKCS#8 private key (ed25519, unencrypted) in /tmp; readable by others (mode 0644)'),
        ]);
        const text = await renderPlans(h, [p]);
        expect(text).toContain(`    move ${RUNNER_HOME}/.ssh/id_rsa to the quarantine (PEM RSA private key (rsa, unencrypted) in the home of runner user gitlab-runner)\n`);
        expect(text).toContain('impact: anything that uses a moved key stops working');
        expect(text).not.toContain('PRIVATE KEY-----');
      },
      applied: async (t, r) => {
        expect(r.steps.map((s) => [s.state, s.subject])).toEqual([
          ['applied', `${RUNNER_HOME}/.ssh/id_rsa`],
          ['applied', `${BUILDS}/acme/app/deploy/key.pem`],
          ['applied', '/tmp/deploy.pem'],
        ]);
        await expectQuarantined(r, `${RUNNER_HOME}/.ssh/id_rsa`, key('rsa-pem'), { mode: 0o600, ...RUNNER });
        await expectQuarantined(r, `${BUILDS}/acme/app/deploy/key.pem`, key('rsa-pkcs8'), { mode: 0o640, ...RUNNER });
        await expectQuarantined(r, '/tmp/deploy.pem', key('openssl-ed25519'), { mode: 0o644, ...ALICE });
        for (const gone of [`${RUNNER_HOME}/.ssh/id_rsa`, `${BUILDS}/acme/app/deploy/key.pem`, '/tmp/deploy.pem']) expect(await fsp.lstat(t.p(gone)).catch(() => null)).toBeNull();
        // What the check does not flag is never touched.
        expect(await fsp.readFile(t.p('/home/alice/.ssh/id_ed25519'))).toEqual(key('ed25519'));
        expect(await fsp.readFile(t.p('/root/.ssh/id_rsa'))).toEqual(key('rsa-pem'));
        expect(await fsp.readFile(t.p(`${RUNNER_HOME}/.ssh/id_ed25519.pub`))).toEqual(key('ed25519-pub'));
      },
    },
    {
      name: 'a user\'s key left readable by others under /home moves; the dir it was in stays',
      build: async (t) => {
        await host(t);
        await t.file('/home/alice/backup/id_ecdsa', key('ecdsa-pem'), { mode: 0o644, ...ALICE });
      },
      plan: (p) => expect(p.plans).toEqual([step('/home/alice/backup/id_ecdsa', 'PEM EC private key (ec, unencrypted) readable by others (mode 0644)')]),
      applied: async (t, r) => {
        await expectQuarantined(r, '/home/alice/backup/id_ecdsa', key('ecdsa-pem'), { mode: 0o644, ...ALICE });
        expect(await fsp.readdir(t.p('/home/alice/backup'))).toEqual([]);
      },
    },
  ],
});
