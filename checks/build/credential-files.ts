import { overflowDraft } from '../../agent/engine/cap.js';
import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { buildScanFact, type ScannedDir } from '../../agent/facts/build-scan.js';
import { inspectCredentialFile } from '../../agent/util/credential-leaks.js';
import { REF } from '../references.js';
import { unknownDirs } from './dirs-known.js';

/** Moved to agent/util (the scan judges each file as it meets it); re-exported for the remediation. */
export { inspectCredentialFile };

export default defineCheck({
  meta: {
    id: 'RG-BUILD-002',
    title: 'No credentials left in build directories',
    severity: 'high',
    area: 'build',
    rationale:
      'Jobs write tokens into their checkouts (CI_JOB_TOKEN in the git remote, registry logins, npm tokens). Left behind on a static runner, the next job from any project can read and replay them.',
    references: [REF.glSecureHost, REF.glJobCleanup, REF.modelSecrets, REF.guideChecklistProcess],
    reads: ['.git/config, .netrc, .git-credentials, .npmrc, .docker/config.json under each runner\'s builds and cache dirs and Actions _work'],
    remediation: {
      summary: 'Scrub credentials from .git/config remotes and move .netrc, .git-credentials, .npmrc and .docker/config.json with secrets out of the builds dirs; enable FF_ENABLE_JOB_CLEANUP.',
      automated: 'RG-BUILD-002',
    },
    timeoutMs: 120_000,
  },
  async run(ctx) {
    const scans = await ctx.facts.get(buildScanFact);
    const present = scans.filter((s) => s.exists);
    const blocked = scans.filter((s) => s.problem);
    const broken = await unknownDirs(ctx);
    if (broken.length > 0 && present.length === 0 && blocked.length === 0) return broken;
    if (present.length === 0 && blocked.length === 0) return [verdict.skip('builds', 'no builds or cache dir on this host')];
    const findings: FindingDraft[] = [...broken];
    // A dir that could not be looked at may hold credentials: not a pass, not absent.
    for (const s of blocked) findings.push(verdict.warn(s.dir.path, `the ${s.dir.kind} dir of ${s.dir.owner} could not be scanned, credentials in it not seen: ${s.problem}`));
    for (const s of present) findings.push(...judge(s));
    if (findings.length === 0) {
      const dirs = present.map((s) => s.dir.path);
      return [verdict.pass(dirs.join(', '), `no credentials in ${present.reduce((n, s) => n + s.stats.files, 0)} files of ${dirs.length} dir(s)`)];
    }
    return findings;
  },
});

/** One dir's leaks (the first ones listed, the rest counted), read errors and blind spots. */
function judge(s: ScannedDir): FindingDraft[] {
  const out: FindingDraft[] = [];
  const { leaks, errors } = s.credentials;
  for (const l of leaks.items) out.push({ ...verdict.fail(l.path, `${l.what} left in the ${s.dir.kind} dir of ${s.dir.owner}`, l.where), bytes: l.size });
  if (leaks.omitted > 0) {
    const listedBytes = leaks.items.reduce((n, l) => n + l.size, 0);
    out.push(overflowDraft('path', { count: leaks.omitted, bytes: leaks.bytes - listedBytes, statuses: { fail: leaks.omitted }, examples: [] }));
  }
  for (const e of errors.items) out.push(verdict.error(e.path, e.error));
  if (errors.omitted > 0) out.push(overflowDraft('path', { count: errors.omitted, bytes: 0, statuses: { error: errors.omitted }, examples: [] }));
  const blind = blindSpots(s);
  if (blind) out.push(verdict.warn(s.dir.path, `part of the ${s.dir.kind} dir of ${s.dir.owner} was not scanned, credentials there not seen`, blind));
  return out;
}

/** What a scan could not see (unreadable or swapped dirs, a stop, a pending-dir overflow), or null. */
export function blindSpots(s: ScannedDir): string[] | null {
  const lines: string[] = [];
  if (s.unreadable.count > 0) {
    const more = s.unreadable.omitted > 0 ? ` and ${s.unreadable.omitted} more` : '';
    lines.push(`not readable, not scanned (${s.unreadable.count}): ${s.unreadable.items.slice(0, 10).join(', ')}${s.unreadable.items.length > 10 ? ` and ${s.unreadable.count - 10} more` : more}`);
  }
  if (s.stats.aborted) lines.push(`the scan was stopped (check timeout) with ${s.stats.notWalked} dir(s) not walked`);
  else if (s.stats.notWalked > 0) lines.push(`${s.stats.notWalked} dir(s) not walked: more dirs pending than the walk keeps at once`);
  return lines.length ? lines : null;
}
