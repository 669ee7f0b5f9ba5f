import { withTarget, writerOf, type Actor } from '../host/safe-path.js';
import { readRegularTextSync } from '../host/tree-fs.js';
import type { FactEnv } from './index.js';

export const INIT_DIR = '/etc/init.d';
/** Scripts looked at, and bytes read of each, at most: a dir of someone's making cannot make the audit read without end. */
const MAX_SCRIPTS = 2000;
const MAX_SCRIPT_BYTES = 64 * 1024;

/** A SysV init script and the command it starts. */
export interface InitScript {
  path: string;
  /** The `cmd="..."` line, as the shell would split `$cmd`. */
  argv: string[];
  /** Set when someone other than root could write the script (or its dir): what it names is theirs to choose. */
  writer?: Actor;
}

/**
 * Evaluates the right-hand side of a `cmd=...` shell assignment: quotes
 * removed as sh does, then split on blanks, since the script runs `$cmd`
 * unquoted. kardianos/service writes `cmd="/usr/bin/gitlab-runner "run"
 * "--config" "/etc/x.toml""`: its `cmd` template quotes each argument,
 * which ends and reopens the outer quotes, so the words come out plain.
 */
export function shellAssignmentWords(rhs: string): string[] {
  let out = '';
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < rhs.length; i++) {
    const c = rhs[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else out += c;
    } else if (c === '\\' && i + 1 < rhs.length) {
      out += rhs[++i];
    } else if (c === '"' || (c === "'" && quote === null)) {
      quote = quote === c ? null : quote ?? c;
    } else if (quote === null && /[\s;#]/.test(c)) {
      break; // the assignment ends at an unquoted blank
    } else out += c;
  }
  return out.split(/[ \t\n]+/).filter(Boolean);
}

/** The command a kardianos/service SysV script starts (its `cmd=` line), or null. */
export function initScriptCommand(text: string): string[] | null {
  for (const line of text.split('\n')) {
    const m = /^\s*cmd=(.*)$/.exec(line);
    if (m) return shellAssignmentWords(m[1]!);
  }
  return null;
}

/**
 * Every /etc/init.d script with a `cmd=` line (the template kardianos/service
 * writes when `gitlab-runner install` finds no systemd), read without
 * following links a non-root user could make, each at most 64 KiB.
 */
export async function initScripts(env: FactEnv): Promise<InitScript[]> {
  const entries = (await env.host.fs.readdir(INIT_DIR).catch(() => [])).filter((e) => e.kind === 'file' && /^[A-Za-z0-9_.@+-]+$/.test(e.name));
  const out: InitScript[] = [];
  for (const e of entries.map((x) => x.name).sort().slice(0, MAX_SCRIPTS)) {
    if (env.signal.aborted) break;
    const path = `${INIT_DIR}/${e}`;
    let text: string;
    try {
      text = await withTarget(env.host, path, (loc) => readRegularTextSync(loc.at, loc.label, MAX_SCRIPT_BYTES));
    } catch {
      continue; // too big, not a regular file, or unreachable: not a script the installer wrote
    }
    if (text.includes('\u0000')) continue;
    const argv = initScriptCommand(text);
    if (!argv) continue;
    const writer = (await writerOf(env.host, path)) ?? undefined;
    out.push({ path, argv, ...(writer ? { writer } : {}) });
  }
  return out;
}
