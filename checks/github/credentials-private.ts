import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachActionsRunner, modeOwner } from './actions-runners.js';

export default defineCheck({
  meta: {
    id: 'RG-GHA-003',
    title: 'Actions runner credentials are private',
    severity: 'high',
    area: 'github',
    rationale:
      '.credentials and .credentials_rsaparams (the runner\'s RSA private key) are its identity towards GitHub: whoever reads them can impersonate the runner, take the jobs meant for it and the secrets those jobs receive.',
    references: [REF.ghaSecurity, REF.modelSecrets],
    reads: ['<runner dir>/.credentials, <runner dir>/.credentials_rsaparams (mode and owner)', '/etc/passwd, /etc/group of the target'],
    remediation: { summary: 'chmod 0600 .credentials and .credentials_rsaparams, owned by the runner user; if others could read them, remove and re-register the runner.' },
  },
  async run(ctx) {
    const users = await ctx.host.users();
    return forEachActionsRunner(ctx, (r) => {
      const present = r.credentials.filter((c) => c.stat !== null);
      const unreadable = r.credentials.filter((c) => c.error);
      // What could not be looked at may be exposed: never "not registered".
      if (unreadable.length > 0) return verdict.error(r.subject, `could not be checked: ${unreadable.map((c) => `${c.path}: ${c.error}`).join(', ')}`);
      if (present.length === 0) {
        const jit = r.ephemeralArgs ? ' (a just-in-time runner keeps them in memory)' : ': the runner is not registered';
        return verdict.skip(r.subject, `no .credentials or .credentials_rsaparams in ${r.dir}${jit}`);
      }
      const notFile = present.find((c) => c.stat!.kind !== 'file');
      if (notFile) return verdict.error(r.subject, `${notFile.path}: is not a regular file (${notFile.stat!.kind})`);
      const evidence = r.credentials.map((c) => `${c.path}: ${c.stat ? modeOwner(c.stat, users) : 'missing'}`);
      const exposed = present.filter((c) => (c.stat!.mode & 0o044) !== 0);
      if (exposed.length > 0) {
        const who = (mode: number) => [mode & 0o040 ? 'group' : '', mode & 0o004 ? 'others' : ''].filter(Boolean).join(' and ');
        const detail = exposed.map((c) => `${c.path} (${who(c.stat!.mode)})`).join(', ');
        return verdict.fail(r.subject, `runner credentials readable beyond their owner: ${detail}`, evidence);
      }
      return verdict.pass(r.subject, 'runner credentials are readable by their owner only', evidence);
    });
  },
});
