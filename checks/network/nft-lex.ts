import { RulesSyntaxError } from './model.js';

export interface Tok {
  v: string;
  /** A "quoted string" (never a keyword). */
  quoted: boolean;
  /** Punctuation: { } ; , and newline ("\n"). */
  punct: boolean;
  file: string;
  line: number;
}

/** Which files an `include` names, already read: the fact loads them before parsing. */
export type IncludeResolver = (spec: string, from: Tok) => Array<{ path: string; text: string }>;

const PUNCT = new Set(['{', '}', ';', ',']);

/**
 * nft's lexical layer: words, "strings", braces, `;`, `,`, newlines as
 * statement ends, `#` comments, backslash continuations, and `include`
 * (nft splices included files in place, wherever the include appears).
 */
export function lexNft(text: string, file: string, include: IncludeResolver, depth = 0): Tok[] {
  if (depth > 16) throw new RulesSyntaxError(file, 'includes nested more than 16 deep (an include loop?)');
  const out: Tok[] = [];
  let line = 1;
  let i = 0;
  const push = (v: string, quoted: boolean, punct: boolean) => out.push({ v, quoted, punct, file, line });
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '\n') {
      i += 2;
      line++;
    } else if (ch === '\n') {
      push('\n', false, true);
      line++;
      i++;
    } else if (/\s/.test(ch)) i++;
    else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0 || text.slice(i, end).includes('\n')) throw new RulesSyntaxError(`${file}:${line}`, 'unterminated string');
      push(text.slice(i + 1, end), true, false);
      i = end + 1;
    } else if (PUNCT.has(ch)) {
      push(ch, false, true);
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s"#{};,]/.test(text[j]!)) j++;
      push(text.slice(i, j), false, false);
      i = j;
    }
  }
  return spliceIncludes(out, include, depth);
}

function spliceIncludes(toks: Tok[], include: IncludeResolver, depth: number): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const atStart = i === 0 || toks[i - 1]!.punct;
    if (t.v === 'include' && !t.quoted && atStart) {
      const spec = toks[i + 1];
      if (!spec?.quoted) throw new RulesSyntaxError(`${t.file}:${t.line}`, 'include needs a "quoted path"');
      for (const f of include(spec.v, t)) out.push(...lexNft(f.text, f.path, include, depth + 1), { ...t, v: '\n', punct: true });
      i++;
    } else out.push(t);
  }
  return out;
}

/** The `include "..."` specs of one file, for the loader that reads them. */
export function includeSpecs(text: string, file: string): Array<{ spec: string; line: number }> {
  const specs: Array<{ spec: string; line: number }> = [];
  lexNft(text, file, (spec, from) => {
    specs.push({ spec, line: from.line });
    return [];
  });
  return specs;
}

/** A cursor over tokens, with statement-level helpers. */
export class Cursor {
  i = 0;
  constructor(readonly toks: Tok[]) {}

  peek(k = 0): Tok | undefined {
    return this.toks[this.i + k];
  }

  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new RulesSyntaxError(this.where(this.toks.at(-1)), 'unexpected end of file');
    return t;
  }

  is(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.v === v && !t.quoted;
  }

  expect(v: string): Tok {
    const t = this.next();
    if (t.v !== v || t.quoted) throw new RulesSyntaxError(this.where(t), `expected "${v}", found "${t.v === '\n' ? 'end of line' : t.v}"`);
    return t;
  }

  skipEnds(): void {
    while (this.peek() && (this.is('\n') || this.is(';'))) this.i++;
  }

  /** Tokens up to the end of the statement (newline or `;` outside braces, or the enclosing `}`). */
  statement(): Tok[] {
    const out: Tok[] = [];
    let depth = 0;
    for (let t = this.peek(); t; t = this.peek()) {
      if (!t.quoted && depth === 0 && (t.v === '\n' || t.v === ';' || t.v === '}')) break;
      if (!t.quoted && t.v === '{') depth++;
      if (!t.quoted && t.v === '}') depth--;
      out.push(this.next());
    }
    return out;
  }

  /** Skips a balanced `{ ... }` block starting at the cursor. */
  skipBlock(): void {
    this.expect('{');
    for (let depth = 1; depth > 0; ) {
      const t = this.next();
      if (!t.quoted && t.v === '{') depth++;
      if (!t.quoted && t.v === '}') depth--;
    }
  }

  where(t?: Tok): string {
    return t ? `${t.file}:${t.line}` : 'end of input';
  }
}
