import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { dockerdBool, dockerdFlag, dockerdInputErrors, dockerFacts, DAEMON_JSON, type DockerFacts } from '../../agent/facts/docker.js';
import { cisDocker } from '../references.js';

interface Setting {
  key: string;
  /** What daemon.json should say. */
  want: string;
  /** Effective state; a dockerd flag wins (dockerd refuses to start when both set it). */
  state(d: DockerFacts): { ok: boolean; where: string };
}

function fromJson(d: DockerFacts, key: string, ok: (v: unknown) => boolean): { ok: boolean; where: string } {
  if (d.daemon === null) return { ok: false, where: `${DAEMON_JSON} does not exist: "${key}" not set` };
  const v = d.daemon[key];
  return { ok: ok(v), where: v === undefined ? `${DAEMON_JSON}: "${key}" not set` : `${DAEMON_JSON}: "${key}": ${JSON.stringify(v)}` };
}

function boolSetting(key: string, want: boolean): Setting {
  return {
    key,
    want: `"${key}": ${want}`,
    state(d) {
      const flag = dockerdBool(d, `--${key}`);
      if (flag) return { ok: flag.value === want, where: `${flag.source}: ${flag.arg}` };
      return fromJson(d, key, (v) => v === want);
    },
  };
}

const SETTINGS: Setting[] = [
  {
    key: 'userns-remap',
    want: '"userns-remap": "default"',
    state(d) {
      const flag = dockerdFlag(d, '--userns-remap').at(-1);
      if (flag) return { ok: flag.value !== '', where: `${flag.source}: --userns-remap=${flag.value}` };
      return fromJson(d, 'userns-remap', (v) => typeof v === 'string' && v !== '');
    },
  },
  boolSetting('no-new-privileges', true),
  boolSetting('icc', false),
  boolSetting('live-restore', true),
];

export default defineCheck({
  meta: {
    id: 'RG-DOCKER-004',
    title: 'Docker daemon defaults hardened',
    severity: 'low',
    area: 'docker',
    rationale:
      'User-namespace remapping makes container root an unprivileged host user, no-new-privileges stops setuid escalation, icc=false keeps job containers from talking to each other, live-restore keeps jobs alive across daemon restarts.',
    references: [
      cisDocker('2.1', 'Ensure network traffic is restricted between containers on the default bridge'),
      cisDocker('2.8', 'Enable user namespace support'),
      cisDocker('2.14', 'Ensure live restore is enabled'),
      cisDocker('2.18', 'Ensure that containers are restricted from acquiring new privileges'),
    ],
    reads: [`${DAEMON_JSON}`, 'docker.service ExecStart (+ drop-ins) and /etc/default/docker DOCKER_OPTS'],
    remediation: { summary: `Add to ${DAEMON_JSON}: "userns-remap": "default", "no-new-privileges": true, "icc": false, "live-restore": true (test DinD and volume permissions first).` },
  },
  async run(ctx) {
    const d = await ctx.facts.get(dockerFacts);
    if (!d.installed) return [verdict.skip('dockerd', 'Docker is not installed (no dockerd binary, docker.service or /etc/docker)')];
    const problems = dockerdInputErrors(d);
    if (problems.length) return problems.map((p) => verdict.error(p.path, `${p.message}; the daemon settings cannot be judged`));
    const judged = SETTINGS.map((s) => ({ s, ...s.state(d) }));
    const missing = judged.filter((j) => !j.ok);
    if (missing.length === 0) return [verdict.pass('dockerd', 'userns-remap, no-new-privileges, icc=false and live-restore are set', judged.map((j) => j.where))];
    return [
      verdict.warn(
        'dockerd',
        `daemon defaults not hardened: missing ${missing.map((m) => m.s.key).join(', ')} (want ${missing.map((m) => m.s.want).join(', ')}); acceptable only where DinD or host-volume ownership needs them off`,
        missing.map((m) => m.where),
      ),
    ];
  },
});
