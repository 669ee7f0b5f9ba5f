import path from 'node:path';
import { redactPatterns } from '../../agent/engine/redact.js';
import { actAsFor, runnerDirsFact } from '../../agent/facts/runner-dirs.js';
import { ESCAPED_PATH_REFUSAL, mayHoldEscapedBytes } from '../../agent/util/byte-names.js';
import { defineRemediation, type Plan, type Refusal, NOT_SYSTEM } from '../../agent/remediate/types.js';
import { inspectCredentialFile } from '../../checks/build/credential-files.js';

/** A `url =` / `pushurl =` line whose URL carries `user:secret@` (the check's test, checks/build/credential-files.ts). */
const REMOTE_WITH_CREDS = /^(\s*(?:url|pushurl)\s*=\s*"?)([a-z][a-z0-9+.-]*:\/\/)([^\s/"]*:[^\s/"]*@)/i;

/**
 * The .git/config text with the userinfo of those URLs removed; nothing else
 * changes. The greedy userinfo match runs to the last `@` of the authority,
 * so a secret holding an `@` leaves no tail behind.
 */
export function scrubRemotes(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(REMOTE_WITH_CREDS, '$1$2'))
    .join('\n');
}

/** A user name worth showing ("gitlab-ci-token", "oauth2"); a token used as the user name is not. */
const showUser = (u: string) => (u.length <= 24 && /^[a-z][a-z0-9._-]*$/i.test(u) && redactPatterns(`${u} `) === `${u} ` ? u : '****');

/**
 * What the plan, the output and the journal show of a .git/config: the
 * userinfo of every URL (context lines too) and auth headers masked.
 */
export function maskGitConfig(text: string): string {
  return redactPatterns(
    text
      .split('\n')
      .map((l) => l.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/"]*)@/gi, (_m, scheme: string, info: string) => `${scheme}${info.includes(':') ? `${showUser(info.split(':')[0]!)}:****` : '****'}@`))
      .map((l) => l.replace(/^(\s*extraheader\s*=\s*).*$/i, '$1****'))
      .join('\n'),
  );
}

const isGitConfig = (p: string) => path.posix.basename(p) === 'config' && path.posix.basename(path.posix.dirname(p)) === '.git';

/**
 * RG-BUILD-002: remote URLs in a checkout's .git/config lose their
 * credentials (a minimal edit: only those lines change); .netrc,
 * .git-credentials, .npmrc and .docker/config.json holding secrets move to
 * the root-only quarantine. Only files the check flags are touched.
 */
export default defineRemediation({
  meta: {
    id: 'RG-BUILD-002',
    title: 'Scrub credentials from checkouts\' git remotes; move credential files to the quarantine',
    impact:
      'CI jobs are not affected (the runner sets the remote and the job\'s logins anew for every job); a person or script that runs git, npm or docker in these checkouts by hand must authenticate again',
    restartsService: false,
    touches: [{ op: 'editFile', path: /\/\.git\/config$/ }, { op: 'quarantine', path: NOT_SYSTEM }],
  },
  async plan(ctx, findings) {
    const out: Array<Plan | Refusal> = [];
    const dirs = await ctx.facts.get(runnerDirsFact);
    for (const f of findings) {
      if (f.status !== 'fail' || !f.subject.startsWith('/')) continue;
      if (mayHoldEscapedBytes(f.subject)) {
        out.push({ remediation: 'RG-BUILD-002', subject: f.subject, reason: ESCAPED_PATH_REFUSAL });
        continue;
      }
      const actAs = actAsFor(dirs, f.subject);
      const as = actAs ? { actAs } : {};
      const st = await ctx.host.fs.lstat(f.subject);
      if (!st) continue; // gone since the audit
      if (st.kind !== 'file') {
        out.push({ remediation: 'RG-BUILD-002', subject: f.subject, reason: `${f.subject} is no longer a regular file (${st.kind}): left alone` });
        continue;
      }
      if (!isGitConfig(f.subject)) {
        out.push({ remediation: 'RG-BUILD-002', subject: f.subject, summary: 'move the file to the quarantine', steps: [{ op: 'quarantine', path: f.subject, reason: f.message, ...as }] });
        continue;
      }
      const before = await ctx.host.fs.readText(f.subject, { maxBytes: 1024 * 1024 });
      const after = scrubRemotes(before);
      // Never half a fix: an edit that leaves the check failing is not made.
      if (after === before || inspectCredentialFile(f.subject, after) !== null) {
        out.push({ remediation: 'RG-BUILD-002', subject: f.subject, reason: 'credentials in a form the scrub does not handle: remove them by hand (git remote set-url)' });
        continue;
      }
      const redacted = { before: maskGitConfig(before), after: maskGitConfig(after) };
      out.push({ remediation: 'RG-BUILD-002', subject: f.subject, summary: 'remove the credentials from the remote URLs', steps: [{ op: 'editFile', path: f.subject, before, after, redacted, skipIfGone: true, ...as }] });
    }
    return out;
  },
});
