import { describeCode, isHostError, type Host, type HostFs } from '../host/index.js';
import { withTarget } from '../host/safe-path.js';
import { readRegularTextSync } from '../host/tree-fs.js';
import { defineFact } from './index.js';
import { parseEnvFile } from './github.js';
import { loadUnit, parseUnitText, splitCommandLine, splitExecStart, UNIT_DIRS, unitValue, unitValues, type Unit } from './systemd.js';

/** Units read per scope at most: a unit dir of a job's making cannot make the audit read without end. */
export const MAX_UNITS = 4000;
/** Users whose ~/.config/systemd/user is looked at, at most. */
const MAX_USER_HOMES = 2000;

/** An EnvironmentFile= of a unit: where it is, and what it set (null when it could not be read). */
export interface EnvFileRef {
  path: string;
  /** `EnvironmentFile=-...`: a missing file is fine. */
  optional: boolean;
  vars: Map<string, string> | null;
  error?: string;
}

/** A service unit and the command it starts, as systemd would run it. */
export interface ServiceUnit {
  unit: Unit;
  /** 'system', or the user whose `systemctl --user` manager runs it. */
  scope: 'system' | { user: string };
  /** ExecStart= with Environment=/EnvironmentFile= variables substituted (systemd.service(5) "Command lines"). */
  argv: string[];
  /** ExecStart= as written. */
  rawExec: string;
  environment: Map<string, string>;
  envFiles: EnvFileRef[];
  /** User= (system units); the owning user for user units; undefined means root. */
  user?: string;
  /** Where this unit came from, for evidence. */
  label: string;
}

/**
 * Substitutes `${VAR}` (one word) and `$VAR` (split on whitespace) in an
 * already-split ExecStart, as systemd does; `$$` is a literal `$`.
 * Unknown variables expand to nothing.
 */
export function expandExec(words: string[], env: Map<string, string>): string[] {
  const out: string[] = [];
  for (const w of words) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w);
    if (whole) {
      out.push(...splitCommandLine(env.get(whole[1]!) ?? ''));
      continue;
    }
    out.push(w.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a?: string, b?: string) => (m === '$$' ? '$' : (env.get((a ?? b)!) ?? ''))));
  }
  return out;
}

/** Environment= assignments ("A=1" "B=two words"), in order. */
function environmentOf(unit: Unit): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of unitValues(unit, 'Service', 'Environment')) {
    for (const word of splitCommandLine(line)) {
      const eq = word.indexOf('=');
      if (eq > 0) env.set(word.slice(0, eq), word.slice(eq + 1));
    }
  }
  return env;
}

/**
 * EnvironmentFile= of a unit. A user manager reads them with that user's
 * rights: a user unit naming a file the user could not read (root's
 * secrets) gets nothing from it, and links the user made are not followed.
 */
async function readEnvFiles(host: Host, unit: Unit, scope: ServiceUnit['scope']): Promise<EnvFileRef[]> {
  const out: EnvFileRef[] = [];
  const uid = scope === 'system' ? 0 : (await host.users()).user(scope.user)?.uid;
  for (const raw of unitValues(unit, 'Service', 'EnvironmentFile')) {
    const optional = raw.startsWith('-');
    const path = raw.replace(/^-/, '').trim();
    if (!path.startsWith('/')) continue;
    if (uid !== 0) {
      const st = await host.fs.lstat(path).catch(() => null);
      const readable = st && st.kind === 'file' && (st.uid === uid || (st.mode & 0o004) !== 0);
      const text = readable ? await readUserFile(host, path) : null;
      out.push({ path, optional, vars: text === null ? (st ? null : new Map()) : parseEnvFile(text), ...(st && text === null ? { error: `${path}: not readable by ${(scope as { user: string }).user}` } : {}) });
      continue;
    }
    try {
      out.push({ path, optional, vars: parseEnvFile(await host.fs.readText(path, { maxBytes: 256 * 1024 })) });
    } catch (err) {
      const missing = isHostError(err, 'ENOENT');
      out.push({ path, optional, vars: missing ? new Map() : null, ...(missing ? {} : { error: `${path}: ${isHostError(err) ? describeCode(err.code) : String(err)}` }) });
    }
  }
  return out;
}

