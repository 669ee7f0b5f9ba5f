import path from 'node:path';
import { agentArgs, jenkinsAgentsFact, secretOf, type JenkinsAgent } from '../../agent/facts/jenkins.js';
import { loadUnit, unitValue, unitValues } from '../../agent/facts/systemd.js';
import type { Host } from '../../agent/host/index.js';
import { overlayFs } from '../../agent/remediate/overlay-fs.js';
import { defineRemediation, type Plan, type Refusal, type Step } from '../../agent/remediate/types.js';
import { dropInText, PLAIN_TOKEN, rewriteExec, SAFE_UNIT } from './secret-exec.js';
import { systemdDropIns, unseenDropIns } from './systemd-drop-ins.js';

const ID = 'RG-JENKINS-002';
/** Root's own dir in /etc: 0755 so the agent user can reach its one file, which only it (and root) can read. */
export const SECRET_DIR = '/etc/jenkins-agent';
export const secretPath = (unit: string) => `${SECRET_DIR}/${unit.replace(/\.service$/, '')}.secret`;
export const dropInPath = (unit: string) => `/etc/systemd/system/${unit}.d/runnerguard-secret.conf`;

/**
 * Why `dir` (or, when missing, the nearest dir above it) is not root's alone:
 * every existing component a real directory owned by root, writable by no one
 * else. A job that owns a unit dir could swap what we write there.
 */
async function notRootControlled(host: Host, dir: string): Promise<string | null> {
  for (let d = dir; ; d = path.posix.dirname(d)) {
    const st = await host.fs.lstat(d).catch(() => null);
    if (st && (st.kind !== 'dir' || st.uid !== 0 || st.mode & 0o022)) return `${d} is ${st.kind !== 'dir' ? `a ${st.kind}` : st.uid !== 0 ? `owned by uid ${st.uid}` : 'writable by group or others'}, not root's alone`;
    if (d === '/') return null;
  }
}

/** Files that hold the secret (the unit, its drop-ins, EnvironmentFile=s), and the chmod each needs to be root's alone. */
async function holders(host: Host, a: JenkinsAgent, secret: string): Promise<{ steps: Step[]; refused?: string }> {
  const u = a.unit!;
  const files = [u.unit.path, ...u.unit.dropIns];
  const paths: string[] = [];
  for (const f of files) if ((await host.fs.readText(f, { maxBytes: 1024 * 1024 }).catch(() => '')).includes(secret)) paths.push(f);
  for (const e of u.envFiles) if ([...(e.vars ?? new Map<string, string>()).values()].includes(secret)) paths.push(e.path);
  const steps: Step[] = [];
  for (const p of paths) {
    const st = await host.fs.lstat(p).catch(() => null);
    if (!st || st.kind !== 'file') return { steps, refused: `${p} holds the secret and is ${st ? `a ${st.kind}` : 'unreadable'}: tighten it by hand` };
    // A file another user owns may say anything by now; chowning it away from them is not ours to do.
    if (st.uid !== 0) return { steps, refused: `${p} holds the secret and is owned by uid ${st.uid}, not root: whoever owns it chose what the agent reads; move the secret by hand` };
    const dirWhy = await notRootControlled(host, path.posix.dirname(p));
    if (dirWhy) return { steps, refused: `${p} holds the secret, and ${dirWhy}` };
    if (st.mode & 0o077) steps.push({ op: 'chmod', path: p, mode: st.mode & 0o7700 });
  }
  return { steps };
}

