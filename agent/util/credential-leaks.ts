import path from 'node:path';

/** What secret a credential file holds; never the secret itself. */
export interface Leak {
  what: string;
  /** Where in the file: line numbers, never the secret. */
  where: string[];
}

const URL_CREDS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:[^\s/@]+@/i;

/** Line numbers listed per file; a file of a million such lines is one count, not a million evidence lines. */
const MAX_WHERE = 20;
const capLines = (w: string[]) => (w.length > MAX_WHERE ? [...w.slice(0, MAX_WHERE), `and ${w.length - MAX_WHERE} more lines`] : w);

/** What secret a credential file holds, judged by its kind; null when it holds none. */
export function inspectCredentialFile(file: string, text: string): Leak | null {
  const lines = text.split('\n');
  const hits = (re: RegExp) => capLines(lines.flatMap((l, i) => (re.test(l) ? [`line ${i + 1}`] : [])));
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
      return regs.length ? { what: `docker config.json with registry auths`, where: capLines(regs.map((r) => `registry ${r}`)) } : null;
    } catch {
      return null; // not JSON: docker would not use it either
    }
  }
  return null;
}

