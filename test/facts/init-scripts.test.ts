/**
 * GitLab runners started by SysV init scripts (`gitlab-runner install` on a
 * host without systemd): the script's `cmd=` line as kardianos/service
 * writes it, bounded reads, and what a script a job can write may name.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { SecretRegistry } from '../../agent/engine/redact.js';
import { gitlabServicesFact } from '../../agent/facts/gitlab.js';
import { createFacts } from '../../agent/facts/index.js';
import { initScriptCommand, shellAssignmentWords } from '../../agent/facts/init-scripts.js';
import { runnerDirsFact } from '../../agent/facts/runner-dirs.js';
import { createHost } from '../../agent/host/index.js';
import { FixtureTree, gitlabRunnerInitScript } from '../helpers/fixture-tree.js';

const SHELL = '[[runners]]\n  name = "sh"\n  url = "https://gitlab.example.com/"\n  token = "glrt-x"\n  executor = "shell"\n  builds_dir = "/srv/builds"\n';

async function withTree(fn: (t: FixtureTree) => Promise<void>): Promise<void> {
  const t = await FixtureTree.create();
  try {
    await fn(t);
  } finally {
    await t.remove();
  }
}

describe('init script command line', () => {
  it('reads the cmd= line the kardianos template writes, each argument quoted', () => {
    const text = gitlabRunnerInitScript({ config: '/etc/gitlab-runner/config.toml', workingDirectory: '/home/gitlab-runner', userArg: 'gitlab-runner' });
    expect(initScriptCommand(text)).toEqual(['/usr/bin/gitlab-runner', 'run', '--working-directory', '/home/gitlab-runner', '--config', '/etc/gitlab-runner/config.toml', '--service', 'gitlab-runner', '--syslog', '--user', 'gitlab-runner']);
  });
  it('evaluates quotes as sh does and stops at an unquoted blank or comment', () => {
    expect(shellAssignmentWords(`'/usr/bin/gitlab-runner run' --config x`)).toEqual(['/usr/bin/gitlab-runner', 'run']);
    // As sh: the template's quoting leaves the blank in "/a b.toml" unquoted, so the assignment ends at /a.
    expect(shellAssignmentWords(`"/usr/bin/gitlab-runner "run" "--config" "/a b.toml""`)).toEqual(['/usr/bin/gitlab-runner', 'run', '--config', '/a']);
    expect(shellAssignmentWords(`"/usr/bin/gitlab-runner "run"" # "--config" "/etc/x"`)).toEqual(['/usr/bin/gitlab-runner', 'run']);
    expect(shellAssignmentWords(`"a \\"b\\""`)).toEqual(['a', '"b"']);
    expect(initScriptCommand('#!/bin/sh\nDAEMON=/usr/bin/x\n')).toBeNull();
  });
});

describe('gitlab runner services from /etc/init.d', () => {
  it('a root-owned script: its runners are found as init.d:NAME, its dirs acted on as root', () =>
    withTree(async (t) => {
      await t.file('/etc/gitlab-runner/sysv.toml', SHELL, { mode: 0o600 });
      await t.file('/etc/init.d/runner-sysv', gitlabRunnerInitScript({ service: 'runner-sysv', config: '/etc/gitlab-runner/sysv.toml', workingDirectory: '/srv/sysv' }), { mode: 0o755 });
      const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
      const [svc] = await facts.get(gitlabServicesFact);
      expect(svc).toMatchObject({ service: 'init.d:runner-sysv', origin: 'init script /etc/init.d/runner-sysv', configPath: '/etc/gitlab-runner/sysv.toml', workingDirectory: '/srv/sysv', serviceUser: 'root' });
      expect(svc?.sourceWriter).toBeUndefined();
      const dirs = await facts.get(runnerDirsFact);
      expect(dirs.find((d) => d.path === '/srv/builds')?.actAs).toBeUndefined();
    }));

  it('attacker: a script the job user owns names its dirs (even the shell defaults) for the job user only', () =>
    withTree(async (t) => {
      await t.useradd('gitlab-runner', { uid: 998 });
      await t.file('/home/gitlab-runner/evil.toml', SHELL.replace('/srv/builds', '/etc'), { mode: 0o600, uid: 998, gid: 998 });
      await t.file('/etc/init.d/gitlab-runner', gitlabRunnerInitScript({ config: '/home/gitlab-runner/evil.toml', workingDirectory: '/root' }), { mode: 0o755, uid: 998, gid: 998 });
      const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
      const [svc] = await facts.get(gitlabServicesFact);
      expect(svc?.sourceWriter?.uid).toBe(998);
      expect(svc?.config.ok).toBe(true);
      const dirs = await facts.get(runnerDirsFact);
      expect(dirs.find((d) => d.path === '/etc')?.actAs?.uid).toBe(998);
      expect(dirs.find((d) => d.path === '/root/cache')?.actAs?.uid).toBe(998);
    }));

  it('attacker: a group-writable script naming /etc/shadow gets an error, not its text', () =>
    withTree(async (t) => {
      await t.file('/etc/shadow', 'root:$y$j9T$secrethash:19000:0:99999:7:::\n', { mode: 0o640 });
      await t.file('/etc/init.d/gitlab-runner', gitlabRunnerInitScript({ config: '/etc/shadow', workingDirectory: '/' }), { mode: 0o775, gid: 998 });
      const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
      const [svc] = await facts.get(gitlabServicesFact);
      expect(svc?.sourceWriter).toBeDefined();
      expect(svc?.config).toMatchObject({ ok: false, missing: false });
      expect(JSON.stringify(svc?.config)).not.toContain('secrethash');
    }));

  it('attacker: a job-owned script naming the packaged config cannot hide it: the config is still read by root as the primary service, the script stays apart', () =>
    withTree(async (t) => {
      await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
      await t.file('/etc/gitlab-runner/config.toml', SHELL, { mode: 0o600 });
      await t.file('/etc/init.d/gitlab-runner', gitlabRunnerInitScript({ config: '/etc/gitlab-runner/config.toml', workingDirectory: '/' }), { mode: 0o755, uid: 998, gid: 998 });
      const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
      const services = await facts.get(gitlabServicesFact);
      // The script stays a service of its own (RG-RUN-001 fails it); root's 0600 config is not read for its writer.
      expect(services.map((x) => [x.service, x.primary, x.config.ok, x.sourceWriter?.uid])).toEqual([
        ['gitlab-runner', true, true, undefined],
        ['init.d:gitlab-runner', false, false, 998],
      ]);
    }));

  it('attacker: a huge script (1 MiB) and a link to /etc/shadow in /etc/init.d are skipped, not read whole', () =>
    withTree(async (t) => {
      await t.file('/etc/init.d/huge', `cmd="/usr/bin/gitlab-runner run"\n${'#'.repeat(1024 * 1024)}\n`, { mode: 0o755, uid: 998, gid: 998 });
      await t.file('/etc/shadow', 'cmd="/usr/bin/gitlab-runner run --config /etc/shadow"\n', { mode: 0o600 });
      await t.symlink('/etc/init.d/shadow-link', '/etc/shadow');
      const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
      expect((await facts.get(gitlabServicesFact)).filter((s) => s.service.startsWith('init.d:'))).toEqual([]);
    }));
});
