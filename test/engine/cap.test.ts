/**
 * Findings are capped per check and subject kind, and what is not listed is
 * one aggregate that keeps the worst status and severity: a flood can hide
 * nothing and downgrade nothing. Remediations act on the listed ones; the
 * next run lists (and fixes) the next ones.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { capDrafts, MAX_FINDINGS_PER_KIND } from '../../agent/engine/cap.js';
import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { CheckMeta, FindingDraft } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { applyPlans } from '../../agent/remediate/apply.js';
import { planRemediations } from '../../agent/remediate/plan.js';
import credentialFiles from '../../checks/build/credential-files.js';
import { remediationFor } from '../../remediations/index.js';
import { FixtureTree, tokenFlood } from '../helpers/fixture-tree.js';

const meta = (id: string): CheckMeta => ({ id, title: 't', severity: 'medium', area: 'host', rationale: 'r', references: [], reads: ['x'], remediation: { summary: 'fix it' } });
const fails = (n: number, from = 0): FindingDraft[] => Array.from({ length: n }, (_, i) => ({ ...verdict.fail(`/f/${from + i}`, 'bad'), bytes: 10 }));

describe('capDrafts', () => {
  it('keeps the first 100 per kind and counts the rest with their bytes in one aggregate', () => {
    const out = capDrafts([...fails(1000), verdict.fail('user:a', 'u')], 'medium');
    expect(out.filter((d) => d.subject.startsWith('/'))).toHaveLength(MAX_FINDINGS_PER_KIND);
    expect(out.filter((d) => d.subject.startsWith('/')).map((d) => d.subject)).toEqual(fails(100).map((d) => d.subject));
    expect(out.find((d) => d.subject === 'user:a')).toBeDefined(); // another kind, its own cap
    const agg = out.find((d) => d.subject === 'more:path')!;
    expect(agg).toMatchObject({ status: 'fail', overflow: { count: 900, bytes: 9000, statuses: { fail: 900 } } });
    expect(agg.overflow!.examples).toEqual(['/f/100', '/f/101', '/f/102', '/f/103', '/f/104']);
  });

  it('a flood of passes before a fail cannot push the fail out, nor a mild flood a critical one', () => {
    const passes = Array.from({ length: 500 }, (_, i) => verdict.pass(`/p/${i}`, 'ok'));
    const mild = Array.from({ length: 500 }, (_, i) => ({ ...verdict.warn(`/w/${i}`, 'meh'), severity: 'low' as const }));
    const out = capDrafts([...passes, ...mild, { ...verdict.warn('/w/critical', 'bad'), severity: 'critical' }, verdict.fail('/last', 'bad')], 'medium');
    expect(out.map((d) => d.subject)).toContain('/last');
    expect(out.map((d) => d.subject)).toContain('/w/critical');
    const agg = out.find((d) => d.overflow)!;
    expect(agg.status).toBe('warn'); // the worst of what it stands for (warns and passes)
    expect(agg.severity).toBe('low');
    expect(agg.overflow!.count).toBe(1002 - 1 - 100 - 100); // per status: the fail, 100 warns, 100 passes kept
  });

  it('merges a check\'s own aggregate (a scan that kept only the first N) with the engine\'s', () => {
    const own: FindingDraft = { status: 'error', subject: 'more:path', message: '', overflow: { count: 5000, bytes: 1, statuses: { error: 5000 }, examples: [] } };
    const out = capDrafts([...fails(150), own], 'medium');
    const aggs = out.filter((d) => d.overflow);
    expect(aggs).toHaveLength(1);
    expect(aggs[0]).toMatchObject({ status: 'fail', overflow: { count: 5050, statuses: { fail: 50, error: 5000 } } });
  });

  it('through the engine: the aggregate is one finding with the count, the bytes and examples, redacted like the rest', async () => {
    const check = defineCheck({ meta: meta('RG-T-100'), run: async () => fails(250) });
    const report = await runAudit({ host: createHost({ root: '/' }), config: defaultConfig(), checks: [check] });
    expect(report.findings).toHaveLength(101);
    const agg = report.findings.find((f) => f.subject === 'more:path')!;
    expect(agg).toMatchObject({ status: 'fail', severity: 'medium' });
    expect(agg.message).toMatch(/^150 more finding\(s\) of this kind not listed \(fail 150, 1500 bytes in all\)/);
    expect(agg.evidence).toEqual(['count 150', 'total bytes 1500', 'example: /f/100', 'example: /f/101', 'example: /f/102', 'example: /f/103', 'example: /f/104']);
    expect(report.summary.fail).toBe(101);
  });
});

describe('remediations act on the listed findings; the next run gets the next ones', () => {
  let t: FixtureTree;
  beforeEach(async () => {
    t = await FixtureTree.create();
    await tokenFlood(t);
  });
  afterEach(async () => {
    await t.remove();
  });

  it('130 leaking .git/config: 100 listed and scrubbed, then the other 30', async () => {
    const host = () => createHost({ root: t.root });
    const stateDir = t.p('/var/lib/runnerguard');
    const r = remediationFor('RG-BUILD-002')!;
    const first = await planRemediations({ host: host(), config: defaultConfig(), checks: [credentialFiles], remediations: [r], stateDir });
    expect(first.report.findings.filter((f) => f.status === 'fail' && f.subject.startsWith('/'))).toHaveLength(100);
    expect(first.report.findings.find((f) => f.subject === 'more:path')).toMatchObject({ status: 'fail', evidence: expect.arrayContaining(['count 30']) });
    const plans = first.planned[0]!.plans;
    expect(plans).toHaveLength(100); // the aggregate is no target
    expect((await applyPlans(host(), plans, stateDir)).status).not.toBe('failed');
    const second = await planRemediations({ host: host(), config: defaultConfig(), checks: [credentialFiles], remediations: [r], stateDir });
    expect(second.report.findings.map((f) => f.status)).toEqual(Array(30).fill('fail'));
    expect(second.planned[0]!.plans).toHaveLength(30);
    expect(second.planned[0]!.plans.map((p) => p.subject).filter((s) => plans.some((q) => q.subject === s))).toEqual([]);
  });
});

describe('capDrafts keeps what says what was not seen', () => {
  it('a flood of fails does not fold away the one warn naming an unreadable dir', () => {
    const out = capDrafts([...fails(5000), verdict.warn('/builds', 'part of it was not scanned', ['not readable, not scanned (1): /builds/x (EACCES)'])], 'high');
    expect(out.find((d) => d.status === 'warn')).toMatchObject({ subject: '/builds', message: 'part of it was not scanned' });
    expect(out.filter((d) => d.status === 'fail' && !d.overflow)).toHaveLength(MAX_FINDINGS_PER_KIND);
    expect(out.find((d) => d.overflow)!.overflow!.count).toBe(4900);
  });
});
