import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../agent/engine/types.js';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree, gitlabRunnerUnit, jobCheckout } from '../helpers/fixture-tree.js';

const TOKEN = 'glrt-SECRETSECRETSECRET01';
const RUNNER_CONFIG = `concurrent = 4
check_interval = 0

[session_server]
  session_timeout = 1800

[[runners]]
\tname = "docker-a"
\turl = "https://gitlab.example.com/"
\ttoken = "${TOKEN}"
\ttoken_expires_at = 0001-01-01T00:00:00Z
\texecutor = "docker"
\t[runners.cache]
\t\t[runners.cache.s3]
\t[runners.docker]
\t\timage = "alpine"
\t\tvolumes = [
\t\t\t"/cache", # shared cache
\t\t]
`;

let bundle: string;
let t: FixtureTree;
beforeAll(async () => {
  bundle = buildBundle();
  t = await FixtureTree.create();
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', RUNNER_CONFIG, { mode: 0o644 });
});
afterAll(async () => {
  await t.remove();
  await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
});

function report(stdout: string): Report {
  const r = JSON.parse(stdout) as Report;
  expect(r.schema).toBe('runnerguard/report@1');
  expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.summary.total).toBe(r.findings.length);
  for (const s of ['pass', 'fail', 'warn', 'skip', 'error'] as const) {
    expect(r.summary[s]).toBe(r.findings.filter((f) => f.status === s).length);
  }
  return r;
}

