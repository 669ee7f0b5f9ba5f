import { defineFact, type FactDef, type FactEnv } from './index.js';
import { parseSshdConfig, SSHD_CONFIG, TRACKED, type Directive, type Tracked } from './sshd-config.js';

export const SSHD_BINARY = '/usr/sbin/sshd';

const DEFAULTS: Record<Tracked, string[]> = {
  permitrootlogin: ['prohibit-password'],
  passwordauthentication: ['yes'],
  authorizedkeysfile: ['.ssh/authorized_keys', '.ssh/authorized_keys2'],
};

export interface SshdSetting {
  value: string[];
  /** "file:line", "default" or "sshd -T". */
  origin: string;
}

export interface SshdState {
  /** /usr/sbin/sshd or /etc/ssh/sshd_config exists. */
  installed: boolean;
  /** Where the values come from: "sshd -T", or the parsed files. */
  source: string;
  /** Why the live `sshd -T` was not used. */
  fallback?: string;
  settings: Record<Tracked, SshdSetting>;
  /** Tracked keywords set in Match blocks that do not apply here (evidence). */
  inactive: Directive[];
  /** The config cannot be read or sshd would refuse it ("file:line: ..."). */
  error?: string;
}

/** `sshd -T` output: "keyword value..." lines, keywords in lower case. */
function fromSshdT(stdout: string): Record<Tracked, string[]> {
  const out: Record<Tracked, string[]> = { permitrootlogin: [], passwordauthentication: [], authorizedkeysfile: ['none'] };
  for (const line of stdout.split('\n')) {
    const [k, ...v] = line.trim().split(/\s+/);
    if (k && (TRACKED as readonly string[]).includes(k)) out[k as Tracked] = v;
  }
  // sshd prints prohibit-password by its old name.
  out.permitrootlogin = out.permitrootlogin.map((v) => (v === 'without-password' ? 'prohibit-password' : v));
  return out;
}

async function load(env: FactEnv, user?: string): Promise<SshdState> {
  const { fs } = env.host;
  const [binary, config] = await Promise.all([fs.exists(SSHD_BINARY), fs.exists(SSHD_CONFIG)]);
  const users = await env.host.users();
  const matchUser = user ? { name: user, groups: users.groupsOf(user).map((g) => g.name) } : undefined;
  const parsed = await parseSshdConfig(fs, users, SSHD_CONFIG, matchUser);
  const fromFiles = (k: Tracked): SshdSetting => {
    const d = parsed.values.get(k);
    return d ? { value: d.args, origin: `${d.file}:${d.line}` } : { value: DEFAULTS[k], origin: 'default' };
  };
  const included = parsed.files.length - 1;
  const state: SshdState = {
    installed: binary || config,
    source: config ? `${SSHD_CONFIG}${included > 0 ? ` (+ ${included} included file${included > 1 ? 's' : ''})` : ''}` : `sshd defaults (no ${SSHD_CONFIG})`,
    settings: { permitrootlogin: fromFiles('permitrootlogin'), passwordauthentication: fromFiles('passwordauthentication'), authorizedkeysfile: fromFiles('authorizedkeysfile') },
    inactive: parsed.inactive,
    error: parsed.errors.length ? parsed.errors.join('; ') : undefined,
  };
  if (!env.host.live || !binary) return state;
  // The running sshd's own view: exact, when it can read its config and host keys.
  const argv = [SSHD_BINARY, '-T', ...(user ? ['-C', `user=${user}`] : [])];
  const r = await env.host.exec(argv, { timeoutMs: 10_000 });
  if (r.failure || r.exitCode !== 0) {
    const why = r.message ?? (r.stderr.trim().split('\n')[0] || `exit code ${r.exitCode}`);
    return { ...state, fallback: `${argv.join(' ')} failed (${why.slice(0, 200)}); values parsed from the files` };
  }
  const live = fromSshdT(r.stdout);
  const settings = { ...state.settings };
  for (const k of TRACKED) {
    const same = live[k].join(' ') === settings[k].value.join(' ');
    settings[k] = { value: live[k], origin: same ? `${settings[k].origin}, confirmed by sshd -T` : 'sshd -T' };
  }
  return { ...state, source: argv.join(' '), settings, error: undefined };
}

/** Global sshd settings (what `sshd -T` prints). */
export const sshdFact = defineFact<SshdState>('sshd', (env) => load(env));

/** Settings for a login as `user` (Match User/Group applied, like `sshd -T -C user=<user>`). */
export function sshdForUser(user: string): FactDef<SshdState> {
  return defineFact<SshdState>(`sshd:user:${user}`, (env) => load(env, user));
}
