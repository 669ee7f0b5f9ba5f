import type { FixtureTree } from '../../helpers/fixture-tree.js';

export const UNIT = 'jenkins-agent.service';
export const SUBJECT = `jenkins-agent:${UNIT}`;
/** An agent secret as the controller's node page shows it (64 hex). */
export const SECRET = '4f1c2b9e8d7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c';
export const URL = 'https://jenkins.example.com/';

/**
 * The unit the Jenkins docs and the node page's "Run from agent command
 * line" lead to: java -jar agent.jar -url -secret -name -workDir, as a
 * systemd service. `exec` replaces the command, `user` the User= line
 * ('' = none), `env` adds EnvironmentFile= lines.
 */
export function agentUnit(o: { exec?: string; user?: string; extra?: string } = {}): string {
  const user = o.user === undefined ? 'User=jenkins\n' : o.user ? `User=${o.user}\n` : '';
  const exec = o.exec ?? `/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret @/var/lib/jenkins/secret-file -name build-1 -webSocket -workDir "/var/lib/jenkins/agent"`;
  return `[Unit]\nDescription=Jenkins Agent\nWants=network-online.target\nAfter=network-online.target\n\n[Service]\nType=simple\n${user}WorkingDirectory=/var/lib/jenkins\n${o.extra ?? ''}ExecStart=${exec}\nRestart=always\nRestartSec=10\n\n[Install]\nWantedBy=multi-user.target\n`;
}

/**
 * The agent user as the docs create it (a system account with its home in
 * /var/lib/jenkins), agent.jar downloaded from /jnlpJars, and the secret
 * saved with `echo <secret> > secret-file` (umask 022: 0644) unless
 * `secretMode` says otherwise.
 */
export async function jenkinsAgent(t: FixtureTree, o: { unit?: string; secretMode?: number; secretUid?: number; noSecretFile?: boolean } = {}): Promise<void> {
  await t.useradd('jenkins', { uid: 1500, home: '/var/lib/jenkins' });
  await t.file('/var/lib/jenkins/agent.jar', 'PK\u0003\u0004', { mode: 0o644, uid: 1500, gid: 1500 });
  if (!o.noSecretFile) await t.file('/var/lib/jenkins/secret-file', `${SECRET}\n`, { mode: o.secretMode ?? 0o600, uid: o.secretUid ?? 1500, gid: o.secretUid ?? 1500 });
  await t.dir('/var/lib/jenkins/agent', { mode: 0o755, uid: 1500, gid: 1500 });
  await t.unit(UNIT, o.unit ?? agentUnit());
}
