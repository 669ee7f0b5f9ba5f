/**
 * The .rpm (Debian's rpmbuild): the same layout and scripts as the .deb, and
 * an install with `rpm --root` into a scratch Debian root (scriptlets run
 * there, without systemd), then an erase.
 */
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePristineBookworm, must, removeRoot, run, scratchCopy } from '../helpers/debian-root.js';
import { BASE_VERSION, buildPackages, type Packages } from '../helpers/packages.js';

let pkgs: Packages;
let dir: string;
const rpmq = async (...args: string[]) => (await must(['rpm', '-qp', ...args, pkgs.rpm])).stdout;

describe('runnerguard .rpm', () => {
  beforeAll(async () => {
    pkgs = await buildPackages();
    dir = await scratchCopy(await ensurePristineBookworm(), 'rpm-root');
  }, 1_800_000);
  afterAll(async () => {
    if (dir) await removeRoot(dir);
  });

  it('holds the files of the .deb (minus its lintian overrides), with the same modes', async () => {
    const deb = (await must(['dpkg-deb', '-c', pkgs.deb])).stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/))
      .filter((f) => f[0]!.startsWith('-'))
      .map((f) => `${f[0]} ${f[5]!.replace(/^\./, '')}`)
      .filter((l) => !l.includes('/usr/share/lintian/'))
      .sort();
    const rpm = (await rpmq('--qf', '[%{FILEMODES:perms} %{FILENAMES}\\n]')).trim().split('\n').filter((l) => l.startsWith('-')).sort();
    expect(rpm).toEqual(deb);
    expect((await rpmq('-l')).split('\n')).toEqual(expect.arrayContaining(['/usr/bin/runnerguard', '/usr/lib/systemd/system/runnerguard.service', '/usr/lib/systemd/system/runnerguard.timer', '/var/lib/runnerguard', '/usr/share/man/man8/runnerguard.8.gz', '/usr/share/bash-completion/completions/runnerguard', '/usr/share/doc/runnerguard/report.schema.json']));
    expect((await rpmq('--qf', '[%{FILEMODES:perms} %{FILENAMES}\\n]')).split('\n')).toContain('drwx------ /var/lib/runnerguard');
    expect((await rpmq('--configfiles')).trim()).toBe('/etc/runnerguard/config.toml');
    expect(await rpmq('--requires')).toMatch(/^nodejs >= 18\.20$/m);
    expect((await rpmq('--qf', '%{VERSION}-%{RELEASE} %{ARCH}')).trim()).toBe(`${BASE_VERSION}-1 noarch`);
  });

  it('scriptlets: enable on install, start/stop only where systemd runs, spool kept on erase', async () => {
    const scripts = await rpmq('--scripts');
    expect(scripts).toMatch(/postinstall scriptlet[\s\S]*systemctl --no-reload enable runnerguard\.timer/);
    expect(scripts).toMatch(/preuninstall scriptlet[\s\S]*disable --now runnerguard\.timer/);
    expect(scripts).toMatch(/postuninstall scriptlet[\s\S]*! -name spool/);
    // Every start/stop sits behind the "systemd is running" test.
    for (const section of scripts.split(/^\S.*scriptlet.*$/m)) {
      for (const line of section.split('\n').filter((l) => /systemctl (start|stop|try-restart|daemon-reload)|--now/.test(l))) {
        expect(section.slice(0, section.indexOf(line)), line).toContain('[ -d /run/systemd/system ]');
      }
    }
  });

  it('installs with rpm --root into a scratch root and erases cleanly', async () => {
    const rpm = (...args: string[]) => run(['rpm', '--root', dir, '--dbpath', '/var/lib/rpm', ...args], { timeoutMs: 120_000 });
    const i = await rpm('-i', '--nodeps', pkgs.rpm);
    expect(i.code, i.stderr).toBe(0);
    expect((await rpm('-q', 'runnerguard')).stdout.trim()).toBe(`runnerguard-${BASE_VERSION}-1.noarch`);
    const v = await rpm('-V', '--nodeps', 'runnerguard'); // no rpm database of Debian's packages here
    expect(v.code, v.stdout).toBe(0);
    for (const f of ['/usr/bin/runnerguard', '/usr/lib/runnerguard/runnerguard.mjs', '/etc/runnerguard/config.toml', '/usr/lib/systemd/system/runnerguard.timer']) expect(existsSync(path.join(dir, f)), f).toBe(true);
    expect(((await fsp.stat(path.join(dir, 'var/lib/runnerguard'))).mode & 0o777).toString(8)).toBe('700');
    const e = await rpm('-e', 'runnerguard');
    expect(e.code, e.stderr).toBe(0);
    for (const f of ['/usr/bin/runnerguard', '/usr/lib/runnerguard', '/etc/runnerguard/config.toml', '/var/lib/runnerguard']) expect(existsSync(path.join(dir, f)), f).toBe(false);
  });
});
