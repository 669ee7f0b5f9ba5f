import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { cisDocker, REF } from '../references.js';
import { configEvidence, type SettingEvidence } from './config-evidence.js';
import { forEachContainerRunner, str, strList } from './runners.js';

/** [runners.docker] keys that put a container into a host namespace when set to "host". */
const NAMESPACES: Array<[key: string, name: string]> = [
  ['network_mode', 'network'],
  ['pid_mode', 'PID'],
  ['ipcmode', 'IPC'],
  ['userns_mode', 'user'],
];

/** security_opt entries that switch a confinement off, and what they switch off. */
export function disabledProfile(opt: string): string | null {
  const [kind, value] = opt.trim().toLowerCase().split(/[:=]/, 2);
  if (kind === 'seccomp' && value === 'unconfined') return 'seccomp';
  if (kind === 'apparmor' && value === 'unconfined') return 'AppArmor';
  if (kind === 'label' && value === 'disable') return 'SELinux labels';
  if (kind === 'systempaths' && value === 'unconfined') return '/proc and /sys masking';
  return null;
}

const and = (xs: string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}` : xs[0]!);

/** What a docker runner's job containers give up, as message parts, and the settings that say so. */
function dockerProblems(r: RunnerEntry, ev: SettingEvidence): { parts: string[]; evidence: string[] } {
  const evidence: string[] = [];
  const shared: string[] = [];
  for (const [key, name] of NAMESPACES) {
    if (str(r.docker[key])?.trim().toLowerCase() !== 'host') continue;
    shared.push(name);
    evidence.push(ev.runner(r, 'docker', key));
  }
  const parts = shared.length ? [`job containers share the host's ${and(shared)} namespace${shared.length > 1 ? 's' : ''}`] : [];
  for (const [key, whose] of [['security_opt', 'job containers'], ['services_security_opt', 'service containers']] as const) {
    const off = [...new Set(strList(r.docker[key]).map(disabledProfile).filter((p): p is string => p !== null))];
    if (off.length === 0) continue;
    parts.push(`${whose} run with ${and(off)} switched off`);
    evidence.push(ev.runner(r, 'docker', key));
  }
  return { parts, evidence };
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-014',
    title: 'Job containers share no host namespaces and keep their security profiles',
    severity: 'high',
    area: 'runner',
    rationale:
      "A job in the host's network namespace reaches every host-local service and the cloud metadata endpoint; in the host's PID or IPC namespace it sees and signals host processes; without user namespacing or its seccomp, AppArmor and SELinux confinement, one kernel bug or stray capability is a container escape.",
    references: [
      REF.guideChecklistContainer,
      REF.guideDockerExecutor,
      REF.glDockerConfig,
      cisDocker('5.1', 'Ensure that, if applicable, an AppArmor Profile is enabled'),
      cisDocker('5.2', 'Ensure that, if applicable, SELinux security options are set'),
      cisDocker('5.9', "Ensure that the host's network namespace is not shared"),
      cisDocker('5.15', "Ensure that the host's process namespace is not shared"),
      cisDocker('5.16', "Ensure that the host's IPC namespace is not shared"),
      cisDocker('5.21', 'Ensure the default seccomp profile is not Disabled'),
      cisDocker('5.25', 'Ensure that the container is restricted from acquiring additional privileges'),
      cisDocker('5.30', "Ensure that the host's user namespaces are not shared"),
    ],
    reads: [
      'runner config.toml: executor; [runners.docker] network_mode, pid_mode, ipcmode, userns_mode, security_opt, services_security_opt; [runners.kubernetes] allow_privilege_escalation',
    ],
    remediation: {
      summary:
        'Remove network_mode/pid_mode/ipcmode/userns_mode = "host" (use a bridge or per-job network) and the seccomp/apparmor "unconfined", label "disable" and systempaths "unconfined" entries from security_opt and services_security_opt; on kubernetes set allow_privilege_escalation = false.',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachContainerRunner(ctx, 'no container namespaces to judge', (r, table) => {
      if (r.executor === 'docker-windows') return verdict.skip(r.subject, 'Windows containers have no Linux namespaces, seccomp or AppArmor settings');
      if (table === 'kubernetes') {
        const line = ev.runner(r, 'kubernetes', 'allow_privilege_escalation');
        if (r.kubernetes.allow_privilege_escalation === true) {
          return verdict.fail(r.subject, 'job containers may gain privileges (setuid binaries, file capabilities): allowPrivilegeEscalation is forced on', [line]);
        }
        return verdict.pass(r.subject, 'privilege escalation is not forced on for job pods', [line]);
      }
      const { parts, evidence } = dockerProblems(r, ev);
      if (parts.length > 0) return verdict.fail(r.subject, parts.join('; '), evidence);
      return verdict.pass(r.subject, 'job containers get their own namespaces and keep the default seccomp, AppArmor and SELinux confinement', [
        ev.runner(r, 'docker', 'network_mode'),
        ev.runner(r, 'docker', 'security_opt'),
      ]);
    });
  },
});