async function planAgent(host: Host, a: JenkinsAgent): Promise<Plan | Refusal> {
  const refuse = (reason: string): Refusal => ({ remediation: ID, subject: a.subject, reason });
  const u = a.unit;
  if (!u || u.scope !== 'system') return refuse(u ? 'a user unit: only system units are fixed here; move the secret by hand' : 'started outside systemd: move the secret to a 0600 file and pass -secret @file by hand');
  if (!SAFE_UNIT.test(u.unit.name)) return refuse('its unit name has characters a path or ExecStart= would have to quote');
  if (a.secret.kind !== 'inline') return refuse(`the unit already passes -secret @${a.secret.kind === 'file' ? a.secret.path : '...'}; the running agent still shows the old secret: restart it (systemctl restart ${u.unit.name}); runnerguard does not, a restart ends its running builds`);
  const secret = a.secret.value;
  if (!PLAIN_TOKEN.test(secret)) return refuse('the secret is not a plain token of letters and digits: it is not written anywhere by this fix (an EnvironmentFile a job can write may have put shell or systemd syntax in it)');
  if (/^(yes|true|1)$/i.test(unitValue(u.unit, 'Service', 'DynamicUser') ?? '')) return refuse('DynamicUser=: the agent user exists only while it runs, so no file can be made its own; use LoadCredential= by hand');
  // systemd hands Environment= to any local user over D-Bus (`systemctl show -p Environment`), whatever the file mode; EnvironmentFile= contents it does not.
  if (unitValues(u.unit, 'Service', 'Environment').some((l) => l.includes(secret))) return refuse(`the secret is set with Environment= in the unit, which systemd shows to every local user (systemctl show -p Environment ${u.unit.name}) whatever the file mode: delete that line by hand, then run the fix again`);
  const users = await host.users();
  const user = users.user(a.user);
  if (!user) return refuse(`its user ${a.user} is not in the target's passwd: the secret file could not be made readable by it`);
  const file = secretPath(u.unit.name);
  const dropIn = dropInPath(u.unit.name);
  for (const dir of [SECRET_DIR, path.posix.dirname(dropIn)]) {
    const why = await notRootControlled(host, dir);
    if (why) return refuse(`${why}: nothing is written there`);
  }
  const dirSt = await host.fs.lstat(SECRET_DIR);
  if (dirSt && user.uid !== 0 && !(dirSt.mode & 0o001)) return refuse(`${SECRET_DIR} is mode ${dirSt.mode.toString(8)}: ${user.name} could not reach a file in it`);
  const existing = await host.fs.lstat(file);
  if (existing && (existing.kind !== 'file' || (await host.fs.readText(file, { maxBytes: 4096 }).catch(() => '')).trim() !== secret)) return refuse(`${file} exists already and is not this agent's secret: left alone`);
  const dropSt = await host.fs.lstat(dropIn);
  if (dropSt && dropSt.kind !== 'file') return refuse(`${dropIn} is a ${dropSt.kind}: nothing is written through it`);
  const rw = rewriteExec(u, secret, file);
  if ('refused' in rw) return refuse(rw.refused);
  const content = dropInText(rw.exec, file);
  // Drop-ins apply in name order: one sorting after ours that sets ExecStart= again would still win.
  const after = await loadUnit(overlayFs(host.fs, { [dropIn]: content }), u.unit.name);
  const execs = after ? unitValues(after, 'Service', 'ExecStart') : [];
  if (execs.length !== 1 || execs[0] !== rw.exec) return refuse(`with ${dropIn} in place the unit would still start ${execs.length} other ExecStart= (a drop-in sorting after ours sets it): edit that one by hand`);
  // A drop-in the facts could not read may set anything after ours; one another user can rewrite may undo ours at will.
  const doubt = u.unit.issues?.[0];
  if (doubt) return refuse(`systemd also applies ${doubt.path}, which ${doubt.kind === 'unread' ? 'could not be read' : 'a user other than root can rewrite'} (${doubt.reason}): it may set ExecStart= after ours or hold the secret; move the secret by hand`);
  // systemd reads unit files on daemon-reload; without systemd running there is nothing to tell.
  const systemd = host.live && (await host.fs.exists('/run/systemd/system'));
  if (systemd) {
    const applied = await systemdDropIns(host, u.unit.name);
    if ('error' in applied) return refuse(`which drop-ins systemd applies could not be read (${applied.error}): nothing is written`);
    const unseen = await unseenDropIns(host.fs, applied, u.unit.dropIns);
    if (unseen.length) return refuse(`systemd also applies ${unseen.join(', ')}, which this fix does not read: one may set ExecStart= after ours or hold the secret; move the secret by hand`);
  }
  const tighten = await holders(host, a, secret);
  if (tighten.refused) return refuse(tighten.refused);
  const steps: Step[] = [
    { op: 'writeFile', path: file, content: `${secret}\n`, mode: 0o600, uid: user.uid, gid: user.gid, secret: true, shownAs: `the agent secret (${secret.length} characters, not shown), readable by ${user.name} only` },
    { op: 'writeFile', path: dropIn, content, mode: 0o644, uid: 0, gid: 0 },
    ...tighten.steps,
  ];
  if (systemd) steps.push({ op: 'reload', argv: ['systemctl', 'daemon-reload'], why: `systemd reads the drop-in; the agent takes it at its next restart (systemctl restart ${u.unit.name})` });
  const via = rw.via.kind === 'variable' ? ` (was \${${rw.via.name}})` : '';
  return { remediation: ID, subject: a.subject, summary: `-secret @${file}${via} from a drop-in; the secret in a 0600 file of ${user.name}; the files that held it made root's alone`, steps };
}

export default defineRemediation({
  meta: {
    id: ID,
    title: 'Jenkins agent secret moved to a 0600 file of the agent user, passed as -secret @file from a unit drop-in',
    impact:
      'nothing is restarted: the running agent keeps the secret on its command line until you restart it (systemctl restart <unit>; its running builds end). The files that held the secret (unit, drop-in, EnvironmentFile) become readable by root only: `systemctl cat` then needs root, and systemd logs at each daemon-reload that the unit is "marked world-inaccessible" (it proceeds; it no longer shows the overridden command line). The secret was readable before: rename the agent on the controller to get a new one (it follows the name). The journal keeps the before-state, secret included, in the root-only state dir',
    restartsService: false,
    touches: [
      { op: 'writeFile', path: /^\/etc\/jenkins-agent\/[A-Za-z0-9_.:@-]+\.secret$/ },
      { op: 'writeFile', path: /^\/etc\/systemd\/system\/[A-Za-z0-9_.:@-]+\.service\.d\/runnerguard-secret\.conf$/ },
      // The unit, its drop-ins and EnvironmentFile=s: wherever an administrator put them, but never a job's tree.
      { op: 'chmod', path: /^\/(etc|lib|usr|run\/systemd|opt|srv)\// },
      { op: 'reload', argv: /^systemctl daemon-reload$/ },
    ],
  },
  async plan(ctx, findings) {
    const agents = await ctx.facts.get(jenkinsAgentsFact);
    const out: Array<Plan | Refusal> = [];
    for (const f of findings) {
      const a = agents.find((x) => x.subject === f.subject);
      if (!a) continue;
      // A secret file of the wrong mode or owner is a different fix (chmod/chown of the agent's own file): not planned here.
      if (a.secret.kind === 'file' && !a.processes.some((p) => secretOf(agentArgs(p.argv) ?? []).kind === 'inline')) {
        out.push({ remediation: ID, subject: f.subject, reason: `the agent reads -secret @${a.secret.path}: fix that file's mode or owner by hand (${f.message})` });
        continue;
      }
      out.push(await planAgent(ctx.host, a));
    }
    return out;
  },
});
