import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachRunner, str } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-009',
    title: 'SSH executor checks host keys',
    severity: 'high',
    area: 'runner',
    rationale:
      'Without host key checking, whoever sits between the runner and the build host receives every job script and its secrets (man in the middle).',
    references: [REF.glSshExecutor],
    reads: ['runner config.toml: [runners.ssh] disable_strict_host_key_checking, known_hosts_file'],
    remediation: { summary: 'Remove disable_strict_host_key_checking and set known_hosts_file to a file holding the build host\'s key.' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (r.executor !== 'ssh') return verdict.skip(r.subject, `not an ssh executor (executor "${r.executor || 'unset'}")`);
      if (r.ssh.disable_strict_host_key_checking === true) {
        return verdict.fail(r.subject, 'host key checking is disabled: the build host is not authenticated', ['[runners.ssh] disable_strict_host_key_checking = true']);
      }
      const known = str(r.ssh.known_hosts_file);
      if (!known) return verdict.warn(r.subject, 'no known_hosts_file: the build host key is not pinned', [`[runners.ssh] host = "${str(r.ssh.host) ?? ''}"`]);
      return verdict.pass(r.subject, `host keys checked against ${known}`);
    }),
});
