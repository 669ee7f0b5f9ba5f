import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { cisDocker, REF } from '../references.js';
import { configEvidence } from './config-evidence.js';
import { forEachContainerRunner, strList } from './runners.js';

/** Capabilities that are a container escape or a host-wide view on their own. */
const ESCAPES = new Set(['ALL', 'SYS_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'NET_ADMIN', 'DAC_READ_SEARCH']);

/** The kubernetes executor's per-container security contexts, and whose containers each shapes. */
export const K8S_CONTEXTS: Array<[key: string, who: string]> = [
  ['build_container_security_context', 'build'],
  ['helper_container_security_context', 'helper'],
  ['service_container_security_context', 'service'],
];

export function tableOf(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) ? (v as Record<string, unknown>) : {};
}

export const capName = (c: string): string => c.trim().toUpperCase().replace(/^CAP_/, '');
export const isNoNewPrivileges = (o: string): boolean => /^no-new-privileges([:=]true)?$/i.test(o.trim());

export default defineCheck({
  meta: {
    id: 'RG-RUN-011',
    title: 'Job containers drop capabilities',
    severity: 'medium',
    area: 'runner',
    rationale:
      'SYS_ADMIN, SYS_MODULE, SYS_PTRACE, DAC_READ_SEARCH and NET_ADMIN each hand a job a known container escape or the host network. Dropping every capability and forbidding new privileges also takes setuid binaries and file-capability tricks away from a malicious job that got root in its container.',
    references: [
      REF.glDockerExecutor,
      REF.guideDockerExecutor,
      REF.guideChecklistProcess,
      cisDocker('5.3', 'Ensure that Linux kernel capabilities are restricted within containers'),
      cisDocker('5.25', 'Ensure that the container is restricted from acquiring additional privileges'),
    ],
    reads: [
      'runner config.toml: executor; [runners.docker] cap_add, cap_drop, security_opt (the job container; gitlab-runner gives service containers neither cap_add nor cap_drop); [runners.kubernetes] cap_add, cap_drop, allow_privilege_escalation',
      'runner config.toml: [runners.kubernetes.build_container_security_context], [runners.kubernetes.helper_container_security_context], [runners.kubernetes.service_container_security_context] capabilities add/drop, allow_privilege_escalation',
    ],
    remediation: {
      summary:
        'Remove SYS_ADMIN, SYS_PTRACE, SYS_MODULE, NET_ADMIN, DAC_READ_SEARCH and ALL from cap_add; set cap_drop = ["ALL"] (adding back only what jobs need) and security_opt = ["no-new-privileges:true"] (kubernetes: allow_privilege_escalation = false).',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachContainerRunner(ctx, 'no container capabilities to judge', (r, table) => {
      if (r.executor === 'docker-windows') return verdict.skip(r.subject, 'Windows containers have no Linux capabilities or no-new-privileges');
      const k8s = table === 'kubernetes';
      const t = k8s ? r.kubernetes : r.docker;

      // cap_add is the job container's (docker gives services none); on kubernetes each
      // container's security context may add its own on top.
      const escapes = new Set<string>();
      const whose: string[] = [];
      const addEvidence: string[] = [];
      const bad = strList(t.cap_add).map(capName).filter((c) => ESCAPES.has(c));
      if (bad.length > 0) {
        bad.forEach((c) => escapes.add(c));
        whose.push(k8s ? 'every job pod\'s' : 'job');
        addEvidence.push(ev.runner(r, table, 'cap_add'));
      }
      if (k8s) {
        for (const [ctxKey, who] of K8S_CONTEXTS) {
          const caps = tableOf(tableOf(t[ctxKey]).capabilities);
          const extra = strList(caps.add).map(capName).filter((c) => ESCAPES.has(c));
          if (extra.length === 0) continue;
          extra.forEach((c) => escapes.add(c));
          whose.push(who);
          addEvidence.push(`[runners.kubernetes.${ctxKey}.capabilities] add = ${JSON.stringify(strList(caps.add))}`);
        }
      }

      const missing: Array<[setting: string, effect: string]> = [];
      if (!strList(t.cap_drop).some((c) => capName(c) === 'ALL')) {
        missing.push(['cap_drop = ["ALL"]', "jobs keep the runtime's default capabilities (NET_RAW, SETUID, DAC_OVERRIDE, ...)"]);
      }
      if (k8s ? t.allow_privilege_escalation !== false : !strList(t.security_opt).some(isNoNewPrivileges)) {
        const setting = k8s ? 'allow_privilege_escalation = false' : '"no-new-privileges:true" in security_opt';
        missing.push([setting, 'setuid binaries and file capabilities can still raise privileges']);
      }
      const hardening = [ev.runner(r, table, 'cap_drop'), ev.runner(r, table, k8s ? 'allow_privilege_escalation' : 'security_opt')];

      if (escapes.size > 0) {
        const also = missing.length ? `; also no ${missing.map(([m]) => m).join(', no ')}` : '';
        return verdict.fail(r.subject, `${whose.join(' and ')} containers are given escape capabilities: ${[...escapes].join(', ')}${also}`, [...addEvidence, ...hardening]);
      }
      if (missing.length > 0) {
        return verdict.warn(
          r.subject,
          `no ${missing.map(([m]) => m).join(' and no ')}: ${missing.map(([, e]) => e).join(', and ')}; acceptable only on a runner for trusted projects whose images need them`,
          hardening,
        );
      }
      return verdict.pass(r.subject, 'every capability is dropped except those added back, and no process can gain new privileges', [ev.runner(r, table, 'cap_add'), ...hardening]);
    });
  },
});
