import path from 'node:path';
import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { buildScanFact, type CredentialFile } from '../../agent/facts/build-scan.js';
import { describeCode, isHostError } from '../../agent/host/index.js';
import { readRegularTextSync } from '../../agent/host/tree-fs.js';
import { REF } from '../references.js';
import { unknownDirs } from './dirs-known.js';

interface Leak {
  what: string;
  /** Where in the file: line numbers, never the secret. */
  where: string[];
}

const URL_CREDS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:[^\s/@]+@/i;

/** What secret a credential file holds, judged by its kind; null when it holds none. */
export function inspectCredentialFile(file: string, text: string): Leak | null {
  const lines = text.split('\n');
  const hits = (re: RegExp) => lines.flatMap((l, i) => (re.test(l) ? [`line ${i + 1}`] : []));
  const name = path.basename(file);
  const parent = path.basename(path.dirname(file));
  if (name === 'config' && parent === '.git') {
    const where = hits(new RegExp(`^\\s*(url|pushurl)\\s*=.*${URL_CREDS.source}`, 'i'));
    return where.length ? { what: 'git remote URL with embedded credentials (e.g. gitlab-ci-token:…@, x-access-token:…@)', where } : null;
  }
  if (name === '.netrc' || name === '_netrc') {
    const where = hits(/(^|\s)password\s+\S/);
    return where.length ? { what: '.netrc with a password', where } : null;
  }
  if (name === '.git-credentials') {
    const where = hits(URL_CREDS);
    return where.length ? { what: 'git credential store (.git-credentials)', where } : null;
  }
  if (name === '.npmrc') {
    const where = hits(/(_authToken|_auth|_password)\s*=\s*\S/);
    return where.length ? { what: '.npmrc with an auth token', where } : null;
  }
  if (name === 'config.json' && parent === '.docker') {
    try {
      const doc = JSON.parse(text) as { auths?: Record<string, { auth?: string; identitytoken?: string }> };
      const regs = Object.entries(doc.auths ?? {}).filter(([, v]) => v && (v.auth || v.identitytoken)).map(([k]) => k);
      return regs.length ? { what: `docker config.json with registry auths`, where: regs.map((r) => `registry ${r}`) } : null;
    } catch {
      return null; // not JSON: docker would not use it either
    }
  }
  return null;
}

function read(file: CredentialFile): string | { error: string } {
  try {
    return readRegularTextSync(file.hostPath, file.path, 1024 * 1024);
  } catch (err) {
    return { error: `${file.path}: ${isHostError(err) ? describeCode(err.code) : String(err)}` };
  }
}

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
    const broken = await unknownDirs(ctx);
    if (broken.length > 0 && present.length === 0) return broken;
    if (present.length === 0) return [verdict.skip('builds', 'no builds or cache dir on this host')];
    const findings: FindingDraft[] = [];
    for (const s of present) {
      const texts = s.credentialFiles.map(read);
      s.credentialFiles.forEach((file, i) => {
        const text = texts[i]!;
        if (typeof text !== 'string') {
          findings.push(verdict.error(file.path, text.error));
          return;
        }
        const leak = inspectCredentialFile(file.path, text);
        if (leak) findings.push(verdict.fail(file.path, `${leak.what} left in the ${s.dir.kind} dir of ${s.dir.owner}`, leak.where));
      });
    }
    if (findings.length === 0) {
      const dirs = present.map((s) => s.dir.path);
      return [verdict.pass(dirs.join(', '), `no credentials in ${present.reduce((n, s) => n + s.stats.files, 0)} files of ${dirs.length} dir(s)`)];
    }
    return findings;
  },
});
