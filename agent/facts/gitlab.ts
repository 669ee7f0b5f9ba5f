import TOML from '@iarna/toml';
import { fingerprint } from '../engine/redact.js';
import { describeCode, isHostError } from '../host/index.js';
import { defineFact, type FactEnv } from './index.js';
import { loadUnit, splitExecStart, unitValue, type Unit } from './systemd.js';

export type TomlTable = Record<string, unknown>;

export interface RunnerEntry {
  /** 0-based position among [[runners]]. */
  index: number;
  name: string;
  /** `runner:<name>` (or `runner:#<n>` for an unnamed entry). */
  subject: string;
  executor: string;
  raw: TomlTable;
  docker: TomlTable;
  kubernetes: TomlTable;
  ssh: TomlTable;
  machine: TomlTable;
  autoscaler: TomlTable;
  environment: string[];
  featureFlags: TomlTable;
  /** First 12 hex of SHA-256 of the runner token, to spot cloned runners. */
  tokenFingerprint?: string;
}

export type ConfigState =
  | { ok: true; doc: TomlTable; runners: RunnerEntry[] }
  | { ok: false; missing: boolean; error: string };

export interface GitlabFacts {
  unit: Unit | null;
  /** User= of the unit; root when unset. */
  serviceUser: string;
  /** The runner's `--user` argument, when it drops privileges for shell/ssh jobs. */
  userArg?: string;
  /** The user jobs of shell executors run as. */
  jobUser: string;
  workingDirectory?: string;
  configPath: string;
  configSource: 'agent-config' | 'unit-argument' | 'service-home' | 'default' | 'runner-home';
  config: ConfigState;
}

const BINARIES = ['/usr/bin/gitlab-runner', '/usr/local/bin/gitlab-runner', '/usr/lib/gitlab-runner/gitlab-runner'];

function table(v: unknown): TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) ? (v as TomlTable) : {};
}

/** Value of `--flag X`, `--flag=X`, or the short form, from a runner command line. */
export function argValue(argv: string[], long: string, short?: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === long || (short && a === short)) return argv[i + 1];
    if (a.startsWith(`${long}=`)) return a.slice(long.length + 1);
  }
  return undefined;
}

function runnerEntries(doc: TomlTable, env: FactEnv): RunnerEntry[] {
  const list = Array.isArray(doc.runners) ? doc.runners : [];
  return list.map((r, index) => {
    const raw = table(r);
    env.secrets.add(raw.token);
    const docker = table(raw.docker);
    env.secrets.add(table(raw.cache).s3 && table(table(raw.cache).s3).SecretKey);
    const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : `#${index + 1}`;
    const environment = Array.isArray(raw.environment) ? raw.environment.filter((e): e is string => typeof e === 'string') : [];
    return {
      index,
      name,
      subject: `runner:${name}`,
      executor: typeof raw.executor === 'string' ? raw.executor : '',
      raw,
      docker,
      kubernetes: table(raw.kubernetes),
      ssh: table(raw.ssh),
      machine: table(raw.machine),
      autoscaler: table(raw.autoscaler),
      environment,
      featureFlags: table(raw.feature_flags),
      tokenFingerprint: typeof raw.token === 'string' && raw.token ? fingerprint(raw.token) : undefined,
    };
  });
}

/** Registers every secret-looking string value of the config, so no output can leak it. */
function registerSecrets(v: unknown, env: FactEnv, key = ''): void {
  if (typeof v === 'string') {
    if (/token|password|secret|key$/i.test(key)) env.secrets.add(v);
  } else if (Array.isArray(v)) v.forEach((x) => registerSecrets(x, env, key));
  else if (typeof v === 'object' && v !== null && !(v instanceof Date)) {
    for (const [k, x] of Object.entries(v)) registerSecrets(x, env, k);
  }
}

export async function readRunnerConfig(env: FactEnv, path: string): Promise<ConfigState> {
  let text: string;
  try {
    text = await env.host.fs.readText(path, { maxBytes: 2 * 1024 * 1024 });
  } catch (err) {
    if (isHostError(err)) {
      return { ok: false, missing: err.code === 'ENOENT', error: `${path}: ${describeCode(err.code)}` };
    }
    return { ok: false, missing: false, error: `${path}: ${String(err)}` };
  }
  if (text.includes('\u0000')) return { ok: false, missing: false, error: `${path}: binary data, not a TOML runner config` };
  try {
    const doc = TOML.parse(text) as TomlTable;
    registerSecrets(doc, env);
    return { ok: true, doc, runners: runnerEntries(doc, env) };
  } catch (err) {
    const e = err as { line?: number; message?: string };
    const first = String(e.message ?? err).split('\n')[0]!.replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    const where = e.line !== undefined ? `${path}:${e.line + 1}` : path;
    return { ok: false, missing: false, error: `${where}: malformed TOML: ${first}` };
  }
}

/**
 * Where the runner's config really is (checks.md "Where runner facts come
 * from"): the agent's [gitlab] config, the unit's --config, the service
 * user's ~/.gitlab-runner when the service is not root, /etc/gitlab-runner,
 * then the job user's home. Null when there is no GitLab Runner at all.
 */
export const gitlabFacts = defineFact<GitlabFacts | null>('gitlab', async (env) => {
  const { fs } = env.host;
  const unit = await loadUnit(fs, 'gitlab-runner.service');
  const exec = unit ? splitExecStart(unitValue(unit, 'Service', 'ExecStart') ?? '') : [];
  const serviceUser = (unit && unitValue(unit, 'Service', 'User')) || 'root';
  const userArg = argValue(exec, '--user', '-u');
  const users = await env.host.users();
  const serviceIsRoot = serviceUser === 'root' || serviceUser === '0';
  const jobUser = serviceIsRoot ? (userArg ?? 'root') : serviceUser;
  const workingDirectory = argValue(exec, '--working-directory', '-d') ?? (unit ? unitValue(unit, 'Service', 'WorkingDirectory') : undefined);
  const home = (name: string) => users.user(name)?.home ?? `/home/${name}`;

  const candidates: Array<[GitlabFacts['configSource'], string]> = [];
  if (env.config.gitlab.config) candidates.push(['agent-config', env.config.gitlab.config]);
  const arg = argValue(exec, '--config', '-c');
  if (arg) candidates.push(['unit-argument', arg.startsWith('/') ? arg : `${workingDirectory ?? '/'}/${arg}`.replace(/\/+/g, '/')]);
  if (!serviceIsRoot) candidates.push(['service-home', `${home(serviceUser)}/.gitlab-runner/config.toml`]);
  candidates.push(['default', '/etc/gitlab-runner/config.toml']);
  candidates.push(['runner-home', `${home(userArg ?? 'gitlab-runner')}/.gitlab-runner/config.toml`]);

  // An explicit location is authoritative even when the file is missing.
  const explicit = candidates[0]![0] === 'agent-config' || candidates[0]![0] === 'unit-argument';
  let chosen = candidates[0]!;
  if (!explicit) {
    for (const c of candidates) {
      if (await fs.lstat(c[1]).catch(() => 'unreadable')) {
        chosen = c;
        break;
      }
    }
  }
  const installed = unit !== null || (await Promise.all(BINARIES.map((b) => fs.exists(b)))).some(Boolean);
  const config = await readRunnerConfig(env, chosen[1]);
  if (!installed && !config.ok && config.missing) return null;
  return {
    unit,
    serviceUser,
    userArg,
    jobUser,
    workingDirectory,
    configPath: chosen[1],
    configSource: chosen[0],
    config,
  };
});
