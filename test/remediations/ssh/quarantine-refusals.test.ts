import { describe, expect, it } from 'vitest';
import { runnerAuthorizedKeys } from '../../../remediations/ssh/quarantine-keys.js';
import { usePlanFixture } from '../../helpers/remediation-cases.js';
import { gitlabHost, key, RUNNER_HOME, sshd } from '../../checks/ssh/fixture.js';

const pub = () => key('ed25519-pub').toString().trim();
const { planOn } = usePlanFixture();

describe('RG-SSH-002 refuses files that are not the runner account\'s own', () => {
  it('an AuthorizedKeysFile without %u/%h/%U is one file for every account', async () => {
    const p = await planOn(runnerAuthorizedKeys, async (t) => {
      await gitlabHost(t);
      await sshd(t);
      await t.file('/etc/ssh/sshd_config.d/10-keys.conf', 'AuthorizedKeysFile /etc/ssh/all_keys\n');
      await t.file('/etc/ssh/all_keys', `${pub()}\n`);
    });
    expect(p.findings.map((f) => f.status)).toEqual(['fail']);
    expect(p.plans).toEqual([]);
    expect(p.refusals).toEqual([{ remediation: 'RG-SSH-002', subject: '/etc/ssh/all_keys', reason: 'AuthorizedKeysFile /etc/ssh/all_keys is one file for every account: remove gitlab-runner\'s keys from it by hand' }]);
  });

  it('an authorized_keys that is a link is not moved (its target may serve other accounts)', async () => {
    const p = await planOn(runnerAuthorizedKeys, async (t) => {
      await gitlabHost(t);
      await sshd(t);
      await t.file('/srv/keys/shared', `${pub()}\n`);
      await t.symlink(`${RUNNER_HOME}/.ssh/authorized_keys`, '/srv/keys/shared');
    });
    expect(p.plans).toEqual([]);
    expect(p.refusals).toEqual([
      { remediation: 'RG-SSH-002', subject: `${RUNNER_HOME}/.ssh/authorized_keys`, reason: `${RUNNER_HOME}/.ssh/authorized_keys is a link (to /srv/keys/shared), maybe shared with other accounts: remove it by hand` },
    ]);
  });
});
