import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import type { ActionsRunner } from '../../agent/facts/github.js';
import { splitExecStart, unitValue, unitValues } from '../../agent/facts/systemd.js';
import type { FileStat, HostFs, UserDb } from '../../agent/host/index.js';
import { isHostError } from '../../agent/host/index.js';
import { REF } from '../references.js';
import { forEachActionsRunner, jobUserOf, modeOwner, unitEvidence } from './actions-runners.js';

const HOOKS = ['ACTIONS_RUNNER_HOOK_JOB_STARTED', 'ACTIONS_RUNNER_HOOK_JOB_COMPLETED'];
const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/** Whether `user` may write to a file or dir with this stat (root may write anything). */
export function writableBy(users: UserDb, user: string, st: FileStat): boolean {
  const u = users.user(user);
  if (!u) return true; // unknown user: nothing is ruled out
  if (u.uid === 0) return true;
  if (st.uid === u.uid) return (st.mode & 0o200) !== 0;
  if (users.groupsOf(u.name).some((g) => g.gid === st.gid)) return (st.mode & 0o020) !== 0;
  return (st.mode & 0o002) !== 0;
}

/** What the dir and its .runner are, unfollowed: why discovery could not tell the user. */
async function ownersEvidence(fs: HostFs, users: UserDb, r: ActionsRunner): Promise<string[]> {
  const out: string[] = [];
  for (const p of [r.dir, `${r.dir}/.runner`]) {
    const st = await fs.lstat(p).catch((err: unknown) => (isHostError(err) ? err.code : 'EIO'));
    out.push(`${p}: ${st === null ? 'missing' : typeof st === 'string' ? `cannot be looked at (${st})` : st.kind === 'symlink' ? 'a symlink' : modeOwner(st, users)}`);
  }
  return out;
}

/** The unit's Environment= assignments, for hook paths set there. */
function unitEnv(r: ActionsRunner): Map<string, string> {
  const out = new Map<string, string>();
  if (!r.unit) return out;
  for (const line of unitValues(r.unit, 'Service', 'Environment')) {
    for (const word of splitExecStart(line)) {
      const eq = word.indexOf('=');
      if (eq > 0) out.set(word.slice(0, eq), word.slice(eq + 1));
    }
  }
  return out;
}

