import path from 'node:path';
import { describeCode, isHostError, type HostFs } from '../../agent/host/index.js';
import { parseSudoers, type ListItem, type SudoProblem, type SudoRule } from './sudoers.js';

export const SUDOERS = '/etc/sudoers';

export interface Sudoers {
  /** Whether /etc/sudoers exists (no file: sudo is not installed or not configured). */
  present: boolean;
  rules: SudoRule[];
  userAliases: Map<string, ListItem[]>;
  /** Files read, in the order sudo reads them. */
  files: string[];
  /** Files that could not be read or lines that could not be parsed. */
  problems: SudoProblem[];
}

/** sudo gives up past this include depth; a loop stops at the first file seen twice. */
const MAX_DEPTH = 128;

function why(err: unknown): string {
  return isHostError(err) ? describeCode(err.code) : String(err);
}

/** sudo's rule for @includedir: skip names ending in `~` or containing a dot (editor backups, .dpkg-old). */
export function includedByDir(name: string): boolean {
  return !name.endsWith('~') && !name.includes('.');
}

/**
 * Reads /etc/sudoers and everything it includes, as sudo does: @include /
 * #include of a file, @includedir / #includedir in lexical order; a relative
 * path is relative to the including file's directory, %h is the short host
 * name. Files sudo never reads (a sudoers.d nobody includes) grant nothing.
 */
export async function loadSudoers(fs: HostFs, hostname: () => Promise<string>, main = SUDOERS): Promise<Sudoers> {
  const out: Sudoers = { present: true, rules: [], userAliases: new Map(), files: [], problems: [] };
  const seen = new Set<string>();

  async function resolve(p: string, from: string): Promise<string> {
    let target = p;
    if (target.includes('%h')) {
      const host = (await hostname()).split('.')[0]!;
      target = target.replace(/%(h|%)/g, (_m, c: string) => (c === 'h' ? host : '%'));
    }
    return path.posix.resolve(path.posix.dirname(from), target);
  }

  async function readFile(file: string, depth: number, included: boolean): Promise<void> {
    if (seen.has(file) || depth > MAX_DEPTH) return;
    seen.add(file);
    let text: string;
    try {
      text = await fs.readText(file, { maxBytes: 1024 * 1024 });
    } catch (err) {
      if (isHostError(err, 'ENOENT')) {
        if (!included) out.present = false;
        return; // a missing include grants nothing
      }
      out.problems.push({ file, message: `${file}: ${why(err)}` });
      return;
    }
    if (text.includes('\u0000')) {
      out.problems.push({ file, message: `${file}: binary data, not a sudoers file` });
      return;
    }
    out.files.push(file);
    const parsed = parseSudoers(text, file);
    out.rules.push(...parsed.rules);
    for (const [name, items] of parsed.userAliases) out.userAliases.set(name, items);
    out.problems.push(...parsed.problems.map((p) => ({ ...p, message: `${file}:${p.line}: ${p.message}` })));
    for (const inc of parsed.includes) {
      const target = await resolve(inc.path, file);
      if (inc.kind === 'include') await readFile(target, depth + 1, true);
      else await readDir(target, depth + 1);
    }
  }

  async function readDir(dir: string, depth: number): Promise<void> {
    let names: string[];
    try {
      names = (await fs.readdir(dir)).map((e) => e.name);
    } catch (err) {
      if (!isHostError(err, 'ENOENT')) out.problems.push({ file: dir, message: `${dir}: ${why(err)}` });
      return;
    }
    for (const name of names.filter(includedByDir).sort()) {
      const file = `${dir}/${name}`;
      // sudo reads regular files only (following links); a subdirectory is not descended into.
      const st = await fs.stat(file).catch((err: unknown) => {
        out.problems.push({ file, message: `${file}: ${why(err)}` });
        return null;
      });
      if (st?.kind === 'file') await readFile(file, depth, true);
    }
  }

  await readFile(main, 0, false);
  return out;
}
