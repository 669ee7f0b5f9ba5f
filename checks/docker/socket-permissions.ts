import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { dockerFacts, SOCKETS } from '../../agent/facts/docker.js';
import { unitValue, type Unit } from '../../agent/facts/systemd.js';
import { cisDocker, REF } from '../references.js';

function judge(subject: string, mode: number, owner: string, group: string, evidence: string[]): FindingDraft {
  const m = mode.toString(8).padStart(4, '0');
  const problems: string[] = [];
  if (mode & 0o006) problems.push(`others can ${[(mode & 4) && 'read', (mode & 2) && 'write'].filter(Boolean).join('/')} (mode ${m})`);
  if (owner !== 'root' && owner !== '0') problems.push(`owned by ${owner}, not root`);
  if (problems.length) return verdict.fail(subject, `anyone on the host can drive Docker (root): ${problems.join('; ')}`, evidence);
  if (group !== 'docker' && group !== 'root' && group !== '0') return verdict.warn(subject, `group ${group} can drive Docker (root); expected docker or root`, evidence);
  return verdict.pass(subject, `mode ${m}, ${owner}:${group}`, evidence);
}

export default defineCheck({
  meta: {
    id: 'RG-DOCKER-002',
    title: 'Docker socket permissions',
    severity: 'critical',
    area: 'docker',
    rationale: 'Whoever can write to the Docker socket is root on the host. A socket open to others lets any job or local account take the machine.',
    references: [REF.lessonSocket, cisDocker('3.15', 'Ensure that the Docker socket file ownership is set to root:docker'), cisDocker('3.16', 'Ensure that the Docker socket file permissions are set to 660 or more restrictively')],
    reads: ['/var/run/docker.sock, /run/docker.sock (mode, owner)', 'docker.socket unit (+ drop-ins): SocketMode=, SocketUser=, SocketGroup='],
    remediation: { summary: 'chmod 0660 and chown root:docker the socket, and set SocketMode=0660 / SocketGroup=docker in a docker.socket drop-in.', automated: 'RG-DOCKER-002' },
  },
  async run(ctx) {
    const [docker, users] = await Promise.all([ctx.facts.get(dockerFacts), ctx.host.users()]);
    const out: FindingDraft[] = [];
    const seen = new Set<string>();
    for (const p of SOCKETS) {
      const st = await ctx.host.fs.stat(p);
      if (!st || st.kind !== 'socket') continue;
      const key = `${st.dev}:${st.ino}`; // /var/run is usually a link to /run
      if (seen.has(key)) continue;
      seen.add(key);
      const owner = users.userName(st.uid);
      const group = users.groupName(st.gid);
      out.push(judge(p, st.mode, owner, group, [`socket ${p}: mode ${st.mode.toString(8).padStart(4, '0')} ${owner}:${group}`]));
    }
    if (docker.socketUnit) out.push(judgeUnit(docker.socketUnit));
    if (out.length === 0) return [verdict.skip('docker.sock', 'no Docker socket and no docker.socket unit')];
    return out;
  },
});

function judgeUnit(unit: Unit): FindingDraft {
  // systemd.socket(5): SocketMode defaults to 0666, SocketUser/SocketGroup to root.
  const modeText = unitValue(unit, 'Socket', 'SocketMode') ?? '0666';
  const owner = unitValue(unit, 'Socket', 'SocketUser') ?? 'root';
  const group = unitValue(unit, 'Socket', 'SocketGroup') ?? 'root';
  const mode = parseInt(modeText, 8);
  const evidence = [`${unit.path}${unit.dropIns.length ? ` (+ ${unit.dropIns.join(', ')})` : ''}: SocketMode=${unitValue(unit, 'Socket', 'SocketMode') ?? '(unset, 0666)'} SocketUser=${owner} SocketGroup=${group}`];
  if (Number.isNaN(mode)) return verdict.error(unit.path, `${unit.path}: SocketMode=${modeText} is not an octal mode`);
  return judge(unit.path, mode, owner, group, evidence);
}
