import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { configEvidence } from './config-evidence.js';
import { forEachRunner, str } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-009',
    title: 'SSH executor checks host keys',
    severity: 'high',
    area: 'runner',
    rationale:
      'The SSH executor sends every job script, with its CI/CD variables and tokens, to the build host. Without host key checking, whoever can intercept or spoof that connection (ARP, DNS, a compromised hop) receives them and answers in the build host\'s place (man in the middle).',
    references: [REF.glSshExecutor, REF.glSshHostKeyChecking],
    reads: ['runner config.toml: executor, [runners.ssh] host, disable_strict_host_key_checking, known_hosts_file'],
    remediation: {
      summary:
        'Delete disable_strict_host_key_checking (or set it to false) and set known_hosts_file to a root-owned file holding the build host\'s key (ssh-keyscan it once over a trusted path and compare the fingerprint).',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachRunner(ctx, (r) => {
      if (r.executor !== 'ssh') return verdict.skip(r.subject, `not an ssh executor (executor ${r.executor ? `"${r.executor}"` : 'unset'})`);
      const host = str(r.ssh.host) ?? '(no host)';
      if (r.ssh.disable_strict_host_key_checking === true) {
        return verdict.fail(
          r.subject,
          `host key checking is disabled: whoever intercepts the connection to ${host} receives every job script and its variables`,
          [ev.runner(r, 'ssh', 'disable_strict_host_key_checking'), ev.runner(r, 'ssh', 'host')],
        );
      }
      const known = str(r.ssh.known_hosts_file);
      if (!known) {
        return verdict.warn(
          r.subject,
          `no known_hosts_file: the key of ${host} is checked against ~/.ssh/known_hosts of the user running gitlab-runner (GitLab Runner 15.0 and later; before 15.0 an unset disable_strict_host_key_checking meant no check at all); acceptable only when that file is managed and pins ${host}`,
          [ev.runner(r, 'ssh', 'known_hosts_file'), ev.runner(r, 'ssh', 'disable_strict_host_key_checking'), ev.runner(r, 'ssh', 'host')],
        );
      }
      return verdict.pass(r.subject, `the key of ${host} is checked against ${known}`, [ev.runner(r, 'ssh', 'known_hosts_file')]);
    });
  },
});
