import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { fingerprint, redactPatterns, SecretRegistry } from '../../agent/engine/redact.js';
import { checkBudgetMs, runAudit } from '../../agent/engine/run-checks.js';
import { summarize } from '../../agent/engine/score.js';
import type { CheckMeta, Finding } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

const meta = (id: string, extra: Partial<CheckMeta> = {}): CheckMeta => ({
  id,
  title: id,
  severity: 'high',
  area: 'host',
  rationale: 'test',
  references: ['CIS test'],
  reads: ['nothing'],
  remediation: { summary: 'fix it' },
  ...extra,
});

async function audit(checks: ReturnType<typeof defineCheck>[], cfg = defaultConfig(), now?: Date) {
  const t = await FixtureTree.create();
  try {
    return await runAudit({ host: createHost({ root: t.root }), config: cfg, checks, now: now ? () => now : undefined });
  } finally {
    await t.remove();
  }
}

describe('runAudit', () => {
  it('turns a throwing check and a hung check into error findings; the others go on', async () => {
    const report = await audit([
      defineCheck({ meta: meta('RG-T-001'), run: async () => { throw new Error('boom at /etc/x:3'); } }),
      defineCheck({ meta: meta('RG-T-002', { timeoutMs: 100 }), run: () => new Promise(() => {}) }),
      defineCheck({ meta: meta('RG-T-003'), run: async () => [verdict.fail('s', 'bad')] }),
      defineCheck({ meta: meta('RG-T-004'), run: async () => [] }),
    ]);
    const by = Object.fromEntries(report.findings.map((f) => [f.check, f]));
    expect(by['RG-T-001']).toMatchObject({ status: 'error', message: 'could not be evaluated: boom at /etc/x:3' });
    expect(by['RG-T-002']).toMatchObject({ status: 'error', message: expect.stringMatching(/^timed out after 100 ms and was stopped: not everything was seen/) });
    expect(by['RG-T-003']).toMatchObject({ status: 'fail', remediation: { id: null, automated: false, summary: 'fix it' } });
    expect(by['RG-T-004']).toMatchObject({ status: 'error', message: 'the check produced no finding' });
    expect(report.summary).toMatchObject({ total: 4, fail: 1, error: 3, score: 0 });
    expect(report.schema).toBe('runnerguard/report@1');
    expect(report.host.hostname).toBe('fixture-host');
    expect(report.target.live).toBe(false);
  });

  it('applies waivers with subject globs; an expired one no longer applies and says so', async () => {
    const cfg = defaultConfig();
    cfg.waivers = [
      { check: 'RG-T-001', subject: 'runner:dind-*', reason: 'DinD, protected only', expires: '2026-12-31' },
      { check: 'RG-T-001', subject: 'runner:old', reason: 'legacy', expires: '2026-01-01' },
    ];
    const check = defineCheck({
      meta: meta('RG-T-001'),
      run: async () => [verdict.fail('runner:dind-1', 'privileged'), verdict.fail('runner:old', 'privileged'), verdict.fail('runner:dind', 'x')],
    });
    const report = await audit([check], cfg, new Date('2026-11-22T12:00:00Z'));
    const [a, b, c] = report.findings as [Finding, Finding, Finding];
    expect(a.waived).toEqual({ reason: 'DinD, protected only', expires: '2026-12-31' });
    expect(a.status).toBe('fail');
    expect(b.waived).toBeUndefined();
    expect(b.waiverExpired).toEqual({ reason: 'legacy', expires: '2026-01-01' });
    expect(b.message).toContain('waiver expired 2026-01-01');
    expect(c.waived).toBeUndefined(); // "runner:dind-*" needs the dash
    expect(report.summary.score).toBe(0); // both unwaived fails count
  });

  it('redacts secrets a check put in its message or evidence', async () => {
    const check = defineCheck({
      meta: meta('RG-T-001'),
      run: async (ctx) => {
        ctx.secrets.add('s3cr3t-value-xyz');
        return [verdict.fail('runner:a', 'remote https://gitlab-ci-token:abc123@gitlab.example.com/x.git', ['token = "glrt-ABCDEFGHIJKLMNOP"', 'saw s3cr3t-value-xyz'])];
      },
    });
    const text = JSON.stringify(await audit([check]));
    expect(text).not.toContain('abc123');
    expect(text).not.toContain('ABCDEFGHIJKLMNOP');
    expect(text).not.toContain('s3cr3t-value-xyz');
    expect(text).toContain('https://gitlab-ci-token:****@gitlab.example.com/x.git');
  });
});

