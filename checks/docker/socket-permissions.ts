import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { dockerFacts, SOCKETS } from '../../agent/facts/docker.js';
import { unitValue, unitValues, type Unit } from '../../agent/facts/systemd.js';
import type { UserDb } from '../../agent/host/users.js';
import { cisDocker, REF } from '../references.js';
import { doubtPass } from '../unit-doubt.js';

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

function judge(subject: string, mode: number, owner: string, group: string, evidence: string[]): FindingDraft {
  const problems: string[] = [];
  if (mode & 0o006) problems.push(`others can ${[(mode & 4) && 'read', (mode & 2) && 'write'].filter(Boolean).join('/')} (mode ${octal(mode)})`);
  if (owner !== 'root' && owner !== '0') problems.push(`owned by ${owner}, not root`);
  if (problems.length) return verdict.fail(subject, `anyone on the host can drive Docker (root): ${problems.join('; ')}`, evidence);
  if (group !== 'docker' && group !== 'root' && group !== '0') return verdict.warn(subject, `group ${group} can drive Docker (root); expected docker or root`, evidence);
  return verdict.pass(subject, `mode ${octal(mode)}, ${owner}:${group}`, evidence);
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
      if (!st) continue;
      const key = `${st.dev}:${st.ino}`; // /var/run is usually a link to /run
      if (seen.has(key)) continue;
      seen.add(key);
      if (st.kind !== 'socket') {
        out.push(verdict.error(p, `${p} is a ${st.kind}, not a socket: cannot judge the Docker socket there`));
        continue;
      }
      const owner = users.userName(st.uid);
      const group = users.groupName(st.gid);
      out.push(judge(p, st.mode, owner, group, [`socket ${p}: mode ${octal(st.mode)} ${owner}:${group} (uid ${st.uid}, gid ${st.gid})`]));
    }
    if (docker.socketUnitError) out.push(verdict.error(docker.socketUnitError.path, docker.socketUnitError.message));
    if (docker.socketUnit) out.push(judgeUnit(docker.socketUnit, users));
    if (out.length === 0) return [verdict.skip('docker.sock', 'no Docker socket and no docker.socket unit')];
    return out;
  },
});

function judgeUnit(unit: Unit, users: UserDb): FindingDraft {
  // systemd.socket(5): SocketMode= defaults to 0666, SocketUser=/SocketGroup= to root. A value
  // that does not parse as octal is logged and ignored, so the previous one (or 0666) applies.
  const values = unitValues(unit, 'Socket', 'SocketMode');
  const valid = values.filter((v) => /^[0-7]+$/.test(v) && parseInt(v, 8) <= 0o7777);
  const ignored = values.filter((v) => !valid.includes(v));
  const mode = valid.length ? parseInt(valid.at(-1)!, 8) : 0o666;
  // Numeric ids are resolved against the target's own passwd/group.
  const name = (v: string | undefined, lookup: (id: number) => string) => (v === undefined ? 'root' : /^\d+$/.test(v) ? lookup(Number(v)) : v);
  const owner = name(unitValue(unit, 'Socket', 'SocketUser'), (id) => users.userName(id));
  const group = name(unitValue(unit, 'Socket', 'SocketGroup'), (id) => users.groupName(id));
  const files = `${unit.path}${unit.dropIns.length ? ` (+ ${unit.dropIns.join(', ')})` : ''}`;
  const evidence = [`${files}: SocketMode=${valid.at(-1) ?? '(unset, 0666)'} SocketUser=${owner} SocketGroup=${group}`];
  if (ignored.length) evidence.push(`ignored by systemd (not an octal mode): ${ignored.map((v) => `SocketMode=${v}`).join(', ')}`);
  return doubtPass(judge(unit.path, mode, owner, group, evidence), unit);
}
