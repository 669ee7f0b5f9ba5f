import { writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { redactPatterns } from './engine/redact.js';
import { jsonSafe } from './report/neutralize.js';

/**
 * Logs go to stderr: JSON for journald and log shippers, pretty on a TTY.
 * Every line passes through the same redaction as reports. Log fields carry
 * job-chosen names (subjects, paths): JSON escapes C0 characters, jsonSafe
 * the C1 and bidi ones it leaves raw (the same JSON value); pino-pretty
 * prints values as JSON, so the same step makes its lines safe too.
 */
export function createLogger(level = process.env.RUNNERGUARD_LOG_LEVEL ?? 'info'): Logger {
  const opts: pino.LoggerOptions = {
    level,
    base: { name: 'runnerguard' },
    hooks: { streamWrite: (s: string) => jsonSafe(redactPatterns(s)) },
  };
  if (process.stderr.isTTY) {
    const pretty = prettyFactory({ colorize: !process.env.NO_COLOR });
    return pino(opts, { write: (line: string) => void writeSync(2, jsonSafe(pretty(line))) });
  }
  return pino(opts, pino.destination({ dest: 2, sync: true }));
}
