import type { FixtureTree } from '../../helpers/fixture-tree.js';

export const DIR = '/home/gh/actions-runner';
export const SUBJECT = `github-runner:${DIR}`;
export const UNIT = 'actions.runner.acme-app.build-1.service';

/** The .runner config.sh writes: UTF-8 BOM, two-space indent, no "ephemeral" unless --ephemeral. */
export function dotRunner(extra = ''): string {
  return `\ufeff{\n  "agentId": 7,\n  "agentName": "build-1",\n  "poolId": 1,\n  "poolName": "Default",\n  "serverUrl": "https://pipelines.actions.githubusercontent.com/abc",\n  "gitHubUrl": "https://github.com/acme/app",\n  "workFolder": "_work"${extra}\n}`;
}

/** The unit ./svc.sh install <user> writes (bin/actions.runner.service.template). */
export function runnerUnit(o: { user?: string; exec?: string; dir?: string } = {}): string {
  const dir = o.dir ?? DIR;
  const user = o.user === undefined ? 'User=gh\n' : o.user ? `User=${o.user}\n` : '';
  return `[Unit]\nDescription=GitHub Actions Runner (acme-app.build-1)\nAfter=network.target\n\n[Service]\nExecStart=${o.exec ?? `${dir}/runsvc.sh`}\n${user}WorkingDirectory=${dir}\nKillMode=process\nKillSignal=SIGTERM\nTimeoutStopSec=5min\n\n[Install]\nWantedBy=multi-user.target\n`;
}

export interface RunnerOptions {
  /** User= of the unit: undefined = gh, '' = no User= line. */
  user?: string;
  /** .runner text; null = no .runner. */
  runner?: string | null;
  env?: string;
  exec?: string;
  credsMode?: number;
  rsaMode?: number | null;
  /** Write no unit (a dir listed in [github] runner_dirs). */
  noUnit?: boolean;
  /** Owner of the runner files (default gh, uid 1200). */
  uid?: number;
}

/** A registered runner as `./config.sh` and `./svc.sh install gh` leave it, in /home/gh/actions-runner. */
export async function actionsRunner(t: FixtureTree, o: RunnerOptions = {}): Promise<void> {
  await t.useradd('gh', { uid: 1200 });
  const own = { uid: o.uid ?? 1200, gid: o.uid ?? 1200 };
  if (!o.noUnit) await t.unit(UNIT, runnerUnit({ user: o.user, exec: o.exec }));
  await t.file(`${DIR}/runsvc.sh`, '#!/bin/bash\n', { mode: 0o755, ...own });
  if (o.runner !== null) await t.file(`${DIR}/.runner`, o.runner ?? dotRunner(), { mode: 0o644, ...own });
  if (o.env !== undefined) await t.file(`${DIR}/.env`, o.env, { mode: 0o644, ...own });
  await t.file(`${DIR}/.credentials`, '{\n  "scheme": "OAuth",\n  "data": {\n    "clientId": "9a1f0000-0000-0000-0000-000000000000",\n    "authorizationUrl": "https://pipelines.actions.githubusercontent.com/abc/_apis/oauth2/token"\n  }\n}', { mode: o.credsMode ?? 0o600, ...own });
  if (o.rsaMode !== null) await t.file(`${DIR}/.credentials_rsaparams`, '{"d": "not-a-real-key", "dp": "x", "dq": "y"}', { mode: o.rsaMode ?? 0o600, ...own });
}

/** runnerguard config listing runner dirs. */
export function runnerDirs(...dirs: string[]): string {
  return `[github]\nrunner_dirs = [${dirs.map((d) => JSON.stringify(d)).join(', ')}]\n`;
}

/**
 * The official runner image (actions/runner images/Dockerfile) after
 * config.sh: `adduser --uid 1001 runner`, `groupadd docker --gid 123`,
 * runner in groups sudo and docker, /etc/sudoers replaced by
 * `%sudo ALL=(ALL:ALL) NOPASSWD:ALL`, the runner copied to /home/runner
 * --chown=runner:docker; config.sh writes .runner and .credentials with the
 * umask (0644) and .credentials_rsaparams 0600. No systemd unit.
 */
export async function officialImage(t: FixtureTree): Promise<void> {
  await t.groupadd('sudo', 27);
  await t.groupadd('docker', 123);
  await t.useradd('runner', { uid: 1001, home: '/home/runner', groups: ['sudo', 'docker'] });
  await t.file('/etc/sudoers', '%sudo   ALL=(ALL:ALL) NOPASSWD:ALL\nDefaults env_keep += "DEBIAN_FRONTEND"\n', { mode: 0o440 });
  const own = { uid: 1001, gid: 123 };
  await t.file('/home/runner/run.sh', '#!/bin/bash\n', { mode: 0o755, ...own });
  await t.file('/home/runner/bin/Runner.Listener', '', { mode: 0o755, ...own });
  await t.file('/home/runner/.runner', dotRunner().replace('"workFolder": "_work"', '"workFolder": "/home/runner/_work"'), { mode: 0o644, uid: 1001, gid: 1001 });
  await t.file('/home/runner/.credentials', '{"scheme": "OAuth", "data": {"clientId": "x"}}', { mode: 0o644, uid: 1001, gid: 1001 });
  await t.file('/home/runner/.credentials_rsaparams', '{"d": "x"}', { mode: 0o600, uid: 1001, gid: 1001 });
}
