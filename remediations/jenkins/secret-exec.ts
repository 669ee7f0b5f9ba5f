import type { ServiceUnit } from '../../agent/facts/service-units.js';

/** A secret this remediation moves: a plain token. Anything else (quotes, `$`, `%`, a newline) could change what ExecStart= means once written into a drop-in. */
export const PLAIN_TOKEN = /^[A-Za-z0-9]{6,256}$/;
/** Unit names we derive paths from: no `%` (a systemd specifier), no `$`, no `/`, no quoting. */
export const SAFE_UNIT = /^[A-Za-z0-9_.:@-]{1,200}\.service$/;

export type Rewrite = { exec: string; via: { kind: 'inline' } | { kind: 'variable'; name: string } } | { refused: string };

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Only the value of `-secret` (`-secret X`, `-secret=X`, quoted or not): a positional secret (jnlp.Main's `<secret> <name>`) takes no `@file`. */
const BEFORE = `(?<=-secret(?:=|\\s+)["']?)`;
const AFTER = `(?=$|[\\s"'])`;

/**
 * The unit's ExecStart= as written, with the one place the secret comes
 * from (the token itself, or the `${VAR}`/`$VAR` that expands to it) made
 * `@<file>`. The rest is kept byte for byte: quoting, `%` specifiers and
 * other variables mean what they meant. Anything ambiguous is refused.
 */
export function rewriteExec(u: ServiceUnit, secret: string, file: string): Rewrite {
  const execs = u.unit.sections.get('Service')?.get('ExecStart') ?? [];
  if (execs.length !== 1) return { refused: `the unit has ${execs.length} ExecStart= lines: which one starts the agent is not clear` };
  const raw = execs[0]!;
  if (/[\r\n]/.test(raw)) return { refused: 'its ExecStart= spans several lines' };
  const literal = new RegExp(`${BEFORE}${escapeRe(secret)}${AFTER}`, 'g');
  const vars = [...u.environment].filter(([, v]) => v === secret).map(([k]) => k);
  const varRes = vars.map((name) => ({ name, re: new RegExp(`${BEFORE}\\$(\\{${name}\\}|${name}(?![A-Za-z0-9_]))${AFTER}`, 'g') }));
  const hits = (raw.match(literal) ?? []).length + varRes.reduce((n, v) => n + (raw.match(v.re) ?? []).length, 0);
  if (hits !== 1) return { refused: `the secret is given ${hits === 0 ? 'in a way this fix does not rewrite (not as the value of -secret, part of a longer word, or through a variable inside a word)' : `${hits} times`} in ExecStart=: edit it by hand` };
  if (raw.match(literal)) {
    const exec = raw.replace(literal, `@${file}`);
    return exec.includes(secret) ? { refused: 'the secret would still be in ExecStart=' } : { exec, via: { kind: 'inline' } };
  }
  const v = varRes.find((x) => raw.match(x.re))!;
  return { exec: raw.replace(v.re, `@${file}`), via: { kind: 'variable', name: v.name } };
}

/** The drop-in: systemd.service(5): an empty ExecStart= resets the list, so ours is the only one. */
export function dropInText(exec: string, file: string): string {
  return [
    `# Written by runnerguard (RG-JENKINS-002): the agent reads its secret from ${file} (0600),`,
    '# not from its command line. `runnerguard rollback` removes it.',
    '[Service]',
    'ExecStart=',
    `ExecStart=${exec}`,
    '',
  ].join('\n');
}
