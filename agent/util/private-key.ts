/**
 * Recognises private-key files by their content, never by their name: a key
 * saved as notes.txt is still a key, and id_rsa.pub is not one.
 */

export type KeyFormat = 'OpenSSH' | 'PEM RSA' | 'PEM EC' | 'PEM DSA' | 'PKCS#8' | 'PKCS#8 encrypted' | 'PuTTY v2' | 'PuTTY v3';

export interface KeyInfo {
  format: KeyFormat;
  /** Key algorithm where the file says it without decrypting anything (ssh-ed25519, rsa, ...). */
  algorithm?: string;
  /** Passphrase-protected; undefined when the format does not tell. */
  encrypted?: boolean;
}

/** How much of a file is enough: the marker sits at the top (after a cert or two in a bundle). */
export const KEY_HEAD_BYTES = 8 * 1024;

const PEM = /-----BEGIN ((?:OPENSSH|RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----/g;
const PUTTY = /^PuTTY-User-Key-File-([23]):[ \t]*(\S+)[ \t]*\r?\nEncryption:[ \t]*(\S+)/m;
const BASE64_LINE = /^[A-Za-z0-9+/]{40,}={0,2}$/;

const PEM_FORMATS: Record<string, KeyFormat> = {
  'OPENSSH ': 'OpenSSH',
  'RSA ': 'PEM RSA',
  'EC ': 'PEM EC',
  'DSA ': 'PEM DSA',
  'ENCRYPTED ': 'PKCS#8 encrypted',
  '': 'PKCS#8',
};

// AlgorithmIdentifier OIDs (DER bytes, hex) near the top of a PKCS#8 PrivateKeyInfo.
const PKCS8_OIDS: Array<[string, string]> = [
  ['2a864886f70d010101', 'rsa'],
  ['2a8648ce3d0201', 'ec'],
  ['2a8648ce380401', 'dsa'],
  ['2b6570', 'ed25519'],
  ['2b6571', 'ed448'],
];

/**
 * The body tokens after a BEGIN marker. Keys are also pasted into YAML
 * (indented), JSON ("\n" escapes) and env files (one line, spaces): split on
 * all of those, and drop the quotes around them.
 */
function bodyTokens(text: string, from: number): string[] {
  return text
    .slice(from, from + 4096)
    .split(/\\[nr]|\s+/)
    .map((t) => t.replace(/^["']+|["',]+$/g, ''))
    .filter((t) => t !== '');
}

/** Base64 body up to the END marker (or the end of the window), decoded; header lines skipped. */
function body(tokens: string[]): { lines: string[]; headers: string[] } {
  const headers: string[] = [];
  let i = 0;
  // RFC 1421 headers of legacy encrypted PEM: "Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,..."
  while (i < tokens.length && /^(Proc-Type|DEK-Info):$/.test(tokens[i]!)) {
    headers.push(`${tokens[i]} ${tokens[i + 1] ?? ''}`);
    i += 2;
  }
  const lines: string[] = [];
  for (; i < tokens.length && /^[A-Za-z0-9+/=]+$/.test(tokens[i]!); i++) lines.push(tokens[i]!);
  return { lines, headers };
}

/** Reads an SSH wire-format string at `off` (uint32 length + bytes). */
function sshString(buf: Buffer, off: number): { value: Buffer; next: number } | null {
  if (off + 4 > buf.length) return null;
  const len = buf.readUInt32BE(off);
  if (len > 1024 || off + 4 + len > buf.length) return null;
  return { value: buf.subarray(off + 4, off + 4 + len), next: off + 4 + len };
}

/** openssh-key-v1: magic, cipher, kdf, kdf options, key count, then the public key (type first). */
function opensshDetails(der: Buffer): Pick<KeyInfo, 'algorithm' | 'encrypted'> {
  const magic = 'openssh-key-v1\0';
  if (der.subarray(0, magic.length).toString('latin1') !== magic) return {};
  const cipher = sshString(der, magic.length);
  const kdf = cipher && sshString(der, cipher.next);
  const kdfOpts = kdf && sshString(der, kdf.next);
  const pub = kdfOpts && sshString(der, kdfOpts.next + 4);
  const type = pub && sshString(pub.value, 0);
  return {
    encrypted: cipher ? cipher.value.toString('latin1') !== 'none' : undefined,
    algorithm: type ? type.value.toString('latin1') : undefined,
  };
}

function pkcs8Algorithm(der: Buffer): string | undefined {
  const hex = der.subarray(0, 48).toString('hex');
  return PKCS8_OIDS.find(([oid]) => hex.includes(`06${(oid.length / 2).toString(16).padStart(2, '0')}${oid}`))?.[1];
}

/**
 * The first private key in `head` (the first KEY_HEAD_BYTES of a file), or
 * null. A BEGIN marker counts only when a base64 body follows it, so prose
 * that mentions "PRIVATE KEY" is not a key.
 */
export function detectPrivateKey(head: Buffer): KeyInfo | null {
  const text = head.toString('latin1');
  const putty = PUTTY.exec(text);
  for (const m of text.matchAll(PEM)) {
    const { lines, headers } = body(bodyTokens(text, m.index + m[0].length));
    if (lines.length === 0 || !BASE64_LINE.test(lines[0]!)) continue;
    const format = PEM_FORMATS[m[1] ?? '']!;
    const der = Buffer.from(lines.join('').slice(0, 1024), 'base64');
    if (format === 'OpenSSH') return { format, ...opensshDetails(der) };
    if (format === 'PKCS#8') return { format, algorithm: pkcs8Algorithm(der), encrypted: false };
    if (format === 'PKCS#8 encrypted') return { format, encrypted: true };
    return { format, algorithm: format.slice(4).toLowerCase(), encrypted: headers.some((h) => /ENCRYPTED/.test(h)) };
  }
  if (putty) return { format: putty[1] === '3' ? 'PuTTY v3' : 'PuTTY v2', algorithm: putty[2], encrypted: putty[3] !== 'none' };
  return null;
}

/** "OpenSSH private key (ssh-ed25519, unencrypted)" */
export function describeKey(k: KeyInfo): string {
  const details = [k.algorithm, k.encrypted === undefined ? undefined : k.encrypted ? 'passphrase-protected' : 'unencrypted'].filter(Boolean);
  return `${k.format} private key${details.length ? ` (${details.join(', ')})` : ''}`;
}
