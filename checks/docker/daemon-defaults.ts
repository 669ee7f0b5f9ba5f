import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { dockerFacts, hasDockerdSwitch, DAEMON_JSON } from '../../agent/facts/docker.js';
import { cisDocker } from '../references.js';

const WANTED: Array<{ key: string; ok: (v: unknown) => boolean; flag: string; text: string }> = [
  { key: 'userns-remap', ok: (v) => typeof v === 'string' && v !== '', flag: '--userns-remap', text: '"userns-remap": "default"' },
  { key: 'no-new-privileges', ok: (v) => v === true, flag: '--no-new-privileges', text: '"no-new-privileges": true' },
  { key: 'icc', ok: (v) => v === false, flag: '--icc=false', text: '"icc": false' },
  { key: 'live-restore', ok: (v) => v === true, flag: '--live-restore', text: '"live-restore": true' },
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
    if (!d.installed) return [verdict.skip('dockerd', 'Docker is not installed')];
    if (d.daemonError) return [verdict.error(DAEMON_JSON, d.daemonError)];
    const missing = WANTED.filter((w) => !w.ok(d.daemon?.[w.key]) && !hasDockerdSwitch(d, w.flag) && !d.args.some((a) => a.argv.some((x) => x.startsWith(`${w.flag}=`) && w.flag !== '--icc=false')));
    if (missing.length === 0) return [verdict.pass('dockerd', 'userns-remap, no-new-privileges, icc=false and live-restore are set')];
    return [verdict.warn('dockerd', `daemon defaults not hardened: missing ${missing.map((m) => m.key).join(', ')}`, missing.map((m) => `${DAEMON_JSON}: ${m.text}`))];
  },
});
