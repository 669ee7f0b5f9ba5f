import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { agentArgs, optValue, secretOf, type JenkinsAgent } from '../../agent/facts/jenkins.js';
import { describeCode, isHostError, type FileStat, type UserDb } from '../../agent/host/index.js';
import { REF } from '../references.js';
import { agentEvidence, forEachJenkinsAgent } from './agents.js';

const mode = (st: FileStat) => st.mode.toString(8).padStart(4, '0');
const exposedTo = (st: FileStat) => [st.mode & 0o040 ? 'group' : '', st.mode & 0o004 ? 'others' : ''].filter(Boolean).join(' and ');

/** Where an inline secret of a unit-started agent is written: the unit text, a drop-in, or an EnvironmentFile. */
async function inlineSources(ctx: CheckContext, a: JenkinsAgent, secret: string): Promise<string[]> {
  const out: string[] = [];
  if (!a.unit) return out;
  for (const f of [a.unit.unit.path, ...a.unit.unit.dropIns]) {
    const text = await ctx.host.fs.readText(f, { maxBytes: 1024 * 1024 }).catch(() => '');
    if (!text.includes(secret)) continue;
    const st = await ctx.host.fs.stat(f).catch(() => null);
    out.push(`${f}${st ? ` (mode ${mode(st)}${exposedTo(st) ? `, readable by ${exposedTo(st)}` : ''})` : ''}`);
  }
  for (const e of a.unit.envFiles) {
    if (![...(e.vars ?? new Map<string, string>()).values()].some((v) => v.includes(secret))) continue;
    const st = await ctx.host.fs.stat(e.path).catch(() => null);
    out.push(`EnvironmentFile ${e.path}${st ? ` (mode ${mode(st)}${exposedTo(st) ? `, readable by ${exposedTo(st)}` : ''})` : ''}`);
  }
  for (const [k, v] of a.unit.environment) if (v === secret && !out.some((o) => o.startsWith('EnvironmentFile'))) out.push(`Environment=${k} in ${a.unit.unit.path}`);
  return out;
}

/**
 * What to do: a unit that no longer passes the secret inline (the fix was
 * applied) has an agent started before it: only a restart takes the new
 * command line, and runnerguard never restarts it (its builds would end).
 */
function todo(a: JenkinsAgent): string {
  if (!a.unit || a.secret.kind === 'inline') return 'use -secret @file with a 0600 file';
  const how = a.unit.scope === 'system' ? `systemctl restart ${a.unit.unit.name}` : `systemctl --user restart ${a.unit.unit.name}, as ${a.unit.scope.user}`;
  const now = a.secret.kind === 'file' ? `passes -secret @${a.secret.path}` : 'passes no secret';
  return `its unit now ${now}, but the agent was started before: restart it (${how}; its running builds end)`;
}

async function judgeFile(ctx: CheckContext, a: JenkinsAgent, path: string, users: UserDb, evidence: string[]): Promise<FindingDraft> {
  // A relative @file is read from the agent's working directory.
  const cwd = a.unit?.unit.sections.get('Service')?.get('WorkingDirectory')?.at(-1) ?? users.user(a.user)?.home ?? '/';
  const full = path.startsWith('/') ? path : `${cwd.replace(/^-/, '').replace(/\/+$/, '')}/${path}`;
  let st: FileStat | null;
  try {
    st = await ctx.host.fs.lstat(full);
  } catch (err) {
    return verdict.error(a.subject, `${full}: ${isHostError(err) ? describeCode(err.code) : String(err)}; cannot tell who can read the agent secret`, evidence);
  }
  if (!st) return verdict.warn(a.subject, `-secret @${path}: ${full} does not exist: the agent cannot connect`, evidence);
  const agentUid = users.user(a.user)?.uid;
  evidence.push(`${full}: mode ${mode(st)} owner ${users.userName(st.uid)}:${users.groupName(st.gid)}`);
  if (st.kind !== 'file') return verdict.fail(a.subject, `the secret file ${full} is a ${st.kind}, not a regular file: whoever made it decides what the agent reads`, evidence);
  const problems: string[] = [];
  if (st.mode & 0o044) problems.push(`readable by ${exposedTo(st)}`);
  if (st.uid !== 0 && st.uid !== agentUid) problems.push(`owned by ${users.userName(st.uid)}, neither root nor the agent user ${a.user}`);
  if (problems.length) return verdict.fail(a.subject, `the agent secret file ${full} is ${problems.join('; ')}: whoever reads it can connect as this agent and receive its jobs and their credentials`, evidence);
  return verdict.pass(a.subject, `the secret is read from ${full} (-secret @file, mode ${mode(st)})`, evidence);
}

