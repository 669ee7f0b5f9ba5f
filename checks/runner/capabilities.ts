import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { cisDocker, REF } from '../references.js';
import { forEachRunner, strList } from './runners.js';
import { runsContainers } from './volumes.js';

const DANGEROUS = new Set(['ALL', 'SYS_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'NET_ADMIN', 'DAC_READ_SEARCH']);

const capName = (c: string) => c.trim().toUpperCase().replace(/^CAP_/, '');
const noNewPrivs = (o: string) => /^no-new-privileges([:=]true)?$/i.test(o.trim());

export default defineCheck({
  meta: {
    id: 'RG-RUN-011',
    title: 'Job containers drop capabilities',
    severity: 'medium',
    area: 'runner',
    rationale:
      'Capabilities such as SYS_ADMIN, SYS_PTRACE or SYS_MODULE are container escapes; dropping all and forbidding new privileges takes setuid tricks away from a malicious job.',
    references: [REF.glDockerExecutor, REF.guideDockerExecutor, cisDocker('5.3', 'Ensure that Linux kernel capabilities are restricted within containers'), cisDocker('5.25', 'Ensure that the container is restricted from acquiring additional privileges')],
    reads: ['runner config.toml: [runners.docker] cap_add, cap_drop, security_opt; [runners.kubernetes] cap_add, cap_drop, allow_privilege_escalation'],
    remediation: { summary: 'Remove dangerous cap_add entries; set cap_drop = ["ALL"] and security_opt = ["no-new-privileges:true"] (kubernetes: allow_privilege_escalation = false).' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (!runsContainers(r)) return verdict.skip(r.subject, `the ${r.executor || 'unset'} executor runs no job containers`);
      const k8s = r.executor === 'kubernetes';
      const t = k8s ? r.kubernetes : r.docker;
      const table = k8s ? '[runners.kubernetes]' : '[runners.docker]';
      const added = strList(t.cap_add).filter((c) => DANGEROUS.has(capName(c)));
      if (added.length) return verdict.fail(r.subject, `job containers get dangerous capabilities: ${added.map(capName).join(', ')}`, [`${table} cap_add = ${JSON.stringify(strList(t.cap_add))}`]);
      const missing: string[] = [];
      if (!strList(t.cap_drop).some((c) => capName(c) === 'ALL')) missing.push('cap_drop = ["ALL"]');
      const nnp = k8s ? t.allow_privilege_escalation === false : strList(t.security_opt).some(noNewPrivs);
      if (!nnp) missing.push(k8s ? 'allow_privilege_escalation = false' : 'security_opt "no-new-privileges:true"');
      if (missing.length) return verdict.warn(r.subject, `missing ${missing.join(' and ')}`, [`${table} cap_drop = ${JSON.stringify(strList(t.cap_drop))}`]);
      return verdict.pass(r.subject, 'all capabilities dropped and no new privileges');
    }),
});