async function serviceUnit(host: Host, unit: Unit, scope: ServiceUnit['scope']): Promise<ServiceUnit | null> {
  const rawExec = unitValue(unit, 'Service', 'ExecStart');
  if (!rawExec) return null;
  const envFiles = await readEnvFiles(host, unit, scope);
  // EnvironmentFile= wins over Environment= for the same name (systemd.exec(5)).
  const environment = environmentOf(unit);
  for (const f of envFiles) for (const [k, v] of f.vars ?? []) environment.set(k, v);
  const argv = expandExec(splitExecStart(rawExec), environment);
  const user = scope === 'system' ? unitValue(unit, 'Service', 'User') || undefined : scope.user;
  const label = scope === 'system' ? `unit ${unit.path}` : `user unit ${unit.path} (systemctl --user of ${scope.user})`;
  return { unit, scope, argv, rawExec, environment, envFiles, user, label };
}

async function names(fs: HostFs, dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((e) => e.kind !== 'dir' && e.name.endsWith('.service') && !e.name.includes('@.')).map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * A file of a user's unit dir, read without following any link the user
 * could make (a unit that is a link to /etc/shadow is refused, not read).
 */
async function readUserFile(host: Host, target: string): Promise<string | null> {
  try {
    return await withTarget(host, target, (loc) => readRegularTextSync(loc.at, loc.label, 256 * 1024));
  } catch {
    return null;
  }
}

/** A user unit from `~/.config/systemd/user`, with drop-ins from its `.d` dir. */
async function loadUserUnit(host: Host, dir: string, name: string): Promise<Unit | null> {
  const text = await readUserFile(host, `${dir}/${name}`);
  if (text === null) return null;
  const sections = parseUnitText(text);
  const dropIns: string[] = [];
  const dropDir = `${dir}/${name}.d`;
  const confs = (await host.fs.readdir(dropDir).catch(() => [])).filter((x) => x.kind === 'file' && x.name.endsWith('.conf')).map((x) => x.name).sort();
  for (const c of confs) {
    const t = await readUserFile(host, `${dropDir}/${c}`);
    if (t === null) continue;
    parseUnitText(t, sections);
    dropIns.push(`${dropDir}/${c}`);
  }
  return { name, path: `${dir}/${name}`, dropIns, sections };
}

/**
 * Every service unit with an ExecStart: the system units (every unit dir,
 * highest precedence first) and each user's systemd user units
 * (`~/.config/systemd/user/*.service`, as `gitlab-runner install
 * --user-service` writes them). What runs as a runner is told by the
 * command, not by the unit's name.
 */
export const serviceUnitsFact = defineFact<ServiceUnit[]>('service-units', async (env) => {
  const { fs } = env.host;
  const out: ServiceUnit[] = [];
  const system = new Set<string>();
  for (const dir of UNIT_DIRS) for (const n of await names(fs, dir)) if (system.size < MAX_UNITS) system.add(n);
  for (const n of [...system].sort()) {
    if (env.signal.aborted) break;
    const unit = await loadUnit(fs, n).catch(() => null);
    const s = unit && (await serviceUnit(env.host, unit, 'system'));
    if (s) out.push(s);
  }
  const users = await env.host.users();
  let homes = 0;
  for (const u of users.users) {
    if (u.uid === 0 || !u.home || u.home === '/' || homes >= MAX_USER_HOMES) continue;
    const dir = `${u.home.replace(/\/+$/, '')}/.config/systemd/user`;
    const found = await names(fs, dir);
    if (found.length === 0) continue;
    homes++;
    for (const n of found.slice(0, MAX_UNITS)) {
      const unit = await loadUserUnit(env.host, dir, n);
      const s = unit && (await serviceUnit(env.host, unit, { user: u.name }));
      if (s) out.push(s);
    }
  }
  return out;
});
