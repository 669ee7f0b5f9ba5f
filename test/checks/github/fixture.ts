import type { FixtureTree } from '../../helpers/fixture-tree.js';

export const DIR = '/home/gh/actions-runner';
export const SUBJECT = `github-runner:${DIR}`;

/** A runner as ./svc.sh install writes it: unit in /etc/systemd/system, runsvc.sh in the runner dir. */
export async function actionsRunner(t: FixtureTree, o: { user?: string; runner?: string; env?: string; exec?: string; credsMode?: number } = {}): Promise<void> {
  await t.useradd('gh', { uid: 1200 });
  const user = o.user === undefined ? 'User=gh\n' : o.user ? `User=${o.user}\n` : '';
  await t.unit(
    'actions.runner.acme-app.build-1.service',
    `[Unit]\nDescription=GitHub Actions Runner (acme-app.build-1)\nAfter=network.target\n\n[Service]\nExecStart=${o.exec ?? `${DIR}/runsvc.sh`}\n${user}WorkingDirectory=${DIR}\nKillMode=process\nKillSignal=SIGTERM\nTimeoutStopSec=5min\n\n[Install]\nWantedBy=multi-user.target\n`,
  );
  await t.file(`${DIR}/.runner`, o.runner ?? '\ufeff{\n  "agentId": 7,\n  "agentName": "build-1",\n  "poolId": 1,\n  "serverUrl": "https://pipelines.actions.githubusercontent.com/abc",\n  "gitHubUrl": "https://github.com/acme/app",\n  "workFolder": "_work"\n}', { uid: 1200, gid: 1200 });
  if (o.env !== undefined) await t.file(`${DIR}/.env`, o.env, { uid: 1200, gid: 1200 });
  await t.file(`${DIR}/.credentials`, '{"scheme": "OAuth", "data": {"clientId": "x"}}', { mode: o.credsMode ?? 0o600, uid: 1200, gid: 1200 });
  await t.file(`${DIR}/.credentials_rsaparams`, '{"d": "redacted"}', { mode: 0o600, uid: 1200, gid: 1200 });
}