export default defineCheck({
  meta: {
    id: 'RG-JENKINS-002',
    title: 'Jenkins agent secret is not exposed',
    severity: 'high',
    area: 'jenkins',
    rationale:
      'The inbound agent secret is all it takes to connect to the controller as this agent: whoever has it receives the jobs scheduled here, with their credentials, and can feed back forged results. On a command line it is in /proc/PID/cmdline and `ps` for every local user, build steps included; in a 0644 unit or /etc/default file anyone can read it.',
    references: [REF.jenkinsInbound, REF.guideJenkinsAgent, REF.modelSecrets],
    reads: [
      'agent units (+ drop-ins) and their EnvironmentFile=/Environment=: -secret',
      '/proc/*/cmdline of running agents (live)',
      'the -secret @file: mode and owner',
    ],
    remediation: {
      summary:
        'Write the secret to a file only root and the agent user can read, and start the agent with -secret @file from a drop-in; make the unit, drop-in or EnvironmentFile that held it root-only. `runnerguard fix` does this for a system unit: /etc/jenkins-agent/<unit>.secret (0600, owned by the agent\'s User=, since remoting reads @file as that user), /etc/systemd/system/<unit>.d/runnerguard-secret.conf (ExecStart= reset, then the same command with -secret @file), chmod go-rwx of the files that held the secret, daemon-reload on a live host; it does not restart the agent (its builds would end): restart it yourself. The journal keeps the before-state, secret included, in the root-only state dir. The secret has been exposed: if others could read it, rename the agent on the controller (the secret follows the name).',
      automated: 'RG-JENKINS-002',
    },
  },
  async run(ctx) {
    const users = await ctx.host.users();
    return forEachJenkinsAgent(ctx, async (a) => {
      const evidence = agentEvidence(a);
      // What runs now wins over what the unit says: a process started by hand shows its own command line.
      const running = a.processes.map((p) => ({ p, s: secretOf(agentArgs(p.argv) ?? []) })).find((x) => x.s.kind === 'inline');
      if (a.secret.kind === 'inline' || running) {
        const secret = a.secret.kind === 'inline' ? a.secret.value : (running!.s as { value: string }).value;
        const where = await inlineSources(ctx, a, secret);
        const cmdline = running ? `the command line of pid ${running.p.pid} (/proc/${running.p.pid}/cmdline, shown by ps to every local user)` : 'the agent\'s command line once it runs (/proc/PID/cmdline, shown by ps to every local user)';
        evidence.push(...where.map((w) => `secret in ${w}`), `-secret on ${cmdline}`);
        const files = where.length ? `; it is also written in ${where.join(', ')}` : '';
        return verdict.fail(a.subject, `the agent secret is passed on ${running ? `the command line of pid ${running.p.pid}` : 'the command line'}, readable by every local user and build step${files}; ${todo(a)}`, evidence);
      }
      if (a.secret.kind === 'file') return judgeFile(ctx, a, a.secret.path, users, evidence);
      const how = optValue(a.args, '-jnlpCredentials') ? ' (-jnlpCredentials)' : '';
      return verdict.pass(a.subject, `no secret on its command line${how}: the agent is launched by the controller or authenticates otherwise`, evidence);
    });
  },
});
