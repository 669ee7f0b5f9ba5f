import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachActionsRunner } from './actions-runners.js';

export default defineCheck({
  meta: {
    id: 'RG-GHA-003',
    title: 'Actions runner credentials are private',
    severity: 'high',
    area: 'github',
    rationale:
      '.credentials and .credentials_rsaparams are the runner\'s identity towards GitHub: whoever reads them can impersonate the runner and receive other repositories\' jobs and secrets.',
    references: [REF.ghaSecurity, REF.modelSecrets],
    reads: ['<runner dir>/.credentials, .credentials_rsaparams (mode and owner)'],
    remediation: { summary: 'chmod 0600 .credentials and .credentials_rsaparams, owned by the runner user.' },
  },
  run: (ctx) =>
    ctx.host.users().then((users) =>
      forEachActionsRunner(ctx, (r) => {
        const present = r.credentials.filter((c) => c.stat !== null);
        if (present.length === 0) return verdict.skip(r.subject, `no .credentials in ${r.dir}: the runner is not registered`);
        const evidence = present.map((c) => `${c.path}: mode ${c.stat!.mode.toString(8).padStart(4, '0')} ${users.userName(c.stat!.uid)}:${users.groupName(c.stat!.gid)}`);
        const open = present.filter((c) => (c.stat!.mode & 0o066) !== 0);
        if (open.length) return verdict.fail(r.subject, `runner credentials readable or writable by group/others: ${open.map((c) => c.path).join(', ')}`, evidence);
        return verdict.pass(r.subject, 'runner credentials are private', evidence);
      }),
    ),
});
