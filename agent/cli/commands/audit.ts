import { CATALOGUE } from '../../../checks/index.js';
import { runAudit } from '../../engine/run-checks.js';
import { SEVERITIES, severityRank, type Report, type Severity } from '../../engine/types.js';
import { createHost } from '../../host/index.js';
import { FORMATS, formatReport, type Format } from '../../report/index.js';
import { textWidth, wantColor } from '../../report/text.js';
import { writeLiveFile } from '../../host/target-ops.js';
import { COMMON, idList, parse, UsageError } from '../args.js';
import { loadAgentConfig } from '../config.js';
import { metricsOptions } from '../metrics.js';
import { selectChecks } from '../select.js';

export function exitCodeFor(report: Report, failOn: Severity): 0 | 1 {
  const failing = report.findings.some((f) => f.status === 'fail' && !f.waived && severityRank(f.severity) <= severityRank(failOn));
  return failing ? 1 : 0;
}

export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON,
    format: { type: 'string' },
    output: { type: 'string' },
    'fail-on': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  });
  if (positionals.length > 0) throw new UsageError(`audit takes no arguments (got "${positionals[0]}")`);
  const format = (values.format as string | undefined) ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const failOn = (values['fail-on'] as string | undefined) ?? 'low';
  if (!(SEVERITIES as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);

  const checks = selectChecks(CATALOGUE, idList(values.only), idList(values.skip));
  const config = await loadAgentConfig(values.config as string | undefined);
  const root = values.root as string | undefined;
  if (root !== undefined) {
    const { stat } = await import('node:fs/promises');
    const st = await stat(root).catch(() => null);
    if (!st?.isDirectory()) throw new UsageError(`--root ${root}: not a directory`);
  }
  const report = await runAudit({ host: createHost({ root }), config, checks });
  const output = values.output as string | undefined;
  const text = formatReport(report, format as Format, {
    color: output === undefined && wantColor(process.stdout),
    verbose: Boolean(values.verbose),
    // A file gets 80 columns unless COLUMNS says otherwise; stdout the terminal's width.
    width: textWidth(output === undefined ? process.stdout : {}),
    ...(format === 'prometheus' ? { metrics: await metricsOptions(config) } : {}),
  });
  // A textfile for node_exporter is read by another user (prometheus); every other report stays root's alone.
  if (output) await writeLiveFile(output, text, format === 'prometheus' ? 0o644 : 0o600);
  else process.stdout.write(text);
  return exitCodeFor(report, failOn as Severity);
}
