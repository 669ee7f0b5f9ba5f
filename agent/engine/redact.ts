import { createHash } from 'node:crypto';

/** First 12 hex of SHA-256: lets a fleet spot a token used on two hosts without revealing it. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

/** Masks a token, keeping a recognisable prefix (`glrt-****`). */
export function maskToken(token: string): string {
  const m = /^(glrt-|glpat-|glcbt-|GR1348941|ghp_|gho_|ghs_|ghr_|github_pat_|npm_)/.exec(token);
  return `${m ? m[1] : ''}****`;
}

const PATTERNS: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // Private key material: the whole block, whatever the type.
  [/-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(-----END \1-----|$)/g, '-----BEGIN $1----- **** -----END $1-----'],
  [/PuTTY-User-Key-File-\d+:[\s\S]*?(Private-MAC:\s*\S+|$)/g, 'PuTTY-User-Key-File: ****'],
  // Credentials in URLs: scheme://user:secret@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@'"]+):([^\s@'"/]+)@/gi, '$1$2:****@'],
  // Well-known token shapes.
  [/\b(glrt-|glpat-|glcbt-|gldt-|glptt-|GR1348941|ghp_|gho_|ghs_|ghr_|ghu_|github_pat_|npm_|xox[bap]-)[A-Za-z0-9_\-.]{6,}/g, '$1****'],
  // key = value / key: value for secret-looking keys (a value masked already, glrt-**** included, stays as it is).
  [
    // The key starts a word that is not part of a path (".../token: readable" is prose).
    /(?<![\w/.-])((?:[A-Za-z0-9_-]*(?:token|password|passwd|secret|_authToken|api[_-]?key|access[_-]?key))["']?\s*[:=]\s*)(["']?)(?![A-Za-z0-9_-]*\*\*\*\*(?:["'\s,})]|$))([^\s"',})]+)\2/gi,
    // sudo's NOPASSWD:/PASSWD: tags are not secrets.
    // A bare true/false is a setting (automount_service_account_token = false), never a secret.
    (m, key: string, q, value: string) => (/^(NO)?PASSWD\s*:/i.test(key) || (!q && /^(true|false)$/.test(value)) ? m : `${key}${q}****${q}`),
  ],
  // .netrc: password <secret>
  // .netrc: "password <secret>" at a line start or after machine/login (not prose such as "prohibit-password (default)").
  [/(^[ \t]*|\bmachine\s+\S+\s+|\blogin\s+\S+\s+)(password|passwd)\s+(?![=:])(\S+)/gim, '$1$2 ****'],
  // docker config "auth": "base64"
  [/("auth"\s*:\s*")[^"]+(")/g, '$1****$2'],
];

/**
 * Every string that leaves the agent (report, log, message) passes through
 * here. Known secrets (parsed tokens) are replaced exactly; patterns catch
 * the rest.
 */
export class SecretRegistry {
  private readonly secrets = new Set<string>();

  add(secret: unknown): void {
    if (typeof secret === 'string' && secret.length >= 6) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(maskToken(s));
    return redactPatterns(out);
  }
}

export function redactPatterns(text: string): string {
  let out = text;
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep as string);
  return out;
}
