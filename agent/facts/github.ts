import { describeCode, isHostError, type FileStat } from '../host/index.js';
import { defineFact } from './index.js';
import { discoverRunnerDirs, type RunnerDirOrigin } from './github-discovery.js';
import { findUnits, loadUnit, splitExecStart, unitValue, type Unit } from './systemd.js';

export interface ActionsRunner {
  /** The runner directory (holds .runner, .credentials, .env). */
  dir: string;
  subject: string;
  unit: Unit | null;
  /**
   * Who runs it: User= of the unit (undefined when the unit has none: root);
   * without a unit, the uid of its running Runner.Listener, else the owner
   * of the runner dir (config.sh and the runner write it as that user).
   */
  user?: string;
  /** How `user` was found, for evidence ("User= of the unit", "owner of /home/runner"). */
  userFrom?: string;
  /** How the runner dir was found. */
  origin: RunnerDirOrigin;
  /** Parsed .runner; null when missing or broken (then settingsError says why). */
  settings: Record<string, unknown> | null;
  settingsError?: string;
  /** KEY=VALUE pairs of .env (empty when missing). */
  env: Map<string, string>;
  envError?: string;
  /** stat null: missing, or not readable when `error` says why. */
  credentials: Array<{ path: string; stat: FileStat | null; error?: string }>;
  /** Started with --once / --jitconfig (ephemeral by invocation). */
  ephemeralArgs: boolean;
}

export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, '$2'));
  }
  return out;
}

function dirOfUnit(unit: Unit): string | undefined {
  const wd = unitValue(unit, 'Service', 'WorkingDirectory');
  if (wd) return wd.replace(/^-/, '');
  const exec = splitExecStart(unitValue(unit, 'Service', 'ExecStart') ?? '');
  const bin = exec[0];
  return bin && bin.includes('/') ? bin.slice(0, bin.lastIndexOf('/')) || '/' : undefined;
}

/** Self-hosted Actions runners: from actions.runner.*.service units and [github] runner_dirs. */
export const githubFacts = defineFact<ActionsRunner[]>('github', async (env) => {
  const { fs } = env.host;
  const found = new Map<string, Unit | null>();
  const origins = new Map<string, RunnerDirOrigin>();
  for (const name of await findUnits(fs, (n) => /^actions\.runner\..+\.service$/.test(n))) {
    const unit = await loadUnit(fs, name);
    const dir = unit && dirOfUnit(unit);
    if (unit && dir) {
      found.set(dir.replace(/\/+$/, ''), unit);
      origins.set(dir.replace(/\/+$/, ''), { kind: 'unit' });
    }
  }
  for (const d of env.config.github.runner_dirs) {
    const dir = d.replace(/\/+$/, '');
    if (!found.has(dir)) {
      found.set(dir, null);
      origins.set(dir, { kind: 'config' });
    }
  }
  for (const [dir, origin] of await discoverRunnerDirs(env)) {
    // A running listener tells its user even for a dir the config lists.
    if (!found.has(dir) || (origin.kind === 'process' && found.get(dir) === null)) {
      found.set(dir, found.get(dir) ?? null);
      origins.set(dir, origin);
    }
  }
  const users = await env.host.users();
  const runners: ActionsRunner[] = [];
  for (const [dir, unit] of found) {
    const exec = unit ? splitExecStart(unitValue(unit, 'Service', 'ExecStart') ?? '') : [];
    let settings: ActionsRunner['settings'] = null;
    let settingsError: string | undefined;
    try {
      const doc = JSON.parse(await fs.readText(`${dir}/.runner`, { maxBytes: 1024 * 1024 })) as unknown;
      if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) settings = doc as Record<string, unknown>;
      else settingsError = `${dir}/.runner: not a JSON object`;
    } catch (err) {
      if (isHostError(err)) settingsError = err.code === 'ENOENT' ? undefined : `${dir}/.runner: ${describeCode(err.code)}`;
      else settingsError = `${dir}/.runner: invalid JSON (${(err as Error).message})`;
    }
    let envMap = new Map<string, string>();
    let envError: string | undefined;
    try {
      envMap = parseEnvFile(await fs.readText(`${dir}/.env`, { maxBytes: 1024 * 1024 }));
    } catch (err) {
      if (!isHostError(err, 'ENOENT')) envError = `${dir}/.env: ${isHostError(err) ? describeCode(err.code) : String(err)}`;
    }
    const credentials = [];
    for (const f of ['.credentials', '.credentials_rsaparams']) {
      const path = `${dir}/${f}`;
      // Unreadable is not missing: the error is kept for the checks to say so.
      try {
        credentials.push({ path, stat: await fs.stat(path) });
      } catch (err) {
        credentials.push({ path, stat: null, error: isHostError(err) ? describeCode(err.code) : String(err) });
      }
    }
    const origin = origins.get(dir) ?? { kind: 'config' as const };
    let user = unit ? unitValue(unit, 'Service', 'User') : undefined;
    let userFrom = unit ? `User= of ${unit.path}` : undefined;
    if (!unit && origin.kind === 'process') {
      user = users.userName(origin.euid);
      userFrom = `its Runner.Listener (pid ${origin.pid}) runs as uid ${origin.euid}`;
    } else if (!unit) {
      // config.sh runs as the user who unpacked the runner into a dir of theirs and writes .runner as them:
      // the two owners agree on a real install, and only then say who runs it.
      const [st, rf] = await Promise.all([fs.lstat(dir).catch(() => null), fs.lstat(`${dir}/.runner`).catch(() => null)]);
      if (st?.kind === 'dir' && (!rf || rf.uid === st.uid)) {
        user = users.userName(st.uid);
        userFrom = `owner of ${dir}${rf ? ' and of its .runner' : ''} (no unit names a user)`;
      }
    }
    runners.push({
      dir,
      subject: `github-runner:${dir}`,
      unit,
      user,
      userFrom,
      origin,
      settings,
      settingsError,
      env: envMap,
      envError,
      credentials,
      ephemeralArgs: exec.some((a) => a === '--once' || a === '--ephemeral' || a.startsWith('--jitconfig')),
    });
  }
  return runners;
});
