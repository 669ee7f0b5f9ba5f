import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { forPromLabel, forTerminal, forTerminalLines, forXml, jsonSafe, mdCode, mdText, term, uriPath, wellFormed } from '../../agent/report/neutralize.js';

// Each function against the tool that reads its output where one runs here
// (cmark-gfm, xmllint); the hostile-host tests drive them through the CLI.

const EVERY_CONTROL = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).join('') + '\x7f' + Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)).join('');
const LONE = 'a\ud800b\udc00c';

function gfm(md: string): string {
  return execFileSync('cmark-gfm', ['--unsafe', '-e', 'table', '-e', 'autolink', '-e', 'tagfilter', '-e', 'strikethrough'], { input: md, encoding: 'utf8' });
}

describe('forTerminal', () => {
  it('shows every C0, DEL and C1 character as an escape, and nothing else changes', () => {
    const shown = forTerminal(EVERY_CONTROL);
    expect(shown).toMatch(/^[\x20-\x7e]+$/);
    expect(shown.startsWith('\\x00\\x01')).toBe(true);
    expect(shown).toContain('\\t\\n\\x0b\\x0c\\r');
    expect(shown).toContain('\\x1b');
    expect(shown).toContain('\\x7f\\u0080');
    expect(shown.endsWith('\\u009b\\u009c\\u009d\\u009e\\u009f')).toBe(true);
    expect(forTerminal('/home/ü/日本/😀 a\\b')).toBe('/home/ü/日本/😀 a\\b');
  });

  it('escapes lone surrogates, noncharacters, bidi and line separators; keeps a valid pair', () => {
    expect(forTerminal(LONE)).toBe('a\\ud800b\\udc00c');
    expect(forTerminal('\ud83d\ude00')).toBe('\ud83d\ude00');
    // Only the half without a partner is escaped, wherever it sits.
    expect(forTerminal('\ud800\ud83d\ude00\udc00')).toBe('\\ud800\ud83d\ude00\\udc00');
    expect(forTerminal('\udc00\ud800')).toBe('\\udc00\\ud800');
    expect(wellFormed('\ud83d\ude00\ude00\ud83d')).toBe('\ud83d\ude00\ufffd\ufffd');
    expect(forTerminal('x\u202eevil\u2066\u2028\ufeff\ufffe\uffff')).toBe('x\\u202eevil\\u2066\\u2028\\ufeff\\ufffe\\uffff');
  });

  it('term neutralises the values only; forTerminalLines keeps newlines and tabs, escapes CR and ESC', () => {
    const name = 'x\n  PASS  forged';
    expect(term`  FAIL ${name}: ${'\x1b[2J'}\n`).toBe('  FAIL x\\n  PASS  forged: \\x1b[2J\n');
    expect(forTerminalLines('-\told\x1b[2J\r\n+\tnew')).toBe('-\told\\x1b[2J\\r\n+\tnew');
  });
});

describe('forXml', () => {
  it('every character xmllint accepts in text and in attributes, round trip to the escaped form', () => {
    const value = `${EVERY_CONTROL}${LONE}\ufffe\uffff<&>"'`;
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<r a="${forXml(value)}">${forXml(value)}</r>\n`;
    const lint = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
    expect(lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    // xmllint ends what --xpath prints with a newline of its own.
    const read = (xpath: string) => execFileSync('xmllint', ['--xpath', xpath, '-'], { input: xml, encoding: 'utf8' }).replace(/\n$/, '');
    expect(read('string(/r)')).toBe(forTerminal(value));
    expect(read('string(/r/@a)')).toBe(forTerminal(value));
  });
});

describe('Markdown', () => {
  const hostile = ['a|b', '`', '``x`` `', ' lead and trail ', '![x](http://127.0.0.1/x)', '<img src=x>', '&amp;', '[a](javascript:alert(1))', '@everyone a@b.example.com www.x.example', 'back\\|slash', 'end\\', 'x\r\ny'];

  it('mdCode: one table cell, rendered as exactly the neutralised text in a <code>, for every hostile value', () => {
    const rows = hostile.map((v) => `| ${mdCode(v)} | end |`);
    const html = gfm(['| name | end |', '| --- | --- |', ...rows, ''].join('\n'));
    const cells = [...html.matchAll(/<tr>\n<td>(.*?)<\/td>\n<td>(.*?)<\/td>\n<\/tr>/g)];
    expect(cells).toHaveLength(hostile.length);
    cells.forEach((m, i) => {
      expect(m[2]).toBe('end');
      expect(decode(m[1]!), hostile[i]).toBe(`<code>${forTerminal(hostile[i])}</code>`);
    });
    expect(html).not.toMatch(/<(a|img)\b/);
  });

  it('mdCode outside a table: the same characters, a pipe without its backslash', () => {
    for (const v of ['/srv/a|b', '`x`', '<img src=x>']) expect(gfm(`root ${mdCode(v, { cell: false })}`), v).toBe(`<p>root <code>${esc(v)}</code></p>\n`);
  });

  it('mdText: our own prose renders as its characters (no link, image, emphasis, HTML, entity, heading or list)', () => {
    for (const v of ['*a* _b_ ~c~ `d`', '<b>x</b> &amp; [l](u) ![i](u)', '# heading', '- item', '1. item', '1) item', '+ x', '= x', 'a\\b']) {
      const html = gfm(mdText(v));
      expect(html, v).toBe(`<p>${esc(v)}</p>\n`);
    }
  });
});

describe('JSON, URIs and Prometheus labels', () => {
  it('jsonSafe: the same JSON value, with no C1, bidi or lone surrogate left raw', () => {
    const value = { s: `${EVERY_CONTROL}${LONE}\u202e\u2028\ufffe`, n: [1, 'ü😀'] };
    const json = jsonSafe(JSON.stringify(value));
    expect(JSON.parse(json)).toEqual(value);
    expect(json).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u202e\ufffe]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    expect(jsonSafe(`"${LONE}"`)).toBe('"a\\ud800b\\udc00c"');
  });

  it('uriPath: never throws; %, #, ? stay in the path; a lone surrogate becomes %EF%BF%BD', () => {
    expect(() => encodeURI(LONE)).toThrow(URIError);
    expect(uriPath(`tmp/${LONE}/a#b?c%d e`)).toBe('tmp/a%EF%BF%BDb%EF%BF%BDc/a%23b%3Fc%25d%20e');
    expect(decodeURIComponent(uriPath('x/ü😀'))).toBe('x/ü😀');
    expect(wellFormed(LONE)).toBe('a\ufffdb\ufffdc');
  });

  it('forPromLabel: escaped for the exposition format, no raw newline', () => {
    expect(forPromLabel('a"b\\c\nd\x1b')).toBe('a\\"b\\\\c\\\\nd\\\\x1b');
  });
});

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** cmark's HTML text back to characters (it escapes &, <, > and "). */
function decode(html: string): string {
  return html.replace(/<code>(.*)<\/code>/s, (_m, inner: string) => `<code>${inner.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')}</code>`);
}
