// One neutralising step per output format. Findings keep what a job wrote
// (file names, runner names, .runner values) exactly; it is made harmless
// here, when it is written out, and nowhere else. Every reporter, the fix
// and rollback output and the CLI's error lines go through these functions.

/**
 * What a terminal, an XML parser or a viewer may act on instead of showing:
 * C0 (newline and tab too: a name must never start a line of its own), DEL,
 * C1 (U+009B is a CSI), the line/paragraph separators, bidi and zero-width
 * format characters (they reorder or hide what follows), BOM, the
 * noncharacters U+FFFE/U+FFFF and lone surrogates (neither is valid in XML
 * 1.0 nor encodable as UTF-8).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufffe\uffff\ud800-\udfff]/g;

/**
 * Whether the surrogate at s[i] is half of a valid pair. A plain character
 * class plus this check scans a whole JSON report several times faster than
 * lookahead/lookbehind in the regex.
 */
function paired(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    return next >= 0xdc00 && next <= 0xdfff;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = s.charCodeAt(i - 1);
    return prev >= 0xd800 && prev <= 0xdbff;
  }
  return false;
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(c: string, i: number, s: string): string {
  if (paired(s, i)) return c;
  const code = c.charCodeAt(0);
  if (NAMED[c]) return NAMED[c]!;
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * A value as one line of plain text: every unsafe character shown as an
 * escape (`\x1b`, `\r`, `\n`, `\u009b`, `\ud800`). Backslashes are kept as
 * they are, so a name spelt `\x1b` looks like an escaped ESC; it cannot do
 * anything either way.
 */
export function forTerminal(value: unknown): string {
  return String(value).replace(UNSAFE, visible);
}

/**
 * File content shown as lines (a diff, a rule set): each line neutralised,
 * the `\n` between them kept, and tabs kept too, since indentation is what
 * a diff of a config file is about and a tab cannot overwrite what is shown.
 */
export function forTerminalLines(text: string): string {
  return text.split('\n').map((line) => line.split('\t').map(forTerminal).join('\t')).join('\n');
}

/**
 * Template tag for terminal output: the literal parts are the program's own
 * (newlines, padding), every interpolated value goes through forTerminal.
 * `term\`${state} ${subject}: ${note}\n\``
 */
export function term(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += forTerminal(values[i]) + strings[i + 1]!;
  return out;
}

/** An error's message for `runnerguard: ...` on stderr (HostError messages carry job-chosen paths). */
export function errorText(err: unknown): string {
  return forTerminal((err as Error | undefined)?.message ?? String(err));
}

/** XML 1.0 character data or attribute value: unsafe characters as visible escapes, then the five entities. */
export function forXml(value: unknown): string {
  return forTerminal(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Markdown prose that must render as exactly these characters: every
 * character that can open an inline construct (emphasis, strikethrough,
 * code span, link, image, autolink, raw HTML, entity, table pipe) or a block
 * at the start of a line is backslash-escaped, unsafe characters are shown as
 * escapes. Autolinks of bare URLs and e-mail addresses and the platforms' own
 * linkers (mentions, issue refs) still act on prose: job-chosen names go in
 * mdCode instead, and mdText is for our own words and root-owned values.
 */
export function mdText(value: unknown): string {
  return forTerminal(value)
    .replace(/[\\`*_[\]<>&|!~#]/g, (c) => `\\${c}`)
    .replace(/^([-+=]|\d+(?=[.)]))/, (c) => (/\d/.test(c) ? `${c}\\` : `\\${c}`));
}

/**
 * A job-chosen value as an inline code span: no Markdown, HTML, entity,
 * autolink or mention is recognised inside it. The fence is longer than any
 * backtick run in the value. In a GFM table cell (`cell`, the default) `|`
 * is `\|`: the table parser turns it back into `|` before the span is read;
 * elsewhere a backslash in a code span would show.
 */
export function mdCode(value: unknown, { cell = true } = {}): string {
  const s = cell ? forTerminal(value).replace(/\|/g, '\\|') : forTerminal(value);
  if (s === '') return '';
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s.startsWith(' ') || s.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** A Prometheus label value: unsafe characters as visible escapes, then the exposition format's `\\` and `\"`. */
export function forPromLabel(value: unknown): string {
  return forTerminal(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** The same text, with each lone surrogate (not encodable as UTF-8) replaced by U+FFFD. */
export function wellFormed(value: string): string {
  return value.replace(/[\ud800-\udfff]/g, (c, i: number, s: string) => (paired(s, i) ? c : '\ufffd'));
}

/**
 * A path as a URI path (relative, no leading `/`), percent-encoded per
 * segment: `#`, `?` and `%` in a name stay part of the path, and a lone
 * surrogate (encodeURI throws URIError on it) becomes U+FFFD first.
 */
export function uriPath(p: string): string {
  return wellFormed(p).split('/').map(encodeURIComponent).join('/');
}

// Characters JSON.stringify leaves raw that a terminal may act on (C1, DEL)
// or that reorder or hide text, and lone surrogates (JSON.stringify escapes
// them, pino's serialiser does not: written out they would become U+FFFD).
// JSON text is ASCII outside its strings, so these can only occur inside one.
const JSON_RAW = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufffe\uffff\ud800-\udfff]/g;

/** JSON text with those characters as `\uXXXX`: the same JSON value (lossless), safe to print. */
export function jsonSafe(json: string): string {
  return json.replace(JSON_RAW, (c, i: number, s: string) => (paired(s, i) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
