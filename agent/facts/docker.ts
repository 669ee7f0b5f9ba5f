import { describeCode, isHostError, type HostFs } from '../host/index.js';
import { defineFact } from './index.js';
import { parseEnvFile } from './github.js';
import { loadUnit, splitCommandLine, splitExecStart, unitValue, type Unit } from './systemd.js';

export const DAEMON_JSON = '/etc/docker/daemon.json';
export const DOCKER_DEFAULTS = '/etc/default/docker';
const DOCKERD = ['/usr/bin/dockerd', '/usr/sbin/dockerd', '/usr/local/bin/dockerd'];
export const SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

/** An input that exists but could not be read or parsed. */
export interface FileProblem {
  path: string;
  message: string;
}

export interface DockerFacts {
  installed: boolean;
  /** Parsed daemon.json; null when absent. */
  daemon: Record<string, unknown> | null;
  daemonError?: string;
  service: Unit | null;
  serviceError?: FileProblem;
  socketUnit: Unit | null;
  socketUnitError?: FileProblem;
  /** /etc/default/docker exists but could not be read. */
  defaultsError?: FileProblem;
  /** dockerd arguments from docker.service ExecStart and /etc/default/docker DOCKER_OPTS, with where each came from. */
  args: Array<{ source: string; argv: string[] }>;
  /** Where Docker keeps images, containers and volumes. */
  dataRoot: string;
}

function readError(path: string, err: unknown): string {
  return isHostError(err) ? `${path}: ${describeCode(err.code)}` : `${path}: ${String(err)}`;
}

/**
 * V8's message quotes the input ("... is not valid JSON"), which may hold a
 * proxy password or binary garbage: keep only the reason and the line.
 */
function jsonError(path: string, text: string, err: Error): string {
  const reason = err.message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '').replace(/[\u0000-\u001f\u007f-\u009f\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const pos = /at position (\d+)/.exec(err.message);
  const upTo = pos ? text.slice(0, Number(pos[1])) : /end of JSON input/.test(err.message) ? text.trimEnd() : undefined;
  const line = upTo !== undefined ? `:${upTo.split('\n').length}` : '';
  return `${path}${line}: invalid JSON (${reason})`;
}

/** daemon.json as dockerd reads it: a UTF-8 BOM and an empty (whitespace-only) file are accepted, the latter as "no settings". */
export function parseDaemonJson(text: string, path = DAEMON_JSON): { doc: Record<string, unknown> } | { error: string } {
  const body = text.replace(/^\ufeff/, '');
  if (body.trim() === '') return { doc: {} };
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return { error: jsonError(path, body, err as Error) };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { error: `${path}: not a JSON object` };
  return { doc: doc as Record<string, unknown> };
}

async function unitOrError(fs: HostFs, name: string): Promise<{ unit: Unit | null; error?: FileProblem }> {
  try {
    return { unit: await loadUnit(fs, name) };
  } catch (err) {
    const path = isHostError(err) ? err.path : name;
    return { unit: null, error: { path, message: readError(path, err) } };
  }
}

/** Docker's daemon settings, from the files a package install or an admin writes. */
export const dockerFacts = defineFact<DockerFacts>('docker', async (env) => {
  const { fs } = env.host;
  let daemon: DockerFacts['daemon'] = null;
  let daemonError: string | undefined;
  try {
    const parsed = parseDaemonJson(await fs.readText(DAEMON_JSON, { maxBytes: 1024 * 1024 }));
    if ('error' in parsed) daemonError = parsed.error;
    else daemon = parsed.doc;
  } catch (err) {
    if (!isHostError(err, 'ENOENT')) daemonError = readError(DAEMON_JSON, err);
  }
  const [svc, sock] = await Promise.all([unitOrError(fs, 'docker.service'), unitOrError(fs, 'docker.socket')]);
  const service = svc.unit;
  const args: DockerFacts['args'] = [];
  if (service) {
    const exec = unitValue(service, 'Service', 'ExecStart');
    if (exec) args.push({ source: `${service.path} ExecStart`, argv: splitExecStart(exec) });
  }
  let defaultsError: FileProblem | undefined;
  try {
    const opts = parseEnvFile(await fs.readText(DOCKER_DEFAULTS, { maxBytes: 256 * 1024 })).get('DOCKER_OPTS');
    if (opts) args.push({ source: `${DOCKER_DEFAULTS} DOCKER_OPTS`, argv: splitCommandLine(opts) });
  } catch (err) {
    // Unreadable is not absent: a tcp:// there would go unseen.
    if (!isHostError(err, 'ENOENT')) defaultsError = { path: DOCKER_DEFAULTS, message: readError(DOCKER_DEFAULTS, err) };
  }
  const binaries = await Promise.all(DOCKERD.map((b) => fs.exists(b)));
  const installed = binaries.some(Boolean) || service !== null || svc.error !== undefined || (await fs.exists('/etc/docker'));
  const dataRoot = typeof daemon?.['data-root'] === 'string' ? (daemon['data-root'] as string) : '/var/lib/docker';
  return { installed, daemon, daemonError, service, serviceError: svc.error, socketUnit: sock.unit, socketUnitError: sock.error, defaultsError, args, dataRoot };
});

/** Inputs that decide dockerd's settings but could not be read or parsed, one per file. */
export function dockerdInputErrors(facts: DockerFacts): FileProblem[] {
  const out: FileProblem[] = [];
  if (facts.daemonError) out.push({ path: DAEMON_JSON, message: facts.daemonError });
  if (facts.serviceError) out.push(facts.serviceError);
  if (facts.defaultsError) out.push(facts.defaultsError);
  return out;
}

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

const BOOL_WORDS = new Map(Object.entries({ '1': true, t: true, T: true, true: true, TRUE: true, True: true, '0': false, f: false, F: false, false: false, FALSE: false, False: false }));

/**
 * A dockerd boolean flag as Go's flag parser reads it: `--x` is true,
 * `--x=false` false (strconv.ParseBool words), the last occurrence wins.
 * Undefined when the flag is not given.
 */
export function dockerdBool(facts: DockerFacts, name: string): { source: string; arg: string; value: boolean } | undefined {
  let found: { source: string; arg: string; value: boolean } | undefined;
  for (const { source, argv } of facts.args) {
    for (const a of argv) {
      if (a === name) found = { source, arg: a, value: true };
      else if (a.startsWith(`${name}=`)) {
        const value = BOOL_WORDS.get(a.slice(name.length + 1));
        if (value !== undefined) found = { source, arg: a, value };
      }
    }
  }
  return found;
}

export function hasDockerdSwitch(facts: DockerFacts, name: string): boolean {
  return dockerdBool(facts, name)?.value === true;
}
