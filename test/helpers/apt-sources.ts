// This machine's apt sources, read at run time: the Debian mirror for
// debootstrap and the same Debian entries for apt inside a chroot. Mirror
// URLs never go into a repo file, nor into error text (it lands in .cache/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const SUITE = 'bookworm';
const DEBIAN_KEYRING = /debian-archive-keyring/;

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
  /** The file it came from (for messages). */
  file: string;
}

function parseOneLine(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const opts = Object.fromEntries((m[2] ?? '').trim().split(/\s+/).filter(Boolean).map((o) => o.split('=') as [string, string]));
    out.push({ types: [m[1]!], uris: [m[3]!], suites: [m[4]!], components: m[5]!.split(/\s+/).filter(Boolean), signedBy: opts['signed-by'], file });
  }
  return out;
}

/** deb822 (sources.list(5) "DEB822-STYLE FORMAT"): stanzas separated by blank lines. */
function parseDeb822(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields[last] += '\n' + raw.trim(); // continuation line (e.g. an inline Signed-By key)
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (m) fields[(last = m[1]!.toLowerCase())] = m[2]!.trim();
    }
    if (!fields.uris || /^(no|false)$/i.test(fields.enabled ?? '')) continue;
    const words = (k: string) => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    out.push({ types: words('types'), uris: words('uris'), suites: words('suites'), components: words('components'), signedBy: fields['signed-by'], file });
  }
  return out;
}

/** Every enabled entry of this machine's apt sources (sources.list, *.list, *.sources). */
export function hostAptSources(etc = '/etc/apt'): AptSource[] {
  const out: AptSource[] = [];
  const main = path.join(etc, 'sources.list');
  if (existsSync(main)) out.push(...parseOneLine(readFileSync(main, 'utf8'), main));
  const dir = path.join(etc, 'sources.list.d');
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const file = path.join(dir, name);
    if (name.endsWith('.list')) out.push(...parseOneLine(readFileSync(file, 'utf8'), file));
    else if (name.endsWith('.sources')) out.push(...parseDeb822(readFileSync(file, 'utf8'), file));
  }
  return out;
}

/**
 * The Debian bookworm entries: binary, suite bookworm or bookworm-*, component
 * main, signed by the Debian archive keyring or unsigned-by (which apt checks
 * against the same keyring). Third-party repos that reuse the codename (docker:
 * "bookworm stable") fall out on the component or the keyring.
 */
export function debianSources(all = hostAptSources()): AptSource[] {
  return all
    .filter((s) => s.types.includes('deb') && s.components.includes('main') && (!s.signedBy || DEBIAN_KEYRING.test(s.signedBy)))
    .map((s) => ({ ...s, types: ['deb'], suites: s.suites.filter((x) => x === SUITE || x.startsWith(`${SUITE}-`)), uris: s.uris.filter((u) => /^(https?|file):/.test(u)) }))
    .filter((s) => s.suites.length > 0 && s.uris.length > 0);
}

/** The mirror debootstrap uses: the first Debian entry carrying the bare suite. */
export function debianMirror(): string {
  const s = debianSources().find((x) => x.suites.includes(SUITE));
  if (!s) throw new Error(`no Debian "${SUITE} main" entry in this machine's apt sources (/etc/apt/sources.list, sources.list.d/*.list, *.sources)`);
  return s.uris[0]!;
}

/** Keeps mirror URLs out of error text (it ends up in .cache/ inside the repo). */
export function scrub(text: string): string {
  let out = text;
  try {
    for (const s of debianSources()) for (const u of s.uris) out = out.split(u.replace(/\/+$/, '')).join('<apt mirror>');
  } catch {
    // no sources: nothing to scrub
  }
  return out.replace(/\b(https?|ftp):\/\/[^\s/'"]+/g, '$1://<host>');
}

/** The Debian entries of this machine, as a deb822 file for the chroot's own apt. */
export function chrootSourcesFile(root: string): string {
  return debianSources()
    .map((s) => {
      // Keep Signed-By only when that keyring exists inside the root too.
      const signed = s.signedBy && !s.signedBy.includes('\n') && existsSync(path.join(root, s.signedBy)) ? `Signed-By: ${s.signedBy}\n` : '';
      return `Types: deb\nURIs: ${s.uris.join(' ')}\nSuites: ${s.suites.join(' ')}\nComponents: ${s.components.join(' ')}\n${signed}`;
    })
    .join('\n');
}
