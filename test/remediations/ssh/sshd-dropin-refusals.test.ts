import { describe, expect, it } from 'vitest';
import sshdDropin, { DROP_IN } from '../../../remediations/ssh/sshd-dropin.js';
import { usePlanFixture } from '../../helpers/remediation-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { DEBIAN_SSHD_CONFIG, sshd } from '../../checks/ssh/fixture.js';

const CONFIG = '/etc/ssh/sshd_config';
const fixture = usePlanFixture();

async function planOn(build: (t: FixtureTree) => Promise<void>) {
  const planned = await fixture.planOn(sshdDropin, build);
  expect(planned.plans).toEqual([]);
  return planned.refusals.map((r) => `${r.subject}: ${r.reason}`);
}

describe('RG-SSH-003 refuses a drop-in that sshd would not use, or could not check', () => {
  it('sshd_config but no /usr/sbin/sshd: nothing to validate with', async () => {
    const refusals = await planOn(async (t) => {
      await t.file(CONFIG, 'PermitRootLogin yes\n');
    });
    expect(refusals).toEqual([`${CONFIG}: sshd is not installed (no /usr/sbin/sshd): a drop-in cannot be checked with sshd -t`]);
  });

  it('no Include of sshd_config.d: the drop-in would never be read', async () => {
    const refusals = await planOn((t) => sshd(t, 'Port 22\nPermitRootLogin yes\nPasswordAuthentication no\n'));
    expect(refusals).toEqual([
      `${CONFIG}: ${DROP_IN} would not take effect: ${CONFIG} does not Include /etc/ssh/sshd_config.d/*.conf (${CONFIG}:2: PermitRootLogin yes; ${CONFIG}:3: PasswordAuthentication no; source: ${CONFIG}); set the values in ${CONFIG} by hand`,
    ]);
  });

  it('settings before the Include (first value wins): refused, naming the line that wins', async () => {
    const refusals = await planOn((t) => sshd(t, `PasswordAuthentication yes\n${DEBIAN_SSHD_CONFIG}`));
    expect(refusals).toEqual([
      `${CONFIG}: ${DROP_IN} would not take effect: another setting wins (sshd keeps the first value it reads; a Match block for every connection overrides it) (${DROP_IN}:4: PermitRootLogin no; ${CONFIG}:1: PasswordAuthentication yes; source: ${CONFIG} (+ 1 included file)); set the values in ${CONFIG} by hand`,
    ]);
  });

  it('a drop-in sorting before ours (00-aaa.conf) that allows root: refused', async () => {
    const refusals = await planOn(async (t) => {
      await sshd(t);
      await t.file('/etc/ssh/sshd_config.d/00-aaa.conf', 'PermitRootLogin yes\n');
    });
    expect(refusals).toEqual([
      `${CONFIG}: ${DROP_IN} would not take effect: another setting wins (sshd keeps the first value it reads; a Match block for every connection overrides it) (/etc/ssh/sshd_config.d/00-aaa.conf:1: PermitRootLogin yes; ${DROP_IN}:5: PasswordAuthentication no; source: ${CONFIG} (+ 2 included files)); set the values in ${CONFIG} by hand`,
    ]);
  });

  it('Match all after the Include sets PermitRootLogin yes for every connection: refused', async () => {
    const refusals = await planOn((t) => sshd(t, `${DEBIAN_SSHD_CONFIG}Match all\n  PermitRootLogin yes\n`));
    expect(refusals[0]).toMatch(/would not take effect: another setting wins .* \(\/etc\/ssh\/sshd_config:\d+: PermitRootLogin yes;/);
  });
});