describe('runnerguard CLI (built bundle)', () => {
  it('prints its version, the catalogue and an explanation', async () => {
    expect((await runCli(bundle, ['--version'])).stdout).toMatch(/^runnerguard \d+\.\d+\.\d+/);
    const checks = await runCli(bundle, ['checks']);
    expect(checks.code).toBe(0);
    expect(checks.stdout).toMatch(/^RG-RUN-002\s+high\s+auto\s+Runner config is private$/m);
    const explain = await runCli(bundle, ['explain', 'rg-run-002']);
    expect(explain.stdout).toContain('RG-RUN-002: Runner config is private');
    expect(explain.stdout).toContain('https://docs.gitlab.com/runner/security/#cloning-a-runner');
    expect(explain.stdout).toContain('automated: yes');
  });

  it('exits 2 on usage errors, without a stack trace', async () => {
    for (const args of [['explain', 'RG-NOPE-001'], ['frobnicate'], ['audit', '--only', 'RG-NOPE-001'], ['audit', '--format', 'xml'], ['audit', '--bogus'], ['audit', '--root', '/nonexistent-dir']]) {
      const r = await runCli(bundle, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^runnerguard: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('audits a fixture root as report@1 JSON, exit 1 on a failing finding', async () => {
    const r = await runCli(bundle, ['audit', '--root', t.root, '--format', 'json']);
    expect(r.code).toBe(1);
    const rep = report(r.stdout);
    expect(rep.target).toEqual({ root: t.root, live: false });
    expect(rep.host.hostname).toBe('fixture-host');
    const f = rep.findings.find((x) => x.check === 'RG-RUN-002')!;
    expect(f).toMatchObject({ status: 'fail', subject: '/etc/gitlab-runner/config.toml', severity: 'high', remediation: { id: 'RG-RUN-002', automated: true } });
    expect(f.references.length).toBeGreaterThan(0);
  });

  it('honours --only, --skip and --fail-on', async () => {
    const only = report((await runCli(bundle, ['audit', '--root', t.root, '--format', 'json', '--only', 'RG-RUN-001'])).stdout);
    expect(new Set(only.findings.map((f) => f.check))).toEqual(new Set(['RG-RUN-001']));
    const skip = report((await runCli(bundle, ['audit', '--root', t.root, '--format', 'json', '--skip', 'RG-RUN-001,RG-RUN-002'])).stdout);
    expect(skip.findings.some((f) => f.check === 'RG-RUN-001' || f.check === 'RG-RUN-002')).toBe(false);
    // RG-RUN-002 is high: it fails the default (low) threshold, not a critical one.
    expect((await runCli(bundle, ['audit', '--root', t.root, '--only', 'RG-RUN-002', '--fail-on', 'high'])).code).toBe(1);
    expect((await runCli(bundle, ['audit', '--root', t.root, '--only', 'RG-RUN-002', '--fail-on', 'critical'])).code).toBe(0);
  });

  it('never prints the runner token, in any format or on stderr; a fingerprint may appear', async () => {
    for (const fmt of ['json', 'text']) {
      const r = await runCli(bundle, ['audit', '--root', t.root, '--format', fmt, '--verbose']);
      expect(r.stdout + r.stderr).not.toContain('SECRETSECRET');
      expect(r.stdout).toMatch(/token fingerprint [0-9a-f]{12}/);
    }
  });

  it('text output: grouped by severity, summary line with the score, colour only on a TTY without NO_COLOR', async () => {
    const plain = await runCli(bundle, ['audit', '--root', t.root]);
    expect(plain.stdout).toMatch(/^HIGH$/m);
    expect(plain.stdout).toMatch(/^\d+ checks, \d+ findings: \d+ pass, \d+ fail, \d+ warn, \d+ skip, \d+ error; score \d+\/100/m);
    expect(plain.stdout).not.toContain('\u001b[');
    const cmd = `${process.execPath} ${bundle} audit --root ${t.root}`;
    // script(1) gives the CLI a real pseudo-terminal.
    const onTty = (env: NodeJS.ProcessEnv) => spawnSync('script', ['-qec', cmd, '/dev/null'], { env: { PATH: process.env.PATH, TERM: 'xterm', ...env } }).stdout.toString();
    expect(onTty({})).toContain('\u001b[31mFAIL');
    const noColor = onTty({ NO_COLOR: '1' });
    expect(noColor).toContain('FAIL');
    expect(noColor).not.toContain('\u001b[');
  });

  it('--output writes the report atomically with mode 0600', async () => {
    const out = path.join(t.root, 'report.json');
    const r = await runCli(bundle, ['audit', '--root', t.root, '--format', 'json', '--output', out]);
    expect(r.stdout).toBe('');
    report(await fsp.readFile(out, 'utf8'));
    expect((await fsp.stat(out)).mode & 0o777).toBe(0o600);
  });

  it('--format prometheus --output writes the textfile 0644, root\'s, for node_exporter (which reads it as prometheus)', async () => {
    const out = path.join(t.root, 'runnerguard.prom');
    const r = await runCli(bundle, ['audit', '--root', t.root, '--format', 'prometheus', '--output', out]);
    expect(r.stdout).toBe('');
    const st = await fsp.stat(out);
    expect([st.mode & 0o777, st.uid]).toEqual([0o644, 0]);
    expect(await fsp.readFile(out, 'utf8')).toMatch(/^runnerguard_/m);
  });

  it('config check: ok for a valid file, file:line for a typo, refuses a world-writable file', async () => {
    const good = await t.file('/cfg/good.toml', '[agent]\nstate_dir = "/var/lib/runnerguard"\n', { mode: 0o600 });
    expect((await runCli(bundle, ['config', 'check', '--config', t.p(good)])).stdout).toContain(': ok');
    const bad = await t.file('/cfg/bad.toml', '[agent]\nstate_dir = "/x"\nstate-dir = "/y"\n', { mode: 0o600 });
    const r = await runCli(bundle, ['config', 'check', '--config', t.p(bad)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${t.p(bad)}:3: unknown key "state-dir" in [agent]`);
    const ww = await t.file('/cfg/ww.toml', '[agent]\n', { mode: 0o666 });
    const w = await runCli(bundle, ['audit', '--root', t.root, '--config', t.p(ww)]);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('refused: writable by non-root');
  });

  it('audits this live machine as root, completing with a valid report', async () => {
    const r = await runCli(bundle, ['audit', '--format', 'json']);
    expect([0, 1]).toContain(r.code);
    const rep = report(r.stdout);
    expect(rep.target).toEqual({ root: '/', live: true });
    expect(rep.host.kernel).toBe(execFileSync('uname', ['-r']).toString().trim());
    expect(rep.findings.length).toBeGreaterThan(0);
  });
});

describe('bad input never crashes the audit', () => {
  async function badRoot(write: (t: FixtureTree) => Promise<void>): Promise<FixtureTree> {
    const b = await FixtureTree.create();
    await b.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', user: 'gitlab-runner' }));
    await b.useradd('gitlab-runner', { uid: 998 });
    await write(b);
    return b;
  }

  const cases: Array<[string, (t: FixtureTree) => Promise<void>, RegExp]> = [
    ['malformed TOML', (b) => b.file('/etc/gitlab-runner/config.toml', '[[runners]]\nname = "a"\nexecutor = \n', { mode: 0o600 }).then(() => {}), /\/etc\/gitlab-runner\/config\.toml:3: malformed TOML/],
    ['binary garbage', (b) => b.file('/etc/gitlab-runner/config.toml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0xff]), { mode: 0o600 }).then(() => {}), /config\.toml: binary data/],
    ['a directory where the file should be', (b) => b.dir('/etc/gitlab-runner/config.toml').then(() => {}), /config\.toml: is (a directory|not a regular file)/],
    ['a symlink loop', (b) => b.symlink('/etc/gitlab-runner/config.toml', '/etc/gitlab-runner/config.toml'), /config\.toml: (has too many levels of symbolic links|is not a regular file)/],
  ];

  for (const [name, write, message] of cases) {
    it(`${name}: an error finding naming the file; valid JSON`, async () => {
      const b = await badRoot(write);
      try {
        const r = await runCli(bundle, ['audit', '--root', b.root, '--format', 'json']);
        expect([0, 1]).toContain(r.code);
        const rep = report(r.stdout);
        const errors = rep.findings.filter((f) => f.status === 'error');
        expect(errors.length).toBeGreaterThan(0);
        for (const e of errors) expect(e.message).toMatch(message);
      } finally {
        await b.remove();
      }
    });
  }

  it('an unreadable file (audit run as an unprivileged user): error finding, not a crash', async () => {
    const b = await badRoot((x) => x.file('/etc/gitlab-runner/config.toml', RUNNER_CONFIG, { mode: 0o600 }).then(() => {}));
    try {
      await fsp.chmod(b.root, 0o755);
      await fsp.chmod(path.dirname(bundle), 0o755);
      const r = await runCli(bundle, ['audit', '--root', b.root, '--format', 'json'], {
        prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'],
      });
      expect([0, 1]).toContain(r.code);
      const rep = report(r.stdout);
      // stat needs no read permission: 0600 root-owned is judged private...
      expect(rep.findings.find((f) => f.check === 'RG-RUN-002')!.status).toBe('pass');
      // ...while checks that parse the file say they could not read it.
      const errors = rep.findings.filter((f) => f.status === 'error');
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors.filter((f) => f.check.startsWith('RG-RUN-'))) expect(e.message).toContain('/etc/gitlab-runner/config.toml: permission denied');
    } finally {
      await b.remove();
    }
  });

  it('an unreadable dir inside a builds dir makes the check warn naming it, the walk goes on', async () => {
    const b = await FixtureTree.create();
    try {
      await b.useradd('gitlab-runner', { uid: 998 });
      await b.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
      await b.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "s"\n  executor = "shell"\n', { mode: 0o644 });
      await jobCheckout(b, '/home/gitlab-runner/builds/tok/0/g/app');
      await b.dir('/home/gitlab-runner/builds/tok/0/g/private', { mode: 0o700 });
      await fsp.chmod(path.dirname(bundle), 0o755);
      const r = await runCli(bundle, ['audit', '--root', b.root, '--format', 'json', '--only', 'RG-BUILD-001'], {
        prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'],
      });
      const f = report(r.stdout).findings[0]!;
      // What could not be read may hold old checkouts: a warn naming it, never a pass (issue 11).
      expect(f).toMatchObject({ status: 'warn', subject: '/home/gitlab-runner/builds' });
      expect(f.message).toContain('1 job dir(s), none unused for more than 24 h among those seen; part of it was not scanned');
      expect(f.evidence).toContain('not readable, not scanned (1): /home/gitlab-runner/builds/tok/0/g/private (EACCES)');
    } finally {
      await b.remove();
    }
  });
});