describe('score', () => {
  const f = (status: Finding['status'], severity: Finding['severity'], waived = false): Finding => ({
    check: 'X', title: 'X', severity, status, subject: 's', message: '', evidence: [], references: [],
    remediation: { id: null, automated: false, summary: '' }, ...(waived ? { waived: { reason: 'r' } } : {}),
  });
  it('weighs fails fully and warns by half; skip, error and waived do not count', () => {
    expect(summarize([]).score).toBe(100);
    expect(summarize([f('pass', 'critical'), f('fail', 'critical')]).score).toBe(50);
    expect(summarize([f('pass', 'high'), f('warn', 'high')]).score).toBe(75);
    expect(summarize([f('pass', 'low'), f('fail', 'critical', true), f('skip', 'high'), f('error', 'high')]).score).toBe(100);
    expect(summarize([f('fail', 'medium'), f('pass', 'critical')]).score).toBe(77);
  });
});

describe('redaction', () => {
  it('masks tokens, URL credentials, key blocks and secret-looking keys', () => {
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    expect(redactPatterns(pem)).toBe('-----BEGIN OPENSSH PRIVATE KEY----- **** -----END OPENSSH PRIVATE KEY-----');
    expect(redactPatterns('glrt-t3_abcdefghijklmnop')).toBe('glrt-****');
    expect(redactPatterns('https://x-access-token:ghs_abcdefghijkl@github.com/o/r')).toBe('https://x-access-token:****@github.com/o/r');
    expect(redactPatterns('//registry.npmjs.org/:_authToken=npm_abcdefghijkl')).not.toContain('abcdefghijkl');
    expect(redactPatterns('machine gitlab.com login me password hunter22')).toBe('machine gitlab.com login me password ****');
    expect(redactPatterns('{"auths":{"r":{"auth":"dXNlcjpwYXNz"}}}')).toBe('{"auths":{"r":{"auth":"****"}}}');
    expect(redactPatterns('token_expires_at = 0001-01-01T00:00:00Z')).toBe('token_expires_at = 0001-01-01T00:00:00Z');
    // A token masked by its shape keeps its prefix through the key = value pass; a value merely containing **** does not pass.
    expect(redactPatterns('token = "glrt-t3_abcdefghijklmnop"')).toBe('token = "glrt-****"');
    expect(redactPatterns('password = "hunter2****x"')).toBe('password = "****"');
    expect(redactPatterns('gitlab-runner ALL=(ALL) NOPASSWD: ALL')).toBe('gitlab-runner ALL=(ALL) NOPASSWD: ALL');
    expect(redactPatterns('PermitRootLogin prohibit-password (default)')).toBe('PermitRootLogin prohibit-password (default)');
    expect(redactPatterns('machine h\n  login ci\n  password s3cret')).toBe('machine h\n  login ci\n  password ****');
    expect(redactPatterns('token_file /etc/runnerguard/token: readable by others')).toBe('token_file /etc/runnerguard/token: readable by others');
    expect(redactPatterns('{"token":"abc123456"}')).toBe('{"token":"****"}');
    // A bare boolean is a setting; a quoted "false" may be a password and stays masked.
    expect(redactPatterns('[runners.kubernetes] automount_service_account_token = false')).toBe('[runners.kubernetes] automount_service_account_token = false');
    expect(redactPatterns('password = "false"')).toBe('password = "****"');
    expect(redactPatterns('password = falsehood')).toBe('password = ****');
  });
  it('fingerprints are 12 hex and stable', () => {
    expect(fingerprint('glrt-abc')).toMatch(/^[0-9a-f]{12}$/);
    expect(fingerprint('glrt-abc')).toBe(fingerprint('glrt-abc'));
    const r = new SecretRegistry();
    r.add('short');
    expect(r.redact('short')).toBe('short'); // too short to be a secret worth masking
  });
});

describe('check budgets', () => {
  const m = (timeoutMs?: number) => defineCheck({ meta: { id: 'RG-T-900', title: 't', severity: 'low', area: 'host', rationale: 'r', references: [], reads: [], remediation: { summary: 's' }, timeoutMs }, run: async () => [] });
  const cfg = (ms: number) => {
    const c = defaultConfig();
    c.agent.check_timeout_ms = ms;
    return c;
  };
  it('[agent] check_timeout_ms is an ordinary check\'s budget; a walker\'s declared budget scales with it', () => {
    expect(checkBudgetMs(m(), cfg(15_000))).toBe(15_000);
    expect(checkBudgetMs(m(), cfg(3_000))).toBe(3_000);
    expect(checkBudgetMs(m(120_000), cfg(15_000))).toBe(120_000);
    expect(checkBudgetMs(m(120_000), cfg(30_000))).toBe(240_000);
    expect(checkBudgetMs(m(120_000), cfg(1))).toBe(8);
  });
});
