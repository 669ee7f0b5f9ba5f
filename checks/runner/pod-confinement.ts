import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { REF } from '../references.js';
import { tableOf } from './capabilities.js';
import { configEvidence, tomlText } from './config-evidence.js';
import { noContainersReason } from './executors.js';
import { forEachRunner, str } from './runners.js';

/** The security contexts config.toml can give a job pod, and whose they are. */
const CONTEXTS: Array<[key: string, who: string]> = [
  ['pod_security_context', 'the whole pod'],
  ['build_container_security_context', 'the build container'],
  ['helper_container_security_context', 'the helper container'],
  ['service_container_security_context', 'service containers'],
  ['init_permissions_container_security_context', 'the init container'],
];

interface Problems {
  fail: string[];
  warn: string[];
  evidence: string[];
}

function judgeContext(r: RunnerEntry, key: string, who: string, p: Problems): void {
  const c = tableOf(r.kubernetes[key]);
  const at = (k: string, v: unknown) => p.evidence.push(`[runners.kubernetes.${key}] ${k} = ${tomlText(v)}`);
  for (const [k, name] of [['seccomp_profile', 'seccomp'], ['app_armor_profile', 'AppArmor']] as const) {
    const type = str(tableOf(c[k]).type);
    if (type?.trim().toLowerCase() !== 'unconfined') continue;
    p.fail.push(`${who} runs with ${name} switched off (${k} type Unconfined)`);
    at(`${k}.type`, type);
  }
  if (c.allow_privilege_escalation === true) {
    p.fail.push(`${who} may gain privileges (allow_privilege_escalation = true)`);
    at('allow_privilege_escalation', true);
  }
  if (str(c.proc_mount)?.toLowerCase() === 'unmasked') {
    p.fail.push(`${who} sees /proc unmasked (proc_mount = "Unmasked")`);
    at('proc_mount', c.proc_mount);
  }
  if (c.run_as_user === 0) {
    p.warn.push(`${who} runs as root (run_as_user = 0)`);
    at('run_as_user', 0);
  }
  if (c.run_as_non_root === false && c.run_as_user === undefined) {
    p.warn.push(`${who} may run as root (run_as_non_root = false)`);
    at('run_as_non_root', false);
  }
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-019',
    title: 'Kubernetes job pods keep their confinement and no cluster token',
    severity: 'high',
    area: 'runner',
    rationale:
      "Each security context config.toml sets on a job pod can switch seccomp or AppArmor off, allow privilege escalation, unmask /proc or run a container as root; a job pod that mounts its service account token can call the cluster API with that account's rights. Any of these turns a job into a foothold on the node or the cluster.",
    references: [
      'https://docs.gitlab.com/runner/executors/kubernetes/#set-a-security-policy-for-the-pod',
      'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
      'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
      REF.guideChecklistContainer,
    ],
    reads: [
      'runner config.toml: executor; [runners.kubernetes] automount_service_account_token',
      'runner config.toml: [runners.kubernetes.pod_security_context], [runners.kubernetes.build_container_security_context], [runners.kubernetes.helper_container_security_context], [runners.kubernetes.service_container_security_context], [runners.kubernetes.init_permissions_container_security_context] seccomp_profile, app_armor_profile, allow_privilege_escalation, proc_mount, run_as_user, run_as_non_root',
    ],
    remediation: {
      summary:
        'Remove the Unconfined seccomp/AppArmor profiles, allow_privilege_escalation = true, proc_mount = "Unmasked" and run_as_user = 0 from the security contexts (set run_as_non_root = true); set automount_service_account_token = false unless jobs must call the cluster API, and then bind the service account to a role that allows only that.',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachRunner(ctx, (r) => {
      if (r.executor !== 'kubernetes') return verdict.skip(r.subject, `${r.executor.startsWith('docker') ? `the ${r.executor} executor runs no pods` : noContainersReason(r)}: no pod confinement to judge`);
      const p: Problems = { fail: [], warn: [], evidence: [] };
      for (const [key, who] of CONTEXTS) judgeContext(r, key, who, p);
      const automount = r.kubernetes.automount_service_account_token;
      p.evidence.push(ev.runner(r, 'kubernetes', 'automount_service_account_token'));
      if (automount === true) p.warn.push("automount_service_account_token = true: every job gets its service account's token to the cluster API");
      else if (automount === undefined) p.warn.push("automount_service_account_token is unset: Kubernetes mounts the service account's token into every job pod unless the account opts out");
      if (p.fail.length > 0) return verdict.fail(r.subject, [...p.fail, ...p.warn].join('; '), p.evidence);
      if (p.warn.length > 0) return verdict.warn(r.subject, p.warn.join('; '), p.evidence);
      return verdict.pass(r.subject, 'job pods keep seccomp, AppArmor and /proc masking, gain no privileges, run as non-root and get no cluster token', p.evidence);
    });
  },
});
