/**
 * File names are bytes. A job can name a dir `\xff\xfe`; read as UTF-8 it
 * becomes U+FFFD, a path that does not exist, and everything under it is
 * never seen. Names are read as Buffers, and shown with every byte that is
 * not part of valid UTF-8 as `\xNN`.
 */

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The name as text when it is valid UTF-8, else null. */
export function decodeExact(raw: Uint8Array): string | null {
  // Most names are ASCII: no decoder call for them.
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
  try {
    return decoder.decode(raw);
  } catch {
    return null;
  }
}

/** Length of the valid UTF-8 sequence at raw[i] (0 when none starts there). */
function seqLen(raw: Uint8Array, i: number): number {
  const b = raw[i]!;
  if (b < 0x80) return 1;
  const cont = (j: number, lo = 0x80, hi = 0xbf) => j < raw.length && raw[j]! >= lo && raw[j]! <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf; // no surrogates
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/** Valid UTF-8 kept as is; every other byte as `\xNN` (lowercase hex). */
export function escapeBytes(raw: Uint8Array): string {
  const exact = decodeExact(raw);
  if (exact !== null) return exact;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const n = seqLen(raw, i);
    if (n === 0) {
      out += `\\x${raw[i]!.toString(16).padStart(2, '0')}`;
      i++;
    } else {
      out += decoder.decode(raw.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}

const ESCAPED_BYTE = /\\x[0-9a-f]{2}/;

/**
 * Whether a path shown in a finding may stand for bytes that are not UTF-8
 * (it holds a `\xNN` escape). Such a string is not the file's path: a
 * remediation must not act on it (it could name another file a job made
 * with those literal characters).
 */
export function mayHoldEscapedBytes(shown: string): boolean {
  return ESCAPED_BYTE.test(shown);
}

export const ESCAPED_PATH_REFUSAL =
  'its path holds bytes that are not UTF-8 (shown as \\xNN): the shown path is not the file\'s real name, so it cannot be acted on safely; move or clean it by hand (e.g. `find DIR -print0 | xxd`)';
