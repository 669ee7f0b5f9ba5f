import { CATALOGUE } from '../../../checks/index.js';
import { forTerminal, term } from '../../report/neutralize.js';
import { parse, UsageError } from '../args.js';

export function checksCommand(argv: string[]): number {
  const { values } = parse(argv, { format: { type: 'string' } });
  const format = (values.format as string | undefined) ?? 'text';
  if (format === 'json') {
    process.stdout.write(JSON.stringify(CATALOGUE.map((c) => c.meta), null, 2) + '\n');
    return 0;
  }
  if (format !== 'text') throw new UsageError('--format must be text or json');
  const rows = CATALOGUE.map((c) => [c.meta.id, c.meta.severity, c.meta.remediation.automated ? 'auto' : 'manual', c.meta.title]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of [['ID', 'SEVERITY', 'FIX', 'TITLE'], ...rows]) {
    process.stdout.write(term`${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}\n`);
  }
  return 0;
}

export function explainCommand(argv: string[]): number {
  const { positionals } = parse(argv, {});
  const id = positionals[0];
  if (!id) throw new UsageError('usage: runnerguard explain ID');
  const check = CATALOGUE.find((c) => c.meta.id.toLowerCase() === id.toLowerCase());
  if (!check) throw new UsageError(`unknown check id "${id}" (see: runnerguard checks)`);
  const m = check.meta;
  const out = [
    `${m.id}: ${m.title}`,
    `severity: ${m.severity}    area: ${m.area}`,
    '',
    'Why:',
    `  ${m.rationale}`,
    '',
    'Inspects:',
    ...m.reads.map((r) => `  - ${r}`),
    '',
    'Remediation:',
    `  ${m.remediation.summary}`,
    `  automated: ${m.remediation.automated ? `yes (runnerguard fix --only ${m.id})` : 'no'}`,
    ...(m.options ? ['', 'Options ([checks.' + m.id + ']):', ...Object.entries(m.options).map(([k, t]) => `  ${k}: ${t}`)] : []),
    '',
    'References:',
    ...m.references.map((r) => `  - ${r}`),
  ];
  // The catalogue is ours, but every line goes through the same neutraliser as anything printed.
  process.stdout.write(out.map(forTerminal).join('\n') + '\n');
  return 0;
}
