import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { redactPatterns } from './engine/redact.js';

/**
 * Logs go to stderr: JSON for journald and log shippers, pretty on a TTY.
 * Every line passes through the same redaction as reports.
 */
export function createLogger(level = process.env.RUNNERGUARD_LOG_LEVEL ?? 'info'): Logger {
  const opts: pino.LoggerOptions = {
    level,
    base: { name: 'runnerguard' },
    hooks: { streamWrite: (s: string) => redactPatterns(s) },
  };
  if (process.stderr.isTTY) {
    return pino(opts, pretty({ destination: 2, sync: true, colorize: !process.env.NO_COLOR }));
  }
  return pino(opts, pino.destination({ dest: 2, sync: true }));
}
