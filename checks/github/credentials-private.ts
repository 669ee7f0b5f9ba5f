import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import type { HostFs } from '../../agent/host/index.js';
import { REF } from '../references.js';
import { forEachActionsRunner, modeOwner } from './actions-runners.js';
import { readersOf } from './reachable.js';

/** What the runner writes into .credentials' data for the OAuth scheme: identifiers and URLs, no secret. */
const PUBLIC_DATA = new Set(['clientid', 'authorizationurl', 'authorizationurlv2', 'oauthendpointurl', 'requirefipscryptography', 'enableauthmigrationbydefault']);

/**
 * Why a .credentials file is secret, or null when it holds only the OAuth
 * client id and URLs config.sh writes (the key itself is in
 * .credentials_rsaparams). Anything else, or what cannot be parsed, is
 * judged secret: a token may be in it.
 */
async function credentialsSecret(fs: HostFs, path: string): Promise<string | null> {
  let doc: unknown;
  try {
    doc = JSON.parse((await fs.readText(path, { maxBytes: 64 * 1024 })).replace(/^\ufeff/, ''));
  } catch {
    return 'not the JSON the runner writes (over 64 KiB, unreadable or malformed): it may hold a token';
  }
  const o = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
  const data = typeof o.data === 'object' && o.data !== null ? (o.data as Record<string, unknown>) : {};
  const extra = Object.keys(data).filter((k) => !PUBLIC_DATA.has(k.toLowerCase()));
  if (o.scheme !== 'OAuth') return `scheme ${JSON.stringify(String(o.scheme ?? 'unset')).slice(0, 40)}, not OAuth: the credential itself is in it`;
  if (extra.length > 0) return `holds ${extra.slice(0, 5).map((k) => k.slice(0, 40)).join(', ')} besides the client id and URLs`;
  return null;
}

export default defineCheck({
  meta: {
    id: 'RG-GHA-003',
    title: 'Actions runner credentials are private',
    severity: 'high',
    area: 'github',
    rationale:
      "The runner's RSA private key (.credentials_rsaparams) is its identity towards GitHub: whoever reads it can impersonate the runner, take the jobs meant for it and the secrets those jobs receive. .credentials as config.sh writes it holds only the OAuth client id and URLs (the runner leaves it 0644); one holding a token is as secret as the key.",
    references: [REF.ghaSecurity, REF.modelSecrets, 'https://github.com/actions/runner/blob/main/src/Runner.Listener/Configuration/RSAFileKeyManager.cs'],
    reads: [
      '<runner dir>/.credentials_rsaparams (mode, owner, the dirs above it)',
      '<runner dir>/.credentials (its scheme and data keys, at most 64 KiB; mode, owner, the dirs above it)',
      '/etc/passwd, /etc/group of the target',
    ],
    remediation: { summary: 'chmod 0600 .credentials_rsaparams (and a .credentials that holds a token), owned by the runner user, in a runner dir others cannot search; if others could read them, remove and re-register the runner.' },
  },
  async run(ctx) {
    const users = await ctx.host.users();
    const { fs } = ctx.host;
    return forEachActionsRunner(ctx, async (r): Promise<FindingDraft> => {
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
      const evidence: string[] = [];
      const exposed: string[] = [];
      for (const c of r.credentials) {
        if (!c.stat) {
          evidence.push(`${c.path}: missing`);
          continue;
        }
        const why = c.path.endsWith('_rsaparams') ? 'the RSA private key' : await credentialsSecret(fs, c.path);
        const readers = await readersOf(fs, c.path, c.stat);
        const who = [readers.group ? 'group' : '', readers.others ? 'others' : ''].filter(Boolean).join(' and ');
        const reach = readers.unknown ? `; could not look at ${readers.unknown}` : who ? `; readable by ${who}` : (c.stat.mode & 0o044) !== 0 ? '; the dirs above it let no one else reach it' : '';
        evidence.push(`${c.path}: ${modeOwner(c.stat, users)}${why ? ` (confidential, ${why})` : ' (client id and URLs only)'}${reach}`);
        if (why && (who || readers.unknown)) exposed.push(`${c.path} (${who || 'maybe others'})`);
      }
      if (exposed.length > 0) return verdict.fail(r.subject, `runner credentials readable beyond their owner: ${exposed.join(', ')}`, evidence);
      return verdict.pass(r.subject, 'the runner\'s secrets are readable by their owner only', evidence);
    });
  },
});
