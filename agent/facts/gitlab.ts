import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import TOML from '@iarna/toml';
import { fingerprint } from '../engine/redact.js';
import { describeCode, isHostError } from '../host/index.js';
import { withTarget, type Actor } from '../host/safe-path.js';
import { defineFact, type FactEnv } from './index.js';
import { initScripts } from './init-scripts.js';
import { serviceUnitsFact } from './service-units.js';
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
  /** The service's name: "gitlab-runner", another unit's name, "USER/NAME" for a user unit, "docker:DIR" for a runner in Docker. */
  service: string;
  /** gitlab-runner.service (or the only service): its runners keep the plain `runner:<name>` subject. */
  primary: boolean;
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
  /** What starts it when there is no unit: "init script /etc/init.d/NAME". */
  origin?: string;
  /**
   * Set when someone other than root could write what starts the service
   * (an init script a job can edit): its config, dirs and user are that
   * writer's to name, so the config is read with their rights and
   * anything done there is done as them.
   */
  sourceWriter?: Actor;
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

function runnerEntries(doc: TomlTable, env: FactEnv, suffix = ''): RunnerEntry[] {
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
      subject: `runner:${name}${suffix}`,
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

const MAX_CONFIG_BYTES = 2 * 1024 * 1024;

/**
 * A config named by someone other than root, read only if they could read
 * it themselves (owner, group or other read bit), and without following a
 * link a non-root user made: naming /etc/shadow gets nothing out of root.
 */
async function readAs(env: FactEnv, path: string, who: Actor): Promise<string | null> {
  if (!(await env.host.fs.lstat(path).catch(() => 'unknown'))) return null;
  return withTarget(env.host, path, (loc) => {
    // Judged on the opened file itself: a swap after a check on the path would let root read what it names.
    const fd = openSync(loc.at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      const st = fstatSync(fd);
      const readable = st.isFile() && ((st.uid === who.uid && (st.mode & 0o400) !== 0) || (st.gid === who.gid && (st.mode & 0o040) !== 0) || (st.mode & 0o004) !== 0);
      if (!readable) throw new Error(`not readable by uid ${who.uid}, who named it (${who.why})`);
      if (st.size > MAX_CONFIG_BYTES) throw new Error(`larger than the ${MAX_CONFIG_BYTES}-byte limit`);
      const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
      let total = 0;
      for (let n = 1; n > 0 && total <= MAX_CONFIG_BYTES; total += n) n = readSync(fd, buf, total, buf.length - total, null);
      if (total > MAX_CONFIG_BYTES) throw new Error(`larger than the ${MAX_CONFIG_BYTES}-byte limit`);
      return buf.subarray(0, total).toString('utf8');
    } finally {
      closeSync(fd);
    }
  });
}

export async function readRunnerConfig(env: FactEnv, path: string, suffix = '', as?: Actor): Promise<ConfigState> {
  let text: string;
  try {
    const got = as ? await readAs(env, path, as) : await env.host.fs.readText(path, { maxBytes: MAX_CONFIG_BYTES });
    if (got === null) return { ok: false, missing: true, error: `${path}: no such file` };
    text = got;
  } catch (err) {
    if (isHostError(err)) {
      return { ok: false, missing: err.code === 'ENOENT', error: `${path}: ${describeCode(err.code)}` };
    }
    return { ok: false, missing: false, error: `${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (text.includes('\u0000')) return { ok: false, missing: false, error: `${path}: binary data, not a TOML runner config` };
  try {
    const doc = TOML.parse(text) as TomlTable;
    registerSecrets(doc, env);
    return { ok: true, doc, runners: runnerEntries(doc, env, suffix) };
  } catch (err) {
    const e = err as { line?: number; message?: string };
    const first = String(e.message ?? err).split('\n')[0]!.replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    const where = e.line !== undefined ? `${path}:${e.line + 1}` : path;
    return { ok: false, missing: false, error: `${where}: malformed TOML: ${first}` };
  }
}

/** What starts one GitLab runner service: its unit (system or user) and command. */
interface ServiceSource {
  unit: Unit | null;
  /** The user whose systemd user manager runs it (gitlab-runner install --user-service). */
  scopeUser?: string;
  exec: string[];
  /** Its service name ("gitlab-runner", a unit name, "docker:/srv/gitlab-runner/config"). */
  name: string;
  /** A config seen through a container's bind mount: the path is known, nothing else. */
  configPath?: string;
  origin?: string;
  writer?: Actor;
}

/**
 * One service's facts (checks.md "Where runner facts come from"): the
 * agent's [gitlab] config (primary service only), the unit's --config, the
 * service user's ~/.gitlab-runner when the service is not root,
 * /etc/gitlab-runner, then the job user's home.
 */
async function serviceFacts(env: FactEnv, src: ServiceSource, primary: boolean): Promise<GitlabFacts> {
  const { fs } = env.host;
  const { unit, exec } = src;
  const serviceUser = src.scopeUser ?? ((unit && unitValue(unit, 'Service', 'User')) || 'root');
  const userArg = argValue(exec, '--user', '-u');
  const users = await env.host.users();
  const serviceIsRoot = serviceUser === 'root' || serviceUser === '0';
  const jobUser = serviceIsRoot ? (userArg ?? 'root') : serviceUser;
  const workingDirectory = argValue(exec, '--working-directory', '-d') ?? (unit ? unitValue(unit, 'Service', 'WorkingDirectory') : undefined);
  const home = (name: string) => users.user(name)?.home ?? `/home/${name}`;

  const candidates: Array<[GitlabFacts['configSource'], string]> = [];
  if (primary && env.config.gitlab.config) candidates.push(['agent-config', env.config.gitlab.config]);
  if (src.configPath) candidates.push(['unit-argument', src.configPath]);
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
  const config = await readRunnerConfig(env, chosen[1], primary ? '' : `@${src.name}`, src.writer);
  const extra = { ...(src.origin ? { origin: src.origin } : {}), ...(src.writer ? { sourceWriter: src.writer } : {}) };
  return { unit, service: src.name, primary, serviceUser, userArg, jobUser, workingDirectory, configPath: chosen[1], configSource: chosen[0], config, ...extra };
}

/** A command that runs the runner's service loop: `gitlab-runner run` (also `gitlab-ci-multi-runner run`, `run-single` aside). */
export function runsGitlabRunner(argv: string[]): boolean {
  const bin = argv[0] ?? '';
  return /(^|\/)(gitlab-runner|gitlab-ci-multi-runner)$/.test(bin) && argv.slice(1).includes('run');
}

/** The documented layout of the runner in Docker: `-v /srv/gitlab-runner/config:/etc/gitlab-runner`. */
export const DOCKER_CONFIG = '/srv/gitlab-runner/config/config.toml';

/**
 * Every GitLab runner service on the host, gitlab-runner.service first (the
 * primary: the one checks.md and [gitlab] config speak of): each system or
 * user unit whose command runs `gitlab-runner run` (`install --service NAME
 * --config OTHER.toml`, `install --user-service`), with its own --config,
 * --working-directory and --user; and a runner in Docker whose bind-mounted
 * config is at the documented /srv/gitlab-runner/config; and an
 * /etc/init.d script running it (`init.d:NAME`). Each config's
 * runners are audited; those of services other than the primary carry
 * `@<service>` in their subject.
 */
export const gitlabServicesFact = defineFact<GitlabFacts[]>('gitlab-services', async (env) => {
  const { fs } = env.host;
  const sources: ServiceSource[] = [];
  const main = await loadUnit(fs, 'gitlab-runner.service');
  if (main) sources.push({ unit: main, exec: splitExecStart(unitValue(main, 'Service', 'ExecStart') ?? ''), name: 'gitlab-runner' });
  for (const u of await env.facts.get(serviceUnitsFact)) {
    if (u.scope === 'system' && u.unit.name === 'gitlab-runner.service') continue;
    if (!runsGitlabRunner(u.argv)) continue;
    const name = u.scope === 'system' ? u.unit.name.replace(/\.service$/, '') : `${u.scope.user}/${u.unit.name.replace(/\.service$/, '')}`;
    sources.push({ unit: u.unit, exec: u.argv, name, ...(u.scope === 'system' ? {} : { scopeUser: u.scope.user }) });
  }
  // `gitlab-runner install` on a host without systemd: kardianos/service's SysV script, run by init as root.
  for (const s of await initScripts(env)) {
    if (!runsGitlabRunner(s.argv)) continue;
    const name = `init.d:${s.path.slice(s.path.lastIndexOf('/') + 1)}`;
    sources.push({ unit: null, exec: s.argv, name, origin: `init script ${s.path}`, ...(s.writer ? { writer: s.writer } : {}) });
  }
  // A script someone else can write must not hide the packaged config from the audit by naming it first:
  // when every source is such a script, the defaults are read as before, and come first.
  const fallback = sources.length > 0 && sources.every((x) => x.writer);
  if (fallback) sources.unshift({ unit: null, exec: [], name: 'gitlab-runner' });
  const binary = (await Promise.all(BINARIES.map((b) => fs.exists(b)))).some(Boolean);
  const installed = (sources.length > 0 && !fallback) || binary;
  const out: GitlabFacts[] = [];
  if (sources.length === 0) {
    // No unit: the packaged defaults, as before (a binary, or a config alone).
    const f = await serviceFacts(env, { unit: null, exec: [], name: 'gitlab-runner' }, true);
    if (installed || f.config.ok || !f.config.missing) out.push(f);
  } else {
    for (const [i, src] of sources.entries()) {
      const f = await serviceFacts(env, src, i === 0);
      if (!(fallback && i === 0) || binary || f.config.ok || !f.config.missing) out.push(f);
    }
  }
  if ((await fs.lstat(DOCKER_CONFIG).catch(() => null)) && !out.some((f) => f.configPath === DOCKER_CONFIG)) {
    out.push(await serviceFacts(env, { unit: null, exec: [], name: 'docker:/srv/gitlab-runner/config', configPath: DOCKER_CONFIG }, out.length === 0));
  }
  // Two units naming one config are one set of runners: audited once, under the first. A script someone else
  // can write stays apart (its config read with the writer's rights): that it can be rewritten is the finding.
  const seen = new Set<string>();
  const key = (f: GitlabFacts) => `${f.sourceWriter ? `uid ${f.sourceWriter.uid}:` : ''}${f.configPath}`;
  return out.filter((f) => (seen.has(key(f)) ? false : (seen.add(key(f)), true)));
});

/** The primary GitLab runner service (gitlab-runner.service, else the first found); null when there is no GitLab Runner at all. */
export const gitlabFacts = defineFact<GitlabFacts | null>('gitlab', async (env) => (await env.facts.get(gitlabServicesFact))[0] ?? null);