export default defineCheck({
  meta: {
    id: 'RG-GHA-004',
    title: 'Actions runner control files are out of the job\'s reach and switch no protection off',
    severity: 'high',
    area: 'github',
    rationale:
      "The listener reads .env and .path when it starts, and runs the job hook scripts before and after every job. A job that can write them, or the dir that holds them, plants code and variables into every later job and every restart. In .env, GITHUB_ACTIONS_RUNNER_TLS_NO_VERIFY turns TLS checking off and ACTIONS_ALLOW_UNSECURE_COMMANDS lets job output set variables and PATH. A runner registered with --disableupdate never updates itself: it must be updated by hand, and GitHub stops sending jobs to versions past their support window.",
    references: [
      REF.ghaSecurity,
      'https://docs.github.com/en/actions/hosting-your-own-runners/running-scripts-before-or-after-a-job',
      'https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/autoscaling-with-self-hosted-runners#controlling-runner-software-updates-on-self-hosted-runners',
    ],
    reads: [
      '<runner dir>/.env (KEY=VALUE), .path, the ACTIONS_RUNNER_HOOK_JOB_STARTED/COMPLETED scripts it or the unit names (mode, owner, their dirs)',
      '<runner dir>/.runner ("disableUpdate"); actions.runner.*.service ExecStart, User=, Environment=',
      'the user jobs run as, as discovery found it: User= of the unit; without one the uid of its running Runner.Listener (/proc, live), else the owner of the dir and its .runner when they agree',
      '/etc/passwd, /etc/group of the target',
    ],
    remediation: {
      summary:
        'Make .env, .path and the hook scripts root\'s (chown root:root, chmod 0644 / 0755) in a dir the runner user cannot write (keep _work and _diag its own); remove GITHUB_ACTIONS_RUNNER_TLS_NO_VERIFY and ACTIONS_ALLOW_UNSECURE_COMMANDS from .env; re-register without --disableupdate, or update the runner yourself within GitHub\'s support window.',
    },
  },
  async run(ctx) {
    const users = await ctx.host.users();
    const { fs } = ctx.host;
    return forEachActionsRunner(ctx, async (r): Promise<FindingDraft> => {
      const who = jobUserOf(r);
      if (!who) {
        return verdict.error(
          r.subject,
          `the user its jobs run as is unknown: no unit names one, no running Runner.Listener of it was seen, and ${r.dir} is not a dir whose owner also owns its .runner`,
          [unitEvidence(r), ...(await ownersEvidence(fs, users, r))],
        );
      }
      const { user } = who;
      const fail: string[] = [];
      const warn: string[] = [];
      const evidence: string[] = [`jobs run as ${user}: ${who.from}`];
      const env = new Map([...unitEnv(r), ...r.env]);
      const targets: Array<[path: string, what: string]> = [[`${r.dir}/.env`, '.env'], [`${r.dir}/.path`, '.path']];
      for (const k of HOOKS) {
        const p = env.get(k)?.trim();
        if (p) targets.push([p.startsWith('/') ? p : `${r.dir}/${p}`, `the ${k} hook`]);
      }
      for (const [path, what] of targets) {
        const dir = path.slice(0, path.lastIndexOf('/')) || '/';
        let st: FileStat | null;
        let dst: FileStat | null;
        try {
          st = await fs.lstat(path);
          dst = await fs.stat(dir);
        } catch (err) {
          fail.push(`${what} could not be looked at (${isHostError(err) ? err.code : 'EIO'}): a job may have planted it`);
          continue;
        }
        const dirOpen = dst !== null && writableBy(users, user, dst) && !((dst.mode & 0o1000) !== 0 && st !== null && st.uid !== users.user(user)?.uid);
        const fileOpen = st !== null && st.kind !== 'symlink' && writableBy(users, user, st);
        if (st) evidence.push(`${path}: ${st.kind === 'symlink' ? 'a symlink' : modeOwner(st, users)}; dir ${dir}: ${dst ? modeOwner(dst, users) : 'missing'}`);
        if (st?.kind === 'symlink') fail.push(`${what} is a symlink: whoever controls its target controls what the runner reads`);
        else if (fileOpen || dirOpen) fail.push(`${user} (the job user) can ${st ? 'rewrite' : 'create'} ${what}${dirOpen && !fileOpen ? ` through its dir ${dir}` : ''}`);
      }
      if (r.envError) fail.push(`.env could not be read (${r.envError}): what it sets is unknown`);
      if (truthy(r.env.get('GITHUB_ACTIONS_RUNNER_TLS_NO_VERIFY'))) fail.push('.env sets GITHUB_ACTIONS_RUNNER_TLS_NO_VERIFY: the runner accepts any TLS certificate');
      if (truthy(r.env.get('ACTIONS_ALLOW_UNSECURE_COMMANDS'))) fail.push('.env sets ACTIONS_ALLOW_UNSECURE_COMMANDS: job output can set variables and PATH with set-env/add-path');
      const exec = r.unit ? splitExecStart(unitValue(r.unit, 'Service', 'ExecStart') ?? '') : [];
      if (r.settings?.disableUpdate === true || exec.includes('--disableupdate')) {
        warn.push('registered with --disableupdate: the runner never updates itself, so security fixes wait for you');
        evidence.push(`${r.dir}/.runner: "disableUpdate": ${JSON.stringify(r.settings?.disableUpdate ?? null)}`);
      }
      if (fail.length) return verdict.fail(r.subject, [...fail, ...warn].join('; '), evidence);
      if (warn.length) return verdict.warn(r.subject, warn.join('; '), evidence);
      return verdict.pass(r.subject, 'the job user cannot write .env, .path or the job hooks, and nothing in .env switches a protection off', evidence);
    });
  },
});
