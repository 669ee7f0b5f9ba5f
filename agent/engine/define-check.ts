import type { Check, CheckContext, FindingDraft } from './types.js';

/** The single way a check is declared: plain metadata plus one function. */
export function defineCheck(check: Check): Check {
  return check;
}

/** Shorthands so checks read as verdicts. */
export const verdict = {
  pass: (subject: string, message: string, evidence?: string[]): FindingDraft => ({ status: 'pass', subject, message, evidence }),
  fail: (subject: string, message: string, evidence?: string[]): FindingDraft => ({ status: 'fail', subject, message, evidence }),
  warn: (subject: string, message: string, evidence?: string[]): FindingDraft => ({ status: 'warn', subject, message, evidence }),
  skip: (subject: string, message: string): FindingDraft => ({ status: 'skip', subject, message }),
  error: (subject: string, message: string, evidence?: string[]): FindingDraft => ({ status: 'error', subject, message, evidence }),
};

export type { Check, CheckContext, FindingDraft };
