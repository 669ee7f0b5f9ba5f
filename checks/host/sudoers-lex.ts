/**
 * The lexical layer of sudoers(5): logical lines (comments dropped, `\`
 * continuations joined) and tokens (words with quotes and escapes resolved,
 * and the punctuation the grammar is built from).
 */

/** `@include`, `#include`, `@includedir`, `#includedir` (a directive, not a comment). */
export const INCLUDE = /^[@#](include|includedir)[ \t]+(.+)$/;

/**
 * Drops a comment: `#` at the start of a word, unless digits follow (`#998` is
 * a uid) or it sits inside quotes.
 */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '#' && !quoted && (i === 0 || /\s/.test(line[i - 1]!)) && !/\d/.test(line[i + 1] ?? '')) return line.slice(0, i);
  }
  return line;
}

/** Logical lines. A comment ends at its newline: a trailing `\` in it continues nothing. */
export function logicalLines(text: string): Array<{ line: number; text: string }> {
  const raw = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const out: Array<{ line: number; text: string }> = [];
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    if (INCLUDE.test(raw[i]!.trim())) {
      out.push({ line: start, text: raw[i]!.trim() });
      continue;
    }
    let body = stripComment(raw[i]!);
    // sudo reads backslash-newline as whitespace.
    while (/\\[ \t]*$/.test(body) && i + 1 < raw.length) body = `${body.replace(/\s*\\[ \t]*$/, '')} ${stripComment(raw[++i]!).trimStart()}`;
    body = body.trim();
    if (body) out.push({ line: start, text: body });
  }
  return out;
}

export type Token = { kind: 'word'; value: string } | { kind: ',' | ':' | '=' | '(' | ')' | '!' };

/** A line sudo would reject; the parser reports it with file:line. */
export class SudoersSyntaxError extends Error {}

/** Words (quotes and backslash escapes resolved) and sudoers punctuation. */
export function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let word = '';
  let inWord = false;
  const flush = () => {
    if (inWord) out.push({ kind: 'word', value: word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      word += s[++i];
      inWord = true;
    } else if (c === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) throw new SudoersSyntaxError('unterminated quote');
      word += s.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (/\s/.test(c)) flush();
    else if (c === ',' || c === ':' || c === '=' || c === ')') {
      flush();
      out.push({ kind: c });
    } else if ((c === '!' || c === '(') && !inWord) out.push({ kind: c });
    else {
      word += c;
      inWord = true;
    }
  }
  flush();
  return out;
}
