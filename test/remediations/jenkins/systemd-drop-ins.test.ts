import { lchown } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadUnit } from '../../../agent/facts/systemd.js';
import { createHost } from '../../../agent/host/index.js';
import { unseenDropIns } from '../../../remediations/jenkins/systemd-drop-ins.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';
import { agentUnit, UNIT } from '../../checks/jenkins/fixture.js';

let t: FixtureTree;
afterEach(() => t.remove());

const OVERRIDE = '[Service]\nExecStart=\nExecStart=/usr/bin/java -jar /var/lib/jenkins/agent.jar -secret 0123\n';

/** The drop-ins the unit facts read on the tree, and which of systemd's (as DropInPaths lists them) they miss. */
async function unseen(fromSystemd: string[]): Promise<string[]> {
  const fs = createHost({ root: t.root }).fs;
  const unit = await loadUnit(fs, UNIT);
  return unseenDropIns(fs, fromSystemd, unit!.dropIns);
}

describe('RG-JENKINS-002: drop-ins systemd applies that the unit facts did not read (live, systemd 252: see test/e2e-heavy/jenkins-secret-boot.test.ts)', () => {
  it('merged /usr: systemd names /usr/lib, the facts /lib; one file, not unseen', async () => {
    t = await FixtureTree.create();
    await t.dir('/usr/lib/systemd/system');
    await t.symlink('/lib', 'usr/lib');
    await t.unit(UNIT, agentUnit());
    await t.file(`/usr/lib/systemd/system/${UNIT}.d/10-pkg.conf`, '[Service]\nNice=5\n');
    await t.file(`/etc/systemd/system/${UNIT}.d/override.conf`, '[Service]\nNice=1\n');
    expect((await loadUnit(createHost({ root: t.root }).fs, UNIT))!.dropIns).toEqual([`/lib/systemd/system/${UNIT}.d/10-pkg.conf`, `/etc/systemd/system/${UNIT}.d/override.conf`]);
    expect(await unseen([`/usr/lib/systemd/system/${UNIT}.d/10-pkg.conf`, `/etc/systemd/system/${UNIT}.d/override.conf`])).toEqual([]);
  });

  it('the dirs the facts once missed (dash prefix, system.control, /usr/local/lib, service.d) are read now: none unseen', async () => {
    t = await FixtureTree.create();
    await t.unit(UNIT, agentUnit());
    const dirs = [
      '/etc/systemd/system/jenkins-.service.d/zz-override.conf',
      `/etc/systemd/system.control/${UNIT}.d/50-override.conf`,
      `/usr/local/lib/systemd/system/${UNIT}.d/zz.conf`,
      '/etc/systemd/system/service.d/zy.conf',
    ];
    for (const f of dirs) await t.file(f, OVERRIDE);
    await t.file(`/etc/systemd/system/${UNIT}.d/override.conf`, '[Service]\nNice=1\n');
    expect(await unseen([...dirs.slice(0, 2), `/etc/systemd/system/${UNIT}.d/override.conf`, ...dirs.slice(2)])).toEqual([]);
  });

  it('attacker: what the facts still do not apply is named: a drop-in of an alias name, one a job linked elsewhere (not followed)', async () => {
    t = await FixtureTree.create();
    await t.unit(UNIT, agentUnit());
    // systemd also applies the drop-ins of a unit's aliases (ci.service -> jenkins-agent.service); the facts load by name only.
    await t.symlink('/etc/systemd/system/ci.service', UNIT);
    await t.file('/etc/systemd/system/ci.service.d/zz.conf', OVERRIDE);
    await t.file('/root/planted.conf', OVERRIDE, { mode: 0o600 });
    await t.dir(`/etc/systemd/system/${UNIT}.d`, { uid: 999, gid: 999 });
    await t.symlink(`/etc/systemd/system/${UNIT}.d/50-x.conf`, '/root/planted.conf');
    await lchown(t.p(`/etc/systemd/system/${UNIT}.d/50-x.conf`), 999, 999);
    const hidden = ['/etc/systemd/system/ci.service.d/zz.conf', `/etc/systemd/system/${UNIT}.d/50-x.conf`];
    expect(await unseen(hidden)).toEqual(hidden);
  });

  it('a drop-in name with a space splits in DropInPaths: its words match nothing the facts read, so it is refused, never missed', async () => {
    t = await FixtureTree.create();
    await t.unit(UNIT, agentUnit());
    await t.file(`/etc/systemd/system/${UNIT}.d/zz over.conf`, OVERRIDE);
    expect(await unseen([`/etc/systemd/system/${UNIT}.d/zz`, 'over.conf'])).toEqual([`/etc/systemd/system/${UNIT}.d/zz`, 'over.conf']);
  });
});
