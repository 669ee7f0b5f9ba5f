import { describeCode, isHostError } from '../host/index.js';
import { defineFact } from './index.js';
import { parseEnvFile } from './github.js';
import { loadUnit, splitCommandLine, splitExecStart, unitValue, type Unit } from './systemd.js';

export const DAEMON_JSON = '/etc/docker/daemon.json';
const DOCKERD = ['/usr/bin/dockerd', '/usr/sbin/dockerd', '/usr/local/bin/dockerd'];
export const SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

export interface DockerFacts {
  installed: boolean;
  /** Parsed daemon.json; null when absent. */
  daemon: Record<string, unknown> | null;
  daemonError?: string;
  service: Unit | null;
  socketUnit: Unit | null;
  /** dockerd arguments from docker.service ExecStart and /etc/default/docker DOCKER_OPTS, with where each came from. */
  args: Array<{ source: string; argv: string[] }>;
  /** Where Docker keeps images, containers and volumes. */
  dataRoot: string;
}

function jsonLine(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return '';
  return `:${text.slice(0, Number(m[1])).split('\n').length}`;
}

/** Docker's daemon settings, from the files a package install or an admin writes. */
export const dockerFacts = defineFact<DockerFacts>('docker', async (env) => {
  const { fs } = env.host;
  let daemon: DockerFacts['daemon'] = null;
  let daemonError: string | undefined;
  try {
    const text = await fs.readText(DAEMON_JSON, { maxBytes: 1024 * 1024 });
    try {
      const doc = JSON.parse(text) as unknown;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) daemonError = `${DAEMON_JSON}: not a JSON object`;
      else daemon = doc as Record<string, unknown>;
    } catch (err) {
      daemonError = `${DAEMON_JSON}${jsonLine(text, err as Error)}: invalid JSON (${(err as Error).message})`;
    }
  } catch (err) {
    if (!isHostError(err, 'ENOENT')) daemonError = `${DAEMON_JSON}: ${isHostError(err) ? describeCode(err.code) : String(err)}`;
  }
  const [service, socketUnit] = await Promise.all([loadUnit(fs, 'docker.service'), loadUnit(fs, 'docker.socket')]);
  const args: DockerFacts['args'] = [];
  if (service) {
    const exec = unitValue(service, 'Service', 'ExecStart');
    if (exec) args.push({ source: `${service.path} ExecStart`, argv: splitExecStart(exec) });
  }
  try {
    const defaults = parseEnvFile(await fs.readText('/etc/default/docker', { maxBytes: 256 * 1024 }));
    const opts = defaults.get('DOCKER_OPTS');
    if (opts) args.push({ source: '/etc/default/docker DOCKER_OPTS', argv: splitCommandLine(opts) });
  } catch {
    /* absent: nothing set there */
  }
  const binaries = await Promise.all(DOCKERD.map((b) => fs.exists(b)));
  const installed = binaries.some(Boolean) || service !== null || (await fs.exists('/etc/docker'));
  const dataRoot = typeof daemon?.['data-root'] === 'string' ? (daemon['data-root'] as string) : '/var/lib/docker';
  return { installed, daemon, daemonError, service, socketUnit, args, dataRoot };
});

/** Values of a dockerd flag across all argument sources (`-H x`, `--host=x`). */
export function dockerdFlag(facts: DockerFacts, long: string, short?: string): Array<{ source: string; value: string }> {
  const out: Array<{ source: string; value: string }> = [];
  for (const { source, argv } of facts.args) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if ((a === long || (short && a === short)) && argv[i + 1] !== undefined) out.push({ source, value: argv[++i]! });
      else if (a.startsWith(`${long}=`)) out.push({ source, value: a.slice(long.length + 1) });
      else if (short && a.startsWith(short) && a.length > short.length && !a.startsWith('--')) out.push({ source, value: a.slice(short.length).replace(/^=/, '') });
    }
  }
  return out;
}

export function hasDockerdSwitch(facts: DockerFacts, name: string): boolean {
  return facts.args.some(({ argv }) => argv.some((a) => a === name || a === `${name}=true`));
}
