import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LiveRun {
  before: Array<{ subject: string; status: string; message: string }>;
  plans: unknown[];
  refusals: Array<{ subject: string; reason: string }>;
  text: string;
  apply?: { status: string; error?: string; steps: Array<{ op: string; state: string; note?: string }> };
  probeApplied?: string[];
  after?: Array<{ subject: string; status: string; message: string }>;
  again?: unknown[];
  rollback?: Array<{ op: string; state: string; note?: string }>;
  probeRolledBack?: string[];
  final?: Array<{ subject: string; status: string; message: string }>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Plans, applies, re-checks and rolls back `module`'s remediation against the
 * live host, inside a private mount namespace: `binds` put fixture dirs over
 * host dirs (/etc/ssh, /etc/audit), `tmpfs` hides host dirs behind empty ones
 * (then `mkdirs` are made there). The host's own files are never written; the
 * real binaries (sshd, augenrules, auditctl) run, and the kernel is the real one.
 */
export function runLiveProtocol(o: { module: string; stateDir: string; binds?: Array<[from: string, onto: string]>; tmpfs?: string[]; mkdirs?: string[]; probes?: string[][] }): LiveRun {
  const setup = [
    'set -e',
    ...(o.binds ?? []).map(([from, onto]) => `mount --bind ${q(from)} ${q(onto)}`),
    ...(o.tmpfs ?? []).map((d) => `mount -t tmpfs -o mode=0755 tmpfs ${q(d)}`),
    ...(o.mkdirs ?? []).map((d) => `mkdir -p ${q(d)}`),
    `exec ${q(path.join(REPO, 'node_modules/.bin/vite-node'))} ${q(path.join(REPO, 'test/helpers/live-protocol-main.ts'))} ${q(o.module)} ${q(o.stateDir)} ${q(JSON.stringify(o.probes ?? []))}`,
  ].join('\n');
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', setup], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`live protocol in a mount namespace failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as LiveRun;
}
