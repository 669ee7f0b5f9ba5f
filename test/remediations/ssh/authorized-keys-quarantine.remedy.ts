import { promises as fsp } from 'node:fs';
import { expect } from 'vitest';
import { runnerAuthorizedKeys } from '../../../remediations/ssh/quarantine-keys.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { actionsRunner } from '../../checks/github/fixture.js';
import { gitlabHost, key, RUNNER_HOME, sshd } from '../../checks/ssh/fixture.js';
import { expectQuarantined } from './quarantined.js';

const RUNNER = { uid: 998, gid: 998 };
const AK = `${RUNNER_HOME}/.ssh/authorized_keys`;
const pub = () => key('ed25519-pub').toString().trim();
const KEYS = () => `# deploy\n${pub()}\n\nno-pty,from="10.0.0.0/8" ${pub()}\n`;

async function host(t: FixtureTree): Promise<void> {
  await gitlabHost(t);
  await sshd(t);
}

const plan = (subject: string, file: string, n: number, user = 'gitlab-runner') => ({
  remediation: 'RG-SSH-002',
  subject,
  summary: `move ${file} (${n} key${n === 1 ? '' : 's'}) to the quarantine`,
  steps: [{ op: 'quarantine', path: file, reason: `authorized keys of runner user ${user}` }],
});

export default defineRemediationCases({
  remediation: runnerAuthorizedKeys,
  cases: [
    {
      name: 'Debian layout: authorized_keys with keys moves; a comment-only authorized_keys2 is no login and stays',
      build: async (t) => {
        await host(t);
        await t.file(AK, KEYS(), { mode: 0o600, ...RUNNER });
        await t.file(`${AK}2`, `# managed by ansible\n# ${pub()}\n`, { mode: 0o644, ...RUNNER });
      },
      plan: (p) => {
        expect(p.refusals).toEqual([]);
        expect(p.plans).toEqual([plan('user:gitlab-runner', AK, 2)]);
      },
      applied: async (t, r) => {
        await expectQuarantined(r, AK, KEYS(), { mode: 0o600, ...RUNNER });
        expect(await fsp.lstat(t.p(AK)).catch(() => null)).toBeNull();
        expect(await fsp.readFile(t.p(`${AK}2`), 'utf8')).toBe(`# managed by ansible\n# ${pub()}\n`);
        expect((await fsp.lstat(t.p(`${RUNNER_HOME}/.ssh`))).isDirectory()).toBe(true);
      },
    },
    {
      name: 'AuthorizedKeysFile with %h, %u and %U (a drop-in): both of the user\'s files move',
      build: async (t) => {
        await host(t);
        await t.file('/etc/ssh/sshd_config.d/20-keys.conf', 'AuthorizedKeysFile %h/.config/ssh/keys_%u /srv/ssh/%%/%U\n');
        await t.file(`${RUNNER_HOME}/.config/ssh/keys_gitlab-runner`, `${pub()}\n`, { mode: 0o600, ...RUNNER });
        await t.file('/srv/ssh/%/998', `${pub()}\n`, { mode: 0o644 });
        await t.file('/srv/ssh/%/1001', `${pub()}\n`, { mode: 0o644 });
      },
      plan: (p) => expect(p.plans).toEqual([plan('user:gitlab-runner', `${RUNNER_HOME}/.config/ssh/keys_gitlab-runner`, 1), plan('user:gitlab-runner', '/srv/ssh/%/998', 1)]),
      applied: async (t, r) => {
        await expectQuarantined(r, '/srv/ssh/%/998', `${pub()}\n`, { mode: 0o644, uid: 0, gid: 0 });
        expect(await fsp.readFile(t.p('/srv/ssh/%/1001'), 'utf8')).toBe(`${pub()}\n`);
      },
    },
    {
      name: 'GitHub Actions runner user, sshd not installed yet: its dormant key moves',
      build: async (t) => {
        await actionsRunner(t);
        await t.file('/home/gh/.ssh/authorized_keys', `${pub()}\n`, { mode: 0o600, uid: 1200, gid: 1200 });
      },
      plan: (p) => expect(p.plans).toEqual([plan('user:gh', '/home/gh/.ssh/authorized_keys', 1, 'gh')]),
    },
  ],
});
