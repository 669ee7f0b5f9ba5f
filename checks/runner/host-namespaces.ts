import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { cisDocker, REF } from '../references.js';
import { forEachRunner, str, strList } from './runners.js';
import { runsContainers } from './volumes.js';

const NAMESPACE_KEYS = ['network_mode', 'pid_mode', 'ipcmode', 'userns_mode'];
const UNCONFINED = /^(seccomp[:=]unconfined|apparmor[:=]unconfined|label[:=]disable)$/i;

export default defineCheck({
  meta: {
    id: 'RG-RUN-014',
    title: 'Job containers share no host namespaces and keep their security profiles',
    severity: 'high',
    area: 'runner',
    rationale:
      'A job in the host\'s network, PID or IPC namespace sees host services and processes (and the metadata endpoint); without seccomp, AppArmor or SELinux labels the kernel attack surface for an escape is wide open.',
    references: [
      REF.guideChecklistContainer,
      REF.guideDockerExecutor,
      cisDocker('5.9', "Ensure that the host's network namespace is not shared"),
      cisDocker('5.15', "Ensure that the host's process namespace is not shared"),
      cisDocker('5.16', "Ensure that the host's IPC namespace is not shared"),
      cisDocker('5.21', 'Ensure the default seccomp profile is not Disabled'),
      cisDocker('5.30', "Ensure that the host's user namespaces are not shared"),
    ],
    reads: ['runner config.toml: [runners.docker] network_mode, pid_mode, ipcmode, userns_mode, security_opt; [runners.kubernetes] allow_privilege_escalation'],
    remediation: { summary: 'Remove the *_mode = "host" settings and the unconfined security_opt entries; set allow_privilege_escalation = false on kubernetes.' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (!runsContainers(r)) return verdict.skip(r.subject, `the ${r.executor || 'unset'} executor runs no job containers`);
      const bad: string[] = [];
      for (const k of NAMESPACE_KEYS) if (str(r.docker[k])?.toLowerCase() === 'host') bad.push(`[runners.docker] ${k} = "host"`);
      for (const o of strList(r.docker.security_opt)) if (UNCONFINED.test(o.trim())) bad.push(`[runners.docker] security_opt "${o}"`);
      if (r.kubernetes.allow_privilege_escalation === true) bad.push('[runners.kubernetes] allow_privilege_escalation = true');
      if (bad.length) return verdict.fail(r.subject, 'job containers share host namespaces or run without their security profiles', bad);
      return verdict.pass(r.subject, 'no host namespaces shared, security profiles kept');
    }),
});
