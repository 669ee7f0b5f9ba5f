// Line wrapping for the text report: hanging indentation at the terminal's
// width. It works on text already neutralised (no control character left),
// so a break can only insert our own newline and indentation.

/** Narrower than this, hanging indentation leaves no room for words. */
const MIN_WIDTH = 40;

/**
 * Columns of the text report: COLUMNS when it holds a positive number (as
 * ls and man honour it), else the terminal's width when the stream is one,
 * else 80 (a pipe, a file, a CI log).
 */
export function textWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = /^\d+$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : 0;
  const cols = fromEnv > 0 ? fromEnv : stream.isTTY && stream.columns && stream.columns > 0 ? stream.columns : 80;
  return Math.max(MIN_WIDTH, cols);
}

/**
 * Words a line of ours starts with (status lines, fix and rollback output).
 * A continuation line never starts with one, so wrapping a name cannot make
 * a line that reads like a finding of its own.
 */
const STATUS_WORD = /^(pass|fail|warn|skip|error|applied|pending|skipped|failed|undone)\b/i;

const len = (s: string) => [...s].length;

/**
 * `text` laid out after `first` (the first line's lead, e.g. "  FAIL  ") and
 * then at `indent` spaces, each line at most `width` columns. Runs of spaces
 * inside a line are kept (a name's spacing shows as it is); at a break they
 * are dropped, so a continuation starts exactly at the indentation. A word
 * longer than a line (a path, a hash) is cut.
 */
export function wrap(text: string, width: number, first: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  /** Words and the gaps between them, alternating, of the line being filled. */
  let segs: string[] = [];
  let used = 0;
  const room = () => Math.max(10, width - (out.length === 0 ? len(first) : indent));
  const flush = () => {
    out.push((out.length === 0 ? first : pad) + segs.join('').trimEnd());
    segs = [];
    used = 0;
  };
  const put = (s: string) => {
    segs.push(s);
    used += len(s);
  };
  const tokens = text.split(/( +)/);
  for (let t = 0; t < tokens.length; t += 2) {
    const gap = t > 0 ? tokens[t - 1]! : '';
    let word = tokens[t]!;
    if (word === '') {
      if (gap && segs.length) put(gap);
      continue;
    }
    // A word longer than a whole line is cut where it stands; any other that does not fit starts the next line.
    const tooLong = len(word) > Math.max(10, width - indent);
    if (segs.length && used + len(gap) + len(word) > room() && !(tooLong && used + len(gap) < room())) {
      // Break before `word`. A continuation never starts with a status word: the previous word comes along,
      // or, when it cannot (too long, or a status word itself), its last character does.
      let carry = '';
      if (STATUS_WORD.test(word)) {
        const prev = segs[segs.length - 1]!;
        if (segs.length >= 3 && !STATUS_WORD.test(prev) && len(prev) + len(gap) + len(word) <= Math.max(10, width - indent)) {
          segs.length -= 2;
          carry = prev;
        } else {
          const cps = [...prev];
          carry = cps.pop()!;
          if (cps.length) segs[segs.length - 1] = cps.join('');
          else segs.length = Math.max(0, segs.length - 2);
        }
      }
      flush();
      if (carry) put(carry), put(gap);
    } else if (segs.length) {
      put(gap);
    }
    while (used + len(word) > room()) {
      let fit = room() - used;
      if (fit <= 0) {
        flush();
        continue;
      }
      const cps = [...word];
      if (fit > 1 && STATUS_WORD.test(cps.slice(fit).join(''))) fit -= 1;
      put(cps.slice(0, fit).join(''));
      flush();
      word = cps.slice(fit).join('');
    }
    if (word) put(word);
  }
  if (segs.length || out.length === 0) flush();
  return out;
}
