import { expect } from 'vitest';
import { checkOptionSchemas } from '../../checks/index.js';
import { parseConfig } from '../../agent/config/load.js';
import { defaultConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { Check, Finding, Severity, Status } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { FixtureTree } from './fixture-tree.js';

export interface ExpectedFinding {
  status: Status;
  subject: string;
  /** Substring or pattern the message must match. */
  message?: string | RegExp;
  /** Each must match some evidence line. */
  evidence?: Array<string | RegExp>;
  severity?: Severity;
}

export interface CheckCase {
  name: string;
  build(t: FixtureTree): Promise<void>;
  /** runnerguard config.toml text for this case. */
  config?: string;
  /** The audit's clock (ISO date), for checks that judge ages; the real clock when unset. */
  now?: string;
  /** The exact findings, in any order: same count, statuses and subjects. */
  expect: ExpectedFinding[];
}

/** A check's case tables (ESLint-RuleTester style). The catalogue test requires each table to be non-empty. */
export interface CheckCases {
  check: Check;
  passing: CheckCase[];
  /** fail (or warn, for warn-only checks) findings, asserted exactly. */
  failing: CheckCase[];
  notApplicable: CheckCase[];
  /** Bad input: error findings naming the file. */
  errors?: CheckCase[];
}

export function defineCases(c: CheckCases): CheckCases {
  return c;
}

/** Builds the fixture, runs the check through the real engine, returns its findings. */
export async function runCase(check: Check, c: CheckCase): Promise<{ findings: Finding[]; tree: FixtureTree }> {
  const tree = await FixtureTree.create();
  await c.build(tree);
  const config = c.config ? parseConfig(c.config, 'case.toml', checkOptionSchemas()) : defaultConfig();
  const report = await runAudit({ host: createHost({ root: tree.root }), config, checks: [check], ...(c.now && { now: () => new Date(c.now!) }) });
  return { findings: report.findings, tree };
}

function matches(actual: string, want: string | RegExp): boolean {
  return typeof want === 'string' ? actual.includes(want) : want.test(actual);
}

export function assertFindings(actual: Finding[], expected: ExpectedFinding[]): void {
  const show = actual.map((f) => `${f.status} ${f.subject}: ${f.message}`).join('\n');
  expect(actual.length, `findings:\n${show}`).toBe(expected.length);
  const remaining = [...actual];
  for (const want of expected) {
    const i = remaining.findIndex(
      (f) =>
        f.status === want.status &&
        f.subject === want.subject &&
        (want.message === undefined || matches(f.message, want.message)) &&
        (want.severity === undefined || f.severity === want.severity) &&
        (want.evidence ?? []).every((e) => f.evidence.some((line) => matches(line, e))),
    );
    expect(i, `no finding matches ${JSON.stringify(want, (_k, v) => (v instanceof RegExp ? v.toString() : v))}\nactual:\n${show}`).toBeGreaterThanOrEqual(0);
    remaining.splice(i, 1);
  }
}
